package dev.ember.distributions;

import dev.ember.Tensor;

/**
 * Unconstrained square matrices to lower-triangular ones with a positive diagonal (the strict lower triangle kept, the
 * diagonal exponentiated), as {@code torch.distributions.transforms.LowerCholeskyTransform}; not bijective, so it has
 * no log-det-Jacobian.
 */
public class LowerCholeskyTransform extends Transform {
    /** The transform. */
    public LowerCholeskyTransform() {
    }

    @Override
    public Constraint domain() {
        return Constraint.independent(Constraint.REAL, 2);
    }

    @Override
    public Constraint codomain() {
        return Constraint.LOWER_CHOLESKY;
    }

    @Override
    protected Tensor call(Tensor x) {
        return x.tril(-1).add(x.diagonal(0, -2, -1).exp().diagEmbed());
    }

    @Override
    protected Tensor invCall(Tensor y) {
        return y.tril(-1).add(y.diagonal(0, -2, -1).log().diagEmbed());
    }

    /** Equal to every {@code LowerCholeskyTransform}, as PyTorch's {@code __eq__}. */
    @Override
    public boolean equals(Object other) {
        return other instanceof LowerCholeskyTransform;
    }

    @Override
    public int hashCode() {
        return LowerCholeskyTransform.class.hashCode();
    }
}
