package dev.ember.cpu;

/**
 * MT19937's twist and tempering on lanes ({@link dev.ember.backend.Backend#mt19937Twist},
 * {@link dev.ember.backend.Backend#mt19937Temper}); its one implementation, {@code VectorMt19937}, is written on the
 * Vector API and loaded only where the JVM has it.
 */
interface Mt19937Lanes {
    /** Replaces the 624 words of {@code state} by the next 624. */
    void twist(int[] state);

    /** {@code dst[off + i]} = the tempered {@code state[from + i]} for {@code i < len}. */
    void temper(int[] state, int from, int[] dst, int off, int len);
}
