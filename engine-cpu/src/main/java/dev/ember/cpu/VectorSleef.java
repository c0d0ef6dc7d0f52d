package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SleefFloat}'s exp, log and tanh on the Vector API: each lane computes what the scalar form computes,
 * operation for operation (so the same bits, and in every JIT tier: only exact IEEE operations and bit moves). The
 * array loops write their whole computation inline (the Vector API's methods are force-inlined, a helper of ours
 * only within C2's inlining limit, see VectorHelpersInlineTest), and finish a row's tail with the scalar form.
 * Loaded only through {@link VectorLoops}.
 */
final class VectorSleef {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, S.vectorShape());

    private VectorSleef() {
    }

    /** 2^q lane-wise from the exponent bits (Sleef's vpow2i). */
    private static FloatVector pow2i(IntVector q) {
        return q.add(0x7f).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    /** {@code d * 2^q} in two products, lane-wise (Sleef's vldexp2; {@link SleefFloat#ldexp2}). */
    private static FloatVector ldexp2(FloatVector d, IntVector q) {
        IntVector h = q.lanewise(VectorOperators.ASHR, 1);
        return d.mul(pow2i(h)).mul(pow2i(q.sub(h)));
    }

    /** {@link SleefFloat#exp} lane-wise. */
    static FloatVector exp(FloatVector d) {
        FloatVector t = d.mul(SleefFloat.R_LN2).add(SleefFloat.RINT);
        FloatVector qf = t.sub(SleefFloat.RINT);
        IntVector q = t.reinterpretAsInts().sub(SleefFloat.RINT_BITS);
        FloatVector s = qf.fma(FloatVector.broadcast(S, -SleefFloat.L2U), d);
        s = qf.fma(FloatVector.broadcast(S, -SleefFloat.L2L), s);
        FloatVector u = s.fma(SleefFloat.E0, SleefFloat.E1);
        u = u.fma(s, FloatVector.broadcast(S, SleefFloat.E2));
        u = u.fma(s, FloatVector.broadcast(S, SleefFloat.E3));
        u = u.fma(s, FloatVector.broadcast(S, SleefFloat.E4));
        u = u.fma(s, FloatVector.broadcast(S, 0.5f));
        u = s.mul(s).fma(u, s).add(1f);
        u = ldexp2(u, q);
        return u.blend(0f, d.compare(VectorOperators.LT, SleefFloat.EXP_LOW))
                .blend(Float.POSITIVE_INFINITY, d.compare(VectorOperators.GT, SleefFloat.EXP_HIGH));
    }

    /** {@code o[oo + i] = exp(x[xo + i])} for i below n, Sleef_expf8_u10's bits. */
    static void exp(float[] x, int xo, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += S.length()) {
            exp(FloatVector.fromArray(S, x, xo + i)).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = SleefFloat.exp(x[xo + i]);
        }
    }

    /** {@code o[oo + i] = tanh(x[xo + i])} for i below n, Sleef_tanhf8_u10's bits ({@link SleefFloat#tanh}). */
    static void tanh(float[] x, int xo, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; i < bound; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector y = xv.abs();
            FloatVector t = y.mul(SleefFloat.R_LN2).add(SleefFloat.RINT);
            FloatVector qf = t.sub(SleefFloat.RINT);
            IntVector q = t.reinterpretAsInts().sub(SleefFloat.RINT_BITS);
            FloatVector a = qf.mul(-SleefFloat.L2U);
            FloatVector sx = y.add(a);
            FloatVector v = sx.sub(y);
            FloatVector sy = y.sub(sx.sub(v)).add(a.sub(v)).add(0f);
            FloatVector b = qf.mul(-SleefFloat.L2L);
            FloatVector s2 = sx.add(b);
            v = s2.sub(sx);
            sy = sx.sub(s2.sub(v)).add(b.sub(v)).add(sy);
            sx = s2;
            FloatVector u = sx.fma(SleefFloat.K0, SleefFloat.K1);
            u = u.fma(sx, FloatVector.broadcast(S, SleefFloat.K2));
            u = u.fma(sx, FloatVector.broadcast(S, SleefFloat.K3));
            FloatVector mx = sx.mul(u);
            FloatVector my = sy.fma(u, sx.fma(u, mx.neg()));
            FloatVector tx = mx.add(SleefFloat.K4);
            v = tx.sub(mx);
            FloatVector ty = mx.sub(tx.sub(v)).add(FloatVector.broadcast(S, SleefFloat.K4).sub(v)).add(my);
            mx = sx.mul(tx);
            my = sx.fma(ty, sy.fma(tx, sx.fma(tx, mx.neg())));
            tx = mx.add(0.5f);
            v = tx.sub(mx);
            ty = mx.sub(tx.sub(v)).add(FloatVector.broadcast(S, 0.5f).sub(v)).add(my);
            FloatVector qx = sx.mul(sx);
            FloatVector qy = sx.add(sx).fma(sy, sx.fma(sx, qx.neg()));
            mx = qx.mul(tx);
            my = qx.fma(ty, qy.fma(tx, qx.fma(tx, mx.neg())));
            tx = sx.add(mx);
            v = tx.sub(sx);
            ty = sx.sub(tx.sub(v)).add(mx.sub(v)).add(sy.add(my));
            FloatVector ox = one.add(tx);
            FloatVector oy = one.sub(ox).add(tx).add(ty);
            // ldexp2 of both written out: in this large loop C2 left the helper as a call (its vectors boxed, the
            // loop 3x slower than the double-precision tanh it replaces); the same two products per half
            IntVector h = q.lanewise(VectorOperators.ASHR, 1);
            FloatVector p1 = h.add(0x7f).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector p2 = q.sub(h).add(0x7f).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector dx = ox.mul(p1).mul(p2);
            FloatVector dy = oy.mul(p1).mul(p2);
            FloatVector ex = one.div(dx);
            FloatVector ey = ex.mul(dy.neg().fma(ex, dx.neg().fma(ex, one)));
            FloatVector nx = dx.sub(ex);
            FloatVector ny = dx.sub(nx).sub(ex).add(dy).sub(ey);
            FloatVector sumx = dx.add(ex);
            FloatVector sumy = dx.sub(sumx).add(ex).add(dy).add(ey);
            FloatVector r = one.div(sumx);
            FloatVector hx = nx.mul(r);
            FloatVector w = r.fma(nx, hx.neg());
            FloatVector z = sumy.neg().fma(r, sumx.neg().fma(r, one));
            FloatVector hy = hx.fma(z, ny.fma(r, w));
            FloatVector out = hx.add(hy);
            VectorMask<Float> saturated = y.compare(VectorOperators.GT, SleefFloat.TANH_ONE)
                    .or(out.test(VectorOperators.IS_NAN));
            out = out.blend(one, saturated);
            IntVector xBits = xv.reinterpretAsInts();
            IntVector bits = out.reinterpretAsInts().lanewise(VectorOperators.XOR, xBits.and(0x80000000));
            bits = bits.blend(SleefFloat.TANH_NAN_BITS, xv.test(VectorOperators.IS_NAN).cast(IS));
            bits.reinterpretAsFloats().intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = SleefFloat.tanh(x[xo + i]);
        }
    }

    /** {@code o[oo + i] = log(x[xo + i])} for i below n, Sleef_logf8_u10's bits ({@link SleefFloat#log}). */
    static void log(float[] x, int xo, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector minusOne = FloatVector.broadcast(S, -1f);
        for (; i < bound; i += S.length()) {
            FloatVector d = FloatVector.fromArray(S, x, xo + i);
            VectorMask<Float> tiny = d.compare(VectorOperators.LT, Float.MIN_NORMAL);
            d = d.blend(d.mul(SleefFloat.TWO64), tiny);
            IntVector e = d.mul(SleefFloat.R_075).reinterpretAsInts().lanewise(VectorOperators.LSHR, 23).and(0xff)
                    .sub(0x7f);
            FloatVector m = d.reinterpretAsInts().add(e.neg().lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats();
            e = e.blend(e.sub(64), tiny.cast(IS));
            // e as a float, exactly (|e| < 2^22): its bits under 1.5 * 2^23's
            FloatVector ef = e.add(SleefFloat.RINT_BITS).reinterpretAsFloats().sub(SleefFloat.RINT);
            FloatVector sx = ef.mul(SleefFloat.LN2_HI);
            FloatVector sy = ef.fma(FloatVector.broadcast(S, SleefFloat.LN2_LO), ef.fma(FloatVector.broadcast(S,
                    SleefFloat.LN2_HI), sx.neg()));
            FloatVector nx = m.add(-1f);
            FloatVector v = nx.sub(-1f);
            FloatVector ny = minusOne.sub(nx.sub(v)).add(m.sub(v));
            FloatVector ax = m.add(1f);
            v = ax.sub(1f);
            FloatVector ay = one.sub(ax.sub(v)).add(m.sub(v));
            FloatVector r = one.div(ax);
            FloatVector xx = nx.mul(r);
            FloatVector w = r.fma(nx, xx.neg());
            FloatVector z = ay.neg().fma(r, ax.neg().fma(r, one));
            FloatVector xy = xx.fma(z, ny.fma(r, w));
            FloatVector x2 = xx.mul(xx);
            FloatVector t = x2.fma(SleefFloat.L0, SleefFloat.L1);
            t = t.fma(x2, FloatVector.broadcast(S, SleefFloat.L2));
            FloatVector bx = xx.mul(2f);
            FloatVector by = xy.mul(2f);
            FloatVector s2 = sx.add(bx);
            sy = sx.sub(s2).add(bx).add(sy).add(by);
            sx = s2;
            FloatVector c = x2.mul(xx).mul(t);
            s2 = sx.add(c);
            sy = sx.sub(s2).add(c).add(sy);
            FloatVector out = s2.add(sy);
            out = out.blend(Float.POSITIVE_INFINITY, d.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
            out = out.blend(Float.NaN, d.compare(VectorOperators.LT, 0f).or(d.test(VectorOperators.IS_NAN)));
            out = out.blend(Float.NEGATIVE_INFINITY, d.compare(VectorOperators.EQ, 0f));
            out.intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = SleefFloat.log(x[xo + i]);
        }
    }

    /** Floats per block of {@link #geluTanh}'s passes (in the first-level cache). */
    private static final int BLOCK = 1024;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[BLOCK]);

    /**
     * {@code o[oo + i] = gelu_tanh(x[xo + i])}: {@link SleefFloat#geluTanh} lane-wise over the vector part
     * ({@link SleefFloat#vectorPart}), {@link SleefFloat#geluTanhLibm} over the rest, as PyTorch's kernel. In blocks:
     * the tanh's argument into a scratch block, the tanh in place there, then the product (x may be o).
     */
    static void geluTanh(float[] x, int xo, float[] o, int oo, int n) {
        int bound = SleefFloat.vectorPart(n);
        float[] t = SCRATCH.get();
        FloatVector kappa = FloatVector.broadcast(S, SleefFloat.GELU_KAPPA);
        for (int b = 0; b < bound; b += BLOCK) {
            int m = Math.min(BLOCK, bound - b);
            for (int i = 0; i < m; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, xo + b + i);
                v.mul(v).mul(v).fma(kappa, v).mul(SleefFloat.GELU_BETA).intoArray(t, i);
            }
            tanh(t, 0, t, 0, m);
            for (int i = 0; i < m; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, xo + b + i);
                v.mul(0.5f).mul(FloatVector.fromArray(S, t, i).add(1f)).intoArray(o, oo + b + i);
            }
        }
        for (int i = bound; i < n; i++) {
            o[oo + i] = SleefFloat.geluTanhLibm(x[xo + i]);
        }
    }

    /**
     * Softmax over the middle dimension of a contiguous {@code [n, inner]} block at {@code xo} (output at {@code oo}),
     * for the inner positions {@code from..to}: PyTorch's {@code _vec_softmax}, a vector of inner positions at a time,
     * each lane on its own (so the vector width does not change the bits): the maximum down the dimension, then
     * {@code e = exp(x - max)} (Sleef's) written out while summed in float in the dimension's order, then
     * {@code e / sum}. The positions past the last whole vector of the row ({@code inner mod 16} on AVX-512,
     * {@code inner mod 8} on AVX2: {@link SleefFloat#LANES}) take PyTorch's
     * scalar tail: {@code std::max}, the C library's exp ({@link ElementwiseKernels#expRounded}), the same sum and
     * quotient.
     */
    static void softmaxColumns(float[] x, int xo, float[] o, int oo, int n, int inner, int from, int to) {
        int vectorEnd = inner & -SleefFloat.LANES;
        int j = from;
        for (; j + S.length() <= Math.min(to, vectorEnd); j += S.length()) {
            FloatVector max = FloatVector.fromArray(S, x, xo + j);
            for (int d = 1; d < n; d++) {
                max = max.max(FloatVector.fromArray(S, x, xo + d * inner + j));
            }
            FloatVector sum = FloatVector.zero(S);
            for (int d = 0; d < n; d++) {
                FloatVector e = exp(FloatVector.fromArray(S, x, xo + d * inner + j).sub(max));
                e.intoArray(o, oo + d * inner + j);
                sum = sum.add(e);
            }
            for (int d = 0; d < n; d++) {
                FloatVector.fromArray(S, o, oo + d * inner + j).div(sum).intoArray(o, oo + d * inner + j);
            }
        }
        for (; j < to; j++) {
            boolean lane = j < vectorEnd;
            float max = x[xo + j];
            for (int d = 1; d < n; d++) {
                float v = x[xo + d * inner + j];
                max = lane ? Math.max(max, v) : max < v ? v : max;
            }
            float sum = 0f;
            for (int d = 0; d < n; d++) {
                float v = x[xo + d * inner + j] - max;
                float e = lane ? SleefFloat.exp(v) : ElementwiseKernels.expRounded(v);
                o[oo + d * inner + j] = e;
                sum += e;
            }
            for (int d = 0; d < n; d++) {
                o[oo + d * inner + j] /= sum;
            }
        }
    }
}
