package dev.ember;

import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * The quantized activations that flow between statically quantized modules ({@code torch.ao.nn.quantized}'s
 * {@code Quantize}, {@code Linear}, {@code Conv2d}, ...) through a model's {@code forward}, which Ember types as
 * {@code Tensor -> Tensor}.
 *
 * <p>In PyTorch such an activation is a tensor of dtype {@code torch.quint8}. Ember keeps quantized tensors as a type
 * of their own ({@link QuantizedTensor}), so between modules a quantized activation travels as its <em>carrier</em>: a
 * float32 tensor holding exactly its dequantized values ({@code (float) scale * (q - zero_point)}), its storage marked
 * with the scale, zero point and dtype. The integers come back exactly ({@code q = zero_point + rint(x / scale)}: every
 * value is an integer multiple of the scale, at most 255 of it), so a quantized module computes on PyTorch's integers
 * from a carrier, and its views ({@code view}, {@code flatten}, {@code reshape} without a copy, slices) are carriers
 * too. The float ops that commute with dequantization keep the mark, as PyTorch's quantized kernels keep the input's
 * scale and zero point: {@code relu}, {@code relu_} and {@code max_pool2d} (the maximum of values on the grid is on the
 * grid), {@code contiguous}, {@code clone}, {@code reshape} and {@code flatten} where they copy, and nearest
 * interpolation; bilinear interpolation, {@code adaptive_avg_pool2d} and {@code avg_pool2d} run PyTorch's
 * quantized kernels (the output keeps the input's scale and zero point), and {@code sigmoid} and {@code tanh} PyTorch's
 * quantized kernels with their fixed output parameters (so an unconverted {@code nn.Sigmoid} or {@code nn.Tanh} between
 * quantized modules works, as in PyTorch's eager mode). Any other float op on a carrier computes on
 * the dequantized values and gives a plain float tensor (PyTorch refuses it: "Could not run 'aten::...' with arguments
 * from the 'QuantizedCPU' backend"), and a quantized module refuses a plain float tensor with PyTorch's message. An
 * in-place float op on a carrier (other than {@code relu_}) removes the mark: its values may have left the grid.
 */
public final class QuantizedActivations {
    /** The mark of a carrier's storage: its quantization and the version counter it had when marked. */
    private record Mark(QuantDType dtype, double scale, long zeroPoint, int[] versionRef, int version) {
    }

    private static final Map<Storage, Mark> MARKS = Collections.synchronizedMap(new WeakHashMap<>());

    /** Whether any carrier was ever made: the float ops' check costs one volatile read until then. */
    private static volatile boolean used;

    private QuantizedActivations() {
    }

    /**
     * The carrier of a per-tensor quantized tensor: its dequantized values (float32, PyTorch's arithmetic), marked.
     *
     * @param q per-tensor quint8 or qint8, on the CPU
     * @return the carrier
     * @throws IllegalArgumentException for null, a per-channel or qint32 tensor
     */
    public static Tensor carrier(QuantizedTensor q) {
        if (q == null) {
            throw new IllegalArgumentException("a quantized activation must not be null");
        }
        if (q.qscheme() != QScheme.PER_TENSOR_AFFINE || q.dtype() == QuantDType.QINT32) {
            throw new IllegalArgumentException("a quantized activation is a per-tensor quint8 or qint8 tensor, got "
                    + q.dtype() + " " + q.qscheme());
        }
        Tensor values = q.dequantize();
        mark(values, new Mark(q.dtype(), q.qScale(), q.qZeroPoint(), null, 0));
        return values;
    }

    /**
     * {@code torch.quantize_per_tensor(x, scale, zero_point, dtype)} as a quantized activation: the carrier of
     * {@link QuantizedTensor#quantizePerTensor}'s result ({@code carrier(quantizePerTensor(x, ...))}, bit for bit),
     * each element quantized and dequantized in one pass ({@code q = rint(x * (float) (1 / (float) scale)) +
     * zero_point} in float, a NaN or a value beyond int64 giving the type's minimum, clamped to the type).
     *
     * @param x float32
     * @param scale the scale
     * @param zeroPoint the zero point
     * @param dtype quint8 or qint8
     * @return the carrier
     * @throws IllegalArgumentException as {@link QuantizedTensor#quantizePerTensor} and {@link #carrier}
     */
    public static Tensor quantize(Tensor x, double scale, long zeroPoint, QuantDType dtype) {
        if (x == null || x.dtype() != DType.FLOAT32 || !x.device().isCpu() || dtype == null
                || (dtype != QuantDType.QUINT8 && dtype != QuantDType.QINT8) || zeroPoint < dtype.min()
                || zeroPoint > dtype.max()) {
            return carrier(QuantizedTensor.quantizePerTensor(x, scale, zeroPoint, dtype)); // its checks and messages
        }
        try (GradMode off = Ember.noGrad()) {
            float[] v = x.detach().contiguous().toFloatArray();
            float inv = 1.0f / (float) scale;
            float s = (float) scale;
            float z = zeroPoint;
            float min = dtype.min();
            float max = dtype.max();
            float[] values = new float[256];
            for (int q = (int) min; q <= (int) max; q++) {
                values[q - (int) min] = (float) (q - zeroPoint) * s;
            }
            for (int i = 0; i < v.length; i++) {
                float t = (float) Math.rint(v[i] * inv) + z;
                // |t| < 2^63 converts as itself; NaN and beyond give int64's minimum: clamped to the type's minimum
                float q = !(Math.abs((double) t) < 9.223372036854775808e18) ? min : Math.max(min, Math.min(max, t));
                v[i] = values[(int) q - (int) min];
            }
            Tensor out = Tensor.fromArray(v).reshape(x.shape());
            mark(out, new Mark(dtype, scale, zeroPoint, null, 0));
            return out;
        }
    }

    /**
     * {@code x.dequantize()} of a quantized activation: a float32 copy of its carrier's values (which are the
     * dequantized values), not a quantized activation itself; a float tensor is returned as it is.
     *
     * @param x a quantized activation or a float tensor
     * @return the dequantized values
     */
    public static Tensor dequantize(Tensor x) {
        if (markOf(x) == null) {
            return x;
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor out = Creation.empty(x.shape(), DType.FLOAT32, x.device());
            out.copy_(x.detach());
            return out;
        }
    }

    /**
     * Whether {@code t} is the carrier of a quantized activation (or a view of one) whose values no in-place float op
     * has changed since.
     *
     * @param t any tensor, or null (false)
     * @return whether it is a quantized activation
     */
    public static boolean isQuantized(Tensor t) {
        return markOf(t) != null;
    }

    /**
     * The quantized tensor a carrier stands for: PyTorch's {@code x} itself ({@code x.int_repr()}, {@code x.q_scale()},
     * {@code x.q_zero_point()}, its printout).
     *
     * @param t a carrier
     * @return its integers, scale and zero point
     * @throws IllegalArgumentException for a tensor that is not a quantized activation
     */
    public static QuantizedTensor quantized(Tensor t) {
        Mark m = markOf(t);
        if (m == null) {
            throw new IllegalArgumentException("not a quantized activation: a float tensor (made by a float op, or never "
                    + "quantized); quantize it with a QuantStub (Quantize) first");
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor k = t.detach().div((double) (float) m.scale).round().add((double) m.zeroPoint);
            Tensor ints = k.to(m.dtype == QuantDType.QUINT8 ? DType.UINT8 : DType.INT8);
            return QuantizedTensor.makePerTensorQuantizedTensor(ints, m.scale, m.zeroPoint);
        }
    }

    /**
     * {@code torch.ops.quantized.conv2d(x, packed, output_scale, output_zero_point)} (and {@code conv2d_relu}) of a
     * quantized activation, giving the output's carrier: {@link QuantizedOps#conv2d(QuantizedTensor,
     * QuantizedOps.PackedConv2d, double, long, boolean)}'s integers, the kernel reading the input's integers from the
     * carrier and writing the output's carrier directly (no quantized tensor in between).
     *
     * @param x a quint8 quantized activation {@code [N, C, H, W]}
     * @param packed the weight, bias and geometry
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point, in [0, 255]
     * @param relu whether {@code conv2d_relu}
     * @return the output's carrier {@code [N, C_out, H_out, W_out]}
     * @throws IllegalArgumentException for a tensor that is not a quantized activation, another dtype, rank or channel
     *     count, an empty output (PyTorch's messages)
     */
    public static Tensor conv2d(Tensor x, QuantizedOps.PackedConv2d packed, double outputScale, long outputZeroPoint,
                                boolean relu) {
        Mark m = markOf(x);
        if (m == null || m.dtype != QuantDType.QUINT8 || packed == null) {
            return carrier(QuantizedOps.conv2d(quantized(x), packed, outputScale, outputZeroPoint, relu));
        }
        int[] outShape = QuantizedOps.checkConv2d(x.shape(), packed.weightShape, packed.stride, packed.padding,
            packed.dilation, packed.groups);
        try (GradMode off = Ember.noGrad()) {
            Tensor out = Creation.empty(outShape, DType.FLOAT32, Device.CPU);
            QuantizedOps.conv2dInto(x.detach(), (float) m.scale, (float) m.scale, packed, outputScale, outputZeroPoint,
                relu, out);
            mark(out, new Mark(QuantDType.QUINT8, outputScale, outputZeroPoint, null, 0));
            return out;
        }
    }

    /**
     * {@code torch.ops.quantized.linear(x, packed, output_scale, output_zero_point)} (and {@code linear_relu}) of a
     * quantized activation, giving the output's carrier: {@link QuantizedOps#linear}'s integers, the kernel reading
     * the input's integers from the carrier and writing the output's carrier directly.
     *
     * @param x a quint8 quantized activation, at least 2 dimensions, the last {@code in_features}
     * @param packed the weight and bias
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point, in [0, 255]
     * @param relu whether {@code linear_relu}
     * @return the output's carrier, {@code x}'s shape with the last dimension {@code out_features}
     * @throws IllegalArgumentException for a tensor that is not a quantized activation, another dtype, fewer than 2
     *     dimensions or another feature count (FBGEMM's messages)
     */
    public static Tensor linear(Tensor x, QuantizedOps.PackedLinear packed, double outputScale, long outputZeroPoint,
                                boolean relu) {
        Mark m = markOf(x);
        if (m == null || m.dtype != QuantDType.QUINT8 || packed == null) {
            return carrier(QuantizedOps.linear(quantized(x), packed, outputScale, outputZeroPoint, relu));
        }
        int[] outShape = QuantizedOps.checkLinear(x.shape(), packed);
        try (GradMode off = Ember.noGrad()) {
            int k = packed.inFeatures();
            int rows = 1;
            for (int d = 0; d < x.dim() - 1; d++) {
                rows = Math.multiplyExact(rows, x.size(d));
            }
            Tensor out = Creation.empty(outShape, DType.FLOAT32, Device.CPU);
            if (out.numel() > 0) {
                QuantizedOps.linearInto(x.detach().contiguous().reshape(rows, k), (float) m.scale, (float) m.scale,
                    packed, outputScale, outputZeroPoint, relu, out);
            }
            mark(out, new Mark(QuantDType.QUINT8, outputScale, outputZeroPoint, null, 0));
            return out;
        }
    }

    /**
     * {@code F.adaptive_avg_pool2d} of a quantized activation, PyTorch's quantized kernel for a contiguous (NCHW)
     * input: the output keeps the input's scale and zero point, each window's integers summed and the sum times
     * {@code (float) (1.0 / 1) / kH / kW} (in float) rounded half to even. A channels-last contiguous input (one with a
     * single channel is one) takes PyTorch's NHWC kernel instead: the window's sum less its size times the zero point,
     * requantized by {@link #nhwcQuantize} (rounded before the zero point is added, so an exact .5 rounds to even by
     * itself).
     */
    static Tensor adaptiveAvgPool2d(Tensor input, int[] outputSize) {
        // PyTorch's adaptive_avg_pool2d checks the output size before it dispatches to the quantized kernel
        if (outputSize.length != 2) {
            throw new IllegalArgumentException("adaptive_avg_pool2d: output_size must be 2");
        }
        if (outputSize[0] < 0 || outputSize[1] < 0) {
            throw new IllegalArgumentException("adaptive_avg_pool2d: elements of output_size must be greater than or "
                    + "equal to 0 but received {" + outputSize[0] + ", " + outputSize[1] + "}");
        }
        QuantizedTensor q = quantized(input);
        int[] shape = q.shape();
        if (shape.length != 3 && shape.length != 4) {
            throw new IllegalArgumentException("non-empty 3D or 4D (batch mode) tensor expected for input");
        }
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] <= 0) {
                throw new IllegalArgumentException("adaptive_avg_pooling2d(): expected input to have non-empty spatial "
                        + "dimensions, but input has sizes " + java.util.Arrays.toString(shape) + " with dimension " + i
                        + " being empty");
            }
        }
        int oh = outputSize[0];
        int ow = outputSize[1];
        int ih = shape[shape.length - 2];
        int iw = shape[shape.length - 1];
        int planes = 1;
        for (int i = 0; i < shape.length - 2; i++) {
            planes *= shape[i]; // a factor of the input's element count
        }
        int[] outShape = shape.clone();
        outShape[shape.length - 2] = oh;
        outShape[shape.length - 1] = ow;
        long plane = (long) oh * ow; // at most 2^62
        boolean fits = planes <= Long.MAX_VALUE / Math.max(1L, plane);
        long outNumel = fits ? planes * plane : Long.MAX_VALUE;
        if (outNumel > Layout.MAX_STORAGE_ELEMENTS) { // Ember's rule for one tensor, in Tensor.zeros' words
            throw new IllegalArgumentException("a tensor of sizes=" + Shapes.str(outShape) + " has "
                    + (fits ? String.valueOf(outNumel) : "more than " + Long.MAX_VALUE) + " elements; one Ember tensor "
                    + "stores at most " + Layout.MAX_STORAGE_ELEMENTS);
        }
        long zp = q.qZeroPoint();
        boolean channelsLast = channelsLast(input);
        long[] in = q.intRepr().to(DType.INT64).toLongArray();
        long[] out = new long[(int) outNumel];
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < oh; y++) {
                // PyTorch's start_index/end_index: the products in int64, then float
                int h0 = (int) Math.floor((float) ((long) y * ih) / oh);
                int h1 = (int) Math.ceil((float) ((long) (y + 1) * ih) / oh);
                float kHr = 1.0f / (h1 - h0);
                for (int x = 0; x < ow; x++) {
                    int w0 = (int) Math.floor((float) ((long) x * iw) / ow);
                    int w1 = (int) Math.ceil((float) ((long) (x + 1) * iw) / ow);
                    float kHWr = kHr / (w1 - w0);
                    long sum = 0;
                    for (int i = h0; i < h1; i++) {
                        for (int j = w0; j < w1; j++) {
                            sum += in[(p * ih + i) * iw + j];
                        }
                    }
                    if (channelsLast) {
                        int size = (h1 - h0) * (w1 - w0);
                        long r = nhwcQuantize((int) (sum - size * zp), (float) (1.0 / size), zp);
                        out[(p * oh + y) * ow + x] = Math.max(q.dtype().min(), Math.min(q.dtype().max(), r));
                    } else {
                        out[(p * oh + y) * ow + x] = (long) Math.rint((float) sum * kHWr);
                    }
                }
            }
        }
        Tensor ints = Tensor.fromArray(out).to(q.dtype() == QuantDType.QUINT8 ? DType.UINT8 : DType.INT8).reshape(outShape);
        return carrier(QuantizedTensor.makePerTensorQuantizedTensor(ints, q.qScale(), q.qZeroPoint()));
    }

    /**
     * {@code F.interpolate(x, mode="bilinear")} of a quantized activation, PyTorch's quantized kernel
     * ({@code upsample_bilinear2d_out_frame}): the output keeps the input's scale and zero point; PyTorch's float source
     * index ({@code area_pixel_compute_source_index<float>}, the scale {@code (in - 1) / (out - 1)} with
     * {@code alignCorners}, else {@code 1 / scale_factor} or {@code in / out}, in float), the four neighbours' integers
     * weighted in float as {@code h0 * (w0 * a + w1 * b) + h1 * (w0 * c + w1 * d) - zero_point}, then
     * {@code rint} plus the zero point, clamped to the type.
     *
     * @param input a 4-d quantized activation {@code [N, C, H, W]}
     * @param outputSize the output's height and width, or null with {@code scaleFactors}
     * @param alignCorners whether the corner pixels' centres are aligned
     * @param scaleFactors the height's and width's scale factors, or null
     * @return the output's carrier
     */
    static Tensor upsampleBilinear2d(Tensor input, int[] outputSize, boolean alignCorners, double[] scaleFactors) {
        QuantizedTensor q = quantized(input);
        int[] shape = q.shape();
        int ih = shape[2];
        int iw = shape[3];
        int oh;
        int ow;
        if (outputSize != null) {
            if (outputSize.length != 2) {
                throw new IllegalArgumentException("It is expected output_size equals to 2, but got size "
                        + outputSize.length);
            }
            oh = outputSize[0];
            ow = outputSize[1];
        } else {
            if (scaleFactors == null || scaleFactors.length != 2) {
                throw new IllegalArgumentException("It is expected scale_factors equals to 2");
            }
            oh = (int) Math.floor(ih * scaleFactors[0]);
            ow = (int) Math.floor(iw * scaleFactors[1]);
        }
        if (oh <= 0 || ow <= 0 || ih <= 0 || iw <= 0) {
            throw new IllegalArgumentException("Input and output sizes should be greater than 0, but got input (H: " + ih
                    + ", W: " + iw + ") output (H: " + oh + ", W: " + ow + ")");
        }
        float rh = sourceScale(ih, oh, alignCorners, scaleFactors == null ? null : scaleFactors[0]);
        float rw = sourceScale(iw, ow, alignCorners, scaleFactors == null ? null : scaleFactors[1]);
        long zp = q.qZeroPoint();
        long[] in = q.intRepr().to(DType.INT64).toLongArray();
        int planes = Math.multiplyExact(shape[0], shape[1]);
        long[] out = new long[Math.multiplyExact(Math.multiplyExact(planes, oh), ow)];
        for (int y = 0; y < oh; y++) {
            float h1r = sourceIndex(rh, y, alignCorners);
            int h1 = (int) h1r;
            int h1p = h1 < ih - 1 ? 1 : 0;
            float h1l = h1r - h1;
            float h0l = 1.0f - h1l;
            for (int x = 0; x < ow; x++) {
                float w1r = sourceIndex(rw, x, alignCorners);
                int w1 = (int) w1r;
                int w1p = w1 < iw - 1 ? 1 : 0;
                float w1l = w1r - w1;
                float w0l = 1.0f - w1l;
                for (int c = 0; c < planes; c++) {
                    int base = (c * ih + h1) * iw + w1;
                    float result = h0l * (w0l * in[base] + w1l * in[base + w1p])
                            + h1l * (w0l * in[base + h1p * iw] + w1l * in[base + h1p * iw + w1p]) - zp;
                    long v = (long) Math.rint(result) + zp; // quantize_val with the output scale / input scale, 1
                    out[(c * oh + y) * ow + x] = Math.max(q.dtype().min(), Math.min(q.dtype().max(), v));
                }
            }
        }
        Tensor ints = Tensor.fromArray(out).to(q.dtype() == QuantDType.QUINT8 ? DType.UINT8 : DType.INT8)
                .reshape(shape[0], shape[1], oh, ow);
        return carrier(QuantizedTensor.makePerTensorQuantizedTensor(ints, q.qScale(), q.qZeroPoint()));
    }

    /** PyTorch's {@code area_pixel_compute_scale<float>} ({@link NNOps#areaPixelScale} in float; null: no scale). */
    private static float sourceScale(int in, int out, boolean alignCorners, Double scale) {
        return (float) NNOps.areaPixelScale(in, out, alignCorners, scale == null ? 0 : scale, true);
    }

    /** PyTorch's {@code area_pixel_compute_source_index<float>} (not cubic). */
    private static float sourceIndex(float scale, int dst, boolean alignCorners) {
        if (alignCorners) {
            return scale * dst;
        }
        float src = scale * (dst + 0.5f) - 0.5f;
        return src < 0 ? 0f : src;
    }

    /**
     * Whether PyTorch's quantized average pools take their channels-last (NHWC) kernel for {@code input}: a 4-d input
     * contiguous in {@code torch.channels_last}, which a contiguous one with one channel (or a 1 x 1 plane) is too.
     */
    private static boolean channelsLast(Tensor input) {
        return input.dim() == 4 && input.isContiguous(MemoryFormat.CHANNELS_LAST);
    }

    /**
     * The NHWC kernels' scalar requantization of a window's sum less its size times the zero point:
     * {@code quantize_val(1.0f / multiplier, zero_point, sum)}, i.e. {@code zero_point + rint(sum * (1.0f / (1.0f /
     * multiplier)))} in float (rounded before the zero point is added), not yet clamped.
     */
    private static long nhwcQuantize(int shiftedSum, float multiplier, long zeroPoint) {
        float inv = 1.0f / (1.0f / multiplier);
        return (long) Math.rint((float) shiftedSum * inv) + zeroPoint;
    }

    /**
     * {@code F.avg_pool2d} of a quantized activation, PyTorch's quantized kernel for a contiguous (NCHW) input
     * ({@code avg_pool2d_out_frame}): the output keeps the input's scale and zero point; each window's integers summed,
     * less the window's (unpadded) size times the zero point, times {@code (float) (1.0 / divisor)} in float, plus the
     * zero point in float, rounded half to even and clamped to the type; the divisor is the window's size with or
     * without padding ({@code count_include_pad}), or {@code divisor_override}. A channels-last contiguous input (one
     * with a single channel is one) takes PyTorch's NHWC kernel ({@code qavg_pool2d_nhwc}) instead, whose scalar loop
     * requantizes as {@link #nhwcQuantize} does.
     */
    static Tensor avgPool2d(Tensor input, dev.ember.backend.Pool2dParams p, int outH, int outW,
                            Integer divisorOverride) {
        QuantizedTensor q = quantized(input);
        int[] shape = q.shape();
        int ih = shape[shape.length - 2];
        int iw = shape[shape.length - 1];
        int planes = 1;
        for (int i = 0; i < shape.length - 2; i++) {
            planes = Math.multiplyExact(planes, shape[i]);
        }
        long zp = q.qZeroPoint();
        boolean channelsLast = channelsLast(input);
        long[] in = q.intRepr().to(DType.INT64).toLongArray();
        long[] out = new long[Math.multiplyExact(Math.multiplyExact(planes, outH), outW)];
        for (int c = 0; c < planes; c++) {
            for (int y = 0; y < outH; y++) {
                for (int x = 0; x < outW; x++) {
                    long h0 = (long) y * p.strideH() - p.padH();
                    long w0 = (long) x * p.strideW() - p.padW();
                    long h1 = Math.min(h0 + p.kernelH(), (long) ih + p.padH());
                    long w1 = Math.min(w0 + p.kernelW(), (long) iw + p.padW());
                    long poolSize = (h1 - h0) * (w1 - w0);
                    h0 = Math.max(h0, 0);
                    w0 = Math.max(w0, 0);
                    h1 = Math.min(h1, ih);
                    w1 = Math.min(w1, iw);
                    int o = (c * outH + y) * outW + x;
                    if (h0 >= h1 || w0 >= w1) {
                        out[o] = 0; // PyTorch's kernel writes 0 and skips an empty window
                        continue;
                    }
                    long size = (h1 - h0) * (w1 - w0);
                    long divide = divisorOverride != null ? divisorOverride : p.countIncludePad() ? poolSize : size;
                    int sum = 0;
                    for (long i = h0; i < h1; i++) {
                        for (long j = w0; j < w1; j++) {
                            sum += (int) in[(int) ((c * (long) ih + i) * iw + j)];
                        }
                    }
                    float multiplier = (float) (1.0 / divide); // input and output scales are equal
                    sum -= (int) (size * zp);
                    long r = channelsLast ? nhwcQuantize(sum, multiplier, zp)
                        : (long) Math.rint((float) sum * multiplier + (float) zp);
                    out[o] = Math.max(q.dtype().min(), Math.min(q.dtype().max(), r));
                }
            }
        }
        int[] outShape = shape.clone();
        outShape[shape.length - 2] = outH;
        outShape[shape.length - 1] = outW;
        Tensor ints = Tensor.fromArray(out).to(q.dtype() == QuantDType.QUINT8 ? DType.UINT8 : DType.INT8).reshape(outShape);
        return carrier(QuantizedTensor.makePerTensorQuantizedTensor(ints, q.qScale(), q.qZeroPoint()));
    }

    /**
     * {@code torch.sigmoid} of a quantized activation, PyTorch's {@code sigmoid_quantized_cpu} ({@code qsigmoid_kernel}):
     * the output's parameters fixed at scale 1/256 and zero point 0 (quint8) or -128 (qint8); each value dequantized as
     * {@code (q - zp) * scale}; over the vectorized elements ({@link QuantizedOps#QUINT8_VECTOR_STEP})
     * {@code 1.0f / (1.0f + exp(-x))} in float, over the rest {@code 1.0f / (1.0 + exp(-x))} in double (as the scalar
     * lambda promotes it); then {@code rint(y * 256) + zp} clamped. (PyTorch's vector {@code exp} is SLEEF's, within an
     * ulp of the float exponential Ember takes: an output could differ by one at an exact rounding tie.) As in PyTorch's
     * eager mode, {@code nn.Sigmoid} is not converted: it stays float and its input's integers take this kernel.
     */
    static Tensor sigmoid(Tensor input) {
        QuantizedTensor q = quantized(input);
        boolean u8 = q.dtype() == QuantDType.QUINT8;
        long outZp = u8 ? 0 : -128;
        float scale = (float) q.qScale();
        float zp = (float) q.qZeroPoint();
        long[] in = q.intRepr().to(DType.INT64).toLongArray();
        int vectorized = in.length - in.length % QuantizedOps.QUINT8_VECTOR_STEP;
        long[] out = new long[in.length];
        for (int i = 0; i < in.length; i++) {
            float x = ((float) in[i] - zp) * scale;
            float e = (float) Math.exp(-x);
            float y = i < vectorized ? 1.0f / (1.0f + e) : (float) (1.0f / (1.0 + e));
            out[i] = QuantizedPointwiseOps.quantize(y, 256.0f, outZp, q.dtype());
        }
        Tensor ints = Tensor.fromArray(out).to(u8 ? DType.UINT8 : DType.INT8).reshape(q.shape());
        return carrier(QuantizedTensor.makePerTensorQuantizedTensor(ints, 0.00390625, outZp));
    }

    /**
     * {@code torch.tanh} of a quantized activation, PyTorch's {@code qtanh_kernel}: the output's parameters fixed at
     * scale 2/256 and zero point 128 (quint8) or 0 (qint8); over the vectorized elements the input dequantized as
     * {@code fma(q, scale, scale * -zp)}, over the rest as {@code (q - zp) * scale}; {@code tanh} in float (SLEEF's in
     * PyTorch's vector loop, within an ulp), then {@code rint(y * 128) + zp} clamped. {@code nn.Tanh} stays float in
     * PyTorch's eager mode, as here.
     */
    static Tensor tanh(Tensor input) {
        QuantizedTensor q = quantized(input);
        boolean u8 = q.dtype() == QuantDType.QUINT8;
        long outZp = u8 ? 128 : 0;
        float scale = (float) q.qScale();
        float zp = (float) q.qZeroPoint();
        float premul = scale * -zp;
        long[] in = q.intRepr().to(DType.INT64).toLongArray();
        int vectorized = in.length - in.length % QuantizedOps.QUINT8_VECTOR_STEP;
        long[] out = new long[in.length];
        for (int i = 0; i < in.length; i++) {
            float x = i < vectorized ? Math.fma((float) in[i], scale, premul) : ((float) in[i] - zp) * scale;
            out[i] = QuantizedPointwiseOps.quantize((float) Math.tanh(x), 128.0f, outZp, q.dtype());
        }
        Tensor ints = Tensor.fromArray(out).to(u8 ? DType.UINT8 : DType.INT8).reshape(q.shape());
        return carrier(QuantizedTensor.makePerTensorQuantizedTensor(ints, 0.0078125, outZp));
    }

    /** {@code out} marked as {@code in} is, when {@code in} is a carrier: for an op that commutes with dequantization. */
    static Tensor follow(Tensor in, Tensor out) {
        if (!used || out == in || out.rawStorage() == in.rawStorage()) {
            return out;
        }
        Mark m = markOf(in);
        if (m != null && out.dtype() == DType.FLOAT32) {
            mark(out, m);
        }
        return out;
    }

    /** {@code op} (in place on {@code t}, commuting with dequantization) with {@code t}'s mark carried over it. */
    static Tensor inPlace(Tensor t, Supplier<Tensor> op) {
        if (!used) {
            return op.get();
        }
        Mark m = markOf(t);
        Tensor r = op.get();
        if (m != null) {
            mark(t, m);
        }
        return r;
    }

    private static void mark(Tensor t, Mark m) {
        used = true;
        MARKS.put(t.rawStorage(), new Mark(m.dtype, m.scale, m.zeroPoint, t.version, t.version[0]));
    }

    private static Mark markOf(Tensor t) {
        if (!used || t == null || t.dtype() != DType.FLOAT32 || !t.device().isCpu()) {
            return null;
        }
        Mark m;
        try {
            m = MARKS.get(t.rawStorage());
        } catch (IllegalStateException closed) {
            return null; // a closed tensor: the op itself says so
        }
        return m != null && m.versionRef == t.version && m.version == t.version[0] ? m : null;
    }
}
