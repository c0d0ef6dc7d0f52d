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
    /** PyTorch's repr of the result: {@code torch.return_types.lu_unpack(\nP=...,\nL=...,\nU=...)}, or {@code torch.return_types.linalg_lu} for {@link Tensor#linalgLu()}'s result. */
    @Override
    public String toString() {
        return ReturnTypes.repr(ReturnTypes.nameOf(this, "torch.return_types.lu_unpack"), "P", P, "L", L, "U", U);
    }
}
