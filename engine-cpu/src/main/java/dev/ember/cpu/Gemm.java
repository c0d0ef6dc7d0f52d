package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;

import java.util.ArrayList;
import java.util.List;

/**
 * Blocked, multithreaded matrix multiply for any strides, after BLIS: B is packed per (KC x NC) block into
 * panels shared by all threads; each task packs its own MC x KC blocks of A and runs the register-blocked
 * micro-kernel of the active {@link MicroKernels} implementation. Packing buffers are per thread and reused.
 */
final class Gemm {
    static final int NC = 2048;
    /** MC = MR x this: 160 rows of A with the 8-row tile, 120 with the 6-row one. */
    static final int MC_PANELS = 20;
    /**
     * The share of a core's L2 that the packed MC x KC block of A and one KC x NR panel of B may fill, which sets
     * KC when C is too large to stay in L2 between k blocks. Then each tile's C rows come from L3 or memory (Java has
     * no prefetch instruction to fetch them early, as BLIS's kernels do), a fixed cost per tile that the longest KC
     * amortizes best, and B's panel streams from L2 beside A's. Measured single-threaded on the Intel Xeon (L2 2 MiB,
     * n = 2048, best three of six reps): KC 256 ran at 122-143 GFLOP/s, 768 at 151-154, 1024 at 152-160 (A and B
     * filling 37% of L2), 1536 at 138-142 (55%), 2048 at 130-137.
     */
    static final double L2_SHARE = 0.4;
    /**
     * The share of L1 that one KC x NR panel of B may fill when C stays in L2 (BLIS's rule): there the tiles' C rows
     * are close and a longer KC only crowds L2. A Linear layer's weight gradient ([512 x 4096] x [4096 x 128], A
     * packed), KC alternated with 1024 in one JVM on the Intel Xeon: 104 / 98 against 87 / 84 GFLOP/s.
     * {@code -Dember.cpu.gemmKc=N} fixes the largest KC for every product instead.
     */
    static final double L1_SHARE = 0.75;
    private static final int KC_FIXED = Integer.getInteger("ember.cpu.gemmKc", 0);
    /**
     * What storing one element of C costs in the cost model (in multiply-adds) when C's columns are strided, for each
     * k block: C^T = B^T A^T writes a row-major C by columns through the tile's scratch. At 16 a Linear layer's
     * weight gradient ([128 x 4096] x [4096 x 512]) took that orientation and ran at 146-150 GFLOP/s; at 64 it keeps
     * C's rows and runs at 173-186 (two threads, GemmShapes, three rounds). {@code -Dember.cpu.gemmStoreCost=N}.
     */
    private static final int STORE_COST = Integer.getInteger("ember.cpu.gemmStoreCost", 64);
    /**
     * What packing one element of a B stored by columns costs in the cost model, in multiply-adds: since session 35 a
     * transposing copy of vector-length squares in registers ({@link MicroKernels#packColumns}), as cheap here as the
     * row-wise copy's 16. Session 34 set 32 for the scalar copy, one store a panel row apart per element. Measured one
     * thread on the AMD EPYC (RESULTS.md, session 35: {@code x W^T}, [m, 1024] x [n, 1024]^T at n 1024 and 4096, each
     * orientation forced): W^T packed now beats W in place from 112 rows (5.9 against 6.3 ms at n 4096) and is level
     * at 128 (6.5-6.6 against 6.6), in place still wins at 96 (4.9 against 5.2); the model at 16 ties at
     * {@code m = k / 8} with two depth blocks (ties keep the plain orientation) and takes W in place below. The GPT's,
     * LeNet's and the convolutions' products keep their plans. {@code -Dember.cpu.gemmPackCost=N} (to compare).
     */
    static final long TRANSPOSING_PACK_COST = Long.getLong("ember.cpu.gemmPackCost", 16);
    /** {@code -Dember.cpu.gemmSplitDepth=false} turns off {@link #splitsDepth} (to compare). */
    private static final boolean SPLIT_DEPTH = !"false".equals(System.getProperty("ember.cpu.gemmSplitDepth"));
    /** Operand panels used by more than this many tiles are packed; fewer are read where they lie. */
    static final int PACK_REUSE = 4;
    /** Below this many multiply-adds a GEMM block runs on the calling thread. */
    static final long PARALLEL_WORK = 1L << 17;

    private Gemm() {
    }

    /**
     * The largest KC for a tile of {@code mr x nr} when C does not stay in L2: the A block (MC x KC) and a B panel
     * (KC x NR) in {@link #L2_SHARE} of the L2, a multiple of 64 between 128 and 2048 (256 on a 512 KiB L2, 1024 on a
     * 2 MiB one).
     */
    static int kcMax(int mr, int nr) {
        long kc = (long) (CacheSizes.l2() * L2_SHARE) / (4L * (mr * MC_PANELS + nr));
        return (int) Math.max(128, Math.min(2048, kc / 64 * 64));
    }

    /** The largest KC when C stays in L2: a B panel in {@link #L1_SHARE} of L1 (256 on 48 KiB, 192 on 32 KiB). */
    static int kcL1(int nr) {
        long kc = (long) (CacheSizes.l1Data() * L1_SHARE) / (4L * nr);
        return (int) Math.max(64, Math.min(2048, kc / 64 * 64));
    }

    /** Whether an {@code m x n} C stays in (half of) L2 between k blocks. */
    static boolean cFitsL2(int m, int n) {
        return 4L * m * n <= CacheSizes.l2() / 2;
    }

    /**
     * KC for an {@code m x n} product of depth {@code k}: k split into the fewest blocks of at most {@link #kcL1} or
     * {@link #kcMax} (as C stays in L2 or not; {@code -Dember.cpu.gemmKc} fixes the bound), evened out.
     */
    static int kc(int m, int n, int k, int mr, int nr) {
        return kc(m, n, k, mr, nr, false);
    }

