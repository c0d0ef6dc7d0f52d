package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.CrossEntropyLoss;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.Stateless;
import dev.ember.nn.TorchSerialization;
import dev.ember.nn.TripletMarginLoss;
import dev.ember.nn.TripletMarginWithDistanceLoss;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.ASGD;
import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.AveragedModel;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.CosineAnnealingWarmRestarts;
import dev.ember.optim.ExponentialLR;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.LambdaLR;
import dev.ember.optim.LinearLR;
import dev.ember.optim.NAdam;
import dev.ember.optim.OneCycleLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RAdam;
import dev.ember.optim.RMSprop;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.SGD;
import dev.ember.optim.SequentialLR;
import dev.ember.optim.SwaUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

import static dev.ember.OutsiderFixture.assertCloseAny;
import static dev.ember.OutsiderFixture.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 32's outsider pass, round 8: not models but the machinery around training and the numeric corners users trip
 * over, written as a PyTorch user writes them and ported line by line, run in float64 from PyTorch's initial weights
 * and fixed data ({@code resources/outsiderprograms8/make_expected.py} wrote {@code programs8.pt}, four mid-run
 * checkpoints and {@code texts8.txt} with PyTorch 1.13). Tolerances are {@link LossesMoreTest#assertClose}'s (float64:
 * 1e-12 relative to the largest magnitude of the tensor compared), times a factor stated where steps compound rounding.
 * <ol>
 * <li>Training loops over two param groups (weights decayed, biases and norms not, each its own lr) with every
 * optimizer and a scheduler each (SequentialLR of LinearLR and CosineAnnealingLR, OneCycleLR cos and linear three-phase,
 * CosineAnnealingWarmRestarts, ReduceLROnPlateau min/rel and max/abs with cooldown and per-group min_lr, LambdaLR per
 * group): PyTorch's losses, learning rates and parameters; stopped half way, saved, loaded into fresh objects and
 * continued, bit for bit the uninterrupted run; PyTorch's own mid-run checkpoints continued to PyTorch's numbers.</li>
 * <li>Gradient machinery: clip_grad_norm_ (2, inf, 1, a non-finite gradient), clip_grad_value_, accumulation,
 * zero_grad(set_to_none=False), a frozen layer under AdamW's decay, tied weights, EMA by AveragedModel and update_bn, a
 * Hessian-vector product, one MAML inner step with create_graph.</li>
 * <li>Losses users combine, each with every reduction and its input gradient; a focal loss written in ops.</li>
 * </ol>
 */
class OutsiderPrograms8Test {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms8", "programs8.pt");
    private static final DType F64 = DType.FLOAT64;
    private static final double[] METRICS = {1.0, 0.9, 0.95, 0.96, 0.97, 0.85, 0.86, 0.87};
    private static final List<String> CASES = List.of("adamw_seq", "adam_onecycle", "rmsprop_warm", "sgd_plateau",
            "adagrad_plateau", "nadam_lambda", "radam_onecycle", "asgd_exp");

    private DType defaultBefore;

    /** The generator runs under {@code torch.set_default_dtype(torch.float64)}; so does the port. */
    @BeforeEach
    void float64Default() {
        defaultBefore = Ember.getDefaultDtype();
        Ember.setDefaultDtype(F64);
    }

    @AfterEach
    void restoreDefault() {
        Ember.setDefaultDtype(defaultBefore);
    }

    private static Tensor e(String name) {
        return PT.e(name);
    }

    private static void close(Tensor expected, Tensor actual, String what, double loose) {
        assertCloseAny(expected, actual.detach(), what, loose);
    }

    /** The generator's {@code texts8.txt}: name to text. */
    private static Map<String, String> texts() throws java.io.IOException {
        Map<String, String> texts = new java.util.HashMap<>();
        for (String line : java.nio.file.Files.readAllLines(PT.resource("texts8.txt"))) {
            int bar = line.indexOf('|');
            texts.put(line.substring(0, bar), line.substring(bar + 1).replace("\\n", "\n"));
        }
        return texts;
    }

    /** The generator's {@code Mlp}: Linear, LayerNorm, tanh, Linear. */
    static final class Mlp extends Module {
        final Linear fc1 = registerModule("fc1", new Linear(4, 8));
        final LayerNorm norm = registerModule("norm", new LayerNorm(8));
        final Linear fc2 = registerModule("fc2", new Linear(8, 3));

