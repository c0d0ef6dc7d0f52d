package dev.ember.nn;

import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;

/** Parameter initialization drawn from the same distributions as PyTorch's defaults. */
public final class Init {
    private Init() {
    }

    /** Fills with U(-bound, bound) from the default generator, in place; returns the tensor. */
    public static Tensor uniform_(Tensor t, double bound) {
        try (GradMode off = Ember.noGrad()) {
            t.copy_(Tensor.rand(Ember.defaultGenerator(), t.dtype(), t.shape()).mul(2 * bound).sub(bound));
        }
        return t;
    }

    /**
     * PyTorch's default for Linear and Conv2d weights, {@code kaiming_uniform_(a=sqrt(5))}: U(-b, b) with
     * {@code b = 1/sqrt(fan_in)}.
     */
    public static Tensor defaultWeight_(Tensor weight) {
        return uniform_(weight, 1.0 / Math.sqrt(fanIn(weight)));
    }

    /** PyTorch's default bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with the weight's fan-in. */
    public static Tensor defaultBias_(Tensor bias, Tensor weight) {
        int fanIn = fanIn(weight);
        return uniform_(bias, fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0);
    }

    /** Inputs per output: dimension 1 times the receptive field. */
    public static int fanIn(Tensor weight) {
        int[] s = weight.shape();
        int fan = s[1];
        for (int i = 2; i < s.length; i++) {
            fan *= s[i];
        }
        return fan;
    }
}
