package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.AvgPool1d}: the means over windows of the last dimension of a {@code [N, C, L]} (or {@code [C, L]})
 * input ({@link Functional#avgPool1d}).
 */
public class AvgPool1d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;
    private final boolean ceilMode;
    private final boolean countIncludePad;

    /** Stride = window, no padding (PyTorch's defaults). */
    public AvgPool1d(int kernel) {
        this(kernel, kernel, 0, false, true);
    }

    /** The given stride, the other options PyTorch's defaults. */
    public AvgPool1d(int kernel, int stride) {
        this(kernel, stride, 0, false, true);
    }

    /** Every option, in PyTorch's order ({@code kernel_size, stride, padding, ceil_mode, count_include_pad}). */
    public AvgPool1d(int kernel, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.avgPool1d(input, kernel, stride, padding, ceilMode, countIncludePad);
    }

    /** PyTorch's {@code extra_repr}: its sizes are one-element tuples ({@code _single}). */
    @Override
    public String extraRepr() {
        return "kernel_size=(" + kernel + ",), stride=(" + stride + ",), padding=(" + padding + ",)";
    }
}
