package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;
import dev.ember.backend.ScatterReduce;

import java.util.Locale;

/**
 * The indexing kernels of the CPU backend ({@code Backend}'s indexing family): gather, scatter with a reduction, the
 * coordinates of nonzero elements, and the linear index of advanced indexing. Every kernel walks its operands through
 * their strides ({@link StridedLoop}), so views, transposes and broadcast operands need no copies. A gather writes
 * distinct elements and runs in parallel; a scatter runs in row-major order of its index on one thread, so that values
 * landing on one element combine in a fixed order (a deterministic sum), as PyTorch's CPU kernels do.
 */
final class IndexKernels {
    private IndexKernels() {
    }

    /**
     * A layout of {@code base}'s storage iterated with the shape {@code shape}, whose dimension {@code dim} does not
     * advance (stride 0): the kernel adds {@code index * base.stride(dim)} itself.
     */
    private static Layout pinned(Layout base, int[] shape, int dim) {
        int[] strides = base.strides();
        if (strides.length > 0) {
            strides[dim] = 0;
        }
        return new Layout(shape, strides, base.offset());
    }

    private static int dimStride(Layout l, int dim) {
        return l.rank() == 0 ? 0 : l.stride(dim);
    }

    // ------------------------------------------------------------------ gather

    /** {@code -Dember.cpu.elementwiseGather=true}: rows of one index copied element by element (before session 47). */
    private static final boolean ELEMENTWISE_GATHER = Boolean.getBoolean("ember.cpu.elementwiseGather");

    /**
     * {@code dst[p] = src[p with p[dim] = index[p]]}; dst and index have one shape. float32 rows of dense output and
     * index that read one line of the source run a loop of their own ({@code -Dember.gather.strided=true} keeps the
     * strided loop for them, before session 48).
     */
    static void gather(CpuStorage src, Layout srcLayout, int dim, CpuStorage index, Layout indexLayout, CpuStorage dst,
                       Layout dstLayout) {
        if (dstLayout.numel() == 0) {
            return;
        }
        long[] idx = (long[]) index.array;
        if (src.dtype == dst.dtype && RowGather.copy(src.array, srcLayout, dim, idx, indexLayout, dst.array, dstLayout)) {
            return; // whole rows (index_select, embedding, x[idx]): one copy per row (session 55)
        }
        int[] shape = dstLayout.shape();
        Layout from = pinned(srcLayout, shape, dim);
        int ds = dimStride(srcLayout, dim);
        StridedLoop loop = new StridedLoop(dstLayout, indexLayout, from);
        if (dst.dtype == DType.FLOAT32 && !Boolean.getBoolean("ember.gather.loopRows")
                && !Boolean.getBoolean("ember.gather.strided") && gatherRowsFloat((float[]) src.array, srcLayout, dim,
                idx, indexLayout, (float[]) dst.array, dstLayout)) {
            return;
        }
        switch (dst.dtype) {
            case FLOAT32: {
                float[] s = (float[]) src.array;
                float[] d = (float[]) dst.array;
                boolean strided = Boolean.getBoolean("ember.gather.strided");
                loop.run((off, n, st) -> {
                    if (st[1] == 0 && st[0] == 1 && st[2] == 1 && !ELEMENTWISE_GATHER) {
                        // one index for a dense row of source and output (index_select, embedding): a block copy
                        System.arraycopy(s, off[2] + (int) idx[off[1]] * ds, d, off[0], n);
                        return;
                    }
                    if (st[0] == 1 && st[1] == 1 && st[2] == 0 && !strided) {
                        // a dense row of output and index from one line of the source (gather along the last
                        // dimension): offsets and strides in locals, so the loop is a load, a load and a store
                        int o0 = off[0];
                        int o1 = off[1];
                        int o2 = off[2];
                        for (int k = 0; k < n; k++) {
                            d[o0 + k] = s[o2 + (int) idx[o1 + k] * ds];
                        }
                        return;
                    }
                    for (int k = 0; k < n; k++) {
                        d[off[0] + k * st[0]] = s[off[2] + k * st[2] + (int) idx[off[1] + k * st[1]] * ds];
                    }
                }, true);
                break;
            }
            case FLOAT64: {
                double[] s = (double[]) src.array;
                double[] d = (double[]) dst.array;
                loop.run((off, n, st) -> {
                    if (st[1] == 0 && st[0] == 1 && st[2] == 1 && !ELEMENTWISE_GATHER) {
                        // one index for a dense row of source and output (index_select, embedding): a block copy
                        System.arraycopy(s, off[2] + (int) idx[off[1]] * ds, d, off[0], n);
                        return;
                    }
                    for (int k = 0; k < n; k++) {
                        d[off[0] + k * st[0]] = s[off[2] + k * st[2] + (int) idx[off[1] + k * st[1]] * ds];
                    }
                }, true);
                break;
            }
            case INT64: {
                long[] s = (long[]) src.array;
                long[] d = (long[]) dst.array;
                loop.run((off, n, st) -> {
                    if (st[1] == 0 && st[0] == 1 && st[2] == 1 && !ELEMENTWISE_GATHER) {
                        // one index for a dense row of source and output (index_select, embedding): a block copy
                        System.arraycopy(s, off[2] + (int) idx[off[1]] * ds, d, off[0], n);
                        return;
                    }
                    for (int k = 0; k < n; k++) {
                        d[off[0] + k * st[0]] = s[off[2] + k * st[2] + (int) idx[off[1] + k * st[1]] * ds];
                    }
                }, true);
                break;
            }
            case BOOL: {
                boolean[] s = (boolean[]) src.array;
                boolean[] d = (boolean[]) dst.array;
                loop.run((off, n, st) -> {
                    for (int k = 0; k < n; k++) {
                        d[off[0] + k * st[0]] = s[off[2] + k * st[2] + (int) idx[off[1] + k * st[1]] * ds];
                    }
                }, true);
                break;
            }
            default:
                // a type without a typed loop here: element by element through doubles (exact for integers below 2^53)
                loop.run((off, n, st) -> {
                    for (int k = 0; k < n; k++) {
                        dst.setDouble(off[0] + k * st[0], src.getDouble(off[2] + k * st[2] + (int) idx[off[1] + k * st[1]] * ds));
                    }
                }, false);
        }
    }

