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
