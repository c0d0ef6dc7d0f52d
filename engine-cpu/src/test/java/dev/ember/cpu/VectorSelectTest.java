package dev.ember.cpu;

import dev.ember.backend.BinaryOp;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Vector API forms of relu, maximum, minimum and ReLU's backward give the scalar kernels' bits, and the scalar
 * kernels give C++'s selections (x < 0 ? 0 : x, std::max, std::min, y <= 0 ? 0 : x with NaN propagated): signed
 * zeros and NaN included, at offsets, with tails, and with the output aliasing an input.
 */
class VectorSelectTest {
    private static final float[] EDGE = {0f, -0f, 1f, -1f, 0.5f, -2f, Float.NaN, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, Float.intBitsToFloat(0xffc00000)};

    /** The C++ definitions, written with branches. */
    private static float reference(BinaryOp op, float x, float y) {
        switch (op) {
            case MAXIMUM: return Float.isNaN(x) || Float.isNaN(y) ? Float.NaN : x < y ? y : x;
            case MINIMUM: return Float.isNaN(x) || Float.isNaN(y) ? Float.NaN : y < x ? y : x;
            default: return y <= 0 ? 0f : x;
        }
    }

    private static float[] data(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextInt(3) == 0 ? EDGE[rnd.nextInt(EDGE.length)] : rnd.nextInt(5) - 2 + (rnd.nextBoolean() ? 0.5f : 0f);
        }
        return a;
    }

    /** Same bits, except that any NaN matches any NaN. */
    private static void assertSameBits(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            boolean same = Float.isNaN(want[i]) ? Float.isNaN(got[i])
                    : Float.floatToRawIntBits(want[i]) == Float.floatToRawIntBits(got[i]);
            assertTrue(same, what + " element " + i + ": want " + want[i] + ", got " + got[i]);
        }
    }

    @Test
    void scalarSelectionsAreCppsOnEveryPairOfEdgeValues() {
        for (float x : EDGE) {
            for (float y : EDGE) {
                for (BinaryOp op : new BinaryOp[] {BinaryOp.MAXIMUM, BinaryOp.MINIMUM, BinaryOp.THRESHOLD_BACKWARD}) {
                    float got = op == BinaryOp.MAXIMUM ? ElementwiseKernels.maximum(x, y)
                            : op == BinaryOp.MINIMUM ? ElementwiseKernels.minimum(x, y) : ElementwiseKernels.thresholdBackward(x, y);
                    assertSameBits(new float[] {reference(op, x, y)}, new float[] {got}, op + " " + x + " " + y);
                    double gotD = op == BinaryOp.MAXIMUM ? ElementwiseKernels.maximum((double) x, y)
                            : op == BinaryOp.MINIMUM ? ElementwiseKernels.minimum((double) x, y)
                            : ElementwiseKernels.applyBinary(op, x, y);
                    assertSameBits(new float[] {reference(op, x, y)}, new float[] {(float) gotD}, op + " double " + x + " " + y);
                }
            }
            float relu = x < 0 ? 0f : x;
            assertSameBits(new float[] {relu}, new float[] {ElementwiseKernels.relu(x)}, "relu " + x);
            assertSameBits(new float[] {relu}, new float[] {(float) ElementwiseKernels.relu((double) x)}, "relu double " + x);
        }
    }

    @Test
    void vectorLoopsMatchTheScalarKernels() {
        VectorLoops v = new VectorLoops();
        Random rnd = new Random(11);
        for (int n : new int[] {1, 7, 8, 17, 64, 1001}) {
            float[] x = data(rnd, n + 5);
            float[] y = data(rnd, n + 3);
            for (BinaryOp op : new BinaryOp[] {BinaryOp.MAXIMUM, BinaryOp.MINIMUM, BinaryOp.THRESHOLD_BACKWARD}) {
                float[] want = new float[n];
                float[] wantScalar = new float[n];
                float s = EDGE[n % EDGE.length];
                for (int i = 0; i < n; i++) {
                    want[i] = reference(op, x[5 + i], y[3 + i]);
                    wantScalar[i] = reference(op, x[5 + i], s);
                }
                float[] out = new float[n + 2];
                assertTrue(v.binary(op, x, 5, y, 3, out, 2, n));
                assertSameBits(want, Arrays.copyOfRange(out, 2, n + 2), op + " " + n);
                assertTrue(v.binaryScalar(op, x, 5, s, out, 2, n));
                assertSameBits(wantScalar, Arrays.copyOfRange(out, 2, n + 2), op + " scalar " + s + " " + n);
                float[] self = x.clone();
                assertTrue(v.binary(op, self, 5, y, 3, self, 5, n));
                assertSameBits(want, Arrays.copyOfRange(self, 5, n + 5), op + " in place " + n);
            }
            float[] want = new float[n];
            for (int i = 0; i < n; i++) {
                want[i] = x[5 + i] < 0 ? 0f : x[5 + i];
            }
            float[] out = new float[n + 1];
            assertTrue(v.relu(x, 5, out, 1, n));
            assertSameBits(want, Arrays.copyOfRange(out, 1, n + 1), "relu " + n);
            float[] self = x.clone();
            assertTrue(v.relu(self, 5, self, 5, n));
            assertSameBits(want, Arrays.copyOfRange(self, 5, n + 5), "relu in place " + n);
        }
    }

    /**
     * Session 57's per-op loops ({@code selectRun}, {@code selectScalarRun}) and the old loops through the vector
     * {@code select} ({@code -Dember.vectorLoops.selectHelper=true}, read on runs of 256 floats or more) give the same
     * raw bits, NaN payloads included: every length from 0 to 40 (the per-op loops either way), 256 to 263 and a long
     * one (every tail length after the old loops' vectors), at offsets, out of place and in place.
     */
    @Test
    void perOpLoopsGiveTheOldLoopsRawBits() {
        VectorLoops v = new VectorLoops();
        Random rnd = new Random(57);
        String before = System.getProperty("ember.vectorLoops.selectHelper");
        int compared = 0;
        try {
            for (int n = 0; n <= 1041; n = n < 40 ? n + 1 : n == 40 ? 256 : n < 263 ? n + 1 : n + 778) {
                float[] x = data(rnd, n + 5);
                float[] y = data(rnd, n + 3);
                float s = EDGE[n % EDGE.length];
                for (BinaryOp op : new BinaryOp[] {BinaryOp.MAXIMUM, BinaryOp.MINIMUM, BinaryOp.THRESHOLD_BACKWARD}) {
                    int[][] got = new int[2][];
                    int[][] gotScalar = new int[2][];
                    int[][] gotInPlace = new int[2][];
                    for (int old = 0; old < 2; old++) {
                        System.setProperty("ember.vectorLoops.selectHelper", Boolean.toString(old == 1));
                        float[] out = new float[n + 2];
                        assertTrue(v.binary(op, x, 5, y, 3, out, 2, n));
                        got[old] = raw(out);
                        out = new float[n + 2];
                        assertTrue(v.binaryScalar(op, x, 5, s, out, 2, n));
                        gotScalar[old] = raw(out);
                        float[] self = x.clone();
                        assertTrue(v.binary(op, self, 5, y, 3, self, 5, n));
                        gotInPlace[old] = raw(self);
                    }
                    assertArrayEquals(got[1], got[0], op + " " + n);
                    assertArrayEquals(gotScalar[1], gotScalar[0], op + " scalar " + s + " " + n);
                    assertArrayEquals(gotInPlace[1], gotInPlace[0], op + " in place " + n);
                    compared += 3 * n;
                }
            }
        } finally {
            if (before == null) {
                System.clearProperty("ember.vectorLoops.selectHelper");
            } else {
                System.setProperty("ember.vectorLoops.selectHelper", before);
            }
        }
        assertTrue(compared > 10_000, "only " + compared + " elements compared");
    }

    private static int[] raw(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    @Test
    void reluIsExactOnEdgeValues() {
        float[] want = new float[EDGE.length];
        for (int i = 0; i < EDGE.length; i++) {
            want[i] = EDGE[i] < 0 ? 0f : EDGE[i];
        }
        float[] out = new float[EDGE.length];
        assertTrue(new VectorLoops().relu(EDGE, 0, out, 0, EDGE.length));
        assertSameBits(want, out, "relu");
        assertArrayEquals(new int[] {0x80000000}, new int[] {Float.floatToRawIntBits(out[1])}, "relu(-0) is -0");
    }
}
