package dev.ember;

/**
 * What {@link Tensor#linalgSolveEx(Tensor, boolean, boolean)} returns, as {@code torch.return_types.linalg_solve_ex}: the
 * solution and LAPACK's info per matrix.
 *
 * @param result the solution X
 * @param info 0 where the matrix was invertible, else the 1-based index of its LU factorization's first zero pivot
 *     (int32, the broadcast batch shape)
 */
public record SolveExResult(Tensor result, Tensor info) {
    /** PyTorch's repr of the result: {@code torch.return_types.linalg_solve_ex(\nresult=...,\ninfo=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.linalg_solve_ex", "result", result, "info", info);
    }
}
