package dev.ember.backend;

/** Elementwise functions of two arguments of the same type. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM,
    EQ, NE, LT, LE, GT, GE, LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR;

    /** Whether the result is bool whatever the input type. */
    public boolean isPredicate() {
        return ordinal() >= EQ.ordinal();
    }
}
