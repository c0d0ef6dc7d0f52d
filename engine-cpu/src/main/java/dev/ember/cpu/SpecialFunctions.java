package dev.ember.cpu;

import dev.ember.backend.Zeta;

/**
 * The elementwise functions Java's Math lacks, for the CPU kernels. Two kinds:
 * <ul>
 *   <li>Functions PyTorch takes from the C library (log2, asinh, acosh, atanh, erfc, lgamma): computed here in double
 *       to within about an ulp of the exact value (double-double arithmetic where a formula would cancel), so that a
 *       float32 result, rounded from the double, is the correctly rounded one nearly always.</li>
 *   <li>Functions PyTorch computes with its own algorithm (digamma, trigamma, polygamma, erfinv; aten's Math.h): the
 *       same algorithm, step for step, in the same types (float arithmetic for float32 where PyTorch's template runs in
 *       float, double where it promotes), so the results follow PyTorch's, including its approximation errors.</li>
 * </ul>
 */
final class SpecialFunctions {
    private SpecialFunctions() {
    }

    private static final double LN2_HI = 0.6931471805599453;
    private static final double INV_LN2_HI = 1.4426950408889634;
    private static final double INV_LN2_LO = 2.0355273740931033e-17;
    private static final double LOG_PI = 1.1447298858494002;
    private static final double HALF_LOG_2PI = 0.9189385332046728;
    private static final double EULER = 0.5772156649015329;

    // ------------------------------------------------------------------ logarithms and inverse hyperbolics

    /** {@code log2(x)}: the exponent plus log2 of a mantissa in [sqrt(1/2), sqrt(2)), exact for powers of two. */
    static double log2(double x) {
        if (!(x > 0) || x == Double.POSITIVE_INFINITY) {
            return x == 0 ? Double.NEGATIVE_INFINITY : x > 0 ? x : Double.NaN;
        }
        int e = 0;
        if (x < Double.MIN_NORMAL) {
            x *= 0x1p54;
            e = -54;
        }
        int k = Math.getExponent(x);
        double m = Math.scalb(x, -k);
        if (m > 1.4142135623730951) {
            m *= 0.5;
            k++;
        }
        e += k;
        double l = Math.log(m);
        // l / ln 2 with the constant in two parts: one rounding beyond log's own
        double h = l * INV_LN2_HI;
        double lo = Math.fma(l, INV_LN2_HI, -h) + l * INV_LN2_LO;
        return e + (h + lo);
    }

    /** {@code asinh(x)} (fdlibm's formulas, as the C library). */
    static double asinh(double x) {
        double a = Math.abs(x);
        if (Double.isNaN(x) || Double.isInfinite(x) || a < 0x1p-28) {
            return x;
        }
        double w;
        if (a > 0x1p28) {
            w = Math.log(a) + LN2_HI;
        } else if (a > 2) {
            w = Math.log(2 * a + 1 / (Math.sqrt(a * a + 1) + a));
        } else {
            double t = a * a;
            w = Math.log1p(a + t / (1 + Math.sqrt(1 + t)));
        }
        return Math.copySign(w, x);
    }

    /** {@code acosh(x)}: NaN below 1. */
    static double acosh(double x) {
        if (Double.isNaN(x) || x < 1) {
            return Double.NaN;
        }
        if (x >= 0x1p28) {
            return Double.isInfinite(x) ? x : Math.log(x) + LN2_HI;
        }
        if (x == 1) {
            return 0;
        }
        if (x > 2) {
            return Math.log(2 * x - 1 / (x + Math.sqrt(x * x - 1)));
        }
        double t = x - 1;
        return Math.log1p(t + Math.sqrt(2 * t + t * t));
    }

