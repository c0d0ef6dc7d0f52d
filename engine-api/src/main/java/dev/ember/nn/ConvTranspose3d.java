package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;

/**
 * Transposed 3-D convolution layer over {@code [N, C, D, H, W]} (or unbatched {@code [C, D, H, W]}) input, as
 * {@code torch.nn.ConvTranspose3d}: weight {@code [in, out / groups, kd, kh, kw]} and bias {@code [out]}, initialized as
 * PyTorch does (its fan-in is {@code out / groups * kd * kh * kw}); state dict keys {@code weight}, {@code bias}. {@link #forward(Tensor, int[])} takes
 * the output size PyTorch's {@code output_size} argument asks for.
 */
public final class ConvTranspose3d extends Module {
    /** Weight [in, out/groups, kd, kh, kw]. */
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

    /** Cubic kernel, stride 1, no padding, with bias. */
    public ConvTranspose3d(int in, int out, int kernel) {
        this(in, out, new int[] {kernel}, new int[] {1}, new int[] {0}, new int[] {0}, 1, true, new int[] {1});
    }

    /**
     * Every option of {@code torch.nn.ConvTranspose3d}, in its order, except padding modes (zeros only); kernel, stride,
     * padding, output_padding and dilation are one int (for all three dimensions) or three.
     */
    public ConvTranspose3d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] outputPadding, int groups,
                           boolean bias, int[] dilation) {
        this.kernel = triple(Checks.notNull(kernel, "kernel_size"));
        this.stride = triple(Checks.notNull(stride, "stride"));
        this.padding = triple(Checks.notNull(padding, "padding"));
        this.outputPadding = triple(Checks.notNull(outputPadding, "output_padding"));
        this.dilation = triple(Checks.notNull(dilation, "dilation"));
        Checks.convModule(3, this.kernel, kernel, in, out, groups);
        this.in = in;
        this.out = out;
        this.groups = groups;
        this.weight = registerParameter("weight", Init.defaultWeight_(Tensor.empty(in, out / groups, this.kernel[0],
                this.kernel[1], this.kernel[2])));
        this.bias = bias ? registerParameter("bias", Init.defaultBias_(Tensor.empty(out), weight)) : null;
    }

    /** One int for all three dimensions, or the values as given. */
    private static int[] triple(int[] v) {
        return v.length == 1 ? new int[] {v[0], v[0], v[0]} : v.clone();
    }

    @Override
    public Tensor forward(Tensor x) {
        Checks.tensor(x, "conv_transpose3d", "input", 1);
        return Functional.convTranspose3d(x, parameter("weight"), parameter("bias"), stride, padding, outputPadding, groups, dilation);
    }

    /**
     * The forward with PyTorch's {@code output_size}: the output padding that gives that size ({@code [D, H, W]}, or the
     * full shape with the leading dimensions), which must lie between the smallest output and it plus {@code stride - 1}.
     */
    public Tensor forward(Tensor x, int[] outputSize) {
        Checks.tensor(x, "conv_transpose3d", "input", 1);
        Checks.notNull(outputSize, "output_size");
        return Functional.convTranspose3d(x, parameter("weight"), parameter("bias"), stride, padding, outputPadding(x, outputSize), groups, dilation);
    }

    /** PyTorch's {@code _ConvTransposeNd._output_padding}. */
    private int[] outputPadding(Tensor x, int[] outputSize) {
        return Checks.transposedOutputPadding(3, x, outputSize, kernel, stride, padding, dilation);
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
