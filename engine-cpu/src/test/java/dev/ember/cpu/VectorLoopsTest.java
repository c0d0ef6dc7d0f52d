package dev.ember.cpu;

import dev.ember.backend.BinaryOp;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Vector API loops give the plain loops' bits: offsets, tails and an output that aliases an input. */
class VectorLoopsTest {
    @Test
    void matchesPlainArithmeticBitForBit() {
        VectorLoops v = new VectorLoops();
        Random rnd = new Random(3);
        for (BinaryOp op : new BinaryOp[] {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL}) {
            for (int n : new int[] {1, 7, 8, 33, 1000}) {
                float[] x = new float[n + 5];
                float[] y = new float[n + 3];
                for (int i = 0; i < x.length; i++) {
                    x[i] = rnd.nextFloat() * 4 - 2;
                }
                for (int i = 0; i < y.length; i++) {
                    y[i] = rnd.nextFloat() * 4 - 2;
                }
                float[] expect = new float[n];
                float[] expectScalar = new float[n];
                for (int i = 0; i < n; i++) {
                    float a = x[5 + i];
                    float b = y[3 + i];
                    expect[i] = op == BinaryOp.ADD ? a + b : op == BinaryOp.SUB ? a - b : a * b;
                    expectScalar[i] = op == BinaryOp.ADD ? a + 0.3f : op == BinaryOp.SUB ? a - 0.3f : a * 0.3f;
                }
                float[] out = new float[n + 2];
                assertTrue(v.binary(op, x, 5, y, 3, out, 2, n));
                assertArrayEquals(expect, java.util.Arrays.copyOfRange(out, 2, n + 2), op + " " + n);
                assertTrue(v.binaryScalar(op, x, 5, 0.3f, out, 2, n));
                assertArrayEquals(expectScalar, java.util.Arrays.copyOfRange(out, 2, n + 2), op + " scalar " + n);
                // in place: the output is the first input
                float[] self = x.clone();
                assertTrue(v.binary(op, self, 5, y, 3, self, 5, n));
                assertArrayEquals(expect, java.util.Arrays.copyOfRange(self, 5, n + 5), op + " in place " + n);
            }
        }
    }

    @Test
    void axpyIsOneFusedMultiplyAddPerElement() {
        VectorLoops v = new VectorLoops();
        Random rnd = new Random(4);
        for (int n : new int[] {1, 9, 100}) {
            float[] x = new float[n + 1];
            float[] y = new float[n + 2];
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextFloat() - 0.5f;
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = rnd.nextFloat() - 0.5f;
            }
            float[] expect = y.clone();
            for (int i = 0; i < n; i++) {
                expect[2 + i] = Math.fma(x[1 + i], -0.01f, y[2 + i]);
            }
            v.axpy(-0.01f, x, 1, y, 2, n);
            assertArrayEquals(expect, y, "axpy " + n);
        }
    }

    @Test
    void copyAndAddToCoverEveryLength() {
        VectorLoops v = new VectorLoops();
        for (int n = 0; n <= 40; n++) {
            float[] x = new float[n + 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = i * 0.5f + 1;
            }
            float[] y = new float[n + 6];
            java.util.Arrays.fill(y, -1f);
            v.copy(x, 3, y, 2, n);
            float[] sum = y.clone();
            v.addTo(x, 3, sum, 2, n);
            for (int i = 0; i < y.length; i++) {
                boolean inside = i >= 2 && i < 2 + n;
                org.junit.jupiter.api.Assertions.assertEquals(inside ? x[i + 1] : -1f, y[i], "copy n=" + n + " at " + i);
                org.junit.jupiter.api.Assertions.assertEquals(inside ? 2 * x[i + 1] : -1f, sum[i], "addTo n=" + n + " at " + i);
            }
        }
    }
}
