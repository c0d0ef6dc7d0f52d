package dev.ember.backend;

/** Elementwise functions of two arguments of the same type. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM,
    EQ, NE, LT, LE, GT, GE, LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR,
    /**
     * ReLU's backward, PyTorch's {@code threshold_backward(grad, result, 0)}: {@code a} where {@code b > 0}, else 0
     * ({@code a} the gradient, {@code b} the ReLU's output; a NaN output passes the gradient, as PyTorch).
     */
    THRESHOLD_BACKWARD;

    /** Whether the result is bool whatever the input type. */
    public boolean isPredicate() {
        return ordinal() >= EQ.ordinal() && this != THRESHOLD_BACKWARD;
    }
}
