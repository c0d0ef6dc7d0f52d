package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code linalg.lu} and {@code linalg.lu_factor} of non-square matrices (wide, tall, batched, float32, rank-deficient,
 * empty) against lurect/make_expected.py (PyTorch 1.13's factors, pivots, nodes, gradients of each factor and of L and
 * U together, and messages), with a square case beside them; gradcheck and gradgradcheck of the wide and tall
 * backward.
 */
class LuRectangularTest {
    static Function<Tensor[], Tensor> op(String name) {
        Function<Tensor[], Tensor> f = factor(name.substring(0, name.indexOf(' ')));
        // the rank-deficient cases compare their factors detached (their gradients are infinite), as the script
        return name.contains("singular wide") ? a -> f.apply(a).detach() : f;
    }

    static Function<Tensor[], Tensor> factor(String op) {
        switch (op) {
            case "luP":
                return a -> a[0].linalgLu().P();
            case "luL":
                return a -> a[0].linalgLu().L();
            case "luU":
                return a -> a[0].linalgLu().U();
            case "luLU":
                return a -> {
                    LuResult r = a[0].linalgLu();
                    return Tensor.cat(List.of(r.L().flatten(), r.U().flatten()), 0);
                };
            case "factorLU":
                return a -> a[0].linalgLuFactor().LU();
            case "factorPivots":
                // int32 (checked below); the script writes them as int64
                return a -> a[0].linalgLuFactor().pivots().to(DType.INT64);
            default:
                throw new IllegalArgumentException(op);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/lurect/expected.txt", LuRectangularTest::op, 2e-5);
    }

    static Tensor seq(int rows, int cols, int shift) {
        double[] v = new double[rows * cols];
        for (int k = 0; k < v.length; k++) {
            v[k] = ((7 * k + shift) % 19 - 9) * 0.25;
        }
        return Tensor.tensor(v, DType.FLOAT64).reshape(rows, cols);
    }

    /** A full-rank matrix: {@code sin(1.3 k + shift)}. */
    static Tensor waves(int rows, int cols, int shift) {
        double[] v = new double[rows * cols];
        for (int k = 0; k < v.length; k++) {
            v[k] = Math.sin(1.3 * k + shift);
        }
        return Tensor.tensor(v, DType.FLOAT64).reshape(rows, cols);
    }

    @Test
    void gradcheckWideAndTall() {
        for (int[] s : new int[][] {{3, 5}, {5, 3}, {2, 4}, {4, 2}, {1, 3}, {3, 1}}) {
            Tensor a = seq(s[0], s[1], s[0] + s[1]).requiresGrad_(true);
            Function<Tensor[], Tensor> both = x -> {
                LuResult r = x[0].linalgLu();
                return Tensor.cat(List.of(r.L().flatten(), r.U().flatten()), 0);
            };
            Function<Tensor[], Tensor> l = x -> x[0].linalgLu().L();
            Function<Tensor[], Tensor> u = x -> x[0].linalgLu().U();
            Function<Tensor[], Tensor> packed = x -> x[0].linalgLuFactor().LU();
            String at = s[0] + "x" + s[1];
            assertTrue(Autograd.gradcheck(both, a), "L and U " + at);
            assertTrue(Autograd.gradcheck(l, a), "L " + at);
            assertTrue(Autograd.gradcheck(u, a), "U " + at);
            assertTrue(Autograd.gradcheck(packed, a), "lu_factor " + at);
            assertTrue(Autograd.gradgradcheck(both, a), "L and U twice " + at);
            assertTrue(Autograd.gradgradcheck(packed, a), "lu_factor twice " + at);
        }
    }

    @Test
    void factorsRebuildTheMatrixAndPivotsStayInRange() {
        // a batch of wide and of tall matrices, non-contiguous (transposed): P L U == A, pivots in [1, m]
        for (int[] s : new int[][] {{4, 7}, {7, 4}}) {
            Tensor base = Tensor.stack(List.of(waves(s[1], s[0], 1), waves(s[1], s[0], 2), waves(s[1], s[0], 3)), 0);
            Tensor a = base.transpose(1, 2);
            LuResult r = a.linalgLu();
            Tensor back = r.P().matmul(r.L()).matmul(r.U());
            double[] want = a.contiguous().toDoubleArray();
            double[] got = back.toDoubleArray();
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-12);
            }
            LuFactorResult f = a.linalgLuFactor();
            int k = Math.min(s[0], s[1]);
            assertArrayEquals(new int[] {3, k}, f.pivots().shape());
            assertEquals(DType.INT32, f.pivots().dtype());
            for (long p : f.pivots().toLongArray()) {
                assertTrue(p >= 1 && p <= s[0]);
            }
            assertArrayEquals(a.contiguous().linalgLuFactor().LU().toDoubleArray(), f.LU().toDoubleArray());
        }
    }

    @Test
    void luSolveStillWantsSquareFactors() {
        // PyTorch 1.13: torch.linalg.lu_solve(*torch.linalg.lu_factor(A 3x4), B 3x2)
        LuFactorResult f = waves(3, 4, 0).linalgLuFactor();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Tensor.linalgLuSolve(f.LU(), f.pivots(), waves(3, 2, 1), true, false));
        assertEquals("torch.linalg.lu_solve: A must be batches of square matrices, but they are 3 by 4 matrices", e.getMessage());
    }

    /**
     * Partial-pivoting elimination of a row-major m-by-n matrix, written out directly for the rectangular case, step for
     * step as Ember's square kernel (first largest magnitude, a NaN wins over a number; multipliers scaled by the
     * pivot's reciprocal, or divided below the smallest normal; rows with a zero multiplier skipped): the reference
     * for the padded construction. Returns the packed factors; {@code piv} receives the k 1-based pivots.
     */
    static double[] eliminate(double[] a, int m, int n, long[] piv) {
        double[] w = a.clone();
        int k = Math.min(m, n);
        for (int c = 0; c < k; c++) {
            int pivot = c;
            double best = Math.abs(w[c * n + c]);
            for (int i = c + 1; i < m; i++) {
                double v = Math.abs(w[i * n + c]);
                if (v > best || (Double.isNaN(v) && !Double.isNaN(best))) {
                    best = v;
                    pivot = i;
                }
            }
            piv[c] = pivot + 1;
            double d = w[pivot * n + c];
            if (d != 0) {
                for (int j = 0; j < n; j++) {
                    double t = w[c * n + j];
                    w[c * n + j] = w[pivot * n + j];
                    w[pivot * n + j] = t;
                }
                if (Math.abs(d) >= Double.MIN_NORMAL) {
                    double inv = 1 / d;
                    for (int i = c + 1; i < m; i++) {
                        w[i * n + c] *= inv;
                    }
                } else {
                    for (int i = c + 1; i < m; i++) {
                        w[i * n + c] /= d;
                    }
                }
            }
            for (int i = c + 1; i < m; i++) {
                double l = w[i * n + c];
                if (l == 0) {
                    continue;
                }
                for (int j = c + 1; j < n; j++) {
                    w[i * n + j] -= l * w[c * n + j];
                }
            }
        }
        return w;
    }

    /**
     * The padded construction gives the rectangular elimination's factors and pivots bit for bit, also where
     * infinities, NaN and subnormal pivots make the padding non-zero (the tall case's later row exchanges undone).
     */
    @Test
    void paddingIsExact() {
        java.util.Random rnd = new java.util.Random(19);
        double[] specials = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 0.0, 1e-310, -3e-320, 1e300};
        for (int trial = 0; trial < 400; trial++) {
            int m = 1 + rnd.nextInt(6);
            int n = 1 + rnd.nextInt(6);
            double[] a = new double[m * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = rnd.nextInt(4) == 0 ? specials[rnd.nextInt(specials.length)] : rnd.nextGaussian();
            }
            long[] piv = new long[Math.min(m, n)];
            double[] want = eliminate(a, m, n, piv);
            // linalg.lu (no zero-pivot check): its L and U are the packed factors' parts, P the pivots' permutation
            LuResult r = Tensor.tensor(a, DType.FLOAT64).reshape(m, n).linalgLu();
            int k = piv.length;
            double[] l = r.L().toDoubleArray();
            double[] u = r.U().toDoubleArray();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double g = j < i ? (j < k ? l[i * k + j] : Double.MIN_VALUE) : (i < k ? u[i * n + j] : Double.MIN_VALUE);
                    if (g == Double.MIN_VALUE) {
                        continue; // outside both factors (cannot happen: j < i means j < k, i <= j means i < k)
                    }
                    double e = want[i * n + j];
                    assertTrue(Double.isNaN(e) ? Double.isNaN(g) : e == g,
                            m + "x" + n + " trial " + trial + " at " + i + "," + j + ": " + e + " vs " + g);
                }
            }
            int[] perm = new int[m];
            for (int i = 0; i < m; i++) {
                perm[i] = i;
            }
            for (int i = 0; i < k; i++) {
                int j = (int) piv[i] - 1;
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            double[] p = new double[m * m];
            for (int i = 0; i < m; i++) {
                p[perm[i] * m + i] = 1;
            }
            assertArrayEquals(p, r.P().toDoubleArray(), m + "x" + n + " trial " + trial);
        }
    }
}
