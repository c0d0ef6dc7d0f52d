package dev.ember.cuda;

import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allocator's policy on a simulated device (no GPU needed): blocks come from a fake {@code cuMemAlloc}, and a
 * "collection" returns the blocks of garbage tensors as their Cleaners would.
 */
class CachingAllocatorTest {
    private static final long MIB = 1L << 20;

    /** A device of fixed size, and the blocks of storages dropped without close (released by a collection). */
    private static final class FakeDevice implements CachingAllocator.DeviceMemory {
        final long capacity;
        long used;
        long nextAddress = 1L << 40;
        int allocs;
        int gcs;
        final List<CUdeviceptr> garbage = new ArrayList<>();
        CachingAllocator allocator;
        final java.util.Map<CUdeviceptr, Long> sizes = new java.util.IdentityHashMap<>();

        FakeDevice(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public CUdeviceptr alloc(long bytes) {
            if (used + bytes > capacity) {
                return null;
            }
            used += bytes;
            allocs++;
            CUdeviceptr p = new CUdeviceptr().withByteOffset(nextAddress); // distinct addresses, never reused
            nextAddress += bytes;
            sizes.put(p, bytes);
            return p;
        }

        @Override
        public void free(CUdeviceptr p) {
            used -= sizes.remove(p);
        }

        void collect() {
            gcs++;
            for (CUdeviceptr p : garbage) {
                allocator.release(p);
            }
            garbage.clear();
        }

        /** A tensor of {@code bytes} made and dropped without close. */
        void leak(long bytes) {
            garbage.add(allocator.allocate(bytes));
        }
    }

    private static FakeDevice device(long capacity, long growth) {
        System.setProperty("ember.cuda.gcGrowthBytes", Long.toString(growth));
        try {
            FakeDevice d = new FakeDevice(capacity);
            d.allocator = new CachingAllocator(() -> { }, capacity, d, d::collect);
            return d;
        } finally {
            System.clearProperty("ember.cuda.gcGrowthBytes");
        }
    }

    @Test
    void closedBlocksAreReusedWithoutTheDevice() {
        FakeDevice d = device(1024 * MIB, 64 * MIB);
        for (int step = 0; step < 1000; step++) {
            CUdeviceptr a = d.allocator.allocate(3 * MIB);
            CUdeviceptr b = d.allocator.allocate(1000);
            d.allocator.release(b);
            d.allocator.release(a);
        }
        assertEquals(2, d.allocs, "one segment for the small block, one for the medium one, then the cache");
        assertEquals(0, d.gcs);
        assertEquals(0, d.allocator.inUse());
        assertEquals(2 * MIB + 20 * MIB, d.allocator.cached(), "both segments, whole");
    }

    @Test
    void smallAndMediumBlocksAreCarvedFromSegments() {
        FakeDevice d = device(1024 * MIB, 512 * MIB);
        List<CUdeviceptr> kept = new ArrayList<>();
        for (int i = 0; i < 10000; i++) {
            kept.add(d.allocator.allocate(4)); // one-element tensors: 512-byte blocks, 4096 to a 2 MiB segment
        }
        assertEquals(3, d.allocs);
        for (int i = 0; i < 12; i++) {
            kept.add(d.allocator.allocate(3 * MIB)); // 4 MiB blocks, five to a 20 MiB segment
        }
        assertEquals(3 + 3, d.allocs);
        assertEquals(10000 * 512L + 12 * 4 * MIB, d.allocator.inUse());
        assertEquals(3 * 2 * MIB + 3 * 20 * MIB, d.used);
        kept.add(d.allocator.allocate(10 * MIB)); // 10 MiB and more: a segment of its own
        assertEquals(3 + 3 + 1, d.allocs);
        assertEquals(3 * 2 * MIB + 3 * 20 * MIB + 10 * MIB, d.used);
        assertEquals(kept.size(), new java.util.HashSet<>(kept.stream().map(Object::toString).toList()).size(),
                "every block has its own address");
    }

    @Test
    void emptyCacheFreesOnlySegmentsNoTensorHolds() {
        FakeDevice d = device(1024 * MIB, 512 * MIB);
        CUdeviceptr a = d.allocator.allocate(1000);
        CUdeviceptr b = d.allocator.allocate(1000); // the same 2 MiB segment
        d.allocator.release(a);
        assertEquals(0, d.allocator.emptyCache(), "b still holds the segment");
        assertEquals(2 * MIB, d.used);
        assertEquals(a, d.allocator.allocate(1000), "the free block of a held segment stays cached");
        d.allocator.release(a);
        d.allocator.release(b);
        assertEquals(2 * MIB, d.allocator.emptyCache());
        assertEquals(0, d.used);
        assertEquals(0, d.allocator.cached());
        d.allocator.allocate(1000);
        assertEquals(2, d.allocs, "freed segments' blocks are never handed out again");
    }

    @Test
    void releasingABlockTwiceIsAnError() {
        FakeDevice d = device(1024 * MIB, 512 * MIB);
        CUdeviceptr a = d.allocator.allocate(1000);
        d.allocator.release(a);
        assertThrows(IllegalStateException.class, () -> d.allocator.release(a));
    }

