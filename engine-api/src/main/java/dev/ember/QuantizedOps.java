package dev.ember;

import dev.ember.ao.quantization.QScheme;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import dev.ember.backend.Layout;

/**
 * PyTorch's quantized kernels, {@code torch.ops.quantized}: {@link #linearDynamic}, the computation of a dynamically
 * quantized linear layer ({@link dev.ember.ao.nn.quantized.dynamic.Linear}).
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

        private PackedLinear(Tensor ints, int[] zeroPoints, float[] scales, float[] bias) {
            this.ints = ints;
            this.zeroPoints = zeroPoints;
            this.scales = scales;
            this.bias = bias;
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
        int n = weight.shape()[0];
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
        return new PackedLinear(TensorScope.escape(weight.intRepr()), zeros, scales, b);
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
}
