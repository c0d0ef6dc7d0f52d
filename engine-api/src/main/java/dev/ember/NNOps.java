package dev.ember;

import dev.ember.backend.Backend;
import dev.ember.backend.Conv2dParams;
import dev.ember.backend.Layout;
import dev.ember.backend.Pool2dParams;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.StringJoiner;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Convolution and pooling: shape rules and PyTorch's errors, the SPI kernels that compute them, and the
 * backward nodes, which call the backends' own gradient kernels (these have no cheaper expression in
 * other ops). Every argument is checked, in PyTorch 2.x's order and words, before anything is computed; sizes are
 * computed in {@code long}, so no overflow reaches a kernel.
 */
final class NNOps {
    private NNOps() {
    }

    /**
     * PyTorch's argument-parser error for a missing tensor ({@code mm(): argument 'mat2' (position 1) must be Tensor,
     * not null}): an IllegalArgumentException rather than a NullPointerException deep inside an op.
     */
    static void requireTensor(Tensor t, String op, String name, int position) {
        if (t == null) {
            throw new IllegalArgumentException(op + "(): argument '" + name + "' (position " + position
                    + ") must be Tensor, not null");
        }
    }

    /** The same for an int-list argument ({@code stride}, {@code padding}, ...). */
    static void requireInts(int[] v, String op, String name, int position) {
        if (v == null) {
            throw new IllegalArgumentException(op + "(): argument '" + name + "' (position " + position
                    + ") must be tuple of ints, not null");
        }
    }

    /** The C++ name of a type, as PyTorch's {@code dtype().name()} prints it in messages ({@code float}). */
    static String cTypeName(DType t) {
        return ArithmeticOps.cTypeName(t);
    }

    /**
     * A transposed convolution of int64 input, weight and bias (the callers checked their types and shapes), exact as
     * PyTorch's CPU kernel: the convolution of the float64 copies is exact while every partial sum is an integer of
     * magnitude at most 2^53, which {@code max|input| * max|weight| * (input channels * kernel taps)} bounds; then
     * the int64 bias is added in int64 (wrapping as PyTorch's does). A bound past 2^53 is refused, as Ember could not
     * promise the exact result. No gradient (integer tensors have none).
     */
    static Tensor exactInt64Transposed(String op, Tensor input, Tensor weight, Tensor bias, int spatial,
                                       java.util.function.BinaryOperator<Tensor> conv) {
        try (GradMode off = Ember.noGrad()) {
            double taps = weight.numel() / (double) Math.max(1, weight.shape[1]); // input channels * kernel positions
            double bound = maxAbs(input) * maxAbs(weight) * taps;
            if (bound > 0x1p53) {
                throw new IllegalArgumentException(op + ": Ember computes int64 transposed convolutions exactly (in float64) "
                        + "only while every sum stays within 2^53, and max|input| * max|weight| * " + (long) taps
                        + " taps may reach 2^" + Math.getExponent(bound) + "; convert the input and weight to a floating type");
            }
            Tensor out = ArithmeticOps.cast(conv.apply(ArithmeticOps.cast(input, DType.FLOAT64),
                    ArithmeticOps.cast(weight, DType.FLOAT64)), DType.INT64);
            if (bias == null) {
                return out;
            }
            int[] b = new int[spatial + 1];
            Arrays.fill(b, 1);
            b[0] = Math.toIntExact(bias.numel());
            return out.add(bias.reshape(b));
        }
    }

    private static double maxAbs(Tensor t) {
        if (t.numel() == 0) {
            return 0;
        }
        return ArithmeticOps.cast(t, DType.FLOAT64).abs().max().item();
    }

    /**
     * A size computed in {@code long} as an int: kernels index with ints, so a padded extent or an output that does
     * not fit is refused here instead of wrapping around inside a kernel.
     */
    private static int toInt(long size, String what) {
        if (size > Integer.MAX_VALUE || size < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(what + " would have size " + size + "; Ember's dimensions are at most "
                    + Integer.MAX_VALUE);
        }
        return (int) size;
    }

    // ------------------------------------------------------------------ convolution

    /**
     * The checks conv1d and conv2d share, those of PyTorch 2.x's conv{@code N}d, batchify, _convolution and
     * check_shape_forward in their order and words: arguments present, one device, the bias's type, the input's rank
     * ({@code dims + 1} unbatched or {@code dims + 2} batched), the weight's rank, groups, and the lengths of stride,
     * padding and dilation.
     */
    private static void checkConvArguments(String fn, int dims, Tensor input, Tensor weight, Tensor bias, int[] stride,
                                           int[] padding, int[] dilation, int groups) {
        requireTensor(input, fn, "input", 1);
        requireTensor(weight, fn, "weight", 2);
        requireInts(stride, fn, "stride", 4);
        requireInts(padding, fn, "padding", 5);
        requireInts(dilation, fn, "dilation", 6);
        ArithmeticOps.checkSameDevice(input, weight, bias);
        if (bias != null && bias.dtype != input.dtype) {
            throw new IllegalArgumentException("Input type (" + cTypeName(input.dtype) + ") and bias type ("
                    + cTypeName(bias.dtype) + ") should be the same");
        }
        if (input.dim() != dims + 1 && input.dim() != dims + 2) {
            throw new IllegalArgumentException("Expected " + (dims + 1) + "D (unbatched) or " + (dims + 2)
                    + "D (batched) input to " + fn + ", but got input of size: " + Shapes.str(input.shape));
        }
        if (weight.dim() < 3) {
            throw new IllegalArgumentException("weight should have at least three dimensions");
        }
        if (groups <= 0) {
            throw new IllegalArgumentException("non-positive groups is not supported");
        }
        int spatial = weight.dim() - 2;
        expandedLength(stride, "stride", spatial);
        expandedLength(padding, "padding", spatial);
        expandedLength(dilation, "dilation", spatial);
    }

    /**
     * The shape checks of a convolution of {@code xs.length - 2} spatial dimensions, in PyTorch's order and words
     * (aten's ConvUtils.h {@code check_shape_forward}): signs of padding, stride and dilation, the weight's rank, the
     * groups against the weight and the input's channels, the bias, and the padded input against the dilated kernel.
     * {@code xs} is the batched input shape; the arrays hold one value per spatial dimension. Returns the output's spatial
     * sizes, each (and the padded input and dilated kernel it comes from) checked to fit an int.
     */
    static int[] checkConvShapes(String fn, int[] xs, int[] ws, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                 int groups) {
        int n = xs.length - 2;
        if (Arrays.stream(padding).anyMatch(v -> v < 0)) {
            throw new IllegalArgumentException("negative padding is not supported");
        }
        if (Arrays.stream(stride).anyMatch(v -> v <= 0)) {
            throw new IllegalArgumentException("non-positive stride is not supported");
        }
        if (Arrays.stream(dilation).anyMatch(v -> v <= 0)) {
            // PyTorch 2.x's wording for a negative dilation (a zero one it rejects later, in its kernels)
            throw new IllegalArgumentException("dilation should be greater than zero");
        }
        int k = ws.length;
        if (k != n + 2) {
            throw new IllegalArgumentException("Expected " + k + "-dimensional input for " + k + "-dimensional weight "
                    + Shapes.str(ws) + ", but got " + (n + 2) + "-dimensional input of size " + Shapes.str(xs) + " instead");
        }
        if (ws[0] < groups) {
            throw new IllegalArgumentException("Given groups=" + groups + ", expected weight to be at least " + groups
                    + " at dimension 0, but got weight of size " + Shapes.str(ws) + " instead");
        }
        if (ws[0] % groups != 0) {
            throw new IllegalArgumentException("Given groups=" + groups + ", expected weight to be divisible by " + groups
                    + " at dimension 0, but got weight of size [" + Shapes.str(ws) + "] instead");
        }
        long channels = (long) ws[1] * groups;
        if (xs[1] != channels) {
            throw new IllegalArgumentException("Given groups=" + groups + ", weight of size " + Shapes.str(ws)
                    + ", expected input" + Shapes.str(xs) + " to have " + channels + " channels, but got " + xs[1]
                    + " channels instead");
        }
        if (bias != null && (bias.dim() != 1 || bias.shape[0] != ws[0])) {
            throw new IllegalArgumentException("Given weight of size " + Shapes.str(ws) + ", expected bias to be 1-dimensional with "
                    + ws[0] + " elements, but got bias of size " + Shapes.str(bias.shape) + " instead");
        }
        StringJoiner paddedText = new StringJoiner(" x ", "(", ")");
        StringJoiner kernelText = new StringJoiner(" x ", "(", ")");
        long[] padded = new long[n];
        long[] kernel = new long[n];
        boolean tooSmall = false;
        for (int i = 0; i < n; i++) {
            padded[i] = xs[2 + i] + 2L * padding[i];
            kernel[i] = (long) dilation[i] * (ws[2 + i] - 1) + 1;
            paddedText.add(Long.toString(padded[i]));
            kernelText.add(Long.toString(kernel[i]));
            tooSmall |= padded[i] < kernel[i];
        }
        if (tooSmall) {
            throw new IllegalArgumentException("Calculated padded input size per channel: " + paddedText + ". Kernel size: "
                    + kernelText + ". Kernel size can't be greater than actual input size");
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            toInt(padded[i], fn + "'s padded input");
            toInt(kernel[i], fn + "'s dilated kernel");
            out[i] = toInt((padded[i] - kernel[i]) / stride[i] + 1, fn + "'s output");
        }
        return out;
    }

