package dev.ember.cpu;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Shared inputs and bit comparison of the two-pass kernel tests ({@link TanhTwoPassTest}, {@link EluTwoPassTest}). */
final class FloatBitsInputs {
    private FloatBitsInputs() {
    }

    /**
     * {@code n} random floats: one in eight from {@code special}, one in eight any bit pattern, one in eight normal with
     * standard deviation {@code wide}, the rest with 1.5.
     */
    static float[] inputs(int n, long seed, float[] special, double wide) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(8);
            if (k == 0) {
                x[i] = special[r.nextInt(special.length)];
            } else if (k == 1) {
                x[i] = Float.intBitsToFloat(r.nextInt());
            } else {
                x[i] = (float) (r.nextGaussian() * (k == 2 ? wide : 1.5));
            }
        }
        return x;
    }

    /** Every element of {@code [from, to)} of {@code got} bit for bit {@code want}'s (NaN payloads included). */
    static void assertSameBits(String what, float[] want, float[] got, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                assertEquals(Integer.toHexString(Float.floatToRawIntBits(want[i])),
                        Integer.toHexString(Float.floatToRawIntBits(got[i])), what + " at " + i);
            }
        }
    }
}
