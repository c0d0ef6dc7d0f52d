package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
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

    /** Lane i takes lane i & ~1 (i | 1): each complex pair's real (imaginary) part in both of its lanes. */
    private static final VectorShuffle<Float> PAIR_REALS = VectorShuffle.fromOp(S, i -> i & ~1);
    private static final VectorShuffle<Float> PAIR_IMAGS = VectorShuffle.fromOp(S, i -> i | 1);
    /** The real parts' lanes (even lanes). */
    private static final VectorMask<Float> REAL_LANES = VectorMask.fromLong(S, 0x5555_5555_5555_5555L);

    /**
     * {@link ComplexKernels#expF}'s Sleef form (exp of the real part times the cosine and sine of the imaginary part,
     * {@code xsincosf_u1} for {@code |im| < 125}) lane-wise on the whole vectors of {@code n} contiguous interleaved
     * pairs, operation for operation (so the same bits); a vector with an imaginary part out of that range (or NaN)
     * takes the scalar form. Returns how many pairs it did.
     */
    static int complexExp(float[] x, int xo, float[] o, int oo, int n) {
        int bound = S.loopBound(2 * n);
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector z = FloatVector.fromArray(S, x, xo + i);
            FloatVector d = z.rearrange(PAIR_IMAGS); // im in both lanes of its pair
            if (!d.abs().compare(VectorOperators.LT, ComplexKernels.TRIG_RANGE_MAX2).allTrue()) {
                for (int k = i; k < i + S.length(); k += 2) {
                    ComplexKernels.expF(x[xo + k], x[xo + k + 1], true, o, oo + k);
                }
                continue;
            }
            FloatVector e = exp(z).rearrange(PAIR_REALS);
            // rint(d 2/pi) by the 1.5 * 2^23 sum (|d 2/pi| < 80: ties to even, as Math.rint)
            FloatVector t = d.mul(ComplexKernels.TWO_OVER_PI).add(SleefFloat.RINT);
            FloatVector u = t.sub(SleefFloat.RINT);
            IntVector q = t.reinterpretAsInts().sub(SleefFloat.RINT_BITS);
            FloatVector v = u.fma(FloatVector.broadcast(S, -ComplexKernels.PI_A2F * 0.5f), d);
            FloatVector w = u.mul(-ComplexKernels.PI_B2F * 0.5f);
            FloatVector sx = v.add(w);
            FloatVector sv = sx.sub(v);
            FloatVector sy = v.sub(sx.sub(sv)).add(w.sub(sv));
            FloatVector c = u.mul(-ComplexKernels.PI_C2F * 0.5f);
            FloatVector tx = sx.add(c);
            FloatVector ty = sx.sub(tx).add(c).add(sy);
            FloatVector txy = tx.mul(ty);
            FloatVector sq = tx.fma(tx, txy.add(txy));
            FloatVector p = FloatVector.broadcast(S, -0.000195169282960705459117889f)
                    .fma(sq, FloatVector.broadcast(S, 0.00833215750753879547119141f));
            p = p.fma(sq, FloatVector.broadcast(S, -0.166666537523269653320312f));
            p = p.mul(sq.mul(tx));
            FloatVector xx = tx.add(p);
            FloatVector xy = tx.sub(xx).add(p).add(ty);
            FloatVector rx = xx.add(xy)
                    .blend(-0f, d.compare(VectorOperators.EQ, 0f).and(d.reinterpretAsInts().lt(0).cast(S)));
            p = FloatVector.broadcast(S, -2.71811842367242206819355e-07f)
                    .fma(sq, FloatVector.broadcast(S, 2.47990446951007470488548e-05f));
            p = p.fma(sq, FloatVector.broadcast(S, -0.00138888787478208541870117f));
            p = p.fma(sq, FloatVector.broadcast(S, 0.0416666641831398010253906f));
            p = p.fma(sq, FloatVector.broadcast(S, -0.5f));
            FloatVector mx = sq.mul(p);
            FloatVector my = sq.fma(p, mx.neg());
            FloatVector ax = mx.add(1f);
            FloatVector ay = FloatVector.broadcast(S, 1f).sub(ax).add(mx).add(my);
            FloatVector ry = ax.add(ay);
            VectorMask<Float> odd = q.and(1).compare(VectorOperators.NE, 0).cast(S);
            FloatVector sin = rx.blend(ry, odd);
            FloatVector cos = ry.blend(rx, odd);
            sin = sin.blend(sin.neg(), q.and(2).compare(VectorOperators.NE, 0).cast(S));
            cos = cos.blend(cos.neg(), q.add(1).and(2).compare(VectorOperators.NE, 0).cast(S));
            e.mul(sin.blend(cos, REAL_LANES)).intoArray(o, oo + i);
        }
        return bound / 2;
    }

    /**
     * The float sign bit, as an int lane: an integer XOR with it negates every lane, the bits of
     * {@code FloatVector.neg()} (NaN's sign bit flipped too, as {@code neg()} does), which JDK 17's C2 compiles slower
     * (session 58: tanh over [16, 128, 512] 4.2-4.4 against 3.1 ms at one thread, AVX2; benchmarks/RESULTS.md).
     */
    private static final int SIGN = Integer.MIN_VALUE;

    /**
     * Floats a block of {@link #tanhTwoPass}: its two scratch rows (4 KiB) and the block's input and output (2 KiB
     * each) stay in a 32 KiB L1 data cache between the two passes.
     */
    static final int TANH_BLOCK = 512;
    /**
     * {@link #tanhTwoPass}'s and {@link #eluTwoPass}'s scratch rows, one pair a thread (gelu's tanh form calls tanh once a
     * 1024-float block; neither pass calls the other).
     */
    private static final ThreadLocal<float[]> TANH_SCRATCH = ThreadLocal.withInitial(() -> new float[2 * TANH_BLOCK]);

    /**
     * {@code -Dember.cpu.tanh.onePass=true} (read per call, for before/after timings): {@link #tanh} takes its one loop
     * at every length instead of {@link #tanhTwoPass} from {@code 2 * TANH_BLOCK} elements.
     *
     * @return whether the one-pass loop runs at every length
     */
    static boolean tanhOnePass() {
        return Boolean.getBoolean("ember.cpu.tanh.onePass");
    }

    /**
     * {@link #tanh}'s vectors in two passes over each block of {@link #TANH_BLOCK} elements (session 61): the first
     * computes {@code e^|x|} as a double-float ({@code dx + dy}) into a scratch array, the second the quotient, the
     * saturation and the sign, each lane the same operations on the same operands as the one loop, so the same bits.
     * One loop's iteration is a chain of about 110 dependent-heavy operations longer than the core's reorder window can
     * overlap; two shorter loops let more iterations run at once. The tail ({@code n} mod the vector length) takes the
     * scalar form as in {@link #tanh}.
     */
    static void tanhTwoPass(float[] x, int xo, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        float[] s = TANH_SCRATCH.get();
        for (int b = 0; b < bound; b += TANH_BLOCK) {
            int m = Math.min(TANH_BLOCK, bound - b);
            expk2Pass(x, xo + b, true, 1f, s, m);
            tanhQuotientPass(x, xo + b, s, o, oo + b, m);
        }
        for (int i = bound; i < n; i++) {
            o[oo + i] = SleefFloat.tanh(x[xo + i]);
        }
    }

    /**
     * The first pass of {@link #tanhTwoPass} and {@link #eluTwoPass} over {@code m} elements (a multiple of the vector
     * length, at most {@link #TANH_BLOCK}): Sleef's {@code expk2f((y, 0))}, e^y as a double-float, for {@code y = |x|}
     * (abs, tanh's) or {@code y = x * mul} (elu's {@code x * is}), {@code dx} into {@code s[i]}, {@code dy} into
     * {@code s[TANH_BLOCK + i]}; each lane the operations of tanh's and elu's one loops in order. The choice is a
     * loop-invariant test that C2 takes out of the loop (a mask and a product by one in its place cost tanh about 3%,
     * session 62).
     */
    private static void expk2Pass(float[] x, int xo, boolean abs, float mul, float[] s, int m) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < m; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector y = abs ? xv.abs() : xv.mul(mul);
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
            // -a as the sign bit flipped (SIGN)
            FloatVector neg = mx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector my = sy.fma(u, sx.fma(u, neg));
            FloatVector tx = mx.add(SleefFloat.K4);
            v = tx.sub(mx);
            FloatVector ty = mx.sub(tx.sub(v)).add(FloatVector.broadcast(S, SleefFloat.K4).sub(v)).add(my);
            mx = sx.mul(tx);
            neg = mx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            my = sx.fma(ty, sy.fma(tx, sx.fma(tx, neg)));
            tx = mx.add(0.5f);
            v = tx.sub(mx);
            ty = mx.sub(tx.sub(v)).add(FloatVector.broadcast(S, 0.5f).sub(v)).add(my);
            FloatVector qx = sx.mul(sx);
            neg = qx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector qy = sx.add(sx).fma(sy, sx.fma(sx, neg));
            mx = qx.mul(tx);
            neg = mx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            my = qx.fma(ty, qy.fma(tx, qx.fma(tx, neg)));
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
            dx.intoArray(s, i);
            dy.intoArray(s, TANH_BLOCK + i);
        }
    }

    /** {@link #tanhTwoPass}'s second pass: {@link #tanh}'s operations from {@code dx, dy} on. */
    private static void tanhQuotientPass(float[] x, int xo, float[] s, float[] o, int oo, int m) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < m; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector y = xv.abs();
            FloatVector dx = FloatVector.fromArray(S, s, i);
            FloatVector dy = FloatVector.fromArray(S, s, TANH_BLOCK + i);
            FloatVector ex = one.div(dx);
            FloatVector ndx = dx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector ndy = dy.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector ey = ex.mul(ndy.fma(ex, ndx.fma(ex, one)));
            FloatVector nx = dx.sub(ex);
            FloatVector ny = dx.sub(nx).sub(ex).add(dy).sub(ey);
            FloatVector sumx = dx.add(ex);
            FloatVector sumy = dx.sub(sumx).add(ex).add(dy).add(ey);
            FloatVector r = one.div(sumx);
            FloatVector hx = nx.mul(r);
            FloatVector w = r.fma(nx, hx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats());
            FloatVector nsumx = sumx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector nsumy = sumy.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector z = nsumy.fma(r, nsumx.fma(r, one));
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
    }

    /** {@code o[oo + i] = tanh(x[xo + i])} for i below n, Sleef_tanhf8_u10's bits ({@link SleefFloat#tanh}). */
    static void tanh(float[] x, int xo, float[] o, int oo, int n) {
        if (n >= 2 * TANH_BLOCK && !tanhOnePass()) {
            tanhTwoPass(x, xo, o, oo, n);
        } else {
            tanhOneLoop(x, xo, o, oo, n);
        }
    }

    /**
     * {@link #tanh}'s one loop, in a method of its own: while it shared {@code tanh}'s body with the dispatch to
     * {@link #tanhTwoPass}, C2's recompilation once the two-pass path had been hot boxed its vectors (36 MB a call over
     * [16, 128, 512], 4x slower).
     */
    private static void tanhOneLoop(float[] x, int xo, float[] o, int oo, int n) {
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
            // -a as the sign bit flipped (SIGN)
            FloatVector neg = mx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector my = sy.fma(u, sx.fma(u, neg));
            FloatVector tx = mx.add(SleefFloat.K4);
            v = tx.sub(mx);
            FloatVector ty = mx.sub(tx.sub(v)).add(FloatVector.broadcast(S, SleefFloat.K4).sub(v)).add(my);
            mx = sx.mul(tx);
            neg = mx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            my = sx.fma(ty, sy.fma(tx, sx.fma(tx, neg)));
            tx = mx.add(0.5f);
            v = tx.sub(mx);
            ty = mx.sub(tx.sub(v)).add(FloatVector.broadcast(S, 0.5f).sub(v)).add(my);
            FloatVector qx = sx.mul(sx);
            neg = qx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector qy = sx.add(sx).fma(sy, sx.fma(sx, neg));
            mx = qx.mul(tx);
            neg = mx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            my = qx.fma(ty, qy.fma(tx, qx.fma(tx, neg)));
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
            FloatVector ndx = dx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector ndy = dy.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector ey = ex.mul(ndy.fma(ex, ndx.fma(ex, one)));
            FloatVector nx = dx.sub(ex);
            FloatVector ny = dx.sub(nx).sub(ex).add(dy).sub(ey);
            FloatVector sumx = dx.add(ex);
            FloatVector sumy = dx.sub(sumx).add(ex).add(dy).add(ey);
            FloatVector r = one.div(sumx);
            FloatVector hx = nx.mul(r);
            FloatVector w = r.fma(nx, hx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats());
            FloatVector nsumx = sumx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector nsumy = sumy.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector z = nsumy.fma(r, nsumx.fma(r, one));
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

    /**
     * {@code o[oo + i] = expm1(x[xo + i])} for i below n, Sleef_expm1f8_u10's bits ({@link SleefFloat#expm1}, each
     * lane its operations in order; the tail by the scalar form). x may be o. The negations {@code -m} of the
     * products' error terms ({@code fma(sx, u, -mx)}) are sign-bit XORs ({@link #SIGN}), as in {@link #tanh}: the
     * bits of {@code FloatVector.neg()}, which made this loop about 1.45x slower on JDK 17's C2 (session 60: 2.77 ns
     * an element against 1.90 at one thread, AVX2; session 58's {@code neg()} loop was deleted in session 63).
     */
    static void expm1(float[] x, int xo, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; i < bound; i += S.length()) {
            FloatVector a = FloatVector.fromArray(S, x, xo + i);
            // expk2f((a, 0)), as in tanh above
            FloatVector t = a.mul(SleefFloat.R_LN2).add(SleefFloat.RINT);
            FloatVector qf = t.sub(SleefFloat.RINT);
            IntVector q = t.reinterpretAsInts().sub(SleefFloat.RINT_BITS);
            FloatVector c = qf.mul(-SleefFloat.L2U);
            FloatVector sx = a.add(c);
            FloatVector v = sx.sub(a);
            FloatVector sy = a.sub(sx.sub(v)).add(c.sub(v)).add(0f);
            FloatVector b = qf.mul(-SleefFloat.L2L);
            FloatVector s2 = sx.add(b);
            v = s2.sub(sx);
            sy = sx.sub(s2.sub(v)).add(b.sub(v)).add(sy);
            sx = s2;
            FloatVector u = sx.fma(SleefFloat.K0, SleefFloat.K1);
            u = u.fma(sx, FloatVector.broadcast(S, SleefFloat.K2));
            u = u.fma(sx, FloatVector.broadcast(S, SleefFloat.K3));
            FloatVector mx = sx.mul(u);
            // -m as the sign bit flipped (SIGN)
            FloatVector neg = mx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector my = sy.fma(u, sx.fma(u, neg));
            FloatVector tx = mx.add(SleefFloat.K4);
            v = tx.sub(mx);
            FloatVector ty = mx.sub(tx.sub(v)).add(FloatVector.broadcast(S, SleefFloat.K4).sub(v)).add(my);
            mx = sx.mul(tx);
            neg = mx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            my = sx.fma(ty, sy.fma(tx, sx.fma(tx, neg)));
            tx = mx.add(0.5f);
            v = tx.sub(mx);
            ty = mx.sub(tx.sub(v)).add(FloatVector.broadcast(S, 0.5f).sub(v)).add(my);
            FloatVector qx = sx.mul(sx);
            neg = qx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector qy = sx.add(sx).fma(sy, sx.fma(sx, neg));
            mx = qx.mul(tx);
            neg = mx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            my = qx.fma(ty, qy.fma(tx, qx.fma(tx, neg)));
            tx = sx.add(mx);
            v = tx.sub(sx);
            ty = sx.sub(tx.sub(v)).add(mx.sub(v)).add(sy.add(my));
            FloatVector ox = one.add(tx);
            FloatVector oy = one.sub(ox).add(tx).add(ty);
            // ldexp2 written out (see tanh)
            IntVector h = q.lanewise(VectorOperators.ASHR, 1);
            FloatVector p1 = h.add(0x7f).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector p2 = q.sub(h).add(0x7f).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector dx = ox.mul(p1).mul(p2);
            FloatVector dy = oy.mul(p1).mul(p2);
            // d + -1 (dfadd2_vf2_vf2_vf), the parts summed
            FloatVector sum = dx.sub(1f);
            v = sum.sub(dx);
            FloatVector lo = dx.sub(sum.sub(v)).add(FloatVector.broadcast(S, -1f).sub(v)).add(dy);
            FloatVector out = sum.add(lo)
                    .blend(Float.POSITIVE_INFINITY, a.compare(VectorOperators.GT, SleefFloat.EXPM1_HIGH))
                    .blend(-1f, a.compare(VectorOperators.LT, SleefFloat.EXPM1_LOW));
            out.blend(a, a.reinterpretAsInts().compare(VectorOperators.EQ, 0x80000000).cast(S)).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = SleefFloat.expm1(x[xo + i]);
        }
    }

    /**
     * PyTorch 2.x's vectorized float elu forward ({@code get_vectorized_elu_elementwise_func}, ATen's Elu.h) over
     * {@code x[xo:xo+n]}: {@code x >= 0 ? x * scale : expm1(x * is) * nc} with Sleef's expm1, the caller passing the
     * vector part of a run ({@link SleefFloat#vectorPart}); o may be x at the same offset. From {@code 2 * TANH_BLOCK}
     * elements on, two passes a block ({@link #eluTwoPass}, session 62), below that (and under
     * {@code -Dember.cpu.elu.onePass=true}, read per call) one loop ({@link #eluOneLoop}); the same bits.
     */
    static void eluForward(float[] x, int xo, float nc, float scale, float is, float[] o, int oo, int n) {
        if (n >= 2 * TANH_BLOCK && !eluOnePass()) {
            eluTwoPass(x, xo, nc, scale, is, o, oo, n);
        } else {
            eluOneLoop(x, xo, nc, scale, is, o, oo, n);
        }
    }

    /**
     * {@code -Dember.cpu.elu.onePass=true} (read per call, for before/after timings): {@link #eluForward} takes its one
     * loop at every length instead of {@link #eluTwoPass} from {@code 2 * TANH_BLOCK} elements.
     *
     * @return whether the one loop runs at every length
     */
    static boolean eluOnePass() {
        return Boolean.getBoolean("ember.cpu.elu.onePass");
    }

    /**
     * {@link #eluForward}'s vectors in two passes over each block of {@link #TANH_BLOCK} elements (session 62), as
     * {@link #tanhTwoPass}: {@link #expk2Pass} (e^(x * is) as a double-float into the scratch rows), then
     * {@link #eluFinishPass} (expm1's {@code d + -1}, its special cases, the choice); each lane the same operations on
     * the same operands as {@link #eluOneLoop}, so the same bits. The one loop's iteration kept about 40 spilled
     * vectors between its first compares and its blends; the two shorter loops spill less and overlap more. The tail
     * ({@code n} mod the vector length) takes the scalar form as in {@link #eluOneLoop}; o may be x at the same
     * offset (each block's input is read by both passes before the second writes it).
     */
    static void eluTwoPass(float[] x, int xo, float nc, float scale, float is, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        float[] s = TANH_SCRATCH.get();
        for (int b = 0; b < bound; b += TANH_BLOCK) {
            int m = Math.min(TANH_BLOCK, bound - b);
            expk2Pass(x, xo + b, false, is, s, m);
            eluFinishPass(x, xo + b, s, nc, scale, is, o, oo + b, m);
        }
        for (int i = bound; i < n; i++) {
            o[oo + i] = SleefFloat.elu(x[xo + i], nc, scale, is);
        }
    }

    /**
     * {@link #eluTwoPass}'s second pass over {@code m} elements (a multiple of the vector length): from
     * {@link #expk2Pass}'s {@code dx, dy} on, {@link #eluOneLoop}'s operations, two vectors a step where two fit (which
     * also keeps the method over C2's {@code FreqInlineSize}, a compile root of its own: see
     * VectorHelpersInlineTest).
     */
    private static void eluFinishPass(float[] x, int xo, float[] s, float nc, float scale, float is, float[] o,
                                      int oo, int m) {
        int step = S.length();
        int bound2 = m - m % (2 * step);
        int i = 0;
        for (; i < bound2; i += 2 * step) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector a = xv.mul(is);
            FloatVector dx = FloatVector.fromArray(S, s, i);
            FloatVector sum = dx.sub(1f);
            FloatVector v = sum.sub(dx);
            FloatVector lo = dx.sub(sum.sub(v)).add(FloatVector.broadcast(S, -1f).sub(v))
                    .add(FloatVector.fromArray(S, s, TANH_BLOCK + i));
            FloatVector out = sum.add(lo)
                    .blend(Float.POSITIVE_INFINITY, a.compare(VectorOperators.GT, SleefFloat.EXPM1_HIGH))
                    .blend(-1f, a.compare(VectorOperators.LT, SleefFloat.EXPM1_LOW));
            out = out.blend(a, a.reinterpretAsInts().compare(VectorOperators.EQ, 0x80000000).cast(S));
            out.mul(nc).blend(xv.mul(scale), xv.compare(VectorOperators.GE, 0f)).intoArray(o, oo + i);
            FloatVector xw = FloatVector.fromArray(S, x, xo + i + step);
            FloatVector c = xw.mul(is);
            FloatVector ex = FloatVector.fromArray(S, s, i + step);
            FloatVector sumw = ex.sub(1f);
            FloatVector w = sumw.sub(ex);
            FloatVector low = ex.sub(sumw.sub(w)).add(FloatVector.broadcast(S, -1f).sub(w))
                    .add(FloatVector.fromArray(S, s, TANH_BLOCK + i + step));
            FloatVector outw = sumw.add(low)
                    .blend(Float.POSITIVE_INFINITY, c.compare(VectorOperators.GT, SleefFloat.EXPM1_HIGH))
                    .blend(-1f, c.compare(VectorOperators.LT, SleefFloat.EXPM1_LOW));
            outw = outw.blend(c, c.reinterpretAsInts().compare(VectorOperators.EQ, 0x80000000).cast(S));
            outw.mul(nc).blend(xw.mul(scale), xw.compare(VectorOperators.GE, 0f)).intoArray(o, oo + i + step);
        }
        for (; i < m; i += step) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector a = xv.mul(is);
            FloatVector dx = FloatVector.fromArray(S, s, i);
            FloatVector sum = dx.sub(1f);
            FloatVector v = sum.sub(dx);
            FloatVector lo = dx.sub(sum.sub(v)).add(FloatVector.broadcast(S, -1f).sub(v))
                    .add(FloatVector.fromArray(S, s, TANH_BLOCK + i));
            FloatVector out = sum.add(lo)
                    .blend(Float.POSITIVE_INFINITY, a.compare(VectorOperators.GT, SleefFloat.EXPM1_HIGH))
                    .blend(-1f, a.compare(VectorOperators.LT, SleefFloat.EXPM1_LOW));
            out = out.blend(a, a.reinterpretAsInts().compare(VectorOperators.EQ, 0x80000000).cast(S));
            out.mul(nc).blend(xv.mul(scale), xv.compare(VectorOperators.GE, 0f)).intoArray(o, oo + i);
        }
    }

    /**
     * {@link #eluForward}'s one loop (the only form before session 62), in a method of its own as tanh's
     * ({@link #tanhOneLoop}): each lane's product {@code x * is} goes through
     * {@link #expm1(float[], int, float[], int, int)}'s operations (written out again here), then the choice; the tail
     * by {@link SleefFloat#elu}. Session 58's three passes over a scratch block (the products, expm1 in place, the
     * choice) cost about 0.6 ns an element more at one thread (memory traffic not overlapped with the arithmetic;
     * session 60). The bytecode is kept over C2's {@code FreqInlineSize} (VectorHelpersInlineTest pins it) so that C2
     * compiles it as a root of its own: inlined at the end of elu's deep call chain its vectors would be boxed (see
     * {@link VectorEluLoops#leakyRelu(float[], int, float[], int, float, float[], int, int)}).
     */
    private static void eluOneLoop(float[] x, int xo, float nc, float scale, float is, float[] o, int oo, int n) {
        int bound = S.loopBound(n);
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; i < bound; i += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector a = xv.mul(is);
            // expk2f((a, 0)), as in tanh above
            FloatVector t = a.mul(SleefFloat.R_LN2).add(SleefFloat.RINT);
            FloatVector qf = t.sub(SleefFloat.RINT);
            IntVector q = t.reinterpretAsInts().sub(SleefFloat.RINT_BITS);
            FloatVector c = qf.mul(-SleefFloat.L2U);
            FloatVector sx = a.add(c);
            FloatVector v = sx.sub(a);
            FloatVector sy = a.sub(sx.sub(v)).add(c.sub(v)).add(0f);
            FloatVector b = qf.mul(-SleefFloat.L2L);
            FloatVector s2 = sx.add(b);
            v = s2.sub(sx);
            sy = sx.sub(s2.sub(v)).add(b.sub(v)).add(sy);
            sx = s2;
            FloatVector u = sx.fma(SleefFloat.K0, SleefFloat.K1);
            u = u.fma(sx, FloatVector.broadcast(S, SleefFloat.K2));
            u = u.fma(sx, FloatVector.broadcast(S, SleefFloat.K3));
            FloatVector mx = sx.mul(u);
            // -m as the sign bit flipped (SIGN)
            FloatVector neg = mx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector my = sy.fma(u, sx.fma(u, neg));
            FloatVector tx = mx.add(SleefFloat.K4);
            v = tx.sub(mx);
            FloatVector ty = mx.sub(tx.sub(v)).add(FloatVector.broadcast(S, SleefFloat.K4).sub(v)).add(my);
            mx = sx.mul(tx);
            neg = mx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            my = sx.fma(ty, sy.fma(tx, sx.fma(tx, neg)));
            tx = mx.add(0.5f);
            v = tx.sub(mx);
            ty = mx.sub(tx.sub(v)).add(FloatVector.broadcast(S, 0.5f).sub(v)).add(my);
            FloatVector qx = sx.mul(sx);
            neg = qx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            FloatVector qy = sx.add(sx).fma(sy, sx.fma(sx, neg));
            mx = qx.mul(tx);
            neg = mx.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
            my = qx.fma(ty, qy.fma(tx, qx.fma(tx, neg)));
            tx = sx.add(mx);
            v = tx.sub(sx);
            ty = sx.sub(tx.sub(v)).add(mx.sub(v)).add(sy.add(my));
            FloatVector ox = one.add(tx);
            FloatVector oy = one.sub(ox).add(tx).add(ty);
            // ldexp2 written out (see tanh)
            IntVector h = q.lanewise(VectorOperators.ASHR, 1);
            FloatVector p1 = h.add(0x7f).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector p2 = q.sub(h).add(0x7f).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector dx = ox.mul(p1).mul(p2);
            FloatVector dy = oy.mul(p1).mul(p2);
            // d + -1 (dfadd2_vf2_vf2_vf), the parts summed
            FloatVector sum = dx.sub(1f);
            v = sum.sub(dx);
            FloatVector lo = dx.sub(sum.sub(v)).add(FloatVector.broadcast(S, -1f).sub(v)).add(dy);
            FloatVector out = sum.add(lo)
                    .blend(Float.POSITIVE_INFINITY, a.compare(VectorOperators.GT, SleefFloat.EXPM1_HIGH))
                    .blend(-1f, a.compare(VectorOperators.LT, SleefFloat.EXPM1_LOW));
            out = out.blend(a, a.reinterpretAsInts().compare(VectorOperators.EQ, 0x80000000).cast(S));
            out.mul(nc).blend(xv.mul(scale), xv.compare(VectorOperators.GE, 0f)).intoArray(o, oo + i);
        }
        for (; i < n; i++) {
            o[oo + i] = SleefFloat.elu(x[xo + i], nc, scale, is);
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
        for (int b = 0; b < bound; b += BLOCK) {
            int m = Math.min(BLOCK, bound - b);
            geluTanhInner(x, xo + b, t, m);
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
     * {@code t[i] = tanh(beta * (x + kappa * x^3))} for the m elements of x at xo (m a whole number of vectors): the
     * tanh of GELU's tanh form, Sleef's, shared by the forward and the backward (arrays in and out, no vector crosses
     * the call).
     */
    private static void geluTanhInner(float[] x, int xo, float[] t, int m) {
        FloatVector kappa = FloatVector.broadcast(S, SleefFloat.GELU_KAPPA);
        for (int i = 0; i < m; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.mul(v).mul(v).fma(kappa, v).mul(SleefFloat.GELU_BETA).intoArray(t, i);
        }
        tanh(t, 0, t, 0, m);
    }

    /**
     * {@code o[oo + i] = gelu_tanh_backward(g[go + i], x[xo + i])}: {@link SleefFloat#geluTanhBackward(float, float)}
     * lane-wise over the vector part ({@link SleefFloat#vectorPart}), {@link SleefFloat#geluTanhBackwardLibm} over the
     * rest, as PyTorch's kernel. In blocks as {@link #geluTanh}: the tanh's argument into a scratch block, the tanh in
     * place there, then the formula (o may be g or x).
     */
    static void geluTanhBackward(float[] g, int go, float[] x, int xo, float[] o, int oo, int n) {
        int bound = SleefFloat.vectorPart(n);
        float[] t = SCRATCH.get();
        FloatVector kappa3 = FloatVector.broadcast(S, SleefFloat.GELU_KAPPA3);
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int b = 0; b < bound; b += BLOCK) {
            int m = Math.min(BLOCK, bound - b);
            geluTanhInner(x, xo + b, t, m);
            for (int i = 0; i < m; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, xo + b + i);
                FloatVector th = FloatVector.fromArray(S, t, i);
                FloatVector minusTh = th.reinterpretAsInts().lanewise(VectorOperators.XOR, SIGN).reinterpretAsFloats();
                FloatVector tanhDerivative = minusTh.fma(th, one);
                FloatVector innerDerivative = v.mul(v).fma(kappa3, one).mul(SleefFloat.GELU_BETA);
                FloatVector sum = th.add(1f).mul(0.5f).add(v.mul(0.5f).mul(tanhDerivative).mul(innerDerivative));
                FloatVector.fromArray(S, g, go + b + i).mul(sum).intoArray(o, oo + b + i);
            }
        }
        for (int i = bound; i < n; i++) {
            o[oo + i] = SleefFloat.geluTanhBackwardLibm(g[go + i], x[xo + i]);
        }
    }

    /**
     * {@code o[oo + i] = sigmoid(x[xo + i])}: {@link SleefFloat#sigmoid} lane-wise over the vector part
     * ({@link SleefFloat#vectorPart}), {@link ElementwiseKernels#sigmoidFloat} (PyTorch's scalar form) over the rest.
     */
    static void sigmoid(float[] x, int xo, float[] o, int oo, int n) {
        int bound = SleefFloat.vectorPart(n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        for (; i <= bound - S.length(); i += S.length()) {
            one.div(one.add(exp(zero.sub(FloatVector.fromArray(S, x, xo + i))))).intoArray(o, oo + i);
        }
        for (; i < bound; i++) {
            o[oo + i] = SleefFloat.sigmoid(x[xo + i]);
        }
        for (; i < n; i++) {
            o[oo + i] = SleefFloat.sigmoidLibm(x[xo + i]);
        }
    }

    /**
     * silu ({@code g} null: {@code o[oo + i] = silu(x[xo + i])}) or silu_backward ({@code o[oo + i] =
     * silu_backward(g[go + i], x[xo + i])}) as PyTorch's kernels: {@link SleefFloat#silu} or
     * {@link SleefFloat#siluBackward} with {@link SleefFloat#sigmoid} lane-wise over the vector part
     * ({@link SleefFloat#vectorPart}), the scalar forms (the C library's exp) over the rest. {@code gs} is g's stride,
     * 1 or 0 (a broadcast gradient, which PyTorch's vectorized loop takes as a scalar operand).
     */
    static void silu(float[] g, int go, int gs, float[] x, int xo, float[] o, int oo, int n) {
        // in blocks as geluTanh: -x into a scratch block, Sleef's exp in place there (the array loop, where C2
        // inlines the vector exp; called from several loops it was left as a call, boxing its vectors: silu 150 ->
        // 340 us once the backward had run), then the formula (o may be x or g)
        int bound = SleefFloat.vectorPart(n);
        float[] t = SCRATCH.get();
        FloatVector one = FloatVector.broadcast(S, 1f);
        int vectors = bound - bound % S.length();
        for (int b = 0; b < vectors; b += BLOCK) {
            int m = Math.min(BLOCK, vectors - b);
            for (int i = 0; i < m; i += S.length()) {
                FloatVector.fromArray(S, x, xo + b + i).neg().intoArray(t, i);
            }
            exp(t, 0, t, 0, m);
            if (g == null) {
                for (int i = 0; i < m; i += S.length()) {
                    FloatVector v = FloatVector.fromArray(S, x, xo + b + i);
                    v.div(FloatVector.fromArray(S, t, i).add(one)).intoArray(o, oo + b + i);
                }
            } else {
                for (int i = 0; i < m; i += S.length()) {
                    FloatVector v = FloatVector.fromArray(S, x, xo + b + i);
                    FloatVector s = one.div(FloatVector.fromArray(S, t, i).add(one));
                    FloatVector dy = gs == 0 ? FloatVector.broadcast(S, g[go])
                            : FloatVector.fromArray(S, g, go + b + i);
                    FloatVector a = dy.mul(s);
                    a.mul(v.fma(one.sub(s), one)).blend(a, a.test(VectorOperators.IS_NAN)).intoArray(o, oo + b + i);
                }
            }
        }
        for (int i = vectors; i < n; i++) {
            float v = x[xo + i];
            if (g == null) {
                o[oo + i] = i < bound ? SleefFloat.silu(v) : SleefFloat.siluLibm(v);
            } else {
                float s = i < bound ? SleefFloat.siluSigmoid(v) : SleefFloat.sigmoidLibm(v);
                o[oo + i] = SleefFloat.siluBackward(g[go + i * gs], v, s);
            }
        }
    }

    /**
     * Softmax over the middle dimension of a contiguous {@code [n, inner]} block at {@code xo} (output at {@code oo}),
     * for the inner positions {@code from..to}: PyTorch's {@code _vec_softmax}, a vector of inner positions at a time,
     * each lane on its own (so the vector width does not change the bits): the maximum down the dimension, then
     * {@code e = exp(x - max)} (Sleef's) written out while summed in float in the dimension's order, then
     * {@code e / sum}. The positions past the last whole vector of the row ({@code inner mod 16} on AVX-512,
     * {@code inner mod 8} on AVX2: {@link SleefFloat#LANES}) take PyTorch's
     * scalar tail: {@code std::max}, the C library's exp (glibc's, {@link LibmFloat#exp}), the same sum and
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
                float e = lane ? SleefFloat.exp(v) : LibmFloat.exp(v);
                o[oo + d * inner + j] = e;
                sum += e;
            }
            for (int d = 0; d < n; d++) {
                o[oo + d * inner + j] /= sum;
            }
        }
    }

    /**
     * Log-softmax over the middle dimension of a contiguous {@code [n, inner]} block at {@code xo} (output at
     * {@code oo}), for the inner positions {@code from..to}: PyTorch's {@code _vec_logsoftmax}, each lane on its own
     * column: the maximum down the column ({@code x > max ? x : max} from -inf, so a NaN is never taken), the sum of
     * {@code exp(x - max)} (Sleef's) in float from 0 in the column's order, Sleef's log of the sum (for every position:
     * PyTorch's {@code vec::map} takes the tail as a partial vector), then {@code (x - max) - log(sum)}. The positions
     * past the last whole vector of the row ({@link SleefFloat#LANES}, as {@link #softmaxColumns}) take the C
     * library's exp (glibc's, {@link LibmFloat#exp}), as PyTorch's scalar tail. {@code scratch} holds at least
     * a vector's floats.
     */
    static void logSoftmaxColumns(float[] x, int xo, float[] o, int oo, int n, int inner, int from, int to,
                                  float[] scratch) {
        int vectorEnd = inner & -SleefFloat.LANES;
        int j = from;
        for (; j + S.length() <= Math.min(to, vectorEnd); j += S.length()) {
            FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int d = 0; d < n; d++) {
                FloatVector v = FloatVector.fromArray(S, x, xo + d * inner + j);
                max = max.blend(v, v.compare(VectorOperators.GT, max));
            }
            FloatVector sum = FloatVector.zero(S);
            for (int d = 0; d < n; d++) {
                sum = sum.add(exp(FloatVector.fromArray(S, x, xo + d * inner + j).sub(max)));
            }
            sum.intoArray(scratch, 0);
            log(scratch, 0, scratch, 0, S.length());
            FloatVector logSum = FloatVector.fromArray(S, scratch, 0);
            for (int d = 0; d < n; d++) {
                FloatVector.fromArray(S, x, xo + d * inner + j).sub(max).sub(logSum).intoArray(o, oo + d * inner + j);
            }
        }
        for (; j < to; j++) {
            boolean lane = j < vectorEnd;
            float max = Float.NEGATIVE_INFINITY;
            for (int d = 0; d < n; d++) {
                float v = x[xo + d * inner + j];
                max = v > max ? v : max;
            }
            float sum = 0f;
            for (int d = 0; d < n; d++) {
                float v = x[xo + d * inner + j] - max;
                sum += lane ? SleefFloat.exp(v) : LibmFloat.exp(v);
            }
            float logSum = SleefFloat.log(sum);
            for (int d = 0; d < n; d++) {
                o[oo + d * inner + j] = x[xo + d * inner + j] - max - logSum;
            }
        }
    }

    /**
     * The gradient of softmax ({@code log} false) or log-softmax over the middle dimension of contiguous
     * {@code [n, inner]} blocks (the incoming gradient at {@code go}, the forward's result at {@code yo}, the gradient
     * out at {@code oo}), for the inner positions {@code from..to}: PyTorch's {@code _vec_softmax_backward} /
     * {@code _vec_log_softmax_backward}, each lane on its own column: the sum down the column from 0 of {@code g y}
     * (each step one fused multiply-add, as PyTorch's build contracts {@code sum + g * y}) or of {@code g}, then
     * {@code y (g - sum)}, or {@code g - exp(y) sum} as one fused multiply-add with Sleef's exp. The positions past
     * the last whole vector of the row ({@link SleefFloat#LANES}) take the C library's exp
     * (glibc's, {@link LibmFloat#exp}), as PyTorch's scalar tail.
     */
    static void softmaxBackwardColumns(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, int inner,
                                       int from, int to, boolean log) {
        int vectorEnd = inner & -SleefFloat.LANES;
        int j = from;
        for (; j + S.length() <= Math.min(to, vectorEnd); j += S.length()) {
            FloatVector sum = FloatVector.zero(S);
            for (int d = 0; d < n; d++) {
                FloatVector gv = FloatVector.fromArray(S, g, go + d * inner + j);
                sum = log ? sum.add(gv) : gv.fma(FloatVector.fromArray(S, y, yo + d * inner + j), sum);
            }
            if (log) {
                FloatVector negSum = sum.neg();
                for (int d = 0; d < n; d++) {
                    exp(FloatVector.fromArray(S, y, yo + d * inner + j))
                            .fma(negSum, FloatVector.fromArray(S, g, go + d * inner + j))
                            .intoArray(o, oo + d * inner + j);
                }
            } else {
                for (int d = 0; d < n; d++) {
                    FloatVector.fromArray(S, y, yo + d * inner + j)
                            .mul(FloatVector.fromArray(S, g, go + d * inner + j).sub(sum))
                            .intoArray(o, oo + d * inner + j);
                }
            }
        }
        for (; j < to; j++) {
            boolean lane = j < vectorEnd;
            float sum = 0f;
            for (int d = 0; d < n; d++) {
                float gv = g[go + d * inner + j];
                sum = log ? sum + gv : Math.fma(gv, y[yo + d * inner + j], sum);
            }
            for (int d = 0; d < n; d++) {
                float gv = g[go + d * inner + j];
                float yv = y[yo + d * inner + j];
                if (log) {
                    float e = lane ? SleefFloat.exp(yv) : LibmFloat.exp(yv);
                    o[oo + d * inner + j] = Math.fma(e, -sum, gv);
                } else {
                    o[oo + d * inner + j] = yv * (gv - sum);
                }
            }
        }
    }

    // ------------------------------------------------------------------ over another dimension, in chunks
    //
    // PyTorch 2.x's _vec_logsoftmax, _vec_softmax_backward and _vec_log_softmax_backward walk a chunk of inner
    // positions (about 128 KiB of the block: SoftmaxKernels.chunk) a row of the dimension at a time, the columns'
    // running maxima and sums in a scratch array, instead of one vector of columns down the whole dimension: each row
    // is read as a contiguous run (the hardware prefetcher follows it), where a vector of columns reads one cache line
    // in each of n rows, inner floats apart. Each column still takes the same operations in the same order (from the
    // first row to the last), so the bits are those of the column-at-a-time loops above; the vector/scalar split is by
    // inner position as theirs ({@code inner} rounded down to SleefFloat.LANES). Each pass is a method of its own, so
    // that C2 inlines the vector exp and log into a small loop.

    /** The end of the whole vectors of the chunk {@code from..to}: as the column loops' vector/scalar split. */
    private static int vectorEnd(int inner, int from, int to) {
        int end = Math.min(to, inner & -SleefFloat.LANES);
        return end <= from ? from : from + (end - from) / S.length() * S.length();
    }

    /**
     * Log-softmax over the middle dimension of a contiguous {@code [n, inner]} block at {@code xo} (output at
     * {@code oo}) for the inner positions {@code from..to} in PyTorch 2.x's chunked order ({@code _vec_logsoftmax}):
     * the bits of {@link #logSoftmaxColumns}. {@code scratch} holds at least {@code 2 (to - from)} floats.
     */
    static void logSoftmaxChunk(float[] x, int xo, float[] o, int oo, int n, int inner, int from, int to,
                                float[] scratch) {
        int m = to - from;
        int v = vectorEnd(inner, from, to) - from;
        int sleefEnd = Math.max(v, Math.min(m, (inner & -SleefFloat.LANES) - from));
        java.util.Arrays.fill(scratch, 0, m, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(scratch, m, 2 * m, 0f);
        for (int d = 0; d < n; d++) {
            chunkMax(x, xo + d * inner + from, scratch, m, v);
        }
        for (int d = 0; d < n; d++) {
            chunkExpSum(x, xo + d * inner + from, scratch, m, v, sleefEnd);
        }
        // Sleef's log of every sum: the vector part's lanes as logSoftmaxColumns' vectors, the rest as its scalar tail
        log(scratch, m, scratch, m, v);
        for (int j = v; j < m; j++) {
            scratch[m + j] = SleefFloat.log(scratch[m + j]);
        }
        for (int d = 0; d < n; d++) {
            chunkLogOut(x, xo + d * inner + from, o, oo + d * inner + from, scratch, m, v);
        }
    }

    /** Pass 1 of {@link #logSoftmaxChunk}: {@code max = x > max ? x : max} over one row of the chunk. */
    private static void chunkMax(float[] x, int xo, float[] s, int m, int v) {
        int j = 0;
        for (; j < v; j += S.length()) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + j);
            FloatVector max = FloatVector.fromArray(S, s, j);
            max.blend(xv, xv.compare(VectorOperators.GT, max)).intoArray(s, j);
        }
        for (; j < m; j++) {
            float xv = x[xo + j];
            s[j] = xv > s[j] ? xv : s[j];
        }
    }

    /**
     * Pass 2 of {@link #logSoftmaxChunk}: {@code sum += exp(x - max)} over one row of the chunk, Sleef's exp on the
     * vectors and on the scalar positions before {@code sleefEnd}, the C library's after it.
     */
    private static void chunkExpSum(float[] x, int xo, float[] s, int m, int v, int sleefEnd) {
        int j = 0;
        for (; j < v; j += S.length()) {
            FloatVector e = exp(FloatVector.fromArray(S, x, xo + j).sub(FloatVector.fromArray(S, s, j)));
            FloatVector.fromArray(S, s, m + j).add(e).intoArray(s, m + j);
        }
        for (; j < m; j++) {
            float d = x[xo + j] - s[j];
            s[m + j] += j < sleefEnd ? SleefFloat.exp(d) : LibmFloat.exp(d);
        }
    }

    /** Pass 3 of {@link #logSoftmaxChunk}: {@code (x - max) - logSum} over one row of the chunk. */
    private static void chunkLogOut(float[] x, int xo, float[] o, int oo, float[] s, int m, int v) {
        int j = 0;
        for (; j < v; j += S.length()) {
            FloatVector.fromArray(S, x, xo + j).sub(FloatVector.fromArray(S, s, j))
                    .sub(FloatVector.fromArray(S, s, m + j)).intoArray(o, oo + j);
        }
        for (; j < m; j++) {
            o[oo + j] = x[xo + j] - s[j] - s[m + j];
        }
    }

    /**
     * The gradient of softmax ({@code log} false) or log-softmax over the middle dimension of contiguous
     * {@code [n, inner]} blocks for the inner positions {@code from..to} in PyTorch 2.x's chunked order
     * ({@code _vec_softmax_backward}, {@code _vec_log_softmax_backward}): the bits of
     * {@link #softmaxBackwardColumns}. {@code scratch} holds at least {@code to - from} floats. The two functions
     * run in methods of their own: one method for both, with every pass inlined into it, ran log_softmax's 1.5x
     * slower once softmax's had run in the same JVM.
     */
    static void softmaxBackwardChunk(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, int inner,
                                     int from, int to, boolean log, float[] scratch) {
        if (log) {
            logSoftmaxGradChunk(g, go, y, yo, o, oo, n, inner, from, to, scratch);
        } else {
            softmaxGradChunk(g, go, y, yo, o, oo, n, inner, from, to, scratch);
        }
    }

    /** Softmax's part of {@link #softmaxBackwardChunk}. */
    private static void softmaxGradChunk(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, int inner,
                                         int from, int to, float[] scratch) {
        int m = to - from;
        int v = vectorEnd(inner, from, to) - from;
        java.util.Arrays.fill(scratch, 0, m, 0f);
        for (int d = 0; d < n; d++) {
            chunkDot(g, go + d * inner + from, y, yo + d * inner + from, scratch, m, v);
        }
        for (int d = 0; d < n; d++) {
            int at = d * inner + from;
            chunkGrad(g, go + at, y, yo + at, o, oo + at, scratch, m, v);
        }
    }

    /** Log-softmax's part of {@link #softmaxBackwardChunk}. */
    private static void logSoftmaxGradChunk(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, int inner,
                                            int from, int to, float[] scratch) {
        int m = to - from;
        int v = vectorEnd(inner, from, to) - from;
        int sleefEnd = Math.max(v, Math.min(m, (inner & -SleefFloat.LANES) - from));
        java.util.Arrays.fill(scratch, 0, m, 0f);
        for (int d = 0; d < n; d++) {
            chunkSum(g, go + d * inner + from, scratch, m, v);
        }
        for (int d = 0; d < n; d++) {
            int at = d * inner + from;
            chunkLogGrad(g, go + at, y, yo + at, o, oo + at, scratch, m, v, sleefEnd);
        }
    }

    /** Softmax's sum over one row of the chunk: {@code sum = fma(g, y, sum)} (PyTorch's build contracts it). */
    private static void chunkDot(float[] g, int go, float[] y, int yo, float[] s, int m, int v) {
        int j = 0;
        for (; j < v; j += S.length()) {
            FloatVector.fromArray(S, g, go + j).fma(FloatVector.fromArray(S, y, yo + j), FloatVector.fromArray(S, s, j))
                    .intoArray(s, j);
        }
        for (; j < m; j++) {
            s[j] = Math.fma(g[go + j], y[yo + j], s[j]);
        }
    }

    /** Log-softmax's sum over one row of the chunk: {@code sum += g}. */
    private static void chunkSum(float[] g, int go, float[] s, int m, int v) {
        int j = 0;
        for (; j < v; j += S.length()) {
            FloatVector.fromArray(S, s, j).add(FloatVector.fromArray(S, g, go + j)).intoArray(s, j);
        }
        for (; j < m; j++) {
            s[j] += g[go + j];
        }
    }

    /** Softmax's gradient over one row of the chunk: {@code y (g - sum)}. */
    private static void chunkGrad(float[] g, int go, float[] y, int yo, float[] o, int oo, float[] s, int m, int v) {
        int j = 0;
        for (; j < v; j += S.length()) {
            FloatVector.fromArray(S, y, yo + j)
                    .mul(FloatVector.fromArray(S, g, go + j).sub(FloatVector.fromArray(S, s, j)))
                    .intoArray(o, oo + j);
        }
        for (; j < m; j++) {
            o[oo + j] = y[yo + j] * (g[go + j] - s[j]);
        }
    }

    /**
     * Log-softmax's gradient over one row of the chunk: {@code fma(exp(y), -sum, g)}, Sleef's exp on the vectors and
     * on the scalar positions before {@code sleefEnd}, the C library's after it.
     */
    private static void chunkLogGrad(float[] g, int go, float[] y, int yo, float[] o, int oo, float[] s, int m, int v,
                                     int sleefEnd) {
        int j = 0;
        for (; j < v; j += S.length()) {
            exp(FloatVector.fromArray(S, y, yo + j))
                    .fma(FloatVector.fromArray(S, s, j).neg(), FloatVector.fromArray(S, g, go + j))
                    .intoArray(o, oo + j);
        }
        for (; j < m; j++) {
            float yv = y[yo + j];
            float e = j < sleefEnd ? SleefFloat.exp(yv) : LibmFloat.exp(yv);
            o[oo + j] = Math.fma(e, -s[j], g[go + j]);
        }
    }

    // ------------------------------------------------------------------ softmax over the last dimension
    //
    // PyTorch's Vectorized<float> is eight floats wide (AVX2), and the order of its reductions is that of eight lane
    // accumulators. The kernels hold one float species (a second one makes C2 box every vector, see
    // VectorHelpersInlineTest), so with sixteen lanes (AVX-512) each vector is two of PyTorch's: lanes 0..7 add the low
    // half, then the high half brought down (HIGH_DOWN); lanes 8..15 are not read. Other widths take the lanes' scalar
    // loop throughout (the same bits).

    /** The vector loops' part of the eight-lane reductions: 16 or 8 lanes, else none. */
    private static final boolean EIGHT_LANE_VECTORS = S.length() == 16 || S.length() == 8;
    /** Lanes 8..15 to lanes 0..7 (with sixteen lanes). */
    private static final VectorShuffle<Float> HIGH_DOWN = VectorShuffle.fromOp(S, i -> i ^ (S.length() == 16 ? 8 : 0));
    /** The NaN {@code vec::maximum} gives: {@code _mm256_max_ps}'s result OR'd with an all-ones unordered mask. */
    private static final float MAX_NAN = Float.intBitsToFloat(-1);

    /** {@code vec::maximum} on one lane: {@code a > b ? a : b} ({@code _mm256_max_ps}), NaN where either is. */
    private static float maximum(float a, float b) {
        return a != a || b != b ? MAX_NAN : a > b ? a : b;
    }

    /**
     * The AVX2 horizontal step of {@code vec::reduce_all} over eight lane accumulators {@code a[0..7]}: lanes
     * (i, i + 4), then (i, i + 2), then (i, i + 1), the kept lane first; {@code max} picks {@code a > b ? a : b}
     * (no NaN left by then), else the sum.
     */
    private static float horizontal(float[] a, boolean max) {
        if (max) {
            float l0 = a[0] > a[4] ? a[0] : a[4];
            float l1 = a[1] > a[5] ? a[1] : a[5];
            float l2 = a[2] > a[6] ? a[2] : a[6];
            float l3 = a[3] > a[7] ? a[3] : a[7];
            l0 = l0 > l2 ? l0 : l2;
            l1 = l1 > l3 ? l1 : l3;
            return l0 > l1 ? l0 : l1;
        }
        return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
    }

    /**
     * {@code vec::reduce_all(vec::maximum)} over {@code x[xo:xo+n]}, from the row's maximum as Java's max folds it
     * ({@code javaMax}, any order: {@link ElementwiseKernels.FloatLoops#extreme}): under eight elements, a left-to-right fold of
     * {@link #maximum}; else eight lane accumulators (lane k takes elements k, k + 8, ... in order) and
     * {@link #horizontal}, which differs from Java's fold only in the NaN's bits (all ones) and the sign of a zero
     * maximum, so only a zero is done again in PyTorch's order. {@code lanes} is a scratch of {@link #softmaxRow}'s.
     */
    static float rowMax(float javaMax, float[] x, int xo, int n, float[] lanes) {
        if (n < 8) {
            float m = x[xo];
            for (int i = 1; i < n; i++) {
                m = maximum(m, x[xo + i]);
            }
            return m;
        }
        if (javaMax != javaMax) {
            return MAX_NAN;
        }
        if (javaMax != 0f) {
            return javaMax;
        }
        for (int k = 0; k < 8; k++) {
            lanes[k] = x[xo + k];
        }
        for (int i = 8; i < n; i++) {
            lanes[i & 7] = maximum(lanes[i & 7], x[xo + i]);
        }
        return horizontal(lanes, true);
    }

    /**
     * Softmax ({@code log} false) or log-softmax of the row {@code x[xo:xo+n]} into {@code o[oo:oo+n]} with PyTorch's
     * bits ({@code _vec_softmax_lastdim}, {@code _vec_log_softmax_lastdim}): given the row's {@link #rowMax}, then
     * {@code e = exp(x - max)} (Sleef's, on every element) summed in float in {@code vec::reduce_all}'s order (eight
     * lanes and {@link #horizontal}; left to right under eight elements), then {@code e * (1 / sum)}, or
     * {@code (x - max) - log(sum)} with Sleef's log. Softmax writes e while summing it (PyTorch writes it, then sums
     * what it wrote: the same values in the same order). {@code lanes} is a scratch of at least 16 floats and the
     * vector width; o is not x.
     */
    static void softmaxRow(float[] x, int xo, float[] o, int oo, int n, boolean log, float max, float[] lanes) {
        float sum;
        if (n < 8) {
            sum = -0f; // -0 + e is e: the sum of the first element is that element, as PyTorch's
            for (int i = 0; i < n; i++) {
                float e = SleefFloat.exp(x[xo + i] - max);
                if (!log) {
                    o[oo + i] = e;
                }
                sum += e;
            }
        } else {
            int bound = EIGHT_LANE_VECTORS ? S.loopBound(n) : 0;
            FloatVector m = FloatVector.broadcast(S, max);
            FloatVector acc = FloatVector.broadcast(S, -0f);
            for (int i = 0; i < bound; i += S.length()) {
                FloatVector e = exp(FloatVector.fromArray(S, x, xo + i).sub(m));
                if (!log) {
                    e.intoArray(o, oo + i);
                }
                acc = acc.add(e);
                if (S.length() == 16) {
                    acc = acc.add(e.rearrange(HIGH_DOWN));
                }
            }
            acc.intoArray(lanes, 0);
            for (int i = bound; i < n; i++) {
                float e = SleefFloat.exp(x[xo + i] - max);
                if (!log) {
                    o[oo + i] = e;
                }
                lanes[i & 7] += e;
            }
            sum = horizontal(lanes, false);
        }
        int bound = S.loopBound(n);
        if (log) {
            float logSum = SleefFloat.log(sum);
            int i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector.fromArray(S, x, xo + i).sub(max).sub(logSum).intoArray(o, oo + i);
            }
            for (; i < n; i++) {
                o[oo + i] = x[xo + i] - max - logSum;
            }
        } else {
            float inv = 1f / sum;
            int i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector.fromArray(S, o, oo + i).mul(inv).intoArray(o, oo + i);
            }
            for (; i < n; i++) {
                o[oo + i] *= inv;
            }
        }
    }

    /**
     * The sum of softmax's backward ({@code log} false) or log-softmax's over the row, with PyTorch's bits
     * ({@code _vec_host_softmax_backward_lastdim}): softmax: {@code sum(g y)} ({@code vec::map2_reduce_all}, eight
     * lanes and {@link #horizontal}, each product after a lane's first added as a fused multiply-add, as PyTorch's
     * build contracts it); log-softmax: {@code sum(g)} ({@code vec::reduce_all}). {@code lanes} is a scratch of at
     * least 16 floats and the vector width. A method of its own: inlined into softmaxBackwardRow, its vector code took
     * C2 past its node cutoff, which left a helper of exp's as a call (its vectors boxed, the row 3x slower).
     */
    static float backwardSum(float[] g, int go, float[] y, int yo, int n, boolean log, float[] lanes) {
        if (n < 8) {
            float sum = log ? g[go] : g[go] * y[yo];
            for (int i = 1; i < n; i++) {
                sum += log ? g[go + i] : g[go + i] * y[yo + i]; // the slow path adds stored products: no contraction
            }
            return sum;
        }
        // -0 + v is v, and fma(g, y, -0) the product g y: a lane's first element is its sum, as PyTorch's
        int bound = EIGHT_LANE_VECTORS ? S.loopBound(n) : 0;
        FloatVector acc = FloatVector.broadcast(S, -0f);
        if (log) {
            for (int i = 0; i < bound; i += S.length()) {
                FloatVector gv = FloatVector.fromArray(S, g, go + i);
                acc = acc.add(gv);
                if (S.length() == 16) {
                    acc = acc.add(gv.rearrange(HIGH_DOWN));
                }
            }
        } else {
            for (int i = 0; i < bound; i += S.length()) {
                FloatVector gv = FloatVector.fromArray(S, g, go + i);
                FloatVector yv = FloatVector.fromArray(S, y, yo + i);
                acc = gv.fma(yv, acc);
                if (S.length() == 16) {
                    acc = gv.rearrange(HIGH_DOWN).fma(yv.rearrange(HIGH_DOWN), acc);
                }
            }
        }
        acc.intoArray(lanes, 0);
        for (int i = bound; i < n; i++) {
            lanes[i & 7] = log ? lanes[i & 7] + g[go + i] : Math.fma(g[go + i], y[yo + i], lanes[i & 7]);
        }
        return horizontal(lanes, false);
    }

    /**
     * The gradient of softmax ({@code log} false) or log-softmax over the row from the incoming gradient
     * {@code g[go:go+n]}, the forward's result {@code y[yo:yo+n]} and their {@link #backwardSum}, into
     * {@code o[oo:oo+n]} with PyTorch's bits: {@code (g - sum) y}, or {@code g - exp(y) sum} with Sleef's exp, the
     * product and difference one fused multiply-add (PyTorch's build contracts them).
     */
    static void softmaxBackwardRow(float[] g, int go, float[] y, int yo, float[] o, int oo, int n, boolean log,
                                   float sum) {
        int bound = S.loopBound(n);
        int i = 0;
        if (log) {
            FloatVector s = FloatVector.broadcast(S, -sum);
            for (; i < bound; i += S.length()) {
                exp(FloatVector.fromArray(S, y, yo + i)).fma(s, FloatVector.fromArray(S, g, go + i)).intoArray(o, oo + i);
            }
            for (; i < n; i++) {
                o[oo + i] = Math.fma(SleefFloat.exp(y[yo + i]), -sum, g[go + i]);
            }
        } else {
            for (; i < bound; i += S.length()) {
                FloatVector.fromArray(S, g, go + i).sub(sum).mul(FloatVector.fromArray(S, y, yo + i))
                        .intoArray(o, oo + i);
            }
            for (; i < n; i++) {
                o[oo + i] = (g[go + i] - sum) * y[yo + i];
            }
        }
    }
}
