package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.HingeEmbeddingLoss}: {@link Functional#hingeEmbeddingLoss}. */
public class HingeEmbeddingLoss extends PairLoss {
    private final double margin;

    /** PyTorch's defaults. */
    public HingeEmbeddingLoss() {
        this(1.0, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public HingeEmbeddingLoss(double margin, String reduction) {
        super(reduction);
        this.margin = margin;
    }

    /** {@code module(input, target)}. */
    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.hingeEmbeddingLoss(input, target, margin, reduction);
    }
}
