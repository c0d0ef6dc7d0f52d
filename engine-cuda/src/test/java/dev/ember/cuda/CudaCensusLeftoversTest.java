package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.LdlFactorResult;
import dev.ember.Tensor;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.CrossMapLRN2d;
import dev.ember.nn.Linear;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Module;
import dev.ember.nn.utils.Fusion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParityTest.p;

/**
 * Session 28's census leftovers on CUDA against the CPU: {@code linalg.ldl_factor}/{@code ldl_solve} (host algorithms,
 * as geqrf), the deprecated {@code torch.cholesky}, {@code lu_solve}, {@code triangular_solve} and
 * {@code narrow_copy}, {@code nn.CrossMapLRN2d} (forward and its own backward) and the fused layers of
 * {@code nn.utils.fuse_conv_bn_eval}/{@code fuse_linear_bn_eval}.
 */
@ExtendWith(CudaGate.class)
class CudaCensusLeftoversTest {
    private static final Generator GEN = new Generator(2811);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(4.0).sub(2.0);
    }

    private static Tensor symmetric(int n) {
        Tensor a = r(n, n);
        return a.add(a.mT());
    }

    /** {@code Z + Z^T} (or {@code Z + Z^H}) of {@code Z = re + i im}, without history, its diagonal zero (2-by-2 pivots). */
    private static Tensor complexSymmetric(Tensor re, Tensor im, boolean hermitian) {
        Tensor z = Tensor.complex(re, im).detach();
        Tensor s = z.add(hermitian ? z.mH() : z.mT());
        return s.sub(s.diagonal(0, -2, -1).diagEmbed(0, -2, -1));
    }

    /** Fixed weights for a layer (all its parameters from {@code values}), then moved to {@code x}'s device, in eval mode. */
    private static Module fixed(Module m, Tensor x) {
        try (GradMode off = Ember.noGrad()) {
            int k = 1;
            for (Tensor t : m.parameters()) {
                t.copy_(Tensor.arange(t.numel()).toFloat().mul(0.37 * k).sin().reshape(t.shape()));
                k++;
            }
            for (Tensor t : m.buffers()) {
                if (t.dtype().isFloatingPoint()) {
                    t.copy_(Tensor.arange(t.numel()).toFloat().mul(0.21 * k).cos().abs().add(0.25).reshape(t.shape()));
                    k++;
                }
            }
        }
        m.to(x.device());
        m.eval();
        return m;
    }

    @TestFactory
    List<DynamicTest> censusLeftovers() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("ldl_factor LD", a -> a[0].detach().linalgLdlFactor().LD(), symmetric(6)));
        t.add(p("ldl_factor pivots", a -> a[0].detach().linalgLdlFactor().pivots(), symmetric(6)));
        t.add(p("ldl_solve batched", a -> {
            LdlFactorResult f = a[0].detach().linalgLdlFactor();
            return Tensor.linalgLdlSolve(f.LD(), f.pivots(), a[1].detach(), false);
        }, symmetric(5).expand(2, 5, 5).contiguous(), r(2, 5, 3)));
        // complex (session 31): zsytf2/zhetf2 and their solves on host copies, the results back on the device
        for (boolean h : new boolean[] {false, true}) {
            String kind = h ? " hermitian" : " complex symmetric";
            t.add(p("ldl_factor LD" + kind, a -> complexSymmetric(a[0], a[1], h).linalgLdlFactor(h).LD().viewAsReal(),
                    r(6, 6), r(6, 6)));
            t.add(p("ldl_factor pivots" + kind, a -> complexSymmetric(a[0], a[1], h).linalgLdlFactor(h).pivots(),
                    r(6, 6), r(6, 6)));
            t.add(p("ldl_solve batched" + kind, a -> {
                LdlFactorResult f = complexSymmetric(a[0], a[1], h).linalgLdlFactor(h);
                return Tensor.linalgLdlSolve(f.LD(), f.pivots(), Tensor.complex(a[2], a[3]).detach(), h).viewAsReal();
            }, r(2, 5, 5), r(2, 5, 5), r(2, 5, 3), r(2, 5, 3)));
        }
        t.add(p("cholesky upper", a -> a[0].matmul(a[0].mT()).add(Tensor.eye(4, 4, DType.FLOAT32).to(a[0].device()))
                .cholesky(true), r(4, 4)));
        t.add(p("lu_solve", a -> a[0].luSolve(a[1].detach().linalgLuFactor().LU(), a[1].detach().linalgLuFactor().pivots()),
                r(4, 2), r(4, 4).add(Tensor.eye(4, 4, DType.FLOAT32).mul(5.0))));
        t.add(p("triangular_solve solution and copy", a -> {
            dev.ember.TriangularSolveResult s = a[0].triangularSolve(a[1], false, true, false);
            return s.solution().sum().add(s.clonedCoefficient().mul(s.clonedCoefficient()).sum());
        }, r(2, 4, 3), r(4, 4).add(Tensor.eye(4, 4, DType.FLOAT32).mul(5.0))));
        t.add(p("narrow_copy", a -> a[0].t().narrowCopy(1, 1, 3), r(5, 4)));
        t.add(p("CrossMapLRN2d", a -> new CrossMapLRN2d(3, 0.5, 0.75, 1.5).forward(a[0]), r(2, 7, 3, 4)));
        t.add(p("fuse_conv_bn_eval", a -> Fusion.fuseConvBnEval(fixed(new Conv2d(3, 4, 2), a[0]),
                fixed(new BatchNorm2d(4), a[0])).forward(a[0]), r(2, 3, 5, 5)));
        t.add(p("fuse_linear_bn_eval", a -> Fusion.fuseLinearBnEval(fixed(new Linear(5, 4), a[0]),
                fixed(new BatchNorm1d(4), a[0])).forward(a[0]), r(3, 5)));
        return t;
    }
}
