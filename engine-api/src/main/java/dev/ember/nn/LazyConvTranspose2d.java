package dev.ember.nn;

/**
 * {@code torch.nn.LazyConvTranspose2d}: a {@link ConvTranspose2d} whose {@code in_channels} is its first input's dimension 1 (dimension 0
 * for an unbatched input). Until then its weight and bias are uninitialized parameters and it prints as
 * {@code LazyConvTranspose2d(0, out, kernel_size=...)}; the first forward (either {@code forward}) materializes and initializes
 * them as {@code new ConvTranspose2d(in, ...)} would from the same generator state, and the module is a ConvTranspose2d from then on.
 * {@link LazyModule} explains the design and where it differs from PyTorch.
 */
public final class LazyConvTranspose2d extends ConvTranspose2d implements LazyModule {
    /** {@code nn.LazyConvTranspose2d(out_channels, kernel_size)}: stride 1, no padding, one group, with bias, no dilation. */
    public LazyConvTranspose2d(int outChannels, int kernelSize) {
        this(outChannels, new int[] {kernelSize}, new int[] {1}, new int[] {0}, new int[] {0}, 1, true, new int[] {1});
    }

    /**
     * Every option of {@code torch.nn.LazyConvTranspose2d}, in its order, except padding modes (zeros only); kernel, stride,
     * padding, output padding and dilation are one int (for every spatial dimension) or one each.
     */
    public LazyConvTranspose2d(int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] outputPadding, int groups,
                  boolean bias, int[] dilation) {
        super(outChannels, kernelSize, stride, padding, outputPadding, groups, bias, dilation, LazyModules.Marker.LAZY);
        LazyModules.warn();
    }
}
