package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;

/**
 * PyTorch's {@code leaky_relu}, {@code elu} (with {@code alpha, scale, input_scale}, which covers {@code selu} and
 * {@code celu}) and their backwards ({@code leaky_relu_backward}; {@code elu_backward} on the input and, for the
 * in-place forms, on the result) in one pass each, float32 and float64 ({@link dev.ember.backend.Backend#leakyRelu},
 * {@link dev.ember.backend.Backend#elu}). They replace compositions of three to nine elementwise kernels (a comparison,
 * products, {@code expm1} or {@code exp}, {@code where}) and as many temporaries; each element takes the same
 * operations in the same order and types as there, so the bits are the composition's:
 * <ul>
 *   <li>each coefficient rounded to the type, each product rounded, a NaN input taking the branch its comparison sends
 *       it to ({@code x > 0}, {@code x < 0}, {@code x == 0}, {@code x <= 0} are false for it);</li>
 *   <li>{@code expm1} as the unary kernel computes it for both types, {@code Math.expm1} (float32: of the float
 *       widened, the result rounded to float, which {@link #expm1Floats} reaches on the Vector API's lanes, and
 *       {@link #expm1Float} through {@code Math.exp}, where they provably can; the unary kernel takes the same), the
 *       float32 forward and unary kernel under {@code -Dember.cpu.exactTranscendentals=true} only: by default (session
 *       58) they have PyTorch's bits, Sleef's expm1f ({@link #expm1Sleef}) and PyTorch 2.x's elu kernel
 *       ({@code eluForwardSleef}: Sleef's over the vector part of a contiguous run, glibc's expm1f over the rest),
 *       which the composition does not reproduce;</li>
 *   <li>{@code exp}: float64 {@code Math.exp}; float32 Sleef's ({@link SleefFloat#exp}, whose lane form
 *       {@link VectorSleef#exp} has the same bits), the unary kernel's outside
 *       {@code -Dember.cpu.exactTranscendentals=true}, under which this kernel declines; since session 58 only over
 *       the vector part of a contiguous run, glibc's expf ({@link LibmFloat#exp}) over the rest and over strided runs
 *       ({@link #eluBackwardInputLibm}), as PyTorch's elu_backward, which the composition does not reproduce.</li>
 * </ul>
 * Contiguous runs go through the Vector API loops ({@link EluLoops}) where present (the float32 elu forward, strided
 * too, through a block of doubles and {@link EluLoops#expm1}; the float64 elu forward and backward on the input,
 * whose {@code expm1} and {@code exp} have no lane form with these bits, element by element), the rest element by
 * element. The op layer keeps the compositions behind
 * {@code -Dember.cpu.activation.composed=true}.
 */
final class EluKernels {
    private EluKernels() {
    }

    /** The Vector API loops where {@code jdk.incubator.vector} is present, else null. */
    private static final EluLoops LOOPS = MicroKernels.loadVectorClass(EluLoops.class, "dev.ember.cpu.VectorEluLoops");

    // ------------------------------------------------------------------ elements

    /** leaky_relu: {@code x > 0 ? x : x * s}. */
    static float leakyRelu(float x, float s) {
        return x > 0 ? x : x * s;
    }

    /** {@link #leakyRelu(float, float)} in float64. */
    static double leakyRelu(double x, double s) {
        return x > 0 ? x : x * s;
    }

    /** leaky_relu_backward: {@code x > 0 ? g : g * s}. */
    static float leakyReluBackward(float g, float x, float s) {
        return x > 0 ? g : g * s;
    }

    /** {@link #leakyReluBackward(float, float, float)} in float64. */
    static double leakyReluBackward(double g, double x, double s) {
        return x > 0 ? g : g * s;
    }

    /**
     * elu in float64: {@code x < 0 ? expm1(x * is) * nc : x * scale} (float32: {@link #eluForward}). A zero takes the
     * positive branch, as in PyTorch 2.x's Elu.h (its scalar form {@code a < 0 ? ...}, its vector form
     * {@code blendv(..., a >= 0)}): {@code elu(+0, alpha < 0)} is +0, where 1.13's {@code x > 0} gave -0.
     */
    static double elu(double x, double nc, double scale, double is) {
        return x < 0 ? Math.expm1(x * is) * nc : x * scale;
    }

