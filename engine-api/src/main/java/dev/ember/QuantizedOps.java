package dev.ember;

import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.backend.Layout;

/**
 * PyTorch's quantized kernels, {@code torch.ops.quantized}: {@link #linearDynamic}, the computation of a dynamically
 * quantized linear layer ({@link dev.ember.ao.nn.quantized.dynamic.Linear}), and {@link #linear} and {@link #conv2d},
 * the statically quantized ones ({@link dev.ember.ao.nn.quantized.Linear}, {@link dev.ember.ao.nn.quantized.Conv2d}).
 */
public final class QuantizedOps {
    private QuantizedOps() {
    }

    /**
     * A qint8 weight and float32 bias packed for {@link #linearDynamic(Tensor, PackedLinear)}, PyTorch's
     * {@code LinearPackedParams} of {@code torch.ops.quantized.linear_prepack(weight, bias)}: the weight's integers and
     * each output row's zero point and float scale, read out once, so a layer called at every step (an LSTM's hidden
     * projection) does not read them again.
     */
    public static final class PackedLinear {
        private final Tensor ints;
        private final int[] zeroPoints;
        private final float[] scales;
        private final float[] bias;
        private final boolean perTensor;

        private PackedLinear(Tensor ints, int[] zeroPoints, float[] scales, float[] bias, boolean perTensor) {
            this.ints = ints;
            this.zeroPoints = zeroPoints;
            this.scales = scales;
            this.bias = bias;
            this.perTensor = perTensor;
        }

        /** {@code out_features}. */
        public int outFeatures() {
            return zeroPoints.length;
        }

        /** {@code in_features}. */
        public int inFeatures() {
            return ints.size(1);
        }
    }

    /**
     * {@code torch.ops.quantized.linear_prepack(weight, bias)}: the weight's integers (a copy), zero points and scales,
     * and the bias, checked and packed for {@link #linearDynamic(Tensor, PackedLinear)}.
     *
     * @param weight qint8 {@code [out_features, in_features]}, per tensor or per channel along axis 0
     * @param bias float32 {@code [out_features]}, or null
     * @return the packed parameters
     * @throws IllegalArgumentException for a weight that is not qint8 per tensor or per channel along axis 0, or a bias
     *     of another size (FBGEMM's messages)
     */
    public static PackedLinear linearPrepack(QuantizedTensor weight, Tensor bias) {
        Args.require(weight, "linear_prepack", "weight", 1, "Tensor");
        if (weight.dtype() != QuantDType.QINT8 || weight.shape().length != 2) {
            throw new IllegalArgumentException("linear_dynamic: the weight must be a 2-d qint8 tensor, got "
                    + weight.dtype() + " of " + weight.shape().length + " dimensions");
        }
        boolean perTensor = weight.qscheme() == QScheme.PER_TENSOR_AFFINE;
        if (!perTensor && weight.qPerChannelAxis() != 0) {
            throw new IllegalArgumentException("linear_dynamic: a per-channel weight must be quantized along axis 0, got "
                    + weight.qPerChannelAxis());
        }
        return pack(weight.intRepr(), weight, bias);
    }

    /**
     * {@code ints} (the weight's integers as {@code [n, k]}) with the weight's zero points and scales (one, or one per
     * index of axis 0) and the bias, packed.
     */
    private static PackedLinear pack(Tensor ints, QuantizedTensor weight, Tensor bias) {
        int n = ints.size(0);
        boolean perTensor = weight.qscheme() == QScheme.PER_TENSOR_AFFINE;
        float[] b = null;
        if (bias != null) {
            if (bias.dim() != 1) {
                throw new IllegalArgumentException("bias should be a vector (1D Tensor)");
            }
            if (bias.size(0) != n) {
                throw new IllegalArgumentException("bias should have N elements: " + n);
            }
            b = bias.detach().to(DType.FLOAT32).toFloatArray();
        }
        int[] zeros = new int[n];
        float[] scales = new float[n];
        if (perTensor) {
            java.util.Arrays.fill(zeros, (int) weight.qZeroPoint());
            java.util.Arrays.fill(scales, (float) weight.qScale());
        } else {
            long[] z = weight.qPerChannelZeroPoints().toLongArray();
            double[] s = weight.qPerChannelScales().toDoubleArray();
            for (int j = 0; j < n; j++) {
                zeros[j] = (int) z[j];
                scales[j] = (float) s[j];
            }
        }
        return new PackedLinear(TensorScope.escape(ints), zeros, scales, b, perTensor);
    }

