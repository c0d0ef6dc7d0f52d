package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.MemoryFormat;
import dev.ember.RemovableHandle;
import dev.ember.Tensor;
import dev.ember.TensorScope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Base class of layers and models, as {@code torch.nn.Module}: parameters, buffers and submodules
 * registered by name, training mode, device moves and state dicts. Every method that changes several tensors
 * ({@link #to(Device)}, {@link #to(DType)}, {@link #loadStateDict}) checks and prepares everything first and changes
 * nothing when it fails.
 *
 * <p>Calling a module, as PyTorch's {@code module(x)}, is {@link #apply(Tensor)}: it runs the hooks
 * ({@link #registerForwardPreHook}, {@link #registerForwardHook}, {@link #registerFullBackwardHook}) around
 * {@link #forward}. Modules of several inputs or outputs: every module has {@code forward(Tensor)} (most PyTorch modules
 * can be called with one tensor, their other arguments having defaults), and one that takes or returns more declares its
 * own typed {@code forward(...)} and a typed {@code apply(...)} that routes through {@link #call(List, Function, Function,
 * Function)} (the hooks see its tensors as lists). This keeps Java's types at every call site: {@code
 * attention.apply(q, k, v).output()} needs no cast, where one generic {@code Tensor[] forward(Tensor...)} would need an
 * index and a cast at each. A model of one's own whose forward takes two, three or four tensors extends
 * {@link Module2}, {@link Module3} or {@link Module4} with its result type ({@code Tensor}, or a record of tensors): it
 * writes only {@code R forward(a, b)} and gets a typed {@code apply(a, b)} that runs the hooks. Containers are generic in their element type ({@code ModuleList<Block>}), so a typed module
 * comes back from them as itself. {@link #toString()} prints the tree as PyTorch's {@code print(model)}, each layer's
 * settings coming from its {@link #extraRepr()}.
 *
 * <p>The layers are open for extension, as PyTorch's classes are: {@code class CastedLinear extends Linear} overrides
 * {@link #forward} (reading its weights through the layer's accessors or {@link #parameter}), a subclass registers more
 * parameters, buffers or submodules in its constructor (a low-rank adapter beside a frozen weight), and prints, saves and
 * hooks under its own class name with the layer's keys. A few helpers rebuild a layer of the base class where PyTorch
 * deep-copies it (the fused layers of {@code nn.utils.fusion}).
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    /** The buffers registered with {@code persistent} false, PyTorch's {@code _non_persistent_buffers_set}. */
    private final Set<String> nonPersistentBuffers = new java.util.HashSet<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;
    /**
     * Whether this is a lazy module ({@link LazyModule}) whose first forward has not run: it prints with its lazy class's
     * name until then, and with the ordinary one's after (PyTorch's {@code cls_to_become}).
     */
    boolean lazyPending;

    /** Computes the module's output. */
    public abstract Tensor forward(Tensor input);

    /**
     * The attributes every PyTorch module has ({@code dir(nn.Module())}'s public names, 1.13's and 2.x's, and the
     * dictionaries {@code _parameters}, {@code _buffers}, {@code _modules}): PyTorch's {@code hasattr(self, name)} is
     * true for them, so {@code register_parameter}, {@code register_buffer} and {@code add_module} refuse them
     * ({@code attribute 'training' already exists}), and {@code get_submodule} finds something that is not a module.
     */
    static final Set<String> PYTHON_ATTRIBUTES = Set.of("T_destination", "add_module", "apply", "bfloat16", "buffers",
            "call_super_init", "children", "compile", "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr",
            "float", "forward", "get_buffer", "get_extra_state", "get_parameter", "get_submodule", "half", "ipu",
            "load_state_dict", "modules", "named_buffers", "named_children", "named_modules", "named_parameters",
            "parameters", "register_backward_hook", "register_buffer", "register_forward_hook",
            "register_forward_pre_hook", "register_full_backward_hook", "register_full_backward_pre_hook",
            "register_load_state_dict_post_hook", "register_module", "register_parameter", "register_state_dict_pre_hook",
            "requires_grad_", "set_extra_state", "set_submodule", "share_memory", "state_dict", "to", "to_empty", "train",
            "training", "type", "xpu", "zero_grad", "_parameters", "_buffers", "_modules");

    /** PyTorch's checks of a name to register, with its messages. */
    private void checkName(String kind, String name, Map<String, ?> own) {
        if (name == null) {
            throw new IllegalArgumentException(kind + " name should be a string. Got null");
        }
        // a plain attribute (object.__setattr__, as pruning's module.weight) is taken too: PyTorch's hasattr(self, name)
        boolean taken = (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)
                || attributes.containsKey(name)) && !own.containsKey(name) || PYTHON_ATTRIBUTES.contains(name);
        if (kind.equals("module") && taken) {
            throw new IllegalArgumentException("attribute '" + name + "' already exists"); // PyTorch checks this first here
        }
        if (name.contains(".")) {
            throw new IllegalArgumentException(kind + " name can't contain \".\"" + (kind.equals("module") ? ", got: " + name : ""));
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException(kind + " name can't be empty string \"\"");
        }
        if (taken) {
            throw new IllegalArgumentException("attribute '" + name + "' already exists");
        }
    }

    /**
     * Registers a parameter (a leaf that requires grad) under a name; returns it. Null registers an absent parameter
     * (an optional bias). A tensor that is already a parameter keeps its {@code requires_grad} (a frozen weight that
     * pruning re-registers as {@code weight_orig} stays frozen, as PyTorch's {@code register_parameter} leaves it).
     * The global parameter registration hooks run on a tensor ({@link ModuleRegistrationHooks}): what is registered
     * and returned is the tensor they leave.
     *
     * @throws IllegalArgumentException for a name that is null, empty, dotted or taken by a buffer or submodule, or a
     *     value that is not a floating-point leaf
     */
    protected Tensor registerParameter(String name, Tensor value) {
        checkName("parameter", name, parameters);
        if (value != null) {
            checkRegisteredParameter(name, value);
            if (!value.isParameter()) {
                value.asParameter(); // nn.Parameter(value): what the hooks see, as PyTorch's get a Parameter
            }
            // 2.x's register_parameter: the global hooks after the checks, before the value is stored (not for None)
            if (!ModuleRegistrationHooks.PARAMETER.isEmpty()) {
                value = ModuleRegistrationHooks.tensor(ModuleRegistrationHooks.PARAMETER, this, name, value);
                checkRegisteredParameter(name, value);
                if (!value.isParameter()) {
                    value.asParameter();
                }
            }
            TensorScope.escape(value); // a module's state outlives any scope it was built in
        }
        parameters.put(name, value);
        return value;
    }

    /** {@link #registerParameter}'s checks of a value, PyTorch's messages. */
    private static void checkRegisteredParameter(String name, Tensor value) {
        if (value.gradFn() != null) {
            throw new IllegalArgumentException("Cannot assign non-leaf Tensor to parameter '" + name + "'. Model parameters "
                    + "must be created explicitly. To express '" + name + "' as a function of another Tensor, compute the "
                    + "value in the forward() method.");
        }
        if (!value.dtype().isFloatingPoint() && !value.dtype().isComplex()) {
            throw new IllegalArgumentException("Only Tensors of floating point and complex dtype can require gradients");
        }
    }

    // ---- shared parameters and weight tying (session 22) ----

    /**
     * Sets the parameter {@code name} of this module to {@code value}, as PyTorch's {@code module.register_parameter(name,
     * value)}: it replaces the parameter registered under that name in its place (the same as {@code setattr(module,
     * name, nn.Parameter)}, the assignment of nanoGPT's {@code self.transformer.wte.weight = self.lm_head.weight}), or
     * registers a new one after the others; null registers an absent parameter (PyTorch's {@code None}: left out of
     * {@link #parameters()} and {@link #stateDict()}). Giving one tensor to two modules ties them: the forwards of
     * both read it, it gets both gradients, and every walk over the parameters treats it as PyTorch does
     * ({@link #parameters()}, {@link #namedParameters()}, {@link #zeroGrad()}, {@link #requiresGrad_(boolean)},
     * {@link #to(DType)} and optimizers see it once, under its first name; {@link #stateDict()} has every name, and
     * {@link #loadStateDict} copies into the one tensor, so the tie survives). A tensor that is not yet a parameter
     * becomes one ({@code nn.Parameter(value)}: it requires grad); one that is keeps its {@code requires_grad}. The
     * global parameter registration hooks run on a tensor ({@link ModuleRegistrationHooks}), not on null.
     *
     * <p><b>Layer fields.</b> A layer's public field ({@code Linear.weight}) is final: it keeps the tensor registered at
     * construction. After {@code setParameter("weight", t)} the forward, {@link #parameters()}, {@link #stateDict()}
     * and optimizers use {@code t}, and the field is stale, as it is once a parametrization is registered. The layer's
     * accessors read the current value in both cases ({@code lmHead.weight()}, {@code lmHead.bias()}: {@link HasWeight},
     * {@link HasBias}), as {@link #parametrizedValue(String)} does for any name: use them rather than the fields.
     *
     * <p>A name taken by a buffer, a submodule, a plain attribute (a pruned tensor) or a parametrized tensor is refused
     * with PyTorch's {@code KeyError} message, as {@code register_parameter} refuses it ({@code setattr} would drop a
     * buffer or submodule of that name instead). Every check runs before anything changes.
     *
     * @throws IllegalArgumentException for a null, dotted or empty name or one taken as above ({@code attribute 'x'
     *     already exists}); a value that is not a leaf (PyTorch's {@code TypeError} for a plain tensor: {@code cannot
     *     assign 'torch.FloatTensor' object to parameter 'weight' (torch.nn.Parameter or None required)}), not of a
     *     floating-point type, or closed
     */
    public void setParameter(String name, Tensor value) {
        checkName("parameter", name, parameters);
        if (parametrizationList(name) != null) {
            throw new IllegalArgumentException("attribute '" + name + "' already exists"); // hasattr: the injected property
        }
        if (value == null) {
            parameters.put(name, null);
            return;
        }
        checkSetParameter(name, value);
        if (!value.isParameter()) {
            value.asParameter();
        }
        if (!ModuleRegistrationHooks.PARAMETER.isEmpty()) {
            value = ModuleRegistrationHooks.tensor(ModuleRegistrationHooks.PARAMETER, this, name, value);
            checkSetParameter(name, value);
        }
        if (!value.isParameter()) {
            value.asParameter();
        }
        TensorScope.escape(value);
        parameters.put(name, value);
    }

    /** {@link #setParameter}'s checks of a value, PyTorch's messages. */
    private static void checkSetParameter(String name, Tensor value) {
        if (value.isClosed()) {
            throw new IllegalArgumentException("cannot assign a closed tensor to parameter '" + name + "'");
        }
        if (value.gradFn() != null) {
            throw new IllegalArgumentException("cannot assign '" + value.type() + "' object to parameter '" + name
                    + "' (torch.nn.Parameter or None required)");
        }
        if (!value.dtype().isFloatingPoint() && !value.dtype().isComplex()) {
            throw new IllegalArgumentException("Only Tensors of floating point and complex dtype can require gradients");
        }
    }

    /**
     * The parameter registered under {@code name} itself (null where it is registered as absent), for a layer that
     * takes it over, as PyTorch's {@code qat_linear.weight = mod.weight} does.
     *
     * @throws IllegalArgumentException where {@code name} reads a parametrized value or a plain tensor attribute (a
     *     pruned weight): PyTorch's assignment refuses a tensor that is not a Parameter, in these words
     */
    final Tensor adoptedParameter(String name) {
        if (parametrizationList(name) != null || attributes.containsKey(name)) {
            throw new IllegalArgumentException("cannot assign '" + parameter(name).type() + "' as parameter '" + name
                    + "' (torch.nn.Parameter or None expected)");
        }
        return parameters.get(name);
    }

    /**
     * All parameters by dotted name, as PyTorch 2's {@code named_parameters(remove_duplicate=...)}: with {@code true}
     * {@link #namedParameters()} (each tensor under its first name); with {@code false} every name of every tensor, a
     * tied weight under each of its names and a module registered twice under both paths, in registration order.
     */
    public Map<String, Tensor> namedParameters(boolean removeDuplicate) {
        return named(true, removeDuplicate);
    }

    /**
     * PyTorch 2.x's {@code named_parameters(prefix, recurse, remove_duplicate)}: the parameters of every module of
     * {@link #namedModules(String, boolean) namedModules(prefix, removeDuplicate)} (with {@code recurse} false, this
     * module's own only, under {@code prefix}), each named {@code modulePath.name}; with {@code removeDuplicate} each
     * tensor once, under its first name; absent (null) parameters left out.
     *
     * @param prefix the name of this module ({@code ""}: none), put before every name with a dot
     * @param recurse whether the submodules' parameters are included
     * @param removeDuplicate whether a tensor reached under several names (a tied weight, a shared module) is listed once
     * @return the parameters by name, in PyTorch's order
     * @throws IllegalArgumentException for a null prefix
     */
    public Map<String, Tensor> namedParameters(String prefix, boolean recurse, boolean removeDuplicate) {
        return namedMembers(true, prefix, recurse, removeDuplicate);
    }

    /**
     * PyTorch 2.x's {@code named_buffers(prefix, recurse, remove_duplicate)}, as
     * {@link #namedParameters(String, boolean, boolean)} for the buffers (non-persistent ones included).
     *
     * @param prefix the name of this module ({@code ""}: none), put before every name with a dot
     * @param recurse whether the submodules' buffers are included
     * @param removeDuplicate whether a tensor reached under several names is listed once
     * @return the buffers by name, in PyTorch's order
     * @throws IllegalArgumentException for a null prefix
     */
    public Map<String, Tensor> namedBuffers(String prefix, boolean recurse, boolean removeDuplicate) {
        return namedMembers(false, prefix, recurse, removeDuplicate);
    }

    /** PyTorch 2.x's {@code _named_members}. */
    private Map<String, Tensor> namedMembers(boolean params, String prefix, boolean recurse, boolean removeDuplicate) {
        if (prefix == null) {
            throw new IllegalArgumentException("named_" + (params ? "parameters" : "buffers")
                    + "(): argument 'prefix' must be str, not null");
        }
        Map<String, Module> modules = recurse ? namedModules(prefix, removeDuplicate) : Map.of(prefix, this);
        Set<Tensor> memo = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<String, Tensor> out = new LinkedHashMap<>();
        modules.forEach((path, m) -> (params ? m.parameters : m.buffers).forEach((k, v) -> {
            if (v == null || memo.contains(v)) {
                return;
            }
            if (removeDuplicate) {
                memo.add(v);
            }
            out.put(path.isEmpty() ? k : path + "." + k, v);
        }));
        return out;
    }

    /** Every parameter (or buffer) by dotted name over every path; with {@code removeDuplicate}, each under its first. */
    private Map<String, Tensor> named(boolean parameters, boolean removeDuplicate) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, parameters, !parameters);
        return removeDuplicate ? firstNames(out) : out;
    }

    /**
     * Puts {@code value} in place of this module's own parameter or buffer {@code name} (no dots), as PyTorch's
     * {@code torch.nn.utils._named_member_accessor.swap_tensor}, and returns what was there (null for an absent one).
     * Nothing is checked about the value (it may carry a history: the stateless API's point); {@link Stateless} puts
     * the original back. A name the module does not have changes nothing (PyTorch sets a plain attribute the forward
     * never reads) and gives {@code missing[0] = true}.
     *
     * @throws UnsupportedOperationException for a parametrized name or a plain tensor attribute (a pruned weight),
     *     whose value a forward pre-hook or the parametrization computes: give the tensors it is computed from
     */
    final Tensor swapTensor(String name, Tensor value, boolean[] missing) {
        if (parametrizationList(name) != null || attributes.containsKey(name)) {
            throw new UnsupportedOperationException("functional_call cannot replace `" + name + "` of " + moduleName()
                    + ": it is computed from other tensors (a parametrization or pruning); give those tensors instead");
        }
        missing[0] = false;
        if (parameters.containsKey(name)) {
            return parameters.put(name, value);
        }
        if (buffers.containsKey(name)) {
            return buffers.put(name, value);
        }
        missing[0] = true;
        return null;
    }

    /**
     * Every parameter and buffer under every name, in {@link #stateDict()}'s order, as the module's own tensors (not
     * detached): a tied tensor under each of its names, the same object; non-persistent buffers included.
     */
    final Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true, true);
        return out;
    }

    /** This module's own entries of {@link #stateDictTensors()}, without its submodules'. */
    final Map<String, Tensor> ownStateDictTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectOwn("", out, true, true, true);
        return out;
    }

    /** {@link #stateDict()}'s entries as the module's own tensors (not detached): non-persistent buffers left out. */
    final Map<String, Tensor> stateDictTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true, true, true);
        return out;
    }

    /** Registers a buffer (state saved in the state dict but not trained, like running statistics); null is allowed. */
    protected Tensor registerBuffer(String name, Tensor value) {
        return registerBuffer(name, value, true);
    }

    /**
     * Registers a buffer, as {@code register_buffer(name, tensor, persistent)}: with {@code persistent} false it is
     * part of the module (moved and converted with it, in {@link #namedBuffers()}, replaceable by
     * {@link Stateless#functionalCall}) but not of {@link #stateDict()}, so {@link #loadStateDict} neither expects it
     * nor accepts it (a causal mask or a coupling layer's mask, rebuilt from the configuration, that PyTorch's
     * checkpoints of the same model do not hold). Null is allowed. The global buffer registration hooks run on the
     * value ({@link ModuleRegistrationHooks}): what is registered and returned is the value they leave.
     */
    protected Tensor registerBuffer(String name, Tensor value, boolean persistent) {
        checkName("buffer", name, buffers);
        if (!ModuleRegistrationHooks.BUFFER.isEmpty()) { // 2.x's register_buffer: after the checks, None included
            value = ModuleRegistrationHooks.tensor(ModuleRegistrationHooks.BUFFER, this, name, value);
        }
        if (value != null) {
            TensorScope.escape(value);
        }
        buffers.put(name, value);
        if (persistent) {
            nonPersistentBuffers.remove(name);
        } else {
            nonPersistentBuffers.add(name);
        }
        return value;
    }

    /**
     * Replaces a registered buffer's value (null allowed), as PyTorch's {@code module.name = tensor} on a buffer: the
     * global buffer registration hooks ({@link ModuleRegistrationHooks}) run on it, as 2.x's {@code __setattr__} runs
     * them.
     */
    protected void setBuffer(String name, Tensor value) {
        if (name == null || !buffers.containsKey(name)) {
            throw new IllegalArgumentException("no buffer named " + name);
        }
        if (!ModuleRegistrationHooks.BUFFER.isEmpty()) {
            value = ModuleRegistrationHooks.tensor(ModuleRegistrationHooks.BUFFER, this, name, value);
        }
        putBuffer(name, value);
    }

    /**
     * Replaces a registered buffer's value where PyTorch resizes the buffer in place ({@code buf.resize_(shape)} then
     * {@code copy_}: an observer's or a fake quantizer's statistics taking a new shape): as {@link #setBuffer}, without
     * the registration hooks, which PyTorch's in-place resize does not run.
     *
     * @param name the buffer's name
     * @param value its new value
     * @throws IllegalArgumentException for a name that is not a buffer
     */
    protected final void resizeBuffer(String name, Tensor value) {
        if (name == null || !buffers.containsKey(name)) {
            throw new IllegalArgumentException("no buffer named " + name);
        }
        putBuffer(name, value);
    }

    /** Puts a buffer's value in place without the registration hooks (a load's resize, an undo). */
    private void putBuffer(String name, Tensor value) {
        if (value != null) {
            TensorScope.escape(value);
        }
        buffers.put(name, value);
    }

    /**
     * Registers a submodule under a name; returns it. Null registers an absent submodule. The global registration
     * hooks run on it ({@link ModuleRegistrationHooks}, which says what this returns when one replaces it), as on a
     * parameter in {@code registerParameter} and a buffer in {@code registerBuffer}.
     *
     * @throws IllegalArgumentException for a bad name, or a module that contains this one (the traversals of
     *     parameters and state would never end)
     */
    protected <M extends Module> M registerModule(String name, M module) {
        checkName("module", name, children);
        checkSubmodule(name, module);
        if (ModuleRegistrationHooks.MODULE.isEmpty()) {
            children.put(name, module);
            return module;
        }
        // 2.x's add_module: the global hooks after the checks (None included), before the module is stored
        Module registered = ModuleRegistrationHooks.module(this, name, module);
        checkSubmodule(name, registered);
        children.put(name, registered);
        if (registered == module || module == null || module.getClass().isInstance(registered)) {
            @SuppressWarnings("unchecked") // of the given module's class, so of M
            M same = (M) registered;
            return same;
        }
        // a module of another class: the caller's field (typed M) keeps the given one, which forwards to it
        if (registered != null) {
            forwardTo(module, registered);
        }
        return module;
    }

    /** A submodule may not be (or contain) this module. */
    private void checkSubmodule(String name, Module module) {
        if (module != null && module.contains(this)) {
            throw new IllegalArgumentException("cannot register module '" + name + "': it is this module or contains it, and a "
                    + "module cannot be its own submodule");
        }
    }

    /**
     * {@code module.add_module(name, module)} (PyTorch's {@code register_module} too): registers {@code module} as a
     * submodule under {@code name}, in the place of one of that name or after the others; null is PyTorch's None (an
     * absent submodule). It is in the state dict, the printout, {@link #namedModules()}, {@link #to} and
     * {@link #train}; a layer's own forward does not call it (a {@link Sequential} applies it in its place).
     *
     * @param name the name: not empty, without a dot, not taken by a parameter, buffer or attribute
     * @param module the submodule, or null
     * @throws IllegalArgumentException for a bad name (PyTorch's {@code KeyError} messages) or a module that is or
     *     contains this one
     */
    public void addModule(String name, Module module) {
        registerModule(name, module);
    }

    /** Whether {@code m} is this module or one of its submodules, at any depth. */
    private boolean contains(Module m) {
        if (m == this) {
            return true;
        }
        for (Module c : children.values()) {
            if (c != null && c.contains(m)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The direct submodules by name, as PyTorch's {@code named_children()}: in registration order, an absent (null)
     * one left out, and a module registered under several names here listed once, under its first (PyTorch's memo by
     * identity); {@link #toString()} and {@link #stateDict()} keep every name.
     */
    public Map<String, Module> namedChildren() {
        Map<String, Module> out = new LinkedHashMap<>();
        Set<Module> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        children.forEach((k, m) -> {
            if (m != null && seen.add(m)) {
                out.put(k, m);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /** Every registered submodule by name, absent (null) ones and repeated registrations included, as {@code _modules}. */
    final Map<String, Module> registeredModules() {
        return Collections.unmodifiableMap(children);
    }

    /**
     * All parameters, this module's first, then each submodule's, in registration order; a parameter reached through
     * several names (a module registered twice, a shared weight) once, as PyTorch's {@code parameters()}.
     */
    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /**
     * All parameters by dotted name ({@code conv1.weight}), each tensor under its first name only, as PyTorch's
     * {@code named_parameters()} ({@code remove_duplicate=True}); {@link #stateDict()} keeps every name.
     */
    public Map<String, Tensor> namedParameters() {
        return named(true, true);
    }

    /** Each tensor under its first name only. */
    private static Map<String, Tensor> firstNames(Map<String, Tensor> named) {
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        named.values().removeIf(t -> !seen.add(t));
        return named;
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean withParameters, boolean withBuffers) {
        collect(prefix, out, withParameters, withBuffers, false);
    }

    /** {@link #collect(String, Map, boolean, boolean)}, leaving out non-persistent buffers when {@code persistentOnly}. */
    private void collect(String prefix, Map<String, Tensor> out, boolean withParameters, boolean withBuffers,
                         boolean persistentOnly) {
        collectOwn(prefix, out, withParameters, withBuffers, persistentOnly);
        children.forEach((k, m) -> {
            if (m != null) {
                m.collect(prefix + k + ".", out, withParameters, withBuffers, persistentOnly);
            }
        });
    }

    /** {@link #collect}'s entries of this module's own parameters and buffers, without its children's. */
    private void collectOwn(String prefix, Map<String, Tensor> out, boolean withParameters, boolean withBuffers,
                            boolean persistentOnly) {
        if (withParameters) {
            parameters.forEach((k, v) -> {
                if (v != null) {
                    out.put(prefix + k, v);
                }
            });
        }
        if (withBuffers) {
            buffers.forEach((k, v) -> {
                if (v != null && !(persistentOnly && nonPersistentBuffers.contains(k))) {
                    out.put(prefix + k, v);
                }
            });
        }
    }

    /** Each tensor once, however many names it has (a shared parameter), in order. */
    private static List<Tensor> unique(Iterable<Tensor> tensors) {
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : tensors) {
            if (seen.add(t)) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * Clears every parameter's gradient (sets it to null, as PyTorch 2's default {@code set_to_none=True}) and closes
     * the gradients autograd made, as {@link dev.ember.optim.Optimizer#zeroGrad()} does.
     */
    public void zeroGrad() {
        for (Tensor p : unique(parameters())) {
            p.releaseGrad();
        }
    }

    /**
     * PyTorch's {@code zero_grad(set_to_none)}: with {@code true} as {@link #zeroGrad()}; with {@code false} every
     * gradient that exists is kept and zeroed in place, as {@link dev.ember.optim.Optimizer#zeroGrad(boolean)} does.
     */
    public void zeroGrad(boolean setToNone) {
        if (setToNone) {
            zeroGrad();
            return;
        }
        for (Tensor p : unique(parameters())) {
            if (p.isGradSparse()) { // zero_() of a sparse gradient: no entries left
                p.setSparseGrad(dev.ember.sparse.SparseGrads.zeroed(p.sparseGrad()));
                continue;
            }
            Tensor g = p.grad();
            if (g == null) {
                continue;
            }
            if (g.gradFn() != null) {
                g.detach_();
            } else {
                g.requiresGrad_(false);
            }
            g.zero_();
        }
    }

    /** Switches this module and its submodules to training mode; returns this module. */
    public Module train() {
        return train(true);
    }

    /** Sets training mode on this module and its submodules. */
    public Module train(boolean mode) {
        training = mode;
        children.values().forEach(m -> {
            if (m != null) {
                m.train(mode);
            }
        });
        return this;
    }

    /** Switches to evaluation mode (dropout off, batch norm uses running statistics). */
    public Module eval() {
        return train(false);
    }

    /** Whether the module is in training mode. */
    public boolean isTraining() {
        return training;
    }

    /**
     * Moves parameters, their gradients and buffers to a device in place (parameters keep their identity); returns
     * this module. Every copy is made before any tensor changes, so a failure (a closed tensor, a device that is not
     * there) leaves the module as it was.
     */
    public Module to(Device device) {
        Checks.notNull(device, "device");
        return convert(t -> t.to(device), false);
    }

    /**
     * Moves the parameters and buffers to a device without copying their values, as PyTorch's
     * {@code module.to_empty(device=device)}: each becomes an uninitialized tensor of its shape, strides and type on
     * {@code device} (parameters keep their identity and {@code requires_grad}). The way to materialize a model built
     * on the meta device ({@link Device#META}); initialize it afterwards ({@code resetParameters}, {@code nn.init}) or
     * load a state dict into it. Returns this module.
     *
     * @param device where the tensors go
     * @return this module
     */
    public Module toEmpty(Device device) {
        return MetaModules.toEmpty(this, device, true);
    }

    /**
     * {@link #toEmpty(Device)}, of this module's own parameters and buffers only when {@code recurse} is false
     * ({@code to_empty(device=device, recurse=False)}).
     *
     * @param device where the tensors go
     * @param recurse whether the submodules' tensors go too
     * @return this module
     */
    public Module toEmpty(Device device, boolean recurse) {
        return MetaModules.toEmpty(this, device, recurse);
    }

    /**
     * Converts the floating-point and complex parameters, their gradients and buffers to a floating or complex type in
     * place, as {@code module.to(dtype)} (integer buffers such as counters keep their type; as in PyTorch a complex
     * parameter cast to a real type loses its imaginary part, with PyTorch's warning); returns this module. Changes
     * nothing when it fails.
     */
    public Module to(DType dtype) {
        Checks.notNull(dtype, "dtype");
        if (!dtype.isFloatingPoint() && !dtype.isComplex()) {
            throw new IllegalArgumentException("nn.Module.to only accepts floating point or complex dtypes, but got desired dtype="
                    + dtype.torchName());
        }
        return convert(t -> t.to(dtype), true);
    }

    /**
     * Puts the 4-D and 5-D parameters, their gradients and buffers in {@code memoryFormat} in place, as
     * {@code module.to(memory_format=torch.channels_last)} (the others stay as they are; parameters keep their
     * identity); returns this module. As PyTorch, channels_last on a 5-D parameter is refused ("required rank 4 tensor
     * to use channels_last format"), and a failure changes nothing.
     */
    public Module to(MemoryFormat memoryFormat) {
        Checks.notNull(memoryFormat, "memory_format");
        return convert(t -> t.dim() == 4 || t.dim() == 5 ? t.to(memoryFormat) : t, false);
    }

    private Module convert(UnaryOperator<Tensor> fn, boolean floatingOnly) {
        return convert(fn, floatingOnly, true);
    }

    /**
     * Replaces every parameter's and buffer's data by {@code fn} of it (and a gradient by {@code fn} of it), this
     * module's own and, with {@code recurse}, its descendants' ({@code nn.Module._apply}); all or nothing.
     */
    final Module convert(UnaryOperator<Tensor> fn, boolean floatingOnly, boolean recurse) {
        Map<String, Tensor> named = new LinkedHashMap<>();
        if (recurse) {
            collect("", named, true, true);
        } else {
            collectOwn("", named, true, true, false);
        }
        List<Tensor> targets = unique(named.values());
        Map<Tensor, Tensor> values = new IdentityHashMap<>();
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        Map<Tensor, dev.ember.sparse.SparseTensor> sparseGrads = new IdentityHashMap<>();
        List<Tensor> made = new ArrayList<>();
        try (GradMode off = Ember.noGrad()) {
            // every new value first: reading a closed tensor or reaching a missing device fails here, before any change
            for (Tensor t : targets) {
                if (floatingOnly && !t.dtype().isFloatingPoint() && !t.dtype().isComplex()) {
                    continue;
                }
                if (t.isUninitialized()) {
                    // PyTorch's _apply: a lazy module's tensor stays uninitialized, of the new type and device
                    Tensor probe = Tensor.empty(t.dtype(), 0);
                    made.add(probe);
                    Tensor moved = fn.apply(probe);
                    made.add(moved);
                    Tensor v = Tensor.uninitialized(t.isParameter(), moved.dtype(), moved.device());
                    made.add(v);
                    values.put(t, v);
                    continue;
                }
                Tensor handle = t.detach();
                made.add(handle);
                Tensor v = fn.apply(handle);
                made.add(v);
                values.put(t, v);
                if (t.isGradSparse()) { // PyTorch's fn(param.grad) of a sparse gradient: still sparse
                    dev.ember.sparse.SparseTensor sg = t.sparseGrad();
                    dev.ember.sparse.SparseTensor sv = dev.ember.sparse.SparseGrads.map(sg, fn);
                    if (sv != sg) {
                        made.add(dev.ember.sparse.SparseGrads.valuesOf(sv));
                        sparseGrads.put(t, sv);
                    }
                    continue;
                }
                Tensor g = t.grad();
                if (g != null) {
                    Tensor gv = fn.apply(g);
                    if (gv != g) {
                        made.add(gv);
                        grads.put(t, gv);
                    }
                }
            }
        } catch (RuntimeException e) {
            for (Tensor m : made) {
                m.close();
            }
            throw e;
        }
        // with torch.__future__.set_swap_module_params_on_conversion(True): a converted parameter (and its gradient)
        // swaps content with its new value (SwapTensors), as 2.x's _apply; checked for all before any swap
        boolean swap = dev.ember.SwapTensors.getSwapModuleParamsOnConversion();
        Map<Tensor, Tensor> swaps = new IdentityHashMap<>();
        if (swap) {
            for (Map.Entry<Tensor, Tensor> e : values.entrySet()) {
                Tensor t = e.getKey();
                if (t.isParameter() && !t.isUninitialized() && !t.isGradSparse() && !isHandleOf(e.getValue(), t)) {
                    swaps.put(t, e.getValue());
                }
            }
        }
        // then the swap, which cannot fail: every source was read and every value made above
        for (Map.Entry<Tensor, Tensor> e : values.entrySet()) {
            Tensor t = e.getKey();
            Tensor v = e.getValue();
            if (swaps.containsKey(t)) {
                Tensor oldGrad = t.grad();
                t.setGrad(null); // 2.x sets param.grad = None before the swap, and gives it back after
                v.asParameter().setRequiresGrad(t.requiresGrad());
                dev.ember.SwapTensors.swapTensors(t, v);
                Tensor gv = grads.remove(t);
                if (oldGrad != null && gv != null) {
                    dev.ember.SwapTensors.swapTensors(oldGrad, gv);
                    made.remove(gv);
                    gv.close(); // it holds the old gradient's storage now
                }
                if (oldGrad != null) {
                    t.setGrad(oldGrad);
                }
            } else {
                t.setData(v); // in place, so layers holding their tensors keep valid references
            }
        }
        for (Map.Entry<Tensor, Tensor> e : grads.entrySet()) {
            e.getKey().setGrad(e.getValue());
        }
        List<Tensor> sparseValues = new ArrayList<>();
        for (Map.Entry<Tensor, dev.ember.sparse.SparseTensor> e : sparseGrads.entrySet()) {
            e.getKey().setSparseGrad(e.getValue());
            sparseValues.add(dev.ember.sparse.SparseGrads.valuesOf(e.getValue()));
        }
        for (Tensor m : made) {
            if (!grads.containsValue(m) && sparseValues.stream().noneMatch(x -> x == m)) {
                m.close(); // the parameters hold their new storage; the temporary handles can go
            }
        }
        return this;
    }

    /** Whether {@code v} is the detached handle {@code convert} made of {@code t} (nothing converted it). */
    private static boolean isHandleOf(Tensor v, Tensor t) {
        return v.storage() == t.storage() && v.dtype() == t.dtype() && v.device().equals(t.device())
                && Arrays.equals(v.shape(), t.shape()) && Arrays.equals(v.stride(), t.stride())
                && v.storageOffset() == t.storageOffset();
    }

    /**
     * Parameters and buffers by dotted name, sharing storage with the module; buffers registered with
     * {@code persistent} false are left out, as PyTorch's. An uninitialized parameter or buffer of a lazy module is
     * there itself, as PyTorch's {@code LazyModuleMixin._save_to_state_dict} puts it. The map prints as PyTorch's
     * {@code OrderedDict([('weight', tensor(...)), ...])}.
     */
    public Map<String, Tensor> stateDict() {
        return stateDict("", false);
    }

    /**
     * {@link #stateDict()} as PyTorch's {@code state_dict(prefix=prefix, keep_vars=keepVars)}: every key starts with
     * {@code prefix} as it is (PyTorch adds no dot: {@code "model."} gives {@code "model.fc.weight"}), and with
     * {@code keepVars} the values are the module's own parameters and buffers (not detached: a parameter still requires
     * grad, and is the same object as {@link #getParameter(String)}'s), as a tied weight is under each of its names.
     *
     * @param prefix put before every key
     * @param keepVars whether the values are the module's own tensors rather than detached views of them
     * @return the state dict, in PyTorch's key order
     * @throws IllegalArgumentException for a null prefix
     */
    public Map<String, Tensor> stateDict(String prefix, boolean keepVars) {
        if (prefix == null) {
            throw new IllegalArgumentException("state_dict(): argument 'prefix' must be str, not null");
        }
        checkSavable();
        Map<String, Tensor> out = new OrderedDict<>();
        if (StateDictHooks.anySave(this) || ExtraState.anySaves(modulePaths())) {
            saveWithHooks(prefix, out, keepVars);
            return out;
        }
        collect(prefix, out, true, true, true);
        if (!keepVars) {
            out.replaceAll((k, v) -> v.isUninitialized() ? v : v.detach());
        }
        return out;
    }

    /**
     * {@link #stateDict()}'s walk with the state-dict hooks: this module's pre-hooks, its own entries (detached), its
     * children's walks, its post-hooks.
     */
    final void saveWithHooks(String prefix, Map<String, Tensor> out, boolean keepVars) {
        for (StateDictPreHook h : List.copyOf(stateDictPreHooks.snapshot().values())) {
            h.apply(this, prefix, keepVars);
        }
        Map<String, Tensor> own = new LinkedHashMap<>();
        collectOwn(prefix, own, true, true, true);
        own.forEach((k, v) -> out.put(k, keepVars || v.isUninitialized() ? v : v.detach()));
        if (ExtraState.saves(this)) { // PyTorch's _save_to_state_dict: after the parameters and buffers, as it is
            out.put(prefix + ExtraState.SUFFIX, ExtraState.value(this, prefix));
        }
        children.forEach((k, m) -> {
            if (m != null) {
                m.saveWithHooks(prefix + k + ".", out, keepVars);
            }
        });
        for (StateDictPostHook h : List.copyOf(stateDictPostHooks.snapshot().values())) {
            h.apply(this, out, prefix);
        }
    }

    /**
     * The module's extra state, PyTorch's {@code get_extra_state()}: a module class that overrides it has the entry
     * {@code prefix + "_extra_state"} in {@link #stateDict()}, after its parameters and buffers (before its
     * submodules' entries), holding what this returns, as it is (not detached or copied); state-dict hooks see it as
     * any entry. Override it together with {@link #setExtraState(Object)}, which a load calls with the entry. PyTorch
     * allows any picklable object; Ember's state dict is a map of tensors (as a safetensors file is, and as
     * {@code TorchSerialization.saveStateDict} writes it), so the value must be a {@link Tensor} (a subclass may
     * declare {@code Tensor getExtraState()}): a state dict of a module whose extra state is another object, or null,
     * is refused with an {@link UnsupportedOperationException} naming the module and the value's class.
     *
     * @return the extra state
     * @throws IllegalStateException here, with PyTorch's message: the default is never called by Ember (it checks
     *     whether the class overrides it), only directly
     */
    public Object getExtraState() {
        throw new IllegalStateException("Reached a code path in Module.get_extra_state() that should never be called. "
                + "Please file an issue at https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml "
                + "to report this bug.");
    }

    /**
     * Sets the module's extra state from a loaded state dict, PyTorch's {@code set_extra_state(state)}: a module class
     * that overrides it expects the entry {@code prefix + "_extra_state"} in {@link #loadStateDict}'s state dict, and
     * it is called with that entry's value as it is (null included) once every check of the load has passed and the
     * tensors are loaded, module by module in the order of {@link #stateDict()}; an entry that is not there is a
     * missing key (strict or not: PyTorch's {@code _load_from_state_dict} is always called with {@code strict=True}).
     * Where the class does not override it, an entry of that key is an unexpected key. An exception this throws
     * propagates, the module's tensors put back as they were (extra state that earlier modules set stays).
     *
     * @param state the entry's value
     * @throws IllegalStateException here, with PyTorch's message (never called by Ember unless overridden)
     */
    public void setExtraState(Object state) {
        throw new IllegalStateException("Reached a code path in Module.set_extra_state() that should never be called. "
                + "Please file an issue at https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml "
                + "to report this bug.");
    }

    /**
     * A state-dict pre-hook, as PyTorch 2.x's {@code register_state_dict_pre_hook}: called with the module, its prefix
     * in the state dict ({@code "encoder.layer."}, empty for the module {@code stateDict} was called on) and
     * {@code keepVars} (always false: Ember's state dict holds detached tensors) before the module's entries are made.
     */
    @FunctionalInterface
    public interface StateDictPreHook {
        /** Called before the module's entries are made. */
        void apply(Module module, String prefix, boolean keepVars);
    }

    /**
     * A state-dict post-hook, as PyTorch 2.x's {@code register_state_dict_post_hook}: called with the module, the
     * state dict being made (every entry so far: the module's and its submodules' included) and the module's prefix,
     * after the module's and its submodules' entries are in; it may change the map in place (rename, add or drop
     * entries).
     */
    @FunctionalInterface
    public interface StateDictPostHook {
        /** Called once the module's and its submodules' entries are in {@code stateDict}. */
        void apply(Module module, Map<String, Tensor> stateDict, String prefix);
    }

    /**
     * A load-state-dict pre-hook, as PyTorch 2.x's {@code register_load_state_dict_pre_hook}: called before anything is
     * checked or loaded, with the module, the state dict being loaded (a copy the hook may change in place: rename keys
     * of an older checkpoint, convert values), the module's prefix, {@code strict}, and lists the hook may add to:
     * missing keys, unexpected keys and error messages (an error message makes the load fail with the others).
     */
    @FunctionalInterface
    public interface LoadStateDictPreHook {
        /** Called before the state dict is checked. */
        void apply(Module module, Map<String, Tensor> stateDict, String prefix, boolean strict, List<String> missingKeys,
                   List<String> unexpectedKeys, List<String> errorMsgs);
    }

    /**
     * A load-state-dict post-hook, as {@code register_load_state_dict_post_hook}: called after the values are loaded,
     * with the module and the incompatible keys, whose lists the hook may change in place (clear a missing key it
     * accounts for, such as a tied weight) before a strict load checks them.
     */
    @FunctionalInterface
    public interface LoadStateDictPostHook {
        /** Called once the state dict is loaded. */
        void apply(Module module, IncompatibleKeys incompatibleKeys);
    }

    private final HookMap<StateDictPreHook> stateDictPreHooks = new HookMap<>();
    private final HookMap<StateDictPostHook> stateDictPostHooks = new HookMap<>();
    private final HookMap<LoadStateDictPreHook> loadStateDictPreHooks = new HookMap<>();
    private final HookMap<LoadStateDictPostHook> loadStateDictPostHooks = new HookMap<>();

    /**
     * Registers a {@link StateDictPreHook}, as {@code register_state_dict_pre_hook}; hooks run in registration order.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerStateDictPreHook(StateDictPreHook hook) {
        return register(stateDictPreHooks, Checks.notNull(hook, "register_state_dict_pre_hook(): hook"), false);
    }

    /**
     * Registers a {@link StateDictPostHook}, as {@code register_state_dict_post_hook}.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerStateDictPostHook(StateDictPostHook hook) {
        return register(stateDictPostHooks, Checks.notNull(hook, "register_state_dict_post_hook(): hook"), false);
    }

    /**
     * Registers a {@link LoadStateDictPreHook}, as {@code register_load_state_dict_pre_hook}.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerLoadStateDictPreHook(LoadStateDictPreHook hook) {
        return register(loadStateDictPreHooks, Checks.notNull(hook, "register_load_state_dict_pre_hook(): hook"),
                false);
    }

    /**
     * Registers a {@link LoadStateDictPostHook}, as {@code register_load_state_dict_post_hook}.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerLoadStateDictPostHook(LoadStateDictPostHook hook) {
        return register(loadStateDictPostHooks, Checks.notNull(hook, "register_load_state_dict_post_hook(): hook"),
                false);
    }

    /** Whether this module (not its submodules) has state-dict hooks for saving. */
    final boolean hasSaveHooks() {
        return !stateDictPreHooks.isEmpty() || !stateDictPostHooks.isEmpty();
    }

    /** This module's load-state-dict pre-hooks, a snapshot in order. */
    final List<LoadStateDictPreHook> loadPreHooks() {
        return List.copyOf(loadStateDictPreHooks.snapshot().values());
    }

    /** This module's load-state-dict post-hooks, a snapshot in order. */
    final List<LoadStateDictPostHook> loadPostHooks() {
        return List.copyOf(loadStateDictPostHooks.snapshot().values());
    }

    /**
     * Whether {@code key} is a norm layer's {@code num_batches_tracked}, which a state dict from before PyTorch added it
     * may lack: PyTorch 2.x's {@code _NormBase._load_from_state_dict} then keeps the layer's own count (1.13 set it to 0)
     * for a dict without version metadata, which an Ember map never has.
     */
    /**
     * 2.x's {@code _NormBase._load_from_state_dict} for a state without {@code num_batches_tracked} (and without version
     * metadata, as Ember's maps are): it reads {@code self.num_batches_tracked} to put in its place, so a norm layer
     * tracking running statistics whose counter was deleted ({@code del bn.num_batches_tracked}) raises
     * {@code AttributeError} (1.13 put a 0 there and reported it unexpected); checked before anything is loaded.
     */
    private static void checkNormCounters(Map<String, Module> modules, Map<String, Tensor> state) {
        String name = "num_batches_tracked";
        modules.forEach((prefix, m) -> {
            if (m instanceof NormBase norm && norm.trackRunningStats && !m.buffers.containsKey(name)
                    && !m.parameters.containsKey(name) && !m.children.containsKey(name) && !m.attributes.containsKey(name)
                    && !state.containsKey(prefix.isEmpty() ? name : prefix + "." + name)) {
                throw new IllegalArgumentException("'" + m.className() + "' object has no attribute '" + name + "'");
            }
        });
    }

    private static boolean olderNormState(Map<String, Module> modules, String key) {
        String suffix = "num_batches_tracked";
        if (!key.endsWith(suffix) || (key.length() > suffix.length() && key.charAt(key.length() - suffix.length() - 1) != '.')) {
            return false;
        }
        String prefix = key.length() == suffix.length() ? "" : key.substring(0, key.length() - suffix.length() - 1);
        return modules.get(prefix) instanceof NormBase;
    }

    /**
     * Why this module's state cannot be a map of tensors, or null (every module Ember has but the dynamically quantized
     * layers, whose PyTorch state is a packed-parameter object): {@link #stateDict()} and {@link #loadStateDict} of a
     * model holding such a module refuse it rather than leave its state out.
     *
     * @return the reason, or null when the module's state is its parameters and buffers
     */
    protected String unsavableReason() {
        return null;
    }

    private void checkSavable() {
        for (Map.Entry<String, Module> e : namedModules().entrySet()) {
            String reason = e.getValue().unsavableReason();
            if (reason != null) {
                throw new UnsupportedOperationException("state_dict: the module '" + e.getKey() + "' ("
                        + e.getValue().moduleName() + ") cannot be saved as tensors: " + reason);
            }
        }
    }

    /** The keys a non-strict {@link #loadStateDict(Map, boolean)} did not match, as PyTorch's {@code _IncompatibleKeys}. */
    public record IncompatibleKeys(List<String> missingKeys, List<String> unexpectedKeys) {
        /**
         * PyTorch's repr, which fine-tuning scripts print: {@code <All keys matched successfully>} when both lists are
         * empty, else {@code _IncompatibleKeys(missing_keys=['a.b'], unexpected_keys=[])}, the keys as Python's
         * string reprs.
         */
        @Override
        public String toString() {
            if (missingKeys.isEmpty() && unexpectedKeys.isEmpty()) {
                return "<All keys matched successfully>";
            }
            return "_IncompatibleKeys(missing_keys=" + pyList(missingKeys) + ", unexpected_keys=" + pyList(unexpectedKeys)
                    + ")";
        }

        private static String pyList(List<String> keys) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < keys.size(); i++) {
                sb.append(i > 0 ? ", " : "").append(pyStr(keys.get(i)));
            }
            return sb.append(']').toString();
        }

        /** Python's {@code repr(str)}: single quotes unless the text has one and no double quote; escapes. */
        static String pyStr(String s) {
            char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
            StringBuilder sb = new StringBuilder().append(q);
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == q || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c == '\n') {
                    sb.append("\\n");
                } else if (c == '\t') {
                    sb.append("\\t");
                } else if (c == '\r') {
                    sb.append("\\r");
                } else if (c < 0x20 || c == 0x7f) {
                    sb.append(String.format("\\x%02x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            return sb.append(q).toString();
        }
    }

    /**
     * Copies values from a state dict into the parameters and buffers, as PyTorch's strict {@code load_state_dict}:
     * every key must be present, none unexpected, and every value a tensor of the parameter's shape (its type and
     * device are converted). Every entry is checked before anything is copied, so on any problem nothing changes and
     * the error lists them all, in PyTorch's words. A lazy module's uninitialized parameters and buffers take the
     * loaded shapes (PyTorch's {@code _lazy_load_hook}); see {@link LazyModule}.
     */
    public void loadStateDict(Map<String, Tensor> state) {
        loadStateDict(state, true);
    }

    /**
     * {@link #loadStateDict(Map)}, where {@code strict} false tolerates missing and unexpected keys and returns them
     * (other problems are errors either way).
     */
    public IncompatibleKeys loadStateDict(Map<String, Tensor> state, boolean strict) {
        return loadStateDict(state, strict, true, false);
    }

    /**
     * {@link #loadStateDict(Map, boolean)} with PyTorch 2.1's {@code assign}: true makes each of the state dict's
     * tensors the module's parameter or buffer instead of copying its values into the module's own (no second copy of
     * the weights in memory): a parameter becomes a new leaf sharing the given tensor's storage, its type and device
     * (not converted), with the old parameter's {@code requires_grad}; a buffer becomes the given tensor itself. The
     * checks are the same (shapes included) and run first. As in PyTorch, an optimizer made before holds the old
     * parameters, and weights tied by one tensor are untied (each name gets its own leaf): tie them again after.
     *
     * @throws IllegalArgumentException as {@link #loadStateDict(Map)}, and for a tensor of another type than floating
     *     point or complex given for a parameter ({@code Only Tensors of floating point and complex dtype can require
     *     gradients})
     */
    public IncompatibleKeys loadStateDict(Map<String, Tensor> state, boolean strict, boolean assign) {
        return loadStateDict(state, strict, true, assign);
    }

    /**
     * {@link #loadStateDict(Map, boolean, boolean)}; without {@code checked}, modules whose state is not tensors are
     * let be.
     */
    IncompatibleKeys loadStateDict(Map<String, Tensor> state, boolean strict, boolean checked, boolean assign) {
        if (state == null) {
            throw new IllegalArgumentException("Expected state_dict to be dict-like, got null.");
        }
        if (checked) {
            checkSavable();
        }
        // PyTorch's load walks every path, a shared module once under each name (its pre-hooks and norm defaults too)
        Map<String, Module> modules = modulePaths();
        state = ParametrizationList.legacyKeys(modules, state); // weight_norm's old {name}_g/{name}_v, as PyTorch's pre-hook
        List<String> errors = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        if (StateDictHooks.anyLoadPre(modules)) {
            state = StateDictHooks.loadPre(modules, state, strict, missing, unexpected, errors);
        }
        checkNormCounters(modules, state);
        Map<String, Tensor> own = new LinkedHashMap<>();
        Map<String, Module> extraModules = new LinkedHashMap<>();
        ExtraState.collectLoadKeys(this, "", own, extraModules);
        Map<String, Tensor> extraValues = new LinkedHashMap<>(); // the extra state to set, key by key in order
        Map<Tensor, Tensor> copies = new LinkedHashMap<>();
        Map<Tensor, int[]> materialize = new LinkedHashMap<>();
        Map<String, Map.Entry<Module, String>> resizable = new LinkedHashMap<>();
        modules.forEach((prefix, m) -> m.buffers.keySet().forEach(b -> {
            if (m.resizesOnLoad(b)) {
                resizable.put(prefix.isEmpty() ? b : prefix + "." + b, Map.entry(m, b));
            }
        }));
        Map<String, Tensor> resizes = new LinkedHashMap<>();
        Map<String, Tensor> assigned = new LinkedHashMap<>(); // with assign: what each name becomes
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            String key = e.getKey();
            Tensor param = e.getValue();
            if (extraModules.containsKey(key)) { // a module's extra state: its value as it is, or a missing key
                if (state.containsKey(key)) {
                    extraValues.put(key, state.get(key));
                } else {
                    missing.add(key);
                }
                continue;
            }
            if (!state.containsKey(key)) {
                if (!olderNormState(modules, key)) {
                    missing.add(key);
                }
                continue;
            }
            Tensor given = state.get(key);
            String copying = "While copying the parameter named \"" + key + "\", ";
            if (given == null) {
                errors.add(copying + "expected torch.Tensor or Tensor-like object from checkpoint but received null");
                continue;
            }
            if (given.isClosed()) {
                errors.add(copying + "the tensor from checkpoint has been closed");
                continue;
            }
            if (param.isClosed()) {
                errors.add(copying + "the tensor in the current model has been closed");
                continue;
            }
            if (given.isUninitialized()) {
                if (!param.isUninitialized()) {
                    given.shape(); // throws: PyTorch reads input_param.shape here, whose error it raises at once
                }
                continue; // uninitialized into uninitialized: nothing to copy, as in PyTorch
            }
            if (assign && param.isParameter() && !given.dtype().isFloatingPoint() && !given.dtype().isComplex()) {
                errors.add(copying + "Only Tensors of floating point and complex dtype can require gradients");
                continue;
            }
            if (param.isUninitialized()) {
                int[] first = materialize.get(param);
                if (first != null && !Arrays.equals(first, given.shape())) {
                    // a lazy module under two paths: PyTorch's load materializes it at the first and compares the second
                    errors.add("size mismatch for " + key + ": copying a param with shape " + Format.size(given.shape())
                            + " from checkpoint, the shape in current model is " + Format.size(first) + ".");
                    continue;
                }
                materialize.put(param, given.shape()); // PyTorch's _lazy_load_hook: whatever shape is given
                copies.put(param, given);
                assigned.put(key, given);
                continue;
            }
            if (param.dim() == 0 && given.dim() == 1 && given.numel() == 1) {
                given = given.reshape(); // PyTorch's backward compatibility: a one-element vector loads into a scalar
            }
            if (assign && (Arrays.equals(given.shape(), param.shape()) || resizable.containsKey(key))) {
                assigned.put(key, given);
                continue;
            }
            if (!Arrays.equals(given.shape(), param.shape()) && resizable.containsKey(key)) {
                resizes.put(key, given); // the buffer takes the loaded shape, once nothing else is wrong
                continue;
            }
            if (!Arrays.equals(given.shape(), param.shape())) {
                errors.add("size mismatch for " + key + ": copying a param with shape " + Format.size(given.shape())
                        + " from checkpoint, the shape in current model is " + Format.size(param.shape()) + ".");
                continue;
            }
            MetaModules.warnIfNoOpCopy(key, param, given);
            copies.put(param, given);
        }
        int hooksUnexpected = unexpected.size(); // those the load pre-hooks added stay first
        for (String key : state.keySet()) {
            if (!own.containsKey(key) && !underAbsentChild(modules, key)) {
                unexpected.add(key);
            }
        }
        StateDictHooks.orderUnexpected(unexpected.subList(hooksUnexpected, unexpected.size()), modules);
        if (StateDictHooks.anyLoadPost(modules) && errors.isEmpty()) {
            // the post-hooks may clear keys, so the strict check follows them (PyTorch's order: load, hooks, check)
            return StateDictHooks.loadWithPostHooks(this, modules, strict, missing, unexpected,
                    undoable -> ExtraState.load(u -> assign ? assignLoaded(modules, assigned, u)
                            : applyLoad(materialize, resizes, resizable, copies, u), extraModules, extraValues, undoable));
        }
        if (strict) {
            errors.addAll(0, strictErrors(missing, unexpected));
        }
        if (!errors.isEmpty()) {
            throw loadError(errors);
        }
        ExtraState.load(u -> assign ? assignLoaded(modules, assigned, u)
                : applyLoad(materialize, resizes, resizable, copies, u), extraModules, extraValues, false);
        return new IncompatibleKeys(List.copyOf(missing), List.copyOf(unexpected));
    }

    /**
     * Whether {@code key} lies under a submodule registered as absent ({@code self.sub = None}) or under a tensor
     * ({@code "w.x"} where {@code w} is a parameter or persistent buffer): PyTorch's {@code _load_from_state_dict}
     * counts a key as unexpected only when its next name is neither a tensor of the module nor one of its
     * {@code _modules}, and the load does not descend into a None child or a tensor, so such keys are neither loaded
     * nor reported.
     */
    private static boolean underAbsentChild(Map<String, Module> modules, String key) {
        for (Map.Entry<String, Module> e : modules.entrySet()) {
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            if (!key.startsWith(prefix)) {
                continue;
            }
            String rest = key.substring(prefix.length());
            int dot = rest.indexOf('.');
            String next = dot < 0 ? rest : rest.substring(0, dot);
            Map<String, Module> children = e.getValue().registeredModules();
            if (children.containsKey(next) && children.get(next) == null) {
                return true;
            }
            // PyTorch's check reads only the first name after the module's prefix: "w.x" is not unexpected where w is
            // a parameter or persistent buffer of that module (local_state), though nothing loads it
            Module m = e.getValue();
            if (dot >= 0 && (m.parameters.get(next) != null
                    || m.buffers.get(next) != null && !m.nonPersistentBuffers.contains(next))) {
                return true;
            }
        }
        return false;
    }

    /** A strict load's messages for missing and unexpected keys, in PyTorch's order and words. */
    static List<String> strictErrors(List<String> missing, List<String> unexpected) {
        List<String> out = new ArrayList<>();
        if (!missing.isEmpty()) {
            out.add("Missing key(s) in state_dict: " + quoted(missing) + ". ");
        }
        if (!unexpected.isEmpty()) {
            out.add("Unexpected key(s) in state_dict: " + quoted(unexpected) + ". ");
        }
        return out;
    }

    /** PyTorch's load_state_dict error listing {@code errors}. */
    final IllegalArgumentException loadError(List<String> errors) {
        // self.__class__.__name__: a materialized lazy layer's eager class, a parametrized module's injected one
        return new IllegalArgumentException("Error(s) in loading state_dict for " + className() + ":\n\t"
                + String.join("\n\t", errors));
    }

    /**
     * The load of a checked state dict with {@code assign}: each name's module gets the given tensor (a parameter a new
     * leaf sharing its storage, with the old one's {@code requires_grad}; a buffer the tensor itself). With
     * {@code undoable}, returns what puts the old tensors back; else null.
     */
    private Runnable assignLoaded(Map<String, Module> modules, Map<String, Tensor> assigned, boolean undoable) {
        List<Runnable> back = new ArrayList<>();
        assigned.forEach((key, given) -> {
            int dot = key.lastIndexOf('.');
            Module m = modules.get(dot < 0 ? "" : key.substring(0, dot));
            String name = key.substring(dot + 1);
            if (m.parameters.containsKey(name) && dev.ember.SwapTensors.getSwapModuleParamsOnConversion()) {
                // 2.x with set_swap_module_params_on_conversion(True): param.module_load(input, assign=True) made a
                // Parameter with the old requires_grad, swapped into the registered parameter (its identity kept)
                Tensor old = m.parameters.get(name);
                Tensor fresh = old.moduleLoad(given, true).asParameter();
                fresh.setRequiresGrad(old.requiresGrad());
                dev.ember.SwapTensors.swapTensors(old, fresh);
                back.add(() -> dev.ember.SwapTensors.swapTensors(old, fresh));
            } else if (m.parameters.containsKey(name)) {
                Tensor old = m.parameters.get(name);
                // 2.x: Parameter(input_param, requires_grad=param.requires_grad), then setattr (the registration hooks)
                Tensor leaf = given.detach().asParameter();
                leaf.setRequiresGrad(old.requiresGrad());
                m.setParameter(name, leaf);
                back.add(() -> m.parameters.put(name, old));
            } else {
                Tensor old = m.buffers.get(name);
                m.setBuffer(name, given);
                back.add(() -> m.putBuffer(name, old));
            }
        });
        return undoable ? () -> back.forEach(Runnable::run) : null;
    }

    /**
     * The load of a checked state dict: lazy tensors materialized, resizable buffers replaced, every value copied.
     * With {@code undoable}, returns what puts the copied values and the replaced buffers back (a materialized lazy
     * tensor stays materialized); else null.
     */
    private Runnable applyLoad(Map<Tensor, int[]> materialize, Map<String, Tensor> resizes,
                               Map<String, Map.Entry<Module, String>> resizable, Map<Tensor, Tensor> copies,
                               boolean undoable) {
        Map<Tensor, Tensor> previous = new LinkedHashMap<>();
        List<Runnable> buffersBack = new ArrayList<>();
        Set<Tensor> fresh = Collections.newSetFromMap(new IdentityHashMap<>());
        materialize.forEach(Tensor::materialize_);
        resizes.forEach((key, given) -> {
            Module m = resizable.get(key).getKey();
            String b = resizable.get(key).getValue();
            Tensor old = m.buffers.get(b);
            Tensor made = Tensor.empty(old.dtype(), given.shape()).to(old.device());
            m.putBuffer(b, made); // PyTorch resizes the buffer in place: no registration hooks
            buffersBack.add(() -> m.putBuffer(b, old));
            fresh.add(made);
            copies.put(made, given);
        });
        try (GradMode off = Ember.noGrad()) {
            for (Map.Entry<Tensor, Tensor> e : copies.entrySet()) {
                Tensor target = e.getKey();
                if (undoable && !fresh.contains(target) && !materialize.containsKey(target)) {
                    previous.put(target, target.clone());
                }
                target.copy_(e.getValue());
            }
        }
        if (!undoable) {
            return null;
        }
        return () -> {
            try (GradMode off = Ember.noGrad()) {
                previous.forEach(Tensor::copy_);
            }
            buffersBack.forEach(Runnable::run);
        };
    }

    /**
     * Whether this module's buffer {@code name} takes the shape of a loaded state dict's tensor instead of requiring
     * its own (PyTorch's observers and fake quantizers resize their statistics and parameters in
     * {@code _load_from_state_dict}); the buffer is replaced only once the whole state dict has been checked. False by
     * default.
     */
    protected boolean resizesOnLoad(String name) {
        return false;
    }

    private static String quoted(List<String> keys) {
        List<String> q = new ArrayList<>();
        keys.forEach(k -> q.add("\"" + k + "\""));
        return String.join(", ", q);
    }

    // ------------------------------------------------------------------ calling a module, with hooks

    /**
     * Calls the module, as PyTorch's {@code module(x)}: the forward pre-hooks, {@link #forward}, the forward hooks, and
     * the full backward hooks' bookkeeping; {@code forward} itself runs no hooks, as in PyTorch. Containers call their
     * submodules this way.
     */
    public Tensor apply(Tensor input) {
        if (replacedBy != null && DIRECT.get() != this && !runByItsWrapper()) {
            return replacedBy.apply(input);
        }
        if (wrapsReplaced) {
            return runningAsWrapper(this, () -> applyHere(input));
        }
        return applyHere(input);
    }

    private Tensor applyHere(Tensor input) {
        if (!hasHooks()) {
            return forward(input);
        }
        return call(Collections.singletonList(input), in -> List.of(forward(in.get(0)))).get(0);
    }

    /**
     * A forward pre-hook, as {@code register_forward_pre_hook}: called with the module and its inputs before
     * {@link #forward}; returns replacement inputs, or null to keep them.
     */
    @FunctionalInterface
    public interface ForwardPreHook {
        /** The replacement inputs, or null. */
        List<Tensor> apply(Module module, List<Tensor> inputs);
    }

    /**
     * A forward hook, as {@code register_forward_hook}: called with the module, its inputs and its outputs after
     * {@link #forward}; returns replacement outputs, or null to keep them.
     */
    @FunctionalInterface
    public interface ForwardHook {
        /** The replacement outputs, or null. */
        List<Tensor> apply(Module module, List<Tensor> inputs, List<Tensor> outputs);
    }

    /**
     * A full backward hook, as {@code register_full_backward_hook}: called once the gradients with respect to the
     * module's inputs are computed, with those ({@code gradInputs}, null for an input that needs none) and the gradients
     * of its outputs; returns replacement input gradients (one per input), or null to keep them.
     */
    @FunctionalInterface
    public interface BackwardHook {
        /** The replacement input gradients, or null. */
        List<Tensor> apply(Module module, List<Tensor> gradInputs, List<Tensor> gradOutputs);
    }

    /**
     * A full backward pre-hook, as PyTorch 2.x's {@code register_full_backward_pre_hook}: called with the module and
     * the gradients of its outputs (null for an output that needs none) once they are computed, before the gradients
     * of its inputs are; returns replacement output gradients (one per output), or null to keep them. The full backward
     * hooks then see the replaced ones.
     */
    @FunctionalInterface
    public interface BackwardPreHook {
        /** The replacement output gradients, or null. */
        List<Tensor> apply(Module module, List<Tensor> gradOutputs);
    }

    private final HookMap<ForwardPreHook> forwardPreHooks = new HookMap<>();
    private final HookMap<ForwardHook> forwardHooks = new HookMap<>();
    /** The ids of the forward hooks registered with {@code always_call=True}, PyTorch's {@code _forward_hooks_always_called}. */
    private final Set<Integer> forwardHooksAlwaysCalled = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final HookMap<BackwardPreHook> backwardPreHooks = new HookMap<>();
    private final HookMap<BackwardHook> backwardHooks = new HookMap<>();
    private final java.util.concurrent.atomic.AtomicInteger nextHookId = new java.util.concurrent.atomic.AtomicInteger();

    private boolean hasHooks() {
        return !forwardPreHooks.isEmpty() || !forwardHooks.isEmpty() || !backwardPreHooks.isEmpty()
                || !backwardHooks.isEmpty() || ModuleHooks.any();
    }

    private <H> RemovableHandle register(HookMap<H> hooks, H hook, boolean prepend) {
        return register(hooks, hook, prepend, false);
    }

    private <H> RemovableHandle register(HookMap<H> hooks, H hook, boolean prepend, boolean alwaysCall) {
        int id = nextHookId.getAndIncrement();
        if (alwaysCall) {
            forwardHooksAlwaysCalled.add(id);
        }
        hooks.put(id, hook, prepend);
        return () -> {
            hooks.remove(id);
            forwardHooksAlwaysCalled.remove(id);
        };
    }

    /** Registers a forward pre-hook, run after those registered before; the handle removes it. */
    public RemovableHandle registerForwardPreHook(ForwardPreHook hook) {
        return registerForwardPreHook(hook, false);
    }

    /**
     * Registers a forward pre-hook, as {@code register_forward_pre_hook(hook, prepend=prepend)}: with {@code prepend}
     * it runs before this module's other forward pre-hooks (the global ones of {@link ModuleHooks} still run first),
     * else after them.
     *
     * @param hook the hook
     * @param prepend whether it runs first
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerForwardPreHook(ForwardPreHook hook, boolean prepend) {
        return register(forwardPreHooks, Checks.notNull(hook, "register_forward_pre_hook(): hook"), prepend);
    }

    /** Registers a forward hook, run after those registered before; the handle removes it. */
    public RemovableHandle registerForwardHook(ForwardHook hook) {
        return registerForwardHook(hook, false, false);
    }

    /**
     * Registers a forward hook, as {@code register_forward_hook(hook, prepend=prepend, always_call=alwaysCall)}: with
     * {@code prepend} it runs before this module's other forward hooks (the global ones still run first); with
     * {@code alwaysCall} it also runs when the forward (or an earlier forward hook) throws, with the outputs null
     * where the forward gave none, before the exception propagates (an exception the hook throws then is logged as a
     * warning, as PyTorch's).
     *
     * @param hook the hook
     * @param prepend whether it runs first
     * @param alwaysCall whether it runs when the forward throws
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerForwardHook(ForwardHook hook, boolean prepend, boolean alwaysCall) {
        return register(forwardHooks, Checks.notNull(hook, "register_forward_hook(): hook"), prepend, alwaysCall);
    }

    /**
     * Registers a full backward pre-hook ({@link BackwardPreHook}), as 2.x's {@code register_full_backward_pre_hook}:
     * set up at each call of the module in grad mode, as the full backward hooks are; the handle removes it.
     */
    public RemovableHandle registerFullBackwardPreHook(BackwardPreHook hook) {
        return registerFullBackwardPreHook(hook, false);
    }

    /**
     * {@link #registerFullBackwardPreHook(BackwardPreHook)} with PyTorch's {@code prepend}: run before this module's
     * other backward pre-hooks (the global ones of {@link ModuleHooks} still run first).
     *
     * @param hook the hook
     * @param prepend whether it runs first
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerFullBackwardPreHook(BackwardPreHook hook, boolean prepend) {
        return register(backwardPreHooks, Checks.notNull(hook, "register_full_backward_pre_hook(): hook"), prepend);
    }

    /**
     * Registers a full backward hook; the handle removes it. It is set up at each call of the module in grad mode: the
     * inputs and outputs that require grad pass through an identity node, BackwardHookFunctionBackward, as in PyTorch.
     */
    public RemovableHandle registerFullBackwardHook(BackwardHook hook) {
        return registerFullBackwardHook(hook, false);
    }

    /**
     * {@link #registerFullBackwardHook(BackwardHook)} with PyTorch's {@code prepend}: run before this module's other
     * full backward hooks (the global ones of {@link ModuleHooks} still run first).
     *
     * @param hook the hook
     * @param prepend whether it runs first
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public RemovableHandle registerFullBackwardHook(BackwardHook hook, boolean prepend) {
        return register(backwardHooks, Checks.notNull(hook, "register_full_backward_hook(): hook"), prepend);
    }

    /**
     * Runs a forward of several tensors with this module's hooks, as PyTorch's {@code __call__}: {@code forward} maps
     * the (possibly replaced) inputs to the outputs. A module with typed inputs and outputs calls it from a typed public
     * method, for example {@code Output apply(Tensor query, Tensor key)}, so that its callers need no casts:
     * <pre>{@code
     * public Result apply(Tensor a, Tensor b) {
     *     return call(Arrays.asList(a, b), in -> forward(in.get(0), in.get(1)), Result::tensors, Result::of);
     * }
     * }</pre>
     * Inputs and outputs may contain null (an absent optional tensor).
     */
    protected final List<Tensor> call(List<Tensor> inputs, Function<List<Tensor>, List<Tensor>> forward) {
        Checks.notNull(inputs, "inputs");
        Checks.notNull(forward, "forward");
        List<Tensor> args = new ArrayList<>(inputs);
        // the global hooks first, then the module's, as PyTorch's _call_impl
        List<ForwardPreHook> pre = ModuleHooks.concat(ModuleHooks.FORWARD_PRE, forwardPreHooks);
        for (ForwardPreHook h : pre) {
            List<Tensor> r = h.apply(this, Collections.unmodifiableList(args));
            if (r != null) {
                args = new ArrayList<>(hookResult(r, args.size(),
                        "a forward pre-hook returned %d inputs for a call with %d"));
            }
        }
        BackwardHooks bw = null;
        List<BackwardPreHook> bwPre = ModuleHooks.concat(ModuleHooks.BACKWARD_PRE, backwardPreHooks);
        List<BackwardHook> bwFull = ModuleHooks.concat(ModuleHooks.BACKWARD, backwardHooks);
        if ((!bwFull.isEmpty() || !bwPre.isEmpty()) && GradMode.isEnabled()) {
            bw = new BackwardHooks(this, bwFull, bwPre);
            args = bw.wrapInputs(args);
        }
        List<Tensor> out = null;
        Set<ModuleHooks.Entry<ForwardHook>> called = new java.util.HashSet<>();
        try {
            out = forward.apply(Collections.unmodifiableList(args));
            // the forward hooks as they are once the forward returned (PyTorch's _call_impl reads them after
            // forward_call): one a submodule's hook removed or registered meanwhile is left out or runs
            List<ModuleHooks.Entry<ForwardHook>> after = ModuleHooks.forwardHooks(forwardHooks,
                    forwardHooksAlwaysCalled);
            for (ModuleHooks.Entry<ForwardHook> h : after) {
                called.add(h);
                List<Tensor> r = h.hook().apply(this, Collections.unmodifiableList(args),
                        Collections.unmodifiableList(out));
                if (r != null) {
                    out = new ArrayList<>(hookResult(r, out.size(),
                            "a hook returned %d outputs for a forward result of %d"));
                }
            }
        } catch (RuntimeException | Error e) {
            // the always_call hooks registered now that have not run, as PyTorch's except clause
            ModuleHooks.alwaysCalled(this, ModuleHooks.forwardHooks(forwardHooks, forwardHooksAlwaysCalled), called,
                    args, out);
            throw e;
        }
        if (bw != null) {
            out = bw.wrapOutputs(out);
        }
        return out;
    }

    /**
     * A hook's replacement inputs or outputs: as many as it was given (PyTorch would call the forward, or give the
     * caller, a tuple of another length, and fail there).
     */
    private List<Tensor> hookResult(List<Tensor> r, int expected, String message) {
        if (r.size() != expected) {
            throw new IllegalArgumentException(moduleName() + ": " + String.format(message, r.size(), expected));
        }
        return r;
    }

    /**
     * {@link #call(List, Function)} for a forward of several tensors to one, as PyTorch's {@code module(a, b, ...)}: a
     * module's typed {@code apply(a, b)} is {@code callOne(in -> forward(in.get(0), in.get(1)), a, b)}.
     */
    protected final Tensor callOne(Function<List<Tensor>, Tensor> forward, Tensor... inputs) {
        Checks.notNull(forward, "forward");
        return call(Arrays.asList(inputs), in -> Collections.singletonList(forward.apply(in))).get(0);
    }

    /**
     * {@link #call(List, Function)} for a forward with a typed result: {@code tensors} lists the result's tensors for the
     * hooks and {@code rebuild} makes a result of (possibly replaced) tensors. Without hooks the forward's own result is
     * returned.
     */
    protected final <R> R call(List<Tensor> inputs, Function<List<Tensor>, R> forward, Function<R, List<Tensor>> tensors,
                               Function<List<Tensor>, R> rebuild) {
        Checks.notNull(forward, "forward");
        if (!hasHooks()) {
            return forward.apply(Collections.unmodifiableList(new ArrayList<>(Checks.notNull(inputs, "inputs"))));
        }
        return rebuild.apply(call(inputs, in -> tensors.apply(forward.apply(in))));
    }

    /** PyTorch's BackwardHook: identity nodes around the module that run the full backward hooks. */
    private static final class BackwardHooks {
        private final Module module;
        private final List<BackwardHook> hooks;
        private final List<BackwardPreHook> preHooks;
        private int inputCount;
        private boolean anyInputGrad;
        private List<Tensor> gradOutputs;

        BackwardHooks(Module module, List<BackwardHook> hooks, List<BackwardPreHook> preHooks) {
            this.module = module;
            this.hooks = hooks;
            this.preHooks = preHooks;
        }

        private static int[] requiringGrad(List<Tensor> ts) {
            return java.util.stream.IntStream.range(0, ts.size()).filter(i -> ts.get(i) != null && ts.get(i).requiresGrad())
                    .toArray();
        }

        List<Tensor> wrapInputs(List<Tensor> args) {
            inputCount = args.size();
            int[] at = requiringGrad(args);
            anyInputGrad = at.length > 0;
            if (!anyInputGrad) {
                return args;
            }
            Tensor[] in = new Tensor[at.length];
            for (int k = 0; k < at.length; k++) {
                in[k] = args.get(at[k]);
            }
            Tensor[] out = new BackwardHookFunction(grads -> {
                // the hooks get tensors of their own: the engine may reuse the buffers of the ones it passes on
                List<Tensor> gradInputs = new ArrayList<>(Collections.nCopies(inputCount, (Tensor) null));
                for (int k = 0; k < at.length; k++) {
                    gradInputs.set(at[k], grads[k].clone());
                }
                Tensor[] result = grads.clone();
                for (BackwardHook h : hooks) {
                    List<Tensor> r = h.apply(module, Collections.unmodifiableList(gradInputs), gradOutputs);
                    if (r != null) {
                        if (r.size() != inputCount) {
                            throw new IllegalArgumentException("Backward hook returned an invalid number of grad_input, got "
                                    + r.size() + ", but expected " + inputCount);
                        }
                        gradInputs = new ArrayList<>(r);
                        for (int k = 0; k < at.length; k++) {
                            result[k] = gradInputs.get(at[k]);
                        }
                    }
                }
                gradOutputs = null;
                return result;
            }).applyAll(in);
            List<Tensor> wrapped = new ArrayList<>(args);
            for (int k = 0; k < at.length; k++) {
                wrapped.set(at[k], out[k]);
            }
            return wrapped;
        }

        List<Tensor> wrapOutputs(List<Tensor> outs) {
            int[] at = requiringGrad(outs);
            if (at.length == 0) {
                return outs;
            }
            int count = outs.size();
            Tensor[] in = new Tensor[at.length];
            for (int k = 0; k < at.length; k++) {
                in[k] = outs.get(at[k]);
            }
            Tensor[] out = new BackwardHookFunction(grads -> {
                List<Tensor> g = new ArrayList<>(Collections.nCopies(count, (Tensor) null));
                for (int k = 0; k < at.length; k++) {
                    g.set(at[k], grads[k] == null ? null : grads[k].clone());
                }
                gradOutputs = Collections.unmodifiableList(g);
                boolean replaced = false;
                for (BackwardPreHook h : preHooks) {
                    List<Tensor> r = h.apply(module, gradOutputs);
                    if (r != null) {
                        if (r.size() != count) {
                            throw new IllegalArgumentException("Backward pre hook returned an invalid number of "
                                    + "grad_output, got " + r.size() + ", but expected " + count);
                        }
                        gradOutputs = Collections.unmodifiableList(new ArrayList<>(r));
                        replaced = true;
                    }
                }
                Tensor[] passed = grads.clone();
                if (replaced) {
                    // copies pass on: the engine frees what it passes on once used, and the hooks keep theirs
                    for (int k = 0; k < at.length; k++) {
                        Tensor r = gradOutputs.get(at[k]);
                        passed[k] = r == null ? null : r.clone();
                    }
                }
                if (!anyInputGrad) {
                    List<Tensor> none = Collections.nCopies(inputCount, null);
                    for (BackwardHook h : hooks) {
                        List<Tensor> r = h.apply(module, none, gradOutputs);
                        if (r != null && r.stream().anyMatch(java.util.Objects::nonNull)) {
                            throw new IllegalStateException("Backward hook for Modules where no input requires gradient "
                                    + "should always return None or None for all gradients.");
                        }
                    }
                    gradOutputs = null;
                }
                return passed;
            }).applyAll(in);
            List<Tensor> wrapped = new ArrayList<>(outs);
            for (int k = 0; k < at.length; k++) {
                wrapped.set(at[k], out[k]);
            }
            return wrapped;
        }
    }

    // ------------------------------------------------------------------ parametrizations

    /**
     * The value of the parameter or buffer {@code name} as the module's forward sees it, as PyTorch's {@code
     * module.name}: when a parametrization is registered on it ({@link dev.ember.nn.utils.Parametrize}), the
     * parametrization's value recomputed from its originals (the cached one inside {@link
     * dev.ember.nn.utils.Parametrize#cached()}), else the registered tensor (null for one registered as absent). A
     * layer's public field of that name ({@code Linear.weight}) holds the tensor registered at construction: after
     * {@link #setParameter} (a tied weight) it still holds that one, and once the name is parametrized it still holds
     * the tensor it held before: with a parametrization whose right inverse gives one tensor that tensor is the original ({@code
     * parametrizations.weight.original}, trained), with one that gives several ({@code weight_norm}) it is no longer part
     * of the module. Read the value through this method (a layer's {@code weight()} and {@code bias()} accessors,
     * {@link HasWeight} and {@link HasBias}, call it).
     *
     * @throws IllegalArgumentException for a name that is neither a parameter, a buffer nor parametrized, with
     *     PyTorch's {@code AttributeError} message
     */
    public final Tensor parametrizedValue(String name) {
        Checks.notNull(name, "name");
        ParametrizationList list = parametrizationList(name);
        if (list != null) {
            return list.value();
        }
        if (attributes.containsKey(name)) {
            return attributes.get(name);
        }
        if (parameters.containsKey(name)) {
            return parameters.get(name);
        }
        if (buffers.containsKey(name)) {
            return buffers.get(name);
        }
        throw new IllegalArgumentException("'" + className() + "' object has no attribute '" + name + "'");
    }

    /**
     * What a layer's forward reads for its parameter or buffer {@code name}: {@link #parametrizedValue(String)}, or null
     * for a name that is not registered (an optional bias left out).
     */
    protected final Tensor parameter(String name) {
        ParametrizationList list = parametrizationList(name);
        if (list != null) {
            return list.value();
        }
        if (attributes.containsKey(name)) {
            return attributes.get(name);
        }
        Tensor p = parameters.get(name);
        return p != null ? p : buffers.get(name);
    }

    /**
     * {@code getattr(self, name)} for a container of tensors (PyTorch's ParameterList and ParameterDict read their
     * entries so): the parametrized value, plain attribute, parameter (null for an absent one) or buffer of that name.
     *
     * @throws IllegalArgumentException where there is none, PyTorch's {@code AttributeError}
     */
    final Tensor tensorAttribute(String name) {
        if (parametrizationList(name) == null && !attributes.containsKey(name) && !parameters.containsKey(name)
                && !buffers.containsKey(name)) {
            throw new IllegalArgumentException("'" + className() + "' object has no attribute '" + name + "'");
        }
        return parameter(name);
    }

    /** The parametrizations registered on {@code name}, or null. */
    final ParametrizationList parametrizationList(String name) {
        if (children.get(ParametrizationList.CHILD) instanceof ModuleDict<?> dict && dict.containsKey(name)
                && dict.get(name) instanceof ParametrizationList list) {
            return list;
        }
        return null;
    }

    /** Whether {@code name} is a registered parameter (true) or buffer (false); null when neither. */
    final Boolean registeredAsParameter(String name) {
        return parameters.containsKey(name) ? Boolean.TRUE : buffers.containsKey(name) ? Boolean.FALSE : null;
    }

    /**
     * A container's extend: every module appended by {@code append} under the next position's name, all or nothing (a
     * position's name taken by a parameter or buffer, PyTorch's {@code attribute '3' already exists}, removes the ones
     * appended before it, where PyTorch keeps them); a null list or module refused before anything is appended.
     */
    <T extends Module> void appendAllOrNothing(Iterable<? extends T> modules, Consumer<T> append) {
        Checks.notNull(modules, "modules");
        List<T> copy = new ArrayList<>();
        modules.forEach(copy::add);
        for (T m : copy) {
            Checks.notNull(m, "module");
        }
        List<String> added = new ArrayList<>();
        try {
            for (T m : copy) {
                String name = Integer.toString(registeredModules().size());
                append.accept(m);
                added.add(name);
            }
        } catch (RuntimeException e) {
            for (String name : added) {
                delattr(name);
            }
            throw e;
        }
    }

    /**
     * {@code delattr(module, name)}, as PyTorch's {@code Module.__delattr__}: removes the parameter (an absent one
     * too), else the buffer (persistent or not), else the submodule registered under {@code name}, else a plain tensor
     * attribute of that name. The names after it keep their order; a container's view of its entries follows
     * ({@link ModuleList}, {@link ModuleDict}, {@link Sequential} read what is registered).
     *
     * @param name the attribute's name
     * @throws IllegalArgumentException for a null name, or one that is none of these (PyTorch's {@code AttributeError}:
     *     {@code 'Linear' object has no attribute 'x'})
     * @throws UnsupportedOperationException for a parametrized name (PyTorch's injected property has no deleter: remove
     *     the parametrization instead)
     */
    public void delattr(String name) {
        Checks.notNull(name, "delattr(): name");
        if (parameters.containsKey(name)) {
            parameters.remove(name);
        } else if (buffers.containsKey(name)) {
            buffers.remove(name);
            nonPersistentBuffers.remove(name);
        } else if (children.containsKey(name)) {
            children.remove(name);
        } else if (parametrizationList(name) != null) {
            throw new UnsupportedOperationException("can't delete attribute '" + name + "' of " + moduleName()
                    + ": it is parametrized (remove the parametrization instead)");
        } else if (attributes.containsKey(name)) {
            attributes.remove(name);
        } else {
            throw new IllegalArgumentException("'" + className() + "' object has no attribute '" + name + "'");
        }
    }

    /**
     * Puts {@code module} under {@code name} in {@code _modules} directly, as PyTorch's containers' {@code
     * self._modules[name] = module} (no checks, no hooks): in the place of an entry of that name, else after the others.
     */
    final void putChild(String name, Module module) {
        children.put(name, module);
    }

    /**
     * Renames every registered submodule to its position ("0", "1", ...), keeping the order, as PyTorch's
     * {@code Sequential.__delitem__} and {@code ModuleList.__delitem__} rebuild {@code _modules}.
     */
    final void renumberChildren() {
        List<Module> values = new ArrayList<>(children.values());
        children.clear();
        for (int i = 0; i < values.size(); i++) {
            children.put(Integer.toString(i), values.get(i));
        }
    }

    /** {@code self._modules.clear()}. */
    final void clearChildren() {
        children.clear();
    }

    /** Removes a parameter, buffer or submodule entry by name, as Python's {@code delattr}. */
    /**
     * Reorders this module's registered parameters (absent ones included) to follow {@code source}'s order of the same
     * names, the others after them in their order: a fresh layer standing in for PyTorch's deep copy of {@code source}
     * keeps its parameters' order (which a removed and re-registered weight, say, changed).
     */
    final void orderParametersLike(Module source) {
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String k : source.parameters.keySet()) {
            if (parameters.containsKey(k)) {
                ordered.put(k, parameters.get(k));
            }
        }
        parameters.forEach(ordered::putIfAbsent);
        parameters.clear();
        parameters.putAll(ordered);
    }

    final void unregister(String name) {
        parameters.remove(name);
        buffers.remove(name);
        nonPersistentBuffers.remove(name);
        children.remove(name);
    }

    // ---- plain tensor attributes and forward pre-hook access, for torch.nn.utils.prune (session 21) ----

    /**
     * Tensors set on the module that are neither parameters nor buffers, as the entries of a Python module's
     * {@code __dict__} (pruning's {@code module.weight}, recomputed by its forward pre-hook); layers read them through
     * {@link #parameter(String)} before their parameters and buffers, as Python finds {@code __dict__} first.
     */
    private final Map<String, Tensor> attributes = new LinkedHashMap<>();

    /** The plain tensor attribute {@code name}, or null. */
    final Tensor plainAttribute(String name) {
        return attributes.get(name);
    }

    /** Whether {@code name} is a plain tensor attribute. */
    final boolean hasPlainAttribute(String name) {
        return attributes.containsKey(name);
    }

    /** Sets a plain tensor attribute, as {@code object.__setattr__(module, name, value)}. */
    final void setPlainAttribute(String name, Tensor value) {
        if (value != null) {
            TensorScope.escape(value);
        }
        attributes.put(name, value);
    }

    /** Removes a plain tensor attribute, as {@code del module.__dict__[name]}. */
    final void removePlainAttribute(String name) {
        attributes.remove(name);
    }

    /** The forward pre-hooks by id, as {@code module._forward_pre_hooks} is now (unmodifiable). */
    final Map<Integer, ForwardPreHook> forwardPreHookMap() {
        return forwardPreHooks.snapshot();
    }

    /** The forward hooks by id, as {@code module._forward_hooks} is now (unmodifiable). */
    final Map<Integer, ForwardHook> forwardHookMap() {
        return forwardHooks.snapshot();
    }

    /** {@code del module._forward_pre_hooks[id]} (no-op for an id that is not there). */
    final void removeForwardPreHook(int id) {
        forwardPreHooks.remove(id);
    }

    /** {@code del module._forward_hooks[id]} (no-op for an id that is not there). */
    final void removeForwardHook(int id) {
        forwardHooks.remove(id);
    }

    // ------------------------------------------------------------------ module tools

    /**
     * Applies {@code fn} to every submodule (children first, recursively) and then to this module, as PyTorch's
     * {@code apply(fn)} (used to initialize weights); returns this module. As PyTorch's, it walks {@link #children()}:
     * a module registered twice in one parent is visited once there, one registered in two parents once under each
     * (locuslab's TCN: {@code conv1} and again inside {@code net}, so an in-place init there runs twice, as in PyTorch).
     */
    public Module apply(Consumer<Module> fn) {
        Checks.notNull(fn, "apply(): fn");
        for (Module m : children()) { // PyTorch's self.children(): a module registered twice here is visited once
            m.apply(fn);
        }
        fn.accept(this);
        return this;
    }

    /**
     * Sets {@code requires_grad} on every parameter (false freezes the module, as PyTorch's {@code requires_grad_});
     * returns this module.
     *
     * @throws IllegalStateException where a lazy module's parameter is still uninitialized, with PyTorch's refusal of
     *     {@code requires_grad_} on it; no flag changes then (PyTorch's loop has changed the parameters before it)
     */
    public Module requiresGrad_(boolean requiresGrad) {
        List<Tensor> params = unique(parameters());
        for (Tensor p : params) {
            if (p.isUninitialized()) {
                p.requiresGrad_(requiresGrad); // PyTorch's refusal for a lazy module's parameter, before any change
            }
        }
        for (Tensor p : params) {
            p.requiresGrad_(requiresGrad);
        }
        return this;
    }

    /** Same as {@link #requiresGrad_(boolean)} with true. */
    public Module requiresGrad_() {
        return requiresGrad_(true);
    }

    /**
     * This module ({@code ""}) and every submodule by dotted name, each once (a module registered twice keeps its first
     * name), in PyTorch's order (a module before its children), as {@code named_modules()}.
     */
    public Map<String, Module> namedModules() {
        return namedModules("");
    }

    /**
     * {@link #namedModules()} with every name under {@code prefix}, as {@code named_modules(prefix="model")}: this
     * module as {@code "model"}, its submodules as {@code "model.fc"}, {@code "model.sub.0"}, ...
     *
     * @param prefix the name of this module (empty: {@link #namedModules()})
     * @return the modules by dotted name, in PyTorch's order
     * @throws IllegalArgumentException for a null prefix
     */
    public Map<String, Module> namedModules(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("named_modules(): argument 'prefix' (position 1) must be str, not null");
        }
        Map<String, Module> out = new LinkedHashMap<>();
        namedModules(prefix, out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    /**
     * Every path to this module's submodules, a module registered under several names once under each (PyTorch's
     * {@code named_modules(remove_duplicate=False)}), a module before its children: the walk of PyTorch's
     * {@code load_state_dict}, which runs each module's {@code _load_from_state_dict} and load pre-hooks once per
     * path, so that a shared module takes its entries under every name.
     */
    Map<String, Module> modulePaths() {
        return namedModules("", false);
    }

    /**
     * {@link #namedModules(String)}, as PyTorch 2.x's {@code named_modules(prefix=..., remove_duplicate=...)}: with
     * {@code removeDuplicate} false every path to every submodule, a module registered under several names (in one
     * parent or shared by several) under each of them, with its submodules under each, a module before its children.
     *
     * @param prefix the name of this module (empty: none)
     * @param removeDuplicate whether each module is listed once, under its first path ({@link #namedModules(String)})
     * @return the modules by dotted name, in PyTorch's order
     * @throws IllegalArgumentException for a null prefix
     */
    public Map<String, Module> namedModules(String prefix, boolean removeDuplicate) {
        if (prefix == null) {
            throw new IllegalArgumentException("named_modules(): argument 'prefix' (position 1) must be str, not null");
        }
        Map<String, Module> out = new LinkedHashMap<>();
        namedModules(prefix, out, removeDuplicate ? Collections.newSetFromMap(new IdentityHashMap<>()) : null);
        return out;
    }

    /** PyTorch's named_modules walk; {@code seen} null: every path (remove_duplicate=False). */
    private void namedModules(String prefix, Map<String, Module> out, Set<Module> seen) {
        if (seen != null && !seen.add(this)) {
            return;
        }
        out.put(prefix, this);
        children.forEach((k, m) -> {
            if (m != null) {
                m.namedModules(prefix.isEmpty() ? k : prefix + "." + k, out, seen);
            }
        });
    }

    /** This module and every submodule, each once, as {@code modules()}. */
    public List<Module> modules() {
        return new ArrayList<>(namedModules().values());
    }

    /**
     * The direct submodules that are present, each once (a module registered under two names here is listed under
     * the first), as {@code children()}.
     */
    public List<Module> children() {
        List<Module> out = new ArrayList<>();
        Set<Module> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Module m : children.values()) {
            if (m != null && seen.add(m)) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * All buffers by dotted name ({@code bn.running_mean}), each tensor under its first name only, as
     * {@code named_buffers()}.
     */
    public Map<String, Tensor> namedBuffers() {
        return named(false, true);
    }

    /**
     * All buffers by dotted name, as PyTorch 2.x's {@code named_buffers(remove_duplicate=...)}: with {@code true}
     * {@link #namedBuffers()}; with {@code false} every name of every buffer (a module registered twice: under both
     * paths), in registration order.
     */
    public Map<String, Tensor> namedBuffers(boolean removeDuplicate) {
        return named(false, removeDuplicate);
    }

    /** All buffers, as {@code buffers()}. */
    public List<Tensor> buffers() {
        return new ArrayList<>(namedBuffers().values());
    }

    // ------------------------------------------------------------------ printing

    /**
     * The layer's own settings in its printout, as PyTorch's {@code extra_repr} ({@code in_features=4, out_features=3,
     * bias=True}); empty by default. Override it, not {@link #toString()}.
     */
    public String extraRepr() {
        return "";
    }

    /** The class name printed for the module, as PyTorch's {@code _get_name()}. */
    protected String moduleName() {
        String simple = getClass().getSimpleName();
        if (simple.isEmpty()) {
            String binary = getClass().getName();
            simple = binary.substring(binary.lastIndexOf('.') + 1);
        }
        return this instanceof LazyModule && !lazyPending ? simple.substring("Lazy".length()) : simple;
    }

    /**
     * The module tree, exactly as PyTorch's {@code print(model)}: the name, then the {@link #extraRepr()} on one line for
     * a module without submodules, else one line per setting and per submodule ({@code (name): ...}), indented by two
     * spaces per level.
     */
    @Override
    public String toString() {
        String extra = extraRepr();
        List<String> extraLines = extra == null || extra.isEmpty() ? List.of() : Arrays.asList(extra.split("\n", -1));
        List<String> childLines = new ArrayList<>();
        children.forEach((k, m) -> childLines.add("(" + k + "): " + addIndent(m == null ? "None" : m.toString(), 2)));
        return treeString(className(), extraLines, childLines);
    }

    /**
     * PyTorch's {@code self.__class__.__name__}: {@link #moduleName()} (a lazy layer's eager class once its first input
     * materialized it), with PyTorch's injected class, {@code Parametrized<Name>}, for a module with parametrizations.
     */
    String className() {
        boolean parametrized = children.get(ParametrizationList.CHILD) instanceof ModuleDict<?> d && d.size() > 0;
        return (parametrized ? "Parametrized" : "") + moduleName();
    }

    /** PyTorch's {@code Module.__repr__} layout of a name, setting lines and child lines. */
    static String treeString(String name, List<String> extraLines, List<String> childLines) {
        List<String> lines = new ArrayList<>(extraLines);
        lines.addAll(childLines);
        StringBuilder main = new StringBuilder(name).append('(');
        if (!lines.isEmpty()) {
            if (extraLines.size() == 1 && childLines.isEmpty()) {
                main.append(extraLines.get(0));
            } else {
                main.append("\n  ").append(String.join("\n  ", lines)).append('\n');
            }
        }
        return main.append(')').toString();
    }

    /** PyTorch's {@code _addindent}: every line but the first indented by {@code spaces}. */
    static String addIndent(String s, int spaces) {
        String[] lines = s.split("\n", -1);
        if (lines.length == 1) {
            return s;
        }
        String pad = " ".repeat(spaces);
        StringBuilder out = new StringBuilder(lines[0]);
        for (int i = 1; i < lines.length; i++) {
            out.append('\n').append(pad).append(lines[i]);
        }
        return out.toString();
    }

    /** Python's repr of a bool. */
    static String bool(boolean b) {
        return b ? "True" : "False";
    }

    /** One int for a one-element setting, else {@link #tuple}: how PyTorch prints a value given as int or tuple. */
    static String intOrTuple(int[] v) {
        return v.length == 1 ? Integer.toString(v[0]) : tuple(v);
    }

    /** Python's repr of an int tuple ({@code (2, 2)}, {@code (4,)}). */
    static String tuple(int[] v) {
        if (v.length == 1) {
            return "(" + v[0] + ",)";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < v.length; i++) {
            sb.append(i > 0 ? ", " : "").append(v[i]);
        }
        return sb.append(')').toString();
    }

    // ------------------------------------------------------------------ lookup by dotted name

    /**
     * The submodule at a dotted path ({@code "encoder.layers.0"}; {@code ""} is this module), as PyTorch's
     * {@code get_submodule}. Attributes here are the registered parameters, buffers and submodules.
     *
     * @throws IllegalArgumentException with PyTorch's {@code AttributeError} message: {@code Linear has no attribute
     *     `foo`}, or {@code `weight` is not an nn.Module}
     */
    public Module getSubmodule(String target) {
        if (target == null) {
            throw new IllegalArgumentException("get_submodule(): argument 'target' (position 1) must be str, not null");
        }
        if (target.isEmpty()) {
            return this;
        }
        Module mod = this;
        for (String item : target.split("\\.", -1)) {
            boolean child = mod.children.containsKey(item);
            if (!child && !mod.parameters.containsKey(item) && !mod.buffers.containsKey(item)
                    && !PYTHON_ATTRIBUTES.contains(item)) {
                throw new IllegalArgumentException(mod.moduleName() + " has no attribute `" + item + "`");
            }
            if (!child || mod.children.get(item) == null) {
                throw new IllegalArgumentException("`" + item + "` is not an nn.Module");
            }
            mod = mod.children.get(item);
        }
        return mod;
    }

    /** The module that replaced this one in its parent ({@link #setSubmodule}), or null. */
    private Module replacedBy;

    /**
     * Whether {@link #setSubmodule} set this module in the place of a module it contains (a wrapper, as peft's LoRA
     * layer around the Linear it replaces) and that it does not run {@link #runsChildrenDirectly() directly}.
     */
    private boolean wrapsReplaced;

    /** The wrappers ({@link #wrapsReplaced}) computing on this thread, innermost first. */
    private static final ThreadLocal<java.util.ArrayDeque<Module>> RUNNING_WRAPPERS =
            ThreadLocal.withInitial(java.util.ArrayDeque::new);

    private static <T> T runningAsWrapper(Module wrapper, java.util.function.Supplier<T> body) {
        java.util.ArrayDeque<Module> running = RUNNING_WRAPPERS.get();
        running.push(wrapper);
        try {
            return body.get();
        } finally {
            running.pop();
        }
    }

    /**
     * Whether this module, replaced by a wrapper that contains it, is being called by that wrapper (which then computes
     * through it, as PyTorch's wrapper calls the module it holds) rather than through the stale field of its old parent
     * (which Python's setattr rebound to the wrapper). The wrapper is known to be computing when it was called through
     * {@link #apply} or the replaced module's redirection; a wrapper whose own {@code forward} was called directly
     * (the forward of a class outside this library, with no other wrapper of its class computing) is found on the
     * thread's stack.
     */
    private boolean runByItsWrapper() {
        Module w = replacedBy;
        if (w == null || !w.wrapsReplaced) {
            return false;
        }
        boolean sameClassRunning = false;
        for (Module m : RUNNING_WRAPPERS.get()) {
            if (m == w) {
                return true;
            }
            sameClassRunning |= m.getClass() == w.getClass();
        }
        Class<?> cls = w.getClass();
        if (sameClassRunning || cls.getName().startsWith("dev.ember.nn.") || cls.getName().startsWith("dev.ember.ao.")) {
            return false;
        }
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames.anyMatch(
                f -> f.getDeclaringClass() == cls && f.getMethodName().equals("forward")));
    }

    /**
     * {@code replaced.forward(x)} for a layer's {@link #forward} that found its {@link #replacement()}: a wrapper of this
     * layer computes through it (see {@link #setSubmodule}).
     *
     * @param replaced the replacement
     * @param x the input
     * @return the replacement's forward of {@code x}
     */
    protected static Tensor forwardReplacement(Module replaced, Tensor x) {
        return replaced.wrapsReplaced ? runningAsWrapper(replaced, () -> replaced.forward(x)) : replaced.forward(x);
    }

    /**
     * Replaces (or adds) the submodule at a dotted path, as PyTorch's {@code set_submodule(target, module)}: the parent
     * ({@code target} without its last name) must exist, and its submodule of that last name becomes {@code module}, in its
     * place among the others, so containers, printouts, {@link #parameters()},
     * {@link #stateDict()} and {@link #to(DType)} see the new one.
     *
     * <p><b>Java fields.</b> Python's {@code setattr} also rebinds the attribute a {@code forward} reads; a Java layer
     * reads its submodules through its own fields, which cannot be rebound. So the replaced module forwards to its
     * replacement: its {@link #apply(Tensor)} (and a {@link Linear}'s {@link Linear#forward}) calls the new module's,
     * and a model whose {@code forward} calls {@code fc1.apply(x)} on a field runs the new module as PyTorch's would.
     * This is how {@link dev.ember.ao.quantization.Quantization#quantizeDynamic} swaps layers. A new module that wraps
     * the old one (peft's LoRA layer holding the Linear it replaces as {@code base_layer}) is run in its place the same
     * way, and the old module computes itself when the wrapper calls it.
     *
     * <p>2.x's checks, in its order: the target (not empty), the module (not null: 2.x refuses None, {@code `module`
     * is not an nn.Module, found <class 'NoneType'>}; {@link #addModule} or {@link #delattr} make an absent submodule),
     * the parent, then the last name, whose {@code getattr} must be a module if the parent has it (a parameter, a buffer,
     * a plain tensor attribute or a submodule registered as None is not).
     *
     * @param target the dotted path of the submodule ({@code "encoder.fc1"})
     * @param module the new submodule
     * @throws IllegalArgumentException for an empty target ({@code Cannot set the submodule without a target name!}), a
     *     null module, a parent that does not exist or is not a module (PyTorch's {@code AttributeError} messages), a
     *     last name that is not a module ({@code `weight` is not an nn.Module}), or a module that contains the parent
     */
    public void setSubmodule(String target, Module module) {
        if (target != null && !target.isEmpty() && module == null) {
            throw new IllegalArgumentException("`module` is not an nn.Module, found <class 'NoneType'>");
        }
        if (target != null && !target.isEmpty()) {
            int dot = target.lastIndexOf('.');
            Module parent = dot < 0 ? this : getSubmodule(target.substring(0, dot));
            String name = target.substring(dot + 1);
            if (parent.parameters.containsKey(name) || parent.buffers.containsKey(name)
                    || parent.attributes.containsKey(name) || parent.parametrizationList(name) != null
                    || PYTHON_ATTRIBUTES.contains(name)
                    || parent.children.containsKey(name) && parent.children.get(name) == null) {
                throw new IllegalArgumentException("`" + name + "` is not an nn.Module");
            }
        }
        putSubmodule(target, module, true);
    }

    /**
     * {@link #setSubmodule(String, Module)} with PyTorch 2.x's {@code strict} argument ({@code set_submodule(target,
     * module, strict=True)}, 2.6+): with {@code strict} the last name must already be an attribute of its parent (a
     * submodule to replace), else PyTorch's {@code AttributeError} message {@code Sequential has no attribute `5`},
     * checked after the target, the module and the parent, as 2.x's; without it, the call is
     * {@link #setSubmodule(String, Module)} (which adds a submodule the parent does not have).
     *
     * @param target the dotted path of the submodule
     * @param module the new submodule
     * @param strict whether the submodule must exist already
     * @throws IllegalArgumentException as {@link #setSubmodule(String, Module)}, and for an absent last name under
     *     {@code strict}, changing nothing
     */
    public void setSubmodule(String target, Module module, boolean strict) {
        if (strict && target != null && !target.isEmpty() && module != null) {
            int dot = target.lastIndexOf('.');
            Module parent = dot < 0 ? this : getSubmodule(target.substring(0, dot));
            String name = target.substring(dot + 1);
            if (!parent.parameters.containsKey(name) && !parent.buffers.containsKey(name)
                    && !parent.children.containsKey(name) && !parent.attributes.containsKey(name)
                    && parent.parametrizationList(name) == null && !PYTHON_ATTRIBUTES.contains(name)) {
                throw new IllegalArgumentException(parent.moduleName() + " has no attribute `" + name + "`");
            }
        }
        setSubmodule(target, module);
    }

    /**
     * {@link #setSubmodule(String, Module)} without its attribute checks; without {@code hooks}, an existing submodule
     * is replaced without the registration hooks, as PyTorch's quantization {@code convert} writes
     * {@code module._modules[key] = value}.
     */
    final void putSubmodule(String target, Module module, boolean hooks) {
        if (target == null) {
            throw new IllegalArgumentException("set_submodule(): argument 'target' (position 1) must be str, not null");
        }
        if (target.isEmpty()) {
            throw new IllegalArgumentException("Cannot set the submodule without a target name!");
        }
        int dot = target.lastIndexOf('.');
        Module parent = dot < 0 ? this : getSubmodule(target.substring(0, dot));
        String name = target.substring(dot + 1);
        Module old = parent.children.get(name);
        if (parent.children.containsKey(name)) {
            parent.checkSubmodule(name, module);
            if (hooks && !ModuleRegistrationHooks.MODULE.isEmpty()) { // 2.x's set_submodule is a setattr: the hooks run
                module = ModuleRegistrationHooks.module(parent, name, module);
                parent.checkSubmodule(name, module);
            }
            parent.children.put(name, module);
            if (old != module) {
                parent.childReplaced(old, module);
            }
        } else {
            parent.registerModule(name, module);
            module = parent.children.get(name); // a registration hook's module
        }
        // the old module forwards to its replacement; one that wraps it computes through it (runByItsWrapper: the old
        // module called by its wrapper computes itself), unless it runs it directly (applyDirectly)
        if (old != null && module != null && old != module) {
            forwardTo(old, module);
        }
        // the module set is the current one again: it computes itself (one put back after a swap would otherwise
        // forward to the module that replaced it, and that one back to it)
        if (module != null && old != module) {
            module.replacedBy = null;
        }
    }

    /** {@code old}, replaced by {@code module}, forwards its calls to it (see {@link #setSubmodule}). */
    private static void forwardTo(Module old, Module module) {
        old.replacedBy = module;
        if (module.contains(old) && !module.runsChildrenDirectly()) {
            module.wrapsReplaced = true;
        }
    }

    /**
     * Called when {@link #setSubmodule} replaces the direct submodule {@code old} of this module with {@code module}:
     * a container that keeps its own list of its modules (as {@link Sequential}) updates it here.
     *
     * @param old the submodule replaced, or null
     * @param module its replacement, or null
     */
    protected void childReplaced(Module old, Module module) {
    }

    /**
     * The module that replaced this one through {@link #setSubmodule} (the last of a chain of replacements: a float
     * layer swapped for its QAT form and that for the quantized module), or null: a layer's {@link #forward} that is
     * called directly (not through {@link #apply(Tensor)}) forwards to it, as {@link Linear}'s does.
     *
     * @return the replacement, or null
     */
    protected final Module replacement() {
        if (replacedBy == null || DIRECT.get() == this || runByItsWrapper()) {
            return null;
        }
        // the last of a chain of swaps, as apply() follows it: a float layer replaced by its QAT form, that one by the
        // quantized module at convert (the QAT layer's own forward computes the QAT forward)
        Module r = replacedBy;
        java.util.Set<Module> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        seen.add(this);
        while (r.replacedBy != null && DIRECT.get() != r && seen.add(r)) {
            r = r.replacedBy;
        }
        return r;
    }

    /** The module being run by {@link #applyDirectly}, which computes itself even if it was replaced. */
    private static final ThreadLocal<Module> DIRECT = new ThreadLocal<>();

    /**
     * {@code child.apply(x)} computed by {@code child} itself even where {@link #setSubmodule} replaced it elsewhere: for
     * a module that {@link #runsChildrenDirectly() wraps the modules it replaces}.
     *
     * @param child the module to run
     * @param x its input
     * @return its output
     */
    protected static Tensor applyDirectly(Module child, Tensor x) {
        Module previous = DIRECT.get();
        DIRECT.set(child);
        try {
            return child.apply(x);
        } finally {
            DIRECT.set(previous);
        }
    }

    /**
     * Whether this module runs its submodules through {@link #applyDirectly}: then, set in the place of modules it wraps
     * (a fused module, in the place of its first module), the modules it replaces still forward to it when called by
     * others (a model's forward reading them from its fields), and compute themselves when called by it.
     *
     * @return false here
     */
    protected boolean runsChildrenDirectly() {
        return false;
    }

    /**
     * The parameter at a dotted path ({@code "0.weight"}), as PyTorch's {@code get_parameter}.
     *
     * @throws IllegalArgumentException with PyTorch's {@code AttributeError} message ({@code `running_mean` is not an
     *     nn.Parameter} for a buffer or an absent parameter)
     */
    public Tensor getParameter(String target) {
        if (target == null) {
            throw new IllegalArgumentException("get_parameter(): argument 'target' (position 1) must be str, not null");
        }
        int dot = target.lastIndexOf('.');
        Module mod = getSubmodule(dot < 0 ? "" : target.substring(0, dot));
        String name = target.substring(dot + 1);
        if (!mod.parameters.containsKey(name) && !mod.buffers.containsKey(name) && !mod.children.containsKey(name)
                && !PYTHON_ATTRIBUTES.contains(name)) {
            throw new IllegalArgumentException(mod.moduleName() + " has no attribute `" + name + "`");
        }
        Tensor p = mod.parameters.get(name);
        if (p == null) {
            throw new IllegalArgumentException("`" + name + "` is not an nn.Parameter");
        }
        return p;
    }

    /**
     * The buffer at a dotted path ({@code "bn.running_mean"}), as PyTorch's {@code get_buffer} (an absent buffer
     * registered as null is returned as null, as PyTorch returns None).
     *
     * @throws IllegalArgumentException with PyTorch's {@code AttributeError} message ({@code `weight` is not a buffer})
     */
    public Tensor getBuffer(String target) {
        if (target == null) {
            throw new IllegalArgumentException("get_buffer(): argument 'target' (position 1) must be str, not null");
        }
        int dot = target.lastIndexOf('.');
        Module mod = getSubmodule(dot < 0 ? "" : target.substring(0, dot));
        String name = target.substring(dot + 1);
        if (!mod.parameters.containsKey(name) && !mod.buffers.containsKey(name) && !mod.children.containsKey(name)
                && !PYTHON_ATTRIBUTES.contains(name)) {
            throw new IllegalArgumentException(mod.moduleName() + " has no attribute `" + name + "`");
        }
        if (!mod.buffers.containsKey(name)) {
            throw new IllegalArgumentException("`" + name + "` is not a buffer");
        }
        return mod.buffers.get(name);
    }
}
