package dev.ember.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Data sets one after the other, as {@code torch.utils.data.ConcatDataset}.
 *
 * @param <T> the type of a sample
 */
public final class ConcatDataset<T> implements Dataset<T> {
    private final List<Dataset<? extends T>> datasets;
    /** cumulative[i]: the number of samples in datasets 0..i. */
    private final long[] cumulative;

    /**
     * The samples of {@code datasets}, in order.
     *
     * @throws IllegalArgumentException for no data sets (PyTorch's message), a null one, or more than
     *     {@link Integer#MAX_VALUE} samples in all
     */
    public ConcatDataset(List<? extends Dataset<? extends T>> datasets) {
        DataChecks.require(datasets, "ConcatDataset", "datasets");
        if (datasets.isEmpty()) {
            throw new IllegalArgumentException("datasets should not be an empty iterable");
        }
        this.datasets = new ArrayList<>(datasets.size());
        this.cumulative = new long[datasets.size()];
        long total = 0;
        for (int i = 0; i < datasets.size(); i++) {
            Dataset<? extends T> d = datasets.get(i);
            if (d == null) {
                throw new IllegalArgumentException("ConcatDataset(): data set " + i + " is null");
            }
            this.datasets.add(d);
            total += d.size();
            cumulative[i] = total;
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ConcatDataset(): " + total + " samples in all, more than an int index reaches");
        }
    }

    /** {@link #ConcatDataset(List)} of the arguments. */
    @SafeVarargs
    public ConcatDataset(Dataset<? extends T>... datasets) {
        this(Arrays.asList(DataChecks.require(datasets, "ConcatDataset", "datasets")));
    }

    /** The data sets, in order. */
    public List<Dataset<? extends T>> datasets() {
        return List.copyOf(datasets);
    }

    /** The running totals of the data sets' sizes ({@code cumulative_sizes}). */
    public long[] cumulativeSizes() {
        return cumulative.clone();
    }

    @Override
    public int size() {
        return (int) cumulative[cumulative.length - 1];
    }

    /**
     * The sample at {@code index} of the concatenation; a negative index counts from the end, as in Python.
     *
     * @throws IllegalArgumentException  for a negative index beyond the size (PyTorch's message)
     * @throws IndexOutOfBoundsException for an index at or past the size (PyTorch's message, "list index out of range")
     */
    @Override
    public T get(int index) {
        int n = size();
        long i = index;
        if (i < 0) {
            if (-i > n) {
                throw new IllegalArgumentException("absolute value of index should not exceed dataset length");
            }
            i += n;
        }
        if (i >= n) {
            // PyTorch's bisect_right gives one past the last data set, whose self.datasets[...] fails
            throw new IndexOutOfBoundsException("list index out of range");
        }
        // bisect_right(cumulative_sizes, idx)
        int lo = 0;
        int hi = cumulative.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] <= i) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        long start = lo == 0 ? 0 : cumulative[lo - 1];
        return datasets.get(lo).get((int) (i - start));
    }
}