    /**
     * {@code torch.ops.quantized.linear_dynamic(x, linear_prepack(weight, bias), reduce_range=True)}: {@code x W^T + b}
     * with the input quantized to quint8 over [0, 127] from its own minimum and maximum, the qint8 weight's integers,
     * exact integer sums and float32 output, FBGEMM's arithmetic step by step (PyTorch's x86 engine; see
     * {@link dev.ember.backend.Backend#quantizedLinearDynamic}). No gradient flows through it, as PyTorch's op has none.
     *
     * @param x float32, at least 2 dimensions, the last {@code in_features}
     * @param weight qint8 {@code [out_features, in_features]}, per tensor or per channel along axis 0
     * @param bias float32 {@code [out_features]}, or null
     * @return float32, {@code x}'s shape with the last dimension {@code out_features}
     * @throws IllegalArgumentException for another input type ({@code expected scalar type Float but found Double}),
     *     fewer than 2 dimensions, another feature count or a bias of another size (FBGEMM's messages), or a weight that
     *     is not qint8 per tensor or per channel along axis 0
     * @throws UnsupportedOperationException for an input off the CPU (PyTorch's message: FBGEMM is a CPU library)
     */
    public static Tensor linearDynamic(Tensor x, QuantizedTensor weight, Tensor bias) {
        Args.require(x, "linear_dynamic", "input", 1, "Tensor");
        return linearDynamic(x, linearPrepack(weight, bias));
    }

    /**
     * {@code torch.ops.quantized.linear_dynamic(x, packed, reduce_range=True)}: {@link #linearDynamic(Tensor,
     * QuantizedTensor, Tensor)} with parameters packed once by {@link #linearPrepack}.
     *
     * @param x float32, at least 2 dimensions, the last {@code in_features}
     * @param packed the weight and bias
     * @return float32, {@code x}'s shape with the last dimension {@code out_features}
     * @throws IllegalArgumentException for another input type, fewer than 2 dimensions or another feature count
     *     (FBGEMM's messages)
     * @throws UnsupportedOperationException for an input off the CPU (PyTorch's message)
     */
    public static Tensor linearDynamic(Tensor x, PackedLinear packed) {
        Args.require(x, "linear_dynamic", "input", 1, "Tensor");
        Args.require(packed, "linear_dynamic", "packed_params", 2, "LinearPackedParamsBase");
        if (x.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("expected scalar type Float but found " + Format.scalarType(x.dtype()));
        }
        if (x.dim() < 2) {
            throw new IllegalArgumentException("The dimension of input tensor should be larger than or equal to 2");
        }
        int n = packed.outFeatures();
        int k = x.size(-1);
        if (k != packed.inFeatures()) {
            throw new IllegalArgumentException("The number of rows in the packB should be equal to K: " + k);
        }
        long rows = 1;
        for (int d = 0; d < x.dim() - 1; d++) {
            rows *= x.size(d);
        }
        int m = Math.toIntExact(rows);
        int[] outShape = x.shape().clone();
        outShape[outShape.length - 1] = n;
        Tensor out = Creation.empty(outShape, DType.FLOAT32, x.device());
        if (out.numel() == 0) {
            return out;
        }
        Tensor xc = x.detach().contiguous();
        Layout xl = new Layout(new int[] {m, k}, Layout.contiguousStrides(new int[] {m, k}), xc.layout().offset());
        Layout wl = new Layout(new int[] {n, k}, Layout.contiguousStrides(new int[] {n, k}), packed.ints.layout().offset());
        x.backend.quantizedLinearDynamic(xc.storage(), xl, packed.ints.storage(), wl, packed.zeroPoints, packed.scales,
            packed.bias, out.storage(), Layout.contiguous(m, n));
        return out;
    }

