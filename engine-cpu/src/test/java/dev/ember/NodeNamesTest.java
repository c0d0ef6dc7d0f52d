package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The grad_fn node name of every op against PyTorch 2.x's (nodenames/make_expected.py: 1.13's names, with 2.x's where
 * they differ): fused PyTorch ops are one node with their own name (MseLossBackward0, LogsumexpBackward0,
 * LinalgVectorNormBackward0 for norm), compositions the nodes of what they compose (l1_loss: MeanBackward0, nanmean:
 * DivBackward0), and ops that record nothing (comparisons, argmax, any) no node.
 *
 * <p>The ops of indexing, shape, sorting and linear algebra check their nodes in their own tests
 * (IndexingTest, ShapeOpsTest, SortOpsTest, LinalgTest, EinsumTest).
 */
class NodeNamesTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/nodenames/expected.txt");
    private static final Generator GEN = new Generator(7);

    private static Tensor leaf(double lo, double hi, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(hi - lo).add(lo).detach().requiresGrad_(true);
    }

    /** Ember's computation of each case of the script, by its key. */
    static Map<String, Supplier<Tensor>> cases() {
        Tensor x = leaf(-1, 1, 2, 3);
        Tensor y = leaf(0.5, 2, 2, 3);
        Tensor m = leaf(-1, 1, 3, 3);
        Tensor v = leaf(-1, 1, 3);
        Tensor b = leaf(-1, 1, 2, 3, 3);
        Tensor img = leaf(-1, 1, 1, 1, 4, 4);
        Tensor probs = leaf(0.1, 0.9, 2, 3);
        Tensor target01 = Tensor.rand(GEN, DType.FLOAT32, 2, 3);
        Tensor classes = Tensor.tensor(new long[] {0, 2});
        Map<String, Supplier<Tensor>> c = new LinkedHashMap<>();
        c.put("add", () -> x.add(y));
        c.put("add_alpha", () -> x.add(y, 2.5));
        c.put("add_scalar", () -> x.add(2.0));
        c.put("add_long", () -> x.add(2L));
        c.put("sub", () -> x.sub(y));
        c.put("sub_alpha", () -> x.sub(y, 0.5));
        c.put("sub_scalar", () -> x.sub(2.0));
        c.put("rsub", () -> x.rsub(2.0));
        c.put("mul", () -> x.mul(y));
        c.put("mul_scalar", () -> x.mul(2.0));
        c.put("div", () -> x.div(y));
        c.put("div_scalar", () -> x.div(2.0));
        c.put("rdiv", () -> x.rdiv(2.0));
        c.put("neg", x::neg);
        c.put("pow_scalar", () -> x.pow(2.5));
        c.put("pow_long", () -> x.pow(3L));
        c.put("pow_tensor", () -> y.pow(x));
        c.put("square", x::square);
        c.put("exp", x::exp);
        c.put("log", y::log);
        c.put("sqrt", y::sqrt);
        c.put("abs", x::abs);
        c.put("sign", x::sign);
        c.put("reciprocal", y::reciprocal);
        c.put("sin", x::sin);
        c.put("cos", x::cos);
        c.put("erf", x::erf);
        c.put("sigmoid", x::sigmoid);
        c.put("tanh", x::tanh);
        c.put("relu", x::relu);
        c.put("floor", x::floor);
        c.put("ceil", x::ceil);
        c.put("round", x::round);
        c.put("clamp", () -> x.clamp(-0.5, 0.5));
        c.put("clampMin", () -> x.clampMin(0.1));
        c.put("clampMax", () -> x.clampMax(0.1));
        c.put("clampOnlyMin", () -> x.clamp(-0.1, null));
        c.put("clampOnlyMax", () -> x.clamp(null, 0.1));
        c.put("maximum", () -> x.maximum(y));
        c.put("minimum", () -> x.minimum(y));
        c.put("where", () -> Tensor.where(x.gt(0L), x, y));
        c.put("relu_double_backward", () -> Autograd.grad(List.of(x.relu().sum()), List.of(x), null, true).get(0));

        c.put("log1p", y::log1p);
        c.put("expm1", x::expm1);
        c.put("log2", y::log2);
        c.put("log10", y::log10);
        c.put("exp2", x::exp2);
        c.put("tan", x::tan);
        c.put("asin", x::asin);
        c.put("acos", x::acos);
        c.put("atan", x::atan);
        c.put("atan2", () -> x.atan2(y));
        c.put("sinh", x::sinh);
        c.put("cosh", x::cosh);
        c.put("asinh", x::asinh);
        c.put("acosh", () -> y.add(1L).acosh());
        c.put("atanh", () -> x.mul(0.5).atanh());
        c.put("rsqrt", y::rsqrt);
        c.put("trunc", x::trunc);
        c.put("frac", x::frac);
        c.put("sgn", x::sgn);
        c.put("erfc", x::erfc);
        c.put("erfinv", () -> x.mul(0.5).erfinv());
        c.put("lgamma", y::lgamma);
        c.put("digamma", y::digamma);
        c.put("polygamma", () -> y.polygamma(2));
        c.put("logSigmoid", () -> Functional.logsigmoid(x));
        c.put("hypot", () -> x.hypot(y));
        c.put("fmod", () -> x.fmod(y));
        c.put("fmod_scalar", () -> x.fmod(0.3));
        c.put("remainder", () -> x.remainder(y));
        c.put("remainder_scalar", () -> x.remainder(0.3));
        c.put("floorDivide", () -> x.floorDivide(y));
        c.put("div_trunc", () -> x.div(y, "trunc"));
        c.put("div_floor_scalar", () -> x.div(0.3, "floor"));
        c.put("div_none", () -> x.div(y, (String) null));
        c.put("copysign", () -> x.copysign(y));
        c.put("copysign_scalar", () -> x.copysign(-1.0));
        c.put("fmax", () -> x.fmax(y));
        c.put("fmin", () -> x.fmin(y));
        c.put("xlogy", () -> x.xlogy(y));
        c.put("xlogy_scalar_other", () -> x.xlogy(2.0));
        c.put("xlogy_scalar_self", () -> Tensor.xlogy(2.0, y));
        c.put("lerp", () -> x.lerp(y, 0.3));
        c.put("lerp_tensor", () -> x.lerp(y, y));
        c.put("nanToNum", x::nanToNum);
        c.put("isclose", () -> x.isclose(y));
        c.put("isnan", x::isnan);

        c.put("sum", x::sum);
        c.put("sum_dim", () -> x.sum(1));
        c.put("sum_dims_keepdim", () -> x.sum(new int[] {0, 1}, true));
        c.put("sum_dtype", () -> x.sum(DType.FLOAT64));
        c.put("sum_dims_dtype", () -> x.sum(new int[] {1}, false, DType.FLOAT64));
        c.put("mean", x::mean);
        c.put("mean_dim", () -> x.mean(1));
        c.put("prod", y::prod);
        c.put("prod_dim", () -> y.prod(1, false));
        c.put("max", x::max);
        c.put("max_dim", () -> x.max(1, false).values());
        c.put("min", x::min);
        c.put("min_dim", () -> x.min(1, false).values());
        c.put("var", x::var);
        c.put("var_dims", () -> x.var(new int[] {1}, 0, false));
        c.put("std", x::std);
        c.put("std_dims", () -> x.std(new int[] {1}, 1, false));
        c.put("softmax", () -> x.softmax(1));
        c.put("logSoftmax", () -> x.logSoftmax(1));
        c.put("amax", () -> x.amax(new int[] {1}, false));
        c.put("amin", x::amin);
        c.put("varMean_var", () -> x.varMean(new int[] {1}, 1, false).var());
        c.put("varMean_mean", () -> x.varMean(new int[] {1}, 1, false).mean());
        c.put("stdMean_std", () -> x.stdMean().std());
        c.put("stdMean_mean", () -> x.stdMean().mean());
        c.put("logsumexp", () -> x.logsumexp(1));
        c.put("norm", x::norm);
        c.put("norm_p_dims", () -> x.norm(3, new int[] {1}, false));
        c.put("vectorNorm", () -> x.vectorNorm(1, null, false));
        c.put("matrixNorm_fro", m::matrixNorm);
        c.put("matrixNorm_1", () -> m.matrixNorm(1, null, false));
        c.put("matrixNorm_neginf", () -> m.matrixNorm(Double.NEGATIVE_INFINITY, null, false));
        c.put("nansum", x::nansum);
        c.put("nanmean", () -> x.nanmean(new int[] {1}, false));
        c.put("any", () -> x.any(1));
        c.put("countNonzero", () -> x.countNonzero(1));
        c.put("argmax", () -> x.argmax(1, false));

        c.put("view", () -> x.view(3, 2));
        c.put("reshape_view", () -> x.reshape(6));
        c.put("flatten", x::flatten);
        c.put("viewAs", () -> x.viewAs(y));
        c.put("transpose", () -> x.transpose(0, 1));
        c.put("t", x::t);
        c.put("T", x::T);
        c.put("mT", x::mT);
        c.put("permute", () -> b.permute(2, 0, 1));
        c.put("squeeze", () -> x.unsqueeze(0).squeeze());
        c.put("squeeze_dim", () -> x.unsqueeze(0).squeeze(0));
        c.put("unsqueeze", () -> x.unsqueeze(1));
        c.put("expand", () -> v.expand(2, 3));
        c.put("expandAs", () -> v.expandAs(x));
        c.put("narrow", () -> x.narrow(1, 0, 2));
        c.put("slice", () -> x.slice(1, 0, 3, 2));
        c.put("select", () -> x.select(0, 1));
        c.put("get", () -> x.get(1, 2));
        c.put("contiguous", () -> x.t().contiguous());
        c.put("clone", x::clone);
        c.put("cat", () -> Tensor.cat(List.of(x, y), 0));
        c.put("to_dtype", () -> x.to(DType.FLOAT64));

        c.put("add_", () -> x.mul(1.0).add_(y));
        c.put("sub_", () -> x.mul(1.0).sub_(y));
        c.put("mul_", () -> x.mul(1.0).mul_(y));
        c.put("div_", () -> x.mul(1.0).div_(y));
        c.put("clamp_", () -> x.mul(1.0).clamp_(-0.5, 0.5));
        c.put("clamp_OnlyMax", () -> x.mul(1.0).clamp_(null, 0.1));
        c.put("copy_", () -> x.mul(1.0).copy_(y));

        c.put("mm", () -> m.mm(m));
        c.put("bmm", () -> b.bmm(b));
        c.put("dot", () -> v.dot(v));
        c.put("matmul_2d", () -> m.matmul(m));
        c.put("matmul_1d", () -> v.matmul(v));

        c.put("conv2d", () -> Functional.conv2d(img, leaf(-1, 1, 2, 1, 3, 3), null));
        c.put("maxPool2d", () -> Functional.maxPool2d(img, 2));
        c.put("avgPool2d", () -> Functional.avgPool2d(img, 2));
        c.put("nllLoss", () -> Functional.nllLoss(x, classes, "mean"));
        c.put("nllLoss2d", () -> Functional.nllLoss(img.expand(1, 2, 4, 4), Tensor.zeros(DType.INT64, 1, 4, 4), "mean"));
        c.put("binaryCrossEntropy", () -> Functional.binaryCrossEntropy(probs, target01, "mean"));
        c.put("binaryCrossEntropyWithLogits", () -> Functional.binaryCrossEntropyWithLogits(x, target01, "mean"));
        c.put("mseLoss", () -> Functional.mseLoss(x, y));
        c.put("mseLoss_none", () -> Functional.mseLoss(x, y, "none"));
        c.put("l1Loss", () -> Functional.l1Loss(x, y));
        c.put("l1Loss_none", () -> Functional.l1Loss(x, y, "none"));
        c.put("l1Loss_sum", () -> Functional.l1Loss(x, y, "sum"));
        c.put("smoothL1Loss", () -> Functional.smoothL1Loss(x, y));
        c.put("smoothL1Loss_beta0", () -> Functional.smoothL1Loss(x, y, "mean", 0.0));
        c.put("huberLoss", () -> Functional.huberLoss(x, y, "mean", 0.5));
        c.put("crossEntropy", () -> Functional.crossEntropy(x, classes));
        c.put("crossEntropy_prob", () -> Functional.crossEntropy(x, target01, null, "mean", -100, 0.0));
        c.put("crossEntropy_prob_sum", () -> Functional.crossEntropy(x, target01, null, "sum", -100, 0.0));
        c.put("crossEntropy_prob_none", () -> Functional.crossEntropy(x, target01, null, "none", -100, 0.0));
        c.put("F_relu", () -> Functional.relu(x));
        c.put("F_sigmoid", () -> Functional.sigmoid(x));
        c.put("F_tanh", () -> Functional.tanh(x));
        c.put("reshape_copy", () -> x.t().reshape(-1));
        c.put("linear_bias", () -> Functional.linear(x, m, v));
        c.put("mv", () -> m.mv(v));
        c.put("matmul_2d1d", () -> m.matmul(v));
        c.put("matmul_batched", () -> b.matmul(b));
        c.put("matmul_3d2d", () -> b.matmul(m));
        c.put("stack", () -> Tensor.stack(List.of(x, y), 0));
        c.put("fill_", () -> x.mul(1.0).fill_(2.0));
        c.put("zero_", () -> x.mul(1.0).zero_());
        c.put("fill_view", () -> {
            Tensor t = x.mul(1.0);
            t.select(0, 0).fill_(2.0);
            return t;
        });
        // issue 15's layers: one node per fused op (LayersTest checks their values)
        c.put("gelu", () -> Functional.gelu(x));
        c.put("gelu_tanh", () -> Functional.gelu(x, "tanh"));
        c.put("leakyRelu", () -> Functional.leakyRelu(x));
        c.put("elu", () -> Functional.elu(x));
        c.put("selu", () -> Functional.selu(x));
        c.put("celu", () -> Functional.celu(x, 1.0));
        c.put("silu", () -> Functional.silu(x));
        c.put("mish", () -> Functional.mish(x));
        c.put("softplus", () -> Functional.softplus(x));
        c.put("hardtanh", () -> Functional.hardtanh(x));
        c.put("relu6", () -> Functional.relu6(x));
        c.put("hardswish", () -> Functional.hardswish(x));
        c.put("dropout", () -> Functional.dropout(x, 0.5, true));
        c.put("layerNorm", () -> Functional.layerNorm(x, new int[] {3}));
        c.put("groupNorm", () -> Functional.groupNorm(x, 3));
        c.put("batchNorm", () -> Functional.batchNorm(x, null, null, null, null, true, 0.1, 1e-5));
        c.put("instanceNorm", () -> Functional.instanceNorm(b, null, null, null, null, true, 0.1, 1e-5));
        c.put("rmsNorm", () -> Functional.rmsNorm(x, new int[] {3}, null, 1e-6));
        c.put("embedding", () -> Functional.embedding(classes, m));
        c.put("embeddingBag", () -> Functional.embeddingBag(classes, m, Tensor.tensor(new long[] {0}), "mean"));
        c.put("kLDivLoss_batchmean", () -> Functional.kLDivLoss(x, probs, "batchmean", false));
        c.put("kLDivLoss_none", () -> Functional.kLDivLoss(x, probs, "none", false));
        c.put("cosineEmbeddingLoss", () -> Functional.cosineEmbeddingLoss(x, y, Tensor.tensor(new double[] {1, -1})));
        c.put("marginRankingLoss", () -> Functional.marginRankingLoss(v, v.mul(2.0), Tensor.tensor(new double[] {1, -1, 1})));
        return c;
    }

    @TestFactory
    List<DynamicTest> nodeNamesMatchPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        for (Map.Entry<String, Supplier<Tensor>> e : cases().entrySet()) {
            t.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                Tensor out = e.getValue().get();
                String name = out.gradFn() == null ? "None" : out.gradFn().name();
                assertEquals(TORCH.value(e.getKey()), name, e.getKey());
            }));
        }
        return t;
    }

    /** The table and the script list the same ops. */
    @Test
    void everyExpectedCaseIsChecked() throws IOException {
        Set<String> file = new LinkedHashSet<>();
        try (InputStream in = NodeNamesTest.class.getResourceAsStream("/nodenames/expected.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("=== ")) {
                    file.add(line.substring(4));
                }
            }
        }
        assertEquals(file, cases().keySet());
    }
}
