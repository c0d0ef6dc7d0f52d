package dev.ember.nn;

import dev.ember.Tensor;


/** What the lazy modules share: PyTorch's construction warning, and the first forward's renaming. */
final class LazyModules {
    private LazyModules() {
    }

    /** Once a process, however threads race: {@code compareAndSet} lets one caller log. */
    private static final java.util.concurrent.atomic.AtomicBoolean WARNED =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** Selects a layer's package-private lazy constructor. */
    enum Marker {
        LAZY
    }

    /** PyTorch's {@code LazyModuleMixin.__init__} warning, once per JVM (Python warns once per call site). */
    static void warn() {
        if (WARNED.compareAndSet(false, true)) {
            System.getLogger("dev.ember").log(System.Logger.Level.WARNING, "Lazy modules are a new feature under heavy "
                    + "development so changes to the API or functionality can happen at any moment.");
        }
    }

    /** {@link LazyModule#initializeParameters}: the layer family's inference. */
    static void initialize(LazyModule m, Tensor input) {
        if (m instanceof Linear linear) {
            linear.initializeLazy(input);
        } else if (m instanceof ConvNd conv) {
            conv.initializeLazy(input);
        } else {
            ((NormBase) m).initializeLazy(input);
        }
    }

    /**
     * PyTorch's {@code _infer_parameters} after {@code initialize_parameters}: every tensor must now be initialized, and
     * the module is the ordinary one from then on ({@code module.__class__ = cls_to_become}: its printed name).
     */
    static void becomeOrdinary(LazyModule m) {
        Module module = (Module) m;
        if (m.hasUninitializedParams()) {
            throw new IllegalStateException("module " + module.moduleName() + " has not been fully initialized");
        }
        module.lazyPending = false;
    }

    /**
     * PyTorch's {@code initialize_parameters} of a module a state dict initialized in part (a {@code strict=False} load
     * that gave some of its tensors): the bare {@code assert isinstance(self.weight, UninitializedParameter)} of the
     * convolutions and norms, refused here before anything changes (PyTorch has set {@code in_channels} or
     * {@code num_features} by then, and may have materialized the weight).
     */
    static IllegalStateException loadedInPart(Module m, String name) {
        return new IllegalStateException(m.moduleName() + ".initialize_parameters(): its " + name + " is already "
                + "initialized (a state dict loaded it) while other tensors are not; PyTorch asserts it is an "
                + "UninitializedParameter");
    }
}
