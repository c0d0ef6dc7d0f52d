package dev.ember;

import dev.ember.data.DataLoader;
import dev.ember.data.DataLoaderIterator;
import dev.ember.data.Dataset;
import dev.ember.data.IterableDataset;
import dev.ember.data.TensorDataset;
import dev.ember.data.WorkerInfo;
import dev.ember.data.transforms.Compose;
import dev.ember.data.transforms.RandomCrop;
import dev.ember.data.transforms.RandomHorizontalFlip;
import dev.ember.data.transforms.Transform;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loader's worker threads: order, determinism for a seed and worker count, exceptions, stopping (end, close,
 * abandon), prefetch bound, iterable-style data sets, the scope hand-over and pinMemory on a (fake) device.
 */
class DataLoaderWorkersTest {
    /** Index {@code i} as a float tensor, after a short index-dependent sleep (so workers finish out of order). */
    static final class Slow implements Dataset<Tensor> {
        final int n;
        final AtomicInteger calls = new AtomicInteger();
        final Set<String> threads = ConcurrentHashMap.newKeySet();

        Slow(int n) {
            this.n = n;
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public Tensor get(int index) {
            calls.incrementAndGet();
            threads.add(Thread.currentThread().getName());
            try {
                Thread.sleep((index * 7) % 4);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Tensor.scalar(index);
        }
    }

    private static List<Thread> workerThreads() {
        List<Thread> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("ember-data-worker-") && t.isAlive()) {
                out.add(t);
            }
        }
        return out;
    }

    private static List<Thread> started(List<Thread> before) {
        List<Thread> now = workerThreads();
        now.removeAll(before);
        return now;
    }

    private static void awaitDead(List<Thread> threads, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        for (Thread t : threads) {
            t.join(Math.max(1, end - System.currentTimeMillis()));
            assertFalse(t.isAlive(), t.getName() + " still runs");
        }
    }

    private static List<Long> values(Iterable<Tensor> loader) {
        List<Long> out = new ArrayList<>();
        for (Tensor b : loader) {
            for (long v : b.toLongArray()) {
                out.add(v);
            }
        }
        return out;
    }

    @Test
    void workersKeepTheOrderAndStopAtTheEnd() throws InterruptedException {
        Slow data = new Slow(37);
        List<Thread> before = workerThreads();
        DataLoader<Tensor, Tensor> loader = DataLoader.builder((Dataset<Tensor>) data).batchSize(2).numWorkers(3).build();
        List<Long> got = values(loader);
        List<Long> want = new ArrayList<>();
        for (long i = 0; i < 37; i++) {
            want.add(i);
        }
        assertEquals(want, got);
        assertEquals(3, data.threads.size(), "three workers read: " + data.threads);
        assertTrue(data.threads.stream().allMatch(n -> n.startsWith("ember-data-worker-")));
        // at the end of the epoch the workers are gone
        awaitDead(started(before), 2000);
        assertEquals(List.of(), started(before));
        // the shuffled order of a seed is the same with and without workers (the sampler runs on the caller's thread)
        for (int workers : new int[] {0, 1, 2, 4}) {
            DataLoader<Tensor, Tensor> shuffled = DataLoader.builder((Dataset<Tensor>) new Slow(23)).batchSize(4).shuffle(true)
                    .generator(new Generator(17)).numWorkers(workers).build();
            assertEquals(values(DataLoader.builder((Dataset<Tensor>) new Slow(23)).batchSize(4).shuffle(true)
                    .generator(new Generator(17)).build()), values(shuffled), workers + " workers");
        }
    }

    /** Images whose random crop and flip come from the worker's generator; records the worker info it saw. */
    static final class Augmented implements Dataset<Tensor> {
        final Transform t = new Compose(new RandomCrop(3, 1), new RandomHorizontalFlip());
        final Set<String> infos = ConcurrentHashMap.newKeySet();

        @Override
        public int size() {
            return 24;
        }

        @Override
        public Tensor get(int index) {
            WorkerInfo w = WorkerInfo.current();
            infos.add(w == null ? "main" : w.id() + "/" + w.numWorkers() + "/" + (w.seed() - w.id()));
            return t.apply(Tensor.arange(16).toFloat().add(index * 100).reshape(1, 4, 4));
        }
    }

    private static List<String> epoch(int workers, long seed) {
        List<String> out = new ArrayList<>();
        for (Tensor b : DataLoader.builder((Dataset<Tensor>) new Augmented()).batchSize(5).numWorkers(workers)
                .generator(new Generator(seed)).build()) {
            out.add(Arrays.toString(b.toFloatArray()));
        }
        return out;
    }

