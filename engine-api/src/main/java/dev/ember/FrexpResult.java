package dev.ember;

/**
 * What {@link Tensor#frexp()} returns, as {@code torch.return_types.frexp}: the mantissa, in the input's type, with
 * magnitude in [0.5, 1) (0, infinities and NaN as they are), and the int32 exponent, with
 * {@code input = mantissa * 2^exponent}.
 *
 * @param mantissa the mantissa (differentiable: node FrexpBackward0)
 * @param exponent the exponent, int32
 */
public record FrexpResult(Tensor mantissa, Tensor exponent) {
    /** PyTorch's repr of the result: {@code torch.return_types.frexp(\nmantissa=...,\nexponent=...)}. */
    @Override
    public String toString() {
        return ReturnTypes.repr("torch.return_types.frexp", "mantissa", mantissa, "exponent", exponent);
    }
}
