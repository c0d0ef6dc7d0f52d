package dev.ember.cpu;

import dev.ember.BFloat16;
import dev.ember.DType;
import dev.ember.Half;
import dev.ember.backend.Layout;
import dev.ember.backend.RankOp;
import dev.ember.backend.ScanOp;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Sorting, rank selection, scans, binary search, histograms and grouping along one dimension of any strided layout
 * (the sorting-and-scans family of the Backend SPI). Each line along the dimension is handled by one thread, with
 * buffers reused across the lines a task handles; the lines are split across the worker pool when there is enough work.
 *
 * <p>Sorting orders elements by a 64-bit key that compares as the values do: floating values map through their IEEE
 * bits (-0.0 first made +0.0, every NaN the one canonical NaN, which then sorts above infinity), integers are their own
 * key, and a descending sort takes the complement of the key. Keys of at most 32 bits (float32, bool) are packed with
 * the element's position into one long and sorted as primitives; wider keys go through a stable merge sort.
 */
final class SortKernels {
    private SortKernels() {
    }

    /** Lines at or above this length sorting alone use {@link Arrays#parallelSort}. */
    private static final int PARALLEL_SORT = 1 << 18;

    // ------------------------------------------------------------------ iterating the lines along a dimension

    /** Handles the lines whose first elements sit at {@code bases} (one offset per layout). */
    private interface LineTask {
        void line(int[] bases);
    }

    /** The layout with size 1 at {@code dim}: one element per line along dim. */
    private static Layout outer(Layout l, int dim) {
        int[] shape = l.shape();
        shape[dim] = 1;
        return new Layout(shape, l.strides(), l.offset());
    }

    /**
     * Calls a task (a fresh one per batch of lines, from {@code tasks}, so each holds its own buffers) for every line of
     * the {@code outer} layouts (all of one shape), in parallel when {@code work} is large.
     */
    private static void forEachLine(Layout[] outer, long work, Supplier<LineTask> tasks) {
        if (outer[0].numel() == 0) {
            return;
        }
        int k = outer.length;
        long lines = outer[0].numel();
        boolean parallel = work >= 2L * StridedLoop.PARALLEL_GRAIN && lines > 1;
        new StridedLoop(outer).run((off, count, st) -> {
            LineTask task = tasks.get();
            int[] bases = new int[k];
            for (int i = 0; i < count; i++) {
                for (int o = 0; o < k; o++) {
                    bases[o] = off[o] + i * st[o];
                }
                task.line(bases);
            }
        }, parallel, Math.max(1, work / lines));
    }

    // ------------------------------------------------------------------ keys

    /** A float's key: ordered as the values, -0.0 equal to 0.0, NaN (canonical) above +infinity. */
    static int floatKey(float v) {
        int b = Float.floatToIntBits(v == 0 ? 0f : v);
        return b ^ ((b >> 31) & 0x7fffffff);
    }

    /** A double's key, as {@link #floatKey}. */
    private static long doubleKey(double v) {
        long b = Double.doubleToLongBits(v == 0 ? 0d : v);
        return b ^ ((b >> 63) & Long.MAX_VALUE);
    }

    private static final long NAN_KEY = doubleKey(Double.NaN);

    /** Whether a type's keys fit 32 bits (float32, bool, and integer types narrower than int64). */
    private static boolean narrowKeys(DType t) {
        return t != DType.FLOAT64 && t != DType.INT64;
    }

    /** The 32-bit key of element {@code i} of a storage with narrow keys. */
    private static int narrowKey(CpuStorage s, float[] f, int i) {
        return f != null ? floatKey(f[i]) : (int) s.getLong(i);
    }

    /** The 64-bit key of element {@code i}. */
    private static long wideKey(CpuStorage s, int i) {
        switch (s.dtype) {
            case FLOAT64: return doubleKey(((double[]) s.array)[i]);
            case FLOAT32: return doubleKey(((float[]) s.array)[i]);
            case INT64: return ((long[]) s.array)[i];
            default: return s.dtype.isFloatingPoint() ? doubleKey(s.getDouble(i)) : s.getLong(i);
        }
    }

    /**
     * The key of element {@code i} for {@link StlTopk}: {@code >} between keys is PyTorch's topk comparator (NaN above
     * every number for the largest, below for the smallest, where the complement reverses the order).
     */
    static long topkKey(CpuStorage s, int i, boolean largest) {
        long k = s.dtype.isFloatingPoint() ? wideKey(s, i) : s.getLong(i);
        return largest ? k : ~k;
    }

    private static boolean isNaN(CpuStorage s, int i) {
        return s.dtype.isFloatingPoint() && Double.isNaN(s.getDouble(i));
    }

