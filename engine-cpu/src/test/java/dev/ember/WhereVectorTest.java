package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The float32 where that session 47 put on vector lanes for dense rows (a blend under a mask loaded from the bool
 * condition, instead of a branch per element), through every op that reaches it: where of two tensors, where against a
 * number on either side, masked_fill, tril and triu (a broadcast [rows, cols] condition). Expected by the exact rule,
 * element by element ({@code c ? x : y}, the bits as they are: NaN payloads and -0 kept), at lengths with a tail past the
 * last whole vector and from storage offsets.
 */
class WhereVectorTest {
    private static float[] values(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            switch (i % 7) {
                case 0: f[i] = Float.intBitsToFloat(0x7FC00000 | r.nextInt(0x400000)); break; // NaN with a payload
                case 1: f[i] = -0f; break;
                default: f[i] = (float) r.nextGaussian();
            }
        }
        return f;
    }

    private static boolean[] mask(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        boolean[] b = new boolean[n];
        for (int i = 0; i < n; i++) {
            b[i] = r.nextBoolean();
        }
        return b;
    }

    private static void assertBits(float expected, float got, String what) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got), what);
    }

    @Test
    void whereOfTensorsAndNumbers() {
        for (int n : new int[] {1, 15, 16, 17, 100, 1031}) {
            float[] x = values(n + 5, n);
            float[] y = values(n + 5, n + 1);
            boolean[] c = mask(n + 5, n + 2);
            // from offset 5: contiguous views that start inside their storage
            Tensor xt = Tensor.fromArray(x).narrow(0, 5, n);
            Tensor yt = Tensor.fromArray(y).narrow(0, 5, n);
            Tensor ct = Tensor.fromArray(c).narrow(0, 5, n);
            float[] both = Tensor.where(ct, xt, yt).toFloatArray();
            float[] numberOther = Tensor.where(ct, xt, 2.5).toFloatArray();
            float[] numberFirst = Tensor.where(ct, -3.0, yt).toFloatArray();
            float[] filled = yt.maskedFill(ct, Double.NEGATIVE_INFINITY).toFloatArray();
            for (int i = 0; i < n; i++) {
                boolean p = c[i + 5];
                assertBits(p ? x[i + 5] : y[i + 5], both[i], "where n=" + n + " i=" + i);
                assertBits(p ? x[i + 5] : 2.5f, numberOther[i], "where(c, x, 2.5) n=" + n + " i=" + i);
                assertBits(p ? -3f : y[i + 5], numberFirst[i], "where(c, -3, y) n=" + n + " i=" + i);
                assertBits(p ? Float.NEGATIVE_INFINITY : y[i + 5], filled[i], "masked_fill n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void trilAndTriuOfABatch() {
        int b = 3;
        int rows = 37;
        int cols = 45;
        float[] x = values(b * rows * cols, 47);
        Tensor t = Tensor.fromArray(x).view(b, rows, cols);
        for (int k : new int[] {-40, -2, 0, 1, 19, 50}) {
            float[] lower = t.tril(k).toFloatArray();
            float[] upper = t.triu(k).toFloatArray();
            for (int p = 0; p < b; p++) {
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        int e = (p * rows + i) * cols + j;
                        assertBits(j - i <= k ? x[e] : 0f, lower[e], "tril(" + k + ") " + p + "," + i + "," + j);
                        assertBits(j - i >= k ? x[e] : 0f, upper[e], "triu(" + k + ") " + p + "," + i + "," + j);
                    }
                }
            }
        }
    }
}
