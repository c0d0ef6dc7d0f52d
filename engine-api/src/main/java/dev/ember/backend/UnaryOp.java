package dev.ember.backend;

/**
 * Elementwise functions of one argument. Output has the input's type unless noted. The ordinals are the op codes of
 * the CUDA kernels: new constants go at the end.
 */
public enum UnaryOp {
    NEG, ABS, SIGN, EXP, LOG, SQRT, SIGMOID, TANH, RELU, SIN, COS, FLOOR, CEIL, ROUND, RECIPROCAL,
    /** Output is bool. */
    LOGICAL_NOT,
    /** Output is bool: not NaN and not infinite. */
    ISFINITE,
    /** The error function. */
    ERF,
    /** {@code log(1 + x)}. */
    LOG1P,
    /** {@code exp(x) - 1}. */
    EXPM1,
    LOG2, LOG10,
    /** {@code 2 ** x}. */
    EXP2,
    TAN, ASIN, ACOS, ATAN, SINH, COSH, ASINH, ACOSH, ATANH,
    /** {@code 1 / sqrt(x)}, rounded twice as PyTorch's CPU kernels (the square root, then the division). */
    RSQRT,
    /** Rounds towards zero; integers unchanged. */
    TRUNC,
    /** {@code x - trunc(x)}. */
    FRAC,
    /** The complementary error function. */
    ERFC,
    /** The inverse error function (PyTorch's algorithm: a rational first guess and two Newton steps). */
    ERFINV,
    /** {@code log|gamma(x)|}. */
    LGAMMA,
    /** The digamma function (PyTorch's algorithm). */
    DIGAMMA,
    /** {@code log(sigmoid(x))}, PyTorch's {@code min(x, 0) - log1p(exp(-|x|))}. */
    LOG_SIGMOID,
    /** {@code ~x} on int64 (bool tensors use LOGICAL_NOT). */
    BITWISE_NOT,
    /** Output is bool. */
    ISNAN,
    /** Output is bool: +inf or -inf. */
    ISINF,
    /** Output is bool. */
    ISPOSINF,
    /** Output is bool. */
    ISNEGINF,
    /** PyTorch's gelu with approximate "none": {@code x / 2 (1 + erf(x / sqrt 2))}, floating types. */
    GELU,
    /** PyTorch's gelu with approximate "tanh": {@code x / 2 (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))}, floating types. */
    GELU_TANH;

    /** Whether the output is bool whatever the input type. */
    public boolean isPredicate() {
        switch (this) {
            case LOGICAL_NOT:
            case ISFINITE:
            case ISNAN:
            case ISINF:
            case ISPOSINF:
            case ISNEGINF:
                return true;
            default:
                return false;
        }
    }
}
