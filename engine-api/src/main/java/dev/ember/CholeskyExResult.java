package dev.ember;

/**
 * What {@link Tensor#linalgCholeskyEx(boolean, boolean)} returns, as {@code torch.return_types.linalg_cholesky_ex}:
 * the Cholesky factor and, per matrix, LAPACK's info (int32, the batch shape): 0, or the order k of the first leading
 * minor that is not positive-definite, where the factor is complete only in its first k - 1 columns (the rest is
 * implementation-defined, as PyTorch's).
 *
 * @param L the lower (or, with {@code upper}, upper) Cholesky factor of each matrix
 * @param info 0 for a positive-definite matrix, else the order of its first non-positive-definite leading minor (int32)
 */
public record CholeskyExResult(Tensor L, Tensor info) {
    /** PyTorch's repr of the result: {@code torch.return_types.linalg_cholesky_ex(\nL=...,\ninfo=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.linalg_cholesky_ex", "L", L, "info", info);
    }
}
