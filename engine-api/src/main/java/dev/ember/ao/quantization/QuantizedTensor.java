package dev.ember.ao.quantization;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.FakeQuant;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorStr;

import java.util.ArrayList;
import java.util.List;

/**
 * A quantized tensor, PyTorch's tensors of dtype {@code torch.quint8}, {@code torch.qint8}, {@code torch.qint32} or
 * {@code torch.quint4x2}: integers ({@link #intRepr()}: uint8, int8 or int32; quint4x2's two 4-bit values a byte) with
 * an affine map to real values, one scale and zero point ({@code torch.per_tensor_affine}) or one per index of an axis
 * ({@code torch.per_channel_affine}; with float zero points {@code torch.per_channel_affine_float_qparams}, the
 * embeddings' scheme, the only one Ember has for quint4x2). Made by
 * {@link #quantizePerTensor}, {@link #quantizePerChannel} and {@link #quantizePerTensorDynamic} (PyTorch's
 * {@code torch.quantize_per_tensor}, {@code quantize_per_channel}, {@code quantize_per_tensor_dynamic}), read back by
 * {@link #dequantize()}; prints as PyTorch's. Ember keeps its {@link Tensor} for real and complex types, so a
 * quantized tensor is a type of its own: it holds its integers and parameters, and no op but these computes on it
 * (PyTorch's quantized kernels are not here).
 *
 * <p>The arithmetic is PyTorch's CPU kernels': {@code q = clamp(zero_point + round(x * (1.0f / (float) scale)))} (the
 * product and the sum in float, rounding half to even; a NaN or infinite, or an index beyond int64, gives the type's
 * minimum, as PyTorch's conversion on x86), per tensor {@code dequantize = (float) scale * (q - zero_point)} in float,
 * per channel {@code (float) (((float) q - zero_point) * scale)} with the double scale. With float qparams (PyTorch's
 * {@code quantize_val_float_qparams}) {@code q = clamp((int) lrintf(x * inv_scale + zero_point))}, {@code inv_scale =
 * 1.0f / scale} (1 for a zero scale), all in float, the long narrowed to int as C++ does (a NaN gives 0, a value
 * beyond int32 wraps around before the clamp), and {@code dequantize = ((float) q - zero_point) * scale} in float.
 */
public final class QuantizedTensor implements AutoCloseable {
    /** 2^63: the first index a conversion to int64 cannot hold. */
    private static final double INT64_LIMIT = 9.223372036854775808e18;

    private final Tensor ints;
    private final QuantDType dtype;
    private final QScheme qscheme;
    private final double scale;
    private final long zeroPoint;
    private final Tensor scales;
    private final Tensor zeroPoints;
    private final int axis;

    private QuantizedTensor(Tensor ints, QuantDType dtype, QScheme qscheme, double scale, long zeroPoint, Tensor scales,
                            Tensor zeroPoints, int axis) {
        this.ints = ints;
        this.dtype = dtype;
        this.qscheme = qscheme;
        this.scale = scale;
        this.zeroPoint = zeroPoint;
        this.scales = scales;
        this.zeroPoints = zeroPoints;
        this.axis = axis;
    }

    /**
     * {@code torch.quantize_per_tensor(x, scale, zero_point, dtype)}.
     *
     * @throws IllegalArgumentException for an input that is not float32, a zero point outside the type's range, or
     *     quint4x2 (not supported here yet) (PyTorch's messages)
     */
    public static QuantizedTensor quantizePerTensor(Tensor x, double scale, long zeroPoint, QuantDType dtype) {
        checkInput(x, "Quantize only works on Float Tensor, got ");
        checkType(dtype);
        checkZeroPoint("quantize_tensor_per_tensor_affine", zeroPoint, dtype);
        try (GradMode off = Ember.noGrad()) {
            Tensor q = x.detach().mul((double) (1.0f / (float) scale)).round().add((double) zeroPoint);
            return new QuantizedTensor(toInts(q, dtype), dtype, QScheme.PER_TENSOR_AFFINE, scale, zeroPoint, null, null,
                -1);
        }
    }