    @Test
    void aLoopThatNeverClosesStaysFlat() {
        FakeDevice d = device(16384 * MIB, 256 * MIB);
        CUdeviceptr live = d.allocator.allocate(100 * MIB); // parameters: never released
        long[] inUseAt = new long[10001];
        for (int step = 1; step <= 10000; step++) {
            for (int t = 0; t < 20; t++) {
                d.leak(400 * 1024); // 20 activations of 400 KiB a step, all dropped
            }
            inUseAt[step] = d.allocator.inUse();
        }
        // garbage is collected once it exceeds the growth allowance: in use stays within live + 256 MiB (+ one step)
        for (int step = 100; step <= 10000; step++) {
            assertTrue(inUseAt[step] <= 100 * MIB + 256 * MIB + 20 * 400 * 1024 + 1024 * 1024, "step " + step + ": "
                    + inUseAt[step]);
        }
        assertTrue(d.gcs > 10 && d.gcs < 400, "collections: " + d.gcs);
        assertTrue(d.used < 400 * MIB, "device memory taken: " + d.used / MIB + " MiB");
        assertEquals(d.gcs, d.allocator.collections());
        d.allocator.release(live);
    }

    @Test
    void aGrowingWorkingSetCollectsLessAndLessOften() {
        FakeDevice d = device(65536 * MIB, 64 * MIB);
        List<CUdeviceptr> kept = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            kept.add(d.allocator.allocate(4 * MIB)); // a dataset moved to the device, all of it live
        }
        // 16000 MiB live: collections at 64, 128, 256, ... MiB of growth, not one per miss
        assertTrue(d.gcs <= 10, "collections: " + d.gcs);
        assertEquals(4000, kept.size());
    }

    @Test
    void aLargeRequestAloneDoesNotCollect() {
        FakeDevice d = device(65536 * MIB, 64 * MIB);
        for (int i = 0; i < 50; i++) {
            CUdeviceptr p = d.allocator.allocate((1000 + i * 2) * MIB); // each larger than the growth allowance
            d.allocator.release(p);
            d.allocator.emptyCache();
        }
        assertEquals(0, d.gcs);
    }

    @Test
    void outOfMemorySaysWhatWasAskedHeldAndCached() {
        FakeDevice d = device(100 * MIB, 1024 * MIB);
        CUdeviceptr a = d.allocator.allocate(60 * MIB);
        CUdeviceptr b = d.allocator.allocate(30 * MIB);
        d.allocator.release(b);
        CudaOutOfMemoryError e = assertThrows(CudaOutOfMemoryError.class, () -> d.allocator.allocate(50 * MIB));
        assertEquals("CUDA out of memory. Tried to allocate 50.00 MiB; 60.00 MiB in use by Ember tensors; 30.00 MiB was "
                + "cached and has been freed for a retry, which failed too", e.getMessage());
        d.allocator.release(a);
    }

    // ---- the copy stream's blocks (CudaCopyStream): only those released before the fence the copy waits for

    @Test
    void theCopyStreamTakesOnlyBlocksReleasedBeforeItsFence() {
        FakeDevice d = device(1024 * MIB, 64 * MIB);
        CachingAllocator a = d.allocator;
        CUdeviceptr first = a.allocate(4096);
        a.release(first);
        long f0 = a.fence();
        CUdeviceptr second = a.allocate(8192); // another size: first stays cached
        CUdeviceptr again = a.allocate(4096);
        assertTrue(again == first, "an ordinary allocation takes the cached block");
        a.release(again);
        a.release(second);
        CUdeviceptr late = a.allocate(4096); // released after f0 below
        CUdeviceptr other = a.allocate(4096);
        a.release(other);
        a.release(late);
        // first was released again after f0: not before it
        CUdeviceptr p = a.allocate(4096, f0);
        assertTrue(p != first && p != late && p != other, "no block released after the fence");
        long f1 = a.fence();
        CUdeviceptr q = a.allocate(4096, f1);
        assertTrue(q == other || q == late || q == first, "a block released before the fence is reused");
        // the oldest release first, the newest left to ordinary allocations (which take the newest)
        CUdeviceptr r = a.allocate(4096);
        assertTrue(r != q);
        a.release(p);
        a.release(q);
        a.release(r);
    }

    @Test
    void aTrainingLoopWithUploadsReachesASteadyState() {
        FakeDevice d = device(1024 * MIB, 64 * MIB);
        CachingAllocator a = d.allocator;
        java.util.Map<CUdeviceptr, Long> releasedIn = new java.util.IdentityHashMap<>();
        long epoch = 0;
        long fence = -1;
        CUdeviceptr batch = null;
        long allocsAfterWarmup = -1;
        for (int step = 0; step < 200; step++) {
            // upload: wait for the previous fence, take a block released before it, record the next fence
            long waitFor = fence < 0 ? a.fence() : fence;
            if (fence < 0) {
                epoch++;
            }
            CUdeviceptr x = a.allocate(200_000, waitFor);
            Long last = releasedIn.get(x);
            assertTrue(last == null || last <= waitFor, "step " + step + ": a block released in epoch " + last
                    + " handed to a copy that waits for fence " + waitFor);
            fence = a.fence();
            epoch++;
            // the step's tensors, and the previous batch closed by the step's scope
            List<CUdeviceptr> temps = new ArrayList<>();
            for (int k = 0; k < 5; k++) {
                temps.add(a.allocate(200_000));
            }
            for (CUdeviceptr t : temps) {
                a.release(t);
                releasedIn.put(t, epoch);
            }
            if (batch != null) {
                a.release(batch);
                releasedIn.put(batch, epoch);
            }
            batch = x;
            if (step == 10) {
                allocsAfterWarmup = a.deviceAllocations();
            }
        }
        assertEquals(allocsAfterWarmup, a.deviceAllocations(), "no device allocation in the steady state");
    }
}
