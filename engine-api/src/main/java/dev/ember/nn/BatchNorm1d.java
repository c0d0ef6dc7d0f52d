package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.BatchNorm1d}: batch norm of {@code [N, C]} or {@code [N, C, L]} input per channel, one fused node
 * NativeBatchNormBackward0, with running statistics for evaluation. State dict keys as PyTorch's: {@code weight},
 * {@code bias}, {@code running_mean}, {@code running_var}, {@code num_batches_tracked}. {@code num_batches_tracked} is
 * counted after a forward succeeded (PyTorch counts before), so a failed forward counts no batch.
 */
public non-sealed class BatchNorm1d extends NormBase {
    /** Defaults: eps 1e-5, momentum 0.1, affine, tracking running statistics. */
    public BatchNorm1d(int features) {
        this(features, 1e-5, 0.1, true, true);
    }

    /**
     * Every option of PyTorch's constructor; a null momentum means a cumulative average
     * ({@code 1 / num_batches_tracked}).
     */
    public BatchNorm1d(int features, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(features, eps, momentum, affine, trackRunningStats);
    }

    @Override
    void checkRank(Tensor x) {
        if (x.dim() != 2 && x.dim() != 3) {
            throw new IllegalArgumentException("expected 2D or 3D input (got " + x.dim() + "D input)");
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return batchNormForward(x);
    }

    /** A lazy layer's state, {@link LazyBatchNorm1d}'s: see {@link NormBase}. */
    BatchNorm1d(double eps, Double momentum, boolean affine, boolean trackRunningStats, LazyModules.Marker lazy) {
        super(eps, momentum, affine, trackRunningStats, lazy);
    }
}
