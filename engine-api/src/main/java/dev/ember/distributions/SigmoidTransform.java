package dev.ember.distributions;

import dev.ember.Tensor;

/** y = sigmoid(x) clipped to [tiny, 1 - eps], as {@code torch.distributions.transforms.SigmoidTransform}; x = logit(y). */
public class SigmoidTransform extends Transform {
    /** The transform. */
    public SigmoidTransform() {
    }

    @Override
    public Constraint domain() {
        return Constraint.REAL;
    }

    @Override
    public Constraint codomain() {
        return Constraint.UNIT_INTERVAL;
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

    /** Equal to every {@code SigmoidTransform}, as PyTorch's {@code __eq__}. */
    @Override
    public boolean equals(Object other) {
        return other instanceof SigmoidTransform;
    }

    @Override
    public int hashCode() {
        return SigmoidTransform.class.hashCode();
    }
}
