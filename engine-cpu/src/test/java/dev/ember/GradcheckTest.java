package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every differentiable op passes a float64 finite-difference gradient check, broadcasting and views included. */
class GradcheckTest {
    private static final Generator GEN = new Generator(42);

    /** Uniform on (lo, hi), float64, requiring grad. */
    private static Tensor r(double lo, double hi, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(hi - lo).add(lo).detach().requiresGrad_(true);
    }

    private static Tensor r(int... shape) {
        return r(-1, 1, shape);
    }

    private static DynamicTest check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        return DynamicTest.dynamicTest(name, () -> assertTrue(Autograd.gradcheck(f, inputs)));
    }

    private static DynamicTest check2(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        return DynamicTest.dynamicTest(name + " (second order)", () -> assertTrue(Autograd.gradgradcheck(f, inputs)));
    }

    @TestFactory
    List<DynamicTest> elementwise() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("add broadcast", x -> x[0].add(x[1]), r(3, 4), r(4)));
        t.add(check("add alpha", x -> x[0].add(x[1], 2.5), r(3, 1), r(1, 4)));
        t.add(check("add scalar", x -> x[0].add(3.0), r(2, 3)));
        t.add(check("sub broadcast", x -> x[0].sub(x[1]), r(2, 1, 3), r(4, 1)));
        t.add(check("sub alpha", x -> x[0].sub(x[1], 0.5), r(3), r(3)));
        t.add(check("rsub", x -> x[0].rsub(2.0), r(3)));
        t.add(check("mul broadcast", x -> x[0].mul(x[1]), r(2, 3), r(3)));
        t.add(check("mul same tensor", x -> x[0].mul(x[0]), r(4)));
        t.add(check("div", x -> x[0].div(x[1]), r(2, 3), r(0.5, 2, 2, 1)));
        t.add(check("rdiv", x -> x[0].rdiv(1.5), r(0.5, 2, 3)));
        t.add(check("pow scalar", x -> x[0].pow(3), r(4)));
        t.add(check("pow fractional", x -> x[0].pow(2.5), r(0.5, 2, 4)));
        t.add(check("pow tensor", x -> x[0].pow(x[1]), r(0.5, 2, 3), r(3)));
        t.add(check("neg", x -> x[0].neg(), r(3)));
        t.add(check("exp", x -> x[0].exp(), r(3)));
        t.add(check("log", x -> x[0].log(), r(0.5, 2, 3)));
        t.add(check("sqrt", x -> x[0].sqrt(), r(0.5, 2, 3)));
        t.add(check("abs", x -> x[0].abs(), r(0.2, 1, 3).mul(Tensor.tensor(new double[] {1, -1, 1}, DType.FLOAT64)).detach().requiresGrad_(true)));
        t.add(check("sigmoid", x -> x[0].sigmoid(), r(5)));
        t.add(check("tanh", x -> x[0].tanh(), r(5)));
        t.add(check("relu", x -> x[0].relu(), Tensor.tensor(new double[] {-1, -0.3, 0.4, 2}, DType.FLOAT64).requiresGrad_(true)));
        t.add(check("sin", x -> x[0].sin(), r(4)));
        t.add(check("cos", x -> x[0].cos(), r(4)));
        t.add(check("reciprocal", x -> x[0].reciprocal(), r(0.5, 2, 4)));
        t.add(check("square", x -> x[0].square(), r(4)));
        t.add(check("clamp", x -> x[0].clamp(-0.5, 0.5), Tensor.tensor(new double[] {-1, -0.3, 0.4, 2}, DType.FLOAT64).requiresGrad_(true)));
        t.add(check("clampMin", x -> x[0].clampMin(0.1), Tensor.tensor(new double[] {-1, 0.3}, DType.FLOAT64).requiresGrad_(true)));
        // clamp(Double, Double) with one bound absent and clamp_(Double, Double) on a non-leaf (ClampBackward1), first
        // and second order, the points away from the bounds (session 35)
        Tensor pts = Tensor.tensor(new double[] {-1, -0.3, 0.4, 2, 0.1, -0.7}, DType.FLOAT64).reshape(2, 3);
        t.add(check("clamp(min, null)", x -> x[0].clamp(Double.valueOf(-0.5), null), pts.clone().requiresGrad_(true)));
        t.add(check("clamp(null, max)", x -> x[0].clamp(null, Double.valueOf(0.5)), pts.clone().requiresGrad_(true)));
        t.add(check("clamp(Double, Double) both", x -> x[0].clamp(Double.valueOf(-0.5), Double.valueOf(0.5)),
                pts.clone().requiresGrad_(true)));
        t.add(check("clamp_(null, max) on a non-leaf", x -> x[0].mul(2.0).clamp_(null, 0.5).mul(x[0]),
                pts.clone().requiresGrad_(true)));
        t.add(check("clamp_(min, null) through a view", x -> {
            Tensor y = x[0].mul(1.0);
            y.select(0, 1).clamp_(-0.5, null);
            return y;
        }, pts.clone().requiresGrad_(true)));
        t.add(check2("clamp(min, null)", x -> x[0].clamp(Double.valueOf(-0.5), null).mul(x[0]), pts.clone().requiresGrad_(true)));
        t.add(check2("clamp_(null, max) on a non-leaf", x -> x[0].mul(x[0]).clamp_(null, 0.5),
                pts.clone().requiresGrad_(true)));
        t.add(check("maximum", x -> x[0].maximum(x[1]), r(3, 4), r(4)));
        t.add(check("minimum", x -> x[0].minimum(x[1]), r(3, 4), r(3, 1)));
        t.add(check("where", x -> Tensor.where(x[0].gt(0.0), x[0], x[1]), r(3, 4), r(4)));
        t.add(check("in-place on a non-leaf", x -> x[0].mul(1.0).add_(x[1]).mul_(x[1]), r(3), r(3)));
        return t;
    }

    @TestFactory
    List<DynamicTest> reductions() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("sum", x -> x[0].sum(), r(3, 4)));
        t.add(check("sum dims keepdim", x -> x[0].sum(new int[] {0, 2}, true), r(2, 3, 4)));
        t.add(check("sum dim", x -> x[0].sum(-1), r(2, 3)));
        t.add(check("mean", x -> x[0].mean(), r(3, 4)));
        t.add(check("mean dim", x -> x[0].mean(new int[] {1}, false), r(3, 4)));
        t.add(check("prod", x -> x[0].prod(), r(0.5, 1.5, 5)));
        t.add(check("max", x -> x[0].max(), r(7)));
        t.add(check("max dim", x -> x[0].max(1, false).values(), r(3, 5)));
        t.add(check("min dim keepdim", x -> x[0].min(0, true).values(), r(3, 5)));
        t.add(check("var", x -> x[0].var(), r(6)));
        t.add(check("var dims", x -> x[0].var(new int[] {1}, 0, true), r(3, 4)));
        t.add(check("softmax", x -> x[0].softmax(1), r(3, 4)));
        t.add(check("logSoftmax", x -> x[0].logSoftmax(0), r(3, 4)));
        return t;
    }

    @TestFactory
    List<DynamicTest> linearAlgebra() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("mm", x -> x[0].mm(x[1]), r(3, 4), r(4, 5)));
        t.add(check("mm transposed", x -> x[0].t().mm(x[1].t()), r(4, 3), r(5, 4)));
        t.add(check("bmm", x -> x[0].bmm(x[1]), r(2, 3, 4), r(2, 4, 2)));
        t.add(check("dot", x -> x[0].dot(x[1]), r(5), r(5)));
        t.add(check("matmul 2d@1d", x -> x[0].matmul(x[1]), r(3, 4), r(4)));
        t.add(check("matmul 1d@2d", x -> x[0].matmul(x[1]), r(3), r(3, 4)));
        t.add(check("matmul batched broadcast", x -> x[0].matmul(x[1]), r(2, 1, 3, 4), r(3, 4, 2)));
        t.add(check("matmul 1d@batched", x -> x[0].matmul(x[1]), r(4), r(2, 4, 3)));
        return t;
    }

    @TestFactory
    List<DynamicTest> views() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("view", x -> x[0].view(4, 3), r(3, 4)));
        t.add(check("reshape of a transpose (copies)", x -> x[0].t().reshape(-1), r(3, 4)));
        t.add(check("flatten", x -> x[0].flatten(1, 2), r(2, 3, 4)));
        t.add(check("transpose", x -> x[0].transpose(0, 2).mul(x[0].transpose(0, 2)), r(2, 3, 4)));
        t.add(check("permute", x -> x[0].permute(2, 0, 1), r(2, 3, 4)));
        t.add(check("T", x -> x[0].T(), r(2, 3)));
        t.add(check("squeeze", x -> x[0].squeeze(), r(3, 1, 4)));
        t.add(check("squeeze dim", x -> x[0].squeeze(1), r(3, 1, 4)));
        t.add(check("unsqueeze", x -> x[0].unsqueeze(-1), r(3, 4)));
        t.add(check("expand", x -> x[0].expand(2, 3, 4), r(3, 1)));
        t.add(check("narrow", x -> x[0].narrow(1, 1, 2), r(3, 4)));
        t.add(check("slice step", x -> x[0].slice(0, 1, 6, 2), r(7, 2)));
        t.add(check("select", x -> x[0].select(1, -1), r(3, 4)));
        t.add(check("get", x -> x[0].get(1, 2), r(3, 4)));
        t.add(check("cat", x -> Tensor.cat(List.of(x[0], x[1]), 1), r(2, 3), r(2, 2)));
        t.add(check("stack", x -> Tensor.stack(List.of(x[0], x[1]), 0), r(3), r(3)));
        t.add(check("clone", x -> x[0].clone(), r(3)));
        t.add(check("contiguous", x -> x[0].t().contiguous(), r(3, 2)));
        return t;
    }

    @TestFactory
    List<DynamicTest> neuralNetworkOps() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check("conv2d stride 2, padding 1, dilation 2, groups 2, no bias",
                x -> Tensor.conv2d(x[0], x[1], null, new int[] {2}, new int[] {1}, new int[] {2}, 2), r(2, 4, 7, 6), r(4, 2, 3, 2)));
        t.add(check("conv2d with bias", x -> Tensor.conv2d(x[0], x[1], x[2], new int[] {1}, new int[] {0}, new int[] {1}, 1),
                r(1, 2, 5, 5), r(3, 2, 3, 3), r(3)));
        t.add(check("conv2d unbatched, asymmetric stride and padding",
                x -> Tensor.conv2d(x[0], x[1], x[2], new int[] {1, 2}, new int[] {2, 1}, new int[] {1}, 1), r(2, 5, 4), r(2, 2, 2, 3), r(2)));
        t.add(check("conv2d same padding (odd total)", x -> dev.ember.nn.Functional.conv2d(x[0], x[1], null, "same", new int[] {1}, 1),
                r(1, 1, 5, 4), r(1, 1, 2, 2)));
        // (ties are not differentiable, so finite differences cannot check them: NNTest fixes where their gradient goes)
        t.add(check("maxPool2d padding, stride, dilation, ceil mode", x -> Tensor.maxPool2dWithIndices(x[0], new int[] {3},
                new int[] {2}, new int[] {1}, new int[] {1}, true).values(), r(2, 2, 7, 6)));
        t.add(check("maxPool2d dilation 2", x -> Tensor.maxPool2dWithIndices(x[0], new int[] {2}, new int[] {1}, new int[] {0},
                new int[] {2}, false).values(), r(1, 1, 6, 6)));
        t.add(check("avgPool2d padding, count_include_pad", x -> Tensor.avgPool2d(x[0], new int[] {3}, new int[] {2},
                new int[] {1}, false, true), r(2, 2, 7, 6)));
        t.add(check("avgPool2d ceil mode without padding count", x -> Tensor.avgPool2d(x[0], new int[] {2, 3}, new int[] {2},
                new int[] {1}, true, false), r(1, 2, 5, 7)));
        t.add(check("linear", x -> dev.ember.nn.Functional.linear(x[0], x[1], x[2]), r(4, 3), r(5, 3), r(5)));
        t.add(check("mseLoss", x -> dev.ember.nn.Functional.mseLoss(x[0], x[1]), r(3, 4), r(3, 4)));
        t.add(check("mseLoss sum", x -> dev.ember.nn.Functional.mseLoss(x[0], x[1], "sum"), r(5), r(5)));
        Tensor target = Tensor.tensor(new long[] {2, 0, 1});
        t.add(check("crossEntropy", x -> dev.ember.nn.Functional.crossEntropy(x[0], target), r(3, 4)));
        t.add(check("crossEntropy label smoothing", x -> dev.ember.nn.Functional.crossEntropy(x[0], target, "sum", 0.1), r(3, 4)));
        t.add(check("nllLoss none", x -> dev.ember.nn.Functional.nllLoss(x[0].logSoftmax(1), target, "none"), r(3, 5)));
        t.add(check("batchNorm training", x -> dev.ember.nn.Functional.batchNorm(x[0], null, null, x[1], x[2], true, 0.1, 1e-5),
                r(3, 2, 2, 3), r(2), r(2)));
        Tensor rm = Tensor.tensor(new double[] {0.1, -0.2}, DType.FLOAT64);
        Tensor rv = Tensor.tensor(new double[] {0.5, 1.5}, DType.FLOAT64);
        t.add(check("batchNorm eval", x -> dev.ember.nn.Functional.batchNorm(x[0], rm, rv, x[1], x[2], false, 0.1, 1e-5),
                r(3, 2, 2, 3), r(2), r(2)));
        t.add(check("erf", x -> x[0].erf(), r(-3.0, 3.0, 9)));
        t.add(check("gelu exact", x -> dev.ember.nn.Functional.gelu(x[0]), r(-3.0, 3.0, 7)));
        t.add(check("gelu tanh", x -> dev.ember.nn.Functional.gelu(x[0], "tanh"), r(-3.0, 3.0, 7)));
        t.add(check("binaryCrossEntropy", x -> dev.ember.nn.Functional.binaryCrossEntropy(x[0], x[1], "mean"),
                r(0.05, 0.95, 3, 2), r(0.0, 1.0, 3, 2)));
        t.add(check("binaryCrossEntropyWithLogits", x -> dev.ember.nn.Functional.binaryCrossEntropyWithLogits(x[0], x[1],
                "sum"), r(-3.0, 3.0, 5), r(0.0, 1.0, 5)));
        t.add(check("dropout (fixed mask through the seed)", x -> {
            Ember.manualSeed(5);
            return dev.ember.nn.Functional.dropout(x[0], 0.3, true);
        }, r(20)));
        return t;
    }

    @TestFactory
    List<DynamicTest> secondOrder() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(check2("mul", x -> x[0].mul(x[1]), r(3), r(3)));
        t.add(check2("div", x -> x[0].div(x[1]), r(3), r(0.5, 2, 3)));
        t.add(check2("sigmoid", x -> x[0].sigmoid(), r(4)));
        t.add(check2("tanh", x -> x[0].tanh(), r(4)));
        t.add(check2("exp log", x -> x[0].exp().add(x[0].abs().add(0.5).log()), r(4)));
        t.add(check2("pow", x -> x[0].pow(3), r(4)));
        t.add(check2("mm", x -> x[0].mm(x[1]).pow(2), r(2, 3), r(3, 2)));
        t.add(check2("softmax", x -> x[0].softmax(1), r(2, 3)));
        t.add(check2("logSoftmax", x -> x[0].logSoftmax(1), r(2, 3)));
        t.add(check2("select and sum", x -> x[0].select(0, 1).pow(2).sum(), r(3, 2)));
        return t;
    }

    @Test
    void gradcheckCatchesAWrongGradient() {
        Tensor x = r(3);
        // a function whose recorded backward is wrong: the hook doubles the gradient
        Function<Tensor[], Tensor> wrong = xs -> {
            Tensor y = xs[0].mul(2.0);
            y.registerHook(g -> g.mul(2.0));
            return y;
        };
        assertThrows(Autograd.GradcheckError.class, () -> Autograd.gradcheck(wrong, x));
    }
}
