package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GEMM micro-kernels (plain, and the Vector API one in both loop forms with 6 and 8 rows two vectors wide and 8 rows one vector wide) against a double-precision triple loop, on sizes that are no multiple of any tile. */
class GemmTest {

    private static List<MicroKernels> kernels() {
        List<MicroKernels> ks = new ArrayList<>();
        ks.add(new MicroKernels.Plain());
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            for (int rows : new int[] {6, 8}) {
                ks.add(new VectorMicroKernels(true, rows));
                ks.add(new VectorMicroKernels(false, rows));
            }
            // the one-vector tile alone (session 34)
            ks.add(new VectorMicroKernels(true, 8, 1));
            ks.add(new VectorMicroKernels(false, 8, 1));
            // the machine's default: both shapes where vectors hold 16 floats, each product taking the cheaper
            ks.add(new VectorMicroKernels());
        }
        return ks;
    }

    @Test
    void vectorKernelIsTestedWhereTheModuleIsPresent() {
        // surefire runs with --add-modules jdk.incubator.vector, so both kernels are checked in the build
        assertTrue(kernels().size() == 8, "jdk.incubator.vector is not in the test JVM: " + kernels());
    }

    @Test
    void kernelsMatchTheReference() {
        Random rnd = new Random(1);
        // k above KC (several passes over C), n above NC (several B blocks), m above MC, enough work for the task grid;
        // small outputs over a long depth (a weight gradient's shape)
        int[][] sizes = {{1, 1, 1}, {5, 3, 7}, {13, 300, 37}, {67, 129, 70}, {6, 256, 32}, {200, 17, 1},
                {3, 40, 2100}, {250, 530, 45}, {7, 600, 300},
                // a small output over a long depth, as a Linear layer's weight gradient
                {37, 5000, 53}, {6, 2048, 32}, {384, 3000, 128},
                // vector shapes (the gemv paths), one of them large enough to split over the pool
                {1, 300, 77}, {1, 70, 1}, {90, 33, 1}, {1, 700, 3000}};
        for (MicroKernels mk : kernels()) {
            for (int[] s : sizes) {
                int m = s[0];
                int k = s[1];
                int n = s[2];
                // A stored transposed (column-major), B row-major with a row gap, C with a row gap
                float[] a = new float[k * m];
                float[] b = new float[k * (n + 3)];
                for (int i = 0; i < a.length; i++) {
                    a[i] = rnd.nextFloat() * 2 - 1;
                }
                for (int i = 0; i < b.length; i++) {
                    b[i] = rnd.nextFloat() * 2 - 1;
                }
                float[] c = new float[m * (n + 1) + 5];
                java.util.Arrays.fill(c, 99f);
                Gemm.sgemm(mk, m, n, k, a, 0, 1, m, b, 0, n + 3, 1, c, 5, n + 1, 1);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double ref = 0;
                        for (int p = 0; p < k; p++) {
                            ref += (double) a[p * m + i] * b[p * (n + 3) + j];
                        }
                        assertEquals(ref, c[5 + i * (n + 1) + j], 2e-5 * k, mk.name() + " " + m + "x" + k + "x" + n);
                    }
                }
                assertEquals(99f, c[0], "writes stay inside C");
            }
        }
    }

    @Test
    void accumulatesIntoATransposedC() {
        Random rnd = new Random(2);
        for (MicroKernels mk : kernels()) {
          for (int k : new int[] {290, 4100}) { // 4100: many KC blocks, each accumulating into C
            int m = 37;
            int n = 23;
            float[] a = centred(rnd, m * k);
            float[] b = centred(rnd, k * n);
            // C stored column-major (ccs = m), starting from 1: C = 1 + A B
            float[] c = new float[m * n];
            java.util.Arrays.fill(c, 1f);
            Gemm.sgemm(mk, m, n, k, a, 0, k, 1, b, 0, 1, k, c, 0, 1, m, true);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double ref = 1;
                    for (int p = 0; p < k; p++) {
                        ref += (double) a[i * k + p] * b[p + j * k];
                    }
                    assertEquals(ref, c[i + j * m], 2e-5 * k, mk.name() + " k=" + k);
                }
            }
          }
        }
    }

    /** {@code n} uniform values in [-0.5, 0.5), drawn in order. */
    private static float[] centred(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextFloat() - 0.5f;
        }
        return x;
    }

    @Test
    void depthSplitBetweenThreadsAccumulatesEveryRange() {
        // a weight gradient's shape (small C, long depth), A stored by columns; C row-major and column-major, with and
        // without accumulation, and run again inside a pool task (where it must not split)
        int m = 40;
        int n = 72;
        int k = 3001;
        assertEquals(CpuThreads.threads() >= 2, Gemm.splitsDepth(m, n, k), "this product splits its depth on 2+ threads");
        Random rnd = new Random(7);
        float[] a = centred(rnd, k * m);
        float[] b = centred(rnd, k * n);
        for (MicroKernels mk : kernels()) {
            for (boolean columnMajorC : new boolean[] {false, true}) {
                for (boolean acc : new boolean[] {false, true}) {
                    int crs = columnMajorC ? 1 : n;
                    int ccs = columnMajorC ? m : 1;
                    float[] c = new float[m * n + 3];
                    java.util.Arrays.fill(c, 0.5f);
                    Gemm.sgemm(mk, m, n, k, a, 0, 1, m, b, 0, n, 1, c, 3, crs, ccs, acc);
                    float[] again = new float[m * n + 3];
                    java.util.Arrays.fill(again, 0.5f);
                    CpuThreads.invokeAll(List.of(() -> Gemm.sgemm(mk, m, n, k, a, 0, 1, m, b, 0, n, 1, again, 3, crs, ccs, acc),
                            () -> { }));
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double ref = acc ? 0.5 : 0;
                            for (int p = 0; p < k; p++) {
                                ref += (double) a[p * m + i] * b[p * n + j];
                            }
                            String where = mk.name() + " C " + (columnMajorC ? "column" : "row") + "-major, acc " + acc;
                            assertEquals(ref, c[3 + i * crs + j * ccs], 2e-5 * k, where);
                            assertEquals(ref, again[3 + i * crs + j * ccs], 2e-5 * k, where + ", nested");
                        }
                    }
                    assertEquals(0.5f, c[0], "writes stay inside C");
                    assertEquals(0.5f, c[2], "writes stay inside C");
                }
            }
        }
    }

    @Test
    void fewOutputsOverALongDepthAreDotProducts() {
        // A's rows and B's columns contiguous along the depth (a convolution's weight gradient through its column
        // matrix), odd output counts (the 2 x 4 blocks' edges), a depth that is no multiple of a vector, C row- and
        // column-major, with and without accumulation
        for (int[] s : new int[][] {{6, 1001, 25}, {7, 300, 9}, {1, 256, 3}, {16, 777, 32}}) {
            assertTrue(Gemm.dotsApply(s[0], s[2], s[1], 1, 1) == (ElementwiseKernels.loops() != null), "dot products apply");
            checkDepthContiguous(new Random(9), s[0], s[1], s[2]);
        }
    }

    @Test
    void aFewRowsAreDotProductsWithBsColumnsSplitOverThePool() {
        // a Linear layer's x W^T at a batch of 2 to 4 (session 33): more outputs than dots() takes, each B column read once
        // per two rows; n large enough to split the columns over the pool (when there is one), odd n at the split edges
        for (int[] s : new int[][] {{2, 300, 700}, {3, 1024, 1029}, {4, 257, 2050}, {4, 2048, 300}}) {
            assertTrue(Gemm.fewRowsApply(s[0], s[1], 1, 1) == (ElementwiseKernels.loops() != null), "few rows apply");
            checkDepthContiguous(new Random(11), s[0], s[1], s[2]);
        }
    }

    @Test
    void aFewRowsKeepTheirBitsWhateverTheThreadCount() {
        // session 38 (DifferentialFuzzR10Test): fewRows split B's columns at n t / parts, and a part that did not start
        // at a multiple of four moved columns between dots2x4 and dot, whose lane sums differ: [2, 512] x [512, 1030]
        // changed 7 of its 2060 outputs between one and two threads. Determinism promises a product whose depth is
        // not split the same bits for any thread count.
        Random rnd = new Random(38);
        int before = CpuThreads.threads();
        try {
            for (int[] s : new int[][] {{2, 512, 1030}, {3, 513, 1031}, {4, 300, 2049}, {1, 256, 1030}}) {
                int m = s[0];
                int k = s[1];
                int n = s[2];
                assertTrue(Gemm.fewRowsApply(m, k, 1, 1) == (ElementwiseKernels.loops() != null), "few rows apply");
                float[] a = centred(rnd, m * k);
                float[] b = centred(rnd, n * k);
                float[] one = new float[m * n];
                CpuThreads.setThreads(1);
                Gemm.sgemm(MicroKernels.get(), m, n, k, a, 0, k, 1, b, 0, 1, k, one, 0, n, 1);
                for (int threads : new int[] {2, 3, 4}) {
                    CpuThreads.setThreads(threads);
                    float[] many = new float[m * n];
                    Gemm.sgemm(MicroKernels.get(), m, n, k, a, 0, k, 1, b, 0, 1, k, many, 0, n, 1);
                    for (int i = 0; i < m * n; i++) {
                        assertEquals(Float.floatToRawIntBits(one[i]), Float.floatToRawIntBits(many[i]),
                                m + "x" + k + "x" + n + " output " + i + " at " + threads + " threads");
                    }
                }
            }
        } finally {
            CpuThreads.setThreads(before);
        }
    }

    @Test
    void linearLayersAtSmallBatchesRunTransposedWithTheWeightInPlace() {
        // x W^T at a batch of 5 to 64 (session 34): run as (W x^T)^T with W where it lies and KC from the L2 rule, in
        // the one-vector tile where the batch fits one vector; every kernel against the float64 reference, batches
        // that are no multiple of a vector, depths above KC
        Random rnd = new Random(13);
        for (int[] s : new int[][] {{5, 300, 70}, {8, 1024, 129}, {16, 700, 64}, {24, 1100, 33}, {48, 1030, 40},
                {64, 300, 17}}) {
            for (MicroKernels mk : kernels()) {
                checkDepthContiguous(mk, rnd, s[0], s[1], s[2]);
            }
        }
        if (ElementwiseKernels.loops() != null) {
            // at a batch of 8 and 16 the default kernel runs the product transposed, with a tile at most 16 wide:
            // the batch is not padded to 32 and W is not packed
            for (int batch : new int[] {8, 16}) {
                Gemm.Plan plan = Gemm.plan(MicroKernels.get(), batch, 1024, 1024, 1024, 1, 1, 1024, 1024, 1);
                assertTrue(plan.transposed() && plan.shape().nr() <= 16, batch + ": " + plan);
                // W in place: the fewest depth blocks under the L2 rule's bound, though C (W x^T) stays in L2
                int max = Gemm.kcMax(plan.shape().mr(), plan.shape().nr());
                int kc = Gemm.kc(1024, batch, 1024, plan.shape().mr(), plan.shape().nr(), true);
                assertTrue(Gemm.cFitsL2(1024, batch) && kc <= max && (1024 + kc - 1) / kc == (1024 + max - 1) / max,
                        "KC " + kc + " under " + max);
            }
        }
    }

    /**
     * {@code C (+)= A B} with A's rows and B's columns contiguous along the depth {@code k}, against a float64 reference:
     * C row- and column-major, with and without accumulation, nothing written outside C.
     */
    private static void checkDepthContiguous(Random rnd, int m, int k, int n) {
        checkDepthContiguous(MicroKernels.get(), rnd, m, k, n);
    }

    /** {@link #checkDepthContiguous(Random, int, int, int)} with the given kernel. */
    private static void checkDepthContiguous(MicroKernels kernels, Random rnd, int m, int k, int n) {
        float[] a = centred(rnd, m * k);
        float[] b = centred(rnd, n * k);
        for (boolean columnMajorC : new boolean[] {false, true}) {
            for (boolean acc : new boolean[] {false, true}) {
                int crs = columnMajorC ? 1 : n;
                int ccs = columnMajorC ? m : 1;
                float[] c = new float[m * n + 2];
                java.util.Arrays.fill(c, 0.25f);
                Gemm.sgemm(kernels, m, n, k, a, 0, k, 1, b, 0, 1, k, c, 1, crs, ccs, acc);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double ref = acc ? 0.25 : 0;
                        for (int p = 0; p < k; p++) {
                            ref += (double) a[i * k + p] * b[j * k + p];
                        }
                        assertEquals(ref, c[1 + i * crs + j * ccs], 2e-5 * k, kernels.name() + " "
                                + m + "x" + k + "x" + n + " at " + i + "," + j + " acc " + acc);
                    }
                }
                assertEquals(0.25f, c[0], "writes stay inside C");
                assertEquals(0.25f, c[m * n + 1], "writes stay inside C");
            }
        }
    }

    @Test
    void depthBlocksFollowTheCachesAndSplitTheDepthEvenly() {
        for (int[] tile : new int[][] {{6, 32}, {8, 32}, {6, 16}}) {
            int mr = tile[0];
            int nr = tile[1];
            int large = Gemm.kcMax(mr, nr);
            int small = Gemm.kcL1(nr);
            assertTrue(large >= 128 && large <= 2048 && large % 64 == 0, "KC " + large);
            assertTrue(small >= 64 && small <= 2048 && small % 64 == 0, "KC " + small);
            // the packed A block and one B panel fit their share of L2, one B panel its share of L1 (or KC is at its floor)
            assertTrue(large == 128 || 4L * large * (mr * Gemm.MC_PANELS + nr) <= CacheSizes.l2() * Gemm.L2_SHARE,
                    "KC " + large + " for L2 " + CacheSizes.l2());
            assertTrue(small == 64 || 4L * small * nr <= CacheSizes.l1Data() * Gemm.L1_SHARE,
                    "KC " + small + " for L1 " + CacheSizes.l1Data());
            // a C that stays in L2 takes the L1 rule, a larger one the L2 rule
            int side = (int) Math.sqrt(CacheSizes.l2() / 8.0);
            assertTrue(Gemm.cFitsL2(side, side) && !Gemm.cFitsL2(4 * side, 4 * side), "C " + side);
            for (int[] mn : new int[][] {{side, side}, {4 * side, 4 * side}}) {
                int max = Gemm.cFitsL2(mn[0], mn[1]) ? small : large;
                assertTrue(Gemm.kc(mn[0], mn[1], 0, mr, nr) > 0, "an empty depth still has a block length");
                for (int k : new int[] {1, 7, 128, max, max + 1, 2 * max, 2 * max + 3, 5 * max - 1, 100_000}) {
                    int kc = Gemm.kc(mn[0], mn[1], k, mr, nr);
                    int blocks = (k + kc - 1) / kc;
                    assertTrue(kc <= max, k + ": " + kc);
                    assertEquals((k + max - 1) / max, blocks, k + ": the fewest blocks, " + kc);
                    // evened out: the last block is no shorter than the others by more than the rounding to 8
                    int last = k - (blocks - 1) * kc;
                    assertTrue(last > 0 && (blocks == 1 || kc - last < 8 * blocks), k + ": " + kc + " / last " + last);
                }
            }
        }
    }

    @Test
    void vectorTimesColumnMajorMatrixIsDotProducts() {
        // x [1 x k] @ W^T, W [n x k] row-major: a Linear layer at batch 1 (the dot-product path), with and without
        // accumulation, and a product big enough to be split over the pool
        Random rnd = new Random(5);
        for (MicroKernels mk : kernels()) {
            for (int[] s : new int[][] {{37, 5}, {400, 120}, {2000, 600}}) {
                int k = s[0];
                int n = s[1];
                float[] x = centred(rnd, k);
                float[] w = centred(rnd, n * k);
                for (boolean acc : new boolean[] {false, true}) {
                    float[] c = new float[n];
                    java.util.Arrays.fill(c, 2f);
                    Gemm.sgemm(mk, 1, n, k, x, 0, k, 1, w, 0, 1, k, c, 0, n, 1, acc);
                    for (int j = 0; j < n; j++) {
                        double ref = acc ? 2 : 0;
                        for (int p = 0; p < k; p++) {
                            ref += (double) x[p] * w[j * k + p];
                        }
                        assertEquals(ref, c[j], 2e-5 * k, mk.name() + " " + k + "x" + n);
                    }
                }
            }
        }
    }

    @Test
    void rowVectorProductKeepsEachColumnsDotProductBits() {
        // session 37: gemv's dot-product path takes four columns at a time (dots1x4, x loaded once for the four);
        // each output must keep the bits of that column's own dot(), the code it replaced: depths under, at and past
        // one and two vectors and their tails, column counts that leave one to three columns over, a column gap and
        // offsets, with and without accumulation, on one thread and split over the pool
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        if (loops == null) {
            return; // the plain loops keep their one-column form
        }
        Random rnd = new Random(37);
        MicroKernels mk = new MicroKernels.Plain();
        for (int k : new int[] {1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 256, 300, 784}) {
            for (int n : new int[] {1, 3, 4, 5, 6, 7, 8, 10, 1024, 3001}) {
                if ((long) k * n > 1_000_000) {
                    continue;
                }
                int bcs = k + 3;
                float[] x = centred(rnd, k + 2);
                float[] w = centred(rnd, 1 + n * bcs);
                for (boolean acc : new boolean[] {false, true}) {
                    float[] c = centred(rnd, n + 5);
                    float[] before = c.clone();
                    Gemm.sgemm(mk, 1, n, k, x, 2, k, 1, w, 1, 1, bcs, c, 3, n, 1, acc);
                    for (int j = 0; j < n; j++) {
                        float dot = loops.dot(x, 2, w, 1 + j * bcs, k);
                        float want = acc ? before[3 + j] + dot : dot;
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(c[3 + j]),
                                k + "x" + n + " column " + j + (acc ? " accumulated" : ""));
                    }
                    assertEquals(before[0], c[0]);
                    assertEquals(before[n + 3], c[n + 3]);
                }
                float[] out = new float[loops.dots1x4Scratch()];
                if (n >= 4) {
                    loops.dots1x4(x, 2, w, 1, 1 + bcs, 1 + 2 * bcs, 1 + 3 * bcs, k, out);
                    for (int q = 0; q < 4; q++) {
                        assertEquals(Float.floatToRawIntBits(loops.dot(x, 2, w, 1 + q * bcs, k)),
                                Float.floatToRawIntBits(out[q]), k + " dots1x4 column " + q);
                    }
                }
            }
        }
    }

    /** dots2x4's definition: lane l of a vector-wide accumulator adds p = l, l + L, ... in order; lanes summed in order; tail fma. */
    private static float laneSplitDot(float[] a, int ao, float[] b, int bo, int k, int lanes) {
        int bound = k / lanes * lanes;
        float[] acc = new float[lanes];
        for (int p = 0; p < bound; p++) {
            acc[p % lanes] = Math.fma(a[ao + p], b[bo + p], acc[p % lanes]);
        }
        float total = 0;
        for (float v : acc) {
            total += v;
        }
        for (int p = bound; p < k; p++) {
            total = Math.fma(a[ao + p], b[bo + p], total);
        }
        return total;
    }

    @Test
    void fewRowsKeepTheirLaneSumBits() {
        // session 39: dots2x4 sums its eight accumulators' lanes as interleaved chains (it summed them one after
        // another) and an odd last row takes dots1x4: each output keeps its bits, dots2x4's lane-split sum for the row
        // pairs' whole groups of four columns, dot's for the rest
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        if (loops == null) {
            return; // the plain loops keep their one-column form
        }
        int lanes = loops.dots2x4Scratch() / 8;
        Random rnd = new Random(39);
        MicroKernels mk = new MicroKernels.Plain();
        int cases = 0;
        for (int m : new int[] {2, 3, 4}) {
            for (int k : new int[] {256, 257, 300, 511}) {
                for (int n : new int[] {4, 7, 64, 1030}) {
                    int bcs = k + 1;
                    float[] a = centred(rnd, m * k);
                    float[] w = centred(rnd, n * bcs);
                    float[] c = new float[m * n];
                    Gemm.sgemm(mk, m, n, k, a, 0, k, 1, w, 0, 1, bcs, c, 0, n, 1, false);
                    int m2 = m / 2 * 2;
                    int n4 = n / 4 * 4;
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            float want = i < m2 && j < n4 ? laneSplitDot(a, i * k, w, j * bcs, k, lanes)
                                    : loops.dot(a, i * k, w, j * bcs, k);
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(c[i * n + j]),
                                    m + "x" + n + "x" + k + " at " + i + "," + j);
                        }
                    }
                    cases++;
                }
            }
        }
        assertEquals(48, cases);
    }

    @Test
    void transposingPackCopiesEveryColumnExactly() {
        // the pack of a B stored by columns (session 35: vector-length squares transposed in registers, the scalar
        // copy at the edges) against its definition, bit for bit: depths and widths under, at and past one and two
        // squares of 8 and 16, a panel wider than the columns packed, an offset source with a column gap; floats
        // outside the packed columns keep their sentinel
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
            assertEquals(lanes == 8 || lanes == 16, VectorTranspose.APPLIES, "squares of " + lanes);
        }
        Random rnd = new Random(17);
        int[] depths = {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 512, 515};
        int[] widths = {1, 7, 8, 9, 15, 16, 17, 31, 32};
        for (MicroKernels mk : kernels()) {
            for (int nr : new int[] {mk.nr(), 32}) {
                for (int kc : depths) {
                    for (int w : widths) {
                        if (w > nr) {
                            continue;
                        }
                        int bcs = kc + 5;
                        int src = 3;
                        float[] b = centred(rnd, src + w * bcs + 2);
                        int base = 4;
                        float[] bp = new float[base + kc * nr + 3];
                        java.util.Arrays.fill(bp, Float.NaN);
                        mk.packColumns(b, src, bcs, kc, w, bp, base, nr);
                        for (int i = 0; i < bp.length; i++) {
                            int q = i - base;
                            int p = Math.floorDiv(q, nr);
                            int j = Math.floorMod(q, nr);
                            boolean packed = q >= 0 && p < kc && j < w;
                            float want = packed ? b[src + j * bcs + p] : Float.NaN;
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(bp[i]),
                                    mk.name() + " nr " + nr + " kc " + kc + " w " + w + " at " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void linearLayersFromAHundredRowsPackTheWeight() {
        // x W^T at 112 to 200 rows (session 35): with the faster transposing pack the plain orientation packs W^T;
        // every kernel against the float64 reference, depths and widths that are no multiple of a tile or a square
        Random rnd = new Random(19);
        for (int[] s : new int[][] {{112, 530, 70}, {130, 1030, 45}, {200, 300, 129}}) {
            for (MicroKernels mk : kernels()) {
                checkDepthContiguous(mk, rnd, s[0], s[1], s[2]);
            }
        }
        if (ElementwiseKernels.loops() != null) {
            MicroKernels mk = MicroKernels.get();
            for (int n : new int[] {1024, 4096}) {
                // 192 rows and more pack W^T on any machine; 96 rows keep W in place where vectors hold 16 floats
                for (int m : new int[] {192, 256}) {
                    assertTrue(!Gemm.plan(mk, m, n, 1024, 1024, 1, 1, 1024, n, 1).transposed(), m + " x " + n);
                }
                Gemm.Plan at96 = Gemm.plan(mk, 96, n, 1024, 1024, 1, 1, 1024, n, 1);
                assertTrue(mk.nr() != 32 || at96.transposed(), "96 x " + n + ": " + at96);
                // at 128 rows and a depth of 1024 in two L2 blocks the model ties (the pack's cost against storing C
                // by columns twice; measured level, RESULTS.md session 35) and keeps the plain orientation; the
                // cost of 32 an element before took W in place
                Gemm.Plan at128 = Gemm.plan(mk, 128, n, 1024, 1024, 1, 1, 1024, n, 1);
                int max = Gemm.kcMax(at128.shape().mr(), at128.shape().nr());
                if (mk.nr() == 32 && (1024 + max - 1) / max == 2) {
                    assertTrue(!at128.transposed(), "128 x " + n + ": " + at128);
                }
            }
        }
    }
}
