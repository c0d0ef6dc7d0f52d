package dev.ember.optim;

import java.util.Map;

/**
 * Scales the learning rate by a factor that changes linearly from {@code startFactor} to {@code endFactor} over
 * {@code totalIters} epochs, as {@code torch.optim.lr_scheduler.LinearLR} (the usual warmup): PyTorch 2.x's recursive
 * form, so it composes with other schedulers.
 */
public final class LinearLR extends LRScheduler {
    private double startFactor;
    private double endFactor;
    private long totalIters;

    /** PyTorch's defaults: from a third of the rate to the full rate over 5 epochs. */
    public LinearLR(Optimizer optimizer) {
        this(optimizer, 1.0 / 3, 1.0, 5);
    }

    /**
     * The schedule.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a start factor outside (0, 1] or an end factor
     *     outside [0, 1], and for a null optimizer or a negative {@code totalIters}
     */
    public LinearLR(Optimizer optimizer, double startFactor, double endFactor, int totalIters) {
        this(optimizer, startFactor, endFactor, totalIters, -1);
    }

    /**
     * A schedule resumed after epoch {@code lastEpoch}, as PyTorch's {@code last_epoch} (see
     * {@link LRScheduler#LRScheduler(Optimizer, long)}): -1 starts a new one. The initial step of a resumed schedule
     * keeps the groups' rates, as PyTorch 2.x's (1.13 applied the next epoch's factor once more).
     *
     * @throws IllegalArgumentException as {@link #LinearLR(Optimizer, double, double, int)}, or when resuming, for a
     *     group without {@code initial_lr} (PyTorch's KeyError)
     */
    public LinearLR(Optimizer optimizer, double startFactor, double endFactor, int totalIters, long lastEpoch) {
        super(checked(optimizer, startFactor, endFactor, totalIters), lastEpoch);
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        initialStep();
    }

    private static Optimizer checked(Optimizer optimizer, double startFactor, double endFactor, long totalIters) {
        check(startFactor, endFactor, totalIters);
        return optimizer;
    }

    private static void check(double startFactor, double endFactor, long totalIters) {
        if (!(startFactor <= 1.0 && startFactor > 0)) {
            throw new IllegalArgumentException("Starting multiplicative factor expected to be greater than 0 and less or "
                    + "equal to 1.");
        }
        if (!(endFactor <= 1.0 && endFactor >= 0)) {
            throw new IllegalArgumentException("Ending multiplicative factor expected to be between 0 and 1.");
        }
        if (totalIters < 0) {
            throw new IllegalArgumentException("total_iters must be non-negative, got " + totalIters);
        }
    }

    @Override
    protected double[] getLr() {
        if (lastEpoch == 0) {
            return scaled(startFactor);
        }
        if (isInitial || lastEpoch > totalIters) {
            return unchanged();
        }
        return scaled(1.0 + (endFactor - startFactor)
                / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor)));
    }

    @Override
    protected double[] closedFormLr() {
        double[] out = baseLrs.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i] * (startFactor + (endFactor - startFactor) * Math.min(totalIters, lastEpoch) / totalIters);
        }
        return out;
    }

    @Override
    void saveFields(Map<String, Object> m) {
        m.put("start_factor", startFactor);
        m.put("end_factor", endFactor);
        m.put("total_iters", totalIters);
    }

    @Override
    Runnable loadFields(Map<String, ?> state) {
        double s = number(state, "start_factor", startFactor);
        double e = number(state, "end_factor", endFactor);
        long t = integer(state, "total_iters", totalIters);
        check(s, e, t);
        return () -> {
            startFactor = s;
            endFactor = e;
            totalIters = t;
        };
    }
}
