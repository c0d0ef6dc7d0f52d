package dev.ember.data;

import dev.ember.Ember;
import dev.ember.Generator;

import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;

/**
 * A data set's indices in a random order, as {@code torch.utils.data.RandomSampler}: without replacement, each
 * epoch is a fresh permutation (several, the last one cut, when {@code numSamples} exceeds the size); with
 * replacement, {@code numSamples} indices drawn uniformly, 32 at a time, as PyTorch draws them.
 *
 * <p>With a generator, every epoch draws from it (so a seeded generator gives a reproducible sequence of epochs);
 * without one, each epoch seeds a new generator from the default one ({@link Ember#manualSeed}).
 */
public final class RandomSampler implements Sampler {
    private final Dataset<?> dataset;
    private final boolean replacement;
    private final Integer numSamples;
    private final Generator generator;

    /** Every index once per epoch, in an order drawn from the default generator. */
    public RandomSampler(Dataset<?> dataset) {
        this(dataset, false, null, null);
    }

    /** Every index once per epoch, in an order drawn from {@code generator} (null: the default generator). */
    public RandomSampler(Dataset<?> dataset, Generator generator) {
        this(dataset, false, null, generator);
    }

    /**
     * {@code numSamples} indices per epoch (null: the data set's size), with or without replacement, drawn from
     * {@code generator} (null: a generator seeded from the default one at each epoch).
     *
     * @throws IllegalArgumentException for a null data set, or a sample count that is not positive (PyTorch's message;
     *     an empty data set without {@code numSamples} has a count of 0)
     */
    public RandomSampler(Dataset<?> dataset, boolean replacement, Integer numSamples, Generator generator) {
        this.dataset = DataChecks.require(dataset, "RandomSampler", "dataset");
        this.replacement = replacement;
        this.numSamples = numSamples;
        this.generator = generator;
        DataChecks.positive(size(), "num_samples");
    }

    /** Whether indices are drawn with replacement. */
    public boolean replacement() {
        return replacement;
    }

    @Override
    public int size() {
        return numSamples == null ? dataset.size() : numSamples;
    }

    @Override
    public PrimitiveIterator.OfInt iterator() {
        int n = dataset.size();
        int count = size();
        Generator g = generator != null ? generator : Samplers.fresh(Samplers.seed(Ember.defaultGenerator()));
        return new PrimitiveIterator.OfInt() {
            private int[] chunk = new int[0];
            private int at;
            private int produced;

            @Override
            public boolean hasNext() {
                return produced < count;
            }

            @Override
            public int nextInt() {
                if (produced >= count) {
                    throw new NoSuchElementException();
                }
                if (at == chunk.length) {
                    // drawn when needed, in PyTorch's chunks: 32 draws with replacement, a permutation without
                    chunk = replacement ? Samplers.uniform(n, Math.min(32, count - produced), g) : Samplers.permutation(n, g);
                    at = 0;
                }
                produced++;
                return chunk[at++];
            }
        };
    }
}
