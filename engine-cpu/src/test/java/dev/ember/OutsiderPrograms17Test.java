package dev.ember;

import dev.ember.OutsiderTraining.Container;
import dev.ember.nn.AdaptiveAvgPool1d;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Dropout;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.GroupNorm;
import dev.ember.nn.Identity;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleList;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Softmax;
import dev.ember.nn.utils.Parametrizations;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import static dev.ember.OutsiderFixture.same;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 42's outsider pass, round 17: recipes ported line by line from their reference code with Ember's public API,
 * run in float64 from PyTorch's initial weights and fixed data and held to PyTorch's outputs, losses, gradients of
 * every named parameter after the first backward and parameters after the last step
 * ({@code resources/outsiderprograms17/make_expected.py} wrote {@code programs17.pt} with PyTorch 1.13). Every
 * comparison is held to {@link LossesMoreTest#assertClose}'s tolerance (float64: 1e-12 relative to the largest
 * magnitude of the tensor compared) unless its line says otherwise; integer and boolean results (index buffers, masks)
 * are PyTorch's exactly. Rounds 6, 7 and 9 had ported a Swin block, a float32 ConvNeXt block, a PointNet with one
 * T-Net, a BERT masked LM, T5's buckets, a WaveNet and a TCN; this round ports what those left out and two new recipes.
 * <ol>
 * <li>Batch-hard triplet mining as the PyTorch port of Moindrot's batch_hard_triplet_loss writes it (pairwise distances
 * by matmul and diag, boolean-mask assignments in place, float32 masks promoting with float64 distances, masked max and
 * min), squared and not, and its cdist form (masked_fill with infinity); an embedder trained by each.</li>
 * <li>wav2vec2's Gumbel vector quantizer (Hugging Face): gumbel_softmax(hard=True) as its source computes it from fixed
 * noise, the straight-through estimator by scatter_ of the argmax, the perplexity with and without the time mask, the
 * codevectors by broadcasting and summing over each group, the diversity loss; the eval path. Wav2Vec2ForPreTraining's
 * loss around it: the masked time steps overwritten by a parameter through a boolean mask, negatives gathered by index,
 * cosine-similarity logits, the negatives equal to the positive masked to -inf in a view of the logits, the ignored
 * unmasked steps. Its front end: the feature encoder (the input's view made to require grad, a strided conv with
 * GroupNorm(C, C)), the feature projection, the positional conv embedding under weight_norm over dim 2 with the
 * same-pad slice.</li>
 * <li>The ConvNeXt model (facebookresearch/ConvNeXt) in float64: its channels_first LayerNorm written by hand, the
 * downsample layers, stages with drop-path rates from linspace, timm 0.4's drop_path from fixed uniforms.</li>
 * <li>Swin Transformer's BasicLayer (W-MSA and SW-MSA blocks) with PatchMerging (strided slices and cat), the final
 * LayerNorm, AdaptiveAvgPool1d and head. Swin V2's cosine attention with the clamped learnt logit scale and the
 * continuous position bias (an MLP over the log-spaced float32 coordinate table), res-post-norm blocks.</li>
 * <li>fxia22's PointNetCls with the feature transform (STN3d, STNkd, float32 identities from numpy added to float64
 * outputs, the regularizer over the k x k transform added in place to the loss).</li>
 * <li>A small T5ForConditionalGeneration as Hugging Face's modeling_t5 writes it: T5LayerNorm, unscaled attention with
 * the relative position bias of the first block shared by the later ones (with the extended mask folded in), the
 * decoder's causal mask and cross-attention, _shift_right, the tied and rescaled lm_head; its first step in float32
 * too, and in bfloat16 with HF's float32 casts (types exactly PyTorch's, values within twice PyTorch's own bfloat16
 * error).</li>
 * <li>The recipes' misuses (a window that does not divide the resolution, mismatched masks and values in the boolean
 * assignments, an in-place add that would broadcast its output, an argmax past the codebook, ...) fail with PyTorch's
 * messages and leave their tensors as they were.</li>
 * </ol>
 */
class OutsiderPrograms17Test {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms17", "programs17.pt");
    private static final DType F64 = DType.FLOAT64;
    private static final DType F32 = DType.FLOAT32;

    private static Tensor e(String name) {
        return PT.e(name);
    }

    private static void exact(Tensor want, Tensor got, String what) {
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        if (want.dtype() == DType.BOOL) {
            assertArrayEquals(want.toBooleanArray(), got.toBooleanArray(), what);
        } else {
            assertArrayEquals(want.toLongArray(), got.toLongArray(), what);
        }
    }

    private static void assertBuffers(String prefix, Module m, String what) {
        Map<String, Tensor> bufs = m.namedBuffers();
        for (Map.Entry<String, Tensor> b : bufs.entrySet()) {
            Tensor want = e(prefix + b.getKey());
            if (want.dtype() == DType.INT64) {
                exact(want, b.getValue(), what + " " + b.getKey());
            } else {
                same(want, b.getValue(), what + " " + b.getKey());
            }
        }
        assertEquals(PT.under(prefix).size(), bufs.size(), what + ": PyTorch's and Ember's buffer names");
    }

    /** Marks the entries of a parameter whose PyTorch first gradient is rounding noise (|g| <= 1e-13). */
    static final int[] BY_GRADIENT = {-1, -1};

    /**
     * {@link OutsiderFixture#assertNamed} for a model some of whose parameters get a gradient that is zero but for
     * rounding (a bias before a normalization or a translation-invariant loss, a softmax's key bias): those entries,
     * named in {@code noise} (name to the first and past-the-last index along dim 0, or {@link #BY_GRADIENT}: the
     * entries whose gradient in PyTorch's first step, {@code gradPrefix}, is at most 1e-13), are held to an absolute
     * bound instead ({@code |g| <= 1e-13} in PyTorch and Ember; after the steps, {@code absFinal}: Adam turns
     * gradients below its eps 1e-8 into steps of at most lr * |g| / eps, so 3 steps move such an entry by at most
     * 3 lr 1e-5), every other entry at the base tolerance times {@code loose}.
     */
    static void assertNamedNoise(String prefix, String gradPrefix, Module m, boolean grads, Map<String, int[]> noise,
                                 double absFinal, double loose, String what) {
        Map<String, Tensor> named = m.namedParameters();
        for (Map.Entry<String, Tensor> p : named.entrySet()) {
            Tensor want = e(prefix + p.getKey());
            Tensor got = (grads ? p.getValue().grad() : p.getValue()).detach();
            int[] r = noise.get(p.getKey());
            if (r == null) {
                OutsiderFixture.close(want, got, what + " " + p.getKey(), loose);
                continue;
            }
            Tensor mask;
            if (r == BY_GRADIENT) {
                mask = e(gradPrefix + p.getKey()).abs().le(1e-13);
            } else {
                mask = Tensor.zeros(DType.BOOL, want.shape());
                mask.narrow(0, r[0], r[1] - r[0]).fill_(true);
            }
            OutsiderFixture.close(want.maskedFill(mask, 0.0), got.maskedFill(mask, 0.0),
                    what + " " + p.getKey() + " (outside the noise)", loose);
            Tensor outside = mask.logicalNot();
            if (grads) {
                assertTrue(want.maskedFill(outside, 0.0).abs().max().item() <= 1e-13,
                        what + " " + p.getKey() + ": PyTorch's is not rounding noise");
                double worst = got.maskedFill(outside, 0.0).abs().max().item();
                assertTrue(worst <= 1e-13, what + " " + p.getKey() + ": " + worst);
            } else {
                double worst = want.sub(got).maskedFill(outside, 0.0).abs().max().item();
                assertTrue(worst <= absFinal, what + " " + p.getKey() + ": " + worst);
            }
        }
        assertEquals(PT.under(prefix).size(), named.size(), what + ": PyTorch's and Ember's parameter names");
    }

    // ------------------------------------------------------------------ 1. batch-hard triplet mining

    static Tensor pairwiseDistances(Tensor embeddings, boolean squared) {
        Tensor dotProduct = embeddings.matmul(embeddings.t());
        Tensor squareNorm = dotProduct.diag();
        Tensor distances = squareNorm.unsqueeze(0).sub(dotProduct.mul(2.0)).add(squareNorm.unsqueeze(1));
        distances.indexPut_(new Index[] {Index.of(distances.lt(0))}, 0.0, false); // distances[distances < 0] = 0
        if (!squared) {
            Tensor mask = distances.eq(0).to(F32); // .float()
            distances = distances.add(mask.mul(1e-16));
            distances = mask.rsub(1.0).mul(distances.sqrt());
        }
        return distances;
    }

    static Tensor anchorPositiveTripletMask(Tensor labels) {
        Tensor indicesEqual = Tensor.eye(labels.size(0)).to(DType.BOOL);
        Tensor indicesNotEqual = indicesEqual.bitwiseNot();
        Tensor labelsEqual = labels.unsqueeze(0).eq(labels.unsqueeze(1));
        return labelsEqual.bitwiseAnd(indicesNotEqual);
    }

    static Tensor anchorNegativeTripletMask(Tensor labels) {
        return labels.unsqueeze(0).eq(labels.unsqueeze(1)).bitwiseNot();
    }

    static Tensor batchHardTripletLoss(Tensor labels, Tensor embeddings, double margin, boolean squared) {
        Tensor pairwiseDist = pairwiseDistances(embeddings, squared);
        Tensor maskAnchorPositive = anchorPositiveTripletMask(labels).to(F32);
        Tensor anchorPositiveDist = maskAnchorPositive.mul(pairwiseDist);
        Tensor hardestPositiveDist = anchorPositiveDist.max(1, true).values();
        Tensor maskAnchorNegative = anchorNegativeTripletMask(labels).to(F32);
        Tensor maxAnchorNegativeDist = pairwiseDist.max(1, true).values();
        Tensor anchorNegativeDist = pairwiseDist.add(maxAnchorNegativeDist.mul(maskAnchorNegative.rsub(1.0)));
        Tensor hardestNegativeDist = anchorNegativeDist.min(1, true).values();
        Tensor tl = hardestPositiveDist.sub(hardestNegativeDist).add(margin);
        tl.indexPut_(new Index[] {Index.of(tl.lt(0))}, 0.0, false); // tl[tl < 0] = 0
        return tl.mean();
    }

    static Tensor batchHardCdist(Tensor embeddings, Tensor labels, double margin) {
        Tensor dist = embeddings.cdist(embeddings, 2);
        Tensor same = labels.unsqueeze(0).eq(labels.unsqueeze(1));
        Tensor eye = Tensor.eye(labels.size(0), labels.size(0), DType.BOOL);
        Tensor posMask = same.bitwiseAnd(eye.bitwiseNot());
        Tensor hardestPos = dist.mul(posMask).max(1).values();
        Tensor hardestNeg = dist.maskedFill(same, Double.POSITIVE_INFINITY).min(1).values();
        return Functional.relu(hardestPos.sub(hardestNeg).add(margin)).mean();
    }

    static Sequential embedder() {
        return new Sequential(new Linear(6, 12), new ReLU(), new Linear(12, 4));
    }

    @Test
    void batchHardTripletMiningTrainsAnEmbedder() {
        Tensor x = e("trip.x");
        Tensor y = e("trip.y");
        Sequential init = PT.loaded(embedder(), "trip.init.", F64);
        try (GradMode off = Ember.noGrad()) {
            Tensor e0 = init.apply(x.select(0, 0));
            same(e("trip.pd0"), pairwiseDistances(e0, false), "pairwise distances");
            same(e("trip.pd0sq"), pairwiseDistances(e0, true), "squared pairwise distances");
            exact(e("trip.apmask"), anchorPositiveTripletMask(y), "anchor-positive mask");
        }
        List<Object[]> runs = List.of(
                new Object[] {"bh",
                    (BiFunction<Tensor, Tensor, Tensor>) (em, l) -> batchHardTripletLoss(l, em, 1.0, false)},
                new Object[] {"bhsq",
                    (BiFunction<Tensor, Tensor, Tensor>) (em, l) -> batchHardTripletLoss(l, em, 1.0, true)},
                new Object[] {"cd", (BiFunction<Tensor, Tensor, Tensor>) (em, l) -> batchHardCdist(em, l, 1.0)});
        for (Object[] run : runs) {
            String name = (String) run[0];
            @SuppressWarnings("unchecked")
            BiFunction<Tensor, Tensor, Tensor> fn = (BiFunction<Tensor, Tensor, Tensor>) run[1];
            Sequential model = PT.loaded(embedder(), "trip.init.", F64);
            // distances are invariant to a translation of the embeddings: the last bias's gradient is rounding noise
            Map<String, int[]> noise = Map.of("2.bias", new int[] {0, 4});
            String prefix = "trip." + name + ".";
            new OutsiderTraining(PT, prefix, model, new Adam(model.parameters(), 0.05), 3, step -> {
                Tensor em = model.apply(x.select(0, step));
                return new Object[] {em, fn.apply(em, y)};
            }).first(o -> assertNamedNoise(prefix + "grad0.", null, model, true, noise, 0, 1, prefix + " gradient"))
                    .checkGrads(false).checkFinal(false).run();
            assertNamedNoise(prefix + "final.", null, model, false, noise, 3 * 0.05 * 1e-5, 1,
                    prefix + " parameters after 3 steps");
        }
    }

