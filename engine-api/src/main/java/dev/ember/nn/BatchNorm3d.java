package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.BatchNorm3d}: batch norm of {@code [N, C, D, H, W]} input per channel, one fused node
 * NativeBatchNormBackward0, with running statistics for evaluation. State dict keys as PyTorch's: {@code weight},
 * {@code bias}, {@code running_mean}, {@code running_var}, {@code num_batches_tracked}. {@code num_batches_tracked} is
 * counted after a forward succeeded (PyTorch counts before), so a failed forward counts no batch.
 */
public non-sealed class BatchNorm3d extends NormBase {
    /** Defaults: eps 1e-5, momentum 0.1, affine, tracking running statistics. */
    public BatchNorm3d(int features) {
        this(features, 1e-5, 0.1, true, true);
    }

    /**
     * Every option of PyTorch's constructor; a null momentum means a cumulative average
     * ({@code 1 / num_batches_tracked}).
     */
    public BatchNorm3d(int features, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(features, eps, momentum, affine, trackRunningStats);
    }

    @Override
    void checkRank(Tensor x) {
        if (x.dim() != 5) {
            throw new IllegalArgumentException("expected 5D input (got " + x.dim() + "D input)");
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return batchNormForward(x);
    }

    /** A lazy layer's state, {@link LazyBatchNorm3d}'s: see {@link NormBase}. */
    BatchNorm3d(double eps, Double momentum, boolean affine, boolean trackRunningStats, LazyModules.Marker lazy) {
        super(eps, momentum, affine, trackRunningStats, lazy);
    }
}
