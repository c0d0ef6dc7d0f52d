package dev.ember;

/**
 * The 1-D pooling family and the pooling compositions of {@code torch.nn.functional}: {@code max_pool1d} (with and
 * without indices), {@code avg_pool1d}, {@code adaptive_avg_pool1d}, {@code adaptive_max_pool1d}, {@code lp_pool1d},
 * {@code lp_pool2d} and {@code local_response_norm}. PyTorch runs the 1-D poolings through its 2-D kernels on the
 * input unsqueezed at dimension -2 (Pooling.cpp), so these do the same and give PyTorch 2.x's chain of nodes
 * (UnsqueezeBackward0, the 2-D node, SqueezeBackward1); the others are the compositions of torch/nn/functional.py. As
 * with {@link ResampleFunctions}, this class is the public entry point {@link dev.ember.nn.Functional} and the layers
 * call; users call them there. Arguments are checked first, in PyTorch 2.x's order and words.
 */
public final class Pool1dFunctions {
    private Pool1dFunctions() {
    }

    /** ATen's {@code checkDimRange(op, self, 2, 4)}: a 2-D or 3-D input. */
    private static void checkDimRange(String op, Tensor input) {
        if (input.dim() < 2 || input.dim() > 3) {
            throw new IllegalArgumentException("Expected 2 to 3 dimensions, but got " + input.dim() + "-dimensional tensor for "
                    + "argument #1 'self' (while checking arguments for " + op + ")");
        }
    }

    /**
     * {@code torch.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)}: the values only. PyTorch 2.x's
     * checks ({@code max_pool1d}, {@code check_max_pool1d}) come first; an input that needs a gradient (or lives off the
     * CPU) then goes through {@link #maxPool1dWithIndices} (nodes SqueezeBackward1, MaxPool2DWithIndicesBackward0,
     * UnsqueezeBackward0), any other is pooled without indices and without history.
     */
    public static Tensor maxPool1d(Tensor input, int kernel, int stride, int padding, int dilation, boolean ceilMode) {
        Args.require(input, "max_pool1d", "input", 1, "Tensor");
        int nd = input.dim();
        if (!((nd == 2 && input.size(0) != 0 && input.size(1) != 0) || (nd == 3 && input.size(1) != 0 && input.size(2) != 0))) {
            throw new IllegalArgumentException("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch "
                    + "size for input, but got:" + Shapes.str(input.shape));
        }
        if (kernel <= 0) {
            throw new IllegalArgumentException("max_pool1d() kernel_size must be greater than zero, but got " + kernel);
        }
        if (stride <= 0) {
            throw new IllegalArgumentException("max_pool1d() stride must be greater than zero, but got " + stride);
        }
        if (padding < 0) {
            throw new IllegalArgumentException("max_pool1d() padding must be non-negative, but got " + padding);
        }
        if (padding > kernel / 2) {
            throw new IllegalArgumentException("max_pool1d() padding should be at most half of kernel size, but got padding="
                    + padding + " and kernel_size=" + kernel);
        }
        if (dilation <= 0) {
            throw new IllegalArgumentException("max_pool1d() dilation must be greater than zero, but got " + dilation);
        }
        long ow = NNOps.poolingOutputSize(input.size(-1), kernel, padding, stride, dilation, ceilMode);
        if (ow <= 0) {
            throw new IllegalArgumentException("max_pool1d() Invalid computed output size: " + ow);
        }
        if (ArithmeticOps.needsGrad(input) || !input.device().isCpu()) {
            return maxPool1dWithIndices(input, kernel, stride, padding, dilation, ceilMode).values();
        }
        if (!input.dtype().isFloatingPoint()) {
            throw Refusals.notImplemented("max_pool1d_impl", input.dtype());
        }
        return Tensor.maxPool2d(input.unsqueeze(-2), new int[] {1, kernel}, new int[] {1, stride}, new int[] {0, padding},
                new int[] {1, dilation}, ceilMode).squeeze(-2);
    }

    /**
     * {@code torch.max_pool1d_with_indices}: the values and the int64 index of each maximum along the last dimension,
     * from the 2-D kernel on {@code input.unsqueeze(-2)} (nodes SqueezeBackward1, MaxPool2DWithIndicesBackward0,
     * UnsqueezeBackward0); the 2-D pooling's checks and words for everything but the rank.
     */
    public static Tensor.ValuesIndices maxPool1dWithIndices(Tensor input, int kernel, int stride, int padding, int dilation,
                                                            boolean ceilMode) {
        Args.require(input, "max_pool1d_with_indices", "input", 1, "Tensor");
        checkDimRange("max_pool1d", input);
        Tensor.ValuesIndices r = Tensor.maxPool2dWithIndices(input.unsqueeze(-2), new int[] {1, kernel},
                new int[] {1, stride}, new int[] {0, padding}, new int[] {1, dilation}, ceilMode);
        return new Tensor.ValuesIndices(r.values().squeeze(-2), r.indices().squeeze(-2));
    }

