package dev.ember.backend;

import dev.ember.DType;

/**
 * The service provider interface a compute backend implements: storage, copies, and kernels in a few
 * typed families. A backend never sees autograd; shapes, broadcasting, type promotion and error
 * checking happen above it, so every method may assume its arguments are valid:
 * <ul>
 *   <li>Element types of inputs are those the method documents (the op layer converts first).</li>
 *   <li>Layouts of inputs and outputs have equal shapes unless the method says otherwise; inputs may
 *       have any strides, including 0 (broadcast) and gaps; outputs are written through their layout.</li>
 *   <li>An output never overlaps an input, except that elementwise kernels must allow an output that is
 *       exactly an input (same storage and layout), for in-place ops.</li>
 * </ul>
 * Implementations are found with {@link java.util.ServiceLoader}; see {@link Backends}.
 */
public interface Backend {

    /** The device type this backend serves: {@code "cpu"} or {@code "cuda"}. */
    String deviceType();

    /** Whether the backend can run here. */
    boolean isAvailable();

    /** Why the backend cannot run, or an empty string if it can. */
    String unavailableReason();

    /** A short description of what the backend runs on and which kernel paths it chose. */
    String describe();

    /** Number of devices of this type. */
    int deviceCount();

    /** A new storage of {@code numel} elements, contents unspecified. */
    Storage allocate(DType dtype, long numel, int deviceIndex);

    /** A new storage of {@code numel} zeros (a backend whose fresh memory is already zero skips the fill). */
    default Storage allocateZeroed(DType dtype, long numel, int deviceIndex) {
        Storage s = allocate(dtype, numel, deviceIndex);
        if (numel > 0) {
            fill(s, Layout.contiguous((int) numel), 0);
        }
        return s;
    }

    /**
     * A new storage holding a copy of a Java array: {@code float[]} for float32, {@code double[]} for
     * float64, {@code long[]} for int64, {@code boolean[]} for bool.
     */
    Storage fromArray(Object array, int deviceIndex);

    /** The elements of a layout over a storage, row-major, in a new Java array of the storage's type. */
    Object toArray(Storage src, Layout layout);

