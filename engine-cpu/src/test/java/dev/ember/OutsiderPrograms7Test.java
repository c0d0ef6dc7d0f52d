package dev.ember;

import dev.ember.distributions.Categorical;
import dev.ember.distributions.KL;
import dev.ember.distributions.MixtureSameFamily;
import dev.ember.distributions.Normal;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Embedding;
import dev.ember.nn.EmbeddingBag;
import dev.ember.nn.Functional;
import dev.ember.nn.GRU;
import dev.ember.nn.GaussianNLLLoss;
import dev.ember.nn.LSTM;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleList;
import dev.ember.nn.PoissonNLLLoss;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Tanh;
import dev.ember.nn.BCEWithLogitsLoss;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;
import dev.ember.nn.utils.Rnn;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.LambdaLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RMSprop;
import dev.ember.optim.SGD;
import dev.ember.OutsiderTraining.Container;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static dev.ember.OutsiderFixture.assertCloseAny;
import static dev.ember.OutsiderFixture.close;
import static dev.ember.OutsiderFixture.same;
import static dev.ember.OutsiderFixture.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 31's outsider pass, round 7: NLP, tabular, probabilistic, RL and scientific programs written as a PyTorch user
 * writes them from reference code (Hugging Face's BERT and T5, pytorch-crf, sentence-transformers, CleanRL's DQN, SAC and
 * PPO's GAE, WaveNet, DeepONet), ported line by line and run in float64 from PyTorch's initial weights and fixed data,
 * held to PyTorch's losses, gradients of every named parameter after the first backward, parameters after the last step
 * and outputs ({@code resources/outsiderprograms7/make_expected.py} wrote {@code programs7.pt} with PyTorch 1.13).
 * Randomness a program draws (BERT's 80/10/10 masking, the reparameterization noise) comes from the file, since Ember's
 * generator differs. Tolerances are {@link LossesMoreTest#assertClose}'s (float64: 1e-12 relative to the largest
 * magnitude of the tensor compared), times a factor stated where optimizer steps compound rounding.
 * <ol>
 * <li>A BERT masked LM (tied decoder, additive finfo.min padding mask, ignore_index=-100, accumulation over two
 * micro-batches, clip_grad_norm_, AdamW with a linear warmup LambdaLR), mean pooling, T5's relative position buckets,
 * ALiBi.</li>
 * <li>A BiLSTM-CRF tagger (forward algorithm, gold score, Viterbi with backtracking), an HMM forward algorithm.</li>
 * <li>A factorization machine, EmbeddingBag in every mode, skip-gram with negative sampling, DCN-v2, sparsemax in ops,
 * the pinball loss, Poisson and Gaussian NLL losses with their options, BCEWithLogits with weight and pos_weight.</li>
 * <li>GP regression (cdist, cholesky, cholesky_solve, solve_triangular), Bayes-by-backprop, a mixture density
 * network.</li>
 * <li>DQN with a target network and Polyak updates, a SAC actor and temperature, GAE and REINFORCE.</li>
 * <li>A WaveNet, a bidirectional GRU over unsorted packed sequences, a DeepONet, a Fourier-feature MLP.</li>
 * </ol>
 */
class OutsiderPrograms7Test extends Float64DefaultDtype {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms7", "programs7.pt");
    private static final DType F64 = DType.FLOAT64;

    private static Tensor e(String name) {
        return PT.e(name);
    }

    /**
     * {@code steps} optimizer steps as the generator's {@code train}: the module starts from the state under
     * {@code prefix + "init."}; the gradients after the first backward against {@code prefix + "grad0."}, the losses,
     * the parameters after the last step against {@code prefix + "final."}.
     */
    private static void train(String prefix, Module model, Optimizer opt, int steps, Supplier<Tensor[]> forward,
                              Consumer<Tensor> first, Runnable afterBackward, double gradLoose, double finalLoose,
                              String what) {
        new OutsiderTraining(PT, prefix, model, opt, steps, step -> forward.get())
                .first(first == null ? null : y -> first.accept(((Tensor) y).detach())).afterBackward(afterBackward)
                .loose(gradLoose, finalLoose).what(what).run();
    }

    private static <M extends Module> M init(M m, String prefix) {
        return PT.loaded(m, prefix, F64);
    }

    // ------------------------------------------------------------------ 1. BERT

    private static final int V = 13;
    private static final int D = 8;
    private static final int H = 2;
    private static final int FF = 16;

    static final class BertEmbeddings extends Container {
        final Embedding word = registerModule("word_embeddings", new Embedding(V, D, 0));
        final Embedding position = registerModule("position_embeddings", new Embedding(10, D));
        final Embedding tokenType = registerModule("token_type_embeddings", new Embedding(2, D));
        final LayerNorm norm = registerModule("LayerNorm", new LayerNorm(new int[] {D}, 1e-12, true, true));

        Tensor embed(Tensor ids, Tensor types) {
            Tensor pos = Tensor.arange(ids.size(1)).unsqueeze(0);
            return norm.apply(word.apply(ids).add(position.apply(pos)).add(tokenType.apply(types)));
        }
    }

    static final class BertLayer extends Container {
        final Linear query = registerModule("query", new Linear(D, D));
        final Linear key = registerModule("key", new Linear(D, D));
        final Linear value = registerModule("value", new Linear(D, D));
        final Linear attnOut = registerModule("attn_out", new Linear(D, D));
        final LayerNorm attnNorm = registerModule("attn_norm", new LayerNorm(new int[] {D}, 1e-12, true, true));
        final Linear intermediate = registerModule("intermediate", new Linear(D, FF));
        final Linear output = registerModule("output", new Linear(FF, D));
        final LayerNorm outNorm = registerModule("out_norm", new LayerNorm(new int[] {D}, 1e-12, true, true));

        static Tensor heads(Tensor x) {
            return x.view(x.size(0), x.size(1), H, D / H).permute(0, 2, 1, 3);
        }

        Tensor layer(Tensor x, Tensor extMask) {
            Tensor q = heads(query.apply(x));
            Tensor k = heads(key.apply(x));
            Tensor v = heads(value.apply(x));
            Tensor scores = q.matmul(k.transpose(-1, -2)).div(Math.sqrt(D / H)).add(extMask);
            Tensor probs = Functional.softmax(scores, -1);
            Tensor ctx = probs.matmul(v).permute(0, 2, 1, 3).contiguous();
            ctx = ctx.view(ctx.size(0), ctx.size(1), D);
            x = attnNorm.apply(attnOut.apply(ctx).add(x));
            return outNorm.apply(output.apply(Functional.gelu(intermediate.apply(x))).add(x));
        }
    }

    static final class BertMlm extends Container {
        final BertEmbeddings embeddings = registerModule("embeddings", new BertEmbeddings());
        final BertLayer layer = registerModule("layer", new BertLayer());
        final Linear transform = registerModule("transform", new Linear(D, D));
        final LayerNorm transformNorm = registerModule("transform_norm", new LayerNorm(new int[] {D}, 1e-12, true, true));
        final Linear decoder = registerModule("decoder", new Linear(D, V));

        BertMlm() {
            decoder.setParameter("weight", embeddings.word.weight()); // self.decoder.weight = ...word_embeddings.weight
        }

        Tensor encode(Tensor ids, Tensor types, Tensor mask) {
            DType dt = embeddings.word.weight().dtype(); // Hugging Face: the model's dtype
            Tensor ext = mask.index(Index.all(), Index.newAxis(), Index.newAxis(), Index.all()).to(dt).rsub(1.0)
                    .mul(Tensor.finfo(dt).min());
            return layer.layer(embeddings.embed(ids, types), ext);
        }

        Tensor logits(Tensor ids, Tensor types, Tensor mask) {
            return decoder.apply(transformNorm.apply(Functional.gelu(transform.apply(encode(ids, types, mask)))));
        }
    }

    @Test
    void bertMaskedLmWithTiedDecoderAccumulationClippingAndWarmup() {
        BertMlm bert = init(new BertMlm(), "bert.init.");
        assertSame(bert.embeddings.word.weight(), bert.decoder.weight(), "the tie survives load_state_dict");
        int warmup = 2;
        int total = 5;
        AdamW opt = new AdamW(bert.parameters(), 0.01, 0.9, 0.999, 1e-8, 0.01, false);
        LambdaLR sched = new LambdaLR(opt, s -> s < warmup ? (double) s / Math.max(1, warmup)
                : Math.max(0.0, (double) (total - s) / Math.max(1, total - warmup)));
        List<Double> losses = new ArrayList<>();
        List<Double> norms = new ArrayList<>();
        List<Double> lrs = new ArrayList<>();
        for (int step = 0; step < 4; step++) {
            opt.zeroGrad();
            double sum = 0;
            for (int mb = 0; mb < 2; mb++) {
                Tensor logits = bert.logits(e("bert.ids" + mb), e("bert.types" + mb), e("bert.mask" + mb));
                Tensor loss = Functional.crossEntropy(logits.view(-1, V), e("bert.labels" + mb).view(-1), -100)
                        .div(2.0);
                loss.backward();
                sum += loss.item();
                if (step == 0 && mb == 0) {
                    same(e("bert.logits0"), logits, "BERT logits");
                }
            }
            if (step == 0) {
                PT.assertNamed("bert.grad0.", bert, true, 1, "BERT gradient");
            }
            norms.add(ClipGrad.clipGradNorm_(bert.parameters(), 1.0).item());
            opt.step();
            lrs.add(sched.getLastLr()[0]);
            sched.step();
            losses.add(sum);
        }
        close(e("bert.loss"), values(losses, F64), "BERT losses", 10);
        close(e("bert.norm"), values(norms, F64), "BERT gradient norms", 10);
        close(e("bert.lr"), values(lrs, F64), "BERT learning rates", 1);
        PT.assertNamed("bert.final.", bert, false, 100, "BERT parameters after 4 steps");

        // sentence-transformers' mean pooling
        try (GradMode off = Ember.noGrad()) {
            Tensor mask = e("bert.mask0");
            Tensor tok = bert.encode(e("bert.ids0"), e("bert.types0"), mask);
            Tensor m = mask.unsqueeze(-1).expand(tok.shape()).toDouble();
            Tensor pooled = tok.mul(m).sum(1).div(m.sum(1).clampMin(1e-9));
            close(e("bert.pooled"), Functional.normalize(pooled, 2, 1, 1e-12), "mean pooling", 10);
        }
    }

    /** Hugging Face's T5 {@code _relative_position_bucket}, with its {@code .float()} (float32 under any default). */
    static Tensor relativePositionBucket(Tensor relativePosition, boolean bidirectional, int numBuckets,
                                        int maxDistance) {
        Tensor buckets = relativePosition.zerosLike();
        if (bidirectional) {
            numBuckets /= 2;
            buckets = buckets.add(relativePosition.gt(0L).toLong().mul((long) numBuckets));
            relativePosition = relativePosition.abs();
        } else {
            relativePosition = relativePosition.minimum(relativePosition.zerosLike()).neg();
        }
        int maxExact = numBuckets / 2;
        Tensor isSmall = relativePosition.lt((long) maxExact);
        Tensor large = relativePosition.toFloat().div((double) maxExact).log()
                .div(Math.log((double) maxDistance / maxExact)).mul((double) (numBuckets - maxExact)).toLong()
                .add((long) maxExact);
        large = large.minimum(large.fullLike(numBuckets - 1));
        return buckets.add(Tensor.where(isSmall, relativePosition, large));
    }

    @Test
    void t5RelativePositionBucketsAndAlibiSlopes() {
        Tensor ctx = Tensor.arange(0, 40, 5, DType.INT64).unsqueeze(1);
        Tensor mem = Tensor.arange(40).unsqueeze(0);
        Tensor rel = mem.sub(ctx);
        Tensor bi = relativePositionBucket(rel, true, 16, 32);
        assertEquals(DType.INT64, bi.dtype());
        assertArrayEquals(e("t5.bucket_bi").toLongArray(), bi.toLongArray(), "bidirectional buckets");
        assertArrayEquals(e("t5.bucket_uni").toLongArray(), relativePositionBucket(rel, false, 16, 32).toLongArray(),
                "unidirectional buckets");
        Embedding bias = new Embedding(16, 3);
        bias.to(F64);
        bias.loadStateDict(Map.of("weight", e("t5.bias_weight")));
        Tensor vals = bias.apply(bi).permute(2, 0, 1).unsqueeze(0);
        same(e("t5.values"), vals, "T5 position bias");
        Tensor probs = Functional.softmax(e("t5.scores").add(vals), -1);
        probs.mul(Tensor.arange(40).toDouble()).sum().backward();
        same(e("t5.bias_grad"), bias.weight().grad(), "T5 bias table gradient");

        // ALiBi: get_slopes(6) in Java doubles as Press et al.'s Python, then the biased causal attention
        double[] slopes = alibiSlopes(6);
        assertArrayEquals(e("alibi.slopes").toDoubleArray(), slopes, 0.0, "ALiBi slopes");
        int t = 5;
        Tensor pos = Tensor.arange(t);
        Tensor alibi = Tensor.tensor(slopes).view(-1, 1, 1).mul(pos.view(1, 1, t).sub(pos.view(1, t, 1)));
        Tensor causal = Tensor.full(F64, Double.NEGATIVE_INFINITY, t, t).triu(1);
        Tensor scores = e("alibi.scores").clone().requiresGrad_(true);
        Tensor o = Functional.softmax(scores.add(alibi).add(causal), -1).matmul(e("alibi.v"));
        same(e("alibi.out"), o, "ALiBi attention");
        o.pow(2).sum().backward();
        same(e("alibi.scores_grad"), scores.grad(), "ALiBi score gradient");
    }

    static double[] alibiSlopes(int n) {
        double log2 = Math.log(n) / Math.log(2);
        if (log2 == Math.rint(log2)) {
            double start = Math.pow(2, -Math.pow(2, -(log2 - 3)));
            double[] s = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = start * Math.pow(start, i);
            }
            return s;
        }
        int closest = 1 << (int) Math.floor(log2);
        double[] a = alibiSlopes(closest);
        double[] b = alibiSlopes(2 * closest);
        double[] s = Arrays.copyOf(a, n);
        for (int i = 0; i < n - closest; i++) {
            s[closest + i] = b[2 * i];
        }
        return s;
    }

    // ------------------------------------------------------------------ 2. CRF and HMM

    private static final int NTAGS = 5;

    /** pytorch-crf's CRF, batch_first, token_mean. */
    static final class Crf extends Container {
        Crf() {
            registerParameter("start_transitions", Tensor.zeros(NTAGS));
            registerParameter("end_transitions", Tensor.zeros(NTAGS));
            registerParameter("transitions", Tensor.zeros(NTAGS, NTAGS));
        }

        Tensor llh(Tensor emissions, Tensor tags, Tensor mask) {
            emissions = emissions.transpose(0, 1);
            tags = tags.transpose(0, 1);
            mask = mask.transpose(0, 1);
            Tensor llh = score(emissions, tags, mask).sub(normalizer(emissions, mask));
            return llh.sum().div(mask.toFloat().sum());
        }

        Tensor score(Tensor emissions, Tensor tags, Tensor maskBool) {
            int seqLength = tags.size(0);
            int batch = tags.size(1);
            Tensor mask = maskBool.typeAs(emissions);
            Tensor rows = Tensor.arange(batch);
            Tensor score = parameter("start_transitions").index(Index.of(tags.select(0, 0)));
            score = score.add(emissions.index(Index.of(0), Index.of(rows), Index.of(tags.select(0, 0))));
            for (int i = 1; i < seqLength; i++) {
                score = score.add(parameter("transitions").index(Index.of(tags.select(0, i - 1)),
                        Index.of(tags.select(0, i))).mul(mask.select(0, i)));
                score = score.add(emissions.index(Index.of(i), Index.of(rows), Index.of(tags.select(0, i)))
                        .mul(mask.select(0, i)));
            }
            Tensor seqEnds = mask.toLong().sum(0).sub(1L);
            Tensor lastTags = tags.index(Index.of(seqEnds), Index.of(rows));
            return score.add(parameter("end_transitions").index(Index.of(lastTags)));
        }

        Tensor normalizer(Tensor emissions, Tensor mask) {
            Tensor score = parameter("start_transitions").add(emissions.select(0, 0));
            for (int i = 1; i < emissions.size(0); i++) {
                Tensor next = score.unsqueeze(2).add(parameter("transitions")).add(emissions.select(0, i).unsqueeze(1));
                next = next.logsumexp(1);
                score = Tensor.where(mask.select(0, i).unsqueeze(1), next, score);
            }
            return score.add(parameter("end_transitions")).logsumexp(1);
        }

        /** Viterbi as pytorch-crf's _viterbi_decode: the best paths padded with -1, and the final scores. */
        Tensor[] decode(Tensor emissions, Tensor mask) {
            emissions = emissions.transpose(0, 1);
            mask = mask.transpose(0, 1);
            int seqLength = mask.size(0);
            int batch = mask.size(1);
            Tensor score = parameter("start_transitions").add(emissions.select(0, 0));
            List<Tensor> history = new ArrayList<>();
            for (int i = 1; i < seqLength; i++) {
                Tensor next = score.unsqueeze(2).add(parameter("transitions")).add(emissions.select(0, i).unsqueeze(1));
                Tensor.ValuesIndices best = next.max(1);
                score = Tensor.where(mask.select(0, i).unsqueeze(1), best.values(), score);
                history.add(best.indices());
            }
            score = score.add(parameter("end_transitions"));
            long[] seqEnds = mask.toLong().sum(0).sub(1L).toLongArray();
            long[][] paths = new long[batch][seqLength];
            for (int b = 0; b < batch; b++) {
                List<Long> tags = new ArrayList<>();
                tags.add(score.select(0, b).max(0).indices().longItem());
                for (int h = (int) seqEnds[b] - 1; h >= 0; h--) {
                    tags.add(history.get(h).select(0, b).select(0, (int) (long) tags.get(tags.size() - 1)).longItem());
                }
                java.util.Collections.reverse(tags);
                Arrays.fill(paths[b], -1);
                for (int i = 0; i < tags.size(); i++) {
                    paths[b][i] = tags.get(i);
                }
            }
            return new Tensor[] {Tensor.tensor(paths), score};
        }
    }

    static final class Tagger extends Container {
        final Embedding emb = registerModule("emb", new Embedding(12, 6, 0));
        final LSTM lstm = registerModule("lstm", new LSTM(6, 4, true, true));
        final Linear proj = registerModule("proj", new Linear(8, NTAGS));
        final Crf crf = registerModule("crf", new Crf());

        Tensor emissions(Tensor words) {
            return proj.apply(lstm.apply(emb.apply(words)));
        }
    }

    @Test
    void bilstmCrfTaggerWithForwardAlgorithmAndViterbi() {
        Tagger tagger = init(new Tagger(), "crf.init.");
        Tensor words = e("crf.words");
        Tensor tags = e("crf.tags");
        Tensor mask = e("crf.mask");
        train("crf.", tagger, new Adam(tagger.parameters(), 0.05), 4,
                () -> new Tensor[] {null, tagger.crf.llh(tagger.emissions(words), tags, mask).neg()},
                null, null, 10, 100, "BiLSTM-CRF");
        try (GradMode off = Ember.noGrad()) {
            Tensor[] best = tagger.crf.decode(tagger.emissions(words), mask);
            assertArrayEquals(e("crf.best").toLongArray(), best[0].toLongArray(), "Viterbi paths");
            close(e("crf.vscore"), best[1], "Viterbi scores", 100);
        }
    }

    static final class Hmm extends Container {
        Hmm() {
            registerParameter("start", Tensor.zeros(3));
            registerParameter("trans", Tensor.zeros(3, 3));
            registerParameter("emit", Tensor.zeros(3, 4));
        }

        Tensor loglik(Tensor obs, Tensor lengths) {
            Tensor logPi = Functional.logSoftmax(parameter("start"), -1);
            Tensor logA = Functional.logSoftmax(parameter("trans"), -1);
            Tensor logB = Functional.logSoftmax(parameter("emit"), -1);
            Tensor em = logB.t().index(Index.of(obs));
            Tensor alpha = logPi.add(em.select(1, 0));
            for (int i = 1; i < obs.size(1); i++) {
                Tensor next = alpha.unsqueeze(2).add(logA.unsqueeze(0)).logsumexp(1).add(em.select(1, i));
                alpha = Tensor.where(lengths.gt((long) i).unsqueeze(1), next, alpha);
            }
            return alpha.logsumexp(1);
        }
    }

    @Test
    void hmmForwardAlgorithmInLogSpace() {
        Hmm hmm = init(new Hmm(), "hmm.init.");
        Tensor obs = e("hmm.obs");
        Tensor lengths = e("hmm.lengths");
        train("hmm.", hmm, new SGD(hmm.parameters(), 0.1, 0.9, 0, 0, false), 3, () -> {
            Tensor ll = hmm.loglik(obs, lengths);
            return new Tensor[] {ll, ll.sum().neg().div(lengths.sum())};
        }, y -> same(e("hmm.loglik0"), y, "HMM log-likelihoods"), null, 1, 10, "HMM");
    }

    // ------------------------------------------------------------------ 3. Recommenders / tabular

    static final class FactorizationMachine extends Module {
        final Embedding linear = registerModule("linear", new Embedding(12, 1));
        final Embedding v = registerModule("v", new Embedding(12, 3));

        FactorizationMachine() {
            registerBuffer("offsets", Tensor.tensor(new long[] {0, 4, 7}), false);
            registerParameter("bias", Tensor.zeros(1));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = x.add(getBuffer("offsets").unsqueeze(0));
            Tensor lin = linear.apply(x).sum(1).squeeze(1).add(parameter("bias"));
            Tensor emb = v.apply(x);
            Tensor inter = emb.sum(1).pow(2).sub(emb.pow(2).sum(1)).sum(1).mul(0.5);
            return lin.add(inter);
        }
    }

    @Test
    void factorizationMachineWithWeightedPosWeightedBce() {
        FactorizationMachine fm = init(new FactorizationMachine(), "fm.init.");
        assertEquals(3, fm.stateDict().size(), "the non-persistent offsets stay out of the state dict");
        Tensor x = e("fm.x");
        Tensor y = e("fm.y");
        Tensor w = e("fm.w");
        Tensor posWeight = Tensor.tensor(new double[] {3.0});
        train("fm.", fm, new Adagrad(fm.parameters(), 0.1), 3, () -> {
            Tensor z = fm.apply(x);
            return new Tensor[] {z, Functional.binaryCrossEntropyWithLogits(z, y, w, posWeight, "mean")};
        }, null, null, 1, 10, "factorization machine");

        Tensor logits = e("ml.logits").clone().requiresGrad_(true);
        BCEWithLogitsLoss crit = new BCEWithLogitsLoss(Tensor.tensor(new double[] {1.0, 2.0, 0.5}), "sum",
                Tensor.tensor(new double[] {0.5, 4.0, 1.5}));
        Tensor loss = crit.apply(logits, e("ml.t"));
        same(e("ml.loss"), loss, "multi-label BCE with weight and pos_weight");
        loss.backward();
        same(e("ml.grad"), logits.grad(), "multi-label BCE gradient");
    }

    @Test
    void embeddingBagInEveryMode() {
        Tensor input = e("eb.input");
        Tensor offsets = e("eb.offsets");
        String[] names = {"sum_psw", "mean_pad", "max", "sum_last", "mean_2d"};
        for (String name : names) {
            EmbeddingBag bag;
            Tensor o;
            switch (name) {
                case "sum_psw" -> bag = new EmbeddingBag(10, 3, "sum");
                case "mean_pad" -> bag = new EmbeddingBag(10, 3, null, 2.0, false, "mean", false, 0L);
                case "max" -> bag = new EmbeddingBag(10, 3, "max");
                case "sum_last" -> bag = new EmbeddingBag(10, 3, null, 2.0, false, "sum", true, null);
                default -> bag = new EmbeddingBag(10, 3, null, 2.0, false, "mean", false, 2L);
            }
            bag.to(F64);
            bag.loadStateDict(Map.of("weight", e("eb." + name + ".weight")));
            switch (name) {
                case "sum_psw" -> o = bag.apply(input, offsets, e("eb.psw"));
                case "max" -> o = bag.apply(input, Tensor.tensor(new long[] {0, 3, 5, 9}));
                case "sum_last" -> o = bag.apply(input, Tensor.tensor(new long[] {0, 3, 3, 6, 11}));
                case "mean_2d" -> o = bag.apply(input.narrow(0, 0, 9).view(3, 3));
                default -> o = bag.apply(input, offsets);
            }
            same(e("eb." + name + ".out"), o, "EmbeddingBag " + name);
            o.mul(e("eb." + name + ".g")).sum().backward();
            same(e("eb." + name + ".grad"), bag.weight().grad(), "EmbeddingBag " + name + " gradient");
        }
        // from_pretrained (Ember had none): the table itself, its padding row kept and left out of the bags
        Tensor table = e("eb.pre.table").clone();
        EmbeddingBag pre = EmbeddingBag.fromPretrained(table, false, null, 2.0, false, "mean", false, 4L);
        assertSame(table, pre.weight(), "the pretrained tensor is the parameter");
        Tensor o = pre.apply(input, offsets);
        same(e("eb.pre.out"), o, "from_pretrained bags");
        o.mul(e("eb.mean_pad.g")).sum().backward();
        same(e("eb.pre.grad"), pre.weight().grad(), "from_pretrained gradient");
        EmbeddingBag frozen = EmbeddingBag.fromPretrained(e("eb.pre.table").clone(), true, "max");
        assertTrue(!frozen.weight().requiresGrad(), "freeze");
        same(e("eb.pre.frozen_out"), frozen.apply(input, Tensor.tensor(new long[] {0, 3, 5, 9})), "frozen max bags");
        assertEquals("Embeddings parameter is expected to be 2-dimensional", org.junit.jupiter.api.Assertions
                .assertThrows(IllegalArgumentException.class, () -> EmbeddingBag.fromPretrained(Tensor.zeros(3), true,
                        "sum")).getMessage());
    }

    static final class SkipGram extends Container {
        final Embedding inEmbed = registerModule("in_embed", new Embedding(15, 4));
        final Embedding outEmbed = registerModule("out_embed", new Embedding(15, 4));

        Tensor loss(Tensor center, Tensor context, Tensor negatives) {
            Tensor c = inEmbed.apply(center);
            Tensor pos = outEmbed.apply(context);
            Tensor neg = outEmbed.apply(negatives);
            Tensor posLoss = Functional.logsigmoid(c.mul(pos).sum(1));
            Tensor negLoss = Functional.logsigmoid(neg.bmm(c.unsqueeze(2)).squeeze(2).neg()).sum(1);
            return posLoss.add(negLoss).mean().neg();
        }
    }

    static final class Dcn extends Module {
        final ModuleList<Linear> cross = registerModule("cross", new ModuleList<>(new Linear(5, 5), new Linear(5, 5)));
        final Sequential deep = registerModule("deep",
                new Sequential(new Linear(5, 6), new ReLU(), new Linear(6, 4), new ReLU()));
        final Linear head = registerModule("head", new Linear(9, 1));

        @Override
        public Tensor forward(Tensor x0) {
            Tensor x = x0;
            for (Linear layer : cross) {
                x = x0.mul(layer.apply(x)).add(x);
            }
            return head.apply(Tensor.cat(List.of(x, deep.apply(x0)), 1)).squeeze(1);
        }
    }

    @Test
    void skipGramNegativeSamplingAndDcnCrossLayers() {
        SkipGram sg = init(new SkipGram(), "sg.init.");
        train("sg.", sg, new SGD(sg.parameters(), 0.5), 3,
                () -> new Tensor[] {null, sg.loss(e("sg.center"), e("sg.context"), e("sg.neg"))}, null, null, 1, 10,
                "skip-gram");
        Dcn dcn = init(new Dcn(), "dcn.init.");
        train("dcn.", dcn, new Adam(dcn.parameters(), 0.01), 3,
                () -> new Tensor[] {null, Functional.mseLoss(dcn.apply(e("dcn.x")), e("dcn.y"))}, null, null, 1, 10,
                "DCN-v2");
    }

    /** TabNet's sparsemax written in ops: sort, cumsum, the support, gather of the threshold, clamp. */
    static Tensor sparsemax(Tensor z, int dim) {
        Tensor zSorted = z.sort(dim, true).values();
        Tensor cssv = zSorted.cumsum(dim).sub(1.0);
        int[] shape = new int[z.dim()];
        Arrays.fill(shape, 1);
        shape[dim < 0 ? dim + z.dim() : dim] = -1;
        Tensor k = Tensor.arange(1, z.size(dim) + 1, 1, z.dtype()).view(shape);
        Tensor support = k.mul(zSorted).gt(cssv);
        Tensor supportSize = support.sum(new int[] {dim}, true);
        Tensor tau = cssv.gather(dim, supportSize.sub(1L)).div(supportSize.to(z.dtype()));
        return z.sub(tau).clampMin(0.0);
    }

    @Test
    void sparsemaxPinballPoissonAndGaussianNll() {
        Tensor z = e("sp.z").clone().requiresGrad_(true);
        Tensor sp = sparsemax(z, -1);
        same(e("sp.out"), sp, "sparsemax");
        sp.mul(e("sp.g")).sum().backward();
        same(e("sp.grad"), z.grad(), "sparsemax gradient");

        Tensor pred = e("pin.pred").clone().requiresGrad_(true);
        Tensor qs = Tensor.tensor(new double[] {0.1, 0.5, 0.9});
        Tensor err = e("pin.y").sub(pred);
        Tensor pin = qs.mul(err).max(qs.sub(1.0).mul(err)).mean();
        same(e("pin.loss"), pin, "pinball loss");
        pin.backward();
        same(e("pin.grad"), pred.grad(), "pinball gradient");

        Tensor rate = e("pois.rate").clone().requiresGrad_(true);
        Tensor counts = e("pois.target");
        Object[][] pois = {{"log_full", true, true, 1e-8, "mean"}, {"rate_full", false, true, 1e-8, "mean"},
            {"rate_eps_sum", false, false, 0.5, "sum"}, {"log_none", true, false, 1e-8, "none"}};
        for (Object[] c : pois) {
            rate.setGrad(null);
            Tensor v = new PoissonNLLLoss((Boolean) c[1], (Boolean) c[2], (Double) c[3], (String) c[4])
                    .apply(rate, counts);
            same(e("pois." + c[0]), v, "PoissonNLLLoss " + c[0]);
            v.sum().backward();
            same(e("pois." + c[0] + ".grad"), rate.grad(), "PoissonNLLLoss " + c[0] + " gradient");
        }

        Tensor mu = e("gnll.mu").clone().requiresGrad_(true);
        Tensor target = e("gnll.target");
        Tensor varFull = e("gnll.var_full").clone().requiresGrad_(true);
        Tensor varRow = e("gnll.var_row").clone().requiresGrad_(true);
        Tensor varCol = e("gnll.var_col").clone().requiresGrad_(true);
        Object[][] gauss = {{"full", varFull, true, 1e-6, "mean"}, {"eps", varFull, false, 1e-3, "sum"},
            {"row", varRow, false, 1e-6, "none"}, {"col", varCol, true, 1e-6, "mean"}};
        for (Object[] c : gauss) {
            Tensor var = (Tensor) c[1];
            mu.setGrad(null);
            var.setGrad(null);
            Tensor v = new GaussianNLLLoss((Boolean) c[2], (Double) c[3], (String) c[4]).apply(mu, target, var);
            same(e("gnll." + c[0]), v, "GaussianNLLLoss " + c[0]);
            v.sum().backward();
            same(e("gnll." + c[0] + ".gmu"), mu.grad(), "GaussianNLLLoss " + c[0] + " input gradient");
            same(e("gnll." + c[0] + ".gvar"), var.grad(), "GaussianNLLLoss " + c[0] + " var gradient");
        }
    }

    // ------------------------------------------------------------------ 4. Probabilistic

    static final class Gp extends Container {
        Gp() {
            registerParameter("raw_lengthscale", Tensor.zeros(2));
            registerParameter("raw_variance", Tensor.zeros());
            registerParameter("raw_noise", Tensor.zeros());
        }

        Tensor kernel(Tensor a, Tensor b) {
            Tensor ls = Functional.softplus(parameter("raw_lengthscale"));
            Tensor d = a.div(ls).cdist(b.div(ls), 2.0);
            return Functional.softplus(parameter("raw_variance")).mul(d.pow(2).mul(-0.5).exp());
        }

        Tensor[] fit(Tensor x, Tensor y) {
            int n = x.size(0);
            Tensor k = kernel(x, x).add(Functional.softplus(parameter("raw_noise")).add(1e-6).mul(Tensor.eye(n)));
            Tensor l = k.linalgCholesky();
            Tensor alpha = y.unsqueeze(1).choleskySolve(l, false);
            Tensor lml = y.unsqueeze(1).mul(alpha).sum().mul(-0.5).sub(l.diagonal().log().sum())
                    .sub(0.5 * n * Math.log(2 * Math.PI));
            return new Tensor[] {l, alpha, lml};
        }

        Tensor[] predict(Tensor x, Tensor y, Tensor xs) {
            Tensor[] f = fit(x, y);
            Tensor ks = kernel(xs, x);
            Tensor mean = ks.matmul(f[1]);
            Tensor v = f[0].linalgSolveTriangular(ks.t(), false);
            Tensor var = Functional.softplus(parameter("raw_variance")).sub(v.pow(2).sum(0));
            return new Tensor[] {mean.squeeze(1), var};
        }
    }

    @Test
    void gaussianProcessRegressionWithCholeskyAndSoftplusHyperparameters() {
        Gp gp = init(new Gp(), "gp.init.");
        Tensor x = e("gp.x");
        Tensor y = e("gp.y");
        train("gp.", gp, new Adam(gp.parameters(), 0.1), 5, () -> {
            Tensor lml = gp.fit(x, y)[2];
            return new Tensor[] {lml, lml.neg()};
        }, lml -> same(e("gp.lml0"), lml, "log marginal likelihood"), null, 10, 100, "GP");
        gp.zeroGrad();
        Tensor[] p = gp.predict(x, y, e("gp.xs"));
        close(e("gp.mean"), p[0], "GP predictive mean", 10);
        close(e("gp.var"), p[1], "GP predictive variance", 1e3);
        p[0].sum().add(p[1].sum()).backward();
        PT.assertNamed("gp.pgrad.", gp, true, 1e3, "GP prediction gradient");
    }

    static final class BayesLinear extends Container {
        BayesLinear(int i, int o) {
            registerParameter("w_mu", Tensor.zeros(o, i));
            registerParameter("w_rho", Tensor.zeros(o, i));
            registerParameter("b_mu", Tensor.zeros(o));
            registerParameter("b_rho", Tensor.zeros(o));
        }

        Tensor[] sample(Tensor x, Tensor epsW, Tensor epsB) {
            Tensor wSigma = parameter("w_rho").exp().log1p();
            Tensor bSigma = parameter("b_rho").exp().log1p();
            Tensor w = parameter("w_mu").add(wSigma.mul(epsW));
            Tensor b = parameter("b_mu").add(bSigma.mul(epsB));
            Tensor kl = KL.klDivergence(new Normal(parameter("w_mu"), wSigma), new Normal(0.0, 1.0)).sum()
                    .add(KL.klDivergence(new Normal(parameter("b_mu"), bSigma), new Normal(0.0, 1.0)).sum());
            return new Tensor[] {Functional.linear(x, w, b), kl};
        }
    }

    static final class Bnn extends Container {
        final BayesLinear l1 = registerModule("l1", new BayesLinear(2, 6));
        final BayesLinear l2 = registerModule("l2", new BayesLinear(6, 1));
    }

    static final class Mdn extends Container {
        final Sequential hidden = registerModule("hidden", new Sequential(new Linear(1, 8), new Tanh()));
        final Linear pi = registerModule("pi", new Linear(8, 3));
        final Linear mu = registerModule("mu", new Linear(8, 3));
        final Linear logSigma = registerModule("log_sigma", new Linear(8, 3));

        Tensor[] heads(Tensor x) {
            Tensor h = hidden.apply(x);
            return new Tensor[] {pi.apply(h), mu.apply(h), logSigma.apply(h).exp()};
        }
    }

    @Test
    void bayesByBackpropAndMixtureDensityNetwork() {
        Bnn bnn = init(new Bnn(), "bnn.init.");
        Tensor x = e("bnn.x");
        Tensor y = e("bnn.y");
        int[] step = {0};
        train("bnn.", bnn, new Adam(bnn.parameters(), 0.05), 3, () -> {
            int s = step[0]++;
            Tensor[] h = bnn.l1.sample(x, e("bnn.eps0").select(0, s), e("bnn.eps1").select(0, s));
            Tensor[] o = bnn.l2.sample(Functional.relu(h[0]), e("bnn.eps2").select(0, s), e("bnn.eps3").select(0, s));
            Tensor nll = new Normal(o[0], Tensor.full(o[0].shape(), 0.5)).logProb(y).sum().neg();
            return new Tensor[] {o[0], nll.add(h[1].add(o[1]).div(10.0))};
        }, null, null, 1, 10, "Bayes-by-backprop");

        Mdn mdn = init(new Mdn(), "mdn.init.");
        Tensor mx = e("mdn.x");
        Tensor my = e("mdn.y");
        train("mdn.", mdn, new Adam(mdn.parameters(), 0.02), 3, () -> {
            Tensor[] h = mdn.heads(mx);
            MixtureSameFamily mix = new MixtureSameFamily(Categorical.ofLogits(h[0]), new Normal(h[1], h[2]));
            return new Tensor[] {h[1], mix.logProb(my).mean().neg()};
        }, null, null, 1, 10, "MDN");
        Tensor[] h = mdn.heads(mx);
        Tensor manual = Functional.logSoftmax(h[0], -1).add(new Normal(h[1], h[2]).logProb(my.unsqueeze(1)))
                .logsumexp(1).mean().neg();
        same(e("mdn.manual"), manual, "MDN loss by logsumexp");
        MixtureSameFamily mix = new MixtureSameFamily(Categorical.ofLogits(h[0]), new Normal(h[1], h[2]));
        same(e("mdn.mean"), mix.mean(), "mixture mean");
        same(e("mdn.variance"), mix.variance(), "mixture variance");
        same(e("mdn.cdf"), mix.cdf(my), "mixture cdf");
    }

    // ------------------------------------------------------------------ 5. RL

    static Sequential mlp(int i, int h, int o) {
        return new Sequential(new Linear(i, h), new ReLU(), new Linear(h, o));
    }

    @Test
    void dqnWithTargetNetworkHuberClippingAndPolyakUpdates() {
        Sequential qNet = init(mlp(4, 8, 3), "dqn.init.");
        Sequential targetNet = mlp(4, 8, 3);
        targetNet.to(F64);
        targetNet.loadStateDict(qNet.stateDict());
        Adam opt = new Adam(qNet.parameters(), 0.01);
        List<Double> losses = new ArrayList<>();
        List<Double> norms = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            Tensor a = e("dqn.a").select(0, step);
            Tensor q = qNet.apply(e("dqn.s").select(0, step)).gather(1, a.unsqueeze(1)).squeeze(1);
            Tensor target;
            try (GradMode off = Ember.noGrad()) {
                Tensor next = targetNet.apply(e("dqn.s2").select(0, step)).max(1).values();
                target = e("dqn.r").select(0, step).add(next.mul(0.99).mul(e("dqn.done").select(0, step).rsub(1.0)));
            }
            Tensor loss = Functional.smoothL1Loss(q, target);
            opt.zeroGrad();
            loss.backward();
            if (step == 0) {
                PT.assertNamed("dqn.grad0.", qNet, true, 1, "DQN gradient");
            }
            norms.add(ClipGrad.clipGradNorm_(qNet.parameters(), 0.5).item());
            opt.step();
            losses.add(loss.item());
            try (GradMode off = Ember.noGrad()) {
                List<Tensor> tps = targetNet.parameters();
                List<Tensor> ps = qNet.parameters();
                for (int i = 0; i < ps.size(); i++) {
                    tps.get(i).data().copy_(ps.get(i).data().mul(0.1).add(tps.get(i).data().mul(0.9)));
                }
            }
        }
        close(e("dqn.loss"), values(losses, F64), "DQN losses", 10);
        close(e("dqn.norm"), values(norms, F64), "DQN gradient norms", 10);
        PT.assertNamed("dqn.final.", qNet, false, 10, "DQN parameters after 3 steps");
        PT.assertNamed("dqn.target.", targetNet, false, 10, "target network after 3 Polyak updates");
    }

    static final class Actor extends Container {
        final Sequential net = registerModule("net", new Sequential(new Linear(3, 8), new ReLU()));
        final Linear mean = registerModule("mean", new Linear(8, 2));
        final Linear logStd = registerModule("log_std", new Linear(8, 2));

        Tensor[] act(Tensor s, Tensor eps, boolean softplusForm) {
            Tensor h = net.apply(s);
            Tensor mu = mean.apply(h);
            Tensor std = logStd.apply(h).clamp(-20.0, 2.0).exp();
            Normal normal = new Normal(mu, std);
            Tensor xt = mu.add(std.mul(eps));
            Tensor yt = xt.tanh();
            Tensor action = yt.mul(2.0).add(0.5);
            Tensor logProb;
            if (softplusForm) {
                logProb = normal.logProb(xt).sub(xt.neg().add(Math.log(2)).sub(Functional.softplus(xt.mul(-2.0)))
                        .mul(2.0)).sub(Math.log(2.0));
            } else {
                logProb = normal.logProb(xt).sub(yt.pow(2).rsub(1.0).mul(2.0).add(1e-6).log());
            }
            return new Tensor[] {action, logProb.sum(1, true)};
        }
    }

    @Test
    void sacActorWithTanhSquashedNormalAndLearnedTemperature() {
        for (int form = 0; form < 2; form++) {
            String p = "sac" + form + ".";
            Actor actor = init(new Actor(), p + "init.");
            Sequential critic = init(mlp(5, 8, 1), p + "critic.");
            Tensor logAlpha = Tensor.zeros(1).requiresGrad_(true);
            Adam aOpt = new Adam(actor.parameters(), 0.01);
            Adam alOpt = new Adam(List.of(logAlpha), 0.05);
            List<Double> aL = new ArrayList<>();
            List<Double> alL = new ArrayList<>();
            List<Double> alphas = new ArrayList<>();
            for (int step = 0; step < 3; step++) {
                Tensor s = e(p + "s").select(0, step);
                Tensor[] al = actor.act(s, e(p + "eps").select(0, step), form == 1);
                Tensor qv = critic.apply(Tensor.cat(List.of(s, al[0]), 1));
                Tensor alpha = logAlpha.exp();
                Tensor actorLoss = alpha.detach().mul(al[1]).sub(qv).mean();
                aOpt.zeroGrad();
                actorLoss.backward();
                if (step == 0) {
                    PT.assertNamed(p + "grad0.", actor, true, 10, "SAC actor gradient, form " + form);
                    close(e(p + "logprob0"), al[1], "squashed log-prob, form " + form, 10);
                }
                aOpt.step();
                Tensor alphaLoss = logAlpha.mul(al[1].add(-2.0).detach()).mean().neg();
                alOpt.zeroGrad();
                alphaLoss.backward();
                alOpt.step();
                aL.add(actorLoss.item());
                alL.add(alphaLoss.item());
                alphas.add(logAlpha.item());
            }
            close(e(p + "loss"), values(aL, F64), "SAC actor losses", 10);
            close(e(p + "alpha_loss"), values(alL, F64), "SAC temperature losses", 10);
            close(e(p + "log_alpha"), values(alphas, F64), "SAC log_alpha", 10);
            PT.assertNamed(p + "final.", actor, false, 10, "SAC actor after 3 steps");
        }
    }

    @Test
    void gaeByABackwardsLoopAndReinforceWithCategorical() {
        Sequential policy = init(mlp(4, 8, 3), "gae.policy.");
        Sequential vf = init(mlp(4, 8, 1), "gae.vf.");
        Tensor obs = e("gae.obs");
        Tensor acts = e("gae.actions");
        Tensor rews = e("gae.rewards");
        Tensor dones = e("gae.dones");
        int t = 6;
        int n = 3;
        Tensor values = vf.apply(obs).squeeze(-1);
        double gamma = 0.99;
        double lam = 0.95;
        Tensor adv;
        Tensor returns;
        try (GradMode off = Ember.noGrad()) {
            adv = Tensor.zeros(t, n);
            Tensor lastgaelam = Tensor.scalar(0.0);
            for (int i = t - 1; i >= 0; i--) {
                Tensor nextNonTerminal = dones.select(0, i).rsub(1.0);
                Tensor delta = rews.select(0, i).add(values.select(0, i + 1).mul(gamma).mul(nextNonTerminal))
                        .sub(values.select(0, i));
                lastgaelam = delta.add(nextNonTerminal.mul(gamma * lam).mul(lastgaelam));
                adv.select(0, i).copy_(lastgaelam);
            }
            returns = adv.add(values.narrow(0, 0, t));
        }
        same(e("gae.adv"), adv, "GAE advantages");
        same(e("gae.returns"), returns, "GAE returns");
        Tensor vLoss = values.narrow(0, 0, t).sub(returns).pow(2).mean().mul(0.5);
        Categorical dist = Categorical.ofLogits(policy.apply(obs.narrow(0, 0, t)));
        Tensor logp = dist.logProb(acts);
        Tensor g = Tensor.zeros(t, n);
        Tensor running = Tensor.zeros(n);
        for (int i = t - 1; i >= 0; i--) {
            running = rews.select(0, i).add(running.mul(gamma).mul(dones.select(0, i).rsub(1.0)));
            g.select(0, i).copy_(running);
        }
        g = g.sub(g.mean()).div(g.std().add(1e-8));
        same(e("gae.G"), g, "normalized discounted returns");
        Tensor pgLoss = logp.mul(g).mean().neg().sub(dist.entropy().mean().mul(0.01)).sub(logp.mul(adv).mean());
        pgLoss.add(vLoss).backward();
        same(e("gae.pg_loss"), pgLoss, "policy loss");
        same(e("gae.v_loss"), vLoss, "value loss");
        same(e("gae.entropy"), dist.entropy(), "Categorical entropy");
        PT.assertNamed("gae.pgrad.", policy, true, 1, "policy gradient");
        PT.assertNamed("gae.vgrad.", vf, true, 1, "value function gradient");
    }

    /**
     * SAC's squashed Normal through the distributions API, as pytorch_sac's SquashedNormal: a TransformedDistribution
     * over {@code TanhTransform(cache_size=1)} and {@code AffineTransform(0.5, 2.0, cache_size=1)}, the action made by
     * the transforms, its log_prob read from their caches. Ember had no cache (nor the constructor): its log_prob
     * inverted tanh, which is NaN where tanh rounds to 1 (a pre-tanh 25 in float64, 12 in float32) and off by atanh's
     * rounding elsewhere. Uncached, both give NaN there.
     */
    @Test
    void squashedNormalLogProbReadsThePreTanhSampleFromTheCache() {
        for (String dname : new String[] {"f64", "f32"}) {
            DType dt = dname.equals("f64") ? F64 : DType.FLOAT32;
            String p = "squash." + dname + ".";
            for (int cache = 1; cache >= 0; cache--) {
                String c = p + (cache == 1 ? "cached." : "uncached.");
                Tensor mu = Tensor.tensor(new double[][] {{0.2, -0.5}, {1.0, 0.3}}).to(dt).requiresGrad_(true);
                Tensor logStd = Tensor.tensor(new double[][] {{-0.3, 0.1}, {0.0, -1.0}}).to(dt).requiresGrad_(true);
                Tensor std = logStd.exp();
                Tensor x = mu.add(std.mul(e(p + "eps")));
                dev.ember.distributions.TanhTransform tanhT = new dev.ember.distributions.TanhTransform(cache);
                dev.ember.distributions.Transform affineT = new dev.ember.distributions.AffineTransform(0.5, 2.0)
                        .withCache(cache);
                assertEquals(cache, affineT.cacheSize());
                dev.ember.distributions.TransformedDistribution dist =
                        new dev.ember.distributions.TransformedDistribution(new Normal(mu, std), tanhT, affineT);
                Tensor action = affineT.forward(tanhT.forward(x));
                Tensor lp = dist.logProb(action).sum(-1);
                same(e(c + "action"), action, dname + " squashed action");
                same(e(c + "logp"), lp, dname + (cache == 1 ? " cached" : " uncached") + " squashed log_prob");
                if (cache == 1) {
                    lp.sum().add(action.sum()).backward();
                    same(e(c + "gmu"), mu.grad(), dname + " gradient of the mean");
                    same(e(c + "glogstd"), logStd.grad(), dname + " gradient of the log std");
                }
            }
        }
        assertEquals("cache_size must be 0 or 1", org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> new dev.ember.distributions.TanhTransform(2)).getMessage());
        dev.ember.distributions.TanhTransform t = new dev.ember.distributions.TanhTransform();
        assertSame(t, t.withCache(0), "with_cache of the same size is the transform itself");
        assertEquals(1, t.inv().withCache(1).cacheSize(), "an inverse's with_cache");
    }

    // ------------------------------------------------------------------ 6. Sequence / scientific

    static final class ResidualBlock extends Container {
        final int pad;
        final Conv1d filter;
        final Conv1d gate;
        final Conv1d res;
        final Conv1d skip;

        ResidualBlock(int ch, int skipCh, int dilation, boolean last) {
            pad = dilation;
            filter = registerModule("filter", new Conv1d(ch, ch, 2, 1, 0, dilation, 1, true));
            gate = registerModule("gate", new Conv1d(ch, ch, 2, 1, 0, dilation, 1, true));
            res = last ? null : registerModule("res", new Conv1d(ch, ch, 1));
            skip = registerModule("skip", new Conv1d(ch, skipCh, 1));
        }

        Tensor[] block(Tensor x) {
            Tensor xp = Functional.pad(x, new int[] {pad, 0});
            Tensor z = filter.apply(xp).tanh().mul(gate.apply(xp).sigmoid());
            return new Tensor[] {res == null ? null : res.apply(z).add(x), skip.apply(z)};
        }
    }

    static final class WaveNet extends Module {
        final Conv1d embed = registerModule("embed", new Conv1d(6, 4, 1));
        final ModuleList<ResidualBlock> blocks = registerModule("blocks", new ModuleList<>());
        final Conv1d out1;
        final Conv1d out2;

        WaveNet() {
            int[] dilations = {1, 2, 4, 1, 2};
            for (int i = 0; i < dilations.length; i++) {
                blocks.add(new ResidualBlock(4, 5, dilations[i], i == 4));
            }
            out1 = registerModule("out1", new Conv1d(5, 5, 1));
            out2 = registerModule("out2", new Conv1d(5, 6, 1));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = embed.apply(Functional.oneHot(x, 6).transpose(1, 2).to(embed.weight().dtype()));
            Tensor skips = null;
            for (ResidualBlock b : blocks) {
                Tensor[] hs = b.block(h);
                h = hs[0];
                skips = skips == null ? hs[1] : skips.add(hs[1]);
            }
            return out2.apply(Functional.relu(out1.apply(Functional.relu(skips))));
        }
    }

    @Test
    void waveNetWithCausalDilatedConvolutionsAndGatedUnits() {
        WaveNet wn = init(new WaveNet(), "wn.init.");
        Tensor seq = e("wn.seq");
        int t = seq.size(1);
        train("wn.", wn, new Adam(wn.parameters(), 0.01), 3, () -> {
            Tensor o = wn.apply(seq);
            return new Tensor[] {o, Functional.crossEntropy(o.narrow(2, 0, t - 1), seq.narrow(1, 1, t - 1))};
        }, o -> same(e("wn.out0"), o, "WaveNet logits"), null, 1, 10, "WaveNet");
    }

    static final class GruClassifier extends Container {
        final GRU gru = registerModule("gru", new GRU(3, 4, 2, true, true, 0.0, true));
        final Linear fc = registerModule("fc", new Linear(8, 2));

        Tensor[] classify(List<Tensor> seqs) {
            long[] lengths = seqs.stream().mapToLong(s -> s.size(0)).toArray();
            Tensor padded = Rnn.padSequence(seqs, true, 0.0);
            PackedSequence packed = Rnn.packPaddedSequence(padded, Tensor.tensor(lengths), true, false);
            PackedRnnOutput out = gru.apply(packed);
            Tensor unpacked = Rnn.padPackedSequence(out.output(), true, 0.0, null).output();
            Tensor hN = out.h();
            return new Tensor[] {unpacked, fc.apply(Tensor.cat(List.of(hN.select(0, -2), hN.select(0, -1)), 1))};
        }
    }

    @Test
    void bidirectionalGruOverUnsortedPackedSequences() {
        GruClassifier gc = init(new GruClassifier(), "gru.init.");
        List<Tensor> seqs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seqs.add(e("gru.seq" + i));
        }
        train("gru.", gc, new RMSprop(gc.parameters(), 0.01), 3, () -> {
            Tensor[] r = gc.classify(seqs);
            return new Tensor[] {r[0], Functional.crossEntropy(r[1], e("gru.y"))};
        }, u -> same(e("gru.unpacked0"), u, "unpacked GRU output"), null, 1, 10, "packed GRU");
    }

    static final class DeepONet extends Container {
        final Sequential branch = registerModule("branch", new Sequential(new Linear(6, 8), new Tanh(), new Linear(8, 5)));
        final Sequential trunk = registerModule("trunk",
                new Sequential(new Linear(1, 8), new Tanh(), new Linear(8, 5), new Tanh()));

        DeepONet() {
            registerParameter("b0", Tensor.zeros(1));
        }

        Tensor operator(Tensor u, Tensor y) {
            return Tensor.einsum("bi,ni->bn", branch.apply(u), trunk.apply(y)).add(parameter("b0"));
        }
    }

    static final class FourierMlp extends Module {
        final Sequential net = registerModule("net", new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 1)));

        FourierMlp() {
            registerBuffer("B", Tensor.zeros(2, 4));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor proj = x.mul(2 * Math.PI).matmul(getBuffer("B"));
            return net.apply(Tensor.cat(List.of(proj.sin(), proj.cos()), -1));
        }
    }

    @Test
    void deepONetAndFourierFeatureMlp() {
        DeepONet don = init(new DeepONet(), "don.init.");
        train("don.", don, new Adam(don.parameters(), 0.01), 3,
                () -> new Tensor[] {null, Functional.mseLoss(don.operator(e("don.u"), e("don.y")), e("don.G"))},
                null, null, 1, 10, "DeepONet");
        FourierMlp ff = init(new FourierMlp(), "ff.init.");
        same(e("ff.state.B"), ff.getBuffer("B"), "the Fourier matrix buffer loaded");
        train("ff.", ff, new Adam(ff.parameters(), 0.01), 3,
                () -> new Tensor[] {null, Functional.mseLoss(ff.apply(e("ff.x")), e("ff.y"))}, null, null, 1, 10,
                "Fourier-feature MLP");
    }

    // ------------------------------------------------------------------ float32

    /**
     * The generator's {@code f32_first}: {@code model} from the float64 initial state cast to float32, one forward and
     * backward, the output, loss and every gradient against PyTorch's float32 run (4e-6 relative times {@code loose}).
     */
    private static void float32First(String prefix, Module model, String initPrefix, Supplier<Tensor[]> forward,
                                     double loose) {
        PT.loaded(model, initPrefix, F64);
        model.to(DType.FLOAT32);
        Tensor[] yl = forward.get();
        yl[1].backward();
        close(e(prefix + "out"), yl[0], prefix + " output", loose);
        close(e(prefix + "loss"), yl[1], prefix + " loss", loose);
        PT.assertNamed(prefix + "grad.", model, true, loose, prefix + " gradient");
    }

    /**
     * BERT (with float32's finfo.min padding mask), the BiLSTM-CRF, the WaveNet and the packed GRU again in float32, as
     * users run them, from the same initial weights: each first forward and backward against PyTorch's float32 run.
     */
    @Test
    void theProgramsInFloat32() {
        BertMlm bert = new BertMlm();
        float32First("f32.bert.", bert, "bert.init.", () -> {
            Tensor total = null;
            Tensor logits = null;
            for (int mb = 0; mb < 2; mb++) {
                logits = bert.logits(e("bert.ids" + mb), e("bert.types" + mb), e("bert.mask" + mb));
                Tensor loss = Functional.crossEntropy(logits.view(-1, V), e("bert.labels" + mb).view(-1), -100)
                        .div(2.0);
                total = total == null ? loss : total.add(loss);
            }
            return new Tensor[] {logits, total};
        }, 10);
        Tagger tagger = new Tagger();
        float32First("f32.crf.", tagger, "crf.init.", () -> {
            Tensor em = tagger.emissions(e("crf.words"));
            return new Tensor[] {em, tagger.crf.llh(em, e("crf.tags"), e("crf.mask")).neg()};
        }, 10);
        WaveNet wn = new WaveNet();
        Tensor seq = e("wn.seq");
        float32First("f32.wn.", wn, "wn.init.", () -> {
            Tensor o = wn.apply(seq);
            return new Tensor[] {o, Functional.crossEntropy(o.narrow(2, 0, 11), seq.narrow(1, 1, 11))};
        }, 10);
        GruClassifier gc = new GruClassifier();
        List<Tensor> seqs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seqs.add(e("gru.seq" + i).toFloat());
        }
        float32First("f32.gru.", gc, "gru.init.", () -> {
            Tensor[] r = gc.classify(seqs);
            return new Tensor[] {r[0], Functional.crossEntropy(r[1], e("gru.y"))};
        }, 10);
    }

    // ------------------------------------------------------------------ printouts and refusals

    /** The generator's {@code texts7.txt}: name to text. */
    private static Map<String, String> texts() throws java.io.IOException {
        return ExpectedLines.barTexts("/outsiderprograms7/texts7.txt");
    }

    /**
     * What these programs print under the float64 default (a float64 tensor unnamed, a float32 one named; Ember named
     * float64 whatever the default: {@link DefaultDtypePrintTest}), a PackedSequence as PyTorch's namedtuple (Ember
     * printed the Java record's {@code PackedSequence[data=..., batchSizes=...]}), and EmbeddingBag's refusal of an
     * index outside the table in PyTorch's words (Ember said {@code index out of range in self}), the weight unchanged;
     * load_state_dict's result as PyTorch's {@code _IncompatibleKeys} repr; aminmax's structseq, var_mean's and the
     * recurrent layers' tuples as PyTorch's.
     */
    @Test
    void printoutsAndEmbeddingBagRefusalsAsPyTorch() throws java.io.IOException {
        Map<String, String> texts = texts();
        assertEquals(texts.get("packed_unsorted"), Rnn.packSequence(List.of(Tensor.ones(2, 1),
                Tensor.ones(3, 1).mul(2.0), Tensor.ones(1, 1).mul(3.0)), false).toString());
        assertEquals(texts.get("packed_sorted"), Rnn.packSequence(List.of(Tensor.ones(3, 1).mul(2.0),
                Tensor.ones(2, 1)), true).toString());
        Tensor pg = Tensor.ones(2, 1).requiresGrad_(true);
        assertEquals(texts.get("packed_grad"), Rnn.packSequence(List.of(pg.mul(2.0), Tensor.ones(1, 1)), false)
                .toString());
        assertEquals(texts.get("viterbi_paths"), e("crf.best").toString());
        assertEquals(texts.get("viterbi_scores"), e("crf.vscore").toString());
        assertEquals(texts.get("float32_under_float64"), e("crf.vscore").toFloat().toString());
        assertEquals(texts.get("scalar"), Tensor.scalar(2.5).toString());
        assertEquals(texts.get("complex128"), Tensor.complex(Tensor.tensor(new double[] {1, 0}),
                Tensor.tensor(new double[] {2, 0.5})).toString());

        // load_state_dict's printed result (Ember printed the Java record, IncompatibleKeys[missingKeys=[...], ...])
        BertMlm bert = init(new BertMlm(), "bert.init.");
        Map<String, Tensor> sd = new java.util.LinkedHashMap<>(bert.stateDict());
        sd.remove("decoder.weight");
        assertEquals(texts.get("load_missing"), bert.loadStateDict(sd, false).toString());
        sd = new java.util.LinkedHashMap<>(bert.stateDict());
        sd.put("pooler.dense.weight", Tensor.zeros(2));
        assertEquals(texts.get("load_unexpected"), bert.loadStateDict(sd, false).toString());
        assertEquals(texts.get("load_all"), bert.loadStateDict(bert.stateDict(), true).toString());
        assertEquals(texts.get("keys_quoted"), new Module.IncompatibleKeys(List.of("a'b", "q\"'", "c\\d"),
                List.of("t\tab")).toString(), "keys as Python's string reprs");

        // aminmax's torch.return_types structseq, var_mean's and std_mean's tuples (Ember printed the Java records)
        Tensor qv = Tensor.tensor(new double[][] {{0.5, 2.0, -1.0}, {3.0, 3.0, 0.25}});
        assertEquals(texts.get("rt_aminmax"), qv.aminmax().toString());
        assertEquals(texts.get("rt_var_mean"), qv.varMean(new int[] {1}, 1, false).toString());
        assertEquals(texts.get("rt_std_mean"), qv.stdMean().toString());

        // the recurrent layers' tuples (Ember printed RnnOutput[output=..., h=..., c=null])
        try (GradMode off = Ember.noGrad()) {
            Tensor rin = Tensor.arange(12).toDouble().view(3, 2, 2).div(10.0);
            GRU gru = new GRU(2, 2);
            LSTM lstm = new LSTM(2, 2);
            for (Module m : List.<Module>of(gru, lstm)) {
                for (Tensor w : m.parameters()) {
                    w.fill_(0.1);
                }
            }
            assertEquals(texts.get("tuple_gru"), gru.apply(rin, null).toString());
            assertEquals(texts.get("tuple_lstm"), lstm.apply(rin, (dev.ember.LstmState) null).toString());
            PackedSequence packedIn = Rnn.packPaddedSequence(rin, Tensor.tensor(new long[] {2, 3}), false, false);
            assertEquals(texts.get("tuple_lstm_packed"), lstm.apply(packedIn).toString());
            assertEquals(texts.get("tuple_padded"), Rnn.padPackedSequence(gru.apply(packedIn).output()).toString());
        }

        Tensor weight = Tensor.zeros(10, 3).requiresGrad_(true);
        IndexOutOfBoundsException oob = org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                () -> Functional.embeddingBag(Tensor.tensor(new long[] {1, 10, 2}), weight,
                        Tensor.tensor(new long[] {0, 2}), "sum"));
        assertEquals(texts.get("eb_oob"), oob.getMessage());
        IndexOutOfBoundsException negative = org.junit.jupiter.api.Assertions.assertThrows(
                IndexOutOfBoundsException.class, () -> Functional.embeddingBag(
                        Tensor.tensor(new long[][] {{1, 2}, {-1, 2}}), weight, null, "max"));
        assertEquals(texts.get("eb_negative"), negative.getMessage());
        assertEquals(0.0, weight.abs().sum().item(), "the weight unchanged");
        assertNull(weight.grad());
    }
}