    /**
     * {@code torch.avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)}: the 2-D average
     * pooling of {@code input.unsqueeze(-2)} with a {@code (1, kernel)} window (nodes SqueezeBackward1,
     * AvgPool2DBackward0, UnsqueezeBackward0).
     */
    public static Tensor avgPool1d(Tensor input, int kernel, int stride, int padding, boolean ceilMode,
                                   boolean countIncludePad) {
        Args.require(input, "avg_pool1d", "input", 1, "Tensor");
        checkDimRange("avg_pool1d", input);
        return Tensor.avgPool2d(input.unsqueeze(-2), new int[] {1, kernel}, new int[] {1, stride}, new int[] {0, padding},
                ceilMode, countIncludePad).squeeze(-2);
    }

    /**
     * {@code torch.adaptive_avg_pool1d(input, output_size)}: {@code adaptive_avg_pool2d(input.unsqueeze(-2), (1, size))}
     * squeezed (nodes SqueezeBackward1, AdaptiveAvgPool2DBackward0 or, for size 1, MeanBackward1, UnsqueezeBackward0).
     */
    public static Tensor adaptiveAvgPool1d(Tensor input, int outputSize) {
        Args.require(input, "adaptive_avg_pool1d", "input", 1, "Tensor");
        checkDimRange("adaptive_avg_pool1d", input);
        return ResampleFunctions.adaptiveAvgPool2d(input.unsqueeze(-2), new int[] {1, outputSize}).squeeze(-2);
    }

    /**
     * {@code torch.adaptive_max_pool1d(input, output_size)}: the maxima and their int64 indices along the last
     * dimension, from {@code adaptive_max_pool2d(input.unsqueeze(-2), (1, size))} (nodes SqueezeBackward1,
     * AdaptiveMaxPool2DBackward0, UnsqueezeBackward0).
     */
    public static Tensor.ValuesIndices adaptiveMaxPool1d(Tensor input, int outputSize) {
        Args.require(input, "adaptive_max_pool1d", "input", 1, "Tensor");
        checkDimRange("adaptive_max_pool1d", input);
        for (int i = 1; i < input.dim(); i++) {
            if (input.size(i) <= 0) {
                throw new IllegalArgumentException("adaptive_max_pool1d(): Expected input to have non-zero size for non-batch "
                        + "dimensions, but input has sizes " + Shapes.str(input.shape) + " with dimension " + i + " being empty");
            }
        }
        Tensor.ValuesIndices r = ResampleFunctions.adaptiveMaxPool2d(input.unsqueeze(-2), new int[] {1, outputSize});
        return new Tensor.ValuesIndices(r.values().squeeze(-2), r.indices().squeeze(-2));
    }

    /**
     * {@code F.lp_pool1d(input, norm_type, kernel_size, stride, ceil_mode)} as functional.py composes it:
     * {@code (sign(a) * relu(|a|)) * kernel) ^ (1 / p)} with {@code a = avg_pool1d(input ^ p, kernel, stride, 0,
     * ceil_mode)}.
     */
    public static Tensor lpPool1d(Tensor input, double normType, int kernel, int stride, boolean ceilMode) {
        return lpPool1d(input, normType, false, kernel, stride, ceilMode);
    }

    /**
     * lp_pool1d for a float or, with {@code intNorm}, a Python int norm type (the power and the scaling then ints, so an
     * int64 input pools in int64: {@link PoolingExtras#lpPool1d}).
     */
    static Tensor lpPool1d(Tensor input, double normType, boolean intNorm, int kernel, int stride, boolean ceilMode) {
        Args.require(input, "lp_pool1d", "input", 1, "Tensor");
        Tensor out = avgPool1d(intNorm ? input.pow((long) normType) : input.pow(normType), kernel, stride, 0, ceilMode, true);
        Tensor m = out.sign().mul(out.abs().relu());
        return (intNorm ? m.mul((long) kernel) : m.mul((double) kernel)).pow(1.0 / normType);
    }

    /**
     * {@code F.lp_pool2d(input, norm_type, kernel_size, stride, ceil_mode)} as functional.py composes it, over
     * {@code avg_pool2d}; kernel and stride one int or a pair, stride null or empty for the kernel.
     */
    public static Tensor lpPool2d(Tensor input, double normType, int[] kernel, int[] stride, boolean ceilMode) {
        return lpPool2d(input, normType, false, kernel, stride, ceilMode);
    }