    @Test
    void perWorkerGeneratorsAreReproducible() {
        List<String> a = epoch(2, 5);
        assertEquals(a, epoch(2, 5), "a seed and a worker count give the same batches");
        assertEquals(epoch(3, 5), epoch(3, 5));
        assertNotEquals(a, epoch(2, 6), "another seed, other crops");
        // the worker info: ids, count, one base seed per iteration (seed - id)
        Augmented data = new Augmented();
        for (Tensor b : DataLoader.builder((Dataset<Tensor>) data).batchSize(5).numWorkers(2).generator(new Generator(5)).build()) {
            assertEquals(0, b.numel() % 9);
        }
        assertEquals(2, data.infos.size(), data.infos.toString());
        Set<String> bases = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (String s : data.infos) {
            String[] p = s.split("/");
            ids.add(p[0]);
            assertEquals("2", p[1]);
            bases.add(p[2]);
        }
        assertEquals(Set.of("0", "1"), ids);
        assertEquals(1, bases.size());
        // on the caller's thread there is no worker (PyTorch's get_worker_info() is None) and the default generator draws
        assertNull(WorkerInfo.current());
        assertSame(Ember.defaultGenerator(), WorkerInfo.currentGenerator());
        Ember.manualSeed(3);
        List<String> main1 = epoch(0, 1);
        Ember.manualSeed(3);
        assertEquals(main1, epoch(0, 1));
    }

