package dev.ember.nn;

/**
 * {@code torch.nn.LazyConv3d}: a {@link Conv3d} whose {@code in_channels} is its first input's dimension 1 (dimension 0
 * for an unbatched input). Until then its weight and bias are uninitialized parameters and it prints as
 * {@code LazyConv3d(0, out, kernel_size=...)}; the first forward materializes and initializes them as {@code new Conv3d(in,
 * ...)} would from the same generator state, and the module is a Conv3d from then on. {@link LazyModule} explains the
 * design and where it differs from PyTorch.
 */
public final class LazyConv3d extends Conv3d implements LazyModule {
    /** {@code nn.LazyConv3d(out_channels, kernel_size)}: stride 1, no padding, no dilation, one group, with bias. */
    public LazyConv3d(int outChannels, int kernelSize) {
        this(outChannels, new int[] {kernelSize}, new int[] {1}, new int[] {0}, new int[] {1}, 1, true, "zeros");
    }

    /**
     * Every option of {@code torch.nn.LazyConv3d} with a numeric padding; kernel, stride, padding and dilation are one int
     * (for every spatial dimension) or one each. Checked as {@link Conv3d}'s constructor checks them.
     */
    public LazyConv3d(int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation, int groups, boolean bias,
                  String paddingMode) {
        super(outChannels, kernelSize, stride, Checks.notNull(padding, "padding"), null, dilation, groups, bias, paddingMode,
                LazyModules.Marker.LAZY);
        LazyModules.warn();
    }

    /** Every option of {@code torch.nn.LazyConv3d} with a string padding, {@code "valid"} or {@code "same"}. */
    public LazyConv3d(int outChannels, int[] kernelSize, int[] stride, String padding, int[] dilation, int groups, boolean bias,
                  String paddingMode) {
        super(outChannels, kernelSize, stride, null, Checks.notNull(padding, "padding"), dilation, groups, bias, paddingMode,
                LazyModules.Marker.LAZY);
        LazyModules.warn();
    }
}
