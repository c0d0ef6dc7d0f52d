package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
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
import java.util.function.UnaryOperator;

/**
 * Base class of layers and models, as {@code torch.nn.Module}: parameters, buffers and submodules
 * registered by name, training mode, device moves and state dicts. Every method that changes several tensors
 * ({@link #to(Device)}, {@link #to(DType)}, {@link #loadStateDict}) checks and prepares everything first and changes
 * nothing when it fails.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Computes the module's output. */
    public abstract Tensor forward(Tensor input);

    /** PyTorch's checks of a name to register, with its messages. */
    private void checkName(String kind, String name, Map<String, ?> own) {
        if (name == null) {
            throw new IllegalArgumentException(kind + " name should be a string. Got null");
        }
        boolean taken = (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name))
                && !own.containsKey(name);
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
     * (an optional bias).
     *
     * @throws IllegalArgumentException for a name that is null, empty, dotted or taken by a buffer or submodule, or a
     *     value that is not a floating-point leaf
     */
    protected Tensor registerParameter(String name, Tensor value) {
        checkName("parameter", name, parameters);
        if (value != null) {
            if (value.gradFn() != null) {
                throw new IllegalArgumentException("Cannot assign non-leaf Tensor to parameter '" + name + "'. Model parameters "
                        + "must be created explicitly. To express '" + name + "' as a function of another Tensor, compute the "
                        + "value in the forward() method.");
            }
            if (!value.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException("Only Tensors of floating point and complex dtype can require gradients");
            }
            value.asParameter();
            TensorScope.escape(value); // a module's state outlives any scope it was built in
        }
        parameters.put(name, value);
        return value;
    }

    /** Registers a buffer (state saved in the state dict but not trained, like running statistics); null is allowed. */
    protected Tensor registerBuffer(String name, Tensor value) {
        checkName("buffer", name, buffers);
        if (value != null) {
            TensorScope.escape(value);
        }
        buffers.put(name, value);
        return value;
    }

    /** Replaces a registered buffer's value. */
    protected void setBuffer(String name, Tensor value) {
        if (name == null || !buffers.containsKey(name)) {
            throw new IllegalArgumentException("no buffer named " + name);
        }
        if (value != null) {
            TensorScope.escape(value);
        }
        buffers.put(name, value);
    }

    /**
     * Registers a submodule under a name; returns it. Null registers an absent submodule.
     *
     * @throws IllegalArgumentException for a bad name, or a module that contains this one (the traversals of
     *     parameters and state would never end)
     */
    protected <M extends Module> M registerModule(String name, M module) {
        checkName("module", name, children);
        if (module != null && ((Module) module).contains(this)) {
            throw new IllegalArgumentException("cannot register module '" + name + "': it is this module or contains it, and a "
                    + "module cannot be its own submodule");
        }
        children.put(name, module);
        return module;
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

    /** The registered submodules, in order (an absent one maps to null). */
    public Map<String, Module> namedChildren() {
        return Collections.unmodifiableMap(children);
    }

    /** All parameters, this module's first, then each submodule's, in registration order. */
    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** All parameters by dotted name ({@code conv1.weight}). */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true, false);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean withParameters, boolean withBuffers) {
        if (withParameters) {
            parameters.forEach((k, v) -> {
                if (v != null) {
                    out.put(prefix + k, v);
                }
            });
        }
        if (withBuffers) {
            buffers.forEach((k, v) -> {
                if (v != null) {
                    out.put(prefix + k, v);
                }
            });
        }
        children.forEach((k, m) -> {
            if (m != null) {
                m.collect(prefix + k + ".", out, withParameters, withBuffers);
            }
        });
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
     * Converts the floating-point parameters, their gradients and buffers to a floating type in place, as
     * {@code module.to(dtype)} (integer buffers such as counters keep their type); returns this module. Changes
     * nothing when it fails.
     */
    public Module to(DType dtype) {
        Checks.notNull(dtype, "dtype");
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("nn.Module.to only accepts floating point or complex dtypes, but got desired dtype="
                    + dtype.torchName());
        }
        return convert(t -> t.to(dtype), true);
    }

    private Module convert(UnaryOperator<Tensor> fn, boolean floatingOnly) {
        Map<String, Tensor> named = new LinkedHashMap<>();
        collect("", named, true, true);
        List<Tensor> targets = unique(named.values());
        Map<Tensor, Tensor> values = new IdentityHashMap<>();
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        List<Tensor> made = new ArrayList<>();
        try (GradMode off = Ember.noGrad()) {
            // every new value first: reading a closed tensor or reaching a missing device fails here, before any change
            for (Tensor t : targets) {
                if (floatingOnly && !t.dtype().isFloatingPoint()) {
                    continue;
                }
                Tensor handle = t.detach();
                made.add(handle);
                Tensor v = fn.apply(handle);
                made.add(v);
                values.put(t, v);
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
        // then the swap, which cannot fail: every source was read and every value made above
        for (Map.Entry<Tensor, Tensor> e : values.entrySet()) {
            e.getKey().setData(e.getValue()); // in place, so layers holding their tensors keep valid references
        }
        for (Map.Entry<Tensor, Tensor> e : grads.entrySet()) {
            e.getKey().setGrad(e.getValue());
        }
        for (Tensor m : made) {
            if (!grads.containsValue(m)) {
                m.close(); // the parameters hold their new storage; the temporary handles can go
            }
        }
        return this;
    }

    /** Parameters and buffers by dotted name, sharing storage with the module. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true, true);
        out.replaceAll((k, v) -> v.detach());
        return out;
    }

    /** The keys a non-strict {@link #loadStateDict(Map, boolean)} did not match, as PyTorch's {@code _IncompatibleKeys}. */
    public record IncompatibleKeys(List<String> missingKeys, List<String> unexpectedKeys) {
    }

    /**
     * Copies values from a state dict into the parameters and buffers, as PyTorch's strict {@code load_state_dict}:
     * every key must be present, none unexpected, and every value a tensor of the parameter's shape (its type and
     * device are converted). Every entry is checked before anything is copied, so on any problem nothing changes and
     * the error lists them all, in PyTorch's words.
     */
    public void loadStateDict(Map<String, Tensor> state) {
        loadStateDict(state, true);
    }

    /**
     * {@link #loadStateDict(Map)}, where {@code strict} false tolerates missing and unexpected keys and returns them
     * (other problems are errors either way).
     */
    public IncompatibleKeys loadStateDict(Map<String, Tensor> state, boolean strict) {
        if (state == null) {
            throw new IllegalArgumentException("Expected state_dict to be dict-like, got null.");
        }
        Map<String, Tensor> own = new LinkedHashMap<>();
        collect("", own, true, true);
        List<String> errors = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Map<Tensor, Tensor> copies = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            String key = e.getKey();
            Tensor param = e.getValue();
            if (!state.containsKey(key)) {
                missing.add(key);
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
            if (param.dim() == 0 && given.dim() == 1 && given.numel() == 1) {
                given = given.reshape(); // PyTorch's backward compatibility: a one-element vector loads into a scalar
            }
            if (!Arrays.equals(given.shape(), param.shape())) {
                errors.add("size mismatch for " + key + ": copying a param with shape " + Format.size(given.shape())
                        + " from checkpoint, the shape in current model is " + Format.size(param.shape()) + ".");
                continue;
            }
            copies.put(param, given);
        }
        List<String> unexpected = new ArrayList<>();
        for (String key : state.keySet()) {
            if (!own.containsKey(key)) {
                unexpected.add(key);
            }
        }
        if (strict) {
            if (!unexpected.isEmpty()) {
                errors.add(0, "Unexpected key(s) in state_dict: " + quoted(unexpected) + ". ");
            }
            if (!missing.isEmpty()) {
                errors.add(0, "Missing key(s) in state_dict: " + quoted(missing) + ". ");
            }
        }
        if (!errors.isEmpty()) {
            String name = getClass().getSimpleName().isEmpty() ? getClass().getName() : getClass().getSimpleName();
            throw new IllegalArgumentException("Error(s) in loading state_dict for " + name + ":\n\t" + String.join("\n\t", errors));
        }
        try (GradMode off = Ember.noGrad()) {
            for (Map.Entry<Tensor, Tensor> e : copies.entrySet()) {
                e.getKey().copy_(e.getValue());
            }
        }
        return new IncompatibleKeys(List.copyOf(missing), List.copyOf(unexpected));
    }

    private static String quoted(List<String> keys) {
        List<String> q = new ArrayList<>();
        keys.forEach(k -> q.add("\"" + k + "\""));
        return String.join(", ", q);
    }

    /** Same as {@link #forward}. */
    public Tensor apply(Tensor input) {
        return forward(input);
    }
}
