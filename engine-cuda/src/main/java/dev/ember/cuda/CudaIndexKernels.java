package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Determinism;
import dev.ember.backend.Layout;
import dev.ember.backend.ScatterReduce;
import dev.ember.backend.Storage;
import jcuda.driver.CUdeviceptr;

import java.util.Arrays;
import java.util.Locale;

/**
 * The CUDA kernels of {@code Backend}'s indexing family (index_kernels.cu): gather, scatter with every
 * {@link ScatterReduce}, nonzeroCount/nonzero and linearIndex, for every dtype. Each method returns false (or -1) for a
 * case it does not take, and {@link CudaBackend} then runs the SPI's default (the CPU's kernel on host copies): an index
 * that is not int64, a rank-0 index, a scatter source of another shape than its index, a layout of more than 8 dimensions
 * once merged (16 for nonzero), a bool mean, and the deterministic float scatter over a few long lines (below).
 *
 * <p>Results are the CPU's ({@code IndexKernels}), with these differences:
 * <ul>
 * <li>Index values come checked by {@link CudaBackend#checkIndices}, which raises only at the next synchronization;
 * meanwhile the kernels skip an out-of-range index (gather writes 0 for it) instead of touching memory out of bounds, so
 * the valid part of a scatter may already be written when the error is raised (the CPU writes nothing).</li>
 * <li>Plain scatter gives the CPU's result (of several values landing on one element, the last in row-major order of the
 * index wins), through a claim pass with atomicMax: deterministic.</li>
 * <li>Sum, prod and mean add with atomics. For integer and bool types the result is the CPU's and deterministic
 * (wrapping integer arithmetic does not depend on order; bool or/and are plain writes). For float32 and float64 the order
 * of the additions (and products) varies from run to run, so the last bits do, as PyTorch's CUDA kernels; with
 * {@link Determinism#isEnabled()} they run instead one thread per line of the index along {@code dim}, in row-major
 * order: the CPU's result bit for bit (or, for few long lines, the SPI's host default, likewise the CPU's).</li>
 * <li>Amax and amin are order-independent: a NaN wins, and of two zeros amax keeps +0 and amin -0 (the CPU keeps the
 * first one it sees).</li>
 * <li>linearIndex checks on the device: with one index tensor the error is raised at the next synchronization (as
 * checkIndices); with several the message names the tensor, which the shared error word cannot carry, so the method
 * synchronizes and raises at once. Either way the offender reported is the CPU's (the first in row-major order).</li>
 * </ul>
 */
final class CudaIndexKernels {
    /** Elements per tile of the nonzero compaction (index_kernels.cu's NZ_TILE) and the largest rank it takes. */
    private static final int NZ_TILE = 256 * 16;
    private static final int NZ_MAXR = 16;
    /**
     * The deterministic float scatter runs one thread per line of the index; with fewer lines than this and lines
     * longer than {@link #LONG_LINE} it goes to the host's kernel instead, which should then be faster (a guess: not
     * measured, there was no GPU when this was written).
     */
    private static final long FEW_LINES = 128;
    private static final int LONG_LINE = 1024;
    /** A value the message format cannot otherwise print: where it lands is where the device's value goes. */
    private static final long SENTINEL = Long.MIN_VALUE + 7;

    /**
     * What the kernels need of the backend: CudaBackend's launches, memory and device-side check, or a test's recording
     * stand-in (CudaIndexLaunchesTest checks every launch's arguments against the kernels' parameters without a GPU).
     */
    interface Device {
        /** A 1-D grid-stride launch over {@code n} elements ({@code shape} names the work in an error). */
        void launch(String kernel, int n, Object shape, Object... args);

        /** {@code blocks} blocks of {@code threads} threads. */
        void launchGrid(String kernel, int blocks, int threads, Object shape, Object... args);

        /** Device memory for {@code numel} elements, zero-filled or not. */
        Storage allocate(DType dtype, long numel, boolean zeroed);

        void fill(Storage dst, Layout layout, double value);

