package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.MultiLabelMarginLoss}: {@link Functional#multilabelMarginLoss}. */
public class MultiLabelMarginLoss extends PairLoss {
    /** PyTorch's defaults. */
    public MultiLabelMarginLoss() {
        this("mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public MultiLabelMarginLoss(String reduction) {
        super(reduction);
    }

    /** {@code module(input, target)}. */
    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.multilabelMarginLoss(input, target, reduction);
    }
}
