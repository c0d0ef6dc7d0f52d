package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.MultiLabelMarginLoss}: {@link Functional#multilabelMarginLoss}. */
public final class MultiLabelMarginLoss extends Module {
    private final String reduction;

    /** PyTorch's defaults. */
    public MultiLabelMarginLoss() {
        this("mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public MultiLabelMarginLoss(String reduction) {
        this.reduction = reduction;
    }

    /** Refused: the module takes 2 tensors, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("MultiLabelMarginLoss.forward() missing 1 required positional argument: 'target'");
    }

    /** {@code module(input, target)}. */
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.multilabelMarginLoss(input, target, reduction);
    }
}
