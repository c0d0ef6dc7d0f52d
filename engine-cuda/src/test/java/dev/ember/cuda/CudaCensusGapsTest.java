package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.AdaptiveLogSoftmaxWithLoss;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParityTest.p;

/**
 * Session 27's census gaps on CUDA against the CPU (compositions of existing kernels, no kernel of their own):
 * {@code put}/{@code put_}, {@code torch.gradient}, {@code linalg.householder_product}, {@code solve_ex(left=False)},
 * {@code lu_unpack}, {@code torch.svd}, {@code tensorinv}/{@code tensorsolve}, in-place {@code rad2deg_}/{@code
 * renorm_}, {@code nn.AdaptiveLogSoftmaxWithLoss}.
 */
@ExtendWith(CudaGate.class)
class CudaCensusGapsTest {
    private static final Generator GEN = new Generator(2711);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(4.0).sub(2.0);
    }

    /** A well-conditioned n-by-n matrix. */
    private static Tensor square(int n) {
        return r(n, n).add(Tensor.eye(n, n, DType.FLOAT32).mul(6.0));
    }

    /** The module for {@code x}'s device: {@code gpu} holds {@code cpu}'s weights, moved on first use. */
    private static AdaptiveLogSoftmaxWithLoss on(Tensor x, AdaptiveLogSoftmaxWithLoss cpu, AdaptiveLogSoftmaxWithLoss gpu) {
        if (x.device().isCpu()) {
            return cpu;
        }
        gpu.loadStateDict(cpu.stateDict());
        gpu.to(x.device());
        return gpu;
    }

    @TestFactory
    List<DynamicTest> censusGaps() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor idx = Tensor.tensor(new long[] {7, -1, 0, 7}, DType.INT64, dev.ember.Device.CPU);
        t.add(p("put accumulate", a -> a[0].put(a[2], a[1], true), r(3, 5), r(4), idx));
        t.add(p("put_ on a transposed view", a -> a[0].mul(1.0).t().put_(a[2], a[1]), r(3, 5), r(2),
                Tensor.tensor(new long[] {3, 11}, DType.INT64, dev.ember.Device.CPU)));
        t.add(p("gradient edge_order 2", a -> Tensor.gradient(a[0], new double[] {0.5, 2.0}, null, 2).get(1), r(6, 9)));
        t.add(p("gradient coordinates", a -> Tensor.gradient(a[0], List.of(a[1].cumsum(0)), new int[] {0}, 1).get(0),
                r(7, 3), Tensor.rand(GEN, DType.FLOAT32, 7).add(0.5)));
        t.add(p("householder_product", a -> a[0].linalgHouseholderProduct(a[1]), r(2, 6, 4), r(2, 3)));
        t.add(p("solve_ex left=False", a -> a[0].linalgSolveEx(a[1], false, true).result(), square(5), r(3, 5)));
        t.add(p("lu_unpack L", a -> Tensor.luUnpack(a[0], a[0].detach().linalgLuFactor().pivots()).L(), square(4)));
        t.add(p("svd S", a -> a[0].svd().S(), r(6, 4)));
        t.add(p("tensorinv", a -> a[0].linalgTensorinv(1), square(6).reshape(6, 2, 3)));
        t.add(p("tensorsolve", a -> a[0].linalgTensorsolve(a[1]), square(6).reshape(2, 3, 6), r(2, 3)));
        t.add(p("rad2deg_", a -> a[0].mul(1.0).rad2deg_(), r(4, 5)));
        t.add(p("renorm_", a -> a[0].mul(1.0).renorm_(2, 1, 1.0), r(4, 5)));
        t.add(p("ormqr of geqrf", a -> {
            dev.ember.GeqrfResult f = a[0].detach().geqrf();
            return f.a().ormqr(f.tau(), a[1], false, true);
        }, r(5, 3), r(2, 5)));
        t.add(p("pca_lowrank S", a -> a[0].pcaLowrank(3, true, 2, new Generator(9)).S(), r(9, 6)));
        // complex (session 31, as 2.x): the random matrix drawn complex on the host generator, adjoints on the device
        t.add(p("svd_lowrank complex S", a -> Tensor.complex(a[0], a[1]).svdLowrank(3, 2, null, new Generator(9)).S(),
                r(7, 5), r(7, 5)));
        t.add(p("pca_lowrank complex wide S", a -> Tensor.complex(a[0], a[1]).pcaLowrank(3, true, 1, new Generator(9)).S(),
                r(4, 6), r(4, 6)));
        t.add(p("histogramdd", a -> Tensor.histogramdd(a[0].detach(), new int[] {3, 4}, null, a[1].detach(), true).hist(),
                r(40, 2), Tensor.rand(GEN, DType.FLOAT32, 40)));
        AdaptiveLogSoftmaxWithLoss cpu = new AdaptiveLogSoftmaxWithLoss(8, 12, new int[] {4, 8}, 2.0, true);
        AdaptiveLogSoftmaxWithLoss gpu = new AdaptiveLogSoftmaxWithLoss(8, 12, new int[] {4, 8}, 2.0, true);
        Tensor targets = Tensor.tensor(new long[] {0, 5, 11, 3, 9, 4, 7}, DType.INT64, dev.ember.Device.CPU);
        t.add(p("AdaptiveLogSoftmaxWithLoss loss", a -> on(a[0], cpu, gpu).apply(a[0], a[1]).loss(), r(7, 8), targets));
        t.add(p("AdaptiveLogSoftmaxWithLoss log_prob", a -> on(a[0], cpu, gpu).logProb(a[0]), r(5, 8)));
        return t;
    }
}
