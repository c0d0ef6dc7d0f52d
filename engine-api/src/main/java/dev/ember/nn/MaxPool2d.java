package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.MaxPool2d}. */
public class MaxPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final boolean ceilMode;
    private final boolean returnIndices;

    /** Square window; stride = window; no padding. */
    public MaxPool2d(int kernel) {
        this(new int[] {kernel}, new int[] {kernel}, new int[] {0}, new int[] {1}, false);
    }

    /** {@code nn.MaxPool2d(kernel, stride, padding)}: a square window, one stride and one padding for both dimensions. */
    public MaxPool2d(int kernel, int stride, int padding) {
        this(new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {1}, false);
    }

    /** {@code nn.MaxPool2d(kernel, stride)}: a square window and one stride for both dimensions, no padding. */
    public MaxPool2d(int kernel, int stride) {
        this(kernel, stride, 0);
    }

    /**
     * Every option (each one int or a pair); a null or empty stride means the window size, as PyTorch's default. The
     * values are checked by the pooling, as in PyTorch.
     */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        this(kernel, stride, padding, dilation, false, ceilMode);
    }

    /**
     * Every option, {@code return_indices} included. A layer made with {@code returnIndices} still gives the values from
     * {@link #forward(Tensor)} (so it fits in a {@link Sequential}); {@link #forwardWithIndices(Tensor)} gives both, as
     * PyTorch's forward gives its (values, indices) pair.
     */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean returnIndices, boolean ceilMode) {
        this.returnIndices = returnIndices;
        this.kernel = Checks.notNull(kernel, "kernel_size").clone();
        this.stride = stride == null || stride.length == 0 ? this.kernel.clone() : stride.clone();
        this.padding = Checks.notNull(padding, "padding").clone();
        this.dilation = Checks.notNull(dilation, "dilation").clone();
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "max_pool2d", "input", 1);
        return Tensor.maxPool2d(input, kernel, stride, padding, dilation, ceilMode);
    }

    /**
     * The values and the flat index of each maximum within its input plane ({@code F.max_pool2d(...,
     * return_indices=True)}, one node MaxPool2DWithIndicesBackward0); the indices feed {@link MaxUnpool2d}.
     */
    public Tensor.ValuesIndices forwardWithIndices(Tensor input) {
        Checks.tensor(input, "max_pool2d", "input", 1);
        return Tensor.maxPool2dWithIndices(input, kernel, stride, padding, dilation, ceilMode);
    }

    /** {@link #forwardWithIndices(Tensor)} called with this module's hooks, which see {@code [values, indices]}. */
    public Tensor.ValuesIndices applyWithIndices(Tensor input) {
        return call(java.util.Collections.singletonList(input), in -> forwardWithIndices(in.get(0)),
                r -> java.util.List.of(r.values(), r.indices()), l -> new Tensor.ValuesIndices(l.get(0), l.get(1)));
    }

    /** Whether the layer was made with {@code return_indices} (PyTorch's forward then returns the indices too). */
    public boolean returnIndices() {
        return returnIndices;
    }

    /** PyTorch's extra_repr, each value as given (one int, or a tuple). */
    @Override
    public String extraRepr() {
        return "kernel_size=" + intOrTuple(kernel) + ", stride=" + intOrTuple(stride) + ", padding=" + intOrTuple(padding)
                + ", dilation=" + intOrTuple(dilation) + ", ceil_mode=" + bool(ceilMode);
    }
}
