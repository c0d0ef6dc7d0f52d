package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PanelGemm}: the packed few-row product is, bit for bit, each output's multiply-add chain over the depth in
 * order from zero ({@code acc = fma(W[j, p], x[p], acc)}), with the vector kernels, the plain loops and any thread
 * count; for every row count, panel edge (n past a whole panel, a partial panel, fewer columns than a panel), depth, a
 * weight stored transposed and an input with strided rows and columns.
 */
class PanelGemmTest {
    private static final int[] ROWS = {1, 2, 3, 4, 5, 7, 8, 9};
    private static final int[] COLS = {1, 5, 16, 33, 127, 128, 129, 300};
    private static final int[] DEPTHS = {1, 2, 17, 256, 259};

    /** The definition: one fma chain per output, depth in order. */
    private static float chain(float[] w, int wo, int wrs, int wcs, float[] x, int xo, int xcs, int j, int k) {
        float acc = 0f;
        for (int p = 0; p < k; p++) {
            acc = Math.fma(w[wo + j * wrs + p * wcs], x[xo + p * xcs], acc);
        }
        return acc;
    }

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    @Test
    void everyShapeIsEachOutputsChainOnAnyKernelAndThreadCount() {
        Random rnd = new Random(39);
        int saved = CpuThreads.threads();
        int cases = 0;
        try {
            for (int m : ROWS) {
                for (int n : COLS) {
                    for (int k : DEPTHS) {
                        for (boolean transposedW : new boolean[] {false, true}) {
                            // W [n, k]: row-major (wrs = k, wcs = 1) or stored as W^T [k, n] (wrs = 1, wcs = n)
                            int wo = 3;
                            float[] w = random(rnd, wo + n * k);
                            int wrs = transposedW ? 1 : k;
                            int wcs = transposedW ? n : 1;
                            // x [m, k] inside a wider buffer: rows 2k + 1 apart, elements 2 apart
                            int xo = 5;
                            int xrs = 2 * k + 1;
                            int xcs = 2;
                            float[] x = random(rnd, xo + m * xrs + 2 * k);
                            float[] packed = new float[Math.toIntExact(PanelGemm.packedLength(n, k, m)) + 7];
                            java.util.Arrays.fill(packed, Float.NaN); // every padded column must be written
                            PanelGemm.pack(w, wo, wrs, wcs, n, k, m, packed, 7);
                            float[] expected = new float[m * (n + 4)];
                            for (int i = 0; i < m; i++) {
                                for (int j = 0; j < n; j++) {
                                    expected[i * (n + 4) + j] = chain(w, wo, wrs, wcs, x, xo + i * xrs, xcs, j, k);
                                }
                            }
                            for (PanelGemm.Kernels kernels : new PanelGemm.Kernels[] {PanelGemm.vector(), null}) {
                                for (int threads : new int[] {1, 2, 3}) {
                                    CpuThreads.setThreads(threads);
                                    float[] c = new float[m * (n + 4)];
                                    PanelGemm.multiply(kernels, m, n, k, x, xo, xrs, xcs, packed, 7, c, 0, n + 4);
                                    String what = "m=" + m + " n=" + n + " k=" + k + " transposedW=" + transposedW
                                            + " vector=" + (kernels != null) + " threads=" + threads;
                                    assertArrayEquals(expected, c, what);
                                    cases++;
                                }
                            }
                        }
                    }
                }
            }
        } finally {
            CpuThreads.setThreads(saved);
        }
        assertEquals(ROWS.length * COLS.length * DEPTHS.length * 2 * 2 * 3, cases);
    }

    @Test
    void largeProductsSplitTheirPanelsOverThePoolWithTheSameBits() {
        // m n k past 8 * PARALLEL_WORK: the panels are split into tasks; the bits stay each output's chain
        Random rnd = new Random(7);
        int m = 4;
        int n = 1024 + 40;
        int k = 300;
        assertTrue((long) m * n * k >= 8 * Gemm.PARALLEL_WORK);
        float[] w = random(rnd, n * k);
        float[] x = random(rnd, m * k);
        float[] packed = new float[Math.toIntExact(PanelGemm.packedLength(n, k, m))];
        PanelGemm.pack(w, 0, k, 1, n, k, m, packed, 0);
        int saved = CpuThreads.threads();
        try {
            float[] one = new float[m * n];
            CpuThreads.setThreads(1);
            PanelGemm.multiply(m, n, k, x, 0, k, 1, packed, 0, one, 0, n);
            CpuThreads.setThreads(2);
            float[] two = new float[m * n];
            PanelGemm.multiply(m, n, k, x, 0, k, 1, packed, 0, two, 0, n);
            assertArrayEquals(one, two);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(chain(w, 0, k, 1, x, i * k, 1, j, k), one[i * n + j]);
                }
            }
        } finally {
            CpuThreads.setThreads(saved);
        }
    }
}
