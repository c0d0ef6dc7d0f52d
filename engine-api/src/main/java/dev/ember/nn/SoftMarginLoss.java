package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.SoftMarginLoss}: {@link Functional#softMarginLoss}; prints as {@code SoftMarginLoss()}. */
public final class SoftMarginLoss extends Module {
    private final String reduction;

    /** PyTorch's defaults. */
    public SoftMarginLoss() {
        this("mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public SoftMarginLoss(String reduction) {
        this.reduction = reduction;
    }

    /** Refused: the module takes 2 tensors, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("SoftMarginLoss.forward() missing 1 required positional argument: 'target'");
    }

    /** {@code module(input, target)}. */
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.softMarginLoss(input, target, reduction);
    }
}
