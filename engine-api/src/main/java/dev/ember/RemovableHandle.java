package dev.ember;

/** Returned by {@link Tensor#registerHook}; {@link #remove()} unregisters the hook. */
public interface RemovableHandle extends AutoCloseable {
    /** Unregisters the hook. Idempotent. */
    void remove();

    /** Same as {@link #remove()}. */
    @Override
    default void close() {
        remove();
    }
}
