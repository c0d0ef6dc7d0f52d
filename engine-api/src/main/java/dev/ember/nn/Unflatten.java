package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Unflatten}: splits dimension {@code dim} into {@code sizes} (one may be -1), {@link Tensor#unflatten}. */
public class Unflatten extends Module {
    private final int dim;
    private final int[] sizes;

    /** Unflattens {@code dim} into {@code sizes}. */
    public Unflatten(int dim, int[] sizes) {
        this.dim = dim;
        this.sizes = Checks.notNull(sizes, "unflattened_size").clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "unflatten", "input", 1);
        return input.unflatten(dim, sizes);
    }

    @Override
    public String extraRepr() {
        return "dim=" + dim + ", unflattened_size=" + tuple(sizes);
    }
}
