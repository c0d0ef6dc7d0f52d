package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Determinism;
import dev.ember.backend.Layout;
import dev.ember.backend.ScanOp;
import dev.ember.backend.Storage;
import jcuda.driver.CUdeviceptr;

/**
 * The cases of {@code Backend}'s sorting-and-scans family that {@link CudaSortKernels} used to leave to the host, on the
 * device (gaps_kernels.cu), reached through CudaSortKernels:
 * <ul>
 * <li>{@link #scanLong}: cumsum, cumprod, cummax, cummin and logcumsumexp of fewer than {@link CudaSortKernels#FEW_LINES}
 * lines longer than {@link CudaSortKernels#LONG_LINE}: one block of {@link #THREADS} threads per line, a block-level
 * parallel scan (each thread folds a run of {@code LSCAN_ITEMS} elements, the block scans the runs' folds, each thread
 * refolds its run from its prefix; a carry goes from tile to tile). Integer sums and products (wrapping int64) and
 * cummax/cummin give the CPU's results bit for bit; floating sums, products and logcumsumexp accumulate in double as the
 * CPU but reassociated (the CPU adds strictly left to right), so the last bits of the double accumulator can differ
 * (float32 results are rounded from it). Deterministic: the association depends only on the line's length.</li>
 * <li>{@link #bincountWeighted}: bincount with weights (float32 or float64, as the op casts them) adds with float atomics
 * into a zeroed buffer, so a bin's last bits can change from run to run; it calls
 * {@link Determinism#alertNotDeterministic} with PyTorch's name, "_bincount_cuda", first, as PyTorch's CUDA kernel
 * does.</li>
 * </ul>
 * GapsKernelsEmulationTest runs these kernels on the host against the CPU's algorithms; CudaGapsTest compares with the
 * CPU on a GPU.
 */
final class CudaGapsKernels {
    /** Threads of a long-scan block (gaps_kernels.cu's LSCAN_MAX_THREADS; a power of two). */
    static final int THREADS = 1024;
    private static final int MAX_BLOCKS = 65535;

    private final CudaSortKernels.Device backend;

    CudaGapsKernels(CudaSortKernels.Device backend) {
        this.backend = backend;
    }

    private CUdeviceptr ptr(Storage s) {
        return backend.pointer(s);
    }

    private static Geo geo(Layout... layouts) {
        try {
            return new Geo(layouts);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * {@code Backend.scan} of lines along {@code dim} (src and dst of one type, at least one element), one block per
     * line; false: not taken (more than 8 dimensions once merged).
     */
    boolean scanLong(ScanOp op, Storage src, Layout srcLayout, int dim, Storage dst, Layout dstLayout, Storage indices,
                     Layout indicesLayout) {
        int n = srcLayout.size(dim);
        Layout third = indices == null ? CudaSortKernels.outer(dstLayout, dim) : CudaSortKernels.outer(indicesLayout, dim);
        Geo g = geo(CudaSortKernels.outer(dstLayout, dim), CudaSortKernels.outer(srcLayout, dim), third);
        if (g == null) {
            return false;
        }
        int blocks = Math.max(1, Math.min(MAX_BLOCKS, g.numel));
        backend.launchGrid("scan_long_" + CudaBackend.kernelSuffix(src.dtype()), blocks, THREADS, srcLayout.shape(), g,
                op.ordinal(), n, srcLayout.stride(dim), dstLayout.stride(dim),
                indices == null ? 0 : indicesLayout.stride(dim), ptr(src), ptr(dst),
                indices == null ? new CUdeviceptr() : ptr(indices));
        return true;
    }

    /**
     * {@code Backend.bincount} with weights of the output's type (float32 or float64) and an int64 src; false: not taken
     * (another type, more than 8 dimensions once merged).
     */
    boolean bincountWeighted(Storage src, Layout srcLayout, Storage weights, Layout weightsLayout, Storage out,
                             Layout outLayout) {
        DType t = out.dtype();
        if (src.dtype() != DType.INT64 || (t != DType.FLOAT32 && t != DType.FLOAT64) || weights.dtype() != t) {
            return false;
        }
        int size = outLayout.size(0);
        if (size == 0) {
            return true;
        }
        Geo g = srcLayout.numel() == 0 ? null : geo(srcLayout, weightsLayout);
        if (srcLayout.numel() > 0 && g == null) {
            return false;
        }
        Determinism.alertNotDeterministic("_bincount_cuda");
        try (Storage sums = backend.allocate(t, size, true)) {
            if (g != null) {
                backend.launch("bincount_weights_" + CudaBackend.kernelSuffix(t), g.numel, srcLayout.shape(), g,
                        ptr(src), ptr(weights), size, ptr(sums));
            }
            backend.copy(sums, Layout.contiguous(size), out, outLayout);
        }
        return true;
    }
}
