package dev.ember.optim;

import dev.ember.Format;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/**
 * The cyclical learning rate policy, as {@code torch.optim.lr_scheduler.CyclicLR} (PyTorch 2.x): each group's rate
 * moves between {@code base_lr} and {@code max_lr} in cycles of {@code step_size_up + step_size_down} steps, rising
 * linearly for {@code step_size_up} steps and falling for {@code step_size_down}; the amplitude is scaled per cycle
 * ({@code "triangular"}: 1, {@code "triangular2"}: halved each cycle) or per step ({@code "exp_range"}:
 * {@code gamma^step}), or by a custom function of the cycle or the step ({@code scaleFn}, {@code scaleMode}). With
 * {@code cycle_momentum} the momentum (SGD's or RMSprop's {@code momentum}, or the first of Adam's {@code betas}) moves
 * inversely between {@code max_momentum} and {@code base_momentum}. Step it after every batch.
 *
 * <p>At construction every group's rate is set to its {@code base_lr} (and, with momentum cycling, its momentum to
 * {@code max_momentum}, with {@code max_momentum} and {@code base_momentum} stored in the group), as PyTorch with
 * {@code last_epoch=-1} does; resume a schedule with {@link #loadStateDict}, or by constructing it with the index of the
 * last step done ({@code lastEpoch}). Not chainable: each rate is computed from
 * the base and maximal rates. The state dict holds PyTorch 2.x's fields; a custom scale function is not saved
 * ({@code _scale_fn_custom} is null, as PyTorch saves None for a plain function).
 */
public final class CyclicLR extends LRScheduler {
    private static final List<String> MODES = List.of("triangular", "triangular2", "exp_range");

    private double[] maxLrs;
    private double totalSize;
    private double stepRatio;
    private String mode;
    private double gamma;
    private final DoubleUnaryOperator scaleFnCustom;
    private String scaleMode;
    private boolean cycleMomentum;
    private boolean useBeta1;
    private double[] baseMomentums;
    private double[] maxMomentums;
    /** The momenta the pending step sets with its rates. */
    private double[] pendingMomenta;

    /** PyTorch's defaults: 2000 steps up and as many down, "triangular", momentum cycled between 0.8 and 0.9. */
    public CyclicLR(Optimizer optimizer, double baseLr, double maxLr) {
        this(optimizer, new double[] {baseLr}, new double[] {maxLr}, 2000, null, "triangular", 1.0, null, "cycle", true,
                new double[] {0.8}, new double[] {0.9});
    }

    /**
     * The schedule with every option. {@code baseLrs}, {@code maxLrs}, {@code baseMomentums} and {@code maxMomentums}
     * hold one value for every group (length 1, PyTorch's float) or one per group (PyTorch's list).
     *
     * @param stepSizeDown the steps of the falling half, or null for {@code stepSizeUp} (PyTorch's None)
     * @param scaleFn a custom scale function (then {@code mode} is ignored and {@code scaleMode} says whether it takes
     *     the cycle, {@code "cycle"}, or the step, anything else), or null for the mode's
     * @throws IllegalArgumentException with PyTorch's messages for a list of another length than the groups, an invalid
     *     mode without a scale function, momentum cycling over an optimizer without momentum or betas, and zero total
     *     steps ({@code float division by zero}); for a null optimizer or array; and for a base rate or momentum the
     *     optimizer refuses; with nothing changed
     */
    public CyclicLR(Optimizer optimizer, double[] baseLrs, double[] maxLrs, int stepSizeUp, Integer stepSizeDown,
                    String mode, double gamma, DoubleUnaryOperator scaleFn, String scaleMode, boolean cycleMomentum,
                    double[] baseMomentums, double[] maxMomentums) {
        this(optimizer, baseLrs, maxLrs, stepSizeUp, stepSizeDown, mode, gamma, scaleFn, scaleMode, cycleMomentum,
                baseMomentums, maxMomentums, -1);
    }

