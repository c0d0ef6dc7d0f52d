package dev.ember.nn;

import dev.ember.Format;
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

    /**
     * The given settings, as PyTorch's constructor arguments; a margin of 0 or less is refused with 2.x's ValueError
     * ("TripletMarginLoss: expected margin to be greater than 0, got 0.0 instead"; a NaN margin passes, as Python's
     * {@code margin <= 0}).
     */
    public TripletMarginLoss(double margin, double p, double eps, boolean swap, String reduction) {
        super(reduction, "positive", "negative");
        if (margin <= 0) {
            throw new IllegalArgumentException("TripletMarginLoss: expected margin to be greater than 0, got "
                    + Format.repr(margin) + " instead");
        }
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
