package dev.ember.optim;

import java.util.Map;

/**
 * Multiplies the learning rate by {@code factor} for the first {@code totalIters} epochs, then restores it, as
 * {@code torch.optim.lr_scheduler.ConstantLR}: PyTorch 2.x's recursive form, so it composes with other schedulers.
 */
public final class ConstantLR extends LRScheduler {
    private double factor;
    private long totalIters;

    /** PyTorch's defaults: a third of the rate for 5 epochs. */
    public ConstantLR(Optimizer optimizer) {
        this(optimizer, 1.0 / 3, 5);
    }

    /**
     * The schedule.
     *
     * A factor of 0 is accepted, as PyTorch's, and its step at {@code totalIters} throws PyTorch's ZeroDivisionError
     * ({@code float division by zero}).
     *
     * @throws IllegalArgumentException with PyTorch's message for a factor outside [0, 1], and for a null optimizer or
     *     a negative {@code totalIters}
     */
    public ConstantLR(Optimizer optimizer, double factor, int totalIters) {
        this(optimizer, factor, totalIters, -1);
    }

    /**
     * A schedule resumed after epoch {@code lastEpoch}, as PyTorch's {@code last_epoch} (see
     * {@link LRScheduler#LRScheduler(Optimizer, long)}): -1 starts a new one. The initial step of a resumed schedule
     * moves to epoch {@code lastEpoch + 1} as any step does (restoring the rate when that is {@code totalIters}), as
     * PyTorch's (1.13 and 2.x: ConstantLR has no initial-mode case).
     *
     * @throws IllegalArgumentException as {@link #ConstantLR(Optimizer, double, int)}, or when resuming, for a group
     *     without {@code initial_lr} (PyTorch's KeyError)
     */
    public ConstantLR(Optimizer optimizer, double factor, int totalIters, long lastEpoch) {
        super(checked(optimizer, factor, totalIters), lastEpoch);
        this.factor = factor;
        this.totalIters = totalIters;
        initialStep();
    }

    private static Optimizer checked(Optimizer optimizer, double factor, long totalIters) {
        check(factor, totalIters);
        return optimizer;
    }

    private static void check(double factor, long totalIters) {
        if (!(factor <= 1.0 && factor >= 0)) {
            throw new IllegalArgumentException("Constant multiplicative factor expected to be between 0 and 1.");
        }
        if (totalIters < 0) {
            throw new IllegalArgumentException("total_iters must be non-negative, got " + totalIters);
        }
    }

    @Override
    protected double[] getLr() {
        if (lastEpoch == 0) {
            return scaled(factor);
        }
        if (lastEpoch != totalIters) {
            return unchanged();
        }
        if (factor == 0) {
            // PyTorch's group["lr"] * (1.0 / self.factor) raises ZeroDivisionError when the constant phase ends
            throw new IllegalArgumentException("float division by zero");
        }
        return scaled(1.0 / factor);
    }

    @Override
    protected double[] closedFormLr() {
        double[] out = baseLrs.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i] * (factor + (lastEpoch >= totalIters ? 1 - factor : 0));
        }
        return out;
    }

    @Override
    void saveFields(Map<String, Object> m) {
        m.put("factor", factor);
        m.put("total_iters", totalIters);
    }

    @Override
    Runnable loadFields(Map<String, ?> state) {
        double f = number(state, "factor", factor);
        long t = integer(state, "total_iters", totalIters);
        check(f, t);
        return () -> {
            factor = f;
            totalIters = t;
        };
    }
}