    @Test
    void workerExceptionsReachTheCaller() {
        Dataset<Tensor> bad = new Dataset<>() {
            @Override
            public int size() {
                return 8;
            }

            @Override
            public Tensor get(int index) {
                if (index == 3) {
                    throw new IllegalArgumentException("sample 3 is corrupt");
                }
                if (index == 6) {
                    throw new AssertionError("sample 6 asserts");
                }
                return Tensor.scalar(index);
            }
        };
        try (DataLoaderIterator<Tensor> it = DataLoader.builder(bad).batchSize(2).numWorkers(2).build().iterator()) {
            assertArrayEquals(new float[] {0, 1}, it.next().toFloatArray());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, it::next);
            assertEquals("Caught IllegalArgumentException in DataLoader worker 1: sample 3 is corrupt", e.getMessage());
            assertEquals("sample 3 is corrupt", e.getCause().getMessage());
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
            // the epoch goes on, as in PyTorch
            assertArrayEquals(new float[] {4, 5}, it.next().toFloatArray());
            RuntimeException r = assertThrows(RuntimeException.class, it::next);
            assertInstanceOf(AssertionError.class, r.getCause());
            assertEquals("Caught AssertionError in DataLoader worker 1: sample 6 asserts", r.getMessage());
            assertFalse(it.hasNext());
        }
        // an exception in worker_init_fn answers every task of that worker
        DataLoader<Tensor, Tensor> initFails = DataLoader.builder((Dataset<Tensor>) new Slow(4)).batchSize(1).numWorkers(2)
                .workerInitFn(id -> {
                    if (id == 1) {
                        throw new IllegalStateException("no GPU for worker 1");
                    }
                }).build();
        try (DataLoaderIterator<Tensor> it = initFails.iterator()) {
            assertArrayEquals(new float[] {0}, it.next().toFloatArray());
            assertEquals("Caught IllegalStateException in DataLoader worker 1: no GPU for worker 1",
                    assertThrows(IllegalStateException.class, it::next).getMessage());
        }
    }

    @Test
    void closingOrAbandoningStopsTheWorkers() throws InterruptedException {
        List<Thread> before = workerThreads();
        DataLoader<Tensor, Tensor> loader = DataLoader.builder((Dataset<Tensor>) new Slow(1000)).batchSize(4).numWorkers(3).build();
        DataLoaderIterator<Tensor> it = loader.iterator();
        it.next();
        List<Thread> mine = started(before);
        assertEquals(3, mine.size());
        it.close();
        awaitDead(mine, 10);
        assertFalse(it.hasNext());
        it.close(); // idempotent

        // the loader closes the iterations in progress
        DataLoaderIterator<Tensor> a = loader.iterator();
        DataLoaderIterator<Tensor> b = loader.iterator();
        a.next();
        b.next();
        List<Thread> two = started(before);
        assertEquals(6, two.size());
        loader.close();
        awaitDead(two, 10);
        assertFalse(a.hasNext());
        // and can still be iterated
        assertEquals(250, loader.size());

        // an abandoned iteration (a for loop left with break) stops when the iterator is collected
        abandon(loader);
        List<Thread> abandoned = started(before);
        assertEquals(3, abandoned.size());
        long end = System.currentTimeMillis() + 20000;
        while (abandoned.stream().anyMatch(Thread::isAlive) && System.currentTimeMillis() < end) {
            System.gc();
            Thread.sleep(50);
        }
        for (Thread t : abandoned) {
            assertFalse(t.isAlive(), t.getName() + " outlived its abandoned iterator");
        }
    }

    /** Leaves an epoch with break; the iterator is unreachable once this frame is gone. */
    private static void abandon(DataLoader<Tensor, Tensor> loader) {
        for (Tensor x : loader) {
            if (x.numel() > 0) {
                break;
            }
        }
    }

    @Test
    void prefetchIsBounded() throws InterruptedException {
        Slow data = new Slow(400);
        try (DataLoaderIterator<Tensor> it = DataLoader.builder((Dataset<Tensor>) data).batchSize(1).numWorkers(2)
                .prefetchFactor(3).build().iterator()) {
            it.next();
            Thread.sleep(300);
            // the batch taken plus at most prefetchFactor * numWorkers in flight
            assertTrue(data.calls.get() <= 1 + 3 * 2, "read " + data.calls.get());
            assertTrue(data.calls.get() >= 2, "workers read ahead: " + data.calls.get());
        }
        // a timeout for a worker's batch
        Dataset<Tensor> stuck = new Dataset<>() {
            @Override
            public int size() {
                return 2;
            }

            @Override
            public Tensor get(int index) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Tensor.scalar(index);
            }
        };
        DataLoaderIterator<Tensor> it = DataLoader.builder(stuck).numWorkers(1).timeout(0.2).build().iterator();
        assertEquals("DataLoader timed out after 0.2 seconds", assertThrows(IllegalStateException.class, it::next).getMessage());
        assertFalse(it.hasNext(), "a timed-out iteration is closed");
    }

    @Test
    void iterableDatasetsAcrossWorkers() {
        // sharded with the worker info: every item once, batches interleaved worker by worker as PyTorch takes them
        IterableDataset<Tensor> sharded = () -> {
            WorkerInfo w = WorkerInfo.current();
            int id = w == null ? 0 : w.id();
            int n = w == null ? 1 : w.numWorkers();
            List<Tensor> mine = new ArrayList<>();
            for (int i = id; i < 10; i += n) {
                mine.add(Tensor.scalar(i));
            }
            return mine.iterator();
        };
        List<String> batches = new ArrayList<>();
        for (Tensor b : DataLoader.builder(sharded).batchSize(2).numWorkers(2).build()) {
            batches.add(Arrays.toString(b.toLongArray()));
        }
        assertEquals("[[0, 2], [1, 3], [4, 6], [5, 7], [8], [9]]", batches.toString());
        // not sharded: each worker streams the whole data set (PyTorch's documented duplication)
        IterableDataset<Tensor> whole = () -> List.of(Tensor.scalar(1), Tensor.scalar(2), Tensor.scalar(3)).iterator();
        List<Long> all = values(DataLoader.builder(whole).batchSize(2).numWorkers(3).build());
        Collections.sort(all);
        assertEquals(List.of(1L, 1L, 1L, 2L, 2L, 2L, 3L, 3L, 3L), all);
        // drop_last drops each worker's last partial batch
        List<Long> dropped = values(DataLoader.builder(sharded).batchSize(2).numWorkers(2).dropLast(true).build());
        assertEquals(List.of(0L, 2L, 1L, 3L, 4L, 6L, 5L, 7L), dropped);
    }

    @Test
    void workerInitFnRunsOncePerWorker() {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        DataLoader<Tensor, Tensor> loader = DataLoader.builder((Dataset<Tensor>) new Slow(6)).batchSize(1).numWorkers(3)
                .workerInitFn(id -> seen.add(id + ":" + WorkerInfo.current().id())).build();
        assertEquals(6, values(loader).size());
        assertEquals(Set.of("0:0", "1:1", "2:2"), seen);
    }

    // ---- scopes: a batch belongs to the training step's scope

    @Test
    void batchesBelongToTheStepScope() {
        Tensor x = Tensor.arange(12).toFloat().reshape(6, 2);
        Tensor y = Tensor.arange(6);
        for (int workers : new int[] {0, 2}) {
            DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(x, y)).batchSize(2)
                    .numWorkers(workers).build();
            // the for-loop way: the batch is taken, then the step opens its scope
            List<List<Tensor>> seen = new ArrayList<>();
            for (List<Tensor> b : loader) {
                try (TensorScope step = Ember.scope()) {
                    try (TensorScope inner = Ember.scope()) {
                        b.get(0).mul(2); // a scope nested in the step does not take the batch
                    }
                    assertFalse(b.get(0).isClosed());
                    b.get(0).sum().item();
                }
                seen.add(b);
                assertTrue(b.get(0).isClosed() && b.get(1).isClosed(), workers + " workers: closed with the step");
            }
            assertEquals(3, seen.size());
            // the same inside an outer scope (an epoch's)
            try (TensorScope epoch = Ember.scope()) {
                for (List<Tensor> b : loader) {
                    try (TensorScope step = Ember.scope()) {
                        b.get(0).sum();
                    }
                    assertTrue(b.get(0).isClosed());
                }
            }
            // the step opens its scope first, then takes the batch
            try (DataLoaderIterator<List<Tensor>> it = loader.iterator()) {
                while (it.hasNext()) {
                    List<Tensor> b;
                    try (TensorScope step = Ember.scope()) {
                        b = it.next();
                        try (TensorScope inner = Ember.scope()) {
                            b.get(0).add(1);
                        }
                        assertFalse(b.get(0).isClosed());
                    }
                    assertTrue(b.get(0).isClosed());
                }
            }
            // without scopes nothing is closed
            List<Tensor> kept = loader.iterator().next();
            assertFalse(kept.get(0).isClosed());
            // the data set's own tensors are never closed
            assertFalse(x.isClosed());
            assertFalse(y.isClosed());
            assertEquals(66, x.sum().item());
        }
        // samples passed through as they are (no automatic batching) are the data set's: not handed over
        Tensor own = Tensor.ones(2);
        Dataset<Tensor> stored = new Dataset<>() {
            @Override
            public int size() {
                return 1;
            }

            @Override
            public Tensor get(int index) {
                return own;
            }
        };
        for (Tensor b : DataLoader.builder(stored).batchSize(null).numWorkers(1).build()) {
            try (TensorScope step = Ember.scope()) {
                assertSame(own, b);
            }
        }
        assertFalse(own.isClosed());
    }

    // ---- pinMemory: batches arrive on the device (a fake CUDA device served by CPU kernels here)

    @Test
    void pinMemoryMovesBatchesToTheDevice() {
        Backends2.registerFakeCuda();
        Device cuda = Device.cuda(0);
        Tensor x = Tensor.arange(20).toFloat().reshape(10, 2);
        Tensor y = Tensor.arange(10).toFloat().div(4).reshape(10, 1);
        for (int workers : new int[] {0, 2}) {
            DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(x, y)).batchSize(4)
                    .numWorkers(workers).pinMemory(cuda).build();
            int k = 0;
            for (List<Tensor> b : loader) {
                assertEquals(cuda, b.get(0).device());
                assertEquals(cuda, b.get(1).device());
                assertArrayEquals(x.narrow(0, 4 * k, b.get(0).size(0)).toFloatArray(), b.get(0).toFloatArray());
                assertArrayEquals(y.narrow(0, 4 * k, b.get(1).size(0)).toFloatArray(), b.get(1).toFloatArray());
                assertEquals(DType.FLOAT32, b.get(1).dtype());
                k++;
            }
            assertEquals(3, k);
            // nested structures (records) move too
            Dataset<Pair> pairs = new Dataset<>() {
                @Override
                public int size() {
                    return 3;
                }

                @Override
                public Pair get(int index) {
                    return new Pair(Tensor.scalar(index), List.of(Tensor.ones(2)));
                }
            };
            Pair p = DataLoader.builder(pairs).batchSize(3).numWorkers(workers).pinMemory(cuda).build().iterator().next();
            assertEquals(cuda, p.a().device());
            assertEquals(cuda, p.b().get(0).device());
            assertArrayEquals(new int[] {3, 2}, p.b().get(0).shape());
        }
        // on the CPU, a no-op
        List<Tensor> onCpu = DataLoader.builder(new TensorDataset(x, y)).batchSize(4).pinMemory(Device.CPU).build().iterator().next();
        assertEquals(Device.CPU, onCpu.get(0).device());
        // the legacy loader's device
        DataLoader.Batch legacy = DataLoader.of(x, y, 5, true, 0, cuda).iterator().next();
        assertEquals(cuda, legacy.inputs().device());
        assertEquals(DType.FLOAT32, legacy.targets().dtype());
    }

    record Pair(Tensor a, List<Tensor> b) {
    }

    @Test
    void manyEpochsLeaveNoThreads() throws InterruptedException {
        List<Thread> before = workerThreads();
        DataLoader<Tensor, Tensor> loader = DataLoader.builder((Dataset<Tensor>) new Slow(9)).batchSize(2).numWorkers(2).build();
        for (int e = 0; e < 20; e++) {
            assertEquals(9, values(loader).size());
        }
        Iterator<Tensor> it = loader.iterator();
        while (it.hasNext()) {
            it.next();
        }
        assertThrows(java.util.NoSuchElementException.class, it::next);
        awaitDead(started(before), 3000);
    }
}