    /**
     * {@link #gather}'s float32 loop along the last dimension with dense output and index (gather(-1), as
     * take_along_dim and the backward of scatter_add run it): whole rows in parallel, each row one load of an index,
     * one of the source and one store per element, its source row's offset found from the row number. The
     * {@link StridedLoop} spent about as long stepping its three operands from row to row as the row itself took for
     * the op sweep's 64 columns (2048 rows). {@code -Dember.gather.loopRows=true} (read per call) keeps the
     * StridedLoop's rows, as sessions 48-50. A single row (a one-dimensional gather: {@code x[mask]}'s, whose index
     * is the mask's linear positions) is split into ranges over the pool instead (session 54; {@code
     * -Dember.gather.oneRowSerial=true}, read per call, keeps it on the calling thread). Returns false for other
     * operands.
     */
    private static boolean gatherRowsFloat(float[] s, Layout srcLayout, int dim, long[] idx, Layout indexLayout,
                                           float[] d, Layout dstLayout) {
        int rank = indexLayout.rank();
        if (rank == 0 || dim != rank - 1 || srcLayout.rank() != rank || !indexLayout.isContiguous()
                || !dstLayout.isContiguous()) {
            return false;
        }
        int last = rank - 1;
        int w = indexLayout.size(last);
        if (w == 0) {
            return false;
        }
        int rows = (int) (indexLayout.numel() / w);
        int[] sizes = indexLayout.shape();
        int[] srcStrides = srcLayout.strides();
        int ds = srcStrides[last];
        int io = indexLayout.offset();
        int doff = dstLayout.offset();
        int so = srcLayout.offset();
        if (rows == 1 && !Boolean.getBoolean("ember.gather.oneRowSerial")) {
            CpuThreads.parallelFor(w, CpuThreads.chunks(w, 1),
                    (task, from, to) -> gatherRow(s, so, ds, idx, io + from, d, doff + from, to - from));
            return true;
        }
        CpuThreads.parallelFor(rows, CpuThreads.chunks(rows, w), (task, from, to) -> {
            for (int r = from; r < to; r++) {
                // the source row: r unravelled over the index's other dimensions, through the source's strides
                int sr = so;
                for (int q = r, k = last - 1; k >= 0; k--) {
                    sr += q % sizes[k] * srcStrides[k];
                    q /= sizes[k];
                }
                gatherRow(s, sr, ds, idx, io + r * w, d, doff + r * w, w);
            }
        });
        return true;
    }

    /** {@code d[dr + k] = s[sr + idx[ir + k] * ds]} for k below w: one row of {@link #gatherRowsFloat}. */
    private static void gatherRow(float[] s, int sr, int ds, long[] idx, int ir, float[] d, int dr, int w) {
        if (ds == 1) {
            for (int k = 0; k < w; k++) {
                d[dr + k] = s[sr + (int) idx[ir + k]];
            }
        } else {
            for (int k = 0; k < w; k++) {
                d[dr + k] = s[sr + (int) idx[ir + k] * ds];
            }
        }
    }

    // ------------------------------------------------------------------ scatter

    /**
     * Whether a scatter along the last dimension can run its rows in parallel with the serial loop's bits: dst, index
     * and src contiguous and of one size in every other dimension, so index row r writes only dst row r, in the
     * serial order along it ({@code -Dember.scatter.serial=true} keeps the serial loop).
     */
    private static boolean rowsApart(Layout dst, int dim, Layout index, Layout src) {
        int n = index.shape().length;
        if (n == 0 || dim != n - 1 || dst.shape().length != n || src.shape().length != n || !dst.isContiguous()
                || !index.isContiguous() || !src.isContiguous()) {
            return false;
        }
        for (int d = 0; d < n - 1; d++) {
            if (index.size(d) != dst.size(d) || index.size(d) != src.size(d)) {
                return false;
            }
        }
        return index.size(n - 1) > 0;
    }

    /**
     * {@link #scatter}'s float32 loop for {@link #rowsApart} operands, rows in parallel, each row in order; the sum
     * has a loop of its own ({@code -Dember.scatter.switchPerElement=true} keeps the one loop that switches on the
     * reduction at every element, before session 48), in a task body of its own: in the body shared with the other
     * reductions' loops the op sweep's [2048, 64] index took 213-260 us of one core against 145-159 for the same rows
     * in a body that holds only them (session 57, thread CPU time on a loaded host; the same additions in the same
     * order). {@code -Dember.scatter.sharedLambda=true} (read per call) keeps the shared body.
     */
    private static void scatterRowsFloat(ScatterReduce reduce, float[] d, Layout dstLayout, long[] idx,
                                         Layout indexLayout, float[] s, Layout srcLayout) {
        int last = indexLayout.shape().length - 1;
        int w = indexLayout.size(last);
        int dw = dstLayout.size(last);
        int sw = srcLayout.size(last);
        int rows = (int) (indexLayout.numel() / w);
        int io = indexLayout.offset();
        int doff = dstLayout.offset();
        int so = srcLayout.offset();
        boolean switched = Boolean.getBoolean("ember.scatter.switchPerElement");
        boolean inline = Boolean.getBoolean("ember.scatter.inlineRow");
        if (reduce == ScatterReduce.SUM && !switched && !inline && !Boolean.getBoolean("ember.scatter.sharedLambda")) {
            CpuThreads.parallelFor(rows, CpuThreads.chunks(rows, w), (task, from, to) -> {
                for (int r = from; r < to; r++) {
                    addRow(d, doff + r * dw, idx, io + r * w, s, so + r * sw, w);
                }
            });
            return;
        }
        CpuThreads.parallelFor(rows, CpuThreads.chunks(rows, w), (task, from, to) -> {
            for (int r = from; r < to; r++) {
                int ir = io + r * w;
                int dr = doff + r * dw;
                int sr = so + r * sw;
                if (reduce == ScatterReduce.SUM && !switched && !inline) {
                    addRow(d, dr, idx, ir, s, sr, w);
                    continue;
                }
                if (reduce == ScatterReduce.SUM && !switched) {
                    // scatter_add: the sum's loop alone, the same additions in the same order
                    for (int k = 0; k < w; k++) {
                        d[dr + (int) idx[ir + k]] += s[sr + k];
                    }
                    continue;
                }
                for (int k = 0; k < w; k++) {
                    int at = dr + (int) idx[ir + k];
                    float v = s[sr + k];
                    float x = d[at];
                    switch (reduce) {
                        case NONE: x = v; break;
                        case SUM: x += v; break;
                        case PROD: x *= v; break;
                        case AMAX: x = Float.isNaN(v) ? v : (x < v ? v : x); break;
                        default: x = Float.isNaN(v) ? v : (v < x ? v : x);
                    }
                    d[at] = x;
                }
            }
        });
    }

