package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.BatchNorm2d}: per-channel normalization of NCHW input with running statistics for eval mode. */
public non-sealed class BatchNorm2d extends NormBase {
    /** Defaults: eps 1e-5, momentum 0.1, affine, tracking running statistics. */
    public BatchNorm2d(int channels) {
        this(channels, 1e-5, 0.1);
    }

    /**
     * A layer with the given eps and momentum (not checked, as in PyTorch).
     *
     * @throws IllegalArgumentException for a negative number of channels, as PyTorch's {@code torch.empty} reports it
     */
    public BatchNorm2d(int channels, double eps, double momentum) {
        this(channels, eps, (Double) momentum, true, true);
    }

    /**
     * Every option of PyTorch's constructor, as {@link BatchNorm1d} and {@link BatchNorm3d} take them: a null momentum
     * means a cumulative average ({@code 1 / num_batches_tracked}); without {@code affine} no weight or bias; without
     * {@code trackRunningStats} no running statistics, and batch statistics in eval mode too.
     *
     * @throws IllegalArgumentException for a negative number of channels, as PyTorch's {@code torch.empty} reports it
     */
    public BatchNorm2d(int channels, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(channels, eps, momentum, affine, trackRunningStats);
    }

    @Override
    void checkRank(Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("expected 4D input (got " + x.dim() + "D input)");
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return batchNormForward(x);
    }

    /** A lazy layer's state, {@link LazyBatchNorm2d}'s: see {@link NormBase}. */
    BatchNorm2d(double eps, Double momentum, boolean affine, boolean trackRunningStats, LazyModules.Marker lazy) {
        super(eps, momentum, affine, trackRunningStats, lazy);
    }
}
