package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.EighResult;
import dev.ember.Generator;
import dev.ember.SvdResult;
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
 * Singular values and symmetric eigenvalues on CUDA against the CPU: svd, svdvals, matrix norms 2 / nuc, cond,
 * matrix_rank, pinv, eigh and eigvalsh (which CUDA runs through the SPI's host defaults: the CPU's Jacobi kernels on host
 * copies), on odd sizes, batches, non-contiguous and broadcast inputs and empty tensors, forward and backward, through
 * functions that do not depend on the singular vectors' signs. Skipped without a usable GPU.
 */
@ExtendWith(CudaGate.class)
class CudaSvdTest {
    private static final Generator GEN = new Generator(5151);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 1.0, shape);
    }

    /** Well-separated singular values (plus 1..k on the diagonal): the vectors' gradients divide by their gaps. */
    private static Tensor separated(Tensor x) {
        int m = x.size(-2);
        int n = x.size(-1);
        Tensor steps = Tensor.arange(1, n + 1, 1).to(x.dtype()).to(x.device());
        return x.mul(0.2).add(Tensor.eye(m, n, x.dtype()).to(x.device()).mul(steps));
    }

    private static Tensor symmetric(Tensor x) {
        Tensor s = separated(x);
        return s.add(s.mT()).mul(0.5);
    }

    @TestFactory
    List<DynamicTest> singularValues() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("svdvals batched tall", x -> x[0].linalgSvdvals(), r(3, 9, 5)));
        t.add(p("svdvals wide non-contiguous", x -> x[0].mT().linalgSvdvals(), r(11, 4)));
        t.add(p("svdvals broadcast", x -> x[0].expand(3, 5, 6).linalgSvdvals(), r(1, 5, 6)));
        t.add(p("svd reconstruction and vectors", x -> {
            SvdResult s = separated(x[0]).linalgSvd(false);
            Tensor c = Tensor.arange(1, 6, 1).to(DType.FLOAT32).to(x[0].device());
            return s.U().mul(c).matmul(s.Vh()).sum().add(s.U().abs().sum()).add(s.S().sum());
        }, r(2, 7, 5)));
        t.add(p("svd full wide", x -> {
            SvdResult s = separated(x[0]).linalgSvd(true);
            return s.U().matmul(s.Vh().narrow(-2, 0, 3)).abs();
        }, r(3, 8)));
        t.add(p("matrix norm 2", x -> separated(x[0]).matrixNorm(2, null, false), r(4, 6, 5)));
        t.add(p("matrix norm nuc keepdim", x -> x[0].matrixNorm("nuc", new int[] {0, 2}, true), r(5, 3, 7)));
        t.add(p("cond", x -> separated(x[0]).linalgCond(), r(2, 5, 5)));
        t.add(p("matrix rank", x -> x[0].matmul(x[0].mT()).linalgMatrixRank().to(DType.FLOAT32), r(2, 6, 3)));
        t.add(p("pinv rank-deficient", x -> x[0].matmul(x[0].mT()).linalgPinv(), r(6, 2)));
        t.add(p("pinv", x -> separated(x[0]).linalgPinv(), r(7, 4)));
        t.add(p("svdvals empty", x -> x[0].linalgSvdvals(), r(2, 0, 3)));
        return t;
    }

    @TestFactory
    List<DynamicTest> symmetricEigenvalues() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("eigvalsh batched", x -> symmetric(x[0]).linalgEigvalsh(), r(3, 7, 7)));
        t.add(p("eigvalsh upper non-contiguous", x -> x[0].mT().linalgEigvalsh("U"), r(6, 6)));
        t.add(p("eigh vectors", x -> {
            EighResult e = symmetric(x[0]).linalgEigh();
            Tensor c = Tensor.arange(1, 6, 1).to(DType.FLOAT32).to(x[0].device());
            return e.eigenvectors().mul(c).matmul(e.eigenvectors().mT()).add(e.eigenvalues().unsqueeze(-1));
        }, r(2, 5, 5)));
        t.add(p("pinv hermitian", x -> symmetric(x[0]).linalgPinv(null, null, true), r(5, 5)));
        t.add(p("eigvalsh empty", x -> x[0].linalgEigvalsh(), r(0, 3, 3)));
        return t;
    }
}