    /**
     * {@code d[dr + idx[ir + k]] += s[sr + k]} for k from 0 to w, in order: one row of {@link #scatterRowsFloat}'s sum.
     * A method of its own, which the JIT compiles as a leaf: the same loop inside the row lambda, beside the other
     * reductions' switch, took 143-167 us of one core against 110-117 for this method in a harness calling the kernel
     * for the op sweep's [2048, 64] index (session 51, a loaded host); through {@code scatterAdd_} the two stayed within
     * the load's noise. {@code -Dember.scatter.inlineRow=true} (read per call) keeps the loop in the lambda.
     */
    private static void addRow(float[] d, int dr, long[] idx, int ir, float[] s, int sr, int w) {
        for (int k = 0; k < w; k++) {
            d[dr + (int) idx[ir + k]] += s[sr + k];
        }
    }

    /**
     * For every position {@code p} of index: {@code dst[p with p[dim] = index[p]]} op= {@code src[p]}, in row-major
     * order of index. Without {@code includeSelf}, the elements that receive a value start from the reduction's identity.
     * A float32 sum whose index holds one value for a dense row of source and destination (index_add's expanded index)
     * adds the row with the vector loops ({@code -Dember.scatter.switchPerElement=true} keeps the element loop).
     */
    static void scatter(ScatterReduce reduce, boolean includeSelf, CpuStorage dst, Layout dstLayout, int dim,
                        CpuStorage index, Layout indexLayout, CpuStorage src, Layout srcLayout) {
        if (indexLayout.numel() == 0) {
            return;
        }
        int[] shape = indexLayout.shape();
        Layout to = pinned(dstLayout, shape, dim);
        int ds = dimStride(dstLayout, dim);
        long[] idx = (long[]) index.array;
        if (reduce != ScatterReduce.NONE && !includeSelf) {
            // the identity of the reduction at every element that receives a value
            StridedLoop init = new StridedLoop(indexLayout, to);
            double identity = identity(reduce, dst.dtype);
            long longIdentity = reduce == ScatterReduce.AMAX ? Long.MIN_VALUE : reduce == ScatterReduce.AMIN ? Long.MAX_VALUE
                    : (long) identity;
            init.run((off, n, st) -> {
                for (int k = 0; k < n; k++) {
                    int at = off[1] + k * st[1] + (int) idx[off[0] + k * st[0]] * ds;
                    if (dst.dtype == DType.INT64) {
                        ((long[]) dst.array)[at] = longIdentity;
                    } else if (dst.narrow()) {
                        // the narrow type's own lowest or largest value for amax and amin
                        dst.setLong(at, reduce == ScatterReduce.AMAX ? dst.dtype.minValue()
                                : reduce == ScatterReduce.AMIN ? dst.dtype.maxValue() : (long) identity);
                    } else {
                        dst.setDouble(at, identity);
                    }
                }
            }, false);
        }
        int[] counts = null;
        Layout countLayout = null;
        int countStride = 0;
        if (reduce == ScatterReduce.MEAN) {
            // counts per element of dst, addressed row-major (a contiguous layout of dst's shape)
            Layout dense = Layout.contiguous(dstLayout.shape());
            counts = new int[dstLayout.numelInt()];
            if (includeSelf) {
                java.util.Arrays.fill(counts, 1);
            }
            countLayout = pinned(dense, shape, dim);
            countStride = dimStride(dense, dim);
        }
        StridedLoop loop = countLayout == null ? new StridedLoop(indexLayout, srcLayout, to)
                : new StridedLoop(indexLayout, srcLayout, to, countLayout);
        if (dst.dtype == DType.FLOAT32 && reduce != ScatterReduce.MEAN && rowsApart(dstLayout, dim, indexLayout, srcLayout)
                && !Boolean.getBoolean("ember.scatter.serial")) {
            scatterRowsFloat(reduce, (float[]) dst.array, dstLayout, idx, indexLayout, (float[]) src.array, srcLayout);
            return;
        }
        int[] c = counts;
        int cs = countStride;
        switch (dst.dtype) {
            case FLOAT32: {
                float[] s = (float[]) src.array;
                float[] d = (float[]) dst.array;
                ElementwiseKernels.FloatLoops rowAdd = reduce == ScatterReduce.SUM
                        && !Boolean.getBoolean("ember.scatter.switchPerElement") ? ElementwiseKernels.loops() : null;
                loop.run((off, n, st) -> {
                    if (rowAdd != null && st[0] == 0 && st[1] == 1 && st[2] == 1) {
                        // one index for a dense row of source and destination (index_add): the row added at once,
                        // each element's one addition (x + v, as fma(v, 1, x) rounds it) in its place in the order
                        rowAdd.axpy(1f, s, off[1], d, off[2] + (int) idx[off[0]] * ds, n);
                        return;
                    }
                    for (int k = 0; k < n; k++) {
                        int i = (int) idx[off[0] + k * st[0]];
                        int at = off[2] + k * st[2] + i * ds;
                        float v = s[off[1] + k * st[1]];
                        float x = d[at];
                        switch (reduce) {
                            case NONE: x = v; break;
                            case SUM: x += v; break;
                            case PROD: x *= v; break;
                            case MEAN: x += v; c[off[3] + k * st[3] + i * cs]++; break;
                            case AMAX: x = Float.isNaN(v) ? v : (x < v ? v : x); break;
                            default: x = Float.isNaN(v) ? v : (v < x ? v : x);
                        }
                        d[at] = x;
                    }
                }, false);
                break;
            }
            case FLOAT64: {
                double[] s = (double[]) src.array;
                double[] d = (double[]) dst.array;
                loop.run((off, n, st) -> {
                    for (int k = 0; k < n; k++) {
                        int i = (int) idx[off[0] + k * st[0]];
                        int at = off[2] + k * st[2] + i * ds;
                        double v = s[off[1] + k * st[1]];
                        double x = d[at];
                        switch (reduce) {
                            case NONE: x = v; break;
                            case SUM: x += v; break;
                            case PROD: x *= v; break;
                            case MEAN: x += v; c[off[3] + k * st[3] + i * cs]++; break;
                            case AMAX: x = Double.isNaN(v) ? v : (x < v ? v : x); break;
                            default: x = Double.isNaN(v) ? v : (v < x ? v : x);
                        }
                        d[at] = x;
                    }
                }, false);
                break;
            }
            case INT64: {
                long[] s = (long[]) src.array;
                long[] d = (long[]) dst.array;
                loop.run((off, n, st) -> {
                    for (int k = 0; k < n; k++) {
                        int i = (int) idx[off[0] + k * st[0]];
                        int at = off[2] + k * st[2] + i * ds;
                        long v = s[off[1] + k * st[1]];
                        long x = d[at];
                        switch (reduce) {
                            case NONE: x = v; break;
                            case SUM: x += v; break;
                            case PROD: x *= v; break;
                            case MEAN: x += v; c[off[3] + k * st[3] + i * cs]++; break;
                            case AMAX: x = Math.max(x, v); break;
                            default: x = Math.min(x, v);
                        }
                        d[at] = x;
                    }
                }, false);
                break;
            }
            case BOOL: {
                boolean[] s = (boolean[]) src.array;
                boolean[] d = (boolean[]) dst.array;
                loop.run((off, n, st) -> {
                    for (int k = 0; k < n; k++) {
                        int at = off[2] + k * st[2] + (int) idx[off[0] + k * st[0]] * ds;
                        boolean v = s[off[1] + k * st[1]];
                        switch (reduce) {
                            case NONE: d[at] = v; break;
                            case SUM: case AMAX: d[at] |= v; break;
                            default: d[at] &= v; // PROD, AMIN (MEAN is refused for bool above the backend)
                        }
                    }
                }, false);
                break;
            }
            case INT32:
            case INT16:
            case INT8:
            case UINT8:
                // widened to long and narrowed on store: sums and products wrap as the type's own arithmetic
                loop.run((off, n, st) -> {
                    for (int k = 0; k < n; k++) {
                        int i = (int) idx[off[0] + k * st[0]];
                        int at = off[2] + k * st[2] + i * ds;
                        long v = src.getLong(off[1] + k * st[1]);
                        long x = dst.getLong(at);
                        switch (reduce) {
                            case NONE: x = v; break;
                            case SUM: x += v; break;
                            case PROD: x *= v; break;
                            case MEAN: x += v; c[off[3] + k * st[3] + i * cs]++; break;
                            case AMAX: x = Math.max(x, v); break;
                            default: x = Math.min(x, v);
                        }
                        dst.setLong(at, x);
                    }
                }, false);
                break;
            default:
                loop.run((off, n, st) -> {
                    for (int k = 0; k < n; k++) {
                        int i = (int) idx[off[0] + k * st[0]];
                        int at = off[2] + k * st[2] + i * ds;
                        double v = src.getDouble(off[1] + k * st[1]);
                        double x = dst.getDouble(at);
                        switch (reduce) {
                            case NONE: x = v; break;
                            case SUM: x += v; break;
                            case PROD: x *= v; break;
                            case MEAN: x += v; c[off[3] + k * st[3] + i * cs]++; break;
                            case AMAX: x = Math.max(x, v); break;
                            default: x = Math.min(x, v);
                        }
                        dst.setDouble(at, x);
                    }
                }, false);
        }
        if (counts != null) {
            divideByCounts(dst, dstLayout, counts);
        }
    }

