package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.MaxPool3d}: max pooling over the last three dimensions of a 4-D or 5-D input. */
public class MaxPool3d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final boolean ceilMode;
    private final boolean returnIndices;

    /** Cubic window; stride = window; no padding. */
    public MaxPool3d(int kernel) {
        this(new int[] {kernel}, null, new int[] {0}, new int[] {1}, false, false);
    }

    /**
     * Every option (each one int or three), {@code return_indices} included; a null or empty stride means the window
     * size, as PyTorch's default. The values are checked by the pooling, as in PyTorch. A layer made with
     * {@code returnIndices} still gives the values from {@link #forward(Tensor)}; {@link #forwardWithIndices(Tensor)}
     * gives both.
     */
    public MaxPool3d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean returnIndices, boolean ceilMode) {
        this.returnIndices = returnIndices;
        this.kernel = Checks.notNull(kernel, "kernel_size").clone();
        this.stride = stride == null || stride.length == 0 ? this.kernel.clone() : stride.clone();
        this.padding = Checks.notNull(padding, "padding").clone();
        this.dilation = Checks.notNull(dilation, "dilation").clone();
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor input) {
        // F.max_pool3d without return_indices: torch.max_pool3d, which CPU autocast runs in float32
        Checks.tensor(input, "max_pool3d", "input", 1);
        return Functional.maxPool3d(input, kernel, stride, padding, dilation, ceilMode);
    }

    /** The values and the flat index {@code (d * H + h) * W + w} of each maximum within its input plane. */
    public Tensor.ValuesIndices forwardWithIndices(Tensor input) {
        Checks.tensor(input, "max_pool3d", "input", 1);
        return Functional.maxPool3dWithIndices(input, kernel, stride, padding, dilation, ceilMode);
    }

    /** Whether the layer was made with {@code return_indices}. */
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
