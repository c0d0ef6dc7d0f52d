package dev.ember.optim;

import dev.ember.Format;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleConsumer;
import java.util.function.DoubleSupplier;

/**
 * What the learning-rate schedulers share, as {@code torch.optim.lr_scheduler.LRScheduler} (PyTorch 2.x): a scheduler
 * made over an optimizer stores each group's rate as {@code initial_lr} (where the group has none yet) and takes those
 * as its base rates, then steps once (epoch 0), so {@link #getLastLr()} is the rate of the first epoch. Each
 * {@link #step()} then counts an epoch and sets every group's rate by the scheduler's formula, which, as PyTorch's
 * {@code get_lr}, starts from the group's current rate where PyTorch's does (the chainable form): two schedulers over
 * one optimizer compose.
 *
 * <p>A scheduler sets the groups' rates as PyTorch assigns {@code group['lr']}: without the optimizer's range check (a
 * schedule may go below 0, as OneCycleLR's last linear step does in PyTorch too), but nan and infinity are refused. A
 * step is all or nothing: the rates are computed and checked first, and when one is refused (or a scheduler's own check
 * fails), no rate, counter or epoch changes. {@link #stateDict()} and {@link #loadStateDict} hold
 * the scheduler's fields under PyTorch's names ({@code last_epoch}, {@code base_lrs}, {@code _step_count},
 * {@code _last_lr}, and each scheduler's hyperparameters) as numbers, booleans, strings and lists, so they round-trip
 * through JSON; loading, as PyTorch's {@code __dict__.update}, replaces the fields the map has and keeps the others
 * (a key the scheduler does not have is refused, where PyTorch would add it).
 *
 * <p>Subclasses compute {@link #getLr()} from {@link #lastEpoch} and the groups, and call {@link #initialStep()} at the
 * end of their constructor (PyTorch's base constructor does; a Java base constructor cannot, as the subclass's fields
 * are not set yet).
 */
public abstract class LRScheduler {
    private static final System.Logger LOG = System.getLogger("dev.ember");
    /** PyTorch's UserWarning shows once (its one place in the code under Python's default filter): once a process. */
    private static final java.util.concurrent.atomic.AtomicBoolean WARNED_STEP_ORDER =
            new java.util.concurrent.atomic.AtomicBoolean();
    /** The learning rates a scheduler reads and writes: an optimizer's groups, or one getter/setter pair. */
    private final Target target;
    /** The optimizer, or null for the getter/setter form of {@link StepLR}. */
    private final Optimizer optimizer;
    /** The rate each group started from, PyTorch's {@code base_lrs}. */
    protected double[] baseLrs;
    /** The index of the last epoch, PyTorch's {@code last_epoch}: -1 before the initial step. */
    protected long lastEpoch = -1;
    /** How many times {@link #step()} ran, PyTorch's {@code _step_count}. */
    protected long stepCount;
    /** Whether the initial step is running (PyTorch's {@code _is_initial}). */
    protected boolean isInitial;
    private double[] lastLr = new double[0];

    /** The rates a scheduler drives. */
    interface Target {
        int size();

        double lr(int i);

        /** Sets the rates of the first {@code lrs.length} groups, all or none. */
        void setLrs(double[] lrs, boolean initial);
    }

    /**
     * A scheduler over an optimizer's groups: each group without {@code initial_lr} gets its current rate as such, and
     * the base rates are the groups' {@code initial_lr}, as PyTorch's constructor with {@code last_epoch=-1}.
     *
     * @throws IllegalArgumentException for a null optimizer (PyTorch's {@code TypeError: NoneType is not an Optimizer})
     */
    protected LRScheduler(Optimizer optimizer) {
        this(optimizer, true);
    }

    /**
     * A scheduler over an optimizer resumed at {@code lastEpoch}, as PyTorch's constructor with {@code last_epoch}: -1
     * is a new schedule ({@link #LRScheduler(Optimizer)}); any other value resumes one, taking the base rates from the
     * groups' {@code initial_lr} (which an earlier scheduler over the optimizer, or a loaded optimizer state, left there)
     * and the epoch from {@code lastEpoch}, so that the initial step moves to epoch {@code lastEpoch + 1} from the
     * groups' current rates.
     *
     * @param optimizer the optimizer
     * @param lastEpoch the index of the last epoch done, -1 for a new schedule
     * @throws IllegalArgumentException for a null optimizer, or when resuming, a group without {@code initial_lr}
     *     (PyTorch's {@code KeyError}, its message), with nothing changed
     */
    protected LRScheduler(Optimizer optimizer, long lastEpoch) {
        this(resumable(optimizer, lastEpoch), lastEpoch == -1);
        optimizer.stepTracked = true;
        if (lastEpoch != -1) {
            List<ParamGroup> groups = optimizer.paramGroups();
            baseLrs = new double[groups.size()];
            for (int i = 0; i < groups.size(); i++) {
                baseLrs[i] = groups.get(i).getDouble("initial_lr");
            }
            this.lastEpoch = lastEpoch;
        }
    }

