package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code linalg.eigh} and {@code linalg.eigvalsh} against PyTorch ({@code svd/make_expected.py}): eigenvalues, functions of
 * the eigenvectors that do not depend on their signs (|V|, V diag(c) V^T), gradients and grad_fn names, from either
 * triangle, on batched and non-contiguous inputs; the decomposition itself; gradcheck and gradgradcheck; PyTorch's
 * errors; the SPI's host default. Tolerances as SvdTest.
 */
class EighTest {
    private static final Generator GEN = new Generator(1515);

    private static Tensor[] invariant(Tensor a, String uplo) {
        EighResult r = a.linalgEigh(uplo);
        int n = a.size(-1);
        Tensor c = Tensor.arange(1, n + 1, 1).to(a.dtype());
        Tensor v = r.eigenvectors();
        return new Tensor[] {r.eigenvalues(), v.abs(), v.mul(c).matmul(v.mT())};
    }

    @TestFactory
    List<DynamicTest> matchPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        for (String k : List.of("eigvalsh", "eigvalsh_batch", "eigvalsh_f32", "eigvalsh_lower_only", "eigvalsh_repeated",
                "eigvalsh_1x1", "eigvalsh_empty")) {
            t.add(SvdTest.CASES.one(k, x -> x[0].linalgEigvalsh()));
        }
        t.add(SvdTest.CASES.one("eigvalsh_upper", x -> x[0].linalgEigvalsh("U")));
        for (String k : List.of("eigh", "eigh_batch", "eigh_lower_only", "eigh_f32")) {
            t.add(DynamicTest.dynamicTest(k, () -> SvdTest.CASES.check(k, x -> invariant(x[0], "L"))));
        }
        t.add(DynamicTest.dynamicTest("eigh_upper", () -> SvdTest.CASES.check("eigh_upper", x -> invariant(x[0], "u"))));
        t.add(SvdTest.CASES.one("eigh_vectors_only", x -> {
            Tensor v = x[0].linalgEigh().eigenvectors();
            return v.mul(Tensor.tensor(new double[] {1, 2, 3})).matmul(v.mT());
        }));
        t.add(SvdTest.CASES.one("eigh_values_only", x -> x[0].linalgEigh().eigenvalues()));
        return t;
    }

    private static void assertDecomposes(Tensor a, String uplo, double tol) {
        EighResult r = a.linalgEigh(uplo);
        int n = a.size(-1);
        Tensor sym = uplo.equals("L") ? a.tril(0).add(a.tril(-1).mT()) : a.triu(0).add(a.triu(1).mT());
        Tensor v = r.eigenvectors();
        Tensor back = v.mul(r.eigenvalues().unsqueeze(-2)).matmul(v.mT());
        String what = Arrays.toString(a.shape()) + " " + uplo + " " + a.dtype();
        double scale = Math.max(1, a.abs().amax().item());
        assertTrue(back.sub(sym).abs().amax().item() <= tol * scale, what + ": V diag(L) V^T = A");
        assertTrue(v.mT().matmul(v).sub(Tensor.eye(n, n, a.dtype())).abs().amax().item() <= tol, what + ": V^T V = I");
        if (n > 1) {
            Tensor l = r.eigenvalues();
            assertTrue(l.narrow(-1, 0, n - 1).le(l.narrow(-1, 1, n - 1)).all(), what + ": ascending");
        }
    }

    @Test
    void decomposesWithOrthonormalVectors() {
        for (int[] s : new int[][] {{4, 4}, {2, 3, 5, 5}, {1, 1}, {17, 17}, {40, 40}}) {
            Tensor a = Tensor.randn(GEN, DType.FLOAT64, s);
            for (String uplo : List.of("L", "U")) {
                assertDecomposes(a, uplo, 1e-12);
                assertDecomposes(LinalgTest.nonContiguous(a), uplo, 1e-12);
                assertDecomposes(a.to(DType.FLOAT32), uplo, 2e-6);
            }
        }
        assertDecomposes(Tensor.eye(4, 4, DType.FLOAT64), "L", 1e-12);
        assertDecomposes(Tensor.zeros(DType.FLOAT64, 3, 3), "L", 1e-12);
        assertDecomposes(Tensor.randn(GEN, DType.FLOAT64, 1, 4, 4).expand(3, 4, 4), "L", 1e-12);
        assertDecomposes(Tensor.tensor(new double[][] {{0, 1}, {1, 0}}, DType.FLOAT64).mul(1e200), "L", 1e-12);
    }

    @Test
    void nodesAndNonFiniteInput() {
        Tensor a = Tensor.randn(GEN, DType.FLOAT64, 3, 3).requiresGrad_(true);
        EighResult r = a.linalgEigh();
        assertEquals("LinalgEighBackward0", r.eigenvalues().gradFn().name());
        assertEquals("LinalgEighBackward0", r.eigenvectors().gradFn().name());
        assertEquals("LinalgEighBackward0", a.linalgEigvalsh().gradFn().name());
        assertNull(a.detach().linalgEigvalsh().gradFn());
        // PyTorch's LAPACK gives NaN there (and finite values for blocks the NaN does not reach); Ember NaN throughout
        Tensor nan = Tensor.tensor(new double[][] {{1, 0, 0}, {Double.NaN, 1, 0}, {0, 0, 1}}, DType.FLOAT64);
        assertTrue(nan.linalgEigvalsh().isnan().any());
        // a NaN in the triangle not read changes nothing
        assertTrue(nan.linalgEigvalsh("U").equal(Tensor.ones(DType.FLOAT64, 3)));
    }

    private static Tensor symmetricInput(int n) {
        Tensor a = Tensor.rand(GEN, DType.FLOAT64, n, n).mul(0.2);
        Tensor steps = Tensor.arange(1, n + 1, 1).to(DType.FLOAT64);
        return a.add(Tensor.eye(n, n, DType.FLOAT64).mul(steps)).detach().requiresGrad_(true);
    }

    /** Symmetrized first (as PyTorch's OpInfo does: eigh's gradient assumes a symmetric perturbation). */
    private static Tensor sym(Tensor x) {
        return x.add(x.mT()).mul(0.5);
    }

    private static Map<String, Object[]> differentiable() {
        Map<String, Object[]> m = new LinkedHashMap<>();
        m.put("eigvalsh", new Object[] {(Function<Tensor[], Tensor>) x -> sym(x[0]).linalgEigvalsh(), symmetricInput(4)});
        m.put("eigh", new Object[] {(Function<Tensor[], Tensor>) x -> {
            Tensor[] o = invariant(sym(x[0]), "L");
            return Tensor.cat(List.of(o[0].reshape(-1), o[1].reshape(-1), o[2].reshape(-1)), 0);
        }, symmetricInput(3)});
        m.put("eigh upper vectors", new Object[] {(Function<Tensor[], Tensor>) x -> invariant(sym(x[0]), "U")[2],
            symmetricInput(3)});
        m.put("pinv hermitian", new Object[] {(Function<Tensor[], Tensor>) x -> sym(x[0]).linalgPinv(null, null, true),
            symmetricInput(3)});
        return m;
    }

    @TestFactory
    List<DynamicTest> gradcheck() {
        return GradcheckCases.of(differentiable(), true, true);
    }

    @Test
    void errorsAsPyTorch() {
        Tensor v = Tensor.ones(3);
        Tensor sq = Tensor.ones(3, 3);
        SvdTest.fails("eigh_nonsquare", () -> Tensor.ones(2, 3).linalgEigh());
        SvdTest.fails("eigh_uplo", () -> sq.linalgEigh("X"), sq);
        SvdTest.fails("eigh_uplo_long", () -> sq.linalgEigh("LL"), sq);
        SvdTest.fails("eigvalsh_1d", v::linalgEigvalsh, v);
        Tensor l = Tensor.ones(DType.INT64, 3, 3);
        SvdTest.fails("eigvalsh_long", l::linalgEigvalsh, l);
    }

    @Test
    void hostDefaultMatchesTheCpuKernel() {
        Backends2.registerFakeCuda(Set.of("svd", "eigh"));
        Device gpu = Device.cuda(0);
        for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            Tensor a = LinalgTest.nonContiguous(Tensor.randn(GEN, t, 2, 5, 5));
            Tensor ag = a.to(gpu);
            for (String uplo : List.of("L", "U")) {
                EighResult c = a.linalgEigh(uplo);
                EighResult g = ag.linalgEigh(uplo);
                LinalgTest.assertClose("values", c.eigenvalues().toDoubleArray(), g.eigenvalues().cpu(), t == DType.FLOAT32);
                LinalgTest.assertClose("vectors", c.eigenvectors().toDoubleArray(), g.eigenvectors().cpu(),
                        t == DType.FLOAT32);
                LinalgTest.assertClose("eigvalsh", c.eigenvalues().toDoubleArray(), ag.linalgEigvalsh(uplo).cpu(),
                        t == DType.FLOAT32);
            }
        }
        Tensor x = Tensor.randn(GEN, DType.FLOAT64, 4, 4);
        Tensor xg = x.to(gpu).requiresGrad_(true);
        Tensor xc = x.detach().requiresGrad_(true);
        xg.linalgEigvalsh().mul(Tensor.tensor(new double[] {1, 2, 3, 4}).to(gpu)).sum().backward();
        xc.linalgEigvalsh().mul(Tensor.tensor(new double[] {1, 2, 3, 4})).sum().backward();
        LinalgTest.assertClose("gradient", xc.grad().toDoubleArray(), xg.grad().cpu(), false);
        assertArrayEquals(new int[] {4}, xg.linalgEigvalsh().shape());
    }
}