    // ------------------------------------------------------------------ 2. wav2vec2's Gumbel vector quantizer

    /** F.gumbel_softmax's source with its exponential draw written as -log(U) from fixed uniforms. */
    static Tensor gumbelSoftmaxFromUniforms(Tensor logits, Tensor u, double tau, boolean hard, int dim) {
        Tensor gumbels = u.log().neg().log().neg();
        gumbels = logits.add(gumbels).div(tau);
        Tensor ySoft = gumbels.softmax(dim);
        if (hard) {
            Tensor index = ySoft.max(dim, true).indices();
            Tensor yHard = logits.zerosLike().scatter_(dim, index, 1.0);
            return yHard.sub(ySoft.detach()).add(ySoft);
        }
        return ySoft;
    }

    static final class GumbelVectorQuantizer extends Container {
        final int numGroups;
        final int numVars;
        final Linear weightProj;
        final double temperature = 2;

        GumbelVectorQuantizer(int convDim, int codevectorDim, int numGroups, int numVars) {
            this.numGroups = numGroups;
            this.numVars = numVars;
            registerParameter("codevectors", Tensor.rand(1, numGroups * numVars, codevectorDim / numGroups));
            weightProj = registerModule("weight_proj", new Linear(convDim, numGroups * numVars));
        }

        static Tensor computePerplexity(Tensor probs, Tensor mask) {
            Tensor marginalProbs;
            if (mask != null) {
                Tensor maskExtended = mask.flatten().index(Index.all(), Index.newAxis(), Index.newAxis())
                        .expand(probs.shape());
                probs = Tensor.where(maskExtended, probs, probs.zerosLike());
                marginalProbs = probs.sum(0).div(mask.sum());
            } else {
                marginalProbs = probs.mean(0);
            }
            return marginalProbs.mul(marginalProbs.add(1e-7).log()).sum(-1).neg().exp().sum();
        }

        Tensor[] forward(Tensor hiddenStates, Tensor noise, Tensor maskTimeIndices) {
            int batchSize = hiddenStates.size(0);
            int sequenceLength = hiddenStates.size(1);
            hiddenStates = weightProj.apply(hiddenStates);
            hiddenStates = hiddenStates.view(batchSize * sequenceLength * numGroups, -1);
            Tensor codevectorProbs;
            Tensor perplexity;
            if (isTraining()) {
                codevectorProbs = gumbelSoftmaxFromUniforms(hiddenStates, noise, temperature, true, -1);
                Tensor codevectorSoftDist = hiddenStates.view(batchSize * sequenceLength, numGroups, -1).softmax(-1);
                perplexity = computePerplexity(codevectorSoftDist, maskTimeIndices);
            } else {
                Tensor codevectorIdx = hiddenStates.argmax(-1);
                codevectorProbs = hiddenStates.newZeros(hiddenStates.shape())
                        .scatter_(-1, codevectorIdx.view(-1, 1), 1.0);
                codevectorProbs = codevectorProbs.view(batchSize * sequenceLength, numGroups, -1);
                perplexity = computePerplexity(codevectorProbs, maskTimeIndices);
            }
            codevectorProbs = codevectorProbs.view(batchSize * sequenceLength, -1);
            Tensor codevectorsPerGroup = codevectorProbs.unsqueeze(-1).mul(param("codevectors"));
            Tensor codevectors = codevectorsPerGroup.view(batchSize * sequenceLength, numGroups, numVars, -1);
            codevectors = codevectors.sum(-2).view(batchSize, sequenceLength, -1);
            return new Tensor[] {codevectors, perplexity};
        }
    }

    @Test
    void wav2vec2GumbelQuantizerWithDiversityLoss() {
        int groups = 2;
        int vars = 5;
        Tensor h = e("gvq.h");
        Tensor u = e("gvq.u");
        Tensor t = e("gvq.t");
        Tensor mask = e("gvq.mask");
        GumbelVectorQuantizer gvq = PT.loaded(new GumbelVectorQuantizer(6, 8, groups, vars), "gvq.init.", F64);
        gvq.train();
        new OutsiderTraining(PT, "gvq.", gvq, new Adam(gvq.parameters(), 0.05), 3, step -> {
            Tensor[] qp = gvq.forward(h.select(0, step), u.select(0, step), mask);
            int numCodevectors = groups * vars;
            Tensor diversityLoss = qp[1].rsub(numCodevectors).div(numCodevectors).mul(mask.sum());
            Tensor loss = Functional.mseLoss(qp[0], t.select(0, step)).add(diversityLoss.mul(0.1));
            if (step == 0) {
                same(e("gvq.perplexity0"), qp[1], "perplexity");
                same(e("gvq.div0"), diversityLoss, "diversity loss");
            }
            return new Object[] {qp[0], loss};
        }).first(q -> same(e("gvq.q0"), (Tensor) q, "quantized vectors")).run();
        try (GradMode off = Ember.noGrad()) {
            Tensor[] qp = gvq.forward(h.select(0, 0), u.select(0, 0), null);
            same(e("gvq.nomask.q"), qp[0], "quantized vectors (no time mask)");
            same(e("gvq.nomask.perplexity"), qp[1], "perplexity (no time mask)");
            gvq.eval();
            qp = gvq.forward(h.select(0, 0), null, mask);
            same(e("gvq.eval.q"), qp[0], "eval quantized vectors");
            same(e("gvq.eval.perplexity"), qp[1], "eval perplexity");
        }
    }

    static Tensor computeContrastiveLogits(Tensor targetFeatures, Tensor negativeFeatures, Tensor predictedFeatures,
                                           double temperature) {
        targetFeatures = Tensor.cat(List.of(targetFeatures, negativeFeatures), 0);
        Tensor logits = Tensor.cosineSimilarity(predictedFeatures, targetFeatures, -1, 1e-8);
        return logits.div(temperature);
    }

    /** Wav2Vec2ForPreTraining's loss around the quantizer, a Linear + GELU standing in for the transformer. */
    static final class TinyWav2Vec2ForPreTraining extends Container {
        final Linear featureProjection;
        final Sequential encoder;
        final GumbelVectorQuantizer quantizer;
        final Linear projectHid;
        final Linear projectQ;

        TinyWav2Vec2ForPreTraining() {
            registerParameter("masked_spec_embed", Tensor.rand(8));
            featureProjection = registerModule("feature_projection", new Linear(6, 8));
            encoder = registerModule("encoder", new Sequential(new Linear(8, 8), new GELU()));
            quantizer = registerModule("quantizer", new GumbelVectorQuantizer(6, 8, 2, 5));
            projectHid = registerModule("project_hid", new Linear(8, 5));
            projectQ = registerModule("project_q", new Linear(8, 5));
        }

        /** loss, logits, neg_is_pos, the contrastive and the diversity loss. */
        Tensor[] forward(Tensor extractFeatures, Tensor noise, Tensor maskTimeIndices, Tensor sampledNegativeIndices) {
            Tensor hiddenStates = featureProjection.apply(extractFeatures);
            hiddenStates.indexPut_(new Index[] {Index.of(maskTimeIndices)},
                    param("masked_spec_embed").to(hiddenStates.dtype()), false); // _mask_hidden_states
            Tensor transformerFeatures = projectHid.apply(encoder.apply(hiddenStates));
            Tensor[] qp = quantizer.forward(extractFeatures, noise, maskTimeIndices);
            Tensor quantizedFeatures = qp[0].to(projectQ.weight().dtype());
            quantizedFeatures = projectQ.apply(quantizedFeatures);
            int batchSize = quantizedFeatures.size(0);
            int sequenceLength = quantizedFeatures.size(1);
            int hiddenSize = quantizedFeatures.size(2);
            Tensor negativeQuantizedFeatures = quantizedFeatures.view(-1, hiddenSize)
                    .index(Index.of(sampledNegativeIndices.to(DType.INT64).view(-1)));
            negativeQuantizedFeatures = negativeQuantizedFeatures.view(batchSize, sequenceLength, -1, hiddenSize)
                    .permute(2, 0, 1, 3);
            Tensor logits = computeContrastiveLogits(quantizedFeatures.index(Index.newAxis(), Index.all()),
                    negativeQuantizedFeatures, transformerFeatures, 0.1);
            Tensor negIsPos = quantizedFeatures.eq(negativeQuantizedFeatures).all(-1);
            if (negIsPos.any()) {
                logits.index(Index.slice(1, null, null)).indexPut_(new Index[] {Index.of(negIsPos)},
                        Double.NEGATIVE_INFINITY, false);
            }
            logits = logits.transpose(0, 2).reshape(-1, logits.size(0));
            Tensor target = maskTimeIndices.to(DType.INT64).rsub(1L).mul(-100L).transpose(0, 1).flatten();
            Tensor contrastiveLoss = Functional.crossEntropy(logits, target, null, "sum", -100, 0.0);
            int numCodevectors = 5 * 2;
            Tensor diversityLoss = qp[1].rsub(numCodevectors).div(numCodevectors).mul(maskTimeIndices.sum());
            Tensor loss = contrastiveLoss.add(diversityLoss.mul(0.1));
            return new Tensor[] {loss, logits, negIsPos, contrastiveLoss, diversityLoss};
        }
    }

    @Test
    void wav2vec2PretrainingContrastiveLossWithMaskedNegatives() {
        Tensor f = e("w2v.f");
        Tensor u = e("w2v.u");
        Tensor mask = e("w2v.mask");
        Tensor neg = e("w2v.neg");
        TinyWav2Vec2ForPreTraining w2v = PT.loaded(new TinyWav2Vec2ForPreTraining(), "w2v.init.", F64);
        w2v.train();
        new OutsiderTraining(PT, "w2v.", w2v, new Adam(w2v.parameters(), 0.02), 3, step -> {
            Tensor[] r = w2v.forward(f.select(0, step), u.select(0, step), mask, neg.select(0, step));
            exact(e("w2v.neg_is_pos" + step), r[2], "neg_is_pos at step " + step);
            if (step == 0) {
                same(e("w2v.contrastive0"), r[3], "contrastive loss");
                same(e("w2v.diversity0"), r[4], "diversity loss");
            }
            return new Object[] {r[1], r[0]};
        }).first(o -> {
            Tensor want = e("w2v.logits0");
            Tensor got = (Tensor) o;
            // the -inf entries where they are, the rest at the base tolerance
            exact(want.isinf(), got.isinf(), "the logits masked to -inf");
            same(want.maskedFill(want.isinf(), 0.0), got.maskedFill(got.isinf(), 0.0), "contrastive logits");
        }).run();

        // the first step again in float32 (the twin time steps still quantize alike)
        TinyWav2Vec2ForPreTraining w32 = PT.loaded(new TinyWav2Vec2ForPreTraining(), "w2v.init.", F32);
        w32.train();
        Tensor[] r = w32.forward(f.select(0, 0).to(F32), u.select(0, 0).to(F32), mask, neg.select(0, 0));
        exact(e("w2v.neg_is_pos0"), r[2], "float32 neg_is_pos");
        r[0].backward();
        same(e("f32.w2v.loss"), r[0], "wav2vec2 float32 loss");
        PT.assertNamed("f32.w2v.grad.", w32, true, 1, "wav2vec2 float32 gradient");
    }

    // ------------------------------------------------------------------ 6. T5 (Hugging Face's modeling_t5)

