package dev.ember.data;

import dev.ember.Ember;
import dev.ember.Generator;

/**
 * What a {@link DataLoader} worker thread knows about itself, as {@code torch.utils.data.get_worker_info()}: its id
 * ({@code 0 <= id < numWorkers}), the number of workers, its seed ({@code baseSeed + id}, the base seed drawn once per
 * iteration from the loader's generator) and its own {@link Generator} seeded with it, which the random transforms
 * ({@code dev.ember.data.transforms}) draw from, and which stands in for the default generator on the worker's thread
 * (as each PyTorch worker process's global generator is seeded {@code base_seed + id}): a data set drawing with
 * {@code Tensor.rand} and the like draws from it too. The same seed and worker count give the same draws.
 *
 * @param id         the worker's id
 * @param numWorkers the number of workers of the iteration
 * @param seed       the worker's seed
 * @param generator  the worker's generator, seeded with {@code seed}
 * @param dataset    the data set the worker reads (a {@link Dataset} or an {@link IterableDataset})
 */
public record WorkerInfo(int id, int numWorkers, long seed, Generator generator, Object dataset) {
    private static final ThreadLocal<WorkerInfo> CURRENT = new ThreadLocal<>();

    /** The worker running on this thread, or null on any other thread (PyTorch's {@code None} in the main process). */
    public static WorkerInfo current() {
        return CURRENT.get();
    }

    /**
     * The generator random transforms draw from on this thread: the worker's on a loader's worker thread, otherwise
     * the default generator ({@link Ember#defaultGenerator()}, seeded by {@link Ember#manualSeed}), as PyTorch's
     * transforms draw from the process's global generator.
     */
    public static Generator currentGenerator() {
        WorkerInfo w = CURRENT.get();
        return w != null ? w.generator : Ember.defaultGenerator();
    }

    static void set(WorkerInfo info) {
        if (info == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(info);
        }
    }
}
