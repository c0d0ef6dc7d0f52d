package dev.ember;

/**
 * What {@link Tensor#linalgLu()} returns, as {@code torch.return_types.linalg_lu}: {@code A = P L U} with the
 * permutation matrix {@code P}, the unit lower-triangular {@code L} and the upper-triangular {@code U}.
 *
 * @param P the permutation matrix
 * @param L the unit lower-triangular factor
 * @param U the upper-triangular factor
 */
public record LuResult(Tensor P, Tensor L, Tensor U) {
}
