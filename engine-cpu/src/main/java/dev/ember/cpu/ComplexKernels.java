package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.backend.Layout;
import dev.ember.backend.UnaryOp;

/**
 * Complex sqrt, exp, log and pow by a real exponent, element by element over interleaved (real, imaginary) pairs, as
 * PyTorch's CPU kernels compute them ({@link dev.ember.backend.Backend#complexUnary},
 * {@link dev.ember.backend.Backend#complexPow}). PyTorch runs these ops on every element through its vectorized
 * {@code Vectorized<c10::complex<T>>} methods (its VML-style kernels copy a strided operand into a contiguous buffer),
 * which are:
 * <ul>
 *   <li>sqrt and log: {@code std::sqrt} / {@code std::log} of each element, i.e. the C library's {@code csqrt(f)} and
 *   {@code clog(f)} (glibc's algorithms, C99 Annex G special values), computed here step by step in the element's
 *   real type;</li>
 *   <li>exp: in 2.x, {@code std::exp} of each element too ({@code map(std::exp)}), glibc's {@code cexpf} / {@code cexp}
 *   ({@link #cexpF}, {@link #cexpD}: C99 Annex G's special values, {@code exp(inf+0j)} is {@code inf+0j}, and the
 *   overflow scaling; complex64's whole vectors of a contiguous run lane-wise where no part is large or special,
 *   {@link VectorLibm#cexp}, the same bits); PyTorch 1.13's was Sleef's {@code exp(re)} times Sleef's {@code (cos im, sin im)}, two plain
 *   products ({@code exp(inf+0j)} is {@code inf+nanj}), which {@code -Dember.complex.sleefExp=true} restores
 *   ({@link #expF}; complex64's whole vectors of a contiguous run lane-wise, {@link VectorSleef#complexExp});</li>
 *   <li>pow: {@code std::pow(z, (p, 0))}, glibc's {@code cpow}: {@code cexp((p, 0) * clog(z))} with the compiler's
 *   complex product (its NaN recovery, libgcc's {@code __mulsc3}, included).</li>
 * </ul>
 * The real functions those algorithms call: ported bit for bit where PyTorch's results depend on them at ordinary
 * values -- glibc's float {@code atan2f}, {@code atanf} and {@code log1pf} (fdlibm's float algorithms, up to glibc
 * 2.40), {@code hypotf} and {@code x2y2m1f} (computed in double, rounded once), the double {@code hypot} (Borges'
 * corrected square root, glibc 2.35 on) and {@code x2y2m1}, glibc's {@code expf} and {@code sincosf} of cexpf
 * ({@link LibmFloat}, their FMA builds), Sleef's {@code expf_u10} ({@link SleefFloat#exp}) and {@code sincosf_u10} for
 * {@code |im| < 125} (1.13's exp); stood in for by results of the same accuracy that may differ in a last bit -- the
 * float {@code logf} by the double result rounded to float; Sleef's sincosf beyond 125 (its Payne-Hanek reduction) by
 * the rounded double sine and cosine; the double {@code log}, {@code atan2} and {@code log1p} by {@code StrictMath}'s
 * (fdlibm: glibc's log1p is the same code); the double {@code sin} and {@code cos} (glibc's in cexp, Sleef's in
 * 1.13's exp) and Sleef's double exp by {@code Math}'s (complex128 exp: about 1 part in 500 differs from glibc's by 1
 * or 2 ulps, ComplexExpBitsTest); glibc's double {@code exp} of cexp is ported ({@link LibmDouble}).
 *
 * <p>NaN signs: where a result's zero takes the sign of a NaN made inside the algorithm ({@code 0 ** 2.5} is
 * {@code 0-0j}: {@code clog(0)} is {@code -inf+0j} and {@code 2.5 * 0 + 0 * -inf} is x86's default NaN, whose sign
 * is set), the products and sums of the complex product follow x86's NaN rules explicitly ({@link #mul}).
 */
final class ComplexKernels {
    private ComplexKernels() {
    }

    /** x86's default NaN (an invalid operation's result: quiet, sign set). */
    private static final double DEFAULT_NAN = Double.longBitsToDouble(0xfff8000000000000L);

    /** sqrt, exp or log of each complex element (layouts address each element's real part, in parts). */
    static void unary(UnaryOp op, CpuStorage src, Layout ls, CpuStorage dst, Layout ld) {
        run(op, 0, src, ls, dst, ld);
    }

    /** {@code z ** p} of each complex element, p real (as the complex number (p, 0)). */
    static void pow(double p, CpuStorage src, Layout ls, CpuStorage dst, Layout ld) {
        run(null, p, src, ls, dst, ld);
    }

