package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.p;

/**
 * The math ops, reductions and regression losses of issue 14 on CUDA against the CPU backend
 * ({@link CudaParityTest#parity}: values, then gradients for a random upstream gradient), on odd sizes, non-contiguous,
 * broadcast and empty operands, float32 and float64. The new elementwise op codes run CUDA kernels (ember_kernels.cu);
 * the reductions are compositions of the existing reduce kernels. Skips without a GPU.
 */
@ExtendWith(CudaGate.class)
class CudaMathTest {
    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static final Generator GEN = new Generator(1414);

    private static Tensor r(double lo, double hi, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(hi - lo).add(lo);
    }

    private static Tensor r(int... shape) {
        return r(-1.0, 1.0, shape);
    }

    private static Tensor d(double lo, double hi, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(hi - lo).add(lo);
    }

    @TestFactory
    List<DynamicTest> unary() {
        List<DynamicTest> t = new ArrayList<>();
        String[] ops = {"log1p", "expm1", "log2", "log10", "exp2", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh",
            "acosh", "atanh", "rsqrt", "trunc", "frac", "sgn", "erfc", "erfinv", "lgamma", "digamma", "polygamma1",
            "polygamma3", "logSigmoid", "nanToNum"};
        for (String op : ops) {
            t.add(p(op + " odd size", x -> unary(op, x[0]), r(37, 19)));
            t.add(p(op + " transposed", x -> unary(op, x[0].t()), r(13, 7)));
            t.add(p(op + " broadcast", x -> unary(op, x[0].expand(5, 11)), r(1, 11)));
            t.add(p(op + " float64", x -> unary(op, x[0]), d(-1, 1, 9, 5)));
            t.add(p(op + " empty", x -> unary(op, x[0]), r(0, 4)));
        }
        t.add(p("isnan/isinf/isposinf/isneginf", x -> x[0].log().isnan().logicalOr(x[0].reciprocal().isinf())
                .logicalXor(x[0].div(0.0).isposinf()).logicalOr(x[0].div(0.0).isneginf()), r(17, 3)));
        t.add(p("bitwiseNot int64", x -> x[0].bitwiseNot(), Tensor.tensor(new long[] {0, 5, -7, Long.MIN_VALUE})));
        t.add(p("bitwiseNot bool", x -> x[0].bitwiseNot(), Tensor.tensor(new boolean[] {true, false, true})));
        return t;
    }

    /** The unary ops, on their domains (inputs in (-1, 1)). */
    private static Tensor unary(String op, Tensor x) {
        switch (op) {
            case "log1p": return x.log1p();
            case "expm1": return x.expm1();
            case "log2": return x.abs().add(0.1).log2();
            case "log10": return x.abs().add(0.1).log10();
            case "exp2": return x.mul(4L).exp2();
            case "tan": return x.tan();
            case "asin": return x.mul(0.9).asin();
            case "acos": return x.mul(0.9).acos();
            case "atan": return x.mul(3L).atan();
            case "sinh": return x.mul(3L).sinh();
            case "cosh": return x.mul(3L).cosh();
            case "asinh": return x.mul(5L).asinh();
            case "acosh": return x.abs().mul(3L).add(1.1).acosh();
            case "atanh": return x.mul(0.9).atanh();
            case "rsqrt": return x.abs().add(0.1).rsqrt();
            case "trunc": return x.mul(5L).trunc();
            case "frac": return x.mul(5L).frac();
            case "sgn": return x.sgn();
            case "erfc": return x.mul(3L).erfc();
            case "erfinv": return x.mul(0.9).erfinv();
            case "lgamma": return x.mul(4L).add(4.5).lgamma();
            case "digamma": return x.mul(3L).add(3.5).digamma();
            case "polygamma1": return x.mul(3L).add(3.5).polygamma(1);
            case "polygamma3": return x.mul(3L).add(3.5).polygamma(3);
            case "logSigmoid": return x.mul(6L).logSigmoid();
            default: return x.log().nanToNum(0.25, null, -5.0);
        }
    }

