package dev.ember;

/**
 * Inference mode on this thread, and the scope that switches it, as PyTorch's {@code torch.inference_mode()}: open it
 * with {@link Ember#inferenceMode()}: {@code try (InferenceMode im = Ember.inferenceMode()) { ... model.forward(x) ... }}.
 *
 * <p>Inside, no operation records the autograd graph, even where {@link Ember#enableGrad()} switches gradient mode back
 * on (PyTorch's inference mode leaves autograd out altogether: {@link Ember#isGradEnabled()} reports the gradient mode,
 * false on entry, as PyTorch's {@code is_grad_enabled}). Scopes nest; closing one restores both the inference mode and
 * the gradient mode that were in force when it opened.
 */
public final class InferenceMode implements AutoCloseable {
    private final boolean previous;
    private final GradMode grad;
    private boolean closed;

    InferenceMode() {
        boolean[] state = GradMode.state();
        previous = state[1];
        state[1] = true;
        grad = new GradMode(false); // PyTorch's InferenceMode guard sets grad mode to !enabled
    }

    /**
     * Whether inference mode is on for this thread.
     *
     * @return true inside an open {@link Ember#inferenceMode()} scope
     */
    public static boolean isEnabled() {
        return GradMode.state()[1];
    }

    /** Restores the inference and gradient modes in force when this scope opened (closing twice does nothing). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            grad.close();
            GradMode.state()[1] = previous;
        }
    }
}
