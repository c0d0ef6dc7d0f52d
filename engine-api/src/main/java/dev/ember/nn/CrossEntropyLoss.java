package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.CrossEntropyLoss}: {@link Functional#crossEntropy(Tensor, Tensor, Tensor, String, long, double)} of
 * logits and class indices or probabilities; the class weights, if any, are the buffer {@code weight}.
 * {@code criterion.apply(logits, target)} is PyTorch's {@code criterion(logits, target)}.
 */
public class CrossEntropyLoss extends PairLoss {
    private final long ignoreIndex;
    private final double labelSmoothing;

    /** PyTorch's defaults: no class weights, -100 ignored, mean, no label smoothing. */
    public CrossEntropyLoss() {
        this(null, -100, "mean", 0.0);
    }

    /** The given settings, as PyTorch's constructor arguments ({@code weight} may be null). */
    public CrossEntropyLoss(Tensor weight, long ignoreIndex, String reduction, double labelSmoothing) {
        super(reduction);
        registerBuffer("weight", weight);
        this.ignoreIndex = ignoreIndex;
        this.labelSmoothing = labelSmoothing;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.crossEntropy(input, target, parameter("weight"), reduction, ignoreIndex, labelSmoothing);
    }
}
