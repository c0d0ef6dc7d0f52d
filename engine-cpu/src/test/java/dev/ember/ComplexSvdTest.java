package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.ember.ComplexLinalgTest.assertNear;
import static dev.ember.ComplexLinalgTest.crandn;
import static dev.ember.ComplexLinalgTest.cz;
import static dev.ember.ComplexLinalgTest.field;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Complex {@code linalg.svd} (reduced and full, tall, wide, batched, rank deficient, empty), {@code svdvals},
 * {@code torch.svd}, {@code linalg.pinv} (hermitian too), {@code matrix_rank}, {@code lstsq} (its drivers and their
 * residuals, rank and singular values, real inputs too), {@code matrix_norm}
 * ('nuc', 2, -2), {@code cond}, det's second-order gradient at singular matrices, {@code matrix_exp},
 * {@code cholesky_solve}, {@code cholesky_inverse}, {@code matrix_power}, {@code multi_dot}, {@code householder_product}
 * and {@code ormqr} against PyTorch 1.13
 * ({@code complexsvd/make_expected.py}, whose values are checked there against numpy, Python's complex arithmetic and
 * its complex128 gradients against finite differences): values (singular vectors up to a unit factor each), grad_fn
 * names, the gradients of phase-invariant losses, errors with the input unchanged; gradcheck and gradgradcheck through
 * real views; svd_backward's gauge error.
 */
class ComplexSvdTest {
    private static final Map<String, List<String>> CASES = ReferenceCases.read("/complexsvd/expected.txt");

    private static boolean svdOp(String op) {
        return op.equals("svd") || op.equals("svd_full") || op.equals("torch_svd");
    }

    private static Tensor[] apply(String op, Tensor[] in) {
        Tensor a = in[0];
        switch (op) {
            case "svd":
            case "svd_full": {
                SvdResult r = a.linalgSvd(op.equals("svd_full"));
                return new Tensor[] {r.U(), r.S(), r.Vh()};
            }
            case "torch_svd": {
                SvdUsvResult r = a.svd();
                return new Tensor[] {r.U(), r.S(), r.V()};
            }
            case "svdvals":
                return new Tensor[] {a.linalgSvdvals()};
            case "svd_uvh": {
                SvdResult r = a.linalgSvd(false);
                return new Tensor[] {r.U().matmul(r.Vh()), r.S()};
            }
            case "pinv":
                return new Tensor[] {a.linalgPinv()};
            case "pinv_herm":
                return new Tensor[] {a.add(a.mH()).linalgPinv(null, null, true)};
            case "pinv_atol":
                return new Tensor[] {a.linalgPinv(0.5 * a.detach().linalgSvdvals().narrow(-1, 0, 1).item(), 0.0, false)};
            case "matrix_rank":
                return new Tensor[] {a.linalgMatrixRank()};
            case "matrix_rank_atol":
                return new Tensor[] {a.linalgMatrixRank(1.0, null, false)};
            case "matrix_rank_rtol":
                return new Tensor[] {a.linalgMatrixRank(null, 0.3, false)};
            case "matrix_rank_herm":
                return new Tensor[] {a.add(a.mH()).linalgMatrixRank(null, null, true)};
            case "lstsq":
                return new Tensor[] {a.linalgLstsq(in[1])};
            case "norm_nuc":
                return new Tensor[] {a.matrixNorm("nuc", null, false)};
            case "norm_2":
                return new Tensor[] {a.matrixNorm(2, null, false)};
            case "norm_m2":
                return new Tensor[] {a.matrixNorm(-2, null, false)};
            case "cond_2":
                return new Tensor[] {a.linalgCond()};
            case "cond_m2":
                return new Tensor[] {a.linalgCond(-2)};
            case "cond_nuc":
                return new Tensor[] {a.linalgCond("nuc")};
            case "cond_1":
                return new Tensor[] {a.linalgCond(1)};
            case "cond_inf":
                return new Tensor[] {a.linalgCond(Double.POSITIVE_INFINITY)};
            case "cond_fro":
                return new Tensor[] {a.linalgCond("fro")};
            case "det_grad": {
                Tensor r = a.linalgDet().viewAsReal();
                Tensor l = r.mul(ReferenceCases.weights(r.shape(), DType.FLOAT64)).sum();
                return new Tensor[] {Autograd.grad(List.of(l), List.of(a), null, true).get(0)};
            }
            case "lstsq_gels":
            case "lstsq_gelsy":
            case "lstsq_gelsd":
            case "lstsq_gelss":
            case "lstsq_gelsd_rcond":
            case "lstsq_bad_driver": {
                String drv = op.equals("lstsq_bad_driver") ? "gelsx" : op.equals("lstsq_gelss") ? "GELSS"
                    : op.substring(6).replace("_rcond", "");
                LstsqResult r = a.linalgLstsq(in[1], op.endsWith("rcond") ? 0.5 : null, drv);
                return new Tensor[] {r.solution(), r.residuals(), r.rank(), r.singularValues()};
            }
            case "householder_product":
                return new Tensor[] {a.linalgHouseholderProduct(in[1])};
            case "ormqr":
                return new Tensor[] {a.ormqr(in[1], in[2], true, false)};
            case "ormqr_right_transpose":
                return new Tensor[] {a.ormqr(in[1], in[2], false, true)};
            case "matrix_exp":
                return new Tensor[] {a.linalgMatrixExp()};
            case "cholesky_solve":
                return new Tensor[] {a.choleskySolve(in[1], false)};
            case "cholesky_solve_upper":
                return new Tensor[] {a.choleskySolve(in[1], true)};
            case "cholesky_inverse":
                return new Tensor[] {a.choleskyInverse(false)};
            case "cholesky_inverse_upper":
                return new Tensor[] {a.choleskyInverse(true)};
            case "matrix_power_m1":
                return new Tensor[] {a.linalgMatrixPower(-1)};
            case "matrix_power_m3":
                return new Tensor[] {a.linalgMatrixPower(-3)};
            case "matrix_power_0":
                return new Tensor[] {a.linalgMatrixPower(0)};
            case "matrix_power_3":
                return new Tensor[] {a.linalgMatrixPower(3)};
            case "multi_dot":
                return new Tensor[] {Tensor.linalgMultiDot(List.of(in))};
            default:
                throw new AssertionError(op);
        }
    }

