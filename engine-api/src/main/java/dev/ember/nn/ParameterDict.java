package dev.ember.nn;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@code torch.nn.ParameterDict}: parameters by name, in insertion order, each registered under its key (so the module
 * walks, optimizers and the state dict see them as {@code params.key}); a tensor put in becomes a parameter (a
 * floating-point leaf that requires grad), as PyTorch's. It has no forward of its own.
 *
 * <p>Order: a {@link LinkedHashMap}, a {@link SortedMap} or another ParameterDict keeps its order (PyTorch's
 * {@code OrderedDict}); any other map (a {@code HashMap}, {@code Map.of}) has no order of its own and is added in
 * sorted key order, as PyTorch adds a plain {@code dict}. Replacing the tensor of an existing key keeps the key's
 * place.
 */
public class ParameterDict extends Module {
    /** PyTorch's {@code _keys}: the entries' names in order; their values are read by name ({@code getattr}). */
    private final Set<String> keys = new LinkedHashSet<>();

    /** An empty dict. */
    public ParameterDict() {
    }

    /** A dict of the given tensors, each made a parameter, in the order {@link #update(Map)} gives. */
    public ParameterDict(Map<String, Tensor> parameters) {
        update(parameters);
    }

    /**
     * Puts {@code parameter} under {@code key}, as {@code dict[key] = parameter}: a new key goes last, an existing one
     * keeps its place; returns this dict.
     *
     * @throws IllegalArgumentException for a null, empty or dotted key, a key taken by something other than a
     *     parameter, or a tensor that is not a floating-point leaf, with PyTorch's messages; nothing changes then
     */
    public ParameterDict put(String key, Tensor parameter) {
        Checks.notNull(key, "key");
        Checks.notNull(parameter, "parameter");
        setParameter(key, parameter);
        keys.add(key);
        return this;
    }

    /**
     * Adds every entry of {@code parameters}, replacing existing keys, as {@code dict.update(parameters)}: in the map's
     * order for an ordered map, in sorted key order for another (PyTorch's plain {@code dict}).
     */
    public ParameterDict update(Map<String, Tensor> parameters) {
        Checks.notNull(parameters, "parameters");
        boolean ordered = parameters instanceof LinkedHashMap || parameters instanceof SortedMap;
        Map<String, Tensor> in = ordered ? parameters : new TreeMap<>(parameters);
        in.forEach(this::put);
        return this;
    }

    /** {@link #update(Map)} with another dict's entries, in its order. */
    public ParameterDict update(ParameterDict other) {
        Checks.notNull(other, "other");
        other.items().forEach(this::put);
        return this;
    }

    /**
     * The parameter under {@code key}, as {@code dict[key]}.
     *
     * @throws IllegalArgumentException for a key that is not there, with PyTorch's message
     *     ({@code 'ParameterDict' object has no attribute 'x'})
     */
    public Tensor get(String key) {
        Checks.notNull(key, "key");
        return tensorAttribute(key);
    }

    /** The parameter under {@code key}, or {@code fallback} when there is none, as {@code dict.get(key, default)}. */
    public Tensor get(String key, Tensor fallback) {
        return keys.contains(key) ? get(key) : fallback;
    }

    /**
     * Removes the parameter under {@code key} and returns it, as {@code dict.pop(key)}.
     *
     * @throws IllegalArgumentException for a key that is not there
     */
    public Tensor pop(String key) {
        Tensor value = get(key);
        remove(key);
        return value;
    }

    /**
     * Removes the entry {@code key}, as PyTorch's {@code del dict[key]}: the key, and the parameter (or tensor)
     * registered under it.
     *
     * @throws IllegalArgumentException for a key that is not there (PyTorch's KeyError), or one whose tensor was
     *     removed by name since ({@code 'ParameterDict' object has no attribute 'k'}; nothing changes then, where
     *     PyTorch has dropped the key before it raises)
     */
    public void remove(String key) {
        if (!keys.contains(key)) { // PyTorch's del self._keys[key]
            throw new IllegalArgumentException("KeyError: '" + key + "'");
        }
        tensorAttribute(key); // PyTorch's delattr(self, key) of a name that is no longer registered
        keys.remove(key);
        if (registeredAsParameter(key) != null) {
            delattr(key);
        } else {
            removePlainAttribute(key);
        }
    }

    /**
     * Removes every parameter, as {@code dict.clear()} ({@link #remove} of each key in order).
     *
     * @throws IllegalArgumentException where a key's tensor was removed by name since; nothing changes then (PyTorch's
     *     loop has removed the entries before it)
     */
    public void clear() {
        for (String key : keys) {
            tensorAttribute(key);
        }
        for (String key : new ArrayList<>(keys)) {
            remove(key);
        }
    }

    /** Whether a parameter is registered under {@code key}, as {@code key in dict}. */
    public boolean containsKey(String key) {
        return keys.contains(key);
    }

    /** The keys, in order. */
    public Set<String> keySet() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(keys));
    }

    /** The parameters, in order. */
    public List<Tensor> values() {
        return new ArrayList<>(items().values());
    }

    /** The entries, in order (an unmodifiable view). */
    public Map<String, Tensor> items() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String k : keys) {
            out.put(k, get(k));
        }
        return Collections.unmodifiableMap(out);
    }

    /** The number of parameters, as {@code len(dict)}. */
    public int size() {
        return keys.size();
    }

    /** PyTorch's error: a ParameterDict is not called. */
    @Override
    public Tensor forward(Tensor input) {
        throw new UnsupportedOperationException("ParameterDict should not be called.");
    }

    /**
     * PyTorch's lines: {@code (key): Parameter containing: [torch.FloatTensor of size 3x4]} ({@code torch.typename}, and
     * the device when not the CPU).
     */
    @Override
    public String extraRepr() {
        List<String> lines = new ArrayList<>();
        items().forEach((k, p) -> {
            if (p == null) { // a parameter registered as None: 2.x's "Object of type" line
                lines.add("  (" + k + "): Object of type: NoneType");
                return;
            }
            StringBuilder size = new StringBuilder();
            for (int i = 0; i < p.dim(); i++) {
                size.append(i > 0 ? "x" : "").append(p.size(i));
            }
            // 2.x's extra_repr names the device of a CUDA (or privateuse1) tensor only: not the CPU's, not meta's
            String device = p.device().type().equals("cuda") ? " (" + p.device() + ")" : "";
            lines.add("  (" + k + "): " + (p.isParameter() ? "Parameter" : "Tensor") + " containing: [" + p.type() + " of size " + size + device + "]");
        });
        return String.join("\n", lines);
    }
}