    /**
     * The schedule resumed after step {@code lastEpoch} (the batches done), as PyTorch's {@code last_epoch}: -1 starts
     * a new one (the groups' rates set to {@code base_lr}, and with momentum cycling, their momenta to
     * {@code max_momentum}, {@code max_momentum} and {@code base_momentum} stored in them); any other value leaves the
     * groups as they are, needs their {@code initial_lr} (see {@link LRScheduler#LRScheduler(Optimizer, long)}) and
     * sets the rates (and momenta) of step {@code lastEpoch + 1}.
     *
     * <p>As PyTorch's, the initial step computes from the groups' {@code initial_lr} as the base rates (its base
     * constructor's {@code base_lrs}), and {@code base_lr} replaces them afterwards: the same for a new optimizer,
     * where {@code initial_lr} is {@code base_lr}, but a group that an earlier scheduler left an {@code initial_lr}
     * starts there.
     *
     * @throws IllegalArgumentException as the constructor without {@code lastEpoch}, or when resuming, for a group
     *     without {@code initial_lr} (PyTorch's KeyError), with nothing changed
     */
    public CyclicLR(Optimizer optimizer, double[] baseLrs, double[] maxLrs, int stepSizeUp, Integer stepSizeDown,
                    String mode, double gamma, DoubleUnaryOperator scaleFn, String scaleMode, boolean cycleMomentum,
                    double[] baseMomentums, double[] maxMomentums, long lastEpoch) {
        super(prepared(optimizer, baseLrs, maxLrs, stepSizeUp, stepSizeDown, mode, scaleFn, cycleMomentum, baseMomentums,
                maxMomentums, lastEpoch), lastEpoch);
        int n = optimizer.paramGroups().size();
        this.maxLrs = format(maxLrs, n);
        double up = stepSizeUp;
        double down = stepSizeDown != null ? stepSizeDown : up;
        this.totalSize = up + down;
        this.stepRatio = up / totalSize;
        this.mode = mode;
        this.gamma = gamma;
        this.scaleFnCustom = scaleFn;
        this.scaleMode = scaleMode;
        initScaleFn();
        this.cycleMomentum = cycleMomentum;
        if (cycleMomentum) {
            this.useBeta1 = optimizer.defaults().containsKey("betas");
            this.baseMomentums = format(baseMomentums, n);
            this.maxMomentums = format(maxMomentums, n);
        }
        initialStep();
        this.baseLrs = format(baseLrs, n);
    }

    /** PyTorch's {@code _format_param}: one value for every group, or one per group. */
    private static double[] format(double[] v, int n) {
        if (v.length == n) {
            return v.clone();
        }
        double[] out = new double[n];
        Arrays.fill(out, v[0]);
        return out;
    }

