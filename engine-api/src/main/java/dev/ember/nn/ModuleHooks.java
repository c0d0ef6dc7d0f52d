package dev.ember.nn;

import dev.ember.RemovableHandle;
import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The global module hooks, PyTorch's {@code torch.nn.modules.module.register_module_forward_pre_hook},
 * {@code register_module_forward_hook}, {@code register_module_full_backward_pre_hook} and
 * {@code register_module_full_backward_hook}: hooks every module runs, before its own, at every call (for debugging and
 * profiling, as PyTorch's documentation says). They hold for every thread of the process, as PyTorch's global dicts
 * do. Also the ordering rules the module's own hooks share: {@code prepend} and {@code always_call}. The global
 * hooks on registering a submodule, parameter or buffer are {@link ModuleRegistrationHooks}'.
 */
public final class ModuleHooks {
    static final HookMap<Module.ForwardPreHook> FORWARD_PRE = new HookMap<>();
    static final HookMap<Module.ForwardHook> FORWARD = new HookMap<>();
    static final HookMap<Module.BackwardPreHook> BACKWARD_PRE = new HookMap<>();
    static final HookMap<Module.BackwardHook> BACKWARD = new HookMap<>();
    private static final Set<Integer> FORWARD_ALWAYS_CALLED = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger NEXT_ID = new AtomicInteger();
    private static final System.Logger LOG = System.getLogger("dev.ember");

    private ModuleHooks() {
    }

    /**
     * A forward hook as a call runs it: its id, the hook, whether it runs when the forward throws, whether it is global
     * (the id and this flag identify it, as PyTorch's hook ids).
     *
     * @param id its id among the global hooks or the module's
     * @param hook the hook
     * @param alwaysCall whether it was registered with {@code always_call}
     * @param global whether it is a global hook
     * @param <H> the hook's type
     */
    record Entry<H>(int id, H hook, boolean alwaysCall, boolean global) {
    }

    /**
     * Registers a forward pre-hook every module runs before its own, as {@code register_module_forward_pre_hook}.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public static RemovableHandle registerModuleForwardPreHook(Module.ForwardPreHook hook) {
        return register(FORWARD_PRE, Checks.notNull(hook, "register_module_forward_pre_hook(): hook"), false);
    }

    /** Registers a forward hook every module runs before its own, as {@code register_module_forward_hook(hook)}. */
    public static RemovableHandle registerModuleForwardHook(Module.ForwardHook hook) {
        return registerModuleForwardHook(hook, false);
    }

    /**
     * Registers a forward hook every module runs before its own, as {@code register_module_forward_hook(hook,
     * always_call=alwaysCall)}; with {@code alwaysCall} it also runs when a module's forward throws (see
     * {@link Module#registerForwardHook(Module.ForwardHook, boolean, boolean)}).
     *
     * @param hook the hook
     * @param alwaysCall whether it runs when the forward throws
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public static RemovableHandle registerModuleForwardHook(Module.ForwardHook hook, boolean alwaysCall) {
        return register(FORWARD, Checks.notNull(hook, "register_module_forward_hook(): hook"), alwaysCall);
    }

    /**
     * Registers a full backward pre-hook every module runs before its own, as
     * {@code register_module_full_backward_pre_hook}.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public static RemovableHandle registerModuleFullBackwardPreHook(Module.BackwardPreHook hook) {
        return register(BACKWARD_PRE, Checks.notNull(hook, "register_module_full_backward_pre_hook(): hook"), false);
    }

    /**
     * Registers a full backward hook every module runs before its own, as {@code register_module_full_backward_hook}.
     *
     * @param hook the hook
     * @return a handle that removes it
     * @throws IllegalArgumentException for a null hook
     */
    public static RemovableHandle registerModuleFullBackwardHook(Module.BackwardHook hook) {
        return register(BACKWARD, Checks.notNull(hook, "register_module_full_backward_hook(): hook"), false);
    }

    private static <H> RemovableHandle register(HookMap<H> hooks, H hook, boolean alwaysCall) {
        int id = NEXT_ID.getAndIncrement();
        if (alwaysCall) {
            FORWARD_ALWAYS_CALLED.add(id);
        }
        hooks.put(id, hook, false);
        return () -> {
            hooks.remove(id);
            FORWARD_ALWAYS_CALLED.remove(id);
        };
    }

    /** Whether any global hook is registered (a module without hooks of its own then takes the hooked call). */
    static boolean any() {
        return !FORWARD_PRE.isEmpty() || !FORWARD.isEmpty() || !BACKWARD_PRE.isEmpty() || !BACKWARD.isEmpty();
    }

    /** The global hooks followed by the module's, as they are now. */
    static <H> List<H> concat(HookMap<H> global, HookMap<H> own) {
        Map<Integer, H> g = global.snapshot();
        Map<Integer, H> o = own.snapshot();
        if (g.isEmpty() && o.isEmpty()) {
            return List.of();
        }
        List<H> out = new ArrayList<>(g.values());
        out.addAll(o.values());
        return out;
    }

    /** The forward hooks a call runs: the global ones, then the module's, each with its {@code always_call}. */
    static List<Entry<Module.ForwardHook>> forwardHooks(HookMap<Module.ForwardHook> own, Set<Integer> ownAlways) {
        List<Entry<Module.ForwardHook>> out = new ArrayList<>();
        for (Map.Entry<Integer, Module.ForwardHook> e : FORWARD.snapshot().entrySet()) {
            out.add(new Entry<>(e.getKey(), e.getValue(), FORWARD_ALWAYS_CALLED.contains(e.getKey()), true));
        }
        for (Map.Entry<Integer, Module.ForwardHook> e : own.snapshot().entrySet()) {
            out.add(new Entry<>(e.getKey(), e.getValue(), ownAlways.contains(e.getKey()), false));
        }
        return out;
    }

    /**
     * After a forward (or a forward hook) threw: the {@code always_call} hooks that have not run yet, in order, with the
     * inputs and the outputs so far (null where the forward gave none); an exception one of them throws is logged as
     * PyTorch warns it, and the next one runs.
     */
    static void alwaysCalled(Module module, List<Entry<Module.ForwardHook>> hooks, Set<Entry<Module.ForwardHook>> called,
                             List<Tensor> args, List<Tensor> out) {
        List<Tensor> result = out;
        for (Entry<Module.ForwardHook> h : hooks) {
            if (!h.alwaysCall() || called.contains(h)) {
                continue;
            }
            try {
                List<Tensor> r = h.hook().apply(module, Collections.unmodifiableList(args),
                        result == null ? null : Collections.unmodifiableList(result));
                if (r != null) {
                    result = new ArrayList<>(r);
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, (h.global() ? "global module" : "module") + " forward hook with "
                        + "``always_call=True`` raised an exception that was silenced as another error was raised in "
                        + "forward: " + e.getMessage());
            }
        }
    }
}
