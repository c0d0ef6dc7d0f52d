package dev.ember.backend;

/**
 * Distributions a backend draws from, with a counter-based (Philox 4x32-10) generator. Element {@code i} of a draw uses
 * counter {@code offset + i}, so every backend gives the same numbers; a backend whose kernel lacks a kind draws it with
 * the CPU's kernel on the host (see {@link Backend#random}).
 */
public enum RandomKind {
    /** Uniform on [a, b). */
    UNIFORM,
    /** Normal with mean a and standard deviation b. */
    NORMAL,
    /** Integers uniform on [a, b). */
    INTEGERS,
    /** Bernoulli: 1 with probability a, else 0. */
    BERNOULLI,
    /** Exponential with rate a: {@code -log(1 - u) / a} for u uniform on [0, 1) (53 bits). */
    EXPONENTIAL
}
