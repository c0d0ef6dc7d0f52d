package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.EighResult;
import dev.ember.Generator;
import dev.ember.SlogdetResult;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;

/**
 * Complex {@code linalg.inv}, {@code linalg.solve}, {@code linalg.det}, {@code linalg.slogdet}, {@code logdet},
 * {@code linalg.cholesky}, {@code linalg.solve_triangular}, {@code linalg.qr} and {@code linalg.eigh} on CUDA against
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
        return t;
    }
}
