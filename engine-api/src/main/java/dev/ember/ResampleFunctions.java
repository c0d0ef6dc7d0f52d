package dev.ember;

/**
 * Adaptive pooling and upsampling, the ops PyTorch exposes only through {@code torch.nn.functional} (its
 * {@code torch._C._nn} namespace: {@code adaptive_avg_pool{1,2,3}d}, {@code adaptive_max_pool2d},
 * {@code upsample_nearest{1,2,3}d}, {@code _upsample_nearest_exact{1,2,3}d}, {@code upsample_linear1d},
 * {@code upsample_bilinear2d}, {@code upsample_bicubic2d}, {@code upsample_trilinear3d}, and {@code grid_sampler} and
 * {@code affine_grid_generator}). As with
 * {@link NNFunctions}, they have no {@code torch.*} function and no Tensor method, so this class is their public entry
 * point for {@link dev.ember.nn.Functional} and the layers ({@code AdaptiveAvgPool2d}, {@code AdaptiveMaxPool2d},
 * {@code Upsample}); users call them there ({@code Functional.interpolate} holds PyTorch's Python-level argument
 * handling). Every op checks its arguments first, in PyTorch's order and words.
 */
public final class ResampleFunctions {
    private ResampleFunctions() {
    }

    /**
     * {@code torch._C._nn.adaptive_avg_pool2d(input, output_size)}: {@code output_size} is two sizes; 1 x 1 is
     * {@code input.mean((-1, -2), keepdim=True)} (MeanBackward1), as PyTorch 2.x computes it; any other size the
     * adaptive-average kernel over a 3-D or 4-D floating input, one node AdaptiveAvgPool2DBackward0.
     */
    public static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
        Args.require(input, "adaptive_avg_pool2d", "input", 1, "Tensor");
        Args.require(outputSize, "adaptive_avg_pool2d", "output_size", 2, "tuple of ints");
        if (QuantizedActivations.isQuantized(input)) {
            return QuantizedActivations.adaptiveAvgPool2d(input, outputSize);
        }
        return NNOps.adaptiveAvgPool2d(input, outputSize);
    }

    /**
     * {@code torch._C._nn.adaptive_max_pool2d(input, output_size)} of a 3-D or 4-D floating input: the maximum of each
     * window and its int64 index ({@code h * W + w}) within its plane; one node AdaptiveMaxPool2DBackward0.
     */
    public static Tensor.ValuesIndices adaptiveMaxPool2d(Tensor input, int[] outputSize) {
        Args.require(input, "adaptive_max_pool2d", "input", 1, "Tensor");
        Args.require(outputSize, "adaptive_max_pool2d", "output_size", 2, "tuple of ints");
        return NNOps.adaptiveMaxPool2d(input, outputSize);
    }

    /**
     * {@code torch._C._nn.upsample_nearest{1,2,3}d(input, output_size, scale_factors)} of a 3-D, 4-D or 5-D input (by
     * its rank): exactly one of {@code outputSize} and {@code scaleFactors} is given (the other null), one value per
     * spatial dimension; each output element copies the input element at {@code floor(i * in / out)} (or
     * {@code floor(i / scale)} with a scale factor). Floating and uint8 inputs; one node UpsampleNearest2DBackward0
     * (1D, 3D).
     */
    public static Tensor upsampleNearest(Tensor input, int[] outputSize, double[] scaleFactors) {
        Args.require(input, "upsample_nearest2d", "input", 1, "Tensor");
        // a quantized activation's nearest neighbours are its own values: quantized with its scale and zero point
        return QuantizedActivations.follow(input, NNOps.upsampleNearest(input, outputSize, scaleFactors, false));
    }

    /**
     * {@code torch._C._nn._upsample_nearest_exact{1,2,3}d}: {@link #upsampleNearest} with the source at
     * {@code floor((i + 0.5) * in / out)} (pixel centers, as Pillow and scikit-image); one node
     * UpsampleNearestExact2DBackward0 (1D, 3D).
     */
    public static Tensor upsampleNearestExact(Tensor input, int[] outputSize, double[] scaleFactors) {
        Args.require(input, "_upsample_nearest_exact2d", "input", 1, "Tensor");
        return QuantizedActivations.follow(input, NNOps.upsampleNearest(input, outputSize, scaleFactors, true));
    }

    /**
     * {@code torch._C._nn.upsample_bilinear2d(input, output_size, align_corners, scale_factors)} of a 4-D floating
     * input, by output size or by scale factors (exactly one given, the other null); one node
     * UpsampleBilinear2DBackward0. A quantized activation takes PyTorch's quantized kernel (the output keeps its scale
     * and zero point).
     */
    public static Tensor upsampleBilinear2d(Tensor input, int[] outputSize, boolean alignCorners, double[] scaleFactors) {
        Args.require(input, "upsample_bilinear2d", "input", 1, "Tensor");
        if (QuantizedActivations.isQuantized(input) && input.dim() == 4) {
            return QuantizedActivations.upsampleBilinear2d(input, outputSize, alignCorners, scaleFactors);
        }
        return NNOps.upsampleBilinear2d(input, outputSize, alignCorners, scaleFactors);
    }

    /**
     * {@code torch._C._nn._upsample_bilinear2d_aa(input, output_size, align_corners, scale_factors)}: antialiased
     * bilinear resampling of a 4-D float32 or float64 input (a triangle filter widened by the downscaling factor, as
     * PIL's), by output size or by scale factors (exactly one given, the other null); one node
     * UpsampleBilinear2DAaBackward0.
     */
    public static Tensor upsampleBilinear2dAa(Tensor input, int[] outputSize, boolean alignCorners, double[] scaleFactors) {
        Args.require(input, "_upsample_bilinear2d_aa", "input", 1, "Tensor");
        return AntialiasOps.upsample2dAa(input, outputSize, alignCorners, scaleFactors, false);
    }

    /**
     * {@code torch._C._nn._upsample_bicubic2d_aa(input, output_size, align_corners, scale_factors)}: antialiased
     * bicubic resampling (Keys' cubic, a = -0.5, widened by the downscaling factor, as PIL's) of a 4-D float32 or
     * float64 input; one node UpsampleBicubic2DAaBackward0.
     */
    public static Tensor upsampleBicubic2dAa(Tensor input, int[] outputSize, boolean alignCorners, double[] scaleFactors) {
        Args.require(input, "_upsample_bicubic2d_aa", "input", 1, "Tensor");
        return AntialiasOps.upsample2dAa(input, outputSize, alignCorners, scaleFactors, true);
    }

    /**
     * {@code torch._C._nn.upsample_bicubic2d(input, output_size, align_corners, scale_factors)} of a 4-D floating
     * input, by output size or by scale factors (exactly one given, the other null); one node
     * UpsampleBicubic2DBackward0.
     */
    public static Tensor upsampleBicubic2d(Tensor input, int[] outputSize, boolean alignCorners, double[] scaleFactors) {
        Args.require(input, "upsample_bicubic2d", "input", 1, "Tensor");
        return NNOps.upsampleBicubic2d(input, outputSize, alignCorners, scaleFactors);
    }

    /**
     * {@code torch._C._nn.upsample_linear1d(input, output_size, align_corners, scale_factors)} of a 3-D floating input,
     * by output size or by scale factors (exactly one given, the other null, one value each); one node
     * UpsampleLinear1DBackward0.
     */
    public static Tensor upsampleLinear1d(Tensor input, int[] outputSize, boolean alignCorners, double[] scaleFactors) {
        Args.require(input, "upsample_linear1d", "input", 1, "Tensor");
        return UpsampleLinearOps.upsampleLinear(input, outputSize, alignCorners, scaleFactors, 1);
    }

    /**
     * {@code torch._C._nn.upsample_trilinear3d(input, output_size, align_corners, scale_factors)} of a 5-D floating
     * input, by output size or by scale factors (exactly one given, the other null, three values each); one node
     * UpsampleTrilinear3DBackward0.
     */
    public static Tensor upsampleTrilinear3d(Tensor input, int[] outputSize, boolean alignCorners, double[] scaleFactors) {
        Args.require(input, "upsample_trilinear3d", "input", 1, "Tensor");
        return UpsampleLinearOps.upsampleLinear(input, outputSize, alignCorners, scaleFactors, 3);
    }

    /**
     * {@code torch.grid_sampler} as {@code F.grid_sample} calls it: 4-D input with modes "bilinear", "nearest" and
     * "bicubic" (one node GridSampler2DBackward0), 5-D input with "bilinear" (trilinear in effect) and "nearest" (one
     * node GridSampler3DBackward0); padding "zeros", "border" and "reflection". As PyTorch, its backward is not
     * differentiable again.
     */
    public static Tensor gridSample(Tensor input, Tensor grid, String mode, String paddingMode, boolean alignCorners) {
        Args.require(input, "grid_sampler", "input", 1, "Tensor");
        Args.require(grid, "grid_sampler", "grid", 2, "Tensor");
        Args.require(mode, "grid_sample", "mode", 3, "str");
        Args.require(paddingMode, "grid_sample", "padding_mode", 4, "str");
        return GridSampleOps.gridSample(input, grid, mode, paddingMode, alignCorners);
    }

    /**
     * {@code torch.affine_grid_generator}, as {@code F.affine_grid} calls it: 2-D ({@code size} of 4, theta N x 2 x 3)
     * or 3-D ({@code size} of 5, theta N x 3 x 4); one node AffineGridGeneratorBackward0.
     */
    public static Tensor affineGrid(Tensor theta, int[] size, boolean alignCorners) {
        Args.require(theta, "affine_grid", "theta", 1, "Tensor");
        Args.require(size, "affine_grid", "size", 2, "tuple of ints");
        return GridSampleOps.affineGrid(theta, size, alignCorners);
    }
}
