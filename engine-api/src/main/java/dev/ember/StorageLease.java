package dev.ember;

import dev.ember.backend.Storage;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * The open tensors over one storage, as PyTorch counts references to a storage: every {@link Tensor} over it (the
 * tensor that allocated it, its views, detached and {@code data()} handles) holds the lease until it is closed, and
 * the last close closes the storage, freeing its memory at once. A tensor dropped without {@code close()} keeps its
 * hold; the storage is then freed when every tensor over it is unreachable (the backend's {@code Cleaner}).
 */
final class StorageLease {
    private static final VarHandle OPEN;
    /**
     * Leases whose storage has not been closed through them, counted only with {@code -Dember.trackStorages=true}
     * (the tests of deterministic release set it; the count costs an atomic add per storage).
     */
    private static final LongAdder LIVE = new LongAdder();
    private static final boolean TRACK = Boolean.getBoolean("ember.trackStorages");

    static {
        try {
            OPEN = MethodHandles.lookup().findVarHandle(StorageLease.class, "open", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Storage storage;
    /** Whether the storage was made in inference mode: every tensor over it is an inference tensor. */
    final boolean inference = InferenceMode.isEnabled();
    /** The vmap sample running when the storage was made (it may be written in place within it), or null. */
    final VmapState.Sample vmapSample = VmapState.sampleToken();
    /** The gradient transform running when the storage was made (it may be written in place within it), or null. */
    final FuncCaptures.Level funcLevel = FuncCaptures.token();
    /** Updated atomically through OPEN (views of one storage may be made and closed on several threads). */
    private int open;
    /** A pinned CPU storage's host buffer ({@link PinnedMemory}), closed with the storage; null when not pinned. */
    volatile PinnedMemory.Pin pinned;

    /** A lease held once, by the tensor that made the storage. */
    StorageLease(Storage storage) {
        this.storage = storage;
        this.open = 1;
        if (TRACK) {
            LIVE.increment();
        }
    }

    void acquire() {
        OPEN.getAndAdd(this, 1);
    }

    /** Gives up one hold; the last one closes the storage. */
    void release() {
        if ((int) OPEN.getAndAdd(this, -1) == 1) {
            if (TRACK) {
                LIVE.decrement();
            }
            storage.close();
            PinnedMemory.Pin p = pinned;
            if (p != null) {
                p.buffer.close();
            }
        }
    }

    /** Storages handed to tensors and not yet closed by their last tensor's close (garbage ones included). */
    static long live() {
        if (!TRACK) {
            throw new IllegalStateException("run with -Dember.trackStorages=true to count storages");
        }
        return LIVE.sum();
    }
}