    /**
     * {@link #kc(int, int, int, int, int)}, where {@code aRowsInPlace} says A's rows are read where they lie,
     * contiguous along the depth: then KC is always {@link #kcMax}'s, whose A block (A's rows in place, re-read for
     * each column panel) and B panel fit L2. The L1 rule's shorter blocks only store C more often, through the tile's
     * scratch when its columns are strided: a Linear layer's {@code x W^T} at a batch of 24 to 128, run as
     * {@code (W x^T)^T} with W in place ([m, 1024] x [1024, 1024]^T, one thread, AMD EPYC): 0.42-0.48 ms at 24 and 32
     * rows with KC 512 or 1024 against 0.62-0.87 with the L1 rule's 192. A column-stored A in place (the input
     * gradient {@code dY W} run as {@code (W^T dY^T)^T}) keeps the L1 rule: with KC 592, [128, 4096] x [4096, 1024]
     * took 10.1-10.9 ms against 7.6-8.5.
     */
    static int kc(int m, int n, int k, int mr, int nr, boolean aRowsInPlace) {
        int max = KC_FIXED > 0 ? KC_FIXED : aRowsInPlace || !cFitsL2(m, n) ? kcMax(mr, nr) : kcL1(nr);
        int blocks = Math.max(1, (k + max - 1) / max);
        return Math.min(max, Math.max(8, MicroKernels.roundUp((k + blocks - 1) / blocks, 8)));
    }

    /**
     * {@code -Dember.cpu.bmmBatchSplit=false} (read per call) splits each matrix of a batch of products over the pool
     * by rows on its own (one fork-join, or two with B's packing, per matrix: the path before session 61) instead of
     * splitting the batch by whole matrices ({@link #splitsBatches}). On the quiet 2-core AMD EPYC (Zen 3) of session 61
     * the split by matrices took attention's {@code [128, 128, 64] @ [128, 64, 128]} in 2.5-3.1 ms against 3.1-8.5 ms
     * (two threads, alternated in one JVM, two JVMs, 7 of 7 rounds) and bmm fwd+bwd in 11.1-11.9 against 11.9-16.1 ms;
     * on the same machine loaded by other processes (load 12-16) it lost in wall time in most rounds while using less
     * CPU: its threads wait at the join for a whole matrix where the host has descheduled one of them.
     */
    static final String BATCH_SPLIT_PROPERTY = "ember.cpu.bmmBatchSplit";

    /**
     * Whether a batch of {@code [m, k] @ [k, n]} products is split over the pool by whole matrices, each multiplied on
     * one thread: not turned off ({@link #BATCH_SPLIT_PROPERTY}), at least as many matrices as threads, two per thread
     * unless each is under 16 x {@link #PARALLEL_WORK} multiply-adds, at least {@link #PARALLEL_WORK} in all, and a
     * product whose bits do not depend on where it runs (not {@link #dotsApply}'s dot products or
     * {@link #splitsDepth}'s depth split, which a product inside a task does not take; the tile kernel's C elements
     * are each summed by one tile over the whole depth, whichever task runs it). Split by rows, attention's
     * {@code [128, 128, 64] @ [128, 64, 128]} meets the pool 128 times a call, each time after the calling thread
     * alone has packed B.
     */
    static boolean splitsBatches(int batch, int m, int n, int k, int acs, int brs) {
        int threads = CpuThreads.threads();
        long work = (long) m * n * k;
        return threads >= 2 && batch >= threads && (batch >= 2L * threads || work < 16 * PARALLEL_WORK)
                && work * batch >= PARALLEL_WORK && !CpuThreads.inTask() && !splitsDepth(m, n, k)
                && !(acs == 1 && brs == 1 && (long) m * n <= DOT_OUTPUTS && k >= 256)
                && !"false".equals(System.getProperty(BATCH_SPLIT_PROPERTY));
    }

    static void matmul(CpuStorage a, Layout la, CpuStorage b, Layout lb, CpuStorage c, Layout lc) {
        int batch = la.size(0);
        int m = la.size(1);
        int k = la.size(2);
        int n = lb.size(2);
        if (splitsBatches(batch, m, n, k, la.stride(2), lb.stride(1))) {
            // runs of matrices of at least 4 x PARALLEL_WORK multiply-adds (one matrix each for attention's), claimed
            // by the threads as they come free: a thread descheduled by the host (2 cores shared by other processes)
            // holds up the join by one short run only, while the others take the rest
            long work = (long) m * n * k;
            int parts = (int) Math.min(batch, Math.max(CpuThreads.threads() * 4L, work * batch / (4 * PARALLEL_WORK)));
            List<Runnable> tasks = new ArrayList<>(parts);
            for (int t = 0; t < parts; t++) {
                int from = (int) ((long) batch * t / parts);
                int to = (int) ((long) batch * (t + 1) / parts);
                tasks.add(() -> matmul(a, la, b, lb, c, lc, from, to));
            }
            CpuThreads.invokeAll(tasks);
            return;
        }
        matmul(a, la, b, lb, c, lc, 0, batch);
    }

    /** {@link #matmul}'s products for the matrices {@code [from, to)} of the batch. */
    private static void matmul(CpuStorage a, Layout la, CpuStorage b, Layout lb, CpuStorage c, Layout lc,
                               int from, int to) {
        int m = la.size(1);
        int k = la.size(2);
        int n = lb.size(2);
        for (int bi = from; bi < to; bi++) {
            int ao = la.offset() + bi * la.stride(0);
            int bo = lb.offset() + bi * lb.stride(0);
            int co = lc.offset() + bi * lc.stride(0);
            if (a.dtype == DType.FLOAT32) {
                sgemm(MicroKernels.get(), m, n, k, (float[]) a.array, ao, la.stride(1), la.stride(2),
                        (float[]) b.array, bo, lb.stride(1), lb.stride(2), (float[]) c.array, co, lc.stride(1), lc.stride(2));
            } else {
                dgemm(m, n, k, (double[]) a.array, ao, la.stride(1), la.stride(2),
                        (double[]) b.array, bo, lb.stride(1), lb.stride(2), (double[]) c.array, co, lc.stride(1), lc.stride(2));
            }
        }
    }

