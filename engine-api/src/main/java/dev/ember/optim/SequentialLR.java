package dev.ember.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs schedulers one after another, switching at milestone epochs, as {@code torch.optim.lr_scheduler.SequentialLR}
 * (the usual warmup then decay: {@code new SequentialLR(opt, List.of(warmup, cosine), List.of(warmupSteps))}). At
 * construction the groups' rates go back to their {@code initial_lr}, the schedulers' own initial steps are undone and
 * the first scheduler's initial step runs again; at a milestone the next scheduler starts from epoch 0 in closed form
 * (current PyTorch 2.x's {@code _update_lr(0)}, with no warning and no step counted; earlier releases called
 * {@code step(0)}, the same rates with the epoch argument's deprecation warning).
 */
public final class SequentialLR extends LRScheduler {
    private final List<LRScheduler> schedulers;
    private long[] milestones;

    /**
     * The sequence.
     *
     * @throws IllegalArgumentException with PyTorch's messages for no scheduler, a {@link ReduceLROnPlateau}, a
     *     scheduler of another optimizer, or a number of milestones other than one less than the schedulers; and for a
     *     null optimizer, list or element
     */
    public SequentialLR(Optimizer optimizer, List<LRScheduler> schedulers, List<Integer> milestones) {
        this(optimizer, schedulers, milestones, -1);
    }

    /**
     * The sequence resumed after epoch {@code lastEpoch}, as PyTorch's {@code last_epoch} argument (-1: a new
     * sequence): the sequence's own epoch starts at {@code lastEpoch + 1}, so its steps pick the scheduler (and meet
     * the milestones) from there; as in PyTorch, the rates still go back to the groups' {@code initial_lr} and only the
     * first scheduler's initial step runs again (resume the wrapped schedulers with their own {@code lastEpoch}, or load
     * a state dict, to continue their schedules).
     *
     * @throws IllegalArgumentException as {@link #SequentialLR(Optimizer, List, List)}, and for a group without
     *     {@code initial_lr} (PyTorch's {@code KeyError: 'initial_lr'}), with nothing changed
     */
    public SequentialLR(Optimizer optimizer, List<LRScheduler> schedulers, List<Integer> milestones, long lastEpoch) {
        super(checked(optimizer, schedulers, milestones), false);
        this.schedulers = List.copyOf(schedulers);
        this.milestones = new long[milestones.size()];
        for (int i = 0; i < this.milestones.length; i++) {
            this.milestones[i] = milestones.get(i);
        }
        this.lastEpoch = lastEpoch + 1; // PyTorch's last_epoch + 1
        // reset the rates to the initial ones, undo the schedulers' initial steps, redo the first one's
        for (ParamGroup g : optimizer.paramGroups()) {
            g.putScheduled("lr", g.getDouble("initial_lr"));
        }
        undo(this);
        this.schedulers.get(0).initialStep();
        setLastLr(this.schedulers.get(0).getLastLr());
        baseLrs = this.schedulers.get(0).baseLrs();
    }

    private static void undo(LRScheduler s) {
        if (s instanceof SequentialLR) {
            for (LRScheduler c : ((SequentialLR) s).schedulers) {
                undo(c);
            }
        } else {
            s.lastEpoch -= 1;
        }
    }

    private static Optimizer checked(Optimizer optimizer, List<LRScheduler> schedulers, List<Integer> milestones) {
        if (optimizer == null) {
            throw new IllegalArgumentException("NoneType is not an Optimizer");
        }
        if (schedulers == null || milestones == null) {
            throw new IllegalArgumentException((schedulers == null ? "schedulers" : "milestones") + " must not be null");
        }
        if (schedulers.isEmpty()) {
            throw new IllegalArgumentException("SequentialLR expects at least one scheduler, but got no scheduler.");
        }
        for (int i = 0; i < schedulers.size(); i++) {
            LRScheduler s = schedulers.get(i);
            if (s == null) {
                throw new IllegalArgumentException("SequentialLR at index " + i + " should have `optimizer` as its attribute.");
            }
            if (s instanceof ReduceLROnPlateau) {
                throw new IllegalArgumentException("SequentialLR does not support `ReduceLROnPlateau` scheduler as it requires "
                        + "additional kwargs to be specified when calling `step`, but got one at index " + i
                        + " in the given schedulers sequence.");
            }
            if (s.optimizer() != optimizer) {
                throw new IllegalArgumentException("SequentialLR expects all schedulers to belong to the same optimizer, but got "
                        + "scheduler " + s.getClass().getSimpleName() + " at index " + i + " has " + s.optimizer()
                        + ", which is different from " + optimizer.getClass().getSimpleName() + ".");
            }
        }
        if (milestones.size() != schedulers.size() - 1) {
            throw new IllegalArgumentException("Sequential Schedulers expects number of schedulers provided to be one more than "
                    + "the number of milestone points, but got number of schedulers " + schedulers.size() + " and the number "
                    + "of milestones to be equal to " + milestones.size());
        }
        for (Integer m : milestones) {
            if (m == null) {
                throw new IllegalArgumentException("milestones must be integers, got null");
            }
        }
        for (ParamGroup g : optimizer.paramGroups()) {
            if (!g.has("initial_lr")) {
                throw new IllegalArgumentException("KeyError: 'initial_lr'");
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
        throw new UnsupportedOperationException("SequentialLR computes no rate itself; its schedulers do");
    }

    /** Ends an epoch: the scheduler whose span holds the new epoch steps (at a milestone, it starts from epoch 0). */
    @Override
    public void step() {
        long epoch = lastEpoch + 1;
        int idx = 0; // bisect_right(milestones, epoch)
        while (idx < milestones.length && milestones[idx] <= epoch) {
            idx++;
        }
        LRScheduler s = schedulers.get(idx);
        if (idx > 0 && milestones[idx - 1] == epoch) {
            s.updateLr(0);
        } else {
            s.step();
        }
        lastEpoch = epoch;
        setLastLr(s.getLastLr());
    }

    @Override
    public Map<String, Object> stateDict() {
        Map<String, Object> m = newState();
        List<Object> ms = new ArrayList<>();
        for (long v : milestones) {
            ms.add(v);
        }
        m.put("_milestones", ms);
        m.put("last_epoch", lastEpoch);
        m.put("_last_lr", list(getLastLr()));
        m.put("_schedulers", schedulerStates(schedulers));
        return m;
    }

    /**
     * Loads a state from {@link #stateDict()}, the wrapped schedulers' included (each all or nothing; the sequence's
     * own fields are checked before any scheduler loads).
     */
    @Override
    public void loadStateDict(Map<String, ?> state) {
        checkKeys(state);
        long epoch = integer(state, "last_epoch", lastEpoch);
        double[] last = state.containsKey("_last_lr") ? doubles(state, "_last_lr") : getLastLr();
        long[] ms = milestones;
        if (state.containsKey("_milestones")) {
            double[] d = doubles(state, "_milestones");
            ms = new long[d.length];
            for (int i = 0; i < d.length; i++) {
                ms[i] = (long) d[i];
            }
            if (ms.length != schedulers.size() - 1) {
                throw new IllegalArgumentException("scheduler state '_milestones' must hold " + (schedulers.size() - 1)
                        + " milestones, got " + ms.length);
            }
        }
        List<Map<String, ?>> children = schedulerStates(state, schedulers.size());
        for (int i = 0; i < children.size(); i++) {
            schedulers.get(i).loadStateDict(children.get(i));
        }
        lastEpoch = epoch;
        milestones = ms;
        setLastLr(last);
    }
}
