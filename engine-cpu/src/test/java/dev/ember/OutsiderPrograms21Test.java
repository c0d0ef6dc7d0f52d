package dev.ember;

import dev.ember.data.DataLoader;
import dev.ember.data.Dataset;
import dev.ember.data.Subset;
import dev.ember.data.TensorDataset;
import dev.ember.distributions.Categorical;
import dev.ember.distributions.Independent;
import dev.ember.distributions.MixtureSameFamily;
import dev.ember.distributions.Normal;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.ConvTranspose2d;
import dev.ember.nn.Dropout;
import dev.ember.nn.Dropout2d;
import dev.ember.nn.Embedding;
import dev.ember.nn.EmbeddingBag;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.GRU;
import dev.ember.nn.HasBias;
import dev.ember.nn.HasWeight;
import dev.ember.nn.Init;
import dev.ember.nn.LSTM;
import dev.ember.nn.LeakyReLU;
import dev.ember.nn.Linear;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.RNNBase;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Sigmoid;
import dev.ember.nn.Tanh;
import dev.ember.nn.TransformerEncoder;
import dev.ember.nn.TransformerEncoderLayer;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RMSprop;
import dev.ember.optim.SGD;
import dev.ember.optim.StepLR;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Session 45's outsider pass, round 21, "one seed, no weights copied": programs written as a PyTorch user writes them
 * (torch.manual_seed, default init and a few nn.init calls, data from torch's random functions, TensorDataset,
 * random_split and DataLoader(shuffle=True), dropout in training, .double() after construction) and ported line by
 * line with Ember's public API. Nothing is copied over but the seed: with the default generator PyTorch's
 * ({@link Generator.Algorithm#MT19937}) each port must follow PyTorch's trajectory
 * ({@code resources/outsiderprograms21/make_expected.py}, PyTorch 1.13 following 2.x where they differ): every step's
 * batch indices exactly, its losses within 1e-12 relative (float64), the generator's state after it (a CRC-32 of
 * {@code torch.get_rng_state()}'s bytes, so a port that draws one number more or less, or another kind, fails at the
 * step where it does), evaluation results, samples, and each state_dict entry's sum, sum of magnitudes and sum of
 * squares after training.
 * <ol>
 * <li>An MLP classifier: a random teacher's labels, random_split into train and validation subsets, a shuffled
 * loader, dropout, SGD with momentum, validation loss and accuracy per epoch.</li>
 * <li>A CNN: Conv2d, BatchNorm2d, MaxPool2d, Dropout2d and Dropout, log_softmax + nll_loss, Adam.</li>
 * <li>Sequence classifiers: a 2-layer LSTM and a 2-layer bidirectional GRU, each with inter-layer dropout, batch_first,
 * clip_grad_norm_, Adam / RMSprop.</li>
 * <li>A Transformer encoder classifier: Embedding with padding_idx, a positional parameter by nn.init.normal_,
 * TransformerEncoder (MultiheadAttention with dropout) under a key padding mask, masked mean pooling, label
 * smoothing, AdamW.</li>
 * <li>The text-classification tutorial: variable-length texts from randint, random_split of a list, a collate_fn
 * building EmbeddingBag offsets, init_weights' uniform_, an Embedding branch max-pooled per text with functional
 * dropout, SGD, clip_grad_norm_, StepLR.</li>
 * <li>The VAE example: torch.randn_like in the forward (reparameterization), BCE + KL, Adam, decoded random
 * latents.</li>
 * <li>A mixture density network: MixtureSameFamily of Independent Normals, trained with dropout, then its samples
 * under the seed exactly (round 20 could only check their shape) and the mixture's own Categorical samples.</li>
 * <li>The DCGAN tutorial: weights_init through apply (a float64 normal_ after .double() for the generator, the
 * tutorial's float32 normal_ then .double() for the discriminator), fixed and per-step noise vectors, BCELoss,
 * Adam(0.5, 0.999).</li>
 * <li>REINFORCE: a dropout policy, Categorical sampling of actions in a toy environment that draws uniform noise,
 * discounted returns normalized by their std.</li>
 * </ol>
 */
class OutsiderPrograms21Test {
    private static final DType F64 = DType.FLOAT64;
    private static final Map<String, Map<String, String[]>> EXPECTED = load();
    private final Generator.Algorithm before = Ember.defaultGeneratorAlgorithm();

    @AfterEach
    void restore() {
        Ember.setDefaultGeneratorAlgorithm(before);
    }

    private static Map<String, Map<String, String[]>> load() {
        Map<String, Map<String, String[]>> out = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                OutsiderPrograms21Test.class.getResourceAsStream("/outsiderprograms21/expected.txt"), StandardCharsets.UTF_8))) {
            Map<String, String[]> cur = null;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("=== ")) {
                    cur = new LinkedHashMap<>();
                    out.put(line.substring(4), cur);
                } else if (!line.isEmpty()) {
                    String[] parts = line.split(" ");
                    String[] vals = new String[parts.length - 1];
                    System.arraycopy(parts, 1, vals, 0, vals.length);
                    cur.put(parts[0], vals);
                }
            }
        } catch (Exception ex) {
            throw new IllegalStateException("cannot read outsiderprograms21/expected.txt", ex);
        }
        return out;
    }

    /**
     * One program's replay: seeds PyTorch's generator, then checks each record against PyTorch's as it comes (so the
     * first failure names the first step that diverges) and, at {@link #done}, that every record was made.
     */
    private static final class Replay {
        private final String program;
        private final Map<String, String[]> want;
        private final List<String> seen = new ArrayList<>();
        private final List<String> mismatches = new ArrayList<>();

        Replay(String program, long seed) {
            this.program = program;
            this.want = EXPECTED.get(program);
            assertTrue(want != null && !want.isEmpty(), "no records for " + program);
            Ember.setDefaultGeneratorAlgorithm(Generator.Algorithm.MT19937);
            Ember.manualSeed(seed);
        }

        void rec(String key, double... got) {
            String[] w = want.get(key);
            if (w == null) {
                fail(program + ": PyTorch made no record " + key);
            }
            seen.add(key);
            if (w.length != got.length) {
                mismatches.add(key + ": " + got.length + " values, PyTorch's " + w.length);
                return;
            }
            double scale = 0;
            for (String s : w) {
                scale = Math.max(scale, Math.abs(Double.parseDouble(s)));
            }
            for (int i = 0; i < w.length; i++) {
                double e = Double.parseDouble(w[i]);
                double tol = w[i].contains("0x") ? 1e-12 * scale : 0.0;
                if (!(Math.abs(e - got[i]) <= tol)) {
                    mismatches.add(key + "[" + i + "]: " + got[i] + ", PyTorch's " + e);
                    return;
                }
            }
        }

        void rec(String key, Tensor t) {
            rec(key, t.detach().to(F64).contiguous().toDoubleArray());
        }

        void rec(String key, List<Integer> ints) {
            rec(key, ints.stream().mapToDouble(Integer::doubleValue).toArray());
        }

        /** The CRC-32 of the default generator's state, {@code zlib.crc32(torch.get_rng_state().numpy().tobytes())}. */
        void rng(String key) {
            CRC32 crc = new CRC32();
            crc.update(Ember.getRngState().toByteArray());
            rec(key, (double) crc.getValue());
        }

        void summary(String key, Tensor v) {
            rec(key, v.sum().item(), v.abs().sum().item(), v.mul(v).sum().item());
        }

        /**
         * Each floating state_dict entry's sum, sum of magnitudes and sum of squares under {@code prefix}; of an
         * attention's in_proj_bias the query and value thirds only.
         */
        void summaries(Module model, String prefix) {
            for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
                Tensor v = e.getValue();
                if (v.dtype().isFloatingPoint()) {
                    v = v.detach().to(F64);
                    String key = prefix + e.getKey();
                    if (key.endsWith("in_proj_bias")) {
                        // the key bias: softmax cancels it, its gradient is rounding noise that Adam scales up
                        int d = (int) (v.numel() / 3);
                        summary(key + ".q", v.narrow(0, 0, d));
                        summary(key + ".v", v.narrow(0, 2 * d, d));
                    } else {
                        summary(key, v);
                    }
                }
            }
        }

        void done() {
            assertTrue(mismatches.isEmpty(), program + ": " + mismatches.size() + " records differ, the first ones "
                    + mismatches.subList(0, Math.min(8, mismatches.size())));
            assertEquals(want.size(), seen.size(), program + ": records made " + seen + " of " + want.keySet());
            assertTrue(seen.containsAll(want.keySet()), program + ": every record made");
        }
    }

    /** One training step's records: the batch's dataset indices, the loss values, the generator's state after it. */
    private static void stepRecords(Replay r, int step, Tensor ids, double... losses) {
        r.rec("idx." + step, ids);
        r.rec("loss." + step, losses);
        r.rng("rng." + step);
    }

    // ------------------------------------------------------------------ 1. MLP classifier

    @Test
    void mlpClassifierWithRandomSplitAndShuffledLoaderFollowsPyTorch() {
        Replay r = new Replay("mlp", 0);
        Tensor x = Tensor.randn(F64, 120, 10);
        Tensor teacher = Tensor.randn(F64, 10, 3);
        Tensor y = x.matmul(teacher).argmax(1);
        TensorDataset ds = new TensorDataset(x, y, Tensor.arange(120L));
        List<Subset<List<Tensor>>> split = Dataset.randomSplit(ds, 96, 24);
        List<Integer> valIdx = new ArrayList<>();
        for (int i : split.get(1).indices()) {
            valIdx.add(i);
        }
        r.rec("val_indices", valIdx);
        DataLoader<List<Tensor>, List<Tensor>> train = DataLoader.builder(split.get(0)).batchSize(16).shuffle(true).build();
        DataLoader<List<Tensor>, List<Tensor>> val = DataLoader.builder(split.get(1)).batchSize(8).build();
        Module model = new Sequential(new Linear(10, 32), new ReLU(), new Dropout(0.2), new Linear(32, 3)).to(F64);
        Optimizer opt = new SGD(model.parameters(), 0.1, 0.9, 0, 0, false);
        int step = 0;
        for (int epoch = 0; epoch < 2; epoch++) {
            model.train();
            for (List<Tensor> b : train) {
                opt.zeroGrad();
                Tensor loss = Functional.crossEntropy(model.forward(b.get(0)), b.get(1));
                loss.backward();
                opt.step();
                stepRecords(r, step++, b.get(2), loss.item());
            }
            model.eval();
            double total = 0;
            long correct = 0;
            try (GradMode off = Ember.noGrad()) {
                for (List<Tensor> b : val) {
                    Tensor out = model.forward(b.get(0));
                    total += Functional.crossEntropy(out, b.get(1), "sum", 0.0).item();
                    correct += out.argmax(1).eq(b.get(1)).sum().toLongArray()[0];
                }
            }
            r.rec("val." + epoch, total / 24, correct);
            r.rng("rng.val." + epoch);
        }
        r.summaries(model, "p.");
        r.done();
    }

    // ------------------------------------------------------------------ 2. CNN

    @Test
    void cnnWithBatchNormAndDropout2dFollowsPyTorch() {
        Replay r = new Replay("cnn", 1);
        Tensor x = Tensor.randn(F64, 48, 1, 12, 12);
        Tensor y = Tensor.randint(0, 4, 48);
        Module model = new Sequential(
                new Conv2d(1, 6, 3, 1, 1, false), new BatchNorm2d(6), new ReLU(), new MaxPool2d(2), new Dropout2d(0.25),
                new Conv2d(6, 8, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Dropout(0.5), new Linear(32, 4)).to(F64);
        Optimizer opt = new Adam(model.parameters(), 0.01);
        DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(x, y, Tensor.arange(48L)))
                .batchSize(12).shuffle(true).build();
        int step = 0;
        for (int epoch = 0; epoch < 2; epoch++) {
            model.train();
            for (List<Tensor> b : loader) {
                opt.zeroGrad();
                Tensor loss = Functional.nllLoss(Functional.logSoftmax(model.forward(b.get(0)), 1), b.get(1));
                loss.backward();
                opt.step();
                stepRecords(r, step++, b.get(2), loss.item());
            }
        }
        model.eval();
        try (GradMode off = Ember.noGrad()) {
            r.rec("eval", Functional.crossEntropy(model.forward(x), y).item());
        }
        r.summaries(model, "p.");
        r.done();
    }

    // ------------------------------------------------------------------ 3. LSTM / GRU sequence classifiers

    static final class SeqClassifier extends Module {
        final boolean lstm;
        final RNNBase rnn;
        final Linear fc;
        final Dropout drop;

        SeqClassifier(boolean lstm) {
            this.lstm = lstm;
            rnn = registerModule("rnn", lstm ? new LSTM(5, 8, 2, true, true, 0.3, false)
                    : new GRU(5, 6, 2, true, true, 0.25, true));
            fc = registerModule("fc", new Linear(lstm ? 8 : 12, 3));
            drop = registerModule("drop", new Dropout(0.2));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor last;
            if (lstm) {
                Tensor h = ((LSTM) rnn).forward(x, null).h();
                last = h.select(0, -1);
            } else {
                Tensor h = ((GRU) rnn).forward(x, null).h();
                last = Tensor.cat(List.of(h.select(0, -2), h.select(0, -1)), 1);
            }
            return fc.forward(drop.forward(last));
        }
    }

    private static void sequenceProgram(String name, long seed, boolean lstm) {
        Replay r = new Replay(name, seed);
        Tensor x = Tensor.randn(F64, 40, 7, 5);
        Tensor y = x.select(2, 0).sum(1).gt(0.0).to(DType.INT64).add(x.select(2, 1).sum(1).gt(1.0).to(DType.INT64));
        SeqClassifier model = new SeqClassifier(lstm);
        model.to(F64);
        Optimizer opt = lstm ? new Adam(model.parameters(), 0.005) : new RMSprop(model.parameters(), 0.003);
        DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(x, y, Tensor.arange(40L)))
                .batchSize(10).shuffle(true).build();
        int step = 0;
        for (int epoch = 0; epoch < 2; epoch++) {
            model.train();
            for (List<Tensor> b : loader) {
                opt.zeroGrad();
                Tensor loss = Functional.crossEntropy(model.forward(b.get(0)), b.get(1));
                loss.backward();
                ClipGrad.clipGradNorm_(model.parameters(), 1.0);
                opt.step();
                stepRecords(r, step++, b.get(2), loss.item());
            }
        }
        model.eval();
        try (GradMode off = Ember.noGrad()) {
            r.rec("eval", Functional.crossEntropy(model.forward(x), y).item());
        }
        r.summaries(model, "p.");
        r.done();
    }

    @Test
    void lstmClassifierWithInterLayerDropoutFollowsPyTorch() {
        sequenceProgram("lstm", 2, true);
    }

    @Test
    void bidirectionalGruClassifierWithInterLayerDropoutFollowsPyTorch() {
        sequenceProgram("gru", 12, false);
    }

    // ------------------------------------------------------------------ 4. Transformer encoder classifier

    static final class TinyTransformer extends Module {
        final Embedding emb;
        final Tensor pos;
        final TransformerEncoder encoder;
        final Linear head;

        TinyTransformer() {
            emb = registerModule("emb", new Embedding(20, 16, 0));
            pos = registerParameter("pos", Tensor.zeros(1, 9, 16));
            Init.normal_(pos, 0.0, 0.02);
            encoder = registerModule("encoder", new TransformerEncoder(new TransformerEncoderLayer(16, 4, 32, 0.1, true), 2));
            head = registerModule("head", new Linear(16, 2));
        }

        @Override
        public Tensor forward(Tensor tokens) {
            Tensor pad = tokens.eq(0L);
            Tensor h = emb.forward(tokens).mul(Math.sqrt(16)).add(parameter("pos"));
            h = encoder.forward(h, null, pad, null);
            Tensor keep = pad.logicalNot().unsqueeze(-1).to(h.dtype());
            Tensor pooled = h.mul(keep).sum(1).div(keep.sum(1));
            return head.forward(pooled);
        }
    }

    @Test
    void transformerEncoderClassifierWithPaddingMaskFollowsPyTorch() {
        Replay r = new Replay("transformer", 3);
        Tensor tokens = Tensor.randint(1, 20, 32, 9);
        Tensor lengths = Tensor.randint(4, 10, 32);
        tokens = tokens.maskedFill(Tensor.arange(9L).unsqueeze(0).ge(lengths.unsqueeze(1)), 0L);
        Tensor y = tokens.select(1, 0).gt(10L).to(DType.INT64);
        TinyTransformer model = new TinyTransformer();
        model.to(F64);
        Optimizer opt = new AdamW(model.parameters(), 0.003);
        DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(tokens, y, Tensor.arange(32L)))
                .batchSize(8).shuffle(true).build();
        int step = 0;
        for (int epoch = 0; epoch < 2; epoch++) {
            model.train();
            for (List<Tensor> b : loader) {
                opt.zeroGrad();
                Tensor loss = Functional.crossEntropy(model.forward(b.get(0)), b.get(1), "mean", 0.1);
                loss.backward();
                opt.step();
                stepRecords(r, step++, b.get(2), loss.item());
            }
        }
        model.eval();
        try (GradMode off = Ember.noGrad()) {
            r.rec("eval", Functional.crossEntropy(model.forward(tokens), y).item());
        }
        r.summaries(model, "p.");
        r.done();
    }

    // ------------------------------------------------------------------ 5. text classification

    /** One text: its label, its token ids, its index in the list. */
    record Text(long label, Tensor tokens, int id) {
    }

    /** The tutorial's collate_batch: labels, the concatenated texts, their offsets (cumsum), and the ids. */
    static List<Tensor> collateBatch(List<Text> batch) {
        long[] labels = new long[batch.size()];
        long[] offsets = new long[batch.size() + 1];
        long[] ids = new long[batch.size()];
        List<Tensor> texts = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            labels[i] = batch.get(i).label();
            texts.add(batch.get(i).tokens());
            offsets[i + 1] = batch.get(i).tokens().numel();
            ids[i] = batch.get(i).id();
        }
        long[] starts = java.util.Arrays.copyOf(offsets, batch.size());
        return List.of(Tensor.tensor(labels), Tensor.cat(texts, 0), Tensor.tensor(starts).cumsum(0), Tensor.tensor(ids));
    }

    static final class TextModel extends Module {
        final EmbeddingBag bag;
        final Embedding emb;
        final Linear fc;

        TextModel(int vocab, int dim, int classes) {
            bag = registerModule("bag", new EmbeddingBag(vocab, dim));
            emb = registerModule("emb", new Embedding(vocab, dim));
            fc = registerModule("fc", new Linear(2 * dim, classes));
            double r = 0.5;
            bag.weight().data().uniform_(-r, r);
            fc.weight().data().uniform_(-r, r);
            fc.bias().data().zero_();
        }

        @Override
        public Tensor forward(Tensor input) {
            throw new UnsupportedOperationException("forward(text, offsets)");
        }

        Tensor forward(Tensor text, Tensor offsets) {
            Tensor b = bag.forward(text, offsets);
            Tensor e = emb.forward(text);
            long[] o = offsets.toLongArray();
            List<Tensor> pooled = new ArrayList<>();
            for (int i = 0; i < o.length; i++) {
                long end = i + 1 < o.length ? o[i + 1] : text.numel();
                pooled.add(e.narrow(0, (int) o[i], (int) (end - o[i])).max(0).values());
            }
            Tensor p = Functional.dropout(Tensor.stack(pooled, 0), 0.3, isTraining());
            return fc.forward(Tensor.cat(List.of(b, p), 1));
        }
    }

    @Test
    void textClassificationTutorialFollowsPyTorch() {
        Replay r = new Replay("text", 4);
        List<Text> samples = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            int n = (int) Tensor.randint(3, 9, 1).toLongArray()[0];
            Tensor t = Tensor.randint(0, 25, n);
            samples.add(new Text(Math.floorMod(t.toLongArray()[0], 4L), t, i));
        }
        Dataset<Text> all = new Dataset<>() {
            @Override
            public int size() {
                return samples.size();
            }

            @Override
            public Text get(int index) {
                return samples.get(index);
            }
        };
        List<Subset<Text>> split = Dataset.randomSplit(all, 24, 6);
        TextModel model = new TextModel(25, 8, 4);
        model.to(F64);
        SGD opt = new SGD(model.parameters(), 2.0);
        StepLR sched = new StepLR(opt, 1, 0.5);
        DataLoader<Text, List<Tensor>> loader = DataLoader.builder(split.get(0)).batchSize(6).shuffle(true)
                .collate(OutsiderPrograms21Test::collateBatch).build();
        int step = 0;
        for (int epoch = 0; epoch < 3; epoch++) {
            model.train();
            for (List<Tensor> b : loader) {
                opt.zeroGrad();
                Tensor loss = Functional.crossEntropy(model.forward(b.get(1), b.get(2)), b.get(0));
                loss.backward();
                ClipGrad.clipGradNorm_(model.parameters(), 0.1);
                opt.step();
                stepRecords(r, step++, b.get(3), loss.item());
            }
            sched.step();
        }
        model.eval();
        try (GradMode off = Ember.noGrad()) {
            List<Text> test = new ArrayList<>();
            for (int i = 0; i < split.get(1).size(); i++) {
                test.add(split.get(1).get(i));
            }
            List<Tensor> b = collateBatch(test);
            r.rec("test_ids", b.get(3));
            r.rec("eval", Functional.crossEntropy(model.forward(b.get(1), b.get(2)), b.get(0)).item());
        }
        r.summaries(model, "p.");
        r.done();
    }

    // ------------------------------------------------------------------ 6. VAE

    static final class VAE extends Module {
        final Linear fc1 = registerModule("fc1", new Linear(20, 16));
        final Linear fc21 = registerModule("fc21", new Linear(16, 4));
        final Linear fc22 = registerModule("fc22", new Linear(16, 4));
        final Linear fc3 = registerModule("fc3", new Linear(4, 16));
        final Linear fc4 = registerModule("fc4", new Linear(16, 20));

        @Override
        public Tensor forward(Tensor input) {
            throw new UnsupportedOperationException("run(x)");
        }

        Tensor decode(Tensor z) {
            return fc4.forward(fc3.forward(z).relu()).sigmoid();
        }

        /** recon, mu, logvar. */
        Tensor[] run(Tensor x) {
            Tensor h1 = fc1.forward(x).relu();
            Tensor mu = fc21.forward(h1);
            Tensor logvar = fc22.forward(h1);
            Tensor std = logvar.mul(0.5).exp();
            Tensor eps = std.randnLike();
            Tensor z = mu.add(eps.mul(std));
            return new Tensor[] {decode(z), mu, logvar};
        }
    }

    @Test
    void vaeWithRandnLikeReparameterizationFollowsPyTorch() {
        Replay r = new Replay("vae", 5);
        Tensor x = Tensor.rand(F64, 64, 20).lt(0.3).to(F64);
        VAE model = new VAE();
        model.to(F64);
        Optimizer opt = new Adam(model.parameters(), 1e-2);
        DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(x, Tensor.arange(64L)))
                .batchSize(16).shuffle(true).build();
        int step = 0;
        for (int epoch = 0; epoch < 2; epoch++) {
            model.train();
            for (List<Tensor> b : loader) {
                opt.zeroGrad();
                Tensor[] out = model.run(b.get(0));
                Tensor bce = Functional.binaryCrossEntropy(out[0], b.get(0), "sum");
                Tensor mu = out[1];
                Tensor logvar = out[2];
                Tensor kld = logvar.add(1.0).sub(mu.pow(2)).sub(logvar.exp()).sum().mul(-0.5);
                Tensor loss = bce.add(kld);
                loss.backward();
                opt.step();
                stepRecords(r, step++, b.get(1), loss.item(), bce.item(), kld.item());
            }
        }
        model.eval();
        try (GradMode off = Ember.noGrad()) {
            r.rec("sample", model.decode(Tensor.randn(F64, 8, 4)));
            r.rng("rng.sample");
        }
        r.summaries(model, "p.");
        r.done();
    }

    // ------------------------------------------------------------------ 7. mixture density network

    static final class MDN extends Module {
        final Sequential net = registerModule("net", new Sequential(new Linear(1, 16), new Tanh(), new Dropout(0.1)));
        final Linear pi = registerModule("pi", new Linear(16, 3));
        final Linear mu = registerModule("mu", new Linear(16, 6));
        final Linear sigma = registerModule("sigma", new Linear(16, 6));

        @Override
        public Tensor forward(Tensor input) {
            throw new UnsupportedOperationException("mixture(x)");
        }

        MixtureSameFamily mixture(Tensor x) {
            Tensor h = net.forward(x);
            Categorical mix = Categorical.ofLogits(pi.forward(h));
            Independent comp = new Independent(new Normal(mu.forward(h).view(-1, 3, 2),
                    Functional.softplus(sigma.forward(h)).view(-1, 3, 2).add(1e-3)), 1);
            return new MixtureSameFamily(mix, comp);
        }
    }

    @Test
    void mixtureDensityNetworkSamplesArePyTorchs() {
        Replay r = new Replay("mdn", 6);
        Tensor x = Tensor.rand(F64, 100, 1).mul(2).sub(1);
        Tensor y = Tensor.cat(List.of(x.mul(3).sin(), x.mul(2).cos()), 1).add(Tensor.randn(F64, 100, 2).mul(0.1));
        MDN model = new MDN();
        model.to(F64);
        Optimizer opt = new Adam(model.parameters(), 0.01);
        for (int step = 0; step < 8; step++) {
            model.train();
            opt.zeroGrad();
            Tensor loss = model.mixture(x).logProb(y).mean().neg();
            loss.backward();
            opt.step();
            r.rec("loss." + step, loss.item());
            r.rng("rng." + step);
        }
        model.eval();
        try (GradMode off = Ember.noGrad()) {
            Tensor xt = Tensor.linspace(-1, 1, 5, F64, Device.CPU).unsqueeze(1);
            MixtureSameFamily g = model.mixture(xt);
            Tensor s = g.sample(4);
            assertEquals(List.of(4, 5, 2), java.util.Arrays.stream(s.shape()).boxed().toList(), "sample shape");
            r.rec("sample", s);
            r.rng("rng.sample");
            r.rec("sample_lp", g.logProb(s));
            r.rec("mix_sample", g.mixtureDistribution().sample(6));
            r.rng("rng.mix_sample");
        }
        r.summaries(model, "p.");
        r.done();
    }

    // ------------------------------------------------------------------ 8. DCGAN

    /** A module around a Sequential named {@code main}, as the tutorial's Generator and Discriminator. */
    static final class Net extends Module {
        final Sequential main;

        Net(Module... layers) {
            main = registerModule("main", new Sequential(layers));
        }

        @Override
        public Tensor forward(Tensor x) {
            return main.forward(x);
        }
    }

    /** The tutorial's weights_init: by class name, Conv to N(0, 0.02), BatchNorm's weight to N(1, 0.02), bias 0. */
    static void weightsInit(Module m) {
        String name = m.getClass().getSimpleName();
        if (name.contains("Conv")) {
            Init.normal_(((HasWeight) m).weight().data(), 0.0, 0.02);
        } else if (name.contains("BatchNorm")) {
            Init.normal_(((HasWeight) m).weight().data(), 1.0, 0.02);
            Init.constant_(((HasBias) m).bias().data(), 0);
        }
    }

    @Test
    void dcganTutorialFollowsPyTorch() {
        Replay r = new Replay("dcgan", 7);
        int nz = 8;
        Tensor realData = Tensor.randn(F64, 32, 1, 8, 8).tanh();
        Net netG = new Net(new ConvTranspose2d(nz, 16, 4, 1, 0, false), new BatchNorm2d(16), new ReLU(true),
                new ConvTranspose2d(16, 1, 4, 2, 1, false), new Tanh());
        netG.to(F64);
        netG.apply(OutsiderPrograms21Test::weightsInit);
        Net netD = new Net(new Conv2d(1, 16, 4, 2, 1, false), new LeakyReLU(0.2, true), new Conv2d(16, 1, 4, 1, 0, false),
                new Sigmoid());
        netD.apply(OutsiderPrograms21Test::weightsInit);
        netD.to(F64);
        Tensor fixedNoise = Tensor.randn(F64, 16, nz, 1, 1);
        Optimizer optD = new Adam(netD.parameters(), 0.0002, 0.5, 0.999, 1e-8, 0, false);
        Optimizer optG = new Adam(netG.parameters(), 0.0002, 0.5, 0.999, 1e-8, 0, false);
        DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(realData)).batchSize(8)
                .shuffle(true).build();
        int step = 0;
        for (int epoch = 0; epoch < 2; epoch++) {
            for (List<Tensor> batch : loader) {
                Tensor real = batch.get(0);
                netD.zeroGrad();
                int b = real.size(0);
                Tensor label = Tensor.full(F64, 1.0, b);
                Tensor output = netD.forward(real).view(-1);
                Tensor errDReal = Functional.binaryCrossEntropy(output, label);
                errDReal.backward();
                double dx = output.mean().item();
                Tensor noise = Tensor.randn(F64, b, nz, 1, 1);
                Tensor fake = netG.forward(noise);
                label.fill_(0.0);
                output = netD.forward(fake.detach()).view(-1);
                Tensor errDFake = Functional.binaryCrossEntropy(output, label);
                errDFake.backward();
                double dgz1 = output.mean().item();
                Tensor errD = errDReal.add(errDFake);
                optD.step();
                netG.zeroGrad();
                label.fill_(1.0);
                output = netD.forward(fake).view(-1);
                Tensor errG = Functional.binaryCrossEntropy(output, label);
                errG.backward();
                double dgz2 = output.mean().item();
                optG.step();
                r.rec("loss." + step, errD.item(), errG.item(), dx, dgz1, dgz2);
                r.rng("rng." + step);
                step++;
            }
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor fake = netG.forward(fixedNoise);
            r.rec("fixed", fake.sum().item(), fake.abs().sum().item(), fake.mul(fake).sum().item());
        }
        r.summaries(netG, "pG.");
        r.summaries(netD, "pD.");
        r.done();
    }

    // ------------------------------------------------------------------ 9. REINFORCE

    static final class Policy extends Module {
        final Linear affine1 = registerModule("affine1", new Linear(4, 32));
        final Dropout dropout = registerModule("dropout", new Dropout(0.6));
        final Linear affine2 = registerModule("affine2", new Linear(32, 2));

        @Override
        public Tensor forward(Tensor x) {
            return Functional.softmax(affine2.forward(dropout.forward(affine1.forward(x)).relu()), 1);
        }
    }

    private static double[] envReset() {
        double[] u = Tensor.rand(F64, 4).toDoubleArray();
        double[] s = new double[4];
        for (int i = 0; i < 4; i++) {
            s[i] = u[i] * 0.1 - 0.05;
        }
        return s;
    }

    /** The generator's toy environment, the same double arithmetic; returns whether the episode ended. */
    private static boolean envStep(double[] s, long action) {
        double push = action == 1 ? 1.0 : -1.0;
        double[] noise = Tensor.rand(F64, 4).toDoubleArray();
        double x = s[0];
        double v = s[1];
        double th = s[2];
        double w = s[3];
        double x2 = x + 0.1 * v;
        double v2 = v + 0.1 * push - 0.05 * th;
        double th2 = th + 0.1 * w;
        double w2 = w + 0.3 * th - 0.05 * push;
        s[0] = x2 + 0.01 * (noise[0] - 0.5);
        s[1] = v2 + 0.01 * (noise[1] - 0.5);
        s[2] = th2 + 0.01 * (noise[2] - 0.5);
        s[3] = w2 + 0.01 * (noise[3] - 0.5);
        return Math.abs(s[0]) > 0.6 || Math.abs(s[2]) > 0.2;
    }

    @Test
    void reinforceWithCategoricalSamplingFollowsPyTorch() {
        Replay r = new Replay("reinforce", 8);
        Policy policy = new Policy();
        policy.to(F64);
        Optimizer opt = new Adam(policy.parameters(), 1e-2);
        double eps = Math.scalb(1.0, -23);
        double gamma = 0.99;
        for (int episode = 0; episode < 6; episode++) {
            double[] state = envReset();
            List<Tensor> logProbs = new ArrayList<>();
            List<Double> rewards = new ArrayList<>();
            List<Integer> actions = new ArrayList<>();
            for (int t = 0; t < 40; t++) {
                Tensor probs = policy.forward(Tensor.tensor(new double[][] {state.clone()}, F64));
                Categorical m = Categorical.ofProbs(probs);
                Tensor action = m.sample();
                logProbs.add(m.logProb(action));
                long a = action.toLongArray()[0];
                actions.add((int) a);
                boolean done = envStep(state, a);
                rewards.add(1.0);
                r.rng("rng." + episode + "." + t);
                if (done) {
                    break;
                }
            }
            double big = 0;
            double[] ret = new double[rewards.size()];
            for (int i = rewards.size() - 1; i >= 0; i--) {
                big = rewards.get(i) + gamma * big;
                ret[i] = big;
            }
            Tensor returns = Tensor.tensor(ret, F64);
            returns = returns.sub(returns.mean()).div(returns.std().add(eps));
            List<Tensor> terms = new ArrayList<>();
            for (int i = 0; i < logProbs.size(); i++) {
                terms.add(logProbs.get(i).neg().mul(returns.select(0, i)));
            }
            Tensor policyLoss = Tensor.cat(terms, 0).sum();
            opt.zeroGrad();
            policyLoss.backward();
            opt.step();
            r.rec("actions." + episode, actions);
            r.rec("loss." + episode, policyLoss.item());
            r.rng("rng." + episode);
        }
        r.summaries(policy, "p.");
        // one sample of several rows: 2.x's multinomial(p, 1, True) draws one exponential per probability (1.13 one
        // uniform per row)
        r.rec("one_sample_rows", Categorical.ofProbs(Tensor.tensor(new double[][] {{0.2, 0.8}, {0.6, 0.4}, {0.5, 0.5}}, F64))
                .sample());
        r.rng("rng.one_sample_rows");
        r.done();
    }
}
