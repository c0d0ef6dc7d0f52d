package dev.ember.optim;

import dev.ember.Format;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Multiplies the learning rate by {@code gamma} at each milestone epoch, as
 * {@code torch.optim.lr_scheduler.MultiStepLR} (a milestone given twice multiplies by {@code gamma} squared, as
 * PyTorch's {@code Counter}). The state dict holds the milestones as PyTorch's {@code Counter}: a map from milestone
 * to count.
 */
public final class MultiStepLR extends LRScheduler {
    private Map<Long, Long> milestones;
    private double gamma;

    /**
     * The schedule.
     *
     * @throws IllegalArgumentException for a null optimizer or list, or a gamma that is negative, nan or infinite
     */
    public MultiStepLR(Optimizer optimizer, List<Integer> milestones, double gamma) {
        this(optimizer, milestones, gamma, -1);
    }

    /**
     * A schedule resumed after epoch {@code lastEpoch}, as PyTorch's {@code last_epoch} (see
     * {@link LRScheduler#LRScheduler(Optimizer, long)}): -1 starts a new one.
     *
     * @throws IllegalArgumentException as {@link #MultiStepLR(Optimizer, List, double)}, or when resuming, for a group
     *     without {@code initial_lr} (PyTorch's KeyError)
     */
    public MultiStepLR(Optimizer optimizer, List<Integer> milestones, double gamma, long lastEpoch) {
        super(checked(optimizer, milestones, gamma), lastEpoch);
        this.milestones = counter(milestones);
        this.gamma = gamma;
        initialStep();
    }

    private static Optimizer checked(Optimizer optimizer, List<Integer> milestones, double gamma) {
        if (milestones == null) {
            throw new IllegalArgumentException("milestones must not be null");
        }
        for (Integer m : new ArrayList<>(milestones)) {
            if (m == null) {
                throw new IllegalArgumentException("milestones must be integers, got null");
            }
        }
        checkGamma(gamma);
        return optimizer;
    }

    private static void checkGamma(double gamma) {
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("gamma must be a finite non-negative number, got " + Format.repr(gamma));
        }
    }

    private static Map<Long, Long> counter(List<? extends Number> milestones) {
        Map<Long, Long> c = new TreeMap<>();
        for (Number m : milestones) {
            c.merge(m.longValue(), 1L, Long::sum);
        }
        return c;
    }

    @Override
    protected double[] getLr() {
        Long count = milestones.get(lastEpoch);
        if (count == null) {
            return unchanged();
        }
        return scaled(Math.pow(gamma, count));
    }

    @Override
    protected double[] closedFormLr() {
        long passed = 0; // bisect_right(sorted(milestones), last_epoch)
        for (Map.Entry<Long, Long> e : milestones.entrySet()) {
            if (e.getKey() <= lastEpoch) {
                passed += e.getValue();
            }
        }
        double[] out = baseLrs.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i] * Math.pow(gamma, passed);
        }
        return out;
    }

    @Override
    void saveFields(Map<String, Object> m) {
        m.put("milestones", new PyState.Counter(milestones));
        m.put("gamma", gamma);
    }

    @Override
    Runnable loadFields(Map<String, ?> state) {
        Map<Long, Long> c = milestones;
        if (state.containsKey("milestones")) {
            Object v = state.get("milestones");
            if (!(v instanceof Map)) {
                throw new IllegalArgumentException("scheduler state 'milestones' must be a map from milestone to count, got "
                        + v);
            }
            c = new TreeMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                Object k = e.getKey();
                long key;
                if (k instanceof Integer || k instanceof Long) {
                    key = ((Number) k).longValue();
                } else if (k instanceof String && ((String) k).matches("-?[0-9]{1,18}")) {
                    key = Long.parseLong((String) k);
                } else {
                    throw new IllegalArgumentException("scheduler state 'milestones' has a key that is no integer: " + k);
                }
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("milestones", e.getValue());
                c.put(key, integer(one, "milestones"));
            }
        }
        double g = number(state, "gamma", gamma);
        checkGamma(g);
        Map<Long, Long> fc = c;
        return () -> {
            milestones = fc;
            gamma = g;
        };
    }
}
