package dev.ember.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data sets side by side, as PyTorch 2.1's {@code torch.utils.data.StackDataset}: sample {@code i} is the samples
 * {@code i} of every data set, a list in the data sets' order ({@code StackDataset(images, texts)}, PyTorch's tuple) or
 * a map by name in the names' order ({@code StackDataset(image=images, text=texts)}, PyTorch's dict). Every data set
 * must have the same size. A {@link DataLoader}'s default collation turns a batch of such samples into a list or a map
 * of batches.
 *
 * @param <T> the type of a sample: {@code List<Object>} or {@code Map<String, Object>}
 */
public final class StackDataset<T> implements Dataset<T> {
    private final List<Dataset<?>> datasets;
    /** The names of a map-like stack, in order; null for a list-like one. */
    private final List<String> names;
    private final int size;

    private StackDataset(List<Dataset<?>> datasets, List<String> names) {
        if (datasets.isEmpty()) {
            throw new IllegalArgumentException("At least one dataset should be passed");
        }
        for (int i = 0; i < datasets.size(); i++) {
            if (datasets.get(i) == null) {
                throw new IllegalArgumentException("StackDataset(): data set "
                        + (names == null ? String.valueOf(i) : "'" + names.get(i) + "'") + " is null");
            }
        }
        this.size = datasets.get(0).size();
        for (Dataset<?> d : datasets) {
            if (d.size() != size) {
                throw new IllegalArgumentException("Size mismatch between datasets");
            }
        }
        this.datasets = Collections.unmodifiableList(datasets);
        this.names = names == null ? null : Collections.unmodifiableList(names);
    }

    /**
     * The list-like stack of {@code datasets} (PyTorch's {@code StackDataset(*args)}): sample {@code i} is
     * {@code [d0.get(i), d1.get(i), ...]}.
     *
     * @throws IllegalArgumentException "At least one dataset should be passed" for none, "Size mismatch between
     *     datasets" for data sets of different sizes (PyTorch's messages), or for a null one
     */
    public static StackDataset<List<Object>> of(Dataset<?>... datasets) {
        DataChecks.require(datasets, "StackDataset", "datasets");
        return new StackDataset<>(new ArrayList<>(Arrays.asList(datasets)), null);
    }

    /**
     * The map-like stack of {@code datasets} (PyTorch's {@code StackDataset(**kwargs)}): sample {@code i} maps each
     * name to its data set's sample {@code i}, in the map's order.
     *
     * @throws IllegalArgumentException "At least one dataset should be passed" for an empty map, "Size mismatch between
     *     datasets" for data sets of different sizes (PyTorch's messages), or for a null name or data set
     */
    public static StackDataset<Map<String, Object>> of(Map<String, ? extends Dataset<?>> datasets) {
        DataChecks.require(datasets, "StackDataset", "datasets");
        List<String> names = new ArrayList<>();
        List<Dataset<?>> sets = new ArrayList<>();
        for (Map.Entry<String, ? extends Dataset<?>> e : datasets.entrySet()) {
            if (e.getKey() == null) {
                throw new IllegalArgumentException("StackDataset(): a data set's name is null");
            }
            names.add(e.getKey());
            sets.add(e.getValue());
        }
        return new StackDataset<>(sets, names);
    }

    /** The data sets, in order. */
    public List<Dataset<?>> datasets() {
        return datasets;
    }

    /** The names of a map-like stack, in order; null for a list-like one. */
    public List<String> names() {
        return names;
    }

    @Override
    public int size() {
        return size;
    }

    /**
     * Sample {@code index} of every data set, as a new list or map (see the class comment).
     *
     * @throws IndexOutOfBoundsException what a data set throws for an index out of its range
     */
    @Override
    @SuppressWarnings("unchecked")
    public T get(int index) {
        if (names == null) {
            List<Object> out = new ArrayList<>(datasets.size());
            for (Dataset<?> d : datasets) {
                out.add(d.get(index));
            }
            return (T) Collections.unmodifiableList(out);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < datasets.size(); i++) {
            out.put(names.get(i), datasets.get(i).get(index));
        }
        return (T) Collections.unmodifiableMap(out);
    }

    /**
     * The samples at {@code indices}, read data set by data set (each one's {@link Dataset#getItems} of all the indices,
     * then the next one's), as PyTorch 2.x's {@code StackDataset.__getitems__}, which its loader calls for a batch: a
     * data set that draws random numbers draws them in that order.
     *
     * @throws IndexOutOfBoundsException what a data set throws for an index out of its range
     * @throws IllegalArgumentException  for a data set whose batch has another size than the indices (PyTorch's
     *                                   message)
     */
    @Override
    @SuppressWarnings("unchecked")
    public List<T> getItems(int[] indices) {
        DataChecks.require(indices, "getItems", "indices");
        int n = indices.length;
        Object[][] parts = new Object[n][datasets.size()];
        for (int k = 0; k < datasets.size(); k++) {
            List<?> got = datasets.get(k).getItems(indices);
            if (got.size() != n) {
                throw new IllegalArgumentException("Nested dataset's output size mismatch. Expected " + n + ", got "
                        + got.size());
            }
            for (int i = 0; i < n; i++) {
                parts[i][k] = got.get(i);
            }
        }
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (names == null) {
                out.add((T) Collections.unmodifiableList(Arrays.asList(parts[i])));
            } else {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int k = 0; k < datasets.size(); k++) {
                    m.put(names.get(k), parts[i][k]);
                }
                out.add((T) Collections.unmodifiableMap(m));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "StackDataset(" + (names == null ? datasets.size() + " data sets" : names) + ", size " + size + ")";
    }
}
