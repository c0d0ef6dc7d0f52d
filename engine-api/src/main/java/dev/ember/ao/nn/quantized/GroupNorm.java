package dev.ember.ao.nn.quantized;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.QuantizedActivations;
import dev.ember.QuantizedNormOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.quantized.GroupNorm}: {@code quantized::group_norm} on a quantized activation
 * ({@link QuantizedNormOps#groupNorm}) with the float layer's weight and bias, requantized to the module's scale and
 * zero point; what {@link dev.ember.ao.quantization.Quantization#convert} makes of a {@link dev.ember.nn.GroupNorm}.
 */
public class GroupNorm extends QuantizedOutput {
    private final int numGroups;
    private final int numChannels;
    private final double eps;
    private final boolean affine;

    /**
     * {@code GroupNorm(num_groups, num_channels, weight, bias, scale, zero_point, eps, affine)}.
     *
     * @param numGroups the groups
     * @param numChannels the channels
     * @param weight {@code [C]}, or null
     * @param bias {@code [C]}, or null
     * @param scale the output's scale
     * @param zeroPoint the output's zero point, in [0, 255]
     * @param eps the epsilon
     * @param affine PyTorch's flag (printed)
     */
    public GroupNorm(int numGroups, int numChannels, Tensor weight, Tensor bias, double scale, long zeroPoint,
                     double eps, boolean affine) {
        this.numGroups = numGroups;
        this.numChannels = numChannels;
        this.eps = eps;
        this.affine = affine;
        registerParameter("weight", weight);
        registerParameter("bias", bias);
        setOutputQParams(scale, zeroPoint);
    }

    /**
     * {@code GroupNorm.from_float(mod)}: the float layer's groups, channels, weight and bias (its tensors), eps and flag,
     * and the output parameters its observer calculates.
     *
     * @param gn the float layer
     * @param observer its {@code activation_post_process}
     * @return the quantized layer
     */
    public static GroupNorm fromFloat(dev.ember.nn.GroupNorm gn, ObserverOrFakeQuantize observer) {
        GroupNorm q = new GroupNorm(gn.numGroups(), gn.numChannels(), gn.weight(), gn.bias(), 1.0, 0, gn.eps(),
            gn.affine());
        q.setOutputQParams(observer);
        return q;
    }

    /** The weight, or null. */
    public Tensor weight() {
        return parametrizedValue("weight");
    }

    /** The bias, or null. */
    public Tensor bias() {
        return parametrizedValue("bias");
    }

    /**
     * The normalized activation.
     *
     * @param x a quantized activation {@code [N, C, *]}
     * @return a quantized activation with the module's scale and zero point
     * @throws UnsupportedOperationException for a float input (PyTorch's message)
     * @throws IllegalArgumentException for a shape the op refuses (PyTorch's messages)
     */
    @Override
    public Tensor forward(Tensor x) {
        var q = Activations.input(x, "quantized::group_norm");
        try (GradMode off = Ember.noGrad()) {
            return QuantizedActivations.carrier(QuantizedNormOps.groupNorm(q, numGroups, weight(), bias(), eps,
                scale(), zeroPoint()));
        }
    }

    @Override
    protected String moduleName() {
        return "QuantizedGroupNorm";
    }

    @Override
    public String extraRepr() {
        return numGroups + ", " + numChannels + ", eps=" + Format.repr(eps) + ", affine=" + (affine ? "True" : "False");
    }
}
