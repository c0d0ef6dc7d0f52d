package dev.ember.optim;

import java.util.Map;

/**
 * Decays the learning rate polynomially to 0 over {@code totalIters} epochs, {@code lr * (1 - t / totalIters)^power},
 * then keeps it there, as {@code torch.optim.lr_scheduler.PolynomialLR}: PyTorch 2.x's recursive form, so it composes
 * with other schedulers.
 */
public final class PolynomialLR extends LRScheduler {
    private long totalIters;
    private double power;

    /** PyTorch's defaults: linear decay over 5 epochs. */
    public PolynomialLR(Optimizer optimizer) {
        this(optimizer, 5, 1.0);
    }

    /**
     * The schedule.
     *
     * @throws IllegalArgumentException for a null optimizer or a negative {@code totalIters}
     */
    public PolynomialLR(Optimizer optimizer, int totalIters, double power) {
        this(optimizer, totalIters, power, -1);
    }

    /**
     * A schedule resumed after epoch {@code lastEpoch}, as PyTorch's {@code last_epoch} (see
     * {@link LRScheduler#LRScheduler(Optimizer, long)}): -1 starts a new one. The initial step of a resumed schedule
     * keeps the groups' rates, as PyTorch 2.x's (1.13 applied the next epoch's decay once more).
     *
     * @throws IllegalArgumentException as {@link #PolynomialLR(Optimizer, int, double)}, or when resuming, for a group
     *     without {@code initial_lr} (PyTorch's KeyError)
     */
    public PolynomialLR(Optimizer optimizer, int totalIters, double power, long lastEpoch) {
        super(checked(optimizer, totalIters), lastEpoch);
        this.totalIters = totalIters;
        this.power = power;
        initialStep();
    }

    private static Optimizer checked(Optimizer optimizer, long totalIters) {
        check(totalIters);
        return optimizer;
    }

    private static void check(long totalIters) {
        if (totalIters < 0) {
            throw new IllegalArgumentException("total_iters must be non-negative, got " + totalIters);
        }
    }

    @Override
    protected double[] getLr() {
        if (isInitial || lastEpoch == 0 || lastEpoch > totalIters) {
            return unchanged();
        }
        double decay = Math.pow((1.0 - (double) lastEpoch / totalIters) / (1.0 - (double) (lastEpoch - 1) / totalIters),
                power);
        return scaled(decay);
    }

    @Override
    protected double[] closedFormLr() {
        double[] out = baseLrs.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i] * Math.pow(1.0 - (double) Math.min(totalIters, lastEpoch) / totalIters, power);
        }
        return out;
    }

    @Override
    void saveFields(Map<String, Object> m) {
        m.put("total_iters", totalIters);
        m.put("power", power);
    }

    @Override
    Runnable loadFields(Map<String, ?> state) {
        long t = integer(state, "total_iters", totalIters);
        double p = number(state, "power", power);
        check(t);
        return () -> {
            totalIters = t;
            power = p;
        };
    }
}
