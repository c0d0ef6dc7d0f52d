package dev.ember.cpu;

import dev.ember.DType;

/**
 * PyTorch's CPU topk of one line ({@code topk_impl_loop}, 1.13 and 2.x alike): the (value, position) pairs ordered by
 * the C++ standard library that PyTorch's Linux builds link (libstdc++): {@code std::partial_sort} of the first k when
 * {@code k * 64 <= n}, else {@code std::nth_element} at k - 1, followed where {@code sorted} by {@code std::sort} of the
 * first k - 1. Neither is stable: the order among equal values is the one these algorithms leave, which this class
 * reproduces step by step (introsort with its median-of-three pivot and 16-element insertion sort threshold,
 * introselect, heap select and heap sort). NaN ranks above every number (first for the largest, last for the smallest),
 * as PyTorch's comparators put it. The same algorithms also sort a line for mode ({@link #modeSlot}), with mode's
 * comparator, and any numbers 0 .. n-1 with a comparator of one's own ({@link #stdSort}: unique(dim)'s rows).
 *
 * <p>Each element is held as one 64-bit key that compares as PyTorch's comparator does (the key of
 * {@link SortKernels}, complemented for the smallest), so a comparison is one {@code >} of two longs; and where the
 * partial sort runs, only the first k elements are loaded: the rest are read from the source once each and enter the
 * heap only when they beat its top, as {@code std::__heap_select} moves them. {@code -Dember.topk.values=true} keeps
 * the values as doubles or longs, compared through the NaN rules, and loads the whole line (before session 48).
 *
 * <p>Where {@code std::nth_element} and {@code std::sort} would run, sorted, with k at most n / 16 (topk(10) of 512),
 * the order they leave is forced when the first k keys are all different and no other element's key equals the k-th:
 * then the first k slots hold the k greatest keys in decreasing order, whatever the algorithm. The line is then
 * selected as the partial sort does (a heap of k, the rest scanned: a few microseconds less a line of 512 than the
 * introselect, which mispredicts about every other comparison), the k keys checked strictly decreasing and the line's
 * keys at or beyond the k-th counted; where that finds a tie the line is loaded and run through
 * {@code std::nth_element} and {@code std::sort} as before. {@code -Dember.topk.introselect=true} (read per line task)
 * always runs them (before session 53).
 */
final class StlTopk {
    private final boolean floating;
    private final double[] d;
    private final long[] l;
    /**
     * The keys (null on the old path). On the key path of {@link #select} the key and position slots are sized for what
     * a line needs ({@link #slots}): k + 2 where the partial sort loads only the first k (topk(50) of a 50,257-element
     * line then allocates 0.8 KB a task instead of 600 KB), the whole line where it is loaded.
     */
    private long[] key;
    private int[] p;
    /** The slot of the value an algorithm holds aside ({@code __value}, {@code __val}): the last slot but one. */
    private int held;
    /** The slot {@code iter_swap} passes through: the last slot. */
    private int swapSlot;
    /** {@code -Dember.topk.fullSlots=true} (read per task): key slots for the whole line always (before session 61). */
    private final boolean fullSlots = Boolean.getBoolean("ember.topk.fullSlots");
    private boolean largest;
    /** mode's comparator, {@code a < b} on the values (NaN unordered), instead of topk's. */
    private final boolean plainLess;
    /** Whether a sorted selection of a few may take the heap when its order is forced (not -Dember.topk.introselect). */
    private final boolean heapWhenForced = !Boolean.getBoolean("ember.topk.introselect");
    /** A comparator of one's own between the numbers the slots hold ({@link #stdSort}; null otherwise). */
    private final IntLess less;

    /**
     * A C++ comparator between two elements named by number (a row, a position): {@code less(a, b)} is what
     * {@code comp(a, b)} returns. It need not be a strict weak order (NaN often breaks one): the algorithms call it in
     * libstdc++'s order, so its answers place the elements where libstdc++ leaves them.
     */
    @FunctionalInterface
    interface IntLess {
        /** Whether element a goes before element b. */
        boolean less(int a, int b);
    }

    StlTopk(int n, boolean floating) {
        this(n, floating, false);
    }

