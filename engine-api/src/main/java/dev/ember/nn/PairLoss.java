package dev.ember.nn;

import dev.ember.Tensor;


/**
 * What the loss modules of an input and a target share ({@link CrossEntropyLoss}, {@link NLLLoss}, {@link MSELoss},
 * {@link L1Loss}, {@link BCELoss}, {@link BCEWithLogitsLoss}, {@link SmoothL1Loss}, {@link HuberLoss}, {@link
 * KLDivLoss}, {@link SoftMarginLoss}, {@link HingeEmbeddingLoss}, {@link MultiLabelMarginLoss}, {@link
 * MultiLabelSoftMarginLoss}, {@link MultiMarginLoss}, {@link PoissonNLLLoss}), as PyTorch's {@code _Loss}: the {@code
 * reduction} ("none", "mean" or "sum", checked by the loss function when called, as PyTorch's), {@code
 * criterion.apply(input, target)} as PyTorch's {@code criterion(input, target)} with the module's hooks, and a
 * forward of one tensor refused with PyTorch's message. Class weights given to a constructor are buffers named as
 * PyTorch's ({@code weight}, {@code pos_weight}): they move with {@link #to} and are in the state dict.
 */
abstract class PairLoss extends Module {
    /** The reduction: "none", "mean" or "sum". */
    final String reduction;

    PairLoss(String reduction) {
        this.reduction = reduction;
    }

    /** Refused: the loss takes an input and a target, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException(moduleName() + ".forward() missing 1 required positional argument: 'target'");
    }

    /** {@code criterion(input, target)} without hooks. */
    public abstract Tensor forward(Tensor input, Tensor target);

    /** {@code criterion(input, target)}: {@link #forward(Tensor, Tensor)} with this module's hooks. */
    public Tensor apply(Tensor input, Tensor target) {
        return callOne(in -> forward(in.get(0), in.get(1)), input, target);
    }

    /** The reduction this loss applies. */
    public String reduction() {
        return reduction;
    }
}
