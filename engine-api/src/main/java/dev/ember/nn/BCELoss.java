package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.BCELoss}: {@link Functional#binaryCrossEntropy(Tensor, Tensor, Tensor, String)} of probabilities;
 * the element weights, if any, are the buffer {@code weight}.
 */
public class BCELoss extends PairLoss {
    /** PyTorch's defaults: unweighted, mean. */
    public BCELoss() {
        this(null, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments ({@code weight} may be null). */
    public BCELoss(Tensor weight, String reduction) {
        super(reduction);
        registerBuffer("weight", weight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.binaryCrossEntropy(input, target, parameter("weight"), reduction);
    }
}
