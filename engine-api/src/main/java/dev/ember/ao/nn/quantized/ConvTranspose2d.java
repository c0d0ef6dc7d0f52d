package dev.ember.ao.nn.quantized;

import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.quantized.ConvTranspose2d}: a statically quantized transposed 2-D convolution, quint8 input and
 * output (quantized activations, {@link dev.ember.QuantizedActivations}), a qint8 weight
 * {@code [in, out / groups, kH, kW]} per tensor and a float bias; stride, zero padding, {@code output_padding},
 * dilation and groups. The exact integer sums of the transposed convolution and FBGEMM's requantization, computed as
 * a 2-D quantized convolution ({@link ConvTransposeNd}). Made by
 * {@link dev.ember.ao.quantization.Quantization#convert} from a prepared {@link dev.ember.nn.ConvTranspose2d}, or
 * {@link #fromFloat}.
 */
public class ConvTranspose2d extends ConvTransposeNd {
    /**
     * A layer of {@code mod}'s configuration, its weight and output parameters unset.
     *
     * @param mod the float transposed convolution
     */
    protected ConvTranspose2d(dev.ember.nn.ConvTranspose2d mod) {
        super(mod, 2);
    }

    /**
     * {@code nnq.ConvTranspose2d.from_float(mod)} for a prepared layer: the weight quantized with a fresh weight
     * observer of the layer's qconfig, the output's scale and zero point from its {@code activation_post_process}.
     *
     * @param mod the float layer (zero padding given as numbers)
     * @param weightObserver a fresh weight observer ({@code qconfig.weight()}), per tensor
     * @param activationObserver the layer's output observer, after calibration
     * @return the quantized layer
     * @throws IllegalArgumentException for a weight observer that is not qint8 or is per channel (PyTorch's messages)
     * @throws UnsupportedOperationException for a padding mode other than zeros
     */
    public static ConvTranspose2d fromFloat(dev.ember.nn.ConvTranspose2d mod, ObserverOrFakeQuantize weightObserver,
                                            ObserverOrFakeQuantize activationObserver) {
        ConvTranspose2d q = new ConvTranspose2d(mod);
        q.init(mod, weightObserver, activationObserver);
        return q;
    }
}
