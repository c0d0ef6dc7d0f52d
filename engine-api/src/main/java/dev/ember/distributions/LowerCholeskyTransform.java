package dev.ember.distributions;

import dev.ember.Tensor;

/**
 * Unconstrained square matrices to lower-triangular ones with a positive diagonal (the strict lower triangle kept, the
 * diagonal exponentiated), as {@code torch.distributions.transforms.LowerCholeskyTransform}; not bijective, so it has
 * no log-det-Jacobian.
 */
public class LowerCholeskyTransform extends StatelessTransform {
    /** The transform. */
    public LowerCholeskyTransform() {
        super(LowerCholeskyTransform.class, Constraint.independent(Constraint.REAL, 2), Constraint.LOWER_CHOLESKY, false, 0);
    }

    @Override
    protected Tensor call(Tensor x) {
        return x.tril(-1).add(x.diagonal(0, -2, -1).exp().diagEmbed());
    }

    @Override
    protected Tensor invCall(Tensor y) {
        return y.tril(-1).add(y.diagonal(0, -2, -1).log().diagEmbed());
    }
}
