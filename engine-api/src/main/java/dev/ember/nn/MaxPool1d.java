package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.MaxPool1d}: the maxima over windows of the last dimension of a {@code [N, C, L]} (or {@code [C, L]})
 * input ({@link Functional#maxPool1d}).
 */
public class MaxPool1d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int dilation;
    private final boolean returnIndices;
    private final boolean ceilMode;

    /** Stride = window, no padding, no dilation (PyTorch's defaults). */
    public MaxPool1d(int kernel) {
        this(kernel, kernel, 0, 1, false, false);
    }

    /** The given stride, the other options PyTorch's defaults. */
    public MaxPool1d(int kernel, int stride) {
        this(kernel, stride, 0, 1, false, false);
    }

    /**
     * Every option, in PyTorch's order ({@code kernel_size, stride, padding, dilation, return_indices, ceil_mode}). A
     * layer made with {@code returnIndices} still gives the values from {@link #forward(Tensor)} (so it fits in a
     * {@link Sequential}); {@link #forwardWithIndices(Tensor)} gives both, as PyTorch's forward then does. The values are
     * checked by the pooling, as in PyTorch.
     */
    public MaxPool1d(int kernel, int stride, int padding, int dilation, boolean returnIndices, boolean ceilMode) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.returnIndices = returnIndices;
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.maxPool1d(input, kernel, stride, padding, dilation, ceilMode);
    }

    /** The values and the index of each maximum along the last dimension (what {@link MaxUnpool1d} takes). */
    public Tensor.ValuesIndices forwardWithIndices(Tensor input) {
        return Functional.maxPool1dWithIndices(input, kernel, stride, padding, dilation, ceilMode);
    }

    /** {@link #forwardWithIndices(Tensor)} called with this module's hooks, which see {@code [values, indices]}. */
    public Tensor.ValuesIndices applyWithIndices(Tensor input) {
        return call(java.util.Collections.singletonList(input), in -> forwardWithIndices(in.get(0)),
                r -> java.util.List.of(r.values(), r.indices()), l -> new Tensor.ValuesIndices(l.get(0), l.get(1)));
    }

    /** Whether the layer was made with {@code return_indices}. */
    public boolean returnIndices() {
        return returnIndices;
    }

    /** PyTorch's {@code extra_repr}. */
    @Override
    public String extraRepr() {
        return "kernel_size=" + kernel + ", stride=" + stride + ", padding=" + padding + ", dilation=" + dilation
                + ", ceil_mode=" + bool(ceilMode);
    }
}
