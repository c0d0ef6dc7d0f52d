package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.Layout;
import dev.ember.backend.UnaryOp;
import java.util.Arrays;

/**
 * Elementwise kernels over strided layouts: float32 and float64 run typed loops (which the JIT
 * vectorizes when the rows are contiguous); int64 runs exact long arithmetic, and the narrow integer types the same
 * arithmetic on rows widened to long and narrowed on store ({@link NarrowLoops}); the rest go through doubles.
 */
final class ElementwiseKernels {
    private ElementwiseKernels() {
    }

    // ------------------------------------------------------------------ copy and fill

    static void copy(CpuStorage src, Layout ls, CpuStorage dst, Layout ld) {
        if (src.dtype == dst.dtype && (TransposeCopy.copy(src.array, ls, dst.array, ld)
                || RowBlockCopy.copy(src.array, ls, dst.array, ld))) {
            return;
        }
        StridedLoop loop = new StridedLoop(ld, ls);
        if (src.dtype == dst.dtype) {
            switch (src.dtype) {
                case FLOAT32: {
                    float[] a = (float[]) src.array;
                    float[] o = (float[]) dst.array;
                    loop.run((off, n, st) -> copyRow(a, off[1], st[1], o, off[0], st[0], n), true);
                    return;
                }
                case FLOAT64: {
                    double[] a = (double[]) src.array;
                    double[] o = (double[]) dst.array;
                    loop.run((off, n, st) -> copyRow(a, off[1], st[1], o, off[0], st[0], n), true);
                    return;
                }
                case INT64: {
                    long[] a = (long[]) src.array;
                    long[] o = (long[]) dst.array;
                    loop.run((off, n, st) -> copyRow(a, off[1], st[1], o, off[0], st[0], n), true);
                    return;
                }
                case INT32: {
                    int[] a = (int[]) src.array;
                    int[] o = (int[]) dst.array;
                    loop.run((off, n, st) -> copyRow(a, off[1], st[1], o, off[0], st[0], n), true);
                    return;
                }
                case INT16:
                case FLOAT16:
                case BFLOAT16: {
                    short[] a = (short[]) src.array;
                    short[] o = (short[]) dst.array;
                    loop.run((off, n, st) -> copyRow(a, off[1], st[1], o, off[0], st[0], n), true);
                    return;
                }
                case INT8:
                case UINT8: {
                    byte[] a = (byte[]) src.array;
                    byte[] o = (byte[]) dst.array;
                    loop.run((off, n, st) -> copyRow(a, off[1], st[1], o, off[0], st[0], n), true);
                    return;
                }
                default: {
                    boolean[] a = (boolean[]) src.array;
                    boolean[] o = (boolean[]) dst.array;
                    loop.run((off, n, st) -> copyRow(a, off[1], st[1], o, off[0], st[0], n), true);
                    return;
                }
            }
        }
        if (src.dtype == DType.INT64 && dst.dtype == DType.FLOAT32) {
            // one rounding, as C++'s static_cast<float>(int64_t): through a double it could round twice
            // (2^53 + 2^29 + 1 would become 2^53 instead of 2^53 + 2^30)
            long[] a = (long[]) src.array;
            float[] o = (float[]) dst.array;
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = (float) a[off[1] + i * st[1]];
                }
            }, true);
            return;
        }
        if (HalfLoops.isHalf(src.dtype) || HalfLoops.isHalf(dst.dtype)) {
            // float16 and bfloat16: through float32, as C++'s conversions of c10::Half and c10::BFloat16
            loop.run((off, n, st) -> HalfLoops.convertRow(src, off[1], st[1], dst, off[0], st[0], n), true);
            return;
        }
        if ((src.narrow() || dst.narrow()) && dst.dtype != DType.BOOL) {
            // through longs: integers wrap, floats truncate toward zero (Java's saturating cast, then the wrap)
            loop.run((off, n, st) -> NarrowLoops.convertRow(src, off[1], st[1], dst, off[0], st[0], n), true);
            return;
        }
        boolean integral = !src.dtype.isFloatingPoint() && !dst.dtype.isFloatingPoint();
        loop.run((off, n, st) -> {
            for (int i = 0; i < n; i++) {
                int di = off[0] + i * st[0];
                int si = off[1] + i * st[1];
                if (integral) {
                    dst.setLong(di, src.getLong(si));
                } else {
                    dst.setDouble(di, src.getDouble(si));
                }
            }
        }, true);
    }

    /**
     * Rows shorter than this are copied by a loop, longer ones by {@code System.arraycopy}: from a row kernel the
     * arraycopy call cost about 100 ns (rows of 8 to 64 floats of a permuted copy ran 2 to 5 times slower than the
     * loop), and from 128 elements on it is as fast or faster (2x at 4096). Within one array it is always
     * arraycopy, which copies overlapping ranges as memmove does.
     */
    private static final int ARRAYCOPY_MIN = 128;

    /**
     * {@code -Dember.cpu.scalarRowCopy=true}: a short dense float32 row copied by the plain loop alone (before session
     * 47; C2 does not vectorize it, the two arrays may be one), not on vector lanes first.
     */
    private static final boolean SCALAR_ROW_COPY = Boolean.getBoolean("ember.cpu.scalarRowCopy");

    /**
     * The largest piece of a dense row copy handed to one {@code System.arraycopy} (1 MiB). From JDK 22 on, HotSpot's
     * arraycopy on a CPU with 64-byte vectors writes a copy of 2.5 MB or more with non-temporal stores (its
     * {@code arraycopy_avx3_large}), past the caches, so an op that reads or scatters into the copy at once (an
     * out-of-place {@code index_add} or {@code scatter_add} of a 4 MiB tensor on one thread) found it in memory and ran
     * 1.5-2.3x slower than on JDK 17 (benchmarks/RESULTS.md, session 53). In pieces the stub keeps its cached stores on
     * every JDK; the bits are the same. {@code -Dember.cpu.wholeArraycopy=true} copies a row in one call (before
     * session 53).
     */
    static final int COPY_PIECE_BYTES = 1 << 20;
    private static final boolean WHOLE_ARRAYCOPY = Boolean.getBoolean("ember.cpu.wholeArraycopy");

    /** {@code System.arraycopy} of two distinct arrays in pieces of {@code piece} elements (see {@link #COPY_PIECE_BYTES}). */
    private static void copyInPieces(Object a, int ao, Object o, int oo, int n, int piece) {
        for (int i = 0; i < n; i += piece) {
            System.arraycopy(a, ao + i, o, oo + i, Math.min(piece, n - i));
        }
    }

    private static void copyRow(float[] a, int ao, int as, float[] o, int oo, int os, int n) {
        if (as == 1 && os == 1) {
            if (n >= ARRAYCOPY_MIN || a == o) {
                if (n > (COPY_PIECE_BYTES >> 2) && a != o && !WHOLE_ARRAYCOPY) {
                    copyInPieces(a, ao, o, oo, n, COPY_PIECE_BYTES >> 2);
                } else {
                    System.arraycopy(a, ao, o, oo, n); // memmove's semantics where one array holds both
                }
            } else {
                if (LOOPS != null && !SCALAR_ROW_COPY) {
                    LOOPS.copy(a, ao, o, oo, n); // two arrays: its overlapping last vector writes the same bits twice
                    return;
                }
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i];
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                o[oo + i * os] = a[ao + i * as];
            }
        }
    }

    private static void copyRow(double[] a, int ao, int as, double[] o, int oo, int os, int n) {
        if (as == 1 && os == 1) {
            if (n >= ARRAYCOPY_MIN || a == o) {
                if (n > (COPY_PIECE_BYTES >> 3) && a != o && !WHOLE_ARRAYCOPY) {
                    copyInPieces(a, ao, o, oo, n, COPY_PIECE_BYTES >> 3);
                } else {
                    System.arraycopy(a, ao, o, oo, n); // memmove's semantics where one array holds both
                }
            } else {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i];
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                o[oo + i * os] = a[ao + i * as];
            }
        }
    }

    private static void copyRow(long[] a, int ao, int as, long[] o, int oo, int os, int n) {
        if (as == 1 && os == 1) {
            if (n >= ARRAYCOPY_MIN || a == o) {
                if (n > (COPY_PIECE_BYTES >> 3) && a != o && !WHOLE_ARRAYCOPY) {
                    copyInPieces(a, ao, o, oo, n, COPY_PIECE_BYTES >> 3);
                } else {
                    System.arraycopy(a, ao, o, oo, n); // memmove's semantics where one array holds both
                }
            } else {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i];
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                o[oo + i * os] = a[ao + i * as];
            }
        }
    }

    private static void copyRow(int[] a, int ao, int as, int[] o, int oo, int os, int n) {
        if (as == 1 && os == 1) {
            if (n >= ARRAYCOPY_MIN || a == o) {
                if (n > (COPY_PIECE_BYTES >> 2) && a != o && !WHOLE_ARRAYCOPY) {
                    copyInPieces(a, ao, o, oo, n, COPY_PIECE_BYTES >> 2);
                } else {
                    System.arraycopy(a, ao, o, oo, n); // memmove's semantics where one array holds both
                }
            } else {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i];
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                o[oo + i * os] = a[ao + i * as];
            }
        }
    }

    private static void copyRow(short[] a, int ao, int as, short[] o, int oo, int os, int n) {
        if (as == 1 && os == 1) {
            if (n >= ARRAYCOPY_MIN || a == o) {
                if (n > (COPY_PIECE_BYTES >> 1) && a != o && !WHOLE_ARRAYCOPY) {
                    copyInPieces(a, ao, o, oo, n, COPY_PIECE_BYTES >> 1);
                } else {
                    System.arraycopy(a, ao, o, oo, n); // memmove's semantics where one array holds both
                }
            } else {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i];
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                o[oo + i * os] = a[ao + i * as];
            }
        }
    }

    private static void copyRow(byte[] a, int ao, int as, byte[] o, int oo, int os, int n) {
        if (as == 1 && os == 1) {
            if (n >= ARRAYCOPY_MIN || a == o) {
                if (n > (COPY_PIECE_BYTES >> 0) && a != o && !WHOLE_ARRAYCOPY) {
                    copyInPieces(a, ao, o, oo, n, COPY_PIECE_BYTES >> 0);
                } else {
                    System.arraycopy(a, ao, o, oo, n); // memmove's semantics where one array holds both
                }
            } else {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i];
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                o[oo + i * os] = a[ao + i * as];
            }
        }
    }

    private static void copyRow(boolean[] a, int ao, int as, boolean[] o, int oo, int os, int n) {
        if (as == 1 && os == 1) {
            if (n >= ARRAYCOPY_MIN || a == o) {
                if (n > (COPY_PIECE_BYTES >> 0) && a != o && !WHOLE_ARRAYCOPY) {
                    copyInPieces(a, ao, o, oo, n, COPY_PIECE_BYTES >> 0);
                } else {
                    System.arraycopy(a, ao, o, oo, n); // memmove's semantics where one array holds both
                }
            } else {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[ao + i];
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                o[oo + i * os] = a[ao + i * as];
            }
        }
    }

    static void fill(CpuStorage dst, Layout l, double value) {
        // a unit-stride row through Arrays.fill: the strided store loop did not vectorize (4 MiB of floats: 367 us of
        // one core against 55 us, session 49); -Dember.fill.strided=true keeps the strided loop for every row
        boolean strided = Boolean.getBoolean("ember.fill.strided");
        new StridedLoop(l).run((off, n, st) -> {
            int o = off[0];
            int s = st[0];
            switch (dst.dtype) {
                case FLOAT32: {
                    float[] a = (float[]) dst.array;
                    float v = (float) value;
                    if (s == 1 && !strided) {
                        Arrays.fill(a, o, o + n, v);
                    } else {
                        for (int i = 0; i < n; i++) {
                            a[o + i * s] = v;
                        }
                    }
                    break;
                }
                case FLOAT64: {
                    double[] a = (double[]) dst.array;
                    if (s == 1 && !strided) {
                        Arrays.fill(a, o, o + n, value);
                    } else {
                        for (int i = 0; i < n; i++) {
                            a[o + i * s] = value;
                        }
                    }
                    break;
                }
                case INT64: {
                    long[] a = (long[]) dst.array;
                    long v = (long) value;
                    if (s == 1 && !strided) {
                        Arrays.fill(a, o, o + n, v);
                    } else {
                        for (int i = 0; i < n; i++) {
                            a[o + i * s] = v;
                        }
                    }
                    break;
                }
                case INT32: {
                    int[] a = (int[]) dst.array;
                    int v = (int) (long) value;
                    if (s == 1 && !strided) {
                        Arrays.fill(a, o, o + n, v);
                    } else {
                        for (int i = 0; i < n; i++) {
                            a[o + i * s] = v;
                        }
                    }
                    break;
                }
                case INT16: {
                    short[] a = (short[]) dst.array;
                    short v = (short) (long) value;
                    if (s == 1 && !strided) {
                        Arrays.fill(a, o, o + n, v);
                    } else {
                        for (int i = 0; i < n; i++) {
                            a[o + i * s] = v;
                        }
                    }
                    break;
                }
                case FLOAT16:
                case BFLOAT16: {
                    short[] a = (short[]) dst.array;
                    short v = HalfLoops.fromFloat(dst.dtype, (float) value); // through float, as c10::Half(double)
                    if (s == 1 && !strided) {
                        Arrays.fill(a, o, o + n, v);
                    } else {
                        for (int i = 0; i < n; i++) {
                            a[o + i * s] = v;
                        }
                    }
                    break;
                }
                case INT8:
                case UINT8: {
                    byte[] a = (byte[]) dst.array;
                    byte v = (byte) (long) value;
                    if (s == 1 && !strided) {
                        Arrays.fill(a, o, o + n, v);
                    } else {
                        for (int i = 0; i < n; i++) {
                            a[o + i * s] = v;
                        }
                    }
                    break;
                }
                default: {
                    boolean[] a = (boolean[]) dst.array;
                    boolean v = value != 0;
                    if (s == 1 && !strided) {
                        Arrays.fill(a, o, o + n, v);
                    } else {
                        for (int i = 0; i < n; i++) {
                            a[o + i * s] = v;
                        }
                    }
                }
            }
        }, true);
    }

    // ------------------------------------------------------------------ unary

    static void unary(UnaryOp op, CpuStorage src, Layout ls, CpuStorage dst, Layout ld) {
        StridedLoop loop = new StridedLoop(ld, ls);
        if (op.isPredicate()) {
            boolean[] o = (boolean[]) dst.array;
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = unaryPredicate(op, src.getDouble(off[1] + i * st[1]));
                }
            }, true);
            return;
        }
        if (src.dtype == DType.BOOL && op == UnaryOp.BITWISE_NOT) {
            boolean[] a = (boolean[]) src.array;
            boolean[] o = (boolean[]) dst.array;
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = !a[off[1] + i * st[1]];
                }
            }, true);
            return;
        }
        if (src.dtype == DType.FLOAT32) {
            float[] a = (float[]) src.array;
            float[] o = (float[]) dst.array;
            loop.run((off, n, st) -> unaryFloat(op, a, off[1], st[1], o, off[0], st[0], n), true);
            return;
        }
        if (HalfLoops.isHalf(src.dtype)) {
            loop.run((off, n, st) -> HalfLoops.unaryRow(op, src, off[1], st[1], dst, off[0], st[0], n), true);
            return;
        }
        if (src.narrow()) {
            loop.run((off, n, st) -> NarrowLoops.unaryRow(op, src, off[1], st[1], dst, off[0], st[0], n), true);
            return;
        }
        if (src.dtype == DType.INT64) {
            long[] a = (long[]) src.array;
            long[] o = (long[]) dst.array;
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = applyLong(op, a[off[1] + i * st[1]]);
                }
            }, true);
            return;
        }
        loop.run((off, n, st) -> {
            for (int i = 0; i < n; i++) {
                dst.setDouble(off[0] + i * st[0], applyUnary(op, src.getDouble(off[1] + i * st[1])));
            }
        }, true);
    }

    /**
     * GELU's erf form told whether the input tensor is contiguous with more than one element ({@code oneDnn}, PyTorch's
     * {@code use_mkldnn(self)}): float32 as {@link GeluKernelFloat#forward} (oneDNN's kernel or GeluKernelImpl's),
     * unless {@code -Dember.cpu.exactTranscendentals=true}; other types as {@link #unary}.
     */
    static void gelu(boolean oneDnn, CpuStorage src, Layout ls, CpuStorage dst, Layout ld) {
        if (src.dtype != DType.FLOAT32 || dst.dtype != DType.FLOAT32 || SleefFloat.exact()) {
            unary(UnaryOp.GELU, src, ls, dst, ld);
            return;
        }
        float[] a = (float[]) src.array;
        float[] o = (float[]) dst.array;
        new StridedLoop(ld, ls).run((off, n, st) -> GeluKernelFloat.forward(oneDnn, a, off[1], st[1], o, off[0], st[0],
                n), true);
    }

    /**
     * GELU's backward (erf form) told whether self is contiguous with more than one element ({@code oneDnn}): float32
     * as {@link GeluKernelFloat#backward}, unless {@code -Dember.cpu.exactTranscendentals=true}; other types as
     * {@link #binary}.
     */
    static void geluBackward(boolean oneDnn, CpuStorage grad, Layout lg, CpuStorage self, Layout lx, CpuStorage dst,
                             Layout ld) {
        if (grad.dtype != DType.FLOAT32 || self.dtype != DType.FLOAT32 || dst.dtype != DType.FLOAT32
                || SleefFloat.exact()) {
            binary(BinaryOp.GELU_BACKWARD, grad, lg, self, lx, dst, ld);
            return;
        }
        float[] g = (float[]) grad.array;
        float[] x = (float[]) self.array;
        float[] o = (float[]) dst.array;
        new StridedLoop(ld, lg, lx).run((off, n, st) -> GeluKernelFloat.backward(oneDnn, g, off[1], st[1], x, off[2],
                st[2], o, off[0], st[0], n), true);
    }

    static void unaryFloat(UnaryOp op, float[] a, int ao, int as, float[] o, int oo, int os, int n) {
        if (op == UnaryOp.GELU_TANH && !SleefFloat.exact()) {
            geluTanhFloat(a, ao, as, o, oo, os, n);
            return;
        }
        switch (op) {
            case NEG:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = -a[ao + i * as];
                }
                return;
            case RELU:
                if (LOOPS != null && as == 1 && os == 1 && LOOPS.relu(a, ao, o, oo, n)) {
                    return;
                }
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = relu(a[ao + i * as]);
                }
                return;
            case ABS:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = Math.abs(a[ao + i * as]);
                }
                return;
            case SIGMOID: {
                if (LOOPS != null && as == 1 && os == 1) {
                    LOOPS.sigmoid(a, ao, o, oo, n);
                    return;
                }
                // PyTorch's kernel: Sleef's exp over a contiguous run's vector part, the C library's elsewhere
                boolean exactSigmoid = SleefFloat.exact();
                int sleefPart = as == 1 && os == 1 && !exactSigmoid ? SleefFloat.vectorPart(n) : 0;
                for (int i = 0; i < n; i++) {
                    float v = a[ao + i * as];
                    o[oo + i * os] = i < sleefPart ? SleefFloat.sigmoid(v)
                            : exactSigmoid ? sigmoidFloat(v) : SleefFloat.sigmoidLibm(v);
                }
                return;
            }
            case TANH:
                if (LOOPS != null && as == 1 && os == 1) {
                    LOOPS.tanh(a, ao, o, oo, n);
                    return;
                }
                if (SleefFloat.exact()) {
                    for (int i = 0; i < n; i++) {
                        o[oo + i * os] = tanhRounded(a[ao + i * as]);
                    }
                    return;
                }
                // strided too: PyTorch's IMPLEMENT_VML runs Sleef on a contiguous copy of a strided operand
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = SleefFloat.tanh(a[ao + i * as]);
                }
                return;
            case LOG:
            case LOG1P: {
                boolean onePlus = op == UnaryOp.LOG1P;
                if (LOOPS != null && as == 1 && os == 1) {
                    LOOPS.log(onePlus, a, ao, o, oo, n);
                    return;
                }
                boolean sleef = !onePlus && !SleefFloat.exact();
                for (int i = 0; i < n; i++) {
                    float v = a[ao + i * as];
                    o[oo + i * os] = onePlus ? log1pRounded(v) : sleef ? SleefFloat.log(v) : logRounded(v);
                }
                return;
            }
            case EXP:
                if (LOOPS != null && as == 1 && os == 1) {
                    LOOPS.exp(a, ao, o, oo, n);
                    return;
                }
                if (SleefFloat.exact()) {
                    for (int i = 0; i < n; i++) {
                        o[oo + i * os] = expRounded(a[ao + i * as]);
                    }
                    return;
                }
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = SleefFloat.exp(a[ao + i * as]);
                }
                return;
            case SQRT:
                if (LOOPS != null && as == 1 && os == 1 && LOOPS.sqrt(false, a, ao, o, oo, n)) {
                    return;
                }
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = (float) Math.sqrt(a[ao + i * as]);
                }
                return;
            case RSQRT:
                // PyTorch's 1 / sqrt(x) in float: the square root rounded to float, then a float division
                if (LOOPS != null && as == 1 && os == 1 && LOOPS.sqrt(true, a, ao, o, oo, n)) {
                    return;
                }
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = 1f / (float) Math.sqrt(a[ao + i * as]);
                }
                return;
            case DIGAMMA:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = SpecialFunctions.digamma(a[ao + i * as]);
                }
                return;
            case ERFINV:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = SpecialFunctions.erfinv(a[ao + i * as]);
                }
                return;
            case GELU:
                if (LOOPS != null && as == 1 && os == 1) {
                    LOOPS.gelu(a, ao, o, oo, n);
                    return;
                }
                if (as == 1 && os == 1 && OneDnnGelu.on()) {
                    for (int i = 0; i < n; i++) {
                        o[oo + i] = OneDnnGelu.gelu(a[ao + i]);
                    }
                    return;
                }
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = geluFloat(a[ao + i * as]);
                }
                return;
            case EXPM1:
                // PyTorch's bits (Sleef's expm1f); under exactTranscendentals Math.expm1's float, below
                if (!SleefFloat.exact()) {
                    EluKernels.expm1Sleef(a, ao, as, o, oo, os, n);
                    return;
                }
                // falls through
            default:
                // through a block of doubles: converting each float to double and back beside the call made every
                // element wait for the one before (the conversions write only part of their register, so each
                // depends on the last result): exp over float32 took 14 ns an element, the same call over doubles 4
                // (expm1: EluKernels.expm1Floats, Math.expm1's float bits on the Vector API's lanes)
                double[] buffer = new double[Math.min(n, UNARY_BLOCK)];
                boolean expm1 = op == UnaryOp.EXPM1 && EluKernels.expm1Shortcuts();
                for (int start = 0; start < n; start += buffer.length) {
                    int m = Math.min(buffer.length, n - start);
                    int ai = ao + start * as;
                    for (int i = 0; i < m; i++) {
                        buffer[i] = a[ai + i * as];
                    }
                    if (expm1) {
                        EluKernels.expm1Floats(buffer, m);
                    } else {
                        for (int i = 0; i < m; i++) {
                            buffer[i] = applyUnary(op, buffer[i]);
                        }
                    }
                    int oi = oo + start * os;
                    for (int i = 0; i < m; i++) {
                        o[oi + i * os] = (float) buffer[i];
                    }
                }
        }
    }

    /**
     * GELU's tanh form in float as PyTorch's kernel: on a contiguous run {@link SleefFloat#geluTanh} over the vector
     * part and {@link SleefFloat#geluTanhLibm} over the rest, on a strided one the latter throughout (PyTorch's scalar
     * loop). {@code -Dember.cpu.exactTranscendentals=true} keeps the double form ({@link #geluTanh(double)}).
     */
    private static void geluTanhFloat(float[] a, int ao, int as, float[] o, int oo, int os, int n) {
        boolean contiguous = as == 1 && os == 1;
        if (contiguous && LOOPS != null) {
            LOOPS.geluTanh(a, ao, o, oo, n);
            return;
        }
        int sleefPart = contiguous ? SleefFloat.vectorPart(n) : 0;
        for (int i = 0; i < n; i++) {
            float v = a[ao + i * as];
            o[oo + i * os] = i < sleefPart ? SleefFloat.geluTanh(v) : SleefFloat.geluTanhLibm(v);
        }
    }

    /**
     * GELU's tanh form's backward in float as PyTorch's kernel ({@code g} the incoming gradient, {@code x} the input):
     * on a contiguous run {@link SleefFloat#geluTanhBackward(float, float)} over the vector part and
     * {@link SleefFloat#geluTanhBackwardLibm} over the rest, on a strided one the latter throughout (PyTorch's scalar
     * loop). {@code -Dember.cpu.exactTranscendentals=true} keeps the double form ({@link #geluTanhBackward(double,
     * double)}).
     */
    private static void geluTanhBackwardFloat(float[] g, int go, int gs, float[] x, int xo, int xs, float[] o, int oo,
                                              int os, int n) {
        boolean contiguous = gs == 1 && xs == 1 && os == 1;
        if (contiguous && LOOPS != null) {
            LOOPS.geluTanhBackward(g, go, x, xo, o, oo, n);
            return;
        }
        int sleefPart = contiguous ? SleefFloat.vectorPart(n) : 0;
        for (int i = 0; i < n; i++) {
            float dy = g[go + i * gs];
            float v = x[xo + i * xs];
            o[oo + i * os] = i < sleefPart ? SleefFloat.geluTanhBackward(dy, v) : SleefFloat.geluTanhBackwardLibm(dy, v);
        }
    }

    /** The elements {@link #unaryFloat} computes in doubles at a time. */
    private static final int UNARY_BLOCK = 256;

    /**
     * PyTorch's relu, {@code v < 0 ? 0 : v}, which keeps -0 and NaN (Math.max(-0, 0) is +0). Written as a mask on
     * the bits: a float-valued conditional compiles to a branch, which mispredicts on every other element of signed
     * data (50 times slower), where an int-valued one compiles to a conditional move.
     */
    static float relu(float v) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(v) & (v < 0f ? 0 : -1));
    }

    /** {@link #relu(float)} for doubles. */
    static double relu(double v) {
        return Double.longBitsToDouble(Double.doubleToRawLongBits(v) & (v < 0 ? 0L : -1L));
    }

    static double applyUnary(UnaryOp op, double v) {
        switch (op) {
            case NEG: return -v;
            case ABS: return Math.abs(v);
            // PyTorch's (0 < x) - (x < 0): +0 for both zeros and for NaN (Math.signum keeps -0 and NaN); int-valued
            // conditionals, which compile to conditional moves where a double-valued one would branch on the sign
            case SIGN: return (v > 0 ? 1 : 0) - (v < 0 ? 1 : 0);
            case EXP: return Math.exp(v);
            case LOG: return Math.log(v);
            case SQRT: return Math.sqrt(v);
            case SIGMOID: return 1.0 / (1.0 + Math.exp(-v));
            case TANH: return Math.tanh(v);
            case RELU: return relu(v);
            case SIN: return Math.sin(v);
            case COS: return Math.cos(v);
            case FLOOR: return Math.floor(v);
            case CEIL: return Math.ceil(v);
            case ROUND: return Math.rint(v);
            case RECIPROCAL: return 1.0 / v;
            case ERF: return erf(v);
            case GELU: return gelu(v);
            case GELU_TANH: return geluTanh(v);
            case LOG1P: return Math.log1p(v);
            case EXPM1: return Math.expm1(v);
            case LOG2: return SpecialFunctions.log2(v);
            case LOG10: return Math.log10(v);
            case EXP2: return Math.pow(2, v);
            case TAN: return Math.tan(v);
            case ASIN: return Math.asin(v);
            case ACOS: return Math.acos(v);
            case ATAN: return Math.atan(v);
            case SINH: return Math.sinh(v);
            case COSH: return Math.cosh(v);
            case ASINH: return SpecialFunctions.asinh(v);
            case ACOSH: return SpecialFunctions.acosh(v);
            case ATANH: return SpecialFunctions.atanh(v);
            case RSQRT: return 1.0 / Math.sqrt(v);
            // Java's (long) and Math.floor/ceil would lose -0 and large values: trunc is floor or ceil by sign
            case TRUNC: return v < 0 ? Math.ceil(v) : Math.floor(v);
            case FRAC: return v - (v < 0 ? Math.ceil(v) : Math.floor(v));
            case ERFC: return SpecialFunctions.erfc(v);
            case ERFINV: return SpecialFunctions.erfinv(v);
            case LGAMMA: return SpecialFunctions.lgamma(v);
            case DIGAMMA: return SpecialFunctions.digamma(v);
            case LOG_SIGMOID: return SpecialFunctions.logSigmoid(v);
            default: throw new IllegalArgumentException("unary op " + op);
        }
    }

    /** The bool-valued unary ops. */
    static boolean unaryPredicate(UnaryOp op, double v) {
        switch (op) {
            case LOGICAL_NOT: return v == 0;
            case ISFINITE: return Double.isFinite(v);
            case ISNAN: return v != v;
            case ISINF: return Double.isInfinite(v);
            case ISPOSINF: return v == Double.POSITIVE_INFINITY;
            default: return v == Double.NEGATIVE_INFINITY;
        }
    }

    /** erf(x) = x + x R(x^2) below |x| = 1: R's coefficients, in powers of x^2. */
    private static final double[] ERF_SMALL = {0.1283791670955126, -0.3761263890318375, 0.11283791670954879,
        -0.026866170645076792, 0.0052239776248180145, -0.000854832698083379, 0.0001205533111164271,
        -1.4925595266831182e-05, 1.6461000484121368e-06, -1.6350312701054695e-07, 1.4659775274047436e-08,
        -1.1372848856791674e-09, 5.957176147748911e-11};
    /** erfc on [1, 1.5), [1.5, 2), ..., [5.5, 6): coefficients in powers of x minus the piece's center, 1.25 + k / 2. */
    private static final double[][] ERFC_PIECES = {
        {0.07709987174354177, -0.2365211224472908, 0.29565140305911153, -0.16753579506683547, 0.006159404230896534,
            0.04718103640600039, -0.02130127301145005, -0.0036259827199190244, 0.0056976802634647146,
            -0.0008776311203165393, -0.0007935637760477615, 0.0003238378954372589, 5.3358854084741746e-05,
            -5.444072496071499e-05},
        {0.013328328780817559, -0.05277499593015038, 0.09235624287775983, -0.09015728471400461, 0.04810220983301914,
            -0.006624361468900602, -0.008963045180389002, 0.006058751526573601, -0.0007300475155067315,
            -0.0008941843166397162, 0.0004426629932340801, 5.505955216685546e-06, -6.765497805692175e-05,
            1.7013932130488557e-05},
        {0.0014627165866811502, -0.007142319022017982, 0.016070217799542874, -0.02172455369197196,
            0.01908338363633625, -0.010657679165515582, 0.00290435713041379, 0.000670455955356343,
            -0.0009994964272719107, 0.000369381086164474, 1.153034958136253e-05, -6.51506823581935e-05,
            2.194472164632137e-05, 1.5164999359449104e-06},
        {0.00010062192211963724, -0.0005862772470937923, 0.0016122624295072932, -0.002760388705066609,
            0.003258113659793406, -0.0027558084140728244, 0.0016573273880252134, -0.0006460409567512276,
            8.901228719214331e-05, 7.122311801431493e-05, -5.5013835286284066e-05, 1.5843740679499495e-05,
            1.2681253092432668e-06, -2.687131468952656e-06},
        {4.302779463675123e-06, -2.9189025383581733e-05, 9.486433249663875e-05, -0.0001958097119481461,
            0.00028656933775070937, -0.00031379722550312924, 0.0002635285041757942, -0.0001699914133368133,
            8.164763207712718e-05, -2.5913900673472375e-05, 2.328840480316741e-06, 2.865557704931699e-06,
            -1.9043111846332243e-06, 5.336244331841553e-07},
        {1.1372725656977712e-07, -8.814321912317976e-07, 3.305370717149894e-06, -7.969616062397557e-06,
            1.384123987009681e-05, -1.8370974995629414e-05, 1.927272219942407e-05, -1.6275302987042403e-05,
            1.1128193054255004e-05, -6.108869420026458e-06, 2.6041152154208356e-06, -7.756125867485207e-07,
            8.078525577335848e-08, 6.041585276859998e-08},
        {1.8505741373880612e-09, -1.6143993719507204e-08, 6.861197330583845e-08, -1.890192597995592e-07,
            3.7879526983383196e-07, -5.872461797936775e-07, 7.309199654212912e-07, -7.477252231001777e-07,
            6.37834656523887e-07, -4.5700581729818335e-07, 2.7500786094321867e-07, -1.377741503313587e-07,
            5.655309447048697e-08, -1.703091943167985e-08},
        {1.848504772185588e-11, -1.7934357034353256e-10, 8.518819585501894e-10, -2.6378450136141567e-09,
            5.980921403439721e-09, -1.0572396927692433e-08, 1.5144701789651e-08, -1.8036301277976957e-08,
            1.8173468655661378e-08, -1.5675568258151044e-08, 1.1645597137497432e-08, -7.500767558845102e-09,
            4.35232109852286e-09, -2.049854216764062e-09},
        {1.1310313268761733e-13, -1.2084074716093265e-12, 6.3441391965136284e-12, -2.1801684786565257e-11,
            5.511471704429019e-11, -1.0920038803325359e-10, 1.7640269613546945e-10, -2.3860470121491385e-10,
            2.7540126376724834e-10, -2.748828746176984e-10, 2.3888787209141457e-10, -1.834293290048941e-10,
            1.33374243044882e-10, -7.87516422700037e-11},
        {4.232136621291691e-16, -4.9384851411824895e-15, 2.8396288954473957e-14, -1.0720628125956702e-13,
            2.9875278475970634e-13, -6.549692514839024e-13, 1.1756753433806352e-12, -1.775537607069319e-12,
            2.30109051151223e-12, -2.5945550729449734e-12, 2.5585495268186886e-12, -2.2579165888464656e-12,
            1.9637541497887333e-12, -1.3599117789003806e-12}};

    /**
     * The error function within 1 ulp of glibc's (PyTorch's) (Java has no Math.erf), in polynomials only: below
     * |x| = 1, {@code x + x R(x^2)}; from 1 to 5.921875, {@code 1 - P(x)} with P one of ten polynomials for erfc on
     * pieces of width 1/2; 1 from there on, where erfc is below half an ulp of 1. The polynomials are Chebyshev
     * interpolants (degree 13, each within 5e-18 of erfc) computed at 50 digits by
     * {@code engine-cpu/src/test/resources/erf/fit_erf.py}. On a sweep of 230,000 points against 40-digit values no
     * result was more than 1 ulp from the exact value or from PyTorch's, and every float32 result was the exact value
     * rounded; {@code GeluKernelsTest} holds it to PyTorch's values. About 10 ns an element on this project's 2-core
     * machine (1.5 times exp), where the Maclaurin series and erfc's continued fraction it replaces took 90 to 180.
     */
    static double erf(double x) {
        double a = Math.abs(x);
        if (a < 1) {
            return Math.fma(x, horner(ERF_SMALL, x * x), x); // erf(-0) is -0
        }
        if (!(a < 5.921875)) {
            return Double.isNaN(x) ? x : Math.copySign(1.0, x);
        }
        int piece = (int) ((a - 1) * 2);
        return Math.copySign(1 - horner(ERFC_PIECES[piece], a - (1.25 + 0.5 * piece)), x);
    }

    private static double horner(double[] c, double s) {
        double r = c[c.length - 1];
        for (int i = c.length - 2; i >= 0; i--) {
            r = Math.fma(r, s, c[i]);
        }
        return r;
    }

    // ------------------------------------------------------------------ axpy

    /** {@code y += alpha * x} as one fused multiply-add per element (PyTorch's CPU add with alpha uses fmadd). */
    static void axpy(double alpha, CpuStorage x, Layout lx, CpuStorage y, Layout ly) {
        StridedLoop loop = new StridedLoop(ly, lx);
        if (y.dtype == DType.FLOAT32) {
            float a = (float) alpha;
            float[] xs = (float[]) x.array;
            float[] ys = (float[]) y.array;
            loop.run((off, n, st) -> {
                if (LOOPS != null && st[0] == 1 && st[1] == 1) {
                    LOOPS.axpy(a, xs, off[1], ys, off[0], n);
                    return;
                }
                for (int i = 0; i < n; i++) {
                    int yi = off[0] + i * st[0];
                    ys[yi] = Math.fma(a, xs[off[1] + i * st[1]], ys[yi]);
                }
            }, true);
        } else if (HalfLoops.isHalf(y.dtype)) {
            // PyTorch 2.x's add for reduced types converts alpha to the tensor's type (alpha.to<scalar_t>()), then
            // fmadds in float whole vector passes of a contiguous row (Vectorized<Half/BFloat16>::fmadd, rounding
            // once) and computes the rest in the type's arithmetic (two roundings): HalfLoops.axpyRow
            float a = HalfLoops.toFloat(y.dtype, HalfLoops.fromFloat(y.dtype, (float) alpha));
            loop.run((off, n, st) -> HalfLoops.axpyRow(a, x, off[1], st[1], y, off[0], st[0], n), true);
        } else {
            double[] xs = (double[]) x.array;
            double[] ys = (double[]) y.array;
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    int yi = off[0] + i * st[0];
                    ys[yi] = Math.fma(alpha, xs[off[1] + i * st[1]], ys[yi]);
                }
            }, true);
        }
    }

    /**
     * native_dropout's {@code o[i] = (x[xo + i] * m[mo + i]) * scale} in float (the mask's element 1 or 0), the two
     * products of PyTorch's {@code input.mul(mask).mul_(scale)} in one pass, in parallel blocks.
     */
    static void dropoutScale(float[] x, int xo, boolean[] m, int mo, float scale, float[] o, int n) {
        int blocks = (n + SILU_BLOCK - 1) / SILU_BLOCK;
        CpuThreads.parallelFor(blocks, CpuThreads.chunks(blocks, SILU_BLOCK), (task, from, to) -> {
            int end = Math.min(n, to * SILU_BLOCK);
            for (int i = from * SILU_BLOCK; i < end; i++) {
                o[i] = (x[xo + i] * (m[mo + i] ? 1f : 0f)) * scale;
            }
        });
    }

    /** {@link #dropoutScale(float[], int, boolean[], int, float, float[], int)} in double. */
    static void dropoutScale(double[] x, int xo, boolean[] m, int mo, double scale, double[] o, int n) {
        int blocks = (n + SILU_BLOCK - 1) / SILU_BLOCK;
        CpuThreads.parallelFor(blocks, CpuThreads.chunks(blocks, SILU_BLOCK), (task, from, to) -> {
            int end = Math.min(n, to * SILU_BLOCK);
            for (int i = from * SILU_BLOCK; i < end; i++) {
                o[i] = (x[xo + i] * (m[mo + i] ? 1.0 : 0.0)) * scale;
            }
        });
    }

    /**
     * {@code o[i] = min(max(x[xo + i], lo), hi)} for i below n, as PyTorch's clamp kernel: a NaN element stays NaN, an
     * element equal to a bound is kept (-0 stays -0 against 0), {@code lo > hi} gives {@code hi}; the vector loops
     * where present, in parallel blocks.
     */
    static void clampFloat(float[] x, int xo, float lo, float hi, float[] o, int n) {
        int blocks = (n + SILU_BLOCK - 1) / SILU_BLOCK;
        CpuThreads.parallelFor(blocks, CpuThreads.chunks(blocks, SILU_BLOCK), (task, from, to) -> {
            int start = from * SILU_BLOCK;
            int m = Math.min(n, to * SILU_BLOCK) - start;
            if (LOOPS != null) {
                LOOPS.clamp(x, xo + start, lo, hi, o, start, m);
                return;
            }
            for (int i = start; i < start + m; i++) {
                float v = x[xo + i];
                v = v < lo ? lo : v;
                o[i] = v > hi ? hi : v;
            }
        });
    }

    /**
     * The complex {@code a + alpha b} of {@link dev.ember.backend.Backend#complexAdd}: PyTorch's {@code a + (alpha, 0) *
     * b}, computed as {@code (ar + s_re) - 0 bi} and {@code (ai + s_im) + 0 br} with {@code s = alpha b} rounded (not
     * fused), which rounds and signs as PyTorch's order: the zero or NaN terms change a sum only where it is a zero or
     * becomes NaN. One pass over interleaved pairs; the layouts address each element's real part.
     */
    static void complexAdd(double alpha, CpuStorage a, Layout la, CpuStorage b, Layout lb, CpuStorage dst, Layout ld) {
        StridedLoop loop = new StridedLoop(ld, la, lb);
        boolean one = alpha == 1;
        if (dst.dtype == DType.FLOAT32) {
            float al = (float) alpha;
            float[] x = (float[]) a.array;
            float[] y = (float[]) b.array;
            float[] o = (float[]) dst.array;
            boolean vector = LOOPS != null && !scalarComplex();
            loop.run((off, n, st) -> {
                int i = vector && st[0] == 2 && st[1] == 2 && st[2] == 2
                        ? LOOPS.complexAdd(al, x, off[1], y, off[2], o, off[0], n) : 0;
                for (; i < n; i++) {
                    int xi = off[1] + i * st[1];
                    int yi = off[2] + i * st[2];
                    int oi = off[0] + i * st[0];
                    float br = y[yi];
                    float bi = y[yi + 1];
                    float sr = one ? br : al * br;
                    float si = one ? bi : al * bi;
                    o[oi] = (x[xi] + sr) - 0.0f * bi;
                    o[oi + 1] = (x[xi + 1] + si) + 0.0f * br;
                }
            }, true);
        } else {
            double[] x = (double[]) a.array;
            double[] y = (double[]) b.array;
            double[] o = (double[]) dst.array;
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    int xi = off[1] + i * st[1];
                    int yi = off[2] + i * st[2];
                    int oi = off[0] + i * st[0];
                    double br = y[yi];
                    double bi = y[yi + 1];
                    double sr = one ? br : alpha * br;
                    double si = one ? bi : alpha * bi;
                    o[oi] = (x[xi] + sr) - 0.0 * bi;
                    o[oi + 1] = (x[xi + 1] + si) + 0.0 * br;
                }
            }, true);
        }
    }

    /**
     * {@code -Dember.complex.oldLoops=true} (for before/after timings only): the complex paths before session 51's
     * vector loops -- add and exp take the scalar loop on contiguous runs too (the same bits), and the engine composes
     * the complex product from real ops. Read at each call, so that {@code OpSweepAlternate} can alternate it in one JVM.
     */
    static boolean scalarComplex() {
        return Boolean.getBoolean("ember.complex.oldLoops");
    }

    /**
     * The complex product of {@link dev.ember.backend.Backend#complexMul}: per run (a row of the strided loop, whose
     * layouts address each element's real part), PyTorch's vectorized form on the whole passes of a run that its
     * {@code cpu_kernel_vec} vectorizes (the output and both operands contiguous, or one operand a broadcast element:
     * {@code is_contiguous_scalar}) and c10::complex's scalar form, with GCC's fused multiply-adds, on the rest (the
     * last {@code n mod pass} pairs, strided runs: PyTorch's strided loop has them everywhere; its contiguous tails,
     * auto-vectorized by its compiler, in whole groups of elements only, the rest with the rounded products, a pattern
     * of one build that this kernel does not copy: ComplexMulBitsTest). A pass is two {@code Vectorized<c10::complex>}: 16 complex64 or 8
     * complex128 pairs on AVX512, half that on AVX2 ({@link SleefFloat#PASS} floats). The vectorized form on whole
     * float vectors goes through {@link FloatLoops#complexMul}. On DEFAULT (no fused multiply-adds in PyTorch's build)
     * every element takes the vectorized form's arithmetic.
     */
    static void complexMul(CpuStorage a, Layout la, CpuStorage b, Layout lb, CpuStorage dst, Layout ld) {
        StridedLoop loop = new StridedLoop(ld, la, lb);
        if (dst.dtype == DType.FLOAT32) {
            float[] x = (float[]) a.array;
            float[] y = (float[]) b.array;
            float[] o = (float[]) dst.array;
            boolean vector = LOOPS != null && !scalarComplex();
            boolean byPair = vector && !scalarBroadcastMul();
            loop.run((off, n, st) -> {
                int v = !FUSED_SCALAR_MUL ? n : vectorForm(st) ? SleefFloat.vectorPart(2 * n) / 2 : 0;
                int i = vector && st[0] == 2 && st[1] == 2 && st[2] == 2
                        ? LOOPS.complexMul(x, off[1], y, off[2], o, off[0], v)
                        : !byPair || st[0] != 2 ? 0
                        : st[1] == 2 && st[2] == 0 ? LOOPS.complexMulByPair(x, off[1], y[off[2]], y[off[2] + 1], false,
                                o, off[0], v)
                        : st[1] == 0 && st[2] == 2 ? LOOPS.complexMulByPair(y, off[2], x[off[1]], x[off[1] + 1], true,
                                o, off[0], v) : 0;
                for (; i < n; i++) {
                    int xi = off[1] + i * st[1];
                    int yi = off[2] + i * st[2];
                    int oi = off[0] + i * st[0];
                    float ar = x[xi];
                    float ai = x[xi + 1];
                    float br = y[yi];
                    float bi = y[yi + 1];
                    if (i < v) {
                        o[oi] = ar * br - ai * bi;
                        o[oi + 1] = ar * bi + ai * br;
                    } else {
                        o[oi] = Math.fma(ar, br, -(ai * bi));
                        o[oi + 1] = Math.fma(ar, bi, ai * br);
                    }
                }
            }, true);
        } else {
            double[] x = (double[]) a.array;
            double[] y = (double[]) b.array;
            double[] o = (double[]) dst.array;
            loop.run((off, n, st) -> {
                int v = !FUSED_SCALAR_MUL ? n : vectorForm(st) ? SleefFloat.vectorPart(4 * n) / 4 : 0;
                for (int i = 0; i < n; i++) {
                    int xi = off[1] + i * st[1];
                    int yi = off[2] + i * st[2];
                    int oi = off[0] + i * st[0];
                    double ar = x[xi];
                    double ai = x[xi + 1];
                    double br = y[yi];
                    double bi = y[yi + 1];
                    if (i < v) {
                        o[oi] = ar * br - ai * bi;
                        o[oi + 1] = ar * bi + ai * br;
                    } else {
                        o[oi] = Math.fma(ar, br, -(ai * bi));
                        o[oi + 1] = Math.fma(ar, bi, ai * br);
                    }
                }
            }, true);
        }
    }

    /**
     * {@code -Dember.complex.scalarBroadcastMul=true} (read per call, for before/after timings): a complex64 run whose
     * one factor is a broadcast element ({@code z * w} with {@code w} 0-dim, or broadcast along the last dimension) takes
     * the scalar loop on every pair, as before session 63, instead of {@link FloatLoops#complexMulByPair} on its whole
     * vectors (the same products in the same order, so the same bits).
     */
    static boolean scalarBroadcastMul() {
        return Boolean.getBoolean("ember.complex.scalarBroadcastMul");
    }

    /**
     * Whether PyTorch's scalar complex product has fused multiply-adds on this capability (GCC contracts it where the
     * build targets FMA: not on DEFAULT, where both forms round each product).
     */
    private static final boolean FUSED_SCALAR_MUL =
            dev.ember.backend.CpuCapability.fusesMultiplyAdd(dev.ember.backend.CpuCapability.value());

    /**
     * Whether PyTorch's {@code cpu_kernel_vec} runs its vectorized loop on a run of a binary op with these strides (in
     * real units, 2 = contiguous pairs): the output contiguous and both operands contiguous, or one of them a broadcast
     * element (stride 0) and the other contiguous.
     */
    private static boolean vectorForm(int[] st) {
        return st[0] == 2 && (st[1] == 2 && (st[2] == 2 || st[2] == 0) || st[1] == 0 && st[2] == 2);
    }

    /** Elements per block of {@link #siluFloat}: the sigmoid pass's output is still in cache for the second pass. */
    private static final int SILU_BLOCK = 4096;

    /**
     * silu's forward ({@code g} null) or backward over n elements from {@code off} of each array, in parallel blocks
     * of {@link #SILU_BLOCK} (a multiple of {@link SleefFloat#PASS}, so only the last block has a scalar tail, as
     * PyTorch's one-thread run): PyTorch's kernels ({@link #siluRun}). With
     * {@code -Dember.cpu.exactTranscendentals=true} the composed ops' bits as before: {@code o = x * s} or
     * {@code o = (g * s) * fma(x, 1 - s, 1)} with {@code s = sigmoid(x)} from {@link #unaryFloat} (sigmoid, then the
     * products and addcmul's contraction, each rounded to float).
     */
    static void siluFloat(float[] g, float[] x, float[] o, int off, int n) {
        int blocks = (n + SILU_BLOCK - 1) / SILU_BLOCK;
        boolean exact = SleefFloat.exact();
        CpuThreads.parallelFor(blocks, CpuThreads.chunks(blocks, SILU_BLOCK), (task, from, to) -> {
            for (int b = from; b < to; b++) {
                int start = off + b * SILU_BLOCK;
                int m = Math.min(SILU_BLOCK, off + n - start);
                if (!exact) {
                    siluRun(g, start, 1, x, start, 1, o, start, 1, m);
                    continue;
                }
                unaryFloat(UnaryOp.SIGMOID, x, start, 1, o, start, 1, m);
                if (g == null) {
                    for (int i = start; i < start + m; i++) {
                        o[i] = x[i] * o[i];
                    }
                } else {
                    for (int i = start; i < start + m; i++) {
                        float s = o[i];
                        o[i] = (g[i] * s) * Math.fma(x[i], 1f - s, 1f);
                    }
                }
            }
        });
    }

    /**
     * silu ({@code g} null) or silu_backward of one run as PyTorch's kernels ({@code silu_kernel},
     * {@code silu_backward_kernel}): on a contiguous run Sleef's exp over the vector part
     * ({@link SleefFloat#vectorPart}) and the C library's exp ({@link LibmFloat#exp}) over the rest, on
     * a strided one the latter throughout (PyTorch's scalar loop): {@code x / (1 + exp(-x))}, or
     * {@link SleefFloat#siluBackward} with {@code s = 1 / (1 + exp(-x))}.
     */
    static void siluRun(float[] g, int go, int gs, float[] x, int xo, int xs, float[] o, int oo, int os, int n) {
        // a broadcast gradient (stride 0) is a scalar operand of PyTorch's vectorized loop
        boolean contiguous = (g == null || gs == 1 || gs == 0) && xs == 1 && os == 1;
        if (contiguous && LOOPS != null) {
            LOOPS.silu(g, go, g == null ? 1 : gs, x, xo, o, oo, n);
            return;
        }
        int sleefPart = contiguous ? SleefFloat.vectorPart(n) : 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i * xs];
            if (g == null) {
                o[oo + i * os] = i < sleefPart ? SleefFloat.silu(v) : SleefFloat.siluLibm(v);
            } else {
                float s = i < sleefPart ? SleefFloat.siluSigmoid(v) : SleefFloat.sigmoidLibm(v);
                o[oo + i * os] = SleefFloat.siluBackward(g[go + i * gs], v, s);
            }
        }
    }

    /**
     * {@code y += value * t1 * t2} in place, t1 and t2 broadcast to y's shape: PyTorch's x86 addcmul kernel
     * ({@code self + scalar * t1 * t2} compiled with FMA contraction), {@code fma(value * t1, t2, y)} with the number
     * in the type; float16 and bfloat16 compute in float32 with the number as a float and round once (2.x's reduced
     * path).
     */
    static void addcmul(double value, CpuStorage x1, Layout l1, CpuStorage x2, Layout l2, CpuStorage y, Layout ly) {
        StridedLoop loop = new StridedLoop(ly, l1, l2);
        if (y.dtype == DType.FLOAT32) {
            float v = (float) value;
            float[] a = (float[]) x1.array;
            float[] b = (float[]) x2.array;
            float[] ys = (float[]) y.array;
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    int yi = off[0] + i * st[0];
                    ys[yi] = Math.fma(v * a[off[1] + i * st[1]], b[off[2] + i * st[2]], ys[yi]);
                }
            }, true);
        } else if (y.dtype == DType.FLOAT64) {
            double[] a = (double[]) x1.array;
            double[] b = (double[]) x2.array;
            double[] ys = (double[]) y.array;
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    int yi = off[0] + i * st[0];
                    ys[yi] = Math.fma(value * a[off[1] + i * st[1]], b[off[2] + i * st[2]], ys[yi]);
                }
            }, true);
        } else if (HalfLoops.isHalf(y.dtype)) {
            DType t = y.dtype;
            float v = (float) value;
            short[] a = (short[]) x1.array;
            short[] b = (short[]) x2.array;
            short[] ys = (short[]) y.array;
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    int yi = off[0] + i * st[0];
                    float r = Math.fma(v * HalfLoops.toFloat(t, a[off[1] + i * st[1]]),
                            HalfLoops.toFloat(t, b[off[2] + i * st[2]]), HalfLoops.toFloat(t, ys[yi]));
                    ys[yi] = HalfLoops.fromFloat(t, r);
                }
            }, true);
        } else {
            throw new IllegalArgumentException("addcmul takes float32, float64, float16 or bfloat16, got " + y.dtype);
        }
    }

    // ------------------------------------------------------------------ binary

    /**
     * {@code a op scalar} (or {@code scalar op a}) for contiguous float32 below the parallel grain: one loop on the
     * calling thread (a Java number in arithmetic, the autograd chain's every op). Returns false for anything else,
     * which the Backend's default broadcasts through {@link #binary}.
     */
    static boolean binaryScalar(BinaryOp op, CpuStorage a, Layout la, Number scalar, boolean scalarFirst,
                                CpuStorage dst, Layout ld) {
        if (HalfLoops.isHalf(a.dtype)) {
            float v = scalar.floatValue();
            StridedLoop loop = new StridedLoop(ld, la);
            if (op.isPredicate()) {
                // the number converted to the tensor's type first, as TensorIterator converts a CPU scalar
                double c = HalfLoops.toFloat(a.dtype, HalfLoops.fromFloat(a.dtype, v));
                boolean[] o = (boolean[]) dst.array;
                loop.run((off, n, st) -> {
                    for (int i = 0; i < n; i++) {
                        double x = a.getDouble(off[1] + i * st[1]);
                        o[off[0] + i * st[0]] = scalarFirst ? predicate(op, c, x) : predicate(op, x, c);
                    }
                }, true);
            } else {
                loop.run((off, n, st) -> HalfLoops.binaryScalarRow(op, a, off[1], st[1], v, scalarFirst, dst, off[0], st[0], n),
                        true);
            }
            return true;
        }
        if (op == BinaryOp.POW && !scalarFirst && scalar instanceof Double && a.dtype == DType.FLOAT32
                && dst.dtype == DType.FLOAT32) {
            powFloatDoubleExponent(a, la, scalar.doubleValue(), dst, ld);
            return true;
        }
        if (a.dtype != DType.FLOAT32 || dst.dtype != DType.FLOAT32 || op.isPredicate()
                || ld.numel() >= 2 * StridedLoop.PARALLEL_GRAIN || !la.isContiguous() || !ld.isContiguous()) {
            return false;
        }
        float[] s = {scalar.floatValue()};
        float[] x = (float[]) a.array;
        float[] o = (float[]) dst.array;
        int n = ld.numelInt();
        if (scalarFirst) {
            binaryFloat(op, s, 0, 0, x, la.offset(), 1, o, ld.offset(), 1, n);
        } else {
            binaryFloat(op, x, la.offset(), 1, s, 0, 0, o, ld.offset(), 1, n);
        }
        return true;
    }

    /**
     * float32 {@code x ** y} for an exponent a float cannot hold, as PowKernel.cpp's
     * {@code pow_tensor_scalar_optimized_kernel<float, double>} under {@code cpu_kernel_vec}: in each contiguous (or
     * broadcast) run, the whole passes go through Sleef's powf with the exponent rounded to float
     * ({@code Vec::pow(float(exp))}), the rest and strided runs through {@code std::pow(float, double)}, the exponent
     * as given (so {@code (-1) ** 16777217.0} is 1 in the passes and -1 in the rest, {@code 0 ** 1e-320} 1 and 0).
     * {@code -Dember.cpu.exactTranscendentals=true}: every element through the double form, as before.
     */
    private static void powFloatDoubleExponent(CpuStorage a, Layout la, double y, CpuStorage dst, Layout ld) {
        float[] x = (float[]) a.array;
        float[] o = (float[]) dst.array;
        float[] yf = {(float) y};
        boolean exact = SleefFloat.exact();
        new StridedLoop(ld, la).run((off, n, st) -> {
            int xo = off[1];
            int xs = st[1];
            int oo = off[0];
            int os = st[0];
            int body = 0;
            if (os == 1 && (xs == 0 || xs == 1) && !exact) {
                body = SleefFloat.vectorPart(n);
                if (LOOPS != null) {
                    LOOPS.pow(x, xo, xs, yf, 0, 0, o, oo, body);
                } else {
                    for (int i = 0; i < body; i++) {
                        o[oo + i] = SleefPowFloat.pow(x[xo + i * xs], yf[0]);
                    }
                }
            }
            for (int i = body; i < n; i++) {
                o[oo + i * os] = (float) pow(x[xo + i * xs], y);
            }
        }, true);
    }

    static void binary(BinaryOp op, CpuStorage a, Layout la, CpuStorage b, Layout lb, CpuStorage dst, Layout ld) {
        StridedLoop loop = new StridedLoop(ld, la, lb);
        if (op.isPredicate()) {
            boolean[] o = (boolean[]) dst.array;
            boolean typed = !Boolean.getBoolean("ember.cpu.predicate.generic");
            if (typed && a.dtype == DType.FLOAT32 && b.dtype == DType.FLOAT32) {
                // typed reads instead of getDouble's per-element dispatch (x > y of a float widened to double is x > y):
                // the comparison of leaky_relu/elu's compositions took 10x their other passes (session 55)
                float[] x = (float[]) a.array;
                float[] y = (float[]) b.array;
                loop.run((off, n, st) -> {
                    for (int i = 0; i < n; i++) {
                        o[off[0] + i * st[0]] = predicate(op, x[off[1] + i * st[1]], y[off[2] + i * st[2]]);
                    }
                }, true);
                return;
            }
            if (typed && a.dtype == DType.FLOAT64 && b.dtype == DType.FLOAT64) {
                double[] x = (double[]) a.array;
                double[] y = (double[]) b.array;
                loop.run((off, n, st) -> {
                    for (int i = 0; i < n; i++) {
                        o[off[0] + i * st[0]] = predicate(op, x[off[1] + i * st[1]], y[off[2] + i * st[2]]);
                    }
                }, true);
                return;
            }
            // -Dember.cpu.predicate.genericIntegral=true (read per call): bool and int64 operands through the generic
            // loop below, as before session 57
            boolean typedIntegral = typed && !Boolean.getBoolean("ember.cpu.predicate.genericIntegral");
            if (typedIntegral && a.dtype == DType.BOOL && b.dtype == DType.BOOL) {
                // bool operands read as booleans, the op chosen once a run: getDouble's per-element dispatch made
                // logical_and of two [16,128,512] masks (clamp's backward) 5.9-7 ms at two threads (session 57)
                boolean[] x = (boolean[]) a.array;
                boolean[] y = (boolean[]) b.array;
                loop.run((off, n, st) -> predicateBoolRun(op, x, off[1], st[1], y, off[2], st[2], o, off[0], st[0], n),
                        true);
                return;
            }
            if (typedIntegral && a.dtype == DType.INT64 && b.dtype == DType.INT64) {
                long[] x = (long[]) a.array;
                long[] y = (long[]) b.array;
                loop.run((off, n, st) -> {
                    for (int i = 0; i < n; i++) {
                        o[off[0] + i * st[0]] = predicateLong(op, x[off[1] + i * st[1]], y[off[2] + i * st[2]]);
                    }
                }, true);
                return;
            }
            boolean integral = a.dtype.isIntegral();
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    int ai = off[1] + i * st[1];
                    int bi = off[2] + i * st[2];
                    o[off[0] + i * st[0]] = integral
                            ? predicateLong(op, a.getLong(ai), b.getLong(bi))
                            : predicate(op, a.getDouble(ai), b.getDouble(bi));
                }
            }, true);
            return;
        }
        switch (a.dtype) {
            case FLOAT32: {
                float[] x = (float[]) a.array;
                float[] y = (float[]) b.array;
                float[] o = (float[]) dst.array;
                if (broadcastRows(op, loop, x, y, o)) {
                    return;
                }
                loop.run((off, n, st) -> binaryFloat(op, x, off[1], st[1], y, off[2], st[2], o, off[0], st[0], n), true);
                return;
            }
            case FLOAT64: {
                double[] x = (double[]) a.array;
                double[] y = (double[]) b.array;
                double[] o = (double[]) dst.array;
                loop.run((off, n, st) -> {
                    for (int i = 0; i < n; i++) {
                        o[off[0] + i * st[0]] = applyBinary(op, x[off[1] + i * st[1]], y[off[2] + i * st[2]]);
                    }
                }, true);
                return;
            }
            case INT64: {
                long[] x = (long[]) a.array;
                long[] y = (long[]) b.array;
                long[] o = (long[]) dst.array;
                loop.run((off, n, st) -> {
                    for (int i = 0; i < n; i++) {
                        o[off[0] + i * st[0]] = applyLong(op, x[off[1] + i * st[1]], y[off[2] + i * st[2]]);
                    }
                }, true);
                return;
            }
            case FLOAT16:
            case BFLOAT16:
                loop.run((off, n, st) -> HalfLoops.binaryRow(op, a, off[1], st[1], b, off[2], st[2], dst, off[0], st[0], n),
                        true);
                return;
            case INT32:
            case INT16:
            case INT8:
            case UINT8:
                loop.run((off, n, st) -> NarrowLoops.binaryRow(op, a, off[1], st[1], b, off[2], st[2], dst, off[0], st[0], n),
                        true);
                return;
            default: {
                boolean[] x = (boolean[]) a.array;
                boolean[] y = (boolean[]) b.array;
                boolean[] o = (boolean[]) dst.array;
                loop.run((off, n, st) -> {
                    for (int i = 0; i < n; i++) {
                        o[off[0] + i * st[0]] = applyBool(op, x[off[1] + i * st[1]], y[off[2] + i * st[2]]);
                    }
                }, true);
            }
        }
    }

    /**
     * A float32 add, sub, mul or div whose merged iteration is rows of contiguous runs in every operand ({@code x + b}
     * of {@code [16, 128, 512]} and a bias {@code [512]}: 2048 rows of 512, the bias row's stride 0): the rows go to
     * {@link FloatLoops#binaryRows} a block at a time, one call per block instead of a row kernel, {@link #binaryFloat}'s
     * dispatch and the odometer per row; each element the same expression, the same blocks of rows per task. False
     * where it does not apply; {@code -Dember.binary.rowByRow=true} (read per call) keeps the row-by-row loop.
     */
    private static boolean broadcastRows(BinaryOp op, StridedLoop loop, float[] x, float[] y, float[] o) {
        if (LOOPS == null || loop.strides == null || loop.shape.length != 2 || loop.rowLength < 32
                || (op != BinaryOp.ADD && op != BinaryOp.SUB && op != BinaryOp.MUL && op != BinaryOp.DIV)
                || Boolean.getBoolean("ember.binary.rowByRow")) {
            return false;
        }
        int[][] st = loop.strides;
        if (st[0][1] != 1 || st[1][1] != 1 || st[2][1] != 1) {
            return false;
        }
        int rows = loop.rows;
        int n = loop.rowLength;
        int os = st[0][0];
        int xs = st[1][0];
        int ys = st[2][0];
        int oo = loop.offsets[0];
        int xo = loop.offsets[1];
        int yo = loop.offsets[2];
        CpuThreads.parallelFor(rows, CpuThreads.chunks(rows, n), (task, from, to) ->
                LOOPS.binaryRows(op, x, xo + from * xs, xs, y, yo + from * ys, ys, o, oo + from * os, os, to - from, n));
        return true;
    }

    /** Vectorized contiguous float32 loops; {@code false} means "not handled, use the plain loop". */
    interface FloatLoops {
        boolean binary(BinaryOp op, float[] x, int xo, float[] y, int yo, float[] o, int oo, int n);

        boolean binaryScalar(BinaryOp op, float[] x, int xo, float s, float[] o, int oo, int n);

        /**
         * {@link #binary} on {@code rows} rows of {@code n}, row r at {@code xo + r * xr}, {@code yo + r * yr} and
         * {@code oo + r * or} (a stride 0 repeats a row: a broadcast bias), in row order; ADD, SUB, MUL and DIV only.
         */
        void binaryRows(BinaryOp op, float[] x, int xo, int xr, float[] y, int yo, int yr, float[] o, int oo, int or,
                        int rows, int n);

        /**
         * {@code o[oo + i] = s op y[yo + i]} (the number first: {@code 1 - y}, {@code 2 / y}) for ADD, SUB, MUL and DIV,
         * each element the same expression as the plain loop's; {@code false} for any other op.
         */
        boolean scalarFirst(BinaryOp op, float s, float[] y, int yo, float[] o, int oo, int n);

        void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n);

        /**
         * Whether every one of {@code a[off:off+n]} lies in {@code [0, bound)}: one pass without a branch per element
         * (the sign bits of {@code v} and {@code bound - 1 - v} OR-ed over the run), for the index checks.
         */
        boolean indicesInRange(long[] a, int off, int n, long bound);

        /**
         * {@code o[oo:oo+n] = sqrt(x[xo:xo+n])} rounded to float (the bits of {@code (float) Math.sqrt(x)}), or
         * {@code 1f / sqrt} when {@code reciprocal}; false if not handled.
         */
        boolean sqrt(boolean reciprocal, float[] x, int xo, float[] o, int oo, int n);

        /**
         * {@code o[oo:oo+n]} = the floats {@code x[xo:xo+n]} rounded to bfloat16 (the bits of
         * {@code BFloat16.fromFloat}: to nearest, ties to even, NaN to 0x7FC0); returns how many leading elements it
         * did (whole vectors; the caller does the rest).
         */
        int floatsToBFloat16(float[] x, int xo, short[] o, int oo, int n);

        /**
         * {@code o[oo + i] = c[co + i] ? x[xo + i * xs] : y[yo + i * ys]} for a dense condition and output, each
         * operand dense (stride 1) or one number (stride 0), at least one of them dense: the bits as they are, on vector
         * lanes with a blend instead of a branch per element; returns how many leading elements it did.
         */
        int where(boolean[] c, int co, float[] x, int xo, int xs, float[] y, int yo, int ys, float[] o, int oo, int n);

        /** {@code o[oo:oo+n]} = the bfloat16 bits {@code x[xo:xo+n]} widened to float (exact); returns how many it did. */
        int bfloat16ToFloats(short[] x, int xo, float[] o, int oo, int n);

        float dot(float[] x, int xo, float[] y, int yo, int n);

        /**
         * Four dot products of x ({@code x[xo + p]}) with four columns of B ({@code b[bj + p]}), p below n, into
         * {@code out[0..4)}: each the bits of {@link #dot} of that column (the same two accumulators, the same lane
         * order, the same tail), with x loaded once for the four and their lane sums interleaved instead of one after
         * another. {@code out} holds at least four vectors of floats (it is the scratch of the lane sums).
         */
        void dots1x4(float[] x, int xo, float[] b, int b0, int b1, int b2, int b3, int n, float[] out);

        /** The floats {@link #dots1x4}'s {@code out} must hold. */
        int dots1x4Scratch();

        /**
         * The eight dot products of two rows of A ({@code a[a0 + p]}, {@code a[a1 + p]}) with four columns of B
         * ({@code b[bj + p]}), p below n, into {@code out[0..8)} row by row: six loads feed eight multiply-adds, where
         * a lone dot product loads two for one. {@code out} holds at least {@link #dots2x4Scratch} floats (the scratch
         * of the lane sums).
         */
        void dots2x4(float[] a, int a0, int a1, float[] b, int b0, int b1, int b2, int b3, int n, float[] out);

        /** The floats {@link #dots2x4}'s {@code out} must hold. */
        int dots2x4Scratch();

        /** {@code y[yo:yo+n] = x[xo:xo+n]} for short runs, where arraycopy's call costs more than the copy. */
        void copy(float[] x, int xo, float[] y, int yo, int n);

        /** {@code y[yo:yo+n] += x[xo:xo+n]}. */
        void addTo(float[] x, int xo, float[] y, int yo, int n);

        /**
         * Copies {@code runs} runs of {@code len} floats, run {@code r} from {@code x[xo + r*xs]} to
         * {@code y[yo + r*ys]}, as im2col's rows of a stride-1 convolution. For runs shorter than a vector it may
         * store a whole vector at each run's start, so up to one vector past a run's end is overwritten with what
         * follows in {@code x}: the caller writes runs at increasing addresses, writes those places later, and keeps
         * one vector of slack after the last run. It reads {@code x} only inside the array.
         */
        void copyRuns(float[] x, int xo, int xs, float[] y, int yo, int ys, int runs, int len);

        /** {@code o[oo:oo+n] = relu(x[xo:xo+n])}, {@code x < 0 ? 0 : x} (-0 and NaN kept); false if not handled. */
        boolean relu(float[] x, int xo, float[] o, int oo, int n);

        /**
         * One row of 2x2, stride 2 max pooling: the {@code ow} windows over input rows {@code r0} and {@code r0 + w}
         * into {@code o[oo:oo+ow]}, and when {@code ind} is not null each maximum's index {@code at + 2 * xo +}
         * (0, 1, w or w + 1) into {@code ind[oo:oo+ow]}. The first maximum wins ties. Returns how many leading
         * windows it wrote: it stops before a group of windows holding a NaN and leaves rows narrower than a vector
         * alone, for the scalar kernel to finish.
         */
        int maxPool2x2Row(float[] x, int r0, int w, float[] o, int oo, long[] ind, byte[] codes, int at, int ow);

        /**
         * The input gradient under one row of 2x2, stride 2 max pooling, from the window codes (0 1 / 2 3) the forward
         * saved: columns {@code [0, 2 * ow)} of input rows {@code top} and {@code top + w} of {@code d} written whole,
         * each window's gradient {@code g[go + i]} (plus zero, as PyTorch's sum into a zeroed input gradient: -0
         * becomes +0) at its code's position and zero at its other three. False, writing nothing, for rows narrower
         * than a vector.
         */
        boolean maxPool2x2RowBackward(float[] g, int go, byte[] codes, float[] d, int top, int w, int ow);

        /** {@code x[xo:xo+n] *= s}. */
        void scale(float[] x, int xo, int n, float s);

        /** The largest of {@code x[xo:xo+n]}, NaN if one is NaN, {@code -inf} when n is 0. */
        float max(float[] x, int xo, int n);

        /**
         * The first i in {@code [from, to)} with {@code x[i]} beyond t: not {@code <= t} (above t, or NaN) when
         * {@code above}, else {@code < t}; {@code to} if none (topk's search for the elements that enter its heap).
         */
        int firstBeyond(float[] x, int from, int to, float t, boolean above);

        /**
         * The sum of {@code x[xo:xo+n]} in double (each float widened exactly), in lane-wise partial sums combined in an
         * order fixed by the vector width, so the same bits in every JIT tier; 0 when n is 0.
         */
        double sumWidened(float[] x, int xo, int n);

        /**
         * {@link #sumWidened(float[], int, int)}, the same bits: with {@code swapHalves} each vector's upper half is
         * brought down by a cross-lane permute before it widens (the old loop, kept for before/after runs), without
         * it by a second, overlapping load where that stays inside {@code x}.
         */
        double sumWidened(float[] x, int xo, int n, boolean swapHalves);

        /**
         * The largest ({@code max}) or smallest of {@code x[xo:xo+n]} as Java's {@code Math.max}/{@code min} fold it
         * (NaN if one is NaN, +0 above -0), {@code -inf} ({@code +inf}) when n is 0.
         */
        float extreme(boolean max, float[] x, int xo, int n);

        /**
         * {@link #extreme(boolean, float[], int, int)}, the same bits, by order-preserving integer keys: each float's
         * bits with the lower 31 flipped when the sign is set compare as signed ints in the float order (-0 below +0),
         * so the vector loop is integer max and min (one cycle each) instead of Java's float max, a sequence of blends
         * and compares; a NaN shows as a key beyond an infinity's and sends the run to the float fold.
         */
        float extremeByKeys(boolean max, float[] x, int xo, int n);

        /** {@link #extreme(boolean, float[], int, int)} for doubles. */
        double extreme(boolean max, double[] x, int xo, int n);

        /**
         * {@code sum a[j]} for j below n, in lane-wise partial sums combined in an order fixed by the vector width (the
         * same bits in every JIT tier and for the same row wherever it came from); 0 when n is 0.
         */
        double sum(double[] a, int n);

        /** {@code sum (a[j] - mu)^2} for j below n, in partial sums as {@link #sum(double[], int)}. */
        double centredSquares(double[] a, int n, double mu);

        /** {@code sum a[j] b[j]} for j below n, in partial sums as {@link #sum(double[], int)}. */
        double dot(double[] a, double[] b, int n);

        /**
         * Layer norm's backward, first pass over a float32 row, in double: {@code xh[j] = (x[xo + j] - mu) r},
         * {@code dh[j] = g[go + j] w[j]}, {@code accW[j] += g[go + j] xh[j]}, {@code accB[j] += g[go + j]}: the
         * operations of NormKernels' scalar pass, so the same bits.
         */
        void normBackwardRow(float[] x, int xo, float[] g, int go, double[] w, double mu, double r, double[] xh,
                             double[] dh, double[] accW, double[] accB, int n);

        /**
         * Layer and RMS norm's output row: {@code o[oo + j] = (float) ((row[j] - mu) r w[j] + b[j])}, the weight's
         * product left out where w is null and the bias's sum where b is null; the operations of NormKernels'
         * scalar passes in their order, so the same bits.
         */
        void normForwardOut(double[] row, double mu, double r, double[] w, double[] b, float[] o, int oo, int n);

        /**
         * {@link #normForwardOut(double[], double, double, double[], double[], float[], int, int)} of the row
         * {@code x[xo, xo + n)} widened to doubles (exactly), read from the floats: the same bits, with no row of
         * doubles written and read back.
         */
        void normForwardOut(float[] x, int xo, double mu, double r, double[] w, double[] b, float[] o, int oo, int n);

        /**
         * {@link #centredSquares(double[], int, double)} ({@code centred}) or {@link #sum(double[], int)} of the row
         * {@code x[xo, xo + n)} widened to doubles (exactly), read from the floats: the same partial sums in the same
         * order, so the same bits, with no row of doubles written and read back. {@code scratch} holds at least
         * {@link #WIDENED_SCRATCH} doubles (its contents are overwritten).
         */
        double sumOfWidened(float[] x, int xo, int n, double mu, boolean centred, double[] scratch);

        /**
         * The unfused lanes of {@code NormKernels.addMomentsLanes} in one vector: for k below lanes,
         * {@code d = a1[o1 + k] - stk1[s + k]}, {@code stk1[s + k] = c d + stk1[s + k]} and
         * {@code stk2[s + k] = stk2[s + k] + ((d d c) m0 + a2[o2 + k])}, each operation rounded; false (nothing done)
         * where this machine's float vector does not hold exactly {@code lanes} floats.
         */
        boolean addMomentsLanes(float c, float m0, float[] a1, int o1, float[] a2, int o2, float[] stk1, float[] stk2,
                                int s, int lanes);

        /** The doubles {@link #sumOfWidened}'s scratch holds: four accumulators of the widest double vector (8 lanes). */
        int WIDENED_SCRATCH = 32;

        /**
         * One float32 row of {@code NormKernels.layerNormBackwardFloat} on a build that fuses (the x86 ones) with
         * {@code lanes} lanes per sum: {@code NormKernels.layerNormBackwardRow}'s operations in its order per lane,
         * so the same bits; false (nothing done) where this machine's vectors cannot hold {@code lanes} floats.
         */
        boolean layerNormBackwardRow(float[] x, int xo, float[] g, int go, float[] w, float mu, float a, float scale,
                                     float[] dx, int dxo, float[] bw, float[] bb, int n, int lanes, float[] acc);

        /**
         * {@link #layerNormBackwardRow} with the weight and bias terms and the lane sums in one loop over the row (the
         * same operations per element and the same order per sum, so the same bits), for a row with a weight, both
         * parameter buffers, an input gradient and at least {@code lanes} elements; false (nothing done) otherwise.
         */
        boolean layerNormBackwardRowOnePass(float[] x, int xo, float[] g, int go, float[] w, float mu, float a,
                                            float scale, float[] dx, int dxo, float[] bw, float[] bb, int n, int lanes,
                                            float[] acc);

        /**
         * {@code NormKernels.rowMoments} unfused (the same operations per lane, so the same bits) where this
         * machine's vectors hold {@code lanes} floats or twice that (two chunks at once); {@code chunk} holds
         * {@code 16 lanes} floats; false (nothing done) otherwise or where {@code fused}.
         */
        boolean rowMoments(float[] x, int xo, int n, int lanes, boolean fused, float[] stk1, float[] stk2, long[] cnt,
                           float[] chunk, float[] res);

        /**
         * {@code NormKernels.layerNormOutRow} with an output of unit stride and both parameters given (ones and zeros
         * standing for a missing one): the same operations, so the same bits.
         */
        void layerNormOut(float[] x, int xo, float scale, float bias, float[] w, float[] b, float[] o, int oo, int n,
                          boolean fused);

        /** {@code ElementwiseKernels.clampFloat}'s loop: {@code o[oo + i] = min(max(x[xo + i], lo), hi)}, i below n. */
        void clamp(float[] x, int xo, float lo, float hi, float[] o, int oo, int n);

        /** Layer norm's input gradient: {@code o[oo + j] = (float) (r (dh[j] - m1 - xh[j] m2))}. */
        void normBackwardOut(double[] dh, double[] xh, double r, double m1, double m2, float[] o, int oo, int n);

        /** {@code d[j] = x[xo + j]} for j below n, each float widened exactly. */
        void widen(float[] x, int xo, double[] d, int n);

        /** {@code o[oo + j] = (float) d[j]} for j below n (round to nearest even). */
        void narrow(double[] d, float[] o, int oo, int n);

        /** {@code acc[j] += x[xo + j]} for j below n, each float widened exactly. */
        void addWidened(float[] x, int xo, double[] acc, int n);

        /**
         * {@code acc[j] = (((acc[j] + x[o0 + j]) + x[o1 + j]) + x[o2 + j]) + x[o3 + j]} for j below n, each float widened
         * exactly: four {@link #addWidened} calls in that order (the same bits), with each accumulator loaded and stored
         * once instead of four times.
         */
        void addWidened4(float[] x, int o0, int o1, int o2, int o3, double[] acc, int n);

        /**
         * {@link #addWidened4(float[], int, int, int, int, double[], int)}, the same bits: {@code swapHalves} as in
         * {@link #sumWidened(float[], int, int, boolean)}.
         */
        void addWidened4(float[] x, int o0, int o1, int o2, int o3, double[] acc, int n, boolean swapHalves);

        /** {@code acc[j] += x[xo + j]} for j below n. */
        void addTo(double[] x, int xo, double[] acc, int n);

        /**
         * {@code acc[ao + j] += x[xo + j]} for j below n, each float widened exactly (batch norm's channels-last
         * statistics: a row of channels into one lane's partial sums).
         */
        void addWidenedAt(float[] x, int xo, double[] acc, int ao, int n);

        /**
         * {@code d = x[xo + j] - m[j]; acc[ao + j] += d * d} for j below n, in double (a multiply, then an add: no fused
         * multiply-add, so the bits of the scalar loop).
         */
        void addCentredSquaresAt(float[] x, int xo, double[] m, double[] acc, int ao, int n);

        /**
         * {@code o[oo + j] = (float) ((x[xo + j] - m[j]) * scale[j] + shift[j])} for j below n, in double, rounded once
         * (batch norm's output over a row of channels).
         */
        void affineRowNarrow(float[] x, int xo, double[] m, double[] scale, double[] shift, float[] o, int oo, int n);

        /**
         * {@code o[oo + j] = x[xo + j] * a + b} for j below n in float, rounded once ({@link Math#fma}) where
         * {@code fused}, else the product and then the sum (batch norm's float32 output over a channel's plane,
         * PyTorch's {@code x * alpha + beta}).
         */
        void mulAddScalar(boolean fused, float[] x, int xo, float a, float b, float[] o, int oo, int n);

        /**
         * {@code o[oo + j] = x[xo + j] * a[j] + b[j]} for j below n in float, rounded once where {@code fused}, else
         * twice (batch norm's float32 output over a row of channels).
         */
        void mulAddRow(boolean fused, float[] x, int xo, float[] a, float[] b, float[] o, int oo, int n);

        /**
         * {@link #mulAddRow} over {@code rows} rows of {@code n}, row r from {@code xo + r * n} to
         * {@code oo + r * n} (batch norm's packed channels-last and [N, C] output, session 60): the same operations in
         * one call.
         */
        void mulAddRows(boolean fused, float[] x, int xo, float[] a, float[] b, float[] o, int oo, int n, int rows);

        /**
         * Batch norm's float32 input gradient over one channel's run, in float as PyTorch's kernel: in training
         * {@code t = (g - gm) - (x - m) * k} (rounded once where {@code fused}: {@code Math.fma(-(x - m), k, g - gm)})
         * and {@code o = t * r * w}; in evaluation {@code o = g * r * w}; for j below n.
         */
        void batchNormGradRun(boolean fused, boolean training, float[] x, int xo, float[] g, int go, float m, float k,
                              float gm, float r, float w, float[] o, int oo, int n);

        /**
         * {@link #batchNormGradRun} over a row of channels: the channel {@code j}'s numbers at {@code m[j]},
         * {@code k[j]}, {@code gm[j]}, {@code r[j]} and {@code w[j]}.
         */
        void batchNormGradRowFloat(boolean fused, boolean training, float[] x, int xo, float[] g, int go, float[] m,
                                   float[] k, float[] gm, float[] r, float[] w, float[] o, int oo, int n);

        /**
         * {@link #batchNormGradRowFloat} over {@code rows} packed rows of {@code n} channels (row i at
         * {@code xo + i * n}, {@code go + i * n} and {@code oo + i * n}) in one call: the same operations per element,
         * so the same bits (session 62).
         */
        void batchNormGradRowsFloat(boolean fused, boolean training, float[] x, int xo, float[] g, int go, float[] m,
                                    float[] k, float[] gm, float[] r, float[] w, float[] o, int oo, int n, int rows);

        /**
         * Batch norm's backward sums over a row of channels: {@code d = g[go + j]; sumDy[j] += d;
         * sumDyXhat[j] += d * (x[xo + j] - m[j]) * r[j]} for j below n, in double, in that order.
         */
        void batchNormGradSums(float[] x, int xo, float[] g, int go, double[] m, double[] r, double[] sumDy,
                               double[] sumDyXhat, int n);

        /**
         * {@link #batchNormGradSums} into one array (one lane of batch norm's channels-last backward sums): sum(dy)
         * at {@code acc[ao + j]}, sum(dy * xhat) at {@code acc[ao + n + j]}, the same operations.
         */
        void batchNormGradSumsAt(float[] x, int xo, float[] g, int go, double[] m, double[] r, double[] acc, int ao,
                                 int n);

        /**
         * {@link #batchNormGradSumsAt} over the rows of positions {@code k0} to {@code k1} (row k at
         * {@code xo + (k - k0) * stride} and {@code go + (k - k0) * stride}), each into lane {@code k % 8}: sum(dy) at
         * {@code acc[(k % 8) * 2 * n + j]}, sum(dy * xhat) {@code n} after it; in increasing k.
         */
        void batchNormGradSumsLanes(float[] x, int xo, float[] g, int go, int stride, int k0, int k1, double[] m,
                                    double[] r, double[] acc, int n);

        /**
         * {@link #addWidenedAt} over the rows of positions {@code k0} to {@code k1} (row k at
         * {@code xo + (k - k0) * stride}), each into lane {@code k % 8}: {@code acc[(k % 8) * n + j]}; in increasing k.
         */
        void addWidenedLanes(float[] x, int xo, int stride, int k0, int k1, double[] acc, int n);

        /** {@link #addCentredSquaresAt} over rows of positions in lanes, as {@link #addWidenedLanes}. */
        void addCentredSquaresLanes(float[] x, int xo, int stride, int k0, int k1, double[] m, double[] acc, int n);

        /**
         * Batch norm's statistics in eight lanes over {@code groups} whole groups of eight floats from {@code xo}:
         * {@code acc[j] += x[xo + 8 * i + j]} for j below 8, each float widened exactly, in increasing i (lane j's
         * adds in the order of the scalar loop, so the same bits).
         */
        void addEightLanes(float[] x, int xo, int groups, double[] acc);

        /**
         * {@link #addEightLanes}'s centred squares: {@code d = x[xo + 8 * i + j] - m; acc[j] += d * d} in double (a
         * multiply, then an add), in increasing i.
         */
        void addSquareEightLanes(float[] x, int xo, int groups, double m, double[] acc);

        /**
         * Batch norm's backward sums in eight lanes over {@code groups} whole groups of eight: with
         * {@code d = g[go + 8 * i + j]}, {@code acc[j] += d} and {@code acc[8 + j] += d * (x[xo + 8 * i + j] - m) * r}
         * in double, in that order, in increasing i.
         */
        void gradSumEightLanes(float[] x, int xo, float[] g, int go, int groups, double m, double r, double[] acc);

        /**
         * Batch norm's input gradient over a row of channels: {@code o[oo + j] = (float) ((g[go + j] - m1[j]
         * - (x[xo + j] - m[j]) * r[j] * m2[j]) * scale[j])} for j below n, in double, rounded once.
         */
        void batchNormGradRow(float[] x, int xo, float[] g, int go, double[] m, double[] r, double[] m1, double[] m2,
                              double[] scale, float[] o, int oo, int n);

        /** {@code acc[j] = Math.max(acc[j], x[xo + j])} ({@code min} when not {@code max}) for j below n. */
        void extremeInto(boolean max, float[] x, int xo, double[] acc, int n);

        /** {@link #extremeInto(boolean, float[], int, double[], int)} for doubles. */
        void extremeInto(boolean max, double[] x, int xo, double[] acc, int n);

        /**
         * {@link #extremeInto(boolean, float[], int, double[], int)} into float accumulators: the same values (a max or
         * min of floats is one of them, exactly), without widening.
         */
        void extremeIntoFloats(boolean max, float[] x, int xo, float[] acc, int n);

        /**
         * Four steps of {@link #extremeIntoFloats(boolean, float[], int, float[], int)}, rows {@code o0} to {@code o3}
         * in that order: {@code acc[j] = max(max(max(max(acc[j], x[o0 + j]), x[o1 + j]), x[o2 + j]), x[o3 + j])}
         * ({@code min} when not {@code max}) for j below n, the same operations in the same order, each accumulator
         * loaded and stored once.
         */
        void extremeIntoFloats4(boolean max, float[] x, int o0, int o1, int o2, int o3, float[] acc, int n);

        /**
         * One step of a column-wise argmax ({@code max}) or argmin: for j below n, where {@code x[xo + j]} replaces
         * {@code best[j]} (strictly larger, or smaller, or a NaN, and never once {@code best[j]} is NaN, so ties and
         * later NaNs keep the first position), {@code best[j] = x[xo + j]} and {@code position[j] = at} (positions held
         * as floats: exact up to 2^24).
         */
        void argExtremeInto(boolean max, float[] x, int xo, float[] best, float[] position, float at, int n);

        /** {@code x[xo:xo+n] = exp(x * scale - shift)} elementwise; returns their sum (in float, lane by lane). */
        float expSum(float[] x, int xo, int n, float scale, float shift);

        /**
         * {@code o[oo:oo+n] = gelu(x[xo:xo+n])}: as {@link OneDnnGelu#gelu} (PyTorch's oneDNN kernel), or with
         * {@code -Dember.cpu.exactTranscendentals=true} as {@link #geluFloat}.
         */
        void gelu(float[] x, int xo, float[] o, int oo, int n);

        /**
         * {@code o[oo:oo+n] = gelu_backward(g[go:go+n], x[xo:xo+n])}: as {@link OneDnnGelu#geluBackward} (PyTorch's
         * oneDNN kernel), or with {@code -Dember.cpu.exactTranscendentals=true} as {@link #geluBackwardFloat}.
         */
        void geluBackward(float[] g, int go, float[] x, int xo, float[] o, int oo, int n);

        /**
         * {@code o[oo:oo+n] = gelu(x[xo:xo+n])} as PyTorch's {@code GeluKernelImpl} on a contiguous run of a tensor
         * oneDNN does not take: {@link GeluKernelFloat#gelu} over the run's vector part, then
         * {@link GeluKernelFloat#geluLibm}.
         */
        void geluKernel(float[] x, int xo, float[] o, int oo, int n);

        /**
         * {@code o[oo:oo+n] = gelu_backward(g[go:go+n], x[xo:xo+n])} as PyTorch's {@code GeluBackwardKernelImpl}:
         * {@link GeluKernelFloat#geluBackward} over the run's vector part, then
         * {@link GeluKernelFloat#geluBackwardLibm}.
         */
        void geluKernelBackward(float[] g, int go, float[] x, int xo, float[] o, int oo, int n);

        /**
         * {@code o[oo:oo+n]} = sigmoid_backward ({@code tanh} false) or tanh_backward of {@code g[go:go+n]} and
         * {@code y[yo:yo+n]}, lane-wise as {@link ActivationBackwardKernels#sigmoidBackward(float, float)} and
         * {@link ActivationBackwardKernels#tanhBackward(boolean, float, float)} ({@code fused}: {@code 1 - y * y}
         * rounded once).
         */
        void activationBackward(boolean tanh, boolean fused, float[] g, int go, float[] y, int yo, float[] o, int oo,
                                int n);

        /** {@link #activationBackward(boolean, boolean, float[], int, float[], int, float[], int, int)} in float64. */
        void activationBackward(boolean tanh, boolean fused, double[] g, int go, double[] y, int yo, double[] o, int oo,
                                int n);

        /**
         * {@code o[oo:oo+n] = exp(x[xo:xo+n])}: PyTorch's bits ({@link SleefFloat#exp}), or as {@link #expRounded}
         * where {@link SleefFloat#exact()} asks for it.
         */
        void exp(float[] x, int xo, float[] o, int oo, int n);

        /**
         * {@code o[oo:oo+n] = tanh(x[xo:xo+n])}: PyTorch's bits ({@link SleefFloat#tanh}), or as {@link #tanhRounded}
         * where {@link SleefFloat#exact()} asks for it.
         */
        void tanh(float[] x, int xo, float[] o, int oo, int n);

        /**
         * {@code o[oo:oo+n] = sigmoid(x[xo:xo+n])}: PyTorch's bits ({@link SleefFloat#sigmoid} over the vector part,
         * {@link #sigmoidFloat} over the rest), or {@link #sigmoidFloat} throughout where {@link SleefFloat#exact()}
         * asks for it.
         */
        void sigmoid(float[] x, int xo, float[] o, int oo, int n);

        /**
         * silu ({@code g} null) or silu_backward of a contiguous run (g's stride {@code gs} 1, or 0 where broadcast),
         * PyTorch's bits: see {@link VectorSleef#silu}.
         */
        void silu(float[] g, int go, int gs, float[] x, int xo, float[] o, int oo, int n);

        /**
         * Softmax down the columns {@code from..to} of the contiguous {@code [n, inner]} block at {@code xo} into the
         * one at {@code oo}, as PyTorch's {@code _vec_softmax} (a dimension other than the last).
         */
        void softmaxColumns(float[] x, int xo, float[] o, int oo, int n, int inner, int from, int to);

        /**
         * Log-softmax down the columns {@code from..to} of the contiguous {@code [n, inner]} block at {@code xo} into
         * the one at {@code oo}, as PyTorch's {@code _vec_logsoftmax}: see {@link VectorSleef#logSoftmaxColumns}.
         */
        void logSoftmaxColumns(float[] x, int xo, float[] o, int oo, int n, int inner, int from, int to,
                               float[] scratch);

        /**
         * Softmax's or log-softmax's gradient down the columns {@code from..to} of contiguous {@code [n, inner]}
         * blocks, as PyTorch's {@code _vec_softmax_backward} / {@code _vec_log_softmax_backward}: see
         * {@link VectorSleef#softmaxBackwardColumns}.
         */
        void softmaxBackwardColumns(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, int inner,
                                    int from, int to, boolean log);

        /**
         * {@link #logSoftmaxColumns}' bits in PyTorch 2.x's chunked order (a row of the chunk at a time): see
         * {@link VectorSleef#logSoftmaxChunk}; {@code scratch} holds {@code 2 (to - from)} floats.
         */
        void logSoftmaxChunk(float[] x, int xo, float[] o, int oo, int n, int inner, int from, int to,
                             float[] scratch);

        /**
         * {@link #softmaxBackwardColumns}' bits in PyTorch 2.x's chunked order (a row of the chunk at a time): see
         * {@link VectorSleef#softmaxBackwardChunk}; {@code scratch} holds {@code to - from} floats.
         */
        void softmaxBackwardChunk(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, int inner,
                                  int from, int to, boolean log, float[] scratch);

        /**
         * {@code o[oo + i] = pow(x[xo + i * xs], y[yo + i * ys])} for i below n, PyTorch's vectorized bits (xs and ys
         * 1 or 0): see {@link SleefPowFloat#pow}.
         */
        void pow(float[] x, int xo, int xs, float[] y, int yo, int ys, float[] o, int oo, int n);

        /** {@code o[oo:oo+n] = gelu_tanh(x[xo:xo+n])}, PyTorch's bits: see {@link SleefFloat#geluTanh}. */
        void geluTanh(float[] x, int xo, float[] o, int oo, int n);

        /**
         * {@code o[oo:oo+n] = gelu_tanh_backward(g[go:go+n], x[xo:xo+n])}, PyTorch's bits: see
         * {@link SleefFloat#geluTanhBackward(float, float)}.
         */
        void geluTanhBackward(float[] g, int go, float[] x, int xo, float[] o, int oo, int n);

        /** Softmax or log-softmax of one row, PyTorch's last-dimension bits: see {@link VectorSleef#softmaxRow}. */
        void softmaxRow(float[] x, int xo, float[] o, int oo, int n, boolean log, float[] lanes);

        /**
         * Whether {@link #softmaxRows} takes rows of {@code n} (short rows, eight float lanes): see
         * {@link VectorSoftmaxRows#fits}.
         */
        boolean softmaxRowsFit(int n);

        /**
         * Softmax or log-softmax of {@code rows} contiguous rows of {@code n} ({@link #softmaxRowsFit}) from
         * {@code x[xo:]} into {@code o[oo:]}, {@link #softmaxRow}'s bits, a block of rows at a time; {@code scratch}
         * holds at least 256 floats: see {@link VectorSoftmaxRows#rows}.
         */
        void softmaxRows(float[] x, int xo, float[] o, int oo, int n, int rows, boolean log, float[] scratch);

        /** Softmax's or log-softmax's gradient over one row, PyTorch's bits: see {@link VectorSleef#softmaxBackwardRow}. */
        void softmaxBackwardRow(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, boolean log,
                                float[] lanes);

        /**
         * Softmax's or log-softmax's gradient over {@code rows} contiguous rows of {@code n} ({@link #softmaxRowsFit})
         * from {@code g[go:]} and the forward's result {@code y[yo:]} into {@code o[oo:]}, {@link #softmaxBackwardRow}'s
         * bits, a block of rows at a time; {@code scratch} holds at least 256 floats: see
         * {@link VectorSoftmaxRows#backwardRows}.
         */
        void softmaxBackwardRows(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, int rows, boolean log,
                                 float[] scratch);

        /**
         * {@link RnnKernels#lstmBackward}'s arithmetic for one row's first elements, on whole vectors, each lane
         * computing what the scalar loop computes in the same order (so the same bits; {@code gOut} may be null);
         * returns how many of the {@code h} elements it did.
         */
        int lstmBackwardRow(float[] gOut, int go, float[] gH, int gh, float[] gC, int gc, float[] sv, int s,
                            float[] cPrev, int cp, float[] gG, int gg, float[] gCPrev, int gcp, int h);

        /**
         * {@code o[oo:oo+n] = log(x[xo:xo+n])}: PyTorch's bits ({@link SleefFloat#log}), or as {@link #logRounded}
         * where {@link SleefFloat#exact()} asks for it; log1p as {@link #log1pRounded}.
         */
        void log(boolean onePlus, float[] x, int xo, float[] o, int oo, int n);

        /**
         * {@link ElementwiseKernels#complexAdd}'s arithmetic on the first whole vectors of {@code n} contiguous
         * interleaved (re, im) pairs from each offset, each lane in the scalar loop's order (so the same bits); returns
         * how many pairs it did.
         */
        int complexAdd(float alpha, float[] x, int xo, float[] y, int yo, float[] o, int oo, int n);

        /**
         * The complex product in PyTorch's vectorized form ({@code re = ar br - ai bi}, {@code im = ar bi + ai br},
         * each product rounded) on the first whole vectors of {@code n} contiguous interleaved pairs from each
         * offset; returns how many pairs it did.
         */
        int complexMul(float[] x, int xo, float[] y, int yo, float[] o, int oo, int n);

        /**
         * {@link #complexMul}'s form where one factor is the one pair {@code (cr, ci)} (a broadcast element): the first
         * whole two-vector steps of {@code n} contiguous pairs {@code v[vo..]}, each product {@code (cr, ci) v} if
         * {@code pairFirst}, else {@code v (cr, ci)}, with the factors in that order ({@code re = ar br - ai bi},
         * {@code im = ar bi + ai br}, each product rounded); returns how many pairs it did.
         */
        int complexMulByPair(float[] v, int vo, float cr, float ci, boolean pairFirst, float[] o, int oo, int n);

        /**
         * {@link ComplexKernels#div}'s complex quotient (c10::complex's branches, chosen lane by lane by blends: each
         * lane's operations are the scalar form's, so the same values; a NaN result's sign may differ) on the first
         * whole vectors of {@code n} contiguous interleaved pairs from each offset; returns how many pairs it did.
         */
        int complexDiv(float[] x, int xo, float[] y, int yo, float[] o, int oo, int n);

        /**
         * {@link ComplexKernels#div}'s quotient of each of {@code n} contiguous pairs {@code x[xo..]} by the one pair
         * {@code (c, d)} (a broadcast divisor) on the first whole two-vector steps: the branch, ratio and scale of
         * {@code (c, d)} computed once as the scalar form computes them, then each pair's sums and products in the
         * scalar form's order (so the same bits); a zero divisor is left to the caller (returns 0). Returns how many
         * pairs it did.
         */
        int complexDivByPair(float[] x, int xo, float c, float d, float[] o, int oo, int n);

        /**
         * {@link ComplexKernels}' complex64 exp (Sleef's form) on the first whole vectors of {@code n} contiguous
         * interleaved pairs, each lane as the scalar form (so the same bits); returns how many pairs it did.
         */
        int complexExp(float[] x, int xo, float[] o, int oo, int n);

        /**
         * {@link ComplexKernels#cexpF} (glibc's cexpf, PyTorch 2.x's complex64 exp) on the first whole vectors of
         * {@code n} contiguous interleaved pairs, each pair as the scalar form (so the same bits); returns how many
         * pairs it did.
         */
        int cexp(float[] x, int xo, float[] o, int oo, int n);
    }

    // float32 GELU on strided runs, and everywhere under -Dember.cpu.exactTranscendentals=true (contiguous runs take
    // OneDnnGelu, the oneDNN kernel PyTorch runs on a contiguous float32 tensor, by default). The formula of
    // GeluKernelImpl's and GeluBackwardKernelImpl's vectorized path (Vectorized<float>::erf; its exp is Sleef's, this
    // one the nearest float): erf by Abramowitz and Stegun's 7.1.26, sign(a) (1 - t r(t) exp(-a^2)) with
    // t = 1 / (1 + p |a|), absolute error below 1.5e-7, in float arithmetic. The vector loops compute the same formula
    // lane-wise (exp by expFloat's polynomial, the same bits as the scalar form), 20 to 40 times faster than erf in
    // double, which made GELU a fifth of a GPT's training step.
    static final float ERF_P = 0.3275911f;
    static final float ERF_A1 = 0.254829592f;
    static final float ERF_A2 = -0.284496736f;
    static final float ERF_A3 = 1.421413741f;
    static final float ERF_A4 = -1.453152027f;
    static final float ERF_A5 = 1.061405429f;
    static final float GELU_ALPHA = (float) Math.sqrt(0.5);
    static final float GELU_PDF_F = (float) ((2 / Math.sqrt(Math.PI)) * Math.sqrt(0.5) * 0.5);

    /** erf by Abramowitz and Stegun's 7.1.26 in float, PyTorch's vectorized CPU erf. */
    static float erfApprox(float a) {
        return erfApprox(a, expFloat(-(a * a)));
    }

    /** {@link #erfApprox(float)} given {@code e = expFloat(-(a * a))}, which GELU's backward also needs. */
    private static float erfApprox(float a, float e) {
        float abs = Math.abs(a);
        float t = 1f / Math.fma(ERF_P, abs, 1f);
        float r = Math.fma(Math.fma(Math.fma(Math.fma(ERF_A5, t, ERF_A4), t, ERF_A3), t, ERF_A2), t, ERF_A1);
        return Math.copySign(Math.fma(-e * t, r, 1f), a);
    }

    static float geluFloat(float x) {
        return x * 0.5f * (1f + erfApprox(x * GELU_ALPHA));
    }

    /**
     * GELU's derivative, {@code g (cdf + x pdf)}. The normal density {@code exp(-x^2 / 2) / sqrt(2 pi)} takes the
     * exponential erf computes at {@code a = x / sqrt(2)}, {@code exp(-a^2)}, instead of a second one (PyTorch computes
     * {@code exp(x * x * -0.5)}: the argument differs in its last bits, the result by a few parts in 10^7 where the
     * density is not negligible), as the vector loop does operation for operation.
     */
    static float geluBackwardFloat(float g, float x) {
        float a = x * GELU_ALPHA;
        float e = expFloat(-(a * a));
        float cdf = 0.5f * (1f + erfApprox(a, e));
        float pdf = GELU_PDF_F * e;
        return g * Math.fma(x, pdf, cdf);
    }

    // float32 exp as the float nearest e^x, the result (float) Math.exp(x) gives, without Math.exp's call per element
    // (14 ns an element with the conversions, 3x PyTorch's time): e^x in double as x = n ln2 + r, |r| <= ln2 / 2,
    // e^r by its Taylor polynomial to degree 13 (truncation below 5e-18) and 2^n from the exponent bits, then one
    // rounding to float. The double result is within a few units of 1e-16 of e^x, so it rounds to the same float as
    // Math.exp's result does unless e^x lies that close to the midpoint between two floats (none of 16.7M random
    // inputs in a probe, nor of ExpRoundedTest's 4M and edges). Written with exact IEEE operations in one order, so the vector loops' lane-wise copy gives
    // the same bits in every JIT tier.
    static final double EXPD_LOG2E = 1.4426950408889634;
    /** 1.5 * 2^52: adding it rounds a double below 2^51 in magnitude to an integer, kept in the low bits. */
    static final double EXPD_ROUND = 6755399441055744.0;
    static final double EXPD_LN2_HI = 6.93147180369123816490e-01; // fdlibm's: n * EXPD_LN2_HI is exact for |n| < 2^20
    static final double EXPD_LN2_LO = 1.90821492927058770002e-10;
    /** Below -110 the float result is 0, above 100 infinity: clamping keeps 2^n a normal double. */
    static final double EXPD_MIN = -110;
    static final double EXPD_MAX = 100;
    /** 1 / k! for k = 0..14: exp's polynomial takes k = 0..13, expm1's k = 1..14. */
    static final double[] EXPD_P = new double[15];

    static {
        double factorial = 1;
        for (int k = 0; k < EXPD_P.length; k++) {
            factorial *= Math.max(k, 1);
            EXPD_P[k] = 1 / factorial;
        }
    }

    /** e^x for a float, in double before one rounding: see above. NaN stays NaN. */
    static float expRounded(float x) {
        double d = Math.min(Math.max(x, EXPD_MIN), EXPD_MAX);
        double t = Math.fma(d, EXPD_LOG2E, EXPD_ROUND);
        double n = t - EXPD_ROUND;
        double r = Math.fma(n, -EXPD_LN2_HI, d);
        r = Math.fma(n, -EXPD_LN2_LO, r);
        double[] c = EXPD_P;
        double p = c[13];
        for (int k = 12; k >= 0; k--) {
            p = Math.fma(p, r, c[k]);
        }
        long e = Double.doubleToRawLongBits(t) - Double.doubleToRawLongBits(EXPD_ROUND);
        return (float) (p * Double.longBitsToDouble((e + 1023) << 52));
    }

    /** sqrt(2): {@link #logRounded} takes the mantissa into [sqrt(1/2), sqrt(2)). */
    static final double LOGD_SQRT2 = Math.sqrt(2);
    /** 1 / (2j + 1) for j = 1..11 (index j; index 0 unused): the atanh series of log's mantissa. */
    static final double[] LOGD_P = new double[12];
    static final long LOGD_MANTISSA = 0x000FFFFFFFFFFFFFL;
    static final long LOGD_ONE = 0x3FF0000000000000L;

    static {
        for (int j = 1; j < LOGD_P.length; j++) {
            LOGD_P[j] = 1.0 / (2 * j + 1);
        }
    }

    /**
     * The natural log of a float as the float nearest it, what {@code (float) Math.log(x)} gives, without Math.log's
     * call per element: in double, x = 2^k m with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(f) with
     * f = (m - 1) / (m + 1), |f| <= 0.172, by its series to f^23 (truncation below 1e-18), plus k ln 2; rounded once.
     * The double result is within a few parts in 10^16 of log x, so it rounds as the exact value does unless that lies
     * so close to the midpoint between two floats (as for Math.log's own result). Exact IEEE operations in one order:
     * the vector loops compute it lane by lane with the same bits. Zero gives -inf, negatives and NaN NaN, +inf +inf.
     */
    static float logRounded(float x) {
        return (float) logDouble(x);
    }

    /**
     * log1p of a float as the float nearest it, what {@code (float) Math.log1p(x)} gives: {@code 1 + x} is exact in
     * double for |x| >= 2^-29 (and rounds harmlessly above 2^24), so {@link #logDouble} of it; below, where 1 + x
     * would round, {@code x - x^2 / 2} (the next term is under 2^-58 of x). -1 gives -inf, below NaN.
     */
    static float log1pRounded(float x) {
        double d = x;
        if (Math.abs(d) < LOG1P_SMALL) {
            return (float) Math.fma(-0.5 * d, d, d);
        }
        return (float) logDouble(1.0 + d);
    }

    /** Below this |x| log1p is x - x^2 / 2 (1 + x would round in double). */
    static final double LOG1P_SMALL = 0x1p-29;

    /** {@link #logRounded}'s double result before its rounding, for any double; 0 gives -inf, below 0 and NaN NaN. */
    static double logDouble(double x) {
        if (!(x > 0) || x == Double.POSITIVE_INFINITY) {
            return x == 0 ? Double.NEGATIVE_INFINITY : x == Double.POSITIVE_INFINITY ? x : Double.NaN;
        }
        long bits = Double.doubleToRawLongBits(x); // normal here: floats, and 1 + x, widen to normal doubles
        double k = (double) ((bits >>> 52) - 1023);
        double m = Double.longBitsToDouble((bits & LOGD_MANTISSA) | LOGD_ONE);
        if (m > LOGD_SQRT2) {
            m *= 0.5;
            k += 1;
        }
        double f = (m - 1) / (m + 1);
        double f2 = f * f;
        double[] c = LOGD_P;
        double p = c[11];
        for (int j = 10; j >= 1; j--) {
            p = Math.fma(p, f2, c[j]);
        }
        double twoF = f + f;
        double logM = Math.fma(twoF * f2, p, twoF);
        return Math.fma(k, EXPD_LN2_HI, Math.fma(k, EXPD_LN2_LO, logM));
    }

    /** Above this 2|x| tanh(x) is 1 - 2e-35 or closer: the float and double results are +-1. */
    static final double TANH_MAX_2X = 80;

    /**
     * tanh of a float as the float nearest it, what {@code (float) Math.tanh(x)} gives, 4x faster: in double,
     * {@code m / (m + 2)} with {@code m = expm1(2|x|) = 2^n (r + r^2/2! + ... + r^14/14!) + (2^n - 1)} after the same
     * reduction as {@link #expRounded} (no cancellation: 2|x| >= 0), rounded once to float, the sign of x copied.
     */
    static float tanhRounded(float x) {
        double y = Math.min(2.0 * Math.abs(x), TANH_MAX_2X);
        double t = Math.fma(y, EXPD_LOG2E, EXPD_ROUND);
        double n = t - EXPD_ROUND;
        double r = Math.fma(n, -EXPD_LN2_HI, y);
        r = Math.fma(n, -EXPD_LN2_LO, r);
        double[] c = EXPD_P;
        double q = c[14];
        for (int k = 13; k >= 1; k--) {
            q = Math.fma(q, r, c[k]);
        }
        long e = Double.doubleToRawLongBits(t) - Double.doubleToRawLongBits(EXPD_ROUND);
        double scale = Double.longBitsToDouble((e + 1023) << 52);
        double m = Math.fma(scale, r * q, scale - 1);
        return Math.copySign((float) (m / (m + 2)), x);
    }

    /** PyTorch's float sigmoid, {@code 1 / (1 + expf(-x))} in float arithmetic, expf the nearest float. */
    static float sigmoidFloat(float x) {
        return 1f / (1f + expRounded(-x));
    }

    // exp in float for x <= 88 (softmax's shifted scores, Gaussian tails): Cephes' expf (x = n ln2 + r with
    // |r| <= ln2 / 2, a degree-5 polynomial for e^r, times 2^n), within 2 ulps, NaN kept; below -87.3 (2^n under the
    // normal range) the scaling goes in two steps, 2^(n + 64) exactly and then 2^-64 rounding once to the nearest
    // subnormal (0 below about -103.97, and from -110 on without computing it). Written with
    // exact IEEE operations only (fused multiply-adds, products, sums, bit moves) in one order, so the vector loops'
    // lane-wise copy gives the same bits in every JIT tier: the Vector API's own EXP intrinsic and its interpreted
    // fallback round differently, which made a training run depend on when the JIT compiled it.
    static final float EXP_LOG2E = 1.44269504088896341f;
    static final float EXP_LN2_HI = 0.693359375f;
    static final float EXP_LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds a float below 2^22 in magnitude to an integer, kept in the low bits. */
    static final float EXP_ROUND = 12582912f;
    static final float EXP_MIN = -87.33654f;
    /** Below this exp's float result is 0 (it is from -103.98 on). */
    static final float EXP_ZERO = -110f;
    static final float[] EXP_P = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f,
        1.6666665459e-1f, 5.0000001201e-1f};

    static float expFloat(float x) {
        float t = Math.fma(x, EXP_LOG2E, EXP_ROUND);
        float n = t - EXP_ROUND;
        float r = Math.fma(n, -EXP_LN2_HI, x);
        r = Math.fma(n, -EXP_LN2_LO, r);
        float p = EXP_P[0];
        for (int i = 1; i < EXP_P.length; i++) {
            p = Math.fma(p, r, EXP_P[i]);
        }
        float y = Math.fma(p, r * r, r) + 1f;
        int e = Float.floatToRawIntBits(t) - Float.floatToRawIntBits(EXP_ROUND);
        float scaled = y * Float.intBitsToFloat((e + 127) << 23);
        if (x < EXP_MIN) {
            return x < EXP_ZERO ? 0f : y * Float.intBitsToFloat((e + 127 + 64) << 23) * 0x1p-64f;
        }
        return scaled;
    }

    /** The vector loops, or null where the Vector API is absent. */
    static FloatLoops loops() {
        return LOOPS;
    }

    /** The Vector API loops where {@code jdk.incubator.vector} is present, else null (Lucene's probe). */
    private static final FloatLoops LOOPS = MicroKernels.loadVectorClass(FloatLoops.class, "dev.ember.cpu.VectorLoops");

    /** {@link FloatLoops#lstmBackwardRow} where the vector loops are present; else 0 (the caller's loop does all). */
    static int lstmBackwardRow(float[] gOut, int go, float[] gH, int gh, float[] gC, int gc, float[] sv, int s,
                               float[] cPrev, int cp, float[] gG, int gg, float[] gCPrev, int gcp, int h) {
        return LOOPS == null ? 0 : LOOPS.lstmBackwardRow(gOut, go, gH, gh, gC, gc, sv, s, cPrev, cp, gG, gg, gCPrev, gcp, h);
    }

    /**
     * {@code -Dember.binary.scalarFirstStrided=true}: a broadcast number as the FIRST operand of a large float32 op
     * ({@code rsub}, {@code 1 - y} in sigmoid's backward) goes through the element-by-element strided loop, as before
     * session 50 (7x the time of the same op with the number second).
     */
    private static final boolean SCALAR_FIRST_STRIDED = Boolean.getBoolean("ember.binary.scalarFirstStrided");

    static void binaryFloat(BinaryOp op, float[] x, int xo, int xs, float[] y, int yo, int ys,
                                    float[] o, int oo, int os, int n) {
        if (op == BinaryOp.GELU_TANH_BACKWARD && !SleefFloat.exact()) {
            geluTanhBackwardFloat(x, xo, xs, y, yo, ys, o, oo, os, n);
            return;
        }
        if (LOOPS != null && n >= 32 && os == 1 && xs == 1 && (ys == 1 ? LOOPS.binary(op, x, xo, y, yo, o, oo, n)
                : ys == 0 && LOOPS.binaryScalar(op, x, xo, y[yo], o, oo, n))) {
            return;
        }
        if (LOOPS != null && n >= 32 && os == 1 && xs == 0 && ys == 1 && !SCALAR_FIRST_STRIDED
                && LOOPS.scalarFirst(op, x[xo], y, yo, o, oo, n)) {
            return;
        }
        if (op == BinaryOp.POW && os == 1 && (xs == 0 || xs == 1) && (ys == 0 || ys == 1) && !SleefFloat.exact()) {
            // PyTorch's cpu_kernel_vec: whole passes of a contiguous (or broadcast) run through Sleef's powf, the
            // rest through the scalar form below (the C library's pow in double)
            int body = SleefFloat.vectorPart(n);
            if (LOOPS != null) {
                LOOPS.pow(x, xo, xs, y, yo, ys, o, oo, body);
            } else {
                for (int i = 0; i < body; i++) {
                    o[oo + i] = SleefPowFloat.pow(x[xo + i * xs], y[yo + i * ys]);
                }
            }
            xo += body * xs;
            yo += body * ys;
            oo += body;
            n -= body;
        }
        if (op == BinaryOp.GELU_BACKWARD) {
            if (LOOPS != null && xs == 1 && ys == 1 && os == 1) {
                LOOPS.geluBackward(x, xo, y, yo, o, oo, n);
                return;
            }
            if (xs == 1 && ys == 1 && os == 1 && OneDnnGelu.on()) {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = OneDnnGelu.geluBackward(x[xo + i], y[yo + i]);
                }
                return;
            }
            for (int i = 0; i < n; i++) {
                o[oo + i * os] = geluBackwardFloat(x[xo + i * xs], y[yo + i * ys]);
            }
            return;
        }
        if (xs == 1 && ys == 1 && os == 1) {
            switch (op) {
                case ADD:
                    for (int i = 0; i < n; i++) {
                        o[oo + i] = x[xo + i] + y[yo + i];
                    }
                    return;
                case SUB:
                    for (int i = 0; i < n; i++) {
                        o[oo + i] = x[xo + i] - y[yo + i];
                    }
                    return;
                case MUL:
                    for (int i = 0; i < n; i++) {
                        o[oo + i] = x[xo + i] * y[yo + i];
                    }
                    return;
                case DIV:
                    for (int i = 0; i < n; i++) {
                        o[oo + i] = x[xo + i] / y[yo + i];
                    }
                    return;
                default:
                    break;
            }
        } else if (xs == 1 && ys == 0 && os == 1) {
            float s = y[yo];
            switch (op) {
                case ADD:
                    for (int i = 0; i < n; i++) {
                        o[oo + i] = x[xo + i] + s;
                    }
                    return;
                case SUB:
                    for (int i = 0; i < n; i++) {
                        o[oo + i] = x[xo + i] - s;
                    }
                    return;
                case MUL:
                    for (int i = 0; i < n; i++) {
                        o[oo + i] = x[xo + i] * s;
                    }
                    return;
                case DIV:
                    for (int i = 0; i < n; i++) {
                        o[oo + i] = x[xo + i] / s;
                    }
                    return;
                default:
                    break;
            }
        }
        switch (op) {
            case ADD:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = x[xo + i * xs] + y[yo + i * ys];
                }
                return;
            case SUB:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = x[xo + i * xs] - y[yo + i * ys];
                }
                return;
            case MUL:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = x[xo + i * xs] * y[yo + i * ys];
                }
                return;
            case DIV:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = x[xo + i * xs] / y[yo + i * ys];
                }
                return;
            case MAXIMUM:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = maximum(x[xo + i * xs], y[yo + i * ys]);
                }
                return;
            case MINIMUM:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = minimum(x[xo + i * xs], y[yo + i * ys]);
                }
                return;
            case THRESHOLD_BACKWARD:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = thresholdBackward(x[xo + i * xs], y[yo + i * ys]);
                }
                return;
            case DIV_TRUNC:
            case DIV_FLOOR:
            case REMAINDER:
            case XLOGY:
            case POLYGAMMA:
                // PyTorch rounds these in float arithmetic step by step: computed in double they could round differently
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = applyFloat(op, x[xo + i * xs], y[yo + i * ys]);
                }
                return;
            default:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = (float) applyBinary(op, x[xo + i * xs], y[yo + i * ys]);
                }
        }
    }

    /** The binary ops whose float32 results PyTorch computes in float arithmetic. */
    static float applyFloat(BinaryOp op, float x, float y) {
        switch (op) {
            case DIV_TRUNC: {
                float q = x / y;
                return q < 0 ? (float) Math.ceil(q) : (float) Math.floor(q);
            }
            case DIV_FLOOR: return SpecialFunctions.divFloor(x, y);
            case REMAINDER: return SpecialFunctions.remainder(x, y);
            case XLOGY: return SpecialFunctions.xlogy(x, y);
            case POLYGAMMA: return SpecialFunctions.polygamma((int) x, y);
            default: return (float) applyBinary(op, x, y);
        }
    }

    // maximum, minimum and ReLU's backward select by a comparison. A float-valued conditional compiles to a branch,
    // which mispredicts on every other element of random data (four times slower than Math.max); an int-valued one
    // compiles to a conditional move, so the selections are done on the bits.

    /**
     * PyTorch's maximum: NaN if either operand is NaN (not fmax's "the other one"), else C++'s std::max, which returns
     * the first operand on ties (PyTorch's scalar kernel, and its clamp on every path: clamp(-0, min=0) is -0). That is
     * Math.max except on a tie of zeros, where Math.max prefers +0: x is put back where x == y.
     */
    static float maximum(float x, float y) {
        int tie = x == y ? -1 : 0;
        return Float.intBitsToFloat(Float.floatToRawIntBits(Math.max(x, y)) & ~tie | Float.floatToRawIntBits(x) & tie);
    }

    /** PyTorch's minimum: NaN if either is NaN, else std::min (the first operand on ties). */
    static float minimum(float x, float y) {
        int tie = x == y ? -1 : 0;
        return Float.intBitsToFloat(Float.floatToRawIntBits(Math.min(x, y)) & ~tie | Float.floatToRawIntBits(x) & tie);
    }

    /** ReLU's backward, PyTorch's {@code out <= 0 ? 0 : grad} (a NaN output passes the gradient). */
    static float thresholdBackward(float grad, float out) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(grad) & (out <= 0f ? 0 : -1));
    }

    /** {@link #maximum(float, float)} for doubles. */
    static double maximum(double x, double y) {
        long tie = x == y ? -1L : 0L;
        return Double.longBitsToDouble(Double.doubleToRawLongBits(Math.max(x, y)) & ~tie | Double.doubleToRawLongBits(x) & tie);
    }

    /** {@link #minimum(float, float)} for doubles. */
    static double minimum(double x, double y) {
        long tie = x == y ? -1L : 0L;
        return Double.longBitsToDouble(Double.doubleToRawLongBits(Math.min(x, y)) & ~tie | Double.doubleToRawLongBits(x) & tie);
    }

    // GELU forward and backward in one pass each (PyTorch's GeluKernelImpl and GeluBackwardKernelImpl, computed in
    // double and rounded once): the composition of five and nine elementwise ops it replaces wrote an intermediate
    // tensor at each step, 360 MiB for a GPT's 64 MiB MLP activation at block 1024.
    private static final double SQRT1_2 = Math.sqrt(0.5);
    /** 1 / sqrt(2 pi), PyTorch's {@code M_2_SQRTPI * M_SQRT1_2 * 0.5}. */
    private static final double GELU_PDF = (2 / Math.sqrt(Math.PI)) * SQRT1_2 * 0.5;
    /** sqrt(2 / pi), PyTorch's {@code M_SQRT2 * M_2_SQRTPI * 0.5}. */
    private static final double GELU_BETA = Math.sqrt(2) * (2 / Math.sqrt(Math.PI)) * 0.5;
    private static final double GELU_KAPPA = 0.044715;

    static double gelu(double x) {
        return x * 0.5 * (1 + erf(x * SQRT1_2));
    }

    static double geluTanh(double x) {
        double inner = GELU_BETA * (x + GELU_KAPPA * x * x * x);
        return 0.5 * x * (1 + Math.tanh(inner));
    }

    /** {@code grad * (cdf(x) + x pdf(x))}. */
    static double geluBackward(double grad, double x) {
        double cdf = 0.5 * (1 + erf(x * SQRT1_2));
        double pdf = GELU_PDF * Math.exp(-0.5 * x * x);
        return grad * (cdf + x * pdf);
    }

    static double geluTanhBackward(double grad, double x) {
        double x2 = x * x;
        double t = Math.tanh(GELU_BETA * (x + GELU_KAPPA * x2 * x));
        double left = 0.5 * x;
        double right = 1 + t;
        double leftDerivative = 0.5 * right;
        double rightDerivative = (1 - t * t) * GELU_BETA * (1 + 3 * GELU_KAPPA * x2);
        return grad * (leftDerivative + left * rightDerivative);
    }

    static double applyBinary(BinaryOp op, double x, double y) {
        switch (op) {
            case ADD: return x + y;
            case SUB: return x - y;
            case MUL: return x * y;
            case DIV: return x / y;
            case POW: return pow(x, y);
            case MAXIMUM: return maximum(x, y);
            case MINIMUM: return minimum(x, y);
            case THRESHOLD_BACKWARD: return Double.longBitsToDouble(Double.doubleToRawLongBits(x) & (y <= 0 ? 0L : -1L));
            case ATAN2: return Math.atan2(x, y);
            case HYPOT: return Math.hypot(x, y);
            case FMOD: return x % y; // Java's remainder of doubles is C's fmod, exact
            case REMAINDER: return SpecialFunctions.remainder(x, y);
            case DIV_TRUNC: {
                double q = x / y;
                return q < 0 ? Math.ceil(q) : Math.floor(q);
            }
            case DIV_FLOOR: return SpecialFunctions.divFloor(x, y);
            case COPYSIGN: return Math.copySign(x, y);
            // C's fmax and fmin: the operand that is not NaN; the first one on ties (PyTorch on x86-64: fmax(-0, 0) is -0)
            case FMAX: return Double.isNaN(x) ? y : Double.isNaN(y) ? x : x < y ? y : x;
            case FMIN: return Double.isNaN(x) ? y : Double.isNaN(y) ? x : y < x ? y : x;
            case XLOGY: return SpecialFunctions.xlogy(x, y);
            case POLYGAMMA: return SpecialFunctions.polygamma((int) x, y);
            case GELU_BACKWARD: return geluBackward(x, y);
            case GELU_TANH_BACKWARD: return geluTanhBackward(x, y);
            default: throw new IllegalArgumentException("binary op " + op);
        }
    }

    /**
     * An integer unary op on an int64 (or widened narrow) element, as the int64 and the narrow loops apply it; the
     * rounding ops leave an integer as it is.
     */
    static long applyLong(UnaryOp op, long v) {
        switch (op) {
            case NEG: return -v;
            case ABS: return Math.abs(v);
            case SIGN: return Long.signum(v);
            case RELU: return Math.max(v, 0);
            case BITWISE_NOT: return ~v;
            default: return v; // floor, ceil, round, trunc of integers
        }
    }

    static long applyLong(BinaryOp op, long x, long y) {
        switch (op) {
            case ADD: return x + y;
            case SUB: return x - y;
            case MUL: return x * y;
            case DIV: return y == 0 ? 0 : Math.floorDiv(x, y);
            case POW: return pow(x, y);
            case MAXIMUM:
            case FMAX:
                return Math.max(x, y);
            case MINIMUM:
            case FMIN:
                return Math.min(x, y);
            case THRESHOLD_BACKWARD: return y <= 0 ? 0 : x;
            // the op layer rejects a zero divisor (PyTorch's ZeroDivisionError); 0 here keeps a kernel total
            case FMOD: return y == 0 ? 0 : x % y;
            case REMAINDER: {
                if (y == 0) {
                    return 0;
                }
                long r = x % y;
                return r != 0 && (r < 0) != (y < 0) ? r + y : r;
            }
            case DIV_TRUNC: return y == 0 ? 0 : x / y;
            case DIV_FLOOR: return y == 0 ? 0 : Math.floorDiv(x, y);
            case BITWISE_AND: return x & y;
            case BITWISE_OR: return x | y;
            case BITWISE_XOR: return x ^ y;
            // PyTorch 2.x: a shift count outside [0, 64) gives 0 to the left, the sign to the right
            case LEFT_SHIFT: return y < 0 || y >= 64 ? 0 : x << y;
            case RIGHT_SHIFT: return y < 0 || y >= 63 ? x >> 63 : x >> y;
            default: throw new IllegalArgumentException("binary op " + op);
        }
    }

    /** The ops defined on bool operands: and-like, or-like, xor. */
    static boolean applyBool(BinaryOp op, boolean p, boolean q) {
        switch (op) {
            case MUL:
            case MINIMUM:
            case FMIN:
            case BITWISE_AND:
                return p && q;
            case BITWISE_XOR: return p != q;
            default: return p || q;
        }
    }

    /**
     * C's pow (C99 Annex F), which PyTorch's kernels call: Java's Math.pow agrees except that C gives 1 for
     * {@code 1 ** y} whatever y (NaN included) and for {@code (-1) ** +-inf}, where Java gives NaN.
     */
    static double pow(double x, double y) {
        if (x == 1 || (x == -1 && Double.isInfinite(y))) {
            return 1;
        }
        return Math.pow(x, y);
    }

    /**
     * PyTorch's integer pow (powi): a negative exponent gives 1 for base 1, 1 or -1 by parity for base -1, and 0 for
     * every other base (0 included); otherwise square-and-multiply, wrapping on overflow as C's int64 does.
     */
    static long pow(long x, long y) {
        if (y < 0) {
            return x == 1 ? 1 : x == -1 ? ((y & 1) == 0 ? 1 : -1) : 0;
        }
        long r = 1;
        long base = x;
        for (long e = y; e != 0; e >>= 1) {
            if ((e & 1) != 0) {
                r *= base;
            }
            base *= base;
        }
        return r;
    }

    static boolean predicate(BinaryOp op, double x, double y) {
        switch (op) {
            case EQ: return x == y;
            case NE: return x != y;
            case LT: return x < y;
            case LE: return x <= y;
            case GT: return x > y;
            case GE: return x >= y;
            case LOGICAL_AND: return x != 0 && y != 0;
            case LOGICAL_OR: return x != 0 || y != 0;
            default: return (x != 0) != (y != 0);
        }
    }

    /**
     * A comparison or logical op of two bool runs, {@code o[oo + i os] = op(x[xo + i xs], y[yo + i ys])} for i below n:
     * {@link #predicate}'s result for the operands as 0 and 1, the op chosen once for the run.
     */
    static void predicateBoolRun(BinaryOp op, boolean[] x, int xo, int xs, boolean[] y, int yo, int ys, boolean[] o,
                                 int oo, int os, int n) {
        switch (op) {
            case LOGICAL_AND:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = x[xo + i * xs] & y[yo + i * ys];
                }
                return;
            case LOGICAL_OR:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = x[xo + i * xs] | y[yo + i * ys];
                }
                return;
            case NE:
            case LOGICAL_XOR:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = x[xo + i * xs] ^ y[yo + i * ys];
                }
                return;
            case EQ:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = x[xo + i * xs] == y[yo + i * ys];
                }
                return;
            default:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = predicateLong(op, x[xo + i * xs] ? 1 : 0, y[yo + i * ys] ? 1 : 0);
                }
        }
    }

    static boolean predicateLong(BinaryOp op, long x, long y) {
        switch (op) {
            case EQ: return x == y;
            case NE: return x != y;
            case LT: return x < y;
            case LE: return x <= y;
            case GT: return x > y;
            case GE: return x >= y;
            case LOGICAL_AND: return x != 0 && y != 0;
            case LOGICAL_OR: return x != 0 || y != 0;
            default: return (x != 0) != (y != 0);
        }
    }

    /** {@code -Dember.cpu.scalarWhere=true}: float32 where through the branch per element (before session 47). */
    private static final boolean SCALAR_WHERE = Boolean.getBoolean("ember.cpu.scalarWhere");

    static void where(CpuStorage c, Layout lc, CpuStorage a, Layout la, CpuStorage b, Layout lb, CpuStorage dst, Layout ld) {
        boolean[] cond = (boolean[]) c.array;
        StridedLoop loop = new StridedLoop(ld, lc, la, lb);
        if (dst.dtype == DType.FLOAT32) {
            float[] x = (float[]) a.array;
            float[] y = (float[]) b.array;
            float[] o = (float[]) dst.array;
            loop.run((off, n, st) -> {
                int i = 0;
                if (LOOPS != null && !SCALAR_WHERE && st[0] == 1 && st[1] == 1 && (st[2] | st[3]) == 1
                        && (st[2] & st[3]) >= 0) {
                    // dense rows (a tril/triu or masked_fill row against a scalar, a where of two tensors): no branch
                    i = LOOPS.where(cond, off[1], x, off[2], st[2], y, off[3], st[3], o, off[0], n);
                }
                for (; i < n; i++) {
                    o[off[0] + i * st[0]] = cond[off[1] + i * st[1]] ? x[off[2] + i * st[2]] : y[off[3] + i * st[3]];
                }
            }, true);
            return;
        }
        if (HalfLoops.isHalf(dst.dtype) && a.dtype == dst.dtype && b.dtype == dst.dtype) {
            // the bits as they are (NaN payloads kept)
            short[] x = (short[]) a.array;
            short[] y = (short[]) b.array;
            short[] o = (short[]) dst.array;
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = cond[off[1] + i * st[1]] ? x[off[2] + i * st[2]] : y[off[3] + i * st[3]];
                }
            }, true);
            return;
        }
        boolean integral = dst.dtype.isIntegral();
        loop.run((off, n, st) -> {
            for (int i = 0; i < n; i++) {
                boolean p = cond[off[1] + i * st[1]];
                int ai = off[2] + i * st[2];
                int bi = off[3] + i * st[3];
                if (integral) {
                    dst.setLong(off[0] + i * st[0], p ? a.getLong(ai) : b.getLong(bi));
                } else {
                    dst.setDouble(off[0] + i * st[0], p ? a.getDouble(ai) : b.getDouble(bi));
                }
            }
        }, true);
    }
}
