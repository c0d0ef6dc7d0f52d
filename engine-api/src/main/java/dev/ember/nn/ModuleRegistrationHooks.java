package dev.ember.nn;

import dev.ember.RemovableHandle;
import dev.ember.Tensor;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The global registration hooks of PyTorch 2.x, {@code torch.nn.modules.module.register_module_module_registration_hook},
 * {@code register_module_parameter_registration_hook} and {@code register_module_buffer_registration_hook}: hooks
 * called with {@code (module, name, value)} each time any module registers a submodule, a parameter or a buffer, in
 * registration order; a hook that returns a value (not null) replaces the value for the hooks after it and for the
 * module, as PyTorch's {@code if output is not None: value = output}. They hold for every thread of the process, as
 * PyTorch's global dicts do, until their handles remove them.
 *
 * <p><b>Which registrations run them.</b> As in 2.x's source, where every path that registers goes through
 * {@code add_module}, {@code register_parameter}, {@code register_buffer} or the {@code __setattr__} of a module, a
 * parameter or an existing buffer:
 * <ul>
 *   <li>submodule hooks: {@link Module#registerModule} and {@link Module#addModule} (PyTorch's {@code add_module} and
 *   {@code register_module}; an absent (null) submodule too), {@link Module#setSubmodule} (its {@code setattr}), and so
 *   {@link ModuleList#add}, {@link ModuleList#addAll}, the {@link ModuleList} and {@link Sequential} constructors,
 *   {@link Sequential#append}, {@link Sequential#slice} (a new Sequential built by {@code add_module}),
 *   {@link ModuleDict#put}, and {@link dev.ember.nn.utils.Parametrize#registerParametrization} (the
 *   {@code parametrizations} ModuleDict set on the module, the ParametrizationList put in it, each parametrization
 *   appended to the list);</li>
 *   <li>parameter hooks: {@code registerParameter} and {@link Module#setParameter} ({@code register_parameter} and the
 *   {@code setattr} of a Parameter) with a tensor, never with null (2.x stores a None parameter before its hooks), and
 *   so {@link ParameterList}, {@link ParameterDict#put}, a lazy layer's uninitialized parameters at construction (its
 *   materialization changes the tensor in place and runs none), a parametrization's {@code original} and the tensor a
 *   removed parametrization puts back, pruning's {@code weight_orig} and the weight {@code prune.remove} puts back,
 *   {@code load_state_dict(assign=True)}'s {@code setattr};</li>
 *   <li>buffer hooks: {@code registerBuffer} ({@code register_buffer}, null included) and {@code setBuffer} (the
 *   {@code setattr} of an existing buffer, null included), and so pruning's {@code weight_mask}, spectral norm's
 *   {@code _u} and {@code _v} as it registers them and again at each step of its power iteration (2.x's
 *   {@code self._u = F.normalize(..., out=self._u)}: 15 steps at registration, {@code n_power_iterations} in each
 *   training forward), and {@code assign=True} loads.</li>
 * </ul>
 * Not run, as in PyTorch: a load that copies values into the module's tensors, a lazy module's materialization,
 * {@code to}, {@code functional_call}'s swaps ({@code module._parameters[name] = tensor}), quantization's
 * {@code convert}, {@code quantize_dynamic} and {@code prepare_qat} swapping modules ({@code module._modules[key] =
 * value}, {@link ModuleInternals#swapModule}; fusion's {@code setattr} runs them), an observer's or fake quantizer's
 * statistics resized in place, and removals.
 *
 * <p><b>Values a hook returns.</b> PyTorch stores a hook's output unchecked; Ember checks it as it checks the value
 * given, so a module's parameters stay leaf parameters: a parameter hook's tensor that is not a leaf, or not of a
 * floating-point or complex type, is refused with the message the registration gives for such a value, and one that
 * is not yet a parameter becomes one; a submodule hook's module that is or contains the parent is refused. A refused
 * output, or a hook that throws, leaves the module as it was. A submodule hook that returns a module of another class
 * than the one given: the module registered (in {@code _modules}, the state dict, the printout) is the hook's, and the
 * given module, which a layer's Java field or a typed container may still hold, forwards its calls to it, as
 * {@link Module#setSubmodule} makes a replaced module do.
 */
public final class ModuleRegistrationHooks {
    static final HookMap<ModuleRegistrationHook> MODULE = new HookMap<>();
    static final HookMap<TensorRegistrationHook> PARAMETER = new HookMap<>();
    static final HookMap<TensorRegistrationHook> BUFFER = new HookMap<>();
    private static final AtomicInteger NEXT_ID = new AtomicInteger();

    private ModuleRegistrationHooks() {
    }

    /**
     * A submodule registration hook, {@code hook(module, name, submodule) -> None or new submodule}.
     */
    @FunctionalInterface
    public interface ModuleRegistrationHook {
        /**
         * Called as {@code module} registers {@code submodule} under {@code name}.
         *
         * @param module the module registering it
         * @param name its name there
         * @param submodule the submodule (null for an absent one), as the hooks before this one left it
         * @return the submodule to register instead, or null to keep it
         */
        Module apply(Module module, String name, Module submodule);
    }

    /**
     * A parameter or buffer registration hook, {@code hook(module, name, tensor) -> None or new tensor}.
     */
    @FunctionalInterface
    public interface TensorRegistrationHook {
        /**
         * Called as {@code module} registers {@code tensor} under {@code name}.
         *
         * @param module the module registering it
         * @param name its name there
         * @param tensor the tensor (a buffer may be null), as the hooks before this one left it
         * @return the tensor to register instead, or null to keep it
         */
        Tensor apply(Module module, String name, Tensor tensor);
    }

    /**
     * Registers a hook every module runs as it registers a submodule, as
     * {@code register_module_module_registration_hook(hook)}.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public static RemovableHandle registerModuleModuleRegistrationHook(ModuleRegistrationHook hook) {
        return register(MODULE, Checks.notNull(hook, "register_module_module_registration_hook(): hook"));
    }

    /**
     * Registers a hook every module runs as it registers a parameter, as
     * {@code register_module_parameter_registration_hook(hook)}.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public static RemovableHandle registerModuleParameterRegistrationHook(TensorRegistrationHook hook) {
        return register(PARAMETER, Checks.notNull(hook, "register_module_parameter_registration_hook(): hook"));
    }

    /**
     * Registers a hook every module runs as it registers a buffer, as
     * {@code register_module_buffer_registration_hook(hook)}.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public static RemovableHandle registerModuleBufferRegistrationHook(TensorRegistrationHook hook) {
        return register(BUFFER, Checks.notNull(hook, "register_module_buffer_registration_hook(): hook"));
    }

    private static <H> RemovableHandle register(HookMap<H> hooks, H hook) {
        int id = NEXT_ID.getAndIncrement();
        hooks.put(id, hook, false);
        return () -> hooks.remove(id);
    }

    /** The submodule hooks run on {@code value}: the module to register. */
    static Module module(Module module, String name, Module value) {
        for (ModuleRegistrationHook h : MODULE.snapshot().values()) {
            Module out = h.apply(module, name, value);
            if (out != null) {
                value = out;
            }
        }
        return value;
    }

    /** The parameter or buffer hooks of {@code hooks} run on {@code value}: the tensor to register. */
    static Tensor tensor(HookMap<TensorRegistrationHook> hooks, Module module, String name, Tensor value) {
        for (TensorRegistrationHook h : hooks.snapshot().values()) {
            Tensor out = h.apply(module, name, value);
            if (out != null) {
                value = out;
            }
        }
        return value;
    }
}
