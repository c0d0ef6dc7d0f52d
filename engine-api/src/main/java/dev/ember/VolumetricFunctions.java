package dev.ember;

/**
 * Volumetric (3-D) convolution and pooling, PyTorch's {@code conv3d}, {@code conv_transpose3d},
 * {@code max_pool3d_with_indices}, {@code avg_pool3d}, {@code adaptive_avg_pool3d} and {@code adaptive_max_pool3d}: the
 * public entry points that
 * {@link dev.ember.nn.Functional} and the layers ({@code Conv3d}, {@code MaxPool3d}, {@code AvgPool3d},
 * {@code AdaptiveAvgPool3d}, {@code AdaptiveMaxPool3d}) call; users call them there. Every op checks its arguments
 * first, in PyTorch's order and words, and records PyTorch's one node.
 */
public final class VolumetricFunctions {
    private VolumetricFunctions() {
    }

    /**
     * {@code torch.conv3d(input, weight, bias, stride, padding, dilation, groups)}: a 4-D (unbatched) or 5-D input
     * convolved with a {@code [O, C / groups, kd, kh, kw]} weight, plus {@code bias} ({@code [O]}, may be null);
     * stride, padding and dilation are one value or three. One node, ConvolutionBackward0.
     */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        return VolumetricOps.conv3d(input, weight, bias, stride, padding, dilation, groups);
    }

    /**
     * {@code torch.conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)}: the
     * transposed convolution of a 4-D (unbatched) or 5-D input by a {@code [C_in, C_out / groups, kd, kh, kw]} weight,
     * plus {@code bias} ({@code [C_out]}, may be null); one node, ConvolutionBackward0.
     */
    public static Tensor convTranspose3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        return VolumetricOps.convTranspose3d(input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /**
     * {@code torch.max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)} of a 4-D or 5-D
     * floating input: each window's maximum and its int64 index {@code (d * H + h) * W + w} in its plane; an empty
     * stride means the kernel size. One node, MaxPool3DWithIndicesBackward0.
     */
    public static Tensor.ValuesIndices maxPool3dWithIndices(Tensor input, int[] kernel, int[] stride, int[] padding,
                                                            int[] dilation, boolean ceilMode) {
        return VolumetricOps.maxPool3d(input, kernel, stride, padding, dilation, ceilMode);
    }

    /**
     * {@code torch._C._nn.avg_pool3d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
     * divisor_override)}; an empty stride means the kernel size, {@code divisorOverride} may be null. One node,
     * AvgPool3DBackward0.
     */
    public static Tensor avgPool3d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad, Integer divisorOverride) {
        return VolumetricOps.avgPool3d(input, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    /**
     * {@code torch._C._nn.adaptive_avg_pool3d(input, output_size)} ({@code output_size} three sizes): 1 x 1 x 1 is a
     * mean (MeanBackward1), as in PyTorch; any other size one node AdaptiveAvgPool3DBackward0.
     */
    public static Tensor adaptiveAvgPool3d(Tensor input, int[] outputSize) {
        return VolumetricOps.adaptiveAvgPool3d(input, outputSize);
    }

    /**
     * {@code torch._C._nn.adaptive_max_pool3d(input, output_size)}: the maxima over the adaptive windows and their
     * int64 indices in each plane; one node AdaptiveMaxPool3DBackward0.
     */
    public static Tensor.ValuesIndices adaptiveMaxPool3d(Tensor input, int[] outputSize) {
        return VolumetricOps.adaptiveMaxPool3d(input, outputSize);
    }
}
