package dev.ember.nn;

import dev.ember.Tensor;

/**
 * What {@link FractionalMaxPool2d} and {@link FractionalMaxPool3d} share: PyTorch's constructor checks of
 * {@code (kernel_size, output_size, output_ratio, return_indices)} and the forward, which draws new random samples from
 * the default generator each call, as PyTorch's (whose modules print with no settings).
 */
public abstract sealed class FractionalMaxPoolNd extends Module permits FractionalMaxPool2d, FractionalMaxPool3d {
    private final int rank;
    private final int[] kernel;
    private final int[] outputSize;
    private final double[] outputRatio;
    private final boolean returnIndices;

    /**
     * Kernel and output size one int or {@code rank}, the ratio one value or {@code rank} in (0, 1); exactly one of
     * {@code outputSize} and {@code outputRatio} non-null (PyTorch's ValueErrors otherwise).
     */
    FractionalMaxPoolNd(int rank, int[] kernel, int[] outputSize, double[] outputRatio, boolean returnIndices) {
        this.rank = rank;
        this.kernel = Checks.notNull(kernel, "kernel_size").clone();
        if (outputSize == null && outputRatio == null) {
            throw new IllegalArgumentException("FractionalMaxPool" + rank + "d requires specifying either an output size, or "
                    + "a pooling ratio");
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
        return rank == 2 ? Functional.fractionalMaxPool2dWithIndices(input, kernel, outputSize, outputRatio, null)
                : Functional.fractionalMaxPool3dWithIndices(input, kernel, outputSize, outputRatio, null);
    }
}
