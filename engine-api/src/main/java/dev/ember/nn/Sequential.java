package dev.ember.nn;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.List;

/** {@code torch.nn.Sequential}: submodules named "0", "1", ... applied in order. */
public final class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

    /** A container of the given layers. */
    public Sequential(Module... modules) {
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
