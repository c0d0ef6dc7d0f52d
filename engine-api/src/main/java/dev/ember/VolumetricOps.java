package dev.ember;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Volumetric (3-D) convolution and pooling, as PyTorch's {@code conv3d}, {@code max_pool3d_with_indices},
 * {@code avg_pool3d}, {@code adaptive_avg_pool3d} and {@code adaptive_max_pool3d}. No backend has a kernel of its
 * own for them: each forward is composed of existing tensor ops under no_grad (the convolution as a sum over the
 * kernel's depth taps of 2-D convolutions of depth-strided slices folded into the batch; the poolings as gathers of
 * each window's positions, or, for adaptive averages, products with per-dimension averaging matrices), so they run on
 * every backend, and each records PyTorch's one node, whose backward is again written in differentiable tensor ops,
 * so that double backward works. Arguments are checked in PyTorch's order and words before anything is computed;
 * sizes are computed in {@code long}.
 */
final class VolumetricOps {
    private VolumetricOps() {
    }

    private static int toInt(long size, String what) {
        if (size > Integer.MAX_VALUE || size < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(what + " would have size " + size + "; Ember's dimensions are at most "
                    + Integer.MAX_VALUE);
        }
        return (int) size;
    }

    private static int[] prepend(int first, int[] shape) {
        int[] s = new int[shape.length + 1];
        s[0] = first;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }

    /** {@code v} (one value or three) as three values. */
    private static int[] triple(int[] v) {
        return v.length == 1 ? new int[] {v[0], v[0], v[0]} : v.clone();
    }

    private static void expandedLength(int[] v, String name) {
        if (v.length != 3 && v.length != 1) {
            throw new IllegalArgumentException("expected " + name + " to be a single integer value or a list of 3 values to "
                    + "match the convolution dimensions, but got " + name + "=" + Arrays.toString(v));
        }
    }

    private static Tensor longs(long[] v, int[] shape, Device device) {
        return Creation.fromFlat(v, shape, DType.INT64, device);
    }

    // ------------------------------------------------------------------ convolution

    /**
     * PyTorch's {@code conv3d}: a 4-D (unbatched) or 5-D input convolved with a 5-D weight {@code [O, C / groups, kd,
     * kh, kw]}, plus {@code bias} ({@code [O]}, may be null); one node, ConvolutionBackward0 (an unbatched input adds
     * PyTorch's unsqueeze and squeeze). Checks of 2.x's _convolution and check_shape_forward, in their order and words.
     */
    static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        if (Autocast.on()) return Autocast.apply("conv3d",
                t -> conv3d(t[0], t[1], t[2], stride, padding, dilation, groups), input, weight, bias);
        String fn = "conv3d";
        NNOps.requireTensor(input, fn, "input", 1);
        NNOps.requireTensor(weight, fn, "weight", 2);
        NNOps.requireInts(stride, fn, "stride", 4);
        NNOps.requireInts(padding, fn, "padding", 5);
        NNOps.requireInts(dilation, fn, "dilation", 6);
        ArithmeticOps.checkSameDevice(input, weight, bias);
        if (bias != null && bias.dtype != input.dtype) {
            throw new IllegalArgumentException("Input type (" + NNOps.cTypeName(input.dtype) + ") and bias type ("
                    + NNOps.cTypeName(bias.dtype) + ") should be the same");
        }
        if (input.dim() != 4 && input.dim() != 5) {
            throw new IllegalArgumentException("Expected 4D (unbatched) or 5D (batched) input to conv3d, but got input of size: "
                    + Shapes.str(input.shape));
        }
        if (weight.dim() < 3) {
            throw new IllegalArgumentException("weight should have at least three dimensions");
        }
        if (groups <= 0) {
            throw new IllegalArgumentException("non-positive groups is not supported");
        }
        int spatial = weight.dim() - 2;
        // torch.conv3d's int[3] arguments: one int is three before any check (so a 4-D weight meets three values)
        for (Object[] a : new Object[][] {{triple(stride), "stride"}, {triple(padding), "padding"},
            {triple(dilation), "dilation"}}) {
            int[] v = (int[]) a[0];
            if (v.length != spatial && v.length != 1) {
                throw new IllegalArgumentException("expected " + a[1] + " to be a single integer value or a list of " + spatial
                        + " values to match the convolution dimensions, but got " + a[1] + "=" + Arrays.toString(v));
            }
        }
        boolean batched = input.dim() == 5;
        int[] xs = batched ? input.shape : prepend(1, input.shape);
        int[] ws = weight.shape;
        int k = weight.dim();
        int[] s = triple(stride);
        int[] pad = triple(padding);
        int[] dil = triple(dilation);
        int[] out = NNOps.checkConvShapes("conv3d", xs, ws, bias, s, pad, dil, groups);
        if (input.dtype != weight.dtype) {
            throw new IllegalArgumentException("Input type (" + input.typeName() + ") and weight type (" + weight.typeName()
                    + ") should be the same");
        }
        if (input.dtype.isComplex()) {
            return ComplexMath.convolution(input, weight, bias, (x, w, b) -> conv3d(x, w, b, stride, padding, dilation, groups));
        }
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("slow_conv3d_cpu", input.dtype);
        }
        if (ws[2] <= 0 || ws[3] <= 0 || ws[4] <= 0) {
            // slow_conv3d_shape_check
            throw new IllegalArgumentException("kernel size should be greater than zero, but got: " + ws[2] + " x " + ws[3]
                    + " x " + ws[4] + " (TxHxW)");
        }
        boolean empty = xs[0] == 0 || xs[1] == 0;
        if (!empty && Arrays.stream(xs).anyMatch(v -> v == 0)) {
            throw new IllegalArgumentException("Only zero batch or zero channel inputs are supported, but got input shape: "
                    + Shapes.str(xs));
        }
        // zero input channels give zero output channels (PyTorch's ConvBackend::Empty), as conv2d
        int[] outShape = {xs[0], xs[1] == 0 ? 0 : ws[0], out[0], out[1], out[2]};
        toInt((long) xs[0] * out[0], "conv3d's folded batch");
        Tensor x = batched ? input : input.unsqueeze(0);
        Tensor y = empty ? emptyConvolution(x, weight, bias, outShape) : convolution(x, weight, bias, outShape, s, pad, dil, groups);
        return batched ? y : y.squeeze(0);
    }

    /** The convolution over an empty batch or zero input channels: as NNOps' (the bias, or zeros), one node. */
    private static Tensor emptyConvolution(Tensor input, Tensor weight, Tensor bias, int[] outShape) {
        Tensor out = Creation.zeros(outShape, input.dtype, input.device);
        boolean biasReachesOut = bias != null && outShape[1] == bias.numel();
        if (biasReachesOut) {
            try (GradMode off = Ember.noGrad()) {
                out.add_(bias.reshape(1, outShape[1], 1, 1, 1));
            }
        }
        int[] inShape = input.shape;
        int[] wShape = weight.shape;
        int[] bShape = bias == null ? null : bias.shape;
        return ArithmeticOps.record(out, "ConvolutionBackward0", new Tensor[] {input, weight, bias}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? Creation.zeros(inShape, g.dtype, g.device) : null,
            n.needsInputGrad(1) ? Creation.zeros(wShape, g.dtype, g.device) : null,
            !n.needsInputGrad(2) ? null
                    : biasReachesOut ? g.sum(new int[] {0, 2, 3, 4}, false) : Creation.zeros(bShape, g.dtype, g.device)});
    }

    /**
     * The 5-D input's depth taps: for tap {@code t}, the slices at depths {@code t * dilation + j * stride} (j below the
     * output depth) of the depth-padded input, folded into the batch, {@code [N * outD, C, H, W]}.
     */
    private static Tensor depthSlab(Tensor xp, int t, int od, int[] s, int[] dil) {
        int n = xp.shape[0];
        int c = xp.shape[1];
        int start = t * dil[0];
        Tensor slab = xp.slice(2, start, start + (od - 1) * s[0] + 1, s[0]);
        return slab.permute(0, 2, 1, 3, 4).reshape(n * od, c, xp.shape[3], xp.shape[4]);
    }

    /** The forward composition, differentiable: the sum over depth taps of 2-D convolutions, then the bias. */
    private static Tensor forwardComposition(Tensor x, Tensor w, Tensor bias, int[] outShape, int[] s, int[] pad, int[] dil,
                                             int groups) {
        int n = x.shape[0];
        int od = outShape[2];
        Tensor xp = pad[0] > 0 ? x.padNd(new int[] {0, 0, 0, 0, pad[0], pad[0]}) : x;
        int[] s2 = {s[1], s[2]};
        int[] p2 = {pad[1], pad[2]};
        int[] d2 = {dil[1], dil[2]};
        Tensor sum = null;
        for (int t = 0; t < w.shape[2]; t++) {
            Tensor y2 = NNOps.conv2d(depthSlab(xp, t, od, s, dil), w.select(2, t), null, s2, p2, d2, groups);
            if (y2.shape[2] != outShape[3] || y2.shape[3] != outShape[4]) {
                // conv_transpose3d's input gradient: an output padding past the stride adds rows the input never had
                y2 = y2.narrow(2, 0, outShape[3]).narrow(3, 0, outShape[4]);
            }
            sum = sum == null ? y2 : sum.add(y2);
        }
        Tensor y = sum.reshape(n, od, outShape[1], outShape[3], outShape[4]).permute(0, 2, 1, 3, 4);
        if (bias != null) {
            y = y.add(bias.reshape(1, outShape[1], 1, 1, 1));
        }
        return y.contiguous();
    }

    private static Tensor convolution(Tensor input, Tensor weight, Tensor bias, int[] outShape, int[] s, int[] pad, int[] dil,
                                      int groups) {
        Tensor out;
        DType t = input.dtype;
        try (GradMode off = Ember.noGrad()) {
            // float16 and bfloat16 accumulate in float32 and round once
            out = ReductionOps.narrowedBack(forwardComposition(ReductionOps.opmath(input), ReductionOps.opmath(weight),
                    bias == null ? null : ReductionOps.opmath(bias), outShape, s, pad, dil, groups), t);
        }
        int[] inShape = input.shape;
        int[] wShape = weight.shape;
        return ArithmeticOps.record(out, "ConvolutionBackward0", new Tensor[] {input, weight, bias}, n -> {
            // the input itself and the weight itself, both, as PyTorch's node saves them: a backward recording its
            // graph is convolution_backward over (grad, input, weight) (NNOps.convolutionBackwardRecorded)
            SavedTensor sx = n.save(input);
            SavedTensor sw = n.save(weight);
            return g -> {
                // asked when the backward runs: a pass may need only some of the gradients (PyTorch's output_mask)
                boolean[] needed = {n.needsInputGrad(0), n.needsInputGrad(1), n.needsInputGrad(2)};
                java.util.function.Function<Tensor[], Tensor[]> grads = tt -> {
                    Tensor[] d = gradients(needed[1] ? ReductionOps.opmath(tt[1]) : null,
                            needed[0] ? ReductionOps.opmath(tt[2]) : null, ReductionOps.opmath(tt[0]), inShape, wShape, s, pad,
                            dil, groups);
                    return new Tensor[] {d[0] == null ? null : ReductionOps.narrowedBack(d[0], t),
                        d[1] == null ? null : ReductionOps.narrowedBack(d[1], t),
                        needed[2] ? tt[0].sum(new int[] {0, 2, 3, 4}, false) : null};
                };
                Tensor[] saved = {g, sx.get(), sw.get()};
                return GradMode.gradMode() ? NNOps.convolutionBackwardRecorded(g, saved[1], saved[2], grads)
                        : grads.apply(saved);
            };
        });
    }

    /**
     * The input gradient (when {@code w} is given) and the weight gradient (when {@code x} is given) of the
     * convolution, in differentiable ops: per depth tap, the 2-D convolution's input gradient (a transposed
     * convolution) spread back to the tap's depths, and its weight gradient (a convolution with the folded batch as the
     * channels, per group).
     */
    private static Tensor[] gradients(Tensor x, Tensor w, Tensor g, int[] xShape, int[] wShape, int[] s, int[] pad,
                                      int[] dil, int groups) {
        int n = xShape[0];
        int c = xShape[1];
        int depth = xShape[2];
        int h = xShape[3];
        int wd = xShape[4];
        int o = g.shape[1];
        int od = g.shape[2];
        int oh = g.shape[3];
        int ow = g.shape[4];
        int kd = wShape[2];
        int[] s2 = {s[1], s[2]};
        int[] p2 = {pad[1], pad[2]};
        int[] d2 = {dil[1], dil[2]};
        Tensor g2 = g.permute(0, 2, 1, 3, 4).reshape(n * od, o, oh, ow);
        Tensor gx = null;
        Tensor gw = null;
        int paddedDepth = depth + 2 * pad[0];
        int span = (od - 1) * s[0] + 1;
        if (w != null) {
            int[] outPad = new int[2];
            for (int i = 0; i < 2; i++) {
                int in = xShape[3 + i];
                int outSize = g.shape[3 + i];
                outPad[i] = in - ((outSize - 1) * s2[i] - 2 * p2[i] + d2[i] * (wShape[3 + i] - 1) + 1);
            }
            for (int t = 0; t < kd; t++) {
                Tensor gt = NNOps.convTranspose2d(g2, w.select(2, t), null, s2, p2, outPad, groups, d2)
                        .reshape(n, od, c, h, wd).permute(0, 2, 1, 3, 4); // [N, C, outD, H, W]
                if (s[0] > 1) {
                    // depths j * stride: each slice followed by stride - 1 zero slices, the last ones cut
                    gt = gt.unsqueeze(3).padNd(new int[] {0, 0, 0, 0, 0, s[0] - 1}).reshape(n, c, od * s[0], h, wd)
                            .narrow(2, 0, span);
                }
                int start = t * dil[0];
                Tensor placed = gt.padNd(new int[] {0, 0, 0, 0, start, paddedDepth - start - span});
                gx = gx == null ? placed : gx.add(placed);
            }
            if (pad[0] > 0) {
                gx = gx.narrow(2, pad[0], depth);
            }
        }
        if (x != null) {
            Tensor xp = pad[0] > 0 ? x.padNd(new int[] {0, 0, 0, 0, pad[0], pad[0]}) : x;
            int inGroup = c / groups;
            int outGroup = o / groups;
            List<Tensor> taps = new ArrayList<>(kd);
            for (int t = 0; t < kd; t++) {
                Tensor slab = depthSlab(xp, t, od, s, dil);
                List<Tensor> parts = new ArrayList<>(groups);
                for (int gi = 0; gi < groups; gi++) {
                    Tensor a = slab.narrow(1, gi * inGroup, inGroup).transpose(0, 1);
                    Tensor b = g2.narrow(1, gi * outGroup, outGroup).transpose(0, 1);
                    Tensor r = NNOps.conv2d(a, b, null, d2, p2, s2, 1).narrow(2, 0, wShape[3]).narrow(3, 0, wShape[4]);
                    parts.add(r.transpose(0, 1));
                }
                taps.add(groups == 1 ? parts.get(0) : Tensor.cat(parts, 0));
            }
            gw = Tensor.stack(taps, 2);
        }
        return new Tensor[] {gx, gw};
    }

    /**
     * PyTorch's {@code conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)}: the
     * gradient of a 3-D convolution with respect to its input, as a layer, weight {@code [in, out / groups, kd, kh,
     * kw]}; one node, ConvolutionBackward0, whose input gradient is the convolution and whose weight gradient is the
     * convolution's weight gradient with the input and the output gradient in each other's places. The output size is
     * {@code (D - 1) stride - 2 padding + dilation (kd - 1) + output_padding + 1} per dimension. Checks in 2.x's order
     * and words (_convolution's check_shape_forward, then slow_conv_transpose3d's shape check).
     */
    static Tensor convTranspose3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding,
                                  int groups, int[] dilation) {
        if (Autocast.on()) return Autocast.apply("conv_transpose3d",
                t -> convTranspose3d(t[0], t[1], t[2], stride, padding, outputPadding, groups, dilation), input, weight, bias);
        NNOps.TransposeArgs a = NNOps.transposeArgs("conv_transpose3d", 3, input, weight, bias, stride, padding,
                outputPadding, groups, dilation, VolumetricOps::triple);
        boolean batched = a.batched();
        int[] xs = a.xs();
        int[] ws = a.ws();
        int[] s = a.stride();
        int[] pad = a.padding();
        int[] dil = a.dilation();
        int[] op3 = a.outputPadding();
        long outChannels = a.outChannels();
        boolean empty = a.empty();
        if (!empty && (xs[2] == 0 || xs[3] == 0 || xs[4] == 0)) {
            throw new IllegalArgumentException("Only zero batch or zero channel inputs are supported, but got input shape: "
                    + Shapes.str(xs));
        }
        // slow_conv_transpose3d_shape_check
        if (dil[0] <= 0 || dil[1] <= 0 || dil[2] <= 0) {
            throw new IllegalArgumentException("dilation should be greater than zero, but got dilation_depth: " + dil[0]
                    + ", dilation_height: " + dil[1] + ", dilation_width: " + dil[2]);
        }
        for (int i = 0; i < 3; i++) {
            if (!(op3[i] < s[i] || op3[i] < dil[i])) {
                throw new IllegalArgumentException("output padding must be smaller than either stride or dilation, but got "
                        + "output_padding_depth: " + op3[0] + " output_padding_height: " + op3[1] + " output_padding_width: "
                        + op3[2] + " stride_depth: " + s[0] + " stride_height: " + s[1] + " stride_width: " + s[2]
                        + " dilation_depth: " + dil[0] + " dilation_height: " + dil[1] + " dilation_width: " + dil[2]);
            }
        }
        if (ws[2] <= 0 || ws[3] <= 0 || ws[4] <= 0) {
            // the slow kernel runs per group, on the group's slice of the weight
            int[] perGroup = ws.clone();
            perGroup[0] = ws[0] / groups;
            throw new IllegalArgumentException("non-empty 5D (n_output_plane x n_input_plane x kernel_depth x kernel_height x "
                    + "kernel_width) tensor expected for weight, but got: " + Shapes.str(perGroup));
        }
        long[] out = new long[3];
        for (int i = 0; i < 3; i++) {
            out[i] = (xs[2 + i] - 1L) * s[i] - 2L * pad[i] + ((long) dil[i] * (ws[2 + i] - 1) + 1) + op3[i];
        }
        if (empty) {
            NNOps.emptyTransposedShape(xs[0], outChannels, out[0], out[1], out[2]);
        } else if (out[0] < 1 || out[1] < 1 || out[2] < 1) {
            throw new IllegalArgumentException("Given input size per channel: (" + xs[2] + " x " + xs[3] + " x " + xs[4]
                    + "). Calculated output size per channel: (" + out[0] + " x " + out[1] + " x " + out[2]
                    + "). Output size is too small");
        }
        if (input.dtype == DType.INT64) {
            // PyTorch's CPU kernel computes int64: exactly here too while the sums stay within 2^53
            return NNOps.exactInt64Transposed("conv_transpose3d", input, weight, bias, 3,
                    (x, w) -> convTranspose3d(x, w, null, stride, padding, outputPadding, groups, dilation));
        }
        if (input.dtype.isComplex()) {
            return ComplexMath.convolution(input, weight, bias, (x, w, b) -> convTranspose3d(x, w, b, stride, padding, outputPadding, groups, dilation));
        }
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("slow_conv_transpose3d_out_cpu", input.dtype);
        }
        int[] outShape = {xs[0], toInt(outChannels, "conv_transpose3d's output channels"),
            toInt(out[0], "conv_transpose3d's output"), toInt(out[1], "conv_transpose3d's output"),
            toInt(out[2], "conv_transpose3d's output")};
        toInt((long) xs[0] * xs[2], "conv_transpose3d's folded batch");
        Tensor x = batched ? input : input.unsqueeze(0);
        Tensor y = empty ? emptyConvolution(x, weight, bias, outShape) : transposedConvolution(x, weight, bias, outShape, s, pad,
                dil, groups);
        return batched ? y : y.squeeze(0);
    }

    /**
     * The transposed convolution's node: its forward the convolution's input gradient (of {@code input} as the output
     * gradient), its input gradient the convolution, its weight gradient the convolution's weight gradient with the
     * roles swapped; all differentiable compositions.
     */
    private static Tensor transposedConvolution(Tensor input, Tensor weight, Tensor bias, int[] outShape, int[] s, int[] pad,
                                                int[] dil, int groups) {
        Tensor out;
        int[] wShape = weight.shape;
        DType t = input.dtype;
        try (GradMode off = Ember.noGrad()) {
            // float16 and bfloat16 accumulate in float32 and round once
            out = gradients(null, ReductionOps.opmath(weight), ReductionOps.opmath(input), outShape, wShape, s, pad, dil,
                    groups)[0];
            if (bias != null) {
                out = out.add(ReductionOps.opmath(bias).reshape(1, outShape[1], 1, 1, 1));
            }
            out = ReductionOps.narrowedBack(out, t).contiguous();
        }
        int[] inShape = input.shape;
        return ArithmeticOps.record(out, "ConvolutionBackward0", new Tensor[] {input, weight, bias}, n -> {
            // both saved, as PyTorch's node saves them (see conv3d)
            SavedTensor sx = n.save(input);
            SavedTensor sw = n.save(weight);
            return g -> {
                // asked when the backward runs: a pass may need only some of the gradients (PyTorch's output_mask)
                boolean[] needed = {n.needsInputGrad(0), n.needsInputGrad(1), n.needsInputGrad(2)};
                java.util.function.Function<Tensor[], Tensor[]> grads = tt -> {
                    Tensor g32 = ReductionOps.opmath(tt[0]);
                    Tensor gx = !needed[0] ? null : ReductionOps.narrowedBack(forwardComposition(g32,
                            ReductionOps.opmath(tt[2]), null, inShape, s, pad, dil, groups), t);
                    Tensor gw = !needed[1] ? null : ReductionOps.narrowedBack(gradients(g32, null, ReductionOps.opmath(tt[1]),
                            outShape, wShape, s, pad, dil, groups)[1], t);
                    return new Tensor[] {gx, gw, needed[2] ? tt[0].sum(new int[] {0, 2, 3, 4}, false) : null};
                };
                Tensor[] saved = {g, sx.get(), sw.get()};
                return GradMode.gradMode() ? NNOps.convolutionBackwardRecorded(g, saved[1], saved[2], grads)
                        : grads.apply(saved);
            };
        });
    }

    // ------------------------------------------------------------------ pooling

    /**
     * A pooling's windows as a table: for each output position (depth, row, column, in order) its {@code k} input
     * positions (flat in the input's {@code D * H * W}); {@code divisor} per window for averages.
     */
    private record Windows(int[] out, int k, long[] positions, double[] divisor) {
        int count() {
            return out[0] * out[1] * out[2];
        }
    }

    /**
     * The checks of max_pool3d_with_indices and avg_pool3d (argument lengths, pooling_output_shape, pool3d_shape_check)
     * in 2.x's order and words; returns kernel, stride, padding, dilation (three each) and the output size.
     */
    private static int[][] poolGeometry(String op, Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                        boolean ceilMode, Integer divisorOverride) {
        NNOps.requireTensor(input, op, "input", 1);
        NNOps.requireInts(kernel, op, "kernel_size", 2);
        NNOps.requireInts(stride, op, "stride", 3);
        NNOps.requireInts(padding, op, "padding", 4);
        boolean max = op.equals("max_pool3d");
        if (max) {
            NNOps.requireInts(dilation, op, "dilation", 5);
        }
        if (kernel.length != 1 && kernel.length != 3) {
            throw new IllegalArgumentException(max ? "max_pool3d: kernel_size must either be a single int, or a tuple of three ints"
                    : "avg_pool3d: kernel_size must be a single int, or a tuple of three ints");
        }
        if (stride.length != 0 && stride.length != 1 && stride.length != 3) {
            throw new IllegalArgumentException(max
                    ? "max_pool3d: stride must either be omitted, a single int, or a tuple of three ints"
                    : "avg_pool3d: stride must be omitted, a single int, or a tuple of three ints");
        }
        if (padding.length != 1 && padding.length != 3) {
            throw new IllegalArgumentException(max
                    ? "max_pool3d: padding must be either be a single int, or a tuple of three ints" // sic, PyTorch's text
                    : "avg_pool3d: padding must be a single int, or a tuple of three ints");
        }
        if (max && dilation.length != 1 && dilation.length != 3) {
            throw new IllegalArgumentException("max_pool3d: dilation must be either a single int, or a tuple of three ints");
        }
        int[] k = triple(kernel);
        int[] s = stride.length == 0 ? k.clone() : triple(stride);
        int[] p = triple(padding);
        int[] d = max ? triple(dilation) : new int[] {1, 1, 1};
        if (input.dim() != 4 && input.dim() != 5) {
            throw new IllegalArgumentException("non-empty 4D or 5D (batch mode) tensor expected for input");
        }
        if (!max && divisorOverride != null && divisorOverride == 0) {
            throw new IllegalArgumentException("divisor must be not zero");
        }
        int rank = input.dim();
        int planes = input.shape[rank - 4];
        int[] in = {input.shape[rank - 3], input.shape[rank - 2], input.shape[rank - 1]};
        long[] out = new long[3];
        for (int i = 0; i < 3; i++) {
            out[i] = NNOps.poolingOutputSize(in[i], k[i], p[i], s[i], d[i], ceilMode);
        }
        // pool3d_shape_check
        if (k[0] <= 0 || k[1] <= 0 || k[2] <= 0) {
            throw new IllegalArgumentException("kernel size should be greater than zero, but got kT: " + k[0] + " kH: " + k[1]
                    + " kW: " + k[2]);
        }
        if (s[0] <= 0 || s[1] <= 0 || s[2] <= 0) {
            throw new IllegalArgumentException("stride should be greater than zero, but got dT: " + s[0] + " dH: " + s[1]
                    + " dW: " + s[2]);
        }
        if (d[0] <= 0 || d[1] <= 0 || d[2] <= 0) {
            throw new IllegalArgumentException("dilation should be greater than zero, but got dilationT: " + d[0]
                    + " dilationH: " + d[1] + " dilationW: " + d[2]);
        }
        for (int i = rank == 5 ? 1 : 0; i < rank; i++) {
            if (input.shape[i] == 0) {
                throw new IllegalArgumentException((max ? "max_pool3d_with_indices_out_cpu_template()" : "avg_pool3d()")
                        + ": Expected input's non-batch dimensions to have positive length, but input has a shape of "
                        + Shapes.str(input.shape) + " and non-batch dimension 0 has length zero!");
            }
        }
        if (!max && (in[0] < k[0] || in[1] < k[1] || in[2] < k[2])) {
            throw new IllegalArgumentException("input image (T: " + in[0] + " H: " + in[1] + " W: " + in[2]
                    + ") smaller than kernel size (kT: " + k[0] + " kH: " + k[1] + " kW: " + k[2] + ")");
        }
        if (out[0] < 1 || out[1] < 1 || out[2] < 1) {
            throw new IllegalArgumentException("Given input size: (" + planes + "x" + in[0] + "x" + in[1] + "x" + in[2]
                    + "). Calculated output size: (" + planes + "x" + out[0] + "x" + out[1] + "x" + out[2]
                    + "). Output size is too small");
        }
        long count = out[0] * out[1] * out[2];
        long taps = (long) k[0] * k[1] * k[2];
        toInt(count * taps, op + "'s window table");
        return new int[][] {k, s, p, d, {(int) out[0], (int) out[1], (int) out[2]}};
    }

    /**
     * Max pooling's windows: the taps inside the input, in PyTorch's scan order (depth, row, column); a tap in the
     * padding or past the input names the nearest tap inside the input before it instead (the window's first inside
     * tap for those before it; each window has one). A repeat follows its original with no inside tap between, so it
     * changes neither the maximum, nor which position first holds it, nor which NaN is last.
     */
    private static Windows maxWindows(int[] in, int[][] geometry) {
        int[] k = geometry[0];
        int[] s = geometry[1];
        int[] p = geometry[2];
        int[] d = geometry[3];
        int[] out = geometry[4];
        int taps = k[0] * k[1] * k[2];
        long[] pos = new long[out[0] * out[1] * out[2] * taps];
        int w = 0;
        for (int a = 0; a < out[0]; a++) {
            for (int b = 0; b < out[1]; b++) {
                for (int c = 0; c < out[2]; c++) {
                    int begin = w;
                    long first = -1;
                    long previous = -1;
                    for (int i = 0; i < k[0]; i++) {
                        long z = (long) a * s[0] - p[0] + (long) i * d[0];
                        for (int j = 0; j < k[1]; j++) {
                            long y = (long) b * s[1] - p[1] + (long) j * d[1];
                            for (int l = 0; l < k[2]; l++) {
                                long x = (long) c * s[2] - p[2] + (long) l * d[2];
                                boolean inside = z >= 0 && z < in[0] && y >= 0 && y < in[1] && x >= 0 && x < in[2];
                                if (inside) {
                                    previous = (z * in[1] + y) * in[2] + x;
                                    if (first < 0) {
                                        first = previous;
                                    }
                                }
                                // outside: -1 before the first inside tap, else -2 - the previous inside one
                                pos[w++] = inside ? previous : previous < 0 ? -1 : -2 - previous;
                            }
                        }
                    }
                    for (int i = begin; i < w; i++) {
                        if (pos[i] < 0) {
                            pos[i] = pos[i] == -1 ? first : -2 - pos[i];
                        }
                    }
                }
            }
        }
        return new Windows(out, taps, pos, null);
    }

    /**
     * Average pooling's windows: taps outside the input name the position {@code D * H * W}, a zero appended to the
     * input; the divisor as PyTorch's avg_pool3d kernel computes it (the window clipped to the padded input with
     * count_include_pad, to the input without, or the override).
     */
    private static Windows avgWindows(int[] in, int[][] geometry, boolean countIncludePad, Integer divisorOverride) {
        int[] k = geometry[0];
        int[] s = geometry[1];
        int[] p = geometry[2];
        int[] out = geometry[4];
        int taps = k[0] * k[1] * k[2];
        long zero = (long) in[0] * in[1] * in[2];
        long[] pos = new long[out[0] * out[1] * out[2] * taps];
        double[] div = new double[out[0] * out[1] * out[2]];
        int w = 0;
        int q = 0;
        for (int a = 0; a < out[0]; a++) {
            for (int b = 0; b < out[1]; b++) {
                for (int c = 0; c < out[2]; c++) {
                    long[] start = {(long) a * s[0] - p[0], (long) b * s[1] - p[1], (long) c * s[2] - p[2]};
                    long poolSize = 1;
                    long inside = 1;
                    for (int i = 0; i < 3; i++) {
                        long end = Math.min(start[i] + k[i], in[i] + p[i]);
                        poolSize *= end - start[i];
                        inside *= Math.min(end, in[i]) - Math.max(start[i], 0);
                    }
                    div[q++] = divisorOverride != null ? divisorOverride : countIncludePad ? poolSize : inside;
                    for (int i = 0; i < k[0]; i++) {
                        long z = start[0] + i;
                        for (int j = 0; j < k[1]; j++) {
                            long y = start[1] + j;
                            for (int l = 0; l < k[2]; l++) {
                                long x = start[2] + l;
                                boolean ok = z >= 0 && z < in[0] && y >= 0 && y < in[1] && x >= 0 && x < in[2];
                                pos[w++] = ok ? (z * in[1] + y) * in[2] + x : zero;
                            }
                        }
                    }
                }
            }
        }
        return new Windows(out, taps, pos, div);
    }

    /** PyTorch's adaptive windows: start {@code floor(i * in / out)}, end {@code ceil((i + 1) * in / out)}. */
    private static int adaptiveStart(long i, long in, long out) {
        return (int) Math.floorDiv(i * in, out);
    }

    private static int adaptiveEnd(long i, long in, long out) {
        return (int) -Math.floorDiv(-(i + 1) * in, out);
    }

    /**
     * Adaptive max pooling's windows, padded to the largest with repeats of each window's last position (which change
     * neither the maximum, nor which position first holds it, nor which NaN is last).
     */
    private static Windows adaptiveMaxWindows(int[] in, int[] out) {
        int taps = 1;
        for (int i = 0; i < 3; i++) {
            int most = 0;
            for (int o = 0; o < out[i]; o++) {
                most = Math.max(most, adaptiveEnd(o, in[i], out[i]) - adaptiveStart(o, in[i], out[i]));
            }
            taps *= most;
        }
        long size = (long) out[0] * out[1] * out[2] * taps;
        long[] pos = new long[toInt(size, "adaptive_max_pool3d's window table")];
        int w = 0;
        for (int a = 0; a < out[0]; a++) {
            int z0 = adaptiveStart(a, in[0], out[0]);
            int z1 = adaptiveEnd(a, in[0], out[0]);
            for (int b = 0; b < out[1]; b++) {
                int y0 = adaptiveStart(b, in[1], out[1]);
                int y1 = adaptiveEnd(b, in[1], out[1]);
                for (int c = 0; c < out[2]; c++) {
                    int x0 = adaptiveStart(c, in[2], out[2]);
                    int x1 = adaptiveEnd(c, in[2], out[2]);
                    int begin = w;
                    for (int z = z0; z < z1; z++) {
                        for (int y = y0; y < y1; y++) {
                            for (int x = x0; x < x1; x++) {
                                pos[w++] = ((long) z * in[1] + y) * in[2] + x;
                            }
                        }
                    }
                    long last = pos[w - 1];
                    while (w < begin + taps) {
                        pos[w++] = last;
                    }
                }
            }
        }
        return new Windows(out, taps, pos, null);
    }

    /** {@code input} (4-D or 5-D) as {@code [B, C, D * H * W]}. */
    private static Tensor flatPlanes(Tensor input) {
        int rank = input.dim();
        int b = rank == 5 ? input.shape[0] : 1;
        return input.reshape(b, input.shape[rank - 4], input.shape[rank - 3] * input.shape[rank - 2] * input.shape[rank - 1]);
    }

    /** The output shape of a pooling of {@code input} to {@code out}. */
    private static int[] pooledShape(Tensor input, int[] out) {
        int[] shape = input.shape.clone();
        int rank = shape.length;
        shape[rank - 3] = out[0];
        shape[rank - 2] = out[1];
        shape[rank - 1] = out[2];
        return shape;
    }

    /**
     * The maxima of the windows and their flat positions in the input's {@code D * H * W}: the windows gathered and
     * reduced, under no_grad; one node {@code nodeName} whose backward scatters the gradient to the positions (a
     * scatter_add, whose own gradient is the gather PyTorch's max_pool_double_backward is).
     */
    private static Tensor.ValuesIndices maxOverWindows(Tensor input, Windows windows, String nodeName) {
        int[] outShape = pooledShape(input, windows.out());
        Tensor values;
        Tensor indices;
        int count = windows.count();
        try (GradMode off = Ember.noGrad()) {
            Tensor x = flatPlanes(input);
            int b = x.shape[0];
            int c = x.shape[1];
            Tensor table = longs(windows.positions(), new int[] {windows.positions().length}, input.device);
            Tensor gathered = x.indexSelect(2, table).reshape(b, c, count, windows.k());
            Tensor.ValuesIndices m = gathered.max(3, true);
            Tensor at = m.indices();
            Tensor nan = gathered.isnan();
            if (!input.device.isMeta() && !nan.logicalNot().all()) { // a meta tensor has no NaN to look for
                // PyTorch's kernels take a NaN whenever they meet one ((val > max) || isnan(val)): the window's last NaN
                Tensor order = Tensor.arange(windows.k()).to(input.device).add(1L);
                Tensor lastNan = nan.to(DType.INT64).mul(order).argmax(3, true);
                at = Tensor.where(m.values().isnan(), lastNan, at);
            }
            values = m.values().reshape(outShape);
            indices = table.reshape(1, 1, count, windows.k()).expand(b, c, count, windows.k()).gather(3, at)
                    .reshape(outShape);
        }
        int[] inShape = input.shape;
        Tensor idx = indices;
        ArithmeticOps.recordSavingInput(values, nodeName, input, n -> {
            SavedTensor si = n.save(idx);
            return g -> new Tensor[] {scatterToPositions(g, si.get(), inShape)};
        });
        return new Tensor.ValuesIndices(values, indices);
    }

    /** The gradient {@code g} added at the flat positions {@code idx} of a zero tensor of the input's shape. */
    private static Tensor scatterToPositions(Tensor g, Tensor idx, int[] inShape) {
        int rank = inShape.length;
        int b = rank == 5 ? inShape[0] : 1;
        int c = inShape[rank - 4];
        int plane = inShape[rank - 3] * inShape[rank - 2] * inShape[rank - 1];
        Tensor zeros = Creation.zeros(new int[] {b, c, plane}, g.dtype, g.device);
        return zeros.scatterAdd(2, idx.reshape(b, c, -1), g.reshape(b, c, -1)).reshape(inShape);
    }

    /**
     * PyTorch's {@code max_pool3d_with_indices}: a 4-D or 5-D input's window maxima and their flat positions in each
     * plane ({@code (d * H + h) * W + w}, int64); one node, MaxPool3DWithIndicesBackward0.
     */
    static Tensor.ValuesIndices maxPool3d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                          boolean ceilMode) {
        int[][] geometry = poolGeometry("max_pool3d", input, kernel, stride, padding, dilation, ceilMode, null);
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("max_pool3d_with_indices_cpu", input.dtype);
        }
        int rank = input.dim();
        int[] in = {input.shape[rank - 3], input.shape[rank - 2], input.shape[rank - 1]};
        if (input.numel() == 0) {
            return emptyPool(input, geometry[4], "MaxPool3DWithIndicesBackward0");
        }
        return maxOverWindows(input, maxWindows(in, geometry), "MaxPool3DWithIndicesBackward0");
    }

    /** A pooling of an empty batch: empty values and indices, one node giving zeros. */
    private static Tensor.ValuesIndices emptyPool(Tensor input, int[] out, String nodeName) {
        int[] outShape = pooledShape(input, out);
        Tensor values = Creation.empty(outShape, input.dtype, input.device);
        Tensor indices = Creation.empty(outShape, DType.INT64, input.device);
        int[] inShape = input.shape;
        ArithmeticOps.record(values, nodeName, new Tensor[] {input},
                n -> g -> new Tensor[] {Creation.zeros(inShape, g.dtype, g.device)});
        return new Tensor.ValuesIndices(values, indices);
    }

    /**
     * PyTorch's {@code avg_pool3d(input, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)}
     * ({@code divisorOverride} may be null); one node, AvgPool3DBackward0. Integer inputs divide with truncation, as
     * PyTorch's CPU kernel.
     */
    static Tensor avgPool3d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad,
                            Integer divisorOverride) {
        if (Autocast.on()) return Autocast.apply("avg_pool3d",
                t -> avgPool3d(t[0], kernel, stride, padding, ceilMode, countIncludePad, divisorOverride), input);
        int[][] geometry = poolGeometry("avg_pool3d", input, kernel, stride, padding, null, ceilMode, divisorOverride);
        // PyTorch's CPU kernel computes the floating types and int64 only (AT_DISPATCH_FLOATING_TYPES_AND3(kLong, ...))
        if (!input.dtype.isFloatingPoint() && input.dtype != DType.INT64) {
            throw Refusals.notImplemented("avg_pool3d_out_frame", input.dtype);
        }
        int rank = input.dim();
        int[] in = {input.shape[rank - 3], input.shape[rank - 2], input.shape[rank - 1]};
        int[] outShape = pooledShape(input, geometry[4]);
        if (input.numel() == 0) {
            return emptyPool(input, geometry[4], "AvgPool3DBackward0").values();
        }
        Windows windows = avgWindows(in, geometry, countIncludePad, divisorOverride);
        int count = windows.count();
        Tensor out;
        Tensor divisor;
        Tensor table;
        try (GradMode off = Ember.noGrad()) {
            table = longs(windows.positions(), new int[] {windows.positions().length}, input.device);
            DType sumType = input.dtype.isReducedFloatingPoint() ? DType.FLOAT32 : input.dtype;
            divisor = Creation.fromFlat(windows.divisor(), new int[] {count}, DType.FLOAT64, input.device)
                    .to(input.dtype.isFloatingPoint() ? sumType : DType.INT64);
            Tensor x = ReductionOps.opmath(flatPlanes(input)); // float16 and bfloat16 sum in float32 and round once
            int b = x.shape[0];
            int c = x.shape[1];
            Tensor padded = Tensor.cat(List.of(x, Creation.zeros(new int[] {b, c, 1}, x.dtype, x.device)), 2);
            Tensor sums = padded.indexSelect(2, table).reshape(b, c, count, windows.k()).sum(new int[] {3}, false);
            out = ReductionOps.narrowedBack(input.dtype.isFloatingPoint() ? sums.div(divisor) : sums.div(divisor, "trunc"),
                    input.dtype).reshape(outShape);
        }
        int[] inShape = input.shape;
        Tensor tbl = table;
        Tensor dv = divisor;
        int taps = windows.k();
        return ArithmeticOps.recordSavingInput(out, "AvgPool3DBackward0", input, n -> g -> {
            int b = rank == 5 ? inShape[0] : 1;
            int c = inShape[rank - 4];
            int plane = in[0] * in[1] * in[2];
            Tensor g32 = ReductionOps.opmath(g);
            Tensor share = g32.reshape(b, c, count, 1).div(dv.to(g32.dtype).reshape(count, 1)).expand(b, c, count, taps)
                    .reshape(b, c, count * taps);
            Tensor gx = Creation.zeros(new int[] {b, c, plane + 1}, g32.dtype, g.device).indexAdd(2, tbl, share);
            return new Tensor[] {ReductionOps.narrowedBack(gx.narrow(2, 0, plane).reshape(inShape), g.dtype)};
        });
    }

    // ------------------------------------------------------------------ adaptive pooling

    /** The checks adaptive_avg_pool3d and adaptive_max_pool3d share, in PyTorch's order and words; the output size. */
    private static int[] adaptiveGeometry(String op, Tensor input, int[] outputSize) {
        NNOps.requireTensor(input, op, "input", 1);
        NNOps.requireInts(outputSize, op, "output_size", 2);
        boolean max = op.equals("adaptive_max_pool3d");
        if (outputSize.length != 3) {
            throw new IllegalArgumentException(max ? "adaptive_max_pool3d(): internal error: output_size.size() must be 3"
                    : "adaptive_avg_pool3d: output_size must be 3");
        }
        if (input.dim() != 4 && input.dim() != 5) {
            throw new IllegalArgumentException(op + "(): Expected 4D or 5D tensor, but got" + (max ? ": " : " ")
                    + Shapes.str(input.shape));
        }
        for (int i = 1; i < input.dim(); i++) {
            if (input.shape[i] == 0) {
                throw new IllegalArgumentException(op + "(): Expected input to have non-zero size for non-batch dimensions, "
                        + "but input has sizes " + Shapes.str(input.shape) + " with dimension " + i + " being empty");
            }
        }
        if (Arrays.stream(outputSize).anyMatch(v -> v < 0)) {
            if (max) {
                int[] shape = pooledShape(input, outputSize);
                int bad = Arrays.stream(outputSize).filter(v -> v < 0).findFirst().getAsInt();
                throw new IllegalArgumentException("Trying to create tensor with negative dimension " + bad + ": "
                        + Shapes.str(shape));
            }
            throw new IllegalArgumentException("adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
                    + "but received {" + outputSize[0] + ", " + outputSize[1] + "," + outputSize[2] + "}"); // sic
        }
        return outputSize.clone();
    }

    /**
     * PyTorch's {@code adaptive_avg_pool3d}: an output of 1 x 1 x 1 is {@code input.mean((-1, -2, -3), keepdim=True)}
     * (MeanBackward1), as PyTorch computes it; any other size the means over PyTorch's adaptive windows, one node
     * AdaptiveAvgPool3DBackward0.
     */
    static Tensor adaptiveAvgPool3d(Tensor input, int[] outputSize) {
        if (Autocast.on()) return Autocast.apply("adaptive_avg_pool3d", t -> adaptiveAvgPool3d(t[0], outputSize), input);
        int[] out = adaptiveGeometry("adaptive_avg_pool3d", input, outputSize);
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("adaptive_avg_pool3d_cpu", input.dtype);
        }
        if (out[0] == 1 && out[1] == 1 && out[2] == 1) {
            return input.mean(new int[] {-1, -2, -3}, true);
        }
        return UpsampleLinearOps.adaptiveAvgPool3d(input, out);
    }

    /**
     * PyTorch's {@code adaptive_max_pool3d}: the maxima over PyTorch's adaptive windows and their flat positions in
     * each plane; one node, AdaptiveMaxPool3DBackward0.
     */
    static Tensor.ValuesIndices adaptiveMaxPool3d(Tensor input, int[] outputSize) {
        if (Autocast.on()) return Autocast.apply("adaptive_max_pool3d", t -> adaptiveMaxPool3d(t[0], outputSize), input);
        int[] out = adaptiveGeometry("adaptive_max_pool3d", input, outputSize);
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("adaptive_max_pool3d_cpu", input.dtype);
        }
        int rank = input.dim();
        int[] in = {input.shape[rank - 3], input.shape[rank - 2], input.shape[rank - 1]};
        if (input.numel() == 0 || out[0] * (long) out[1] * out[2] == 0) {
            return emptyPool(input, out, "AdaptiveMaxPool3DBackward0");
        }
        return maxOverWindows(input, adaptiveMaxWindows(in, out), "AdaptiveMaxPool3DBackward0");
    }
}
