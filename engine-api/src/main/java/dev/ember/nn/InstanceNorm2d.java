package dev.ember.nn;

/**
 * {@code torch.nn.InstanceNorm2d}: normalizes each sample's channels of an {@code [N, C, H, W]} (or unbatched
 * {@code [C, H, W]}) input over their planes, as PyTorch's composition over batch norm (the output's node is
 * ViewBackward0 over NativeBatchNormBackward0). PyTorch's defaults: no affine, no running statistics.
 */
public non-sealed class InstanceNorm2d extends InstanceNormBase {
    /** Defaults: eps 1e-5, momentum 0.1, no affine, no running statistics. */
    public InstanceNorm2d(int features) {
        this(features, 1e-5, 0.1, false, false);
    }

    /** Every option of PyTorch's constructor. */
    public InstanceNorm2d(int features, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super(features, eps, momentum, affine, trackRunningStats, 2);
    }

    /** A lazy layer's state, {@link LazyInstanceNorm2d}'s: see {@link NormBase}. */
    InstanceNorm2d(double eps, double momentum, boolean affine, boolean trackRunningStats, LazyModules.Marker lazy) {
        super(eps, momentum, affine, trackRunningStats, 2, lazy);
    }
}