    /**
     * {@code Backend.scatterAdd} for float32 and float64: each value landing on an element is added as one fused
     * multiply-add, {@code d = fma(alpha, s, d)} with alpha in the type, in row-major order of index (PyTorch's
     * index_add_ with alpha: the add kernel on each slice in the index's order, {@code Vectorized::fmadd} and the
     * contracted tail). When the index advances along {@code dim} only (index_add's), the slices' elements are
     * iterated once and each runs the whole index, in parallel over the elements (PyTorch parallelizes each slice's
     * add): an element's additions keep the index's order, so the bits do not depend on the threads. Another index
     * runs in row-major order on one thread. Returns false for other types (the caller composes).
     */
    static boolean scatterAdd(double alpha, CpuStorage dst, Layout dstLayout, int dim, CpuStorage index,
                              Layout indexLayout, CpuStorage src, Layout srcLayout) {
        if ((dst.dtype != DType.FLOAT32 && dst.dtype != DType.FLOAT64) || src.dtype != dst.dtype
                || index.dtype != DType.INT64) {
            return false;
        }
        if (indexLayout.numel() == 0) {
            return true;
        }
        long[] idx = (long[]) index.array;
        int[] shape = indexLayout.shape();
        int ds = dimStride(dstLayout, dim);
        if (shape.length > 0 && alongDimOnly(indexLayout, dim)) {
            int n = shape[dim];
            int is = indexLayout.stride(dim);
            int ss = srcLayout.stride(dim);
            int[] at = new int[n]; // each index's offset in dst
            for (int i = 0; i < n; i++) {
                at[i] = (int) idx[indexLayout.offset() + i * is] * ds;
            }
            Layout dstSlice = slice(dstLayout, shape, dim);
            Layout srcSlice = slice(srcLayout, shape, dim);
            StridedLoop loop = new StridedLoop(dstSlice, srcSlice);
            int size = dstLayout.size(dim);
            int chunks = (int) Math.min(size, CpuThreads.threads() * 4L);
            int per = (size + chunks - 1) / chunks;
            int[] value = ownerSplit(loop, dstSlice, srcSlice, n, size)
                    ? values(idx, indexLayout.offset(), is, n, size, per, chunks) : null;
            if (value != null) {
                ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
                CpuThreads.parallelFor(chunks, chunks, (task, c0, c1) -> {
                    int v0 = c0 * per;
                    int v1 = (int) Math.min(size, (long) c1 * per);
                    if (dst.dtype == DType.FLOAT32) {
                        float a = (float) alpha;
                        float[] d = (float[]) dst.array;
                        float[] s = (float[]) src.array;
                        loop.run((off, len, st) -> ownedSlicesFloat(a, d, off[0], st[0], s, off[1], st[1], ss, len, at,
                                value, v0, v1, loops), false);
                    } else {
                        double[] d = (double[]) dst.array;
                        double[] s = (double[]) src.array;
                        loop.run((off, len, st) -> ownedSlicesDouble(alpha, d, off[0], st[0], s, off[1], st[1], ss,
                                len, at, value, v0, v1), false);
                    }
                });
                return true;
            }
            if (dst.dtype == DType.FLOAT32) {
                float a = (float) alpha;
                float[] d = (float[]) dst.array;
                float[] s = (float[]) src.array;
                ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
                loop.run((off, len, st) -> ownedSlicesFloat(a, d, off[0], st[0], s, off[1], st[1], ss, len, at, null,
                        0, size, loops), true, n);
            } else {
                double[] d = (double[]) dst.array;
                double[] s = (double[]) src.array;
                loop.run((off, len, st) -> ownedSlicesDouble(alpha, d, off[0], st[0], s, off[1], st[1], ss, len, at,
                        null, 0, size), true, n);
            }
            return true;
        }
        StridedLoop loop = new StridedLoop(indexLayout, srcLayout, pinned(dstLayout, shape, dim));
        if (dst.dtype == DType.FLOAT32) {
            float a = (float) alpha;
            float[] d = (float[]) dst.array;
            float[] s = (float[]) src.array;
            loop.run((off, n, st) -> {
                for (int k = 0; k < n; k++) {
                    int p = off[2] + k * st[2] + (int) idx[off[0] + k * st[0]] * ds;
                    d[p] = Math.fma(a, s[off[1] + k * st[1]], d[p]);
                }
            }, false);
        } else {
            double[] d = (double[]) dst.array;
            double[] s = (double[]) src.array;
            loop.run((off, n, st) -> {
                for (int k = 0; k < n; k++) {
                    int p = off[2] + k * st[2] + (int) idx[off[0] + k * st[0]] * ds;
                    d[p] = Math.fma(alpha, s[off[1] + k * st[1]], d[p]);
                }
            }, false);
        }
        return true;
    }

