package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Complex {@code linalg.inv}, {@code linalg.solve} (left, right, vector right sides, broadcast batches),
 * {@code linalg.det}, {@code linalg.slogdet}, {@code logdet}, {@code linalg.cholesky} (lower, upper, cholesky_ex, the
 * deprecated {@code torch.cholesky}), {@code linalg.solve_triangular}, {@code linalg.qr} (reduced, complete, r),
 * {@code linalg.vecdot}, {@code linalg.eigh} and {@code eigvalsh} (eigenvectors
 * compared up to a unit factor per column) against PyTorch 1.13 ({@code complexlinalg/make_expected.py},
 * whose values are checked there against a pure-Python elimination and its complex128 gradients against finite
 * differences): values, grad_fn names, the gradients of {@code sum(view_as_real(out) * w)}, errors with the input
 * unchanged; gradcheck and gradgradcheck through real views; the real suites' formulas unchanged (mH is mT there).
 */
class ComplexLinalgTest {
    private static final Map<String, List<String>> CASES = ReferenceCases.read("/complexlinalg/expected.txt");

    /** The rest of the line of a case's body that starts with {@code key} and a space (null: none). */
    static String field(List<String> body, String key) {
        for (String l : body) {
            if (l.startsWith(key + " ")) {
                return l.substring(key.length() + 1);
            }
        }
        return null;
    }

    private static Tensor[] apply(String op, Tensor[] in) {
        switch (op) {
            case "inv":
                return new Tensor[] {in[0].linalgInv()};
            case "solve":
                return new Tensor[] {in[0].linalgSolve(in[1])};
            case "solve_right":
                return new Tensor[] {in[0].linalgSolve(in[1], false)};
            case "det":
                return new Tensor[] {in[0].linalgDet()};
            case "slogdet": {
                SlogdetResult r = in[0].linalgSlogdet();
                return new Tensor[] {r.sign(), r.logabsdet()};
            }
            case "logdet":
                return new Tensor[] {in[0].logdet()};
            case "cholesky":
                return new Tensor[] {in[0].linalgCholesky()};
            case "cholesky_upper":
                return new Tensor[] {in[0].linalgCholesky(true)};
            case "cholesky_gram": {
                int n = in[0].size(-1);
                return new Tensor[] {in[0].matmul(in[0].mH()).add(Tensor.eye(n, n, DType.FLOAT64)).linalgCholesky()};
            }
            case "cholesky_ex": {
                CholeskyExResult r = in[0].linalgCholeskyEx(false, false);
                return new Tensor[] {r.L(), r.info()};
            }
            case "cholesky_deprecated":
                return new Tensor[] {in[0].cholesky()};
            case "eigh": {
                EighResult r = in[0].linalgEigh();
                return new Tensor[] {r.eigenvalues(), r.eigenvectors()};
            }
            case "eigh_upper": {
                EighResult r = in[0].linalgEigh("U");
                return new Tensor[] {r.eigenvalues(), r.eigenvectors()};
            }
            case "eigh_herm": {
                EighResult r = in[0].add(in[0].mH()).linalgEigh();
                return new Tensor[] {r.eigenvalues(), r.eigenvectors()};
            }
            case "qr": {
                QrResult r = in[0].linalgQr();
                return new Tensor[] {r.Q(), r.R()};
            }
            case "qr_complete": {
                QrResult r = in[0].linalgQr("complete");
                return new Tensor[] {r.Q(), r.R()};
            }
            case "qr_r":
                return new Tensor[] {in[0].linalgQr("r").R()};
            case "vecdot":
                return new Tensor[] {in[0].linalgVecdot(in[1])};
            case "eigvalsh":
                return new Tensor[] {in[0].linalgEigvalsh()};
            case "solve_triangular_upper":
                return new Tensor[] {in[0].linalgSolveTriangular(in[1], true)};
            case "solve_triangular_lower_right":
                return new Tensor[] {in[0].linalgSolveTriangular(in[1], false, false, false)};
            case "solve_triangular_unit":
                return new Tensor[] {in[0].linalgSolveTriangular(in[1], false, true, true)};
            default:
                throw new AssertionError(op);
        }
    }

