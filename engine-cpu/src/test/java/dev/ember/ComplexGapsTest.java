package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.optim.Adam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The complex gaps session 29 left: the losses on complex inputs (computed, or refused with PyTorch 2.x's message, naming
 * the loss where PyTorch's comes from an op inside it); an optimizer's state loaded into complex and real parameters of
 * other types (a complex parameter keeps its saved state's type, a floating one takes its own); the products of a complex
 * and a real operand (refused as in PyTorch 2.x, which promotes only where einsum is a plain product); complex values
 * written into real tensors; conv_transpose and cumprod of complex tensors; clamp's refusals of complex operands (the
 * kernel's words where PyTorch's meta function checks nothing); values, nodes and gradients from
 * {@code complexgaps/make_expected.py} (PyTorch 1.13, with 2.x's behaviour computed there where it differs).
 */
class ComplexGapsTest {

    private static final Tensor IDX = Tensor.tensor(new long[] {0, 2});
    private static final Tensor MASK = Tensor.tensor(new boolean[] {true, false, true, false, false});

    private static Function<Tensor[], Tensor> op(String name) {
        switch (name) {
            case "l1_loss complex complex": return a -> Functional.l1Loss(a[0], a[1]);
            case "l1_loss complex real sum": return a -> Functional.l1Loss(a[0], a[1], "sum");
            case "l1_loss complex64 none": return a -> Functional.l1Loss(a[0], a[1], "none");
            case "mse_loss complex":
            case "mse_loss real complex target":
                return a -> Functional.mseLoss(a[0], a[1]);
            case "smooth_l1_loss complex": return a -> Functional.smoothL1Loss(a[0], a[1]);
            case "huber_loss complex":
            case "huber_loss real complex target":
                return a -> Functional.huberLoss(a[0], a[1]);
            case "soft_margin_loss complex values":
            case "soft_margin_loss complex real target values":
            case "soft_margin_loss real complex target":
                return a -> Functional.softMarginLoss(a[0].detach(), a[1].detach());
            case "soft_margin_loss complex64 values":
                return a -> Functional.softMarginLoss(a[0].detach(), Tensor.ones(5));
            case "soft_margin_loss complex requires grad": return a -> Functional.softMarginLoss(a[0], a[1].detach());
            case "binary_cross_entropy complex": return a -> Functional.binaryCrossEntropy(a[0], a[1]);
            case "binary_cross_entropy_with_logits complex": return a -> Functional.binaryCrossEntropyWithLogits(a[0], a[1]);
            case "binary_cross_entropy_with_logits complex target values":
                return a -> Functional.binaryCrossEntropyWithLogits(a[0].detach(), a[1].detach());
            case "binary_cross_entropy_with_logits complex target weight values":
            case "binary_cross_entropy_with_logits complex weight":
                return a -> Functional.binaryCrossEntropyWithLogits(a[0].detach(), a[1].detach(), a[2].detach(), null, "mean");
            case "binary_cross_entropy_with_logits complex target requires grad":
                return a -> Functional.binaryCrossEntropyWithLogits(a[0], a[1].detach());
            case "binary_cross_entropy_with_logits complex target pos_weight":
                return a -> Functional.binaryCrossEntropyWithLogits(a[0].detach(), a[1].detach(), null, a[2].detach(), "mean");
            case "cross_entropy complex": return a -> Functional.crossEntropy(a[0], IDX);
            case "cross_entropy complex 3-d": return a -> Functional.crossEntropy(a[0], Tensor.zeros(DType.INT64, 2, 4));
            case "cross_entropy real complex probabilities": return a -> Functional.crossEntropy(a[0], a[1]);
            case "nll_loss complex": return a -> Functional.nllLoss(a[0], IDX);
            case "kl_div complex":
            case "kl_div real complex target":
                return a -> Functional.kLDivLoss(a[0], a[1], "batchmean", false);
            case "poisson_nll_loss complex": return a -> Functional.poissonNllLoss(a[0], a[1]);
            case "poisson_nll_loss complex not log_input":
                return a -> Functional.poissonNllLoss(a[0], a[1], false, false, 1e-8, "mean");
            case "gaussian_nll_loss complex": return a -> Functional.gaussianNllLoss(a[0], a[1], a[2]);
            case "hinge_embedding_loss complex":
            case "hinge_embedding_loss real complex target":
                return a -> Functional.hingeEmbeddingLoss(a[0], a[1]);
            case "margin_ranking_loss complex": return a -> Functional.marginRankingLoss(a[0], a[1], a[2]);
            case "cosine_embedding_loss complex": return a -> Functional.cosineEmbeddingLoss(a[0], a[1], a[2]);
            case "triplet_margin_loss complex": return a -> Functional.tripletMarginLoss(a[0], a[1], a[2]);
            case "multi_margin_loss complex": return a -> Functional.multiMarginLoss(a[0], IDX);
            case "multilabel_margin_loss complex":
                return a -> Functional.multilabelMarginLoss(a[0], Tensor.tensor(new long[] {0, 2, -1, 1, -1, 0}).reshape(2, 3));
            case "multilabel_soft_margin_loss complex":
            case "multilabel_soft_margin_loss real complex target":
                return a -> Functional.multilabelSoftMarginLoss(a[0], a[1]);
            case "ctc_loss complex":
                return a -> Functional.ctcLoss(a[0], Tensor.tensor(new long[] {1, 2, 1, 1}).reshape(2, 2),
                        Tensor.tensor(new long[] {5, 5}), Tensor.tensor(new long[] {2, 2}));
            case "mm complex real":
            case "mm real complex":
            case "mm complex128 real":
                return a -> a[0].mm(a[1]);
            case "matmul complex real":
            case "matmul vector matrix":
            case "matmul matrix vector":
            case "matmul vectors":
            case "matmul batched":
                return a -> a[0].matmul(a[1]);
            case "bmm complex real": return a -> a[0].bmm(a[1]);
            case "mv complex real": return a -> a[0].mv(a[1]);
            case "dot complex real": return a -> a[0].dot(a[1]);
            case "tensordot complex real": return a -> Tensor.tensordot(a[0], a[1], 1);
            case "inner complex real": return a -> a[0].inner(a[1]);
            case "einsum contraction complex real": return a -> Tensor.einsum("ij,jk->ik", a[0], a[1]);
            case "einsum three operands": return a -> Tensor.einsum("ij,jk,k->i", a[0], a[1], a[2]);
            case "einsum elementwise complex real": return a -> Tensor.einsum("i,i->i", a[0], a[1]);
            case "einsum outer complex real": return a -> Tensor.einsum("i,j->ij", a[0], a[1]);
            case "einsum broadcast product complex real": return a -> Tensor.einsum("ij,j->ij", a[0], a[1]);
            case "outer complex real": return a -> a[0].outer(a[1]);
            case "addmm complex real": return a -> a[0].addmm(a[1], a[2]);
            case "copy_ complex into bool": return a -> Tensor.zeros(DType.BOOL, 5).copy_(a[0].detach());
            case "copy_ complex into float32": return a -> Tensor.zeros(5).copy_(a[0].detach());
            case "copy_ complex128 into float64 broadcast": return a -> Tensor.zeros(DType.FLOAT64, 2, 3).copy_(a[0].detach());
            case "copy_ complex into int64": return a -> Tensor.zeros(DType.INT64, 5).copy_(a[0].detach());
            case "copy_ complex into float16": return a -> Tensor.zeros(DType.FLOAT16, 5).copy_(a[0].detach());
            case "fill_ complex into float32":
            case "fill_ complex zero imaginary into float32":
                return a -> Tensor.zeros(3).fill_(a[0].detach());
            case "fill_ complex into int64": return a -> Tensor.zeros(DType.INT64, 3).fill_(a[0].detach());
            case "fill_ complex into bool": return a -> Tensor.zeros(DType.BOOL, 3).fill_(a[0].detach());
            case "index_put_ complex into float32":
                return a -> Tensor.zeros(5).indexPut_(new Index[] {Index.of(Tensor.tensor(new long[] {0, 2}))},
                        a[0].detach().narrow(0, 0, 2), false);
            case "index_put_ complex accumulate into float32":
                return a -> Tensor.zeros(5).indexPut_(new Index[] {Index.of(Tensor.tensor(new long[] {0, 2}))},
                        a[0].detach().narrow(0, 0, 2), true);
            case "index_put_ complex bool mask into float32":
                return a -> Tensor.zeros(5).indexPut_(new Index[] {Index.of(MASK)}, a[0].detach().narrow(0, 0, 2), false);
            case "masked_fill_ complex into float32": return a -> Tensor.zeros(5).maskedFill_(MASK, a[0].detach());
            case "index_fill_ complex into float32":
            case "index_fill_ complex zero imaginary into float32":
                return a -> Tensor.zeros(5).indexFill_(0, Tensor.tensor(new long[] {1}), a[0].detach());
            case "index_copy_ complex into float32":
                return a -> Tensor.zeros(5).indexCopy_(0, Tensor.tensor(new long[] {1, 3}), a[0].detach().narrow(0, 0, 2));
            case "scatter_ complex into float32":
                return a -> Tensor.zeros(5).scatter_(0, Tensor.tensor(new long[] {1, 3}), a[0].detach().narrow(0, 0, 2));
            case "masked_scatter_ complex into float32": return a -> Tensor.zeros(5).maskedScatter_(MASK, a[0].detach());
            case "put_ complex into float32":
                return a -> Tensor.zeros(5).put_(Tensor.tensor(new long[] {1}), a[0].detach().narrow(0, 0, 1), false);
            case "conv_transpose1d complex":
                return a -> Functional.convTranspose1d(a[0], a[1], a[2], 2, 1, 1, 1, 1);
            case "conv_transpose2d complex groups dilation":
                return a -> Functional.convTranspose2d(a[0], a[1], null, new int[] {1, 1}, new int[] {1, 0}, new int[] {0, 0},
                        2, new int[] {2, 1});
            case "conv_transpose2d complex64":
                return a -> Functional.convTranspose2d(a[0], a[1], a[2], new int[] {2, 2}, new int[] {0, 0}, new int[] {0, 0},
                        1, new int[] {1, 1});
            case "conv_transpose3d complex": return a -> Functional.convTranspose3d(a[0], a[1], null);
            case "conv_transpose2d unbatched complex": return a -> Functional.convTranspose2d(a[0], a[1], null);
            case "cumprod long":
            case "cumprod long complex64":
            case "cumprod one zero":
            case "cumprod two zeros":
                return a -> a[0].cumprod(0);
            case "cumprod 3-d dim 1":
            case "cumprod rows with zeros":
            case "cumprod length 1":
                return a -> a[0].cumprod(1);
            case "cumprod 3-d dim 0 strided": return a -> a[0].cumprod(-1);
            case "clamp complex": return a -> a[0].clamp(-1.0, 1.0);
            case "clamp_min complex": return a -> a[0].clampMin(0.5);
            case "clamp_max complex": return a -> a[0].clampMax(0.5);
            case "clamp_ complex": return a -> a[0].detach().clamp_(-1L, 1L);
            case "clamp complex tensor bounds":
            case "clamp real complex bounds":
                return a -> a[0].clamp(a[1], a[2]);
            case "clamp complex tensor min":
            case "clamp real complex min":
                return a -> a[0].clamp(a[1], null);
            case "clamp complex tensor max":
            case "clamp real complex max":
                return a -> a[0].clamp(null, a[1]);
            case "clamp_min complex tensor":
            case "clamp_min complex128 float32 tensor":
            case "clamp_min real complex tensor":
                return a -> a[0].clampMin(a[1]);
            case "clamp_max complex tensor":
            case "clamp_max float64 complex64 tensor":
                return a -> a[0].clampMax(a[1]);
            default:
                break;
        }
        if (name.startsWith("sgd load_state_dict step ") || name.startsWith("adam load_state_dict ")) {
            String[] w = name.split(" ");
            return a -> roundTrip(w[0].equals("sgd"), w[w.length - 2] + " " + w[w.length - 1], a);
        }
        throw new IllegalArgumentException("no Ember call for case " + name);
    }

    private static Optimizer optimizer(boolean sgd, List<Tensor> ps) {
        return sgd ? new SGD(ps, 0.1, 0.9, 0, 0.05, false) : new Adam(ps, 0.1, 0.9, 0.999, 1e-8, 0.05, false);
    }

    /**
     * Two steps over complex128 / float64 twins, their state loaded into complex64 / float32 parameters (SGD then steps
     * once more): the parameter or state tensor {@code what} names ("complex param", "real exp_avg", ...).
     */
    private static Tensor roundTrip(boolean sgd, String what, Tensor[] a) {
        List<Tensor> twins = List.of(a[0].detach().clone().requiresGrad_(true), a[1].detach().clone().requiresGrad_(true));
        Optimizer opt = optimizer(sgd, twins);
        for (int k = 0; k < 2; k++) {
            twins.get(0).setGrad(a[2].detach().mul(k + 1.0));
            twins.get(1).setGrad(a[3].detach().mul(k + 1.0));
            opt.step();
        }
        Map<String, Object> saved = opt.stateDict();
        List<Tensor> ps = List.of(twins.get(0).detach().to(DType.COMPLEX64).requiresGrad_(true),
                twins.get(1).detach().to(DType.FLOAT32).requiresGrad_(true));
        Optimizer opt2 = optimizer(sgd, ps);
        opt2.loadStateDict(saved);
        if (sgd) {
            ps.get(0).setGrad(a[2].detach().to(DType.COMPLEX64).mul(3.0));
            ps.get(1).setGrad(a[3].detach().to(DType.FLOAT32).mul(3.0));
            opt2.step();
        }
        int i = what.startsWith("complex") ? 0 : 1;
        if (what.endsWith("param")) {
            return ps.get(i).detach();
        }
        Map<?, ?> state = (Map<?, ?>) ((Map<?, ?>) opt2.stateDict().get("state")).get(i);
        return (Tensor) state.get(what.split(" ")[1]);
    }

    @Test
    void complexIntoRealWarnsOnceButNotIntoBool() {
        // PyTorch 2.x's copy_impl: TORCH_WARN_ONCE into a real type other than bool; casts to bool say nothing
        Tensor z = Tensor.complex(Tensor.tensor(new double[] {0, 1}), Tensor.tensor(new double[] {2, 0}));
        WarnOnce.LOGGED.remove(WarnOnce.COMPLEX_DISCARD);
        assertEquals(List.of(), DeterminismTest.logged(() -> {
            Tensor.zeros(DType.BOOL, 2).copy_(z);
            z.to(DType.BOOL);
            Tensor.zeros(DType.BOOL, 2).fill_(z.select(0, 0));
            Tensor.zeros(2).fill_(z.select(0, 1)); // a zero imaginary part: fill_(value.item()) converts silently
        }));
        String discard = "Casting complex values to real discards the imaginary part";
        assertEquals(List.of(discard), DeterminismTest.logged(() -> {
            Tensor.zeros(2).copy_(z);
            Tensor.zeros(DType.INT64, 2).copy_(z);
            z.to(DType.FLOAT64);
        }));
        WarnOnce.LOGGED.remove(WarnOnce.COMPLEX_DISCARD);
        assertEquals(List.of(discard), DeterminismTest.logged(() -> z.to(DType.FLOAT32)));
    }

    @Test
    void cumprodGradcheckWithZeros() {
        // first and second derivatives through the real views, with zeros in the products (the masked O(n) backward and,
        // differentiated again, the O(n^2) one)
        Function<Tensor[], Tensor> f = x -> ComplexTest.cz(x[0]).cumprod(0).viewAsReal();
        Tensor a = ComplexTest.seq(1, 6, 2).mul(0.5).toDouble();
        Tensor withZeros = a.clone();
        withZeros.select(0, 2).zero_();
        withZeros.select(0, 4).zero_();
        for (Tensor t : List.of(a, withZeros)) {
            Tensor in = t.detach().requiresGrad_(true);
            assertTrue(Autograd.gradcheck(f::apply, in));
            assertTrue(Autograd.gradgradcheck(f::apply, in));
        }
        Tensor z = ComplexTest.cz(a).requiresGrad_(true);
        assertEquals("CumprodBackward0", z.cumprod(0).gradFn().name());
    }

    @Test
    void realStateForComplexParameterIsRefused() {
        // PyTorch keeps a float state for a complex parameter and fails at the step (view_as_real); Ember refuses the load
        Tensor p = Tensor.complex(Tensor.ones(3), Tensor.zeros(3)).requiresGrad_(true);
        Optimizer opt = new SGD(List.of(p), 0.1, 0.9, 0, 0, false);
        p.setGrad(Tensor.complex(Tensor.ones(3), Tensor.ones(3)));
        opt.step();
        Map<String, Object> saved = opt.stateDict();
        Map<Integer, Object> state = new java.util.LinkedHashMap<>();
        state.put(0, Map.of("momentum_buffer", Tensor.ones(3)));
        Map<String, Object> bad = new java.util.LinkedHashMap<>(saved);
        bad.put("state", state);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(bad));
        assertEquals("the saved state of parameter 0: momentum_buffer has type Float but the parameter is complex "
                + "(view_as_real is only supported for complex tensors)", e.getMessage());
        Tensor kept = (Tensor) ((Map<?, ?>) ((Map<?, ?>) opt.stateDict().get("state")).get(0)).get("momentum_buffer");
        assertEquals(DType.COMPLEX64, kept.dtype());
        assertTrue(kept.equal(Tensor.complex(Tensor.ones(3), Tensor.ones(3))));
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/complexgaps/expected.txt", ComplexGapsTest::op, 2e-6);
    }
}
