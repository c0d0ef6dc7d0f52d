package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The exchange of each complex pair's parts that VectorLoops' complex add, product and quotient loops make by
 * whole-long shifts ({@code (l << 32) | (l >>> 32)} on the pair's long lane, session 59; before, {@code rearrange(i ^
 * 1)}): lane i gets lane {@code i ^ 1}'s bits exactly, NaNs of either sign and payload, signed zeros, infinities,
 * subnormals and random bit patterns included, on the first calls and after C2 has compiled the loop. (The
 * rearrangement gave the same bits once compiled, but its Java fallback, before C2, returned the canonical NaN for
 * every NaN lane: the shifts move bits in every tier.) The loops' results are held to PyTorch's and the scalar forms
 * by ComplexAddLoopTest, ComplexMulBitsTest and ComplexDivKernelTest.
 */
class PairSwapTest {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Counts the lanes where the shifts do not give lane {@code i ^ 1}'s bits. */
    private static int mismatches(float[] x, float[] o) {
        int bound = S.loopBound(x.length);
        for (int i = 0; i < bound; i += S.length()) {
            LongVector l = FloatVector.fromArray(S, x, i).reinterpretAsLongs();
            l.lanewise(VectorOperators.LSHL, 32).or(l.lanewise(VectorOperators.LSHR, 32)).reinterpretAsFloats()
                    .intoArray(o, i);
        }
        int bad = 0;
        for (int i = 0; i < bound; i++) {
            bad += Float.floatToRawIntBits(o[i]) != Float.floatToRawIntBits(x[i ^ 1]) ? 1 : 0;
        }
        return bad;
    }

    @Test
    void shiftsExchangeEachPairsBits() {
        int[] special = {0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001,
            0xff812345, 0x00000001, 0x807fffff, 0x3f800000, 0xbf800000};
        Random rnd = new Random(59);
        float[] x = new float[4096 + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < 4 * special.length ? Float.intBitsToFloat(special[(i * 7) % special.length])
                    : Float.intBitsToFloat(rnd.nextInt());
        }
        float[] o = new float[x.length];
        for (int calls = 0; calls < 3000; calls++) {
            int bad = mismatches(x, o);
            if (bad != 0) {
                fail(bad + " lanes differ after " + calls + " calls");
            }
        }
        int nans = 0;
        for (float v : x) {
            nans += Float.isNaN(v) ? 1 : 0;
        }
        assertTrue(nans >= 16, "NaN lanes checked: " + nans);
    }

    private static final VectorMask<Float> IMAG = VectorMask.fromLong(S, 0xaaaa_aaaa_aaaa_aaaaL);
    private static final VectorMask<Float> REAL = IMAG.not();

    /**
     * Session 60's split of two vectors of pairs into their parts and the join back, as VectorLoops' complex product
     * and quotient loops write them: counts the lanes whose bits differ from pair {@code k} of the first vector (lane
     * {@code 2k} of a part) and pair {@code k} of the second (lane {@code 2k + 1}), and, joined, from the input.
     */
    private static int splitMismatches(float[] x, float[] re, float[] im, float[] o) {
        int step = 2 * S.length();
        int bound = x.length / step * step;
        for (int i = 0; i < bound; i += step) {
            FloatVector v0 = FloatVector.fromArray(S, x, i);
            FloatVector v1 = FloatVector.fromArray(S, x, i + S.length());
            FloatVector r = v0.blend(v1.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsFloats(),
                    IMAG);
            FloatVector m = v1.blend(v0.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsFloats(),
                    REAL);
            r.intoArray(re, i / 2);
            m.intoArray(im, i / 2);
            r.blend(m.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 32).reinterpretAsFloats(), IMAG)
                    .intoArray(o, i);
            m.blend(r.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32).reinterpretAsFloats(), REAL)
                    .intoArray(o, i + S.length());
        }
        int bad = 0;
        int half = S.length() / 2;
        for (int i = 0; i < bound; i += step) {
            for (int k = 0; k < half; k++) {
                for (int v = 0; v < 2; v++) {
                    int pair = i + v * S.length() + 2 * k;
                    int lane = i / 2 + 2 * k + v;
                    bad += Float.floatToRawIntBits(re[lane]) != Float.floatToRawIntBits(x[pair]) ? 1 : 0;
                    bad += Float.floatToRawIntBits(im[lane]) != Float.floatToRawIntBits(x[pair + 1]) ? 1 : 0;
                }
            }
        }
        for (int i = 0; i < bound; i++) {
            bad += Float.floatToRawIntBits(o[i]) != Float.floatToRawIntBits(x[i]) ? 1 : 0;
        }
        return bad;
    }

    @Test
    void splitIntoPartsAndJoinKeepEveryBit() {
        int[] special = {0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001,
            0xff812345, 0x00000001, 0x807fffff, 0x3f800000, 0xbf800000};
        Random rnd = new Random(60);
        float[] x = new float[4096 + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < 4 * special.length ? Float.intBitsToFloat(special[(i * 5) % special.length])
                    : Float.intBitsToFloat(rnd.nextInt());
        }
        float[] re = new float[x.length / 2];
        float[] im = new float[x.length / 2];
        float[] o = new float[x.length];
        for (int calls = 0; calls < 3000; calls++) {
            int bad = splitMismatches(x, re, im, o);
            if (bad != 0) {
                fail(bad + " lanes differ after " + calls + " calls");
            }
        }
        int nans = 0;
        for (float v : x) {
            nans += Float.isNaN(v) ? 1 : 0;
        }
        assertTrue(nans >= 16, "NaN lanes checked: " + nans);
    }
}