    /**
     * {@code torch.quantize_per_channel(x, scales, zero_points, axis, dtype)}: a scale (kept as float64) and zero point
     * (int64) per index of {@code axis}; with floating-point zero points, PyTorch's
     * {@code torch.per_channel_affine_float_qparams} (scales and zero points kept as float32), the only per-channel
     * scheme of quint4x2.
     *
     * @throws IllegalArgumentException for scales or zero points that are not 1-D, scales that are not floating point,
     *     an input that is not float32, an axis out of range, scales and zero points of other lengths, an integer zero
     *     point outside the type's range, or quint4x2 with integer zero points (PyTorch's messages)
     */
    public static QuantizedTensor quantizePerChannel(Tensor x, Tensor scales, Tensor zeroPoints, int axis,
                                                     QuantDType dtype) {
        if (scales == null || zeroPoints == null) {
            throw new IllegalArgumentException("quantize_per_channel: scales and zero_points must not be null");
        }
        checkPerChannelParams(scales, zeroPoints);
        boolean floatQparams = zeroPoints.dtype().isFloatingPoint();
        checkInput(x, floatQparams ? "quantize_tensor_per_channel_float_qparams expects a Float Tensor, got "
            : "quantize_tensor_per_channel_affine expects a Float Tensor, got ");
        if (dtype == null) {
            throw new IllegalArgumentException("quantize: dtype must not be null");
        }
        if (scales.numel() != zeroPoints.numel()) {
            throw new IllegalArgumentException("number of elements in scales and zero_points must match");
        }
        if (axis < 0 || axis >= x.dim()) {
            throw new IllegalArgumentException("Channel axis out of range in per channel affine quantization. Got: "
                    + axis + "Expected: [0, " + x.dim() + ")");
        }
        if (scales.numel() != x.size(axis)) {
            throw new IllegalArgumentException("length of scales must equal to channel");
        }
        if (floatQparams) {
            return quantizeFloatQparams(x, scales, zeroPoints, axis, dtype);
        }
        if (dtype == QuantDType.QUINT4X2) {
            throw new IllegalArgumentException("\"quantize_tensor_per_channel_affine\" not implemented for 'QUInt4x2'");
        }
        for (double z : zeroPoints.to(DType.FLOAT64).toDoubleArray()) {
            checkZeroPoint("quantize_tensor_per_channel_affine", (long) z, dtype);
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor s = scales.detach().to(DType.FLOAT64).reshape(-1).to(x.device()).clone();
            Tensor z = zeroPoints.detach().to(DType.INT64).reshape(-1).to(x.device()).clone();
            int[] shape = broadcastShape(x, axis);
            Tensor inv = Tensor.ones(DType.FLOAT32, shape).to(x.device()).div(s.to(DType.FLOAT32).reshape(shape));
            Tensor q = x.detach().mul(inv).round().add(z.to(DType.FLOAT32).reshape(shape));
            return new QuantizedTensor(toInts(q, dtype), dtype, QScheme.PER_CHANNEL_AFFINE, Double.NaN, 0, s, z, axis);
        }
    }

    /**
     * PyTorch's {@code quantize_tensor_per_channel_float_qparams}: {@code lrintf(x * inv_scale + zero_point)} clamped,
     * {@code inv_scale = 1.0f / scale} (1 for a zero scale), in float.
     */
    private static QuantizedTensor quantizeFloatQparams(Tensor x, Tensor scales, Tensor zeroPoints, int axis,
                                                        QuantDType dtype) {
        try (GradMode off = Ember.noGrad()) {
            Tensor s = scales.detach().to(DType.FLOAT32).reshape(-1).to(x.device()).clone();
            Tensor z = zeroPoints.detach().to(DType.FLOAT32).reshape(-1).to(x.device()).clone();
            int[] shape = broadcastShape(x, axis);
            Tensor sb = s.reshape(shape);
            Tensor inv = Tensor.where(sb.eq(0.0), sb.onesLike(), sb.onesLike().div(sb));
            Tensor q = x.detach().mul(inv).add(z.reshape(shape)).round().to(DType.FLOAT64);
            // lrintf's long (its minimum, whose low 32 bits are 0, for NaN and beyond int64) narrowed to int, clamped
            Tensor asLong = Tensor.where(q.abs().lt(INT64_LIMIT), q, q.zerosLike()).to(DType.INT64);
            Tensor ints = asLong.to(DType.INT32).clamp((double) dtype.min(), (double) dtype.max()).to(storageType(dtype));
            return new QuantizedTensor(ints, dtype, QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS, Double.NaN, 0,
                s, z, axis);
        }
    }

