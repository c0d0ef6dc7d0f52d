package dev.ember;

/**
 * Whether operations record the autograd graph on this thread, and the scope that switches it.
 * Use through {@link Ember#noGrad()} and {@link Ember#enableGrad()}.
 */
public final class GradMode implements AutoCloseable {
    /** This thread's [gradient mode, inference mode]; one lookup answers whether ops record. */
    private static final ThreadLocal<boolean[]> STATE = ThreadLocal.withInitial(() -> new boolean[] {true, false});

    private final boolean previous;
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    GradMode(boolean enabled) {
        boolean[] state = STATE.get();
        this.previous = state[0];
        state[0] = enabled;
    }

    /**
     * Whether operations record the autograd graph on this thread: gradient mode is on and inference mode is off.
     *
     * @return true when new results of differentiable ops get a {@code grad_fn}
     */
    public static boolean isEnabled() {
        boolean[] state = STATE.get();
        return state[0] && !state[1];
    }

    /** The gradient mode alone (PyTorch's {@code is_grad_enabled}), which inference mode does not override. */
    static boolean gradMode() {
        return STATE.get()[0];
    }

    static void set(boolean enabled) {
        STATE.get()[0] = enabled;
    }

    /** This thread's state array, shared with {@link InferenceMode} (index 1). */
    static boolean[] state() {
        return STATE.get();
    }

    /**
     * Restores the mode that was in force when this scope opened (closing twice does nothing).
     *
     * @throws IllegalStateException on another thread than the one that opened it (nothing changes: the scope stays
     *     open for its thread to close)
     */
    @Override
    public void close() {
        if (!closed) {
            ThreadOwner.check(owner, "A GradMode scope");
            closed = true;
            STATE.get()[0] = previous;
        }
    }
}
