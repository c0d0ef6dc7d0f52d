package dev.ember.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * glibc's complex64 {@code cexpf} ({@link ComplexKernels#cexpF}) on the Vector API, for the whole vectors of a
 * contiguous run of interleaved pairs whose real parts lie below 88 in magnitude and imaginary parts below 120 (where
 * glibc's {@code expf} and {@code sincosf} take no special branch and {@code cexpf} does not scale): each pair as the
 * scalar form computes it, in double lanes ({@link LibmFloat#exp}: its 32-entry table read entry by entry; {@link
 * LibmFloat#sincos}: the fast reduction's quadrant {@code ((int) r + 0x800000) >> 24} by exact rounding steps in
 * double, the polynomials with the FMA build's fused multiply-adds), every rounding to float where the scalar form
 * rounds, the two float products exact in double and rounded once (the float product's bits). A vector with any
 * other pair (larger, infinite, NaN) takes the scalar form. Everything is written inline in one method: with helper
 * methods, C2 reached its node-count inlining cutoff and left a helper's vectors boxed, slower than the scalar form.
 * Loaded only through {@link VectorLoops}.
 */
final class VectorLibm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, S.vectorShape());
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, S.vectorShape());

    /** The real parts (even lanes), then the imaginary parts (odd lanes), into the low half. */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> 2 * i % S.length());
    private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(S, i -> (2 * i + 1) % S.length());
    /** Lane i takes lane i / 2 (the low half's results spread to pairs). */
    private static final VectorShuffle<Float> SPREAD = VectorShuffle.fromOp(S, i -> i / 2);
    private static final VectorMask<Float> IMAG_LANES = VectorMask.fromLong(S, 0xaaaa_aaaa_aaaa_aaaaL);
    /** The vector path's bounds per lane: |re| below 88 (expf's fast path), |im| below 120 (sincosf's). */
    private static final FloatVector BOUNDS = FloatVector.broadcast(S, 0x1.6p6f).blend(120f, IMAG_LANES);
    /** 1.5 * 2^52: adding and subtracting it rounds a double below 2^51 to an integer (ties to even). */
    private static final double MAGIC = 0x1.8p52;

    private VectorLibm() {
    }

    /**
     * {@code -Dember.complex.cexpGather=true} (read at each call, for before/after timings): {@link #cexp} reads
     * {@code expf}'s table by the Vector API's gather, as before session 58, instead of entry by entry.
     */
    private static boolean gatherTable() {
        return Boolean.getBoolean("ember.complex.cexpGather");
    }

    /**
     * {@code o[oo..]} = cexpf of the first whole vectors of {@code n} contiguous pairs at {@code x[xo..]}; returns how
     * many pairs it did.
     */
    static int cexp(float[] x, int xo, float[] o, int oo, int n) {
        int bound = S.loopBound(2 * n);
        int[] index = new int[IS.length()];
        boolean gather = gatherTable();
        long[] keys = new long[DS.length()];
        double[] entries = new double[DS.length()];
        for (int i = 0; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            if (!v.abs().compare(VectorOperators.LT, BOUNDS).allTrue()) {
                for (int k = i; k < i + S.length(); k += 2) {
                    ComplexKernels.cexpF(x[xo + k], x[xo + k + 1], o, oo + k);
                }
                continue;
            }
            // expf of the real parts (LibmFloat.exp without its special branches)
            DoubleVector a = (DoubleVector) v.rearrange(EVEN).convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector z = a.mul(LibmFloat.INV_LN2_N);
            DoubleVector kd = a.fma(LibmFloat.INV_LN2_N, LibmFloat.SHIFT);
            LongVector ki = kd.reinterpretAsLongs();
            DoubleVector r = z.sub(kd.sub(LibmFloat.SHIFT));
            DoubleVector entry;
            if (gather) {
                ((IntVector) ki.and(31L).convertShape(VectorOperators.L2I, IS, 0)).intoArray(index, 0);
                entry = DoubleVector.fromArray(DS, LibmFloat.EXP2F_TABLE_D, 0, index, 0);
            } else {
                // the table's entries read one by one: the gather's index vector is a half-width int species, which
                // C2 does not intrinsify where the doubles are 4 lanes (AVX2): 32 bytes boxed a vector (4 MB a call)
                ki.intoArray(keys, 0);
                for (int k = 0; k < keys.length; k++) {
                    entries[k] = LibmFloat.EXP2F_TABLE_D[(int) keys[k] & 31];
                }
                entry = DoubleVector.fromArray(DS, entries, 0);
            }
            DoubleVector s = entry.reinterpretAsLongs().add(ki.lanewise(VectorOperators.LSHL, 47)).reinterpretAsDoubles();
            DoubleVector p = r.fma(LibmFloat.C0, LibmFloat.C1);
            DoubleVector ey = p.fma(r.mul(r), r.fma(LibmFloat.C2, 1.0));
            DoubleVector e = (DoubleVector) ey.mul(s).convertShape(VectorOperators.D2F, S, 0)
                    .convertShape(VectorOperators.F2D, DS, 0);
            // sincosf of the imaginary parts: n = ((int) t + 0x800000) >> 24 for t = y 2^24 2/pi (|t| < 2^31), by
            // rounding t to an integer and stepping to the truncation, then flooring (that + 2^23) 2^-24
            DoubleVector y = (DoubleVector) v.rearrange(ODD).convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector t = y.mul(LibmFloat.HPI_INV);
            DoubleVector tn = t.add(MAGIC).sub(MAGIC);
            DoubleVector trunc = tn.blend(tn.sub(1.0), tn.compare(VectorOperators.GT, t).and(t.compare(VectorOperators.GE, 0.0)))
                    .blend(tn.add(1.0), tn.compare(VectorOperators.LT, t).and(t.compare(VectorOperators.LT, 0.0)));
            DoubleVector m = trunc.add(0x1p23).mul(0x1p-24);
            DoubleVector mn = m.add(MAGIC).sub(MAGIC);
            DoubleVector nd = mn.blend(mn.sub(1.0), mn.compare(VectorOperators.GT, m));
            LongVector q = nd.add(MAGIC).reinterpretAsLongs(); // n in the low bits
            DoubleVector xr = nd.neg().fma(DoubleVector.broadcast(DS, LibmFloat.HPI), y);
            VectorMask<Double> flip = q.add(1L).and(2L).compare(VectorOperators.NE, 0L).cast(DS);
            VectorMask<Double> negCos = q.and(2L).compare(VectorOperators.NE, 0L).cast(DS);
            VectorMask<Double> odd = q.and(1L).compare(VectorOperators.NE, 0L).cast(DS);
            DoubleVector xs = xr.blend(xr.neg(), flip);
            DoubleVector x2 = xr.mul(xr);
            DoubleVector sign = DoubleVector.broadcast(DS, 1.0).blend(-1.0, negCos);
            DoubleVector x4 = x2.mul(x2);
            DoubleVector x3 = x2.mul(xs);
            DoubleVector cc2 = x2.fma(sign.mul(LibmFloat.SC4), sign.mul(LibmFloat.SC3));
            DoubleVector s1 = x2.fma(LibmFloat.SS3, LibmFloat.SS2);
            DoubleVector cc1 = x2.fma(sign.mul(LibmFloat.SC1), sign);
            DoubleVector x5 = x3.mul(x2);
            DoubleVector x6 = x4.mul(x2);
            DoubleVector sp = x3.fma(DoubleVector.broadcast(DS, LibmFloat.SS1), xs);
            DoubleVector cp = x4.fma(sign.mul(LibmFloat.SC2), cc1);
            DoubleVector sinPoly = (DoubleVector) x5.fma(s1, sp).convertShape(VectorOperators.D2F, S, 0)
                    .convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector cosPoly = (DoubleVector) x6.fma(cc2, cp).convertShape(VectorOperators.D2F, S, 0)
                    .convertShape(VectorOperators.F2D, DS, 0);
            // an odd quadrant swaps them; below 2^-12 sincosf (and below FLT_MIN cexpf) takes (y, 1)
            VectorMask<Double> tiny = y.abs().compare(VectorOperators.LT, 0x1p-12);
            DoubleVector sin = sinPoly.blend(cosPoly, odd).blend(y, tiny);
            DoubleVector cos = cosPoly.blend(sinPoly, odd).blend(1.0, tiny);
            FloatVector re = (FloatVector) e.mul(cos).convertShape(VectorOperators.D2F, S, 0);
            FloatVector im = (FloatVector) e.mul(sin).convertShape(VectorOperators.D2F, S, 0);
            re.rearrange(SPREAD).blend(im.rearrange(SPREAD), IMAG_LANES).intoArray(o, oo + i);
        }
        return bound / 2;
    }
}
