package dev.ember.nn;

import dev.ember.Tensor;

/**
 * PyTorch's {@code _InstanceNorm}, the base of {@code InstanceNorm1d/2d/3d}: checks the input has {@code dims + 1}
 * (unbatched) or {@code dims + 2} dimensions for {@code dims} normalized dimensions, warns (or, with affine, throws)
 * when the channel count differs from {@code num_features}, and normalizes each sample's channels with
 * {@link Functional#instanceNorm}, batch statistics while training or without running statistics.
 */
abstract sealed class InstanceNormBase extends NormBase permits InstanceNorm1d, InstanceNorm2d, InstanceNorm3d {
    private final int dims;

    InstanceNormBase(int features, double eps, double momentum, boolean affine, boolean trackRunningStats, int dims) {
        super(features, eps, momentum, affine, trackRunningStats);
        this.dims = dims;
    }

    /** A lazy layer's state: see {@link NormBase}. */
    InstanceNormBase(double eps, double momentum, boolean affine, boolean trackRunningStats, int dims, LazyModules.Marker lazy) {
        super(eps, momentum, affine, trackRunningStats, lazy);
        this.dims = dims;
    }

    /** PyTorch's check of the input's rank: {@code dims + 1} (unbatched) or {@code dims + 2} dimensions. */
    @Override
    void checkRank(Tensor x) {
        if (x.dim() != dims + 1 && x.dim() != dims + 2) {
            throw new IllegalArgumentException("expected " + (dims + 1) + "D or " + (dims + 2) + "D input (got " + x.dim()
                    + "D input)");
        }
    }

    /** The channels' dimension of an input of a valid rank: 0 unbatched, else 1. */
    @Override
    int channelDim(Tensor x) {
        return x.dim() - dims - 1;
    }

    @Override
    public Tensor forward(Tensor x) {
        Checks.tensor(x, "instance_norm", "input", 1);
        checkRank(x);
        int featureDim = channelDim(x);
        if (lazyPending) {
            firstForward(x, featureDim);
        }
        if (x.size(featureDim) != features) {
            if (affine) {
                throw new IllegalArgumentException("expected input's size at dim=" + featureDim + " to match num_features ("
                        + features + "), but got: " + x.size(featureDim) + ".");
            }
            System.getLogger("dev.ember").log(System.Logger.Level.WARNING, "input's size at dim=" + featureDim + " does not "
                    + "match num_features. You can silence this warning by not passing in num_features, which is not used "
                    + "because affine=False");
        }
        boolean unbatched = x.dim() == dims + 1;
        Tensor in = unbatched ? x.unsqueeze(0) : x;
        Tensor y = Functional.instanceNorm(in, runningMean(), runningVar(), parameter("weight"), parameter("bias"),
                isTraining() || !trackRunningStats, momentum, eps);
        return unbatched ? y.squeeze(0) : y;
    }
}
