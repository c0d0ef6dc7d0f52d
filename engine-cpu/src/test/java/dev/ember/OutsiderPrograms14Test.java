package dev.ember;

import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.Quantization;
import dev.ember.nn.Embedding;
import dev.ember.nn.EmbeddingBag;
import dev.ember.nn.GRU;
import dev.ember.nn.LSTM;
import dev.ember.nn.LSTMCell;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.TorchSerialization;
import dev.ember.nn.TransformerEncoder;
import dev.ember.nn.TransformerEncoderLayer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.ember.OutsiderFixture.assertCloseAny;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 39's outsider pass, round 14: inference as people deploy it. A model trained in PyTorch (random weights stand
 * in for trained ones) is saved with {@code torch.save(model.state_dict())}, loaded with {@link TorchSerialization#load}
 * into the same architecture written with Ember's public API, and run in eval mode under {@link Ember#noGrad()} or
 * {@link Ember#inferenceMode()} ({@code resources/outsiderprograms14/make_expected.py}, PyTorch 1.13, one thread,
 * pinned kernels). Each program's outputs are held to PyTorch's within {@link LossesMoreTest#assertClose}'s tolerance
 * (float32: 4e-6 relative to the larger of the element and 5% of the largest, plus 1e-7; float64: 1e-12 relative to
 * the largest), not loosened: Ember's worst element measured 0.31 of it (the character model's 200 carried steps), the
 * others 0.13 or less (float64 4e-4 or less), so the tolerance holds every program's differences of summation order
 * with room for another machine's. Token ids (greedy and beam search) are PyTorch's exactly. Then the programs run on
 * {@link OutsiderPrograms13Test#CLIENTS} Java threads at once, twice, at the same two intra-op threads as alone, and
 * each thread gets the bits it got alone (README "Determinism").
 * <ol>
 * <li>A seq2seq LSTM translator: a 2-layer bidirectional encoder, a decoder LSTMCell stepped by hand with attention
 * over the encoder outputs; greedy decoding of 12 tokens at batch 1 (float32 and float64) and beam search of width 4 at
 * batch 4: tokens equal to PyTorch's, scores within tolerance; both again after {@code quantize_dynamic} of its LSTM,
 * LSTMCell and Linears.</li>
 * <li>A GRU character language model: PyTorch's 200 sampled characters fed back one a call (teacher forced, h
 * carried), every step's logits PyTorch's; the whole sequence in one call (the packed W_hh path); Ember's own
 * temperature/top-k sampling reproducible for a seed (PyTorch's generator is mt19937, Ember's Philox: not compared).</li>
 * <li>A text classifier, EmbeddingBag (mean) + 2 Linear, float and as {@code torch.ao.quantization} converts it
 * (weight-only quantized EmbeddingBag, dynamically quantized Linear), each from PyTorch's state dict.</li>
 * <li>A transformer encoder sentence classifier with a key padding mask at batch 1 and 8 (variable lengths), pooled by
 * {@code nn.MultiheadAttention} with {@code need_weights}.</li>
 * <li>An LSTM forecaster with {@code proj_size}: a 20-step history, then a 24-step autoregressive rollout with h and c
 * carried across calls, at batch 1, 3 and 9 (past the packed path's batch limit), float32 and float64; the single
 * series also unbatched.</li>
 * </ol>
 */
class OutsiderPrograms14Test {
    private static final String DIR = "outsiderprograms14";
    private static final OutsiderFixture PT = new OutsiderFixture(DIR, "programs14.pt");
    private static final DType F64 = DType.FLOAT64;

    private final int savedThreads = Ember.getNumThreads();

    @AfterEach
    void restore() {
        Ember.setNumThreads(savedThreads);
    }

    private static Tensor e(String name) {
        return PT.e(name);
    }

    /** {@code m} with PyTorch's {@code torch.save(model.state_dict())} file {@code file} loaded (strict), in eval mode. */
    private static <M extends Module> M loaded(M m, String file) {
        m.loadStateDict(stateDict(file));
        m.eval();
        return m;
    }

    /** {@link #loaded(Module, String)} in {@code dtype}. */
    private static <M extends Module> M loaded(M m, String file, DType dtype) {
        loaded(m, file).to(dtype);
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Tensor> stateDict(String file) {
        try {
            return (Map<String, Tensor>) TorchSerialization.load(PT.resource(file));
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static Tensor longs(long... v) {
        return Tensor.fromArray(v);
    }

    private static void assertSameBits(Tensor alone, Tensor now, String what) {
        assertEquals(alone.dtype(), now.dtype(), what + " dtype");
        assertArrayEquals(alone.shape(), now.shape(), what + " shape");
        assertTrue(Arrays.equals(alone.toDoubleArray(), now.toDoubleArray()),
                () -> what + ": on several threads at once " + now + ", alone " + alone);
    }

    private static void assertSameTokens(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertArrayEquals(expected.toLongArray(), actual.toLongArray(), what);
    }

    // ------------------------------------------------------------------ 1. seq2seq translator

    static final int TGT_V = 16;
    static final int STEPS = 12;
    static final int BEAM = 4;
    static final int BOS = 1;

    /** The generator's Seq2Seq: encoder, bridge, decoder cell with general attention, output layer. */
    static final class Seq2Seq extends Module {
        final Embedding srcEmb = registerModule("src_emb", new Embedding(20, 8));
        final LSTM encoder = registerModule("encoder", new LSTM(8, 8, 2, true, true, 0.0, true));
        final Linear bridge = registerModule("bridge", new Linear(16, 16));
        final Embedding tgtEmb = registerModule("tgt_emb", new Embedding(TGT_V, 8));
        final LSTMCell cell = registerModule("cell", new LSTMCell(24, 16));
        final Linear attn = registerModule("attn", new Linear(16, 16, false));
        final Linear out = registerModule("out", new Linear(32, TGT_V));

        @Override
        public Tensor forward(Tensor src) {
            throw new UnsupportedOperationException("decode with greedy or beam");
        }

        /** The encoder outputs and the decoder's first (h, c). */
        Tensor[] encode(Tensor src) {
            RnnOutput r = encoder.apply(srcEmb.apply(src), null);
            Tensor h0 = bridge.apply(Tensor.cat(List.of(r.h().select(0, 2), r.h().select(0, 3)), 1)).tanh();
            return new Tensor[] {r.output(), h0, h0.zerosLike()};
        }

        /** One decoder step: log-probabilities, h, c, context. */
        Tensor[] step(Tensor tok, Tensor h, Tensor c, Tensor ctx, Tensor enc) {
            LstmState s = cell.apply(Tensor.cat(List.of(tgtEmb.apply(tok), ctx), 1), new LstmState(h, c));
            Tensor score = enc.bmm(attn.apply(s.h()).unsqueeze(2)).squeeze(2);
            Tensor ctx2 = score.softmax(1).unsqueeze(1).bmm(enc).squeeze(1);
            Tensor logp = out.apply(Tensor.cat(List.of(s.h(), ctx2), 1)).logSoftmax(1);
            return new Tensor[] {logp, s.h(), s.c(), ctx2};
        }

        /** Greedy decoding: the tokens and their log-probabilities, [N, 12] each. */
        Tensor[] greedy(Tensor src) {
            Tensor[] st = encode(src);
            Tensor enc = st[0];
            Tensor h = st[1];
            Tensor c = st[2];
            int n = src.size(0);
            Tensor ctx = Tensor.zeros(enc.dtype(), n, 16);
            Tensor tok = Tensor.full(DType.INT64, BOS, n);
            List<Tensor> toks = new ArrayList<>();
            List<Tensor> scores = new ArrayList<>();
            for (int i = 0; i < STEPS; i++) {
                Tensor[] r = step(tok, h, c, ctx, enc);
                h = r[1];
                c = r[2];
                ctx = r[3];
                Tensor.ValuesIndices best = r[0].max(1);
                tok = best.indices();
                toks.add(tok);
                scores.add(best.values());
            }
            return new Tensor[] {Tensor.stack(toks, 1), Tensor.stack(scores, 1)};
        }

        /** Beam search of width 4: the final beams' tokens [N, 4, 12] and scores [N, 4], best first. */
        Tensor[] beam(Tensor src) {
            int b = src.size(0);
            Tensor[] st = encode(src);
            Tensor enc = st[0].repeatInterleave(BEAM, 0);
            Tensor h = st[1].repeatInterleave(BEAM, 0);
            Tensor c = st[2].repeatInterleave(BEAM, 0);
            Tensor ctx = Tensor.zeros(enc.dtype(), b * BEAM, 16);
            Tensor tok = Tensor.full(DType.INT64, BOS, b * BEAM);
            float[] init = new float[b * BEAM];
            for (int i = 0; i < init.length; i++) {
                init[i] = i % BEAM == 0 ? 0f : Float.NEGATIVE_INFINITY;
            }
            Tensor score = Tensor.fromArray(init);
            Tensor hist = null;
            for (int i = 0; i < STEPS; i++) {
                Tensor[] r = step(tok, h, c, ctx, enc);
                Tensor total = score.unsqueeze(1).add(r[0]).view(b, BEAM * TGT_V);
                Tensor.ValuesIndices best = total.topk(BEAM, 1);
                long[] idx = best.indices().toLongArray();
                long[] rows = new long[idx.length];
                long[] next = new long[idx.length];
                for (int k = 0; k < idx.length; k++) {
                    rows[k] = (long) (k / BEAM) * BEAM + idx[k] / TGT_V;
                    next[k] = idx[k] % TGT_V;
                }
                Tensor sel = longs(rows);
                tok = longs(next);
                h = r[1].indexSelect(0, sel);
                c = r[2].indexSelect(0, sel);
                ctx = r[3].indexSelect(0, sel);
                hist = hist == null ? tok.unsqueeze(1) : Tensor.cat(List.of(hist.indexSelect(0, sel), tok.unsqueeze(1)), 1);
                score = best.values().reshape(-1);
            }
            return new Tensor[] {hist.view(b, BEAM, STEPS), score.view(b, BEAM)};
        }
    }

    /**
     * The translator's outputs by name: float32 greedy (under inferenceMode) and beam (under noGrad), float64 greedy, the
     * quantized translator's greedy and beam.
     */
    private static Map<String, Tensor> translate(Seq2Seq f32, Seq2Seq f64, Seq2Seq q) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (InferenceMode im = Ember.inferenceMode()) {
            put(out, "greedy", f32.greedy(e("s2s.src1")));
            put(out, "greedy64", f64.greedy(e("s2s.src1")));
            put(out, "qgreedy", q.greedy(e("s2s.src1")));
            put(out, "qbeam", q.beam(e("s2s.src4")));
        }
        try (GradMode g = Ember.noGrad()) {
            put(out, "beam", f32.beam(e("s2s.src4")));
        }
        return out;
    }

    /** The float translator loaded from PyTorch's state dict, then {@code quantize_dynamic} of its LSTM, cell and Linears. */
    private static Seq2Seq quantizedTranslator() {
        Seq2Seq q = loaded(new Seq2Seq(), "seq2seq.pt");
        Quantization.quantizeDynamic(q, Set.of(LSTM.class, LSTMCell.class, Linear.class), QuantDType.QINT8, true);
        return q;
    }

    private static void put(Map<String, Tensor> out, String name, Tensor[] tokensScores) {
        out.put(name + ".tokens", tokensScores[0]);
        out.put(name + ".scores", tokensScores[1]);
    }

    @Test
    void seq2seqTranslatorDecodesGreedilyAndByBeamSearchAsPyTorch() throws Exception {
        Seq2Seq f32 = loaded(new Seq2Seq(), "seq2seq.pt");
        Seq2Seq f64 = loaded(new Seq2Seq(), "seq2seq.pt", F64);
        // as deployed on a CPU: the float state dict loaded, then quantize_dynamic of the LSTM, the LSTMCell and the
        // Linears (a quantized LSTM's own state dict holds torchbind objects that torch.load(weights_only=True) refuses,
        // Ember with it: QuantizedRnnStateDictTest)
        Seq2Seq q = quantizedTranslator();
        assertTrue(q.getSubmodule("encoder") instanceof dev.ember.ao.nn.quantized.dynamic.LSTM, q.toString());
        assertTrue(q.getSubmodule("cell") instanceof dev.ember.ao.nn.quantized.dynamic.LSTMCell, q.toString());
        Ember.setNumThreads(2);
        Map<String, Tensor> alone = translate(f32, f64, q);
        for (String k : List.of("greedy", "greedy64", "beam", "qgreedy", "qbeam")) {
            assertSameTokens(e("s2s." + k + ".tokens"), alone.get(k + ".tokens"), k + " tokens");
            // summed log-probabilities over 12 steps of an LSTM cell, attention and log-softmax (measured: 0.023 of the
            // tolerance in float32, 2e-4 in float64; the quantized translator's PyTorch's bits)
            assertCloseAny(e("s2s." + k + ".scores"), alone.get(k + ".scores"), k + " scores", 1);
        }
        assertFalse(alone.get("beam.scores").requiresGrad());
        assertTrue(alone.get("greedy.scores").isInference(), "made under inferenceMode");
        // the threads share a quantized translator made for them, whose first forward they run at once
        Seq2Seq fresh = quantizedTranslator();
        assertSameThreads(() -> translate(f32, f64, fresh), alone);
    }

    /**
     * Runs {@code program} on several threads at once, twice, then alone again: each run's outputs are {@code alone}'s
     * bits. The threads start together, so a model that {@code program} runs for the first time (one made fresh for
     * them) makes whatever it makes at its first forward on all of them at once.
     */
    private static void assertSameThreads(java.util.function.Supplier<Map<String, Tensor>> program,
                                          Map<String, Tensor> alone) throws Exception {
        for (int round = 0; round < 2; round++) {
            List<Map<String, Tensor>> together = OutsiderPrograms13Test.onThreads(OutsiderPrograms13Test.CLIENTS,
                    c -> program.get());
            for (int c = 0; c < together.size(); c++) {
                for (String k : alone.keySet()) {
                    assertSameBits(alone.get(k), together.get(c).get(k), "thread " + c + " " + k);
                }
            }
        }
        Map<String, Tensor> again = program.get();
        for (String k : alone.keySet()) {
            assertSameBits(alone.get(k), again.get(k), k + " run again");
        }
    }

    // ------------------------------------------------------------------ 2. GRU character language model

    static final int CHARS = 30;
    static final double TEMP = 0.8;
    static final int TOPK = 5;

    /** The generator's CharLM. */
    static final class CharLM extends Module {
        final Embedding emb = registerModule("emb", new Embedding(CHARS, 16));
        final GRU gru = registerModule("gru", new GRU(16, 32, 2, true, true, 0.0, false));
        final Linear head = registerModule("head", new Linear(32, CHARS));

        @Override
        public Tensor forward(Tensor x) {
            return head.apply(gru.apply(emb.apply(x), null).output());
        }

        /** One call: the logits [1, L, CHARS] and the carried h. */
        RnnOutput step(Tensor x, Tensor h) {
            RnnOutput r = gru.apply(emb.apply(x), h);
            return new RnnOutput(head.apply(r.output()), r.h(), null);
        }
    }

    /** Every step's logits when {@code chars} are fed one a call, h carried (teacher forcing). */
    private static Tensor teacherForced(CharLM lm, long[] chars) {
        List<Tensor> logits = new ArrayList<>();
        Tensor h = null;
        for (int i = 0; i + 1 < chars.length; i++) {
            RnnOutput r = lm.step(longs(chars[i]).view(1, 1), h);
            h = r.h();
            logits.add(r.output().select(0, 0).select(0, -1));
        }
        return Tensor.stack(logits, 0);
    }

    /** Ember's own sampling of {@code n} characters from {@code seed} (temperature, top-k); also checks each is in the top k. */
    private static long[] sample(CharLM lm, long seed, int n) {
        Generator g = new Generator(seed);
        long[] chars = new long[n + 1];
        chars[0] = 3;
        Tensor h = null;
        for (int i = 0; i < n; i++) {
            RnnOutput r = lm.step(longs(chars[i]).view(1, 1), h);
            h = r.h();
            Tensor lg = r.output().select(0, 0).select(0, -1);
            Tensor.ValuesIndices top = lg.div(TEMP).topk(TOPK);
            Tensor pick = top.values().softmax(0).multinomial(1, false, g);
            chars[i + 1] = top.indices().indexSelect(0, pick).toLongArray()[0];
            long rank = lg.gt(lg.select(0, (int) chars[i + 1])).sum().toLongArray()[0];
            assertTrue(rank < TOPK, "sampled character " + chars[i + 1] + " is not among the top " + TOPK);
        }
        return chars;
    }

    private static Map<String, Tensor> languageModel(CharLM lm, CharLM lm64) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        long[] chars = e("lm.chars").toLongArray();
        try (InferenceMode im = Ember.inferenceMode()) {
            out.put("logits", teacherForced(lm, chars));
            Tensor text = longs(Arrays.copyOf(chars, chars.length - 1)).view(1, -1);
            out.put("whole", lm.apply(text).select(0, 0));
            out.put("whole64", lm64.apply(text).select(0, 0));
            out.put("sample", longs(sample(lm, 1234, 200)));
        }
        return out;
    }

    @Test
    void gruCharacterModelGivesPyTorchsLogitsForItsSampledTextAndSamplesReproducibly() throws Exception {
        CharLM lm = loaded(new CharLM(), "charlm.pt");
        CharLM lm64 = loaded(new CharLM(), "charlm.pt", F64);
        Ember.setNumThreads(2);
        Map<String, Tensor> alone = languageModel(lm, lm64);
        // 200 steps of two GRU layers, the hidden state carried (measured: 0.31 of the tolerance), one a call (the
        // unpacked path: one step) and all in one call (W_hh packed once)
        assertCloseAny(e("lm.logits"), alone.get("logits"), "teacher-forced logits", 1);
        assertCloseAny(e("lm.whole"), alone.get("whole"), "whole-sequence logits", 1);
        assertCloseAny(e("lm.whole64"), alone.get("whole64"), "whole-sequence logits in float64", 1);
        assertSameBits(alone.get("sample"), longs(sample(lm, 1234, 200)), "the same seed");
        assertFalse(Arrays.equals(alone.get("sample").toLongArray(), sample(lm, 99, 200)), "another seed, other text");
        assertSameThreads(() -> languageModel(lm, lm64), alone);
    }

    // ------------------------------------------------------------------ 3. text classifier, float and quantized

    /** The generator's TextCls. */
    static final class TextCls extends Module {
        final EmbeddingBag bag = registerModule("bag", new EmbeddingBag(50, 16, "mean"));
        final Linear fc1 = registerModule("fc1", new Linear(16, 16));
        final Linear fc2 = registerModule("fc2", new Linear(16, 4));

        @Override
        public Tensor forward(Tensor x) {
            throw new UnsupportedOperationException("classify(text, offsets)");
        }

        Tensor classify(Tensor text, Tensor offsets) {
            return fc2.apply(fc1.apply(bag.apply(text, offsets)).relu());
        }
    }

    /** The classifier as PyTorch's generator converts it, with PyTorch's converted state dict loaded. */
    private static TextCls quantized() {
        TextCls m = new TextCls();
        m.eval();
        Quantization.setQconfig(m.bag, QConfig.FLOAT_QPARAMS_WEIGHT_ONLY);
        Quantization.prepare(m, true);
        Quantization.convert(m, true);
        Quantization.quantizeDynamic(m, Set.of(Linear.class), QuantDType.QINT8, true);
        try {
            Quantization.loadStateDict(m, (Map<?, ?>) TorchSerialization.load(PT.resource("textcls_q.pt")));
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
        return m;
    }

    private static Map<String, Tensor> classify(TextCls f, TextCls q) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (GradMode g = Ember.noGrad()) {
            out.put("float", f.classify(e("cls.text"), e("cls.offsets")));
        }
        try (InferenceMode im = Ember.inferenceMode()) {
            out.put("quant", q.classify(e("cls.text"), e("cls.offsets")));
        }
        return out;
    }

    @Test
    void textClassifierFloatAndQuantizedFromPyTorchsStateDicts() throws Exception {
        TextCls f = loaded(new TextCls(), "textcls.pt");
        TextCls q = quantized();
        Ember.setNumThreads(2);
        assertTrue(q.getSubmodule("bag") instanceof dev.ember.ao.nn.quantized.EmbeddingBag, q.toString());
        assertTrue(q.getSubmodule("fc1") instanceof dev.ember.ao.nn.quantized.dynamic.Linear, q.toString());
        Map<String, Tensor> alone = classify(f, q);
        assertCloseAny(e("cls.float"), alone.get("float"), "float classifier", 1);
        // the bags PyTorch's kernel's arithmetic (summed, whatever the mode: PyTorch's quantized kernels ignore it), then
        // two dynamically quantized products (measured: 0.10 of the tolerance; float 0.05)
        assertCloseAny(e("cls.quant"), alone.get("quant"), "quantized classifier", 1);
        TextCls fresh = quantized();
        assertSameThreads(() -> classify(f, fresh), alone);
    }

    // ------------------------------------------------------------------ 4. transformer encoder classifier

    /** The generator's TfCls: token and position embeddings, a 2-layer encoder, attention pooling, a head. */
    static final class TfCls extends Module {
        final Embedding emb = registerModule("emb", new Embedding(40, 16, 0L));
        final Embedding pos = registerModule("pos", new Embedding(12, 16));
        final TransformerEncoder encoder = registerModule("encoder",
                new TransformerEncoder(new TransformerEncoderLayer(16, 4, 32, 0.1, true), 2));
        final Tensor query = registerParameter("query", Tensor.zeros(DType.FLOAT32, 1, 1, 16));
        final MultiheadAttention pool = registerModule("pool", new MultiheadAttention(16, 2, true));
        final Linear head = registerModule("head", new Linear(16, 3));

        @Override
        public Tensor forward(Tensor x) {
            throw new UnsupportedOperationException("classify(tokens, pad)");
        }

        /** The logits and the pooling attention's weights. */
        Tensor[] classify(Tensor tokens, Tensor pad) {
            return classify(tokens, pad, true);
        }

        /** The logits and the pooling attention's weights, averaged over the heads or per head. */
        Tensor[] classify(Tensor tokens, Tensor pad, boolean average) {
            Tensor x = emb.apply(tokens).add(pos.apply(Tensor.arange(tokens.size(1))));
            Tensor h = encoder.apply(x, null, pad);
            MultiheadAttention.Output p = pool.apply(query.expand(tokens.size(0), 1, 16), h, h, pad, true, null, average,
                    false);
            return new Tensor[] {head.apply(p.output().squeeze(1)), p.weights()};
        }
    }

    private static Map<String, Tensor> sentences(TfCls m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int b : new int[] {1, 8}) {
            try (GradMode g = Ember.noGrad()) {
                Tensor[] r = m.classify(e("tf.b" + b + ".tokens"), e("tf.b" + b + ".pad"));
                out.put("b" + b + ".logits", r[0]);
                out.put("b" + b + ".weights", r[1]);
                out.put("b" + b + ".headweights", m.classify(e("tf.b" + b + ".tokens"), e("tf.b" + b + ".pad"), false)[1]);
            }
        }
        return out;
    }

    @Test
    void transformerSentenceClassifierWithKeyPaddingMaskAndAttentionPooling() throws Exception {
        TfCls m = loaded(new TfCls(), "tfcls.pt");
        Ember.setNumThreads(2);
        Map<String, Tensor> alone = sentences(m);
        for (int b : new int[] {1, 8}) {
            // two encoder layers and the pooling attention: PyTorch's fast path (a nested tensor of the unpadded rows,
            // its fused kernels) against Ember's (measured: 0.13 of the tolerance)
            assertCloseAny(e("tf.b" + b + ".logits"), alone.get("b" + b + ".logits"), "logits at batch " + b, 1);
            assertCloseAny(e("tf.b" + b + ".weights"), alone.get("b" + b + ".weights"), "weights at batch " + b, 1);
            assertCloseAny(e("tf.b" + b + ".headweights"), alone.get("b" + b + ".headweights"),
                    "per-head weights at batch " + b, 1);
        }
        // a padded key gets no weight at all
        double[] w = alone.get("b8.weights").toDoubleArray();
        boolean[] pad = toBooleans(e("tf.b8.pad"));
        for (int i = 0; i < w.length; i++) {
            if (pad[i]) {
                assertEquals(0.0, w[i], "weight of padded key " + i);
            }
        }
        assertSameThreads(() -> sentences(m), alone);
    }

    private static boolean[] toBooleans(Tensor t) {
        double[] d = t.toDoubleArray();
        boolean[] b = new boolean[d.length];
        for (int i = 0; i < d.length; i++) {
            b[i] = d[i] != 0;
        }
        return b;
    }

    // ------------------------------------------------------------------ 5. LSTM forecaster with proj_size

    /** The generator's Forecaster. */
    static final class Forecaster extends Module {
        final LSTM lstm = registerModule("lstm", new LSTM(3, 16, 2, true, true, 0.0, false, 8));
        final Linear head = registerModule("head", new Linear(8, 3));

        @Override
        public Tensor forward(Tensor x) {
            return head.apply(lstm.apply(x, null).output());
        }

        RnnOutput step(Tensor x, LstmState hc) {
            RnnOutput r = lstm.apply(x, hc);
            return new RnnOutput(head.apply(r.output()), r.h(), r.c());
        }
    }

    private static Map<String, Tensor> forecast(Forecaster f32, Forecaster f64) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int b : new int[] {1, 3, 9}) {
            for (Forecaster m : List.of(f32, f64)) {
                String suffix = m == f64 ? "64" : "";
                RnnOutput r = rollout(m, e("fc.b" + b + ".history").to(m.head.weight.dtype()), 1);
                out.put("b" + b + ".preds" + suffix, r.output());
                out.put("b" + b + ".h" + suffix, r.h());
                out.put("b" + b + ".c" + suffix, r.c());
            }
        }
        // a single series deployed unbatched ([L, 3] input, [layers, H] states), as PyTorch allows
        RnnOutput r = rollout(f32, e("fc.b1.history").select(0, 0), 0);
        out.put("unbatched.preds", r.output());
        out.put("unbatched.h", r.h());
        return out;
    }

    /**
     * Under {@code inferenceMode}: the 20-step history in one call, then 23 calls of one step, each fed the previous
     * prediction, h and c carried; the 24 predictions (along {@code timeDim}) and the final h and c.
     */
    private static RnnOutput rollout(Forecaster m, Tensor history, int timeDim) {
        return rollout(m, history, timeDim, true);
    }

    /** {@link #rollout(Forecaster, Tensor, int)}, under {@code inferenceMode} or in the caller's grad mode. */
    private static RnnOutput rollout(Forecaster m, Tensor history, int timeDim, boolean inference) {
        try (InferenceMode im = inference ? Ember.inferenceMode() : null) {
            RnnOutput r = m.step(history, null);
            Tensor next = r.output().narrow(timeDim, 19, 1);
            List<Tensor> preds = new ArrayList<>(List.of(next));
            for (int i = 0; i < 23; i++) {
                r = m.step(next, new LstmState(r.h(), r.c()));
                next = r.output();
                preds.add(next);
            }
            return new RnnOutput(Tensor.cat(preds, timeDim), r.h(), r.c());
        }
    }

    @Test
    void lstmForecasterWithProjectionRollsOutAsPyTorchAtBatchOneThreeAndNine() throws Exception {
        Forecaster f32 = loaded(new Forecaster(), "forecaster.pt");
        Forecaster f64 = loaded(new Forecaster(), "forecaster.pt", F64);
        Ember.setNumThreads(2);
        Map<String, Tensor> alone = forecast(f32, f64);
        // the unbatched series is the batch of one's, without its batch dimension
        assertCloseAny(e("fc.b1.preds").select(0, 0), alone.get("unbatched.preds"), "unbatched preds", 1);
        assertCloseAny(e("fc.b1.h").select(1, 0), alone.get("unbatched.h"), "unbatched h", 1);
        for (String k : alone.keySet()) {
            if (k.startsWith("unbatched")) {
                continue;
            }
            // 44 steps of a 2-layer LSTM, each prediction fed back (measured: 0.056 of the tolerance, float64 3e-4)
            assertCloseAny(e("fc." + k), alone.get(k), k, 1);
        }
        // a frozen model (no parameter requires grad) run with grad mode on records nothing either: the same bits
        Forecaster frozen = loaded(new Forecaster(), "forecaster.pt");
        for (Tensor p : frozen.parameters()) {
            p.requiresGrad_(false);
        }
        assertTrue(Ember.isGradEnabled());
        RnnOutput r = rollout(frozen, e("fc.b3.history"), 1, false);
        assertFalse(r.output().requiresGrad() || r.output().isInference(), "frozen, grad mode on: a plain tensor");
        assertSameBits(alone.get("b3.preds"), r.output(), "frozen model's preds");
        assertSameBits(alone.get("b3.c"), r.c(), "frozen model's c");
        assertSameThreads(() -> forecast(f32, f64), alone);
    }
}
