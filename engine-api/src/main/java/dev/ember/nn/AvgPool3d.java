package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.AvgPool3d}: average pooling over the last three dimensions of a 4-D or 5-D input. */
public class AvgPool3d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final boolean ceilMode;
    private final boolean countIncludePad;
    private final Integer divisorOverride;

    /** Cubic window; stride = window; no padding. */
    public AvgPool3d(int kernel) {
        this(new int[] {kernel}, null, new int[] {0}, false, true, null);
    }

    /**
     * Every option (each one int or three); a null or empty stride means the window size, as PyTorch's default;
     * {@code divisorOverride} may be null. The values are checked by the pooling, as in PyTorch.
     */
    public AvgPool3d(int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad,
                     Integer divisorOverride) {
        this.kernel = Checks.notNull(kernel, "kernel_size").clone();
        this.stride = stride == null || stride.length == 0 ? this.kernel.clone() : stride.clone();
        this.padding = Checks.notNull(padding, "padding").clone();
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        this.divisorOverride = divisorOverride;
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "avg_pool3d", "input", 1);
        return Functional.avgPool3d(input, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    /** PyTorch's extra_repr (kernel, stride and padding only), each value as given (one int, or a tuple). */
    @Override
    public String extraRepr() {
        return "kernel_size=" + intOrTuple(kernel) + ", stride=" + intOrTuple(stride) + ", padding=" + intOrTuple(padding);
    }
}
