package dev.ember;

/**
 * What {@link Tensor#linalgInvEx(boolean)} returns, as {@code torch.return_types.linalg_inv_ex}: the inverse and, per
 * matrix, LAPACK's info (int32, the batch shape): 0, or the 1-based index of the LU factorization's first zero pivot,
 * where the matrix is singular and its "inverse" is whatever the LU solve gave (infinities or NaN).
 *
 * @param inverse the inverse of each matrix
 * @param info 0 for an invertible matrix, else the first zero pivot's 1-based index (int32)
 */
public record InvExResult(Tensor inverse, Tensor info) {
    /** PyTorch's repr of the result: {@code torch.return_types.linalg_inv_ex(\ninverse=...,\ninfo=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.linalg_inv_ex", "inverse", inverse, "info", info);
    }
}
