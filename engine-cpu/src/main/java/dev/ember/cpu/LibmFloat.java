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
    /** N / ln 2. */
    private static final double INV_LN2_N = 0x1.71547652b82fep+0 * 32;
    /** 1.5 * 2^52: adding it rounds to an integer, ties to even, the integer in the low bits. */
    private static final double SHIFT = 0x1.8p+52;
    /** The cubic's coefficients for {@code 2^(r/N)}, highest degree first (poly_scaled). */
    private static final double C0 = 0x1.c6af84b912394p-5 / 32 / 32 / 32;
    private static final double C1 = 0x1.ebfce50fac4f3p-3 / 32 / 32;
    private static final double C2 = 0x1.62e42ff0c52d6p-1 / 32;
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
}
