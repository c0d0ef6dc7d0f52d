package dev.ember.optim;

import dev.ember.Tensor;

import java.util.List;

/**
 * {@code torch.optim.AdamW}: {@link Adam} with decoupled weight decay (the weights shrink by {@code lr * weight_decay}
 * before the Adam update, rather than the decay joining the gradient), a subclass of Adam as PyTorch 2.7's; its
 * options and state are Adam's, with {@code decoupled_weight_decay} true. Prints as {@code AdamW (...)}.
 */
public final class AdamW extends Adam {
    /** {@code torch.optim.AdamW(params, lr)}: PyTorch's defaults, betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(List<Tensor> params, double lr) {
        super(params, lr, 0.9, 0.999, 1e-8, 0.01, true, false);
    }

    /**
     * {@code torch.optim.AdamW(params, lr, betas, eps, weight_decay, amsgrad)}, every option; checked as
     * {@link Adam#Adam(List, double, double, double, double, double, boolean)}.
     */
    public AdamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                 boolean amsgrad) {
        super(params, lr, beta1, beta2, eps, weightDecay, true, amsgrad);
    }
}
