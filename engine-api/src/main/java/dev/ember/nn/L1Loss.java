package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.L1Loss}: {@link Functional#l1Loss(Tensor, Tensor, String)}. */
public class L1Loss extends PairLoss {
    /** PyTorch's default: mean. */
    public L1Loss() {
        this("mean");
    }

    /** The given reduction. */
    public L1Loss(String reduction) {
        super(reduction);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.l1Loss(input, target, reduction);
    }
}
