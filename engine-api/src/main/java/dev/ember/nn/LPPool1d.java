package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/**
 * {@code torch.nn.LPPool1d}: the power-average ({@code p}-norm) pooling over windows of the last dimension
 * ({@link Functional#lpPool1d}). The norm type prints as it was given, an int or a float, as PyTorch's.
 */
public final class LPPool1d extends Module {
    private final double normType;
    private final boolean intNorm;
    private final int kernel;
    private final Integer stride;
    private final boolean ceilMode;

    /** An int norm type; stride = window (PyTorch's {@code None}). */
    public LPPool1d(int normType, int kernel) {
        this(normType, true, kernel, null, false);
    }

    /** A float norm type; stride = window (PyTorch's {@code None}). */
    public LPPool1d(double normType, int kernel) {
        this(normType, false, kernel, null, false);
    }

    /** An int norm type and every option ({@code norm_type, kernel_size, stride, ceil_mode}). */
    public LPPool1d(int normType, int kernel, int stride, boolean ceilMode) {
        this(normType, true, kernel, stride, ceilMode);
    }

    /** A float norm type and every option ({@code norm_type, kernel_size, stride, ceil_mode}). */
    public LPPool1d(double normType, int kernel, int stride, boolean ceilMode) {
        this(normType, false, kernel, stride, ceilMode);
    }

    private LPPool1d(double normType, boolean intNorm, int kernel, Integer stride, boolean ceilMode) {
        this.normType = normType;
        this.intNorm = intNorm;
        this.kernel = kernel;
        this.stride = stride;
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor input) {
        int s = stride == null ? kernel : stride;
        // an int norm type stays an int, as in Python (an int64 input then pools in int64)
        return intNorm ? Functional.lpPool1d(input, (int) normType, kernel, s, ceilMode)
                : Functional.lpPool1d(input, normType, kernel, s, ceilMode);
    }

    /** PyTorch's {@code extra_repr}. */
    @Override
    public String extraRepr() {
        return "norm_type=" + (intNorm ? Long.toString((long) normType) : Format.repr(normType)) + ", kernel_size=" + kernel
                + ", stride=" + (stride == null ? "None" : stride.toString()) + ", ceil_mode=" + bool(ceilMode);
    }
}