    /**
     * {@code torch.quantize_per_tensor_dynamic(x, dtype, reduce_range)}: per-tensor quantization with the scale and
     * zero point FBGEMM's {@code ChooseQuantizationParams} picks from the input's minimum and maximum (over the type's
     * range, halved with {@code reduceRange}).
     *
     * @throws IllegalArgumentException for an input that is not float32 or empty, or a type other than quint8 and
     *     qint8 (PyTorch's message)
     */
    public static QuantizedTensor quantizePerTensorDynamic(Tensor x, QuantDType dtype, boolean reduceRange) {
        checkInput(x, "Quantize only works on Float Tensor, got ");
        if (dtype != QuantDType.QUINT8 && dtype != QuantDType.QINT8) {
            throw new IllegalArgumentException("dtype " + (dtype == null ? null : dtype == QuantDType.QINT32 ? "QInt32"
                    : "QUInt4x2") + "not supported");
        }
        if (x.numel() == 0) {
            throw new IllegalArgumentException("min(): Expected reduction dim to be specified for input.numel() == 0. "
                    + "Specify the reduction dim with the 'dim' argument.");
        }
        Tensor.MinMax mm = x.detach().aminmax();
        int qmin = (int) dtype.min();
        int qmax = (int) dtype.max();
        if (reduceRange) {
            qmin /= 2; // C++'s division: toward zero
            qmax /= 2;
        }
        double[] q = FakeQuant.chooseQuantizationParams((float) mm.min().item(), (float) mm.max().item(), qmin, qmax,
            false);
        return quantizePerTensor(x, q[0], (long) q[1], dtype);
    }

    /**
     * {@code torch._make_per_tensor_quantized_tensor(int_repr, scale, zero_point)}: a per-tensor quantized tensor over
     * given integers (copied): uint8 gives quint8, int8 qint8, int32 qint32.
     *
     * @param ints the integers
     * @param scale the scale
     * @param zeroPoint the zero point
     * @return the quantized tensor
     * @throws IllegalArgumentException for integers of another type (PyTorch's message) or a zero point outside the
     *     type's range
     */
    public static QuantizedTensor makePerTensorQuantizedTensor(Tensor ints, double scale, long zeroPoint) {
        if (ints == null) {
            throw new IllegalArgumentException("_make_per_tensor_quantized_tensor: int_repr must not be null");
        }
        QuantDType dtype = switch (ints.dtype()) {
            case UINT8 -> QuantDType.QUINT8;
            case INT8 -> QuantDType.QINT8;
            case INT32 -> QuantDType.QINT32;
            default -> throw new IllegalArgumentException("Could not find any QTensor type for underlying scalar type: "
                    + Format.scalarType(ints.dtype()));
        };
        checkZeroPoint("_make_per_tensor_quantized_tensor", zeroPoint, dtype);
        try (GradMode off = Ember.noGrad()) {
            return new QuantizedTensor(ints.detach().clone(), dtype, QScheme.PER_TENSOR_AFFINE, scale, zeroPoint, null,
                null, -1);
        }
    }

    /**
     * {@code torch._make_per_channel_quantized_tensor(int_repr, scales, zero_points, axis)}: a per-channel quantized
     * tensor over given integers (copied), one scale (kept as float64) and zero point (int64) per index of {@code axis};
     * floating-point zero points give {@code torch.per_channel_affine_float_qparams} (both kept as float32), as
     * PyTorch's {@code _empty_per_channel_affine_quantized} makes them.
     *
     * @param ints the integers, uint8 (quint8), int8 (qint8) or int32 (qint32)
     * @param scales the scales
     * @param zeroPoints the zero points
     * @param axis the channel axis
     * @return the quantized tensor
     * @throws IllegalArgumentException for integers of another type, scales or zero points that are not 1-D or scales
     *     that are not floating point (PyTorch's messages), an axis out of range, or scales and zero points of another
     *     length
     */
    public static QuantizedTensor makePerChannelQuantizedTensor(Tensor ints, Tensor scales, Tensor zeroPoints,
                                                                int axis) {
        QuantizedTensor t = makePerTensorQuantizedTensor(ints, 1.0, 0);
        return makePerChannelQuantizedTensor(t.ints, scales, zeroPoints, axis, t.dtype);
    }

