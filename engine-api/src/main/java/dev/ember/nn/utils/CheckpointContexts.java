package dev.ember.nn.utils;

import java.util.function.Supplier;

/**
 * The two contexts a non-reentrant checkpoint runs its function under, as the pair PyTorch's {@code context_fn}
 * returns: {@link #forward} around the forward call, {@link #recompute} around the recomputation in the backward
 * (each opened when that call starts and closed when it ends). {@link SelectiveCheckpoint#createSelectiveCheckpointContexts}
 * makes the pair of selective checkpointing; {@link #noop()} is PyTorch's {@code noop_context_fn()}.
 *
 * @param forward opens the forward's context
 * @param recompute opens the recomputation's context
 */
public record CheckpointContexts(Supplier<? extends Scope> forward, Supplier<? extends Scope> recompute) {

    /** An open context. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        /** Closes the context. */
        @Override
        void close();
    }

    /**
     * Checks both openers.
     *
     * @throws IllegalArgumentException for a null opener
     */
    public CheckpointContexts {
        if (forward == null || recompute == null) {
            throw new IllegalArgumentException("CheckpointContexts: " + (forward == null ? "forward" : "recompute")
                    + " must not be null");
        }
    }

    /**
     * Two contexts that do nothing, as {@code noop_context_fn()}.
     *
     * @return the pair
     */
    public static CheckpointContexts noop() {
        return new CheckpointContexts(() -> () -> { }, () -> () -> { });
    }
}
