package dev.ember;

/**
 * What {@code torch.unique} and {@code torch.unique_consecutive} return: the unique values, and, when asked for, the
 * index of each input element (or slice) in them ({@code inverse}) and how often each occurs ({@code counts}); a part
 * that was not asked for is null, as PyTorch leaves it out of its tuple.
 *
 * @param values the unique values (rows along the chosen dimension)
 * @param inverse int64, shaped as the input (or as the chosen dimension), or null
 * @param counts int64, one per unique value, or null
 */
public record UniqueResult(Tensor values, Tensor inverse, Tensor counts) {
    /**
     * PyTorch's repr of what {@code torch.unique} returns: the values' tensor alone when neither inverse nor counts was
     * asked for, else the plain tuple of the parts asked for ({@code (values, inverse)}, {@code (values, counts)} or
     * {@code (values, inverse, counts)}).
     */
    @Override
    public String toString() {
        if (inverse == null && counts == null) {
            return String.valueOf(values);
        }
        return inverse == null ? Tensor.pyTuple(values, counts)
                : counts == null ? Tensor.pyTuple(values, inverse) : Tensor.pyTuple(values, inverse, counts);
    }
}
