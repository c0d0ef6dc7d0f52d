package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.PairwiseDistance}: {@link Functional#pairwiseDistance}. */
public class PairwiseDistance extends Module {
    private final double norm;
    private final double eps;
    private final boolean keepdim;

    /** PyTorch's defaults. */
    public PairwiseDistance() {
        this(2.0, 1e-6, false);
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public PairwiseDistance(double norm, double eps, boolean keepdim) {
        this.norm = norm;
        this.eps = eps;
        this.keepdim = keepdim;
    }

    /** Refused: the module takes 2 tensors, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("PairwiseDistance.forward() missing 1 required positional argument: 'x2'");
    }

    /** {@code module(x1, x2)}. */
    public Tensor forward(Tensor x1, Tensor x2) {
        return Functional.pairwiseDistance(x1, x2, norm, eps, keepdim);
    }

    /** {@code module(x1, x2)}: {@link #forward(Tensor, Tensor)} with this module's hooks. */
    public Tensor apply(Tensor x1, Tensor x2) {
        return callOne(in -> forward(in.get(0), in.get(1)), x1, x2);
    }
}
