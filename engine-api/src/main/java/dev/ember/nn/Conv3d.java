package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;

/**
 * 3-D convolution layer over {@code [N, C, D, H, W]} (or unbatched {@code [C, D, H, W]}) input, as
 * {@code torch.nn.Conv3d}, initialized as PyTorch does (weight {@code [out, in / groups, kd, kh, kw]}).
 */
public final class Conv3d extends Module {
    /** Weight [out, in/groups, kd, kh, kw]. */
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
    /** "same" or "valid" when the padding was given as a string, else null. */
    private final String paddingString;
    private final String paddingMode;
    /** PyTorch's {@code _reversed_padding_repeated_twice}: F.pad's argument for a padding mode other than zeros. */
    private final int[] reversedPadding;

    /** Cubic kernel, stride 1, no padding. */
    public Conv3d(int in, int out, int kernel) {
        this(in, out, new int[] {kernel, kernel, kernel}, new int[] {1, 1, 1}, new int[] {0, 0, 0}, new int[] {1, 1, 1}, 1, true);
    }

    /**
     * Every option of {@code torch.nn.Conv3d} with zero padding; kernel, stride, padding and dilation
     * are one int (for all three dimensions) or three. Checked as PyTorch's constructor checks (groups, divisibility); the
     * stride, padding and dilation are checked by the convolution, as in PyTorch.
     */
    public Conv3d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias) {
        this(in, out, kernel, stride, Checks.notNull(padding, "padding"), null, dilation, groups, bias, "zeros");
    }

    /**
     * Every option of {@code torch.nn.Conv3d} with a numeric padding and a {@code paddingMode}: {@code "zeros"},
     * {@code "reflect"}, {@code "replicate"} or {@code "circular"} (the input padded with {@code F.pad} in that mode,
     * then convolved without padding, as PyTorch).
     */
    public Conv3d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias,
                  String paddingMode) {
        this(in, out, kernel, stride, Checks.notNull(padding, "padding"), null, dilation, groups, bias, paddingMode);
    }

    /**
     * Every option of {@code torch.nn.Conv3d} with a string padding: {@code "valid"} (none) or {@code "same"} (stride 1
     * only; an odd total padding puts the extra element at the end, as PyTorch), and a {@code paddingMode}.
     */
    public Conv3d(int in, int out, int[] kernel, int[] stride, String padding, int[] dilation, int groups, boolean bias,
                  String paddingMode) {
        this(in, out, kernel, stride, null, Checks.notNull(padding, "padding"), dilation, groups, bias, paddingMode);
    }

    private Conv3d(int in, int out, int[] kernel, int[] stride, int[] padding, String paddingString, int[] dilation,
                   int groups, boolean bias, String paddingMode) {
        this.kernel = triple(Checks.notNull(kernel, "kernel_size"));
        this.stride = triple(Checks.notNull(stride, "stride"));
        this.padding = padding == null ? new int[3] : triple(padding);
        this.dilation = triple(Checks.notNull(dilation, "dilation"));
        Checks.convModule(3, this.kernel, kernel, in, out, groups);
        Checks.notNull(paddingMode, "padding_mode");
        if (paddingString != null) {
            if (!paddingString.equals("same") && !paddingString.equals("valid")) {
                throw new IllegalArgumentException("Invalid padding string '" + paddingString + "', should be one of "
                        + "{'same', 'valid'}");
            }
            if (paddingString.equals("same") && Arrays.stream(this.stride).anyMatch(v -> v != 1)) {
                throw new IllegalArgumentException("padding='same' is not supported for strided convolutions");
            }
        }
        if (!Arrays.asList("zeros", "reflect", "replicate", "circular").contains(paddingMode)) {
            throw new IllegalArgumentException("padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, "
                    + "but got padding_mode='" + paddingMode + "'");
        }
        this.paddingString = paddingString;
        this.paddingMode = paddingMode;
        this.reversedPadding = reversedPadding(this.kernel, this.dilation, this.padding, paddingString);
        this.in = in;
        this.out = out;
        this.groups = groups;
        this.weight = registerParameter("weight", Init.defaultWeight_(Tensor.empty(out, in / groups, this.kernel[0],
                this.kernel[1], this.kernel[2])));
        this.bias = bias ? registerParameter("bias", Init.defaultBias_(Tensor.empty(out), weight)) : null;
    }

    /** PyTorch's {@code _reversed_padding_repeated_twice}, last dimension first; "same" puts the odd element last. */
    private static int[] reversedPadding(int[] kernel, int[] dilation, int[] padding, String paddingString) {
        int n = kernel.length;
        int[] r = new int[2 * n];
        for (int i = 0; i < n; i++) {
            int d = n - 1 - i;
            if (paddingString == null) {
                r[2 * i] = padding[d];
                r[2 * i + 1] = padding[d];
            } else if (paddingString.equals("same")) {
                int total = (dilation.length == 1 ? dilation[0] : dilation[d]) * (kernel[d] - 1);
                r[2 * i] = total / 2;
                r[2 * i + 1] = total - total / 2;
            }
        }
        return r;
    }

    /** The padding mode: "zeros", "reflect", "replicate" or "circular". */
    public String paddingMode() {
        return paddingMode;
    }

    /** One int for all three dimensions, or the three as given. */
    private static int[] triple(int[] v) {
        return v.length == 1 ? new int[] {v[0], v[0], v[0]} : v.clone();
    }

    @Override
    public Tensor forward(Tensor x) {
        Checks.tensor(x, "conv3d", "input", 1);
        if (!paddingMode.equals("zeros")) {
            // PyTorch's _conv_forward: F.pad in the mode, then the convolution without padding
            return Functional.conv3d(Functional.pad(x, reversedPadding, paddingMode), parameter("weight"), parameter("bias"), stride, new int[] {0},
                    dilation, groups);
        }
        if (paddingString != null) {
            return Functional.conv3d(x, parameter("weight"), parameter("bias"), stride, paddingString, dilation, groups);
        }
        return Functional.conv3d(x, parameter("weight"), parameter("bias"), stride, padding, dilation, groups);
    }

    /** PyTorch's {@code _ConvNd.extra_repr}: padding, dilation, groups and bias only when not the default. */
    @Override
    public String extraRepr() {
        StringBuilder s = new StringBuilder(in + ", " + out + ", kernel_size=" + tuple(kernel) + ", stride=" + tuple(stride));
        if (paddingString != null) {
            s.append(", padding=").append(paddingString);
        } else if (Arrays.stream(padding).anyMatch(p -> p != 0)) {
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
        if (!paddingMode.equals("zeros")) {
            s.append(", padding_mode=").append(paddingMode);
        }
        return s.toString();
    }
}
