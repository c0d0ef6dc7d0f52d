package dev.ember.cpu;

/**
 * float32 exp, log and tanh with the bits of PyTorch's CPU kernels. PyTorch computes these three on float32 through
 * {@code Vectorized<float>::exp/log/tanh}, which call Sleef's vector functions {@code Sleef_expf8_u10},
 * {@code Sleef_logf8_u10} and {@code Sleef_tanhf8_u10} (AVX2; {@code Sleef_*f16_u10} with AVX-512, the same
 * algorithms and bits), for contiguous and strided tensors alike (the strided ones through a contiguous buffer:
 * {@code IMPLEMENT_VML} in ATen's UnaryOpsKernel.cpp). Their results are within 1 ulp of the exact value, not always
 * the nearest float (about 9% of exp's differ from it).
 *
 * <p>This class is a port of the algorithms of Sleef 3.5.1's {@code src/libm/sleefsimdsp.c} (unchanged through
 * Sleef 3.9, which PyTorch 2.x bundles): {@code xexpf} (Sleef_expf8_u10), {@code xlogf_u1} (Sleef_logf8_u10, its
 * AVX2 branch: the AVX-512 branch's getexp/getmant give the same values) and {@code xtanhf} (Sleef_tanhf8_u10, on
 * {@code expk2f}), with the semantics of Sleef's AVX2 helpers ({@code helperavx2.h}): {@code vmla} is a fused
 * multiply-add, {@code vrint_vi2_vf} rounds to nearest even, the double-float ({@code df.h}) arithmetic takes its FMA
 * forms. Written from the algorithm, in Java's exact IEEE operations only (sums, products, quotients, fused
 * multiply-adds, bit moves) in Sleef's order, so {@link VectorLoops}' lane-wise copies give the same bits in every
 * JIT tier. Round to nearest even is the {@code 1.5 * 2^23} addition (Java's float-to-int conversion truncates);
 * it is exact where the result is used (below 2^22 in magnitude) and masked elsewhere, as Sleef masks its
 * out-of-range lanes.
 *
 * <p>On them, as PyTorch's kernels compose them: GELU's tanh form and its backward ({@link #geluTanh},
 * {@link #geluTanhBackward(float, float)}), softmax over a middle dimension ({@link VectorSleef#softmaxColumns}), and
 * softmax and log-softmax over the last, forward and backward ({@link VectorSleef#softmaxRow}). Where PyTorch's
 * {@code cpu_kernel_vec} runs its scalar form instead (a strided tensor, the last {@code n mod 32} of a contiguous run
 * on AVX-512, {@code n mod 16} on AVX2: {@link #vectorPart})
 * the C library's exp and tanh stand in: glibc's expf ported ({@link LibmFloat#exp}, which is not always the nearest
 * float) for sigmoid's and silu's scalar form and softmax's tail columns; for tanh (GELU's tanh form) Ember still takes
 * the correctly rounded float (glibc's tanhf is within about half an ulp and mostly agrees with it).
 *
 * <p>Session 58 added {@code xexpm1f} ({@link #expm1}, Sleef_expm1f8_u10: {@code torch.expm1} on every element,
 * and the vectorized form of PyTorch 2.x's float elu, selu and celu, {@link #elu}); the elu kernel's scalar form calls
 * glibc's expm1f ({@link LibmFloat#expm1}, ported: {@link #eluLibm}).
 *
 * <p>The old path (the float nearest the exact value, {@link ElementwiseKernels#expRounded} and its kin, GELU's tanh
 * form in double, softmax a row at a time, {@code Math.expm1}'s float) stays behind
 * {@code -Dember.cpu.exactTranscendentals=true}, read at every call ({@link #exact()}).
 */
final class SleefFloat {
    private SleefFloat() {
    }

    /** The system property that restores the correctly rounded (nearest float) exp, log and tanh. */
    static final String EXACT_PROPERTY = "ember.cpu.exactTranscendentals";