    /** Copies one element between storages of one type. */
    private static void copyElement(CpuStorage src, int si, CpuStorage dst, int di) {
        switch (src.dtype) {
            case FLOAT32: ((float[]) dst.array)[di] = ((float[]) src.array)[si]; break;
            case FLOAT64: ((double[]) dst.array)[di] = ((double[]) src.array)[si]; break;
            case INT64: ((long[]) dst.array)[di] = ((long[]) src.array)[si]; break;
            default:
                if (src.dtype.isFloatingPoint()) {
                    dst.setDouble(di, src.getDouble(si));
                } else {
                    dst.setLong(di, src.getLong(si));
                }
        }
    }

    // ------------------------------------------------------------------ stable ordering of one line

    /** Buffers to order lines of up to {@code n} elements stably by key. */
    private static final class Orderer {
        final int[] order;
        private long[] packed;
        private long[] keys;
        private long[] tmpKeys;
        private int[] tmpIdx;

        Orderer(int n) {
            order = new int[n];
        }

        /**
         * Fills {@link #order} with the positions of the {@code n} elements at {@code base + j * stride}, sorted stably
         * by key (complemented when {@code descending}).
         */
        void order(CpuStorage s, int base, int stride, int n, boolean descending) {
            if (narrowKeys(s.dtype)) {
                if (packed == null) {
                    packed = new long[order.length];
                }
                float[] f = s.dtype == DType.FLOAT32 ? (float[]) s.array : null;
                for (int j = 0; j < n; j++) {
                    int key = narrowKey(s, f, base + j * stride);
                    if (descending) {
                        key = ~key;
                    }
                    packed[j] = ((long) key << 32) | j; // the position breaks ties: stable
                }
                if (n >= PARALLEL_SORT) {
                    Arrays.parallelSort(packed, 0, n);
                } else {
                    Arrays.sort(packed, 0, n);
                }
                for (int j = 0; j < n; j++) {
                    order[j] = (int) packed[j];
                }
                return;
            }
            if (keys == null) {
                keys = new long[order.length];
                tmpKeys = new long[order.length];
                tmpIdx = new int[order.length];
            }
            for (int j = 0; j < n; j++) {
                long key = wideKey(s, base + j * stride);
                keys[j] = descending ? ~key : key;
                order[j] = j;
            }
            mergeSort(keys, order, tmpKeys, tmpIdx, n);
        }
    }

