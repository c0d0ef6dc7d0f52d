package dev.ember.distributions;

import dev.ember.Tensor;

/** Onto the simplex by exp then normalizing along the last dim, as {@code torch.distributions.transforms.SoftmaxTransform} (not bijective; its inverse is log). */
public class SoftmaxTransform extends StatelessTransform {
    /** The transform. */
    public SoftmaxTransform() {
        super(SoftmaxTransform.class, Constraint.REAL_VECTOR, Constraint.SIMPLEX, false, 0);
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
}