    /** make_expected.py's loss_of: sum(view_as_real(out) * w) over the outputs (a real one's sum(out * w)). */
    private static Tensor loss(Tensor[] outs) {
        if (outs.length == 2 && outs[1].isComplex() && !outs[0].isComplex()) {
            // eigh: sum(L w) + sum(|V|^2 w), independent of the eigenvectors' phases
            Tensor l = outs[0];
            Tensor v = outs[1];
            return l.mul(ReferenceCases.weights(l.shape(), l.dtype())).sum()
                    .add(v.abs().pow(2L).mul(ReferenceCases.weights(v.shape(), l.dtype())).sum());
        }
        Tensor total = null;
        for (Tensor o : outs) {
            Tensor r = o.isComplex() ? o.viewAsReal() : o;
            Tensor l = r.mul(ReferenceCases.weights(r.shape(), r.dtype())).sum();
            total = total == null ? l : total.add(l);
        }
        return total;
    }

    /** Each value within {@code tol * max(1, |expected|)} (NaN matching NaN, infinities equal). */
    static void assertNear(String what, Tensor expected, Tensor got, double tol) {
        assertEquals(expected.dtype(), got.dtype(), what + " dtype");
        assertArrayEquals(expected.shape(), got.shape(), what + " shape");
        double[] e = ReferenceCases.values(expected);
        double[] g = ReferenceCases.values(got.detach());
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(g[i]) : e[i] == g[i] || Math.abs(e[i] - g[i]) <= tol * Math.max(1, Math.abs(e[i]));
            assertTrue(ok, what + "[" + i + "]: PyTorch " + e[i] + ", Ember " + g[i]);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.each(CASES, ComplexLinalgTest::check);
    }

    private static void check(String name, List<String> body) {
        String op = field(body, "op");
        List<Tensor> ins = new ArrayList<>();
        for (int i = 0; field(body, "in" + i) != null; i++) {
            Tensor x = PyTorchCases.tensor(field(body, "in" + i));
            // make_expected.py's inputs require grad when complex, unless the case is without gradients (fn None)
            ins.add(x.isComplex() && !"None".equals(field(body, "fn")) ? x.requiresGrad_(true) : x);
        }
        Tensor[] in = ins.toArray(new Tensor[0]);
        String error = field(body, "error");
        if (error != null) {
            assertErrorLeavesInputs(error, in, () -> apply(op, in));
            return;
        }
        Tensor[] outs = apply(op, in);
        boolean f32 = in[0].dtype() == DType.COMPLEX64;
        double tol = f32 ? 1e-4 : 1e-9;
        for (int i = 0; i < outs.length; i++) {
            Tensor expected = PyTorchCases.tensor(field(body, "out" + i));
            // eigenvectors: LAPACK's phases are not reproduced, each column is aligned to PyTorch's first
            Tensor got = op.startsWith("eigh") && i == 1 ? alignPhases(outs[i].detach(), expected) : outs[i];
            assertNear("out" + i, expected, got, tol);
        }
        assertEquals(field(body, "fn"), outs[0].gradFn() == null ? "None" : outs[0].gradFn().name());
        boolean any = false;
        for (int i = 0; i < in.length; i++) {
            any |= field(body, "grad" + i) != null;
        }
        if (!any) {
            return;
        }
        loss(outs).backward();
        for (int i = 0; i < in.length; i++) {
            String g = field(body, "grad" + i);
            if (g != null) {
                assertNear("grad" + i, PyTorchCases.tensor(g), in[i].grad(), f32 ? 2e-3 : 1e-8);
            }
        }
    }

    /**
     * The expected "error Type message" line: the call throws that message (a {@link LinAlgError} for PyTorch's
     * _LinAlgError) and leaves every input as it was.
     */
    static void assertErrorLeavesInputs(String error, Tensor[] in, org.junit.jupiter.api.function.Executable call) {
        double[][] before = new double[in.length][];
        for (int i = 0; i < in.length; i++) {
            before[i] = ReferenceCases.values(in[i]);
        }
        Throwable e = assertThrows(RuntimeException.class, call);
        assertEquals(error.substring(error.indexOf(' ') + 1), e.getMessage());
        if (error.startsWith("_LinAlgError")) {
            assertTrue(e instanceof LinAlgError, e.getClass().getName());
        }
        for (int i = 0; i < in.length; i++) {
            assertArrayEquals(before[i], ReferenceCases.values(in[i]), "input changed");
        }
    }

