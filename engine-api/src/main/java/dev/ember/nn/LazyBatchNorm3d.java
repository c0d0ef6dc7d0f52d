package dev.ember.nn;

/**
 * {@code torch.nn.LazyBatchNorm3d}: a {@link BatchNorm3d} whose {@code num_features} is its first input's dimension 1. Until then
 * its weight, bias, running mean and running variance are uninitialized (the counter {@code num_batches_tracked} is an
 * ordinary 0) and it prints as {@code LazyBatchNorm3d(0, eps=1e-05, ...)}; the first forward materializes and resets them as
 * {@code new BatchNorm3d(C)} has them, and the module is a BatchNorm3d from then on. {@link LazyModule} explains the design and
 * where it differs from PyTorch.
 */
public final class LazyBatchNorm3d extends BatchNorm3d implements LazyModule {
    /** PyTorch's defaults: eps 1e-5, momentum 0.1, affine, tracking running statistics. */
    public LazyBatchNorm3d() {
        this(1e-5, 0.1, true, true);
    }

    /** Every option of {@code torch.nn.LazyBatchNorm3d}; a null momentum means a cumulative average. */
    public LazyBatchNorm3d(double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(eps, momentum, affine, trackRunningStats, LazyModules.Marker.LAZY);
        LazyModules.warn();
    }
}
