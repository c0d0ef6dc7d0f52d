package dev.ember.nn;

/**
 * {@code torch.nn.LPPool2d}: the power-average ({@code p}-norm) pooling over windows of the last two dimensions
 * ({@link Functional#lpPool2d}). The norm type prints as it was given, an int or a float, as PyTorch's.
 */
public non-sealed class LPPool2d extends LPPoolNd {
    /** An int norm type, a square window; stride = window (PyTorch's {@code None}). */
    public LPPool2d(int normType, int kernel) {
        super(2, normType, true, new int[] {kernel}, null, false);
    }

    /** A float norm type, a square window; stride = window (PyTorch's {@code None}). */
    public LPPool2d(double normType, int kernel) {
        super(2, normType, false, new int[] {kernel}, null, false);
    }

    /**
     * An int norm type and every option ({@code norm_type, kernel_size, stride, ceil_mode}); kernel and stride one int
     * or a pair, stride null for the window.
     */
    public LPPool2d(int normType, int[] kernel, int[] stride, boolean ceilMode) {
        super(2, normType, true, kernel, stride, ceilMode);
    }

    /** A float norm type and every option, as {@link #LPPool2d(int, int[], int[], boolean)}. */
    public LPPool2d(double normType, int[] kernel, int[] stride, boolean ceilMode) {
        super(2, normType, false, kernel, stride, ceilMode);
    }
}
