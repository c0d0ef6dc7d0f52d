package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.CTCLoss}: {@link Functional#ctcLoss}. */
public class CTCLoss extends Module {
    private final int blank;
    private final String reduction;
    private final boolean zeroInfinity;

    /** PyTorch's defaults: blank 0, "mean", infinite losses kept. */
    public CTCLoss() {
        this(0, "mean", false);
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public CTCLoss(int blank, String reduction, boolean zeroInfinity) {
        this.blank = blank;
        this.reduction = reduction;
        this.zeroInfinity = zeroInfinity;
    }

    /** Refused: the module takes 4 tensors, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("CTCLoss.forward() missing 3 required positional arguments: 'targets', "
                + "'input_lengths', and 'target_lengths'");
    }

    /** {@code module(logProbs, targets, inputLengths, targetLengths)}. */
    public Tensor forward(Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths) {
        return Functional.ctcLoss(logProbs, targets, inputLengths, targetLengths, blank, reduction, zeroInfinity);
    }

    /**
     * {@code criterion(log_probs, targets, input_lengths, target_lengths)}: {@link #forward(Tensor, Tensor, Tensor,
     * Tensor)} with this module's hooks.
     */
    public Tensor apply(Tensor logProbs, Tensor targets, Tensor inputLengths, Tensor targetLengths) {
        return callOne(in -> forward(in.get(0), in.get(1), in.get(2), in.get(3)), logProbs, targets, inputLengths,
                targetLengths);
    }
}
