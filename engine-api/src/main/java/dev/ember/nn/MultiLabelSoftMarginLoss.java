package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.MultiLabelSoftMarginLoss}: {@link Functional#multilabelSoftMarginLoss};
 * the weight (may be null) is a buffer, in the state dict when given.
 */
public class MultiLabelSoftMarginLoss extends PairLoss {
    /** PyTorch's defaults. */
    public MultiLabelSoftMarginLoss() {
        this(null, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public MultiLabelSoftMarginLoss(Tensor weight, String reduction) {
        super(reduction);
        registerBuffer("weight", weight);
    }

    /** {@code module(input, target)}. */
    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.multilabelSoftMarginLoss(input, target, parameter("weight"), reduction);
    }
}
