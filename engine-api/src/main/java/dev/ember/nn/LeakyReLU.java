package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.LeakyReLU}: {@code x > 0 ? x : negativeSlope * x}, one node LeakyReluBackward0. */
public class LeakyReLU extends Module {
    private final double negativeSlope;
    private final boolean inplace;

    /** Negative slope 0.01, as PyTorch's default. */
    public LeakyReLU() {
        this(0.01);
    }

    /** The given negative slope. */
    public LeakyReLU(double negativeSlope) {
        this(negativeSlope, false);
    }

    /** The given negative slope, in place when {@code inplace} (LeakyReluBackward1). */
    public LeakyReLU(double negativeSlope, boolean inplace) {
        this.negativeSlope = negativeSlope;
        this.inplace = inplace;
    }

    /** The slope below zero, PyTorch's {@code leaky_relu.negative_slope}. */
    public double negativeSlope() {
        return negativeSlope;
    }

    /** Whether in place, PyTorch's {@code leaky_relu.inplace}. */
    public boolean inplace() {
        return inplace;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.leakyRelu(input, negativeSlope, inplace);
    }

    @Override
    public String extraRepr() {
        return "negative_slope=" + Format.repr(negativeSlope) + (inplace ? ", inplace=True" : "");
    }
}
