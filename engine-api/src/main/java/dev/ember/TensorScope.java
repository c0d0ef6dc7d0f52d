package dev.ember;

import java.util.Arrays;

/**
 * Closes, when it closes, every tensor made on its thread while it was the innermost open scope: deterministic
 * release of device memory for a training step or an inference call, without closing each intermediate by hand.
 * Open one with {@link Ember#scope()}:
 *
 * <pre>{@code
 * for (Batch b : loader) {
 *     try (TensorScope step = Ember.scope()) {
 *         optimizer.zeroGrad();
 *         Tensor loss = lossFn.apply(model.forward(b.input().to(device)), b.target().to(device));
 *         loss.backward();
 *         optimizer.step();
 *         total += loss.item();
 *     } // activations, saved tensors, gradients of intermediates, temporaries: all freed here
 * }
 * }</pre>
 *
 * What outlives the scope: tensors made before it opened (parameters, inputs made outside), what the scope was told
 * to {@link #keep}, and the state that belongs to longer-lived objects, which the engine takes out of every scope: a
 * leaf's {@code grad} follows the scope of its leaf (none for a parameter), an optimizer's state and a module's
 * parameters and buffers belong to no scope. A tensor closed by a scope cannot be used afterwards
 * ({@link Tensor#close()}); a graph made inside a scope cannot be differentiated after it closes.
 *
 * <p>Scopes nest and must close in the reverse order of opening, on the thread that opened them (try-with-resources
 * does both). A scope holds a reference to every tensor made inside it until it closes, so open one per step, not one
 * per run. Tensors made on other threads are not in it, unless they are {@link #handOver handed over} to this thread
 * (as a {@link dev.ember.data.DataLoader} does with the batches its worker threads make). A gradient that a backward
 * pass run on another thread accumulates into a leaf of this scope follows the leaf into it, as on this thread, also
 * while this thread keeps making tensors in the scope; after the scope closed it belongs to no scope.
 */
public final class TensorScope implements AutoCloseable {
    private static final ThreadLocal<TensorScope> CURRENT = new ThreadLocal<>();
    /** Scopes open on any thread: while none is, making a tensor skips the thread-local lookup. */
    private static final java.util.concurrent.atomic.AtomicInteger OPEN = new java.util.concurrent.atomic.AtomicInteger();

    /** Per thread: how many hand-overs it has seen, and the tensors of the last one while they wait for a scope. */
    private static final ThreadLocal<HandOvers> HANDED = new ThreadLocal<>();

    private static final class HandOvers {
        long count;
        Tensor[] waiting;
        TensorScope owner;
    }

    private final TensorScope parent;
    private final Thread thread;
    /** The thread's hand-over count when this scope opened. */
    private final long handOversAtOpen;
    private Tensor[] tensors;
    private int size;
    /**
     * The tensors other threads put in this scope (a backward pass run on another thread accumulating a gradient into
     * a leaf of this scope, a {@link #keep} called there), under this list's lock: {@link #tensors} is the opening
     * thread's alone, and two threads appending to it lost entries and closed a null (session 41).
     */
    private final java.util.ArrayList<Tensor> fromOtherThreads = new java.util.ArrayList<>();
    private volatile boolean closed;

    TensorScope() {
        this(256, true);
    }

    /**
     * A scope with room for {@code capacity} tensors before it grows. {@code step}: whether it may be a training step's
     * scope that takes a data loader's waiting batch; the engine's per-node scopes are not, and leave it waiting.
     */
    TensorScope(int capacity, boolean step) {
        this.tensors = new Tensor[capacity];
        this.thread = Thread.currentThread();
        this.parent = CURRENT.get();
        CURRENT.set(this);
        OPEN.incrementAndGet();
        HandOvers h = HANDED.get();
        handOversAtOpen = h == null ? 0 : h.count;
        if (step && h != null && h.waiting != null) {
            // the first scope opened after a hand-over, directly inside the scope it was made in: a training step's
            if (h.owner == parent) {
                for (Tensor t : h.waiting) {
                    if (t.scope == parent && !t.isClosed()) {
                        add(t);
                    }
                }
            }
            h.waiting = null;
            h.owner = null;
        }
    }