    /**
     * The complex quotient {@code a / b} of each pair of elements ({@link dev.ember.backend.Backend#complexDiv}):
     * c10::complex's operator/ (numpy's algorithm), the branches of {@code |c| >= |d|} with each operation rounded in the
     * element's real type, no fused multiply-add; a zero divisor gives {@code re / |c| + i im / |d|}. One pass over
     * interleaved pairs (layouts address each element's real part, {@code a} and {@code b} broadcast to {@code dst}'s
     * shape), the same operations in the same order as the engine's composition from real ops, so the same bits.
     * Complex64's whole vectors of a contiguous run go through {@link ElementwiseKernels.FloatLoops#complexDiv} (the
     * branches as blends, the same values); {@code -Dember.complex.oldLoops=true} keeps them on the scalar loop.
     */
    static void div(CpuStorage a, Layout la, CpuStorage b, Layout lb, CpuStorage dst, Layout ld) {
        StridedLoop loop = new StridedLoop(ld, la, lb);
        if (dst.dtype == DType.FLOAT32) {
            float[] x = (float[]) a.array;
            float[] y = (float[]) b.array;
            float[] o = (float[]) dst.array;
            ElementwiseKernels.FloatLoops loops = ElementwiseKernels.scalarComplex() ? null : ElementwiseKernels.loops();
            boolean byPair = loops != null && !scalarBroadcastDiv();
            loop.run((off, n, st) -> {
                int i = loops != null && st[0] == 2 && st[1] == 2 && st[2] == 2
                        ? loops.complexDiv(x, off[1], y, off[2], o, off[0], n)
                        : byPair && st[0] == 2 && st[1] == 2 && st[2] == 0
                        ? loops.complexDivByPair(x, off[1], y[off[2]], y[off[2] + 1], o, off[0], n) : 0;
                for (; i < n; i++) {
                    int oi = off[0] + i * st[0];
                    int xi = off[1] + i * st[1];
                    int yi = off[2] + i * st[2];
                    divF(x[xi], x[xi + 1], y[yi], y[yi + 1], o, oi);
                }
            }, true);
        } else {
            double[] x = (double[]) a.array;
            double[] y = (double[]) b.array;
            double[] o = (double[]) dst.array;
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    int oi = off[0] + i * st[0];
                    int xi = off[1] + i * st[1];
                    int yi = off[2] + i * st[2];
                    divD(x[xi], x[xi + 1], y[yi], y[yi + 1], o, oi);
                }
            }, true);
        }
    }

    /**
     * {@code -Dember.complex.scalarBroadcastDiv=true} (read per call, for before/after timings): a complex64 run divided
     * by a broadcast element takes the scalar loop on every pair, as before session 63, instead of
     * {@link ElementwiseKernels.FloatLoops#complexDivByPair} on its whole vectors (the divisor's ratio and scale computed
     * once, each pair's operations those of {@link #divF}, so the same bits).
     */
    static boolean scalarBroadcastDiv() {
        return Boolean.getBoolean("ember.complex.scalarBroadcastDiv");
    }

    /** {@code (a + bi) / (c + di)} in float ({@link #div}), into {@code o[oi]} and {@code o[oi + 1]}. */
    private static void divF(float a, float b, float c, float d, float[] o, int oi) {
        float ac = Math.abs(c);
        float ad = Math.abs(d);
        if (ac >= ad) {
            if (ac == 0 && ad == 0) {
                o[oi] = a / ac;
                o[oi + 1] = b / ad;
                return;
            }
            float rat = d / c;
            float scl = 1f / (c + d * rat);
            o[oi] = (a + b * rat) * scl;
            o[oi + 1] = (b - a * rat) * scl;
        } else {
            float rat = c / d;
            float scl = 1f / (d + c * rat);
            o[oi] = (a * rat + b) * scl;
            o[oi + 1] = (b * rat - a) * scl;
        }
    }

    /** {@code (a + bi) / (c + di)} in double ({@link #div}), into {@code o[oi]} and {@code o[oi + 1]}. */
    private static void divD(double a, double b, double c, double d, double[] o, int oi) {
        double ac = Math.abs(c);
        double ad = Math.abs(d);
        if (ac >= ad) {
            if (ac == 0 && ad == 0) {
                o[oi] = a / ac;
                o[oi + 1] = b / ad;
                return;
            }
            double rat = d / c;
            double scl = 1.0 / (c + d * rat);
            o[oi] = (a + b * rat) * scl;
            o[oi + 1] = (b - a * rat) * scl;
        } else {
            double rat = c / d;
            double scl = 1.0 / (d + c * rat);
            o[oi] = (a * rat + b) * scl;
            o[oi + 1] = (b * rat - a) * scl;
        }
    }

    private static void run(UnaryOp op, double p, CpuStorage src, Layout ls, CpuStorage dst, Layout ld) {
        StridedLoop loop = new StridedLoop(ld, ls);
        if (dst.dtype == DType.FLOAT32) {
            float[] x = (float[]) src.array;
            float[] o = (float[]) dst.array;
            float pf = (float) p;
            boolean sleef = !SleefFloat.exact();
            boolean sleefExp = sleefExp();
            ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
            boolean vector = op == UnaryOp.EXP && (sleef || !sleefExp) && loops != null
                    && !ElementwiseKernels.scalarComplex();
            loop.run((off, n, st) -> {
                int i = !vector || st[0] != 2 || st[1] != 2 ? 0
                        : sleefExp ? loops.complexExp(x, off[1], o, off[0], n) : loops.cexp(x, off[1], o, off[0], n);
                for (; i < n; i++) {
                    int xi = off[1] + i * st[1];
                    int oi = off[0] + i * st[0];
                    float re = x[xi];
                    float im = x[xi + 1];
                    if (op == null) {
                        powF(re, im, pf, o, oi);
                    } else if (op == UnaryOp.SQRT) {
                        sqrtF(re, im, o, oi);
                    } else if (op == UnaryOp.LOG) {
                        logF(re, im, o, oi);
                    } else if (sleefExp) {
                        expF(re, im, sleef, o, oi);
                    } else {
                        cexpF(re, im, o, oi);
                    }
                }
            }, true);
        } else {
            double[] x = (double[]) src.array;
            double[] o = (double[]) dst.array;
            boolean sleefExp = sleefExp();
            loop.run((off, n, st) -> {
                for (int i = 0; i < n; i++) {
                    int xi = off[1] + i * st[1];
                    int oi = off[0] + i * st[0];
                    double re = x[xi];
                    double im = x[xi + 1];
                    if (op == null) {
                        powD(re, im, p, o, oi);
                    } else if (op == UnaryOp.SQRT) {
                        sqrtD(re, im, o, oi);
                    } else if (op == UnaryOp.LOG) {
                        logD(re, im, o, oi);
                    } else if (sleefExp) {
                        double e = Math.exp(re);
                        o[oi] = e * Math.cos(im);
                        o[oi + 1] = e * Math.sin(im);
                    } else {
                        cexpD(re, im, o, oi);
                    }
                }
            }, true);
        }
    }

    /**
     * {@code -Dember.complex.sleefExp=true}: complex exp as PyTorch 1.13 computed it (Sleef's exp times Sleef's sine and
     * cosine, two plain products: {@code exp(inf+0j)} is {@code inf+nanj}) instead of 2.x's glibc {@code cexpf} /
     * {@code cexp}; for before/after timings and comparisons. Read at each call, so that {@code OpSweepAlternate} can
     * alternate it in one JVM.
     */
    static boolean sleefExp() {
        return Boolean.getBoolean("ember.complex.sleefExp");
    }

    // ------------------------------------------------------------------ exp (1.13's Vectorized<c10::complex<float>>::exp)

    /**
     * PyTorch's vectorized complex64 exp: Sleef's {@code expf_u10(re)} times Sleef's {@code sincosf_u10(im)}'s cosine
     * and sine (with {@code -Dember.cpu.exactTranscendentals=true}, the correctly rounded exp, sine and cosine).
     */
    static void expF(float re, float im, boolean sleef, float[] o, int oi) {
        if (!sleef) {
            float e = ElementwiseKernels.expRounded(re);
            o[oi] = e * (float) StrictMath.cos(im);
            o[oi + 1] = e * (float) StrictMath.sin(im);
            return;
        }
        float e = SleefFloat.exp(re);
        if (!(Math.abs(im) < TRIG_RANGE_MAX2)) {
            // Sleef's Payne-Hanek path (rempif, |im| >= 125, an infinity or a NaN): not ported; the correctly rounded
            // sine and cosine stand in (Sleef's are within 1 ulp), NaN for an infinity or a NaN as Sleef's
            o[oi] = e * (float) StrictMath.cos(im);
            o[oi + 1] = e * (float) StrictMath.sin(im);
            return;
        }
        // Sleef's xsincosf_u1 (sleefsimdsp.c) for |d| < 125 as its AVX2 build computes it (vmla a fused multiply-add)
        float d = im;
        float u = (float) Math.rint(d * TWO_OVER_PI);
        int q = (int) u;
        float v = Math.fma(u, -PI_A2F * 0.5f, d);
        float w = u * (-PI_B2F * 0.5f);
        float sx = v + w; // dfadd2(v, w)
        float sv = sx - v;
        float sy = (v - (sx - sv)) + (w - sv);
        float c = u * (-PI_C2F * 0.5f);
        float tx = sx + c; // dfadd(s, c)
        float ty = ((sx - tx) + c) + sy;
        float sq = Math.fma(tx, tx, tx * ty + tx * ty); // dfsqu
        float p = -0.000195169282960705459117889f;
        p = Math.fma(p, sq, 0.00833215750753879547119141f);
        p = Math.fma(p, sq, -0.166666537523269653320312f);
        p = p * (sq * tx);
        float xx = tx + p; // dfadd(t, p)
        float xy = ((tx - xx) + p) + ty;
        float rx = xx + xy;
        if (d == 0 && Float.floatToRawIntBits(d) != 0) {
            rx = -0f;
        }
        p = -2.71811842367242206819355e-07f;
        p = Math.fma(p, sq, 2.47990446951007470488548e-05f);
        p = Math.fma(p, sq, -0.00138888787478208541870117f);
        p = Math.fma(p, sq, 0.0416666641831398010253906f);
        p = Math.fma(p, sq, -0.5f);
        float mx = sq * p; // dfmul(sq, p)
        float my = Math.fma(sq, p, -mx);
        float ax = 1f + mx; // dfadd(1, m)
        float ay = ((1f - ax) + mx) + my;
        float ry = ax + ay;
        boolean even = (q & 1) == 0;
        float sin = even ? rx : ry;
        float cos = even ? ry : rx;
        if ((q & 2) == 2) {
            sin = -sin;
        }
        if (((q + 1) & 2) == 2) {
            cos = -cos;
        }
        o[oi] = e * cos;
        o[oi + 1] = e * sin;
    }

    static final float TRIG_RANGE_MAX2 = 125f;
    static final float TWO_OVER_PI = (float) (2 * 0.318309886183790671537767526745028724); // 2 * M_1_PI
    static final float PI_A2F = 3.1414794921875f;
    static final float PI_B2F = 0.00011315941810607910156f;
    static final float PI_C2F = 1.9841872589410058936e-09f;

    // ------------------------------------------------------------------ csqrt (glibc's s_csqrt_template.c)

    static void sqrtF(float re, float im, float[] o, int oi) {
        float rr;
        float ri;
        boolean reFinite = Float.isFinite(re);
        boolean imFinite = Float.isFinite(im);
        if (!reFinite || !imFinite) {
            if (Float.isInfinite(im)) {
                rr = Float.POSITIVE_INFINITY;
                ri = im;
            } else if (Float.isInfinite(re)) {
                if (re < 0) {
                    rr = Float.isNaN(im) ? Float.NaN : 0f;
                    ri = Math.copySign(Float.POSITIVE_INFINITY, im);
                } else {
                    rr = re;
                    ri = Float.isNaN(im) ? Float.NaN : Math.copySign(0f, im);
                }
            } else {
                rr = Float.NaN;
                ri = Float.NaN;
            }
        } else if (im == 0) {
            if (re < 0) {
                rr = 0f;
                ri = Math.copySign((float) Math.sqrt(-re), im);
            } else {
                rr = Math.abs((float) Math.sqrt(re));
                ri = Math.copySign(0f, im);
            }
        } else if (re == 0) {
            float r = Math.abs(im) >= 2 * Float.MIN_NORMAL ? (float) Math.sqrt(0.5f * Math.abs(im))
                    : 0.5f * (float) Math.sqrt(2 * Math.abs(im));
            rr = r;
            ri = Math.copySign(r, im);
        } else {
            int scale = 0;
            float x = re;
            float y = im;
            if (Math.abs(x) > Float.MAX_VALUE / 4) {
                scale = 1;
                x = Math.scalb(x, -2);
                y = Math.scalb(y, -2);
            } else if (Math.abs(y) > Float.MAX_VALUE / 4) {
                scale = 1;
                x = Math.abs(x) >= 4 * Float.MIN_NORMAL ? Math.scalb(x, -2) : 0f;
                y = Math.scalb(y, -2);
            } else if (Math.abs(x) < 2 * Float.MIN_NORMAL && Math.abs(y) < 2 * Float.MIN_NORMAL) {
                scale = -((24 + 1) / 2);
                x = Math.scalb(x, -2 * scale);
                y = Math.scalb(y, -2 * scale);
            }
            float d = hypotF(x, y);
            float r;
            float s;
            if (x > 0) {
                r = (float) Math.sqrt(0.5f * (d + x));
                if (scale == 1 && Math.abs(y) < 1) {
                    s = y / r;
                    r = Math.scalb(r, scale);
                    scale = 0;
                } else {
                    s = 0.5f * (y / r);
                }
            } else {
                s = (float) Math.sqrt(0.5f * (d - x));
                if (scale == 1 && Math.abs(y) < 1) {
                    r = Math.abs(y / s);
                    s = Math.scalb(s, scale);
                    scale = 0;
                } else {
                    r = Math.abs(0.5f * (y / s));
                }
            }
            if (scale != 0) {
                r = Math.scalb(r, scale);
                s = Math.scalb(s, scale);
            }
            rr = r;
            ri = Math.copySign(s, y);
        }
        o[oi] = rr;
        o[oi + 1] = ri;
    }

    static void sqrtD(double re, double im, double[] o, int oi) {
        double rr;
        double ri;
        if (!Double.isFinite(re) || !Double.isFinite(im)) {
            if (Double.isInfinite(im)) {
                rr = Double.POSITIVE_INFINITY;
                ri = im;
            } else if (Double.isInfinite(re)) {
                if (re < 0) {
                    rr = Double.isNaN(im) ? Double.NaN : 0.0;
                    ri = Math.copySign(Double.POSITIVE_INFINITY, im);
                } else {
                    rr = re;
                    ri = Double.isNaN(im) ? Double.NaN : Math.copySign(0.0, im);
                }
            } else {
                rr = Double.NaN;
                ri = Double.NaN;
            }
        } else if (im == 0) {
            if (re < 0) {
                rr = 0.0;
                ri = Math.copySign(Math.sqrt(-re), im);
            } else {
                rr = Math.abs(Math.sqrt(re));
                ri = Math.copySign(0.0, im);
            }
        } else if (re == 0) {
            double r = Math.abs(im) >= 2 * Double.MIN_NORMAL ? Math.sqrt(0.5 * Math.abs(im))
                    : 0.5 * Math.sqrt(2 * Math.abs(im));
            rr = r;
            ri = Math.copySign(r, im);
        } else {
            int scale = 0;
            double x = re;
            double y = im;
            if (Math.abs(x) > Double.MAX_VALUE / 4) {
                scale = 1;
                x = Math.scalb(x, -2);
                y = Math.scalb(y, -2);
            } else if (Math.abs(y) > Double.MAX_VALUE / 4) {
                scale = 1;
                x = Math.abs(x) >= 4 * Double.MIN_NORMAL ? Math.scalb(x, -2) : 0.0;
                y = Math.scalb(y, -2);
            } else if (Math.abs(x) < 2 * Double.MIN_NORMAL && Math.abs(y) < 2 * Double.MIN_NORMAL) {
                scale = -((53 + 1) / 2);
                x = Math.scalb(x, -2 * scale);
                y = Math.scalb(y, -2 * scale);
            }
            double d = hypotD(x, y);
            double r;
            double s;
            if (x > 0) {
                r = Math.sqrt(0.5 * (d + x));
                if (scale == 1 && Math.abs(y) < 1) {
                    s = y / r;
                    r = Math.scalb(r, scale);
                    scale = 0;
                } else {
                    s = 0.5 * (y / r);
                }
            } else {
                s = Math.sqrt(0.5 * (d - x));
                if (scale == 1 && Math.abs(y) < 1) {
                    r = Math.abs(y / s);
                    s = Math.scalb(s, scale);
                    scale = 0;
                } else {
                    r = Math.abs(0.5 * (y / s));
                }
            }
            if (scale != 0) {
                r = Math.scalb(r, scale);
                s = Math.scalb(s, scale);
            }
            rr = r;
            ri = Math.copySign(s, y);
        }
        o[oi] = rr;
        o[oi + 1] = ri;
    }

    /** glibc's hypotf (2.35 on): the exact squares summed in double, its square root rounded to float. */
    private static float hypotF(float x, float y) {
        double dx = x;
        double dy = y;
        return (float) Math.sqrt(dx * dx + dy * dy);
    }

    /**
     * glibc's hypot (2.35 on, dbl-64/e_hypot.c, as built without fused multiply-adds): Borges' corrected square root
     * of the sum of squares, the operands scaled by 2^600 where the larger is huge or the smaller tiny.
     */
    static double hypotD(double x, double y) {
        if (!Double.isFinite(x) || !Double.isFinite(y)) {
            return Double.isInfinite(x) || Double.isInfinite(y) ? Double.POSITIVE_INFINITY : x + y;
        }
        x = Math.abs(x);
        y = Math.abs(y);
        double ax = x < y ? y : x;
        double ay = x < y ? x : y;
        if (ax > 0x1p511) {
            return ay <= ax * 0x1p-54 ? ax + ay : hypotKernel(ax * 0x1p-600, ay * 0x1p-600) / 0x1p-600;
        }
        if (ay < 0x1p-459) {
            return ax >= ay / 0x1p-54 ? ax + ay : hypotKernel(ax / 0x1p-600, ay / 0x1p-600) * 0x1p-600;
        }
        return ay <= ax * 0x1p-54 ? ax + ay : hypotKernel(ax, ay);
    }

    private static double hypotKernel(double ax, double ay) {
        double h = Math.sqrt(ax * ax + ay * ay);
        double t1;
        double t2;
        if (h <= 2.0 * ay) {
            double delta = h - ay;
            t1 = ax * (2.0 * delta - ax);
            t2 = (delta - 2.0 * (ax - ay)) * delta;
        } else {
            double delta = h - ax;
            t1 = 2.0 * delta * (ax - 2.0 * ay);
            t2 = (4.0 * delta - ay) * ay + delta * delta;
        }
        return h - (t1 + t2) / (2.0 * h);
    }

    // ------------------------------------------------------------------ clog (glibc's s_clog_template.c)

    private static final double LN2 = 0.6931471805599453;
    private static final float LN2F = (float) LN2;

    static void logF(float re, float im, float[] o, int oi) {
        o[oi] = logRealF(re, im);
        o[oi + 1] = logImagF(re, im);
    }

    private static float logImagF(float re, float im) {
        if (re == 0 && im == 0) {
            return Math.copySign(Math.copySign(1f, re) < 0 ? (float) Math.PI : 0f, im);
        }
        if (Float.isNaN(re) || Float.isNaN(im)) {
            return Float.NaN;
        }
        return atan2F(im, re);
    }

    private static final float TINY = 1.0e-30f;
    private static final float PI_O_4 = 7.8539818525e-01f;
    private static final float PI_O_2 = 1.5707963705e+00f;
    private static final float PI_F = 3.1415927410e+00f;
    private static final float PI_LO = -8.7422776573e-08f;

    /** glibc's atan2f (flt-32/e_atan2f.c, fdlibm's float algorithm, up to glibc 2.40), in float arithmetic. */
    static float atan2F(float y, float x) {
        int hx = Float.floatToRawIntBits(x);
        int ix = hx & 0x7fffffff;
        int hy = Float.floatToRawIntBits(y);
        int iy = hy & 0x7fffffff;
        if (ix > 0x7f800000 || iy > 0x7f800000) {
            return x + y;
        }
        if (hx == 0x3f800000) {
            return atanF(y);
        }
        int m = ((hy >> 31) & 1) | ((hx >> 30) & 2);
        if (iy == 0) {
            switch (m) {
                case 0:
                case 1: return y;
                case 2: return PI_F + TINY;
                default: return -PI_F - TINY;
            }
        }
        if (ix == 0) {
            return hy < 0 ? -PI_O_2 - TINY : PI_O_2 + TINY;
        }
        if (ix == 0x7f800000) {
            if (iy == 0x7f800000) {
                switch (m) {
                    case 0: return PI_O_4 + TINY;
                    case 1: return -PI_O_4 - TINY;
                    case 2: return 3.0f * PI_O_4 + TINY;
                    default: return -3.0f * PI_O_4 - TINY;
                }
            }
            switch (m) {
                case 0: return 0f;
                case 1: return -0f;
                case 2: return PI_F + TINY;
                default: return -PI_F - TINY;
            }
        }
        if (iy == 0x7f800000) {
            return hy < 0 ? -PI_O_2 - TINY : PI_O_2 + TINY;
        }
        int k = (iy - ix) >> 23;
        float z;
        if (k > 60) {
            z = PI_O_2 + 0.5f * PI_LO;
        } else if (hx < 0 && k < -60) {
            z = 0f;
        } else {
            z = atanF(Math.abs(y / x));
        }
        switch (m) {
            case 0: return z;
            case 1: return -z;
            case 2: return PI_F - (z - PI_LO);
            default: return (z - PI_LO) - PI_F;
        }
    }

    private static final float[] ATANHI = {4.6364760399e-01f, 7.8539812565e-01f, 9.8279368877e-01f, 1.5707962513e+00f};
    private static final float[] ATANLO = {5.0121582440e-09f, 3.7748947079e-08f, 3.4473217170e-08f, 7.5497894159e-08f};
    private static final float[] AT = {3.3333334327e-01f, -2.0000000298e-01f, 1.4285714924e-01f, -1.1111110449e-01f,
        9.0908870101e-02f, -7.6918758452e-02f, 6.6610731184e-02f, -5.8335702866e-02f, 4.9768779427e-02f,
        -3.6531571299e-02f, 1.6285819933e-02f};

    /** glibc's atanf (flt-32/s_atanf.c, fdlibm's float algorithm, up to glibc 2.40), in float arithmetic. */
    static float atanF(float x) {
        int hx = Float.floatToRawIntBits(x);
        int ix = hx & 0x7fffffff;
        int id;
        if (ix >= 0x4c000000) {
            if (ix > 0x7f800000) {
                return x + x;
            }
            return hx > 0 ? ATANHI[3] + ATANLO[3] : -ATANHI[3] - ATANLO[3];
        }
        if (ix < 0x3ee00000) {
            if (ix < 0x31000000) {
                return x;
            }
            id = -1;
        } else {
            x = Math.abs(x);
            if (ix < 0x3f980000) {
                if (ix < 0x3f300000) {
                    id = 0;
                    x = (2.0f * x - 1f) / (2.0f + x);
                } else {
                    id = 1;
                    x = (x - 1f) / (x + 1f);
                }
            } else if (ix < 0x401c0000) {
                id = 2;
                x = (x - 1.5f) / (1f + 1.5f * x);
            } else {
                id = 3;
                x = -1.0f / x;
            }
        }
        float z = x * x;
        float w = z * z;
        float s1 = z * (AT[0] + w * (AT[2] + w * (AT[4] + w * (AT[6] + w * (AT[8] + w * AT[10])))));
        float s2 = w * (AT[1] + w * (AT[3] + w * (AT[5] + w * (AT[7] + w * AT[9]))));
        if (id < 0) {
            return x - x * (s1 + s2);
        }
        z = ATANHI[id] - ((x * (s1 + s2) - ATANLO[id]) - x);
        return hx < 0 ? -z : z;
    }

    private static float logRealF(float re, float im) {
        if (re == 0 && im == 0) {
            return -1f / Math.abs(re);
        }
        if (Float.isNaN(re) || Float.isNaN(im)) {
            return Float.isInfinite(re) || Float.isInfinite(im) ? Float.POSITIVE_INFINITY : Float.NaN;
        }
        float absx = Math.abs(re);
        float absy = Math.abs(im);
        int scale = 0;
        if (absx < absy) {
            float t = absx;
            absx = absy;
            absy = t;
        }
        if (absx > Float.MAX_VALUE / 2) {
            scale = -1;
            absx = Math.scalb(absx, scale);
            absy = absy >= Float.MIN_NORMAL * 2 ? Math.scalb(absy, scale) : 0f;
        } else if (absx < Float.MIN_NORMAL && absy < Float.MIN_NORMAL) {
            scale = 24;
            absx = Math.scalb(absx, scale);
            absy = Math.scalb(absy, scale);
        }
        float eps = Math.ulp(1f);
        if (absx == 1 && scale == 0) {
            return log1pF(absy * absy) / 2;
        } else if (absx > 1 && absx < 2 && absy < 1 && scale == 0) {
            float d2m1 = (absx - 1) * (absx + 1);
            if (absy >= eps) {
                d2m1 += absy * absy;
            }
            return log1pF(d2m1) / 2;
        } else if (absx < 1 && absx >= 0.5f && absy < eps / 2 && scale == 0) {
            float d2m1 = (absx - 1) * (absx + 1);
            return log1pF(d2m1) / 2;
        } else if (absx < 1 && absx >= 0.5f && scale == 0 && absx * absx + absy * absy >= 0.5f) {
            double dx = absx;
            double dy = absy;
            float d2m1 = (float) ((dx - 1) * (dx + 1) + dy * dy); // glibc's __x2y2m1f
            return log1pF(d2m1) / 2;
        }
        float d = hypotF(absx, absy);
        return (float) Math.log(d) - scale * LN2F;
    }

    private static final float LN2_HI = 6.9313812256e-01f;
    private static final float LN2_LO = 9.0580006145e-06f;
    private static final float LP1 = 6.6666668653e-01f;
    private static final float LP2 = 4.0000000596e-01f;
    private static final float LP3 = 2.8571429849e-01f;
    private static final float LP4 = 2.2222198546e-01f;
    private static final float LP5 = 1.8183572590e-01f;
    private static final float LP6 = 1.5313838422e-01f;
    private static final float LP7 = 1.4798198640e-01f;

    /** glibc's log1pf (flt-32/s_log1pf.c, fdlibm's float algorithm, up to glibc 2.40), in float arithmetic. */
    static float log1pF(float x) {
        int hx = Float.floatToRawIntBits(x);
        int ax = hx & 0x7fffffff;
        int k = 1;
        float f = 0f;
        float c = 0f;
        int hu = 0;
        if (hx < 0x3ed413d7) {
            if (ax >= 0x3f800000) {
                return x == -1f ? Float.NEGATIVE_INFINITY : Float.NaN;
            }
            if (ax < 0x31000000) {
                return ax < 0x24800000 ? x : x - x * x * 0.5f;
            }
            if (hx > 0 || hx <= 0xbe95f61f) {
                k = 0;
                f = x;
                hu = 1;
            }
        }
        if (hx >= 0x7f800000) {
            return x + x;
        }
        if (k != 0) {
            float u;
            if (hx < 0x5a000000) {
                u = 1f + x;
                hu = Float.floatToRawIntBits(u);
                k = (hu >> 23) - 127;
                c = k > 0 ? 1f - (u - x) : x - (u - 1f);
                c /= u;
            } else {
                u = x;
                hu = Float.floatToRawIntBits(u);
                k = (hu >> 23) - 127;
                c = 0f;
            }
            hu &= 0x007fffff;
            if (hu < 0x3504f7) {
                u = Float.intBitsToFloat(hu | 0x3f800000);
            } else {
                k += 1;
                u = Float.intBitsToFloat(hu | 0x3f000000);
                hu = (0x00800000 - hu) >> 2;
            }
            f = u - 1f;
        }
        float hfsq = 0.5f * f * f;
        if (hu == 0) {
            if (f == 0f) {
                if (k == 0) {
                    return 0f;
                }
                c += k * LN2_LO;
                return k * LN2_HI + c;
            }
            float r = hfsq * (1f - (float) 0.66666666666666666 * f);
            return k == 0 ? f - r : k * LN2_HI - ((r - (k * LN2_LO + c)) - f);
        }
        float s = f / (2f + f);
        float z = s * s;
        float r = z * (LP1 + z * (LP2 + z * (LP3 + z * (LP4 + z * (LP5 + z * (LP6 + z * LP7))))));
        if (k == 0) {
            return f - (hfsq - s * (hfsq + r));
        }
        return k * LN2_HI - ((hfsq - (s * (hfsq + r) + (k * LN2_LO + c))) - f);
    }

    static void logD(double re, double im, double[] o, int oi) {
        o[oi] = logRealD(re, im);
        o[oi + 1] = logImagD(re, im);
    }

    private static double logImagD(double re, double im) {
        if (re == 0 && im == 0) {
            return Math.copySign(Math.copySign(1.0, re) < 0 ? Math.PI : 0.0, im);
        }
        if (Double.isNaN(re) || Double.isNaN(im)) {
            return Double.NaN;
        }
        return StrictMath.atan2(im, re);
    }

    private static double logRealD(double re, double im) {
        if (re == 0 && im == 0) {
            return -1.0 / Math.abs(re);
        }
        if (Double.isNaN(re) || Double.isNaN(im)) {
            return Double.isInfinite(re) || Double.isInfinite(im) ? Double.POSITIVE_INFINITY : Double.NaN;
        }
        double absx = Math.abs(re);
        double absy = Math.abs(im);
        int scale = 0;
        if (absx < absy) {
            double t = absx;
            absx = absy;
            absy = t;
        }
        if (absx > Double.MAX_VALUE / 2) {
            scale = -1;
            absx = Math.scalb(absx, scale);
            absy = absy >= Double.MIN_NORMAL * 2 ? Math.scalb(absy, scale) : 0.0;
        } else if (absx < Double.MIN_NORMAL && absy < Double.MIN_NORMAL) {
            scale = 53;
            absx = Math.scalb(absx, scale);
            absy = Math.scalb(absy, scale);
        }
        double eps = Math.ulp(1.0);
        if (absx == 1 && scale == 0) {
            return StrictMath.log1p(absy * absy) / 2;
        } else if (absx > 1 && absx < 2 && absy < 1 && scale == 0) {
            double d2m1 = (absx - 1) * (absx + 1);
            if (absy >= eps) {
                d2m1 += absy * absy;
            }
            return StrictMath.log1p(d2m1) / 2;
        } else if (absx < 1 && absx >= 0.5 && absy < eps / 2 && scale == 0) {
            double d2m1 = (absx - 1) * (absx + 1);
            return StrictMath.log1p(d2m1) / 2;
        } else if (absx < 1 && absx >= 0.5 && scale == 0 && absx * absx + absy * absy >= 0.5) {
            return StrictMath.log1p(x2y2m1(absx, absy)) / 2;
        }
        double d = hypotD(absx, absy);
        return StrictMath.log(d) - scale * LN2;
    }

    /**
     * glibc's {@code __x2y2m1} (dbl-64/x2y2m1.c): {@code x^2 + y^2 - 1} from the exact products' parts, sorted by
     * magnitude and renormalised pairwise before the final sum.
     */
    static double x2y2m1(double x, double y) {
        double[] v = new double[5];
        v[1] = x * x;
        v[0] = Math.fma(x, x, -v[1]);
        v[3] = y * y;
        v[2] = Math.fma(y, y, -v[3]);
        v[4] = -1.0;
        sortByMagnitude(v, 0);
        for (int i = 0; i <= 3; i++) {
            double a = v[i + 1];
            double b = v[i];
            double hi = a + b;
            v[i] = (a - hi) + b;
            v[i + 1] = hi;
            sortByMagnitude(v, i + 1);
        }
        return v[4] + v[3] + v[2] + v[1] + v[0];
    }

    /** Sorts {@code v[from..]} by absolute value, ascending (glibc's qsort with its compare; ties keep no order). */
    private static void sortByMagnitude(double[] v, int from) {
        for (int i = from + 1; i < v.length; i++) {
            double t = v[i];
            int j = i - 1;
            while (j >= from && Math.abs(v[j]) > Math.abs(t)) {
                v[j + 1] = v[j];
                j--;
            }
            v[j + 1] = t;
        }
    }

    // ------------------------------------------------------------------ cexp (glibc's s_cexp_template.c), cpow

    /** expf(88): cexpf's scale for a real part above 88 ((int) ((FLT_MAX_EXP - 1) * ln 2)). */
    private static final float EXPF_88 = LibmFloat.exp(88f);

    /**
     * glibc's cexpf of (re, im) into {@code o[oi]}, {@code o[oi + 1]}, bit for bit on x86-64 with FMA: glibc's own
     * {@code sincosf} and {@code expf} ({@link LibmFloat}), C99 Annex G's special values, and the real part beyond 88
     * scaled by {@code expf(88)} into sine and cosine first (so {@code exp(100+1j)} is finite where
     * {@code expf(100)} is not), once or twice, then {@code FLT_MAX} times them.
     */
    static void cexpF(float re, float im, float[] o, int oi) {
        float rr;
        float ri;
        if (Float.isFinite(re)) {
            if (Float.isFinite(im)) {
                float sinix;
                float cosix;
                if (Math.abs(im) > Float.MIN_NORMAL) {
                    long sc = LibmFloat.sincos(im);
                    sinix = LibmFloat.sinOf(sc);
                    cosix = LibmFloat.cosOf(sc);
                } else {
                    sinix = im;
                    cosix = 1f;
                }
                float x = re;
                if (x > 88) {
                    x -= 88;
                    sinix *= EXPF_88;
                    cosix *= EXPF_88;
                    if (x > 88) {
                        x -= 88;
                        sinix *= EXPF_88;
                        cosix *= EXPF_88;
                    }
                }
                if (x > 88) {
                    rr = Float.MAX_VALUE * cosix;
                    ri = Float.MAX_VALUE * sinix;
                } else {
                    float e = LibmFloat.exp(x);
                    rr = e * cosix;
                    ri = e * sinix;
                }
            } else {
                rr = Float.NaN;
                ri = Float.NaN;
            }
        } else if (Float.isInfinite(re)) {
            if (Float.isFinite(im)) {
                float value = re < 0 ? 0f : Float.POSITIVE_INFINITY;
                if (im == 0) {
                    rr = value;
                    ri = im;
                } else {
                    float sinix;
                    float cosix;
                    if (Math.abs(im) > Float.MIN_NORMAL) {
                        long sc = LibmFloat.sincos(im);
                        sinix = LibmFloat.sinOf(sc);
                        cosix = LibmFloat.cosOf(sc);
                    } else {
                        sinix = im;
                        cosix = 1f;
                    }
                    rr = Math.copySign(value, cosix);
                    ri = Math.copySign(value, sinix);
                }
            } else if (re > 0) {
                rr = Float.POSITIVE_INFINITY;
                ri = im - im; // x86: the default NaN for an infinity, im's NaN (quiet) for a NaN
            } else {
                rr = 0f;
                ri = Math.copySign(0f, im);
            }
        } else {
            rr = Float.NaN;
            ri = im == 0 ? im : Float.NaN;
        }
        o[oi] = rr;
        o[oi + 1] = ri;
    }

    /**
     * glibc's cexp of (re, im) into {@code o[oi]}, {@code o[oi + 1]}: {@link #cexpF}'s algorithm in double (scaled by
     * {@code exp(709)}), with glibc's exp ({@link LibmDouble#exp}) and Java's {@code Math.sin} and {@code cos} for
     * glibc's (within an ulp of them: the special values exact, an ordinary part's last bit or two different about
     * once in 500).
     */
    static void cexpD(double re, double im, double[] o, int oi) {
        double rr;
        double ri;
        if (Double.isFinite(re)) {
            if (Double.isFinite(im)) {
                final int t = 709; // (int) ((DBL_MAX_EXP - 1) * ln 2)
                double sinix;
                double cosix;
                if (Math.abs(im) > Double.MIN_NORMAL) {
                    sinix = Math.sin(im);
                    cosix = Math.cos(im);
                } else {
                    sinix = im;
                    cosix = 1.0;
                }
                double x = re;
                if (x > t) {
                    double expT = LibmDouble.exp(t);
                    x -= t;
                    sinix *= expT;
                    cosix *= expT;
                    if (x > t) {
                        x -= t;
                        sinix *= expT;
                        cosix *= expT;
                    }
                }
                if (x > t) {
                    rr = Double.MAX_VALUE * cosix;
                    ri = Double.MAX_VALUE * sinix;
                } else {
                    double e = LibmDouble.exp(x);
                    rr = e * cosix;
                    ri = e * sinix;
                }
            } else {
                rr = Double.NaN;
                ri = Double.NaN;
            }
        } else if (Double.isInfinite(re)) {
            if (Double.isFinite(im)) {
                double value = re < 0 ? 0.0 : Double.POSITIVE_INFINITY;
                if (im == 0) {
                    rr = value;
                    ri = im;
                } else {
                    double sinix;
                    double cosix;
                    if (Math.abs(im) > Double.MIN_NORMAL) {
                        sinix = Math.sin(im);
                        cosix = Math.cos(im);
                    } else {
                        sinix = im;
                        cosix = 1.0;
                    }
                    rr = Math.copySign(value, cosix);
                    ri = Math.copySign(value, sinix);
                }
            } else if (re > 0) {
                rr = Double.POSITIVE_INFINITY;
                ri = im - im; // x86: the default NaN for an infinity, im's NaN (quiet) for a NaN
            } else {
                rr = 0.0;
                ri = Math.copySign(0.0, im);
            }
        } else {
            rr = Double.NaN;
            ri = im == 0 ? im : Double.NaN;
        }
        o[oi] = rr;
        o[oi + 1] = ri;
    }

    /**
     * {@code a * b} with x86's NaN rules (a NaN operand passes through, the first when both are: SSE's {@code mulss}
     * and {@code mulsd} return the first source's NaN; 0 times an infinity is the default NaN), in double (a float
     * product of floats is exact in double and is then rounded once, as the float product).
     */
    private static double mul(double a, double b) {
        if (Double.isNaN(a)) {
            return a;
        }
        if (Double.isNaN(b)) {
            return b;
        }
        if (a == 0 && Double.isInfinite(b) || b == 0 && Double.isInfinite(a)) {
            return DEFAULT_NAN;
        }
        return a * b;
    }

    /** {@code a + b} with x86's NaN rules (as {@link #mul}; infinities of opposite signs give the default NaN). */
    private static double add(double a, double b) {
        if (Double.isNaN(a)) {
            return a;
        }
        if (Double.isNaN(b)) {
            return b;
        }
        if (Double.isInfinite(a) && Double.isInfinite(b) && a != b) {
            return DEFAULT_NAN;
        }
        return a + b;
    }

    /**
     * The complex product {@code (a + bi)(c + di)} as GCC compiles it (no fused multiply-adds): the four products, then
     * {@code ac - bd} and {@code ad + bc}; where both are NaN, libgcc's {@code __mul?c3} recovers infinities (an
     * infinite operand's parts made 1 or 0 with their signs, NaN parts of the other made signed zeros, and the products
     * recomputed times infinity). {@code flt} rounds every step to float. Returns {re, im} in {@code out}.
     */
    static void complexMul(double a, double b, double c, double d, boolean flt, double[] out) {
        double ac = r(mul(a, c), flt);
        double bd = r(mul(b, d), flt);
        double ad = r(mul(a, d), flt);
        double bc = r(mul(b, c), flt);
        double x = r(add(ac, neg(bd)), flt);
        double y = r(add(ad, bc), flt);
        if (Double.isNaN(x) && Double.isNaN(y)) {
            boolean recalc = false;
            if (Double.isInfinite(a) || Double.isInfinite(b)) {
                a = Math.copySign(Double.isInfinite(a) ? 1.0 : 0.0, a);
                b = Math.copySign(Double.isInfinite(b) ? 1.0 : 0.0, b);
                c = Double.isNaN(c) ? Math.copySign(0.0, c) : c;
                d = Double.isNaN(d) ? Math.copySign(0.0, d) : d;
                recalc = true;
            }
            if (Double.isInfinite(c) || Double.isInfinite(d)) {
                c = Math.copySign(Double.isInfinite(c) ? 1.0 : 0.0, c);
                d = Math.copySign(Double.isInfinite(d) ? 1.0 : 0.0, d);
                a = Double.isNaN(a) ? Math.copySign(0.0, a) : a;
                b = Double.isNaN(b) ? Math.copySign(0.0, b) : b;
                recalc = true;
            }
            if (!recalc && (Double.isInfinite(ac) || Double.isInfinite(bd) || Double.isInfinite(ad)
                    || Double.isInfinite(bc))) {
                a = Double.isNaN(a) ? Math.copySign(0.0, a) : a;
                b = Double.isNaN(b) ? Math.copySign(0.0, b) : b;
                c = Double.isNaN(c) ? Math.copySign(0.0, c) : c;
                d = Double.isNaN(d) ? Math.copySign(0.0, d) : d;
                recalc = true;
            }
            if (recalc) {
                x = r(mul(Double.POSITIVE_INFINITY, r(add(r(mul(a, c), flt), neg(r(mul(b, d), flt))), flt)), flt);
                y = r(mul(Double.POSITIVE_INFINITY, r(add(r(mul(a, d), flt), r(mul(b, c), flt)), flt)), flt);
            }
        }
        out[0] = x;
        out[1] = y;
    }

    /** {@code -v} keeping a NaN as it is (the subtraction {@code x - v} is {@code x + (-v)} but for a NaN's sign). */
    private static double neg(double v) {
        return Double.isNaN(v) ? v : -v;
    }

    /** {@code v} rounded to float where {@code flt} (a NaN keeps its sign). */
    private static double r(double v, boolean flt) {
        return flt && !Double.isNaN(v) ? (double) (float) v : v;
    }

    private static final ThreadLocal<double[]> PAIR = ThreadLocal.withInitial(() -> new double[2]);

    /** {@code v} as a float, a NaN keeping its sign (which a zero of cexpf's result may take). */
    private static float toFloat(double v) {
        if (Double.isNaN(v)) {
            return Float.intBitsToFloat(Double.doubleToRawLongBits(v) < 0 ? 0xffc00000 : 0x7fc00000);
        }
        return (float) v;
    }

    /** glibc's cpowf(z, (p, 0)) = cexpf((p, 0) * clogf(z)). */
    static void powF(float re, float im, float p, float[] o, int oi) {
        float lr = logRealF(re, im);
        float li = logImagF(re, im);
        if (Float.isFinite(lr) && Float.isFinite(li) && Float.isFinite(p)) {
            // no NaN can arise: the product's plain float arithmetic is the compiler's
            cexpF(p * lr - 0f * li, p * li + 0f * lr, o, oi);
            return;
        }
        double[] w = PAIR.get();
        complexMul(p, 0.0, lr, li, true, w);
        cexpF(toFloat(w[0]), toFloat(w[1]), o, oi);
    }

    /** glibc's cpow(z, (p, 0)) = cexp((p, 0) * clog(z)). */
    static void powD(double re, double im, double p, double[] o, int oi) {
        double lr = logRealD(re, im);
        double li = logImagD(re, im);
        if (Double.isFinite(lr) && Double.isFinite(li) && Double.isFinite(p)) {
            cexpD(p * lr - 0.0 * li, p * li + 0.0 * lr, o, oi); // no NaN can arise
            return;
        }
        double[] w = PAIR.get();
        complexMul(p, 0.0, lr, li, false, w);
        cexpD(w[0], w[1], o, oi);
    }
}
