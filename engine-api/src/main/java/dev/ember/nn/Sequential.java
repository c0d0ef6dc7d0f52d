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

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (Module m : layers) {
            x = m.forward(x);
        }
        return x;
    }
}
