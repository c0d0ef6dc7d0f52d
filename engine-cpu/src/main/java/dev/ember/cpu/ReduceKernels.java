package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;
import dev.ember.backend.ReduceOp;

import java.util.stream.IntStream;

/**
 * Reductions: the kept dimensions are iterated outside, the reduced ones inside, accumulating in
 * double (float types) or long (integers), so float32 sums lose nothing to rounding along the way. Where a kept
 * dimension is the contiguous one (a sum over the batch, {@code x.sum(0)}), {@link ColumnReduce} walks rows instead.
 */
final class ReduceKernels {
    private ReduceKernels() {
    }

    static void reduce(ReduceOp op, CpuStorage src, Layout ls, CpuStorage dst, Layout ld) {
        int rank = ls.rank();
        int[] shape = ls.shape();
        boolean[] reduced = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            reduced[i] = ld.size(i) == 1 && shape[i] != 1;
        }
        int[] keptDims = IntStream.range(0, rank).filter(i -> !reduced[i]).toArray();
        int[] redDims = IntStream.range(0, rank).filter(i -> reduced[i]).toArray();
        int[] rShape = IntStream.of(redDims).map(i -> shape[i]).toArray();
        int[] rStrides = IntStream.of(redDims).map(ls::stride).toArray();
        // reduced dims that lie in memory as one run (a convolution's bias gradient sums [N, C, H, W] over N, H and
        // W: H and W are one run of H * W) become one, so the inner loop is long; the flattened order, and so the
        // positions ARGMAX and ARGMIN report, stay the same
        int merged = 0;
        for (int d = 0; d < rShape.length; d++) {
            if (merged > 0 && rStrides[merged - 1] == (long) rStrides[d] * rShape[d]) {
                rShape[merged - 1] *= rShape[d];
                rStrides[merged - 1] = rStrides[d];
            } else {
                rShape[merged] = rShape[d];
                rStrides[merged] = rStrides[d];
                merged++;
            }
        }
        int[] redShape = java.util.Arrays.copyOf(rShape, merged);
        int[] redStrides = java.util.Arrays.copyOf(rStrides, merged);
        int redCount = 1;
        for (int s : redShape) {
            redCount *= s;
        }
        if (ColumnReduce.applies(op, src, ls, dst, keptDims)) {
            ColumnReduce.run(op, src, ls, dst, ld, keptDims, redShape, redStrides, redCount);
            return;
        }
        if (redStrides.length == 1 && redStrides[0] == 1 && splitsOneRun(op, src, ls, ld, redCount)) {
            reduceSplitRun(op, src, ls.offset(), redCount, dst, ld.offset());
            return;
        }
        // one "row" per output element: iterate outputs with the kept dims of src and dst together
        int[] outShape = IntStream.of(keptDims).map(i -> shape[i]).toArray();
        Layout outSrc = new Layout(outShape, IntStream.of(keptDims).map(ls::stride).toArray(), ls.offset());
        Layout outDst = new Layout(outShape, IntStream.of(keptDims).map(ld::stride).toArray(), ld.offset());
        int count = redCount;
        boolean parallel = (long) outSrc.numel() * count >= 2L * StridedLoop.PARALLEL_GRAIN && outSrc.numel() > 1;
        if (floatRows(op, src, dst, redStrides)) {
            float[] f = (float[]) src.array;
            float[] d = (float[]) dst.array;
            boolean swapHalves = Boolean.getBoolean(SWAP_HALVES);
            boolean fold = Boolean.getBoolean(EXTREME_FOLD);
            new StridedLoop(outDst, outSrc).run((off, n, st) -> floatRows(op, f, off[1], st[1], count, d, off[0], st[0], n,
                    swapHalves, fold), parallel, count);
            return;
        }
        new StridedLoop(outDst, outSrc).run((off, n, st) -> {
            for (int i = 0; i < n; i++) {
                reduceOne(op, src, off[1] + i * st[1], redShape, redStrides, count, dst, off[0] + i * st[0]);
            }
        }, parallel, count);
    }

    /**
     * Whether a float32 sum, max or min into float32 reduces one contiguous run per output (the last dimension, or
     * reduced dimensions that lie in memory as one run): {@link #floatRows} then runs the vector loop per row without
     * {@link #reduceOne}'s per-output set-up (its odometer, its type dispatch, {@code setDouble}), which cost about as
     * much as the loop itself over rows of 512 floats. The same loops in the same order, so the same bits.
     * {@code -Dember.reduce.genericRows=true} keeps the per-output path (the old path, for before/after runs).
     */
    private static boolean floatRows(ReduceOp op, CpuStorage src, CpuStorage dst, int[] redStrides) {
        return LOOPS != null && src.dtype == DType.FLOAT32 && dst.dtype == DType.FLOAT32
                && (op == ReduceOp.SUM || op == ReduceOp.MAX || op == ReduceOp.MIN)
                && redStrides.length == 1 && redStrides[0] == 1 && !Boolean.getBoolean("ember.reduce.genericRows");
    }

    /**
     * {@code -Dember.reduce.swapHalves=true} (read per call): the float32 sums by rows ({@link #floatRows}) and by
     * columns ({@link ColumnReduce}) widen each vector's upper half after a cross-lane permute, the old loops, instead
     * of loading it again from half a vector on; the same bits (for before/after runs).
     */
    static final String SWAP_HALVES = "ember.reduce.swapHalves";

    /**
     * {@code -Dember.cpu.reduce.oldRows=true} (read per call): {@link ColumnReduce}'s float32 max and min fold one
     * reduced position at a time into their accumulators, and its float32 results go through {@code setDouble}, the
     * old paths (for before/after runs); without it, four positions at a time and straight stores, the same bits.
     */
    static final String OLD_ROWS = "ember.cpu.reduce.oldRows";

    /**
     * {@code -Dember.reduce.extremeFold=true} (read per call): float32 max and min by rows ({@link #floatRows}: amax,
     * amin, max and min over the last dimension) fold the floats with Java's max and min, the old loop, instead of
     * {@code FloatLoops.extremeByKeys}; the same bits (for before/after runs).
     */
    static final String EXTREME_FOLD = "ember.reduce.extremeFold";

    /**
     * {@code n} outputs {@code dStride} apart from {@code dOff}, each the sum, max or min of the {@code count}
     * contiguous floats from {@code sOff + i * sStride}: {@link #reduceOne}'s values (a sum is {@code 0.0} plus the
     * run's widened sum, so an all -0 row gives +0 as there; max and min are the run's, NaN winning).
     */
    private static void floatRows(ReduceOp op, float[] f, int sOff, int sStride, int count, float[] d, int dOff,
                                  int dStride, int n, boolean swapHalves, boolean fold) {
        if (op == ReduceOp.SUM) {
            for (int i = 0; i < n; i++) {
                d[dOff + i * dStride] = (float) (0.0 + LOOPS.sumWidened(f, sOff + i * sStride, count, swapHalves));
            }
            return;
        }
        boolean max = op == ReduceOp.MAX;
        for (int i = 0; i < n; i++) {
            int at = sOff + i * sStride;
            d[dOff + i * dStride] = fold ? LOOPS.extreme(max, f, at, count) : LOOPS.extremeByKeys(max, f, at, count);
        }
    }

    private static void reduceOne(ReduceOp op, CpuStorage src, int base, int[] redShape, int[] redStrides, int count,
                                  CpuStorage dst, int out) {
        int n = redShape.length;
        int[] idx = new int[n];
        int off = base;
        boolean integral = !src.dtype.isFloatingPoint();
        double acc;
        long lacc;
        switch (op) {
            case SUM: acc = 0; lacc = 0; break;
            case PROD: acc = 1; lacc = 1; break;
            case MAX: acc = Double.NEGATIVE_INFINITY; lacc = Long.MIN_VALUE; break;
            case MIN: acc = Double.POSITIVE_INFINITY; lacc = Long.MAX_VALUE; break;
            default: acc = Double.NaN; lacc = 0;
        }
        long bestIndex = 0;
        boolean first = true;
        float[] fsrc = src.dtype == DType.FLOAT32 ? (float[]) src.array : null;
        double[] dsrc = src.dtype == DType.FLOAT64 ? (double[]) src.array : null;
        int innerStride = n == 0 ? 0 : redStrides[n - 1];
        int innerSize = n == 0 ? 1 : redShape[n - 1];
        for (int done = 0; done < count; done += innerSize) {
            if (LOOPS != null && innerStride == 1 && op == ReduceOp.SUM && fsrc != null) {
                acc += LOOPS.sumWidened(fsrc, off, innerSize);
            } else if (integral && op == ReduceOp.SUM && innerStride == 1) {
                lacc += integerRunSum(src, off, innerSize); // exact (wrapping) in any order
            } else if (dsrc != null && op == ReduceOp.SUM) {
                // float64 sums add in the elements' order, one chain, on every path and layout (the column path too):
                // a transposed or sliced copy of a tensor sums to the same bits
                acc = sumInOrder(dsrc, off, innerSize, innerStride, acc);
            } else if (innerStride == 1 && (op == ReduceOp.MAX || op == ReduceOp.MIN) && (fsrc != null || dsrc != null)) {
                boolean max = op == ReduceOp.MAX;
                double e = runExtreme(max, fsrc, dsrc, off, innerSize);
                acc = max ? Math.max(acc, e) : Math.min(acc, e);
            } else if (innerStride == 1 && (op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN) && (fsrc != null || dsrc != null)) {
                // the run's extreme, then where it first occurs: what the element loop below finds, as the
                // extreme is the first position a later value does not replace (NaN first wins; -0 and +0 tie)
                boolean max = op == ReduceOp.ARGMAX;
                double e = runExtreme(max, fsrc, dsrc, off, innerSize);
                if (first || replaces(max, acc, e)) {
                    acc = e;
                    bestIndex = done + firstIndexOf(fsrc, dsrc, off, innerSize, e);
                }
                first = false;
            } else if (fsrc != null && op == ReduceOp.SUM) {
                // four chains of double adds, so the loop is not bound by one add's latency (a float has 24 bits, a
                // double 53: the order of the sums costs nothing a float32 result can show but its last rounding)
                double s0 = 0;
                double s1 = 0;
                double s2 = 0;
                double s3 = 0;
                int i = 0;
                if (innerStride == 1) {
                    // the contiguous run in the form C2 range-checks once
                    int end = off + innerSize;
                    int at = off;
                    for (; at + 3 < end; at += 4) {
                        s0 += fsrc[at];
                        s1 += fsrc[at + 1];
                        s2 += fsrc[at + 2];
                        s3 += fsrc[at + 3];
                    }
                    i = at - off;
                }
                for (; i + 3 < innerSize; i += 4) {
                    int at = off + i * innerStride;
                    s0 += fsrc[at];
                    s1 += fsrc[at + innerStride];
                    s2 += fsrc[at + 2 * innerStride];
                    s3 += fsrc[at + 3 * innerStride];
                }
                for (; i < innerSize; i++) {
                    s0 += fsrc[off + i * innerStride];
                }
                acc += (s0 + s1) + (s2 + s3);
            } else {
                for (int i = 0; i < innerSize; i++) {
                    int at = off + i * innerStride;
                    long position = done + i;
                    if (integral) {
                        long v = src.getLong(at);
                        switch (op) {
                            case SUM: lacc += v; break;
                            case PROD: lacc *= v; break;
                            case MAX: lacc = Math.max(lacc, v); break;
                            case MIN: lacc = Math.min(lacc, v); break;
                            case ARGMAX:
                                if (first || v > lacc) {
                                    lacc = v;
                                    bestIndex = position;
                                }
                                break;
                            default:
                                if (first || v < lacc) {
                                    lacc = v;
                                    bestIndex = position;
                                }
                        }
                    } else {
                        double v = src.getDouble(at);
                        switch (op) {
                            case SUM: acc += v; break;
                            case PROD: acc *= v; break;
                            case MAX: acc = Double.isNaN(v) || Double.isNaN(acc) ? Double.NaN : Math.max(acc, v); break;
                            case MIN: acc = Double.isNaN(v) || Double.isNaN(acc) ? Double.NaN : Math.min(acc, v); break;
                            case ARGMAX:
                                if (first || replaces(true, acc, v)) {
                                    acc = v;
                                    bestIndex = position;
                                }
                                break;
                            default:
                                if (first || replaces(false, acc, v)) {
                                    acc = v;
                                    bestIndex = position;
                                }
                        }
                    }
                    first = false;
                }
            }
            // advance the odometer over the outer reduced dims
            off = ColumnReduce.next(idx, n - 1, off, redShape, redStrides);
        }
        if (op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN) {
            dst.setLong(out, bestIndex);
        } else if (integral) {
            dst.setLong(out, lacc);
        } else {
            dst.setDouble(out, acc);
        }
    }

    /**
     * The blocks of a float32 sum over one long run: each block's double partial sum, the partials added in block order.
     * A fixed size, so the blocks, and the bits, are the same whatever the worker count (the run was once cut into one
     * part per thread, and a sum whose double lay at a float tie rounded one way on one thread and the other on two).
     */
    static final int SUM_BLOCK = 4 * StridedLoop.PARALLEL_GRAIN;

    /**
     * Whether a reduction to one output ({@code x.sum()}, {@code x.max()}) over one contiguous run is cut into parts:
     * float32 sums from {@link #SUM_BLOCK} elements on, on any worker count (blocks of a fixed size, their double
     * partials added in block order, shared between the threads when there are several), and max, min, argmax and
     * argmin of float32 and float64 between two or more threads (exact in any split). Float64 sums stay one chain in
     * element order, on one thread.
     */
    private static boolean splitsOneRun(ReduceOp op, CpuStorage src, Layout ls, Layout ld, int count) {
        if (LOOPS == null || ld.numel() != 1 || count < 4L * StridedLoop.PARALLEL_GRAIN) {
            return false;
        }
        boolean f32 = src.dtype == DType.FLOAT32;
        if (op == ReduceOp.SUM) {
            return f32;
        }
        return CpuThreads.threads() >= 2 && !CpuThreads.inTask() && op != ReduceOp.PROD
                && (f32 || src.dtype == DType.FLOAT64);
    }

    /**
     * {@link #splitsOneRun}'s reduction: a sum's fixed blocks, or an extreme's one part per thread, the parts' results
     * combined in order.
     */
    private static void reduceSplitRun(ReduceOp op, CpuStorage src, int off, int count, CpuStorage dst, int out) {
        boolean sum = op == ReduceOp.SUM;
        int parts = sum ? (int) ((count + (long) SUM_BLOCK - 1) / SUM_BLOCK)
                : (int) Math.min(CpuThreads.threads(), count / StridedLoop.PARALLEL_GRAIN);
        int chunks = !sum ? parts
                : CpuThreads.threads() < 2 || CpuThreads.inTask() ? 1 : Math.min(parts, CpuThreads.threads());
        float[] f = src.dtype == DType.FLOAT32 ? (float[]) src.array : null;
        double[] d = f == null ? (double[]) src.array : null;
        double[] value = new double[parts];
        long[] position = new long[parts];
        int per = sum ? SUM_BLOCK : (count + parts - 1) / parts;
        boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
        boolean max = op == ReduceOp.MAX || op == ReduceOp.ARGMAX;
        CpuThreads.parallelFor(parts, chunks, (task, from, to) -> {
            for (int p = from; p < to; p++) {
                int start = p * per;
                int n = Math.min(count, start + per) - start;
                if (op == ReduceOp.SUM) {
                    value[p] = LOOPS.sumWidened(f, off + start, n);
                } else {
                    value[p] = runExtreme(max, f, d, off + start, n);
                    if (arg) {
                        position[p] = start + firstIndexOf(f, d, off + start, n, value[p]);
                    }
                }
            }
        });
        double acc = value[0];
        long best = position[0];
        for (int p = 1; p < parts; p++) {
            double v = value[p];
            if (op == ReduceOp.SUM) {
                acc += v;
            } else if (!arg) {
                acc = max ? Math.max(acc, v) : Math.min(acc, v);
            } else if (replaces(max, acc, v)) {
                acc = v;
                best = position[p];
            }
        }
        if (arg) {
            dst.setLong(out, best);
        } else {
            dst.setDouble(out, acc);
        }
    }

    /**
     * Whether a later candidate {@code v} replaces the best so far {@code acc} for argmax ({@code max}) or argmin: only
     * with a strictly better value or a NaN, and never once the best is NaN, so ties keep the first position.
     */
    private static boolean replaces(boolean max, double acc, double v) {
        return !Double.isNaN(acc) && ((max ? v > acc : v < acc) || Double.isNaN(v));
    }

    /** The vector loops, or null where the Vector API is absent. */
    private static final ElementwiseKernels.FloatLoops LOOPS = ElementwiseKernels.loops();

    /** The sum of a contiguous run of an integer or bool storage, as a (wrapping) long: loops the JIT vectorizes. */
    private static long integerRunSum(CpuStorage src, int off, int n) {
        long s = 0;
        switch (src.dtype) {
            case INT64: {
                long[] a = (long[]) src.array;
                for (int i = off; i < off + n; i++) {
                    s += a[i];
                }
                return s;
            }
            case INT32: {
                int[] a = (int[]) src.array;
                for (int i = off; i < off + n; i++) {
                    s += a[i];
                }
                return s;
            }
            case BOOL: {
                boolean[] a = (boolean[]) src.array;
                int count = 0;
                for (int i = off; i < off + n; i++) {
                    count += a[i] ? 1 : 0;
                }
                return count;
            }
            default:
                for (int i = off; i < off + n; i++) {
                    s += src.getLong(i);
                }
                return s;
        }
    }

    /** {@code acc} plus {@code n} doubles {@code stride} apart, added in their order. */
    private static double sumInOrder(double[] d, int off, int n, int stride, double acc) {
        if (stride == 1) {
            for (int i = off; i < off + n; i++) {
                acc += d[i];
            }
            return acc;
        }
        for (int i = 0; i < n; i++) {
            acc += d[off + i * stride];
        }
        return acc;
    }

    /** Math.max's (min's) fold of a contiguous run of float32 ({@code f}) or float64 ({@code d}) values. */
    private static double runExtreme(boolean max, float[] f, double[] d, int off, int n) {
        if (LOOPS != null) {
            return f != null ? LOOPS.extreme(max, f, off, n) : LOOPS.extreme(max, d, off, n);
        }
        return extreme(max, f, d, off, n, max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
    }

    /** The first position in a contiguous run holding {@code e} (a NaN where e is NaN; -0 and +0 alike). */
    private static int firstIndexOf(float[] f, double[] d, int off, int n, double e) {
        boolean nan = Double.isNaN(e);
        if (f != null) {
            float v = (float) e;
            for (int i = 0; i < n; i++) {
                float x = f[off + i];
                if (nan ? x != x : x == v) {
                    return i;
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                double x = d[off + i];
                if (nan ? x != x : x == e) {
                    return i;
                }
            }
        }
        throw new IllegalStateException("the extreme of a run is not in it");
    }

    /**
     * max or min of {@code acc} and a contiguous run of float32 ({@code f}) or float64 ({@code d}) values, in four
     * chains: Java's max and min are commutative and associative (NaN wins, -0 below +0), so the bits are the
     * sequential loop's.
     */
    private static double extreme(boolean max, float[] f, double[] d, int off, int n, double acc) {
        int end = off + n;
        int at = off;
        if (f != null) {
            float m0 = (float) acc;
            float m1 = m0;
            float m2 = m0;
            float m3 = m0;
            if (Double.isNaN(acc)) {
                return acc;
            }
            if (max) {
                for (; at + 3 < end; at += 4) {
                    m0 = Math.max(m0, f[at]);
                    m1 = Math.max(m1, f[at + 1]);
                    m2 = Math.max(m2, f[at + 2]);
                    m3 = Math.max(m3, f[at + 3]);
                }
                for (; at < end; at++) {
                    m0 = Math.max(m0, f[at]);
                }
                return Math.max(Math.max(m0, m1), Math.max(m2, m3));
            }
            for (; at + 3 < end; at += 4) {
                m0 = Math.min(m0, f[at]);
                m1 = Math.min(m1, f[at + 1]);
                m2 = Math.min(m2, f[at + 2]);
                m3 = Math.min(m3, f[at + 3]);
            }
            for (; at < end; at++) {
                m0 = Math.min(m0, f[at]);
            }
            return Math.min(Math.min(m0, m1), Math.min(m2, m3));
        }
        double m0 = acc;
        double m1 = acc;
        double m2 = acc;
        double m3 = acc;
        if (max) {
            for (; at + 3 < end; at += 4) {
                m0 = Math.max(m0, d[at]);
                m1 = Math.max(m1, d[at + 1]);
                m2 = Math.max(m2, d[at + 2]);
                m3 = Math.max(m3, d[at + 3]);
            }
            for (; at < end; at++) {
                m0 = Math.max(m0, d[at]);
            }
            return Math.max(Math.max(m0, m1), Math.max(m2, m3));
        }
        for (; at + 3 < end; at += 4) {
            m0 = Math.min(m0, d[at]);
            m1 = Math.min(m1, d[at + 1]);
            m2 = Math.min(m2, d[at + 2]);
            m3 = Math.min(m3, d[at + 3]);
        }
        for (; at < end; at++) {
            m0 = Math.min(m0, d[at]);
        }
        return Math.min(Math.min(m0, m1), Math.min(m2, m3));
    }
}
