package dev.ember.cpu;

import dev.ember.DType;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The arrays of closed storages, kept for the next allocation of the same type and length: a training loop that closes
 * its tensors (a {@code TensorScope} per step) then reuses its arrays instead of having the JVM allocate and zero new
 * ones, which costs as much memory traffic as a kernel writing them. Only arrays of at least
 * {@code ember.cpu.poolMinLength} elements (default 16384; smaller ones come cheaply from the JVM) are kept, up to
 * {@code ember.cpu.poolBytes} in all (default 256 MiB; 0 turns the pool off). Unclosed storages are never pooled:
 * the garbage collector reclaims them as before.
 */
final class ArrayPool {
    static final ArrayPool INSTANCE = new ArrayPool(Integer.getInteger("ember.cpu.poolMinLength", 16384),
            Long.getLong("ember.cpu.poolBytes", 256L << 20));

    private final int minLength;
    private final long maxBytes;
    private final Map<Long, ArrayDeque<Object>> free = new HashMap<>();
    private long bytes;

    ArrayPool(int minLength, long maxBytes) {
        this.minLength = minLength;
        this.maxBytes = maxBytes;
    }

    private static long key(DType t, int length) {
        return ((long) length << 3) | t.ordinal();
    }

    private static long size(DType t, int length) {
        return (long) length * (t == DType.BOOL ? 1 : t.itemSize());
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
            ArrayDeque<Object> list = free.get(key(t, length));
            Object a = list == null ? null : list.poll();
            if (a != null) {
                bytes -= size(t, length);
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
            if (bytes + s > maxBytes) {
                return;
            }
            bytes += s;
            free.computeIfAbsent(key(t, length), k -> new ArrayDeque<>()).push(array);
        }
    }

    /** Bytes held for reuse. */
    synchronized long bytes() {
        return bytes;
    }
}
