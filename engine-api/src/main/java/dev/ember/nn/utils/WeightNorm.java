package dev.ember.nn.utils;

import dev.ember.Ember;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code torch.nn.utils.weight_norm} and {@code remove_weight_norm}, the hook-based weight normalization that PyTorch
 * 2.x still ships (deprecated since 2.1 in favour of {@link Parametrizations#weightNorm}) and that much published code
 * uses (HiFi-GAN, WaveNet and TCN implementations, wav2vec2's positional convolution): the parameter {@code name} is
 * replaced by {@code name_g} (its norm over every dimension but {@code dim}) and {@code name_v} (its direction), and
 * a forward pre-hook recomputes {@code name = _weight_norm(v, g, dim)} (one node WeightNormInterfaceBackward0) before
 * every forward, as PyTorch's {@code WeightNorm} hook does. {@code remove_weight_norm} folds it back into one parameter
 * (for inference). State dicts hold {@code name_g} and {@code name_v}, as PyTorch's checkpoints of such models do.
 */
public final class WeightNorm {
    private static final System.Logger LOG = System.getLogger("dev.ember.nn.utils.WeightNorm");
    static final AtomicBoolean WARNED = new AtomicBoolean();

    /** PyTorch 2.x's FutureWarning, shown once (Python's default filter: once per call site). */
    static final String DEPRECATED = "`torch.nn.utils.weight_norm` is deprecated in favor of "
            + "`torch.nn.utils.parametrizations.weight_norm`.";

    private WeightNorm() {
    }

    /** PyTorch's {@code WeightNorm} forward pre-hook on one parameter name. */
    static final class Hook implements Module.ForwardPreHook {
        final String name;
        final int dim;

        Hook(String name, int dim) {
            this.name = name;
            this.dim = dim;
        }

        Tensor computeWeight(Module module) {
            Tensor g = ModuleInternals.getAttr(module, name + "_g");
            Tensor v = ModuleInternals.getAttr(module, name + "_v");
            return Tensor.weightNorm(v, g, dim);
        }

        @Override
        public List<Tensor> apply(Module module, List<Tensor> inputs) {
            ModuleInternals.setPlainAttribute(module, name, computeWeight(module));
            return null;
        }
    }

    /** {@code weight_norm(module)}: the parameter {@code "weight"} over dim 0, PyTorch's defaults. */
    public static <M extends Module> M weightNorm(M module) {
        return weightNorm(module, "weight", 0);
    }

    /**
     * {@code torch.nn.utils.weight_norm(module, name, dim)}: {@code name} becomes {@code name_g * name_v / ||name_v||},
     * the norm over every dimension but {@code dim} (null, PyTorch's None: over the whole tensor), recomputed before
     * each forward; {@code name_g} and {@code name_v} are the module's parameters in its place. Logs PyTorch 2.x's
     * deprecation once. Everything is checked before the module changes.
     *
     * @param module the module
     * @param name the parameter's name
     * @param dim the dimension whose slices are normalized separately, or null
     * @param <M> the module's class
     * @return the module
     * @throws IllegalArgumentException with PyTorch's messages: no tensor of that name, a name that is not a
     *     parameter (PyTorch's KeyError, the quoted name)
     * @throws IllegalStateException for a second weight_norm on the same name (PyTorch's message)
     * @throws IndexOutOfBoundsException for a dim out of range
     */
    public static <M extends Module> M weightNorm(M module, String name, Integer dim) {
        if (module == null || name == null) {
            throw new IllegalArgumentException("weight_norm(): module and name must not be null");
        }
        if (WARNED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, DEPRECATED);
        }
        for (Module.ForwardPreHook h : ModuleInternals.forwardPreHooks(module).values()) {
            if (h instanceof Hook w && w.name.equals(name)) {
                throw new IllegalStateException("Cannot register two weight_norm hooks on the same parameter " + name);
            }
        }
        int d = dim == null ? -1 : dim;
        Tensor weight = ModuleInternals.getAttr(module, name);
        if (!ModuleInternals.hasParameter(module, name)) {
            throw new IllegalArgumentException("'" + name + "'"); // del module._parameters[name]: a KeyError
        }
        if (weight == null) {
            throw new IllegalArgumentException("norm_except_dim(): argument 'v' (position 1) must be Tensor, not NoneType");
        }
        if (d < -1 || d >= weight.dim()) {
            throw new IndexOutOfBoundsException("Dimension out of range (expected to be in range of [" + -weight.dim()
                    + ", " + (weight.dim() - 1) + "], but got " + d + ")");
        }
        Tensor g;
        try (GradMode off = Ember.noGrad()) {
            g = Tensor.normExceptDim(weight, 2, d).detach();
        }
        Tensor v = weight.detach();
        Hook fn = new Hook(name, d);
        // checked and computed: the changes, none of which can fail
        ModuleInternals.unregister(module, name);
        ModuleInternals.registerParameter(module, name + "_g", g);
        ModuleInternals.registerParameter(module, name + "_v", v);
        ModuleInternals.setPlainAttribute(module, name, fn.computeWeight(module));
        ModuleInternals.registerForwardPreHook(module, fn);
        return module;
    }

    /** {@code remove_weight_norm(module)} of {@code "weight"}. */
    public static <M extends Module> M removeWeightNorm(M module) {
        return removeWeightNorm(module, "weight");
    }

    /**
     * {@code torch.nn.utils.remove_weight_norm(module, name)}: {@code name} becomes one parameter again, holding the
     * normalized weight's values (appended after the module's other parameters, as PyTorch's setattr registers it), and
     * the hook, {@code name_g} and {@code name_v} are gone.
     *
     * @param module the module
     * @param name the parameter's name
     * @param <M> the module's class
     * @return the module
     * @throws IllegalArgumentException when no weight_norm is registered on {@code name} (PyTorch's message, the module
     *     printed)
     */
    public static <M extends Module> M removeWeightNorm(M module, String name) {
        if (module == null || name == null) {
            throw new IllegalArgumentException("remove_weight_norm(): module and name must not be null");
        }
        for (Map.Entry<Integer, Module.ForwardPreHook> e : ModuleInternals.forwardPreHooks(module).entrySet()) {
            if (e.getValue() instanceof Hook w && w.name.equals(name)) {
                Tensor weight;
                try (GradMode off = Ember.noGrad()) {
                    weight = w.computeWeight(module).detach();
                }
                ModuleInternals.removePlainAttribute(module, name);
                ModuleInternals.unregister(module, name + "_g");
                ModuleInternals.unregister(module, name + "_v");
                ModuleInternals.registerParameter(module, name, weight);
                ModuleInternals.removeForwardPreHook(module, e.getKey());
                return module;
            }
        }
        throw new IllegalArgumentException("weight_norm of '" + name + "' not found in " + module);
    }
}