    /**
     * {@code torch.ops.quantized.linear(x, linear_prepack(weight, bias), output_scale, output_zero_point)} (and
     * {@code linear_relu} with {@code relu}): {@code x W^T + b} on quint8 {@code x} and the qint8 weight's integers,
     * requantized to quint8 with the output's scale and zero point, FBGEMM's arithmetic step by step (PyTorch's x86
     * engine; see {@link dev.ember.backend.Backend#quantizedLinear}).
     *
     * @param x quint8, per tensor, at least 2 dimensions, the last {@code in_features}
     * @param packed the weight and bias
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point, in [0, 255]
     * @param relu whether {@code linear_relu}: the output clamped below at its zero point
     * @return quint8, {@code x}'s shape with the last dimension {@code out_features}
     * @throws IllegalArgumentException for another input type, fewer than 2 dimensions or another feature count
     *     (FBGEMM's messages)
     */
    public static QuantizedTensor linear(QuantizedTensor x, PackedLinear packed, double outputScale,
                                         long outputZeroPoint, boolean relu) {
        Args.require(x, "quantized::linear", "X", 1, "Tensor");
        Args.require(packed, "quantized::linear", "W_prepack", 2, "LinearPackedParamsBase");
        checkQuint8(x);
        if (x.shape().length < 2) {
            throw new IllegalArgumentException("The dimension of input tensor should be larger than or equal to 2");
        }
        int[] shape = x.shape();
        int k = shape[shape.length - 1];
        if (k != packed.inFeatures()) {
            throw new IllegalArgumentException("The number of rows in the packB should be equal to K: " + k);
        }
        long rows = 1;
        for (int d = 0; d < shape.length - 1; d++) {
            rows *= shape[d];
        }
        int[] outShape = shape.clone();
        outShape[outShape.length - 1] = packed.outFeatures();
        try (GradMode off = Ember.noGrad()) {
            Tensor a = shifted(x).reshape(Math.toIntExact(rows), k);
            Tensor q = requantizedProduct(a, packed.ints, packed.zeroPoints, packed.scales, packed.bias,
                (float) x.qScale(), outputScale, outputZeroPoint, relu, packed.perTensor);
            return QuantizedTensor.makePerTensorQuantizedTensor(q.reshape(outShape), outputScale, outputZeroPoint);
        }
    }

