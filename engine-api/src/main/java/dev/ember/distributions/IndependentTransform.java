package dev.ember.distributions;

import dev.ember.Tensor;

/**
 * Another transform with {@code reinterpretedBatchNdims} more rightmost dims read as one event, as
 * {@code torch.distributions.transforms.IndependentTransform}: the same map, its log-det-Jacobian summed over them.
 */
public class IndependentTransform extends Transform {
    private final Transform base;
    private final int reinterpreted;

    /** {@code IndependentTransform(base_transform, reinterpreted_batch_ndims)}. */
    public IndependentTransform(Transform baseTransform, int reinterpretedBatchNdims) {
        this.base = Dist.require(baseTransform, "IndependentTransform", "base_transform");
        if (reinterpretedBatchNdims < 0) {
            throw new IllegalArgumentException("reinterpreted_batch_ndims must be non-negative, got " + reinterpretedBatchNdims);
        }
        this.reinterpreted = reinterpretedBatchNdims;
    }

    /** The transform inside, as {@code base_transform}. */
    public Transform baseTransform() {
        return base;
    }

    /** The number of extra dims read as event dims. */
    public int reinterpretedBatchNdims() {
        return reinterpreted;
    }

    @Override
    public Constraint domain() {
        return Constraint.independent(base.domain(), reinterpreted);
    }

    @Override
    public Constraint codomain() {
        return Constraint.independent(base.codomain(), reinterpreted);
    }

    @Override
    public boolean bijective() {
        return base.bijective();
    }

    @Override
    public int sign() {
        return base.sign();
    }

    @Override
    Tensor signTensor() {
        return base.signTensor();
    }

    @Override
    protected Tensor call(Tensor x) {
        if (x.dim() < domain().eventDim()) {
            throw new IllegalArgumentException("Too few dimensions on input");
        }
        return base.forward(x);
    }

    @Override
    protected Tensor invCall(Tensor y) {
        if (y.dim() < codomain().eventDim()) {
            throw new IllegalArgumentException("Too few dimensions on input");
        }
        return base.inverse(y);
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        return Dist.sumRightmost(base.logAbsDetJacobian(x, y), reinterpreted);
    }

    @Override
    public int[] forwardShape(int[] shape) {
        return base.forwardShape(shape);
    }

    @Override
    public int[] inverseShape(int[] shape) {
        return base.inverseShape(shape);
    }

    /** PyTorch's repr: {@code IndependentTransform(ExpTransform(), 1)}. */
    @Override
    public String toString() {
        return "IndependentTransform(" + base + ", " + reinterpreted + ")";
    }
}
