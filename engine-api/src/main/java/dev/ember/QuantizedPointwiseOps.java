package dev.ember;

import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;

/**
 * PyTorch's elementwise quantized kernels beyond {@link QuantizedOps}' {@code add} and {@code mul}:
 * {@code quantized::hardswish}, {@code quantized::elu}, {@code quantized::leaky_relu} (the activations
 * {@link dev.ember.ao.nn.quantized.Hardswish}, {@link dev.ember.ao.nn.quantized.ELU} and
 * {@link dev.ember.ao.nn.quantized.LeakyReLU} run), and {@code quantized::add_scalar} / {@code quantized::mul_scalar}
 * ({@link dev.ember.ao.nn.quantized.QFunctional#addScalar}, {@code mulScalar}) and {@code quantized::matmul}
 * ({@link dev.ember.ao.nn.quantized.QFunctional#matmul}), step by step as
 * {@code QuantizedOpKernels.cpp}, {@code qadd.cpp} and {@code qmul.cpp} compute them on PyTorch's AVX2 kernels.
 *
 * <p>The activations dequantize, compute in float and quantize again: over the elements {@code cpu_kernel_vec} runs
 * through its vectorized loop ({@link QuantizedOps#QUINT8_VECTOR_STEP}) the input is dequantized as
 * {@code fma(q, scale, scale * -zero_point)} and the output quantized with the inverse scale each kernel precomputes
 * ({@code QuantizeAvx2}: the index capped below int32's maximum, the zero point added in int32, wrapping around);
 * over the rest as {@code (q - zero_point) * scale} and {@code quantize_val} ({@code rint(x * (1.0f / scale))} plus the
 * zero point, clamped to the type).
 */
public final class QuantizedPointwiseOps {
    private QuantizedPointwiseOps() {
    }

    /** The elements cpu_kernel_vec takes per vectorized step for qint32 (two vectors of 8 lanes). */
    private static final int QINT32_VECTOR_STEP = 16;

    /** The elementwise function of one activation on a dequantized value. */
    private interface FloatFn {
        float apply(float x);
    }

    /**
     * {@code torch.ops.quantized.hardswish(x, output_scale, output_zero_point)}: {@code x * clamp(x + 3, 0, 6) / 6} on
     * the dequantized values, quantized with the output's parameters ({@code qhardswish_kernel}).
     *
     * @param x per-tensor quint8, qint8 or qint32
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point
     * @return the result, of {@code x}'s dtype
     */
    public static QuantizedTensor hardswish(QuantizedTensor x, double outputScale, long outputZeroPoint) {
        check(x, "quantized::hardswish");
        return map(x, outputScale, outputZeroPoint, 1.0f / (float) outputScale, (float) (1.0 / outputScale),
            v -> v * Math.min(Math.max(v + 3.0f, 0.0f), 6.0f) / 6.0f);
    }

    /**
     * {@code torch.ops.quantized.elu(x, output_scale, output_zero_point, alpha)}: {@code x >= 0 ? x
     * : expm1(x) * alpha} on the dequantized values ({@code qelu_kernel} with PyTorch's scale and input scale 1).
     *
     * @param x per-tensor quint8, qint8 or qint32
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point
     * @param alpha ELU's alpha
     * @return the result, of {@code x}'s dtype
     */
    public static QuantizedTensor elu(QuantizedTensor x, double outputScale, long outputZeroPoint, double alpha) {
        check(x, "quantized::elu");
        float a = (float) alpha;
        float oScale = (float) outputScale;
        return map(x, outputScale, outputZeroPoint, 1.0f / oScale, (float) (1.0 / oScale),
            v -> v > 0.0f ? v : (float) Math.expm1(v) * a);
    }

    /**
     * {@code torch.ops.quantized.leaky_relu(x, negative_slope, inplace, output_scale, output_zero_point)}:
     * {@code x > 0 ? x : x * negative_slope} on the dequantized values ({@code leaky_qrelu_out_kernel}).
     *
     * @param x per-tensor quint8, qint8 or qint32
     * @param negativeSlope the slope below zero
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point
     * @return the result, of {@code x}'s dtype
     */
    public static QuantizedTensor leakyRelu(QuantizedTensor x, double negativeSlope, double outputScale,
                                            long outputZeroPoint) {
        check(x, "quantized::leaky_relu");
        float slope = (float) negativeSlope;
        float oScale = (float) outputScale;
        return map(x, outputScale, outputZeroPoint, 1.0f / oScale, 1.0f / oScale, v -> v > 0.0f ? v : v * slope);
    }

