package dev.ember.nn;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Tensor;

/** Parameter initialization drawn from the same distributions as PyTorch's defaults. */
public final class Init {
    private Init() {
    }

    /**
     * Fills with U(-bound, bound) from the default generator, in place; returns the tensor. A tensor without elements
     * is returned as it is.
     *
     * @throws IllegalArgumentException for a tensor that is not floating point, or a bound that is negative, nan or
     *     too large for the tensor's type, with PyTorch's messages for {@code uniform_}
     */
    public static Tensor uniform_(Tensor t, double bound) {
        Checks.notNull(t, "tensor");
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("\"check_uniform_bounds\" not implemented for '" + Format.scalarType(t.dtype()) + "'");
        }
        double from = -bound;
        double to = bound;
        double max = t.dtype() == dev.ember.DType.FLOAT32 ? Float.MAX_VALUE : Double.MAX_VALUE;
        String type = t.dtype() == dev.ember.DType.FLOAT32 ? "float" : "double";
        if (Double.isNaN(bound) || from > to) {
            throw new IllegalArgumentException("uniform_ expects to return a [from, to) range, but found from=" + Format.cpp(from)
                    + " > to=" + Format.cpp(to));
        }
        if (from < -max) {
            throw new IllegalArgumentException("from is out of bounds for " + type);
        }
        if (to - from > max) {
            throw new IllegalArgumentException("uniform_ expects to-from <= std::numeric_limits<" + type + ">::max(), but found to="
                    + Format.cpp(to) + " and from=" + Format.cpp(from) + " which result in to-from to exceed the limit");
        }
        if (t.numel() == 0) {
            return t;
        }
        try (GradMode off = Ember.noGrad()) {
            t.copy_(Tensor.rand(Ember.defaultGenerator(), t.dtype(), t.shape()).mul(2 * bound).sub(bound));
        }
        return t;
    }

    /**
     * PyTorch's default for Linear and Conv2d weights, {@code kaiming_uniform_(a=sqrt(5))}: U(-b, b) with
     * {@code b = 1/sqrt(fan_in)}. A weight without elements is left as it is (PyTorch warns that this is a no-op).
     */
    public static Tensor defaultWeight_(Tensor weight) {
        Checks.notNull(weight, "weight");
        long fan = fanInLong(weight);
        if (weight.numel() == 0) {
            return weight;
        }
        return uniform_(weight, 1.0 / Math.sqrt(fan));
    }

    /** PyTorch's default bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with the weight's fan-in (zero bound for no fan-in). */
    public static Tensor defaultBias_(Tensor bias, Tensor weight) {
        Checks.notNull(bias, "bias");
        Checks.notNull(weight, "weight");
        long fanIn = fanInLong(weight);
        return uniform_(bias, fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0);
    }

    /**
     * Inputs per output: dimension 1 times the receptive field.
     *
     * @throws IllegalArgumentException for a tensor of fewer than two dimensions, as PyTorch, or a fan-in beyond int
     */
    public static int fanIn(Tensor weight) {
        Checks.notNull(weight, "weight");
        long fan = fanInLong(weight);
        if (fan > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("fan_in " + fan + " of a weight of shape " + java.util.Arrays.toString(weight.shape())
                    + " is beyond the int range");
        }
        return (int) fan;
    }

    private static long fanInLong(Tensor weight) {
        int[] s = weight.shape();
        if (s.length < 2) {
            throw new IllegalArgumentException("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
        }
        long fan = s[1];
        for (int i = 2; i < s.length; i++) {
            fan *= s[i]; // at most 2^31 sizes of at most 2^31 each: beyond a long only for shapes no storage holds
        }
        return fan;
    }
}
