package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.MSELoss}: {@link Functional#mseLoss(Tensor, Tensor, String)}. */
public class MSELoss extends PairLoss {
    /** PyTorch's default: mean. */
    public MSELoss() {
        this("mean");
    }

    /** The given reduction. */
    public MSELoss(String reduction) {
        super(reduction);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.mseLoss(input, target, reduction);
    }
}