    /**
     * {@code torch.ops.quantized.add_scalar(x, c)}, PyTorch's {@code _add_scalar_out}: with {@code c_q = nearbyint(c /
     * scale)}, the integers kept and the zero point moved to {@code zero_point - c_q} when that stays in the type's range;
     * otherwise the zero point pinned at the range's end and the scale widened ({@code (q_max - (z - c_q)) / (q_max -
     * q_min) * scale}, or {@code (z - c_q - q_min) / (q_max - q_min) * scale}), each {@code q - z + c_q} requantized
     * ({@code requantize_from_int}: times {@code (float) scale * (1.0f / (float) scale')}, rounded half to even).
     *
     * @param x per-tensor quint8, qint8 or qint32
     * @param c the number added
     * @return the sum, of {@code x}'s dtype, with the parameters above
     */
    public static QuantizedTensor addScalar(QuantizedTensor x, double c) {
        check(x, "quantized::add_scalar");
        double s = x.qScale();
        long z = x.qZeroPoint();
        long qMin = x.dtype().min();
        long qMax = x.dtype().max();
        long cq = (long) Math.rint(c / s);
        if (qMin <= z - cq && z - cq <= qMax) {
            return QuantizedTensor.makePerTensorQuantizedTensor(x.intRepr().clone(), s, z - cq);
        }
        double sPrime;
        long zPrime;
        if (qMin > z - cq) {
            sPrime = ((double) qMax - (z - cq)) / ((double) qMax - qMin) * s;
            zPrime = qMin;
        } else {
            sPrime = ((double) (z - cq) - qMin) / ((double) qMax - qMin) * s;
            zPrime = qMax;
        }
        float multiplier = (float) s * (1.0f / (float) sPrime);
        long[] q = ints(x);
        long[] out = new long[q.length];
        for (int i = 0; i < q.length; i++) {
            int v = (int) (q[i] - z + cq);
            out[i] = clamp(zPrime + (long) Math.rint((float) v * multiplier), x.dtype());
        }
        return fromInts(out, x.shape(), x.dtype(), sPrime, zPrime);
    }

    /**
     * {@code torch.ops.quantized.mul_scalar(x, c)}, PyTorch's {@code _mul_scalar_out}: for {@code c > 0} the integers
     * kept with scale {@code c * scale}; for {@code c == 0} zeros with scale 1 and zero point 0; for {@code c < 0} the
     * integers mirrored ({@code q_max + q_min - q}) with scale {@code |c| * scale} and zero point
     * {@code q_max - (zero_point - q_min)}.
     *
     * @param x per-tensor quint8, qint8 or qint32
     * @param c the factor
     * @return the product, of {@code x}'s dtype, with the parameters above
     */
    public static QuantizedTensor mulScalar(QuantizedTensor x, double c) {
        check(x, "quantized::mul_scalar");
        long qMin = x.dtype().min();
        long qMax = x.dtype().max();
        if (c > 0.0) {
            return QuantizedTensor.makePerTensorQuantizedTensor(x.intRepr().clone(), c * x.qScale(), x.qZeroPoint());
        }
        long[] q = ints(x);
        long[] out = new long[q.length];
        if (c == 0.0) {
            return fromInts(out, x.shape(), x.dtype(), 1.0, 0);
        }
        if (Double.isNaN(c)) {
            throw new IllegalArgumentException("quantized::mul_scalar: the factor is NaN");
        }
        for (int i = 0; i < q.length; i++) {
            out[i] = qMax + qMin - q[i];
        }
        return fromInts(out, x.shape(), x.dtype(), Math.abs(c) * x.qScale(), qMax - (x.qZeroPoint() - qMin));
    }

