package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Softmin}: {@code softmax(-x, dim)}, PyTorch's composition (SoftmaxBackward0, NegBackward0). */
public class Softmin extends Module {
    private static final System.Logger LOG = System.getLogger("dev.ember");
    private final Integer dim;

    /** No dimension ({@code dim=None}): PyTorch's implicit choice at the forward, with its deprecation warning. */
    public Softmin() {
        this(null);
    }

    /** Along {@code dim} (null: the implicit choice). */
    public Softmin(Integer dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "softmin", "input", 1);
        int d;
        if (dim == null) {
            // PyTorch's _get_softmax_dim: 0 for 0, 1 or 3 dimensions, else 1
            LOG.log(System.Logger.Level.WARNING, "Implicit dimension choice for softmin has been deprecated. Change the "
                    + "call to include dim=X as an argument.");
            int n = input.dim();
            d = n == 0 || n == 1 || n == 3 ? 0 : 1;
        } else {
            d = dim;
        }
        return Functional.softmin(input, d);
    }

    @Override
    public String extraRepr() {
        return "dim=" + (dim == null ? "None" : dim.toString());
    }
}
