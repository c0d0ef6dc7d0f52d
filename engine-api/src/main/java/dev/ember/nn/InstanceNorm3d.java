package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.InstanceNorm3d}: normalizes each sample's channels of an {@code [N, C, D, H, W]} (or
 * unbatched {@code [C, D, H, W]}) input over their volumes, as PyTorch's composition over batch norm (the output's
 * node is ViewBackward0 over NativeBatchNormBackward0). PyTorch's defaults: no affine, no running statistics.
 */
public final class InstanceNorm3d extends NormBase {
    /** Defaults: eps 1e-5, momentum 0.1, no affine, no running statistics. */
    public InstanceNorm3d(int features) {
        this(features, 1e-5, 0.1, false, false);
    }

    /** Every option of PyTorch's constructor. */
    public InstanceNorm3d(int features, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super(features, eps, momentum, affine, trackRunningStats);
    }

    @Override
    public Tensor forward(Tensor x) {
        Checks.tensor(x, "instance_norm", "input", 1);
        if (x.dim() != 4 && x.dim() != 5) {
            throw new IllegalArgumentException("expected 4D or 5D input (got " + x.dim() + "D input)");
        }
        int featureDim = x.dim() - 4;
        if (x.size(featureDim) != features) {
            if (affine) {
                throw new IllegalArgumentException("expected input's size at dim=" + featureDim + " to match num_features ("
                        + features + "), but got: " + x.size(featureDim) + ".");
            }
            System.getLogger("dev.ember").log(System.Logger.Level.WARNING, "input's size at dim=" + featureDim + " does not "
                    + "match num_features. You can silence this warning by not passing in num_features, which is not used "
                    + "because affine=False");
        }
        boolean unbatched = x.dim() == 4;
        Tensor in = unbatched ? x.unsqueeze(0) : x;
        Tensor y = Functional.instanceNorm(in, runningMean, runningVar, weight, bias, isTraining() || !trackRunningStats,
                momentum, eps);
        return unbatched ? y.squeeze(0) : y;
    }
}
