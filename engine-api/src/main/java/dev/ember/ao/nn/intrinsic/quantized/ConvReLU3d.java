package dev.ember.ao.nn.intrinsic.quantized;

import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.intrinsic.quantized.ConvReLU3d}: a statically quantized 3-D convolution with its ReLU fused
 * ({@code quantized::conv3d_relu}: the output clamped below at its zero point), what
 * {@link dev.ember.ao.quantization.Quantization#convert} makes of a {@link dev.ember.ao.nn.intrinsic.ConvReLU3d} (or of
 * the QAT {@code ConvBnReLU3d} and {@code ConvReLU3d}).
 */
public class ConvReLU3d extends dev.ember.ao.nn.quantized.Conv3d {
    private ConvReLU3d(dev.ember.nn.Conv3d conv) {
        super(conv);
    }

    /**
     * {@code ConvReLU3d.from_float(mod)}: the fused module's convolution quantized, its output observer's parameters.
     *
     * @param mod the prepared, calibrated fused module
     * @param weightObserver a fresh weight observer ({@code qconfig.weight()})
     * @param activationObserver the fused module's output observer
     * @return the quantized module
     */
    public static ConvReLU3d fromFloat(dev.ember.ao.nn.intrinsic.ConvReLU3d mod, ObserverOrFakeQuantize weightObserver,
                                       ObserverOrFakeQuantize activationObserver) {
        ConvReLU3d q = new ConvReLU3d(mod.conv());
        q.init(mod.conv(), weightObserver, activationObserver);
        return q;
    }

    /**
     * {@code ConvReLU3d.from_float(mod)} of a QAT layer: a {@link dev.ember.ao.nn.intrinsic.qat.ConvBnReLU3d} (its
     * batch norm folded, as {@link dev.ember.ao.nn.quantized.Conv3d#fromConvBn}) or a
     * {@link dev.ember.ao.nn.intrinsic.qat.ConvReLU3d}, quantized with the layer's {@code weight_fake_quant}.
     *
     * @param mod the trained QAT layer
     * @param weightFakeQuant its {@code weight_fake_quant}
     * @param activationObserver its {@code activation_post_process}
     * @return the quantized module
     */
    public static ConvReLU3d fromQat(dev.ember.nn.Conv3d mod, ObserverOrFakeQuantize weightFakeQuant,
                                     ObserverOrFakeQuantize activationObserver) {
        ConvReLU3d q = new ConvReLU3d(mod);
        if (mod instanceof dev.ember.ao.nn.intrinsic.qat.ConvBnReLU3d c) {
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
