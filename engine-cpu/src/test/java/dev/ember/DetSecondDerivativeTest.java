package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * torch.linalg.det's second derivative at singular and nearly singular matrices, against PyTorch
 * (detsingular/make_expected.py): PyTorch 2.x's linalg_det_backward takes, under grad mode, the adjugate through an SVD
 * for the batch elements with {@code |det| < 100 eps} (no division by a zero singular value) and a differentiable solve for
 * the others. Checked: the create_graph gradient and the gradient of a weighted sum of it (a Hessian-vector product) equal
 * PyTorch's, gradgradcheck passes (as PyTorch's), for ranks n-1 and n-2, an exactly singular 2x2, a zero 1x1, batches of
 * singular matrices and a batch mixing singular and regular ones; the first derivative without grad mode stays
 * PyTorch's (the LU solve with zero pivots replaced by eps).
 */
class DetSecondDerivativeTest {
    private static final PyTorchCases CASES = new PyTorchCases("/detsingular/expected.txt");
    private static final List<String> KEYS = List.of("rank2_of_3", "rank1_of_3", "rank2_of_4", "rank3_of_4",
            "rank1_of_2_exact", "zero_1x1", "batch_all_singular", "batch_mixed", "regular");

    private static Tensor field(String key, String name, int[] shape) {
        return Tensor.tensor(PyTorchCases.numbers(CASES.field(key, name)), DType.FLOAT64).reshape(shape);
    }

    private static int[] shape(String key) {
        double[] s = PyTorchCases.numbers(CASES.field(key, "shape"));
        int[] out = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = (int) s[i];
        }
        return out;
    }

    private static int[] batch(int[] shape) {
        return java.util.Arrays.copyOf(shape, shape.length - 2);
    }

    /** Within rtol times the largest expected magnitude (at least 1: a singular matrix's det is rounding noise). */
    private static void assertClose(String what, double[] expected, double[] actual, double rtol) {
        assertEquals(expected.length, actual.length, what);
        double scale = 1;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], rtol * scale, what + " element " + i);
        }
    }

    @Test
    void gradientAndHessianVectorProductAreTorchsAtSingularMatrices() {
        for (String key : KEYS) {
            int[] shape = shape(key);
            Tensor a = field(key, "a", shape).requiresGrad_(true);
            Tensor det = a.linalgDet();
            assertClose(key + " det", PyTorchCases.numbers(CASES.field(key, "det")), det.detach().reshape(-1)
                    .toDoubleArray(), 1e-9);
            Tensor w = field(key, "w", batch(shape));
            Tensor g = Autograd.grad(List.of(det.mul(w).sum()), List.of(a), null, true, true, false).get(0);
            assertClose(key + " grad", PyTorchCases.numbers(CASES.field(key, "grad")), g.detach().reshape(-1)
                    .toDoubleArray(), 1e-10);
            Tensor v = field(key, "v", shape);
            Tensor h = Autograd.grad(List.of(g.mul(v).sum()), List.of(a), null, false, false, false).get(0);
            assertClose(key + " hess", PyTorchCases.numbers(CASES.field(key, "hess")), h.reshape(-1).toDoubleArray(),
                    1e-7);
            if (shape.length == 2) {
                assertEquals(CASES.field(key, "node"), g.gradFn().name(), key);
            }
        }
    }

    @Test
    void gradgradcheckPassesAtRankDeficientMatrices() {
        for (String key : KEYS) {
            assertEquals("True", CASES.field(key, "ggc"), key);
            Tensor a = field(key, "a", shape(key)).requiresGrad_(true);
            assertTrue(Autograd.gradgradcheck(x -> x[0].linalgDet(), a), key);
        }
    }

    @Test
    void aMixedBatchPutsEachElementsFormulaInPlace() {
        // the singular elements' gradients (SVD) and the regular one's (solve) go back to their batch positions
        int[] shape = shape("batch_mixed");
        Tensor a = field("batch_mixed", "a", shape).requiresGrad_(true);
        Tensor g = Autograd.grad(List.of(a.linalgDet().sum()), List.of(a), null, true, true, false).get(0);
        for (int b = 0; b < 3; b++) {
            Tensor one = a.detach().select(0, b).clone().requiresGrad_(true);
            Tensor gb = Autograd.grad(List.of(one.linalgDet()), List.of(one), null, true, true, false).get(0);
            assertArrayEquals(gb.detach().toDoubleArray(), g.detach().select(0, b).toDoubleArray(), 1e-12, "element " + b);
        }
    }

    @Test
    void theFirstDerivativeWithoutGradModeIsStillTheLuSolve() {
        // PyTorch: lu_solve with the zero pivot replaced by eps, times grad * det = 0 at an exactly singular matrix
        Tensor a = Tensor.tensor(new double[] {1, 2, 2, 4}, DType.FLOAT64).reshape(2, 2).requiresGrad_(true);
        a.linalgDet().backward();
        assertArrayEquals(new double[] {0, 0, 0, 0}, a.grad().toDoubleArray(), 0);
    }
}