    static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        if (Autocast.on()) return Autocast.apply("conv2d",
                t -> conv2d(t[0], t[1], t[2], stride, padding, dilation, groups), input, weight, bias);
        checkConvArguments("conv2d", 2, input, weight, bias, stride, padding, dilation, groups);
        boolean batched = input.dim() == 4;
        int[] xs = batched ? input.shape : prepend(1, input.shape);
        int[] ws = weight.shape;
        int k = weight.dim();
        int spatial = k - 2;
        int[] spatialOut = checkConvShapes("conv2d", xs, ws, bias, stride, padding, dilation, groups);
        if (input.dtype != weight.dtype) {
            throw new IllegalArgumentException("Input type (" + input.typeName() + ") and weight type (" + weight.typeName()
                    + ") should be the same");
        }
        if (input.dtype.isComplex()) {
            return ComplexMath.convolution(input, weight, bias, (x, w, b) -> conv2d(x, w, b, stride, padding, dilation, groups));
        }
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("slow_conv2d_cpu", input.dtype);
        }
        if (ws[2] == 0 || ws[3] == 0) {
            throw new IllegalArgumentException("kernel size should be greater than zero, but got kernel_height: " + ws[2]
                    + " kernel_width: " + ws[3]);
        }
        boolean empty = xs[0] == 0 || xs[1] == 0;
        if (!empty && Arrays.stream(xs).anyMatch(s -> s == 0)) {
            throw new IllegalArgumentException("Only zero batch or zero channel inputs are supported, but got input shape: "
                    + Shapes.str(xs));
        }
        int oh = spatialOut[0];
        int ow = spatialOut[1];
        // zero input channels give zero output channels (PyTorch's ConvBackend::Empty), whatever the weight's count
        int[] outShape = {xs[0], xs[1] == 0 ? 0 : ws[0], oh, ow};
        Tensor x = batched ? input : input.unsqueeze(0);
        Tensor out = empty ? emptyConvolution(x, weight, bias, outShape)
                : convKernel(x, weight, bias, outShape, new Conv2dParams(stride[0], stride[1], padding[0], padding[1],
                        dilation[0], dilation[1], groups));
        return batched ? out : out.squeeze(0);
    }

    private static int[] prepend(int first, int[] shape) {
        int[] s = new int[shape.length + 1];
        s[0] = first;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }

    /** PyTorch's expand_param_if_needed: one value or one per spatial dimension (the facade made one value two). */
    static void expandedLength(int[] v, String name, int spatial) {
        if (v.length != spatial && v.length != 1) {
            throw new IllegalArgumentException("expected " + name + " to be a single integer value or a list of " + spatial
                    + " values to match the convolution dimensions, but got " + name + "=" + Arrays.toString(v));
        }
    }

    /**
     * {@code t} contiguous and at the start of its storage (itself when it is already), copied without recording
     * history, for a kernel that reads it without a layout of its own (the convolution's bias, max pooling's output
     * gradient beside its indices); null stays null.
     */
    private static Tensor denseAtStart(Tensor t) {
        if (t == null) {
            return null;
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor c = t.contiguous();
            return c.layout.offset() == 0 ? c : c.clone();
        }
    }

    /**
     * Whether PyTorch's CPU convolution runs in channels-last ({@code thnn_conv_use_channels_last} /
     * {@code mkldnn_conv_use_channels_last}): the input's or the weight's {@code suggest_memory_format()} is
     * channels-last. Its output and the input and weight gradients then come in that format.
     */
    static boolean convUsesChannelsLast(Tensor input, Tensor weight) {
        return input.dim() == 4 && (stridesLikeChannelsLast(input.shape, input.layout.strides())
                || stridesLikeChannelsLast(weight.shape, weight.layout.strides()));
    }

    /** {@code y} copied into channels-last strides where {@code channelsLast}, else {@code y}; no history. */
    static Tensor channelsLastIf(Tensor y, boolean channelsLast) {
        if (!channelsLast || y == null) {
            return y;
        }
        Tensor out = Creation.emptyStrided(y.shape, channelsLastStrides(y.shape), y.dtype, y.device);
        out.backend.copy(y.storage(), y.layout, out.storage(), out.layout);
        return out;
    }

    /**
     * Whether {@code t} is a 4-D tensor whose {@code suggest_memory_format()} is channels-last: the 2-D pooling ops (their
     * meta functions, so on every device) and the CPU's pixel shuffles then give their outputs (and pooling its input
     * gradient) in channels-last strides.
     */
    static boolean suggestsChannelsLast(Tensor t) {
        return t.dim() == 4 && stridesLikeChannelsLast(t.shape, t.layout.strides());
    }

    /**
     * {@code y} in channels-last strides where {@code channelsLast}: a copy without history ({@link #channelsLastIf})
     * for a result made outside a graph, a recorded {@code contiguous(channels_last)} for one with history (a gradient
     * made under create_graph), so that it stays differentiable.
     */
    static Tensor channelsLastKeepingGraph(Tensor y, boolean channelsLast) {
        if (!channelsLast || y == null) {
            return y;
        }
        return y.requiresGrad() ? y.contiguous(MemoryFormat.CHANNELS_LAST) : channelsLastIf(y, true);
    }

    /**
     * A convolution gradient made under create_graph in the convolution's memory format: channels-last where
     * {@code channelsLast} ({@link #channelsLastKeepingGraph}), else row-major (a recorded {@code contiguous()} of one
     * that is not), as PyTorch's {@code convolution_backward} gives it in the input's and weight's format whatever the
     * output gradient's layout (the composite of convolutions here would follow a channels-last output gradient).
     */
    static Tensor convFormatKeepingGraph(Tensor y, boolean channelsLast) {
        if (y == null || channelsLast) {
            return channelsLastKeepingGraph(y, channelsLast);
        }
        return y.isContiguous() ? y : y.contiguous();
    }

    /**
     * A convolution's gradients in a backward that records its graph (create_graph), as PyTorch records
     * {@code convolution_backward}: one node, ConvolutionBackwardBackward0, over the output gradient, the input and the
     * weight, so that every gradient made requires grad where any of the three does (the input's edge kept even where a
     * gradient does not depend on it, as the weight's gradient alone when only the input requires grad). Its backward
     * (PyTorch's {@code _convolution_double_backward}) differentiates {@code grads}, the gradients (input, weight, bias;
     * null where none is asked for) as compositions of differentiable ops of {@code {g, input, weight}}, with a nested
     * {@code autograd.grad} that records its own graph where the outer backward does.
     */
    static Tensor[] convolutionBackwardRecorded(Tensor g, Tensor input, Tensor weight, Function<Tensor[], Tensor[]> grads) {
        Tensor[] first;
        try (GradMode off = Ember.noGrad()) {
            first = grads.apply(new Tensor[] {g, input, weight});
        }
        Tensor[] ins = {g, input, weight};
        MultiOutput.record("ConvolutionBackwardBackward0", ins, first.clone(), node -> {
            SavedTensor[] saved = {node.save(g), node.save(input), node.save(weight)};
            return ggs -> {
                Tensor[] t = new Tensor[3];
                List<Tensor> wrt = new ArrayList<>();
                List<Tensor> outs = new ArrayList<>();
                List<Tensor> gos = new ArrayList<>();
                boolean graph = GradMode.gradMode();
                try (GradMode on = Ember.enableGrad()) {
                    for (int k = 0; k < 3; k++) {
                        t[k] = saved[k].get();
                        if (node.needsInputGrad(k)) {
                            // a fresh view to differentiate at: the nested pass stops there (the gradient of the
                            // output gradient must not also flow on through its history to the input, which the
                            // engine then reaches a second time through this node's result), and a result recorded
                            // under create_graph still reaches the tensor itself
                            t[k] = t[k].view(t[k].shape());
                            wrt.add(t[k]);
                        }
                    }
                    Tensor[] d = grads.apply(t);
                    for (int k = 0; k < 3; k++) {
                        if (ggs[k] != null && d[k] != null && d[k].requiresGrad()) {
                            outs.add(d[k]);
                            gos.add(ggs[k]);
                        }
                    }
                }
                Tensor[] r = new Tensor[3];
                if (wrt.isEmpty() || outs.isEmpty()) {
                    return r;
                }
                // retain_graph: the nested pass must not free the saved tensors of the graph around it
                List<Tensor> got = Autograd.grad(outs, wrt, gos, GradOptions.defaults().withRetainGraph(true)
                        .withCreateGraph(graph).withAllowUnused(true));
                for (int k = 0, i = 0; k < 3; k++) {
                    if (node.needsInputGrad(k)) {
                        r[k] = got.get(i++);
                    }
                }
                return r;
            };
        });
        return first;
    }

    private static Tensor convKernel(Tensor input, Tensor weight, Tensor bias, int[] outShape, Conv2dParams p) {
        boolean cl = convUsesChannelsLast(input, weight);
        Tensor x = input.contiguous();
        Tensor w = weight.contiguous();
        Tensor b = denseAtStart(bias);
        Tensor rowMajor = Creation.empty(outShape, input.dtype, input.device);
        rowMajor.backend.conv2d(x.storage(), x.layout, w.storage(), w.layout, b == null ? null : b.storage(),
                rowMajor.storage(), rowMajor.layout, p);
        Tensor out = channelsLastIf(rowMajor, cl);
        int[] inShape = input.shape;
        int[] wShape = weight.shape;
        return ArithmeticOps.record(out, "ConvolutionBackward0", new Tensor[] {input, weight, bias}, n -> {
            // both, whichever gradient is asked for, as PyTorch's node saves them (see convolution)
            SavedTensor sx = n.save(x);
            SavedTensor sw = n.save(w);
            return g -> {
                // asked when the backward runs: a pass may need only some of the gradients (PyTorch's output_mask)
                boolean[] needed = {n.needsInputGrad(0), n.needsInputGrad(1), n.needsInputGrad(2)};
                if (GradMode.gradMode()) {
                    // create_graph: the gradients as differentiable convolutions of the saved tensors, one node
                    return convolutionBackwardRecorded(g, sx.get(), sw.get(), t -> {
                        Tensor[] d = convGradsWithGraph(needed[1] ? t[1] : null, needed[0] ? t[2] : null, t[0],
                                inShape, wShape, p, false);
                        return new Tensor[] {convFormatKeepingGraph(d[0], cl), convFormatKeepingGraph(d[1], cl),
                            needed[2] ? t[0].sum(new int[] {0, 2, 3}, false) : null};
                    });
                }
                Tensor gy = g.contiguous();
                Tensor gx = null;
                Tensor gw = null;
                Tensor savedInput = sx.get();
                Tensor savedWeight = sw.get();
                if (needed[0]) {
                    Tensor wv = savedWeight;
                    gx = Creation.empty(inShape, gy.dtype, gy.device);
                    gy.backend.conv2dBackwardInput(gy.storage(), gy.layout, wv.storage(), wv.layout, gx.storage(), gx.layout, p);
                }
                if (needed[1]) {
                    Tensor xv = savedInput;
                    gw = Creation.empty(wShape, gy.dtype, gy.device);
                    gy.backend.conv2dBackwardWeight(gy.storage(), gy.layout, xv.storage(), xv.layout, gw.storage(), gw.layout, p);
                }
                Tensor gb = n.needsInputGrad(2) ? g.sum(new int[] {0, 2, 3}, false) : null;
                return new Tensor[] {channelsLastIf(gx, cl), channelsLastIf(gw, cl), gb};
            };
        });
    }

    /**
     * The input and weight gradients of a 2-D convolution ({@code transposed}: of a conv_transpose2d) as compositions
     * of differentiable convolutions, for a backward that records its own graph ({@code create_graph}), so that
     * second derivatives exist, as PyTorch's convolution double backward gives them: the input gradient is the
     * transposed convolution of {@code gy} with the weight (for conv_transpose2d: the convolution), the weight gradient
     * a convolution of the input by {@code gy} with the batch as the channels (stride and dilation swapped), per group.
     * {@code x} is null when the weight needs no gradient, {@code w} when the input needs none; all 4-D.
     */
    private static Tensor[] convGradsWithGraph(Tensor x, Tensor w, Tensor gy, int[] xShape, int[] wShape, Conv2dParams p,
                                               boolean transposed) {
        int[] stride = {p.strideH(), p.strideW()};
        int[] pad = {p.padH(), p.padW()};
        int[] dil = {p.dilationH(), p.dilationW()};
        int groups = p.groups();
        Tensor gx = null;
        Tensor gw = null;
        if (w != null) {
            if (transposed) {
                gx = conv2d(gy, w, null, stride, pad, dil, groups);
                // an output padding of at least the stride adds output rows no input element reaches: the convolution
                // of the output gradient then has input + output_padding / stride rows, the last ones dropped
                if (gx.shape[2] != xShape[2] || gx.shape[3] != xShape[3]) {
                    gx = gx.narrow(2, 0, xShape[2]).narrow(3, 0, xShape[3]);
                }
            } else {
                // the output padding that gives back the input's size (the forward's floor dropped the rest)
                int[] outPad = new int[2];
                for (int i = 0; i < 2; i++) {
                    int in = xShape[2 + i];
                    int outSize = gy.shape[2 + i];
                    outPad[i] = in - ((outSize - 1) * stride[i] - 2 * pad[i] + dil[i] * (wShape[2 + i] - 1) + 1);
                }
                gx = convTranspose2d(gy, w, null, stride, pad, outPad, groups, dil);
            }
        }
        if (x != null) {
            // conv: gw[o, c] = sum over the batch of x[:, c] correlated with gy[:, o]; conv_transpose2d: the same with
            // the input and the output gradient in each other's places
            Tensor in = transposed ? gy : x;
            Tensor out = transposed ? x : gy;
            int inGroup = in.shape[1] / groups;
            int outGroup = out.shape[1] / groups;
            List<Tensor> parts = new ArrayList<>(groups);
            for (int gi = 0; gi < groups; gi++) {
                Tensor a = in.narrow(1, gi * inGroup, inGroup).transpose(0, 1);
                Tensor b = out.narrow(1, gi * outGroup, outGroup).transpose(0, 1);
                Tensor r = conv2d(a, b, null, dil, pad, stride, 1).narrow(2, 0, wShape[2]).narrow(3, 0, wShape[3]);
                parts.add(r.transpose(0, 1));
            }
            // per group [out channels of the group, in channels of the group, kh, kw], as both weights are laid out
            gw = groups == 1 ? parts.get(0) : Tensor.cat(parts, 0);
        }
        return new Tensor[] {gx, gw};
    }

    // ------------------------------------------------------------------ pooling

    /** The pooling geometry after PyTorch 2.x's checks, with the output height and width. */
    private record Pooling(Pool2dParams params, int outH, int outW) {
    }

    private static Pooling poolParams(String op, Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                      boolean ceilMode, boolean countIncludePad) {
        return poolParams(op, input, kernel, stride, padding, dilation, ceilMode, countIncludePad, null);
    }

    /** The same, with avg_pool2d's {@code divisor_override} (may be null), checked where PyTorch's meta function does. */
    private static Pooling poolParams(String op, Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                      boolean ceilMode, boolean countIncludePad, Integer divisorOverride) {
        requireTensor(input, op, "input", 1);
        requireInts(kernel, op, "kernel_size", 2);
        requireInts(stride, op, "stride", 3);
        requireInts(padding, op, "padding", 4);
        boolean max = op.equals("max_pool2d");
        if (max) {
            requireInts(dilation, op, "dilation", 5);
        }
        if (kernel.length != 1 && kernel.length != 2) {
            throw new IllegalArgumentException(op + ": kernel_size must either be a single int, or a tuple of two ints");
        }
        if (stride.length > 2) {
            throw new IllegalArgumentException(op + ": stride must either be omitted, a single int, or a tuple of two ints");
        }
        if (padding.length != 1 && padding.length != 2) {
            throw new IllegalArgumentException(max
                    ? "max_pool2d: padding must be either be a single int, or a tuple of two ints" // sic, PyTorch's text
                    : op + ": padding must either be a single int, or a tuple of two ints");
        }
        if (divisorOverride != null && divisorOverride == 0) {
            throw new IllegalArgumentException("divisor must be not zero");
        }
        if (!max) {
            dilation = new int[] {1};
        } else if (dilation.length != 1 && dilation.length != 2) {
            throw new IllegalArgumentException(op + ": dilation must be either a single int, or a tuple of two ints");
        }
        int kh = kernel[0];
        int kw = kernel[kernel.length - 1];
        int dh = stride.length == 0 ? kh : stride[0];
        int dw = stride.length == 0 ? kw : stride[stride.length - 1];
        int ph = padding[0];
        int pw = padding[padding.length - 1];
        int dih = dilation[0];
        int diw = dilation[dilation.length - 1];
        if (max) {
            if (input.dim() != 3 && input.dim() != 4) {
                throw new IllegalArgumentException("non-empty 3D or 4D (batch mode) tensor expected for input");
            }
        } else if (input.dim() == 0) {
            // avg_pool2d reads input.size(-3) before any check of its rank
            throw new IndexOutOfBoundsException("Dimension specified as -3 but tensor has no dimensions");
        } else if (input.dim() < 3) {
            throw new IndexOutOfBoundsException("Dimension out of range (expected to be in range of [" + -input.dim() + ", "
                    + (input.dim() - 1) + "], but got -3)");
        }
        int rank = input.dim();
        int planes = input.shape[rank - 3];
        int h = input.shape[rank - 2];
        int w = input.shape[rank - 1];
        long oh = poolingOutputSize(h, kh, ph, dh, dih, ceilMode);
        long ow = poolingOutputSize(w, kw, pw, dw, diw, ceilMode);
        // pool2d_shape_check
        if (kh <= 0 || kw <= 0) {
            throw new IllegalArgumentException("kernel size should be greater than zero, but got kH: " + kh + " kW: " + kw);
        }
        if (dh <= 0 || dw <= 0) {
            throw new IllegalArgumentException("stride should be greater than zero, but got dH: " + dh + " dW: " + dw);
        }
        if (dih <= 0 || diw <= 0) {
            throw new IllegalArgumentException("dilation should be greater than zero, but got dilationH: " + dih + " dilationW: "
                    + diw);
        }
        boolean validDims = input.shape[1] != 0 && input.shape[2] != 0;
        if (!((rank == 3 && input.shape[0] != 0 && validDims) || (rank == 4 && validDims && input.shape[3] != 0))) {
            throw new IllegalArgumentException("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
                    + "but got:" + Shapes.str(input.shape));
        }
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("Given input size: (" + planes + "x" + h + "x" + w + "). Calculated output size: ("
                    + planes + "x" + oh + "x" + ow + "). Output size is too small");
        }
        // PyTorch's CPU avg_pool2d kernel also computes int64 (AT_DISPATCH_FLOATING_TYPES_AND(kLong, ...))
        if (!input.dtype.isFloatingPoint() && !(op.equals("avg_pool2d") && input.dtype == DType.INT64)) {
            throw Refusals.notImplemented(op, input.dtype);
        }
        // the kernels index in int: the padded extent and the dilated window must fit
        toInt(h + 2L * ph, op + "'s padded input");
        toInt(w + 2L * pw, op + "'s padded input");
        toInt((long) dih * (kh - 1) + 1, op + "'s dilated kernel");
        toInt((long) diw * (kw - 1) + 1, op + "'s dilated kernel");
        Pool2dParams p = new Pool2dParams(kh, kw, dh, dw, ph, pw, dih, diw, ceilMode, countIncludePad);
        return new Pooling(p, toInt(oh, op + "'s output"), toInt(ow, op + "'s output"));
    }

    /** PyTorch's pooling_output_shape, in exact arithmetic, with its checks of stride and padding. */
    static long poolingOutputSize(long in, long k, long pad, long stride, long dilation, boolean ceilMode) {
        if (stride == 0) {
            throw new IllegalArgumentException("stride should not be zero");
        }
        if (pad < 0) {
            throw new IllegalArgumentException("pad must be non-negative, but got pad: " + pad);
        }
        if (pad > ((k - 1) * dilation + 1) / 2) {
            throw new IllegalArgumentException("pad should be at most half of effective kernel size, but got pad=" + pad
                    + ", kernel_size=" + k + " and dilation=" + dilation);
        }
        long out = Math.floorDiv(in + 2 * pad - dilation * (k - 1) - 1 + (ceilMode ? stride - 1 : 0), stride) + 1;
        if (ceilMode && (out - 1) * stride >= in + pad) {
            out--; // the last window must start inside the input or the left padding
        }
        return out;
    }

    static Tensor.ValuesIndices maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                          boolean ceilMode) {
        return maxPool2d(input, kernel, stride, padding, dilation, ceilMode, true, false);
    }

    /**
     * Max pooling's values alone (nn.MaxPool2d, F.max_pool2d): outside a graph the kernel skips the indices, a third
     * of the forward's memory traffic, as PyTorch's max_pool2d does for inputs that need no gradient.
     */
    static Tensor maxPool2dValues(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        requireTensor(input, "max_pool2d", "input", 1);
        return maxPool2d(input, kernel, stride, padding, dilation, ceilMode, ArithmeticOps.needsGrad(input), true)
                .values();
    }

    /**
     * Values and, when asked (callers ask whenever the input needs a gradient), indices; otherwise null. With
     * {@code codes} (the indices are only for the backward) a backend that takes them saves uint8 window codes.
     */
    private static Tensor.ValuesIndices maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                                  boolean ceilMode, boolean withIndices, boolean codes) {
        Pooling geometry = poolParams("max_pool2d", input, kernel, stride, padding, dilation, ceilMode, true);
        return maxPool2dKernel(input, geometry, withIndices, codes);
    }

    /**
     * The kernel over a 4-D input, or a 3-D one seen as a batch of one (as PyTorch's kernel takes it: one node, with no
     * unsqueeze and squeeze around it).
     */
    private static Tensor.ValuesIndices maxPool2dKernel(Tensor input, Pooling geometry, boolean withIndices,
                                                        boolean codes) {
        Pool2dParams p = geometry.params();
        int[] outShape = withPlane(input.shape, geometry.outH(), geometry.outW());
        // PyTorch's CPU kernel: output, indices and input gradient in input.suggest_memory_format(); computed
        // row-major here and copied into channels-last strides for a channels-last input
        boolean cl = suggestsChannelsLast(input);
        Tensor x = input.contiguous();
        Tensor out = Creation.empty(outShape, input.dtype, input.device);
        // a window holds at most 255 positions for a code to name one (padding is at most half the kernel, so every
        // window has a position inside the input)
        boolean small = (long) p.kernelH() * p.kernelW() <= 255;
        DType indexType = codes && small && out.backend.maxPoolWindowCodes() ? DType.UINT8 : DType.INT64;
        Tensor idx = withIndices ? Creation.empty(outShape, indexType, input.device) : null;
        out.backend.maxPool2d(x.storage(), as4d(x.layout), out.storage(), idx == null ? null : idx.storage(), as4d(out.layout),
                p);
        out = channelsLastIf(out, cl);
        if (idx == null) {
            return new Tensor.ValuesIndices(out, null);
        }
        int[] inShape = input.shape;
        // the backward reads the row-major indices saved here; the caller gets them in the input's format
        ArithmeticOps.recordSavingInput(out, "MaxPool2DWithIndicesBackward0", input, n -> {
            SavedTensor si = n.save(idx);
            return g -> {
                // the kernel reads the gradient at the indices' layout (offset 0): a gradient that is a view further
                // into its storage (a slice of cat's gradient, say) is copied to the start of one of its own
                Tensor gy = denseAtStart(g);
                Tensor ind = si.get();
                Tensor gx = Creation.empty(inShape, gy.dtype, gy.device);
                gy.backend.maxPool2dBackward(gy.storage(), ind.storage(), as4d(ind.layout), gx.storage(), as4d(gx.layout), p);
                return new Tensor[] {maxPoolGradWithGraph(channelsLastIf(gx, cl), g, ind, inShape[inShape.length - 1], p)};
            };
        });
        return new Tensor.ValuesIndices(out, channelsLastIf(idx, cl));
    }

    /**
     * Under create_graph, max pooling's input gradient as PyTorch's MaxPool2DWithIndicesBackwardBackward0: its
     * gradient with respect to the output gradient reads the input-shaped gradient back at each window's maximum
     * (max_pool_double_backward), a differentiable gather; nothing is recorded otherwise.
     */
    private static Tensor maxPoolGradWithGraph(Tensor gx, Tensor g, Tensor ind, int w, Pool2dParams p) {
        return ArithmeticOps.record(gx, "MaxPool2DWithIndicesBackwardBackward0", new Tensor[] {g}, n -> {
            SavedTensor si = n.save(ind);
            return gg -> {
                Tensor at = si.get();
                // a 3-D (unbatched) pooling's tensors as a batch of one
                Tensor at4 = at.dim() == 3 ? at.unsqueeze(0) : at;
                Tensor gg4 = gg.dim() == 3 ? gg.unsqueeze(0) : gg;
                return new Tensor[] {gg4.flatten(2, -1).gather(2, flatPositions(at4, w, p)).view(at.shape)};
            };
        });
    }

    /**
     * Each window maximum's flat position in its plane ({@code h * W + w}), [N, C, outH * outW]: int64 indices as they
     * are, uint8 window codes ({@code ki * kernelW + kj}) turned back into positions.
     */
    private static Tensor flatPositions(Tensor ind, int w, Pool2dParams p) {
        Tensor pos = ind;
        if (ind.dtype != DType.INT64) {
            Tensor code = ArithmeticOps.cast(ind, DType.INT64);
            Tensor ki = code.floorDivide((long) p.kernelW());
            Tensor kj = code.sub(ki.mul((long) p.kernelW()));
            Tensor y = Tensor.arange(ind.shape[2]).to(ind.device).view(ind.shape[2], 1);
            Tensor x = Tensor.arange(ind.shape[3]).to(ind.device).view(1, ind.shape[3]);
            Tensor row = y.mul((long) p.strideH()).sub((long) p.padH()).add(ki.mul((long) p.dilationH()));
            Tensor col = x.mul((long) p.strideW()).sub((long) p.padW()).add(kj.mul((long) p.dilationW()));
            pos = row.mul((long) w).add(col);
        }
        return pos.flatten(2, -1);
    }

    static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        return avgPool2d(input, kernel, stride, padding, ceilMode, countIncludePad, null);
    }

    /**
     * avg_pool2d with {@code divisor_override} (null for none): with one, every window's sum is divided by it
     * ({@link PoolingExtras#avgPool2dDivisor}, one node AvgPool2DBackward0).
     */
    static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad,
                            Integer divisorOverride) {
        Pooling geometry = poolParams("avg_pool2d", input, kernel, stride, padding, null, ceilMode, countIncludePad,
                divisorOverride);
        if (QuantizedActivations.isQuantized(input)) {
            return QuantizedActivations.avgPool2d(input, geometry.params(), geometry.outH(), geometry.outW(),
                divisorOverride);
        }
        if (divisorOverride != null) {
            return PoolingExtras.avgPool2dDivisor(input, geometry.params(), geometry.outH(), geometry.outW(), divisorOverride);
        }
        if (input.dtype == DType.INT64) {
            return avgPool2dInt64(input, geometry.params());
        }
        return avgPool2dKernel(input, geometry);
    }

    /**
     * avg_pool2d of an int64 input as PyTorch's CPU kernel computes it: each window's exact int64 sum divided by its
     * count with C's truncating division; no gradient (integer tensors have none). The volumetric average pooling
     * computes it (exactly, in int64) over a unit depth.
     */
    private static Tensor avgPool2dInt64(Tensor input, Pool2dParams p) {
        try (GradMode off = Ember.noGrad()) {
            return VolumetricOps.avgPool3d(input.unsqueeze(-3), new int[] {1, p.kernelH(), p.kernelW()},
                    new int[] {1, p.strideH(), p.strideW()}, new int[] {0, p.padH(), p.padW()}, p.ceilMode(),
                    p.countIncludePad(), null).squeeze(-3);
        }
    }

    /** The kernel over a 4-D input, or a 3-D one seen as a batch of one (one node, as PyTorch's). */
    private static Tensor avgPool2dKernel(Tensor input, Pooling geometry) {
        Pool2dParams p = geometry.params();
        int[] outShape = withPlane(input.shape, geometry.outH(), geometry.outW());
        boolean cl = suggestsChannelsLast(input); // output and input gradient in the input's format, as PyTorch's CPU kernel
        Tensor x = input.contiguous();
        Tensor out = Creation.empty(outShape, input.dtype, input.device);
        out.backend.avgPool2d(x.storage(), as4d(x.layout), out.storage(), as4d(out.layout), p);
        out = channelsLastIf(out, cl);
        int[] inShape = input.shape;
        return ArithmeticOps.recordSavingInput(out, "AvgPool2DBackward0", input, n -> g -> {
            Tensor gy = g.contiguous();
            Tensor gx = Creation.empty(inShape, gy.dtype, gy.device);
            gy.backend.avgPool2dBackward(gy.storage(), as4d(gy.layout), gx.storage(), as4d(gx.layout), p);
            gx = channelsLastIf(gx, cl);
            // under create_graph, PyTorch's AvgPool2DBackwardBackward0: its gradient is the pooling itself
            return new Tensor[] {ArithmeticOps.record(gx, "AvgPool2DBackwardBackward0", new Tensor[] {g},
                    m -> gg -> new Tensor[] {avgPool2dKernel(gg, geometry)})};
        });
    }

    /**
     * One int for both dimensions ({@code {3}} means {@code {3, 3}}); any other length is passed on as given for the op
     * to judge with its own message (pooling takes an empty stride as "the kernel size"), and null stays null.
     */
    static int[] pair(int[] v, String name) {
        if (v == null) {
            return null;
        }
        if (v.length == 1) {
            return new int[] {v[0], v[0]};
        }
        return v.clone();
    }

    // ------------------------------------------------------------------ embeddings (issue 15)

    /** PyTorch's checkScalarTypes for an index argument of the embedding ops. */
    private static void checkIndexType(Tensor t, String name, String op) {
        if (t.dtype != DType.INT64 && t.dtype != DType.INT32) {
            throw new IllegalArgumentException("Expected tensor for argument #1 '" + name + "' to have one of the following "
                    + "scalar types: Long, Int; but got " + t.typeName() + " instead (while checking arguments for " + op + ")");
        }
    }

    /**
     * PyTorch's {@code embedding(weight, indices, padding_idx, scale_grad_by_freq)}: the rows of {@code weight} at
     * {@code indices} (shape {@code indices.shape + [D]}), one node EmbeddingBackward0 with embedding_dense_backward: the
     * gradient rows added into zeros at their indices (index_add), none for rows equal to {@code paddingIdx}, divided
     * by each index's count with {@code scaleGradByFreq}.
     */
    static Tensor embedding(Tensor weight, Tensor indices, long paddingIdx, boolean scaleGradByFreq) {
        return embedding(weight, indices, paddingIdx, scaleGradByFreq, false);
    }

    /**
     * {@link #embedding(Tensor, Tensor, long, boolean)} with PyTorch's {@code sparse}: with it the weight's gradient is
     * sparse (embedding_sparse_backward): one entry per lookup, at the row looked up, holding that lookup's gradient
     * row, uncoalesced, the lookups of {@code paddingIdx} dropped (a gradient with no entries when every lookup is of
     * it); {@code scaleGradByFreq} is refused then, in the backward pass, as PyTorch. A backward pass that records its
     * own graph ({@code create_graph}) gets the dense gradient.
     */
    static Tensor embedding(Tensor weight, Tensor indices, long paddingIdx, boolean scaleGradByFreq, boolean sparse) {
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("'weight' must be 2-D");
        }
        checkIndexType(indices, "indices", "embedding");
        ArithmeticOps.checkSameDevice(weight, indices);
        int[] shape = Arrays.copyOf(indices.shape, indices.dim() + 1);
        shape[indices.dim()] = weight.shape[1];
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            out = IndexingOps.indexSelect(weight, 0, indices.reshape(-1)).view(shape);
        }
        int rows = weight.shape[0];
        int d = weight.shape[1];
        Tensor result = out.detach();
        return ArithmeticOps.record(result, "EmbeddingBackward0", new Tensor[] {weight}, node -> {
            SavedTensor si = node.save(indices);
            return g -> {
                Tensor idx = si.get().reshape(-1);
                // the row count spelled out: reshape(-1, 0) is ambiguous for an embedding dimension of 0
                Tensor rowsGrad = g.reshape(Math.toIntExact(idx.numel()), d);
                if (sparse && !GradMode.isEnabled()) {
                    return new Tensor[] {sparseEmbeddingGrad(idx, rowsGrad, rows, d, paddingIdx, scaleGradByFreq)};
                }
                if (paddingIdx >= 0) {
                    rowsGrad = Tensor.where(idx.ne(paddingIdx).unsqueeze(1), rowsGrad, 0.0);
                }
                if (scaleGradByFreq && idx.numel() > 0 && !idx.device.isMeta()) { // meta: no counts, the same shape
                    Tensor counts = idx.bincount(rows).indexSelect(0, idx);
                    rowsGrad = rowsGrad.div(ArithmeticOps.cast(counts, g.dtype).unsqueeze(1));
                }
                // embedding_dense_backward: zeros(num_weights, d).index_add_(0, indices, grad), in place on the zeros
                return new Tensor[] {IndexingOps.indexAddIntoZeros(new int[] {rows, d}, 0, idx, rowsGrad)};
            };
        });
    }

    /**
     * PyTorch's {@code embedding_sparse_backward}: the sparse gradient (carried through the backward pass, see
     * {@link SparseGradOps}) with one entry per lookup of {@code idx} (flat) not equal to {@code paddingIdx}, its value
     * that lookup's gradient row.
     */
    static Tensor sparseEmbeddingGrad(Tensor idx, Tensor rowsGrad, int rows, int d, long paddingIdx,
                                      boolean scaleGradByFreq) {
        if (scaleGradByFreq) {
            throw new IllegalStateException("embedding_backward: scale_grad_by_freq not supported with sparse gradients");
        }
        Tensor index = idx.to(DType.INT64);
        Tensor values;
        // PyTorch's values are grad.reshape(-1, d) (a view where it can be, so the expanded gradient of a sum is not
        // contiguous), or the rows a boolean index picked (contiguous): how they add up to other sparse gradients
        // depends on it
        boolean contiguous = paddingIdx >= 0 || rowsGrad.isContiguous();
        if (paddingIdx >= 0) {
            Tensor kept = index.ne(paddingIdx).nonzero().reshape(-1);
            index = index.indexSelect(0, kept);
            values = rowsGrad.indexSelect(0, kept);
        } else {
            // a tensor of its own: the gradient outlives the formula's incoming gradient
            values = ViewOps.cloneContiguous(rowsGrad);
        }
        Tensor indices = ViewOps.cloneContiguous(index.reshape(1, -1));
        return SparseGradOps.carrier(dev.ember.sparse.SparseGrads.unsafe(indices, values, new int[] {rows, d}),
                contiguous);
    }

    /**
     * PyTorch's {@code embedding_renorm_}: each row of {@code weight} that {@code indices} names (once each) whose
     * {@code normType}-norm exceeds {@code maxNorm} is scaled in place by {@code maxNorm / (norm + 1e-7)}, without
     * recording; returns weight.
     */
    static Tensor embeddingRenorm_(Tensor weight, Tensor indices, double maxNorm, double normType) {
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("'self' must be 2-D");
        }
        checkIndexType(indices, "indices", "embedding_renorm_");
        ArithmeticOps.checkSameDevice(weight, indices);
        if (indices.numel() == 0) {
            return weight;
        }
        try (GradMode off = Ember.noGrad()) {
            // int64 for index_copy_, which takes no other index type (the indices may be int32)
            Tensor uniq = ArithmeticOps.cast(indices.reshape(-1).unique(), DType.INT64);
            // PyTorch takes the rows in sorted order with select(), which wraps negative indices and stops at the first
            // one out of range (having renormed the rows before it; nothing is written here): its message, its wrap
            long[] sorted = uniq.toLongArray();
            int n = weight.shape[0];
            for (long i : sorted) {
                if (i < -n || i >= n) {
                    throw new IndexOutOfBoundsException("select(): index " + i + " out of range for tensor of size "
                            + Shapes.str(weight.shape) + " at dimension 0");
                }
            }
            if (sorted[0] < 0) {
                uniq = Tensor.where(uniq.lt(0L), uniq.add(n), uniq).unique();
            }
            Tensor rows = IndexingOps.indexSelect(weight, 0, uniq);
            // the norm in the weight's type, read as a double, and the scale computed in double, as PyTorch's loop
            Tensor norms = ArithmeticOps.cast(rows.vectorNorm(normType, new int[] {1}, true), DType.FLOAT64);
            Tensor scale = Tensor.where(norms.gt(maxNorm), norms.add(1e-7).rdiv(maxNorm), 1.0);
            weight.indexCopy_(0, uniq, rows.mul(ArithmeticOps.cast(scale, weight.dtype)));
        }
        return weight;
    }

    /** The bags of an embedding_bag: the kept positions of the indices, their bags and rows, and each bag's size. */
    private record Bags(long[] positions, long[] bags, long[] rows, long[] sizes) {
    }

    private static Tensor longs(long[] v, Device device) {
        return Creation.fromFlat(v, new int[] {v.length}, DType.INT64, device);
    }

    /**
     * PyTorch's {@code embedding_bag} for 1-D {@code indices} and {@code offsets} (mode 0 sum, 1 mean, 2 max): each bag
     * reduces the rows of its indices (those equal to {@code paddingIdx} left out; an empty bag gives zeros), sums
     * scaled by {@code perSampleWeights} (may be null; sum only). One node EmbeddingBagBackward0 over weight and
     * perSampleWeights (_embedding_bag_backward and _embedding_bag_per_sample_weights_backward). The offsets are read on
     * the host.
     */
    static Tensor embeddingBag(Tensor weight, Tensor indices, Tensor offsets, boolean scaleGradByFreq, int mode,
                               Tensor perSampleWeights, boolean includeLastOffset, long paddingIdx) {
        return embeddingBag(weight, indices, offsets, scaleGradByFreq, mode, perSampleWeights, includeLastOffset,
                paddingIdx, false);
    }

    /**
     * embedding_bag's checks of its arguments, in PyTorch's order, before anything is read or written: the index types,
     * the weight's rank and type, the 1-D indices and offsets, the devices, the offsets' first and last values, the
     * per-sample weights, include_last_offset's offsets, then every index the kernel reads. 2.x's kernels word an index
     * out of range two ways: the fast path (sum and mean over a float32 / float16 / bfloat16 weight, no padding row:
     * fbgemm's {@code fbgemm_spmdm_report_error_}) names its position in the input and reads only the indices inside
     * the bags; the other kernels name the index alone and read all of them. The position is the one a single-threaded
     * run gives (2.x's parallel_for hands each thread a run of bags and counts the position from that run's first
     * index). (2.x also leaves the fast path for a weight whose rows are not contiguous, a transposed view: not
     * modelled, Ember's strides of a table need not be PyTorch's.)
     *
     * @return the offsets and the indices, read; null for meta tensors (nothing read)
     */
    static long[][] checkEmbeddingBag(Tensor weight, Tensor indices, Tensor offsets, int mode, Tensor perSampleWeights,
                                      boolean includeLastOffset, long paddingIdx) {
        checkIndexType(indices, "indices", "embedding_bag");
        checkIndexType(offsets, "offsets", "embedding_bag");
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("weight has to be a 2D Tensor, but got Tensor of dimension " + weight.dim());
        }
        if (!weight.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("Expected tensor for argument #1 'weight' to have one of the following scalar "
                    + "types: Half, BFloat16, Float, Double; but got " + weight.typeName() + " instead (while checking "
                    + "arguments for embedding_bag)");
        }
        if (indices.dim() != 1 || offsets.dim() != 1) {
            throw new IllegalArgumentException("embedding_bag: expected 1-D indices and offsets, got shapes "
                    + Shapes.str(indices.shape) + " and " + Shapes.str(offsets.shape));
        }
        ArithmeticOps.checkSameDevice(weight, indices, offsets, perSampleWeights);
        boolean meta = weight.device.isMeta(); // the offsets and indices have no values to check or read
        long[] off = meta ? null : offsets.toLongArray();
        int length = indices.shape[0];
        if (!meta && off.length > 0) {
            if (off[0] != 0) {
                throw new IllegalArgumentException("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
                        + "start from position 0. However, got " + off[0] + "\n[ " + (offsets.device.isCpu() ? "CPU" : "CUDA")
                        + "LongType{} ]");
            }
            if (off[off.length - 1] > length) {
                throw new IllegalArgumentException("offsets[-1] can not be greater than input's length " + length
                        + " but got offsets[-1] of " + off[off.length - 1]);
            }
        }
        if (perSampleWeights != null) {
            if (mode != 0) {
                throw new IllegalArgumentException("embedding_bag: per_sample_weights only supported with mode='sum'");
            }
            if (perSampleWeights.dtype != weight.dtype) {
                throw new IllegalArgumentException("Expected tensor for argument #1 'per_sample_weights' to have the same type "
                        + "as tensor for argument #1 'weight'; but type " + perSampleWeights.typeName() + " does not equal "
                        + weight.typeName() + " (while checking arguments for embedding_bag)");
            }
            if (perSampleWeights.dim() != 1 || perSampleWeights.numel() != length) {
                throw new IllegalArgumentException("embedding_bag: per_sample_weights must be 1-D with one weight per index, "
                        + "got shape " + Shapes.str(perSampleWeights.shape));
            }
        }
        if (includeLastOffset && offsets.shape[0] < 1) {
            throw new IllegalArgumentException("include_last_offset: number of offset should be at least 1");
        }
        if (meta) {
            return null;
        }
        long[] idx = indices.toLongArray();
        int rows = weight.shape[0];
        boolean fast = mode != 2 && paddingIdx < 0
                && (weight.dtype == DType.FLOAT32 || weight.dtype == DType.FLOAT16 || weight.dtype == DType.BFLOAT16);
        int end = fast && includeLastOffset && off.length > 0 ? (int) Math.min(off[off.length - 1], length) : length;
        for (int i = 0; i < end; i++) { // PyTorch's kernels check the indices in the input's order before any is read
            long r = idx[i];
            if (r < 0 || r >= rows) {
                throw new IndexOutOfBoundsException(fast
                        ? "Index " + i + " of input takes value " + r + " which is not in the valid range [0, " + rows + ")"
                        : "embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to be " + r);
            }
        }
        return new long[][] {off, idx};
    }

    /**
     * {@link #embeddingBag(Tensor, Tensor, Tensor, boolean, int, Tensor, boolean, long)} with PyTorch's {@code sparse}
     * (modes sum and mean): the weight's gradient is then sparse (_embedding_bag_sparse_backward): one entry per lookup
     * in the input's order, the padding lookups dropped, its value the bag's gradient row (divided by the bag's size for
     * mean, times the lookup's per-sample weight).
     */
    static Tensor embeddingBag(Tensor weight, Tensor indices, Tensor offsets, boolean scaleGradByFreq, int mode,
                               Tensor perSampleWeights, boolean includeLastOffset, long paddingIdx, boolean sparse) {
        long[][] read = checkEmbeddingBag(weight, indices, offsets, mode, perSampleWeights, includeLastOffset,
                paddingIdx);
        boolean meta = read == null;
        long[] off = meta ? null : read[0];
        int length = indices.shape[0];
        int numBags = includeLastOffset ? offsets.shape[0] - 1 : offsets.shape[0];
        if (meta) {
            // PyTorch 2.x's meta _embedding_bag: [bags, embedding_dim], nothing read; the gradients of the inputs' shapes
            Tensor out = Creation.empty(new int[] {numBags, weight.shape[1]}, weight.dtype, weight.device);
            return ArithmeticOps.record(out, "EmbeddingBagBackward0", new Tensor[] {weight, perSampleWeights}, node -> g ->
                    new Tensor[] {Creation.empty(weight.shape.clone(), g.dtype, g.device),
                        perSampleWeights == null ? null : Creation.empty(perSampleWeights.shape.clone(), g.dtype, g.device)});
        }
        long[] idx = read[1];
        int rows = weight.shape[0];
        int d = weight.shape[1];
        Bags bags = bags(idx, off, numBags, length, paddingIdx);
        Device device = weight.device;
        Tensor pos = longs(bags.positions(), device);
        Tensor bag = longs(bags.bags(), device);
        Tensor row = longs(bags.rows(), device);
        Tensor size = longs(bags.sizes(), device);
        Tensor out;
        Tensor maxIndices = null;
        try (GradMode off2 = Ember.noGrad()) {
            Tensor picked = IndexingOps.indexSelect(weight, 0, row);
            Tensor zeros = Creation.zeros(new int[] {numBags, d}, weight.dtype, device);
            if (mode == 2) {
                int k = bags.rows().length;
                out = zeros.scatterReduce(0, bag.unsqueeze(1).expand(k, d), picked, "amax", false);
                // the first position holding each bag's maximum, per feature; -1 for an empty bag
                Tensor hit = picked.eq(out.indexSelect(0, bag));
                Tensor at = Tensor.where(hit, Tensor.arange(k).to(device).unsqueeze(1).expand(k, d), (long) k);
                Tensor first = Tensor.full(DType.INT64, k, numBags, d).to(device)
                        .scatterReduce(0, bag.unsqueeze(1).expand(k, d), at, "amin", true);
                Tensor found = first.lt((long) k);
                Tensor rowOf = k == 0 ? first : row.indexSelect(0, first.clampMax((long) Math.max(0, k - 1)).reshape(-1))
                        .view(numBags, d);
                maxIndices = Tensor.where(found, rowOf, -1L);
            } else {
                if (perSampleWeights != null) {
                    picked = picked.mul(perSampleWeights.indexSelect(0, pos).unsqueeze(1));
                }
                out = zeros.indexAdd(0, bag, picked);
                if (mode == 1) {
                    out = out.div(ArithmeticOps.cast(size.clampMin(1L), weight.dtype).unsqueeze(1));
                }
            }
        }
        Tensor result = out;
        // PyTorch's saved outputs: offset2bag (the bag of every position, ATen's cumsum over the offsets), bag_size (the
        // bag sizes for mean and max, zeros for sum) and max_indices (the argmax for max, else a copy of bag_size)
        long[] o2b = new long[length];
        for (int i = 0, k = 0; i < length; i++) {
            while (k < off.length && off[k] <= i) {
                k++;
            }
            o2b[i] = k - 1;
        }
        Tensor offset2bag = longs(o2b, device);
        Tensor bagSize = mode == 0 ? Creation.zeros(new int[] {numBags}, DType.INT64, device) : size;
        Tensor maxIdx = mode == 2 ? maxIndices : bagSize.clone();
        return ArithmeticOps.record(result, "EmbeddingBagBackward0", new Tensor[] {weight, perSampleWeights}, node -> {
            SavedTensor sw = perSampleWeights != null && node.needsInputGrad(1) ? node.save(weight) : null;
            SavedTensor si = node.save(indices);
            SavedTensor so = node.save(offsets);
            SavedTensor sp = perSampleWeights != null && node.needsInputGrad(0) ? node.save(perSampleWeights) : null;
            SavedTensor sBag = node.save(offset2bag);
            SavedTensor sSize = node.save(bagSize);
            SavedTensor sMax = node.save(maxIdx);
            return g -> {
                so.get(); // unpacked as PyTorch unpacks every saved tensor (and version-checked); offset2bag has the bags
                // the kept positions, their bags and rows, from the saved indices and offset2bag
                long[] ix = si.get().toLongArray();
                long[] ob = sBag.get().toLongArray();
                int kept = 0;
                for (int i = 0; i < ix.length; i++) {
                    kept += ix[i] != paddingIdx && ob[i] >= 0 && ob[i] < numBags ? 1 : 0;
                }
                long[] keptPos = new long[kept];
                long[] keptBag = new long[kept];
                long[] keptRow = new long[kept];
                for (int i = 0, k = 0; i < ix.length; i++) {
                    if (ix[i] != paddingIdx && ob[i] >= 0 && ob[i] < numBags) {
                        keptPos[k] = i;
                        keptBag[k] = ob[i];
                        keptRow[k++] = ix[i];
                    }
                }
                Tensor kPos = longs(keptPos, g.device);
                Tensor kBag = longs(keptBag, g.device);
                Tensor kRow = longs(keptRow, g.device);
                Tensor gw = null;
                Tensor gp = null;
                if (node.needsInputGrad(0)) {
                    Tensor zeros = Creation.zeros(new int[] {rows, d}, g.dtype, g.device);
                    if (mode == 2) {
                        Tensor argmax = sMax.get();
                        Tensor valid = argmax.ge(0L);
                        gw = IndexingOps.scatterAddIntoNew(zeros, 0, argmax.clampMin(0L), Tensor.where(valid, g, 0.0));
                    } else {
                        Tensor per = g.indexSelect(0, kBag);
                        if (mode == 1) {
                            per = per.div(ArithmeticOps.cast(sSize.get().indexSelect(0, kBag), g.dtype).unsqueeze(1));
                        }
                        if (sp != null) {
                            per = per.mul(sp.get().indexSelect(0, kPos).unsqueeze(1));
                        }
                        if (sparse && !GradMode.isEnabled()) {
                            // PyTorch's values: index_select of the bags' gradients (contiguous), then embedding's
                            // sparse backward without padding (the padding lookups are already out of kRow)
                            gw = sparseEmbeddingGrad(kRow, per.contiguous(), rows, d, -1, scaleGradByFreq);
                        } else if (scaleGradByFreq && kRow.numel() > 0) {
                            Tensor counts = kRow.bincount(rows).indexSelect(0, kRow);
                            per = per.div(ArithmeticOps.cast(counts, g.dtype).unsqueeze(1));
                        }
                        if (gw == null) {
                            gw = IndexingOps.indexAddIntoNew(zeros, 0, kRow, per);
                        }
                    }
                }
                if (sw != null && node.computes(1, sw)) {
                    // _embedding_bag_per_sample_weights_backward (its own formula in PyTorch, computed only when the
                    // pass needs it): sum_d grad[kBag, d] * weight[index, d]
                    Tensor dots = g.indexSelect(0, kBag).mul(sw.get().indexSelect(0, kRow)).sum(new int[] {1}, false);
                    gp = IndexingOps.indexAddIntoNew(Creation.zeros(new int[] {length}, g.dtype, g.device), 0, kPos, dots);
                }
                return new Tensor[] {gw, gp};
            };
        });
    }

    /** The kept entries of each bag (bag b covers {@code [off[b], off[b + 1])}, the last up to the end) and bag sizes. */
    private static Bags bags(long[] idx, long[] off, int numBags, int length, long paddingIdx) {
        int kept = 0;
        long[] sizes = new long[Math.max(0, numBags)];
        for (int b = 0; b < numBags; b++) {
            long end = b + 1 < off.length ? off[b + 1] : length;
            for (long i = off[b]; i < Math.min(end, length); i++) {
                if (idx[(int) i] != paddingIdx) {
                    kept++;
                    sizes[b]++;
                }
            }
        }
        long[] positions = new long[kept];
        long[] bagOf = new long[kept];
        long[] rowOf = new long[kept];
        int k = 0;
        for (int b = 0; b < numBags; b++) {
            long end = b + 1 < off.length ? off[b + 1] : length;
            for (long i = off[b]; i < Math.min(end, length); i++) {
                if (idx[(int) i] != paddingIdx) {
                    positions[k] = i;
                    bagOf[k] = b;
                    rowOf[k] = idx[(int) i];
                    k++;
                }
            }
        }
        return new Bags(positions, bagOf, rowOf, sizes);
    }

    // ------------------------------------------------------------------ convolution and resampling layers (issue 15)

    /** {@code v} expanded to {@code n} values (one value stands for all), after {@link #expandedLength} passed it. */
    private static int[] expanded(int[] v, int n) {
        if (v.length == n) {
            return v.clone();
        }
        int[] out = new int[n];
        Arrays.fill(out, v[0]);
        return out;
    }

    /** A contiguous layout of {@code shape} over the storage of {@code t} (contiguous, of that many elements). */
    private static Layout denseAs(Tensor t, int[] shape) {
        return new Layout(shape, Layout.contiguousStrides(shape), t.layout.offset());
    }

    /**
     * PyTorch's {@code conv1d}: a 2-D or 3-D input convolved with a 3-D weight, computed as PyTorch's CPU computes it,
     * a convolution of unit height ({@code view1d_as_2d}) run by the 2-D kernels, and recorded as one node,
     * ConvolutionBackward0 (an unbatched input adds PyTorch's unsqueeze and squeeze). Checks in 2.x's order and words.
     */
    static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        if (Autocast.on()) return Autocast.apply("conv1d",
                t -> conv1d(t[0], t[1], t[2], stride, padding, dilation, groups), input, weight, bias);
        checkConvArguments("conv1d", 1, input, weight, bias, stride, padding, dilation, groups);
        boolean batched = input.dim() == 3;
        int[] xs = batched ? input.shape : prepend(1, input.shape);
        int[] ws = weight.shape;
        int k = weight.dim();
        int spatial = k - 2;
        int[] s = expanded(stride, spatial);
        int[] pad = expanded(padding, spatial);
        int[] dil = expanded(dilation, spatial);
        if (Arrays.stream(pad).anyMatch(v -> v < 0)) {
            throw new IllegalArgumentException("negative padding is not supported");
        }
        if (Arrays.stream(s).anyMatch(v -> v <= 0)) {
            throw new IllegalArgumentException("non-positive stride is not supported");
        }
        if (Arrays.stream(dil).anyMatch(v -> v <= 0)) {
            // 2.x's check_shape_forward wording for a negative dilation; a zero one its kernels reject in the same words
            throw new IllegalArgumentException("dilation should be greater than zero");
        }
        if (k != 3) {
            throw new IllegalArgumentException("Expected " + k + "-dimensional input for " + k + "-dimensional weight "
                    + Shapes.str(ws) + ", but got 3-dimensional input of size " + Shapes.str(xs) + " instead");
        }
        checkGroups(ws, groups);
        long channels = (long) ws[1] * groups;
        if (xs[1] != channels) {
            throw new IllegalArgumentException("Given groups=" + groups + ", weight of size " + Shapes.str(ws)
                    + ", expected input" + Shapes.str(xs) + " to have " + channels + " channels, but got " + xs[1]
                    + " channels instead");
        }
        if (bias != null && (bias.dim() != 1 || bias.shape[0] != ws[0])) {
            throw new IllegalArgumentException("Given weight of size " + Shapes.str(ws) + ", expected bias to be 1-dimensional with "
                    + ws[0] + " elements, but got bias of size " + Shapes.str(bias.shape) + " instead");
        }
        long padded = xs[2] + 2L * pad[0];
        long kernel = (long) dil[0] * (ws[2] - 1) + 1;
        if (padded < kernel) {
            throw new IllegalArgumentException("Calculated padded input size per channel: (" + padded + "). Kernel size: ("
                    + kernel + "). Kernel size can't be greater than actual input size");
        }
        if (input.dtype != weight.dtype) {
            throw new IllegalArgumentException("Input type (" + input.typeName() + ") and weight type (" + weight.typeName()
                    + ") should be the same");
        }
        if (input.dtype.isComplex()) {
            return ComplexMath.convolution(input, weight, bias, (x, w, b) -> conv1d(x, w, b, stride, padding, dilation, groups));
        }
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("slow_conv2d_cpu", input.dtype);
        }
        if (ws[2] == 0) {
            // the kernel PyTorch's CPU runs is the 2-D one, of unit height
            throw new IllegalArgumentException("kernel size should be greater than zero, but got kernel_height: 1 kernel_width: 0");
        }
        boolean empty = xs[0] == 0 || xs[1] == 0;
        if (!empty && xs[2] == 0) {
            throw new IllegalArgumentException("Only zero batch or zero channel inputs are supported, but got input shape: "
                    + Shapes.str(new int[] {xs[0], xs[1], 1, xs[2]}));
        }
        toInt(padded, "conv1d's padded input");
        toInt(kernel, "conv1d's dilated kernel");
        int ol = toInt((padded - kernel) / s[0] + 1, "conv1d's output");
        int[] outShape = {xs[0], xs[1] == 0 ? 0 : ws[0], ol}; // zero input channels: zero output channels, as conv2d
        Tensor x = batched ? input : input.unsqueeze(0);
        Tensor out;
        if (empty) {
            out = emptyConvolution(x, weight, bias, outShape);
        } else {
            out = convolution(x, weight, bias, new int[] {xs[0], xs[1], 1, xs[2]}, new int[] {ws[0], ws[1], 1, ws[2]},
                    new int[] {xs[0], ws[0], 1, ol}, outShape, new Conv2dParams(1, s[0], 0, pad[0], 1, dil[0], groups), false,
                    false);
        }
        return batched ? out : out.squeeze(0);
    }

    /** check_shape_forward's checks of the groups against the weight's first dimension. */
    private static void checkGroups(int[] ws, int groups) {
        if (ws[0] < groups) {
            throw new IllegalArgumentException("Given groups=" + groups + ", expected weight to be at least " + groups
                    + " at dimension 0, but got weight of size " + Shapes.str(ws) + " instead");
        }
        if (ws[0] % groups != 0) {
            throw new IllegalArgumentException("Given groups=" + groups + ", expected weight to be divisible by " + groups
                    + " at dimension 0, but got weight of size [" + Shapes.str(ws) + "] instead");
        }
    }

    /**
     * A transposed convolution's arguments after the checks PyTorch makes before its shape check, in its order and
     * words (batchify's rank check, the int-list lengths, signs, the weight's rank, groups, channels, bias, and
     * check_input_same_type_as_parameters), for {@code n} spatial dimensions: the batched input and weight shapes, the
     * int-lists expanded to {@code n} values, the output channels, and whether the input is empty (zero batch or
     * channels). {@code declared} gives an int-list as the op declares it ({@code conv_transpose3d}'s {@code int[3]}
     * repeats one int three times before any check).
     */
    record TransposeArgs(boolean batched, int[] xs, int[] ws, int[] stride, int[] padding, int[] dilation,
                         int[] outputPadding, long outChannels, boolean empty) {
    }

    static TransposeArgs transposeArgs(String op, int n, Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                       int[] outputPadding, int groups, int[] dilation, UnaryOperator<int[]> declared) {
        requireTensor(input, op, "input", 1);
        requireTensor(weight, op, "weight", 2);
        requireInts(stride, op, "stride", 4);
        requireInts(padding, op, "padding", 5);
        requireInts(outputPadding, op, "output_padding", 6);
        requireInts(dilation, op, "dilation", 8);
        ArithmeticOps.checkSameDevice(input, weight, bias);
        if (input.dim() != n + 1 && input.dim() != n + 2) {
            throw new IllegalArgumentException("Expected " + (n + 1) + "D (unbatched) or " + (n + 2) + "D (batched) input to "
                    + op + ", but got input of size: " + Shapes.str(input.shape));
        }
        boolean batched = input.dim() == n + 2;
        int[] xs = batched ? input.shape : prepend(1, input.shape);
        int[] ws = weight.shape;
        int k = weight.dim();
        if (k < 3) {
            throw new IllegalArgumentException("weight should have at least three dimensions");
        }
        if (groups <= 0) {
            throw new IllegalArgumentException("non-positive groups is not supported");
        }
        int spatial = k - 2;
        int[] st = declared.apply(stride);
        int[] pd = declared.apply(padding);
        int[] dl = declared.apply(dilation);
        int[] op2 = declared.apply(outputPadding);
        expandedLength(st, "stride", spatial);
        expandedLength(pd, "padding", spatial);
        expandedLength(dl, "dilation", spatial);
        expandedLength(op2, "output_padding", spatial);
        int[] s = expanded(st, spatial);
        int[] pad = expanded(pd, spatial);
        int[] dil = expanded(dl, spatial);
        int[] outPad = expanded(op2, spatial);
        if (Arrays.stream(pad).anyMatch(v -> v < 0)) {
            throw new IllegalArgumentException("negative padding is not supported");
        }
        if (Arrays.stream(outPad).anyMatch(v -> v < 0)) {
            throw new IllegalArgumentException("negative output_padding is not supported");
        }
        if (Arrays.stream(s).anyMatch(v -> v <= 0)) {
            throw new IllegalArgumentException("non-positive stride is not supported");
        }
        if (Arrays.stream(dil).anyMatch(v -> v < 0)) {
            throw new IllegalArgumentException("dilation should be greater than zero");
        }
        if (k != n + 2) {
            throw new IllegalArgumentException("Expected " + k + "-dimensional input for " + k + "-dimensional weight "
                    + Shapes.str(ws) + ", but got " + (n + 2) + "-dimensional input of size " + Shapes.str(xs) + " instead");
        }
        checkGroups(ws, groups);
        if (xs[1] != ws[0]) {
            throw new IllegalArgumentException("Given transposed=1, weight of size " + Shapes.str(ws) + ", expected input"
                    + Shapes.str(xs) + " to have " + ws[0] + " channels, but got " + xs[1] + " channels instead");
        }
        long outChannels = (long) ws[1] * groups;
        if (bias != null && (bias.dim() != 1 || bias.shape[0] != outChannels)) {
            throw new IllegalArgumentException("Given transposed=1, weight of size " + Shapes.str(ws) + ", expected bias to be "
                    + "1-dimensional with " + outChannels + " elements, but got bias of size " + Shapes.str(bias.shape)
                    + " instead");
        }
        // check_input_same_type_as_parameters (PyTorch 2.x; 1.13's slow kernel said "expected scalar type Float but
        // found Double")
        if (input.dtype != weight.dtype) {
            throw new IllegalArgumentException("Input type (" + input.typeName() + ") and weight type (" + weight.typeName()
                    + ") should be the same");
        }
        if (bias != null && input.dtype != bias.dtype) {
            throw new IllegalArgumentException("Input type (" + input.typeName() + ") and bias type (" + bias.typeName()
                    + ") should be the same");
        }
        return new TransposeArgs(batched, xs, ws, s, pad, dil, outPad, outChannels, xs[0] == 0 || xs[1] == 0);
    }

    /**
     * PyTorch's {@code conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)}: the
     * gradient of a convolution with respect to its input, as a layer. Its forward is the backend's
     * {@code conv2dBackwardInput} kernel with the weight {@code [in, out / groups, kh, kw]} in the convolution's
     * places, its input gradient the convolution {@code conv2d}, its weight gradient {@code conv2dBackwardWeight} with
     * the input and the output gradient in each other's places; one node, ConvolutionBackward0. A channels-last input
     * or weight gives a channels-last output, input gradient and weight gradient, as PyTorch 2.x's CPU
     * ({@code determine_backend_memory_format}: SlowTranspose2d and MkldnnTranspose follow
     * {@code thnn_conv_use_channels_last} / {@code mkldnn_conv_use_channels_last}, as conv2d; 1.13's
     * slow_conv_transpose2d gave a row-major output). The output size is
     * {@code (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1}. Checks in 2.x's order and words
     * (_convolution's check_shape_forward, then slow_conv_transpose2d's shape check).
     */
    static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding,
                                  int groups, int[] dilation) {
        if (Autocast.on()) return Autocast.apply("conv_transpose2d",
                t -> convTranspose2d(t[0], t[1], t[2], stride, padding, outputPadding, groups, dilation),
                input, weight, bias);
        // the op declares its int-lists int[2]: one int is repeated twice before any check, so a 3-D or 5-D weight gets
        // _convolution's "expected stride to be ... a list of 1 values ..., but got stride=[1, 1]" before the ranks'
        TransposeArgs a = transposeArgs("conv_transpose2d", 2, input, weight, bias, stride, padding, outputPadding, groups,
                dilation, v -> pair(v, null));
        boolean batched = a.batched();
        int[] xs = a.xs();
        int[] ws = a.ws();
        int[] s = a.stride();
        int[] pad = a.padding();
        int[] dil = a.dilation();
        int[] op2 = a.outputPadding();
        long outChannels = a.outChannels();
        boolean empty = a.empty();
        if (!empty && (xs[2] == 0 || xs[3] == 0)) {
            throw new IllegalArgumentException("Only zero batch or zero channel inputs are supported, but got input shape: "
                    + Shapes.str(xs));
        }
        // slow_conv_transpose2d_shape_check
        if (ws[2] <= 0 || ws[3] <= 0) {
            throw new IllegalArgumentException("kernel size should be greater than zero, but got kernel_height: " + ws[2]
                    + " kernel_width: " + ws[3]);
        }
        if (dil[0] <= 0 || dil[1] <= 0) {
            throw new IllegalArgumentException("dilation should be greater than zero, but got dilation_height: " + dil[0]
                    + ", dilation_width: " + dil[1]);
        }
        if (!((op2[1] < s[1] || op2[1] < dil[1]) && (op2[0] < s[0] || op2[0] < dil[0]))) {
            throw new IllegalArgumentException("output padding must be smaller than either stride or dilation, but got "
                    + "output_padding_height: " + op2[0] + " output_padding_width: " + op2[1] + " stride_height: " + s[0]
                    + " stride_width: " + s[1] + " dilation_height: " + dil[0] + " dilation_width: " + dil[1]);
        }
        long oh = (xs[2] - 1L) * s[0] - 2L * pad[0] + ((long) dil[0] * (ws[2] - 1) + 1) + op2[0];
        long ow = (xs[3] - 1L) * s[1] - 2L * pad[1] + ((long) dil[1] * (ws[3] - 1) + 1) + op2[1];
        if (empty) {
            emptyTransposedShape(xs[0], outChannels, oh, ow);
        } else if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("Given input size per channel: (" + xs[2] + " x " + xs[3] + "). Calculated output "
                    + "size per channel: (" + oh + " x " + ow + "). Output size is too small");
        }
        if (input.dtype == DType.INT64) {
            return exactInt64Transposed("conv_transpose2d", input, weight, bias, 2,
                    (x, w) -> convTranspose2d(x, w, null, stride, padding, outputPadding, groups, dilation));
        }
        if (input.dtype.isComplex()) {
            return ComplexMath.convolution(input, weight, bias, (x, w, b) -> convTranspose2d(x, w, b, stride, padding, outputPadding, groups, dilation));
        }
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("slow_conv_transpose2d_out_cpu", input.dtype);
        }
        int[] outShape = {xs[0], toInt(outChannels, "conv_transpose2d's output channels"), toInt(oh, "conv_transpose2d's output"),
            toInt(ow, "conv_transpose2d's output")};
        Tensor x = batched ? input : input.unsqueeze(0);
        Tensor out = empty ? emptyConvolution(x, weight, bias, outShape)
                : convolution(x, weight, bias, xs, ws, outShape, outShape,
                        new Conv2dParams(s[0], s[1], pad[0], pad[1], dil[0], dil[1], groups), true,
                        convUsesChannelsLast(x, weight));
        return batched ? out : out.squeeze(0);
    }

    /**
     * PyTorch's {@code conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)}: the
     * transposed convolution of {@code [N, C_in, L]} (or {@code [C_in, L]}) by {@code [C_in, C_out / groups, K]}, computed
     * as PyTorch's CPU computes it, a transposed convolution of unit height ({@code view1d_as_2d}) run by the 2-D
     * kernels, and recorded as one node, ConvolutionBackward0 (an unbatched input adds PyTorch's unsqueeze and squeeze).
     * Output length {@code (L - 1) stride - 2 padding + dilation (K - 1) + output_padding + 1}. Checks in 2.x's order
     * and words (batchify, check_shape_forward, then slow_conv_transpose2d's shape check of the unit-height view).
     */
    static Tensor convTranspose1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding,
                                  int groups, int[] dilation) {
        if (Autocast.on()) return Autocast.apply("conv_transpose1d",
                t -> convTranspose1d(t[0], t[1], t[2], stride, padding, outputPadding, groups, dilation),
                input, weight, bias);
        TransposeArgs a = transposeArgs("conv_transpose1d", 1, input, weight, bias, stride, padding, outputPadding, groups,
                dilation, v -> v);
        boolean batched = a.batched();
        int[] xs = a.xs();
        int[] ws = a.ws();
        int[] s = a.stride();
        int[] pad = a.padding();
        int[] dil = a.dilation();
        int[] op2 = a.outputPadding();
        long outChannels = a.outChannels();
        boolean empty = a.empty();
        if (!empty && xs[2] == 0) {
            throw new IllegalArgumentException("Only zero batch or zero channel inputs are supported, but got input shape: "
                    + Shapes.str(new int[] {xs[0], xs[1], 1, xs[2]}));
        }
        // slow_conv_transpose2d_shape_check of the unit-height view: kernel (1, K), stride (1, s), dilation (1, d),
        // output padding (0, op)
        if (ws[2] <= 0) {
            throw new IllegalArgumentException("kernel size should be greater than zero, but got kernel_height: 1 kernel_width: "
                    + ws[2]);
        }
        if (dil[0] <= 0) {
            throw new IllegalArgumentException("dilation should be greater than zero, but got dilation_height: 1, "
                    + "dilation_width: " + dil[0]);
        }
        if (!(op2[0] < s[0] || op2[0] < dil[0])) {
            throw new IllegalArgumentException("output padding must be smaller than either stride or dilation, but got "
                    + "output_padding_height: 0 output_padding_width: " + op2[0] + " stride_height: 1 stride_width: " + s[0]
                    + " dilation_height: 1 dilation_width: " + dil[0]);
        }
        long ol = (xs[2] - 1L) * s[0] - 2L * pad[0] + ((long) dil[0] * (ws[2] - 1) + 1) + op2[0];
        if (empty) {
            emptyTransposedShape(xs[0], outChannels, 1, ol); // the unit-height view PyTorch's _convolution makes
        } else if (ol < 1) {
            throw new IllegalArgumentException("Given input size per channel: (1 x " + xs[2] + "). Calculated output "
                    + "size per channel: (1 x " + ol + "). Output size is too small");
        }
        if (input.dtype == DType.INT64) {
            return exactInt64Transposed("conv_transpose1d", input, weight, bias, 1,
                    (x, w) -> convTranspose1d(x, w, null, stride, padding, outputPadding, groups, dilation));
        }
        if (input.dtype.isComplex()) {
            return ComplexMath.convolution(input, weight, bias, (x, w, b) -> convTranspose1d(x, w, b, stride, padding, outputPadding, groups, dilation));
        }
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("slow_conv_transpose2d_out_cpu", input.dtype);
        }
        int oc = toInt(outChannels, "conv_transpose1d's output channels");
        int ol32 = toInt(ol, "conv_transpose1d's output");
        int[] outShape = {xs[0], oc, ol32};
        Tensor x = batched ? input : input.unsqueeze(0);
        Tensor out = empty ? emptyConvolution(x, weight, bias, outShape)
                : convolution(x, weight, bias, new int[] {xs[0], xs[1], 1, xs[2]}, new int[] {ws[0], ws[1], 1, ws[2]},
                        new int[] {xs[0], oc, 1, ol32}, outShape, new Conv2dParams(1, s[0], 0, pad[0], 1, dil[0], groups), true,
                        false);
        return batched ? out : out.squeeze(0);
    }

    /** {@code t} contiguous, copied without history when it is not (as the convolution kernels read it). */
    private static Tensor contiguousWithoutGraph(Tensor t) {
        try (GradMode off = Ember.noGrad()) {
            return t.contiguous();
        }
    }

    /**
     * One convolution node over the kernels of the 2-D convolution: {@code x4}, {@code w4} and {@code out4} are the
     * 4-D shapes the kernels see of the (batched) input, the weight and the output, {@code outShape} the output's own
     * (3-D for conv1d). Transposed, the forward is the input-gradient kernel (and the bias added), the input gradient
     * the forward kernel and the weight gradient the weight-gradient kernel with input and output gradient swapped.
     * {@code cl}: the output and the input and weight gradients in channels-last strides.
     */
    private static Tensor convolution(Tensor input, Tensor weight, Tensor bias, int[] x4, int[] w4, int[] out4, int[] outShape,
                                      Conv2dParams p, boolean transposed, boolean cl) {
        Tensor x;
        Tensor w;
        Tensor b;
        try (GradMode off = Ember.noGrad()) {
            x = input.contiguous();
            w = weight.contiguous();
            b = denseAtStart(bias);
        }
        Layout lx = denseAs(x, x4);
        Layout lw = denseAs(w, w4);
        Tensor out = Creation.empty(outShape, input.dtype, input.device);
        Layout lo = denseAs(out, out4);
        Backend be = out.backend;
        if (!transposed) {
            be.conv2d(x.storage(), lx, w.storage(), lw, b == null ? null : b.storage(), out.storage(), lo, p);
        } else {
            be.conv2dBackwardInput(x.storage(), lx, w.storage(), lw, out.storage(), lo, p);
            if (b != null) {
                try (GradMode off = Ember.noGrad()) {
                    // [1, C, 1, 1] for conv_transpose2d, [1, C, 1] for conv_transpose1d's 3-D output
                    out.add_(outShape.length == 3 ? b.view(1, b.shape[0], 1) : b.view(1, b.shape[0], 1, 1));
                }
            }
        }
        // cl: the output and both gradients in channels-last strides (convUsesChannelsLast), the kernels' row-major
        // results copied
        out = channelsLastIf(out, cl);
        int[] inShape = input.shape;
        int[] wShape = weight.shape;
        int[] biasDims = outShape.length == 3 ? new int[] {0, 2} : new int[] {0, 2, 3};
        return ArithmeticOps.record(out, "ConvolutionBackward0", new Tensor[] {input, weight, bias}, n -> {
            // input and weight as they are, as PyTorch's node saves them (not also the contiguous copies the forward
            // kernel read, which would keep a second copy of a strided input alive): the kernels get contiguous ones
            // made in the backward, a backward that records its graph the tensors themselves, so that second
            // derivatives reach the input and the weight
            // both, whichever gradient is asked for, as PyTorch's node saves them: a backward under create_graph is
            // convolution_backward over (grad, input, weight), whose results require grad where any of the three does
            SavedTensor sxg = n.save(input);
            SavedTensor swg = n.save(weight);
            return g -> {
                // asked when the backward runs: a pass may need only some of the gradients (PyTorch's output_mask)
                boolean[] needed = {n.needsInputGrad(0), n.needsInputGrad(1), n.needsInputGrad(2)};
                if (GradMode.gradMode()) {
                    return convolutionBackwardRecorded(g, sxg.get(), swg.get(), t -> {
                        Tensor[] d = convGradsWithGraph(needed[1] ? t[1].reshape(x4) : null,
                                needed[0] ? t[2].reshape(w4) : null, t[0].reshape(out4), x4, w4, p, transposed);
                        return new Tensor[] {d[0] == null ? null : convFormatKeepingGraph(d[0].reshape(inShape), cl),
                            d[1] == null ? null : convFormatKeepingGraph(d[1].reshape(wShape), cl),
                            needed[2] ? t[0].sum(biasDims, false) : null};
                    });
                }
                Tensor gy = g.contiguous();
                Layout lgy = denseAs(gy, out4);
                Tensor gx = null;
                Tensor gw = null;
                // both unpacked, as PyTorch's node unpacks every saved variable (an in-place change of either is reported)
                Tensor savedInput = sxg.get();
                Tensor savedWeight = swg.get();
                if (needed[0]) {
                    Tensor wv = contiguousWithoutGraph(savedWeight);
                    gx = Creation.empty(inShape, gy.dtype, gy.device);
                    Layout lgx = denseAs(gx, x4);
                    Layout lwv = denseAs(wv, w4);
                    if (transposed) {
                        gy.backend.conv2d(gy.storage(), lgy, wv.storage(), lwv, null, gx.storage(), lgx, p);
                    } else {
                        gy.backend.conv2dBackwardInput(gy.storage(), lgy, wv.storage(), lwv, gx.storage(), lgx, p);
                    }
                }
                if (needed[1]) {
                    Tensor xv = contiguousWithoutGraph(savedInput);
                    gw = Creation.empty(wShape, gy.dtype, gy.device);
                    Layout lgw = denseAs(gw, w4);
                    Layout lxv = denseAs(xv, x4);
                    if (transposed) {
                        gy.backend.conv2dBackwardWeight(xv.storage(), lxv, gy.storage(), lgy, gw.storage(), lgw, p);
                    } else {
                        gy.backend.conv2dBackwardWeight(gy.storage(), lgy, xv.storage(), lxv, gw.storage(), lgw, p);
                    }
                }
                Tensor gb = n.needsInputGrad(2) ? g.sum(biasDims, false) : null;
                return new Tensor[] {channelsLastIf(gx, cl), channelsLastIf(gw, cl), gb};
            };
        });
    }

    /**
     * A convolution over an empty batch or zero input channels (PyTorch's ConvBackend::Empty): the bias, or zeros, in
     * the output's shape (which the caller gives zero channels for zero input channels, as PyTorch does), with zero
     * gradients for the input and the weight, and for the bias the output gradient's sum, zeros when the output has
     * no channels; one node, ConvolutionBackward0.
     */
    /**
     * An empty input's transposed-convolution output shape ({@code [N, C_out, spatial...]}) as PyTorch's Empty
     * convolution backend takes it: no output-size check, the result viewed to the computed shape, so a negative size is
     * view's refusal ("invalid shape dimension -3"; a -1 the ambiguous inference of 0 elements) and a zero size an empty
     * result (a non-empty input's "Output size is too small" is slow_conv_transpose's check, which an empty input never
     * reaches).
     */
    static void emptyTransposedShape(long... shape) {
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, shape[i]));
        }
        Shapes.inferSize(s, 0);
    }

    private static Tensor emptyConvolution(Tensor input, Tensor weight, Tensor bias, int[] outShape) {
        Tensor out = Creation.zeros(outShape, input.dtype, input.device);
        int[] biasView = new int[outShape.length];
        Arrays.fill(biasView, 1);
        biasView[1] = outShape[1];
        boolean biasReachesOut = bias != null && outShape[1] == bias.numel();
        if (biasReachesOut) {
            try (GradMode off = Ember.noGrad()) {
                out.add_(bias.reshape(biasView));
            }
        }
        int[] inShape = input.shape;
        int[] wShape = weight.shape;
        int[] bShape = bias == null ? null : bias.shape;
        int[] biasDims = outShape.length == 3 ? new int[] {0, 2} : new int[] {0, 2, 3};
        return ArithmeticOps.record(out, "ConvolutionBackward0", new Tensor[] {input, weight, bias}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? Creation.zeros(inShape, g.dtype, g.device) : null,
            n.needsInputGrad(1) ? Creation.zeros(wShape, g.dtype, g.device) : null,
            !n.needsInputGrad(2) ? null
                    : biasReachesOut ? g.sum(biasDims, false) : Creation.zeros(bShape, g.dtype, g.device)});
    }

    // ------------------------------------------------------------------ adaptive pooling

    /** A 3-D {@code [C, H, W]} layout as the 4-D {@code [1, C, H, W]} the kernels take; a 4-D one as it is. */
    private static Layout as4d(Layout l) {
        if (l.rank() == 4) {
            return l;
        }
        int[] s = l.shape();
        return new Layout(new int[] {1, s[0], s[1], s[2]}, new int[] {0, l.stride(0), l.stride(1), l.stride(2)}, l.offset());
    }

    /** {@code shape} with its last two sizes replaced. */
    static int[] withPlane(int[] shape, int h, int w) {
        int[] out = shape.clone();
        out[out.length - 2] = h;
        out[out.length - 1] = w;
        return out;
    }

    /**
     * PyTorch 2.x's {@code adaptive_avg_pool2d(input, output_size)}: an output of 1 x 1 is {@code input.mean((-1, -2),
     * keepdim=True)} (MeanBackward1, any rank), as PyTorch computes it; any other size the adaptive-average kernel over a
     * 3-D or 4-D input, one node AdaptiveAvgPool2DBackward0, whose backward kernel is itself differentiable
     * (AdaptiveAvgPool2DBackwardBackward0).
     */
    static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
        requireTensor(input, "adaptive_avg_pool2d", "input", 1);
        requireInts(outputSize, "adaptive_avg_pool2d", "output_size", 2);
        if (outputSize.length != 2) {
            throw new IllegalArgumentException("adaptive_avg_pool2d: output_size must be 2");
        }
        if (outputSize[0] < 0 || outputSize[1] < 0) {
            throw new IllegalArgumentException("adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
                    + "but received {" + outputSize[0] + ", " + outputSize[1] + "}");
        }
        if (outputSize[0] == 1 && outputSize[1] == 1) {
            Tensor mean = input.mean(new int[] {-1, -2}, true);
            if (!suggestsChannelsLast(input)) {
                return mean;
            }
            // PyTorch restrides the mean of a channels-last input in place to [C, 1, C, C] (as_strided_, node
            // AsStridedBackward1, its gradient passed through): the same elements in the same order
            return ArithmeticOps.record(channelsLastIf(mean, true), "AsStridedBackward1", new Tensor[] {mean},
                    n -> g -> new Tensor[] {g});
        }
        int nd = input.dim();
        if (nd != 3 && nd != 4) {
            throw new IllegalArgumentException("adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got " + Shapes.str(input.shape));
        }
        for (int i = nd - 2; i < nd; i++) {
            if (input.shape[i] == 0) {
                throw new IllegalArgumentException("adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch "
                        + "dimensions, but input has sizes " + Shapes.str(input.shape) + " with dimension " + i + " being empty");
            }
        }
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("adaptive_avg_pool2d", input.dtype);
        }
        return adaptiveAvgKernel(input, outputSize[0], outputSize[1]);
    }

    private static Tensor adaptiveAvgKernel(Tensor input, int oh, int ow) {
        boolean cl = suggestsChannelsLast(input); // output and input gradient in the input's format, as PyTorch's CPU kernel
        Tensor out = Creation.empty(withPlane(input.shape, oh, ow), input.dtype, input.device);
        out.backend.adaptiveAvgPool2d(input.storage(), as4d(input.layout), out.storage(), as4d(out.layout));
        out = channelsLastIf(out, cl);
        int[] inShape = input.shape;
        return ArithmeticOps.recordSavingInput(out, "AdaptiveAvgPool2DBackward0", input,
                n -> g -> new Tensor[] {adaptiveAvgBackward(g, inShape, cl)});
    }

    /**
     * {@code _adaptive_avg_pool2d_backward}, linear in {@code g}: its own gradient is the forward pooling. Like
     * PyTorch's (AdaptiveAveragePooling.cpp), it refuses a gradient with an empty non-batch dim, which the forward
     * lets through where only the batch and channel dims are empty (a [0, 0, H, W] input).
     */
    private static Tensor adaptiveAvgBackward(Tensor g, int[] inShape, boolean cl) {
        for (int i = 1; i < g.dim(); i++) {
            if (g.shape[i] == 0) {
                throw new IllegalArgumentException("adaptive_avg_pool2d_backward(): Expected grad_output to have "
                        + "non-zero size for non-batch dimensions, but grad_output has sizes " + Shapes.str(g.shape)
                        + " with dimension " + i + " being empty");
            }
        }
        Tensor gx = Creation.empty(inShape, g.dtype, g.device);
        g.backend.adaptiveAvgPool2dBackward(g.storage(), as4d(g.layout), gx.storage(), as4d(gx.layout));
        gx = channelsLastIf(gx, cl);
        int oh = g.shape[g.dim() - 2];
        int ow = g.shape[g.dim() - 1];
        return ArithmeticOps.record(gx, "AdaptiveAvgPool2DBackwardBackward0", new Tensor[] {g},
                n -> gg -> new Tensor[] {adaptiveAvgKernel(gg, oh, ow)});
    }

    /**
     * PyTorch's {@code adaptive_max_pool2d(input, output_size)} of a 3-D or 4-D input: the maxima and their int64 flat
     * indices within each plane; one node AdaptiveMaxPool2DBackward0, whose backward scatters the gradient to the
     * indices (scatter_add, so it can be differentiated again: a gather, as PyTorch's double backward).
     */
    static Tensor.ValuesIndices adaptiveMaxPool2d(Tensor input, int[] outputSize) {
        requireTensor(input, "adaptive_max_pool2d", "input", 1);
        requireInts(outputSize, "adaptive_max_pool2d", "output_size", 2);
        int nd = input.dim();
        if (nd != 3 && nd != 4) {
            throw new IllegalArgumentException("adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: " + Shapes.str(input.shape));
        }
        for (int i = 1; i < nd; i++) {
            if (input.shape[i] == 0) {
                throw new IllegalArgumentException("adaptive_max_pool2d(): Expected input to have non-zero size for non-batch "
                        + "dimensions, but input has sizes " + Shapes.str(input.shape) + " with dimension " + i + " being empty");
            }
        }
        if (outputSize.length != 2) {
            throw new IllegalArgumentException("adaptive_max_pool2d(): internal error: output_size.size() must be 2");
        }
        int[] outShape = withPlane(input.shape, outputSize[0], outputSize[1]);
        for (int v : outputSize) {
            if (v < 0) {
                throw new IllegalArgumentException("Trying to create tensor with negative dimension " + v + ": "
                        + Shapes.str(outShape));
            }
        }
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("adaptive_max_pool2d", input.dtype);
        }
        Tensor out = Creation.empty(outShape, input.dtype, input.device);
        Tensor idx = Creation.empty(outShape, DType.INT64, input.device);
        out.backend.adaptiveMaxPool2d(input.storage(), as4d(input.layout), out.storage(), as4d(out.layout), idx.storage(),
                as4d(idx.layout));
        // PyTorch's CPU kernel: output, indices and input gradient in input.suggest_memory_format()
        boolean cl = suggestsChannelsLast(input);
        out = channelsLastIf(out, cl);
        int[] inShape = input.shape;
        long planes = 1;
        for (int i = 0; i < nd - 2; i++) {
            planes *= inShape[i];
        }
        int rows = (int) planes;
        int inPlane = inShape[nd - 2] * inShape[nd - 1];
        int outPlane = outputSize[0] * outputSize[1];
        ArithmeticOps.recordSavingInput(out, "AdaptiveMaxPool2DBackward0", input, n -> {
            SavedTensor si = n.save(idx);
            return g -> {
                Tensor at = si.get().reshape(rows, outPlane);
                Tensor gx = IndexingOps.scatterAddIntoZeros(new int[] {rows, inPlane}, 1, at, g.reshape(rows, outPlane));
                return new Tensor[] {channelsLastKeepingGraph(gx.view(inShape), cl)};
            };
        });
        return new Tensor.ValuesIndices(out, channelsLastIf(idx, cl));
    }

    // ------------------------------------------------------------------ upsampling

    /**
     * PyTorch's {@code compute_output_size} of the upsampling ops' {@code .vec} overloads: {@code outputSize}, or each
     * spatial size times its scale factor, truncated; exactly one of the two is given.
     */
    static int[] upsampleSize(Tensor input, int[] outputSize, double[] scaleFactors) {
        int spatial = input.dim() - 2;
        if ((outputSize == null) == (scaleFactors == null)) {
            throw new IllegalArgumentException("Must specify exactly one of output_size and scale_factors");
        }
        if (outputSize != null) {
            if (outputSize.length != spatial) {
                throw new IllegalArgumentException("It is expected output_size equals to " + spatial + ", but got size "
                        + outputSize.length);
            }
            return outputSize.clone();
        }
        if (scaleFactors.length != spatial) {
            throw new IllegalArgumentException("It is expected scale_factors equals to " + spatial + ", but got size "
                    + scaleFactors.length);
        }
        int[] out = new int[spatial];
        for (int i = 0; i < spatial; i++) {
            double odim = input.shape[i + 2] * scaleFactors[i];
            if (!(odim > Integer.MIN_VALUE && odim < Integer.MAX_VALUE)) {
                throw new IllegalArgumentException("value cannot be converted to type int64_t without overflow");
            }
            out[i] = (int) odim;
        }
        return out;
    }

    /** upsample_Nd_common_check and the meta functions' check of an empty input, with PyTorch's messages. */
    static void checkUpsample(Tensor input, int[] out, int spatial) {
        if (input.dim() != spatial + 2) {
            throw new IllegalArgumentException("It is expected input_size equals to " + (spatial + 2) + ", but got size "
                    + input.dim());
        }
        String[] names = {"D", "H", "W"};
        StringBuilder in = new StringBuilder();
        StringBuilder o = new StringBuilder();
        boolean positive = true;
        for (int i = 0; i < spatial; i++) {
            String name = names[3 - spatial + i];
            in.append(i > 0 ? ", " : "").append(name).append(": ").append(input.shape[i + 2]);
            o.append(i > 0 ? ", " : "").append(name).append(": ").append(out[i]);
            positive &= input.shape[i + 2] > 0 && out[i] > 0;
        }
        if (!positive) {
            // upsample_1d_common_check words it "input (W: ..) and output (W: ..)", the 2-D and 3-D checks without "and"
            throw new IllegalArgumentException("Input and output sizes should be greater than 0, but got input (" + in + ")"
                    + (spatial == 1 ? " and" : "") + " output (" + o + ")");
        }
        if (input.numel() == 0 && input.shape[1] == 0) {
            throw new IllegalArgumentException("Non-empty " + (spatial + 2) + "D data tensor expected but got a tensor with sizes "
                    + Shapes.str(input.shape));
        }
        // the output within Ember's limits before any index table of its size is made
        int[] outShape = input.shape.clone();
        System.arraycopy(out, 0, outShape, 2, spatial);
        Shapes.storageNumel(outShape, input.dtype, input.device);
    }

    /**
     * PyTorch's {@code area_pixel_compute_scale} in {@code scalar_t} (float arithmetic for {@code single}), the step of
     * the linear, cubic and antialiased resamplings (and, in float, the quantized bilinear one): {@code (in - 1) /
     * (out - 1)} with {@code alignCorners} (0 for one output), else {@link #scaleValue}.
     */
    static double areaPixelScale(int in, int out, boolean alignCorners, double scale, boolean single) {
        if (alignCorners) {
            return out <= 1 ? 0 : single ? (float) (in - 1) / (out - 1) : (double) (in - 1) / (out - 1);
        }
        return scaleValue(scale, in, out, single);
    }

    /** PyTorch's {@code compute_scales_value}: {@code 1 / scale} for a positive scale given, else {@code in / out}. */
    private static double scaleValue(double scale, int in, int out, boolean single) {
        if (scale > 0) {
            return single ? (float) (1.0 / scale) : 1.0 / scale;
        }
        return single ? (float) in / out : (double) in / out;
    }

    /**
     * The source index of each output position of a nearest upsampling along one dimension, as PyTorch's CPU kernels
     * compute it ({@code HelperInterpNearest}, {@code HelperInterpNearestExact}): {@code floor(i * scale)} or, exact,
     * {@code floor((i + 0.5) * scale)}, at most {@code in - 1}, in float arithmetic for single precision (in double for
     * float64, whose source index {@code floorf} rounds to float before the floor). With
     * {@code legacy}, UpSample.h's {@code nearest_idx} / {@code nearest_exact_idx}, which the channels-last forward
     * kernels and every backward kernel use: float arithmetic for every type, and (nearest_idx) the output index itself
     * where {@code out == in}, {@code i >> 1} where {@code out == 2 in}, whatever the scale factor.
     */
    private static long[] nearestIndices(int in, int out, double scaleFactor, boolean exact, boolean single,
                                         boolean legacy) {
        single |= legacy;
        double scale = scaleValue(scaleFactor, in, out, single);
        long[] idx = new long[out];
        for (int i = 0; i < out; i++) {
            if (legacy && !exact && (out == in || out == 2 * in)) {
                idx[i] = out == in ? i : i >> 1;
                continue;
            }
            double src;
            if (single) {
                float sc = (float) scale;
                src = exact ? (float) ((i + 0.5) * sc) : (float) i * sc;
            } else {
                // opmath double, but floorf: the double source index is rounded to float before the floor (1/1.3 as
                // the scale: 19.5 * scale is 14.999999999999998 in double, 15 in float, PyTorch's row)
                src = (float) (exact ? (i + 0.5) * scale : i * scale);
            }
            idx[i] = Math.min((long) Math.floor(src), in - 1);
        }
        return idx;
    }

    /**
     * PyTorch's {@code upsample_nearest{1,2,3}d} (and, {@code exact}, {@code _upsample_nearest_exact{1,2,3}d}) of a 3-D,
     * 4-D or 5-D input, by output size or by scale factors (one of them null): every output element copies the input
     * element at its source position. Computed as index selections along the spatial dimensions (any type PyTorch's CPU
     * takes: floating and uint8) and recorded as one node, UpsampleNearest2DBackward0 (1D, 3D; NearestExact), whose
     * backward sums the gradient back with index_add (differentiable again).
     */
    static Tensor upsampleNearest(Tensor input, int[] outputSize, double[] scaleFactors, boolean exact) {
        if (Autocast.on()) return Autocast.apply(exact ? "_upsample_nearest_exact2d" : "upsample_nearest2d",
                t -> upsampleNearest(t[0], outputSize, scaleFactors, exact), input);
        requireTensor(input, exact ? "_upsample_nearest_exact2d" : "upsample_nearest2d", "input", 1);
        int spatial = input.dim() - 2;
        if (spatial < 1 || spatial > 3) {
            throw new IllegalArgumentException("It is expected input_size equals to 4, but got size " + input.dim());
        }
        int[] out = upsampleSize(input, outputSize, scaleFactors);
        checkUpsample(input, out, spatial);
        DType t = input.dtype;
        // 2.x's CPU kernels take the floating types (float16 and bfloat16 with float indices: opmath) and uint8
        if (!t.isFloatingPoint() && t != DType.UINT8) {
            throw Refusals.notImplemented("compute_indices_weights_nearest", t);
        }
        boolean single = t != DType.FLOAT64;
        int rank = input.dim();
        // PyTorch's forward takes the channels-last kernel (nearest_idx's indices) for an input contiguous in that
        // format, the generic one otherwise; its backward kernels always take nearest_idx's: for a scale factor whose
        // output size equals (nearest: or doubles) the input size, the generic forward's indices and the backward's
        // differ (x[0], x[0] forward from a size-2 dimension scaled by 1.3, the gradient passed through as is)
        boolean clForward = spatial >= 2 && channelsLastContiguous(input.shape, input.layout.strides());
        Tensor[] index = new Tensor[rank];
        Tensor[] backIndex = new Tensor[rank];
        Tensor y = input;
        try (GradMode off = Ember.noGrad()) {
            for (int i = 0; i < spatial; i++) {
                int in = input.shape[i + 2];
                double sf = scaleFactors == null ? 0 : scaleFactors[i];
                long[] idx = nearestIndices(in, out[i], sf, exact, single, clForward);
                index[i + 2] = indexUnlessIdentity(idx, in, input.device);
                // the channels-last forward already took the backward's indices
                backIndex[i + 2] = clForward ? index[i + 2]
                        : indexUnlessIdentity(nearestIndices(in, out[i], sf, exact, single, true), in, input.device);
                if (index[i + 2] != null) {
                    y = IndexingOps.indexSelect(y, i + 2, index[i + 2]);
                }
            }
            // PyTorch's output has input.suggest_memory_format(): channels-last (-3d) for a channels-last strided 4-D
            // (5-D) input, row-major otherwise, at every size (a new tensor at the identity size too)
            y = inSuggestedFormat(y, input, input);
        }
        int[] inShape = input.shape;
        String name = "UpsampleNearest" + (exact ? "Exact" : "") + spatial + "DBackward0";
        return ArithmeticOps.record(y, name, new Tensor[] {input},
                n -> g -> new Tensor[] {upsampleNearestBackward(g, backIndex, inShape, name)});
    }

    /**
     * {@code upsample_nearest{1,2,3}d_backward} (and the exact ones'): the gradient summed back to {@code inShape} with
     * index_add along the spatial dimensions ({@code backIndex}, null where a dimension is the identity), computed
     * without history and recorded as one node, {@code <name>Backward0} (PyTorch's UpsampleNearest2DBackwardBackward0),
     * whose gradient is the forward's selection of {@code gg} (index_select, differentiable again). The copy into the
     * suggested memory format (a new tensor at the identity size too) made the gradient a constant under
     * {@code create_graph} before (round 37).
     */
    private static Tensor upsampleNearestBackward(Tensor g, Tensor[] backIndex, int[] inShape, String name) {
        int rank = inShape.length;
        Tensor gx;
        try (GradMode off = Ember.noGrad()) {
            // float16/bfloat16: the sums in float32, rounded once (2.x's backward kernel accumulates in opmath)
            boolean reduced = g.dtype.isReducedFloatingPoint();
            gx = reduced ? g.to(DType.FLOAT32) : g;
            for (int d = rank - 1; d >= 2; d--) {
                if (backIndex[d] != null) {
                    int[] shape = gx.shape.clone();
                    shape[d] = inShape[d];
                    gx = IndexingOps.indexAddIntoZeros(shape, d, backIndex[d], gx);
                }
            }
            gx = reduced ? gx.to(g.dtype) : gx;
            // the 2-D backward's meta function: grad_output.suggest_memory_format(); 1.13's 1-D and 3-D ones row-major
            gx = inSuggestedFormat(gx, rank == 4 ? g : null, g);
        }
        return ArithmeticOps.record(gx, name.replace("Backward0", "BackwardBackward0"), new Tensor[] {g}, n -> gg -> {
            Tensor x = gg;
            for (int d = 2; d < rank; d++) {
                if (backIndex[d] != null) {
                    x = x.indexSelect(d, backIndex[d]);
                }
            }
            return new Tensor[] {x};
        });
    }

    /** The indices as an int64 tensor, or null where they select every element of a dimension of {@code in} in order. */
    private static Tensor indexUnlessIdentity(long[] idx, int in, Device device) {
        boolean identity = in == idx.length;
        for (int j = 0; identity && j < idx.length; j++) {
            identity = idx[j] == j;
        }
        return identity ? null : Creation.fromFlat(idx, new int[] {idx.length}, DType.INT64, device);
    }

    /**
     * c10's {@code is_contiguous(ChannelsLast)} / {@code (ChannelsLast3d)} of a 4-D / 5-D layout: dense in the order
     * C, the spatial dimensions from the last, N, dimensions of size 1 skipped (so a contiguous input with one channel
     * is one too).
     */
    static boolean channelsLastContiguous(int[] sizes, int[] strides) {
        int[] order = sizes.length == 4 ? new int[] {1, 3, 2, 0} : sizes.length == 5 ? new int[] {1, 4, 3, 2, 0} : null;
        if (order == null) {
            return false;
        }
        long expected = 1;
        for (int d : order) {
            if (sizes[d] != 1) {
                if (strides[d] != expected) {
                    return false;
                }
                expected *= sizes[d];
            }
        }
        return true;
    }

    /**
     * c10's {@code is_channels_last_strides_2d} (4-D) and {@code is_channels_last_strides_3d} (5-D), what
     * {@code suggest_memory_format()} reads: the strides grow through C, then the spatial dimensions from the last,
     * then N (a size-0 dimension, a zero channel stride or an N stride equal to C's, ambiguous, are not channels-last).
     */
    static boolean stridesLikeChannelsLast(int[] sizes, int[] strides) {
        int[] order = sizes.length == 4 ? new int[] {1, 3, 2, 0} : sizes.length == 5 ? new int[] {1, 4, 3, 2, 0} : null;
        if (order == null || strides[1] == 0) {
            return false;
        }
        long min = 0;
        for (int d : order) {
            if (sizes[d] == 0 || strides[d] < min || (d == 0 && min == strides[1])) {
                return false;
            }
            min = strides[d];
            if (sizes[d] > 1) {
                min *= sizes[d];
            }
        }
        return true;
    }

    /**
     * The strides of a new tensor of {@code shape} in the memory format {@code like.suggest_memory_format()} names, as
     * the resampling ops' meta functions give their outputs: channels-last (-3d) where {@code like} is a 4-D (5-D)
     * tensor strided like it, row-major otherwise (and for a null {@code like}: the ops whose outputs are always
     * row-major).
     */
    static int[] suggestedStrides(int[] shape, Tensor like) {
        return like != null && stridesLikeChannelsLast(like.shape, like.layout.strides()) ? channelsLastStrides(shape)
                : Layout.contiguousStrides(shape);
    }

    /**
     * {@code y} in the layout {@link #suggestedStrides} gives for {@code like}: {@code y} itself where it already has it
     * (and is not {@code like}), else a new tensor with its values. No history: for results made under no_grad.
     */
    static Tensor inSuggestedFormat(Tensor y, Tensor like, Tensor input) {
        int[] strides = suggestedStrides(y.shape, like);
        if (y != input && y.layout.offset() == 0 && Arrays.equals(y.layout.strides(), strides)) {
            return y;
        }
        Tensor out = Creation.emptyStrided(y.shape, strides, y.dtype, y.device);
        out.backend.copy(y.storage(), y.layout, out.storage(), out.layout);
        return out;
    }

    /** c10's {@code get_channels_last_strides_2d} / {@code _3d}: C innermost, then the spatial dimensions, then N. */
    static int[] channelsLastStrides(int[] sizes) {
        int n = sizes.length;
        int[] strides = new int[n];
        strides[1] = 1;
        strides[n - 1] = sizes[1];
        for (int d = n - 2; d >= 2; d--) {
            strides[d] = strides[d + 1] * sizes[d + 1];
        }
        strides[0] = strides[2] * sizes[2];
        return strides;
    }

    /**
     * PyTorch's {@code upsample_bilinear2d} of a 4-D floating input, by output size or by scale factors (one of them
     * null), with {@code align_corners}: the resampling kernel, one node UpsampleBilinear2DBackward0, whose backward
     * kernel is itself differentiable (UpsampleBilinear2DBackwardBackward0).
     */
    static Tensor upsampleBilinear2d(Tensor input, int[] outputSize, boolean alignCorners, double[] scaleFactors) {
        if (Autocast.on()) return Autocast.apply("upsample_bilinear2d",
                t -> upsampleBilinear2d(t[0], outputSize, alignCorners, scaleFactors), input);
        requireTensor(input, "upsample_bilinear2d", "input", 1);
        if (input.dim() != 4) {
            throw new IllegalArgumentException("It is expected input_size equals to 4, but got size " + input.dim());
        }
        int[] out = upsampleSize(input, outputSize, scaleFactors);
        checkUpsample(input, out, 2);
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("compute_indices_weights_linear", input.dtype);
        }
        double sh = scaleFactors == null ? 0 : scaleFactors[0];
        double sw = scaleFactors == null ? 0 : scaleFactors[1];
        return bilinearKernel(input, out[0], out[1], alignCorners, sh, sw);
    }

    private static Tensor bilinearKernel(Tensor input, int oh, int ow, boolean alignCorners, double sh, double sw) {
        int[] shape = withPlane(input.shape, oh, ow);
        Tensor out = Creation.emptyStrided(shape, suggestedStrides(shape, input), input.dtype, input.device);
        out.backend.upsampleBilinear2d(input.storage(), input.layout, out.storage(), out.layout, alignCorners, sh, sw);
        int[] inShape = input.shape;
        return ArithmeticOps.record(out, "UpsampleBilinear2DBackward0", new Tensor[] {input},
                n -> g -> new Tensor[] {bilinearBackward(g, inShape, alignCorners, sh, sw)});
    }

    /** {@code upsample_bilinear2d_backward}, linear in {@code g}: its own gradient is the forward upsampling. */
    private static Tensor bilinearBackward(Tensor g, int[] inShape, boolean alignCorners, double sh, double sw) {
        Tensor gx = Creation.emptyStrided(inShape, suggestedStrides(inShape, g), g.dtype, g.device);
        g.backend.upsampleBilinear2dBackward(g.storage(), g.layout, gx.storage(), gx.layout, alignCorners, sh, sw);
        int oh = g.shape[2];
        int ow = g.shape[3];
        return ArithmeticOps.record(gx, "UpsampleBilinear2DBackwardBackward0", new Tensor[] {g},
                n -> gg -> new Tensor[] {bilinearKernel(gg, oh, ow, alignCorners, sh, sw)});
    }

    /**
     * {@code upsample_bicubic2d(input, output_size, align_corners, scale_factors)} of a 4-D floating input: PyTorch's
     * separable cubic convolution (A = -0.75; four taps an axis, their indices clamped to the input), the width first
     * and then the height, summed tap by tap in PyTorch's order and in its precision (float for float32 and the half
     * types, whose result is rounded once). One node UpsampleBicubic2DBackward0, whose backward is the taps' transpose
     * (index_add) and differentiable in turn (UpsampleBicubic2DBackwardBackward0).
     */
    static Tensor upsampleBicubic2d(Tensor input, int[] outputSize, boolean alignCorners, double[] scaleFactors) {
        if (Autocast.on()) return Autocast.apply("upsample_bicubic2d",
                t -> upsampleBicubic2d(t[0], outputSize, alignCorners, scaleFactors), input);
        requireTensor(input, "upsample_bicubic2d", "input", 1);
        if (input.dim() != 4) {
            throw new IllegalArgumentException("It is expected input_size equals to 4, but got size " + input.dim());
        }
        int[] out = upsampleSize(input, outputSize, scaleFactors);
        checkUpsample(input, out, 2);
        if (!input.dtype.isFloatingPoint()) {
            throw Refusals.notImplemented("compute_indices_weights_cubic", input.dtype);
        }
        CubicTaps h = new CubicTaps(input.shape[2], out[0], alignCorners, scaleFactors == null ? 0 : scaleFactors[0],
                input.dtype, input.device);
        CubicTaps w = new CubicTaps(input.shape[3], out[1], alignCorners, scaleFactors == null ? 0 : scaleFactors[1],
                input.dtype, input.device);
        return bicubic(input, h, w);
    }

    /**
     * One axis of bicubic interpolation, PyTorch's {@code compute_indices_weights_cubic}: for each output index the
     * four input indices {@code floor(x) - 1 .. floor(x) + 2} clamped to the axis and their cubic-convolution weights,
     * {@code x} the source coordinate ({@code area_pixel_compute_source_index}, unclamped for cubic), computed in float
     * for float32 and the half types (rounded to the input's type, as PyTorch stores them) and in double for float64.
     */
    private static final class CubicTaps {
        private static final double A = -0.75;
        final Tensor[] index = new Tensor[4];
        /** The weights in the type the sums run in: float32 for the half types, else the input's. */
        final Tensor[] weight = new Tensor[4];
        final int size;

        CubicTaps(int in, int out, boolean alignCorners, double scale, DType dtype, Device device) {
            this.size = in;
            boolean single = dtype != DType.FLOAT64;
            long[][] idx = new long[4][out];
            double[][] wts = new double[4][out];
            double ratio = areaPixelScale(in, out, alignCorners, scale, single);
            for (int o = 0; o < out; o++) {
                double real;
                if (single) {
                    float r = (float) ratio;
                    real = alignCorners ? r * o : r * (o + 0.5f) - 0.5f;
                } else {
                    real = alignCorners ? ratio * o : ratio * (o + 0.5) - 0.5;
                }
                long i0 = Math.min((long) Math.floor(real), in - 1);
                double t = Math.min(Math.max(single ? (float) (real - i0) : real - i0, 0), 1);
                double[] c = single ? coefficientsFloat((float) t) : coefficients(t);
                for (int j = 0; j < 4; j++) {
                    idx[j][o] = Math.max(Math.min(i0 - 1 + j, in - 1), 0);
                    wts[j][o] = c[j];
                }
            }
            DType stored = dtype;
            DType compute = dtype.isReducedFloatingPoint() ? DType.FLOAT32 : dtype;
            for (int j = 0; j < 4; j++) {
                index[j] = Tensor.tensor(idx[j]).to(device);
                weight[j] = ArithmeticOps.cast(Tensor.tensor(wts[j], stored, device), compute);
            }
        }

        /** get_cubic_upsample_coefficients in double. */
        private static double[] coefficients(double t) {
            double x2 = 1.0 - t;
            return new double[] {conv2(t + 1.0), conv1(t), conv1(x2), conv2(x2 + 1.0)};
        }

        private static double conv1(double x) {
            return ((A + 2) * x - (A + 3)) * x * x + 1;
        }

        private static double conv2(double x) {
            return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
        }

        /** get_cubic_upsample_coefficients in float, as PyTorch's opmath for float32. */
        private static double[] coefficientsFloat(float t) {
            float x2 = 1.0f - t;
            return new double[] {conv2f(t + 1.0f), conv1f(t), conv1f(x2), conv2f(x2 + 1.0f)};
        }

        private static float conv1f(float x) {
            float a = (float) A;
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }

        private static float conv2f(float x) {
            float a = (float) A;
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        }
    }

    private static Tensor bicubic(Tensor input, CubicTaps h, CubicTaps w) {
        Tensor out;
        try (GradMode off = Ember.noGrad()) {
            Tensor x = input.dtype.isReducedFloatingPoint() ? ArithmeticOps.cast(input, DType.FLOAT32) : input;
            Tensor rows = null;
            for (int j = 0; j < 4; j++) {
                Tensor t = x.indexSelect(3, w.index[j]).mul(w.weight[j]);
                rows = rows == null ? t : rows.add(t);
            }
            Tensor sum = null;
            for (int k = 0; k < 4; k++) {
                Tensor t = rows.indexSelect(2, h.index[k]).mul(h.weight[k].unsqueeze(1));
                sum = sum == null ? t : sum.add(t);
            }
            out = inSuggestedFormat(ArithmeticOps.cast(sum, input.dtype), null, input); // row-major, as PyTorch's
        }
        return ArithmeticOps.record(out, "UpsampleBicubic2DBackward0", new Tensor[] {input},
                n -> g -> new Tensor[] {bicubicBackward(g, h, w)});
    }

    /** {@code upsample_bicubic2d_backward}: each output gradient spread over its sixteen taps, summed per input element. */
    private static Tensor bicubicBackward(Tensor g, CubicTaps h, CubicTaps w) {
        Tensor gx;
        try (GradMode off = Ember.noGrad()) {
            Tensor gy = g.dtype.isReducedFloatingPoint() ? ArithmeticOps.cast(g, DType.FLOAT32) : g;
            int[] s = gy.shape;
            Tensor rows = Creation.zeros(new int[] {s[0], s[1], h.size, s[3]}, gy.dtype, gy.device);
            for (int k = 0; k < 4; k++) {
                rows = rows.indexAdd(2, h.index[k], gy.mul(h.weight[k].unsqueeze(1)));
            }
            Tensor sum = Creation.zeros(new int[] {s[0], s[1], h.size, w.size}, gy.dtype, gy.device);
            for (int j = 0; j < 4; j++) {
                sum = sum.indexAdd(3, w.index[j], rows.mul(w.weight[j]));
            }
            gx = inSuggestedFormat(ArithmeticOps.cast(sum, g.dtype), null, g);
        }
        return ArithmeticOps.record(gx, "UpsampleBicubic2DBackwardBackward0", new Tensor[] {g},
                n -> gg -> new Tensor[] {bicubic(gg, h, w)});
    }

    // ------------------------------------------------------------------ pixel shuffle

    /**
     * The elements of {@code input} (any leading dimensions merged into one, {@code b}) viewed as {@code from} and
     * permuted by {@code perm}, copied into a new tensor of {@code outShape}.
     */
    private static Tensor permutedCopy(Tensor input, int[] from, int[] perm, int[] outShape) {
        Tensor x;
        try (GradMode off = Ember.noGrad()) {
            x = input.contiguous();
        }
        int[] strides = Layout.contiguousStrides(from);
        int[] ps = new int[perm.length];
        int[] pst = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            ps[i] = from[perm[i]];
            pst[i] = strides[perm[i]];
        }
        Tensor out = Creation.empty(outShape, input.dtype, input.device);
        out.backend.copy(x.storage(), new Layout(ps, pst, x.layout.offset()), out.storage(), denseAs(out, ps));
        return out;
    }

    private static int leading(int[] shape) {
        long b = 1;
        for (int i = 0; i < shape.length - 3; i++) {
            b *= shape[i];
        }
        return (int) b; // the elements of a storage are counted in int, so the batch count fits
    }

    /**
     * PyTorch's CPU pixel (un)shuffle kernels take a row-major or a channels-last layout only: a non-empty 5-D input
     * whose strides suggest channels_last_3d is refused there (its message), after the shape checks.
     */
    private static void refuseChannelsLast3d(Tensor input) {
        if (input.device.isCpu() && input.numel() > 0 && MemoryFormatOps.suggest(input) == MemoryFormat.CHANNELS_LAST_3D) {
            throw new IllegalArgumentException("Unsupported memory format. Supports only ChannelsLast, Contiguous");
        }
    }

    /**
     * PyTorch's {@code pixel_shuffle(input, r)}: {@code [*, C r^2, H, W]} rearranged to {@code [*, C, H r, W r]}, in a
     * new tensor; one node PixelShuffleBackward0, whose backward is {@link #pixelUnshuffle} (and the reverse).
     */
    static Tensor pixelShuffle(Tensor input, int upscaleFactor) {
        requireTensor(input, "pixel_shuffle", "input", 1);
        if (input.dim() < 3) {
            throw new IllegalArgumentException("pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                    + input.dim() + " dimension(s)");
        }
        if (upscaleFactor <= 0) {
            throw new IllegalArgumentException("pixel_shuffle expects a positive upscale_factor, but got " + upscaleFactor);
        }
        int r = upscaleFactor;
        int nd = input.dim();
        int c = input.shape[nd - 3];
        long rr = (long) r * r;
        if (c % rr != 0) {
            throw new IllegalArgumentException("pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
                    + "square of upscale_factor, but input.size(-3)=" + c + " is not divisible by " + rr);
        }
        refuseChannelsLast3d(input);
        int h = input.shape[nd - 2];
        int w = input.shape[nd - 1];
        int oc = (int) (c / rr);
        int[] outShape = input.shape.clone();
        outShape[nd - 3] = oc;
        outShape[nd - 2] = toInt((long) h * r, "pixel_shuffle's output");
        outShape[nd - 1] = toInt((long) w * r, "pixel_shuffle's output");
        // [B, oc, r, r, H, W] -> [B, oc, H, r, W, r]
        Tensor out = permutedCopy(input, new int[] {leading(input.shape), oc, r, r, h, w}, new int[] {0, 1, 4, 2, 5, 3},
                outShape);
        // the input's format, as PyTorch's CPU kernel (CUDA's math_pixel_shuffle is left row-major)
        out = channelsLastIf(out, input.device.isCpu() && suggestsChannelsLast(input));
        return ArithmeticOps.record(out, "PixelShuffleBackward0", new Tensor[] {input},
                n -> g -> new Tensor[] {pixelUnshuffle(g, r)});
    }

    /**
     * PyTorch's {@code pixel_unshuffle(input, r)}: {@code [*, C, H r, W r]} rearranged to {@code [*, C r^2, H, W]}, in a
     * new tensor; one node PixelUnshuffleBackward0, whose backward is {@link #pixelShuffle}.
     */
    static Tensor pixelUnshuffle(Tensor input, int downscaleFactor) {
        requireTensor(input, "pixel_unshuffle", "input", 1);
        if (input.dim() < 3) {
            throw new IllegalArgumentException("pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                    + input.dim() + " dimension(s)");
        }
        if (downscaleFactor <= 0) {
            throw new IllegalArgumentException("pixel_unshuffle expects a positive downscale_factor, but got " + downscaleFactor);
        }
        int r = downscaleFactor;
        int nd = input.dim();
        int c = input.shape[nd - 3];
        int h = input.shape[nd - 2];
        int w = input.shape[nd - 1];
        if (h % r != 0) {
            throw new IllegalArgumentException("pixel_unshuffle expects height to be divisible by downscale_factor, but "
                    + "input.size(-2)=" + h + " is not divisible by " + r);
        }
        if (w % r != 0) {
            throw new IllegalArgumentException("pixel_unshuffle expects width to be divisible by downscale_factor, but "
                    + "input.size(-1)=" + w + " is not divisible by " + r);
        }
        refuseChannelsLast3d(input);
        int[] outShape = input.shape.clone();
        outShape[nd - 3] = toInt((long) c * r * r, "pixel_unshuffle's output");
        outShape[nd - 2] = h / r;
        outShape[nd - 1] = w / r;
        // [B, C, H/r, r, W/r, r] -> [B, C, r, r, H/r, W/r]
        Tensor out = permutedCopy(input, new int[] {leading(input.shape), c, h / r, r, w / r, r}, new int[] {0, 1, 3, 5, 2, 4},
                outShape);
        // the input's format, as PyTorch's CPU kernel (CUDA's math_pixel_shuffle is left row-major)
        out = channelsLastIf(out, input.device.isCpu() && suggestsChannelsLast(input));
        return ArithmeticOps.record(out, "PixelUnshuffleBackward0", new Tensor[] {input},
                n -> g -> new Tensor[] {pixelShuffle(g, r)});
    }
}
