package dev.ember.nn.utils;

import dev.ember.Tensor;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleDict;
import dev.ember.nn.ParametrizationList;

/**
 * {@code torch.nn.utils.parametrize}: a parameter or buffer of a module computed from other tensors. After {@link
 * #registerParametrization(Module, String, Module)} on {@code "weight"}, the module's forward reads {@code
 * parametrization(original)} each time (its layers read their tensors through {@link Module#parametrizedValue(String)}),
 * gradients flow to the original(s), and the module has PyTorch's layout: the originals in
 * {@code parametrizations.weight.original} (or {@code original0}, {@code original1}, ...), the parametrizations as
 * {@code parametrizations.weight.0}, ..., in {@code parameters()}, {@code stateDict()} and the printout
 * ({@code ParametrizedLinear(... (parametrizations): ModuleDict((weight): ParametrizationList((0): ...)))}).
 * {@link Parametrizations} has PyTorch's {@code weight_norm}, {@code spectral_norm} and {@code orthogonal}.
 */
public final class Parametrize {
    private Parametrize() {
    }

    /**
     * Registers a parametrization on the parameter or buffer {@code tensorName}, as PyTorch's {@code
     * register_parametrization(module, tensor_name, parametrization, unsafe=unsafe)}; returns the module. The
     * parametrization takes the module's training mode. On the first one, the originals come from its right inverse
     * ({@link Parametrization#rightInverse}; without one the tensor itself is the original, kept as the same object);
     * a later one is appended to the list. Unless {@code unsafe}, the parametrized value must keep the tensor's dtype
     * and shape (PyTorch's checks, computing it once). Checked before anything changes.
     *
     * @throws IllegalArgumentException with PyTorch's messages: no parameter, buffer or parametrized tensor of that
     *     name ({@code Module '...' does not have a parameter, a buffer, or a parametrized element with name '...'}), a
     *     dtype or shape changed without {@code unsafe}
     */
    public static <M extends Module> M registerParametrization(M module, String tensorName, Module parametrization, boolean unsafe) {
        ParametrizationList.register(module, tensorName, parametrization, unsafe);
        return module;
    }

    /** {@link #registerParametrization(Module, String, Module, boolean)} with {@code unsafe} false, PyTorch's default. */
    public static <M extends Module> M registerParametrization(M module, String tensorName, Module parametrization) {
        return registerParametrization(module, tensorName, parametrization, false);
    }

    /**
     * Removes the parametrizations on {@code tensorName}, as PyTorch's {@code remove_parametrizations}; returns the
     * module. With {@code leaveParametrized} the tensor keeps its current parametrized value (with one original, the
     * original tensor object takes it, so optimizers keep it; with several, a new parameter is made), else it goes back
     * to the original. The {@code parametrizations} child goes once nothing is parametrized.
     *
     * @throws IllegalArgumentException with PyTorch's messages: {@code Module ... does not have a parametrization on
     *     ...}, or {@code leaveParametrized} false for a tensor parametrized by several originals
     */
    public static <M extends Module> M removeParametrizations(M module, String tensorName, boolean leaveParametrized) {
        ParametrizationList.remove(module, tensorName, leaveParametrized);
        return module;
    }

    /** {@link #removeParametrizations(Module, String, boolean)} with {@code leaveParametrized} true, PyTorch's default. */
    public static <M extends Module> M removeParametrizations(M module, String tensorName) {
        return removeParametrizations(module, tensorName, true);
    }

    /** Whether the module has any parametrized tensor, as {@code is_parametrized(module)}. */
    public static boolean isParametrized(Module module) {
        if (module == null) {
            throw new IllegalArgumentException("is_parametrized(): argument 'module' must be Module, not null");
        }
        return dev.ember.nn.ModuleInternals.registeredModule(module, "parametrizations") instanceof ModuleDict<?> d && d.size() > 0;
    }

    /**
     * Whether {@code tensorName} of the module is parametrized, as {@code is_parametrized(module, tensor_name)}; a null
     * name is PyTorch's None ({@link #isParametrized(Module)}).
     */
    public static boolean isParametrized(Module module, String tensorName) {
        if (tensorName == null) {
            return isParametrized(module);
        }
        return isParametrized(module) && ((ModuleDict<?>) dev.ember.nn.ModuleInternals.registeredModule(module, "parametrizations")).containsKey(tensorName);
    }

    /**
     * The parametrizations of {@code tensorName} with its originals, as {@code module.parametrizations[tensor_name]}.
     *
     * @throws IllegalArgumentException when it is not parametrized
     */
    public static ParametrizationList parametrizations(Module module, String tensorName) {
        if (!isParametrized(module, tensorName)) {
            throw new IllegalArgumentException("Module " + module + " does not have a parametrization on " + tensorName);
        }
        return (ParametrizationList) ((ModuleDict<?>) dev.ember.nn.ModuleInternals.registeredModule(module, "parametrizations")).get(tensorName);
    }

    /**
     * Sets a parametrized tensor to {@code value} through the right inverses, as PyTorch's assignment {@code
     * module.weight = value}; see {@link ParametrizationList#rightInverse(Tensor)}.
     */
    public static void rightInverse(Module module, String tensorName, Tensor value) {
        parametrizations(module, tensorName).rightInverse(value);
    }

    /**
     * A caching scope, as PyTorch's {@code with parametrize.cached():}: until it closes (the outermost one, on this
     * thread), each parametrized tensor is computed once and then reused, as when a weight is read at every step of a
     * recurrent loop. Use it in try-with-resources.
     */
    public static ParametrizationList.CacheScope cached() {
        return ParametrizationList.openCache();
    }
}
