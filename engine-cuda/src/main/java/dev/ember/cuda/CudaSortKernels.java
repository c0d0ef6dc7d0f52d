package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.backend.Layout;
import dev.ember.backend.RankOp;
import dev.ember.backend.ScanOp;
import dev.ember.backend.Storage;
import jcuda.driver.CUdeviceptr;

/**
 * The CUDA kernels of {@code Backend}'s sorting-and-scans family (sort_kernels.cu): sort, rankSelect, scan, searchsorted,
 * histc, bincount and unique of single-element rows (torch.unique without dim, or with a dim whose slices hold one
 * element); scans of a few long lines, bincount with weights and unique of rows of several elements run
 * {@link CudaGapsKernels}' kernels (gaps_kernels.cu). Each method returns false (unique: -1) for a case it does not take,
 * and {@link CudaBackend} then runs the SPI's default (the CPU's kernel on host copies): float16 and bfloat16 (which CUDA
 * refuses anyway), a layout of more than 8 dimensions once merged, more than {@code Integer.MAX_VALUE} elements.
 *
 * <p>Results are the CPU's ({@code SortKernels}):
 * <ul>
 * <li>sort is stable (equal keys keep their order, also descending), NaN above every number, -0.0 equal to 0.0, through
 * the CPU's order-preserving keys. Lines of at most {@link #SORT_CAP} elements sort in shared memory (a bitonic network
 * on (key, position) pairs, all distinct, so the order is the stable one); longer lines by a stable LSD radix sort with
 * 8-bit digits (one pass per byte of the type: 1 for int8, uint8 and bool, 2 for int16, 4 for int32 and float32, 8 for
 * int64 and float64) that keeps every line apart. Memory: two key and two position buffers of the input's size, plus
 * the digit counts.</li>
 * <li>rankSelect sorts each line ascending and picks, as the CPU, from the sorted keys and positions.</li>
 * <li>scan runs one thread per line in the CPU's order and types (double for floating sums and products, wrapping int64
 * for integers): the CPU's values bit for bit, except logcumsumexp, whose exp and log1p are the device's (within an ulp
 * or two of Java's). With fewer than {@link #FEW_LINES} lines longer than {@link #LONG_LINE} (a handful of GPU threads
 * walking long lines one element at a time) the scan runs {@link CudaGapsKernels#scanLong} instead, a block-level
 * parallel scan per line, whose floating sums are reassociated (see there).</li>
 * <li>searchsorted is PyTorch's binary search, one thread per value; histc and bincount count with 64-bit integer
 * atomics, exact and independent of the order (deterministic); bincount with weights adds with float atomics
 * ({@link CudaGapsKernels#bincountWeighted}).</li>
 * <li>unique sorts the elements (stable: each group's value is its first element, as on the CPU, which matters only for
 * -0.0 and 0.0), marks where the key changes (and every NaN), and numbers the groups by a scan; it synchronizes once to
 * read the number of groups, as the SPI returns it.</li>
 * </ul>
 */
final class CudaSortKernels {
    /** The longest line sorted in shared memory (sort_kernels.cu's SORT_CAP). */
    static final int SORT_CAP = 2048;
    /** Threads of the sorting blocks (SORT_THREADS; the radix and scan kernels need exactly 256). */
    private static final int THREADS = 256;
    /** Elements a radix tile holds (RADIX_TILE) and counts a scan chunk holds (SCAN_CHUNK). */
    private static final int RADIX_TILE = 2048;
    private static final int SCAN_CHUNK = 256 * 16;
    private static final int MAX_BLOCKS = 65535;
    /** Scans with fewer lines than this, each longer than {@link #LONG_LINE}, run on the host (a guess: not measured). */
    static final long FEW_LINES = 64;
    static final int LONG_LINE = 4096;

    /**
     * What the kernels need of the backend: CudaBackend's launches and memory, or a test's recording stand-in.
     */
    interface Device {
        /** A 1-D grid-stride launch over {@code n} elements ({@code shape} names the work in an error). */
        void launch(String kernel, int n, Object shape, Object... args);

        /** {@code blocks} blocks of {@code threads} threads. */
        void launchGrid(String kernel, int blocks, int threads, Object shape, Object... args);

        /** Device memory for {@code numel} elements, zero-filled or not. */
        Storage allocate(DType dtype, long numel, boolean zeroed);

        void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout);

        /** Synchronizes and reads a layout into a Java array. */
        Object toArray(Storage src, Layout layout);

