package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;
import dev.ember.backend.ReduceOp;


/**
 * Reductions whose kept dimensions include the source's contiguous one ({@code x.sum(0)} of a row-major matrix, a sum
 * over the batch and the positions of {@code [N, C, L]} keeping {@code L}): the per-output loop would walk each output's
 * column through memory, a cache line per element; here each output keeps an accumulator and the reduced positions
 * are visited in their order with a contiguous row of outputs at each, so every line is read once. Float32 and float64
 * sums accumulate in double, int64 and int32 sums into int64 in long (wrapping as PyTorch's), max and min keep their
 * NaN propagation, argmax and argmin (float32 and float64) keep each output's best value and its position, and every
 * output sees its inputs in the order the per-output loop would (so max, min, argmax, argmin and integer sums give the
 * same bits, float sums the same up to double rounding).
 */
final class ColumnReduce {
    /** Rows shorter than this are not worth the accumulators. */
    private static final int MIN_ROW = 8;
    /** Outputs per task and per accumulator block, so the accumulators stay in L1. */
    private static final int BLOCK = 1024;
    /** The step of {@link #blockFor}'s smaller blocks: 64 floats, 256 bytes, whole passes of any vector width. */
    private static final int COLUMN_STEP = 64;

    private ColumnReduce() {
    }

    /** Whether {@code op} on {@code src} in {@code ls} into {@code dst} keeping {@code keptDims} goes by rows. */
    static boolean applies(ReduceOp op, CpuStorage src, Layout ls, CpuStorage dst, int[] keptDims) {
        boolean sum = op == ReduceOp.SUM && (src.dtype == DType.FLOAT32 || src.dtype == DType.FLOAT64
                || integerSum(src, dst));
        boolean extreme = (op == ReduceOp.MAX || op == ReduceOp.MIN)
                && (src.dtype == DType.FLOAT32 || src.dtype == DType.FLOAT64);
        boolean arg = (op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN)
                && (src.dtype == DType.FLOAT32 || src.dtype == DType.FLOAT64) && dst.dtype == DType.INT64
                && !Boolean.getBoolean("ember.columnReduce.noArg");
        if (!sum && !extreme && !arg) {
            return false;
        }
        return contiguousKept(ls, keptDims) >= 0;
    }

    /** An int64 or int32 source summed into int64: long accumulators. */
    private static boolean integerSum(CpuStorage src, CpuStorage dst) {
        return (src.dtype == DType.INT64 || src.dtype == DType.INT32) && dst.dtype == DType.INT64;
    }

    /** The kept dimension the source holds contiguously (stride 1, at least {@link #MIN_ROW} long), or -1. */
    private static int contiguousKept(Layout ls, int[] keptDims) {
        for (int d : keptDims) {
            if (ls.stride(d) == 1 && ls.size(d) >= MIN_ROW) {
                return d;
            }
        }
        return -1;
    }

