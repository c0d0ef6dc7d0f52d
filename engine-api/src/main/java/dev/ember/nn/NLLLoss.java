package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.NLLLoss}: {@link Functional#nllLoss(Tensor, Tensor, Tensor, String, long)} of log-probabilities and
 * class indices; the class weights, if any, are the buffer {@code weight}.
 */
public class NLLLoss extends PairLoss {
    private final long ignoreIndex;

    /** PyTorch's defaults: no class weights, -100 ignored, mean. */
    public NLLLoss() {
        this(null, -100, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments ({@code weight} may be null). */
    public NLLLoss(Tensor weight, long ignoreIndex, String reduction) {
        super(reduction);
        registerBuffer("weight", weight);
        this.ignoreIndex = ignoreIndex;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.nllLoss(input, target, parameter("weight"), reduction, ignoreIndex);
    }
}
