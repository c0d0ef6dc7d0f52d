package dev.ember;

import dev.ember.ao.quantization.Quantization;
import dev.ember.data.DataLoader;
import dev.ember.data.TensorDataset;
import dev.ember.nn.AdaptiveAvgPool2d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Embedding;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.LSTM;
import dev.ember.nn.Linear;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Tanh;
import dev.ember.nn.TransformerEncoderLayer;
import dev.ember.nn.utils.Parametrizations;
import dev.ember.optim.Adam;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;

import static dev.ember.OutsiderFixture.assertCloseAny;
import static dev.ember.OutsiderFixture.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 37's outsider pass, round 13: Ember inside a Java service. A model is loaded once and served from many
 * threads, one thread trains while others evaluate their own copies, each request runs in its own {@link TensorScope},
 * requests fail or are interrupted. Each program runs alone on one thread first; then on {@link #CLIENTS} Java
 * threads at once (started together by a barrier), where every thread must get exactly the bits it got alone (Ember's
 * kernels are deterministic for a thread count, README "Determinism") and PyTorch's single-threaded values
 * ({@code resources/outsiderprograms13/make_expected.py}, PyTorch 1.13, float32 as services run) within
 * {@link LossesMoreTest#assertClose}'s float32 tolerance (4e-6 relative) times a stated factor.
 * <ol>
 * <li>Serving: a CNN with BatchNorm in eval, an LSTM classifier, a transformer encoder layer with a key padding mask,
 * a model with weight norm and spectral norm parametrizations in eval, a dynamically quantized model; one instance of
 * each shared by four clients, each with its own requests, under {@code noGrad} or {@code inferenceMode}; the
 * transformer also under autocast to bfloat16 with grad mode on (each thread's weight cast cache), judged against
 * PyTorch's float32 output at bfloat16's tolerance.</li>
 * <li>One thread trains (SGD with momentum, grad mode on) while three evaluate their own copies, the state dict copied
 * under a lock (PyTorch's {@code copy.deepcopy} pattern), under {@code noGrad}: the trainer's losses and parameters are
 * those of the training run alone, each evaluation that of the snapshot it copied.</li>
 * <li>Thread-local modes ({@code noGrad}, {@code inferenceMode}, autocast, anomaly detection, saved-tensor hooks)
 * set on one thread while another computes: they never reach the other thread, as PyTorch's thread-local state.</li>
 * <li>Generators: a generator per thread gives each thread the sequence it gives alone; the global generator shared by
 * four threads hands out the draws it hands out on one thread, each draw whole, in some interleaving (PyTorch promises
 * nothing about that order; its CPU generator also takes a lock per draw). No PyTorch values here: Ember's generator
 * is Philox, PyTorch's CPU generator mt19937.</li>
 * <li>Failures: a forward hook that throws on one client's request, a custom autograd function whose backward throws
 * on another's, an interrupted client, an executor shut down mid-batch: the others' results stay right, the failing
 * client's next requests too, every scope closes and the storages the requests made are all freed.</li>
 * <li>A DataLoader with two workers feeds a training loop while another with two workers feeds an evaluator on another
 * thread: the losses and evaluations of the run with no workers on one thread, and PyTorch's.</li>
 * <li>A pruned model (its weights recomputed by a forward pre-hook into a plain attribute of the shared module at
 * every call) served to clients of single rows and of batches that make buffers of the weight's size: the attribute a
 * request's hook sets outlives the request's scope, so no request computes with another's freed weight.</li>
 * <li>PyTorch's statically quantized CNN (QuantizedStateDictTest's file) served under {@code inferenceMode}, its
 * packed convolution weights made at the first forward on four threads at once.</li>
 * </ol>
 * What the programs found: CPU kernels chose their split (a GEMM's depth split for a Linear weight gradient over many
 * tokens, dot products for few outputs, a float32 sum's parts) by whether another Java thread held the worker pool, so
 * the trainer's gradients changed with what the evaluators were doing (fixed: the choice depends only on where the
 * kernel is called from; {@link ContendedKernelsTest}).
 */
class OutsiderPrograms13Test {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms13", "programs13.pt");
    private static final DType F32 = DType.FLOAT32;
    static final int CLIENTS = 4;
    private static final int REQUESTS = 3;

    private final int savedThreads = Ember.getNumThreads();

    @AfterEach
    void restore() {
        Ember.setNumThreads(savedThreads);
    }

    private static Tensor e(String name) {
        return PT.e(name);
    }

    /** {@code sin(0.37 i + 1.3 j + phase)} in float64 rounded to float32: the generator's {@code rows()}. */
    static Tensor rows(int n, int d, double phase) {
        float[] v = new float[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                v[i * d + j] = (float) Math.sin(0.37 * i + 1.3 * j + phase);
            }
        }
        return Tensor.fromArray(v).reshape(n, d);
    }

    /** Runs {@code body(client)} on {@code clients} threads started together; their results in client order. */
    static <T> List<T> onThreads(int clients, IntFunction<T> body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(clients);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                futures.add(pool.submit(() -> {
                    start.await();
                    return body.apply(client);
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertSameBits(Tensor alone, Tensor now, String what) {
        assertEquals(alone.dtype(), now.dtype(), what + " dtype");
        assertEquals(Arrays.toString(alone.shape()), Arrays.toString(now.shape()), what + " shape");
        assertTrue(Arrays.equals(alone.toDoubleArray(), now.toDoubleArray()),
                () -> what + ": on " + CLIENTS + " threads at once " + now + ", alone " + alone);
    }

    // ------------------------------------------------------------------ 1. serving

    /** The five served models, loaded once; each request's outputs by model name. */
    private static final class Served {
        final Sequential cnn = PT.loaded(new Sequential(new Conv2d(3, 8, 3, 1, 1), new BatchNorm2d(8), new ReLU(),
                new MaxPool2d(2), new Conv2d(8, 16, 3, 1, 1), new BatchNorm2d(16), new ReLU(), new AdaptiveAvgPool2d(1),
                new Flatten(), new Linear(16, 5)), "serve.cnn.state.");
        final Embedding emb = PT.loaded(new Embedding(20, 8), "serve.lstm.state.emb.");
        final LSTM lstm = PT.loaded(new LSTM(8, 12, true), "serve.lstm.state.lstm.");
        final Linear lstmHead = PT.loaded(new Linear(12, 3), "serve.lstm.state.head.");
        final TransformerEncoderLayer enc = PT.loaded(new TransformerEncoderLayer(16, 4, 32, 0.0, true),
                "serve.tf.state.enc.");
        final Linear tfHead = PT.loaded(new Linear(16, 4), "serve.tf.state.head.");
        final Sequential pz = PT.loaded(new Sequential(Parametrizations.weightNorm(new Linear(10, 16)), new Tanh(),
                Parametrizations.spectralNorm(new Linear(16, 4))), "serve.pz.state.");
        final Module dq;

        Served() {
            for (Module m : List.of(cnn, emb, lstm, lstmHead, enc, tfHead, pz)) {
                m.eval();
            }
            Sequential f = PT.loaded(new Sequential(new Linear(12, 24), new ReLU(), new Linear(24, 6)),
                    "serve.dq.state.");
            f.eval();
            dq = Quantization.quantizeDynamic(f, true);
        }

        /** Client {@code c}'s request {@code r}, in its own scope; the outputs kept past it. */
        Map<String, Tensor> request(int c, int r) {
            String p = "serve.c" + c + ".r" + r + ".";
            Map<String, Tensor> out = new LinkedHashMap<>();
            try (TensorScope scope = Ember.scope()) {
                try (GradMode g = Ember.noGrad()) {
                    out.put("cnn", scope.keep(cnn.apply(e(p + "cnn.in"))));
                    out.put("pz", scope.keep(pz.apply(e(p + "pz.in"))));
                    out.put("dq", scope.keep(dq.apply(e(p + "dq.in"))));
                }
                try (InferenceMode im = Ember.inferenceMode()) {
                    Tensor y = lstm.forward(emb.apply(e(p + "lstm.in")));
                    out.put("lstm", scope.keep(lstmHead.apply(y.select(1, -1))));
                    Tensor h = enc.forward(e(p + "tf.in"), null, e(p + "tf.pad"), false);
                    out.put("tf", scope.keep(tfHead.apply(h)));
                }
                // grad mode on, under autocast: the float32 weights' bfloat16 casts are cached for the scope, per
                // thread
                try (AutocastMode ac = Ember.autocast("cpu", DType.BFLOAT16)) {
                    Tensor h = enc.forward(e(p + "tf.in"), null, e(p + "tf.pad"), false);
                    out.put("tfAmp", scope.keep(tfHead.apply(h).detach()));
                }
            }
            return out;
        }
    }

    /** How far each served model's float32 output may be from PyTorch's, in units of the float32 tolerance. */
    private static final Map<String, Double> SERVE_LOOSE = Map.of("cnn", 4.0, "lstm", 4.0, "tf", 8.0, "pz", 4.0,
            "dq", 4.0, "tfAmp", 20000.0);

    @Test
    void oneModelServedByFourThreads() throws Exception {
        Ember.setNumThreads(2);
        Served s = new Served();
        List<List<Map<String, Tensor>>> alone = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            List<Map<String, Tensor>> mine = new ArrayList<>();
            for (int r = 0; r < REQUESTS; r++) {
                mine.add(s.request(c, r));
            }
            alone.add(mine);
        }
        for (int c = 0; c < CLIENTS; c++) {
            for (int r = 0; r < REQUESTS; r++) {
                for (Map.Entry<String, Tensor> o : alone.get(c).get(r).entrySet()) {
                    // the autocast run against PyTorch's float32 output, at a bfloat16 tolerance (8e-2 relative: six
                    // bfloat16 products)
                    String key = "serve.c" + c + ".r" + r + "." + (o.getKey().equals("tfAmp") ? "tf" : o.getKey())
                            + ".out";
                    assertCloseAny(e(key), o.getValue().to(F32), key, SERVE_LOOSE.get(o.getKey()));
                }
            }
        }
        for (int round = 0; round < 2; round++) {
            List<List<Map<String, Tensor>>> together = onThreads(CLIENTS, c -> {
                List<Map<String, Tensor>> mine = new ArrayList<>();
                for (int r = 0; r < REQUESTS; r++) {
                    mine.add(s.request(c, r));
                }
                return mine;
            });
            for (int c = 0; c < CLIENTS; c++) {
                for (int r = 0; r < REQUESTS; r++) {
                    for (String k : alone.get(c).get(r).keySet()) {
                        Tensor now = together.get(c).get(r).get(k);
                        assertSameBits(alone.get(c).get(r).get(k), now, "client " + c + " request " + r + " " + k);
                        assertFalse(now.requiresGrad(), k + " under noGrad/inferenceMode requires grad");
                    }
                    assertTrue(together.get(c).get(r).get("tf").isInference(), "made under inferenceMode");
                    assertEquals(DType.BFLOAT16, together.get(c).get(r).get("tfAmp").dtype(), "made under autocast");
                    assertFalse(together.get(c).get(r).get("cnn").isInference(), "made under noGrad only");
                }
            }
        }
        // serving left the models as loaded: eval mode, the same state (BatchNorm statistics, spectral norm's u, v)
        assertFalse(s.cnn.isTraining() || s.pz.isTraining());
        for (Map.Entry<String, Tensor> st : s.cnn.stateDict().entrySet()) {
            assertSameBits(e("serve.cnn.state." + st.getKey()), st.getValue(), "cnn state " + st.getKey());
        }
        for (Map.Entry<String, Tensor> st : s.pz.stateDict().entrySet()) {
            assertSameBits(e("serve.pz.state." + st.getKey()), st.getValue(), "pz state " + st.getKey());
        }
    }

    // ------------------------------------------------------------------ 2. training while evaluating

    /** The trainer's 2048 rows and targets (float32: {@code tanh(0.3 * sum of the first 8 columns)}). */
    private static final Tensor TRAIN_X = rows(2048, 64, 0.0);
    private static final Tensor TRAIN_Y = TRAIN_X.narrow(1, 0, 8).sum(1, true).mul(0.3).tanh();

    private static Sequential mlp() {
        return PT.loaded(new Sequential(new Linear(64, 64), new Tanh(), new Linear(64, 1)), "train.step0.");
    }

    /** The trainer: six SGD steps; after each, {@code publish(step, model)}. Returns the losses. */
    private static List<Double> train(Sequential model, java.util.function.BiConsumer<Integer, Module> publish) {
        Tensor x = TRAIN_X;
        Tensor y = TRAIN_Y;
        SGD opt = new SGD(model.parameters(), 0.05, 0.9, 0, 0, false);
        List<Double> losses = new ArrayList<>();
        for (int k = 1; k <= 6; k++) {
            try (TensorScope step = Ember.scope()) {
                opt.zeroGrad();
                assertTrue(Ember.isGradEnabled(), "the trainer's grad mode");
                Tensor loss = Functional.mseLoss(model.apply(x), y);
                assertTrue(loss.requiresGrad(), "another thread's noGrad reached the trainer");
                loss.backward();
                opt.step();
                losses.add(loss.item());
            }
            publish.accept(k, model);
        }
        return losses;
    }

    /** An evaluator's numbers for a model: its own 16 rows' outputs and the MSE over the 2048 training rows. */
    private static Tensor[] evaluate(Module copy, int j) {
        try (GradMode g = Ember.noGrad(); TensorScope scope = Ember.scope()) {
            assertFalse(Ember.isGradEnabled(), "the evaluator's noGrad");
            Tensor x = TRAIN_X;
            Tensor y = TRAIN_Y;
            Tensor out = scope.keep(copy.apply(rows(16, 64, 1.0 + j)));
            Tensor full = scope.keep(Functional.mseLoss(copy.apply(x), y));
            return new Tensor[] {out, full};
        }
    }

    private static Map<String, Tensor> cloneState(Module m) {
        Map<String, Tensor> copy = new LinkedHashMap<>();
        try (GradMode g = Ember.noGrad()) {
            m.stateDict().forEach((k, v) -> copy.put(k, TensorScope.escape(v.detach().clone())));
        }
        return copy;
    }

    @Test
    void oneThreadTrainsWhileThreeEvaluateTheirCopies() throws Exception {
        Ember.setNumThreads(2);
        // alone: the training run, and every evaluator's numbers at every step
        List<Map<String, Tensor>> states = new ArrayList<>();
        Sequential solo = mlp();
        states.add(cloneState(solo));
        List<Double> soloLosses = train(solo, (k, m) -> states.add(cloneState(m)));
        Tensor[][][] soloEvals = new Tensor[3][7][];
        for (int j = 0; j < 3; j++) {
            Sequential copy = mlp();
            for (int k = 0; k <= 6; k++) {
                copy.loadStateDict(states.get(k));
                soloEvals[j][k] = evaluate(copy, j);
                assertCloseAny(e("train.eval" + j + ".step" + k), soloEvals[j][k][0], "eval " + j + " step " + k, 16);
                assertCloseAny(e("train.full.step" + k), soloEvals[j][k][1], "full mse step " + k, 16);
            }
        }
        // the losses are float32 numbers (PyTorch's loss.item() saved as float64)
        assertCloseAny(e("train.losses").to(F32), values(soloLosses, F32), "the trainer's losses", 16);
        for (Map.Entry<String, Tensor> st : states.get(6).entrySet()) {
            assertCloseAny(e("train.step6." + st.getKey()), st.getValue(), "trained " + st.getKey(), 16);
        }

        // together: thread 0 trains, threads 1..3 evaluate their own copies of the latest published state
        Object lock = new Object();
        Map<String, Tensor>[] published = new Map[] {states.get(0)};
        int[] publishedStep = {0};
        Sequential trained = mlp();
        List<Object> results = onThreads(4, t -> {
            if (t == 0) {
                return train(trained, (k, m) -> {
                    Map<String, Tensor> snap = cloneState(m);
                    synchronized (lock) {
                        published[0] = snap;
                        publishedStep[0] = k;
                        lock.notifyAll();
                    }
                });
            }
            int j = t - 1;
            Sequential copy = mlp();
            List<Object[]> seen = new ArrayList<>();
            int last = -1;
            while (last < 6) {
                Map<String, Tensor> snap;
                int k;
                synchronized (lock) {
                    while (publishedStep[0] == last) {
                        try {
                            lock.wait();
                        } catch (InterruptedException ex) {
                            throw new IllegalStateException(ex);
                        }
                    }
                    snap = published[0];
                    k = publishedStep[0];
                }
                copy.loadStateDict(snap);
                seen.add(new Object[] {k, evaluate(copy, j)});
                assertTrue(Ember.isGradEnabled(), "the evaluator's noGrad outlived its block");
                last = k;
            }
            return seen;
        });
        @SuppressWarnings("unchecked")
        List<Double> losses = (List<Double>) results.get(0);
        assertEquals(soloLosses, losses, "the trainer's losses beside three evaluators");
        Map<String, Tensor> end = trained.stateDict();
        for (Map.Entry<String, Tensor> st : states.get(6).entrySet()) {
            assertSameBits(st.getValue(), end.get(st.getKey()), "trained " + st.getKey());
        }
        for (int j = 0; j < 3; j++) {
            @SuppressWarnings("unchecked")
            List<Object[]> seen = (List<Object[]>) results.get(j + 1);
            assertEquals(6, seen.get(seen.size() - 1)[0], "evaluator " + j + " saw the last step");
            for (Object[] s : seen) {
                int k = (Integer) s[0];
                Tensor[] got = (Tensor[]) s[1];
                assertSameBits(soloEvals[j][k][0], got[0], "evaluator " + j + " at step " + k);
                assertSameBits(soloEvals[j][k][1], got[1], "evaluator " + j + " full mse at step " + k);
            }
        }
    }

    // ------------------------------------------------------------------ 3. thread-local modes

    @Test
    void aModeSetOnOneThreadNeverReachesAnother() throws Exception {
        CyclicBarrier entered = new CyclicBarrier(2);
        CyclicBarrier checked = new CyclicBarrier(2);
        AtomicInteger packed = new AtomicInteger();
        List<Object[]> seen = onThreads(2, t -> {
            try {
                Tensor w = Tensor.randn(new Generator(9), F32, 4, 4).requiresGrad_(true);
                if (t == 0) {
                    try (GradMode g = Ember.noGrad(); InferenceMode im = Ember.inferenceMode();
                         AnomalyMode a = Autograd.setDetectAnomaly(true, true);
                         AutocastMode ac = Ember.autocast("cpu", DType.BFLOAT16);
                         SavedTensorsHooks h = Autograd.savedTensorsHooks(x -> {
                             packed.incrementAndGet();
                             return x;
                         }, x -> x)) {
                        entered.await();
                        Tensor y = w.matmul(w);
                        Object[] mine = {Ember.isGradEnabled(), Ember.isInferenceModeEnabled(),
                            Ember.isAutocastEnabled("cpu"), Autograd.isAnomalyEnabled(), y.dtype(), y.requiresGrad()};
                        checked.await();
                        return mine;
                    }
                }
                entered.await(); // thread 0 holds all five modes now
                Tensor y = w.matmul(w).tanh();
                y.sum().backward();
                Object[] mine = {Ember.isGradEnabled(), Ember.isInferenceModeEnabled(), Ember.isAutocastEnabled("cpu"),
                    Autograd.isAnomalyEnabled(), y.dtype(), y.requiresGrad(), w.grad() != null, packed.get()};
                checked.await();
                return mine;
            } catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        });
        assertEquals(List.of(false, true, true, true, DType.BFLOAT16, false), Arrays.asList(seen.get(0)),
                "thread 0 under noGrad, inferenceMode, detect_anomaly, autocast(cpu, bfloat16)");
        assertEquals(List.of(true, false, false, false, F32, true, true, 0), Arrays.asList(seen.get(1)),
                "thread 1 meanwhile: grad on, no inference mode, no autocast, no anomaly mode, no saved-tensor hooks");
        assertTrue(Ember.isGradEnabled() && !Autograd.isAnomalyEnabled() && !Ember.isAutocastEnabled("cpu"));
    }

    // ------------------------------------------------------------------ 4. generators

    /** Client {@code c}'s draws from its own generator: randn, a dropout mask by bernoulli, multinomial, randperm. */
    private static List<Tensor> draws(int c) {
        Generator g = new Generator(100 + c);
        Tensor probs = Tensor.fromArray(new float[] {0.1f, 0.2f, 0.3f, 0.4f});
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            try (TensorScope scope = Ember.scope()) {
                Tensor x = Tensor.ones(64);
                out.add(scope.keep(Tensor.randn(g, F32, 5, 7)));
                out.add(scope.keep(x.mul(x.bernoulli(0.7, g)).div(0.7)));
                out.add(scope.keep(probs.multinomial(6, true, g)));
                out.add(scope.keep(Tensor.randperm(g, 20)));
                out.add(scope.keep(Tensor.randint(g, 0, 10, 6)));
            }
        }
        return out;
    }

    @Test
    void eachThreadsGeneratorGivesItsOwnSequence() throws Exception {
        List<List<Tensor>> alone = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            alone.add(draws(c));
        }
        List<List<Tensor>> together = onThreads(CLIENTS, OutsiderPrograms13Test::draws);
        for (int c = 0; c < CLIENTS; c++) {
            for (int i = 0; i < alone.get(c).size(); i++) {
                assertSameBits(alone.get(c).get(i), together.get(c).get(i), "client " + c + " draw " + i);
            }
        }
    }

    @Test
    void theSharedGlobalGeneratorHandsOutItsDrawsWhole() throws Exception {
        Tensor saved = Ember.defaultGenerator().getState();
        try {
            Ember.manualSeed(7);
            Map<String, Integer> order = new HashMap<>();
            for (int i = 0; i < CLIENTS * 50; i++) {
                order.put(Arrays.toString(Tensor.randn(8).toDoubleArray()), i);
            }
            assertEquals(CLIENTS * 50, order.size(), "distinct draws");
            Ember.manualSeed(7);
            List<List<String>> together = onThreads(CLIENTS, c -> {
                List<String> mine = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    mine.add(Arrays.toString(Tensor.randn(8).toDoubleArray()));
                }
                return mine;
            });
            boolean[] used = new boolean[CLIENTS * 50];
            for (int c = 0; c < CLIENTS; c++) {
                int last = -1;
                for (String d : together.get(c)) {
                    Integer at = order.get(d);
                    assertNotNull(at, "client " + c + " drew a tensor that the generator alone never gives: " + d);
                    assertTrue(at > last, "client " + c + "'s draws out of the generator's order");
                    assertFalse(used[at], "two clients got draw " + at);
                    used[at] = true;
                    last = at;
                }
            }
            // after 200 draws of 8 the generator stands where 200 draws leave it alone
            Tensor next = Tensor.randn(8);
            Ember.manualSeed(7);
            for (int i = 0; i < CLIENTS * 50; i++) {
                Tensor.randn(8);
            }
            assertSameBits(Tensor.randn(8), next, "the draw after the shared ones");
        } finally {
            Ember.defaultGenerator().setState(saved);
        }
    }

    // ------------------------------------------------------------------ 5. failures and interruption

    /** exp, whose backward throws on a thread that asked for it. */
    private static final class Fragile extends AutogradFunction {
        static final ThreadLocal<Boolean> FAIL = ThreadLocal.withInitial(() -> false);

        @Override
        protected Tensor[] forward(Context ctx, Tensor... x) {
            Tensor y = x[0].exp();
            ctx.saveForBackward(y);
            return new Tensor[] {y};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            if (FAIL.get()) {
                throw new IllegalStateException("the backward of client 3's request failed");
            }
            return new Tensor[] {g[0].mul(ctx.savedTensors()[0])};
        }
    }

    /** A request with a gradient: d/dx sum(exp(2 x) * w), in its own scope; the output and the gradient as doubles. */
    private static double[][] gradRequest(Sequential cnn, int c, int r) {
        String p = "serve.c" + c + ".r" + r + ".";
        try (TensorScope scope = Ember.scope()) {
            Tensor x = e(p + "pz.in").detach().requiresGrad_(true);
            Tensor y = new Fragile().apply(x.mul(2));
            y.mul(0.5).sum().backward();
            Tensor out;
            try (GradMode g = Ember.noGrad()) {
                out = cnn.apply(e(p + "cnn.in"));
            }
            return new double[][] {out.toDoubleArray(), x.grad().toDoubleArray()};
        }
    }

    @Test
    void failingAndInterruptedRequestsLeaveTheOthersRight() throws Exception {
        Ember.setNumThreads(2);
        Sequential cnn = new Served().cnn;
        ThreadLocal<Boolean> hookFails = ThreadLocal.withInitial(() -> false);
        cnn.get(4).registerForwardHook((mod, ins, outs) -> {
            if (hookFails.get()) {
                throw new IllegalStateException("client 2's forward hook failed");
            }
            return null;
        });
        double[][][][] alone = new double[CLIENTS][REQUESTS][][];
        for (int c = 0; c < CLIENTS; c++) {
            for (int r = 0; r < REQUESTS; r++) {
                alone[c][r] = gradRequest(cnn, c, r);
            }
        }
        long live = StorageLease.live();
        List<List<Object>> together = onThreads(CLIENTS, c -> {
            List<Object> mine = new ArrayList<>();
            for (int r = 0; r < REQUESTS; r++) {
                boolean fails = r == 1 && (c == 2 || c == 3);
                hookFails.set(fails && c == 2);
                Fragile.FAIL.set(fails && c == 3);
                if (c == 1 && r == 1) {
                    Thread.currentThread().interrupt();
                }
                try {
                    mine.add(gradRequest(cnn, c, r));
                } catch (RuntimeException ex) {
                    mine.add(ex);
                } finally {
                    hookFails.set(false);
                    Fragile.FAIL.set(false);
                }
                if (c == 1 && r == 1) {
                    // Ember's ops neither poll nor clear the flag (nor do PyTorch's): the request ran to its end
                    mine.add(Thread.interrupted());
                }
            }
            return mine;
        });
        for (int c = 0; c < CLIENTS; c++) {
            List<Object> mine = new ArrayList<>(together.get(c));
            if (c == 1) {
                assertEquals(Boolean.TRUE, mine.remove(2), "client 1 is still interrupted after its request");
            }
            for (int r = 0; r < REQUESTS; r++) {
                Object got = mine.get(r);
                if (r == 1 && c >= 2) {
                    assertTrue(got instanceof RuntimeException, "client " + c + " request 1 should fail: " + got);
                    Throwable ex = (Throwable) got;
                    String message = ex.getMessage() + (ex.getCause() == null ? "" : " " + ex.getCause().getMessage());
                    assertTrue(message.contains(c == 2 ? "forward hook failed" : "backward of client 3"), message);
                    continue;
                }
                double[][] d = (double[][]) got;
                assertTrue(Arrays.equals(alone[c][r][0], d[0]) && Arrays.equals(alone[c][r][1], d[1]),
                        "client " + c + " request " + r + " beside the failing requests");
            }
        }
        assertEquals(live, StorageLease.live(), "storages left by the requests, the failed ones included");

        // an executor shut down mid-batch: each request either never started or finished with its bits
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<double[][]>> futures = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int c = i % CLIENTS;
            int r = (i / CLIENTS) % REQUESTS;
            futures.add(pool.submit((Callable<double[][]>) () -> gradRequest(cnn, c, r)));
        }
        futures.get(3).get(30, TimeUnit.SECONDS);
        int neverStarted = pool.shutdownNow().size();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        int finished = 0;
        for (int i = 0; i < futures.size(); i++) {
            Future<double[][]> f = futures.get(i);
            if (f.isDone() && !f.isCancelled()) {
                double[][] d;
                try {
                    d = f.get();
                } catch (java.util.concurrent.ExecutionException ex) {
                    throw new AssertionError("request " + i + " failed after shutdownNow", ex);
                }
                int c = i % CLIENTS;
                int r = (i / CLIENTS) % REQUESTS;
                assertTrue(Arrays.equals(alone[c][r][0], d[0]) && Arrays.equals(alone[c][r][1], d[1]), "request " + i);
                finished++;
            }
        }
        // the running ones were interrupted and ran to their end (Ember's ops do not poll the flag, as PyTorch's)
        assertEquals(24, finished + neverStarted, "requests that finished with their bits or never started");
        assertTrue(finished >= 4);
        assertEquals(live, StorageLease.live(), "storages left after the shutdown");
    }

    // ------------------------------------------------------------------ 6. DataLoaders with workers

    /** Two epochs of Adam fed by a DataLoader; after each, an evaluator (on another thread when given) over another. */
    private static List<Tensor> loaderRun(int workers, ExecutorService evaluator) throws Exception {
        Sequential reg = PT.loaded(new Sequential(new Linear(6, 10), new ReLU(), new Linear(10, 1)), "loader.init.");
        Tensor trainX = rows(40, 6, 0.5);
        Tensor trainY = trainX.sum(1, true).sin();
        Tensor evalX = rows(24, 6, 2.5);
        Tensor evalY = evalX.sum(1, true).sin();
        Adam adam = new Adam(reg.parameters(), 0.01);
        List<Double> losses = new ArrayList<>();
        List<Future<Double>> evals = new ArrayList<>();
        try (DataLoader<List<Tensor>, List<Tensor>> train = DataLoader.builder(new TensorDataset(trainX, trainY))
                .batchSize(8).numWorkers(workers).build()) {
            for (int epoch = 0; epoch < 2; epoch++) {
                for (List<Tensor> b : train) {
                    try (TensorScope step = Ember.scope()) {
                        adam.zeroGrad();
                        Tensor loss = Functional.mseLoss(reg.apply(b.get(0)), b.get(1));
                        loss.backward();
                        adam.step();
                        losses.add(loss.item());
                    }
                }
                Map<String, Tensor> snap = cloneState(reg);
                Callable<Double> eval = () -> {
                    Sequential copy = new Sequential(new Linear(6, 10), new ReLU(), new Linear(10, 1));
                    copy.loadStateDict(snap);
                    double total = 0;
                    try (GradMode g = Ember.noGrad();
                         DataLoader<List<Tensor>, List<Tensor>> ev = DataLoader.builder(new TensorDataset(evalX, evalY))
                                 .batchSize(8).numWorkers(workers).build()) {
                        for (List<Tensor> b : ev) {
                            total += Functional.mseLoss(copy.apply(b.get(0)), b.get(1), "sum").item();
                        }
                    }
                    return total / 24;
                };
                evals.add(evaluator == null ? java.util.concurrent.CompletableFuture.completedFuture(eval.call())
                        : evaluator.submit(eval));
            }
        }
        List<Double> ev = new ArrayList<>();
        for (Future<Double> f : evals) {
            ev.add(f.get(30, TimeUnit.SECONDS));
        }
        List<Tensor> out = new ArrayList<>();
        out.add(values(losses, F32));
        out.add(values(ev, DType.FLOAT64));
        reg.stateDict().values().forEach(out::add);
        return out;
    }

    @Test
    void aLoaderFeedsTrainingWhileAnotherFeedsAnEvaluator() throws Exception {
        List<Tensor> alone = loaderRun(0, null);
        ExecutorService evaluator = Executors.newSingleThreadExecutor();
        List<Tensor> together;
        try {
            together = loaderRun(2, evaluator);
        } finally {
            evaluator.shutdown();
        }
        for (int i = 0; i < alone.size(); i++) {
            String what = i == 0 ? "losses" : i == 1 ? "evaluations" : "parameter " + i;
            assertSameBits(alone.get(i), together.get(i), what);
        }
        assertCloseAny(e("loader.losses").to(F32), alone.get(0), "losses", 8);
        // the evaluations are sums of float32 losses divided in double: float32's tolerance
        assertCloseAny(e("loader.evals").to(F32), alone.get(1).to(F32), "evaluations", 8);
        List<Tensor> finals = new ArrayList<>(PT.under("loader.final.").values());
        for (int i = 0; i < finals.size(); i++) {
            assertCloseAny(finals.get(i), alone.get(2 + i), "final parameter " + i, 8);
        }
    }

    // ------------------------------------------------------------------ 7. a pruned model served

    @Test
    void aPrunedModelServedByFourThreads() throws Exception {
        Ember.setNumThreads(2);
        Sequential f = new Sequential(new Linear(128, 256), new ReLU(), new Linear(256, 8));
        dev.ember.nn.utils.Prune.l1Unstructured((Linear) f.get(0), "weight", 0.5);
        dev.ember.nn.utils.Prune.l1Unstructured((Linear) f.get(2), "weight", 400L);
        f.eval();
        // clients 0 and 1 send single rows; clients 2 and 3 batches of 256 rows, whose requests also make zeros of the
        // pruned weight's size (a buffer of the request's own)
        IntFunction<List<double[]>> client = c -> {
            List<double[]> mine = new ArrayList<>();
            for (int i = 0; i < (c < 2 ? 60 : 6); i++) {
                try (TensorScope scope = Ember.scope(); GradMode g = Ember.noGrad()) {
                    Tensor x = rows(c < 2 ? 1 : 256, 128, c + 0.1 * (i % 3));
                    if (c >= 2) {
                        x = x.add(Tensor.zeros(256, 128));
                    }
                    mine.add(f.apply(x).toDoubleArray());
                }
            }
            return mine;
        };
        List<List<double[]>> alone = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            alone.add(client.apply(c));
        }
        int bad = 0;
        {
            List<List<double[]>> together = onThreads(CLIENTS, client);
            for (int c = 0; c < CLIENTS; c++) {
                for (int i = 0; i < alone.get(c).size(); i++) {
                    if (!Arrays.equals(alone.get(c).get(i), together.get(c).get(i))) {
                        bad++;
                    }
                }
            }
        }
        assertEquals(0, bad, "requests that differed from alone, of 132");
    }

    // ------------------------------------------------------------------ 8. a statically quantized model served

    @Test
    void aStaticallyQuantizedCnnServedByFourThreads() throws Exception {
        // PyTorch's converted CNN (fused conv-bn-relu, per-channel int8 weights) from its state dict file, as
        // QuantizedStateDictTest loads it; its conv's packed weights are made at the first forward, here on four
        // threads at once
        Sequential m = QuantizedStateDictTest.convertedCnn();
        Quantization.loadStateDict(m, (Map<?, ?>) dev.ember.nn.TorchSerialization.load(java.nio.file.Path.of(
                OutsiderPrograms13Test.class.getResource("/quantstatedict/qcnn_raw.pt").toURI())));
        Tensor x = QuantizedStateDictTest.EXPECTED.tensor("qcnn.x");
        IntFunction<List<float[]>> client = c -> {
            List<float[]> mine = new ArrayList<>();
            for (int r = 0; r < 8; r++) {
                try (TensorScope scope = Ember.scope(); InferenceMode im = Ember.inferenceMode()) {
                    mine.add(m.apply(r == 0 ? x : x.mul(1 + 0.1 * c).add(0.05 * r)).toFloatArray());
                }
            }
            return mine;
        };
        List<List<float[]>> together = onThreads(CLIENTS, client);
        List<List<float[]>> alone = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            alone.add(client.apply(c));
        }
        for (int c = 0; c < CLIENTS; c++) {
            for (int r = 0; r < 8; r++) {
                assertTrue(Arrays.equals(alone.get(c).get(r), together.get(c).get(r)), "client " + c + " request " + r);
            }
        }
        // PyTorch's output for x (onednn's, a quantum or two from FBGEMM's arithmetic that Ember follows, as
        // QuantizedStateDictTest judges it)
        float[] want = QuantizedStateDictTest.EXPECTED.tensor("qcnn.out").toFloatArray();
        double quantum = ((dev.ember.ao.nn.quantized.Linear) m.getSubmodule("10")).scale();
        for (int c = 0; c < CLIENTS; c++) {
            float[] got = together.get(c).get(0);
            for (int i = 0; i < want.length; i++) {
                assertTrue(Math.abs(want[i] - got[i]) / quantum < 2.01, "client " + c + " output " + i);
            }
        }
    }
}
