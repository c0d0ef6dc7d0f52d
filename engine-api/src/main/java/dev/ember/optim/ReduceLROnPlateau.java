package dev.ember.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reduces the learning rate when a metric has stopped improving, as
 * {@code torch.optim.lr_scheduler.ReduceLROnPlateau}: after more than {@code patience} epochs without an improvement
 * (by {@code threshold}, relative or absolute, in {@code min} or {@code max} mode) every group's rate is multiplied by
 * {@code factor}, not below its {@code min_lr}, and not when the change would be at most {@code eps}; then
 * {@code cooldown} epochs pass before bad epochs count again. Step it with the metric: {@link #step(double)}.
 */
public final class ReduceLROnPlateau extends LRScheduler {
    private double factor;
    private double[] minLrs;
    private Double defaultMinLr;
    private long patience;
    private long cooldown;
    private double eps;
    private String mode;
    private double threshold;
    private String thresholdMode;
    private double best;
    private long numBadEpochs;
    private double modeWorse;
    private long cooldownCounter;
    /** Whether the lower bounds are PyTorch's ints (its default {@code min_lr=0}, or ints loaded): printed as such. */
    private boolean minLrsInt;

    /** PyTorch's defaults: mode min, factor 0.1, patience 10, threshold 1e-4 relative, no cooldown, min_lr 0, eps 1e-8. */
    public ReduceLROnPlateau(Optimizer optimizer) {
        this(optimizer, "min", 0.1, 10, 1e-4, "rel", 0, new double[] {0}, 1e-8);
        minLrsInt = true;
    }

    /**
     * The options users pass most, in PyTorch's order: {@code ReduceLROnPlateau(opt, mode="max", factor=0.5,
     * patience=2)} is {@code new ReduceLROnPlateau(opt, "max", 0.5, 2)}; the others PyTorch's defaults (threshold 1e-4
     * relative, no cooldown, min_lr 0, eps 1e-8).
     *
     * @throws IllegalArgumentException as {@link #ReduceLROnPlateau(Optimizer, String, double, int, double, String, int,
     *     double[], double)}
     */
    public ReduceLROnPlateau(Optimizer optimizer, String mode, double factor, int patience) {
        this(optimizer, mode, factor, patience, 1e-4, "rel", 0, new double[] {0}, 1e-8);
        minLrsInt = true;
    }

    /**
     * The schedule with every option and one lower bound for every group, as PyTorch's scalar {@code min_lr}: its
     * {@code default_min_lr} is {@code minLr}, so a group added to the optimizer later gets it too.
     *
     * @throws IllegalArgumentException as {@link #ReduceLROnPlateau(Optimizer, String, double, int, double, String, int,
     *     double[], double)}
     */
    public ReduceLROnPlateau(Optimizer optimizer, String mode, double factor, int patience, double threshold,
                             String thresholdMode, int cooldown, double minLr, double eps) {
        this(optimizer, mode, factor, patience, threshold, thresholdMode, cooldown, new double[] {minLr}, eps);
    }

    /**
     * The schedule with every option and one lower bound per group, as PyTorch's list {@code min_lr}: the list must hold
     * one bound for each group (a one-element list too: it is not a scalar), and {@code default_min_lr} is None, so
     * reducing the rates after a group was added to the optimizer fails (PyTorch's RuntimeError).
     *
     * @throws IllegalArgumentException with PyTorch's message for a list of another length than the groups
     *     ({@code expected 1 min_lrs, got 2}), for a null list or element, and as {@link #ReduceLROnPlateau(Optimizer,
     *     String, double, int, double, String, int, double[], double)}
     */
    public ReduceLROnPlateau(Optimizer optimizer, String mode, double factor, int patience, double threshold,
                             String thresholdMode, int cooldown, List<Double> minLrs, double eps) {
        this(optimizer, mode, factor, patience, threshold, thresholdMode, cooldown, listed(optimizer, factor, minLrs),
                eps);
        defaultMinLr = null;
    }

    private static double[] listed(Optimizer optimizer, double factor, List<Double> minLrs) {
        if (!(factor < 1.0)) {
            throw new IllegalArgumentException("Factor should be < 1.0.");
        }
        if (optimizer == null) {
            throw new IllegalArgumentException("NoneType is not an Optimizer");
        }
        if (minLrs == null) {
            throw new IllegalArgumentException("min_lr must not be null");
        }
        int n = optimizer.paramGroups().size();
        if (minLrs.size() != n) {
            throw new IllegalArgumentException("expected " + n + " min_lrs, got " + minLrs.size());
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            if (minLrs.get(i) == null) {
                throw new IllegalArgumentException("min_lr must not be null");
            }
            out[i] = minLrs.get(i);
        }
        return out;
    }

    /**
     * The schedule with every option; {@code minLrs} holds one lower bound for every group (a one-element array: the
     * scalar form, {@code default_min_lr} set) or one per group (the list form; for PyTorch's one-element list, whose
     * length must equal the groups', use the {@code List} constructor).
     *
     * @throws IllegalArgumentException with PyTorch's messages for a factor of 1 or more ({@code Factor should be <
     *     1.0.}), a {@code minLrs} of another length than the groups, an unknown mode or threshold mode; and for a null
     *     optimizer or a negative patience or cooldown
     */
    public ReduceLROnPlateau(Optimizer optimizer, String mode, double factor, int patience, double threshold,
                             String thresholdMode, int cooldown, double[] minLrs, double eps) {
        super(checked(optimizer, mode, factor, patience, threshold, thresholdMode, cooldown, minLrs), false);
        this.factor = factor;
        int n = optimizer.paramGroups().size();
        if (minLrs.length == 1 && n != 1) {
            this.defaultMinLr = minLrs[0];
            this.minLrs = new double[n];
            Arrays.fill(this.minLrs, minLrs[0]);
        } else {
            this.defaultMinLr = minLrs.length == 1 ? minLrs[0] : null;
            this.minLrs = minLrs.clone();
        }
        this.patience = patience;
        this.cooldown = cooldown;
        this.eps = eps;
        this.lastEpoch = 0;
        setLastLr(currentLrs());
        this.mode = mode;
        this.threshold = threshold;
        this.thresholdMode = thresholdMode;
        this.modeWorse = mode.equals("min") ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        reset();
    }

    private static Optimizer checked(Optimizer optimizer, String mode, double factor, long patience, double threshold,
                                     String thresholdMode, long cooldown, double[] minLrs) {
        if (!(factor < 1.0)) {
            throw new IllegalArgumentException("Factor should be < 1.0.");
        }
        if (optimizer == null) {
            throw new IllegalArgumentException("NoneType is not an Optimizer");
        }
        if (minLrs == null) {
            throw new IllegalArgumentException("min_lr must not be null");
        }
        int n = optimizer.paramGroups().size();
        if (minLrs.length != 1 && minLrs.length != n) {
            throw new IllegalArgumentException("expected " + n + " min_lrs, got " + minLrs.length);
        }
        checkModes(mode, thresholdMode);
        if (patience < 0 || cooldown < 0) {
            throw new IllegalArgumentException((patience < 0 ? "patience" : "cooldown") + " must be non-negative, got "
                    + (patience < 0 ? patience : cooldown));
        }
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("threshold must be a finite number, got " + repr(threshold));
        }
        return optimizer;
    }

    private static void checkModes(String mode, String thresholdMode) {
        if (!"min".equals(mode) && !"max".equals(mode)) {
            throw new IllegalArgumentException("mode " + mode + " is unknown!");
        }
        if (!"rel".equals(thresholdMode) && !"abs".equals(thresholdMode)) {
            throw new IllegalArgumentException("threshold mode " + thresholdMode + " is unknown!");
        }
    }

    private void reset() {
        best = modeWorse;
        cooldownCounter = 0;
        numBadEpochs = 0;
    }

    @Override
    protected double[] getLr() {
        throw new UnsupportedOperationException("ReduceLROnPlateau computes rates from a metric: use step(metrics)");
    }

    /**
     * Refused: this scheduler steps with a metric.
     *
     * @throws IllegalArgumentException always, with PyTorch's message for {@code step()} without the metric
     */
    @Override
    public void step() {
        throw new IllegalArgumentException("ReduceLROnPlateau.step() missing 1 required positional argument: 'metrics'");
    }

    /**
     * Ends an epoch with the metric's value: counts a bad epoch unless it improved, and reduces the rates after more than
     * {@code patience} bad ones. All or nothing: a rate the optimizer refuses changes nothing.
     */
    public void step(double metrics) {
        step(metrics, lastEpoch + 1);
    }

    /**
     * Ends an epoch with the metric's value and sets {@code last_epoch} to {@code epoch}, as PyTorch's deprecated
     * {@code step(metrics, epoch)} (the epoch only sets the counter: the reduction works as {@link #step(double)}).
     */
    public void step(double metrics, long epoch) {
        double current = metrics;
        double newBest = best;
        long bad = numBadEpochs;
        long cool = cooldownCounter;
        if (isBetter(current, best)) {
            newBest = current;
            bad = 0;
        } else {
            bad += 1;
        }
        if (cool > 0) {
            cool -= 1;
            bad = 0; // ignore any bad epochs in cooldown
        }
        double[] lrs = null;
        double[] mins = minLrs;
        if (bad > patience) {
            int n = groupCount();
            if (n != mins.length) {
                if (defaultMinLr == null) {
                    throw new IllegalStateException("The number of param groups in the `optimizer` (" + n + ") differs from "
                            + "when `ReduceLROnPlateau` was initialized (" + mins.length + "), usually due to a new param "
                            + "group being added to the optimizer. Please modify the `min_lrs` field to match the length of "
                            + "the `optimizer` param groups.");
                }
                mins = new double[n];
                Arrays.fill(mins, defaultMinLr);
            }
            lrs = currentLrs();
            for (int i = 0; i < n; i++) {
                double oldLr = lrs[i];
                double newLr = Math.max(oldLr * factor, mins[i]);
                if (oldLr - newLr > eps) {
                    lrs[i] = newLr;
                }
            }
            cool = cooldown;
            bad = 0;
        }
        if (lrs != null) {
            setLrs(lrs);
        }
        minLrs = mins;
        lastEpoch = epoch;
        best = newBest;
        numBadEpochs = bad;
        cooldownCounter = cool;
        setLastLr(currentLrs());
    }

    /** Whether the scheduler is cooling down after a reduction. */
    public boolean inCooldown() {
        return cooldownCounter > 0;
    }

    /** The best metric seen. */
    public double best() {
        return best;
    }

    /** The number of bad epochs counted since the last improvement or reduction. */
    public long numBadEpochs() {
        return numBadEpochs;
    }

    private boolean isBetter(double a, double best) {
        if (mode.equals("min") && thresholdMode.equals("rel")) {
            return a < best * (1.0 - threshold);
        } else if (mode.equals("min")) {
            return a < best - threshold;
        } else if (thresholdMode.equals("rel")) {
            return a > best * (threshold + 1.0);
        }
        return a > best + threshold;
    }

    /**
     * The state, as PyTorch 2.x's {@code state_dict()}: its {@code __dict__} in the order its constructor assigns it
     * ({@code factor}, {@code default_min_lr}, {@code min_lrs}, ..., {@code _last_lr}, then {@code _init_is_better}'s
     * {@code mode_worse}, {@code mode}, {@code threshold}, {@code threshold_mode} and {@code _reset}'s {@code best},
     * {@code cooldown_counter}, {@code num_bad_epochs}); the lower bounds print as ints where PyTorch's are (its default
     * {@code min_lr=0}: {@code [0, 0]}). It prints as Python prints PyTorch's dict.
     */
    @Override
    public Map<String, Object> stateDict() {
        Map<String, Object> m = newState();
        m.put("factor", factor);
        m.put("default_min_lr", defaultMinLr == null ? null : minLr(defaultMinLr));
        List<Object> mins = new ArrayList<>();
        for (double v : minLrs) {
            mins.add(minLr(v));
        }
        m.put("min_lrs", mins);
        m.put("patience", patience);
        m.put("cooldown", cooldown);
        m.put("eps", eps);
        m.put("last_epoch", lastEpoch);
        m.put("_last_lr", list(getLastLr()));
        m.put("mode_worse", modeWorse);
        m.put("mode", mode);
        m.put("threshold", threshold);
        m.put("threshold_mode", thresholdMode);
        m.put("best", best);
        m.put("cooldown_counter", cooldownCounter);
        m.put("num_bad_epochs", numBadEpochs);
        return m;
    }

    private Object minLr(double v) {
        return minLrsInt && v == Math.rint(v) && Math.abs(v) < 9.0e15 ? (Object) (long) v : (Object) v;
    }

    /** Loads a state from {@link #stateDict()}; everything is checked before anything changes. */
    @Override
    public void loadStateDict(Map<String, ?> state) {
        checkKeys(state);
        double f = number(state, "factor", factor);
        if (!(f < 1.0)) {
            throw new IllegalArgumentException("Factor should be < 1.0.");
        }
        double[] mins = state.containsKey("min_lrs") ? doubles(state, "min_lrs") : minLrs;
        boolean minsInt = state.containsKey("min_lrs") ? allInts(state.get("min_lrs")) : minLrsInt;
        Double def = defaultMinLr;
        if (state.containsKey("default_min_lr")) {
            def = state.get("default_min_lr") == null ? null : number(state, "default_min_lr");
        }
        long pat = integer(state, "patience", patience);
        long cool = integer(state, "cooldown", cooldown);
        double e = number(state, "eps", eps);
        long epoch = integer(state, "last_epoch", lastEpoch);
        double[] last = state.containsKey("_last_lr") ? doubles(state, "_last_lr") : getLastLr();
        String md = string(state, "mode", mode);
        double th = number(state, "threshold", threshold);
        String tm = string(state, "threshold_mode", thresholdMode);
        checkModes(md, tm);
        double b = number(state, "best", best);
        long bad = integer(state, "num_bad_epochs", numBadEpochs);
        long counter = integer(state, "cooldown_counter", cooldownCounter);
        factor = f;
        minLrs = mins;
        minLrsInt = minsInt;
        defaultMinLr = def;
        patience = pat;
        cooldown = cool;
        eps = e;
        lastEpoch = epoch;
        setLastLr(last);
        mode = md;
        threshold = th;
        thresholdMode = tm;
        modeWorse = md.equals("min") ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        best = b;
        numBadEpochs = bad;
        cooldownCounter = counter;
    }

    private static boolean allInts(Object list) {
        for (Object o : (List<?>) list) {
            if (!(o instanceof Long || o instanceof Integer)) {
                return false;
            }
        }
        return true;
    }

    /** The lower bounds of the groups' rates. */
    public List<Double> minLrs() {
        return list(minLrs);
    }
}