    /** make_expected.py's loss_of. */
    private static Tensor loss(String op, Tensor[] outs) {
        if (svdOp(op)) {
            Tensor s = outs[1];
            Tensor total = s.mul(ReferenceCases.weights(s.shape(), s.dtype())).sum();
            int k = s.size(-1);
            for (int i : new int[] {0, 2}) {
                Tensor x = outs[i];
                if (op.equals("svd_full")) {
                    x = i == 0 ? x.narrow(-1, 0, k) : x.narrow(-2, 0, k);
                }
                total = total.add(x.abs().pow(2L).mul(ReferenceCases.weights(x.shape(), s.dtype())).sum());
            }
            return total;
        }
        Tensor total = null;
        // lstsq with a driver: its solution only (the residuals, rank and singular values are not differentiable)
        for (Tensor o : op.startsWith("lstsq_") ? new Tensor[] {outs[0]} : outs) {
            if (!o.isComplex() && !o.isFloatingPoint()) {
                continue;
            }
            Tensor r = o.isComplex() ? o.viewAsReal() : o;
            Tensor l = r.mul(ReferenceCases.weights(r.shape(), r.dtype())).sum();
            total = total == null ? l : total.add(l);
        }
        return total;
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.each(CASES, ComplexSvdTest::check);
    }

    private static void check(String name, List<String> body) {
        String op = field(body, "op");
        List<Tensor> ins = new ArrayList<>();
        boolean anyGrad = body.stream().anyMatch(l -> l.startsWith("grad"));
        for (int i = 0; field(body, "in" + i) != null; i++) {
            Tensor x = PyTorchCases.tensor(field(body, "in" + i));
            boolean floating = x.isComplex() || x.dtype().isFloatingPoint();
            ins.add(floating && (anyGrad || op.equals("det_grad")) ? x.requiresGrad_(true) : x);
        }
        Tensor[] in = ins.toArray(new Tensor[0]);
        String error = field(body, "error");
        if (error != null) {
            ComplexLinalgTest.assertErrorLeavesInputs(error, in, () -> apply(op, in));
            return;
        }
        Tensor[] outs = apply(op, in);
        boolean f32 = in[0].dtype() == DType.COMPLEX64;
        double tol = f32 ? 1e-4 : 1e-9;
        for (int i = 0; i < outs.length; i++) {
            Tensor expected = PyTorchCases.tensor(field(body, "out" + i));
            if (svdOp(op) && i != 1) {
                checkVectors("out" + i, expected, outs[i].detach(), Integer.parseInt(field(body, "rank")),
                        i == 2 && !op.equals("torch_svd"), tol);
            } else {
                assertNear("out" + i, expected, outs[i], tol);
            }
        }
        assertEquals(field(body, "fn"), outs[0].gradFn() == null ? "None" : outs[0].gradFn().name());
        if (!anyGrad) {
            return;
        }
        loss(op, outs).backward();
        for (int i = 0; i < in.length; i++) {
            String g = field(body, "grad" + i);
            if (g != null) {
                assertNear("grad" + i, PyTorchCases.tensor(g), in[i].grad(), f32 ? 2e-3 : 1e-7);
            }
        }
    }

