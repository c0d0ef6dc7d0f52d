package dev.ember.cuda;

import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

/**
 * A caching device allocator, as PyTorch's: device memory comes from the driver in segments, blocks carved from them
 * go back to per-size free lists when their tensors are freed and are reused by later allocations of the same rounded
 * size, so a training loop reaches a steady state without cuMemAlloc/cuMemFree calls. Small requests (under 1 MiB)
 * are carved from 2 MiB segments and medium ones (under 10 MiB) from 20 MiB segments, so that a cache miss (a size
 * not seen yet, or tensors dropped without close() whose Cleaners have not run) costs a cuMemAlloc only once per
 * segment: on an H100 a cuMemAlloc took tens of microseconds, longer than the kernel launch it precedes. Larger
 * requests get a segment of their own. Blocks are reused in stream order (one compute stream per device), so a block
 * freed while a kernel still reads it is only handed to work queued after that kernel.
 *
 * <p><b>The copy stream</b> ({@link CudaCopyStream}) writes uploads outside that order, so it takes only blocks whose
 * last use is known to be behind a fence it waits for: every release is stamped with the current epoch, {@link #fence()}
 * (called as a fence event is recorded on the compute stream) ends an epoch, and {@link #allocate(long, long)} with
 * that fence's number takes only blocks released before it (or never used). The other hazard, a block freed while an
 * upload into it is in flight, needs nothing here: the compute stream waits for each upload's event as it is queued,
 * so work queued later (any later user of the block, on either stream) comes after the copy.
 */
final class CachingAllocator {
    /** Requests round up to this granularity below 1 MiB ... */
    private static final long SMALL = 512;
    /** ... and to 2 MiB pages above it. */
    private static final long LARGE = 2L << 20;
    /** Blocks under 1 MiB are carved from segments of this size ... */
    private static final long SMALL_SEGMENT = 2L << 20;
    /** ... blocks under MEDIUM_LIMIT from segments of this size, and larger ones get a segment each. */
    private static final long MEDIUM_SEGMENT = 20L << 20;
    private static final long MEDIUM_LIMIT = 10L << 20;

    /** Where segments come from: the driver, or a fake in tests of the policy. */
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

    /** One cuMemAlloc: carved into blocks from its start. */
    private static final class Segment {
        final CUdeviceptr base;
        final long size;
        long carved;
        /** Blocks of this segment held by tensors: at 0, every carved block is in a free list. */
        int outstanding;
        boolean freed;

        Segment(CUdeviceptr base, long size) {
            this.base = base;
            this.size = size;
        }
    }

    private static final class Block {
        final CUdeviceptr ptr;
        final long size;
        final Segment segment;
        /** The epoch of its last release ({@link #fence()}); a block only ever cached after a release. */
        long releasedIn;

        Block(CUdeviceptr ptr, long size, Segment segment) {
            this.ptr = ptr;
            this.size = size;
            this.segment = segment;
        }
    }

