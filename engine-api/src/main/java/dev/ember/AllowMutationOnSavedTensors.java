package dev.ember;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A scope in which a tensor saved for the backward pass may be changed in place, as PyTorch 2.0's
 * {@code torch.autograd.graph.allow_mutation_on_saved_tensors()}: open it with
 * {@link Autograd#allowMutationOnSavedTensors()} around both the forward and the backward.
 *
 * <pre>{@code
 * try (AllowMutationOnSavedTensors ctx = Autograd.allowMutationOnSavedTensors()) {
 *     Tensor b = a.clone();
 *     Tensor out = b.pow(2).sum();
 *     b.sin_();             // b was saved by pow: its old values are cloned first
 *     out.backward();       // a.grad is 2 * (b before sin_)
 * }
 * }</pre>
 *
 * <p>As 2.x does it: the scope installs {@linkplain SavedTensorsHooks saved-tensor hooks} (so it is refused inside
 * {@link Autograd#disableSavedTensorsHooks(String)}, and tensors saved inside are not version-checked); before an
 * in-place op (or an optimizer's update) writes a tensor, every tensor saved inside the scope that lives in the same
 * storage and has not been cloned yet is cloned, and the backward reads the clone. Reading a tensor saved inside the
 * scope after it closed (a backward outside it) fails with 2.x's message ({@code Trying to backward outside of the
 * 'allow_mutation_on_saved_tensors' contextin which the graph was originally recorded.}, its missing space kept); so
 * does opening a scope inside another ({@code allow_mutation_on_saved_tensors contexts cannot be nested}), which here
 * leaves the outer scope working (2.x's cleanup also switches the outer one off). As in 2.x, whether a scope is open is
 * process-wide (2.x's module flag {@code _allow_mutation_on_saved_tensors_enabled}): while one is open on any thread,
 * opening another, on any thread, is refused as nested; what the scope does (its saved-tensor hooks, and the cloning
 * before an in-place write, 2.x's {@code TorchDispatchMode}) belongs to the thread that opened it, as 2.x's hooks and
 * dispatch modes are thread-local. A difference: every saved tensor sharing the written tensor's storage is cloned,
 * where 2.x matches only the same data pointer (a saved view at another offset of the storage is missed there, and
 * its backward reads the new values).
 */
public final class AllowMutationOnSavedTensors implements AutoCloseable {
    private static final ThreadLocal<AllowMutationOnSavedTensors> ACTIVE = new ThreadLocal<>();
    /**
     * The scope open now on any thread, or null (2.x's process-wide flag): while none is, an in-place write asks nothing
     * more than this read.
     */
    private static final java.util.concurrent.atomic.AtomicReference<AllowMutationOnSavedTensors> OPEN =
            new java.util.concurrent.atomic.AtomicReference<>();
    static final String OUTSIDE = "Trying to backward outside of the 'allow_mutation_on_saved_tensors' context"
            + "in which the graph was originally recorded.";

    /** One saved tensor: the tensor as saved, then (once its storage is about to be written) its clone. */
    private static final class Handle {
        Tensor original;
        Tensor cloned;
        final AllowMutationOnSavedTensors scope;

        Handle(Tensor original, AllowMutationOnSavedTensors scope) {
            this.original = original;
            this.scope = scope;
        }
    }

    /**
     * The handles the graph still holds, by the storage their tensor lives in (a freed graph lets its handles go, and
     * then their storages' entries).
     */
    private final Map<StorageLease, List<WeakReference<Handle>>> handles = new WeakHashMap<>();
    private final SavedTensorsHooks hooks;
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private AllowMutationOnSavedTensors() {
        // 2.x's order: the hooks first (refused inside disable_saved_tensors_hooks), then the nesting check
        hooks = SavedTensorsHooks.push(this::pack, AllowMutationOnSavedTensors::unpack);
        if (!OPEN.compareAndSet(null, this)) {
            hooks.close();
            throw new IllegalStateException("allow_mutation_on_saved_tensors contexts cannot be nested");
        }
        ACTIVE.set(this);
    }

    static AllowMutationOnSavedTensors open() {
        return new AllowMutationOnSavedTensors();
    }

    private Handle pack(Tensor t) {
        Handle h = new Handle(t, this);
        handles.computeIfAbsent(t.lease(), k -> new ArrayList<>()).add(new WeakReference<>(h));
        return h;
    }

    private static Tensor unpack(Handle h) {
        if (h.scope.closed) {
            throw new IllegalStateException(OUTSIDE);
        }
        return h.cloned != null ? h.cloned : h.original;
    }

    /** Whether a scope is open on any thread. */
    static boolean anyOpen() {
        return OPEN.get() != null;
    }

    /**
     * Called before {@code self}'s storage is written in place: clones, with autograd off, every tensor saved in this
     * thread's open scope that lives in that storage and was not cloned yet.
     */
    static void beforeWrite(Tensor self) {
        if (OPEN.get() == null) {
            return;
        }
        AllowMutationOnSavedTensors scope = ACTIVE.get();
        if (scope == null) {
            return;
        }
        // every tensor saved from this storage is cloned now, so the storage's entry goes
        List<WeakReference<Handle>> saved = scope.handles.remove(self.lease());
        if (saved == null) {
            return;
        }
        for (WeakReference<Handle> ref : saved) {
            Handle h = ref.get();
            if (h != null && h.cloned == null) {
                try (GradMode off = Ember.noGrad()) {
                    h.cloned = h.original.detach().clone();
                }
                h.original = null;
            }
        }
    }

    /**
     * Closes the scope: its hooks go, and the tensors it kept are dropped, so a backward through a graph recorded inside
     * fails from now on (closing twice does nothing).
     *
     * @throws IllegalStateException on another thread than the one that opened it (nothing changes)
     */
    @Override
    public void close() {
        if (!closed) {
            ThreadOwner.check(owner, "An allow_mutation_on_saved_tensors scope");
            hooks.close();
            closed = true;
            for (List<WeakReference<Handle>> refs : handles.values()) {
                for (WeakReference<Handle> ref : refs) {
                    Handle h = ref.get();
                    if (h != null) {
                        h.original = null;
                        h.cloned = null;
                    }
                }
            }
            handles.clear();
            ACTIVE.remove();
            OPEN.compareAndSet(this, null);
        }
    }
}
