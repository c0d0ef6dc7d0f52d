package dev.ember.cpu;

/**
 * The C library's float exp as PyTorch's scalar code calls it ({@code std::exp(float)}: glibc's {@code expf}, since
 * glibc 2.27 Szabolcs Nagy's algorithm, sysdeps/ieee754/flt-32/e_expf.c with e_exp2f_data.c's table; on x86-64 with
 * FMA the {@code __expf_fma} build, which contracts the polynomial's steps into fused multiply-adds). In double:
 * {@code x N / ln 2 = k + r} (N = 32, k rounded to nearest by the {@code 1.5 * 2^52} shift), {@code 2^(k/N)} from a
 * 32-entry table of doubles with k's high bits added to the exponent, times a cubic in r, rounded once to float. Its
 * error is under 0.502 ulp, so it is not always the nearest float ({@link ElementwiseKernels#expRounded}): an input
 * such as {@code -0x1.f95b1ep+1} rounds up where the exact value lies 0.49996 ulp above the float below. Checked
 * against the C library on 2.8 million inputs (every one equal, with or without the contractions) and by
 * LibmFloatTest against libmexp/make_expected.py's values.
 *
 * <p>Also glibc's float {@code sincosf} ({@link #sincos}; since glibc 2.28 ARM's optimized-routines algorithm,
 * sysdeps/ieee754/flt-32/s_sincosf.c, s_sincosf.h, sincosf_poly.h; on x86-64 with FMA the {@code __sincosf_fma}
 * build), which glibc's {@code cexpf} calls: in double, a polynomial in the argument reduced by one fused
 * multiply-subtract of the nearest multiple of pi/2 below 120, by a 192-bit 4/pi table in integer arithmetic above,
 * rounded once to float.
 */
final class LibmFloat {
    private LibmFloat() {
    }

    /** e_exp2f_data.c's table: the bits of the double nearest {@code 2^(i/32)}, less {@code i << 47}. */
    private static final long[] EXP2F_TABLE = {
        0x3ff0000000000000L, 0x3fefd9b0d3158574L, 0x3fefb5586cf9890fL, 0x3fef9301d0125b51L,
        0x3fef72b83c7d517bL, 0x3fef54873168b9aaL, 0x3fef387a6e756238L, 0x3fef1e9df51fdee1L,
        0x3fef06fe0a31b715L, 0x3feef1a7373aa9cbL, 0x3feedea64c123422L, 0x3feece086061892dL,
        0x3feebfdad5362a27L, 0x3feeb42b569d4f82L, 0x3feeab07dd485429L, 0x3feea47eb03a5585L,
        0x3feea09e667f3bcdL, 0x3fee9f75e8ec5f74L, 0x3feea11473eb0187L, 0x3feea589994cce13L,
        0x3feeace5422aa0dbL, 0x3feeb737b0cdc5e5L, 0x3feec49182a3f090L, 0x3feed503b23e255dL,
        0x3feee89f995ad3adL, 0x3feeff76f2fb5e47L, 0x3fef199bdd85529cL, 0x3fef3720dcef9069L,
        0x3fef5818dcfba487L, 0x3fef7c97337b9b5fL, 0x3fefa4afa2a490daL, 0x3fefd0765b6e4540L,
    };
    /** The table as doubles (the vector form's gather, {@link VectorLibm}). */
    static final double[] EXP2F_TABLE_D = new double[32];

    static {
        for (int i = 0; i < 32; i++) {
            EXP2F_TABLE_D[i] = Double.longBitsToDouble(EXP2F_TABLE[i]);
        }
    }

    /** N / ln 2. */
    static final double INV_LN2_N = 0x1.71547652b82fep+0 * 32;
    /** 1.5 * 2^52: adding it rounds to an integer, ties to even, the integer in the low bits. */
    static final double SHIFT = 0x1.8p+52;
    /** The cubic's coefficients for {@code 2^(r/N)}, highest degree first (poly_scaled). */
    static final double C0 = 0x1.c6af84b912394p-5 / 32 / 32 / 32;
    static final double C1 = 0x1.ebfce50fac4f3p-3 / 32 / 32;
    static final double C2 = 0x1.62e42ff0c52d6p-1 / 32;
    /** The top 12 bits of 88f and of infinity: the bound past which expf checks for overflow, underflow, NaN. */
    private static final int TOP_88 = Float.floatToRawIntBits(88f) >>> 20;
    private static final int TOP_INF = Float.floatToRawIntBits(Float.POSITIVE_INFINITY) >>> 20;

