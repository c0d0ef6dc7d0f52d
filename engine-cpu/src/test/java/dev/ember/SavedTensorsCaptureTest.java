package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every tensor an op's backward reads comes through the saved-tensor hooks: under hooks whose pack keeps a private
 * copy (and unpack returns it), overwriting every input in place after the forward (NaN for floating inputs, 0 for
 * integer ones) must leave the gradients unchanged. An op whose backward closure captured an input instead of saving
 * it (so that save_on_cpu or an offloading hook would miss it) reads the overwritten values and fails. Ember's own
 * invariant: the gradients are compared with the same op run without hooks, no PyTorch values needed.
 */
class SavedTensorsCaptureTest {
    private static final DType D = DType.FLOAT64;

    /** One op: how to make its inputs (seeded), which need gradients, and the op. */
    private record Op(Function<Generator, Tensor[]> inputs, boolean[] grads, Function<Tensor[], Tensor> fn) {
    }

    private static final Map<String, Op> OPS = new LinkedHashMap<>();

    private static Tensor r(Generator g, int... shape) {
        return Tensor.randn(g, D, shape);
    }

    private static Tensor pos(Generator g, int... shape) {
        return Tensor.rand(g, D, shape).add(0.5);
    }

    private static Tensor prob(Generator g, int... shape) {
        return Tensor.rand(g, D, shape).mul(0.8).add(0.1);
    }

    private static Tensor idx(Generator g, long n, int... shape) {
        return Tensor.rand(g, D, shape).mul(n).floor().to(DType.INT64);
    }

    private static void op(String name, Function<Generator, Tensor[]> inputs, boolean[] grads, Function<Tensor[], Tensor> fn) {
        OPS.put(name, new Op(inputs, grads, fn));
    }

    private static final boolean[] G1 = {true};
    private static final boolean[] G2 = {true, true};
    private static final boolean[] G3 = {true, true, true};
    private static final boolean[] G1T = {true, false};