    /**
     * {@link #makePerChannelQuantizedTensor(Tensor, Tensor, Tensor, int)} of a given type: for quint4x2 the integers
     * are the 4-bit values themselves (uint8 in [0, 15], one an element, not {@link #intRepr()}'s packed bytes), and the
     * zero points must be floating point (quint4x2 has only float qparams).
     *
     * @param ints the integers: uint8 for quint8 and quint4x2, int8 for qint8, int32 for qint32
     * @param scales the scales
     * @param zeroPoints the zero points
     * @param axis the channel axis
     * @param dtype the quantized type
     * @return the quantized tensor
     * @throws IllegalArgumentException for integers of another storage type or out of quint4x2's range, scales or zero
     *     points that are not 1-D or scales that are not floating point (PyTorch's messages), an axis out of range,
     *     scales and zero points of another length, or quint4x2 with integer zero points
     */
    public static QuantizedTensor makePerChannelQuantizedTensor(Tensor ints, Tensor scales, Tensor zeroPoints,
                                                                int axis, QuantDType dtype) {
        if (ints == null || scales == null || zeroPoints == null || dtype == null) {
            throw new IllegalArgumentException("_make_per_channel_quantized_tensor: int_repr, scales, zero_points and "
                    + "dtype must not be null");
        }
        if (ints.dtype() != storageType(dtype)) {
            throw new IllegalArgumentException("_make_per_channel_quantized_tensor: " + dtype + " needs "
                    + storageType(dtype).torchName() + " integers, got " + ints.dtype().torchName());
        }
        checkPerChannelParams(scales, zeroPoints);
        if (axis < 0 || axis >= ints.dim()) {
            throw new IllegalArgumentException("Channel axis out of range in per channel affine quantization. Got: "
                    + axis + "Expected: [0, " + ints.dim() + ")");
        }
        if (scales.numel() != ints.size(axis) || zeroPoints.numel() != ints.size(axis)) {
            throw new IllegalArgumentException("length of scales and zero_points must equal to channel");
        }
        boolean floatQparams = zeroPoints.dtype().isFloatingPoint();
        if (dtype == QuantDType.QUINT4X2) {
            if (!floatQparams) {
                throw new IllegalArgumentException("\"quantize_tensor_per_channel_affine\" not implemented for "
                        + "'QUInt4x2'");
            }
            if (ints.numel() > 0 && ints.to(DType.INT32).max().item() > 15) {
                throw new IllegalArgumentException("_make_per_channel_quantized_tensor: a quint4x2 value above 15");
            }
        }
        try (GradMode off = Ember.noGrad()) {
            DType paramType = floatQparams ? DType.FLOAT32 : DType.FLOAT64;
            return new QuantizedTensor(ints.detach().clone(), dtype, floatQparams ? QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS
                : QScheme.PER_CHANNEL_AFFINE, Double.NaN, 0, scales.detach().to(paramType).reshape(-1).clone(),
                zeroPoints.detach().to(floatQparams ? DType.FLOAT32 : DType.INT64).reshape(-1).clone(), axis);
        }
    }

    /** The type holding a quantized type's integers: uint8 for quint8 and quint4x2 (a value an element), int8, int32. */
    private static DType storageType(QuantDType dtype) {
        return switch (dtype) {
            case QUINT8, QUINT4X2 -> DType.UINT8;
            case QINT8 -> DType.INT8;
            case QINT32 -> DType.INT32;
        };
    }

