package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.EigResult;
import dev.ember.Generator;
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
 * {@code linalg.eig} and {@code linalg.eigvals} on CUDA against the CPU: as in PyTorch, the decomposition runs on the host
 * (LAPACK's geev algorithm in double) on a copy of the input, and the results and the backward formula's complex ops
 * and solves run on the device; real and complex input, batches, non-contiguous and empty inputs, forward and backward
 * through functions of the eigenvalues and of |V| (independent of the eigenvectors' phases). Skipped without a usable
 * GPU.
 */
@ExtendWith(CudaGate.class)
class CudaEigTest {
    private static final Generator GEN = new Generator(2929);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 1.0, shape);
    }

    /** |L| and the squared moduli of V's rows, weighted: a gauge-invariant function of both outputs. */
    private static Tensor invariant(EigResult e) {
        Tensor w = Tensor.arange(1, e.eigenvalues().size(-1) + 1, 1).to(DType.FLOAT32).to(e.eigenvalues().device());
        return e.eigenvalues().abs().add(e.eigenvectors().abs().pow(2L).mul(w).sum(-1));
    }

    @TestFactory
    List<DynamicTest> eig() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("eigvals batched", x -> x[0].linalgEigvals().viewAsReal(), r(3, 5, 5)));
        t.add(p("eigvals non-contiguous", x -> x[0].mT().linalgEigvals().viewAsReal(), r(6, 6)));
        t.add(p("eig invariant", x -> invariant(x[0].linalgEig()), r(2, 4, 4)));
        t.add(p("eig complex input", x -> invariant(Tensor.complex(x[0], x[1]).linalgEig()), r(4, 4), r(4, 4)));
        t.add(p("eigvals complex input", x -> Tensor.complex(x[0], x[1]).linalgEigvals().viewAsReal(), r(2, 3, 3),
                r(2, 3, 3)));
        t.add(p("eigvals empty", x -> x[0].linalgEigvals().viewAsReal(), r(2, 0, 0)));
        return t;
    }
}
