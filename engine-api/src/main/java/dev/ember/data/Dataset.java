package dev.ember.data;

import dev.ember.Ember;
import dev.ember.Generator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A map-style data set, as {@code torch.utils.data.Dataset}: {@link #size()} samples, each read by its index with
 * {@link #get(int)}. A {@link DataLoader} draws indices from a {@link Sampler} and calls {@code get} for each, on its
 * worker threads when it has some: an implementation must allow concurrent calls to {@code get}.
 *
 * @param <T> the type of a sample (a {@code List<Tensor>} for a {@link TensorDataset})
 */
public interface Dataset<T> {
    /** The number of samples ({@code len(dataset)}). */
    int size();

    /**
     * The sample at {@code index}, {@code 0 <= index < size()} ({@code dataset[index]}).
     *
     * @throws IndexOutOfBoundsException for an index out of range
     */
    T get(int index);

    /**
     * The samples at {@code indices}, in their order: a batch, as PyTorch 2.x's loader reads one through a data set's
     * {@code __getitems__} when it has one. By default {@link #get} of each index in turn; a data set that reads a
     * batch its own way overrides it: {@link StackDataset} reads it data set by data set and {@link Subset} passes it
     * on to its data set, as PyTorch's do (which orders the draws of a data set that draws). A {@link DataLoader} with
     * automatic batching reads every batch through it.
     *
     * @throws IndexOutOfBoundsException for an index out of range
     * @throws IllegalArgumentException  for null indices
     */
    default List<T> getItems(int[] indices) {
        DataChecks.require(indices, "getItems", "indices");
        List<T> out = new ArrayList<>(indices.length);
        for (int i : indices) {
            out.add(get(i));
        }
        return out;
    }

    /**
     * Splits {@code dataset} into non-overlapping subsets of the given lengths, in an order drawn from
     * {@code generator}, as {@code torch.utils.data.random_split(dataset, lengths, generator)}. Lengths that add up to 1
     * are fractions, as in PyTorch ({@link #randomSplit(Dataset, double[], Generator)}: {@code [1, 0]} gives all the
     * samples to the first subset).
     *
     * @throws IllegalArgumentException if the lengths do not add up to the data set's size (PyTorch's message), a length
     *     is negative (which PyTorch lets through), or for a null argument
     */
    static <T> List<Subset<T>> randomSplit(Dataset<T> dataset, int[] lengths, Generator generator) {
        DataChecks.require(dataset, "randomSplit", "dataset");
        DataChecks.require(lengths, "randomSplit", "lengths");
        DataChecks.require(generator, "randomSplit", "generator");
        long sum = 0;
        for (int length : lengths) {
            sum += length;
        }
        if (sum == 1) {
            // PyTorch tests math.isclose(sum(lengths), 1) before it looks at the type: integer lengths that add up to 1
            // are fractions too ([1, 0] of ten samples is a split of 10 and 0; fuzz round 21)
            double[] fractions = new double[lengths.length];
            for (int i = 0; i < lengths.length; i++) {
                fractions[i] = lengths[i];
            }
            return randomSplit(dataset, fractions, generator);
        }
        if (sum != dataset.size()) {
            throw new IllegalArgumentException("Sum of input lengths does not equal the length of the input dataset!");
        }
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] < 0) {
                // Ember's own refusal: PyTorch slices its permutation with the negative offsets and returns overlapping
                // subsets
                throw new IllegalArgumentException("Length of split at index " + i + " is negative (" + lengths[i] + ")");
            }
        }
        return split(dataset, lengths, generator);
    }

    /**
     * Splits {@code dataset} by fractions that add up to 1: each split gets {@code floor(size * fraction)} samples and
     * the remainder is dealt one by one from the first split on, as {@code random_split} with fractions.
     *
     * @throws IllegalArgumentException if a fraction is outside [0, 1] or the fractions do not add up to 1 (PyTorch's
     *     messages), or for a null argument
     */
    static <T> List<Subset<T>> randomSplit(Dataset<T> dataset, double[] fractions, Generator generator) {
        DataChecks.require(dataset, "randomSplit", "dataset");
        DataChecks.require(fractions, "randomSplit", "fractions");
        DataChecks.require(generator, "randomSplit", "generator");
        double total = 0;
        for (double f : fractions) {
            total += f;
        }
        // Python's math.isclose(sum, 1) (relative tolerance 1e-9) and sum <= 1; otherwise they are lengths, which fail
        if (!(Math.abs(total - 1) <= 1e-9 * Math.max(1, Math.abs(total)) && total <= 1)) {
            throw new IllegalArgumentException("Sum of input lengths does not equal the length of the input dataset!");
        }
        int n = dataset.size();
        int[] lengths = new int[fractions.length];
        long assigned = 0;
        for (int i = 0; i < fractions.length; i++) {
            if (fractions[i] < 0 || fractions[i] > 1) {
                throw new IllegalArgumentException("Fraction at index " + i + " is not between 0 and 1");
            }
            lengths[i] = (int) Math.floor(n * fractions[i]);
            assigned += lengths[i];
        }
        for (int i = 0; i < n - assigned && lengths.length > 0; i++) {
            lengths[i % lengths.length]++;
        }
        // the lengths add up to the size now (they are not fractions again when that size is 1)
        return split(dataset, lengths, generator);
    }

    /** PyTorch's split of checked lengths: {@code randperm(sum(lengths))} cut in order. */
    private static <T> List<Subset<T>> split(Dataset<T> dataset, int[] lengths, Generator generator) {
        int[] order = Samplers.permutation(dataset.size(), generator);
        List<Subset<T>> out = new ArrayList<>(lengths.length);
        int offset = 0;
        for (int length : lengths) {
            out.add(new Subset<>(dataset, Arrays.copyOfRange(order, offset, offset + length)));
            offset += length;
        }
        return out;
    }

    /**
     * The samples of a list as a data set, as PyTorch takes a Python list wherever a map-style data set goes
     * ({@code DataLoader(samples, batch_size=...)}): sample {@code i} is {@code samples.get(i)}. The list is read, not
     * copied; it must not change while a loader reads it.
     *
     * @throws IllegalArgumentException for a null list
     */
    static <T> Dataset<T> of(List<T> samples) {
        DataChecks.require(samples, "of", "samples");
        return new Dataset<>() {
            @Override
            public int size() {
                return samples.size();
            }

            @Override
            public T get(int index) {
                if (index < 0 || index >= samples.size()) {
                    throw new IndexOutOfBoundsException("list index out of range");
                }
                return samples.get(index);
            }
        };
    }

    /** {@link #randomSplit(Dataset, int[], Generator)} with the default generator ({@link Ember#defaultGenerator()}). */
    static <T> List<Subset<T>> randomSplit(Dataset<T> dataset, int... lengths) {
        return randomSplit(dataset, lengths, Ember.defaultGenerator());
    }
}
