package dev.ember;

import dev.ember.backend.Conv2dParams;
import dev.ember.backend.Pool2dParams;

import java.util.Arrays;

/**
 * Convolution and pooling: shape rules and PyTorch's errors, the SPI kernels that compute them, and the
 * backward nodes, which call the backends' own gradient kernels (these have no cheaper expression in
 * other ops).
 */
final class NNOps {
    private NNOps() {
    }

    private static void checkFloating(String op, Tensor t) {
        if (!t.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": expected a floating point tensor, got "
                    + ArithmeticOps.scalarTypeName(t.dtype));
        }
    }

    static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        if (input.dim() == 3) {
            return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0);
        }
        if (input.dim() != 4) {
            throw new IllegalArgumentException("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                    + Shapes.str(input.shape));
        }
        if (weight.dim() != 4) {
            throw new IllegalArgumentException("conv2d: expected weight to be 4-dimensional, but got weight of size "
                    + Shapes.str(weight.shape));
        }
        ArithmeticOps.checkSameDevice(input, weight, bias);
        checkFloating("conv2d", input);
        if (input.dtype != weight.dtype || (bias != null && bias.dtype != input.dtype)) {
            throw new IllegalArgumentException("Input type (" + input.typeName() + ") and weight type (" + weight.typeName()
                    + ") should be the same");
        }
        if (groups < 1) {
            throw new IllegalArgumentException("non-positive groups is not supported");
        }
        int[] ws = weight.shape;
        if (ws[0] % groups != 0) {
            throw new IllegalArgumentException("Given groups=" + groups + ", expected weight to be divisible by " + groups
                    + " at dimension 0, but got weight of size " + Shapes.str(ws) + " instead");
        }
        if (input.shape[1] != ws[1] * groups) {
            throw new IllegalArgumentException("Given groups=" + groups + ", weight of size " + Shapes.str(ws) + ", expected input"
                    + Shapes.str(input.shape) + " to have " + ws[1] * groups + " channels, but got " + input.shape[1]
                    + " channels instead");
        }
        if (bias != null && (bias.dim() != 1 || bias.shape[0] != ws[0])) {
            throw new IllegalArgumentException("Given weight of size " + Shapes.str(ws) + ", expected bias to be 1-dimensional with "
                    + ws[0] + " elements, but got bias of size " + Shapes.str(bias.shape) + " instead");
        }
        for (int i = 0; i < 2; i++) {
            if (stride[i] < 1) {
                throw new IllegalArgumentException("non-positive stride is not supported");
            }
            if (padding[i] < 0) {
                throw new IllegalArgumentException("negative padding is not supported");
            }
            if (dilation[i] < 1) {
                throw new IllegalArgumentException("dilation should be greater than zero");
            }
        }
        int ph = input.shape[2] + 2 * padding[0];
        int pw = input.shape[3] + 2 * padding[1];
        int ekh = dilation[0] * (ws[2] - 1) + 1;
        int ekw = dilation[1] * (ws[3] - 1) + 1;
        if (ph < ekh || pw < ekw) {
            throw new IllegalArgumentException("Calculated padded input size per channel: (" + ph + " x " + pw + "). Kernel size: ("
                    + ekh + " x " + ekw + "). Kernel size can't be greater than actual input size");
        }
        Conv2dParams p = new Conv2dParams(stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], groups);
        int[] outShape = {input.shape[0], ws[0], p.outH(input.shape[2], ws[2]), p.outW(input.shape[3], ws[3])};
        Tensor x = input.contiguous();
        Tensor w = weight.contiguous();
        Tensor b = bias == null ? null : bias.contiguous();
        Tensor out = Creation.empty(outShape, input.dtype, input.device);
        out.backend.conv2d(x.storage(), x.layout, w.storage(), w.layout, b == null ? null : b.storage(), out.storage(), out.layout, p);
        int[] inShape = input.shape;
        int[] wShape = ws;
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

    private static Pool2dParams poolParams(String op, Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                           boolean ceilMode, boolean countIncludePad) {
        if (input.dim() != 4) {
            throw new IllegalArgumentException(op + ": Expected 3D or 4D (batch mode) tensor for input, but got input of size: "
                    + Shapes.str(input.shape));
        }
        checkFloating(op, input);
        for (int i = 0; i < 2; i++) {
            if (kernel[i] < 1) {
                throw new IllegalArgumentException(op + ": kernel_size must be greater than zero, but got kH: " + kernel[0]
                        + " kW: " + kernel[1]);
            }
            if (stride[i] < 1) {
                throw new IllegalArgumentException(op + ": stride must be greater than zero, but got dH: " + stride[0] + " dW: "
                        + stride[1]);
            }
            int eff = dilation[i] * (kernel[i] - 1) + 1;
            if (padding[i] < 0 || padding[i] > eff / 2) {
                throw new IllegalArgumentException("pad should be at most half of effective kernel size, but got pad="
                        + padding[i] + ", kernel_size=" + kernel[i] + " and dilation=" + dilation[i]);
            }
        }
        Pool2dParams p = new Pool2dParams(kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1],
                dilation[0], dilation[1], ceilMode, countIncludePad);
        int oh = p.outH(input.shape[2]);
        int ow = p.outW(input.shape[3]);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("Given input size: (" + input.shape[1] + "x" + input.shape[2] + "x" + input.shape[3]
                    + "). Calculated output size: (" + input.shape[1] + "x" + oh + "x" + ow + "). Output size is too small");
        }
        return p;
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
        return maxPool2d(input, kernel, stride, padding, dilation, ceilMode, ArithmeticOps.needsGrad(input)).values();
    }

    /** Values and, when asked (callers ask whenever the input needs a gradient), indices; otherwise null. */
    private static Tensor.ValuesIndices maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                                  boolean ceilMode, boolean withIndices) {
        if (input.dim() == 3) {
            Tensor.ValuesIndices r = maxPool2d(input.unsqueeze(0), kernel, stride, padding, dilation, ceilMode, withIndices);
            return new Tensor.ValuesIndices(r.values().squeeze(0), r.indices() == null ? null : r.indices().squeeze(0));
        }
        Pool2dParams p = poolParams("max_pool2d", input, kernel, stride, padding, dilation, ceilMode, true);
        int[] outShape = {input.shape[0], input.shape[1], p.outH(input.shape[2]), p.outW(input.shape[3])};
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
        if (input.dim() == 3) {
            return avgPool2d(input.unsqueeze(0), kernel, stride, padding, ceilMode, countIncludePad).squeeze(0);
        }
        Pool2dParams p = poolParams("avg_pool2d", input, kernel, stride, padding, new int[] {1, 1}, ceilMode, countIncludePad);
        int[] outShape = {input.shape[0], input.shape[1], p.outH(input.shape[2]), p.outW(input.shape[3])};
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

    static int[] pair(int[] v, String name) {
        if (v.length == 1) {
            return new int[] {v[0], v[0]};
        }
        if (v.length != 2) {
            throw new IllegalArgumentException(name + " must be one int or a pair, got " + Arrays.toString(v));
        }
        return v;
    }
}
