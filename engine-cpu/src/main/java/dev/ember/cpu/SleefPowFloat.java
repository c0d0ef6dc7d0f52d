package dev.ember.cpu;

/**
 * float32 {@code pow} with the bits of PyTorch's vectorized CPU kernel. PyTorch's pow of a float32 tensor by a number
 * that is not one of its special exponents (0, 1, 2, 3, -2, 0.5, -0.5, -1: exact formulas, which Ember repeats), and
 * its pow of two float32 tensors, run {@code cpu_kernel_vec}: whole passes of the contiguous run go through
 * {@code Vectorized<float>::pow}, which is Sleef's {@code Sleef_powf8_u10} ({@code Sleef_powf16_u10} on AVX-512, the
 * same algorithm per lane), within 1 ulp of the exact value but not always the nearest float (about 1.7% of results
 * differ from it over random inputs); the last {@code n mod PASS} elements and strided tensors take the scalar form,
 * the C library's pow in double for a number exponent, as Ember computes every element otherwise.
 *
 * <p>A port of the algorithm of Sleef 3.5.1's {@code xpowf} ({@code src/libm/sleefsimdsp.c}, the version PyTorch
 * bundles; unchanged through 3.9) with its AVX2 helpers' semantics, as {@link SleefFloat}: {@code logkf} (a
 * double-float logarithm of |x|), the product with y in double-float, {@code expkf} (e to a double-float), then the
 * sign, infinity, zero and NaN rules of the C standard's pow, in Sleef's order of selects. The double-float
 * operations are Sleef's {@code df.h} FMA forms. Java's IEEE operations only, so every JIT tier gives the same bits.
 * NaN results are Sleef's: all bits set where x or y is NaN; the default NaN where a negative finite x meets a
 * non-integer y.
 */
final class SleefPowFloat {
    private SleefPowFloat() {
    }

    /** logkf's polynomial in x^2, highest degree first, and its double-float last coefficient. */
    static final float LK0 = 0.240320354700088500976562f;
    static final float LK1 = 0.285112679004669189453125f;
    static final float LK2 = 0.400007992982864379882812f;
    static final float LKC_HI = 0.66666662693023681640625f;
    static final float LKC_LO = 3.69183861259614332084311e-09f;
    /** expkf's polynomial, highest degree first. */
    static final float EK0 = 0.00136324646882712841033936f;
    static final float EK1 = 0.00836596917361021041870117f;
    static final float EK2 = 0.0416710823774337768554688f;
    static final float EK3 = 0.166665524244308471679688f;
    static final float EK4 = 0.499999850988388061523438f;
    /** 2^24: above it every float is an even integer (xpowf's yisint / yisodd bounds). */
    private static final float TWO24 = 16777216f;
    /** Sleef's SLEEF_NANf (the compiler's quiet NaN) and the all-ones NaN its final mask OR gives. */
    static final float DEFAULT_NAN = Float.intBitsToFloat(0x7fc00000);
    static final float ALL_ONES_NAN = Float.intBitsToFloat(-1);

    /** Sleef_powf8_u10's bits for one pair. */
    static float pow(float x, float y) {
        boolean yIsInt = truncate(y) == y || Math.abs(y) > TWO24;
        boolean yIsOdd = (cvtt(y) & 1) == 1 && yIsInt && Math.abs(y) < TWO24;

        // logkf(|x|) as (lx, ly), times y (dfmul_vf2_vf2_vf)
        float ax = Math.abs(x);
        long lk = logk(ax);
        float lx = hi(lk);
        float ly = lo(lk);
        float px = lx * y;
        float py = Math.fma(ly, y, Math.fma(lx, y, -px));
        float result = expk(px, py);

        if (result != result) {
            result = Float.POSITIVE_INFINITY;
        }
        result = result * (x > 0 ? 1f : yIsInt ? (yIsOdd ? -1f : 1f) : DEFAULT_NAN);

        float efx = Float.intBitsToFloat(Float.floatToRawIntBits(ax - 1f) ^ (Float.floatToRawIntBits(y) & 0x80000000));
        if (Float.isInfinite(y)) {
            result = efx < 0f ? 0f : efx == 0f ? 1f : Float.POSITIVE_INFINITY;
        }
        if (Float.isInfinite(x) || x == 0f) {
            float sign = yIsOdd ? Math.copySign(1f, x) : 1f;
            result = sign * ((x == 0f ? -y : y) < 0f ? 0f : Float.POSITIVE_INFINITY);
        }
        if (x != x || y != y) {
            result = ALL_ONES_NAN;
        }
        if (y == 0f || x == 1f) {
            result = 1f;
        }
        return result;
    }

    /** AVX2's round toward zero ({@code vtruncate_vf_vf}); exact. */
    private static float truncate(float v) {
        return (float) (v < 0 ? Math.ceil(v) : Math.floor(v));
    }

    /** {@code _mm256_cvttps_epi32}: truncation, INT_MIN for NaN and out of range. */
    private static int cvtt(float v) {
        if (!(v > -2147483904f && v < 2147483648f)) {
            return Integer.MIN_VALUE;
        }
        return (int) v;
    }

    /** {@code _mm256_cvtps_epi32} (round to nearest even): INT_MIN for NaN and out of range. */
    private static int cvt(float v) {
        float r = (float) Math.rint(v);
        if (!(r >= -2147483648f && r < 2147483648f)) {
            return Integer.MIN_VALUE;
        }
        return (int) r;
    }

    private static long pack(float hi, float lo) {
        return ((long) Float.floatToRawIntBits(hi) << 32) | (Float.floatToRawIntBits(lo) & 0xffffffffL);
    }

