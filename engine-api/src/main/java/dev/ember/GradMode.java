package dev.ember;

/**
 * Whether operations record the autograd graph on this thread, and the scope that switches it.
 * Use through {@link Ember#noGrad()} and {@link Ember#enableGrad()}.
 */
public final class GradMode implements AutoCloseable {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private final boolean previous;
    private boolean closed;

    GradMode(boolean enabled) {
        boolean[] state = ENABLED.get();
        this.previous = state[0];
        state[0] = enabled;
    }

    /** Whether gradient recording is on for this thread. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    static void set(boolean enabled) {
        ENABLED.get()[0] = enabled;
    }

    /** Restores the mode that was in force when this scope opened. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            ENABLED.get()[0] = previous;
        }
    }
}
