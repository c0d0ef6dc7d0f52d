package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.PinnedBuffer;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The copy stream's ordering on a simulated GPU (no GPU needed; the real one never ran it): {@link CudaCopyStream} and
 * the real {@link CachingAllocator} drive a fake driver whose two streams are queues that a seeded scheduler runs in
 * adversarial interleavings, honouring only stream order and event waits (as the hardware does). A training loop
 * uploads batches written into pinned buffers, queues kernels that read them and that write and read temporaries on
 * the compute stream, releases everything at the end of each step (and some pinned buffers and uploads at once), and
 * every kernel checks, when the scheduler runs it, that the memory it reads holds what the host program wrote there:
 * a copy that overtakes a kernel still reading a recycled block, a kernel that runs before its batch's copy, or a host
 * write into a pinned buffer a queued copy still reads would all show as a wrong value.
 */
class CopyStreamSimulationTest {
    /** One queued operation of a simulated stream. */
    private interface Op {
        /** Whether it may run now (an event wait: the captured record has completed). */
        default boolean ready() {
            return true;
        }

        void run();
    }

    /** An event: records queued so far, records completed. */
    private static final class Event {
        long recorded;
        long completed;
    }

    /** A fake device: streams as queues, events, device memory as a value per block, host blocks as heap buffers. */
    private static final class Sim implements CudaCopyStream.Driver, CachingAllocator.DeviceMemory {
        final Map<CUstream, ArrayDeque<Op>> streams = new IdentityHashMap<>();
        final Map<CUevent, Event> events = new IdentityHashMap<>();
        final Map<CUdeviceptr, Long> memory = new IdentityHashMap<>();
        final Map<Pointer, ByteBuffer> hosts = new IdentityHashMap<>();
        final List<String> failures = new ArrayList<>();
        final Random random;
        long nextAddress = 1L << 40;
        int copies;

        Sim(long seed) {
            random = new Random(seed);
        }

        ArrayDeque<Op> queue(CUstream s) {
            return streams.computeIfAbsent(s, k -> new ArrayDeque<>());
        }

        Event event(CUevent e) {
            return events.computeIfAbsent(e, k -> new Event());
        }

        /** Runs up to {@code n} ready operations, each from a stream drawn at random. */
        void progress(int n) {
            for (int i = 0; i < n; i++) {
                List<ArrayDeque<Op>> ready = new ArrayList<>();
                for (ArrayDeque<Op> q : streams.values()) {
                    if (!q.isEmpty() && q.peek().ready()) {
                        ready.add(q);
                    }
                }
                if (ready.isEmpty()) {
                    return;
                }
                ready.get(random.nextInt(ready.size())).poll().run();
            }
        }

        /** Runs operations until {@code done} holds (a host wait). */
        void until(java.util.function.BooleanSupplier done) {
            while (!done.getAsBoolean()) {
                int before = pending();
                progress(1);
                if (pending() == before) {
                    throw new AssertionError("the simulated device cannot progress: a wait that never completes");
                }
            }
        }

        int pending() {
            int n = 0;
            for (ArrayDeque<Op> q : streams.values()) {
                n += q.size();
            }
            return n;
        }

        // ---- the driver

        @Override
        public void streamCreate(CUstream stream) {
            queue(stream);
        }

        @Override
        public void eventCreate(CUevent event) {
            event(event);
        }

        @Override
        public void eventRecord(CUevent event, CUstream stream) {
            Event e = event(event);
            long n = ++e.recorded;
            queue(stream).add(() -> e.completed = Math.max(e.completed, n));
        }

        @Override
        public void streamWaitEvent(CUstream stream, CUevent event) {
            Event e = event(event);
            long n = e.recorded; // the latest record at the time of the call
            queue(stream).add(new Op() {
                @Override
                public boolean ready() {
                    return e.completed >= n;
                }

                @Override
                public void run() {
                }
            });
        }

        @Override
        public void memcpyHtoDAsync(CUdeviceptr dst, CudaCopyStream.HostBlock src, long srcOffset, long bytes,
                                    CUstream stream) {
            ByteBuffer host = hosts.get(src.host);
            queue(stream).add(() -> {
                copies++;
                memory.put(dst, host.getLong((int) srcOffset)); // the host bytes when the copy runs
            });
        }

        @Override
        public boolean eventQuery(CUevent event) {
            Event e = event(event);
            return e.completed >= e.recorded;
        }

        @Override
        public void eventSynchronize(CUevent event) {
            Event e = event(event);
            long n = e.recorded;
            until(() -> e.completed >= n);
        }

        @Override
        public void streamSynchronize(CUstream stream) {
            ArrayDeque<Op> q = queue(stream);
            until(q::isEmpty);
        }

        @Override
        public ByteBuffer hostAlloc(Pointer host, long size) {
            ByteBuffer b = ByteBuffer.allocate((int) size).order(java.nio.ByteOrder.nativeOrder());
            hosts.put(host, b);
            return b;
        }

        @Override
        public void hostFree(Pointer host) {
            hosts.remove(host);
        }

        @Override
        public void eventDestroy(CUevent event) {
        }

        // ---- device memory for the allocator

        @Override
        public CUdeviceptr alloc(long bytes) {
            CUdeviceptr p = new CUdeviceptr().withByteOffset(nextAddress);
            nextAddress += bytes;
            return p;
        }

