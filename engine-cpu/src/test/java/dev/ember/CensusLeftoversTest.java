package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The leftovers of the API census (session 28): {@code torch.linalg.ldl_factor_ex}/{@code ldl_factor}/{@code ldl_solve},
 * the deprecated {@code torch.cholesky}, {@code torch.lu_solve}, {@code torch.triangular_solve} and
 * {@code Tensor.narrow_copy}. Values, nodes, gradients and messages from {@code censusleftovers/make_expected.py}
 * (PyTorch 1.13; 2.x notes there).
 */
class CensusLeftoversTest {

    private static Function<Tensor[], Tensor> ldl(String name) {
        if (name.equals("ldl_factor backward")) {
            return a -> {
                a[0].linalgLdlFactor().LD().sum().backward();
                return null;
            };
        }
        if (name.equals("ldl_factor requires grad")) {
            return a -> Tensor.tensor(a[0].linalgLdlFactor().LD().requiresGrad());
        }
        if (name.equals("ldl_solve backward")) {
            return a -> {
                Tensor.linalgLdlSolve(a[0], a[1], a[2], false).sum().backward();
                return null;
            };
        }
        if (name.startsWith("ldl_solve")) {
            boolean error = !name.equals("ldl_solve broadcast") && name.matches("ldl_solve (B 1-d|B rows|B dtype|pivots "
                    + "float|pivots bool|pivots shape|LD not square|LD long|float16)");
            return error ? a -> Tensor.linalgLdlSolve(a[0], a[1], a[2], false)
                    : a -> Tensor.linalgLdlSolve(a[0].detach(), a[1], a[2].detach(), false);
        }
        if (name.startsWith("ldl_factor ")) {
            boolean piv = name.endsWith("pivots");
            return a -> {
                LdlFactorResult r = a[0].detach().linalgLdlFactor();
                return piv ? r.pivots() : r.LD();
            };
        }
        boolean check = name.contains("check_errors");
        boolean hermitian = name.contains("hermitian");
        String part = name.split(" ")[1];
        return a -> {
            Tensor in = a[0].dtype().isFloatingPoint() && a[0].dim() >= 2 && a[0].size(-1) == a[0].size(-2)
                    && a[0].dtype() != DType.FLOAT16 ? a[0].detach() : a[0];
            LdlFactorExResult r = in.linalgLdlFactorEx(hermitian, check);
            return part.equals("pivots") ? r.pivots() : part.equals("info") ? r.info() : r.LD();
        };
    }

    private static Function<Tensor[], Tensor> triangularSolve(String name) {
        if (name.equals("triangular_solve both")) {
            return a -> {
                TriangularSolveResult r = a[0].triangularSolve(a[1], false, true, false);
                return Tensor.cat(List.of(r.solution().flatten(), r.clonedCoefficient().flatten()), 0);
            };
        }
        boolean cloned = name.startsWith("triangular_solve cloned");
        if (name.contains("upper=")) {
            boolean upper = name.contains("upper=True");
            boolean transpose = name.contains("transpose=True");
            boolean unit = name.contains("unitriangular=True");
            return a -> part(a[0].triangularSolve(a[1], upper, transpose, unit), cloned);
        }
        boolean upper = !name.endsWith("A batched");
        return a -> part(a[0].triangularSolve(a[1], upper, false, false), cloned);
    }

    private static Tensor part(TriangularSolveResult r, boolean cloned) {
        return cloned ? r.clonedCoefficient() : r.solution();
    }

    private static Function<Tensor[], Tensor> narrowCopy(String name) {
        String[] w = name.split(" ");
        if (w.length == 4 && w[1].matches("-?\\d+")) {
            int d = Integer.parseInt(w[1]);
            int s = Integer.parseInt(w[2]);
            int n = Integer.parseInt(w[3]);
            return a -> a[0].narrowCopy(d, s, n);
        }
        switch (name) {
            case "narrow_copy long": case "narrow_copy 3-d": return a -> a[0].narrowCopy(1, 1, 2);
            case "narrow_copy transposed": return a -> a[0].narrowCopy(0, 1, 2);
            case "narrow_copy exceeds": return a -> a[0].narrowCopy(1, 3, 2);
            case "narrow_copy start past end": return a -> a[0].narrowCopy(1, 5, 0);
            case "narrow_copy negative length": return a -> a[0].narrowCopy(1, 0, -1);
            case "narrow_copy start out of range": return a -> a[0].narrowCopy(1, -5, 1);
            case "narrow_copy dim out of range": return a -> a[0].narrowCopy(2, 0, 1);
            case "narrow_copy negative dim out of range": return a -> a[0].narrowCopy(-3, 0, 1);
            case "narrow_copy 0-dim": return a -> a[0].narrowCopy(0, 0, 1);
            default: throw new IllegalArgumentException("no op for case " + name);
        }
    }

    static Function<Tensor[], Tensor> op(String name) {
        if (name.startsWith("ldl_")) {
            return ldl(name);
        }
        if (name.startsWith("cholesky")) {
            boolean upper = name.contains("upper");
            return a -> a[0].cholesky(upper);
        }
        if (name.startsWith("lu_solve")) {
            return a -> a[0].luSolve(a[1], a[2]);
        }
        if (name.startsWith("triangular_solve")) {
            return triangularSolve(name);
        }
        if (name.startsWith("narrow_copy")) {
            return narrowCopy(name);
        }
        throw new IllegalArgumentException("no op for case " + name);
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/censusleftovers/expected.txt", CensusLeftoversTest::op, 2e-5);
    }