    static final int T5_VOCAB = 16;
    static final int T5_D_MODEL = 8;
    static final int T5_D_KV = 4;
    static final int T5_D_FF = 16;
    static final int T5_HEADS = 2;
    static final int T5_LAYERS = 2;
    static final int T5_BUCKETS = 8;
    static final int T5_MAX_DISTANCE = 16;
    static final double T5_EPS = 1e-6;

    /**
     * Whether HF's float32 casts are applied: everywhere but in the float64 program, where the generator drops them
     * (they would round down); in float32 they are no-ops.
     */
    static boolean hfCasts(Tensor t) {
        return t.dtype() != F64;
    }

    /** T5LayerNorm: the root mean square over the last dim, the variance in float32 as HF computes it. */
    static final class T5LayerNorm extends Module {
        final double varianceEpsilon;

        T5LayerNorm(int hiddenSize, double eps) {
            registerParameter("weight", Tensor.ones(hiddenSize));
            varianceEpsilon = eps;
        }

        @Override
        public Tensor forward(Tensor hiddenStates) {
            Tensor variance = (hfCasts(hiddenStates) ? hiddenStates.to(F32) : hiddenStates).pow(2).mean(-1, true);
            hiddenStates = hiddenStates.mul(variance.add(varianceEpsilon).rsqrt());
            DType weightType = parameter("weight").dtype();
            if (weightType == DType.FLOAT16 || weightType == DType.BFLOAT16) {
                hiddenStates = hiddenStates.to(weightType);
            }
            return parameter("weight").mul(hiddenStates);
        }
    }

    static final class T5DenseActDense extends Module {
        final Linear wi = registerModule("wi", new Linear(T5_D_MODEL, T5_D_FF, false));
        final Linear wo = registerModule("wo", new Linear(T5_D_FF, T5_D_MODEL, false));
        final Dropout dropout = registerModule("dropout", new Dropout(0.0));
        final ReLU act = registerModule("act", new ReLU());

        @Override
        public Tensor forward(Tensor hiddenStates) {
            hiddenStates = wi.apply(hiddenStates);
            hiddenStates = act.apply(hiddenStates);
            hiddenStates = dropout.apply(hiddenStates);
            return wo.apply(hiddenStates);
        }
    }

    static final class T5LayerFF extends Module {
        final T5DenseActDense denseReluDense = registerModule("DenseReluDense", new T5DenseActDense());
        final T5LayerNorm layerNorm = registerModule("layer_norm", new T5LayerNorm(T5_D_MODEL, T5_EPS));
        final Dropout dropout = registerModule("dropout", new Dropout(0.0));

        @Override
        public Tensor forward(Tensor hiddenStates) {
            Tensor forwardedStates = layerNorm.apply(hiddenStates);
            forwardedStates = denseReluDense.apply(forwardedStates);
            return hiddenStates.add(dropout.apply(forwardedStates));
        }
    }

    static Tensor relativePositionBucket(Tensor relativePosition, boolean bidirectional, int numBuckets,
                                        int maxDistance) {
        Tensor relativeBuckets = null; // Python's int 0 until the first +=
        if (bidirectional) {
            numBuckets /= 2;
            relativeBuckets = relativePosition.gt(0L).to(DType.INT64).mul((long) numBuckets);
            relativePosition = relativePosition.abs();
        } else {
            relativePosition = relativePosition.min(relativePosition.zerosLike()).neg();
        }
        int maxExact = numBuckets / 2;
        Tensor isSmall = relativePosition.lt((long) maxExact);
        Tensor relativePositionIfLarge = relativePosition.to(F32).div((long) maxExact).log()
                .div(Math.log((double) maxDistance / maxExact)).mul((long) (numBuckets - maxExact)).to(DType.INT64)
                .add((long) maxExact);
        relativePositionIfLarge = relativePositionIfLarge.min(relativePositionIfLarge.fullLike((long) numBuckets - 1));
        Tensor picked = Tensor.where(isSmall, relativePosition, relativePositionIfLarge);
        return relativeBuckets == null ? picked : relativeBuckets.add(picked);
    }

    static final class T5Attention extends Container {
        final boolean isDecoder;
        final boolean hasRelativeAttentionBias;
        final int innerDim = T5_HEADS * T5_D_KV;
        final Linear q = registerModule("q", new Linear(T5_D_MODEL, innerDim, false));
        final Linear k = registerModule("k", new Linear(T5_D_MODEL, innerDim, false));
        final Linear v = registerModule("v", new Linear(T5_D_MODEL, innerDim, false));
        final Linear o = registerModule("o", new Linear(innerDim, T5_D_MODEL, false));
        final Embedding relativeAttentionBias;

        T5Attention(boolean isDecoder, boolean hasRelativeAttentionBias) {
            this.isDecoder = isDecoder;
            this.hasRelativeAttentionBias = hasRelativeAttentionBias;
            relativeAttentionBias = hasRelativeAttentionBias
                    ? registerModule("relative_attention_bias", new Embedding(T5_BUCKETS, T5_HEADS)) : null;
        }

        Tensor computeBias(int queryLength, int keyLength) {
            Tensor contextPosition = Tensor.arange(queryLength, DType.INT64).index(Index.all(), Index.newAxis());
            Tensor memoryPosition = Tensor.arange(keyLength, DType.INT64).index(Index.newAxis(), Index.all());
            Tensor relativePosition = memoryPosition.sub(contextPosition); // (query_length, key_length)
            Tensor relativePositionBucket = relativePositionBucket(relativePosition, !isDecoder, T5_BUCKETS,
                    T5_MAX_DISTANCE);
            Tensor values = relativeAttentionBias.apply(relativePositionBucket); // (query_length, key_length, n_heads)
            return values.permute(2, 0, 1).unsqueeze(0); // (1, n_heads, query_length, key_length)
        }

        /** attn_output and position_bias. */
        Tensor[] forward(Tensor hiddenStates, Tensor mask, Tensor keyValueStates, Tensor positionBias) {
            int batchSize = hiddenStates.size(0);
            int realSeqLength = hiddenStates.size(1);
            int keyLength = keyValueStates == null ? realSeqLength : keyValueStates.size(1);
            java.util.function.UnaryOperator<Tensor> shape =
                states -> states.view(batchSize, -1, T5_HEADS, T5_D_KV).transpose(1, 2);
            Tensor queryStates = shape.apply(q.apply(hiddenStates));
            Tensor keyStates = shape.apply(k.apply(keyValueStates == null ? hiddenStates : keyValueStates));
            Tensor valueStates = shape.apply(v.apply(keyValueStates == null ? hiddenStates : keyValueStates));
            Tensor scores = queryStates.matmul(keyStates.transpose(3, 2));
            if (positionBias == null) {
                if (!hasRelativeAttentionBias) {
                    positionBias = Tensor.zeros(scores.dtype(), 1, T5_HEADS, realSeqLength, keyLength);
                } else {
                    positionBias = computeBias(realSeqLength, keyLength);
                }
                if (mask != null) {
                    positionBias = positionBias.add(mask); // (batch_size, n_heads, seq_length, key_length)
                }
            }
            scores.add_(positionBias); // scores += position_bias_masked
            Tensor attnWeights = hfCasts(scores) ? Functional.softmax(scores.to(F32), -1).to(scores.dtype())
                    : Functional.softmax(scores, -1);
            attnWeights = Functional.dropout(attnWeights, 0.0, isTraining());
            Tensor attnOutput = attnWeights.matmul(valueStates).transpose(1, 2).contiguous()
                    .view(batchSize, -1, innerDim);
            return new Tensor[] {o.apply(attnOutput), positionBias};
        }
    }

    /** T5LayerSelfAttention (SelfAttention) or T5LayerCrossAttention (EncDecAttention). */
    static final class T5LayerAttention extends Container {
        final T5Attention attention;
        final T5LayerNorm layerNorm;
        final Dropout dropout;

        T5LayerAttention(String name, boolean isDecoder, boolean hasRelativeAttentionBias) {
            attention = registerModule(name, new T5Attention(isDecoder, hasRelativeAttentionBias));
            layerNorm = registerModule("layer_norm", new T5LayerNorm(T5_D_MODEL, T5_EPS));
            dropout = registerModule("dropout", new Dropout(0.0));
        }

        Tensor[] forward(Tensor hiddenStates, Tensor keyValueStates, Tensor attentionMask, Tensor positionBias) {
            Tensor normedHiddenStates = layerNorm.apply(hiddenStates);
            Tensor[] attentionOutput = attention.forward(normedHiddenStates, attentionMask, keyValueStates,
                    positionBias);
            return new Tensor[] {hiddenStates.add(dropout.apply(attentionOutput[0])), attentionOutput[1]};
        }
    }

    static final class T5Block extends Container {
        final boolean isDecoder;
        final ModuleList<Module> layer = registerModule("layer", new ModuleList<>());

        T5Block(boolean isDecoder, boolean hasRelativeAttentionBias) {
            this.isDecoder = isDecoder;
            layer.add(new T5LayerAttention("SelfAttention", isDecoder, hasRelativeAttentionBias));
            if (isDecoder) {
                layer.add(new T5LayerAttention("EncDecAttention", isDecoder, false));
            }
            layer.add(new T5LayerFF());
        }

        /** hidden_states, position_bias and (decoder) encoder_decoder_position_bias. */
        Tensor[] forward(Tensor hiddenStates, Tensor attentionMask, Tensor positionBias, Tensor encoderHiddenStates,
                         Tensor encoderAttentionMask, Tensor encoderDecoderPositionBias) {
            Tensor[] selfAttentionOutputs = ((T5LayerAttention) layer.get(0)).forward(hiddenStates, null,
                    attentionMask, positionBias);
            hiddenStates = selfAttentionOutputs[0];
            Tensor crossBias = null;
            if (isDecoder && encoderHiddenStates != null) {
                Tensor[] crossAttentionOutputs = ((T5LayerAttention) layer.get(1)).forward(hiddenStates,
                        encoderHiddenStates, encoderAttentionMask, encoderDecoderPositionBias);
                hiddenStates = crossAttentionOutputs[0];
                crossBias = crossAttentionOutputs[1];
            }
            hiddenStates = layer.get(layer.size() - 1).apply(hiddenStates);
            return new Tensor[] {hiddenStates, selfAttentionOutputs[1], crossBias};
        }
    }

    static final class T5Stack extends Container {
        final Embedding embedTokens;
        final boolean isDecoder;
        final ModuleList<T5Block> block = registerModule("block", new ModuleList<>());
        final T5LayerNorm finalLayerNorm;
        final Dropout dropout;

        T5Stack(boolean isDecoder, Embedding embedTokens) {
            this.embedTokens = registerModule("embed_tokens", embedTokens);
            this.isDecoder = isDecoder;
            for (int i = 0; i < T5_LAYERS; i++) {
                block.add(new T5Block(isDecoder, i == 0));
            }
            finalLayerNorm = registerModule("final_layer_norm", new T5LayerNorm(T5_D_MODEL, T5_EPS));
            dropout = registerModule("dropout", new Dropout(0.0));
        }

        Tensor getExtendedAttentionMask(Tensor attentionMask, int[] inputShape, DType dtype) {
            Tensor extendedAttentionMask;
            if (isDecoder) { // create_extended_attention_mask_for_decoder
                int batchSize = inputShape[0];
                int seqLength = inputShape[1];
                Tensor seqIds = Tensor.arange(seqLength);
                Tensor causalMask = seqIds.index(Index.newAxis(), Index.newAxis(), Index.all())
                        .repeat(batchSize, seqLength, 1)
                        .le(seqIds.index(Index.newAxis(), Index.all(), Index.newAxis()));
                causalMask = causalMask.to(attentionMask.dtype());
                extendedAttentionMask = causalMask.index(Index.all(), Index.newAxis(), Index.all(), Index.all())
                        .mul(attentionMask.index(Index.all(), Index.newAxis(), Index.newAxis(), Index.all()));
            } else {
                extendedAttentionMask = attentionMask.index(Index.all(), Index.newAxis(), Index.newAxis(), Index.all());
            }
            extendedAttentionMask = extendedAttentionMask.to(dtype);
            return extendedAttentionMask.rsub(1.0).mul(Tensor.finfo(dtype).min());
        }

