package dev.ember.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FftKernels}' transforms on as many sequences at once as a double vector has lanes (8 with AVX-512, 4 with
 * AVX2), on the incubating Vector API: pocketfft's way of vectorizing a batch, where a single transform's butterflies
 * do not fill a vector. The buffers hold the sequences side by side, lane {@code l}'s double {@code p} (the
 * {@code p}-th double of its interleaved (re, im) sequence) at {@code p L + l}, so every butterfly of the scalar kernel
 * becomes the same operations on vectors, with the twiddles broadcast; the operations and their order are the scalar
 * kernel's (no fused multiply-add), so each lane's result is bit for bit the one-sequence transform's. Loaded only
 * through {@link MicroKernels#loadVectorClass}, so a JVM without {@code jdk.incubator.vector} never links it.
 *
 * <p>The kernels call the Vector API directly, with no helper of their own that takes or returns a vector: C2 inlines
 * the API's methods (all {@code @ForceInline}) whatever the size of the compilation, but stops inlining other methods
 * past {@code NodeCountInliningCutoff}, and a helper cut off there boxes every vector it touches (a radix-4 pass with a
 * twiddle helper allocated 8 MB a call for 256 sequences of 1024; a radix-3 pass inlined into {@link #direct} with the
 * others, 28 MB for 8640).
 */
final class VectorFft implements FftKernels.Lanes {
    /** Doubles of the preferred float shape: the package's one float species keeps its vector profiles monomorphic. */
    private static final VectorSpecies<Double> DS =
            VectorSpecies.of(double.class, FloatVector.SPECIES_PREFERRED.vectorShape());
    private static final int L = DS.length();

    static {
        VectorProfiles.seedOnce();
    }

    @Override
    public int lanes() {
        return L;
    }

    @Override
    public double[] forward(FftKernels.Plan plan, double[] a, double[] b) {
        return plan.sub != null ? bluestein(plan, a, b) : direct(plan, a, b);
    }



    @Override
    public void separate(double[] z, int m, double[] w, double[] x) {
        for (int k = 0; k <= m; k++) {
            int i1 = k == m ? 0 : k;
            int i2 = k == 0 ? 0 : m - k;
            DoubleVector zr = DoubleVector.fromArray(DS, z, 2 * i1 * L);
            DoubleVector zi = DoubleVector.fromArray(DS, z, (2 * i1 + 1) * L);
            DoubleVector cr = DoubleVector.fromArray(DS, z, 2 * i2 * L);
            DoubleVector ci = DoubleVector.fromArray(DS, z, (2 * i2 + 1) * L).neg();
            DoubleVector er = zr.add(cr).mul(0.5);
            DoubleVector ei = zi.add(ci).mul(0.5);
            DoubleVector or = zi.sub(ci).mul(0.5);
            DoubleVector oi = zr.sub(cr).mul(-0.5);
            double wc = w[2 * k];
            double ws = w[2 * k + 1];
            er.add(or.mul(wc)).add(oi.mul(ws)).intoArray(x, 2 * k * L);
            ei.add(oi.mul(wc)).sub(or.mul(ws)).intoArray(x, (2 * k + 1) * L);
        }
    }

    @Override
    public void combine(double[] x, int m, double[] w, double[] a) {
        for (int k = 0; k < m; k++) {
            DoubleVector xr = DoubleVector.fromArray(DS, x, 2 * k * L);
            DoubleVector xi = DoubleVector.fromArray(DS, x, (2 * k + 1) * L);
            DoubleVector cr = DoubleVector.fromArray(DS, x, 2 * (m - k) * L);
            DoubleVector ci = DoubleVector.fromArray(DS, x, (2 * (m - k) + 1) * L).neg();
            DoubleVector dr = xr.sub(cr);
            DoubleVector di = xi.sub(ci);
            double wc = w[2 * k];
            double ws = w[2 * k + 1];
            DoubleVector or = dr.mul(wc).sub(di.mul(ws));
            DoubleVector oi = dr.mul(ws).add(di.mul(wc));
            xr.add(cr).sub(oi).intoArray(a, 2 * k * L);
            xi.add(ci).add(or).neg().intoArray(a, (2 * k + 1) * L);
        }
    }

    private static double[] direct(FftKernels.Plan plan, double[] a, double[] b) {
        double[] cc = a;
        double[] ch = b;
        int n = plan.n;
        int l1 = 1;
        for (int k = 0; k < plan.factors.length; k++) {
            int ip = plan.factors[k];
            int ido = n / (l1 * ip);
            switch (ip) {
                case 2 -> pass2(ido, l1, cc, ch);
                case 3 -> pass3(ido, l1, cc, ch);
                case 4 -> pass4(ido, l1, cc, ch);
                case 5 -> pass5(ido, l1, cc, ch);
                default -> passGeneric(ip, ido, l1, cc, ch, plan.roots[k]);
            }
            if (plan.twiddles[k] != null) {
                twiddle(ip, ido, l1, ch, plan.twiddles[k]);
            }
            double[] t = cc;
            cc = ch;
            ch = t;
            l1 *= ip;
        }
        return cc;
    }

    /** {@link FftKernels.Plan}'s chirp-z on the lanes: the chirp and the filter broadcast. */
    private double[] bluestein(FftKernels.Plan plan, double[] a, double[] b) {
        int n = plan.n;
        int m = plan.sub.n;
        double[] chirp = plan.chirp;
        double[] filter = plan.filter;
        for (int j = 0; j < n; j++) {
            DoubleVector xr = DoubleVector.fromArray(DS, a, (2 * j) * L);
            DoubleVector xi = DoubleVector.fromArray(DS, a, (2 * j + 1) * L);
            double wr = chirp[2 * j];
            double wi = chirp[2 * j + 1];
            xr.mul(wr).sub(xi.mul(wi)).intoArray(a, (2 * j) * L);
            xr.mul(wi).add(xi.mul(wr)).intoArray(a, (2 * j + 1) * L);
        }
        java.util.Arrays.fill(a, 2 * n * L, 2 * m * L, 0.0);
        double[] f = forward(plan.sub, a, b);
        for (int k = 0; k < m; k++) {
            DoubleVector xr = DoubleVector.fromArray(DS, f, (2 * k) * L);
            DoubleVector xi = DoubleVector.fromArray(DS, f, (2 * k + 1) * L);
            double hr = filter[2 * k];
            double hi = filter[2 * k + 1];
            xr.mul(hr).sub(xi.mul(hi)).intoArray(f, (2 * k) * L);
            xr.mul(hi).add(xi.mul(hr)).neg().intoArray(f, (2 * k + 1) * L);
        }
        double[] c = forward(plan.sub, f, f == a ? b : a);
        for (int k = 0; k < n; k++) {
            DoubleVector yr = DoubleVector.fromArray(DS, c, (2 * k) * L);
            DoubleVector yi = DoubleVector.fromArray(DS, c, (2 * k + 1) * L).neg();
            double wr = chirp[2 * k];
            double wi = chirp[2 * k + 1];
            yr.mul(wr).sub(yi.mul(wi)).intoArray(c, (2 * k) * L);
            yr.mul(wi).add(yi.mul(wr)).intoArray(c, (2 * k + 1) * L);
        }
        return c;
    }

    // the butterflies: FftKernels' passes with every double a vector of lanes (see the scalar ones for the indexing)

    private static void pass2(int ido, int l1, double[] cc, double[] ch) {
        int outStride = 2 * ido * l1;
        for (int k = 0; k < l1; k++) {
            int in0 = 2 * ido * 2 * k;
            int in1 = in0 + 2 * ido;
            int out0 = 2 * ido * k;
            int out1 = out0 + outStride;
            for (int i = 0; i < ido; i++) {
                int c = 2 * i;
                DoubleVector ar = DoubleVector.fromArray(DS, cc, (in0 + c) * L);
                DoubleVector ai = DoubleVector.fromArray(DS, cc, (in0 + c + 1) * L);
                DoubleVector br = DoubleVector.fromArray(DS, cc, (in1 + c) * L);
                DoubleVector bi = DoubleVector.fromArray(DS, cc, (in1 + c + 1) * L);
                ar.add(br).intoArray(ch, (out0 + c) * L);
                ai.add(bi).intoArray(ch, (out0 + c + 1) * L);
                ar.sub(br).intoArray(ch, (out1 + c) * L);
                ai.sub(bi).intoArray(ch, (out1 + c + 1) * L);
            }
        }
    }

    private static final double S3 = 0.86602540378443864676;

    private static void pass3(int ido, int l1, double[] cc, double[] ch) {
        int outStride = 2 * ido * l1;
        int tw2 = 2 * ido;
        for (int k = 0; k < l1; k++) {
            int in0 = 2 * ido * 3 * k;
            int out0 = 2 * ido * k;
            for (int i = 0; i < ido; i++) {
                int c = 2 * i;
                int p0 = in0 + c;
                DoubleVector u0r = DoubleVector.fromArray(DS, cc, (p0) * L);
                DoubleVector u0i = DoubleVector.fromArray(DS, cc, (p0 + 1) * L);
                DoubleVector u1r = DoubleVector.fromArray(DS, cc, (p0 + 2 * ido) * L);
                DoubleVector u1i = DoubleVector.fromArray(DS, cc, (p0 + 2 * ido + 1) * L);
                DoubleVector u2r = DoubleVector.fromArray(DS, cc, (p0 + 4 * ido) * L);
                DoubleVector u2i = DoubleVector.fromArray(DS, cc, (p0 + 4 * ido + 1) * L);
                DoubleVector tr = u1r.add(u2r);
                DoubleVector ti = u1i.add(u2i);
                DoubleVector ar = u0r.sub(tr.mul(0.5));
                DoubleVector ai = u0i.sub(ti.mul(0.5));
                DoubleVector br = u1i.sub(u2i).mul(S3);
                DoubleVector bi = u1r.sub(u2r).mul(-S3);
                int q = out0 + c;
                u0r.add(tr).intoArray(ch, (q) * L);
                u0i.add(ti).intoArray(ch, (q + 1) * L);
                ar.add(br).intoArray(ch, (q + outStride) * L);
                ai.add(bi).intoArray(ch, (q + outStride + 1) * L);
                ar.sub(br).intoArray(ch, (q + 2 * outStride) * L);
                ai.sub(bi).intoArray(ch, (q + 2 * outStride + 1) * L);
            }
        }
    }

    private static void pass4(int ido, int l1, double[] cc, double[] ch) {
        int outStride = 2 * ido * l1;
        int step = 2 * ido;
        for (int k = 0; k < l1; k++) {
            int in0 = 2 * ido * 4 * k;
            int out0 = 2 * ido * k;
            for (int i = 0; i < ido; i++) {
                int c = 2 * i;
                int p0 = in0 + c;
                DoubleVector u0r = DoubleVector.fromArray(DS, cc, (p0) * L);
                DoubleVector u0i = DoubleVector.fromArray(DS, cc, (p0 + 1) * L);
                DoubleVector u1r = DoubleVector.fromArray(DS, cc, (p0 + step) * L);
                DoubleVector u1i = DoubleVector.fromArray(DS, cc, (p0 + step + 1) * L);
                DoubleVector u2r = DoubleVector.fromArray(DS, cc, (p0 + 2 * step) * L);
                DoubleVector u2i = DoubleVector.fromArray(DS, cc, (p0 + 2 * step + 1) * L);
                DoubleVector u3r = DoubleVector.fromArray(DS, cc, (p0 + 3 * step) * L);
                DoubleVector u3i = DoubleVector.fromArray(DS, cc, (p0 + 3 * step + 1) * L);
                DoubleVector t1r = u0r.add(u2r);
                DoubleVector t1i = u0i.add(u2i);
                DoubleVector t2r = u0r.sub(u2r);
                DoubleVector t2i = u0i.sub(u2i);
                DoubleVector t3r = u1r.add(u3r);
                DoubleVector t3i = u1i.add(u3i);
                DoubleVector t4r = u1r.sub(u3r);
                DoubleVector t4i = u1i.sub(u3i);
                int q = out0 + c;
                t1r.add(t3r).intoArray(ch, (q) * L);
                t1i.add(t3i).intoArray(ch, (q + 1) * L);
                t2r.add(t4i).intoArray(ch, (q + outStride) * L);
                t2i.sub(t4r).intoArray(ch, (q + outStride + 1) * L);
                t1r.sub(t3r).intoArray(ch, (q + 2 * outStride) * L);
                t1i.sub(t3i).intoArray(ch, (q + 2 * outStride + 1) * L);
                t2r.sub(t4i).intoArray(ch, (q + 3 * outStride) * L);
                t2i.add(t4r).intoArray(ch, (q + 3 * outStride + 1) * L);
            }
        }
    }

    private static final double C51 = 0.30901699437494742410;
    private static final double C52 = -0.80901699437494742410;
    private static final double S51 = 0.95105651629515357212;
    private static final double S52 = 0.58778525229247312917;

    private static void pass5(int ido, int l1, double[] cc, double[] ch) {
        int outStride = 2 * ido * l1;
        int step = 2 * ido;
        for (int k = 0; k < l1; k++) {
            int in0 = 2 * ido * 5 * k;
            int out0 = 2 * ido * k;
            for (int i = 0; i < ido; i++) {
                int c = 2 * i;
                int p0 = in0 + c;
                DoubleVector u0r = DoubleVector.fromArray(DS, cc, p0 * L);
                DoubleVector u0i = DoubleVector.fromArray(DS, cc, (p0 + 1) * L);
                DoubleVector u1r = DoubleVector.fromArray(DS, cc, (p0 + step) * L);
                DoubleVector u1i = DoubleVector.fromArray(DS, cc, (p0 + step + 1) * L);
                DoubleVector u2r = DoubleVector.fromArray(DS, cc, (p0 + 2 * step) * L);
                DoubleVector u2i = DoubleVector.fromArray(DS, cc, (p0 + 2 * step + 1) * L);
                DoubleVector u3r = DoubleVector.fromArray(DS, cc, (p0 + 3 * step) * L);
                DoubleVector u3i = DoubleVector.fromArray(DS, cc, (p0 + 3 * step + 1) * L);
                DoubleVector u4r = DoubleVector.fromArray(DS, cc, (p0 + 4 * step) * L);
                DoubleVector u4i = DoubleVector.fromArray(DS, cc, (p0 + 4 * step + 1) * L);
                DoubleVector t1r = u1r.add(u4r);
                DoubleVector t1i = u1i.add(u4i);
                DoubleVector t2r = u2r.add(u3r);
                DoubleVector t2i = u2i.add(u3i);
                DoubleVector t3r = u1r.sub(u4r);
                DoubleVector t3i = u1i.sub(u4i);
                DoubleVector t4r = u2r.sub(u3r);
                DoubleVector t4i = u2i.sub(u3i);
                DoubleVector a1r = u0r.add(t1r.mul(C51)).add(t2r.mul(C52));
                DoubleVector a1i = u0i.add(t1i.mul(C51)).add(t2i.mul(C52));
                DoubleVector a2r = u0r.add(t1r.mul(C52)).add(t2r.mul(C51));
                DoubleVector a2i = u0i.add(t1i.mul(C52)).add(t2i.mul(C51));
                DoubleVector b1r = t3i.mul(S51).add(t4i.mul(S52));
                DoubleVector b1i = t3r.mul(S51).add(t4r.mul(S52)).neg();
                DoubleVector b2r = t3i.mul(S52).sub(t4i.mul(S51));
                DoubleVector b2i = t3r.mul(S52).sub(t4r.mul(S51)).neg();
                int q = out0 + c;
                u0r.add(t1r).add(t2r).intoArray(ch, q * L);
                u0i.add(t1i).add(t2i).intoArray(ch, (q + 1) * L);
                a1r.add(b1r).intoArray(ch, (q + outStride) * L);
                a1i.add(b1i).intoArray(ch, (q + outStride + 1) * L);
                a2r.add(b2r).intoArray(ch, (q + 2 * outStride) * L);
                a2i.add(b2i).intoArray(ch, (q + 2 * outStride + 1) * L);
                a2r.sub(b2r).intoArray(ch, (q + 3 * outStride) * L);
                a2i.sub(b2i).intoArray(ch, (q + 3 * outStride + 1) * L);
                a1r.sub(b1r).intoArray(ch, (q + 4 * outStride) * L);
                a1i.sub(b1i).intoArray(ch, (q + 4 * outStride + 1) * L);
            }
        }
    }

    /** The odd radix by its definition, halved by symmetry, with the pair sums and differences in lane buffers. */
    private static void passGeneric(int ip, int ido, int l1, double[] cc, double[] ch, double[] rt) {
        int outStride = 2 * ido * l1;
        int step = 2 * ido;
        int h = (ip - 1) / 2;
        // pair m's sum at doubles 4m, 4m + 1 and difference at 4m + 2, 4m + 3 (each a vector of lanes)
        double[] sd = new double[4 * (h + 1) * L];
        for (int k = 0; k < l1; k++) {
            int in0 = 2 * ido * ip * k;
            int out0 = 2 * ido * k;
            for (int i = 0; i < ido; i++) {
                int c = 2 * i;
                int p0 = in0 + c;
                DoubleVector u0r = DoubleVector.fromArray(DS, cc, (p0) * L);
                DoubleVector u0i = DoubleVector.fromArray(DS, cc, (p0 + 1) * L);
                DoubleVector v0r = u0r;
                DoubleVector v0i = u0i;
                for (int m = 1; m <= h; m++) {
                    int pa = p0 + m * step;
                    int pb = p0 + (ip - m) * step;
                    DoubleVector ar = DoubleVector.fromArray(DS, cc, (pa) * L);
                    DoubleVector ai = DoubleVector.fromArray(DS, cc, (pa + 1) * L);
                    DoubleVector br = DoubleVector.fromArray(DS, cc, (pb) * L);
                    DoubleVector bi = DoubleVector.fromArray(DS, cc, (pb + 1) * L);
                    DoubleVector sr = ar.add(br);
                    DoubleVector si = ai.add(bi);
                    sr.intoArray(sd, (4 * m) * L);
                    si.intoArray(sd, (4 * m + 1) * L);
                    ar.sub(br).intoArray(sd, (4 * m + 2) * L);
                    ai.sub(bi).intoArray(sd, (4 * m + 3) * L);
                    v0r = v0r.add(sr);
                    v0i = v0i.add(si);
                }
                int q = out0 + c;
                v0r.intoArray(ch, (q) * L);
                v0i.intoArray(ch, (q + 1) * L);
                for (int r = 1; r <= h; r++) {
                    DoubleVector ar = u0r;
                    DoubleVector ai = u0i;
                    DoubleVector br = DoubleVector.zero(DS);
                    DoubleVector bi = DoubleVector.zero(DS);
                    int e = 0;
                    for (int m = 1; m <= h; m++) {
                        e += r;
                        if (e >= ip) {
                            e -= ip;
                        }
                        double cs = rt[2 * e];
                        double sn = rt[2 * e + 1];
                        ar = ar.add(DoubleVector.fromArray(DS, sd, (4 * m) * L).mul(cs));
                        ai = ai.add(DoubleVector.fromArray(DS, sd, (4 * m + 1) * L).mul(cs));
                        br = br.add(DoubleVector.fromArray(DS, sd, (4 * m + 3) * L).mul(sn));
                        bi = bi.sub(DoubleVector.fromArray(DS, sd, (4 * m + 2) * L).mul(sn));
                    }
                    ar.add(br).intoArray(ch, (q + r * outStride) * L);
                    ai.add(bi).intoArray(ch, (q + r * outStride + 1) * L);
                    ar.sub(br).intoArray(ch, (q + (ip - r) * outStride) * L);
                    ai.sub(bi).intoArray(ch, (q + (ip - r) * outStride + 1) * L);
                }
            }
        }
    }


    /**
     * Multiplies output {@code r >= 1} of every butterfly of a pass by its twiddle {@code tw[(r - 1) ido + i]}, the
     * scalar kernel's {@code twiddle} as a sweep of its own (the same products, so the same bits), which keeps the
     * butterflies free of the last pass's case without twiddles and each compiled loop small.
     */
    private static void twiddle(int ip, int ido, int l1, double[] ch, double[] tw) {
        int outStride = 2 * ido * l1;
        for (int r = 1; r < ip; r++) {
            for (int k = 0; k < l1; k++) {
                int q = 2 * ido * k + r * outStride;
                int w = 2 * (r - 1) * ido;
                for (int i = 0; i < ido; i++) {
                    int c = 2 * i;
                    DoubleVector xr = DoubleVector.fromArray(DS, ch, (q + c) * L);
                    DoubleVector xi = DoubleVector.fromArray(DS, ch, (q + c + 1) * L);
                    double wr = tw[w + c];
                    double wi = tw[w + c + 1];
                    xr.mul(wr).sub(xi.mul(wi)).intoArray(ch, (q + c) * L);
                    xr.mul(wi).add(xi.mul(wr)).intoArray(ch, (q + c + 1) * L);
                }
            }
        }
    }
}
