package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A batch of products split over the pool by whole matrices ({@link Gemm#splitsBatches}, the default since session
 * 61) has the bits of the same batch with each matrix split over the pool on its own (the old path,
 * {@code -Dember.cpu.bmmBatchSplit=false}), and of one thread, and agrees with a float64 triple loop: float32 and float64, A and B row-major or transposed, C with a
 * row gap, sizes that are no multiple of any tile (6 x 16 on AVX2, 8 or 6 x 32 on AVX-512), the tile kernel's, the
 * few-rows dot products' and the vector paths' shapes, batches that do not divide among the threads.
 */
class BatchSplitGemmTest {
    private static final int THREADS_BEFORE = CpuThreads.threads();

    @AfterEach
    void restore() {
        CpuThreads.setThreads(THREADS_BEFORE);
        System.clearProperty(Gemm.BATCH_SPLIT_PROPERTY);
    }

    @Test
    void batchesSplitOverThePoolKeepEveryProductsBits() {
        // {batch, m, k, n}
        int[][] sizes = {{128, 128, 64, 128}, {9, 128, 64, 128}, {5, 37, 70, 29}, {3, 67, 129, 70}, {7, 13, 300, 37},
                {8, 3, 300, 50}, {6, 1, 300, 77}, {4, 90, 33, 1}, {17, 7, 20, 9}, {2, 250, 45, 530}, {3, 200, 600, 17}};
        Random rnd = new Random(61);
        int[] split = new int[2];
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int[] s : sizes) {
                for (boolean aT : new boolean[] {false, true}) {
                    for (boolean bT : new boolean[] {false, true}) {
                        split[check(rnd, dtype, s[0], s[1], s[2], s[3], aT, bT) ? 1 : 0]++;
                    }
                }
            }
        }
        // both paths are compared on several shapes
        assertTrue(split[0] >= 8 && split[1] >= 40, "products split by rows / by matrices: " + split[0] + " / " + split[1]);
    }

    @Test
    void whichBatchesSplit() {
        CpuThreads.setThreads(2);
        System.setProperty(Gemm.BATCH_SPLIT_PROPERTY, "false");
        assertFalse(Gemm.splitsBatches(128, 128, 128, 64, 1, 128), "turned off");
        System.clearProperty(Gemm.BATCH_SPLIT_PROPERTY);
        assertTrue(Gemm.splitsBatches(128, 128, 128, 64, 1, 128), "attention's bmm, by default");
        System.setProperty(Gemm.BATCH_SPLIT_PROPERTY, "true");
        assertTrue(Gemm.splitsBatches(128, 128, 128, 64, 1, 128), "attention's bmm");
        assertTrue(Gemm.splitsBatches(2, 128, 128, 64, 1, 128), "a matrix per thread, each small");
        assertFalse(Gemm.splitsBatches(2, 1024, 1024, 1024, 1, 1024), "one large matrix per thread: rows");
        assertFalse(Gemm.splitsBatches(1, 128, 128, 64, 1, 128), "fewer matrices than threads");
        assertFalse(Gemm.splitsBatches(8, 4, 4, 4, 1, 4), "too little work in all");
        assertFalse(Gemm.splitsBatches(8, 16, 16, 4096, 1, 1), "dot products (their split depends on the task)");
        assertFalse(Gemm.splitsBatches(8, 40, 72, 3001, 1, 72), "the depth split (likewise)");
        CpuThreads.setThreads(1);
        assertFalse(Gemm.splitsBatches(128, 128, 128, 64, 1, 128), "one thread");
    }

    private static boolean check(Random rnd, DType dtype, int batch, int m, int k, int n, boolean aT, boolean bT) {
        boolean f32 = dtype == DType.FLOAT32;
        // A [batch, m, k] and B [batch, k, n], each row-major or stored transposed, at an offset of 3; C [batch, m, n]
        // with a gap of 2 after each row, at an offset of 5
        Layout la = aT ? new Layout(new int[] {batch, m, k}, new int[] {m * k, 1, m}, 3)
                : new Layout(new int[] {batch, m, k}, new int[] {m * k, k, 1}, 3);
        Layout lb = bT ? new Layout(new int[] {batch, k, n}, new int[] {k * n, 1, k}, 3)
                : new Layout(new int[] {batch, k, n}, new int[] {k * n, n, 1}, 3);
        Layout lc = new Layout(new int[] {batch, m, n}, new int[] {m * (n + 2), n + 2, 1}, 5);
        int aLen = 3 + batch * m * k;
        int bLen = 3 + batch * k * n;
        int cLen = 5 + batch * m * (n + 2);
        double[] av = new double[aLen];
        double[] bv = new double[bLen];
        for (int i = 0; i < aLen; i++) {
            av[i] = rnd.nextDouble() * 2 - 1;
        }
        for (int i = 0; i < bLen; i++) {
            bv[i] = rnd.nextDouble() * 2 - 1;
        }
        CpuStorage a = storage(dtype, av);
        CpuStorage b = storage(dtype, bv);
        CpuThreads.setThreads(2);
        System.setProperty(Gemm.BATCH_SPLIT_PROPERTY, "false");
        String what = dtype + " " + batch + " x [" + m + ", " + k + "] @ [" + k + ", " + n + "]" + (aT ? " A^T" : "")
                + (bT ? " B^T" : "");
        CpuStorage rows = run(a, la, b, lb, lc, dtype, cLen);
        System.setProperty(Gemm.BATCH_SPLIT_PROPERTY, "true");
        boolean splits = Gemm.splitsBatches(batch, m, n, k, la.stride(2), lb.stride(1));
        if (batch == 128) {
            assertTrue(splits, what + ": attention's shape splits by matrices");
        }
        CpuStorage split = run(a, la, b, lb, lc, dtype, cLen);
        System.clearProperty(Gemm.BATCH_SPLIT_PROPERTY);
        CpuThreads.setThreads(1);
        CpuStorage one = run(a, la, b, lb, lc, dtype, cLen);
        if (f32) {
            assertArrayEquals((float[]) rows.array, (float[]) split.array, what + ": by matrices against by rows");
            assertArrayEquals((float[]) one.array, (float[]) split.array, what + ": against one thread");
        } else {
            assertArrayEquals((double[]) rows.array, (double[]) split.array, what + ": by matrices against by rows");
            assertArrayEquals((double[]) one.array, (double[]) split.array, what + ": against one thread");
        }
        for (int bi = 0; bi < batch; bi++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double ref = 0;
                    for (int p = 0; p < k; p++) {
                        ref += value(a, la.offset() + bi * la.stride(0) + i * la.stride(1) + p * la.stride(2))
                                * value(b, lb.offset() + bi * lb.stride(0) + p * lb.stride(1) + j * lb.stride(2));
                    }
                    double got = value(split, lc.offset() + bi * lc.stride(0) + i * lc.stride(1) + j);
                    assertEquals(ref, got, (f32 ? 1e-5 : 1e-12) * k, what + " at " + bi + ", " + i + ", " + j);
                }
            }
        }
        // the row gaps and the offset stay as they were
        for (int i = 0; i < 5; i++) {
            assertEquals(-7.0, value(split, i), what + ": writes stay inside C");
        }
        assertEquals(-7.0, value(split, lc.offset() + n), what + ": writes stay inside C's rows");
        return splits;
    }

    private static CpuStorage run(CpuStorage a, Layout la, CpuStorage b, Layout lb, Layout lc, DType dtype, int cLen) {
        double[] fill = new double[cLen];
        java.util.Arrays.fill(fill, -7.0);
        CpuStorage c = storage(dtype, fill);
        Gemm.bmm(a, la, b, lb, c, lc);
        return c;
    }

    private static CpuStorage storage(DType dtype, double[] values) {
        if (dtype == DType.FLOAT64) {
            return new CpuStorage(dtype, values.clone());
        }
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return new CpuStorage(dtype, f);
    }

    private static double value(CpuStorage s, int i) {
        return s.array instanceof float[] f ? f[i] : ((double[]) s.array)[i];
    }
}
