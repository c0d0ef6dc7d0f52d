package dev.ember.optim;

import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorScope;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam and AdamW, as {@code torch.optim.Adam} / {@code torch.optim.AdamW}: bias-corrected first and second
 * moment estimates; weight decay is added to the gradient (Adam) or applied to the weights directly (AdamW). Each
 * parameter counts its own steps, as PyTorch's {@code state['step']}, so one that gets its first gradient late is
 * bias-corrected from its own first step. With {@code amsgrad} (Reddi et al., 2018) the denominator uses the largest
 * second moment seen so far, PyTorch's {@code max_exp_avg_sq}.
 */
public final class Adam extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;
    private final boolean amsgrad;
    private final Map<Tensor, State> state = new IdentityHashMap<>();

    /** A parameter's moments (and, with amsgrad, the largest second moment) and step count. */
    private static final class State {
        final Tensor expAvg;
        final Tensor expAvgSq;
        final Tensor maxExpAvgSq;
        long step;

        State(Tensor p, boolean amsgrad) {
            expAvg = TensorScope.escape(p.zerosLike()); // the optimizer's state outlives the step's scope
            expAvgSq = TensorScope.escape(p.zerosLike());
            maxExpAvgSq = amsgrad ? TensorScope.escape(p.zerosLike()) : null;
        }
    }

    private Adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                 boolean decoupled, boolean amsgrad) {
        super(params, checked(lr, beta1, beta2, eps, weightDecay));
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.amsgrad = amsgrad;
    }

    /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public static Adam adam(List<Tensor> params, double lr) {
        return new Adam(params, lr, 0.9, 0.999, 1e-8, 0, false, false);
    }

    /**
     * Adam with every option.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a learning rate, eps or weight decay that is
     *     negative or nan, or a beta outside [0, 1); infinite values are refused too
     */
    public static Adam adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, false, false);
    }

    /**
     * Adam with every option, {@code amsgrad} included ({@code torch.optim.Adam(..., amsgrad=True)}); checked as
     * {@link #adam(List, double, double, double, double, double)}.
     */
    public static Adam adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                            boolean amsgrad) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, false, amsgrad);
    }

    /** AdamW with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public static Adam adamW(List<Tensor> params, double lr) {
        return new Adam(params, lr, 0.9, 0.999, 1e-8, 0.01, true, false);
    }

    /** AdamW with every option; checked as {@link #adam(List, double, double, double, double, double)}. */
    public static Adam adamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, true, false);
    }

    /** AdamW with every option, {@code amsgrad} included ({@code torch.optim.AdamW(..., amsgrad=True)}). */
    public static Adam adamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                             boolean amsgrad) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, true, amsgrad);
    }

    /** Whether this optimizer uses the AMSGrad variant. */
    public boolean amsgrad() {
        return amsgrad;
    }

    private static double checked(double lr, double beta1, double beta2, double eps, double weightDecay) {
        checkLr(lr);
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("Invalid epsilon value: " + Format.repr(eps));
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("Invalid beta parameter at index 0: " + Format.repr(beta1));
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Invalid beta parameter at index 1: " + Format.repr(beta2));
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("Invalid weight_decay value: " + Format.repr(weightDecay));
        }
        return lr;
    }

    /** One update of every parameter that has a gradient; checks them all, and their moments, first. */
    @Override
    public void step() {
        List<Tensor> ps = parametersWithGradients();
        for (Tensor p : ps) {
            State s = state.get(p);
            if (s != null) {
                String what = "Adam.step: the optimizer state of parameter " + params.indexOf(p);
                checkLike(what + " (exp_avg)", s.expAvg, p);
                checkLike(what + " (exp_avg_sq)", s.expAvgSq, p);
                if (s.maxExpAvgSq != null) {
                    checkLike(what + " (max_exp_avg_sq)", s.maxExpAvgSq, p);
                }
            }
        }
        try (GradMode off = Ember.noGrad()) {
            for (Tensor p : ps) {
                Tensor g = p.grad();
                State s = state.computeIfAbsent(p, q -> new State(q, amsgrad));
                s.step++;
                if (weightDecay != 0) {
                    if (decoupled) {
                        p.mul_(1 - lr() * weightDecay);
                    } else {
                        g = g.add(p, weightDecay);
                    }
                }
                double bc1 = 1 - Math.pow(beta1, s.step);
                double bc2 = 1 - Math.pow(beta2, s.step);
                s.expAvg.mul_(beta1).add_(g, 1 - beta1);
                s.expAvgSq.mul_(beta2).add_(g.mul(g), 1 - beta2);
                Tensor second = s.expAvgSq;
                if (amsgrad) {
                    // max_exp_avg_sq = maximum(max_exp_avg_sq, exp_avg_sq), in place
                    s.maxExpAvgSq.copy_(s.maxExpAvgSq.maximum(s.expAvgSq));
                    second = s.maxExpAvgSq;
                }
                Tensor denom = second.sqrt().div(Math.sqrt(bc2)).add(eps);
                p.sub_(s.expAvg.div(denom), lr() / bc1);
            }
        }
    }
}
