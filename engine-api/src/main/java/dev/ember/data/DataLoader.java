package dev.ember.data;

import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Batches of a data set, as {@code torch.utils.data.DataLoader}: a {@link Sampler} orders the indices of a
 * {@link Dataset} (or an {@link IterableDataset} streams its samples), a {@link BatchSampler} groups them, the
 * samples are read and a collate function ({@link Collate#defaultCollate} unless given) makes each batch. Every
 * {@link #iterator()} is one epoch.
 *
 * <pre>{@code
 * DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(x, y))
 *         .batchSize(64).shuffle(true).generator(new Generator(0)).numWorkers(2).build();
 * for (List<Tensor> batch : loader) {
 *     try (TensorScope step = Ember.scope()) {   // the batch belongs to this scope: closed with it
 *         Tensor loss = lossFn.apply(model.forward(batch.get(0)), batch.get(1));
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p><b>Tensors keep their type and shape</b>: the default collate stacks each tensor of the samples, so float
 * targets stay float and {@code [N, 1]} targets give {@code [batch, 1]} batches.
 *
 * <p><b>Worker threads</b> ({@link Builder#numWorkers}): each iteration starts that many daemon threads; batch
 * {@code k} is read and collated by worker {@code k % numWorkers} (as PyTorch assigns them), at most
 * {@code prefetchFactor} batches ahead per worker, and batches come back in order. Each worker has its own
 * {@link Generator}, seeded with a base seed drawn once per iteration from the loader's generator plus the worker's
 * id ({@link WorkerInfo}): random transforms draw from it, and on the worker's thread it is the default generator
 * (a data set's {@code Tensor.rand} draws from it, as a PyTorch worker process's {@code torch.rand} draws from its
 * {@code base_seed + id} generator), so a seed and a worker count give the same batches. An
 * exception in a worker is thrown by {@link Iterator#next()} in the caller, with the worker's exception as its cause
 * (and, for the usual unchecked types, the same type); the iteration can go on with the next batch, as in PyTorch.
 * The threads stop when the iteration ends, when its iterator is {@link DataLoaderIterator#close() closed} (or the
 * loader is {@link #close() closed}), and when an abandoned iterator is collected by the garbage collector; closing
 * is the deterministic way: {@code try (var it = loader.iterator()) { ... }}.
 *
 * <p><b>Scopes</b>: the tensors of a batch that the loader made (not the data set's own) are
 * {@link TensorScope#handOver handed over} to the thread that takes the batch, so they belong to the training step's
 * {@link TensorScope}, whether the step opens it before or after taking the batch.
 *
 * <p><b>Pinned memory</b> ({@link Builder#pinMemory(boolean)}, PyTorch's {@code pin_memory=True}): every tensor of a
 * batch is {@link Tensor#pinMemory() pinned} where the batch is made (on the worker threads when there are some, as
 * PyTorch's pin-memory thread), so that {@code batch.to(cuda, true)} in the training loop queues the upload and returns
 * at once, and the copy runs while the step computes. Without an accelerator nothing is pinned and the iterator logs
 * PyTorch 2.x's warning once ("'pin_memory' argument is set as true but no accelerator is found, then device pinned
 * memory won't be used."). {@link Builder#pinMemory(Device)}, Ember's own, moves batches to a device where they are
 * made (on CUDA through its page-locked staging buffers); on the CPU it is a no-op.
 * <pre>{@code
 * DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(x, y))
 *         .batchSize(64).shuffle(true).numWorkers(2).pinMemory(true).build();
 * for (List<Tensor> batch : loader) {
 *     try (TensorScope step = Ember.scope()) {
 *         Tensor input = batch.get(0).to(cuda, true);   // queued on the copy stream; returns at once
 *         Tensor target = batch.get(1).to(cuda, true);
 *         ...
 *     }
 * }
 * }</pre>
 *
 * @param <T> the type of a sample
 * @param <B> the type of a batch
 */
public final class DataLoader<T, B> implements Iterable<B>, AutoCloseable {
    /**
     * One batch of a loader made with {@link #of}; {@link #close()} frees both tensors (on a GPU, at once rather than
     * when the garbage collector finds them).
     *
     * @param inputs  the inputs, [batch, ...]
     * @param targets the targets, [batch, ...], of the type and shape they were given in
     */
    public record Batch(Tensor inputs, Tensor targets) implements AutoCloseable {
        /** PyTorch's repr of the list {@code default_collate} makes of (input, target) samples: {@code [tensor(...), tensor(...)]}. */
        @Override
        public String toString() {
            return "[" + inputs + ", " + targets + "]";
        }

        @Override
        public void close() {
            inputs.close();
            targets.close();
        }
    }

    final Dataset<T> dataset;
    final IterableDataset<T> iterable;
    final Integer batchSize;
    final boolean dropLast;
    final Sampler sampler;
    final Iterable<int[]> batchSampler;
    /** The collate function, or null for {@link Collate#defaultCollate}. */
    final Function<? super List<T>, ?> collate;
    /** Whether a default-collated batch must have its samples' kind of structure (a {@code DataLoader<T, T>}). */
    final boolean sameKind;
    final Function<Object, B> finish;
    final int numWorkers;
    final int prefetchFactor;
    final Generator generator;
    final Device pinDevice;
    /** {@code pin_memory}: pin the batches' tensors where they are made (when an accelerator is here). */
    final boolean pinMemory;
    final double timeout;
    final IntConsumer workerInitFn;
    /** PyTorch 2.6's {@code in_order}: false hands the workers' batches over as they finish. */
    final boolean inOrder;
    private final Set<DataLoaderIterator<B>> open = Collections.newSetFromMap(new WeakHashMap<>());

    /**
     * A loader over inputs [N, ...] and targets [N, ...] of any types, on {@code device}, in an order shuffled from
     * {@code seed} (a new permutation each epoch): {@link #of}'s loader, kept for source compatibility. A raw
     * {@code DataLoader}: prefer {@link #of}, whose type says that batches are {@link Batch}es.
     *
     * @throws IllegalArgumentException as {@link #of}
     * @deprecated use {@link #of(Tensor, Tensor, int, boolean, long, Device)} (the same loader, typed), or
     *     {@link #builder(Dataset)} with a {@link TensorDataset}
     */
    @Deprecated
    @SuppressWarnings("unchecked")
    public DataLoader(Tensor inputs, Tensor targets, int batchSize, boolean shuffle, long seed, Device device) {
        this((Builder<T, B>) (Builder<?, ?>) legacy(inputs, targets, batchSize, shuffle, seed, device));
    }

    private DataLoader(Builder<T, B> b) {
        this.dataset = b.dataset;
        this.iterable = b.iterable;
        this.numWorkers = b.numWorkers;
        this.timeout = b.timeout;
        this.generator = b.generator;
        this.pinDevice = b.pinDevice;
        this.pinMemory = b.pinMemory;
        this.workerInitFn = b.workerInitFn;
        this.inOrder = b.inOrder;
        this.collate = b.collate;
        this.sameKind = b.collate == null && b.finish == null;
        @SuppressWarnings("unchecked")
        Function<Object, B> finish = b.finish != null ? b.finish : x -> (B) x;
        this.finish = finish;
        // PyTorch's checks, in its order
        if (b.numWorkers < 0) {
            throw new IllegalArgumentException(
                    "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.");
        }
        if (b.timeout < 0 || Double.isNaN(b.timeout)) {
            throw new IllegalArgumentException("timeout option should be non-negative");
        }
        if (b.numWorkers == 0 && b.prefetchFactor != null) {
            throw new IllegalArgumentException("prefetch_factor option could only be specified in multiprocessing.let "
                    + "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.");
        }
        if (b.prefetchFactor != null && b.prefetchFactor < 0) {
            throw new IllegalArgumentException("prefetch_factor option should be non-negative");
        }
        // 0 is accepted by PyTorch's check and then never lets a batch be requested; at least one is
        this.prefetchFactor = b.prefetchFactor == null ? 2 : Math.max(1, b.prefetchFactor);
        Sampler s = b.sampler;
        Iterable<int[]> bs = b.batchSampler;
        Integer batch = b.batchSize;
        boolean drop = b.dropLast;
        if (iterable != null) {
            if (b.shuffle) {
                throw new IllegalArgumentException(
                        "DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=True");
            }
            if (s != null) {
                throw new IllegalArgumentException("DataLoader with IterableDataset: expected unspecified sampler option, "
                        + "but got sampler=" + s);
            }
            if (bs != null) {
                throw new IllegalArgumentException("DataLoader with IterableDataset: expected unspecified batch_sampler "
                        + "option, but got batch_sampler=" + bs);
            }
        }
        if (s != null && b.shuffle) {
            throw new IllegalArgumentException("sampler option is mutually exclusive with shuffle");
        }
        if (bs != null) {
            if (batch == null || batch != 1 || b.shuffle || s != null || drop) {
                throw new IllegalArgumentException(
                        "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last");
            }
            batch = null;
            drop = false;
        } else if (batch == null) {
            if (drop) {
                throw new IllegalArgumentException(
                        "batch_size=None option disables auto-batching and is mutually exclusive with drop_last");
            }
            if (b.collate != null) {
                throw new IllegalArgumentException("batchSize(null) disables auto-batching: samples come as "
                        + "Collate.defaultConvert leaves them, and a collate function, which makes batches, does not apply");
            }
        }
        if (dataset != null && s == null) {
            // made before the batch size is checked, as PyTorch makes the default sampler before its BatchSampler: an
            // empty data set with shuffle is refused for its num_samples first (fuzz round 21)
            s = b.shuffle ? new RandomSampler(dataset, false, null, b.generator) : new SequentialSampler(dataset);
        }
        if (batch != null && batch <= 0) {
            DataChecks.positive(batch, "batch_size");
        }
        if (dataset != null && batch != null && bs == null) {
            bs = new BatchSampler(s, batch, drop);
        }
        this.sampler = s;
        this.batchSampler = bs;
        this.batchSize = batch;
        this.dropLast = drop;
    }

    /**
     * A builder of a loader over a map-style data set; its batches have the samples' type until
     * {@link Builder#collate} says otherwise (the default collate keeps tensors, lists, maps, records and object arrays
     * as what they are; for samples it turns into something else, such as numbers into a tensor, give a collate
     * function: {@code .collate(Collate::defaultCollate)} gives {@code Object} batches).
     *
     * @throws IllegalArgumentException for a null data set
     */
    public static <T> Builder<T, T> builder(Dataset<T> dataset) {
        return new Builder<>(DataChecks.require(dataset, "DataLoader", "dataset"), null);
    }

    /**
     * A builder of a loader over an iterable-style data set (no sampler, no shuffle: the data set's order; with workers,
     * each worker iterates the data set, see {@link IterableDataset}).
     *
     * @throws IllegalArgumentException for a null data set
     */
    public static <T> Builder<T, T> builder(IterableDataset<T> dataset) {
        return new Builder<>(null, DataChecks.require(dataset, "DataLoader", "dataset"));
    }

    /**
     * A loader over inputs [N, ...] and targets [N, ...] ({@link TensorDataset}), on {@code device} (a CPU device
     * leaves them where they are), in a shuffled order drawn from a generator seeded with {@code seed} (a new
     * permutation each epoch) when {@code shuffle}: {@code DataLoader(TensorDataset(inputs, targets), batch_size,
     * shuffle, generator=torch.Generator().manual_seed(seed))}, the generator of the default generator's algorithm (so
     * PyTorch's order under {@link Generator.Algorithm#MT19937}). Inputs and targets keep their types and shapes.
     *
     * @throws IllegalArgumentException for null arguments, 0-d inputs or targets, a length mismatch, or a batch size
     *     below 1 (PyTorch's message)
     */
    public static DataLoader<List<Tensor>, Batch> of(Tensor inputs, Tensor targets, int batchSize, boolean shuffle,
            long seed, Device device) {
        return legacy(inputs, targets, batchSize, shuffle, seed, device).build();
    }

    private static Builder<List<Tensor>, Batch> legacy(Tensor inputs, Tensor targets, int batchSize, boolean shuffle,
            long seed, Device device) {
        if (inputs == null || targets == null) {
            throw new IllegalArgumentException("DataLoader needs inputs and targets, got " + (inputs == null ? "null" : "a tensor")
                    + " and " + (targets == null ? "null" : "a tensor"));
        }
        if (device == null) {
            throw new IllegalArgumentException("DataLoader needs a device, got null");
        }
        if (inputs.dim() == 0) {
            throw new IllegalArgumentException("inputs must have a batch dimension [N, ...], got a 0-d tensor");
        }
        if (targets.dim() == 0) {
            throw new IllegalArgumentException("targets must have a batch dimension [N, ...], got a 0-d tensor");
        }
        if (inputs.size(0) != targets.size(0)) {
            throw new IllegalArgumentException("inputs and targets differ in length: " + inputs.size(0) + " and " + targets.size(0));
        }
        DataChecks.positive(batchSize, "batch_size");
        TensorDataset data = new TensorDataset(inputs, targets);
        // torch.Generator().manual_seed(seed) of the default generator's algorithm: PyTorch's order under MT19937
        Builder<List<Tensor>, List<Tensor>> b = builder(data).batchSize(batchSize).generator(Samplers.fresh(seed));
        // nothing to shuffle in an empty data set (PyTorch's RandomSampler refuses one)
        b.shuffle(shuffle && data.size() > 0);
        if (!device.equals(Device.CPU)) {
            b.pinMemory(device);
        }
        Builder<List<Tensor>, Batch> typed = b.collate(null);
        typed.finish = x -> {
            @SuppressWarnings("unchecked")
            List<Tensor> l = (List<Tensor>) x;
            return new Batch(l.get(0), l.get(1));
        };
        return typed;
    }

    /**
     * The number of batches per epoch ({@code len(loader)}): the batch sampler's size, or the sampler's without
     * automatic batching.
     *
     * @throws UnsupportedOperationException for an iterable-style data set or a batch sampler without a size (PyTorch's
     *     {@code TypeError}: no {@code len()})
     */
    public int size() {
        Object sized = batchSampler != null ? batchSampler : sampler;
        if (sized instanceof BatchSampler) {
            return ((BatchSampler) sized).size();
        }
        if (sized instanceof Sampler) {
            return ((Sampler) sized).size();
        }
        if (sized instanceof Collection) {
            return ((Collection<?>) sized).size();
        }
        Object what = iterable != null ? iterable : sized;
        throw new UnsupportedOperationException("object of type '" + what.getClass().getSimpleName() + "' has no len()");
    }

    /** The data set (a {@link Dataset} or an {@link IterableDataset}). */
    public Object dataset() {
        return dataset != null ? dataset : iterable;
    }

    /** The batch size, or null without automatic batching (or with a custom batch sampler). */
    public Integer batchSize() {
        return batchSize;
    }

    /** The number of worker threads (0: batches are made on the caller's thread). */
    public int numWorkers() {
        return numWorkers;
    }

    /** The sampler, or null for an iterable-style data set. */
    public Sampler sampler() {
        return sampler;
    }

    /** One epoch's batches (see the class comment); close it to stop its workers at once. */
    @Override
    public DataLoaderIterator<B> iterator() {
        DataLoaderIterator<B> it = new DataLoaderIterator<>(this);
        synchronized (open) {
            open.add(it);
        }
        return it;
    }

    void closed(DataLoaderIterator<B> it) {
        synchronized (open) {
            open.remove(it);
        }
    }

    /** Closes the iterations in progress (their worker threads stop); the loader can still be iterated afterwards. */
    @Override
    public void close() {
        List<DataLoaderIterator<B>> its;
        synchronized (open) {
            its = new ArrayList<>(open);
        }
        for (DataLoaderIterator<B> it : its) {
            it.close();
        }
    }

    static String seconds(double s) {
        return s == Math.rint(s) && Math.abs(s) < 1e15 ? Long.toString((long) s) : String.format(Locale.ROOT, "%s", s);
    }

    /**
     * The options of a {@link DataLoader}, as {@code torch.utils.data.DataLoader}'s arguments; {@link #build()} checks
     * them together with PyTorch's messages.
     *
     * @param <T> the type of a sample
     * @param <B> the type of a batch
     */
    public static final class Builder<T, B> {
        private final Dataset<T> dataset;
        private final IterableDataset<T> iterable;
        private Integer batchSize = 1;
        private boolean shuffle;
        private Sampler sampler;
        private Iterable<int[]> batchSampler;
        private boolean dropLast;
        private int numWorkers;
        private Integer prefetchFactor;
        private Generator generator;
        private Function<? super List<T>, ?> collate;
        private Function<Object, B> finish;
        private Device pinDevice;
        private boolean pinMemory;
        private double timeout;
        private IntConsumer workerInitFn;
        private boolean inOrder = true;

        private Builder(Dataset<T> dataset, IterableDataset<T> iterable) {
            this.dataset = dataset;
            this.iterable = iterable;
        }

        /** Samples per batch (default 1); null turns automatic batching off (samples come one by one). */
        public Builder<T, B> batchSize(Integer batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** A new random order each epoch ({@link RandomSampler} with this builder's generator). */
        public Builder<T, B> shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** The order of the indices (exclusive with {@code shuffle}). */
        public Builder<T, B> sampler(Sampler sampler) {
            this.sampler = sampler;
            return this;
        }

        /** The batches of indices (exclusive with batchSize, shuffle, sampler and dropLast). */
        public Builder<T, B> batchSampler(Iterable<int[]> batchSampler) {
            this.batchSampler = batchSampler;
            return this;
        }

        /** Drops the last batch when it is smaller than the batch size. */
        public Builder<T, B> dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** Worker threads that read and collate batches ahead (0, the default: on the caller's thread). */
        public Builder<T, B> numWorkers(int numWorkers) {
            this.numWorkers = numWorkers;
            return this;
        }

        /** Batches read ahead per worker (default 2; only with workers). */
        public Builder<T, B> prefetchFactor(Integer prefetchFactor) {
            this.prefetchFactor = prefetchFactor;
            return this;
        }

        /** The generator of the shuffled order and of the workers' base seed (null: the default generator). */
        public Builder<T, B> generator(Generator generator) {
            this.generator = generator;
            return this;
        }

        /** How batches are made from their samples (null: {@link Collate#defaultCollate}). */
        @SuppressWarnings("unchecked")
        public <C> Builder<T, C> collate(Function<? super List<T>, ? extends C> collate) {
            this.collate = collate;
            this.finish = null;
            return (Builder<T, C>) this;
        }

        /**
         * Batches arrive on {@code device} (null: where they are made), PyTorch's {@code pin_memory} with the step's
         * {@code non_blocking} copy: on CUDA through page-locked staging buffers, on the worker threads when there are
         * some; a no-op for the CPU.
         */
        public Builder<T, B> pinMemory(Device device) {
            this.pinDevice = device;
            return this;
        }

        /**
         * PyTorch's {@code pin_memory}: the batches' tensors are {@link Tensor#pinMemory() pinned} where the batches are
         * made (the worker threads when there are some), for {@code batch.to(cuda, true)}; without an accelerator,
         * ignored with PyTorch's warning, logged once.
         */
        public Builder<T, B> pinMemory(boolean pinMemory) {
            this.pinMemory = pinMemory;
            return this;
        }

        /** Seconds to wait for a worker's batch before failing (0, the default: no limit). */
        public Builder<T, B> timeout(double seconds) {
            this.timeout = seconds;
            return this;
        }

        /**
         * PyTorch 2.6's {@code in_order} (default true: batches come in the sampler's order). False: with workers, each
         * batch is handed over as soon as a worker has it, so a slow batch does not hold back the ones after it; the
         * epoch still holds every batch once. No effect without workers.
         */
        public Builder<T, B> inOrder(boolean inOrder) {
            this.inOrder = inOrder;
            return this;
        }

        /** Runs on each worker thread, with its id, before it reads anything ({@link WorkerInfo#current()} is set). */
        public Builder<T, B> workerInitFn(IntConsumer workerInitFn) {
            this.workerInitFn = workerInitFn;
            return this;
        }

        /**
         * The loader.
         *
         * @throws IllegalArgumentException for options that do not go together or out of range (PyTorch's messages)
         */
        public DataLoader<T, B> build() {
            return new DataLoader<>(this);
        }
    }
}
