package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The dense float32/bfloat16 casts that session 47 put on vector lanes ({@code HalfLoops.floatsToBFloat16},
 * {@code bfloat16ToFloats}): the same bits as the per-element rule, {@link BFloat16#fromFloat} (round to nearest, ties
 * to even, NaN to 0x7FC0; checked against PyTorch in HalfTypesTest) and {@link BFloat16#toFloat} (exact), for every
 * bfloat16 pattern, for float32 patterns drawn over the whole bit range plus ties, boundaries, infinities, NaNs with
 * payloads and subnormals, at lengths with a tail past the last whole vector and from an offset inside the storage.
 */
class HalfCastVectorTest {
    /** Floats covering every class of pattern: random bits, the tie and near-tie neighbours of them, specials. */
    private static float[] patterns(int n) {
        SplittableRandom r = new SplittableRandom(47);
        float[] f = new float[n];
        int[] special = {0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFFFFFFF, 0x7FBF8000,
            0x7F7FFFFF, 0x7F7F8000, 0x7F7F7FFF, 0x00000001, 0x00008000, 0x00018000, 0x807F8000, 0x3F808000, 0x3F818000,
            0x3F807FFF, 0x3F808001, 0xFF7FFFFF};
        for (int i = 0; i < n; i++) {
            int bits;
            if (i < special.length) {
                bits = special[i];
            } else {
                bits = r.nextInt();
                switch (i % 4) {
                    case 1: bits = (bits & 0xFFFF0000) | 0x8000; break; // a tie: even and odd upper halves
                    case 2: bits = (bits & 0xFFFF0000) | 0x7FFF; break; // just below a tie
                    default: break;
                }
            }
            f[i] = Float.intBitsToFloat(bits);
        }
        return f;
    }

    @Test
    void floatToBFloat16MatchesTheRuleBitForBit() {
        for (int n : new int[] {1, 15, 16, 17, 63, 1000, 4099}) {
            float[] f = patterns(n);
            short[] got = Tensor.fromArray(f).to(DType.BFLOAT16).toHalfBits();
            for (int i = 0; i < n; i++) {
                assertEquals(BFloat16.fromFloat(f[i]), got[i], "n=" + n + " element " + i + " bits "
                        + Integer.toHexString(Float.floatToRawIntBits(f[i])));
            }
        }
    }

    @Test
    void floatToBFloat16FromAnOffsetMatchesTheRule() {
        float[] f = patterns(2051);
        Tensor view = Tensor.fromArray(f).narrow(0, 3, 2045); // contiguous, storage offset 3
        short[] got = view.to(DType.BFLOAT16).toHalfBits();
        for (int i = 0; i < 2045; i++) {
            assertEquals(BFloat16.fromFloat(f[i + 3]), got[i], "element " + i);
        }
    }

    @Test
    void everyBFloat16PatternWidensExactly() {
        short[] bits = new short[65536 + 5];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (short) i;
        }
        Tensor h = Tensor.fromHalfBits(bits, DType.BFLOAT16, bits.length);
        float[] got = h.to(DType.FLOAT32).toFloatArray();
        for (int i = 0; i < bits.length; i++) {
            assertEquals(Float.floatToRawIntBits(BFloat16.toFloat(bits[i])), Float.floatToRawIntBits(got[i]),
                    "pattern " + Integer.toHexString(bits[i] & 0xFFFF));
        }
        float[] tail = h.narrow(0, 7, 4093).to(DType.FLOAT32).toFloatArray();
        for (int i = 0; i < tail.length; i++) {
            assertEquals(Float.floatToRawIntBits(BFloat16.toFloat(bits[i + 7])), Float.floatToRawIntBits(tail[i]));
        }
    }
}
