package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.CrossEntropyLoss;
import dev.ember.nn.Dropout;
import dev.ember.nn.Init;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

import static dev.ember.OutsiderFixture.assertCloseAny;
import static dev.ember.OutsiderFixture.close;
import static dev.ember.OutsiderFixture.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 32's outsider pass, round 8: not models but the machinery around training and the numeric corners users trip
 * over, written as a PyTorch user writes them and ported line by line, run in float64 from PyTorch's initial weights
 * and fixed data ({@code resources/outsiderprograms8/make_expected.py} wrote {@code programs8.pt}, six mid-run
 * checkpoints and {@code texts8.txt} with PyTorch 1.13, following 2.x where they differ: NAdam's mu_product_next,
 * AveragedModel's buffers). Tolerances are {@link LossesMoreTest#assertClose}'s (float64: 1e-12 relative to the
 * largest magnitude of the tensor compared), times a factor stated where steps compound rounding.
 * <ol>
 * <li>Training loops over two param groups (weights decayed, biases and norms not, each its own lr) with every
 * optimizer and a scheduler each (SequentialLR of LinearLR and CosineAnnealingLR, OneCycleLR cos and linear
 * three-phase, CosineAnnealingWarmRestarts, ReduceLROnPlateau min/rel and max/abs with cooldown and per-group min_lr,
 * LambdaLR per group, ExponentialLR): PyTorch's losses, learning rates and parameters; stopped half way, saved, loaded
 * into fresh objects and continued, bit for bit the uninterrupted run (float64 and float32); PyTorch's own mid-run
 * checkpoints continued to PyTorch's numbers.</li>
 * <li>Gradient machinery: clip_grad_norm_ (2, inf, 1, a non-finite gradient), clip_grad_value_, accumulation,
 * zero_grad(set_to_none=False), a frozen layer under AdamW's decay, tied weights, EMA by AveragedModel and update_bn, a
 * Hessian-vector product, one MAML inner step with create_graph.</li>
 * <li>Hooks and module machinery; custom autograd Functions.</li>
 * <li>Losses users combine, each with every reduction and its input gradient; a focal loss written in ops.</li>
 * <li>Numeric corners, printed as PyTorch prints them.</li>
 * </ol>
 */
class OutsiderPrograms8Test extends Float64DefaultDtype {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms8", "programs8.pt");
    private static final DType F64 = DType.FLOAT64;
    private static final double[] METRICS = {1.0, 0.9, 0.95, 0.96, 0.97, 0.85, 0.86, 0.87};
    private static final List<String> CASES = List.of("adamw_seq", "adam_onecycle", "rmsprop_warm", "sgd_plateau",
            "adagrad_plateau", "nadam_lambda", "radam_onecycle", "asgd_exp");

    private static Tensor e(String name) {
        return PT.e(name);
    }

    /** The generator's {@code texts8.txt}: name to text. */
    private static Map<String, String> texts() throws java.io.IOException {
        return ExpectedLines.barTexts("/outsiderprograms8/texts8.txt");
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
                // both groups the constructor's, as the script's (Adagrad makes their state there)
                Adagrad opt = Optimizer.withGroups(List.of(Map.of("params", d), Map.of("params", nd, "weight_decay", 0.0)),
                        ps -> new Adagrad(ps, 0.1, 0.01, 0.01, 0, 1e-10));
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
        Tensor x = e("res.x").to(model.fc1.weight().dtype());
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
            assertResumesBitForBit(c, losses, lrs, model, dir);
        }
    }

    /**
     * The same runs in float32 (the default type float32, as users train: the optimizers' scalar state float32 too):
     * the losses within 10 times the float32 tolerance of PyTorch's float64 ones (4e-5 relative: eight steps of float32
     * rounding), then stopped, saved, loaded and continued: bit for bit the uninterrupted float32 run.
     */
    @Test
    void everyOptimizerAndSchedulerResumesBitForBitInFloat32(@TempDir Path dir) throws Exception {
        Ember.setDefaultDtype(DType.FLOAT32);
        for (String c : CASES) {
            Mlp model = initial(c);
            Setup s = make(c, model);
            List<Double> losses = new ArrayList<>();
            List<Double> lrs = new ArrayList<>();
            train(c, model, s, 0, 8, losses, lrs);
            assertEquals(DType.FLOAT32, model.fc1.weight().dtype());
            close(e("res." + c + ".loss").to(DType.FLOAT32), values(losses, DType.FLOAT32), c + " float32 losses",
                    10);
            assertResumesBitForBit(c, losses, lrs, model, dir);
        }
    }

    /**
     * The run of {@code c} again in the default type, stopped after 4 steps, model, optimizer and scheduler saved to a
     * file as {@code torch.save({"model": ..., "optimizer": ..., "scheduler": ...})}, loaded into a fresh model (other
     * initial weights), optimizer and scheduler, and continued: the losses, lrs and parameters of the uninterrupted
     * run.
     */
    private static void assertResumesBitForBit(String c, List<Double> losses, List<Double> lrs, Mlp model, Path dir)
            throws Exception {
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
        assertEquals(java.util.Arrays.toString(s1.sched().getLastLr()), java.util.Arrays.toString(
                s2.sched().getLastLr()), c + " get_last_lr() after load_state_dict");
        train(c, fresh, s2, 4, 8, l2, lr2);
        assertEquals(losses, l2, c + " resumed losses");
        assertEquals(lrs, lr2, c + " resumed lrs");
        for (var p : model.namedParameters().entrySet()) {
            assertTrue(p.getValue().equal(fresh.namedParameters().get(p.getKey())),
                    c + " resumed " + p.getKey() + " bit for bit");
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
        List<Tensor> grads = new ArrayList<>();
        for (Tensor p : params) {
            grads.add(p.grad());
        }
        // 2.6's get_total_norm of the gradients is the norm clip_grad_norm_ returns
        close(e("grad.norm2"), ClipGrad.getTotalNorm(grads, 2.0, false, null), "get_total_norm", 1);
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
        List<Tensor> sums = new ArrayList<>();
        for (Tensor p : params) {
            sums.add(p.grad().abs().sum());
        }
        Tensor total = Tensor.stack(sums, 0).sum();
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
     * buffers copied from the model (use_buffers=False), or averaged too (use_buffers=True: num_batches_tracked through
     * the function, truncated back to int64), and by get_ema_multi_avg_fn(0.8) (2.x; the same average), then update_bn
     * over three batches of 6, 5 and 5 rows (a cumulative average of the batch statistics) and the averaged model's
     * prediction in eval mode.
     */
    @Test
    void emaByAveragedModelAndUpdateBn() {
        BnNet bn = new BnNet();
        bn.loadStateDict(PT.under("ema.init."));
        AveragedModel ema = new AveragedModel(bn, BnNet::new, null, (avg, p, n) -> avg.mul(0.8).add(p.mul(0.2)), null,
                false);
        AveragedModel emaBuf = new AveragedModel(bn, BnNet::new, null,
                (avg, p, n) -> avg.mul(0.8).add(p.mul(0.2)), null, true);
        AveragedModel emaMulti = new AveragedModel(bn, BnNet::new, null, null, SwaUtils.getEmaMultiAvgFn(0.8), false);
        SGD opt = new SGD(bn.parameters(), 0.1);
        Tensor x = e("res.x");
        for (int step = 0; step < 4; step++) {
            opt.zeroGrad();
            Functional.mseLoss(bn.apply(x), e("ema.y")).backward();
            opt.step();
            ema.updateParameters(bn);
            emaBuf.updateParameters(bn);
            emaMulti.updateParameters(bn);
        }
        // use_buffers=True: the running statistics averaged, num_batches_tracked through the function and truncated
        for (var kv : emaBuf.module().stateDict().entrySet()) {
            close(e("ema.avgbuf." + kv.getKey()), kv.getValue(), "averaged with buffers " + kv.getKey(), 10);
        }
        // 2.x's get_ema_multi_avg_fn(0.8) (a lerp by 0.2) is the same average as the generator's avg_fn
        for (var kv : emaMulti.module().stateDict().entrySet()) {
            close(e("ema.avg." + kv.getKey()), kv.getValue(), "get_ema_multi_avg_fn " + kv.getKey(), 10);
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
        Tensor inner = Functional.crossEntropy(Stateless.functionalCall(maml, named, x.narrow(0, 0, 8)),
                y.narrow(0, 0, 8));
        List<Tensor> g = Autograd.grad(List.of(inner), new ArrayList<>(named.values()), null, true);
        Map<String, Tensor> fast = new LinkedHashMap<>();
        int k = 0;
        for (var kv : named.entrySet()) {
            fast.put(kv.getKey(), kv.getValue().sub(g.get(k++).mul(0.4)));
        }
        Tensor outer = Functional.crossEntropy(Stateless.functionalCall(maml, fast, x.narrow(0, 8, 8)),
                y.narrow(0, 8, 8));
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

    /** Renders a corner's value as Python's repr does (a values/indices pair as its namedtuple), or its refusal. */
    private static String render(java.util.function.Supplier<Object> f, String kind) {
        try {
            Object v = f.get();
            if (kind != null) {
                Tensor.ValuesIndices vi = (Tensor.ValuesIndices) v;
                return "torch.return_types." + kind + "(\nvalues=" + vi.values() + ",\nindices=" + vi.indices() + ")";
            }
            return String.valueOf(v);
        } catch (RuntimeException ex) {
            return "EXC " + String.valueOf(ex.getMessage()).split("\n")[0];
        }
    }

    private final Map<String, String> corners = new LinkedHashMap<>();

    private void c(String name, java.util.function.Supplier<Object> f) {
        corners.put(name, render(f, null));
    }

    private void vi(String name, String kind, java.util.function.Supplier<Object> f) {
        corners.put(name, render(f, kind));
    }

    private static Tensor t(Object o) {
        return Tensor.tensor(o);
    }

    private static Tensor t(Object o, DType d) {
        return Tensor.tensor(o, d);
    }

    private static Tensor d(double... v) {
        return Tensor.tensor(v);
    }

    private static Tensor l(long... v) {
        return Tensor.tensor(v);
    }

    /**
     * Numeric corners users trip over, each printed (or refused) as PyTorch prints it: softmax/log_softmax/logsumexp
     * of all -inf and masked rows, NaN through max/min/argmax/sort/topk/cummax/median/kthvalue, integer sums and
     * products promoting to int64, floor_divide/remainder/fmod with negative operands and by zero, true division of
     * ints, uint8/int8 wraparound, shifts, mixed comparisons, clamp with min > max and NaN, pow of a negative base to a
     * fractional power, 0**0, integer pow overflow and an integer base ({@code 2 ** t}: int64, which Ember's only
     * {@code pow(double, Tensor)} gave as float64), round half to even, a float32 cumsum (accumulated in double as
     * PyTorch's CPU kernel), empty means, var with correction past N, conversions, printouts of nan/inf/sci mode/int64
     * extremes and under set_printoptions. The generator lists what it leaves out and why.
     */
    @Test
    void numericCornersPrintAsPyTorchs() throws Exception {
        double ninf = Double.NEGATIVE_INFINITY;
        double inf = Double.POSITIVE_INFINITY;
        double nan = Double.NaN;
        try {
        Tensor x = t(new double[][]{{ninf,ninf,ninf},{1,2,ninf},{0,0,0}});
        c("softmax", () -> x.softmax(1));
        c("log_softmax", () -> x.logSoftmax(1));
        c("lse", () -> x.logsumexp(1));
        c("lse_inf", () -> t(new double[][]{{inf,1},{inf,inf},{inf,ninf}}).logsumexp(1));
        Tensor y = t(new double[][]{{1,nan,3},{2,1,0}});
        c("max", () -> y.max());
        vi("max1", "max", () -> y.max(1));
        vi("min1", "min", () -> y.min(1));
        c("argmax", () -> y.argmax(1));
        c("argmin", () -> y.argmin(1));
        Tensor s = t(new double[]{3,nan,1,nan,ninf,2});
        vi("sort", "sort", () -> s.sort());
        vi("sortd", "sort", () -> s.sort(-1, true));
        vi("topk", "topk", () -> t(new double[]{3,nan,1,5}).topk(2));
        vi("topks", "topk", () -> t(new double[]{3,nan,1,5}).topk(2,-1,false,true));
        c("amax", () -> y.amax(new int[]{1}, false));
        c("maximum", () -> t(new double[]{1,nan}).maximum(t(new double[]{nan,2})));
        c("fmax", () -> t(new double[]{1,nan}).fmax(t(new double[]{nan,2})));
        vi("cummax", "cummax", () -> t(new double[]{1,nan,3}).cummax(0));
        c("median", () -> t(new double[]{1,nan,3}).median());
        c("nanmedian", () -> t(new double[]{1,nan,3,4}).nanmedian());
        c("sum_i32", () -> t(new long[]{Integer.MAX_VALUE,1}, DType.INT32).sum());
        c("sum_u8", () -> t(new long[]{200,100}, DType.UINT8).sum());
        c("sum_bool", () -> t(new boolean[]{true,true,false}).sum());
        c("prod_i32", () -> t(new long[]{1<<20,1<<20}, DType.INT32).prod());
        c("cumsum_u8", () -> t(new long[]{200,100}, DType.UINT8).cumsum(0));
        c("cumsum_bool", () -> t(new boolean[]{true,true}).cumsum(0));
        Tensor ai = t(new long[]{7,-7,7,-7}), bi = t(new long[]{2,2,-2,-2});
        c("floordiv", () -> ai.floorDivide(bi));
        c("rem", () -> ai.remainder(bi));
        c("fmod", () -> ai.fmod(bi));
        c("div", () -> ai.div(bi));
        c("div_trunc", () -> ai.div(bi,"trunc"));
        c("div_floor", () -> ai.div(bi,"floor"));
        c("fdiv_f", () -> t(new double[]{7.5,-7.5}).floorDivide(t(new double[]{2,2})));
        c("rem_f", () -> t(new double[]{7.5,-7.5,5,-0.0}).remainder(t(new double[]{-2,2,0,2})));
        c("fmod_f", () -> t(new double[]{7.5,-7.5,5}).fmod(t(new double[]{-2,2,0})));
        c("rem_scalar", () -> t(new long[]{-3,3}).remainder(5L));
        c("rem_scalar_f", () -> t(new long[]{-3,3}).remainder(2.5));
        c("u8wrap", () -> t(new long[]{250},DType.UINT8).add(10L));
        c("u8sub", () -> t(new long[]{3},DType.UINT8).sub(t(new long[]{5},DType.UINT8)));
        c("u8neg", () -> t(new long[]{3},DType.UINT8).neg());
        c("u8mul", () -> t(new long[]{16},DType.UINT8).mul(t(new long[]{17},DType.UINT8)));
        c("i8", () -> t(new long[]{127},DType.INT8).add(1L));
        c("shl", () -> t(new long[]{1,-8,3}).bitwiseLeftShift(t(new long[]{3,1,62})));
        c("shr", () -> t(new long[]{16,-16,-1}).bitwiseRightShift(t(new long[]{2,2,5})));
        c("shl_s", () -> t(new long[]{1,2},DType.INT32).bitwiseLeftShift(31L));
        c("shl_u8", () -> t(new long[]{129},DType.UINT8).bitwiseLeftShift(1L));
        c("shr_i8", () -> t(new long[]{-128},DType.INT8).bitwiseRightShift(1L));
        c("band", () -> t(new long[]{12,-1}).bitwiseAnd(t(new long[]{10,5})));
        c("bxor", () -> t(new boolean[]{true,false}).bitwiseXor(t(new boolean[]{true,true})));
        c("bnot", () -> t(new long[]{0,-1,5}).bitwiseNot());
        c("bnot_u8", () -> t(new long[]{0,5},DType.UINT8).bitwiseNot());
        c("cmp1", () -> t(new long[]{1,2,3}).lt(2.5));
        c("cmp2", () -> t(new boolean[]{true,false}).eq(t(new double[]{1,0})));
        c("cmp3", () -> t(new long[]{1,2},DType.UINT8).gt(t(new long[]{-1,1},DType.INT8)));
        c("cmp4", () -> t(new double[]{0.1},DType.FLOAT32).eq(t(new double[]{0.1},DType.FLOAT64)));
        c("cmp5", () -> t(new long[]{(1L<<53)+1}).eq(t(new double[]{(double)(1L<<53)})));
        c("clamp_minmax", () -> t(new double[]{-1,0.5,3}).clamp(2.0,1.0));
        c("clamp_int", () -> t(new long[]{-1,5,3}).clamp(4L,2L));
        c("pow_negfrac", () -> t(new double[]{-8,-1,8}).pow(1.0/3));
        c("pow00", () -> t(new double[]{0,0}).pow(t(new double[]{0,-1})));
        c("pow00i", () -> t(new long[]{0,2}).pow(0L));
        c("powi_over", () -> t(new long[]{3}).pow(41L));
        c("powi32", () -> t(new long[]{3},DType.INT32).pow(21L));
        c("pow_s_t", () -> Tensor.pow(2, t(new long[]{0,10,70})));
        c("round", () -> t(new double[]{0.5,1.5,2.5,-0.5,-1.5,-2.5,2.675}).round());
        c("round_dec", () -> t(new double[]{1.25,1.35,2.675,-0.125}).round(2));
        c("round_f32", () -> t(new double[]{0.5,1.5,2.5},DType.FLOAT32).round());
        Tensor v = Tensor.full(DType.FLOAT32, 0.1, 100000);
        c("cumsum_f32_mid", () -> v.cumsum(0).indexSelect(0, t(new long[]{9999,49999})));
        c("mean_empty", () -> t(new double[]{}).mean());
        c("sum_empty", () -> t(new double[]{}).sum());
        c("prod_empty", () -> t(new double[]{}).prod());
        c("mean_empty_dim", () -> Tensor.zeros(2,0).mean(1));
        c("var_corr", () -> t(new double[]{1,2,3}).var(new int[]{0},4,false));
        c("var_corr3", () -> t(new double[]{1,2,3}).var(new int[]{0},3,false));
        c("std1", () -> t(new double[]{5}).std());
        c("var_corr2", () -> t(new double[]{1,2,3}).var(new int[]{0},2,false));
        c("print_naninf", () -> t(new double[]{nan,inf,ninf,1.5}));
        c("print_sci", () -> t(new double[]{1e-10,1,1e10}));
        c("print_big", () -> t(new double[]{123456789.,1}));
        c("print_small", () -> t(new double[]{1e-5,2e-5}));
        c("print_i64", () -> t(new long[]{Long.MIN_VALUE, Long.MAX_VALUE}));
        c("print_int_nan", () -> t(new double[]{1,2,nan}));
        c("print_f32", () -> t(new double[]{1.0/3,2.0/3},DType.FLOAT32));
        c("print_ints_as_float", () -> t(new double[]{1,2,100}));
        c("print_negzero", () -> t(new double[]{-0.0,0.0}));
        c("print_big_inf", () -> t(new double[]{1e20,inf}));
        Ember.setPrintOptions(PrintOptions.builder().precision(2).sciMode(false));
        c("po_prec2", () -> t(new double[]{1e-10,1.23456,1e10}));
        Ember.setPrintOptions(PrintOptions.builder().precision(6).sciMode(true));
        c("po_sci", () -> t(new double[]{1.5,2.25}));
        Ember.setPrintOptions(PrintOptions.builder().profile("default"));
        Ember.setPrintOptions(PrintOptions.builder().threshold(5).edgeitems(2));
        c("po_thr", () -> Tensor.arange(10, DType.FLOAT64));
        c("po_thr2", () -> Tensor.arange(30, DType.FLOAT64).reshape(5,6));
        Ember.setPrintOptions(PrintOptions.builder().profile("default"));
        Ember.setPrintOptions(PrintOptions.builder().linewidth(30));
        c("po_lw", () -> Tensor.arange(12, DType.FLOAT64).mul(1.5));
        Ember.setPrintOptions(PrintOptions.builder().profile("default"));
        c("mean_int", () -> l(1,2).mean());
        c("amax_empty", () -> Tensor.zeros(0).amax());
        c("max_empty", () -> Tensor.zeros(0).max());
        c("argmax_empty", () -> Tensor.zeros(0).argmax());
        c("powi_neg", () -> l(2).pow(-1L));
        c("powi_negt", () -> l(2).pow(l(-1)));
        c("pow_1neg", () -> l(1,-1).pow(l(-1,-3)));
        c("fdiv0", () -> l(1).floorDivide(l(0)));
        c("rem0", () -> l(1).remainder(l(0)));
        c("fmod0", () -> l(1).fmod(l(0)));
        c("div0", () -> l(1,-1,0).div(l(0,0,0)));
        c("divtrunc0", () -> l(1).div(l(0),"trunc"));
        c("clamp_nan", () -> d(nan,1).clamp(0.0,0.5));
        c("clamp_nanbound", () -> d(0,1).clamp(d(nan,0), null));
        vi("max_allnan", "max", () -> t(new double[][]{{nan,nan},{1,nan}}).max(1));
        vi("kth", "kthvalue", () -> d(3,nan,1).kthvalue(2));
        c("argsort", () -> d(nan,1,nan,0).argsort(-1,false,true));
        c("nansum", () -> d(nan,1,2).nansum());
        c("nanmean", () -> d(nan,1,2).nanmean());
        c("nanmean_all", () -> d(nan,nan).nanmean());
        c("std_int", () -> l(1,2).std());
        c("isclose", () -> d(nan,inf,1).isclose(d(nan,inf,1+1e-9)));
        c("isclose_en", () -> d(nan).isclose(d(nan),1e-5,1e-8,true));
        c("sum_dtype", () -> t(new long[]{200,100},DType.UINT8).sum(DType.UINT8));
        c("u8_div", () -> t(new long[]{7},DType.UINT8).floorDivide(t(new long[]{2},DType.UINT8)));
        c("u8_float", () -> t(new long[]{7},DType.UINT8).mul(1.5));
        c("bool_add", () -> t(new boolean[]{true}).add(t(new boolean[]{true})));
        c("bool_sub", () -> t(new boolean[]{true}).sub(t(new boolean[]{true})));
        c("bool_mul_int", () -> t(new boolean[]{true,false}).mul(3L));
        c("int_float_scalar", () -> t(new long[]{1,2},DType.INT32).mul(2.5));
        c("i32_plus_i64", () -> t(new long[]{1},DType.INT32).add(Tensor.tensor(5L)));
        c("i32_plus_0dimf", () -> t(new long[]{1},DType.INT32).add(Tensor.scalar(5.)));
        c("u8_plus_i8", () -> t(new long[]{200},DType.UINT8).add(t(new long[]{1},DType.INT8)));
        c("int_inplace_float", () -> l(1,2).add_(1.5));
        c("int_div_", () -> l(1,2).div_(2L));
        c("sqrt_int", () -> l(4,2).sqrt());
        c("int_abs_min", () -> l(Long.MIN_VALUE).abs());
        c("sign", () -> d(-0.0,nan,-2).sign());
        c("sgn", () -> d(-0.0,nan).sgn());
        c("trunc_frac", () -> d(-2.5,inf).frac());
        c("exp_big", () -> d(710,-750).exp());
        c("log_neg", () -> d(-1,0).log());
        c("log1p_m1", () -> d(-1,-2).log1p());
        c("sigmoid_ext", () -> d(-800,800).sigmoid());
        c("softplus_big", () -> Functional.softplus(d(100,-100)));
        c("logaddexp", () -> d(ninf,inf,ninf).logaddexp(d(ninf,inf,1)));
        c("lse_nan", () -> t(new double[][]{{nan,1},{inf,ninf}}).logsumexp(1));
        c("softmax_inf", () -> d(inf,1).softmax(0));
        c("masked_softmax",
                () -> t(new double[][]{{1,2},{3,4}}).maskedFill(t(new boolean[][]{{true,true},{false,true}}),ninf)
                        .softmax(1));
        c("lse_f32_big", () -> t(new double[]{1e38,1e38},DType.FLOAT32).logsumexp(0));
        c("cumsum_i32", () -> t(new long[]{Integer.MAX_VALUE,1},DType.INT32).cumsum(0));
        c("cumprod_i32", () -> t(new long[]{1<<16,1<<16},DType.INT32).cumprod(0));
        c("prod_u8", () -> t(new long[]{16,17},DType.UINT8).prod());
        c("mean_bool", () -> t(new boolean[]{true,false}).to(DType.FLOAT32).mean());
        c("sum_i8_dim", () -> t(new long[][]{{100,100}},DType.INT8).sum(1));
        vi("max_int_dim", "max", () -> t(new long[][]{{1,5}},DType.UINT8).max(1));
        c("round_int", () -> l(3).round());
        c("round_neg_dec", () -> d(1234.5678,-15).round(-1));
        c("floor_int", () -> l(3).floor());
        c("int_min_div", () -> l(-7).div(2L,"floor"));
        c("remainder_float_neg0", () -> d(-4,4).remainder(d(2,-2)));
        c("float_to_int", () -> d(2.7,-2.7,nan,1e20).to(DType.INT64).narrow(0,0,2));
        c("i64_to_i32", () -> l((1L<<31)+5).to(DType.INT32));
        c("float_to_bool", () -> d(0,-0.0,nan,0.1).to(DType.BOOL));
        c("f64_to_f32_over", () -> d(1e39,-1e39,1e-46).to(DType.FLOAT32));
        c("f32_to_f16", () -> d(70000,1e-8,65519).to(DType.FLOAT16));
        c("f32_to_bf16", () -> d(1.00390625,1.01171875).to(DType.BFLOAT16));
        c("linspace1", () -> Tensor.linspace(0,1,1));
        c("half_sum", () -> Tensor.full(DType.FLOAT16,1.,3000).sum());
        c("half_mean", () -> Tensor.full(DType.FLOAT16,10.,3000).mean());
        c("bf16_sum", () -> Tensor.full(DType.BFLOAT16,1.,1000).sum());
        c("var_f32_offset", () -> t(new double[]{1e4+1,1e4+2,1e4+3},DType.FLOAT32).var());
        vi("topk_ties", "topk", () -> d(1,2,2,1).topk(2));
        vi("sort_ties_stable", "sort", () -> d(1,0,1,0).sort(-1,true,true));
        vi("max_ties", "max", () -> t(new double[][]{{1,3,3}}).max(1));
        c("argmin_ties", () -> l(2,1,1).argmin());
        vi("mode", "mode", () -> l(1,2,2,1,3).mode());
        vi("sort_int_neg", "sort", () -> t(new long[]{3,-1,2},DType.INT8).sort());
        vi("sort_bool", "sort", () -> t(new boolean[]{true,false,true}).sort());
        vi("sort_negzero", "sort", () -> d(0,-0.0,0).sort(-1,false,true));
        vi("topk_inf_nan", "topk", () -> d(inf,nan,ninf).topk(3));
        vi("cummin_nan", "cummin", () -> d(3,nan,1).cummin(0));
        c("logcumsumexp", () -> d(ninf,ninf,0,inf).logcumsumexp(0));
        c("cumsum_inf", () -> d(inf,ninf,1).cumsum(0));
        c("prod_zero_nan", () -> d(0,inf).prod());
        c("norm_inf", () -> d(inf,1).norm());
        c("hypot", () -> d(1e200,inf).hypot(d(1e200,nan)));
        c("var_big", () -> d(1e200,-1e200).var());
        c("mean_big", () -> d(1e308,1e308).mean());
        c("pow_s_i32", () -> Tensor.pow(2, t(new long[] {1, 2, 31}, DType.INT32)));
        c("pow_s_neg", () -> Tensor.pow(2, l(-1, 3, 0)));
        c("pow_s_neg1", () -> Tensor.pow(-1, l(-3, 2, 5)));
        c("pow_s_bool", () -> Tensor.pow(2, t(new boolean[] {true, false})));
        c("pow_s_u8", () -> Tensor.pow(3, t(new long[] {2, 6}, DType.UINT8)));
        c("pow_s_float", () -> Tensor.pow(2, d(0.5, -1.0)));
        // a double bound is a Python float (Ember gave int64 for integral doubles: arange(0.0, 4.0) was [0, 1, 2, 3])
        c("arange_float_bounds", () -> Tensor.arange(0.0, 4.0));
        c("arange_float_step", () -> Tensor.arange(0.0, 4.0, 1.0));
        c("arange_float_end", () -> Tensor.arange(3.0));
        c("arange_ints", () -> Tensor.arange(10, 0, -3));
        c("arange_mixed", () -> Tensor.arange(0, 2.5));
        c("arange_ceil", () -> Tensor.arange(1, 1.3, 0.1));
        c("arange_ceil2", () -> Tensor.arange(0, 0.3, 0.1));
        // the fill value's type decides, as PyTorch's (Ember gave the default floating type for an integer value)
        c("full_int", () -> Tensor.full(new int[] {2}, 3));
        c("full_float", () -> Tensor.full(new int[] {2}, 3.0));
        c("full_bool", () -> Tensor.full(new int[] {2}, true));
        c("full_big", () -> Tensor.full(new int[] {1}, (1L << 60) + 1));
        // a number in the input's place, and two numbers (Ember had only where(cond, tensor, number))
        Tensor wm = t(new boolean[] {true, false});
        c("where_two_ints", () -> Tensor.where(wm, 1, 0));
        c("where_two_numbers", () -> Tensor.where(wm, 1.0, 0));
        c("where_number_first", () -> Tensor.where(wm, 0.5, l(1, 2)));
        c("where_number_first_f32", () -> Tensor.where(wm, 0.5, t(new double[] {1, 2}, DType.FLOAT32)));
        c("where_int_first_i32", () -> Tensor.where(wm, 3, t(new long[] {1, 2}, DType.INT32)));
        } finally {
            Ember.setPrintOptions(PrintOptions.builder().profile("default"));
        }
        Map<String, String> texts = texts();
        int n = 0;
        for (Map.Entry<String, String> kv : texts.entrySet()) {
            if (kv.getKey().startsWith("c.")) {
                String name = kv.getKey().substring(2);
                assertTrue(corners.containsKey(name), "no port of " + name);
                assertEquals(kv.getValue(), corners.get(name), name);
                n++;
            }
        }
        assertEquals(n, corners.size(), "the corners ported and the generator's");
    }

    /** A value as the generator's {@code H} renders it: Python's repr of a tuple or list, or the refusal. */
    private static String py(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Boolean) {
            return (Boolean) v ? "True" : "False";
        }
        if (v instanceof String) {
            return "'" + v + "'";
        }
        if (v instanceof List) {
            StringBuilder b = new StringBuilder("[");
            for (Object o : (List<?>) v) {
                b.append(b.length() > 1 ? ", " : "").append(py(o));
            }
            return b.append(']').toString();
        }
        return String.valueOf(v);
    }

    /** A Python tuple's repr of {@code items}. */
    private static String tuple(Object... items) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < items.length; i++) {
            b.append(i > 0 ? ", " : "").append(py(items[i]));
        }
        return b.append(items.length == 1 ? ",)" : ")").toString();
    }

    private static void h(Map<String, String> texts, String name, java.util.function.Supplier<Object> f) {
        String actual;
        try {
            Object v = f.get();
            actual = v instanceof String ? (String) v : String.valueOf(v);
        } catch (RuntimeException ex) {
            actual = "EXC " + ex.getMessage();
            String expected = texts.get("h." + name);
            if (expected != null && !expected.contains("\n")) {
                actual = "EXC " + String.valueOf(ex.getMessage()).split("\n")[0];
            }
        }
        assertEquals(texts.get("h." + name), actual, name);
    }

    /** The generator's {@code Bufs}: a non-persistent buffer, a persistent one, nested Sequentials. */
    static final class Bufs extends Module {
        final Linear fc = registerModule("fc", new Linear(2, 2));
        final Tensor pos = registerBuffer("pos", Tensor.arange(3, Ember.getDefaultDtype()), false);
        final Tensor scale = registerBuffer("scale", Tensor.scalar(2.0));
        final Sequential sub = registerModule("sub", new Sequential(new Linear(2, 2), new ReLU(),
                new Sequential(new Linear(2, 1))));

        @Override
        public Tensor forward(Tensor x) {
            return sub.apply(fc.apply(x));
        }
    }

    /**
     * Hooks and module machinery: a forward pre-hook doubling the input and a forward hook adding 1 to the output (the
     * output's node BackwardHookFunctionBackward while a full backward hook is registered), the backward hook seeing
     * grad_input and grad_output and replacing grad_input (x.grad tenfold), handles removed; a backward hook on a
     * module whose input needs no gradient (grad_input {@code (None,)}); a tensor hook tripling a weight's gradient;
     * buffers with persistent=False out of the state dict; load_state_dict strict (PyTorch's whole message) and not
     * (the incompatible keys); named_modules with a prefix; Module.apply for init; to(float64) of a float32 model with
     * buffers; train/eval of one layer; no_grad against inference_mode and PyTorch's refusals.
     */
    @Test
    void hooksAndModuleMachinery() throws Exception {
        Map<String, String> texts = texts();
        Linear lin = new Linear(3, 2);
        try (var g = Ember.noGrad()) {
            lin.weight().copy_(Tensor.tensor(new double[][] {{0.1, -0.2, 0.3}, {0.4, 0.5, -0.6}}));
            lin.bias().copy_(Tensor.tensor(new double[] {0.01, -0.02}));
        }
        List<Tensor[]> seen = new ArrayList<>();
        var h1 = lin.registerForwardPreHook((m, inp) -> List.of(inp.get(0).mul(2)));
        var h2 = lin.registerForwardHook((m, inp, out) -> List.of(out.get(0).add(1)));
        var h3 = lin.registerFullBackwardHook((m, gi, go) -> {
            seen.add(new Tensor[] {gi.get(0).clone(), go.get(0).clone()});
            return List.of(gi.get(0).mul(10));
        });
        Tensor x = Tensor.tensor(new double[][] {{1, 2, 3}, {-1, 0.5, 2}}).requiresGrad_(true);
        Tensor y = lin.apply(x);
        h(texts, "hooked_out", () -> y);
        y.pow(2).sum().backward();
        h(texts, "x_grad", x::grad);
        h(texts, "w_grad", () -> lin.weight().grad());
        h(texts, "seen_gi", () -> seen.get(0)[0]);
        h(texts, "seen_go", () -> seen.get(0)[1]);
        h1.remove();
        h2.remove();
        h3.remove();
        h(texts, "unhooked", () -> lin.apply(x));
        List<List<Tensor>> gis = new ArrayList<>();
        List<Tensor> gos = new ArrayList<>();
        var hn = lin.registerFullBackwardHook((m, gi, go) -> {
            gis.add(gi);
            gos.add(go.get(0).clone());
            return null;
        });
        lin.apply(Tensor.ones(1, 3)).sum().backward();
        h(texts, "nograd_input_gi", () -> tuple(gis.get(0).toArray()));
        h(texts, "nograd_input_go", () -> gos.get(0));
        hn.remove();
        lin.zeroGrad();
        var hh = lin.weight().registerHook(gr -> gr.mul(3));
        lin.apply(Tensor.ones(1, 3)).sum().backward();
        h(texts, "scaled_wgrad", () -> lin.weight().grad());
        hh.remove();

        Bufs bm = new Bufs();
        h(texts, "state_keys", () -> py(new ArrayList<>(bm.stateDict().keySet())));
        h(texts, "buffers", () -> py(new ArrayList<>(bm.namedBuffers().keySet())));
        h(texts, "named_modules", () -> py(new ArrayList<>(bm.namedModules().keySet())));
        h(texts, "named_modules_prefix", () -> py(new ArrayList<>(bm.namedModules("model").keySet())));
        h(texts, "named_children", () -> py(new ArrayList<>(bm.namedChildren().keySet())));
        Map<String, Tensor> sd = bm.stateDict();
        Map<String, Tensor> sd2 = new LinkedHashMap<>(sd);
        sd2.remove("sub.0.bias");
        sd2.put("extra.w", Tensor.zeros(1));
        h(texts, "load_nonstrict", () -> bm.loadStateDict(sd2, false));
        h(texts, "load_strict", () -> {
            bm.loadStateDict(sd2);
            return "no error";
        });
        Map<String, Tensor> sd3 = new LinkedHashMap<>(sd);
        sd3.put("fc.weight", Tensor.zeros(3, 2));
        h(texts, "load_shape", () -> {
            bm.loadStateDict(sd3);
            return "no error";
        });
        bm.apply((Module m) -> {
            if (m instanceof Linear) {
                Init.constant_(((Linear) m).weight(), 0.5);
                Init.zeros_(((Linear) m).bias());
            }
        });
        h(texts, "after_apply", () -> ((Sequential) bm.sub.get(2)).get(0, Linear.class).weight());
        Ember.setDefaultDtype(DType.FLOAT32);
        Bufs b32 = new Bufs();
        Ember.setDefaultDtype(F64);
        b32.to(F64);
        h(texts, "to64", () -> tuple(b32.fc.weight().dtype(), b32.namedBuffers().get("pos").dtype(),
                b32.namedBuffers().get("scale").dtype()));
        Sequential msq = new Sequential(new Linear(2, 2), new BatchNorm1d(2), new Dropout(0.5));
        msq.eval();
        h(texts, "training_flags", () -> py(msq.modules().stream().map(Module::isTraining)
                .collect(java.util.stream.Collectors.toList())));
        msq.train();
        msq.get(1).eval();
        h(texts, "training_flags2", () -> py(msq.modules().stream().map(Module::isTraining)
                .collect(java.util.stream.Collectors.toList())));
        Tensor wi = Tensor.ones(2).requiresGrad_(true);
        Tensor ng;
        try (var g = Ember.noGrad()) {
            ng = wi.mul(2);
        }
        h(texts, "nograd", () -> tuple(ng.requiresGrad(), ng.isInference()));
        Tensor inf;
        try (var g = Ember.inferenceMode()) {
            inf = wi.mul(2);
        }
        h(texts, "inference", () -> tuple(inf.requiresGrad(), inf.isInference()));
        h(texts, "inference_in_autograd", () -> {
            wi.mul(inf).sum().backward();
            return "no error";
        });
        h(texts, "inference_inplace", () -> inf.add_(1.0));
        h(texts, "clone_inference", () -> py(inf.clone().isInference()));
        h(texts, "inplace_on_leaf", () -> wi.add_(1.0));
    }

    static final class MyExp extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            Tensor y = in[0].exp();
            ctx.saveForBackward(y);
            return new Tensor[] {y};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {g[0].mul(ctx.savedTensors()[0])};
        }
    }

    static final class SortF extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            Tensor.ValuesIndices r = in[0].sort();
            ctx.markNonDifferentiable(r.indices());
            ctx.saveForBackward(r.indices());
            return new Tensor[] {r.values(), r.indices()};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {g[0].zerosLike().scatter_(0, ctx.savedTensors()[0], g[0])};
        }
    }

    static final class Scale extends AutogradFunction {
        private final double k;

        Scale(double k) {
            this.k = k;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0], in[1]);
            return new Tensor[] {in[0].mul(in[1]).mul(k)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            Tensor x = ctx.savedTensors()[0];
            Tensor w = ctx.savedTensors()[1];
            return new Tensor[] {ctx.needsInputGrad(0) ? g[0].mul(w).mul(k) : null,
                ctx.needsInputGrad(1) ? g[0].mul(x).mul(k).sum(0) : null};
        }
    }

    static final class Once extends AutogradFunction {
        @Override
        protected boolean onceDifferentiable() {
            return true;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            ctx.saveForBackward(in[0]);
            return new Tensor[] {in[0].pow(3.0)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {g[0].mul(3).mul(ctx.savedTensors()[0].pow(2.0))};
        }
    }

    static final class STE extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            return new Tensor[] {in[0].round()};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {g[0]};
        }
    }

    static final class GradReverse extends AutogradFunction {
        private final double lam;

        GradReverse(double lam) {
            this.lam = lam;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            return new Tensor[] {in[0].viewAs(in[0])};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {g[0].neg().mul(lam)};
        }
    }

    static final class Bad extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            return new Tensor[] {in[0].add(in[1])};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {g[0]};
        }
    }

    static final class BadShape extends AutogradFunction {
        @Override
        protected Tensor[] forward(Context ctx, Tensor... in) {
            return new Tensor[] {in[0].mul(2)};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... g) {
            return new Tensor[] {g[0].sum()};
        }
    }

    /**
     * Custom autograd Functions as users write: save_for_backward (a saved output), mark_non_differentiable (sort's
     * indices), needs_input_grad with a non-tensor argument, once_differentiable (its create_graph gradient has no
     * history, as PyTorch's, so a second backward is PyTorch's refusal), a straight-through estimator, a gradient
     * reversal layer; node names {@code <Name>Backward}; PyTorch's refusals of a wrong number and shape of gradients.
     */
    @Test
    void customAutogradFunctions() throws Exception {
        Map<String, String> texts = texts();
        Tensor x = Tensor.tensor(new double[] {0.5, -1, 2}).requiresGrad_(true);
        Tensor y = new MyExp().apply(x);
        h(texts, "myexp", () -> y);
        y.sum().backward();
        h(texts, "myexp_grad", x::grad);
        x.setGrad(null);
        Tensor[] vi = new SortF().applyAll(x);
        h(texts, "sort_v", () -> vi[0]);
        h(texts, "sort_i", () -> tuple(vi[1], vi[1].requiresGrad()));
        vi[0].mul(Tensor.tensor(new double[] {1, 2, 3})).sum().backward();
        h(texts, "sort_grad", x::grad);
        x.setGrad(null);
        Tensor w = Tensor.tensor(new double[] {2, 3, 4}).requiresGrad_(true);
        Tensor sc = new Scale(0.5).apply(Tensor.tensor(new double[][] {{1, 2, 3}, {4, 5, 6}}), w);
        h(texts, "scale", () -> sc);
        sc.sum().backward();
        h(texts, "scale_wgrad", w::grad);
        Tensor o = new Once().apply(x);
        h(texts, "once", () -> o);
        Tensor og = Autograd.grad(List.of(o.sum()), List.of(x), null, true).get(0);
        h(texts, "once_g", () -> og);
        h(texts, "once_double", () -> {
            og.sum().backward();
            return "no error";
        });
        x.setGrad(null);
        Tensor st = new STE().apply(x.mul(1.7));
        h(texts, "ste", () -> st);
        st.mul(st).sum().backward();
        h(texts, "ste_grad", x::grad);
        x.setGrad(null);
        Tensor gr = new GradReverse(0.3).apply(x.mul(2));
        h(texts, "grl", () -> gr);
        gr.pow(2).sum().backward();
        h(texts, "grl_grad", x::grad);
        h(texts, "bad_count", () -> {
            new Bad().apply(x, w).sum().backward();
            return "no error";
        });
        h(texts, "bad_shape", () -> {
            new BadShape().apply(x).sum().backward();
            return "no error";
        });
    }
}
