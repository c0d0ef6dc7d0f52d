package dev.ember.ao.nn.intrinsic.quantized;

import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.intrinsic.quantized.LinearReLU}: a statically quantized linear layer with its ReLU fused
 * ({@code quantized::linear_relu}: the output clamped below at its zero point), what
 * {@link dev.ember.ao.quantization.Quantization#convert} makes of a {@link dev.ember.ao.nn.intrinsic.LinearReLU}.
 */
public class LinearReLU extends dev.ember.ao.nn.quantized.Linear {
    /**
     * {@code LinearReLU(in_features, out_features, bias=True)}: as {@link dev.ember.ao.nn.quantized.Linear}'s.
     *
     * @param in input features
     * @param out output features
     * @param bias whether the layer has a bias
     */
    public LinearReLU(int in, int out, boolean bias) {
        super(in, out, bias);
    }

    /**
     * {@code LinearReLU.from_float(mod)}: the fused module's linear layer quantized, its output observer's parameters.
     *
     * @param mod the prepared, calibrated fused module
     * @param weightObserver a fresh weight observer ({@code qconfig.weight()})
     * @param activationObserver the fused module's output observer
     * @return the quantized module
     */
    public static LinearReLU fromFloat(dev.ember.ao.nn.intrinsic.LinearReLU mod, ObserverOrFakeQuantize weightObserver,
                                       ObserverOrFakeQuantize activationObserver) {
        dev.ember.nn.Linear l = mod.linear();
        return fromFloat(l, weightObserver, activationObserver,
            new LinearReLU(l.inFeatures(), l.outFeatures(), l.namedParameters().get("bias") != null));
    }

    /**
     * {@code LinearReLU.from_float(mod)} of a {@link dev.ember.ao.nn.intrinsic.qat.LinearReLU}: its weight quantized
     * with its {@code weight_fake_quant}.
     *
     * @param mod the trained QAT layer
     * @param weightFakeQuant its {@code weight_fake_quant}
     * @param activationObserver its {@code activation_post_process}
     * @return the quantized module
     */
    public static LinearReLU fromQat(dev.ember.ao.nn.intrinsic.qat.LinearReLU mod, ObserverOrFakeQuantize weightFakeQuant,
                                     ObserverOrFakeQuantize activationObserver) {
        return fromFloat(mod, weightFakeQuant, activationObserver,
            new LinearReLU(mod.inFeatures(), mod.outFeatures(), mod.namedParameters().get("bias") != null));
    }

    @Override
    protected boolean fusedRelu() {
        return true;
    }
}
