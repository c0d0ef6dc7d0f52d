package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link OneDnnGelu}'s GELU and backward on the Vector API, each lane the scalar form's operations (so the same bits,
 * in every JIT tier), a run's last partial vector through the scalar form. Each loop writes its whole computation
 * inline (no vector crosses a call of ours, see VectorHelpersInlineTest) and is over C2's FreqInlineSize, so C2
 * compiles it as its own root. A negation flips the sign bit by an integer XOR (the same bits as {@code neg()},
 * which JDK 17's C2 made slow, see VectorSleef.SIGN). floor is {@code (v + 1.5 * 2^23) - 1.5 * 2^23} (the
 * nearest integer), less one where that is above v: exact for the clamped arguments (below 130 in magnitude). Loaded
 * only through {@link VectorLoops}.
 */
final class VectorOneDnnGelu {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** The float sign bit, as an int lane. */
    private static final int SIGN = Integer.MIN_VALUE;

    private VectorOneDnnGelu() {
    }

    /** {@code o[oo + i] = gelu(x[xo + i])} for i below n, {@link OneDnnGelu#gelu}'s bits (x may be o). */
    static void gelu(float[] x, int xo, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector rint = FloatVector.broadcast(S, SleefFloat.RINT);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector s = FloatVector.fromArray(S, x, xo + i);
            FloatVector v = s.mul(OneDnnGelu.ONE_OVER_SQRT_TWO);
            FloatVector t = one.div(v.abs().fma(OneDnnGelu.ERF_P, 1f));
            // exp(-(v * v)), OneDnnGelu.exp lane-wise: the argument is at most 0, so clamping to ln FLT_MAX does
            // nothing and clamping to ln FLT_MIN is a blend (a NaN stays NaN, and so does the result, as in oneDNN)
            FloatVector d = v.mul(v).reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            VectorMask<Float> tiny = d.compare(VectorOperators.LT, OneDnnGelu.EXP_LN_FLT_MIN);
            d = d.blend(OneDnnGelu.EXP_LN_FLT_MIN, tiny);
            FloatVector fx = d.mul(OneDnnGelu.EXP_LOG2E).add(0.5f);
            FloatVector fl = fx.add(rint).sub(rint);
            fl = fl.blend(fl.sub(1f), fl.compare(VectorOperators.GT, fx));
            IntVector q = fl.add(rint).reinterpretAsInts().sub(SleefFloat.RINT_BITS);
            FloatVector r = fl.fma(FloatVector.broadcast(S, OneDnnGelu.EXP_MINUS_LN2), d);
            FloatVector scale = q.add(126).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats().blend(0f, tiny);
            FloatVector p = r.fma(OneDnnGelu.EXP_P5, OneDnnGelu.EXP_P4).fma(r, FloatVector.broadcast(S,
                    OneDnnGelu.EXP_P3)).fma(r, FloatVector.broadcast(S, OneDnnGelu.EXP_P2)).fma(r,
                    FloatVector.broadcast(S, OneDnnGelu.EXP_P1)).fma(r, one);
            FloatVector e = p.mul(scale).mul(2f);
            // erf = (1 - t r(t) e) with s's sign; gelu = h + h erf, h = s / 2
            FloatVector a = t.fma(OneDnnGelu.ERF_A5, OneDnnGelu.ERF_A4).fma(t, FloatVector.broadcast(S,
                    OneDnnGelu.ERF_A3)).fma(t, FloatVector.broadcast(S, OneDnnGelu.ERF_A2)).fma(t,
                    FloatVector.broadcast(S, OneDnnGelu.ERF_A1));
            FloatVector y = e.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats().mul(t)
                    .fma(a, one);
            FloatVector erf = y.reinterpretAsInts().lanewise(VectorOperators.XOR,
                    s.reinterpretAsInts().and(Integer.MIN_VALUE)).reinterpretAsFloats();
            FloatVector half = s.mul(0.5f);
            erf.fma(half, half).intoArray(o, oo + i);
        }
        for (int i = bound; i < n; i++) {
            o[oo + i] = OneDnnGelu.gelu(x[xo + i]);
        }
    }

    /**
     * {@code o[oo + i] = gelu_backward(g[go + i], x[xo + i])} for i below n, {@link OneDnnGelu#geluBackward}'s bits (o
     * may be g or x).
     */
    static void geluBackward(float[] g, int go, float[] x, int xo, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector half = FloatVector.broadcast(S, 0.5f);
        FloatVector rint = FloatVector.broadcast(S, SleefFloat.RINT);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i).mul(OneDnnGelu.ONE_OVER_SQRT_TWO);
            // exp(-(v * v)), OneDnnGelu.exp lane-wise: the argument is at most 0, so clamping to ln FLT_MAX does
            // nothing and clamping to ln FLT_MIN is a blend (a NaN stays NaN, and so does the result, as in oneDNN)
            FloatVector d = v.mul(v).reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            VectorMask<Float> tiny = d.compare(VectorOperators.LT, OneDnnGelu.EXP_LN_FLT_MIN);
            d = d.blend(OneDnnGelu.EXP_LN_FLT_MIN, tiny);
            FloatVector fx = d.mul(OneDnnGelu.EXP_LOG2E).add(0.5f);
            FloatVector fl = fx.add(rint).sub(rint);
            fl = fl.blend(fl.sub(1f), fl.compare(VectorOperators.GT, fx));
            IntVector q = fl.add(rint).reinterpretAsInts().sub(SleefFloat.RINT_BITS);
            FloatVector r = fl.fma(FloatVector.broadcast(S, OneDnnGelu.EXP_MINUS_LN2), d);
            FloatVector scale = q.add(126).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats().blend(0f, tiny);
            FloatVector p = r.fma(OneDnnGelu.EXP_P5, OneDnnGelu.EXP_P4).fma(r, FloatVector.broadcast(S,
                    OneDnnGelu.EXP_P3)).fma(r, FloatVector.broadcast(S, OneDnnGelu.EXP_P2)).fma(r,
                    FloatVector.broadcast(S, OneDnnGelu.EXP_P1)).fma(r, one);
            FloatVector e = p.mul(scale).mul(2f);
            FloatVector pdf = v.mul(OneDnnGelu.ONE_OVER_SQRT_PI).mul(e).add(0.5f);
            FloatVector t = one.div(v.abs().fma(OneDnnGelu.ERF_P, 1f));
            FloatVector a = t.fma(OneDnnGelu.ERF_A5, OneDnnGelu.ERF_A4).fma(t, FloatVector.broadcast(S,
                    OneDnnGelu.ERF_A3)).fma(t, FloatVector.broadcast(S, OneDnnGelu.ERF_A2)).fma(t,
                    FloatVector.broadcast(S, OneDnnGelu.ERF_A1));
            FloatVector y = e.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats().mul(t)
                    .fma(a, one);
            FloatVector erf = y.reinterpretAsInts().lanewise(VectorOperators.XOR,
                    v.reinterpretAsInts().and(Integer.MIN_VALUE)).reinterpretAsFloats();
            FloatVector.fromArray(S, g, go + i).mul(erf.fma(half, pdf)).intoArray(o, oo + i);
        }
        for (int i = bound; i < n; i++) {
            o[oo + i] = OneDnnGelu.geluBackward(g[go + i], x[xo + i]);
        }
    }
}
