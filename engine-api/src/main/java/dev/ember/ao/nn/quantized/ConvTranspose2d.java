package dev.ember.ao.nn.quantized;

import dev.ember.Tensor;
import dev.ember.ao.quantization.ObserverOrFakeQuantize;

/**
 * {@code torch.ao.nn.quantized.ConvTranspose2d}: a statically quantized transposed 2-D convolution, quint8 input and
 * output (quantized activations, {@link dev.ember.QuantizedActivations}), a qint8 weight
 * {@code [in, out / groups, kH, kW]} per tensor and a float bias; stride, zero padding, {@code output_padding},
 * dilation and groups. The exact integer sums of the transposed convolution and FBGEMM's requantization, computed as
 * a 2-D quantized convolution ({@link ConvNd#transposedConv2d}). Made by
 * {@link dev.ember.ao.quantization.Quantization#convert} from a prepared {@link dev.ember.nn.ConvTranspose2d}, or
 * {@link #fromFloat}.
 */
public class ConvTranspose2d extends ConvNd {
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

    @Override
    protected boolean transposed() {
        return true;
    }

    /**
     * {@code torch.ops.quantized.conv_transpose2d(x, packed, scale, zero_point)}.
     *
     * @param x a quint8 quantized activation {@code [N, C, H, W]}
     * @return the quantized activation {@code [N, C_out, H_out, W_out]}
     * @throws IllegalArgumentException for another rank (PyTorch's message), channels that do not match, an empty
     *     output
     * @throws UnsupportedOperationException for a float input (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor x) {
        if (x != null && x.dim() != 4) {
            throw new IllegalArgumentException("Input shape must be `(N, C, H, W)`!");
        }
        Activations.check(x, "quantized::conv_transpose2d");
        return transposedConv2d(x, stride, padding, dilation, outputPadding, kernel);
    }

    @Override
    protected int[] weightShape2d() {
        return new int[] {out, in / groups, kernel[0], kernel[1]};
    }

    /** The input and output channels swapped within each group, the kernel flipped. */
    @Override
    protected Tensor weightInts2d(Tensor ints) {
        return flipped(ints, in, out, groups, kernel[0], kernel[1]);
    }

    /** A transposed weight's integers {@code [in, out / g, kH, kW]} as a convolution's {@code [out, in / g, kH, kW]}. */
    static Tensor flipped(Tensor ints, int in, int out, int groups, int kh, int kw) {
        return ints.reshape(groups, in / groups, out / groups, kh, kw).permute(0, 2, 1, 3, 4).flip(3, 4).contiguous()
            .reshape(out, in / groups, kh, kw);
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
        return dilation.clone();
    }
}