    /**
     * PyTorch's checks of per-channel parameters, in its order ({@code checkPerChannelParamDims} and
     * {@code make_per_channel_affine_quantizer}): 1-D scales and zero points of one length, the scales floating point.
     */
    private static void checkPerChannelParams(Tensor scales, Tensor zeroPoints) {
        if (scales.dim() != 1) {
            throw new IllegalArgumentException("scale tensor must have dimension 1");
        }
        if (zeroPoints.dim() != 1) {
            throw new IllegalArgumentException("zero_points tensor must have dimension 1");
        }
        if (scales.numel() != zeroPoints.numel()) {
            throw new IllegalArgumentException("number of elements in scales and zero_points must match");
        }
        if (!scales.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("scale tensor must be floating point");
        }
    }

    private static void checkInput(Tensor x, String message) {
        if (x == null) {
            throw new IllegalArgumentException("quantize: the input must not be null");
        }
        if (x.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(message + Format.scalarType(x.dtype()));
        }
    }

    private static void checkType(QuantDType dtype) {
        if (dtype == null) {
            throw new IllegalArgumentException("quantize: dtype must not be null");
        }
        if (dtype == QuantDType.QUINT4X2) {
            throw new UnsupportedOperationException("quantize: torch.quint4x2 is supported by Ember per channel with "
                    + "float zero points only (torch.per_channel_affine_float_qparams, quantizePerChannel), not per "
                    + "tensor");
        }
    }

    private static void checkZeroPoint(String fn, long zeroPoint, QuantDType dtype) {
        if (zeroPoint > dtype.max()) {
            throw new IllegalArgumentException(fn + " zero_point " + zeroPoint + " is above upper bound.");
        }
        if (zeroPoint < dtype.min()) {
            throw new IllegalArgumentException(fn + " zero_point " + zeroPoint + " is below lower bound.");
        }
    }