    /** Whether the correctly rounded forms are asked for, read at each call so one JVM can alternate them. */
    static boolean exact() {
        return Boolean.getBoolean(EXACT_PROPERTY);
    }

    // Sleef's misc.h: 1 / ln 2, and ln 2 split in a high part with few bits (q * L2U is exact) and the rest
    static final float R_LN2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
    static final float L2U = 0.693145751953125f;
    static final float L2L = 1.428606765330187045e-06f;
    /** 1.5 * 2^23: {@code (v + RINT) - RINT} rounds v to the nearest integer, ties to even, for |v| below 2^22. */
    static final float RINT = 12582912f;
    static final int RINT_BITS = Float.floatToRawIntBits(RINT);
    /** xexpf's polynomial for e^s - 1 - s, highest degree first. */
    static final float E0 = 0.000198527617612853646278381f;
    static final float E1 = 0.00139304355252534151077271f;
    static final float E2 = 0.00833336077630519866943359f;
    static final float E3 = 0.0416664853692054748535156f;
    static final float E4 = 0.166666671633720397949219f;
    /** xexpf's bounds: below, the result is +0; above, +inf. */
    static final float EXP_LOW = -104f;
    static final float EXP_HIGH = 100f;
    /** expk2f's polynomial, highest degree first (its last two terms are double-float). */
    static final float K0 = 0.1980960224e-3f;
    static final float K1 = 0.1394256484e-2f;
    static final float K2 = 0.8333456703e-2f;
    static final float K3 = 0.4166637361e-1f;
    static final float K4 = 0.166666659414234244790680580464e+0f;
    /** Above this |x| xtanhf gives +-1. */
    static final float TANH_ONE = 8.664339742f;
    /** xtanhf's NaN: the all-ones bits Sleef's mask OR leaves. */
    static final int TANH_NAN_BITS = -1;
    /** xlogf_u1's ln 2 as a double-float, and its polynomial, highest degree first. */
    static final float LN2_HI = 0.69314718246459960938f;
    static final float LN2_LO = -1.904654323148236017e-09f;
    static final float L0 = 0.3027294874f;
    static final float L1 = 0.3996108174f;
    static final float L2 = 0.6666694880f;
    /** 1 / 0.75 in float: xlogf_u1 takes the exponent of x / 0.75, so the mantissa lies in [0.75, 1.5). */
    static final float R_075 = 1.0f / 0.75f;
    /** 2^64: subnormal inputs of log are scaled by it first. */
    static final float TWO64 = 0x1p64f;

    /** 2^q for q from -126 to 127 from its bits (Sleef's vpow2i). */
    static float pow2i(int q) {
        return Float.intBitsToFloat((q + 0x7f) << 23);
    }

    /** d * 2^q in two products (Sleef's vldexp2), so a subnormal result is rounded once. */
    static float ldexp2(float d, int q) {
        return d * pow2i(q >> 1) * pow2i(q - (q >> 1));
    }

    /** Sleef_expf8_u10's bits for one float. */
    static float exp(float d) {
        float t = d * R_LN2 + RINT;
        float qf = t - RINT;
        int q = Float.floatToRawIntBits(t) - RINT_BITS;
        float s = Math.fma(qf, -L2U, d);
        s = Math.fma(qf, -L2L, s);
        float u = Math.fma(E0, s, E1);
        u = Math.fma(u, s, E2);
        u = Math.fma(u, s, E3);
        u = Math.fma(u, s, E4);
        u = Math.fma(u, s, 0.5f);
        u = 1f + Math.fma(s * s, u, s);
        u = ldexp2(u, q);
        if (d < EXP_LOW) {
            u = 0f;
        }
        if (EXP_HIGH < d) {
            u = Float.POSITIVE_INFINITY;
        }
        return u;
    }

