package dev.ember.nn;

/**
 * 2-D convolution layer over NCHW (or CHW) input, as {@code torch.nn.Conv2d}: weight {@code [out, in / groups, kh, kw]}
 * and bias {@code [out]} initialized as PyTorch does; state dict keys {@code weight}, {@code bias}.
 */
public non-sealed class Conv2d extends ConvNd {
    /** Square kernel, stride 1, no padding, with bias. */
    public Conv2d(int in, int out, int kernel) {
        this(in, out, new int[] {kernel, kernel}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1, true);
    }

    /**
     * {@code nn.Conv2d(in, out, kernel, stride, padding, bias=bias)}: a square kernel, one stride and one zero
     * padding for both dimensions, no dilation, one group.
     */
    public Conv2d(int in, int out, int kernel, int stride, int padding, boolean bias) {
        this(in, out, new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {1}, 1, bias);
    }

    /**
     * {@code nn.Conv2d(in, out, kernel, stride)}, as PyTorch's examples write it ({@code nn.Conv2d(1, 32, 3, 1)}): one
     * kernel size and a stride for every dimension, no padding, with bias.
     */
    public Conv2d(int in, int out, int kernel, int stride) {
        this(in, out, kernel, stride, 0, true);
    }

    /** {@code nn.Conv2d(in, out, kernel, stride, padding)}: as {@link #Conv2d(int, int, int, int, int, boolean)}, with bias. */
    public Conv2d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, kernel, stride, padding, true);
    }

    /**
     * Every option of {@code torch.nn.Conv2d} with zero padding; kernel, stride, padding and dilation
     * are one int (for both dimensions) or a pair. Checked as PyTorch's constructor checks (groups, divisibility); the
     * stride, padding and dilation are checked by the convolution, as in PyTorch.
     */
    public Conv2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias) {
        super(2, in, out, kernel, stride, Checks.notNull(padding, "padding"), null, null, dilation, groups, bias, "zeros");
    }

    /**
     * Every option of {@code torch.nn.Conv2d} with a numeric padding and a {@code paddingMode}: {@code "zeros"},
     * {@code "reflect"}, {@code "replicate"} or {@code "circular"} (the input padded with {@code F.pad} in that mode,
     * then convolved without padding, as PyTorch).
     */
    public Conv2d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias,
                  String paddingMode) {
        super(2, in, out, kernel, stride, Checks.notNull(padding, "padding"), null, null, dilation, groups, bias, paddingMode);
    }

    /**
     * Every option of {@code torch.nn.Conv2d} with a string padding: {@code "valid"} (none) or {@code "same"} (stride 1
     * only; an odd total padding puts the extra element at the end, as PyTorch), and a {@code paddingMode}.
     */
    public Conv2d(int in, int out, int[] kernel, int[] stride, String padding, int[] dilation, int groups, boolean bias,
                  String paddingMode) {
        super(2, in, out, kernel, stride, null, Checks.notNull(padding, "padding"), null, dilation, groups, bias, paddingMode);
    }

    /**
     * A layer of {@code source}'s configuration that holds {@code source}'s weight and bias tensors themselves, not
     * copies, as PyTorch's quantization-aware {@code from_float} does ({@code qat_conv.weight = mod.weight}): the
     * parameters stay shared, so an optimizer made over {@code source}'s parameters trains this layer. The default
     * initialization is drawn first and dropped, so the generator advances as PyTorch's constructor call advances it.
     *
     * @param source the layer whose configuration and parameters this one takes
     * @throws IllegalArgumentException for a null source, or a source whose weight or bias is not a registered
     *     parameter (parametrized or pruned: PyTorch's assignment refuses it)
     */
    protected Conv2d(Conv2d source) {
        super(source);
    }

    /** A lazy layer's state, {@link LazyConv2d}'s: {@code in_channels} 0, the weight and bias uninitialized. */
    Conv2d(int out, int[] kernel, int[] stride, int[] padding, String paddingString, int[] dilation, int groups, boolean bias,
           String paddingMode, LazyModules.Marker lazy) {
        super(2, 0, out, kernel, stride, padding, paddingString, null, dilation, groups, bias, paddingMode, lazy);
    }
}
