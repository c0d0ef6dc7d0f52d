package dev.ember.backend;

/**
 * The Hurwitz zeta function {@code zeta(x, q) = sum_{k >= 0} (k + q)^-x}, Cephes' algorithm as PyTorch's Math.h
 * writes it ({@code zeta<scalar_t>}: the terms summed directly until they fall below the sum's rounding, then the
 * Euler-Maclaurin tail with twelve Bernoulli terms), with its edge values: {@code x == 1} is inf, {@code x < 1} NaN, a
 * non-positive integer {@code q} inf, and a negative non-integer {@code q} NaN unless {@code x} is an integer. Shared
 * by the CPU backend's polygamma and {@code torch.special.zeta}, as {@link Philox} is shared by the generators.
 */
public final class Zeta {
    private static final double MACHEP = 1.11022302462515654042E-16;
    /** (2k)! / B_2k for k = 1..12 (Cephes' zeta). */
    private static final double[] A = {12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
        7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
        1.8152105401943546773e17, -7.1661652561756670113e18};

    private Zeta() {
    }

    /** {@code zeta(x, q)} in double, as PyTorch's {@code zeta<double>}. */
    public static double zeta(double x, double q) {
        if (x == 1) {
            return Double.POSITIVE_INFINITY;
        }
        if (x < 1) {
            return Double.NaN;
        }
        if (q <= 0) {
            if (q == Math.floor(q)) {
                return Double.POSITIVE_INFINITY;
            }
            if (x != Math.floor(x)) {
                return Double.NaN;
            }
        }
        return sum(x, q, pow(q, -x));
    }

    /**
     * {@code zeta(x, q)} as PyTorch's {@code zeta<float>} on the CPU: accumulated in double (its {@code acc_type}),
     * but the first term {@code pow(q, -x)} is C++'s {@code pow(float, float)}, rounded to float; the sum rounded to
     * float once.
     */
    public static float zeta(float x, float q) {
        if (x == 1) {
            return Float.POSITIVE_INFINITY;
        }
        if (x < 1) {
            return Float.NaN;
        }
        if (q <= 0) {
            if (q == (float) Math.floor(q)) {
                return Float.POSITIVE_INFINITY;
            }
            if (x != (float) Math.floor(x)) {
                return Float.NaN;
            }
        }
        return (float) sum(x, q, (float) pow(q, -x));
    }

    /**
     * C's {@code pow}, which differs from {@link Math#pow} where the base is 1 (1 for any exponent, NaN and infinities
     * included: {@code zeta(inf, 1)} is 1) or -1 with an infinite exponent (1).
     */
    private static double pow(double b, double e) {
        return b == 1 || (b == -1 && Double.isInfinite(e)) ? 1 : Math.pow(b, e);
    }

    /** The direct terms from {@code first = q^-x}, then the Euler-Maclaurin tail (Cephes' loop, step by step). */
    private static double sum(double x, double q, double first) {
        double s = first;
        double a = q;
        int i = 0;
        double b = 0;
        while (i < 9 || a <= 9.0) {
            i += 1;
            a += 1;
            b = pow(a, -x);
            s += b;
            if (-MACHEP * s < b && b < MACHEP * s) {
                return s;
            }
        }
        double w = a;
        s += b * w / (x - 1);
        s -= 0.5 * b;
        a = 1;
        double k = 0;
        for (int j = 0; j < 12; j++) {
            a *= x + k;
            b /= w;
            double t = a * b / A[j];
            s = s + t;
            t = Math.abs(t / s);
            if (t < MACHEP) {
                return s;
            }
            k += 1;
            a *= x + k;
            b /= w;
            k += 1;
        }
        return s;
    }
}