    /**
     * Sleef's {@code expk2f((a, 0))}: e^a as a double-float, its high part's bits in the upper half of the result and
     * its low part's in the lower ({@link #high}, {@link #low}); the steps {@link #tanh} and {@link #expm1} share.
     */
    static long expk2f(float a) {
        float t = a * R_LN2 + RINT;
        float qf = t - RINT;
        int q = Float.floatToRawIntBits(t) - RINT_BITS;
        // s = (a, 0) + q * -L2U, then + q * -L2L (dfadd2_vf2_vf2_vf twice)
        float c = qf * -L2U;
        float sx = a + c;
        float v = sx - a;
        float sy = (a - (sx - v)) + (c - v) + 0f;
        float b = qf * -L2L;
        float s2 = sx + b;
        v = s2 - sx;
        sy = (sx - (s2 - v)) + (b - v) + sy;
        sx = s2;
        float u = Math.fma(K0, sx, K1);
        u = Math.fma(u, sx, K2);
        u = Math.fma(u, sx, K3);
        // t = dfmul(s, u) + K4 (dfadd2_vf2_vf2_vf)
        float mx = sx * u;
        float my = Math.fma(sy, u, Math.fma(sx, u, -mx));
        float tx = mx + K4;
        v = tx - mx;
        float ty = (mx - (tx - v)) + (K4 - v) + my;
        // t = dfmul(s, t) + 0.5
        mx = sx * tx;
        my = Math.fma(sx, ty, Math.fma(sy, tx, Math.fma(sx, tx, -mx)));
        tx = mx + 0.5f;
        v = tx - mx;
        ty = (mx - (tx - v)) + (0.5f - v) + my;
        // t = s + dfsqu(s) * t (dfadd2_vf2_vf2_vf2)
        float qx = sx * sx;
        float qy = Math.fma(sx + sx, sy, Math.fma(sx, sx, -qx));
        mx = qx * tx;
        my = Math.fma(qx, ty, Math.fma(qy, tx, Math.fma(qx, tx, -mx)));
        tx = sx + mx;
        v = tx - sx;
        ty = (sx - (tx - v)) + (mx - v) + (sy + my);
        // t = 1 + t (dfadd_vf2_vf_vf2)
        float ox = 1f + tx;
        float oy = ((1f - ox) + tx) + ty;
        return (long) Float.floatToRawIntBits(ldexp2(ox, q)) << 32
                | Float.floatToRawIntBits(ldexp2(oy, q)) & 0xffffffffL;
    }

    /** The high part of an {@link #expk2f} pair. */
    static float high(long pair) {
        return Float.intBitsToFloat((int) (pair >>> 32));
    }

    /** The low part of an {@link #expk2f} pair. */
    static float low(long pair) {
        return Float.intBitsToFloat((int) pair);
    }

    /** Sleef_tanhf8_u10's bits for one float. */
    static float tanh(float x) {
        float y = Math.abs(x);
        long e = expk2f(y); // e^y as a double-float (dx, dy)
        float dx = high(e);
        float dy = low(e);
        // (y < -104 never holds: y >= 0 or NaN)
        // e = 1 / d (dfrec_vf2_vf2)
        float ex = 1f / dx;
        float ey = ex * Math.fma(-dy, ex, Math.fma(-dx, ex, 1f));
        // n = d - e, m = d + e (dfadd_vf2_vf2_vf2), then n / m (dfdiv_vf2_vf2_vf2)
        float nx = dx - ex;
        float ny = (((dx - nx) - ex) + dy) - ey;
        float sumx = dx + ex;
        float sumy = (((dx - sumx) + ex) + dy) + ey;
        float r = 1f / sumx;
        float hx = nx * r;
        float w = Math.fma(r, nx, -hx);
        float z = Math.fma(-sumy, r, Math.fma(-sumx, r, 1f));
        float hy = Math.fma(hx, z, Math.fma(ny, r, w));
        float out = hx + hy;
        if (y > TANH_ONE || out != out) {
            out = 1f;
        }
        out = Float.intBitsToFloat(Float.floatToRawIntBits(out) ^ (Float.floatToRawIntBits(x) & 0x80000000));
        return x != x ? Float.intBitsToFloat(TANH_NAN_BITS) : out;
    }

