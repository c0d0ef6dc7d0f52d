package dev.ember.cpu;

import dev.ember.backend.BinaryOp;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Vector API loops give the plain loops' bits: offsets, tails and an output that aliases an input. */
class VectorLoopsTest {
    /**
     * {@code addWidened4} gives four {@code addWidened} calls' bits (the additions in order, each float widened):
     * magnitudes from 1e-8 to 1e8 so that another order would round differently, widths with a tail, rows out of order
     * in the array and overlapping.
     */
    @Test
    void addWidened4IsFourAddWidenedInOrder() {
        VectorLoops v = new VectorLoops();
        Random rnd = new Random(5);
        for (int n : new int[] {1, 7, 16, 33, 200}) {
            float[] x = new float[4 * n + 40];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(17) - 8));
            }
            double[] start = new double[n];
            for (int j = 0; j < n; j++) {
                start[j] = rnd.nextGaussian() * 1e7;
            }
            int[][] offsets = {{0, n, 2 * n, 3 * n}, {3 * n + 7, 5, 2 * n + 1, 11}, {9, 9, 10, 3}};
            for (int[] o : offsets) {
                double[] want = start.clone();
                for (int r = 0; r < 4; r++) {
                    v.addWidened(x, o[r], want, n);
                }
                double[] plain = start.clone();
                for (int j = 0; j < n; j++) {
                    for (int r = 0; r < 4; r++) {
                        plain[j] += x[o[r] + j];
                    }
                }
                double[] got = start.clone();
                v.addWidened4(x, o[0], o[1], o[2], o[3], got, n);
                assertArrayEquals(plain, want, 0.0, "addWidened " + n);
                assertArrayEquals(want, got, 0.0, "addWidened4 " + n + " " + java.util.Arrays.toString(o));
            }
        }
    }

    /**
     * {@code binaryRows}: each row the plain expression, rows at their strides, a stride 0 repeating the second operand
     * (a bias) or the first, rows with a tail, the output in place of the first operand.
     */
    @Test
    void binaryRowsMatchesPlainArithmeticRowByRow() {
        VectorLoops v = new VectorLoops();
        Random rnd = new Random(4);
        for (BinaryOp op : new BinaryOp[] {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV}) {
            for (int n : new int[] {32, 45, 512}) {
                int rows = 7;
                float[] x = new float[rows * (n + 3) + 2];
                float[] y = new float[rows * n + 1];
                for (int i = 0; i < x.length; i++) {
                    x[i] = rnd.nextFloat() * 4 - 2;
                }
                for (int i = 0; i < y.length; i++) {
                    y[i] = rnd.nextFloat() * 4 - 2;
                }
                // {x row stride, y row stride}: a bias row, rows of both, the first operand repeated
                for (int[] st : new int[][] {{n + 3, 0}, {n + 3, n}, {0, n}}) {
                    float[] expect = new float[rows * n];
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < n; j++) {
                            float a = x[2 + r * st[0] + j];
                            float b = y[1 + r * st[1] + j];
                            expect[r * n + j] = op == BinaryOp.ADD ? a + b : op == BinaryOp.SUB ? a - b
                                    : op == BinaryOp.MUL ? a * b : a / b;
                        }
                    }
                    float[] out = new float[rows * n + 4];
                    v.binaryRows(op, x, 2, st[0], y, 1, st[1], out, 4, n, rows, n);
                    String what = op + " " + n + " strides " + st[0] + "," + st[1];
                    assertArrayEquals(expect, java.util.Arrays.copyOfRange(out, 4, rows * n + 4), what);
                    if (st[0] != 0) {
                        // in place: the output is the first operand, at its row stride
                        float[] self = x.clone();
                        v.binaryRows(op, self, 2, st[0], y, 1, st[1], self, 2, st[0], rows, n);
                        for (int r = 0; r < rows; r++) {
                            assertArrayEquals(java.util.Arrays.copyOfRange(expect, r * n, r * n + n),
                                    java.util.Arrays.copyOfRange(self, 2 + r * st[0], 2 + r * st[0] + n), what + " in place");
                        }
                    }
                }
            }
        }
    }

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

    /**
     * The normalization kernels' row helpers: widening and narrowing give the casts' values at every length and offset
     * (NaN, infinities, subnormals and halfway cases included) and touch nothing outside the row; the double row sums
     * add every element once (exact on integer-valued rows, where no order can round) and stay within the error bound
     * of any summation order against the exact sum on random rows.
     */
    @Test
    void normRowHelpersCoverEveryLength() {
        VectorLoops v = new VectorLoops();
        Random rnd = new Random(5);
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -0f,
            Float.MAX_VALUE, 1e-40f};
        for (int n = 0; n <= 80; n++) {
            float[] x = new float[n + 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = i < specials.length && n > 10 ? specials[i] : rnd.nextFloat() * 8 - 4;
            }
            double[] d = new double[n + 1];
            d[n] = 42;
            v.widen(x, 3, d, n);
            for (int i = 0; i < n; i++) {
                org.junit.jupiter.api.Assertions.assertEquals((double) x[3 + i], d[i], "widen n=" + n + " at " + i);
            }
            org.junit.jupiter.api.Assertions.assertEquals(42, d[n], "widen wrote past the row, n=" + n);
            double[] w = new double[n];
            for (int i = 0; i < n; i++) {
                // a float's neighbourhood: exact floats, halfway cases between two floats, and values just off them
                double f = rnd.nextFloat() * 8 - 4;
                double ulp = Math.ulp((float) f);
                w[i] = i % 4 == 0 ? f : i % 4 == 1 ? f + ulp / 2 : i % 4 == 2 ? f + ulp / 2 * (1 + 0x1p-40) : i * 1e300;
            }
            float[] o = new float[n + 4];
            java.util.Arrays.fill(o, -7f);
            v.narrow(w, o, 2, n);
            for (int i = 0; i < o.length; i++) {
                float expect = i >= 2 && i < 2 + n ? (float) w[i - 2] : -7f;
                org.junit.jupiter.api.Assertions.assertEquals(expect, o[i], "narrow n=" + n + " at " + i);
            }
            double[] a = new double[n];
            double[] b = new double[n];
            long sum = 0;
            long squares = 0;
            long dot = 0;
            for (int i = 0; i < n; i++) {
                a[i] = rnd.nextInt(2001) - 1000;
                b[i] = rnd.nextInt(21) - 10;
                sum += (long) a[i];
                squares += (long) ((a[i] - 3) * (a[i] - 3));
                dot += (long) (a[i] * b[i]);
            }
            org.junit.jupiter.api.Assertions.assertEquals((double) sum, v.sum(a, n), "sum n=" + n);
            org.junit.jupiter.api.Assertions.assertEquals((double) squares, v.centredSquares(a, n, 3), "squares n=" + n);
            org.junit.jupiter.api.Assertions.assertEquals((double) dot, v.dot(a, b, n), "dot n=" + n);
            java.math.BigDecimal exact = java.math.BigDecimal.ZERO;
            double abs = 0;
            for (int i = 0; i < n; i++) {
                a[i] = rnd.nextGaussian() * 1e3;
                exact = exact.add(new java.math.BigDecimal(a[i]));
                abs += Math.abs(a[i]);
            }
            double err = Math.abs(exact.subtract(new java.math.BigDecimal(v.sum(a, n))).doubleValue());
            assertTrue(err <= n * 0x1p-52 * abs, "sum n=" + n + ": error " + err + " above the bound");
        }
    }

    /** Layer norm's fused backward passes give the scalar passes' bits at every length, with offsets. */
    @Test
    void normBackwardRowsMatchTheScalarPasses() {
        VectorLoops v = new VectorLoops();
        Random rnd = new Random(6);
        for (int n = 0; n <= 70; n++) {
            float[] x = new float[n + 2];
            float[] g = new float[n + 5];
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextFloat() * 6 - 3;
            }
            for (int i = 0; i < g.length; i++) {
                g[i] = rnd.nextFloat() * 2 - 1;
            }
            double[] w = new double[n];
            double[] accW = new double[n];
            double[] accB = new double[n];
            for (int i = 0; i < n; i++) {
                w[i] = rnd.nextGaussian();
                accW[i] = rnd.nextGaussian();
                accB[i] = rnd.nextGaussian();
            }
            double mu = 0.123456789;
            double r = 1.7320508;
            double[] xh = new double[n];
            double[] dh = new double[n];
            double[] eAccW = accW.clone();
            double[] eAccB = accB.clone();
            double[] eXh = new double[n];
            double[] eDh = new double[n];
            for (int j = 0; j < n; j++) {
                eXh[j] = (x[2 + j] - mu) * r;
                eDh[j] = g[5 + j] * w[j];
                eAccW[j] += g[5 + j] * eXh[j];
                eAccB[j] += g[5 + j];
            }
            v.normBackwardRow(x, 2, g, 5, w, mu, r, xh, dh, accW, accB, n);
            org.junit.jupiter.api.Assertions.assertArrayEquals(eXh, xh, "xhat n=" + n);
            org.junit.jupiter.api.Assertions.assertArrayEquals(eDh, dh, "dxhat n=" + n);
            org.junit.jupiter.api.Assertions.assertArrayEquals(eAccW, accW, "weight sums n=" + n);
            org.junit.jupiter.api.Assertions.assertArrayEquals(eAccB, accB, "bias sums n=" + n);
            float[] o = new float[n + 3];
            float[] expect = new float[n + 3];
            java.util.Arrays.fill(o, 9f);
            java.util.Arrays.fill(expect, 9f);
            for (int j = 0; j < n; j++) {
                expect[3 + j] = (float) (r * (dh[j] - 0.01 - xh[j] * 0.3));
            }
            v.normBackwardOut(dh, xh, r, 0.01, 0.3, o, 3, n);
            assertArrayEquals(expect, o, "input gradient n=" + n);
        }
    }

    /**
     * exp, GELU and its backward on the vector loops give the scalar formulas' bits (so a run's numbers do not depend on
     * which elements fall in a vector, nor on when the JIT compiles the loops: the JDK's EXP intrinsic and its
     * interpreted fallback round differently, which these avoid); expFloat is within 2 ulps of Math.exp on x <= 88,
     * subnormal below -87.34 (0 from about -103.97), NaN kept.
     */
    @Test
    void expAndGeluMatchTheirScalarFormsBitForBit() {
        VectorLoops v = new VectorLoops();
        Random rnd = new Random(4);
        int n = 4099;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i < 8 ? new float[] {0f, -0f, -87.3f, -87.4f, -100f, Float.NEGATIVE_INFINITY, Float.NaN, 88f}[i]
                    : (rnd.nextFloat() * 2 - 1) * (i % 3 == 0 ? 90 : 6);
        }
        float[] e = x.clone();
        float vectorSum = v.expSum(e, 0, n, 1f, 0f);
        float scalarSum = 0;
        for (int i = 0; i < n; i++) {
            float want = ElementwiseKernels.expFloat(x[i]);
            assertTrue(Float.floatToIntBits(want) == Float.floatToIntBits(e[i]), "exp(" + x[i] + ")");
            if (x[i] <= 88f && x[i] >= -110f) {
                // subnormal results below -87.34 too: within two of their ulps (the least subnormal's spacing)
                float exact = (float) Math.exp(x[i]);
                assertTrue(Math.abs(want - exact) <= 2 * Math.ulp(exact), "exp(" + x[i] + "): " + want + " vs " + exact);
            }
        }
        assertTrue(Float.isNaN(e[6]) && e[5] == 0f && e[3] > 0f && e[4] > 0f && e[3] < Float.MIN_NORMAL);
        assertTrue(ElementwiseKernels.expFloat(-105f) == 0f && ElementwiseKernels.expFloat(-1e9f) == 0f);
        float[] g = new float[n];
        float[] gb = new float[n];
        float[] grad = new float[n];
        java.util.Arrays.fill(grad, 1.5f);
        // the float formula is GELU's path under the exact property (by default OneDnnGelu's, see OneDnnGeluTest)
        String saved = System.getProperty(SleefFloat.EXACT_PROPERTY);
        System.setProperty(SleefFloat.EXACT_PROPERTY, "true");
        try {
            v.gelu(x, 0, g, 0, n);
            v.geluBackward(grad, 0, x, 0, gb, 0, n);
        } finally {
            if (saved == null) {
                System.clearProperty(SleefFloat.EXACT_PROPERTY);
            } else {
                System.setProperty(SleefFloat.EXACT_PROPERTY, saved);
            }
        }
        for (int i = 0; i < n; i++) {
            assertTrue(Float.floatToIntBits(ElementwiseKernels.geluFloat(x[i])) == Float.floatToIntBits(g[i]),
                    "gelu(" + x[i] + ")");
            assertTrue(Float.floatToIntBits(ElementwiseKernels.geluBackwardFloat(1.5f, x[i])) == Float.floatToIntBits(gb[i]),
                    "gelu_backward(" + x[i] + ")");
        }
        assertTrue(Float.isFinite(vectorSum) || Float.isNaN(vectorSum));
    }
}