    /** glibc's {@code expf(x)}. */
    static float exp(float x) {
        int abstop = (Float.floatToRawIntBits(x) >>> 20) & 0x7ff;
        if (abstop >= TOP_88) {
            if (x == Float.NEGATIVE_INFINITY) {
                return 0f;
            }
            if (abstop >= TOP_INF) {
                return x + x; // +inf, or the NaN
            }
            if (x > 0x1.62e42ep6f) {
                return Float.POSITIVE_INFINITY;
            }
            if (x < -0x1.9fe368p6f) {
                return 0f;
            }
        }
        double xd = x;
        double z = INV_LN2_N * xd;
        double kd = Math.fma(INV_LN2_N, xd, SHIFT);
        long ki = Double.doubleToRawLongBits(kd);
        kd -= SHIFT;
        double r = z - kd;
        double s = Double.longBitsToDouble(EXP2F_TABLE[(int) (ki & 31)] + (ki << 47));
        double p = Math.fma(C0, r, C1);
        double y = Math.fma(C2, r, 1);
        y = Math.fma(p, r * r, y);
        return (float) (y * s);
    }

    // ------------------------------------------------------------------ sincosf

    /** 2 pi 2^-64 (the large reduction's fixed-point unit). */
    private static final double PI63 = 0x1.921FB54442D18p-62;
    /** 2/pi times 2^24 (the fast reduction's quadrant lands in bits 24 and up: no TOINT_INTRINSICS on x86-64). */
    static final double HPI_INV = 0x1.45F306DC9C883p+23;
    /** pi/2. */
    static final double HPI = 0x1.921FB54442D18p0;
    /** The cosine polynomial (the second table's is negated) and the sine polynomial. */
    private static final double SC0 = 0x1p0;
    static final double SC1 = -0x1.ffffffd0c621cp-2;
    static final double SC2 = 0x1.55553e1068f19p-5;
    static final double SC3 = -0x1.6c087e89a359dp-10;
    static final double SC4 = 0x1.99343027bf8c3p-16;
    static final double SS1 = -0x1.555545995a603p-3;
    static final double SS2 = 0x1.1107605230bc4p-7;
    static final double SS3 = -0x1.994eb3774cf24p-13;
    /** 4/pi to 192 bits, eight new bits per entry (s_sincosf_data.c's __inv_pio4). */
    private static final int[] INV_PIO4 = {
        0xa2, 0xa2f9, 0xa2f983, 0xa2f9836e, 0xf9836e4e, 0x836e4e44, 0x6e4e4415, 0x4e441529,
        0x441529fc, 0x1529fc27, 0x29fc2757, 0xfc2757d1, 0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0,
        0x34ddc0db, 0xddc0db62, 0xc0db6295, 0xdb629599, 0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041,
    };
    /** The top 12 bits (sign cleared) of pi/4, 2^-12, 120 and infinity: sincosf's range bounds. */
    private static final int TOP_PIO4 = Float.floatToRawIntBits(0x1.921FB6p-1f) >>> 20;
    private static final int TOP_TINY = Float.floatToRawIntBits(0x1p-12f) >>> 20;
    private static final int TOP_120 = Float.floatToRawIntBits(120f) >>> 20;

