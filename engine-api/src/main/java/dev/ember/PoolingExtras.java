package dev.ember;

import dev.ember.backend.Layout;
import dev.ember.backend.Pool2dParams;

import java.util.Arrays;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * The {@code torch.nn.functional} ops that were missing from Ember (session 20): {@code avg_pool2d}'s
 * {@code divisor_override}, {@code max_unpool3d}, {@code channel_shuffle}, {@code pdist}, {@code gumbel_softmax},
 * {@code triplet_margin_with_distance_loss} and the fractional max poolings. As {@link VolumetricFunctions}, this class
 * is the public entry point {@link dev.ember.nn.Functional} and the layers call; users call them there. None has a
 * kernel of its own: each forward is composed of existing tensor ops under no_grad (gathers over window tables for the
 * poolings), so it runs on every backend, and an op PyTorch records as one node records that node, with a backward
 * written in tensor ops; the compositions of torch/nn/functional.py stay compositions. Arguments are checked first, in
 * PyTorch 2.x's order and words.
 */
public final class PoolingExtras {
    private PoolingExtras() {
    }

    private static Tensor longs(long[] v, Device device) {
        return Creation.fromFlat(v, new int[] {v.length}, DType.INT64, device);
    }

    /** {@code [leading..., sizes of the last nd dimensions]} with the last {@code nd} dimensions replaced by {@code out}. */
    private static int[] withLast(int[] shape, int[] out) {
        int[] s = shape.clone();
        System.arraycopy(out, 0, s, s.length - out.length, out.length);
        return s;
    }

    // ------------------------------------------------------------------ avg_pool2d with divisor_override

    /** Elements one gather of window taps holds at most (4 Mi: 16 MiB of float32, 32 MiB of float64 sums). */
    static final int WINDOW_GATHER_LIMIT = 1 << 22;

    /**
     * avg_pool2d of a 3-D or 4-D input (already checked by NNOps) with {@code divisor_override}: each window's sum over
     * its taps inside the input divided by {@code divisor} (truncating for int64, as PyTorch's CPU kernel; float16 and
     * bfloat16 sum in float32 and round once). One node, AvgPool2DBackward0, whose backward spreads {@code g / divisor}
     * over each window and, under create_graph, records AvgPool2DBackwardBackward0 (its gradient the pooling again).
     */
    static Tensor avgPool2dDivisor(Tensor input, Pool2dParams p, int outH, int outW, int divisor) {
        return avgPool2dDivisor(input, p, outH, outW, divisor, WINDOW_GATHER_LIMIT);
    }

