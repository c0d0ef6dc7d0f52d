package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link QuantizedKernels.Requantize} on the Vector API: FBGEMM's requantization of exact integer sums held as floats
 * into the output's carrier values, lane by lane with the scalar path's results. {@code r = (sum + bias) * multiplier}
 * in float as the scalar path; a NaN or a value from 2^31 up (which CVTPS2DQ turns into int32's minimum) becomes
 * -65536, and {@code r} is clamped to [-65536, 65536] (beyond, the int16 saturations and the clamp to [0, 255] give
 * the same 0 or 255); it is then rounded half to even by adding and
 * subtracting {@code 1.5 * 2^23} (exact for magnitudes below 2^22); {@code q = clamp(rounded + zero_point, floor, 255)}
 * (the two int16 saturations of the scalar path cannot change a value that ends in [0, 255]); the carrier is
 * {@code (q - zero_point) * outScale}, both exact float steps of the scalar path.
 */
final class VectorRequantize implements QuantizedKernels.Requantize {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final float ROUNDER = 12582912f; // 1.5 * 2^23

    VectorRequantize() {
        VectorProfiles.seedOnce();
    }

    @Override
    public void carrier(float[] sums, int from, int to, boolean hasBias, float bias, float multiplier, int outZero,
                        int floor, float outScale, float[] dst, int dstOff) {
        int lanes = S.length();
        int end = from + (to - from) / lanes * lanes;
        float b = hasBias ? bias : 0f;
        float z = outZero;
        float lo = floor;
        int i = from;
        for (; i < end; i += lanes) {
            FloatVector v = FloatVector.fromArray(S, sums, i);
            one(v, hasBias, b, multiplier, z, lo, outScale).intoArray(dst, dstOff + i - from);
        }
        QuantizedKernels.carrierScalar(sums, i, to, hasBias, bias, multiplier, outZero, floor, outScale, dst,
            dstOff + i - from);
    }

    @Override
    public void carrierRow(float[] sums, int from, int n, float[] biases, float[] multipliers, int outZero, int floor,
                           float outScale, float[] dst, int dstOff) {
        int lanes = S.length();
        int end = n / lanes * lanes;
        float z = outZero;
        float lo = floor;
        int j = 0;
        for (; j < end; j += lanes) {
            FloatVector f = FloatVector.fromArray(S, sums, from + j).add(FloatVector.fromArray(S, biases, j));
            rest(f.mul(FloatVector.fromArray(S, multipliers, j)), z, lo, outScale).intoArray(dst, dstOff + j);
        }
        QuantizedKernels.carrierRowScalar(sums, from, j, n, biases, multipliers, outZero, floor, outScale, dst, dstOff);
    }

    private static FloatVector one(FloatVector sum, boolean hasBias, float bias, float multiplier, float z, float lo,
                                   float outScale) {
        FloatVector f = hasBias ? sum.add(bias) : sum;
        return rest(f.mul(multiplier), z, lo, outScale);
    }

    /** From {@code r = (sum + bias) * multiplier} on: the rounding, saturations and the carrier's value. */
    private static FloatVector rest(FloatVector r, float z, float lo, float outScale) {
        // CVTPS2DQ gives int32's minimum for a NaN and from 2^31 up: the floor, as -65536 gives it
        // (r < 2^31 is false for both; Java 17's IS_NAN test is not intrinsic and would box every vector)
        VectorMask<Float> ok = r.compare(VectorOperators.LT, 0x1p31f);
        r = FloatVector.broadcast(S, -65536f).blend(r, ok).max(-65536f).min(65536f);
        FloatVector rounded = r.add(ROUNDER).sub(ROUNDER);
        FloatVector q = rounded.add(z).min(255f).max(lo);
        return q.sub(z).mul(outScale);
    }
}
