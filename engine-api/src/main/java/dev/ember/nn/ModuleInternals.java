package dev.ember.nn;

import dev.ember.RemovableHandle;
import dev.ember.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A module's private dictionaries as PyTorch's Python utilities reach them ({@code module._parameters},
 * {@code module._buffers}, {@code module._forward_pre_hooks}, plain attributes in {@code module.__dict__}), for
 * utilities outside this package that rewrite a module's tensors the way PyTorch's Python code does, such as {@link
 * dev.ember.nn.utils.Prune}. Prefer those utilities: these calls change a module without the checks of its layers.
 */
public final class ModuleInternals {
    private ModuleInternals() {
    }

    private static void check(Module module, String name, String op) {
        Checks.notNull(module, op + "(): module");
        Checks.notNull(name, op + "(): name");
    }

    /**
     * {@code module._modules}: every registered submodule by name, absent (None) ones and repeated registrations
     * included, in order (unmodifiable).
     */
    public static Map<String, Module> registeredModules(Module module) {
        Checks.notNull(module, "registeredModules(): module");
        return module.registeredModules();
    }

    /**
     * {@code getattr(module, name)} for a tensor: a plain attribute, else the parameter or buffer (its parametrized
     * value when one is registered); see {@link Module#parametrizedValue(String)}.
     *
     * @throws IllegalArgumentException with PyTorch's {@code AttributeError} message when there is no such tensor
     */
    public static Tensor getAttr(Module module, String name) {
        check(module, name, "getattr");
        return module.parametrizedValue(name);
    }

    /**
     * The submodule registered under {@code name}, as PyTorch's {@code module._modules.get(name)}: null when there is
     * none or it is registered as absent; found by name even where {@link Module#namedChildren()} lists that module
     * under an earlier name.
     *
     * @throws IllegalArgumentException for a null module or name
     */
    public static Module registeredModule(Module module, String name) {
        check(module, name, "_modules.get");
        return module.registeredModules().get(name);
    }

    /** Whether {@code name} is a registered parameter of the module (present or registered as absent). */
    public static boolean hasParameter(Module module, String name) {
        check(module, name, "has_parameter");
        return Boolean.TRUE.equals(module.registeredAsParameter(name));
    }

    /** Whether {@code name} is a registered buffer of the module. */
    public static boolean hasBuffer(Module module, String name) {
        check(module, name, "has_buffer");
        return Boolean.FALSE.equals(module.registeredAsParameter(name));
    }

    /** Whether {@code name} is a plain tensor attribute of the module ({@code name in module.__dict__}). */
    public static boolean hasPlainAttribute(Module module, String name) {
        check(module, name, "has_attribute");
        return module.hasPlainAttribute(name);
    }

    /**
     * {@code module._modules[name] = value} at a dotted path of an existing submodule, as PyTorch's quantization
     * {@code convert} (and {@code quantize_dynamic}, {@code prepare_qat}) swaps modules: {@link Module#setSubmodule}
     * without the global registration hooks ({@link ModuleRegistrationHooks}), which that direct write does not run.
     */
    public static void swapModule(Module model, String target, Module module) {
        Checks.notNull(model, "swap_module(): model");
        model.putSubmodule(target, module, false);
    }

    /** {@code module.register_parameter(name, value)}: registers (appends) a parameter; see {@code Module.registerParameter}. */
    public static Tensor registerParameter(Module module, String name, Tensor value) {
        check(module, name, "register_parameter");
        return module.registerParameter(name, value);
    }

    /**
     * {@code module.register_buffer(name, value)}: registers a buffer, or replaces the value of a buffer of that name
     * in its place.
     */
    public static Tensor registerBuffer(Module module, String name, Tensor value) {
        check(module, name, "register_buffer");
        return module.registerBuffer(name, value);
    }

    /** {@code del module._parameters[name]}, or {@code del module._buffers[name]}: no-op for a name that is neither. */
    public static void unregister(Module module, String name) {
        check(module, name, "unregister");
        if (module.registeredAsParameter(name) != null) {
            module.unregister(name);
        }
    }

    /** {@code object.__setattr__(module, name, value)}: sets a plain tensor attribute, read by the module's forward. */
    public static void setPlainAttribute(Module module, String name, Tensor value) {
        check(module, name, "setattr");
        Checks.notNull(value, "setattr(): value");
        module.setPlainAttribute(name, value);
    }

    /** {@code del module.__dict__[name]}: removes a plain tensor attribute (no-op when absent). */
    public static void removePlainAttribute(Module module, String name) {
        check(module, name, "delattr");
        module.removePlainAttribute(name);
    }

    /** The forward pre-hooks by id, in registration order, as a snapshot of {@code module._forward_pre_hooks}. */
    public static Map<Integer, Module.ForwardPreHook> forwardPreHooks(Module module) {
        Checks.notNull(module, "forward_pre_hooks(): module");
        return new LinkedHashMap<>(module.forwardPreHookMap());
    }

    /** The forward hooks by id, in registration order, as a snapshot of {@code module._forward_hooks}. */
    public static Map<Integer, Module.ForwardHook> forwardHooks(Module module) {
        Checks.notNull(module, "forward_hooks(): module");
        return new LinkedHashMap<>(module.forwardHookMap());
    }

    /** {@code del module._forward_pre_hooks[id]} (no-op for an id that is not there). */
    public static void removeForwardPreHook(Module module, int id) {
        Checks.notNull(module, "remove_forward_pre_hook(): module");
        module.removeForwardPreHook(id);
    }

