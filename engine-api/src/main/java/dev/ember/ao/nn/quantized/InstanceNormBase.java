package dev.ember.ao.nn.quantized;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.QuantizedActivations;
import dev.ember.QuantizedNormOps;
import dev.ember.Tensor;

/**
 * What {@link InstanceNorm1d}, {@link InstanceNorm2d} and {@link InstanceNorm3d} share: the float layer's channels,
 * weight and bias (or none), eps and affine flag, the output's scale and zero point, and
 * {@code quantized::instance_norm} ({@link QuantizedNormOps#instanceNorm}) as the forward: the statistics of each
 * sample's channel, never running statistics (PyTorch's quantized module prints {@code track_running_stats=False}). The
 * printout is PyTorch's, quirk included: its {@code from_float} passes the float layer's {@code affine} where the
 * constructor takes {@code momentum}, so a converted layer prints {@code momentum=True, affine=False} (2.x's too); the
 * weight and bias are used all the same.
 */
abstract class InstanceNormBase extends QuantizedOutput {
    private final int numFeatures;
    private final double eps;
    private final boolean affine;

    InstanceNormBase(int numFeatures, Tensor weight, Tensor bias, double scale, long zeroPoint, double eps,
                     boolean affine) {
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.affine = affine;
        registerParameter("weight", weight);
        registerParameter("bias", bias);
        setOutputQParams(scale, zeroPoint);
    }

    /** The channels, PyTorch's {@code num_features}. */
    public int numFeatures() {
        return numFeatures;
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
        var q = Activations.input(x, "quantized::instance_norm");
        try (GradMode off = Ember.noGrad()) {
            return QuantizedActivations.carrier(QuantizedNormOps.instanceNorm(q, weight(), bias(), eps, scale(),
                zeroPoint()));
        }
    }

    @Override
    public String extraRepr() {
        // PyTorch's from_float passes mod.affine where the constructor takes momentum (2.x still does): the converted
        // module prints the float layer's affine flag as its momentum, and affine=False
        return numFeatures + ", eps=" + Format.repr(eps) + ", momentum=" + (affine ? "True" : "False")
                + ", affine=False, track_running_stats=False";
    }

    /** PyTorch's {@code _version} 2 (its float class's, {@code _NormBase}'s), as the state dict's {@code _metadata} says. */
    @Override
    protected long stateVersion() {
        return 2;
    }
}
