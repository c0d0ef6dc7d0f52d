package dev.ember.cpu;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * float32 log and log1p through {@link ElementwiseKernels#logRounded} and {@link ElementwiseKernels#log1pRounded}: the
 * float nearest the result, the same bits as {@code (float) Math.log(x)} and {@code (float) Math.log1p(x)} (what the
 * CPU backend computed before), and the vector loops the same bits as the scalar forms, interpreted and compiled;
 * zero, -1, negatives, NaN and infinities as Math.log and Math.log1p give them. (A probe over every positive float,
 * all 2^31 - 2^23 + 1 of them, found no difference from Math.log's rounded result; see the session-22 note.)
 */
class LogRoundedTest {
    @org.junit.jupiter.api.AfterEach
    void clear() {
        System.clearProperty(SleefFloat.EXACT_PROPERTY);
    }

    private static final float[] EDGES = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
        Math.nextDown(Float.MIN_NORMAL), 1e-30f, 1e-45f, 2f, 0.5f, Math.nextUp(1f), Math.nextDown(1f), 1.4142135f,
        1.4142137f, 0.70710677f, 0.7071068f, (float) Math.E, 10f, 100f, 1000f, 3f, Float.MAX_VALUE, -Float.MAX_VALUE,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0x7fc00001), 1e30f, 0.1f,
        0.99999f, 1.00001f, 65504f, 2.5e-8f};

    private static void assertSameBits(float want, float got, String what) {
        if (Float.floatToIntBits(want) != Float.floatToIntBits(got)) {
            fail(what + ": " + got + " (bits " + Integer.toHexString(Float.floatToRawIntBits(got)) + "), want " + want
                    + " (" + Integer.toHexString(Float.floatToRawIntBits(want)) + ")");
        }
    }

    /** Eight million inputs: uniform over the positive floats' bits, near 1, Gaussian magnitudes; and the edges. */
    @Test
    void scalarFormIsTheNearestFloat() {
        Random rnd = new Random(23);
        for (float x : EDGES) {
            assertSameBits((float) Math.log(x), ElementwiseKernels.logRounded(x), "log(" + x + ")");
        }
        for (int i = 0; i < 8_000_000; i++) {
            float x = i % 4 == 0 ? 1f + (float) (rnd.nextGaussian() * 1e-3)
                    : i % 4 == 1 ? (float) Math.abs(rnd.nextGaussian() * 4)
                    : Float.intBitsToFloat(rnd.nextInt() & 0x7fffffff) * (i % 16 == 3 ? -1 : 1);
            float want = (float) Math.log(x);
            float got = ElementwiseKernels.logRounded(x);
            if (Float.floatToIntBits(want) != Float.floatToIntBits(got)) {
                assertSameBits(want, got, "log(" + x + ")");
            }
        }
        // every power of two and its neighbours; the floats around sqrt(2) times one (the reduction's step)
        for (int k = -149; k <= 127; k++) {
            float x = (float) Math.scalb(1.0, k);
            float s = (float) Math.scalb(Math.sqrt(2), k);
            for (float y : new float[] {Math.nextDown(x), x, Math.nextUp(x), Math.nextDown(s), s, Math.nextUp(s)}) {
                assertSameBits((float) Math.log(y), ElementwiseKernels.logRounded(y), "log(" + y + ")");
            }
        }
        // the 2^23 floats in [1, 2), all of them
        for (int bits = 0x3f800000; bits < 0x40000000; bits++) {
            float x = Float.intBitsToFloat(bits);
            float got = ElementwiseKernels.logRounded(x);
            float want = (float) Math.log(x);
            if (Float.floatToIntBits(want) != Float.floatToIntBits(got)) {
                assertSameBits(want, got, "log(" + x + ")");
            }
        }
    }

    /** log1p: eight million inputs (uniform bits of either sign, tiny, near -1, Gaussian) and the edges. */
    @Test
    void log1pScalarFormIsTheNearestFloat() {
        Random rnd = new Random(29);
        float[] edges = {-1f, Math.nextUp(-1f), -0.5f, 0x1p-29f, Math.nextDown(0x1p-29f), -0x1p-29f, 0x1p-30f, 1e-40f,
            -1e-40f, 2f, -2f, 0x1p24f, 0x1p25f, 1e20f};
        for (float[] set : new float[][] {EDGES, edges}) {
            for (float x : set) {
                assertSameBits((float) Math.log1p(x), ElementwiseKernels.log1pRounded(x), "log1p(" + x + ")");
            }
        }
        for (int i = 0; i < 8_000_000; i++) {
            float x = i % 4 == 0 ? Float.intBitsToFloat(rnd.nextInt())
                    : i % 4 == 1 ? (float) (rnd.nextGaussian() * Math.scalb(1.0, -rnd.nextInt(40)))
                    : i % 4 == 2 ? -1f + (float) Math.scalb(rnd.nextDouble(), -rnd.nextInt(24))
                    : (float) (rnd.nextGaussian() * 3);
            float want = (float) Math.log1p(x);
            float got = ElementwiseKernels.log1pRounded(x);
            if (Float.floatToIntBits(want) != Float.floatToIntBits(got)) {
                assertSameBits(want, got, "log1p(" + x + ")");
            }
        }
    }

    /**
     * The vector loop against the scalar form at odd offsets and lengths (the tails run the scalar form), often
     * enough that the JIT compiles the loop: the interpreted fallback and the compiled lanes give the same bits.
     */
    @Test
    void vectorLoopMatchesTheScalarFormBitForBit() {
        // the correctly rounded path, which the property keeps (PyTorch's bits are SleefFloat's: SleefBitsTest)
        System.setProperty(SleefFloat.EXACT_PROPERTY, "true");
        VectorLoops v = new VectorLoops();
        Random rnd = new Random(7);
        int n = 4099;
        float[] x = new float[n + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < EDGES.length ? EDGES[i] : i % 5 == 0 ? Float.intBitsToFloat(rnd.nextInt())
                    : (float) Math.abs(rnd.nextGaussian() * (i % 3 == 0 ? 1e6 : 3));
        }
        for (int i = 0; i < x.length; i += 7) {
            x[i] = (float) Math.scalb(rnd.nextGaussian(), -rnd.nextInt(40)); // tiny magnitudes: log1p's other branch
        }
        x[x.length - 1] = -1f;
        x[x.length - 2] = -3f;
        for (boolean onePlus : new boolean[] {false, true}) {
            String fn = onePlus ? "log1p(" : "log(";
            float[] want = new float[n];
            for (int i = 0; i < n; i++) {
                want[i] = onePlus ? ElementwiseKernels.log1pRounded(x[3 + i]) : ElementwiseKernels.logRounded(x[3 + i]);
            }
            float[] out = new float[n + 1];
            for (int round = 0; round < 300; round++) {
                int len = round % 2 == 0 ? n : n - round % 7;
                v.log(onePlus, x, 3, out, 1, len);
                for (int i = 0; i < len; i++) {
                    if (Float.floatToIntBits(out[1 + i]) != Float.floatToIntBits(want[i])) {
                        assertSameBits(want[i], out[1 + i], "round " + round + " " + fn + x[3 + i] + ")");
                    }
                }
            }
            float[] self = Arrays.copyOfRange(x, 3, 3 + n);
            v.log(onePlus, self, 0, self, 0, n);
            for (int i = 0; i < n; i++) {
                assertSameBits(want[i], self[i], "in place " + fn + x[3 + i] + ")");
            }
        }
    }
}
