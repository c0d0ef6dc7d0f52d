package dev.ember;

import dev.ember.backend.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU backend's MT19937 twist and tempering on Vector API lanes ({@link Backend#mt19937Twist},
 * {@link Backend#mt19937Temper}) give the words of the scalar engine ({@link Mt19937#twistScalar},
 * {@link Mt19937#temper}, which RandomMt19937Test and RandomMt19937BulkTest pin to PyTorch's): over many successive
 * twists from seeded and from arbitrary states, over every start and length of a run of the state, and on whole draws
 * of the engine with the lanes and with {@code -Dember.random.scalarTwist=true}.
 */
class RandomMt19937LanesTest {
    @AfterEach
    void lanesBackOn() {
        System.clearProperty(Mt19937.SCALAR_TWIST_PROPERTY);
    }

    private static Backend cpu() {
        return Tensor.backendFor(Device.CPU);
    }

    @Test
    void twistGivesTheScalarRecurrencesState() {
        SplittableRandom r = new SplittableRandom(53);
        for (int start = 0; start < 6; start++) {
            int[] scalar = new int[Mt19937.N];
            if (start < 3) {
                scalar = seeded(start == 0 ? 0 : r.nextLong());
            } else {
                for (int i = 0; i < scalar.length; i++) {
                    scalar[i] = r.nextInt(); // every bit pattern, the top and low bits included
                }
            }
            int[] lanes = scalar.clone();
            for (int t = 0; t < 50; t++) {
                Mt19937.twistScalar(scalar);
                assertTrue(cpu().mt19937Twist(lanes), "the CPU backend has the lanes (the tests run with the Vector API)");
                assertArrayEquals(scalar, lanes, "start " + start + ", twist " + t);
            }
        }
    }

    @Test
    void temperGivesTheScalarWordsForEveryRun() {
        SplittableRandom r = new SplittableRandom(7);
        int[] st = new int[Mt19937.N];
        for (int i = 0; i < st.length; i++) {
            st[i] = r.nextInt();
        }
        st[0] = 0;
        st[1] = -1;
        st[2] = Integer.MIN_VALUE;
        st[3] = Integer.MAX_VALUE;
        for (int from = 0; from < Mt19937.N; from += 37) {
            for (int len = 0; from + len <= Mt19937.N; len = len < 40 ? len + 1 : len + 53) {
                int[] want = new int[len + 5];
                int[] got = new int[len + 5];
                for (int i = 0; i < len; i++) {
                    want[3 + i] = Mt19937.temper(st[from + i]);
                }
                assertTrue(cpu().mt19937Temper(st, from, got, 3, len));
                assertArrayEquals(want, got, "from " + from + ", len " + len);
            }
        }
    }

    @Test
    void wholeDrawsWithAndWithoutTheLanes() {
        for (long seed : new long[] {0, 42, -1}) {
            for (int lead : new int[] {0, 1, 623, 624, 1000}) {
                int[] lanes = draw(seed, lead, false);
                int[] scalar = draw(seed, lead, true);
                assertArrayEquals(scalar, lanes, "seed " + seed + ", after " + lead + " single words");
            }
        }
    }

    /** Words of a seeded engine: {@code lead} one at a time, then runs of uneven lengths, then the engine's state bytes. */
    private static int[] draw(long seed, int lead, boolean scalar) {
        if (scalar) {
            System.setProperty(Mt19937.SCALAR_TWIST_PROPERTY, "true");
        } else {
            System.clearProperty(Mt19937.SCALAR_TWIST_PROPERTY);
        }
        Mt19937 mt = new Mt19937(seed);
        int total = lead + 9000;
        int[] out = new int[total + Mt19937.STATE_BYTES / 4];
        for (int i = 0; i < lead; i++) {
            out[i] = (int) mt.random();
        }
        int at = lead;
        int[] lengths = {1, 31, 32, 33, 600, 624, 1247, 2500};
        for (int k = 0; at < total; k++) {
            int len = Math.min(lengths[k % lengths.length], total - at);
            mt.words(out, at, len);
            at += len;
        }
        java.nio.IntBuffer state = java.nio.ByteBuffer.wrap(mt.state()).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asIntBuffer();
        state.get(out, total, Mt19937.STATE_BYTES / 4);
        return out;
    }

    private static int[] seeded(long seed) {
        int[] st = new int[Mt19937.N];
        st[0] = (int) seed;
        for (int j = 1; j < Mt19937.N; j++) {
            st[j] = 1812433253 * (st[j - 1] ^ (st[j - 1] >>> 30)) + j;
        }
        return st;
    }
}
