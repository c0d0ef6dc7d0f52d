package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.BCEWithLogitsLoss}: {@link Functional#binaryCrossEntropyWithLogits(Tensor, Tensor, Tensor, Tensor,
 * String)}; the element weights and the positive-class weights, if any, are the buffers {@code weight} and
 * {@code pos_weight}.
 */
public class BCEWithLogitsLoss extends PairLoss {
    /** PyTorch's defaults: unweighted, mean. */
    public BCEWithLogitsLoss() {
        this(null, "mean", null);
    }

    /** The given settings, in PyTorch's constructor order ({@code weight} and {@code posWeight} may be null). */
    public BCEWithLogitsLoss(Tensor weight, String reduction, Tensor posWeight) {
        super(reduction);
        registerBuffer("weight", weight);
        registerBuffer("pos_weight", posWeight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.binaryCrossEntropyWithLogits(input, target, parameter("weight"), parameter("pos_weight"), reduction);
    }
}
