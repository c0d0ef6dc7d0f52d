package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.Threshold}: {@code x <= threshold ? value : x}, one node ThresholdBackward0 (ThresholdBackward1 in place). */
public class Threshold extends Module {
    private final double threshold;
    private final double value;
    private final boolean inplace;

    /** The given threshold and replacement value. */
    public Threshold(double threshold, double value) {
        this(threshold, value, false);
    }

    /** The given threshold and replacement value, in place when {@code inplace}. */
    public Threshold(double threshold, double value, boolean inplace) {
        this.threshold = threshold;
        this.value = value;
        this.inplace = inplace;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.threshold(input, threshold, value, inplace);
    }

    @Override
    public String extraRepr() {
        return "threshold=" + Format.repr(threshold) + ", value=" + Format.repr(value) + (inplace ? ", inplace=True" : "");
    }
}
