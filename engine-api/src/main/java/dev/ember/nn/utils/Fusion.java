package dev.ember.nn.utils;

import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;

/**
 * {@code torch.nn.utils.fusion}'s weight functions: a batch normalization in eval mode folded into the convolution or
 * linear layer before it, for inference ({@code y = bn(conv(x))} becomes one convolution with these weights). As
 * PyTorch 2.x's: the results are new parameters (leaves) in the weight's and bias's types, requiring grad as the layer's
 * weight and bias did (a missing bias counts as {@code zeros_like(bn_rm)}, which does not require grad: the fused
 * bias of a layer without one does not).
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
        /** PyTorch's repr of the tuple of parameters: {@code (Parameter containing:\ntensor(...), Parameter containing:...)}. */
        @Override
        public String toString() {
            return "(" + weight + ", " + bias + ")";
        }
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
                    parameter(fusedB, convB != null && convB.requiresGrad()));
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
                    parameter(fusedB, linearB != null && linearB.requiresGrad()));
        }
    }

    /**
     * {@code torch.nn.utils.fuse_conv_bn_eval(conv, bn, transpose)}: a new layer of the convolution's class and
     * configuration (PyTorch deep-copies it) whose weight and bias are {@link #fuseConvBnWeights} of the convolution's
     * and the batch normalization's running statistics and affine parameters, so that it computes {@code bn(conv(x))}
     * of the eval-mode pair; in the convolution's types and on its device, in eval mode, always with a bias. The
     * given modules are unchanged.
     *
     * @param conv a convolution ({@link dev.ember.nn.Conv1d} ... {@link dev.ember.nn.ConvTranspose3d})
     * @param bn a batch normalization with running statistics ({@link dev.ember.nn.BatchNorm2d} and the others)
     * @param transpose whether the weight's output channels are its dimension 1 (a transposed convolution's)
     * @return the fused convolution
     * @throws IllegalStateException when either module is in training mode ("Fusion only for eval!", PyTorch's
     *     assertion) or {@code bn} tracks no running statistics
     */
    public static Module fuseConvBnEval(Module conv, Module bn, boolean transpose) {
        check(conv, bn, "fuse_conv_bn_eval");
        if (!(conv instanceof dev.ember.nn.ConvNd c)) {
            throw new IllegalArgumentException("fuse_conv_bn_eval: expected a convolution, got " + conv.getClass().getSimpleName());
        }
        Tensor[] stats = runningStats(bn, "fuse_conv_bn_eval");
        Tensor w = c.weight();
        Tensor b = c.bias();
        FusedWeights f = fuseConvBnWeights(w, b, stats[0], stats[1], ModuleInternals.normEps(bn),
                ModuleInternals.getAttr(bn, "weight"), ModuleInternals.getAttr(bn, "bias"), transpose);
        return install(ModuleInternals.freshLayerLike(conv, true), f, w);
    }

    /** {@link #fuseConvBnEval(Module, Module, boolean)} with {@code transpose} false, PyTorch's default. */
    public static Module fuseConvBnEval(Module conv, Module bn) {
        return fuseConvBnEval(conv, bn, false);
    }

    /**
     * {@code torch.nn.utils.fuse_linear_bn_eval(linear, bn)}: a new {@link dev.ember.nn.Linear} of the layer's sizes
     * whose weight and bias are {@link #fuseLinearBnWeights} of the layer's and the batch normalization's, so that it
     * computes {@code bn(linear(x))} of the eval-mode pair; in the layer's types and on its device, in eval mode, always
     * with a bias. The given modules are unchanged.
     *
     * @param linear the linear layer
     * @param bn a batch normalization with running statistics, of {@code linear.out_features} features or one
     * @return the fused linear layer
     * @throws IllegalStateException when either module is in training mode ("Fusion only for eval!"), the feature
     *     counts do not fit (PyTorch's assertion's message), or {@code bn} tracks no running statistics
     */
    public static Module fuseLinearBnEval(Module linear, Module bn) {
        check(linear, bn, "fuse_linear_bn_eval");
        if (!(linear instanceof dev.ember.nn.Linear l)) {
            throw new IllegalArgumentException("fuse_linear_bn_eval: expected a Linear layer, got "
                    + linear.getClass().getSimpleName());
        }
        ModuleInternals.normEps(bn);
        Tensor rm = ModuleInternals.getAttr(bn, "running_mean");
        int features = rm == null ? l.outFeatures() : (int) rm.numel();
        if (l.outFeatures() != features && features != 1) {
            throw new IllegalStateException("To fuse, linear.out_features == bn.num_features or bn.num_features == 1, "
                    + "got linear.out_features=" + l.outFeatures() + " and bn.num_features=" + features);
        }
        Tensor[] stats = runningStats(bn, "fuse_linear_bn_eval");
        Tensor w = l.weight();
        FusedWeights f = fuseLinearBnWeights(w, l.bias(), stats[0], stats[1], ModuleInternals.normEps(bn),
                ModuleInternals.getAttr(bn, "weight"), ModuleInternals.getAttr(bn, "bias"));
        return install(ModuleInternals.freshLayerLike(linear, true), f, w);
    }

    private static void check(Module layer, Module bn, String fn) {
        if (layer == null || bn == null) {
            throw new IllegalArgumentException(fn + ": the layer and the batch normalization must not be null");
        }
        if (layer.isTraining() || bn.isTraining()) {
            throw new IllegalStateException("Fusion only for eval!");
        }
    }

    /** The running mean and variance; PyTorch asserts both are there (a bare assertion: no message of its own). */
    private static Tensor[] runningStats(Module bn, String fn) {
        ModuleInternals.normEps(bn);
        Tensor rm = ModuleInternals.getAttr(bn, "running_mean");
        Tensor rv = ModuleInternals.getAttr(bn, "running_var");
        if (rm == null || rv == null) {
            throw new IllegalStateException(fn + ": the batch normalization tracks no running statistics "
                    + "(bn.running_mean and bn.running_var are None)");
        }
        return new Tensor[] {rm, rv};
    }

    /**
     * The fused weight and bias copied into {@code layer}'s own parameters (moved to the original weight's type
     * first), so its fields hold them; a fused tensor of another shape (a linear layer without bias fused with a
     * one-feature normalization gets PyTorch's one-element bias) replaces the parameter instead, as PyTorch assigns it.
     */
    private static Module install(Module layer, FusedWeights f, Tensor like) {
        layer.to(like.dtype());
        layer.to(like.device());
        layer.eval();
        place(layer, "weight", f.weight());
        place(layer, "bias", f.bias());
        return layer;
    }

    private static void place(Module layer, String name, Tensor value) {
        Tensor p = ModuleInternals.getAttr(layer, name);
        if (!java.util.Arrays.equals(p.shape(), value.shape())) {
            layer.setParameter(name, value);
            return;
        }
        try (GradMode off = Ember.noGrad()) {
            p.copy_(value);
        }
        p.setRequiresGrad(value.requiresGrad());
    }

    private static void check(Tensor t, String name) {
        if (t == null) {
            throw new IllegalArgumentException("fusion: argument '" + name + "' must be Tensor, not null");
        }
    }

    /**
     * {@code t}, made without history (under no_grad) and so already a fresh leaf, as 2.x's {@code nn.Parameter(t,
     * requires_grad)}: a parameter (it prints as {@code Parameter containing:}), requiring grad as asked.
     */
    private static Tensor parameter(Tensor t, boolean requiresGrad) {
        t.asParameter();
        return requiresGrad ? t : t.setRequiresGrad(false);
    }
}
