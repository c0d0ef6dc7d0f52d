package dev.ember;

import dev.ember.data.DataLoader;
import dev.ember.data.Dataset;
import dev.ember.data.Sampler;
import dev.ember.data.WeightedRandomSampler;
import dev.ember.nn.BCEWithLogitsLoss;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.CrossEntropyLoss;
import dev.ember.nn.Dropout;
import dev.ember.nn.Embedding;
import dev.ember.nn.EmbeddingBag;
import dev.ember.nn.Functional;
import dev.ember.nn.GRU;
import dev.ember.nn.LSTM;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleList;
import dev.ember.nn.Safetensors;
import dev.ember.nn.Sequential;
import dev.ember.nn.Tanh;
import dev.ember.nn.TorchSerialization;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.CosineAnnealingWarmRestarts;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PrimitiveIterator;
import java.util.stream.IntStream;

import static dev.ember.LossesMoreTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 25's fourth outsider pass: four programs of users the earlier passes did not cover, written as a PyTorch user
 * writes them from README, Javadoc and the public API, run from PyTorch's initial weights and data and held to PyTorch's
 * numbers ({@code resources/outsiderprograms2/make_expected.py} wrote {@code programs2.pt} and the two safetensors files
 * with PyTorch 1.13; attention there is 2.x's scaled_dot_product_attention written out). float64 programs are held to
 * {@link LossesMoreTest#assertClose}'s 1e-12 relative tolerance (times a stated factor where a long training run
 * compounds rounding), the float32 decoder to its float32 tolerance (4e-6 relative).
 * <ol>
 * <li>An inference user: a GPT-2-shaped decoder loaded by name from Hugging Face style safetensors files (bf16 and
 * float32; Conv1D weights stored (in, out); lm_head tied to wte and absent from the file), greedy generation with a KV
 * cache, sampling with temperature, top-k and top-p (the probabilities compared each step; Ember's Philox generator does
 * not reproduce PyTorch's draws, so PyTorch's token is fed on and Ember's own draw is only checked to lie in the
 * support).</li>
 * <li>A tabular user: Embeddings and an EmbeddingBag with offsets, standardized numeric columns, BatchNorm1d and
 * Dropout, BCEWithLogits with pos_weight plus CrossEntropy with class weights and label smoothing, WeightedRandomSampler
 * batches (PyTorch's draws replayed through a Sampler), AdamW with two groups, early stopping with the best state dict
 * kept, saved and loaded.</li>
 * <li>A metric-learning user: normalize, triplet, cosine-embedding and margin-ranking losses, InfoNCE from logsumexp,
 * Adam; retrieval with cdist, topk, broadcast cosine_similarity and pairwise_distance.</li>
 * <li>A time-series user: unfold windows, a causal dilated Conv1d, a GRU encoder and an LSTM decoder with teacher
 * forcing, MSE plus Huber, clip_grad_value_ and clip_grad_norm_, CosineAnnealingWarmRestarts with fractional epochs,
 * autoregressive forecasts; the same model in float32 with float64 targets (huber_loss keeps the input's type, mse_loss
 * promotes: the session's one wrong result, fixed in LossOps).</li>
 * </ol>
 * The gaps the programs hit were filled and are pinned here: {@code Functional.scaledDotProductAttention(q, k, v,
 * isCausal)}, {@code EmbeddingBag.apply(input, offsets)}, {@code Tensor.arange(end, dtype)} and {@code arange(start,
 * end)}, {@code Conv1d}'s int constructor with dilation and groups, clamp with tensor bounds.
 */
class OutsiderPrograms2Test {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms2", "programs2.pt");

    private static Path resource(String name) {
        return PT.resource(name);
    }

    private static Tensor e(String name) {
        return PT.e(name);
    }

    private static <M extends Module> M loaded(M m, String prefix, DType dtype) {
        return PT.loaded(m, prefix, dtype);
    }

    private static Tensor values(List<Double> xs) {
        return OutsiderFixture.values(xs, DType.FLOAT64);
    }

    // ------------------------------------------------------------------ 1. GPT-2-shaped decoder

    static final int V = 29, C = 16, NH = 2, NL = 2, NPOS = 32;

    /** Hugging Face's Conv1D: {@code x @ W + b}, W stored (in, out). */
    static final class Conv1D extends Module {
        Conv1D(int nx, int nf) {
            registerParameter("weight", Tensor.empty(nx, nf));
            registerParameter("bias", Tensor.zeros(nf));
        }

        @Override
        public Tensor forward(Tensor x) {
            int[] shape = x.shape();
            shape[shape.length - 1] = -1;
            return parameter("bias").addmm(x.reshape(-1, x.size(-1)), parameter("weight")).view(shape);
        }
    }

    record KV(Tensor k, Tensor v) {
    }

    record Step(Tensor out, KV present) {
    }

    /** A preallocated cache of one layer, {@code [B, H, Tmax, hd]}, written in place from {@code t0}. */
    record StaticKV(Tensor k, Tensor v, int t0) {
    }

    static final class Attn extends Module {
        final Conv1D cAttn = registerModule("c_attn", new Conv1D(C, 3 * C));
        final Conv1D cProj = registerModule("c_proj", new Conv1D(C, C));

        Step step(Tensor x, KV past, Tensor mask) {
            return step(x, past, mask, null);
        }

        Step step(Tensor x, KV past, Tensor mask, StaticKV cache) {
            int b = x.size(0), t = x.size(1);
            List<Tensor> qkv = cAttn.apply(x).split(C, 2);
            Tensor q = qkv.get(0).view(b, t, NH, C / NH).transpose(1, 2);
            Tensor k = qkv.get(1).view(b, t, NH, C / NH).transpose(1, 2);
            Tensor v = qkv.get(2).view(b, t, NH, C / NH).transpose(1, 2);
            if (past != null) {
                k = Tensor.cat(List.of(past.k(), k), 2);
                v = Tensor.cat(List.of(past.v(), v), 2);
            }
            if (cache != null) { // kc[:, :, t0:t0 + T] = k; k = kc[:, :, :t0 + T]
                cache.k().narrow(2, cache.t0(), t).copy_(k);
                cache.v().narrow(2, cache.t0(), t).copy_(v);
                k = cache.k().narrow(2, 0, cache.t0() + t);
                v = cache.v().narrow(2, 0, cache.t0() + t);
            }
            Tensor y = mask == null ? Functional.scaledDotProductAttention(q, k, v, past == null && t > 1)
                    : Functional.scaledDotProductAttention(q, k, v, mask, 0.0, false, null);
            return new Step(cProj.apply(y.transpose(1, 2).reshape(b, t, C)), new KV(k, v));
        }

        @Override
        public Tensor forward(Tensor x) {
            return step(x, null, null).out();
        }
    }

    static final class Mlp extends Module {
        final Conv1D cFc = registerModule("c_fc", new Conv1D(C, 4 * C));
        final Conv1D cProj = registerModule("c_proj", new Conv1D(4 * C, C));

        @Override
        public Tensor forward(Tensor x) {
            return cProj.apply(Functional.gelu(cFc.apply(x), "tanh"));
        }
    }

    static final class Block extends Module {
        final LayerNorm ln1 = registerModule("ln_1", new LayerNorm(C));
        final Attn attn = registerModule("attn", new Attn());
        final LayerNorm ln2 = registerModule("ln_2", new LayerNorm(C));
        final Mlp mlp = registerModule("mlp", new Mlp());

        Step step(Tensor x, KV past, Tensor mask, StaticKV cache) {
            Step a = attn.step(ln1.apply(x), past, mask, cache);
            x = x.add(a.out());
            return new Step(x.add(mlp.apply(ln2.apply(x))), a.present());
        }

        @Override
        public Tensor forward(Tensor x) {
            return step(x, null, null, null).out();
        }
    }

    static final class Body extends Module {
        final Embedding wte = registerModule("wte", new Embedding(V, C));
        final Embedding wpe = registerModule("wpe", new Embedding(NPOS, C));
        final ModuleList<Block> h = registerModule("h", new ModuleList<>(List.of(new Block(), new Block())));
        final LayerNorm lnF = registerModule("ln_f", new LayerNorm(C));

        @Override
        public Tensor forward(Tensor x) {
            throw new UnsupportedOperationException("run GPT2.step");
        }
    }

    record Out(Tensor logits, List<KV> presents) {
    }

    static final class GPT2 extends Module {
        final Body transformer = registerModule("transformer", new Body());
        final Linear lmHead = registerModule("lm_head", new Linear(C, V, false));

        GPT2() {
            lmHead.setParameter("weight", transformer.wte.weight());
        }

        Out step(Tensor idx, List<KV> past) {
            return step(idx, past, null, null);
        }

        /** {@code model(idx, past, position_ids, attn_mask)}: null positions count on from the cache. */
        Out step(Tensor idx, List<KV> past, Tensor pos, Tensor mask) {
            return step(idx, past, pos, mask, null, 0);
        }

        /** With a static cache per layer (null: none), written from position {@code t0}. */
        Out step(Tensor idx, List<KV> past, Tensor pos, Tensor mask, List<Tensor[]> cache, int cacheT0) {
            int t0 = cache != null ? cacheT0 : past == null ? 0 : past.get(0).k().size(2);
            if (pos == null) {
                pos = Tensor.arange(t0, t0 + idx.size(1));
            }
            Tensor x = transformer.wte.apply(idx).add(transformer.wpe.apply(pos));
            List<KV> presents = new ArrayList<>();
            for (int i = 0; i < NL; i++) {
                Step s = transformer.h.get(i).step(x, past == null ? null : past.get(i), mask,
                        cache == null ? null : new StaticKV(cache.get(i)[0], cache.get(i)[1], cacheT0));
                x = s.out();
                presents.add(s.present());
            }
            return new Out(lmHead.apply(transformer.lnF.apply(x)), presents);
        }

        @Override
        public Tensor forward(Tensor idx) {
            return step(idx, null).logits();
        }
    }

    private static Tensor last(Tensor logits) {
        return logits.select(1, logits.size(1) - 1);
    }

    /** Greedy generation with the cache; returns {sequence, per-step last logits [B, steps+1, V], full logits}. */
    private static Tensor[] greedy(GPT2 model, Tensor prompt, int steps) {
        Out o = model.step(prompt, null);
        Tensor seq = prompt;
        List<Tensor> stepLogits = new ArrayList<>(List.of(last(o.logits())));
        for (int i = 0; i < steps; i++) {
            Tensor next = stepLogits.get(stepLogits.size() - 1).argmax(-1, true);
            seq = Tensor.cat(List.of(seq, next), 1);
            o = model.step(next, o.presents());
            stepLogits.add(last(o.logits()));
        }
        return new Tensor[] {seq, Tensor.stack(stepLogits, 1), model.apply(seq)};
    }

    static Tensor filteredProbs(Tensor logits, Tensor seq, double penalty, double temperature, int topK, double topP) {
        Tensor score = logits.gather(1, seq); // the repetition penalty over the tokens so far
        score = Tensor.where(score.lt(0), score.mul(penalty), score.div(penalty));
        logits = logits.clone().scatter_(1, seq, score);
        logits = logits.div(temperature);
        Tensor v = logits.topk(topK).values();
        logits = logits.maskedFill(logits.lt(v.index(Index.all(), Index.of(Tensor.tensor(new long[] {-1})))),
                Double.NEGATIVE_INFINITY);
        Tensor.ValuesIndices sorted = logits.sort(-1, true);
        Tensor cum = Functional.softmax(sorted.values(), -1).cumsum(-1);
        Tensor remove = cum.gt(topP);
        remove.indexPut_(new Index[] {Index.all(), Index.slice(1, null, null)},
                remove.index(Index.all(), Index.slice(null, -1, null)).clone(), false);
        remove.indexPut_(new Index[] {Index.all(), Index.of(0)}, 0, false);
        logits = logits.maskedFill(remove.scatter(1, sorted.indices(), remove), Double.NEGATIVE_INFINITY);
        return Functional.softmax(logits, -1);
    }

    private static GPT2 gpt(String file, DType dtype) throws Exception {
        GPT2 model = new GPT2();
        model.to(dtype);
        Module.IncompatibleKeys keys = Safetensors.loadModel(model, resource(file));
        assertEquals(List.of(), keys.missingKeys());
        assertEquals(List.of(), keys.unexpectedKeys());
        model.eval();
        return model;
    }

    @Test
    void gpt2Bf16CheckpointGreedyWithKvCacheInFloat64() throws Exception {
        Map<String, Tensor> file = Safetensors.load(resource("gpt2_bf16.safetensors"));
        assertEquals(DType.BFLOAT16, file.get("transformer.wte.weight").dtype());
        assertTrue(!file.containsKey("lm_head.weight"));
        GPT2 model = gpt("gpt2_bf16.safetensors", DType.FLOAT64);
        assertTrue(model.lmHead.weight() == model.transformer.wte.weight(), "tie kept through loading");
        try (GradMode g = Ember.noGrad()) {
            Tensor[] r = greedy(model, e("gpt_prompt"), 6);
            assertClose(e("gpt_bf16_greedy_logits"), r[1], "step logits");
            assertArrayEquals(e("gpt_bf16_greedy_seq").toLongArray(), r[0].toLongArray(), "greedy tokens");
            assertClose(e("gpt_bf16_full_logits"), r[2], "uncached logits");
            // a static cache written in place (kc[:, :, t0:t0 + T] = k), attention over a view of its first rows
            List<Tensor[]> cache = new ArrayList<>();
            for (int i = 0; i < NL; i++) {
                cache.add(new Tensor[] {Tensor.zeros(DType.FLOAT64, 2, NH, 11, C / NH),
                        Tensor.zeros(DType.FLOAT64, 2, NH, 11, C / NH)});
            }
            Tensor prompt = e("gpt_prompt");
            Out o = model.step(prompt, null, null, null, cache, 0);
            List<Tensor> stepLogits = new ArrayList<>(List.of(last(o.logits())));
            for (int t = 0; t < 6; t++) {
                Tensor next = stepLogits.get(t).argmax(-1, true);
                o = model.step(next, null, null, null, cache, 5 + t);
                stepLogits.add(last(o.logits()));
            }
            assertClose(e("gpt_static_logits"), Tensor.stack(stepLogits, 1), "static-cache logits");
        }
    }

    /**
     * An older Hugging Face file: float16 weights and each block's causal-mask buffer {@code attn.bias} (bool), which
     * the model does not have: a non-strict load reports those as unexpected and, the tie kept, nothing as missing
     * ({@code safetensors.torch.load_model(model, file, strict=False)}).
     */
    @Test
    void gpt2OldFloat16CheckpointWithMaskBuffersLoadedNonStrict() throws Exception {
        Map<String, Tensor> file = Safetensors.load(resource("gpt2_f16_old.safetensors"));
        assertEquals(DType.BOOL, file.get("transformer.h.0.attn.bias").dtype());
        GPT2 model = new GPT2();
        model.to(DType.FLOAT64);
        Module.IncompatibleKeys keys = Safetensors.loadModel(model, resource("gpt2_f16_old.safetensors"), false);
        assertEquals(List.of(), keys.missingKeys());
        assertEquals(List.of("transformer.h.0.attn.bias", "transformer.h.1.attn.bias"), keys.unexpectedKeys());
        model.eval();
        try (GradMode g = Ember.noGrad()) {
            assertClose(e("gpt_f16_logits"), model.apply(e("gpt_prompt")), "logits from the float16 weights");
        }
    }

    @Test
    void gpt2LeftPaddedBatchWithAttentionMask() throws Exception {
        GPT2 model = gpt("gpt2_bf16.safetensors", DType.FLOAT64);
        Tensor ids = e("gpt_pad_ids"), am = e("gpt_pad_mask");
        Tensor pos = am.cumsum(-1).sub(1).maskedFill(am.eq(0), 1);
        Tensor keys = am.to(DType.BOOL).index(Index.all(), Index.newAxis(), Index.newAxis(), Index.all());
        Tensor mask = Tensor.ones(5, 5).tril().to(DType.BOOL).logicalAnd(keys);
        assertArrayEquals(new int[] {2, 1, 5, 5}, mask.shape());
        try (GradMode g = Ember.noGrad()) {
            Out o = model.step(ids, null, pos, mask);
            assertClose(e("gpt_pad_prefill_logits"), o.logits(), "prefill logits (pad rows: 2.5's zero attention)");
            Tensor seq = ids;
            List<Tensor> stepLogits = new ArrayList<>(List.of(last(o.logits())));
            for (int i = 0; i < 4; i++) {
                Tensor next = stepLogits.get(i).argmax(-1, true);
                seq = Tensor.cat(List.of(seq, next), 1);
                am = Tensor.cat(List.of(am, Tensor.ones(DType.INT64, 2, 1)), 1);
                o = model.step(next, o.presents(), am.sum(-1, true).sub(1),
                        am.to(DType.BOOL).index(Index.all(), Index.newAxis(), Index.newAxis(), Index.all()));
                stepLogits.add(last(o.logits()));
            }
            assertClose(e("gpt_pad_logits"), Tensor.stack(stepLogits, 1), "step logits");
            assertArrayEquals(e("gpt_pad_seq").toLongArray(), seq.toLongArray(), "tokens");
        }
    }

    /**
     * The model run in bfloat16 itself: every op rounds to bf16, so neither run matches the other to a fixed tolerance;
     * each logit of Ember's run is held to the float64 logits of the same bf16 weights as closely as PyTorch's run is
     * (its largest error over all logits, plus one bf16 ulp of the largest logit), and its greedy choices to PyTorch's.
     */
    @Test
    void gpt2RunInBfloat16() throws Exception {
        GPT2 model = gpt("gpt2_bf16.safetensors", DType.BFLOAT16);
        try (GradMode g = Ember.noGrad()) {
            Tensor logits = model.apply(e("gpt_bf16_greedy_seq"));
            assertEquals(DType.BFLOAT16, logits.dtype());
            double[] exact = e("gpt_bf16_full_logits").toDoubleArray();
            double[] torch = e("gpt_bf16_run_logits").to(DType.FLOAT64).toDoubleArray();
            double[] ours = logits.to(DType.FLOAT64).toDoubleArray();
            double torchErr = 0, scale = 0, ourErr = 0;
            for (int i = 0; i < exact.length; i++) {
                torchErr = Math.max(torchErr, Math.abs(torch[i] - exact[i]));
                ourErr = Math.max(ourErr, Math.abs(ours[i] - exact[i]));
                scale = Math.max(scale, Math.abs(exact[i]));
            }
            double ulp = Math.scalb(1.0, Math.getExponent(scale) - 7);
            assertTrue(ourErr <= torchErr + ulp, "bf16 logits off the float64 ones by " + ourErr + ", PyTorch's by "
                    + torchErr);
        }
    }

    @Test
    void gpt2Bf16SamplingWithTemperatureTopKTopP() throws Exception {
        GPT2 model = gpt("gpt2_bf16.safetensors", DType.FLOAT64);
        Tensor expectedSeq = e("gpt_bf16_sample_seq"), expectedProbs = e("gpt_bf16_sample_probs");
        Generator gen = new Generator(7);
        Tensor prompt = e("gpt_prompt");
        int t0 = prompt.size(1);
        List<Tensor> ownDraws = new ArrayList<>();
        try (GradMode g = Ember.noGrad()) {
            Out o = model.step(prompt, null);
            for (int i = 0; i < 5; i++) {
                Tensor p = filteredProbs(last(o.logits()), expectedSeq.narrow(1, 0, t0 + i), 1.2, 1.3, 8, 0.9);
                assertClose(expectedProbs.select(1, i), p, "probs step " + i);
                Tensor own = p.multinomial(1, false, gen);
                ownDraws.add(own);
                double[] chosen = p.gather(1, own).toDoubleArray();
                for (double c : chosen) {
                    assertTrue(c > 0, "Ember drew a token outside the top-k/top-p support");
                }
                Tensor next = expectedSeq.narrow(1, t0 + i, 1); // PyTorch's draw, fed on
                o = model.step(next, o.presents());
            }
        }
        // the same seed draws the same tokens again
        Generator again = new Generator(7);
        try (GradMode g = Ember.noGrad()) {
            Out o = model.step(prompt, null);
            for (int i = 0; i < 5; i++) {
                Tensor p = filteredProbs(last(o.logits()), expectedSeq.narrow(1, 0, t0 + i), 1.2, 1.3, 8, 0.9);
                assertArrayEquals(ownDraws.get(i).toLongArray(), p.multinomial(1, false, again).toLongArray());
                o = model.step(expectedSeq.narrow(1, t0 + i, 1), o.presents());
            }
        }
    }

    @Test
    void gpt2Float32CheckpointGreedy() throws Exception {
        GPT2 model = gpt("gpt2_f32.safetensors", DType.FLOAT32);
        try (GradMode g = Ember.noGrad()) {
            Tensor[] r = greedy(model, e("gpt_prompt"), 6);
            // float32 through two blocks at the default tolerance. Traced op by op against the generator's run
            // (session 49: PyTorch 1.13, one thread, each op fed PyTorch's own inputs): GELU's tanh form has PyTorch's
            // bits at every call (its sizes, 640 and 128, are whole vector passes, so no run tail is involved), and so
            // do the embeddings, residual adds and the decode steps' addmm (2 rows). Since session 50 layer_norm's
            // float32 forward is PyTorch 1.13's float kernel too (its RowwiseMoments Welford; LayerNormBitsTest, rows
            // of 128 among its cases; not traced again op by op here). What still differs:
            // scaled_dot_product_attention (Ember's fused kernel against the math composition the generator writes;
            // the softmax alone differs by 1-2 ulps, its exp not Sleef's) and the prefill's addmm (10 rows: OpenBLAS's
            // kernel sums in another order); each alone moved the step logits by up to 0.6-0.9 of the default
            // tolerance in session 49's trace. Session 50, this machine (AVX-512): the worst logit is off by 0.75 of
            // the tolerance (1.54 with -Dember.layerNorm.doubleForward=true, the old statistics, which fails here).
            assertClose(e("gpt_f32_greedy_logits"), r[1], "step logits (float32)", 1);
            assertArrayEquals(e("gpt_f32_greedy_seq").toLongArray(), r[0].toLongArray(), "greedy tokens");
        }
    }

    // ------------------------------------------------------------------ 2. tabular

    static final int N = 40, NV = 12;

    static final class Tabular extends Module {
        final Embedding emb1 = registerModule("emb1", new Embedding(5, 3));
        final Embedding emb2 = registerModule("emb2", new Embedding(7, 3));
        final EmbeddingBag bag = registerModule("bag", new EmbeddingBag(6, 3, "mean"));
        final Linear fc1 = registerModule("fc1", new Linear(12, 16, false)); // no bias before BatchNorm
        final BatchNorm1d bn = registerModule("bn", new BatchNorm1d(16));
        final Dropout drop = registerModule("drop", new Dropout(0.3));
        final Linear headBin = registerModule("head_bin", new Linear(16, 1));
        final Linear headCls = registerModule("head_cls", new Linear(16, 3));

        Tensor[] run(TabBatch b) {
            Tensor h = Tensor.cat(List.of(emb1.apply(b.c1()), emb2.apply(b.c2()), bag.apply(b.tags(), b.offsets()),
                    b.x()), 1);
            h = drop.apply(Functional.relu(bn.apply(fc1.apply(h))));
            return new Tensor[] {headBin.apply(h).squeeze(1), headCls.apply(h)};
        }

        @Override
        public Tensor forward(Tensor x) {
            throw new UnsupportedOperationException("run(TabBatch)");
        }
    }

    record TabBatch(Tensor idx, Tensor c1, Tensor c2, Tensor tags, Tensor offsets, Tensor x) {
    }

    /** A sampler replaying PyTorch's WeightedRandomSampler draws, one epoch after another. */
    static final class Replay implements Sampler {
        final long[][] epochs;
        int epoch;

        Replay(long[][] epochs) {
            this.epochs = epochs;
        }

        @Override
        public PrimitiveIterator.OfInt iterator() {
            return Arrays.stream(epochs[epoch++]).mapToInt(v -> (int) v).iterator();
        }

        @Override
        public int size() {
            return N;
        }
    }

    @Test
    void tabularEmbeddingsBatchNormWeightedLossesEarlyStopping(@TempDir Path dir) throws Exception {
        Tensor cat1 = e("tab_cat1"), cat2 = e("tab_cat2"), num = e("tab_num"), yBin = e("tab_ybin"), yCls = e("tab_ycls");
        long[] bagLen = e("tab_bag_len").toLongArray();
        Tensor allTags = e("tab_tags");
        long[] bagStart = new long[bagLen.length];
        for (int i = 1; i < bagLen.length; i++) {
            bagStart[i] = bagStart[i - 1] + bagLen[i - 1];
        }
        // winsorized with the training set's per-column quantiles, then standardized
        Tensor lo = num.narrow(0, 0, N).quantile(0.05, 0, false, "linear"),
                hi = num.narrow(0, 0, N).quantile(0.95, 0, false, "linear");
        assertClose(e("tab_lo"), lo, "5% quantiles");
        assertClose(e("tab_hi"), hi, "95% quantiles");
        Tensor numW = num.clamp(lo, hi);
        Tensor train = numW.narrow(0, 0, N);
        Tensor mean = train.mean(0), std = train.std(0);
        assertClose(e("tab_mean"), mean, "mean");
        assertClose(e("tab_std"), std, "std");
        Tensor numz = numW.sub(mean).div(std);
        java.util.function.Function<List<Integer>, TabBatch> collate = idx -> {
            Tensor i = Tensor.tensor(idx.stream().mapToLong(Integer::longValue).toArray());
            List<Tensor> t = new ArrayList<>();
            long[] offsets = new long[idx.size()];
            for (int k = 0; k < idx.size(); k++) {
                int r = idx.get(k);
                t.add(allTags.narrow(0, (int) bagStart[r], (int) bagLen[r]));
                offsets[k] = k == 0 ? 0 : offsets[k - 1] + bagLen[idx.get(k - 1)];
            }
            return new TabBatch(i, cat1.index(Index.of(i)), cat2.index(Index.of(i)), Tensor.cat(t, 0),
                    Tensor.tensor(offsets), numz.index(Index.of(i)));
        };

        // the sampler a PyTorch user writes, checked for what it promises: counts that follow the weights
        Tensor weights = e("tab_weights");
        WeightedRandomSampler wrs = new WeightedRandomSampler(weights, 20000, true, new Generator(5));
        double[] w = weights.toDoubleArray();
        double posW = 0, total = 0;
        for (int k = 0; k < N; k++) {
            total += w[k];
            posW += yBin.toDoubleArray()[k] > 0 ? w[k] : 0;
        }
        int pos = 0;
        for (int i : wrs) {
            pos += yBin.toDoubleArray()[i] > 0 ? 1 : 0;
        }
        assertEquals(posW / total, pos / 20000.0, 0.02, "positive share of the weighted draws");

        long[] flat = e("tab_batches").toLongArray();
        int nBatches = flat.length / 16;
        assertEquals(0, nBatches % 3);
        long[][] epochs = new long[nBatches / 3][];
        for (int ep = 0; ep < epochs.length; ep++) {
            epochs[ep] = Arrays.stream(flat, ep * 48, ep * 48 + 48).filter(v -> v >= 0).toArray();
        }
        DataLoader<Integer, TabBatch> loader = DataLoader.builder(Dataset.of(IntStream.range(0, N).boxed().toList()))
                .batchSize(16).sampler(new Replay(epochs)).collate(collate).build();

        Tabular tab = loaded(new Tabular(), "tab.", DType.FLOAT64);
        BCEWithLogitsLoss bce = new BCEWithLogitsLoss(null, "mean", Tensor.tensor(new double[] {2.5}, DType.FLOAT64));
        CrossEntropyLoss ce = new CrossEntropyLoss(Tensor.tensor(new double[] {1.0, 2.0, 0.5}, DType.FLOAT64), -100, "mean", 0.1);
        List<Tensor> decay = new ArrayList<>(), noDecay = new ArrayList<>();
        tab.namedParameters().forEach((n, p) -> (p.dim() >= 2 && !n.contains("emb") && !n.contains("bag") ? decay : noDecay)
                .add(p));
        AdamW opt = new AdamW(decay, 0.08, 0.9, 0.999, 1e-8, 0.05, false);
        opt.addParamGroup(noDecay, Map.of("weight_decay", 0.0));
        TabBatch val = collate.apply(IntStream.range(N, N + NV).boxed().toList());
        Map<String, Tensor> best = null;
        double bestLoss = Double.POSITIVE_INFINITY;
        int bad = 0, stopped = -1;
        List<Double> trainLosses = new ArrayList<>(), valLosses = new ArrayList<>();
        for (int epoch = 0; epoch < 12; epoch++) {
            tab.train();
            tab.drop.eval();
            for (TabBatch b : loader) {
                Tensor[] o = tab.run(b);
                Tensor loss = bce.apply(o[0], yBin.index(Index.of(b.idx()))).add(ce.apply(o[1], yCls.index(Index.of(b.idx()))));
                opt.zeroGrad();
                loss.backward();
                opt.step();
                trainLosses.add(loss.item());
            }
            tab.eval();
            double vl;
            try (GradMode g = Ember.noGrad()) {
                Tensor[] o = tab.run(val);
                vl = bce.apply(o[0], yBin.narrow(0, N, NV)).add(ce.apply(o[1], yCls.narrow(0, N, NV))).item();
            }
            valLosses.add(vl);
            if (vl < bestLoss) {
                bestLoss = vl;
                bad = 0;
                best = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> en : tab.stateDict().entrySet()) {
                    best.put(en.getKey(), en.getValue().clone());
                }
            } else if (++bad >= 2) {
                stopped = epoch;
                break;
            }
        }
        assertEquals(e("tab_stopped").item(), stopped, 0, "early-stopping epoch");
        assertClose(e("tab_train_loss"), values(trainLosses), "train loss", 1000);
        assertClose(e("tab_val_loss"), values(valLosses), "val loss", 1000);
        assertClose(e("tab_last_fc1_grad"), tab.fc1.weight().grad(), "fc1 grad", 1000);
        assertClose(e("tab_bag_grad"), tab.bag.weight().grad(), "bag grad", 1000);

        Path file = dir.resolve("best.pt");
        TorchSerialization.save(best, file);
        Tabular fresh = new Tabular();
        fresh.to(DType.FLOAT64);
        fresh.loadStateDict(TorchSerialization.loadStateDict(file));
        fresh.eval();
        try (GradMode g = Ember.noGrad()) {
            Tensor[] o = fresh.run(val);
            assertClose(e("tab_best_val_bin"), o[0], "best model's val logits", 1000);
            assertClose(e("tab_best_val_prob"), Functional.softmax(o[1], 1), "best model's val probs", 1000);
        }
        assertClose(e("tab_best_running_mean"), fresh.bn.runningMean(), "running mean", 1000);
        assertClose(e("tab_best_running_var"), fresh.bn.runningVar(), "running var", 1000);
        assertEquals(e("tab_best_batches_tracked").item(), fresh.stateDict().get("bn.num_batches_tracked").item(), 0);
    }

    /** clamp with tensor bounds, differentiable in all three, as {@code torch.clamp(x, lo, hi)} and {@code clamp_min}. */
    @Test
    void clampWithTensorBounds() {
        Tensor x = e("clamp_x").clone().requiresGrad_(true);
        Tensor lo = e("clamp_lo").clone().requiresGrad_(true);
        Tensor hi = e("clamp_hi").clone().requiresGrad_(true);
        Tensor y = x.clamp(lo, hi);
        assertEquals("ClampBackward0", y.gradFn().name());
        assertClose(e("clamp_y"), y.detach(), "clamp");
        List<Tensor> g = Autograd.grad(List.of(y.mul(Tensor.arange(8, DType.FLOAT64).view(2, 4).add(1)).sum()),
                List.of(x, lo, hi), null, false);
        assertClose(e("clamp_gx"), g.get(0), "input grad");
        assertClose(e("clamp_glo"), g.get(1), "min grad (summed over the broadcast)");
        assertClose(e("clamp_ghi"), g.get(2), "max grad (where x > max or max < min)");
        Tensor m = x.clampMin(lo);
        assertEquals("ClampMinBackward1", m.gradFn().name());
        g = Autograd.grad(List.of(m.pow(2).sum()), List.of(x, lo), null, false);
        assertClose(e("clamp_min_gx"), g.get(0), "clamp_min input grad");
        assertClose(e("clamp_min_glo"), g.get(1), "clamp_min bound grad");
        assertEquals("torch.clamp: At least one of 'min' or 'max' must not be None",
                assertThrows(IllegalArgumentException.class, () -> x.clamp((Tensor) null, null)).getMessage());
    }

    /** Gradcheck of clamp with tensor bounds in all three operands (values kept away from the ties). */
    @Test
    void clampWithTensorBoundsGradchecks() {
        Tensor x = Tensor.tensor(new double[] {-2.1, -0.4, 0.3, 1.7, 2.6, -1.3}, DType.FLOAT64, Device.CPU).reshape(2, 3)
                .requiresGrad_(true);
        Tensor lo = Tensor.tensor(new double[] {-1.0, 0.1, -0.5}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        Tensor hi = Tensor.tensor(new double[] {1.5, 0.9, -0.8}, DType.FLOAT64, Device.CPU).requiresGrad_(true); // hi < lo last
        assertTrue(Autograd.gradcheck(a -> a[0].clamp(a[1], a[2]), x, lo, hi));
        assertTrue(Autograd.gradcheck(a -> a[0].clampMin(a[1]), x, lo));
        assertTrue(Autograd.gradcheck(a -> a[0].clampMax(a[1]), x, hi));
    }

    // ------------------------------------------------------------------ 3. metric learning

    @Test
    void metricLearningLossesInfoNceAndRetrieval() {
        Sequential enc = loaded(new Sequential(new Linear(8, 16), new Tanh(), new Linear(16, 4)), "enc.", DType.FLOAT64);
        Tensor xa = e("ml_xa"), xb = e("ml_xb"), neg = e("ml_neg"), pairT = e("ml_pair_t"), rankT = e("ml_rank_t");
        Adam opt = new Adam(enc.parameters(), 0.03);
        double tau = 0.2;
        List<Tensor> parts = new ArrayList<>();
        for (int step = 0; step < 5; step++) {
            Tensor za = Functional.normalize(enc.apply(xa), 2, 1, 1e-12);
            Tensor zb = Functional.normalize(enc.apply(xb), 2, 1, 1e-12);
            Tensor zn = zb.index(Index.of(neg));
            Tensor trip = Functional.tripletMarginLoss(za, zb, zn, 0.5, 2, 1e-6, false, "mean");
            Tensor cos = Functional.cosineEmbeddingLoss(za, zn, pairT, 0.1, "mean");
            Tensor sPos = Functional.cosineSimilarity(za, zb);
            Tensor sNeg = Functional.cosineSimilarity(za, zn);
            Tensor rank = Functional.marginRankingLoss(sPos, sNeg, rankT, 0.2, "mean");
            Tensor sim = za.matmul(zb.t()).div(tau);
            Tensor nce = sim.logsumexp(1).sub(sim.diagonal()).mean();
            Tensor nceCe = Functional.crossEntropy(sim, Tensor.arange(10));
            Tensor loss = trip.add(cos).add(rank).add(nce);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            parts.add(Tensor.stack(List.of(trip, cos, rank, nce, nceCe), 0).detach());
        }
        assertClose(e("ml_parts"), Tensor.stack(parts, 0), "losses", 100);
        assertClose(e("ml_enc0_grad"), enc.get(0, Linear.class).weight().grad(), "encoder grad", 100);
        try (GradMode g = Ember.noGrad()) {
            Tensor q = Functional.normalize(enc.apply(xb), 2, 1, 1e-12);
            Tensor gal = Functional.normalize(enc.apply(xa), 2, 1, 1e-12);
            Tensor d = Functional.cdist(q, gal);
            Tensor.ValuesIndices top = d.topk(3, 1, false, true);
            assertClose(e("ml_cdist"), d, "cdist", 1e4);
            assertClose(e("ml_top_d"), top.values(), "top distances", 1e4);
            assertArrayEquals(e("ml_top_i").toLongArray(), top.indices().toLongArray(), "top indices");
            assertClose(e("ml_cdist_l1"), Functional.cdist(q, gal, 1), "cdist p=1", 100);
            Tensor cs = Functional.cosineSimilarity(q.index(Index.all(), Index.newAxis(), Index.all()),
                    gal.index(Index.newAxis(), Index.all(), Index.all()), -1, 1e-8);
            assertClose(e("ml_cos_matrix"), cs, "cosine matrix", 100);
            assertArrayEquals(e("ml_cos_top_i").toLongArray(), cs.topk(3, 1, true, true).indices().toLongArray());
            assertClose(e("ml_pdist"), Functional.pairwiseDistance(q, gal.index(Index.of(neg))), "pairwise distance", 100);
            assertClose(e("ml_recall1"), d.argmin(1).eq(Tensor.arange(10)).to(DType.FLOAT64).mean(), "recall@1");
        }
    }

    // ------------------------------------------------------------------ 4. time series

    static final class Forecaster extends Module {
        final Conv1d conv = registerModule("conv", new Conv1d(1, 4, 3, 1, 0, 2, 1, true));
        final GRU enc = registerModule("enc", new GRU(4, 8, true));
        final LSTM dec = registerModule("dec", new LSTM(1, 8, true));
        final Linear out = registerModule("out", new Linear(8, 1));

        LstmState encode(Tensor x) {
            Tensor h = Functional.relu(conv.apply(Functional.pad(x.unsqueeze(1), new int[] {4, 0})));
            Tensor hn = enc.apply(h.transpose(1, 2), null).h();
            return new LstmState(hn, hn.zerosLike());
        }

        Tensor teacherForced(Tensor x, Tensor y) {
            LstmState state = encode(x);
            Tensor decIn = Tensor.cat(List.of(x.narrow(1, x.size(1) - 1, 1), y.narrow(1, 0, y.size(1) - 1)), 1).unsqueeze(2);
            return out.apply(dec.apply(decIn, state).output()).squeeze(2);
        }

        Tensor forecast(Tensor x, int steps) {
            LstmState state = encode(x);
            Tensor inp = x.narrow(1, x.size(1) - 1, 1).unsqueeze(2);
            List<Tensor> preds = new ArrayList<>();
            for (int i = 0; i < steps; i++) {
                RnnOutput o = dec.apply(inp, state);
                state = new LstmState(o.h(), o.c());
                inp = out.apply(o.output());
                preds.add(inp.squeeze(2));
            }
            return Tensor.cat(preds, 1);
        }

        @Override
        public Tensor forward(Tensor x) {
            return forecast(x, 4);
        }
    }

    /**
     * The forecaster in float32 with the float64 targets a numpy pipeline hands over: mse_loss promotes to a float64 loss,
     * huber_loss writes into {@code empty_like(input)} and gives a float32 one (computed in float64, rounded), as
     * PyTorch's. The prediction is float32, so values agree to float32's tolerance. PyTorch's backward refuses both mixed
     * pairs ("Found dtype Double but expected Float"); Ember's converts the gradient, which lands as float32.
     */
    @Test
    void timeSeriesFloat32ModelWithFloat64Targets() {
        Tensor win = e("ts_series").unfold(0, 12, 1);
        Tensor x = win.narrow(1, 0, 8).narrow(0, 0, 16), y = win.narrow(1, 8, 4).narrow(0, 0, 16);
        Forecaster fc = loaded(new Forecaster(), "ts.", DType.FLOAT32);
        Tensor pred = fc.teacherForced(x.to(DType.FLOAT32), y.to(DType.FLOAT32));
        assertClose(e("ts32_pred"), pred, "float32 prediction");
        Tensor mse = Functional.mseLoss(pred, y);
        Tensor huber = Functional.huberLoss(pred, y, "mean", 0.5);
        Tensor huberNone = Functional.huberLoss(pred, y, "none", 0.5);
        assertEquals(DType.FLOAT64, mse.dtype());
        assertEquals(DType.FLOAT32, huber.dtype(), "huber_loss keeps the input's type");
        assertClose(e("ts32_mse").to(DType.FLOAT32), mse.to(DType.FLOAT32), "mse");
        assertClose(e("ts32_huber"), huber, "huber");
        assertClose(e("ts32_huber_none"), huberNone, "huber, reduction none");
        huber.add(mse).backward();
        assertEquals(DType.FLOAT32, fc.conv.weight().grad().dtype());
        // an integer input cannot hold the float loss (PyTorch's TensorIterator message, 1.13 and 2.x)
        IllegalArgumentException err = assertThrows(IllegalArgumentException.class,
                () -> Functional.huberLoss(Tensor.arange(3), Tensor.ones(3)));
        assertEquals("result type Float can't be cast to the desired output type Long", err.getMessage());
    }

    @Test
    void timeSeriesSeq2SeqWithClippingAndWarmRestarts() {
        Tensor t = Tensor.arange(60, DType.FLOAT64);
        assertClose(e("ts_clean"), t.mul(0.3).sin().add(t.mul(0.05).sin().mul(0.5)), "series without its noise");
        Tensor win = e("ts_series").unfold(0, 12, 1);
        assertArrayEquals(new int[] {49, 12}, win.shape());
        Tensor x = win.narrow(1, 0, 8), y = win.narrow(1, 8, 4);
        Forecaster fc = loaded(new Forecaster(), "ts.", DType.FLOAT64);
        SGD opt = new SGD(fc.parameters(), 0.1, 0.9, 0, 0, false);
        CosineAnnealingWarmRestarts sched = new CosineAnnealingWarmRestarts(opt, 2, 2, 0.005);
        int iters = 3;
        List<Double> losses = new ArrayList<>(), norms = new ArrayList<>(), lrs = new ArrayList<>();
        for (int epoch = 0; epoch < 5; epoch++) {
            for (int i = 0; i < iters; i++) {
                Tensor xb = x.narrow(0, 16 * i, 16), yb = y.narrow(0, 16 * i, 16);
                Tensor pred = fc.teacherForced(xb, yb);
                Tensor loss = Functional.mseLoss(pred, yb).add(Functional.huberLoss(pred, yb, "mean", 0.5));
                opt.zeroGrad();
                loss.backward();
                ClipGrad.clipGradValue_(fc.parameters(), 0.5);
                norms.add(ClipGrad.clipGradNorm_(fc.parameters(), 1.0).item());
                opt.step();
                sched.step(epoch + (double) i / iters);
                losses.add(loss.item());
                lrs.add(opt.paramGroups().get(0).lr());
            }
        }
        assertClose(e("ts_lr"), values(lrs), "lr");
        assertClose(e("ts_loss"), values(losses), "loss", 1000);
        assertClose(e("ts_norm"), values(norms), "grad norm", 1000);
        assertClose(e("ts_conv_grad"), fc.conv.weight().grad(), "conv grad", 1000);
        assertClose(e("ts_dec_grad"), fc.dec.getParameter("weight_hh_l0").grad(), "decoder grad", 1000);
        fc.eval();
        try (GradMode g = Ember.noGrad()) {
            assertClose(e("ts_forecast"), fc.forecast(x.narrow(0, 48, 1), 4), "forecast", 1000);
            assertClose(e("ts_teacher"), fc.teacherForced(x.narrow(0, 40, 9), y.narrow(0, 40, 9)), "teacher forced", 1000);
        }
    }
}
