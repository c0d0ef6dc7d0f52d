package dev.ember.cpu;

import dev.ember.backend.Layout;

/**
 * A same-type copy whose rows are contiguous on both sides but not with each other ({@code permute(0, 2, 1, 3)
 * .contiguous()} of attention heads, a narrowed block, a strided slice of rows): one {@code System.arraycopy} per
 * row, the rows walked by an odometer over the outer dimensions with the innermost of them a plain loop.
 * {@link StridedLoop}'s general row loop paid about 8 ns a row on top of the copy (a row kernel called through an
 * interface, its checks, an odometer over every operand), more than the copy of a 64-float row itself (session 49:
 * {@code [16,128,8,64].permute(0,2,1,3).contiguous()} 240 us against clone's 100 us on one thread).
 * {@code -Dember.copy.rowLoop=true} keeps the general loop.
 */
final class RowBlockCopy {
    /** Rows longer than this take the general loop (its per-row cost no longer matters). */
    private static final int MAX_ROW = 1024;
    private static final String ROW_LOOP_PROPERTY = "ember.copy.rowLoop";

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
        if (threads < 2 || elements < 2L * StridedLoop.PARALLEL_GRAIN || CpuThreads.inTask()) {
            rows(src, so, ss, dst, dof, ds, shape, 0, total);
        } else {
            int chunks = (int) Math.min(total, threads * 4L);
            CpuThreads.parallelFor(total, chunks, (task, from, to) -> rows(src, so, ss, dst, dof, ds, shape, from, to));
        }
        return true;
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
