package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.MultiMarginLoss}: {@link Functional#multiMarginLoss};
 * the weight (may be null) is a buffer, in the state dict when given.
 */
public class MultiMarginLoss extends PairLoss {
    private final int p;
    private final double margin;

    /** PyTorch's defaults. */
    public MultiMarginLoss() {
        this(1, 1.0, null, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public MultiMarginLoss(int p, double margin, Tensor weight, String reduction) {
        super(reduction);
        this.p = p;
        this.margin = margin;
        registerBuffer("weight", weight);
    }

    /** {@code module(input, target)}. */
    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.multiMarginLoss(input, target, p, margin, parameter("weight"), reduction);
    }
}
