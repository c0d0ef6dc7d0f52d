package dev.ember.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Anneals each group's learning rate to a fixed value, as {@code torch.optim.swa_utils.SWALR} (PyTorch 2.x), the
 * scheduler of stochastic weight averaging: over {@code anneal_epochs} steps the rate moves from where it is to the
 * group's {@code swa_lr} (stored in the group under that name) along a cosine ({@code "cos"}, the default) or a line
 * ({@code "linear"}), then stays there. Each step, as PyTorch's {@code get_lr}, recovers the rate the annealing started
 * from out of the current one, so it composes with other schedulers as PyTorch's does.
 *
 * <p>State dict: PyTorch 2.x's, {@code _anneal_strategy} ("cos" or "linear") and {@code anneal_epochs} before the base
 * fields (its {@code state_dict} leaves out the function {@code anneal_func}, which 1.13's held).
 */
public final class SWALR extends LRScheduler {
    private long annealEpochs;
    private String annealStrategy;

    /** SWALR to {@code swaLr} for every group, with PyTorch's defaults: 10 annealing epochs, cosine. */
    public SWALR(Optimizer optimizer, double swaLr) {
        this(optimizer, swaLr, 10, "cos");
    }

    /**
     * SWALR to {@code swaLr} for every group.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a strategy other than "cos" and "linear" or a negative
     *     number of epochs, and for a null optimizer; nothing changes then
     */
    public SWALR(Optimizer optimizer, double swaLr, int annealEpochs, String annealStrategy) {
        this(optimizer, swaLrs(optimizer, swaLr), annealEpochs, annealStrategy);
    }

    /**
     * SWALR to one rate per group.
     *
     * @throws IllegalArgumentException as {@link #SWALR(Optimizer, double, int, String)}, and with PyTorch's message for
     *     a list whose length is not the number of groups
     */
    public SWALR(Optimizer optimizer, List<Double> swaLrs, int annealEpochs, String annealStrategy) {
        super(checked(optimizer, swaLrs, annealEpochs, annealStrategy));
        this.annealEpochs = annealEpochs;
        this.annealStrategy = annealStrategy;
        initialStep();
    }

    private static List<Double> swaLrs(Optimizer optimizer, double swaLr) {
        if (optimizer == null) {
            throw new IllegalArgumentException("NoneType is not an Optimizer");
        }
        return Collections.nCopies(optimizer.paramGroups().size(), swaLr);
    }

    private static Optimizer checked(Optimizer optimizer, List<Double> swaLrs, int annealEpochs, String annealStrategy) {
        if (optimizer == null) {
            throw new IllegalArgumentException("NoneType is not an Optimizer");
        }
        if (swaLrs == null) {
            throw new IllegalArgumentException("swa_lr must not be null");
        }
        List<ParamGroup> groups = optimizer.paramGroups();
        if (swaLrs.size() != groups.size()) {
            throw new IllegalArgumentException("swa_lr must have the same length as optimizer.param_groups: swa_lr has "
                    + swaLrs.size() + ", optimizer.param_groups has " + groups.size());
        }
        List<Double> lrs = new ArrayList<>();
        for (Double v : swaLrs) {
            if (v == null || !Double.isFinite(v)) {
                throw new IllegalArgumentException("swa_lr must be a finite number, got " + v);
            }
            lrs.add(v);
        }
        checkStrategy(annealStrategy);
        checkEpochs(annealEpochs);
        for (int i = 0; i < groups.size(); i++) {
            groups.get(i).set("swa_lr", lrs.get(i));
        }
        return optimizer;
    }

    private static void checkStrategy(String s) {
        if (!"cos".equals(s) && !"linear".equals(s)) {
            throw new IllegalArgumentException("anneal_strategy must by one of 'cos' or 'linear', instead got "
                    + (s == null ? "None" : s));
        }
    }

    private static void checkEpochs(long epochs) {
        if (epochs < 0) {
            throw new IllegalArgumentException("anneal_epochs must be equal or greater than 0, got " + epochs);
        }
    }

    private double anneal(double t) {
        return "cos".equals(annealStrategy) ? (1 - Math.cos(Math.PI * t)) / 2 : t;
    }

    private static double initialLr(double lr, double swaLr, double alpha) {
        if (alpha == 1) {
            return swaLr;
        }
        return (lr - alpha * swaLr) / (1 - alpha);
    }

    @Override
    protected double[] getLr() {
        long step = stepCount - 1;
        if (annealEpochs == 0) {
            step = Math.max(1, step);
        }
        double prevT = Math.max(0, Math.min(1, (double) (step - 1) / Math.max(1, annealEpochs)));
        double prevAlpha = anneal(prevT);
        double t = Math.max(0, Math.min(1, (double) step / Math.max(1, annealEpochs)));
        double alpha = anneal(t);
        List<ParamGroup> groups = groups();
        double[] out = new double[groups.size()];
        for (int i = 0; i < out.length; i++) {
            double swaLr = groups.get(i).getDouble("swa_lr");
            double prev = initialLr(groups.get(i).lr(), swaLr, prevAlpha);
            out[i] = swaLr * alpha + prev * (1 - alpha);
        }
        return out;
    }

    /** PyTorch 2.x's keys, in its order: {@code _anneal_strategy} (set before {@code anneal_epochs}). */
    @Override
    void saveFields(Map<String, Object> m) {
        m.put("_anneal_strategy", annealStrategy);
        m.put("anneal_epochs", annealEpochs);
    }

    /**
     * Loads a state from {@link #stateDict()}; a state Ember saved before it used PyTorch's key, with
     * {@code anneal_strategy}, is taken too.
     */
    @Override
    public void loadStateDict(Map<String, ?> state) {
        if (state != null && state.containsKey("anneal_strategy") && !state.containsKey("_anneal_strategy")) {
            Map<String, Object> renamed = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, ?> e : state.entrySet()) {
                renamed.put(e.getKey().equals("anneal_strategy") ? "_anneal_strategy" : e.getKey(), e.getValue());
            }
            state = renamed;
        }
        super.loadStateDict(state);
    }

    @Override
    Runnable loadFields(Map<String, ?> state) {
        long epochs = integer(state, "anneal_epochs", annealEpochs);
        String strategy = string(state, "_anneal_strategy", annealStrategy);
        checkEpochs(epochs);
        checkStrategy(strategy);
        return () -> {
            annealEpochs = epochs;
            annealStrategy = strategy;
        };
    }
}
