package dev.ember.nn;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.nn.Sequential}: its submodules applied in registration order, as PyTorch's forward iterates
 * {@code self._modules}: those of {@link #Sequential(Module...)} named "0", "1", ..., those of
 * {@link #Sequential(Map)} (PyTorch's {@code OrderedDict} form) by their keys, and any registered later by name
 * ({@link #addModule}, or {@code registerModule} in a subclass, as torchvision's {@code _Transition} adds its layers).
 */
public class Sequential extends Module {

    /**
     * A container of the given layers.
     *
     * @throws IllegalArgumentException for a null array or a null layer (which would fail only at the first forward)
     */
    public Sequential(Module... modules) {
        Checks.notNull(modules, "modules");
        for (int i = 0; i < modules.length; i++) {
            if (modules[i] == null) {
                throw new IllegalArgumentException("Sequential: module " + i + " is null");
            }
        }
        for (Module m : modules) {
            registerModule(Integer.toString(size()), m);
        }
    }

    /**
     * {@code nn.Sequential(OrderedDict([("conv0", ...), ("norm0", ...)]))}: the layers under the map's keys, in its
     * iteration order (a {@link java.util.LinkedHashMap} keeps the order written).
     *
     * @throws IllegalArgumentException for a null map, a null layer, or a key that is not a valid module name
     */
    public Sequential(Map<String, ? extends Module> modules) {
        Checks.notNull(modules, "modules");
        for (Map.Entry<String, ? extends Module> e : modules.entrySet()) {
            if (e.getValue() == null) {
                throw new IllegalArgumentException("Sequential: module '" + e.getKey() + "' is null");
            }
        }
        modules.forEach(this::registerModule);
    }

    /**
     * {@code seq.add_module(name, module)}: as {@link Module#addModule}; the forward applies the module in its place
     * (after the layers there are, or in the place of the layer of that name, as PyTorch's
     * {@code _modules[name] = module}).
     */
    @Override
    public void addModule(String name, Module module) {
        super.addModule(name, module);
    }

    /**
     * Calls each layer in turn ({@link Module#apply(Tensor)}: with its hooks), as PyTorch's Sequential iterates its
     * {@code _modules}: every registered submodule in registration order.
     *
     * @throws IllegalStateException for an absent (None) layer, PyTorch's TypeError
     */
    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (Module m : registeredModules().values()) {
            if (m == null) {
                throw new IllegalStateException("'NoneType' object is not callable");
            }
            x = m.apply(x);
        }
        return x;
    }

    /** The layers in order, as {@code list(seq)}. */
    private List<Module> layers() {
        return new ArrayList<>(registeredModules().values());
    }

    /** The layer at {@code index} (negative counts from the end), as {@code seq[i]}. */
    public Module get(int index) {
        List<Module> layers = layers();
        return layers.get(ModuleList.absoluteIndex(index, layers.size()));
    }

    /**
     * The layer at {@code index} as the given class, as {@code seq[i]} where Python needs no cast:
     * {@code Linear fc = seq.get(0, Linear.class)}. A Sequential holds layers of different classes, so it cannot be
     * typed by one as {@link ModuleList} is; a class argument (rather than an unchecked generic return) checks the
     * layer here and names it, where a cast would fail with only the two class names.
     *
     * @throws IndexOutOfBoundsException for an index outside {@code [-size, size)}
     * @throws IllegalArgumentException for a null class, or a layer that is not an instance of it
     */
    public <M extends Module> M get(int index, Class<M> type) {
        Checks.notNull(type, "type");
        Module layer = get(index);
        if (!type.isInstance(layer)) {
            throw new IllegalArgumentException("Sequential: layer " + index + " is a " + layer.getClass().getSimpleName()
                    + ", not a " + type.getSimpleName());
        }
        return type.cast(layer);
    }

    /**
     * The layers from {@code start} to {@code end} (exclusive) as a new Sequential that shares them, as PyTorch's
     * {@code seq[start:end]} (a feature extractor cut from a network: {@code vgg.features[:21]}). The bounds follow
     * Python's slices: a negative one counts from the end, both are clamped to {@code [0, size]}, and an empty range
     * gives an empty Sequential. The layers keep their names ({@code seq.slice(2, 4)} holds "2" and "3"), so the
     * slice's state dict keys are the original's.
     */
    public Sequential slice(int start, int end) {
        return slice(start, end, null); // Python's seq[start:end] is seq[start:end:None]
    }

    /**
     * {@code seq[start:stop:step]}, a slice with a step ({@code seq[::2]}, {@code seq[1::-1]}): a new Sequential that
     * shares the layers taken, in the slice's order, under their names, as PyTorch's
     * {@code self.__class__(OrderedDict(list(self._modules.items())[idx]))} ({@code seq.slice(null, null, -1)} of layers
     * "0", "1", "2" holds "2", "1", "0", and prints and runs them in that order). A null bound or step is Python's None.
     *
     * @throws IllegalArgumentException for a step of 0 ({@code slice step cannot be zero})
     */
    public Sequential slice(Integer start, Integer stop, Integer step) {
        List<Map.Entry<String, Module>> entries = new ArrayList<>(registeredModules().entrySet());
        int[] at = PySlice.positions(start, stop, step, entries.size());
        Sequential out = new Sequential();
        for (int i : at) {
            out.registerModule(entries.get(i).getKey(), entries.get(i).getValue());
        }
        return out;
    }

    /** The number of layers. */
    public int size() {
        return registeredModules().size();
    }

    /** Appends a layer, named by its position; returns this container. */
    public Sequential append(Module module) {
        Checks.notNull(module, "module");
        registerModule(Integer.toString(size()), module);
        return this;
    }

    /**
     * Appends every layer of {@code modules} in order ({@link #append} each), as PyTorch's {@code seq.extend(layers)};
     * returns this container.
     *
     * @throws IllegalArgumentException for a null list, a null layer, or a position's name taken by a parameter or
     *     buffer (PyTorch's {@code attribute '3' already exists}; nothing is appended then, where PyTorch keeps those
     *     before it)
     */
    public Sequential extend(Iterable<? extends Module> modules) {
        appendAllOrNothing(modules, this::append);
        return this;
    }

    /**
     * Inserts {@code module} before position {@code index} (negative counts from the end; {@code size()} appends), as
     * PyTorch 2.x's {@code seq.insert(index, module)}: the layers from there move one name up ("2" becomes "3"), as its
     * {@code self._modules[str(i)] = self._modules[str(i - 1)]} does; returns this container. Like PyTorch's, it
     * assumes the layers are named by position.
     *
     * @throws IllegalArgumentException for a null module (PyTorch's AssertionError)
     * @throws IndexOutOfBoundsException for an index outside {@code [-size, size]} ({@code Index out of range: 5})
     */
    public Sequential insert(int index, Module module) {
        if (module == null) {
            throw new IllegalArgumentException("module should be of type: <class 'torch.nn.modules.module.Module'>");
        }
        int n = size();
        if (index < -n || index > n) {
            throw new IndexOutOfBoundsException("Index out of range: " + index);
        }
        int at = index < 0 ? index + n : index;
        Map<String, Module> named = registeredModules();
        for (int i = n; i > at; i--) {
            String from = Integer.toString(i - 1);
            if (!named.containsKey(from)) {
                throw new IllegalArgumentException("KeyError: '" + from + "'");
            }
        }
        for (int i = n; i > at; i--) {
            putChild(Integer.toString(i), named.get(Integer.toString(i - 1)));
        }
        putChild(Integer.toString(at), module);
        return this;
    }

    /**
     * Replaces the layer at {@code index} (negative counts from the end), as PyTorch's {@code seq[index] = module}
     * ({@code setattr} under that layer's name, which keeps its place).
     *
     * @throws IndexOutOfBoundsException for an index outside {@code [-size, size)} ({@code index 5 is out of range})
     */
    public void set(int index, Module module) {
        List<String> names = new ArrayList<>(registeredModules().keySet());
        putSubmodule(names.get(ModuleList.absoluteIndex(index, names.size())), module, true); // setattr: a None entry too
    }

    /**
     * Removes the layer at {@code index} (negative counts from the end), as PyTorch 2.x's {@code del seq[index]}: the
     * layers after it are renamed by position ("0", "1", ..., every layer, as its {@code __delitem__} rebuilds
     * {@code _modules}).
     *
     * @throws IndexOutOfBoundsException for an index outside {@code [-size, size)} ({@code index 5 is out of range})
     */
    public void remove(int index) {
        List<String> names = new ArrayList<>(registeredModules().keySet());
        delattr(names.get(ModuleList.absoluteIndex(index, names.size())));
        renumberChildren();
    }

    /**
     * Removes the layer at {@code index} and returns it, as PyTorch's {@code seq.pop(index)} ({@link #get(int)} then
     * {@link #remove(int)}).
     *
     * @throws IndexOutOfBoundsException for an index outside {@code [-size, size)} ({@code index 5 is out of range})
     */
    public Module pop(int index) {
        Module m = get(index);
        remove(index);
        return m;
    }
}