    private StlTopk(int n, boolean floating, boolean plainLess) {
        this.floating = floating;
        this.plainLess = plainLess;
        this.less = null;
        boolean values = plainLess || Boolean.getBoolean("ember.topk.values");
        d = values && floating ? new double[n + 2] : null;
        l = values && !floating ? new long[n + 2] : null;
        if (values) {
            key = null;
            p = new int[n + 2];
            held = n;
            swapSlot = n + 1;
        } else {
            key = new long[2];
            p = new int[2];
            slots(fullSlots ? n : 0);
        }
    }

    /**
     * Makes room for m loaded elements on the key path: slots 0 .. m-1 for them, then the held and the swap slot. The
     * arrays only grow (a task's lines share them), and every algorithm reads its elements from slots below m and its
     * aside values from {@link #held} and {@link #swapSlot}, so which slots those are does not change a result.
     */
    private void slots(int m) {
        if (key.length < m + 2) {
            key = new long[m + 2];
            p = new int[m + 2];
        }
        held = key.length - 2;
        swapSlot = key.length - 1;
    }

    /**
     * The line's first k elements in the order PyTorch's topk of k leaves them (largest or smallest first, sorted where
     * asked); {@link #position} then gives their positions.
     */
    void select(CpuStorage src, int base, int stride, int n, int k, boolean largest, boolean sorted) {
        if (key == null) {
            load(src, base, stride, n);
            run(n, k, largest, sorted);
            return;
        }
        this.largest = largest;
        if (k == 0) {
            return;
        }
        if ((long) k * 64 <= n) {
            slots(k);
            heapSort(src, base, stride, n, k, largest);
        } else {
            if (sorted && heapWhenForced && (long) k * 16 <= n) {
                slots(k);
                heapSort(src, base, stride, n, k, largest);
                if (forced(src, base, stride, n, k, largest)) {
                    return;
                }
            }
            slots(n);
            loadKeys(src, base, stride, n, largest);
            nthElement(0, k - 1, n);
            if (sorted) {
                sort(0, k - 1);
            }
        }
    }

    /**
     * {@code std::partial_sort} of the line's first k: the heap of the first k, the rest entering where they beat its
     * top, then the heap sorted.
     */
    private void heapSort(CpuStorage src, int base, int stride, int n, int k, boolean largest) {
        loadKeys(src, base, stride, k, largest);
        makeHeap(0, k);
        if (src.dtype == DType.FLOAT32) {
            scanFloats((float[]) src.array, base, stride, k, n, largest);
        } else {
            for (int i = k; i < n; i++) {
                long x = SortKernels.topkKey(src, base + i * stride, largest);
                if (x > key[0]) {
                    enter(x, i, k);
                }
            }
        }
        while (k > 1) {
            k--;
            popHeap(0, k, k);
        }
    }

