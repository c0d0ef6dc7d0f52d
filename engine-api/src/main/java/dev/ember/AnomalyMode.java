package dev.ember;

/**
 * Autograd's anomaly detection on this thread, and the scope that switches it, as PyTorch's
 * {@code torch.autograd.detect_anomaly} / {@code set_detect_anomaly}. Open it with {@link Autograd#detectAnomaly()}:
 * {@code try (AnomalyMode on = Autograd.detectAnomaly()) { ... loss.backward(); }}.
 *
 * <p>While it is on, every node the forward pass records keeps the Java stack of the call that created it, and the
 * backward pass checks each gradient a node returns: a NaN raises an {@link IllegalStateException} in PyTorch's words
 * ({@code Function 'DivBackward0' returned nan values in its 1th output.}) whose cause, a
 * {@link Autograd.ForwardTrace}, carries the stack of the forward call that made that node. Any other exception thrown
 * by a node's backward gets that trace as a suppressed exception. Scopes nest: closing one restores the mode that was
 * in force when it opened. The checks cost a device synchronization per gradient and the stacks memory per node:
 * for debugging only, as in PyTorch.
 */
public final class AnomalyMode implements AutoCloseable {
    /** [enabled, checkNan] for this thread. */
    private static final ThreadLocal<boolean[]> STATE = ThreadLocal.withInitial(() -> new boolean[2]);

    private final boolean previousEnabled;
    private final boolean previousCheckNan;
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    AnomalyMode(boolean enabled, boolean checkNan) {
        boolean[] state = STATE.get();
        previousEnabled = state[0];
        previousCheckNan = state[1];
        state[0] = enabled;
        state[1] = checkNan;
        if (enabled) {
            WarnOnce.warn(WarnOnce.ANOMALY_ENABLED);
        }
    }

    /**
     * Whether anomaly detection is on for this thread.
     *
     * @return true inside an open {@link Autograd#detectAnomaly()} scope
     */
    public static boolean isEnabled() {
        return STATE.get()[0];
    }

    /**
     * Whether the backward pass checks the gradients nodes return for NaN on this thread.
     *
     * @return true when anomaly detection is on with {@code checkNan}
     */
    public static boolean isCheckNanEnabled() {
        boolean[] state = STATE.get();
        return state[0] && state[1];
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
            ThreadOwner.check(owner, "An AnomalyMode scope");
            closed = true;
            boolean[] state = STATE.get();
            state[0] = previousEnabled;
            state[1] = previousCheckNan;
        }
    }
}
