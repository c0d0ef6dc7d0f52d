package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.FractionalMaxPool3d}: max pooling of a 4-D or 5-D input over pseudo-random windows of the kernel's size
 * ({@link Functional#fractionalMaxPool3dWithIndices}), to an output size or a ratio of the input's. Each forward
 * draws new random samples from the default generator, as PyTorch's (whose module prints with no settings).
 */
public final class FractionalMaxPool3d extends Module {
    private final int[] kernel;
    private final int[] outputSize;
    private final double[] outputRatio;
    private final boolean returnIndices;

    /**
     * PyTorch's {@code (kernel_size, output_size, output_ratio, return_indices)}: kernel and output size one int or
     * three, the ratio one value or three in (0, 1); exactly one of {@code outputSize} and {@code outputRatio} non-null
     * (PyTorch's ValueErrors otherwise). {@code returnIndices} is kept for {@link #forwardWithIndices}'s callers, as
     * PyTorch's flag.
     */
    public FractionalMaxPool3d(int[] kernel, int[] outputSize, double[] outputRatio, boolean returnIndices) {
        this.kernel = Checks.notNull(kernel, "kernel_size").clone();
        if (outputSize == null && outputRatio == null) {
            throw new IllegalArgumentException("FractionalMaxPool3d requires specifying either an output size, or a "
                    + "pooling ratio");
        }
        if (outputSize != null && outputRatio != null) {
            throw new IllegalArgumentException("only one of output_size and output_ratio may be specified");
        }
        if (outputRatio != null) {
            for (double r : outputRatio) {
                if (!(0 < r && r < 1)) {
                    throw new IllegalArgumentException("output_ratio must be between 0 and 1 (got " + ratioRepr(outputRatio)
                            + ")");
                }
            }
        }
        this.outputSize = outputSize == null ? null : outputSize.clone();
        this.outputRatio = outputRatio == null ? null : outputRatio.clone();
        this.returnIndices = returnIndices;
    }

    /** A square (cubic) kernel and output size, without indices. */
    public FractionalMaxPool3d(int kernel, int outputSize) {
        this(new int[] {kernel}, new int[] {outputSize}, null, false);
    }

    /** A square (cubic) kernel and one output ratio for every dimension, without indices. */
    public FractionalMaxPool3d(int kernel, double outputRatio) {
        this(new int[] {kernel}, null, new double[] {outputRatio}, false);
    }

    private static String ratioRepr(double[] r) {
        if (r.length == 1) {
            return dev.ember.Format.repr(r[0]);
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < r.length; i++) {
            sb.append(i > 0 ? ", " : "").append(dev.ember.Format.repr(r[i]));
        }
        return sb.append(')').toString();
    }

    /** Whether PyTorch's module would return the indices too ({@link #forwardWithIndices} gives them). */
    public boolean returnIndices() {
        return returnIndices;
    }

    /** The pooled values, with fresh random windows. */
    @Override
    public Tensor forward(Tensor input) {
        return forwardWithIndices(input).values();
    }

    /** The pooled values and their flat indices, with fresh random windows. */
    public Tensor.ValuesIndices forwardWithIndices(Tensor input) {
        return Functional.fractionalMaxPool3dWithIndices(input, kernel, outputSize, outputRatio, null);
    }
}
