package dev.ember.cpu;

import dev.ember.backend.AvxMathfunConstants;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.ember.backend.AvxMathfunConstants.COS_P0;
import static dev.ember.backend.AvxMathfunConstants.COS_P1;
import static dev.ember.backend.AvxMathfunConstants.COS_P2;
import static dev.ember.backend.AvxMathfunConstants.DP1;
import static dev.ember.backend.AvxMathfunConstants.DP2;
import static dev.ember.backend.AvxMathfunConstants.DP3;
import static dev.ember.backend.AvxMathfunConstants.FOPI;
import static dev.ember.backend.AvxMathfunConstants.LOG_Q1;
import static dev.ember.backend.AvxMathfunConstants.LOG_Q2;
import static dev.ember.backend.AvxMathfunConstants.SIN_P0;
import static dev.ember.backend.AvxMathfunConstants.SIN_P1;
import static dev.ember.backend.AvxMathfunConstants.SIN_P2;
import static dev.ember.backend.AvxMathfunConstants.SQRTHF;
import static dev.ember.backend.AvxMathfunConstants.TWO_PI;

/**
 * ATen's {@code normal_fill_16_AVX2} on float lanes (the preferred species, eight of a run's sixteen numbers at a
 * time or more runs side by side), as PyTorch's AVX2 build computes it: avx_mathfun's
 * {@code log256_ps} and {@code sincos256_ps} with GCC's fused multiply-adds, the same operations in the same order as
 * the scalar port in engine-api ({@code TorchCpuRandom.AvxMathfun}), each an IEEE operation on floats (the lanes'
 * products, sums, fused multiply-adds, square roots, comparisons, blends and casts round as Java's scalar ones), so the
 * bits are the scalar port's (RandomMt19937VectorFillTest compares them).
 */
