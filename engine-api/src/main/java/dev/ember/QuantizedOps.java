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
     * {@code torch.ops.quantized.linear_dynamic(x, packed(weight, bias), reduce_range=True)}: {@code x W^T + b} with the
     * input quantized to quint8 over [0, 127] from its own minimum and maximum, the qint8 weight's integers, exact integer
     * sums and float32 output, FBGEMM's arithmetic step by step (PyTorch's x86 engine; see
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
        Args.require(weight, "linear_dynamic", "weight", 2, "Tensor");
        if (weight.dtype() != QuantDType.QINT8 || weight.shape().length != 2) {
            throw new IllegalArgumentException("linear_dynamic: the weight must be a 2-d qint8 tensor, got "
                    + weight.dtype() + " of " + weight.shape().length + " dimensions");
        }
        boolean perTensor = weight.qscheme() == QScheme.PER_TENSOR_AFFINE;
        if (!perTensor && weight.qPerChannelAxis() != 0) {
            throw new IllegalArgumentException("linear_dynamic: a per-channel weight must be quantized along axis 0, got "
                    + weight.qPerChannelAxis());
        }
        if (x.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException("expected scalar type Float but found " + Format.scalarType(x.dtype()));
        }
        if (x.dim() < 2) {
            throw new IllegalArgumentException("The dimension of input tensor should be larger than or equal to 2");
        }
        int n = weight.shape()[0];
        int k = x.size(-1);
        if (k != weight.shape()[1]) {
            throw new IllegalArgumentException("The number of rows in the packB should be equal to K: " + k);
        }
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
        try (Tensor ints = weight.intRepr()) {
            Layout xl = new Layout(new int[] {m, k}, Layout.contiguousStrides(new int[] {m, k}), xc.layout().offset());
            Layout wl = new Layout(new int[] {n, k}, Layout.contiguousStrides(new int[] {n, k}), ints.layout().offset());
            x.backend.quantizedLinearDynamic(xc.storage(), xl, ints.storage(), wl, zeros, scales, b,
                out.storage(), Layout.contiguous(m, n));
        }
        return out;
    }
}
