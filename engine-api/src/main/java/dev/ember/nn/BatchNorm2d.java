package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Tensor;

/** {@code torch.nn.BatchNorm2d}: per-channel normalization of NCHW input with running statistics for eval mode. */
public final class BatchNorm2d extends Module {
    /** Scale [C]. */
    public final Tensor weight;
    /** Shift [C]. */
    public final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor numBatchesTracked;
    private final int channels;
    private final double eps;
    private final double momentum;

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
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = registerParameter("weight", Tensor.ones(channels));
        this.bias = registerParameter("bias", Tensor.zeros(channels));
        this.runningMean = registerBuffer("running_mean", Tensor.zeros(channels));
        this.runningVar = registerBuffer("running_var", Tensor.ones(channels));
        this.numBatchesTracked = registerBuffer("num_batches_tracked", Tensor.zeros(DType.INT64));
    }

    @Override
    public Tensor forward(Tensor x) {
        Checks.tensor(x, "batch_norm", "input", 1);
        if (x.dim() != 4) {
            throw new IllegalArgumentException(this + ": expected 4D input (got " + x.dim() + "D input)");
        }
        if (x.size(1) != channels) {
            throw new IllegalArgumentException(this + ": expected input with " + channels + " channels, got " + x.size(1)
                    + " (input shape " + java.util.Arrays.toString(x.shape()) + ")");
        }
        Tensor y = Functional.batchNorm(x, runningMean, runningVar, weight, bias, isTraining(), momentum, eps);
        if (isTraining()) {
            try (GradMode off = Ember.noGrad()) {
                numBatchesTracked.add_(1L); // after the batch norm succeeded: a failed forward counts no batch
            }
        }
        return y;
    }

    @Override
    public String extraRepr() {
        return channels + ", eps=" + Format.repr(eps) + ", momentum=" + Format.repr(momentum) + ", affine=True, "
                + "track_running_stats=True";
    }
}
