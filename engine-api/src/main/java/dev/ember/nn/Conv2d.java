package dev.ember.nn;

import dev.ember.Tensor;

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

    /** Every option of {@code torch.nn.Conv2d} except padding modes other than zeros. */
    public Conv2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias) {
        if (in % groups != 0) {
            throw new IllegalArgumentException("in_channels must be divisible by groups");
        }
        if (out % groups != 0) {
            throw new IllegalArgumentException("out_channels must be divisible by groups");
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.groups = groups;
        this.weight = registerParameter("weight", Init.defaultWeight_(Tensor.empty(out, in / groups, kernel[0], kernel[1])));
        this.bias = bias ? registerParameter("bias", Init.defaultBias_(Tensor.empty(out), weight)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 3 && x.dim() != 4) {
            throw new IllegalArgumentException(this + ": expected 3D (unbatched) or 4D (batched) input, got shape "
                    + java.util.Arrays.toString(x.shape()));
        }
        if (x.size(-3) != in) {
            throw new IllegalArgumentException(this + ": expected input with " + in + " channels, got " + x.size(-3)
                    + " channels (input shape " + java.util.Arrays.toString(x.shape()) + ")");
        }
        return Tensor.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }

    @Override
    public String toString() {
        return "Conv2d(" + in + ", " + out + ", kernel_size=(" + kernel[0] + ", " + kernel[1] + "), stride=(" + stride[0]
                + ", " + stride[1] + "))";
    }
}
