package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.CosineSimilarity}: {@link Functional#cosineSimilarity}. */
public class CosineSimilarity extends Module {
    private final int dim;
    private final double eps;

    /** PyTorch's defaults. */
    public CosineSimilarity() {
        this(1, 1e-8);
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public CosineSimilarity(int dim, double eps) {
        this.dim = dim;
        this.eps = eps;
    }

    /** Refused: the module takes 2 tensors, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("CosineSimilarity.forward() missing 1 required positional argument: 'x2'");
    }

    /** {@code module(x1, x2)}. */
    public Tensor forward(Tensor x1, Tensor x2) {
        return Functional.cosineSimilarity(x1, x2, dim, eps);
    }

    /** {@code module(x1, x2)}: {@link #forward(Tensor, Tensor)} with this module's hooks. */
    public Tensor apply(Tensor x1, Tensor x2) {
        return callOne(in -> forward(in.get(0), in.get(1)), x1, x2);
    }
}