final class VectorNormalFill implements NormalFill {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, S.vectorShape());
    private static final int L = S.length();
    private static final float[] LOG_P = AvxMathfunConstants.logP();
    /** {@code -Dember.normalFill.convertCasts=true}: the lanes' float-int casts through {@code convert} (the old path). */
    static final String OLD_CASTS_PROPERTY = "ember.normalFill.convertCasts";

    @Override
    public void blocks(float[] d, int at, int blocks, float mean, float std) {
        boolean oldCasts = Boolean.getBoolean(OLD_CASTS_PROPERTY);
        // the lanes are the preferred species' (the one float species of the CPU kernels: a second one slows every
        // kernel on JDK 17, RESULTS.md session 15); a group of runs has its radius numbers gathered into u1 and its
        // angle numbers into u2, eight of each per run, a whole number of vectors
        int perGroup = Math.max(1, L / 8);
        int groups = blocks / perGroup;
        int len = 8 * perGroup;
        float[] u1 = new float[Math.max(len, L)];
        float[] u2 = new float[u1.length];
        for (int g = 0; g < groups; g++) {
            int first = at + 16 * perGroup * g;
            for (int k = 0; k < perGroup; k++) {
                System.arraycopy(d, first + 16 * k, u1, 8 * k, 8);
                System.arraycopy(d, first + 16 * k + 8, u2, 8 * k, 8);
            }
            for (int i = 0; i < len; i += L) {
                transform(u1, u2, i, mean, std, oldCasts);
            }
            for (int k = 0; k < perGroup; k++) {
                System.arraycopy(u1, 8 * k, d, first + 16 * k, 8);
                System.arraycopy(u2, 8 * k, d, first + 16 * k + 8, 8);
            }
        }
        for (int b = groups * perGroup; b < blocks; b++) {
            scalarBlock(d, at + 16 * b, mean, std, oldCasts); // fewer runs than a group's
        }
    }

    /** Lanes {@code i} onward of u1 (radius numbers) and u2 (angle numbers) become the cosine and sine results. */
    private static void transform(float[] u1, float[] u2, int i, float mean, float std, boolean oldCasts) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector r1 = one.sub(FloatVector.fromArray(S, u1, i));
        FloatVector radius = log(r1, oldCasts).mul(-2f).lanewise(VectorOperators.SQRT);
        FloatVector x = FloatVector.fromArray(S, u2, i).mul(TWO_PI);
        // sincos: avx_mathfun's sincos256_ps
        VectorMask<Float> signSin = x.reinterpretAsInts().and(0x80000000).compare(VectorOperators.NE, 0).cast(S);
        x = x.abs();
        FloatVector y = x.mul(FOPI);
        IntVector j;
        if (oldCasts) {
            j = (IntVector) y.convert(VectorOperators.F2I, 0);
            j = j.add(1).and(~1);
            y = (FloatVector) j.convert(VectorOperators.I2F, 0);
        } else {
            // Java's (int) y lane-wise, y in [0, 8): JDK 17's C2 has no float-to-int vector cast (convert(F2I) ran its
            // element-by-element fallback, boxed vectors, 100 ns a number: JFR showed randn's whole fill there).
            // Below 2^22, y + 2^23 rounds y to the nearest integer in its low bits; one less where that rounded up is
            // the truncation. A lane outside [0, 2^22), or NaN, takes the cast. Written out here, not as a method of
            // its own: log's lanes fill C2's node budget for this method (NodeCountInliningCutoff), so such a method
            // stayed a call taking and returning boxed vectors, whose operations, on the abstract FloatVector /
            // IntVector types there, ran the Java fallbacks (8 MB of arrays a [16,128,512] randn, session 60)
            if (y.compare(VectorOperators.LT, 0x1p22f).and(y.compare(VectorOperators.GE, 0f)).not().anyTrue()) {
                j = (IntVector) y.convertShape(VectorOperators.F2I, IS, 0);
            } else {
                FloatVector t = y.add(0x1p23f);
                IntVector rounded = t.reinterpretAsInts().sub(Float.floatToRawIntBits(0x1p23f));
                j = rounded.sub(1, t.sub(0x1p23f).compare(VectorOperators.GT, y).cast(IS));
            }
            j = j.add(1).and(~1);
            y = (FloatVector) j.convertShape(VectorOperators.I2F, S, 0);
        }
        VectorMask<Float> swapSin = j.and(4).compare(VectorOperators.NE, 0).cast(S);
        VectorMask<Float> sinPoly = j.and(2).compare(VectorOperators.EQ, 0).cast(S);
        x = y.fma(FloatVector.broadcast(S, DP1), x);
        x = y.fma(FloatVector.broadcast(S, DP2), x);
        x = y.fma(FloatVector.broadcast(S, DP3), x);
        VectorMask<Float> signCos = j.sub(2).not().and(4).compare(VectorOperators.NE, 0).cast(S);
        signSin = signSin.eq(swapSin).not(); // exclusive or
        FloatVector z = x.mul(x);
        FloatVector yc = FloatVector.broadcast(S, COS_P0).fma(z, FloatVector.broadcast(S, COS_P1));
        yc = yc.fma(z, FloatVector.broadcast(S, COS_P2));
        FloatVector ycz = yc.mul(z);
        yc = ycz.fma(z, z.mul(0.5f).neg());
        yc = yc.add(1f);
        FloatVector ys = FloatVector.broadcast(S, SIN_P0).fma(z, FloatVector.broadcast(S, SIN_P1));
        ys = ys.fma(z, FloatVector.broadcast(S, SIN_P2));
        ys = ys.mul(z);
        ys = ys.fma(x, x);
        FloatVector sv = yc.blend(ys, sinPoly);
        FloatVector cv = ys.blend(yc, sinPoly);
        FloatVector sin = sv.blend(sv.neg(), signSin);
        FloatVector cos = cv.blend(cv.neg(), signCos);
        radius.mul(cos).fma(std, mean).intoArray(u1, i);
        radius.mul(sin).fma(std, mean).intoArray(u2, i);
    }

    /** One run of 16 in scalar code, the same operations as the lanes (and as engine-api's scalar port). */
    private static void scalarBlock(float[] d, int at, float mean, float std, boolean oldCasts) {
        int len = Math.max(L, 8);
        float[] u1 = new float[len];
        float[] u2 = new float[len];
        System.arraycopy(d, at, u1, 0, 8);
        System.arraycopy(d, at + 8, u2, 0, 8);
        // the spare lanes hold zeros: log(1 - 0) and sincos(0) are finite, and their results are dropped
        for (int i = 0; i < len; i += L) {
            transform(u1, u2, i, mean, std, oldCasts);
        }
        System.arraycopy(u1, 0, d, at, 8);
        System.arraycopy(u2, 0, d, at + 8, 8);
    }

    /** avx_mathfun's log on the lanes: NaN where x <= 0. */
    private static FloatVector log(FloatVector x, boolean oldCasts) {
        VectorMask<Float> invalid = x.compare(VectorOperators.LE, 0f);
        x = x.max(Float.MIN_NORMAL);
        IntVector bits = x.reinterpretAsInts();
        IntVector exponent = bits.lanewise(VectorOperators.LSHR, 23).sub(0x7f);
        FloatVector e = ((FloatVector) (oldCasts ? exponent.convert(VectorOperators.I2F, 0)
                : exponent.convertShape(VectorOperators.I2F, S, 0))).add(1f);
        x = bits.and(~0x7f800000).or(Float.floatToRawIntBits(0.5f)).reinterpretAsFloats();
        VectorMask<Float> below = x.compare(VectorOperators.LT, SQRTHF);
        FloatVector zero = FloatVector.zero(S);
        FloatVector tmp = zero.blend(x, below);
        x = x.sub(1f);
        e = e.sub(zero.blend(1f, below));
        x = x.add(tmp);
        FloatVector z = x.mul(x);
        FloatVector y = FloatVector.broadcast(S, LOG_P[0]);
        for (int i = 1; i < LOG_P.length; i++) {
            y = y.fma(x, FloatVector.broadcast(S, LOG_P[i]));
        }
        FloatVector yx = y.mul(x);
        y = yx.fma(z, e.mul(LOG_Q1));
        y = FloatVector.broadcast(S, -0.5f).fma(z, y);
        x = x.add(y);
        x = e.fma(FloatVector.broadcast(S, LOG_Q2), x);
        return x.blend(Float.NaN, invalid);
    }
}
