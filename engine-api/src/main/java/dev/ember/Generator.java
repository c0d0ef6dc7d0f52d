package dev.ember;

/**
 * A seedable source of random numbers for tensor factories. It holds a Philox key (the seed) and a
 * counter offset that each draw advances, so results do not depend on which backend draws them.
 *
 * <p>Threads may share a generator: each draw reserves its counters and reads the seed under the generator's lock,
 * so threads sharing one each get whole draws of its one sequence, in an order that depends on the scheduling (a
 * generator per thread gives each thread a reproducible sequence). PyTorch's generators are not meant to be shared
 * across threads either; Ember's never hand two draws the same counters or mix one seed with another's counters.
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

    /**
     * Seeds the generator with a non-deterministic number and returns it, as {@code Generator.seed()} (PyTorch draws it
     * from {@code std::random_device}; Ember from {@link java.security.SecureRandom}).
     */
    public long seed() {
        long s = new java.security.SecureRandom().nextLong();
        manualSeed(s);
        return s;
    }

    /** The seed. */
    public synchronized long initialSeed() {
        return seed;
    }

    /**
     * The generator's state as PyTorch's {@code Generator.get_state()} gives it for a Philox generator (its CUDA one): a
     * uint8 CPU tensor of 16 bytes, the seed and then the counter offset, each 8 bytes little-endian. Setting it back
     * with {@link #setState} makes the generator draw the same numbers again, on every backend.
     */
    public synchronized Tensor getState() {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (seed >>> (8 * i));
            b[8 + i] = (byte) (offset >>> (8 * i));
        }
        return Tensor.tensor(b, DType.UINT8, Device.CPU);
    }

    /**
     * Restores a state from {@link #getState}, as {@code Generator.set_state(new_state)}.
     *
     * @throws IllegalArgumentException with PyTorch's messages for null or anything but a uint8 CPU tensor ("RNG state
     *     must be a torch.ByteTensor") or one of another size than 16 ("RNG state is wrong size"), leaving the state as
     *     it was
     */
    public Generator setState(Tensor state) {
        if (state == null || state.dtype() != DType.UINT8 || !state.device().equals(Device.CPU)) {
            throw new IllegalArgumentException("RNG state must be a torch.ByteTensor");
        }
        if (state.numel() != 16) {
            throw new IllegalArgumentException("RNG state is wrong size");
        }
        byte[] b = state.toByteArray();
        long s = 0;
        long o = 0;
        for (int i = 7; i >= 0; i--) {
            s = (s << 8) | (b[i] & 0xFF);
            o = (o << 8) | (b[8 + i] & 0xFF);
        }
        synchronized (this) {
            this.seed = s;
            this.offset = o;
        }
        return this;
    }

    /** Reserves {@code n} counters and returns the first; element i of a draw uses counter first + i. */
    long advance(long n) {
        VmapState.beforeDraw(this); // inside vmap: refused in "error" mode, sample 0's counters again in "same"
        return reserve(n);
    }

    /**
     * Reserves {@code n} counters and returns {@code {seed, first}}, read together under the lock: a draw that read the
     * seed after reserving could pair another thread's new seed ({@link #manualSeed}, {@link #setState}) with the
     * counters of the old one, and repeat numbers that the new sequence gives later.
     */
    long[] draw(long n) {
        VmapState.beforeDraw(this);
        synchronized (this) {
            long first = offset;
            offset += n;
            return new long[] {seed, first};
        }
    }

    /** The next counter a draw would take (for vmap's "same" randomness). */
    synchronized long offset() {
        return offset;
    }

    /** Moves the next counter to {@code offset} (for vmap's "same" randomness). */
    synchronized void setOffset(long offset) {
        this.offset = offset;
    }

    private synchronized long reserve(long n) {
        long first = offset;
        offset += n;
        return first;
    }
}
