package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.ThreadOwner;
import dev.ember.nn.utils.Parametrization;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parametrizations of one tensor of a module and its original(s), as PyTorch's {@code
 * torch.nn.utils.parametrize.ParametrizationList}: the value of {@code module.parametrizations.<name>} once {@link
 * dev.ember.nn.utils.Parametrize#registerParametrization} has parametrized {@code <name>}. It holds the original
 * tensor as a parameter (or buffer) named {@code original}, or {@code original0}, {@code original1}, ... when the first
 * parametrization's right inverse gives several, and the parametrizations as submodules {@code 0}, {@code 1}, ...,
 * so that the module's state dict has PyTorch's keys ({@code parametrizations.weight.original}) and its
 * {@code parameters()} list the originals. Made only by {@link dev.ember.nn.utils.Parametrize}; its mechanics are the
 * static methods below, which {@code Parametrize} calls.
 */
public class ParametrizationList extends Module {
    /** The name of the {@code ModuleDict} child a parametrized module holds its lists in, as PyTorch's. */
    static final String CHILD = "parametrizations";

    private final List<Module> items = new ArrayList<>();
    private final boolean isTensor;
    private final int ntensors;
    private boolean unsafe;

    // ------------------------------------------------------------------ cache (parametrize.cached())

    private static final ThreadLocal<int[]> CACHE_DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private static final ThreadLocal<Map<ParametrizationList, Tensor>> CACHE = ThreadLocal.withInitial(IdentityHashMap::new);

    /**
     * Opens a caching scope, as PyTorch's {@code with parametrize.cached():} (on this thread): inside it, each
     * parametrized tensor is computed once and the same value is returned until the outermost scope closes. Use
     * {@link dev.ember.nn.utils.Parametrize#cached()}.
     */
    public static CacheScope openCache() {
        CACHE_DEPTH.get()[0]++;
        return new CacheScope();
    }

    /** A caching scope of {@link #openCache()}; closing it (once) ends it. */
    public static final class CacheScope implements AutoCloseable {
        private final Thread owner = Thread.currentThread();
        private boolean closed;

        private CacheScope() {
        }

        /**
         * Ends the scope; the cached values go when the outermost scope of the thread ends. Closing twice does nothing.
         *
         * @throws IllegalStateException on another thread than the one that opened it (nothing changes: that thread
         *     keeps caching until it closes the scope; this one's depth would have gone below zero)
         */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            ThreadOwner.check(owner, "A parametrize.cached() scope");
            closed = true;
            if (--CACHE_DEPTH.get()[0] == 0) {
                CACHE.get().clear();
            }
        }
    }

    // ------------------------------------------------------------------ construction

    private ParametrizationList(Module first, List<Tensor> originals, boolean isTensor, boolean asParameter, boolean unsafe) {
        this.isTensor = isTensor;
        this.ntensors = originals.size();
        this.unsafe = unsafe;
        append(first); // PyTorch's super().__init__(modules) registers "0" before the originals (the registration hooks' order)
        if (isTensor) {
            registerTensor(this, "original", originals.get(0), asParameter);
        } else {
            for (int i = 0; i < originals.size(); i++) {
                registerTensor(this, "original" + i, originals.get(i), asParameter);
            }
        }
    }

    private static void registerTensor(Module m, String name, Tensor t, boolean asParameter) {
        if (asParameter) {
            boolean requiresGrad = t.requiresGrad();
            Tensor registered = m.registerParameter(name, t); // a registration hook's tensor, if one replaced it
            registered.setRequiresGrad(requiresGrad);
        } else {
            m.registerBuffer(name, t);
        }
    }

    private void append(Module parametrization) {
        items.add(registerModule(Integer.toString(items.size()), parametrization));
    }

    // ------------------------------------------------------------------ the value

    /**
     * The parametrized value, as PyTorch's {@code ParametrizationList.forward()}: the first parametrization applied to
     * the original(s), then each next one to the result (inside {@link #openCache()}, computed once per scope).
     */
    public Tensor value() {
        if (CACHE_DEPTH.get()[0] > 0) {
            Map<ParametrizationList, Tensor> cache = CACHE.get();
            Tensor t = cache.get(this);
            if (t == null) {
                t = compute();
                cache.put(this, t);
            }
            return t;
        }
        return compute();
    }

    private Tensor compute() {
        Module first = items.get(0);
        Tensor x = isTensor ? first.apply(original()) : ((Parametrization) first).forward(originals());
        for (int i = 1; i < items.size(); i++) {
            x = items.get(i).apply(x);
        }
        return x;
    }

    /**
     * PyTorch's error: the list has no {@code forward(input)}; its value is {@link #value()}.
     */
    @Override
    public Tensor forward(Tensor input) {
        throw new UnsupportedOperationException("ParametrizationList.forward() takes no input; its value is value()");
    }

    /** The original tensor ({@code original}), when the right inverse gave one tensor. */
    public Tensor original() {
        if (!isTensor) {
            throw new IllegalArgumentException("'ParametrizationList' object has no attribute 'original'");
        }
        return parametrizedValue("original");
    }

    /** The original tensor(s): {@code [original]}, or {@code [original0, original1, ...]}. */
    public List<Tensor> originals() {
        if (isTensor) {
            return List.of(parametrizedValue("original"));
        }
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < ntensors; i++) {
            out.add(parametrizedValue("original" + i));
        }
        return out;
    }

    /** Whether the originals are one tensor {@code original} (true) or {@code original0}, {@code original1}, ... */
    public boolean isTensor() {
        return isTensor;
    }

    /** Whether some registered parametrization was registered unsafe (PyTorch's {@code unsafe} flag). */
    public boolean isUnsafe() {
        return unsafe;
    }

    /** The parametrizations, in the order they apply. */
    public List<Module> parametrizations() {
        return Collections.unmodifiableList(items);
    }

    /** The {@code i}-th parametrization, as {@code module.parametrizations.weight[i]}. */
    public Module get(int i) {
        if (i < 0 || i >= items.size()) {
            throw new IndexOutOfBoundsException("index " + i + " is out of range");
        }
        return items.get(i);
    }

    /** The number of parametrizations. */
    public int size() {
        return items.size();
    }

    /**
     * Sets the originals so that the value becomes {@code value}, as assigning {@code module.weight = value} to a
     * parametrized tensor (PyTorch's {@code ParametrizationList.right_inverse}): the right inverses of the
     * parametrizations, last first, without recording, and the result copied into the original(s) (the same tensor
     * objects, so optimizers keep them). Everything is computed and checked before an original changes.
     *
     * @throws IllegalStateException when a parametrization has no right inverse (PyTorch's RuntimeError)
     * @throws IllegalArgumentException when the right inverse gives the wrong number or types of tensors
     */
    public void rightInverse(Tensor value) {
        Checks.notNull(value, "value");
        List<Tensor> out;
        try (GradMode off = Ember.noGrad()) {
            Tensor v = value;
            out = null;
            for (int i = items.size() - 1; i >= 0; i--) {
                Module m = items.get(i);
                if (!(m instanceof Parametrization p) || !overridesRightInverse(p)) {
                    // PyTorch's RuntimeError (no right_inverse attribute), not the NotImplementedError a right inverse
                    // may raise itself
                    throw new IllegalStateException("parametrization " + m.moduleName() + " does not implement "
                            + "right_inverse.");
                }
                List<Tensor> r = p.rightInverse(v);
                if (i > 0 || p.rightInverseIsTensor()) {
                    if (r == null || r.size() != 1 || r.get(0) == null) {
                        throw new IllegalArgumentException("`right_inverse` should return a tensor. Got "
                                + (r == null ? "NoneType" : "list"));
                    }
                    v = r.get(0);
                }
                if (i == 0) {
                    out = p.rightInverseIsTensor() ? List.of(v) : r;
                }
            }
        }
        if (isTensor) {
            Tensor t = out.get(0);
            Tensor o = original();
            if (t.dtype() != o.dtype()) {
                throw new IllegalArgumentException("The tensor returned by `right_inverse` has dtype " + t.dtype().torchName()
                        + " while `original` has dtype " + o.dtype().torchName());
            }
            o.setData(t);
            return;
        }
        if (out == null || out.size() != ntensors) {
            throw new IllegalArgumentException("'right_inverse' must return a sequence of tensors of length " + ntensors
                    + ". Got a sequence of lenght " + (out == null ? 0 : out.size()) + ".");
        }
        List<Tensor> os = originals();
        for (int i = 0; i < ntensors; i++) {
            if (out.get(i) == null) {
                throw new IllegalArgumentException("`right_inverse` must return a sequence of tensors. Got element " + i
                        + " of type NoneType");
            }
            if (out.get(i).dtype() != os.get(i).dtype()) {
                throw new IllegalArgumentException("Tensor " + i + " returned by `right_inverse` has dtype "
                        + out.get(i).dtype().torchName() + " while `original" + i + "` has dtype " + os.get(i).dtype().torchName());
            }
        }
        for (int i = 0; i < ntensors; i++) {
            os.get(i).setData(out.get(i).detach());
        }
    }

    /** The name caffe2's TypeMeta prints for a dtype (set_'s refusal): {@code float}, {@code double}, ... */
    private static String typeMetaName(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "float";
            case FLOAT64 -> "double";
            case FLOAT16 -> "c10::Half";
            case BFLOAT16 -> "c10::BFloat16";
            case INT64 -> "long int";
            case INT32 -> "int";
            case BOOL -> "bool";
            default -> dtype.toString();
        };
    }

    /** Whether the parametrization's class (or a superclass below {@link Parametrization}) defines a right inverse. */
    private static boolean overridesRightInverse(Parametrization p) {
        for (Class<?> c = p.getClass(); c != Parametrization.class; c = c.getSuperclass()) {
            try {
                c.getDeclaredMethod("rightInverse", Tensor.class);
                return true;
            } catch (NoSuchMethodException e) {
                // look further up
            }
        }
        return false;
    }

    /**
     * A state dict with the older names of parametrized originals ({@link Parametrization#legacyStateKeys}, as
     * weight_norm's {@code weight_g}/{@code weight_v}) renamed to {@code parametrizations.<name>.original<i>}, for
     * every parametrized module of {@code modulePaths} under each of its names (PyTorch's load runs the pre-hook once
     * per path, so a module registered twice takes its old keys under both); the same map when there are none. Called by
     * {@link Module#loadStateDict(Map, boolean)}.
     */
    static Map<String, Tensor> legacyKeys(Map<String, Module> modulePaths, Map<String, Tensor> state) {
        Map<String, Tensor> out = state;
        for (Map.Entry<String, Module> e : modulePaths.entrySet()) {
            if (!(e.getValue().registeredModules().get(CHILD) instanceof ModuleDict<?> dict)) {
                continue;
            }
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            for (String name : dict.keySet()) {
                if (!(dict.get(name) instanceof ParametrizationList list) || list.isTensor
                        || !(list.items.get(0) instanceof Parametrization p)) {
                    continue;
                }
                List<String> old = p.legacyStateKeys(name);
                if (old.isEmpty() || old.size() != list.ntensors || !old.stream().allMatch(k -> state.containsKey(prefix + k))) {
                    continue;
                }
                if (out == state) {
                    out = new java.util.LinkedHashMap<>(state);
                }
                for (int i = 0; i < old.size(); i++) {
                    out.put(prefix + CHILD + "." + name + ".original" + i, out.remove(prefix + old.get(i)));
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ register / remove (Parametrize's mechanics)

    /**
     * The mechanics of {@link dev.ember.nn.utils.Parametrize#registerParametrization}, documented there; call that.
     */
    public static Module register(Module module, String name, Module parametrization, boolean unsafe) {
        Checks.notNull(module, "module");
        Checks.notNull(name, "tensor_name");
        Checks.notNull(parametrization, "parametrization");
        ParametrizationList existing = module.parametrizationList(name);
        if (existing != null) {
            parametrization.train(module.isTraining());
            if (!unsafe) {
                checkAppended(module, name, parametrization);
            }
            existing.append(parametrization);
            existing.unsafe |= unsafe;
            return module;
        }
        Boolean isParameter = module.registeredAsParameter(name);
        Tensor original = isParameter == null ? null : module.parameter(name);
        if (original == null) {
            throw new IllegalArgumentException("Module '" + module + "' does not have a parameter, a buffer, or a "
                    + "parametrized element with name '" + name + "'");
        }
        if (module.registeredModules().containsKey(CHILD) && !(module.registeredModules().get(CHILD) instanceof ModuleDict)) {
            throw new IllegalArgumentException("attribute '" + CHILD + "' already exists");
        }
        parametrization.train(module.isTraining());
        // PyTorch's ParametrizationList.__init__: the originals from the right inverse (its absence: the identity)
        List<Tensor> news;
        boolean isTensor;
        try (GradMode off = Ember.noGrad()) {
            List<Tensor> r = null;
            if (parametrization instanceof Parametrization p) {
                try {
                    r = p.rightInverse(original);
                } catch (UnsupportedOperationException e) {
                    r = null; // NotImplementedError: the identity
                }
            }
            isTensor = !(parametrization instanceof Parametrization p) || r == null || p.rightInverseIsTensor();
            if (r == null) {
                news = List.of(original);
            } else if (isTensor) {
                if (r.size() != 1 || r.get(0) == null) {
                    throw new IllegalArgumentException("'right_inverse' must return a Tensor or a Sequence of tensors "
                            + "(list, tuple...). Got " + (r.size() != 1 ? "a list of " + r.size() : "NoneType"));
                }
                news = List.of(r.get(0));
            } else {
                news = new ArrayList<>();
                for (int i = 0; i < r.size(); i++) {
                    if (r.get(i) == null) {
                        throw new IllegalArgumentException("'right_inverse' must return a Tensor or a Sequence of tensors "
                                + "(list, tuple...). Got element " + i + " of the sequence with type NoneType.");
                    }
                    news.add(r.get(i));
                }
            }
        }
        if (isTensor && news.get(0).dtype() != original.dtype()) {
            throw new IllegalArgumentException("When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                    + "original.dtype: " + original.dtype().torchName() + "\nright_inverse(original).dtype: "
                    + news.get(0).dtype().torchName());
        }
        List<Tensor> originals;
        Tensor before = null;
        DType originalType = original.dtype();
        int[] originalShape = original.shape();
        if (isTensor) {
            if (news.get(0) != original) {
                try (GradMode off = Ember.noGrad()) {
                    before = original.detach(); // what a failed check puts back
                    original.setData(news.get(0)); // PyTorch's original.set_(new): the same tensor object stays the original
                }
            }
            originals = List.of(original);
        } else {
            originals = new ArrayList<>();
            for (Tensor t : news) {
                Tensor o = t.detach(); // Parameter(t): a leaf of its own (sharing t's storage)
                if (original.requiresGrad() != o.requiresGrad()) {
                    o.setRequiresGrad(original.requiresGrad());
                }
                originals.add(o);
            }
        }
        ParametrizationList list = new ParametrizationList(parametrization, originals, isTensor, isParameter, unsafe);
        // the consistency checks, as PyTorch's ParametrizationList.__init__ makes them: after it registered the
        // parametrization and the original (a parametrization's forward may assign its buffers, whose hooks then run in
        // that order), on the value the new originals give; a failure leaves the module as it was
        if (!unsafe) {
            try {
                checkConsistent(parametrization, news, isTensor, originalType, originalShape);
            } catch (RuntimeException e) {
                if (before != null) {
                    try (GradMode off = Ember.noGrad()) {
                        original.setData(before);
                    }
                }
                throw e;
            }
        }
        module.unregister(name);
        @SuppressWarnings("unchecked")
        ModuleDict<ParametrizationList> dict = (ModuleDict<ParametrizationList>) module.registeredModules().get(CHILD);
        if (dict == null) {
            module.unregister(CHILD);
            dict = module.registerModule(CHILD, new ModuleDict<>());
        }
        dict.put(name, list);
        return module;
    }

    /** register_parametrization's consistency checks of the value {@code news} give through {@code parametrization}. */
    private static void checkConsistent(Module parametrization, List<Tensor> news, boolean isTensor, DType originalType,
                                        int[] originalShape) {
        Tensor z;
        try (GradMode off = Ember.noGrad()) {
            z = isTensor ? parametrization.apply(news.get(0)) : ((Parametrization) parametrization).forward(news);
        }
        if (z == null) {
            throw new IllegalArgumentException("A parametrization must return a tensor. Got NoneType.");
        }
        if (z.dtype() != originalType) {
            throw new IllegalArgumentException("Registering a parametrization may not change the dtype of the tensor, "
                    + "unless `unsafe` flag is enabled.\nunparametrized dtype: " + originalType.torchName()
                    + "\nparametrized dtype: " + z.dtype().torchName());
        }
        if (!Arrays.equals(z.shape(), originalShape)) {
            throw new IllegalArgumentException("Registering a parametrization may not change the shape of the tensor, "
                    + "unless `unsafe` flag is enabled.\nunparametrized shape: " + size(originalShape)
                    + "\nparametrized shape: " + size(z.shape()));
        }
    }

    /** PyTorch's checks of a parametrization appended to a parametrized tensor. */
    private static void checkAppended(Module module, String name, Module parametrization) {
        Tensor y = module.parametrizedValue(name);
        Tensor x = parametrization.apply(y);
        if (x == null) {
            throw new IllegalArgumentException("A parametrization must return a tensor. Got NoneType.");
        }
        if (x.dtype() != y.dtype()) {
            throw new IllegalArgumentException("Registering a parametrization may not change the dtype of the tensor, unless "
                    + "the `unsafe` flag is enabled.\nmodule." + name + ".dtype: " + y.dtype().torchName() + "\nparametrization("
                    + "module." + name + ").dtype: " + x.dtype().torchName());
        }
        if (!Arrays.equals(x.shape(), y.shape())) {
            throw new IllegalArgumentException("Registering a parametrization may not change the shape of the tensor, unless "
                    + "the `unsafe` flag is enabled.\nmodule." + name + ".shape: " + size(y.shape()) + "\nparametrization("
                    + "module." + name + ").shape: " + size(x.shape()));
        }
        if (parametrization instanceof Parametrization p) {
            List<Tensor> r;
            try (GradMode off = Ember.noGrad()) {
                r = p.rightInverse(x);
            } catch (UnsupportedOperationException e) {
                return;
            }
            if (r == null || r.size() != 1 || !p.rightInverseIsTensor()) {
                throw new IllegalArgumentException("parametrization.right_inverse must return a tensor. Got: "
                        + (r == null ? "NoneType" : "list"));
            }
            Tensor z = r.get(0);
            if (z.dtype() != y.dtype()) {
                throw new IllegalArgumentException("The tensor returned by parametrization.right_inverse must have the same "
                        + "dtype as module." + name + ", unless the `unsafe` flag is enabled.\nmodule." + name + ".dtype: "
                        + y.dtype().torchName() + "\nreturned dtype: " + z.dtype().torchName());
            }
            if (!Arrays.equals(z.shape(), y.shape())) {
                throw new IllegalArgumentException("The tensor returned by parametrization.right_inverse must have the same "
                        + "shape as module." + name + ", unless the `unsafe` flag is enabled.\nmodule." + name + ".shape: "
                        + size(y.shape()) + "\nreturned shape: " + size(z.shape()));
            }
        }
    }

    /** Python's repr of a {@code torch.Size}. */
    private static String size(int[] shape) {
        StringBuilder sb = new StringBuilder("torch.Size([");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append("])").toString();
    }

    /**
     * The mechanics of {@link dev.ember.nn.utils.Parametrize#removeParametrizations}, documented there; call that.
     */
    public static Module remove(Module module, String name, boolean leaveParametrized) {
        Checks.notNull(module, "module");
        Checks.notNull(name, "tensor_name");
        ParametrizationList list = module.parametrizationList(name);
        if (list == null) {
            throw new IllegalArgumentException("Module " + module + " does not have a parametrization on " + name);
        }
        Tensor original;
        boolean asParameter;
        if (list.isTensor) {
            original = list.original();
            asParameter = list.registeredAsParameter("original");
            if (leaveParametrized) {
                Tensor t;
                try (GradMode off = Ember.noGrad()) {
                    t = list.value();
                }
                if (t.dtype() != original.dtype()) {
                    // PyTorch's original.set_(t) refuses another dtype (an unsafe parametrization's value); for a
                    // parameter, remove_parametrizations words it as below
                    throw new IllegalArgumentException(asParameter ? "Calling remove_parametrizations() with "
                            + "leave_parametrized=True for a parameter that is an instance of a tensor subclass requires "
                            + "set_() to be implemented correctly for the tensor subclass. Either set "
                            + "leave_parametrized=False or provide a working implementation for set_() in the tensor "
                            + "subclass." : "Could not set tensor of type " + typeMetaName(t.dtype()) + " to a tensor of type "
                            + typeMetaName(original.dtype()));
                }
                try (GradMode off = Ember.noGrad()) {
                    original.setData(t); // the same tensor object: optimizers holding it keep it
                }
            }
        } else {
            if (!leaveParametrized) {
                throw new IllegalArgumentException("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
                        + "parametrized in terms of a sequence of tensors.");
            }
            Tensor t = list.value();
            // PyTorch: Parameter(t) if t.requires_grad else t (then registered as a buffer)
            asParameter = t.requiresGrad();
            original = asParameter ? t.detach().setRequiresGrad(true) : t;
        }
        @SuppressWarnings("unchecked")
        ModuleDict<ParametrizationList> dict = (ModuleDict<ParametrizationList>) module.registeredModules().get(CHILD);
        dict.remove(name);
        registerTensor(module, name, original, asParameter);
        if (dict.size() == 0) {
            module.unregister(CHILD);
        }
        return module;
    }
}