    /** xexpm1f's bounds: above, +inf; below, -1 (Sleef 3.5.1's through 3.9's; 2017's 3.x had 88.72283905206835f). */
    static final float EXPM1_HIGH = 88.72283172607421875f;
    static final float EXPM1_LOW = -16.635532333438687426013570f;

    /**
     * Sleef_expm1f8_u10's bits for one float ({@code xexpm1f}): {@code expk2f((a, 0))}, e^a as a double-float (the
     * steps of {@link #tanh}'s), plus -1 ({@code dfadd2_vf2_vf2_vf}), the two parts summed; +inf above
     * {@link #EXPM1_HIGH}, -1 below {@link #EXPM1_LOW}, -0 for -0. PyTorch's {@code Vectorized<float>::expm1}.
     */
    static float expm1(float a) {
        long e = expk2f(a); // e^a as a double-float (dx, dy)
        float dx = high(e);
        float dy = low(e);
        // (expk2f's zero below -104 is overridden by the -1 below EXPM1_LOW)
        // d + -1 (dfadd2_vf2_vf2_vf), then the two parts summed
        float sum = dx + -1f;
        float v = sum - dx;
        float lo = (dx - (sum - v)) + (-1f - v) + dy;
        float out = sum + lo;
        if (a > EXPM1_HIGH) {
            out = Float.POSITIVE_INFINITY;
        }
        if (a < EXPM1_LOW) {
            out = -1f;
        }
        if (Float.floatToRawIntBits(a) == 0x80000000) {
            out = -0f;
        }
        return out;
    }

    /**
     * PyTorch 2.x's vectorized float elu forward on one element ({@code get_vectorized_elu_elementwise_func}, ATen's
     * Elu.h): {@code x >= 0 ? x * scale : expm1(x * is) * nc}, Sleef's expm1 ({@link #expm1}).
     */
    static float elu(float x, float nc, float scale, float is) {
        return x >= 0 ? x * scale : expm1(x * is) * nc;
    }

    /**
     * {@link #elu}'s scalar form in PyTorch ({@code get_scalar_elu_elementwise_func}): {@code x < 0 ? expm1(x * is) *
     * nc : x * scale} with the C library's expm1 ({@link LibmFloat#expm1}, glibc's expm1f): the last
     * {@code n mod PASS} of a contiguous run ({@link #vectorPart}) and strided runs.
     */
    static float eluLibm(float x, float nc, float scale, float is) {
        return x < 0 ? LibmFloat.expm1(x * is) * nc : x * scale;
    }

    /** Sleef_logf8_u10's bits for one float. */
    static float log(float d) {
        boolean tiny = d < Float.MIN_NORMAL;
        if (tiny) {
            d = d * TWO64;
        }
        int e = ((Float.floatToRawIntBits(d * R_075) >>> 23) & 0xff) - 0x7f;
        float m = Float.intBitsToFloat(Float.floatToRawIntBits(d) + (-e << 23));
        if (tiny) {
            e -= 64;
        }
        float ef = e;
        // s = (LN2_HI, LN2_LO) * e (dfmul_vf2_vf2_vf)
        float sx = LN2_HI * ef;
        float sy = Math.fma(LN2_LO, ef, Math.fma(LN2_HI, ef, -sx));
        // x = (m - 1) / (m + 1), numerator and denominator by dfadd2_vf2_vf_vf, the quotient by dfdiv_vf2_vf2_vf2
        float nx = -1f + m;
        float v = nx - -1f;
        float ny = (-1f - (nx - v)) + (m - v);
        float ax = 1f + m;
        v = ax - 1f;
        float ay = (1f - (ax - v)) + (m - v);
        float r = 1f / ax;
        float xx = nx * r;
        float w = Math.fma(r, nx, -xx);
        float z = Math.fma(-ay, r, Math.fma(-ax, r, 1f));
        float xy = Math.fma(xx, z, Math.fma(ny, r, w));
        float x2 = xx * xx;
        float t = Math.fma(L0, x2, L1);
        t = Math.fma(t, x2, L2);
        // s += 2x (dfadd_vf2_vf2_vf2), then s += x^3 t (dfadd_vf2_vf2_vf)
        float bx = xx * 2f;
        float by = xy * 2f;
        float s2 = sx + bx;
        sy = (((sx - s2) + bx) + sy) + by;
        sx = s2;
        float c = x2 * xx * t;
        s2 = sx + c;
        sy = ((sx - s2) + c) + sy;
        float out = s2 + sy;
        if (d == Float.POSITIVE_INFINITY) {
            out = Float.POSITIVE_INFINITY;
        }
        if (d < 0 || d != d) {
            out = Float.NaN;
        }
        if (d == 0) {
            out = Float.NEGATIVE_INFINITY;
        }
        return out;
    }

