package dev.ember.distributions;

import dev.ember.Tensor;

/** Onto the simplex by exp then normalizing along the last dim, as {@code torch.distributions.transforms.SoftmaxTransform} (not bijective; its inverse is log). */
public class SoftmaxTransform extends Transform {
    /** The transform. */
    public SoftmaxTransform() {
    }

    @Override
    public Constraint domain() {
        return Constraint.REAL_VECTOR;
    }

    @Override
    public Constraint codomain() {
        return Constraint.SIMPLEX;
    }

    @Override
    public boolean bijective() {
        return false;
    }

    @Override
    protected Tensor call(Tensor x) {
        Tensor probs = x.sub(x.max(-1, true).values()).exp();
        return probs.div(probs.sum(new int[] {-1}, true));
    }

    @Override
    protected Tensor invCall(Tensor y) {
        return y.log();
    }

    @Override
    public int[] forwardShape(int[] shape) {
        Dist.require(shape, "forward_shape", "shape");
        if (shape.length < 1) {
            throw new IllegalArgumentException("Too few dimensions on input");
        }
        return shape.clone();
    }

    @Override
    public int[] inverseShape(int[] shape) {
        Dist.require(shape, "inverse_shape", "shape");
        if (shape.length < 1) {
            throw new IllegalArgumentException("Too few dimensions on input");
        }
        return shape.clone();
    }

    /** Equal to every {@code SoftmaxTransform}, as PyTorch's {@code __eq__}. */
    @Override
    public boolean equals(Object other) {
        return other instanceof SoftmaxTransform;
    }

    @Override
    public int hashCode() {
        return SoftmaxTransform.class.hashCode();
    }
}
