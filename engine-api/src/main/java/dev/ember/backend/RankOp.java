package dev.ember.backend;

/**
 * Reductions along one dimension that pick one element by its rank in the sorted order ({@link Backend#rankSelect}),
 * writing its value and its index along the dimension. NaN ranks above every number.
 */
public enum RankOp {
    /** The k-th smallest element (k counts from 1). */
    KTHVALUE,
    /** The lower median; the first NaN (by index) when the line holds one. */
    MEDIAN,
    /** The lower median of the elements that are not NaN; the first element (NaN) when all are NaN. */
    NANMEDIAN,
    /**
     * The most frequent value, the smallest of equally frequent ones, with the largest index at which it occurs; NaNs
     * are unequal to each other (each counts once).
     */
    MODE
}
