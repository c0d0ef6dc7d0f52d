package dev.ember;

import dev.ember.backend.Conv2dParams;
import dev.ember.backend.Pool2dParams;

import java.util.Arrays;

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

    private static String notImplemented(String op, DType t) {
        return "\"" + op + "\" not implemented for '" + Format.scalarType(t) + "'";
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

    static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        requireTensor(input, "conv2d", "input", 1);
        requireTensor(weight, "conv2d", "weight", 2);
        requireInts(stride, "conv2d", "stride", 4);
        requireInts(padding, "conv2d", "padding", 5);
        requireInts(dilation, "conv2d", "dilation", 6);
        ArithmeticOps.checkSameDevice(input, weight, bias);
        // the checks of PyTorch 2.x's conv2d, batchify, _convolution and check_shape_forward, in their order
        if (bias != null && bias.dtype != input.dtype) {
            throw new IllegalArgumentException("Input type (" + cTypeName(input.dtype) + ") and bias type ("
                    + cTypeName(bias.dtype) + ") should be the same");
        }
        if (input.dim() != 3 && input.dim() != 4) {
            throw new IllegalArgumentException("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                    + Shapes.str(input.shape));
        }
        boolean batched = input.dim() == 4;
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
        expandedLength(stride, "stride", spatial);
        expandedLength(padding, "padding", spatial);
        expandedLength(dilation, "dilation", spatial);
        for (int i = 0; i < 2; i++) {
            if (padding[i] < 0) {
                throw new IllegalArgumentException("negative padding is not supported");
            }
        }
        for (int i = 0; i < 2; i++) {
            if (stride[i] <= 0) {
                throw new IllegalArgumentException("non-positive stride is not supported");
            }
        }
        for (int i = 0; i < 2; i++) {
            if (dilation[i] <= 0) {
                // PyTorch 2.x's wording for a negative dilation (a zero one it rejects later, in its kernels)
                throw new IllegalArgumentException("dilation should be greater than zero");
            }
        }
        if (k != 4) {
            throw new IllegalArgumentException("Expected " + k + "-dimensional input for " + k + "-dimensional weight "
                    + Shapes.str(ws) + ", but got 4-dimensional input of size " + Shapes.str(xs) + " instead");
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
        long[] padded = new long[2];
        long[] kernel = new long[2];
        for (int i = 0; i < 2; i++) {
            padded[i] = xs[2 + i] + 2L * padding[i];
            kernel[i] = (long) dilation[i] * (ws[2 + i] - 1) + 1;
        }
        if (padded[0] < kernel[0] || padded[1] < kernel[1]) {
            throw new IllegalArgumentException("Calculated padded input size per channel: (" + padded[0] + " x " + padded[1]
                    + "). Kernel size: (" + kernel[0] + " x " + kernel[1] + "). Kernel size can't be greater than actual "
                    + "input size");
        }
        if (input.dtype != weight.dtype) {
            throw new IllegalArgumentException("Input type (" + input.typeName() + ") and weight type (" + weight.typeName()
                    + ") should be the same");
        }
        if (!input.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(notImplemented("slow_conv2d_cpu", input.dtype));
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
        for (int i = 0; i < 2; i++) {
            toInt(padded[i], "conv2d's padded input");
            toInt(kernel[i], "conv2d's dilated kernel");
        }
        int oh = toInt((padded[0] - kernel[0]) / stride[0] + 1, "conv2d's output");
        int ow = toInt((padded[1] - kernel[1]) / stride[1] + 1, "conv2d's output");
        int[] outShape = {xs[0], ws[0], oh, ow};
        Tensor x = batched ? input : input.unsqueeze(0);
        Tensor out = empty ? emptyConv(x, weight, bias, outShape)
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
    private static void expandedLength(int[] v, String name, int spatial) {
        if (v.length != spatial && v.length != 1) {
            throw new IllegalArgumentException("expected " + name + " to be a single integer value or a list of " + spatial
                    + " values to match the convolution dimensions, but got " + name + "=" + Arrays.toString(v));
        }
    }

    private static Tensor convKernel(Tensor input, Tensor weight, Tensor bias, int[] outShape, Conv2dParams p) {
        Tensor x = input.contiguous();
        Tensor w = weight.contiguous();
        Tensor b = bias == null ? null : bias.contiguous();
        Tensor out = Creation.empty(outShape, input.dtype, input.device);
        out.backend.conv2d(x.storage(), x.layout, w.storage(), w.layout, b == null ? null : b.storage(), out.storage(), out.layout, p);
        int[] inShape = input.shape;
        int[] wShape = weight.shape;
        return ArithmeticOps.record(out, "ConvolutionBackward0", new Tensor[] {input, weight, bias}, n -> {
            SavedTensor sx = n.needsInputGrad(1) ? n.save(x) : null;
            SavedTensor sw = n.needsInputGrad(0) ? n.save(w) : null;
            return g -> {
                Tensor gy = g.contiguous();
                Tensor gx = null;
                Tensor gw = null;
                if (sw != null) {
                    Tensor wv = sw.get();
                    gx = Creation.empty(inShape, gy.dtype, gy.device);
                    gy.backend.conv2dBackwardInput(gy.storage(), gy.layout, wv.storage(), wv.layout, gx.storage(), gx.layout, p);
                }
                if (sx != null) {
                    Tensor xv = sx.get();
                    gw = Creation.empty(wShape, gy.dtype, gy.device);
                    gy.backend.conv2dBackwardWeight(gy.storage(), gy.layout, xv.storage(), xv.layout, gw.storage(), gw.layout, p);
                }
                Tensor gb = n.needsInputGrad(2) ? g.sum(new int[] {0, 2, 3}, false) : null;
                return new Tensor[] {gx, gw, gb};
            };
        });
    }

    /**
     * A convolution over an empty batch or zero input channels, without a kernel: every output element is the bias
     * (zero without one), and the input and the weight get zero gradients.
     */
    private static Tensor emptyConv(Tensor input, Tensor weight, Tensor bias, int[] outShape) {
        Tensor out = Creation.zeros(outShape, input.dtype, input.device);
        if (bias != null) {
            try (GradMode off = Ember.noGrad()) {
                out = out.add(bias.reshape(1, outShape[1], 1, 1));
            }
        }
        int[] inShape = input.shape;
        int[] wShape = weight.shape;
        return ArithmeticOps.record(out, "ConvolutionBackward0", new Tensor[] {input, weight, bias}, n -> g -> new Tensor[] {
            n.needsInputGrad(0) ? Creation.zeros(inShape, g.dtype, g.device) : null,
            n.needsInputGrad(1) ? Creation.zeros(wShape, g.dtype, g.device) : null,
            n.needsInputGrad(2) ? g.sum(new int[] {0, 2, 3}, false) : null});
    }

    // ------------------------------------------------------------------ pooling

    /** The pooling geometry after PyTorch 2.x's checks, with the output height and width. */
    private record Pooling(Pool2dParams params, int outH, int outW) {
    }

    private static Pooling poolParams(String op, Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                      boolean ceilMode, boolean countIncludePad) {
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
        long oh = outputSize(h, kh, ph, dh, dih, ceilMode);
        long ow = outputSize(w, kw, pw, dw, diw, ceilMode);
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
        if (!input.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(notImplemented(op, input.dtype));
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
    private static long outputSize(long in, long k, long pad, long stride, long dilation, boolean ceilMode) {
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
        return maxPool2d(input, kernel, stride, padding, dilation, ceilMode, true);
    }

    /**
     * Max pooling's values alone (nn.MaxPool2d, F.max_pool2d): outside a graph the kernel skips the indices, a third
     * of the forward's memory traffic, as PyTorch's max_pool2d does for inputs that need no gradient.
     */
    static Tensor maxPool2dValues(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        requireTensor(input, "max_pool2d", "input", 1);
        return maxPool2d(input, kernel, stride, padding, dilation, ceilMode, ArithmeticOps.needsGrad(input)).values();
    }

    /** Values and, when asked (callers ask whenever the input needs a gradient), indices; otherwise null. */
    private static Tensor.ValuesIndices maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                                  boolean ceilMode, boolean withIndices) {
        Pooling geometry = poolParams("max_pool2d", input, kernel, stride, padding, dilation, ceilMode, true);
        if (input.dim() == 3) {
            Tensor.ValuesIndices r = maxPool2dKernel(input.unsqueeze(0), geometry, withIndices);
            return new Tensor.ValuesIndices(r.values().squeeze(0), r.indices() == null ? null : r.indices().squeeze(0));
        }
        return maxPool2dKernel(input, geometry, withIndices);
    }

    private static Tensor.ValuesIndices maxPool2dKernel(Tensor input, Pooling geometry, boolean withIndices) {
        Pool2dParams p = geometry.params();
        int[] outShape = {input.shape[0], input.shape[1], geometry.outH(), geometry.outW()};
        Tensor x = input.contiguous();
        Tensor out = Creation.empty(outShape, input.dtype, input.device);
        Tensor idx = withIndices ? Creation.empty(outShape, DType.INT64, input.device) : null;
        out.backend.maxPool2d(x.storage(), x.layout, out.storage(), idx == null ? null : idx.storage(), out.layout, p);
        if (idx == null) {
            return new Tensor.ValuesIndices(out, null);
        }
        int[] inShape = input.shape;
        ArithmeticOps.record(out, "MaxPool2DWithIndicesBackward0", new Tensor[] {input}, n -> {
            SavedTensor si = n.save(idx);
            return g -> {
                Tensor gy = g.contiguous();
                Tensor ind = si.get();
                Tensor gx = Creation.empty(inShape, gy.dtype, gy.device);
                gy.backend.maxPool2dBackward(gy.storage(), ind.storage(), ind.layout, gx.storage(), gx.layout, p);
                return new Tensor[] {gx};
            };
        });
        return new Tensor.ValuesIndices(out, idx);
    }

    static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        Pooling geometry = poolParams("avg_pool2d", input, kernel, stride, padding, null, ceilMode, countIncludePad);
        if (input.dim() == 3) {
            return avgPool2dKernel(input.unsqueeze(0), geometry).squeeze(0);
        }
        return avgPool2dKernel(input, geometry);
    }

    private static Tensor avgPool2dKernel(Tensor input, Pooling geometry) {
        Pool2dParams p = geometry.params();
        int[] outShape = {input.shape[0], input.shape[1], geometry.outH(), geometry.outW()};
        Tensor x = input.contiguous();
        Tensor out = Creation.empty(outShape, input.dtype, input.device);
        out.backend.avgPool2d(x.storage(), x.layout, out.storage(), out.layout, p);
        int[] inShape = input.shape;
        return ArithmeticOps.record(out, "AvgPool2DBackward0", new Tensor[] {input}, n -> g -> {
            Tensor gy = g.contiguous();
            Tensor gx = Creation.empty(inShape, gy.dtype, gy.device);
            gy.backend.avgPool2dBackward(gy.storage(), gy.layout, gx.storage(), gx.layout, p);
            return new Tensor[] {gx};
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
        if (t.dtype != DType.INT64) {
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
                Tensor rowsGrad = g.reshape(-1, d);
                if (paddingIdx >= 0) {
                    rowsGrad = Tensor.where(idx.ne(paddingIdx).unsqueeze(1), rowsGrad, 0.0);
                }
                if (scaleGradByFreq && idx.numel() > 0) {
                    Tensor counts = idx.bincount(rows).indexSelect(0, idx);
                    rowsGrad = rowsGrad.div(ArithmeticOps.cast(counts, g.dtype).unsqueeze(1));
                }
                return new Tensor[] {Creation.zeros(new int[] {rows, d}, g.dtype, g.device).indexAdd(0, idx, rowsGrad)};
            };
        });
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
            Tensor uniq = indices.reshape(-1).unique();
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
        long[] off = offsets.toLongArray();
        int length = indices.shape[0];
        if (off.length > 0) {
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
        if (includeLastOffset && off.length < 1) {
            throw new IllegalArgumentException("include_last_offset: number of offset should be at least 1");
        }
        int numBags = includeLastOffset ? off.length - 1 : off.length;
        long[] idx = indices.toLongArray();
        int rows = weight.shape[0];
        int d = weight.shape[1];
        Bags bags = bags(idx, off, numBags, length, paddingIdx);
        for (long r : bags.rows()) {
            if (r < 0 || r >= rows) {
                throw new IndexOutOfBoundsException("index out of range in self");
            }
        }
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
        Tensor argmax = maxIndices;
        return ArithmeticOps.record(result, "EmbeddingBagBackward0", new Tensor[] {weight, perSampleWeights}, node -> {
            SavedTensor sw = perSampleWeights != null && node.needsInputGrad(1) ? node.save(weight) : null;
            SavedTensor sp = perSampleWeights != null && node.needsInputGrad(0) ? node.save(perSampleWeights) : null;
            return g -> {
                Tensor gw = null;
                Tensor gp = null;
                if (node.needsInputGrad(0)) {
                    Tensor zeros = Creation.zeros(new int[] {rows, d}, g.dtype, g.device);
                    if (mode == 2) {
                        Tensor valid = argmax.ge(0L);
                        gw = zeros.scatterAdd(0, argmax.clampMin(0L), Tensor.where(valid, g, 0.0));
                    } else {
                        Tensor per = g.indexSelect(0, bag);
                        if (mode == 1) {
                            per = per.div(ArithmeticOps.cast(size.indexSelect(0, bag), g.dtype).unsqueeze(1));
                        }
                        if (sp != null) {
                            per = per.mul(sp.get().indexSelect(0, pos).unsqueeze(1));
                        }
                        if (scaleGradByFreq && row.numel() > 0) {
                            Tensor counts = row.bincount(rows).indexSelect(0, row);
                            per = per.div(ArithmeticOps.cast(counts, g.dtype).unsqueeze(1));
                        }
                        gw = zeros.indexAdd(0, row, per);
                    }
                }
                if (sw != null) {
                    // _embedding_bag_per_sample_weights_backward: sum_d grad[bag, d] * weight[index, d]
                    Tensor dots = g.indexSelect(0, bag).mul(sw.get().indexSelect(0, row)).sum(new int[] {1}, false);
                    gp = Creation.zeros(new int[] {length}, g.dtype, g.device).indexAdd(0, pos, dots);
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
}