    /** {@code v}'s columns each multiplied by the unit complex number that best aligns it with {@code ref}'s. */
    private static Tensor alignPhases(Tensor v, Tensor ref) {
        if (v.numel() == 0) {
            return v;
        }
        Tensor p = ref.conj().mul(v).sum(-2, true);
        return v.mul(p.conj().div(p.abs().add(1e-300)));
    }

    // ------------------------------------------------------------------ properties

    /** A complex128 tensor of standard normal real and imaginary parts. */
    static Tensor crandn(Generator g, int... shape) {
        int[] s = java.util.Arrays.copyOf(shape, shape.length + 1);
        s[shape.length] = 2;
        return Tensor.randn(g, DType.FLOAT64, s).viewAsComplex();
    }

    /** A complex tensor of a gradcheck input's pairs (cloned: gradcheck's inputs may start at odd offsets). */
    static Tensor cz(Tensor pairs) {
        return pairs.clone().viewAsComplex();
    }

    @Test
    void inverseTimesMatrixIsIdentityAndComplex64RoundsDoubleResult() {
        Tensor a = crandn(new Generator(1), 3, 6, 6);
        Tensor x = a.linalgInv();
        Tensor id = Tensor.eye(6, 6, DType.FLOAT64).to(DType.COMPLEX128);
        assertTrue(a.matmul(x).sub(id).abs().max().item() < 1e-12);
        Tensor x64 = a.to(DType.COMPLEX64).linalgInv();
        assertEquals(DType.COMPLEX64, x64.dtype());
        assertTrue(x64.to(DType.COMPLEX128).sub(x).abs().max().item() < 1e-4);
    }

    @Test
    void detEqualsSignTimesExpLogabsdetAndLogdet() {
        Tensor a = crandn(new Generator(2), 4, 5, 5);
        Tensor det = a.linalgDet();
        SlogdetResult r = a.linalgSlogdet();
        assertEquals(DType.FLOAT64, r.logabsdet().dtype());
        Tensor rebuilt = r.sign().mul(r.logabsdet().exp().to(DType.COMPLEX128));
        assertTrue(rebuilt.sub(det).abs().max().item() < 1e-12 * det.abs().max().item());
        // logdet = log(sign) + logabsdet = log(det)
        assertTrue(a.logdet().sub(det.log()).abs().max().item() < 1e-12);
    }

    @Test
    void singularInputsGiveZeroDeterminantAndSign() {
        Tensor a = Tensor.complex(Tensor.tensor(new double[][] {{1, 2}, {2, 4}}),
                Tensor.tensor(new double[][] {{1, -1}, {2, -2}}));
        assertEquals(0.0, a.linalgDet().abs().item(), 0.0);
        SlogdetResult r = a.linalgSlogdet();
        assertEquals(0.0, r.sign().abs().item(), 0.0);
        assertEquals(Double.NEGATIVE_INFINITY, r.logabsdet().item(), 0.0);
        InvExResult ex = a.linalgInvEx(false);
        assertEquals(2, ex.info().item(), 0.0);
    }

