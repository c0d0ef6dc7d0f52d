package dev.ember.cpu;

import dev.ember.backend.BinaryOp;
import dev.ember.backend.Layout;

/**
 * Softmax and log-softmax of a float32 tensor along one dimension, and their gradients, with PyTorch's bits. Over the
 * last dimension: its vectorized CPU kernels ({@code _vec_softmax_lastdim}, {@code _vec_log_softmax_lastdim},
 * {@code _vec_host_softmax_backward_lastdim}) a row at a time, Sleef's exp and log and float sums in
 * {@code Vectorized<float>}'s order ({@link VectorSleef#softmaxRow}, {@link VectorSleef#softmaxBackwardRow}); rows
 * run in parallel (PyTorch splits them whole too, so the thread count does not change the bits). Over another
 * dimension: {@code _vec_softmax}, {@code _vec_logsoftmax}, {@code _vec_softmax_backward} and
 * {@code _vec_log_softmax_backward}, vectors along the contiguous inner positions, each column reduced in order
 * ({@link VectorSleef#softmaxColumns} a vector of columns at a time; {@link VectorSleef#logSoftmaxChunk} and
 * {@link VectorSleef#softmaxBackwardChunk} in 2.x's chunks of columns a row at a time, {@link #chunk}, or with
 * {@code -Dember.softmax.columnwise=true} a vector of columns at a time as before, the same bits), on a contiguous
 * copy of a strided operand (PyTorch makes its operands contiguous first). {@code -Dember.cpu.exactTranscendentals=true} (read at each call) keeps the old path: every
 * dimension a row at a time through a scratch row, with the float polynomial exp of the attention kernels
 * ({@link ElementwiseKernels#expFloat}), a double sum and {@code (x - max) - log(sum)}, and the composed backward
 * (mul, sum, sub). The composition it all replaced (amax, sub, exp, sum, div) made five passes and four temporaries.
 */
final class SoftmaxKernels {
    private static final ElementwiseKernels.FloatLoops LOOPS = ElementwiseKernels.loops();

    private SoftmaxKernels() {
    }

    /** Whether the kernel exists here: it is written on the Vector API loops. */
    static boolean available() {
        return LOOPS != null;
    }

    /**
     * Softmax or log-softmax of {@code x} (float32, any layout) along {@code dim} into the row-major {@code out}. A row
     * that is not contiguous in x, or in out (dim not the last), goes through a scratch row, so every row is computed
     * from a contiguous copy of its values: the same bits in every layout.
     */
    static void softmax(CpuStorage x, Layout xl, int dim, boolean log, CpuStorage out) {
        int rank = xl.rank();
        int n = xl.size(dim);
        long numel = xl.numel();
        if (numel == 0) {
            return;
        }
        int rows = (int) (numel / n);
        int inner = 1;
        for (int d = dim + 1; d < rank; d++) {
            inner *= xl.size(d);
        }
        int innerCount = inner;
        // the other dimensions, outermost first, with x's strides: row r's position in them is r's digits
        int[] shape = new int[rank - 1];
        int[] strides = new int[rank - 1];
        for (int d = 0, k = 0; d < rank; d++) {
            if (d != dim) {
                shape[k] = xl.size(d);
                strides[k++] = xl.stride(d);
            }
        }
        int xStride = xl.stride(dim);
        float[] a = (float[]) x.array;
        float[] o = (float[]) out.array;
        boolean exact = SleefFloat.exact();
        if (dim != rank - 1 && !exact) {
            // PyTorch's kernels over another dimension (an inner size of 1 included) on a contiguous copy, as
            // SoftMax.cpp makes the input contiguous first
            float[] src = a;
            int so = xl.offset();
            if (!xl.isContiguous()) {
                src = contiguous(x, xl);
                so = 0;
            }
            int outer = (int) (numel / ((long) n * innerCount));
            float[] in = src;
            int io = so;
            if (log && !columnwise()) {
                // _vec_logsoftmax's chunks, a row of each at a time
                columnTasks(outer, n, innerCount, chunk(n), (base, j0, j1, scratch) ->
                        LOOPS.logSoftmaxChunk(in, io + base, o, base, n, innerCount, j0, j1, scratch));
                return;
            }
            columnTasks(outer, n, innerCount, COLUMN_BLOCK, (base, j0, j1, scratch) -> {
                if (log) {
                    LOOPS.logSoftmaxColumns(in, io + base, o, base, n, innerCount, j0, j1, scratch);
                } else {
                    LOOPS.softmaxColumns(in, io + base, o, base, n, innerCount, j0, j1);
                }
            });
            return;
        }
        boolean lastDim = innerCount == 1 && !exact;
        boolean xRows = lastDim && xl.isContiguous(); // row r at offset + r n, without rowStart's divisions
        if (xRows && LOOPS.softmaxRowsFit(n) && !Boolean.getBoolean(ROW_AT_A_TIME_PROPERTY)) {
            // short rows, a block at a time (VectorSoftmaxRows): the same bits with less fixed cost per row
            int xo = xl.offset();
            CpuThreads.parallelFor(rows, CpuThreads.chunks(rows, 10L * n), (task, from, to) ->
                    LOOPS.softmaxRows(a, xo + from * n, o, from * n, n, to - from, log, new float[256]));
            return;
        }
        // exp costs about ten elementwise passes: count it so
        CpuThreads.parallelFor(rows, CpuThreads.chunks(rows, 10L * n), (task, from, to) -> {
            float[] in = xStride == 1 ? null : new float[n];
            float[] res = innerCount == 1 ? null : new float[n];
            float[] lanes = new float[64];
            for (int r = from; r < to; r++) {
                int xo = xRows ? xl.offset() + r * n : rowStart(xl.offset(), shape, strides, r);
                // out is row-major: row r starts at (r / inner) * n * inner + r % inner, its elements inner apart
                int oo = (r / innerCount) * n * innerCount + r % innerCount;
                float[] src = a;
                int so = xo;
                if (in != null) {
                    for (int j = 0; j < n; j++) {
                        in[j] = a[xo + j * xStride];
                    }
                    src = in;
                    so = 0;
                }
                if (lastDim) {
                    LOOPS.softmaxRow(src, so, o, oo, n, log, lanes);
                } else if (res == null) {
                    row(src, so, o, oo, n, log);
                } else {
                    row(src, so, res, 0, n, log);
                    for (int j = 0; j < n; j++) {
                        o[oo + j * innerCount] = res[j];
                    }
                }
            }
        });
    }

