package dev.ember;

/**
 * What {@link Tensor#geqrf()} returns, as {@code torch.return_types.geqrf}: LAPACK's QR in Householder form.
 *
 * @param a R on and above the diagonal, the reflectors' vectors below it (their leading 1 implied)
 * @param tau the reflectors' scalars, k = min(m, n) per matrix
 */
public record GeqrfResult(Tensor a, Tensor tau) {
    /** PyTorch's repr of the result: {@code torch.return_types.geqrf(\na=...,\ntau=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.geqrf", "a", a, "tau", tau);
    }
}
