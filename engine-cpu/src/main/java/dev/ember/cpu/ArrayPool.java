package dev.ember.cpu;

import dev.ember.DType;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The arrays of closed storages, kept for the next allocation of the same type and length: a training loop that closes
 * its tensors (a {@code TensorScope} per step) then reuses its arrays instead of having the JVM allocate and zero new
 * ones, which costs as much memory traffic as a kernel writing them. Only arrays of at least
 * {@code ember.cpu.poolMinLength} elements (default 16384; smaller ones come cheaply from the JVM) are kept, up to
 * {@code ember.cpu.poolBytes} in all (default 256 MiB or an eighth of the maximum heap, whichever is less; 0 turns
 * the pool off). Unclosed storages are never pooled: the garbage collector reclaims them as before.
 *
 * <p>A full pool makes room for a returned array by dropping arrays of lengths no one has asked for lately: those
 * whose type and length were last requested ({@link #take}, or given back for the first time) at least
 * {@code ember.cpu.poolStaleTakes} requests ago (default 4096), least recently requested first. So the arrays of an
 * earlier phase (an evaluation at another batch size, the shapes of a step that will not come again) give way to the
 * lengths a loop now uses, while a loop whose working set is larger than the pool keeps the part it holds (its
 * lengths are asked for every step, so none is stale) instead of dropping arrays just before their next request.
 *
 * <p>The pool never makes a program fail that would run without it: it holds its arrays through soft references,
 * which the JVM clears before it throws {@link OutOfMemoryError}, and {@link CpuStorage} empties it and retries once
 * when an allocation still fails.
 */
final class ArrayPool {
    static final ArrayPool INSTANCE = new ArrayPool(Integer.getInteger("ember.cpu.poolMinLength", 16384),
            Long.getLong("ember.cpu.poolBytes", Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 8)),
            Long.getLong("ember.cpu.poolStaleTakes", 4096));

    private final int minLength;
    private final long maxBytes;
    /** How many requests ago a length's last request must lie for its arrays to make room (at least 1). */
    private final long staleTakes;
    private final Map<Long, Slot> free = new HashMap<>();
    private final ReferenceQueue<Object> cleared = new ReferenceQueue<>();
    private long bytes;
    /** Requests for pooled lengths so far, hits and misses: the clock that staleness is measured in. */
    private long requests;

    /** The arrays kept for one type and length, newest first, and when that length was last requested. */
    private static final class Slot {
        final ArrayDeque<Entry> list = new ArrayDeque<>();
        long lastRequest;

        Slot(long lastRequest) {
            this.lastRequest = lastRequest;
        }
    }

    /** A pooled array, softly held, with what it counts for in {@link #bytes}. */
    private static final class Entry extends SoftReference<Object> {
        final long key;
        final long size;
        /** Whether {@link #bytes} still counts it (false once taken or dropped). */
        boolean counted = true;

        Entry(Object array, long key, long size, ReferenceQueue<Object> queue) {
            super(array, queue);
            this.key = key;
            this.size = size;
        }
    }

    ArrayPool(int minLength, long maxBytes) {
        this(minLength, maxBytes, 4096);
    }

    ArrayPool(int minLength, long maxBytes, long staleTakes) {
        this.minLength = minLength;
        this.maxBytes = maxBytes;
        this.staleTakes = Math.max(1, staleTakes);
    }

    /** One list per type and length (eight types: the ordinal takes four bits). */
    private static long key(DType t, int length) {
        return ((long) length << 4) | t.ordinal();
    }

    private static long size(DType t, int length) {
        return (long) length * t.itemSize();
    }

    /** Whether arrays of this length are pooled at all. */
    boolean keeps(int length) {
        return length >= minLength && maxBytes > 0;
    }

    /** An array of {@code length} elements of {@code t} with stale contents, or null when none is kept. */
    Object take(DType t, int length) {
        if (!keeps(length)) {
            return null;
        }
        synchronized (this) {
            expunge();
            requests++;
            long k = key(t, length);
            Slot slot = free.get(k);
            if (slot == null) {
                return null;
            }
            slot.lastRequest = requests;
            Object a = null;
            while (a == null && !slot.list.isEmpty()) {
                Entry e = slot.list.poll();
                uncount(e);
                a = e.get();
            }
            if (slot.list.isEmpty()) {
                free.remove(k);
            }
            return a;
        }
    }

    /** Keeps the array of a closed storage, unless it is small or the pool is full. No one may use it afterwards. */
    void give(DType t, Object array, int length) {
        if (!keeps(length)) {
            return;
        }
        long s = size(t, length);
        synchronized (this) {
            expunge();
            if (bytes + s > maxBytes && !makeRoom(bytes + s - maxBytes)) {
                return;
            }
            long k = key(t, length);
            bytes += s;
            free.computeIfAbsent(k, x -> new Slot(requests)).list.push(new Entry(array, k, s, cleared));
        }
    }

    /**
     * Drops {@code need} bytes or more of the arrays of stale lengths (last requested at least {@link #staleTakes}
     * requests ago), least recently requested length first and its longest-kept array first; drops nothing and
     * answers false when the stale lengths do not hold that much.
     */
    private boolean makeRoom(long need) {
        java.util.List<Map.Entry<Long, Slot>> stale = new java.util.ArrayList<>();
        long available = 0;
        for (Map.Entry<Long, Slot> e : free.entrySet()) {
            if (requests - e.getValue().lastRequest >= staleTakes) {
                stale.add(e);
                for (Entry x : e.getValue().list) {
                    available += x.size;
                }
            }
        }
        if (available < need) {
            return false;
        }
        stale.sort((a, b) -> Long.compare(a.getValue().lastRequest, b.getValue().lastRequest));
        for (Map.Entry<Long, Slot> e : stale) {
            ArrayDeque<Entry> list = e.getValue().list;
            while (need > 0 && !list.isEmpty()) {
                Entry x = list.pollLast();
                need -= x.size;
                uncount(x);
                x.clear();
            }
            if (list.isEmpty()) {
                free.remove(e.getKey());
            }
            if (need <= 0) {
                break;
            }
        }
        return true;
    }

    /** Drops every pooled array (an allocation ran out of heap). */
    synchronized void clear() {
        for (Slot slot : free.values()) {
            for (Entry e : slot.list) {
                uncount(e);
                e.clear();
            }
        }
        free.clear();
        expunge();
    }

    /** Bytes held for reuse (arrays the garbage collector has reclaimed are not counted). */
    synchronized long bytes() {
        expunge();
        return bytes;
    }

    private void uncount(Entry e) {
        if (e.counted) {
            e.counted = false;
            bytes -= e.size;
        }
    }

    /** Forgets the arrays the garbage collector reclaimed. */
    private void expunge() {
        for (Object r; (r = cleared.poll()) != null; ) {
            Entry e = (Entry) r;
            if (e.counted) {
                uncount(e);
                Slot slot = free.get(e.key);
                if (slot != null) {
                    slot.list.remove(e);
                    if (slot.list.isEmpty()) {
                        free.remove(e.key);
                    }
                }
            }
        }
    }
}
