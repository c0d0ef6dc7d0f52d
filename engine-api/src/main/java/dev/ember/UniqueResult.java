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
}
