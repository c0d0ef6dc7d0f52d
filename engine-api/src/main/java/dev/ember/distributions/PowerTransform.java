package dev.ember.distributions;

import dev.ember.Tensor;

/**
 * {@code y = x^exponent} on positive x, as {@code torch.distributions.transforms.PowerTransform(exponent)}; the exponent
 * a tensor (a number as a 0-dim tensor of the default type, as {@code broadcast_all} makes it). Log-det-Jacobian
 * {@code log |exponent * y / x|}.
 */
public class PowerTransform extends Transform {
    private final Tensor exponent;

    /** {@code PowerTransform(exponent)} with a number. */
    public PowerTransform(double exponent) {
        this(Dist.scalar(exponent));
    }

    /** {@code PowerTransform(exponent)} with a tensor. */
    public PowerTransform(Tensor exponent) {
        this.exponent = Dist.require(exponent, "PowerTransform", "exponent");
    }

    /** The exponent. */
    public Tensor exponent() {
        return exponent;
    }

    @Override
    public Constraint domain() {
        return Constraint.POSITIVE;
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
        return x.pow(exponent);
    }

    @Override
    protected Tensor invCall(Tensor y) {
        return y.pow(exponent.reciprocal());
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        return exponent.mul(y).div(x).abs().log();
    }

    @Override
    public int[] forwardShape(int[] shape) {
        return Tensor.broadcastShapes(Dist.require(shape, "forward_shape", "shape"), exponent.shape());
    }

    @Override
    public int[] inverseShape(int[] shape) {
        return Tensor.broadcastShapes(Dist.require(shape, "inverse_shape", "shape"), exponent.shape());
    }

    /** Equal to a PowerTransform of an equal exponent (elementwise), as PyTorch's {@code __eq__}. */
    @Override
    public boolean equals(Object other) {
        if (!(other instanceof PowerTransform)) {
            return false;
        }
        try (dev.ember.GradMode off = dev.ember.Ember.noGrad()) {
            return exponent.detach().eq(((PowerTransform) other).exponent.detach()).all();
        }
    }

    @Override
    public int hashCode() {
        return PowerTransform.class.hashCode();
    }
}