    /** The generator's {@code seq}: ((7k + shift) mod 19 - 9) / 4, of any shape. */
    private static Tensor seq(int shift, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = ((7 * k + shift) % 19 - 9) * 0.25;
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    private static Tensor symmetric(int n, int shift) {
        Tensor a = seq(shift, n, n);
        return a.tril(0).add(a.tril(-1).mT());
    }

    @Test
    void ldlRebuildsTheMatrixAndSolves() {
        // A = P L D L^T P^T, checked through the solve: A X = B for matrices that pivot every way
        for (int n : new int[] {1, 2, 5, 9, 12}) {
            for (int shift = 0; shift < 6; shift++) {
                Tensor a = symmetric(n, shift).mul(shift + 1.0);
                LdlFactorExResult f = a.linalgLdlFactorEx(false, false);
                if (f.info().item() != 0) {
                    continue;
                }
                Tensor b = seq(shift + 3, n, 3);
                Tensor x = Tensor.linalgLdlSolve(f.LD(), f.pivots(), b, false);
                double err = a.matmul(x).sub(b).abs().max().item();
                assertTrue(err < 1e-9 * Math.max(1, x.abs().max().item()), "n=" + n + " shift=" + shift + ": " + err);
            }
        }
    }

    @Test
    void ldlRefusesPivotsItCouldNotHaveWritten() {
        Tensor a = symmetric(4, 2);
        LdlFactorResult f = a.linalgLdlFactor();
        Tensor b = seq(1, 4, 2);
        for (int[] bad : new int[][] {{0, 2, 3, 4}, {5, 2, 3, 4}, {-2, 2, 3, 4}, {1, 2, 3, -4}, {1, -1, -1, 4}}) {
            Tensor piv = Tensor.tensor(bad, DType.INT32, Device.CPU);
            double[] before = b.toDoubleArray();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Tensor.linalgLdlSolve(f.LD(), piv, b, false));
            assertTrue(e.getMessage().startsWith("torch.linalg.ldl_solve: pivots["), e.getMessage());
            assertArrayEquals(before, b.toDoubleArray());
        }
    }

    @Test
    void ldlResultsAreNotDifferentiable() {
        Tensor a = symmetric(4, 2).requiresGrad_(true);
        LdlFactorExResult f = a.linalgLdlFactorEx(false, false);
        assertEquals("NotImplemented", f.LD().gradFn().name());
        assertFalse(f.pivots().requiresGrad());
        assertFalse(f.info().requiresGrad());
        Tensor b = seq(1, 4, 2).requiresGrad_(true);
        Tensor x = Tensor.linalgLdlSolve(f.LD().detach(), f.pivots(), b, false);
        assertEquals("NotImplemented", x.gradFn().name());
        assertThrows(IllegalStateException.class, () -> x.sum().backward());
    }

    @Test
    void gradcheckOfTheDeprecatedNames() {
        Tensor s = seq(2, 3, 3);
        Tensor spd = s.matmul(s.mT()).add(Tensor.eye(3, 3, DType.FLOAT64).mul(3.0)).requiresGrad_(true);
        // through a symmetric matrix: the factor reads one triangle, the gradient is symmetric (as PyTorch's gradcheck)
        assertTrue(Autograd.gradcheck(in -> in[0].add(in[0].mT()).mul(0.5).cholesky(false), spd));
        assertTrue(Autograd.gradcheck(in -> in[0].add(in[0].mT()).mul(0.5).cholesky(true), spd));
        Tensor t = seq(4, 3, 3).add(Tensor.eye(3, 3, DType.FLOAT64).mul(3.0)).requiresGrad_(true);
        Tensor b = seq(1, 2, 3, 2).requiresGrad_(true);
        for (boolean upper : new boolean[] {true, false}) {
            for (boolean transpose : new boolean[] {true, false}) {
                for (boolean unit : new boolean[] {true, false}) {
                    assertTrue(Autograd.gradcheckMulti(in -> {
                        TriangularSolveResult r = in[0].triangularSolve(in[1], upper, transpose, unit);
                        return new Tensor[] {r.solution(), r.clonedCoefficient()};
                    }, b, t));
                }
            }
        }
        assertTrue(Autograd.gradgradcheck(in -> in[0].triangularSolve(in[1], false, true, false).solution(), b, t));
        LuFactorResult lu = t.detach().linalgLuFactor();
        assertTrue(Autograd.gradcheck(in -> in[0].luSolve(in[1], lu.pivots()), b, lu.LU().requiresGrad_(true)));
        assertTrue(Autograd.gradcheck(in -> in[0].narrowCopy(1, 1, 2), seq(3, 3, 4).requiresGrad_(true)));
        assertTrue(Autograd.gradgradcheck(in -> in[0].narrowCopy(1, 1, 2).pow(2), seq(3, 3, 4).requiresGrad_(true)));
    }

    @Test
    void narrowCopyIsACopy() {
        Tensor x = seq(1, 3, 4);
        Tensor c = x.narrowCopy(0, 1, 1);
        assertTrue(c.isContiguous());
        c.fill_(7.0);
        assertEquals(seq(1, 3, 4).sum().item(), x.sum().item());
        assertNotSame(x, x.narrowCopy(0, 0, 3));
    }
}
