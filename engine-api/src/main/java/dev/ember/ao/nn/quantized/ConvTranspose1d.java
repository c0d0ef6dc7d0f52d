package dev.ember.ao.nn.quantized;

import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.quantized.ConvTranspose1d}: a statically quantized transposed 1-D convolution, quint8 input and
 * output (quantized activations, {@link dev.ember.QuantizedActivations}), a qint8 weight {@code [in, out / groups, k]}
 * per tensor and a float bias; stride, zero padding, {@code output_padding}, dilation and groups. The exact integer
 * sums and FBGEMM's requantization, as {@link ConvTranspose2d} of the input with height 1. Made by
 * {@link dev.ember.ao.quantization.Quantization#convert} from a prepared {@link dev.ember.nn.ConvTranspose1d}, or
 * {@link #fromFloat}.
 */
public class ConvTranspose1d extends ConvTransposeNd {
    /**
     * A layer of {@code mod}'s configuration, its weight and output parameters unset.
     *
     * @param mod the float transposed convolution
     */
    protected ConvTranspose1d(dev.ember.nn.ConvTranspose1d mod) {
        super(mod, 1);
    }

    /**
     * {@code nnq.ConvTranspose1d.from_float(mod)} for a prepared layer: the weight quantized with a fresh weight
     * observer of the layer's qconfig, the output's scale and zero point from its {@code activation_post_process}.
     *
     * @param mod the float layer (zero padding given as numbers)
     * @param weightObserver a fresh weight observer ({@code qconfig.weight()}), per tensor
     * @param activationObserver the layer's output observer, after calibration
     * @return the quantized layer
     * @throws IllegalArgumentException for a weight observer that is not qint8 or is per channel (PyTorch's messages)
     * @throws UnsupportedOperationException for a padding mode other than zeros
     */
    public static ConvTranspose1d fromFloat(dev.ember.nn.ConvTranspose1d mod, ObserverOrFakeQuantize weightObserver,
                                            ObserverOrFakeQuantize activationObserver) {
        ConvTranspose1d q = new ConvTranspose1d(mod);
        q.init(mod, weightObserver, activationObserver);
        return q;
    }
}