    /**
     * Singular vectors (columns; rows of Vh when {@code rows}): the first {@code rank} each equal to PyTorch's times a
     * unit complex number, all of them orthonormal (the others span the same complement, in another basis).
     */
    private static void checkVectors(String what, Tensor expected, Tensor got, int rank, boolean rows, double tol) {
        assertEquals(expected.dtype(), got.dtype(), what + " dtype");
        assertArrayEquals(expected.shape(), got.shape(), what + " shape");
        Tensor e = rows ? expected.mH() : expected;
        Tensor g = rows ? got.mH() : got;
        if (rank > 0) {
            Tensor er = e.narrow(-1, 0, rank);
            Tensor gr = g.narrow(-1, 0, rank);
            Tensor p = er.conj().mul(gr).sum(-2, true);
            assertNear(what + " (first " + rank + ", phases aligned)", er, gr.mul(p.conj().div(p.abs())), tol * 10);
        }
        int c = g.size(-1);
        if (g.numel() > 0) {
            Tensor gram = g.mH().matmul(g).sub(Tensor.eye(c, c, DType.FLOAT64).to(g.dtype()));
            assertTrue(gram.abs().max().item() < tol * 10, what + " not orthonormal: " + gram.abs().max().item());
        }
    }

    // ------------------------------------------------------------------ properties

    private static Tensor eyeC(int n) {
        return Tensor.eye(n, n, DType.FLOAT64).to(DType.COMPLEX128);
    }

    @Test
    void reconstructsAndIsUnitaryForManyShapesAndRanks() {
        Generator gen = new Generator(11);
        for (int[] mn : new int[][] {{1, 1}, {1, 4}, {4, 1}, {6, 6}, {7, 3}, {3, 7}, {9, 9}}) {
            for (boolean full : new boolean[] {false, true}) {
                Tensor a = crandn(gen, 2, mn[0], mn[1]);
                SvdResult r = a.linalgSvd(full);
                int k = Math.min(mn[0], mn[1]);
                Tensor u = r.U().narrow(-1, 0, k);
                Tensor vh = r.Vh().narrow(-2, 0, k);
                assertTrue(u.mul(r.S().to(DType.COMPLEX128).unsqueeze(-2)).matmul(vh).sub(a).abs().max().item() < 1e-13);
                int uc = r.U().size(-1);
                int vr = r.Vh().size(-2);
                assertTrue(r.U().mH().matmul(r.U()).sub(eyeC(uc)).abs().max().item() < 1e-13);
                assertTrue(r.Vh().matmul(r.Vh().mH()).sub(eyeC(vr)).abs().max().item() < 1e-13);
                double[] s = r.S().toDoubleArray();
                for (int i = 1; i < k; i++) {
                    assertTrue(i % k == 0 || s[i - 1] >= s[i], "descending");
                }
            }
        }
        // rank 2 in 6 by 5: three (near) zero singular values, U and V still unitary, A rebuilt
        Tensor a = crandn(gen, 6, 2).matmul(crandn(gen, 2, 5));
        SvdResult r = a.linalgSvd(true);
        assertTrue(r.S().narrow(-1, 2, 3).max().item() < 1e-14 * r.S().max().item());
        assertTrue(r.U().mH().matmul(r.U()).sub(eyeC(6)).abs().max().item() < 1e-13);
        assertTrue(r.Vh().matmul(r.Vh().mH()).sub(eyeC(5)).abs().max().item() < 1e-13);
        assertTrue(r.U().narrow(-1, 0, 5).mul(r.S().to(DType.COMPLEX128)).matmul(r.Vh()).sub(a).abs().max().item() < 1e-13);
        // complex64: computed in double, rounded once
        Tensor a64 = a.to(DType.COMPLEX64);
        assertTrue(a64.linalgSvdvals().to(DType.FLOAT64).sub(a.linalgSvdvals()).abs().max().item() < 1e-5);
        assertEquals(DType.FLOAT32, a64.linalgSvdvals().dtype());
    }

