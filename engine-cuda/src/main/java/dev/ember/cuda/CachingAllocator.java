package dev.ember.cuda;

import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching device allocator, as PyTorch's: freed blocks go to per-size free lists and are reused by
 * later allocations of the same rounded size, so a training loop reaches a steady state without
 * cuMemAlloc/cuMemFree calls. Blocks are reused in stream order (one stream per device), so a block
 * freed while a kernel still reads it is only handed to work queued after that kernel.
 */
final class CachingAllocator {
    /** Requests round up to this granularity below 1 MiB ... */
    private static final long SMALL = 512;
    /** ... and to 2 MiB pages above it. */
    private static final long LARGE = 2L << 20;

    private final TreeMap<Long, ArrayDeque<CUdeviceptr>> free = new TreeMap<>();
    private long inUse;
    private long cached;
    private long peakInUse;
    private long deviceAllocs;
    private final Runnable synchronize;

    /**
     * Reserved bytes (in use plus cached) beyond which a fresh allocation first collects garbage: tensors dropped
     * without {@code close()} hold their blocks until their Cleaner runs, and small Java objects holding large device
     * buffers give the JVM little reason to collect on its own. Default: half the device's memory.
     */
    private final long softLimit;

    private long collections;

    CachingAllocator(Runnable synchronize, long deviceBytes) {
        this.synchronize = synchronize;
        this.softLimit = Long.getLong("ember.cuda.softLimitBytes", deviceBytes / 2);
    }

    static long round(long bytes) {
        long b = Math.max(bytes, 1);
        long unit = b < (1L << 20) ? SMALL : LARGE;
        return (b + unit - 1) / unit * unit;
    }

    /** A block of at least {@code bytes}; its rounded size is {@link #round(long)}. */
    CUdeviceptr allocate(long bytes) {
        long size = round(bytes);
        boolean overSoftLimit;
        synchronized (this) {
            CUdeviceptr p = fromCache(size);
            if (p != null) {
                return p;
            }
            overSoftLimit = inUse + cached + size > softLimit;
            if (!overSoftLimit) {
                p = tryDeviceAlloc(size);
                if (p != null) {
                    return p;
                }
            }
        }
        if (overSoftLimit) {
            // Past the soft limit, garbage tensors are the likely holders: collect before growing further
            collectGarbage(size);
            synchronized (this) {
                collections++;
                CUdeviceptr p = fromCache(size);
                if (p == null && inUse + cached + size > softLimit && cached > 0) {
                    emptyCache(); // blocks of other sizes: give them back rather than grow past the limit
                }
                if (p == null) {
                    p = tryDeviceAlloc(size);
                }
                if (p != null) {
                    return p;
                }
            }
        }
        // Out of device memory. Tensors dropped without close() hold their blocks until their Cleaner runs, which
        // only a collection triggers: collect (outside the lock, which the Cleaner thread needs), then retry.
        collectGarbage(size);
        synchronized (this) {
            CUdeviceptr p = fromCache(size);
            if (p != null) {
                return p;
            }
            long cachedBefore = cached;
            emptyCache();
            p = tryDeviceAlloc(size);
            if (p == null) {
                throw new CudaOutOfMemoryError(String.format("CUDA out of memory. Tried to allocate %s; %s in use by Ember "
                        + "tensors; %s was cached and has been freed for a retry, which failed too", mib(size), mib(inUse),
                        mib(cachedBefore)));
            }
            return p;
        }
    }

    private CUdeviceptr tryDeviceAlloc(long size) {
        CUdeviceptr p = new CUdeviceptr();
        try {
            JCudaDriver.cuMemAlloc(p, size);
        } catch (CudaException e) {
            return null;
        }
        deviceAllocs++;
        inUse += size;
        peakInUse = Math.max(peakInUse, inUse);
        return p;
    }

    private CUdeviceptr fromCache(long size) {
        ArrayDeque<CUdeviceptr> list = free.get(size);
        CUdeviceptr p = list == null ? null : list.poll();
        if (p != null) {
            cached -= size;
            inUse += size;
            peakInUse = Math.max(peakInUse, inUse);
        }
        return p;
    }

    /** Runs a collection and gives the Cleaner a moment to return blocks, until one of the size is free. */
    private void collectGarbage(long size) {
        System.gc();
        for (int i = 0; i < 10; i++) {
            synchronized (this) {
                ArrayDeque<CUdeviceptr> list = free.get(size);
                if (list != null && !list.isEmpty()) {
                    return;
                }
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Returns a block to the cache. Safe from any thread (a Cleaner's included): no CUDA call. */
    synchronized void release(CUdeviceptr p, long bytes) {
        long size = round(bytes);
        inUse -= size;
        cached += size;
        free.computeIfAbsent(size, k -> new ArrayDeque<>()).push(p);
    }

    /** Frees every cached block (as {@code torch.cuda.empty_cache()}). Call with the context current. */
    synchronized void emptyCache() {
        synchronize.run();
        for (Map.Entry<Long, ArrayDeque<CUdeviceptr>> e : free.entrySet()) {
            for (CUdeviceptr p : e.getValue()) {
                JCudaDriver.cuMemFree(p);
            }
        }
        free.clear();
        cached = 0;
    }

    /** Bytes in blocks held by live tensors. */
    synchronized long inUse() {
        return inUse;
    }

    /** Bytes in cached free blocks. */
    synchronized long cached() {
        return cached;
    }

    /** The largest {@link #inUse()} seen. */
    synchronized long peakInUse() {
        return peakInUse;
    }

    synchronized void resetPeak() {
        peakInUse = inUse;
    }

    /** How many times an allocation past the soft limit collected garbage. */
    synchronized long collections() {
        return collections;
    }

    /** How many times the allocator called cuMemAlloc. */
    synchronized long deviceAllocations() {
        return deviceAllocs;
    }

    static String mib(long bytes) {
        return String.format("%.2f MiB", bytes / 1048576.0);
    }
}
