package dev.ember.cuda;

import dev.ember.backend.Layout;
import jcuda.driver.CUstream;

/**
 * Matmul through a vendor library: cuBLAS 12 through JCublas ({@link Cublas}) where {@code libcublas.so.12} loads,
 * else cuBLAS 13 through JavaCPP's CUDA presets ({@link CublasJavacpp}) where {@code libcublas.so.13} loads, else none
 * (Ember's own kernels, which cover every case). {@code -Dember.cuda.vendor=false} turns the vendor libraries off.
 * Nothing here ever fails: every reason a library did not load ends up in {@link #failure()}, one line.
 */
interface VendorGemm {
    /** The property that turns vendor libraries off ({@code false}); on by default. */
    String VENDOR_PROPERTY = "ember.cuda.vendor";

    /**
     * {@code C = A B} over rank-3 {@code [batch, rows, cols]} layouts (k > 0), on the backend's stream; false when
     * the dtype or the layouts need Ember's kernel instead (nothing was written then). {@code tf32}: float32 products
     * may compute in TF32 (the matmul precision "high"/"medium" for a matmul, {@code allowTf32Convolution} for one of
     * a convolution's GEMMs); a library that only computes in FP32 ignores it.
     */
    boolean gemm(CudaStorage a, Layout la, CudaStorage b, Layout lb, CudaStorage c, Layout lc, boolean tf32);

    /** Which library runs, for {@code describe()}: e.g. "cuBLAS 13 (JavaCPP)". */
    String describe();

    /**
     * The vendor GEMM for the current context and this stream, or null (then {@link #failure()} says why). Call with
     * the backend's context current on this thread.
     */
    static VendorGemm select(CUstream stream) {
        if ("false".equalsIgnoreCase(System.getProperty(VENDOR_PROPERTY, "").trim())) {
            Failure.reason = "vendor libraries off (-D" + VENDOR_PROPERTY + "=false)";
            return null;
        }
        VendorGemm jcublas = Cublas.tryCreate(stream);
        if (jcublas != null) {
            Failure.reason = "";
            return jcublas;
        }
        String javacpp;
        try {
            // CublasJavacpp links against JavaCPP's classes: even a missing jar must not get past this catch
            VendorGemm v = CublasJavacpp.tryCreate(stream);
            if (v != null) {
                Failure.reason = "";
                return v;
            }
            javacpp = CublasJavacpp.loadFailure();
        } catch (Throwable t) {
            javacpp = CudaLibraries.JAVACPP_PREFIX + CudaLibraries.reason(t, null);
        }
        Failure.reason = Cublas.loadFailure() + "; " + javacpp;
        return null;
    }

    /** Why no vendor GEMM runs (one line), or empty when one does; "not tried" before {@link #select}. */
    static String failure() {
        return Failure.reason;
    }

    /** The last selection's reason (interfaces have no mutable static fields of their own). */
    final class Failure {
        static volatile String reason = "not tried";

        private Failure() {
        }
    }
}