    /**
     * Whether {@link #scatterAdd}'s slices split across the pool by the slice of dst they add to: each task runs the
     * whole index in its order and adds only the indices whose value lies in its own range of dst's slices, so every
     * element still receives its additions in the index's order (the same bits whatever the split) and no two tasks
     * write one slice. The split over each slice's elements (before session 60, {@code
     * -Dember.cpu.indexAdd.elementSplit=true}, read per call) had every task run the whole index over its columns:
     * for index_add(0) of [2048, 512] into [8192, 512], eight tasks of 64 columns, the two running at a time writing
     * the cache line their columns share (Java's 16-byte array header puts a line across each boundary) in each of
     * the 2048 rows at about the same time (session 60: the owner split took about 18% less CPU time of both threads
     * for that index_add_, 6 of 6 alternations on a loaded host, indicative). Applies where the element split would
     * split into two tasks or more (the same work test, slices of {@code 2 * StridedLoop.ROW_ALIGN} elements or more)
     * and dst has two slices or more: for narrower slices ([100000, 16], which the element split runs on one thread)
     * every task's pass over the whole index cost more than the split saved (session 60: about twice the CPU time of
     * one thread, no shorter wall); and only where both slices hold dense runs of that many elements: slices strided
     * through every row (index_add(1) of [2048, 512], 64 columns) had every task walk all the rows for its few
     * columns, 4-9 times the element split's time (session 60).
     */
    private static boolean ownerSplit(StridedLoop loop, Layout dstSlice, Layout srcSlice, int n, int size) {
        if (size < 2 || CpuThreads.threads() < 2 || CpuThreads.inTask()
                || Boolean.getBoolean("ember.cpu.indexAdd.elementSplit")) {
            return false;
        }
        long elements = (long) loop.rows * loop.rowLength;
        if (elements < 2L * StridedLoop.ROW_ALIGN || elements * n < 2L * StridedLoop.PARALLEL_GRAIN) {
            return false;
        }
        // dense runs of 128 elements or more in both slices: a task then reads and writes only its own slices' runs
        Layout[] merged = Layout.coalesce(dstSlice, srcSlice);
        int last = merged[0].rank() - 1;
        return last >= 0 && merged[0].strides()[last] == 1 && merged[1].strides()[last] == 1
                && merged[0].shape()[last] >= 2 * StridedLoop.ROW_ALIGN;
    }

    /**
     * The {@code n} index values from {@code idx[off]}, {@code step} apart, for {@link #ownerSplit}'s tasks of
     * {@code per} slices each; null (the element split then runs, as before) if one lies outside {@code [0, size)}
     * (the callers have checked them: no task would own it) or if one task would own more than a thread's share of
     * the index (values crowded into a few slices would leave the other threads idle).
     */
    private static int[] values(long[] idx, int off, int step, int n, int size, int per, int chunks) {
        int[] value = new int[n];
        int[] count = new int[chunks];
        for (int i = 0; i < n; i++) {
            long v = idx[off + i * step];
            if (v < 0 || v >= size) {
                return null;
            }
            value[i] = (int) v;
            count[(int) v / per]++;
        }
        long most = 0;
        for (int c : count) {
            most = Math.max(most, c);
        }
        return most * CpuThreads.threads() > n ? null : value;
    }

    /**
     * {@link #scatterAdd}'s float32 run of {@code len} elements of each slice, for the indices whose value is in
     * {@code [v0, v1)} ({@code value} null: every index, the element split's run), in the index's order: a dense run
     * of both slices added whole for each index in turn, else element by element.
     */
    private static void ownedSlicesFloat(float a, float[] d, int d0, int dst, float[] s, int s0, int sst, int ss,
                                         int len, int[] at, int[] value, int v0, int v1,
                                         ElementwiseKernels.FloatLoops loops) {
        int n = at.length;
        if (dst == 1 && sst == 1) {
            for (int i = 0; i < n; i++) {
                if (value != null && (value[i] < v0 || value[i] >= v1)) {
                    continue;
                }
                int di = d0 + at[i];
                int si = s0 + i * ss;
                if (loops != null) {
                    loops.axpy(a, s, si, d, di, len);
                } else {
                    for (int k = 0; k < len; k++) {
                        d[di + k] = Math.fma(a, s[si + k], d[di + k]);
                    }
                }
            }
            return;
        }
        for (int k = 0; k < len; k++) {
            int dk = d0 + k * dst;
            int sk = s0 + k * sst;
            for (int i = 0; i < n; i++) {
                if (value == null || value[i] >= v0 && value[i] < v1) {
                    int p = dk + at[i];
                    d[p] = Math.fma(a, s[sk + i * ss], d[p]);
                }
            }
        }
    }

