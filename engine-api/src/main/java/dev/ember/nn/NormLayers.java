package dev.ember.nn;

import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;

/** What the batch-norm modules share: PyTorch's {@code _BatchNorm.forward}. */
final class NormLayers {
    private NormLayers() {
    }

    /**
     * PyTorch's {@code _BatchNorm.forward}: batch statistics in training (or without running statistics), the running
     * ones otherwise; the momentum is {@code 1 / num_batches_tracked} when null. The batch is counted after the batch
     * norm succeeded.
     */
    static Tensor batchNorm(Module m, Tensor x, Tensor runningMean, Tensor runningVar, Tensor numBatchesTracked,
                            Tensor weight, Tensor bias, Double momentum, double eps, boolean track) {
        boolean training = m.isTraining();
        double factor = momentum == null ? 0.0 : momentum;
        boolean count = training && track && numBatchesTracked != null;
        if (count && momentum == null) {
            factor = 1.0 / (numBatchesTracked.item() + 1);
        }
        boolean bnTraining = training || (runningMean == null && runningVar == null);
        boolean useRunning = !training || track;
        Tensor y = Functional.batchNorm(x, useRunning ? runningMean : null, useRunning ? runningVar : null, weight, bias,
                bnTraining, factor, eps);
        if (count) {
            try (GradMode off = Ember.noGrad()) {
                numBatchesTracked.add_(1L);
            }
        }
        return y;
    }
}