    /**
     * elu_backward on the input, float32, PyTorch's vectorized form: {@code x > 0 ? g * scale : ((g * ni) * nc) *
     * exp(x * ni)} with Sleef's exp (a NaN x gives NaN; at a zero x, exp gives 1: {@code (g * ni) * nc}).
     */
    static float eluBackwardInput(float g, float x, float nc, float scale, float ni) {
        return x > 0 ? g * scale : g * ni * nc * SleefFloat.exp(x * ni);
    }

    /**
     * {@link #eluBackwardInput(float, float, float, float, float)}'s scalar form in PyTorch (the tail of a contiguous
     * run, strided runs): {@code x <= 0 ? ((g * ni) * nc) * exp(x * ni) : g * scale} with the C library's exp
     * ({@link LibmFloat#exp}, glibc's expf; a NaN x gives {@code g * scale}).
     */
    static float eluBackwardInputLibm(float g, float x, float nc, float scale, float ni) {
        return x <= 0 ? g * ni * nc * LibmFloat.exp(x * ni) : g * scale;
    }

    /** {@link #eluBackwardInput(float, float, float, float, float)} in float64, exp {@code Math.exp}. */
    static double eluBackwardInput(double g, double x, double nc, double scale, double ni) {
        return x < 0 ? g * ni * nc * Math.exp(x * ni) : x == 0 ? g * ni * nc : g * scale;
    }

    /**
     * elu_backward on the result, PyTorch's scalar form: {@code r <= 0 ? (g * is) * (r + nc) : g * scale} (its
     * {@code a * negiptcoef * (b + negcoef)}, left to right).
     */
    static float eluBackwardResult(float g, float r, float nc, float scale, float is) {
        return r <= 0 ? g * is * (r + nc) : g * scale;
    }

    /** {@link #eluBackwardResult(float, float, float, float, float)} in float64. */
    static double eluBackwardResult(double g, double r, double nc, double scale, double is) {
        return r <= 0 ? g * is * (r + nc) : g * scale;
    }

    /**
     * elu_backward on the result, PyTorch's vectorized form ({@code blendv(a * negiptcoef * (b + negcoef), a *
     * poscoef, b > 0)}): the same products, but a NaN result takes the negative branch (so gives NaN).
     */
    static float eluBackwardResultVectorForm(float g, float r, float nc, float scale, float is) {
        return r > 0 ? g * scale : g * is * (r + nc);
    }

    /** {@link #eluBackwardResultVectorForm(float, float, float, float, float)} in float64. */
    static double eluBackwardResultVectorForm(double g, double r, double nc, double scale, double is) {
        return r > 0 ? g * scale : g * is * (r + nc);
    }

    /** The float64 elements of a contiguous run PyTorch's {@code cpu_kernel_vec} takes in whole passes of two vectors. */
    private static int doubleVectorPart(int n) {
        return n & -(dev.ember.backend.CpuCapability.vectorBytes(dev.ember.backend.CpuCapability.value()) / 4);
    }

    // ------------------------------------------------------------------ kernels

    /**
     * {@code -Dember.cpu.elu.plainExpm1=true} (read per call): the float32 elu forward and the float32 {@code expm1}
     * kernel call {@code Math.expm1} for every element they take, instead of {@link #expm1Floats}; the same bits (the
     * paths before session 56 and 57). Since session 58 it (and {@link #NO_LANES_PROPERTY}) acts only under
     * {@code -Dember.cpu.exactTranscendentals=true}: the default is Sleef's expm1f, {@link #expm1Sleef}.
     */
    static final String PLAIN_EXPM1_PROPERTY = "ember.cpu.elu.plainExpm1";

    /**
     * {@code -Dember.cpu.expm1.noLanes=true} (read per call): {@link #expm1Floats} keeps to the scalar
     * {@link #expm1Float}, as without the Vector API, and the float32 elu forward to session 56's path; the same bits.
     */
    static final String NO_LANES_PROPERTY = "ember.cpu.expm1.noLanes";

