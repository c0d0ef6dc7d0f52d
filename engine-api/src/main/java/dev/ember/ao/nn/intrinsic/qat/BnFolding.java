package dev.ember.ao.nn.intrinsic.qat;

import dev.ember.Tensor;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;

import java.util.LinkedHashMap;
import java.util.Map;

/** What the QAT layers with a batch norm ({@link ConvBn2d}, {@link LinearBn1d}) share, as PyTorch's do. */
final class BnFolding {
    private BnFolding() {
    }

    /** The batch norm's scale factor, {@code bn.weight / sqrt(bn.running_var + bn.eps)}. */
    static Tensor scaleFactor(Module bn, Tensor runningVar) {
        return ModuleInternals.getAttr(bn, "weight").div(runningVar.add(ModuleInternals.normEps(bn)).sqrt());
    }

    /**
     * {@code train(mode)} of a layer whose batch norm's statistics are frozen: the layer's own mode set by
     * {@code superTrain} ({@code Module.train}), every submodule's mode restored after it (a frozen batch norm stays in
     * eval mode, as PyTorch's override leaves it).
     */
    static Module trainKeepingModes(Module self, Runnable superTrain) {
        Map<Module, Boolean> modes = new LinkedHashMap<>();
        self.namedModules().values().forEach(m -> modes.putIfAbsent(m, m.isTraining()));
        modes.remove(self);
        superTrain.run();
        modes.forEach(Module::train); // in order: each restored after its parent
        return self;
    }
}