        /** Synchronizes and reads a layout into a Java array. */
        Object toArray(Storage src, Layout layout);

        CUdeviceptr pointer(Storage s);

        /** The two int64s (flag, value) that device-side index checks write. */
        CUdeviceptr errorWord();

        /** The message (one {@code %d}, the value) of a device-side check, raised at the next synchronization. */
        void deferCheck(String message);
    }

    private final Device backend;

    CudaIndexKernels(Device backend) {
        this.backend = backend;
    }

    private CUdeviceptr ptr(Storage s) {
        return backend.pointer(s);
    }

    /** The kernels' struct Geo of these layouts, or null where they have more than 8 dimensions once merged. */
    private static Geo geo(Layout... layouts) {
        try {
            return new Geo(layouts);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** base's layout iterated with {@code shape}, not advancing along {@code dim} (the kernel adds index * stride). */
    private static Layout pinned(Layout base, int[] shape, int dim) {
        int[] strides = base.strides();
        strides[dim] = 0;
        return new Layout(shape, strides, base.offset());
    }

    // ------------------------------------------------------------------ gather

    /** {@code Backend.gather}; false: not taken. */
    boolean gather(Storage src, Layout srcLayout, int dim, Storage index, Layout indexLayout, Storage dst,
                   Layout dstLayout) {
        if (dstLayout.numel() == 0) {
            return true;
        }
        if (index.dtype() != DType.INT64 || dstLayout.rank() == 0 || srcLayout.rank() != dstLayout.rank()) {
            return false;
        }
        int[] shape = dstLayout.shape();
        Geo g = geo(dstLayout, indexLayout, pinned(srcLayout, shape, dim));
        if (g == null) {
            return false;
        }
        backend.launch("gather_b" + dst.dtype().itemSize(), g.numel, shape, g, ptr(src), ptr(index), ptr(dst),
                srcLayout.stride(dim), srcLayout.size(dim));
        return true;
    }

    // ------------------------------------------------------------------ scatter

    /** {@code Backend.scatter}; false: not taken. */
    boolean scatter(ScatterReduce reduce, boolean includeSelf, Storage dst, Layout dstLayout, int dim, Storage index,
                    Layout indexLayout, Storage src, Layout srcLayout) {
        if (indexLayout.numel() == 0) {
            return true;
        }
        DType t = dst.dtype();
        if (index.dtype() != DType.INT64 || indexLayout.rank() == 0 || dstLayout.rank() != indexLayout.rank()
                || !Arrays.equals(srcLayout.shape(), indexLayout.shape())
                || (t == DType.BOOL && reduce == ScatterReduce.MEAN)) {
            return false;
        }
        int[] shape = indexLayout.shape();
        Layout dense = Layout.contiguous(dstLayout.shape());
        Layout to = pinned(dstLayout, shape, dim);
        Layout slots = pinned(dense, shape, dim);
        Layout from = srcLayout;
        Geo g = geo(indexLayout, from, to, slots);
        if (g == null) {
            return false;
        }
        int ds = dstLayout.stride(dim);
        int dds = dense.stride(dim);
        int bound = dstLayout.size(dim);
        if (reduce == ScatterReduce.NONE) {
            // the last position of the index (row-major) that lands on an element claims it, then the winners write
            try (Storage win = backend.allocate(DType.INT32, dense.numel(), false)) {
                backend.launch("scatter_claim_reset", g.numel, shape, g, ptr(index), ptr(win), dds, bound);
                backend.launch("scatter_claim", g.numel, shape, g, ptr(index), ptr(win), dds, bound);
                backend.launch("scatter_assign_b" + t.itemSize(), g.numel, shape, g, ptr(index), ptr(src),
                        ptr(dst), ds, bound, ptr(win), dds);
            }
            return true;
        }
        String sfx = CudaBackend.kernelSuffix(t);
        boolean orderDependent = t.isFloatingPoint()
                && (reduce == ScatterReduce.SUM || reduce == ScatterReduce.MEAN || reduce == ScatterReduce.PROD);
        boolean lines = orderDependent && Determinism.isEnabled();
        int len = shape[dim];
        long lineCount = indexLayout.numel() / len;
        if (lines && lineCount < FEW_LINES && len > LONG_LINE) {
            return false; // deterministic on the host: few long lines would serialize on a handful of GPU threads
        }
        Geo lg = null;
        if (lines) {
            int[] lineShape = shape.clone();
            lineShape[dim] = 1;
            lg = geo(new Layout(lineShape, indexLayout.strides(), indexLayout.offset()),
                    new Layout(lineShape, from.strides(), from.offset()), new Layout(lineShape, to.strides(), to.offset()),
                    new Layout(lineShape, slots.strides(), slots.offset()));
            if (lg == null) {
                return false;
            }
        }
        boolean mean = reduce == ScatterReduce.MEAN;
        Geo dg = mean ? geo(dstLayout, dense) : null; // mean's division, over dst
        if (mean && dg == null) {
            return false;
        }
        try (Storage counts = mean ? backend.allocate(DType.INT32, dense.numel(), true) : null) {
            CUdeviceptr countPtr = counts == null ? new CUdeviceptr() : ptr(counts);
            if (lines) {
                backend.launch("scatter_line_" + sfx, lg.numel, shape, lg, reduce.ordinal(), includeSelf ? 1 : 0,
                        ptr(index), ptr(src), ptr(dst), ds, bound, countPtr, dds, len, indexLayout.stride(dim),
                        from.stride(dim));
            } else {
                if (!includeSelf) {
                    backend.launch("scatter_init_" + sfx, g.numel, shape, g, reduce.ordinal(), ptr(index),
                            ptr(dst), ds, bound);
                }
                backend.launch("scatter_reduce_" + sfx, g.numel, shape, g, reduce.ordinal(), ptr(index),
                        ptr(src), ptr(dst), ds, bound, countPtr, dds);
            }
            if (mean) {
                backend.launch("scatter_mean_" + sfx, dg.numel, dstLayout.shape(), dg, ptr(dst), ptr(counts),
                        includeSelf ? 1 : 0);
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ nonzero

    /** {@code Backend.nonzeroCount} (synchronizes to read the count); -1: not taken. */
    long nonzeroCount(Storage src, Layout layout) {
        if (layout.numel() == 0) {
            return 0;
        }
        Geo g = geo(layout);
        if (g == null) {
            return -1;
        }
        try (Storage count = backend.allocate(DType.INT64, 1, true)) {
            backend.launch("nonzero_count_" + CudaBackend.kernelSuffix(src.dtype()), g.numel, layout.shape(), g,
                    ptr(src), ptr(count));
            return ((long[]) backend.toArray(count, Layout.contiguous(1)))[0];
        }
    }

    /** {@code Backend.nonzero}: the tiles' counts, their exclusive scan, then each tile's coordinates; false: not taken. */
    boolean nonzero(Storage src, Layout layout, Storage dst, Layout dstLayout) {
        if (layout.numel() == 0 || dstLayout.numel() == 0) {
            return true; // nothing nonzero, or rank 0 (no coordinates to write)
        }
        int rank = layout.rank();
        Geo g = rank > NZ_MAXR ? null : geo(layout);
        if (g == null) {
            return false;
        }
        int[] nz = new int[1 + NZ_MAXR];
        nz[0] = rank;
        System.arraycopy(layout.shape(), 0, nz, 1, rank);
        int tiles = (int) ((g.numel + (long) NZ_TILE - 1) / NZ_TILE);
        String sfx = CudaBackend.kernelSuffix(src.dtype());
        try (Storage counts = backend.allocate(DType.INT32, tiles, false);
             Storage starts = backend.allocate(DType.INT64, tiles, false)) {
            backend.launchGrid("nonzero_tiles_" + sfx, tiles, 256, layout.shape(), g, ptr(src), ptr(counts));
            backend.launchGrid("nonzero_scan", 1, 1024, layout.shape(), ptr(counts), tiles, ptr(starts));
            backend.launchGrid("nonzero_write_" + sfx, tiles, 256, layout.shape(), g, nz, ptr(src), ptr(starts),
                    ptr(dst), dstLayout.offset(), dstLayout.stride(0), dstLayout.stride(1));
        }
        return true;
    }

    // ------------------------------------------------------------------ linear index

    /** {@code Backend.linearIndex}; false: not taken. */
    boolean linearIndex(Storage[] indices, Layout[] indexLayouts, long[] sizes, Storage dst, Layout dstLayout,
                        String message) {
        if (dstLayout.numel() == 0) {
            return true;
        }
        int k = indices.length;
        if (k == 0) {
            return false;
        }
        for (Storage s : indices) {
            if (s.dtype() != DType.INT64) {
                return false;
            }
        }
        // up to three index tensors a launch (Geo has four operands, dst the first)
        int chunks = (k + 2) / 3;
        Geo[] geos = new Geo[chunks];
        for (int c = 0; c < chunks; c++) {
            int count = Math.min(3, k - 3 * c);
            Layout[] ls = new Layout[count + 1];
            ls[0] = dstLayout;
            System.arraycopy(indexLayouts, 3 * c, ls, 1, count);
            geos[c] = geo(ls);
            if (geos[c] == null) {
                return false;
            }
        }
        int[] shape = dstLayout.shape();
        try (Storage bad = backend.allocate(DType.INT64, 2, false)) {
            backend.fill(bad, Layout.contiguous(2), -1); // no offender: the key is the largest unsigned value
            for (int c = 0; c < chunks; c++) {
                Object[] a = chunkArgs(indices, sizes, c);
                backend.launch("linear_index", geos[c].numel, shape, geos[c], a[0], 3 * c, k, a[1], a[2], a[3],
                        a[4], a[5], a[6], c > 0 ? 1 : 0, ptr(dst), ptr(bad));
            }
            if (k == 1) {
                // raised at the next synchronization, with the CPU's message for tensor 0
                Object[] a = chunkArgs(indices, sizes, 0);
                backend.launchGrid("linear_index_report", 1, 32, shape, geos[0], a[0], 0, k, a[1], a[2], a[3],
                        ptr(bad), backend.errorWord(), 1);
                backend.deferCheck(valueFormat(message, 0, sizes[0]));
                return true;
            }
            for (int c = 0; c < chunks; c++) {
                Object[] a = chunkArgs(indices, sizes, c);
                backend.launchGrid("linear_index_report", 1, 32, shape, geos[c], a[0], 3 * c, k, a[1], a[2], a[3],
                        ptr(bad), ptr(bad), 0);
            }
            long[] found = (long[]) backend.toArray(bad, Layout.contiguous(2));
            if (found[0] != -1) {
                int j = (int) Long.remainderUnsigned(found[0], k);
                throw new IndexOutOfBoundsException(String.format(Locale.ROOT, message, found[1], j, sizes[j]));
            }
        }
        return true;
    }

    /** The count, three index pointers (unused ones repeat the first) and three sizes of launch {@code c}. */
    private Object[] chunkArgs(Storage[] indices, long[] sizes, int c) {
        int first = 3 * c;
        int count = Math.min(3, indices.length - first);
        Object[] a = new Object[7];
        a[0] = count;
        for (int j = 0; j < 3; j++) {
            int at = first + (j < count ? j : 0);
            a[1 + j] = ptr(indices[at]);
            a[4 + j] = j < count ? sizes[at] : 1L;
        }
        return a;
    }

    /**
     * {@code message} with tensor {@code j} and its size filled in, as a format of the one value the device reports
     * ({@code String.format(result, value)} is {@code String.format(message, value, j, size)}).
     */
    static String valueFormat(String message, int j, long size) {
        String full = String.format(Locale.ROOT, message, SENTINEL, j, size);
        String mark = Long.toString(SENTINEL);
        int at = full.indexOf(mark);
        if (at < 0) {
            return full.replace("%", "%%");
        }
        return full.substring(0, at).replace("%", "%%") + "%d" + full.substring(at + mark.length()).replace("%", "%%");
    }
}
