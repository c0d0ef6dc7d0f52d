package dev.ember.nn;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
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

    /** An empty dict. */
    public ModuleDict() {
    }

    /** A dict of the given modules, in the map's order. */
    public ModuleDict(Map<String, ? extends M> modules) {
        Checks.notNull(modules, "modules");
        modules.forEach(this::put);
    }

    /**
     * Adds a module under {@code key}, as {@code dict[key] = module} ({@code add_module}: a key in use keeps its place);
     * returns this dict.
     *
     * @throws IllegalArgumentException for a key that is null, empty, dotted or already in use, with PyTorch's messages
     */
    public ModuleDict<M> put(String key, M module) {
        Checks.notNull(module, "module");
        registerModule(key, module);
        return this;
    }

    /**
     * Adds every entry of {@code modules} in the map's order ({@link #put} each), as PyTorch's {@code dict.update}:
     * a key in use keeps its place; returns this dict.
     *
     * @throws IllegalArgumentException for a null map, or as {@link #put} (the entries before the bad one are added, as
     *     PyTorch's loop adds them)
     */
    public ModuleDict<M> update(Map<String, ? extends M> modules) {
        Checks.notNull(modules, "modules");
        modules.forEach(this::put);
        return this;
    }

    /**
     * The module under {@code key}, as PyTorch's {@code self._modules[key]}: one registered by any means
     * ({@link #addModule}, {@link #setSubmodule}) is seen.
     *
     * @throws IllegalArgumentException for a key that is not there (Python's KeyError)
     */
    @SuppressWarnings("unchecked") // every module registered here is an M
    public M get(String key) {
        Map<String, Module> named = registeredModules();
        if (!named.containsKey(key)) {
            throw new IllegalArgumentException("KeyError: '" + key + "'");
        }
        return (M) named.get(key);
    }

    /** Whether a module is registered under {@code key}. */
    public boolean containsKey(String key) {
        return registeredModules().containsKey(key);
    }

    /**
     * Removes the module under {@code key}, as PyTorch's {@code del dict[key]}; returns it.
     *
     * @throws IllegalArgumentException for a key that is not there (Python's KeyError)
     */
    public M remove(String key) {
        M m = get(key);
        delattr(key);
        return m;
    }

    /**
     * Removes the module under {@code key} and returns it, as PyTorch's {@code dict.pop(key)}.
     *
     * @throws IllegalArgumentException for a key that is not there (Python's KeyError)
     */
    public M pop(String key) {
        return remove(key);
    }

    /** Removes every module, as PyTorch's {@code dict.clear()}. */
    public void clear() {
        clearChildren();
    }

    /** The keys, in order. */
    public Set<String> keySet() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(registeredModules().keySet()));
    }

    /** The modules, in order. */
    @SuppressWarnings("unchecked") // every module registered here is an M
    public List<M> values() {
        List<M> out = new ArrayList<>();
        for (Module m : registeredModules().values()) {
            out.add((M) m);
        }
        return out;
    }

    /** The number of modules. */
    public int size() {
        return registeredModules().size();
    }

    /** PyTorch's error: a ModuleDict has no forward. */
    @Override
    public Tensor forward(Tensor input) {
        throw new UnsupportedOperationException("Module [ModuleDict] is missing the required \"forward\" function");
    }
}
