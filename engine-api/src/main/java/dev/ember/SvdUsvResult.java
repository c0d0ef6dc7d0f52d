package dev.ember;

/**
 * What {@link Tensor#svd(boolean, boolean)} returns, as {@code torch.return_types.svd}: {@code A = U diag(S) V^H} (V^T
 * for real A), with V (not {@link SvdResult}'s {@code Vh}), the singular pairs unique only up to sign (a unit complex
 * factor for complex A).
 *
 * @param U the left singular vectors, as columns ([..., m, k] with {@code some}, [..., m, m] without)
 * @param S the singular values, descending ([..., k], k = min(m, n))
 * @param V the right singular vectors, as columns ([..., n, k] with {@code some}, [..., n, n] without)
 */
public record SvdUsvResult(Tensor U, Tensor S, Tensor V) {
    /** PyTorch's repr of the result: {@code torch.return_types.svd(\nU=...,\nS=...,\nV=...)}, or the plain tuple {@code (U, S, V)} that {@code svd_lowrank} and {@code pca_lowrank} return. */
    @Override
    public String toString() {
        return ReturnTypes.repr(ReturnTypes.nameOf(this, "torch.return_types.svd"), "U", U, "S", S, "V", V);
    }
}