        Tensor invertAttentionMask(Tensor encoderAttentionMask, DType dtype) {
            Tensor ext = encoderAttentionMask.index(Index.all(), Index.newAxis(), Index.newAxis(), Index.all())
                    .to(dtype);
            return ext.rsub(1.0).mul(Tensor.finfo(dtype).min());
        }

        Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor encoderHiddenStates, Tensor encoderAttentionMask) {
            int[] inputShape = inputIds.shape();
            inputIds = inputIds.view(-1, inputShape[inputShape.length - 1]);
            Tensor inputsEmbeds = embedTokens.apply(inputIds);
            if (attentionMask == null) {
                attentionMask = Tensor.ones(F64, inputShape[0], inputShape[1]); // torch.ones in the default float64
            }
            Tensor extendedAttentionMask = getExtendedAttentionMask(attentionMask, inputShape, inputsEmbeds.dtype());
            Tensor encoderExtendedAttentionMask = isDecoder && encoderHiddenStates != null
                    ? invertAttentionMask(encoderAttentionMask, inputsEmbeds.dtype()) : null;
            Tensor positionBias = null;
            Tensor encoderDecoderPositionBias = null;
            Tensor hiddenStates = dropout.apply(inputsEmbeds);
            for (T5Block layerModule : block) {
                Tensor[] layerOutputs = layerModule.forward(hiddenStates, extendedAttentionMask, positionBias,
                        encoderHiddenStates, encoderExtendedAttentionMask, encoderDecoderPositionBias);
                hiddenStates = layerOutputs[0];
                positionBias = layerOutputs[1];
                if (isDecoder && encoderHiddenStates != null) {
                    encoderDecoderPositionBias = layerOutputs[2];
                }
            }
            hiddenStates = finalLayerNorm.apply(hiddenStates);
            return dropout.apply(hiddenStates);
        }
    }

    static final class T5ForConditionalGeneration extends Container {
        final Embedding shared = registerModule("shared", new Embedding(T5_VOCAB, T5_D_MODEL));
        final T5Stack encoder = registerModule("encoder", new T5Stack(false, shared));
        final T5Stack decoder = registerModule("decoder", new T5Stack(true, shared));
        final Linear lmHead = registerModule("lm_head", new Linear(T5_D_MODEL, T5_VOCAB, false));

        T5ForConditionalGeneration() {
            lmHead.setParameter("weight", shared.weight()); // tie_word_embeddings
        }

        static Tensor shiftRight(Tensor inputIds) {
            Tensor shiftedInputIds = inputIds.newZeros(inputIds.shape());
            shiftedInputIds.indexPut_(new Index[] {Index.ellipsis(), Index.slice(1, null, null)},
                    inputIds.index(Index.ellipsis(), Index.slice(null, -1, null)).clone(), false);
            shiftedInputIds.indexPut_(new Index[] {Index.ellipsis(), Index.of(0)}, 0L, false); // decoder_start_token_id
            shiftedInputIds.maskedFill_(shiftedInputIds.eq(-100L), 0L); // pad_token_id
            return shiftedInputIds;
        }

        /** loss, lm_logits, decoder_input_ids. */
        Tensor[] forward(Tensor inputIds, Tensor attentionMask, Tensor labels) {
            Tensor hiddenStates = encoder.forward(inputIds, attentionMask, null, null);
            Tensor decoderInputIds = shiftRight(labels);
            Tensor sequenceOutput = decoder.forward(decoderInputIds, null, hiddenStates, attentionMask);
            sequenceOutput = sequenceOutput.mul(Math.pow(T5_D_MODEL, -0.5)); // tie_word_embeddings
            Tensor lmLogits = lmHead.apply(sequenceOutput);
            Tensor loss = Functional.crossEntropy(lmLogits.view(-1, lmLogits.size(-1)), labels.view(-1), -100L);
            return new Tensor[] {loss, lmLogits, decoderInputIds};
        }
    }

    /**
     * bfloat16 against PyTorch's bfloat16 run {@code want}: the same type and shape, and values no further from it than
     * twice PyTorch's own bfloat16 error (its distance from the float64 run {@code exact}) or 0.05 of the largest
     * magnitude, whichever is larger (8 bits, rounded at every op in another order; measured at most 0.025).
     */
    static void closeBf16(Tensor want, Tensor exact, Tensor got, String what) {
        assertEquals(want.dtype(), got.dtype(), what + " dtype");
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        double scale = want.to(F64).abs().max().item();
        double own = want.to(F64).sub(exact.to(F64)).abs().max().item();
        double worst = want.to(F64).sub(got.detach().to(F64)).abs().max().item();
        assertTrue(worst <= Math.max(2 * own, 0.05 * scale), what + ": " + worst + " (PyTorch's own " + own + ")");
    }

    @Test
    void t5ForConditionalGenerationTrainingStep() {
        Tensor ids = e("t5.ids");
        Tensor am = e("t5.am");
        Tensor labels = e("t5.labels");
        Tensor enc = Tensor.arange(7, DType.INT64);
        exact(e("t5.bucket_enc"), relativePositionBucket(enc.index(Index.newAxis(), Index.all())
                .sub(enc.index(Index.all(), Index.newAxis())), true, T5_BUCKETS, T5_MAX_DISTANCE), "encoder buckets");
        Tensor dec = Tensor.arange(6, DType.INT64);
        exact(e("t5.bucket_dec"), relativePositionBucket(dec.index(Index.newAxis(), Index.all())
                .sub(dec.index(Index.all(), Index.newAxis())), false, T5_BUCKETS, T5_MAX_DISTANCE), "decoder buckets");
        // relative positions -600..600 for five sizes, through the log buckets and the clamp to num_buckets - 1
        Tensor wide = Tensor.arange(-600L, 601L);
        for (int[] nm : new int[][] {{32, 128}, {64, 256}, {16, 64}, {8, 16}, {128, 512}}) {
            for (boolean bi : new boolean[] {true, false}) {
                String key = "t5.wide." + nm[0] + "." + nm[1] + (bi ? ".bi" : ".uni");
                Tensor want = e(key).to(DType.INT64);
                Tensor got = relativePositionBucket(wide, bi, nm[0], nm[1]);
                assertEquals(DType.INT64, got.dtype(), key + " dtype");
                exact(want, got, key);
            }
        }
        T5ForConditionalGeneration t5 = PT.loaded(new T5ForConditionalGeneration(), "t5.init.", F64);
        assertTrue(t5.lmHead.weight() == t5.shared.weight(), "lm_head tied to the shared embedding");
        new OutsiderTraining(PT, "t5.", t5, new AdamW(t5.parameters(), 0.02, 0.9, 0.999, 1e-8, 0.01, false), 3,
                step -> {
                    Tensor[] r = t5.forward(ids.select(0, step), am, labels.select(0, step));
                    if (step == 0) {
                        exact(e("t5.dec_ids0"), r[2], "_shift_right");
                    }
                    return new Object[] {r[1], r[0]};
                }).first(o -> same(e("t5.logits0"), (Tensor) o, "T5 logits")).run();

        // the first step again in float32
        T5ForConditionalGeneration t32 = PT.loaded(new T5ForConditionalGeneration(), "t5.init.", F32);
        Tensor loss = t32.forward(ids.select(0, 0), am, labels.select(0, 0))[0];
        loss.backward();
        same(e("f32.t5.loss"), loss, "T5 float32 loss");
        PT.assertNamed("f32.t5.grad.", t32, true, 1, "T5 float32 gradient");

        // the first step in bfloat16 with HF's casts: types as PyTorch's exactly, values to a bfloat16 tolerance
        T5ForConditionalGeneration tb = PT.loaded(new T5ForConditionalGeneration(), "t5.init.", DType.BFLOAT16);
        Tensor[] rb = tb.forward(ids.select(0, 0), am, labels.select(0, 0));
        rb[0].backward();
        closeBf16(e("bf16.t5.loss"), e("t5.loss").select(0, 0), rb[0], "T5 bfloat16 loss");
        closeBf16(e("bf16.t5.logits"), e("t5.logits0"), rb[1], "T5 bfloat16 logits");
        Map<String, Tensor> named = tb.namedParameters();
        for (Map.Entry<String, Tensor> p : named.entrySet()) {
            closeBf16(e("bf16.t5.grad." + p.getKey()), e("t5.grad0." + p.getKey()), p.getValue().grad(),
                    "T5 bfloat16 gradient " + p.getKey());
        }
        assertEquals(PT.under("bf16.t5.grad.").size(), named.size(), "T5 bfloat16 gradient names");
    }

    // ------------------------------------------------------------------ 7. the recipes' misuses

    /** The line {@code key} of texts17.txt (key, a tab, PyTorch's message). */
    private static String text(String key) {
        try {
            for (String line : java.nio.file.Files.readAllLines(PT.resource("texts17.txt"))) {
                int tab = line.indexOf('\t');
                if (line.substring(0, tab).equals(key)) {
                    return line.substring(tab + 1);
                }
            }
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
        throw new AssertionError("no " + key + " in texts17.txt");
    }

    /** {@code op} fails with PyTorch's message {@code key}, leaving {@code target} (null: none) as it was. */
    private static void refused(String key, Tensor target, org.junit.jupiter.api.function.Executable op) {
        Tensor before = target == null ? null : target.detach().clone();
        RuntimeException ex = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, op, key);
        assertEquals(text(key), ex.getMessage(), key);
        if (target != null) {
            assertArrayEquals(before.shape(), target.shape(), key + ": shape unchanged");
            assertTrue(before.equal(target.detach()), key + ": values unchanged");
        }
    }

    @Test
    void recipeMisusesFailWithPyTorchsMessagesAndChangeNothing() {
        Tensor leaf = Tensor.rand(F64, 1, 2, 6, 6).requiresGrad_(true);
        Tensor scores = leaf.mul(2.0);
        refused("add_", scores, () -> scores.add_(Tensor.zeros(F64, 2, 2, 6, 6)));
        refused("view", null, () -> windowPartition(Tensor.zeros(F64, 2, 5, 6, 8), 3));
        refused("cdist", null, () -> Tensor.zeros(F64, 4, 3).cdist(Tensor.zeros(F64, 5, 4), 2));
        Tensor logits = Tensor.rand(F64, 4, 2, 5).requiresGrad_(true).mul(1.0);
        refused("mask_view", logits, () -> logits.index(Index.slice(1, null, null)).indexPut_(
                new Index[] {Index.of(Tensor.zeros(DType.BOOL, 3, 2, 4))}, Double.NEGATIVE_INFINITY, false));
        Tensor hidden = Tensor.rand(F64, 2, 5, 8);
        Tensor timeMask = Tensor.tensor(new boolean[][] {{true, false, true, false, true},
            {true, false, false, false, true}});
        refused("mask_value", hidden, () -> hidden.indexPut_(new Index[] {Index.of(timeMask)}, Tensor.zeros(F64, 7),
                false));
        refused("broadcast", null, () -> Tensor.ones(F64, 4).index(Index.all(), Index.newAxis(), Index.newAxis())
                .mul(Tensor.zeros(F64, 2, 3, 4, 4)));
        Tensor distances = Tensor.rand(F64, 4, 4);
        refused("mask_shape", distances, () -> distances.indexPut_(
                new Index[] {Index.of(Tensor.zeros(DType.BOOL, 4, 3))}, 0.0, false));
        Tensor probs = Tensor.zeros(F64, 10, 5);
        refused("scatter", probs, () -> probs.scatter_(-1, Tensor.full(DType.INT64, 5L, 10, 1), 1.0));
        refused("target", null, () -> Functional.crossEntropy(Tensor.zeros(F64, 6, 4),
                Tensor.tensor(new long[] {0, 1, 2, 3, 4, -100}), -100L));
        refused("roll", null, () -> Tensor.zeros(F64, 2, 3).roll(new int[] {1, 1}, new int[] {0}));
    }

    // ------------------------------------------------------------------ 6b. Wav2Vec2's front end

    static final int[] W2V_CONV_DIM = {4, 6};
    static final int[] W2V_CONV_KERNEL = {5, 3};
    static final int[] W2V_CONV_STRIDE = {3, 2};
    static final int W2V_HIDDEN = 8;
    static final int W2V_POS_K = 4;
    static final int W2V_POS_GROUPS = 2;

    static Conv1d w2vConv(int layerId) {
        int in = layerId > 0 ? W2V_CONV_DIM[layerId - 1] : 1;
        return new Conv1d(in, W2V_CONV_DIM[layerId], new int[] {W2V_CONV_KERNEL[layerId]},
                new int[] {W2V_CONV_STRIDE[layerId]}, new int[] {0}, new int[] {1}, 1, false);
    }

    /** Wav2Vec2GroupNormConvLayer (with the GroupNorm) or Wav2Vec2NoLayerNormConvLayer. */
    static final class Wav2Vec2ConvLayer extends Module {
        final Conv1d conv;
        final GELU activation;
        final GroupNorm layerNorm;

        Wav2Vec2ConvLayer(int layerId, boolean groupNorm) {
            conv = registerModule("conv", w2vConv(layerId));
            activation = registerModule("activation", new GELU());
            int out = W2V_CONV_DIM[layerId];
            layerNorm = groupNorm ? registerModule("layer_norm", new GroupNorm(out, out, 1e-5, true)) : null;
        }

        @Override
        public Tensor forward(Tensor hiddenStates) {
            hiddenStates = conv.apply(hiddenStates);
            if (layerNorm != null) {
                hiddenStates = layerNorm.apply(hiddenStates);
            }
            return activation.apply(hiddenStates);
        }
    }

    static final class Wav2Vec2FeatureEncoder extends Module {
        final ModuleList<Wav2Vec2ConvLayer> convLayers = registerModule("conv_layers", new ModuleList<>());
        final boolean requiresGrad = true;
        Tensor inputView;

        Wav2Vec2FeatureEncoder() {
            convLayers.add(new Wav2Vec2ConvLayer(0, true));
            for (int i = 1; i < W2V_CONV_DIM.length; i++) {
                convLayers.add(new Wav2Vec2ConvLayer(i, false));
            }
        }

        @Override
        public Tensor forward(Tensor inputValues) {
            Tensor hiddenStates = inputValues.index(Index.all(), Index.newAxis());
            if (requiresGrad && isTraining()) {
                hiddenStates.requiresGrad_(true); // hidden_states.requires_grad = True
            }
            inputView = hiddenStates;
            for (Wav2Vec2ConvLayer convLayer : convLayers) {
                hiddenStates = convLayer.apply(hiddenStates);
            }
            return hiddenStates;
        }
    }

    static final class Wav2Vec2PositionalConvEmbedding extends Module {
        final Conv1d conv;
        final int numPadRemove = W2V_POS_K % 2 == 0 ? 1 : 0; // Wav2Vec2SamePadLayer
        final GELU activation;

        Wav2Vec2PositionalConvEmbedding() {
            Conv1d c = new Conv1d(W2V_HIDDEN, W2V_HIDDEN, new int[] {W2V_POS_K}, new int[] {1},
                    new int[] {W2V_POS_K / 2}, new int[] {1}, W2V_POS_GROUPS, true);
            conv = registerModule("conv", Parametrizations.weightNorm(c, "weight", 2));
            registerModule("padding", new Identity()); // Wav2Vec2SamePadLayer holds no state: the slice is below
            activation = registerModule("activation", new GELU());
        }

        @Override
        public Tensor forward(Tensor hiddenStates) {
            hiddenStates = hiddenStates.transpose(1, 2);
            hiddenStates = conv.apply(hiddenStates);
            if (numPadRemove > 0) {
                hiddenStates = hiddenStates.index(Index.all(), Index.all(), Index.slice(null, -numPadRemove, null));
            }
            hiddenStates = activation.apply(hiddenStates);
            return hiddenStates.transpose(1, 2);
        }
    }

    static final class Wav2Vec2FeatureProjection extends Container {
        final LayerNorm layerNorm = registerModule("layer_norm", new LayerNorm(new int[] {W2V_CONV_DIM[1]}, 1e-5,
                true, true));
        final Linear projection = registerModule("projection", new Linear(W2V_CONV_DIM[1], W2V_HIDDEN));
        final Dropout dropout = registerModule("dropout", new Dropout(0.0));

        /** hidden_states and norm_hidden_states. */
        Tensor[] forwardBoth(Tensor hiddenStates) {
            Tensor normHiddenStates = layerNorm.apply(hiddenStates);
            hiddenStates = projection.apply(normHiddenStates);
            hiddenStates = dropout.apply(hiddenStates);
            return new Tensor[] {hiddenStates, normHiddenStates};
        }
    }

    static final class TinyWav2Vec2FrameClassifier extends Module {
        final Wav2Vec2FeatureEncoder featureExtractor = registerModule("feature_extractor",
                new Wav2Vec2FeatureEncoder());
        final Wav2Vec2FeatureProjection featureProjection;
        final Wav2Vec2PositionalConvEmbedding posConvEmbed;
        final LayerNorm layerNorm;
        final Linear head;

        TinyWav2Vec2FrameClassifier() {
            featureProjection = registerModule("feature_projection", new Wav2Vec2FeatureProjection());
            posConvEmbed = registerModule("pos_conv_embed", new Wav2Vec2PositionalConvEmbedding());
            layerNorm = registerModule("layer_norm", new LayerNorm(W2V_HIDDEN));
            head = registerModule("head", new Linear(W2V_HIDDEN, 5));
        }

        @Override
        public Tensor forward(Tensor inputValues) {
            Tensor extractFeatures = featureExtractor.apply(inputValues);
            extractFeatures = extractFeatures.transpose(1, 2);
            Tensor hiddenStates = featureProjection.forwardBoth(extractFeatures)[0];
            Tensor positionEmbeddings = posConvEmbed.apply(hiddenStates); // Wav2Vec2Encoder.forward
            hiddenStates = hiddenStates.add(positionEmbeddings);
            hiddenStates = layerNorm.apply(hiddenStates);
            return head.apply(hiddenStates);
        }
    }

    @Test
    void wav2vec2FrontEndWithWeightNormOverDim2() {
        Tensor x = e("w2vfe.x");
        Tensor y = e("w2vfe.y");
        TinyWav2Vec2FrameClassifier fe = PT.loaded(new TinyWav2Vec2FrameClassifier(), "w2vfe.init.", F64);
        assertArrayEquals(new int[] {1, 1, W2V_POS_K},
                fe.getParameter("pos_conv_embed.conv.parametrizations.weight.original0").shape(),
                "weight_norm's g over dim 2");
        fe.train();
        new OutsiderTraining(PT, "w2vfe.", fe, new Adam(fe.parameters(), 0.02), 3, step -> {
            Tensor out = fe.apply(x.select(0, step));
            return new Object[] {out, Functional.crossEntropy(out.reshape(-1, 5), y.select(0, step).reshape(-1))};
        }).first(o -> {
            same(e("w2vfe.logits0"), (Tensor) o, "wav2vec2 front-end logits");
            Tensor g = fe.featureExtractor.inputView.grad();
            assertTrue(g != null, "the input view made to require grad gets a gradient");
            same(e("w2vfe.input_grad0"), g, "the input's gradient");
        }).run();

        // a checkpoint of the 1.x weight_norm (weight_g, weight_v: what HF saved under 1.x) loads into 2.x's
        // parametrization and gives the same first forward
        Map<String, Tensor> old = new java.util.LinkedHashMap<>();
        PT.under("w2vfe.init.").forEach((k, v) -> old.put(k.replace("parametrizations.weight.original0", "weight_g")
                .replace("parametrizations.weight.original1", "weight_v"), v));
        assertTrue(old.containsKey("pos_conv_embed.conv.weight_g"), "the old names");
        TinyWav2Vec2FrameClassifier fromOld = new TinyWav2Vec2FrameClassifier();
        fromOld.to(F64);
        fromOld.loadStateDict(old);
        fromOld.train();
        same(e("w2vfe.logits0"), fromOld.apply(x.select(0, 0)), "logits after loading weight_g/weight_v");
    }

    // ------------------------------------------------------------------ 3. ConvNeXt

    /** timm 0.4's drop_path, its torch.rand(shape) the next of {@code draws}. */
    static Tensor dropPath(Tensor x, double dropProb, boolean training, Deque<Tensor> draws) {
        if (dropProb == 0. || !training) {
            return x;
        }
        double keepProb = 1 - dropProb;
        int[] shape = new int[x.dim()];
        Arrays.fill(shape, 1);
        shape[0] = x.size(0);
        Tensor randomTensor = draws.removeFirst().view(shape).add(keepProb);
        randomTensor.floor_(); // binarize
        return x.div(keepProb).mul(randomTensor);
    }

    static final class DropPath extends Module {
        final double dropProb;
        final Deque<Tensor> draws;

        DropPath(double dropProb, Deque<Tensor> draws) {
            this.dropProb = dropProb;
            this.draws = draws;
        }

        @Override
        public Tensor forward(Tensor x) {
            return dropPath(x, dropProb, isTraining(), draws);
        }
    }

    /** ConvNeXt's LayerNorm: F.layer_norm for channels_last, mean and biased variance over dim 1 for channels_first. */
    static final class CnxLayerNorm extends Module {
        final double eps;
        final String dataFormat;
        final int[] normalizedShape;

        CnxLayerNorm(int normalizedShape, double eps, String dataFormat) {
            registerParameter("weight", Tensor.ones(normalizedShape));
            registerParameter("bias", Tensor.zeros(normalizedShape));
            this.eps = eps;
            this.dataFormat = dataFormat;
            if (!List.of("channels_last", "channels_first").contains(dataFormat)) {
                throw new UnsupportedOperationException();
            }
            this.normalizedShape = new int[] {normalizedShape};
        }

        @Override
        public Tensor forward(Tensor x) {
            if (dataFormat.equals("channels_last")) {
                return Functional.layerNorm(x, normalizedShape, parameter("weight"), parameter("bias"), eps);
            }
            Tensor u = x.mean(1, true);
            Tensor s = x.sub(u).pow(2).mean(1, true);
            x = x.sub(u).div(s.add(eps).sqrt());
            Index[] cf = {Index.all(), Index.newAxis(), Index.newAxis()};
            return parameter("weight").index(cf).mul(x).add(parameter("bias").index(cf));
        }
    }

    static final class CnxBlock extends Module {
        final Conv2d dwconv;
        final CnxLayerNorm norm;
        final Linear pwconv1;
        final GELU act;
        final Linear pwconv2;
        final Module dropPath;

        CnxBlock(int dim, double dropPath, double layerScaleInitValue, Deque<Tensor> draws) {
            dwconv = registerModule("dwconv", new Conv2d(dim, dim, new int[] {7, 7}, new int[] {1, 1}, new int[] {3, 3},
                    new int[] {1, 1}, dim, true));
            norm = registerModule("norm", new CnxLayerNorm(dim, 1e-6, "channels_last"));
            pwconv1 = registerModule("pwconv1", new Linear(dim, 4 * dim));
            act = registerModule("act", new GELU());
            pwconv2 = registerModule("pwconv2", new Linear(4 * dim, dim));
            if (layerScaleInitValue > 0) {
                registerParameter("gamma", Tensor.ones(dim).mul(layerScaleInitValue));
            }
            this.dropPath = registerModule("drop_path", dropPath > 0. ? new DropPath(dropPath, draws) : new Identity());
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor input = x;
            x = dwconv.apply(x);
            x = x.permute(0, 2, 3, 1); // (N, C, H, W) -> (N, H, W, C)
            x = norm.apply(x);
            x = pwconv1.apply(x);
            x = act.apply(x);
            x = pwconv2.apply(x);
            if (namedParameters().containsKey("gamma")) {
                x = parameter("gamma").mul(x);
            }
            x = x.permute(0, 3, 1, 2); // (N, H, W, C) -> (N, C, H, W)
            return input.add(dropPath.apply(x));
        }
    }

    static final class ConvNeXt extends Module {
        final Deque<Tensor> draws = new ArrayDeque<>();
        final ModuleList<Sequential> downsampleLayers = registerModule("downsample_layers", new ModuleList<>());
        final ModuleList<Sequential> stages;
        final LayerNorm norm;
        final Linear head;

        ConvNeXt(int inChans, int numClasses, int[] depths, int[] dims, double dropPathRate,
                 double layerScaleInitValue) {
            Sequential stem = new Sequential(
                    new Conv2d(inChans, dims[0], new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1},
                            1, true),
                    new CnxLayerNorm(dims[0], 1e-6, "channels_first"));
            downsampleLayers.add(stem);
            for (int i = 0; i < dims.length - 1; i++) {
                downsampleLayers.add(new Sequential(
                        new CnxLayerNorm(dims[i], 1e-6, "channels_first"),
                        new Conv2d(dims[i], dims[i + 1], new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0},
                                new int[] {1, 1}, 1, true)));
            }
            stages = registerModule("stages", new ModuleList<>());
            int total = Arrays.stream(depths).sum();
            double[] dpRates = Tensor.linspace(0, dropPathRate, total).toDoubleArray();
            int cur = 0;
            for (int i = 0; i < dims.length; i++) {
                List<Module> blocks = new ArrayList<>();
                for (int j = 0; j < depths[i]; j++) {
                    blocks.add(new CnxBlock(dims[i], dpRates[cur + j], layerScaleInitValue, draws));
                }
                stages.add(new Sequential(blocks.toArray(new Module[0])));
                cur += depths[i];
            }
            norm = registerModule("norm", new LayerNorm(new int[] {dims[dims.length - 1]}, 1e-6, true, true));
            head = registerModule("head", new Linear(dims[dims.length - 1], numClasses));
        }

        Tensor forwardFeatures(Tensor x) {
            for (int i = 0; i < stages.size(); i++) {
                x = downsampleLayers.get(i).apply(x);
                x = stages.get(i).apply(x);
            }
            return norm.apply(x.mean(new int[] {-2, -1}, false));
        }

        @Override
        public Tensor forward(Tensor x) {
            return head.apply(forwardFeatures(x));
        }
    }

    @Test
    void convNextWithChannelsFirstLayerNormAndDropPath() {
        Tensor x = e("cnx.x");
        Tensor y = e("cnx.y");
        Tensor u = e("cnx.u");
        ConvNeXt cnx = PT.loaded(new ConvNeXt(3, 5, new int[] {1, 1}, new int[] {4, 8}, 0.5, 0.5), "cnx.init.", F64);
        assertTrue(cnx.stages.get(0).get(0, CnxBlock.class).dropPath instanceof Identity, "rate 0: Identity");
        try (GradMode off = Ember.noGrad()) {
            same(e("cnx.ln_cf"), cnx.downsampleLayers.get(0).apply(x.select(0, 0)),
                    "stem with channels_first LayerNorm");
        }
        cnx.train();
        new OutsiderTraining(PT, "cnx.", cnx, new AdamW(cnx.parameters(), 0.01, 0.9, 0.999, 1e-8, 0.05, false), 3,
                step -> {
                    cnx.draws.addLast(u.select(0, step));
                    Tensor out = cnx.apply(x.select(0, step));
                    return new Object[] {out, Functional.crossEntropy(out, y.select(0, step))};
                }).first(o -> same(e("cnx.y0"), (Tensor) o, "ConvNeXt logits")).run();
        assertTrue(cnx.draws.isEmpty(), "every drop_path draw used");

        // the first step again in float32
        ConvNeXt c32 = PT.loaded(new ConvNeXt(3, 5, new int[] {1, 1}, new int[] {4, 8}, 0.5, 0.5), "cnx.init.", F32);
        c32.train();
        c32.draws.addLast(u.select(0, 0).to(F32));
        Tensor loss32 = Functional.crossEntropy(c32.apply(x.select(0, 0).to(F32)), y.select(0, 0));
        loss32.backward();
        same(e("f32.cnx.loss"), loss32, "ConvNeXt float32 loss");
        PT.assertNamed("f32.cnx.grad.", c32, true, 1, "ConvNeXt float32 gradient");
        cnx.eval();
        try (GradMode off = Ember.noGrad()) {
            same(e("cnx.eval"), cnx.apply(x.select(0, 0)), "ConvNeXt eval forward (drop_path off)");
        }
    }

    // ------------------------------------------------------------------ 4. Swin's BasicLayer and PatchMerging

    static Tensor windowPartition(Tensor x, int windowSize) {
        int b = x.size(0);
        int h = x.size(1);
        int w = x.size(2);
        int c = x.size(3);
        x = x.view(b, h / windowSize, windowSize, w / windowSize, windowSize, c);
        return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, windowSize, windowSize, c);
    }

    static Tensor windowReverse(Tensor windows, int windowSize, int h, int w) {
        int b = (int) (windows.size(0) / ((double) h * w / windowSize / windowSize));
        Tensor x = windows.view(b, h / windowSize, w / windowSize, windowSize, windowSize, -1);
        return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(b, h, w, -1);
    }

    static final class Mlp extends Module {
        final Linear fc1;
        final GELU act;
        final Linear fc2;
        final Dropout drop;

        Mlp(int inFeatures, int hiddenFeatures) {
            fc1 = registerModule("fc1", new Linear(inFeatures, hiddenFeatures));
            act = registerModule("act", new GELU());
            fc2 = registerModule("fc2", new Linear(hiddenFeatures, inFeatures));
            drop = registerModule("drop", new Dropout(0.0));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = fc1.apply(x);
            x = act.apply(x);
            x = drop.apply(x);
            x = fc2.apply(x);
            return drop.apply(x);
        }
    }

    /** Swin's pair-wise relative position index of the tokens inside a window (V1 and V2 alike). */
    static Tensor relativePositionIndex(int[] windowSize) {
        Tensor coordsH = Tensor.arange(windowSize[0]);
        Tensor coordsW = Tensor.arange(windowSize[1]);
        Tensor coords = Tensor.stack(Tensor.meshgrid(List.of(coordsH, coordsW)), 0); // 2, Wh, Ww
        Tensor coordsFlatten = coords.flatten(1); // 2, Wh*Ww
        Tensor relativeCoords = coordsFlatten.index(Index.all(), Index.all(), Index.newAxis())
                .sub(coordsFlatten.index(Index.all(), Index.newAxis(), Index.all())); // 2, Wh*Ww, Wh*Ww
        relativeCoords = relativeCoords.permute(1, 2, 0).contiguous(); // Wh*Ww, Wh*Ww, 2
        relativeCoords.index(Index.all(), Index.all(), Index.of(0)).add_(windowSize[0] - 1L); // shift to start from 0
        relativeCoords.index(Index.all(), Index.all(), Index.of(1)).add_(windowSize[1] - 1L);
        relativeCoords.index(Index.all(), Index.all(), Index.of(0)).mul_(2L * windowSize[1] - 1);
        return relativeCoords.sum(-1);
    }

    /** The SW-MSA attention mask the block builds from img_mask's slices (null without a shift). */
    static Tensor shiftedWindowMask(int[] inputResolution, int windowSize, int shiftSize) {
        if (shiftSize <= 0) {
            return null;
        }
        int h = inputResolution[0];
        int w = inputResolution[1];
        Tensor imgMask = Tensor.zeros(1, h, w, 1); // 1 H W 1
        Index[] hSlices = {Index.slice(0, -windowSize, null), Index.slice(-windowSize, -shiftSize, null),
            Index.slice(-shiftSize, null, null)};
        Index[] wSlices = {Index.slice(0, -windowSize, null), Index.slice(-windowSize, -shiftSize, null),
            Index.slice(-shiftSize, null, null)};
        int cnt = 0;
        for (Index hs : hSlices) {
            for (Index ws : wSlices) {
                imgMask.indexPut_(new Index[] {Index.all(), hs, ws, Index.all()}, (double) cnt, false);
                cnt++;
            }
        }
        Tensor maskWindows = windowPartition(imgMask, windowSize); // nW, window_size, window_size, 1
        maskWindows = maskWindows.view(-1, windowSize * windowSize);
        Tensor attnMask = maskWindows.unsqueeze(1).sub(maskWindows.unsqueeze(2));
        return attnMask.maskedFill(attnMask.ne(0), -100.0).maskedFill(attnMask.eq(0), 0.0);
    }

    static final class WindowAttention extends Container {
        final int[] windowSize;
        final int numHeads;
        final double scale;
        final Linear qkv;
        final Dropout attnDrop;
        final Linear proj;
        final Dropout projDrop;
        final Softmax softmax;

        WindowAttention(int dim, int[] windowSize, int numHeads) {
            this.windowSize = windowSize;
            this.numHeads = numHeads;
            int headDim = dim / numHeads;
            scale = Math.pow(headDim, -0.5);
            registerParameter("relative_position_bias_table",
                    Tensor.zeros((2 * windowSize[0] - 1) * (2 * windowSize[1] - 1), numHeads));
            registerBuffer("relative_position_index", relativePositionIndex(windowSize)); // Wh*Ww, Wh*Ww
            qkv = registerModule("qkv", new Linear(dim, dim * 3, true));
            attnDrop = registerModule("attn_drop", new Dropout(0.0));
            proj = registerModule("proj", new Linear(dim, dim));
            projDrop = registerModule("proj_drop", new Dropout(0.0));
            softmax = registerModule("softmax", new Softmax(-1));
        }

        Tensor forward(Tensor x, Tensor mask) {
            int b = x.size(0);
            int n = x.size(1);
            int c = x.size(2);
            Tensor qkvOut = qkv.apply(x).reshape(b, n, 3, numHeads, c / numHeads).permute(2, 0, 3, 1, 4);
            Tensor q = qkvOut.select(0, 0);
            Tensor k = qkvOut.select(0, 1);
            Tensor v = qkvOut.select(0, 2);
            q = q.mul(scale);
            Tensor attn = q.matmul(k.transpose(-2, -1));
            int ww = windowSize[0] * windowSize[1];
            Tensor relativePositionBias = param("relative_position_bias_table")
                    .index(Index.of(getBuffer("relative_position_index").view(-1))).view(ww, ww, -1);
            relativePositionBias = relativePositionBias.permute(2, 0, 1).contiguous(); // nH, Wh*Ww, Wh*Ww
            attn = attn.add(relativePositionBias.unsqueeze(0));
            if (mask != null) {
                int nW = mask.size(0);
                attn = attn.view(b / nW, nW, numHeads, n, n).add(mask.unsqueeze(1).unsqueeze(0));
                attn = attn.view(-1, numHeads, n, n);
                attn = softmax.apply(attn);
            } else {
                attn = softmax.apply(attn);
            }
            attn = attnDrop.apply(attn);
            x = attn.matmul(v).transpose(1, 2).reshape(b, n, c);
            x = proj.apply(x);
            return projDrop.apply(x);
        }
    }

    static final class SwinTransformerBlock extends Module {
        final int[] inputResolution;
        final int windowSize;
        final int shiftSize;
        final LayerNorm norm1;
        final WindowAttention attn;
        final Identity dropPath;
        final LayerNorm norm2;
        final Mlp mlp;

        SwinTransformerBlock(int dim, int[] inputResolution, int numHeads, int windowSize, int shiftSize,
                             double mlpRatio) {
            this.inputResolution = inputResolution;
            int minRes = Math.min(inputResolution[0], inputResolution[1]);
            if (minRes <= windowSize) {
                shiftSize = 0;
                windowSize = minRes;
            }
            this.windowSize = windowSize;
            this.shiftSize = shiftSize;
            norm1 = registerModule("norm1", new LayerNorm(dim));
            attn = registerModule("attn", new WindowAttention(dim, new int[] {windowSize, windowSize}, numHeads));
            dropPath = registerModule("drop_path", new Identity());
            norm2 = registerModule("norm2", new LayerNorm(dim));
            mlp = registerModule("mlp", new Mlp(dim, (int) (dim * mlpRatio)));
            Tensor attnMask = shiftedWindowMask(inputResolution, windowSize, shiftSize);
            registerBuffer("attn_mask", attnMask);
        }

        @Override
        public Tensor forward(Tensor x) {
            int h = inputResolution[0];
            int w = inputResolution[1];
            int b = x.size(0);
            int l = x.size(1);
            int c = x.size(2);
            assertEquals(h * w, l, "input feature has wrong size");
            Tensor shortcut = x;
            x = norm1.apply(x);
            x = x.view(b, h, w, c);
            Tensor shiftedX;
            if (shiftSize > 0) {
                shiftedX = x.roll(new int[] {-shiftSize, -shiftSize}, new int[] {1, 2});
            } else {
                shiftedX = x;
            }
            Tensor xWindows = windowPartition(shiftedX, windowSize); // nW*B, window_size, window_size, C
            xWindows = xWindows.view(-1, windowSize * windowSize, c);
            Tensor attnWindows = attn.forward(xWindows, getBuffer("attn_mask"));
            attnWindows = attnWindows.view(-1, windowSize, windowSize, c);
            shiftedX = windowReverse(attnWindows, windowSize, h, w); // B H' W' C
            if (shiftSize > 0) {
                x = shiftedX.roll(new int[] {shiftSize, shiftSize}, new int[] {1, 2});
            } else {
                x = shiftedX;
            }
            x = x.view(b, h * w, c);
            x = shortcut.add(dropPath.apply(x));
            return x.add(dropPath.apply(mlp.apply(norm2.apply(x))));
        }
    }

    static final class PatchMerging extends Module {
        final int[] inputResolution;
        final Linear reduction;
        final LayerNorm norm;

        PatchMerging(int[] inputResolution, int dim) {
            this.inputResolution = inputResolution;
            reduction = registerModule("reduction", new Linear(4 * dim, 2 * dim, false));
            norm = registerModule("norm", new LayerNorm(4 * dim));
        }

        @Override
        public Tensor forward(Tensor x) {
            int h = inputResolution[0];
            int w = inputResolution[1];
            int b = x.size(0);
            int c = x.size(2);
            assertEquals(h * w, x.size(1), "input feature has wrong size");
            x = x.view(b, h, w, c);
            Index even = Index.slice(0, null, 2);
            Index odd = Index.slice(1, null, 2);
            Tensor x0 = x.index(Index.all(), even, even, Index.all()); // B H/2 W/2 C
            Tensor x1 = x.index(Index.all(), odd, even, Index.all());
            Tensor x2 = x.index(Index.all(), even, odd, Index.all());
            Tensor x3 = x.index(Index.all(), odd, odd, Index.all());
            x = Tensor.cat(List.of(x0, x1, x2, x3), -1); // B H/2 W/2 4*C
            x = x.view(b, -1, 4 * c);
            x = norm.apply(x);
            return reduction.apply(x);
        }
    }

    static final class BasicLayer extends Module {
        final ModuleList<SwinTransformerBlock> blocks = registerModule("blocks", new ModuleList<>());
        final PatchMerging downsample;

        BasicLayer(int dim, int[] inputResolution, int depth, int numHeads, int windowSize) {
            for (int i = 0; i < depth; i++) {
                blocks.add(new SwinTransformerBlock(dim, inputResolution, numHeads, windowSize,
                        i % 2 == 0 ? 0 : windowSize / 2, 4.0));
            }
            downsample = registerModule("downsample", new PatchMerging(inputResolution, dim));
        }

        @Override
        public Tensor forward(Tensor x) {
            for (SwinTransformerBlock blk : blocks) {
                x = blk.apply(x);
            }
            return downsample.apply(x);
        }
    }

    static final class TinySwin extends Module {
        final ModuleList<BasicLayer> layers = registerModule("layers", new ModuleList<>());
        final LayerNorm norm = registerModule("norm", new LayerNorm(16));
        final AdaptiveAvgPool1d avgpool = registerModule("avgpool", new AdaptiveAvgPool1d(1));
        final Linear head = registerModule("head", new Linear(16, 4));

        TinySwin() {
            layers.add(new BasicLayer(8, new int[] {6, 6}, 2, 2, 3));
        }

        @Override
        public Tensor forward(Tensor x) {
            for (BasicLayer layer : layers) {
                x = layer.apply(x);
            }
            x = norm.apply(x); // B L C
            x = avgpool.apply(x.transpose(1, 2)); // B C 1
            x = x.flatten(1);
            return head.apply(x);
        }
    }

    @Test
    void swinBasicLayerWithPatchMerging() {
        Tensor x = e("swin.x");
        Tensor y = e("swin.y");
        TinySwin swin = new TinySwin();
        // the buffers the constructor built are PyTorch's before the state dict overwrites them
        for (int i = 0; i < 2; i++) {
            String p = "swin.init.layers.0.blocks." + i + ".";
            SwinTransformerBlock blk = swin.layers.get(0).blocks.get(i);
            exact(e(p + "attn.relative_position_index"), blk.attn.getBuffer("relative_position_index"),
                    "relative_position_index " + i);
            if (i == 0) {
                assertNull(blk.getBuffer("attn_mask"), "W-MSA has no mask");
            } else {
                exact(e(p + "attn_mask"), blk.getBuffer("attn_mask"), "SW-MSA attention mask");
            }
        }
        swin = PT.loaded(swin, "swin.init.", F64);
        TinySwin model = swin;
        try (GradMode off = Ember.noGrad()) {
            same(e("swin.merged"), model.layers.get(0).downsample.apply(x.select(0, 0)), "PatchMerging");
        }
        // softmax is invariant to a constant added to every score: the key bias (entries 8 to 15 of qkv.bias) gets a
        // gradient that is zero but for rounding
        Map<String, int[]> noise = Map.of("layers.0.blocks.0.attn.qkv.bias", new int[] {8, 16},
                "layers.0.blocks.1.attn.qkv.bias", new int[] {8, 16});
        new OutsiderTraining(PT, "swin.", model, new AdamW(model.parameters(), 0.01, 0.9, 0.999, 1e-8, 0.05, false), 3,
                step -> {
                    Tensor out = model.apply(x.select(0, step));
                    return new Object[] {out, Functional.crossEntropy(out, y.select(0, step))};
                }).first(o -> {
                    same(e("swin.y0"), (Tensor) o, "Swin logits");
                    assertNamedNoise("swin.grad0.", null, model, true, noise, 0, 1, "Swin gradient");
                }).checkGrads(false).checkFinal(false).run();
        assertNamedNoise("swin.final.", null, model, false, noise, 3 * 0.01 * 1e-5, 1,
                "Swin parameters after 3 steps");
    }

    // ------------------------------------------------------------------ 4b. Swin Transformer V2

    static final class WindowAttentionV2 extends Container {
        final int[] windowSize;
        final int numHeads;
        final Sequential cpbMlp;
        final Linear qkv;
        final Dropout attnDrop;
        final Linear proj;
        final Dropout projDrop;
        final Softmax softmax;

        WindowAttentionV2(int dim, int[] windowSize, int numHeads) {
            this.windowSize = windowSize;
            this.numHeads = numHeads;
            registerParameter("logit_scale", Tensor.ones(numHeads, 1, 1).mul(10).log());
            // mlp to generate continuous relative position bias (hidden 16, not 512)
            cpbMlp = registerModule("cpb_mlp", new Sequential(new Linear(2, 16, true), new ReLU(true),
                    new Linear(16, numHeads, false)));
            Tensor relativeCoordsH = Tensor.arange(-(windowSize[0] - 1), windowSize[0], 1.0, F32);
            Tensor relativeCoordsW = Tensor.arange(-(windowSize[1] - 1), windowSize[1], 1.0, F32);
            Tensor relativeCoordsTable = Tensor.stack(Tensor.meshgrid(List.of(relativeCoordsH, relativeCoordsW)), 0)
                    .permute(1, 2, 0).contiguous().unsqueeze(0); // 1, 2*Wh-1, 2*Ww-1, 2
            Index all = Index.all();
            relativeCoordsTable.index(all, all, all, Index.of(0)).div_(windowSize[0] - 1L); // pretrained size 0
            relativeCoordsTable.index(all, all, all, Index.of(1)).div_(windowSize[1] - 1L);
            relativeCoordsTable.mul_(8L); // normalize to -8, 8
            relativeCoordsTable = relativeCoordsTable.sign().mul(relativeCoordsTable.abs().add(1.0).log2())
                    .div(3.0); // np.log2(8)
            registerBuffer("relative_coords_table", relativeCoordsTable);
            registerBuffer("relative_position_index", relativePositionIndex(windowSize));
            qkv = registerModule("qkv", new Linear(dim, dim * 3, false));
            registerParameter("q_bias", Tensor.zeros(dim));
            registerParameter("v_bias", Tensor.zeros(dim));
            attnDrop = registerModule("attn_drop", new Dropout(0.0));
            proj = registerModule("proj", new Linear(dim, dim));
            projDrop = registerModule("proj_drop", new Dropout(0.0));
            softmax = registerModule("softmax", new Softmax(-1));
        }

        Tensor forward(Tensor x, Tensor mask) {
            int b = x.size(0);
            int n = x.size(1);
            int c = x.size(2);
            Tensor qkvBias = Tensor.cat(List.of(param("q_bias"), param("v_bias").zerosLike(), param("v_bias")), 0);
            Tensor qkvOut = Functional.linear(x, qkv.weight(), qkvBias);
            qkvOut = qkvOut.reshape(b, n, 3, numHeads, -1).permute(2, 0, 3, 1, 4);
            Tensor q = qkvOut.select(0, 0);
            Tensor k = qkvOut.select(0, 1);
            Tensor v = qkvOut.select(0, 2);
            // cosine attention
            Tensor attn = Functional.normalize(q, 2.0, -1, 1e-12)
                    .matmul(Functional.normalize(k, 2.0, -1, 1e-12).transpose(-2, -1));
            Tensor logitScale = param("logit_scale").clamp(null, Tensor.tensor(1. / 0.01, F64).log()).exp();
            attn = attn.mul(logitScale);
            Tensor relativePositionBiasTable = cpbMlp.apply(getBuffer("relative_coords_table")).view(-1, numHeads);
            int ww = windowSize[0] * windowSize[1];
            Tensor relativePositionBias = relativePositionBiasTable
                    .index(Index.of(getBuffer("relative_position_index").view(-1))).view(ww, ww, -1);
            relativePositionBias = relativePositionBias.permute(2, 0, 1).contiguous(); // nH, Wh*Ww, Wh*Ww
            relativePositionBias = Functional.sigmoid(relativePositionBias).mul(16); // 16 * torch.sigmoid(...)
            attn = attn.add(relativePositionBias.unsqueeze(0));
            if (mask != null) {
                int nW = mask.size(0);
                attn = attn.view(b / nW, nW, numHeads, n, n).add(mask.unsqueeze(1).unsqueeze(0));
                attn = attn.view(-1, numHeads, n, n);
            }
            attn = softmax.apply(attn);
            attn = attnDrop.apply(attn);
            x = attn.matmul(v).transpose(1, 2).reshape(b, n, c);
            x = proj.apply(x);
            return projDrop.apply(x);
        }
    }

    /** SwinTransformerBlock of V2: res-post-norm (shortcut + norm1(attention), x + norm2(mlp(x))). */
    static final class SwinTransformerBlockV2 extends Module {
        final int[] inputResolution;
        final int windowSize;
        final int shiftSize;
        final LayerNorm norm1;
        final WindowAttentionV2 attn;
        final Identity dropPath;
        final LayerNorm norm2;
        final Mlp mlp;

        SwinTransformerBlockV2(int dim, int[] inputResolution, int numHeads, int windowSize, int shiftSize) {
            this.inputResolution = inputResolution;
            int minRes = Math.min(inputResolution[0], inputResolution[1]);
            if (minRes <= windowSize) {
                shiftSize = 0;
                windowSize = minRes;
            }
            this.windowSize = windowSize;
            this.shiftSize = shiftSize;
            norm1 = registerModule("norm1", new LayerNorm(dim));
            attn = registerModule("attn", new WindowAttentionV2(dim, new int[] {windowSize, windowSize}, numHeads));
            dropPath = registerModule("drop_path", new Identity());
            norm2 = registerModule("norm2", new LayerNorm(dim));
            mlp = registerModule("mlp", new Mlp(dim, dim * 4));
            registerBuffer("attn_mask", shiftedWindowMask(inputResolution, windowSize, shiftSize));
        }

        @Override
        public Tensor forward(Tensor x) {
            int h = inputResolution[0];
            int w = inputResolution[1];
            int b = x.size(0);
            int c = x.size(2);
            assertEquals(h * w, x.size(1), "input feature has wrong size");
            Tensor shortcut = x;
            x = x.view(b, h, w, c);
            Tensor shiftedX = shiftSize > 0 ? x.roll(new int[] {-shiftSize, -shiftSize}, new int[] {1, 2}) : x;
            Tensor xWindows = windowPartition(shiftedX, windowSize).view(-1, windowSize * windowSize, c);
            Tensor attnWindows = attn.forward(xWindows, getBuffer("attn_mask")).view(-1, windowSize, windowSize, c);
            shiftedX = windowReverse(attnWindows, windowSize, h, w); // B H' W' C
            x = shiftSize > 0 ? shiftedX.roll(new int[] {shiftSize, shiftSize}, new int[] {1, 2}) : shiftedX;
            x = x.view(b, h * w, c);
            x = shortcut.add(dropPath.apply(norm1.apply(x)));
            return x.add(dropPath.apply(norm2.apply(mlp.apply(x)))); // FFN
        }
    }

    static final class TinySwinV2 extends Module {
        final ModuleList<SwinTransformerBlockV2> blocks = registerModule("blocks", new ModuleList<>(
                new SwinTransformerBlockV2(4, new int[] {6, 6}, 2, 3, 0),
                new SwinTransformerBlockV2(4, new int[] {6, 6}, 2, 3, 1)));
        final LayerNorm norm = registerModule("norm", new LayerNorm(4));
        final Linear head = registerModule("head", new Linear(4, 4));

        @Override
        public Tensor forward(Tensor x) {
            for (SwinTransformerBlockV2 blk : blocks) {
                x = blk.apply(x);
            }
            return head.apply(norm.apply(x).mean(1));
        }
    }

    @Test
    void swinV2CosineAttentionWithContinuousPositionBias() {
        Tensor x = e("swin2.x");
        Tensor y = e("swin2.y");
        TinySwinV2 swin2 = new TinySwinV2();
        for (int i = 0; i < 2; i++) {
            WindowAttentionV2 a = swin2.blocks.get(i).attn;
            Tensor table = a.getBuffer("relative_coords_table");
            assertEquals(F32, table.dtype(), "the table is built in float32");
            assertArrayEquals(e("swin2.init.blocks." + i + ".attn.relative_coords_table").toDoubleArray(),
                    table.to(F64).toDoubleArray(), "relative_coords_table " + i);
            exact(e("swin2.init.blocks." + i + ".attn.relative_position_index"),
                    a.getBuffer("relative_position_index"), "relative_position_index " + i);
        }
        exact(e("swin2.init.blocks.1.attn_mask"), swin2.blocks.get(1).getBuffer("attn_mask"), "SW-MSA mask");
        TinySwinV2 model = PT.loaded(swin2, "swin2.init.", F64);
        new OutsiderTraining(PT, "swin2.", model, new AdamW(model.parameters(), 0.01, 0.9, 0.999, 1e-8, 0.05, false),
                3, step -> {
                    Tensor out = model.apply(x.select(0, step));
                    return new Object[] {out, Functional.crossEntropy(out, y.select(0, step))};
                }).first(o -> {
                    same(e("swin2.y0"), (Tensor) o, "Swin V2 logits");
                    // the head initialised past the clamp gets no gradient, as PyTorch's clamp backward
                    assertEquals(0.0, model.blocks.get(1).attn.param("logit_scale").grad().view(-1).get(1).item(),
                            "clamped logit_scale's gradient");
                }).run();
    }

    // ------------------------------------------------------------------ 5. PointNet with the feature transform

    static final int C1 = 8;
    static final int C2 = 16;
    static final int C3 = 32;
    static final int FC1 = 16;
    static final int FC2 = 8;

    /** STN3d (k = 3, the identity from a float32 numpy array) and STNkd (the identity from np.eye as float32). */
    static final class Stn extends Module {
        final int k;
        final boolean threeD;
        final Conv1d conv1;
        final Conv1d conv2;
        final Conv1d conv3;
        final Linear fc1;
        final Linear fc2;
        final Linear fc3;
        final ReLU relu;
        final BatchNorm1d bn1;
        final BatchNorm1d bn2;
        final BatchNorm1d bn3;
        final BatchNorm1d bn4;
        final BatchNorm1d bn5;

        Stn(int k, boolean threeD) {
            this.k = k;
            this.threeD = threeD;
            conv1 = registerModule("conv1", new Conv1d(k, C1, 1));
            conv2 = registerModule("conv2", new Conv1d(C1, C2, 1));
            conv3 = registerModule("conv3", new Conv1d(C2, C3, 1));
            fc1 = registerModule("fc1", new Linear(C3, FC1));
            fc2 = registerModule("fc2", new Linear(FC1, FC2));
            fc3 = registerModule("fc3", new Linear(FC2, k * k));
            relu = registerModule("relu", new ReLU());
            bn1 = registerModule("bn1", new BatchNorm1d(C1));
            bn2 = registerModule("bn2", new BatchNorm1d(C2));
            bn3 = registerModule("bn3", new BatchNorm1d(C3));
            bn4 = registerModule("bn4", new BatchNorm1d(FC1));
            bn5 = registerModule("bn5", new BatchNorm1d(FC2));
        }

        @Override
        public Tensor forward(Tensor x) {
            int batchsize = x.size(0);
            x = Functional.relu(bn1.apply(conv1.apply(x)));
            x = Functional.relu(bn2.apply(conv2.apply(x)));
            x = Functional.relu(bn3.apply(conv3.apply(x)));
            x = x.max(2, true).values();
            x = x.view(-1, C3);
            x = Functional.relu(bn4.apply(fc1.apply(x)));
            x = Functional.relu(bn5.apply(fc2.apply(x)));
            x = fc3.apply(x);
            Tensor iden = threeD
                    ? Tensor.fromArray(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}).view(1, 9).repeat(batchsize, 1)
                    : Tensor.eye(k, k, F64).flatten().to(F32).view(1, k * k).repeat(batchsize, 1);
            assertEquals(F32, iden.dtype(), "numpy's float32 identity");
            x = x.add(iden);
            return x.view(-1, k, k);
        }
    }

    static final class PointNetfeat extends Container {
        final Stn stn = registerModule("stn", new Stn(3, true));
        final Conv1d conv1 = registerModule("conv1", new Conv1d(3, C1, 1));
        final Conv1d conv2 = registerModule("conv2", new Conv1d(C1, C2, 1));
        final Conv1d conv3 = registerModule("conv3", new Conv1d(C2, C3, 1));
        final BatchNorm1d bn1 = registerModule("bn1", new BatchNorm1d(C1));
        final BatchNorm1d bn2 = registerModule("bn2", new BatchNorm1d(C2));
        final BatchNorm1d bn3 = registerModule("bn3", new BatchNorm1d(C3));
        final Stn fstn = registerModule("fstn", new Stn(C1, false));

        /** x, trans and trans_feat (global_feat=True, feature_transform=True). */
        Tensor[] features(Tensor x) {
            Tensor trans = stn.apply(x);
            x = x.transpose(2, 1);
            x = x.bmm(trans);
            x = x.transpose(2, 1);
            x = Functional.relu(bn1.apply(conv1.apply(x)));
            Tensor transFeat = fstn.apply(x);
            x = x.transpose(2, 1);
            x = x.bmm(transFeat);
            x = x.transpose(2, 1);
            x = Functional.relu(bn2.apply(conv2.apply(x)));
            x = bn3.apply(conv3.apply(x));
            x = x.max(2, true).values();
            x = x.view(-1, C3);
            return new Tensor[] {x, trans, transFeat};
        }
    }

    static final class PointNetCls extends Container {
        final PointNetfeat feat = registerModule("feat", new PointNetfeat());
        final Linear fc1 = registerModule("fc1", new Linear(C3, FC1));
        final Linear fc2 = registerModule("fc2", new Linear(FC1, FC2));
        final Linear fc3 = registerModule("fc3", new Linear(FC2, 4));
        final Dropout dropout = registerModule("dropout", new Dropout(0.0));
        final BatchNorm1d bn1 = registerModule("bn1", new BatchNorm1d(FC1));
        final BatchNorm1d bn2 = registerModule("bn2", new BatchNorm1d(FC2));
        final ReLU relu = registerModule("relu", new ReLU());

        Tensor[] classify(Tensor x) {
            Tensor[] f = feat.features(x);
            x = Functional.relu(bn1.apply(fc1.apply(f[0])));
            x = Functional.relu(bn2.apply(dropout.apply(fc2.apply(x))));
            x = fc3.apply(x);
            return new Tensor[] {Functional.logSoftmax(x, 1), f[1], f[2]};
        }
    }

    /**
     * The biases just before a BatchNorm1d (the normalization removes them), and those of the BatchNorm1d whose output
     * reaches the next BatchNorm1d through the max over points and one Linear only (a shift of a channel shifts every
     * sample's max alike: feat.bn3 always, the two T-Nets' bn3 in the channels where every sample's max is past the
     * ReLU, the entries PyTorch's first gradients show as noise):
     * their gradients are rounding noise.
     */
    static final Map<String, int[]> PN_NOISE = new java.util.HashMap<>();

    static {
        for (String stn : List.of("feat.stn.", "feat.fstn.")) {
            PN_NOISE.put(stn + "conv1.bias", new int[] {0, C1});
            PN_NOISE.put(stn + "conv2.bias", new int[] {0, C2});
            PN_NOISE.put(stn + "conv3.bias", new int[] {0, C3});
            PN_NOISE.put(stn + "fc1.bias", new int[] {0, FC1});
            PN_NOISE.put(stn + "fc2.bias", new int[] {0, FC2});
        }
        PN_NOISE.put("feat.conv1.bias", new int[] {0, C1});
        PN_NOISE.put("feat.conv2.bias", new int[] {0, C2});
        PN_NOISE.put("feat.conv3.bias", new int[] {0, C3});
        PN_NOISE.put("feat.bn3.bias", new int[] {0, C3});
        PN_NOISE.put("feat.stn.bn3.bias", BY_GRADIENT);
        PN_NOISE.put("feat.fstn.bn3.bias", BY_GRADIENT);
        PN_NOISE.put("fc1.bias", new int[] {0, FC1});
        PN_NOISE.put("fc2.bias", new int[] {0, FC2});
    }

    static Tensor featureTransformRegularizer(Tensor trans) {
        int d = trans.size(1);
        Tensor eye = Tensor.eye(d).index(Index.newAxis(), Index.all(), Index.all());
        return trans.bmm(trans.transpose(2, 1)).sub(eye).norm("fro", new int[] {1, 2}, false).mean();
    }

    @Test
    void pointNetClassifierWithFeatureTransform() {
        Tensor x = e("pn.x");
        Tensor y = e("pn.y");
        PointNetCls pn = PT.loaded(new PointNetCls(), "pn.init.", F64);
        pn.train();
        new OutsiderTraining(PT, "pn.", pn, new Adam(pn.parameters(), 0.01, 0.9, 0.999, 1e-8, 0.0, false), 3, step -> {
            Tensor[] out = pn.classify(x.select(0, step));
            Tensor loss = Functional.nllLoss(out[0], y.select(0, step));
            Tensor reg = featureTransformRegularizer(out[2]);
            loss.add_(reg.mul(0.001)); // loss += reg * 0.001
            if (step == 0) {
                same(e("pn.trans0"), out[1], "input transform");
                same(e("pn.trans_feat0"), out[2], "feature transform");
                same(e("pn.reg0"), reg, "feature transform regularizer");
            }
            return new Object[] {out[0], loss};
        }).first(o -> {
            same(e("pn.pred0"), (Tensor) o, "PointNet log-probabilities");
            assertNamedNoise("pn.grad0.", "pn.grad0.", pn, true, PN_NOISE, 0, 1, "PointNet gradient");
        }).checkGrads(false).checkFinal(false).run();
        assertNamedNoise("pn.final.", "pn.grad0.", pn, false, PN_NOISE, 3 * 0.01 * 1e-5, 20,
                "PointNet parameters after 3 steps");
        // every BatchNorm1d follows a bias whose gradient is rounding noise: its running mean holds that bias's
        // trajectory (momentum 0.1 times a difference below the parameters' bound), so the running means are held to
        // the parameters' absolute bound; the running variances (bias-free) to 20 times the base tolerance, as the
        // parameters; the batch counters exactly
        Map<String, Tensor> bufs = pn.namedBuffers();
        for (Map.Entry<String, Tensor> b : bufs.entrySet()) {
            Tensor want = e("pn.buffers." + b.getKey());
            if (want.dtype() == DType.INT64) {
                exact(want, b.getValue(), "PointNet " + b.getKey());
            } else if (b.getKey().endsWith("running_mean")) {
                double worst = want.sub(b.getValue()).abs().max().item();
                assertTrue(worst <= 3 * 0.01 * 1e-5, "PointNet " + b.getKey() + ": " + worst);
            } else {
                OutsiderFixture.close(want, b.getValue(), "PointNet " + b.getKey(), 20);
            }
        }
        assertEquals(PT.under("pn.buffers.").size(), bufs.size(), "PointNet buffer names");
        pn.eval();
        try (GradMode off = Ember.noGrad()) {
            // in eval the noise biases no longer cancel against the batch means: their running means moved by another
            // fraction of the noise, so the log-probabilities are held to an absolute 1e-8 (the bound's scale)
            double worst = e("pn.eval").sub(pn.classify(x.select(0, 0))[0]).abs().max().item();
            assertTrue(worst <= 1e-8, "PointNet eval forward: " + worst);
        }
    }
}