    /** {@code atanh(x)}: infinite at +-1, NaN beyond. */
    static double atanh(double x) {
        double a = Math.abs(x);
        if (Double.isNaN(x) || a > 1) {
            return Double.NaN;
        }
        if (a == 1) {
            return Math.copySign(Double.POSITIVE_INFINITY, x);
        }
        if (a < 0x1p-28) {
            return x;
        }
        double t;
        if (a < 0.5) {
            t = a + a;
            t = 0.5 * Math.log1p(t + t * a / (1 - a));
        } else {
            t = 0.5 * Math.log1p((a + a) / (1 - a));
        }
        return Math.copySign(t, x);
    }

    /** {@code log(sigmoid(x))} as PyTorch: {@code min(x, 0) - log1p(exp(-|x|))}. */
    static double logSigmoid(double x) {
        return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
    }

    // ------------------------------------------------------------------ erfc

    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double TWO_OVER_SQRT_PI_LOW = 1.533545961316588e-17;
    private static final double ONE_OVER_SQRT_PI = 0.5641895835477563;
    private static final double ONE_OVER_SQRT_PI_LOW = 7.66772980658294e-18;

    /**
     * The complementary error function: {@code 1 - erf(x)} below 0.5 (no cancellation there), erf's Maclaurin series
     * in double-double arithmetic up to 1.25 (where 1 - erf loses up to four bits in double), and above it the
     * continued fraction of erfc with {@code exp(-x^2)} corrected for the rounding of {@code x^2} and scaled so that a
     * subnormal result is rounded once.
     */
    static double erfc(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (x < 0.5) {
            return 1 - ElementwiseKernels.erf(x);
        }
        if (x < 1.25) {
            return erfcSeries(x);
        }
        if (x >= 28) {
            return 0;
        }
        double f = x;
        for (int k = x < 2 ? 150 : x < 2.5 ? 60 : 40; k >= 1; k--) {
            f = x + (k * 0.5) / f;
        }
        double h = x * x;
        double l = Math.fma(x, x, -h);
        // (1 / sqrt(pi)) / f in double-double
        double qh = ONE_OVER_SQRT_PI / f;
        double ql = (Math.fma(-qh, f, ONE_OVER_SQRT_PI) + ONE_OVER_SQRT_PI_LOW) / f;
        if (h < 700) {
            double e = StrictMath.exp(-h);
            // exp(-(h + l)) ~ exp(-h) (1 - l), l the rounding error of x * x
            return Math.fma(e, qh, e * (ql - qh * l));
        }
        // a subnormal result: computed scaled by e^64 and rounded once at the end (the constant's own rounding is
        // far below a subnormal's ulp)
        double e = Math.exp(-h + 64);
        e -= e * l;
        return e * ONE_OVER_SQRT_PI / f * EXP_MINUS_64;
    }

    private static final double EXP_MINUS_64 = Math.exp(-64);

    /** {@code 1 - erf(x)} for x in [0.5, 1.25): erf's series summed in double-double. */
    private static double erfcSeries(double x) {
        double x2h = x * x;
        double x2l = Math.fma(x, x, -x2h);
        double th = x;
        double tl = 0;
        double sh = x;
        double sl = 0;
        for (int n = 1; n < 80; n++) {
            // t = t * -x^2 / n
            double ph = th * x2h;
            double pl = Math.fma(th, x2h, -ph) + (th * x2l + tl * x2h);
            double qh = ph + pl;
            double ql = pl - (qh - ph);
            double dh = -qh / n;
            double dl = (Math.fma(dh, n, qh) - ql) / n; // remainder -(qh + ql) - dh * n, over n
            th = dh + dl;
            tl = dl - (th - dh);
            // s += t / (2n + 1)
            int m = 2 * n + 1;
            double ah = th / m;
            double al = (Math.fma(-ah, m, th) + tl) / m;
            double s = sh + ah;
            double bb = s - sh;
            double err = (sh - (s - bb)) + (ah - bb);
            err += sl + al;
            sh = s + err;
            sl = err - (sh - s);
            if (Math.abs(ah) < 1e-36) {
                break;
            }
        }
        // erf = s * 2 / sqrt(pi) in double-double, erfc = (1 - hi) - lo
        double eh = sh * TWO_OVER_SQRT_PI;
        double el = Math.fma(sh, TWO_OVER_SQRT_PI, -eh) + (sh * TWO_OVER_SQRT_PI_LOW + sl * TWO_OVER_SQRT_PI);
        return (1 - eh) - el;
    }