    private static float hi(long p) {
        return Float.intBitsToFloat((int) (p >>> 32));
    }

    private static float lo(long p) {
        return Float.intBitsToFloat((int) p);
    }

    /** Sleef's logkf (its AVX2 branch): log(d) for d >= 0 as a double-float, packed high then low. */
    static long logk(float d) {
        boolean tiny = d < Float.MIN_NORMAL;
        if (tiny) {
            d = d * SleefFloat.TWO64;
        }
        int e = ((Float.floatToRawIntBits(d * SleefFloat.R_075) >>> 23) & 0xff) - 0x7f;
        float m = Float.intBitsToFloat(Float.floatToRawIntBits(d) + (-e << 23));
        if (tiny) {
            e -= 64;
        }
        // x = (m - 1) / (m + 1): dfadd2_vf2_vf_vf twice, then dfdiv_vf2_vf2_vf2
        float nx = -1f + m;
        float v = nx - -1f;
        float ny = (-1f - (nx - v)) + (m - v);
        float dx = 1f + m;
        v = dx - 1f;
        float dy = (1f - (dx - v)) + (m - v);
        float r = 1f / dx;
        float xx = nx * r;
        float u = Math.fma(r, nx, -xx);
        float w = Math.fma(-dy, r, Math.fma(-dx, r, 1f));
        float xy = Math.fma(xx, w, Math.fma(ny, r, u));
        // x2 = dfsqu(x)
        float x2x = xx * xx;
        float x2y = Math.fma(xx + xx, xy, Math.fma(xx, xx, -x2x));
        float t = Math.fma(LK0, x2x, LK1);
        t = Math.fma(t, x2x, LK2);
        // s = (ln2_hi, ln2_lo) * e (dfmul_vf2_vf2_vf)
        float ef = e;
        float sx = SleefFloat.LN2_HI * ef;
        float sy = Math.fma(SleefFloat.LN2_LO, ef, Math.fma(SleefFloat.LN2_HI, ef, -sx));
        // s = dfadd_vf2_vf2_vf2(s, dfscale(x, 2))
        float bx = xx * 2f;
        float by = xy * 2f;
        float s2 = sx + bx;
        sy = (((sx - s2) + bx) + sy) + by;
        sx = s2;
        // p = dfmul_vf2_vf2_vf2(x2, x)
        float px = x2x * xx;
        float py = Math.fma(x2x, xy, Math.fma(x2y, xx, Math.fma(x2x, xx, -px)));
        // q = dfadd2_vf2_vf2_vf2(dfmul_vf2_vf2_vf(x2, t), c)
        float mx = x2x * t;
        float my = Math.fma(x2y, t, Math.fma(x2x, t, -mx));
        float qx = mx + LKC_HI;
        v = qx - mx;
        float qy = ((mx - (qx - v)) + (LKC_HI - v)) + (my + LKC_LO);
        // s = dfadd_vf2_vf2_vf2(s, dfmul_vf2_vf2_vf2(p, q))
        float rx = px * qx;
        float ry = Math.fma(px, qy, Math.fma(py, qx, Math.fma(px, qx, -rx)));
        s2 = sx + rx;
        sy = (((sx - s2) + rx) + sy) + ry;
        return pack(s2, sy);
    }

    /** Sleef's expkf: e^(dx + dy) rounded to float, +0 below -104. */
    static float expk(float dx, float dy) {
        float u = (dx + dy) * SleefFloat.R_LN2;
        int q = cvt(u);
        float qf = q;
        // s = dfadd2_vf2_vf2_vf(d, q * -L2U), then with q * -L2L
        float a = qf * -SleefFloat.L2U;
        float sx = dx + a;
        float v = sx - dx;
        float sy = ((dx - (sx - v)) + (a - v)) + dy;
        a = qf * -SleefFloat.L2L;
        float s2 = sx + a;
        v = s2 - sx;
        sy = ((sx - (s2 - v)) + (a - v)) + sy;
        sx = s2;
        // dfnormalize
        s2 = sx + sy;
        sy = (sx - s2) + sy;
        sx = s2;
        u = Math.fma(EK0, sx, EK1);
        u = Math.fma(u, sx, EK2);
        u = Math.fma(u, sx, EK3);
        u = Math.fma(u, sx, EK4);
        // t = dfadd_vf2_vf2_vf2(s, dfmul_vf2_vf2_vf(dfsqu(s), u))
        float qx = sx * sx;
        float qy = Math.fma(sx + sx, sy, Math.fma(sx, sx, -qx));
        float mx = qx * u;
        float my = Math.fma(qy, u, Math.fma(qx, u, -mx));
        float tx = sx + mx;
        float ty = (((sx - tx) + mx) + sy) + my;
        // t = dfadd_vf2_vf_vf2(1, t)
        float ox = 1f + tx;
        float oy = ((1f - ox) + tx) + ty;
        u = ldexp(ox + oy, q);
        if (dx < -104f) {
            u = 0f;
        }
        return u;
    }

    /** Sleef's vldexp_vf_vf_vi2: x * 2^q for any int q, in five products (wrapping int arithmetic as the lanes). */
    static float ldexp(float x, int q) {
        int m = q >> 31;
        m = (((m + q) >> 6) - m) << 4;
        q = q - (m << 2);
        m = m + 0x7f;
        m = m > 0 ? m : 0;
        m = m > 0xff ? 0xff : m;
        float u = Float.intBitsToFloat(m << 23);
        x = x * u * u * u * u;
        u = Float.intBitsToFloat((q + 0x7f) << 23);
        return x * u;
    }
}
