package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.TripletMarginLoss}: {@link Functional#tripletMarginLoss}. */
public class TripletMarginLoss extends TripleLoss {
    private final double margin;
    private final double p;
    private final double eps;
    private final boolean swap;

    /** PyTorch's defaults. */
    public TripletMarginLoss() {
        this(1.0, 2.0, 1e-6, false, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public TripletMarginLoss(double margin, double p, double eps, boolean swap, String reduction) {
        super(reduction, "positive", "negative");
        this.margin = margin;
        this.p = p;
        this.eps = eps;
        this.swap = swap;
    }

    /** {@code module(anchor, positive, negative)}. */
    @Override
    public Tensor forward(Tensor anchor, Tensor positive, Tensor negative) {
        return Functional.tripletMarginLoss(anchor, positive, negative, margin, p, eps, swap, reduction);
    }
}
