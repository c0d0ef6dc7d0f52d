package dev.ember.distributions;

import dev.ember.Tensor;

/** y = sigmoid(x) clipped to [tiny, 1 - eps], as {@code torch.distributions.transforms.SigmoidTransform}; x = logit(y). */
public class SigmoidTransform extends StatelessTransform {
    /** The transform. */
    public SigmoidTransform() {
        super(SigmoidTransform.class, Constraint.REAL, Constraint.UNIT_INTERVAL, true, 1);
    }

    @Override
    protected Tensor call(Tensor x) {
        return clipped(x);
    }

    @Override
    protected Tensor invCall(Tensor y) {
        return logit(y);
    }

    /** {@code _clipped_sigmoid}: sigmoid clamped to [tiny, 1 - eps]. */
    static Tensor clipped(Tensor x) {
        dev.ember.DTypeInfo.FInfo f = Tensor.finfo(x.dtype());
        return x.sigmoid().clamp(f.tiny(), 1.0 - f.eps());
    }

    private static Tensor logit(Tensor y) {
        dev.ember.DTypeInfo.FInfo f = Tensor.finfo(y.dtype());
        Tensor c = y.clamp(f.tiny(), 1.0 - f.eps());
        return c.log().sub(c.neg().log1p());
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        return dev.ember.nn.Functional.softplus(x.neg()).neg().sub(dev.ember.nn.Functional.softplus(x));
    }
}