    private static void checkFormat(String name, double[] v, int n) {
        if (v == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (v.length != 1 && v.length != n) {
            throw new IllegalArgumentException(name + " must have the same length as optimizer.param_groups. " + name
                    + " has " + v.length + " values, param_groups has " + n + ".");
        }
    }

    /**
     * Checks everything, then, for a new schedule, sets the groups' rates (and momenta) as PyTorch's constructor does
     * before its base's.
     */
    private static Optimizer prepared(Optimizer optimizer, double[] baseLrs, double[] maxLrs, int stepSizeUp,
                                      Integer stepSizeDown, String mode, DoubleUnaryOperator scaleFn,
                                      boolean cycleMomentum, double[] baseMomentums, double[] maxMomentums,
                                      long lastEpoch) {
        if (optimizer == null) {
            throw new IllegalArgumentException("NoneType is not an Optimizer");
        }
        List<ParamGroup> groups = optimizer.paramGroups();
        int n = groups.size();
        checkFormat("base_lr", baseLrs, n);
        checkFormat("max_lr", maxLrs, n);
        double up = stepSizeUp;
        double down = stepSizeDown != null ? stepSizeDown : up;
        if (up == 0) {
            // up + down == 0: step_ratio's division; up == 0 alone: the initial step's x / step_ratio
            throw new IllegalArgumentException("float division by zero");
        }
        if (!MODES.contains(mode) && scaleFn == null) {
            throw new IllegalArgumentException("mode is invalid and scale_fn is None");
        }
        if (cycleMomentum) {
            if (!optimizer.defaults().containsKey("momentum") && !optimizer.defaults().containsKey("betas")) {
                throw new IllegalArgumentException(
                        "optimizer must support momentum or beta1 with `cycle_momentum` option enabled");
            }
            checkFormat("base_momentum", baseMomentums, n);
            checkFormat("max_momentum", maxMomentums, n);
        }
        double[] base = format(baseLrs, n);
        for (double lr : base) {
            Optimizer.checkLr(lr);
        }
        boolean beta1 = optimizer.defaults().containsKey("betas");
        double[] maxM = cycleMomentum ? format(maxMomentums, n) : null;
        double[] baseM = cycleMomentum ? format(baseMomentums, n) : null;
        if (cycleMomentum) {
            for (int i = 0; i < n; i++) {
                for (double m : new double[] {baseM[i], maxM[i]}) {
                    if (beta1) {
                        Optimizer.checkBetas(List.of(m, ((List<?>) groups.get(i).get("betas")).get(1)));
                    } else {
                        Optimizer.checkNonNegative("momentum", m);
                    }
                }
            }
        }
        if (lastEpoch != -1) {
            return optimizer; // resuming: the groups keep their rates and momenta (the base constructor checks them)
        }
        for (int i = 0; i < n; i++) {
            ParamGroup g = groups.get(i);
            g.putScheduled("lr", base[i]);
            if (cycleMomentum) {
                if (beta1) {
                    g.putScheduled("betas", List.of(maxM[i], ((List<?>) g.get("betas")).get(1)));
                } else {
                    g.putScheduled("momentum", maxM[i]);
                }
                g.set("max_momentum", maxM[i]);
                g.set("base_momentum", baseM[i]);
            }
        }
        return optimizer;
    }

    /** PyTorch's {@code _init_scale_fn}: the modes' scale functions set their own scale mode. */
    private void initScaleFn() {
        if (scaleFnCustom != null) {
            return;
        }
        if (mode.equals("triangular") || mode.equals("triangular2")) {
            scaleMode = "cycle";
        } else if (mode.equals("exp_range")) {
            scaleMode = "iterations";
        }
    }

    private double scaleFn(double x) {
        if (scaleFnCustom != null) {
            return scaleFnCustom.applyAsDouble(x);
        }
        switch (mode) {
            case "triangular":
                return 1.0;
            case "triangular2":
                return 1 / Math.pow(2.0, x - 1);
            default:
                return Math.pow(gamma, x);
        }
    }

    /** The maximal rates, PyTorch's {@code max_lrs} (a copy). */
    public double[] maxLrs() {
        return maxLrs.clone();
    }

    @Override
    protected double[] getLr() {
        double cycle = Math.floor(1 + lastEpoch / totalSize);
        double x = 1.0 + lastEpoch / totalSize - cycle;
        double scaleFactor;
        if (x <= stepRatio) {
            if (stepRatio == 0) {
                throw new IllegalArgumentException("float division by zero");
            }
            scaleFactor = x / stepRatio;
        } else {
            scaleFactor = (x - 1) / (stepRatio - 1);
        }
        double scale = scaleFn("cycle".equals(scaleMode) ? cycle : lastEpoch);
        double[] lrs = new double[baseLrs.length];
        for (int i = 0; i < lrs.length; i++) {
            double baseHeight = (maxLrs[i] - baseLrs[i]) * scaleFactor;
            lrs[i] = baseLrs[i] + baseHeight * scale;
        }
        if (cycleMomentum) {
            double[] momenta = new double[baseMomentums.length];
            for (int i = 0; i < momenta.length; i++) {
                double baseHeight = (maxMomentums[i] - baseMomentums[i]) * scaleFactor;
                momenta[i] = maxMomentums[i] - baseHeight * scale;
            }
            pendingMomenta = momenta;
        }
        return lrs;
    }

    /** Sets the rates and, with momentum cycling, the momenta, after checking them all. */
    @Override
    void apply(double[] lrs) {
        double[] momenta = pendingMomenta;
        pendingMomenta = null;
        setLrsAndMomenta(lrs, momenta, useBeta1);
    }

    @Override
    void saveFields(Map<String, Object> m) {
        m.put("max_lrs", list(maxLrs));
        m.put("total_size", totalSize);
        m.put("step_ratio", stepRatio);
        m.put("mode", mode);
        m.put("gamma", gamma);
        m.put("scale_mode", scaleMode);
        m.put("cycle_momentum", cycleMomentum);
        if (cycleMomentum) {
            m.put("use_beta1", useBeta1);
            m.put("base_momentums", list(baseMomentums));
            m.put("max_momentums", list(maxMomentums));
        }
    }

    /** PyTorch's {@code state_dict} pops {@code _scale_fn_custom} and puts it back last. */
    @Override
    void saveTrailingFields(Map<String, Object> m) {
        m.put("_scale_fn_custom", null);
    }

    @Override
    Runnable loadFields(Map<String, ?> state) {
        // the lists pair with the saved base_lrs (PyTorch zips them; a state saved before a group was added holds one
        // rate fewer than the groups of the scheduler it is loaded into, which PyTorch takes)
        int n = state.get("base_lrs") instanceof List<?> saved ? saved.size() : baseLrs.length;
        double[] max = state.containsKey("max_lrs") ? doubles(state, "max_lrs") : maxLrs;
        double total = number(state, "total_size", totalSize);
        double ratio = number(state, "step_ratio", stepRatio);
        String md = string(state, "mode", mode);
        double gm = number(state, "gamma", gamma);
        Object custom = state.get("_scale_fn_custom");
        if (custom != null && !(custom instanceof Map)) {
            throw new IllegalArgumentException("scheduler state '_scale_fn_custom' must be null or a map, got " + custom);
        }
        String sm = string(state, "scale_mode", scaleMode);
        boolean cycle = bool(state, "cycle_momentum", cycleMomentum);
        boolean beta1 = bool(state, "use_beta1", useBeta1);
        double[] baseM = state.containsKey("base_momentums") ? doubles(state, "base_momentums") : baseMomentums;
        double[] maxM = state.containsKey("max_momentums") ? doubles(state, "max_momentums") : maxMomentums;
        if (max.length != n) {
            throw new IllegalArgumentException("scheduler state 'max_lrs' must hold " + n + " rates, got " + max.length);
        }
        if (cycle && (baseM == null || maxM == null || baseM.length != n || maxM.length != n)) {
            throw new IllegalArgumentException("scheduler state 'base_momentums' and 'max_momentums' must hold " + n
                    + " momenta each with cycle_momentum");
        }
        if (cycle && !beta1 && !groups().isEmpty() && !groups().get(0).has("momentum")) {
            throw new IllegalArgumentException(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option enabled");
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException("scheduler state 'total_size' must be positive, got " + Format.repr(total));
        }
        if (!MODES.contains(md) && scaleFnCustom == null) {
            throw new IllegalArgumentException("mode is invalid and scale_fn is None");
        }
        if (sm == null) {
            throw new IllegalArgumentException("scheduler state 'scale_mode' must be a string, got null");
        }
        return () -> {
            maxLrs = max;
            totalSize = total;
            stepRatio = ratio;
            mode = md;
            gamma = gm;
            scaleMode = sm;
            cycleMomentum = cycle;
            useBeta1 = beta1;
            baseMomentums = baseM;
            maxMomentums = maxM;
            initScaleFn();
        };
    }
}
