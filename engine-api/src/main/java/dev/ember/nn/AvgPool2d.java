package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.AvgPool2d}. */
public class AvgPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final boolean ceilMode;
    private final boolean countIncludePad;
    private final Integer divisorOverride;

    /** Square window; stride = window; no padding. */
    public AvgPool2d(int kernel) {
        this(new int[] {kernel}, new int[] {kernel}, new int[] {0}, false, true);
    }

    /** {@code nn.AvgPool2d(kernel, stride, padding)}: a square window, one stride and one padding for both dimensions. */
    public AvgPool2d(int kernel, int stride, int padding) {
        this(new int[] {kernel}, new int[] {stride}, new int[] {padding}, false, true);
    }

    /** {@code nn.AvgPool2d(kernel, stride)}: a square window and one stride for both dimensions, no padding. */
    public AvgPool2d(int kernel, int stride) {
        this(kernel, stride, 0);
    }

    /**
     * Every option (each one int or a pair); a null or empty stride means the window size, as PyTorch's default. The
     * values are checked by the pooling, as in PyTorch.
     */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        this(kernel, stride, padding, ceilMode, countIncludePad, null);
    }

    /**
     * Every option, with PyTorch's {@code divisor_override} (null for none: each window's own size); the values are
     * checked by the pooling, as in PyTorch.
     */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad,
                     Integer divisorOverride) {
        this.divisorOverride = divisorOverride;
        this.kernel = Checks.notNull(kernel, "kernel_size").clone();
        this.stride = stride == null || stride.length == 0 ? this.kernel.clone() : stride.clone();
        this.padding = Checks.notNull(padding, "padding").clone();
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "avg_pool2d", "input", 1);
        return divisorOverride == null ? Tensor.avgPool2d(input, kernel, stride, padding, ceilMode, countIncludePad)
                : Functional.avgPool2d(input, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    /** PyTorch's extra_repr (kernel, stride and padding only), each value as given (one int, or a tuple). */
    @Override
    public String extraRepr() {
        return "kernel_size=" + intOrTuple(kernel) + ", stride=" + intOrTuple(stride) + ", padding=" + intOrTuple(padding);
    }
}
