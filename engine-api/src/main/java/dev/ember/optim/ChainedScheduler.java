package dev.ember.optim;

import java.util.List;
import java.util.Map;

/**
 * Steps several schedulers together, as {@code torch.optim.lr_scheduler.ChainedScheduler} (PyTorch 2.x): each
 * {@link #step()} steps every scheduler of the list in order (their chainable formulas compose, e.g. a
 * {@link ConstantLR} warmup with an {@link ExponentialLR} decay), and {@link #getLastLr()} is the groups' rates after
 * the last one. All the schedulers must drive one optimizer. A step is all or nothing per scheduler: when one refuses
 * its step, the ones before it have stepped (as in PyTorch).
 */
public final class ChainedScheduler extends LRScheduler {
    private final List<LRScheduler> schedulers;

    /** The chain over the first scheduler's optimizer. */
    public ChainedScheduler(List<LRScheduler> schedulers) {
        this(schedulers, null);
    }

    /**
     * The chain over {@code optimizer} (null: the first scheduler's, as PyTorch's {@code optimizer=None}).
     *
     * @throws IllegalArgumentException with PyTorch's messages for no scheduler, a scheduler without an optimizer (a
     *     null element, or {@link StepLR}'s getter/setter form), a {@link ReduceLROnPlateau}, and a scheduler of another
     *     optimizer; and for a null list
     */
    public ChainedScheduler(List<LRScheduler> schedulers, Optimizer optimizer) {
        super(checked(schedulers, optimizer), false);
        this.schedulers = List.copyOf(schedulers);
        setLastLr(currentLrs());
    }

    private static Optimizer checked(List<LRScheduler> schedulers, Optimizer optimizer) {
        if (schedulers == null) {
            throw new IllegalArgumentException("schedulers must not be null");
        }
        if (schedulers.isEmpty()) {
            throw new IllegalArgumentException(
                    "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.");
        }
        for (int i = 0; i < schedulers.size(); i++) {
            LRScheduler s = schedulers.get(i);
            if (s == null || s.optimizer() == null) {
                throw new IllegalArgumentException("ChainedScheduler at index " + i
                        + " should have `optimizer` as its attribute.");
            }
            if (optimizer == null) {
                optimizer = s.optimizer();
            }
            if (s instanceof ReduceLROnPlateau) {
                throw new IllegalArgumentException("ChainedScheduler does not support `ReduceLROnPlateau` scheduler as it "
                        + "requires additional kwargs to be specified when calling `step`, but got one at index " + i
                        + " in the given schedulers sequence.");
            }
            if (s.optimizer() != optimizer) {
                throw new IllegalArgumentException("ChainedScheduler expects all schedulers to belong to the same optimizer, "
                        + "but got scheduler " + s.getClass().getSimpleName() + " at index " + i + " has " + s.optimizer()
                        + ", which is different from " + optimizer.getClass().getSimpleName() + ".");
            }
        }
        return optimizer;
    }

    /** The schedulers, in order. */
    public List<LRScheduler> schedulers() {
        return schedulers;
    }

    @Override
    protected double[] getLr() {
        throw new UnsupportedOperationException("ChainedScheduler computes no rate itself; its schedulers do");
    }

    /** Steps every scheduler, in order; the last rates are the groups' rates after them. */
    @Override
    public void step() {
        for (LRScheduler s : schedulers) {
            s.step();
        }
        setLastLr(currentLrs());
    }

    /** PyTorch's keys: {@code _last_lr} and {@code _schedulers} (each scheduler's state dict, in order). */
    @Override
    public Map<String, Object> stateDict() {
        Map<String, Object> m = newState();
        m.put("_last_lr", list(getLastLr()));
        m.put("_schedulers", schedulerStates(schedulers));
        return m;
    }

    /**
     * Loads a state from {@link #stateDict()}, the chained schedulers' included (the chain's own fields are checked
     * before any scheduler loads; each scheduler loads all or nothing).
     */
    @Override
    public void loadStateDict(Map<String, ?> state) {
        checkKeys(state);
        double[] last = state.containsKey("_last_lr") ? doubles(state, "_last_lr") : getLastLr();
        List<Map<String, ?>> children = schedulerStates(state, schedulers.size());
        for (int i = 0; i < children.size(); i++) {
            schedulers.get(i).loadStateDict(children.get(i));
        }
        setLastLr(last);
    }
}
