package dev.ember.ao.nn.quantized;

import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.quantized.ConvTranspose1d}: a statically quantized transposed 1-D convolution, quint8 input and
 * output (quantized activations, {@link dev.ember.QuantizedActivations}), a qint8 weight {@code [in, out / groups, k]}
 * per tensor and a float bias; stride, zero padding, {@code output_padding}, dilation and groups. The exact integer
 * sums and FBGEMM's requantization, as {@link ConvTranspose2d} of the input with height 1. Made by
 * {@link dev.ember.ao.quantization.Quantization#convert} from a prepared {@link dev.ember.nn.ConvTranspose1d}, or
 * {@link #fromFloat}.
 */
public class ConvTranspose1d extends ConvNd {
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

    @Override
    protected boolean transposed() {
        return true;
    }

    /**
     * {@code torch.ops.quantized.conv_transpose1d(x, packed, scale, zero_point)}.
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
        Activations.check(x, "quantized::conv_transpose1d");
        return transposedConv2d(x.unsqueeze(2), new int[] {1, stride[0]}, new int[] {0, padding[0]},
            new int[] {1, dilation[0]}, new int[] {0, outputPadding[0]}, new int[] {1, kernel[0]}).squeeze(2);
    }

    @Override
    protected int[] weightShape2d() {
        return new int[] {out, in / groups, 1, kernel[0]};
    }

    /** The input and output channels swapped within each group, the kernel flipped. */
    @Override
    protected Tensor weightInts2d(Tensor ints) {
        return ConvTranspose2d.flipped(ints.reshape(in, out / groups, 1, kernel[0]), in, out, groups, 1, kernel[0]);
    }

    @Override
    protected int[] stride2d() {
        return new int[] {1, 1};
    }

    @Override
    protected int[] padding2d() {
        return new int[] {0, 0};
    }

    @Override
    protected int[] dilation2d() {
        return new int[] {1, dilation[0]};
    }
}
