package dev.ember;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The calls of one kind running on each thread, innermost on top (the {@link Func} transforms' levels, vmap's frames),
 * with a count over all threads so that the hooks every tensor and in-place op calls cost one volatile read when none
 * runs anywhere.
 *
 * @param <T> the kind of call
 */
final class ThreadStack<T> {
    private final AtomicInteger active = new AtomicInteger();
    private final ThreadLocal<ArrayDeque<T>> stacks = ThreadLocal.withInitial(ArrayDeque::new);

    /** The innermost call running on this thread, or null. */
    T peek() {
        return active.get() == 0 ? null : stacks.get().peek();
    }

    /** Starts {@code call} on this thread. */
    void push(T call) {
        stacks.get().push(call);
        active.incrementAndGet();
    }

    /**
     * Ends {@code call} on this thread (calls end in any order when an exception unwinds them); found by identity, as
     * two calls may hold equal values.
     */
    void remove(T call) {
        for (Iterator<T> it = stacks.get().iterator(); it.hasNext(); ) {
            if (it.next() == call) {
                it.remove();
                active.decrementAndGet();
                return;
            }
        }
    }
}
