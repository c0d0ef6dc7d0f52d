package dev.ember.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link EluLoops} on the incubating Vector API: the lanes compute {@link EluKernels}'s element functions operation
 * for operation (the branches as blends), the rest of each run goes through those functions. Loaded only through
 * {@link EluKernels}'s probe, like {@link VectorLoops}.
 */
final class VectorEluLoops implements EluLoops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Doubles in a vector of {@link #S}'s shape (no second float species: see {@link VectorLoops}). */
    private static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, S.vectorShape());

    // before this class's first kernel runs: keeps JDK 17's C2 from dropping the kernels' intrinsics (VectorProfiles)
    static {
        VectorProfiles.seedOnce();
    }

    /**
     * Two vectors a step where two fit, then one (each lane the same operations: the same bits). The method's bytecode
     * is kept over C2's {@code FreqInlineSize} (325 bytes; {@code VectorHelpersInlineTest} pins it) so that C2 compiles
     * it as a root of its own instead of inlining it into its callers: inlined at the end of leaky_relu's chain from
     * {@code ActivationOps.fusedActivation} (ProfilingBackend, CpuBackend, EluKernels, StridedLoop and two lambdas), the
     * Vector API's own calls passed {@code MaxInlineLevel} and every vector was boxed (the add bias + leaky_relu_ row
     * 16.8 MB allocated and 4.7-5.3 ms a call instead of about 0.95, session 57).
     */
    @Override
    public void leakyRelu(float[] g, int go, float[] x, int xo, float s, float[] o, int oo, int n) {
        int step = S.length();
        int bound2 = n - n % (2 * step);
        int bound = S.loopBound(n);
        int i = 0;
        if (g == null) {
            for (; i < bound2; i += 2 * step) {
                FloatVector v = FloatVector.fromArray(S, x, xo + i);
                FloatVector w = FloatVector.fromArray(S, x, xo + i + step);
                v.mul(s).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(o, oo + i);
                w.mul(s).blend(w, w.compare(VectorOperators.GT, 0f)).intoArray(o, oo + i + step);
            }
            for (; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, xo + i);
                v.mul(s).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(o, oo + i);
            }
            for (; i < n; i++) {
                o[oo + i] = EluKernels.leakyRelu(x[xo + i], s);
            }
            return;
        }
        for (; i < bound2; i += 2 * step) {
            FloatVector d = FloatVector.fromArray(S, g, go + i);
            FloatVector e = FloatVector.fromArray(S, g, go + i + step);
            d.mul(s).blend(d, FloatVector.fromArray(S, x, xo + i).compare(VectorOperators.GT, 0f)).intoArray(o, oo + i);
            e.mul(s).blend(e, FloatVector.fromArray(S, x, xo + i + step).compare(VectorOperators.GT, 0f))
                    .intoArray(o, oo + i + step);
        }
        for (; i < bound; i += S.length()) {
            FloatVector d = FloatVector.fromArray(S, g, go + i);
            d.mul(s).blend(d, FloatVector.fromArray(S, x, xo + i).compare(VectorOperators.GT, 0f)).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = EluKernels.leakyReluBackward(g[go + i], x[xo + i], s);
        }
    }

    @Override
    public void leakyRelu(double[] g, int go, double[] x, int xo, double s, double[] o, int oo, int n) {
        int bound = DS.loopBound(n);
        int i = 0;
        if (g == null) {
            for (; i < bound; i += DS.length()) {
                DoubleVector v = DoubleVector.fromArray(DS, x, xo + i);
                v.mul(s).blend(v, v.compare(VectorOperators.GT, 0.0)).intoArray(o, oo + i);
            }
            for (; i < n; i++) {
                o[oo + i] = EluKernels.leakyRelu(x[xo + i], s);
            }
            return;
        }
        for (; i < bound; i += DS.length()) {
            DoubleVector d = DoubleVector.fromArray(DS, g, go + i);
            d.mul(s).blend(d, DoubleVector.fromArray(DS, x, xo + i).compare(VectorOperators.GT, 0.0))
                    .intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = EluKernels.leakyReluBackward(g[go + i], x[xo + i], s);
        }
    }

    /** Where a lane's argument is at least this (or NaN, infinite), its vector takes the scalar form. */
    private static final double EXPM1_LANE_LIMIT = 709;

    /**
     * The proof ({@link EluKernels#expm1Floats}): the lanes' {@code y = EXPM1(d)}, within 1 ulp of the exact value,
     * are kept where {@code y - |y| 2^-48} and {@code y + |y| 2^-48} round to the same float; a vector with any other
     * lane (or d NaN, infinite, at least {@link #EXPM1_LANE_LIMIT}: y made NaN) takes the scalar
     * {@link EluKernels#expm1Float} in every lane, as does the tail. A zero lane keeps d ({@code Math.expm1} of a zero
     * is that zero).
     */
    @Override
    public void expm1(double[] d, int n) {
        int bound = DS.loopBound(n);
        int i = 0;
        for (; i < bound; i += DS.length()) {
            DoubleVector v = DoubleVector.fromArray(DS, d, i);
            DoubleVector y = v.lanewise(VectorOperators.EXPM1).blend(v, v.compare(VectorOperators.EQ, 0.0))
                    .blend(Double.NaN, v.compare(VectorOperators.LT, EXPM1_LANE_LIMIT)
                            .and(v.compare(VectorOperators.GT, Double.NEGATIVE_INFINITY)).not());
            DoubleVector m = y.abs().mul(0x1p-48);
            FloatVector lo = (FloatVector) y.sub(m).convertShape(VectorOperators.D2F, S, 0);
            FloatVector hi = (FloatVector) y.add(m).convertShape(VectorOperators.D2F, S, 0);
            if (lo.compare(VectorOperators.EQ, hi).allTrue()) {
                y.intoArray(d, i);
            } else {
                for (int j = i; j < i + DS.length(); j++) {
                    d[j] = EluKernels.expm1Float(d[j]);
                }
            }
        }
        for (; i < n; i++) {
            d[i] = EluKernels.expm1Float(d[i]);
        }
    }

    @Override
    public void eluBackwardInput(float[] g, int go, float[] x, int xo, float nc, float scale, float ni, float[] o,
                                 int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector d = FloatVector.fromArray(S, g, go + i);
            FloatVector gn = d.mul(ni).mul(nc);
            FloatVector neg = gn.mul(VectorSleef.exp(v.mul(ni)));
            neg.blend(d.mul(scale), v.compare(VectorOperators.GT, 0f)).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = EluKernels.eluBackwardInput(g[go + i], x[xo + i], nc, scale, ni);
        }
    }

    @Override
    public void eluSleef(float[] x, int xo, float nc, float scale, float is, float[] o, int oo, int n) {
        VectorSleef.eluForward(x, xo, nc, scale, is, o, oo, n);
    }

    @Override
    public void expm1Sleef(float[] x, int xo, float[] o, int oo, int n) {
        VectorSleef.expm1(x, xo, o, oo, n);
    }

    @Override
    public void eluBackwardResult(float[] g, int go, float[] r, int ro, float nc, float scale, float is, float[] o,
                                  int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, r, ro + i);
            FloatVector d = FloatVector.fromArray(S, g, go + i);
            d.mul(is).mul(v.add(nc)).blend(d.mul(scale), v.compare(VectorOperators.GT, 0f)).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = EluKernels.eluBackwardResultVectorForm(g[go + i], r[ro + i], nc, scale, is);
        }
    }

    @Override
    public void eluBackwardResult(double[] g, int go, double[] r, int ro, double nc, double scale, double is,
                                  double[] o, int oo, int n) {
        int bound = DS.loopBound(n);
        int i = 0;
        for (; i < bound; i += DS.length()) {
            DoubleVector v = DoubleVector.fromArray(DS, r, ro + i);
            DoubleVector d = DoubleVector.fromArray(DS, g, go + i);
            d.mul(is).mul(v.add(nc)).blend(d.mul(scale), v.compare(VectorOperators.GT, 0.0)).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = EluKernels.eluBackwardResultVectorForm(g[go + i], r[ro + i], nc, scale, is);
        }
    }
}