    /** Copies elements between layouts of equal shape, converting the type when they differ. */
    void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout);

    /** Sets every element of the layout to {@code value} converted to the storage's type. */
    void fill(Storage dst, Layout layout, double value);

    /** {@code dst = op(src)}; types are equal except for the bool-valued ops. */
    void unary(UnaryOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout);

    /** {@code dst = a op b}; a and b have one type, dst has it too or is bool for predicates. */
    void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout);

    /** A one-element Java array of {@code dtype} holding {@code value}, for {@link #fromArray}. */
    static Object scalarArray(DType dtype, Number value) {
        switch (dtype) {
            case FLOAT32: return new float[] {value.floatValue()};
            case FLOAT64: return new double[] {value.doubleValue()};
            case INT64: return new long[] {value.longValue()};
            default: return new boolean[] {value.doubleValue() != 0};
        }
    }

    /**
     * {@code dst = a op scalar}, or {@code dst = scalar op a} when {@code scalarFirst}: a Java number meeting a tensor
     * ({@code x.mul(0.5)}, {@code x.gt(0)}), as PyTorch passes a wrapped number to its kernels as an argument rather
     * than a device tensor. {@code scalar} is already in a's type (a Float, a Double, or a Long, 0 or 1 for bool);
     * dst has a's type, or bool for predicates. This default materializes the scalar and calls {@link #binary}.
     */
    default void binaryScalar(BinaryOp op, Storage a, Layout aLayout, Number scalar, boolean scalarFirst, Storage dst,
                              Layout dstLayout) {
        try (Storage s = fromArray(scalarArray(a.dtype(), scalar), 0)) {
            Layout sl = new Layout(dstLayout.shape(), new int[dstLayout.rank()], 0);
            if (scalarFirst) {
                binary(op, s, sl, a, aLayout, dst, dstLayout);
            } else {
                binary(op, a, aLayout, s, sl, dst, dstLayout);
            }
        }
    }

    /**
     * {@code y += alpha * x} in place (an optimizer's update, {@code add_(x, alpha)}), one floating type, {@code x}
     * already broadcast to y's shape. A backend may fuse it into one multiply-add, as PyTorch's CPU kernels do; this
     * default composes it from {@link #binary} with one temporary.
     */
    default void axpy(double alpha, Storage x, Layout xLayout, Storage y, Layout yLayout) {
        int device = 0; // the backends serve one device
        try (Storage s = fromArray(scalarArray(x.dtype(), alpha), device);
             Storage tmp = allocate(x.dtype(), yLayout.numel(), device)) {
            Layout scalar = new Layout(yLayout.shape(), new int[yLayout.rank()], 0);
            Layout dense = Layout.contiguous(yLayout.shape());
            binary(BinaryOp.MUL, x, xLayout, s, scalar, tmp, dense);
            binary(BinaryOp.ADD, y, yLayout, tmp, dense, y, yLayout);
        }
    }

    /**
     * Checks that every int64 in {@code index} lies in {@code [0, bound)}, else throws an
     * {@link IndexOutOfBoundsException} with {@code message} and the first offending value. A device backend may
     * run the check on the device and raise at its next synchronization (as CUDA reports device-side asserts),
     * so that a training step does not wait for the device; this default reads the indices and checks at once.
     */
    default void checkIndices(Storage index, Layout layout, long bound, String message) {
        for (long v : (long[]) toArray(index, layout)) {
            if (v < 0 || v >= bound) {
                throw new IndexOutOfBoundsException(String.format(message, v));
            }
        }
    }

    /** {@code dst = cond ? a : b}; cond is bool, a, b and dst have one type. */
    void where(Storage cond, Layout condLayout, Storage a, Layout aLayout, Storage b, Layout bLayout,
               Storage dst, Layout dstLayout);

    /**
     * Reduces {@code src} into {@code dst}, whose layout has the rank of src's and size 1 in every reduced
     * dimension (the others equal). SUM/PROD/MAX/MIN write src's type (SUM and PROD of int64 or bool write
     * int64); ARGMAX/ARGMIN reduce exactly one dimension and write int64 indices along it.
     */
    void reduce(ReduceOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout);

    /**
     * Batched matrix product {@code dst[b] = a[b] @ b[b]} for layouts of rank 3: a is [B, M, K], b is
     * [B, K, N] (either may have batch stride 0), dst is [B, M, N]. Floating types only, all equal.
     */
    void matmul(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout);

    // ------------------------------------------------------------------ indexing (IndexingOps)
    //
    // Four kernels serve every indexing op (index_select, gather, scatter and scatter_reduce, index_add/copy/fill,
    // take, masked ops, advanced indexing and index_put): a gather, a scatter with a reduction, the coordinates of the
    // nonzero elements (a count, then a fill), and the linear index of advanced indexing. Indices reach the gather and
    // the scatter already checked ({@link #checkIndices}, or {@link #linearIndex}, which checks as it goes). Each
    // default runs the CPU's kernel on host copies ({@link #host()}), so every device has them.

    /**
     * {@code dst[p] = src[p with p[dim] = index[p]]} for every position {@code p} of dst: PyTorch's {@code gather}, and
     * {@code index_select} when the index layout broadcasts a vector along {@code dim} (stride 0 elsewhere). dst and
     * index have one shape; src has the same rank and may be larger than it in every dimension. index is int64 with
     * values in {@code [0, src.size(dim))}; src and dst have one type.
     */
    default void gather(Storage src, Layout srcLayout, int dim, Storage index, Layout indexLayout, Storage dst,
                        Layout dstLayout) {
        try (Storage s = toHost(src, srcLayout); Storage i = toHost(index, indexLayout);
             Storage d = host().allocate(dst.dtype(), dstLayout.numel(), 0)) {
            host().gather(s, Layout.contiguous(srcLayout.shape()), dim, i, Layout.contiguous(indexLayout.shape()), d,
                    Layout.contiguous(dstLayout.shape()));
            fromHost(d, dst, dstLayout);
        }
    }

    /**
     * Scatters in place: for every position {@code p} of index, {@code dst[p with p[dim] = index[p]]} becomes
     * {@code src[p]} ({@link ScatterReduce#NONE}) or is reduced with it. Without {@code includeSelf} the elements that
     * receive a value first forget their own ({@code scatter_reduce}'s {@code include_self=False}). index and src have
     * one shape (src may be a broadcast number: stride 0); dst has the same rank and may be larger in every dimension;
     * index is int64 with values in {@code [0, dst.size(dim))}. Values landing on one element combine in row-major order
     * of index, so sums are deterministic; MEAN divides by the count (rounding down for int64).
     */
    default void scatter(ScatterReduce reduce, boolean includeSelf, Storage dst, Layout dstLayout, int dim, Storage index,
                         Layout indexLayout, Storage src, Layout srcLayout) {
        try (Storage d = toHost(dst, dstLayout); Storage i = toHost(index, indexLayout); Storage s = toHost(src, srcLayout)) {
            host().scatter(reduce, includeSelf, d, Layout.contiguous(dstLayout.shape()), dim, i,
                    Layout.contiguous(indexLayout.shape()), s, Layout.contiguous(srcLayout.shape()));
            fromHost(d, dst, dstLayout);
        }
    }

    /** The number of elements of a layout that are not zero (NaN counts; for bool, true). */
    default long nonzeroCount(Storage src, Layout layout) {
        try (Storage s = toHost(src, layout)) {
            return host().nonzeroCount(s, Layout.contiguous(layout.shape()));
        }
    }

    /**
     * The coordinates of the nonzero elements of a layout, in row-major order, into dst: int64 of shape
     * {@code [n, rank]} where n is {@link #nonzeroCount}.
     */
    default void nonzero(Storage src, Layout layout, Storage dst, Layout dstLayout) {
        try (Storage s = toHost(src, layout); Storage d = host().allocate(DType.INT64, dstLayout.numel(), 0)) {
            host().nonzero(s, Layout.contiguous(layout.shape()), d, Layout.contiguous(dstLayout.shape()));
            fromHost(d, dst, dstLayout);
        }
    }

    /**
     * The row-major linear index of advanced indexing: {@code dst = sum_j idx_j * (sizes[j+1] * ... * sizes[k-1])}, where
     * {@code idx_j} is the int64 {@code indices[j]} (its layout broadcast to dst's shape) plus {@code sizes[j]} when
     * negative. A value outside {@code [-sizes[j], sizes[j])} throws an {@link IndexOutOfBoundsException} whose message
     * is {@code String.format(message, value, j, sizes[j])} for the first such value in row-major order of dst (j
     * ascending within an element), before dst is used. A device backend may check on the device and raise at its next
     * synchronization, as {@link #checkIndices}.
     */
    default void linearIndex(Storage[] indices, Layout[] indexLayouts, long[] sizes, Storage dst, Layout dstLayout,
                             String message) {
        Storage[] host = new Storage[indices.length];
        Layout[] dense = new Layout[indices.length];
        try (Storage d = host().allocate(DType.INT64, dstLayout.numel(), 0)) {
            for (int j = 0; j < indices.length; j++) {
                host[j] = toHost(indices[j], indexLayouts[j]);
                dense[j] = Layout.contiguous(indexLayouts[j].shape());
            }
            host().linearIndex(host, dense, sizes, d, Layout.contiguous(dstLayout.shape()), message);
            fromHost(d, dst, dstLayout);
        } finally {
            for (Storage s : host) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    /**
     * Fills a layout with random numbers from {@link Philox} with the given key and counter offset: element
     * {@code i} in row-major order uses counter {@code offset + i}, so every backend draws the same numbers.
     */
    void random(RandomKind kind, Storage dst, Layout layout, long seed, long offset, double a, double b);

    // ------------------------------------------------------------------ convolution and pooling (NCHW, contiguous)

    /**
     * 2-D convolution: {@code out[N, O, OH, OW]} from {@code input[N, C, H, W]} and {@code weight[O, C/groups, KH, KW]},
     * plus {@code bias[O]} when not null. All contiguous, one floating type.
     */
    void conv2d(Storage input, Layout inputLayout, Storage weight, Layout weightLayout, Storage bias, Storage out,
                Layout outLayout, Conv2dParams p);

    /** The gradient of a convolution with respect to its input, written to {@code gradInput} (overwritten). */
    void conv2dBackwardInput(Storage gradOut, Layout gradOutLayout, Storage weight, Layout weightLayout,
                             Storage gradInput, Layout gradInputLayout, Conv2dParams p);

    /** The gradient of a convolution with respect to its weight, written to {@code gradWeight} (overwritten). */
    void conv2dBackwardWeight(Storage gradOut, Layout gradOutLayout, Storage input, Layout inputLayout,
                              Storage gradWeight, Layout gradWeightLayout, Conv2dParams p);

    /**
     * 2-D max pooling: {@code out} and the int64 flat index (h * W + w within its plane) of each maximum in
     * {@code indices}; NaN wins, the first maximum wins ties. Padding is negative infinity. {@code indices} is null
     * when no gradient will be taken: then only the values are written.
     */
    void maxPool2d(Storage input, Layout inputLayout, Storage out, Storage indices, Layout outLayout, Pool2dParams p);

    /**
     * Writes the whole of {@code gradInput}: {@code gradOut} summed at the recorded maxima (windows may overlap),
     * zero everywhere else. {@code gradInput} arrives uninitialized, so a kernel for windows that do not overlap
     * can write each window once instead of zero-filling the input first and scattering into it.
     */
    void maxPool2dBackward(Storage gradOut, Storage indices, Layout outLayout, Storage gradInput, Layout inputLayout,
                           Pool2dParams p);

    /** 2-D average pooling. */
    void avgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Pool2dParams p);

    /** The gradient of average pooling with respect to its input (gradInput overwritten). */
    void avgPool2dBackward(Storage gradOut, Layout outLayout, Storage gradInput, Layout inputLayout, Pool2dParams p);

    /** Waits until all queued work on the device is done. */
    default void synchronize(int deviceIndex) {
    }

    // ------------------------------------------------------------------ kernels run on the host

    /**
     * The CPU backend, which has every kernel: a default method of this interface for a kernel family a backend does not
     * (yet) implement runs the CPU's kernel on host copies of its operands ({@link #toHost}, {@link #fromHost}), so an op
     * works on every device before each has its own kernel, only slower. The pattern:
     * <pre>{@code
     * default void someKernel(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
     *     try (Storage s = toHost(src, srcLayout); Storage d = host().allocate(dst.dtype(), dstLayout.numel(), 0)) {
     *         host().someKernel(s, Layout.contiguous(srcLayout.shape()), d, Layout.contiguous(dstLayout.shape()));
     *         fromHost(d, dst, dstLayout);
     *     }
     * }
     * }</pre>
     */
    static Backend host() {
        return Backends.find("cpu");
    }

    /** The elements of a layout over this backend's storage, in a new contiguous CPU storage of that shape (a copy). */
    default Storage toHost(Storage src, Layout layout) {
        return host().fromArray(toArray(src, layout), 0);
    }

    /** Copies a contiguous CPU storage of {@code dstLayout}'s shape into {@code dst} through {@code dstLayout}. */
    default void fromHost(Storage host, Storage dst, Layout dstLayout) {
        Layout dense = Layout.contiguous(dstLayout.shape());
        try (Storage tmp = fromArray(host().toArray(host, dense), dst.device().index())) {
            copy(tmp, dense, dst, dstLayout);
        }
    }
}