    @Test
    void gradcheckThroughRealViews() {
        Generator gen = new Generator(42);
        Tensor p = Tensor.randn(gen, DType.FLOAT64, 3, 3, 2).add(Tensor.eye(3, 3, DType.FLOAT64).unsqueeze(-1).mul(2.0))
                .detach().requiresGrad_(true);
        Tensor q = Tensor.randn(gen, DType.FLOAT64, 3, 2, 2).requiresGrad_(true);
        List<Function<Tensor[], Tensor>> fs = List.of(
            x -> cz(x[0]).linalgInv().viewAsReal(),
            x -> cz(x[0]).linalgDet().viewAsReal(),
            x -> {
                SlogdetResult r = cz(x[0]).linalgSlogdet();
                return Tensor.cat(List.of(r.sign().viewAsReal(), r.logabsdet().unsqueeze(0)), 0);
            },
            x -> cz(x[0]).logdet().viewAsReal());
        for (Function<Tensor[], Tensor> f : fs) {
            assertTrue(Autograd.gradcheck(f::apply, p));
            assertTrue(Autograd.gradgradcheck(f::apply, p));
        }
        Function<Tensor[], Tensor> solve = x -> cz(x[0]).linalgSolve(cz(x[1])).viewAsReal();
        assertTrue(Autograd.gradcheck(solve::apply, p, q));
        assertTrue(Autograd.gradgradcheck(solve::apply, p, q));
        Function<Tensor[], Tensor> right = x -> cz(x[0]).linalgSolve(cz(x[1]).mT(), false).viewAsReal();
        assertTrue(Autograd.gradcheck(right::apply, p, q));
        // cholesky through A = X X^H + I (Hermitian positive-definite for every X), lower and upper
        for (boolean upper : new boolean[] {false, true}) {
            Function<Tensor[], Tensor> chol = x -> {
                Tensor z = cz(x[0]);
                return z.matmul(z.mH()).add(Tensor.eye(3, 3, DType.FLOAT64)).linalgCholesky(upper).viewAsReal();
            };
            assertTrue(Autograd.gradcheck(chol::apply, p));
            assertTrue(Autograd.gradgradcheck(chol::apply, p));
        }
        Function<Tensor[], Tensor> tri = x -> cz(x[0]).linalgSolveTriangular(cz(x[1]), true).viewAsReal();
        assertTrue(Autograd.gradcheck(tri::apply, p, q));
        assertTrue(Autograd.gradgradcheck(tri::apply, p, q));
        Function<Tensor[], Tensor> triRight = x -> cz(x[0]).linalgSolveTriangular(cz(x[1]).mT(), false, false, true)
                .viewAsReal();
        assertTrue(Autograd.gradcheck(triRight::apply, p, q));
    }

    @Test
    void eighGradcheckThroughPhaseInvariantFunctionsAndGaugeError() {
        Generator gen = new Generator(5);
        Tensor p = Tensor.randn(gen, DType.FLOAT64, 4, 4, 2).requiresGrad_(true);
        Tensor w = Tensor.arange(1, 5, 1).toDouble();
        Function<Tensor[], Tensor> f = x -> {
            Tensor z = cz(x[0]);
            EighResult r = z.add(z.mH()).linalgEigh();
            return Tensor.cat(List.of(r.eigenvalues(), r.eigenvectors().abs().pow(2L).mul(w).sum(-1)), 0);
        };
        assertTrue(Autograd.gradcheck(f::apply, p));
        assertTrue(Autograd.gradgradcheck(f::apply, p));
        Function<Tensor[], Tensor> vals = x -> {
            Tensor z = cz(x[0]);
            return z.add(z.mH()).linalgEigvalsh("U");
        };
        assertTrue(Autograd.gradcheck(vals::apply, p));
        assertTrue(Autograd.gradgradcheck(vals::apply, p));
        // a loss that depends on the phases is refused, as PyTorch's
        Tensor a = crandn(gen, 3, 3).requiresGrad_(true);
        Tensor v = a.linalgEigh().eigenvectors();
        Throwable e = assertThrows(IllegalStateException.class, () -> v.real().sum().backward());
        assertEquals("linalg_eigh_backward: The eigenvectors in the complex case are specified up to multiplication by "
                + "e^{i phi}. The specified loss function depends on this quantity, so it is ill-defined.", e.getMessage());
        assertNull(a.grad());
        // eigenvalues ascending, A V = V diag(L), V unitary
        Tensor h = crandn(gen, 6, 6);
        h = h.add(h.mH());
        EighResult r = h.linalgEigh();
        double[] l = r.eigenvalues().toDoubleArray();
        for (int i = 1; i < l.length; i++) {
            assertTrue(l[i - 1] <= l[i]);
        }
        Tensor vv = r.eigenvectors();
        assertTrue(h.matmul(vv).sub(vv.mul(r.eigenvalues().to(DType.COMPLEX128))).abs().max().item() < 1e-12);
        assertTrue(vv.mH().matmul(vv).sub(Tensor.eye(6, 6, DType.FLOAT64).to(DType.COMPLEX128)).abs().max().item() < 1e-13);
    }

