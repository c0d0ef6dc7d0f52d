package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.Layout;
import jcuda.Pointer;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;

/**
 * Matmul through cuBLAS (JCublas2), used when {@code libcublas.so.12} loads. Row-major products map to
 * column-major cuBLAS as {@code C^T = B^T A^T}; operands whose inner dimensions have no unit stride are
 * left to Ember's own kernel.
 */
final class Cublas {
    private static volatile String loadFailure = "not tried";
    private final cublasHandle handle;

    private Cublas(cublasHandle handle) {
        this.handle = handle;
    }

    /** A handle bound to the stream, or null when JCublas or libcublas cannot load here. */
    static Cublas tryCreate(CUstream stream) {
        try {
            JCublas2.setExceptionsEnabled(true);
            cublasHandle h = new cublasHandle();
            JCublas2.cublasCreate(h);
            JCublas2.cublasSetStream(h, new cudaStream_t(stream));
            loadFailure = "";
            return new Cublas(h);
        } catch (Throwable t) {
            loadFailure = "cuBLAS unavailable: " + CudaBackend.nativeCause(t);
            return null;
        }
    }

    /** Why cuBLAS did not load, or empty. */
    static String loadFailure() {
        return loadFailure;
    }

    /** One operand as cuBLAS sees its column-major buffer: transposed or not, and its leading dimension. */
    private static final class Operand {
        final int op;
        final int ld;

        Operand(int op, int ld) {
            this.op = op;
            this.ld = ld;
        }
    }

    /**
     * How to pass a row-major [rows x cols] matrix with strides (rs, cs) so cuBLAS reads its transpose
     * (cols x rows, column-major); null when neither stride is 1.
     */
    private static Operand transposedView(int rows, int cols, int rs, int cs) {
        if (cs == 1 || cols == 1) {
            int ld = rows == 1 ? Math.max(cols, 1) : rs;
            return ld >= Math.max(cols, 1) ? new Operand(cublasOperation.CUBLAS_OP_N, ld) : null;
        }
        if (rs == 1 || rows == 1) {
            int ld = cols == 1 ? Math.max(rows, 1) : cs;
            return ld >= Math.max(rows, 1) ? new Operand(cublasOperation.CUBLAS_OP_T, ld) : null;
        }
        return null;
    }

    /** {@code C = A B} batched; false when the layouts need Ember's kernel instead. */
    boolean gemm(CudaStorage a, Layout la, CudaStorage b, Layout lb, CudaStorage c, Layout lc) {
        int batch = la.size(0);
        int m = la.size(1);
        int k = la.size(2);
        int n = lb.size(2);
        if (lc.stride(2) != 1 || lc.stride(1) != n || (batch > 1 && lc.stride(0) != m * n)) {
            return false;
        }
        Operand opB = transposedView(k, n, lb.stride(1), lb.stride(2)); // cuBLAS's first operand: B^T (n x k)
        Operand opA = transposedView(m, k, la.stride(1), la.stride(2)); // second: A^T (k x m)
        if (opA == null || opB == null) {
            return false;
        }
        int size = CudaBackend.elementSize(a.dtype);
        Pointer pa = a.ptr.withByteOffset((long) la.offset() * size);
        Pointer pb = b.ptr.withByteOffset((long) lb.offset() * size);
        Pointer pc = c.ptr.withByteOffset((long) lc.offset() * size);
        if (a.dtype == DType.FLOAT32) {
            JCublas2.cublasSgemmStridedBatched(handle, opB.op, opA.op, n, m, k, Pointer.to(new float[] {1f}),
                    pb, opB.ld, lb.stride(0), pa, opA.ld, la.stride(0), Pointer.to(new float[] {0f}), pc, n,
                    (long) m * n, batch);
        } else {
            JCublas2.cublasDgemmStridedBatched(handle, opB.op, opA.op, n, m, k, Pointer.to(new double[] {1.0}),
                    pb, opB.ld, lb.stride(0), pa, opA.ld, la.stride(0), Pointer.to(new double[] {0.0}), pc, n,
                    (long) m * n, batch);
        }
        return true;
    }
}
