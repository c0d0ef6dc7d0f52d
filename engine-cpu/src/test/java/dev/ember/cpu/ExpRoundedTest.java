package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * float32 exp, sigmoid and tanh through {@link ElementwiseKernels#expRounded} and
 * {@link ElementwiseKernels#tanhRounded}: the float nearest the result, the same bits as {@code (float) Math.exp(x)}
 * and {@code (float) Math.tanh(x)} (what the CPU backend computed before), and the vector loops the same bits as the
 * scalar forms, interpreted and compiled.
 */
class ExpRoundedTest {
    @org.junit.jupiter.api.AfterEach
    void clear() {
        System.clearProperty(SleefFloat.EXACT_PROPERTY);
    }

    private static final float[] EDGES = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, -1e-30f,
        88.72283f, 88.72284f, 89f, -87.33654f, -87.33655f, -103.97207f, -103.97208f, -103.9721f, -104f, -110f, 100f,
        -150f, 1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.NaN, Float.intBitsToFloat(0x7fc00001), 0.5f * (float) Math.log(2), (float) Math.log(2), 0.17328679f,
        -0.17328679f, 9.01f, -9.011f, 20f, 40f, 41f, -45f, 1e-20f, -3e-39f, 0.55f, 0.34657359f};

    private static void assertSameBits(float want, float got, String what) {
        if (Float.floatToIntBits(want) != Float.floatToIntBits(got)) {
            fail(what + ": " + got + " (bits " + Integer.toHexString(Float.floatToRawIntBits(got)) + "), want " + want
                    + " (" + Integer.toHexString(Float.floatToRawIntBits(want)) + ")");
        }
    }

    /** Four million inputs over the whole range where the result is neither 0 nor infinite, and the edges. */
    @Test
    void scalarFormIsTheNearestFloat() {
        Random rnd = new Random(17);
        for (float x : EDGES) {
            assertSameBits((float) Math.exp(x), ElementwiseKernels.expRounded(x), "exp(" + x + ")");
        }
        for (int i = 0; i < 4_000_000; i++) {
            float x = i % 4 == 0 ? (float) (rnd.nextDouble() * 194 - 105)
                    : i % 4 == 1 ? (float) (rnd.nextGaussian() * 4)
                    // uniform over the bits: small magnitudes too
                    : Float.intBitsToFloat(rnd.nextInt() & 0x7fffffff) * (rnd.nextBoolean() ? 1 : -1);
            float want = (float) Math.exp(x);
            float got = ElementwiseKernels.expRounded(x);
            if (Float.floatToIntBits(want) != Float.floatToIntBits(got)) {
                assertSameBits(want, got, "exp(" + x + ")");
            }
        }
        // the float just below and above each power-of-two result near the ends of the range
        for (int k = -149; k <= 127; k++) {
            float x = (float) (k * Math.log(2));
            for (float y : new float[] {Math.nextDown(x), x, Math.nextUp(x)}) {
                assertSameBits((float) Math.exp(y), ElementwiseKernels.expRounded(y), "exp(" + y + ")");
            }
        }
    }

    @Test
    void tanhIsTheNearestFloat() {
        Random rnd = new Random(19);
        for (float x : EDGES) {
            assertSameBits((float) Math.tanh(x), ElementwiseKernels.tanhRounded(x), "tanh(" + x + ")");
        }
        for (int i = 0; i < 4_000_000; i++) {
            float x = i % 4 == 0 ? (float) (rnd.nextDouble() * 24 - 12)
                    : i % 4 == 1 ? (float) (rnd.nextGaussian() * 0.5)
                    : Float.intBitsToFloat(rnd.nextInt() & 0x7fffffff) * (rnd.nextBoolean() ? 1 : -1);
            float want = (float) Math.tanh(x);
            float got = ElementwiseKernels.tanhRounded(x);
            if (Float.floatToIntBits(want) != Float.floatToIntBits(got)) {
                assertSameBits(want, got, "tanh(" + x + ")");
            }
        }
        // around the reduction's steps: 2|x| at each multiple of ln2 / 2
        for (int k = 1; k < 120; k++) {
            float x = (float) (k * Math.log(2) / 4);
            for (float y : new float[] {Math.nextDown(x), x, Math.nextUp(x), -x}) {
                assertSameBits((float) Math.tanh(y), ElementwiseKernels.tanhRounded(y), "tanh(" + y + ")");
            }
        }
    }

    @Test
    void sigmoidIsOneOverOnePlusExpInFloat() {
        for (float x : EDGES) {
            assertSameBits(1f / (1f + (float) Math.exp(-x)), ElementwiseKernels.sigmoidFloat(x), "sigmoid(" + x + ")");
        }
        assertEquals(0.5f, ElementwiseKernels.sigmoidFloat(0f));
        assertEquals(0f, ElementwiseKernels.sigmoidFloat(-200f));
        assertEquals(1f, ElementwiseKernels.sigmoidFloat(200f));
    }

    /**
     * The vector loops against the scalar form at odd offsets and lengths (the tails run the scalar form), often
     * enough that the JIT compiles the loops: the interpreted fallback and the compiled lanes give the same bits.
     */
    @Test
    void vectorLoopsMatchTheScalarFormBitForBit() {
        // the correctly rounded path, which the property keeps (PyTorch's bits are SleefFloat's: SleefBitsTest)
        System.setProperty(SleefFloat.EXACT_PROPERTY, "true");
        VectorLoops v = new VectorLoops();
        Random rnd = new Random(5);
        int n = 4099;
        float[] x = new float[n + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < EDGES.length ? EDGES[i] : (rnd.nextFloat() * 2 - 1) * (i % 3 == 0 ? 110 : 8);
        }
        float[] wantExp = new float[n];
        float[] wantSigmoid = new float[n];
        float[] wantTanh = new float[n];
        for (int i = 0; i < n; i++) {
            wantExp[i] = ElementwiseKernels.expRounded(x[3 + i]);
            wantSigmoid[i] = ElementwiseKernels.sigmoidFloat(x[3 + i]);
            wantTanh[i] = ElementwiseKernels.tanhRounded(x[3 + i]);
        }
        float[] out = new float[n + 1];
        for (int round = 0; round < 300; round++) {
            int len = round % 2 == 0 ? n : n - round % 7;
            v.exp(x, 3, out, 1, len);
            for (int i = 0; i < len; i++) {
                if (Float.floatToIntBits(out[1 + i]) != Float.floatToIntBits(wantExp[i])) {
                    assertSameBits(wantExp[i], out[1 + i], "round " + round + " exp(" + x[3 + i] + ")");
                }
            }
            v.sigmoid(x, 3, out, 1, len);
            for (int i = 0; i < len; i++) {
                if (Float.floatToIntBits(out[1 + i]) != Float.floatToIntBits(wantSigmoid[i])) {
                    assertSameBits(wantSigmoid[i], out[1 + i], "round " + round + " sigmoid(" + x[3 + i] + ")");
                }
            }
            v.tanh(x, 3, out, 1, len);
            for (int i = 0; i < len; i++) {
                if (Float.floatToIntBits(out[1 + i]) != Float.floatToIntBits(wantTanh[i])) {
                    assertSameBits(wantTanh[i], out[1 + i], "round " + round + " tanh(" + x[3 + i] + ")");
                }
            }
        }
        // in place
        float[] self = Arrays.copyOfRange(x, 3, 3 + n);
        v.exp(self, 0, self, 0, n);
        for (int i = 0; i < n; i++) {
            assertSameBits(wantExp[i], self[i], "in place exp(" + x[3 + i] + ")");
        }
    }
}
