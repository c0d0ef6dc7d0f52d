package dev.ember.backend;

/**
 * How {@link Backend#scatter} combines a scattered value with the element it lands on: {@code NONE} replaces it
 * ({@code scatter_}), the others reduce as {@code scatter_reduce_}'s {@code reduce} argument ({@code "sum"},
 * {@code "prod"}, {@code "mean"}, {@code "amax"}, {@code "amin"}).
 */
public enum ScatterReduce {
    /** The scattered value replaces the element; of several landing on one element, the last in row-major order wins. */
    NONE,
    /** Sum (for bool: logical or). */
    SUM,
    /** Product (for bool: logical and). */
    PROD,
    /** Mean of the values landing on an element (with the element itself when it is included); integers round down. */
    MEAN,
    /** Maximum; a NaN wins. */
    AMAX,
    /** Minimum; a NaN wins. */
    AMIN
}
