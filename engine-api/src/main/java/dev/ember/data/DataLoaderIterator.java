package dev.ember.data;

import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;

import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One epoch of a {@link DataLoader}: its batches in order (or as the workers finish them, {@code inOrder(false)}),
 * read on the caller's thread or by the loader's worker threads. {@link #close()} stops the workers at once (they also stop at the end of the epoch, and when an abandoned
 * iterator is collected); use it in try-with-resources to leave an epoch early.
 *
 * @param <B> the type of a batch
 */
public final class DataLoaderIterator<B> implements Iterator<B>, AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "ember-data-cleaner");
        t.setDaemon(true);
        return t;
    });
    private static final AtomicLong ITERATIONS = new AtomicLong();
    private static final Object NEXT = new Object();
    private static final Object STOP = new Object();
    /** How often a waiting thread looks whether the iteration was closed or a worker died. */
    private static final long POLL_MS = 50;

    /** A batch made, an error raised, or the end of a worker's stream. */
    private static final class Result {
        final Object batch;
        final Tensor[] made;
        final Throwable error;
        final int worker;
        final boolean end;

        Result(Object batch, Tensor[] made, Throwable error, int worker, boolean end) {
            this.batch = batch;
            this.made = made;
            this.error = error;
            this.worker = worker;
            this.end = end;
        }
    }

    /** What the workers and the cleaner share (never the iterator itself, so that an abandoned one can be collected). */
    private static final class Workers implements Runnable {
        final Thread[] threads;
        final List<LinkedBlockingQueue<Object>> tasks = new ArrayList<>();
        final List<LinkedBlockingQueue<Result>> results = new ArrayList<>();
        volatile boolean stopped;

        Workers(int n) {
            threads = new Thread[n];
            for (int i = 0; i < n; i++) {
                tasks.add(new LinkedBlockingQueue<>());
                results.add(new LinkedBlockingQueue<>());
            }
        }

        /** Tells every worker to stop after what it is doing (the cleaner's action; does not wait). */
        @Override
        public void run() {
            stopped = true;
            for (LinkedBlockingQueue<Object> q : tasks) {
                q.clear();
                q.add(STOP);
            }
        }

        /** Waits for the workers to end (up to a few seconds each, then interrupts one still busy). */
        void join() {
            for (Thread t : threads) {
                if (t == null || t == Thread.currentThread()) {
                    continue;
                }
                try {
                    t.join(5000);
                    if (t.isAlive()) {
                        t.interrupt();
                        t.join(1000);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private final DataLoader<?, B> loader;
    private final boolean batched;
    /** Map-style: the batches of indices, or the single indices without automatic batching. */
    private final Iterator<int[]> batches;
    private final PrimitiveIterator.OfInt singles;
    /** Iterable-style without workers: the data set's stream. */
    private final Iterator<?> stream;
    private final Workers workers;
    private final Cleaner.Cleanable cleanable;
    /** Worker mode: the worker of each task sent and not yet answered, in order. */
    private final ArrayDeque<Integer> sent = new ArrayDeque<>();
    private final boolean[] active;
    private int cycle;
    private boolean exhausted;
    private Result ahead;
    private boolean done;

    DataLoaderIterator(DataLoader<?, B> loader) {
        this.loader = loader;
        this.batched = loader.dataset != null ? loader.batchSampler != null : loader.batchSize != null;
        TensorScope.handOver(); // an iteration begins: a scope opened from now on may be a training step's
        if (loader.pinMemory && !acceleratorAvailable()) {
            warnNoAccelerator();
        }
        // as PyTorch's iterator: the workers' base seed first, then the sampler's order (drawn at its first index)
        Generator g = loader.generator != null ? loader.generator : Ember.defaultGenerator();
        long baseSeed = Samplers.seed(g);
        if (loader.dataset != null) {
            batches = batched ? loader.batchSampler.iterator() : null;
            singles = batched ? null : loader.sampler.iterator();
        } else {
            batches = null;
            singles = null;
        }
        int n = loader.numWorkers;
        active = new boolean[n];
        if (n == 0) {
            workers = null;
            cleanable = null;
            stream = loader.iterable != null ? loader.iterable.iterator() : null;
            return;
        }
        stream = null;
        Workers pool = new Workers(n);
        workers = pool;
        boolean auto = batched; // locals: a worker must not hold the iterator (an abandoned one is collected)
        long iteration = ITERATIONS.incrementAndGet();
        for (int id = 0; id < n; id++) {
            WorkerInfo info = new WorkerInfo(id, n, baseSeed + id, Samplers.fresh(baseSeed + id),
                    loader.dataset != null ? loader.dataset : loader.iterable);
            Thread t = new Thread(() -> work(loader, auto, pool, info), "ember-data-worker-" + iteration + "-" + id);
            t.setDaemon(true);
            workers.threads[id] = t;
            active[id] = true;
        }
        cleanable = CLEANER.register(this, workers);
        for (Thread t : workers.threads) {
            t.start();
        }
        dispatch();
    }

    // ---- the worker threads

    private static void work(DataLoader<?, ?> loader, boolean batched, Workers workers, WorkerInfo info) {
        LinkedBlockingQueue<Object> tasks = workers.tasks.get(info.id());
        LinkedBlockingQueue<Result> results = workers.results.get(info.id());
        WorkerInfo.set(info);
        try {
            Throwable broken = null;
            Iterator<?> stream = null;
            try {
                if (loader.workerInitFn != null) {
                    loader.workerInitFn.accept(info.id());
                }
                if (loader.iterable != null) {
                    stream = loader.iterable.iterator();
                }
            } catch (Throwable e) { // a checked exception thrown sneakily (Kotlin, Lombok) too
                broken = e; // every task answers with it
            }
            boolean ended = false;
            while (!workers.stopped) {
                Object task;
                try {
                    task = tasks.poll(POLL_MS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                if (task == null) {
                    continue;
                }
                if (task == STOP) {
                    return;
                }
                Result r;
                if (broken != null) {
                    r = new Result(null, null, broken, info.id(), false);
                } else if (ended) {
                    r = new Result(null, null, null, info.id(), true);
                } else {
                    try {
                        r = task == NEXT ? fromStream(loader, batched, stream, info.id()) : fetch(loader, batched, (int[]) task,
                                info.id());
                        ended = r.end;
                    } catch (Throwable e) {
                        // a checked exception thrown sneakily too: it used to end the worker thread, and the caller
                        // then saw only "DataLoader worker N exited unexpectedly", without it
                        r = new Result(null, null, e, info.id(), false);
                    }
                }
                results.add(r);
            }
        } finally {
            WorkerInfo.set(null);
        }
    }

    // ---- reading and collating (on a worker, or on the caller's thread without workers)

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Result fetch(DataLoader<?, ?> loader, boolean batched, int[] indices, int worker) {
        Dataset<Object> data = (Dataset<Object>) loader.dataset;
        if (!batched) {
            Object sample = data.get(indices[0]);
            return finish(loader, Collate.defaultConvert(sample), sample, sample, worker);
        }
        Object plain = loader.dataset;
        if (loader.collate == null && plain instanceof TensorDataset) {
            // what stacking the rows would give, in one index_select per tensor
            return finish(loader, ((TensorDataset) plain).rows(indices), null, null, worker);
        }
        // the data set's batch read (PyTorch 2.x's fetcher calls __getitems__ where a data set has it)
        List<Object> samples = data.getItems(indices);
        Object batch = loader.collate == null ? Collate.defaultCollate(samples)
                : ((Function) loader.collate).apply(samples);
        return finish(loader, batch, samples, samples.get(0), worker);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Result fromStream(DataLoader<?, ?> loader, boolean batched, Iterator<?> stream, int worker) {
        if (!batched) {
            if (!stream.hasNext()) {
                return new Result(null, null, null, worker, true);
            }
            Object sample = stream.next();
            return finish(loader, Collate.defaultConvert(sample), sample, sample, worker);
        }
        int size = loader.batchSize;
        List<Object> samples = new ArrayList<>(Math.min(size, 1024));
        while (samples.size() < size && stream.hasNext()) {
            samples.add(stream.next());
        }
        if (samples.isEmpty() || (samples.size() < size && loader.dropLast)) {
            return new Result(null, null, null, worker, true);
        }
        Object batch = loader.collate == null ? Collate.defaultCollate(samples)
                : ((Function) loader.collate).apply(samples);
        return finish(loader, batch, samples, samples.get(0), worker);
    }

    private static Result finish(DataLoader<?, ?> loader, Object batch, Object samples, Object first, int worker) {
        if (loader.sameKind && first != null && !Collate.sameKind(first, batch)) {
            throw new IllegalStateException("the default collate made a " + (batch == null ? "null" : batch.getClass().getName())
                    + " batch of samples of type " + first.getClass().getName() + ", which a DataLoader<T, T> does not hold: "
                    + "give the builder a collate function (.collate(Collate::defaultCollate) for Object batches)");
        }
        if (loader.pinMemory && acceleratorAvailable()) {
            // PyTorch's pin_memory(data): every tensor (a device tensor fails with pin_memory's error); the collated
            // tensors the pinned copies replace are the loader's own: closed now rather than by the garbage collector
            Object collated = batch;
            batch = Collate.mapTensors(batch, Tensor::pinMemory);
            java.util.Set<Tensor> kept = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            Collate.tensors(batch, kept);
            for (Tensor t : Collate.made(collated, samples)) {
                if (!kept.contains(t)) {
                    t.close();
                }
            }
        }
        if (loader.pinDevice != null) {
            batch = Collate.mapTensors(batch, t -> loader.pinMemory ? t.to(loader.pinDevice, true) : t.to(loader.pinDevice));
        }
        Tensor[] made = Collate.made(batch, samples);
        return new Result(loader.finish.apply(batch), made, null, worker, false);
    }

    /** Once a process, however threads race: {@code compareAndSet} lets one caller log. */
    private static final java.util.concurrent.atomic.AtomicBoolean WARNED_NO_ACCELERATOR =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** {@code torch.accelerator.is_available()}: a usable CUDA backend is installed (what pins host memory). */
    static boolean acceleratorAvailable() {
        dev.ember.backend.Backend b = dev.ember.backend.Backends.find("cuda");
        return b != null && b.isAvailable() && b.deviceCount() > 0;
    }

    /** PyTorch 2.x's warning (torch/utils/data/dataloader.py, _BaseDataLoaderIter), once per process. */
    private static void warnNoAccelerator() {
        if (WARNED_NO_ACCELERATOR.compareAndSet(false, true)) {
            System.getLogger("dev.ember").log(System.Logger.Level.WARNING, NO_ACCELERATOR);
        }
    }

    static final String NO_ACCELERATOR = "'pin_memory' argument is set as true but no accelerator is found, "
            + "then device pinned memory won't be used.";

    // ---- the caller's side

    /** Sends tasks round-robin to the active workers, up to {@code prefetchFactor} per worker in flight. */
    private void dispatch() {
        int n = active.length;
        while (sent.size() < loader.prefetchFactor * n) {
            int w = -1;
            for (int k = 0; k < n; k++) {
                int c = (cycle + k) % n;
                if (active[c]) {
                    w = c;
                    break;
                }
            }
            if (w < 0) {
                return;
            }
            Object task;
            if (loader.dataset != null) {
                if (exhausted) {
                    return;
                }
                if (batched ? !batches.hasNext() : !singles.hasNext()) {
                    exhausted = true;
                    return;
                }
                task = batched ? batches.next() : new int[] {singles.nextInt()};
            } else {
                task = NEXT;
            }
            cycle = (w + 1) % n;
            workers.tasks.get(w).add(task);
            sent.add(w);
        }
    }

    /** The next batch's result, or null at the end of the epoch. */
    private Result produce() {
        if (workers == null) {
            if (loader.dataset != null) {
                if (batched ? !batches.hasNext() : !singles.hasNext()) {
                    return null;
                }
                int[] task = batched ? batches.next() : new int[] {singles.nextInt()};
                try {
                    return fetch(loader, batched, task, -1);
                } catch (RuntimeException | Error e) {
                    return new Result(null, null, e, -1, false);
                }
            }
            try {
                Result r = fromStream(loader, batched, stream, -1);
                return r.end ? null : r;
            } catch (RuntimeException | Error e) {
                return new Result(null, null, e, -1, false);
            }
        }
        while (true) {
            if (sent.isEmpty()) {
                dispatch();
                if (sent.isEmpty()) {
                    return null;
                }
            }
            Result r;
            if (loader.inOrder) {
                int w = sent.poll();
                if (!active[w]) {
                    continue; // sent to a worker whose stream has since ended
                }
                r = await(w);
            } else {
                sent.removeIf(w -> !active[w]);
                if (sent.isEmpty()) {
                    continue;
                }
                r = await(-1); // in_order=False (PyTorch 2.6): whichever worker answers first
            }
            if (r.end) {
                active[r.worker] = false;
                continue;
            }
            dispatch();
            return r;
        }
    }

    /**
     * Waits for the next result of worker {@code only}, or with {@code only < 0} of any worker in {@link #sent}
     * ({@link #pollSent}: {@code in_order=False}, each worker answering its tasks in order, so a result answers its
     * worker's earliest entry there); refuses, closing this iterator, when the iteration was closed, a worker waited for died with
     * nothing left to read, the loader's timeout passed, or the thread was interrupted.
     */
    private Result await(int only) {
        long limit = loader.timeout > 0 ? System.nanoTime() + (long) (loader.timeout * 1e9) : Long.MAX_VALUE;
        try {
            while (true) {
                Result r = only >= 0 ? workers.results.get(only).poll(POLL_MS, TimeUnit.MILLISECONDS) : pollSent();
                if (r != null) {
                    return r;
                }
                if (workers.stopped) {
                    throw new IllegalStateException("the DataLoader iterator was closed");
                }
                for (int w : only >= 0 ? java.util.List.of(only) : sent) {
                    if (!workers.threads[w].isAlive() && workers.results.get(w).isEmpty()) {
                        throw new IllegalStateException("DataLoader worker " + w + " exited unexpectedly");
                    }
                }
                if (System.nanoTime() > limit) {
                    throw new IllegalStateException("DataLoader timed out after " + DataLoader.seconds(loader.timeout)
                            + " seconds");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while waiting for a DataLoader worker", e);
        } catch (IllegalStateException e) {
            close();
            throw e;
        }
    }

    /**
     * One look at each worker in {@link #sent} (once each, the earliest sent first), then a 1 ms wait on the earliest:
     * the result found, its worker's earliest entry taken off {@code sent}, or null.
     */
    private Result pollSent() throws InterruptedException {
        for (int w : new java.util.LinkedHashSet<>(sent)) {
            Result r = workers.results.get(w).poll();
            if (r != null) {
                sent.removeFirstOccurrence(w);
                return r;
            }
        }
        int first = sent.peek();
        Result r = workers.results.get(first).poll(1, TimeUnit.MILLISECONDS);
        if (r != null) {
            sent.removeFirstOccurrence(first);
        }
        return r;
    }

    @Override
    public boolean hasNext() {
        if (ahead == null && !done) {
            ahead = produce();
            if (ahead == null) {
                close();
            }
        }
        return ahead != null;
    }

    /**
     * The next batch; its tensors that the loader made are handed to this thread's scopes
     * ({@link TensorScope#handOver}).
     *
     * @throws NoSuchElementException at the end of the epoch
     * @throws RuntimeException       what reading or collating the batch threw: the exception itself without workers;
     *                                with workers, one of the same type for the usual unchecked types (an
     *                                {@code UncheckedIOException} for an {@code IOException} a data set threw
     *                                sneakily, else a {@code RuntimeException}) saying which worker caught it, with
     *                                it as the cause
     */
    @Override
    public B next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Result r = ahead;
        ahead = null;
        if (r.error != null) {
            throw rethrow(r.error, r.worker);
        }
        TensorScope.handOver(r.made);
        @SuppressWarnings("unchecked")
        B batch = (B) r.batch;
        return batch;
    }

    private static RuntimeException rethrow(Throwable e, int worker) {
        if (worker < 0) {
            if (e instanceof RuntimeException) {
                return (RuntimeException) e;
            }
            throw (Error) e;
        }
        String msg = "Caught " + e.getClass().getSimpleName() + " in DataLoader worker " + worker + ": " + e.getMessage();
        RuntimeException out;
        if (e instanceof IllegalArgumentException) {
            out = new IllegalArgumentException(msg, e);
        } else if (e instanceof IllegalStateException) {
            out = new IllegalStateException(msg, e);
        } else if (e instanceof UnsupportedOperationException) {
            out = new UnsupportedOperationException(msg, e);
        } else if (e instanceof IndexOutOfBoundsException) {
            out = new IndexOutOfBoundsException(msg);
            out.initCause(e);
        } else if (e instanceof ArithmeticException) {
            out = new ArithmeticException(msg);
            out.initCause(e);
        } else if (e instanceof java.io.UncheckedIOException && e.getCause() != null) {
            out = new java.io.UncheckedIOException(msg, (java.io.IOException) e.getCause());
            out.addSuppressed(e);
        } else if (e instanceof java.io.IOException) {
            out = new java.io.UncheckedIOException(msg, (java.io.IOException) e); // thrown sneakily by the data set
        } else {
            out = new RuntimeException(msg, e);
        }
        return out;
    }

    /** Stops the worker threads now and ends the iteration ({@link #hasNext()} is then false). Idempotent. */
    @Override
    public void close() {
        if (done) {
            return;
        }
        done = true;
        ahead = null;
        if (workers != null) {
            cleanable.clean(); // tells the workers to stop (once)
            workers.join();
        }
        loader.closed(this);
    }
}
