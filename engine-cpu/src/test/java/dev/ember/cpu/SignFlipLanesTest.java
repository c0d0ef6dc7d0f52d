package dev.ember.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Vector API loops whose negations flip the sign bit by an integer XOR (instead of {@code FloatVector.neg()},
 * which JDK 17's C2 compiles slower) against their scalar forms, bit for bit, NaN bits included: SleefBitsTest's
 * stored inputs (special values, every binade's ends, thresholds, random bit patterns) plus signed zeros, infinities,
 * NaNs of either sign and payload, subnormals and random values, over the whole array and over every run length up to
 * 40 (each tail length) at shifted offsets, in place too. SleefBitsTest holds the tanh and log loops to PyTorch
 * 1.13's bits; this test holds each loop to its scalar form on every run length. First: the XOR gives
 * {@code neg()}'s bits on every such value (on x86 {@code neg()} flips a NaN's sign bit too, and keeps its payload).
 */
class SignFlipLanesTest extends SleefPathFixture {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int[] SPECIAL = {0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
        0x7f800001, 0xff812345, 0x7fffffff, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x80800000,
        0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000, 0x42b17218, 0xc2cff1b5, 0x41100000, 0xc1100000};

    /** The stored inputs, the special values and random values (half wide, half near zero). */
    private static float[] inputs() throws IOException {
        float[] stored = bitsToFloats(resourceInts("sleefbits/inputs.bin"));
        Random rnd = new Random(59);
        float[] x = new float[stored.length + SPECIAL.length * 3 + 20011];
        System.arraycopy(stored, 0, x, 0, stored.length);
        int at = stored.length;
        for (int r = 0; r < 3; r++) {
            for (int b : SPECIAL) {
                x[at++] = Float.intBitsToFloat(b);
            }
        }
        for (; at < x.length; at++) {
            x[at] = (float) (rnd.nextGaussian() * (at % 2 == 0 ? 30 : 0.05));
        }
        return x;
    }

    /** A float loop {@code (x, xo, o, oo, n)}. */
    private interface Loop {
        void run(float[] x, int xo, float[] o, int oo, int n);
    }

    /** The scalar form of element i of a run of n. */
    private interface Scalar {
        float at(float v, int i, int n);
    }

    private static void check(String name, float[] x, Loop loop, Scalar scalar) {
        float[] o = new float[x.length];
        loop.run(x, 0, o, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            float want = scalar.at(x[i], i, x.length);
            if (Float.floatToRawIntBits(o[i]) != Float.floatToRawIntBits(want)) {
                fail(name + "(" + x[i] + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(x[i])) + ") at " + i
                        + ": loop 0x" + Integer.toHexString(Float.floatToRawIntBits(o[i])) + ", scalar 0x"
                        + Integer.toHexString(Float.floatToRawIntBits(want)));
            }
        }
        int runs = 0;
        for (int start = 0; start + 40 <= x.length; start += 977) {
            for (int n = 0; n <= 40; n++) {
                boolean inPlace = n % 3 == 0;
                float[] out = inPlace ? x.clone() : new float[n + 5];
                int at = inPlace ? start : 5;
                loop.run(inPlace ? out : x, start, out, at, n);
                for (int i = 0; i < n; i++) {
                    float want = scalar.at(x[start + i], i, n);
                    if (Float.floatToRawIntBits(out[at + i]) != Float.floatToRawIntBits(want)) {
                        fail(name + " run [" + start + ", +" + n + ") at " + i + ": x = " + x[start + i] + ", loop "
                                + out[at + i] + ", scalar " + want);
                    }
                }
                runs++;
            }
        }
        assertTrue(runs > 1000, "runs checked");
    }

    @Test
    void xorGivesNegsBits() throws IOException {
        float[] x = inputs();
        int bound = S.loopBound(x.length);
        int nans = 0;
        for (int rep = 0; rep < 200; rep++) { // into C2 as well
            for (int i = 0; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, i);
                FloatVector neg = v.neg();
                FloatVector xor = v.reinterpretAsInts().lanewise(VectorOperators.XOR, Integer.MIN_VALUE)
                        .reinterpretAsFloats();
                if (!neg.reinterpretAsInts().eq(xor.reinterpretAsInts()).allTrue()) {
                    fail("neg() " + neg + " against the XOR " + xor + " of " + v);
                }
                if (rep == 0) {
                    nans += v.test(VectorOperators.IS_NAN).trueCount();
                }
            }
        }
        assertTrue(nans >= 3 * 6, "NaNs checked: " + nans);
    }

    @Test
    void tanhLoopGivesTheScalarBits() throws IOException {
        assertNotNull(ElementwiseKernels.loops(), "the Vector API loops are not loaded");
        check("tanh", inputs(), VectorSleef::tanh, (v, i, n) -> SleefFloat.tanh(v));
    }

    @Test
    void geluTanhBackwardGivesTheScalarBits() {
        Random rnd = new Random(7);
        int n = 5003;
        float[] x = new float[n];
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian() * 4);
            g[i] = (float) rnd.nextGaussian();
        }
        x[0] = Float.NaN;
        x[1] = -0f;
        x[2] = Float.POSITIVE_INFINITY;
        float[] out = new float[n];
        VectorSleef.geluTanhBackward(g, 0, x, 0, out, 0, n);
        int body = SleefFloat.vectorPart(n);
        for (int i = 0; i < n; i++) {
            float want = i < body ? SleefFloat.geluTanhBackward(g[i], x[i]) : SleefFloat.geluTanhBackwardLibm(g[i], x[i]);
            if (Float.floatToRawIntBits(out[i]) != Float.floatToRawIntBits(want)
                    && !(Float.isNaN(want) && Float.isNaN(out[i]))) {
                fail("gelu_tanh_backward(" + g[i] + ", " + x[i] + "): loop " + out[i] + ", scalar " + want);
            }
        }
        assertEquals(true, Float.isNaN(out[0]), "NaN in, NaN out");
    }
}
