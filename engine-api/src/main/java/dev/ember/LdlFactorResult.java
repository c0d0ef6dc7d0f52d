package dev.ember;

/**
 * What {@link Tensor#linalgLdlFactor(boolean)} returns, as {@code torch.return_types.linalg_ldl_factor}: the compact
 * Bunch-Kaufman factorization {@code A = P L D L^T P^T} that {@link Tensor#linalgLdlSolve} reads.
 *
 * @param LD L below the diagonal (its unit diagonal implied), D's 1-by-1 and 2-by-2 blocks on and next to it
 * @param pivots LAPACK's interchanges, int32, 1-based (a 2-by-2 block's two entries negative)
 */
public record LdlFactorResult(Tensor LD, Tensor pivots) {
    /** PyTorch's repr of the result: {@code torch.return_types.linalg_ldl_factor(\nLD=...,\npivots=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.linalg_ldl_factor", "LD", LD, "pivots", pivots);
    }
}