    /** Sorts {@code keys[0, n)} carrying {@code idx} along, stably (insertion-sorted runs, then bottom-up merges). */
    static void mergeSort(long[] keys, int[] idx, long[] tk, int[] ti, int n) {
        final int run = 32;
        for (int lo = 0; lo < n; lo += run) {
            int hi = Math.min(n, lo + run);
            for (int i = lo + 1; i < hi; i++) {
                long k = keys[i];
                int v = idx[i];
                int j = i - 1;
                while (j >= lo && keys[j] > k) {
                    keys[j + 1] = keys[j];
                    idx[j + 1] = idx[j];
                    j--;
                }
                keys[j + 1] = k;
                idx[j + 1] = v;
            }
        }
        long[] a = keys;
        int[] ai = idx;
        long[] b = tk;
        int[] bi = ti;
        for (int width = run; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(n, lo + width);
                int hi = Math.min(n, lo + 2 * width);
                int i = lo;
                int j = mid;
                int o = lo;
                while (i < mid && j < hi) {
                    if (a[j] < a[i]) { // strictly smaller from the right: equal keys keep their order
                        b[o] = a[j];
                        bi[o++] = ai[j++];
                    } else {
                        b[o] = a[i];
                        bi[o++] = ai[i++];
                    }
                }
                while (i < mid) {
                    b[o] = a[i];
                    bi[o++] = ai[i++];
                }
                while (j < hi) {
                    b[o] = a[j];
                    bi[o++] = ai[j++];
                }
            }
            long[] t = a;
            a = b;
            b = t;
            int[] tiArr = ai;
            ai = bi;
            bi = tiArr;
        }
        if (a != keys) {
            System.arraycopy(a, 0, keys, 0, n);
            System.arraycopy(ai, 0, idx, 0, n);
        }
    }

    // ------------------------------------------------------------------ sort

    static void sort(CpuStorage src, Layout ls, int dim, boolean descending, CpuStorage values, Layout lv,
                     CpuStorage indices, Layout li) {
        int n = ls.size(dim);
        int ss = ls.stride(dim);
        int is = li.stride(dim);
        int vs = values == null ? 0 : lv.stride(dim);
        Layout[] outer = values == null ? new Layout[] {outer(li, dim), outer(ls, dim)}
                : new Layout[] {outer(li, dim), outer(ls, dim), outer(lv, dim)};
        long[] out = (long[]) indices.array;
        forEachLine(outer, ls.numel() * 8, () -> {
            Orderer o = new Orderer(n);
            return bases -> {
                o.order(src, bases[1], ss, n, descending);
                for (int j = 0; j < n; j++) {
                    int from = o.order[j];
                    out[bases[0] + j * is] = from;
                    if (values != null) {
                        copyElement(src, bases[1] + from * ss, values, bases[2] + j * vs);
                    }
                }
            };
        });
    }

    // ------------------------------------------------------------------ topk

    /**
     * topk along {@code dim}: the first k of each line as PyTorch's CPU orders them ({@link StlTopk}), values (src's
     * type) and int64 positions into outputs of src's shape with k at {@code dim}.
     */
    static void topk(CpuStorage src, Layout ls, int dim, int k, boolean largest, boolean sorted, CpuStorage values,
                     Layout lv, CpuStorage indices, Layout li) {
        int n = ls.size(dim);
        int ss = ls.stride(dim);
        int vs = lv.stride(dim);
        int is = li.stride(dim);
        long[] out = (long[]) indices.array;
        boolean floating = src.dtype.isFloatingPoint();
        Layout[] outer = {outer(li, dim), outer(ls, dim), outer(lv, dim)};
        forEachLine(outer, ls.numel() * 8, () -> {
            StlTopk t = new StlTopk(n, floating);
            return bases -> {
                t.select(src, bases[1], ss, n, k, largest, sorted);
                for (int j = 0; j < k; j++) {
                    int from = t.position(j);
                    out[bases[0] + j * is] = from;
                    copyElement(src, bases[1] + from * ss, values, bases[2] + j * vs);
                }
            };
        });
    }

    // ------------------------------------------------------------------ selection by rank

    static void rankSelect(RankOp op, CpuStorage src, Layout ls, int dim, long k, CpuStorage values, Layout lv,
                           CpuStorage indices, Layout li) {
        int n = ls.size(dim);
        int ss = ls.stride(dim);
        long[] out = (long[]) indices.array;
        Layout[] outer = {outer(li, dim), outer(ls, dim), outer(lv, dim)};
        if (op == RankOp.KTHVALUE) {
            forEachLine(outer, ls.numel() * 8, () -> {
                long[] key = new long[n];
                int[] at = new int[n];
                return bases -> {
                    for (int j = 0; j < n; j++) {
                        key[j] = topkKey(src, bases[1] + j * ss, true);
                        at[j] = j;
                    }
                    quickSelect(key, at, n, (int) (k - 1));
                    out[bases[0]] = at[(int) (k - 1)];
                    copyElement(src, bases[1] + at[(int) (k - 1)] * ss, values, bases[2]);
                };
            });
            return;
        }
        if (op == RankOp.MODE) {
            forEachLine(outer, ls.numel() * 8, () -> {
                StlTopk t = StlTopk.forMode(n, src.dtype.isFloatingPoint());
                return bases -> {
                    int from = t.position(StlTopk.modeSlot(t, src, bases[1], ss, n));
                    out[bases[0]] = from;
                    copyElement(src, bases[1] + from * ss, values, bases[2]);
                };
            });
            return;
        }
        forEachLine(outer, ls.numel() * 8, () -> {
            Orderer o = new Orderer(n);
            StlTopk[] allNaN = new StlTopk[1];
            return bases -> {
                o.order(src, bases[1], ss, n, false);
                int[] order = o.order;
                int nan = 0;
                while (nan < n && isNaN(src, bases[1] + order[n - 1 - nan] * ss)) {
                    nan++;
                }
                int pos;
                switch (op) {
                    case KTHVALUE:
                        pos = (int) (k - 1);
                        break;
                    case MEDIAN:
                        pos = nan > 0 ? n - nan : (n - 1) / 2;
                        break;
                    case NANMEDIAN:
                        if (n == nan) {
                            // every element NaN: PyTorch's nth_element at the first slot, whose comparator finds them
                            // all equivalent, leaves the position its partitioning moved there
                            if (allNaN[0] == null) {
                                allNaN[0] = StlTopk.forMode(n, true);
                            }
                            int from = StlTopk.nthOfEquivalent(allNaN[0], src, bases[1], ss, n, 0);
                            out[bases[0]] = from;
                            copyElement(src, bases[1] + from * ss, values, bases[2]);
                            return;
                        }
                        pos = (n - nan - 1) / 2;
                        break;
                    default:
                        throw new IllegalStateException("rank op " + op);
                }
                out[bases[0]] = order[pos];
                copyElement(src, bases[1] + order[pos] * ss, values, bases[2]);
            };
        });
    }

    /**
     * median() / nanmedian() of all the elements of the 1-D {@code src} (Backend.medianAll), as PyTorch's CPU
     * {@code median_impl} (Sorting.cpp, 1.13 and 2.x): a quiet NaN for median when any element is NaN, else
     * libstdc++'s {@code std::nth_element} on the values at {@code (n - 1) / 2} with {@code a < b}, or for nanmedian at
     * {@code (n - nan - 1) / 2} with NaN above every number: which of -0.0 and 0.0 lands there is that algorithm's.
     * The position written is the element's (PyTorch returns none). Integers (whose equal values are one value) take
     * {@link #rankSelect}.
     */
    static void medianAll(CpuStorage src, Layout ls, boolean ignoreNaN, CpuStorage values, Layout lv,
                          CpuStorage indices, Layout li) {
        if (!src.dtype.isFloatingPoint()) {
            rankSelect(ignoreNaN ? RankOp.NANMEDIAN : RankOp.MEDIAN, src, ls, 0, 0, values, lv, indices, li);
            return;
        }
        int n = ls.size(0);
        int ss = ls.stride(0);
        int base = ls.offset();
        double[] v = new double[n];
        int nan = 0;
        int firstNaN = -1;
        for (int j = 0; j < n; j++) {
            v[j] = src.getDouble(base + j * ss);
            if (Double.isNaN(v[j])) {
                nan++;
                firstNaN = firstNaN < 0 ? j : firstNaN;
            }
        }
        long[] out = (long[]) indices.array;
        if (!ignoreNaN && nan > 0) {
            out[li.offset()] = firstNaN;
            values.setDouble(lv.offset(), Double.NaN);
            return;
        }
        StlTopk.IntLess less = ignoreNaN
                ? (a, b) -> v[a] < v[b] || (Double.isNaN(v[b]) && !Double.isNaN(v[a]))
                : (a, b) -> v[a] < v[b];
        int at = StlTopk.nthElement(n, ignoreNaN ? (n - nan - 1) / 2 : (n - 1) / 2, less);
        out[li.offset()] = at;
        copyElement(src, base + at * ss, values, lv.offset());
    }

    /**
     * PyTorch's kthvalue selection of one line ({@code quick_select_template} of ATen's SortingUtils.h, Sedgewick's
     * quickselect with a median-of-three pivot, 1.13 and 2.x alike): moves the k-th smallest (0-based, NaN above every
     * number) to slot k, swapping {@code key} and {@code at} together, so that among equal values the position it
     * leaves at k is PyTorch's. The keys compare as its {@code gt_or_nan} ({@link #topkKey} with largest).
     */
    static void quickSelect(long[] key, int[] at, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        while (true) {
            if (hi <= lo) {
                return;
            }
            if (hi == lo + 1) {
                if (key[lo] > key[hi]) {
                    swap(key, at, lo, hi);
                }
                return;
            }
            int p = (lo + hi) >>> 1;
            swap(key, at, p, lo + 1);
            if (key[lo + 1] > key[hi]) {
                swap(key, at, lo + 1, hi);
            }
            if (key[lo] > key[hi]) {
                swap(key, at, lo, hi);
            }
            if (key[lo + 1] > key[lo]) {
                swap(key, at, lo + 1, lo);
            }
            int i = lo + 1;
            int j = hi;
            long piv = key[lo];
            while (true) {
                do {
                    i++;
                } while (piv > key[i]);
                do {
                    j--;
                } while (key[j] > piv);
                if (j < i) {
                    break;
                }
                swap(key, at, i, j);
            }
            swap(key, at, lo, j);
            if (j <= k) {
                lo = i;
            }
            if (j >= k) {
                hi = j - 1;
            }
        }
    }

    private static void swap(long[] key, int[] at, int a, int b) {
        long t = key[a];
        key[a] = key[b];
        key[b] = t;
        int u = at[a];
        at[a] = at[b];
        at[b] = u;
    }

    // ------------------------------------------------------------------ scans

    /**
     * cumsum / cumprod of contiguous float32 along a dimension that is not the last: row by row of that dimension,
     * one double accumulator per inner position (the inner positions in parallel chunks), so each line keeps its
     * order, its double accumulator and its rounding, and the bits of the line-by-line walk, without its stride.
     */
    private static void scanRowsFloat(boolean sum, float[] s, Layout ls, float[] d, Layout ld, int dim) {
        int[] shape = ls.shape();
        int n = shape[dim];
        int inner = 1;
        for (int k = dim + 1; k < shape.length; k++) {
            inner *= shape[k];
        }
        int outer = inner == 0 ? 0 : (int) (ls.numel() / ((long) n * inner));
        int so = ls.offset();
        int dof = ld.offset();
        int in = inner;
        int cols = outer * inner; // every line, numbered (outer block, inner position)
        CpuThreads.parallelFor(cols, CpuThreads.chunks(cols, n), (task, from, to) -> {
            double[] acc = new double[to - from];
            java.util.Arrays.fill(acc, sum ? 0 : 1);
            int c = from;
            while (c < to) {
                int block = c / in;
                int end = Math.min(to, (block + 1) * in); // this block's lines in the chunk
                int base = block * n * in + (c - block * in);
                int a0 = c - from;
                int w = end - c;
                for (int j = 0; j < n; j++) {
                    int at = base + j * in;
                    for (int q = 0; q < w; q++) {
                        double x = s[so + at + q];
                        double v = sum ? acc[a0 + q] + x : acc[a0 + q] * x;
                        acc[a0 + q] = v;
                        d[dof + at + q] = (float) v;
                    }
                }
                c = end;
            }
        });
    }

    /**
     * cumsum / cumprod of contiguous float32 along the last dimension: four lines at a time, each with its own double
     * accumulator, so the four chains of adds (multiplies) overlap where one line's chain waits on each add's latency;
     * each line keeps its order, its accumulator and its rounding, so the bits of the line-by-line walk.
     * {@code -Dember.scan.oneLine=true} keeps the line-by-line walk (the old path, for before/after runs).
     */
    private static void scanLinesFloat(boolean sum, float[] s, int so, float[] d, int dof, int n, int lines) {
        CpuThreads.parallelFor(lines, CpuThreads.chunks(lines, n), (task, from, to) -> {
            int l = from;
            for (; l + 4 <= to; l += 4) {
                int s0 = so + l * n;
                int d0 = dof + l * n;
                if (sum) {
                    double a0 = 0;
                    double a1 = 0;
                    double a2 = 0;
                    double a3 = 0;
                    for (int j = 0; j < n; j++) {
                        a0 += s[s0 + j];
                        a1 += s[s0 + n + j];
                        a2 += s[s0 + 2 * n + j];
                        a3 += s[s0 + 3 * n + j];
                        d[d0 + j] = (float) a0;
                        d[d0 + n + j] = (float) a1;
                        d[d0 + 2 * n + j] = (float) a2;
                        d[d0 + 3 * n + j] = (float) a3;
                    }
                } else {
                    double a0 = 1;
                    double a1 = 1;
                    double a2 = 1;
                    double a3 = 1;
                    for (int j = 0; j < n; j++) {
                        a0 *= s[s0 + j];
                        a1 *= s[s0 + n + j];
                        a2 *= s[s0 + 2 * n + j];
                        a3 *= s[s0 + 3 * n + j];
                        d[d0 + j] = (float) a0;
                        d[d0 + n + j] = (float) a1;
                        d[d0 + 2 * n + j] = (float) a2;
                        d[d0 + 3 * n + j] = (float) a3;
                    }
                }
            }
            for (; l < to; l++) {
                int s0 = so + l * n;
                int d0 = dof + l * n;
                double acc = sum ? 0 : 1;
                for (int j = 0; j < n; j++) {
                    acc = sum ? acc + s[s0 + j] : acc * s[s0 + j];
                    d[d0 + j] = (float) acc;
                }
            }
        });
    }

    static void scan(ScanOp op, CpuStorage src, Layout ls, int dim, CpuStorage dst, Layout ld, CpuStorage indices,
                     Layout li) {
        int n = ls.size(dim);
        int ss = ls.stride(dim);
        int ds = ld.stride(dim);
        int is = li == null ? 0 : li.stride(dim);
        Layout[] outer = li == null ? new Layout[] {outer(ld, dim), outer(ls, dim)}
                : new Layout[] {outer(ld, dim), outer(ls, dim), outer(li, dim)};
        boolean floating = src.dtype.isFloatingPoint();
        // float32 to float32 read and written on the arrays (-Dember.scan.generic=true: through getDouble/setDouble,
        // the same double accumulator and the same rounding, so the same bits)
        float[] fs = src.dtype == DType.FLOAT32 && dst.dtype == DType.FLOAT32 && !Boolean.getBoolean("ember.scan.generic")
                ? (float[]) src.array : null;
        float[] fd = fs == null ? null : (float[]) dst.array;
        if (fs != null && (op == ScanOp.CUMSUM || op == ScanOp.CUMPROD) && dim < ls.shape().length - 1
                && ls.isContiguous() && ld.isContiguous() && n > 0 && !Boolean.getBoolean("ember.scan.columns")) {
            scanRowsFloat(op == ScanOp.CUMSUM, fs, ls, fd, ld, dim);
            return;
        }
        if (fs != null && (op == ScanOp.CUMSUM || op == ScanOp.CUMPROD) && dim == ls.shape().length - 1
                && ls.isContiguous() && ld.isContiguous() && n > 0 && !Boolean.getBoolean("ember.scan.oneLine")) {
            scanLinesFloat(op == ScanOp.CUMSUM, fs, ls.offset(), fd, ld.offset(), n, (int) (ls.numel() / n));
            return;
        }
        forEachLine(outer, ls.numel(), () -> bases -> {
            int d = bases[0];
            int s = bases[1];
            switch (op) {
                case CUMSUM:
                case CUMPROD: {
                    boolean sum = op == ScanOp.CUMSUM;
                    if (fs != null) {
                        // PyTorch's CPU accumulator for float is double (acc_type), each prefix rounded to float
                        double acc = sum ? 0 : 1;
                        for (int j = 0; j < n; j++) {
                            double x = fs[s + j * ss];
                            acc = sum ? acc + x : acc * x;
                            fd[d + j * ds] = (float) acc;
                        }
                    } else if (floating) {
                        double acc = sum ? 0 : 1;
                        for (int j = 0; j < n; j++) {
                            double x = src.getDouble(s + j * ss);
                            acc = sum ? acc + x : acc * x;
                            dst.setDouble(d + j * ds, acc);
                        }
                    } else {
                        long acc = sum ? 0 : 1;
                        for (int j = 0; j < n; j++) {
                            long x = src.getLong(s + j * ss);
                            acc = sum ? acc + x : acc * x;
                            dst.setLong(d + j * ds, acc);
                        }
                    }
                    break;
                }
                case CUMMAX:
                case CUMMIN: {
                    boolean max = op == ScanOp.CUMMAX;
                    long[] idx = (long[]) indices.array;
                    int at = 0;
                    if (floating) {
                        double best = src.getDouble(s);
                        for (int j = 0; j < n; j++) {
                            double x = src.getDouble(s + j * ss);
                            // PyTorch's cummax_cummin_helper: a NaN takes over (and a later NaN too); ties take the later
                            if (Double.isNaN(x) || (max ? x >= best : x <= best)) {
                                best = x;
                                at = j;
                            }
                            dst.setDouble(d + j * ds, best);
                            idx[bases[2] + j * is] = at;
                        }
                    } else {
                        long best = src.getLong(s);
                        for (int j = 0; j < n; j++) {
                            long x = src.getLong(s + j * ss);
                            if (max ? x >= best : x <= best) {
                                best = x;
                                at = j;
                            }
                            dst.setLong(d + j * ds, best);
                            idx[bases[2] + j * is] = at;
                        }
                    }
                    break;
                }
                default: {
                    double acc = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        acc = logAddExp(src.getDouble(s + j * ss), acc);
                        dst.setDouble(d + j * ds, acc);
                    }
                }
            }
        });
    }

    /** PyTorch's {@code _log_add_exp_helper(x, y)}: NaN propagates, and equal infinities give x. */
    private static double logAddExp(double x, double y) {
        // std::min and std::max, which return their first argument unless the second compares smaller (larger)
        double min = Double.isNaN(y) ? y : (y < x ? y : x);
        double max = Double.isNaN(y) ? y : (x < y ? y : x);
        if (min != max || Double.isFinite(min)) {
            return Math.log1p(Math.exp(min - max)) + max;
        }
        return x;
    }

    // ------------------------------------------------------------------ binary search

    static void searchsorted(CpuStorage sorted, Layout lb, CpuStorage sorter, Layout lp, CpuStorage values, Layout lv,
                             boolean right, CpuStorage out, Layout lo) {
        int rank = lv.rank();
        if (rank == 0) {
            lv = new Layout(new int[] {1}, new int[] {1}, lv.offset());
            lo = new Layout(new int[] {1}, new int[] {1}, lo.offset());
            rank = 1;
        }
        int last = rank - 1;
        int n = lb.size(lb.rank() - 1);
        int bs = lb.stride(lb.rank() - 1);
        int ps = lp == null ? 0 : lp.stride(lp.rank() - 1);
        int m = lv.size(last);
        int vs = lv.stride(last);
        int os = lo.stride(last);
        // the rows of sorted, one per line of values: broadcast when sorted is 1-D
        int[] rowShape = lv.shape();
        rowShape[last] = 1;
        Layout rows = lb.rank() == 1 ? new Layout(rowShape, new int[rank], lb.offset()) : outer(lb, last);
        Layout sorterRows = lp == null ? rows : lp.rank() == 1 ? new Layout(rowShape, new int[rank], lp.offset())
                : outer(lp, last);
        Layout[] outer = {outer(lo, last), outer(lv, last), rows, sorterRows};
        boolean floating = values.dtype.isFloatingPoint();
        long[] o = (long[]) out.array;
        long[] perm = sorter == null ? null : (long[]) sorter.array;
        forEachLine(outer, (long) m * 32, () -> bases -> {
            for (int j = 0; j < m; j++) {
                int vi = bases[1] + j * vs;
                int start = 0;
                int end = n;
                if (floating) {
                    double v = values.getDouble(vi);
                    while (start < end) {
                        int mid = start + ((end - start) >> 1);
                        int at = perm == null ? bases[2] + mid * bs : bases[2] + (int) perm[bases[3] + mid * ps] * bs;
                        double x = sorted.getDouble(at);
                        // PyTorch's cus_lower_bound / cus_upper_bound, NaN comparisons included
                        if (right ? !(x > v) : !(x >= v)) {
                            start = mid + 1;
                        } else {
                            end = mid;
                        }
                    }
                } else {
                    long v = values.getLong(vi);
                    while (start < end) {
                        int mid = start + ((end - start) >> 1);
                        int at = perm == null ? bases[2] + mid * bs : bases[2] + (int) perm[bases[3] + mid * ps] * bs;
                        long x = sorted.getLong(at);
                        if (right ? x <= v : x < v) {
                            start = mid + 1;
                        } else {
                            end = mid;
                        }
                    }
                }
                o[bases[0] + j * os] = start;
            }
        });
    }

    // ------------------------------------------------------------------ histograms and counts

    /**
     * torch.histc of {@code src}, whose elements are of {@code type} (a float16 or bfloat16 input arrives widened to
     * float32 and is binned in its own type's arithmetic).
     */
    static void histc(CpuStorage src, Layout ls, DType type, int bins, double min, double max, CpuStorage out,
                      Layout lo) {
        double[] hist = new double[bins];
        boolean half = type == DType.FLOAT16 || type == DType.BFLOAT16;
        boolean bf16 = type == DType.BFLOAT16;
        boolean single = !half && src.dtype == DType.FLOAT32;
        float lof = half ? round16((float) min, bf16) : (float) min;
        float hif = half ? round16((float) max, bf16) : (float) max;
        float bins16 = round16(bins, bf16);
        float width16 = round16(hif - lof, bf16);
        // sequential: the counts are exact, and one pass over the input is cheap next to allocating per-thread histograms
        new StridedLoop(ls).run((off, n, st) -> {
            for (int i = 0; i < n; i++) {
                int at = off[0] + i * st[0];
                int pos;
                if (half) {
                    // PyTorch 2.x's histogramdd_cpu_contiguous<BFloat16/Half>: (elt - left) * bins / (right - left) in
                    // c10's 16-bit arithmetic, each operation in float rounded to the type, between the edges rounded to
                    // it (bin_edges[0] and [-1]); 1.13 divided first, (elt - left) / (right - left) * bins
                    float x = (float) src.getDouble(at);
                    if (!(x >= lof && x <= hif)) {
                        continue;
                    }
                    pos = (int) round16(round16(round16(x - lof, bf16) * bins16, bf16) / width16, bf16);
                } else if (single) {
                    // in float, as PyTorch's histogram kernel computes for float32 inputs
                    float x = ((float[]) src.array)[at];
                    if (!(x >= lof && x <= hif)) {
                        continue;
                    }
                    pos = (int) ((x - lof) * bins / (hif - lof));
                } else {
                    double x = src.getDouble(at);
                    if (!(x >= min && x <= max)) {
                        continue;
                    }
                    pos = (int) ((x - min) * bins / (max - min));
                }
                if (pos >= bins) {
                    pos = bins - 1; // the last bin includes its right edge
                }
                hist[pos] += 1;
            }
        }, false);
        for (int b = 0; b < bins; b++) {
            out.setDouble(lo.offset() + b * lo.stride(0), hist[b]);
        }
    }

    /** {@code f} rounded to bfloat16 ({@code bf16}) or float16, as c10's BFloat16 and Half store a float. */
    private static float round16(float f, boolean bf16) {
        return bf16 ? BFloat16.toFloat(BFloat16.fromFloat(f)) : Half.toFloat(Half.fromFloat(f));
    }

    static void bincount(CpuStorage src, Layout ls, CpuStorage weights, Layout lw, CpuStorage out, Layout lo) {
        int size = lo.size(0);
        int n = ls.size(0);
        long[] v = (long[]) src.array;
        int os = lo.stride(0);
        if (weights == null) {
            long[] counts = new long[size];
            for (int i = 0; i < n; i++) {
                counts[(int) v[ls.offset() + i * ls.stride(0)]]++;
            }
            for (int b = 0; b < size; b++) {
                out.setLong(lo.offset() + b * os, counts[b]);
            }
            return;
        }
        // summed in the weights' own type, in order, as PyTorch's CPU kernel
        if (out.dtype == DType.FLOAT32) {
            float[] sums = new float[size];
            for (int i = 0; i < n; i++) {
                sums[(int) v[ls.offset() + i * ls.stride(0)]] += (float) weights.getDouble(lw.offset() + i * lw.stride(0));
            }
            for (int b = 0; b < size; b++) {
                out.setDouble(lo.offset() + b * os, sums[b]);
            }
        } else {
            double[] sums = new double[size];
            for (int i = 0; i < n; i++) {
                sums[(int) v[ls.offset() + i * ls.stride(0)]] += weights.getDouble(lw.offset() + i * lw.stride(0));
            }
            for (int b = 0; b < size; b++) {
                out.setDouble(lo.offset() + b * os, sums[b]);
            }
        }
    }

    // ------------------------------------------------------------------ grouping equal rows

    /**
     * Groups equal rows of the 2-D {@code src} (Backend.unique); {@code stlOrder}: sorted as PyTorch's CPU unique(dim)
     * sorts them ({@link #stlRowLess} by libstdc++'s std::sort), else stably with NaN above every number.
     */
    static long unique(CpuStorage src, Layout ls, boolean sorted, boolean stlOrder, CpuStorage values,
                       CpuStorage inverse, CpuStorage counts) {
        int n = ls.size(0);
        int m = ls.size(1);
        int rs = ls.stride(0);
        int cs = ls.stride(1);
        int base = ls.offset();
        if (n == 0) {
            return 0;
        }
        // the key of every element, row by row: rows compare lexicographically by them
        long[] keys = new long[Math.multiplyExact(n, m)];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < m; c++) {
                keys[r * m + c] = wideKey(src, base + r * rs + c * cs);
            }
        }
        int[] order = new int[n];
        for (int r = 0; r < n; r++) {
            order[r] = r;
        }
        boolean floating = src.dtype.isFloatingPoint();
        if (sorted && stlOrder) {
            order = StlTopk.stdSort(n, (a, b) -> stlRowLess(keys, m, a, b, floating));
        } else if (sorted) {
            if (m == 1) {
                long[] k = keys.clone();
                mergeSort(k, order, new long[n], new int[n], n);
            } else if (m > 1) {
                sortRows(keys, m, order, new int[n], 0, n);
            }
        }
        long[] inv = inverse == null ? null : (long[]) inverse.array;
        long[] cnt = counts == null ? null : (long[]) counts.array;
        int groups = 0;
        int count = 0;
        for (int j = 0; j < n; j++) {
            int r = order[j];
            boolean starts = j == 0 || !rowsEqual(keys, m, order[j - 1], r, floating);
            if (starts) {
                if (j > 0 && cnt != null) {
                    cnt[groups - 1] = count;
                }
                for (int c = 0; c < m; c++) {
                    copyElement(src, base + r * rs + c * cs, values, groups * m + c);
                }
                groups++;
                count = 0;
            }
            count++;
            if (inv != null) {
                inv[r] = groups - 1;
            }
        }
        if (cnt != null) {
            cnt[groups - 1] = count;
        }
        return groups;
    }

    /** Whether two rows hold equal values: equal keys, none of them NaN. */
    private static boolean rowsEqual(long[] keys, int m, int a, int b, boolean floating) {
        for (int c = 0; c < m; c++) {
            long ka = keys[a * m + c];
            if (ka != keys[b * m + c] || (floating && ka == NAN_KEY)) {
                return false;
            }
        }
        return true;
    }

    /**
     * PyTorch's unique(dim) comparator (Unique.cpp's {@code _unique_dim_cpu_template}, 1.13 and 2.x): the first element
     * where {@code lhs < rhs} or {@code lhs > rhs} decides; a NaN on either side (both false) and -0.0 against 0.0 go
     * on to the next element; rows without such an element are not less.
     */
    private static boolean stlRowLess(long[] keys, int m, int a, int b, boolean floating) {
        for (int c = 0; c < m; c++) {
            long ka = keys[a * m + c];
            long kb = keys[b * m + c];
            if (ka == kb || (floating && (ka == NAN_KEY || kb == NAN_KEY))) {
                continue;
            }
            return ka < kb;
        }
        return false;
    }

    private static int compareRows(long[] keys, int m, int a, int b) {
        for (int c = 0; c < m; c++) {
            int cmp = Long.compare(keys[a * m + c], keys[b * m + c]);
            if (cmp != 0) {
                return cmp;
            }
        }
        return 0;
    }

    /** Stable merge sort of row numbers {@code order[lo, hi)} by their rows of keys. */
    private static void sortRows(long[] keys, int m, int[] order, int[] tmp, int lo, int hi) {
        if (hi - lo < 2) {
            return;
        }
        if (hi - lo <= 16) {
            for (int i = lo + 1; i < hi; i++) {
                int v = order[i];
                int j = i - 1;
                while (j >= lo && compareRows(keys, m, order[j], v) > 0) {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = v;
            }
            return;
        }
        int mid = (lo + hi) >>> 1;
        sortRows(keys, m, order, tmp, lo, mid);
        sortRows(keys, m, order, tmp, mid, hi);
        int i = lo;
        int j = mid;
        int o = lo;
        while (i < mid && j < hi) {
            tmp[o++] = compareRows(keys, m, order[j], order[i]) < 0 ? order[j++] : order[i++];
        }
        while (i < mid) {
            tmp[o++] = order[i++];
        }
        while (j < hi) {
            tmp[o++] = order[j++];
        }
        System.arraycopy(tmp, lo, order, lo, hi - lo);
    }

    // ------------------------------------------------------------------ gathering and scattering along a dimension

}