    /**
     * glibc's {@code sincosf(y)}: the sine's bits in the high 32 bits of the result, the cosine's in the low 32 (NaN,
     * x86's default one for an infinity, for an infinity or a NaN).
     */
    static long sincos(float y) {
        int bits = Float.floatToRawIntBits(y);
        int top = (bits >>> 20) & 0x7ff;
        double x = y;
        if (top < TOP_PIO4) {
            if (top < TOP_TINY) {
                return pack(y, 1f);
            }
            return poly(x, x * x, false, 0);
        }
        int n;
        int signQuadrant;
        if (top < TOP_120) {
            double r = x * HPI_INV;
            n = ((int) r + 0x800000) >> 24;
            x = Math.fma(-(double) n, HPI, x);
            signQuadrant = n;
        } else if (top < 0x7f8) {
            int arr = (bits >>> 26) & 15;
            int shift = (bits >>> 23) & 7;
            long xi = (long) ((bits & 0xffffff) | 0x800000) << shift;
            long res0 = (xi * (INV_PIO4[arr] & 0xffffffffL)) & 0xffffffffL;
            long res1 = xi * (INV_PIO4[arr + 4] & 0xffffffffL);
            long res2 = xi * (INV_PIO4[arr + 8] & 0xffffffffL);
            res0 = (res2 >>> 32) | (res0 << 32);
            res0 += res1;
            long q = (res0 + (1L << 61)) >>> 62;
            res0 -= q << 62;
            x = (double) res0 * PI63;
            n = (int) q;
            signQuadrant = n + (bits >>> 31);
        } else {
            float nan = y - y;
            return pack(nan, nan);
        }
        double s = (signQuadrant & 3) == 1 || (signQuadrant & 3) == 2 ? -1.0 : 1.0;
        return poly(x * s, x * x, (signQuadrant & 2) != 0, n);
    }

    /**
     * sincosf_poly.h with the FMA build's contractions: sine and cosine polynomials of x (x2 its square), swapped for
     * an odd quadrant n, the cosine's negated where {@code negCos} (the second table).
     */
    private static long poly(double x, double x2, boolean negCos, int n) {
        double c0 = negCos ? -SC0 : SC0;
        double c1 = negCos ? -SC1 : SC1;
        double c2 = negCos ? -SC2 : SC2;
        double c3 = negCos ? -SC3 : SC3;
        double c4 = negCos ? -SC4 : SC4;
        double x4 = x2 * x2;
        double x3 = x2 * x;
        double cc2 = Math.fma(x2, c4, c3);
        double s1 = Math.fma(x2, SS3, SS2);
        double cc1 = Math.fma(x2, c1, c0);
        double x5 = x3 * x2;
        double x6 = x4 * x2;
        double s = Math.fma(x3, SS1, x);
        double c = Math.fma(x4, c2, cc1);
        float sin = (float) Math.fma(x5, s1, s);
        float cos = (float) Math.fma(x6, cc2, c);
        return (n & 1) != 0 ? pack(cos, sin) : pack(sin, cos);
    }

    private static long pack(float sin, float cos) {
        return ((long) Float.floatToRawIntBits(sin) << 32) | (Float.floatToRawIntBits(cos) & 0xffffffffL);
    }

    /** The sine of {@link #sincos}'s result. */
    static float sinOf(long sincos) {
        return Float.intBitsToFloat((int) (sincos >>> 32));
    }

    /** The cosine of {@link #sincos}'s result. */
    static float cosOf(long sincos) {
        return Float.intBitsToFloat((int) sincos);
    }

    // glibc's expm1f (sysdeps/ieee754/flt-32/s_expm1f.c): fdlibm's expm1 in float, Ian Lance Taylor's conversion
    private static final float EXPM1_O_THRESHOLD = 8.8721679688e+01f; // 0x42b17180
    private static final float EXPM1_LN2_HI = 6.9313812256e-01f; // 0x3f317180
    private static final float EXPM1_LN2_LO = 9.0580006145e-06f; // 0x3717f7d1
    private static final float EXPM1_INVLN2 = 1.4426950216e+00f; // 0x3fb8aa3b
    private static final float EXPM1_Q1 = Float.intBitsToFloat(0xbd088889);
    private static final float EXPM1_Q2 = Float.intBitsToFloat(0x3ad00d01);
    private static final float EXPM1_Q3 = Float.intBitsToFloat(0xb8a670cd);
    private static final float EXPM1_Q4 = Float.intBitsToFloat(0x36867e54);
    private static final float EXPM1_Q5 = Float.intBitsToFloat(0xb457edbb);

