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
 * same bits, float sums the same up to double rounding). A float32 sum over many reduced positions into few outputs
 * (a bias gradient) adds them in fixed blocks of positions, the blocks' double partials then in order
 * ({@link #sumByRowBlocks}).
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
        boolean oldRows = Boolean.getBoolean(ReduceKernels.OLD_ROWS);
        if (rowBlocks(op, src, dst, redCount, positions * rowLength)) {
            sumByRowBlocks(src, ls.offset(), ld.offset(), dstStride, dst, rowLength, outer, outerSrc, outerDst, positions,
                    redShape, redStrides, redCount, parallel, swapHalves);
            return;
        }
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
        // a float32 result written straight into its array ((float) of the double, as setDouble rounds it), not through
        // setDouble's type switch per output; oldRows keeps setDouble
        float[] dstF = dst.dtype == DType.FLOAT32 && !oldRows ? (float[]) dst.array : null;
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
                            redCount, accF, !oldRows);
                    if (dstF != null) {
                        for (int j = 0; j < j1 - j0; j++) {
                            dstF[dof + j * dstStride] = accF[j];
                        }
                        continue;
                    }
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
                block(op, src, so, j1 - j0, redShape, redStrides, new int[redShape.length], redCount, acc, !rowByRow,
                        swapHalves);
                if (dstF != null) {
                    for (int j = 0; j < j1 - j0; j++) {
                        dstF[dof + j * dstStride] = (float) acc[j];
                    }
                    continue;
                }
                for (int j = 0; j < j1 - j0; j++) {
                    dst.setDouble(dof + j * dstStride, acc[j]);
                }
            }
        });
    }

    /**
     * Reduced positions per block of {@link #sumByRowBlocks} at least: a block of a {@code [2048, 512]} bias gradient is
     * 256 rows of 2 KiB, 512 KiB read front to back.
     */
    static final int ROW_BLOCK = 256;
    /** At most this many blocks of reduced positions ({@link #sumByRowBlocks}'s partial sums stay small). */
    private static final int MAX_ROW_BLOCKS = 16;
    /**
     * {@link #sumByRowBlocks} for at most this many outputs (its partial sums: at most 8 MiB), where a column sum has
     * few blocks of outputs to share between threads; more outputs keep one chain each.
     */
    private static final int ROW_BLOCK_MAX_OUTPUTS = 1 << 16;
    /**
     * {@code -Dember.columnReduce.wholeColumns=true} (read per call): a float32 column sum adds each output's reduced
     * positions in one chain, splitting only the outputs between threads (the old path, for before/after runs).
     */
    static final String WHOLE_COLUMNS = "ember.columnReduce.wholeColumns";

    /**
     * Whether a float32 sum into double accumulators goes by {@link #sumByRowBlocks}: over at least two
     * {@link #ROW_BLOCK}s of reduced positions into at most {@link #ROW_BLOCK_MAX_OUTPUTS} outputs. Decided by the op,
     * the types and the shape alone, never the thread count, so a sum's bits are the same on any number of threads.
     */
    private static boolean rowBlocks(ReduceOp op, CpuStorage src, CpuStorage dst, int redCount, long outputs) {
        return op == ReduceOp.SUM && src.dtype == DType.FLOAT32 && !integerSum(src, dst)
                && redCount >= 2 * ROW_BLOCK && outputs <= ROW_BLOCK_MAX_OUTPUTS && !Boolean.getBoolean(WHOLE_COLUMNS);
    }

    /**
     * The reduced positions per block of {@link #sumByRowBlocks} for {@code redCount} of them: {@link #ROW_BLOCK}, or
     * more (a multiple of four) where that would make more than {@link #MAX_ROW_BLOCKS} blocks. A function of the
     * count alone.
     */
    static int rowsPerBlock(int redCount) {
        int per = (int) ((redCount + (long) MAX_ROW_BLOCKS - 1) / MAX_ROW_BLOCKS);
        per = (per + 3) / 4 * 4;
        return Math.max(ROW_BLOCK, per);
    }

    /**
     * A float32 sum over many reduced positions ({@code x.sum(0)} of {@code [2048, 512]}, the bias gradient of a Linear
     * layer): the reduced positions are cut into consecutive blocks of {@link #rowsPerBlock} (the last one shorter),
     * each block's outputs summed from +0.0 in double in the positions' order (four at a time, {@link #block}), and each
     * output is then its blocks' partial sums added in block order, first to last, rounded once to float. The blocks
     * depend on the shape alone, so the bits are the same on any number of threads. The threads share the blocks (and
     * blocks of {@link #BLOCK} outputs), each reading its rows front to back: the old split gave each thread a strip of
     * columns down every row (512 bytes of each 2 KiB row of a {@code [2048, 512]} gradient), which cost it about 1.5x
     * the CPU time per element. {@link #WHOLE_COLUMNS} keeps that path.
     */
    private static void sumByRowBlocks(CpuStorage src, int srcOffset, int dstOffset, int dstStride, CpuStorage dst,
                                       int rowLength, int[] outer, int[] outerSrc, int[] outerDst, long positions,
                                       int[] redShape, int[] redStrides, int redCount, boolean parallel,
                                       boolean swapHalves) {
        int per = rowsPerBlock(redCount);
        int rowBlocks = (redCount + per - 1) / per;
        int colBlocks = (rowLength + BLOCK - 1) / BLOCK;
        long outputs = positions * rowLength;
        // units <= outputs * rowBlocks / BLOCK: an int, as the partial sums (outputs * rowBlocks doubles) fit arrays
        int cells = (int) (positions * colBlocks);
        int units = cells * rowBlocks;
        int threads = CpuThreads.threads();
        int chunks = parallel ? Math.min(units, threads * 4) : 1;
        double[][] partial = new double[rowBlocks][(int) outputs];
        int width = Math.min(BLOCK, rowLength);
        CpuThreads.parallelFor(units, chunks, (task, f, t) -> {
            double[] acc = new double[width];
            int[] idx = new int[redShape.length];
            for (int u = f; u < t; u++) {
                int b = u % rowBlocks;
                int cell = u / rowBlocks;
                int j0 = (cell % colBlocks) * BLOCK;
                int j1 = Math.min(rowLength, j0 + BLOCK);
                long p = cell / colBlocks;
                long at = p * rowLength + j0;
                int so = srcOffset + j0 + outerOffset(p, outer, outerSrc);
                int from = b * per;
                int count = Math.min(redCount, from + per) - from;
                // the offset of reduced position from: its odometer position, unravelled
                int rest = from;
                for (int d = redShape.length - 1; d >= 0; d--) {
                    idx[d] = rest % redShape[d];
                    rest /= redShape[d];
                    so += idx[d] * redStrides[d];
                }
                block(ReduceOp.SUM, src, so, j1 - j0, redShape, redStrides, idx, count, acc, true, swapHalves);
                System.arraycopy(acc, 0, partial[b], (int) at, j1 - j0);
            }
        });
        CpuThreads.parallelFor(cells, parallel ? Math.min(cells, threads * 4) : 1, (task, f, t) -> {
            for (int cell = f; cell < t; cell++) {
                int j0 = (cell % colBlocks) * BLOCK;
                int j1 = Math.min(rowLength, j0 + BLOCK);
                long p = cell / colBlocks;
                int at = (int) (p * rowLength + j0);
                int dof = dstOffset + j0 * dstStride + outerOffset(p, outer, outerDst);
                for (int j = 0; j < j1 - j0; j++) {
                    double s = partial[0][at + j];
                    for (int b = 1; b < rowBlocks; b++) {
                        s += partial[b][at + j];
                    }
                    dst.setDouble(dof + j * dstStride, s);
                }
            }
        });
    }

    /** The offset, by {@code strides}, of position {@code p} (row-major) of the kept dimensions outside the row. */
    private static int outerOffset(long p, int[] outer, int[] strides) {
        int off = 0;
        for (int d = outer.length - 1; d >= 0; d--) {
            off += (int) (p % outer[d]) * strides[d];
            p /= outer[d];
        }
        return off;
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
     * Reduces {@code n} contiguous outputs into {@code acc} over {@code count} reduced positions, the first at source
     * offset {@code base} and odometer position {@code idx} (advanced; all zeros for a whole reduction, a block's first
     * position for {@link #sumByRowBlocks}), from +0.0 for a sum. A float32 sum with
     * the vector loops adds four reduced positions at a time ({@code fourRows}; {@code
     * FloatLoops.addWidened4}, the same additions in the same order), so each accumulator is loaded and stored once
     * for four source rows ({@code swapHalves}: {@link ReduceKernels#SWAP_HALVES}).
     */
    private static void block(ReduceOp op, CpuStorage src, int base, int n, int[] redShape, int[] redStrides, int[] idx,
                              int count, double[] acc, boolean fourRows, boolean swapHalves) {
        int r = redShape.length;
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

    /**
     * {@link #block}'s float32 max ({@code max}) or min into float accumulators, by the vector loops: with
     * {@code fourRows} four reduced positions at a time ({@code FloatLoops.extremeIntoFloats4}, the same operations in
     * the same order, each accumulator loaded and stored once for four source rows), else one at a time (the old path,
     * {@link ReduceKernels#OLD_ROWS}).
     */
    private static void floatExtremeBlock(boolean max, float[] f, int base, int n, int[] redShape, int[] redStrides,
                                          int count, float[] acc, boolean fourRows) {
        int[] idx = new int[redShape.length];
        int off = base;
        int r = redShape.length;
        java.util.Arrays.fill(acc, 0, n, max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        int done = 0;
        if (fourRows) {
            for (; done + 4 <= count; done += 4) {
                int o0 = off;
                int o1 = next(idx, r, o0, redShape, redStrides);
                int o2 = next(idx, r, o1, redShape, redStrides);
                int o3 = next(idx, r, o2, redShape, redStrides);
                off = next(idx, r, o3, redShape, redStrides);
                loops.extremeIntoFloats4(max, f, o0, o1, o2, o3, acc, n);
            }
        }
        for (; done < count; done++) {
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
