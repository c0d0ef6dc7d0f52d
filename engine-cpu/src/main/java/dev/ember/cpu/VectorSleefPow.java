package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SleefPowFloat#pow} on the Vector API: each lane computes what the scalar form computes, operation for
 * operation, so the same bits in every JIT tier. The loop writes its whole computation inline (the Vector API's
 * methods are force-inlined). A vector whose {@code log|x| * y} is beyond what the round-to-nearest trick converts
 * exactly (|y log2|x|| of 2^22 or more, or not finite: the result then overflows, underflows or is special) goes
 * through the scalar form lane by lane, which emulates the hardware conversion's out-of-range value. Loaded only
 * through {@link VectorLoops}.
 */
final class VectorSleefPow {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, S.vectorShape());
    private static final float TWO22 = 4194304f;
    private static final float TWO23 = 8388608f;
    private static final float TWO24 = 16777216f;
    /**
     * The float sign bit: an integer XOR with it negates every lane, the bits of {@code FloatVector.neg()}, which JDK
     * 17's C2 compiles slower (session 58: pow about a fifth faster, as VectorSleef's tanh).
     */
    private static final int SIGN = Integer.MIN_VALUE;

    private VectorSleefPow() {
    }

    /**
     * {@code o[oo + i] = pow(x[xo + i * xs], y[yo + i * ys])} for i below n, Sleef_powf's bits; {@code xs} and
     * {@code ys} are 1 (a contiguous operand) or 0 (one number for every element).
     */
    static void pow(float[] x, int xo, int xs, float[] y, int yo, int ys, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector minusOne = FloatVector.broadcast(S, -1f);
        FloatVector inf = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
        for (; i < bound; i += S.length()) {
            FloatVector xv = xs == 0 ? FloatVector.broadcast(S, x[xo]) : FloatVector.fromArray(S, x, xo + i);
            FloatVector yv = ys == 0 ? FloatVector.broadcast(S, y[yo]) : FloatVector.fromArray(S, y, yo + i);
            FloatVector ay = yv.abs();
            // y's integer tests in float operations only: below 2^23, adding and taking off 2^23 rounds to an
            // integer, so y is one exactly when that gives y back; beyond, every float is an integer (the same
            // answers as Sleef's truncation tests); odd when half of it is not an integer (below 2^24)
            VectorMask<Float> yIsInt = ay.add(TWO23).sub(TWO23).compare(VectorOperators.EQ, ay)
                    .or(ay.compare(VectorOperators.GE, TWO23));
            FloatVector half = ay.mul(0.5f);
            VectorMask<Float> yIsOdd = half.add(TWO23).sub(TWO23).compare(VectorOperators.NE, half).and(yIsInt)
                    .and(ay.compare(VectorOperators.LT, TWO24));

            // logkf(|x|)
            FloatVector d = xv.abs();
            VectorMask<Float> tiny = d.compare(VectorOperators.LT, Float.MIN_NORMAL);
            d = d.blend(d.mul(SleefFloat.TWO64), tiny);
            IntVector e = d.mul(SleefFloat.R_075).reinterpretAsInts().lanewise(VectorOperators.LSHR, 23).and(0xff)
                    .sub(0x7f);
            FloatVector m = d.reinterpretAsInts().add(e.neg().lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats();
            e = e.blend(e.sub(64), tiny.cast(IS));
            FloatVector ef = e.add(SleefFloat.RINT_BITS).reinterpretAsFloats().sub(SleefFloat.RINT);
            FloatVector nx = m.add(-1f);
            FloatVector v = nx.sub(-1f);
            FloatVector ny = minusOne.sub(nx.sub(v)).add(m.sub(v));
            FloatVector dx = m.add(1f);
            v = dx.sub(1f);
            FloatVector dy = one.sub(dx.sub(v)).add(m.sub(v));
            FloatVector r = one.div(dx);
            FloatVector xx = nx.mul(r);
            FloatVector minusXx = xx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector u = r.fma(nx, minusXx);
            FloatVector minusDy = dy.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector minusDx = dx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector w = minusDy.fma(r, minusDx.fma(r, one));
            FloatVector xy = xx.fma(w, ny.fma(r, u));
            FloatVector x2x = xx.mul(xx);
            FloatVector minusX2x = x2x.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector x2y = xx.add(xx).fma(xy, xx.fma(xx, minusX2x));
            FloatVector t = x2x.fma(SleefPowFloat.LK0, SleefPowFloat.LK1);
            t = t.fma(x2x, FloatVector.broadcast(S, SleefPowFloat.LK2));
            FloatVector sx = ef.mul(SleefFloat.LN2_HI);
            FloatVector minusSx = sx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector sy = ef.fma(FloatVector.broadcast(S, SleefFloat.LN2_LO),
                    ef.fma(FloatVector.broadcast(S, SleefFloat.LN2_HI), minusSx));
            FloatVector bx = xx.mul(2f);
            FloatVector by = xy.mul(2f);
            FloatVector s2 = sx.add(bx);
            sy = sx.sub(s2).add(bx).add(sy).add(by);
            sx = s2;
            FloatVector px = x2x.mul(xx);
            FloatVector minusPx = px.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector py = x2x.fma(xy, x2y.fma(xx, x2x.fma(xx, minusPx)));
            FloatVector mx = x2x.mul(t);
            FloatVector minusMx = mx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector my = x2y.fma(t, x2x.fma(t, minusMx));
            FloatVector qx = mx.add(SleefPowFloat.LKC_HI);
            v = qx.sub(mx);
            FloatVector qy = mx.sub(qx.sub(v)).add(FloatVector.broadcast(S, SleefPowFloat.LKC_HI).sub(v))
                    .add(my.add(SleefPowFloat.LKC_LO));
            FloatVector rx = px.mul(qx);
            FloatVector minusRx = rx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector ry = px.fma(qy, py.fma(qx, px.fma(qx, minusRx)));
            s2 = sx.add(rx);
            sy = sx.sub(s2).add(rx).add(sy).add(ry);
            sx = s2;

            // (sx, sy) * y
            FloatVector lx = sx.mul(yv);
            FloatVector minusLx = lx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector ly = sy.fma(yv, sx.fma(yv, minusLx));

            // expkf(lx, ly)
            FloatVector uu = lx.add(ly).mul(SleefFloat.R_LN2);
            if (!uu.abs().compare(VectorOperators.LT, TWO22).allTrue()) {
                for (int k = 0; k < S.length(); k++) {
                    o[oo + i + k] = SleefPowFloat.pow(x[xo + (i + k) * xs], y[yo + (i + k) * ys]);
                }
                continue;
            }
            FloatVector tq = uu.add(SleefFloat.RINT);
            FloatVector qf = tq.sub(SleefFloat.RINT);
            IntVector q = tq.reinterpretAsInts().sub(SleefFloat.RINT_BITS);
            FloatVector a = qf.mul(-SleefFloat.L2U);
            FloatVector ex = lx.add(a);
            v = ex.sub(lx);
            FloatVector ey = lx.sub(ex.sub(v)).add(a.sub(v)).add(ly);
            a = qf.mul(-SleefFloat.L2L);
            s2 = ex.add(a);
            v = s2.sub(ex);
            ey = ex.sub(s2.sub(v)).add(a.sub(v)).add(ey);
            ex = s2;
            s2 = ex.add(ey);
            ey = ex.sub(s2).add(ey);
            ex = s2;
            FloatVector p = ex.fma(SleefPowFloat.EK0, SleefPowFloat.EK1);
            p = p.fma(ex, FloatVector.broadcast(S, SleefPowFloat.EK2));
            p = p.fma(ex, FloatVector.broadcast(S, SleefPowFloat.EK3));
            p = p.fma(ex, FloatVector.broadcast(S, SleefPowFloat.EK4));
            FloatVector sqx = ex.mul(ex);
            FloatVector minusSqx = sqx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector sqy = ex.add(ex).fma(ey, ex.fma(ex, minusSqx));
            FloatVector hx = sqx.mul(p);
            FloatVector minusHx = hx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector hy = sqy.fma(p, sqx.fma(p, minusHx));
            FloatVector tx = ex.add(hx);
            FloatVector ty = ex.sub(tx).add(hx).add(ey).add(hy);
            FloatVector ox = one.add(tx);
            FloatVector oy = one.sub(ox).add(tx).add(ty);
            FloatVector res = ox.add(oy);
            // vldexp: res * 2^q in five products
            IntVector mq = q.lanewise(VectorOperators.ASHR, 31);
            mq = mq.add(q).lanewise(VectorOperators.ASHR, 6).sub(mq).lanewise(VectorOperators.LSHL, 4);
            IntVector qr = q.sub(mq.lanewise(VectorOperators.LSHL, 2));
            mq = mq.add(0x7f).max(0).min(0xff);
            FloatVector sc = mq.lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            res = res.mul(sc).mul(sc).mul(sc).mul(sc);
            res = res.mul(qr.add(0x7f).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            res = res.blend(0f, lx.compare(VectorOperators.LT, -104f));

            // C's pow rules in Sleef's order
            res = res.blend(inf, res.test(VectorOperators.IS_NAN));
            FloatVector factor = FloatVector.broadcast(S, SleefPowFloat.DEFAULT_NAN).blend(one, yIsInt)
                    .blend(minusOne, yIsOdd).blend(one, xv.compare(VectorOperators.GT, 0f));
            res = res.mul(factor);
            FloatVector efx = xv.abs().sub(1f).reinterpretAsInts()
                    .lanewise(VectorOperators.XOR, yv.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
            FloatVector yInf = inf.blend(one, efx.compare(VectorOperators.EQ, 0f))
                    .blend(0f, efx.compare(VectorOperators.LT, 0f));
            res = res.blend(yInf, yv.test(VectorOperators.IS_INFINITE));
            VectorMask<Float> xZero = xv.compare(VectorOperators.EQ, 0f);
            FloatVector sign = one.reinterpretAsInts().or(xv.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats()
                    .blend(one, yIsOdd.not());
            FloatVector minusYv = yv.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector big = inf.blend(0f, yv.blend(minusYv, xZero).compare(VectorOperators.LT, 0f));
            res = res.blend(sign.mul(big), xv.test(VectorOperators.IS_INFINITE).or(xZero));
            res = res.blend(SleefPowFloat.ALL_ONES_NAN, xv.test(VectorOperators.IS_NAN).or(yv.test(VectorOperators.IS_NAN)));
            res = res.blend(one, yv.compare(VectorOperators.EQ, 0f).or(xv.compare(VectorOperators.EQ, 1f)));
            res.intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = SleefPowFloat.pow(x[xo + i * xs], y[yo + i * ys]);
        }
    }
}