    /**
     * glibc's {@code expm1f(x)} ({@code std::expm1(float)}, PyTorch's scalar form of the float elu forward): fdlibm's
     * algorithm evaluated in float ({@code sysdeps/ieee754/flt-32/s_expm1f.c}, not an FMA build: the x86-64 baseline
     * has no contraction), within 1 ulp, about one result in twelve not the nearest float. {@code k} reduces x by
     * {@code k ln 2} (split in two parts), a rational approximation on the reduced argument, then the exponent of
     * {@code 2^k} added to the bits. Every step an exact IEEE float operation in the C source's order, so the bits are
     * glibc's (checked against it in Expm1SleefBitsTest).
     */
    static float expm1(float x) {
        int hx = Float.floatToRawIntBits(x);
        int xsb = hx & 0x80000000;
        hx &= 0x7fffffff;
        if (hx >= 0x4195b844) { // |x| >= 27 ln 2
            if (hx >= 0x42b17218) { // |x| >= 88.721...
                if (hx > 0x7f800000) {
                    return x + x; // NaN
                }
                if (hx == 0x7f800000) {
                    return xsb == 0 ? x : -1f;
                }
                if (x > EXPM1_O_THRESHOLD) {
                    return Float.POSITIVE_INFINITY;
                }
            }
            if (xsb != 0) {
                return 1.0e-30f - 1f; // -1
            }
        }
        int k;
        float c = 0f;
        if (hx > 0x3eb17218) { // |x| > ln 2 / 2
            float hi;
            float lo;
            if (hx < 0x3F851592) { // and |x| < 1.5 ln 2
                if (xsb == 0) {
                    hi = x - EXPM1_LN2_HI;
                    lo = EXPM1_LN2_LO;
                    k = 1;
                } else {
                    hi = x + EXPM1_LN2_HI;
                    lo = -EXPM1_LN2_LO;
                    k = -1;
                }
            } else {
                k = (int) (EXPM1_INVLN2 * x + (xsb == 0 ? 0.5f : -0.5f));
                float t = k;
                hi = x - t * EXPM1_LN2_HI; // exact
                lo = t * EXPM1_LN2_LO;
            }
            x = hi - lo;
            c = (hi - x) - lo;
        } else if (hx < 0x33000000) { // |x| < 2^-25
            return x;
        } else {
            k = 0;
        }
        float hfx = 0.5f * x;
        float hxs = x * hfx;
        float r1 = 1f + hxs * (EXPM1_Q1 + hxs * (EXPM1_Q2 + hxs * (EXPM1_Q3 + hxs * (EXPM1_Q4 + hxs * EXPM1_Q5))));
        float t = 3f - r1 * hfx;
        float e = hxs * ((r1 - t) / (6f - x * t));
        if (k == 0) {
            return x - (x * e - hxs);
        }
        e = x * (e - c) - c;
        e -= hxs;
        if (k == -1) {
            return 0.5f * (x - e) - 0.5f;
        }
        if (k == 1) {
            return x < -0.25f ? -2f * (e - (x + 0.5f)) : 1f + 2f * (x - e);
        }
        float y;
        if (k <= -2 || k > 56) { // exp(x) - 1 suffices
            y = 1f - (e - x);
            y = k == 128 ? y * 2f * 0x1p127f : Float.intBitsToFloat(Float.floatToRawIntBits(y) + (k << 23));
            return y - 1f;
        }
        if (k < 23) {
            t = Float.intBitsToFloat(0x3f800000 - (0x1000000 >> k)); // 1 - 2^-k
            y = t - (e - x);
        } else {
            t = Float.intBitsToFloat((0x7f - k) << 23); // 2^-k
            y = x - (e + t);
            y += 1f;
        }
        return Float.intBitsToFloat(Float.floatToRawIntBits(y) + (k << 23));
    }

    // ------------------------------------------------------------------ erff

