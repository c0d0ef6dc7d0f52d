package dev.ember.optim;

import dev.ember.Format;

import java.util.Map;

/**
 * Cosine annealing from each group's initial rate to {@code etaMin} over {@code tMax} epochs, as
 * {@code torch.optim.lr_scheduler.CosineAnnealingLR}: PyTorch 2.x's recursive form (each rate from the current one), so
 * it composes with other schedulers; past {@code tMax} the rate climbs back as the cosine does.
 */
public final class CosineAnnealingLR extends LRScheduler {
    private long tMax;
    private double etaMin;

    /** Annealing to 0. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax) {
        this(optimizer, tMax, 0);
    }

    /**
     * Annealing to {@code etaMin}.
     *
     * @throws IllegalArgumentException for a null optimizer, a {@code tMax} below 1 (PyTorch divides by it) or an
     *     {@code etaMin} that is negative, nan or infinite
     */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        this(optimizer, tMax, etaMin, -1);
    }

    /**
     * A schedule resumed after epoch {@code lastEpoch}, as PyTorch's {@code last_epoch} (see
     * {@link LRScheduler#LRScheduler(Optimizer, long)}): -1 starts a new one. The initial step of a resumed schedule
     * keeps the groups' rates, as PyTorch 2.x's (1.13 set the closed-form rate of epoch {@code lastEpoch + 1}).
     *
     * @throws IllegalArgumentException as {@link #CosineAnnealingLR(Optimizer, int, double)}, or when resuming, for a
     *     group without {@code initial_lr} (PyTorch's KeyError)
     */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin, long lastEpoch) {
        super(checked(optimizer, tMax, etaMin), lastEpoch);
        this.tMax = tMax;
        this.etaMin = etaMin;
        initialStep();
    }

    private static Optimizer checked(Optimizer optimizer, long tMax, double etaMin) {
        check(tMax, etaMin);
        return optimizer;
    }

    private static void check(long tMax, double etaMin) {
        if (tMax < 1) {
            throw new IllegalArgumentException("T_max must be a positive integer, got " + tMax);
        }
        if (!(etaMin >= 0) || Double.isInfinite(etaMin)) {
            throw new IllegalArgumentException("eta_min must be a finite non-negative number, got " + Format.repr(etaMin));
        }
    }

    @Override
    protected double[] getLr() {
        int n = groupCount();
        double[] out = new double[Math.min(n, baseLrs.length)];
        if (isInitial) {
            return unchanged();
        } else if (stepCount == 1 && lastEpoch > 0) {
            for (int i = 0; i < out.length; i++) {
                out[i] = etaMin + (baseLrs[i] - etaMin) * (1 + Math.cos(lastEpoch * Math.PI / tMax)) / 2;
            }
        } else if (Math.floorMod(lastEpoch - 1 - tMax, 2 * tMax) == 0) {
            for (int i = 0; i < out.length; i++) {
                out[i] = groupLr(i) + (baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
            }
        } else {
            // PyTorch's recursive form reads every group (no base rate): a group added after the scheduler was made is
            // annealed too, where the two forms above zip with base_lrs and leave it
            out = new double[n];
            for (int i = 0; i < n; i++) {
                out[i] = (1 + Math.cos(Math.PI * lastEpoch / tMax)) / (1 + Math.cos(Math.PI * (lastEpoch - 1) / tMax))
                        * (groupLr(i) - etaMin) + etaMin;
            }
        }
        return out;
    }

    @Override
    protected double[] closedFormLr() {
        double[] out = baseLrs.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = etaMin + (baseLrs[i] - etaMin) * (1 + Math.cos(Math.PI * lastEpoch / tMax)) / 2;
        }
        return out;
    }

    @Override
    void saveFields(Map<String, Object> m) {
        m.put("T_max", tMax);
        m.put("eta_min", etaMin);
    }

    @Override
    Runnable loadFields(Map<String, ?> state) {
        long t = integer(state, "T_max", tMax);
        double e = number(state, "eta_min", etaMin);
        check(t, e);
        return () -> {
            tMax = t;
            etaMin = e;
        };
    }
}
