package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.SmoothL1Loss}: {@link Functional#smoothL1Loss(Tensor, Tensor, String, double)}. */
public class SmoothL1Loss extends PairLoss {
    private final double beta;

    /** PyTorch's defaults: mean, beta 1. */
    public SmoothL1Loss() {
        this("mean", 1.0);
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public SmoothL1Loss(String reduction, double beta) {
        super(reduction);
        this.beta = beta;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.smoothL1Loss(input, target, reduction, beta);
    }
}
