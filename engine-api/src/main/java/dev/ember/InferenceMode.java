package dev.ember;

/**
 * Inference mode on this thread, and the scope that switches it, as PyTorch's {@code torch.inference_mode()}: open it
 * with {@link Ember#inferenceMode()}: {@code try (InferenceMode im = Ember.inferenceMode()) { ... model.forward(x) ... }}.
 *
 * <p>Inside, no operation records the autograd graph, even where {@link Ember#enableGrad()} switches gradient mode back
 * on (PyTorch's inference mode leaves autograd out altogether: {@link Ember#isGradEnabled()} reports the gradient mode,
 * false on entry, as PyTorch's {@code is_grad_enabled}). Scopes nest; closing one restores both the inference mode and
 * the gradient mode that were in force when it opened.
 *
 * <p>Tensors whose storage is made inside are inference tensors ({@link Tensor#isInference()}; views and detached
 * handles of them too, a view of a normal tensor stays normal): they have no version counter, and outside inference
 * mode they may be read by any op but not saved for backward, written in place or made to require grad (PyTorch's
 * errors); {@code clone()} gives a normal tensor. In-place changes of normal tensors inside still count in their
 * version counters, as in PyTorch.
 */
public final class InferenceMode implements AutoCloseable {
    private final boolean previous;
    private final GradMode grad;
    private final Thread owner = Thread.currentThread();
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

    /**
     * PyTorch's rule: an inference tensor is written in place only inside inference mode (checked before writing), but
     * for one with a version counter of its own ({@link Tensor#detach()} of an inference tensor outside the mode).
     */
    static void checkInplace(Tensor self) {
        if (self.lease().inference && !self.inferenceCounter && !isEnabled()) {
            throw new IllegalStateException("Inplace update to inference tensor outside InferenceMode is not allowed.You can "
                    + "make a clone to get a normal tensor before doing inplace update.See "
                    + "https://github.com/pytorch/rfcs/pull/17 for more details.");
        }
    }

    /** PyTorch's rule: autograd never saves an inference tensor (it has no version counter to check). */
    static void checkSave(Tensor t) {
        if (t.lease().inference) {
            throw new IllegalStateException("Inference tensors cannot be saved for backward. To work around you can make a "
                    + "clone to get a normal tensor and use it in autograd.");
        }
    }

    /**
     * Restores the inference and gradient modes in force when this scope opened (closing twice does nothing).
     *
     * @throws IllegalStateException on another thread than the one that opened it (nothing changes: the scope stays
     *     open for its thread to close)
     */
    @Override
    public void close() {
        if (!closed) {
            ThreadOwner.check(owner, "An InferenceMode scope");
            closed = true;
            grad.close();
            GradMode.state()[1] = previous;
        }
    }
}
