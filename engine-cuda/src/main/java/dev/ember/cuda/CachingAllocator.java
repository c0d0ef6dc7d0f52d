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

    /** Where blocks come from: the driver, or a fake in tests of the policy. */
    interface DeviceMemory {
        /** A new block of {@code bytes}, or null when the device is out of memory. */
        CUdeviceptr alloc(long bytes);

        void free(CUdeviceptr p);
    }

    /** The driver's cuMemAlloc and cuMemFree (the context must be current). */
    static final DeviceMemory DRIVER = new DeviceMemory() {
        @Override
        public CUdeviceptr alloc(long bytes) {
            CUdeviceptr p = new CUdeviceptr();
            try {
                JCudaDriver.cuMemAlloc(p, bytes);
            } catch (CudaException e) {
                return null;
            }
            return p;
        }

        @Override
        public void free(CUdeviceptr p) {
            JCudaDriver.cuMemFree(p);
        }
    };

    private final TreeMap<Long, ArrayDeque<CUdeviceptr>> free = new TreeMap<>();
    private long inUse;
    private long cached;
    private long peakInUse;
    private long deviceAllocs;
    private final Runnable synchronize;
    private final DeviceMemory device;
    /** Asks the JVM to collect garbage, so that Cleaners return the blocks of unreachable storages. */
    private final Runnable gc;

    /**
     * Reserved bytes (in use plus cached) beyond which a fresh allocation first collects garbage: tensors dropped
     * without {@code close()} hold their blocks until their Cleaner runs, and small Java objects holding large device
     * buffers give the JVM little reason to collect on its own. Default: half the device's memory.
     */
    private final long softLimit;

    /**
     * How far bytes in use may rise above their low-water mark since the last collection before a cache miss collects
     * garbage: the larger of this and the low-water mark itself, so a loop that drops its tensors without closing them
     * stays within a band above what it really uses (flat), and a working set that truly grows makes collections
     * rarer each time (it doubles). Default: the larger of 512 MiB and a sixteenth of the device.
     */
    private final long growthFloor;
    /** The fewest bytes in use since the last collection: an estimate of what live tensors hold. */
    private long lowWater;

    private long collections;

    CachingAllocator(Runnable synchronize, long deviceBytes) {
        this(synchronize, deviceBytes, DRIVER, System::gc);
    }

    CachingAllocator(Runnable synchronize, long deviceBytes, DeviceMemory device, Runnable gc) {
        this.synchronize = synchronize;
        this.device = device;
        this.gc = gc;
        this.softLimit = Long.getLong("ember.cuda.softLimitBytes", deviceBytes / 2);
        this.growthFloor = Long.getLong("ember.cuda.gcGrowthBytes", Math.max(512L << 20, deviceBytes / 16));
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
        boolean collect;
        long cacheFreed = 0;
        synchronized (this) {
            CUdeviceptr p = fromCache(size);
            if (p != null) {
                return p;
            }
            overSoftLimit = inUse + cached + size > softLimit;
            collect = overSoftLimit || inUse - lowWater > Math.max(growthFloor, lowWater);
            if (!collect) {
                p = tryDeviceAlloc(size);
                if (p != null) {
                    return p;
                }
            }
        }
        if (collect) {
            // Garbage tensors are the likely holders of the memory in use: collect before growing further
            collectGarbage(size);
            synchronized (this) {
                collections++;
                lowWater = inUse;
                CUdeviceptr p = fromCache(size);
                if (p == null && inUse + cached + size > softLimit && cached > 0) {
                    cacheFreed = cached;
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
            cacheFreed += cached;
            emptyCache();
            p = tryDeviceAlloc(size);
            if (p == null) {
                throw new CudaOutOfMemoryError(String.format("CUDA out of memory. Tried to allocate %s; %s in use by Ember "
                        + "tensors; %s was cached and has been freed for a retry, which failed too", mib(size), mib(inUse),
                        mib(cacheFreed)));
            }
            return p;
        }
    }

    private CUdeviceptr tryDeviceAlloc(long size) {
        CUdeviceptr p = device.alloc(size);
        if (p == null) {
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
        gc.run();
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
        lowWater = Math.min(lowWater, inUse);
        cached += size;
        free.computeIfAbsent(size, k -> new ArrayDeque<>()).push(p);
    }

    /** Frees every cached block (as {@code torch.cuda.empty_cache()}). Call with the context current. */
    synchronized void emptyCache() {
        synchronize.run();
        for (Map.Entry<Long, ArrayDeque<CUdeviceptr>> e : free.entrySet()) {
            for (CUdeviceptr p : e.getValue()) {
                device.free(p);
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
