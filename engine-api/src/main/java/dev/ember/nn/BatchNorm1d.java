package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Format;
import dev.ember.Tensor;

/**
 * {@code torch.nn.BatchNorm1d}: batch norm of {@code [N, C]} or {@code [N, C, L]} input per channel, one fused node
 * NativeBatchNormBackward0, with running statistics for evaluation. State dict keys as PyTorch's: {@code weight},
 * {@code bias}, {@code running_mean}, {@code running_var}, {@code num_batches_tracked}. {@code num_batches_tracked} is
 * counted after a forward succeeded (PyTorch counts before), so a failed forward counts no batch.
 */
public final class BatchNorm1d extends Module {
    /** Scale [C], or null without affine. */
    public final Tensor weight;
    /** Shift [C], or null without affine. */
    public final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor numBatchesTracked;
    private final int features;
    private final double eps;
    private final Double momentum;
    private final boolean affine;
    private final boolean trackRunningStats;

    /** Defaults: eps 1e-5, momentum 0.1, affine, tracking running statistics. */
    public BatchNorm1d(int features) {
        this(features, 1e-5, 0.1, true, true);
    }

    /**
     * Every option of PyTorch's constructor; a null momentum means a cumulative average
     * ({@code 1 / num_batches_tracked}).
     */
    public BatchNorm1d(int features, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        this.features = features;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.trackRunningStats = trackRunningStats;
        this.weight = registerParameter("weight", affine ? Tensor.ones(features) : null);
        this.bias = registerParameter("bias", affine ? Tensor.zeros(features) : null);
        this.runningMean = registerBuffer("running_mean", trackRunningStats ? Tensor.zeros(features) : null);
        this.runningVar = registerBuffer("running_var", trackRunningStats ? Tensor.ones(features) : null);
        this.numBatchesTracked = registerBuffer("num_batches_tracked", trackRunningStats ? Tensor.zeros(DType.INT64) : null);
    }

    @Override
    public Tensor forward(Tensor x) {
        Checks.tensor(x, "batch_norm", "input", 1);
        if (x.dim() != 2 && x.dim() != 3) {
            throw new IllegalArgumentException("expected 2D or 3D input (got " + x.dim() + "D input)");
        }
        return NormLayers.batchNorm(this, x, runningMean, runningVar, numBatchesTracked, weight, bias, momentum, eps,
                trackRunningStats);
    }

    @Override
    public String extraRepr() {
        return features + ", eps=" + Format.repr(eps) + ", momentum=" + (momentum == null ? "None" : Format.repr(momentum))
                + ", affine=" + bool(affine) + ", track_running_stats=" + bool(trackRunningStats);
    }
}
