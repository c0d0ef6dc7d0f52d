package dev.ember.nn;

import dev.ember.Tensor;

/**
 * What the loss modules of three tensors share ({@link TripletMarginLoss}, {@link TripletMarginWithDistanceLoss},
 * {@link CosineEmbeddingLoss}, {@link MarginRankingLoss}), as {@link PairLoss} for two: the reduction, {@code
 * criterion.apply(a, b, c)} as PyTorch's {@code criterion(a, b, c)} with the module's hooks, and a forward of one tensor
 * refused with PyTorch's message naming the two missing arguments.
 */
abstract class TripleLoss extends Module {
    /** The reduction: "none", "mean" or "sum". */
    final String reduction;
    private final String second;
    private final String third;

    TripleLoss(String reduction, String second, String third) {
        this.reduction = reduction;
        this.second = second;
        this.third = third;
    }

    /** Refused: the module takes 3 tensors, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException(moduleName() + ".forward() missing 2 required positional arguments: '" + second
                + "' and '" + third + "'");
    }

    /** {@code criterion(a, b, c)} without hooks. */
    public abstract Tensor forward(Tensor a, Tensor b, Tensor c);

    /** {@code criterion(a, b, c)}: {@link #forward(Tensor, Tensor, Tensor)} with this module's hooks. */
    public Tensor apply(Tensor a, Tensor b, Tensor c) {
        return callOne(in -> forward(in.get(0), in.get(1), in.get(2)), a, b, c);
    }

    /** The reduction this loss applies. */
    public String reduction() {
        return reduction;
    }
}
