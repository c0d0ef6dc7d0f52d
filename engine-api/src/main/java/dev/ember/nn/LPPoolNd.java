package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

/**
 * PyTorch's {@code _LPPoolNd}, what {@link LPPool1d}, {@link LPPool2d} and {@link LPPool3d} share: the norm type (kept
 * an int or a float as it was given, as Python keeps {@code 2} and {@code 2.0} apart: an int norm on an int64 input
 * pools in int64), the window, the stride (null for the window, PyTorch's {@code None}), {@code ceil_mode}, the
 * forward and {@code extra_repr}.
 */
public abstract sealed class LPPoolNd extends Module permits LPPool1d, LPPool2d, LPPool3d {
    private final int rank;
    private final double normType;
    private final boolean intNorm;
    private final int[] kernel;
    private final int[] stride;
    private final boolean ceilMode;

    LPPoolNd(int rank, double normType, boolean intNorm, int[] kernel, int[] stride, boolean ceilMode) {
        this.rank = rank;
        this.normType = normType;
        this.intNorm = intNorm;
        this.kernel = Checks.notNull(kernel, "kernel_size").clone();
        this.stride = stride == null ? null : stride.clone();
        this.ceilMode = ceilMode;
    }

    @Override
    public Tensor forward(Tensor input) {
        int p = (int) normType;
        switch (rank) {
            case 1: {
                int s = stride == null ? kernel[0] : stride[0];
                return intNorm ? Functional.lpPool1d(input, p, kernel[0], s, ceilMode)
                        : Functional.lpPool1d(input, normType, kernel[0], s, ceilMode);
            }
            case 2:
                return intNorm ? Functional.lpPool2d(input, p, kernel, stride, ceilMode)
                        : Functional.lpPool2d(input, normType, kernel, stride, ceilMode);
            default:
                return intNorm ? Functional.lpPool3d(input, p, kernel, stride, ceilMode)
                        : Functional.lpPool3d(input, normType, kernel, stride, ceilMode);
        }
    }

    /** PyTorch's {@code extra_repr}: sizes as given (an int, or a tuple). */
    @Override
    public String extraRepr() {
        return "norm_type=" + (intNorm ? Long.toString((long) normType) : Format.repr(normType)) + ", kernel_size="
                + intOrTuple(kernel) + ", stride=" + (stride == null ? "None" : intOrTuple(stride)) + ", ceil_mode="
                + bool(ceilMode);
    }
}
