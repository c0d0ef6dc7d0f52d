package dev.ember.distributions;

import dev.ember.Tensor;
import dev.ember.nn.Functional;

/**
 * y = softplus(x) = log(1 + exp(x)), as {@code torch.distributions.transforms.SoftplusTransform}; x = log(-expm1(-y)) + y;
 * {@code log |dy/dx| = -softplus(-x)}.
 */
public class SoftplusTransform extends StatelessTransform {
    /** The transform. */
    public SoftplusTransform() {
        super(SoftplusTransform.class, Constraint.REAL, Constraint.POSITIVE, true, 1);
    }

    @Override
    protected Tensor call(Tensor x) {
        return Functional.softplus(x);
    }

    @Override
    protected Tensor invCall(Tensor y) {
        return y.neg().expm1().neg().log().add(y);
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        return Functional.softplus(x.neg()).neg();
    }
}