    /** GELU's tanh form's constants as PyTorch's float kernel rounds them: {@code M_SQRT2 * M_2_SQRTPI * 0.5}, 0.044715. */
    static final float GELU_BETA = (float) (1.41421356237309504880 * 1.12837916709551257390 * 0.5);
    static final float GELU_KAPPA = (float) 0.044715;

    /**
     * Floats per pass of PyTorch's vectorized loop ({@code vectorized_loop} in ATen's cpu/Loops.h takes two vectors at
     * a time): 32 where 2.x dispatches to AVX512 (this AVX-512 machine's default; {@code ATEN_CPU_CAPABILITY} or
     * {@code ember.cpu.capability} pick another, {@link dev.ember.backend.CpuCapability}), 16 on AVX2 (and DEFAULT,
     * whose scalar lanes Ember does not follow, as for exp).
     */
    static final int PASS = dev.ember.backend.CpuCapability.vectorBytes(dev.ember.backend.CpuCapability.value()) / 2;
    /** Floats of one {@code Vectorized<float>}: 16 on AVX512, 8 otherwise. */
    static final int LANES = PASS / 2;

    /**
     * The elements of a contiguous run that PyTorch's {@code cpu_kernel_vec} computes in its vectorized form: the
     * whole passes ({@link #PASS}) from the run's start; its scalar form takes the last {@code n mod PASS}. For GELU's
     * tanh form the scalar form calls the C library (glibc's tanhf: close to what
     * {@link ElementwiseKernels#tanhRounded} gives), as it does for a strided tensor. A run is what one thread of
     * PyTorch's gets: the whole tensor with one thread, the generators' setting ({@link StridedLoop} cuts Ember's
     * threads' chunks at whole passes, so the bits do not depend on Ember's thread count).
     */
    static int vectorPart(int n) {
        return n & -PASS;
    }

    /**
     * PyTorch's vectorized float GELU, tanh form ({@code GeluKernelImpl}): {@code 0.5x (1 + tanh(beta (x + kappa
     * x^3)))} with Sleef's tanh, the sum {@code x + kappa x^3} contracted into one fused multiply-add as PyTorch's
     * build compiles it (a probe over 1.3M inputs: 0 differences with the contraction, 6116 without).
     */
    static float geluTanh(float x) {
        float x3 = x * x * x;
        return 0.5f * x * (1f + tanh(GELU_BETA * Math.fma(GELU_KAPPA, x3, x)));
    }

    /** {@link #geluTanh}'s scalar form in PyTorch, the C library's tanh in place of Sleef's. */
    static float geluTanhLibm(float x) {
        float x3 = x * x * x;
        return 0.5f * x * (1f + ElementwiseKernels.tanhRounded(GELU_BETA * Math.fma(GELU_KAPPA, x3, x)));
    }

    /** {@code 3 * kappa} as PyTorch's kernels fold {@code kThreeVec * kKappaVec}: in float. */
    static final float GELU_KAPPA3 = 3f * GELU_KAPPA;

    /** The tanh's argument of GELU's tanh form and its backward: {@code beta * fma(kappa, x^3, x)}. */
    static float geluTanhInner(float x) {
        float x3 = x * x * x;
        return GELU_BETA * Math.fma(GELU_KAPPA, x3, x);
    }

