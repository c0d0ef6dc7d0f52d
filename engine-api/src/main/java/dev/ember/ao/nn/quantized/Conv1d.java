package dev.ember.ao.nn.quantized;

import dev.ember.QuantizedActivations;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.quantized.Conv1d}: a statically quantized 1-D convolution, quint8 input and output (quantized
 * activations, {@link QuantizedActivations}), a qint8 weight {@code [out, in / groups, k]} per tensor or per output
 * channel and a float bias, zero padding. Computed as PyTorch's {@code quantized::conv1d} does, as a 2-D convolution of
 * the input with height 1 (FBGEMM's arithmetic: exact integer sums, then its requantization). Made by
 * {@link dev.ember.ao.quantization.Quantization#convert} from a prepared {@link dev.ember.nn.Conv1d}, or
 * {@link #fromFloat}.
 */
public class Conv1d extends ConvNd {
    /**
     * A layer of {@code mod}'s configuration, its weight and output parameters unset: for a subclass's
     * {@code fromFloat}, which calls {@link #init}.
     *
     * @param mod the float convolution
     */
    protected Conv1d(dev.ember.nn.Conv1d mod) {
        super(mod, 1);
    }

    /**
     * {@code nnq.Conv1d.from_float(mod)} for a prepared layer: the weight quantized with a fresh weight observer of the
     * layer's qconfig (run on the weight), the output's scale and zero point from the layer's
     * {@code activation_post_process}.
     *
     * @param mod the float layer (zero padding given as numbers)
     * @param weightObserver a fresh weight observer ({@code qconfig.weight()})
     * @param activationObserver the layer's output observer, after calibration
     * @return the quantized layer
     * @throws IllegalArgumentException for a weight observer that is not qint8 (PyTorch's message)
     * @throws UnsupportedOperationException for a padding mode other than zeros, or padding given as a string
     */
    public static Conv1d fromFloat(dev.ember.nn.Conv1d mod, ObserverOrFakeQuantize weightObserver,
                                   ObserverOrFakeQuantize activationObserver) {
        Conv1d q = new Conv1d(mod);
        q.init(mod, weightObserver, activationObserver);
        return q;
    }

    /**
     * {@code nnq.Conv1d.from_float} of a {@link dev.ember.ao.nn.intrinsic.qat.ConvBn1d}: the batch norm folded into the
     * weight and bias, quantized with the layer's {@code weight_fake_quant}.
     *
     * @param mod the trained QAT layer
     * @param activationObserver its {@code activation_post_process}
     * @return the quantized layer
     */
    public static Conv1d fromConvBn(dev.ember.ao.nn.intrinsic.qat.ConvBn1d mod, ObserverOrFakeQuantize activationObserver) {
        Conv1d q = new Conv1d(mod);
        q.initFolded(mod, activationObserver);
        return q;
    }

    /**
     * {@code torch.ops.quantized.conv1d(x, packed, scale, zero_point)} (or {@code conv1d_relu}).
     *
     * @param x a quint8 quantized activation {@code [N, C, L]}
     * @return the quantized activation {@code [N, C_out, L_out]}
     * @throws IllegalArgumentException for another rank (PyTorch's message), channels that do not match, an empty
     *     output
     * @throws UnsupportedOperationException for a float input (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor x) {
        if (x != null && x.dim() != 3) {
            throw new IllegalArgumentException("Input shape must be `(N, C, L)`!");
        }
        Activations.check(x, fusedRelu() ? "quantized::conv1d_relu" : "quantized::conv1d");
        return QuantizedActivations.conv2d(x.unsqueeze(2), packed(), scale(), zeroPoint(), fusedRelu()).squeeze(2);
    }
}
