package dev.ember.nn;

import dev.ember.Tensor;

/**
 * Transposed 3-D convolution layer over {@code [N, C, D, H, W]} (or unbatched {@code [C, D, H, W]}) input, as
 * {@code torch.nn.ConvTranspose3d}: weight {@code [in, out / groups, kd, kh, kw]} and bias {@code [out]}, initialized as
 * PyTorch does (its fan-in is {@code out / groups * kd * kh * kw}); state dict keys {@code weight}, {@code bias}.
 * {@link #forward(Tensor, int[])} takes the output size PyTorch's {@code output_size} argument asks for.
 */
public non-sealed class ConvTranspose3d extends ConvNd {
    /** Cubic kernel, stride 1, no padding, with bias. */
    public ConvTranspose3d(int in, int out, int kernel) {
        this(in, out, new int[] {kernel}, new int[] {1}, new int[] {0}, new int[] {0}, 1, true, new int[] {1});
    }

    /**
     * Every option of {@code torch.nn.ConvTranspose3d}, in its order, except padding modes (zeros only); kernel, stride,
     * padding, output_padding and dilation are one int (for all three dimensions) or three.
     */
    public ConvTranspose3d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] outputPadding, int groups,
                           boolean bias, int[] dilation) {
        super(3, in, out, kernel, stride, Checks.notNull(padding, "padding"), null,
                Checks.notNull(outputPadding, "output_padding"), dilation, groups, bias, "zeros");
    }

    /**
     * The forward with PyTorch's {@code output_size}: the output padding that gives that size ({@code [D, H, W]}, or the
     * full shape with the leading dimensions), which must lie between the smallest output and it plus {@code stride - 1}.
     */
    public Tensor forward(Tensor x, int[] outputSize) {
        return forwardWithOutputSize(x, outputSize);
    }

    /** A lazy layer's state, {@link LazyConvTranspose3d}'s: {@code in_channels} 0, the weight and bias uninitialized. */
    ConvTranspose3d(int out, int[] kernel, int[] stride, int[] padding, int[] outputPadding, int groups, boolean bias, int[] dilation,
           LazyModules.Marker lazy) {
        super(3, 0, out, kernel, stride, Checks.notNull(padding, "padding"), null,
                Checks.notNull(outputPadding, "output_padding"), dilation, groups, bias, "zeros", lazy);
    }
}