    // ------------------------------------------------------------------ lgamma

    /** zeta(k) - 1 for k = 0..LGAMMA_TERMS (entries 0 and 1 unused). */
    private static final int LGAMMA_TERMS = 60;
    private static final double[] ZETA_MINUS_ONE = new double[LGAMMA_TERMS + 1];

    static {
        // zeta(k) - 1 = sum_{n=2}^{N-1} n^-k + the Euler-Maclaurin tail from N (N = 20, six Bernoulli terms)
        double[] b2j = {1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730};
        int bigN = 20;
        for (int k = 2; k <= LGAMMA_TERMS; k++) {
            double tail = Math.pow(bigN, 1 - k) / (k - 1) + 0.5 * Math.pow(bigN, -k);
            double rising = k; // k (k+1) ... (k + 2j - 2)
            double fact = 2; // (2j)!
            for (int j = 1; j <= b2j.length; j++) {
                tail += b2j[j - 1] / fact * rising * Math.pow(bigN, -k - 2 * j + 1);
                rising *= (k + 2 * j - 1) * (double) (k + 2 * j);
                fact *= (2 * j + 1) * (double) (2 * j + 2);
            }
            double sum = tail;
            for (int n = bigN - 1; n >= 2; n--) {
                sum += Math.pow(n, -k);
            }
            ZETA_MINUS_ONE[k] = sum;
        }
    }

    /** {@code lgamma(1 + z)} for |z| <= 0.5: {@code -gamma z + sum_k (-1)^k zeta(k) z^k / k}, by Horner. */
    private static double lgamma1p(double z) {
        if (z == 0) {
            return 0; // +0, as lgamma(1)
        }
        double p = 0;
        for (int k = LGAMMA_TERMS; k >= 2; k--) {
            double c = (1 + ZETA_MINUS_ONE[k]) / k;
            p = Math.fma(p, z, (k & 1) == 0 ? c : -c);
        }
        return z * Math.fma(p, z, -EULER);
    }

    /** {@code lgamma(2 + z)} for |z| <= 0.5: {@code (1 - gamma) z + sum_k (-1)^k (zeta(k) - 1) z^k / k}. */
    private static double lgamma2p(double z) {
        double p = 0;
        for (int k = LGAMMA_TERMS; k >= 2; k--) {
            double c = ZETA_MINUS_ONE[k] / k;
            p = Math.fma(p, z, (k & 1) == 0 ? c : -c);
        }
        return z * Math.fma(p, z, 1 - EULER);
    }

    /** Stirling's series coefficients B_2k / (2k (2k - 1)), k = 1..9. */
    private static final double[] STIRLING = {1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188,
        -691.0 / 360360, 1.0 / 156, -3617.0 / 122400, 43867.0 / 244188};