    /** PyTorch's CPU bmm multiplies by its own loop below this {@code K * M * N} ({@code bmm_out_or_baddbmm_}). */
    static final long BMM_SMALL = 400;

    /**
     * {@code torch.bmm}'s product: {@link #matmul}, except that a batch of matrices with {@code K * M * N} under
     * {@link #BMM_SMALL} is multiplied as ATen's {@code baddbmm_cpu_kernel} does, each element an accumulator of the
     * type (float for float32 and the widened half types) starting at 0, to which the rounded products are added in k
     * order, with no fused multiply-add (that file is built without FMA contraction; Java never contracts). Checked
     * bit for bit by DistributionBits47Test (MultivariateNormal's and Wishart's samples).
     */
    static void bmm(CpuStorage a, Layout la, CpuStorage b, Layout lb, CpuStorage c, Layout lc) {
        int batch = la.size(0);
        int m = la.size(1);
        int k = la.size(2);
        int n = lb.size(2);
        if ((long) k * m * n >= BMM_SMALL) {
            matmul(a, la, b, lb, c, lc);
            return;
        }
        for (int bi = 0; bi < batch; bi++) {
            int ao = la.offset() + bi * la.stride(0);
            int bo = lb.offset() + bi * lb.stride(0);
            int co = lc.offset() + bi * lc.stride(0);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ai = ao + i * la.stride(1);
                    int bj = bo + j * lb.stride(2);
                    if (a.dtype == DType.FLOAT32) {
                        float[] x = (float[]) a.array;
                        float[] y = (float[]) b.array;
                        float acc = 0;
                        for (int p = 0; p < k; p++) {
                            acc += x[ai + p * la.stride(2)] * y[bj + p * lb.stride(1)];
                        }
                        ((float[]) c.array)[co + i * lc.stride(1) + j * lc.stride(2)] = acc;
                    } else {
                        double[] x = (double[]) a.array;
                        double[] y = (double[]) b.array;
                        double acc = 0;
                        for (int p = 0; p < k; p++) {
                            acc += x[ai + p * la.stride(2)] * y[bj + p * lb.stride(1)];
                        }
                        ((double[]) c.array)[co + i * lc.stride(1) + j * lc.stride(2)] = acc;
                    }
                }
            }
        }
    }

    /** Whether {@link #baddbmm} takes a batch of {@code [m, k] @ [k, n]} products: under {@link #BMM_SMALL}. */
    static boolean smallBaddbmm(int m, int k, int n) {
        return (long) k * m * n < BMM_SMALL;
    }

    /**
     * {@code torch.baddbmm}'s values for a batch under {@link #BMM_SMALL}, float32 or float64 (the half types come
     * widened), as ATen's {@code baddbmm_cpu_kernel}: per element an accumulator of the type starting at 0 to which the
     * rounded products are added in k order, then {@code r * beta + alpha * acc} (three roundings, no fused
     * multiply-add), or {@code alpha * acc} where beta converted to the type is 0 (self is not read: its NaN and
     * infinities do not reach the result), with beta and alpha converted to the type first. Self is read through its
     * own layout (stride 0 where it broadcasts); dst may be another storage. Checked bit for bit by
     * BaddbmmSmallBitsTest.
     */
    static void baddbmm(CpuStorage a, Layout la, CpuStorage b, Layout lb, CpuStorage self, Layout ls,
            double beta, double alpha, CpuStorage c, Layout lc) {
        int batch = la.size(0);
        int m = la.size(1);
        int k = la.size(2);
        int n = lb.size(2);
        boolean f32 = a.dtype == DType.FLOAT32;
        float betaF = (float) beta;
        float alphaF = (float) alpha;
        boolean readSelf = f32 ? betaF != 0 : beta != 0;
        for (int bi = 0; bi < batch; bi++) {
            int ao = la.offset() + bi * la.stride(0);
            int bo = lb.offset() + bi * lb.stride(0);
            int co = lc.offset() + bi * lc.stride(0);
            int so = ls.offset() + bi * ls.stride(0);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ai = ao + i * la.stride(1);
                    int bj = bo + j * lb.stride(2);
                    int ci = co + i * lc.stride(1) + j * lc.stride(2);
                    int si = so + i * ls.stride(1) + j * ls.stride(2);
                    if (f32) {
                        float[] x = (float[]) a.array;
                        float[] y = (float[]) b.array;
                        float acc = 0;
                        for (int p = 0; p < k; p++) {
                            acc += x[ai + p * la.stride(2)] * y[bj + p * lb.stride(1)];
                        }
                        ((float[]) c.array)[ci] = readSelf
                                ? ((float[]) self.array)[si] * betaF + alphaF * acc : alphaF * acc;
                    } else {
                        double[] x = (double[]) a.array;
                        double[] y = (double[]) b.array;
                        double acc = 0;
                        for (int p = 0; p < k; p++) {
                            acc += x[ai + p * la.stride(2)] * y[bj + p * lb.stride(1)];
                        }
                        ((double[]) c.array)[ci] = readSelf
                                ? ((double[]) self.array)[si] * beta + alpha * acc : alpha * acc;
                    }
                }
            }
        }
    }

    private static void parallelRows(int m, long work, RowRange body) {
        int blocks = (m + 63) / 64;
        if (CpuThreads.threads() < 2 || blocks < 2 || work < (1L << 18)) {
            body.run(0, m);
            return;
        }
        List<Runnable> tasks = new ArrayList<>();
        for (int blk = 0; blk < blocks; blk++) {
            int from = blk * 64;
            int to = Math.min(m, from + 64);
            tasks.add(() -> body.run(from, to));
        }
        CpuThreads.invokeAll(tasks);
    }

    private interface RowRange {
        void run(int from, int to);
    }

    /** {@code C = A B}. */
    static void sgemm(MicroKernels kernels, int m, int n, int k, float[] a, int ao, int ars, int acs, float[] b, int bo, int brs, int bcs,
                      float[] c, int co, int crs, int ccs) {
        sgemm(kernels, m, n, k, a, ao, ars, acs, b, bo, brs, bcs, c, co, crs, ccs, false);
    }

    /**
     * {@code C = A B}, or {@code C += A B} when {@code accumulate}, for any strides. The loops are BLIS's: B is packed
     * per (KC x NC) block into NR-wide panels shared by all threads; the rows of C (and, when there are too few of
     * them to keep every thread busy, its column panels) are split into tasks; each task packs its MC x KC block of A
     * into MR-high panels and runs the micro-kernel with the B panel outermost, so one B panel stays in L1 while the
     * A block (in L2) streams past it.
     */
    static void sgemm(MicroKernels kernels, int m, int n, int k, float[] a, int ao, int ars, int acs, float[] b, int bo, int brs, int bcs,
                      float[] c, int co, int crs, int ccs, boolean accumulate) {
        if ((m == 1 || n == 1) && k > 0 && (m == 1 ? gemv(n, k, a, ao, acs, b, bo, brs, bcs, c, co, ccs, accumulate)
                : gemv(m, k, b, bo, brs, a, ao, acs, ars, c, co, crs, accumulate))) {
            return;
        }
        if (dotsApply(m, n, k, acs, brs)) {
            dots(m, n, k, a, ao, ars, b, bo, bcs, c, co, crs, ccs, accumulate);
            return;
        }
        if (fewRowsApply(m, k, acs, brs)) {
            fewRows(m, n, k, a, ao, ars, b, bo, bcs, c, co, crs, ccs, accumulate);
            return;
        }
        Plan plan = plan(kernels, m, n, k, ars, acs, brs, bcs, crs, ccs);
        if (plan.transposed()) {
            blocked(plan.shape(), n, m, k, b, bo, bcs, brs, a, ao, acs, ars, c, co, ccs, crs, accumulate);
        } else {
            blocked(plan.shape(), m, n, k, a, ao, ars, acs, b, bo, brs, bcs, c, co, crs, ccs, accumulate);
        }
    }

    /** How {@link #blocked} runs a product: the tile shape, and whether as {@code C^T = B^T A^T}. */
    record Plan(MicroKernels shape, boolean transposed) {
    }

    /**
     * C = A B and C^T = B^T A^T are the same product: the orientation and tile shape that waste less of the kernel's
     * tiles and pack less ({@link #cost}); ties keep the plain orientation and the first shape. A convolution's weight
     * gradient, [16 x 100] x [100 x 150], runs twice as fast transposed; a Linear layer's {@code x W^T} at a batch of
     * 8 to 96 runs transposed with W in place (on AVX-512) (at 8 to 16, in the one-vector tile), from 112 plain with
     * W^T packed. Products under
     * {@link #PARALLEL_WORK} multiply-adds skip the shapes that serve only large ones.
     */
    static Plan plan(MicroKernels kernels, int m, int n, int k, int ars, int acs, int brs, int bcs, int crs, int ccs) {
        MicroKernels best = kernels;
        boolean transposed = false;
        long least = Long.MAX_VALUE;
        boolean large = (long) m * n * k >= PARALLEL_WORK;
        for (MicroKernels shape : kernels.shapes()) {
            if (shape.largeProductsOnly() && !large) {
                continue;
            }
            long plain = cost(shape, m, n, k, ars, acs, bcs, ccs);
            long flipped = cost(shape, n, m, k, bcs, brs, ars, crs);
            if (plain < least) {
                least = plain;
                best = shape;
                transposed = false;
            }
            if (flipped < least) {
                least = flipped;
                best = shape;
                transposed = true;
            }
        }
        return new Plan(best, transposed);
    }

    /** Most outputs a product may have to be computed as dot products ({@link #dots}). */
    static final int DOT_OUTPUTS = 512;

    /**
     * Whether {@code C = A B} runs as dot products: A's rows and B's columns both contiguous along the depth, few
     * outputs, a long depth (a convolution's weight gradient through its column matrix, {@code dW [og x ckk] += dy
     * [og x samples*pixels] col^T}: LeNet's first layer is [6 x 36,864] x [36,864 x 25]). The tile kernel would pad
     * the 150 outputs to 256 and pack 32-wide panels of B for every 150 multiply-adds of a depth step.
     */
    static boolean dotsApply(int m, int n, int k, int acs, int brs) {
        // one thread computes them: taken where the call could not use the pool anyway (inside a task: the convolution
        // splits its samples over the threads) or where the work is small
        return acs == 1 && brs == 1 && (long) m * n <= DOT_OUTPUTS && k >= 256 && ElementwiseKernels.loops() != null
                && (CpuThreads.threads() < 2 || CpuThreads.inTask() || (long) m * n * k < 64 * PARALLEL_WORK);
    }

    /** Most rows of A that {@link #fewRows} computes as dot products. */
    static final int FEW_ROWS = 4;

    /**
     * Whether {@code C = A B} runs as {@link #fewRows}: at most {@link #FEW_ROWS} rows of A, A's rows and B's columns
     * contiguous along a depth of at least 256 (a Linear layer's {@code x W^T} at a batch of 2 to 4: the tile kernel
     * would pack all of B for those few rows; RESULTS.md, session 33).
     */
    static boolean fewRowsApply(int m, int k, int acs, int brs) {
        return m <= FEW_ROWS && acs == 1 && brs == 1 && k >= 256 && ElementwiseKernels.loops() != null;
    }

    /**
     * {@code C (+)= A B} for a few rows of A: the dot products of {@link #dots}, each B column read once for every two
     * rows, B's columns split over the pool when the work is large enough and the pool is free. The parts start at
     * multiples of four columns: {@link #dots} takes whole groups of four from the start of its range through
     * {@code dots2x4}, whose lane sums are not {@code dot}'s, and the columns past the last group through {@code dot},
     * so a part starting elsewhere moved columns from one to the other and changed their bits with the thread count
     * (a Linear layer at a batch of 2 to 4, [2, 512] x [512, 1030]: columns 256 to 259 at two threads).
     */
    private static void fewRows(int m, int n, int k, float[] a, int ao, int ars, float[] b, int bo, int bcs,
                                float[] c, int co, int crs, int ccs, boolean accumulate) {
        int parts = CpuThreads.threads() < 2 || CpuThreads.inTask() || (long) m * n * k < 8 * PARALLEL_WORK ? 1
                : Math.min(CpuThreads.threads() * 2, (n + 63) / 64);
        List<Runnable> tasks = new ArrayList<>(parts);
        for (int t = 0; t < parts; t++) {
            int from = (int) ((long) n * t / parts) / 4 * 4;
            int to = t == parts - 1 ? n : (int) ((long) n * (t + 1) / parts) / 4 * 4;
            tasks.add(() -> dots(m, to - from, k, a, ao, ars, b, bo + from * bcs, bcs, c, co + from * ccs, crs, ccs,
                accumulate));
        }
        CpuThreads.invokeAll(tasks);
    }

    /**
     * {@code C (+)= A B} as dot products of A's rows with B's columns, two rows by four columns at a time; the last row
     * of an odd count as {@link #gemvColumns} computes a row vector's product (four columns at a time, dot's bits).
     */
    private static void dots(int m, int n, int k, float[] a, int ao, int ars, float[] b, int bo, int bcs,
                             float[] c, int co, int crs, int ccs, boolean accumulate) {
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        float[] out = new float[loops.dots2x4Scratch()];
        int m2 = m / 2 * 2;
        int n4 = n / 4 * 4;
        for (int i = 0; i < m2; i += 2) {
            int a0 = ao + i * ars;
            for (int j = 0; j < n; j += 4) {
                if (j < n4) {
                    loops.dots2x4(a, a0, a0 + ars, b, bo + j * bcs, bo + (j + 1) * bcs, bo + (j + 2) * bcs,
                            bo + (j + 3) * bcs, k, out);
                    for (int r = 0; r < 2; r++) {
                        for (int q = 0; q < 4; q++) {
                            int at = co + (i + r) * crs + (j + q) * ccs;
                            c[at] = accumulate ? c[at] + out[r * 4 + q] : out[r * 4 + q];
                        }
                    }
                } else {
                    for (int r = i; r < i + 2; r++) {
                        for (int q = j; q < n; q++) {
                            float sum = loops.dot(a, ao + r * ars, b, bo + q * bcs, k);
                            int at = co + r * crs + q * ccs;
                            c[at] = accumulate ? c[at] + sum : sum;
                        }
                    }
                }
            }
        }
        if (m2 < m) {
            gemvColumns(0, n, k, a, ao + m2 * ars, b, bo, bcs, c, co + m2 * crs, ccs, accumulate);
        }
    }

    /**
     * A row vector times a matrix, {@code c[j] (+)= sum_p x[p] B[p, j]} (a Linear layer at batch 1, or its weight
     * gradient's transpose): a tile kernel would pad the one row to six and pack all of B for it. Rows of B that lie
     * contiguously are added with vector multiply-adds; contiguous columns become dot products. Returns false for
     * other layouts, which take the blocked path.
     */
    private static boolean gemv(int n, int k, float[] x, int xo, int xs, float[] b, int bo, int brs, int bcs,
                                float[] c, int co, int ccs, boolean accumulate) {
        boolean rows = bcs == 1 && ccs == 1;
        if (!rows && !(brs == 1 && xs == 1)) {
            return false;
        }
        // large products split their columns over the pool (each task streams its share of B)
        int parts = CpuThreads.threads() < 2 || (long) n * k < PARALLEL_WORK * 8 ? 1 : Math.min(CpuThreads.threads() * 2, (n + 63) / 64);
        List<Runnable> tasks = new ArrayList<>(parts);
        for (int t = 0; t < parts; t++) {
            int from = (int) ((long) n * t / parts);
            int to = (int) ((long) n * (t + 1) / parts);
            tasks.add(rows ? () -> gemvRows(from, to, k, x, xo, xs, b, bo, brs, c, co, accumulate)
                    : () -> gemvColumns(from, to, k, x, xo, b, bo, bcs, c, co, ccs, accumulate));
        }
        CpuThreads.invokeAll(tasks);
        return true;
    }

    /** {@code c[from:to] (+)= sum_p x[p] B[p, from:to]} with B's rows and c contiguous. */
    private static void gemvRows(int from, int to, int k, float[] x, int xo, int xs, float[] b, int bo, int brs,
                                 float[] c, int co, boolean accumulate) {
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        int len = to - from;
        if (!accumulate) {
            java.util.Arrays.fill(c, co + from, co + to, 0f);
        }
        for (int p = 0; p < k; p++) {
            float xp = x[xo + p * xs];
            int row = bo + p * brs + from;
            if (loops != null) {
                loops.axpy(xp, b, row, c, co + from, len);
            } else {
                for (int j = 0; j < len; j++) {
                    c[co + from + j] = Math.fma(xp, b[row + j], c[co + from + j]);
                }
            }
        }
    }

    /** {@code c[j] (+)= dot(x, B[:, j])} for j in {@code [from, to)}, with x and B's columns contiguous. */
    private static void gemvColumns(int from, int to, int k, float[] x, int xo, float[] b, int bo, int bcs,
                                    float[] c, int co, int ccs, boolean accumulate) {
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        int j = from;
        if (loops != null) {
            // four columns at a time share the loads of x; each sum has the bits of its own dot below
            float[] out = new float[loops.dots1x4Scratch()];
            for (; j + 4 <= to; j += 4) {
                int col = bo + j * bcs;
                loops.dots1x4(x, xo, b, col, col + bcs, col + 2 * bcs, col + 3 * bcs, k, out);
                for (int q = 0; q < 4; q++) {
                    int at = co + (j + q) * ccs;
                    c[at] = accumulate ? c[at] + out[q] : out[q];
                }
            }
        }
        for (; j < to; j++) {
            int col = bo + j * bcs;
            float sum;
            if (loops != null) {
                sum = loops.dot(x, xo, b, col, k);
            } else {
                sum = 0f;
                for (int p = 0; p < k; p++) {
                    sum = Math.fma(x[xo + p], b[col + p], sum);
                }
            }
            c[co + j * ccs] = accumulate ? c[co + j * ccs] + sum : sum;
        }
    }

    /**
     * A model of one orientation's time in multiply-add units: the padded tiles the kernel computes, plus about 16
     * per element for packing an operand ({@link #TRANSPOSING_PACK_COST} for a B stored by columns), and
     * {@link #STORE_COST} per element and depth block for storing C element by element when its columns are strided.
     */
    private static long cost(MicroKernels kernels, int m, int n, int k, int ars, int acs, int bcs, int ccs) {
        int mr = kernels.mr();
        int nr = kernels.nr();
        long rowPanels = (m + mr - 1) / mr;
        long colPanels = (Math.min(n, NC) + nr - 1) / nr;
        long cost = kernels.tileCost(rowPanels * mr * ((n + nr - 1) / nr * nr) * (long) k);
        if (bcs != 1 || rowPanels > PACK_REUSE) {
            cost += (bcs != 1 ? TRANSPOSING_PACK_COST : 16L) * k * n;
        }
        if (packsA(ars, acs, colPanels)) {
            cost += 16L * k * m;
        }
        if (ccs != 1) {
            int kc = kc(m, Math.min(n, NC), k, mr, nr, acs == 1 && !packsA(ars, acs, colPanels));
            cost += (long) STORE_COST * m * n * ((k + kc - 1) / kc);
        }
        return cost;
    }

    /**
     * Whether A is packed for a product with {@code colPanels} column panels of C: when many panels reuse it, or when
     * neither its rows nor its columns are contiguous. A column-stored A (a transposed operand, as in a Linear layer's
     * weight gradient) read by four panels or fewer stays in place: packing it as well ran the GPT's weight gradients
     * at 160-173 / 168-174 GFLOP/s (qkv / fc) against 200-209 / 206-212 in place (two threads, GemmShapes, three
     * rounds, the depth split on in both).
     */
    static boolean packsA(int ars, int acs, long colPanels) {
        return colPanels > PACK_REUSE || (acs != 1 && ars != 1);
    }

    private static void blocked(MicroKernels kernels, int m, int n, int k, float[] a, int ao, int ars, int acs, float[] b, int bo,
                                int brs, int bcs, float[] c, int co, int crs, int ccs, boolean accumulate) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        c[co + i * crs + j * ccs] = 0f;
                    }
                }
            }
            return;
        }
        if (splitsDepth(m, n, k)) {
            splitDepth(kernels, m, n, k, a, ao, ars, acs, b, bo, brs, bcs, c, co, crs, ccs, accumulate);
            return;
        }
        int mr = kernels.mr();
        int nr = kernels.nr();
        int mc = mr * MC_PANELS;
        // every NC block but a narrower last one has as many column panels as the first
        int kcb = kc(m, Math.min(n, NC), k, mr, nr, acs == 1 && !packsA(ars, acs, (Math.min(n, NC) + nr - 1) / nr));
        int rowPanels = (m + mr - 1) / mr;
        // Packing pays off when a panel is reused many times; a B row-major in memory feeds the kernel as it is when
        // C has few row panels (a small-M product such as a convolution's per-sample GEMM), likewise A when C has few
        // column panels. Panels cut by the edge of C are always packed (zero-padded to the full tile).
        boolean packAllB = bcs != 1 || rowPanels > PACK_REUSE;
        MicroKernels packer = "false".equals(System.getProperty(PACK_A_VECTOR_PROPERTY)) ? null : kernels;
        float[] bp = Scratch.floats(Scratch.GEMM_B, kcb * MicroKernels.roundUp(packAllB ? Math.min(NC, n) : nr, nr));
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int colPanels = (nc + nr - 1) / nr;
            boolean packAllA = packsA(ars, acs, colPanels);
            int fullColPanels = nc / nr;
            for (int pc = 0; pc < k; pc += kcb) {
                int kc = Math.min(kcb, k - pc);
                boolean add = accumulate || pc > 0;
                if (packAllB) {
                    packB(kernels, b, bo, brs, bcs, pc, kc, jc, nc, nr, 0, colPanels, bp);
                } else if (fullColPanels < colPanels) {
                    packB(kernels, b, bo, brs, bcs, pc, kc, jc, nc, nr, fullColPanels, colPanels, bp);
                }
                // the task grid: rows first, then column panels when rows alone cannot feed every thread
                long work = (long) m * nc * kc;
                int want = CpuThreads.threads() < 2 || work < PARALLEL_WORK ? 1 : CpuThreads.threads() * 2;
                int rowTasks = Math.min(rowPanels, want);
                int colTasks = Math.min(colPanels, (want + rowTasks - 1) / rowTasks);
                int fpc = pc;
                int fjc = jc;
                List<Runnable> tasks = new ArrayList<>(rowTasks * colTasks);
                for (int rt = 0; rt < rowTasks; rt++) {
                    int rowFrom = rowPanels * rt / rowTasks * mr;
                    int rowTo = Math.min(m, rowPanels * (rt + 1) / rowTasks * mr);
                    for (int ct = 0; ct < colTasks; ct++) {
                        int panelFrom = colPanels * ct / colTasks;
                        int panelTo = colPanels * (ct + 1) / colTasks;
                        tasks.add(() -> {
                            float[] ap = Scratch.floats(Scratch.GEMM_A, mc * kc);
                            float[] scratch = Scratch.floats(Scratch.GEMM_TILE, mr * nr);
                            for (int ic = rowFrom; ic < rowTo; ic += mc) {
                                int mcc = Math.min(mc, rowTo - ic);
                                int fullRowPanels = mcc / mr;
                                if (packAllA) {
                                    packA(packer, a, ao, ars, acs, ic, mcc, fpc, kc, mr, 0, ap);
                                } else if (fullRowPanels * mr < mcc) {
                                    packA(packer, a, ao, ars, acs, ic, mcc, fpc, kc, mr, fullRowPanels * mr, ap);
                                }
                                for (int panel = panelFrom; panel < panelTo; panel++) {
                                    int jp = panel * nr;
                                    int w = Math.min(nr, nc - jp);
                                    float[] bArr;
                                    int bOff;
                                    int bStep;
                                    if (packAllB || panel >= fullColPanels) {
                                        bArr = bp;
                                        bOff = packAllB ? jp * kc : 0;
                                        bStep = nr;
                                    } else {
                                        bArr = b;
                                        bOff = bo + fpc * brs + (fjc + jp);
                                        bStep = brs;
                                    }
                                    for (int ip = 0; ip < mcc; ip += mr) {
                                        int h = Math.min(mr, mcc - ip);
                                        int cOff = co + (ic + ip) * crs + (fjc + jp) * ccs;
                                        if (packAllA || ip >= fullRowPanels * mr) {
                                            kernels.sgemmTile(kc, ap, ip * kc, 1, mr, bArr, bOff, bStep,
                                                    c, cOff, crs, ccs, h, w, add, scratch);
                                        } else {
                                            kernels.sgemmTile(kc, a, ao + (ic + ip) * ars + fpc * acs, ars, acs, bArr, bOff, bStep,
                                                    c, cOff, crs, ccs, h, w, add, scratch);
                                        }
                                    }
                                }
                            }
                        });
                    }
                }
                CpuThreads.invokeAll(tasks);
            }
        }
    }

    /**
     * Whether the depth is split between the threads instead of C's rows and columns: a small C (it stays in L2)
     * over a long depth, as a Linear layer's weight gradient ([out x tokens] x [tokens x in]). Split by rows, such a
     * product's threads met at two barriers per k block and read each other's halves of the packed B block: on the
     * Intel Xeon, two threads ran the GPT's weight gradients at 120-131 GFLOP/s, what one thread reaches alone.
     */
    static boolean splitsDepth(int m, int n, int k) {
        return SPLIT_DEPTH && CpuThreads.threads() >= 2 && k >= 4L * Math.max(m, n) && k >= 512 && cFitsL2(m, n)
                && (long) m * n * k >= 64 * PARALLEL_WORK && !CpuThreads.inTask();
    }

    /**
     * {@code C (+)= A B} with the depth cut into one range per thread: the first range accumulates into C itself, each
     * other one multiplies into its thread's scratch, and the partial products are added to C in range order after the
     * join (so the sum is the same whichever thread ran which range).
     */
    private static void splitDepth(MicroKernels kernels, int m, int n, int k, float[] a, int ao, int ars, int acs,
                                   float[] b, int bo, int brs, int bcs, float[] c, int co, int crs, int ccs,
                                   boolean accumulate) {
        int parts = (int) Math.min(CpuThreads.threads(), k / 256);
        // the partial products live in the calling thread's scratch, which no other job can touch
        float[] partials = Scratch.floats(Scratch.GEMM_PARTIAL, (parts - 1) * m * n);
        List<Runnable> tasks = new ArrayList<>(parts);
        for (int t = 0; t < parts; t++) {
            int from = (int) ((long) k * t / parts);
            int to = (int) ((long) k * (t + 1) / parts);
            int pOff = (t - 1) * m * n;
            tasks.add(() -> {
                int aOff = ao + from * acs;
                int bOff = bo + from * brs;
                if (pOff < 0) {
                    blocked(kernels, m, n, to - from, a, aOff, ars, acs, b, bOff, brs, bcs, c, co, crs, ccs, accumulate);
                } else {
                    blocked(kernels, m, n, to - from, a, aOff, ars, acs, b, bOff, brs, bcs, partials, pOff, n, 1, false);
                }
            });
        }
        CpuThreads.invokeAll(tasks);
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        for (int t = 1; t < parts; t++) {
            for (int i = 0; i < m; i++) {
                int cRow = co + i * crs;
                int pRow = (t - 1) * m * n + i * n;
                if (ccs == 1 && loops != null) {
                    loops.addTo(partials, pRow, c, cRow, n);
                } else {
                    for (int j = 0; j < n; j++) {
                        c[cRow + j * ccs] += partials[pRow + j];
                    }
                }
            }
        }
    }

    /**
     * {@code -Dember.cpu.gemmPackAVector=false} (read per product) packs A with the scalar copies of the path before
     * session 62 instead of the kernel's ({@link MicroKernels#packRows}, {@link MicroKernels#packColumnMajor}: on AVX2
     * a six-row transpose in registers and a vector a panel row). The same floats land in the same places either way;
     * A's packing took 16% of the GPT's single-threaded training step (JFR, session 62), most of its products having
     * only 128 columns of C to spread it over.
     */
    static final String PACK_A_VECTOR_PROPERTY = "ember.cpu.gemmPackAVector";

    /**
     * Packs rows {@code [ic + from, ic + mc)} of {@code A[., pc:pc+kc]} into MR-high row panels, k-major inside a
     * panel (zero-padded rows); row {@code ic + i} lands in the panel at {@code ap[i * kc]}. {@code packer} (null:
     * the scalar copies below) packs the whole panels of an A stored by rows and every panel of one stored by columns.
     */
    static void packA(MicroKernels packer, float[] a, int ao, int ars, int acs, int ic, int mc, int pc, int kc, int mr,
                      int from, float[] ap) {
        boolean columnMajor = ars == 1 && acs != 1;
        for (int ip = from; ip < mc; ip += mr) {
            int h = Math.min(mr, mc - ip);
            int base = ip * kc;
            int rowBase = ao + (ic + ip) * ars + pc * acs;
            if (h < mr) {
                java.util.Arrays.fill(ap, base, base + kc * mr, 0f);
            }
            if (columnMajor) {
                continue;
            }
            if (acs == 1 && h == mr && packer != null) {
                packer.packRows(a, rowBase, ars, kc, mr, ap, base);
            } else if (acs == 1) {
                for (int r = 0; r < h; r++) {
                    int src = rowBase + r * ars;
                    int dst = base + r;
                    for (int p = 0; p < kc; p++) {
                        ap[dst + p * mr] = a[src + p];
                    }
                }
            } else if (ars != 1) {
                for (int p = 0; p < kc; p++) {
                    int src = rowBase + p * acs;
                    int dst = base + p * mr;
                    for (int r = 0; r < h; r++) {
                        ap[dst + r] = a[src + r * ars];
                    }
                }
            }
        }
        if (columnMajor && packer != null) {
            packer.packColumnMajor(a, ao + ic + pc * acs, acs, kc, mc, from, mr, ap);
        } else if (columnMajor) {
            // A stored by columns (a transposed operand): read each of its columns once, front to back, and deal it
            // out to the panels. Panel by panel, each k step read mr floats a column apart, a stride the hardware
            // prefetchers do not follow across pages: cold operands (a weight gradient's) then cost a miss a step.
            for (int p = 0; p < kc; p++) {
                int src = ao + ic * ars + (pc + p) * acs;
                for (int ip = from; ip < mc; ip += mr) {
                    int h = Math.min(mr, mc - ip);
                    int dst = ip * kc + p * mr;
                    for (int r = 0; r < h; r++) {
                        ap[dst + r] = a[src + ip + r];
                    }
                }
            }
        }
    }

    /**
     * Packs the column panels {@code [first, last)} of {@code B[pc:pc+kc, jc:jc+nc]} into NR-wide panels
     * (zero-padded) from the start of {@code bp}, split across the worker pool when the block is large.
     */
    private static void packB(MicroKernels kernels, float[] b, int bo, int brs, int bcs, int pc, int kc, int jc, int nc,
                              int nr, int first, int last, float[] bp) {
        int panels = last - first;
        int parts = (long) kc * panels * nr < (1 << 16) ? 1 : Math.min(panels, CpuThreads.threads() * 2);
        List<Runnable> tasks = new ArrayList<>();
        for (int t = 0; t < parts; t++) {
            int from = first + panels * t / parts;
            int to = first + panels * (t + 1) / parts;
            tasks.add(() -> {
                if (bcs == 1) {
                    // row by row across the panels, so each row of B is read front to back once (panel by panel, a
                    // cold B cost a miss every nr floats)
                    for (int p = 0; p < kc; p++) {
                        int src = bo + (pc + p) * brs + jc;
                        for (int panel = from; panel < to; panel++) {
                            int jp = panel * nr;
                            int w = Math.min(nr, nc - jp);
                            int dst = (panel - first) * nr * kc + p * nr;
                            System.arraycopy(b, src + jp, bp, dst, w);
                            if (w < nr) {
                                java.util.Arrays.fill(bp, dst + w, dst + nr, 0f);
                            }
                        }
                    }
                    return;
                }
                for (int panel = from; panel < to; panel++) {
                    int jp = panel * nr;
                    int w = Math.min(nr, nc - jp);
                    int base = (panel - first) * nr * kc;
                    int src0 = bo + pc * brs + (jc + jp) * bcs;
                    if (w < nr) {
                        for (int p = 0; p < kc; p++) {
                            java.util.Arrays.fill(bp, base + p * nr + w, base + (p + 1) * nr, 0f);
                        }
                    }
                    if (brs == 1) {
                        // B stored by columns (a transposed operand): the kernel's transposing copy
                        kernels.packColumns(b, src0, bcs, kc, w, bp, base, nr);
                        continue;
                    }
                    // neither B's rows nor its columns contiguous: walk each column
                    for (int j = 0; j < w; j++) {
                        int src = src0 + j * bcs;
                        int dst = base + j;
                        for (int p = 0; p < kc; p++) {
                            bp[dst + p * nr] = b[src + p * brs];
                        }
                    }
                }
            });
        }
        CpuThreads.invokeAll(tasks);
    }

    static void dgemm(int m, int n, int k, double[] a, int ao, int ars, int acs, double[] b, int bo, int brs, int bcs,
                      double[] c, int co, int crs, int ccs) {
        if (m == 0 || n == 0) {
            return;
        }
        parallelRows(m, (long) m * n * k, (from, to) -> {
            double[] row = new double[n];
            for (int i = from; i < to; i++) {
                java.util.Arrays.fill(row, 0);
                for (int p = 0; p < k; p++) {
                    double av = a[ao + i * ars + p * acs];
                    int bb = bo + p * brs;
                    if (bcs == 1) {
                        for (int j = 0; j < n; j++) {
                            row[j] += av * b[bb + j];
                        }
                    } else {
                        for (int j = 0; j < n; j++) {
                            row[j] += av * b[bb + j * bcs];
                        }
                    }
                }
                for (int j = 0; j < n; j++) {
                    c[co + i * crs + j * ccs] = row[j];
                }
            }
        });
    }
}
