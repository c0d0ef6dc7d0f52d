package dev.ember;

import dev.ember.backend.Backend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * PyTorch's CPU random engine: the 32-bit Mersenne Twister (MT19937) as {@code at::mt19937} keeps it (seeded through
 * its low 32 bits, the whole 64-bit seed remembered; {@code left}, {@code next} and the 624 state words), with the two
 * cached normal samples {@code CPUGeneratorImpl} holds beside it. Its {@link #state()} is the 5056 bytes of
 * {@code torch.get_rng_state()}, so a state taken in PyTorch draws the same numbers here and back.
 *
 * <p>Not thread-safe: {@link Generator} locks around it.
 */
final class Mt19937 {
    static final int N = 624;
    private static final int M = 397;
    /** {@code sizeof(CPUGeneratorImplStateLegacy)}: a state without the float normal sample. */
    static final int LEGACY_STATE_BYTES = 5048;
    /** {@code sizeof(CPUGeneratorImplState)}. */
    static final int STATE_BYTES = 5056;

    private long seed;
    private int left;
    private boolean seeded;
    private int next;
    private final int[] state = new int[N];
    private boolean doubleNormalValid;
    private double doubleNormal;
    private boolean floatNormalValid;
    private float floatNormal;

    Mt19937(long seed) {
        seed(seed);
    }

    private Mt19937() {
    }

    /** {@code at::mt19937::init_with_uint32}, and the cached normal samples dropped (as {@code set_current_seed}). */
    void seed(long seed) {
        this.seed = seed;
        this.seeded = true;
        state[0] = (int) seed;
        for (int j = 1; j < N; j++) {
            int prev = state[j - 1];
            state[j] = 1812433253 * (prev ^ (prev >>> 30)) + j;
        }
        left = 1;
        next = 0;
        doubleNormalValid = false;
        floatNormalValid = false;
    }

    long initialSeed() {
        return seed;
    }

    Mt19937 copy() {
        Mt19937 c = new Mt19937();
        c.seed = seed;
        c.left = left;
        c.seeded = seeded;
        c.next = next;
        System.arraycopy(state, 0, c.state, 0, N);
        c.doubleNormalValid = doubleNormalValid;
        c.doubleNormal = doubleNormal;
        c.floatNormalValid = floatNormalValid;
        c.floatNormal = floatNormal;
        return c;
    }

    /** Makes this engine draw what {@code other} would draw next. */
    void restore(Mt19937 other) {
        seed = other.seed;
        left = other.left;
        seeded = other.seeded;
        next = other.next;
        System.arraycopy(other.state, 0, state, 0, N);
        doubleNormalValid = other.doubleNormalValid;
        doubleNormal = other.doubleNormal;
        floatNormalValid = other.floatNormalValid;
        floatNormal = other.floatNormal;
    }

    /**
     * {@code -Dember.random.scalarTwist=true}: twist and temper in the scalar loops here (the old path) instead of the
     * CPU backend's lanes ({@link dev.ember.backend.Backend#mt19937Twist}, {@code mt19937Temper}); the words are the
     * same (RandomMt19937LanesTest).
     */
    static final String SCALAR_TWIST_PROPERTY = "ember.random.scalarTwist";

    /** The backend whose lanes twist and temper, or null for the scalar loops (read per run of the state). */
    private static Backend lanes() {
        return Boolean.getBoolean(SCALAR_TWIST_PROPERTY) ? null : Tensor.backendFor(Device.CPU);
    }

    private void twist() {
        left = N;
        next = 0;
        Backend b = lanes();
        if (b != null && b.mt19937Twist(state)) {
            return;
        }
        twistScalar(state);
    }

    /** The twist of the 624 words in the scalar recurrence (PyTorch's {@code next_state}). */
    static void twistScalar(int[] st) {
        int k = 0;
        for (; k < N - M; k++) {
            int y = (st[k] & 0x80000000) | (st[k + 1] & 0x7fffffff);
            st[k] = st[k + M] ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
        }
        for (; k < N - 1; k++) {
            int y = (st[k] & 0x80000000) | (st[k + 1] & 0x7fffffff);
            st[k] = st[k + M - N] ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
        }
        int y = (st[N - 1] & 0x80000000) | (st[0] & 0x7fffffff);
        st[N - 1] = st[M - 1] ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    }

    static int temper(int y) {
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        return y ^ (y >>> 18);
    }

    /** The next 32-bit word, unsigned ({@code generator->random()}). */
    long random() {
        if (--left == 0) {
            twist();
        }
        return temper(state[next++]) & 0xFFFFFFFFL;
    }

    /**
     * The next {@code len} words into {@code dst} from {@code off}, as {@code len} calls of {@link #random} would give
     * them (each word's 32 bits as an int), a run of the state at a time.
     */
    void words(int[] dst, int off, int len) {
        int[] st = state;
        while (len > 0) {
            int ready = left - 1; // the words before the next twist
            if (ready <= 0) {
                dst[off++] = (int) random(); // twists
                len--;
                continue;
            }
            int take = Math.min(ready, len);
            int from = next;
            Backend b = take >= LANES_MIN ? lanes() : null;
            if (b == null || !b.mt19937Temper(st, from, dst, off, take)) {
                for (int i = 0; i < take; i++) {
                    dst[off + i] = temper(st[from + i]);
                }
            }
            next = from + take;
            left -= take;
            off += take;
            len -= take;
        }
    }

    /** The shortest run of words the backend's lanes temper (a shorter one stays in the scalar loop). */
    private static final int LANES_MIN = 32;

    /** A run of words for the bulk draws below (the engine is used under its generator's lock, one draw at a time). */
    private final int[] scratch = new int[1024];

    /** The next {@code len} numbers of {@link #uniformFloat} into {@code dst} from {@code off}. */
    void uniformFloats(float[] dst, int off, int len) {
        int[] w = scratch;
        while (len > 0) {
            int k = Math.min(w.length, len);
            words(w, 0, k);
            for (int j = 0; j < k; j++) {
                dst[off + j] = (w[j] & 0xFFFFFF) * 0x1.0p-24f;
            }
            off += k;
            len -= k;
        }
    }

    /** The next {@code len} numbers of {@link #uniformDouble} into {@code dst} from {@code off}. */
    void uniformDoubles(double[] dst, int off, int len) {
        int[] w = scratch;
        while (len > 0) {
            int k = Math.min(w.length / 2, len);
            words(w, 0, 2 * k);
            for (int j = 0; j < k; j++) {
                long bits = ((long) (w[2 * j] & 0x1FFFFF) << 32) | (w[2 * j + 1] & 0xFFFFFFFFL); // 53 bits of hi:lo
                dst[off + j] = bits * 0x1.0p-53;
            }
            off += k;
            len -= k;
        }
    }

    /**
     * The next {@code len} draws of {@code bernoulli_distribution<double>(p)} ({@code uniformDouble() < p}) into
     * {@code dst} from {@code off}, without forming the doubles: a uniform double is its 53 bits {@code b} times
     * 2^-53 exactly, so {@code u < p} is {@code b < p 2^53}, that is {@code b < ceil(p 2^53)} (p above 1 draws all
     * true; p not above 0, NaN included, all false), compared without a branch (the double comparison's branch
     * mispredicted, 1.4 ns an element at p = 0.9).
     */
    void bernoulliBools(boolean[] dst, int off, int len, double p) {
        long t = threshold(p);
        int[] w = scratch;
        while (len > 0) {
            int k = Math.min(w.length / 2, len);
            words(w, 0, 2 * k);
            for (int j = 0; j < k; j++) {
                long bits = ((long) (w[2 * j] & 0x1FFFFF) << 32) | (w[2 * j + 1] & 0xFFFFFFFFL);
                dst[off + j] = (bits - t) >>> 63 != 0;
            }
            off += k;
            len -= k;
        }
    }

    /** {@link #bernoulliBools} as floats 1 and 0. */
    void bernoulliFloats(float[] dst, int off, int len, double p) {
        long t = threshold(p);
        int[] w = scratch;
        while (len > 0) {
            int k = Math.min(w.length / 2, len);
            words(w, 0, 2 * k);
            for (int j = 0; j < k; j++) {
                long bits = ((long) (w[2 * j] & 0x1FFFFF) << 32) | (w[2 * j + 1] & 0xFFFFFFFFL);
                dst[off + j] = (float) ((bits - t) >>> 63);
            }
            off += k;
            len -= k;
        }
    }

    /** {@code ceil(p 2^53)} held to [0, 2^54]: a 53-bit {@code b} is below it exactly when {@code b 2^-53 < p}. */
    static long threshold(double p) {
        return p > 0 ? (long) Math.ceil(Math.min(p, 2.0) * 0x1p53) : 0;
    }

    /** Two words, the first high ({@code generator->random64()}). */
    long random64() {
        long hi = random();
        long lo = random();
        return (hi << 32) | lo;
    }

    /** {@code uniform_real_distribution<double>(0, 1)}: 53 bits of {@link #random64} times 2^-53. */
    double uniformDouble() {
        return (random64() & ((1L << 53) - 1)) * 0x1.0p-53;
    }

    /** {@code uniform_real_distribution<float>(0, 1)}: 24 bits of {@link #random} times 2^-24. */
    float uniformFloat() {
        return (random() & 0xFFFFFF) * 0x1.0p-24f;
    }

    /**
     * {@code normal_distribution<double>(0, 1)}: Box-Muller of two uniform doubles, the cosine returned and the sine
     * kept for the next call (the generator's {@code next_double_normal_sample}).
     */
    double normalDouble() {
        if (doubleNormalValid) {
            doubleNormalValid = false;
            return doubleNormal;
        }
        double u1 = uniformDouble();
        double u2 = uniformDouble();
        double r = Math.sqrt(-2.0 * Math.log1p(-u2));
        double theta = 2.0 * Math.PI * u1;
        doubleNormal = r * Math.sin(theta);
        doubleNormalValid = true;
        return r * Math.cos(theta);
    }

    /** {@code torch.get_rng_state()}'s bytes: {@code CPUGeneratorImplState}, little-endian, with its padding zero. */
    byte[] state() {
        ByteBuffer b = ByteBuffer.allocate(STATE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(seed).putInt(left).putInt(seeded ? 1 : 0).putLong(next);
        for (int s : state) {
            b.putLong(s & 0xFFFFFFFFL);
        }
        b.putDouble(0.0).putDouble(doubleNormalValid ? doubleNormal : 0.0).putDouble(0.0);
        b.putInt(doubleNormalValid ? 1 : 0).putInt(0);
        b.putFloat(floatNormalValid ? floatNormal : 0f).put((byte) (floatNormalValid ? 1 : 0));
        return b.array();
    }

    /**
     * An engine from {@code torch.set_rng_state}'s bytes (5056, or the legacy 5048 without the float sample), checked as
     * {@code at::mt19937::is_valid} checks it; null when it is not valid. A legacy state's cached double sample is
     * {@code normal_rho * sin(2 pi normal_x)}, as {@code CPUGeneratorImpl::set_state} rebuilds it.
     */
    static Mt19937 fromState(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Mt19937 e = new Mt19937();
        e.seed = b.getLong();
        e.left = b.getInt();
        e.seeded = b.getInt() != 0;
        e.next = (int) b.getLong();
        for (int i = 0; i < N; i++) {
            e.state[i] = (int) b.getLong();
        }
        double normalX = b.getDouble();
        double normalY = b.getDouble();
        double normalRho = b.getDouble();
        boolean normalValid = b.getInt() != 0;
        b.getInt();
        if (bytes.length == LEGACY_STATE_BYTES) {
            e.doubleNormalValid = normalValid;
            e.doubleNormal = normalValid ? normalRho * Math.sin(2.0 * Math.PI * normalX) : 0.0;
        } else {
            e.doubleNormalValid = normalValid;
            e.doubleNormal = normalValid ? normalY : 0.0;
            e.floatNormal = b.getFloat();
            e.floatNormalValid = b.get() != 0;
            if (!e.floatNormalValid) {
                e.floatNormal = 0f;
            }
        }
        boolean valid = e.seeded && e.left > 0 && e.left <= N && Integer.compareUnsigned(e.next, N) <= 0;
        return valid ? e : null;
    }
}
