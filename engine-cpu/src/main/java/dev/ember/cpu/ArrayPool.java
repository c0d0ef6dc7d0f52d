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
 * <p>The pool never makes a program fail that would run without it: it holds its arrays through soft references,
 * which the JVM clears before it throws {@link OutOfMemoryError}, and {@link CpuStorage} empties it and retries once
 * when an allocation still fails.
 */
final class ArrayPool {
    static final ArrayPool INSTANCE = new ArrayPool(Integer.getInteger("ember.cpu.poolMinLength", 16384),
            Long.getLong("ember.cpu.poolBytes", Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 8)));

    private final int minLength;
    private final long maxBytes;
    private final Map<Long, ArrayDeque<Entry>> free = new HashMap<>();
    private final ReferenceQueue<Object> cleared = new ReferenceQueue<>();
    private long bytes;

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
        this.minLength = minLength;
        this.maxBytes = maxBytes;
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
            ArrayDeque<Entry> list = free.get(key(t, length));
            while (list != null && !list.isEmpty()) {
                Entry e = list.poll();
                uncount(e);
                Object a = e.get();
                if (a != null) {
                    return a;
                }
            }
            return null;
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
            if (bytes + s > maxBytes) {
                return;
            }
            long k = key(t, length);
            bytes += s;
            free.computeIfAbsent(k, x -> new ArrayDeque<>()).push(new Entry(array, k, s, cleared));
        }
    }

    /** Drops every pooled array (an allocation ran out of heap). */
    synchronized void clear() {
        for (ArrayDeque<Entry> list : free.values()) {
            for (Entry e : list) {
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
                ArrayDeque<Entry> list = free.get(e.key);
                if (list != null) {
                    list.remove(e);
                    if (list.isEmpty()) {
                        free.remove(e.key);
                    }
                }
            }
        }
    }
}
