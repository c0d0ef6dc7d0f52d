package dev.ember.distributions;

import dev.ember.Tensor;

/** y = tanh(x), as {@code torch.distributions.transforms.TanhTransform}, with PyTorch's stable log-det-Jacobian {@code 2 (log 2 - x - softplus(-2x))}. */
public class TanhTransform extends Transform {
    /** The transform. */
    public TanhTransform() {
    }

    @Override
    public Constraint domain() {
        return Constraint.REAL;
    }

    @Override
    public Constraint codomain() {
        return Constraint.interval(-1.0, 1.0);
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
        return x.tanh();
    }

    @Override
    protected Tensor invCall(Tensor y) {
        return y.atanh();
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        // PyTorch's stable form: 2 * (log 2 - x - softplus(-2x))
        return dev.ember.nn.Functional.softplus(x.mul(-2.0)).neg().sub(x).add(Math.log(2.0)).mul(2.0);
    }

    /** Equal to every {@code TanhTransform}, as PyTorch's {@code __eq__}. */
    @Override
    public boolean equals(Object other) {
        return other instanceof TanhTransform;
    }

    @Override
    public int hashCode() {
        return TanhTransform.class.hashCode();
    }
}
