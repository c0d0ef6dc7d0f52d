package dev.ember.cpu;

import dev.ember.BFloat16;
import dev.ember.DType;
import dev.ember.Half;
import dev.ember.Refusals;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.UnaryOp;

/**
 * float16 and bfloat16 in the CPU kernels. As PyTorch's CPU kernels do for its reduced floating types (they load
 * {@code Vectorized<BFloat16>} into two {@code Vectorized<float>}, compute, and convert back), a row is widened on load
 * into a per-thread buffer of floats, computed by the float32 row loops, and rounded once on store. Rows are done in
 * chunks of {@link #CHUNK} elements, so the buffers stay small and no call allocates. Storage is a {@code short[]}
 * holding the bits; every dispatch here is on the dtype (int16 is a {@code short[]} too).
 */
final class HalfLoops {
    private HalfLoops() {
    }

    static final int CHUNK = 512;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[3][CHUNK]);

    /** Whether the type is float16 or bfloat16. */
    static boolean isHalf(DType t) {
        return t == DType.FLOAT16 || t == DType.BFLOAT16;
    }

    /** The float32 value of a float16 or bfloat16 element's bits (exact). */
    static float toFloat(DType t, short bits) {
        return t == DType.FLOAT16 ? Half.toFloat(bits) : BFloat16.toFloat(bits);
    }

    /** A float rounded to float16 or bfloat16 (to nearest, ties to even), as its bits. */
    static short fromFloat(DType t, float v) {
        return t == DType.FLOAT16 ? Half.fromFloat(v) : BFloat16.fromFloat(v);
    }

    /** {@code n} elements of {@code s} from {@code off} by {@code st}, converted to float (C++'s conversions). */
    static void load(CpuStorage s, int off, int st, float[] buf, int n) {
        switch (s.dtype) {
            case FLOAT16: {
                short[] a = (short[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = Half.toFloat(a[off + i * st]);
                }
                return;
            }
            case BFLOAT16: {
                short[] a = (short[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = Float.intBitsToFloat((a[off + i * st] & 0xFFFF) << 16);
                }
                return;
            }
            case FLOAT32: {
                float[] a = (float[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = a[off + i * st];
                }
                return;
            }
            case FLOAT64: {
                double[] a = (double[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = (float) a[off + i * st];
                }
                return;
            }
            case INT64: {
                long[] a = (long[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = (float) a[off + i * st]; // one rounding, as static_cast<float>(int64_t)
                }
                return;
            }
            case BOOL: {
                boolean[] a = (boolean[]) s.array;
                for (int i = 0; i < n; i++) {
                    buf[i] = a[off + i * st] ? 1 : 0;
                }
                return;
            }
            default:
                // int32 (one rounding from int to float), int16, int8, uint8 (exact)
                for (int i = 0; i < n; i++) {
                    buf[i] = (float) s.getLong(off + i * st);
                }
        }
    }

    /**
     * Stores {@code n} floats into {@code d} from {@code off} by {@code st}: rounded once to float16 or bfloat16;
     * exact into float32 and float64; toward zero into the integer types (Java's saturating cast, then C's wrap, as
     * Ember's float32 conversions); {@code v != 0} into bool (NaN is true).
     */
    static void store(float[] buf, int n, CpuStorage d, int off, int st) {
        switch (d.dtype) {
            case FLOAT16: {
                short[] a = (short[]) d.array;
                for (int i = 0; i < n; i++) {
                    a[off + i * st] = Half.fromFloat(buf[i]);
                }
                return;
            }
            case BFLOAT16: {
                short[] a = (short[]) d.array;
                for (int i = 0; i < n; i++) {
                    a[off + i * st] = BFloat16.fromFloat(buf[i]);
                }
                return;
            }
            case FLOAT32: {
                float[] a = (float[]) d.array;
                for (int i = 0; i < n; i++) {
                    a[off + i * st] = buf[i];
                }
                return;
            }
            case FLOAT64: {
                double[] a = (double[]) d.array;
                for (int i = 0; i < n; i++) {
                    a[off + i * st] = buf[i];
                }
                return;
            }
            case BOOL: {
                boolean[] a = (boolean[]) d.array;
                for (int i = 0; i < n; i++) {
                    a[off + i * st] = buf[i] != 0;
                }
                return;
            }
            default:
                // int64 and the narrow integer types: truncated toward zero to a long, then wrapped by setLong
                for (int i = 0; i < n; i++) {
                    d.setLong(off + i * st, (long) buf[i]);
                }
        }
    }

    /** A row converted from {@code s} to {@code d}, one of them float16 or bfloat16, through float32. */
    static void convertRow(CpuStorage s, int so, int ss, CpuStorage d, int dOff, int ds, int n) {
        if (ss == 1 && ds == 1 && !SCALAR_CONVERT) {
            // the common casts of a dense row (autocast's, a model's .to(bfloat16)): one pass, no buffer, on vector
            // lanes where the Vector API is present; the same bits as the buffered path below (BFloat16.fromFloat)
            if (s.dtype == DType.FLOAT32 && d.dtype == DType.BFLOAT16) {
                floatsToBFloat16((float[]) s.array, so, (short[]) d.array, dOff, n);
                return;
            }
            if (s.dtype == DType.BFLOAT16 && d.dtype == DType.FLOAT32) {
                bfloat16ToFloats((short[]) s.array, so, (float[]) d.array, dOff, n);
                return;
            }
        }
        float[] buf = BUFFERS.get()[0];
        for (int done = 0; done < n; done += CHUNK) {
            int m = Math.min(CHUNK, n - done);
            load(s, so + done * ss, ss, buf, m);
            store(buf, m, d, dOff + done * ds, ds);
        }
    }

    /**
     * {@code -Dember.cpu.scalarHalfConvert=true}: dense float32/bfloat16 casts through the buffered per-element path
     * (the one before session 47), to time against the direct loops.
     */
    private static final boolean SCALAR_CONVERT = Boolean.getBoolean("ember.cpu.scalarHalfConvert");

    /** {@code n} floats rounded to bfloat16 (to nearest, ties to even; NaN to 0x7FC0), as {@link BFloat16#fromFloat}. */
    static void floatsToBFloat16(float[] a, int ao, short[] o, int oo, int n) {
        ElementwiseKernels.FloatLoops v = ElementwiseKernels.loops();
        for (int i = v == null ? 0 : v.floatsToBFloat16(a, ao, o, oo, n); i < n; i++) {
            float f = a[ao + i];
            int u = Float.floatToRawIntBits(f);
            int r = (u + (((u >>> 16) & 1) + 0x7FFF)) >>> 16;
            o[oo + i] = (short) (f != f ? 0x7FC0 : r);
        }
    }

    /** {@code n} bfloat16 bits widened to float32 (exact: the bits are float32's top half). */
    static void bfloat16ToFloats(short[] a, int ao, float[] o, int oo, int n) {
        ElementwiseKernels.FloatLoops v = ElementwiseKernels.loops();
        for (int i = v == null ? 0 : v.bfloat16ToFloats(a, ao, o, oo, n); i < n; i++) {
            o[oo + i] = Float.intBitsToFloat(a[ao + i] << 16);
        }
    }

    /** {@code o = op(a)}: widened to float, the float32 loop, rounded once. */
    static void unaryRow(UnaryOp op, CpuStorage a, int ao, int as, CpuStorage o, int oo, int os, int n) {
        float[][] bufs = BUFFERS.get();
        float[] x = bufs[0];
        float[] y = bufs[1];
        for (int done = 0; done < n; done += CHUNK) {
            int m = Math.min(CHUNK, n - done);
            load(a, ao + done * as, as, x, m);
            ElementwiseKernels.unaryFloat(op, x, 0, 1, y, 0, 1, m);
            store(y, m, o, oo + done * os, os);
        }
    }

    /** {@code o = a op b}: both widened to float, the float32 loop, rounded once. */
    static void binaryRow(BinaryOp op, CpuStorage a, int ao, int as, CpuStorage b, int bo, int bs, CpuStorage o, int oo,
                          int os, int n) {
        float[][] bufs = BUFFERS.get();
        float[] x = bufs[0];
        float[] y = bufs[1];
        float[] z = bufs[2];
        for (int done = 0; done < n; done += CHUNK) {
            int m = Math.min(CHUNK, n - done);
            load(a, ao + done * as, as, x, m);
            if (bs == 0) {
                load(b, bo, 0, y, 1);
                ElementwiseKernels.binaryFloat(op, x, 0, 1, y, 0, 0, z, 0, 1, m);
            } else {
                load(b, bo + done * bs, bs, y, m);
                ElementwiseKernels.binaryFloat(op, x, 0, 1, y, 0, 1, z, 0, 1, m);
            }
            store(z, m, o, oo + done * os, os);
        }
    }

    /**
     * {@code o = a op s} (or {@code s op a}) with a Java number: PyTorch 2.x's CPU kernels read the number in float
     * for {@code mul} and {@code div} ({@code iter.original_scalar_value<opmath_t>(2)} in BinaryOpsKernel.cpp's
     * mul_kernel and div_true_kernel) and, for every other op, converted to the tensor's type first (TensorIterator
     * casts a CPU scalar to the common dtype), so {@code x + 0.1} adds the half nearest 0.1. Predicates compare with
     * the number in the tensor's type too.
     */
    static void binaryScalarRow(BinaryOp op, CpuStorage a, int ao, int as, float scalar, boolean scalarFirst, CpuStorage o,
                                int oo, int os, int n) {
        // a number first: PyTorch's mul commutes it to the second operand; its rdiv is reciprocal() * number. A second
        // operand of mul, div and div's trunc and floor modes (floor_divide) is read in float32 (BinaryOpsKernel.cpp's
        // reduced-float branches: original_scalar_value<opmath_t>(2)); every other op's is cast to the half type
        boolean opmath = op == BinaryOp.MUL || (!scalarFirst
                && (op == BinaryOp.DIV || op == BinaryOp.DIV_TRUNC || op == BinaryOp.DIV_FLOOR));
        float s = opmath ? scalar : toFloat(a.dtype, fromFloat(a.dtype, scalar));
        float[][] bufs = BUFFERS.get();
        float[] x = bufs[0];
        float[] z = bufs[2];
        float[] one = {s};
        for (int done = 0; done < n; done += CHUNK) {
            int m = Math.min(CHUNK, n - done);
            load(a, ao + done * as, as, x, m);
            if (scalarFirst) {
                ElementwiseKernels.binaryFloat(op, one, 0, 0, x, 0, 1, z, 0, 1, m);
            } else {
                ElementwiseKernels.binaryFloat(op, x, 0, 1, one, 0, 0, z, 0, 1, m);
            }
            store(z, m, o, oo + done * os, os);
        }
    }

    /**
     * Elements per pass of PyTorch 2.x's vectorized CPU loop for the 16-bit types on this machine's capability
     * ({@link CpuCapability}): two {@code Vectorized<Half>} or {@code Vectorized<BFloat16>} ({@code vectorized_loop}'s
     * {@code 2 * Vec::size()}), 32 on AVX2 and DEFAULT builds (16 lanes), 64 on AVX512 (32 lanes).
     */
    static final int VECTOR_PASS = dev.ember.backend.CpuCapability.halfVectorPass();

    /**
     * {@code y += alpha * x} along one row of float16 or bfloat16, {@code alpha} already rounded to the type, as
     * PyTorch 2.x's CPU add kernel ({@code ufunc/add.h} through {@code cpu_kernel_vec}) computes it: where the row is
     * contiguous (x contiguous or one broadcast element), each whole pass of {@link #VECTOR_PASS} elements takes the
     * vector path's {@code fmadd(x, alpha, y)} in float, rounded once to the type; the rest of the row, and a strided
     * row entirely, take the scalar path's {@code y + alpha * x} in the type's own arithmetic (the product rounded to
     * the type, then the sum). The row is Ember's merged row (StridedLoop), PyTorch's inner loop for operands laid out
     * alike; a self broadcast or laid out otherwise than the output of an out-of-place add has shorter inner loops in
     * PyTorch, which this does not see.
     */
    static void axpyRow(float alpha, CpuStorage x, int xo, int xs, CpuStorage y, int yo, int ys, int n) {
        axpyRow(alpha, x, xo, xs, y, yo, ys, n, VECTOR_PASS);
    }

    /** {@link #axpyRow(float, CpuStorage, int, int, CpuStorage, int, int, int)} with passes of {@code pass} elements. */
    static void axpyRow(float alpha, CpuStorage x, int xo, int xs, CpuStorage y, int yo, int ys, int n, int pass) {
        DType t = y.dtype;
        int fused = ys == 1 && (xs == 1 || xs == 0) ? n / pass * pass : 0;
        float[][] bufs = BUFFERS.get();
        float[] a = bufs[0];
        float[] b = bufs[1];
        for (int done = 0; done < n; done += CHUNK) {
            int m = Math.min(CHUNK, n - done);
            load(x, xo + done * xs, xs, a, m);
            load(y, yo + done * ys, ys, b, m);
            for (int i = 0; i < m; i++) {
                b[i] = done + i < fused ? Math.fma(alpha, a[i], b[i]) : b[i] + toFloat(t, fromFloat(t, alpha * a[i]));
            }
            store(b, m, y, yo + done * ys, ys);
        }
    }

    /**
     * PyTorch's refusal of a kernel its CPU dispatch lacks for float16 and bfloat16 ({@code "lu_cpu" not implemented
     * for 'Half'}): the LAPACK-style decompositions, which PyTorch 2.x does not run in a reduced type either.
     */
    static void refuse(String kernel, DType t) {
        if (isHalf(t)) {
            throw Refusals.notImplemented(kernel, t);
        }
    }

    /** A widened scope that has widened nothing yet: for a kernel call on float16 or bfloat16 storages. */
    static Widened widened() {
        return new Widened();
    }

    /**
     * Float32 copies of the float16 and bfloat16 storages of one kernel call, for the kernel families without a half
     * loop (GEMM, convolution, normalization, pooling, attention, resampling, sorting, indexing): the inputs are widened
     * once (exactly), the float32 kernel runs on the copies, and on {@link #close} each output is rounded back once
     * through its layout, as PyTorch's CPU kernels for reduced floating types accumulate in float and convert each
     * result once. A copy covers the whole storage, so every layout over it stays valid; a storage given twice (an
     * input that is also the output) is widened once. Storages of other types pass through untouched.
     */
    static final class Widened implements AutoCloseable {
        private CpuStorage[] originals = new CpuStorage[0];
        private CpuStorage[] copies = new CpuStorage[0];
        private final java.util.List<Object[]> outputs = new java.util.ArrayList<>(2);

        private Widened() {
        }

        /** An input: itself, or its float32 copy when it is float16 or bfloat16 ({@code null} stays null). */
        CpuStorage in(CpuStorage s) {
            if (s == null || !isHalf(s.dtype)) {
                return s;
            }
            for (int i = 0; i < originals.length; i++) {
                if (originals[i] == s) {
                    return copies[i];
                }
            }
            float[] f = new float[s.length];
            short[] bits = (short[]) s.array;
            if (s.dtype == DType.FLOAT16) {
                for (int i = 0; i < f.length; i++) {
                    f[i] = Half.toFloat(bits[i]);
                }
            } else {
                for (int i = 0; i < f.length; i++) {
                    f[i] = Float.intBitsToFloat((bits[i] & 0xFFFF) << 16);
                }
            }
            CpuStorage c = new CpuStorage(DType.FLOAT32, f);
            int k = originals.length;
            originals = java.util.Arrays.copyOf(originals, k + 1);
            copies = java.util.Arrays.copyOf(copies, k + 1);
            originals[k] = s;
            copies[k] = c;
            return c;
        }

        /**
         * An output written through {@code layout} ({@code null}: the whole storage): its float32 copy, whose elements
         * in the layout are rounded back into it on {@link #close} (the others are left as they were).
         */
        CpuStorage out(CpuStorage s, dev.ember.backend.Layout layout) {
            CpuStorage c = in(s);
            if (c != s) {
                outputs.add(new Object[] {s, c, layout});
            }
            return c;
        }

        /** Rounds every output back once into its float16 or bfloat16 storage. */
        @Override
        public void close() {
            for (Object[] o : outputs) {
                CpuStorage s = (CpuStorage) o[0];
                CpuStorage c = (CpuStorage) o[1];
                dev.ember.backend.Layout l = (dev.ember.backend.Layout) o[2];
                if (l == null) {
                    l = dev.ember.backend.Layout.contiguous(s.length);
                }
                ElementwiseKernels.copy(c, l, s, l);
            }
            outputs.clear();
        }
    }
}
