package dev.ember.ao.nn.intrinsic.quantized;

import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.intrinsic.quantized.ConvReLU1d}: a statically quantized 1-D convolution with its ReLU fused
 * ({@code quantized::conv1d_relu}: the output clamped below at its zero point), what
 * {@link dev.ember.ao.quantization.Quantization#convert} makes of a {@link dev.ember.ao.nn.intrinsic.ConvReLU1d} (or of
 * the QAT {@code ConvBnReLU1d}).
 */
public class ConvReLU1d extends dev.ember.ao.nn.quantized.Conv1d {
    private ConvReLU1d(dev.ember.nn.Conv1d conv) {
        super(conv);
    }

    /**
     * {@code ConvReLU1d.from_float(mod)}: the fused module's convolution quantized, its output observer's parameters.
     *
     * @param mod the prepared, calibrated fused module
     * @param weightObserver a fresh weight observer ({@code qconfig.weight()})
     * @param activationObserver the fused module's output observer
     * @return the quantized module
     */
    public static ConvReLU1d fromFloat(dev.ember.ao.nn.intrinsic.ConvReLU1d mod, ObserverOrFakeQuantize weightObserver,
                                       ObserverOrFakeQuantize activationObserver) {
        ConvReLU1d q = new ConvReLU1d(mod.conv());
        q.init(mod.conv(), weightObserver, activationObserver);
        return q;
    }

    /**
     * {@code ConvReLU1d.from_float(mod)} of a trained {@link dev.ember.ao.nn.intrinsic.qat.ConvBnReLU1d}: its batch norm
     * folded into the weight and bias, quantized with the layer's {@code weight_fake_quant}.
     *
     * @param mod the trained QAT layer
     * @param activationObserver its {@code activation_post_process}
     * @return the quantized module
     */
    public static ConvReLU1d fromQat(dev.ember.ao.nn.intrinsic.qat.ConvBnReLU1d mod,
                                     ObserverOrFakeQuantize activationObserver) {
        ConvReLU1d q = new ConvReLU1d(mod);
        q.initFolded(mod, activationObserver);
        return q;
    }

    @Override
    protected boolean fusedRelu() {
        return true;
    }
}
