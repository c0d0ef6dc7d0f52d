package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParityTest.p;

/**
 * Complex tensors on CUDA against the CPU (session 28): every complex op runs on the real view through the real kernels,
 * so CUDA needs no kernel of its own; each case takes and returns real views (float pairs), so the forward values and
 * the gradients of the pairs are compared as real tensors.
 */
@ExtendWith(CudaGate.class)
class CudaComplexTest {
    private static final Generator GEN = new Generator(2812);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    /** Random pairs of shape {@code [..., 2]}: a complex tensor's real view. */
    static Tensor pairs(int... shape) {
        int[] s = java.util.Arrays.copyOf(shape, shape.length + 1);
        s[shape.length] = 2;
        return Tensor.rand(GEN, DType.FLOAT32, s).mul(4.0).sub(2.0);
    }

    static Tensor z(Tensor pairs) {
        return pairs.clone().viewAsComplex();
    }

    @TestFactory
    List<DynamicTest> complexOps() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("mul", a -> z(a[0]).mul(z(a[1])).viewAsReal(), pairs(5, 3), pairs(3)));
        t.add(p("div", a -> z(a[0]).div(z(a[1])).viewAsReal(), pairs(5, 3), pairs(5, 3)));
        t.add(p("add real", a -> z(a[0]).add(a[1]).viewAsReal(), pairs(4, 3), Tensor.rand(GEN, DType.FLOAT32, 3)));
        t.add(p("div by real and real by complex", a -> z(a[0]).div(a[1].add(0.5)).add(a[1].div(z(a[0]))).viewAsReal(),
                pairs(4, 3), Tensor.rand(GEN, DType.FLOAT32, 3)));
        t.add(p("number ops", a -> z(a[0]).mul(2.5).sub(1.0).div(-0.5).rsub(3.0).viewAsReal(), pairs(7)));
        t.add(p("abs angle", a -> z(a[0]).abs().add(z(a[0]).angle()), pairs(6, 2)));
        t.add(p("exp log sqrt", a -> z(a[0]).exp().add(z(a[0]).log()).add(z(a[0]).sqrt()).viewAsReal(), pairs(9)));
        t.add(p("pow", a -> z(a[0]).pow(2.5).add(z(a[0]).pow(2L)).viewAsReal(), pairs(9)));
        t.add(p("sin cos reciprocal", a -> z(a[0]).sin().mul(z(a[0]).cos()).add(z(a[0]).reciprocal()).viewAsReal(),
                pairs(8)));
        t.add(p("sgn conj", a -> z(a[0]).sgn().mul(z(a[0]).conj()).viewAsReal(), pairs(8)));
        t.add(p("sum mean", a -> z(a[0]).sum(new int[] {0}, true).add(z(a[0]).mean()).viewAsReal(), pairs(4, 5)));
        t.add(p("matmul", a -> z(a[0]).matmul(z(a[1])).viewAsReal(), pairs(2, 4, 3), pairs(3, 5)));
        t.add(p("matmul vector", a -> z(a[0]).matmul(z(a[1])).viewAsReal(), pairs(4, 3), pairs(3)));
        t.add(p("cat stack", a -> Tensor.stack(List.of(Tensor.cat(List.of(z(a[0]), z(a[1])), 0), z(a[2])), 0)
                .viewAsReal(), pairs(2, 3), pairs(1, 3), pairs(3, 3)));
        t.add(p("where", a -> Tensor.where(a[1].gt(0.0), z(a[0]), z(a[0]).conj()).viewAsReal(), pairs(3, 4),
                Tensor.rand(GEN, DType.FLOAT32, 4).sub(0.5)));
        // session 29: ComplexMath's functions, pow, prod, var/std, norms, dot/vdot, mm
        t.add(p("tanh sigmoid sinh cosh tan", a -> z(a[0]).tanh().add(z(a[0]).sigmoid()).add(z(a[0]).sinh())
                .add(z(a[0]).cosh()).add(z(a[0]).tan()).viewAsReal(), pairs(9)));
        t.add(p("inverse functions", a -> z(a[0]).asin().add(z(a[0]).acos()).add(z(a[0]).atan()).add(z(a[0]).asinh())
                .add(z(a[0]).acosh()).add(z(a[0]).atanh()).viewAsReal(), pairs(9)));
        t.add(p("log1p expm1 exp2 log2 log10 rsqrt", a -> z(a[0]).log1p().add(z(a[0]).expm1()).add(z(a[0]).exp2())
                .add(z(a[0]).log2()).add(z(a[0]).log10()).add(z(a[0]).rsqrt()).viewAsReal(), pairs(9)));
        t.add(p("pow tensor", a -> z(a[0]).pow(z(a[1]).mul(0.5)).add(Tensor.pow(2.0, z(a[1]))).viewAsReal(), pairs(6),
                pairs(6)));
        t.add(p("prod var std norm", a -> z(a[0]).prod(1, false).abs().add(z(a[0]).var(1)).add(z(a[0]).std(1))
                .add(z(a[0]).vectorNorm(2, new int[] {1}, false)), pairs(4, 5)));
        t.add(p("in-place arithmetic and CopySlices", a -> {
            Tensor w = z(a[0]).mul(1.0);
            w.add_(z(a[1])).mul_(z(a[1])).div_(z(a[1]).add(3.0));
            w.real().mul_(2.0);
            w.narrow(0, 1, 2).sub_(z(a[0]).narrow(0, 0, 2));
            return w.viewAsReal();
        }, pairs(6), pairs(6)));
        t.add(p("addcdiv lerp sinc logsumexp", a -> z(a[0]).addcdiv(z(a[1]), z(a[0]).add(3.0), 0.5).lerp(z(a[1]), 0.3)
                .sinc().add(z(a[0]).logsumexp(new int[] {0}, false)).viewAsReal(), pairs(6), pairs(6)));
        t.add(p("conv2d", a -> dev.ember.nn.Functional.conv2d(z(a[0]), z(a[1]), null, new int[] {1, 1}, new int[] {1, 1},
                new int[] {1, 1}, 1).viewAsReal(), pairs(1, 2, 5, 5), pairs(3, 2, 3, 3)));
        t.add(p("cov corrcoef", a -> z(a[0]).cov().viewAsReal().sum().add(z(a[0]).corrcoef().viewAsReal().sum()),
                pairs(3, 5)));
        t.add(p("dot vdot mm", a -> z(a[0]).dot(z(a[1])).add(z(a[0]).vdot(z(a[1])))
                .add(z(a[0]).reshape(2, 3).mm(z(a[1]).reshape(3, 2)).sum()).viewAsReal(), pairs(6), pairs(6)));
        t.add(p("roll flip transpose", a -> z(a[0]).roll(1, 0).flip(1).t().contiguous().viewAsReal(), pairs(3, 4)));
        t.add(p("complex polar real imag", a -> Tensor.complex(a[0], a[1]).mul(Tensor.polar(a[0].abs(), a[1]))
                .real().add(Tensor.complex(a[1], a[0]).imag()), Tensor.rand(GEN, DType.FLOAT32, 6),
                Tensor.rand(GEN, DType.FLOAT32, 6)));
        t.add(p("to complex128 and back", a -> z(a[0]).to(DType.COMPLEX128).mul(z(a[0]).to(DType.COMPLEX128))
                .to(DType.COMPLEX64).viewAsReal(), pairs(5)));
        t.add(p("Complex numbers (host scalars)", a -> z(a[0]).mul(dev.ember.Complex.I).div(dev.ember.Complex.of(2, -1))
                .add(dev.ember.Complex.of(0.5, 0.25)).viewAsReal(), pairs(6)));
        t.add(p("real tensor times 1j", a -> a[0].mul(dev.ember.Complex.I).exp().viewAsReal(), Tensor.rand(GEN, DType.FLOAT32, 6)));
        t.add(p("eq of complex", a -> z(a[0]).eq(z(a[0]).conj().conj()).to(DType.FLOAT32).mul(a[0].select(-1, 0)),
                pairs(5)));
        t.add(p("moved complex tensor", a -> z(a[0]).cpu().to(a[0].device()).mul(2.0).viewAsReal(), pairs(5)));
        return t;
    }
}
