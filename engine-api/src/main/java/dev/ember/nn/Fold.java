package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Fold}: columns summed back into an image, {@link Functional#fold}. */
public class Fold extends Module {
    private final int[] outputSize;
    private final int[] kernelSize;
    private final int[] dilation;
    private final int[] padding;
    private final int[] stride;

    /** Dilation 1, no padding, stride 1. */
    public Fold(int[] outputSize, int[] kernelSize) {
        this(outputSize, kernelSize, new int[] {1}, new int[] {0}, new int[] {1});
    }

    /** Each setting one int (for both dimensions) or a pair; checked by the op, as PyTorch. */
    public Fold(int[] outputSize, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        this.outputSize = Checks.notNull(outputSize, "output_size").clone();
        this.kernelSize = Checks.notNull(kernelSize, "kernel_size").clone();
        this.dilation = Checks.notNull(dilation, "dilation").clone();
        this.padding = Checks.notNull(padding, "padding").clone();
        this.stride = Checks.notNull(stride, "stride").clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.fold(input, outputSize, kernelSize, dilation, padding, stride);
    }

    /** PyTorch's extra_repr, each value as given (one int, or a tuple). */
    @Override
    public String extraRepr() {
        return "output_size=" + intOrTuple(outputSize) + ", kernel_size=" + intOrTuple(kernelSize) + ", dilation="
                + intOrTuple(dilation) + ", padding=" + intOrTuple(padding) + ", stride=" + intOrTuple(stride);
    }
}
