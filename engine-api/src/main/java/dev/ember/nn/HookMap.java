package dev.ember.nn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One kind of hooks by id, in registration order, copied on write: a call reads the current map once, without a
 * lock, while another thread registers or removes a hook (a module in eval may serve many threads; a hook added to it
 * meanwhile, for monitoring, made the serving threads' copies of a LinkedHashMap being changed fail with an
 * ArrayIndexOutOfBoundsException; session 41). A module's own hooks and the global ones of {@link ModuleHooks}.
 *
 * @param <H> the hook's type
 */
final class HookMap<H> {
    private volatile Map<Integer, H> current = Collections.emptyMap();

    /** The hooks now: an unmodifiable map that later registrations and removals leave as it is. */
    Map<Integer, H> snapshot() {
        return current;
    }

    boolean isEmpty() {
        return current.isEmpty();
    }

    /** Adds {@code hook} under {@code id}: last, or first with {@code prepend} (PyTorch's move_to_end(last=False)). */
    synchronized void put(int id, H hook, boolean prepend) {
        Map<Integer, H> next = new LinkedHashMap<>();
        if (prepend) {
            next.put(id, hook);
        }
        next.putAll(current);
        next.put(id, hook);
        current = Collections.unmodifiableMap(next);
    }

    synchronized void remove(int id) {
        if (current.containsKey(id)) {
            Map<Integer, H> next = new LinkedHashMap<>(current);
            next.remove(id);
            current = Collections.unmodifiableMap(next);
        }
    }
}
