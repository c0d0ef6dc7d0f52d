package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/**
 * {@code torch.nn.RReLU}: in training the negative elements are multiplied by slopes drawn uniformly from
 * [lower, upper], in evaluation by {@code (lower + upper) / 2}; one node RreluWithNoiseBackward0
 * (RreluWithNoiseBackward1 in place).
 */
public class RReLU extends Module {
    private final double lower;
    private final double upper;
    private final boolean inplace;

    /** Lower 1/8, upper 1/3, as PyTorch's defaults. */
    public RReLU() {
        this(1.0 / 8, 1.0 / 3);
    }

    /** The given bounds (lower above upper fails at the forward, as PyTorch's). */
    public RReLU(double lower, double upper) {
        this(lower, upper, false);
    }

    /** The given bounds, in place when {@code inplace}. */
    public RReLU(double lower, double upper, boolean inplace) {
        this.lower = lower;
        this.upper = upper;
        this.inplace = inplace;
    }

    @Override
    public Tensor forward(Tensor input) {
        return inplace ? Functional.rrelu_(input, lower, upper, isTraining())
                : Functional.rrelu(input, lower, upper, isTraining());
    }

    @Override
    public String extraRepr() {
        return "lower=" + Format.repr(lower) + ", upper=" + Format.repr(upper) + (inplace ? ", inplace=True" : "");
    }
}