    static void run(ReduceOp op, CpuStorage src, Layout ls, CpuStorage dst, Layout ld, int[] keptDims, int[] redShape,
                    int[] redStrides, int redCount) {
        int row = contiguousKept(ls, keptDims);
        int length = ls.size(row);
        int dstStride = ld.stride(row);
        // kept dimensions that continue the row in both the source and the result ([64, 128, 256].sum(0): rows of
        // 128 * 256, not 256) make it longer, so each reduced position's part is one long run
        boolean[] inRow = new boolean[ls.rank()];
        inRow[row] = true;
        int m = keptDims.length - 1;
        for (boolean grown = true; grown; ) {
            grown = false;
            for (int d : keptDims) {
                if (!inRow[d] && ls.size(d) > 1 && ls.stride(d) == length
                        && ld.stride(d) == (long) dstStride * length) {
                    length *= ls.size(d);
                    inRow[d] = true;
                    m--;
                    grown = true;
                }
            }
        }
        int rowLength = length;
        int outerCount = m;
        // the other kept dimensions: one block of rows per position
        int[] outer = new int[m];
        int[] outerSrc = new int[m];
        int[] outerDst = new int[m];
        int k = 0;
        long positions = 1;
        for (int d : keptDims) {
            if (!inRow[d]) {
                outer[k] = ls.size(d);
                outerSrc[k] = ls.stride(d);
                outerDst[k] = ld.stride(d);
                positions *= outer[k];
                k++;
            }
        }
        long work = positions * length * (long) redCount;
        int threads = CpuThreads.threads();
        boolean parallel = threads >= 2 && work >= 2L * StridedLoop.PARALLEL_GRAIN && !CpuThreads.inTask();
        boolean rowByRow = Boolean.getBoolean("ember.columnReduce.rowByRow");
        boolean swapHalves = Boolean.getBoolean(ReduceKernels.SWAP_HALVES);
        int block = !rowByRow && parallel ? blockFor(length, positions, threads) : BLOCK;
        int blocks = (length + block - 1) / block;
        long units = positions * blocks;
        int chunks = parallel ? (int) Math.min(units, threads * 4L) : 1;
        // units <= output elements, an int (one Java array holds them)
        boolean integer = integerSum(src, dst);
        boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
        // float32 max and min keep float accumulators (-Dember.columnReduce.widenExtremes=true: double ones, widening
        // every float, the old path): the same values, half the vector work
        boolean floatExtreme = (op == ReduceOp.MAX || op == ReduceOp.MIN) && src.dtype == DType.FLOAT32
                && ElementwiseKernels.loops() != null && !Boolean.getBoolean("ember.columnReduce.widenExtremes");
        CpuThreads.parallelFor((int) units, chunks, (task, f, t) -> {
            ArgBlock args = arg ? new ArgBlock(op == ReduceOp.ARGMAX, src, Math.min(block, rowLength), redCount) : null;
            float[] accF = floatExtreme ? new float[Math.min(block, rowLength)] : null;
            double[] acc = integer || arg || floatExtreme ? null : new double[Math.min(block, rowLength)];
            long[] sums = integer ? new long[Math.min(block, rowLength)] : null;
            for (long u = f; u < t; u++) {
                long p = u / blocks;
                int j0 = (int) (u % blocks) * block;
                int j1 = Math.min(rowLength, j0 + block);
                int so = ls.offset() + j0;
                int dof = ld.offset() + j0 * dstStride;
                for (int d = outerCount - 1; d >= 0; d--) {
                    int idx = (int) (p % outer[d]);
                    p /= outer[d];
                    so += idx * outerSrc[d];
                    dof += idx * outerDst[d];
                }
                if (arg) {
                    args.run(so, j1 - j0, redShape, redStrides, redCount, dst, dof, dstStride);
                    continue;
                }
                if (floatExtreme) {
                    floatExtremeBlock(op == ReduceOp.MAX, (float[]) src.array, so, j1 - j0, redShape, redStrides,
                            redCount, accF);
                    for (int j = 0; j < j1 - j0; j++) {
                        dst.setDouble(dof + j * dstStride, accF[j]);
                    }
                    continue;
                }
                if (integer) {
                    integerBlock(src, so, j1 - j0, redShape, redStrides, redCount, sums);
                    for (int j = 0; j < j1 - j0; j++) {
                        dst.setLong(dof + j * dstStride, sums[j]);
                    }
                    continue;
                }
                block(op, src, so, j1 - j0, redShape, redStrides, redCount, acc, !rowByRow, swapHalves);
                for (int j = 0; j < j1 - j0; j++) {
                    dst.setDouble(dof + j * dstStride, acc[j]);
                }
            }
        });
    }