    @TestFactory
    List<DynamicTest> binary() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("atan2 broadcast", x -> x[0].atan2(x[1]), r(37, 19), r(19)));
        t.add(p("hypot transposed", x -> x[0].t().hypot(x[1]), r(13, 7), r(7, 13)));
        t.add(p("fmod", x -> x[0].mul(5L).fmod(x[1]), r(37, 19), r(0.3, 2.0, 37, 19)));
        t.add(p("fmod scalar float64", x -> x[0].fmod(0.7), d(-5, 5, 9, 5)));
        t.add(p("remainder broadcast", x -> x[0].mul(5L).remainder(x[1]), r(37, 19), r(0.3, 2.0, 19)));
        t.add(p("remainder negative scalar", x -> x[0].mul(5L).remainder(-0.7), r(23)));
        t.add(p("div trunc", x -> x[0].mul(5L).div(x[1], "trunc"), r(37, 19), r(0.3, 2.0, 37, 19)));
        t.add(p("div floor scalar", x -> x[0].mul(5L).div(0.7, "floor"), r(37, 19)));
        t.add(p("floorDivide", x -> x[0].mul(5L).floorDivide(x[1]), r(13, 3), r(0.3, 2.0, 3)));
        t.add(p("number-first remainder and floorDivide", x -> Tensor.remainder(-7.5, x[0]).add(Tensor.floorDivide(7L, x[0])),
                r(0.3, 2.0, 37, 19)));
        t.add(p("copysign", x -> x[0].copysign(x[1]), r(37, 19), r(19)));
        t.add(p("copysign scalar", x -> x[0].copysign(-0.0), r(37, 19)));
        t.add(p("fmax with NaN", x -> x[0].log().fmax(x[1]), r(37, 19), r(19)));
        t.add(p("fmin float64", x -> x[0].fmin(x[1]), d(-1, 1, 9, 5), d(-1, 1, 5)));
        t.add(p("xlogy", x -> x[0].xlogy(x[1]), r(37, 19), r(0.1, 2.0, 19)));
        t.add(p("xlogy scalar self", x -> Tensor.xlogy(1.5, x[0]), r(0.1, 2.0, 37, 19)));
        t.add(p("lerp scalar", x -> x[0].lerp(x[1], 0.7), r(37, 19), r(19)));
        t.add(p("lerp tensor weight", x -> x[0].lerp(x[1], x[2]), r(13, 1), r(1, 7), r(-1.0, 2.0, 7)));
        t.add(p("isclose", x -> x[0].isclose(x[1], 0.1, 0.05, true), r(37, 19), r(19)));
        long[] a = {5, -3, 64, 0, Long.MIN_VALUE, Long.MAX_VALUE, 7};
        long[] b = {0, 1, 3, 63, 64, -1, 2};
        t.add(p("bitwise and/or/xor", x -> x[0].bitwiseAnd(x[1]).bitwiseOr(x[0].bitwiseXor(x[1])),
                Tensor.tensor(a), Tensor.tensor(b)));
        t.add(p("shifts", x -> x[0].bitwiseLeftShift(x[1]).bitwiseXor(x[0].bitwiseRightShift(x[1])), Tensor.tensor(a),
                Tensor.tensor(b)));
        t.add(p("int64 division ops", x -> x[0].fmod(x[1]).add(x[0].remainder(x[1])).add(x[0].div(x[1], "floor"))
                .add(x[0].div(x[1], "trunc")), Tensor.tensor(new long[] {7, -7, 7, -7, Long.MIN_VALUE}),
                Tensor.tensor(new long[] {2, 2, -2, -2, 3})));
        t.add(p("int64 number-first division", x -> Tensor.remainder(-7L, x[0]).add(Tensor.floorDivide(7L, x[0])),
                Tensor.tensor(new long[] {2, -2, 3, -3, Long.MAX_VALUE})));
        t.add(p("bool bitwise", x -> x[0].bitwiseXor(x[1]).bitwiseOr(x[0].bitwiseAnd(x[1])),
                Tensor.tensor(new boolean[] {true, false, true, false}), Tensor.tensor(new boolean[] {true, true, false, false})));
        t.add(p("logicalXor", x -> x[0].logicalXor(x[1]), r(37, 19), r(19)));
        return t;
    }

    @TestFactory
    List<DynamicTest> reductions() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("prod dim", x -> x[0].prod(1, false), r(0.5, 1.5, 13, 7)));
        t.add(p("prod dim with zeros", x -> x[0].mul(x[0].gt(-0.6)).prod(0, true), r(13, 7)));
        t.add(p("amax dims transposed", x -> x[0].t().amax(new int[] {0}, true), r(13, 7)));
        t.add(p("amin all", x -> x[0].amin(), r(37, 19)));
        t.add(p("var correction 2", x -> x[0].var(new int[] {1}, 2, false), r(13, 7)));
        t.add(p("varMean", x -> x[0].varMean(new int[] {0}, 1, true).var().add(x[0].varMean().mean()), r(13, 7)));
        t.add(p("stdMean", x -> x[0].stdMean(new int[] {1}, 0, false).std(), r(13, 7)));
        t.add(p("logsumexp", x -> x[0].mul(8L).logsumexp(new int[] {1, 2}, false), r(3, 13, 7)));
        for (double ord : new double[] {2, 1, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0, 3, 0.5}) {
            t.add(p("vectorNorm " + ord, x -> x[0].vectorNorm(ord, new int[] {0}, false), r(13, 7)));
        }
        t.add(p("norm broadcast", x -> x[0].expand(5, 7).norm(), r(1, 7)));
        t.add(p("matrixNorm fro", x -> x[0].matrixNorm(), r(3, 13, 7)));
        t.add(p("matrixNorm 1", x -> x[0].matrixNorm(1, null, false), r(3, 13, 7)));
        t.add(p("matrixNorm -inf", x -> x[0].matrixNorm(Double.NEGATIVE_INFINITY, new int[] {0, 2}, true), r(3, 13, 7)));
        t.add(p("any/all", x -> x[0].gt(0.5).any(new int[] {1}, false).logicalAnd(x[0].gt(-0.9).all(1)), r(13, 7)));
        t.add(p("countNonzero", x -> x[0].gt(0L).countNonzero(0), r(13, 7)));
        t.add(p("nansum", x -> x[0].log().nansum(new int[] {0}, true), r(13, 7)));
        t.add(p("nanmean", x -> x[0].log().nanmean(new int[] {1}, false), r(13, 7)));
        t.add(p("sum with dtype", x -> x[0].sum(new int[] {1}, false, DType.FLOAT64), r(13, 7)));
        t.add(p("empty logsumexp", x -> x[0].logsumexp(0), r(0, 4)));
        return t;
    }

    @TestFactory
    List<DynamicTest> losses() {
        List<DynamicTest> t = new ArrayList<>();
        for (String red : new String[] {"mean", "sum", "none"}) {
            t.add(p("mseLoss " + red, x -> Functional.mseLoss(x[0], x[1], red), r(13, 7), r(13, 7)));
            t.add(p("l1Loss " + red, x -> Functional.l1Loss(x[0], x[1], red), r(13, 7), r(13, 7)));
            t.add(p("smoothL1Loss " + red, x -> Functional.smoothL1Loss(x[0], x[1], red, 0.5), r(13, 7), r(13, 7)));
            t.add(p("huberLoss " + red, x -> Functional.huberLoss(x[0], x[1], red, 0.5), r(13, 7), r(13, 7)));
        }
        t.add(p("mseLoss broadcast target", x -> Functional.mseLoss(x[0], x[1]), r(13, 7), r(7)));
        t.add(p("logsigmoid", x -> Functional.logsigmoid(x[0].mul(10L)), r(37, 19)));
        return t;
    }
}
