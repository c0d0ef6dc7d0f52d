package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.MultiLabelSoftMarginLoss}: {@link Functional#multilabelSoftMarginLoss};
 * the weight (may be null) is a buffer, in the state dict when given.
 */
public final class MultiLabelSoftMarginLoss extends Module {
    private final String reduction;

    /** PyTorch's defaults. */
    public MultiLabelSoftMarginLoss() {
        this(null, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public MultiLabelSoftMarginLoss(Tensor weight, String reduction) {
        registerBuffer("weight", weight);
        this.reduction = reduction;
    }

    /** Refused: the module takes 2 tensors, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("MultiLabelSoftMarginLoss.forward() missing 1 required positional argument: 'target'");
    }

    /** {@code module(input, target)}. */
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.multilabelSoftMarginLoss(input, target, namedBuffers().get("weight"), reduction);
    }
}
