package dev.ember.optim;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.OptimizerOps;
import dev.ember.RemovableHandle;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.sparse.SparseGrads;
import dev.ember.sparse.SparseTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * What every optimizer shares, as {@code torch.optim.Optimizer}: parameter groups with per-group options (the
 * constructor's options are the {@linkplain #defaults() defaults} a group added later takes where it says nothing),
 * per-parameter state, a learning rate that schedules change, clearing the gradients, and a state dict.
 *
 * <p>A step checks every parameter, gradient and piece of state before it updates any, so a failed step changes
 * nothing. Each optimizer follows PyTorch 2.x's single-tensor algorithm ({@code foreach=False}). Where a parameter, its
 * gradient and its state are contiguous float32 or float64 tensors of one type on one device, the update is one fused
 * kernel per parameter ({@link dev.ember.OptimizerOps}: one pass, no temporaries) that computes what the chain of
 * elementwise ops computes, operation for operation, with the same bits on the CPU; anything else (the half types, a
 * non-contiguous gradient) runs that chain of ops.
 *
 * <p>Every group carries PyTorch 2.x's flags at their defaults too: {@code maximize} (false; set it,
 * {@code group.set("maximize", true)}, and the step follows the gradient, as PyTorch's), {@code foreach} and
 * {@code fused} (null; accepted and ignored: the implementation is Ember's choice), {@code capturable} (false; accepted
 * and ignored) and {@code differentiable} (false; true is refused), so state dicts move between Ember and PyTorch with
 * the same keys.
 *
 * <h2>State dict</h2>
 * {@link #stateDict()} has PyTorch's structure, as Java collections:
 * <pre>
 * {"state": {0: {"step": tensor(3.), "exp_avg": ..., "exp_avg_sq": ...}, 1: {...}},     // Map&lt;Integer, Map&lt;String, Object&gt;&gt;
 *  "param_groups": [{"lr": 0.001, "betas": [0.9, 0.999], ..., "params": [0, 1]}, ...]} // List&lt;Map&lt;String, Object&gt;&gt;
 * </pre>
 * Parameters are numbered across the groups in order; a parameter without state (no step yet) has no entry.
 * {@code step} (and NAdam's {@code mu_product}, ASGD's {@code eta} and {@code mu}) are 0-dim float32 CPU tensors as in
 * PyTorch 2.x (float64 under a float64 default type); every state tensor, these included, is the optimizer's own,
 * which its steps update in place, as PyTorch's (so a state dict taken earlier shows the later steps: clone it to keep
 * a snapshot while training goes on); options are {@link Double}, {@link Boolean}, {@code List<Double>} ({@code betas}) or what a
 * scheduler stored. {@link #loadStateDict}
 * takes such a map back (state keys may also be {@link Long} or decimal strings, numbers any {@link Number} or 0-dim
 * tensor, as they come back from JSON), so it round-trips through {@code dev.ember.nn.utils.Checkpoint}.
 *
 * <h2>Optimizers written outside Ember</h2>
 * A subclass written as a {@code torch.optim.Optimizer} subclass is: its options as the defaults of
 * {@link #Optimizer(List, Map, BiConsumer)} (null for PyTorch's None), a {@link #step()} that walks
 * {@link #paramGroups()} under {@link dev.ember.Ember#noGrad()}, and its per-parameter state in
 * {@link #state(Tensor)}, PyTorch's {@code self.state[p]}, which {@link #stateDict()} and {@link #loadStateDict}
 * carry as PyTorch's do (a checkpoint of PyTorch's Lion, Lamb or Adafactor loads into their Ember ports). A subclass
 * of a built-in ({@code class MySGD extends SGD}, {@code extends Adam}) keeps its own entries in {@link #state(Tensor)}
 * too: {@link #stateDict()} writes them after the built-in's entries of the parameter, and {@link #loadStateDict} takes
 * them back beside the built-in's (which it checks as the built-in's own), as PyTorch's {@code load_state_dict} takes
 * any key. Every optimizer takes PyTorch's {@code step(closure)}: {@link #step(Closure)}.
 */
public abstract class Optimizer {
    private static final System.Logger LOG = System.getLogger("dev.ember");
    private static final String GROUP_TYPE = "params";

    /** Every parameter of every group, in order (a read-only view kept up to date by {@link #addParamGroup}). */
    protected final List<Tensor> params;
    private final List<Tensor> allParams = new ArrayList<>();
    private final Map<String, Object> defaults;
    /** The defaults given as Java integers (Python ints, printed as such by an optimizer written outside Ember). */
    private final Set<String> intDefaults;
    private final BiConsumer<String, Object> optionCheck;
    private final List<ParamGroup> groups = new ArrayList<>();
    /** PyTorch's {@code optimizer.state}: one entry per parameter that has state. */
    final Map<Tensor, ParamState> state = new IdentityHashMap<>();
    /** The state of an optimizer written outside Ember ({@link #state(Tensor)}), per parameter. */
    private final Map<Tensor, Map<String, Object>> outsideState = new IdentityHashMap<>();
    /**
     * Whether steps may use the fused kernel ({@link #fused}); tests turn it off to run the chain of ops and compare
     * the bits.
     */
    static volatile boolean fusedUpdates = true;

    /**
     * A parameter's state, PyTorch's {@code optimizer.state[p]}: the step count (for the optimizers that keep one),
     * state tensors and scalars (NAdam's {@code mu_product}), in PyTorch's key order.
     */
    static final class ParamState {
        long step;
        /**
         * The 0-dim tensor {@link #stateDict()} hands out as {@code step} (or {@link #loadStateDict} took), kept equal to
         * {@link #step}: PyTorch's {@code state['step']} is one tensor that every step increments in place, so a state
         * dict taken earlier shows the later steps, and one written by its holder changes the optimizer's (null until
         * the first state dict or load).
         */
        Tensor stepView;
        /** The same for the scalars ({@code mu_product}, {@code eta}, {@code mu}), by key. */
        final Map<String, Tensor> scalarViews = new HashMap<>();
        /** The map {@link #stateDict()} hands out for this parameter (null until the first), refreshed after each update. */
        PyDict<String> live;

        /** Reads the live step and scalar tensors (their holder may have written them) before an update. */
        void pull() {
            if (stepView != null && !stepView.isClosed()) {
                double v = stepView.item();
                if (v >= 0 && v == Math.rint(v) && v < 9.0e15) {
                    step = (long) v;
                }
            }
            for (Map.Entry<String, Tensor> e : scalarViews.entrySet()) {
                if (!e.getValue().isClosed() && scalars.containsKey(e.getKey())) {
                    scalars.put(e.getKey(), e.getValue().item());
                }
            }
        }

        /** Writes the step and scalars into their live tensors, in place, after an update. */
        void push() {
            if (stepView != null && !stepView.isClosed()) {
                stepView.fill_((double) step);
            }
            for (Map.Entry<String, Tensor> e : scalarViews.entrySet()) {
                Double v = scalars.get(e.getKey());
                if (v != null && !e.getValue().isClosed()) {
                    e.getValue().fill_(v);
                }
            }
        }

        /** The live step tensor of type {@code type}, made on first use. */
        Tensor stepTensor(DType type) {
            if (stepView == null || stepView.isClosed()) {
                stepView = TensorScope.escape(Tensor.tensor((double) step, type, Device.CPU));
            }
            return stepView;
        }

        /** The live tensor of scalar {@code key}, made on first use. */
        Tensor scalarTensor(String key) {
            Tensor t = scalarViews.get(key);
            if (t == null || t.isClosed()) {
                t = TensorScope.escape(Tensor.tensor(scalars.get(key), scalarType(key), Device.CPU));
                scalarViews.put(key, t);
            }
            return t;
        }
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        /** Sparse state tensors (SGD's momentum buffer of a sparse gradient, sparse as PyTorch's), by key. */
        final Map<String, dev.ember.sparse.SparseTensor> sparseTensors = new LinkedHashMap<>();
        final Map<String, Double> scalars = new LinkedHashMap<>();
        /**
         * The type of a scalar's 0-dim state tensor where it is not {@link #scalarDtype()}: a loaded state's scalars
         * take a floating parameter's type, as PyTorch's load_state_dict casts every state tensor but {@code step}.
         */
        final Map<String, DType> scalarTypes = new HashMap<>();

        /** The type of scalar {@code key}'s state tensor. */
        DType scalarType(String key) {
            return scalarTypes.getOrDefault(key, scalarDtype());
        }

        /** {@code v} rounded as scalar {@code key}'s state tensor holds it. */
        double roundScalar(String key, double v) {
            return roundTo(scalarType(key), v);
        }

        Tensor tensor(String key) {
            return tensors.get(key);
        }

        /** Stores a state tensor out of every scope (the optimizer's state outlives a training step's scope). */
        void put(String key, Tensor t) {
            sparseTensors.remove(key);
            tensors.put(key, TensorScope.escape(t));
        }

        dev.ember.sparse.SparseTensor sparse(String key) {
            return sparseTensors.get(key);
        }

        /** Stores a sparse state tensor out of every scope, in place of a dense one of the same key. */
        void putSparse(String key, dev.ember.sparse.SparseTensor t) {
            tensors.remove(key);
            sparseTensors.put(key, dev.ember.sparse.SparseGrads.escape(t));
        }

        boolean hasTensors() {
            return !tensors.isEmpty() || !sparseTensors.isEmpty();
        }
    }

    /**
     * An optimizer over {@code params} with {@code lr} as its only option (for optimizers written outside Ember).
     *
     * @throws IllegalArgumentException as {@link #Optimizer(List, Map, BiConsumer)}
     */
    protected Optimizer(List<Tensor> params, double lr) {
        this(params, Map.of("lr", checkLr(lr)), Optimizer::checkCommon);
    }

    /**
     * An optimizer with one group of {@code params} and the given defaults (checked by the subclass first, as PyTorch's
     * constructors check their options before the parameters). {@code optionCheck} checks one option's value (a
     * {@link Double}, {@link Boolean} or {@code List<Double>}, by the type of its default) whenever a group's option is
     * set, with the constructor's message; it must not depend on the subclass's fields (it runs during construction).
     *
     * @throws IllegalArgumentException for a null or empty list, a null element or a tensor that is not a leaf, with
     *     PyTorch's messages
     */
    protected Optimizer(List<Tensor> params, Map<String, Object> defaults, BiConsumer<String, Object> optionCheck) {
        this.params = Collections.unmodifiableList(allParams);
        this.optionCheck = optionCheck;
        Map<String, Object> d = new LinkedHashMap<>();
        Set<String> ints = new java.util.HashSet<>();
        for (Map.Entry<String, Object> e : defaults.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
                ints.add(e.getKey());
            }
            d.put(e.getKey(), normalizeValue(v));
        }
        this.defaults = Collections.unmodifiableMap(d);
        this.intDefaults = Collections.unmodifiableSet(ints);
        GroupsInConstruction pending = PENDING_GROUPS.get();
        if (pending != null) {
            // withGroups: the groups, PyTorch's list of dicts, in place of params
            PENDING_GROUPS.remove();
            pending.consumedBy = this;
            constructing = true;
            for (int i = 0; i < pending.groups.size(); i++) {
                Object spec = pending.groups.get(i);
                if (spec == null && i == 0) {
                    // PyTorch's list whose first element is no dict is a list of parameters: [None]
                    throw new IllegalArgumentException("optimizer can only optimize Tensors, but one of the params is null");
                }
                if (!(spec instanceof Map)) {
                    throw new IllegalArgumentException("param_group must be a dict, but got " + pythonType(spec));
                }
                Map<?, ?> m = (Map<?, ?>) spec;
                if (!m.containsKey(GROUP_TYPE)) {
                    throw new IllegalArgumentException("KeyError: 'params'");
                }
                Map<String, Object> options = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!GROUP_TYPE.equals(e.getKey())) {
                        if (!(e.getKey() instanceof String)) {
                            throw new IllegalArgumentException("an option name must be a string, got " + describe(e.getKey()));
                        }
                        options.put((String) e.getKey(), e.getValue());
                    }
                }
                addParamGroup(groupParams(m.get(GROUP_TYPE)), options);
            }
            constructing = false;
            return;
        }
        if (params == null) {
            throw new IllegalArgumentException("params argument given to the optimizer should be an iterable of Tensors or "
                    + "dicts, but got null");
        }
        if (params.isEmpty()) {
            throw new IllegalArgumentException("optimizer got an empty parameter list");
        }
        constructing = true;
        addParamGroup(params, Map.of());
        constructing = false;
    }

    /** The groups {@link #withGroups} hands to the constructor it calls, and the optimizer that took them. */
    private static final class GroupsInConstruction {
        final List<?> groups;
        Optimizer consumedBy;

        GroupsInConstruction(List<?> groups) {
            this.groups = groups;
        }
    }

    private static final ThreadLocal<GroupsInConstruction> PENDING_GROUPS = new ThreadLocal<>();

    /**
     * Whether the groups being added are the constructor's (PyTorch's {@code __init__}, where Adagrad makes its state)
     * rather than {@link #addParamGroup}'s.
     */
    boolean constructing;

    /**
     * An optimizer over several parameter groups, as PyTorch's {@code Optimizer([{'params': ..., 'lr': ...}, ...],
     * **defaults)}: {@code constructor} (such as {@code ps -> new SGD(ps, 0.1, 0.9, 0, 0, false)}) gives the defaults
     * and is called with an empty list, in place of which the optimizer takes {@code groups}, in order, each a map with
     * the key {@code "params"} (a {@link Tensor} or a list of tensors) and the group's options (the defaults where it
     * says nothing), as {@link #addParamGroup} checks them. These are the constructor's groups: Adagrad makes their
     * state, with the constructor's {@code initial_accumulator_value}, as PyTorch's does (a group added later gets
     * none); LBFGS takes one group only.
     *
     * @param <O> the optimizer's class
     * @return the optimizer {@code constructor} made
     * @throws IllegalArgumentException with PyTorch's messages, in its order: the constructor's options first, then a
     *     null or empty {@code groups} (the constructor's own refusal of no parameters: "optimizer got an empty parameter
     *     list"), then group by group a null first element (PyTorch reads a list whose first element is no dict as a
     *     list of parameters: "optimizer can only optimize Tensors, but one of the params is null"), a later element
     *     that is not a map ("param_group must be a dict, but got &lt;class 'NoneType'&gt;"), a map without params
     *     ({@code KeyError: 'params'}), params that are a set or neither a tensor nor a list, and what
     *     {@link #addParamGroup} refuses (a parameter in two groups: "some parameters appear in more than one parameter
     *     group"); or a {@code constructor} that does not return a new optimizer of Ember's. A group whose params list
     *     is empty is a group without parameters, as in PyTorch.
     */
    public static <O extends Optimizer> O withGroups(List<? extends Map<String, ?>> groups,
                                                     java.util.function.Function<List<Tensor>, O> constructor) {
        if (constructor == null) {
            throw new IllegalArgumentException("withGroups: constructor must not be null");
        }
        if (groups == null || groups.isEmpty()) {
            // the constructor's options are checked before its params, as PyTorch's __init__ checks them
            O o = constructor.apply(groups == null ? null : List.of());
            throw new IllegalArgumentException("withGroups: the constructor accepted " + (groups == null ? "null" : "an "
                    + "empty list") + " (" + o.getClass().getSimpleName() + ")");
        }
        GroupsInConstruction pending = new GroupsInConstruction(new ArrayList<Object>(groups));
        PENDING_GROUPS.set(pending);
        O o;
        try {
            o = constructor.apply(List.of());
        } finally {
            PENDING_GROUPS.remove();
        }
        if (o == null || pending.consumedBy != o) {
            throw new IllegalArgumentException("withGroups: the constructor must return the optimizer it makes (a new "
                    + "one, made with Optimizer's constructor)");
        }
        return o;
    }

    /** A group's {@code params}: a tensor or a list of tensors (checked one by one by {@link #addParamGroup}). */
    private static List<Tensor> groupParams(Object params) {
        if (params instanceof Tensor) {
            return List.of((Tensor) params);
        }
        if (params instanceof java.util.Set) {
            throw new IllegalArgumentException("optimizer parameters need to be organized in ordered collections, but the "
                    + "ordering of tensors in sets will change between runs. Please use a list instead.");
        }
        if (!(params instanceof List)) {
            throw new IllegalArgumentException("params argument given to the optimizer should be an iterable of Tensors or "
                    + "dicts, but got " + (params == null ? "null" : params.getClass().getSimpleName()));
        }
        List<Tensor> out = new ArrayList<>();
        for (Object o : (List<?>) params) {
            if (o != null && !(o instanceof Tensor)) {
                throw new IllegalArgumentException("optimizer can only optimize Tensors, but one of the params is "
                        + o.getClass().getSimpleName());
            }
            out.add((Tensor) o);
        }
        return out;
    }

    /** Python's {@code type(x)} of a Java value, as PyTorch's messages print it. */
    private static String pythonType(Object v) {
        if (v == null) {
            return "<class 'NoneType'>";
        }
        if (v instanceof Tensor) {
            return "<class 'torch.Tensor'>";
        }
        if (v instanceof List) {
            return "<class 'list'>";
        }
        return "<class '" + v.getClass().getSimpleName() + "'>";
    }

    /** PyTorch's learning-rate check; nan and infinity are refused too, as every update with them is nan. */
    static double checkLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("Invalid learning rate: " + Format.repr(lr));
        }
        return lr;
    }

    /** PyTorch's {@code Invalid <what> value: x} check of a non-negative option; nan and infinity are refused too. */
    static void checkNonNegative(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("Invalid " + what + " value: " + Format.repr(v));
        }
    }

    /** PyTorch's check of {@code betas}: each in [0, 1). */
    static void checkBetas(List<?> betas) {
        for (int i = 0; i < 2; i++) {
            double b = ((Number) betas.get(i)).doubleValue();
            if (!(b >= 0 && b < 1)) {
                throw new IllegalArgumentException("Invalid beta parameter at index " + i + ": " + Format.repr(b));
            }
        }
    }

    /**
     * Adds PyTorch 2.x's flags to an optimizer's defaults, in the given order, with PyTorch's defaults:
     * {@code maximize} (false: Ember honours it, stepping along the gradient), {@code foreach} and {@code fused}
     * (null; Ember's own implementation choice, accepted and ignored), {@code capturable} (false; CUDA graphs, accepted
     * and ignored) and {@code differentiable} (false; true is refused).
     */
    static void pytorchFlags(Map<String, Object> d, String... keys) {
        for (String k : keys) {
            d.put(k, k.equals("foreach") || k.equals("fused") ? null : Boolean.FALSE);
        }
    }

    /** The checks every optimizer's options share: lr, eps, weight decay and betas where they exist. */
    static void checkCommon(String name, Object value) {
        switch (name) {
            case "differentiable":
                if (Boolean.TRUE.equals(value)) {
                    throw new IllegalArgumentException("differentiable=True is not supported: Ember's optimizer steps are "
                            + "not recorded by autograd");
                }
                break;
            case "foreach":
            case "fused":
                if (value != null && !(value instanceof Boolean)) {
                    throw new IllegalArgumentException("option '" + name + "' must be a boolean or null, got " + describe(value));
                }
                break;
            case "lr":
                checkLr((Double) value);
                break;
            case "eps":
                if (!((Double) value >= 0) || Double.isInfinite((Double) value)) {
                    throw new IllegalArgumentException("Invalid epsilon value: " + Format.repr((Double) value));
                }
                break;
            case "weight_decay":
                checkNonNegative("weight_decay", (Double) value);
                break;
            case "betas":
                checkBetas((List<?>) value);
                break;
            default:
        }
    }

    // ------------------------------------------------------------------ options

    private static Object normalizeValue(Object value) {
        if (value instanceof Number) {
            return ((Number) value).doubleValue();
        }
        if (value instanceof List) {
            List<Object> l = new ArrayList<>();
            for (Object o : (List<?>) value) {
                l.add(o instanceof Number ? ((Number) o).doubleValue() : o);
            }
            return Collections.unmodifiableList(l);
        }
        if (value instanceof double[]) {
            List<Object> l = new ArrayList<>();
            for (double v : (double[]) value) {
                l.add(v);
            }
            return Collections.unmodifiableList(l);
        }
        return value;
    }

    /** An option's value in its canonical type, or an IllegalArgumentException saying what it should be. */
    Object normalizeOption(String name, Object value) {
        Object def = defaults.get(name);
        Object v = normalizeValue(value);
        if (def == null) {
            if (v != null && !(v instanceof Double || v instanceof Boolean || v instanceof String || v instanceof List)) {
                throw new IllegalArgumentException("option '" + name + "' must be a number, a boolean, a string, a list or "
                        + "null, got " + v.getClass().getSimpleName());
            }
            return v;
        }
        if (def instanceof Double && !(v instanceof Double)) {
            throw new IllegalArgumentException("option '" + name + "' must be a number, got " + describe(v));
        }
        if (def instanceof Boolean && !(v instanceof Boolean)) {
            throw new IllegalArgumentException("option '" + name + "' must be a boolean, got " + describe(v));
        }
        if (def instanceof List) {
            boolean ok = v instanceof List && ((List<?>) v).size() == ((List<?>) def).size();
            if (ok) {
                // an entry may be null (Python's None) where the default's is (Adafactor's eps = (None, 1e-3))
                for (int i = 0; i < ((List<?>) v).size(); i++) {
                    Object o = ((List<?>) v).get(i);
                    ok &= o instanceof Double || o == null && ((List<?>) def).get(i) == null;
                }
            }
            if (!ok) {
                throw new IllegalArgumentException("option '" + name + "' must be a list of " + ((List<?>) def).size()
                        + " numbers, got " + describe(v));
            }
        }
        return v;
    }

    private static String describe(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName() + " " + v;
    }

    /** Checks one option with the optimizer's rules (after {@link #normalizeOption}). */
    void checkOption(String name, Object value) {
        if (defaults.containsKey(name)) {
            optionCheck.accept(name, value);
        }
    }

    /** The optimizer's default options, PyTorch's {@code optimizer.defaults} (unmodifiable). */
    public Map<String, Object> defaults() {
        return defaults;
    }

    /** The parameter groups, PyTorch's {@code optimizer.param_groups} (an unmodifiable list of live groups). */
    public List<ParamGroup> paramGroups() {
        return Collections.unmodifiableList(groups);
    }

    /**
     * Adds a parameter group, as {@code optimizer.add_param_group({'params': params, **options})}: options it does not
     * give are the optimizer's defaults; keys that are no option of the optimizer are kept as given.
     *
     * @return the new group
     * @throws IllegalArgumentException with PyTorch's messages for a null list or element, a tensor that is not a leaf,
     *     a parameter already in another group, or an option of the wrong type or value, leaving the optimizer as it
     *     was (an empty list is a group without parameters, as in PyTorch)
     */
    public ParamGroup addParamGroup(List<Tensor> params, Map<String, ?> options) {
        if (params == null) {
            throw new IllegalArgumentException("params argument given to the optimizer should be an iterable of Tensors or "
                    + "dicts, but got null");
        }
        if (options == null) {
            throw new IllegalArgumentException("param group options must not be null (use Map.of())");
        }
        List<Tensor> ps = new ArrayList<>(params.size());
        for (Tensor p : params) {
            ps.add(p);
        }
        for (Tensor p : ps) {
            if (p == null) {
                throw new IllegalArgumentException("optimizer can only optimize Tensors, but one of the params is null");
            }
            if (!p.isLeaf() && !p.retainsGrad()) {
                throw new IllegalArgumentException("can't optimize a non-leaf Tensor");
            }
        }
        // PyTorch's order: the keys the group's dict gives, in its order, then the defaults it lacks (add_param_group's
        // setdefault), which state_dict()'s param_groups entries and the group's printout keep
        Map<String, Object> opts = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : options.entrySet()) {
            String name = e.getKey();
            if (name == null || name.equals(GROUP_TYPE)) {
                throw new IllegalArgumentException(name == null ? "an option name must not be null"
                        : "give a group's params as the first argument, not as an option");
            }
            Object v = normalizeOption(name, e.getValue());
            checkOption(name, v);
            opts.put(name, v);
        }
        for (Map.Entry<String, Object> e : defaults.entrySet()) {
            opts.putIfAbsent(e.getKey(), e.getValue());
        }
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        boolean duplicates = false;
        for (Tensor p : ps) {
            duplicates |= !seen.add(p);
        }
        for (ParamGroup g : groups) {
            for (Tensor p : g.params()) {
                if (seen.contains(p)) {
                    throw new IllegalArgumentException("some parameters appear in more than one parameter group");
                }
            }
        }
        if (duplicates) {
            LOG.log(System.Logger.Level.WARNING, "optimizer contains a parameter group with duplicate parameters; in future, "
                    + "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information");
        }
        ParamGroup g = new ParamGroup(this, ps, opts);
        groups.add(g);
        allParams.addAll(ps);
        groupAdded(g);
        return g;
    }

    /**
     * Called after a group is added ({@link #constructing} while the constructor adds it: Adagrad then makes its state at
     * once, as PyTorch's constructor does).
     */
    void groupAdded(ParamGroup group) {
    }

    // ------------------------------------------------------------------ learning rate

    /** The learning rate of the first group. */
    public double lr() {
        return groups.get(0).lr();
    }

    /**
     * Sets the learning rate of every group (for schedules written as a getter and a setter).
     *
     * @throws IllegalArgumentException for a negative, nan or infinite rate, leaving every rate as it was
     */
    public void setLr(double lr) {
        checkOption("lr", normalizeOption("lr", lr));
        for (ParamGroup g : groups) {
            g.setLr(lr);
        }
    }

    // ------------------------------------------------------------------ step helpers

    /**
     * PyTorch's numbering of the parameters (the index of a parameter's first appearance, counting every position of
     * every group), as the state dict and messages use it.
     */
    private Map<Tensor, Integer> indices() {
        Map<Tensor, Integer> index = new IdentityHashMap<>();
        int start = 0;
        for (ParamGroup g : groups) {
            int i = start;
            for (Tensor p : g.params()) {
                index.putIfAbsent(p, i++);
            }
            start += g.params().size();
        }
        return index;
    }

    /**
     * PyTorch's {@code self.state[p]}, for an optimizer written outside Ember (a subclass of this class whose
     * {@link #step()} keeps its own state, as lion-pytorch's Lion, pytorch-lamb's Lamb or transformers' Adafactor keep
     * theirs): the parameter's live state map, empty on first use (PyTorch's {@code defaultdict(dict)}), whose entries
     * the step writes and reads in place ({@code state.put("exp_avg", p.zerosLike())}, then
     * {@code ((Tensor) state.get("exp_avg")).mul_(beta)}). Its values are anything PyTorch's step would keep: tensors
     * (kept out of every {@link TensorScope} when put, in a list or map too, as the built-in optimizers' state),
     * numbers ({@code step} as a {@link Long}, as a Python int), flags, lists, maps.
     *
     * <p>{@link #stateDict()} packs each map under its parameter's index, holding the map's own values, as PyTorch's
     * {@code state_dict()} does; {@link #loadStateDict} fills the maps back from such a dict, PyTorch's own included:
     * a tensor is copied to the parameter's device and, but under {@code step}, cast to a floating parameter's type
     * (PyTorch 2.x's {@code _process_value_according_to_param_policy}), in lists and maps too (its {@code _cast}); any
     * other value is kept as saved. Without this
     * map an outside optimizer's state would be missing from every checkpoint.
     *
     * <p>In a subclass of a built-in optimizer ({@code class MySGD extends SGD}) the map holds the subclass's own entries
     * only (the built-in keeps its {@code momentum_buffer}, {@code step}, ... apart): the state dict gives a parameter's
     * built-in entries, then these; on load the entries the built-in does not keep come back here. As in PyTorch, where
     * both live in one dict, the subclass should not use the built-in's keys.
     *
     * @throws IllegalArgumentException for a tensor that is in none of this optimizer's groups, or null
     */
    protected final Map<String, Object> state(Tensor p) {
        Map<String, Object> m = p == null ? null : outsideState.get(p);
        if (m != null) {
            return m; // a parameter's map once made: the step's lookups stay O(1)
        }
        if (p == null || !indices().containsKey(p)) {
            throw new IllegalArgumentException("state(p): the tensor is not a parameter of this optimizer");
        }
        m = new OutsideState();
        outsideState.put(p, m);
        return m;
    }

    /** A parameter's state map for {@link #state(Tensor)}: the tensors stored in it escape every scope. */
    private static final class OutsideState extends LinkedHashMap<String, Object> {
        /** {@code v} with every tensor in it (in a list or map too) taken out of every scope. */
        private static Object escaped(Object v) {
            if (v instanceof Tensor t && !t.isClosed()) {
                TensorScope.escape(t);
            } else if (v instanceof Map<?, ?> m) {
                m.values().forEach(OutsideState::escaped);
            } else if (v instanceof Iterable<?> l) {
                l.forEach(OutsideState::escaped);
            }
            return v;
        }

        @Override
        public Object put(String key, Object value) {
            return super.put(key, escaped(value));
        }

        @Override
        public void putAll(Map<? extends String, ?> m) {
            m.forEach(this::put);
        }

        @Override
        public Object putIfAbsent(String key, Object value) {
            return super.putIfAbsent(key, escaped(value));
        }

        @Override
        public Object computeIfAbsent(String key, java.util.function.Function<? super String, ?> f) {
            return super.computeIfAbsent(key, k -> escaped(f.apply(k)));
        }

        @Override
        public Object computeIfPresent(String key,
                                       java.util.function.BiFunction<? super String, ? super Object, ?> f) {
            return super.computeIfPresent(key, (k, v) -> escaped(f.apply(k, v)));
        }

        @Override
        public Object compute(String key, java.util.function.BiFunction<? super String, ? super Object, ?> f) {
            return super.compute(key, (k, v) -> escaped(f.apply(k, v)));
        }

        @Override
        public Object merge(String key, Object value,
                            java.util.function.BiFunction<? super Object, ? super Object, ?> f) {
            return super.merge(key, escaped(value), (a, b) -> escaped(f.apply(a, b)));
        }

        @Override
        public Object replace(String key, Object value) {
            return super.replace(key, escaped(value));
        }

        @Override
        public boolean replace(String key, Object oldValue, Object newValue) {
            return super.replace(key, oldValue, escaped(newValue));
        }

        @Override
        public void replaceAll(java.util.function.BiFunction<? super String, ? super Object, ?> f) {
            super.replaceAll((k, v) -> escaped(f.apply(k, v)));
        }
    }

    /**
     * Whether this optimizer is written outside Ember: no class between it and {@code Optimizer} is one of Ember's
     * (a subclass of Adam is Adam's, with Adam's state).
     */
    private boolean writtenOutside() {
        for (Class<?> c = getClass(); c != Optimizer.class; c = c.getSuperclass()) {
            if (c.getPackageName().equals(Optimizer.class.getPackageName())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether this optimizer is a subclass, written outside Ember, of one of Ember's ({@code class MySGD extends SGD}):
     * its own entries of {@link #state(Tensor)} sit beside the built-in's state.
     */
    private boolean extendsBuiltIn() {
        return !writtenOutside() && !getClass().getPackageName().equals(Optimizer.class.getPackageName());
    }

    /**
     * The parameters that have a gradient, after checking each: the parameter and its gradient open, and the gradient
     * of the parameter's shape, type and device (a parameter changed under the optimizer is refused before any update);
     * then the state of each, likewise.
     */
    protected final List<Tensor> parametersWithGradients() {
        String step = getClass().getSimpleName() + ".step: ";
        Map<Tensor, Integer> index = indices();
        List<Tensor> out = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (ParamGroup g : groups) {
            for (Tensor p : g.params()) {
                int i = index.get(p);
                if (p.isGradSparse()) {
                    if (!seen.add(p)) {
                        continue;
                    }
                    String refusal = sparseGradRefusal();
                    if (refusal != null) {
                        throw new IllegalStateException(refusal);
                    }
                    if (p.isComplex()) {
                        throw new IllegalStateException(step + "sparse gradients of complex parameters are not supported");
                    }
                    if (p.isClosed()) {
                        throw new IllegalStateException(step + "parameter " + i + " has been closed");
                    }
                    out.add(p);
                    continue;
                }
                Tensor grad = p.grad();
                if (grad == null || !seen.add(p)) {
                    continue;
                }
                if (!acceptsDenseGrad()) {
                    throw new IllegalStateException(getClass().getSimpleName() + " does not support dense gradients, "
                            + "please consider Adam instead");
                }
                if (p.isClosed()) {
                    throw new IllegalStateException(step + "parameter " + i + " has been closed");
                }
                if (grad.isClosed()) {
                    throw new IllegalStateException(step + "the gradient of parameter " + i + " has been closed");
                }
                checkLike(step + "the gradient of parameter " + i, grad, p);
                out.add(p);
            }
        }
        for (Tensor p : out) {
            ParamState s = state.get(p);
            if (s != null) {
                for (Map.Entry<String, Tensor> e : s.tensors.entrySet()) {
                    // a complex parameter's state may be of another complex type (loaded: PyTorch keeps its type)
                    Tensor v = e.getValue();
                    checkLike(step + "the optimizer state of parameter " + index.get(p) + " (" + e.getKey() + ")", v, p,
                            p.isComplex() && !v.isClosed() && v.isComplex(), stateShape(e.getKey(), p));
                }
            }
        }
        return out;
    }

    /**
     * PyTorch's message refusing a sparse gradient ({@link Tensor#isGradSparse()}), as each optimizer's
     * {@code "X does not support sparse gradients"}; null for an optimizer that takes one ({@code SGD},
     * {@code Adagrad}, {@code SparseAdam}), whose update then reads {@link Tensor#sparseGrad()} (its {@code grad}
     * argument is null).
     */
    String sparseGradRefusal() {
        return getClass().getSimpleName() + " does not support sparse gradients";
    }

    /**
     * Refuses, before any update, a sparse gradient in a group where one of the options {@code names} is on (nonzero or
     * true): PyTorch's {@code grad.add(param, alpha=weight_decay)} (and SGD's Nesterov {@code grad.add(buf)}) of a sparse
     * gradient and a dense tensor fails with "add(sparse, dense) is not supported. Use add(dense, sparse) instead.",
     * Adagrad's weight decay with its own message.
     */
    void refuseSparseWith(String... names) {
        for (ParamGroup g : groups) {
            for (String name : names) {
                Object v = g.get(name);
                boolean on = v instanceof Boolean ? (Boolean) v : v instanceof Number && ((Number) v).doubleValue() != 0;
                if (!on) {
                    continue;
                }
                for (Tensor p : g.params()) {
                    if (p.isGradSparse()) {
                        throw new IllegalStateException(this instanceof Adagrad
                                ? "weight_decay option is not compatible with sparse gradients"
                                : "add(sparse, dense) is not supported. Use add(dense, sparse) instead.");
                    }
                }
            }
        }
    }

    /** Whether this optimizer takes dense gradients (all but {@code SparseAdam}). */
    boolean acceptsDenseGrad() {
        return true;
    }

    /** Checks that {@code t} (a gradient or a piece of state) matches its parameter {@code p}. */
    protected static void checkLike(String what, Tensor t, Tensor p) {
        checkLike(what, t, p, false);
    }

    /** {@link #checkLike(String, Tensor, Tensor)}, where {@code anyType} accepts any type. */
    private static void checkLike(String what, Tensor t, Tensor p, boolean anyType) {
        checkLike(what, t, p, anyType, p.shape());
    }

    /**
     * The end of a state tensor's shape refusal: " has shape [..] but the parameter has shape [..]", or "but it should
     * have shape [..]" where the state's shape is not the parameter's ({@link #stateShape}).
     */
    private static String shapeMismatch(Tensor t, int[] want, Tensor p) {
        return " has shape " + Arrays.toString(t.shape()) + (Arrays.equals(want, p.shape())
                ? " but the parameter has shape " : " but it should have shape ") + Arrays.toString(want);
    }

    private static void checkLike(String what, Tensor t, Tensor p, boolean anyType, int[] shape) {
        if (t.isClosed()) {
            throw new IllegalStateException(what + " has been closed");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalStateException(what + shapeMismatch(t, shape, p));
        }
        if (t.dtype() != p.dtype() && !anyType) {
            throw new IllegalStateException(what + " has type " + t.dtype() + " but the parameter has type " + p.dtype());
        }
        if (!t.device().equals(p.device())) {
            throw new IllegalStateException(what + " is on " + t.device() + " but the parameter is on " + p.device());
        }
    }

    /**
     * Runs {@code update} for every parameter that has a gradient, group by group, with grad mode off, after
     * {@link #parametersWithGradients()} has checked them all.
     */
    void forEachParameter(ParameterUpdate update) {
        List<Tensor> ps = parametersWithGradients();
        Set<Tensor> with = Collections.newSetFromMap(new IdentityHashMap<>());
        with.addAll(ps);
        try (GradMode off = Ember.noGrad()) {
            for (ParamGroup g : groups) {
                for (Tensor p : g.params()) {
                    if (with.remove(p)) {
                        ParamState s = state.get(p);
                        boolean fresh = s == null;
                        if (fresh) {
                            s = new ParamState();
                        }
                        // maximize: the step follows the gradient, as PyTorch's grad = -grad before everything else
                        // a sparse gradient is read by the update itself (p.sparseGrad()), maximize included
                        Tensor grad = p.isGradSparse() ? null
                                : maximize(g) ? p.grad().neg() : p.grad();
                        s.pull();
                        if (p.isComplex()) {
                            ComplexParams.apply(update, g, p, grad, s, fresh); // the real update of the parts
                        } else {
                            update.apply(g, p, grad, s, fresh);
                        }
                        s.push();
                        if (s.live != null) {
                            fillLive(s, outsideState.get(p));
                        }
                        if (fresh && (countsSteps() || s.hasTensors())) {
                            state.put(p, s);
                        }
                    }
                }
            }
        }
    }

    /** Whether the group's {@code maximize} option is on. */
    static boolean maximize(ParamGroup g) {
        return g.has("maximize") && Boolean.TRUE.equals(g.get("maximize"));
    }

    /**
     * {@code p}'s sparse gradient as its update uses it, coalesced (the updates are not linear, so each row must
     * appear once, as PyTorch's {@code grad.coalesce()}) and negated under {@code maximize}.
     */
    static SparseTensor sparseGradFor(ParamGroup g, Tensor p) {
        SparseTensor grad = p.sparseGrad();
        if (maximize(g)) {
            grad = grad.neg();
        }
        return grad.coalesce();
    }

    /**
     * Whether the fused kernel updates {@code p} from {@code grad} with {@code state}: fused updates on and the tensors
     * {@link OptimizerOps#fusable}.
     */
    static boolean fused(Tensor p, Tensor grad, Tensor... state) {
        return fusedUpdates && OptimizerOps.fusable(p, grad, state);
    }

    /** A flag as a fused kernel's scalar: 1 or 0. */
    static double flag(boolean b) {
        return b ? 1 : 0;
    }

    /** One parameter's update. */
    interface ParameterUpdate {
        /** Updates {@code p}; {@code fresh}: its state was just made (empty) and is stored after this call. */
        void apply(ParamGroup group, Tensor p, Tensor grad, ParamState state, boolean fresh);
    }

    /**
     * Sets every parameter's gradient to null (as PyTorch's default {@code zero_grad(set_to_none=True)}) and closes the
     * gradients autograd made ({@link Tensor#releaseGrad()}), so their memory is reused by the next backward pass at
     * once rather than when the garbage collector finds them; PyTorch frees them at this point too, unless a reference
     * remains. Clone a gradient to keep it past this call.
     */
    public void zeroGrad() {
        for (ParamGroup g : groups) {
            for (Tensor p : g.params()) {
                p.releaseGrad();
            }
        }
    }

    /**
     * PyTorch's {@code zero_grad(set_to_none)}: with {@code true} as {@link #zeroGrad()}; with {@code false} every
     * gradient that exists is kept and zeroed in place (detached first where it has a history, else made not to require
     * grad, as PyTorch does), so an optimizer such as Adam still updates a parameter whose gradient stays zero (its
     * moments decay) where it skips one without a gradient.
     */
    public void zeroGrad(boolean setToNone) {
        if (setToNone) {
            zeroGrad();
            return;
        }
        for (ParamGroup g : groups) {
            for (Tensor p : g.params()) {
                zeroGradInPlace(p);
            }
        }
    }

    /** Zeroes a gradient in place, as {@code zero_grad(set_to_none=False)} does; null is left alone. */
    /** Zeroes {@code p}'s gradient in place, dense or sparse, as {@code zero_grad(set_to_none=False)}. */
    static void zeroGradInPlace(Tensor p) {
        if (p.isGradSparse()) {
            // PyTorch: p.grad.zero_() on a sparse gradient leaves no entries (2.x keeps its sparse dims)
            p.setSparseGrad(SparseGrads.zeroed(p.sparseGrad()));
            return;
        }
        zeroInPlace(p.grad());
    }

    private static void zeroInPlace(Tensor grad) {
        if (grad == null) {
            return;
        }
        if (grad.gradFn() != null) {
            grad.detach_();
        } else {
            grad.requiresGrad_(false);
        }
        grad.zero_();
    }

    /** One update of every parameter that has a gradient. */
    public abstract void step();

    /**
     * A closure for {@link #step(Closure)}, PyTorch's {@code closure} argument: it clears the gradients, re-evaluates
     * the model, calls {@code backward} and returns the loss.
     */
    @FunctionalInterface
    public interface Closure {
        /** Evaluates the loss after computing the parameters' gradients. */
        Tensor call();
    }

    /**
     * PyTorch's {@code optimizer.step(closure)}: calls {@code closure} with gradients enabled (inside
     * {@link dev.ember.Ember#noGrad()} too, as PyTorch's {@code with torch.enable_grad(): loss = closure()}), then
     * {@link #step()}, and returns the closure's loss; a null closure only steps and returns null (PyTorch's
     * {@code step(None)}). Every optimizer takes a closure, as PyTorch's do: the built-ins, a subclass of one, and an
     * optimizer written outside Ember that overrides only {@link #step()} (one that wants the closure itself overrides
     * this method, as {@link LBFGS} does, which evaluates it several times a step).
     *
     * @param closure re-evaluates the loss and its gradients, or null
     * @return the closure's loss, or null without a closure
     * @throws RuntimeException what the closure or {@link #step()} throws (a closure that fails leaves the parameters
     *     and the state as they were)
     */
    public Tensor step(Closure closure) {
        return withStepHooks(() -> {
            Tensor loss = null;
            if (closure != null) {
                try (GradMode on = Ember.enableGrad()) {
                    loss = closure.call();
                }
            }
            step();
            return loss;
        });
    }

    // ------------------------------------------------------------------ hooks

    /**
     * A hook given the optimizer: a step pre-hook or post-hook ({@link #registerStepPreHook},
     * {@link #registerStepPostHook}), a state-dict pre-hook ({@link #registerStateDictPreHook}) or a load-state-dict
     * post-hook ({@link #registerLoadStateDictPostHook}).
     */
    @FunctionalInterface
    public interface Hook {
        /** Called with the optimizer. */
        void apply(Optimizer optimizer);
    }

    /**
     * A hook given the optimizer and a state dict, returning a replacement or null to keep it: a state-dict post-hook
     * ({@link #registerStateDictPostHook}) or a load-state-dict pre-hook ({@link #registerLoadStateDictPreHook}).
     */
    @FunctionalInterface
    public interface StateDictHook {
        /** The replacement state dict, or null to keep {@code stateDict} (which the hook may change in place). */
        Map<String, Object> apply(Optimizer optimizer, Map<String, Object> stateDict);
    }

    private static final Map<Integer, Hook> GLOBAL_STEP_PRE = Collections.synchronizedMap(new LinkedHashMap<>());
    private static final Map<Integer, Hook> GLOBAL_STEP_POST = Collections.synchronizedMap(new LinkedHashMap<>());
    private static final AtomicInteger NEXT_HOOK_ID = new AtomicInteger();
    private final Map<Integer, Hook> stepPreHooks = new LinkedHashMap<>();
    private final Map<Integer, Hook> stepPostHooks = new LinkedHashMap<>();
    private final Map<Integer, Hook> stateDictPreHooks = new LinkedHashMap<>();
    private final Map<Integer, StateDictHook> stateDictPostHooks = new LinkedHashMap<>();
    private final Map<Integer, StateDictHook> loadStateDictPreHooks = new LinkedHashMap<>();
    private final Map<Integer, Hook> loadStateDictPostHooks = new LinkedHashMap<>();
    private boolean inStep;
    /**
     * Whether a scheduler tracks this optimizer's steps (PyTorch's LRScheduler wraps {@code optimizer.step} when it is
     * created) and whether a step ran since then (the wrapper's {@code _opt_called}), for the scheduler's warning about
     * a {@code lr_scheduler.step()} before {@code optimizer.step()}.
     */
    boolean stepTracked;
    boolean stepCalled;

    private static <H> RemovableHandle register(Map<Integer, H> hooks, H hook, String what, boolean prepend) {
        if (hook == null) {
            throw new IllegalArgumentException(what + "(): hook must not be null");
        }
        int id = NEXT_HOOK_ID.getAndIncrement();
        synchronized (hooks) {
            if (prepend) {
                Map<Integer, H> rest = new LinkedHashMap<>(hooks);
                hooks.clear();
                hooks.put(id, hook);
                hooks.putAll(rest);
            } else {
                hooks.put(id, hook);
            }
        }
        return () -> hooks.remove(id);
    }

    private static <H> List<H> snapshot(Map<Integer, H> hooks) {
        synchronized (hooks) {
            return hooks.isEmpty() ? List.of() : new ArrayList<>(hooks.values());
        }
    }

    /**
     * Registers a hook every optimizer runs before each step, before its own step pre-hooks, as PyTorch's
     * {@code torch.optim.optimizer.register_optimizer_step_pre_hook}.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public static RemovableHandle registerOptimizerStepPreHook(Hook hook) {
        return register(GLOBAL_STEP_PRE, hook, "register_optimizer_step_pre_hook", false);
    }

    /**
     * Registers a hook every optimizer runs after each step, after its own step post-hooks, as PyTorch's
     * {@code register_optimizer_step_post_hook}.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public static RemovableHandle registerOptimizerStepPostHook(Hook hook) {
        return register(GLOBAL_STEP_POST, hook, "register_optimizer_step_post_hook", false);
    }

    /**
     * Registers a hook run before each step ({@link #step()} or {@link #step(Closure)}, before the closure), after the
     * global ones, as PyTorch 2.x's {@code register_step_pre_hook}.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerStepPreHook(Hook hook) {
        return register(stepPreHooks, hook, "register_step_pre_hook", false);
    }

    /**
     * Registers a hook run after each step, before the global ones, as PyTorch 2.x's {@code register_step_post_hook}.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerStepPostHook(Hook hook) {
        return register(stepPostHooks, hook, "register_step_post_hook", false);
    }

    /**
     * Registers a hook run at the start of {@link #stateDict()}, as 2.x's {@code register_state_dict_pre_hook(hook,
     * prepend)}.
     *
     * @param hook the hook
     * @param prepend whether it runs before the hooks registered earlier
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerStateDictPreHook(Hook hook, boolean prepend) {
        return register(stateDictPreHooks, hook, "register_state_dict_pre_hook", prepend);
    }

    /**
     * Registers a hook run on the state dict {@link #stateDict()} made, which may change it in place or return a
     * replacement, as 2.x's {@code register_state_dict_post_hook(hook, prepend)}.
     *
     * @param hook the hook
     * @param prepend whether it runs before the hooks registered earlier
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerStateDictPostHook(StateDictHook hook, boolean prepend) {
        return register(stateDictPostHooks, hook, "register_state_dict_post_hook", prepend);
    }

    /**
     * Registers a hook run on (a shallow copy of) the state dict {@link #loadStateDict} is given, before anything is
     * checked, which may change it in place or return a replacement, as 2.x's
     * {@code register_load_state_dict_pre_hook(hook, prepend)}.
     *
     * @param hook the hook
     * @param prepend whether it runs before the hooks registered earlier
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerLoadStateDictPreHook(StateDictHook hook, boolean prepend) {
        return register(loadStateDictPreHooks, hook, "register_load_state_dict_pre_hook", prepend);
    }

    /**
     * Registers a hook run once {@link #loadStateDict} has loaded, as 2.x's
     * {@code register_load_state_dict_post_hook(hook, prepend)}.
     *
     * @param hook the hook
     * @param prepend whether it runs before the hooks registered earlier
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerLoadStateDictPostHook(Hook hook, boolean prepend) {
        return register(loadStateDictPostHooks, hook, "register_load_state_dict_post_hook", prepend);
    }

    /**
     * Runs a step's update between the step hooks, as PyTorch's {@code profile_hook_step} wraps every optimizer's
     * {@code step}: the global pre-hooks, this optimizer's pre-hooks, the update, this optimizer's post-hooks, the
     * global post-hooks. A step inside a step (the {@link #step(Closure)} of an optimizer calling its {@link #step()})
     * runs them once. Every Ember optimizer's {@code step} calls it; an optimizer written outside Ember does too, as
     * {@code public void step() { withStepHooks(this::update); }}, for its {@code step()} to run the hooks (its
     * {@code step(closure)} runs them either way).
     *
     * @param update the step's work
     */
    protected final void withStepHooks(Runnable update) {
        withStepHooks(() -> {
            update.run();
            return null;
        });
    }

    /**
     * {@link #withStepHooks(Runnable)} for an update with a result (a step with a closure returns the loss).
     *
     * @param update the step's work
     * @param <T> the result's type
     * @return what {@code update} returns
     */
    protected final <T> T withStepHooks(Supplier<T> update) {
        if (stepTracked) {
            stepCalled = true; // before the step, as PyTorch's wrapper sets _opt_called
        }
        if (inStep) {
            return update.get();
        }
        inStep = true;
        try {
            for (Hook h : snapshot(GLOBAL_STEP_PRE)) {
                h.apply(this);
            }
            for (Hook h : snapshot(stepPreHooks)) {
                h.apply(this);
            }
            T out = update.get();
            for (Hook h : snapshot(stepPostHooks)) {
                h.apply(this);
            }
            for (Hook h : snapshot(GLOBAL_STEP_POST)) {
                h.apply(this);
            }
            return out;
        } finally {
            inStep = false;
        }
    }

    /**
     * The optimizer and its groups' options, as PyTorch prints an optimizer: {@code Adam (}, then per group
     * {@code Parameter Group 0} and its options sorted by name, one per line, then {@code )}. An option whose default
     * is a Python int in PyTorch ({@link #intOptions()}: {@code weight_decay: 0}, {@code momentum: 0}, LBFGS's
     * {@code max_iter: 20}, Rprop's {@code step_sizes: (1e-06, 50)}, ...) prints a whole value as an int, as it
     * prints for the default and for a value written as an int. For an optimizer written outside Ember the int options
     * are those whose default its constructor gave as a Java integer ({@code Integer}, {@code Long}), as Python prints
     * its own class's int and float defaults.
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(getClass().getSimpleName()).append(" (");
        Set<String> ints = intOptions();
        for (int i = 0; i < groups.size(); i++) {
            b.append("\nParameter Group ").append(i).append('\n');
            Map<String, Object> sorted = new java.util.TreeMap<>(groups.get(i).options());
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                b.append("    ").append(e.getKey()).append(": ").append(python(e.getValue(), ints.contains(e.getKey())))
                        .append('\n');
            }
        }
        return b.append(')').toString();
    }

    /** The options whose PyTorch 2.x default is a Python int (printed without {@code .0} when whole). */
    Set<String> intOptions() {
        if (writtenOutside()) {
            // an optimizer written outside Ember: the defaults its constructor gave as integers, as Python ints print
            // (Lamb's weight_decay=0 prints 0, Lion's weight_decay=0.0 prints 0.0)
            return intDefaults;
        }
        return Set.of("momentum", "dampening", "weight_decay", "lr_decay", "initial_accumulator_value", "step_sizes");
    }

    /**
     * A value as Python's {@code str} prints it (a list as the tuple PyTorch keeps {@code betas} in; a whole double as
     * an int where {@code asInt}).
     */
    static String python(Object v, boolean asInt) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Double) {
            double d = (Double) v;
            if (asInt && d == Math.rint(d) && Math.abs(d) < 1e15) {
                return Long.toString((long) d);
            }
            return Format.repr(d);
        }
        if (v instanceof Boolean) {
            return (Boolean) v ? "True" : "False";
        }
        if (v instanceof List) {
            StringBuilder b = new StringBuilder("(");
            List<?> l = (List<?>) v;
            for (int i = 0; i < l.size(); i++) {
                b.append(i > 0 ? ", " : "").append(python(l.get(i), asInt));
            }
            return b.append(l.size() == 1 ? ",)" : ")").toString();
        }
        return v.toString();
    }

    /**
     * A value as Python's {@code repr} writes it inside a dict: as {@link #python(Object, boolean)}, a string quoted
     * ({@code 'strong_wolfe'}).
     */
    static String pythonRepr(Object v, boolean asInt) {
        if (v instanceof String) {
            String s = (String) v;
            boolean dq = s.indexOf('\'') >= 0 && s.indexOf('"') < 0;
            StringBuilder b = new StringBuilder().append(dq ? '"' : '\'');
            for (char c : s.toCharArray()) {
                if (c == '\\' || (!dq && c == '\'')) {
                    b.append('\\');
                }
                b.append(c);
            }
            return b.append(dq ? '"' : '\'').toString();
        }
        return python(v, asInt);
    }

    // ------------------------------------------------------------------ state dict

    /** Whether this optimizer counts steps per parameter (PyTorch's {@code state['step']}); SGD does not. */
    boolean countsSteps() {
        return true;
    }

    /** Whether the saved {@code step} is a Python int (SparseAdam's) rather than a 0-dim tensor (2.x's others). */
    boolean stepIsInt() {
        return false;
    }

    /** The state tensors a parameter of {@code group} must have once it has state (checked on load). */
    List<String> stateTensors(ParamGroup group, Map<String, Object> options) {
        return List.of();
    }

    /**
     * The state tensors this optimizer keeps under other options and so may find in a saved state (SGD's
     * {@code momentum_buffer} after momentum was set to 0, Adam's {@code max_exp_avg_sq} after amsgrad was turned off):
     * loaded as the required ones where present, as PyTorch's {@code load_state_dict} takes any entry, and kept in the
     * state dict.
     */
    List<String> optionalStateTensors() {
        return List.of();
    }

    /**
     * The shape state tensor {@code key} of {@code p} has (checked before a step and on load): the parameter's, but for
     * Adafactor's factored second moments ({@code row_var}, {@code col_var}).
     */
    int[] stateShape(String key, Tensor p) {
        return p.shape();
    }

    /** The scalar state entries (float32 in PyTorch) of a parameter once it has state (checked on load). */
    List<String> stateScalars() {
        return List.of();
    }

    /**
     * The optimizer's state, as PyTorch's {@code optimizer.state_dict()} (see the class comment): a new map each call,
     * whose per-parameter maps are the optimizer's own (the same maps on every call, which every update of the
     * parameter refreshes, until a load replaces them) holding its own state tensors; it prints as PyTorch's dict ({@code {'state': {0: {'step': tensor(1.),
     * ...}}, 'param_groups': [{'lr': 0.001, ..., 'params': [0]}]}}).
     */
    public Map<String, Object> stateDict() {
        for (Hook h : snapshot(stateDictPreHooks)) {
            h.apply(this);
        }
        Map<String, Object> out = saveState();
        for (StateDictHook h : snapshot(stateDictPostHooks)) {
            Map<String, Object> r = h.apply(this, out);
            if (r != null) {
                out = r;
            }
        }
        return out;
    }

    /**
     * {@link #stateDict()}'s map, before its hooks: what an optimizer with state of its own extends
     * ({@code super.saveState()} and its entries).
     *
     * @return the state dict
     */
    protected Map<String, Object> saveState() {
        Map<Tensor, Integer> index = indices();
        List<Object> packed = new ArrayList<>();
        Set<String> ints = intOptions();
        for (ParamGroup g : groups) {
            Map<String, Object> m = new PyDict<>(ints);
            m.putAll(g.optionsCopy());
            List<Integer> ids = new ArrayList<>();
            for (Tensor p : g.params()) {
                ids.add(index.get(p));
            }
            m.put(GROUP_TYPE, ids);
            packed.add(m);
        }
        Map<Integer, Object> st = new PyDict<>(ints);
        List<Map.Entry<Tensor, Integer>> order = new ArrayList<>(index.entrySet());
        order.sort(Map.Entry.comparingByValue());
        for (Map.Entry<Tensor, Integer> e : order) {
            ParamState s = state.get(e.getKey());
            Map<String, Object> outside = outsideState.get(e.getKey());
            if (s == null && outside == null) {
                continue;
            }
            if (s == null) {
                Map<String, Object> m = new PyDict<>(ints);
                m.putAll(outside);
                st.put(e.getValue(), m);
                continue;
            }
            // the parameter's own map, the same on every call and refreshed after each of its updates, as PyTorch's
            // state_dict hands out the state's per-parameter dicts themselves (an integer step, an entry made later,
            // show in a dict kept from an earlier call); a load makes new ones, as PyTorch's
            if (s.live == null) {
                s.live = new PyDict<>(ints);
            }
            fillLive(s, outside);
            st.put(e.getValue(), s.live);
        }
        Map<String, Object> out = new PyDict<>(ints);
        out.put("state", st);
        out.put("param_groups", packed);
        return out;
    }

    /**
     * Refills {@code s}'s live map: the step and the scalars as live tensors (the same ones on every call, which the
     * steps update in place), the state tensors, and the entries an outside subclass keeps ({@code outside}).
     */
    private void fillLive(ParamState s, Map<String, Object> outside) {
        Map<String, Object> m = s.live;
        m.clear();
        if (countsSteps()) {
            m.put("step", stepIsInt() ? (Object) s.step : s.stepTensor(scalarDtype()));
        }
        for (String key : s.scalars.keySet()) {
            m.put(key, s.scalarTensor(key));
        }
        m.putAll(s.tensors);
        m.putAll(s.sparseTensors);
        if (outside != null) {
            m.putAll(outside);
        }
    }

    /**
     * PyTorch 2.x's {@code _get_scalar_dtype()}: the type of an optimizer's scalar state (its step, ASGD's eta and mu),
     * float64 under a float64 default type ({@link dev.ember.Ember#setDefaultDtype}), float32 otherwise.
     */
    static DType scalarDtype() {
        return dev.ember.Ember.getDefaultDtype() == DType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32;
    }

    /** {@code v} as a scalar state tensor of {@link #scalarDtype()} holds it. */
    static double roundToScalarDtype(double v) {
        return scalarDtype() == DType.FLOAT32 ? (float) v : v;
    }

    /** {@code v} as a 0-dim tensor of floating type {@code t} holds it. */
    static double roundTo(DType t, double v) {
        switch (t) {
            case FLOAT64:
                return v;
            case FLOAT32:
                return (float) v;
            case FLOAT16:
            case BFLOAT16:
                try (Tensor x = Tensor.tensor(v, DType.FLOAT64, Device.CPU).to(t)) {
                    return x.item();
                }
            default:
                return v;
        }
    }

    /**
     * Loads a state from {@link #stateDict()} (of this optimizer or a twin over parameters of the same shapes), as
     * {@code optimizer.load_state_dict(state_dict)}: every group's options become the saved ones, and every parameter's
     * state the saved one, moved to the parameter's device, converted to its type where the parameter is floating (a
     * complex parameter keeps the saved complex type, as PyTorch 2.x's); as PyTorch 2.x's, a saved tensor that needs no
     * move or conversion (and a tensor {@code step}) is taken itself, so the map's holder and the optimizer share it
     * (loading a state dict taken earlier from this optimizer loads its live state; clone the map to keep them apart).
     * Everything is checked before anything changes.
     *
     * @throws IllegalArgumentException with PyTorch's messages for a different number of groups or of parameters in a
     *     group, and for anything else that does not fit (a missing or unknown entry, a tensor of another shape than its
     *     parameter, an option the optimizer refuses: a rate only where it is nan or infinite, as a scheduler may set
     *     any other), leaving the optimizer as it was. The values of a state tensor are not checked, as PyTorch checks
     *     none: any number (nan, infinite, beyond the parameter's type, which the cast makes infinite) and any type (an
     *     integer or bool tensor is cast to a floating parameter's type, as PyTorch's {@code cast}) are taken; a complex
     *     parameter's state must be complex.
     */
    public void loadStateDict(Map<String, ?> stateDict) {
        if (stateDict == null) {
            throw new IllegalArgumentException("state_dict must not be null");
        }
        List<StateDictHook> pre = snapshot(loadStateDictPreHooks);
        if (!pre.isEmpty()) {
            Map<String, Object> copy = new LinkedHashMap<>(stateDict); // PyTorch's state_dict.copy()
            for (StateDictHook h : pre) {
                Map<String, Object> r = h.apply(this, copy);
                if (r != null) {
                    copy = r;
                }
            }
            if (copy == null) {
                throw new IllegalArgumentException("state_dict must not be null");
            }
            stateDict = copy;
        }
        loadState(stateDict);
        for (Hook h : snapshot(loadStateDictPostHooks)) {
            h.apply(this);
        }
    }

    /**
     * {@link #loadStateDict}'s load, between its hooks: what an optimizer with state of its own extends (checking its
     * entries, then {@code super.loadState} with the rest). Everything is checked before anything changes.
     *
     * @param stateDict the state dict, not null
     */
    protected void loadState(Map<String, ?> stateDict) {
        Object savedGroupsObj = require(stateDict, "param_groups");
        Object savedStateObj = require(stateDict, "state");
        if (!(savedGroupsObj instanceof List) || !(savedStateObj instanceof Map)) {
            throw new IllegalArgumentException("state_dict must map 'state' to a map and 'param_groups' to a list");
        }
        List<?> savedGroups = (List<?>) savedGroupsObj;
        if (savedGroups.size() != groups.size()) {
            throw new IllegalArgumentException("loaded state dict has a different number of parameter groups");
        }
        List<List<Integer>> savedIds = new ArrayList<>();
        for (Object o : savedGroups) {
            if (!(o instanceof Map)) {
                throw new IllegalArgumentException("a saved parameter group must be a map, got " + describe(o));
            }
            Object ids = ((Map<?, ?>) o).get(GROUP_TYPE);
            if (!(ids instanceof List)) {
                throw new IllegalArgumentException("a saved parameter group must list its params, got " + describe(ids));
            }
            List<Integer> l = new ArrayList<>();
            for (Object id : (List<?>) ids) {
                l.add(toIndex(id));
            }
            savedIds.add(l);
        }
        for (int i = 0; i < groups.size(); i++) {
            if (savedIds.get(i).size() != groups.get(i).params().size()) {
                throw new IllegalArgumentException("loaded state dict contains a parameter group that doesn't match the size of "
                        + "optimizer's group");
            }
        }
        Map<Integer, Tensor> idMap = new LinkedHashMap<>();
        Map<Integer, Integer> groupOf = new LinkedHashMap<>();
        for (int i = 0; i < groups.size(); i++) {
            List<Tensor> ps = groups.get(i).params();
            for (int k = 0; k < ps.size(); k++) {
                idMap.put(savedIds.get(i).get(k), ps.get(k));
                groupOf.put(savedIds.get(i).get(k), i);
            }
        }
        // the groups' options
        List<Map<String, Object>> newOptions = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            Map<String, Object> opts = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) savedGroups.get(i)).entrySet()) {
                if (!(e.getKey() instanceof String)) {
                    throw new IllegalArgumentException("a parameter group's option names must be strings, got "
                            + describe(e.getKey()));
                }
                String name = (String) e.getKey();
                if (name.equals(GROUP_TYPE)) {
                    continue;
                }
                Object v = normalizeOption(name, e.getValue());
                if (name.equals("lr")) {
                    // any rate a scheduler may have set (ParamGroup.putScheduled: a finite number, a rate annealed to a
                    // rounding-level negative value by LinearLR say), as PyTorch's load, which checks no value; the
                    // other options keep the constructor's checks
                    ParamGroup.checkScheduled(name, v);
                } else {
                    checkOption(name, v);
                }
                opts.put(name, v);
            }
            for (Map.Entry<String, Object> d : defaults.entrySet()) {
                opts.putIfAbsent(d.getKey(), d.getValue());
            }
            newOptions.add(opts);
        }
        // the parameters' state
        Map<Tensor, ParamState> newState = new IdentityHashMap<>();
        Map<Tensor, Map<String, Object>> newOutside = new IdentityHashMap<>();
        boolean outside = writtenOutside();
        List<Tensor> made = new ArrayList<>();
        try (GradMode off = Ember.noGrad()) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) savedStateObj).entrySet()) {
                int id = toIndex(e.getKey());
                Tensor p = idMap.get(id);
                if (p == null) {
                    throw new IllegalArgumentException("the saved state of parameter " + id + " belongs to no parameter group");
                }
                if (!(e.getValue() instanceof Map)) {
                    throw new IllegalArgumentException("the saved state of parameter " + id + " must be a map, got "
                            + describe(e.getValue()));
                }
                if (outside) {
                    newOutside.put(p, loadOutsideState(id, p, (Map<?, ?>) e.getValue(), made));
                    continue;
                }
                ParamGroup g = groups.get(groupOf.get(id));
                Map<String, Object> opts = newOptions.get(groupOf.get(id));
                Map<?, ?> saved = (Map<?, ?>) e.getValue();
                if (extendsBuiltIn()) {
                    // a subclass of a built-in: the entries the built-in does not keep are the subclass's own (its
                    // state(p)), taken as PyTorch's load_state_dict takes any key; the built-in's keep their checks
                    List<String> tensors = stateTensors(g, opts);
                    List<String> scalars = stateScalars();
                    Map<Object, Object> own = new LinkedHashMap<>();
                    Map<Object, Object> extra = new LinkedHashMap<>();
                    for (Map.Entry<?, ?> x : saved.entrySet()) {
                        (ownStateKey(x.getKey(), tensors, scalars) ? own : extra).put(x.getKey(), x.getValue());
                    }
                    if (!extra.isEmpty()) {
                        newOutside.put(p, loadOutsideState(id, p, extra, made));
                        if (own.isEmpty()) {
                            continue; // only the subclass's entries: the built-in had no state for it
                        }
                    }
                    saved = own;
                }
                newState.put(p, loadState(id, p, saved, g, opts, made));
            }
        } catch (RuntimeException ex) {
            for (Tensor t : made) {
                t.close();
            }
            throw ex;
        }
        for (int i = 0; i < groups.size(); i++) {
            groups.get(i).replaceOptions(newOptions.get(i));
        }
        state.clear();
        state.putAll(newState);
        outsideState.clear();
        outsideState.putAll(newOutside);
    }

    /**
     * A saved state of an optimizer written outside Ember ({@link #state(Tensor)}), as PyTorch 2.x's
     * {@code load_state_dict} casts it: each tensor copied to the parameter's device and, but under {@code step}, to a
     * floating parameter's type; any other value kept as saved.
     */
    private static Map<String, Object> loadOutsideState(int id, Tensor p, Map<?, ?> saved, List<Tensor> made) {
        Map<String, Object> m = new OutsideState();
        for (Map.Entry<?, ?> x : saved.entrySet()) {
            if (!(x.getKey() instanceof String key)) {
                throw new IllegalArgumentException("the saved state of parameter " + id + " has a key that is not a "
                        + "string: " + describe(x.getKey()));
            }
            m.put(key, castOutside(id, key, x.getValue(), p, made));
        }
        return m;
    }

    /**
     * PyTorch 2.x's {@code _cast} of one saved value of an outside optimizer's state: a tensor copied to the parameter's
     * device and, unless its key is {@code step}, to a floating parameter's type; a map's values cast under their
     * keys, a list's elements under none; anything else kept.
     */
    private static Object castOutside(int id, String key, Object v, Tensor p, List<Tensor> made) {
        if (v instanceof Tensor t) {
            if (t.isClosed()) {
                throw new IllegalArgumentException("the saved state of parameter " + id + ": " + key + " has been closed");
            }
            Tensor c = t.to(p.device());
            if (!"step".equals(key) && p.isFloatingPoint()) {
                c = c.to(p.dtype());
            }
            if (c != t) {
                made.add(c); // 2.x's .to: the saved tensor itself where nothing changes, shared
            } else {
                TensorScope.escape(c);
            }
            return c;
        }
        if (v instanceof Map<?, ?> saved) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> x : saved.entrySet()) {
                out.put(x.getKey(), castOutside(id, x.getKey() instanceof String k ? k : null, x.getValue(), p, made));
            }
            return out;
        }
        if (v instanceof List<?> saved) {
            List<Object> out = new ArrayList<>();
            for (Object x : saved) {
                out.add(castOutside(id, null, x, p, made));
            }
            return out;
        }
        return v;
    }

    private static Object require(Map<String, ?> m, String key) {
        if (!m.containsKey(key)) {
            throw new IllegalArgumentException("KeyError: '" + key + "'");
        }
        return m.get(key);
    }

    private static int toIndex(Object key) {
        if (key instanceof Integer || key instanceof Long || key instanceof Short) {
            long v = ((Number) key).longValue();
            if (v >= 0 && v <= Integer.MAX_VALUE) {
                return (int) v;
            }
        }
        if (key instanceof String && ((String) key).matches("[0-9]{1,9}")) {
            return Integer.parseInt((String) key);
        }
        throw new IllegalArgumentException("a parameter index must be a non-negative integer, got " + describe(key));
    }

    /** A number from a state entry: a Number or a one-element tensor. */
    private static double number(int id, String key, Object v) {
        if (v instanceof Number) {
            return ((Number) v).doubleValue();
        }
        if (v instanceof Tensor && ((Tensor) v).numel() == 1 && !((Tensor) v).isClosed()) {
            return ((Tensor) v).item();
        }
        throw new IllegalArgumentException("the saved state of parameter " + id + ": " + key + " must be a number, got "
                + describe(v));
    }

    /**
     * A saved scalar state (NAdam's mu_product, ASGD's eta and mu) as PyTorch 2.x's
     * {@code _process_value_according_to_param_policy} loads it: every entry but the step is converted to the
     * parameter's type where the parameter is floating (a float64 parameter keeps a float64 value whole), and kept as
     * saved otherwise.
     */
    private static double asParameterType(double v, Tensor p) {
        switch (p.dtype()) {
            case FLOAT64:
                return v;
            case FLOAT32:
                return (float) v;
            case FLOAT16:
            case BFLOAT16:
                try (Tensor t = Tensor.tensor(v, DType.FLOAT64, Device.CPU).to(p.dtype())) {
                    return t.item();
                }
            default:
                return v;
        }
    }

    /** Whether {@code k} is an entry of this built-in's own state (its step, a scalar or a state tensor). */
    private boolean ownStateKey(Object k, List<String> tensors, List<String> scalars) {
        return "step".equals(k) && countsSteps() || scalars.contains(k) || tensors.contains(k)
                || optionalStateTensors().contains(k);
    }

    private ParamState loadState(int id, Tensor p, Map<?, ?> saved, ParamGroup g, Map<String, Object> options,
                                 List<Tensor> made) {
        ParamState s = new ParamState();
        List<String> tensors = stateTensors(g, options);
        List<String> scalars = stateScalars();
        for (Map.Entry<?, ?> x : saved.entrySet()) {
            Object k = x.getKey();
            if (!ownStateKey(k, tensors, scalars)) {
                throw new IllegalArgumentException("the saved state of parameter " + id + " has an entry " + describe(k)
                        + " that " + getClass().getSimpleName() + " with these options does not keep");
            }
        }
        if (countsSteps()) {
            if (!saved.containsKey("step")) {
                throw new IllegalArgumentException("the saved state of parameter " + id + " has no step");
            }
            double step = number(id, "step", saved.get("step"));
            if (!(step >= 0 && step == Math.rint(step) && step < 9.0e15)) {
                throw new IllegalArgumentException("the saved state of parameter " + id + ": step must be a non-negative "
                        + "integer, got " + Format.repr(step));
            }
            s.step = (long) step;
            // PyTorch 2.x keeps the saved step tensor itself (_process_value_according_to_param_policy returns it as
            // it is): the holder of the dict and the optimizer share it
            if (!stepIsInt() && saved.get("step") instanceof Tensor t && t.dim() == 0 && t.isFloatingPoint()) {
                s.stepView = TensorScope.escape(t);
            }
        }
        for (String key : scalars) {
            if (!saved.containsKey(key)) {
                throw new IllegalArgumentException("the saved state of parameter " + id + " has no " + key);
            }
            s.scalars.put(key, asParameterType(number(id, key, saved.get(key)), p));
            // PyTorch casts the state tensor to a floating parameter's type; otherwise it keeps the saved type
            Object v = saved.get(key);
            DType type = p.isFloatingPoint() ? p.dtype() : v instanceof Tensor t && t.isFloatingPoint() ? t.dtype() : null;
            if (type != null && type != scalarDtype()) {
                s.scalarTypes.put(key, type);
            }
            // 2.x's .to(the parameter's type) is the saved tensor itself where the type is already that one: shared
            if (v instanceof Tensor t && t.dim() == 0 && t.dtype() == s.scalarType(key) && t.device().equals(p.device())) {
                s.scalarViews.put(key, TensorScope.escape(t));
            }
        }
        List<String> keys = new ArrayList<>(tensors);
        for (String key : optionalStateTensors()) {
            if (!keys.contains(key) && saved.containsKey(key)) {
                keys.add(key); // kept under other options (set by hand since): loaded as PyTorch loads any entry
            }
        }
        for (String key : keys) {
            Object v = saved.get(key);
            if (v instanceof dev.ember.sparse.SparseTensor sv) {
                // a sparse state tensor (SGD's momentum buffer of a sparse gradient): its size the parameter's, moved
                // and cast as a dense one, copied
                if (!Arrays.equals(sv.shape(), p.shape())) {
                    throw new IllegalArgumentException("the saved state of parameter " + id + ": " + key + " has shape "
                            + Arrays.toString(sv.shape()) + " but the parameter has shape " + Arrays.toString(p.shape()));
                }
                if (p.isComplex()) {
                    throw new IllegalArgumentException("the saved state of parameter " + id + ": " + key + " is sparse, "
                            + "which Ember does not load for a complex parameter");
                }
                s.putSparse(key, sv.to(p.device()).to(p.dtype()).detach().clone());
                continue;
            }
            if (!(v instanceof Tensor)) {
                throw new IllegalArgumentException("the saved state of parameter " + id + " has no tensor " + key
                        + (v == null ? "" : ", got " + describe(v)));
            }
            Tensor t = (Tensor) v;
            if (t.isClosed()) {
                throw new IllegalArgumentException("the saved state of parameter " + id + ": " + key + " has been closed");
            }
            int[] want = stateShape(key, p);
            if (!Arrays.equals(t.shape(), want)) {
                throw new IllegalArgumentException("the saved state of parameter " + id + ": " + key
                        + shapeMismatch(t, want, p));
            }
            // any values of the parameter's shape, as PyTorch 2.x's _process_value_according_to_param_policy takes them:
            // moved to the parameter's device, and cast to its type only when the parameter is floating (an integer or
            // bool buffer becomes its type; no value is checked); a complex parameter keeps the saved complex type
            // (complex128 moments of a complex64 parameter stay complex128), and a state that is not complex, which
            // PyTorch's step would refuse in view_as_real, is refused here
            if (p.isComplex() && !t.isComplex()) {
                throw new IllegalArgumentException("the saved state of parameter " + id + ": " + key + " has type "
                        + Format.scalarType(t.dtype()) + " but the parameter is complex (view_as_real is only supported "
                        + "for complex tensors)");
            }
            // as PyTorch 2.x's .to(device, dtype): the saved tensor itself where it has the parameter's device and
            // type already (the dict's holder and the optimizer then share it, and a state dict taken earlier from this
            // optimizer loads its live tensors), a converted copy otherwise
            Tensor c = p.isComplex() ? t.to(p.device()) : t.to(p.device()).to(p.dtype());
            if (c != t) {
                made.add(c);
            }
            s.put(key, c);
        }
        return s;
    }
}
