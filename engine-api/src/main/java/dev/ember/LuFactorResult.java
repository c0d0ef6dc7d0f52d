package dev.ember;

/**
 * What {@link Tensor#linalgLuFactor()} returns, as {@code torch.return_types.linalg_lu_factor}: the packed factors
 * ({@code L} below the diagonal with its unit diagonal left out, {@code U} on and above it) and the int32 pivots
 * (LAPACK's 1-based row interchanges: row {@code i} was swapped with row {@code pivots[i] - 1}).
 *
 * @param LU the packed L and U factors
 * @param pivots the row interchanges, int32
 */
public record LuFactorResult(Tensor LU, Tensor pivots) {
    /** PyTorch's repr of the result: {@code torch.return_types.linalg_lu_factor(\nLU=...,\npivots=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.linalg_lu_factor", "LU", LU, "pivots", pivots);
    }
}
