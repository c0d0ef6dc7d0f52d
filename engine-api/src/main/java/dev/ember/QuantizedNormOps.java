package dev.ember;

import dev.ember.ao.quantization.QuantizedTensor;

/**
 * PyTorch's quantized normalization kernels: {@code quantized::batch_norm2d} / {@code batch_norm3d} (the standalone
 * {@link dev.ember.ao.nn.quantized.BatchNorm2d} and {@code BatchNorm3d}) and {@code quantized::layer_norm}
 * ({@link dev.ember.ao.nn.quantized.LayerNorm}), {@code quantized::group_norm} and {@code quantized::instance_norm}
 * ({@link dev.ember.ao.nn.quantized.GroupNorm}, {@code InstanceNorm1d/2d/3d}), step by step as {@code qbatch_norm.cpp} and
 * {@code QuantizedOpKernels.cpp} ({@code q_batch_norm_kernel}, {@code quantized_normalize_kernel}) compute them on
 * PyTorch's AVX2 kernels.
 */
public final class QuantizedNormOps {
    private QuantizedNormOps() {
    }

    /**
     * {@code torch.ops.quantized.batch_norm2d} (4-d input) or {@code batch_norm3d} (5-d) {@code (x, weight, bias, mean,
     * var, eps, output_scale, output_zero_point)}: per channel {@code alpha = inv_sigma * weight * (x_scale /
     * output_scale)} and {@code beta = (bias - mean * inv_sigma * weight) / output_scale} ({@code inv_sigma = 1.0 /
     * sqrt(var + (float) eps)}, PyTorch's {@code compute_fused_params} in float and double as it mixes them), then each
     * {@code output_zero_point + rint(fma(alpha, q - x_zero_point, beta))} clamped to the type: the vector loop's
     * {@code fmadd}, and the scalar loop's {@code alpha * (q - zp) + beta} for the last {@code C mod 8} channels, which
     * GCC contracts to an fma in PyTorch's AVX2 kernel (its outputs on inputs where the two round apart say so).
     *
     * @param x per-tensor quint8 or qint8, {@code [N, C, H, W]} or {@code [N, C, D, H, W]}
     * @param weight float32 {@code [C]}
     * @param bias float32 {@code [C]}
     * @param mean float32 {@code [C]}, the running mean
     * @param var float32 {@code [C]}, the running variance
     * @param eps the epsilon
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point
     * @return the result, of {@code x}'s shape and dtype
     * @throws IllegalArgumentException for another rank, or parameters not of {@code C} elements (PyTorch's messages)
     */
    public static QuantizedTensor batchNorm(QuantizedTensor x, Tensor weight, Tensor bias, Tensor mean, Tensor var,
                                            double eps, double outputScale, long outputZeroPoint) {
        QuantizedPointwiseOps.check(x, "quantized::batch_norm");
        int[] shape = x.shape();
        if (shape.length != 4 && shape.length != 5) {
            throw new IllegalArgumentException("Expecting the input tensor of rank " + (shape.length < 5 ? 4 : 5) + ".");
        }
        QuantizedPointwiseOps.checkZeroPoint(outputZeroPoint, x.dtype());
        int c = shape[1];
        float[] w = channels(weight, c, "Expect weight size to match C");
        float[] b = channels(bias, c, "Expect weight size to match C");
        float[] m = channels(mean, c, "Mean size must match channel dimension");
        float[] v = channels(var, c, "Variance size must match channel dimension");
        float[] alpha = new float[c];
        float[] beta = new float[c];
        for (int ch = 0; ch < c; ch++) {
            float invSigma = (float) (1.0 / (float) Math.sqrt(v[ch] + (float) eps));
            alpha[ch] = (float) ((double) (invSigma * w[ch]) * (x.qScale() / outputScale));
            beta[ch] = (float) ((double) (b[ch] - m[ch] * invSigma * w[ch]) / outputScale);
        }
        long[] q = QuantizedPointwiseOps.ints(x);
        int n = shape[0];
        int hw = q.length / Math.max(1, n * c);
        long zp = x.qZeroPoint();
        long[] out = new long[q.length];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (i * c + ch) * hw;
                for (int p = 0; p < hw; p++) {
                    float d = (float) (q[base + p] - zp);
                    float y = Math.fma(alpha[ch], d, beta[ch]);
                    out[base + p] = QuantizedPointwiseOps.clamp(outputZeroPoint + (long) Math.rint(y), x.dtype());
                }
            }
        }
        return QuantizedPointwiseOps.fromInts(out, shape, x.dtype(), outputScale, outputZeroPoint);
    }

    /**
     * {@code torch.ops.quantized.layer_norm(x, normalized_shape, weight, bias, eps, output_scale, output_zero_point)}
     * ({@code quantized_normalize_kernel}): for each group of the last {@code normalized_shape} elements the mean and
     * variance from the exact integer sums of {@code q} and {@code q * q} in float ({@code sum / N},
     * {@code fma(-mean, mean, sumsq / N)}), {@code x_scale / sqrt(var * x_scale * x_scale + eps)} (the root in double),
     * then each element {@code fma((q - zp - mean) * that, weight, bias)} quantized with the output's parameters (the
     * fmas are GCC's contractions in PyTorch's AVX2 kernel, which its outputs confirm).
     *
     * @param x per-tensor quint8 or qint8
     * @param normalizedShape the normalized trailing shape
     * @param weight float32 of {@code normalizedShape}, or null (ones)
     * @param bias float32 of {@code normalizedShape}, or null (zeros)
     * @param eps the epsilon
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point
     * @return the result, of {@code x}'s shape and dtype
     * @throws IllegalArgumentException for an input whose trailing shape is not {@code normalizedShape}, or a weight or
     *     bias of another shape (PyTorch's messages)
     */
    public static QuantizedTensor layerNorm(QuantizedTensor x, int[] normalizedShape, Tensor weight, Tensor bias,
                                            double eps, double outputScale, long outputZeroPoint) {
        QuantizedPointwiseOps.check(x, "quantized::layer_norm");
        QuantizedPointwiseOps.checkZeroPoint(outputZeroPoint, x.dtype());
        int[] shape = x.shape();
        int nd = normalizedShape.length;
        if (nd < 1) {
            throw new IllegalArgumentException("Expected normalized_shape to be at least 1-dimensional, i.e., containing "
                    + "at least one element, but got normalized_shape = []");
        }
        boolean fits = shape.length >= nd;
        for (int i = 0; fits && i < nd; i++) {
            fits = shape[shape.length - nd + i] == normalizedShape[i];
        }
        if (!fits) {
            throw new IllegalArgumentException("Given normalized_shape=" + java.util.Arrays.toString(normalizedShape)
                    + ", expected input with shape [*, " + java.util.Arrays.toString(normalizedShape).substring(1)
                    + ", but got input of size" + java.util.Arrays.toString(shape));
        }
        int groupSize = 1;
        for (int d : normalizedShape) {
            groupSize = Math.multiplyExact(groupSize, d);
        }
        float[] g = affine(weight, normalizedShape, groupSize, "weight");
        float[] b = affine(bias, normalizedShape, groupSize, "bias");
        long[] q = QuantizedPointwiseOps.ints(x);
        int groups = groupSize == 0 ? 0 : q.length / groupSize;
        float xScale = (float) x.qScale();
        long zp = x.qZeroPoint();
        float inv = 1.0f / (float) outputScale;
        long[] out = new long[q.length];
        float[] stats = new float[2];
        for (int gi = 0; gi < groups; gi++) {
            int base = gi * groupSize;
            groupStats(q, base, groupSize, zp, xScale, eps, stats);
            float mean = stats[0];
            float scaleDivStd = stats[1];
            // (..) * gamma + beta: contracted to an fma in PyTorch's AVX2 kernel, as groupStats' variance
            for (int i = 0; i < groupSize; i++) {
                float d = (float) (q[base + i] - zp);
                float y = Math.fma((d - mean) * scaleDivStd, g[i], b[i]);
                out[base + i] = QuantizedPointwiseOps.quantize(y, inv, outputZeroPoint, x.dtype());
            }
        }
        return QuantizedPointwiseOps.fromInts(out, shape, x.dtype(), outputScale, outputZeroPoint);
    }

    /**
     * One group's statistics as {@code quantized_normalize_kernel} computes them from the integers {@code q[base,
     * base + n)}: {@code stats[0]} the mean with the zero point removed, {@code stats[1]} {@code x_scale / std}. The
     * integer sums run exactly; {@code sumsq / N - mean^2} is contracted to an fma as in PyTorch's AVX2 kernel (GCC's
     * default -ffp-contract=fast; its outputs on inputs where the fused and unfused steps round apart say so).
     */
    private static void groupStats(long[] q, int base, int n, long zp, float xScale, double eps, float[] stats) {
        long sum = 0;
        long sumSq = 0;
        for (int i = 0; i < n; i++) {
            long v = q[base + i];
            sum += v;
            sumSq += v * v;
        }
        float meanShifted = (float) sum / n;
        float var = Math.max(Math.fma(-meanShifted, meanShifted, (float) sumSq / n), 0.0f);
        stats[0] = meanShifted - (float) zp;
        stats[1] = (float) (xScale / Math.sqrt((double) (var * xScale * xScale) + eps));
    }

    /**
     * {@code torch.ops.quantized.group_norm(x, num_groups, weight, bias, eps, output_scale, output_zero_point)}
     * ({@code quantized_normalize_kernel} per channel, for a contiguous input): each of a sample's {@code num_groups}
     * groups of channels normalized as {@link #layerNorm} normalizes a group (the same integer sums, mean, variance and
     * {@code x_scale / std}), each channel's factor {@code (x_scale / std) * weight[c]} in float, then each element
     * {@code fma(q - zp - mean, factor, bias[c])} quantized with the output's parameters.
     *
     * @param x per-tensor quint8 or qint8, {@code [N, C, *]}, at least 3 dimensions
     * @param numGroups the groups, dividing {@code C}
     * @param weight float32 {@code [C]}, or null (ones)
     * @param bias float32 {@code [C]}, or null (zeros)
     * @param eps the epsilon
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point
     * @return the result, of {@code x}'s shape and dtype
     * @throws IllegalArgumentException for fewer than 3 dimensions, groups that do not divide the channels, or a weight
     *     or bias of another size (PyTorch's messages)
     */
    public static QuantizedTensor groupNorm(QuantizedTensor x, int numGroups, Tensor weight, Tensor bias, double eps,
                                            double outputScale, long outputZeroPoint) {
        QuantizedPointwiseOps.check(x, "quantized::group_norm");
        QuantizedPointwiseOps.checkZeroPoint(outputZeroPoint, x.dtype());
        int[] shape = x.shape();
        if (shape.length < 3) {
            throw new IllegalArgumentException("Expected normalized_shape to be at least 3-dimensional");
        }
        if (numGroups <= 0) {
            throw new IllegalArgumentException("Expected num_groups to be positive");
        }
        int c = shape[1];
        if (c % numGroups != 0) {
            throw new IllegalArgumentException("Expected channels to be divisible by groups");
        }
        float[] g = weight == null ? null : channels(weight, c, "Expected weight to be a vector of size equal to the "
                + "number of channels in input, but got weight of shape " + (weight == null ? "" : java.util.Arrays
                .toString(weight.shape())) + " and input of shape " + java.util.Arrays.toString(shape));
        float[] b = bias == null ? null : channels(bias, c, "Expected bias to be a vector of size equal to the number "
                + "of channels in input, but got bias of shape " + (bias == null ? "" : java.util.Arrays
                .toString(bias.shape())) + " and input of shape " + java.util.Arrays.toString(shape));
        long[] q = QuantizedPointwiseOps.ints(x);
        int batches = shape[0];
        int groups = batches * numGroups;
        int perGroup = groups == 0 ? 0 : q.length / groups;
        int channelsPerGroup = c / numGroups;
        int perChannel = perGroup / Math.max(1, channelsPerGroup);
        float xScale = (float) x.qScale();
        long zp = x.qZeroPoint();
        float inv = 1.0f / (float) outputScale;
        long[] out = new long[q.length];
        float[] stats = new float[2];
        for (int gi = 0; gi < groups; gi++) {
            int base = gi * perGroup;
            groupStats(q, base, perGroup, zp, xScale, eps, stats);
            float mean = stats[0];
            float scaleDivStd = stats[1];
            for (int ch = 0; ch < channelsPerGroup; ch++) {
                int scaling = (gi * channelsPerGroup + ch) % c;
                float gammaP = scaleDivStd * (g == null ? 1.0f : g[scaling]);
                float beta = b == null ? 0.0f : b[scaling];
                for (int i = ch * perChannel; i < (ch + 1) * perChannel; i++) {
                    float d = (float) (q[base + i] - zp);
                    out[base + i] = QuantizedPointwiseOps.quantize(Math.fma(d - mean, gammaP, beta), inv,
                        outputZeroPoint, x.dtype());
                }
            }
        }
        return QuantizedPointwiseOps.fromInts(out, shape, x.dtype(), outputScale, outputZeroPoint);
    }

    /**
     * {@code torch.ops.quantized.instance_norm(x, weight, bias, eps, output_scale, output_zero_point)}: PyTorch's
     * {@code quantized_instance_norm_impl}, {@link #groupNorm} with one group per channel.
     *
     * @param x per-tensor quint8 or qint8, {@code [N, C, *]}, at least 3 dimensions
     * @param weight float32 {@code [C]}, or null (ones)
     * @param bias float32 {@code [C]}, or null (zeros)
     * @param eps the epsilon
     * @param outputScale the output's scale
     * @param outputZeroPoint the output's zero point
     * @return the result, of {@code x}'s shape and dtype
     * @throws IllegalArgumentException for fewer than 3 dimensions or no channels (PyTorch's messages)
     */
    public static QuantizedTensor instanceNorm(QuantizedTensor x, Tensor weight, Tensor bias, double eps,
                                               double outputScale, long outputZeroPoint) {
        QuantizedPointwiseOps.check(x, "quantized::instance_norm");
        if (x.shape().length < 3) {
            throw new IllegalArgumentException("Expected normalized_shape to be at least 3-dimensional");
        }
        if (x.shape()[1] <= 0) {
            throw new IllegalArgumentException("Expected 2nd dimension to be positive");
        }
        return groupNorm(x, x.shape()[1], weight, bias, eps, outputScale, outputZeroPoint);
    }

    private static float[] channels(Tensor t, int c, String message) {
        if (t == null || t.numel() != c) {
            throw new IllegalArgumentException(message);
        }
        return t.detach().to(DType.FLOAT32).contiguous().toFloatArray();
    }

    private static float[] affine(Tensor t, int[] normalizedShape, int n, String name) {
        float[] out = new float[n];
        if (t == null) {
            java.util.Arrays.fill(out, name.equals("weight") ? 1.0f : 0.0f);
            return out;
        }
        if (!java.util.Arrays.equals(t.shape(), normalizedShape)) {
            throw new IllegalArgumentException("Expected " + name + " to be of same shape as normalized_shape, but got "
                    + name + " of shape " + java.util.Arrays.toString(t.shape()) + " and normalized_shape = "
                    + java.util.Arrays.toString(normalizedShape));
        }
        return t.detach().to(DType.FLOAT32).contiguous().toFloatArray();
    }
}