    /**
     * {@code torch.ops.quantized.matmul(a, b, output_scale, output_zero_point)} on an x86 build (PyTorch's
     * {@code qmatmul} without RUY): both dequantized, {@code torch.matmul} in float32, then
     * {@code quantize_per_tensor} with the output's parameters. (Ember's float matmul sums in its own order: a product
     * within float32 rounding of PyTorch's could round to the neighbouring integer at an exact tie.)
     *
     * @param a per-tensor quint8 or qint8, at least 2 dimensions
     * @param b per-tensor, of {@code a}'s dtype and rank
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point
     * @return the product, of {@code a}'s dtype
     * @throws IllegalArgumentException for mixed dtypes or ranks, or fewer than 2 dimensions (PyTorch's messages)
     */
    public static QuantizedTensor matmul(QuantizedTensor a, QuantizedTensor b, double outputScale,
                                         long outputZeroPoint) {
        Args.require(a, "quantized::matmul", "qa", 1, "Tensor");
        Args.require(b, "quantized::matmul", "qb", 2, "Tensor");
        if (a.dtype() != QuantDType.QINT8 && a.dtype() != QuantDType.QUINT8) {
            throw new IllegalArgumentException("MatMul operands should use QInt8 or QUInt8 data types.");
        }
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("MatMul operands should have same data type.");
        }
        // PyTorch's words, its misspelling included (qmatmul.cpp's check_inputs)
        if (a.qscheme() != QScheme.PER_TENSOR_AFFINE) {
            throw new IllegalArgumentException("Only per-tensor quantization is suported in Matmul.");
        }
        if (b.qscheme() != a.qscheme()) {
            throw new IllegalArgumentException("Both inputs to Matmul must have the same quantization scheme.");
        }
        checkZeroPoint(outputZeroPoint, a.dtype());
        try (GradMode off = Ember.noGrad()) {
            return QuantizedTensor.quantizePerTensor(a.dequantize().matmul(b.dequantize()), outputScale, outputZeroPoint,
                a.dtype());
        }
    }

    /**
     * The dequantize, compute, quantize loop of the activations: the vectorized elements with {@code fma} and
     * {@code vecInverseScale}, the rest with {@code (q - z) * s} and {@code inverseScale}.
     */
    private static QuantizedTensor map(QuantizedTensor x, double outputScale, long outputZeroPoint, float inverseScale,
                                       float vecInverseScale, FloatFn fn) {
        checkZeroPoint(outputZeroPoint, x.dtype());
        long[] q = ints(x);
        int n = q.length;
        float s = (float) x.qScale();
        float zf = (float) x.qZeroPoint();
        float premul = s * -zf;
        // cpu_kernel_vec's step: two vectors (32 8-bit or 8 qint32 lanes each); qint32's vectorized quantize is
        // quantize_val per lane (quantize_vec), with 1.0f / scale
        boolean int32 = x.dtype() == QuantDType.QINT32;
        int step = int32 ? QINT32_VECTOR_STEP : QuantizedOps.QUINT8_VECTOR_STEP;
        int vectorized = n - n % step;
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            boolean vec = i < vectorized;
            float d = vec ? Math.fma((float) q[i], s, premul) : (float) (q[i] - x.qZeroPoint()) * s;
            out[i] = vec && !int32 ? QuantizedOps.quantizeAvx2(fn.apply(d), vecInverseScale, outputZeroPoint, x.dtype())
                : quantize(fn.apply(d), vec ? 1.0f / (float) outputScale : inverseScale, outputZeroPoint, x.dtype());
        }
        return fromInts(out, x.shape(), x.dtype(), outputScale, outputZeroPoint);
    }

    /**
     * {@code quantize_val}: {@code zero_point + rint(y * inverseScale)} in float, converted to int64 as x86 does (NaN
     * and beyond int64: its minimum), clamped to the type.
     */
    static long quantize(float y, float inverseScale, long zeroPoint, QuantDType dtype) {
        float r = (float) Math.rint(y * inverseScale) + zeroPoint;
        if (!(Math.abs((double) r) < 9.223372036854775808e18)) {
            return dtype.min();
        }
        return clamp((long) r, dtype);
    }

    static long clamp(long v, QuantDType dtype) {
        return Math.max(dtype.min(), Math.min(dtype.max(), v));
    }

    static void check(QuantizedTensor x, String op) {
        Args.require(x, op, "qx", 1, "Tensor");
        if (x.qscheme() != QScheme.PER_TENSOR_AFFINE) {
            // PyTorch's words: add_scalar and mul_scalar check the scheme themselves, the activations meet it in
            // q_scale()
            throw new IllegalArgumentException(op.equals("quantized::add_scalar")
                    ? "Only per tensor quantization is supported in Add."
                    : op.equals("quantized::mul_scalar") ? "Only per tensor quantization is supported in Mul."
                    : "Expected quantizer->qscheme() == kPerTensorAffine to be true, but got false.  (Could this error "
                    + "message be improved?  If so, please report an enhancement request to PyTorch.)");
        }
        if (x.dtype() != QuantDType.QUINT8 && x.dtype() != QuantDType.QINT8 && x.dtype() != QuantDType.QINT32) {
            throw new IllegalArgumentException(op + ": expected a quint8, qint8 or qint32 tensor, got " + x.dtype());
        }
    }

    static void checkZeroPoint(long zeroPoint, QuantDType dtype) {
        if (zeroPoint < dtype.min() || zeroPoint > dtype.max()) {
            throw new IllegalArgumentException("zero_point " + zeroPoint + " is outside the range of " + dtype);
        }
    }

    static long[] ints(QuantizedTensor x) {
        return x.intRepr().to(DType.INT64).toLongArray();
    }

    static QuantizedTensor fromInts(long[] ints, int[] shape, QuantDType dtype, double scale, long zeroPoint) {
        Tensor t = Tensor.fromArray(ints).to(dtype == QuantDType.QUINT8 ? DType.UINT8
                : dtype == QuantDType.QINT32 ? DType.INT32 : DType.INT8).reshape(shape);
        return QuantizedTensor.makePerTensorQuantizedTensor(t, scale, zeroPoint);
    }
}
