package dev.ember;

/**
 * PyTorch 2.3's {@code torch.utils.swap_tensors(t1, t2)}, {@code Tensor.module_load(other, assign)} and
 * {@code torch.__future__.set_swap_module_params_on_conversion(value)}: two tensor objects exchange everything they
 * hold (storage, shape and strides, type, device, version counter, history, gradient, {@code requires_grad},
 * post-accumulate-grad hooks, parameter-ness), so that every holder of either object (a module, an optimizer, a map)
 * sees the other's content while the objects themselves stay put.
 *
 * <p>As 2.x: a leaf whose gradient accumulator already exists keeps working for new graphs, but the accumulator a graph
 * recorded before the swap is poisoned: that graph's backward fails with 2.x's {@code Trying to execute AccumulateGrad
 * node that was poisoned by swap_tensors ...}; the tensor hooks registered on a leaf go with its content. Where 2.x
 * refuses a tensor other objects still reference (its use count), Ember, which cannot count references, refuses a view
 * made by a view op (it references its base) and, so that a graph that saved either tensor fails instead of reading
 * the other's values, sets both version counters past both (a saved tensor's check then reports an in-place change).
 * The tensor scope that will close an object stays with the object. Views made of either tensor before the swap keep
 * the storage they view.
 */
public final class SwapTensors {
    private static volatile boolean swapOnConversion;

    private SwapTensors() {
    }

    static final String POISONED = "Trying to execute AccumulateGrad node that was poisoned by swap_tensors this can "
            + "happen when you try to run backward on a tensor that was swapped. For a module m with "
            + "`torch.__future__.set_swap_module_params_on_conversion(True)` you should not change the device or dtype "
            + "of the module (e.g. `m.cpu()` or `m.half()`) between running forward and backward. To resolve this, "
            + "please only change the device/dtype before running forward (or after both forward and backward).";

    /**
     * Refuses a tensor {@link #swapTensors} cannot swap: null, closed, or a view made by a view op.
     *
     * @param t the tensor
     * @param name how the message names it ({@code t1}, {@code t2})
     */
    static void checkSwappable(Tensor t, String name) {
        Args.require(t, "swap_tensors", name, name.equals("t1") ? 0 : 1, "Tensor");
        t.lease(); // a closed tensor: its own message
        if (t.differentiableView) {
            throw new IllegalArgumentException("Expected use_count of " + name + " to be 1 or 2 with an AccumulateGrad "
                    + "node but got more: " + name + " is a view of another tensor (which it references); make sure you "
                    + "are not holding references to the tensor in other places.");
        }
    }

    /**
     * Swaps the contents of two tensor objects, as {@code torch.utils.swap_tensors(t1, t2)}: afterwards {@code t1} has
     * what {@code t2} had and the reverse. Swapping a tensor with itself changes nothing.
     *
     * @param t1 a tensor
     * @param t2 another tensor
     * @throws IllegalArgumentException for a null tensor, or a view (nothing changes)
     * @throws IllegalStateException for a closed tensor (nothing changes)
     */
    public static void swapTensors(Tensor t1, Tensor t2) {
        checkSwappable(t1, "t1");
        checkSwappable(t2, "t2");
        if (t1 == t2) {
            return;
        }
        Node.AccumulateGrad acc1 = t1.accumulator;
        Node.AccumulateGrad acc2 = t2.accumulator;
        poison(acc1);
        poison(acc2);

        // a detached alias's base (the only kind of view swapped): a reference to either object follows its content
        Tensor base1 = swapped(t2.viewBase, t1, t2);
        Tensor base2 = swapped(t1.viewBase, t1, t2);
        try {
            for (java.lang.reflect.Field f : CONTENT) {
                Object v = f.get(t1);
                f.set(t1, f.get(t2));
                f.set(t2, v);
            }
        } catch (IllegalAccessException e) {
            throw new AssertionError(e); // the engine's own fields, made accessible once
        }
        t1.viewBase = base1 == t1 ? null : base1;
        t2.viewBase = base2 == t2 ? null : base2;
        // the accumulators stay with their objects' old graphs (poisoned); new graphs get new ones, with the tensor
        // hooks of the content each object now holds
        t1.accumulator = freshAccumulator(t1, acc2);
        t2.accumulator = freshAccumulator(t2, acc1);
        // a graph that saved either object reads another counter now: put both past both, as an in-place change
        if (!t1.lease.inference && !t2.lease.inference) {
            int past = Math.max(t1.version[0], t2.version[0]) + 1;
            t1.version[0] = past;
            t2.version[0] = past;
        }
    }

