package dev.ember.data;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;

/**
 * Groups a sampler's indices into batches, as {@code torch.utils.data.BatchSampler}: batches of {@code batchSize}
 * indices in the sampler's order, the last one smaller unless {@code dropLast} drops it.
 */
public final class BatchSampler implements Iterable<int[]> {
    private final Sampler sampler;
    private final int batchSize;
    private final boolean dropLast;

    /**
     * Batches of {@code sampler}'s indices.
     *
     * @throws IllegalArgumentException for a null sampler or a batch size that is not positive (PyTorch's message)
     */
    public BatchSampler(Sampler sampler, int batchSize, boolean dropLast) {
        this.sampler = DataChecks.require(sampler, "BatchSampler", "sampler");
        this.batchSize = DataChecks.positive(batchSize, "batch_size");
        this.dropLast = dropLast;
    }

    /** The sampler whose indices are batched. */
    public Sampler sampler() {
        return sampler;
    }

    /** The batch size. */
    public int batchSize() {
        return batchSize;
    }

    /** Whether a last, smaller batch is dropped. */
    public boolean dropLast() {
        return dropLast;
    }

    /** The number of batches per epoch ({@code len(batch_sampler)}). */
    public int size() {
        int n = sampler.size();
        return dropLast ? n / batchSize : n / batchSize + (n % batchSize == 0 ? 0 : 1);
    }

    @Override
    public Iterator<int[]> iterator() {
        PrimitiveIterator.OfInt it = sampler.iterator();
        // a batch size far above the epoch's size (as Integer.MAX_VALUE for "one batch") allocates only what arrives
        int initial = Math.max(1, Math.min(batchSize, Math.min(sampler.size(), 1 << 16)));
        return new Iterator<>() {
            // each batch is read from the sampler when it is asked for (hasNext() or next()), as PyTorch's generator
            // function reads it at its next(): never one ahead, so a random sampler draws its seed, its permutations,
            // its chunks and its last randperm(n)[:0] when PyTorch's does (fuzz round 21)
            private int[] next;
            private boolean ready;

            private int[] advance() {
                int[] b = new int[initial];
                int k = 0;
                while (k < batchSize && it.hasNext()) {
                    if (k == b.length) {
                        b = Arrays.copyOf(b, (int) Math.min(batchSize, 2L * b.length));
                    }
                    b[k++] = it.nextInt();
                }
                if (k == 0 || (k < batchSize && dropLast)) {
                    return null;
                }
                return k == b.length ? b : Arrays.copyOf(b, k);
            }

            @Override
            public boolean hasNext() {
                if (!ready) {
                    ready = true;
                    next = advance();
                }
                return next != null;
            }

            @Override
            public int[] next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int[] b = next;
                next = null;
                ready = false;
                return b;
            }
        };
    }
}
