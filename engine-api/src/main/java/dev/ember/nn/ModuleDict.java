package dev.ember.nn;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code torch.nn.ModuleDict}: submodules by name, in insertion order, registered under their keys. The value type
 * {@code M} is the common type of the modules, so that {@code get(key)} returns it without a cast. It has no forward
 * of its own.
 *
 * @param <M> the type of the modules it holds
 */
public class ModuleDict<M extends Module> extends Module {
    private final Map<String, M> items = new LinkedHashMap<>();

    /** An empty dict. */
    public ModuleDict() {
    }

    /** A dict of the given modules, in the map's order. */
    public ModuleDict(Map<String, ? extends M> modules) {
        Checks.notNull(modules, "modules");
        modules.forEach(this::put);
    }

    /**
     * Adds a module under {@code key}, as {@code dict[key] = module}; returns this dict.
     *
     * @throws IllegalArgumentException for a key that is null, empty, dotted or already in use, with PyTorch's messages
     */
    public ModuleDict<M> put(String key, M module) {
        Checks.notNull(module, "module");
        items.put(key, registerModule(key, module));
        return this;
    }

    /**
     * The module under {@code key}.
     *
     * @throws IllegalArgumentException for a key that is not there (Python's KeyError)
     */
    public M get(String key) {
        if (!items.containsKey(key)) {
            throw new IllegalArgumentException("KeyError: '" + key + "'");
        }
        return items.get(key);
    }

    /** Whether a module is registered under {@code key}. */
    public boolean containsKey(String key) {
        return items.containsKey(key);
    }

    /** Removes the module under {@code key}, as {@code del dict[key]} (for the parametrizations); returns it. */
    M remove(String key) {
        unregister(key);
        return items.remove(key);
    }

    /** The keys, in order. */
    public Set<String> keySet() {
        return Collections.unmodifiableSet(items.keySet());
    }

    /** The modules, in order. */
    public List<M> values() {
        return new ArrayList<>(items.values());
    }

    /** The number of modules. */
    public int size() {
        return items.size();
    }

    /** PyTorch's error: a ModuleDict has no forward. */
    @Override
    public Tensor forward(Tensor input) {
        throw new UnsupportedOperationException("Module [ModuleDict] is missing the required \"forward\" function");
    }
}
