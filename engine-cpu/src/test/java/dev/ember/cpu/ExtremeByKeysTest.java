package dev.ember.cpu;

import dev.ember.Ember;
import dev.ember.Tensor;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code FloatLoops.extremeByKeys} (float32 max and min of a contiguous run by integer keys, session 64) against the
 * float fold {@code extreme} and a written-out {@code Math.max} / {@code Math.min} fold: run lengths 0 to past several
 * four-vector passes at odd offsets, rows of one sign, of zeros of both signs (where -0 against +0 decides), of
 * infinities, subnormals, {@code MAX_VALUE}, and NaNs of both signs and several payloads in the vector passes and in the
 * tail (a NaN goes to the fold); then through {@code amax} / {@code amin} / {@code max(dim)} over the last dimension
 * with {@code -Dember.reduce.extremeFold} either way, one and two threads.
 */
class ExtremeByKeysTest {
    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();
    private static final float[] SPECIAL = {Float.NaN, Float.intBitsToFloat(0xFFC00000), Float.intBitsToFloat(0x7F800001),
        Float.intBitsToFloat(0xFFFFFFFF), -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
        -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1e-40f, -1e-40f};

    /** Mode 0 mixed, 1 all negative, 2 zeros of both signs, 3 specials but no NaN, 4 a NaN now and then. */
    private static float[] values(Random r, int n, int mode) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            float g = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
            switch (mode) {
                case 1: x[i] = -Math.abs(g) - Float.MIN_VALUE; break;
                case 2: x[i] = r.nextBoolean() ? 0f : -0f; break;
                case 3: x[i] = r.nextInt(4) == 0 ? SPECIAL[4 + r.nextInt(SPECIAL.length - 4)] : g; break;
                case 4: x[i] = r.nextInt(50) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : g; break;
                default: x[i] = g;
            }
        }
        return x;
    }

    private static float fold(boolean max, float[] x, int xo, int n) {
        float r = max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            r = max ? Math.max(r, x[xo + i]) : Math.min(r, x[xo + i]);
        }
        return r;
    }

    /** The same bits; a NaN matches any NaN (Java leaves the payload of a NaN result open). */
    private static void assertBits(float want, float got, String what) {
        if (Float.isNaN(want)) {
            assertTrue(Float.isNaN(got), what + ": want NaN got " + got);
            return;
        }
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), what + ": want " + want + " got " + got);
    }

    @Test
    void keysGiveTheFoldsBitsOnEveryRun() {
        VectorLoops v = new VectorLoops();
        Random r = new Random(64);
        int checked = 0;
        int nans = 0;
        for (int n = 0; n <= 12 * LANES + 3; n++) {
            for (int mode = 0; mode < 5; mode++) {
                for (int rep = 0; rep < 3; rep++) {
                    float[] x = values(r, n + 5, mode);
                    if (rep == 2 && n > 0) {
                        // one NaN (either sign) at a chosen place: first, last of the vector passes, or the tail
                        int at = r.nextInt(n);
                        x[2 + at] = r.nextBoolean() ? Float.NaN : Float.intBitsToFloat(0xFFC00001);
                    }
                    for (boolean max : new boolean[] {true, false}) {
                        String what = "n=" + n + " mode " + mode + " rep " + rep + (max ? " max" : " min");
                        float want = fold(max, x, 2, n);
                        assertBits(want, v.extreme(max, x, 2, n), what + " (fold)");
                        float got = v.extremeByKeys(max, x, 2, n);
                        assertBits(want, got, what);
                        nans += Float.isNaN(want) ? 1 : 0;
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 1000 && nans > 100, "runs " + checked + ", NaN results " + nans);
    }

    @Test
    void rowReductionsGiveTheSameBitsEitherWay() {
        Random r = new Random(65);
        int before = Ember.getNumThreads();
        String prop = System.getProperty(ReduceKernels.EXTREME_FOLD);
        try {
            for (int len : new int[] {1, 7, LANES, 4 * LANES - 1, 4 * LANES, 4 * LANES + 1, 100, 512, 513, 1037}) {
                for (int mode = 0; mode < 5; mode++) {
                    int rows = 300;
                    float[] x = values(r, rows * len, mode);
                    Tensor t = Tensor.fromArray(x).reshape(3, rows / 3, len);
                    Tensor narrowed = t.narrow(2, len > 2 ? 1 : 0, len > 2 ? len - 2 : len);
                    for (Tensor in : new Tensor[] {t, narrowed}) {
                        for (int threads : new int[] {1, 2}) {
                            Ember.setNumThreads(threads);
                            float[][] got = new float[2][];
                            float[][] mins = new float[2][];
                            for (int k = 0; k < 2; k++) {
                                System.setProperty(ReduceKernels.EXTREME_FOLD, Boolean.toString(k == 0));
                                got[k] = in.amax(new int[] {-1}, false).toFloatArray();
                                mins[k] = in.amin(new int[] {-1}, true).toFloatArray();
                            }
                            float[] dense = in.contiguous().toFloatArray();
                            int m = in.shape()[2];
                            for (int i = 0; i < got[0].length; i++) {
                                String what = "len " + m + " mode " + mode + " threads " + threads + " row " + i;
                                assertBits(fold(true, dense, i * m, m), got[1][i], what + " amax");
                                assertBits(got[0][i], got[1][i], what + " amax against the fold path");
                                assertBits(fold(false, dense, i * m, m), mins[1][i], what + " amin");
                                assertBits(mins[0][i], mins[1][i], what + " amin against the fold path");
                            }
                        }
                    }
                }
            }
        } finally {
            Ember.setNumThreads(before);
            if (prop == null) {
                System.clearProperty(ReduceKernels.EXTREME_FOLD);
            } else {
                System.setProperty(ReduceKernels.EXTREME_FOLD, prop);
            }
        }
    }
}
