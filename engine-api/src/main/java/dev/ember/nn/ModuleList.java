package dev.ember.nn;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * {@code torch.nn.ModuleList}: submodules in a list, registered as {@code "0"}, {@code "1"}, ... so that their parameters
 * and state belong to the module that holds the list. The element type {@code M} is the common type of the modules, so
 * that {@code layers.get(i)} returns it without a cast (a {@code ModuleList<Block>} of blocks with a typed
 * {@code forward}). It has no forward of its own: the module holding it calls its elements.
 *
 * @param <M> the type of the modules it holds
 */
public class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> items = new ArrayList<>();

    /** An empty list. */
    public ModuleList() {
    }

    /** A list of the given modules. */
    @SafeVarargs
    public ModuleList(M... modules) {
        Checks.notNull(modules, "modules");
        for (M m : modules) {
            add(m);
        }
    }

    /** A list of the given modules. */
    public ModuleList(Iterable<? extends M> modules) {
        Checks.notNull(modules, "modules");
        for (M m : modules) {
            add(m);
        }
    }

    /** Python's index rule: {@code -size <= index < size}, negative from the end; else PyTorch's IndexError. */
    static int absoluteIndex(int index, int size) {
        if (index < -size || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " is out of range");
        }
        return index < 0 ? index + size : index;
    }

    /** Appends a module (named by its position); returns this list, as {@code append}. */
    public ModuleList<M> add(M module) {
        Checks.notNull(module, "module");
        items.add(registerModule(Integer.toString(items.size()), module));
        return this;
    }

    /** Appends every module of {@code modules}, as {@code extend}; returns this list. */
    public ModuleList<M> addAll(Iterable<? extends M> modules) {
        Checks.notNull(modules, "modules");
        List<M> copy = new ArrayList<>();
        modules.forEach(copy::add);
        for (M m : copy) {
            add(m);
        }
        return this;
    }

    /** The module at {@code index} (negative counts from the end), as {@code list[i]}. */
    public M get(int index) {
        return items.get(absoluteIndex(index, items.size()));
    }

    /** The number of modules. */
    public int size() {
        return items.size();
    }

    /** Whether the list is empty. */
    public boolean isEmpty() {
        return items.isEmpty();
    }

    @Override
    public Iterator<M> iterator() {
        return Collections.unmodifiableList(items).iterator();
    }

    /** PyTorch's error: a ModuleList has no forward. */
    @Override
    public Tensor forward(Tensor input) {
        throw new UnsupportedOperationException("Module [ModuleList] is missing the required \"forward\" function");
    }

    /**
     * PyTorch 2.x's {@code ModuleList.__repr__}: consecutive modules that print alike are shown once, as
     * {@code (0-2): 3 x Linear(...)}. The modules registered are printed: one that {@link #setSubmodule} or a
     * registration hook ({@link ModuleRegistrationHooks}) put in an element's place, as PyTorch's list holds it.
     */
    @Override
    public String toString() {
        if (items.isEmpty()) {
            return moduleName() + "()";
        }
        List<String> reprs = new ArrayList<>();
        for (Module m : registeredModules().values()) {
            reprs.add(m == null ? "None" : m.toString());
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= reprs.size(); i++) {
            if (i < reprs.size() && reprs.get(i).equals(reprs.get(start))) {
                continue;
            }
            int end = i - 1;
            String local = start == end ? "(" + start + "): " + reprs.get(start)
                    : "(" + start + "-" + end + "): " + (end - start + 1) + " x " + reprs.get(start);
            lines.add(addIndent(local, 2));
            start = i;
        }
        return moduleName() + "(\n  " + String.join("\n  ", lines) + "\n)";
    }
}
