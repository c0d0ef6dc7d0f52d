package dev.ember.ao.nn.intrinsic;

import dev.ember.Tensor;
import dev.ember.nn.Module;
import dev.ember.nn.Sequential;

/**
 * {@code torch.ao.nn.intrinsic._FusedModule}: a sequence of float modules that quantization treats as one (observed at
 * its output only, swapped as a whole), made by {@link dev.ember.ao.quantization.Quantization#fuseModules}.
 */
public abstract class FusedModule extends Sequential {
    /**
     * The modules, in order.
     *
     * @param modules the modules
     */
    protected FusedModule(Module... modules) {
        super(modules);
    }

    /**
     * The modules in order, each computing itself even where the fusion replaced it by the fused module or an Identity
     * in the model (so a model's forward that calls the old modules from its fields runs the fused module once).
     */
    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (int i = 0; i < size(); i++) {
            x = applyDirectly(get(i), x);
        }
        return x;
    }

    /** True: the fused module runs its modules directly. */
    @Override
    protected boolean runsChildrenDirectly() {
        return true;
    }
}
