package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.QrResult;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The linear algebra and random ops of issue 14 on CUDA against the CPU: the products (mv, addmm, addmv, addbmm,
 * baddbmm, tensordot, cross, einsum, matmul's paths), the decompositions (LU, solves, Cholesky, QR and eigh run
 * linalg_kernels.cu, see CudaLinalgKernelsTest; svd the SPI's host default) on odd sizes, batches,
 * non-contiguous and broadcast operands and empty tensors, forward and backward; and the random draws, which must be
 * the same numbers on both devices for one seed (the kinds ember_kernels.cu lacks are drawn on the host). Skipped
 * without a usable GPU.
 */
@ExtendWith(CudaGate.class)
class CudaLinalgTest {
    private static final Generator GEN = new Generator(4242);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 1.0, shape);
    }

    /** A float32 input that {@code fn} turns into a well-conditioned square matrix (plus n on the diagonal). */
    private static Tensor wellConditioned(Tensor x) {
        int n = x.size(-1);
        return x.add(Tensor.eye(n, n, x.dtype()).to(x.device()).mul((double) n));
    }

    @TestFactory
    List<DynamicTest> products() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("mv transposed", x -> x[0].t().mv(x[1]), r(37, 19), r(37)));
        t.add(p("addmm broadcast bias", x -> x[0].addmm(x[1], x[2], 0.5, 2.0), r(23), r(17, 29), r(29, 23)));
        t.add(p("addmv", x -> x[0].addmv(x[1], x[2], 1.5, -1.0), r(13), r(13, 7), r(7)));
        t.add(p("addbmm", x -> x[0].addbmm(x[1], x[2]), r(5, 9), r(3, 5, 11), r(3, 11, 9)));
        t.add(p("baddbmm", x -> x[0].baddbmm(x[1], x[2], 2.0, 0.5), r(1, 9), r(3, 5, 11), r(3, 11, 9)));
        t.add(p("tensordot", x -> Tensor.tensordot(x[0], x[1], new int[] {0, 2}, new int[] {2, 0}), r(7, 3, 5), r(5, 4, 7)));
        t.add(p("cross broadcast", x -> x[0].linalgCross(x[1], 1), r(1, 3, 5), r(4, 3, 5)));
        t.add(p("einsum attention", x -> Tensor.einsum("bhqd,bhkd->bhqk", x[0], x[1]), r(2, 3, 5, 7), r(2, 3, 9, 7)));
        t.add(p("einsum trace and diagonal", x -> Tensor.einsum("ii,jkk->jk", x[0], x[1]), r(5, 5), r(3, 4, 4)));
        t.add(p("einsum ellipsis", x -> Tensor.einsum("...ij,...jk", x[0], x[1]), r(2, 1, 3, 4), r(5, 4, 2)));
        t.add(p("matmul 1d@3d", x -> x[0].matmul(x[1]), r(7), r(3, 7, 5)));
        t.add(p("matmul 2d@3d", x -> x[0].matmul(x[1]), r(6, 7), r(3, 7, 5)));
        t.add(p("linear 3d", x -> dev.ember.nn.Functional.linear(x[0], x[1], x[2]), r(2, 5, 7), r(9, 7), r(9)));
        t.add(p("empty mm", x -> x[0].addmm(x[1], x[2]), r(4, 3), r(4, 0), r(0, 3)));
        return t;
    }

    @TestFactory
    List<DynamicTest> decompositions() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("inv batched", x -> wellConditioned(x[0]).linalgInv(), r(3, 7, 7)));
        t.add(p("inv non-contiguous", x -> wellConditioned(x[0].mT()).linalgInv(), r(9, 9)));
        t.add(p("solve broadcast", x -> wellConditioned(x[0]).linalgSolve(x[1]), r(2, 1, 5, 5), r(3, 5, 4)));
        t.add(p("solve vector", x -> wellConditioned(x[0]).linalgSolve(x[1]), r(6, 6), r(6)));
        t.add(p("det", x -> wellConditioned(x[0]).linalgDet(), r(4, 5, 5)));
        t.add(p("slogdet", x -> wellConditioned(x[0]).linalgSlogdet().logabsdet(), r(3, 6, 6)));
        t.add(p("cholesky", x -> x[0].matmul(x[0].mT()).add(Tensor.eye(7, 7, x[0].dtype()).to(x[0].device())).linalgCholesky(),
                r(2, 7, 7)));
        t.add(p("cholesky upper", x -> x[0].matmul(x[0].mT()).add(Tensor.eye(5, 5, x[0].dtype()).to(x[0].device()))
                .linalgCholesky(true), r(5, 5)));
        t.add(p("qr tall", x -> {
            QrResult q = x[0].linalgQr();
            return q.Q().sum().add(q.R().mul(q.R()).sum());
        }, r(9, 5)));
        t.add(p("qr wide batched", x -> x[0].linalgQr().R(), r(2, 4, 7)));
        t.add(p("lstsq tall", x -> x[0].linalgLstsq(x[1]), r(11, 4), r(11, 3)));
        t.add(p("lstsq wide", x -> x[0].linalgLstsq(x[1]), r(3, 8), r(3)));
        t.add(p("inv empty batch", x -> x[0].linalgInv(), r(0, 3, 3)));
        return t;
    }

    @Test
    void randomDrawsAreTheSameNumbersOnBothDevices() {
        List<Function<Device, Tensor>> draws = List.of(
                d -> Tensor.zeros(DType.FLOAT64, 33, 7).to(d).exponential_(1.5, new Generator(3)),
                d -> Tensor.zeros(33, 7).to(d).exponential_(0.5, new Generator(3)),
                d -> Tensor.zeros(DType.FLOAT64, 7, 33).to(d).t().normal_(1, 2, new Generator(4)),
                d -> Tensor.zeros(33, 7).to(d).uniform_(-1, 3, new Generator(5)),
                d -> Tensor.zeros(33, 7).to(d).bernoulli_(0.3, new Generator(6)),
                d -> Tensor.full(new int[] {33, 7}, 0.4).to(d).bernoulli(new Generator(7)),
                d -> Tensor.zeros(DType.INT64, 33, 7).to(d).randintLike(-9, 9, new Generator(8)),
                d -> Tensor.normal(Tensor.zeros(33).to(d), Tensor.ones(7, 33).to(d), new Generator(9)),
                d -> Tensor.ones(4, 9).to(d).multinomial(5, false, new Generator(10)),
                d -> Tensor.ones(4, 9).to(d).multinomial(50, true, new Generator(11)));
        for (Function<Device, Tensor> draw : draws) {
            Tensor cpu = draw.apply(Device.CPU);
            Tensor gpu = draw.apply(GPU);
            assertEquals(GPU, gpu.device());
            assertArrayEquals(cpu.toDoubleArray(), gpu.cpu().toDoubleArray());
        }
    }
}
