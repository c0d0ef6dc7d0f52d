package dev.ember.cpu;

import dev.ember.backend.Layout;


/**
 * A same-type copy whose destination rows are columns of the source ({@code t().contiguous()}, a permuted tensor made
 * row-major, a row-major tensor copied into a transposed one): the row loop would read one element from each of a
 * row's worth of cache lines and pages, so the two dimensions (the destination's unit-stride one and the source's) go
 * in square tiles that stay in L1, as PyTorch's blocked transpose copy does. Other copies return false and take the
 * row loop.
 */
final class TransposeCopy {
    /** Tile side: 32 rows of 32 elements, at most 8 KiB of source lines and 8 KiB of destination for 8-byte types. */
    static final int TILE = 32;
    /** Fewer elements than this take the row loop (the tiling's set-up is not paid back). */
    private static final long MIN_ELEMENTS = 1 << 12;

    private TransposeCopy() {
    }

    /** Copies {@code src} (in {@code ls}) into {@code dst} (in {@code ld}) by tiles if that applies; false otherwise. */
    static boolean copy(Object src, Layout ls, Object dst, Layout ld) {
        if (ld.rank() < 2 || ld.numel() < MIN_ELEMENTS || src instanceof boolean[]) {
            return false;
        }
        Layout[] merged = Layout.coalesce(ld, ls);
        int[] shape = merged[0].shape();
        int n = shape.length;
        if (n < 2) {
            return false;
        }
        int[] ds = merged[0].strides();
        int[] ss = merged[1].strides();
        int p = n - 1;
        if (ds[p] != 1 || ss[p] <= 1) {
            return false;
        }
        int q = -1;
        for (int d = n - 2; d >= 0; d--) {
            if (ss[d] == 1 && shape[d] > 1) {
                q = d;
                break;
            }
        }
        if (q < 0 || shape[q] < 8 || shape[p] < 8 || ds[q] == 0) {
            return false;
        }
        new Plan(src, merged[1].offset(), ss, dst, merged[0].offset(), ds, shape, q).run();
        return true;
    }

    /** The tiled copy of one coalesced pair of layouts; units are (outer index, band of TILE rows of dimension q). */
    private static final class Plan {
        final Object src;
        final Object dst;
        final int srcOffset;
        final int dstOffset;
        final int[] ss;
        final int[] ds;
        final int[] shape;
        final int q;
        final int p;
        final int bands;
        final long units;

        Plan(Object src, int srcOffset, int[] ss, Object dst, int dstOffset, int[] ds, int[] shape, int q) {
            this.src = src;
            this.dst = dst;
            this.srcOffset = srcOffset;
            this.dstOffset = dstOffset;
            this.ss = ss;
            this.ds = ds;
            this.shape = shape;
            this.q = q;
            this.p = shape.length - 1;
            this.bands = (shape[q] + TILE - 1) / TILE;
            long outer = 1;
            for (int d = 0; d < p; d++) {
                if (d != q) {
                    outer *= shape[d];
                }
            }
            this.units = outer * bands;
        }

        void run() {
            long total = 1;
            for (int s : shape) {
                total *= s;
            }
            int threads = CpuThreads.threads();
            if (threads < 2 || total < 2L * StridedLoop.PARALLEL_GRAIN || units < 2 || CpuThreads.inTask()) {
                units(0, units);
                return;
            }
            // units <= total elements, an int (one Java array holds them)
            CpuThreads.parallelFor((int) units, (int) Math.min(units, threads * 4L), (task, from, to) -> units(from, to));
        }

        private void units(long from, long to) {
            for (long u = from; u < to; u++) {
                long outer = u / bands;
                int i0 = (int) (u % bands) * TILE;
                int i1 = Math.min(shape[q], i0 + TILE);
                int so = srcOffset;
                int dof = dstOffset;
                for (int d = p - 1; d >= 0; d--) {
                    if (d == q) {
                        continue;
                    }
                    int idx = (int) (outer % shape[d]);
                    outer /= shape[d];
                    so += idx * ss[d];
                    dof += idx * ds[d];
                }
                band(so, dof, i0, i1);
            }
        }

        /** Rows i0 to i1 of dimension q, all of dimension p, by tiles of TILE columns. */
        private void band(int so, int dof, int i0, int i1) {
            int cols = shape[p];
            int sp = ss[p];
            int dq = ds[q];
            for (int j0 = 0; j0 < cols; j0 += TILE) {
                int j1 = Math.min(cols, j0 + TILE);
                if (src instanceof float[]) {
                    float[] a = (float[]) src;
                    float[] o = (float[]) dst;
                    for (int i = i0; i < i1; i++) {
                        int d = dof + i * dq;
                        int s = so + i;
                        for (int j = j0; j < j1; j++) {
                            o[d + j] = a[s + j * sp];
                        }
                    }
                } else if (src instanceof double[]) {
                    double[] a = (double[]) src;
                    double[] o = (double[]) dst;
                    for (int i = i0; i < i1; i++) {
                        int d = dof + i * dq;
                        int s = so + i;
                        for (int j = j0; j < j1; j++) {
                            o[d + j] = a[s + j * sp];
                        }
                    }
                } else if (src instanceof long[]) {
                    long[] a = (long[]) src;
                    long[] o = (long[]) dst;
                    for (int i = i0; i < i1; i++) {
                        int d = dof + i * dq;
                        int s = so + i;
                        for (int j = j0; j < j1; j++) {
                            o[d + j] = a[s + j * sp];
                        }
                    }
                } else if (src instanceof int[]) {
                    int[] a = (int[]) src;
                    int[] o = (int[]) dst;
                    for (int i = i0; i < i1; i++) {
                        int d = dof + i * dq;
                        int s = so + i;
                        for (int j = j0; j < j1; j++) {
                            o[d + j] = a[s + j * sp];
                        }
                    }
                } else if (src instanceof short[]) {
                    short[] a = (short[]) src;
                    short[] o = (short[]) dst;
                    for (int i = i0; i < i1; i++) {
                        int d = dof + i * dq;
                        int s = so + i;
                        for (int j = j0; j < j1; j++) {
                            o[d + j] = a[s + j * sp];
                        }
                    }
                } else {
                    byte[] a = (byte[]) src;
                    byte[] o = (byte[]) dst;
                    for (int i = i0; i < i1; i++) {
                        int d = dof + i * dq;
                        int s = so + i;
                        for (int j = j0; j < j1; j++) {
                            o[d + j] = a[s + j * sp];
                        }
                    }
                }
            }
        }
    }
}