    /**
     * PyTorch's float GELU tanh-form backward ({@code GeluBackwardKernelImpl}) given {@code t = tanh(inner)}:
     * {@code dy * (0.5 (1 + t) + 0.5 x (1 - t^2) beta (1 + 3 kappa x^2))}, with the two contractions PyTorch's build
     * makes ({@code 1 - t t} and {@code 1 + 3kappa x^2} fused multiply-adds; a probe over 4096 inputs: 0 differences
     * with both, 157 to 1465 with the other choices), the products in the source's order.
     */
    static float geluTanhBackward(float dy, float x, float t) {
        float right = 1f + t;
        float tanhDerivative = Math.fma(-t, t, 1f);
        float innerDerivative = GELU_BETA * Math.fma(GELU_KAPPA3, x * x, 1f);
        return dy * (0.5f * right + 0.5f * x * tanhDerivative * innerDerivative);
    }

    /** PyTorch's vectorized GELU tanh-form backward, Sleef's tanh: see {@link #geluTanhBackward(float, float, float)}. */
    static float geluTanhBackward(float dy, float x) {
        return geluTanhBackward(dy, x, tanh(geluTanhInner(x)));
    }

    /** {@link #geluTanhBackward(float, float)}'s scalar form in PyTorch, the C library's tanh in place of Sleef's. */
    static float geluTanhBackwardLibm(float dy, float x) {
        return geluTanhBackward(dy, x, ElementwiseKernels.tanhRounded(geluTanhInner(x)));
    }
    /**
     * PyTorch's vectorized float sigmoid ({@code sigmoid_kernel}: {@code 0 - x}, Sleef's exp, {@code 1 +}, then the
     * reciprocal); its scalar form ({@link ElementwiseKernels#sigmoidFloat}) calls the C library's exp. {@code 0 - x}
     * keeps a NaN's sign where negation flips it (PyTorch's NaN out is the NaN in).
     */
    static float sigmoid(float x) {
        return 1f / (1f + exp(0f - x));
    }

    /** The sigmoid of PyTorch's vectorized silu_backward: {@code 1 / (1 + exp(-x))}, Sleef's exp, x negated. */
    static float siluSigmoid(float x) {
        return 1f / (1f + exp(-x));
    }

    /** PyTorch's vectorized float silu ({@code silu_kernel}: {@code x / (1 + (-x).exp())}), Sleef's exp. */
    static float silu(float x) {
        return x / (1f + exp(-x));
    }

    /** {@link #silu}'s scalar form in PyTorch, the C library's exp ({@link LibmFloat#exp}, glibc's expf). */
    static float siluLibm(float x) {
        return x / (1f + LibmFloat.exp(-x));
    }

    /**
     * Sigmoid's scalar form in PyTorch, {@code 1 / (1 + expf(-x))} with the C library's exp ({@link LibmFloat#exp}):
     * the tails of contiguous runs and strided runs. ({@link ElementwiseKernels#sigmoidFloat} keeps the correctly
     * rounded exp, for the exact path.)
     */
    static float sigmoidLibm(float x) {
        return 1f / (1f + LibmFloat.exp(-x));
    }

    /**
     * PyTorch's float silu_backward ({@code silu_backward_kernel}) given {@code s = sigmoid(x)}:
     * {@code dy * s * (1 + x * (1 - s))} in the source's order, {@code 1 + x * (1 - s)} contracted into one fused
     * multiply-add as PyTorch's build compiles it (a probe over 65536 inputs against 1.13: 0 differences with the
     * contraction, 9157 without). Where {@code dy * s} is NaN the result is that NaN, as x86's product returns its
     * first NaN operand (PyTorch's bits; the JIT may swap a product's operands, so this is written out).
     */
    static float siluBackward(float dy, float x, float s) {
        float a = dy * s;
        return a != a ? a : a * Math.fma(x, 1f - s, 1f);
    }
}
