package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ops of issue 14 pass a float64 finite-difference gradient check, broadcasting and views included, and a second-
 * order check where PyTorch's formula is differentiable. Inputs are drawn away from the points where an op is not
 * differentiable (integers for trunc and frac, ties for amax and fmax, the jumps of fmod and the rounding divisions, the
 * kinks of the robust losses). Functions linear in their inputs (lerp with a number weight, nansum, ...) have no
 * second-order check: their first derivatives do not depend on the inputs.
 */
class MathGradcheckTest {
    private static final Generator GEN = new Generator(14);

    /** Uniform on (lo, hi), float64, requiring grad. */
    private static Tensor r(double lo, double hi, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(hi - lo).add(lo).detach().requiresGrad_(true);
    }

    private static Tensor r(int... shape) {
        return r(-1, 1, shape);
    }

    /** Float64 values, requiring grad. */
    private static Tensor v(double... values) {
        return Tensor.tensor(values, DType.FLOAT64).requiresGrad_(true);
    }

    private static DynamicTest check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        return DynamicTest.dynamicTest(name, () -> assertTrue(Autograd.gradcheck(f, inputs)));
    }

    private static DynamicTest check2(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        return DynamicTest.dynamicTest(name + " (second order)", () -> assertTrue(Autograd.gradgradcheck(f, inputs)));
    }

    /** Both orders. */
    private static void both(List<DynamicTest> t, String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        t.add(check(name, f, inputs));
        t.add(check2(name, f, inputs));
    }

    @TestFactory
    List<DynamicTest> unary() {
        List<DynamicTest> t = new ArrayList<>();
        both(t, "log1p", x -> x[0].log1p(), r(-0.5, 2, 5));
        both(t, "expm1", x -> x[0].expm1(), r(4));
        both(t, "log2", x -> x[0].log2(), r(0.5, 3, 4));
        both(t, "log10", x -> x[0].log10(), r(0.5, 3, 4));
        both(t, "exp2", x -> x[0].exp2(), r(4));
        both(t, "tan", x -> x[0].tan(), r(4));
        both(t, "asin", x -> x[0].asin(), r(-0.8, 0.8, 4));
        both(t, "acos", x -> x[0].acos(), r(-0.8, 0.8, 4));
        both(t, "atan", x -> x[0].atan(), r(-3.0, 3.0, 4));
        both(t, "sinh", x -> x[0].sinh(), r(4));
        both(t, "cosh", x -> x[0].cosh(), r(4));
        both(t, "asinh", x -> x[0].asinh(), r(-3.0, 3.0, 4));
        both(t, "acosh", x -> x[0].acosh(), r(1.2, 4, 4));
        both(t, "atanh", x -> x[0].atanh(), r(-0.8, 0.8, 4));
        both(t, "rsqrt", x -> x[0].rsqrt(), r(0.5, 3, 4));
        both(t, "erfc", x -> x[0].erfc(), r(-2.0, 2.0, 5));
        both(t, "erfinv", x -> x[0].erfinv(), r(-0.8, 0.8, 5));
        both(t, "lgamma", x -> x[0].lgamma(), r(0.5, 5, 5));
        both(t, "lgamma negative", x -> x[0].lgamma(), v(-2.4, -1.7, -0.3));
        both(t, "digamma", x -> x[0].digamma(), r(0.5, 5, 5));
        both(t, "polygamma 2", x -> x[0].polygamma(2), r(0.7, 4, 4));
        both(t, "logSigmoid", x -> x[0].logSigmoid(), r(-4.0, 4.0, 6));
        both(t, "logsigmoid (Functional)", x -> Functional.logsigmoid(x[0]), r(-4.0, 4.0, 6));
        t.add(check("frac", x -> x[0].frac(), v(0.3, 1.6, -2.4, -0.7)));
        t.add(check("trunc", x -> x[0].trunc(), v(0.3, 1.6, -2.4, -0.7)));
        t.add(check("sgn", x -> x[0].sgn(), v(0.3, -1.6)));
        t.add(check("nanToNum (finite)", x -> x[0].nanToNum(0.5, 2.0, -2.0), r(4)));
        both(t, "on a transposed view", x -> x[0].t().asinh().mul(x[0].t().erfc()), r(3, 2));
        return t;
    }

    @TestFactory
    List<DynamicTest> binary() {
        List<DynamicTest> t = new ArrayList<>();
        both(t, "atan2 broadcast", x -> x[0].atan2(x[1]), r(3, 4), r(0.5, 2, 4));
        both(t, "hypot broadcast", x -> x[0].hypot(x[1]), r(0.2, 1, 3, 1), r(0.2, 1, 4));
        t.add(check("fmod", x -> x[0].fmod(x[1]), r(0.1, 0.9, 4), r(1.2, 2, 4)));
        t.add(check("fmod scalar", x -> x[0].fmod(0.7), v(0.2, 0.9, -0.5, 1.6)));
        t.add(check("remainder", x -> x[0].remainder(x[1]), r(0.1, 0.9, 4), r(1.2, 2, 4)));
        t.add(check("remainder negative divisor", x -> x[0].remainder(x[1]), r(0.1, 0.9, 4), r(-2, -1.2, 4)));
        t.add(check("div trunc", x -> x[0].div(x[1], "trunc"), v(0.3, 1.3, -2.7), v(1.1, 0.9, 1.7)));
        t.add(check("div floor scalar", x -> x[0].div(0.7, "floor"), v(0.3, 1.3, -2.7)));
        both(t, "div none", x -> x[0].div(x[1], (String) null), r(3), r(0.5, 2, 3));
        t.add(check("copysign", x -> x[0].copysign(x[1]), v(0.3, -1.3, 2.7), v(-1.1, 0.9, -1.7)));
        t.add(check("copysign scalar", x -> x[0].copysign(-2.0), v(0.3, -1.3, 2.7)));
        t.add(check("fmax", x -> x[0].fmax(x[1]), v(0.3, -1.3, 2.7), v(-1.1, 0.9, 1.7)));
        t.add(check("fmin broadcast", x -> x[0].fmin(x[1]), v(0.3, -1.3, 2.7), v(0.1)));
        both(t, "xlogy", x -> x[0].xlogy(x[1]), r(3, 2), r(0.5, 2, 3, 2));
        t.add(check("xlogy scalar other", x -> x[0].xlogy(2.5), r(4)));
        both(t, "xlogy scalar self", x -> Tensor.xlogy(2.5, x[0]), r(0.5, 2, 4));
        t.add(check("lerp scalar weight small", x -> x[0].lerp(x[1], 0.3), r(3), r(3)));
        t.add(check("lerp scalar weight large", x -> x[0].lerp(x[1], 0.8), r(2, 3), r(3)));
        both(t, "lerp tensor weight broadcast", x -> x[0].lerp(x[1], x[2]), r(3, 1), r(1, 4), r(-1.0, 2.0, 4));
        return t;
    }

    @TestFactory
    List<DynamicTest> reductions() {
        List<DynamicTest> t = new ArrayList<>();
        both(t, "prod dim", x -> x[0].prod(1, false), r(0.5, 1.5, 3, 4));
        both(t, "prod dim keepdim transposed", x -> x[0].t().prod(0, true), r(0.5, 1.5, 3, 4));
        both(t, "prod dim with one and two zeros", x -> x[0].prod(1, false), v(0.5, 0, 1.5, 2, 0, 0, 0.7, 1.3, -0.4)
                .view(3, 3).detach().requiresGrad_(true));
        t.add(check("amax dims", x -> x[0].amax(new int[] {0, 2}, false), r(2, 3, 4)));
        t.add(check("amin all keepdim", x -> x[0].amin(null, true), r(3, 4)));
        both(t, "var correction 2", x -> x[0].var(new int[] {1}, 2, true), r(3, 5));
        both(t, "std dims", x -> x[0].std(new int[] {0, 2}, 0, false), r(2, 3, 4));
        both(t, "varMean", x -> {
            Tensor.VarMean vm = x[0].varMean(new int[] {1}, 1, false);
            return vm.var().add(vm.mean().mul(3L));
        }, r(3, 4));
        both(t, "stdMean", x -> {
            Tensor.StdMean sm = x[0].stdMean();
            return sm.std().add(sm.mean().mul(3L));
        }, r(3, 4));
        both(t, "logsumexp", x -> x[0].logsumexp(new int[] {0, 2}, true), r(-3.0, 3.0, 2, 3, 4));
        for (double p : new double[] {2, 3, 1.5}) {
            both(t, "vectorNorm " + p, x -> x[0].vectorNorm(p, new int[] {1}, false), r(3, 4));
        }
        for (double p : new double[] {1, 0.5, -1, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            t.add(check("vectorNorm " + p, x -> x[0].vectorNorm(p, null, false), v(0.3, -1.3, 2.7, -0.6, 1.9)));
        }
        both(t, "norm", x -> x[0].norm(), r(3, 4));
        both(t, "matrixNorm fro", x -> x[0].matrixNorm(), r(2, 3, 4));
        t.add(check("matrixNorm 1", x -> x[0].matrixNorm(1, null, false), v(0.3, -1.3, 2.7, -0.6, 1.9, 0.2).view(2, 3)
                .detach().requiresGrad_(true)));
        t.add(check("matrixNorm -inf keepdim", x -> x[0].matrixNorm(Double.NEGATIVE_INFINITY, new int[] {0, 1}, true),
                v(0.3, -1.3, 2.7, -0.6, 1.9, 0.2).view(2, 3).detach().requiresGrad_(true)));
        t.add(check("nansum", x -> x[0].nansum(new int[] {1}, false), r(3, 4)));
        t.add(check("nanmean", x -> x[0].nanmean(new int[] {0}, true), r(3, 4)));
        t.add(check("sum with dtype", x -> x[0].sum(new int[] {0}, false, DType.FLOAT64), r(3, 4)));
        return t;
    }

    @TestFactory
    List<DynamicTest> losses() {
        List<DynamicTest> t = new ArrayList<>();
        for (String red : new String[] {"mean", "sum", "none"}) {
            both(t, "mseLoss " + red, x -> Functional.mseLoss(x[0], x[1], red), r(3, 4), r(3, 4));
            t.add(check("l1Loss " + red, x -> Functional.l1Loss(x[0], x[1], red), v(0.3, -1.3, 2.7), v(0.1, 0.2, 0.3)));
            // inputs at least 0.2 from the kinks at |input - target| = beta (delta)
            t.add(check("smoothL1Loss " + red, x -> Functional.smoothL1Loss(x[0], x[1], red, 0.5),
                    v(0.3, -1.3, 2.7, 0.1), v(0.1, 0.2, 0.3, -0.1)));
            t.add(check("huberLoss " + red, x -> Functional.huberLoss(x[0], x[1], red, 0.5),
                    v(0.3, -1.3, 2.7, 0.1), v(0.1, 0.2, 0.3, -0.1)));
        }
        both(t, "mseLoss broadcast target", x -> Functional.mseLoss(x[0], x[1]), r(3, 4), r(4));
        t.add(check2("smoothL1Loss", x -> Functional.smoothL1Loss(x[0], x[1], "mean", 0.5), v(0.3, -1.3, 2.7, 0.1),
                v(0.1, 0.2, 0.3, -0.1)));
        t.add(check2("huberLoss", x -> Functional.huberLoss(x[0], x[1], "sum", 0.5), v(0.3, -1.3, 2.7, 0.1),
                v(0.1, 0.2, 0.3, -0.1)));
        return t;
    }
}
