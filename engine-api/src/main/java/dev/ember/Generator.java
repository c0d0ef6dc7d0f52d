package dev.ember;

import java.util.function.Function;

/**
 * A seedable source of random numbers for tensor factories. The default generator ({@link Ember#defaultGenerator}) is
 * PyTorch's: CPU tensors draw from its CPU generator ({@link Algorithm#MT19937}: its Mersenne Twister, kernel for kernel,
 * so {@code Ember.manualSeed(s)} gives {@code torch.manual_seed(s)}'s CPU numbers) and other devices from its Philox half.
 * {@code new Generator(seed)} is Ember's portable generator: a Philox key (the seed) and a counter offset that each draw
 * advances, so its results do not depend on which backend draws them; {@code new Generator(seed, MT19937)} is
 * {@code torch.Generator().manual_seed(seed)}.
 *
 * <p>Threads may share a generator: each draw reserves its counters and reads the seed under the generator's lock,
 * so threads sharing one each get whole draws of its one sequence, in an order that depends on the scheduling (a
 * generator per thread gives each thread a reproducible sequence). PyTorch's generators are not meant to be shared
 * across threads either; Ember's never hand two draws the same counters or mix one seed with another's counters.
 *
 * <p>On a {@link dev.ember.data.DataLoader} worker thread the default generator is the worker's own
 * ({@link dev.ember.data.WorkerInfo#generator()}, seeded {@code baseSeed + id}), as each PyTorch worker process's
 * global generator is: a data set that draws with {@code Tensor.rand}, {@code Tensor.randint} and the like (the
 * torchvision transforms' {@code torch.rand(1) < p}) draws PyTorch's numbers, reproducibly, and seeding or reading
 * the default generator there ({@link Ember#manualSeed} in a {@code workerInitFn}, {@link Ember#getRngState}) reaches
 * the worker's.
 */
public final class Generator {
    static final Generator DEFAULT = new Generator(67280421310721L, defaultAlgorithm());

    /** How a generator turns its seed into numbers. */
    public enum Algorithm {
        /**
         * Counter-based Philox 4x32-10: the same numbers on every backend, drawn in parallel ({@code new Generator(seed)};
         * PyTorch's CUDA generator is also Philox, with its own use of the counters).
         */
        PHILOX,
        /**
         * PyTorch's CPU generator (the default generator's): MT19937 and ATen's CPU kernels, so that CPU tensors get
         * PyTorch's numbers for the same seed (uniform, normal, integer, Bernoulli and exponential draws, randperm, dropout masks, and what is built on
         * them, such as the {@code nn.init} functions); its state is {@code torch.get_rng_state()}'s 5056 bytes. A
         * generator of this kind refuses tensors on other devices, as PyTorch's CPU generator does, except the default
         * generator, which draws them from its Philox half (PyTorch's CUDA generator seeded by the same
         * {@code manual_seed}).
         */
        MT19937
    }

    private long seed;
    private long offset;
    private Mt19937 mt;

    /** A Philox generator with the given seed. */
    public Generator(long seed) {
        this(seed, Algorithm.PHILOX);
    }

    /** A generator of {@code algorithm} with the given seed: {@code new Generator(s, MT19937)} is PyTorch's {@code torch.Generator().manual_seed(s)}. */
    public Generator(long seed, Algorithm algorithm) {
        if (algorithm == null) {
            throw new IllegalArgumentException("algorithm must not be null");
        }
        if (algorithm == Algorithm.MT19937) {
            mt = new Mt19937(seed);
        }
        manualSeed(seed);
    }

    /**
     * The default generator's algorithm at start: PyTorch's CPU generator ({@link Algorithm#MT19937}), or Philox for every
     * device with {@code -Dember.generator=philox} (Ember's default before session 45).
     */
    private static Algorithm defaultAlgorithm() {
        String p = System.getProperty("ember.generator", "mt19937");
        return "philox".equalsIgnoreCase(p.trim()) ? Algorithm.PHILOX : Algorithm.MT19937;
    }

    /** This generator's algorithm. */
    public synchronized Algorithm algorithm() {
        return mt == null ? Algorithm.PHILOX : Algorithm.MT19937;
    }

    /**
     * The generator this one's draws and state go to: the worker's own generator when this is the default generator
     * and the thread is a DataLoader worker's, otherwise this one.
     */
    private Generator target() {
        if (this != DEFAULT) {
            return this;
        }
        dev.ember.data.WorkerInfo w = dev.ember.data.WorkerInfo.current();
        Generator g = w == null ? null : w.generator();
        return g == null || g == this ? this : g;
    }

    /** Switches the algorithm and reseeds with the current initial seed (the default generator's switch). */
    synchronized void setAlgorithm(Algorithm algorithm) {
        mt = algorithm == Algorithm.MT19937 ? new Mt19937(seed) : null;
        offset = 0;
    }

