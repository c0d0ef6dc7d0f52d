package dev.ember.nn;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.List;

/** {@code torch.nn.Sequential}: submodules named "0", "1", ... applied in order. */
public final class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

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
            layers.add(registerModule(Integer.toString(layers.size()), m));
        }
    }

    /** Calls each layer in turn ({@link Module#apply(Tensor)}: with its hooks), as PyTorch's Sequential. */
    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (Module m : layers) {
            x = m.apply(x);
        }
        return x;
    }

    /** The layer at {@code index} (negative counts from the end), as {@code seq[i]}. */
    public Module get(int index) {
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

    /** The number of layers. */
    public int size() {
        return layers.size();
    }

    /** Appends a layer, named by its position; returns this container. */
    public Sequential append(Module module) {
        Checks.notNull(module, "module");
        layers.add(registerModule(Integer.toString(layers.size()), module));
        return this;
    }
}
