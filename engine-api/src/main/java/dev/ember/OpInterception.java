package dev.ember;

import java.util.List;
import java.util.function.Supplier;

/**
 * The ops whose computation a scope on this thread may take over, as PyTorch's {@code TorchDispatchMode} sees every
 * aten op below autograd: the mechanism behind selective activation checkpointing
 * ({@link dev.ember.nn.utils.SelectiveCheckpoint}). Ember has no dispatcher, so only the ops listed in {@link #OPS}
 * pass through it (by PyTorch's overload names): {@code aten.mm.default} and {@code aten.bmm.default} of
 * floating-point tensors (which {@code matmul} reaches) and {@code aten.addmm.default} (a matrix through
 * {@code nn.Linear} or {@code F.linear} where they use it). A mode gets the op's name, its tensor arguments and the computation; it returns
 * the op's result (computed, or taken from elsewhere with the same values). Autograd records the op's node on whatever
 * the mode returns, as it does above a dispatch mode. An op called while a mode runs (addmm's inner product) passes
 * straight through.
 */
public final class OpInterception {
    /** The ops that pass through a mode, by PyTorch's overload names. */
    public static final List<String> OPS = List.of("aten.mm.default", "aten.bmm.default", "aten.addmm.default");

    private static final ThreadLocal<Mode> MODE = new ThreadLocal<>();
    /** How many scopes are open on all threads: while none is, an op asks nothing more than this one read. */
    private static final java.util.concurrent.atomic.AtomicInteger OPEN = new java.util.concurrent.atomic.AtomicInteger();
    private static final ThreadLocal<Boolean> INSIDE = new ThreadLocal<>();

    private OpInterception() {
    }

    /** What a scope does with each op of {@link #OPS} run on its thread. */
    @FunctionalInterface
    public interface Mode {
        /**
         * Runs (or replaces) one op.
         *
         * @param op the op's PyTorch overload name ({@code aten.mm.default})
         * @param args its tensor arguments, in PyTorch's order
         * @param compute the op's own computation (no history recorded)
         * @return the op's result: its shape, type and device, without history
         */
        Tensor run(String op, Tensor[] args, Supplier<Tensor> compute);
    }

    /** An open scope; closing it restores the mode in force before. */
    public static final class Scope implements AutoCloseable {
        private final Mode previous;
        private final Thread owner = Thread.currentThread();
        private boolean closed;

        private Scope(Mode previous) {
            this.previous = previous;
        }

        /**
         * Restores the mode in force when this scope opened (closing twice does nothing).
         *
         * @throws IllegalStateException on another thread than the one that opened it (nothing changes)
         */
        @Override
        public void close() {
            if (!closed) {
                ThreadOwner.check(owner, "An op interception scope");
                closed = true;
                OPEN.decrementAndGet();
                if (previous == null) {
                    MODE.remove();
                } else {
                    MODE.set(previous);
                }
            }
        }
    }

    /**
     * Puts {@code mode} in force on this thread until the returned scope closes (the innermost mode wins).
     *
     * @param mode the mode
     * @return the scope
     * @throws IllegalArgumentException for a null mode
     */
    public static Scope enter(Mode mode) {
        Args.require(mode, "enter", "mode", 0, "Mode");
        Mode previous = MODE.get();
        MODE.set(mode);
        OPEN.incrementAndGet();
        return new Scope(previous);
    }

    /**
     * Whether any scope is open on any thread: the ops ask this first, so that while none is they build no argument
     * array or computation to hand over.
     */
    static boolean active() {
        return OPEN.get() != 0;
    }

    /** Runs op {@code op} through this thread's mode, if any (and none is running), else computes it. */
    static Tensor run(String op, Tensor[] args, Supplier<Tensor> compute) {
        Mode mode = MODE.get();
        if (mode == null || INSIDE.get() != null) {
            return compute.get();
        }
        INSIDE.set(Boolean.TRUE);
        Tensor out;
        try {
            out = mode.run(op, args.clone(), compute);
        } finally {
            INSIDE.remove();
        }
        if (out == null) {
            throw new IllegalStateException(op + ": the op interception mode returned null");
        }
        return out;
    }
}
