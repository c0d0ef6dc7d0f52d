package dev.ember.cpu;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * MT19937 (PyTorch's CPU engine, {@code at::mt19937}) on int lanes of the preferred shape. The twist's recurrence
 * {@code mt[k] = mt[k + 397] ^ f(mt[k], mt[k + 1])} (indices mod 624) reads, for {@code k < 227}, words still old
 * ({@code k + 1} and {@code k + 397} lie after every word a block of lanes writes) and, for {@code k >= 227}, words
 * {@code k - 227} already new (written by earlier blocks, 227 lanes or more back): so blocks of consecutive {@code k}
 * run as lanes in the scalar order's results, and the few words that do not fill a block, and the last word (which
 * reads the new {@code mt[0]}), run in the scalar loop. Tempering is lane-wise. Every operation is an exact integer
 * one, so the words are the scalar engine's (RandomMt19937LanesTest).
 */
final class VectorMt19937 implements Mt19937Lanes {
    // the int species of the preferred shape (the CPU kernels' one shape: a second one slows every kernel on JDK 17)
    private static final VectorSpecies<Integer> S = IntVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int N = 624;
    private static final int M = 397;
    private static final int UPPER = 0x80000000;
    private static final int LOWER = 0x7fffffff;
    private static final int MATRIX = 0x9908b0df;

    @Override
    public void twist(int[] st) {
        int k = 0;
        for (; k + L <= N - M; k += L) {
            next(IntVector.fromArray(S, st, k), IntVector.fromArray(S, st, k + 1), IntVector.fromArray(S, st, k + M))
                    .intoArray(st, k);
        }
        for (; k < N - M; k++) {
            st[k] = next(st[k], st[k + 1], st[k + M]);
        }
        for (; k + L <= N - 1; k += L) {
            next(IntVector.fromArray(S, st, k), IntVector.fromArray(S, st, k + 1),
                    IntVector.fromArray(S, st, k + M - N)).intoArray(st, k);
        }
        for (; k < N - 1; k++) {
            st[k] = next(st[k], st[k + 1], st[k + M - N]);
        }
        st[N - 1] = next(st[N - 1], st[0], st[M - 1]);
    }

    /** The new word from the old {@code mt[k]}, {@code mt[k + 1]} and {@code mt[k + 397]} (the last mod 624). */
    private static int next(int k, int k1, int km) {
        int y = (k & UPPER) | (k1 & LOWER);
        return km ^ (y >>> 1) ^ (-(y & 1) & MATRIX);
    }

    private static IntVector next(IntVector k, IntVector k1, IntVector km) {
        IntVector y = k.and(UPPER).or(k1.and(LOWER));
        IntVector odd = y.and(1).neg().and(MATRIX);
        return km.lanewise(VectorOperators.XOR, y.lanewise(VectorOperators.LSHR, 1)).lanewise(VectorOperators.XOR, odd);
    }

    @Override
    public void temper(int[] st, int from, int[] dst, int off, int len) {
        int i = 0;
        for (; i + L <= len; i += L) {
            temper(IntVector.fromArray(S, st, from + i)).intoArray(dst, off + i);
        }
        for (; i < len; i++) {
            int y = st[from + i];
            y ^= y >>> 11;
            y ^= (y << 7) & 0x9d2c5680;
            y ^= (y << 15) & 0xefc60000;
            dst[off + i] = y ^ (y >>> 18);
        }
    }

    private static IntVector temper(IntVector y) {
        y = y.lanewise(VectorOperators.XOR, y.lanewise(VectorOperators.LSHR, 11));
        y = y.lanewise(VectorOperators.XOR, y.lanewise(VectorOperators.LSHL, 7).and(0x9d2c5680));
        y = y.lanewise(VectorOperators.XOR, y.lanewise(VectorOperators.LSHL, 15).and(0xefc60000));
        return y.lanewise(VectorOperators.XOR, y.lanewise(VectorOperators.LSHR, 18));
    }
}