    @Test
    void gradcheckThroughPhaseInvariantFunctions() {
        Generator gen = new Generator(12);
        for (int[] mn : new int[][] {{3, 3}, {4, 2}, {2, 4}}) {
            Tensor p = Tensor.randn(gen, DType.FLOAT64, mn[0], mn[1], 2).requiresGrad_(true);
            // S, U Vh (exercises the imaginary diagonal term) and |U|^2, |Vh|^2
            Function<Tensor[], Tensor> f = x -> {
                SvdResult r = cz(x[0]).linalgSvd(false);
                return Tensor.cat(List.of(r.S(), r.U().matmul(r.Vh()).viewAsReal().reshape(-1),
                        r.U().abs().pow(2L).reshape(-1), r.Vh().abs().pow(2L).reshape(-1)), 0);
            };
            assertTrue(Autograd.gradcheck(f::apply, p));
            assertTrue(Autograd.gradgradcheck(f::apply, p));
            Function<Tensor[], Tensor> vals = x -> cz(x[0]).linalgSvdvals();
            assertTrue(Autograd.gradcheck(vals::apply, p));
            assertTrue(Autograd.gradgradcheck(vals::apply, p));
            Function<Tensor[], Tensor> pinv = x -> cz(x[0]).linalgPinv().viewAsReal();
            assertTrue(Autograd.gradcheck(pinv::apply, p));
            assertTrue(Autograd.gradgradcheck(pinv::apply, p));
        }
        Tensor p = Tensor.randn(gen, DType.FLOAT64, 4, 3, 2).requiresGrad_(true);
        Tensor q = Tensor.randn(gen, DType.FLOAT64, 4, 2, 2).requiresGrad_(true);
        Function<Tensor[], Tensor> lstsq = x -> cz(x[0]).linalgLstsq(cz(x[1])).viewAsReal();
        assertTrue(Autograd.gradcheck(lstsq::apply, p, q));
        Function<Tensor[], Tensor> wide = x -> cz(x[0]).mT().linalgLstsq(cz(x[1]).narrow(0, 0, 3)).viewAsReal();
        assertTrue(Autograd.gradcheck(wide::apply, p, q));
        Tensor h = Tensor.randn(gen, DType.FLOAT64, 3, 3, 2).requiresGrad_(true);
        Function<Tensor[], Tensor> hermPinv = x -> {
            Tensor z = cz(x[0]);
            return z.add(z.mH()).linalgPinv(null, null, true).viewAsReal();
        };
        assertTrue(Autograd.gradcheck(hermPinv::apply, h));
        Function<Tensor[], Tensor> nuc = x -> Tensor.cat(List.of(cz(x[0]).matrixNorm("nuc", null, false).reshape(1),
                cz(x[0]).matrixNorm(2, null, false).reshape(1), cz(x[0]).linalgCond().reshape(1)), 0);
        assertTrue(Autograd.gradcheck(nuc::apply, h));
    }