    private static Optimizer resumable(Optimizer optimizer, long lastEpoch) {
        if (optimizer != null && lastEpoch != -1) {
            List<ParamGroup> groups = optimizer.paramGroups();
            for (int i = 0; i < groups.size(); i++) {
                if (!groups.get(i).has("initial_lr")) {
                    throw new IllegalArgumentException("KeyError: \"param 'initial_lr' is not specified in param_groups["
                            + i + "] when resuming an optimizer\"");
                }
            }
        }
        return optimizer;
    }

    /** A scheduler over an optimizer; {@code initialLrs}: set {@code initial_lr} and the base rates (PyTorch's base). */
    LRScheduler(Optimizer optimizer, boolean initialLrs) {
        if (optimizer == null) {
            throw new IllegalArgumentException("NoneType is not an Optimizer");
        }
        this.optimizer = optimizer;
        this.target = new Target() {
            @Override
            public int size() {
                return optimizer.paramGroups().size();
            }

            @Override
            public double lr(int i) {
                return optimizer.paramGroups().get(i).lr();
            }

            @Override
            public void setLrs(double[] lrs, boolean initial) {
                List<ParamGroup> groups = optimizer.paramGroups();
                for (double lr : lrs) {
                    checkFinite(lr);
                }
                for (int i = 0; i < lrs.length && i < groups.size(); i++) {
                    groups.get(i).putScheduled("lr", lrs[i]);
                }
            }
        };
        if (initialLrs) {
            // PyTorch's base constructor wraps optimizer.step to track its calls (ReduceLROnPlateau, SequentialLR and
            // ChainedScheduler, the schedulers without initial rates here, do not call it)
            optimizer.stepTracked = true;
            List<ParamGroup> groups = optimizer.paramGroups();
            baseLrs = new double[groups.size()];
            for (int i = 0; i < groups.size(); i++) {
                ParamGroup g = groups.get(i);
                if (!g.has("initial_lr")) {
                    g.set("initial_lr", g.lr());
                }
                baseLrs[i] = g.getDouble("initial_lr");
            }
        } else {
            baseLrs = currentLrs();
        }
    }

    /**
     * The getter/setter form (one rate, no optimizer): the setter is not called for the initial step, whose rate is the
     * current one.
     */
    LRScheduler(DoubleSupplier lr, DoubleConsumer setLr) {
        this.optimizer = null;
        this.target = new Target() {
            @Override
            public int size() {
                return 1;
            }

            @Override
            public double lr(int i) {
                return lr.getAsDouble();
            }

            @Override
            public void setLrs(double[] lrs, boolean initial) {
                if (!initial) {
                    setLr.accept(lrs[0]);
                }
            }
        };
        baseLrs = new double[] {lr.getAsDouble()};
    }

    /** A scheduled rate must be a number: nan and infinity are refused (PyTorch would set them). */
    static void checkFinite(double lr) {
        if (!Double.isFinite(lr)) {
            throw new IllegalArgumentException("Invalid learning rate: " + Format.repr(lr));
        }
    }

    /** The optimizer this scheduler drives (null for the getter/setter form of {@link StepLR}). */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The index of the last epoch (0 after construction), PyTorch's {@code last_epoch}. */
    public long lastEpoch() {
        return lastEpoch;
    }

    /** The base rates, PyTorch's {@code base_lrs} (a copy). */
    public double[] baseLrs() {
        return baseLrs.clone();
    }

    /** The rates the last step set, one per group, as {@code get_last_lr()} (a copy). */
    public double[] getLastLr() {
        return lastLr.clone();
    }

    /** The number of groups the scheduler drives now. */
    final int groupCount() {
        return target.size();
    }

    /** Group {@code i}'s current rate, PyTorch's {@code group['lr']}. */
    final double groupLr(int i) {
        return target.lr(i);
    }

    /** The groups, for schedulers that also read or write other options (momentum). */
    final List<ParamGroup> groups() {
        return optimizer.paramGroups();
    }