    /**
     * Every field of a tensor object that is its content, exchanged by a swap: all of them but the scope that closes the
     * object (it stays with the Java object), the gradient accumulators (rebuilt for each object's new content) and the
     * view base (remapped). Read from the class, so a field added to {@link Tensor} is swapped without a change here.
     */
    private static final java.util.List<java.lang.reflect.Field> CONTENT = contentFields();

    private static java.util.List<java.lang.reflect.Field> contentFields() {
        java.util.Set<String> kept = java.util.Set.of("scope", "accumulator", "viewBase");
        java.util.List<java.lang.reflect.Field> out = new java.util.ArrayList<>();
        for (java.lang.reflect.Field f : Tensor.class.getDeclaredFields()) {
            if (!java.lang.reflect.Modifier.isStatic(f.getModifiers()) && !kept.contains(f.getName())) {
                f.setAccessible(true);
                out.add(f);
            }
        }
        return java.util.List.copyOf(out);
    }

    /** {@code x} with the objects {@code t1} and {@code t2} exchanged (their contents moved). */
    private static Tensor swapped(Tensor x, Tensor t1, Tensor t2) {
        return x == t1 ? t2 : x == t2 ? t1 : x;
    }

    private static void poison(Node.AccumulateGrad acc) {
        if (acc != null) {
            acc.registerPrehook(grads -> {
                throw new IllegalStateException(POISONED);
            });
        }
    }

    private static Node.AccumulateGrad freshAccumulator(Tensor t, Node.AccumulateGrad old) {
        if (old == null || old.preHooks.isEmpty()) {
            return null;
        }
        Node.AccumulateGrad fresh = new Node.AccumulateGrad(t);
        fresh.preHooks.addAll(old.preHooks);
        return fresh;
    }

    /**
     * {@code Tensor.module_load(other, assign)} (2.3): the tensor {@code load_state_dict} swaps into a parameter or
     * buffer when {@link #getSwapModuleParamsOnConversion()} is on: {@code other.detach()} with {@code assign}, else
     * {@code self.copy_(other).detach()}.
     *
     * @param self the module's tensor
     * @param other the state dict's tensor
     * @param assign whether the loaded tensor is {@code other}'s (else {@code self}'s, with {@code other}'s values)
     * @return a new tensor object
     */
    static Tensor moduleLoad(Tensor self, Tensor other, boolean assign) {
        Args.require(other, "module_load", "other", 1, "Tensor");
        return assign ? other.detach() : self.copy_(other).detach();
    }

    /**
     * Sets whether {@code Module.to} and friends, and {@code loadStateDict} with {@code assign}, swap a parameter's
     * content ({@link #swapTensors}) instead of setting its data or registering a new parameter, as
     * {@code torch.__future__.set_swap_module_params_on_conversion(value)} (process-wide; default false).
     *
     * @param value whether to swap
     */
    public static void setSwapModuleParamsOnConversion(boolean value) {
        swapOnConversion = value;
    }

    /**
     * Whether conversions swap parameters, as {@code torch.__future__.get_swap_module_params_on_conversion()}.
     *
     * @return the setting
     */
    public static boolean getSwapModuleParamsOnConversion() {
        return swapOnConversion;
    }
}
