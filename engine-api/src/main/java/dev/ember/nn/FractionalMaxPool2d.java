package dev.ember.nn;

/**
 * {@code torch.nn.FractionalMaxPool2d}: max pooling of a 3-D or 4-D input over pseudo-random windows of the kernel's size
 * ({@link Functional#fractionalMaxPool2dWithIndices}), to an output size or a ratio of the input's. Each forward
 * draws new random samples from the default generator, as PyTorch's (whose module prints with no settings).
 */
public non-sealed class FractionalMaxPool2d extends FractionalMaxPoolNd {
    /**
     * PyTorch's {@code (kernel_size, output_size, output_ratio, return_indices)}: kernel and output size one int or
     * two, the ratio one value or two in (0, 1); exactly one of {@code outputSize} and {@code outputRatio} non-null
     * (PyTorch's ValueErrors otherwise). {@code returnIndices} is kept for {@link #forwardWithIndices}'s callers, as
     * PyTorch's flag.
     */
    public FractionalMaxPool2d(int[] kernel, int[] outputSize, double[] outputRatio, boolean returnIndices) {
        super(2, kernel, outputSize, outputRatio, returnIndices);
    }

    /** A square kernel and output size, without indices. */
    public FractionalMaxPool2d(int kernel, int outputSize) {
        this(new int[] {kernel}, new int[] {outputSize}, null, false);
    }

    /** A square kernel and one output ratio for every dimension, without indices. */
    public FractionalMaxPool2d(int kernel, double outputRatio) {
        this(new int[] {kernel}, null, new double[] {outputRatio}, false);
    }
}