    /** {@link #ownedSlicesFloat} for float64 ({@code value} null: every index). */
    private static void ownedSlicesDouble(double a, double[] d, int d0, int dst, double[] s, int s0, int sst, int ss,
                                          int len, int[] at, int[] value, int v0, int v1) {
        int n = at.length;
        if (dst == 1 && sst == 1) {
            for (int i = 0; i < n; i++) {
                if (value != null && (value[i] < v0 || value[i] >= v1)) {
                    continue;
                }
                int di = d0 + at[i];
                int si = s0 + i * ss;
                for (int k = 0; k < len; k++) {
                    d[di + k] = Math.fma(a, s[si + k], d[di + k]);
                }
            }
            return;
        }
        for (int k = 0; k < len; k++) {
            int dk = d0 + k * dst;
            int sk = s0 + k * sst;
            for (int i = 0; i < n; i++) {
                if (value == null || value[i] >= v0 && value[i] < v1) {
                    int p = dk + at[i];
                    d[p] = Math.fma(a, s[sk + i * ss], d[p]);
                }
            }
        }
    }

    /** Whether an index layout advances along {@code dim} only (index_add's index, expanded over the source). */
    private static boolean alongDimOnly(Layout index, int dim) {
        for (int d = 0; d < index.rank(); d++) {
            if (d != dim && index.stride(d) != 0 && index.size(d) != 1) {
                return false;
            }
        }
        return true;
    }

    /** A layout's storage iterated over {@code shape} without dimension {@code dim} (one slice along it). */
    private static Layout slice(Layout base, int[] shape, int dim) {
        int[] sh = new int[shape.length - 1];
        int[] st = new int[shape.length - 1];
        for (int d = 0, j = 0; d < shape.length; d++) {
            if (d != dim) {
                sh[j] = shape[d];
                st[j++] = base.stride(d);
            }
        }
        return new Layout(sh, st, base.offset());
    }

    /** The value an element starts from when it does not take part in its own reduction. */
    private static double identity(ScatterReduce reduce, DType t) {
        switch (reduce) {
            case PROD: return 1;
            case AMAX: return t.isFloatingPoint() ? Double.NEGATIVE_INFINITY : 0; // bool's lowest is false
            case AMIN: return t.isFloatingPoint() ? Double.POSITIVE_INFINITY : 1; // bool's largest is true
            default: return 0;
        }
    }

    /** MEAN's last step: each element divided by its count (an element no value reached keeps its value). */
    private static void divideByCounts(CpuStorage dst, Layout dstLayout, int[] counts) {
        new StridedLoop(dstLayout, Layout.contiguous(dstLayout.shape())).run((off, n, st) -> {
            for (int k = 0; k < n; k++) {
                int count = counts[off[1] + k * st[1]];
                if (count <= 1) {
                    continue;
                }
                int at = off[0] + k * st[0];
                switch (dst.dtype) {
                    case FLOAT32: ((float[]) dst.array)[at] /= count; break;
                    case FLOAT64: ((double[]) dst.array)[at] /= count; break;
                    case INT64: {
                        long[] d = (long[]) dst.array;
                        d[at] = Math.floorDiv(d[at], count);
                        break;
                    }
                    default:
                        if (dst.narrow()) {
                            dst.setLong(at, Math.floorDiv(dst.getLong(at), count));
                        } else {
                            dst.setDouble(at, Math.floor(dst.getDouble(at) / count));
                        }
                }
            }
        }, true);
    }

    // ------------------------------------------------------------------ nonzero

    /**
     * {@code -Dember.nonzero.serial=true} (read per call): {@link #nonzeroCount} and {@link #nonzero} on the calling
     * thread alone, as before session 54.
     */
    private static boolean serialNonzero() {
        return Boolean.getBoolean("ember.nonzero.serial");
    }

    /**
     * How many elements are not zero: the rows (or a long row's chunks) counted in parallel where large, the counts
     * summed (integers: the same count in any order).
     */
    static long nonzeroCount(CpuStorage src, Layout layout) {
        if (layout.numel() == 0) {
            return 0;
        }
        if (serialNonzero()) {
            long[] count = new long[1];
            new StridedLoop(layout).run((off, n, st) -> count[0] += countRow(src, off[0], st[0], n), false);
            return count[0];
        }
        java.util.concurrent.atomic.LongAdder count = new java.util.concurrent.atomic.LongAdder();
        new StridedLoop(layout).run((off, n, st) -> count.add(countRow(src, off[0], st[0], n)), true);
        return count.sum();
    }

    /** How many of the {@code n} elements at {@code o}, {@code o + s}, ... are not zero. */
    private static long countRow(CpuStorage src, int o, int s, int n) {
        long c = 0;
        switch (src.dtype) {
            case FLOAT32: {
                float[] a = (float[]) src.array;
                for (int k = 0; k < n; k++) {
                    c += a[o + k * s] != 0 ? 1 : 0;
                }
                break;
            }
            case FLOAT64: {
                double[] a = (double[]) src.array;
                for (int k = 0; k < n; k++) {
                    c += a[o + k * s] != 0 ? 1 : 0;
                }
                break;
            }
            case INT64: {
                long[] a = (long[]) src.array;
                for (int k = 0; k < n; k++) {
                    c += a[o + k * s] != 0 ? 1 : 0;
                }
                break;
            }
            case BOOL: {
                boolean[] a = (boolean[]) src.array;
                if (s == 1) {
                    int ci = 0; // an int sum of the unit-stride row: the loop C2 vectorizes
                    for (int k = 0; k < n; k++) {
                        ci += a[o + k] ? 1 : 0;
                    }
                    c = ci;
                    break;
                }
                for (int k = 0; k < n; k++) {
                    c += a[o + k * s] ? 1 : 0;
                }
                break;
            }
            default:
                for (int k = 0; k < n; k++) {
                    c += src.getDouble(o + k * s) != 0 ? 1 : 0;
                }
        }
        return c;
    }