    @Test
    void qrGradcheckTallSquareAndWide() {
        Generator gen = new Generator(9);
        for (int[] mn : new int[][] {{4, 2}, {3, 3}, {2, 4}}) {
            Tensor p = Tensor.randn(gen, DType.FLOAT64, mn[0], mn[1], 2).requiresGrad_(true);
            Function<Tensor[], Tensor> f = x -> {
                QrResult r = cz(x[0]).linalgQr();
                return Tensor.cat(List.of(r.Q().viewAsReal().reshape(-1), r.R().viewAsReal().reshape(-1)), 0);
            };
            assertTrue(Autograd.gradcheck(f::apply, p));
            assertTrue(Autograd.gradgradcheck(f::apply, p));
        }
        // Q R = A, Q^H Q = I, R upper triangular with a real diagonal
        Tensor a = crandn(gen, 2, 5, 3);
        QrResult r = a.linalgQr();
        assertTrue(r.Q().matmul(r.R()).sub(a).abs().max().item() < 1e-13);
        assertTrue(r.Q().mH().matmul(r.Q()).sub(Tensor.eye(3, 3, DType.FLOAT64).to(DType.COMPLEX128)).abs().max().item() < 1e-13);
        assertEquals(0.0, r.R().diagonal(0, -2, -1).imag().abs().max().item(), 0.0);
    }

    @Test
    void realSolveIsUnchangedByTheAdjoint() {
        // mH is mT for real tensors: the real gradients stay those of A^{-T}
        Generator gen = new Generator(7);
        Tensor a = Tensor.randn(gen, DType.FLOAT64, 4, 4).requiresGrad_(true);
        Tensor b = Tensor.randn(gen, DType.FLOAT64, 4, 2);
        a.linalgSolve(b).sum().backward();
        Tensor x = a.detach().linalgSolve(b);
        Tensor gb = a.detach().mT().linalgSolve(x.onesLike());
        assertTrue(a.grad().sub(gb.matmul(x.mT()).neg()).abs().max().item() < 1e-12);
    }

    @Test
    void secondOrderDetAtSingularComplexMatrixGoesThroughTheSvd() {
        // [[a, b], [c, d]] singular: with create_graph the gradient of Re(det) is conj(adj(A))^T = conj([[d, -c], [-b, a]])
        // through PyTorch's SVD formula (differentiable again), no longer refused
        Tensor a = Tensor.complex(Tensor.tensor(new double[][] {{1, 2}, {2, 4}}).toDouble(),
                Tensor.tensor(new double[][] {{1, -1}, {2, -2}}).toDouble()).requiresGrad_(true);
        Tensor g = Autograd.grad(List.of(a.linalgDet().real()), List.of(a), null, true).get(0);
        Tensor adjT = Tensor.complex(Tensor.tensor(new double[][] {{4, -2}, {-2, 1}}).toDouble(),
                Tensor.tensor(new double[][] {{2, 2}, {-1, -1}}).toDouble());
        assertTrue(g.requiresGrad());
        double err = g.detach().sub(adjT).abs().max().item();
        assertTrue(err < 1e-12, g + " off by " + err);
        assertNull(a.grad());
    }

    @Test
    void mixedRealAndComplexOperandsAreRefusedClearly() {
        // (ldl_factor, the last complex refusal here, takes complex input since session 31: ComplexLeftoversTest)
        Tensor a = crandn(new Generator(3), 3, 3);
        // a complex B with a real A: refused rather than cast to A's type (which would drop its imaginary part)
        Tensor r = Tensor.eye(3, 3, DType.FLOAT64);
        Throwable e2 = assertThrows(IllegalArgumentException.class, () -> r.linalgSolveTriangular(a, true));
        assertEquals("linalg.solve_triangular: Expected A and B to have the same dtype, but found A of type Double and B of "
                + "type ComplexDouble instead", e2.getMessage());
    }
}
