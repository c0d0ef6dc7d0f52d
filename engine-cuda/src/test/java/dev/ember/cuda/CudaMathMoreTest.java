package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Special;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.inputGradient;
import static dev.ember.cuda.CudaParity.nc;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * SpecialOps on CUDA against the CPU, forward and backward (and double backward through create_graph): the
 * compositions (sinc, logit, xlog1py, logaddexp(2), entr, ndtr, log_ndtr, multigammaln, addcmul/addcdiv, deg2rad,
 * ldexp) run on the device's kernels; the series (i0, i0e, i1, i1e, ndtri, erfcx) and nextafter go through the host and
 * come back to the device.
 */
@ExtendWith(CudaGate.class)
class CudaMathMoreTest {
    private static final Generator GEN = new Generator(2031);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 2.0, shape);
    }

    @TestFactory
    List<DynamicTest> pointwise() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("sinc", a -> a[0].sinc(), r(5, 7)));
        t.add(p("sinc non-contiguous", a -> nc(a[0]).sinc(), r(6, 3)));
        t.add(p("logit", a -> a[0].sigmoid().logit(), r(4, 5)));
        t.add(p("logit eps", a -> a[0].mul(0.3).add(0.5).logit(0.2), r(4, 5)));
        t.add(p("entr", a -> Special.entr(a[0]), r(9)));
        t.add(p("xlog1py", a -> a[0].xlog1py(a[1].abs()), r(3, 1), r(4)));
        t.add(p("xlog1py scalar", a -> Tensor.xlog1py(1.5, a[0].abs()).add(a[0].xlog1py(0.5)), r(6)));
        t.add(p("logaddexp", a -> a[0].logaddexp(a[1]), r(3, 1), r(4)));
        t.add(p("logaddexp2", a -> nc(a[0]).logaddexp2(a[1]), r(4, 3), r(3, 4)));
        t.add(p("i0", a -> a[0].mul(5.0).i0(), r(11)));
        t.add(p("i0e", a -> Special.i0e(a[0].mul(5.0)), r(11)));
        t.add(p("i1", a -> Special.i1(a[0].mul(5.0)), r(11)));
        t.add(p("i1e", a -> Special.i1e(nc(a[0]).mul(5.0)), r(3, 4)));
        t.add(p("ndtr", a -> Special.ndtr(a[0]), r(7)));
        t.add(p("ndtri", a -> Special.ndtri(a[0].sigmoid()), r(7)));
        t.add(p("erfcx", a -> Special.erfcx(a[0].mul(3.0)), r(9)));
        t.add(p("log_ndtr", a -> Special.logNdtr(a[0].mul(3.0)), r(9)));
        t.add(p("ldexp", a -> a[0].ldexp(a[1]), r(3, 1), r(4)));
        t.add(p("nextafter", a -> a[0].detach().nextafter(a[1].detach()), r(3, 1), r(4)));
        t.add(p("frexp", a -> a[0].mul(100.0).frexp().mantissa(), r(8)));
        t.add(p("multigammaln", a -> Special.multigammaln(a[0].abs().add(1.5), 3), r(2, 3)));
        t.add(p("addcmul", a -> a[0].addcmul(a[1], a[2], -1.5), r(3, 1), r(4), r(3, 4)));
        t.add(p("addcdiv", a -> a[0].addcdiv(a[1], a[2].abs().add(0.5), 0.5), r(3, 1), r(4), r(3, 4)));
        t.add(p("deg2rad rad2deg", a -> a[0].deg2rad().add(a[0].rad2deg()), r(5)));
        t.add(p("float_power", a -> a[0].abs().floatPower(a[1]), r(5), r(5)));
        t.add(p("empty", a -> a[0].sinc().add(Special.i0e(a[0])).add(a[0].logaddexp(a[0])), r(0, 3)));
        t.add(p("i1 double backward", a -> inputGradient(Special.i1(a[0].mul(3.0)), a[0]), r(6)));
        t.add(p("logaddexp double backward", a -> inputGradient(a[0].logaddexp(a[1]), a[0]), r(5), r(5)));
        t.add(p("sinc double backward", a -> inputGradient(a[0].sinc(), a[0]), r(5)));
        return t;
    }

    @Test
    void errorsNameTheCudaKernel() {
        Tensor l = Tensor.tensor(new long[] {1, 2}).to(GPU);
        assertEquals("\"logaddexp_cuda\" not implemented for 'Long'",
                assertThrows(IllegalArgumentException.class, () -> l.logaddexp(l)).getMessage());
        Tensor s = Tensor.tensor(new double[] {1, 2}, DType.FLOAT64, GPU);
        Tensor ok = s.addcmul(s, s, 2.0);
        assertEquals(GPU, ok.device());
        assertEquals(GPU, Special.i0(s).device());
        assertEquals(GPU, s.frexp().exponent().device());
        assertEquals(DType.INT32, s.frexp().exponent().dtype());
    }
}