    /**
     * {@code log|gamma(x)|}: series about 1 and 2 (zeta(k) coefficients) on [0.5, 2.5), so the zeros at 1 and 2 keep
     * their relative accuracy; below 0.5 {@code lgamma(1 + x) - log(x)}; from 2.5 to 10 a shift down to [1.5, 2.5)
     * with the product kept in double-double; from 10 Stirling's series; below 0 the reflection formula (inaccurate in
     * relative terms near the negative zeros, where the function cancels). +inf at 0 and the negative integers.
     */
    static double lgamma(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (Double.isInfinite(x)) {
            return Double.POSITIVE_INFINITY;
        }
        if (x <= 0 && x == Math.rint(x)) {
            return Double.POSITIVE_INFINITY;
        }
        if (x < 0) {
            if (x > -1e-200) {
                return -Math.log(-x);
            }
            double t = Math.abs(x) % 1.0;
            if (t > 0.5) {
                t = 1 - t;
            }
            double s = Math.sin(Math.PI * t);
            return LOG_PI - Math.log(s) - lgamma(1 - x);
        }
        if (x < 0.5) {
            return lgamma1p(x) - Math.log(x);
        }
        if (x < 1.5) {
            return lgamma1p(x - 1);
        }
        if (x < 2.5) {
            return lgamma2p(x - 2);
        }
        if (x < 10) {
            double y = x;
            double ph = 1;
            double pl = 0;
            while (y >= 2.5) {
                y -= 1;
                double h = ph * y;
                pl = Math.fma(ph, y, -h) + pl * y;
                ph = h;
            }
            return Math.log(ph) + pl / ph + lgamma2p(y - 2);
        }
        if (x >= 0x1p1020) {
            return Double.POSITIVE_INFINITY; // x log x overflows
        }
        double r = 1 / x;
        double r2 = r * r;
        double series = 0;
        for (int k = STIRLING.length - 1; k >= 0; k--) {
            series = Math.fma(series, r2, STIRLING[k]);
        }
        double lg = Math.log(x);
        double xm = x - 0.5;
        double ph = xm * lg;
        double pl = Math.fma(xm, lg, -ph);
        return ph - x + (pl + HALF_LOG_2PI + series * r);
    }

    // ------------------------------------------------------------------ digamma, trigamma, polygamma (PyTorch's)

    private static final double PSI_10 = 2.25175258906672110764;
    private static final double[] PSI_A = {8.33333333333333333333E-2, -2.10927960927960927961E-2,
        7.57575757575757575758E-3, -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
        8.33333333333333333333E-2};
    private static final float[] PSI_A_F = {8.33333333333333333333E-2f, -2.10927960927960927961E-2f,
        7.57575757575757575758E-3f, -4.16666666666666666667E-3f, 3.96825396825396825397E-3f, -8.33333333333333333333E-3f,
        8.33333333333333333333E-2f};

    /**
     * PyTorch's {@code calc_digamma(double)}: +-inf at -+0, NaN at the negative integers, the reflection
     * {@code digamma(1 - x) - pi / tan(pi r)} (r the fractional part) below 0, the recurrence up to 10 and the
     * asymptotic series there.
     */
    static double digamma(double x) {
        if (x == 0) {
            return Math.copySign(Double.POSITIVE_INFINITY, -x);
        }
        if (x < 0) {
            if (x == Math.rint(x)) {
                return Double.NaN;
            }
            double r = x - (x < 0 ? Math.ceil(x) : Math.floor(x)); // modf's fractional part
            return digamma(1 - x) - Math.PI / Math.tan(Math.PI * r);
        }
        double result = 0;
        while (x < 10) {
            result -= 1 / x;
            x += 1;
        }
        if (x == 10) {
            return result + PSI_10;
        }
        double y = 0;
        if (x < 1.0e17) {
            double z = 1.0 / (x * x);
            double p = PSI_A[0];
            for (int i = 1; i < PSI_A.length; i++) {
                p = p * z + PSI_A[i];
            }
            y = z * p;
        }
        return result + Math.log(x) - (0.5 / x) - y;
    }

    /** PyTorch's {@code calc_digamma(float)}: the same steps in float arithmetic (the reflection's tangent in double). */
    static float digamma(float x) {
        if (x == 0) {
            return Math.copySign(Float.POSITIVE_INFINITY, -x);
        }
        if (x < 0) {
            if (x == (float) Math.rint(x)) {
                return Float.NaN;
            }
            double r = x - Math.ceil(x);
            float piOverTan = (float) (Math.PI / Math.tan(Math.PI * r));
            return digamma(1 - x) - piOverTan;
        }
        float result = 0;
        while (x < 10) {
            result -= 1 / x;
            x += 1;
        }
        if (x == 10) {
            return result + (float) PSI_10;
        }
        float y = 0;
        if (x < 1.0e17f) {
            float z = 1 / (x * x);
            float p = PSI_A_F[0];
            for (int i = 1; i < PSI_A_F.length; i++) {
                p = p * z + PSI_A_F[i];
            }
            y = z * p;
        }
        return result + (float) Math.log(x) - (0.5f / x) - y;
    }