    /** [1, ..., C, ..., 1] with C at {@code axis}. */
    private static int[] broadcastShape(Tensor x, int axis) {
        int[] shape = new int[x.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[axis] = x.size(axis);
        return shape;
    }

    /** The float index, converted to int64 as x86 does (NaN and beyond int64: the minimum), clamped to the type. */
    private static Tensor toInts(Tensor q, QuantDType dtype) {
        Tensor d = q.to(DType.FLOAT64);
        d = Tensor.where(d.abs().lt(INT64_LIMIT), d, -INT64_LIMIT).clamp((double) dtype.min(), (double) dtype.max());
        return d.to(storageType(dtype));
    }

    /** {@code dequantize()}: the real values, float32. */
    public Tensor dequantize() {
        try (GradMode off = Ember.noGrad()) {
            if (qscheme == QScheme.PER_TENSOR_AFFINE) {
                // q - zero_point in C++'s int arithmetic: exact for the 8-bit types, wrapping around for qint32
                Tensor shifted = dtype == QuantDType.QINT32 ? ints.sub(zeroPoint) : ints.to(DType.INT64).sub(zeroPoint);
                return shifted.to(DType.FLOAT32).mul((double) (float) scale);
            }
            int[] shape = broadcastShape(ints, axis);
            if (qscheme == QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS) {
                return ints.to(DType.FLOAT32).sub(zeroPoints.reshape(shape)).mul(scales.reshape(shape));
            }
            return ints.to(DType.FLOAT32).sub(zeroPoints.to(DType.FLOAT32).reshape(shape)).to(DType.FLOAT64)
                    .mul(scales.reshape(shape)).to(DType.FLOAT32);
        }
    }

    /**
     * {@code int_repr()}: the integers (a copy), uint8 for quint8, int8 for qint8, int32 for qint32; for quint4x2, as
     * PyTorch's, the packed bytes, 1-D, {@code ceil(numel / 2)} of them: element {@code i} (row-major) in the low four
     * bits of byte {@code i / 2} when {@code i} is even, the high four bits when odd.
     */
    public Tensor intRepr() {
        if (dtype != QuantDType.QUINT4X2) {
            return ints.clone();
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor flat = ints.reshape(-1).to(DType.INT32);
            long n = flat.numel();
            if (n % 2 == 1) {
                flat = Tensor.cat(List.of(flat, Tensor.zeros(DType.INT32, 1).to(flat.device())), 0);
            }
            Tensor pairs = flat.reshape(-1, 2);
            return pairs.select(1, 0).add(pairs.select(1, 1).mul(16L)).to(DType.UINT8);
        }
    }

    /**
     * The integers one an element in the tensor's shape (a copy): {@link #intRepr()} but for quint4x2, whose 4-bit
     * values come unpacked, as uint8.
     *
     * @return the integers
     */
    public Tensor values() {
        return ints.clone();
    }

    /** The quantized type. */
    public QuantDType dtype() {
        return dtype;
    }

    /** {@code qscheme()}: per-tensor or per-channel affine. */
    public QScheme qscheme() {
        return qscheme;
    }

    /** The shape. */
    public int[] shape() {
        return ints.shape();
    }

    /** The device. */
    public Device device() {
        return ints.device();
    }

    /**
     * {@code q_scale()}.
     *
     * @throws IllegalStateException for a per-channel tensor (PyTorch's message)
     */
    public double qScale() {
        requireScheme(true);
        return scale;
    }

    /**
     * {@code q_zero_point()}.
     *
     * @throws IllegalStateException for a per-channel tensor (PyTorch's message)
     */
    public long qZeroPoint() {
        requireScheme(true);
        return zeroPoint;
    }

    /**
     * {@code q_per_channel_scales()}: float64 (float32 with float qparams).
     *
     * @throws IllegalStateException for a per-tensor tensor (PyTorch's message)
     */
    public Tensor qPerChannelScales() {
        requireScheme(false);
        return scales.clone();
    }

    /**
     * {@code q_per_channel_zero_points()}: int64 (float32 with float qparams).
     *
     * @throws IllegalStateException for a per-tensor tensor (PyTorch's message)
     */
    public Tensor qPerChannelZeroPoints() {
        requireScheme(false);
        return zeroPoints.clone();
    }

    /**
     * {@code q_per_channel_axis()}.
     *
     * @throws IllegalStateException for a per-tensor tensor (PyTorch's message)
     */
    public int qPerChannelAxis() {
        requireScheme(false);
        return axis;
    }

    private void requireScheme(boolean perTensor) {
        if (perTensor && qscheme != QScheme.PER_TENSOR_AFFINE) {
            throw new IllegalStateException("Expected quantizer->qscheme() == kPerTensorAffine to be true, but got "
                    + "false.  (Could this error message be improved?  If so, please report an enhancement request to "
                    + "PyTorch.)");
        }
        if (!perTensor && qscheme == QScheme.PER_TENSOR_AFFINE) {
            throw new IllegalStateException("Expected quantizer->qscheme() == kPerChannelAffine || quantizer->qscheme() "
                    + "== kPerChannelAffineFloatQParams to be true, but got false.  (Could this error message be "
                    + "improved?  If so, please report an enhancement request to PyTorch.)");
        }
    }

    /** Releases the integers and parameters. */
    @Override
    public void close() {
        ints.close();
        if (scales != null) {
            scales.close();
            zeroPoints.close();
        }
    }

    /**
     * PyTorch's printout: the dequantized values, then {@code size=}, {@code dtype=}, {@code quantization_scheme=} and
     * the parameters ({@code scale=0.1, zero_point=10}, or the per-channel tensors and {@code axis=}).
     */
    @Override
    public String toString() {
        String prefix = "tensor(";
        Tensor values = dequantize();
        String body = TensorStr.body(values, prefix.length());
        values.close();
        List<String> suffixes = new ArrayList<>();
        int[] shape = shape();
        StringBuilder size = new StringBuilder("size=(");
        for (int i = 0; i < shape.length; i++) {
            size.append(i > 0 ? ", " : "").append(shape[i]);
        }
        suffixes.add(size.append(shape.length == 1 ? ",)" : ")").toString());
        suffixes.add("dtype=" + dtype);
        suffixes.add("quantization_scheme=" + qscheme);
        if (qscheme == QScheme.PER_TENSOR_AFFINE) {
            suffixes.add("scale=" + Format.repr(scale));
            suffixes.add("zero_point=" + zeroPoint);
        } else {
            suffixes.add("scale=" + scales);
            suffixes.add("zero_point=" + zeroPoints);
            suffixes.add("axis=" + axis);
        }
        if (!device().isCpu()) {
            suffixes.add(0, "device='" + device() + "'");
        }
        return TensorStr.addSuffixes(prefix + body, suffixes, prefix.length(), false);
    }
}
