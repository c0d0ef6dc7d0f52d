package dev.ember.cpu;

import dev.ember.backend.Layout;

/**
 * A same-type copy whose rows are contiguous on both sides but not with each other ({@code permute(0, 2, 1, 3)
 * .contiguous()} of attention heads, a narrowed block, a strided slice of rows): one {@code System.arraycopy} per
 * row, the rows walked by an odometer over the outer dimensions with the innermost of them a plain loop.
 * {@link StridedLoop}'s general row loop paid about 8 ns a row on top of the copy (a row kernel called through an
 * interface, its checks, an odometer over every operand), more than the copy of a 64-float row itself (session 49:
 * {@code [16,128,8,64].permute(0,2,1,3).contiguous()} 240 us against clone's 100 us on one thread).
 * {@code -Dember.copy.rowLoop=true} keeps the general loop. The rows are walked in the source's memory order
 * ({@link #sourceOrder}, session 59), except by a split across the pool whose tasks would then write interleaved
 * rows of the output ({@link #ownSlabs}, session 60).
 */
final class RowBlockCopy {
    /** Rows longer than this take the general loop (its per-row cost no longer matters). */
    private static final int MAX_ROW = 1024;
    private static final String ROW_LOOP_PROPERTY = "ember.copy.rowLoop";
    /** {@code -Dember.copy.dstOrder=true} (read per call): the rows walked in the output's order (before session 59). */
    private static final String DST_ORDER_PROPERTY = "ember.copy.dstOrder";
    /** {@code -Dember.cpu.copy.oldRows=true} (read per call): every split in the source's order ({@link #ownSlabs}). */
    private static final String OLD_ROWS_PROPERTY = "ember.cpu.copy.oldRows";

    private RowBlockCopy() {
    }

    /**
     * Copies {@code src} (in {@code ls}) into {@code dst} (in {@code ld}), arrays of one type, if both layouts' merged
     * rows are contiguous, short and more than one; false otherwise (nothing written).
     */
    static boolean copy(Object src, Layout ls, Object dst, Layout ld) {
        if (ld.rank() < 2 || ld.numel() == 0 || Boolean.getBoolean(ROW_LOOP_PROPERTY)) {
            return false;
        }
        Layout[] merged = Layout.coalesce(ld, ls);
        int[] shape = merged[0].shape();
        int n = shape.length;
        if (n < 2 || shape[n - 1] > MAX_ROW) {
            return false;
        }
        int[] ds = merged[0].strides();
        int[] ss = merged[1].strides();
        if (ds[n - 1] != 1 || ss[n - 1] != 1) {
            return false;
        }
        long rows = 1;
        for (int d = 0; d < n - 1; d++) {
            rows *= shape[d];
        }
        if (rows < 2 || rows > Integer.MAX_VALUE) {
            return false;
        }
        int so = merged[1].offset();
        int dof = merged[0].offset();
        int total = (int) rows;
        long elements = rows * shape[n - 1];
        int threads = CpuThreads.threads();
        boolean serial = threads < 2 || elements < 2L * StridedLoop.PARALLEL_GRAIN || CpuThreads.inTask();
        int chunks = serial ? 1 : (int) Math.min(total, threads * 4L);
        if (!Boolean.getBoolean(DST_ORDER_PROPERTY)) {
            int[] sh = shape.clone();
            int[] sd = ds.clone();
            int[] sst = ss.clone();
            sourceOrder(sh, sd, sst);
            if (serial || Boolean.getBoolean(OLD_ROWS_PROPERTY) || ownSlabs(sh, sd, chunks)) {
                System.arraycopy(sh, 0, shape, 0, n);
                System.arraycopy(sd, 0, ds, 0, n);
                System.arraycopy(sst, 0, ss, 0, n);
            }
        }
        if (serial) {
            rows(src, so, ss, dst, dof, ds, shape, 0, total);
        } else {
            CpuThreads.parallelFor(total, chunks, (task, from, to) -> rows(src, so, ss, dst, dof, ds, shape, from, to));
        }
        return true;
    }

