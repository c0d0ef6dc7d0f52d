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

    /**
     * Fills a layout with random numbers from {@link Philox} with the given key and counter offset: element
     * {@code i} in row-major order uses counter {@code offset + i}, so every backend draws the same numbers.
     */
    void random(RandomKind kind, Storage dst, Layout layout, long seed, long offset, double a, double b);

    // ---- decompositions (LinalgOps)

    /**
     * LU factorization with partial pivoting of a batch of square matrices, as LAPACK's {@code getrf}: {@code a} is
     * [B, n, n] (float32 or float64, any strides); {@code lu} ([B, n, n], a's type) receives the multipliers of L below
     * the diagonal (its unit diagonal implied) and U on and above it; {@code pivots} (int64, [B, n]) the 1-based row
     * exchanged with row i at step i; {@code info} (int64, [B]) 0, or k + 1 for the first step k whose pivot is exactly
     * zero (the factorization goes on past it, as LAPACK's does).
     */
    default void luFactor(Storage a, Layout aLayout, Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout,
                          Storage info, Layout infoLayout) {
        try (Storage ha = toHost(a, aLayout);
             Storage hlu = host().allocate(lu.dtype(), luLayout.numel(), 0);
             Storage hp = host().allocate(pivots.dtype(), pivotsLayout.numel(), 0);
             Storage hi = host().allocate(info.dtype(), infoLayout.numel(), 0)) {
            host().luFactor(ha, Layout.contiguous(aLayout.shape()), hlu, Layout.contiguous(luLayout.shape()), hp,
                    Layout.contiguous(pivotsLayout.shape()), hi, Layout.contiguous(infoLayout.shape()));
            fromHost(hlu, lu, luLayout);
            fromHost(hp, pivots, pivotsLayout);
            fromHost(hi, info, infoLayout);
        }
    }

    /**
     * Solves {@code A X = B} for a batch from {@link #luFactor}'s {@code lu} ([B, n, n]) and {@code pivots} ([B, n]):
     * {@code b} is [B, n, k], {@code x} ([B, n, k]) receives X. No check for a zero pivot: it gives infinities or NaN.
     */
    default void luSolve(Storage lu, Layout luLayout, Storage pivots, Layout pivotsLayout, Storage b, Layout bLayout,
                         Storage x, Layout xLayout) {
        try (Storage hlu = toHost(lu, luLayout);
             Storage hp = toHost(pivots, pivotsLayout);
             Storage hb = toHost(b, bLayout);
             Storage hx = host().allocate(x.dtype(), xLayout.numel(), 0)) {
            host().luSolve(hlu, Layout.contiguous(luLayout.shape()), hp, Layout.contiguous(pivotsLayout.shape()), hb,
                    Layout.contiguous(bLayout.shape()), hx, Layout.contiguous(xLayout.shape()));
            fromHost(hx, x, xLayout);
        }
    }

    /**
     * Cholesky factorization {@code A = L L^T} of a batch, as LAPACK's {@code potrf} with the lower triangle: {@code a}
     * is [B, n, n] (only its lower triangle is read); {@code l} ([B, n, n]) receives L with zeros above the diagonal;
     * {@code info} (int64, [B]) 0, or k + 1 when the leading minor of order k + 1 is not positive-definite (L is then
     * complete only up to column k).
     */
    default void cholesky(Storage a, Layout aLayout, Storage l, Layout lLayout, Storage info, Layout infoLayout) {
        try (Storage ha = toHost(a, aLayout);
             Storage hl = host().allocate(l.dtype(), lLayout.numel(), 0);
             Storage hi = host().allocate(info.dtype(), infoLayout.numel(), 0)) {
            host().cholesky(ha, Layout.contiguous(aLayout.shape()), hl, Layout.contiguous(lLayout.shape()), hi,
                    Layout.contiguous(infoLayout.shape()));
            fromHost(hl, l, lLayout);
            fromHost(hi, info, infoLayout);
        }
    }

    /**
     * Householder QR of a batch, as LAPACK's {@code geqrf} then {@code orgqr} (R's diagonal takes LAPACK's signs):
     * {@code a} is [B, m, n]; {@code r} ([B, rows, n], rows = min(m, n) or m) receives R, zero below its diagonal;
     * {@code q} ([B, m, rows]) receives Q's first {@code rows} columns, or is null when only R is wanted.
     */
    default void qr(Storage a, Layout aLayout, Storage q, Layout qLayout, Storage r, Layout rLayout) {
        try (Storage ha = toHost(a, aLayout);
             Storage hq = q == null ? null : host().allocate(q.dtype(), qLayout.numel(), 0);
             Storage hr = host().allocate(r.dtype(), rLayout.numel(), 0)) {
            host().qr(ha, Layout.contiguous(aLayout.shape()), hq, q == null ? null : Layout.contiguous(qLayout.shape()), hr,
                    Layout.contiguous(rLayout.shape()));
            if (q != null) {
                fromHost(hq, q, qLayout);
            }
            fromHost(hr, r, rLayout);
        }
    }

    /**
     * Solves {@code A X = B} for a batch of triangular {@code a} ([B, n, n]; only the {@code upper} or lower triangle is
     * read, its diagonal taken as ones when {@code unitriangular}): {@code b} is [B, n, k], {@code x} ([B, n, k]) receives
     * X. No check for a zero diagonal (it gives infinities or NaN, as LAPACK's {@code trsm}). A right-hand solve
     * {@code X A = B} is this one on transposed layouts.
     */
    default void triangularSolve(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage x, Layout xLayout,
                                 boolean upper, boolean unitriangular) {
        try (Storage ha = toHost(a, aLayout);
             Storage hb = toHost(b, bLayout);
             Storage hx = host().allocate(x.dtype(), xLayout.numel(), 0)) {
            host().triangularSolve(ha, Layout.contiguous(aLayout.shape()), hb, Layout.contiguous(bLayout.shape()), hx,
                    Layout.contiguous(xLayout.shape()), upper, unitriangular);
            fromHost(hx, x, xLayout);
        }
    }

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
