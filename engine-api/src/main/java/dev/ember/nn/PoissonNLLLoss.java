package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.PoissonNLLLoss}: {@link Functional#poissonNllLoss}. */
public class PoissonNLLLoss extends PairLoss {
    private final boolean logInput;
    private final boolean full;
    private final double eps;

    /** PyTorch's defaults. */
    public PoissonNLLLoss() {
        this(true, false, 1e-8, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public PoissonNLLLoss(boolean logInput, boolean full, double eps, String reduction) {
        super(reduction);
        this.logInput = logInput;
        this.full = full;
        this.eps = eps;
    }

    /** {@code module(logInput, target)}. */
    @Override
    public Tensor forward(Tensor logInput, Tensor target) {
        return Functional.poissonNllLoss(logInput, target, this.logInput, full, eps, reduction);
    }
}
