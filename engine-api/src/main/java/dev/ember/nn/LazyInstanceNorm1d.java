package dev.ember.nn;

/**
 * {@code torch.nn.LazyInstanceNorm1d}: a {@link InstanceNorm1d} whose {@code num_features} is its first input's channels. Its defaults
 * are PyTorch's {@code _LazyNormBase}'s, affine and tracking running statistics (the eager InstanceNorm1d's are neither; PyTorch
 * 2.x's docstring says False, its constructor gives True). Until the first forward the tensors those options make are
 * uninitialized and it prints as {@code LazyInstanceNorm1d(0, eps=1e-05, ...)}; the first forward materializes and resets them,
 * and the module is a InstanceNorm1d from then on. Without affine and running statistics nothing is lazy: {@code num_features}
 * stays 0, as in PyTorch. Ember reads the channels of an unbatched input from its dimension 0, where PyTorch reads
 * {@code input.shape[1]}, a spatial size; {@link LazyModule} explains the design.
 */
public final class LazyInstanceNorm1d extends InstanceNorm1d implements LazyModule {
    /** PyTorch's defaults: eps 1e-5, momentum 0.1, affine, tracking running statistics. */
    public LazyInstanceNorm1d() {
        this(1e-5, 0.1, true, true);
    }

    /** Every option of {@code torch.nn.LazyInstanceNorm1d}. */
    public LazyInstanceNorm1d(double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super(eps, momentum, affine, trackRunningStats, LazyModules.Marker.LAZY);
        LazyModules.warn();
    }
}
