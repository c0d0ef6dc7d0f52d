package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.QuantizedActivations;
import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;
import dev.ember.ao.quantization.QuantizedTensor;

import java.util.Arrays;

/**
 * {@code torch.ao.nn.quantized.Conv3d}: a statically quantized 3-D convolution, quint8 input and output (quantized
 * activations, {@link QuantizedActivations}), a qint8 weight {@code [out, in / groups, kD, kH, kW]} per tensor or per
 * output channel and a float bias, zero padding. FBGEMM's arithmetic (the exact integer sum over the whole window, then
 * its requantization, as its 2-D convolution): the input's {@code kD} depth slices for each output depth (the zero point
 * as depth padding) stacked as channels, so that one 2-D quantized convolution of the weight
 * {@code [out, in / groups * kD, kH, kW]} sums the same products. Made by
 * {@link dev.ember.ao.quantization.Quantization#convert} from a prepared {@link dev.ember.nn.Conv3d}, or
 * {@link #fromFloat}.
 */
public class Conv3d extends ConvNd {
    /**
     * A layer of {@code mod}'s configuration, its weight and output parameters unset: for a subclass's
     * {@code fromFloat}, which calls {@link #init}.
     *
     * @param mod the float convolution
     */
    protected Conv3d(dev.ember.nn.Conv3d mod) {
        super(mod, 3);
    }

    /**
     * {@code nnq.Conv3d.from_float(mod)} for a prepared layer: the weight quantized with a fresh weight observer of the
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
    public static Conv3d fromFloat(dev.ember.nn.Conv3d mod, ObserverOrFakeQuantize weightObserver,
                                   ObserverOrFakeQuantize activationObserver) {
        Conv3d q = new Conv3d(mod);
        q.init(mod, weightObserver, activationObserver);
        return q;
    }

    /**
     * {@code nnq.Conv3d.from_float} of a {@link dev.ember.ao.nn.intrinsic.qat.ConvBn3d}: the batch norm folded into the
     * weight and bias, quantized with the layer's {@code weight_fake_quant}.
     *
     * @param mod the trained QAT layer
     * @param activationObserver its {@code activation_post_process}
     * @return the quantized layer
     */
    public static Conv3d fromConvBn(dev.ember.ao.nn.intrinsic.qat.ConvBn3d mod, ObserverOrFakeQuantize activationObserver) {
        Conv3d q = new Conv3d(mod);
        q.initFolded(mod, activationObserver);
        return q;
    }

    /**
     * {@code torch.ops.quantized.conv3d(x, packed, scale, zero_point)} (or {@code conv3d_relu}).
     *
     * @param x a quint8 quantized activation {@code [N, C, D, H, W]}
     * @return the quantized activation {@code [N, C_out, D_out, H_out, W_out]}
     * @throws IllegalArgumentException for another rank (PyTorch's message), channels that do not match, an empty
     *     output
     * @throws UnsupportedOperationException for a float input (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor x) {
        if (x != null && x.dim() != 5) {
            throw new IllegalArgumentException("Input shape must be `(N, C, D, H, W)`!");
        }
        Activations.check(x, fusedRelu() ? "quantized::conv3d_relu.new" : "quantized::conv3d.new");
        int[] xs = x.shape();
        if (xs[1] != in) {
            throw new IllegalArgumentException("Given groups=" + groups + ", weight of size "
                    + Arrays.toString(weight().shape()) + ", expected input" + Arrays.toString(xs) + " to have " + in
                    + " channels, but got " + xs[1] + " channels instead");
        }
        long dOut = ((long) xs[2] + 2L * padding[0] - (long) dilation[0] * (kernel[0] - 1) - 1) / stride[0] + 1;
        if (dOut <= 0) {
            throw new IllegalArgumentException("Given input size per channel: (" + xs[2] + " x " + xs[3] + " x " + xs[4]
                    + "). Calculated output depth: " + dOut + ". Output size is too small");
        }
        try (GradMode off = Ember.noGrad()) {
            QuantizedTensor qx = QuantizedActivations.quantized(x);
            // the integers, the zero point as the depth padding (the 2-D kernel pads height and width itself)
            Tensor ints = dev.ember.nn.Functional.pad(qx.intRepr().to(DType.FLOAT32),
                new int[] {0, 0, 0, 0, padding[0], padding[0]}, "constant", qx.qZeroPoint());
            return depthStackedConv(ints, (int) dOut, stride[0], dilation[0], qx.qScale(), qx.qZeroPoint());
        }
    }
}
