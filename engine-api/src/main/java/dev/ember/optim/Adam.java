package dev.ember.optim;

import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorScope;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam and AdamW, as {@code torch.optim.Adam} / {@code torch.optim.AdamW}: bias-corrected first and second
 * moment estimates; weight decay is added to the gradient (Adam) or applied to the weights directly (AdamW).
 */
public final class Adam extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;
    private final Map<Tensor, Tensor[]> state = new IdentityHashMap<>();
    private int step;

    private Adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                 boolean decoupled) {
        super(params, checked(lr, beta1, beta2, eps, weightDecay));
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public static Adam adam(List<Tensor> params, double lr) {
        return new Adam(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    /** Adam with every option. */
    public static Adam adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, false);
    }

    /** AdamW with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public static Adam adamW(List<Tensor> params, double lr) {
        return new Adam(params, lr, 0.9, 0.999, 1e-8, 0.01, true);
    }

    /** AdamW with every option. */
    public static Adam adamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, true);
    }

    private static double checked(double lr, double beta1, double beta2, double eps, double weightDecay) {
        if (lr < 0 || eps < 0 || beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || weightDecay < 0) {
            throw new IllegalArgumentException("Invalid Adam hyperparameters: lr=" + lr + ", betas=(" + beta1 + ", " + beta2
                    + "), eps=" + eps + ", weight_decay=" + weightDecay);
        }
        return lr;
    }

    /** One update of every parameter that has a gradient. */
    @Override
    public void step() {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        try (GradMode off = Ember.noGrad()) {
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g == null) {
                    continue;
                }
                if (weightDecay != 0) {
                    if (decoupled) {
                        p.mul_(1 - lr() * weightDecay);
                    } else {
                        g = g.add(p, weightDecay);
                    }
                }
                Tensor[] s = state.computeIfAbsent(p, k -> new Tensor[] {TensorScope.escape(p.zerosLike()),
                        TensorScope.escape(p.zerosLike())});
                s[0].mul_(beta1).add_(g, 1 - beta1);
                s[1].mul_(beta2).add_(g.mul(g), 1 - beta2);
                Tensor denom = s[1].sqrt().div(Math.sqrt(bc2)).add(eps);
                p.sub_(s[0].div(denom), lr() / bc1);
            }
        }
    }
}
