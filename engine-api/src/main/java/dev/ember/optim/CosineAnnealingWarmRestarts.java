package dev.ember.optim;

import dev.ember.Format;

import java.util.Map;

/**
 * Cosine annealing with warm restarts (SGDR), as {@code torch.optim.lr_scheduler.CosineAnnealingWarmRestarts}:
 * {@code lr = eta_min + (base_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2}, where {@code T_cur} counts the epochs
 * since the last restart and {@code T_i}, the length of the current cycle, starts at {@code T_0} and is multiplied by
 * {@code T_mult} at each restart. {@link #step(double)} jumps to a (fractional) epoch, as PyTorch's
 * {@code step(epoch)} called after every batch with {@code epoch + i / iters}.
 */
public final class CosineAnnealingWarmRestarts extends LRScheduler {
    private long t0;
    private long tMult;
    private double etaMin;
    private long tI;
    private double tCur;
    /** Whether PyTorch's {@code T_cur} is a float (after {@link #step(double)}) rather than an int. */
    private boolean tCurFloat;

    /** Restarts every {@code t0} epochs, annealing to 0. */
    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0) {
        this(optimizer, t0, 1, 0);
    }

    /**
     * The schedule.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a {@code t0} below 1 ({@code Expected positive integer
     *     T_0, but got 0}) or a {@code tMult} below 1, and for a null optimizer or an {@code etaMin} that is nan or
     *     infinite
     */
    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0, int tMult, double etaMin) {
        this(optimizer, t0, tMult, etaMin, -1);
    }

    /**
     * A schedule resumed after epoch {@code lastEpoch}, as PyTorch's {@code last_epoch} (see
     * {@link LRScheduler#LRScheduler(Optimizer, long)}): -1 starts a new one. As PyTorch's, {@code T_cur} starts at
     * {@code lastEpoch} and {@code T_i} at {@code T_0}, and the initial step is an ordinary one: {@code T_cur} becomes
     * {@code lastEpoch + 1}, reduced modulo {@code T_i} (with {@code T_i} multiplied by {@code T_mult} once) when it
     * reaches {@code T_i}, whatever restarts the epochs before would have made (PyTorch 2.x; 1.13 subtracted
     * {@code T_i} once instead of the modulo).
     *
     * @throws IllegalArgumentException as {@link #CosineAnnealingWarmRestarts(Optimizer, int, int, double)}, or when
     *     resuming, for a group without {@code initial_lr} (PyTorch's KeyError)
     */
    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0, int tMult, double etaMin, long lastEpoch) {
        super(checked(optimizer, t0, tMult, etaMin), lastEpoch);
        this.t0 = t0;
        this.tI = t0;
        this.tMult = tMult;
        this.etaMin = etaMin;
        this.tCur = lastEpoch; // PyTorch's T_cur = last_epoch
        initialStep();
    }

    private static Optimizer checked(Optimizer optimizer, long t0, long tMult, double etaMin) {
        check(t0, tMult, etaMin);
        return optimizer;
    }

    private static void check(long t0, long tMult, double etaMin) {
        if (t0 <= 0) {
            throw new IllegalArgumentException("Expected positive integer T_0, but got " + t0);
        }
        if (tMult < 1) {
            throw new IllegalArgumentException("Expected integer T_mult >= 1, but got " + tMult);
        }
        if (!Double.isFinite(etaMin)) {
            throw new IllegalArgumentException("Expected float or int eta_min, but got " + Format.repr(etaMin));
        }
    }

    @Override
    protected double[] getLr() {
        double[] out = new double[Math.min(groupCount(), baseLrs.length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = etaMin + (baseLrs[i] - etaMin) * (1 + Math.cos(Math.PI * tCur / tI)) / 2;
        }
        return out;
    }

    /** Ends an epoch: {@code T_cur} advances by one, restarting (and growing {@code T_i}) at the end of a cycle. */
    @Override
    public void step() {
        if (lastEpoch < 0) {
            jump(0, false);
            return;
        }
        double cur = tCur + 1;
        long ti = tI;
        if (cur >= ti) {
            cur = cur % ti;
            ti = ti * tMult;
        }
        commit(lastEpoch + 1, cur, ti);
    }

    /**
     * Jumps to {@code epoch} (fractional epochs allowed), as PyTorch's {@code step(epoch)}.
     *
     * @throws IllegalArgumentException for a negative epoch ({@code Expected non-negative epoch, but got -1.0}) or a
     *     nan one
     */
    public void step(double epoch) {
        jump(epoch, true);
        tCurFloat = true; // PyTorch's T_cur takes the float epoch's type (and stays a float from then on)
    }

    /**
     * Jumps to a whole epoch, as PyTorch's {@code step(epoch)} with a Python int: {@code T_cur} stays an int where
     * PyTorch's does ({@code epoch} itself below {@code T_0}, {@code epoch % T_0} with {@code T_mult} 1) and becomes a
     * float where PyTorch's true division makes it one ({@code epoch - T_0 (T_mult^n - 1) / (T_mult - 1)} with
     * {@code T_mult} above 1, and from then on through {@link #step()}), which {@link #stateDict()} shows as PyTorch
     * prints it ({@code 'T_cur': 2} or {@code 'T_cur': 2.0}).
     *
     * @throws IllegalArgumentException for a negative epoch ({@code Expected non-negative epoch, but got -1}), with
     *     nothing changed
     */
    public void step(long epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("Expected non-negative epoch, but got " + epoch);
        }
        jump(epoch, true);
        tCurFloat = epoch >= t0 && tMult != 1;
    }

    private void jump(double epoch, boolean given) {
        if (!(epoch >= 0)) {
            throw new IllegalArgumentException("Expected non-negative epoch, but got " + Format.repr(epoch));
        }
        double cur;
        long ti = tI;
        if (epoch >= t0) {
            if (tMult == 1) {
                cur = epoch % t0;
            } else {
                int n = (int) (Math.log(epoch / t0 * (tMult - 1) + 1) / Math.log(tMult));
                cur = epoch - t0 * (Math.pow(tMult, n) - 1) / (tMult - 1);
                ti = t0 * (long) Math.pow(tMult, n);
            }
        } else {
            ti = t0;
            cur = epoch;
        }
        commit((long) Math.floor(epoch), cur, ti);
    }

    /** Sets the rates for the new counters, then keeps them (all or nothing). */
    private void commit(long epoch, double cur, long ti) {
        long savedEpoch = lastEpoch;
        double savedCur = tCur;
        long savedTi = tI;
        lastEpoch = epoch;
        tCur = cur;
        tI = ti;
        try {
            setLrs(getLr());
        } catch (RuntimeException e) {
            lastEpoch = savedEpoch;
            tCur = savedCur;
            tI = savedTi;
            throw e;
        }
        setLastLr(currentLrs());
    }

    @Override
    void saveFields(Map<String, Object> m) {
        m.put("T_0", t0);
        m.put("T_i", tI);
        m.put("T_mult", tMult);
        m.put("eta_min", etaMin);
        m.put("T_cur", tCurFloat ? (Object) tCur : (Object) (long) tCur);
    }

    @Override
    Runnable loadFields(Map<String, ?> state) {
        long a = integer(state, "T_0", t0);
        long i = integer(state, "T_i", tI);
        long mult = integer(state, "T_mult", tMult);
        double e = number(state, "eta_min", etaMin);
        double cur = number(state, "T_cur", tCur);
        boolean curFloat = state.containsKey("T_cur") ? !(state.get("T_cur") instanceof Long
                || state.get("T_cur") instanceof Integer) || cur != Math.rint(cur) : tCurFloat;
        check(a, mult, e);
        if (i < 1) {
            throw new IllegalArgumentException("scheduler state 'T_i' must be a positive integer, got " + i);
        }
        return () -> {
            t0 = a;
            tI = i;
            tMult = mult;
            etaMin = e;
            tCur = cur;
            tCurFloat = curFloat;
        };
    }
}
