package dev.ember;

import dev.ember.data.BatchSampler;
import dev.ember.data.Collate;
import dev.ember.data.DataLoader;
import dev.ember.data.Dataset;
import dev.ember.data.IterableDataset;
import dev.ember.data.SequentialSampler;
import dev.ember.data.Subset;
import dev.ember.data.TensorDataset;
import dev.ember.nn.CrossEntropyLoss;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.LSTM;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.nn.utils.PackedRnnOutput;
import dev.ember.nn.utils.PackedSequence;
import dev.ember.nn.utils.Rnn;
import dev.ember.optim.ExponentialLR;
import dev.ember.optim.LBFGS;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.LinearLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import dev.ember.optim.SequentialLR;
import dev.ember.optim.StepLR;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 47's outsider pass, round 23b: more broken programs, the ones round 23 ({@link OutsiderPrograms23Test}) left
 * out: a Dataset of ragged samples handed to the default collate, {@code batch_size=0}, a sampler with
 * {@code shuffle=True}, integer labels in a float loss; CrossEntropyLoss's class-probability targets of the wrong shape
 * or type, label smoothing out of range, {@code ignore_index} with probabilities; token ids outside an Embedding's
 * vocabulary and a {@code padding_idx} outside it; MultiheadAttention fed (batch, seq, embed) without
 * {@code batch_first}; LayerNorm over the wrong shape; {@code view(-1)} of a permuted tensor and {@code cat} of tensors
 * of different ranks; softmax over the batch dimension; {@code requires_grad} on integer tensors; a non-finite gradient
 * norm with {@code error_if_nonfinite}; a TensorDataset of mismatched lengths, random_split's lengths, the DataLoader's
 * exclusive options, a batch larger than the data set with {@code drop_last} (no batch at all); pack_padded_sequence's
 * lengths, a class weight of the wrong length, Embedding's {@code max_norm} renormalizing rows in the forward; and two
 * optimizer leftovers (SequentialLR's hand-over at a milestone, {@code LBFGS.add_param_group}). Held to PyTorch 2.x as
 * round 23 is ({@code resources/outsiderprograms23b/make_expected.py}, PyTorch 1.13 following 2.x where they differ):
 * the same exception kind at the same statement with PyTorch's message word for word ({@code messages.txt};
 * RuntimeError, ValueError and the AssertionError of an argument check as {@link IllegalArgumentException}, IndexError
 * as {@link IndexOutOfBoundsException}, autograd misuse as {@link IllegalStateException}), every parameter, gradient,
 * version counter and optimizer state unchanged by a refused call, and where PyTorch is silent, its values
 * ({@code expected.txt}).
 * <p>
 * Departures, argued in the tests: {@code LBFGS.addParamGroup} is refused with the constructor's message where PyTorch
 * accepts the group and then fails every step with a bare AssertionError (see {@link #lbfgsAddParamGroupIsRefused});
 * SequentialLR hands over as current 2.x does ({@code _update_lr(0)}, no warning) rather than as earlier 2.x releases
 * ({@code step(0)} with its epoch-deprecation warning); and, the project's earlier choice, not changed here, mse_loss's
 * backward converts an int64 target where PyTorch's refuses it ({@link #dataLoaderMistakesFailAsPyTorch}).
 * No Ember bug was found: every refusal matched PyTorch's kind, message and untouched state.
 */
class OutsiderPrograms23bTest {
    private static final DType F64 = DType.FLOAT64;
    private static final Map<String, Map<String, String[]>> EXPECTED = OutsiderReplay.load("outsiderprograms23b");
    private static final Map<String, String> MESSAGES = LabelledLines.load("/outsiderprograms23b/messages.txt");
    private final Generator.Algorithm before = Ember.defaultGeneratorAlgorithm();

    @AfterEach
    void restore() {
        Ember.setDefaultGeneratorAlgorithm(before);
    }

    /** The round's {@link MistakeReplay.Replay}: its records and messages. */
    private static final class Replay extends MistakeReplay.Replay {
        Replay(String program, long seed) {
            super(EXPECTED, MESSAGES, program, seed);
        }
    }

    // ------------------------------------------------------------------ 1. Dataset / DataLoader mistakes

    /** Samples (x, label): x of 3 or 4 values (ragged), the label a Python int. */
    static final class Ragged implements Dataset<List<Object>> {
        final List<Tensor> x = new ArrayList<>();

        Ragged() {
            for (int i = 0; i < 4; i++) {
                x.add(Tensor.randn(F64, 3 + i % 2));
            }
        }

        @Override
        public int size() {
            return 4;
        }

        @Override
        public List<Object> get(int index) {
            return List.of(x.get(index), (long) (index % 2));
        }
    }

    @Test
    void dataLoaderMistakesFailAsPyTorch() {
        Replay r = new Replay("dataloader_mistakes", 1);
        Ragged ds = new Ragged();
        // PyTorch's DataLoader collates with default_collate; Ember's builder keeps the samples unless told to
        r.fails("ragged", IllegalArgumentException.class, () -> DataLoader.builder(ds).batchSize(2)
                .collate(Collate::defaultCollate).build().iterator().next());
        r.fails("batch0", IllegalArgumentException.class, () -> DataLoader.builder(ds).batchSize(0).build());
        r.fails("sampler_shuffle", IllegalArgumentException.class, () -> DataLoader.builder(ds).batchSize(2)
                .sampler(new SequentialSampler(ds)).shuffle(true).build());
        Module model = new Linear(4, 1).to(F64);
        Optimizer opt = new SGD(model.parameters(), 0.1);
        List<List<Object>> padded = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            List<Object> s = ds.get(i);
            Tensor x = (Tensor) s.get(0);
            padded.add(List.of(Functional.pad(x, new int[] {0, 4 - (int) x.shape()[0]}), s.get(1)));
        }
        Dataset<List<Object>> paddedDs = new Dataset<>() {
            @Override
            public int size() {
                return padded.size();
            }

            @Override
            public List<Object> get(int index) {
                return padded.get(index);
            }
        };
        DataLoader<List<Object>, Object> loader = DataLoader.builder(paddedDs).batchSize(2)
                .collate(Collate::defaultCollate).build();
        List<?> first = (List<?>) loader.iterator().next();
        Tensor xb = (Tensor) first.get(0);
        Tensor yb = (Tensor) first.get(1);
        r.rec("yb.dtype_is_long", yb.dtype() == DType.INT64);
        r.summaries(model, "p0.");
        Tensor loss = Functional.mseLoss(model.forward(xb).squeeze(1), yb); // promotes: the forward works
        r.rec("loss.long", loss);
        // PyTorch's backward refuses here (mse_loss_backward's iterator wants one dtype: "Found dtype Long but expected
        // Double"); Ember's MseLossBackward0 converts the target instead, the project's choice for mse_loss (see
        // mathops/make_expected.py, "loss|mse|float64"), and gives the gradients of the converted target
        assertTrue(MESSAGES.get("dataloader_mistakes.long_target").startsWith("RuntimeError: Found dtype Long"));
        loss.backward();
        r.grads(model, "g.converted.");
        int step = 0;
        for (Object batch : loader) {
            List<?> b = (List<?>) batch;
            opt.zeroGrad();
            Tensor l = Functional.mseLoss(model.forward((Tensor) b.get(0)).squeeze(1), ((Tensor) b.get(1)).to(F64));
            l.backward();
            opt.step();
            r.rec("loss." + step++, l);
        }
        r.summaries(model, "p1.");
        r.done();
    }

    // ------------------------------------------------------------------ 2. CrossEntropyLoss's class probabilities

    @Test
    void crossEntropyProbabilityTargetMistakesFailAsPyTorch() {
        Replay r = new Replay("cross_entropy_probabilities", 2);
        Module model = new Linear(6, 5).to(F64);
        Optimizer opt = new SGD(model.parameters(), 0.5);
        Tensor x = Tensor.randn(F64, 4, 6);
        Tensor p = Tensor.randn(F64, 4, 5).softmax(1);
        r.summaries(model, "p0.");
        MistakeReplay.Untouched u = new MistakeReplay.Untouched(model, opt, p);
        r.fails("narrow", IllegalArgumentException.class,
                () -> new CrossEntropyLoss().forward(model.forward(x), p.narrow(1, 0, 4)));
        r.fails("rows", IllegalArgumentException.class,
                () -> new CrossEntropyLoss().forward(model.forward(x), Tensor.cat(List.of(p, p.narrow(0, 0, 1)), 0)));
        r.fails("int_onehot", IllegalArgumentException.class, () -> new CrossEntropyLoss().forward(model.forward(x),
                Functional.oneHot(Tensor.arange(4), 5).to(DType.INT32)));
        r.fails("smoothing", IllegalArgumentException.class,
                () -> new CrossEntropyLoss(null, -100, "mean", 1.5).forward(model.forward(x), p));
        r.fails("smoothing_idx", IllegalArgumentException.class,
                () -> new CrossEntropyLoss(null, -100, "mean", 1.5).forward(model.forward(x), Tensor.arange(4)));
        r.fails("ignore", IllegalArgumentException.class,
                () -> new CrossEntropyLoss(null, 0, "mean", 0.0).forward(model.forward(x), p));
        u.check("cross_entropy_probabilities");
        Tensor w = Tensor.tensor(new double[] {1.0, 2.0, 0.5, 1.0, 1.5}, F64);
        CrossEntropyLoss crit = new CrossEntropyLoss(w, -100, "mean", 0.1);
        opt.zeroGrad();
        Tensor loss = crit.forward(model.forward(x), p);
        loss.backward();
        opt.step();
        r.rec("loss", loss);
        r.rec("loss.idx", new CrossEntropyLoss(null, -100, "mean", 0.2).forward(model.forward(x),
                Tensor.tensor(new long[] {4, 0, 2, 1})));
        r.summaries(model, "p1.");
        r.done();
    }

    // ------------------------------------------------------------------ 3. Embedding's indices

    @Test
    void embeddingIndicesOutOfRangeFailAsPyTorch() {
        Replay r = new Replay("embedding_mistakes", 3);
        Embedding emb = (Embedding) new Embedding(10, 3, 0L).to(F64);
        Optimizer opt = new SGD(emb.parameters(), 0.1);
        Tensor ids = Tensor.tensor(new long[][] {{1, 4, 0}, {9, 2, 0}});
        r.summaries(emb, "p0.");
        MistakeReplay.Untouched u = new MistakeReplay.Untouched(emb, opt, ids);
        r.fails("vocab", IndexOutOfBoundsException.class,
                () -> emb.forward(Tensor.tensor(new long[][] {{1, 10, 0}})));
        r.fails("negative", IndexOutOfBoundsException.class, () -> emb.forward(Tensor.tensor(new long[][] {{-1, 2}})));
        r.fails("float_ids", IllegalArgumentException.class, () -> emb.forward(ids.to(F64)));
        r.fails("padding_idx", IllegalArgumentException.class, () -> new Embedding(10, 3, 10L));
        r.fails("padding_idx_neg", IllegalArgumentException.class, () -> new Embedding(10, 3, -11L));
        u.check("embedding_mistakes");
        Tensor out = emb.forward(ids);
        r.rec("out", out);
        opt.zeroGrad();
        out.mul(Tensor.arange(18L).to(F64).reshape(2, 3, 3)).sum().backward();
        r.rec("grad", emb.weight().grad());
        opt.step();
        r.summaries(emb, "p1.");
        r.done();
    }

    // ------------------------------------------------------------------ 4. MultiheadAttention without batch_first

    @Test
    void multiheadAttentionFedBatchFirstInputRunsSilentlyAsPyTorch() {
        Replay r = new Replay("mha_batch_first", 4);
        MultiheadAttention mha = (MultiheadAttention) new MultiheadAttention(8, 2).to(F64);
        Tensor x = Tensor.randn(F64, 3, 5, 8); // (batch, seq, embed), read as (seq, batch, embed)
        MultiheadAttention.Output wrong = mha.forward(x, x, x);
        r.rec("wrong", wrong.output());
        r.rec("wrong_weights", wrong.weights());
        MistakeReplay.Untouched u = new MistakeReplay.Untouched(mha, x);
        r.fails("mask", IllegalArgumentException.class,
                () -> mha.forward(x, x, x, Tensor.zeros(DType.BOOL, 3, 5)));
        Tensor x7 = x.narrow(2, 0, 7);
        r.fails("embed", IllegalArgumentException.class, () -> mha.forward(x7, x7, x7));
        u.check("mha_batch_first");
        Tensor xt = x.transpose(0, 1);
        MultiheadAttention.Output right = mha.forward(xt, xt, xt);
        r.rec("right", right.output().transpose(0, 1));
        r.rec("right_weights", right.weights());
        MultiheadAttention bf = (MultiheadAttention) new MultiheadAttention(8, 2, true).to(F64);
        bf.loadStateDict(mha.stateDict());
        r.rec("batch_first", bf.forward(x, x, x).output());
        r.done();
    }

    // ------------------------------------------------------------------ 5. LayerNorm's normalized_shape

    @Test
    void layerNormOverTheWrongShapeFailsAsPyTorch() {
        Replay r = new Replay("layernorm_shape", 5);
        Tensor x = Tensor.randn(F64, 4, 5, 6);
        LayerNorm channels = (LayerNorm) new LayerNorm(5).to(F64);
        LayerNorm reversed = (LayerNorm) new LayerNorm(new int[] {6, 5}).to(F64);
        MistakeReplay.Untouched u = new MistakeReplay.Untouched(channels, reversed, x);
        r.fails("channels", IllegalArgumentException.class, () -> channels.forward(x));
        r.fails("reversed", IllegalArgumentException.class, () -> reversed.forward(x));
        u.check("layernorm_shape");
        LayerNorm ln = (LayerNorm) new LayerNorm(6).to(F64);
        try (GradMode off = Ember.noGrad()) {
            ln.weight().copy_(Tensor.linspace(0.5, 1.5, 6, F64, Device.CPU));
            ln.bias().copy_(Tensor.linspace(-0.2, 0.3, 6, F64, Device.CPU));
        }
        Tensor y = ln.forward(x);
        r.rec("y", y.select(0, 1));
        y.mul(y.narrow(2, 0, 1)).sum().backward();
        r.grads(ln, "g.");
        r.rec("y2", new LayerNorm(new int[] {5, 6}).to(F64).forward(x).select(0, 2));
        r.done();
    }

    // ------------------------------------------------------------------ 6. view, cat and stack

    @Test
    void viewCatAndStackMistakesFailAsPyTorch() {
        Replay r = new Replay("shape_mistakes", 6);
        Tensor a = Tensor.randn(F64, 2, 3, 4);
        MistakeReplay.Untouched ua = new MistakeReplay.Untouched(a);
        r.fails("view", IllegalArgumentException.class, () -> a.permute(2, 0, 1).view(-1));
        r.fails("view_t", IllegalArgumentException.class, () -> a.transpose(1, 2).view(2, 12));
        Tensor m = Tensor.randn(F64, 2, 3);
        Tensor v = Tensor.randn(F64, 3);
        MistakeReplay.Untouched u = new MistakeReplay.Untouched(m, v);
        r.fails("cat_rank", IllegalArgumentException.class, () -> Tensor.cat(List.of(m, v), 0));
        r.fails("cat_rank1", IndexOutOfBoundsException.class, () -> Tensor.cat(List.of(v, m), 1));
        r.fails("cat_size", IllegalArgumentException.class,
                () -> Tensor.cat(List.of(m, Tensor.randn(F64, 2, 4)), 0));
        r.fails("stack", IllegalArgumentException.class, () -> Tensor.stack(List.of(m, v), 0));
        ua.check("shape_mistakes");
        u.check("shape_mistakes");
        r.exact("reshape", a.permute(2, 0, 1).reshape(-1));
        r.exact("cat", Tensor.cat(List.of(m, v.unsqueeze(0)), 0));
        r.exact("cat1", Tensor.cat(List.of(m, Tensor.randn(F64, 2, 4)), 1));
        r.done();
    }

    // ------------------------------------------------------------------ 7. softmax over the batch

    @Test
    void softmaxOverTheBatchTrainsSilentlyAsPyTorch() {
        Replay r = new Replay("softmax_wrong_dim", 7);
        Module model = new Linear(4, 3).to(F64);
        Optimizer opt = new SGD(model.parameters(), 0.5);
        Tensor x = Tensor.randn(F64, 6, 4);
        Tensor y = Tensor.randint(0, 3, 6);
        for (int step = 0; step < 2; step++) {
            opt.zeroGrad();
            Tensor probs = Functional.softmax(model.forward(x), 0);
            Tensor loss = Functional.nllLoss(probs.log(), y);
            loss.backward();
            opt.step();
            r.rec("wrong." + step, loss);
            r.rec("colsum." + step, probs.sum(0));
        }
        r.summaries(model, "p0.");
        opt.zeroGrad();
        Tensor loss = Functional.nllLoss(Functional.softmax(model.forward(x), 1).log(), y);
        loss.backward();
        opt.step();
        r.rec("right", loss);
        r.summaries(model, "p1.");
        r.done();
    }

    // ------------------------------------------------------------------ 8. requires_grad on an integer tensor

    @Test
    void requiresGradOnAnIntegerTensorFailsAsPyTorch() {
        Replay r = new Replay("requires_grad_int", 8);
        Tensor labels = Tensor.tensor(new long[] {1, 2, 3});
        MistakeReplay.Untouched u = new MistakeReplay.Untouched(labels);
        r.fails("method", IllegalArgumentException.class, () -> labels.requiresGrad_(true));
        r.fails("setter", IllegalArgumentException.class, () -> labels.setRequiresGrad(true));
        // torch.tensor(ints, requires_grad=True) ("factory") has no Ember spelling: a factory takes no requires_grad
        r.fails("parameter", IllegalArgumentException.class, () -> Tensor.tensor(new long[] {1, 2, 3}).asParameter());
        u.check("requires_grad_int");
        Tensor f = labels.to(F64).requiresGrad_(true);
        f.mul(f).sum().backward();
        r.rec("grad", f.grad());
        r.done();
    }

    // ------------------------------------------------------------------ 9. a non-finite gradient norm

    @Test
    void clipGradNormOfNonFiniteGradientsFailsAsPyTorch() {
        Replay r = new Replay("clip_nonfinite", 9);
        Linear model = (Linear) new Linear(3, 2).to(F64);
        Tensor x = Tensor.randn(F64, 4, 3);
        model.forward(x).pow(2.0).sum().backward();
        try (GradMode off = Ember.noGrad()) {
            model.weight().grad().select(0, 0).select(0, 1).fill_(Double.POSITIVE_INFINITY);
        }
        Tensor g = model.weight().grad();
        r.rec("g0.weight.finite", Tensor.where(g.isfinite(), g, g.zerosLike()));
        r.rec("g0.bias", model.bias().grad());
        MistakeReplay.Untouched u = new MistakeReplay.Untouched(model);
        r.fails("inf", IllegalArgumentException.class,
                () -> ClipGrad.clipGradNorm_(model.parameters(), 1.0, 2.0, true, null));
        r.fails("inf_order", IllegalArgumentException.class,
                () -> ClipGrad.clipGradNorm_(model.parameters(), 1.0, Double.POSITIVE_INFINITY, true, null));
        u.check("clip_nonfinite");
        try (GradMode off = Ember.noGrad()) {
            model.bias().grad().select(0, 1).fill_(Double.NaN);
        }
        MistakeReplay.Untouched u2 = new MistakeReplay.Untouched(model);
        r.fails("nan1", IllegalArgumentException.class,
                () -> ClipGrad.clipGradNorm_(model.parameters(), 1.0, 1.0, true, null));
        u2.check("clip_nonfinite nan");
        r.rec("total.isnan", Double.isNaN(ClipGrad.clipGradNorm_(model.parameters(), 1.0).item()));
        r.rec("weight.grad.nan", model.weight().grad().isnan().sum().item());
        r.rec("bias.grad.nan", model.bias().grad().isnan().sum().item());
        r.done();
    }

    // ------------------------------------------------------------------ 10. SequentialLR at its milestones

    /**
     * SequentialLR hands over to the next scheduler at a milestone as current PyTorch 2.x does: {@code _update_lr(0)},
     * the closed-form rate of epoch 0, with no warning and without counting a step. Earlier 2.x releases (and 1.13)
     * call {@code step(0)} instead: the same rates (both set {@code last_epoch = 0} and take the closed form), with the
     * EPOCH_DEPRECATION_WARNING at each milestone, raised inside the library on a line the user never wrote (pytorch
     * issue 116776); the generator asserts that 1.13's only warnings are those two, and records current 2.x's count,
     * 0.
     */
    @Test
    void sequentialLrHandsOverAtItsMilestonesAsCurrentPyTorchWithoutWarnings() throws ReflectiveOperationException {
        Replay r = new Replay("sequential_lr_milestone", 10);
        Tensor p = Tensor.zeros(F64, 2).asParameter();
        Optimizer opt = new SGD(List.of(p), 0.1);
        LRScheduler warm = new LinearLR(opt, 0.1, 1.0, 3);
        LRScheduler decay = new ExponentialLR(opt, 0.9);
        LRScheduler steps = new StepLR(opt, 2, 0.5);
        SequentialLR seq = new SequentialLR(opt, List.of(warm, decay, steps), List.of(3, 6));
        r.rec("lr.init", seq.getLastLr());
        double[] lrs = new double[9];
        try (LoggedWarnings w = LoggedWarnings.capture()) {
            for (int epoch = 0; epoch < 9; epoch++) {
                opt.zeroGrad();
                p.sub(1.0).pow(2.0).sum().backward();
                opt.step();
                seq.step();
                lrs[epoch] = opt.paramGroups().get(0).getDouble("lr");
            }
            r.rec("warnings", w.containing("").size());
        }
        r.rec("lr", lrs);
        r.rec("last", seq.getLastLr());
        r.rec("p", p);
        // the order mistake: the sequence stepped with no optimizer step; PyTorch's default filter shows the order
        // warning once (the first scheduler's first step; the second's, after the milestone, is the same line), as
        // Ember warns once a process: the flag is cleared so that this program's first wrong call is the first
        java.lang.reflect.Field once = LRScheduler.class.getDeclaredField("WARNED_STEP_ORDER");
        once.setAccessible(true);
        ((java.util.concurrent.atomic.AtomicBoolean) once.get(null)).set(false);
        Tensor q = Tensor.zeros(F64, 2).asParameter();
        Optimizer opt2 = new SGD(List.of(q), 0.1);
        SequentialLR seq2 = new SequentialLR(opt2,
                List.of(new LinearLR(opt2, 0.1, 1.0, 3), new ExponentialLR(opt2, 0.9)), List.of(3));
        double[] noopt = new double[5];
        try (LoggedWarnings w = LoggedWarnings.capture()) {
            for (int epoch = 0; epoch < 5; epoch++) {
                seq2.step();
                noopt[epoch] = opt2.paramGroups().get(0).getDouble("lr");
            }
            r.rec("noopt.warnings", w.containing("").size());
            assertEquals(List.of(r.warning("order")), w.containing(""));
        }
        r.rec("noopt.lr", noopt);
        r.done();
    }

    // ------------------------------------------------------------------ 11. LBFGS.add_param_group

    /**
     * PyTorch's LBFGS refuses several groups in its constructor but not in {@code add_param_group} (Optimizer's, not
     * overridden), and every {@code step} after it then fails with a bare {@code AssertionError} (lbfgs.py's
     * {@code assert len(self.param_groups) == 1}, no message; under {@code python -O} the assert is gone and the added
     * parameters are silently never trained, as {@code step} reads group 0's list only). Ember refuses the call that
     * causes it, with the constructor's message, and changes nothing: an error at that call is better than a
     * messageless one at each step, or a silent no-op on the user's parameters. The optimizer then trains its one group
     * as PyTorch's one-group LBFGS does (the generator's values).
     */
    @Test
    void lbfgsAddParamGroupIsRefused() {
        Replay r = new Replay("lbfgs_param_group", 11);
        Tensor a = Tensor.randn(F64, 3).asParameter();
        Tensor b = Tensor.randn(F64, 3).asParameter();
        Tensor x = Tensor.randn(F64, 8, 3);
        Tensor y = Tensor.randn(F64, 8);
        LBFGS opt = new LBFGS(List.of(a), 0.5, 4, null, 1e-7, 1e-9, 100, null);
        MistakeReplay.Untouched u = new MistakeReplay.Untouched(opt, a, b);
        r.fails("ctor", IllegalArgumentException.class, () -> opt.addParamGroup(List.of(b), Map.of()));
        u.check("lbfgs_param_group");
        Optimizer.Closure closure = () -> {
            opt.zeroGrad();
            Tensor loss = x.matmul(a).add(x.matmul(b)).sub(y).pow(2.0).mean();
            loss.backward();
            return loss;
        };
        double[] losses = new double[2];
        for (int i = 0; i < 2; i++) {
            losses[i] = opt.step(closure).item();
        }
        r.rec("loss", losses);
        r.rec("a", a);
        r.rec("b", b);
        r.done();
    }

    // ------------------------------------------------------------------ 12. more data-pipeline mistakes

    @Test
    void dataPipelineMistakesFailAsPyTorch() {
        Replay r = new Replay("data_pipeline_mistakes", 12);
        Tensor x = Tensor.randn(F64, 10, 3);
        MistakeReplay.Untouched u = new MistakeReplay.Untouched(x);
        r.fails("tensor_dataset", IllegalArgumentException.class, () -> new TensorDataset(x, Tensor.arange(9)));
        TensorDataset ds = new TensorDataset(x, Tensor.arange(10));
        r.fails("split", IllegalArgumentException.class,
                () -> Dataset.randomSplit(ds, new int[] {6, 3}, Ember.defaultGenerator()));
        r.fails("workers", IllegalArgumentException.class, () -> DataLoader.builder(ds).numWorkers(-1).build());
        BatchSampler bs = new BatchSampler(new SequentialSampler(ds), 3, false);
        r.fails("batch_sampler_size", IllegalArgumentException.class,
                () -> DataLoader.builder(ds).batchSize(4).batchSampler(bs).build());
        r.fails("batch_sampler_shuffle", IllegalArgumentException.class,
                () -> DataLoader.builder(ds).batchSampler(bs).shuffle(true).build());
        IterableDataset<Long> counting = () -> java.util.stream.LongStream.range(0, 3).boxed().iterator();
        r.fails("iterable_shuffle", IllegalArgumentException.class,
                () -> DataLoader.builder(counting).shuffle(true).build());
        r.fails("index", IndexOutOfBoundsException.class, () -> ds.get(10));
        u.check("data_pipeline_mistakes");
        DataLoader<List<Tensor>, List<Tensor>> big = DataLoader.builder(ds).batchSize(16).dropLast(true).build();
        r.rec("drop_last.len", big.size());
        int batches = 0;
        for (List<Tensor> b : big) {
            batches++;
        }
        r.rec("drop_last.batches", batches);
        Generator g = new Generator(5, Generator.Algorithm.MT19937);
        List<Subset<List<Tensor>>> parts = Dataset.randomSplit(ds, new int[] {7, 3}, g);
        r.rec("split.0", java.util.Arrays.stream(parts.get(0).indices()).asDoubleStream().toArray());
        r.rec("split.1", java.util.Arrays.stream(parts.get(1).indices()).asDoubleStream().toArray());
        r.rec("split.x", parts.get(1).get(0).get(0));
        r.done();
    }

    // ------------------------------------------------------------------ 13. padding, class weights, max_norm

    @Test
    void paddingAndWeightMistakesFailAsPyTorch() {
        Replay r = new Replay("padding_and_weights", 13);
        Tensor x = Tensor.randn(F64, 6, 4, 3); // (seq, batch, feature)
        MistakeReplay.Untouched ux = new MistakeReplay.Untouched(x);
        r.fails("unsorted", IllegalArgumentException.class,
                () -> Rnn.packPaddedSequence(x, Tensor.tensor(new long[] {2, 5, 6, 1}), false, true));
        r.fails("batch", IllegalArgumentException.class,
                () -> Rnn.packPaddedSequence(x, Tensor.tensor(new long[] {6, 5, 2}), false, true));
        r.fails("zero", IllegalArgumentException.class,
                () -> Rnn.packPaddedSequence(x, Tensor.tensor(new long[] {6, 5, 2, 0}), false, true));
        Tensor logits = Tensor.randn(F64, 3, 5);
        Tensor w4 = Tensor.ones(F64, 4);
        r.fails("weight_idx", IllegalArgumentException.class, () -> Functional.crossEntropy(logits,
                Tensor.tensor(new long[] {0, 1, 2}), w4, "mean", -100, 0.0));
        r.fails("weight_prob", IllegalArgumentException.class, () -> Functional.crossEntropy(logits,
                logits.softmax(1), w4, "mean", -100, 0.0));
        ux.check("padding_and_weights");
        PackedSequence packed = Rnn.packPaddedSequence(x, Tensor.tensor(new long[] {2, 5, 6, 1}), false, false);
        LSTM lstm = (LSTM) new LSTM(3, 4).to(F64);
        PackedRnnOutput out = lstm.forward(packed);
        r.rec("packed.data", out.output().data().narrow(0, 0, 5));
        r.rec("packed.h", out.h());
        Embedding emb = (Embedding) new Embedding(6, 3, null, 1.0, 2.0, false).to(F64);
        Tensor w0 = emb.weight().detach().clone();
        Tensor e = emb.forward(Tensor.tensor(new long[] {1, 3, 3}));
        r.rec("renormed.rows", emb.weight().detach().ne(w0).any(1));
        r.rec("renormed.weight", emb.weight());
        e.sum().backward();
        r.rec("renormed.grad", emb.weight().grad());
        r.done();
    }
}
