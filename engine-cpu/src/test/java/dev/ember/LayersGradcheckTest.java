package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15's layer ops pass float64 finite-difference gradient checks, and second-order ones where the gradient depends
 * on the input (the norms through their Tensor-op backward under {@code create_graph}), also on non-contiguous and
 * broadcast (expanded) inputs reaching the fused kernels.
 */
class LayersGradcheckTest {
    private static final Generator GEN = new Generator(77);

    private static Tensor r(double lo, double hi, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(hi - lo).add(lo).detach().requiresGrad_(true);
    }

    private static Tensor r(int... shape) {
        return r(-2, 2, shape);
    }

    private static DynamicTest check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        return DynamicTest.dynamicTest(name, () -> assertTrue(Autograd.gradcheck(f, inputs)));
    }

    private static DynamicTest check2(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        return DynamicTest.dynamicTest(name + " (second order)", () -> assertTrue(Autograd.gradgradcheck(f, inputs)));
    }

    /** The input transposed, copied and transposed back: same values, non-contiguous. */
    private static Tensor nc(Tensor t) {
        return t.transpose(-1, -2).contiguous().transpose(-1, -2);
    }

    @TestFactory
    List<DynamicTest> activations() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor x = r(-4.0, 4.0, 3, 7);
        t.add(check("gelu", a -> Functional.gelu(a[0]), x));
        t.add(check2("gelu", a -> Functional.gelu(a[0]), x));
        t.add(check("gelu tanh", a -> Functional.gelu(a[0], "tanh"), x));
        t.add(check2("gelu tanh", a -> Functional.gelu(a[0], "tanh"), x));
        t.add(check("leaky_relu", a -> Functional.leakyRelu(a[0], 0.2), x));
        t.add(check("elu", a -> Functional.elu(a[0], 0.7), x));
        t.add(check2("elu", a -> Functional.elu(a[0], 0.7), x));
        t.add(check("selu", a -> Functional.selu(a[0]), x));
        t.add(check2("selu", a -> Functional.selu(a[0]), x));
        t.add(check("celu", a -> Functional.celu(a[0], 1.3), x));
        t.add(check("silu", a -> Functional.silu(a[0]), x));
        t.add(check2("silu", a -> Functional.silu(a[0]), x));
        t.add(check("mish", a -> Functional.mish(a[0]), x));
        t.add(check2("mish", a -> Functional.mish(a[0]), x));
        t.add(check("softplus", a -> Functional.softplus(a[0], 1.5, 4.0), x));
        t.add(check2("softplus", a -> Functional.softplus(a[0], 1.5, 4.0), x));
        t.add(check("hardtanh", a -> Functional.hardtanh(a[0], -1.5, 2.0), x));
        t.add(check("relu6", a -> Functional.relu6(a[0].mul(3.0)), x));
        t.add(check("hardswish", a -> Functional.hardswish(a[0]), x));
        t.add(check2("hardswish", a -> Functional.hardswish(a[0]), x));
        t.add(check("gelu non-contiguous", a -> Functional.gelu(nc(a[0])), x));
        return t;
    }

    @TestFactory
    List<DynamicTest> norms() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor x = r(2, 3, 5);
        Tensor w = r(5);
        Tensor b = r(5);
        Function<Tensor[], Tensor> ln = a -> Functional.layerNorm(a[0], new int[] {5}, a[1], a[2], 1e-5);
        t.add(check("layer_norm", ln, x, w, b));
        t.add(check2("layer_norm", ln, x, w, b));
        Function<Tensor[], Tensor> ln2 = a -> Functional.layerNorm(nc(a[0]), new int[] {3, 5}, a[1], null, 1e-5);
        Tensor w2 = r(3, 5);
        t.add(check("layer_norm 2 dims, non-contiguous", ln2, x, w2));
        t.add(check2("layer_norm 2 dims, non-contiguous", ln2, x, w2));
        Tensor row = r(1, 5);
        t.add(check("layer_norm of an expanded input", a -> Functional.layerNorm(a[0].expand(4, 5), new int[] {5}), row));
        Function<Tensor[], Tensor> rms = a -> Functional.rmsNorm(a[0], new int[] {5}, a[1], 1e-6);
        t.add(check("rms_norm", rms, x, w));
        t.add(check2("rms_norm", rms, x, w));
        t.add(check("rms_norm non-contiguous", a -> Functional.rmsNorm(nc(a[0]), new int[] {3, 5}, null, null), x));
        Tensor gx = r(2, 6, 4);
        Tensor gw = r(6);
        Tensor gb = r(6);
        Function<Tensor[], Tensor> gn = a -> Functional.groupNorm(a[0], 3, a[1], a[2], 1e-5);
        t.add(check("group_norm", gn, gx, gw, gb));
        t.add(check2("group_norm", gn, gx, gw, gb));
        t.add(check("group_norm non-contiguous", a -> Functional.groupNorm(nc(a[0]), 2, a[1], a[2], 1e-5), gx, gw, gb));
        Function<Tensor[], Tensor> bn = a -> Functional.batchNorm(a[0], null, null, a[1], a[2], true, 0.1, 1e-5);
        t.add(check("batch_norm", bn, gx, gw, gb));
        t.add(check2("batch_norm", bn, gx, gw, gb));
        Tensor rm = Tensor.rand(GEN, DType.FLOAT64, 6);
        Tensor rv = Tensor.rand(GEN, DType.FLOAT64, 6).add(0.5);
        Function<Tensor[], Tensor> bnEval = a -> Functional.batchNorm(nc(a[0]), rm, rv, a[1], a[2], false, 0.1, 1e-5);
        t.add(check("batch_norm eval, non-contiguous", bnEval, gx, gw, gb));
        t.add(check2("batch_norm eval", bnEval, gx, gw, gb));
        Tensor ix = r(2, 3, 2, 3);
        Tensor iw = r(3);
        Tensor ib = r(3);
        Function<Tensor[], Tensor> in = a -> Functional.instanceNorm(a[0], null, null, a[1], a[2], true, 0.1, 1e-5);
        t.add(check("instance_norm", in, ix, iw, ib));
        t.add(check2("instance_norm", in, ix, iw, ib));
        return t;
    }

    @TestFactory
    List<DynamicTest> embeddingsAndLosses() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor w = r(6, 3);
        Tensor idx = Tensor.tensor(new long[][] {{1, 2, 1}, {5, 0, 1}});
        // (a padding row and scale_grad_by_freq change the gradient on purpose: not a derivative to check)
        t.add(check("embedding", a -> Functional.embedding(idx, a[0]), w));
        Tensor flat = Tensor.tensor(new long[] {2, 0, 4, 4, 1, 5});
        Tensor off = Tensor.tensor(new long[] {0, 2, 2, 4});
        Tensor psw = r(6);
        for (String mode : new String[] {"sum", "mean", "max"}) {
            t.add(check("embedding_bag " + mode, a -> Functional.embeddingBag(flat, a[0], off, mode), w));
        }
        t.add(check("embedding_bag per-sample weights", a -> Functional.embeddingBag(flat, a[0], off, null, 2.0, false, "sum",
                a[1], false, null), w, psw));
        t.add(check2("embedding_bag per-sample weights", a -> Functional.embeddingBag(flat, a[0], off, null, 2.0, false,
                "sum", a[1], false, null), w, psw));
        Tensor logp = r(3, 4);
        Tensor q = r(0.1, 1.0, 3, 4);
        t.add(check("kl_div", a -> Functional.kLDivLoss(a[0], a[1], "batchmean", false), logp, q));
        t.add(check("kl_div log target", a -> Functional.kLDivLoss(a[0], a[1], "sum", true), logp, r(3, 4)));
        Tensor target = Tensor.tensor(new double[] {1, -1, 1}, DType.FLOAT64);
        t.add(check("cosine_embedding_loss", a -> Functional.cosineEmbeddingLoss(a[0], a[1], target, -0.9, "mean"),
                r(3, 4), r(3, 4)));
        t.add(check("margin_ranking_loss", a -> Functional.marginRankingLoss(a[0], a[1], a[2], 0.1, "sum"), r(5), r(5),
                r(5)));
        return t;
    }

    @Test
    void doubleBackwardRecordsTheBackwardsOps() {
        Tensor x = r(2, 4);
        Tensor g = Autograd.grad(List.of(Functional.layerNorm(x, new int[] {4}).pow(3).sum()), List.of(x), null, true).get(0);
        assertTrue(g.requiresGrad());
        // without create_graph the fused backward kernel runs and records nothing
        Tensor g1 = Autograd.grad(List.of(Functional.layerNorm(x, new int[] {4}).pow(3).sum()), List.of(x), null, false).get(0);
        assertEquals(null, g1.gradFn());
        assertTrue(g.detach().allclose(g1, 1e-12, 1e-12, false));
    }
}