    private final TreeMap<Long, ArrayDeque<Block>> free = new TreeMap<>();
    /** Blocks held by tensors, by the pointer handed out (the same object comes back to {@link #release}). */
    private final IdentityHashMap<CUdeviceptr, Block> held = new IdentityHashMap<>();
    private final List<Segment> segments = new ArrayList<>();
    /** The segments blocks are being carved from, small and medium. */
    private Segment smallOpen;
    private Segment mediumOpen;
    private long inUse;
    /** Bytes of all segments: in use plus cached. */
    private long reserved;
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
    /** The current epoch: releases are stamped with it; {@link #fence()} ends it. */
    private long epoch;

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
        return allocate(bytes, Long.MAX_VALUE);
    }

    /**
     * Ends the current epoch and returns its number: blocks released before this call have numbers at most the one
     * returned. Call it as a fence event is recorded on the compute stream (work queued before the fence includes every
     * use of those blocks).
     */
    synchronized long fence() {
        return epoch++;
    }

    /**
     * A block of at least {@code bytes} that was released in an epoch at most {@code releasedBy} (a {@link #fence()}'s
     * number), or a block never used: one the copy stream may write once it waits for that fence.
     */
    CUdeviceptr allocate(long bytes, long releasedBy) {
        long size = round(bytes);
        boolean collect;
        long cacheFreed = 0;
        synchronized (this) {
            CUdeviceptr p = fromCache(size, releasedBy);
            if (p != null) {
                return p;
            }
            collect = reserved + size > softLimit || inUse - lowWater > Math.max(growthFloor, lowWater);
            if (!collect) {
                p = fromDevice(size);
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
                CUdeviceptr p = fromCache(size, releasedBy);
                if (p == null && reserved + size > softLimit && reserved > inUse) {
                    cacheFreed = emptyCache(); // blocks of other sizes: give them back rather than grow past the limit
                }
                if (p == null) {
                    p = fromDevice(size);
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
            CUdeviceptr p = fromCache(size, releasedBy);
            if (p != null) {
                return p;
            }
            cacheFreed += emptyCache();
            p = fromDevice(size);
            if (p == null) {
                throw new CudaOutOfMemoryError(String.format("CUDA out of memory. Tried to allocate %s; %s in use by Ember "
                        + "tensors; %s was cached and has been freed for a retry, which failed too", mib(size), mib(inUse),
                        mib(cacheFreed)));
            }
            return p;
        }
    }

    /** A new block: carved from the open small or medium segment (a new one when it is full), or a segment of its own. */
    private CUdeviceptr fromDevice(long size) {
        boolean small = size < (1L << 20);
        Segment s;
        if (small || size < MEDIUM_LIMIT) {
            s = small ? smallOpen : mediumOpen;
            if (s == null || s.freed || s.size - s.carved < size) {
                s = newSegment(small ? SMALL_SEGMENT : MEDIUM_SEGMENT);
                if (s == null) {
                    return null;
                }
                if (small) {
                    smallOpen = s;
                } else {
                    mediumOpen = s;
                }
            }
        } else {
            s = newSegment(size);
            if (s == null) {
                return null;
            }
        }
        Block b = new Block(s.carved == 0 ? s.base : s.base.withByteOffset(s.carved), size, s);
        s.carved += size;
        return take(b);
    }

    private Segment newSegment(long size) {
        CUdeviceptr p = device.alloc(size);
        if (p == null) {
            return null;
        }
        deviceAllocs++;
        reserved += size;
        Segment s = new Segment(p, size);
        segments.add(s);
        return s;
    }

    private CUdeviceptr take(Block b) {
        b.segment.outstanding++;
        held.put(b.ptr, b);
        inUse += b.size;
        peakInUse = Math.max(peakInUse, inUse);
        return b.ptr;
    }

    private CUdeviceptr fromCache(long size, long releasedBy) {
        ArrayDeque<Block> list = free.get(size);
        if (list == null) {
            return null;
        }
        if (releasedBy == Long.MAX_VALUE) {
            Block b = list.poll();
            return b == null ? null : take(b);
        }
        // the oldest releases are at the tail (release pushes at the head)
        for (Iterator<Block> it = list.descendingIterator(); it.hasNext(); ) {
            Block b = it.next();
            if (b.releasedIn <= releasedBy) {
                it.remove();
                return take(b);
            }
        }
        return null;
    }

    /** Runs a collection and gives the Cleaner a moment to return blocks, until one of the size is free. */
    private void collectGarbage(long size) {
        gc.run();
        for (int i = 0; i < 10; i++) {
            synchronized (this) {
                ArrayDeque<Block> list = free.get(size);
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

    /**
     * Returns the block {@link #allocate} handed out as {@code p} to the cache (the block knows its size). Safe from
     * any thread (a Cleaner's included): no CUDA call.
     */
    synchronized void release(CUdeviceptr p) {
        Block b = held.remove(p);
        if (b == null) {
            throw new IllegalStateException("released a block the allocator does not hold (" + p + ")");
        }
        inUse -= b.size;
        lowWater = Math.min(lowWater, inUse);
        b.segment.outstanding--;
        b.releasedIn = epoch;
        free.computeIfAbsent(b.size, k -> new ArrayDeque<>()).push(b);
    }

    /**
     * Frees every segment none of whose blocks a tensor holds (as {@code torch.cuda.empty_cache()}), and returns the
     * bytes freed. Free blocks of segments that still hold a tensor's block stay cached. Call with the context current.
     */
    synchronized long emptyCache() {
        synchronize.run();
        long before = reserved;
        for (Iterator<Segment> it = segments.iterator(); it.hasNext(); ) {
            Segment s = it.next();
            if (s.outstanding == 0) {
                device.free(s.base);
                s.freed = true;
                reserved -= s.size;
                it.remove();
            }
        }
        for (Iterator<ArrayDeque<Block>> it = free.values().iterator(); it.hasNext(); ) {
            ArrayDeque<Block> list = it.next();
            list.removeIf(b -> b.segment.freed);
            if (list.isEmpty()) {
                it.remove();
            }
        }
        return before - reserved;
    }

    /** Bytes in blocks held by live tensors. */
    synchronized long inUse() {
        return inUse;
    }

    /** Bytes the allocator holds from the driver beyond those in use: free blocks and uncarved segment ends. */
    synchronized long cached() {
        return reserved - inUse;
    }

    /** The largest {@link #inUse()} seen. */
    synchronized long peakInUse() {
        return peakInUse;
    }

    synchronized void resetPeak() {
        peakInUse = inUse;
    }

    /** How many times a cache miss collected garbage (past the soft limit, or past the growth allowance). */
    synchronized long collections() {
        return collections;
    }

    /** How many times the allocator called cuMemAlloc (once per segment). */
    synchronized long deviceAllocations() {
        return deviceAllocs;
    }

    static String mib(long bytes) {
        return String.format("%.2f MiB", bytes / 1048576.0);
    }
}