    /** PyTorch's {@code calc_trigamma(double)}: reflection below 0.5, six recurrence steps, a short asymptotic series. */
    static double trigamma(double x) {
        double sign = 1;
        double result = 0;
        if (x < 0.5) {
            sign = -1;
            double sinPiX = Math.sin(Math.PI * x);
            result -= (Math.PI * Math.PI) / (sinPiX * sinPiX);
            x = 1 - x;
        }
        for (int i = 0; i < 6; ++i) {
            result += 1 / (x * x);
            x += 1;
        }
        double ixx = 1 / (x * x);
        result += (1 + 1 / (2 * x) + ixx * (1. / 6 - ixx * (1. / 30 - ixx * (1. / 42)))) / x;
        return sign * result;
    }

    /**
     * PyTorch's {@code calc_trigamma(float)}: float arithmetic (pi rounded to float, so the reflection's sine of a negative
     * integer is not 0 but about 1e-7), the series' constants in double as in its source.
     */
    static float trigamma(float x) {
        float sign = 1;
        float result = 0;
        if (x < 0.5f) {
            sign = -1;
            float pi = (float) Math.PI;
            float sinPiX = (float) Math.sin(pi * x);
            result -= (pi * pi) / (sinPiX * sinPiX);
            x = 1 - x;
        }
        for (int i = 0; i < 6; ++i) {
            result += 1 / (x * x);
            x += 1;
        }
        float ixx = 1 / (x * x);
        result += (1 + 1 / (2 * x) + ixx * (1. / 6 - ixx * (1. / 30 - ixx * (1. / 42)))) / x;
        return sign * result;
    }

    /** The Hurwitz zeta function {@code zeta(x, q)} in double ({@link Zeta}, shared with {@code torch.special.zeta}). */
    static double zeta(double x, double q) {
        return Zeta.zeta(x, q);
    }

    /** PyTorch's polygamma: digamma for n = 0, trigamma for 1, else {@code (-1)^(n+1) n! zeta(n + 1, x)}. */
    static double polygamma(int n, double x) {
        if (n == 0) {
            return digamma(x);
        }
        if (n == 1) {
            return trigamma(x);
        }
        return ((n % 2) != 0 ? 1.0 : -1.0) * Math.exp(lgamma(n + 1.0)) * zeta(n + 1, x);
    }

    /** {@link #polygamma(int, double)} for float32: float arithmetic outside zeta, as PyTorch's template. */
    static float polygamma(int n, float x) {
        if (n == 0) {
            return digamma(x);
        }
        if (n == 1) {
            return trigamma(x);
        }
        float factorial = (float) Math.exp((float) lgamma(n + 1.0f));
        return ((n % 2) != 0 ? 1f : -1f) * factorial * (float) zeta(n + 1, x);
    }

    // ------------------------------------------------------------------ erfinv (PyTorch's)

    private static final double[] EI_A = {0.886226899, -1.645349621, 0.914624893, -0.140543331};
    private static final double[] EI_B = {-2.118377725, 1.442710462, -0.329097515, 0.012229801};
    private static final double[] EI_C = {-1.970840454, -1.624906493, 3.429567803, 1.641345311};
    private static final double[] EI_D = {3.543889200, 1.637067800};

