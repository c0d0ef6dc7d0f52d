package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.CosineEmbeddingLoss}: {@link Functional#cosineEmbeddingLoss} with the module's margin and reduction. */
public class CosineEmbeddingLoss extends TripleLoss {
    private final double margin;

    /** PyTorch's defaults: margin 0, averaged. */
    public CosineEmbeddingLoss() {
        this(0.0, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public CosineEmbeddingLoss(double margin, String reduction) {
        super(reduction, "input2", "target");
        this.margin = margin;
    }

    /** {@code module(input1, input2, target)}: target 1 for similar pairs, -1 for dissimilar ones. */
    @Override
    public Tensor forward(Tensor input1, Tensor input2, Tensor target) {
        return Functional.cosineEmbeddingLoss(input1, input2, target, margin, reduction);
    }
}
