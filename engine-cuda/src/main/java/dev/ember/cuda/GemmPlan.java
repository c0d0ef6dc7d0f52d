package dev.ember.cuda;

import dev.ember.backend.Layout;

/**
 * How a row-major batched product {@code C = A B} (rank-3 {@code [batch, rows, cols]} layouts) maps onto a
 * column-major BLAS: as {@code C^T = B^T A^T}, with {@code B^T} the BLAS's first operand and {@code A^T} its second.
 * Shared by both cuBLAS bindings (JCublas for CUDA 12, JavaCPP's presets for CUDA 13). Null from {@link #of} when an
 * operand's inner dimensions have no unit stride, or the output is not a dense row-major batch: Ember's own kernel
 * takes those.
 */
final class GemmPlan {
    /** cuBLAS's {@code CUBLAS_OP_N} and {@code CUBLAS_OP_T} (the same values in both bindings). */
    static final int OP_N = 0;
    static final int OP_T = 1;

    final int batch;
    final int m;
    final int n;
    final int k;
    /** The first BLAS operand, {@code B^T} ({@code n x k}): its op and leading dimension. */
    final int opB;
    final int ldB;
    /** The second BLAS operand, {@code A^T} ({@code k x m}). */
    final int opA;
    final int ldA;
    /** Element strides between batch entries (0 for a broadcast operand) and the output's ({@code m * n}). */
    final long strideA;
    final long strideB;
    final long strideC;

    private GemmPlan(int batch, int m, int n, int k, Operand b, Operand a, long strideA, long strideB) {
        this.batch = batch;
        this.m = m;
        this.n = n;
        this.k = k;
        this.opB = b.op;
        this.ldB = b.ld;
        this.opA = a.op;
        this.ldA = a.ld;
        this.strideA = strideA;
        this.strideB = strideB;
        this.strideC = (long) m * n;
    }

    /** The plan for {@code C = A B}, or null when the layouts need Ember's kernel. */
    static GemmPlan of(Layout la, Layout lb, Layout lc) {
        int batch = la.size(0);
        int m = la.size(1);
        int k = la.size(2);
        int n = lb.size(2);
        if (lc.stride(2) != 1 || lc.stride(1) != n || batch > 1 && lc.stride(0) != (long) m * n) {
            return null;
        }
        Operand b = transposedView(k, n, lb.stride(1), lb.stride(2)); // the BLAS's first operand: B^T (n x k)
        Operand a = transposedView(m, k, la.stride(1), la.stride(2)); // second: A^T (k x m)
        if (a == null || b == null) {
            return null;
        }
        return new GemmPlan(batch, m, n, k, b, a, la.stride(0), lb.stride(0));
    }

    /** One operand as the BLAS sees its column-major buffer: transposed or not, and its leading dimension. */
    private static final class Operand {
        final int op;
        final int ld;

        Operand(int op, int ld) {
            this.op = op;
            this.ld = ld;
        }
    }

    /**
     * How to pass a row-major [rows x cols] matrix with strides (rs, cs) so the BLAS reads its transpose
     * (cols x rows, column-major); null when neither stride is 1.
     */
    private static Operand transposedView(int rows, int cols, int rs, int cs) {
        if (cs == 1 || cols == 1) {
            int ld = rows == 1 ? Math.max(cols, 1) : rs;
            return ld >= Math.max(cols, 1) ? new Operand(OP_N, ld) : null;
        }
        if (rs == 1 || rows == 1) {
            int ld = cols == 1 ? Math.max(rows, 1) : cs;
            return ld >= Math.max(rows, 1) ? new Operand(OP_T, ld) : null;
        }
        return null;
    }
}