    /** {@code del module._forward_hooks[id]} (no-op for an id that is not there). */
    public static void removeForwardHook(Module module, int id) {
        Checks.notNull(module, "remove_forward_hook(): module");
        module.removeForwardHook(id);
    }

    /** {@code module.register_forward_pre_hook(hook)}. */
    public static RemovableHandle registerForwardPreHook(Module module, Module.ForwardPreHook hook) {
        Checks.notNull(module, "register_forward_pre_hook(): module");
        return module.registerForwardPreHook(hook);
    }
    /**
     * A new layer of {@code layer}'s class and configuration ({@link ConvNd} or {@link Linear}; a lazy one's eager
     * class), freshly initialized, with a bias when {@code bias}, its parameters registered in {@code layer}'s order
     * (as a deep copy keeps them): what {@link dev.ember.nn.utils.Fusion}'s
     * {@code fuse_conv_bn_eval} and {@code fuse_linear_bn_eval} give the fused weights where PyTorch deep-copies the
     * layer.
     *
     * @throws IllegalArgumentException for another kind of module
     */
    public static Module freshLayerLike(Module layer, boolean bias) {
        Checks.notNull(layer, "layer");
        Module fresh;
        if (layer instanceof ConvNd c) {
            fresh = c.sameConfiguration(bias);
        } else if (layer instanceof Linear l) {
            fresh = l.sameConfiguration(bias);
        } else {
            fresh = null;
        }
        if (fresh != null) {
            fresh.orderParametersLike(layer); // the deep copy's order of the parameters
            return fresh;
        }
        throw new IllegalArgumentException("expected a convolution or a Linear layer, got " + layer.getClass().getSimpleName());
    }

    /**
     * A batch normalization's {@code eps}, as {@code bn.eps}.
     *
     * @throws IllegalArgumentException for a module that is not a batch or instance normalization
     */
    public static double normEps(Module bn) {
        Checks.notNull(bn, "bn");
        if (bn instanceof NormBase n) {
            return n.eps;
        }
        throw new IllegalArgumentException("expected a batch normalization, got " + bn.getClass().getSimpleName());
    }

    /**
     * The module's own parameters and persistent buffers (not its children's), by name, in the order
     * {@link Module#stateDict()} lists them (PyTorch's {@code _save_to_state_dict}): the module's own tensors.
     */
    public static Map<String, Tensor> ownStateTensors(Module module) {
        Checks.notNull(module, "ownStateTensors(): module");
        return module.ownStateDictTensors();
    }

    /** Why the module's state is not a map of tensors ({@link Module#stateDict()} refuses it), or null. */
    public static String unsavableReason(Module module) {
        Checks.notNull(module, "unsavableReason(): module");
        return module.unsavableReason();
    }

    /**
     * {@link Module#loadStateDict(Map, boolean)} without its refusal of modules whose state is not tensors (a quantized
     * model's loader reads those itself and hands the rest here).
     */
    public static Module.IncompatibleKeys loadTensorState(Module module, Map<String, Tensor> state, boolean strict) {
        Checks.notNull(module, "loadTensorState(): module");
        return module.loadStateDict(state, strict, false, false);
    }

    /** PyTorch's {@code self.__class__.__name__} of the module, as its load errors name it. */
    public static String className(Module module) {
        Checks.notNull(module, "className(): module");
        return module.className();
    }

    /**
     * PyTorch's {@code _version} of the module's class, which a state dict's {@code _metadata} records: 2 for the batch
     * and instance norms ({@code _NormBase}), 1 for the others Ember has (the quantized modules say their own).
     */
    public static long stateVersion(Module module) {
        Checks.notNull(module, "stateVersion(): module");
        return module instanceof NormBase ? 2 : 1;
    }

    /**
     * PyTorch's {@code batch_norm_without_running_stats(module)} (torch/_functorch/batch_norm_replacement.py): on a
     * batch norm ({@link BatchNorm1d}, {@link BatchNorm2d}, {@link BatchNorm3d}, their lazy forms) that tracks running
     * statistics, {@code running_mean}, {@code running_var} and {@code num_batches_tracked} set to None (registered as
     * absent: out of {@link Module#namedBuffers()} and {@link Module#stateDict()}) and {@code track_running_stats} to
     * False, so its forward normalizes with the batch's statistics in training and in eval mode and writes nothing;
     * any other module (an instance norm included) is left as it is.
     *
     * @param module the module
     * @return whether the module was changed
     */
    public static boolean batchNormWithoutRunningStats(Module module) {
        Checks.notNull(module, "batch_norm_without_running_stats(): module");
        if (!(module instanceof BatchNorm1d || module instanceof BatchNorm2d || module instanceof BatchNorm3d)) {
            return false;
        }
        NormBase bn = (NormBase) module;
        if (!bn.trackRunningStats) {
            return false;
        }
        bn.setBuffer("running_mean", null);
        bn.setBuffer("running_var", null);
        bn.setBuffer("num_batches_tracked", null);
        bn.trackRunningStats = false;
        return true;
    }

    /** Whether {@code key} is a norm layer's own {@code num_batches_tracked}, which PyTorch 2.x lets an old state dict lack. */
    public static boolean isNormBatchCount(Module module, String key) {
        check(module, key, "isNormBatchCount");
        return module instanceof NormBase && "num_batches_tracked".equals(key);
    }
}
