package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Format;
import dev.ember.Tensor;

/**
 * {@code torch.nn.InstanceNorm2d}: normalizes each sample's channels of an {@code [N, C, H, W]} (or unbatched
 * {@code [C, H, W]}) input over their planes, as PyTorch's composition over batch norm (the output's node is
 * ViewBackward0 over NativeBatchNormBackward0). PyTorch's defaults: no affine, no running statistics.
 */
public final class InstanceNorm2d extends Module {
    /** Scale [C], or null without affine. */
    public final Tensor weight;
    /** Shift [C], or null without affine. */
    public final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final int features;
    private final double eps;
    private final double momentum;
    private final boolean affine;
    private final boolean trackRunningStats;

    /** Defaults: eps 1e-5, momentum 0.1, no affine, no running statistics. */
    public InstanceNorm2d(int features) {
        this(features, 1e-5, 0.1, false, false);
    }

    /** Every option of PyTorch's constructor. */
    public InstanceNorm2d(int features, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        this.features = features;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.trackRunningStats = trackRunningStats;
        this.weight = registerParameter("weight", affine ? Tensor.ones(features) : null);
        this.bias = registerParameter("bias", affine ? Tensor.zeros(features) : null);
        this.runningMean = registerBuffer("running_mean", trackRunningStats ? Tensor.zeros(features) : null);
        this.runningVar = registerBuffer("running_var", trackRunningStats ? Tensor.ones(features) : null);
        registerBuffer("num_batches_tracked", trackRunningStats ? Tensor.zeros(DType.INT64) : null);
    }

    @Override
    public Tensor forward(Tensor x) {
        Checks.tensor(x, "instance_norm", "input", 1);
        if (x.dim() != 3 && x.dim() != 4) {
            throw new IllegalArgumentException("expected 3D or 4D input (got " + x.dim() + "D input)");
        }
        int featureDim = x.dim() - 3;
        if (x.size(featureDim) != features) {
            if (affine) {
                throw new IllegalArgumentException("expected input's size at dim=" + featureDim + " to match num_features ("
                        + features + "), but got: " + x.size(featureDim) + ".");
            }
            System.getLogger("dev.ember").log(System.Logger.Level.WARNING, "input's size at dim=" + featureDim + " does not "
                    + "match num_features. You can silence this warning by not passing in num_features, which is not used "
                    + "because affine=False");
        }
        boolean unbatched = x.dim() == 3;
        Tensor in = unbatched ? x.unsqueeze(0) : x;
        Tensor y = Functional.instanceNorm(in, runningMean, runningVar, weight, bias, isTraining() || !trackRunningStats,
                momentum, eps);
        return unbatched ? y.squeeze(0) : y;
    }

    @Override
    public String extraRepr() {
        return features + ", eps=" + Format.repr(eps) + ", momentum=" + Format.repr(momentum) + ", affine=" + bool(affine)
                + ", track_running_stats=" + bool(trackRunningStats);
    }
}
