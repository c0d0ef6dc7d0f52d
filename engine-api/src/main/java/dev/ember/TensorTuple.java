package dev.ember;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The tensors an op returns as a Python tuple ({@code torch.split}, {@code chunk}, {@code unbind},
 * {@code tensor_split}, {@code meshgrid}, {@code broadcast_tensors}, {@code torch.autograd.grad}, ...): an
 * unmodifiable {@link List} that prints as PyTorch prints the tuple, {@code (tensor([0, 1]), tensor([2]))}, a single
 * element with Python's trailing comma {@code (tensor([0, 1]),)} and a null element as {@code None}. Equality and hash
 * code are {@link List}'s, so it equals any list of the same tensors.
 */
public final class TensorTuple extends AbstractList<Tensor> implements RandomAccess {
    private final Tensor[] items;

    private TensorTuple(Tensor[] items) {
        this.items = items;
    }

    /**
     * An unmodifiable tuple of the given tensors (copied; nulls allowed, printed as {@code None}).
     *
     * @param tensors the elements, in order
     * @return the tuple
     */
    public static TensorTuple of(List<Tensor> tensors) {
        return tensors instanceof TensorTuple t ? t : new TensorTuple(tensors.toArray(new Tensor[0]));
    }

    /**
     * An unmodifiable tuple of the given tensors (copied; nulls allowed, printed as {@code None}).
     *
     * @param tensors the elements, in order
     * @return the tuple
     */
    public static TensorTuple of(Tensor... tensors) {
        return new TensorTuple(tensors.clone());
    }

    @Override
    public Tensor get(int index) {
        if (index < 0 || index >= items.length) {
            throw new IndexOutOfBoundsException("tuple index out of range");
        }
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }

    /** Python's repr of the tuple: {@code (a, b)}, {@code (a,)} for one element, {@code ()} for none. */
    @Override
    public String toString() {
        return Tensor.pyTuple((Object[]) items);
    }
}
