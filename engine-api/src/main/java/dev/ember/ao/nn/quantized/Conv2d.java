package dev.ember.ao.nn.quantized;

import dev.ember.QuantizedActivations;
import dev.ember.QuantizedOps;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.quantized.Conv2d}: a statically quantized 2-D convolution, quint8 input and output (quantized
 * activations, {@link QuantizedActivations}), a qint8 weight {@code [out, in / groups, kH, kW]} per tensor or per
 * output channel and a float bias, zero padding; FBGEMM's arithmetic ({@link QuantizedOps#conv2d}). Made by
 * {@link dev.ember.ao.quantization.Quantization#convert} from a prepared {@link dev.ember.nn.Conv2d}, or
 * {@link #fromFloat}.
 */
public class Conv2d extends ConvNd {
    /**
     * A layer of {@code mod}'s configuration, its weight and output parameters unset: for a subclass's
     * {@code fromFloat}, which calls {@link #init}.
     *
     * @param mod the float convolution
     */
    protected Conv2d(dev.ember.nn.Conv2d mod) {
        super(mod, 2);
    }

    /**
     * {@code nnq.Conv2d.from_float(mod)} for a prepared layer: the weight quantized with a fresh weight observer of the
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
    public static Conv2d fromFloat(dev.ember.nn.Conv2d mod, ObserverOrFakeQuantize weightObserver,
                                   ObserverOrFakeQuantize activationObserver) {
        Conv2d q = new Conv2d(mod);
        q.init(mod, weightObserver, activationObserver);
        return q;
    }

    /**
     * {@code nnq.Conv2d.from_float} of a {@link dev.ember.ao.nn.intrinsic.qat.ConvBn2d}: the batch norm folded into the
     * weight and bias, quantized with the layer's {@code weight_fake_quant}.
     *
     * @param mod the trained QAT layer
     * @param activationObserver its {@code activation_post_process}
     * @return the quantized layer
     */
    public static Conv2d fromConvBn(dev.ember.ao.nn.intrinsic.qat.ConvBn2d mod, ObserverOrFakeQuantize activationObserver) {
        Conv2d q = new Conv2d(mod);
        q.initFolded(mod, activationObserver);
        return q;
    }

    /**
     * {@code torch.ops.quantized.conv2d(x, packed, scale, zero_point)} (or {@code conv2d_relu}).
     *
     * @param x a quint8 quantized activation {@code [N, C, H, W]}
     * @return the quantized activation
     * @throws IllegalArgumentException for another rank (PyTorch's message)
     * @throws UnsupportedOperationException for a float input (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor x) {
        if (x != null && x.dim() != 4) {
            throw new IllegalArgumentException("Input shape must be `(N, C, H, W)`!");
        }
        Activations.check(x, fusedRelu() ? "quantized::conv2d_relu.new" : "quantized::conv2d.new");
        return QuantizedActivations.conv2d(x, packed(), scale(), zeroPoint(), fusedRelu());
    }
}
