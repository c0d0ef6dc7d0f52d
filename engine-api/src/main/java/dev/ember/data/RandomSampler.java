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

    /**
     * The indices of an epoch, drawn as PyTorch's generator function draws them: nothing until the first index; then,
     * without a generator of its own, a seed from the default generator ({@code torch.empty((), dtype=torch.int64)
     * .random_()}) for a fresh generator; then each permutation (or chunk of 32 draws with replacement) when its first
     * index is asked for. Without replacement PyTorch's last {@code randperm(n)[:num_samples % n]} is drawn even when it
     * is empty, when the indices run out ({@code hasNext()} false): it advances a shared generator for the next epoch.
     * Without replacement over a data set that is empty (with {@code numSamples} given), the first index throws an
     * {@code ArithmeticException} with PyTorch's message ("integer division or modulo by zero"), after the seed is
     * drawn as PyTorch draws it.
     */
    @Override
    public PrimitiveIterator.OfInt iterator() {
        int n = dataset.size();
        int count = size();
        return new PrimitiveIterator.OfInt() {
            private Generator g;
            private int[] chunk = new int[0];
            private int at;
            private int produced;
            private boolean ended;

            private Generator generator() {
                if (g == null) {
                    g = generator != null ? generator : Samplers.fresh(Samplers.seed(Ember.defaultGenerator()));
                }
                return g;
            }

            @Override
            public boolean hasNext() {
                if (produced < count) {
                    return true;
                }
                if (!ended) {
                    ended = true;
                    if (!replacement && count % n == 0) {
                        Samplers.permutation(n, generator()); // randperm(n)[:0]: drawn, nothing taken
                    }
                }
                return false;
            }

            @Override
            public int nextInt() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                if (at == chunk.length) {
                    if (n == 0 && !replacement) {
                        // PyTorch's num_samples // n, after its seed is drawn (a num_samples over an empty data set)
                        generator();
                        throw new ArithmeticException("integer division or modulo by zero");
                    }
                    // drawn when needed, in PyTorch's chunks: 32 draws with replacement, a permutation without
                    chunk = replacement ? Samplers.uniform(n, Math.min(32, count - produced), generator())
                            : Samplers.permutation(n, generator());
                    at = 0;
                }
                produced++;
                return chunk[at++];
            }
        };
    }
}
