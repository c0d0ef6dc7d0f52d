package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

import java.util.function.BinaryOperator;

/**
 * {@code torch.nn.TripletMarginWithDistanceLoss}: {@link Functional#tripletMarginWithDistanceLoss} with the module's
 * distance function, margin, swap and reduction. The default distance is a {@link PairwiseDistance} child module
 * named {@code distance_function}, as PyTorch's (it prints under the module).
 */
public final class TripletMarginWithDistanceLoss extends Module {
    private final BinaryOperator<Tensor> distanceFunction;
    private final double margin;
    private final boolean swap;
    private final String reduction;

    /** PyTorch's defaults: pairwise distance, margin 1, no swap, averaged. */
    public TripletMarginWithDistanceLoss() {
        this(null, 1.0, false, "mean");
    }

    /**
     * The given settings, as PyTorch's constructor arguments; a null {@code distanceFunction} means a
     * {@link PairwiseDistance} module. A margin that is not positive is refused with PyTorch's ValueError.
     */
    public TripletMarginWithDistanceLoss(BinaryOperator<Tensor> distanceFunction, double margin, boolean swap,
                                         String reduction) {
        if (!(margin > 0)) {
            throw new IllegalArgumentException("TripletMarginWithDistanceLoss: expected margin to be greater than 0, got "
                    + Format.repr(margin) + " instead");
        }
        if (distanceFunction == null) {
            PairwiseDistance d = registerModule("distance_function", new PairwiseDistance());
            this.distanceFunction = d::forward;
        } else {
            this.distanceFunction = distanceFunction;
        }
        this.margin = margin;
        this.swap = swap;
        this.reduction = reduction;
    }

    /** Refused: the module takes 3 tensors, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("TripletMarginWithDistanceLoss.forward() missing 2 required positional arguments: "
                + "'positive' and 'negative'");
    }

    /** {@code module(anchor, positive, negative)}. */
    public Tensor forward(Tensor anchor, Tensor positive, Tensor negative) {
        return Functional.tripletMarginWithDistanceLoss(anchor, positive, negative, distanceFunction, margin, swap,
                reduction);
    }

    /** {@code criterion(anchor, positive, negative)}: {@link #forward(Tensor, Tensor, Tensor)} with this module's hooks. */
    public Tensor apply(Tensor anchor, Tensor positive, Tensor negative) {
        return callOne(in -> forward(in.get(0), in.get(1), in.get(2)), anchor, positive, negative);
    }
}
