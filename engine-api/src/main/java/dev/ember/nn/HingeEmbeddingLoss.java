package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.HingeEmbeddingLoss}: {@link Functional#hingeEmbeddingLoss}. */
public final class HingeEmbeddingLoss extends Module {
    private final double margin;
    private final String reduction;

    /** PyTorch's defaults. */
    public HingeEmbeddingLoss() {
        this(1.0, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public HingeEmbeddingLoss(double margin, String reduction) {
        this.margin = margin;
        this.reduction = reduction;
    }

    /** Refused: the module takes 2 tensors, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("HingeEmbeddingLoss.forward() missing 1 required positional argument: 'target'");
    }

    /** {@code module(input, target)}. */
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.hingeEmbeddingLoss(input, target, margin, reduction);
    }
}