        CUdeviceptr pointer(Storage s);
    }

    private final Device backend;
    /** The few-long-line scans and weighted bincount (gaps_kernels.cu). */
    private final CudaGapsKernels gaps;

    CudaSortKernels(Device backend) {
        this.backend = backend;
        this.gaps = new CudaGapsKernels(backend, this);
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

    /** Whether the kernels take a type (every type CUDA stores). */
    private static boolean takes(DType t) {
        return t != DType.FLOAT16 && t != DType.BFLOAT16;
    }

    /** The bits of a type's sort key: 64 for int64 and float64, 32 for float32, 8 per byte for the other integers. */
    static int keyBits(DType t) {
        return t == DType.FLOAT32 ? 32 : t == DType.FLOAT64 ? 64 : 8 * t.itemSize();
    }

    /** The layout with size 1 at {@code dim}: one element per line along dim, lines in row-major order. */
    static Layout outer(Layout l, int dim) {
        int[] shape = l.shape();
        shape[dim] = 1;
        return new Layout(shape, l.strides(), l.offset());
    }

    /** The layout with dimension {@code dim} moved last: row-major position line * n + j is element j of line. */
    static Layout dimLast(Layout l, int dim) {
        int r = l.rank();
        int[] shape = new int[r];
        int[] strides = new int[r];
        for (int i = 0, k = 0; i < r; i++) {
            if (i != dim) {
                shape[k] = l.size(i);
                strides[k++] = l.stride(i);
            }
        }
        shape[r - 1] = l.size(dim);
        strides[r - 1] = l.stride(dim);
        return new Layout(shape, strides, l.offset());
    }

    /** base's layout iterated with {@code shape}, not advancing along {@code dim} (the kernel adds index * stride). */
    static Layout pinned(Layout base, int[] shape, int dim) {
        int[] strides = base.strides();
        strides[dim] = 0;
        return new Layout(shape, strides, base.offset());
    }

    /** The smallest power of two at least n (n at least 1). */
    static int pow2(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    /** Each line's sorted positions (int32, line * n + j) and, when asked for, keys; close it to free them. */
    static final class Sorted implements AutoCloseable {
        final Storage idx;
        final Storage keys;

        Sorted(Storage idx, Storage keys) {
            this.idx = idx;
            this.keys = keys;
        }

        @Override
        public void close() {
            idx.close();
            if (keys != null) {
                keys.close();
            }
        }
    }

    /**
     * Sorts every line of src along dim (stable; keys complemented when descending) into dense buffers, or returns null
     * for a layout the kernels do not take. {@code wantKeys}: the keys are kept (the radix path keeps them anyway).
     */
    Sorted sortLines(Storage src, Layout srcLayout, int dim, boolean descending, boolean wantKeys) {
        DType t = src.dtype();
        int n = srcLayout.size(dim);
        long total = srcLayout.numel();
        long lines = total / n;
        boolean wide = keyBits(t) == 64;
        DType keyType = wide ? DType.INT64 : DType.INT32;
        String sfx = CudaBackend.kernelSuffix(t);
        int ss = srcLayout.stride(dim);
        if (n <= SORT_CAP) {
            Geo g = geo(outer(srcLayout, dim));
            if (g == null) {
                return null;
            }
            int p = pow2(n);
            int perBlock = SORT_CAP / p;
            int blocks = (int) Math.max(1, Math.min(MAX_BLOCKS, (lines + perBlock - 1) / perBlock));
            Storage idx = backend.allocate(DType.INT32, total, false);
            Storage keys = wantKeys ? backend.allocate(keyType, total, false) : null;
            backend.launchGrid("sort_small_" + sfx, blocks, THREADS, srcLayout.shape(), g, ptr(src), ss, n, p,
                    descending ? 1 : 0, (int) lines, keys == null ? new CUdeviceptr() : ptr(keys), ptr(idx));
            return new Sorted(idx, keys);
        }
        Geo g = geo(dimLast(srcLayout, dim));
        if (g == null) {
            return null;
        }
        int tpl = (n + RADIX_TILE - 1) / RADIX_TILE;
        int tiles = Math.toIntExact(lines * tpl);
        long m = (long) tiles * 256;
        int chunks = (int) ((m + SCAN_CHUNK - 1) / SCAN_CHUNK);
        int tileBlocks = Math.min(MAX_BLOCKS, tiles);
        int chunkBlocks = Math.min(MAX_BLOCKS, chunks);
        String k = wide ? "k64" : "k32";
        Storage keysA = backend.allocate(keyType, total, false);
        Storage idxA = backend.allocate(DType.INT32, total, false);
        try (Storage keysB = backend.allocate(keyType, total, false);
             Storage idxB = backend.allocate(DType.INT32, total, false);
             Storage counts = backend.allocate(DType.INT32, m, false);
             Storage sums = backend.allocate(DType.INT32, chunks, false)) {
            backend.launch("sort_keys_" + sfx, g.numel, srcLayout.shape(), g, ptr(src), n, descending ? 1 : 0,
                    ptr(keysA), ptr(idxA));
            Storage kin = keysA;
            Storage iin = idxA;
            Storage kout = keysB;
            Storage iout = idxB;
            int[] shape = srcLayout.shape();
            for (int shift = 0; shift < keyBits(t); shift += 8) {
                backend.launchGrid("radix_count_" + k, tileBlocks, THREADS, shape, ptr(kin), n, tpl, tiles, shift,
                        ptr(counts));
                backend.launchGrid("radix_scan_reduce", chunkBlocks, THREADS, shape, ptr(counts), m, chunks, ptr(sums));
                backend.launchGrid("radix_scan_top", 1, THREADS, shape, ptr(sums), chunks);
                backend.launchGrid("radix_scan_down", chunkBlocks, THREADS, shape, ptr(counts), m, chunks, ptr(sums));
                backend.launchGrid("radix_scatter_" + k, tileBlocks, THREADS, shape, ptr(kin), ptr(iin), ptr(kout),
                        ptr(iout), n, tpl, tiles, shift, ptr(counts));
                Storage tk = kin;
                kin = kout;
                kout = tk;
                Storage ti = iin;
                iin = iout;
                iout = ti;
            }
            if (kin != keysA) {
                // an odd number of passes: the result is in the B buffers; keep those, let the A ones go
                backend.copy(kin, Layout.contiguous((int) total), keysA, Layout.contiguous((int) total));
                backend.copy(iin, Layout.contiguous((int) total), idxA, Layout.contiguous((int) total));
            }
        } catch (RuntimeException e) {
            keysA.close();
            idxA.close();
            throw e;
        }
        return new Sorted(idxA, keysA);
    }

    /** Whether a layout's elements can be numbered by the kernels' int positions. */
    private static boolean fits(Layout l) {
        return l.numel() <= Layout.MAX_STORAGE_ELEMENTS;
    }

    // ------------------------------------------------------------------ sort

    /** {@code Backend.sort}; false: not taken. */
    boolean sort(Storage src, Layout srcLayout, int dim, boolean descending, Storage values, Layout valuesLayout,
                 Storage indices, Layout indicesLayout) {
        if (srcLayout.numel() == 0) {
            return true;
        }
        if (!takes(src.dtype()) || !fits(srcLayout)) {
            return false;
        }
        int[] shape = srcLayout.shape();
        Geo wg = geo(dimLast(indicesLayout, dim));
        Geo vg = values == null ? null : geo(valuesLayout, indicesLayout, pinned(srcLayout, shape, dim));
        if (wg == null || (values != null && vg == null)) {
            return false;
        }
        try (Sorted s = sortLines(src, srcLayout, dim, descending, false)) {
            if (s == null) {
                return false;
            }
            backend.launch("sort_write_indices", wg.numel, shape, wg, ptr(s.idx), ptr(indices));
        }
        if (values != null) {
            backend.launch("gather_b" + src.dtype().itemSize(), vg.numel, shape, vg, ptr(src), ptr(indices),
                    ptr(values), srcLayout.stride(dim), srcLayout.size(dim));
        }
        return true;
    }

    // ------------------------------------------------------------------ selection by rank

    /** {@code Backend.rankSelect}; false: not taken. */
    boolean rankSelect(RankOp op, Storage src, Layout srcLayout, int dim, long k, Storage values, Layout valuesLayout,
                       Storage indices, Layout indicesLayout) {
        if (valuesLayout.numel() == 0 || srcLayout.numel() == 0) {
            return true;
        }
        DType t = src.dtype();
        if (!takes(t) || !fits(srcLayout)) {
            return false;
        }
        int[] outShape = valuesLayout.shape();
        Geo lg = geo(indicesLayout);
        Geo vg = geo(valuesLayout, indicesLayout, pinned(srcLayout, outShape, dim));
        if (lg == null || vg == null) {
            return false;
        }
        int n = srcLayout.size(dim);
        boolean wide = keyBits(t) == 64;
        boolean floating = t.isFloatingPoint();
        try (Sorted s = sortLines(src, srcLayout, dim, false, true)) {
            if (s == null) {
                return false;
            }
            if (wide) {
                backend.launch("rank_select_k64", lg.numel, outShape, lg, ptr(s.keys), ptr(s.idx), n, op.ordinal(), k,
                        floating ? 1 : 0, 0xFFF8000000000000L, ptr(indices));
            } else {
                backend.launch("rank_select_k32", lg.numel, outShape, lg, ptr(s.keys), ptr(s.idx), n, op.ordinal(), k,
                        floating ? 1 : 0, 0xFFC00000, ptr(indices));
            }
        }
        backend.launch("gather_b" + t.itemSize(), vg.numel, outShape, vg, ptr(src), ptr(indices), ptr(values),
                srcLayout.stride(dim), n);
        return true;
    }

    // ------------------------------------------------------------------ scans

    /** {@code Backend.scan}; false: not taken. */
    boolean scan(ScanOp op, Storage src, Layout srcLayout, int dim, Storage dst, Layout dstLayout, Storage indices,
                 Layout indicesLayout) {
        if (srcLayout.numel() == 0) {
            return true;
        }
        DType t = src.dtype();
        if (!takes(t) || t != dst.dtype() || !fits(srcLayout)) {
            return false;
        }
        int n = srcLayout.size(dim);
        long lines = srcLayout.numel() / n;
        if (lines < FEW_LINES && n > LONG_LINE) {
            return gaps.scanLong(op, src, srcLayout, dim, dst, dstLayout, indices, indicesLayout);
        }
        Layout third = indices == null ? outer(dstLayout, dim) : outer(indicesLayout, dim);
        Geo g = geo(outer(dstLayout, dim), outer(srcLayout, dim), third);
        if (g == null) {
            return false;
        }
        backend.launch("scan_" + CudaBackend.kernelSuffix(t), g.numel, srcLayout.shape(), g, op.ordinal(), n,
                srcLayout.stride(dim), dstLayout.stride(dim), indices == null ? 0 : indicesLayout.stride(dim), ptr(src),
                ptr(dst), indices == null ? new CUdeviceptr() : ptr(indices));
        return true;
    }

    // ------------------------------------------------------------------ binary search

    /** {@code Backend.searchsorted}; false: not taken. */
    boolean searchsorted(Storage sorted, Layout sortedLayout, Storage sorter, Layout sorterLayout, Storage values,
                         Layout valuesLayout, boolean right, Storage out, Layout outLayout) {
        if (valuesLayout.numel() == 0) {
            return true;
        }
        DType t = values.dtype();
        if (!takes(t) || sorted.dtype() != t || !fits(valuesLayout)) {
            return false;
        }
        Layout lv = valuesLayout;
        Layout lo = outLayout;
        if (lv.rank() == 0) {
            lv = new Layout(new int[] {1}, new int[] {1}, lv.offset());
            lo = new Layout(new int[] {1}, new int[] {1}, lo.offset());
        }
        int[] shape = lv.shape();
        Layout rows = rowsOf(sortedLayout, shape);
        Layout sorterRows = sorter == null ? rows : rowsOf(sorterLayout, shape);
        Geo g = geo(lo, lv, rows, sorterRows);
        if (g == null) {
            return false;
        }
        int last = sortedLayout.rank() - 1;
        int n = sortedLayout.size(last);
        backend.launch("searchsorted_" + CudaBackend.kernelSuffix(t), g.numel, shape, g, n, sortedLayout.stride(last),
                sorter == null ? 0 : sorterLayout.stride(last), right ? 1 : 0, ptr(sorted),
                sorter == null ? new CUdeviceptr() : ptr(sorter), ptr(values), ptr(out));
        return true;
    }

    /**
     * The row of {@code l} (sorted or sorter: 1-D, or of values' rank and leading sizes) for each element of a values
     * layout of {@code shape}: stride 0 along the last dimension (and along all of them for a 1-D l).
     */
    static Layout rowsOf(Layout l, int[] shape) {
        int[] strides = new int[shape.length];
        if (l.rank() > 1) {
            for (int d = 0; d < shape.length - 1; d++) {
                strides[d] = l.stride(d);
            }
        }
        return new Layout(shape, strides, l.offset());
    }

    // ------------------------------------------------------------------ grouping

    /** {@code Backend.unique}; -1: not taken. */
    long unique(Storage src, Layout srcLayout, boolean sorted, Storage values, Storage inverse, Storage counts) {
        int n = srcLayout.size(0);
        DType t = src.dtype();
        if (n == 0) {
            return 0;
        }
        if (!takes(t)) {
            return -1;
        }
        if (srcLayout.size(1) != 1) {
            return gaps.uniqueRows(src, srcLayout, sorted, values, inverse, counts);
        }
        Layout line = new Layout(new int[] {n}, new int[] {srcLayout.stride(0)}, srcLayout.offset());
        boolean wide = keyBits(t) == 64;
        String k = wide ? "k64" : "k32";
        Object nanKey = wide ? (Object) 0xFFF8000000000000L : (Object) 0xFFC00000;
        int floating = t.isFloatingPoint() ? 1 : 0;
        int[] shape = {n};
        Sorted order;
        if (sorted) {
            order = sortLines(src, line, 0, false, true);
            if (order == null) {
                return -1;
            }
        } else {
            Geo g = geo(line);
            Storage keys = backend.allocate(wide ? DType.INT64 : DType.INT32, n, false);
            Storage idx = backend.allocate(DType.INT32, n, false);
            order = new Sorted(idx, keys);
            backend.launch("sort_keys_" + CudaBackend.kernelSuffix(t), g.numel, shape, g, ptr(src), n, 0, ptr(keys),
                    ptr(idx));
        }
        int chunks = (n + SCAN_CHUNK - 1) / SCAN_CHUNK;
        try (Sorted o = order;
             Storage starts = backend.allocate(DType.INT32, n, false);
             Storage sums = backend.allocate(DType.INT32, chunks, false);
             Storage groups = backend.allocate(DType.INT64, 1, false)) {
            int chunkBlocks = Math.min(MAX_BLOCKS, chunks);
            backend.launch("unique_flags_" + k, n, shape, ptr(o.keys), n, floating, nanKey, ptr(starts));
            backend.launchGrid("radix_scan_reduce", chunkBlocks, THREADS, shape, ptr(starts), (long) n, chunks, ptr(sums));
            backend.launchGrid("radix_scan_top", 1, THREADS, shape, ptr(sums), chunks);
            backend.launchGrid("radix_scan_down", chunkBlocks, THREADS, shape, ptr(starts), (long) n, chunks, ptr(sums));
            CUdeviceptr none = new CUdeviceptr();
            CUdeviceptr cnt = counts == null ? none : ptr(counts);
            backend.launch("unique_write_b" + t.itemSize(), n, shape, ptr(o.keys), ptr(o.idx), ptr(starts), n, floating,
                    nanKey, ptr(src), srcLayout.offset(), srcLayout.stride(0), ptr(values),
                    inverse == null ? none : ptr(inverse), cnt);
            backend.launch("unique_counts_" + k, n, shape, ptr(o.keys), ptr(starts), n, floating, nanKey, cnt,
                    ptr(groups));
            return ((long[]) backend.toArray(groups, Layout.contiguous(1)))[0];
        }
    }

    // ------------------------------------------------------------------ histograms and counts

    /** {@code Backend.histc}; false: not taken. */
    boolean histc(Storage src, Layout srcLayout, int bins, double min, double max, Storage out, Layout outLayout) {
        DType t = src.dtype();
        if ((t != DType.FLOAT32 && t != DType.FLOAT64) || out.dtype() != t || !fits(srcLayout)) {
            return false;
        }
        Geo g = srcLayout.numel() == 0 ? null : geo(srcLayout);
        if (srcLayout.numel() > 0 && g == null) {
            return false;
        }
        String sfx = CudaBackend.kernelSuffix(t);
        try (Storage counts = backend.allocate(DType.INT64, Math.max(1, bins), true)) {
            if (g != null) {
                backend.launch("histc_" + sfx, g.numel, srcLayout.shape(), g, ptr(src), bins, min, max, ptr(counts));
            }
            backend.launch("histc_out_" + sfx, bins, outLayout.shape(), ptr(counts), bins, ptr(out),
                    outLayout.offset(), outLayout.stride(0));
        }
        return true;
    }

    /** {@code Backend.bincount}; false: not taken. */
    boolean bincount(Storage src, Layout srcLayout, Storage weights, Layout weightsLayout, Storage out,
                     Layout outLayout) {
        if (weights != null) {
            return gaps.bincountWeighted(src, srcLayout, weights, weightsLayout, out, outLayout);
        }
        if (src.dtype() != DType.INT64 || out.dtype() != DType.INT64) {
            return false;
        }
        int size = outLayout.size(0);
        if (size == 0) {
            return true;
        }
        Geo g = srcLayout.numel() == 0 ? null : geo(srcLayout);
        if (srcLayout.numel() > 0 && g == null) {
            return false;
        }
        try (Storage counts = backend.allocate(DType.INT64, size, true)) {
            if (g != null) {
                backend.launch("bincount_count", g.numel, srcLayout.shape(), g, ptr(src), size, ptr(counts));
            }
            backend.copy(counts, Layout.contiguous(size), out, outLayout);
        }
        return true;
    }
}