    /**
     * Whether the tasks of a split over rows in the source's order ({@link #sourceOrder}'s {@code shape} and
     * destination strides {@code ds}) each write a block of the output of their own: the outermost dimension has the
     * largest destination stride and at least one index per task ({@code permute(0, 2, 1, 3)} of attention heads: the
     * batch). Otherwise (transpose(0, 1) of [16, 128, 512]: the source's order walks the output's second dimension
     * outermost) every task writes rows all over the output, next to the rows of the task running beside it: with
     * Java's 16-byte array header a row boundary shares its cache line with the next row, which two threads then
     * write at about the same time for each of the 128 rows they have in common (the likely cause of that copy
     * scaling 1.3x from one thread to two where clone scales 1.9x, session 60's quiet sweep); the split then walks
     * the output's order, each task one stretch of it, as PyTorch's copy does (session 60: the CPU time of both
     * threads about 8% lower on a loaded host, indicative).
     * {@code -Dember.cpu.copy.oldRows=true} (read per call) keeps the source's order for every split, as session 59.
     */
    private static boolean ownSlabs(int[] shape, int[] ds, int chunks) {
        int outer = shape.length - 1;
        if (shape[0] < chunks) {
            return false;
        }
        long top = Math.abs((long) ds[0]);
        for (int d = 1; d < outer; d++) {
            if (shape[d] > 1 && Math.abs((long) ds[d]) > top) {
                return false;
            }
        }
        return true;
    }

    /**
     * Copies each {@code srcs[k]} (in {@code ls[k]}) into {@code dst} at {@code ld[k]}, arrays of one type, in one pass
     * over the rows, if every pair's merged layouts are rows of dense elements and all pairs have the same number of
     * rows (cat along the last dimension: each output row gets every input's piece before the next row): false
     * otherwise (nothing written). One pass per input, as before session 55, wrote each output row in pieces a pass
     * apart: 2048 rows of four 128-float pieces took 1.6x the time of one pass (thread CPU, one thread, session 55).
     * {@code -Dember.cpu.cat.old=true} (read per call) keeps one pass per input.
     */
    static boolean copyInto(Object[] srcs, Layout[] ls, Object dst, Layout[] ld) {
        int k = srcs.length;
        if (k < 2 || Boolean.getBoolean("ember.cpu.cat.old")) {
            return false;
        }
        int[] so = new int[k];
        int[] ss = new int[k];
        int[] dof = new int[k];
        int[] dstep = new int[k];
        int[] len = new int[k];
        int rows = -1;
        long elements = 0;
        for (int j = 0; j < k; j++) {
            if (ld[j].numel() == 0) {
                return false;
            }
            Layout[] merged = Layout.coalesce(ld[j], ls[j]);
            int[] shape = merged[0].shape();
            if (shape.length != 2 || merged[0].strides()[1] != 1 || merged[1].strides()[1] != 1
                    || rows >= 0 && shape[0] != rows) {
                return false;
            }
            rows = shape[0];
            len[j] = shape[1];
            dof[j] = merged[0].offset();
            dstep[j] = merged[0].strides()[0];
            so[j] = merged[1].offset();
            ss[j] = merged[1].strides()[0];
            elements += (long) rows * shape[1];
        }
        int total = rows;
        if (CpuThreads.threads() < 2 || elements < 2L * StridedLoop.PARALLEL_GRAIN || CpuThreads.inTask()) {
            pieces(srcs, so, ss, dst, dof, dstep, len, 0, total);
        } else {
            int chunks = (int) Math.min(total, CpuThreads.threads() * 4L);
            CpuThreads.parallelFor(total, chunks, (task, from, to) -> pieces(srcs, so, ss, dst, dof, dstep, len, from,
                    to));
        }
        return true;
    }

    /** Rows {@code from} to {@code to} of {@link #copyInto}: each row's pieces in input order. */
    private static void pieces(Object[] srcs, int[] so, int[] ss, Object dst, int[] dof, int[] dstep, int[] len,
                               int from, int to) {
        int k = srcs.length;
        if (dst instanceof float[] o) {
            float[][] a = new float[k][];
            for (int j = 0; j < k; j++) {
                a[j] = (float[]) srcs[j];
            }
            for (int r = from; r < to; r++) {
                for (int j = 0; j < k; j++) {
                    System.arraycopy(a[j], so[j] + r * ss[j], o, dof[j] + r * dstep[j], len[j]);
                }
            }
        } else {
            // other types: the arraycopy checks the arrays' types at each call, still one pass over the output
            for (int r = from; r < to; r++) {
                for (int j = 0; j < k; j++) {
                    System.arraycopy(srcs[j], so[j] + r * ss[j], dst, dof[j] + r * dstep[j], len[j]);
                }
            }
        }
    }

