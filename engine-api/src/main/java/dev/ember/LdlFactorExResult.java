package dev.ember;

/**
 * What {@link Tensor#linalgLdlFactorEx(boolean, boolean)} returns, as {@code torch.return_types.linalg_ldl_factor_ex}:
 * the compact Bunch-Kaufman factorization {@code A = P L D L^T P^T} of {@link LdlFactorResult}, and LAPACK's info.
 *
 * @param LD L below the diagonal (its unit diagonal implied), D's 1-by-1 and 2-by-2 blocks on and next to it
 * @param pivots LAPACK's interchanges, int32, 1-based (a 2-by-2 block's two entries negative)
 * @param info 0, or the 1-based index of the first zero pivot of D (int32, the batch shape)
 */
public record LdlFactorExResult(Tensor LD, Tensor pivots, Tensor info) {
    /** PyTorch's repr of the result: {@code torch.return_types.linalg_ldl_factor_ex(\nLD=...,\npivots=...,\ninfo=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.linalg_ldl_factor_ex", "LD", LD, "pivots", pivots, "info", info);
    }
}
