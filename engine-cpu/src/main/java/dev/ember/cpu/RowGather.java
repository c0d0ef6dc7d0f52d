package dev.ember.cpu;

import dev.ember.backend.Layout;

/**
 * {@link IndexKernels#gather}'s copy of whole rows: an index that names one block per position of its dimension
 * (index_select, embedding, {@code x[idx]}: the index's stride is zero in every other dimension) from a source whose
 * dimensions after {@code dim} are one dense block, into a dense output. Each output row is one
 * {@code System.arraycopy} of the block, every type through a loop of its own array type (the float16, bfloat16, int8,
 * int32 and bool tables took the element-by-element loops before), the rows split across the pool in consecutive runs,
 * so each task writes one stretch of the output. The source offsets of a run of rows are found first, into a small
 * array, then the typed loop copies them: the copy loop is a load of an offset and the copy stub.
 *
 * <p>Before session 55 these rows went through {@link StridedLoop}'s row loop (an odometer over three operands and a
 * kernel called through an interface per row, element loops for types without an arraycopy case).
 * {@code -Dember.cpu.indexSelect.old=true} (read per call) keeps that path. The values are the same bits: both copy.
 */
final class RowGather {
    /** Rows shorter than this keep the general loop (a call of the copy stub per few elements costs more than it saves). */
    static final int MIN_ROW = 16;
    /** Rows whose source offsets are found at once before they are copied. */
    private static final int BATCH = 256;

    private RowGather() {
    }

    /**
     * Copies the rows if the operands have the form above; false (nothing written) otherwise. The index values must
     * already be in range (the callers check them in one pass before they allocate the output).
     *
     * @param src       the source array
     * @param srcLayout the source's layout
     * @param dim       the indexed dimension
     * @param idx       the int64 index array
     * @param indexLayout the index's layout over the output's shape (stride 0 outside {@code dim})
     * @param dst       the output array, of the source's type
     * @param dstLayout the output's layout
     */
    static boolean copy(Object src, Layout srcLayout, int dim, long[] idx, Layout indexLayout, Object dst,
                        Layout dstLayout) {
        int rank = dstLayout.rank();
        if (rank == 0 || srcLayout.rank() != rank || !dstLayout.isContiguous() || dstLayout.numel() == 0
                || Boolean.getBoolean("ember.cpu.indexSelect.old")) {
            return false;
        }
        int[] shape = dstLayout.shape();
        int[] istr = indexLayout.strides();
        int[] sstr = srcLayout.strides();
        int[] sshape = srcLayout.shape();
        for (int k = 0; k < rank; k++) {
            if (k != dim && (istr[k] != 0 && shape[k] != 1 || sshape[k] != shape[k])) {
                return false;
            }
        }
        long inner = 1;
        for (int k = rank - 1; k > dim; k--) {
            if (shape[k] != 1 && sstr[k] != inner) {
                return false;
            }
            inner *= shape[k];
        }
        if (inner < MIN_ROW || inner > Integer.MAX_VALUE) {
            return false;
        }
        int n = shape[dim];
        long rowsLong = dstLayout.numel() / inner;
        if (rowsLong > Integer.MAX_VALUE) {
            return false;
        }
        int rows = (int) rowsLong;
        int len = (int) inner;
        Plan p = new Plan(srcLayout.offset(), sstr, shape, dim, n, idx, indexLayout.offset(), istr[dim]);
        int dof = dstLayout.offset();
        int threads = CpuThreads.threads();
        if (threads < 2 || dstLayout.numel() < 2L * StridedLoop.PARALLEL_GRAIN || CpuThreads.inTask()) {
            rows(src, p, dst, dof, len, 0, rows);
        } else {
            int chunks = (int) Math.min(rows, threads * 4L);
            CpuThreads.parallelFor(rows, chunks, (task, from, to) -> rows(src, p, dst, dof, len, from, to));
        }
        return true;
    }

    /** Where each output row's block starts in the source. */
    private static final class Plan {
        final int srcOffset;
        final int[] srcStrides;
        final int[] shape;
        final int dim;
        final int n;
        final long[] idx;
        final int indexOffset;
        final int indexStride;

        Plan(int srcOffset, int[] srcStrides, int[] shape, int dim, int n, long[] idx, int indexOffset,
             int indexStride) {
            this.srcOffset = srcOffset;
            this.srcStrides = srcStrides;
            this.shape = shape;
            this.dim = dim;
            this.n = n;
            this.idx = idx;
            this.indexOffset = indexOffset;
            this.indexStride = indexStride;
        }

        /** The source offsets of output rows {@code from} to {@code from + count} into {@code out}. */
        void offsets(int from, int count, int[] out) {
            int o = from / n;
            int i = from - o * n;
            int base = outerOffset(o);
            int ds = srcStrides[dim];
            for (int k = 0; k < count; k++) {
                out[k] = base + (int) idx[indexOffset + i * indexStride] * ds;
                if (++i == n) {
                    i = 0;
                    base = outerOffset(++o);
                }
            }
        }

        /** The source offset of outer position {@code o} (the dimensions before {@code dim}, row-major). */
        private int outerOffset(int o) {
            int off = srcOffset;
            for (int k = dim - 1, q = o; k >= 0; k--) {
                off += q % shape[k] * srcStrides[k];
                q /= shape[k];
            }
            return off;
        }
    }

    /** Output rows {@code from} to {@code to}, in batches of {@link #BATCH}. */
    private static void rows(Object src, Plan p, Object dst, int dof, int len, int from, int to) {
        int[] off = new int[Math.min(BATCH, to - from)];
        for (int r = from; r < to; r += off.length) {
            int count = Math.min(off.length, to - r);
            p.offsets(r, count, off);
            copyRows(src, off, count, dst, dof + r * len, len);
        }
    }

    /**
     * {@code count} rows of {@code len} elements from {@code src} at {@code off[k]} to consecutive rows of {@code dst}
     * from {@code d}. One loop per array type: an arraycopy whose arrays' types C2 knows is the plain copy stub.
     */
    private static void copyRows(Object src, int[] off, int count, Object dst, int d, int len) {
        if (src instanceof float[] a) {
            float[] o = (float[]) dst;
            for (int k = 0; k < count; k++, d += len) {
                System.arraycopy(a, off[k], o, d, len);
            }
        } else if (src instanceof double[] a) {
            double[] o = (double[]) dst;
            for (int k = 0; k < count; k++, d += len) {
                System.arraycopy(a, off[k], o, d, len);
            }
        } else if (src instanceof long[] a) {
            long[] o = (long[]) dst;
            for (int k = 0; k < count; k++, d += len) {
                System.arraycopy(a, off[k], o, d, len);
            }
        } else if (src instanceof int[] a) {
            int[] o = (int[]) dst;
            for (int k = 0; k < count; k++, d += len) {
                System.arraycopy(a, off[k], o, d, len);
            }
        } else if (src instanceof short[] a) {
            short[] o = (short[]) dst;
            for (int k = 0; k < count; k++, d += len) {
                System.arraycopy(a, off[k], o, d, len);
            }
        } else if (src instanceof byte[] a) {
            byte[] o = (byte[]) dst;
            for (int k = 0; k < count; k++, d += len) {
                System.arraycopy(a, off[k], o, d, len);
            }
        } else {
            boolean[] a = (boolean[]) src;
            boolean[] o = (boolean[]) dst;
            for (int k = 0; k < count; k++, d += len) {
                System.arraycopy(a, off[k], o, d, len);
            }
        }
    }
}
