package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sumWidened} and {@code addWidened4} load each vector's upper half a second time instead of permuting it down
 * (session 57); the permuting loops stay behind {@code swapHalves}. Both give the documented order's bits: every run
 * length from 0 to past several passes, runs at odd offsets and runs that end at the array's end (where the last
 * passes fall back to the permute), magnitudes from 1e-8 to 1e8 (so another order would round differently) and the
 * special values.
 */
class WidenedSumLoadsTest {
    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();

    private static float[] values(long seed, int n) {
        Random r = new Random(seed);
        float[] x = new float[n];
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, Float.MIN_VALUE,
            -Float.MAX_VALUE, 1e-40f};
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt(60) == 0 ? specials[r.nextInt(specials.length)]
                    : (float) (r.nextGaussian() * Math.pow(10, r.nextInt(17) - 8));
        }
        return x;
    }

    /**
     * The order {@code FloatLoops.sumWidened} documents, written out: passes of two vectors; lane k of accumulator q
     * (q below 4) adds the element at {@code q * LANES / 2 + k} of each pass, in pass order; the four combined lane by
     * lane as {@code (a0 + a1) + (a2 + a3)}, their lanes added first to last to 0; then the tail in order.
     */
    private static double documentedOrder(float[] x, int xo, int n) {
        int half = LANES / 2;
        int step = 2 * LANES;
        int bound = n - n % step;
        double[][] acc = new double[4][half];
        for (int i = 0; i < bound; i += step) {
            for (int q = 0; q < 4; q++) {
                for (int k = 0; k < half; k++) {
                    acc[q][k] += x[xo + i + q * half + k];
                }
            }
        }
        double total = 0;
        if (bound > 0) {
            for (int k = 0; k < half; k++) {
                total += (acc[0][k] + acc[1][k]) + (acc[2][k] + acc[3][k]);
            }
        }
        for (int i = bound; i < n; i++) {
            total += x[xo + i];
        }
        return total;
    }

    /** Bit for bit (a -0 is not a +0; NaNs alike whatever their payload, which Java leaves open). */
    private static void assertBits(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int j = 0; j < want.length; j++) {
            assertEquals(Double.doubleToLongBits(want[j]), Double.doubleToLongBits(got[j]), what + " at " + j);
        }
    }

    @Test
    void sumWidenedKeepsTheDocumentedOrderOnBothLoops() {
        VectorLoops v = new VectorLoops();
        int[] lengths = new int[140];
        for (int n = 0; n < 130; n++) {
            lengths[n] = n;
        }
        int[] more = {255, 256, 257, 511, 512, 513, 1000, 4099};
        System.arraycopy(more, 0, lengths, 130, more.length);
        int checked = 0;
        for (int n : lengths) {
            float[] x = values(n * 13L + 1, n + 40);
            // a run at the array's start, at odd offsets inside, and ending exactly at (or one short of) the end
            for (int xo : new int[] {0, 3, 17, 39, 40}) {
                if (xo + n > x.length) {
                    continue;
                }
                long want = Double.doubleToLongBits(documentedOrder(x, xo, n));
                String what = "n=" + n + " at " + xo + " of " + x.length;
                assertEquals(want, Double.doubleToLongBits(v.sumWidened(x, xo, n)), what);
                assertEquals(want, Double.doubleToLongBits(v.sumWidened(x, xo, n, false)), what);
                assertEquals(want, Double.doubleToLongBits(v.sumWidened(x, xo, n, true)), what + " (permute)");
                checked++;
            }
        }
        assertTrue(checked > 600, "runs checked: " + checked);
    }

    @Test
    void addWidened4KeepsTheOrderOnBothLoops() {
        VectorLoops v = new VectorLoops();
        Random rnd = new Random(57);
        for (int n : new int[] {0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 200, 512}) {
            float[] x = values(n * 5L + 2, 4 * n + 21);
            int end = x.length - n;
            // rows in order, out of order, overlapping, and the last ones ending at the array's end
            int[][] offsets = {{0, n, 2 * n, 3 * n}, {end, 5, end - 1, 11}, {9, 9, 10, 3}, {end - 3, end - 2, end - 1, end},
                {end, end, end, end}};
            for (int[] o : offsets) {
                double[] start = new double[n];
                for (int j = 0; j < n; j++) {
                    start[j] = rnd.nextInt(3) == 0 ? 0.0 : rnd.nextGaussian() * 1e7;
                }
                double[] want = start.clone();
                for (int j = 0; j < n; j++) {
                    want[j] = (((want[j] + x[o[0] + j]) + x[o[1] + j]) + x[o[2] + j]) + x[o[3] + j];
                }
                String what = "n=" + n + " rows " + java.util.Arrays.toString(o);
                double[] got = start.clone();
                v.addWidened4(x, o[0], o[1], o[2], o[3], got, n);
                assertBits(want, got, what);
                double[] loads = start.clone();
                v.addWidened4(x, o[0], o[1], o[2], o[3], loads, n, false);
                assertBits(want, loads, what);
                double[] permute = start.clone();
                v.addWidened4(x, o[0], o[1], o[2], o[3], permute, n, true);
                assertBits(want, permute, what + " (permute)");
            }
        }
    }
}
