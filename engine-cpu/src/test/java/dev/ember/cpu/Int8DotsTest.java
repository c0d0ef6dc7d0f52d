package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import dev.ember.backend.Layout;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The dynamic quantized linear's integer dots ({@link QuantizedKernels.Int8Dots}): the Vector API's float-lane sums
 * against plain int arithmetic, exactly, at the extremes (every activation 255 or -255, every weight -128, where a
 * lane's block sum comes closest to 2^24), for 1 to 9 activation rows (the passes of four and their repeated rows) and
 * depths across the lanes' tail and past one block of {@link VectorInt8Dots#LANE_PRODUCTS} products a lane.
 */
class Int8DotsTest {
    @Test
    void vectorSumsAreThePlainIntSums() {
        QuantizedKernels.Int8Dots vector = new VectorInt8Dots();
        QuantizedKernels.Int8Dots plain = new QuantizedKernels.PlainInt8Dots();
        Random rnd = new Random(7);
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        int[] depths = {1, lanes - 1, lanes, 3 * lanes + 5, VectorInt8Dots.LANE_PRODUCTS * lanes,
            VectorInt8Dots.LANE_PRODUCTS * lanes * 2 + 3};
        for (int rows = 1; rows <= 9; rows++) {
            for (int k : depths) {
                for (boolean extreme : new boolean[] {false, true}) {
                    int n = 5;
                    float[] a = new float[rows * k];
                    byte[] w = new byte[3 + n * k];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = extreme ? (i % 7 == 0 ? -255 : 255) : rnd.nextInt(511) - 255;
                    }
                    for (int i = 0; i < w.length; i++) {
                        w[i] = extreme ? (byte) -128 : (byte) rnd.nextInt(256);
                    }
                    int[] got = new int[rows * n];
                    int[] want = new int[rows * n];
                    vector.dots(a, rows, k, w, 3, n, 1, n, got);
                    plain.dots(a, rows, k, w, 3, n, 1, n, want);
                    assertArrayEquals(want, got, rows + " rows, k " + k + (extreme ? ", extremes" : ""));
                    for (int r = 0; r < rows; r++) {
                        assertEquals(0, got[r * n], "row 0 of the weights lies outside [rowFrom, rowTo)");
                    }
                }
            }
        }
    }

    @Test
    void bothIntegerPathsOfTheLinearGiveTheSameBits() {
        // the few-row dots and the float32 GEMM slices are both exact integer sums: the same outputs bit for bit, over a
        // depth of several GEMM slices (2^24 / (max|qx - zx| max|qw - zw|) columns each), zero points per row
        Random rnd = new Random(3);
        int m = 30;
        int k = 3001;
        int n = 7;
        float[] x = new float[m * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian() * 2 + 0.3f;
        }
        byte[] w = new byte[n * k];
        rnd.nextBytes(w);
        int[] zeros = {0, 3, -5, 0, 127, -128, 9};
        float[] scales = {0.01f, 0.02f, 0.005f, 0.1f, 0.03f, 0.004f, 0.07f};
        float[] bias = {0.5f, -1f, 0f, 2f, 0.25f, -0.125f, 3f};
        Layout xl = Layout.contiguous(m, k);
        Layout wl = Layout.contiguous(n, k);
        float[] viaDots = new float[m * n];
        float[] viaGemm = new float[m * n];
        QuantizedKernels.linearDynamic(CpuStorage.shared(dev.ember.DType.FLOAT32, x), xl, CpuStorage.shared(
            dev.ember.DType.INT8, w), wl, zeros, scales, bias, CpuStorage.shared(dev.ember.DType.FLOAT32, viaDots),
            Layout.contiguous(m, n), true);
        QuantizedKernels.linearDynamic(CpuStorage.shared(dev.ember.DType.FLOAT32, x), xl, CpuStorage.shared(
            dev.ember.DType.INT8, w), wl, zeros, scales, bias, CpuStorage.shared(dev.ember.DType.FLOAT32, viaGemm),
            Layout.contiguous(m, n), false);
        for (int i = 0; i < viaDots.length; i++) {
            assertEquals(Float.floatToIntBits(viaDots[i]), Float.floatToIntBits(viaGemm[i]), "output " + i);
        }
    }
}