    /**
     * lp_pool2d for a float or, with {@code intNorm}, a Python int norm type (the power and the scaling then ints, so an
     * int64 input pools in int64: {@link PoolingExtras#lpPool2d}).
     */
    static Tensor lpPool2d(Tensor input, double normType, boolean intNorm, int[] kernel, int[] stride, boolean ceilMode) {
        Args.require(input, "lp_pool2d", "input", 1, "Tensor");
        Args.require(kernel, "lp_pool2d", "kernel_size", 3, "tuple of ints");
        if (kernel.length != 1 && kernel.length != 2) {
            // Python's unpacking of _pair(kernel_size) into kw, kh
            throw new IllegalArgumentException(kernel.length < 2 ? "not enough values to unpack (expected 2, got "
                    + kernel.length + ")" : "too many values to unpack (expected 2)");
        }
        long area = (long) kernel[0] * kernel[kernel.length - 1];
        Tensor out = Tensor.avgPool2d(intNorm ? input.pow((long) normType) : input.pow(normType), kernel,
                stride == null ? new int[0] : stride, new int[] {0}, ceilMode, true);
        Tensor m = out.sign().mul(out.abs().relu());
        return (intNorm ? m.mul(area) : m.mul((double) area)).pow(1.0 / normType);
    }

    /**
     * {@code F.local_response_norm(input, size, alpha, beta, k)} as functional.py composes it: {@code input / (k +
     * alpha * mean of input^2 over the size channels around each) ^ beta}, the mean a zero-padded average pool over the
     * channel dimension (avg_pool2d for a 3-D input, avg_pool3d for more dimensions); an empty input is returned as it is.
     */
    public static Tensor localResponseNorm(Tensor input, int size, double alpha, double beta, double k) {
        Args.require(input, "local_response_norm", "input", 1, "Tensor");
        int dim = input.dim();
        if (dim < 3) {
            // PyTorch 2.x's words (1.13's string held the source's line-continuation spaces)
            throw new IllegalArgumentException("Expected 3D or higher dimensionality input (got " + dim + " dimensions)");
        }
        if (input.numel() == 0) {
            return input;
        }
        Tensor div = input.mul(input).unsqueeze(1);
        if (dim == 3) {
            div = div.padNd(new int[] {0, 0, size / 2, (size - 1) / 2});
            div = Tensor.avgPool2d(div, new int[] {size, 1}, new int[] {1}, new int[] {0}, false, true).squeeze(1);
        } else {
            int[] sizes = input.shape();
            int rest = 1;
            for (int i = 3; i < dim; i++) {
                rest = Math.multiplyExact(rest, sizes[i]);
            }
            div = div.view(sizes[0], 1, sizes[1], sizes[2], rest);
            div = div.padNd(new int[] {0, 0, 0, 0, Math.floorDiv(size, 2), Math.floorDiv(size - 1, 2)});
            div = channelAvgPool3d(div, size).squeeze(1);
            div = div.view(sizes);
        }
        div = div.mul(alpha).add(k).pow(beta);
        return input.div(div);
    }

    /**
     * {@code avg_pool3d(x, (size, 1, 1), stride=1)} of a 5-D {@code [N, 1, D, H, W]} input, one node
     * AvgPool3DBackward0: the forward is the 2-D average pooling of the {@code [N, 1, D, H W]} view with a
     * {@code (size, 1)} window; the backward spreads each gradient over its window, the same pooling of the gradient
     * zero-padded by {@code size - 1} on both sides of D (differentiable again, as PyTorch's, through those ops).
     */
    private static Tensor channelAvgPool3d(Tensor x, int size) {
        int[] s = x.shape();
        if (size <= 0) {
            throw new IllegalArgumentException("kernel size should be greater than zero, but got kT: " + size + " kH: 1 kW: 1");
        }
        int plane = Math.multiplyExact(s[3], s[4]);
        long od = (long) s[2] - size + 1;
        if (od < 1) {
            throw new IllegalArgumentException("Given input size: (" + s[1] + "x" + s[2] + "x" + s[3] + "x" + s[4]
                    + "). Calculated output size: (" + s[1] + "x" + od + "x" + s[3] + "x" + s[4] + "). Output size is too small");
        }
        if (!x.dtype().isFloatingPoint() && x.dtype() != DType.INT64) {
            // PyTorch's avg_pool3d computes floating types and int64 only (the int64 pooling below is exact)
            throw Refusals.notImplemented("avg_pool3d_out_frame", x.dtype());
        }
        int[] window = {size, 1};
        int[] one = {1};
        int[] zero = {0};
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = Tensor.avgPool2d(x.reshape(s[0], 1, s[2], plane), window, one, zero, false, true)
                    .reshape(s[0], 1, (int) od, s[3], s[4]);
        }
        int odi = (int) od;
        return ArithmeticOps.recordSavingInput(out, "AvgPool3DBackward0", x, n -> g -> {
            Tensor gp = g.reshape(s[0], 1, odi, plane).padNd(new int[] {0, 0, size - 1, size - 1});
            return new Tensor[] {Tensor.avgPool2d(gp, window, one, zero, false, true).reshape(s)};
        });
    }
}
