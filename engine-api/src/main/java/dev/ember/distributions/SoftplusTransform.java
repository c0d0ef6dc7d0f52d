package dev.ember.distributions;

import dev.ember.Tensor;
import dev.ember.nn.Functional;

/**
 * y = softplus(x) = log(1 + exp(x)), as {@code torch.distributions.transforms.SoftplusTransform}; x = log(-expm1(-y)) + y;
 * {@code log |dy/dx| = -softplus(-x)}.
 */
public class SoftplusTransform extends Transform {
    /** The transform. */
    public SoftplusTransform() {
    }

    @Override
    public Constraint domain() {
        return Constraint.REAL;
    }

    @Override
    public Constraint codomain() {
        return Constraint.POSITIVE;
    }

    @Override
    public boolean bijective() {
        return true;
    }

    @Override
    public int sign() {
        return 1;
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

    /** Equal to every {@code SoftplusTransform}, as PyTorch's {@code __eq__}. */
    @Override
    public boolean equals(Object other) {
        return other instanceof SoftplusTransform;
    }

    @Override
    public int hashCode() {
        return SoftplusTransform.class.hashCode();
    }
}
