package dev.ember;

/**
 * What {@link Tensor#linalgQr(String)} returns, as {@code torch.return_types.linalg_qr}: {@code Q} with orthonormal
 * columns (an empty tensor in mode {@code "r"}) and the upper-triangular {@code R}, with {@code A = Q R}.
 *
 * @param Q the orthonormal factor
 * @param R the upper-triangular factor
 */
public record QrResult(Tensor Q, Tensor R) {
    /** PyTorch's repr of the result: {@code torch.return_types.linalg_qr(\nQ=...,\nR=...)}, or {@code torch.return_types.qr} for {@link Tensor#qr()}'s result. */
    @Override
    public String toString() {
        return ReturnTypes.repr(ReturnTypes.nameOf(this, "torch.return_types.linalg_qr"), "Q", Q, "R", R);
    }
}