    /**
     * {@link #avgPool2dDivisor(Tensor, Pool2dParams, int, int, int)} gathering at most {@code limit} taps at a time
     * (at least one window of one plane): the windows and planes go in blocks, each block's taps gathered and summed,
     * so memory stays bounded however many windows there are (PyTorch's kernel loops over them); every window's sum,
     * and every input element's gradient (the windows added in order), the same whatever the blocks.
     */
    static Tensor avgPool2dDivisor(Tensor input, Pool2dParams p, int outH, int outW, int divisor, int limit) {
        int rank = input.dim();
        int[] inShape = input.shape;
        int plane = inShape[rank - 2] * inShape[rank - 1]; // the input's plane: within one tensor
        int planes = (int) (input.numel() / Math.max(1, plane)); // b * c, within one tensor when the plane is not empty
        long taps64 = (long) p.kernelH() * p.kernelW();
        if (taps64 > Layout.MAX_STORAGE_ELEMENTS) {
            throw new IllegalArgumentException("avg_pool2d with divisor_override gathers each window's taps: a window of "
                    + taps64 + " taps exceeds one Ember tensor, which stores at most " + Layout.MAX_STORAGE_ELEMENTS
                    + " elements");
        }
        WindowBlocks blocks = new WindowBlocks(p, inShape[rank - 2], inShape[rank - 1], outW, outH * outW,
                (int) taps64, planes, limit);
        int[] outShape = withLast(inShape, new int[] {outH, outW});
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor x = ReductionOps.opmath(input.reshape(planes, plane));
            Tensor padded = Tensor.cat(List.of(x, Creation.zeros(new int[] {planes, 1}, x.dtype, x.device)), 1);
            Tensor[] rows = new Tensor[blocks.planeBlocks()];
            for (int pb = 0; pb < rows.length; pb++) {
                Tensor part = padded.narrow(0, blocks.planeStart(pb), blocks.planeCount(pb));
                Tensor[] cols = new Tensor[blocks.windowBlocks()];
                for (int wb = 0; wb < cols.length; wb++) {
                    cols[wb] = part.indexSelect(1, blocks.table(wb, input.device))
                            .reshape(part.shape[0], blocks.windowCount(wb), blocks.taps).sum(new int[] {2}, false);
                }
                rows[pb] = cols.length == 1 ? cols[0] : Tensor.cat(List.of(cols), 1);
            }
            Tensor sums = rows.length == 1 ? rows[0] : Tensor.cat(List.of(rows), 0);
            out = ReductionOps.narrowedBack(input.dtype.isFloatingPoint() ? sums.div((double) divisor)
                    : sums.div((long) divisor, "trunc"), input.dtype).reshape(outShape);
        }
        // output and input gradient in the input's format, as PyTorch's CPU kernel
        boolean cl = NNOps.suggestsChannelsLast(input);
        out = NNOps.channelsLastIf(out, cl);
        return ArithmeticOps.recordSavingInput(out, "AvgPool2DBackward0", input, n -> g -> {
            Tensor gx;
            try (GradMode off = Ember.noGrad()) {
                Tensor share = ReductionOps.opmath(g).reshape(planes, outH * outW).div((double) divisor);
                Tensor acc = Creation.zeros(new int[] {planes, plane + 1}, share.dtype, g.device);
                for (int pb = 0; pb < blocks.planeBlocks(); pb++) {
                    int p0 = blocks.planeStart(pb);
                    int pn = blocks.planeCount(pb);
                    Tensor target = acc.narrow(0, p0, pn);
                    for (int wb = 0; wb < blocks.windowBlocks(); wb++) {
                        int wn = blocks.windowCount(wb);
                        Tensor spread = share.narrow(0, p0, pn).narrow(1, blocks.windowStart(wb), wn).unsqueeze(2)
                                .expand(pn, wn, blocks.taps).reshape(pn, wn * blocks.taps);
                        target.indexAdd_(1, blocks.table(wb, g.device), spread);
                    }
                }
                gx = ReductionOps.narrowedBack(acc.narrow(1, 0, plane).reshape(inShape), g.dtype);
                // dense (the narrowed view has gaps), in the input's format
                gx = cl ? NNOps.channelsLastIf(gx, true) : gx.contiguous();
            }
            return new Tensor[] {ArithmeticOps.record(gx, "AvgPool2DBackwardBackward0", new Tensor[] {g},
                    m -> gg -> new Tensor[] {avgPool2dDivisor(gg, p, outH, outW, divisor, limit)})};
        });
    }

    /**
     * The blocks avg_pool2d with a divisor gathers: planes and windows (row-major over the output) in runs whose taps
     * number at most the limit (at least one window of one plane), and each window block's table of input positions
     * (flat in the plane; {@code plane}, the appended zero, for a tap in the padding).
     */
    private static final class WindowBlocks {
        final int taps;
        private final Pool2dParams p;
        private final int h;
        private final int w;
        private final int outW;
        private final int count;
        private final int planes;
        private final int planeStep;
        private final int windowStep;

        WindowBlocks(Pool2dParams p, int h, int w, int outW, int count, int taps, int planes, int limit) {
            this.p = p;
            this.h = h;
            this.w = w;
            this.outW = outW;
            this.count = count;
            this.taps = taps;
            this.planes = planes;
            this.planeStep = (int) Math.max(1, Math.min(planes, limit / Math.max(1L, taps)));
            this.windowStep = (int) Math.max(1, Math.min(count, limit / Math.max(1L, (long) planeStep * taps)));
        }

        int planeBlocks() {
            return Math.max(1, (planes + planeStep - 1) / planeStep);
        }

        int planeStart(int block) {
            return block * planeStep;
        }

        int planeCount(int block) {
            return Math.min(planeStep, planes - block * planeStep);
        }

        int windowBlocks() {
            return Math.max(1, (count + windowStep - 1) / windowStep);
        }

        int windowStart(int block) {
            return block * windowStep;
        }

        int windowCount(int block) {
            return Math.min(windowStep, count - block * windowStep);
        }

        Tensor table(int block, Device device) {
            int w0 = windowStart(block);
            int wn = windowCount(block);
            long[] pos = new long[wn * taps];
            int q = 0;
            for (int window = w0; window < w0 + wn; window++) {
                long y0 = (long) (window / outW) * p.strideH() - p.padH();
                long x0 = (long) (window % outW) * p.strideW() - p.padW();
                for (int i = 0; i < p.kernelH(); i++) {
                    long y = y0 + i;
                    for (int j = 0; j < p.kernelW(); j++) {
                        long x = x0 + j;
                        pos[q++] = y >= 0 && y < h && x >= 0 && x < w ? y * w + x : (long) h * w;
                    }
                }
            }
            return longs(pos, device);
        }
    }

    /**
     * {@code torch._C._nn.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
     * divisor_override)}: kernel, stride (empty for the kernel) and padding one int or a pair; {@code divisorOverride}
     * null for none. One node, AvgPool2DBackward0.
     */
    public static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad, Integer divisorOverride) {
        return NNOps.avgPool2d(input, NNOps.pair(kernel, "kernel_size"), NNOps.pair(stride, "stride"),
                NNOps.pair(padding, "padding"), ceilMode, countIncludePad, divisorOverride);
    }

    /**
     * {@code F.lp_pool1d(input, norm_type, kernel_size, stride, ceil_mode)} with an int {@code norm_type}, as
     * functional.py composes it: {@code input.pow(p)} keeps an integer input's type (int64 then pools with truncating
     * division, other integer types are refused by avg_pool2d), the scaling by the window is an int, and only the
     * final {@code pow(1 / p)} gives a floating result.
     */
    public static Tensor lpPool1d(Tensor input, long normType, int kernel, int stride, boolean ceilMode) {
        return Pool1dFunctions.lpPool1d(input, normType, true, kernel, stride, ceilMode);
    }

    /**
     * {@code F.lp_pool2d(input, norm_type, kernel_size, stride, ceil_mode)} with an int {@code norm_type}, as
     * {@link #lpPool1d(Tensor, long, int, int, boolean)} over avg_pool2d; kernel and stride one int or a pair, stride
     * null or empty for the kernel.
     */
    public static Tensor lpPool2d(Tensor input, long normType, int[] kernel, int[] stride, boolean ceilMode) {
        return Pool1dFunctions.lpPool2d(input, normType, true, kernel, stride, ceilMode);
    }

    /**
     * PyTorch 2.x's {@code F.lp_pool3d(input, norm_type, kernel_size, stride, ceil_mode)} as functional.py composes it:
     * {@code (sign(a) * relu(|a|)) * (kd kh kw)) ^ (1 / p)} with {@code a = avg_pool3d(input ^ p, kernel, stride, 0,
     * ceil_mode)}; kernel and stride one int or three, stride null or empty for the kernel. {@code intNorm}: the norm
     * is Python's int (the scaling is an int, and an int64 input pools in int64).
     */
    public static Tensor lpPool3d(Tensor input, double normType, boolean intNorm, int[] kernel, int[] stride,
                                  boolean ceilMode) {
        Args.require(input, "lp_pool3d", "input", 1, "Tensor");
        Args.require(kernel, "lp_pool3d", "kernel_size", 3, "tuple of ints");
        if (kernel.length != 1 && kernel.length != 3) {
            // Python's unpacking of _triple(kernel_size) into kd, kw, kh
            throw new IllegalArgumentException(kernel.length < 3 ? "not enough values to unpack (expected 3, got "
                    + kernel.length + ")" : "too many values to unpack (expected 3)");
        }
        long volume = kernel.length == 1 ? (long) kernel[0] * kernel[0] * kernel[0] : (long) kernel[0] * kernel[1] * kernel[2];
        Tensor powered = intNorm ? input.pow((long) normType) : input.pow(normType);
        Tensor out = VolumetricOps.avgPool3d(powered, kernel, stride == null ? new int[0] : stride, new int[] {0}, ceilMode,
                true, null);
        Tensor m = out.sign().mul(out.abs().relu());
        return (intNorm ? m.mul(volume) : m.mul((double) volume)).pow(1.0 / normType);
    }

    // ------------------------------------------------------------------ max_unpool3d

    /**
     * {@code torch._C._nn.max_unpool3d(input, indices, output_size, stride, padding)}: a 4-D or 5-D input's values
     * written at their flat indices {@code (d * H + h) * W + w} in zero output volumes of {@code output_size} (three
     * sizes). One node, MaxUnpool3DBackward0, whose backward gathers the gradient at the indices (PyTorch 2.x's
     * max_pool_double_backward).
     */
    public static Tensor maxUnpool3d(Tensor input, Tensor indices, int[] outputSize, int[] stride, int[] padding) {
        if (Autocast.on()) {
            return Autocast.apply("max_unpool3d", t -> maxUnpool3d(t[0], t[1], outputSize, stride, padding), input, indices);
        }
        Args.require(input, "max_unpool3d", "input", 1, "Tensor");
        Args.require(indices, "max_unpool3d", "indices", 2, "Tensor");
        Args.require(outputSize, "max_unpool3d", "output_size", 3, "tuple of ints");
        Args.require(stride, "max_unpool3d", "stride", 4, "tuple of ints");
        Args.require(padding, "max_unpool3d", "padding", 5, "tuple of ints");
        // PyTorch 2.x's max_unpooling3d_shape_check
        if (indices.dtype != DType.INT64) {
            throw new IllegalArgumentException("elements in indices should be type int64");
        }
        if (input.dim() != 4 && input.dim() != 5) {
            throw new IllegalArgumentException("Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with "
                    + input.dim() + " dimensions.");
        }
        if (outputSize.length != 3) {
            throw new IllegalArgumentException("There should be exactly three elements (depth, height, width) in output_size, "
                    + "but got " + outputSize.length + " elements.");
        }
        if (stride.length != 3) {
            throw new IllegalArgumentException("There should be exactly three elements (depth, height, width) in stride, but "
                    + "got: " + stride.length + " elements.");
        }
        if (padding.length != 3) {
            throw new IllegalArgumentException("There should be exactly three elements (depth, height, width) in padding, but "
                    + "got: " + padding.length + " elements.");
        }
        if (!Arrays.equals(input.shape, indices.shape)) {
            throw new IllegalArgumentException("Expected shape of indices to be same as that of the input tensor ("
                    + Arrays.toString(input.shape) + ") but got indices tensor with shape: " + Arrays.toString(indices.shape));
        }
        for (int i = 1; i < input.dim(); i++) {
            if (input.shape[i] <= 0) {
                throw new IllegalArgumentException((input.device.isCpu() ? "max_unpooling3d_forward_out_cpu()"
                        : "max_unpooling3d_forward_out_cuda()") + ": Expected input to have non-zero size for non-batch "
                        + "dimensions, but got " + Arrays.toString(input.shape) + " with dimension " + i + " being empty.");
            }
        }
        if (stride[0] <= 0 || stride[1] <= 0 || stride[2] <= 0) {
            throw new IllegalArgumentException("strides should be greater than zero, but got stride: " + Arrays.toString(stride));
        }
        ArithmeticOps.checkSameDevice(input, indices);
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("max_unpool3d", input.dtype);
        }
        int od = outputSize[0];
        int oh = outputSize[1];
        int ow = outputSize[2];
        if (od < 0 || oh < 0 || ow < 0) {
            throw new IllegalArgumentException("Trying to create tensor with negative dimension "
                    + (od < 0 ? od : oh < 0 ? oh : ow) + ": " + Arrays.toString(withLast(input.shape, outputSize)));
        }
        long volume = (long) od * oh * ow;
        if (volume > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("max_unpool3d: output_size " + Arrays.toString(outputSize) + " is too large");
        }
        int rank = input.dim();
        int[] flatShape = Arrays.copyOf(input.shape, rank - 2);
        flatShape[rank - 3] = Math.multiplyExact(Math.multiplyExact(input.shape[rank - 3], input.shape[rank - 2]),
                input.shape[rank - 1]);
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor idx = indices.reshape(flatShape);
            if (idx.numel() > 0 && volume > 0 && !idx.device.isMeta()) { // 2.x's meta max_unpool3d reads no index
                // the last invalid index in row-major order, as the CPU kernel reports it; an empty output runs no
                // kernel, which checks nothing (2.x's max_unpooling3d_forward_out_cpu)
                Tensor bad = idx.lt(0L).logicalOr(idx.ge(volume)).flatten();
                if (bad.any()) {
                    Tensor positions = Tensor.arange(bad.numel()).to(bad.device()).mul(bad.to(DType.INT64));
                    long last = (long) positions.max().item();
                    long value = (long) idx.flatten().get((int) last).item();
                    throw new IllegalArgumentException("Found an invalid max index: " + value + " (output volumes are of size "
                            + od + "x" + oh + "x" + ow + ")");
                }
            }
            int[] outFlat = flatShape.clone();
            outFlat[rank - 3] = (int) volume;
            out = volume == 0 ? Creation.zeros(withLast(Arrays.copyOf(input.shape, rank), outputSize), input.dtype,
                    input.device)
                    : Creation.zeros(outFlat, input.dtype, input.device).scatter_(-1, idx, input.reshape(flatShape))
                    .reshape(withLast(Arrays.copyOf(input.shape, rank), outputSize));
        }
        return ArithmeticOps.record(out, "MaxUnpool3DBackward0", new Tensor[] {input}, node -> {
            SavedTensor si = node.save(indices);
            return g -> {
                Tensor at = si.get();
                return new Tensor[] {g.flatten(-3, -1).gather(-1, at.flatten(-3, -1)).viewAs(at)};
            };
        });
    }

    // ------------------------------------------------------------------ channel_shuffle

    /**
     * {@code torch.channel_shuffle(input, groups)}: the channels (dimension 1) of an input of 3 or more dimensions,
     * seen as {@code [groups, C / groups]}, transposed. One node, as PyTorch 2.x's ChannelShuffleBackward0, whose
     * backward is the shuffle of the gradient with {@code C / groups} groups.
     */
    public static Tensor channelShuffle(Tensor input, int groups) {
        Args.require(input, "channel_shuffle", "input", 1, "Tensor");
        if (input.dim() <= 2) {
            throw new IllegalArgumentException("channel_shuffle expects input with > 2 dims, but got input with sizes "
                    + Arrays.toString(input.shape));
        }
        if (groups <= 0) {
            throw new IllegalArgumentException("Number of groups to divide channels in must be positive. Value of groups:"
                    + groups);
        }
        int c = input.shape[1];
        if (c % groups != 0) {
            throw new IllegalArgumentException("Number of channels must be divisible by groups. Got " + c + " channels and "
                    + groups + " groups.");
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            int b = input.shape[0];
            int rest = 1;
            for (int i = 2; i < input.dim(); i++) {
                rest = Math.multiplyExact(rest, input.shape[i]);
            }
            out = input.reshape(b, groups, c / groups, rest).permute(0, 2, 1, 3).contiguous().reshape(input.shape);
        }
        int back = c / groups;
        return ArithmeticOps.record(out, "ChannelShuffleBackward0", new Tensor[] {input},
                n -> g -> new Tensor[] {channelShuffle(g, back)});
    }

    // ------------------------------------------------------------------ pdist

    /**
     * {@code torch.nn.functional.pdist(input, p)}: the p-norm distances between the rows of an {@code [N, M]} floating
     * input, pairs {@code (i, j)} with {@code i < j} in row-major order ({@code N (N - 1) / 2} of them). One node,
     * PdistBackward0, whose backward is PyTorch's {@code _pdist_backward} (not differentiable again: its node raises
     * PyTorch's error).
     */
    public static Tensor pdist(Tensor input, double p) {
        Args.require(input, "pdist", "input", 1, "Tensor");
        if (input.dim() != 2) {
            throw new IllegalArgumentException("pdist only supports 2D tensors, got: " + input.dim() + "D");
        }
        if (!input.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("pdist only supports floating-point dtypes");
        }
        if (!(p >= 0)) {
            throw new IllegalArgumentException("pdist only supports non-negative p values");
        }
        int n = input.shape[0];
        int m = input.shape[1];
        long pairs = n <= 1 ? 0 : (long) n * (n - 1) / 2;
        if (pairs > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pdist: " + pairs + " pairs; Ember's dimensions are at most "
                    + Integer.MAX_VALUE);
        }
        Tensor ti;
        Tensor tj;
        if (input.device.isMeta()) {
            // the pairs' indices as meta tensors: their shape is all the meta computation needs, and a host table of
            // every pair would cost what the meta device exists to avoid
            ti = Creation.empty(new int[] {(int) pairs}, DType.INT64, input.device);
            tj = Creation.empty(new int[] {(int) pairs}, DType.INT64, input.device);
        } else {
            long[] first = new long[(int) pairs];
            long[] second = new long[(int) pairs];
            int k = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    first[k] = i;
                    second[k++] = j;
                }
            }
            ti = longs(first, input.device);
            tj = longs(second, input.device);
        }
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            if (pairs == 0 || m == 0) {
                out = Creation.zeros(new int[] {(int) pairs}, input.dtype, input.device);
            } else {
                Tensor x = ReductionOps.opmath(input);
                Tensor diff = x.indexSelect(0, ti).sub(x.indexSelect(0, tj));
                // p = 0 as the kernel's zdist_calc (NaN stays NaN), else the vector norm of each difference
                Tensor d = p == 0 ? DistanceOps.zeroNormTerms(diff).sum(new int[] {1}, false)
                        : diff.vectorNorm(p, new int[] {1}, false);
                out = ReductionOps.narrowedBack(d, input.dtype);
            }
        }
        Tensor result = out;
        return ArithmeticOps.record(out, "PdistBackward0", new Tensor[] {input}, node -> {
            SavedTensor sx = node.save(input);
            SavedTensor sr = node.save(result);
            return g -> {
                Tensor gx;
                Tensor x = sx.get();
                try (GradMode off = Ember.noGrad()) {
                    gx = pdistBackward(g, x, p, sr.get(), ti, tj);
                }
                return new Tensor[] {ArithmeticOps.record(gx, "PdistBackwardBackward0", new Tensor[] {g, x},
                        nd -> gg -> {
                            throw new IllegalStateException("the derivative for '_pdist_backward' is not implemented.");
                        })};
            };
        });
    }

    /**
     * PyTorch's {@code _pdist_backward} kernel: for each pair the gradient times {@code d dist / d (x_i - x_j)} (0 for
     * p = 0; sign(diff) for p = 1; {@code sign(diff) |diff|^(p-1) / dist^(p-1)} for p below 2, 0 where diff is 0 and p
     * is below 1; {@code diff / dist} for 2; {@code diff |diff|^(p-2) / dist^(p-1)} above; {@code sign(diff)} where
     * {@code |diff|} is the distance for infinity; 0 where the distance is 0), added to row i and taken from row j.
     */
    private static Tensor pdistBackward(Tensor g, Tensor input, double p, Tensor dist, Tensor ti, Tensor tj) {
        int n = input.shape[0];
        int m = input.shape[1];
        if (ti.numel() == 0 || m == 0 || p == 0) {
            return Creation.zeros(input.shape, input.dtype, input.device);
        }
        Tensor x = ReductionOps.opmath(input);
        Tensor d = ReductionOps.opmath(dist).unsqueeze(1);
        Tensor gg = ReductionOps.opmath(g).unsqueeze(1);
        Tensor diff = x.indexSelect(0, ti).sub(x.indexSelect(0, tj));
        Tensor ad = diff.abs();
        Tensor f;
        if (p == 1) {
            f = DistanceOps.kernelSign(diff);
        } else if (p < 2) {
            f = DistanceOps.kernelSign(diff).mul(ad.pow(p - 1)).div(d.pow(p - 1));
            if (p < 1) {
                f = Tensor.where(diff.ne(0.0), f, 0.0);
            }
        } else if (p == 2) {
            f = diff.div(d);
        } else if (Double.isInfinite(p)) {
            f = DistanceOps.kernelSign(diff).mul(ad.eq(d).to(x.dtype));
        } else {
            f = diff.mul(ad.pow(p - 2)).div(d.pow(p - 1));
        }
        f = Tensor.where(d.ne(0.0), f, 0.0).mul(gg);
        Tensor gx = Creation.zeros(new int[] {n, m}, x.dtype, x.device).indexAdd(0, ti, f).indexAdd(0, tj, f.neg());
        return ReductionOps.narrowedBack(gx, input.dtype);
    }

    // ------------------------------------------------------------------ gumbel_softmax

    /**
     * {@code F.gumbel_softmax(logits, tau, hard, dim=dim)} as functional.py composes it: gumbel noise
     * {@code -empty_like(logits).exponential_().log()} drawn from the default generator, then
     * {@link #gumbelSoftmax(Tensor, Tensor, double, boolean, int)}.
     */
    public static Tensor gumbelSoftmax(Tensor logits, double tau, boolean hard, int dim) {
        Args.require(logits, "gumbel_softmax", "logits", 1, "Tensor");
        Tensor gumbels;
        try (GradMode off = Ember.noGrad()) {
            gumbels = Creation.empty(logits.shape, logits.dtype, logits.device).exponential_(1.0).log().neg();
        }
        return gumbelSoftmax(logits, gumbels, tau, hard, dim);
    }

    /**
     * gumbel_softmax with the gumbel noise given (for deterministic tests): {@code softmax((logits + gumbels) / tau,
     * dim)} (AddBackward0, DivBackward0, SoftmaxBackward0); with {@code hard}, the straight-through one-hot
     * {@code y_hard - y_soft.detach() + y_soft} (AddBackward0), {@code y_hard} the argmax of each slice scattered into
     * zeros.
     */
    static Tensor gumbelSoftmax(Tensor logits, Tensor gumbels, double tau, boolean hard, int dim) {
        Tensor ySoft = logits.add(gumbels).div(tau).softmax(dim);
        if (!hard) {
            return ySoft;
        }
        Tensor index = ySoft.max(dim, true).indices();
        Tensor yHard = Creation.zeros(logits.shape, logits.dtype, logits.device).scatter_(dim, index, 1.0);
        return yHard.sub(ySoft.detach()).add(ySoft);
    }

    // ------------------------------------------------------------------ triplet_margin_with_distance_loss

    /**
     * {@code F.triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=, margin=, swap=,
     * reduction=)} as PyTorch 2.x's functional.py composes it: {@code clamp_min(margin + d(a, p) - d(a, n), 0)}
     * (with {@code swap}, {@code d(a, n)} is {@code minimum(d(a, n), d(p, n))}), reduced; {@code distanceFunction} null
     * means {@code torch.pairwise_distance}.
     */
    public static Tensor tripletMarginWithDistanceLoss(Tensor anchor, Tensor positive, Tensor negative,
                                                       BinaryOperator<Tensor> distanceFunction, double margin, boolean swap,
                                                       String reduction) {
        Args.require(anchor, "triplet_margin_with_distance_loss", "anchor", 1, "Tensor");
        Args.require(positive, "triplet_margin_with_distance_loss", "positive", 2, "Tensor");
        Args.require(negative, "triplet_margin_with_distance_loss", "negative", 3, "Tensor");
        if (!"mean".equals(reduction) && !"sum".equals(reduction) && !"none".equals(reduction)) {
            throw new IllegalArgumentException(reduction + " is not a valid value for reduction");
        }
        if (margin <= 0) { // Python's test: a NaN margin passes
            throw new IllegalArgumentException("margin must be greater than 0, got " + Format.repr(margin));
        }
        int a = anchor.dim();
        int p = positive.dim();
        int n = negative.dim();
        if (a != p || p != n) {
            throw new IllegalArgumentException("The anchor, positive, and negative tensors are expected to have the same "
                    + "number of dimensions, but got: anchor " + a + "D, positive " + p + "D, and negative " + n + "D inputs");
        }
        BinaryOperator<Tensor> distance = distanceFunction != null ? distanceFunction
                : (x, y) -> Tensor.pairwiseDistance(x, y, 2.0, 1e-6, false);
        Tensor distPos = distance.apply(anchor, positive);
        Tensor distNeg = distance.apply(anchor, negative);
        if (swap) {
            Tensor distSwap = distance.apply(positive, negative);
            distNeg = distNeg.minimum(distSwap);
        }
        Tensor loss = distPos.add(margin).sub(distNeg).clampMin(0L);
        switch (reduction) {
            case "sum":
                return loss.sum();
            case "mean":
                return loss.mean();
            default:
                return loss;
        }
    }

    // ------------------------------------------------------------------ fractional max pooling

    /**
     * PyTorch's {@code generate_intervals}: the window starts along one dimension, computed in the input's floating
     * type ({@code float} arithmetic for float32 and narrower, as the kernel's {@code scalar_t}).
     */
    static int[] intervals(double sample, int inputSize, int outputSize, int poolSize, boolean single) {
        int[] seq = new int[Math.max(outputSize, 0)];
        if (outputSize > 1) {
            if (single) {
                float s = (float) sample;
                float alpha = (float) (inputSize - poolSize) / (float) (outputSize - 1);
                for (int i = 0; i < outputSize - 1; i++) {
                    seq[i] = (int) ((i + s) * alpha) - (int) (s * alpha);
                }
            } else {
                double alpha = (double) (inputSize - poolSize) / (double) (outputSize - 1);
                for (int i = 0; i < outputSize - 1; i++) {
                    seq[i] = (int) ((i + sample) * alpha) - (int) (sample * alpha);
                }
            }
        }
        if (outputSize > 0) {
            seq[outputSize - 1] = inputSize - poolSize;
        }
        return seq;
    }

    /**
     * {@code torch._C._nn.fractional_max_pool2d(input, kernel_size, output_size, random_samples)}: a 3-D or 4-D
     * floating input's maxima over PyTorch's pseudo-random windows ({@code random_samples [N, C, 2]}, in the input's
     * type: per plane, the sample for the width then for the height) and their flat indices {@code h * W + w}. One
     * node, FractionalMaxPool2DBackward0.
     */
    public static Tensor.ValuesIndices fractionalMaxPool2d(Tensor input, int[] kernel, int[] outputSize,
                                                           Tensor randomSamples) {
        return fractionalMaxPool(input, kernel, outputSize, randomSamples, 2);
    }

    /**
     * {@code torch._C._nn.fractional_max_pool3d(input, kernel_size, output_size, random_samples)}: a 4-D or 5-D
     * floating input's maxima over PyTorch's pseudo-random windows ({@code random_samples [N, C, 3]}: per plane, the
     * samples for time, height and width) and their flat indices {@code (t * H + h) * W + w}. One node,
     * FractionalMaxPool3DBackward0.
     */
    public static Tensor.ValuesIndices fractionalMaxPool3d(Tensor input, int[] kernel, int[] outputSize,
                                                           Tensor randomSamples) {
        return fractionalMaxPool(input, kernel, outputSize, randomSamples, 3);
    }

    private static Tensor.ValuesIndices fractionalMaxPool(Tensor input, int[] kernel, int[] outputSize, Tensor randomSamples,
                                                          int nd) {
        String op = "fractional_max_pool" + nd + "d";
        if (Autocast.on()) {
            return Autocast.apply(op, t -> fractionalMaxPool(t[0], kernel, outputSize, t[1], nd), input, randomSamples);
        }
        Args.require(input, op, "input", 1, "Tensor");
        Args.require(kernel, op, "kernel_size", 2, "tuple of ints");
        Args.require(outputSize, op, "output_size", 3, "tuple of ints");
        Args.require(randomSamples, op, "random_samples", 4, "Tensor");
        // the autograd wrapper's check_no_requires_grad, before the op's own checks
        if (randomSamples.requiresGrad()) {
            throw new IllegalArgumentException("The function '" + op + "' is not differentiable with respect to argument "
                    + "'random_samples'. This input cannot have requires_grad True.");
        }
        String[] names = nd == 2 ? new String[] {"height", "width"} : new String[] {"time", "height", "width"};
        if (nd == 2) {
            if (kernel.length != 2) {
                throw new IllegalArgumentException(op + ": kernel_size must either be a single Int or tuple of Ints");
            }
            if (outputSize.length != 2) {
                throw new IllegalArgumentException(op + ": output_size must either be a single Int or tuple of Ints");
            }
            if (input.dim() != 3 && input.dim() != 4) {
                throw new IllegalArgumentException(op + "(): Expected 3D or 4D tensor, but got: " + Arrays.toString(input.shape));
            }
            for (int i = 1; i < input.dim(); i++) {
                if (input.shape[i] <= 0) {
                    throw new IllegalArgumentException(op + "(): Expected input to have non-zero size for non-batch "
                            + "dimensions, but got" + Arrays.toString(input.shape) + " with dimension " + i + " being empty.");
                }
            }
            for (int d = 0; d < 2; d++) {
                long in = input.shape[input.dim() - 2 + d];
                if ((long) outputSize[d] + kernel[d] - 1 > in) {
                    throw new IllegalArgumentException(op + "(): pool " + names[d] + " " + kernel[d]
                            + " too large relative to input " + names[d] + " " + in);
                }
            }
        } else {
            if (kernel.length != 3) {
                throw new IllegalArgumentException(op + ": kernel_size must either be a single Int or tuple of three Ints");
            }
            if (outputSize.length != 3) {
                throw new IllegalArgumentException(op + ": output_size must either be a single Int or tuple of three Ints");
            }
            if (input.dim() != 4 && input.dim() != 5) {
                throw new IllegalArgumentException("fractional_max_pool3d_out(): Expected 4D or 5D tensor, but got: "
                        + Arrays.toString(input.shape));
            }
            for (int i = 1; i < input.dim(); i++) {
                if (input.shape[i] <= 0) {
                    throw new IllegalArgumentException("fractional_max_pool3d_out(): Expected input to have non-zero size for "
                            + "non-batch dimensions, but got" + Arrays.toString(input.shape) + " with dimension " + i
                            + " being empty.");
                }
            }
            // PyTorch checks time, then width, then height
            for (int d : new int[] {0, 2, 1}) {
                long in = input.shape[input.dim() - 3 + d];
                if ((long) outputSize[d] + kernel[d] - 1 >= in) {
                    throw new IllegalArgumentException("fractional_max_pool3d_out(): pool " + names[d] + " " + kernel[d]
                            + " too large relative to input " + names[d] + " " + in);
                }
            }
        }
        // fractional_max_pool_check_shape
        if (input.dtype != randomSamples.dtype) {
            throw new IllegalArgumentException("Expect _random_samples to have the same dtype as input");
        }
        if (randomSamples.dim() != 3) {
            throw new IllegalArgumentException("Expect _random_samples to have 3 dimensions, got " + randomSamples.dim());
        }
        boolean batched = input.dim() == nd + 2;
        int batch = batched ? input.shape[0] : 1;
        int planes = input.shape[batched ? 1 : 0];
        if (randomSamples.shape[0] < batch) {
            throw new IllegalArgumentException("Expect _random_samples.size(0) no less then input batch size.");
        }
        if (randomSamples.shape[1] != planes) {
            throw new IllegalArgumentException("Expect _random_samples.size(1) equals to input channel size.");
        }
        if (randomSamples.shape[2] != nd) {
            throw new IllegalArgumentException("Expect _random_samples.size(2) equals to " + nd + "; got "
                    + randomSamples.shape[2] + ".");
        }
        ArithmeticOps.checkSameDevice(input, randomSamples);
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented(op + "_out_frame", input.dtype);
        }
        for (int d = 0; d < nd; d++) {
            if (outputSize[d] < 0) {
                int[] shape = withLast(input.shape, outputSize);
                throw new IllegalArgumentException("Trying to create tensor with negative dimension " + outputSize[d] + ": "
                        + Arrays.toString(shape));
            }
        }
        for (int d = 0; d < nd; d++) {
            if (kernel[d] <= 0) {
                // PyTorch has no such check (its windows then read outside the input or nothing); Ember refuses
                throw new IllegalArgumentException(op + "(): kernel_size must be greater than zero, but got "
                        + Arrays.toString(kernel));
            }
        }
        int[] in = Arrays.copyOfRange(input.shape, input.dim() - nd, input.dim());
        int[] outShape = withLast(input.shape, outputSize);
        long count = 1;
        long taps = 1;
        long plane = 1;
        for (int d = 0; d < nd; d++) {
            count *= outputSize[d];
            taps *= kernel[d];
            plane *= in[d];
        }
        String node = "FractionalMaxPool" + nd + "DBackward0";
        if (input.numel() == 0 || count == 0 || input.device.isMeta()) { // meta: the shapes only, no window read
            Tensor values = Creation.empty(outShape, input.dtype, input.device);
            Tensor indices = Creation.empty(outShape, DType.INT64, input.device);
            int[] inShape = input.shape;
            ArithmeticOps.record(values, node, new Tensor[] {input},
                    n -> g -> new Tensor[] {Creation.zeros(inShape, g.dtype, g.device)});
            return new Tensor.ValuesIndices(values, indices);
        }
        if (count * taps * batch * planes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + "'s window table would have " + count * taps * batch * planes
                    + " entries; Ember's dimensions are at most " + Integer.MAX_VALUE);
        }
        // one window table per plane of each batch, from that plane's samples
        double[] samples = randomSamples.narrow(0, 0, batch).contiguous().toDoubleArray();
        boolean single = input.dtype != DType.FLOAT64;
        int k = (int) taps;
        int cnt = (int) count;
        long[] pos = new long[batch * planes * cnt * k];
        int w = 0;
        for (int bp = 0; bp < batch * planes; bp++) {
            int[][] seq = new int[nd][];
            for (int d = 0; d < nd; d++) {
                // 2-D: sample 0 is the width's, 1 the height's; 3-D: time, height, width
                int sampleIndex = nd == 2 ? 1 - d : d;
                seq[d] = intervals(samples[bp * nd + sampleIndex], in[d], outputSize[d], kernel[d], single);
            }
            if (nd == 2) {
                for (int oh = 0; oh < outputSize[0]; oh++) {
                    for (int ow = 0; ow < outputSize[1]; ow++) {
                        for (int i = 0; i < kernel[0]; i++) {
                            for (int j = 0; j < kernel[1]; j++) {
                                pos[w++] = (long) (seq[0][oh] + i) * in[1] + seq[1][ow] + j;
                            }
                        }
                    }
                }
            } else {
                for (int ot = 0; ot < outputSize[0]; ot++) {
                    for (int oh = 0; oh < outputSize[1]; oh++) {
                        for (int ow = 0; ow < outputSize[2]; ow++) {
                            for (int i = 0; i < kernel[0]; i++) {
                                for (int j = 0; j < kernel[1]; j++) {
                                    for (int l = 0; l < kernel[2]; l++) {
                                        pos[w++] = ((long) (seq[0][ot] + i) * in[1] + seq[1][oh] + j) * in[2] + seq[2][ow] + l;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        Tensor values;
        Tensor indices;
        try (GradMode off = Ember.noGrad()) {
            Tensor x = input.reshape(batch, planes, (int) plane);
            Tensor table = Creation.fromFlat(pos, new int[] {batch, planes, cnt * k}, DType.INT64, input.device);
            Tensor gathered = x.gather(2, table).reshape(batch, planes, cnt, k);
            Tensor.ValuesIndices mx = gathered.max(3, true);
            Tensor at = mx.indices();
            Tensor nan = gathered.isnan();
            if (!input.device.isMeta() && !nan.logicalNot().all()) { // a meta tensor has no NaN to look for
                // PyTorch's kernel takes a NaN whenever it meets one ((val > max) || isnan(val)): the window's last NaN
                Tensor order = Tensor.arange(k).to(input.device).add(1L);
                Tensor lastNan = nan.to(DType.INT64).mul(order).argmax(3, true);
                at = Tensor.where(mx.values().isnan(), lastNan, at);
            }
            values = mx.values().reshape(outShape);
            indices = table.reshape(batch, planes, cnt, k).gather(3, at).reshape(outShape);
        }
        int[] inShape = input.shape;
        Tensor idx = indices;
        int planeSize = (int) plane;
        ArithmeticOps.record(values, node, new Tensor[] {input}, n -> {
            SavedTensor si = n.save(idx);
            return g -> {
                // PyTorch's fractional_max_pool backward: the gradient added at the indices (its own gradient, the
                // gather of max_pool_double_backward, comes from scatter_add's)
                Tensor ind = si.get();
                Tensor zeros = Creation.zeros(new int[] {batch, planes, planeSize}, g.dtype, g.device);
                return new Tensor[] {zeros.scatterAdd(2, ind.reshape(batch, planes, cnt), g.reshape(batch, planes, cnt))
                        .reshape(inShape)};
            };
        });
        return new Tensor.ValuesIndices(values, indices);
    }
}
