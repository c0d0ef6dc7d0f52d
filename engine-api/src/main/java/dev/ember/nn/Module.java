package dev.ember.nn;

import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.TensorScope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Base class of layers and models, as {@code torch.nn.Module}: parameters, buffers and submodules
 * registered by name, training mode, device moves and state dicts.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Computes the module's output. */
    public abstract Tensor forward(Tensor input);

    /** Registers a parameter (a leaf that requires grad) under a name; returns it. */
    protected Tensor registerParameter(String name, Tensor value) {
        if (value != null) {
            value.asParameter();
            TensorScope.escape(value); // a module's state outlives any scope it was built in
        }
        parameters.put(name, value);
        return value;
    }

    /** Registers a buffer (state saved in the state dict but not trained, like running statistics). */
    protected Tensor registerBuffer(String name, Tensor value) {
        if (value != null) {
            TensorScope.escape(value);
        }
        buffers.put(name, value);
        return value;
    }

    /** Replaces a registered buffer's value. */
    protected void setBuffer(String name, Tensor value) {
        if (!buffers.containsKey(name)) {
            throw new IllegalArgumentException("no buffer named " + name);
        }
        if (value != null) {
            TensorScope.escape(value);
        }
        buffers.put(name, value);
    }

    /** Registers a submodule under a name; returns it. */
    protected <M extends Module> M registerModule(String name, M module) {
        children.put(name, module);
        return module;
    }

    /** The registered submodules, in order. */
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
        collect("", out, false);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, boolean withBuffers) {
        parameters.forEach((k, v) -> {
            if (v != null) {
                out.put(prefix + k, v);
            }
        });
        if (withBuffers) {
            buffers.forEach((k, v) -> {
                if (v != null) {
                    out.put(prefix + k, v);
                }
            });
        }
        children.forEach((k, m) -> m.collect(prefix + k + ".", out, withBuffers));
    }

    /**
     * Clears every parameter's gradient (sets it to null, as PyTorch 2's default {@code set_to_none=True}) and closes
     * the gradients autograd made, as {@link dev.ember.optim.Optimizer#zeroGrad()} does.
     */
    public void zeroGrad() {
        for (Tensor p : parameters()) {
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
        children.values().forEach(m -> m.train(mode));
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

    /** Moves parameters and buffers to a device in place (parameters keep their identity); returns this module. */
    public Module to(Device device) {
        try (GradMode off = Ember.noGrad()) {
            for (Tensor p : parameters()) {
                p.setData(p.detach().to(device));
                if (p.grad() != null) {
                    p.setGrad(p.grad().to(device));
                }
            }
        }
        moveBuffers(device);
        return this;
    }

    private void moveBuffers(Device device) {
        for (Tensor b : buffers.values()) {
            if (b != null) {
                b.setData(b.to(device)); // in place, so layers holding their buffers keep valid references
            }
        }
        children.values().forEach(m -> m.moveBuffers(device));
    }

    /** Parameters and buffers by dotted name, sharing storage with the module. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, true);
        out.replaceAll((k, v) -> v.detach());
        return out;
    }

    /**
     * Copies values from a state dict into the parameters and buffers. Every key must be present and match
     * in shape; on any mismatch nothing is changed and the error lists the problems, as PyTorch's strict load.
     */
    public void loadStateDict(Map<String, Tensor> state) {
        Map<String, Tensor> own = new LinkedHashMap<>();
        collect("", own, true);
        List<String> problems = new ArrayList<>();
        Set<String> missing = new TreeSet<>(own.keySet());
        missing.removeAll(state.keySet());
        Set<String> unexpected = new TreeSet<>(state.keySet());
        unexpected.removeAll(own.keySet());
        if (!missing.isEmpty()) {
            problems.add("Missing key(s) in state_dict: " + quoted(missing) + ".");
        }
        if (!unexpected.isEmpty()) {
            problems.add("Unexpected key(s) in state_dict: " + quoted(unexpected) + ".");
        }
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor given = state.get(e.getKey());
            if (given != null && !Arrays.equals(given.shape(), e.getValue().shape())) {
                problems.add("size mismatch for " + e.getKey() + ": copying a param with shape " + size(given.shape())
                        + " from checkpoint, the shape in current model is " + size(e.getValue().shape()) + ".");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Error(s) in loading state_dict for " + getClass().getSimpleName() + ":\n\t"
                    + String.join("\n\t", problems));
        }
        try (GradMode off = Ember.noGrad()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                e.getValue().copy_(state.get(e.getKey()));
            }
        }
    }

    private static String quoted(Set<String> keys) {
        List<String> q = new ArrayList<>();
        keys.forEach(k -> q.add("\"" + k + "\""));
        return String.join(", ", q);
    }

    private static String size(int[] shape) {
        return "torch.Size(" + Arrays.toString(shape) + ")";
    }

    /** Same as {@link #forward}. */
    public Tensor apply(Tensor input) {
        return forward(input);
    }
}
