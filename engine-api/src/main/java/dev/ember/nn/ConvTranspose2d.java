package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;

/**
 * Transposed 2-D convolution layer over NCHW (or CHW) input, as {@code torch.nn.ConvTranspose2d}: weight
 * {@code [in, out / groups, kh, kw]} and bias {@code [out]}, initialized as PyTorch does (its fan-in is
 * {@code out / groups * kh * kw}); state dict keys {@code weight}, {@code bias}. {@link #forward(Tensor, int[])} takes
 * the output size PyTorch's {@code output_size} argument asks for.
 */
public final class ConvTranspose2d extends Module {
    /**
     * Weight [in, out/groups, kh, kw]. Once parametrized ({@link dev.ember.nn.utils.Parametrize}) it still holds the
     * tensor registered before; the forward reads {@code parametrizedValue("weight")}.
     */
    public final Tensor weight;
    /** Bias [out], or null. */
    public final Tensor bias;
    private final int in;
    private final int out;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] outputPadding;
    private final int[] dilation;
    private final int groups;

    /** Square kernel, stride 1, no padding, with bias. */
    public ConvTranspose2d(int in, int out, int kernel) {
        this(in, out, new int[] {kernel}, new int[] {1}, new int[] {0}, new int[] {0}, 1, true, new int[] {1});
    }

    /**
     * Every option of {@code torch.nn.ConvTranspose2d}, in its order, except padding modes (zeros only); kernel, stride,
     * padding, output_padding and dilation are one int (for both dimensions) or a pair.
     */
    public ConvTranspose2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] outputPadding, int groups,
                           boolean bias, int[] dilation) {
        this.kernel = Checks.pair(Checks.notNull(kernel, "kernel_size"));
        this.stride = Checks.pair(Checks.notNull(stride, "stride"));
        this.padding = Checks.pair(Checks.notNull(padding, "padding"));
        this.outputPadding = Checks.pair(Checks.notNull(outputPadding, "output_padding"));
        this.dilation = Checks.pair(Checks.notNull(dilation, "dilation"));
        Checks.convModule(2, this.kernel, kernel, in, out, groups);
        this.in = in;
        this.out = out;
        this.groups = groups;
        this.weight = registerParameter("weight", Init.defaultWeight_(Tensor.empty(in, out / groups, this.kernel[0],
                this.kernel[1])));
        this.bias = bias ? registerParameter("bias", Init.defaultBias_(Tensor.empty(out), weight)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Checks.tensor(x, "conv_transpose2d", "input", 1);
        return Functional.convTranspose2d(x, parameter("weight"), parameter("bias"), stride, padding, outputPadding, groups, dilation);
    }

    /**
     * The forward with PyTorch's {@code output_size}: the output padding that gives that size ({@code [H, W]}, or the
     * full shape with the leading dimensions), which must lie between the smallest output and it plus {@code stride - 1}.
     */
    public Tensor forward(Tensor x, int[] outputSize) {
        Checks.tensor(x, "conv_transpose2d", "input", 1);
        Checks.notNull(outputSize, "output_size");
        return Functional.convTranspose2d(x, parameter("weight"), parameter("bias"), stride, padding, outputPadding(x, outputSize), groups, dilation);
    }

    /** PyTorch's {@code _ConvTransposeNd._output_padding}. */
    private int[] outputPadding(Tensor x, int[] outputSize) {
        return Checks.transposedOutputPadding(2, x, outputSize, kernel, stride, padding, dilation);
    }

    /** PyTorch's {@code _ConvNd.extra_repr}: padding, dilation, output padding, groups and bias only when not the default. */
    @Override
    public String extraRepr() {
        StringBuilder s = new StringBuilder(in + ", " + out + ", kernel_size=" + tuple(kernel) + ", stride=" + tuple(stride));
        if (Arrays.stream(padding).anyMatch(p -> p != 0)) {
            s.append(", padding=").append(tuple(padding));
        }
        if (Arrays.stream(dilation).anyMatch(d -> d != 1)) {
            s.append(", dilation=").append(tuple(dilation));
        }
        if (Arrays.stream(outputPadding).anyMatch(p -> p != 0)) {
            s.append(", output_padding=").append(tuple(outputPadding));
        }
        if (groups != 1) {
            s.append(", groups=").append(groups);
        }
        if (bias == null) {
            s.append(", bias=False");
        }
        return s.toString();
    }
}
