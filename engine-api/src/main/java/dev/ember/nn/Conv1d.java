package dev.ember.nn;

/**
 * 1-D convolution layer over {@code [N, C, L]} (or {@code [C, L]}) input, as {@code torch.nn.Conv1d}: weight
 * {@code [out, in / groups, kernel]} and bias {@code [out]} initialized as PyTorch does (U(-b, b), {@code b = 1 /
 * sqrt(in / groups * kernel)}); state dict keys {@code weight}, {@code bias}.
 */
public non-sealed class Conv1d extends ConvNd {
    /** Kernel of that length, stride 1, no padding, with bias. */
    public Conv1d(int in, int out, int kernel) {
        this(in, out, new int[] {kernel}, new int[] {1}, new int[] {0}, new int[] {1}, 1, true);
    }

    /**
     * {@code nn.Conv1d(in, out, kernel, stride, padding, bias=bias)}: a kernel of that length, one stride, one zero
     * padding, no dilation, one group.
     */
    public Conv1d(int in, int out, int kernel, int stride, int padding, boolean bias) {
        this(in, out, new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {1}, 1, bias);
    }

    /**
     * {@code nn.Conv1d(in, out, kernel, stride)}, as PyTorch's examples write it ({@code nn.Conv2d(1, 32, 3, 1)}): one
     * kernel size and a stride for every dimension, no padding, with bias.
     */
    public Conv1d(int in, int out, int kernel, int stride) {
        this(in, out, kernel, stride, 0, true);
    }

    /** {@code nn.Conv1d(in, out, kernel, stride, padding)}: as {@link #Conv1d(int, int, int, int, int, boolean)}, with bias. */
    public Conv1d(int in, int out, int kernel, int stride, int padding) {
        this(in, out, kernel, stride, padding, true);
    }

    /**
     * {@code nn.Conv1d(in, out, kernel, stride, padding, dilation, groups, bias)} with one int each, PyTorch's positional
     * order: a dilated (temporal convolution, {@code nn.Conv1d(1, 4, 3, dilation=2)} is
     * {@code new Conv1d(1, 4, 3, 1, 0, 2, 1, true)}) or grouped (depthwise) layer. Checked as
     * {@link #Conv1d(int, int, int[], int[], int[], int[], int, boolean)}.
     */
    public Conv1d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias) {
        this(in, out, new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {dilation}, groups, bias);
    }

    /**
     * Every option of {@code torch.nn.Conv1d} with zero padding; kernel, stride, padding and dilation
     * are one int each. Checked as PyTorch's constructor checks (groups, divisibility); the
     * stride, padding and dilation are checked by the convolution, as in PyTorch.
     */
    public Conv1d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias) {
        super(1, in, out, kernel, stride, Checks.notNull(padding, "padding"), null, null, dilation, groups, bias, "zeros");
    }

    /**
     * Every option of {@code torch.nn.Conv1d} with a numeric padding and a {@code paddingMode}: {@code "zeros"},
     * {@code "reflect"}, {@code "replicate"} or {@code "circular"} (the input padded with {@code F.pad} in that mode,
     * then convolved without padding, as PyTorch).
     */
    public Conv1d(int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias,
                  String paddingMode) {
        super(1, in, out, kernel, stride, Checks.notNull(padding, "padding"), null, null, dilation, groups, bias, paddingMode);
    }

    /**
     * Every option of {@code torch.nn.Conv1d} with a string padding: {@code "valid"} (none) or {@code "same"} (stride 1
     * only; an odd total padding puts the extra element at the end, as PyTorch), and a {@code paddingMode}.
     */
    public Conv1d(int in, int out, int[] kernel, int[] stride, String padding, int[] dilation, int groups, boolean bias,
                  String paddingMode) {
        super(1, in, out, kernel, stride, null, Checks.notNull(padding, "padding"), null, dilation, groups, bias, paddingMode);
    }

    /**
     * A layer of {@code source}'s configuration that holds {@code source}'s weight and bias tensors themselves, as
     * {@link Conv2d#Conv2d(Conv2d)} does for PyTorch's quantization-aware {@code from_float}
     * ({@code qat_conv.weight = mod.weight}): an optimizer made over {@code source}'s parameters trains this layer.
     *
     * @param source the layer whose configuration and parameters this one takes
     * @throws IllegalArgumentException for a null source, or a source whose weight or bias is not a registered
     *     parameter
     */
    protected Conv1d(Conv1d source) {
        super(source);
    }

    /** A lazy layer's state, {@link LazyConv1d}'s: {@code in_channels} 0, the weight and bias uninitialized. */
    Conv1d(int out, int[] kernel, int[] stride, int[] padding, String paddingString, int[] dilation, int groups, boolean bias,
           String paddingMode, LazyModules.Marker lazy) {
        super(1, 0, out, kernel, stride, padding, paddingString, null, dilation, groups, bias, paddingMode, lazy);
    }
}
