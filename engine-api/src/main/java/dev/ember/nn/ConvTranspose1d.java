package dev.ember.nn;

import dev.ember.Tensor;

/**
 * Transposed 1-D convolution layer over {@code [N, C, L]} (or {@code [C, L]}) input, as {@code torch.nn.ConvTranspose1d}:
 * weight {@code [in, out / groups, kernel]} and bias {@code [out]}, initialized as PyTorch does (U(-b, b), {@code b = 1 /
 * sqrt(out / groups * kernel)}); state dict keys {@code weight}, {@code bias}. {@link #forward(Tensor, int[])} takes
 * the output size PyTorch's {@code output_size} argument asks for.
 */
public non-sealed class ConvTranspose1d extends ConvNd {
    /** Stride 1, no padding, one group, with bias (PyTorch's defaults). */
    public ConvTranspose1d(int in, int out, int kernel) {
        this(in, out, kernel, 1, 0, 0, 1, true, 1);
    }

    /**
     * Every option of {@code torch.nn.ConvTranspose1d}, in its order, except padding modes (zeros only). Checked as
     * PyTorch's constructor checks (groups, divisibility); the rest by the convolution, as in PyTorch.
     */
    public ConvTranspose1d(int in, int out, int kernel, int stride, int padding, int outputPadding, int groups, boolean bias,
                           int dilation) {
        super(1, in, out, new int[] {kernel}, new int[] {stride}, new int[] {padding}, null, new int[] {outputPadding},
                new int[] {dilation}, groups, bias, "zeros");
    }

    /**
     * The forward with PyTorch's {@code output_size}: the output padding that gives that length ({@code [L]}, or the
     * full shape with the leading dimensions), which must lie between the smallest output and it plus {@code stride - 1}.
     */
    public Tensor forward(Tensor x, int[] outputSize) {
        return forwardWithOutputSize(x, outputSize);
    }

    /** A lazy layer's state, {@link LazyConvTranspose1d}'s: {@code in_channels} 0, the weight and bias uninitialized. */
    ConvTranspose1d(int out, int[] kernel, int[] stride, int[] padding, int[] outputPadding, int groups, boolean bias, int[] dilation,
           LazyModules.Marker lazy) {
        super(1, 0, out, kernel, stride, Checks.notNull(padding, "padding"), null,
                Checks.notNull(outputPadding, "output_padding"), dilation, groups, bias, "zeros", lazy);
    }
}
