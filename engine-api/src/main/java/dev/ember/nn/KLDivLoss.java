package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.KLDivLoss}: {@link Functional#kLDivLoss(Tensor, Tensor, String, boolean)} of log-probabilities and a
 * target of probabilities (log-probabilities with {@code logTarget}).
 */
public class KLDivLoss extends PairLoss {
    private final boolean logTarget;

    /** PyTorch's defaults: mean (which warns, as PyTorch's: use "batchmean"), a target of probabilities. */
    public KLDivLoss() {
        this("mean", false);
    }

    /** The given settings, in PyTorch's constructor order. */
    public KLDivLoss(String reduction, boolean logTarget) {
        super(reduction);
        this.logTarget = logTarget;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.kLDivLoss(input, target, reduction, logTarget);
    }
}
