package dev.ember.nn.utils;

import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;

/**
 * {@code torch.nn.utils.fusion}'s weight functions: a batch normalization in eval mode folded into the convolution or
 * linear layer before it, for inference ({@code y = bn(conv(x))} becomes one convolution with these weights). As
 * PyTorch 2.x's: the results are new parameters (leaves) in the weight's and bias's types, requiring grad as the layer's
 * weight and bias did (a missing bias counts as zeros that require grad).
 */
public final class Fusion {
    private Fusion() {
    }

    /**
     * A fused weight and bias.
     *
     * @param weight the layer's weight with the normalization's scale folded in
     * @param bias the layer's bias with the normalization's shift folded in
     */
    public record FusedWeights(Tensor weight, Tensor bias) {
    }

    /**
     * {@code fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose)}: {@code w * (bn_w /
     * sqrt(bn_rv + eps))} per output channel (dimension 0 of a convolution's weight, 1 of a transposed one's) and
     * {@code (b - bn_rm) * bn_w / sqrt(bn_rv + eps) + bn_b}. {@code convB}, {@code bnW} and {@code bnB} may be null
     * (zeros, ones, zeros).
     */
    public static FusedWeights fuseConvBnWeights(Tensor convW, Tensor convB, Tensor bnRm, Tensor bnRv, double bnEps,
                                                 Tensor bnW, Tensor bnB, boolean transpose) {
        check(convW, "conv_w");
        check(bnRm, "bn_rm");
        check(bnRv, "bn_rv");
        int[] shape = new int[convW.dim()];
        java.util.Arrays.fill(shape, 1);
        shape[transpose ? 1 : 0] = -1;
        try (GradMode off = Ember.noGrad()) {
            Tensor b = convB == null ? bnRm.zerosLike() : convB;
            Tensor scale = bnRv.add(bnEps).rsqrt();
            Tensor w = bnW == null ? bnRm.onesLike() : bnW;
            Tensor shift = bnB == null ? bnRm.zerosLike() : bnB;
            Tensor fusedW = convW.mul(w.mul(scale).reshape(shape)).to(convW.dtype());
            Tensor fusedB = b.sub(bnRm).mul(scale).mul(w).add(shift).to(convB == null ? convW.dtype() : convB.dtype());
            return new FusedWeights(parameter(fusedW, convW.requiresGrad()),
                    parameter(fusedB, convB == null || convB.requiresGrad()));
        }
    }

    /**
     * {@code fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)}: {@code w * (bn_w / sqrt(bn_rv
     * + eps))} per output row and {@code (b - bn_rm) * bn_w / sqrt(bn_rv + eps) + bn_b}; {@code linearB} may be null.
     */
    public static FusedWeights fuseLinearBnWeights(Tensor linearW, Tensor linearB, Tensor bnRm, Tensor bnRv, double bnEps,
                                                   Tensor bnW, Tensor bnB) {
        check(linearW, "linear_w");
        check(bnRm, "bn_rm");
        check(bnRv, "bn_rv");
        check(bnW, "bn_w");
        check(bnB, "bn_b");
        try (GradMode off = Ember.noGrad()) {
            Tensor b = linearB == null ? bnRm.zerosLike() : linearB;
            Tensor scale = bnW.mul(bnRv.add(bnEps).rsqrt());
            Tensor fusedW = linearW.mul(scale.unsqueeze(-1));
            Tensor fusedB = b.sub(bnRm).mul(scale).add(bnB);
            return new FusedWeights(parameter(fusedW, linearW.requiresGrad()),
                    parameter(fusedB, linearB == null || linearB.requiresGrad()));
        }
    }

    private static void check(Tensor t, String name) {
        if (t == null) {
            throw new IllegalArgumentException("fusion: argument '" + name + "' must be Tensor, not null");
        }
    }

    /** {@code t}, made without history (under no_grad) and so already a fresh leaf, requiring grad as asked. */
    private static Tensor parameter(Tensor t, boolean requiresGrad) {
        return requiresGrad ? t.requiresGrad_(true) : t;
    }
}