    /**
     * The coordinates of the nonzero elements in row-major order, as rows of dst ({@code [n, rank]}, int64). Without
     * a branch on the element: every element's coordinates are written at the next free row, which advances only past
     * a nonzero one (a random mask mispredicted the branch on every other element: 6 ms for a million booleans).
     * {@code -Dember.nonzero.branch=true} keeps the old loop. Large layouts are split over the worker pool
     * ({@link #nonzeroParallel}: the same rows in the same order); {@code -Dember.nonzero.serial=true} keeps the
     * calling thread alone.
     */
    static void nonzero(CpuStorage src, Layout layout, CpuStorage dst, Layout dstLayout) {
        if (layout.numel() == 0 || dstLayout.numel() == 0) {
            return; // nothing nonzero, or rank 0 (no coordinates to write)
        }
        if (Boolean.getBoolean("ember.nonzero.branch")) {
            nonzeroBranching(src, layout, dst, dstLayout);
            return;
        }
        long numel = layout.numel();
        int chunks = serialNonzero() || numel > Integer.MAX_VALUE ? 1 : CpuThreads.chunks((int) numel, 1);
        if (chunks > 1) {
            nonzeroParallel(src, layout, dst, dstLayout, numel, chunks);
            return;
        }
        long[] out = (long[]) dst.array;
        int rank = layout.rank();
        int[] shape = layout.shape();
        int[] strides = layout.strides();
        int rowStride = dstLayout.stride(0);
        int colStride = dstLayout.stride(1);
        int[] coord = new int[rank];
        int inner = shape[rank - 1];
        int innerStride = strides[rank - 1];
        long rows = layout.numel() / inner;
        int base = layout.offset();
        int at = dstLayout.offset();
        // the row past the last one: no write there (the array may end, or hold another tensor's data)
        long end = dstLayout.offset() + (long) dstLayout.size(0) * rowStride;
        if (rank == 1 && denseBoolPositions(src, innerStride, rowStride)) {
            truePositions((boolean[]) src.array, base, 0, inner, out, at, end);
            return;
        }
        int last = (rank - 1) * colStride;
        byte[] flags = new byte[inner];
        for (long r = 0; r < rows; r++) {
            rowFlags(src, base, innerStride, inner, flags);
            for (int k = 0; k < inner; k++) {
                if (at != end) {
                    for (int d = 0; d < rank - 1; d++) {
                        out[at + d * colStride] = coord[d];
                    }
                    out[at + last] = k;
                }
                at += flags[k] * rowStride;
            }
            // the next row: an odometer over the leading dimensions
            for (int d = rank - 2; d >= 0; d--) {
                base += strides[d];
                if (++coord[d] < shape[d]) {
                    break;
                }
                base -= strides[d] * shape[d];
                coord[d] = 0;
            }
        }
    }

    /**
     * {@link #nonzero} split over the worker pool: the row-major elements in {@code chunks} consecutive ranges, each
     * range's nonzero elements counted in parallel, the counts' prefix sums giving each range its first row of dst,
     * then each range's coordinates written from there in parallel, as the serial loop writes them (the same rows in
     * the same order). Each range's speculative write (the coordinates of an element written at the next free row
     * before the flag says whether that row advances) stops at the range's last row, so it never touches the next
     * range's first row.
     */
    private static void nonzeroParallel(CpuStorage src, Layout layout, CpuStorage dst, Layout dstLayout, long numel,
                                        int chunks) {
        long per = (numel + chunks - 1) / chunks;
        long[] counts = new long[chunks];
        CpuThreads.parallelFor(chunks, chunks, (task, from, to) -> {
            for (int t = from; t < to; t++) {
                long e0 = t * per;
                long e1 = Math.min(numel, e0 + per);
                counts[t] = e0 < e1 ? nonzeroRange(src, layout, e0, e1, null, 0, 0, 0, 0) : 0;
            }
        });
        long[] first = new long[chunks];
        long rows = dstLayout.size(0);
        for (int t = 1; t < chunks; t++) {
            first[t] = first[t - 1] + counts[t - 1];
        }
        int rowStride = dstLayout.stride(0);
        int colStride = dstLayout.stride(1);
        long[] out = (long[]) dst.array;
        CpuThreads.parallelFor(chunks, chunks, (task, from, to) -> {
            for (int t = from; t < to; t++) {
                long e0 = t * per;
                long e1 = Math.min(numel, e0 + per);
                long r0 = Math.min(first[t], rows);
                long r1 = Math.min(first[t] + counts[t], rows);
                if (e0 < e1 && r0 < r1) {
                    nonzeroRange(src, layout, e0, e1, out, (int) (dstLayout.offset() + r0 * rowStride),
                            dstLayout.offset() + r1 * rowStride, rowStride, colStride);
                }
            }
        });
    }

    /**
     * The row-major elements {@code [e0, e1)} of a layout: with {@code out} null, how many are not zero; else their
     * nonzero elements' coordinates written as {@link #nonzero} writes them, from {@code at} (an offset in out) up to
     * the row at {@code end}, which is not written; returns the count (with {@code out}: of the rows written, where
     * the one-dimensional bool loop wrote them; the callers use the count of the counting pass alone).
     */
    private static long nonzeroRange(CpuStorage src, Layout layout, long e0, long e1, long[] out, int at, long end,
                                     int rowStride, int colStride) {
        int rank = layout.rank();
        int[] shape = layout.shape();
        int[] strides = layout.strides();
        int inner = shape[rank - 1];
        int innerStride = strides[rank - 1];
        int[] coord = new int[rank];
        long row = e0 / inner;
        int k = (int) (e0 % inner);
        int base = layout.offset();
        for (int d = rank - 2; d >= 0; d--) {
            coord[d] = (int) (row % shape[d]);
            row /= shape[d];
            base += coord[d] * strides[d];
        }
        if (rank == 1 && out != null && denseBoolPositions(src, innerStride, rowStride)) {
            return truePositions((boolean[]) src.array, base + k, k, (int) (e1 - e0), out, at, end) - at;
        }
        int last = (rank - 1) * colStride;
        byte[] flags = out == null ? null : new byte[(int) Math.min(inner, Math.min(e1 - e0, 4096))];
        long count = 0;
        long left = e1 - e0;
        while (left > 0) {
            int n = (int) Math.min(inner - k, left);
            if (out == null) {
                count += countRow(src, base + k * innerStride, innerStride, n);
            } else {
                for (int b = 0; b < n; b += flags.length) {
                    int m = Math.min(flags.length, n - b);
                    int k0 = k + b;
                    rowFlags(src, base + k0 * innerStride, innerStride, m, flags);
                    for (int j = 0; j < m; j++) {
                        if (at != end) {
                            for (int d = 0; d < rank - 1; d++) {
                                out[at + d * colStride] = coord[d];
                            }
                            out[at + last] = k0 + j;
                        }
                        at += flags[j] * rowStride;
                        count += flags[j];
                    }
                }
            }
            left -= n;
            k = 0;
            // the next row: an odometer over the leading dimensions
            for (int d = rank - 2; d >= 0; d--) {
                base += strides[d];
                if (++coord[d] < shape[d]) {
                    break;
                }
                base -= strides[d] * shape[d];
                coord[d] = 0;
            }
        }
        return count;
    }

