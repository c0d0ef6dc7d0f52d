package dev.ember;

/**
 * What {@link Tensor#linalgSlogdet()} returns, as {@code torch.return_types.linalg_slogdet}: the sign of the determinant
 * (-1, 0 or 1) and the natural logarithm of its absolute value ({@code -inf} for a singular matrix).
 *
 * @param sign the determinant's sign
 * @param logabsdet the logarithm of the determinant's absolute value
 */
public record SlogdetResult(Tensor sign, Tensor logabsdet) {
    /** PyTorch's repr of the result: {@code torch.return_types.linalg_slogdet(\nsign=...,\nlogabsdet=...)}, or {@code torch.return_types.slogdet} for {@link Tensor#slogdet()}'s result. */
    @Override
    public String toString() {
        return ReturnTypes.repr(ReturnTypes.nameOf(this, "torch.return_types.linalg_slogdet"), "sign", sign, "logabsdet", logabsdet);
    }
}
