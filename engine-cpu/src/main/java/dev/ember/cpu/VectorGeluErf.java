package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GeluKernelFloat}'s vector form on the Vector API (PyTorch 2.x's {@code GeluKernelImpl} and
 * {@code GeluBackwardKernelImpl} where the tensor does not go to oneDNN), each lane the scalar form's operations (so
 * the same bits in every JIT tier): over a run's {@link SleefFloat#vectorPart}, the scalar form
 * ({@link GeluKernelFloat#geluLibm}, glibc's erff) over the rest. The forward loop writes erf and Sleef's exp out
 * inline (no vector crosses a call of ours, see VectorHelpersInlineTest) and is over C2's FreqInlineSize, so C2
 * compiles it as its own root. The backward needs two exponentials, past what C2 compiles in one loop body: it works
 * in blocks, the density's exponential into a scratch block by {@link VectorSleef#exp(float[], int, float[], int, int)},
 * then erf and the rest. Negations flip the sign bit by an integer XOR (see VectorSleef.NEG_OP_PROPERTY). Loaded only
 * through {@link VectorLoops}.
 */
final class VectorGeluErf {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** The float sign bit, as an int lane. */
    private static final int SIGN = Integer.MIN_VALUE;
    /** Floats per block of the backward (in the first-level cache). */
    private static final int BLOCK = 1024;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[BLOCK]);

    private VectorGeluErf() {
    }

    /** {@code o[oo + i] = gelu(x[xo + i])} for i below n, {@link GeluKernelFloat#gelu}'s bits then geluLibm's. */
    static void gelu(float[] x, int xo, float[] o, int oo, int n) {
        int bound = SleefFloat.vectorPart(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector a = v.mul(GeluKernelFloat.ALPHA);
            IntVector sign = a.reinterpretAsInts().and(SIGN);
            FloatVector t = one.div(a.abs().fma(GeluKernelFloat.P, 1f));
            FloatVector r = t.fma(GeluKernelFloat.A5, GeluKernelFloat.A4).fma(t, FloatVector.broadcast(S,
                    GeluKernelFloat.A3)).fma(t, FloatVector.broadcast(S, GeluKernelFloat.A2)).fma(t,
                    FloatVector.broadcast(S, GeluKernelFloat.A1));
            // e = exp(-(a * a)), SleefFloat.exp lane-wise; the argument is at most 0, so only the low bound applies
            FloatVector d = a.mul(a).reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector et = d.mul(SleefFloat.R_LN2).add(SleefFloat.RINT);
            FloatVector qf = et.sub(SleefFloat.RINT);
            IntVector q = et.reinterpretAsInts().sub(SleefFloat.RINT_BITS);
            FloatVector s = qf.fma(FloatVector.broadcast(S, -SleefFloat.L2U), d);
            s = qf.fma(FloatVector.broadcast(S, -SleefFloat.L2L), s);
            FloatVector u = s.fma(SleefFloat.E0, SleefFloat.E1).fma(s, FloatVector.broadcast(S, SleefFloat.E2))
                    .fma(s, FloatVector.broadcast(S, SleefFloat.E3)).fma(s, FloatVector.broadcast(S, SleefFloat.E4))
                    .fma(s, FloatVector.broadcast(S, 0.5f));
            u = s.mul(s).fma(u, s).add(1f);
            IntVector h = q.lanewise(VectorOperators.ASHR, 1);
            u = u.mul(h.add(0x7f).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(q.sub(h).add(0x7f).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector e = u.blend(0f, d.compare(VectorOperators.LT, SleefFloat.EXP_LOW));
            // erf = sign(a) (1 - e t r), as fma(-e * t, r, 1); gelu = (x * 0.5) * (1 + erf)
            FloatVector y = e.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats().mul(t)
                    .fma(r, one);
            FloatVector erf = y.reinterpretAsInts().lanewise(VectorOperators.XOR, sign).reinterpretAsFloats();
            v.mul(0.5f).mul(erf.add(1f)).intoArray(o, oo + i);
        }
        for (int i = bound; i < n; i++) {
            o[oo + i] = GeluKernelFloat.geluLibm(x[xo + i]);
        }
    }

    /**
     * {@code o[oo + i] = gelu_backward(g[go + i], x[xo + i])} for i below n, {@link GeluKernelFloat#geluBackward}'s
     * bits then geluBackwardLibm's (o may be g or x).
     */
    static void geluBackward(float[] g, int go, float[] x, int xo, float[] o, int oo, int n) {
        int bound = SleefFloat.vectorPart(n);
        float[] p = SCRATCH.get();
        for (int b = 0; b < bound; b += BLOCK) {
            int m = Math.min(BLOCK, bound - b);
            densityArguments(x, xo + b, p, m);
            VectorSleef.exp(p, 0, p, 0, m);
            backwardBlock(g, go + b, x, xo + b, p, o, oo + b, m);
        }
        for (int i = bound; i < n; i++) {
            o[oo + i] = GeluKernelFloat.geluBackwardLibm(g[go + i], x[xo + i]);
        }
    }

    /**
     * {@code p[i] = x[xo + i] * x[xo + i] * -0.5} for i below m, in scalar code (C2 vectorizes the loop itself): a
     * helper this small is inlined into its caller's chain, where Vector API calls past the inlining depth would box.
     */
    private static void densityArguments(float[] x, int xo, float[] p, int m) {
        for (int i = 0; i < m; i++) {
            float v = x[xo + i];
            p[i] = v * v * -0.5f;
        }
    }

    /**
     * {@code o = g * fma(x, kBeta * p, cdf)} over m elements (a whole number of vectors), p the density's
     * exponential, {@code cdf = 0.5 * (1 + erf(x * alpha))} with erf written out as in {@link #gelu}.
     */
    private static void backwardBlock(float[] g, int go, float[] x, int xo, float[] p, float[] o, int oo, int m) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < m; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector a = v.mul(GeluKernelFloat.ALPHA);
            IntVector sign = a.reinterpretAsInts().and(SIGN);
            FloatVector t = one.div(a.abs().fma(GeluKernelFloat.P, 1f));
            FloatVector r = t.fma(GeluKernelFloat.A5, GeluKernelFloat.A4).fma(t, FloatVector.broadcast(S,
                    GeluKernelFloat.A3)).fma(t, FloatVector.broadcast(S, GeluKernelFloat.A2)).fma(t,
                    FloatVector.broadcast(S, GeluKernelFloat.A1));
            FloatVector d = a.mul(a).reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector et = d.mul(SleefFloat.R_LN2).add(SleefFloat.RINT);
            FloatVector qf = et.sub(SleefFloat.RINT);
            IntVector q = et.reinterpretAsInts().sub(SleefFloat.RINT_BITS);
            FloatVector s = qf.fma(FloatVector.broadcast(S, -SleefFloat.L2U), d);
            s = qf.fma(FloatVector.broadcast(S, -SleefFloat.L2L), s);
            FloatVector u = s.fma(SleefFloat.E0, SleefFloat.E1).fma(s, FloatVector.broadcast(S, SleefFloat.E2))
                    .fma(s, FloatVector.broadcast(S, SleefFloat.E3)).fma(s, FloatVector.broadcast(S, SleefFloat.E4))
                    .fma(s, FloatVector.broadcast(S, 0.5f));
            u = s.mul(s).fma(u, s).add(1f);
            IntVector h = q.lanewise(VectorOperators.ASHR, 1);
            u = u.mul(h.add(0x7f).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .mul(q.sub(h).add(0x7f).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector e = u.blend(0f, d.compare(VectorOperators.LT, SleefFloat.EXP_LOW));
            FloatVector y = e.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats().mul(t)
                    .fma(r, one);
            FloatVector erf = y.reinterpretAsInts().lanewise(VectorOperators.XOR, sign).reinterpretAsFloats();
            FloatVector cdf = erf.add(1f).mul(0.5f);
            FloatVector pdf = FloatVector.fromArray(S, p, i).mul(GeluKernelFloat.BETA);
            FloatVector.fromArray(S, g, go + i).mul(v.fma(pdf, cdf)).intoArray(o, oo + i);
        }
    }
}
