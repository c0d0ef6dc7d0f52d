package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/**
 * {@code torch.nn.LPPool3d}: the power-average ({@code p}-norm) pooling over windows of the last three dimensions
 * ({@link Functional#lpPool3d}, PyTorch 2.2+). The norm type prints as it was given, an int or a float, as PyTorch's.
 */
public final class LPPool3d extends Module {
    private final double normType;
    private final boolean intNorm;
    private final int[] kernel;
    private final int[] stride;
    private final boolean ceilMode;

    /** An int norm type, a cubic window; stride = window (PyTorch's {@code None}). */
    public LPPool3d(int normType, int kernel) {
        this(normType, true, new int[] {kernel}, null, false);
    }

    /** A float norm type, a cubic window; stride = window (PyTorch's {@code None}). */
    public LPPool3d(double normType, int kernel) {
        this(normType, false, new int[] {kernel}, null, false);
    }

    /**
     * An int norm type and every option ({@code norm_type, kernel_size, stride, ceil_mode}); kernel and stride one int
     * or three, stride null for the window.
     */
    public LPPool3d(int normType, int[] kernel, int[] stride, boolean ceilMode) {
        this(normType, true, kernel, stride, ceilMode);
    }

    /** A float norm type and every option, as {@link #LPPool3d(int, int[], int[], boolean)}. */
    public LPPool3d(double normType, int[] kernel, int[] stride, boolean ceilMode) {
        this(normType, false, kernel, stride, ceilMode);
    }

    private LPPool3d(double normType, boolean intNorm, int[] kernel, int[] stride, boolean ceilMode) {
        this.normType = normType;
        this.intNorm = intNorm;
        this.kernel = Checks.notNull(kernel, "kernel_size").clone();
        this.stride = stride == null ? null : stride.clone();
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor input) {
        // an int norm type stays an int, as in Python (an int64 input then pools in int64)
        return intNorm ? Functional.lpPool3d(input, (int) normType, kernel, stride, ceilMode)
                : Functional.lpPool3d(input, normType, kernel, stride, ceilMode);
    }

    /** PyTorch's {@code extra_repr}: sizes as given (an int, or a tuple). */
    @Override
    public String extraRepr() {
        return "norm_type=" + (intNorm ? Long.toString((long) normType) : Format.repr(normType)) + ", kernel_size="
                + intOrTuple(kernel) + ", stride=" + (stride == null ? "None" : intOrTuple(stride)) + ", ceil_mode="
                + bool(ceilMode);
    }
}
