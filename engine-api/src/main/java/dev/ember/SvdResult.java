package dev.ember;

/**
 * What {@link Tensor#linalgSvd(boolean)} returns, as {@code torch.return_types.linalg_svd}: {@code A = U diag(S) Vh}, with
 * {@code U} and {@code Vh} orthonormal (unique only up to the sign of each singular pair) and {@code S} descending.
 *
 * @param U the left singular vectors, as columns ([..., m, m] full, [..., m, k] reduced)
 * @param S the singular values, descending ([..., k], k = min(m, n))
 * @param Vh the right singular vectors, as rows ([..., n, n] full, [..., k, n] reduced)
 */
public record SvdResult(Tensor U, Tensor S, Tensor Vh) {
    /** PyTorch's repr of the result: {@code torch.return_types.linalg_svd(\nU=...,\nS=...,\nVh=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.linalg_svd", "U", U, "S", S, "Vh", Vh);
    }
}
