package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.GaussianNLLLoss}: {@link Functional#gaussianNllLoss}. */
public class GaussianNLLLoss extends Module {
    private final boolean full;
    private final double eps;
    private final String reduction;

    /** PyTorch's defaults. */
    public GaussianNLLLoss() {
        this(false, 1e-6, "mean");
    }

    /** The given settings, as PyTorch's constructor arguments. */
    public GaussianNLLLoss(boolean full, double eps, String reduction) {
        this.full = full;
        this.eps = eps;
        this.reduction = reduction;
    }

    /** Refused: the module takes 3 tensors, as PyTorch's. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("GaussianNLLLoss.forward() missing 2 required positional arguments: 'target' and 'var'");
    }

    /** {@code module(input, target, var)}. */
    public Tensor forward(Tensor input, Tensor target, Tensor var) {
        return Functional.gaussianNllLoss(input, target, var, full, eps, reduction);
    }

    /** {@code criterion(input, target, var)}: {@link #forward(Tensor, Tensor, Tensor)} with this module's hooks. */
    public Tensor apply(Tensor input, Tensor target, Tensor var) {
        return callOne(in -> forward(in.get(0), in.get(1), in.get(2)), input, target, var);
    }
}
