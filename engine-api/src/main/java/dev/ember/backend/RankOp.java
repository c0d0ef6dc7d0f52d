package dev.ember.backend;

/**
 * Reductions along one dimension that pick one element by its rank in the sorted order ({@link Backend#rankSelect}),
 * writing its value and its index along the dimension. NaN ranks above every number.
 */
public enum RankOp {
    /** The k-th smallest element (k counts from 1), at the position ATen's quickselect leaves among equal values. */
    KTHVALUE,
    /** The lower median; the first NaN (by index) when the line holds one. */
    MEDIAN,
    /**
     * The lower median of the elements that are not NaN; when all are NaN, the one PyTorch's {@code std::nth_element}
     * leaves first.
     */
    NANMEDIAN,
    /**
     * The most frequent value and the position of one of its occurrences, as PyTorch's CPU kernel picks them: the line
     * sorted by libstdc++'s {@code std::sort} with {@code a < b} on the values, the last element of the first longest
     * run of equal values (NaNs are unequal to each other: each counts once).
     */
    MODE
}
