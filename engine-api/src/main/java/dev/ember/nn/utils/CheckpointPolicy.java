package dev.ember.nn.utils;

/**
 * What selective activation checkpointing does with an op's output, as PyTorch 2.4's
 * {@code torch.utils.checkpoint.CheckpointPolicy}: a {@code *_SAVE} op's output is kept from the forward and not
 * recomputed in the backward; a {@code *_RECOMPUTE} op runs again. {@code MUST_*} and {@code PREFER_*} act alike here
 * (the difference is for compilers, which Ember has none of). See {@link SelectiveCheckpoint}.
 */
public enum CheckpointPolicy {
    /** Saved in the forward, never recomputed. */
    MUST_SAVE,
    /** Saved in the forward (a compiler could override it). */
    PREFER_SAVE,
    /** Recomputed in the backward, never saved. */
    MUST_RECOMPUTE,
    /** Recomputed in the backward (a compiler could override it): vanilla checkpointing. */
    PREFER_RECOMPUTE;

    /** Whether the op's output is kept from the forward. */
    boolean saves() {
        return this == MUST_SAVE || this == PREFER_SAVE;
    }
}