        @Override
        public void free(CUdeviceptr p) {
        }

        // ---- the compute stream's kernels

        /** A kernel that reads {@code p} and expects {@code value} there. */
        void read(CUstream compute, CUdeviceptr p, long value, String what) {
            queue(compute).add(() -> {
                Long v = memory.get(p);
                if (v == null || v != value) {
                    failures.add(what + ": read " + v + ", expected " + value);
                }
            });
        }

        /** A kernel that writes {@code value} into {@code p}. */
        void write(CUstream compute, CUdeviceptr p, long value) {
            queue(compute).add(() -> memory.put(p, value));
        }
    }

    private static void run(long seed, int steps) {
        Sim sim = new Sim(seed);
        CUstream compute = new CUstream();
        sim.streamCreate(compute);
        CachingAllocator allocator = new CachingAllocator(() -> sim.until(() -> sim.pending() == 0), 1L << 34, sim,
                () -> { });
        CudaCopyStream cs = new CudaCopyStream(sim, compute, allocator, () -> { });
        Random r = new Random(seed * 31 + 7);
        List<CudaStorage> previous = new ArrayList<>();
        List<CudaCopyStream.Pinned> pinnedPrevious = new ArrayList<>();
        long value = 1;
        for (int step = 0; step < steps; step++) {
            List<CudaStorage> made = new ArrayList<>();
            List<CudaCopyStream.Pinned> pins = new ArrayList<>();
            int uploads = 1 + r.nextInt(3);
            for (int u = 0; u < uploads; u++) {
                // a worker pins a batch (a fresh buffer, or a reused one rewritten), the loop uploads it
                CudaCopyStream.Pinned p = cs.allocatePinned(8 * (1 + r.nextInt(4)));
                long v = value++;
                p.write(new long[] {v}, 0, 1);
                CudaStorage x = cs.upload(p, DType.INT64, 0, 1, 0, false);
                sim.read(compute, x.ptr, v, "step " + step + " batch " + u);
                if (r.nextInt(4) == 0) {
                    // the same pinned buffer rewritten and uploaded again while its first copy may be queued
                    long w = value++;
                    p.write(new long[] {w}, 0, 1);
                    CudaStorage x2 = cs.upload(p, DType.INT64, 0, 1, 0, false);
                    sim.read(compute, x2.ptr, w, "step " + step + " batch " + u + " again");
                    made.add(x2);
                }
                if (r.nextBoolean()) {
                    p.close(); // the pinned tensor closed at once: its block back to the host cache
                } else {
                    pins.add(p);
                }
                if (r.nextInt(5) == 0) {
                    x.close(); // an upload dropped at once: its block back to the allocator while being written
                } else {
                    made.add(x);
                }
                sim.progress(r.nextInt(3));
            }
            // the step's kernels: temporaries written and read on the compute stream, the batches read again
            for (int k = 0; k < 1 + r.nextInt(4); k++) {
                CudaStorage t = new CudaStorage(DType.INT64, 1, allocator.allocate(8), dev.ember.Device.cuda(0),
                        allocator);
                long v = value++;
                sim.write(compute, t.ptr, v);
                sim.progress(r.nextInt(2));
                sim.read(compute, t.ptr, v, "step " + step + " temporary " + k);
                t.close();
            }
            // the previous step's tensors closed now (a scope closing late), this step's at its end
            for (CudaStorage s : previous) {
                s.close();
            }
            for (CudaCopyStream.Pinned p : pinnedPrevious) {
                p.close();
            }
            previous = made;
            pinnedPrevious = pins;
            sim.progress(r.nextInt(6));
            if (r.nextInt(50) == 0) {
                allocator.emptyCache();
            }
        }
        sim.until(() -> sim.pending() == 0);
        assertEquals(List.of(), sim.failures, "seed " + seed);
        assertTrue(sim.copies > steps, "copies ran: " + sim.copies);
        assertTrue(cs.stats()[0] > steps);
    }

    @Test
    void everyKernelSeesWhatTheHostProgramWrote() {
        for (long seed = 1; seed <= 40; seed++) {
            run(seed, 300);
        }
    }

    @Test
    void pinnedBuffersAreNativeOrderViews() {
        Sim sim = new Sim(0);
        CUstream compute = new CUstream();
        sim.streamCreate(compute);
        CachingAllocator allocator = new CachingAllocator(() -> { }, 1L << 30, sim, () -> { });
        CudaCopyStream cs = new CudaCopyStream(sim, compute, allocator, () -> { });
        PinnedBuffer p = cs.allocatePinned(24);
        assertEquals(24, p.bytes());
        p.write(new double[] {1.5, -2, 3}, 0, 3);
        assertEquals(-2.0, ((double[]) p.read(DType.FLOAT64, 1, 1))[0]);
        p.write(new boolean[] {true, false, true}, 0, 3);
        assertEquals(List.of(true, false, true), List.of(((boolean[]) p.read(DType.BOOL, 0, 3))[0],
                ((boolean[]) p.read(DType.BOOL, 0, 3))[1], ((boolean[]) p.read(DType.BOOL, 0, 3))[2]));
        p.close();
        assertEquals(0, cs.stats()[0]);
    }
}
