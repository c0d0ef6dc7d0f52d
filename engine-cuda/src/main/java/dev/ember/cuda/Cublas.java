package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.Layout;
import jcuda.Pointer;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.runtime.cudaStream_t;

/**
 * Matmul through cuBLAS (JCublas2), used when {@code libcublas.so.12} loads. Row-major products map to
 * column-major cuBLAS as {@link GemmPlan} says; operands whose inner dimensions have no unit stride are
 * left to Ember's own kernel.
 */
final class Cublas implements VendorGemm {
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
            loadFailure = "cuBLAS 12 (JCublas) unavailable: " + CudaBackend.nativeCause(t);
            return null;
        }
    }

    /** Why cuBLAS did not load, or empty. */
    static String loadFailure() {
        return loadFailure;
    }

    /** {@code C = A B} batched, in FP32 whatever {@code tf32} says; false when the layouts need Ember's kernel. */
    @Override
    public boolean gemm(CudaStorage a, Layout la, CudaStorage b, Layout lb, CudaStorage c, Layout lc, boolean tf32) {
        GemmPlan p = a.dtype == DType.FLOAT32 || a.dtype == DType.FLOAT64 ? GemmPlan.of(la, lb, lc) : null;
        if (p == null) {
            return false;
        }
        int size = CudaBackend.elementSize(a.dtype);
        Pointer pa = a.ptr.withByteOffset((long) la.offset() * size);
        Pointer pb = b.ptr.withByteOffset((long) lb.offset() * size);
        Pointer pc = c.ptr.withByteOffset((long) lc.offset() * size);
        if (a.dtype == DType.FLOAT32) {
            JCublas2.cublasSgemmStridedBatched(handle, p.opB, p.opA, p.n, p.m, p.k, Pointer.to(new float[] {1f}),
                    pb, p.ldB, p.strideB, pa, p.ldA, p.strideA, Pointer.to(new float[] {0f}), pc, p.n, p.strideC,
                    p.batch);
        } else {
            JCublas2.cublasDgemmStridedBatched(handle, p.opB, p.opA, p.n, p.m, p.k, Pointer.to(new double[] {1.0}),
                    pb, p.ldB, p.strideB, pa, p.ldA, p.strideA, Pointer.to(new double[] {0.0}), pc, p.n, p.strideC,
                    p.batch);
        }
        return true;
    }

    @Override
    public String describe() {
        return "cuBLAS 12 (JCublas)";
    }
}
