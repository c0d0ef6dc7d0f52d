package dev.ember.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link VectorSleef#tanh}'s loop with its negations as sign-bit XORs (the default) against the same loop with
 * {@code FloatVector.neg()} ({@code -Dember.cpu.tanh.negOp=true}, the path before session 58) and the scalar form:
 * the same bits on SleefBitsTest's stored inputs (special values, every binade's ends, thresholds, random bit
 * patterns), on random values, and on every run length up to 40 at shifted offsets, in place too. SleefBitsTest holds
 * the default path to PyTorch's bits.
 */
class TanhNegOpTest extends SleefPathFixture {
    @AfterEach
    void clearNegOp() {
        System.clearProperty(VectorSleef.NEG_OP_PROPERTY);
    }

    private static float[] run(boolean negOp, float[] x, int xo, int n, int oo, boolean inPlace) {
        System.setProperty(VectorSleef.NEG_OP_PROPERTY, Boolean.toString(negOp));
        float[] o = inPlace ? x.clone() : new float[oo + n];
        VectorSleef.tanh(inPlace ? o : x, xo, o, inPlace ? xo : oo, n);
        return o;
    }

    @Test
    void xorNegationGivesTheNegOpLoopsBits() throws IOException {
        assertNotNull(ElementwiseKernels.loops(), "the Vector API loops are not loaded");
        float[] stored = bitsToFloats(resourceInts("sleefbits/inputs.bin"));
        Random rnd = new Random(58);
        float[] x = new float[stored.length + 20011];
        System.arraycopy(stored, 0, x, 0, stored.length);
        for (int i = stored.length; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * (i % 2 == 0 ? 3 : 0.05));
        }
        float[] xor = run(false, x, 0, x.length, 0, false);
        float[] neg = run(true, x, 0, x.length, 0, false);
        int nans = 0;
        for (int i = 0; i < x.length; i++) {
            int want = Float.floatToRawIntBits(SleefFloat.tanh(x[i]));
            if (Float.floatToRawIntBits(xor[i]) != want || Float.floatToRawIntBits(neg[i]) != want) {
                fail("tanh(" + x[i] + "): xor " + xor[i] + ", neg() " + neg[i] + ", scalar " + SleefFloat.tanh(x[i]));
            }
            nans += Float.isNaN(x[i]) ? 1 : 0;
        }
        assertEquals(true, nans > 0, "the stored inputs hold NaNs");
        for (int start = 0; start + 40 <= x.length; start += 977) {
            for (int n = 0; n <= 40; n++) {
                boolean inPlace = n % 3 == 0;
                float[] a = run(false, x, start, n, 5, inPlace);
                float[] b = run(true, x, start, n, 5, inPlace);
                int at = inPlace ? start : 5;
                for (int i = 0; i < n; i++) {
                    if (Float.floatToRawIntBits(a[at + i]) != Float.floatToRawIntBits(b[at + i])) {
                        fail("run [" + start + ", +" + n + ") at " + i + ": x = " + x[start + i] + ", xor " + a[at + i]
                                + ", neg() " + b[at + i]);
                    }
                }
            }
        }
    }

    @Test
    void geluTanhBackwardGivesTheSameBitsEitherWay() {
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
        float[][] out = new float[2][n];
        for (int k = 0; k < 2; k++) {
            System.setProperty(VectorSleef.NEG_OP_PROPERTY, Boolean.toString(k == 1));
            VectorSleef.geluTanhBackward(g, 0, x, 0, out[k], 0, n);
        }
        int body = SleefFloat.vectorPart(n);
        for (int i = 0; i < n; i++) {
            float want = i < body ? SleefFloat.geluTanhBackward(g[i], x[i]) : SleefFloat.geluTanhBackwardLibm(g[i], x[i]);
            if (Float.floatToRawIntBits(out[0][i]) != Float.floatToRawIntBits(want)
                    && !(Float.isNaN(want) && Float.isNaN(out[0][i]))
                    || Float.floatToRawIntBits(out[0][i]) != Float.floatToRawIntBits(out[1][i])) {
                fail("gelu_tanh_backward(" + g[i] + ", " + x[i] + "): xor " + out[0][i] + ", neg() " + out[1][i]
                        + ", scalar " + want);
            }
        }
    }
}
