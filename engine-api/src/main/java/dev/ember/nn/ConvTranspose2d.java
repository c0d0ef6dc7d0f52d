package dev.ember.nn;

import dev.ember.Tensor;

/**
 * Transposed 2-D convolution layer over NCHW (or CHW) input, as {@code torch.nn.ConvTranspose2d}: weight
 * {@code [in, out / groups, kh, kw]} and bias {@code [out]}, initialized as PyTorch does (its fan-in is
 * {@code out / groups * kh * kw}); state dict keys {@code weight}, {@code bias}. {@link #forward(Tensor, int[])} takes
 * the output size PyTorch's {@code output_size} argument asks for.
 */
public non-sealed class ConvTranspose2d extends ConvNd {
    /** Square kernel, stride 1, no padding, with bias. */
    public ConvTranspose2d(int in, int out, int kernel) {
        this(in, out, new int[] {kernel}, new int[] {1}, new int[] {0}, new int[] {0}, 1, true, new int[] {1});
    }

    /**
     * {@code nn.ConvTranspose2d(in, out, kernel, stride, padding, bias=bias)}, as a DCGAN generator writes its layers:
     * a square kernel, one stride and one zero padding for both dimensions, no output padding, one group, no dilation.
     */
    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding, boolean bias) {
        this(in, out, new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {0}, 1, bias, new int[] {1});
    }

    /**
     * {@code nn.ConvTranspose2d(in, out, kernel, stride, padding)}: as
     * {@link #ConvTranspose2d(int, int, int, int, int, boolean)}, with bias.
     */
    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, kernel, stride, padding, true);
    }

    /**
     * {@code nn.ConvTranspose2d(in, out, kernel, stride=s, padding=p, output_padding=op)}, with bias: the decoder's
     * exact doubling {@code (3, stride 2, padding 1, output_padding 1)}. The output padding must be smaller than the
     * stride or the dilation, which the forward checks, as PyTorch's does.
     */
    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding, int outputPadding) {
        this(in, out, new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {outputPadding}, 1, true,
                new int[] {1});
    }

    /**
     * Every option of {@code torch.nn.ConvTranspose2d}, in its order, except padding modes (zeros only); kernel, stride,
     * padding, output_padding and dilation are one int (for both dimensions) or a pair.
     */
    public ConvTranspose2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] outputPadding, int groups,
                           boolean bias, int[] dilation) {
        super(2, in, out, kernel, stride, Checks.notNull(padding, "padding"), null,
                Checks.notNull(outputPadding, "output_padding"), dilation, groups, bias, "zeros");
    }

    /**
     * The forward with PyTorch's {@code output_size}: the output padding that gives that size ({@code [H, W]}, or the
     * full shape with the leading dimensions), which must lie between the smallest output and it plus {@code stride - 1}.
     */
    public Tensor forward(Tensor x, int[] outputSize) {
        return forwardWithOutputSize(x, outputSize);
    }

    /** A lazy layer's state, {@link LazyConvTranspose2d}'s: {@code in_channels} 0, the weight and bias uninitialized. */
    ConvTranspose2d(int out, int[] kernel, int[] stride, int[] padding, int[] outputPadding, int groups, boolean bias, int[] dilation,
           LazyModules.Marker lazy) {
        super(2, 0, out, kernel, stride, Checks.notNull(padding, "padding"), null,
                Checks.notNull(outputPadding, "output_padding"), dilation, groups, bias, "zeros", lazy);
    }
}
