package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
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
}
