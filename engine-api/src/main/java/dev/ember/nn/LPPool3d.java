package dev.ember.nn;

/**
 * {@code torch.nn.LPPool3d}: the power-average ({@code p}-norm) pooling over windows of the last three dimensions
 * ({@link Functional#lpPool3d}, PyTorch 2.2+). The norm type prints as it was given, an int or a float, as PyTorch's.
 */
public non-sealed class LPPool3d extends LPPoolNd {
    /** An int norm type, a cubic window; stride = window (PyTorch's {@code None}). */
    public LPPool3d(int normType, int kernel) {
        super(3, normType, true, new int[] {kernel}, null, false);
    }

    /** A float norm type, a cubic window; stride = window (PyTorch's {@code None}). */
    public LPPool3d(double normType, int kernel) {
        super(3, normType, false, new int[] {kernel}, null, false);
    }

    /**
     * An int norm type and every option ({@code norm_type, kernel_size, stride, ceil_mode}); kernel and stride one int
     * or three, stride null for the window.
     */
    public LPPool3d(int normType, int[] kernel, int[] stride, boolean ceilMode) {
        super(3, normType, true, kernel, stride, ceilMode);
    }

    /** A float norm type and every option, as {@link #LPPool3d(int, int[], int[], boolean)}. */
    public LPPool3d(double normType, int[] kernel, int[] stride, boolean ceilMode) {
        super(3, normType, false, kernel, stride, ceilMode);
    }
}
