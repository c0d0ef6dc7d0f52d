package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ops session 23 added after round 3 of the fuzz (searchsorted's side and out_int32, bucketize's out_int32,
 * vector_norm's dtype, linalg.inv_ex and cholesky_ex, special.zeta, einsum's sublist form): what the fuzz cases ({@code r3_cases.txt}, section
 * 2) do not state on their own: the batched info tensors next to the plain functions, zeta's gradient in q against
 * finite differences, and its refusals. Expected values are PyTorch 2.x's (the messages as it prints them).
 */
class Round3GapOpsTest {

    private static Tensor f64(double[] v, int... shape) {
        return Tensor.tensor(v, DType.FLOAT64).reshape(shape);
    }

    @Test
    void choleskyExReportsEachMatrixAndRaisesOnlyWhenAsked() {
        // a positive-definite matrix, then one whose second leading minor is negative
        Tensor a = f64(new double[] {4, 2, 2, 3, 1, 2, 2, 1}, 2, 2, 2);
        CholeskyExResult r = a.linalgCholeskyEx(false, false);
        assertEquals(DType.INT32, r.info().dtype());
        assertArrayEquals(new int[] {2}, r.info().shape());
        assertArrayEquals(new long[] {0, 2}, r.info().toLongArray());
        assertArrayEquals(a.select(0, 0).linalgCholesky().toDoubleArray(), r.L().select(0, 0).toDoubleArray(), 0);
        CholeskyExResult u = a.select(0, 0).linalgCholeskyEx(true, true);
        assertArrayEquals(new int[0], u.info().shape());
        assertArrayEquals(a.select(0, 0).linalgCholesky(true).toDoubleArray(), u.L().toDoubleArray(), 0);
        LinAlgError e = assertThrows(LinAlgError.class, () -> a.linalgCholeskyEx(false, true));
        assertEquals("linalg.cholesky_ex: (Batch element 1): The factorization could not be completed because the input "
                + "is not positive-definite (the leading minor of order 2 is not positive-definite).", e.getMessage());
    }

    @Test
    void invExReportsTheFirstZeroPivotAndRaisesOnlyWhenAsked() {
        Tensor a = f64(new double[] {2, 1, 1, 3, 1, 2, 2, 4}, 2, 2, 2);
        InvExResult r = a.linalgInvEx(false);
        assertEquals(DType.INT32, r.info().dtype());
        assertArrayEquals(new long[] {0, 2}, r.info().toLongArray());
        assertArrayEquals(a.select(0, 0).linalgInv().toDoubleArray(), r.inverse().select(0, 0).toDoubleArray(), 0);
        LinAlgError e = assertThrows(LinAlgError.class, () -> a.select(0, 1).linalgInvEx(true));
        assertEquals("linalg.inv_ex: The diagonal element 2 is zero, the inversion could not be completed because the "
                + "input matrix is singular.", e.getMessage());
        // the inverse's gradient is linalg.inv's
        Tensor x = a.select(0, 0).clone().requiresGrad_(true);
        assertTrue(Autograd.gradcheck(t -> t[0].linalgInvEx(true).inverse(), x));
    }

