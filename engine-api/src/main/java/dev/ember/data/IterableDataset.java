package dev.ember.data;

/**
 * An iterable-style data set, as {@code torch.utils.data.IterableDataset}: a stream of samples without random
 * access. A {@link DataLoader} with worker threads calls {@link #iterator()} once on each worker, so every worker
 * streams the whole data set unless the iterator splits the work with {@link WorkerInfo#current()} (PyTorch's
 * {@code get_worker_info()}): for example worker {@code id} of {@code numWorkers} keeps every {@code numWorkers}-th
 * sample from the {@code id}-th on.
 *
 * @param <T> the type of a sample
 */
public interface IterableDataset<T> extends Iterable<T> {
}
