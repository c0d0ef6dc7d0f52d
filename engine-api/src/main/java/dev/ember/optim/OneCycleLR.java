package dev.ember.optim;

import dev.ember.Format;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The 1cycle policy, as {@code torch.optim.lr_scheduler.OneCycleLR}: the rate rises from {@code max_lr / div_factor}
 * to {@code max_lr} over the first {@code pct_start} of {@code total_steps}, then falls to
 * {@code initial_lr / final_div_factor} (with {@code three_phase}, back to the initial rate first, then to the minimum),
 * by cosine or linear annealing; with {@code cycle_momentum} the momentum (SGD's or RMSprop's {@code momentum}, or the
 * first of Adam's {@code betas}) moves inversely between {@code max_momentum} and {@code base_momentum}. Step it after
 * every batch. It stores {@code initial_lr}, {@code max_lr}, {@code min_lr} (and {@code max_momentum},
 * {@code base_momentum}) in each group, as PyTorch does. Not chainable: each rate is computed from the stored ones.
 * A step into a phase of no steps ({@code pct_start} 1.0 reaching {@code total_steps}, as PyTorch computes the phases)
 * throws PyTorch's ZeroDivisionError message, {@code float division by zero}.
 */
public final class OneCycleLR extends LRScheduler {
    private long totalSteps;
    private List<Map<String, Object>> phases;
    private String annealStrategy;
    private boolean cycleMomentum;
    private boolean useBeta1;
    /** The momenta the pending step sets with its rates. */
    private double[] pendingMomenta;

    /** PyTorch's defaults: 30% rising, cosine annealing, momentum cycled between 0.85 and 0.95, div factors 25 and 1e4. */
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps) {
        this(optimizer, new double[] {maxLr}, totalSteps, 0.3, "cos", true, 0.85, 0.95, 25.0, 1e4, false);
    }

    /**
     * The schedule with every option; {@code maxLrs} holds one rate for every group or one per group.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a total below 1, a {@code pctStart} outside [0, 1], an
     *     annealing strategy other than "cos" and "linear", a {@code maxLrs} of another length than the groups, and
     *     momentum cycling over an optimizer without momentum or betas; and for a null optimizer
     */
    public OneCycleLR(Optimizer optimizer, double[] maxLrs, int totalSteps, double pctStart, String annealStrategy,
                      boolean cycleMomentum, double baseMomentum, double maxMomentum, double divFactor,
                      double finalDivFactor, boolean threePhase) {
        this(optimizer, maxLrs, totalSteps, pctStart, annealStrategy, cycleMomentum, baseMomentum, maxMomentum, divFactor,
                finalDivFactor, threePhase, -1);
    }

    /**
     * The schedule resumed after step {@code lastEpoch} (the batches done), as PyTorch's {@code last_epoch}: -1 starts
     * a new one (storing {@code initial_lr}, {@code max_lr}, {@code min_lr} and the momenta in the groups); any other
     * value leaves the groups as they are and reads those from them (as an earlier OneCycleLR over the optimizer, or a
     * loaded optimizer state, left them: {@code maxLrs}, {@code divFactor}, {@code finalDivFactor} and the momenta given
     * here are then not used), setting the rates (and momenta) of step {@code lastEpoch + 1}.
     *
     * @throws IllegalArgumentException as the constructor without {@code lastEpoch}; when resuming, for a group without
     *     {@code initial_lr} (PyTorch's KeyError about it) or without another key the schedule reads (PyTorch's
     *     {@code KeyError: 'max_lr'}); with nothing changed
     */
    public OneCycleLR(Optimizer optimizer, double[] maxLrs, int totalSteps, double pctStart, String annealStrategy,
                      boolean cycleMomentum, double baseMomentum, double maxMomentum, double divFactor,
                      double finalDivFactor, boolean threePhase, long lastEpoch) {
        super(checked(optimizer, maxLrs, totalSteps, pctStart, annealStrategy, cycleMomentum, baseMomentum, maxMomentum,
                divFactor, finalDivFactor), lastEpoch);
        this.totalSteps = totalSteps;
        this.annealStrategy = annealStrategy;
        this.cycleMomentum = cycleMomentum;
        this.phases = phases(totalSteps, pctStart, threePhase);
        if (cycleMomentum) {
            useBeta1 = optimizer.defaults().containsKey("betas");
        }
        if (lastEpoch != -1) {
            initialStep();
            return;
        }
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] max = maxLrs.length == 1 ? filled(maxLrs[0], groups.size()) : maxLrs.clone();
        for (int i = 0; i < groups.size(); i++) {
            ParamGroup g = groups.get(i);
            double initial = max[i] / divFactor;
            g.set("initial_lr", initial);
            g.set("max_lr", max[i]);
            g.set("min_lr", initial / finalDivFactor);
        }
        if (cycleMomentum) {
            for (ParamGroup g : groups) {
                setMomentum(g, maxMomentum);
                g.set("max_momentum", maxMomentum);
                g.set("base_momentum", baseMomentum);
            }
        }
        baseLrs = new double[groups.size()];
        for (int i = 0; i < baseLrs.length; i++) {
            baseLrs[i] = groups.get(i).getDouble("initial_lr");
        }
        initialStep();
    }

    private static double[] filled(double v, int n) {
        double[] out = new double[n];
        java.util.Arrays.fill(out, v);
        return out;
    }

    private static Optimizer checked(Optimizer optimizer, double[] maxLrs, long totalSteps, double pctStart,
                                     String annealStrategy, boolean cycleMomentum, double baseMomentum,
                                     double maxMomentum, double divFactor, double finalDivFactor) {
        if (optimizer == null) {
            throw new IllegalArgumentException("NoneType is not an Optimizer");
        }
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("Expected positive integer total_steps, but got " + totalSteps);
        }
        if (!(pctStart >= 0 && pctStart <= 1)) {
            throw new IllegalArgumentException("Expected float between 0 and 1 pct_start, but got " + Format.repr(pctStart));
        }
        if (!"cos".equals(annealStrategy) && !"linear".equals(annealStrategy)) {
            throw new IllegalArgumentException("anneal_strategy must be one of 'cos' or 'linear', instead got "
                    + annealStrategy);
        }
        int n = optimizer.paramGroups().size();
        if (maxLrs == null) {
            throw new IllegalArgumentException("max_lr must not be null");
        }
        if (maxLrs.length != 1 && maxLrs.length != n) {
            throw new IllegalArgumentException("max_lr must have the same length as optimizer.param_groups. max_lr has "
                    + maxLrs.length + " values, param_groups has " + n + ".");
        }
        if (cycleMomentum && !optimizer.defaults().containsKey("momentum") && !optimizer.defaults().containsKey("betas")) {
            throw new IllegalArgumentException("optimizer must support momentum or beta1 with `cycle_momentum` option enabled");
        }
        // the rates and momenta the schedule stores and sets, checked before any group changes
        for (double max : maxLrs) {
            double initial = max / divFactor;
            Optimizer.checkLr(max);
            Optimizer.checkLr(initial);
            Optimizer.checkLr(initial / finalDivFactor);
        }
        if (cycleMomentum) {
            for (ParamGroup g : optimizer.paramGroups()) {
                for (double m : new double[] {baseMomentum, maxMomentum}) {
                    if (optimizer.defaults().containsKey("betas")) {
                        Optimizer.checkBetas(List.of(m, ((List<?>) g.get("betas")).get(1)));
                    } else {
                        Optimizer.checkNonNegative("momentum", m);
                    }
                }
            }
        }
        return optimizer;
    }

    private static List<Map<String, Object>> phases(long total, double pctStart, boolean threePhase) {
        List<Map<String, Object>> p = new ArrayList<>();
        if (threePhase) {
            p.add(phase(pctStart * total - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"));
            p.add(phase(2 * pctStart * total - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"));
            p.add(phase((Long) (total - 1), "initial_lr", "min_lr", "max_momentum", "max_momentum"));
        } else {
            p.add(phase(pctStart * total - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"));
            p.add(phase((Long) (total - 1), "max_lr", "min_lr", "base_momentum", "max_momentum"));
        }
        return p;
    }

    /**
     * A phase as PyTorch's dict: {@code end_step} a float ({@code float(pct_start * total_steps) - 1}) but for the last
     * phase's, the int {@code total_steps - 1}.
     */
    private static Map<String, Object> phase(Number endStep, String startLr, String endLr, String startMomentum,
                                             String endMomentum) {
        Map<String, Object> m = newState();
        m.put("end_step", endStep);
        m.put("start_lr", startLr);
        m.put("end_lr", endLr);
        m.put("start_momentum", startMomentum);
        m.put("end_momentum", endMomentum);
        return m;
    }

    private void setMomentum(ParamGroup g, double momentum) {
        if (useBeta1) {
            List<?> betas = (List<?>) g.get("betas");
            g.set("betas", List.of(momentum, betas.get(1)));
        } else {
            g.set("momentum", momentum);
        }
    }

    private double anneal(double start, double end, double pct) {
        if (annealStrategy.equals("cos")) {
            double cosOut = Math.cos(Math.PI * pct) + 1;
            return end + (start - end) / 2.0 * cosOut;
        }
        return (end - start) * pct + start;
    }

    @Override
    protected double[] getLr() {
        long stepNum = lastEpoch;
        if (stepNum > totalSteps) {
            throw new IllegalArgumentException("Tried to step " + stepNum + " times. The specified number of total steps is "
                    + totalSteps);
        }
        List<ParamGroup> groups = groups();
        double[] lrs = new double[groups.size()];
        double[] momenta = cycleMomentum ? new double[groups.size()] : null;
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup g = groups.get(gi);
            double startStep = 0.0;
            for (int i = 0; i < phases.size(); i++) {
                Map<String, Object> ph = phases.get(i);
                double endStep = ((Number) ph.get("end_step")).doubleValue();
                if (stepNum <= endStep || i == phases.size() - 1) {
                    if (endStep == startStep) {
                        // a phase of no steps (pct_start 1.0 at the last step): PyTorch's ZeroDivisionError
                        throw new IllegalArgumentException("float division by zero");
                    }
                    double pct = (stepNum - startStep) / (endStep - startStep);
                    lrs[gi] = anneal(g.getDouble((String) ph.get("start_lr")), g.getDouble((String) ph.get("end_lr")), pct);
                    if (cycleMomentum) {
                        momenta[gi] = anneal(g.getDouble((String) ph.get("start_momentum")),
                                g.getDouble((String) ph.get("end_momentum")), pct);
                    }
                    break;
                }
                startStep = endStep;
            }
        }
        pendingMomenta = momenta;
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
        m.put("total_steps", totalSteps);
        List<Object> copy = new ArrayList<>();
        for (Map<String, Object> p : phases) {
            Map<String, Object> c = newState();
            c.putAll(p);
            copy.add(c);
        }
        m.put("_schedule_phases", copy);
        m.put("_anneal_func_type", annealStrategy);
        m.put("cycle_momentum", cycleMomentum);
        if (cycleMomentum) {
            m.put("use_beta1", useBeta1);
        }
    }

    @Override
    Runnable loadFields(Map<String, ?> state) {
        long total = integer(state, "total_steps", totalSteps);
        String anneal = string(state, "_anneal_func_type", annealStrategy);
        boolean cycle = bool(state, "cycle_momentum", cycleMomentum);
        boolean beta1 = bool(state, "use_beta1", useBeta1);
        List<Map<String, Object>> ph = phases;
        if (state.containsKey("_schedule_phases")) {
            Object v = state.get("_schedule_phases");
            if (!(v instanceof List)) {
                throw new IllegalArgumentException("scheduler state '_schedule_phases' must be a list of phases, got " + v);
            }
            ph = new ArrayList<>();
            for (Object o : (List<?>) v) {
                if (!(o instanceof Map)) {
                    throw new IllegalArgumentException("scheduler state '_schedule_phases' must be a list of phases, got " + o);
                }
                @SuppressWarnings("unchecked")
                Map<String, ?> pm = (Map<String, ?>) o;
                Map<String, Object> p = newState();
                double end = number(pm, "end_step");
                // an int stays an int (the last phase's total_steps - 1), as PyTorch's __dict__.update keeps it
                p.put("end_step", pm.get("end_step") instanceof Long || pm.get("end_step") instanceof Integer
                        ? (Object) ((Number) pm.get("end_step")).longValue() : (Object) end);
                for (String k : new String[] {"start_lr", "end_lr", "start_momentum", "end_momentum"}) {
                    String s = string(pm, k, null);
                    if (s == null) {
                        throw new IllegalArgumentException("a phase of '_schedule_phases' has no " + k);
                    }
                    p.put(k, s);
                }
                ph.add(p);
            }
            if (ph.isEmpty()) {
                throw new IllegalArgumentException("scheduler state '_schedule_phases' must not be empty");
            }
        }
        if (total <= 0) {
            throw new IllegalArgumentException("Expected positive integer total_steps, but got " + total);
        }
        if (!"cos".equals(anneal) && !"linear".equals(anneal)) {
            throw new IllegalArgumentException("anneal_strategy must be one of 'cos' or 'linear', instead got " + anneal);
        }
        List<Map<String, Object>> fph = ph;
        return () -> {
            totalSteps = total;
            annealStrategy = anneal;
            cycleMomentum = cycle;
            useBeta1 = beta1;
            phases = fph;
        };
    }
}
