package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.backend.Layout;
import jcuda.driver.CUdeviceptr;

/**
 * The CUDA backend's GEMMs on the tensor cores (tc_kernels.cu, issue 18): {@code C[b] = A[b] @ B[b]} over rank-3
 * [batch, rows, cols] layouts of any strides, with warp-level {@code mma.sync} (sm_80 and newer):
 * <ul>
 * <li>bfloat16 and float16 inputs ({@code m16n8k16}, float32 accumulators), the output float32 or the inputs' type
 * rounded once (round to nearest even, as the CPU's BFloat16/Half conversions);</li>
 * <li>float32 inputs rounded to TF32 ({@code cvt.rna.tf32.f32}) with {@code m16n8k8}, float32 accumulators and output,
 * when TF32 is allowed: for matmul when {@link Ember#getFloat32MatmulPrecision()} is "high" or "medium", for the
 * convolutions' GEMMs when {@link Ember#allowTf32Convolution()} (PyTorch's defaults: matmul "highest", i.e. FP32;
 * convolution TF32).</li>
 * </ul>
 * {@link #gemm} returns false for what the kernels do not take (a GPU older than sm_80, a type pair without a kernel,
 * float32 when TF32 is not allowed), and the caller runs its FP32 kernels. Grid: x over the 128-column tiles of C, y over
 * its 128-row tiles (at most 65535), z over the batch in chunks of at most 65535 matrices; 256 threads per block.
 */
final class CudaTensorCores {
    static final int THREADS = 256;
    static final int TILE = 128;
    static final int MAX_GRID = 65535;

    /** How the kernels reach the device: {@link CudaBackend}'s launch, or a test's recorder. */
    interface Device {
        /** Launches {@code kernel} on a gx x gy x gz grid of blocks of {@code threads} threads. */
        void launchTc(String kernel, int gx, int gy, int gz, int threads, Object shape, Object... args);

        /** The device's compute capability as major * 10 + minor (90 for an H100 or H200). */
        int computeCapability();
    }

    /**
     * Whether the kernels run at all: off unless {@code -Dember.cuda.tensorCores=true}, because they have been checked
     * only by the host emulation of their PTX fragments (TcKernelsEmulationTest), never on a GPU. A GPU session that
     * passes CudaTensorCoresTest in required mode should turn this default on.
     */
    private static volatile boolean enabled = Boolean.getBoolean("ember.cuda.tensorCores");

    /** Turns the kernels on or off (tests; the property sets the start value). */
    static void setEnabled(boolean on) {
        enabled = on;
    }

    static boolean enabled() {
        return enabled;
    }

    private final Device cuda;
    private volatile int capability = -1;

    CudaTensorCores(Device cuda) {
        this.cuda = cuda;
    }

    /** The device's compute capability (major * 10 + minor), asked once. */
    int capability() {
        int c = capability;
        if (c < 0) {
            c = cuda.computeCapability();
            capability = c;
        }
        return c;
    }

    /**
     * Whether the kernels are {@link #enabled()} and the device has the tensor cores they use ({@code mma.sync} with
     * bf16 and tf32: sm_80+).
     */
    boolean available() {
        return enabled && capability() >= 80;
    }

    /** Whether float32 matmul may run in TF32: {@link Ember#getFloat32MatmulPrecision()} "high" or "medium". */
    static boolean tf32Matmul() {
        return !"highest".equals(Ember.getFloat32MatmulPrecision());
    }

    /** Whether the convolutions' float32 GEMMs may run in TF32: {@link Ember#allowTf32Convolution()}. */
    static boolean tf32Convolution() {
        return Ember.allowTf32Convolution();
    }

    /**
     * The kernel for inputs of type {@code in} and an output of type {@code out}, or null: {@code tcgemm_bf16_f32},
     * {@code tcgemm_bf16_bf16}, {@code tcgemm_f16_f32}, {@code tcgemm_f16_f16}, {@code tcgemm_tf32_f32}.
     */
    static String kernel(DType in, DType out) {
        if (in == DType.FLOAT32) {
            return out == DType.FLOAT32 ? "tcgemm_tf32_f32" : null;
        }
        String name = in == DType.BFLOAT16 ? "bf16" : in == DType.FLOAT16 ? "f16" : null;
        if (name == null) {
            return null;
        }
        return out == DType.FLOAT32 ? "tcgemm_" + name + "_f32" : out == in ? "tcgemm_" + name + "_" + name : null;
    }

    /**
     * Whether a float32 product goes to the TF32 kernel: the device has tensor cores and TF32 is allowed for it
     * ({@code convolution}: one of a convolution's GEMMs, under {@link Ember#allowTf32Convolution()}; otherwise
     * matmul's switch).
     */
    boolean takesFloat32(boolean convolution) {
        return (convolution ? tf32Convolution() : tf32Matmul()) && available();
    }

    /**
     * C = A @ B on the tensor cores, or false (nothing launched) when the kernels do not take it: see the class
     * Javadoc. k must be positive and m, n, batch too (the caller handles empty products). Half inputs always run
     * here when the device has tensor cores; float32 inputs only when {@link #takesFloat32} says so.
     */
    boolean gemm(DType in, DType out, Layout a, Layout b, Layout c, CUdeviceptr pa, CUdeviceptr pb, CUdeviceptr pc,
                 boolean convolution) {
        String kernel = kernel(in, out);
        if (kernel == null || (in == DType.FLOAT32 ? !takesFloat32(convolution) : !available())) {
            return false;
        }
        int batch = a.size(0);
        int m = a.size(1);
        int k = a.size(2);
        int n = b.size(2);
        int gx = (n + TILE - 1) / TILE;
        int gy = (m + TILE - 1) / TILE;
        if (gy > MAX_GRID || gx > MAX_GRID) {
            return false;
        }
        for (int b0 = 0; b0 < batch; b0 += MAX_GRID) {
            int nb = Math.min(MAX_GRID, batch - b0);
            cuda.launchTc(kernel, gx, gy, nb, THREADS, new int[] {batch, m, k, n}, mat(a, b0), mat(b, b0), mat(c, b0),
                    pa, pb, pc);
        }
        return true;
    }

    /** The struct Mat of a rank-3 [batch, rows, cols] layout from matrix {@code b0} on. */
    static int[] mat(Layout l, int b0) {
        return new int[] {l.size(1), l.size(2), l.stride(0), l.stride(1), l.stride(2), l.offset() + b0 * l.stride(0)};
    }

    /** What runs, for {@code describe()}: the tensor cores and which products use them. */
    String describe() {
        if (!enabled) {
            return "tensor-core GEMMs off (not yet run on a GPU; -Dember.cuda.tensorCores=true turns them on)";
        }
        int cc = capability();
        if (cc < 80) {
            return "no tensor-core GEMMs (sm_" + cc + ": Ember's mma.sync kernels need sm_80)";
        }
        return "tensor cores (sm_" + cc + ", Ember's mma.sync kernels): bfloat16/float16 GEMMs, " + tf32Text();
    }

    /** Which float32 products run in TF32 under the current switches. */
    static String tf32Text() {
        boolean mm = tf32Matmul();
        boolean conv = tf32Convolution();
        return mm && conv ? "float32 matmul and convolution GEMMs in TF32"
                : mm ? "float32 matmul in TF32, convolution GEMMs in FP32"
                : conv ? "float32 matmul in FP32, convolution GEMMs in TF32" : "float32 matmul and convolution GEMMs in FP32";
    }
}