    static {
        // elementwise arithmetic and math
        op("sub", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4)}, G2, t -> t[0].sub(t[1]).mul(t[1]));
        op("pow_tensor", g -> new Tensor[] {pos(g, 3, 4), r(g, 3, 4)}, G2, t -> t[0].pow(t[1]));
        op("pow_scalar", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].pow(3.0));
        op("sqrt", g -> new Tensor[] {pos(g, 3, 4)}, G1, t -> t[0].sqrt());
        op("rsqrt", g -> new Tensor[] {pos(g, 3, 4)}, G1, t -> t[0].rsqrt());
        op("log", g -> new Tensor[] {pos(g, 3, 4)}, G1, t -> t[0].log());
        op("sin", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].sin());
        op("abs", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].abs());
        op("clamp", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].clamp(-0.5, 0.5));
        op("maximum", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4)}, G2, t -> t[0].maximum(t[1]));
        op("where", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4)}, G2, t -> Tensor.where(t[0].gt(0), t[0], t[1]));
        op("addcmul", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4), r(g, 3, 4)}, G3, t -> t[0].addcmul(t[1], t[2], 0.5));
        op("addcdiv", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4), pos(g, 3, 4)}, G3, t -> t[0].addcdiv(t[1], t[2], 0.5));
        op("lerp_tensor", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4), prob(g, 3, 4)}, G3, t -> t[0].lerp(t[1], t[2]));
        op("atan2", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4)}, G2, t -> t[0].atan2(t[1]));
        op("hypot", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4)}, G2, t -> t[0].hypot(t[1]));
        op("erf", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].erf());
        op("lgamma", g -> new Tensor[] {pos(g, 3, 4)}, G1, t -> t[0].lgamma());
        op("xlogy", g -> new Tensor[] {r(g, 3, 4), pos(g, 3, 4)}, G2, t -> t[0].xlogy(t[1]));
        op("sinc", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].sinc());
        // reductions
        op("prod", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].prod(1, false));
        op("var", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].var(1));
        op("std", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].std(1));
        op("norm", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].norm(2.0, new int[] {1}, false));
        op("logsumexp", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].logsumexp(1));
        op("cumprod", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].cumprod(1));
        op("amax", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].amax(new int[] {1}, false));
        op("max_all", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].max());
        // products
        op("addmm", g -> new Tensor[] {r(g, 3, 5), r(g, 3, 4), r(g, 4, 5)}, G3, t -> t[0].addmm(t[1], t[2]));
        op("baddbmm", g -> new Tensor[] {r(g, 2, 3, 5), r(g, 2, 3, 4), r(g, 2, 4, 5)}, G3, t -> t[0].baddbmm(t[1], t[2]));
        op("matmul_4d", g -> new Tensor[] {r(g, 2, 2, 3, 4), r(g, 2, 2, 4, 3)}, G2, t -> t[0].matmul(t[1]));
        op("mv", g -> new Tensor[] {r(g, 3, 4), r(g, 4)}, G2, t -> t[0].mv(t[1]));
        op("dot", g -> new Tensor[] {r(g, 4), r(g, 4)}, G2, t -> t[0].dot(t[1]));
        op("outer", g -> new Tensor[] {r(g, 3), r(g, 4)}, G2, t -> t[0].outer(t[1]));
        op("einsum", g -> new Tensor[] {r(g, 2, 3, 4), r(g, 2, 4, 5)}, G2, t -> Tensor.einsum("bij,bjk->bik", t[0], t[1]));
        op("linear_3d", g -> new Tensor[] {r(g, 2, 3, 4), r(g, 5, 4), r(g, 5)}, G3, t -> Functional.linear(t[0], t[1], t[2]));
        op("bilinear", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 2), r(g, 5, 4, 2), r(g, 5)}, new boolean[] {true, true, true, true},
                t -> Functional.bilinear(t[0], t[1], t[2], t[3]));
        // convolutions and pooling
        op("conv2d_groups", g -> new Tensor[] {r(g, 2, 4, 5, 5), r(g, 4, 2, 3, 3), r(g, 4)}, G3,
                t -> Functional.conv2d(t[0], t[1], t[2], new int[] {2, 1}, new int[] {1, 1}, new int[] {1, 1}, 2));
        op("conv3d", g -> new Tensor[] {r(g, 1, 2, 4, 4, 4), r(g, 3, 2, 2, 2, 2), r(g, 3)}, G3,
                t -> Functional.conv3d(t[0], t[1], t[2]));
        op("conv_transpose1d", g -> new Tensor[] {r(g, 2, 3, 5), r(g, 3, 2, 3), r(g, 2)}, G3,
                t -> Functional.convTranspose1d(t[0], t[1], t[2]));
        op("conv_transpose3d", g -> new Tensor[] {r(g, 1, 2, 3, 3, 3), r(g, 2, 2, 2, 2, 2), r(g, 2)}, G3,
                t -> Functional.convTranspose3d(t[0], t[1], t[2]));
        op("max_pool1d", g -> new Tensor[] {r(g, 2, 3, 8)}, G1, t -> Functional.maxPool1d(t[0], 2));
        op("max_pool3d", g -> new Tensor[] {r(g, 1, 2, 4, 4, 4)}, G1, t -> Functional.maxPool3d(t[0], 2));
        op("avg_pool1d", g -> new Tensor[] {r(g, 2, 3, 8)}, G1, t -> Functional.avgPool1d(t[0], 2));
        op("avg_pool3d", g -> new Tensor[] {r(g, 1, 2, 4, 4, 4)}, G1, t -> Functional.avgPool3d(t[0], 2));
        op("adaptive_max_pool2d", g -> new Tensor[] {r(g, 2, 3, 6, 6)}, G1, t -> Functional.adaptiveMaxPool2d(t[0], 4));
        op("adaptive_avg_pool3d", g -> new Tensor[] {r(g, 1, 2, 4, 4, 4)}, G1, t -> Functional.adaptiveAvgPool3d(t[0], 3));
        op("lp_pool2d", g -> new Tensor[] {r(g, 2, 3, 6, 6)}, G1, t -> Functional.lpPool2d(t[0], 2.0, 2));
        op("interpolate_bilinear", g -> new Tensor[] {r(g, 1, 2, 4, 4)}, G1,
                t -> Functional.interpolate(t[0], new int[] {6, 7}, "bilinear"));
        op("grid_sample", g -> new Tensor[] {r(g, 1, 2, 4, 4), prob(g, 1, 3, 3, 2).mul(2).sub(1)}, G2,
                t -> Functional.gridSample(t[0], t[1], "bilinear", "zeros", false));
        // activations
        op("relu6", g -> new Tensor[] {r(g, 3, 4).mul(4)}, G1, t -> Functional.relu6(t[0]));
        op("hardtanh", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.hardtanh(t[0]));
        op("hardsigmoid", g -> new Tensor[] {r(g, 3, 4).mul(4)}, G1, t -> Functional.hardsigmoid(t[0]));
        op("mish", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.mish(t[0]));
        op("selu", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.selu(t[0]));
        op("celu", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.celu(t[0], 0.7));
        op("prelu", g -> new Tensor[] {r(g, 2, 3, 4), r(g, 3)}, G2, t -> Functional.prelu(t[0], t[1]));
        op("glu", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.glu(t[0]));
        op("softmin", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.softmin(t[0], 1));
        op("gelu_tanh", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.gelu(t[0], "tanh"));
        op("logsigmoid", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.logsigmoid(t[0]));
        op("softshrink", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.softshrink(t[0]));
        op("hardshrink", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.hardshrink(t[0]));
        op("tanhshrink", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.tanhshrink(t[0]));
        op("softsign", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.softsign(t[0]));
        op("threshold", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.threshold(t[0], 0.1, -2.0));
        // normalization
        op("rms_norm", g -> new Tensor[] {r(g, 3, 4, 5), r(g, 5)}, G2, t -> Functional.rmsNorm(t[0], new int[] {5}, t[1], 1e-6));
        op("local_response_norm", g -> new Tensor[] {r(g, 2, 5, 3, 3)}, G1, t -> Functional.localResponseNorm(t[0], 3));
        op("normalize", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.normalize(t[0]));
        op("batch_norm_eval", g -> new Tensor[] {r(g, 4, 3, 2), r(g, 3), r(g, 3), r(g, 3), pos(g, 3)},
                new boolean[] {true, true, true, false, false},
                t -> Functional.batchNorm(t[0], t[3], t[4], t[1], t[2], false, 0.1, 1e-5));
        // attention
        op("sdpa", g -> new Tensor[] {r(g, 2, 3, 4), r(g, 2, 5, 4), r(g, 2, 5, 4)}, G3,
                t -> Functional.scaledDotProductAttention(t[0], t[1], t[2]));
        op("sdpa_causal", g -> new Tensor[] {r(g, 2, 4, 4), r(g, 2, 4, 4), r(g, 2, 4, 4)}, G3,
                t -> Functional.scaledDotProductAttention(t[0], t[1], t[2], true));
        // embeddings
        op("embedding_bag", g -> new Tensor[] {r(g, 6, 3), idx(g, 6, 8), Tensor.tensor(new long[] {0, 3, 5})},
                new boolean[] {true, false, false}, t -> Functional.embeddingBag(t[1], t[0], t[2], "mean"));
        // losses
        op("l1_loss", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4)}, G1T, t -> Functional.l1Loss(t[0], t[1]));
        op("huber_loss", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4)}, G1T, t -> Functional.huberLoss(t[0], t[1]));
        op("kl_div", g -> new Tensor[] {r(g, 3, 4), prob(g, 3, 4)}, G1T, t -> Functional.kLDivLoss(t[0], t[1]));
        op("bce_with_logits", g -> new Tensor[] {r(g, 3, 4), prob(g, 3, 4)}, G1T,
                t -> Functional.binaryCrossEntropyWithLogits(t[0], t[1]));
        op("soft_margin", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4).sign()}, G1T, t -> Functional.softMarginLoss(t[0], t[1]));
        op("multi_margin", g -> new Tensor[] {r(g, 4, 5), idx(g, 5, 4)}, G1T, t -> Functional.multiMarginLoss(t[0], t[1]));
        op("multilabel_margin", g -> new Tensor[] {r(g, 2, 4), Tensor.tensor(new long[][] {{3, 0, -1, 1}, {1, 2, 3, -1}})},
                G1T, t -> Functional.multilabelMarginLoss(t[0], t[1]));
        op("multilabel_soft_margin", g -> new Tensor[] {r(g, 3, 4), prob(g, 3, 4).round()}, G1T,
                t -> Functional.multilabelSoftMarginLoss(t[0], t[1]));
        op("hinge_embedding", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4).sign()}, G1T,
                t -> Functional.hingeEmbeddingLoss(t[0], t[1]));
        op("cosine_embedding", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4), r(g, 3).sign()}, new boolean[] {true, true, false},
                t -> Functional.cosineEmbeddingLoss(t[0], t[1], t[2]));
        op("margin_ranking", g -> new Tensor[] {r(g, 5), r(g, 5), r(g, 5).sign()}, new boolean[] {true, true, false},
                t -> Functional.marginRankingLoss(t[0], t[1], t[2]));
        op("poisson_nll", g -> new Tensor[] {r(g, 3, 4), pos(g, 3, 4)}, G1T, t -> Functional.poissonNllLoss(t[0], t[1]));
        op("gaussian_nll", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4), pos(g, 3, 4)}, new boolean[] {true, false, true},
                t -> Functional.gaussianNllLoss(t[0], t[1], t[2]));
        op("cross_entropy_smoothing", g -> new Tensor[] {r(g, 4, 5), idx(g, 5, 4)}, G1T,
                t -> Functional.crossEntropy(t[0], t[1], "mean", 0.1));
        op("nll_weighted_sum", g -> new Tensor[] {r(g, 4, 5), idx(g, 5, 4), pos(g, 5)}, new boolean[] {true, false, false},
                t -> Functional.nllLoss(t[0], t[1], t[2], "sum", -100));
        op("nll_2d", g -> new Tensor[] {r(g, 2, 3, 2, 2), idx(g, 3, 2, 2, 2)}, G1T, t -> Functional.nllLoss(t[0], t[1]));
        // distances
        op("cosine_similarity", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4)}, G2, t -> Functional.cosineSimilarity(t[0], t[1]));
        op("pairwise_distance", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4)}, G2, t -> Functional.pairwiseDistance(t[0], t[1]));
        op("cdist", g -> new Tensor[] {r(g, 3, 4), r(g, 5, 4)}, G2, t -> Functional.cdist(t[0], t[1]));
        op("pdist", g -> new Tensor[] {r(g, 4, 3)}, G1, t -> Functional.pdist(t[0]));
        // indexing and shape
        op("gather", g -> new Tensor[] {r(g, 3, 4), idx(g, 4, 3, 2)}, G1T, t -> t[0].gather(1, t[1]));
        op("index_select", g -> new Tensor[] {r(g, 5, 3), idx(g, 5, 4)}, G1T, t -> t[0].indexSelect(0, t[1]));
        op("masked_fill", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4)}, G1T, t -> t[0].maskedFill(t[1].gt(0), 0.5));
        op("stack", g -> new Tensor[] {r(g, 2, 3), r(g, 2, 3)}, G2, t -> Tensor.stack(List.of(t[0], t[1]), 1).mul(2.5));
        op("normal", g -> new Tensor[] {r(g, 3, 4), pos(g, 3, 4)}, G2, t -> Tensor.normal(t[0], t[1], new Generator(3)));
        // the ops of SavedTensorsHooksTest's PyTorch cases
        op("mul", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4)}, G2, t -> t[0].mul(t[1]));
        op("div", g -> new Tensor[] {r(g, 3, 4), pos(g, 3, 4)}, G2, t -> t[0].div(t[1]));
        op("exp", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].exp());
        op("tanh", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].tanh());
        op("sigmoid", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].sigmoid());
        op("relu", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].relu());
        op("gelu", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.gelu(t[0]));
        op("silu", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.silu(t[0]));
        op("elu", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.elu(t[0]));
        op("softplus", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> Functional.softplus(t[0]));
        op("softmax", g -> new Tensor[] {r(g, 3, 5)}, G1, t -> t[0].softmax(1));
        op("log_softmax", g -> new Tensor[] {r(g, 3, 5)}, G1, t -> t[0].logSoftmax(1));
        op("mm", g -> new Tensor[] {r(g, 3, 4), r(g, 4, 5)}, G2, t -> t[0].mm(t[1]));
        op("bmm", g -> new Tensor[] {r(g, 2, 3, 4), r(g, 2, 4, 5)}, G2, t -> t[0].bmm(t[1]));
        op("linear", g -> new Tensor[] {r(g, 3, 4), r(g, 5, 4), r(g, 5)}, G3, t -> Functional.linear(t[0], t[1], t[2]));
        op("conv1d", g -> new Tensor[] {r(g, 2, 3, 7), r(g, 4, 3, 3), r(g, 4)}, G3,
                t -> Functional.conv1d(t[0], t[1], t[2], new int[] {1}, new int[] {1}, new int[] {1}, 1));
        op("conv2d", g -> new Tensor[] {r(g, 2, 3, 6, 5), r(g, 4, 3, 3, 3), r(g, 4)}, G3,
                t -> Functional.conv2d(t[0], t[1], t[2]));
        op("conv2d_noncontiguous", g -> new Tensor[] {r(g, 2, 6, 5, 3), r(g, 4, 3, 3, 3), r(g, 4)}, G3,
                t -> Functional.conv2d(t[0].permute(0, 3, 1, 2), t[1], t[2]));
        op("conv_transpose2d", g -> new Tensor[] {r(g, 2, 3, 4, 4), r(g, 3, 2, 3, 3), r(g, 2)}, G3,
                t -> Functional.convTranspose2d(t[0], t[1], t[2]));
        op("max_pool2d", g -> new Tensor[] {r(g, 2, 3, 6, 6)}, G1, t -> Functional.maxPool2d(t[0], 2));
        op("avg_pool2d", g -> new Tensor[] {r(g, 2, 3, 6, 6)}, G1, t -> Functional.avgPool2d(t[0], 2));
        op("adaptive_avg_pool2d", g -> new Tensor[] {r(g, 2, 3, 6, 6)}, G1, t -> Functional.adaptiveAvgPool2d(t[0], 3));
        op("layer_norm", g -> new Tensor[] {r(g, 3, 4, 5), r(g, 5), r(g, 5)}, G3,
                t -> Functional.layerNorm(t[0], new int[] {5}, t[1], t[2], 1e-5));
        op("group_norm", g -> new Tensor[] {r(g, 2, 4, 3, 3), r(g, 4), r(g, 4)}, G3,
                t -> Functional.groupNorm(t[0], 2, t[1], t[2], 1e-5));
        op("batch_norm_train", g -> new Tensor[] {r(g, 4, 3, 2, 2), r(g, 3), r(g, 3)}, G3,
                t -> Functional.batchNorm(t[0], Tensor.zeros(D, 3), Tensor.ones(D, 3), t[1], t[2], true, 0.1, 1e-5));
        op("embedding", g -> new Tensor[] {r(g, 6, 3), idx(g, 6, 2, 4)}, G1T, t -> Functional.embedding(t[1], t[0]));
        op("mse_loss", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4)}, G1T, t -> Functional.mseLoss(t[0], t[1]));
        op("cross_entropy", g -> new Tensor[] {r(g, 4, 5), idx(g, 5, 4)}, G1T, t -> Functional.crossEntropy(t[0], t[1]));
        op("nll_loss", g -> new Tensor[] {r(g, 4, 5), idx(g, 5, 4)}, G1T, t -> Functional.nllLoss(t[0], t[1]));
        op("bce", g -> new Tensor[] {prob(g, 3, 4), prob(g, 3, 4)}, G1T, t -> Functional.binaryCrossEntropy(t[0], t[1]));
        op("smooth_l1", g -> new Tensor[] {r(g, 3, 4), r(g, 3, 4)}, G1T, t -> Functional.smoothL1Loss(t[0], t[1]));
        op("max_dim", g -> new Tensor[] {r(g, 3, 4)}, G1, t -> t[0].max(1, false).values());
        op("cat_mul", g -> new Tensor[] {r(g, 2, 3), r(g, 2, 3)}, G2,
                t -> Tensor.cat(List.of(t[0], t[1]), 0).mul(Tensor.cat(List.of(t[1], t[0]), 0)));
    }

    private static final double NAN = Double.NaN;

    /** Runs the op on fresh inputs; {@code hooks}: under copying hooks, overwriting the inputs after the forward. */
    private static Tensor[] grads(Op op, boolean hooks) {
        Tensor[] ins = op.inputs.apply(new Generator(26));
        for (int i = 0; i < ins.length; i++) {
            if (op.grads[i]) {
                ins[i].requiresGrad_(true);
            }
        }
        Tensor out;
        if (hooks) {
            try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> t.detach().clone(), (Tensor t) -> t)) {
                out = op.fn.apply(ins);
            }
            try (GradMode off = Ember.noGrad()) {
                for (Tensor t : ins) {
                    t.detach().fill_(t.dtype().isFloatingPoint() ? NAN : 0);
                }
            }
        } else {
            out = op.fn.apply(ins);
        }
        Tensor w = Tensor.randn(new Generator(7), D, out.shape());
        out.mul(w).sum().backward();
        List<Tensor> gs = new ArrayList<>();
        for (int i = 0; i < ins.length; i++) {
            if (op.grads[i]) {
                gs.add(ins[i].grad());
            }
        }
        return gs.toArray(new Tensor[0]);
    }

    /**
     * Runs the op under hooks that pack copies, on inputs that are not leaves (a leaf's AccumulateGrad holds it, as
     * PyTorch's), and returns weak references to those inputs with every strong one of this method dropped; the output
     * goes into {@code keep}, which holds the graph.
     */
    private static List<WeakReference<Tensor>> runDroppingInputs(Op op, List<Tensor> keep, List<Tensor> leaves) {
        Tensor[] ins = op.inputs.apply(new Generator(26));
        List<WeakReference<Tensor>> refs = new ArrayList<>();
        for (int i = 0; i < ins.length; i++) {
            if (op.grads[i]) {
                Tensor leaf = ins[i].requiresGrad_(true);
                leaves.add(leaf);
                ins[i] = leaf.clone();
            }
            refs.add(new WeakReference<>(ins[i]));
        }
        try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> t.detach().clone(), (Tensor t) -> t)) {
            keep.add(op.fn.apply(ins));
        }
        return refs;
    }

    /**
     * No node keeps a tensor it did not save through the hooks: once the caller drops an op's (non-leaf) inputs, the
     * graph, which holds only what pack returned, must not keep them reachable (a closure that captured one, even for its
     * shape or type, would keep its memory on the device under save_on_cpu). The backward still gives the gradients of
     * the op run without hooks.
     */
    @TestFactory
    Stream<DynamicTest> graphHoldsNoInputTheHooksDidNotPack() {
        return OPS.entrySet().stream().filter(e -> !VIEWS.contains(e.getKey())).map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            List<Tensor> keep = new ArrayList<>();
            List<Tensor> leaves = new ArrayList<>();
            List<WeakReference<Tensor>> refs = runDroppingInputs(e.getValue(), keep, leaves);
            List<Integer> alive = new ArrayList<>();
            for (int attempt = 0; attempt < 20; attempt++) {
                System.gc();
                alive.clear();
                for (int i = 0; i < refs.size(); i++) {
                    if (refs.get(i).get() != null) {
                        alive.add(i);
                    }
                }
                if (alive.isEmpty()) {
                    break;
                }
                Thread.sleep(5);
            }
            assertTrue(alive.isEmpty(), e.getKey() + ": inputs " + alive + " still reachable from the graph");
            Tensor out = keep.get(0);
            out.mul(Tensor.randn(new Generator(7), D, out.shape())).sum().backward();
            Tensor[] want = grads(e.getValue(), false);
            for (int i = 0; i < want.length; i++) {
                double[] w = want[i].toDoubleArray();
                double[] g = leaves.get(i).grad().toDoubleArray();
                for (int k = 0; k < w.length; k++) {
                    assertEquals(w[k], g[k], 1e-12 * Math.max(1, Math.abs(w[k])), e.getKey() + " gradient " + i);
                }
            }
        }));
    }

    /** A packed copy and how often the backward unpacked it. */
    private static final class Packed {
        final Tensor copy;
        int unpacks;

        Packed(Tensor t) {
            copy = t.detach().clone();
        }
    }

    /**
     * A backward reads each saved tensor once (PyTorch's generated nodes unpack every saved variable once per call): an
     * unpack hook that hands a tensor back from host memory, or pops it from a store, runs at most once per packed
     * object.
     */
    @TestFactory
    Stream<DynamicTest> eachPackedTensorIsUnpackedAtMostOnce() {
        return OPS.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Op op = e.getValue();
            Tensor[] ins = op.inputs.apply(new Generator(26));
            for (int i = 0; i < ins.length; i++) {
                if (op.grads[i]) {
                    ins[i].requiresGrad_(true);
                }
            }
            List<Packed> packed = new ArrayList<>();
            Tensor out;
            try (SavedTensorsHooks h = Autograd.savedTensorsHooks((Tensor t) -> {
                Packed p = new Packed(t);
                packed.add(p);
                return p;
            }, (Packed p) -> {
                p.unpacks++;
                return p.copy;
            })) {
                out = op.fn.apply(ins);
            }
            out.mul(Tensor.randn(new Generator(7), D, out.shape())).sum().backward();
            for (int i = 0; i < packed.size(); i++) {
                assertTrue(packed.get(i).unpacks <= 1, e.getKey() + ": packed tensor " + i + " unpacked "
                        + packed.get(i).unpacks + " times in one backward");
            }
        }));
    }

    /** Ops whose output is a view of an input (which the output then holds, as PyTorch's view does its base). */
    private static final java.util.Set<String> VIEWS = java.util.Set.of();

    @TestFactory
    Stream<DynamicTest> backwardReadsOnlyWhatWentThroughTheHooks() {
        return OPS.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Tensor[] want = grads(e.getValue(), false);
            Tensor[] got = grads(e.getValue(), true);
            assertEquals(want.length, got.length);
            for (int i = 0; i < want.length; i++) {
                double[] w = want[i].toDoubleArray();
                double[] g = got[i].toDoubleArray();
                assertEquals(w.length, g.length);
                for (int k = 0; k < w.length; k++) {
                    assertTrue(Math.abs(w[k] - g[k]) <= 1e-12 * Math.max(1, Math.abs(w[k])),
                            e.getKey() + ": gradient " + i + "[" + k + "] " + g[k] + " instead of " + w[k]
                                    + " after the inputs were overwritten: the backward read an input the hooks never saw");
                }
            }
        }));
    }
}
