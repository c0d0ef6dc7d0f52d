package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.SoftMarginLoss}: {@link Functional#softMarginLoss}; prints as {@code SoftMarginLoss()}. */
public class SoftMarginLoss extends PairLoss {
    /** PyTorch's defaults. */
    public SoftMarginLoss() {
        this("mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public SoftMarginLoss(String reduction) {
        super(reduction);
    }

    /** {@code module(input, target)}. */
    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.softMarginLoss(input, target, reduction);
    }
}
