package dev.ember.cpu;

import dev.ember.backend.Layout;


/**
 * Iterates several layouts of one shape together, row by row: dimensions that are contiguous for every
 * operand are merged first, so a contiguous elementwise op becomes one long row. Large iterations are
 * split across the backend's worker pool ({@link CpuThreads}).
 */
final class StridedLoop {
    /** Elements per task below which a loop stays on the calling thread. */
    static final int PARALLEL_GRAIN = 1 << 15;

    /**
     * Elements at which a long row's chunks start: a multiple of every pass of PyTorch's vectorized loops (32 floats
     * on AVX-512, 16 on AVX2: {@link SleefFloat#vectorPart}) and 256 bytes of floats.
     */
    static final int ROW_ALIGN = 64;

    /** Called with each operand's offset of the first element of a row, the row length and strides. */
    interface RowKernel {
        void row(int[] offsets, int length, int[] strides);
    }

    final int[] shape;       // merged shape; the last dimension is the row
    final int[][] strides;   // merged strides per operand
    final int[] offsets;
    final int rows;
    final int rowLength;

    /** The one row's strides when the iteration is a single row (see {@link #flat}). */
    private final int[] rowStrides;

    /** Iterates the layouts; the first (an output, or a dense operand) must have at most {@code Integer.MAX_VALUE} elements. */
    StridedLoop(Layout... layouts) {
        int k = layouts.length;
        int numel = layouts[0].numelInt();
        if (flat(layouts)) {
            // every operand dense or one broadcast element: one row, no merging (the common small op, where the
            // bookkeeping below cost more than the arithmetic)
            shape = new int[] {numel};
            strides = null;
            offsets = new int[k];
            rowStrides = new int[k];
            for (int o = 0; o < k; o++) {
                offsets[o] = layouts[o].offset();
                rowStrides[o] = layouts[o].numel() == numel && isZero(layouts[o].strides()) && numel > 1 ? 0 : 1;
            }
            rowLength = numel;
            rows = numel == 0 ? 0 : 1;
            return;
        }
        rowStrides = null;
        Layout[] merged = Layout.coalesce(layouts);
        shape = merged[0].shape();
        strides = new int[k][];
        offsets = new int[k];
        for (int o = 0; o < k; o++) {
            strides[o] = merged[o].strides();
            offsets[o] = merged[o].offset();
        }
        int n = shape.length;
        rowLength = shape[n - 1];
        long r = 1;
        for (int i = 0; i < n - 1; i++) {
            r *= shape[i];
        }
        rows = numel == 0 ? 0 : (int) r;
    }

    private static boolean isZero(int[] strides) {
        for (int st : strides) {
            if (st != 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether each layout is dense row-major or a single element broadcast (all strides zero). */
    private static boolean flat(Layout[] layouts) {
        for (Layout l : layouts) {
            if (!l.isContiguous() && !isZero(l.strides())) {
                return false;
            }
        }
        return true;
    }

    /** Runs {@code kernel} over every row, in parallel when large and {@code parallel} allows. */
    void run(RowKernel kernel, boolean parallel) {
        run(kernel, parallel, 1);
    }

    /**
     * {@link #run(RowKernel, boolean)} where each iterated element stands for {@code cost} elements of work (an output
     * of a reduction over a run of {@code cost} elements, a line of a sort): the split into tasks weighs the iterated
     * elements times {@code cost} against {@link #PARALLEL_GRAIN}. Counting the iterated elements alone kept 2048
     * outputs of 512 floats each (amax(-1) of [16, 128, 512]) or 2048 lines of a topk on one thread, whatever the
     * caller's {@code parallel}. Each task still runs whole outputs, so the values do not depend on the split.
     * {@code -Dember.loop.elementsOnly=true} (read per call) counts the iterated elements alone, as before session 49.
     */
    void run(RowKernel kernel, boolean parallel, long cost) {
        if (rows == 0 || rowLength == 0) {
            return;
        }
        long total = (long) rows * rowLength;
        long work = cost > 1 && !Boolean.getBoolean("ember.loop.elementsOnly") ? total * cost : total;
        boolean split = parallel && work >= 2L * PARALLEL_GRAIN && total > 1 && CpuThreads.threads() >= 2;
        if (rowStrides != null && !split) {
            kernel.row(offsets.clone(), rowLength, rowStrides.clone());
            return;
        }
        if (!split) {
            runRows(kernel, 0, rows);
            return;
        }
        long most = Math.min(CpuThreads.threads() * 4L, work / PARALLEL_GRAIN);
        if (rows == 1) {
            // one long row: split it into chunks that start at whole passes of ROW_ALIGN elements, so that a kernel
            // whose bits depend on the position in the run (GELU's tanh form: PyTorch's scalar tail) sees the row's
            // own end as its only tail, whatever the thread count
            int passes = (int) (((long) rowLength + ROW_ALIGN - 1) / ROW_ALIGN);
            int chunks = (int) Math.min(passes, most);
            int k = offsets.length;
            CpuThreads.parallelFor(passes, chunks, (task, p0, p1) -> {
                int start = p0 * ROW_ALIGN;
                int end = (int) Math.min(rowLength, (long) p1 * ROW_ALIGN);
                int[] off = new int[k];
                int[] st = new int[k];
                for (int o = 0; o < k; o++) {
                    st[o] = rowStrides != null ? rowStrides[o] : strides[o][shape.length - 1];
                    off[o] = offsets[o] + start * st[o];
                }
                kernel.row(off, end - start, st);
            });
            return;
        }
        int chunks = (int) Math.min(rows, Math.max(2, most));
        CpuThreads.parallelFor(rows, chunks, (task, from, to) -> runRows(kernel, from, to));
    }

    private void runRows(RowKernel kernel, int from, int to) {
        int n = shape.length;
        int k = offsets.length;
        int[] idx = new int[n];
        // position the odometer at row `from`
        int rem = from;
        for (int d = n - 2; d >= 0; d--) {
            idx[d] = rem % shape[d];
            rem /= shape[d];
        }
        int[] off = new int[k];
        int[] rowStride = new int[k];
        for (int o = 0; o < k; o++) {
            int base = offsets[o];
            for (int d = 0; d < n - 1; d++) {
                base += idx[d] * strides[o][d];
            }
            off[o] = base;
            rowStride[o] = strides[o][n - 1];
        }
        int[] cur = new int[k];
        for (int r = from; r < to; r++) {
            for (int o = 0; o < k; o++) {
                cur[o] = off[o]; // not System.arraycopy: its call for a few elements cost about 100 ns a row
            }
            kernel.row(cur, rowLength, rowStride);
            for (int d = n - 2; d >= 0; d--) {
                idx[d]++;
                for (int o = 0; o < k; o++) {
                    off[o] += strides[o][d];
                }
                if (idx[d] < shape[d]) {
                    break;
                }
                for (int o = 0; o < k; o++) {
                    off[o] -= strides[o][d] * shape[d];
                }
                idx[d] = 0;
            }
        }
    }
}
