package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.EighResult;
import dev.ember.GeqrfResult;
import dev.ember.Generator;
import dev.ember.SlogdetResult;
import dev.ember.LstsqResult;
import dev.ember.SvdResult;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.p;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.ember.cuda.CudaParity.uniform;

/**
 * Complex {@code linalg.inv}, {@code linalg.solve}, {@code linalg.det}, {@code linalg.slogdet}, {@code logdet},
 * {@code linalg.cholesky}, {@code linalg.solve_triangular}, {@code linalg.qr}, {@code linalg.eigh}, {@code linalg.svd},
 * {@code svdvals}, {@code pinv}, {@code lstsq}, {@code matrix_norm}, {@code cond}, {@code matrix_rank},
 * {@code matrix_exp}, {@code matrix_power}, {@code cholesky_solve}, {@code cholesky_inverse}, {@code householder_product}
 * and {@code ormqr} on CUDA against
 * the CPU: the factorizations run on the host in double (as the CPU's), and the backward
 * formulas' complex ops (mH, matmul, the solves) on the device; batches, non-contiguous inputs, forward and backward.
 * Skipped without a usable GPU.
 */
@ExtendWith(CudaGate.class)
class CudaComplexLinalgTest {
    private static final Generator GEN = new Generator(3131);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 1.0, shape);
    }

    /** A complex matrix of two real parts, its diagonal raised by 3 (well conditioned). */
    private static Tensor z(Tensor re, Tensor im) {
        int n = re.size(-1);
        return Tensor.complex(re.add(Tensor.eye(n, n, DType.FLOAT32).to(re.device()).mul(3.0)), im);
    }

    @Test
    void lstsqDriversOtherThanGelsAreRefusedOnCudaAsPyTorch() {
        Tensor a = Tensor.complex(r(4, 2), r(4, 2)).to(GPU);
        Tensor b = Tensor.complex(r(4, 1), r(4, 1)).to(GPU);
        Throwable e = assertThrows(IllegalArgumentException.class, () -> a.linalgLstsq(b, null, "gelsd"));
        assertEquals("torch.linalg.lstsq: `driver` other than `gels` is not supported on CUDA", e.getMessage());
        // the default driver there is gels: no rank, no singular values, the residuals of a tall A
        LstsqResult d = a.linalgLstsq(b, null, null);
        assertEquals(0, d.rank().numel());
        assertEquals(0, d.singularValues().numel());
        assertEquals(1, d.residuals().numel());
    }

    @Test
    void geqrfOfComplexInputMatchesTheCpuAndNamesTheCudaKernel() {
        // the same host kernel (zgeqr2's, in double) on copies: the same values, returned on the device
        Tensor a = Tensor.complex(r(2, 4, 3), r(2, 4, 3));
        GeqrfResult c = a.geqrf();
        GeqrfResult g = a.to(GPU).geqrf();
        assertEquals(GPU, g.a().device());
        assertEquals(GPU, g.tau().device());
        assertEquals(0.0, g.a().cpu().sub(c.a()).abs().max().item());
        assertEquals(0.0, g.tau().cpu().sub(c.tau()).abs().max().item());
        // the round trip on the device: orgqr's Q times R is A again
        Tensor q = g.a().orgqr(g.tau());
        assertTrue(q.matmul(g.a().narrow(-2, 0, 3).triu()).sub(a.to(GPU)).abs().max().item() < 1e-5);
        Tensor n = Tensor.ones(DType.INT64, 3, 3).to(GPU);
        Throwable e = assertThrows(IllegalArgumentException.class, n::geqrf);
        assertEquals("\"geqrf_cuda\" not implemented for 'Long'", e.getMessage());
    }

    @TestFactory
    List<DynamicTest> complexLinalg() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("inv batched", x -> z(x[0], x[1]).linalgInv().viewAsReal(), r(2, 4, 4), r(2, 4, 4)));
        t.add(p("inv non-contiguous", x -> z(x[0], x[1]).mT().linalgInv().viewAsReal(), r(5, 5), r(5, 5)));
        t.add(p("solve", x -> z(x[0], x[1]).linalgSolve(Tensor.complex(x[2], x[3])).viewAsReal(), r(3, 3), r(3, 3),
                r(3, 2), r(3, 2)));
        t.add(p("solve right", x -> z(x[0], x[1]).linalgSolve(Tensor.complex(x[2], x[3]), false).viewAsReal(), r(3, 3),
                r(3, 3), r(2, 3), r(2, 3)));
        t.add(p("det", x -> z(x[0], x[1]).linalgDet().viewAsReal(), r(2, 4, 4), r(2, 4, 4)));
        t.add(p("slogdet", x -> {
            SlogdetResult s = z(x[0], x[1]).linalgSlogdet();
            return s.sign().viewAsReal().sum(-1).add(s.logabsdet());
        }, r(3, 3, 3), r(3, 3, 3)));
        t.add(p("logdet", x -> z(x[0], x[1]).logdet().viewAsReal(), r(4, 4), r(4, 4)));
        t.add(p("cholesky of a gram matrix", x -> {
            Tensor a = Tensor.complex(x[0], x[1]);
            return a.matmul(a.mH()).add(Tensor.eye(4, 4, DType.FLOAT32).to(x[0].device())).linalgCholesky().viewAsReal();
        }, r(2, 4, 4), r(2, 4, 4)));
        t.add(p("solve_triangular", x -> z(x[0], x[1]).linalgSolveTriangular(Tensor.complex(x[2], x[3]), true)
                .viewAsReal(), r(3, 3), r(3, 3), r(3, 2), r(3, 2)));
        t.add(p("qr tall", x -> {
            dev.ember.QrResult q = Tensor.complex(x[0], x[1]).linalgQr();
            return q.Q().viewAsReal().sum().add(q.R().viewAsReal().sum());
        }, r(5, 3), r(5, 3)));
        t.add(p("qr wide", x -> Tensor.complex(x[0], x[1]).linalgQr().R().viewAsReal(), r(2, 4), r(2, 4)));
        t.add(p("eigh phase-invariant", x -> {
            Tensor a = Tensor.complex(x[0], x[1]);
            EighResult e = a.add(a.mH()).linalgEigh();
            return e.eigenvalues().add(e.eigenvectors().abs().pow(2L).sum(-2));
        }, r(2, 4, 4), r(2, 4, 4)));
        // SVD and what rests on it: the decomposition on the host, svd_backward's complex terms on the device
        t.add(p("svd phase-invariant tall", x -> {
            SvdResult f = Tensor.complex(x[0], x[1]).linalgSvd(false);
            return f.S().add(f.U().matmul(f.Vh()).viewAsReal().sum(-1).sum(-2))
                    .add(f.U().abs().pow(2L).narrow(-2, 0, 3).sum(-2)).add(f.Vh().abs().pow(2L).narrow(-1, 0, 2).sum(-1));
        }, r(2, 5, 3), r(2, 5, 3)));
        t.add(p("svd phase-invariant wide full", x -> {
            SvdResult f = Tensor.complex(x[0], x[1]).linalgSvd(true);
            return f.S().add(f.U().abs().pow(2L).narrow(-2, 0, 1).sum(-2))
                    .add(f.Vh().narrow(-2, 0, 2).abs().pow(2L).narrow(-1, 0, 2).sum(-1));
        }, r(2, 4), r(2, 4)));
        t.add(p("svdvals non-contiguous", x -> Tensor.complex(x[0], x[1]).mT().linalgSvdvals(), r(3, 4), r(3, 4)));
        t.add(p("pinv", x -> Tensor.complex(x[0], x[1]).linalgPinv().viewAsReal(), r(2, 4, 3), r(2, 4, 3)));
        t.add(p("pinv hermitian", x -> {
            Tensor a = Tensor.complex(x[0], x[1]);
            return a.add(a.mH()).linalgPinv(null, null, true).viewAsReal();
        }, r(3, 3), r(3, 3)));
        t.add(p("lstsq", x -> Tensor.complex(x[0], x[1]).linalgLstsq(Tensor.complex(x[2], x[3])).viewAsReal(), r(5, 3),
                r(5, 3), r(5, 2), r(5, 2)));
        t.add(p("lstsq wide", x -> Tensor.complex(x[0], x[1]).linalgLstsq(Tensor.complex(x[2], x[3])).viewAsReal(),
                r(2, 4), r(2, 4), r(2, 1), r(2, 1)));
        t.add(p("matrix_norm nuc and 2, cond", x -> {
            Tensor a = Tensor.complex(x[0], x[1]);
            return a.matrixNorm("nuc", null, false).add(a.matrixNorm(2, null, false)).add(a.linalgCond());
        }, r(2, 3, 3), r(2, 3, 3)));
        t.add(p("matrix_rank", x -> {
            Tensor a = Tensor.complex(x[0], x[1]);
            Tensor deficient = a.matmul(a.narrow(-1, 0, 1).mul(a.narrow(-2, 0, 1)));
            return deficient.linalgMatrixRank().to(DType.FLOAT32).add(a.linalgMatrixRank(0.5, null, false).to(DType.FLOAT32));
        }, r(2, 3, 3), r(2, 3, 3)));
        t.add(p("lstsq driver gels", x -> Tensor.complex(x[0], x[1]).linalgLstsq(Tensor.complex(x[2], x[3]), null, "gels")
                .solution().viewAsReal(), r(5, 3), r(5, 3), r(5, 2), r(5, 2)));
        t.add(p("householder_product and ormqr", x -> {
            Tensor a = Tensor.complex(x[0], x[1]);
            Tensor tau = Tensor.complex(x[2], x[3]);
            return a.linalgHouseholderProduct(tau).viewAsReal().sum(-1)
                    .add(a.ormqr(tau, a.narrow(-1, 0, 2), false, true).viewAsReal().sum(-1).narrow(-1, 0, 2));
        }, r(4, 2), r(4, 2), r(2), r(2)));
        t.add(p("matrix_exp", x -> Tensor.complex(x[0], x[1]).linalgMatrixExp().viewAsReal(), r(2, 3, 3), r(2, 3, 3)));
        t.add(p("matrix_exp scaled and squared", x -> Tensor.complex(x[0], x[1]).mul(4.0).linalgMatrixExp().viewAsReal(),
                r(3, 3), r(3, 3)));
        t.add(p("matrix_power -2", x -> z(x[0], x[1]).linalgMatrixPower(-2).viewAsReal(), r(2, 3, 3), r(2, 3, 3)));
        t.add(p("cholesky_solve and cholesky_inverse", x -> {
            Tensor a = Tensor.complex(x[0], x[1]);
            Tensor l = a.matmul(a.mH()).add(Tensor.eye(3, 3, DType.FLOAT32).to(x[0].device())).linalgCholesky();
            return Tensor.complex(x[2], x[3]).choleskySolve(l, false).viewAsReal().sum(-1)
                    .add(l.mH().choleskyInverse(true).viewAsReal().sum(-1).narrow(-1, 0, 2));
        }, r(3, 3), r(3, 3), r(3, 2), r(3, 2)));
        return t;
    }
}