    /** Whether the float32 {@code expm1} kernel takes {@link #expm1Floats} (else its {@code Math.expm1}), per call. */
    static boolean expm1Shortcuts() {
        return !Boolean.getBoolean(PLAIN_EXPM1_PROPERTY);
    }

    /** Below this |d|, {@link #expm1Float} calls {@code Math.expm1} (exp(d) - 1 cancels there). */
    private static final double EXPM1_SMALL = 0x1p-10;
    /** From this |d|, {@link #expm1Float} calls {@code Math.expm1} (keeps the results normal, finite floats). */
    private static final double EXPM1_LARGE = 80;

    /**
     * A double that rounds to the float {@code (float) Math.expm1(d)} rounds to: {@code Math.exp(d) - 1} where that
     * provably rounds to the same float, else {@code Math.expm1(d)} itself (a JNI call into fdlibm on JDK 17, about 19
     * ns against 4 for the {@code Math.exp} intrinsic). The proof: {@code Math.exp} and {@code Math.expm1} are each
     * within 1 ulp of the exact value t (their specifications), and {@code e - 1} for {@code e = Math.exp(d)} adds at
     * most half an ulp of the difference; so t, and {@code Math.expm1(d)}, lie within {@code 2 ulp(e) + 3 ulp(y)} of
     * {@code y = e - 1}. Where no midpoint between two floats lies within twice that of y, every value there rounds to
     * the one float y rounds to. Taken for {@code 2^-10 <= |d| < 80} (normal float results, little cancellation); the
     * check fails for about one element in 2^19.
     */
    static double expm1Float(double d) {
        double y = expm1Shortcut(d);
        return y == y ? y : Math.expm1(d);
    }

    /** {@link #expm1Float}'s {@code Math.exp(d) - 1} where it provably rounds as {@code Math.expm1(d)}, else NaN. */
    static double expm1Shortcut(double d) {
        double a = Math.abs(d);
        if (!(a >= EXPM1_SMALL && a < EXPM1_LARGE)) {
            return Double.NaN;
        }
        double e = Math.exp(d);
        double y = e - 1.0;
        float f = (float) y;
        double margin = 4 * Math.ulp(e) + 6 * Math.ulp(y);
        double below = (f + (double) Math.nextDown(f)) * 0.5;
        double above = (f + (double) Math.nextUp(f)) * 0.5;
        return y - below > margin && above - y > margin ? y : Double.NaN;
    }

