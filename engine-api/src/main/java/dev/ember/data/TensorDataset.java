package dev.ember.data;

import dev.ember.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Samples that are rows of tensors, as {@code torch.utils.data.TensorDataset}: sample {@code i} is the list of
 * {@code t.select(0, i)} for each tensor, views that share the tensors' storage (nothing is copied), with the tensors'
 * own types and shapes: float targets stay float, {@code [N, 1]} targets give {@code [1]} rows.
 *
 * <p>A {@link DataLoader} with the default collate function reads a batch of such samples with one
 * {@code index_select} per tensor instead of stacking row views: the same values, in one kernel.
 */
public final class TensorDataset implements Dataset<List<Tensor>> {
    private final List<Tensor> tensors;
    private final int size;

    /**
     * A data set over tensors that share their first dimension.
     *
     * @throws IllegalArgumentException  for no tensors, a null tensor, or first dimensions that differ ("Size mismatch
     *                                   between tensors", PyTorch's message)
     * @throws IndexOutOfBoundsException for a 0-d tensor, which has no first dimension (PyTorch's message)
     */
    public TensorDataset(Tensor... tensors) {
        DataChecks.require(tensors, "TensorDataset", "tensors");
        if (tensors.length == 0) {
            throw new IllegalArgumentException("TensorDataset needs at least one tensor");
        }
        for (int i = 0; i < tensors.length; i++) {
            if (tensors[i] == null) {
                throw new IllegalArgumentException("TensorDataset(): tensor " + i + " is null");
            }
            if (tensors[i].dim() == 0) {
                throw new IndexOutOfBoundsException("dimension specified as 0 but tensor has no dimensions");
            }
        }
        for (Tensor t : tensors) {
            if (t.size(0) != tensors[0].size(0)) {
                throw new IllegalArgumentException("Size mismatch between tensors");
            }
        }
        this.tensors = List.of(tensors);
        this.size = tensors[0].size(0);
    }

    /** The tensors, as given. */
    public List<Tensor> tensors() {
        return tensors;
    }

    @Override
    public int size() {
        return size;
    }

    /**
     * Row {@code index} of every tensor (a negative index counts from the end, as in Python).
     *
     * @throws IndexOutOfBoundsException for an index out of range (PyTorch's message)
     */
    @Override
    public List<Tensor> get(int index) {
        if (index < -size || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " is out of bounds for dimension 0 with size " + size);
        }
        List<Tensor> out = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) {
            out.add(t.select(0, index));
        }
        return Collections.unmodifiableList(out);
    }

    /** The rows at {@code indices} of every tensor, stacked (what the default collate makes of those samples). */
    List<Tensor> rows(int[] indices) {
        long[] idx = new long[indices.length];
        for (int i = 0; i < idx.length; i++) {
            int k = indices[i];
            if (k < -size || k >= size) {
                throw new IndexOutOfBoundsException("index " + k + " is out of bounds for dimension 0 with size " + size);
            }
            idx[i] = k < 0 ? k + size : k;
        }
        List<Tensor> out = new ArrayList<>(tensors.size());
        Tensor index = null;
        for (Tensor t : tensors) {
            if (index == null || !index.device().equals(t.device())) {
                index = Tensor.tensor(idx, dev.ember.DType.INT64, t.device());
            }
            out.add(t.indexSelect(0, index));
        }
        return out;
    }
}
