package dev.ember.nn;

/**
 * {@code torch.nn.FractionalMaxPool3d}: max pooling of a 4-D or 5-D input over pseudo-random windows of the kernel's size
 * ({@link Functional#fractionalMaxPool3dWithIndices}), to an output size or a ratio of the input's. Each forward
 * draws new random samples from the default generator, as PyTorch's (whose module prints with no settings).
 */
public non-sealed class FractionalMaxPool3d extends FractionalMaxPoolNd {
    /**
     * PyTorch's {@code (kernel_size, output_size, output_ratio, return_indices)}: kernel and output size one int or
     * three, the ratio one value or three in (0, 1); exactly one of {@code outputSize} and {@code outputRatio} non-null
     * (PyTorch's ValueErrors otherwise). {@code returnIndices} is kept for {@link #forwardWithIndices}'s callers, as
     * PyTorch's flag.
     */
    public FractionalMaxPool3d(int[] kernel, int[] outputSize, double[] outputRatio, boolean returnIndices) {
        super(3, kernel, outputSize, outputRatio, returnIndices);
    }

    /** A cubic kernel and output size, without indices. */
    public FractionalMaxPool3d(int kernel, int outputSize) {
        this(new int[] {kernel}, new int[] {outputSize}, null, false);
    }

    /** A cubic kernel and one output ratio for every dimension, without indices. */
    public FractionalMaxPool3d(int kernel, double outputRatio) {
        this(new int[] {kernel}, null, new double[] {outputRatio}, false);
    }
}