    /**
     * After {@link #heapSort}: whether its first k slots are the only order {@code std::nth_element} at k - 1 and
     * {@code std::sort} of the first k - 1 can leave, that is, the k keys strictly decreasing and exactly k of the line's
     * keys at or beyond the k-th (no element left out ties with it).
     */
    private boolean forced(CpuStorage src, int base, int stride, int n, int k, boolean largest) {
        for (int j = 1; j < k; j++) {
            if (!(key[j - 1] > key[j])) {
                return false;
            }
        }
        long last = key[k - 1];
        int count = 0;
        if (src.dtype == DType.FLOAT32) {
            // by value: the k-th a number t, a key at or beyond it is a value >= t or NaN for the largest, <= t for
            // the smallest (where NaN's key is below every number's); a NaN k-th is left to the introselect
            float[] a = (float[]) src.array;
            float t = a[base + p[k - 1] * stride];
            if (Float.isNaN(t)) {
                return false;
            }
            if (largest) {
                for (int i = 0; i < n; i++) {
                    count += a[base + i * stride] < t ? 0 : 1;
                }
            } else {
                for (int i = 0; i < n; i++) {
                    count += a[base + i * stride] <= t ? 1 : 0;
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                count += SortKernels.topkKey(src, base + i * stride, largest) >= last ? 1 : 0;
            }
        }
        return count == k;
    }

    /** The Vector API loops where present (the search for the elements that enter the heap), else null. */
    private static final ElementwiseKernels.FloatLoops LOOPS = ElementwiseKernels.loops();

    /**
     * {@code __heap_select}'s loop over float32 elements k to n: while the top is a number t, an element enters iff it
     * is beyond t (not {@code <= t} for the largest, {@code < t} for the smallest: the key order), so the elements
     * between entries are skipped by float comparisons (whole vectors where the line is dense); a NaN top takes no
     * element for the largest, and every number for the smallest (the keys compared one by one).
     */
    private void scanFloats(float[] a, int base, int stride, int k, int n, boolean largest) {
        long nanKey = largest ? SortKernels.floatKey(Float.NaN) : ~(long) SortKernels.floatKey(Float.NaN);
        int i = k;
        while (i < n) {
            if (key[0] == nanKey) {
                if (largest) {
                    return;
                }
                for (; i < n; i++) {
                    long x = ~(long) SortKernels.floatKey(a[base + i * stride]);
                    if (x > key[0]) {
                        enter(x, i, k);
                    }
                }
                return;
            }
            float t = a[base + p[0] * stride];
            if (stride == 1 && LOOPS != null) {
                i = LOOPS.firstBeyond(a, base + i, base + n, t, largest) - base;
            } else if (largest) {
                while (i < n && a[base + i * stride] <= t) {
                    i++;
                }
            } else {
                while (i < n && !(a[base + i * stride] < t)) {
                    i++;
                }
            }
            if (i < n) {
                long x = SortKernels.floatKey(a[base + i * stride]);
                enter(largest ? x : ~x, i, k);
                i++;
            }
        }
    }

    /**
     * {@code __pop_heap(first, middle, i)} for an element that beats the heap's top: the element is held aside, its slot
     * (never read again) would take the top, and the hole at the top sifts down.
     */
    private void enter(long x, int position, int k) {
        key[held] = x;
        p[held] = position;
        adjustHeap(0, 0, k);
    }

    /** Loads the keys and positions of the line's first n elements. */
    private void loadKeys(CpuStorage src, int base, int stride, int n, boolean largest) {
        if (src.dtype == DType.FLOAT32) {
            float[] a = (float[]) src.array;
            for (int j = 0; j < n; j++) {
                long x = SortKernels.floatKey(a[base + j * stride]);
                key[j] = largest ? x : ~x;
                p[j] = j;
            }
            return;
        }
        for (int j = 0; j < n; j++) {
            key[j] = SortKernels.topkKey(src, base + j * stride, largest);
            p[j] = j;
        }
    }

    /** Loads a line: element j has value {@code src[base + j * stride]} and position j. */
    private void load(CpuStorage src, int base, int stride, int n) {
        for (int j = 0; j < n; j++) {
            if (floating) {
                d[j] = src.getDouble(base + j * stride);
            } else {
                l[j] = src.getLong(base + j * stride);
            }
            p[j] = j;
        }
    }

    /**
     * PyTorch's CPU mode of one line (TensorCompareKernel.cpp's {@code mode_kernel_impl}, 1.13 and 2.x alike): the
     * (value, position) pairs sorted by {@code std::sort} with the comparator {@code a.first < b.first} (which NaN
     * leaves unordered: its place is the one the algorithm leaves), then the runs of elements {@code ==} their
     * successor counted, and the last element of the first longest run taken: the slot returned, whose position
     * {@link #position} gives.
     */
    static int modeSlot(StlTopk t, CpuStorage src, int base, int stride, int n) {
        t.load(src, base, stride, n);
        t.sort(0, n);
        int slot = 0;
        long best = 0;
        long freq = 0;
        for (int i = 0; i < n; i++) {
            freq++;
            if (i == n - 1 || (t.floating ? t.d[i] != t.d[i + 1] : t.l[i] != t.l[i + 1])) {
                if (freq > best) {
                    slot = i;
                    best = freq;
                }
                freq = 0;
            }
        }
        return slot;
    }

    /**
     * The position {@code std::nth_element} leaves at slot {@code nth} of a line whose elements its comparator finds all
     * equivalent (PyTorch's nanmedian of a line of NaNs, where {@code a < b} and NaN's tie-breaks are all false): the
     * elements are loaded and the algorithm run with mode's comparator, which is false between NaNs too.
     */
    static int nthOfEquivalent(StlTopk t, CpuStorage src, int base, int stride, int n, int nth) {
        t.load(src, base, stride, n);
        t.nthElement(0, nth, n);
        return t.position(nth);
    }

    /** A sorter of n numbers by a comparator of one's own: the slots hold the numbers, nothing else. */
    private StlTopk(int n, IntLess less) {
        this.floating = false;
        this.plainLess = false;
        this.less = less;
        key = null;
        d = null;
        l = null;
        p = new int[n + 2];
        held = n;
        swapSlot = n + 1;
    }

    /**
     * The numbers 0 .. n-1 in the order libstdc++'s {@code std::sort} leaves them with the comparator {@code less}
     * (PyTorch's CPU unique(dim) sorts its row numbers so, Unique.cpp's {@code _unique_dim_cpu_template}). Where the
     * comparator is not transitive, the insertion sort's unguarded step could run before the first element (C++ reads
     * past the vector there: undefined); here it stops at the first element.
     */
    static int[] stdSort(int n, IntLess less) {
        StlTopk t = new StlTopk(n, less);
        for (int j = 0; j < n; j++) {
            t.p[j] = j;
        }
        t.sort(0, n);
        return java.util.Arrays.copyOf(t.p, n);
    }

    /**
     * The number libstdc++'s {@code std::nth_element} leaves at slot {@code nth} of the numbers 0 .. n-1 with the
     * comparator {@code less} (PyTorch's CPU median of all elements runs it on the values).
     */
    static int nthElement(int n, int nth, IntLess less) {
        StlTopk t = new StlTopk(n, less);
        for (int j = 0; j < n; j++) {
            t.p[j] = j;
        }
        t.nthElement(0, nth, n);
        return t.p[nth];
    }

    /** A sorter for {@link #modeSlot} and {@link #nthOfEquivalent} of lines of up to n elements. */
    static StlTopk forMode(int n, boolean floating) {
        return new StlTopk(n, floating, true);
    }

    /** The position (in the line) of the element now at slot j. */
    int position(int j) {
        return p[j];
    }

    /** Orders the loaded line of n elements as PyTorch's topk of k does; the first k slots are the result. */
    private void run(int n, int k, boolean largest, boolean sorted) {
        this.largest = largest;
        if (k == 0) {
            return;
        }
        if ((long) k * 64 <= n) {
            partialSort(0, k, n);
        } else {
            nthElement(0, k - 1, n);
            if (sorted) {
                sort(0, k - 1);
            }
        }
    }

    // ------------------------------------------------------------------ the comparator and moves

    private boolean comp(int a, int b) {
        if (key != null) {
            return key[a] > key[b];
        }
        if (less != null) {
            return less.less(p[a], p[b]);
        }
        if (plainLess) {
            return floating ? d[a] < d[b] : l[a] < l[b];
        }
        if (floating) {
            double x = d[a];
            double y = d[b];
            return largest ? (Double.isNaN(x) && !Double.isNaN(y)) || x > y : (!Double.isNaN(x) && Double.isNaN(y)) || x < y;
        }
        return largest ? l[a] > l[b] : l[a] < l[b];
    }

    private void move(int dst, int src) {
        if (key != null) {
            key[dst] = key[src];
        } else if (floating) {
            d[dst] = d[src];
        } else if (l != null) {
            l[dst] = l[src];
        }
        p[dst] = p[src];
    }

    private void swap(int a, int b) {
        move(swapSlot, a);
        move(a, b);
        move(b, swapSlot);
    }

    private static int lg(int n) {
        return 31 - Integer.numberOfLeadingZeros(n);
    }

    // ------------------------------------------------------------------ std::sort

    private void sort(int first, int last) {
        if (first != last) {
            introsortLoop(first, last, lg(last - first) * 2);
            finalInsertionSort(first, last);
        }
    }

    private void introsortLoop(int first, int last, int depthLimit) {
        while (last - first > 16) {
            if (depthLimit == 0) {
                partialSort(first, last, last);
                return;
            }
            depthLimit--;
            int cut = unguardedPartitionPivot(first, last);
            introsortLoop(cut, last, depthLimit);
            last = cut;
        }
    }

    private int unguardedPartitionPivot(int first, int last) {
        int mid = first + (last - first) / 2;
        moveMedianToFirst(first, first + 1, mid, last - 1);
        return unguardedPartition(first + 1, last, first);
    }

    private void moveMedianToFirst(int result, int a, int b, int c) {
        if (comp(a, b)) {
            if (comp(b, c)) {
                swap(result, b);
            } else if (comp(a, c)) {
                swap(result, c);
            } else {
                swap(result, a);
            }
        } else if (comp(a, c)) {
            swap(result, a);
        } else if (comp(b, c)) {
            swap(result, c);
        } else {
            swap(result, b);
        }
    }

    private int unguardedPartition(int first, int last, int pivot) {
        while (true) {
            while (comp(first, pivot)) {
                first++;
            }
            last--;
            while (comp(pivot, last)) {
                last--;
            }
            if (!(first < last)) {
                return first;
            }
            swap(first, last);
            first++;
        }
    }

    private void finalInsertionSort(int first, int last) {
        if (last - first > 16) {
            insertionSort(first, first + 16);
            for (int i = first + 16; i != last; i++) {
                unguardedLinearInsert(i);
            }
        } else {
            insertionSort(first, last);
        }
    }

    private void insertionSort(int first, int last) {
        if (first == last) {
            return;
        }
        for (int i = first + 1; i != last; i++) {
            if (comp(i, first)) {
                move(held, i);
                for (int j = i; j > first; j--) {
                    move(j, j - 1);
                }
                move(first, held);
            } else {
                unguardedLinearInsert(i);
            }
        }
    }

    private void unguardedLinearInsert(int last) {
        move(held, last);
        int next = last - 1;
        while ((less == null || next >= 0) && comp(held, next)) {
            move(last, next);
            last = next;
            next--;
        }
        move(last, held);
    }

    // ------------------------------------------------------------------ std::nth_element

    private void nthElement(int first, int nth, int last) {
        if (first == last || nth == last) {
            return;
        }
        int depthLimit = lg(last - first) * 2;
        while (last - first > 3) {
            if (depthLimit == 0) {
                heapSelect(first, nth + 1, last);
                swap(first, nth);
                return;
            }
            depthLimit--;
            int cut = unguardedPartitionPivot(first, last);
            if (cut <= nth) {
                first = cut;
            } else {
                last = cut;
            }
        }
        insertionSort(first, last);
    }

    // ------------------------------------------------------------------ std::partial_sort and the heap

    private void partialSort(int first, int middle, int last) {
        heapSelect(first, middle, last);
        while (middle - first > 1) {
            middle--;
            popHeap(first, middle, middle);
        }
    }

    private void heapSelect(int first, int middle, int last) {
        makeHeap(first, middle);
        for (int i = middle; i < last; i++) {
            if (comp(i, first)) {
                popHeap(first, middle, i);
            }
        }
    }

    private void makeHeap(int first, int last) {
        int len = last - first;
        if (len < 2) {
            return;
        }
        int parent = (len - 2) / 2;
        while (true) {
            move(held, first + parent);
            adjustHeap(first, parent, len);
            if (parent == 0) {
                return;
            }
            parent--;
        }
    }

    private void popHeap(int first, int last, int result) {
        move(held, result);
        move(result, first);
        adjustHeap(first, 0, last - first);
    }

    /** {@code __adjust_heap} with the value held aside. */
    private void adjustHeap(int first, int holeIndex, int len) {
        int topIndex = holeIndex;
        int secondChild = holeIndex;
        while (secondChild < (len - 1) / 2) {
            secondChild = 2 * (secondChild + 1);
            if (comp(first + secondChild, first + (secondChild - 1))) {
                secondChild--;
            }
            move(first + holeIndex, first + secondChild);
            holeIndex = secondChild;
        }
        if ((len & 1) == 0 && secondChild == (len - 2) / 2) {
            secondChild = 2 * (secondChild + 1);
            move(first + holeIndex, first + (secondChild - 1));
            holeIndex = secondChild - 1;
        }
        int parent = (holeIndex - 1) / 2;
        while (holeIndex > topIndex && comp(first + parent, held)) {
            move(first + holeIndex, first + parent);
            holeIndex = parent;
            parent = (holeIndex - 1) / 2;
        }
        move(first + holeIndex, held);
    }
}
