package dev.ember.backend;

/** Inclusive scans along one dimension ({@link Backend#scan}). */
public enum ScanOp {
    /** Running sum, accumulated in double for floating types (as PyTorch's CPU kernel) and in long for integers. */
    CUMSUM,
    /** Running product, accumulated as {@link #CUMSUM}. */
    CUMPROD,
    /** Running maximum with the index of the element it came from: the latest of equal values; NaN wins and stays. */
    CUMMAX,
    /** Running minimum, as {@link #CUMMAX}. */
    CUMMIN,
    /** {@code log(cumsum(exp(x)))} computed stably (floating types only). */
    LOGCUMSUMEXP
}
