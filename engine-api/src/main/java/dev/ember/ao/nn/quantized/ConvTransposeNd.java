package dev.ember.ao.nn.quantized;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.QuantizedActivations;
import dev.ember.Tensor;
import dev.ember.ao.quantization.QuantizedTensor;

import java.util.Arrays;
import java.util.StringJoiner;

/**
 * {@code torch.ao.nn.quantized.modules.conv._ConvTransposeNd}: the quantized transposed convolutions
 * {@link ConvTranspose1d}, {@link ConvTranspose2d} and {@link ConvTranspose3d}, a qint8 weight
 * {@code [in, out / groups, *kernel]} per tensor and a float bias; stride, zero padding, {@code output_padding},
 * dilation and groups. Their forward: the exact integer sums of the transposed convolution and FBGEMM's
 * requantization, computed as a quantized convolution of the spread and padded input.
 */
public abstract class ConvTransposeNd extends ConvNd {
    /**
     * A layer of {@code mod}'s configuration, its weight and output parameters unset (set by {@link #init}).
     *
     * @param mod the float transposed convolution
     * @param dims its spatial dimensions (1, 2 or 3)
     * @throws IllegalArgumentException for a convolution of other dimensions
     */
    protected ConvTransposeNd(dev.ember.nn.ConvNd mod, int dims) {
        super(mod, dims);
    }

    /** True: the weight is {@code [in, out / groups, *kernel]}, per tensor. */
    @Override
    protected final boolean transposed() {
        return true;
    }

    /**
     * {@code torch.ops.quantized.conv_transpose1d/2d/3d(x, packed, scale, zero_point)}.
     *
     * @param x a quint8 quantized activation {@code [N, C, *spatial]}
     * @return the quantized activation {@code [N, C_out, *spatial_out]}
     * @throws IllegalArgumentException for another rank (PyTorch's message), channels that do not match, an empty
     *     output
     * @throws UnsupportedOperationException for a float input (PyTorch's message)
     */
    @Override
    public Tensor forward(Tensor x) {
        int dims = kernel.length;
        if (x != null && x.dim() != dims + 2) {
            throw new IllegalArgumentException("Input shape must be `" + (dims == 1 ? "(N, C, L)" : dims == 2
                ? "(N, C, H, W)" : "(N, C, T, H, W)") + "`!");
        }
        Activations.check(x, "quantized::conv_transpose" + dims + "d");
        return transposedForward(x);
    }

    /**
     * The transposed convolution of {@code x} (a quint8 quantized activation {@code [N, C, *spatial]}) as the
     * convolution of {@link #packed()} with stride 1, no padding and the dilation: the input's integers spread
     * {@code stride} apart with the zero point in between, the zero point as {@code dilation * (k - 1) - padding} of
     * padding on each side (a negative amount crops) and {@code output_padding} more after; 1-D as 2-D of height 1, 3-D
     * through {@link #depthStackedConv}. The integer sums are the transposed convolution's, exactly, and the
     * requantization FBGEMM's.
     *
     * @param x the input, of the layer's rank
     * @return the output's carrier
     * @throws IllegalArgumentException for another channel count, an empty output
     */
    private Tensor transposedForward(Tensor x) {
        boolean one = kernel.length == 1;
        Tensor xx = one ? x.unsqueeze(2) : x;
        int[] k = one ? new int[] {1, kernel[0]} : kernel;
        int[] s = one ? new int[] {1, stride[0]} : stride;
        int[] p = one ? new int[] {0, padding[0]} : padding;
        int[] d = one ? new int[] {1, dilation[0]} : dilation;
        int[] op = one ? new int[] {0, outputPadding[0]} : outputPadding;
        int[] xs = xx.shape();
        if (xs[1] != in) {
            throw new IllegalArgumentException("Given transposed=1, weight of size " + Arrays.toString(weight().shape())
                    + ", expected input" + Arrays.toString(xs) + " to have " + in + " channels, but got " + xs[1]
                    + " channels instead");
        }
        int nd = k.length;
        long[] o = new long[nd];
        StringJoiner inSizes = new StringJoiner(" x ", "(", ")");
        StringJoiner outSizes = new StringJoiner(" x ", "(", ")");
        boolean empty = false;
        for (int i = 0; i < nd; i++) {
            o[i] = (long) (xs[2 + i] - 1) * s[i] - 2L * p[i] + (long) d[i] * (k[i] - 1) + op[i] + 1;
            empty |= o[i] <= 0;
            inSizes.add(String.valueOf(xs[2 + i]));
            outSizes.add(String.valueOf(o[i]));
        }
        if (empty) {
            throw new IllegalArgumentException("Given input size per channel: " + inSizes
                    + ". Calculated output size per channel: " + outSizes + ". Output size is too small");
        }
        try (GradMode off = Ember.noGrad()) {
            QuantizedTensor qx = QuantizedActivations.quantized(xx);
            long zp = qx.qZeroPoint();
            int[] spreadShape = xs.clone();
            for (int i = 0; i < nd; i++) {
                spreadShape[2 + i] = (xs[2 + i] - 1) * s[i] + 1;
            }
            Tensor spread = Tensor.full(spreadShape, (double) zp).to(DType.FLOAT32);
            Tensor strided = spread;
            for (int i = 0; i < nd; i++) {
                strided = strided.slice(2 + i, 0, spreadShape[2 + i], s[i]);
            }
            strided.copy_(qx.intRepr().to(DType.FLOAT32));
            int[] pad = new int[2 * nd]; // F.pad's order: the last dimension first
            for (int i = 0; i < nd; i++) {
                int lead = d[i] * (k[i] - 1) - p[i];
                pad[2 * (nd - 1 - i)] = lead;
                pad[2 * (nd - 1 - i) + 1] = lead + op[i];
            }
            Tensor padded = dev.ember.nn.Functional.pad(spread, pad, "constant", zp);
            if (nd == 3) {
                return depthStackedConv(padded, (int) o[0], 1, d[0], qx.qScale(), zp);
            }
            Tensor y = QuantizedActivations.conv2d(QuantizedActivations.carrier(QuantizedTensor
                .makePerTensorQuantizedTensor(padded.to(DType.UINT8), qx.qScale(), zp)), packed(), scale(), zeroPoint(),
                fusedRelu());
            return one ? y.squeeze(2) : y;
        }
    }
}
