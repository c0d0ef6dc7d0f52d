package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.backend.PinnedBuffer;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

/**
 * Non-blocking uploads from pinned host memory on a second (copy) stream, as {@code tensor.to('cuda', non_blocking=True)}
 * from a pinned tensor, so that the next batch moves while the compute stream runs the current step.
 *
 * <p>An upload ({@link #upload}): the copy stream waits for the compute stream's previous fence (an event recorded at
 * the previous upload), the destination block is one the caching allocator released before that fence
 * ({@link CachingAllocator#allocate(long, long)}: its last reader has run by then, without the copy waiting for the
 * current step), {@code cuMemcpyHtoDAsync} is queued on the copy stream with an event after it, the compute stream waits
 * for that event ({@code cuStreamWaitEvent}: every kernel queued from now on, the first reader of the new tensor
 * included, runs after the copy), and a new fence is recorded on the compute stream. The host returns at once.
 *
 * <p>Pinned buffers ({@link #allocatePinned}) come from a cache of page-locked blocks ({@code cuMemHostAlloc}), as
 * PyTorch's CachingHostAllocator: a block whose buffer is closed (or collected) goes back to the cache and is handed out
 * again only when the event of the last copy from it has completed; a buffer is not overwritten
 * ({@link PinnedBuffer#write}) before its last copy is done. Freed blocks beyond {@link #MAX_CACHED} bytes are given
 * back to the driver.
 */
final class CudaCopyStream {
    /** Bytes of free page-locked blocks kept for reuse; beyond it, released blocks are freed. */
    static final long MAX_CACHED = Long.getLong("ember.cuda.pinnedCacheBytes", 1L << 30);
    private static final long MIN_BLOCK = 512;
    private static final Cleaner CLEANER = Cleaner.create();

    /**
     * The driver calls the copy stream makes: JCuda's ({@link #JCUDA}), or a simulated device in the test of the
     * ordering (CopyStreamSimulationTest).
     */
    interface Driver {
        /** A new stream that does not synchronize with the legacy default stream. */
        void streamCreate(CUstream stream);

        void eventCreate(CUevent event);

        void eventRecord(CUevent event, CUstream stream);

        /** Work queued on {@code stream} from now on waits for the event's latest record. */
        void streamWaitEvent(CUstream stream, CUevent event);

        /** Queues the copy of {@code bytes} from {@code srcOffset} of a page-locked block to {@code dst}. */
        void memcpyHtoDAsync(CUdeviceptr dst, HostBlock src, long srcOffset, long bytes, CUstream stream);

        /** Whether the event's latest record has completed. */
        boolean eventQuery(CUevent event);

        void eventSynchronize(CUevent event);

        void streamSynchronize(CUstream stream);

        /** Page-locked memory of {@code size} bytes into {@code host}, and a view of it. */
        ByteBuffer hostAlloc(Pointer host, long size);

        void hostFree(Pointer host);

        void eventDestroy(CUevent event);
    }

    /** The driver's calls (the context must be current). */
    static final Driver JCUDA = new Driver() {
        @Override
        public void streamCreate(CUstream stream) {
            JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
        }

        @Override
        public void eventCreate(CUevent event) {
            JCudaDriver.cuEventCreate(event, CUevent_flags.CU_EVENT_DISABLE_TIMING);
        }

        @Override
        public void eventRecord(CUevent event, CUstream stream) {
            JCudaDriver.cuEventRecord(event, stream);
        }

        @Override
        public void streamWaitEvent(CUstream stream, CUevent event) {
            JCudaDriver.cuStreamWaitEvent(stream, event, 0);
        }

        @Override
        public void memcpyHtoDAsync(CUdeviceptr dst, HostBlock src, long srcOffset, long bytes, CUstream stream) {
            JCudaDriver.cuMemcpyHtoDAsync(dst, src.host.withByteOffset(srcOffset), bytes, stream);
        }

        @Override
        public boolean eventQuery(CUevent event) {
            try {
                return JCudaDriver.cuEventQuery(event) == CUresult.CUDA_SUCCESS;
            } catch (CudaException notReady) { // CUDA_ERROR_NOT_READY, raised as an exception by JCuda
                return false;
            }
        }

        @Override
        public void eventSynchronize(CUevent event) {
            JCudaDriver.cuEventSynchronize(event);
        }

        @Override
        public void streamSynchronize(CUstream stream) {
            JCudaDriver.cuStreamSynchronize(stream);
        }

        @Override
        public ByteBuffer hostAlloc(Pointer host, long size) {
            JCudaDriver.cuMemHostAlloc(host, size, 0);
            return host.getByteBuffer(0, size);
        }

        @Override
        public void hostFree(Pointer host) {
            JCudaDriver.cuMemFreeHost(host);
        }

        @Override
        public void eventDestroy(CUevent event) {
            JCudaDriver.cuEventDestroy(event);
        }
    };

    private final Driver driver;
    private final CUstream compute;
    private final CUstream copy = new CUstream();
    private final CachingAllocator allocator;
    /** Binds the context to the calling thread (a buffer is written, and waits, on any thread). */
    private final Runnable bind;
    /** Two fence events, recorded in turn on the compute stream; {@link #current} is the latest, -1 before any. */
    private final CUevent[] fences = {new CUevent(), new CUevent()};
    private int current = -1;
    /** The allocator epoch of the latest fence: blocks released before it. */
    private long fenceEpoch;
    private long uploads;

    /** Free page-locked blocks by size, and the bytes they hold. */
    private final TreeMap<Long, ArrayDeque<HostBlock>> free = new TreeMap<>();
    private long cachedBytes;
    private long pinnedBytes;
    /** Blocks released beyond the cache limit, freed at the next allocation (the driver call needs the context). */
    private final List<HostBlock> toFree = new ArrayList<>();