    /**
     * PyTorch's {@code calc_erfinv(double)} (Pavlis' rational first guess, central range 0.7, then two Newton steps on
     * erf): NaN beyond [-1, 1], +-inf at +-1. The polynomials' steps are fused multiply-adds, as x86 builds compile the
     * kernel (AVX2 and AVX-512 capabilities contract {@code a * z + b}): with them, 2,000 draws on (-1, 1) give PyTorch's
     * bits (RandomMt19937ParityTest's {@code trunc_normal_} cases go through it).
     */
    static double erfinv(double y) {
        double ya = Math.abs(y);
        if (ya > 1.0) {
            return Double.NaN;
        }
        if (ya == 1.0) {
            return Math.copySign(Double.POSITIVE_INFINITY, y);
        }
        double x;
        if (ya <= 0.7) {
            double z = y * y;
            double num = Math.fma(Math.fma(Math.fma(EI_A[3], z, EI_A[2]), z, EI_A[1]), z, EI_A[0]);
            double dem = Math.fma(Math.fma(Math.fma(Math.fma(EI_B[3], z, EI_B[2]), z, EI_B[1]), z, EI_B[0]), z, 1.0);
            x = y * num / dem;
        } else {
            double z = Math.sqrt(-Math.log((1.0 - ya) / 2.0));
            double num = Math.fma(Math.fma(Math.fma(EI_C[3], z, EI_C[2]), z, EI_C[1]), z, EI_C[0]);
            double dem = Math.fma(Math.fma(EI_D[1], z, EI_D[0]), z, 1.0);
            x = Math.copySign(num, y) / dem;
        }
        double c = 2.0 / Math.sqrt(Math.PI);
        x = x - (ElementwiseKernels.erf(x) - y) / (c * Math.exp(-x * x));
        x = x - (ElementwiseKernels.erf(x) - y) / (c * Math.exp(-x * x));
        return x;
    }

    private static final float[] EI_AF = {0.886226899f, -1.645349621f, 0.914624893f, -0.140543331f};
    private static final float[] EI_BF = {-2.118377725f, 1.442710462f, -0.329097515f, 0.012229801f};
    private static final float[] EI_CF = {-1.970840454f, -1.624906493f, 3.429567803f, 1.641345311f};
    private static final float[] EI_DF = {3.543889200f, 1.637067800f};

    /**
     * PyTorch's {@code calc_erfinv(float)}: the same steps in float arithmetic, the polynomials fused as above, erf the C
     * library's {@code erff} ({@link #libmErff}), exp and log rounded to float.
     */
    static float erfinv(float y) {
        float ya = Math.abs(y);
        if (ya > 1.0f) {
            return Float.NaN;
        }
        if (ya == 1.0f) {
            return Math.copySign(Float.POSITIVE_INFINITY, y);
        }
        float x;
        if (ya <= 0.7f) {
            float z = y * y;
            float num = Math.fma(Math.fma(Math.fma(EI_AF[3], z, EI_AF[2]), z, EI_AF[1]), z, EI_AF[0]);
            float dem = Math.fma(Math.fma(Math.fma(Math.fma(EI_BF[3], z, EI_BF[2]), z, EI_BF[1]), z, EI_BF[0]), z, 1.0f);
            x = y * num / dem;
        } else {
            float z = (float) Math.sqrt(-(float) Math.log((1.0f - ya) / 2.0f));
            float num = Math.fma(Math.fma(Math.fma(EI_CF[3], z, EI_CF[2]), z, EI_CF[1]), z, EI_CF[0]);
            float dem = Math.fma(Math.fma(EI_DF[1], z, EI_DF[0]), z, 1.0f);
            x = Math.copySign(num, y) / dem;
        }
        float c = 2.0f / (float) Math.sqrt(Math.PI);
        x = x - (libmErff(x) - y) / (c * (float) Math.exp(-x * x));
        x = x - (libmErff(x) - y) / (c * (float) Math.exp(-x * x));
        return x;
    }

    private static float bits(int b) {
        return Float.intBitsToFloat(b);
    }

