package dev.ember.backend;

/** Reductions over dimensions. */
public enum ReduceOp {
    /** Sum; int64 and bool inputs give int64. */
    SUM,
    /** Product. */
    PROD,
    /** Largest value; NaN propagates. */
    MAX,
    /** Smallest value; NaN propagates. */
    MIN,
    /** Index of the first largest value (int64). */
    ARGMAX,
    /** Index of the first smallest value (int64). */
    ARGMIN
}
