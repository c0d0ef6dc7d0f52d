package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
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
import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Session 20's in-place variants and aliases on CUDA against the CPU reference: the in-place unary, binary and
 * comparison ops on a non-leaf (contiguous, non-contiguous, and a view of a tensor autograd records, CopySlices), the
 * in-place view ops, fill_diagonal_, the product family, forward values and the gradients through them; and the same
 * errors (leaf, cast, broadcast resize) on the device. Composed of existing tensor ops, so no new kernel.
 */
@ExtendWith(CudaGate.class)
class CudaInplaceAliasesTest {
    private static final Generator GEN = new Generator(2031);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 0.9, shape);
    }

    private static Tensor pos(int... shape) {
        return uniform(GEN, 0.9, shape).add(1.2);
    }

    /** {@code op} applied in place to a non-leaf copy of {@code a[0]}. */
    private static Function<Tensor[], Tensor> inplace(Function<Tensor[], Tensor> op) {
        return a -> {
            Tensor[] b = a.clone();
            b[0] = a[0].mul(1.0);
            Tensor out = op.apply(b);
            assertSame(b[0], out);
            return out;
        };
    }

    /** {@code op} applied in place to a strided view of a non-leaf copy; the base (CopySlices) is returned. */
    private static Function<Tensor[], Tensor> throughView(Function<Tensor[], Tensor> op) {
        return a -> {
            Tensor base = a[0].mul(1.0);
            Tensor[] b = a.clone();
            b[0] = base.narrow(1, 1, base.size(1) - 1);
            op.apply(b);
            return base;
        };
    }

    @TestFactory
    List<DynamicTest> unary() {
        List<DynamicTest> t = new ArrayList<>();
        List<Object[]> ops = List.of(
                new Object[] {"acos_", (Function<Tensor, Tensor>) Tensor::acos_},
                new Object[] {"asin_", (Function<Tensor, Tensor>) Tensor::asin_},
                new Object[] {"atan_", (Function<Tensor, Tensor>) Tensor::atan_},
                new Object[] {"cos_", (Function<Tensor, Tensor>) Tensor::cos_},
                new Object[] {"sinh_", (Function<Tensor, Tensor>) Tensor::sinh_},
                new Object[] {"tan_", (Function<Tensor, Tensor>) Tensor::tan_},
                new Object[] {"sinc_", (Function<Tensor, Tensor>) Tensor::sinc_},
                new Object[] {"erf_", (Function<Tensor, Tensor>) Tensor::erf_},
                new Object[] {"erfinv_", (Function<Tensor, Tensor>) Tensor::erfinv_},
                new Object[] {"exp2_", (Function<Tensor, Tensor>) Tensor::exp2_},
                new Object[] {"expm1_", (Function<Tensor, Tensor>) Tensor::expm1_},
                new Object[] {"frac_", (Function<Tensor, Tensor>) Tensor::frac_},
                new Object[] {"round_", (Function<Tensor, Tensor>) Tensor::round_},
                new Object[] {"sign_", (Function<Tensor, Tensor>) Tensor::sign_},
                new Object[] {"i0_", (Function<Tensor, Tensor>) Tensor::i0_},
                new Object[] {"logit_", (Function<Tensor, Tensor>) t1 -> t1.abs_().logit_(0.05)},
                new Object[] {"nanToNum_", (Function<Tensor, Tensor>) t1 -> t1.reciprocal_().nanToNum_()});
        for (Object[] o : ops) {
            @SuppressWarnings("unchecked")
            Function<Tensor, Tensor> f = (Function<Tensor, Tensor>) o[1];
            t.add(p(o[0] + "", inplace(a -> f.apply(a[0])), r(5, 7)));
            t.add(p(o[0] + " non-contiguous", inplace(a -> f.apply(nc(a[0]).mul(1.0))), r(6, 4)));
            t.add(p(o[0] + " through a view", throughView(a -> f.apply(a[0])), r(4, 6)));
        }
        t.add(p("log2_", inplace(a -> a[0].log2_()), pos(5, 7)));
        t.add(p("rsqrt_", inplace(a -> a[0].rsqrt_()), pos(5, 7)));
        t.add(p("lgamma_", inplace(a -> a[0].lgamma_()), pos(5, 7)));
        t.add(p("digamma_", inplace(a -> a[0].digamma_()), pos(5, 7)));
        t.add(p("polygamma_(1)", inplace(a -> a[0].polygamma_(1)), pos(5, 7)));
        t.add(p("mvlgamma_(2)", inplace(a -> a[0].mvlgamma_(2)), pos(5, 7)));
        return t;
    }

    @TestFactory
    List<DynamicTest> binaryAndComparisons() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("atan2_", inplace(a -> a[0].atan2_(a[1])), r(5, 7), r(7)));
        t.add(p("pow_ tensor", inplace(a -> a[0].pow_(a[1])), pos(5, 7), r(7)));
        t.add(p("pow_ number", inplace(a -> a[0].pow_(2.5)), pos(5, 7)));
        t.add(p("remainder_", inplace(a -> a[0].remainder_(a[1])), r(5, 7), pos(7)));
        t.add(p("fmod_", inplace(a -> a[0].fmod_(0.3)), r(5, 7)));
        t.add(p("lerp_", inplace(a -> a[0].lerp_(a[1], a[2])), r(5, 7), r(7), r(5, 7)));
        t.add(p("hypot_ through a view", throughView(a -> a[0].hypot_(a[1])), r(5, 7), r(6)));
        t.add(p("copysign_", inplace(a -> a[0].copysign_(a[1])), r(5, 7), r(5, 7)));
        t.add(p("xlogy_", inplace(a -> a[0].xlogy_(a[1])), r(5, 7), pos(7)));
        t.add(p("floatPower_", inplace(a -> a[0].floatPower_(a[1])), pos(5, 7).to(DType.FLOAT64), r(7)));
        t.add(p("divide_ floor", inplace(a -> a[0].divide_(a[1], "floor")), r(5, 7), pos(7)));
        t.add(p("subtract_ alpha", inplace(a -> a[0].subtract_(a[1], 2)), r(5, 7), r(7)));
        t.add(p("eq_ tensor", inplace(a -> a[0].round_().eq_(a[1].round())), r(5, 7), r(7)));
        t.add(p("lt_ number", inplace(a -> a[0].lt_(0.1)), r(5, 7)));
        t.add(p("greaterEqual_ non-contiguous", inplace(a -> nc(a[0]).mul(1.0).greaterEqual_(a[1])), r(6, 6), r(6)));
        t.add(p("logicalXor_", inplace(a -> a[0].logicalXor_(a[1])), r(5, 7).round(), r(7).round()));
        t.add(p("bitwiseXor_ int64", a -> a[0].clone().bitwiseXor_(a[1]), Tensor.arange(0, 35, 1, DType.INT64).reshape(5, 7),
                Tensor.arange(3, 10, 1, DType.INT64)));
        t.add(p("bitwiseLeftShift_ int64", a -> a[0].clone().bitwiseLeftShift_(2L),
                Tensor.arange(-7, 28, 1, DType.INT64).reshape(5, 7)));
        return t;
    }

    @TestFactory
    List<DynamicTest> shapesAndProducts() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("cumsum_", inplace(a -> a[0].cumsum_(1)), r(5, 7)));
        t.add(p("cumprod_ through a view", throughView(a -> a[0].cumprod_(1)), r(4, 6)));
        t.add(p("tril_", inplace(a -> a[0].tril_(-1)), r(5, 7)));
        t.add(p("triu_ non-contiguous", inplace(a -> nc(a[0]).mul(1.0).triu_(1)), r(6, 6)));
        t.add(p("addmm_", inplace(a -> a[0].addmm_(a[1], a[2], 0.5, 2)), r(5, 7), r(5, 3), r(3, 7)));
        t.add(p("addmv_", inplace(a -> a[0].addmv_(a[1], a[2])), r(5), r(5, 3), r(3)));
        t.add(p("baddbmm_", inplace(a -> a[0].baddbmm_(a[1], a[2])), r(2, 5, 7), r(2, 5, 3), r(2, 3, 7)));
        t.add(p("addbmm_", inplace(a -> a[0].addbmm_(a[1], a[2])), r(5, 7), r(2, 5, 3), r(2, 3, 7)));
        t.add(p("t_", inplace(a -> a[0].t_().exp_()), r(5, 7)));
        t.add(p("transpose_ through a view", a -> a[0].mul(1.0).narrow(1, 1, 5).transpose_(0, 1).mul(2.0), r(4, 6)));
        t.add(p("squeeze_ and unsqueeze_", inplace(a -> a[0].unsqueeze_(1).squeeze_(1).unsqueeze_(-1)), r(5, 7)));
        t.add(p("fillDiagonal_ wrap", inplace(a -> a[0].fillDiagonal_(0.5, true)), r(11, 3)));
        t.add(p("fillDiagonal_ cube", inplace(a -> a[0].fillDiagonal_(-1)), r(3, 3, 3)));
        t.add(p("ravel non-contiguous", a -> nc(a[0]).ravel(), r(5, 7)));
        t.add(p("ger", a -> a[0].ger(a[1]), r(5), r(7)));
        return t;
    }

    @Test
    void errorsAsOnTheCpu() {
        Tensor leaf = r(3, 4).to(GPU).requiresGrad_(true);
        Throwable e = assertThrows(IllegalStateException.class, leaf::cos_);
        assertEquals("a leaf Variable that requires grad is being used in an in-place operation.", e.getMessage());
        Tensor ints = Tensor.arange(0, 6, 1, DType.INT64).to(GPU);
        e = assertThrows(IllegalArgumentException.class, ints::sin_);
        assertEquals("result type Float can't be cast to the desired output type Long", e.getMessage());
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5}, ints.toLongArray());
        Tensor row = r(4).to(GPU);
        double[] before = row.toDoubleArray();
        e = assertThrows(IllegalArgumentException.class, () -> row.atan2_(r(3, 4).to(GPU)));
        assertEquals("output with shape [4] doesn't match the broadcast shape [3, 4]", e.getMessage());
        assertArrayEquals(before, row.toDoubleArray());
        assertEquals(0, row.version());
    }
}
