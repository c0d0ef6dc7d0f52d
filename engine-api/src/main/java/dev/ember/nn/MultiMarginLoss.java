package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.MultiMarginLoss}: {@link Functional#multiMarginLoss};
 * the weight (may be null) is a buffer, in the state dict when given.
 */
public final class MultiMarginLoss extends Module {
    private final int p;
    private final double margin;
    private final String reduction;

    /** PyTorch's defaults. */
    public MultiMarginLoss() {
        this(1, 1.0, null, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public MultiMarginLoss(int p, double margin, Tensor weight, String reduction) {
        this.p = p;
        this.margin = margin;
        registerBuffer("weight", weight);
        this.reduction = reduction;
    }

    /** Refused: the module takes 2 tensors, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("MultiMarginLoss.forward() missing 1 required positional argument: 'target'");
    }

    /** {@code module(input, target)}. */
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.multiMarginLoss(input, target, p, margin, namedBuffers().get("weight"), reduction);
    }
}