    final double[] currentLrs() {
        double[] lrs = new double[target.size()];
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = target.lr(i);
        }
        return lrs;
    }

    /** The runs of {@code values} that zip with the groups, as Python's {@code zip}. */
    final void setLrs(double[] values) {
        int n = Math.min(values.length, target.size());
        double[] lrs = new double[n];
        System.arraycopy(values, 0, lrs, 0, n);
        target.setLrs(lrs, isInitial);
    }

    /** Each group's current rate: what {@link #getLr()} returns where the schedule leaves the rates alone. */
    final double[] unchanged() {
        return currentLrs();
    }

    /** Each group's current rate times {@code factor}. */
    final double[] scaled(double factor) {
        double[] lrs = currentLrs();
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = lrs[i] * factor;
        }
        return lrs;
    }

    /** The rates for {@link #lastEpoch}, PyTorch's {@code get_lr()} (the chainable form). */
    protected abstract double[] getLr();

    /** The rates for {@link #lastEpoch} in closed form, PyTorch's {@code _get_closed_form_lr()}, or null where none. */
    protected double[] closedFormLr() {
        return null;
    }

    /** Sets the computed rates (and whatever else the scheduler sets with them), all or none. */
    void apply(double[] lrs) {
        setLrs(lrs);
    }

    /**
     * The {@link #apply} of the schedulers that cycle the momentum with the rate (CyclicLR, OneCycleLR): with
     * {@code momenta} (null where the momentum is not cycled) every momentum and rate is checked first, then each
     * group's {@code momentum} (or {@code betas[0]} with {@code useBeta1}) set; then the rates.
     */
    final void setLrsAndMomenta(double[] lrs, double[] momenta, boolean useBeta1) {
        if (momenta != null) {
            List<ParamGroup> groups = groups();
            for (double m : momenta) {
                if (!Double.isFinite(m)) {
                    throw new IllegalArgumentException("Invalid momentum value: " + Format.repr(m));
                }
            }
            for (double lr : lrs) {
                checkFinite(lr);
            }
            for (int i = 0; i < momenta.length && i < groups.size(); i++) {
                ParamGroup g = groups.get(i);
                if (useBeta1) {
                    g.putScheduled("betas", List.of(momenta[i], ((List<?>) g.get("betas")).get(1)));
                } else {
                    g.putScheduled("momentum", momenta[i]);
                }
            }
        }
        setLrs(lrs);
    }

    /** PyTorch's {@code _initial_step()}: the step count restarts and one step runs in initial mode. */
    protected final void initialStep() {
        long savedCount = stepCount;
        stepCount = 0;
        isInitial = true;
        try {
            step();
        } catch (RuntimeException e) {
            stepCount = savedCount;
            throw e;
        } finally {
            isInitial = false;
        }
    }

    /**
     * Ends an epoch: counts it and sets every group's rate for the next one.
     *
     * @throws IllegalArgumentException when a rate is invalid for the optimizer (or the schedule is past its end, for
     *     {@link OneCycleLR}), with nothing changed
     */
    public void step() {
        long savedEpoch = lastEpoch;
        long savedCount = stepCount;
        // PyTorch's check for the pre-1.1 order: the first step after the initial one, with no optimizer step since the
        // scheduler was created
        if (savedCount == 1 && optimizer != null && optimizer.stepTracked && !optimizer.stepCalled
                && WARNED_STEP_ORDER.compareAndSet(false, true)) { // one thread wins: logged once however they race
            LOG.log(System.Logger.Level.WARNING, "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In "
                    + "PyTorch 1.1.0 and later, you should call them in the opposite order: `optimizer.step()` before "
                    + "`lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first value of the "
                    + "learning rate schedule. See more details at "
                    + "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate");
        }
        stepCount++;
        lastEpoch++;
        try {
            apply(getLr());
        } catch (RuntimeException e) {
            lastEpoch = savedEpoch;
            stepCount = savedCount;
            throw e;
        }
        lastLr = currentLrs();
    }

    /**
     * Jumps to {@code epoch} and sets the rates in closed form where the scheduler has one (else by {@link #getLr()}),
     * as PyTorch's {@code _update_lr(epoch)}, which {@link SequentialLR} uses at a milestone; the step count is not
     * changed.
     */
    final void updateLr(long epoch) {
        long savedEpoch = lastEpoch;
        lastEpoch = epoch;
        try {
            double[] closed = closedFormLr();
            apply(closed != null ? closed : getLr());
        } catch (RuntimeException e) {
            lastEpoch = savedEpoch;
            throw e;
        }
        lastLr = currentLrs();
    }

    /** Sets the rates read after a step another way (ReduceLROnPlateau, SequentialLR). */
    final void setLastLr(double[] lrs) {
        lastLr = lrs.clone();
    }

    // ------------------------------------------------------------------ state dict

    /**
     * The scheduler's state, as PyTorch's {@code state_dict()}: its hyperparameters and counters under PyTorch's names
     * (numbers as {@link Double} where PyTorch's are floats, {@link Long} where they are ints; lists as {@code List}), in
     * the order of PyTorch 2.x's {@code __dict__} (the scheduler's own fields as its constructor assigns them, then the
     * base constructor's {@code base_lrs}, {@code last_epoch}, {@code _step_count}, {@code _is_initial},
     * {@code _get_lr_called_within_step} and {@code _last_lr}, then what PyTorch's {@code state_dict} appends, such as
     * LambdaLR's {@code lr_lambdas}); a new map each call, which prints as Python prints PyTorch's dict
     * ({@code {'step_size': 3, 'gamma': 0.5, 'base_lrs': [0.1], ...}}).
     */
    public Map<String, Object> stateDict() {
        Map<String, Object> m = new PyState();
        saveFields(m);
        m.put("base_lrs", list(baseLrs));
        m.put("last_epoch", lastEpoch);
        m.put("_step_count", stepCount);
        m.put("_is_initial", false);
        m.put("_get_lr_called_within_step", false);
        m.put("_last_lr", list(lastLr));
        saveTrailingFields(m);
        return m;
    }

    /** A new map that prints as a Python dict, for the state dicts of the schedulers that build their own. */
    static Map<String, Object> newState() {
        return new PyState();
    }

    /** Adds the scheduler's own fields (before the base ones, as PyTorch's {@code __dict__} orders them). */
    void saveFields(Map<String, Object> m) {
    }

    /** Adds the fields PyTorch's {@code state_dict} puts after the base ones (popped and put back at the end). */
    void saveTrailingFields(Map<String, Object> m) {
    }

    /**
     * Loads a state from {@link #stateDict()}: every field the map has replaces the scheduler's (the optimizer's rates
     * are not touched: load the optimizer's state too). Everything is checked before anything changes.
     *
     * @throws IllegalArgumentException for a null map or a field of the wrong type or value, with nothing changed
     */
    public void loadStateDict(Map<String, ?> state) {
        checkKeys(state);
        Runnable own = loadFields(state);
        double[] base = state.containsKey("base_lrs") ? doubles(state, "base_lrs") : baseLrs;
        long epoch = state.containsKey("last_epoch") ? integer(state, "last_epoch") : lastEpoch;
        long count = state.containsKey("_step_count") ? integer(state, "_step_count") : stepCount;
        double[] last = state.containsKey("_last_lr") ? doubles(state, "_last_lr") : lastLr;
        own.run();
        baseLrs = base;
        lastEpoch = epoch;
        stepCount = count;
        lastLr = last;
    }

    /**
     * Refuses a null map and keys this scheduler's {@link #stateDict()} does not have (PyTorch's {@code __dict__.update}
     * would add them silently: in Java that is a state of another kind of scheduler, refused).
     */
    final void checkKeys(Map<String, ?> state) {
        if (state == null) {
            throw new IllegalArgumentException("state_dict must not be null");
        }
        Set<String> known = stateDict().keySet();
        for (String key : state.keySet()) {
            // "verbose": in every scheduler's state up to PyTorch 2.6 (removed in 2.7, whose load_state_dict still takes
            // such a state, as __dict__.update); it prints nothing any more, so it is accepted and ignored
            if (!known.contains(key) && !(key.equals("verbose") && state.get(key) instanceof Boolean)) {
                throw new IllegalArgumentException(getClass().getSimpleName() + " has no state '" + key
                        + "' (is this the state of another kind of scheduler?)");
            }
        }
    }

    /** Checks the scheduler's own fields in {@code state} and returns what sets them (run once all is checked). */
    Runnable loadFields(Map<String, ?> state) {
        return () -> {
        };
    }

    static List<Double> list(double[] v) {
        List<Double> l = new ArrayList<>(v.length);
        for (double d : v) {
            l.add(d);
        }
        return l;
    }

    private static IllegalArgumentException bad(String key, String what, Object v) {
        return new IllegalArgumentException("scheduler state '" + key + "' must be " + what + ", got "
                + (v == null ? "null" : v.getClass().getSimpleName() + " " + v));
    }

    /** A number field. */
    static double number(Map<String, ?> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number)) {
            throw bad(key, "a number", v);
        }
        return ((Number) v).doubleValue();
    }

    /** A number field, or {@code current} when the map does not have it. */
    static double number(Map<String, ?> m, String key, double current) {
        return m.containsKey(key) ? number(m, key) : current;
    }

    /** An integer field (a whole number). */
    static long integer(Map<String, ?> m, String key) {
        Object v = m.get(key);
        if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            if (d == Math.rint(d) && Math.abs(d) < 9.0e15) {
                return ((Number) v).longValue();
            }
        }
        throw bad(key, "an integer", v);
    }

    /** An integer field, or {@code current} when the map does not have it. */
    static long integer(Map<String, ?> m, String key, long current) {
        return m.containsKey(key) ? integer(m, key) : current;
    }

    /** A boolean field, or {@code current} when the map does not have it. */
    static boolean bool(Map<String, ?> m, String key, boolean current) {
        if (!m.containsKey(key)) {
            return current;
        }
        Object v = m.get(key);
        if (!(v instanceof Boolean)) {
            throw bad(key, "a boolean", v);
        }
        return (Boolean) v;
    }

    /** A string field, or {@code current} when the map does not have it. */
    static String string(Map<String, ?> m, String key, String current) {
        if (!m.containsKey(key)) {
            return current;
        }
        Object v = m.get(key);
        if (!(v instanceof String)) {
            throw bad(key, "a string", v);
        }
        return (String) v;
    }

    /** A list-of-numbers field. */
    static double[] doubles(Map<String, ?> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof List)) {
            throw bad(key, "a list of numbers", v);
        }
        List<?> l = (List<?>) v;
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Number)) {
                throw bad(key, "a list of numbers", v);
            }
            out[i] = ((Number) l.get(i)).doubleValue();
        }
        return out;
    }

    /** The {@code _schedulers} field of ChainedScheduler and SequentialLR: each scheduler's state dict, in order. */
    static List<Object> schedulerStates(List<LRScheduler> schedulers) {
        List<Object> children = new ArrayList<>();
        for (LRScheduler s : schedulers) {
            children.add(s.stateDict());
        }
        return children;
    }

    /**
     * The {@code _schedulers} field of a ChainedScheduler's or SequentialLR's state, checked: {@code count} maps, or none
     * when the state has no such key.
     */
    static List<Map<String, ?>> schedulerStates(Map<String, ?> state, int count) {
        List<Map<String, ?>> children = new ArrayList<>();
        if (state.containsKey("_schedulers")) {
            Object v = state.get("_schedulers");
            if (!(v instanceof List) || ((List<?>) v).size() != count) {
                throw new IllegalArgumentException("scheduler state '_schedulers' must be a list of " + count
                        + " scheduler states, got " + v);
            }
            for (Object o : (List<?>) v) {
                if (!(o instanceof Map)) {
                    throw new IllegalArgumentException("scheduler state '_schedulers' must hold maps, got " + o);
                }
                @SuppressWarnings("unchecked")
                Map<String, ?> c = (Map<String, ?>) o;
                children.add(c);
            }
        }
        return children;
    }

    /** Python's repr of a float, for messages. */
    static String repr(double v) {
        return Format.repr(v);
    }

    /** The number of parameter groups of {@code optimizer}, PyTorch's error for none. */
    static int groupsOf(Optimizer optimizer) {
        if (optimizer == null) {
            throw new IllegalArgumentException("NoneType is not an Optimizer");
        }
        return optimizer.paramGroups().size();
    }

    /**
     * Checks the functions of LambdaLR and MultiplicativeLR: not null, and one per group when given as a list
     * ({@code given}). Returns the optimizer.
     */
    static Optimizer checkedLambdas(Optimizer optimizer, java.util.List<java.util.function.LongToDoubleFunction> lambdas,
                                    boolean given) {
        int n = groupsOf(optimizer);
        if (lambdas == null) {
            throw new IllegalArgumentException("lr_lambda must not be null");
        }
        if (given && lambdas.size() != n) {
            throw new IllegalArgumentException("Expected " + n + " lr_lambdas, but got " + lambdas.size());
        }
        for (java.util.function.LongToDoubleFunction f : new java.util.ArrayList<>(lambdas)) {
            if (f == null) {
                throw new IllegalArgumentException("lr_lambda must not be null");
            }
        }
        return optimizer;
    }
}
