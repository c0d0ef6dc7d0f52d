package dev.ember;

/**
 * A seedable source of random numbers for tensor factories. It holds a Philox key (the seed) and a
 * counter offset that each draw advances, so results do not depend on which backend draws them.
 */
public final class Generator {
    static final Generator DEFAULT = new Generator(67280421310721L);

    private long seed;
    private long offset;

    /** A generator with the given seed. */
    public Generator(long seed) {
        manualSeed(seed);
    }

    /** Resets to the given seed. */
    public synchronized Generator manualSeed(long seed) {
        this.seed = seed;
        this.offset = 0;
        return this;
    }

    /** The seed. */
    public synchronized long initialSeed() {
        return seed;
    }

    /** Reserves {@code n} counters and returns the first; element i of a draw uses counter first + i. */
    synchronized long advance(long n) {
        long first = offset;
        offset += n;
        return first;
    }
}
