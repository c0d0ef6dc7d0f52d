package dev.ember.distributions;

import dev.ember.Tensor;

/** y = exp(x), as {@code torch.distributions.transforms.ExpTransform}; log-det-Jacobian x. */
public class ExpTransform extends Transform {
    /** The transform. */
    public ExpTransform() {
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
        return x.exp();
    }

    @Override
    protected Tensor invCall(Tensor y) {
        return y.log();
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        return x;
    }

    /** Equal to every {@code ExpTransform}, as PyTorch's {@code __eq__}. */
    @Override
    public boolean equals(Object other) {
        return other instanceof ExpTransform;
    }

    @Override
    public int hashCode() {
        return ExpTransform.class.hashCode();
    }
}
