package dev.ember.distributions;

import dev.ember.Tensor;

/** y = exp(x), as {@code torch.distributions.transforms.ExpTransform}; log-det-Jacobian x. */
public class ExpTransform extends StatelessTransform {
    /** The transform. */
    public ExpTransform() {
        super(ExpTransform.class, Constraint.REAL, Constraint.POSITIVE, true, 1);
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
}
