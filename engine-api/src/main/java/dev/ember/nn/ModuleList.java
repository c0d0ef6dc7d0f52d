package dev.ember.nn;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.nn.ModuleList}: submodules in a list, registered as {@code "0"}, {@code "1"}, ... so that their parameters
 * and state belong to the module that holds the list. The element type {@code M} is the common type of the modules, so
 * that {@code layers.get(i)} returns it without a cast (a {@code ModuleList<Block>} of blocks with a typed
 * {@code forward}). It has no forward of its own: the module holding it calls its elements.
 *
 * @param <M> the type of the modules it holds
 */
public class ModuleList<M extends Module> extends Module implements Iterable<M> {

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

    /**
     * The registered modules in order, as PyTorch's list is its {@code _modules}: one that {@link #setSubmodule},
     * {@link #addModule}, {@link #delattr} or a registration hook put or removed is seen here.
     */
    @SuppressWarnings("unchecked") // every module registered here is an M, as PyTorch's list holds what it is given
    private List<M> items() {
        List<M> out = new ArrayList<>();
        for (Module m : registeredModules().values()) {
            out.add((M) m);
        }
        return out;
    }

    /** Appends a module (named by its position); returns this list, as {@code append}. */
    public ModuleList<M> add(M module) {
        Checks.notNull(module, "module");
        registerModule(Integer.toString(size()), module);
        return this;
    }

    /**
     * Appends every module of {@code modules}, as {@code extend}; returns this list.
     *
     * @throws IllegalArgumentException for a null list or module, or a position's name taken by a parameter or buffer
     *     (PyTorch's {@code attribute '3' already exists}; nothing is appended then, where PyTorch keeps those before it)
     */
    public ModuleList<M> addAll(Iterable<? extends M> modules) {
        appendAllOrNothing(modules, this::add);
        return this;
    }

    /**
     * The module at {@code index} (negative counts from the end), as {@code list[i]}: PyTorch's
     * {@code self._modules[str(i)]}.
     *
     * @throws IndexOutOfBoundsException for an index outside {@code [-size, size)} ({@code index 5 is out of range})
     * @throws IllegalArgumentException where no module is registered under that position's name (PyTorch's KeyError,
     *     after an entry was removed by name)
     */
    @SuppressWarnings("unchecked") // every module registered here is an M
    public M get(int index) {
        String key = Integer.toString(absoluteIndex(index, size()));
        Map<String, Module> named = registeredModules();
        if (!named.containsKey(key)) {
            throw new IllegalArgumentException("KeyError: '" + key + "'");
        }
        return (M) named.get(key);
    }

    /**
     * Replaces the module at {@code index} (negative counts from the end), as PyTorch's {@code list[i] = module}
     * ({@code setattr(self, str(i), module)}).
     *
     * @throws IndexOutOfBoundsException for an index outside {@code [-size, size)} ({@code index 5 is out of range})
     */
    public void set(int index, M module) {
        putSubmodule(Integer.toString(absoluteIndex(index, size())), module, true); // setattr: a None entry too
    }

    /**
     * Inserts {@code module} before position {@code index}, as PyTorch's {@code list.insert(index, module)}: the
     * modules from there move one name up ({@code _modules[str(i)] = _modules[str(i - 1)]} for {@code i} from
     * {@code len} down to {@code index + 1}, then {@code _modules[str(index)] = module}); an index at or past the end
     * appends under that index's name, as PyTorch's does. PyTorch does not normalize a negative index: its moves read
     * the entry "-1", a {@code KeyError: '-1'} (unless a module was registered under that name).
     *
     * @throws IllegalArgumentException for a null module, or an entry the moves read that is not there (PyTorch's
     *     {@code KeyError}, a negative index's '-1' included; PyTorch has moved the entries above it by then, Ember
     *     refuses before it moves any)
     */
    public void insert(int index, M module) {
        Checks.notNull(module, "module");
        int n = size();
        Map<String, Module> named = registeredModules();
        for (int i = n; i > index; i--) {
            if (!named.containsKey(Integer.toString(i - 1))) {
                throw new IllegalArgumentException("KeyError: '" + (i - 1) + "'");
            }
        }
        for (int i = n; i > index; i--) {
            putChild(Integer.toString(i), named.get(Integer.toString(i - 1)));
        }
        putChild(Integer.toString(index), module);
    }

    /**
     * Removes the module at {@code index} (negative counts from the end), as PyTorch's {@code del list[i]}: the
     * modules are then renamed by position.
     *
     * @throws IndexOutOfBoundsException for an index outside {@code [-size, size)} ({@code index 5 is out of range})
     */
    public void remove(int index) {
        String key = Integer.toString(absoluteIndex(index, size()));
        delattr(key);
        renumberChildren();
    }

    /**
     * Removes the module at {@code index} and returns it, as PyTorch's {@code list.pop(i)}.
     *
     * @throws IndexOutOfBoundsException for an index outside {@code [-size, size)} ({@code index 5 is out of range})
     */
    public M pop(int index) {
        M m = get(index);
        remove(index);
        return m;
    }

    /**
     * The modules from {@code start} to {@code end} (exclusive) as a new list that shares them, renamed from "0", as
     * PyTorch's {@code list[start:end]}; the bounds follow Python's slices (negative from the end, clamped).
     */
    public ModuleList<M> slice(int start, int end) {
        return slice(start, end, null); // Python's list[start:end] is list[start:end:None]
    }

    /**
     * {@code list[start:stop:step]}, a slice with a step ({@code list[::2]}, {@code list[1::-1]}): a new list that
     * shares the modules taken, in the slice's order, renamed from "0", as PyTorch's
     * {@code self.__class__(list(self._modules.values())[idx])}. A null bound or step is Python's None.
     *
     * @throws IllegalArgumentException for a step of 0 ({@code slice step cannot be zero})
     */
    public ModuleList<M> slice(Integer start, Integer stop, Integer step) {
        List<M> items = items();
        ModuleList<M> out = new ModuleList<>();
        int k = 0;
        for (int i : PySlice.positions(start, stop, step, items.size())) {
            out.registerModule(Integer.toString(k++), items.get(i));
        }
        return out;
    }

    /** The number of modules. */
    public int size() {
        return registeredModules().size();
    }

    /** Whether the list is empty. */
    public boolean isEmpty() {
        return size() == 0;
    }

    @Override
    public Iterator<M> iterator() {
        return Collections.unmodifiableList(items()).iterator();
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
        if (isEmpty()) {
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