    // glibc's erff before 2.41 (sysdeps/ieee754/flt-32/s_erff.c, Sun's fdlibm algorithm in float: 2.36 is Debian 12's,
    // which PyTorch 1.13 here links). The coefficients as their bits.
    private static final float ERF_ERX = Float.intBitsToFloat(0x3f58560b);
    private static final float ERF_EFX = Float.intBitsToFloat(0x3e0375d4);
    private static final float ERF_PP0 = Float.intBitsToFloat(0x3e0375d4);
    private static final float ERF_PP1 = Float.intBitsToFloat(0xbea66beb);
    private static final float ERF_PP2 = Float.intBitsToFloat(0xbce9528f);
    private static final float ERF_PP3 = Float.intBitsToFloat(0xbbbd1489);
    private static final float ERF_PP4 = Float.intBitsToFloat(0xb7c756b1);
    private static final float ERF_QQ1 = Float.intBitsToFloat(0x3ecbbbce);
    private static final float ERF_QQ2 = Float.intBitsToFloat(0x3d852a63);
    private static final float ERF_QQ3 = Float.intBitsToFloat(0x3ba68116);
    private static final float ERF_QQ4 = Float.intBitsToFloat(0x390aee49);
    private static final float ERF_QQ5 = Float.intBitsToFloat(0xb684e21a);
    private static final float ERF_PA0 = Float.intBitsToFloat(0xbb1acdc6);
    private static final float ERF_PA1 = Float.intBitsToFloat(0x3ed46805);
    private static final float ERF_PA2 = Float.intBitsToFloat(0xbebe9208);
    private static final float ERF_PA3 = Float.intBitsToFloat(0x3ea2fe54);
    private static final float ERF_PA4 = Float.intBitsToFloat(0xbde31cc2);
    private static final float ERF_PA5 = Float.intBitsToFloat(0x3d1151b3);
    private static final float ERF_PA6 = Float.intBitsToFloat(0xbb0df9c0);
    private static final float ERF_QA1 = Float.intBitsToFloat(0x3dd9f331);
    private static final float ERF_QA2 = Float.intBitsToFloat(0x3f0a5785);
    private static final float ERF_QA3 = Float.intBitsToFloat(0x3d931ae7);
    private static final float ERF_QA4 = Float.intBitsToFloat(0x3e013307);
    private static final float ERF_QA5 = Float.intBitsToFloat(0x3c5f6e13);
    private static final float ERF_QA6 = Float.intBitsToFloat(0x3c445aa3);
    private static final float ERF_RA0 = Float.intBitsToFloat(0xbc21a093);
    private static final float ERF_RA1 = Float.intBitsToFloat(0xbf31a0b7);
    private static final float ERF_RA2 = Float.intBitsToFloat(0xc128f022);
    private static final float ERF_RA3 = Float.intBitsToFloat(0xc2798057);
    private static final float ERF_RA4 = Float.intBitsToFloat(0xc322658c);
    private static final float ERF_RA5 = Float.intBitsToFloat(0xc3389ae7);
    private static final float ERF_RA6 = Float.intBitsToFloat(0xc2a2932b);
    private static final float ERF_RA7 = Float.intBitsToFloat(0xc11d077e);
    private static final float ERF_SA1 = Float.intBitsToFloat(0x419d35ce);
    private static final float ERF_SA2 = Float.intBitsToFloat(0x4309a863);
    private static final float ERF_SA3 = Float.intBitsToFloat(0x43d9486f);
    private static final float ERF_SA4 = Float.intBitsToFloat(0x442158c9);
    private static final float ERF_SA5 = Float.intBitsToFloat(0x43d6810b);
    private static final float ERF_SA6 = Float.intBitsToFloat(0x42d9451f);
    private static final float ERF_SA7 = Float.intBitsToFloat(0x40d23f7c);
    private static final float ERF_SA8 = Float.intBitsToFloat(0xbd777f97);
    private static final float ERF_RB0 = Float.intBitsToFloat(0xbc21a092);
    private static final float ERF_RB1 = Float.intBitsToFloat(0xbf4c9dd4);
    private static final float ERF_RB2 = Float.intBitsToFloat(0xc18e104b);
    private static final float ERF_RB3 = Float.intBitsToFloat(0xc320a2ea);
    private static final float ERF_RB4 = Float.intBitsToFloat(0xc41f6441);
    private static final float ERF_RB5 = Float.intBitsToFloat(0xc480230b);
    private static final float ERF_RB6 = Float.intBitsToFloat(0xc3f1c275);
    private static final float ERF_SB1 = Float.intBitsToFloat(0x41f2b459);
    private static final float ERF_SB2 = Float.intBitsToFloat(0x43a2e571);
    private static final float ERF_SB3 = Float.intBitsToFloat(0x44c01759);
    private static final float ERF_SB4 = Float.intBitsToFloat(0x4547fdbb);
    private static final float ERF_SB5 = Float.intBitsToFloat(0x451f90ce);
    private static final float ERF_SB6 = Float.intBitsToFloat(0x43ed43a7);
    private static final float ERF_SB7 = Float.intBitsToFloat(0xc1b38712);

