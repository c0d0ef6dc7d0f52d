package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/** {@code torch.nn.Hardtanh}: {@code clamp(x, minVal, maxVal)}, one node HardtanhBackward0. */
public class Hardtanh extends Module {
    private final double minVal;
    private final double maxVal;
    private final boolean inplace;

    /** The range [-1, 1], as PyTorch's default. */
    public Hardtanh() {
        this(-1.0, 1.0);
    }

    /**
     * The given range.
     *
     * @throws IllegalArgumentException unless {@code maxVal > minVal} (PyTorch's assertion)
     */
    public Hardtanh(double minVal, double maxVal) {
        this(minVal, maxVal, false);
    }

    /**
     * The given range, in place when {@code inplace}.
     *
     * @throws IllegalArgumentException unless {@code maxVal > minVal} (PyTorch's assertion)
     */
    public Hardtanh(double minVal, double maxVal, boolean inplace) {
        if (!(maxVal > minVal)) {
            throw new IllegalArgumentException("Hardtanh: max_val (" + Format.repr(maxVal) + ") must be greater than min_val ("
                    + Format.repr(minVal) + ")");
        }
        this.minVal = minVal;
        this.maxVal = maxVal;
        this.inplace = inplace;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.hardtanh(input, minVal, maxVal, inplace);
    }

    @Override
    public String extraRepr() {
        return "min_val=" + Format.repr(minVal) + ", max_val=" + Format.repr(maxVal) + (inplace ? ", inplace=True" : "");
    }
}
