package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.BinaryOp;
import dev.ember.backend.Layout;
import dev.ember.backend.UnaryOp;

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
        StridedLoop loop = new StridedLoop(ld, ls);
        if (src.dtype == dst.dtype) {
            Object s = src.array;
            Object d = dst.array;
            loop.run((off, n, st) -> {
                if (st[0] == 1 && st[1] == 1) {
                    System.arraycopy(s, off[1], d, off[0], n);
                    return;
                }
                switch (src.dtype) {
                    case FLOAT32: {
                        float[] a = (float[]) s;
                        float[] o = (float[]) d;
                        for (int i = 0; i < n; i++) {
                            o[off[0] + i * st[0]] = a[off[1] + i * st[1]];
                        }
                        break;
                    }
                    case FLOAT64: {
                        double[] a = (double[]) s;
                        double[] o = (double[]) d;
                        for (int i = 0; i < n; i++) {
                            o[off[0] + i * st[0]] = a[off[1] + i * st[1]];
                        }
                        break;
                    }
                    case INT64: {
                        long[] a = (long[]) s;
                        long[] o = (long[]) d;
                        for (int i = 0; i < n; i++) {
                            o[off[0] + i * st[0]] = a[off[1] + i * st[1]];
                        }
                        break;
                    }
                    case INT32: {
                        int[] a = (int[]) s;
                        int[] o = (int[]) d;
                        for (int i = 0; i < n; i++) {
                            o[off[0] + i * st[0]] = a[off[1] + i * st[1]];
                        }
                        break;
                    }
                    case INT16: {
                        short[] a = (short[]) s;
                        short[] o = (short[]) d;
                        for (int i = 0; i < n; i++) {
                            o[off[0] + i * st[0]] = a[off[1] + i * st[1]];
                        }
                        break;
                    }
                    case INT8:
                    case UINT8: {
                        byte[] a = (byte[]) s;
                        byte[] o = (byte[]) d;
                        for (int i = 0; i < n; i++) {
                            o[off[0] + i * st[0]] = a[off[1] + i * st[1]];
                        }
                        break;
                    }
                    default: {
                        boolean[] a = (boolean[]) s;
                        boolean[] o = (boolean[]) d;
                        for (int i = 0; i < n; i++) {
                            o[off[0] + i * st[0]] = a[off[1] + i * st[1]];
                        }
                    }
                }
            }, true);
            return;
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

    static void fill(CpuStorage dst, Layout l, double value) {
        new StridedLoop(l).run((off, n, st) -> {
            int o = off[0];
            int s = st[0];
            switch (dst.dtype) {
                case FLOAT32: {
                    float[] a = (float[]) dst.array;
                    float v = (float) value;
                    for (int i = 0; i < n; i++) {
                        a[o + i * s] = v;
                    }
                    break;
                }
                case FLOAT64: {
                    double[] a = (double[]) dst.array;
                    for (int i = 0; i < n; i++) {
                        a[o + i * s] = value;
                    }
                    break;
                }
                case INT64: {
                    long[] a = (long[]) dst.array;
                    long v = (long) value;
                    for (int i = 0; i < n; i++) {
                        a[o + i * s] = v;
                    }
                    break;
                }
                case INT32: {
                    int[] a = (int[]) dst.array;
                    int v = (int) (long) value;
                    for (int i = 0; i < n; i++) {
                        a[o + i * s] = v;
                    }
                    break;
                }
                case INT16: {
                    short[] a = (short[]) dst.array;
                    short v = (short) (long) value;
                    for (int i = 0; i < n; i++) {
                        a[o + i * s] = v;
                    }
                    break;
                }
                case INT8:
                case UINT8: {
                    byte[] a = (byte[]) dst.array;
                    byte v = (byte) (long) value;
                    for (int i = 0; i < n; i++) {
                        a[o + i * s] = v;
                    }
                    break;
                }
                default: {
                    boolean[] a = (boolean[]) dst.array;
                    boolean v = value != 0;
                    for (int i = 0; i < n; i++) {
                        a[o + i * s] = v;
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
        if (src.narrow()) {
            loop.run((off, n, st) -> NarrowLoops.unaryRow(op, src, off[1], st[1], dst, off[0], st[0], n), true);
            return;
        }
        if (src.dtype == DType.INT64) {
            long[] a = (long[]) src.array;
            long[] o = (long[]) dst.array;
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    long v = a[off[1] + i * st[1]];
                    long r;
                    switch (op) {
                        case NEG: r = -v; break;
                        case ABS: r = Math.abs(v); break;
                        case SIGN: r = Long.signum(v); break;
                        case RELU: r = Math.max(v, 0); break;
                        case BITWISE_NOT: r = ~v; break;
                        default: r = v; // floor, ceil, round, trunc of integers
                    }
                    o[off[0] + i * st[0]] = r;
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

    private static void unaryFloat(UnaryOp op, float[] a, int ao, int as, float[] o, int oo, int os, int n) {
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
            case SIGMOID:
                // float arithmetic as PyTorch's scalar kernel (1 / (1 + expf(-x))), so results match it bit for bit
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = 1f / (1f + (float) Math.exp(-a[ao + i * as]));
                }
                return;
            case RSQRT:
                // PyTorch's 1 / sqrt(x) in float: the square root rounded to float, then a float division
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
            default:
                for (int i = 0; i < n; i++) {
                    o[oo + i * os] = (float) applyUnary(op, a[ao + i * as]);
                }
        }
    }

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

    /** 2 / sqrt(pi) as the sum of two doubles, and 1 / sqrt(pi). */
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double TWO_OVER_SQRT_PI_LOW = 1.533545961316588e-17;
    private static final double ONE_OVER_SQRT_PI = 0.5641895835477563;

    /**
     * The error function within 1 ulp of glibc's (PyTorch's) on a dense sweep of [-7, 7] (Java has no Math.erf):
     * below |x| = 1.25 the Maclaurin series, summed with Kahan's compensation and scaled by 2/sqrt(pi) in two parts;
     * above it 1 - erfc(x), erfc by its continued fraction (more terms nearer 1, where it converges slowly) with
     * exp(-x^2) corrected for the rounding of x^2; 1 from 6 on, where erfc is below half an ulp of 1.
     */
    static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double a = Math.abs(x);
        double r;
        if (a < 1.25) {
            double x2 = a * a;
            double term = a;
            double sum = a;
            double carry = 0;
            for (int n = 1; n < 100; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                double y = add - carry;
                double t = sum + y;
                carry = (t - sum) - y;
                sum = t;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            r = Math.fma(TWO_OVER_SQRT_PI, sum, TWO_OVER_SQRT_PI_LOW * sum - TWO_OVER_SQRT_PI * carry);
        } else if (a >= 6) {
            r = 1.0;
        } else {
            // erfc(a) = exp(-a^2)/sqrt(pi) * 1/(a + 1/2/(a + 1/(a + 3/2/(a + 2/(a + ...))))), evaluated bottom-up
            double f = a;
            for (int k = a < 2 ? 150 : 60; k >= 1; k--) {
                f = a + (k * 0.5) / f;
            }
            double h = a * a;
            double e = Math.exp(-h);
            e -= e * Math.fma(a, a, -h); // exp(-(h + l)) ~ exp(-h) (1 - l), l the rounding error of a * a
            r = 1 - e * ONE_OVER_SQRT_PI / f;
        }
        return Math.copySign(r, x); // erf(-0) is -0
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

    // ------------------------------------------------------------------ binary

    /**
     * {@code a op scalar} (or {@code scalar op a}) for contiguous float32 below the parallel grain: one loop on the
     * calling thread (a Java number in arithmetic, the autograd chain's every op). Returns false for anything else,
     * which the Backend's default broadcasts through {@link #binary}.
     */
    static boolean binaryScalar(BinaryOp op, CpuStorage a, Layout la, Number scalar, boolean scalarFirst,
                                CpuStorage dst, Layout ld) {
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

    static void binary(BinaryOp op, CpuStorage a, Layout la, CpuStorage b, Layout lb, CpuStorage dst, Layout ld) {
        StridedLoop loop = new StridedLoop(ld, la, lb);
        if (op.isPredicate()) {
            boolean[] o = (boolean[]) dst.array;
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

    /** Vectorized contiguous float32 loops; {@code false} means "not handled, use the plain loop". */
    interface FloatLoops {
        boolean binary(BinaryOp op, float[] x, int xo, float[] y, int yo, float[] o, int oo, int n);

        boolean binaryScalar(BinaryOp op, float[] x, int xo, float s, float[] o, int oo, int n);

        void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n);

        float dot(float[] x, int xo, float[] y, int yo, int n);

        /** {@code y[yo:yo+n] = x[xo:xo+n]} for short runs, where arraycopy's call costs more than the copy. */
        void copy(float[] x, int xo, float[] y, int yo, int n);

        /** {@code y[yo:yo+n] += x[xo:xo+n]}. */
        void addTo(float[] x, int xo, float[] y, int yo, int n);

        /** {@code o[oo:oo+n] = relu(x[xo:xo+n])}, {@code x < 0 ? 0 : x} (-0 and NaN kept); false if not handled. */
        boolean relu(float[] x, int xo, float[] o, int oo, int n);

        /**
         * One row of 2x2, stride 2 max pooling: the {@code ow} windows over input rows {@code r0} and {@code r0 + w}
         * into {@code o[oo:oo+ow]}, and when {@code ind} is not null each maximum's index {@code at + 2 * xo +}
         * (0, 1, w or w + 1) into {@code ind[oo:oo+ow]}. The first maximum wins ties. Returns how many leading
         * windows it wrote: it stops before a group of windows holding a NaN and leaves rows narrower than a vector
         * alone, for the scalar kernel to finish.
         */
        int maxPool2x2Row(float[] x, int r0, int w, float[] o, int oo, long[] ind, int at, int ow);
    }

    /** The vector loops, or null where the Vector API is absent. */
    static FloatLoops loops() {
        return LOOPS;
    }

    /** The Vector API loops where {@code jdk.incubator.vector} is present, else null (Lucene's probe). */
    private static final FloatLoops LOOPS = MicroKernels.loadVectorClass(FloatLoops.class, "dev.ember.cpu.VectorLoops");

    private static void binaryFloat(BinaryOp op, float[] x, int xo, int xs, float[] y, int yo, int ys,
                                    float[] o, int oo, int os, int n) {
        if (LOOPS != null && n >= 32 && os == 1 && xs == 1 && (ys == 1 ? LOOPS.binary(op, x, xo, y, yo, o, oo, n)
                : ys == 0 && LOOPS.binaryScalar(op, x, xo, y[yo], o, oo, n))) {
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
            default: throw new IllegalArgumentException("binary op " + op);
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

    static void where(CpuStorage c, Layout lc, CpuStorage a, Layout la, CpuStorage b, Layout lb, CpuStorage dst, Layout ld) {
        boolean[] cond = (boolean[]) c.array;
        StridedLoop loop = new StridedLoop(ld, lc, la, lb);
        if (dst.dtype == DType.FLOAT32) {
            float[] x = (float[]) a.array;
            float[] y = (float[]) b.array;
            float[] o = (float[]) dst.array;
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
