package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.Unfold}: the sliding blocks of an image as columns, {@link Functional#unfold}. */
public class Unfold extends Module {
    private final int[] kernelSize;
    private final int[] dilation;
    private final int[] padding;
    private final int[] stride;

    /** Dilation 1, no padding, stride 1. */
    public Unfold(int[] kernelSize) {
        this(kernelSize, new int[] {1}, new int[] {0}, new int[] {1});
    }

    /** Each setting one int (for both dimensions) or a pair; checked by the op, as PyTorch. */
    public Unfold(int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        this.kernelSize = Checks.notNull(kernelSize, "kernel_size").clone();
        this.dilation = Checks.notNull(dilation, "dilation").clone();
        this.padding = Checks.notNull(padding, "padding").clone();
        this.stride = Checks.notNull(stride, "stride").clone();
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.unfold(input, kernelSize, dilation, padding, stride);
    }

    /** PyTorch's extra_repr, each value as given (one int, or a tuple). */
    @Override
    public String extraRepr() {
        return "kernel_size=" + intOrTuple(kernelSize) + ", dilation=" + intOrTuple(dilation) + ", padding="
                + intOrTuple(padding) + ", stride=" + intOrTuple(stride);
    }
}