    // the float erf's coefficients (fdlibm's s_erff.c, as glibc's libm up to 2.40 ships it), by their bits. fdlibm's
    // notice, which its license asks to keep with derived work: "Copyright (C) 1993 by Sun Microsystems, Inc. All rights
    // reserved. Developed at SunPro, a Sun Microsystems, Inc. business. Permission to use, copy, modify, and distribute
    // this software is freely granted, provided that this notice is preserved."
    private static final float[] ERFF_PP = {bits(0x3e0375d4), bits(0xbea66beb), bits(0xbce9528f), bits(0xbbbd1489),
        bits(0xb7c756b1)};
    private static final float[] ERFF_QQ = {bits(0x3ecbbbce), bits(0x3d852a63), bits(0x3ba68116), bits(0x390aee49),
        bits(0xb684e21a)};
    private static final float[] ERFF_PA = {bits(0xbb1acdc6), bits(0x3ed46805), bits(0xbebe9208), bits(0x3ea2fe54),
        bits(0xbde31cc2), bits(0x3d1151b3), bits(0xbb0df9c0)};
    private static final float[] ERFF_QA = {bits(0x3dd9f331), bits(0x3f0a5785), bits(0x3d931ae7), bits(0x3e013307),
        bits(0x3c5f6e13), bits(0x3c445aa3)};
    private static final float[] ERFF_RA = {bits(0xbc21a093), bits(0xbf31a0b7), bits(0xc128f022), bits(0xc2798057),
        bits(0xc322658c), bits(0xc3389ae7), bits(0xc2a2932b), bits(0xc11d077e)};
    private static final float[] ERFF_SA = {bits(0x419d35ce), bits(0x4309a863), bits(0x43d9486f), bits(0x442158c9),
        bits(0x43d6810b), bits(0x42d9451f), bits(0x40d23f7c), bits(0xbd777f97)};
    private static final float[] ERFF_RB = {bits(0xbc21a092), bits(0xbf4c9dd4), bits(0xc18e104b), bits(0xc320a2ea),
        bits(0xc41f6441), bits(0xc480230b), bits(0xc3f1c275)};
    private static final float[] ERFF_SB = {bits(0x41f2b459), bits(0x43a2e571), bits(0x44c01759), bits(0x4547fdbb),
        bits(0x451f90ce), bits(0x43ed43a7), bits(0xc1b38712)};
    private static final float ERFF_ERX = bits(0x3f58560b);
    private static final float ERFF_EFX = bits(0x3e0375d4);

    /** {@code c[0] + z * (c[1] + z * (...))} in float, each step rounded (no fused steps: libm's baseline build). */
    private static float hornerF(float[] c, float z) {
        float acc = c[c.length - 1];
        for (int k = c.length - 2; k >= 0; k--) {
            acc = c[k] + z * acc;
        }
        return acc;
    }

