package dev.ember.cpu;

import dev.ember.BFloat16;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dense float32 to bfloat16 cast ({@link HalfLoops#floatsToBFloat16}: the vector loop, the scalar tail) against the
 * per-element rule {@link BFloat16#fromFloat} (to nearest, ties to even, every NaN to 0x7FC0): every one of the 2^32
 * float32 bit patterns through session 63's loop (a float compare finds the NaN lanes), and the top binades,
 * infinities and NaNs of both signs through the loop before it ({@code -Dember.cpu.bf16.intNanTest=true}: an integer
 * test of the bits); and the widening back for all 2^16 bfloat16 patterns against {@link BFloat16#toFloat}. The NaN
 * and infinity region is converted first on its own, many times, so that the loops it checks are the JIT-compiled ones
 * too (a compiled compare and an interpreted one could disagree on an unordered lane).
 */
class BFloat16CastExhaustiveTest {
    /** Patterns a call: a whole number of vectors plus a tail of 5, so both parts see every kind of pattern. */
    private static final int CHUNK = (1 << 16) + 5;

    @Test
    void everyFloatPatternRoundsAsTheScalarRule() {
        String was = System.getProperty(VectorLoops.BF16_INT_NAN_TEST);
        try {
            for (String old : new String[] {"false", "true"}) {
                System.setProperty(VectorLoops.BF16_INT_NAN_TEST, old);
                float[] f = new float[CHUNK];
                short[] out = new short[CHUNK];
                // warm-up on the NaN and infinity patterns (0x7F800000 upwards, both signs)
                for (int rep = 0; rep < 400; rep++) {
                    checkFrom((rep % 2 == 0 ? 0x7F800000L : 0xFF800000L) + (long) (rep / 2) * 97, f, out, old);
                }
                // every pattern through the new loop; the old one (which other tests pin) over the top binades of
                // both signs, the infinities and NaNs, where the two loops' NaN tests differ
                long checked = 0;
                long[][] ranges = old.equals("false") ? new long[][] {{0, 1L << 32}}
                        : new long[][] {{0x7F000000L, 0x80000000L}, {0xFF000000L, 1L << 32}};
                for (long[] range : ranges) {
                    for (long base = range[0]; base < range[1]; base += CHUNK) {
                        checkFrom(base, f, out, old);
                        checked += CHUNK;
                    }
                }
                assertTrue(checked >= (old.equals("false") ? 1L << 32 : 1L << 25), "every pattern converted");
            }
        } finally {
            if (was == null) {
                System.clearProperty(VectorLoops.BF16_INT_NAN_TEST);
            } else {
                System.setProperty(VectorLoops.BF16_INT_NAN_TEST, was);
            }
        }
    }

    /** Converts the patterns from {@code base} (wrapping past 2^32 into the low ones), each as the rule gives it. */
    private static void checkFrom(long base, float[] f, short[] out, String old) {
        for (int i = 0; i < CHUNK; i++) {
            f[i] = Float.intBitsToFloat((int) (base + i));
        }
        HalfLoops.floatsToBFloat16(f, 0, out, 0, CHUNK);
        for (int i = 0; i < CHUNK; i++) {
            if (out[i] != BFloat16.fromFloat(f[i])) {
                assertEquals(BFloat16.fromFloat(f[i]), out[i], "pattern 0x"
                        + Integer.toHexString(Float.floatToRawIntBits(f[i])) + ", intNanTest=" + old);
            }
        }
    }

    @Test
    void everyBFloat16PatternWidensExactly() {
        short[] h = new short[1 << 16];
        for (int i = 0; i < h.length; i++) {
            h[i] = (short) i;
        }
        float[] f = new float[h.length];
        for (int rep = 0; rep < 200; rep++) {
            HalfLoops.bfloat16ToFloats(h, 0, f, 0, h.length);
            for (int i = 0; i < h.length; i++) {
                assertEquals(Float.floatToRawIntBits(BFloat16.toFloat(h[i])), Float.floatToRawIntBits(f[i]),
                        "bfloat16 pattern 0x" + Integer.toHexString(i));
            }
        }
    }
}