    /**
     * {@code torch.ops.quantized.conv2d(x, conv2d_prepack(weight, bias, stride, padding, dilation, groups),
     * output_scale, output_zero_point)} (and {@code conv2d_relu} with {@code relu}): the convolution of quint8 {@code x}
     * (padded with its zero point) with the qint8 weight's integers, exact integer sums, requantized to quint8 as
     * {@link #linear} (FBGEMM's {@code ReQuantizeOutput}).
     *
     * @param x quint8, per tensor, {@code [N, C, H, W]}
     * @param weight qint8 {@code [C_out, C / groups, kH, kW]}, per tensor or per channel along axis 0
     * @param bias float32 {@code [C_out]}, or null
     * @param stride the stride (two values)
     * @param padding the zero padding (two values)
     * @param dilation the dilation (two values)
     * @param groups the groups
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point, in [0, 255]
     * @param relu whether {@code conv2d_relu}
     * @return quint8 {@code [N, C_out, H_out, W_out]}
     * @throws IllegalArgumentException for another input type or rank, channels that do not match, an empty output
     *     (PyTorch's messages)
     */
    public static QuantizedTensor conv2d(QuantizedTensor x, QuantizedTensor weight, Tensor bias, int[] stride,
                                         int[] padding, int[] dilation, int groups, double outputScale,
                                         long outputZeroPoint, boolean relu) {
        Args.require(x, "quantized::conv2d", "qx", 1, "Tensor");
        Args.require(weight, "quantized::conv2d", "weight", 2, "Tensor");
        checkQuint8(x);
        int[] xs = x.shape();
        if (xs.length != 4) {
            throw new IllegalArgumentException("Expected 4-D input, got " + xs.length + "-D");
        }
        int[] ws = weight.shape();
        int cout = ws[0];
        int cin = xs[1];
        if (groups < 1 || cout % groups != 0 || ws[1] * groups != cin) {
            throw new IllegalArgumentException("Given groups=" + groups + ", weight of size " + java.util.Arrays.toString(ws)
                    + ", expected input" + java.util.Arrays.toString(xs) + " to have " + (long) ws[1] * groups
                    + " channels, but got " + cin + " channels instead");
        }
        int[] kernel = {ws[2], ws[3]};
        long oh = ((long) xs[2] + 2L * padding[0] - (long) dilation[0] * (kernel[0] - 1) - 1) / stride[0] + 1;
        long ow = ((long) xs[3] + 2L * padding[1] - (long) dilation[1] * (kernel[1] - 1) - 1) / stride[1] + 1;
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException("Given input size per channel: (" + xs[2] + " x " + xs[3]
                    + "). Calculated output size per channel: (" + oh + " x " + ow + "). Output size is too small");
        }
        if (weight.dtype() != QuantDType.QINT8 || (weight.qscheme() != QScheme.PER_TENSOR_AFFINE
                && weight.qPerChannelAxis() != 0)) {
            throw new IllegalArgumentException("quantized::conv2d: the weight must be qint8, per tensor or per channel "
                    + "along axis 0");
        }
        PackedLinear all = pack(weight.intRepr().reshape(cout, -1).contiguous(), weight, bias);
        int n = xs[0];
        int cg = cin / groups;
        int og = cout / groups;
        int kk = cg * kernel[0] * kernel[1];
        java.util.List<Tensor> outs = new java.util.ArrayList<>();
        try (GradMode off = Ember.noGrad()) {
            Tensor sx = shifted(x);
            Tensor wInts = all.ints;
            for (int g = 0; g < groups; g++) {
                Tensor cols = dev.ember.nn.Functional.unfold(sx.narrow(1, g * cg, cg), kernel, dilation, padding, stride);
                Tensor a = cols.transpose(1, 2).reshape(Math.toIntExact((long) n * oh * ow), kk).contiguous();
                int from = g * og;
                float[] b = all.bias == null ? null : java.util.Arrays.copyOfRange(all.bias, from, from + og);
                Tensor q = requantizedProduct(a, wInts.narrow(0, from, og).contiguous(),
                    java.util.Arrays.copyOfRange(all.zeroPoints, from, from + og),
                    java.util.Arrays.copyOfRange(all.scales, from, from + og), b, (float) x.qScale(), outputScale,
                    outputZeroPoint, relu, all.perTensor);
                outs.add(q.reshape(n, (int) oh, (int) ow, og).permute(0, 3, 1, 2));
            }
            Tensor ints = groups == 1 ? outs.get(0) : Tensor.cat(outs, 1);
            return QuantizedTensor.makePerTensorQuantizedTensor(ints.contiguous(), outputScale, outputZeroPoint);
        }
    }

    private static void checkQuint8(QuantizedTensor x) {
        if (x.dtype() != QuantDType.QUINT8) {
            throw new IllegalArgumentException("Expected input data type QUInt8 but got " + switch (x.dtype()) {
                case QINT8 -> "QInt8";
                case QINT32 -> "QInt32";
                default -> "QUInt4x2";
            });
        }
        if (x.qscheme() != QScheme.PER_TENSOR_AFFINE) {
            throw new IllegalArgumentException("quantized::linear: the input must be quantized per tensor");
        }
        if (!x.device().isCpu()) {
            throw new UnsupportedOperationException("Could not run 'quantized::linear' with arguments from the '"
                    + x.device().type().toUpperCase(java.util.Locale.ROOT) + "' backend.");
        }
    }

    /** {@code q - zero_point} as exact float32 integers. */
    private static Tensor shifted(QuantizedTensor x) {
        return x.intRepr().to(DType.FLOAT32).sub((double) x.qZeroPoint());
    }

    /**
     * The backend's {@link dev.ember.backend.Backend#quantizedLinear} on {@code a} ({@code [m, k]} float32 shifted
     * integers) and the weight rows {@code wInts} ({@code [n, k]} int8), PyTorch's {@code act_times_w_scale} and output
     * multipliers computed in float as {@code fbgemm_linear} does.
     */
    private static Tensor requantizedProduct(Tensor a, Tensor wInts, int[] wZero, float[] wScale, float[] bias,
                                             float inputScale, double outputScale, long outputZeroPoint, boolean relu,
                                             boolean perTensor) {
        int m = a.size(0);
        int k = a.size(1);
        int n = wInts.size(0);
        int count = perTensor ? 1 : n;
        float[] act = new float[count];
        float[] mult = new float[count];
        for (int j = 0; j < count; j++) {
            act[j] = inputScale * wScale[j];
            mult[j] = act[j] / (float) outputScale;
        }
        Tensor ac = a.contiguous();
        Tensor wc = wInts.contiguous();
        Tensor out = Creation.empty(new int[] {m, n}, DType.UINT8, a.device());
        a.backend.quantizedLinear(ac.storage(), new Layout(new int[] {m, k}, Layout.contiguousStrides(new int[] {m, k}),
                ac.layout().offset()), wc.storage(), new Layout(new int[] {n, k},
                Layout.contiguousStrides(new int[] {n, k}), wc.layout().offset()), wZero, act, mult, bias,
            (int) outputZeroPoint, relu, out.storage(), Layout.contiguous(m, n));
        return out;
    }

    /**
     * The elements {@code cpu_kernel_vec} runs through its vectorized loop before the scalar remainder: two vectors of
     * quint8 at a time, 32 lanes each (PyTorch's AVX2 kernels; its AVX-512 kernels, picked on such machines, take 64 and
     * may round the few elements in between differently), over one thread's range.
     */
    static final int QUINT8_VECTOR_STEP = 64;

    /**
     * {@code torch.ops.quantized.add(a, b, scale, zero_point)} (and {@code add_relu}): the sum of two quantized tensors
     * of one shape and dtype, requantized to the output's scale and zero point, PyTorch's {@code qadd_kernel} step by
     * step: each operand dequantized in float ({@code fma(q, s, s * -z)} over the vectorized elements,
     * {@code (q - z) * s} over the rest, see {@link #QUINT8_VECTOR_STEP}), added, clamped at 0 with {@code relu}, then
     * {@code rint(c * (1 / scale)) + zero_point} clamped to the type.
     *
     * @param a per-tensor quantized
     * @param b per-tensor quantized, of {@code a}'s shape and dtype
     * @param scale the output's scale
     * @param zeroPoint the output's zero point
     * @param relu whether {@code add_relu}
     * @return the sum, quantized
     * @throws IllegalArgumentException for other dtypes or shapes (PyTorch's messages; Ember does not broadcast here)
     */
    public static QuantizedTensor add(QuantizedTensor a, QuantizedTensor b, double scale, long zeroPoint, boolean relu) {
        checkBinary(a, b, "Add");
        int n = Math.toIntExact(numel(a.shape()));
        long[] qa = a.intRepr().to(DType.INT64).toLongArray();
        long[] qb = b.intRepr().to(DType.INT64).toLongArray();
        float sa = (float) a.qScale();
        float sb = (float) b.qScale();
        float za = a.qZeroPoint();
        float zb = b.qZeroPoint();
        float premulA = sa * -za;
        float premulB = sb * -zb;
        float inv = 1.0f / (float) scale;
        long[] out = new long[n];
        int vectorized = n - n % QUINT8_VECTOR_STEP;
        for (int i = 0; i < n; i++) {
            float da;
            float db;
            if (i < vectorized) {
                da = Math.fma((float) qa[i], sa, premulA);
                db = Math.fma((float) qb[i], sb, premulB);
            } else {
                da = ((float) qa[i] - za) * sa;
                db = ((float) qb[i] - zb) * sb;
            }
            float c = da + db;
            if (relu) {
                c = Math.max(c, 0f);
            }
            out[i] = quantizeValue(c, inv, zeroPoint, a.dtype());
        }
        return fromInts(out, a.shape(), a.dtype(), scale, zeroPoint);
    }

    /**
     * {@code torch.ops.quantized.mul(a, b, scale, zero_point)}: the product of two quantized tensors of one shape and
     * dtype, PyTorch's {@code qmul_kernel}: {@code (qa - za)(qb - zb)} in int32, times {@code sa * sb * (1 / scale)}
     * in float, rounded half to even, plus the zero point, clamped to the type.
     *
     * @param a per-tensor quantized
     * @param b per-tensor quantized, of {@code a}'s shape and dtype
     * @param scale the output's scale
     * @param zeroPoint the output's zero point
     * @return the product, quantized
     * @throws IllegalArgumentException for other dtypes or shapes
     */
    public static QuantizedTensor mul(QuantizedTensor a, QuantizedTensor b, double scale, long zeroPoint) {
        checkBinary(a, b, "Mul");
        int n = Math.toIntExact(numel(a.shape()));
        long[] qa = a.intRepr().to(DType.INT64).toLongArray();
        long[] qb = b.intRepr().to(DType.INT64).toLongArray();
        float multiplier = (float) a.qScale() * (float) b.qScale() * (1.0f / (float) scale);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            int c = (int) ((qa[i] - a.qZeroPoint()) * (qb[i] - b.qZeroPoint()));
            long v = zeroPoint + (long) Math.rint((float) c * multiplier);
            out[i] = Math.max(a.dtype().min(), Math.min(a.dtype().max(), v));
        }
        return fromInts(out, a.shape(), a.dtype(), scale, zeroPoint);
    }

    /**
     * {@code torch.ops.quantized.cat(tensors, scale, zero_point, dim)}: the tensors dequantized, concatenated along
     * {@code dim} and quantized with the output's scale and zero point ({@code quantize_per_tensor}), as PyTorch's
     * {@code quantized_cat_impl} does.
     *
     * @param tensors per-tensor quantized tensors of one dtype
     * @param scale the output's scale
     * @param zeroPoint the output's zero point
     * @param dim the dimension
     * @return the concatenation, quantized
     * @throws IllegalArgumentException for an empty list, mixed dtypes, or shapes {@code cat} refuses
     */
    public static QuantizedTensor cat(java.util.List<QuantizedTensor> tensors, double scale, long zeroPoint, int dim) {
        if (tensors == null || tensors.isEmpty()) {
            throw new IllegalArgumentException("torch.cat(): expected a non-empty list of Tensors");
        }
        java.util.List<Tensor> values = new java.util.ArrayList<>();
        QuantDType dtype = tensors.get(0).dtype();
        for (QuantizedTensor q : tensors) {
            Args.require(q, "quantized::cat", "qx", 1, "Tensor");
            if (q.dtype() != dtype) {
                throw new IllegalArgumentException("All dtypes must be the same.");
            }
            if (q.qscheme() != QScheme.PER_TENSOR_AFFINE) {
                throw new IllegalArgumentException("Only per-tensor quantization is supported in 'cat'!");
            }
            values.add(q.dequantize());
        }
        return QuantizedTensor.quantizePerTensor(Tensor.cat(values, dim), scale, zeroPoint, dtype);
    }

    private static void checkBinary(QuantizedTensor a, QuantizedTensor b, String op) {
        Args.require(a, "quantized::" + op.toLowerCase(java.util.Locale.ROOT), "qa", 1, "Tensor");
        Args.require(b, "quantized::" + op.toLowerCase(java.util.Locale.ROOT), "qb", 2, "Tensor");
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + " operands should have same data type.");
        }
        if (a.qscheme() != QScheme.PER_TENSOR_AFFINE || b.qscheme() != QScheme.PER_TENSOR_AFFINE) {
            throw new IllegalArgumentException("Only per tensor quantization is supported in " + op + ".");
        }
        int[] sa = a.shape();
        int[] sb = b.shape();
        if (!java.util.Arrays.equals(sa, sb)) {
            for (int i = 1; i <= Math.max(sa.length, sb.length); i++) {
                int x = i <= sa.length ? sa[sa.length - i] : 1;
                int y = i <= sb.length ? sb[sb.length - i] : 1;
                if (x != y) {
                    throw new IllegalArgumentException("The size of tensor a (" + x + ") must match the size of tensor b ("
                            + y + ") at non-singleton dimension " + (Math.max(sa.length, sb.length) - i)
                            + (x == 1 || y == 1 ? " (Ember's quantized " + op.toLowerCase(java.util.Locale.ROOT)
                                + " does not broadcast)" : ""));
                }
            }
        }
    }

    /** PyTorch's {@code quantize_val}: {@code rint(x * inv) + zero_point}, clamped to the type. */
    private static long quantizeValue(float x, float inv, long zeroPoint, QuantDType dtype) {
        float t = x * inv;
        double r = Float.isNaN(t) ? dtype.min() - (double) zeroPoint : Math.rint(t);
        double v = Math.max(dtype.min(), Math.min(dtype.max(), r + zeroPoint));
        return (long) v;
    }

    private static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    private static QuantizedTensor fromInts(long[] ints, int[] shape, QuantDType dtype, double scale, long zeroPoint) {
        DType storage = dtype == QuantDType.QUINT8 ? DType.UINT8 : dtype == QuantDType.QINT8 ? DType.INT8 : DType.INT32;
        Tensor t = Tensor.fromArray(ints).to(storage).reshape(shape);
        return QuantizedTensor.makePerTensorQuantizedTensor(t, scale, zeroPoint);
    }
}
