package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;
import jcuda.driver.CUdeviceptr;

/**
 * The CUDA backend's resampling kernels (resample_kernels.cu): {@code Backend}'s "resampling (NNOps)" family on the
 * device, mirroring the CPU's ResampleKernels bit for bit (the same windows, source indices, weights and order of
 * additions, in float for float32 and double for float64, with no fused multiply-adds). Each method returns false for
 * a case its kernels do not cover (a type other than float32 or float64), and {@link CudaBackend} then runs
 * {@code Backend}'s default (the CPU's kernel on host copies).
 *
 * <ul>
 *   <li>{@code adaptiveAvgPool2d}, {@code adaptiveMaxPool2d}, {@code upsampleBilinear2d}: one thread per output
 *       element.</li>
 *   <li>{@code adaptiveAvgPool2dBackward}, {@code upsampleBilinear2dBackward}: one thread per input element gathers the
 *       gradients of the outputs that read it, in the CPU's order, and writes it (every element of the input gradient,
 *       no zero fill, no atomics: deterministic, so no {@code Determinism} alert, where PyTorch's CUDA kernels add with
 *       atomics and alert).</li>
 * </ul>
 * Operands are [N, C, H, W] layouts of any strides (a broadcast operand has stride 0); the kernels take the storages'
 * base pointers and the layouts' offsets. ResampleKernelsEmulationTest runs these launches on the host against the
 * CPU's kernels; CudaResampleTest compares with the CPU on a GPU.
 */
final class CudaResampleKernels {
    private static final int THREADS = 256;
    private static final int MAX_BLOCKS = 65535;

    /** How the kernels reach the device: {@link CudaBackend}'s launch, or a test's recorder. */
    interface Device {
        /** Launches {@code kernel} on a 1-D grid of {@code blocks} blocks of {@code threads} threads. */
        void launch(String kernel, int blocks, int threads, Object shape, Object... args);
    }

    private final Device cuda;

    CudaResampleKernels(Device cuda) {
        this.cuda = cuda;
    }

    private static boolean floating(Storage s) {
        return s.dtype() == DType.FLOAT32 || s.dtype() == DType.FLOAT64;
    }

    private static String suffix(Storage s) {
        return s.dtype() == DType.FLOAT32 ? "f32" : "f64";
    }

    private static CUdeviceptr ptr(Storage s) {
        return ((CudaStorage) s).ptr;
    }

    /**
     * The kernels' struct RsGeo: the sizes N, C, H, W of {@code x} and OH, OW of {@code y}, then the four strides and
     * the offset of {@code x} (the input, or the input gradient), {@code y} (the output, or the output gradient) and
     * {@code ix} (adaptive max's indices; zeros when null).
     */
    static int[] geo(Layout x, Layout y, Layout ix) {
        int[] g = new int[21];
        g[0] = x.size(0);
        g[1] = x.size(1);
        g[2] = x.size(2);
        g[3] = x.size(3);
        g[4] = y.size(2);
        g[5] = y.size(3);
        Layout[] ls = {x, y, ix};
        for (int o = 0; o < 3; o++) {
            if (ls[o] == null) {
                continue;
            }
            for (int d = 0; d < 4; d++) {
                g[6 + 5 * o + d] = ls[o].stride(d);
            }
            g[6 + 5 * o + 4] = ls[o].offset();
        }
        return g;
    }

    /** Launches {@code kernel} with one thread per element of {@code threadsOver} (none when it is empty). */
    private void launch(String kernel, Layout threadsOver, Object... args) {
        long n = threadsOver.numel();
        if (n == 0) {
            return;
        }
        int blocks = (int) Math.max(1, Math.min(MAX_BLOCKS, (n + THREADS - 1) / THREADS));
        cuda.launch(kernel, blocks, THREADS, threadsOver.shape(), args);
    }

    boolean adaptiveAvgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout) {
        if (!floating(input)) {
            return false;
        }
        launch("adaptive_avg_" + suffix(input), outLayout, geo(inputLayout, outLayout, null), ptr(input), ptr(out));
        return true;
    }

    boolean adaptiveAvgPool2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput, Layout gradInputLayout) {
        if (!floating(gradInput)) {
            return false;
        }
        launch("adaptive_avg_back_" + suffix(gradInput), gradInputLayout, geo(gradInputLayout, gradOutLayout, null),
                ptr(gradOut), ptr(gradInput));
        return true;
    }

    boolean adaptiveMaxPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Storage indices,
                              Layout indicesLayout) {
        if (!floating(input)) {
            return false;
        }
        launch("adaptive_max_" + suffix(input), outLayout, geo(inputLayout, outLayout, indicesLayout), ptr(input),
                ptr(out), ptr(indices));
        return true;
    }

    boolean upsampleBilinear2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, boolean alignCorners,
                               double scaleH, double scaleW) {
        if (!floating(input)) {
            return false;
        }
        launch("bilinear_" + suffix(input), outLayout, geo(inputLayout, outLayout, null), alignCorners ? 1 : 0, scaleH,
                scaleW, ptr(input), ptr(out));
        return true;
    }

    boolean upsampleBilinear2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput, Layout gradInputLayout,
                                       boolean alignCorners, double scaleH, double scaleW) {
        if (!floating(gradInput)) {
            return false;
        }
        launch("bilinear_back_" + suffix(gradInput), gradInputLayout, geo(gradInputLayout, gradOutLayout, null),
                alignCorners ? 1 : 0, scaleH, scaleW, ptr(gradOut), ptr(gradInput));
        return true;
    }
}
