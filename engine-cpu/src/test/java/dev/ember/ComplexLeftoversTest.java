package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.ember.nn.Conv1d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.utils.Parametrizations;
import dev.ember.nn.utils.Parametrize;
import dev.ember.optim.SGD;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.ember.ComplexLinalgTest.assertNear;
import static dev.ember.ComplexLinalgTest.crandn;
import static dev.ember.ComplexLinalgTest.cz;
import static dev.ember.ComplexLinalgTest.field;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The complex linear algebra Ember refused until session 31, against PyTorch 1.13 ({@code
 * complexleftovers/make_expected.py}, whose values are checked there in numpy): {@code torch.geqrf} of complex input
 * (zgeqr2's reflectors and tau, R's diagonal real) with its round trips through {@code householder_product} and {@code
 * ormqr}; {@code linalg.ldl_factor_ex}, {@code ldl_factor} and {@code ldl_solve} of complex symmetric (zsytf2, zsytrs)
 * and Hermitian (zhetf2, zhetrs) matrices, LD and the pivots equal to PyTorch's (1-by-1 and 2-by-2 pivots,
 * interchanges, singular and batched inputs); {@code svd_lowrank} and {@code pca_lowrank} of complex input (as 2.x;
 * 1.13 fails there, so by their invariants on exactly low-rank matrices); {@code nn.utils.parametrizations.orthogonal} with the householder map without the trivialization (its
 * right inverse through geqrf: registration, assignment, SGD steps, state dict) and with complex weights (householder
 * refused, matrix_exp and cayley unitary); values, grad_fn names, gradients where the op has them, PyTorch's errors
 * with the inputs unchanged.
 */
class ComplexLeftoversTest {
    private static final Map<String, List<String>> CASES = ReferenceCases.read("/complexleftovers/expected.txt");

    private static Tensor[] apply(String op, Tensor[] in) {
        switch (op) {
            case "geqrf": {
                GeqrfResult r = in[0].geqrf();
                return new Tensor[] {r.a(), r.tau()};
            }
            case "orgqr":
                return new Tensor[] {in[0].orgqr(in[1])};
            case "ormqr":
                return new Tensor[] {in[0].ormqr(in[1], in[2], true, false)};
            case "ldl_factor_ex":
            case "ldl_factor_ex_herm": {
                LdlFactorExResult r = in[0].linalgLdlFactorEx(op.endsWith("herm"), false);
                return new Tensor[] {r.LD(), r.pivots(), r.info()};
            }
            case "ldl_factor":
            case "ldl_factor_herm": {
                LdlFactorResult r = in[0].linalgLdlFactor(op.endsWith("herm"));
                return new Tensor[] {r.LD(), r.pivots()};
            }
            case "ldl_solve":
            case "ldl_solve_herm": {
                boolean h = op.endsWith("herm");
                LdlFactorResult f = in[0].detach().linalgLdlFactor(h);
                return new Tensor[] {Tensor.linalgLdlSolve(f.LD(), f.pivots(), in[1], h)};
            }
            default:
                throw new AssertionError(op);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.each(CASES, ComplexLeftoversTest::check);
    }

    private static void check(String name, List<String> body) {
        String op = field(body, "op");
        if (op.equals("orth")) {
            orthogonalCase(body);
            return;
        }
        boolean grad = field(body, "requires_grad") != null;
        List<Tensor> ins = new ArrayList<>();
        for (int i = 0; field(body, "in" + i) != null; i++) {
            Tensor x = PyTorchCases.tensor(field(body, "in" + i));
            ins.add(grad && (x.isComplex() || x.isFloatingPoint()) ? x.requiresGrad_(true) : x);
        }
        Tensor[] in = ins.toArray(new Tensor[0]);
        String error = field(body, "error");
        if (error != null) {
            ComplexLinalgTest.assertErrorLeavesInputs(error, in, () -> apply(op, in));
            return;
        }
        Tensor[] outs = apply(op, in);
        boolean f32 = in[0].dtype() == DType.COMPLEX64;
        for (int i = 0; i < outs.length; i++) {
            assertNear("out" + i, PyTorchCases.tensor(field(body, "out" + i)), outs[i], f32 ? 1e-4 : 1e-9);
        }
        assertEquals(field(body, "fn"), outs[0].gradFn() == null ? "None" : outs[0].gradFn().name());
        Tensor o = outs[0].isComplex() ? outs[0].viewAsReal() : outs[0];
        Tensor loss = o.mul(ReferenceCases.weights(o.shape(), o.dtype())).sum();
        String backwardError = field(body, "backward_error");
        if (backwardError != null) {
            Throwable e = assertThrows(IllegalStateException.class, loss::backward);
            assertEquals(backwardError.substring(backwardError.indexOf(' ') + 1), e.getMessage());
            return;
        }
        if (field(body, "grad0") == null) {
            return;
        }
        loss.backward();
        for (int i = 0; i < in.length; i++) {
            String g = field(body, "grad" + i);
            if (g != null) {
                assertNear("grad" + i, PyTorchCases.tensor(g), in[i].grad(), f32 ? 2e-3 : 1e-8);
            }
        }
    }

    // ------------------------------------------------------------------ orthogonal without the trivialization

    /** The {@code <prefix><key>} lines of a case as a map of tensors, in the file's order. */
    private static Map<String, Tensor> prefixed(List<String> body, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String l : body) {
            if (l.startsWith(prefix)) {
                int sp = l.indexOf(' ');
                out.put(l.substring(prefix.length(), sp), PyTorchCases.tensor(l.substring(sp + 1)));
            }
        }
        return out;
    }