        @Override
        public Tensor forward(Tensor x) {
            return fc2.apply(norm.apply(fc1.apply(x)).tanh());
        }
    }

    /** An optimizer and its scheduler, as the generator's {@code make(case, model)}. */
    private record Setup(Optimizer opt, LRScheduler sched) {
    }

    private static Setup make(String c, Mlp model) {
        List<Tensor> d = new ArrayList<>();
        List<Tensor> nd = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            (p.dim() >= 2 ? d : nd).add(p);
        }
        switch (c) {
            case "adamw_seq": {
                AdamW opt = new AdamW(d, 0.01, 0.9, 0.999, 1e-8, 0.1, false);
                opt.addParamGroup(nd, Map.of("weight_decay", 0.0, "lr", 0.02));
                LRScheduler s = new SequentialLR(opt, List.of(new LinearLR(opt, 0.25, 1.0, 3),
                        new CosineAnnealingLR(opt, 5, 0.001)), List.of(3));
                return new Setup(opt, s);
            }
            case "adam_onecycle": {
                Adam opt = new Adam(d, 0.01, 0.9, 0.999, 1e-8, 0.01, true);
                opt.addParamGroup(nd, Map.of("weight_decay", 0.0));
                return new Setup(opt, new OneCycleLR(opt, new double[] {0.05, 0.02}, 10, 0.3, "cos", true, 0.85, 0.95,
                        25, 1e4, false));
            }
            case "rmsprop_warm": {
                RMSprop opt = new RMSprop(d, 0.01, 0.99, 1e-8, 0.01, 0.9, true);
                opt.addParamGroup(nd, Map.of("lr", 0.005, "weight_decay", 0.0));
                return new Setup(opt, new CosineAnnealingWarmRestarts(opt, 3, 2, 0.0005));
            }
            case "sgd_plateau": {
                SGD opt = new SGD(d, 0.1, 0.9, 0, 1e-3, true);
                opt.addParamGroup(nd, Map.of("lr", 0.2, "weight_decay", 0.0));
                return new Setup(opt, new ReduceLROnPlateau(opt, "min", 0.5, 1, 0.01, "rel", 1,
                        new double[] {0.02, 0.06}, 1e-8));
            }
            case "adagrad_plateau": {
                Adagrad opt = new Adagrad(d, 0.1, 0.01, 0.01, 0, 1e-10);
                opt.addParamGroup(nd, Map.of("weight_decay", 0.0));
                return new Setup(opt, new ReduceLROnPlateau(opt, "max", 0.3, 0, 0.05, "abs", 2, new double[] {0},
                        1e-8));
            }
            case "nadam_lambda": {
                NAdam opt = new NAdam(d, 0.002, 0.9, 0.999, 1e-8, 0.01, 4e-3, false);
                opt.addParamGroup(nd, Map.of("lr", 0.004, "weight_decay", 0.0));
                List<LongToDoubleFunction> lambdas = List.of(ep -> Math.pow(0.9, ep), ep -> 1.0 / (1 + ep));
                return new Setup(opt, new LambdaLR(opt, lambdas));
            }
            case "radam_onecycle": {
                RAdam opt = new RAdam(d, 0.01, 0.9, 0.999, 1e-8, 0.01, false);
                opt.addParamGroup(nd, Map.of("weight_decay", 0.0));
                return new Setup(opt, new OneCycleLR(opt, new double[] {0.03}, 9, 0.4, "linear", true, 0.85, 0.95, 25,
                        1e4, true));
            }
            case "asgd_exp": {
                ASGD opt = new ASGD(d, 0.05, 0.01, 0.75, 2, 0.01);
                opt.addParamGroup(nd, Map.of("lr", 0.03, "weight_decay", 0.0));
                return new Setup(opt, new ExponentialLR(opt, 0.9));
            }
            default:
                throw new IllegalArgumentException(c);
        }
    }

    /** Steps {@code from} (inclusive) to {@code to} of the generator's loop, the losses and lrs appended. */
    private static void train(String c, Mlp model, Setup s, int from, int to, List<Double> losses, List<Double> lrs) {
        Tensor x = e("res.x");
        Tensor y = e("res.y");
        for (int step = from; step < to; step++) {
            Tensor xb = x.narrow(0, 8 * (step % 2), 8);
            Tensor yb = y.narrow(0, 8 * (step % 2), 8);
            s.opt().zeroGrad();
            Tensor loss = Functional.crossEntropy(model.apply(xb), yb);
            loss.backward();
            s.opt().step();
            if (s.sched() instanceof ReduceLROnPlateau) {
                ((ReduceLROnPlateau) s.sched()).step(METRICS[step]);
            } else {
                s.sched().step();
            }
            losses.add(loss.item());
            for (var g : s.opt().paramGroups()) {
                lrs.add(g.lr());
            }
        }
    }

    private static Mlp initial(String c) {
        return PT.loaded(new Mlp(), "res." + c + ".init.");
    }

    private static void assertRun(String c, List<Double> losses, List<Double> lrs, Mlp model, int from, String what) {
        Tensor el = e("res." + c + ".loss");
        Tensor elr = e("res." + c + ".lrs");
        close(el.narrow(0, from, 8 - from), values(losses, F64), what + " losses", 10);
        close(elr.narrow(0, from, 8 - from), values(lrs, F64).reshape(8 - from, 2), what + " lrs", 1);
        PT.assertNamed("res." + c + ".final.", model, false, 100, what + " parameters after 8 steps");
    }

    /**
     * Every optimizer with its scheduler over two param groups: PyTorch's losses, both groups' learning rates after
     * each step and the parameters after 8 steps (100 times the tolerance: eight steps of adaptive updates compound the
     * last bits); then the run again, stopped after 4 steps, model, optimizer and scheduler saved to a file as
     * {@code torch.save({"model": ..., "optimizer": ..., "scheduler": ...})}, loaded into a fresh model (other initial
     * weights), optimizer and scheduler, and continued: bit for bit the uninterrupted run.
     */
    @Test
    void everyOptimizerAndSchedulerResumesBitForBit(@TempDir Path dir) throws Exception {
        for (String c : CASES) {
            Mlp model = initial(c);
            Setup s = make(c, model);
            List<Double> losses = new ArrayList<>();
            List<Double> lrs = new ArrayList<>();
            train(c, model, s, 0, 8, losses, lrs);
            assertRun(c, losses, lrs, model, 0, c);

            Mlp first = initial(c);
            Setup s1 = make(c, first);
            List<Double> l2 = new ArrayList<>();
            List<Double> lr2 = new ArrayList<>();
            train(c, first, s1, 0, 4, l2, lr2);
            Map<String, Object> ckpt = new LinkedHashMap<>();
            ckpt.put("model", first.stateDict());
            ckpt.put("optimizer", s1.opt().stateDict());
            ckpt.put("scheduler", s1.sched().stateDict());
            Path f = dir.resolve(c + ".pt");
            TorchSerialization.save(ckpt, f);
            @SuppressWarnings("unchecked")
            Map<String, Object> back = (Map<String, Object>) TorchSerialization.load(f);
            Mlp fresh = new Mlp();
            Setup s2 = make(c, fresh);
            @SuppressWarnings("unchecked")
            Map<String, Tensor> m = (Map<String, Tensor>) back.get("model");
            fresh.loadStateDict(m);
            @SuppressWarnings("unchecked")
            Map<String, Object> o = (Map<String, Object>) back.get("optimizer");
            s2.opt().loadStateDict(o);
            @SuppressWarnings("unchecked")
            Map<String, Object> sc = (Map<String, Object>) back.get("scheduler");
            s2.sched().loadStateDict(sc);
            train(c, fresh, s2, 4, 8, l2, lr2);
            assertEquals(losses, l2, c + " resumed losses");
            assertEquals(lrs, lr2, c + " resumed lrs");
            for (var p : model.namedParameters().entrySet()) {
                assertTrue(p.getValue().equal(fresh.namedParameters().get(p.getKey())),
                        c + " resumed " + p.getKey() + " bit for bit");
            }
        }
    }

    /**
     * PyTorch's own checkpoints after 4 steps ({@code torch.save} of the three state dicts: SequentialLR's nested
     * schedulers, ReduceLROnPlateau's best/num_bad_epochs/cooldown, RMSprop's square_avg/momentum/grad_avg) loaded into
     * fresh Ember objects continue to PyTorch's numbers.
     */
    @Test
    @SuppressWarnings("unchecked")
    void pyTorchsMidRunCheckpointsContinueToPyTorchsNumbers() throws Exception {
        for (String c : List.of("adamw_seq", "rmsprop_warm", "sgd_plateau", "adagrad_plateau", "nadam_lambda",
                "asgd_exp")) {
            Map<String, Object> ck = (Map<String, Object>) TorchSerialization.load(PT.resource("ckpt_" + c + ".pt"));
            Mlp fresh = new Mlp();
            Setup s = make(c, fresh);
            fresh.loadStateDict((Map<String, Tensor>) ck.get("model"));
            s.opt().loadStateDict((Map<String, Object>) ck.get("optimizer"));
            s.sched().loadStateDict((Map<String, Object>) ck.get("scheduler"));
            List<Double> losses = new ArrayList<>();
            List<Double> lrs = new ArrayList<>();
            train(c, fresh, s, 4, 8, losses, lrs);
            assertRun(c, losses, lrs, fresh, 4, c + " from PyTorch's checkpoint");
        }
    }

    private static void setGrads(List<Tensor> params, List<Tensor> grads) {
        for (int i = 0; i < params.size(); i++) {
            params.get(i).setGrad(grads.get(i).clone());
        }
    }

    /**
     * clip_grad_norm_ with norm types 2, inf and 1 (the total norm returned, the gradients scaled), clip_grad_value_, a
     * non-finite gradient (refused with PyTorch's message under error_if_nonfinite, the gradients left as they were;
     * else the norm is inf and the clipped gradients 0, the inf one nan), accumulation of loss/2 over two micro-batches
     * (the full batch's gradient), zero_grad(set_to_none=False) keeping zero tensors.
     */
    @Test
    void clippingAccumulationAndZeroGrad() throws Exception {
        Mlp model = PT.loaded(new Mlp(), "grad.init.");
        Tensor x = e("res.x");
        Tensor y = e("res.y");
        Functional.crossEntropy(model.apply(x), y).backward();
        PT.assertNamed("grad.raw.", model, true, 1, "raw gradient");
        List<Tensor> params = model.parameters();
        List<Tensor> g0 = new ArrayList<>();
        for (Tensor p : params) {
            g0.add(p.grad().clone());
        }
        close(e("grad.norm2"), ClipGrad.clipGradNorm_(params, 0.1), "total 2-norm", 1);
        PT.assertNamed("grad.clip2.", model, true, 1, "clipped to 2-norm 0.1");
        setGrads(params, g0);
        close(e("grad.norminf"), ClipGrad.clipGradNorm_(params, 0.05, Double.POSITIVE_INFINITY), "total inf-norm", 1);
        PT.assertNamed("grad.clipinf.", model, true, 1, "clipped to inf-norm 0.05");
        setGrads(params, g0);
        close(e("grad.norm1"), ClipGrad.clipGradNorm_(params, 0.2, 1.0), "total 1-norm", 1);
        PT.assertNamed("grad.clip1.", model, true, 1, "clipped to 1-norm 0.2");
        setGrads(params, g0);
        ClipGrad.clipGradValue_(params, 0.02);
        PT.assertNamed("grad.clipvalue.", model, true, 1, "clipped to value 0.02");

        setGrads(params, g0);
        params.get(0).grad().index(Index.of(0), Index.of(0)).fill_(Double.POSITIVE_INFINITY);
        Tensor before = params.get(0).grad().clone();
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> ClipGrad.clipGradNorm_(params, 1.0, 2.0, true, null));
        assertEquals(texts().get("clip_nonfinite"), ex.getMessage());
        assertTrue(before.equal(params.get(0).grad()), "the refusal leaves the gradients as they were");
        close(e("grad.nonfinite_norm"), ClipGrad.clipGradNorm_(params, 1.0), "non-finite total norm", 1);
        close(e("grad.nonfinite_fc2"), params.get(params.size() - 1).grad(), "gradients scaled by 1/inf", 1);

        model.zeroGrad(true);
        for (int k = 0; k < 2; k++) {
            Functional.crossEntropy(model.apply(x.narrow(0, 8 * k, 8)), y.narrow(0, 8 * k, 8)).div(2).backward();
        }
        PT.assertNamed("grad.accum.", model, true, 1, "accumulated over two micro-batches");
        model.zeroGrad(false);
        for (Tensor p : params) {
            assertTrue(p.grad() != null, "zero_grad(set_to_none=False) keeps a tensor");
        }
        Tensor total = Tensor.stack(params.stream().map(p -> p.grad().abs().sum()).collect(java.util.stream.Collectors.toList()), 0).sum();
        close(e("grad.zeroed_norm"), total, "zeroed gradients", 1);
    }

    /**
     * A frozen first layer under AdamW with weight decay 0.5: a parameter without a gradient gets no state and is not
     * decayed (PyTorch skips it), the rest trains to PyTorch's values.
     */
    @Test
    void frozenLayerIsNotDecayed() {
        Mlp model = PT.loaded(new Mlp(), "freeze.init.");
        model.fc1.requiresGrad_(false);
        AdamW opt = new AdamW(model.parameters(), 0.01, 0.9, 0.999, 1e-8, 0.5, false);
        for (int step = 0; step < 3; step++) {
            opt.zeroGrad();
            Functional.crossEntropy(model.apply(e("res.x")), e("res.y")).backward();
            opt.step();
        }
        PT.assertNamed("freeze.final.", model, false, 10, "after 3 steps");
        @SuppressWarnings("unchecked")
        Map<Integer, Object> state = (Map<Integer, Object>) opt.stateDict().get("state");
        assertEquals(e("freeze.nstate").item(), (double) state.size(), "parameters with state");
    }

    /** The generator's {@code Tied}: an embedding whose weight the decoder shares. */
    static final class Tied extends Module {
        final Embedding emb = registerModule("emb", new Embedding(10, 6));
        final Linear proj = registerModule("proj", new Linear(6, 6));
        final Linear dec = registerModule("dec", new Linear(6, 10, false));

        Tied() {
            dec.setParameter("weight", emb.weight());
        }

        @Override
        public Tensor forward(Tensor ids) {
            return dec.apply(proj.apply(emb.apply(ids)).tanh());
        }
    }

    /**
     * Tied weights: named_parameters lists the shared weight once (under its first name), state_dict under both names;
     * the shared weight's gradient sums both uses; SGD with momentum steps it once.
     */
    @Test
    void tiedWeightsAreOneParameter() throws Exception {
        Tied tied = new Tied();
        tied.loadStateDict(PT.under("tied.init."));
        assertSame(tied.emb.weight(), tied.dec.weight(), "the tie survives load_state_dict");
        assertEquals(texts().get("tied_names"), pyList(tied.namedParameters().keySet()));
        assertEquals(texts().get("tied_state_keys"), pyList(tied.stateDict().keySet()));
        Tensor ids = Tensor.tensor(new long[][] {{1, 2, 3}, {4, 5, 9}});
        Tensor tgt = Tensor.tensor(new long[][] {{2, 3, 4}, {5, 9, 0}});
        SGD opt = new SGD(tied.parameters(), 0.5, 0.9, 0, 0, false);
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            opt.zeroGrad();
            Tensor l = Functional.crossEntropy(tied.apply(ids).reshape(-1, 10), tgt.reshape(-1));
            l.backward();
            if (step == 0) {
                PT.assertNamed("tied.grad0.", tied, true, 1, "tied gradient");
            }
            opt.step();
            losses.add(l.item());
        }
        close(e("tied.loss"), values(losses, F64), "tied losses", 10);
        PT.assertNamed("tied.final.", tied, false, 10, "tied after 3 steps");
    }

    private static String pyList(java.util.Collection<String> names) {
        StringBuilder b = new StringBuilder("[");
        for (String n : names) {
            b.append(b.length() > 1 ? ", " : "").append('\'').append(n).append('\'');
        }
        return b.append(']').toString();
    }

    /** The generator's {@code BnNet}: Linear, BatchNorm1d, relu, Linear. */
    static final class BnNet extends Module {
        final Linear fc = registerModule("fc", new Linear(4, 5));
        final BatchNorm1d bn = registerModule("bn", new BatchNorm1d(5));
        final Linear out = registerModule("out", new Linear(5, 1));

        @Override
        public Tensor forward(Tensor x) {
            return out.apply(bn.apply(fc.apply(x)).relu());
        }
    }

    /**
     * EMA of weights by AveragedModel with a custom avg_fn ({@code 0.8 * avg + 0.2 * p}; the first update copies),
     * buffers copied from the model (use_buffers=False), then update_bn over three batches of 6, 5 and 5 rows (a
     * cumulative average of the batch statistics) and the averaged model's prediction in eval mode.
     */
    @Test
    void emaByAveragedModelAndUpdateBn() {
        BnNet bn = new BnNet();
        bn.loadStateDict(PT.under("ema.init."));
        AveragedModel ema = new AveragedModel(bn, BnNet::new, null, (avg, p, n) -> avg.mul(0.8).add(p.mul(0.2)), null,
                false);
        SGD opt = new SGD(bn.parameters(), 0.1);
        Tensor x = e("res.x");
        for (int step = 0; step < 4; step++) {
            opt.zeroGrad();
            Functional.mseLoss(bn.apply(x), e("ema.y")).backward();
            opt.step();
            ema.updateParameters(bn);
        }
        for (var kv : bn.stateDict().entrySet()) {
            close(e("ema.model." + kv.getKey()), kv.getValue(), "model " + kv.getKey(), 10);
        }
        Map<String, Tensor> avg = ema.module().stateDict();
        for (var kv : avg.entrySet()) {
            close(e("ema.avg." + kv.getKey()), kv.getValue(), "average " + kv.getKey(), 10);
        }
        assertEquals(PT.under("ema.avg.").size(), avg.size(), "averaged state dict keys");
        assertEquals(e("ema.n").item(), (double) ema.nAveraged(), "n_averaged");
        SwaUtils.updateBn(List.of(x.narrow(0, 0, 6), x.narrow(0, 6, 5), x.narrow(0, 11, 5)), ema);
        BnNet m = (BnNet) ema.module();
        close(e("ema.bn_mean"), m.bn.runningMean(), "update_bn running mean", 10);
        close(e("ema.bn_var"), m.bn.runningVar(), "update_bn running var", 10);
        assertEquals(e("ema.bn_nbt").item(), m.bn.numBatchesTracked().item(), "num_batches_tracked");
        ema.eval();
        close(e("ema.pred"), ema.apply(x.narrow(0, 0, 3)), "averaged model's prediction", 10);
    }

    /**
     * A Hessian-vector product (autograd.grad with create_graph, then the gradient of grad . v) and one MAML inner SGD
     * step through functional_call with create_graph: the outer loss's gradient reaches the initial weights through the
     * inner gradient.
     */
    @Test
    void hessianVectorProductAndMamlInnerStep() {
        Mlp model = PT.loaded(new Mlp(), "hvp.init.");
        List<Tensor> params = model.parameters();
        Tensor loss = Functional.crossEntropy(model.apply(e("res.x")), e("res.y"));
        List<Tensor> gs = Autograd.grad(List.of(loss), params, null, true);
        Tensor dot = null;
        for (int i = 0; i < params.size(); i++) {
            Tensor t = gs.get(i).mul(params.get(i).onesLike().mul(0.1)).sum();
            dot = dot == null ? t : dot.add(t);
        }
        List<Tensor> hv = Autograd.grad(List.of(dot), params);
        int i = 0;
        for (String n : model.namedParameters().keySet()) {
            close(e("hvp.hv." + n), hv.get(i++), "Hv " + n, 10);
        }

        Mlp maml = PT.loaded(new Mlp(), "maml.init.");
        Map<String, Tensor> named = maml.namedParameters();
        Tensor x = e("res.x");
        Tensor y = e("res.y");
        Tensor inner = Functional.crossEntropy(Stateless.functionalCall(maml, named, x.narrow(0, 0, 8)), y.narrow(0, 0, 8));
        List<Tensor> g = Autograd.grad(List.of(inner), new ArrayList<>(named.values()), null, true);
        Map<String, Tensor> fast = new LinkedHashMap<>();
        int k = 0;
        for (var kv : named.entrySet()) {
            fast.put(kv.getKey(), kv.getValue().sub(g.get(k++).mul(0.4)));
        }
        Tensor outer = Functional.crossEntropy(Stateless.functionalCall(maml, fast, x.narrow(0, 8, 8)), y.narrow(0, 8, 8));
        outer.backward();
        close(e("maml.inner"), inner, "inner loss", 1);
        close(e("maml.outer"), outer, "outer loss", 1);
        PT.assertNamed("maml.grad.", maml, true, 10, "MAML meta-gradient");
    }

    /** A loss as the generator's {@code LOSSES}: the input, the reduction. */
    private interface Loss {
        Tensor apply(Tensor a, String reduction);
    }

    /**
     * Losses users combine, each with reduction none/sum/mean (and batchmean for KL): the value and the input gradient
     * of a weighted sum of it (weights linspace(0.5, 1.5)), against PyTorch's. Cross entropy with class weights,
     * ignore_index and label smoothing; KL for distillation (log_target, temperature 2, times T^2) and with
     * probabilities; triplet margin (p=1, swap) and with a cosine distance function; cosine embedding; margin ranking;
     * multilabel soft margin with weights; multi margin p=1 (margin 0.8) and p=2 with weights; hinge embedding; soft
     * margin; BCE with weights; and a focal loss written in ops.
     */
    @Test
    void lossesWithEveryReductionAndTheirGradients() {
        Tensor target = e("loss.target");
        Tensor w = e("loss.w");
        Tensor x2 = e("loss.x2");
        Tensor x3 = e("loss.x3");
        Tensor ysign = e("loss.ysign");
        Tensor teacher = e("loss.teacher");
        Tensor bceW = e("loss.bcew");
        Map<String, Loss> losses = new LinkedHashMap<>();
        losses.put("ce_smooth", (a, r) -> new CrossEntropyLoss(w, -100, r, 0.2).apply(a, target));
        losses.put("kl_distill", (a, r) -> Functional.klDiv(a.div(2.0).logSoftmax(1), teacher.div(2.0).logSoftmax(1), r,
                true).mul(4.0));
        losses.put("kl_probs", (a, r) -> Functional.klDiv(a.logSoftmax(1), teacher.softmax(1), r, false));
        losses.put("triplet", (a, r) -> new TripletMarginLoss(0.5, 1.0, 1e-6, true, r).apply(a, x2, x3));
        losses.put("triplet_dist", (a, r) -> new TripletMarginWithDistanceLoss(
                (u, v) -> Functional.cosineSimilarity(u, v).rsub(1.0), 0.3, true, r).apply(a, x2, x3));
        losses.put("cosine_emb", (a, r) -> Functional.cosineEmbeddingLoss(a, x2, ysign, 0.1, r));
        losses.put("margin_rank", (a, r) -> Functional.marginRankingLoss(a.select(1, 0), x2.select(1, 0), ysign, 0.2,
                r));
        losses.put("multilabel_soft", (a, r) -> Functional.multilabelSoftMarginLoss(a, e("loss.mltarget"), bceW, r));
        losses.put("multi_margin1", (a, r) -> Functional.multiMarginLoss(a, e("loss.mmtarget"), 1, 0.8, bceW, r));
        losses.put("multi_margin2", (a, r) -> Functional.multiMarginLoss(a, e("loss.mmtarget"), 2, 1.0, bceW, r));
        losses.put("hinge_emb", (a, r) -> Functional.hingeEmbeddingLoss(a.select(1, 0), ysign, 0.5, r));
        losses.put("soft_margin", (a, r) -> Functional.softMarginLoss(a.select(1, 1), ysign, r));
        losses.put("bce_weight", (a, r) -> Functional.binaryCrossEntropy(a.sigmoid(), e("loss.probs"), bceW, r));
        for (var kv : losses.entrySet()) {
            String name = kv.getKey();
            List<String> reductions = name.startsWith("kl") ? List.of("none", "sum", "mean", "batchmean")
                    : List.of("none", "sum", "mean");
            for (String r : reductions) {
                Tensor src = name.startsWith("ce") || name.startsWith("kl") ? e("loss.logits") : e("loss.x1");
                Tensor a = src.clone().requiresGrad_(true);
                Tensor v = kv.getValue().apply(a, r);
                Tensor wts = Tensor.linspace(0.5, 1.5, (int) v.numel()).reshape(v.shape());
                v.mul(wts).sum().backward();
                close(e("loss." + name + "." + r), v, name + " " + r, 1);
                close(e("loss." + name + "." + r + ".grad"), a.grad(), name + " " + r + " gradient", 1);
            }
        }
        // focal loss written in ops, alpha per class, ignore_index -100 masked out
        Tensor a = e("loss.logits").clone().requiresGrad_(true);
        Tensor logp = a.logSoftmax(1);
        Tensor keep = target.ne(-100L);
        Tensor tt = target.clampMin(0L);
        Tensor lp = logp.gather(1, tt.unsqueeze(1)).squeeze(1);
        Tensor pt = lp.exp();
        Tensor l = w.index(Index.of(tt)).neg().mul(pt.rsub(1.0).pow(2.0)).mul(lp);
        Tensor fl = l.mul(keep).sum().div(keep.sum());
        fl.backward();
        close(e("loss.focal"), fl, "focal loss", 1);
        close(e("loss.focal.grad"), a.grad(), "focal loss gradient", 1);
    }
}
