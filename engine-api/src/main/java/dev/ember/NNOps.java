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
}