    CudaCopyStream(CUstream compute, CachingAllocator allocator, Runnable bind) {
        this(JCUDA, compute, allocator, bind);
    }

    CudaCopyStream(Driver driver, CUstream compute, CachingAllocator allocator, Runnable bind) {
        this.driver = driver;
        this.compute = compute;
        this.allocator = allocator;
        this.bind = bind;
        driver.streamCreate(copy);
        for (CUevent e : fences) {
            driver.eventCreate(e);
        }
    }

    /** One page-locked allocation and the event of the last copy queued from it. */
    static final class HostBlock {
        final Driver driver;
        final Pointer host = new Pointer();
        final long size;
        /** The whole block, native order. */
        final ByteBuffer view;
        final CUevent done = new CUevent();
        /** Whether a copy was queued since the block last went idle (guarded by the block). */
        boolean pending;

        HostBlock(Driver driver, long size) {
            this.driver = driver;
            this.size = size;
            this.view = driver.hostAlloc(host, size);
            driver.eventCreate(done);
        }

        /** Whether no queued copy reads the block (no wait). */
        synchronized boolean idle() {
            if (pending && driver.eventQuery(done)) {
                pending = false;
            }
            return !pending;
        }

        /** Waits until no queued copy reads the block. */
        synchronized void await() {
            if (pending) {
                driver.eventSynchronize(done);
                pending = false;
            }
        }

        void free() {
            await();
            driver.hostFree(host);
            driver.eventDestroy(done);
        }
    }

    /** A pinned CPU tensor's buffer: a view of a cached page-locked block, returned to the cache when closed. */
    final class Pinned extends PinnedBuffer {
        final HostBlock block;
        private final Cleaner.Cleanable cleanable;

        Pinned(HostBlock block, ByteBuffer view) {
            super(view);
            this.block = block;
            CudaCopyStream owner = CudaCopyStream.this;
            this.cleanable = CLEANER.register(this, () -> owner.release(block)); // not capturing this buffer
        }

        @Override
        protected void awaitCopies() {
            bind.run();
            block.await();
        }

        @Override
        public void close() {
            cleanable.clean();
        }
    }

    /** A pinned buffer of {@code bytes} (a cached block when one of the size is idle). Call with the context bound. */
    Pinned allocatePinned(long bytes) {
        int capacity = PinnedBuffer.checkedBytes(bytes);
        long size = Math.max(MIN_BLOCK, Long.highestOneBit(Math.max(1, bytes - 1)) << 1);
        HostBlock b = null;
        List<HostBlock> freeNow;
        synchronized (this) {
            ArrayDeque<HostBlock> list = free.get(size);
            if (list != null) {
                for (Iterator<HostBlock> it = list.descendingIterator(); it.hasNext(); ) {
                    HostBlock c = it.next();
                    if (c.idle()) {
                        it.remove();
                        cachedBytes -= c.size;
                        b = c;
                        break;
                    }
                }
            }
            freeNow = new ArrayList<>(toFree);
            toFree.clear();
        }
        for (HostBlock f : freeNow) {
            f.free();
            synchronized (this) {
                pinnedBytes -= f.size;
            }
        }
        if (b == null) {
            b = new HostBlock(driver, size);
            synchronized (this) {
                pinnedBytes += size;
            }
        }
        ByteBuffer view = b.view.duplicate();
        view.limit(capacity);
        return new Pinned(b, view.slice());
    }

    /** A closed or collected buffer's block back to the cache (any thread, no driver call). */
    private synchronized void release(HostBlock b) {
        if (cachedBytes + b.size > MAX_CACHED) {
            toFree.add(b);
            return;
        }
        free.computeIfAbsent(b.size, k -> new ArrayDeque<>()).push(b);
        cachedBytes += b.size;
    }

    /**
     * A new device storage holding {@code numel} elements of {@code dtype} from element {@code offset} of {@code src},
     * copied on the copy stream (see the class comment); with {@code blocking} the host waits for the copy. Call with
     * the context bound.
     */
    synchronized CudaStorage upload(Pinned src, DType dtype, long offset, long numel, int deviceIndex, boolean blocking) {
        long size = dtype.itemSize();
        long bytes = numel * size;
        if (current < 0) {
            recordFence(); // the first upload waits for everything queued so far
        }
        CUevent after = fences[current];
        CUdeviceptr dst = allocator.allocate(bytes, fenceEpoch);
        CudaStorage s = new CudaStorage(dtype, numel, dst, Device.cuda(deviceIndex), allocator);
        try {
            if (bytes > 0) {
                HostBlock b = src.block;
                synchronized (b) {
                    driver.streamWaitEvent(copy, after);
                    driver.memcpyHtoDAsync(dst, b, offset * size, bytes, copy);
                    driver.eventRecord(b.done, copy);
                    b.pending = true;
                    driver.streamWaitEvent(compute, b.done);
                }
                uploads++;
                if (blocking) {
                    b.await();
                }
            }
            recordFence();
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
        return s;
    }

    /**
     * Ends the allocator's epoch, then records the next fence on the compute stream: in this order, every block
     * released in the epoch (on any thread) had its last use queued before the fence.
     */
    private void recordFence() {
        int next = current < 0 ? 0 : 1 - current;
        long epoch = allocator.fence();
        driver.eventRecord(fences[next], compute);
        fenceEpoch = epoch;
        current = next;
    }

    /** Waits until every copy queued on the copy stream is done. Call with the context bound. */
    void synchronize() {
        driver.streamSynchronize(copy);
    }

    /** Uploads queued, page-locked bytes allocated, and those of them cached free: for tests and benchmarks. */
    synchronized long[] stats() {
        return new long[] {uploads, pinnedBytes, cachedBytes};
    }
}