    /** The position of row {@code r}'s first element: r's digits over {@code shape} (outermost first) times strides. */
    private static int rowStart(int offset, int[] shape, int[] strides, int r) {
        int at = offset;
        for (int k = shape.length - 1, rest = r; k >= 0; k--) {
            at += (rest % shape[k]) * strides[k];
            rest /= shape[k];
        }
        return at;
    }

    /** The shape of {@code l} without its last dimension. */
    private static int[] outerShape(Layout l) {
        int[] shape = new int[l.rank() - 1];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = l.size(d);
        }
        return shape;
    }

    /** The strides of {@code l} without its last dimension. */
    private static int[] outerStrides(Layout l) {
        int[] strides = new int[l.rank() - 1];
        for (int d = 0; d < strides.length; d++) {
            strides[d] = l.stride(d);
        }
        return strides;
    }

    /**
     * The gradient of softmax ({@code log} false) or log-softmax over {@code dim} of float32 tensors, from the
     * incoming gradient {@code g} and the forward's result {@code y} (any layouts of one shape) into the row-major
     * {@code out}. Over the last dimension: PyTorch's {@code _vec_host_softmax_backward_lastdim} a row at a time
     * ({@link FloatLoops#softmaxBackwardRow}), rows in parallel, a row that is not contiguous through a scratch copy;
     * short rows of contiguous operands a block of rows at a time ({@link FloatLoops#softmaxBackwardRows}, the same
     * bits; {@link #BACKWARD_ROW_AT_A_TIME_PROPERTY} keeps the row kernel); over another, {@link #backwardColumns}.
     * Every layout gives the same bits.
     */
    static void softmaxBackward(CpuStorage g, Layout gl, CpuStorage y, Layout yl, int dim, boolean log,
                                CpuStorage out) {
        int rank = gl.rank();
        long numel = gl.numel();
        if (numel == 0) {
            return;
        }
        if (dim != rank - 1) {
            backwardColumns(g, gl, y, yl, dim, log, out);
            return;
        }
        int n = gl.size(rank - 1);
        int rows = (int) (numel / n);
        int[] shape = outerShape(gl);
        int[] gStrides = outerStrides(gl);
        int[] yStrides = outerStrides(yl);
        int gStride = gl.stride(rank - 1);
        int yStride = yl.stride(rank - 1);
        float[] ga = (float[]) g.array;
        float[] ya = (float[]) y.array;
        float[] o = (float[]) out.array;
        // rows at offset + r n where contiguous: rowStart's divisions per row took a tenth of a row's time at n = 128
        boolean gRows = gl.isContiguous();
        boolean yRows = yl.isContiguous();
        if (gRows && yRows && LOOPS.softmaxRowsFit(n) && !Boolean.getBoolean(BACKWARD_ROW_AT_A_TIME_PROPERTY)) {
            // short rows, a block at a time (VectorSoftmaxRows): the same bits with the rows' sums side by side
            int go = gl.offset();
            int yo = yl.offset();
            CpuThreads.parallelFor(rows, CpuThreads.chunks(rows, 4L * n), (task, from, to) ->
                    LOOPS.softmaxBackwardRows(ga, go + from * n, ya, yo + from * n, o, from * n, n, to - from, log,
                            new float[256]));
            return;
        }
        // one exp for log-softmax's rows, a few products and sums: counted as four passes
        CpuThreads.parallelFor(rows, CpuThreads.chunks(rows, 4L * n), (task, from, to) -> {
            float[] gRow = gStride == 1 ? null : new float[n];
            float[] yRow = yStride == 1 ? null : new float[n];
            float[] lanes = new float[64];
            for (int r = from; r < to; r++) {
                int go = gRows ? gl.offset() + r * n : rowStart(gl.offset(), shape, gStrides, r);
                int yo = yRows ? yl.offset() + r * n : rowStart(yl.offset(), shape, yStrides, r);
                float[] gs = ga;
                float[] ys = ya;
                if (gRow != null) {
                    for (int j = 0; j < n; j++) {
                        gRow[j] = ga[go + j * gStride];
                    }
                    gs = gRow;
                    go = 0;
                }
                if (yRow != null) {
                    for (int j = 0; j < n; j++) {
                        yRow[j] = ya[yo + j * yStride];
                    }
                    ys = yRow;
                    yo = 0;
                }
                LOOPS.softmaxBackwardRow(gs, go, ys, yo, o, r * n, n, log, lanes);
            }
        });
    }

    /**
     * The gradient of softmax or log-softmax over a dimension other than the last: PyTorch's
     * {@code _vec_softmax_backward} / {@code _vec_log_softmax_backward} ({@link FloatLoops#softmaxBackwardColumns}) on
     * contiguous copies of g and y where they are strided (SoftMax.cpp makes both contiguous first).
     */
    private static void backwardColumns(CpuStorage g, Layout gl, CpuStorage y, Layout yl, int dim, boolean log,
                                        CpuStorage out) {
        int n = gl.size(dim);
        int inner = 1;
        for (int d = dim + 1; d < gl.rank(); d++) {
            inner *= gl.size(d);
        }
        int outer = (int) (gl.numel() / ((long) n * inner));
        float[] ga = gl.isContiguous() ? (float[]) g.array : contiguous(g, gl);
        int go = gl.isContiguous() ? gl.offset() : 0;
        float[] ya = yl.isContiguous() ? (float[]) y.array : contiguous(y, yl);
        int yo = yl.isContiguous() ? yl.offset() : 0;
        float[] o = (float[]) out.array;
        int innerCount = inner;
        if (columnwise()) {
            columnTasks(outer, n, inner, COLUMN_BLOCK, (base, j0, j1, scratch) ->
                    LOOPS.softmaxBackwardColumns(ga, go + base, ya, yo + base, o, base, n, innerCount, j0, j1, log));
            return;
        }
        columnTasks(outer, n, inner, chunk(n), (base, j0, j1, scratch) ->
                LOOPS.softmaxBackwardChunk(ga, go + base, ya, yo + base, o, base, n, innerCount, j0, j1, log, scratch));
    }

    /**
     * The system property that keeps the row kernel ({@link FloatLoops#softmaxRow}) a row at a time for short
     * contiguous rows over the last dimension, in place of {@link FloatLoops#softmaxRows}'s blocks of rows (the same
     * bits; read at each call, for before/after measurements).
     */
    static final String ROW_AT_A_TIME_PROPERTY = "ember.softmax.rowAtATime";

    /**
     * The system property that keeps the backward's row kernel ({@link FloatLoops#softmaxBackwardRow}) a row at a time
     * for short contiguous rows over the last dimension, in place of {@link FloatLoops#softmaxBackwardRows}'s blocks of
     * rows (the same bits; read at each call, for before/after measurements).
     */
    static final String BACKWARD_ROW_AT_A_TIME_PROPERTY = "ember.softmax.backwardRowAtATime";

    /**
     * The system property that restores the column-at-a-time loops over a dimension other than the last (a vector of
     * inner positions down the whole dimension) for log_softmax's forward and both backwards, in place of PyTorch
     * 2.x's chunked order (the same bits; read at each call, for before/after measurements).
     */
    static final String COLUMNWISE_PROPERTY = "ember.softmax.columnwise";

    private static boolean columnwise() {
        return Boolean.getBoolean(COLUMNWISE_PROPERTY);
    }

    /**
     * The system property for the floats of an operand per chunk of {@link #chunk} (read at each call; default 65536,
     * 256 KiB, in the second-level cache of current x86 cores): the chunks do not change the bits, and SoftmaxBitsTest
     * sets a small one so that its cases span several chunks.
     */
    static final String CHUNK_FLOATS_PROPERTY = "ember.softmax.chunkFloats";

    /**
     * Inner positions per chunk over a dimension of {@code n}: 65536 floats ({@link #CHUNK_FLOATS_PROPERTY}) over n
     * (twice PyTorch's 128 KiB
     * {@code BLOCK_SIZE}), rounded down to a multiple of {@link #COLUMN_BLOCK} (of every vector width), at least that.
     * On [16, 128, 512] over dim 1 a chunk is a whole [128, 512] block, read in order, where the column-at-a-time loops
     * read one cache line in each of 128 rows 2 KiB apart. Thread CPU time, one thread, alternated in one JVM (session
     * 52, load 18-23), fwd+bwd rows as OpSweep's: PyTorch's 128 KiB (256 positions, rows of 1 KiB) against this
     * (512): softmax(1) fwd+bwd 2,200 / 1,900 us, log_softmax(1) fwd+bwd 2,100 / 1,390, log_softmax(1) forward 900 /
     * 700; against {@link #COLUMNWISE_PROPERTY}'s loops (load 15-17): 2,770 / 2,020, 2,840 / 1,450 and 1,580 / 710.
     */
    static int chunk(int n) {
        int floats = Integer.getInteger(CHUNK_FLOATS_PROPERTY, 65536);
        return Math.max(COLUMN_BLOCK, (floats / Math.max(1, n)) / COLUMN_BLOCK * COLUMN_BLOCK);
    }

    /** A row-major copy of the float32 {@code s} in layout {@code l}. */
    private static float[] contiguous(CpuStorage s, Layout l) {
        float[] c = new float[l.numelInt()];
        ElementwiseKernels.copy(s, l, new CpuStorage(s.dtype, c), Layout.contiguous(l.shape()));
        return c;
    }

    /** Inner positions per task of {@link #columnTasks}: a multiple of every vector width. */
    private static final int COLUMN_BLOCK = 64;

    /** One task of {@link #columnTasks}: the block at {@code base} (its outer index's), inner positions j0..j1. */
    private interface ColumnTask {
        void run(int base, int j0, int j1, float[] scratch);
    }

    /**
     * Runs a kernel over a dimension other than the last of a contiguous {@code [outer, n, inner]} tensor, vectors
     * along the contiguous inner dimension, in tasks of {@code block} inner positions of one outer index (a multiple of
     * {@link #COLUMN_BLOCK}; the vector/scalar split is by inner position, so the tasks and the thread count do not
     * change the bits), each with a scratch of {@code 2 block} floats (at least 64). The row-at-a-time path it
     * replaced gathered each row through a scratch copy, {@code inner} floats apart (4.2x PyTorch's time on
     * [16, 128, 512] over dim 1). {@code -Dember.cpu.exactTranscendentals=true} keeps that path.
     */
    private static void columnTasks(int outer, int n, int inner, int block, ColumnTask task) {
        int width = Math.min(block, (inner + COLUMN_BLOCK - 1) / COLUMN_BLOCK * COLUMN_BLOCK);
        int blocks = (inner + width - 1) / width;
        int tasks = outer * blocks;
        CpuThreads.parallelFor(tasks, CpuThreads.chunks(tasks, 10L * n * Math.min(inner, width)),
                (t0, from, to) -> {
                    float[] scratch = new float[Math.max(64, 2 * width)];
                    for (int t = from; t < to; t++) {
                        int b = t % blocks;
                        int j0 = b * width;
                        task.run((t / blocks) * n * inner, j0, Math.min(inner, j0 + width), scratch);
                    }
                });
    }

    private static void row(float[] x, int xo, float[] o, int oo, int n, boolean log) {
        float max = LOOPS.extreme(true, x, xo, n); // NaN where one is NaN: the row is NaN, as x - NaN is
        System.arraycopy(x, xo, o, oo, n);
        LOOPS.expSum(o, oo, n, 1f, max); // e = exp(x - max), in place
        double sum = LOOPS.sumWidened(o, oo, n);
        if (log) {
            float logSum = (float) Math.log((float) sum);
            LOOPS.binaryScalar(BinaryOp.SUB, x, xo, max, o, oo, n);
            LOOPS.binaryScalar(BinaryOp.SUB, o, oo, logSum, o, oo, n);
        } else {
            LOOPS.scale(o, oo, n, 1f / (float) sum);
        }
    }
}
