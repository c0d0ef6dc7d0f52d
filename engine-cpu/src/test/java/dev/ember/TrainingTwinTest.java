package dev.ember;

import dev.ember.distributions.KL;
import dev.ember.distributions.Normal;
import dev.ember.nn.AdaptiveMaxPool1d;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.ConvTranspose1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Dropout;
import dev.ember.nn.ELU;
import dev.ember.nn.Embedding;
import dev.ember.nn.EmbeddingBag;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.GRU;
import dev.ember.nn.GroupNorm;
import dev.ember.nn.Hardswish;
import dev.ember.nn.InstanceNorm1d;
import dev.ember.nn.LSTM;
import dev.ember.nn.LeakyReLU;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.PReLU;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Softplus;
import dev.ember.nn.Tanh;
import dev.ember.nn.TransformerEncoder;
import dev.ember.nn.TorchSerialization;
import dev.ember.nn.Transformer;
import dev.ember.nn.TransformerEncoderLayer;
import dev.ember.nn.utils.Checkpoint;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;
import dev.ember.nn.utils.Parametrizations;
import dev.ember.nn.utils.Rnn;
import dev.ember.optim.Adadelta;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.Adamax;
import dev.ember.optim.AveragedModel;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.CosineAnnealingWarmRestarts;
import dev.ember.optim.CyclicLR;
import dev.ember.optim.ExponentialLR;
import dev.ember.optim.LBFGS;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.LambdaLR;
import dev.ember.optim.MultiStepLR;
import dev.ember.optim.OneCycleLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import dev.ember.optim.RAdam;
import dev.ember.optim.RMSprop;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.Rprop;
import dev.ember.optim.SGD;
import dev.ember.optim.SWALR;
import dev.ember.optim.StepLR;
import dev.ember.optim.SwaUtils;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Whole training runs of tiny models, step for step against PyTorch ({@code trainingtwin/make_expected.py}): each model
 * starts from PyTorch's initial state dict (PyTorch's default init under a fixed seed) and runs the same steps on the
 * same batch; every step's loss, learning rate (and the norm clip_grad_norm_ returned, OneCycleLR's beta1) and every
 * parameter's sum and sum of squares after the step are compared, then the final state dict (buffers included:
 * BatchNorm's running statistics and num_batches_tracked), the optimizer's state tensors by parameter, and the
 * eval-mode output. What each model composes: (1) an MLP, cross entropy with label smoothing, AdamW with amsgrad,
 * OneCycleLR (cycling beta1), clip_grad_norm_; (2) a CNN with BatchNorm2d (train, then eval), MaxPool, Dropout(0), SGD
 * with nesterov momentum and weight decay, StepLR; (3) Embedding, a 2-layer batch-first LSTM, log_softmax and NLL,
 * Adam, clip_grad_value_; (3b) a GRU over pack_padded_sequence of unequal, unsorted lengths, the padded output and h_n,
 * Adam with weight decay; (4) a pre-norm GELU TransformerEncoder under a causal mask, LayerNorm, cross entropy with
 * ignore_index, AdamW, a LambdaLR warmup, two micro-batches accumulated; (5) a VAE step (Normal at a given noise,
 * kl_divergence, BCE with logits), RMSprop centered with momentum and weight decay; (6) two parameter groups (no decay
 * on biases and norms, another lr), a frozen layer (requires_grad_(false): no gradient, no state, unchanged),
 * CosineAnnealingLR, zero_grad setting gradients to None; (7) the MLP in float32 (1e-5); (8) a head tied to the
 * embedding (padding_idx), BatchNorm1d with a cumulative average (momentum None), cross entropy with weight,
 * ignore_index and label smoothing together, a branch used on even steps only under zero_grad(set_to_none=False) with
 * Adam (its zero gradients still move it); (9) a post-norm encoder under a causal and a key padding mask, GroupNorm and
 * SiLU, SGD with dampening, clip_grad_norm_ with the inf norm; (10) spectral_norm and orthogonal parametrizations;
 * (11) LBFGS with the strong Wolfe line search; (12) SWA (AveragedModel, SWALR, update_bn); (13) a checkpointed block
 * with BatchNorm (its statistics updated twice per step, as PyTorch's recomputation does); (14) a bidirectional
 * projected LSTM over a packed batch, Adagrad, ExponentialLR; (15) EmbeddingBag and Embedding(max_norm), Adamax,
 * MultiStepLR; (16) Conv1d, InstanceNorm1d with running statistics, ConvTranspose1d, Rprop, CosineAnnealingWarmRestarts
 * at fractional epochs; (17) CyclicLR cycling momentum; (18) ReduceLROnPlateau, Adadelta, a siamese net; (19) a
 * DQN-like step (target network, Polyak update, gradient hook, RAdam); (20) CTC with retain_graph; (21) WGAN-GP
 * (double backward). Resuming: the MLP and the CNN from Ember's own state dicts saved after 3 steps (safetensors for
 * the model), and seven runs from PyTorch's torch.save checkpoint after 3 steps ({@code resume.pt}). Float64 is
 * compared to 1e-10 of each tensor's largest magnitude (the runs
 * are 6 steps; PyTorch 1.13 writes a few updates as mul_/add_ where 2.x writes lerp_, last-bit differences far under
 * that).
 */
class TrainingTwinTest {
    private static final PyTorchCases C = new PyTorchCases("/trainingtwin/expected.txt");
    private static final int STEPS = 6;
    private static final double TOL = 1e-10;
    /**
     * Parameters whose values are partly rounding noise, with the absolute tolerance they get: the key part of
     * MultiheadAttention's in_proj_bias has a gradient that is exactly zero in exact arithmetic (softmax is unchanged
     * by a shift of every score of a row), so PyTorch and Ember both get noise of ~1e-18, which Adam turns into steps
     * of lr * g / eps ~ 1e-12 (checked with the script's model: in_proj_bias.grad[8:16] ~ 1e-18 at step 0); every
     * attention trained with an Adam here (self- and cross-attention alike). Under SGD the noise stays noise-sized.
     */
    private static final Map<String, Double> NOISE = Map.of("transformer/enc.layers.0.self_attn.in_proj_bias", 1e-9,
            "seq2seq/tf.encoder.layers.0.self_attn.in_proj_bias", 1e-9,
            "seq2seq/tf.decoder.layers.0.self_attn.in_proj_bias", 1e-9,
            "seq2seq/tf.decoder.layers.0.multihead_attn.in_proj_bias", 1e-9);

    private static double floor(String key, String name) {
        return NOISE.getOrDefault(key + "/" + name, 0.0);
    }

    // ------------------------------------------------------------------ helpers