    /** Resets to the given seed. */
    public Generator manualSeed(long seed) {
        Generator t = target();
        if (t != this) {
            t.manualSeed(seed);
            return this;
        }
        synchronized (this) {
            this.seed = seed;
            this.offset = 0;
            if (mt != null) {
                mt.seed(seed);
            }
        }
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
    public long initialSeed() {
        Generator t = target();
        if (t != this) {
            return t.initialSeed();
        }
        synchronized (this) {
            return seed;
        }
    }

    /**
     * The generator's state as PyTorch's {@code Generator.get_state()} gives it, a uint8 CPU tensor. For a Philox
     * generator (as PyTorch's CUDA one): 16 bytes, the seed and then the counter offset, each 8 bytes little-endian. For
     * an {@link Algorithm#MT19937} generator: PyTorch's CPU state, 5056 bytes ({@code CPUGeneratorImplState}: the seed,
     * the engine's position and 624 words, the cached normal samples), which PyTorch's {@code set_rng_state} accepts and
     * which {@link #setState} accepts from PyTorch. Setting it back makes the generator draw the same numbers again.
     */
    public Tensor getState() {
        Generator t = target();
        if (t != this) {
            return t.getState();
        }
        byte[] b;
        synchronized (this) {
            if (mt != null) {
                b = mt.state();
            } else {
                b = new byte[16];
                for (int i = 0; i < 8; i++) {
                    b[i] = (byte) (seed >>> (8 * i));
                    b[8 + i] = (byte) (offset >>> (8 * i));
                }
            }
        }
        return Tensor.tensor(b, DType.UINT8, Device.CPU);
    }

    /**
     * Restores a state from {@link #getState}, as {@code Generator.set_state(new_state)}; an {@link Algorithm#MT19937}
     * generator also takes the state of PyTorch's CPU generator ({@code torch.get_rng_state()}, or the legacy 5048
     * bytes).
     *
     * @throws IllegalArgumentException with PyTorch's messages for null or anything but a uint8 CPU tensor ("RNG state
     *     must be a torch.ByteTensor"), one of another size ("RNG state is wrong size" for Philox, PyTorch's CPU message
     *     naming 5048 and 5056 for MT19937) or an MT19937 state that is not valid ("Invalid mt19937 state"), leaving the
     *     state as it was
     */
    public Generator setState(Tensor state) {
        Generator t = target();
        if (t != this) {
            t.setState(state);
            return this;
        }
        if (state == null || state.dtype() != DType.UINT8 || !state.device().equals(Device.CPU)) {
            throw new IllegalArgumentException("RNG state must be a torch.ByteTensor");
        }
        if (algorithm() == Algorithm.MT19937) {
            long size = state.numel();
            if (size != Mt19937.LEGACY_STATE_BYTES && size != Mt19937.STATE_BYTES) {
                throw new IllegalArgumentException("Expected either a CPUGeneratorImplStateLegacy of size "
                        + Mt19937.LEGACY_STATE_BYTES + " or a CPUGeneratorImplState of size " + Mt19937.STATE_BYTES
                        + " but found the input RNG state size to be " + size);
            }
            Mt19937 e = Mt19937.fromState(state.toByteArray());
            if (e == null) {
                throw new IllegalArgumentException("Invalid mt19937 state");
            }
            synchronized (this) {
                this.seed = e.initialSeed();
                this.offset = 0;
                mt.restore(e);
            }
            return this;
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

    /**
     * Runs {@code body} on the MT19937 engine, under the generator's lock, when this generator draws tensors of
     * {@code device} with PyTorch's CPU kernels, and returns its result; returns null, running nothing, when the draw is
     * Philox's (a Philox generator, or the default generator drawing for another device).
     *
     * @throws IllegalArgumentException with PyTorch's message when an MT19937 generator other than the default is asked
     *     for another device's tensor
     */
    <T> T drawCpu(Device device, Function<Mt19937, T> body) {
        Generator t = target();
        if (t != this && device.equals(Device.CPU)) {
            return t.drawCpu(device, body);
        }
        synchronized (this) {
            if (mt == null) {
                return null;
            }
            if (!device.equals(Device.CPU)) {
                if (this == DEFAULT) {
                    return null;
                }
                throw new IllegalArgumentException("Expected a '" + device.type() + "' device type for generator but found 'cpu'");
            }
        }
        VmapState.beforeDraw(this);
        synchronized (this) {
            return body.apply(mt);
        }
    }

    /** Where the next draw starts: the Philox offset and a copy of the MT19937 engine (for vmap's "same" randomness). */
    Object mark() {
        Generator t = target();
        if (t != this) {
            return t.mark();
        }
        synchronized (this) {
            return new Object[] {offset, mt == null ? null : mt.copy()};
        }
    }

    /** Returns to a {@link #mark}. */
    void rewind(Object mark) {
        Generator t = target();
        if (t != this) {
            t.rewind(mark);
            return;
        }
        synchronized (this) {
            rewindHere(mark);
        }
    }

    private void rewindHere(Object mark) {
        Object[] m = (Object[]) mark;
        offset = (Long) m[0];
        if (mt != null && m[1] != null) {
            mt.restore((Mt19937) m[1]);
        }
    }

    /** Reserves {@code n} counters and returns the first; element i of a draw uses counter first + i. */
    long advance(long n) {
        Generator t = target();
        if (t != this) {
            return t.advance(n);
        }
        VmapState.beforeDraw(this); // inside vmap: refused in "error" mode, sample 0's counters again in "same"
        return reserve(n);
    }

    /**
     * Reserves {@code n} counters and returns {@code {seed, first}}, read together under the lock: a draw that read the
     * seed after reserving could pair another thread's new seed ({@link #manualSeed}, {@link #setState}) with the
     * counters of the old one, and repeat numbers that the new sequence gives later.
     */
    long[] draw(long n) {
        Generator t = target();
        if (t != this) {
            return t.draw(n);
        }
        VmapState.beforeDraw(this);
        synchronized (this) {
            long first = offset;
            offset += n;
            return new long[] {seed, first};
        }
    }

    private synchronized long reserve(long n) {
        long first = offset;
        offset += n;
        return first;
    }
}
