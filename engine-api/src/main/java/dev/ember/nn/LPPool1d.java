package dev.ember.nn;

/**
 * {@code torch.nn.LPPool1d}: the power-average ({@code p}-norm) pooling over windows of the last dimension
 * ({@link Functional#lpPool1d}). The norm type prints as it was given, an int or a float, as PyTorch's.
 */
public non-sealed class LPPool1d extends LPPoolNd {
    /** An int norm type; stride = window (PyTorch's {@code None}). */
    public LPPool1d(int normType, int kernel) {
        super(1, normType, true, new int[] {kernel}, null, false);
    }

    /** A float norm type; stride = window (PyTorch's {@code None}). */
    public LPPool1d(double normType, int kernel) {
        super(1, normType, false, new int[] {kernel}, null, false);
    }

    /** An int norm type and every option ({@code norm_type, kernel_size, stride, ceil_mode}). */
    public LPPool1d(int normType, int kernel, int stride, boolean ceilMode) {
        super(1, normType, true, new int[] {kernel}, new int[] {stride}, ceilMode);
    }

    /** A float norm type and every option ({@code norm_type, kernel_size, stride, ceil_mode}). */
    public LPPool1d(double normType, int kernel, int stride, boolean ceilMode) {
        super(1, normType, false, new int[] {kernel}, new int[] {stride}, ceilMode);
    }
}