    /** Loads the case's initial state dict (written as {@code init.<key>}) into {@code m}, as float64. */
    private static void loadInit(Module m, String key) {
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : C.named(key, "init_keys").entrySet()) {
            state.put(e.getKey().substring("init.".length()), e.getValue());
        }
        m.to(DType.FLOAT64);
        m.loadStateDict(state);
    }

    private static void close(String what, double expected, double actual) {
        close(what, expected, actual, 0);
    }

    private static void close(String what, double expected, double actual, double floor) {
        if (!(Math.abs(expected - actual) <= Math.max(TOL * Math.max(Math.abs(expected), 1e-3), floor))) {
            fail(what + ": expected " + expected + " but was " + actual + " (diff " + (actual - expected) + ")");
        }
    }

    private static void close(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            close(what + "[" + i + "]", expected[i], actual[i]);
        }
    }

    /** A tensor against PyTorch's: shape, then every value to TOL of the tensor's largest magnitude. */
    private static void close(String what, Tensor expected, Tensor actual) {
        close(what, expected, actual, 0);
    }

    private static void close(String what, Tensor expected, Tensor actual, double floor) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.detach().to(DType.FLOAT64).contiguous().toDoubleArray();
        double scale = 1e-6;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(e[i] - a[i]) <= Math.max(TOL * scale, floor))) {
                fail(what + "[" + i + "]: expected " + e[i] + " but was " + a[i] + " (diff " + (a[i] - e[i])
                        + ", scale " + scale + ")");
            }
        }
    }

    private static double num(String key, String field) {
        return Double.parseDouble(C.field(key, field));
    }

    /** Every parameter's sum and sum of squares after step {@code s}, in {@code named_parameters()} order. */
    private static void checkParams(String key, int s, Module m) {
        List<String> names = new ArrayList<>(m.namedParameters().keySet());
        List<Tensor> ps = new ArrayList<>(m.namedParameters().values());
        double[] sum = new double[ps.size()];
        double[] sq = new double[ps.size()];
        for (int i = 0; i < ps.size(); i++) {
            double[] v = ps.get(i).detach().contiguous().toDoubleArray();
            for (double x : v) {
                sum[i] += x;
                sq[i] += x * x;
            }
        }
        double[] eSum = PyTorchCases.numbers(C.field(key, "step" + s + ".psum"));
        double[] eSq = PyTorchCases.numbers(C.field(key, "step" + s + ".psq"));
        assertEquals(eSum.length, ps.size(), key + ": parameter count");
        for (int i = 0; i < ps.size(); i++) {
            double f = floor(key, names.get(i)) * ps.get(i).numel();
            close(key + " step " + s + " sum of " + names.get(i), eSum[i], sum[i], f);
            close(key + " step " + s + " sum of squares of " + names.get(i), eSq[i], sq[i], f);
        }
    }

    private static void checkLoss(String key, int s, double loss) {
        close(key + " step " + s + " loss", num(key, "step" + s + ".loss"), loss);
    }

    /** The final state dict (every key PyTorch has, no other) and the optimizer's state by parameter name. */
    private static void checkFinal(String key, Module m, Optimizer opt) {
        checkModelState(key, "final", m);
        checkOptimizerState(key, m, opt, "opt");
    }

    /**
     * The optimizer's state by parameter name against the case's {@code <prefix>.<param>.<key>} lines (index i of
     * {@code state_dict()["state"]} is the i-th parameter over the groups): the same keys, the same values.
     */
    private static void checkOptimizerState(String key, Module m, Optimizer opt, String prefix) {
        Map<Tensor, String> names = new IdentityHashMap<>();
        m.namedParameters().forEach((n, p) -> names.put(p, n));
        List<String> byIndex = new ArrayList<>();
        for (ParamGroup g : opt.paramGroups()) {
            for (Tensor p : g.params()) {
                byIndex.add(names.get(p));
            }
        }
        @SuppressWarnings("unchecked")
        Map<Integer, Map<String, Object>> state = (Map<Integer, Map<String, Object>>) opt.stateDict().get("state");
        List<String> got = new ArrayList<>();
        for (Map.Entry<Integer, Map<String, Object>> e : state.entrySet()) {
            for (Map.Entry<String, Object> x : e.getValue().entrySet()) {
                String k = prefix + "." + byIndex.get(e.getKey()) + "." + x.getKey();
                got.add(k);
                Tensor t = (Tensor) x.getValue();
                if (!C.has(key, k)) {
                    continue; // the script writes the values of the first parameters' state only, for big models
                }
                if (x.getKey().equals("step")) {
                    close(key + " " + k, Double.parseDouble(C.field(key, k).replaceAll(".*: ", "").replace("[", "")
                            .replace("]", "")), t.item());
                } else {
                    close(key + " " + k, C.tensor(key, k), t);
                }
            }
        }
        List<String> want = List.of(C.field(key, prefix + "_keys").split(" "));
        assertEquals(new java.util.TreeSet<>(want), new java.util.TreeSet<>(got), key + ": optimizer state keys");
    }

    private static Tensor t(String key, String name) {
        return C.tensor(key, name);
    }

    // ------------------------------------------------------------------ 1. MLP

    @Test
    void mlpAdamWAmsgradOneCycleClipNorm() {
        String k = "mlp";
        Sequential model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
        loadInit(model, k);
        Tensor x = t(k, "x");
        Tensor y = t(k, "y");
        Optimizer opt = Adam.adamW(model.parameters(), 0.01, 0.9, 0.99, 1e-8, 0.05, true);
        OneCycleLR sched = new OneCycleLR(opt, 0.05, STEPS + 2);
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.forward(x), y, "mean", 0.1);
            loss.backward();
            Tensor n = ClipGrad.clipGradNorm_(model.parameters(), 0.5);
            opt.step();
            sched.step();
            checkLoss(k, s, loss.item());
            close(k + " step " + s + " clip norm", num(k, "step" + s + ".norm"), n.item());
            close(k + " step " + s + " lr", num(k, "step" + s + ".lr"), sched.getLastLr()[0]);
            close(k + " step " + s + " beta1", num(k, "step" + s + ".beta1"),
                    (Double) ((List<?>) opt.paramGroups().get(0).get("betas")).get(0));
            checkParams(k, s, model);
        }
        checkFinal(k, model, opt);
        model.eval();
        try (GradMode g = Ember.noGrad()) {
            close(k + " eval", t(k, "eval"), model.forward(x));
        }
    }

    // ------------------------------------------------------------------ 2. CNN

    @Test
    void cnnBatchNormSgdNesterovStepLR() {
        String k = "cnn";
        Sequential model = new Sequential(
                new Conv2d(1, 3, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true),
                new BatchNorm2d(3), new ReLU(), new MaxPool2d(2), new Dropout(0.0), new Flatten(), new Linear(12, 2));
        loadInit(model, k);
        Tensor x = t(k, "x");
        Tensor y = t(k, "y");
        Optimizer opt = new SGD(model.parameters(), 0.1, 0.9, 0, 1e-3, true);
        StepLR sched = new StepLR(opt, 2, 0.5);
        model.train();
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.forward(x), y);
            loss.backward();
            opt.step();
            sched.step();
            checkLoss(k, s, loss.item());
            close(k + " step " + s + " lr", num(k, "step" + s + ".lr"), sched.getLastLr()[0]);
            checkParams(k, s, model);
            close(k + " step " + s + " running_mean", t(k, "step" + s + ".running_mean"),
                    model.getBuffer("1.running_mean"));
        }
        checkFinal(k, model, opt);
        model.eval();
        try (GradMode g = Ember.noGrad()) {
            close(k + " eval", t(k, "eval"), model.forward(x));
        }
    }

    // ------------------------------------------------------------------ 3. LSTM

    /** Embedding, a 2-layer batch-first LSTM and a Linear head under log_softmax, as the script's CharLSTM. */
    static final class CharLSTM extends Module {
        final Embedding emb = registerModule("emb", new Embedding(5, 3));
        final LSTM lstm = registerModule("lstm", new LSTM(3, 4, 2, true, true, 0.0, false, 0));
        final Linear head = registerModule("head", new Linear(4, 5));

        @Override
        public Tensor forward(Tensor x) {
            return Functional.logSoftmax(head.forward(lstm.forward(emb.forward(x))), -1);
        }
    }

    @Test
    void lstmNllAdamClipValue() {
        String k = "lstm";
        CharLSTM model = new CharLSTM();
        loadInit(model, k);
        Tensor x = t(k, "x");
        Tensor y = t(k, "y");
        Optimizer opt = Adam.adam(model.parameters(), 0.02);
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor loss = Functional.nllLoss(model.forward(x).reshape(-1, 5), y.reshape(-1), "mean");
            loss.backward();
            ClipGrad.clipGradValue_(model.parameters(), 0.05);
            opt.step();
            checkLoss(k, s, loss.item());
            checkParams(k, s, model);
        }
        checkFinal(k, model, opt);
        model.eval();
        try (GradMode g = Ember.noGrad()) {
            close(k + " eval", t(k, "eval"), model.forward(x));
        }
    }

    // ------------------------------------------------------------------ 3b. GRU over a packed batch

    /** A GRU over pack_padded_sequence (unsorted lengths) and a Linear head on h_n, as the script's PackedGRU. */
    static final class PackedGRU extends Module {
        final GRU gru = registerModule("gru", new GRU(3, 4, 1, true, true, 0.0, false));
        final Linear head = registerModule("head", new Linear(4, 2));
        Tensor padded;

        @Override
        public Tensor forward(Tensor input) {
            throw new UnsupportedOperationException("call run(x, lengths)");
        }

        Tensor run(Tensor x, Tensor lengths) {
            PackedSequence packed = Rnn.packPaddedSequence(x, lengths, true, false);
            PackedRnnOutput out = gru.forward(packed);
            padded = Rnn.padPackedSequence(out.output(), true, 0.0, null).output();
            return head.forward(out.h().select(0, out.h().shape()[0] - 1));
        }
    }

    @Test
    void gruPackedAdamWeightDecay() {
        String k = "gru";
        PackedGRU model = new PackedGRU();
        loadInit(model, k);
        Tensor x = t(k, "x");
        Tensor lengths = t(k, "lengths");
        Tensor target = t(k, "target");
        Optimizer opt = Adam.adam(model.parameters(), 0.03, 0.9, 0.999, 1e-8, 0.01);
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor pred = model.run(x, lengths);
            Tensor loss = Functional.mseLoss(pred, target).add(model.padded.pow(2L).mean().mul(0.1));
            loss.backward();
            opt.step();
            checkLoss(k, s, loss.item());
            checkParams(k, s, model);
        }
        checkFinal(k, model, opt);
        model.eval();
        try (GradMode g = Ember.noGrad()) {
            close(k + " eval", t(k, "eval"), model.run(x, lengths));
            close(k + " eval padded", t(k, "eval_padded"), model.padded);
        }
    }

    // ------------------------------------------------------------------ 4. Transformer

    /** Embedding, a pre-norm GELU encoder layer under a causal mask, LayerNorm and a head, as the script's TinyLM. */
    static final class TinyLM extends Module {
        final Embedding emb = registerModule("emb", new Embedding(7, 8));
        final TransformerEncoder enc = registerModule("enc", new TransformerEncoder(
                new TransformerEncoderLayer(8, 2, 16, 0.0, "gelu", 1e-5, true, true, true), 1));
        final LayerNorm norm = registerModule("norm", new LayerNorm(8));
        final Linear head = registerModule("head", new Linear(8, 7));

        @Override
        public Tensor forward(Tensor x) {
            int len = x.shape()[1];
            Tensor mask = Tensor.full(DType.FLOAT64, Double.NEGATIVE_INFINITY, len, len).triu(1);
            return head.forward(norm.forward(enc.forward(emb.forward(x), mask, null, null)));
        }
    }

    @Test
    void transformerAdamWWarmupAccumulation() {
        String k = "transformer";
        TinyLM model = new TinyLM();
        loadInit(model, k);
        Tensor x = t(k, "x");
        Tensor y = t(k, "y");
        Optimizer opt = Adam.adamW(model.parameters(), 0.01, 0.9, 0.999, 1e-8, 0.1);
        LRScheduler sched = new LambdaLR(opt, step -> Math.min(1.0, (step + 1) / 3.0));
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            double total = 0;
            for (int mb = 0; mb < 2; mb++) {
                Tensor xb = x.narrow(0, 2 * mb, 2);
                Tensor yb = y.narrow(0, 2 * mb, 2);
                Tensor loss = Functional.crossEntropy(model.forward(xb).reshape(-1, 7), yb.reshape(-1), null, "mean",
                        -1, 0.0).div(2.0);
                loss.backward();
                total += loss.item();
            }
            opt.step();
            sched.step();
            checkLoss(k, s, total);
            close(k + " step " + s + " lr", num(k, "step" + s + ".lr"), sched.getLastLr()[0]);
            checkParams(k, s, model);
        }
        checkFinal(k, model, opt);
        model.eval();
        try (GradMode g = Ember.noGrad()) {
            close(k + " eval", t(k, "eval"), model.forward(x));
        }
    }

    // ------------------------------------------------------------------ 5. VAE

    static final class VAE extends Module {
        final Linear enc = registerModule("enc", new Linear(6, 4));
        final Linear dec = registerModule("dec", new Linear(2, 6));

        @Override
        public Tensor forward(Tensor input) {
            throw new UnsupportedOperationException("call run(x, eps)");
        }

        /** The decoder's logits and the KL term, at the given noise. */
        Tensor[] run(Tensor x, Tensor eps) {
            Tensor h = enc.forward(x);
            Tensor mu = h.narrow(1, 0, 2);
            Tensor logvar = h.narrow(1, 2, 2);
            Tensor std = logvar.mul(0.5).exp();
            Normal q = new Normal(mu, std);
            Tensor z = q.loc().add(eps.mul(q.scale())); // Normal.rsample's loc + eps * scale, at a given eps
            Tensor kl = KL.klDivergence(q, new Normal(mu.zerosLike(), std.onesLike())).sum();
            return new Tensor[] {dec.forward(z), kl};
        }
    }

    @Test
    void vaeKlBceRmspropCentered() {
        String k = "vae";
        for (boolean resume : new boolean[] {false, true}) {
            VAE model = new VAE();
            loadInit(model, k);
            Tensor x = t(k, "x");
            Tensor eps = t(k, "eps");
            Optimizer opt = new RMSprop(model.parameters(), 0.01, 0.9, 1e-6, 0.01, 0.5, true);
            for (int s = resume ? resume(k, model, opt, null) : 0; s < STEPS; s++) {
                opt.zeroGrad();
                Tensor[] r = model.run(x, eps.select(0, s));
                Tensor rec = Functional.binaryCrossEntropyWithLogits(r[0], x, "sum");
                Tensor loss = rec.add(r[1]).div(5.0);
                loss.backward();
                opt.step();
                checkLoss(k, s, loss.item());
                close(k + " step " + s + " kl", num(k, "step" + s + ".kl"), r[1].item());
                checkParams(k, s, model);
            }
            checkFinal(k, model, opt);
        }
    }

    // ------------------------------------------------------------------ 6. parameter groups and a frozen layer

    @Test
    void paramGroupsFrozenLayerCosine() {
        String k = "groups";
        Linear first = new Linear(4, 6);
        Sequential model = new Sequential(first, new LayerNorm(6), new Tanh(), new Linear(6, 3));
        loadInit(model, k);
        first.requiresGrad_(false);
        Tensor frozenWeight = first.weight.detach().clone();
        Tensor x = t(k, "x");
        Tensor target = t(k, "target");
        List<Tensor> decay = new ArrayList<>();
        List<Tensor> noDecay = new ArrayList<>();
        for (Tensor p : model.namedParameters().values()) {
            (p.dim() >= 2 ? decay : noDecay).add(p);
        }
        Optimizer opt = Adam.adamW(decay, 0.01, 0.9, 0.999, 1e-8, 0.1);
        opt.addParamGroup(noDecay, Map.of("weight_decay", 0.0, "lr", 0.02));
        CosineAnnealingLR sched = new CosineAnnealingLR(opt, 4, 1e-3);
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor loss = Functional.mseLoss(model.forward(x), target);
            loss.backward();
            assertNull(first.weight.grad(), "a frozen parameter gets no gradient");
            opt.step();
            sched.step();
            checkLoss(k, s, loss.item());
            close(k + " step " + s + " lrs", PyTorchCases.numbers(C.field(k, "step" + s + ".lrs")), sched.getLastLr());
            checkParams(k, s, model);
        }
        checkFinal(k, model, opt);
        assertArrayEquals(frozenWeight.toDoubleArray(), first.weight.detach().contiguous().toDoubleArray(),
                "the frozen layer is unchanged");
        opt.zeroGrad();
        double[] none = PyTorchCases.numbers(C.field(k, "grads_after_zero_grad"));
        List<Tensor> ps = model.parameters();
        for (int i = 0; i < ps.size(); i++) {
            assertEquals(none[i] != 0, ps.get(i).grad() == null, "grad " + i + " is None after zero_grad");
        }
        assertTrue(none.length == ps.size());
    }

    // ------------------------------------------------------------------ 7. the MLP in float32

    @Test
    void mlpFloat32() {
        String k = "mlp32";
        Sequential model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
        Map<String, Tensor> state = new LinkedHashMap<>();
        C.named(k, "init_keys").forEach((n, v) -> state.put(n.substring("init.".length()), v));
        model.loadStateDict(state);
        assertEquals(DType.FLOAT32, model.parameters().get(0).dtype());
        Tensor x = t(k, "x");
        Tensor y = t(k, "y");
        Optimizer opt = Adam.adamW(model.parameters(), 0.01, 0.9, 0.99, 1e-8, 0.05, true);
        OneCycleLR sched = new OneCycleLR(opt, 0.05, STEPS + 2);
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.forward(x), y, "mean", 0.1);
            loss.backward();
            Tensor n = ClipGrad.clipGradNorm_(model.parameters(), 0.5);
            opt.step();
            sched.step();
            double el = num(k, "step" + s + ".loss");
            assertEquals(el, loss.item(), 1e-5 * Math.abs(el), "loss");
            assertEquals(num(k, "step" + s + ".norm"), n.item(), 1e-5 * num(k, "step" + s + ".norm"), "norm");
            close(k + " step " + s + " lr", num(k, "step" + s + ".lr"), sched.getLastLr()[0]);
        }
        Map<String, Tensor> sd = model.stateDict();
        for (Map.Entry<String, Tensor> e : C.named(k, "final_keys").entrySet()) {
            Tensor got = sd.get(e.getKey().substring("final.".length()));
            assertEquals(DType.FLOAT32, got.dtype());
            double[] ev = e.getValue().toDoubleArray();
            double[] gv = got.toDoubleArray();
            for (int i = 0; i < ev.length; i++) {
                assertEquals(ev[i], gv[i], 1e-5 * Math.max(Math.abs(ev[i]), 0.1), e.getKey() + "[" + i + "]");
            }
        }
    }

    // ------------------------------------------------------------------ 8. a tied head, zero_grad(set_to_none=False)

    /** A head tied to the embedding (F.linear on emb.weight), BatchNorm1d with a cumulative average, an aux branch. */
    static final class TiedLM extends Module {
        final Embedding emb = registerModule("emb", new Embedding(6, 4, 0L, null, 2.0, false));
        // no bias before BatchNorm: its gradient would be rounding noise only, which Adam makes steps of lr * g / eps
        final Linear proj = registerModule("proj", new Linear(4, 4, false));
        final BatchNorm1d bn = registerModule("bn", new BatchNorm1d(4, 1e-5, null, true, true));
        final Linear aux = registerModule("aux", new Linear(4, 1));

        @Override
        public Tensor forward(Tensor input) {
            return run(input)[0];
        }

        Tensor[] run(Tensor x) {
            Tensor h = bn.forward(proj.forward(emb.forward(x))).tanh();
            return new Tensor[] {Functional.linear(h, emb.weight, null), h};
        }
    }

    @Test
    void tiedHeadZeroGradKeepsZerosAdam() {
        String k = "tied";
        // not resumed from a checkpoint: the zero gradient tensors that keep moving the unused branch on odd steps are
        // no part of a checkpoint (in PyTorch neither), so a resumed run differs from the uninterrupted one
        for (boolean resume : new boolean[] {false}) {
            TiedLM model = new TiedLM();
            loadInit(model, k);
            Tensor x = t(k, "x");
            Tensor y = t(k, "y");
            Tensor w = t(k, "w");
            Optimizer opt = Adam.adam(model.parameters(), 0.02, 0.8, 0.9, 1e-8, 0);
            for (int s = resume ? resume(k, model, opt, null) : 0; s < STEPS; s++) {
                opt.zeroGrad(false);
                Tensor[] r = model.run(x);
                Tensor loss = Functional.crossEntropy(r[0], y, w, "mean", -1, 0.2);
                if (s % 2 == 0) {
                    loss = loss.add(model.aux.forward(r[1]).pow(2L).mean());
                }
                loss.backward();
                opt.step();
                checkLoss(k, s, loss.item());
                checkParams(k, s, model);
            }
            checkFinal(k, model, opt);
            double[] zero = PyTorchCases.numbers(C.field(k, "grads_zero_not_none"));
            List<Tensor> ps = model.parameters();
            for (int i = 0; i < ps.size(); i++) {
                Tensor g = ps.get(i).grad();
                boolean z = g != null && g.eq(0.0).all();
                assertEquals(zero[i] != 0, z, "grad " + i + " all zero after the odd step");
            }
            model.eval();
            try (GradMode g = Ember.noGrad()) {
                close(k + " eval", t(k, "eval"), model.forward(x));
            }
        }
    }

    // ------------------------------------------------------------------ 9. padding and causal masks, GroupNorm, SGD

    static final class PadLM extends Module {
        final Embedding emb = registerModule("emb", new Embedding(7, 8, 0L, null, 2.0, false));
        final GroupNorm gn = registerModule("gn", new GroupNorm(2, 8));
        final TransformerEncoder enc = registerModule("enc", new TransformerEncoder(
                new TransformerEncoderLayer(8, 2, 12, 0.0, "relu", 1e-5, true, false, true), 1));
        final Linear head = registerModule("head", new Linear(8, 7));

        @Override
        public Tensor forward(Tensor x) {
            int len = x.shape()[1];
            Tensor mask = Tensor.full(DType.FLOAT64, Double.NEGATIVE_INFINITY, len, len).triu(1);
            Tensor e = emb.forward(x);
            e = Functional.silu(gn.forward(e.transpose(1, 2)).transpose(1, 2));
            return head.forward(enc.forward(e, mask, x.eq(0L), null));
        }
    }

    @Test
    void transformerPaddingMaskGroupNormSgdInfClip() {
        String k = "transformer_pad";
        PadLM model = new PadLM();
        loadInit(model, k);
        Tensor x = t(k, "x");
        Tensor y = t(k, "y");
        Optimizer opt = new SGD(model.parameters(), 0.2, 0.8, 0.3, 0, false);
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.forward(x).reshape(-1, 7), y.reshape(-1), null, "mean", 0, 0.0);
            loss.backward();
            Tensor n = ClipGrad.clipGradNorm_(model.parameters(), 0.3, Double.POSITIVE_INFINITY);
            opt.step();
            checkLoss(k, s, loss.item());
            close(k + " step " + s + " clip norm", num(k, "step" + s + ".norm"), n.item());
            checkParams(k, s, model);
        }
        checkFinal(k, model, opt);
        model.eval();
        try (GradMode g = Ember.noGrad()) {
            Tensor out = model.forward(x).reshape(-1, 7);
            double[] xv = x.toDoubleArray();
            List<Long> rows = new ArrayList<>();
            for (int i = 0; i < xv.length; i++) {
                if (xv[i] != 0) {
                    rows.add((long) i);
                }
            }
            long[] idx = rows.stream().mapToLong(Long::longValue).toArray();
            close(k + " eval", t(k, "eval"), out.indexSelect(0, Tensor.tensor(idx, DType.INT64, Device.CPU)));
        }
    }

    // ------------------------------------------------------------------ resuming: state dicts saved after 3 steps

    /**
     * The MLP and the CNN stopped after 3 steps, their state dicts saved (the model's through a safetensors file, the
     * optimizer's and the scheduler's as maps) and loaded into fresh objects, then 3 more steps: the same trajectory as
     * PyTorch's uninterrupted run (a state that is not saved or not restored shows here).
     */
    @Test
    void resumeFromStateDictsMatchesTheUninterruptedRun(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        // the MLP: AdamW amsgrad + OneCycleLR (cycling beta1) + clipping
        String k = "mlp";
        Sequential model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
        loadInit(model, k);
        Tensor x = t(k, "x");
        Tensor y = t(k, "y");
        Optimizer opt = Adam.adamW(model.parameters(), 0.01, 0.9, 0.99, 1e-8, 0.05, true);
        LRScheduler sched = new OneCycleLR(opt, 0.05, STEPS + 2);
        for (int s = 0; s < STEPS; s++) {
            if (s == 3) {
                java.nio.file.Path f = dir.resolve("mlp.safetensors");
                dev.ember.nn.Safetensors.save(model.stateDict(), f);
                Map<String, Object> os = opt.stateDict();
                Map<String, Object> ss = sched.stateDict();
                model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
                model.to(DType.FLOAT64);
                model.loadStateDict(dev.ember.nn.Safetensors.load(f));
                opt = Adam.adamW(model.parameters(), 0.01, 0.9, 0.99, 1e-8, 0.05, true);
                sched = new OneCycleLR(opt, 0.05, STEPS + 2);
                opt.loadStateDict(os);
                sched.loadStateDict(ss);
            }
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.forward(x), y, "mean", 0.1);
            loss.backward();
            ClipGrad.clipGradNorm_(model.parameters(), 0.5);
            opt.step();
            sched.step();
            checkLoss(k, s, loss.item());
            close(k + " step " + s + " lr", num(k, "step" + s + ".lr"), sched.getLastLr()[0]);
            checkParams(k, s, model);
        }
        checkFinal(k, model, opt);

        // the CNN: BatchNorm2d's running statistics and num_batches_tracked, SGD's momentum buffers, StepLR
        k = "cnn";
        java.util.function.Supplier<Sequential> cnn = () -> new Sequential(
                new Conv2d(1, 3, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true),
                new BatchNorm2d(3), new ReLU(), new MaxPool2d(2), new Dropout(0.0), new Flatten(), new Linear(12, 2));
        Sequential net = cnn.get();
        loadInit(net, k);
        x = t(k, "x");
        y = t(k, "y");
        Optimizer sgd = new SGD(net.parameters(), 0.1, 0.9, 0, 1e-3, true);
        LRScheduler step = new StepLR(sgd, 2, 0.5);
        for (int s = 0; s < STEPS; s++) {
            if (s == 3) {
                java.nio.file.Path f = dir.resolve("cnn.safetensors");
                dev.ember.nn.Safetensors.save(net.stateDict(), f);
                Map<String, Object> os = sgd.stateDict();
                Map<String, Object> ss = step.stateDict();
                net = cnn.get();
                net.to(DType.FLOAT64);
                net.loadStateDict(dev.ember.nn.Safetensors.load(f));
                sgd = new SGD(net.parameters(), 0.1, 0.9, 0, 1e-3, true);
                step = new StepLR(sgd, 2, 0.5);
                sgd.loadStateDict(os);
                step.loadStateDict(ss);
            }
            sgd.zeroGrad();
            Tensor loss = Functional.crossEntropy(net.forward(x), y);
            loss.backward();
            sgd.step();
            step.step();
            checkLoss(k, s, loss.item());
            close(k + " step " + s + " lr", num(k, "step" + s + ".lr"), step.getLastLr()[0]);
            checkParams(k, s, net);
        }
        checkFinal(k, net, sgd);
    }

    // ------------------------------------------------------------------ 10. parametrizations

    @Test
    void spectralNormOrthogonalParametrizationsAdam() {
        String k = "param";
        Sequential model = new Sequential(Parametrizations.spectralNorm(new Linear(4, 5)), new Tanh(),
                Parametrizations.orthogonal(new Linear(5, 5)), new Linear(5, 2));
        loadInit(model, k);
        Tensor x = t(k, "x");
        Tensor target = t(k, "target");
        Optimizer opt = Adam.adam(model.parameters(), 0.05);
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor loss = Functional.mseLoss(model.forward(x), target);
            loss.backward();
            opt.step();
            checkLoss(k, s, loss.item());
            checkParams(k, s, model);
        }
        checkFinal(k, model, opt);
        model.eval();
        try (GradMode g = Ember.noGrad()) {
            close(k + " eval", t(k, "eval"), model.forward(x));
            close(k + " eval weight 0", t(k, "eval_weight0"), model.get(0).parametrizedValue("weight"));
            close(k + " eval weight 2", t(k, "eval_weight2"), model.get(2).parametrizedValue("weight"));
        }
    }

    // ------------------------------------------------------------------ 11. LBFGS

    @Test
    void lbfgsStrongWolfeClosure() {
        String k = "lbfgs";
        for (boolean resume : new boolean[] {false, true}) {
            Sequential model = new Sequential(new Linear(3, 4), new Tanh(), new Linear(4, 1));
            loadInit(model, k);
            Tensor x = t(k, "x");
            Tensor target = t(k, "target");
            LBFGS opt = new LBFGS(model.parameters(), 1, 5, null, 1e-7, 1e-9, 3, "strong_wolfe");
            int[] evals = {0};
            for (int s = resume ? resume(k, model, opt, null) : 0; s < 4; s++) {
                Tensor loss = opt.step(() -> {
                    opt.zeroGrad();
                    Tensor l = Functional.mseLoss(model.forward(x), target);
                    l.backward();
                    evals[0]++;
                    return l;
                });
                checkLoss(k, s, loss.item());
                if (!resume) {
                    assertEquals((int) num(k, "step" + s + ".evals"), evals[0], "closure evaluations after step " + s);
                }
                checkParams(k, s, model);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> st = (Map<String, Object>) ((Map<Integer, Object>) opt.stateDict().get("state")).get(0);
            assertEquals(num(k, "func_evals"), ((Number) scalar(st.get("func_evals"))).doubleValue(), "func_evals");
            assertEquals(num(k, "n_iter"), ((Number) scalar(st.get("n_iter"))).doubleValue(), "n_iter");
            checkModelState(k, "final", model);
        }
    }

    private static Object scalar(Object o) {
        return o instanceof Tensor ? ((Tensor) o).item() : o;
    }

    /** A state dict against the case's {@code <prefix>_keys}: the same keys in order, values as {@link #close}. */
    private static void checkModelState(String key, String prefix, Module m) {
        Map<String, Tensor> sd = m.stateDict();
        // every key; the values where the script wrote them (for big models, the first entries only)
        Map<String, Tensor> expected = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (String n : C.field(key, prefix + "_keys").split(" ")) {
            names.add(n.substring(prefix.length() + 1));
            if (C.has(key, n)) {
                expected.put(n, C.tensor(key, n));
            }
        }
        assertEquals(names, new ArrayList<>(sd.keySet()), key + ": " + prefix + " state dict keys");
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            String name = e.getKey().substring(prefix.length() + 1);
            Tensor got = sd.get(name);
            if (e.getValue().dtype() == DType.INT64) {
                assertEquals(DType.INT64, got.dtype(), key + " " + name + ": dtype");
                assertArrayEquals(e.getValue().toDoubleArray(), got.toDoubleArray(), key + " " + prefix + " " + name);
            } else {
                close(key + " " + prefix + " " + name, e.getValue(), got, floor(key, name));
            }
        }
    }

    // ------------------------------------------------------------------ 12. SWA

    @Test
    void swaAveragedModelSwalrUpdateBn() {
        String k = "swa";
        java.util.function.Supplier<Sequential> fresh = () -> new Sequential(new Linear(3, 4), new BatchNorm1d(4),
                new ReLU(), new Linear(4, 2));
        Sequential model = fresh.get();
        loadInit(model, k);
        Tensor x = t(k, "x");
        Tensor y = t(k, "y");
        AveragedModel swaModel = new AveragedModel(model, fresh);
        Optimizer opt = new SGD(model.parameters(), 0.1, 0.5, 0, 0, false);
        SWALR sched = new SWALR(opt, 0.05, 2, "linear");
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.forward(x), y);
            loss.backward();
            opt.step();
            if (s >= 2) {
                swaModel.updateParameters(model);
                sched.step();
            }
            checkLoss(k, s, loss.item());
            close(k + " step " + s + " lr", num(k, "step" + s + ".lr"), opt.paramGroups().get(0).lr());
            checkParams(k, s, model);
        }
        checkModelState(k, "final", model);
        SwaUtils.updateBn(List.of(x.narrow(0, 0, 3), x.narrow(0, 3, 3)), swaModel);
        checkModelState(k, "swa", swaModel);
        swaModel.eval();
        try (GradMode g = Ember.noGrad()) {
            close(k + " eval", t(k, "eval"), swaModel.forward(x));
        }
    }

    // ------------------------------------------------------------------ 13. activation checkpointing

    static final class CkptNet extends Module {
        final Linear inp = registerModule("inp", new Linear(3, 4));
        final Sequential block = registerModule("block", new Sequential(new Linear(4, 4), new BatchNorm1d(4),
                new dev.ember.nn.GELU()));
        final Linear out = registerModule("out", new Linear(4, 2));

        @Override
        public Tensor forward(Tensor x) {
            return out.forward(Checkpoint.checkpoint(block, inp.forward(x)));
        }
    }

    @Test
    void checkpointedBlockWithBatchNormUpdatesItsStatisticsTwice() {
        String k = "ckpt";
        CkptNet model = new CkptNet();
        loadInit(model, k);
        Tensor x = t(k, "x");
        Tensor target = t(k, "target");
        Optimizer opt = new SGD(model.parameters(), 0.1);
        for (int s = 0; s < 3; s++) {
            opt.zeroGrad();
            Tensor loss = Functional.mseLoss(model.forward(x), target);
            loss.backward();
            opt.step();
            checkLoss(k, s, loss.item());
            checkParams(k, s, model);
        }
        checkModelState(k, "final", model);
    }

    // ------------------------------------------------------------------ 14. bidirectional projected LSTM, packed

    static final class BiLSTM extends Module {
        final LSTM lstm = registerModule("lstm", new LSTM(3, 4, 2, true, false, 0.0, true, 2));
        final Linear head = registerModule("head", new Linear(4, 1));

        @Override
        public Tensor forward(Tensor input) {
            throw new UnsupportedOperationException("call run(x, lengths)");
        }

        PackedRnnOutput last;

        Tensor run(Tensor x, Tensor lengths) {
            last = lstm.forward(Rnn.packPaddedSequence(x, lengths, false, true));
            Tensor padded = Rnn.padPackedSequence(last.output(), false, 0.0, null).output();
            return head.forward(padded).squeeze(-1);
        }
    }

    @Test
    void bidirectionalProjectedLstmPackedAdagradExponentialLR() {
        String k = "bilstm";
        BiLSTM model = new BiLSTM();
        loadInit(model, k);
        Tensor x = t(k, "x");
        Tensor lengths = t(k, "lengths");
        Tensor target = t(k, "target");
        Optimizer opt = new Adagrad(model.parameters(), 0.1, 0.01, 0, 0.1, 1e-10);
        LRScheduler sched = new ExponentialLR(opt, 0.9);
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor pred = model.run(x, lengths);
            Tensor loss = Functional.smoothL1Loss(pred, target, "mean", 0.5)
                    .add(model.last.h().pow(2L).sum().mul(0.1)).add(model.last.c().abs().mean().mul(0.05));
            loss.backward();
            opt.step();
            sched.step();
            checkLoss(k, s, loss.item());
            close(k + " step " + s + " lr", num(k, "step" + s + ".lr"), sched.getLastLr()[0]);
            checkParams(k, s, model);
        }
        checkFinal(k, model, opt);
    }

    // ------------------------------------------------------------------ 15. EmbeddingBag, Embedding(max_norm), Adamax

    static final class Bags extends Module {
        final EmbeddingBag bag = registerModule("bag", new EmbeddingBag(7, 3, "mean"));
        final EmbeddingBag wbag = registerModule("wbag", new EmbeddingBag(7, 3, "sum"));
        final Embedding emb = registerModule("emb", new Embedding(7, 3, null, 1.0, 2.0, true));
        final Linear head = registerModule("head", new Linear(9, 2));

        @Override
        public Tensor forward(Tensor input) {
            throw new UnsupportedOperationException("call run(...)");
        }

        Tensor run(Tensor ids, Tensor offsets, Tensor psw, Tensor ids2) {
            Tensor a = bag.forward(ids, offsets, null);
            Tensor b = wbag.forward(ids, offsets, psw);
            Tensor e = emb.forward(ids2).mean(1);
            return head.forward(Tensor.cat(List.of(a, b, e), 1));
        }
    }

    @Test
    void embeddingBagsMaxNormAdamaxMultiStep() {
        String k = "bags";
        for (boolean resume : new boolean[] {false, true}) {
            Bags model = new Bags();
            loadInit(model, k);
            Tensor ids = t(k, "ids");
            Tensor offsets = t(k, "offsets");
            Tensor psw = t(k, "psw");
            Tensor ids2 = t(k, "ids2");
            Tensor y = t(k, "y");
            Optimizer opt = new Adamax(model.parameters(), 0.05, 0.9, 0.999, 1e-8, 0.01);
            LRScheduler sched = new MultiStepLR(opt, List.of(2, 4), 0.3);
            for (int s = resume ? resume(k, model, opt, sched) : 0; s < STEPS; s++) {
                opt.zeroGrad();
                Tensor loss = Functional.crossEntropy(model.run(ids, offsets, psw, ids2), y);
                loss.backward();
                opt.step();
                sched.step();
                checkLoss(k, s, loss.item());
                close(k + " step " + s + " lr", num(k, "step" + s + ".lr"), sched.getLastLr()[0]);
                checkParams(k, s, model);
            }
            checkFinal(k, model, opt);
        }
    }

    // ------------------------------------------------------------------ 16. 1-d convolutions, InstanceNorm1d, Rprop

    static final class Seq1d extends Module {
        // no bias before InstanceNorm: its gradient would be rounding noise only, whose sign Rprop follows
        final Conv1d conv = registerModule("conv", new Conv1d(2, 4, new int[] {3}, new int[] {1}, new int[] {2},
                new int[] {2}, 2, false));
        final InstanceNorm1d norm = registerModule("norm", new InstanceNorm1d(4, 1e-5, 0.1, true, true));
        final AdaptiveMaxPool1d pool = registerModule("pool", new AdaptiveMaxPool1d(3));
        final ConvTranspose1d up = registerModule("up", new ConvTranspose1d(4, 1, 3, 2, 1, 1, 1, true, 1));

        @Override
        public Tensor forward(Tensor x) {
            return up.forward(pool.forward(Functional.elu(norm.forward(conv.forward(x)))));
        }
    }

    @Test
    void conv1dInstanceNormRpropWarmRestartsFractional() {
        String k = "seq1d";
        for (boolean resume : new boolean[] {false, true}) {
            Seq1d model = new Seq1d();
            loadInit(model, k);
            Tensor x = t(k, "x");
            Tensor target = t(k, "target");
            Optimizer opt = new Rprop(model.parameters(), 0.02, 0.4, 1.3, 1e-4, 0.1);
            CosineAnnealingWarmRestarts sched = new CosineAnnealingWarmRestarts(opt, 2, 2, 1e-3);
            for (int s = resume ? resume(k, model, opt, sched) : 0; s < STEPS; s++) {
                opt.zeroGrad();
                Tensor loss = Functional.l1Loss(model.forward(x), target)
                        .add(Functional.mseLoss(model.forward(x), target));
                loss.backward();
                opt.step();
                sched.step(s * 0.75);
                checkLoss(k, s, loss.item());
                close(k + " step " + s + " lr", num(k, "step" + s + ".lr"), sched.getLastLr()[0]);
                checkParams(k, s, model);
            }
            checkFinal(k, model, opt);
            model.eval();
            try (GradMode g = Ember.noGrad()) {
                close(k + " eval", t(k, "eval"), model.forward(x));
            }
        }
    }

    // ------------------------------------------------------------------ 17. CyclicLR with momentum, PReLU, Hardswish

    @Test
    void cyclicMomentumPreluHardswishHuber() {
        String k = "cyclic";
        Sequential model = new Sequential(new Linear(3, 5), new PReLU(5),
                new LayerNorm(new int[] {5}, 1e-5, false, true),
                new Linear(5, 4), new Hardswish(), new Linear(4, 2));
        loadInit(model, k);
        Tensor x = t(k, "x");
        Tensor target = t(k, "target");
        Optimizer opt = new SGD(model.parameters(), 0.1, 0.9, 0, 0.02, false);
        LRScheduler sched = new CyclicLR(opt, new double[] {0.01}, new double[] {0.2}, 2, null, "triangular2", 1.0,
                null, "cycle", true, new double[] {0.8}, new double[] {0.9});
        for (int s = 0; s < STEPS + 2; s++) {
            opt.zeroGrad();
            Tensor loss = Functional.huberLoss(model.forward(x), target, "mean", 0.3);
            loss.backward();
            opt.step();
            sched.step();
            checkLoss(k, s, loss.item());
            close(k + " step " + s + " lr", num(k, "step" + s + ".lr"), sched.getLastLr()[0]);
            close(k + " step " + s + " momentum", num(k, "step" + s + ".momentum"),
                    opt.paramGroups().get(0).getDouble("momentum"));
            checkParams(k, s, model);
        }
        checkFinal(k, model, opt);
    }

    // ------------------------------------------------------------------ 18. ReduceLROnPlateau, Adadelta, a siamese net

    @Test
    void plateauAdadeltaSiameseTripletCosine() {
        String k = "plateau";
        for (boolean resume : new boolean[] {false, true}) {
            Sequential net = new Sequential(new Linear(4, 6), new Softplus(2.0, 20.0), new Linear(6, 3));
            loadInit(net, k);
            Tensor a = t(k, "a");
            Tensor p = t(k, "p");
            Tensor n = t(k, "n");
            Tensor lab = t(k, "lab");
            Optimizer opt = new Adadelta(net.parameters(), 2.0, 0.8, 1e-6, 0.01);
            ReduceLROnPlateau sched = new ReduceLROnPlateau(opt, "min", 0.5, 1, 0.5, "rel", 1, new double[] {0}, 1e-8);
            for (int s = resume ? resume(k, net, opt, sched) : 0; s < STEPS + 2; s++) {
                opt.zeroGrad();
                Tensor ea = net.forward(a);
                Tensor ep = net.forward(p);
                Tensor en = net.forward(n);
                Tensor loss = Functional.tripletMarginLoss(ea, ep, en, 0.5, 2.0, 1e-6, true, "mean")
                        .add(Functional.cosineEmbeddingLoss(ea, ep, lab, 0.1, "mean"));
                loss.backward();
                opt.step();
                sched.step(loss.item());
                checkLoss(k, s, loss.item());
                close(k + " step " + s + " lr", num(k, "step" + s + ".lr"), opt.paramGroups().get(0).lr());
                checkParams(k, s, net);
            }
            checkFinal(k, net, opt);
        }
    }

    // ------------------------------------------------------------------ 19. a DQN-like step

    @Test
    void dqnTargetNetworkPolyakHookRAdam() {
        String k = "dqn";
        Sequential q = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
        Sequential tgt = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3));
        loadInit(q, k);
        tgt.to(DType.FLOAT64);
        tgt.loadStateDict(q.stateDict());
        Tensor s0 = t(k, "s0");
        Tensor s1 = t(k, "s1");
        Tensor act = t(k, "act");
        Tensor rew = t(k, "rew");
        Tensor done = t(k, "done");
        ((Linear) q.get(2)).weight.registerHook(g -> g.mul(0.5));
        Optimizer opt = new RAdam(q.parameters(), 0.01);
        List<Tensor> qp = q.parameters();
        List<Tensor> tp = tgt.parameters();
        for (int s = 0; s < STEPS; s++) {
            Tensor y;
            try (GradMode g = Ember.noGrad()) {
                y = rew.add(done.neg().add(1.0).mul(0.9).mul(tgt.forward(s1).max(1, false).values()));
            }
            Tensor qa = q.forward(s0).gather(1, act.unsqueeze(1)).squeeze(1);
            Tensor loss = Functional.smoothL1Loss(qa, y);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            try (GradMode g = Ember.noGrad()) {
                for (int i = 0; i < tp.size(); i++) {
                    tp.get(i).mul_(0.7).add_(qp.get(i), 0.3);
                }
            }
            checkLoss(k, s, loss.item());
            checkParams(k, s, q);
        }
        checkFinal(k, q, opt);
        checkModelState(k, "target", tgt);
    }

    // ------------------------------------------------------------------ 20. CTC with a second backward (retain_graph)

    static final class CtcNet extends Module {
        final GRU gru = registerModule("gru", new GRU(3, 5));
        final Linear head = registerModule("head", new Linear(5, 4));

        @Override
        public Tensor forward(Tensor x) {
            return Functional.logSoftmax(head.forward(gru.forward(x)), -1);
        }
    }

    @Test
    void ctcGruRetainGraphAdam() {
        String k = "ctc";
        CtcNet model = new CtcNet();
        loadInit(model, k);
        Tensor x = t(k, "x");
        Tensor targets = t(k, "targets");
        Tensor inLen = t(k, "in_len");
        Tensor tgLen = t(k, "tg_len");
        Optimizer opt = Adam.adam(model.parameters(), 0.02);
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor lp = model.forward(x);
            Tensor loss = Functional.ctcLoss(lp, targets, inLen, tgLen, 0, "mean", true);
            loss.backward(null, true);
            Tensor aux = lp.exp().select(2, 0).mean();
            aux.backward();
            opt.step();
            checkLoss(k, s, loss.item());
            close(k + " step " + s + " aux", num(k, "step" + s + ".aux"), aux.item());
            checkParams(k, s, model);
        }
        checkFinal(k, model, opt);
    }

    // ------------------------------------------------------------------ zero_grad(set_to_none=False)

    /**
     * {@code zero_grad(set_to_none=False)} of an optimizer and of a module keeps each gradient tensor (the same object,
     * zeroed in place; one made with create_graph detached), leaves a missing one missing; {@code true} clears them, as
     * PyTorch 2.x.
     */
    @Test
    void zeroGradFalseKeepsTheSameGradientTensorsZeroed() {
        Linear used = new Linear(3, 2);
        Linear unused = new Linear(3, 2);
        Sequential both = new Sequential(used, unused);
        Optimizer opt = new SGD(both.parameters(), 0.1);
        Tensor x = Tensor.ones(4, 3);
        used.forward(x).pow(2L).sum().backward();
        Tensor g = used.weight.grad();
        opt.zeroGrad(false);
        assertTrue(g == used.weight.grad(), "the same gradient tensor");
        assertEquals(0.0, g.abs().sum().item());
        assertNull(unused.weight.grad(), "a missing gradient stays missing");
        used.forward(x).pow(2L).sum().backward();
        assertTrue(g == used.weight.grad(), "backward accumulates into the kept tensor");
        assertTrue(g.abs().sum().item() > 0);
        both.zeroGrad(false);
        assertTrue(g == used.weight.grad());
        assertEquals(0.0, g.abs().sum().item());
        // a gradient with a history (create_graph=True) is detached first
        opt.zeroGrad(true);
        Autograd.backward(List.of(used.forward(x).pow(2L).sum()), null, false, true);
        assertTrue(used.weight.grad().gradFn() != null, "a gradient with a history");
        opt.zeroGrad(false);
        assertNull(used.weight.grad().gradFn());
        assertEquals(false, used.weight.grad().requiresGrad());
        assertEquals(0.0, used.weight.grad().abs().sum().item());
        opt.zeroGrad(true);
        assertNull(used.weight.grad());
        used.forward(x).sum().backward();
        both.zeroGrad(true);
        assertNull(used.weight.grad());
    }

    // ------------------------------------------------------------------ 21. WGAN-GP

    static final class GAN extends Module {
        final Sequential g = registerModule("G", new Sequential(new Linear(2, 4), new ReLU(), new Linear(4, 3)));
        final Sequential d = registerModule("D", new Sequential(new Linear(3, 5), new LeakyReLU(0.2), new Linear(5, 5),
                new ELU(), new Linear(5, 1)));

        @Override
        public Tensor forward(Tensor input) {
            return d.forward(g.forward(input));
        }
    }

    @Test
    void wganGradientPenaltyDoubleBackwardTwoAdams() {
        String k = "wgan";
        GAN gan = new GAN();
        loadInit(gan, k);
        Tensor real = t(k, "real");
        Tensor z = t(k, "z");
        Tensor alpha = t(k, "alpha");
        Optimizer optG = Adam.adam(gan.g.parameters(), 0.01, 0.5, 0.9, 1e-8, 0);
        Optimizer optD = Adam.adam(gan.d.parameters(), 0.02, 0.5, 0.9, 1e-8, 0);
        for (int s = 0; s < STEPS; s++) {
            optD.zeroGrad();
            Tensor a = alpha.select(0, s);
            Tensor fake = gan.g.forward(z.select(0, s)).detach();
            Tensor xHat = a.mul(real).add(a.neg().add(1.0).mul(fake)).detach().requiresGrad_(true);
            Tensor g = Autograd.grad(List.of(gan.d.forward(xHat).sum()), List.of(xHat), null, true).get(0);
            Tensor gp = g.norm(2.0, new int[] {1}, false).sub(1.0).pow(2L).mean();
            Tensor lossD = gan.d.forward(fake).mean().sub(gan.d.forward(real).mean()).add(gp.mul(10.0));
            lossD.backward();
            optD.step();
            optG.zeroGrad();
            Tensor lossG = gan.d.forward(gan.g.forward(z.select(0, s))).mean().neg();
            lossG.backward();
            optG.step();
            checkLoss(k, s, lossD.item());
            close(k + " step " + s + " gradient penalty", num(k, "step" + s + ".gp"), gp.item());
            close(k + " step " + s + " generator loss", num(k, "step" + s + ".loss_g"), lossG.item());
            checkParams(k, s, gan);
        }
        checkModelState(k, "final", gan);
        checkOptimizerState(k, gan, optD, "optD");
        checkOptimizerState(k, gan, optG, "optG");
    }

    // ------------------------------------------------------------------ resuming from PyTorch's own checkpoint

    /**
     * PyTorch's checkpoint after 3 steps ({@code resume.pt}, torch.save of the model's, the optimizer's and the
     * scheduler's state dicts, from the script's runs) loaded with {@link TorchSerialization#load} into fresh Ember
     * objects: the next 3 steps and the final state match PyTorch's uninterrupted runs. The CNN: BatchNorm's buffers,
     * SGD's momentum buffers, StepLR (1.13's state has {@code verbose}); the parameter groups: AdamW's state indexed
     * over two groups with the frozen parameters' indices missing, CosineAnnealingLR, the groups' {@code initial_lr}.
     */
    @Test
    void resumeFromPyTorchCheckpoint() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> ckpt = (Map<String, Map<String, Object>>) TorchSerialization.load(
                java.nio.file.Path.of(TrainingTwinTest.class.getResource("/trainingtwin/resume.pt").toURI()));

        String k = "cnn";
        Sequential model = new Sequential(
                new Conv2d(1, 3, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true),
                new BatchNorm2d(3), new ReLU(), new MaxPool2d(2), new Dropout(0.0), new Flatten(), new Linear(12, 2));
        model.to(DType.FLOAT64);
        model.loadStateDict(tensors(ckpt.get(k).get("model")));
        Tensor x = t(k, "x");
        Tensor y = t(k, "y");
        Optimizer opt = new SGD(model.parameters(), 0.1, 0.9, 0, 1e-3, true);
        LRScheduler sched = new StepLR(opt, 2, 0.5);
        opt.loadStateDict(map(ckpt.get(k).get("optimizer")));
        sched.loadStateDict(map(ckpt.get(k).get("scheduler")));
        for (int s = 3; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.forward(x), y);
            loss.backward();
            opt.step();
            sched.step();
            checkLoss(k, s, loss.item());
            close(k + " step " + s + " lr", num(k, "step" + s + ".lr"), sched.getLastLr()[0]);
            checkParams(k, s, model);
        }
        checkFinal(k, model, opt);

        k = "groups";
        Linear first = new Linear(4, 6);
        Sequential net = new Sequential(first, new LayerNorm(6), new Tanh(), new Linear(6, 3));
        net.to(DType.FLOAT64);
        net.loadStateDict(tensors(ckpt.get(k).get("model")));
        first.requiresGrad_(false);
        x = t(k, "x");
        Tensor target = t(k, "target");
        List<Tensor> decay = new ArrayList<>();
        List<Tensor> noDecay = new ArrayList<>();
        for (Tensor p : net.namedParameters().values()) {
            (p.dim() >= 2 ? decay : noDecay).add(p);
        }
        Optimizer adamW = Adam.adamW(decay, 0.01, 0.9, 0.999, 1e-8, 0.1);
        adamW.addParamGroup(noDecay, Map.of("weight_decay", 0.0, "lr", 0.02));
        LRScheduler cos = new CosineAnnealingLR(adamW, 4, 1e-3);
        adamW.loadStateDict(map(ckpt.get(k).get("optimizer")));
        cos.loadStateDict(map(ckpt.get(k).get("scheduler")));
        for (int s = 3; s < STEPS; s++) {
            adamW.zeroGrad();
            Tensor loss = Functional.mseLoss(net.forward(x), target);
            loss.backward();
            adamW.step();
            cos.step();
            checkLoss(k, s, loss.item());
            close(k + " step " + s + " lrs", PyTorchCases.numbers(C.field(k, "step" + s + ".lrs")), cos.getLastLr());
            checkParams(k, s, net);
        }
        checkFinal(k, net, adamW);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Tensor> tensors(Object o) {
        return (Map<String, Tensor>) o;
    }

    /**
     * A scheduler state written by PyTorch up to 2.6 has {@code verbose} (False); 2.7 removed the attribute but its
     * {@code load_state_dict} ({@code __dict__.update}) still takes such a state, so a checkpoint of an older PyTorch
     * resumes: Ember accepts a boolean {@code verbose} and ignores it (a scheduler's own and its wrapped ones'), and
     * still refuses any other unknown key, or a {@code verbose} that is not a boolean.
     */
    @Test
    void schedulerStateWithPyTorch26VerboseLoads() {
        Tensor w = Tensor.zeros(DType.FLOAT64, 2).requiresGrad_(true);
        Optimizer opt = new SGD(List.of(w), 0.1);
        List<java.util.function.Supplier<LRScheduler>> makers = List.of(
                () -> new StepLR(opt, 2, 0.5),
                () -> new CosineAnnealingLR(opt, 4, 1e-3),
                () -> new ReduceLROnPlateau(opt, "min", 0.5, 1, 0.5, "rel", 1, new double[] {0}, 1e-8),
                () -> new dev.ember.optim.SequentialLR(opt, List.of(new StepLR(opt, 2, 0.5),
                        new ExponentialLR(opt, 0.9)), List.of(2)));
        for (java.util.function.Supplier<LRScheduler> make : makers) {
            LRScheduler a = make.get();
            if (a instanceof ReduceLROnPlateau r) {
                r.step(1.0);
            } else {
                a.step();
            }
            Map<String, Object> st = new LinkedHashMap<>(a.stateDict());
            st.put("verbose", false);
            if (st.get("_schedulers") instanceof List<?> children) {
                List<Object> withVerbose = new ArrayList<>();
                for (Object c : children) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) c);
                    m.put("verbose", false);
                    withVerbose.add(m);
                }
                st.put("_schedulers", withVerbose);
            }
            LRScheduler b = make.get();
            b.loadStateDict(st);
            assertEquals(a.lastEpoch(), b.lastEpoch(), a.getClass().getSimpleName());
            assertArrayEquals(a.getLastLr(), b.getLastLr(), a.getClass().getSimpleName());
            Map<String, Object> bad = new LinkedHashMap<>(a.stateDict());
            bad.put("verbose", "yes");
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> make.get()
                    .loadStateDict(bad), a.getClass().getSimpleName());
            Map<String, Object> other = new LinkedHashMap<>(a.stateDict());
            other.put("no_such_field", 1L);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> make.get()
                    .loadStateDict(other), a.getClass().getSimpleName());
        }
    }

    /** PyTorch's checkpoints after {@link #RESUME_AT} steps ({@code resume.pt}), by case. */
    private static Map<String, Map<String, Object>> checkpoints;
    private static final int RESUME_AT = 3;

    /**
     * Loads PyTorch's checkpoint of case {@code key} ({@code resume.pt}: torch.save of the model's, the optimizer's
     * and, where there is one, the scheduler's state dict after 3 steps) into fresh Ember objects; returns the step to
     * go on from.
     */
    private static int resume(String key, Module model, Optimizer opt, LRScheduler sched) {
        try {
            if (checkpoints == null) {
                @SuppressWarnings("unchecked")
                Map<String, Map<String, Object>> c = (Map<String, Map<String, Object>>) TorchSerialization.load(
                        java.nio.file.Path.of(TrainingTwinTest.class.getResource("/trainingtwin/resume.pt").toURI()));
                checkpoints = c;
            }
        } catch (java.io.IOException | java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        Map<String, Object> ck = checkpoints.get(key);
        model.loadStateDict(tensors(ck.get("model")));
        opt.loadStateDict(map(ck.get("optimizer")));
        if (sched != null) {
            sched.loadStateDict(map(ck.get("scheduler")));
        }
        return RESUME_AT;
    }

    // ------------------------------------------------------------------ 22. a seq2seq Transformer

    static final class Seq2Seq extends Module {
        final Embedding srcEmb = registerModule("src_emb", new Embedding(6, 4, 0L, null, 2.0, false));
        final Embedding tgtEmb = registerModule("tgt_emb", new Embedding(6, 4, 0L, null, 2.0, false));
        final Transformer tf = registerModule("tf", new Transformer(4, 2, 1, 1, 8, 0.0, "relu", 1e-5, true, false,
                true));
        final Linear head = registerModule("head", new Linear(4, 6));

        @Override
        public Tensor forward(Tensor input) {
            throw new UnsupportedOperationException("call run(src, tgt)");
        }

        Tensor run(Tensor src, Tensor tgt) {
            int len = tgt.shape()[1];
            Tensor mask = Tensor.full(DType.FLOAT64, Double.NEGATIVE_INFINITY, len, len).triu(1);
            Tensor srcPad = src.eq(0L);
            return head.forward(tf.forward(srcEmb.forward(src), tgtEmb.forward(tgt), null, mask, null, srcPad,
                    tgt.eq(0L), srcPad, null, null, false));
        }
    }

    @Test
    void seq2seqTransformerPaddingMasksAdamAmsgrad() {
        String k = "seq2seq";
        Seq2Seq model = new Seq2Seq();
        loadInit(model, k);
        Tensor src = t(k, "src");
        Tensor tin = t(k, "tin");
        Tensor tout = t(k, "tout");
        Optimizer opt = Adam.adam(model.parameters(), 0.02, 0.9, 0.999, 1e-8, 0, true);
        LRScheduler sched = new StepLR(opt, 3, 0.5);
        for (int s = 0; s < STEPS; s++) {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.run(src, tin).reshape(-1, 6), tout.reshape(-1), null, "mean", 0,
                    0.1);
            loss.backward();
            opt.step();
            sched.step();
            checkLoss(k, s, loss.item());
            checkParams(k, s, model);
        }
        checkFinal(k, model, opt);
    }
}
