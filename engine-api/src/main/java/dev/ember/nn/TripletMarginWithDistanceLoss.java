package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

import java.util.function.BinaryOperator;

/**
 * {@code torch.nn.TripletMarginWithDistanceLoss}: {@link Functional#tripletMarginWithDistanceLoss} with the module's
 * distance function, margin, swap and reduction. The default distance is a {@link PairwiseDistance} child module
 * named {@code distance_function}, as PyTorch's (it prints under the module).
 */
public class TripletMarginWithDistanceLoss extends TripleLoss {
    private final BinaryOperator<Tensor> distanceFunction;
    private final double margin;
    private final boolean swap;

    /** PyTorch's defaults: pairwise distance, margin 1, no swap, averaged. */
    public TripletMarginWithDistanceLoss() {
        this(null, 1.0, false, "mean");
    }

    /**
     * The given settings, as PyTorch's constructor arguments; a null {@code distanceFunction} means a
     * {@link PairwiseDistance} module. A margin of 0 or less is refused with PyTorch's ValueError (a NaN margin passes,
     * as Python's {@code margin <= 0}).
     */
    public TripletMarginWithDistanceLoss(BinaryOperator<Tensor> distanceFunction, double margin, boolean swap,
                                         String reduction) {
        super(reduction, "positive", "negative");
        if (margin <= 0) { // Python's test: a NaN margin passes
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
    }

    /** {@code module(anchor, positive, negative)}. */
    @Override
    public Tensor forward(Tensor anchor, Tensor positive, Tensor negative) {
        return Functional.tripletMarginWithDistanceLoss(anchor, positive, negative, distanceFunction, margin, swap,
                reduction);
    }
}
