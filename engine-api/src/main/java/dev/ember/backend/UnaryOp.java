package dev.ember.backend;

/** Elementwise functions of one argument. Output has the input's type unless noted. */
public enum UnaryOp {
    NEG, ABS, SIGN, EXP, LOG, SQRT, SIGMOID, TANH, RELU, SIN, COS, FLOOR, CEIL, ROUND, RECIPROCAL,
    /** Output is bool. */
    LOGICAL_NOT,
    /** Output is bool: not NaN and not infinite. */
    ISFINITE,
    /** The error function. */
    ERF
}
