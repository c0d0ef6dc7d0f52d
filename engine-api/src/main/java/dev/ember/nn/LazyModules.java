package dev.ember.nn;

import dev.ember.Format;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** What the lazy modules share: PyTorch's construction warning, the first forward's renaming, and the load checks. */
final class LazyModules {
    private LazyModules() {
    }

    private static volatile boolean warned;

    /** Selects a layer's package-private lazy constructor. */
    enum Marker {
        LAZY
    }

    /** PyTorch's {@code LazyModuleMixin.__init__} warning, once per JVM (Python warns once per call site). */
    static void warn() {
        if (!warned) {
            warned = true;
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
     * Checks the shapes a state gives a lazy module's uninitialized tensors: each must be {@code pattern}'s shape, where
     * -1 marks the size the module infers, and every tensor must give that size alike.
     */
    static void checkState(Module m, String prefix, Map<String, Tensor> state, Map<String, int[]> patterns,
                           List<String> errors) {
        Map<String, Tensor> own = m.namedParameters(false);
        own.putAll(m.namedBuffers());
        int inferred = -1;
        for (Map.Entry<String, int[]> e : patterns.entrySet()) {
            Tensor mine = own.get(e.getKey());
            Tensor given = state.get(prefix + e.getKey());
            if (mine == null || !mine.isUninitialized() || given == null || given.isClosed() || given.isUninitialized()) {
                continue;
            }
            int[] pattern = e.getValue();
            int[] shape = given.shape();
            boolean fits = shape.length == pattern.length;
            for (int d = 0; fits && d < pattern.length; d++) {
                if (pattern[d] == -1) {
                    fits = inferred == -1 || shape[d] == inferred;
                    inferred = shape[d];
                } else {
                    fits = shape[d] == pattern[d];
                }
            }
            if (!fits) {
                errors.add("size mismatch for " + prefix + e.getKey() + ": copying a param with shape " + Format.size(shape)
                        + " from checkpoint into the uninitialized " + m.moduleName() + ", which takes shape "
                        + Arrays.toString(pattern).replace("-1", "*") + " (* the size it infers, alike in every tensor).");
            }
        }
    }
}