    /**
     * Whether {@link #nonzero}'s coordinates of a one-dimensional layout go through {@link #truePositions}: a dense
     * bool source (x[mask]'s and masked_select's flattened mask) into dense rows of one column.
     * {@code -Dember.nonzero.flags=true} (read per call) keeps the loop over a row's flags, as before session 59.
     */
    private static boolean denseBoolPositions(CpuStorage src, int srcStride, int rowStride) {
        return src.dtype == DType.BOOL && srcStride == 1 && rowStride == 1 && !Boolean.getBoolean("ember.nonzero.flags");
    }

    /**
     * The positions {@code p0 + k} of the true elements among {@code a[o + k]}, k below n, written to {@code out} from
     * {@code at} up to {@code end} (not written): each element's position goes to the next free slot, which advances
     * past it only where the element is true, the writes {@link #nonzero}'s flag loop makes, without its byte flags
     * and its test of the slot at every element. The loop stops where the free slot reaches {@code end} (the elements
     * after it, when the slots were counted for them, are all false). Returns the next free slot. The
     * one-dimensional nonzero of x[mask]'s million-element mask took about 2 ms of one core with the flags.
     */
    private static int truePositions(boolean[] a, int o, long p0, int n, long[] out, int at, long end) {
        int e = (int) Math.min(end, Integer.MAX_VALUE);
        for (int k = 0; k < n && at < e; k++) {
            out[at] = p0 + k;
            at += a[o + k] ? 1 : 0;
        }
        return at;
    }

    /** {@code flags[k] = 1} where element k of the row at {@code base} is nonzero, else 0, for k below n. */
    private static void rowFlags(CpuStorage s, int base, int stride, int n, byte[] flags) {
        switch (s.dtype) {
            case FLOAT32: {
                float[] a = (float[]) s.array;
                for (int k = 0; k < n; k++) {
                    flags[k] = (byte) (a[base + k * stride] != 0 ? 1 : 0);
                }
                break;
            }
            case FLOAT64: {
                double[] a = (double[]) s.array;
                for (int k = 0; k < n; k++) {
                    flags[k] = (byte) (a[base + k * stride] != 0 ? 1 : 0);
                }
                break;
            }
            case INT64: {
                long[] a = (long[]) s.array;
                for (int k = 0; k < n; k++) {
                    flags[k] = (byte) (a[base + k * stride] != 0 ? 1 : 0);
                }
                break;
            }
            case BOOL: {
                boolean[] a = (boolean[]) s.array;
                if (stride == 1) {
                    for (int k = 0; k < n; k++) {
                        flags[k] = (byte) (a[base + k] ? 1 : 0);
                    }
                    break;
                }
                for (int k = 0; k < n; k++) {
                    flags[k] = (byte) (a[base + k * stride] ? 1 : 0);
                }
                break;
            }
            default:
                for (int k = 0; k < n; k++) {
                    flags[k] = (byte) (s.getDouble(base + k * stride) != 0 ? 1 : 0);
                }
        }
    }

    /** The old loop of {@link #nonzero}: a branch on each element. */
    private static void nonzeroBranching(CpuStorage src, Layout layout, CpuStorage dst, Layout dstLayout) {
        long[] out = (long[]) dst.array;
        int rank = layout.rank();
        int[] shape = layout.shape();
        int[] strides = layout.strides();
        int rowStride = dstLayout.stride(0);
        int colStride = dstLayout.stride(1);
        int[] coord = new int[rank];
        int inner = shape[rank - 1];
        int innerStride = strides[rank - 1];
        long rows = layout.numel() / inner;
        int base = layout.offset();
        int at = dstLayout.offset();
        for (long r = 0; r < rows; r++) {
            for (int k = 0; k < inner; k++) {
                if (isNonzero(src, base + k * innerStride)) {
                    coord[rank - 1] = k;
                    for (int d = 0; d < rank; d++) {
                        out[at + d * colStride] = coord[d];
                    }
                    at += rowStride;
                }
            }
            for (int d = rank - 2; d >= 0; d--) {
                base += strides[d];
                if (++coord[d] < shape[d]) {
                    break;
                }
                base -= strides[d] * shape[d];
                coord[d] = 0;
            }
        }
    }

    private static boolean isNonzero(CpuStorage s, int i) {
        switch (s.dtype) {
            case FLOAT32: return ((float[]) s.array)[i] != 0;
            case FLOAT64: return ((double[]) s.array)[i] != 0;
            case INT64: return ((long[]) s.array)[i] != 0;
            case BOOL: return ((boolean[]) s.array)[i];
            default: return s.getDouble(i) != 0;
        }
    }

    // ------------------------------------------------------------------ linear index

    /**
     * The row-major linear index {@code sum_j idx_j * (sizes[j+1] * ... )} of broadcast int64 index tensors, negative
     * indices wrapped; the first value outside {@code [-size, size)} (row-major, j ascending) throws. Large ones run
     * over the worker pool; where a task finds a value out of range, the whole index runs again on the calling thread,
     * which throws for the first one in row-major order, whichever task failed first. {@code
     * -Dember.linearIndex.serial=true} (read per call) keeps the calling thread alone, as before session 54.
     */
    static void linearIndex(CpuStorage[] indices, Layout[] layouts, long[] sizes, CpuStorage dst, Layout dstLayout,
                            String message) {
        if (dstLayout.numel() == 0) {
            return;
        }
        int k = indices.length;
        Layout[] all = new Layout[k + 1];
        all[0] = dstLayout;
        long[][] idx = new long[k][];
        for (int j = 0; j < k; j++) {
            all[j + 1] = layouts[j];
            idx[j] = (long[]) indices[j].array;
        }
        long[] out = (long[]) dst.array;
        StridedLoop loop = new StridedLoop(all);
        StridedLoop.RowKernel kernel = (off, n, st) -> {
            for (int e = 0; e < n; e++) {
                long acc = 0;
                for (int j = 0; j < k; j++) {
                    long v = idx[j][off[j + 1] + e * st[j + 1]];
                    long size = sizes[j];
                    if (v < -size || v >= size) {
                        throw new IndexOutOfBoundsException(String.format(Locale.ROOT, message, v, j, size));
                    }
                    acc = acc * size + (v < 0 ? v + size : v);
                }
                out[off[0] + e * st[0]] = acc;
            }
        };
        if (Boolean.getBoolean("ember.linearIndex.serial")) {
            loop.run(kernel, false);
            return;
        }
        try {
            loop.run(kernel, true);
        } catch (IndexOutOfBoundsException e) {
            loop.run(kernel, false); // throws for the first value out of range in row-major order
            throw e;
        }
    }
}
