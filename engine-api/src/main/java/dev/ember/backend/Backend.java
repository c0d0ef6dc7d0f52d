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
 * Implementations are found with {@link java.util.ServiceLoader}; see {@link Backends}. Every backend is handed out
 * behind {@link dev.ember.profiler.ProfilingBackend}, which declares each method of this interface: a method added here
 * needs its forwarding method there (engine-cpu's {@code ProfilingBackendSpiTest} names the missing ones).
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

    /**
     * How many host threads the backend's kernels use, the calling thread included, as {@code torch.get_num_threads};
     * 1 for a backend without a pool of host threads.
     */
    default int numThreads() {
        return 1;
    }

    /**
     * Sets {@link #numThreads()}, as {@code torch.set_num_threads}; {@code n} is positive (checked by the caller). A
     * backend without a pool of host threads ignores it.
     */
    default void setNumThreads(int n) {
    }

    /** Number of devices of this type. */
    int deviceCount();

    /** A new storage of {@code numel} elements, contents unspecified. */
    Storage allocate(DType dtype, long numel, int deviceIndex);

    /**
     * A new storage holding a copy of all of {@code src}'s elements, written once (the CPU copies into a pooled array or
     * clones its array: no zeroing pass before the copy), or null where the backend has no such copy (the caller
     * allocates and copies).
     */
    default Storage duplicate(Storage src) {
        return null;
    }

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
     * float64, {@code long[]} for int64, {@code int[]} for int32, {@code short[]} for int16, {@code byte[]} for int8,
     * {@code boolean[]} for bool. A uint8 storage, also a {@code byte[]}, comes from {@link #fromArray(Object, DType, int)}.
     */
    Storage fromArray(Object array, int deviceIndex);

    /**
     * A new storage of {@code dtype} holding a copy of a Java array of that type's Java type ({@link #fromArray(Object,
     * int)}'s; {@code byte[]} for uint8 too, its elements read as unsigned: {@code b & 0xFF}). This default makes a uint8
     * storage by copying an int8 one, which keeps the bits (C's conversion wraps); backends override it to copy once.
     */
    default Storage fromArray(Object array, DType dtype, int deviceIndex) {
        Storage s = fromArray(array, deviceIndex);
        if (s.dtype() == dtype) {
            return s;
        }
        if (dtype == DType.UINT8 && s.dtype() == DType.INT8) {
            try (Storage signed = s) {
                Storage u = allocate(DType.UINT8, signed.numel(), deviceIndex);
                Layout all = Layout.contiguous((int) signed.numel());
                copy(signed, all, u, all);
                return u;
            }
        }
        s.close();
        throw new IllegalArgumentException("a " + array.getClass().getSimpleName() + " cannot hold " + dtype);
    }

    /**
     * A storage over {@code array} itself, without a copy, for backends that keep their elements in Java arrays (the
     * CPU): writes through either are seen by the other, and closing the storage leaves the array to its owner (it is
     * never handed to a pool for reuse). {@code array} is of {@code dtype}'s Java type, as {@link #fromArray(Object,
     * DType, int)} reads it ({@code byte[]} for int8 and uint8, {@code short[]} for int16 and the bits of float16 and
     * bfloat16). This default returns null: a backend whose memory is not the Java heap cannot share an array.
     */
    default Storage shareArray(Object array, DType dtype, int deviceIndex) {
        return null;
    }

    /**
     * The elements of a layout over a storage, row-major, in a new Java array of the storage's type (a {@code byte[]}
     * for int8 and uint8: see {@link #fromArray(Object, DType, int)}).
     */
    Object toArray(Storage src, Layout layout);

    /** Copies elements between layouts of equal shape, converting the type when they differ. */
    void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout);

    /**
     * {@link #copy} of each {@code srcs[k]} (in {@code srcLayouts[k]}) into {@code dst} at {@code dstLayouts[k]}, the
     * windows disjoint (cat's inputs into its output): a backend may copy them in one pass over the output instead of
     * one pass per input. Each source may be of another type than {@code dst} (converted as by {@link #copy}).
     */
    default void copyInto(Storage[] srcs, Layout[] srcLayouts, Storage dst, Layout[] dstLayouts) {
        for (int k = 0; k < srcs.length; k++) {
            copy(srcs[k], srcLayouts[k], dst, dstLayouts[k]);
        }
    }

    /** Sets every element of the layout to {@code value} converted to the storage's type. */
    void fill(Storage dst, Layout layout, double value);

    /** {@code dst = op(src)}; types are equal except for the bool-valued ops. */
    void unary(UnaryOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout);

    /** {@code dst = a op b}; a and b have one type, dst has it too or is bool for predicates. */
    void binary(BinaryOp op, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout);

    /**
     * {@code dst = gelu(src)}, the erf form ({@link UnaryOp#GELU}), told whether the input TENSOR is contiguous with
     * more than one element ({@code oneDnn}): the layouts a kernel sees are ordered by memory, so a transposed input
     * looks contiguous there, but PyTorch's CPU kernel hands only a contiguous tensor of more than one element to
     * oneDNN ({@code use_mkldnn(self)}) and computes the others with {@code GeluKernelImpl}, with other bits. The
     * default ignores the flag.
     */
    default void gelu(boolean oneDnn, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        unary(UnaryOp.GELU, src, srcLayout, dst, dstLayout);
    }

    /**
     * {@code dst = gelu_backward(grad, self)}, the erf form ({@link BinaryOp#GELU_BACKWARD}), told whether SELF (the
     * input tensor, whatever the gradient's layout) is contiguous with more than one element ({@code oneDnn}): see
     * {@link #gelu(boolean, Storage, Layout, Storage, Layout)}. The default ignores the flag.
     */
    default void geluBackward(boolean oneDnn, Storage grad, Layout gradLayout, Storage self, Layout selfLayout,
                              Storage dst, Layout dstLayout) {
        binary(BinaryOp.GELU_BACKWARD, grad, gradLayout, self, selfLayout, dst, dstLayout);
    }

    /**
     * A one-element Java array of {@code dtype} holding {@code value}, for {@link #fromArray(Object, DType, int)} (a
     * {@code short[]} of bits for float16 and bfloat16).
     */
    static Object scalarArray(DType dtype, Number value) {
        switch (dtype) {
            case FLOAT32: return new float[] {value.floatValue()};
            case FLOAT64: return new double[] {value.doubleValue()};
            case INT64: return new long[] {value.longValue()};
            case INT32: return new int[] {(int) value.longValue()};
            case INT16: return new short[] {(short) value.longValue()};
            case INT8:
            case UINT8:
                return new byte[] {(byte) value.longValue()};
            // float16 and bfloat16: the bits of the value rounded to the type (a short[] read with the dtype)
            case FLOAT16: return new short[] {dev.ember.Half.fromFloat(value.floatValue())};
            case BFLOAT16: return new short[] {dev.ember.BFloat16.fromFloat(value.floatValue())};
            // the 8-bit float types: the value as a float, which Creation rounds into the type (a backend holds no fp8)
            case FLOAT8_E4M3FN:
            case FLOAT8_E5M2:
            case FLOAT8_E4M3FNUZ:
            case FLOAT8_E5M2FNUZ:
                return new float[] {value.floatValue()};
            // the unsigned types: an array of the storage type holding the value's bits (a Java long's low bits)
            case UINT16: return new short[] {(short) value.longValue()};
            case UINT32: return new int[] {(int) value.longValue()};
            case UINT64: return new long[] {value.longValue()};
            default: return new boolean[] {value.doubleValue() != 0};
        }
    }

    /**
     * The device ordinal to allocate a composing default's scratch on: the one holding {@code s} (0 for the host and
     * the meta device, whose {@link dev.ember.Device#index()} is -1), so a default never puts its temporaries on
     * another device than the storage it writes.
     */
    private static int deviceOf(Storage s) {
        return Math.max(0, s.device().index());
    }

    /**
     * {@code dst = a op scalar}, or {@code dst = scalar op a} when {@code scalarFirst}: a Java number meeting a tensor
     * ({@code x.mul(0.5)}, {@code x.gt(0)}), as PyTorch passes a wrapped number to its kernels as an argument rather
     * than a device tensor. {@code scalar} is already in a's type (a Float, a Double, or a Long: 0 or 1 for bool, within
     * the type's range for the narrow integer types), with one exception: the exponent of {@code pow} on a float32
     * tensor on the CPU may be a Double a float cannot hold (0.1, NaN), as PyTorch's CPU kernel takes it (rounded to
     * float in its vectorized part only); a backend may round it to float;
     * dst has a's type, or bool for predicates. This default materializes the scalar and calls {@link #binary}.
     */
    default void binaryScalar(BinaryOp op, Storage a, Layout aLayout, Number scalar, boolean scalarFirst, Storage dst,
                              Layout dstLayout) {
        try (Storage s = fromArray(scalarArray(a.dtype(), scalar), a.dtype(), deviceOf(dst))) {
            Layout sl = new Layout(dstLayout.shape(), new int[dstLayout.rank()], 0);
            if (scalarFirst) {
                binary(op, s, sl, a, aLayout, dst, dstLayout);
            } else {
                binary(op, a, aLayout, s, sl, dst, dstLayout);
            }
        }
    }

    /**
     * The complex sum {@code dst = a + alpha * b} as PyTorch's add kernel computes it, {@code alpha} the complex number
     * {@code (alpha, +0)}: per element, with {@code s = alpha * b} rounded first ({@code b} itself when alpha is 1),
     * {@code re = (ar + s_re) - 0 * bi} and {@code im = (ai + s_im) + 0 * br}, so that an infinite or NaN part of
     * {@code b} makes the other part NaN and signed zeros sum as PyTorch's. The three storages hold float32 or float64
     * (one type) interleaved (real, imaginary) pairs; each layout addresses the real part of each complex element, in
     * units of the real type (even offsets and strides, {@code b} and {@code a} already broadcast to {@code dst}'s
     * shape, which is row-major). Returns false when this backend has no such kernel (the caller then composes it from
     * real ops), which is this default.
     */
    default boolean complexAdd(double alpha, Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst,
                               Layout dstLayout) {
        return false;
    }

    /**
     * The complex product {@code dst = a * b} as PyTorch's mul kernel computes it: where PyTorch's vectorized loop
     * runs ({@code Vectorized<c10::complex>}'s operator*: the whole passes of a contiguous run, one operand possibly a
     * broadcast element), {@code re = ar br - ai bi} and {@code im = ar bi + ai br}, each product rounded; elsewhere
     * (a run's last {@code n mod pass} elements, strided runs) c10::complex's scalar operator*= as PyTorch's FMA
     * builds compile it on strided runs: {@code re = fma(ar, br, -(ai bi))}, {@code im = fma(ar, bi, ai br)} (a
     * contiguous run's tail is auto-vectorized code whose contractions depend on PyTorch's compiler: some of its
     * elements take the rounded products). No C99 Annex G recovery of infinities (neither form has it). Storages and
     * layouts as {@link #complexAdd}'s. Returns false when this backend has no such kernel (the caller then composes it
     * from real ops), which is this default.
     */
    default boolean complexMul(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        return false;
    }

    /**
     * The complex quotient {@code dst = a / b} as PyTorch 2.x computes it: c10::complex's operator/ (numpy's algorithm)
     * on each element, {@code rat = d / c, scl = 1 / (c + d rat), re = (a + b rat) scl, im = (b - a rat) scl} where
     * {@code |c| >= |d|} (a zero divisor: {@code re / |c|} and {@code im / |d|}), else {@code rat = c / d, scl = 1 /
     * (d + c rat), re = (a rat + b) scl, im = (b rat - a) scl}, each operation rounded in the real type (no fused
     * multiply-add). Storages and layouts as {@link #complexAdd}'s. Returns false when this backend has no such kernel
     * (the caller then composes it from real ops, element by element through {@code where}), which is this default.
     */
    default boolean complexDiv(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        return false;
    }

    /**
     * The complex {@code sqrt}, {@code exp} or {@code log} ({@code op} one of {@link UnaryOp#SQRT}, {@link UnaryOp#EXP},
     * {@link UnaryOp#LOG}) of each element of {@code src} into {@code dst}, as PyTorch's CPU kernels compute them (the
     * C library's {@code csqrt} and {@code clog} with C99's special values; {@code exp} as {@code exp(re) (cos im,
     * sin im)}, two products). Storages and layouts as {@link #complexAdd}'s ({@code src} of {@code dst}'s shape).
     * Returns false when this backend has no such kernel (the caller then composes the op from real ops), which is this
     * default.
     */
    default boolean complexUnary(UnaryOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        return false;
    }

    /**
     * {@code z ** exponent} of each complex element of {@code src} into {@code dst} for a real exponent, as PyTorch's CPU
     * kernel computes it for exponents other than 0, 1, 2, 3, 0.5 and -1: {@code std::pow(z, (exponent, 0))}, the C
     * library's {@code cpow} ({@code cexp((exponent, 0) * clog(z))}). Storages and layouts as {@link #complexAdd}'s.
     * Returns false when this backend has no such kernel (the caller then composes it), which is this default.
     */
    default boolean complexPow(double exponent, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        return false;
    }

    /**
     * {@code y += alpha * x} in place (an optimizer's update, {@code add_(x, alpha)}), one floating type, {@code x}
     * already broadcast to y's shape. A backend may fuse it into one multiply-add, as PyTorch's CPU kernels do; this
     * default composes it from {@link #binary} with one temporary.
     */
    default void axpy(double alpha, Storage x, Layout xLayout, Storage y, Layout yLayout) {
        int device = deviceOf(y);
        try (Storage s = fromArray(scalarArray(x.dtype(), alpha), x.dtype(), device);
             Storage tmp = allocate(x.dtype(), yLayout.numel(), device)) {
            Layout scalar = new Layout(yLayout.shape(), new int[yLayout.rank()], 0);
            Layout dense = Layout.contiguous(yLayout.shape());
            binary(BinaryOp.MUL, x, xLayout, s, scalar, tmp, dense);
            binary(BinaryOp.ADD, y, yLayout, tmp, dense, y, yLayout);
        }
    }

    /**
     * {@code y += value * t1 * t2} in place (addcmul's kernel), one floating type, {@code t1} and {@code t2} already
     * broadcast to y's shape. PyTorch's x86 CPU kernel computes {@code y + (value * t1) * t2} with the last product and
     * the sum fused ({@code fma(value * t1, t2, y)}; float16 and bfloat16 in float32, rounded once), which the CPU
     * backend repeats; this default composes it from {@link #binary} with one temporary, rounding at each step.
     */
    default void addcmul(double value, Storage t1, Layout t1Layout, Storage t2, Layout t2Layout, Storage y,
                         Layout yLayout) {
        int device = deviceOf(y);
        try (Storage s = fromArray(scalarArray(t1.dtype(), value), t1.dtype(), device);
             Storage tmp = allocate(t1.dtype(), yLayout.numel(), device)) {
            Layout scalar = new Layout(yLayout.shape(), new int[yLayout.rank()], 0);
            Layout dense = Layout.contiguous(yLayout.shape());
            binary(BinaryOp.MUL, t1, t1Layout, s, scalar, tmp, dense);
            binary(BinaryOp.MUL, tmp, dense, t2, t2Layout, tmp, dense);
            binary(BinaryOp.ADD, y, yLayout, tmp, dense, y, yLayout);
        }
    }

    /**
     * Checks that every integer in {@code index} (int64, or int32 where an op takes int32 indices) lies in
     * {@code [0, bound)}, else throws an {@link IndexOutOfBoundsException} with {@code message} and the first offending
     * value. A device backend may run the check on the device and raise at its next synchronization (as CUDA reports
     * device-side asserts), so that a training step does not wait for the device; this default reads the indices and
     * checks at once.
     */
    default void checkIndices(Storage index, Layout layout, long bound, String message) {
        Object a = toArray(index, layout);
        int n = java.lang.reflect.Array.getLength(a);
        for (int i = 0; i < n; i++) {
            long v = a instanceof long[] ? ((long[]) a)[i] : a instanceof int[] ? ((int[]) a)[i]
                    : a instanceof short[] ? ((short[]) a)[i]
                    : index.dtype() == DType.UINT8 ? ((byte[]) a)[i] & 0xFF : ((byte[]) a)[i];
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
     * dimension (the others equal). SUM/PROD/MAX/MIN write src's type (SUM and PROD of an integer type or bool
     * write int64); ARGMAX/ARGMIN reduce exactly one dimension and write int64 indices along it.
     */
    void reduce(ReduceOp op, Storage src, Layout srcLayout, Storage dst, Layout dstLayout);

    /**
     * Batched matrix product {@code dst[b] = a[b] @ b[b]} for layouts of rank 3: a is [B, M, K], b is
     * [B, K, N] (either may have batch stride 0), dst is [B, M, N]. Floating types only, all equal.
     */
    void matmul(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout);

    /**
     * {@code torch.bmm}'s product, with {@link #matmul}'s layouts: PyTorch's CPU bmm multiplies a batch whose
     * {@code K * M * N} is under 400 by its own loop ({@code baddbmm_cpu_kernel}: each element a sum in k order of
     * rounded products, in an accumulator of the type, float for the half types, with no fused multiply-add) and only
     * larger ones by its gemm, so a float32 matmul of a matrix and a batch of vectors (MultivariateNormal's rsample)
     * rounds so. The default is {@link #matmul}; the CPU backend takes the small loop where PyTorch does.
     */
    default void bmm(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage dst, Layout dstLayout) {
        matmul(a, aLayout, b, bLayout, dst, dstLayout);
    }

    /**
     * Whether {@link #baddbmm} serves a batch of {@code [m, k] @ [k, n]} products of {@code dtype}: false by default
     * (the caller composes {@code beta * self + alpha * bmm}); the CPU backend serves the real floating types where
     * {@code k * m * n} is under 400, as PyTorch's CPU baddbmm runs them through its own loop.
     */
    default boolean hasBaddbmmLoop(DType dtype, int m, int k, int n) {
        return false;
    }

    /**
     * {@code torch.baddbmm}'s values by this backend's own loop, where {@link #hasBaddbmmLoop} says so: {@code dst[b]
     * = beta * self[b] + alpha * a[b] @ b[b]} with {@link #matmul}'s layouts for a, b and dst ({@code self}'s layout
     * has dst's shape and may have stride 0). PyTorch's {@code baddbmm_cpu_kernel} rounds each element as {@code r *
     * beta + alpha * acc} in the accumulator type (float for float32 and the half types, double for float64; beta and
     * alpha converted to it; acc the sum of rounded products in k order; no fused multiply-add), or as {@code alpha *
     * acc} where the converted beta is 0 (self's NaN and infinities ignored), and converts the result once: not the
     * composition {@code beta * self + alpha * bmm}.
     *
     * @throws UnsupportedOperationException where {@link #hasBaddbmmLoop} is false
     */
    default void baddbmm(Storage a, Layout aLayout, Storage b, Layout bLayout, Storage self, Layout selfLayout,
            double beta, double alpha, Storage dst, Layout dstLayout) {
        throw new UnsupportedOperationException("baddbmm has no loop of its own on this backend");
    }

    /**
     * The elements of a weight {@code W [n, k]} of {@code dtype} packed by {@link #packLinearWeight} for products
     * with {@code rows}-row inputs ({@link #linearPacked}), or 0 where this backend has no such path (the caller then
     * runs the unpacked product). A weight packed once serves many products: an RNN's {@code W_hh} at every step.
     */
    default long linearPackedLength(DType dtype, int n, int k, int rows) {
        return 0;
    }

    /**
     * Packs {@code w} ({@code [n, k]}, any strides) into {@code dst} ({@link #linearPackedLength} elements, its own
     * layout) for {@link #linearPacked} with {@code rows}-row inputs.
     *
     * @throws UnsupportedOperationException where {@link #linearPackedLength} is 0
     */
    default void packLinearWeight(Storage w, Layout wLayout, int rows, Storage dst) {
        throw new UnsupportedOperationException("packLinearWeight on the " + deviceType() + " backend");
    }

    /**
     * {@code dst [m, n] = x [m, k] W^T} with W packed by {@link #packLinearWeight} for {@code m} rows; dst contiguous.
     * The bits need not equal {@link #matmul}'s (another summation order) but do not depend on the thread count.
     *
     * @throws UnsupportedOperationException where {@link #linearPackedLength} is 0
     */
    default void linearPacked(Storage x, Layout xLayout, Storage packed, int n, Storage dst, Layout dstLayout) {
        throw new UnsupportedOperationException("linearPacked on the " + deviceType() + " backend");
    }

    /**
     * PyTorch's AVX2 float32 normal fill (ATen's {@code normal_fill_16_AVX2}: avx_mathfun's log and sincos with the
     * fused multiply-adds of PyTorch's build) over {@code blocks} runs of 16 floats of {@code d} from {@code at}, in
     * place: each run's first 8 uniform numbers give the radii and its last 8 the angles, and the run becomes
     * {@code fma(radius * cos, std, mean)} then {@code fma(radius * sin, std, mean)}, bit for bit as the scalar port
     * that draws {@code Generator.Algorithm.MT19937}'s float32 normal numbers computes them. Returns false, writing
     * nothing, where the backend has no such kernel (the caller computes them).
     */
    default boolean normalFill16Avx2(float[] d, int at, int blocks, float mean, float std) {
        return false;
    }

    /**
     * MT19937's twist ({@code at::mt19937}'s {@code next_state}, the engine of PyTorch's CPU generator) on the backend's
     * lanes: the 624 words of {@code state} replaced in place by the next 624, bit for bit as the scalar recurrence
     * gives them. Returns false, writing nothing, where the backend has no such kernel (the caller twists).
     */
    default boolean mt19937Twist(int[] state) {
        return false;
    }

    /**
     * MT19937's tempering on the backend's lanes: {@code dst[off + i]} becomes the tempered {@code state[from + i]} for
     * {@code i < len} ({@code y ^= y >>> 11; y ^= (y << 7) & 0x9d2c5680; y ^= (y << 15) & 0xefc60000; y ^= y >>> 18}),
     * the words PyTorch's CPU generator returns. Returns false, writing nothing, where the backend has no such kernel
     * (the caller tempers).
     */
    default boolean mt19937Temper(int[] state, int from, int[] dst, int off, int len) {
        return false;
    }

    /**
     * native_dropout's output in one pass, as PyTorch's CPU {@code input.mul(mask).mul_(scale)} computes it:
     * {@code dst[i] = (x[i] * m[i]) * scale} in x's type (float32 or float64), {@code m[i]} the bool mask's element as 1
     * or 0 and {@code scale} rounded to x's type (a dropped NaN or infinity gives NaN, a dropped finite element a zero of
     * its sign). x is contiguous in {@code layout}, the mask bool and contiguous of the same shape in
     * {@code maskLayout}, dst a contiguous tensor of x's shape and type from its start. Returns false, writing nothing,
     * where the backend has no such kernel (the caller composes the products).
     */
    default boolean dropoutScale(Storage x, Layout layout, Storage mask, Layout maskLayout, double scale, Storage dst) {
        return false;
    }

    /**
     * silu's float32 kernels in one pass each, as PyTorch's silu_kernel and silu_backward_kernel: {@code dst = silu(x)}
     * where {@code grad} is null, else {@code dst = silu_backward(grad, x)}. x is float32 in {@code layout}, grad
     * (if any) float32 of the same shape in {@code gradLayout}, dst float32 of that shape in {@code dstLayout}.
     * Returns false, writing nothing, where the backend has no such kernel for these layouts (the caller
     * composes the ops).
     *
     * @param grad the incoming gradient, or null for the forward
     * @param gradLayout grad's layout (ignored where grad is null)
     * @param x the input
     * @param layout x's layout
     * @param dst the output
     * @param dstLayout dst's layout
     * @return whether the kernel ran
     */
    default boolean siluFloat(Storage grad, Layout gradLayout, Storage x, Layout layout, Storage dst,
                              Layout dstLayout) {
        return false;
    }

    /**
     * PyTorch's {@code sigmoid_backward(grad, y)} ({@code op} {@link UnaryOp#SIGMOID}: {@code grad * (1 - y) * y},
     * in that order) or {@code tanh_backward(grad, y)} ({@link UnaryOp#TANH}: {@code grad * (1 - y * y)}, with
     * {@code 1 - y * y} rounded once where PyTorch's build contracts it, {@link CpuCapability#fusesMultiplyAdd}) in one
     * pass, {@code y} the forward's output. grad, y and dst are all float32 or all float64, of one shape, in their
     * layouts. Returns false, writing nothing, for any other op or type or where the backend has no such kernel (the
     * caller composes the elementwise ops).
     *
     * @param op {@link UnaryOp#SIGMOID} or {@link UnaryOp#TANH}: the forward whose backward this is
     * @param grad the incoming gradient
     * @param gradLayout grad's layout
     * @param y the forward's output
     * @param yLayout y's layout
     * @param dst the output
     * @param dstLayout dst's layout
     * @return whether the kernel ran
     */
    default boolean activationBackward(UnaryOp op, Storage grad, Layout gradLayout, Storage y, Layout yLayout,
                                       Storage dst, Layout dstLayout) {
        return false;
    }

    /**
     * PyTorch's {@code leaky_relu} ({@code grad} null: {@code dst = x > 0 ? x : x * slope}) or
     * {@code leaky_relu_backward} ({@code dst = x > 0 ? grad : grad * slope}, {@code x} the forward's input or, for the
     * in-place form, its result) in one pass, {@code slope} rounded to the type, each element's bits those of the
     * composition of elementwise kernels the op layer runs otherwise (a NaN {@code x} takes the second branch). x,
     * grad (if any) and dst are all float32 or all float64, of one shape, in their layouts; dst may be x itself in
     * x's layout (the in-place form). Returns false, writing nothing, for another type or where the backend has no
     * such kernel (the caller composes the ops).
     *
     * @param grad the incoming gradient, or null for the forward
     * @param gradLayout grad's layout (ignored where grad is null)
     * @param x the input (or the in-place form's result, for the backward)
     * @param layout x's layout
     * @param slope the negative slope
     * @param dst the output
     * @param dstLayout dst's layout
     * @return whether the kernel ran
     */
    default boolean leakyRelu(Storage grad, Layout gradLayout, Storage x, Layout layout, double slope, Storage dst,
                              Layout dstLayout) {
        return false;
    }

    /**
     * PyTorch's {@code elu} with its three coefficients (selu and celu are elu) and {@code elu_backward} in one pass
     * each, every coefficient rounded to the type, each element's bits those of the composition of elementwise kernels
     * the op layer runs otherwise:
     * <ul>
     *   <li>{@code grad} null: {@code dst = x > 0 ? x * scale : expm1(x * inputScale) * negcoef};</li>
     *   <li>{@code isResult} false ({@code x} the input): {@code dst = x < 0 ? ((grad * inputScale) * negcoef) *
     *       exp(x * inputScale) : x == 0 ? (grad * inputScale) * negcoef : grad * scale};</li>
     *   <li>{@code isResult} true ({@code x} the in-place forward's result): {@code dst = x <= 0 ?
     *       (grad * inputScale) * (x + negcoef) : grad * scale}.</li>
     * </ul>
     * {@code exp} and {@code expm1} are the ones the backend's unary kernels compute for that type, but for a backend
     * that follows PyTorch's own elu kernels where their bits differ from the composition's (the CPU backend's float32
     * forward, {@code x >= 0 ? x * scale : expm1(x * inputScale) * negcoef}, and backward on the input, {@code x > 0 ?
     * grad * scale : ((grad * inputScale) * negcoef) * exp(x * inputScale)}, with Sleef's expm1 and exp over the
     * vector part of a contiguous run, the C library's {@code x < 0} and {@code x <= 0} forms over the rest). x, grad
     * (if any)
     * and dst are all float32 or all float64, of one shape, in their layouts; dst may be x itself in x's layout (the
     * in-place form). Returns false, writing nothing, for another type or where the backend has no such kernel (the
     * caller composes the ops).
     *
     * @param grad the incoming gradient, or null for the forward
     * @param gradLayout grad's layout (ignored where grad is null)
     * @param x the input, or the result where {@code isResult}
     * @param layout x's layout
     * @param negcoef the negative branch's factor ({@code alpha * scale}, as the caller rounds it)
     * @param scale the positive branch's factor
     * @param inputScale the factor of x inside the exponential
     * @param isResult whether x is the forward's result (the backward of the in-place forms; ignored for the forward)
     * @param dst the output
     * @param dstLayout dst's layout
     * @return whether the kernel ran
     */
    default boolean elu(Storage grad, Layout gradLayout, Storage x, Layout layout, double negcoef, double scale,
                        double inputScale, boolean isResult, Storage dst, Layout dstLayout) {
        return false;
    }

    /**
     * float32 clamp with both bounds in one pass: {@code dst[i] = min(max(x[i], lo), hi)} as PyTorch's clamp kernel
     * (a NaN element stays NaN, an element equal to a bound is kept, so -0 stays -0 against 0, and {@code lo > hi}
     * gives {@code hi}); the bounds are float32 values and neither is NaN. x is float32 in {@code layout}, which is
     * contiguous; dst is float32, contiguous from element 0. Returns false, writing nothing, where the backend has no
     * such kernel (the caller composes maximum and minimum).
     */
    default boolean clampFloat(Storage x, Layout layout, float lo, float hi, Storage dst) {
        return false;
    }

    /**
     * Whether {@link #lstmCellPointwise}, {@link #lstmCellBackward} and {@link #gruCellPointwise} run on this backend
     * (the caller composes the ops where not).
     */
    default boolean fusedRnnCells() {
        return false;
    }

    /**
     * The pointwise part of an LSTM step after its two products, float32: {@code gates = hh + ih} ({@code [rows, 4h]}
     * each), chunked into the input, forget, cell and output gates; {@code cOut = f * c + i * g} and
     * {@code hOut = o * tanh(cOut)}, each operation rounded to float in the order of the composition ({@code sigmoid},
     * {@code tanh}, {@code mul}, {@code add} as the unary and binary kernels compute them), so the bits are the
     * composition's. {@code c}, {@code hOut} and {@code cOut} are {@code [rows, h]}. With {@code saved} (else null,
     * {@code [rows, 5h]}) each row receives the activations {@link #lstmCellBackward} reads: i, f, g, o and
     * {@code tanh(cOut)}. Every operand is 2-D with its elements contiguous (any row stride and offset).
     *
     * @throws UnsupportedOperationException where {@link #fusedRnnCells} is false
     */
    default void lstmCellPointwise(Storage hh, Layout hhLayout, Storage ih, Layout ihLayout, Storage c, Layout cLayout,
                                   Storage hOut, Layout hOutLayout, Storage cOut, Layout cOutLayout, Storage saved,
                                   Layout savedLayout) {
        throw new UnsupportedOperationException("lstmCellPointwise on the " + deviceType() + " backend");
    }

    /**
     * The backward of one {@link #lstmCellPointwise} step (PyTorch 2.x's {@code mkldnn_rnn_layer} backward, one step):
     * {@code dh = gradOut + gradH} ({@code gradOut}, the layer output's gradient at this step, may be null),
     * {@code dc = gradC + dh o (1 - t^2)} with {@code t = tanh(c')}; {@code gradGates} ({@code [rows, 4h]}) receives
     * the gradients of the gates before their activations, {@code dc g i (1 - i)}, {@code dc cPrev f (1 - f)},
     * {@code dc i (1 - g^2)}, {@code dh t o (1 - o)}, and {@code gradCPrev = dc f}; float32. {@code saved} is the
     * forward's {@code [rows, 5h]}; {@code cPrev} the cell state the step started from. Layouts as
     * {@link #lstmCellPointwise}'s.
     *
     * @throws UnsupportedOperationException where {@link #fusedRnnCells} is false
     */
    default void lstmCellBackward(Storage gradOut, Layout gradOutLayout, Storage gradH, Layout gradHLayout, Storage gradC,
                                  Layout gradCLayout, Storage saved, Layout savedLayout, Storage cPrev, Layout cPrevLayout,
                                  Storage gradGates, Layout gradGatesLayout, Storage gradCPrev, Layout gradCPrevLayout) {
        throw new UnsupportedOperationException("lstmCellBackward on the " + deviceType() + " backend");
    }

    /**
     * The pointwise part of a GRU step after its two products, as {@link #lstmCellPointwise}: {@code ih} and {@code hh}
     * ({@code [rows, 3h]}) chunked in three; {@code r = sigmoid(hh_r + ih_r)}, {@code z = sigmoid(hh_z + ih_z)},
     * {@code n = tanh(ih_n + hh_n * r)}, {@code hOut = (h - n) * z + n}.
     *
     * @throws UnsupportedOperationException where {@link #fusedRnnCells} is false
     */
    default void gruCellPointwise(Storage ih, Layout ihLayout, Storage hh, Layout hhLayout, Storage h, Layout hLayout,
                                  Storage hOut) {
        throw new UnsupportedOperationException("gruCellPointwise on the " + deviceType() + " backend");
    }

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
     * of index on the CPU, so its sums are deterministic (a device may add floats in any order unless
     * {@code Ember.useDeterministicAlgorithms} is on); MEAN divides by the count (rounding down for int64).
     */
    default void scatter(ScatterReduce reduce, boolean includeSelf, Storage dst, Layout dstLayout, int dim, Storage index,
                         Layout indexLayout, Storage src, Layout srcLayout) {
        try (Storage d = toHost(dst, dstLayout); Storage i = toHost(index, indexLayout); Storage s = toHost(src, srcLayout)) {
            host().scatter(reduce, includeSelf, d, Layout.contiguous(dstLayout.shape()), dim, i,
                    Layout.contiguous(indexLayout.shape()), s, Layout.contiguous(srcLayout.shape()));
            fromHost(d, dst, dstLayout);
        }
    }

    /**
     * index_add's kernel with alpha: {@link #scatter} with {@link ScatterReduce#SUM} and {@code includeSelf} of
     * {@code alpha * src}, for one floating type (operands and layouts as {@link #scatter} takes them; index_add's index
     * advances along {@code dim} only). Values landing on one element are added in row-major order of index, which is
     * the order of index_add's index. A backend may add each value with one fused multiply-add,
     * {@code dst = fma(alpha, src, dst)} with alpha converted to the type, as PyTorch's CPU index_add_ does for a self
     * of two or more dimensions (slice by slice through its add kernel: {@code Vectorized::fmadd} and the contracted
     * scalar tail), which the CPU backend repeats; this default rounds {@code alpha * src} first (a scaled copy of src,
     * then the scatter; with alpha 1 the scatter of src itself), which is also PyTorch's rounding for complex types.
     */
    default void scatterAdd(double alpha, Storage dst, Layout dstLayout, int dim, Storage index, Layout indexLayout,
                            Storage src, Layout srcLayout) {
        if (alpha == 1) {
            scatter(ScatterReduce.SUM, true, dst, dstLayout, dim, index, indexLayout, src, srcLayout);
            return;
        }
        int device = deviceOf(dst);
        int[] shape = indexLayout.shape();
        try (Storage s = fromArray(scalarArray(src.dtype(), alpha), src.dtype(), device);
             Storage tmp = allocate(src.dtype(), indexLayout.numel(), device)) {
            Layout dense = Layout.contiguous(shape);
            binary(BinaryOp.MUL, src, srcLayout, s, new Layout(shape, new int[shape.length], 0), tmp, dense);
            scatter(ScatterReduce.SUM, true, dst, dstLayout, dim, index, indexLayout, tmp, dense);
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

    // ------------------------------------------------------------------ decompositions (LinalgOps)

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

    // ------------------------------------------------------------------ singular values and eigh (LinalgDecompositions)

    /**
     * Singular value decomposition of a batch {@code a} ([B, m, n], float32 or float64, any strides): {@code s} ([B, k],
     * k = min(m, n)) receives the singular values in descending order; {@code u} ([B, m, m] or [B, m, k]) and {@code vh}
     * ([B, n, n] or [B, k, n]) the left and right singular vectors ({@code A = U diag(S) Vh}), or are both null when only
     * the values are wanted; {@code info} (int64, [B]) 0, or -4 for a matrix with a NaN element (LAPACK 3.10's
     * {@code gesdd}; its outputs are NaN). An infinite element (without NaN) gives NaN outputs and info 0.
     */
    default void svd(Storage a, Layout aLayout, Storage u, Layout uLayout, Storage s, Layout sLayout, Storage vh,
                     Layout vhLayout, Storage info, Layout infoLayout) {
        try (Storage ha = toHost(a, aLayout);
             Storage hu = u == null ? null : host().allocate(u.dtype(), uLayout.numel(), 0);
             Storage hs = host().allocate(s.dtype(), sLayout.numel(), 0);
             Storage hvh = vh == null ? null : host().allocate(vh.dtype(), vhLayout.numel(), 0);
             Storage hi = host().allocate(info.dtype(), infoLayout.numel(), 0)) {
            host().svd(ha, Layout.contiguous(aLayout.shape()), hu, u == null ? null : Layout.contiguous(uLayout.shape()), hs,
                    Layout.contiguous(sLayout.shape()), hvh, vh == null ? null : Layout.contiguous(vhLayout.shape()), hi,
                    Layout.contiguous(infoLayout.shape()));
            if (u != null) {
                fromHost(hu, u, uLayout);
                fromHost(hvh, vh, vhLayout);
            }
            fromHost(hs, s, sLayout);
            fromHost(hi, info, infoLayout);
        }
    }

    /**
     * Eigenvalues and eigenvectors of a batch of real symmetric matrices {@code a} ([B, n, n], float32 or float64, any
     * strides), as LAPACK's {@code syevd}: only the lower triangle is read (the upper when {@code upper}); {@code w}
     * ([B, n]) receives the eigenvalues in ascending order, {@code v} ([B, n, n]) orthonormal eigenvectors as columns, or
     * is null when only the values are wanted. A non-finite element in the triangle read gives NaN outputs.
     */
    default void eigh(Storage a, Layout aLayout, boolean upper, Storage w, Layout wLayout, Storage v, Layout vLayout) {
        try (Storage ha = toHost(a, aLayout);
             Storage hw = host().allocate(w.dtype(), wLayout.numel(), 0);
             Storage hv = v == null ? null : host().allocate(v.dtype(), vLayout.numel(), 0)) {
            host().eigh(ha, Layout.contiguous(aLayout.shape()), upper, hw, Layout.contiguous(wLayout.shape()), hv,
                    v == null ? null : Layout.contiguous(vLayout.shape()));
            fromHost(hw, w, wLayout);
            if (v != null) {
                fromHost(hv, v, vLayout);
            }
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
     * {@code indices}; a NaN wins (the last one of a window, as PyTorch's {@code (val > maxval) || isnan(val)}), the
     * first maximum wins ties. Padding is negative infinity. {@code indices} is null
     * when no gradient will be taken: then only the values are written. Where {@link #maxPoolWindowCodes()} is true,
     * {@code indices} may instead be a uint8 storage: each maximum's position within its window,
     * {@code ki * kernelW + kj}, which {@link #maxPool2dBackward} then reads.
     */
    void maxPool2d(Storage input, Layout inputLayout, Storage out, Storage indices, Layout outLayout, Pool2dParams p);

    /**
     * Writes the whole of {@code gradInput}: {@code gradOut} summed at the recorded maxima (windows may overlap),
     * zero everywhere else. {@code gradInput} arrives uninitialized, so a kernel for windows that do not overlap
     * can write each window once instead of zero-filling the input first and scattering into it. {@code gradOut} and
     * {@code indices} are both contiguous and read at {@code outLayout}.
     */
    void maxPool2dBackward(Storage gradOut, Storage indices, Layout outLayout, Storage gradInput, Layout inputLayout,
                           Pool2dParams p);

    /**
     * Whether {@link #maxPool2d} and {@link #maxPool2dBackward} take uint8 window codes in place of int64 indices for
     * the indices autograd saves (never for indices a caller asked for): an eighth of the indices' memory traffic. The
     * default is false (int64 indices only).
     */
    default boolean maxPoolWindowCodes() {
        return false;
    }

    /** 2-D average pooling. */
    void avgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Pool2dParams p);

    /** The gradient of average pooling with respect to its input (gradInput overwritten). */
    void avgPool2dBackward(Storage gradOut, Layout outLayout, Storage gradInput, Layout inputLayout, Pool2dParams p);

    // ------------------------------------------------------------------ resampling (NNOps)
    //
    // Adaptive pooling and bilinear upsampling of [N, C, H, W] layouts of any strides (a broadcast input has stride
    // 0), in one floating type: the windows and the interpolation weights that a composition of other kernels would
    // compute slowly. Each default runs the CPU's kernel on host copies ({@link #host()}), so every device has them.

    /**
     * PyTorch's {@code _adaptive_avg_pool2d}: {@code out[n, c, i, j]} is the mean of input rows
     * {@code [floor(i H / OH), ceil((i + 1) H / OH))} and columns {@code [floor(j W / OW), ceil((j + 1) W / OW))}.
     */
    default void adaptiveAvgPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout) {
        try (Storage s = toHost(input, inputLayout); Storage d = host().allocate(out.dtype(), outLayout.numel(), 0)) {
            host().adaptiveAvgPool2d(s, Layout.contiguous(inputLayout.shape()), d, Layout.contiguous(outLayout.shape()));
            fromHost(d, out, outLayout);
        }
    }

    /**
     * The gradient of {@link #adaptiveAvgPool2d} (PyTorch's {@code _adaptive_avg_pool2d_backward}): the whole of
     * {@code gradInput} written, each output's gradient divided evenly over its window (windows may overlap).
     */
    default void adaptiveAvgPool2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput, Layout gradInputLayout) {
        try (Storage g = toHost(gradOut, gradOutLayout);
             Storage d = host().allocate(gradInput.dtype(), gradInputLayout.numel(), 0)) {
            host().adaptiveAvgPool2dBackward(g, Layout.contiguous(gradOutLayout.shape()), d,
                    Layout.contiguous(gradInputLayout.shape()));
            fromHost(d, gradInput, gradInputLayout);
        }
    }

    /**
     * PyTorch's {@code adaptive_max_pool2d}: the maximum of each window of {@link #adaptiveAvgPool2d} into {@code out}
     * and its int64 flat index ({@code h * W + w} within its plane) into {@code indices} (out's shape); a NaN wins
     * (the last one of a window), otherwise the first maximum wins ties.
     */
    default void adaptiveMaxPool2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, Storage indices,
                                   Layout indicesLayout) {
        try (Storage s = toHost(input, inputLayout); Storage d = host().allocate(out.dtype(), outLayout.numel(), 0);
             Storage i = host().allocate(DType.INT64, indicesLayout.numel(), 0)) {
            Layout dense = Layout.contiguous(outLayout.shape());
            host().adaptiveMaxPool2d(s, Layout.contiguous(inputLayout.shape()), d, dense, i, dense);
            fromHost(d, out, outLayout);
            fromHost(i, indices, indicesLayout);
        }
    }

    /**
     * PyTorch's {@code upsample_bilinear2d}: each output element interpolates the four input elements around its source
     * position, computed as PyTorch's {@code area_pixel_compute_source_index} does: with {@code alignCorners} the
     * corners' centers match ({@code (in - 1) / (out - 1)} per step); otherwise {@code scaleH}/{@code scaleW} (the scale
     * factors given, used when positive as {@code 1 / scale}; 0 for none: {@code in / out}) map pixel centers.
     */
    default void upsampleBilinear2d(Storage input, Layout inputLayout, Storage out, Layout outLayout, boolean alignCorners,
                                    double scaleH, double scaleW) {
        try (Storage s = toHost(input, inputLayout); Storage d = host().allocate(out.dtype(), outLayout.numel(), 0)) {
            host().upsampleBilinear2d(s, Layout.contiguous(inputLayout.shape()), d, Layout.contiguous(outLayout.shape()),
                    alignCorners, scaleH, scaleW);
            fromHost(d, out, outLayout);
        }
    }

    /**
     * The gradient of {@link #upsampleBilinear2d} ({@code upsample_bilinear2d_backward}): the whole of {@code gradInput}
     * written, each output's gradient added to its four input elements with the forward's weights.
     */
    default void upsampleBilinear2dBackward(Storage gradOut, Layout gradOutLayout, Storage gradInput,
                                            Layout gradInputLayout, boolean alignCorners, double scaleH, double scaleW) {
        try (Storage g = toHost(gradOut, gradOutLayout);
             Storage d = host().allocate(gradInput.dtype(), gradInputLayout.numel(), 0)) {
            host().upsampleBilinear2dBackward(g, Layout.contiguous(gradOutLayout.shape()), d,
                    Layout.contiguous(gradInputLayout.shape()), alignCorners, scaleH, scaleW);
            fromHost(d, gradInput, gradInputLayout);
        }
    }

    /** Waits until all queued work on the device is done. */
    default void synchronize(int deviceIndex) {
    }

    // ------------------------------------------------------------------ sorting and scans (SortOps)

    /**
     * Sorts {@code src} along {@code dim} into {@code values} (src's type; null when only the order is wanted) and the
     * int64 positions along {@code dim} the values came from in {@code indices}; all layouts have src's shape. The sort is
     * stable (equal elements keep their order, also when {@code descending}), NaN sorts above every number (last
     * ascending, first descending) and -0.0 equals 0.0, as PyTorch's stable sort.
     */
    default void sort(Storage src, Layout srcLayout, int dim, boolean descending, Storage values, Layout valuesLayout,
                      Storage indices, Layout indicesLayout) {
        Layout dense = Layout.contiguous(srcLayout.shape());
        try (Storage s = toHost(src, srcLayout);
             Storage v = values == null ? null : host().allocate(values.dtype(), dense.numel(), 0);
             Storage i = host().allocate(DType.INT64, dense.numel(), 0)) {
            host().sort(s, dense, dim, descending, v, dense, i, dense);
            if (v != null) {
                fromHost(v, values, valuesLayout);
            }
            fromHost(i, indices, indicesLayout);
        }
    }

    /**
     * {@code topk}: the k largest ({@code largest}) or smallest elements of each line of {@code src} along {@code dim},
     * their values into {@code values} (src's type) and their int64 positions along {@code dim} into {@code indices},
     * both of src's shape with k at {@code dim}. The order is PyTorch's CPU kernel's (libstdc++'s partial_sort for
     * {@code k * 64 <= n}, else nth_element and, where {@code sorted}, sort of the first k - 1): equal values in that
     * order, NaN above every number.
     */
    default void topk(Storage src, Layout srcLayout, int dim, int k, boolean largest, boolean sorted, Storage values,
                      Layout valuesLayout, Storage indices, Layout indicesLayout) {
        Layout dense = Layout.contiguous(srcLayout.shape());
        Layout out = Layout.contiguous(valuesLayout.shape());
        try (Storage s = toHost(src, srcLayout);
             Storage v = host().allocate(values.dtype(), out.numel(), 0);
             Storage i = host().allocate(DType.INT64, out.numel(), 0)) {
            host().topk(s, dense, dim, k, largest, sorted, v, out, i, out);
            fromHost(v, values, valuesLayout);
            fromHost(i, indices, indicesLayout);
        }
    }

    /**
     * Picks one element of each line of {@code src} along {@code dim} by its rank ({@link RankOp}; {@code k} counts from
     * 1 for {@link RankOp#KTHVALUE} and is ignored otherwise): its value into {@code values} (src's type) and its int64
     * position along {@code dim} into {@code indices}. Both outputs have src's shape with size 1 at {@code dim}; every
     * line is non-empty.
     */
    default void rankSelect(RankOp op, Storage src, Layout srcLayout, int dim, long k, Storage values, Layout valuesLayout,
                            Storage indices, Layout indicesLayout) {
        Layout dense = Layout.contiguous(srcLayout.shape());
        Layout out = Layout.contiguous(valuesLayout.shape());
        try (Storage s = toHost(src, srcLayout);
             Storage v = host().allocate(values.dtype(), out.numel(), 0);
             Storage i = host().allocate(DType.INT64, out.numel(), 0)) {
            host().rankSelect(op, s, dense, dim, k, v, out, i, out);
            fromHost(v, values, valuesLayout);
            fromHost(i, indices, indicesLayout);
        }
    }

    /**
     * {@code torch.median()} / {@code torch.nanmedian()} of all the elements of the 1-D, non-empty {@code src}: the value
     * into the one-element {@code values}, a position into {@code indices} (int64, one element; not PyTorch's: its
     * median of all elements has none). PyTorch's CPU {@code median_impl} runs libstdc++'s {@code std::nth_element} on
     * the values at {@code (n - 1) / 2} with {@code a < b} (median: a quiet NaN when any element is NaN), or at
     * {@code (n - nan - 1) / 2} with NaN above every number (nanmedian), so which of -0.0 and 0.0 it returns is that
     * algorithm's. This default takes {@link #rankSelect}'s median (the (value, position) order's).
     */
    default void medianAll(Storage src, Layout srcLayout, boolean ignoreNaN, Storage values, Layout valuesLayout,
                           Storage indices, Layout indicesLayout) {
        rankSelect(ignoreNaN ? RankOp.NANMEDIAN : RankOp.MEDIAN, src, srcLayout, 0, 0, values, valuesLayout, indices,
                indicesLayout);
    }

    /**
     * An inclusive scan of {@code src} along {@code dim} ({@link ScanOp}) into {@code dst}, of src's shape and type
     * (int64 for sums and products of integers, which the op layer converts first). {@code indices} (int64, src's shape)
     * receives the position each running maximum or minimum came from for {@link ScanOp#CUMMAX} and
     * {@link ScanOp#CUMMIN}, and is null for the other scans.
     */
    default void scan(ScanOp op, Storage src, Layout srcLayout, int dim, Storage dst, Layout dstLayout, Storage indices,
                      Layout indicesLayout) {
        Layout dense = Layout.contiguous(srcLayout.shape());
        try (Storage s = toHost(src, srcLayout);
             Storage d = host().allocate(dst.dtype(), dense.numel(), 0);
             Storage i = indices == null ? null : host().allocate(DType.INT64, dense.numel(), 0)) {
            host().scan(op, s, dense, dim, d, dense, i, i == null ? null : dense);
            fromHost(d, dst, dstLayout);
            if (i != null) {
                fromHost(i, indices, indicesLayout);
            }
        }
    }

    /**
     * For each element of {@code values}, the int64 position at which it would be inserted into its sorted row of
     * {@code sorted} (the last dimension): the first position whose element is {@code >=} the value, or {@code >} when
     * {@code right}, by PyTorch's binary search (so a NaN value goes to the end). {@code sorted} is 1-D (one row for
     * every value) or has values' rank and leading sizes. {@code sorter} is null, or int64 of sorted's shape giving the
     * order in which each row is sorted. sorted and values have one type; {@code out} has values' shape.
     */
    default void searchsorted(Storage sorted, Layout sortedLayout, Storage sorter, Layout sorterLayout, Storage values,
                              Layout valuesLayout, boolean right, Storage out, Layout outLayout) {
        Layout denseSorted = Layout.contiguous(sortedLayout.shape());
        Layout denseValues = Layout.contiguous(valuesLayout.shape());
        try (Storage b = toHost(sorted, sortedLayout);
             Storage p = sorter == null ? null : toHost(sorter, sorterLayout);
             Storage v = toHost(values, valuesLayout);
             Storage o = host().allocate(DType.INT64, denseValues.numel(), 0)) {
            host().searchsorted(b, denseSorted, p, p == null ? null : denseSorted, v, denseValues, right, o, denseValues);
            fromHost(o, out, outLayout);
        }
    }

    /**
     * A histogram of {@code src} (floating) into {@code out}, 1-D of {@code bins} elements of src's type: equal-width bins
     * over {@code [min, max]} (finite, {@code min < max}), the last bin closed; NaN and elements outside are not counted.
     */
    default void histc(Storage src, Layout srcLayout, int bins, double min, double max, Storage out, Layout outLayout) {
        Layout dense = Layout.contiguous(srcLayout.shape());
        Layout denseOut = Layout.contiguous(outLayout.shape());
        try (Storage s = toHost(src, srcLayout); Storage o = host().allocate(out.dtype(), denseOut.numel(), 0)) {
            host().histc(s, dense, bins, min, max, o, denseOut);
            fromHost(o, out, outLayout);
        }
    }

    /**
     * Counts (or sums {@code weights}, of out's floating type, when not null) of each value of the 1-D int64
     * {@code src}, whose values all lie in {@code [0, out.size(0))}, into the 1-D {@code out} (overwritten; int64 without
     * weights). {@code weights} has src's shape.
     */
    default void bincount(Storage src, Layout srcLayout, Storage weights, Layout weightsLayout, Storage out,
                          Layout outLayout) {
        Layout dense = Layout.contiguous(srcLayout.shape());
        Layout denseOut = Layout.contiguous(outLayout.shape());
        try (Storage s = toHost(src, srcLayout);
             Storage w = weights == null ? null : toHost(weights, weightsLayout);
             Storage o = host().allocate(out.dtype(), denseOut.numel(), 0)) {
            host().bincount(s, dense, w, w == null ? null : dense, o, denseOut);
            fromHost(o, out, outLayout);
        }
    }

    /**
     * Groups equal rows of the 2-D {@code src} ({@code [n, m]}: n rows of m elements; NaN is unequal to everything):
     * after sorting the rows lexicographically (NaN above every number) when {@code sorted}, else consecutive equal rows.
     * Writes each group's row, in order, into the contiguous {@code [n, m]} {@code values} (src's type); the int64 group
     * of each row of src into {@code inverse} ({@code [n]}, or null); the int64 size of each group into {@code counts}
     * ({@code [n]}, or null). Returns the number of groups g; only the first g rows (elements) of values (counts) are
     * written.
     */
    default long unique(Storage src, Layout srcLayout, boolean sorted, Storage values, Storage inverse, Storage counts) {
        Layout dense = Layout.contiguous(srcLayout.shape());
        int n = srcLayout.size(0);
        Layout rows = Layout.contiguous(n);
        try (Storage s = toHost(src, srcLayout);
             Storage v = host().allocate(values.dtype(), dense.numel(), 0);
             Storage i = inverse == null ? null : host().allocate(DType.INT64, n, 0);
             Storage c = counts == null ? null : host().allocate(DType.INT64, n, 0)) {
            long groups = host().unique(s, dense, sorted, v, i, c);
            fromHost(v, values, dense);
            if (i != null) {
                fromHost(i, inverse, rows);
            }
            if (c != null) {
                fromHost(c, counts, rows);
            }
            return groups;
        }
    }

    /**
     * {@link #unique} of the rows sorted as PyTorch's CPU unique(dim) sorts them (Unique.cpp's
     * {@code _unique_dim_cpu_template}: libstdc++'s {@code std::sort} of the row numbers with a lexicographic comparator
     * where NaN, unordered, passes to the next element, so the rows' order with NaN is that algorithm's). This default
     * sorts as {@link #unique} does (NaN above every number); the CPU backend reproduces PyTorch's order.
     */
    default long uniqueDim(Storage src, Layout srcLayout, Storage values, Storage inverse, Storage counts) {
        return unique(src, srcLayout, true, values, inverse, counts);
    }

    // ------------------------------------------------------------------ fused optimizer updates (dev.ember.optim)
    //
    // One optimizer's update of one parameter in a single pass over its elements, instead of the chain of elementwise
    // ops (Adam's is about ten kernels and several temporaries). param, grad and every state tensor are contiguous
    // layouts of one shape over storages of one floating type (float32 or float64); param and the state are updated
    // in place, grad is read. The arithmetic is the chain's, operation for operation and rounded alike, so the result
    // has the chain's bits (OptimizerKind says what each kind computes). The default runs the CPU's kernel on host
    // copies ({@link #host()}), so every device has it.

    /**
     * Updates {@code param} and {@code state} (in {@code kind}'s order, {@link OptimizerKind#minState()} to
     * {@link OptimizerKind#maxState()} of them) from {@code grad}, with the scalars {@code hyper} named by
     * {@link OptimizerKind#slots()}.
     */
    default void optimizerUpdate(dev.ember.backend.OptimizerKind kind, double[] hyper, Storage param, Layout paramLayout,
                                 Storage grad, Layout gradLayout, Storage[] state, Layout[] stateLayouts) {
        Layout dense = Layout.contiguous(paramLayout.shape());
        Storage[] hs = new Storage[state.length];
        Layout[] hl = new Layout[state.length];
        try (Storage hp = toHost(param, paramLayout); Storage hg = toHost(grad, gradLayout)) {
            for (int i = 0; i < state.length; i++) {
                hs[i] = toHost(state[i], stateLayouts[i]);
                hl[i] = dense;
            }
            host().optimizerUpdate(kind, hyper, hp, dense, hg, dense, hs, hl);
            fromHost(hp, param, paramLayout);
            for (int i = 0; i < state.length; i++) {
                fromHost(hs[i], state[i], stateLayouts[i]);
            }
        } finally {
            for (Storage s : hs) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    // ------------------------------------------------------------------ attention (AttentionOps)
    //
    // Fused scaled dot product attention, as FlashAttention computes it: each query row meets the keys block by block
    // with an online softmax (a running maximum and sum), so no more than a tile of the score matrix exists at a time;
    // the backward recomputes the probabilities of each tile from the row's saved logsumexp. q is [B, H, L, E], k
    // [B, Hk, S, E] and v [B, Hk, S, Ev], with H a multiple of Hk (query head h reads key and value head h / (H / Hk):
    // grouped-query attention), all float32, all float64, all float16 or all bfloat16, any strides; L and S are at
    // least 1. The score of query i and key j is scale * q_i . k_j, plus mask[b, h, i, j] when mask is not null (an
    // additive layout of shape [B, H, L, S], float32 or of q's type, broadcast strides allowed), and -inf for j > i when
    // causal. A row whose every score is -inf has output 0 and logsumexp 0. For float16 and bfloat16 (PyTorch's
    // _scaled_dot_product_flash_attention_for_cpu, and its CUDA flash and memory-efficient kernels) the arithmetic is
    // float32 (scores, softmax statistics, accumulators), the logsumexp is float32, and out and the gradients are of
    // q's type, each rounded once; a kernel may round the probabilities to q's type before the P V product (as
    // FlashAttention and PyTorch's kernels do). Dropout (dropoutP > 0; 0 means none) applies to the probabilities P after
    // the softmax, as FlashAttention's: out = (P o M / (1 - p)) V with the keep mask M of {@link AttentionDropout}
    // (element ((b * H + h) * L + i) * S + j kept iff the Philox draw at counter dropoutOffset + that index under key
    // dropoutSeed, a uniform of q's type, is at least p), the logsumexp that of the undropped scores; the backward
    // regenerates the mask from the same seed and offset (no mask is stored) and, with O the dropped output,
    // dV = (P o M')^T dO, dP = (dO V^T) o M', dS = P o (dP - rowsum(dO o O)) for M' = M / (1 - p). Each default runs
    // the CPU's kernel on host copies ({@link #host()}), so every device has them.

    /**
     * The attention output {@code out} ([B, H, L, Ev], written through its layout) and each row's logsumexp of its
     * scores {@code lse} ([B, H, L], q's type, float32 for float16 and bfloat16 q, written through its layout), with
     * dropout of probability {@code dropoutP} (0: none) drawn from Philox key {@code dropoutSeed} and counters from
     * {@code dropoutOffset} (see {@link AttentionDropout}).
     */
    default void attention(Storage q, Layout qLayout, Storage k, Layout kLayout, Storage v, Layout vLayout, Storage mask,
                           Layout maskLayout, boolean causal, double scale, double dropoutP, long dropoutSeed,
                           long dropoutOffset, Storage out, Layout outLayout, Storage lse, Layout lseLayout) {
        Layout dq = Layout.contiguous(qLayout.shape());
        Layout dk = Layout.contiguous(kLayout.shape());
        Layout dv = Layout.contiguous(vLayout.shape());
        Layout dout = Layout.contiguous(outLayout.shape());
        Layout dlse = Layout.contiguous(lseLayout.shape());
        try (Storage hq = toHost(q, qLayout); Storage hk = toHost(k, kLayout); Storage hv = toHost(v, vLayout);
             Storage hm = mask == null ? null : toHost(mask, unbroadcast(maskLayout));
             Storage ho = host().allocate(out.dtype(), dout.numel(), 0);
             Storage hl = host().allocate(lse.dtype(), dlse.numel(), 0)) {
            host().attention(hq, dq, hk, dk, hv, dv, hm, mask == null ? null : rebroadcast(maskLayout), causal, scale,
                    dropoutP, dropoutSeed, dropoutOffset, ho, dout, hl, dlse);
            fromHost(ho, out, outLayout);
            fromHost(hl, lse, lseLayout);
        }
    }

    /**
     * The gradients of {@link #attention} for the output gradient {@code gradOut} ([B, H, L, Ev]), from the inputs, the
     * output and the logsumexp the forward wrote (with the forward's dropout arguments, whose mask it regenerates):
     * {@code gradQ}, {@code gradK}, {@code gradV}, of q's, k's and v's shapes, each overwritten through its layout.
     */
    default void attentionBackward(Storage gradOut, Layout gradOutLayout, Storage q, Layout qLayout, Storage k,
                                   Layout kLayout, Storage v, Layout vLayout, Storage mask, Layout maskLayout,
                                   boolean causal, double scale, double dropoutP, long dropoutSeed, long dropoutOffset,
                                   Storage out, Layout outLayout, Storage lse,
                                   Layout lseLayout, Storage gradQ, Layout gradQLayout, Storage gradK, Layout gradKLayout,
                                   Storage gradV, Layout gradVLayout) {
        Layout dq = Layout.contiguous(qLayout.shape());
        Layout dk = Layout.contiguous(kLayout.shape());
        Layout dv = Layout.contiguous(vLayout.shape());
        Layout dout = Layout.contiguous(outLayout.shape());
        Layout dlse = Layout.contiguous(lseLayout.shape());
        try (Storage hg = toHost(gradOut, gradOutLayout); Storage hq = toHost(q, qLayout); Storage hk = toHost(k, kLayout);
             Storage hv = toHost(v, vLayout); Storage hm = mask == null ? null : toHost(mask, unbroadcast(maskLayout));
             Storage ho = toHost(out, outLayout); Storage hl = toHost(lse, lseLayout);
             Storage hgq = host().allocate(gradQ.dtype(), dq.numel(), 0);
             Storage hgk = host().allocate(gradK.dtype(), dk.numel(), 0);
             Storage hgv = host().allocate(gradV.dtype(), dv.numel(), 0)) {
            host().attentionBackward(hg, dout, hq, dq, hk, dk, hv, dv, hm, mask == null ? null : rebroadcast(maskLayout),
                    causal, scale, dropoutP, dropoutSeed, dropoutOffset, ho, dout, hl, dlse, hgq, dq, hgk, dk, hgv, dv);
            fromHost(hgq, gradQ, gradQLayout);
            fromHost(hgk, gradK, gradKLayout);
            fromHost(hgv, gradV, gradVLayout);
        }
    }

    /**
     * A layout without its broadcast dimensions (size 1 where the stride is 0): the elements a broadcast operand really
     * holds, so that its host copy is as small as the operand (the attention defaults' helper).
     */
    private static Layout unbroadcast(Layout l) {
        int[] shape = l.shape();
        int[] strides = l.strides();
        for (int d = 0; d < shape.length; d++) {
            if (strides[d] == 0) {
                shape[d] = 1;
            }
        }
        return new Layout(shape, strides, l.offset());
    }

    /** The host copy of {@link #unbroadcast}'s layout seen with {@code l}'s shape again: stride 0 where {@code l} has it. */
    private static Layout rebroadcast(Layout l) {
        int[] shape = l.shape();
        int[] strides = Layout.contiguousStrides(unbroadcast(l).shape());
        for (int d = 0; d < shape.length; d++) {
            if (l.stride(d) == 0) {
                strides[d] = 0;
            }
        }
        return new Layout(shape, strides, 0);
    }

    // ------------------------------------------------------------------ softmax (ReductionOps.softmax)

    /**
     * Whether {@link #softmax} is a kernel of this backend; false (the default) has the caller compose softmax
     * from amax, sub, exp, sum and div, so a backend without it is complete.
     */
    default boolean fusesSoftmax() {
        return false;
    }

    /**
     * Softmax ({@code log} false) or log-softmax of the float32 {@code x} (any layout) along {@code dim}, into the
     * row-major {@code out} of x's shape, in one kernel: each row's maximum, {@code exp(x - max)} and its sum, then
     * {@code e * (1 / sum)} or {@code (x - max) - log(sum)}, as PyTorch's vectorized CPU kernels. A row's result depends
     * only on its values, not on the layout they come in. Called only where {@link #fusesSoftmax()} is true.
     */
    default void softmax(Storage x, Layout xLayout, int dim, boolean log, Storage out) {
        throw new UnsupportedOperationException("softmax: not a kernel of this backend");
    }

    /**
     * Whether {@link #softmaxBackward} is a kernel of this backend; false (the default) has the caller compose the
     * gradient from mul, sum and sub (and exp for log-softmax).
     */
    default boolean fusesSoftmaxBackward() {
        return false;
    }

    /**
     * The gradient of softmax ({@code log} false) or log-softmax over dimension {@code dim} of float32 tensors, as
     * PyTorch's {@code _softmax_backward_data} / {@code _log_softmax_backward_data}: from the incoming gradient
     * {@code grad} and the forward's result {@code output} (any layouts of one shape, rank at least 1), into the
     * row-major {@code out}: {@code output (grad - sum(grad output))}, or {@code grad - exp(output) sum(grad)}, the sums
     * along {@code dim}. The result depends only on the values, not on the layouts. Called only where
     * {@link #fusesSoftmaxBackward()} is true.
     */
    default void softmaxBackward(Storage grad, Layout gradLayout, Storage output, Layout outputLayout, int dim,
                                 boolean log, Storage out) {
        throw new UnsupportedOperationException("softmax backward: not a kernel of this backend");
    }

    // ------------------------------------------------------------------ normalization (NormOps)
    //
    // Fused forward and backward kernels of layer norm, RMS norm, group norm and batch norm (instance norm is batch norm
    // over a reshaped input). x is float32 or float64, with any strides; every other floating operand has x's type.
    // Weights, biases and statistics are contiguous vectors (null where absent); statistics are computed in double.
    // Gradient vectors (gradWeight, gradBias) are overwritten, with zeros when no element contributes. Each default runs
    // the CPU's kernel on host copies ({@link #host()}), so every device has them.

    /**
     * Layer norm over the rows of {@code x}, a {@code [M, N]} layout: each row's mean and {@code 1 / sqrt(var + eps)}
     * (biased variance) into {@code mean} and {@code rstd} ({@code [M]}), and
     * {@code out = (x - mean) * rstd * weight + bias} ({@code weight} and {@code bias} {@code [N]}, or null).
     */
    default void layerNorm(Storage x, Layout xLayout, Storage weight, Storage bias, double eps, Storage out,
                           Layout outLayout, Storage mean, Storage rstd) {
        int m = xLayout.size(0);
        int n = xLayout.size(1);
        Layout dense = Layout.contiguous(xLayout.shape());
        try (Storage hx = toHost(x, xLayout); Storage hw = hostVector(weight, n); Storage hb = hostVector(bias, n);
             Storage ho = host().allocate(out.dtype(), dense.numel(), 0);
             Storage hm = host().allocate(mean.dtype(), m, 0); Storage hr = host().allocate(rstd.dtype(), m, 0)) {
            host().layerNorm(hx, dense, hw, hb, eps, ho, dense, hm, hr);
            fromHost(ho, out, outLayout);
            fromHost(hm, mean, Layout.contiguous(m));
            fromHost(hr, rstd, Layout.contiguous(m));
        }
    }

    /**
     * The gradients of {@link #layerNorm} (PyTorch's {@code native_layer_norm_backward}) for {@code gradOut} and
     * {@code x} ({@code [M, N]} layouts) and the saved {@code mean} and {@code rstd}: {@code gradInput} (x's shape) and
     * {@code gradWeight}, {@code gradBias} ({@code [N]}), each null when not wanted; {@code weight} may be null.
     */
    default void layerNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage mean,
                                   Storage rstd, Storage weight, Storage gradInput, Layout gradInputLayout,
                                   Storage gradWeight, Storage gradBias) {
        int m = xLayout.size(0);
        int n = xLayout.size(1);
        Layout dense = Layout.contiguous(xLayout.shape());
        try (Storage hg = toHost(gradOut, gradOutLayout); Storage hx = toHost(x, xLayout); Storage hm = hostVector(mean, m);
             Storage hr = hostVector(rstd, m); Storage hw = hostVector(weight, n);
             Storage hgx = gradInput == null ? null : host().allocate(gradInput.dtype(), dense.numel(), 0);
             Storage hgw = gradWeight == null ? null : host().allocate(gradWeight.dtype(), n, 0);
             Storage hgb = gradBias == null ? null : host().allocate(gradBias.dtype(), n, 0)) {
            host().layerNormBackward(hg, dense, hx, dense, hm, hr, hw, hgx, dense, hgw, hgb);
            fromHostIfAny(hgx, gradInput, gradInputLayout);
            fromHostIfAny(hgw, gradWeight, Layout.contiguous(n));
            fromHostIfAny(hgb, gradBias, Layout.contiguous(n));
        }
    }

    /**
     * RMS norm over the rows of {@code x}, a {@code [M, N]} layout: each row's {@code 1 / sqrt(mean(x^2) + eps)} into
     * {@code rstd} ({@code [M]}) and {@code out = x * rstd * weight} ({@code weight} {@code [N]}, or null).
     */
    default void rmsNorm(Storage x, Layout xLayout, Storage weight, double eps, Storage out, Layout outLayout,
                         Storage rstd) {
        int m = xLayout.size(0);
        int n = xLayout.size(1);
        Layout dense = Layout.contiguous(xLayout.shape());
        try (Storage hx = toHost(x, xLayout); Storage hw = hostVector(weight, n);
             Storage ho = host().allocate(out.dtype(), dense.numel(), 0); Storage hr = host().allocate(rstd.dtype(), m, 0)) {
            host().rmsNorm(hx, dense, hw, eps, ho, dense, hr);
            fromHost(ho, out, outLayout);
            fromHost(hr, rstd, Layout.contiguous(m));
        }
    }

    /**
     * The gradients of {@link #rmsNorm} (PyTorch's {@code _fused_rms_norm_backward}): {@code gradInput} (x's shape) and
     * {@code gradWeight} ({@code [N]}), each null when not wanted.
     */
    default void rmsNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage rstd,
                                 Storage weight, Storage gradInput, Layout gradInputLayout, Storage gradWeight) {
        int m = xLayout.size(0);
        int n = xLayout.size(1);
        Layout dense = Layout.contiguous(xLayout.shape());
        try (Storage hg = toHost(gradOut, gradOutLayout); Storage hx = toHost(x, xLayout); Storage hr = hostVector(rstd, m);
             Storage hw = hostVector(weight, n);
             Storage hgx = gradInput == null ? null : host().allocate(gradInput.dtype(), dense.numel(), 0);
             Storage hgw = gradWeight == null ? null : host().allocate(gradWeight.dtype(), n, 0)) {
            host().rmsNormBackward(hg, dense, hx, dense, hr, hw, hgx, dense, hgw);
            fromHostIfAny(hgx, gradInput, gradInputLayout);
            fromHostIfAny(hgw, gradWeight, Layout.contiguous(n));
        }
    }

    /**
     * Group norm of {@code x}, a {@code [N, C, L]} layout, in {@code groups} groups of {@code C / groups} channels: each
     * (sample, group)'s mean and {@code 1 / sqrt(var + eps)} into {@code mean} and {@code rstd} ({@code [N * groups]},
     * sample-major), and {@code out = (x - mean) * rstd * weight[c] + bias[c]} ({@code weight}, {@code bias} {@code [C]}
     * or null).
     */
    default void groupNorm(Storage x, Layout xLayout, int groups, Storage weight, Storage bias, double eps, Storage out,
                           Layout outLayout, Storage mean, Storage rstd) {
        int stats = xLayout.size(0) * groups;
        int c = xLayout.size(1);
        Layout dense = Layout.contiguous(xLayout.shape());
        try (Storage hx = toHost(x, xLayout); Storage hw = hostVector(weight, c); Storage hb = hostVector(bias, c);
             Storage ho = host().allocate(out.dtype(), dense.numel(), 0);
             Storage hm = host().allocate(mean.dtype(), stats, 0); Storage hr = host().allocate(rstd.dtype(), stats, 0)) {
            host().groupNorm(hx, dense, groups, hw, hb, eps, ho, dense, hm, hr);
            fromHost(ho, out, outLayout);
            fromHost(hm, mean, Layout.contiguous(stats));
            fromHost(hr, rstd, Layout.contiguous(stats));
        }
    }

    /**
     * The gradients of {@link #groupNorm} (PyTorch's {@code native_group_norm_backward}): {@code gradInput} (x's shape)
     * and {@code gradWeight}, {@code gradBias} ({@code [C]}), each null when not wanted.
     */
    default void groupNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, int groups,
                                   Storage mean, Storage rstd, Storage weight, Storage gradInput, Layout gradInputLayout,
                                   Storage gradWeight, Storage gradBias) {
        int stats = xLayout.size(0) * groups;
        int c = xLayout.size(1);
        Layout dense = Layout.contiguous(xLayout.shape());
        try (Storage hg = toHost(gradOut, gradOutLayout); Storage hx = toHost(x, xLayout); Storage hm = hostVector(mean, stats);
             Storage hr = hostVector(rstd, stats); Storage hw = hostVector(weight, c);
             Storage hgx = gradInput == null ? null : host().allocate(gradInput.dtype(), dense.numel(), 0);
             Storage hgw = gradWeight == null ? null : host().allocate(gradWeight.dtype(), c, 0);
             Storage hgb = gradBias == null ? null : host().allocate(gradBias.dtype(), c, 0)) {
            host().groupNormBackward(hg, dense, hx, dense, groups, hm, hr, hw, hgx, dense, hgw, hgb);
            fromHostIfAny(hgx, gradInput, gradInputLayout);
            fromHostIfAny(hgw, gradWeight, Layout.contiguous(c));
            fromHostIfAny(hgb, gradBias, Layout.contiguous(c));
        }
    }

    /**
     * Batch norm of {@code x}, a {@code [N, C, L]} layout, per channel. In {@code training} each channel's mean and
     * {@code 1 / sqrt(var + eps)} (biased variance) are written to {@code mean} and {@code invstd} ({@code [C]}) and, when
     * {@code unbiasedVar} is not null, its unbiased variance there (for the running statistics); otherwise {@code mean}
     * and {@code invstd} are read (the running statistics' values). Then
     * {@code out = (x - mean) * invstd * weight + bias} ({@code weight}, {@code bias} {@code [C]} or null).
     */
    default void batchNorm(Storage x, Layout xLayout, Storage weight, Storage bias, boolean training, double eps,
                           Storage mean, Storage invstd, Storage unbiasedVar, Storage out, Layout outLayout) {
        int c = xLayout.size(1);
        Layout dense = Layout.contiguous(xLayout.shape());
        try (Storage hx = toHost(x, xLayout); Storage hw = hostVector(weight, c); Storage hb = hostVector(bias, c);
             Storage hm = hostVector(mean, c); Storage hi = hostVector(invstd, c);
             Storage hv = unbiasedVar == null ? null : host().allocate(unbiasedVar.dtype(), c, 0);
             Storage ho = host().allocate(out.dtype(), dense.numel(), 0)) {
            host().batchNorm(hx, dense, hw, hb, training, eps, hm, hi, hv, ho, dense);
            fromHost(ho, out, outLayout);
            if (training) {
                fromHost(hm, mean, Layout.contiguous(c));
                fromHost(hi, invstd, Layout.contiguous(c));
                fromHostIfAny(hv, unbiasedVar, Layout.contiguous(c));
            }
        }
    }

    /**
     * The gradients of {@link #batchNorm} (PyTorch's {@code native_batch_norm_backward}) with the {@code mean} and
     * {@code invstd} the forward used: {@code gradInput} (x's shape; in training through the batch statistics too) and
     * {@code gradWeight}, {@code gradBias} ({@code [C]}), each null when not wanted.
     */
    default void batchNormBackward(Storage gradOut, Layout gradOutLayout, Storage x, Layout xLayout, Storage weight,
                                   Storage mean, Storage invstd, boolean training, Storage gradInput,
                                   Layout gradInputLayout, Storage gradWeight, Storage gradBias) {
        int c = xLayout.size(1);
        Layout dense = Layout.contiguous(xLayout.shape());
        try (Storage hg = toHost(gradOut, gradOutLayout); Storage hx = toHost(x, xLayout); Storage hw = hostVector(weight, c);
             Storage hm = hostVector(mean, c); Storage hi = hostVector(invstd, c);
             Storage hgx = gradInput == null ? null : host().allocate(gradInput.dtype(), dense.numel(), 0);
             Storage hgw = gradWeight == null ? null : host().allocate(gradWeight.dtype(), c, 0);
             Storage hgb = gradBias == null ? null : host().allocate(gradBias.dtype(), c, 0)) {
            host().batchNormBackward(hg, dense, hx, dense, hw, hm, hi, training, hgx, dense, hgw, hgb);
            fromHostIfAny(hgx, gradInput, gradInputLayout);
            fromHostIfAny(hgw, gradWeight, Layout.contiguous(c));
            fromHostIfAny(hgb, gradBias, Layout.contiguous(c));
        }
    }

    /** A host copy of a contiguous vector of {@code n} elements, or null for null (the normalization defaults' helper). */
    private Storage hostVector(Storage v, int n) {
        return v == null ? null : toHost(v, Layout.contiguous(n));
    }

    /** {@link #fromHost} when both storages are there. */
    private void fromHostIfAny(Storage host, Storage dst, Layout dstLayout) {
        if (host != null && dst != null) {
            fromHost(host, dst, dstLayout);
        }
    }

    // ------------------------------------------------------------------ quantized kernels

    /**
     * FBGEMM's dynamic qint8 linear, {@code quantized::linear_dynamic} with {@code reduce_range} (PyTorch's x86 engine),
     * into {@code dst} (float32, contiguous {@code [m, n]}): {@code x} is float32, contiguous {@code [m, k]};
     * {@code weight} int8, contiguous {@code [n, k]}, row {@code j} with zero point {@code weightZeroPoints[j]} and float
     * scale {@code weightScales[j]}; {@code bias} float32 {@code [n]} or null. Step by step: the minimum and maximum of
     * {@code x} (0 and 0 when empty; a NaN after the first element skipped) give
     * {@code FakeQuant.chooseQuantizationParams(min, max, 0, 127, false)} (scale {@code s} rounded to float, zero point
     * {@code z}); element {@code c} of each row is quantized to {@code rint(clamp(fma(x, 1f / s, z), 0, 255))} for
     * {@code c < k - k % 8} (a NaN gives 255) and to {@code rint(clamp(x / s + z, 0, 255))} over the last {@code k % 8};
     * {@code sum_c (qx - z)(qw - zw)} is summed in int32; and {@code dst = (float) sum * (s * weightScales[j]) + bias[j]}
     * in float.
     *
     * <p>The default throws, as PyTorch does off the CPU: the kernel is FBGEMM's, a CPU library.
     *
     * @throws UnsupportedOperationException on a backend without the kernel (PyTorch's message)
     */
    default void quantizedLinearDynamic(Storage x, Layout xLayout, Storage weight, Layout weightLayout,
                                        int[] weightZeroPoints, float[] weightScales, float[] bias, Storage dst,
                                        Layout dstLayout) {
        throw new UnsupportedOperationException("Could not run 'quantized::linear_dynamic' with arguments from the '"
                + deviceType().toUpperCase(java.util.Locale.ROOT) + "' backend.");
    }

    /**
     * FBGEMM's static quantized linear, {@code quantized::linear} / {@code quantized::linear_relu} (PyTorch's x86
     * engine), on prepacked parameters and quantized activations held as floats: {@code x} is float32, contiguous
     * {@code [m, k]}, each value {@code inScale * (qx - zx)} rounded to float (a quantized activation's carrier;
     * {@code inScale} 1 for the shifted integers themselves), read back as {@code qx - zx = rint(x / inScale)} (in
     * float); {@code weight} float32, contiguous {@code [n, k]}: the weight's integers less their zero points,
     * {@code qw - zw}, none larger than {@code weightMaxAbs} in magnitude; {@code actTimesWScale} and {@code multiplier}
     * one float each (a per-tensor weight) or one per row (per channel): {@code input_scale * weight_scale} and that
     * over the output scale, in float; {@code bias} float32 {@code [n]} or null. Step by step, FBGEMM's
     * {@code requantizeOutputProcessingAvx2}: {@code raw = sum_c (qx - zx)(qw - zw)} in int32;
     * {@code f = (float) raw + bias[j] * (float) (1.0 / actTimesWScale[0])} per tensor,
     * {@code + bias[j] / actTimesWScale[j]} per channel, in float; {@code r = f * multiplier} in float, rounded half to
     * even to int32 (a NaN or a value beyond int32: int32's minimum, as CVTPS2DQ); {@code q =} {@code r} saturated to
     * int16, plus {@code outZeroPoint} saturated to int16, clamped to [0, 255], and to at least {@code outZeroPoint}
     * with {@code relu}. {@code dst} ({@code [m, n]}, contiguous) is uint8 ({@code q}) or float32
     * ({@code (float) (q - outZeroPoint) * outScale}, the output's carrier).
     *
     * <p>The default throws, as PyTorch does off the CPU: the kernel is FBGEMM's, a CPU library.
     *
     * @throws UnsupportedOperationException on a backend without the kernel (PyTorch's message)
     */
    default void quantizedLinearPacked(Storage x, Layout xLayout, float inScale, Storage weight, Layout weightLayout,
                                       int weightMaxAbs, float[] actTimesWScale, float[] multiplier, float[] bias, int outZeroPoint,
                                       boolean relu, float outScale, Storage dst, Layout dstLayout) {
        throw new UnsupportedOperationException("Could not run 'quantized::linear' with arguments from the '"
                + deviceType().toUpperCase(java.util.Locale.ROOT) + "' backend.");
    }

    /**
     * FBGEMM's static quantized convolution, {@code quantized::conv2d} / {@code quantized::conv2d_relu}, as
     * {@link #quantizedLinearPacked} over the input's im2col: {@code x} float32, contiguous {@code [N, C, H, W]}, values
     * {@code inScale * (qx - zx)} (read back as {@code rint(x / inScale)}), padded with the input's zero point (a
     * shifted 0); {@code weight} float32, contiguous {@code [C_out, C / groups * kH * kW]}, the weight's {@code qw - zw},
     * none larger than {@code weightMaxAbs} in magnitude; the integer sums {@code sum (qx - zx)(qw - zw)} exact in int32, then {@link #quantizedLinearPacked}'s requantization
     * ({@code actTimesWScale}, {@code multiplier} one per tensor or one per output channel); {@code dst}
     * ({@code [N, C_out, H_out, W_out]}, contiguous) uint8 ({@code q}) or float32 ({@code (float) (q - outZeroPoint) *
     * outScale}).
     *
     * <p>The default throws, as PyTorch does off the CPU.
     *
     * @throws UnsupportedOperationException on a backend without the kernel (PyTorch's message)
     */
    default void quantizedConv2d(Storage x, Layout xLayout, float inScale, Storage weight, Layout weightLayout,
                                 int weightMaxAbs, int kernelH, int kernelW, Conv2dParams params, float[] actTimesWScale,
                                 float[] multiplier, float[] bias, int outZeroPoint, boolean relu, float outScale,
                                 Storage dst, Layout dstLayout) {
        throw new UnsupportedOperationException("Could not run 'quantized::conv2d.new' with arguments from the '"
                + deviceType().toUpperCase(java.util.Locale.ROOT) + "' backend.");
    }

    // ------------------------------------------------------------------ Fourier transforms
    //
    // A complex tensor reaches a backend as its real view: a float32 (complex64) or float64 (complex128) layout with a
    // last dimension of 2, the real and imaginary parts; backends never see a complex storage.

    /**
     * The unnormalized discrete Fourier transform of each of {@code B} complex sequences of length {@code n}, as
     * {@code torch.fft.fft} with {@code norm="backward"} (forward) or {@code n} times {@code torch.fft.ifft} (inverse):
     * {@code dst[b, k] = sum_j src[b, j] exp(-2 pi i j k / n)}, with {@code +} in the exponent when {@code inverse}.
     * {@code src} and {@code dst} are float32 or float64 storages of the same type, their layouts of shape
     * {@code [..., n, 2]} (the last dimension the real and imaginary parts, the dims before {@code n} the batch, any number
     * of them, {@code B} their product; {@code src} may have any strides, {@code dst}
     * is written through its layout); {@code n >= 1}, {@code B >= 0}; they never overlap. Every length is allowed and
     * costs O(n log n). The caller scales by {@code 1/n} or {@code 1/sqrt(n)} where the normalization asks. This default
     * runs the CPU's kernel on host copies ({@link #host()}).
     */
    default void fft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout, boolean inverse) {
        if (dstLayout.numel() == 0) {
            return;
        }
        try (Storage s = toHost(src, srcLayout); Storage d = host().allocate(dst.dtype(), dstLayout.numel(), 0)) {
            host().fft(s, Layout.contiguous(srcLayout.shape()), d, Layout.contiguous(dstLayout.shape()), inverse);
            fromHost(d, dst, dstLayout);
        }
    }

    /**
     * The unnormalized one-sided DFT of each of {@code B} real sequences of length {@code n}, as
     * {@code torch.fft.rfft} with {@code norm="backward"}: {@code dst[b, k] = sum_j src[b, j] exp(-2 pi i j k / n)} for
     * {@code k} in {@code [0, n/2]}. {@code src} is a float32 or float64 layout of shape {@code [..., n]} (any strides; the dims before {@code n} the batch),
     * {@code dst} one of the same type of shape {@code [..., n/2 + 1, 2]} (the same batch dims; the real and imaginary parts), written
     * through its layout; {@code n >= 1}; they never overlap. This default runs the CPU's kernel on host copies.
     */
    default void rfft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        if (dstLayout.numel() == 0) {
            return;
        }
        try (Storage s = toHost(src, srcLayout); Storage d = host().allocate(dst.dtype(), dstLayout.numel(), 0)) {
            host().rfft(s, Layout.contiguous(srcLayout.shape()), d, Layout.contiguous(dstLayout.shape()));
            fromHost(d, dst, dstLayout);
        }
    }

    /**
     * The unnormalized real inverse DFT of each of {@code B} one-sided Hermitian spectra, as {@code n} times
     * {@code torch.fft.irfft(x, n)}: {@code dst[b, t] = sum_k X[k] exp(2 pi i k t / n)} over the full spectrum
     * {@code X[n - k] = conj(X[k])}, whose first {@code n/2 + 1} entries are {@code src[b]} (the imaginary parts of
     * {@code X[0]} and, for an even {@code n}, {@code X[n/2]} are ignored). {@code src}: shape {@code [..., n/2 + 1, 2]} (the dims before it the batch),
     * any strides; {@code dst}: shape {@code [..., n]} (the same batch dims), the same type (float32 or float64); {@code n >= 1}; they never
     * overlap. This default runs the CPU's kernel on host copies.
     */
    default void irfft(Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
        if (dstLayout.numel() == 0) {
            return;
        }
        try (Storage s = toHost(src, srcLayout); Storage d = host().allocate(dst.dtype(), dstLayout.numel(), 0)) {
            host().irfft(s, Layout.contiguous(srcLayout.shape()), d, Layout.contiguous(dstLayout.shape()));
            fromHost(d, dst, dstLayout);
        }
    }

    // ------------------------------------------------------------------ pinned memory (Tensor.pinMemory, to(device, nonBlocking))
    //
    // A pinned CPU tensor keeps its Java array (the CPU kernels compute on it) and, beside it, a host buffer of the
    // device backend holding the same bytes (page-locked memory on CUDA), from which a non_blocking upload is queued
    // without the host waiting. The CPU fills the buffer (writePinned); the device allocates it and uploads from it.

    /**
     * A host buffer of {@code bytes} from which {@link #fromPinned} copies to this backend's devices: page-locked memory
     * on CUDA. This default, for a device backend that cannot lock pages, is a plain heap buffer.
     */
    default PinnedBuffer allocatePinned(long bytes) {
        return new PinnedBuffer(bytes);
    }

    /**
     * Writes the elements of a layout over a storage of this (host) backend, row-major, at the start of {@code dst}.
     * This default goes through {@link #toArray}; the CPU writes straight from its array.
     */
    default void writePinned(Storage src, Layout layout, PinnedBuffer dst) {
        Object a = toArray(src, layout);
        dst.write(a, 0, java.lang.reflect.Array.getLength(a));
    }

    /**
     * A new storage of this device holding {@code numel} elements of {@code dtype} read from {@code src} (made by
     * {@link #allocatePinned}) from element {@code offset}. With {@code nonBlocking} a device queues the copy and
     * returns at once (work queued afterwards on the device sees the data; the buffer is not reused before the copy
     * is done); without it the copy is done when this returns. This default reads the buffer into a Java array and
     * uploads it with {@link #fromArray(Object, DType, int)}.
     */
    default Storage fromPinned(PinnedBuffer src, DType dtype, long offset, long numel, boolean nonBlocking,
                               int deviceIndex) {
        return fromArray(src.read(dtype, offset, Math.toIntExact(numel)), dtype, deviceIndex);
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
        return host().fromArray(toArray(src, layout), src.dtype(), 0);
    }

    /** Copies a contiguous CPU storage of {@code dstLayout}'s shape into {@code dst} through {@code dstLayout}. */
    default void fromHost(Storage host, Storage dst, Layout dstLayout) {
        Layout dense = Layout.contiguous(dstLayout.shape());
        try (Storage tmp = fromArray(host().toArray(host, dense), host.dtype(), dst.device().index())) {
            copy(tmp, dense, dst, dstLayout);
        }
    }
}
