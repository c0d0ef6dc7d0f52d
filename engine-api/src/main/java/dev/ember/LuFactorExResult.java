package dev.ember;

/**
 * What {@link Tensor#linalgLuFactorEx(boolean, boolean)} returns, as {@code torch.return_types.linalg_lu_factor_ex}: the
 * packed factors and pivots of {@link LuFactorResult}, and LAPACK's info per matrix.
 *
 * @param LU the packed L and U factors
 * @param pivots the row interchanges, int32 (1-based)
 * @param info 0, or the 1-based index of the first zero pivot of U (int32, the batch shape)
 */
public record LuFactorExResult(Tensor LU, Tensor pivots, Tensor info) {
    /** PyTorch's repr of the result: {@code torch.return_types.linalg_lu_factor_ex(\nLU=...,\npivots=...,\ninfo=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.linalg_lu_factor_ex", "LU", LU, "pivots", pivots, "info", info);
    }
}
