package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.PoissonNLLLoss}: {@link Functional#poissonNllLoss}. */
public final class PoissonNLLLoss extends Module {
    private final boolean logInput;
    private final boolean full;
    private final double eps;
    private final String reduction;

    /** PyTorch's defaults. */
    public PoissonNLLLoss() {
        this(true, false, 1e-8, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public PoissonNLLLoss(boolean logInput, boolean full, double eps, String reduction) {
        this.logInput = logInput;
        this.full = full;
        this.eps = eps;
        this.reduction = reduction;
    }

    /** Refused: the module takes 2 tensors, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("PoissonNLLLoss.forward() missing 1 required positional argument: 'target'");
    }

    /** {@code module(logInput, target)}. */
    public Tensor forward(Tensor logInput, Tensor target) {
        return Functional.poissonNllLoss(logInput, target, this.logInput, full, eps, reduction);
    }
}
