package dev.ember.data;

import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;

/** The indices {@code 0, 1, ..., size - 1} of a data set, in order, as {@code torch.utils.data.SequentialSampler}. */
public final class SequentialSampler implements Sampler {
    private final Dataset<?> dataset;

    /**
     * A sampler over {@code dataset}'s indices (its size is read at each epoch).
     *
     * @throws IllegalArgumentException for a null data set
     */
    public SequentialSampler(Dataset<?> dataset) {
        this.dataset = DataChecks.require(dataset, "SequentialSampler", "dataset");
    }

    @Override
    public PrimitiveIterator.OfInt iterator() {
        int n = dataset.size();
        return new PrimitiveIterator.OfInt() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < n;
            }

            @Override
            public int nextInt() {
                if (next >= n) {
                    throw new NoSuchElementException();
                }
                return next++;
            }
        };
    }

    @Override
    public int size() {
        return dataset.size();
    }
}
