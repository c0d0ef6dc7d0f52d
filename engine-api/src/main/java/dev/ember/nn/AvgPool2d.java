package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.AvgPool2d}. */
public final class AvgPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final boolean ceilMode;
    private final boolean countIncludePad;

    /** Square window; stride = window; no padding. */
    public AvgPool2d(int kernel) {
        this(new int[] {kernel}, new int[] {kernel}, new int[] {0}, false, true);
    }

    /** Every option (each one int or a pair). */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
    }

    @Override
    public Tensor forward(Tensor input) {
        if (input.dim() != 3 && input.dim() != 4) {
            throw new IllegalArgumentException(this + ": expected 3D or 4D input, got shape " + java.util.Arrays.toString(input.shape()));
        }
        return Tensor.avgPool2d(input, kernel, stride, padding, ceilMode, countIncludePad);
    }

    @Override
    public String toString() {
        return "AvgPool2d(kernel_size=" + java.util.Arrays.toString(kernel) + ", stride=" + java.util.Arrays.toString(stride)
                + ", padding=" + java.util.Arrays.toString(padding) + ")";
    }
}