    /**
     * Reorders the outer dimensions (all but the row's) in place so that the source's strides decrease, ties in their
     * order: the rows are then read in the source's memory order and written where they go. For
     * {@code permute(0, 2, 1, 3).contiguous()} of [16, 128, 8, 64] heads, walking the output's order read 256-byte rows
     * 2 KiB apart, eight passes over each 256 KiB slab; the source's order reads it once, straight through, and writes
     * the rows 32 KiB apart: about 190 against 260 us of one core for the same 65536 copies (session 59, thread CPU
     * time on a loaded host). A source broadcast along an outer dimension (stride 0) keeps the output's order.
     */
    private static void sourceOrder(int[] shape, int[] ds, int[] ss) {
        int outer = shape.length - 1;
        for (int d = 0; d < outer; d++) {
            if (ss[d] == 0) {
                return;
            }
        }
        // insertion sort by decreasing source stride (stable: equal strides keep the output's order)
        for (int i = 1; i < outer; i++) {
            int sz = shape[i];
            int dd = ds[i];
            int st = ss[i];
            int j = i - 1;
            while (j >= 0 && ss[j] < st) {
                shape[j + 1] = shape[j];
                ds[j + 1] = ds[j];
                ss[j + 1] = ss[j];
                j--;
            }
            shape[j + 1] = sz;
            ds[j + 1] = dd;
            ss[j + 1] = st;
        }
    }

    /** Rows {@code from} to {@code to} (row-major over the outer dimensions). */
    private static void rows(Object src, int so, int[] ss, Object dst, int dof, int[] ds, int[] shape, int from,
            int to) {
        int n = shape.length;
        int len = shape[n - 1];
        int inner = shape[n - 2];
        int sInner = ss[n - 2];
        int dInner = ds[n - 2];
        int r = from;
        while (r < to) {
            // the offsets of row r: its outer index, then its place in the innermost outer dimension
            int i = r % inner;
            int rest = r / inner;
            int s = so + i * sInner;
            int d = dof + i * dInner;
            for (int k = n - 3; k >= 0; k--) {
                int idx = rest % shape[k];
                rest /= shape[k];
                s += idx * ss[k];
                d += idx * ds[k];
            }
            int count = Math.min(to, r - i + inner) - r;
            run(src, s, sInner, dst, d, dInner, count, len);
            r += count;
        }
    }

    /**
     * {@code count} rows of {@code len} elements, {@code sStep} and {@code dStep} apart. Each array type its own loop:
     * an arraycopy whose arrays' types C2 knows is the plain copy stub, an {@code Object}-typed one checks the types at
     * every call.
     */
    private static void run(Object src, int s, int sStep, Object dst, int d, int dStep, int count, int len) {
        if (src instanceof float[] a) {
            float[] o = (float[]) dst;
            for (int r = 0; r < count; r++, s += sStep, d += dStep) {
                System.arraycopy(a, s, o, d, len);
            }
        } else if (src instanceof double[] a) {
            double[] o = (double[]) dst;
            for (int r = 0; r < count; r++, s += sStep, d += dStep) {
                System.arraycopy(a, s, o, d, len);
            }
        } else if (src instanceof long[] a) {
            long[] o = (long[]) dst;
            for (int r = 0; r < count; r++, s += sStep, d += dStep) {
                System.arraycopy(a, s, o, d, len);
            }
        } else if (src instanceof int[] a) {
            int[] o = (int[]) dst;
            for (int r = 0; r < count; r++, s += sStep, d += dStep) {
                System.arraycopy(a, s, o, d, len);
            }
        } else if (src instanceof short[] a) {
            short[] o = (short[]) dst;
            for (int r = 0; r < count; r++, s += sStep, d += dStep) {
                System.arraycopy(a, s, o, d, len);
            }
        } else if (src instanceof byte[] a) {
            byte[] o = (byte[]) dst;
            for (int r = 0; r < count; r++, s += sStep, d += dStep) {
                System.arraycopy(a, s, o, d, len);
            }
        } else {
            boolean[] a = (boolean[]) src;
            boolean[] o = (boolean[]) dst;
            for (int r = 0; r < count; r++, s += sStep, d += dStep) {
                System.arraycopy(a, s, o, d, len);
            }
        }
    }
}
