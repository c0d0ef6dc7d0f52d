package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.Layout;
import dev.ember.backend.OptimizerKind;
import dev.ember.backend.Storage;
import jcuda.driver.CUdeviceptr;

/**
 * The CUDA backend's fused optimizer updates (optim_kernels.cu): {@code Backend.optimizerUpdate} as one launch per
 * parameter, a grid-stride loop over its elements (64-bit counts) that reads the parameter, gradient and state once and
 * writes the parameter and state once, in the CPU's OptimizerKernels' operations and roundings (see optim_kernels.cu),
 * so a step gives the CPU's bits. {@link #update} returns false for what the kernels do not take (a type other than
 * float32 or float64, a layout that is not contiguous), and {@link CudaBackend} then runs {@code Backend}'s default
 * (the CPU's kernel on host copies).
 */
final class CudaOptimKernels {
    private static final int THREADS = 256;
    private static final int MAX_BLOCKS = 65535;

    /** How the kernels reach the device: {@link CudaBackend}'s launch, or a test's recorder. */
    interface Device {
        /** Launches {@code kernel} on a 1-D grid of {@code blocks} blocks of {@code threads} threads. */
        void launchOptim(String kernel, int blocks, int threads, Object shape, Object... args);
    }

    private final Device cuda;

    CudaOptimKernels(Device cuda) {
        this.cuda = cuda;
    }

    /**
     * The kernels' struct OptimHyper (16 doubles) as the 32 ints of their bits, low word first (the device is little
     * endian), for a launch argument passed by value.
     */
    static int[] hyperWords(double[] hyper) {
        int[] w = new int[2 * OptimizerKind.MAX_HYPER];
        for (int i = 0; i < hyper.length; i++) {
            long bits = Double.doubleToRawLongBits(hyper[i]);
            w[2 * i] = (int) bits;
            w[2 * i + 1] = (int) (bits >>> 32);
        }
        return w;
    }

    /** The device pointer of a storage's element at {@code layout}'s offset. */
    private static CUdeviceptr at(Storage s, Layout layout) {
        CudaStorage c = (CudaStorage) s;
        return c.ptr.withByteOffset((long) layout.offset() * c.dtype.itemSize());
    }

    /** One launch of {@code kind}'s update; false when the kernels do not take these operands. */
    boolean update(OptimizerKind kind, double[] hyper, Storage param, Layout paramLayout, Storage grad, Layout gradLayout,
                   Storage[] state, Layout[] stateLayouts) {
        DType t = param.dtype();
        if (t != DType.FLOAT32 && t != DType.FLOAT64 || hyper.length > OptimizerKind.MAX_HYPER
                || state.length > OptimizerKind.MAX_STATE || grad.dtype() != t || !paramLayout.isContiguous()
                || !gradLayout.isContiguous()) {
            return false;
        }
        for (int i = 0; i < state.length; i++) {
            if (state[i].dtype() != t || !stateLayouts[i].isContiguous()) {
                return false;
            }
        }
        long n = paramLayout.numel();
        if (n == 0) {
            return true;
        }
        CUdeviceptr[] s = {new CUdeviceptr(), new CUdeviceptr(), new CUdeviceptr()};
        for (int i = 0; i < state.length; i++) {
            s[i] = at(state[i], stateLayouts[i]);
        }
        int blocks = (int) Math.max(1, Math.min(MAX_BLOCKS, (n + THREADS - 1) / THREADS));
        cuda.launchOptim("optim_update_" + (t == DType.FLOAT32 ? "f32" : "f64"), blocks, THREADS, paramLayout.shape(),
                kind.ordinal(), hyperWords(hyper), n, at(param, paramLayout), at(grad, gradLayout), s[0], s[1], s[2]);
        return true;
    }
}
