package dev.ember.backend;

import java.util.List;

/**
 * The optimizers {@link Backend#optimizerUpdate} updates in one pass, with the meaning of each slot of its
 * {@code hyper} array and the state tensors it takes, in order. The optimizer computes every scalar in double as its
 * chain of ops did (bias corrections, step sizes), so a kernel only rounds each to the tensors' type where the chain's
 * op did ({@code (float) x} for float32) and does the elementwise arithmetic; a flag is 1 (on) or 0 (off).
 *
 * <p>Per element, with {@code F(x)} the scalar in the tensors' type, {@code fma} one rounding, every other operation
 * rounded to the type, {@code g} the gradient and {@code p} the parameter:
 * <ul>
 *   <li>weight decay, first, when {@code weight_decay != 0}: with {@code decoupled} (Adam, NAdam, RAdam)
 *       {@code p = p * F(decay_factor)}, else {@code g = fma(F(weight_decay), p, g)};</li>
 *   <li>a moving average of the gradient (PyTorch 2.x's {@code m.lerp_(g, 1 - beta)})
 *       {@code m = lerp(m, g, F(1 - beta))} with {@code lerp(m, g, w) = fma(w, g - m, m)} for {@code |w| < 0.5},
 *       else {@code fma(w - 1, g - m, g)};</li>
 *   <li>a moving average of its square ({@code v.mul_(beta).addcmul_(g, g, value=1 - beta)})
 *       {@code v = fma(F(1 - beta) * g, g, v * F(beta))};</li>
 *   <li>a step {@code p = fma(-F(step), u, p)} ({@code add_(u, alpha=-step)}), or, where PyTorch calls
 *       {@code addcdiv_(u, d, value=-step)}, {@code p = p + (F(-step) * u) / d}.</li>
 * </ul>
 * These are the roundings of PyTorch's x86 CPU kernels (AVX2 and AVX-512 builds contract {@code a + b * c} into one
 * fused multiply-add), so a CPU update has PyTorch's bits. The Javadoc of each constant gives its update in these
 * terms.
 */
public enum OptimizerKind {
    /**
     * SGD: {@code buf = first_step ? g : fma(F(dampening_factor), g, buf * F(momentum))} (with momentum; then
     * {@code g = nesterov ? fma(F(momentum), buf, g) : buf}); {@code p = fma(-F(lr), g, p)}. State: the momentum buffer
     * when momentum is not 0, else none.
     */
    SGD(List.of("lr", "weight_decay", "momentum", "dampening_factor", "nesterov", "first_step"), 0, 1),
    /**
     * Adam and AdamW: {@code m} and {@code v} moving averages; with amsgrad
     * {@code vmax = maximum(vmax, v)} is used for {@code v}; {@code d = sqrt(v) / F(bias_correction2_sqrt) + F(eps)};
     * {@code p = p + (F(-step_size) * m) / d}. State: exp_avg, exp_avg_sq (and max_exp_avg_sq with amsgrad).
     */
    ADAM(List.of("weight_decay", "decoupled", "decay_factor", "beta1", "one_minus_beta1", "beta2", "one_minus_beta2",
            "amsgrad", "bias_correction2_sqrt", "eps", "step_size"), 2, 3),
    /**
     * Adamax: {@code m} moving average; {@code u = maximum(u * F(beta2), |g| + F(eps))};
     * {@code p = p + (F(-step_size) * m) / u}. State: exp_avg, exp_inf.
     */
    ADAMAX(List.of("weight_decay", "beta1", "one_minus_beta1", "beta2", "eps", "step_size"), 2, 2),
    /**
     * Adagrad: {@code sum = fma(g, g, sum)}; {@code p = p + (F(-step_size) * g) / (sqrt(sum) + F(eps))}. State: sum.
     */
    ADAGRAD(List.of("weight_decay", "eps", "step_size"), 1, 1),
    /**
     * RMSprop: {@code v} moving average of the square (beta {@code alpha}); centered, {@code ga} of {@code g} and
     * {@code d = sqrt(fma(-ga, ga, v)) + F(eps)}, else {@code d = sqrt(v) + F(eps)}; with momentum
     * {@code buf = buf * F(momentum) + g / d} and {@code p = fma(-F(lr), buf, p)}, else
     * {@code p = p + (F(-lr) * g) / d}. State: square_avg, then momentum_buffer (momentum above 0), then grad_avg
     * (centered).
     */
    RMSPROP(List.of("weight_decay", "alpha", "one_minus_alpha", "eps", "lr", "momentum", "centered"), 1, 3),
    /**
     * NAdam (and NAdamW): {@code m} and {@code v} moving averages; {@code d = sqrt(v / F(bias_correction2)) + F(eps)};
     * {@code p = p + (F(-grad_step) * g) / d}, then {@code p = p + (F(-avg_step) * m) / d}. State: exp_avg,
     * exp_avg_sq.
     */
    NADAM(List.of("weight_decay", "decoupled", "decay_factor", "beta1", "one_minus_beta1", "beta2", "one_minus_beta2",
            "bias_correction2", "eps", "grad_step", "avg_step"), 2, 2),
    /**
     * RAdam (and RAdamW): {@code m} and {@code v} moving averages; {@code c = m / F(bias_correction1)}; when
     * {@code rectified}, {@code a = (1 / (sqrt(v) + F(eps))) * F(bias_correction2_sqrt)} (Python's
     * {@code number / tensor}) and
     * {@code p = p - ((c * F(lr)) * a) * F(rect)}, else {@code p = p - c * F(lr)}. State: exp_avg, exp_avg_sq.
     */
    RADAM(List.of("weight_decay", "decoupled", "decay_factor", "beta1", "one_minus_beta1", "beta2", "one_minus_beta2",
            "bias_correction1", "lr", "rectified", "bias_correction2_sqrt", "eps", "rect"), 2, 2);

    /** The most slots any kind's {@code hyper} has (kernels may take a fixed array of this size). */
    public static final int MAX_HYPER = 16;
    /** The most state tensors any kind takes. */
    public static final int MAX_STATE = 3;

    private final List<String> slots;
    private final int minState;
    private final int maxState;

    OptimizerKind(List<String> slots, int minState, int maxState) {
        this.slots = slots;
        this.minState = minState;
        this.maxState = maxState;
    }

    /** The names of the {@code hyper} slots, in order (the array has exactly this many). */
    public List<String> slots() {
        return slots;
    }

    /** The index of a named slot. */
    public int slot(String name) {
        int i = slots.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException(this + " has no slot " + name);
        }
        return i;
    }

    /** The fewest state tensors this kind takes. */
    public int minState() {
        return minState;
    }

    /** The most state tensors this kind takes. */
    public int maxState() {
        return maxState;
    }
}