    /**
     * Hands tensors made on another thread (a data loader's worker) to this thread, so that they belong to its
     * training step's scope: when this thread's innermost scope opened after the previous hand-over (the step opened
     * its scope, then took its batch), they join it now; otherwise (the batch is taken first, as a {@code for} loop over
     * a loader does, and the step's scope opens after) they join the next scope this thread opens inside its innermost
     * one. Until then, or if that scope closes first, they belong to the innermost scope (none if none is open, and
     * then the garbage collector frees them). Each call starts a new hand-over, even with no tensors: a loader calls
     * it so when an iteration begins.
     *
     * @throws IllegalArgumentException if {@code tensors} or one of them is null
     */
    public static void handOver(Tensor... tensors) {
        Args.tensors(java.util.Arrays.asList(Args.require(tensors, "handOver", "tensors", 1, "tuple of Tensors")),
                "handOver", "tensors", 1);
        HandOvers h = HANDED.get();
        if (h == null) {
            h = new HandOvers();
            HANDED.set(h);
        }
        TensorScope s = CURRENT.get();
        boolean stepScope = s != null && s.handOversAtOpen == h.count;
        h.count++;
        for (Tensor t : tensors) {
            if (s == null) {
                t.scope = null;
            } else if (t.scope != s) {
                s.add(t);
            }
        }
        h.waiting = stepScope || tensors.length == 0 ? null : tensors.clone();
        h.owner = stepScope ? null : s;
    }

    /** Adds a new tensor to the innermost open scope of this thread, if any. */
    static void register(Tensor t) {
        if (OPEN.get() == 0) {
            return;
        }
        TensorScope s = CURRENT.get();
        if (s != null) {
            s.add(t);
        }
    }

    private void add(Tensor t) {
        if (Thread.currentThread() != thread) {
            synchronized (fromOtherThreads) {
                if (closed) {
                    t.scope = null; // it closed meanwhile: the tensor belongs to no scope, as one adopted after the close
                } else {
                    fromOtherThreads.add(t);
                    t.scope = this;
                }
            }
            return;
        }
        if (size == tensors.length) {
            tensors = Arrays.copyOf(tensors, size * 2);
        }
        tensors[size++] = t;
        t.scope = this;
    }

    /**
     * Takes {@code t} (and its gradient) out of this scope, into the enclosing one (or none when this is the
     * outermost), so it survives this scope's close, as a value returned from TensorFlow.js's {@code tidy}. A tensor
     * of another scope, or of none, is left where it is. Returns {@code t}.
     */
    public Tensor keep(Tensor t) {
        Args.require(t, "keep", "tensor", 1, "Tensor");
        if (t.scope == this) {
            t.scope = null;
            if (parent != null && !parent.closed) {
                parent.add(t);
            }
            if (t.grad != null) {
                keep(t.grad); // a gradient lives as long as its tensor
            }
        }
        return t;
    }

    /**
     * Takes {@code t} out of every scope: it lives until it is closed or unreachable. For state owned by a
     * longer-lived object (an optimizer's moments, a module's buffers). Returns {@code t}.
     */
    public static Tensor escape(Tensor t) {
        Args.require(t, "escape", "tensor", 1, "Tensor");
        t.scope = null;
        return t;
    }

    /** Puts {@code t} in the scope of {@code owner} (none if it has none): a gradient lives as long as its tensor. */
    static void adopt(Tensor owner, Tensor t) {
        TensorScope s = owner.scope;
        if (s == null || s.closed) {
            t.scope = null;
        } else if (t.scope != s) {
            s.add(t);
        }
    }

    /** The innermost open scope of this thread, or null. */
    static TensorScope current() {
        return CURRENT.get();
    }

    /** How many tensors this scope will close (those made in it and not kept, escaped or already closed). */
    public int size() {
        int n = 0;
        for (int i = 0; i < size; i++) {
            n += tensors[i].scope == this && !tensors[i].isClosed() ? 1 : 0;
        }
        synchronized (fromOtherThreads) {
            for (Tensor t : fromOtherThreads) {
                n += t.scope == this && !t.isClosed() ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * Closes every tensor still in this scope and makes the enclosing scope current again. Idempotent.
     *
     * @throws IllegalStateException if called on another thread, or while a scope opened inside this one is open
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        ThreadOwner.check(thread, "A TensorScope");
        if (CURRENT.get() != this) {
            throw new IllegalStateException("TensorScope closed out of order: a scope opened inside it is still open");
        }
        Tensor[] others;
        synchronized (fromOtherThreads) {
            closed = true; // from now on another thread's add leaves its tensor out of every scope
            others = fromOtherThreads.toArray(new Tensor[0]);
            fromOtherThreads.clear();
        }
        CURRENT.set(parent);
        OPEN.decrementAndGet();
        HandOvers h = HANDED.get();
        if (h != null && h.waiting != null && h.owner == this) {
            h.waiting = null; // handed over while this scope was innermost, and no step scope came: they close with it
            h.owner = null;
        }
        Tensor[] ts = tensors;
        for (int i = 0; i < size; i++) {
            Tensor t = ts[i];
            if (t.scope == this) {
                t.scope = null;
                t.close();
            }
            ts[i] = null;
        }
        size = 0;
        for (Tensor t : others) {
            if (t.scope == this) {
                t.scope = null;
                t.close();
            }
        }
    }
}