    /**
     * The outputs per block when the source has few rows of outputs ({@code positions} of {@code length}): a row
     * shorter than {@link #BLOCK} made one block, so the whole reduction ran on one thread ({@code x.sum(0)} of
     * {@code [2048, 512]}, the bias gradient of a Linear layer). Blocks of whole {@link #COLUMN_STEP} runs, about two
     * per thread; each output is still reduced whole by one task in the same order, so the values do not change.
     * {@code -Dember.columnReduce.rowByRow=true} (read per call) keeps the blocks of {@link #BLOCK}.
     */
    private static int blockFor(int length, long positions, int threads) {
        long want = 2L * threads;
        if (positions * ((length + BLOCK - 1) / BLOCK) >= want) {
            return BLOCK;
        }
        long perPosition = (want + positions - 1) / positions;
        long cols = (length + perPosition - 1) / perPosition;
        cols = (cols + COLUMN_STEP - 1) / COLUMN_STEP * COLUMN_STEP;
        return (int) Math.min(BLOCK, Math.max(COLUMN_STEP, cols));
    }

    /**
     * Reduces {@code n} contiguous outputs starting at source offset {@code base} into {@code acc}. A float32 sum with
     * the vector loops adds four reduced positions at a time ({@code fourRows}; {@code
     * FloatLoops.addWidened4}, the same additions in the same order), so each accumulator is loaded and stored once
     * for four source rows ({@code swapHalves}: {@link ReduceKernels#SWAP_HALVES}).
     */
    private static void block(ReduceOp op, CpuStorage src, int base, int n, int[] redShape, int[] redStrides, int count,
                              double[] acc, boolean fourRows, boolean swapHalves) {
        int r = redShape.length;
        int[] idx = new int[r];
        int off = base;
        boolean sum = op == ReduceOp.SUM;
        boolean max = op == ReduceOp.MAX;
        float[] f = src.dtype == DType.FLOAT32 ? (float[]) src.array : null;
        double[] g = f == null ? (double[]) src.array : null;
        java.util.Arrays.fill(acc, 0, n, sum ? 0 : max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        int done = 0;
        if (fourRows && sum && f != null && loops != null) {
            for (; done + 4 <= count; done += 4) {
                int o0 = off;
                int o1 = next(idx, r, o0, redShape, redStrides);
                int o2 = next(idx, r, o1, redShape, redStrides);
                int o3 = next(idx, r, o2, redShape, redStrides);
                off = next(idx, r, o3, redShape, redStrides);
                loops.addWidened4(f, o0, o1, o2, o3, acc, n, swapHalves);
            }
        }
        for (; done < count; done++) {
            if (loops != null) {
                if (sum) {
                    if (f != null) {
                        loops.addWidened(f, off, acc, n);
                    } else {
                        loops.addTo(g, off, acc, n);
                    }
                } else if (f != null) {
                    loops.extremeInto(max, f, off, acc, n);
                } else {
                    loops.extremeInto(max, g, off, acc, n);
                }
            } else if (sum && g != null) {
                for (int j = 0; j < n; j++) {
                    acc[j] += g[off + j];
                }
            } else if (sum) {
                for (int j = 0; j < n; j++) {
                    acc[j] += f[off + j];
                }
            } else if (f != null) {
                if (max) {
                    for (int j = 0; j < n; j++) {
                        acc[j] = Math.max(acc[j], f[off + j]);
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        acc[j] = Math.min(acc[j], f[off + j]);
                    }
                }
            } else if (max) {
                for (int j = 0; j < n; j++) {
                    acc[j] = Math.max(acc[j], g[off + j]);
                }
            } else {
                for (int j = 0; j < n; j++) {
                    acc[j] = Math.min(acc[j], g[off + j]);
                }
            }
            off = next(idx, idx.length, off, redShape, redStrides);
        }
    }

    /**
     * Argmax and argmin by rows ({@code x.argmax(1)} of {@code [16, 128, 512]}): each output keeps its best value and
     * position, the reduced positions visited in their order, a later value replacing the best only where the
     * per-output loop's rule does (strictly better or a NaN, never after a NaN), so the same positions as there.
     * Float32 with the vector loops holds positions as floats while they are exact (below 2^24). The per-output loop
     * walked each output's column with a stride and {@code getDouble}: {@code -Dember.columnReduce.noArg=true} keeps it
     * (the old path, for before/after runs).
     */
    private static final class ArgBlock {
        private final boolean max;
        private final float[] f;
        private final double[] g;
        private final boolean vector;
        private final float[] bestF;
        private final float[] posF;
        private final double[] bestD;
        private final long[] posD;
        private final ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();

        ArgBlock(boolean max, CpuStorage src, int width, int count) {
            this.max = max;
            f = src.dtype == DType.FLOAT32 ? (float[]) src.array : null;
            g = f == null ? (double[]) src.array : null;
            vector = f != null && loops != null && count <= 1 << 24;
            bestF = vector ? new float[width] : null;
            posF = vector ? new float[width] : null;
            bestD = vector ? null : new double[width];
            posD = vector ? null : new long[width];
        }

        /** The {@code n} outputs from source offset {@code base}, written to {@code dst} from {@code dof}. */
        void run(int base, int n, int[] redShape, int[] redStrides, int count, CpuStorage dst, int dof, int dstStride) {
            int[] idx = new int[redShape.length];
            int off = base;
            long[] out = (long[]) dst.array;
            if (vector) {
                System.arraycopy(f, off, bestF, 0, n);
                java.util.Arrays.fill(posF, 0, n, 0f);
                for (int done = 1; done < count; done++) {
                    off = next(idx, idx.length, off, redShape, redStrides);
                    loops.argExtremeInto(max, f, off, bestF, posF, done, n);
                }
                for (int j = 0; j < n; j++) {
                    out[dof + j * dstStride] = (long) posF[j];
                }
                return;
            }
            for (int j = 0; j < n; j++) {
                bestD[j] = f != null ? f[off + j] : g[off + j];
            }
            java.util.Arrays.fill(posD, 0, n, 0L);
            for (int done = 1; done < count; done++) {
                off = next(idx, idx.length, off, redShape, redStrides);
                for (int j = 0; j < n; j++) {
                    double v = f != null ? f[off + j] : g[off + j];
                    double b = bestD[j];
                    if (!Double.isNaN(b) && ((max ? v > b : v < b) || Double.isNaN(v))) {
                        bestD[j] = v;
                        posD[j] = done;
                    }
                }
            }
            for (int j = 0; j < n; j++) {
                out[dof + j * dstStride] = posD[j];
            }
        }
    }

    /** {@link #block}'s float32 max ({@code max}) or min into float accumulators, by the vector loops. */
    private static void floatExtremeBlock(boolean max, float[] f, int base, int n, int[] redShape, int[] redStrides,
                                          int count, float[] acc) {
        int[] idx = new int[redShape.length];
        int off = base;
        java.util.Arrays.fill(acc, 0, n, max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        for (int done = 0; done < count; done++) {
            loops.extremeIntoFloats(max, f, off, acc, n);
            off = next(idx, idx.length, off, redShape, redStrides);
        }
    }

    /** {@link #block}'s integer sums: {@code n} outputs from {@code base}, each the wrapping long sum of its column. */
    private static void integerBlock(CpuStorage src, int base, int n, int[] redShape, int[] redStrides, int count,
                                     long[] sums) {
        int[] idx = new int[redShape.length];
        int off = base;
        long[] l = src.dtype == DType.INT64 ? (long[]) src.array : null;
        int[] i32 = l == null ? (int[]) src.array : null;
        java.util.Arrays.fill(sums, 0, n, 0L);
        for (int done = 0; done < count; done++) {
            if (l != null) {
                for (int j = 0; j < n; j++) {
                    sums[j] += l[off + j];
                }
            } else {
                for (int j = 0; j < n; j++) {
                    sums[j] += i32[off + j];
                }
            }
            off = next(idx, idx.length, off, redShape, redStrides);
        }
    }

    /**
     * Steps the position {@code idx} over the first {@code dims} reduced dimensions (offset {@code off}) to the next one
     * in row-major order; returns its offset.
     */
    static int next(int[] idx, int dims, int off, int[] redShape, int[] redStrides) {
        for (int d = dims - 1; d >= 0; d--) {
            idx[d]++;
            off += redStrides[d];
            if (idx[d] < redShape[d]) {
                break;
            }
            off -= redStrides[d] * redShape[d];
            idx[d] = 0;
        }
        return off;
    }
}
