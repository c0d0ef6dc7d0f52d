package dev.ember;

/**
 * What {@link Tensor#linalgLstsq(Tensor, Double, String)} returns, as {@code torch.return_types.linalg_lstsq}; the
 * outputs a driver does not compute are empty (shape [0]), as PyTorch's.
 *
 * @param solution the least-squares solution X of {@code A X = B} ([..., n, k], [..., n] for a vector B), the
 *     minimum-norm one for the drivers that determine the rank (gelsy, gelsd, gelss); the only differentiable output
 * @param residuals the squared residuals {@code ||A X - B||^2} of each column ([..., k], the real type): computed when
 *     m is greater than n for gels, and for gelsd and gelss when every matrix has rank n; gelsy never computes them
 * @param rank the effective rank of each matrix (int64, the batch shape) for gelsy, gelsd and gelss
 * @param singularValues the singular values of each matrix ([..., min(m, n)], the real type) for gelsd and gelss
 */
public record LstsqResult(Tensor solution, Tensor residuals, Tensor rank, Tensor singularValues) {
    /** PyTorch's repr of the result: {@code torch.return_types.linalg_lstsq(\nsolution=...,\nresiduals=...,\nrank=...,\nsingular_values=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.linalg_lstsq", "solution", solution, "residuals", residuals, "rank", rank, "singular_values", singularValues);
    }
}