    /**
     * The C library's {@code erff}, which PyTorch's {@code calc_erfinv(float)} calls through {@code std::erf}: fdlibm's
     * float erf as glibc (up to 2.40) computes it -- a rational approximation on [0, 0.84375), one about erx on
     * [0.84375, 1.25), and beyond {@code 1 - exp(-z * z - 0.5625) * exp((z - x)(z + x) + R / S) / x} with z x's leading
     * 12 bits -- in float steps, with the exponentials rounded to float. Rounding the double erf to float instead differs
     * in the last bit for about 6% of erfinv's results.
     */
    static float libmErff(float x) {
        int hx = Float.floatToRawIntBits(x);
        int ix = hx & 0x7fffffff;
        if (ix >= 0x7f800000) {
            return Float.isNaN(x) ? x : Math.copySign(1.0f, x);
        }
        if (ix < 0x3f580000) { // |x| < 0.84375
            if (ix < 0x31800000) { // |x| < 2^-28
                if (ix < 0x04000000) { // scaled so that a subnormal result rounds once, as glibc's
                    return 0.0625f * (16.0f * x + (16.0f * ERFF_EFX) * x);
                }
                return x + ERFF_EFX * x;
            }
            float z = x * x;
            float r = hornerF(ERFF_PP, z);
            float s = 1.0f + z * hornerF(ERFF_QQ, z);
            return x + x * (r / s);
        }
        if (ix < 0x3fa00000) { // 0.84375 <= |x| < 1.25
            float s = Math.abs(x) - 1.0f;
            float p = hornerF(ERFF_PA, s);
            float q = 1.0f + s * hornerF(ERFF_QA, s);
            return hx >= 0 ? ERFF_ERX + p / q : -ERFF_ERX - p / q;
        }
        if (ix >= 0x40c00000) { // |x| >= 6
            return hx >= 0 ? 1.0f - 1e-30f : 1e-30f - 1.0f;
        }
        float ax = Math.abs(x);
        float s = 1.0f / (ax * ax);
        float bigR;
        float bigS;
        if (ix < 0x4036db6e) { // |x| < 1 / 0.35
            bigR = hornerF(ERFF_RA, s);
            bigS = 1.0f + s * hornerF(ERFF_SA, s);
        } else {
            bigR = hornerF(ERFF_RB, s);
            bigS = 1.0f + s * hornerF(ERFF_SB, s);
        }
        float z = Float.intBitsToFloat(Float.floatToRawIntBits(ax) & 0xfffff000);
        float r = (float) Math.exp(-z * z - 0.5625f) * (float) Math.exp((z - ax) * (z + ax) + bigR / bigS);
        return hx >= 0 ? 1.0f - r / ax : r / ax - 1.0f;
    }

    // ------------------------------------------------------------------ PyTorch's rounding divisions (float and double)

    /** PyTorch's {@code div_floor_floating}: fmod-based, so that {@code a = b * q + r} holds as Python's. */
    static double divFloor(double a, double b) {
        if (b == 0) {
            return a / b;
        }
        double mod = a % b;
        double div = (a - mod) / b;
        if (mod != 0 && (b < 0) != (mod < 0)) {
            div -= 1;
        }
        double floordiv;
        if (div != 0) {
            floordiv = Math.floor(div);
            if (div - floordiv > 0.5) {
                floordiv += 1.0;
            }
        } else {
            floordiv = Math.copySign(0.0, a / b);
        }
        return floordiv;
    }

    /** {@link #divFloor(double, double)} in float arithmetic. */
    static float divFloor(float a, float b) {
        if (b == 0) {
            return a / b;
        }
        float mod = a % b;
        float div = (a - mod) / b;
        if (mod != 0 && (b < 0) != (mod < 0)) {
            div -= 1;
        }
        float floordiv;
        if (div != 0) {
            floordiv = (float) Math.floor(div);
            if (div - floordiv > 0.5f) {
                floordiv += 1.0f;
            }
        } else {
            floordiv = Math.copySign(0.0f, a / b);
        }
        return floordiv;
    }

    /** Python's modulo: fmod, moved by the divisor when the signs differ. */
    static double remainder(double a, double b) {
        double mod = a % b;
        if (mod != 0 && (b < 0) != (mod < 0)) {
            mod += b;
        }
        return mod;
    }

    /** {@link #remainder(double, double)} in float arithmetic. */
    static float remainder(float a, float b) {
        float mod = a % b;
        if (mod != 0 && (b < 0) != (mod < 0)) {
            mod += b;
        }
        return mod;
    }

    /** PyTorch's xlogy: NaN if y is NaN, 0 where x is 0, else {@code x * log(y)}. */
    static double xlogy(double x, double y) {
        if (Double.isNaN(y)) {
            return Double.NaN;
        }
        if (x == 0) {
            return 0;
        }
        return x * Math.log(y);
    }

    /** {@link #xlogy(double, double)} in float arithmetic: the logarithm rounded to float, then the product. */
    static float xlogy(float x, float y) {
        if (Float.isNaN(y)) {
            return Float.NaN;
        }
        if (x == 0) {
            return 0;
        }
        return x * (float) Math.log(y);
    }
}
