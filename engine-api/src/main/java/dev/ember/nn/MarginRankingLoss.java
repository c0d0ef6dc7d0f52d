package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.MarginRankingLoss}: {@link Functional#marginRankingLoss} with the module's margin and reduction. */
public class MarginRankingLoss extends TripleLoss {
    private final double margin;

    /** PyTorch's defaults: margin 0, averaged. */
    public MarginRankingLoss() {
        this(0.0, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public MarginRankingLoss(double margin, String reduction) {
        super(reduction, "input2", "target");
        this.margin = margin;
    }

    /** {@code module(input1, input2, target)}: target 1 where input1 should rank higher, -1 where input2 should. */
    @Override
    public Tensor forward(Tensor input1, Tensor input2, Tensor target) {
        return Functional.marginRankingLoss(input1, input2, target, margin, reduction);
    }
}
