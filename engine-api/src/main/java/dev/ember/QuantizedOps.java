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

        /** The static kernels' weight: float32 {@code [n, k]}, {@code qw - zw} (exact), made at the first use. */
        private volatile Tensor shiftedWeight;
        /** The largest {@code |qw - zw|}. */
        private int shiftedMax;

        private Tensor shiftedWeight() {
            Tensor w = shiftedWeight;
            if (w == null) {
                synchronized (this) {
                    w = shiftedWeight;
                    if (w == null) {
                        w = QuantizedOps.shiftedWeight(ints, zeroPoints);
                        shiftedMax = maxAbs(w);
                        shiftedWeight = w;
                    }
                }
            }
            return w;
        }
    }

    /**
     * A weight's integers {@code ints} ({@code [n, k]}) less each row's zero point, as contiguous float32 (exact: at
     * most 255 in magnitude), outside any {@link TensorScope}.
     */
    private static int maxAbs(Tensor t) {
        try (GradMode off = Ember.noGrad()) {
            return t.numel() == 0 ? 0 : (int) t.abs().max().item();
        }
    }

    private static Tensor shiftedWeight(Tensor ints, int[] zeroPoints) {
        try (GradMode off = Ember.noGrad()) {
            float[] z = new float[zeroPoints.length];
            for (int j = 0; j < z.length; j++) {
                z[j] = zeroPoints[j];
            }
            Tensor zeros = Tensor.fromArray(z).reshape(z.length, 1);
            return TensorScope.escape(ints.to(DType.FLOAT32).sub(zeros).contiguous());
        }
    }

    /**
     * A qint8 convolution weight and float32 bias packed with the convolution's geometry,
     * {@code torch.ops.quantized.conv2d_prepack(weight, bias, stride, padding, dilation, groups)}: the weight's
     * {@code qw - zw} as float32 {@code [C_out, C / groups * kH * kW]} (made once, so a call does not read the
     * quantized weight again), its scales and the bias.
     */
    public static final class PackedConv2d {
        final int[] weightShape;
        private final Tensor shiftedWeight;
        private final int shiftedMax;
        private final float[] scales;
        private final float[] bias;
        private final boolean perTensor;
        final int[] stride;
        final int[] padding;
        final int[] dilation;
        final int groups;

        private PackedConv2d(int[] weightShape, Tensor shiftedWeight, float[] scales, float[] bias, boolean perTensor,
                             int[] stride, int[] padding, int[] dilation, int groups) {
            this.weightShape = weightShape;
            this.shiftedWeight = shiftedWeight;
            this.shiftedMax = maxAbs(shiftedWeight);
            this.scales = scales;
            this.bias = bias;
            this.perTensor = perTensor;
            this.stride = stride;
            this.padding = padding;
            this.dilation = dilation;
            this.groups = groups;
        }

        /** {@code out_channels}. */
        public int outChannels() {
            return weightShape[0];
        }
    }

    /**
     * {@code torch.ops.quantized.conv2d_prepack(weight, bias, stride, padding, dilation, groups)}: the weight checked
     * and packed for {@link #conv2d(QuantizedTensor, PackedConv2d, double, long, boolean)}.
     *
     * @param weight qint8 {@code [C_out, C / groups, kH, kW]}, per tensor or per channel along axis 0
     * @param bias float32 {@code [C_out]}, or null
     * @param stride the stride (two values)
     * @param padding the zero padding (two values)
     * @param dilation the dilation (two values)
     * @param groups the groups
     * @return the packed parameters
     * @throws IllegalArgumentException for a weight that is not a 4-d qint8 tensor per tensor or per channel along
     *     axis 0 (with integer zero points), groups that do not divide its output channels, or a bias of another size
     */
    public static PackedConv2d conv2dPrepack(QuantizedTensor weight, Tensor bias, int[] stride, int[] padding,
                                             int[] dilation, int groups) {
        Args.require(weight, "quantized::conv2d_prepack", "weight", 1, "Tensor");
        int[] ws = weight.shape();
        if (ws.length != 4) {
            throw new IllegalArgumentException("quantized::conv2d_prepack: the weight must be 4-d, got " + ws.length
                    + "-d");
        }
        if (weight.dtype() != QuantDType.QINT8 || (weight.qscheme() != QScheme.PER_TENSOR_AFFINE
                && weight.qPerChannelAxis() != 0)) {
            throw new IllegalArgumentException("quantized::conv2d: the weight must be qint8, per tensor or per channel "
                    + "along axis 0");
        }
        if (groups < 1 || ws[0] % groups != 0) {
            throw new IllegalArgumentException("out_channels must be divisible by groups, got " + ws[0] + " and "
                    + groups);
        }
        PackedLinear all = pack(weight.intRepr().reshape(ws[0], -1).contiguous(), weight, bias);
        return new PackedConv2d(ws.clone(), shiftedWeight(all.ints, all.zeroPoints), all.scales, all.bias,
            all.perTensor, stride.clone(), padding.clone(), dilation.clone(), groups);
    }

    /**
     * {@code torch.ops.quantized.linear_prepack(weight, bias)}: the weight's integers (a copy), zero points and scales,
     * and the bias, checked and packed for {@link #linearDynamic(Tensor, PackedLinear)}.
     *
     * @param weight qint8 {@code [out_features, in_features]}, per tensor or per channel along axis 0
     * @param bias float32 {@code [out_features]}, or null
     * @return the packed parameters
     * @throws IllegalArgumentException for a weight that is not qint8 per tensor or per channel along axis 0 (float
     *     zero points too: "Unsupported qscheme: per_channel_affine_float_qparams"), or a bias of another size
     *     (FBGEMM's messages)
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
        if (weight.qscheme() == QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS) {
            // FBGEMM's and oneDNN's prepack: only per_tensor_affine and per_channel_affine weights
            throw new IllegalArgumentException("Unsupported qscheme: " + weight.qscheme().toString().replace("torch.", ""));
        }
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
     * engine; see {@link dev.ember.backend.Backend#quantizedLinearPacked}).
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
        int[] shape = x.shape();
        int[] outShape = checkLinear(shape, packed);
        int k = shape[shape.length - 1];
        long rows = numel(java.util.Arrays.copyOf(shape, shape.length - 1));
        try (GradMode off = Ember.noGrad()) {
            Tensor a = shifted(x).reshape(Math.toIntExact(rows), k);
            Tensor q = Creation.empty(outShape, DType.UINT8, a.device());
            linearInto(a, 1f, (float) x.qScale(), packed, outputScale, outputZeroPoint, relu, q);
            return QuantizedTensor.makePerTensorQuantizedTensor(q, outputScale, outputZeroPoint);
        }
    }

    /**
     * FBGEMM's checks of a quantized linear layer's input shape against its packed weight.
     *
     * @return the output's shape
     */
    static int[] checkLinear(int[] shape, PackedLinear packed) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("The dimension of input tensor should be larger than or equal to 2");
        }
        int k = shape[shape.length - 1];
        if (k != packed.inFeatures()) {
            throw new IllegalArgumentException("The number of rows in the packB should be equal to K: " + k);
        }
        int[] outShape = shape.clone();
        outShape[outShape.length - 1] = packed.outFeatures();
        return outShape;
    }

    /**
     * {@code quantized::linear} of quint8 {@code x} held as float {@code xs} (contiguous {@code [m, k]}: a carrier of
     * scale {@code xsScale}, or the shifted integers with 1) into {@code dst} (uint8 or the float32 carrier, of
     * {@code m * n} elements), the backend's {@link dev.ember.backend.Backend#quantizedLinearPacked}.
     */
    static void linearInto(Tensor xs, float xsScale, float inputScale, PackedLinear packed, double outputScale,
                           long outputZeroPoint, boolean relu, Tensor dst) {
        int m = xs.size(0);
        int k = xs.size(1);
        int n = packed.outFeatures();
        float[][] am = multipliers(inputScale, packed.scales, outputScale, packed.perTensor);
        Tensor w = packed.shiftedWeight();
        xs.backend.quantizedLinearPacked(xs.storage(), new Layout(new int[] {m, k},
                Layout.contiguousStrides(new int[] {m, k}), xs.layout().offset()), xsScale, w.storage(),
            new Layout(new int[] {n, k}, Layout.contiguousStrides(new int[] {n, k}), w.layout().offset()),
            packed.shiftedMax, am[0], am[1],
            packed.bias, (int) outputZeroPoint, relu, (float) outputScale, dst.storage(),
            new Layout(new int[] {m, n}, Layout.contiguousStrides(new int[] {m, n}), dst.layout().offset()));
    }

    /**
     * PyTorch's {@code act_times_w_scale} ({@code input_scale * weight_scale}) and output multipliers (that over the
     * output scale), in float as {@code fbgemm_linear} computes them: one each per tensor, one per row per channel.
     */
    private static float[][] multipliers(float inputScale, float[] wScale, double outputScale, boolean perTensor) {
        int count = perTensor ? 1 : wScale.length;
        float[] act = new float[count];
        float[] mult = new float[count];
        for (int j = 0; j < count; j++) {
            act[j] = inputScale * wScale[j];
            mult[j] = act[j] / (float) outputScale;
        }
        return new float[][] {act, mult};
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
        checkConv2d(x.shape(), weight.shape(), stride, padding, dilation, groups);
        if (weight.dtype() != QuantDType.QINT8 || (weight.qscheme() != QScheme.PER_TENSOR_AFFINE
                && weight.qPerChannelAxis() != 0)) {
            throw new IllegalArgumentException("quantized::conv2d: the weight must be qint8, per tensor or per channel "
                    + "along axis 0");
        }
        return conv2d(x, conv2dPrepack(weight, bias, stride, padding, dilation, groups), outputScale, outputZeroPoint,
            relu);
    }

    /**
     * {@code torch.ops.quantized.conv2d(x, packed, output_scale, output_zero_point)} (and {@code conv2d_relu} with
     * {@code relu}): {@link #conv2d(QuantizedTensor, QuantizedTensor, Tensor, int[], int[], int[], int, double, long,
     * boolean)} with the weight, bias and geometry packed once by {@link #conv2dPrepack}.
     *
     * @param x quint8, per tensor, {@code [N, C, H, W]}
     * @param packed the weight, bias and geometry
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point, in [0, 255]
     * @param relu whether {@code conv2d_relu}
     * @return quint8 {@code [N, C_out, H_out, W_out]}
     * @throws IllegalArgumentException for another input type or rank, channels that do not match, an empty output
     *     (PyTorch's messages)
     */
    public static QuantizedTensor conv2d(QuantizedTensor x, PackedConv2d packed, double outputScale,
                                         long outputZeroPoint, boolean relu) {
        Args.require(x, "quantized::conv2d", "qx", 1, "Tensor");
        Args.require(packed, "quantized::conv2d", "packed_weight", 2, "ConvPackedParamsBase");
        checkQuint8(x);
        int[] outShape = checkConv2d(x.shape(), packed.weightShape, packed.stride, packed.padding, packed.dilation,
            packed.groups);
        try (GradMode off = Ember.noGrad()) {
            Tensor q = Creation.empty(outShape, DType.UINT8, Device.CPU);
            conv2dInto(shifted(x), 1f, (float) x.qScale(), packed, outputScale, outputZeroPoint, relu, q);
            return QuantizedTensor.makePerTensorQuantizedTensor(q, outputScale, outputZeroPoint);
        }
    }

    /**
     * PyTorch's checks of a quantized convolution's input {@code [N, C, H, W]} against its weight and geometry.
     *
     * @return the output's shape
     */
    static int[] checkConv2d(int[] xs, int[] ws, int[] stride, int[] padding, int[] dilation, int groups) {
        if (xs.length != 4) {
            throw new IllegalArgumentException("Expected 4-D input, got " + xs.length + "-D");
        }
        int cout = ws[0];
        int cin = xs[1];
        if (groups < 1 || cout % groups != 0 || ws[1] * groups != cin) {
            throw new IllegalArgumentException("Given groups=" + groups + ", weight of size " + java.util.Arrays.toString(ws)
                    + ", expected input" + java.util.Arrays.toString(xs) + " to have " + (long) ws[1] * groups
                    + " channels, but got " + cin + " channels instead");
        }
        long oh = ((long) xs[2] + 2L * padding[0] - (long) dilation[0] * (ws[2] - 1) - 1) / stride[0] + 1;
        long ow = ((long) xs[3] + 2L * padding[1] - (long) dilation[1] * (ws[3] - 1) - 1) / stride[1] + 1;
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException("Given input size per channel: (" + xs[2] + " x " + xs[3]
                    + "). Calculated output size per channel: (" + oh + " x " + ow + "). Output size is too small");
        }
        return new int[] {xs[0], cout, (int) oh, (int) ow};
    }

    /**
     * {@code quantized::conv2d} of quint8 {@code x} held as float {@code xs} (contiguous {@code [N, C, H, W]}: a
     * carrier of scale {@code xsScale}, or the shifted integers with 1) into {@code dst} (uint8 or the float32 carrier,
     * contiguous {@code [N, C_out, H_out, W_out]}), the backend's {@link dev.ember.backend.Backend#quantizedConv2d}.
     */
    static void conv2dInto(Tensor xs, float xsScale, float inputScale, PackedConv2d packed, double outputScale,
                           long outputZeroPoint, boolean relu, Tensor dst) {
        float[][] am = multipliers(inputScale, packed.scales, outputScale, packed.perTensor);
        Tensor w = packed.shiftedWeight;
        int[] ws = packed.weightShape;
        int kk = ws[1] * ws[2] * ws[3];
        Tensor xc = xs.contiguous();
        xs.backend.quantizedConv2d(xc.storage(), new Layout(xc.shape(), Layout.contiguousStrides(xc.shape()),
                xc.layout().offset()), xsScale, w.storage(), new Layout(new int[] {ws[0], kk},
                Layout.contiguousStrides(new int[] {ws[0], kk}), w.layout().offset()), packed.shiftedMax, ws[2], ws[3],
            new dev.ember.backend.Conv2dParams(packed.stride[0], packed.stride[1], packed.padding[0], packed.padding[1],
                packed.dilation[0], packed.dilation[1], packed.groups), am[0], am[1], packed.bias,
            (int) outputZeroPoint, relu, (float) outputScale, dst.storage(), new Layout(dst.shape(),
                Layout.contiguousStrides(dst.shape()), dst.layout().offset()));
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
     * {@code rint(c * (1 / scale)) + zero_point} clamped to the type (over the vectorized elements as
     * {@code QuantizeAvx2}: the index capped below int32's maximum and the zero point added in int32, wrapping around).
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
            out[i] = i < vectorized ? quantizeAvx2(c, inv, zeroPoint, a.dtype()) : quantizeValue(c, inv, zeroPoint,
                a.dtype());
        }
        return fromInts(out, a.shape(), a.dtype(), scale, zeroPoint);
    }

    /**
     * {@code torch.ops.quantized.mul(a, b, scale, zero_point)}: the product of two quantized tensors of one shape and
     * dtype, PyTorch's {@code qmul_kernel}: {@code (qa - za)(qb - zb)} in int32, times {@code sa * sb * (1 / scale)}
     * in float, rounded half to even, plus the zero point, clamped to the type. Over the vectorized elements
     * ({@link #QUINT8_VECTOR_STEP}) the rounding is {@code _mm256_cvtps_epi32}'s (a product beyond int32 gives its
     * minimum, so the type's minimum) and the zero point is added in int32; over the rest {@code lrintf}'s.
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
        int vectorized = n - n % QUINT8_VECTOR_STEP;
        for (int i = 0; i < n; i++) {
            int c = (int) ((qa[i] - a.qZeroPoint()) * (qb[i] - b.qZeroPoint()));
            float x = (float) c * multiplier;
            long v;
            if (i < vectorized) {
                // RequantizeAvx2: _mm256_cvtps_epi32 (NaN or beyond int32: its minimum), plus the zero point in
                // int32 (wrapping around), saturated to the type
                v = (int) cvtps(x) + (int) zeroPoint;
            } else {
                // requantize_from_int: zero_point + lrintf(x), the long conversion's minimum beyond int64
                v = !(Math.abs(x) < 9.223372036854775808e18) ? Long.MIN_VALUE : zeroPoint + (long) Math.rint(x);
            }
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
        for (QuantizedTensor q : tensors) {
            Args.require(q, "quantized::cat", "qx", 1, "Tensor");
        }
        // PyTorch's quantized_cat_impl: the first tensor's scheme, then each one's dtype and scheme against it
        QuantDType dtype = tensors.get(0).dtype();
        QScheme scheme = tensors.get(0).qscheme();
        if (scheme != QScheme.PER_TENSOR_AFFINE) {
            throw new IllegalArgumentException("Only per-tensor quantization is supported in 'cat'!");
        }
        for (QuantizedTensor q : tensors) {
            if (q.dtype() != dtype) {
                throw new IllegalArgumentException("All dtypes must be the same.");
            }
            if (q.qscheme() != scheme) {
                throw new IllegalArgumentException("Quantization schemes must be the same.");
            }
        }
        for (QuantizedTensor q : tensors) {
            values.add(q.dequantize());
        }
        return QuantizedTensor.quantizePerTensor(Tensor.cat(values, dim), scale, zeroPoint, dtype);
    }

    private static void checkBinary(QuantizedTensor a, QuantizedTensor b, String op) {
        Args.require(a, "quantized::" + op.toLowerCase(java.util.Locale.ROOT), "qa", 1, "Tensor");
        Args.require(b, "quantized::" + op.toLowerCase(java.util.Locale.ROOT), "qb", 2, "Tensor");
        // PyTorch's check_inputs of qadd.cpp and qmul.cpp, in their orders and words (misspellings included: Add's
        // "suported" and "shceme" are in 2.x still; Mul's scheme message is 2.x's, where 1.13 wrote "shceme")
        boolean add = op.equals("Add");
        if (a.qscheme() != QScheme.PER_TENSOR_AFFINE) {
            throw new IllegalArgumentException(add ? "Only per tensor quantization is suported in Add."
                    : "Only per tensor quantization is supported in Mul.");
        }
        if (add && b.qscheme() != a.qscheme()) {
            throw new IllegalArgumentException("Both inputs to Add must have the same quantization shceme.");
        }
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + " operands should have same data type.");
        }
        if (!add && b.qscheme() != a.qscheme()) {
            throw new IllegalArgumentException("Both inputs to Mul must have the same quantization scheme.");
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

    /** {@code _mm256_cvtps_epi32}: rounded half to even, NaN and values outside int32 giving its minimum. */
    private static int cvtps(float x) {
        return x >= -2147483648f && x < 2147483648f ? (int) Math.rint(x) : Integer.MIN_VALUE;
    }

    /**
     * PyTorch's vectorized {@code QuantizeAvx2} of one value: {@code x * inv} capped at 2147483520 (the largest float
     * below int32's maximum; a NaN becomes that cap, as {@code _mm256_min_ps} returns its second operand), converted
     * by {@link #cvtps}, plus the zero point in int32 (wrapping around: a quint8 zero point of 128 or more sends the
     * capped value to the type's minimum, as PyTorch's kernel does), clamped to the type.
     */
    static long quantizeAvx2(float x, float inv, long zeroPoint, QuantDType dtype) {
        float t = x * inv;
        t = Float.isNaN(t) ? 2147483520f : Math.min(t, 2147483520f);
        int v = cvtps(t) + (int) zeroPoint;
        return Math.max(dtype.min(), Math.min(dtype.max(), (long) v));
    }

    /** PyTorch's {@code quantize_val}: {@code rint(x * inv) + zero_point}, clamped to the type. */
    private static long quantizeValue(float x, float inv, long zeroPoint, QuantDType dtype) {
        float t = x * inv;
        // the float index converted to int64 as x86 does: NaN and beyond int64 give its minimum
        float r = (float) Math.rint(t) + zeroPoint;
        double v = !(Math.abs((double) r) < 9.223372036854775808e18) ? dtype.min()
            : Math.max(dtype.min(), Math.min(dtype.max(), (double) r));
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