    @Test
    void gradcheckMatrixExpCholeskySolveInverseAndMatrixPower() {
        Generator gen = new Generator(14);
        Tensor p = Tensor.randn(gen, DType.FLOAT64, 3, 3, 2).mul(0.6).requiresGrad_(true);
        Tensor q = Tensor.randn(gen, DType.FLOAT64, 3, 2, 2).requiresGrad_(true);
        List<Function<Tensor[], Tensor>> fs = List.of(
            x -> cz(x[0]).linalgMatrixExp().viewAsReal(),
            x -> cz(x[0]).mul(4.0).linalgMatrixExp().viewAsReal(),
            x -> cz(x[0]).linalgMatrixPower(-2).viewAsReal(),
            x -> choleskyOf(cz(x[0])).choleskyInverse(false).viewAsReal(),
            x -> choleskyOf(cz(x[0])).mH().choleskyInverse(true).viewAsReal());
        for (Function<Tensor[], Tensor> f : fs) {
            assertTrue(Autograd.gradcheck(f::apply, p));
            assertTrue(Autograd.gradgradcheck(f::apply, p));
        }
        // householder_product and ormqr (2.x differentiates ormqr of complex inputs; 1.13 refused)
        Tensor t = Tensor.randn(gen, DType.FLOAT64, 2, 2).mul(0.5).requiresGrad_(true);
        Function<Tensor[], Tensor> house = x -> cz(x[0]).linalgHouseholderProduct(cz(x[1])).viewAsReal();
        assertTrue(Autograd.gradcheck(house::apply, p, t));
        assertTrue(Autograd.gradgradcheck(house::apply, p, t));
        Function<Tensor[], Tensor> ormqr = x -> cz(x[0]).ormqr(cz(x[1]), cz(x[2]), false, true).viewAsReal();
        Tensor c = Tensor.randn(gen, DType.FLOAT64, 2, 3, 2).requiresGrad_(true);
        assertTrue(Autograd.gradcheck(ormqr::apply, p, t, c));
        for (boolean upper : new boolean[] {false, true}) {
            Function<Tensor[], Tensor> solve = x -> {
                Tensor l = choleskyOf(cz(x[0]));
                return cz(x[1]).choleskySolve(upper ? l.mH() : l, upper).viewAsReal();
            };
            assertTrue(Autograd.gradcheck(solve::apply, p, q));
            assertTrue(Autograd.gradgradcheck(solve::apply, p, q));
        }
        // exp(A) exp(-A) = I, and exp of a Hermitian matrix through eigh: V diag(exp(L)) V^H
        Tensor a = crandn(gen, 2, 4, 4);
        assertTrue(a.linalgMatrixExp().matmul(a.neg().linalgMatrixExp()).sub(eyeC(4)).abs().max().item() < 1e-12);
        Tensor h = a.add(a.mH());
        EighResult e = h.linalgEigh();
        Tensor viaEigh = e.eigenvectors().mul(e.eigenvalues().exp().to(DType.COMPLEX128).unsqueeze(-2))
                .matmul(e.eigenvectors().mH());
        Tensor mexp = h.linalgMatrixExp();
        assertTrue(mexp.sub(viaEigh).abs().max().item() < 1e-11 * mexp.abs().max().item());
        // cholesky_solve against solve with the Gram matrix
        Tensor l = choleskyOf(crandn(gen, 3, 3));
        Tensor b = crandn(gen, 3, 2);
        assertTrue(b.choleskySolve(l, false).sub(l.matmul(l.mH()).linalgSolve(b)).abs().max().item() < 1e-12);
    }

    /** The Cholesky factor of {@code X X^H + I}. */
    private static Tensor choleskyOf(Tensor x) {
        int n = x.size(-1);
        return x.matmul(x.mH()).add(Tensor.eye(n, n, DType.FLOAT64)).linalgCholesky();
    }

    @Test
    void lstsqDriversAgreeOnFullRankAndGradcheckThroughTheSolution() {
        Generator gen = new Generator(15);
        Tensor a = crandn(gen, 2, 5, 3);
        Tensor b = crandn(gen, 2, 5, 2);
        Tensor ref = a.linalgLstsq(b, null, "gels").solution();
        for (String drv : new String[] {"gelsy", "gelsd", "gelss"}) {
            LstsqResult r = a.linalgLstsq(b, null, drv);
            assertTrue(r.solution().sub(ref).abs().max().item() < 1e-12, drv);
            assertArrayEquals(new long[] {3, 3}, r.rank().toLongArray(), drv);
        }
        // the normal equations: A^H (A X - B) = 0
        assertTrue(a.mH().matmul(a.matmul(ref).sub(b)).abs().max().item() < 1e-12);
        Tensor p = Tensor.randn(gen, DType.FLOAT64, 4, 3, 2).requiresGrad_(true);
        Tensor q = Tensor.randn(gen, DType.FLOAT64, 4, 2, 2).requiresGrad_(true);
        for (String drv : new String[] {"gels", "gelsy", "gelsd"}) {
            Function<Tensor[], Tensor> f = x -> cz(x[0]).linalgLstsq(cz(x[1]), null, drv).solution().viewAsReal();
            assertTrue(Autograd.gradcheck(f::apply, p, q), drv);
        }
        // a bad driver changes nothing and names the four
        Tensor a0 = a.clone();
        Throwable e = assertThrows(IllegalArgumentException.class, () -> a.linalgLstsq(b, null, "gelsx"));
        assertEquals("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)", e.getMessage());
        assertTrue(a.equal(a0));
    }

    @Test
    void lossDependingOnThePhasesIsRefusedAsPyTorch() {
        Tensor a = crandn(new Generator(13), 3, 3).requiresGrad_(true);
        SvdResult r = a.linalgSvd(false);
        Throwable e = assertThrows(IllegalStateException.class, () -> r.U().real().sum().backward());
        assertEquals("svd_backward: The singular vectors in the complex case are specified up to multiplication by "
                + "e^{i phi}. The specified loss function depends on this phase term, making it ill-defined.",
                e.getMessage());
        assertNull(a.grad());
        // Vh alone, too
        SvdResult r2 = a.linalgSvd(false);
        assertThrows(IllegalStateException.class, () -> r2.Vh().imag().sum().backward());
        assertNull(a.grad());
    }
}
