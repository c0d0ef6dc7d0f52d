package dev.ember.backend;

/** Distributions a backend draws from, with a counter-based (Philox 4x32-10) generator. */
public enum RandomKind {
    /** Uniform on [a, b). */
    UNIFORM,
    /** Normal with mean a and standard deviation b. */
    NORMAL,
    /** Integers uniform on [a, b). */
    INTEGERS,
    /** Bernoulli: 1 with probability a, else 0. */
    BERNOULLI
}
