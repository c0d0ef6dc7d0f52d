package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.HuberLoss}: {@link Functional#huberLoss(Tensor, Tensor, String, double)}. */
public class HuberLoss extends PairLoss {
    private final double delta;

    /** PyTorch's defaults: mean, delta 1. */
    public HuberLoss() {
        this("mean", 1.0);
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public HuberLoss(String reduction, double delta) {
        super(reduction);
        this.delta = delta;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return Functional.huberLoss(input, target, reduction, delta);
    }
}
