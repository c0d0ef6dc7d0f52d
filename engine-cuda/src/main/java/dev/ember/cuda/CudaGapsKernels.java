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
 * <li>{@link #uniqueRows}: unique of rows of several elements (torch.unique with dim): the rows put in order by one stable
 * sort per column, last column first ({@link CudaSortKernels#sortLines} over the column gathered in the current order),
 * which is the CPU's stable lexicographic order; then the groups as the CPU's (a row equal to the previous one, none of
 * its elements NaN, joins its group; the group's value is its first row in that order). Exact; it synchronizes once to
 * read the number of groups.</li>
 * </ul>
 * GapsKernelsEmulationTest runs these kernels on the host against the CPU's algorithms; CudaGapsTest compares with the
 * CPU on a GPU.
 */
final class CudaGapsKernels {
    /** Threads of a long-scan block (gaps_kernels.cu's LSCAN_MAX_THREADS; a power of two). */
    static final int THREADS = 1024;
    private static final int MAX_BLOCKS = 65535;

    private static final int SCAN_CHUNK = 256 * 16;

    private final CudaSortKernels.Device backend;
    private final CudaSortKernels sort;

    CudaGapsKernels(CudaSortKernels.Device backend, CudaSortKernels sort) {
        this.backend = backend;
        this.sort = sort;
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

    /**
     * {@code Backend.unique} of the rows of an [n, m] layout, m at least 2 ({@code sorted} false: unique_consecutive's
     * order); -1: not taken (a type the sort kernels do not take, a layout they do not).
     */
    long uniqueRows(Storage src, Layout srcLayout, boolean sorted, Storage values, Storage inverse, Storage counts) {
        int n = srcLayout.size(0);
        int m = srcLayout.size(1);
        DType t = src.dtype();
        if (n == 0) {
            return 0;
        }
        if (m == 0 || t == DType.FLOAT16 || t == DType.BFLOAT16) {
            return -1;
        }
        String sfx = CudaBackend.kernelSuffix(t);
        int rs = srcLayout.stride(0);
        int cs = srcLayout.stride(1);
        int base = srcLayout.offset();
        int[] shape = srcLayout.shape();
        Layout line = Layout.contiguous(n);
        Storage perm = backend.allocate(DType.INT64, n, false);
        try {
            backend.launch("udim_iota", n, shape, n, ptr(perm));
            if (sorted) {
                try (Storage col = backend.allocate(t, n, false)) {
                    for (int c = m - 1; c >= 0; c--) {
                        // column c of the rows in the current order, then its stable order composed into the order
                        Geo g = new Geo(line, line, new Layout(new int[] {n}, new int[] {0}, base + c * cs));
                        backend.launch("gather_b" + t.itemSize(), n, shape, g, ptr(src), ptr(perm), ptr(col), rs, n);
                        Storage next = backend.allocate(DType.INT64, n, false);
                        try (CudaSortKernels.Sorted o = sort.sortLines(col, line, 0, false, false)) {
                            if (o == null) {
                                throw new IllegalStateException("sortLines refused a contiguous line of " + n);
                            }
                            backend.launch("udim_compose", n, shape, ptr(perm), ptr(o.idx), n, ptr(next));
                        } catch (RuntimeException e) {
                            next.close();
                            throw e;
                        }
                        perm.close();
                        perm = next;
                    }
                }
            }
            int chunks = (n + SCAN_CHUNK - 1) / SCAN_CHUNK;
            int chunkBlocks = Math.min(MAX_BLOCKS, chunks);
            try (Storage flags = backend.allocate(DType.INT32, n, false);
                 Storage starts = backend.allocate(DType.INT32, n, false);
                 Storage sums = backend.allocate(DType.INT32, chunks, false);
                 Storage groups = backend.allocate(DType.INT64, 1, false)) {
                backend.launch("udim_flags_" + sfx, n, shape, ptr(src), base, rs, cs, m, n, ptr(perm), ptr(flags));
                backend.copy(flags, line, starts, line);
                backend.launchGrid("radix_scan_reduce", chunkBlocks, 256, shape, ptr(starts), (long) n, chunks, ptr(sums));
                backend.launchGrid("radix_scan_top", 1, 256, shape, ptr(sums), chunks);
                backend.launchGrid("radix_scan_down", chunkBlocks, 256, shape, ptr(starts), (long) n, chunks, ptr(sums));
                CUdeviceptr none = new CUdeviceptr();
                CUdeviceptr cnt = counts == null ? none : ptr(counts);
                backend.launch("udim_write_" + sfx, n, shape, ptr(src), base, rs, cs, m, n, ptr(perm), ptr(flags),
                        ptr(starts), ptr(values), inverse == null ? none : ptr(inverse), cnt);
                backend.launch("udim_counts", n, shape, ptr(flags), ptr(starts), n, cnt, ptr(groups));
                return ((long[]) backend.toArray(groups, Layout.contiguous(1)))[0];
            }
        } finally {
            perm.close();
        }
    }
}
