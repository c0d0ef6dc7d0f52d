package dev.ember.ao.nn.intrinsic.quantized;

import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.intrinsic.quantized.ConvReLU2d}: a statically quantized convolution with its ReLU fused
 * ({@code quantized::conv2d_relu}: the output clamped below at its zero point), what
 * {@link dev.ember.ao.quantization.Quantization#convert} makes of a {@link dev.ember.ao.nn.intrinsic.ConvReLU2d}.
 */
public class ConvReLU2d extends dev.ember.ao.nn.quantized.Conv2d {
    private ConvReLU2d(dev.ember.nn.Conv2d conv) {
        super(conv);
    }

    /**
     * {@code ConvReLU2d.from_float(mod)}: the fused module's convolution quantized, its output observer's parameters.
     *
     * @param mod the prepared, calibrated fused module
     * @param weightObserver a fresh weight observer ({@code qconfig.weight()})
     * @param activationObserver the fused module's output observer
     * @return the quantized module
     */
    public static ConvReLU2d fromFloat(dev.ember.ao.nn.intrinsic.ConvReLU2d mod, ObserverOrFakeQuantize weightObserver,
                                       ObserverOrFakeQuantize activationObserver) {
        ConvReLU2d q = new ConvReLU2d(mod.conv());
        q.init(mod.conv(), weightObserver, activationObserver);
        return q;
    }

    /**
     * {@code ConvReLU2d.from_float(mod)} of a QAT layer: a {@link dev.ember.ao.nn.intrinsic.qat.ConvBnReLU2d} (its
     * batch norm folded, as {@link dev.ember.ao.nn.quantized.Conv2d#fromConvBn}) or a
     * {@link dev.ember.ao.nn.intrinsic.qat.ConvReLU2d}, quantized with the layer's {@code weight_fake_quant}.
     *
     * @param mod the trained QAT layer
     * @param weightFakeQuant its {@code weight_fake_quant}
     * @param activationObserver its {@code activation_post_process}
     * @return the quantized module
     */
    public static ConvReLU2d fromQat(dev.ember.nn.Conv2d mod, ObserverOrFakeQuantize weightFakeQuant,
                                     ObserverOrFakeQuantize activationObserver) {
        ConvReLU2d q = new ConvReLU2d(mod);
        if (mod instanceof dev.ember.ao.nn.intrinsic.qat.ConvBnReLU2d c) {
            q.initFolded(c, activationObserver);
        } else {
            q.init(mod, weightFakeQuant, activationObserver);
        }
        return q;
    }

    @Override
    protected boolean fusedRelu() {
        return true;
    }
}
