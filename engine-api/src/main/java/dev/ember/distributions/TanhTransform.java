package dev.ember.distributions;

import dev.ember.Tensor;

/** y = tanh(x), as {@code torch.distributions.transforms.TanhTransform}, with PyTorch's stable log-det-Jacobian {@code 2 (log 2 - x - softplus(-2x))}. */
public class TanhTransform extends StatelessTransform {
    /** The transform. */
    public TanhTransform() {
        super(TanhTransform.class, Constraint.REAL, Constraint.interval(-1.0, 1.0), true, 1);
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
}
