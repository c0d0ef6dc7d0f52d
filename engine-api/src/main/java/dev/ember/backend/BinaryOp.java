package dev.ember.backend;

/**
 * Elementwise functions of two arguments of the same type. The ordinals are the op codes of the CUDA kernels: new
 * constants go at the end.
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM,
    EQ, NE, LT, LE, GT, GE, LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR,
    /**
     * ReLU's backward, PyTorch's {@code threshold_backward(grad, result, 0)}: {@code a} where {@code b > 0}, else 0
     * ({@code a} the gradient, {@code b} the ReLU's output; a NaN output passes the gradient, as PyTorch).
     */
    THRESHOLD_BACKWARD,
    /** {@code atan2(a, b)}, floating types. */
    ATAN2,
    /** {@code sqrt(a^2 + b^2)} without overflow, floating types. */
    HYPOT,
    /** C's fmod: the remainder with the dividend's sign (int64: truncating; the op layer rejects a zero divisor). */
    FMOD,
    /** Python's modulo: the remainder with the divisor's sign. */
    REMAINDER,
    /** {@code trunc(a / b)} (int64: C's division). */
    DIV_TRUNC,
    /** {@code floor(a / b)}, PyTorch's {@code div_floor} (for floating types its fmod-based formula). */
    DIV_FLOOR,
    /** The magnitude of {@code a} with the sign of {@code b}, floating types. */
    COPYSIGN,
    /** The larger, or the one that is not NaN (C's fmax); on integers and bool as MAXIMUM. */
    FMAX,
    /** The smaller, or the one that is not NaN (C's fmin); on integers and bool as MINIMUM. */
    FMIN,
    /** {@code a * log(b)}, 0 where a is 0 (unless b is NaN), floating types. */
    XLOGY,
    /** On int64 and bool. */
    BITWISE_AND,
    /** On int64 and bool. */
    BITWISE_OR,
    /** On int64 and bool. */
    BITWISE_XOR,
    /** {@code a << b} on int64; a shift below 0 or of 64 and more gives 0 (PyTorch 2.x). */
    LEFT_SHIFT,
    /** {@code a >> b} (arithmetic) on int64; a shift below 0 or of 63 and more fills with the sign (PyTorch 2.x). */
    RIGHT_SHIFT,
    /** {@code polygamma(a, b)}: {@code a} a non-negative integer order (in b's floating type), floating types. */
    POLYGAMMA,
    /** PyTorch's {@code gelu_backward(grad, self, "none")}: {@code a} the gradient, {@code b} gelu's input, floating types. */
    GELU_BACKWARD,
    /** PyTorch's {@code gelu_backward(grad, self, "tanh")}: {@code a} the gradient, {@code b} gelu's input, floating types. */
    GELU_TANH_BACKWARD;

    /** Whether the result is bool whatever the input type. */
    public boolean isPredicate() {
        return ordinal() >= EQ.ordinal() && ordinal() <= LOGICAL_XOR.ordinal();
    }
}