    /**
     * glibc's {@code erff(x)} as PyTorch's scalar code calls it ({@code std::erf(float)}; glibc before 2.41, Sun's
     * fdlibm algorithm in float arithmetic, compiled without contractions): below 0.84375 in magnitude
     * {@code x + x P(x^2)/Q(x^2)}, below 1.25 {@code erx + P(s)/Q(s)} with {@code s = |x| - 1}, below 6
     * {@code 1 - exp(-z^2 - 0.5625) exp((z - x)(z + x) + R/S) / x} with z the argument's top 20 bits, two
     * {@link #exp} calls, and {@code 1 - tiny} from 6 up; the same operations in the same order.
     */
    static float erf(float x) {
        int hx = Float.floatToRawIntBits(x);
        int ix = hx & 0x7fffffff;
        if (ix >= 0x7f800000) {
            // erf(nan) = nan, erf(+-inf) = +-1
            int i = (hx >>> 31) << 1;
            return (float) (1 - i) + 1f / x;
        }
        if (ix < 0x3f580000) {
            if (ix < 0x31800000) {
                if (ix < 0x04000000) {
                    // avoids underflow
                    return 0.0625f * (16f * x + (16f * ERF_EFX) * x);
                }
                return x + ERF_EFX * x;
            }
            float z = x * x;
            float r = ERF_PP0 + z * (ERF_PP1 + z * (ERF_PP2 + z * (ERF_PP3 + z * ERF_PP4)));
            float s = 1f + z * (ERF_QQ1 + z * (ERF_QQ2 + z * (ERF_QQ3 + z * (ERF_QQ4 + z * ERF_QQ5))));
            float y = r / s;
            return x + x * y;
        }
        if (ix < 0x3fa00000) {
            float s = Math.abs(x) - 1f;
            float p = ERF_PA0 + s * (ERF_PA1 + s * (ERF_PA2 + s * (ERF_PA3 + s * (ERF_PA4 + s * (ERF_PA5
                    + s * ERF_PA6)))));
            float q = 1f + s * (ERF_QA1 + s * (ERF_QA2 + s * (ERF_QA3 + s * (ERF_QA4 + s * (ERF_QA5
                    + s * ERF_QA6)))));
            return hx >= 0 ? ERF_ERX + p / q : -ERF_ERX - p / q;
        }
        if (ix >= 0x40c00000) {
            return hx >= 0 ? 1f - 1e-30f : 1e-30f - 1f;
        }
        x = Math.abs(x);
        float s = 1f / (x * x);
        float r;
        float q;
        if (ix < 0x4036DB6E) {
            r = ERF_RA0 + s * (ERF_RA1 + s * (ERF_RA2 + s * (ERF_RA3 + s * (ERF_RA4 + s * (ERF_RA5 + s * (ERF_RA6
                    + s * ERF_RA7))))));
            q = 1f + s * (ERF_SA1 + s * (ERF_SA2 + s * (ERF_SA3 + s * (ERF_SA4 + s * (ERF_SA5 + s * (ERF_SA6
                    + s * (ERF_SA7 + s * ERF_SA8)))))));
        } else {
            r = ERF_RB0 + s * (ERF_RB1 + s * (ERF_RB2 + s * (ERF_RB3 + s * (ERF_RB4 + s * (ERF_RB5
                    + s * ERF_RB6)))));
            q = 1f + s * (ERF_SB1 + s * (ERF_SB2 + s * (ERF_SB3 + s * (ERF_SB4 + s * (ERF_SB5 + s * (ERF_SB6
                    + s * ERF_SB7))))));
        }
        float z = Float.intBitsToFloat(Float.floatToRawIntBits(x) & 0xfffff000);
        float e = exp(-z * z - 0.5625f) * exp((z - x) * (z + x) + r / q);
        return hx >= 0 ? 1f - e / x : e / x - 1f;
    }
}
