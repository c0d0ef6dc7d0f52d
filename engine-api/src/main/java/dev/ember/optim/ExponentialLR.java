package dev.ember.optim;

import dev.ember.Format;

import java.util.Map;

/** Multiplies the learning rate by {@code gamma} every epoch, as {@code torch.optim.lr_scheduler.ExponentialLR}. */
public final class ExponentialLR extends LRScheduler {
    private double gamma;

    /**
     * The schedule.
     *
     * @throws IllegalArgumentException for a null optimizer, or a gamma that is negative, nan or infinite
     */
    public ExponentialLR(Optimizer optimizer, double gamma) {
        this(optimizer, gamma, -1);
    }

    /**
     * A schedule resumed after epoch {@code lastEpoch}, as PyTorch's {@code last_epoch} (see
     * {@link LRScheduler#LRScheduler(Optimizer, long)}): -1 starts a new one. The initial step of a resumed schedule
     * keeps the groups' rates, as PyTorch 2.x's (1.13 multiplied them by gamma once more).
     *
     * @throws IllegalArgumentException as {@link #ExponentialLR(Optimizer, double)}, or when resuming, for a group
     *     without {@code initial_lr} (PyTorch's KeyError)
     */
    public ExponentialLR(Optimizer optimizer, double gamma, long lastEpoch) {
        super(checked(optimizer, gamma), lastEpoch);
        this.gamma = gamma;
        initialStep();
    }

    private static Optimizer checked(Optimizer optimizer, double gamma) {
        checkGamma(gamma);
        return optimizer;
    }

    private static void checkGamma(double gamma) {
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("gamma must be a finite non-negative number, got " + Format.repr(gamma));
        }
    }

    @Override
    protected double[] getLr() {
        // when loading from a checkpoint the initial step must not move the rate a step ahead (PyTorch 2.x)
        return isInitial ? unchanged() : scaled(gamma);
    }

    @Override
    protected double[] closedFormLr() {
        double[] out = baseLrs.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i] * Math.pow(gamma, lastEpoch);
        }
        return out;
    }

    @Override
    void saveFields(Map<String, Object> m) {
        m.put("gamma", gamma);
    }

    @Override
    Runnable loadFields(Map<String, ?> state) {
        double g = number(state, "gamma", gamma);
        checkGamma(g);
        return () -> gamma = g;
    }
}
