package dev.ember.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The samples of a data set at given indices, as {@code torch.utils.data.Subset}: sample {@code i} is
 * {@code dataset.get(indices[i])}.
 *
 * @param <T> the type of a sample
 */
public final class Subset<T> implements Dataset<T> {
    private final Dataset<T> dataset;
    private final int[] indices;

    /**
     * The samples of {@code dataset} at {@code indices} (copied).
     *
     * @throws IllegalArgumentException for a null argument
     */
    public Subset(Dataset<T> dataset, int... indices) {
        this.dataset = DataChecks.require(dataset, "Subset", "dataset");
        this.indices = DataChecks.require(indices, "Subset", "indices").clone();
    }

    /** The underlying data set. */
    public Dataset<T> dataset() {
        return dataset;
    }

    /** The indices into the underlying data set (a copy). */
    public int[] indices() {
        return indices.clone();
    }

    @Override
    public int size() {
        return indices.length;
    }

    /**
     * {@code dataset.get(indices[index])}; a negative index counts from the end, as in Python.
     *
     * @throws IndexOutOfBoundsException for an index out of range
     */
    @Override
    public T get(int index) {
        if (index < -indices.length || index >= indices.length) {
            throw new IndexOutOfBoundsException("list index out of range");
        }
        return dataset.get(indices[index < 0 ? index + indices.length : index]);
    }

    /**
     * The samples at {@code indices}, as PyTorch 2.x's {@code Subset.__getitems__}: when the underlying data set reads a
     * batch its own way (it overrides {@link Dataset#getItems}, as {@link StackDataset} and {@code Subset} do), one
     * batch of the indices they map to, every index mapped, and checked, before anything is read; otherwise
     * {@link #get} of each index in turn (an index out of range fails after the samples before it are read, as
     * PyTorch's comprehension does).
     *
     * @throws IndexOutOfBoundsException for an index out of range
     */
    @Override
    public List<T> getItems(int[] indices) {
        DataChecks.require(indices, "getItems", "indices");
        if (!readsBatches(dataset)) {
            List<T> out = new ArrayList<>(indices.length);
            for (int index : indices) {
                out.add(get(index));
            }
            return out;
        }
        int[] mapped = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            int index = indices[i];
            if (index < -this.indices.length || index >= this.indices.length) {
                throw new IndexOutOfBoundsException("list index out of range");
            }
            mapped[i] = this.indices[index < 0 ? index + this.indices.length : index];
        }
        return dataset.getItems(mapped);
    }

    /** Whether a data set's class overrides {@link Dataset#getItems} (PyTorch: has a {@code __getitems__}). */
    static boolean readsBatches(Dataset<?> dataset) {
        try {
            return dataset.getClass().getMethod("getItems", int[].class).getDeclaringClass() != Dataset.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "Subset(" + indices.length + " of " + dataset.size() + ": " + Arrays.toString(Arrays.copyOf(indices,
                Math.min(indices.length, 10))).replace("]", indices.length > 10 ? ", ...]" : "]") + ")";
    }
}
