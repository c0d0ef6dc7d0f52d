package dev.ember.nn;

import dev.ember.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The mechanics of a module's extra state ({@link Module#getExtraState()}, {@link Module#setExtraState(Object)}), as
 * PyTorch's {@code _save_to_state_dict} and {@code _load_from_state_dict} have them: whether a class overrides each
 * method (PyTorch's {@code getattr(self.__class__, "get_extra_state", ...) is not Module.get_extra_state}), the
 * entry's key and the check of its value.
 */
final class ExtraState {
    /** PyTorch's {@code _EXTRA_STATE_KEY_SUFFIX}. */
    static final String SUFFIX = "_extra_state";

    private static final ClassValue<Boolean> SAVES = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return overrides(type, "getExtraState");
        }
    };

    private static final ClassValue<Boolean> LOADS = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return overrides(type, "setExtraState", Object.class);
        }
    };

    private ExtraState() {
    }

    /** Whether {@code type}'s public method {@code name} is declared below {@link Module}. */
    private static boolean overrides(Class<?> type, String name, Class<?>... parameters) {
        try {
            return type.getMethod(name, parameters).getDeclaringClass() != Module.class;
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e); // Module declares both
        }
    }

    /** Whether the module's class overrides {@link Module#getExtraState()}: its state dict has the entry. */
    static boolean saves(Module m) {
        return SAVES.get(m.getClass());
    }

    /** Whether the module's class overrides {@link Module#setExtraState(Object)}: a load expects the entry. */
    static boolean loads(Module m) {
        return LOADS.get(m.getClass());
    }

    /** Whether a module among {@code modules} saves extra state. */
    static boolean anySaves(Map<String, Module> modules) {
        for (Module m : modules.values()) {
            if (saves(m)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The module's extra state as its state dict's entry {@code prefix + "_extra_state"}: a tensor, as it is (PyTorch
     * neither detaches nor copies it).
     *
     * @throws UnsupportedOperationException for another value (Ember's state dicts hold tensors)
     */
    static Tensor value(Module m, String prefix) {
        Object state = m.getExtraState();
        if (state instanceof Tensor t) {
            return t;
        }
        String path = prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
        throw new UnsupportedOperationException("state_dict: the extra state of the module '" + path + "' ("
                + m.moduleName() + ") is " + (state == null ? "null" : "a " + state.getClass().getName())
                + ", not a tensor: Ember's state dicts (a Map<String, Tensor>, as safetensors files) hold tensors, so "
                + "getExtraState() must return a Tensor (encode other state in one, such as a uint8 tensor of its bytes)");
    }

    /**
     * The keys a load of {@code m} expects, in {@link Module#stateDict()}'s order, into {@code out} (the module's own
     * tensors), with each module that loads extra state's {@code _extra_state} key (value null) after its own entries,
     * where PyTorch's {@code _load_from_state_dict} appends it to the missing keys; those keys also go to
     * {@code extra}, with their modules. Every path to a module shared under several names, as PyTorch's load walks.
     */
    static void collectLoadKeys(Module m, String prefix, Map<String, Tensor> out, Map<String, Module> extra) {
        m.ownStateDictTensors().forEach((k, v) -> out.put(prefix + k, v));
        if (loads(m)) {
            out.put(prefix + SUFFIX, null);
            extra.put(prefix + SUFFIX, m);
        }
        m.registeredModules().forEach((k, c) -> {
            if (c != null) {
                collectLoadKeys(c, prefix + k + ".", out, extra);
            }
        });
    }

    /** The {@code _extra_state} keys a load of {@code m} expects, in order. */
    static Set<String> keys(Module m) {
        Map<String, Module> extra = new LinkedHashMap<>();
        collectLoadKeys(m, "", new LinkedHashMap<>(), extra);
        return extra.keySet();
    }

    /**
     * A checked load: the tensors ({@code load}, asked for an undo when {@code undoable} or when extra state is to be
     * set), then {@link Module#setExtraState} of each module with its entry, in order; if one throws, the tensors are
     * put back and the exception propagates. Returns the undo when {@code undoable}, else null.
     */
    static Runnable load(Function<Boolean, Runnable> load, Map<String, Module> modules, Map<String, Tensor> values,
                         boolean undoable) {
        Runnable undo = load.apply(undoable || !values.isEmpty());
        try {
            values.forEach((key, value) -> modules.get(key).setExtraState(value));
        } catch (RuntimeException e) {
            if (undo != null) {
                undo.run();
            }
            throw e;
        }
        return undoable ? undo : null;
    }
}
