package dev.ember.nn;

import dev.ember.Tensor;

/**
 * Transposed 1-D convolution layer over {@code [N, C, L]} (or {@code [C, L]}) input, as {@code torch.nn.ConvTranspose1d}:
 * weight {@code [in, out / groups, kernel]} and bias {@code [out]}, initialized as PyTorch does (U(-b, b), {@code b = 1 /
 * sqrt(out / groups * kernel)}); state dict keys {@code weight}, {@code bias}. {@link #forward(Tensor, int[])} takes
 * the output size PyTorch's {@code output_size} argument asks for.
 */
public final class ConvTranspose1d extends Module {
    /** Weight [in, out/groups, k]. */
    public final Tensor weight;
    /** Bias [out], or null. */
    public final Tensor bias;
    private final int in;
    private final int out;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int outputPadding;
    private final int dilation;
    private final int groups;

    /** Stride 1, no padding, one group, with bias (PyTorch's defaults). */
    public ConvTranspose1d(int in, int out, int kernel) {
        this(in, out, kernel, 1, 0, 0, 1, true, 1);
    }

    /**
     * Every option of {@code torch.nn.ConvTranspose1d}, in its order, except padding modes (zeros only). Checked as
     * PyTorch's constructor checks (groups, divisibility); the rest by the convolution, as in PyTorch.
     */
    public ConvTranspose1d(int in, int out, int kernel, int stride, int padding, int outputPadding, int groups, boolean bias,
                           int dilation) {
        Checks.convModule(1, new int[] {kernel}, new int[] {kernel}, in, out, groups);
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.outputPadding = outputPadding;
        this.dilation = dilation;
        this.groups = groups;
        this.weight = registerParameter("weight", Init.defaultWeight_(Tensor.empty(in, out / groups, kernel)));
        this.bias = bias ? registerParameter("bias", Init.defaultBias_(Tensor.empty(out), weight)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Checks.tensor(x, "conv_transpose1d", "input", 1);
        return Functional.convTranspose1d(x, parameter("weight"), parameter("bias"), stride, padding, outputPadding, groups, dilation);
    }

    /**
     * The forward with PyTorch's {@code output_size}: the output padding that gives that length ({@code [L]}, or the
     * full shape with the leading dimensions), which must lie between the smallest output and it plus {@code stride - 1}.
     */
    public Tensor forward(Tensor x, int[] outputSize) {
        Checks.tensor(x, "conv_transpose1d", "input", 1);
        Checks.notNull(outputSize, "output_size");
        return Functional.convTranspose1d(x, parameter("weight"), parameter("bias"), stride, padding, outputPadding(x, outputSize), groups, dilation);
    }

    /** PyTorch's {@code _ConvTransposeNd._output_padding} for one spatial dimension. */
    private int outputPadding(Tensor x, int[] outputSize) {
        return Checks.transposedOutputPadding(1, x, outputSize, new int[] {kernel}, new int[] {stride}, new int[] {padding},
                new int[] {dilation})[0];
    }

    /** PyTorch's {@code _ConvNd.extra_repr}: padding, dilation, output padding, groups and bias only when not the default. */
    @Override
    public String extraRepr() {
        StringBuilder s = new StringBuilder(in + ", " + out + ", kernel_size=(" + kernel + ",), stride=(" + stride + ",)");
        if (padding != 0) {
            s.append(", padding=(").append(padding).append(",)");
        }
        if (dilation != 1) {
            s.append(", dilation=(").append(dilation).append(",)");
        }
        if (outputPadding != 0) {
            s.append(", output_padding=(").append(outputPadding).append(",)");
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