    private static void assertState(List<String> body, Module m, String prefix, double tol) {
        Map<String, Tensor> expected = prefixed(body, prefix + ".");
        Map<String, Tensor> sd = m.stateDict();
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(sd.keySet()), prefix + " keys");
        expected.forEach((k, v) -> assertNear(prefix + "." + k, v, sd.get(k), tol));
    }

    /**
     * make_expected.py's orth_case: the layer with the case's initial parameters, {@code orthogonal} registered (or
     * PyTorch's error), the state dict and value, an assignment through the right inverse, three SGD steps.
     */
    private static void orthogonalCase(List<String> body) {
        String[] desc = field(body, "module").split(" ");
        int[] sz = new int[desc.length - 1];
        for (int i = 1; i < desc.length; i++) {
            sz[i - 1] = Integer.parseInt(desc[i]);
        }
        Module m = desc[0].equals("linear") ? new Linear(sz[0], sz[1]) : new Conv1d(sz[0], sz[1], sz[2]);
        Map<String, Tensor> init = prefixed(body, "init.");
        DType type = init.get("weight").dtype();
        m.to(type);
        m.loadStateDict(init);
        String map = field(body, "map").equals("None") ? null : field(body, "map");
        boolean triv = Boolean.parseBoolean(field(body, "triv"));
        String error = field(body, "error");
        if (error != null) {
            Throwable e = assertThrows(IllegalArgumentException.class, () -> Parametrizations.orthogonal(m, "weight", map,
                    triv));
            assertEquals(error.substring(error.indexOf(' ') + 1), e.getMessage());
            assertEquals(List.of("weight", "bias"), new ArrayList<>(m.stateDict().keySet()), "module unchanged");
            assertNear("weight unchanged", init.get("weight"), m.stateDict().get("weight"), 0);
            return;
        }
        Parametrizations.orthogonal(m, "weight", map, triv);
        double tol = type == DType.FLOAT32 ? 1e-5 : 1e-9;
        assertEquals(field(body, "keys"), String.join(",", m.stateDict().keySet()));
        assertState(body, m, "sd", tol);
        Tensor value = m.parametrizedValue("weight");
        assertNear("value0", PyTorchCases.tensor(field(body, "value0")), value, tol);
        if ("householder".equals(map) || map == null && !type.isComplex()) {
            assertEquals(field(body, "fn"), value.gradFn().name());
        }
        String assign = field(body, "assign");
        if (assign != null) {
            try (GradMode off = Ember.noGrad()) {
                Parametrize.rightInverse(m, "weight", PyTorchCases.tensor(assign));
            }
            assertState(body, m, "assigned", tol);
            assertNear("value1", PyTorchCases.tensor(field(body, "value1")), m.parametrizedValue("weight"), tol);
        }
        Tensor x = PyTorchCases.tensor(field(body, "x"));
        SGD opt = new SGD(m.parameters(), 0.1);
        for (int i = 0; field(body, "out" + i) != null; i++) {
            Tensor out = m.apply(x);
            assertNear("out" + i, PyTorchCases.tensor(field(body, "out" + i)), out, tol);
            opt.zeroGrad();
            Tensor r = out.isComplex() ? out.viewAsReal() : out;
            r.mul(ReferenceCases.weights(r.shape(), r.dtype())).sum().backward();
            Map<String, Tensor> grads = prefixed(body, "grad" + i + ".");
            Map<String, Tensor> params = m.namedParameters();
            assertEquals(new ArrayList<>(grads.keySet()), new ArrayList<>(params.keySet()), "parameters");
            int step = i;
            grads.forEach((k, v) -> assertNear("grad" + step + "." + k, v, params.get(k).grad(), tol * 10));
            opt.step();
        }
        assertState(body, m, "after", tol * 10);
    }

    // ------------------------------------------------------------------ ldl: properties

    @Test
    void ldlSolvesSymmetricAndHermitianSystemsOfManySizes() {
        Generator gen = new Generator(33);
        for (int n : new int[] {1, 2, 3, 6, 9}) {
            for (boolean hermitian : new boolean[] {false, true}) {
                for (boolean zeroDiagonal : new boolean[] {false, true}) {
                    Tensor x = crandn(gen, 2, n, n);
                    Tensor a = x.add(hermitian ? x.mH() : x.mT());
                    if (zeroDiagonal && n > 1) {
                        a = a.sub(a.diagonal(0, -2, -1).diagEmbed(0, -2, -1)); // 2-by-2 pivots throughout
                    }
                    LdlFactorExResult f = a.linalgLdlFactorEx(hermitian, false);
                    assertEquals(0L, f.info().abs().sum().item(), "info");
                    assertEquals(0.0, f.LD().triu(1).abs().max().item(), "LD's upper triangle");
                    if (hermitian) {
                        assertEquals(0.0, f.LD().diagonal(0, -2, -1).imag().abs().max().item(), "D real");
                    }
                    Tensor b = crandn(gen, 2, n, 3);
                    Tensor sol = Tensor.linalgLdlSolve(f.LD(), f.pivots(), b, hermitian);
                    double err = a.matmul(sol).sub(b).abs().max().item();
                    assertTrue(err < 1e-10 * Math.max(1, sol.abs().max().item()), n + " " + hermitian + ": " + err);
                }
            }
        }
        // the wrong flag for the factorization solves another system: hermitian matters for complex input only
        Tensor x = crandn(gen, 4, 4);
        Tensor h = x.add(x.mH());
        LdlFactorResult f = h.linalgLdlFactor(true);
        Tensor b = crandn(gen, 4, 1);
        assertTrue(h.matmul(Tensor.linalgLdlSolve(f.LD(), f.pivots(), b, true)).sub(b).abs().max().item() < 1e-12);
        Tensor r = x.real().add(x.real().mT());
        LdlFactorResult fr = r.linalgLdlFactor(true);
        LdlFactorResult fs = r.linalgLdlFactor(false);
        assertEquals(0.0, fr.LD().sub(fs.LD()).abs().max().item());
    }

    // ------------------------------------------------------------------ svd_lowrank / pca_lowrank of complex input

    /** U diag(S) V^H of a low-rank result, as a complex matrix. */
    private static Tensor rebuild(SvdUsvResult r) {
        return r.U().mul(r.S().to(r.U().dtype()).unsqueeze(-2)).matmul(r.V().mH());
    }

    private static double maxAbs(Tensor t) {
        return t.abs().max().item();
    }

    /**
     * PyTorch 1.13 fails in matmul on complex input (its random matrix is real); 2.x draws it complex and works with
     * adjoints. The draw is Ember's, so these check what does not depend on it: an exactly low-rank matrix (rank 2, q =
     * 4) is recovered, its two singular values are linalg.svdvals', the others vanish, U and V have orthonormal columns.
     */
    @Test
    void svdLowrankOfComplexLowRankMatricesRecoversThem() {
        Generator gen = new Generator(34);
        for (int[] mn : new int[][] {{7, 5}, {5, 7}, {6, 3}}) {
            Tensor a = crandn(gen, 2, mn[0], 2).matmul(crandn(gen, 2, 2, mn[1]));
            for (int q : new int[] {3, 4}) {
                SvdUsvResult r = a.svdLowrank(q, 2, null, new Generator(7));
                int k = Math.min(q, Math.min(mn[0], mn[1])); // the SVD of a q-column projection: min(q, m, n) values
                assertEquals(DType.FLOAT64, r.S().dtype());
                assertEquals(DType.COMPLEX128, r.U().dtype());
                assertEquals(List.of(2, mn[0], k), List.of(r.U().shape()[0], r.U().shape()[1], r.U().shape()[2]));
                assertEquals(List.of(2, mn[1], k), List.of(r.V().shape()[0], r.V().shape()[1], r.V().shape()[2]));
                Tensor exact = a.linalgSvdvals();
                assertTrue(maxAbs(r.S().narrow(-1, 0, 2).sub(exact.narrow(-1, 0, 2))) < 1e-10, "S");
                assertTrue(r.S().narrow(-1, 2, k - 2).max().item() < 1e-10 * exact.max().item(), "S beyond the rank");
                assertTrue(maxAbs(rebuild(r).sub(a)) < 1e-10, "U S V^H = A");
                assertTrue(maxAbs(r.U().mH().matmul(r.U()).sub(eyeC(k))) < 1e-10, "U^H U = I");
                assertTrue(maxAbs(r.V().mH().matmul(r.V()).sub(eyeC(k))) < 1e-10, "V^H V = I");
            }
        }
        // with M: the decomposition of A - M
        Tensor a = crandn(gen, 6, 2).matmul(crandn(gen, 2, 5));
        Tensor m = crandn(gen, 6, 5);
        SvdUsvResult r = a.add(m).svdLowrank(3, 2, m, new Generator(8));
        assertTrue(maxAbs(rebuild(r).sub(a)) < 1e-10, "U S V^H = A with M");
        // complex64: the same, in single precision
        Tensor a32 = a.to(DType.COMPLEX64);
        SvdUsvResult r32 = a32.svdLowrank(3, 2, null, new Generator(9));
        assertEquals(DType.FLOAT32, r32.S().dtype());
        assertTrue(maxAbs(rebuild(r32).sub(a32)) < 1e-4 * maxAbs(a32), "complex64");
    }

    @Test
    void pcaLowrankOfComplexDataCentersThenDecomposes() {
        Generator gen = new Generator(35);
        // centered data of rank 2 plus a mean row: the centering removes the mean, two components remain
        Tensor y = crandn(gen, 8, 2).matmul(crandn(gen, 2, 5));
        Tensor x = y.sub(y.mean(new int[] {-2}, true));
        Tensor a = x.add(crandn(gen, 1, 5));
        SvdUsvResult r = a.pcaLowrank(3, true, 2, new Generator(10));
        Tensor exact = x.linalgSvdvals();
        assertTrue(maxAbs(r.S().narrow(-1, 0, 2).sub(exact.narrow(-1, 0, 2))) < 1e-10, "S");
        assertTrue(maxAbs(rebuild(r).sub(x)) < 1e-10, "U S V^H = A - mean");
        // without centering, of the centered data itself
        SvdUsvResult r2 = x.pcaLowrank(3, false, 2, new Generator(11));
        assertTrue(maxAbs(rebuild(r2).sub(x)) < 1e-10, "center=False");
        // the default q, min(6, m, n)
        assertEquals(5, a.pcaLowrank().S().size(-1));
    }

    @Test
    void svdLowrankOfComplexInputIsDifferentiable() {
        // q = min(m, n): the basis spans the whole range, so S is linalg.svdvals and its gradient well defined
        Tensor p = Tensor.randn(new Generator(36), DType.FLOAT64, 4, 3, 2).requiresGrad_(true);
        Function<Tensor[], Tensor> s = x -> cz(x[0]).svdLowrank(3, 1, null, new Generator(5)).S();
        assertTrue(Autograd.gradcheck(s::apply, p));
        assertTrue(Autograd.gradgradcheck(s::apply, p));
        Function<Tensor[], Tensor> wide = x -> cz(x[0]).mT().svdLowrank(3, 1, null, new Generator(6)).S();
        assertTrue(Autograd.gradcheck(wide::apply, p));
        Function<Tensor[], Tensor> usv = x -> rebuild(cz(x[0]).svdLowrank(3, 1, null, new Generator(7))).viewAsReal();
        assertTrue(Autograd.gradcheck(usv::apply, p));
    }

    // ------------------------------------------------------------------ geqrf: properties

    private static Tensor eyeC(int n) {
        return Tensor.eye(n, n, DType.FLOAT64).to(DType.COMPLEX128);
    }

    @Test
    void geqrfRebuildsTheMatrixForManyShapes() {
        Generator gen = new Generator(31);
        for (int[] mn : new int[][] {{1, 1}, {1, 4}, {4, 1}, {6, 6}, {7, 3}, {3, 7}}) {
            Tensor a = crandn(gen, 2, mn[0], mn[1]);
            GeqrfResult g = a.geqrf();
            int m = mn[0];
            // Q (m by m) from ormqr of the identity, R the upper triangle: Q R = A, Q unitary, R's diagonal real
            Tensor q = g.a().ormqr(g.tau(), eyeC(m).expand(2, m, m), true, false);
            Tensor r = g.a().triu();
            assertTrue(q.matmul(r).sub(a).abs().max().item() < 1e-13, "Q R = A");
            assertTrue(q.mH().matmul(q).sub(eyeC(m)).abs().max().item() < 1e-13, "Q^H Q = I");
            assertTrue(r.diagonal(0, -2, -1).imag().abs().max().item() == 0, "R's diagonal real");
            // Q^H A = R through ormqr's adjoint
            assertTrue(g.a().ormqr(g.tau(), a, true, true).sub(r).abs().max().item() < 1e-13, "Q^H A = R");
            if (m >= mn[1]) {
                // orgqr's first n columns of Q, and linalg.qr's R up to the signs of its diagonal
                assertTrue(g.a().orgqr(g.tau()).sub(q.narrow(-1, 0, mn[1])).abs().max().item() < 1e-13);
            }
            assertTrue(a.linalgQr().R().abs().sub(r.narrow(-2, 0, Math.min(m, mn[1])).abs()).abs().max().item() < 1e-12);
        }
    }

    @Test
    void geqrfGradientsFlowThroughHouseholderProductAndOrmqrOfItsOutput() {
        // geqrf itself is not differentiable; the reflectors it returns are inputs like any other to orgqr and ormqr
        Generator gen = new Generator(32);
        GeqrfResult g = crandn(gen, 4, 3).geqrf();
        Tensor p = g.a().viewAsReal().clone().requiresGrad_(true);
        Tensor t = g.tau().viewAsReal().clone().requiresGrad_(true);
        Function<Tensor[], Tensor> house = x -> cz(x[0]).orgqr(cz(x[1])).viewAsReal();
        assertTrue(Autograd.gradcheck(house::apply, p, t));
        assertTrue(Autograd.gradgradcheck(house::apply, p, t));
        Tensor c = Tensor.randn(gen, DType.FLOAT64, 4, 2, 2).requiresGrad_(true);
        Function<Tensor[], Tensor> ormqr = x -> cz(x[0]).ormqr(cz(x[1]), cz(x[2]), true, true).viewAsReal();
        assertTrue(Autograd.gradcheck(ormqr::apply, p, t, c));
        assertTrue(Autograd.gradgradcheck(ormqr::apply, p, t, c));
        // with grad mode off, a complex input that requires grad is factored (nothing would be recorded)
        Tensor a = crandn(gen, 3, 3).requiresGrad_(true);
        try (GradMode off = Ember.noGrad()) {
            assertEquals(DType.COMPLEX128, a.geqrf().tau().dtype());
        }
        Throwable e = assertThrows(IllegalArgumentException.class, a::geqrf);
        assertEquals("geqrf does not support automatic differentiation for outputs with complex dtype.", e.getMessage());
    }
}