    @Test
    void zetaIsDifferentiableInQOnly() {
        Tensor x = f64(new double[] {2, 3.5, 5}, 3);
        Tensor q = f64(new double[] {0.75, 2, 10}, 3).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(t -> Special.zeta(x, t[0]), q));
        assertTrue(Autograd.gradcheck(t -> Special.zeta(2.5, t[0]), q));
        Tensor xg = x.clone().requiresGrad_(true);
        Tensor out = Special.zeta(xg, q);
        assertEquals("SpecialZetaBackward0", out.gradFn().name());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> out.sum().backward());
        assertEquals("the derivative for 'zeta' is not implemented.", e.getMessage());
        Tensor byNumber = Special.zeta(xg, 1.5);
        assertEquals("SpecialZetaBackward2", byNumber.gradFn().name());
        assertThrows(IllegalStateException.class, () -> byNumber.sum().backward());
        // zeta(2, 1) = pi^2 / 6; x = 1 is the pole, x < 1 NaN, a non-positive integer q inf
        assertArrayEquals(new double[] {Math.PI * Math.PI / 6, Double.POSITIVE_INFINITY, Double.NaN,
            Double.POSITIVE_INFINITY}, Special.zeta(f64(new double[] {2, 1, 0.5, 3}, 4),
                f64(new double[] {1, 1, 1, -2}, 4)).toDoubleArray(), 1e-15);
    }

    @Test
    void zetaRefusesWhatPyTorchRefuses() {
        Tensor half = Tensor.tensor(new double[] {1, 2}, DType.FLOAT16);
        assertEquals("\"zeta_cpu\" not implemented for 'Half'",
                assertThrows(IllegalArgumentException.class, () -> Special.zeta(2.0, half)).getMessage());
        assertEquals("special_zeta() received an invalid combination of arguments - got (NoneType, Tensor), but expected "
                + "one of:\n * (Tensor input, Tensor other, *, Tensor out)\n * (Number self, Tensor other, *, Tensor out)\n"
                + " * (Tensor input, Number other, *, Tensor out)\n",
                assertThrows(IllegalArgumentException.class, () -> Special.zeta(null, half)).getMessage());
        // integers compute in the default type
        assertEquals(DType.FLOAT32, Special.zeta(Tensor.tensor(new long[] {2, 3}, DType.INT64), 1.0).dtype());
    }

    @Test
    void searchsortedSideAndInt32() {
        Tensor seq = f64(new double[] {1, 2, 2, 3}, 4);
        Tensor v = f64(new double[] {2, 0, 5}, 3);
        Tensor right = Tensor.searchsorted(seq, v, true, false, "right", null);
        assertEquals(DType.INT32, right.dtype());
        assertArrayEquals(new long[] {3, 0, 4}, right.toLongArray());
        assertArrayEquals(new long[] {1, 0, 4}, Tensor.searchsorted(seq, v, false, false, "left", null).toLongArray());
        assertEquals(DType.INT64, Tensor.searchsorted(seq, v, false, true, null, null).dtype());
        assertEquals("torch.searchsorted(): side and right can't be set to opposites, got side of left while right was "
                + "True", assertThrows(IllegalArgumentException.class,
                    () -> Tensor.searchsorted(seq, v, false, true, "left", null)).getMessage());
        assertEquals("torch.searchsorted(): side can only be 'left' or 'right' but got middle",
                assertThrows(IllegalArgumentException.class,
                    () -> Tensor.searchsorted(seq, v, false, false, "middle", null)).getMessage());
        Tensor buckets = v.bucketize(seq, true, true);
        assertEquals(DType.INT32, buckets.dtype());
        assertArrayEquals(new long[] {3, 0, 4}, buckets.toLongArray());
    }

    @Test
    void einsumSublistIsTheEquationWithLetters() {
        Tensor a = f64(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = f64(new double[] {1, 0, -1, 2, 0.5, 1}, 3, 2);
        assertArrayEquals(a.matmul(b).toDoubleArray(),
                Tensor.einsum(a, new int[] {0, 1}, b, new int[] {1, 51}, new int[] {0, 51}).toDoubleArray(), 0);
        // an implicit output (here no label stands once: a full contraction), and the ellipsis
        assertArrayEquals(Tensor.einsum("aB,Ba", a, b).toDoubleArray(),
                Tensor.einsum(a, new int[] {26, 1}, b, new int[] {1, 26}).toDoubleArray(), 0);
        int e = Tensor.EINSUM_ELLIPSIS;
        assertArrayEquals(a.t().toDoubleArray(),
                Tensor.einsum(a, new int[] {e, 3}, new int[] {3, e}).toDoubleArray(), 0);
        assertEquals("einsum(): subscript in subscript list is not within the valid range [0, 52)",
                assertThrows(IllegalArgumentException.class, () -> Tensor.einsum(a, new int[] {0, 52})).getMessage());
        assertEquals("einsum(): must specify the equation string and at least one operand, or at least one operand and its "
                + "subscripts list", assertThrows(IllegalArgumentException.class, () -> Tensor.einsum(a)).getMessage());
    }

    @Test
    void vectorNormInAWiderType() {
        Tensor h = Tensor.tensor(new double[] {300, 400, 1200}, DType.FLOAT16);
        Tensor n = h.vectorNorm(2, null, false, DType.FLOAT32);
        assertEquals(DType.FLOAT32, n.dtype());
        assertEquals(1300.0, n.item(), 0);
        // float16 without a dtype: squares summed in float32, the result rounded to float16 (1300 is exact there too)
        assertEquals(DType.FLOAT16, h.vectorNorm(2, null, false, null).dtype());
        Tensor d = Tensor.tensor(new double[] {1, 2}, DType.FLOAT64);
        assertEquals("linalg.vector_norm: the dtype of the input (Double) should be convertible without narrowing to the "
                + "specified dtype (Float)", assertThrows(IllegalArgumentException.class,
                    () -> d.vectorNorm(2, null, false, DType.FLOAT32)).getMessage());
        assertEquals("linalg.vector_norm: dtype should be floating point or complex, but got Long",
                assertThrows(IllegalArgumentException.class, () -> d.vectorNorm(2, null, false, DType.INT64)).getMessage());
        // the gradient goes back through the cast, in the input's type: x / |x|
        Tensor f = Tensor.tensor(new double[] {3, 4}, DType.FLOAT32).requiresGrad_(true);
        Tensor norm = f.vectorNorm(2, null, false, DType.FLOAT64);
        assertEquals(DType.FLOAT64, norm.dtype());
        norm.backward();
        assertEquals(DType.FLOAT32, f.grad().dtype());
        assertArrayEquals(new double[] {0.6, 0.8}, f.grad().toDoubleArray(), 1e-7);
    }
}