    /**
     * Replaces each of {@code d[0..n)}, each a float's value, by a double that rounds to the float
     * {@code (float) Math.expm1(d[i])} rounds to: through the Vector API's {@code EXPM1} where present
     * ({@link EluLoops#expm1}), else (and under {@link #NO_LANES_PROPERTY}) {@link #expm1Float} per element. The
     * float32 elu forward and {@code expm1} kernels take it over their blocks of widened floats.
     *
     * <p>The lanes' proof. JDK 17's {@code VectorOperators}, "Operations on floating point vectors": "Lane-wise vector
     * operations that apply to floating point vectors follow the accuracy and monotonicity specifications of the
     * equivalent Java operation or method mentioned in its documentation unless specified otherwise" ({@code EXPM1}'s
     * own line adds only "Not guaranteed to be semi-monotonic"); {@code Math.expm1}'s: "The computed result must be
     * within 1 ulp of the exact result". Take d finite, nonzero, below 709 (else the lane falls back), so the exact
     * {@code t = e^d - 1} is a double-range value with {@code |t| > 2^-150} (d, a float, is 0 or at least 2^-149 in
     * magnitude) and {@code ulp(t) <= 2^-52 |t|}. The lane's y and {@code z = Math.expm1(d)} are each within
     * {@code ulp(t)} of t, so {@code |z - y| <= 2^-51 |t| < 2^-50 |y|}. With {@code m = |y| 2^-48} (exact), rounding
     * being monotone and z a double, {@code lo = y - m <= z <= y + m = hi} as computed; rounding to float being
     * monotone, where {@code (float) lo == (float) hi} the floats of z and of y (also between) are that one. A zero d
     * gives d ({@code Math.expm1}'s zero of the same sign). The check fails for about one element in 2^22.
     */
    static void expm1Floats(double[] d, int n) {
        if (LOOPS != null && !Boolean.getBoolean(NO_LANES_PROPERTY)) {
            LOOPS.expm1(d, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            d[i] = expm1Float(d[i]);
        }
    }

    /** The elements {@link #eluForward} takes through a block of doubles at a time. */
    private static final int BLOCK = 256;

    /**
     * float32 elu over a row, {@code x > 0 ? x * scale : (float) expm1(x * is) * nc}: the products {@code x * is}
     * widened into a block of doubles, {@link EluLoops#expm1} over the whole block (without the Vector API, or under
     * {@link #NO_LANES_PROPERTY}, {@link #expm1Float} over the block's elements that take it), then the results (the
     * conversions apart from the call, as the unary kernel's float loop has them), chosen by their bits. The output
     * may be the input at the same place: each element is read before it is written.
     */
    private static void eluForward(float[] x, int xo, int xs, float nc, float scale, float is, float[] o, int oo,
                                   int os, int n) {
        if (!SleefFloat.exact()) {
            eluForwardSleef(x, xo, xs, nc, scale, is, o, oo, os, n);
            return;
        }
        double[] d = new double[Math.min(n, BLOCK)];
        boolean plain = Boolean.getBoolean(PLAIN_EXPM1_PROPERTY);
        // the paths before session 57, kept whole behind the properties for before/after measurements
        boolean old = plain || Boolean.getBoolean(NO_LANES_PROPERTY);
        boolean lanes = !old && LOOPS != null;
        for (int start = 0; start < n; start += BLOCK) {
            int m = Math.min(BLOCK, n - start);
            int xi = xo + start * xs;
            for (int i = 0; i < m; i++) {
                d[i] = x[xi + i * xs] * is;
            }
            if (lanes) {
                // every element: the lanes cost less than choosing them (the positive ones' results go unused)
                LOOPS.expm1(d, m);
            } else {
                for (int i = 0; i < m; i++) {
                    if (!(x[xi + i * xs] > 0)) {
                        d[i] = plain ? Math.expm1(d[i]) : expm1Float(d[i]);
                    }
                }
            }
            int oi = oo + start * os;
            if (!old) {
                // the choice by an int-valued conditional on the bits, a conditional move: the float-valued one
                // (kept below for the old paths) branches, mispredicted on every other element of signed data
                for (int i = 0; i < m; i++) {
                    float v = x[xi + i * xs];
                    int pos = v > 0 ? -1 : 0;
                    o[oi + i * os] = Float.intBitsToFloat(Float.floatToRawIntBits(v * scale) & pos
                            | Float.floatToRawIntBits((float) d[i] * nc) & ~pos);
                }
            } else {
                for (int i = 0; i < m; i++) {
                    float v = x[xi + i * xs];
                    o[oi + i * os] = v > 0 ? v * scale : (float) d[i] * nc;
                }
            }
        }
    }

    /**
     * PyTorch 2.x's float32 elu forward ({@code elu_kernel} on ATen's Elu.h, {@code cpu_kernel_vec}) over a row: its
     * vectorized form {@link SleefFloat#elu} (Sleef's expm1; {@link EluLoops#eluSleef} on the lanes) over the vector
     * part of a contiguous run ({@link SleefFloat#vectorPart}), its scalar form {@link SleefFloat#eluLibm} (glibc's
     * expm1f) over the rest and over strided runs. The project's default; {@code -Dember.cpu.exactTranscendentals=true}
     * keeps session 57's {@code Math.expm1} bits. The output may be the input at the same place.
     */
    private static void eluForwardSleef(float[] x, int xo, int xs, float nc, float scale, float is, float[] o,
                                        int oo, int os, int n) {
        int vector = xs == 1 && os == 1 ? SleefFloat.vectorPart(n) : 0;
        int i = 0;
        if (LOOPS != null && vector > 0) {
            LOOPS.eluSleef(x, xo, nc, scale, is, o, oo, vector);
            i = vector;
        }
        for (; i < n; i++) {
            float v = x[xo + i * xs];
            o[oo + i * os] = i < vector ? SleefFloat.elu(v, nc, scale, is) : SleefFloat.eluLibm(v, nc, scale, is);
        }
    }

    /**
     * The float32 {@code expm1} kernel's default ({@code torch.expm1}: ATen's {@code IMPLEMENT_FLOAT_KERNEL(expm1)}
     * maps {@code Vectorized<float>::expm1}, Sleef_expm1f8_u10, over every element, a strided operand through a
     * contiguous buffer): {@link SleefFloat#expm1} on each element, {@link EluLoops#expm1Sleef} on the lanes of a
     * contiguous run. {@code -Dember.cpu.exactTranscendentals=true} keeps {@code Math.expm1}'s float
     * ({@link #expm1Floats}).
     */
    static void expm1Sleef(float[] a, int ao, int as, float[] o, int oo, int os, int n) {
        if (LOOPS != null && as == 1 && os == 1) {
            LOOPS.expm1Sleef(a, ao, o, oo, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            o[oo + i * os] = SleefFloat.expm1(a[ao + i * as]);
        }
    }

    /** Whether the operands are all float32 or all float64. */
    private static boolean floating(CpuStorage grad, CpuStorage x, CpuStorage dst) {
        return (x.dtype == DType.FLOAT32 || x.dtype == DType.FLOAT64) && dst.dtype == x.dtype
                && (grad == null || grad.dtype == x.dtype);
    }

    /** The iteration over dst, x and grad (if any), in that order. */
    private static StridedLoop loop(CpuStorage grad, Layout gl, Layout xl, Layout dl) {
        return grad == null ? new StridedLoop(dl, xl) : new StridedLoop(dl, xl, gl);
    }

    /** Whether a row is contiguous in every operand (the vector loops' case). */
    private static boolean contiguous(int[] st) {
        for (int s : st) {
            if (s != 1) {
                return false;
            }
        }
        return true;
    }

    /** {@link dev.ember.backend.Backend#leakyRelu}; false for another type. */
    static boolean leakyRelu(CpuStorage grad, Layout gl, CpuStorage x, Layout xl, double slope, CpuStorage dst,
                             Layout dl) {
        if (!floating(grad, x, dst)) {
            return false;
        }
        StridedLoop loop = loop(grad, gl, xl, dl);
        if (x.dtype == DType.FLOAT32) {
            float s = (float) slope;
            float[] g = grad == null ? null : (float[]) grad.array;
            float[] v = (float[]) x.array;
            float[] o = (float[]) dst.array;
            loop.run((off, n, st) -> {
                int go = g == null ? 0 : off[2];
                if (LOOPS != null && contiguous(st)) {
                    LOOPS.leakyRelu(g, go, v, off[1], s, o, off[0], n);
                } else if (g == null) {
                    for (int i = 0; i < n; i++) {
                        o[off[0] + i * st[0]] = leakyRelu(v[off[1] + i * st[1]], s);
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        o[off[0] + i * st[0]] = leakyReluBackward(g[go + i * st[2]], v[off[1] + i * st[1]], s);
                    }
                }
            }, true);
            return true;
        }
        double[] g = grad == null ? null : (double[]) grad.array;
        double[] v = (double[]) x.array;
        double[] o = (double[]) dst.array;
        loop.run((off, n, st) -> {
            int go = g == null ? 0 : off[2];
            if (LOOPS != null && contiguous(st)) {
                LOOPS.leakyRelu(g, go, v, off[1], slope, o, off[0], n);
            } else if (g == null) {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = leakyRelu(v[off[1] + i * st[1]], slope);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = leakyReluBackward(g[go + i * st[2]], v[off[1] + i * st[1]], slope);
                }
            }
        }, true);
        return true;
    }

    /**
     * {@link dev.ember.backend.Backend#elu}; false for another type, and for the float32 backward on the input under
     * {@code -Dember.cpu.exactTranscendentals=true} (whose exp is another routine).
     */
    static boolean elu(CpuStorage grad, Layout gl, CpuStorage x, Layout xl, double negcoef, double scale,
                       double inputScale, boolean isResult, CpuStorage dst, Layout dl) {
        if (!floating(grad, x, dst)
                || grad != null && !isResult && x.dtype == DType.FLOAT32 && SleefFloat.exact()) {
            return false;
        }
        StridedLoop loop = loop(grad, gl, xl, dl);
        if (x.dtype == DType.FLOAT32) {
            float nc = (float) negcoef;
            float sc = (float) scale;
            float is = (float) inputScale;
            float[] g = grad == null ? null : (float[]) grad.array;
            float[] v = (float[]) x.array;
            float[] o = (float[]) dst.array;
            loop.run((off, n, st) -> {
                if (g == null) {
                    eluForward(v, off[1], st[1], nc, sc, is, o, off[0], st[0], n);
                } else if (!isResult) {
                    // PyTorch's elu_backward: the vectorized form (Sleef's exp) over the vector part of a contiguous
                    // run, the scalar form (glibc's expf) over the rest and over strided runs
                    int vector = contiguous(st) ? SleefFloat.vectorPart(n) : 0;
                    int i = 0;
                    if (LOOPS != null && vector > 0) {
                        LOOPS.eluBackwardInput(g, off[2], v, off[1], nc, sc, is, o, off[0], vector);
                        i = vector;
                    }
                    for (; i < n; i++) {
                        float gi = g[off[2] + i * st[2]];
                        float xi = v[off[1] + i * st[1]];
                        o[off[0] + i * st[0]] = i < vector ? eluBackwardInput(gi, xi, nc, sc, is)
                                : eluBackwardInputLibm(gi, xi, nc, sc, is);
                    }
                } else {
                    // on the result: PyTorch's vectorized form over the vector part of a contiguous run, its scalar
                    // form (which a NaN result takes to the positive branch) over the rest and over strided runs
                    int vector = contiguous(st) ? SleefFloat.vectorPart(n) : 0;
                    int i = 0;
                    if (LOOPS != null && vector > 0) {
                        LOOPS.eluBackwardResult(g, off[2], v, off[1], nc, sc, is, o, off[0], vector);
                        i = vector;
                    }
                    for (; i < n; i++) {
                        float gi = g[off[2] + i * st[2]];
                        float ri = v[off[1] + i * st[1]];
                        o[off[0] + i * st[0]] = i < vector ? eluBackwardResultVectorForm(gi, ri, nc, sc, is)
                                : eluBackwardResult(gi, ri, nc, sc, is);
                    }
                }
            }, true);
            return true;
        }
        double[] g = grad == null ? null : (double[]) grad.array;
        double[] v = (double[]) x.array;
        double[] o = (double[]) dst.array;
        loop.run((off, n, st) -> {
            if (g == null) {
                for (int i = 0; i < n; i++) {
                    o[off[0] + i * st[0]] = elu(v[off[1] + i * st[1]], negcoef, scale, inputScale);
                }
            } else {
                int vector = isResult && contiguous(st) ? doubleVectorPart(n) : 0;
                int i = 0;
                if (LOOPS != null && vector > 0) {
                    LOOPS.eluBackwardResult(g, off[2], v, off[1], negcoef, scale, inputScale, o, off[0], vector);
                    i = vector;
                }
                for (; i < n; i++) {
                    double gi = g[off[2] + i * st[2]];
                    double xi = v[off[1] + i * st[1]];
                    o[off[0] + i * st[0]] = !isResult ? eluBackwardInput(gi, xi, negcoef, scale, inputScale)
                            : i < vector ? eluBackwardResultVectorForm(gi, xi, negcoef, scale, inputScale)
                            : eluBackwardResult(gi, xi, negcoef, scale, inputScale);
                }
            }
        }, true);
        return true;
    }
}
