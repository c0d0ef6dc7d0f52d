package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;

/**
 * 1-D convolution layer over {@code [N, C, L]} (or {@code [C, L]}) input, as {@code torch.nn.Conv1d}: weight
 * {@code [out, in / groups, kernel]} and bias {@code [out]} initialized as PyTorch does (U(-b, b), {@code b = 1 /
 * sqrt(in / groups * kernel)}); state dict keys {@code weight}, {@code bias}.
 */
public final class Conv1d extends Module {
    /** Weight [out, in/groups, k]. */
    public final Tensor weight;
    /** Bias [out], or null. */
    public final Tensor bias;
    private final int in;
    private final int out;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;

    /** Stride 1, no padding, with bias. */
    public Conv1d(int in, int out, int kernel) {
        this(in, out, new int[] {kernel}, new int[] {1}, new int[] {0}, new int[] {1}, 1, true);
    }

    /**
     * Every option of {@code torch.nn.Conv1d} except padding modes other than zeros; kernel, stride, padding and
     * dilation are one int each. Checked as PyTorch's constructor checks (groups, divisibility); the stride, padding and
     * dilation are checked by the convolution, as in PyTorch.
     */
    public Conv1d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias) {
        this.kernel = Checks.notNull(kernel, "kernel_size").clone();
        this.stride = Checks.notNull(stride, "stride").clone();
        this.padding = Checks.notNull(padding, "padding").clone();
        this.dilation = Checks.notNull(dilation, "dilation").clone();
        Checks.convModule(1, this.kernel, kernel, in, out, groups);
        this.in = in;
        this.out = out;
        this.groups = groups;
        this.weight = registerParameter("weight", Init.defaultWeight_(Tensor.empty(out, in / groups, this.kernel[0])));
        this.bias = bias ? registerParameter("bias", Init.defaultBias_(Tensor.empty(out), weight)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Checks.tensor(x, "conv1d", "input", 1);
        return Functional.conv1d(x, weight, bias, stride, padding, dilation, groups);
    }

    /** PyTorch's {@code _ConvNd.extra_repr}: padding, dilation, groups and bias only when not the default. */
    @Override
    public String extraRepr() {
        StringBuilder s = new StringBuilder(in + ", " + out + ", kernel_size=" + tuple(kernel) + ", stride=" + tuple(stride));
        if (Arrays.stream(padding).anyMatch(p -> p != 0)) {
            s.append(", padding=").append(tuple(padding));
        }
        if (Arrays.stream(dilation).anyMatch(d -> d != 1)) {
            s.append(", dilation=").append(tuple(dilation));
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
