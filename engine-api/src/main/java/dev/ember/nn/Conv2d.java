package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;

/** 2-D convolution layer over NCHW input, as {@code torch.nn.Conv2d}, initialized as PyTorch does. */
public final class Conv2d extends Module {
    /** Weight [out, in/groups, kh, kw]. */
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

    /** Square kernel, stride 1, no padding. */
    public Conv2d(int in, int out, int kernel) {
        this(in, out, new int[] {kernel, kernel}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1, true);
    }

    /**
     * Every option of {@code torch.nn.Conv2d} except padding modes other than zeros; kernel, stride, padding and dilation
     * are one int (for both dimensions) or a pair. Checked as PyTorch's constructor checks (groups, divisibility); the
     * stride, padding and dilation are checked by the convolution, as in PyTorch.
     */
    public Conv2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias) {
        this.kernel = Checks.pair(Checks.notNull(kernel, "kernel_size"));
        this.stride = Checks.pair(Checks.notNull(stride, "stride"));
        this.padding = Checks.pair(Checks.notNull(padding, "padding"));
        this.dilation = Checks.pair(Checks.notNull(dilation, "dilation"));
        Checks.convModule(2, this.kernel, kernel, in, out, groups);
        this.in = in;
        this.out = out;
        this.groups = groups;
        this.weight = registerParameter("weight", Init.defaultWeight_(Tensor.empty(out, in / groups, this.kernel[0],
                this.kernel[1])));
        this.bias = bias ? registerParameter("bias", Init.defaultBias_(Tensor.empty(out), weight)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Checks.tensor(x, "conv2d", "input", 1);
        if (x.dim() != 3 && x.dim() != 4) {
            throw new IllegalArgumentException(this + ": expected 3D (unbatched) or 4D (batched) input, got shape "
                    + Arrays.toString(x.shape()));
        }
        if (x.size(-3) != in) {
            throw new IllegalArgumentException(this + ": expected input with " + in + " channels, got " + x.size(-3)
                    + " channels (input shape " + Arrays.toString(x.shape()) + ")");
        }
        return Tensor.conv2d(x, weight, bias, stride, padding, dilation, groups);
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
