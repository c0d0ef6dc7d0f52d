package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.TripletMarginLoss}: {@link Functional#tripletMarginLoss}. */
public final class TripletMarginLoss extends Module {
    private final double margin;
    private final double p;
    private final double eps;
    private final boolean swap;
    private final String reduction;

    /** PyTorch's defaults. */
    public TripletMarginLoss() {
        this(1.0, 2.0, 1e-6, false, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public TripletMarginLoss(double margin, double p, double eps, boolean swap, String reduction) {
        this.margin = margin;
        this.p = p;
        this.eps = eps;
        this.swap = swap;
        this.reduction = reduction;
    }

    /** Refused: the module takes 3 tensors, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("TripletMarginLoss.forward() missing 2 required positional arguments: 'positive' "
                + "and 'negative'");
    }

    /** {@code module(anchor, positive, negative)}. */
    public Tensor forward(Tensor anchor, Tensor positive, Tensor negative) {
        return Functional.tripletMarginLoss(anchor, positive, negative, margin, p, eps, swap, reduction);
    }

    /** {@code criterion(anchor, positive, negative)}: {@link #forward(Tensor, Tensor, Tensor)} with this module's hooks. */
    public Tensor apply(Tensor anchor, Tensor positive, Tensor negative) {
        return callOne(in -> forward(in.get(0), in.get(1), in.get(2)), anchor, positive, negative);
    }
}
