package dev.ember;

import dev.ember.OutsiderTraining.Container;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.CosineSimilarity;
import dev.ember.nn.CrossEntropyLoss;
import dev.ember.nn.Dropout;
import dev.ember.nn.Embedding;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.GLU;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.Linear;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleList;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.SiLU;
import dev.ember.nn.SmoothL1Loss;
import dev.ember.nn.Stateless;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.LBFGS;
import dev.ember.optim.ParamGroup;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.ember.OutsiderFixture.close;
import static dev.ember.OutsiderFixture.same;
import static dev.ember.OutsiderFixture.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 41's outsider pass, round 16: recipes earlier rounds had not ported in their reference code's form, each
 * ported line by line with Ember's public API, run in float64 from PyTorch's initial weights and fixed data and held to
 * PyTorch's outputs, losses, gradients of every named parameter after the first backward and parameters after the last
 * step ({@code resources/outsiderprograms16/make_expected.py} wrote {@code programs16.pt} with PyTorch 1.13). Every
 * comparison is held to {@link LossesMoreTest#assertClose}'s tolerance (float64: 1e-12 relative to the largest
 * magnitude of the tensor compared; float32: 4e-6) unless its line says otherwise (parameters trained by Adam from
 * gradients that are zero but for rounding, or tiny differences of nearly equal terms; the L-BFGS image), and every
 * comparison at the base tolerance measured at most 0.47 of it; integer results (greedy actions, batch counters,
 * masks) are PyTorch's exactly.
 * <ol>
 * <li>MAML on sine regression, second order (inner SGD steps by {@link Autograd#grad} with create_graph over
 * {@link Stateless#functionalCall}, and by a hand-written functional net), first-order MAML, functorch's
 * maml-regression example ({@link Func#vmap} over the tasks of {@link Func#grad}), MAML-Pytorch's conv Learner
 * trained second order through conv2d and training-mode batch_norm, and Reptile as the reptile-sinewaves demo writes
 * it (SGD through the parameters' data, the state dict interpolated and loaded back).</li>
 * <li>pytorch_tabnet's SparsemaxFunction and Entmax15Function as {@link AutogradFunction}s with their own backward
 * (sparsemax shifting its input in place, as the reference does: a leaf, a view's base, a tensor saved for backward),
 * along other dimensions, a Hessian-vector product through entmax15's backward, in a two-step TabNet encoder with
 * ghost batch norm, priors and the entropy sparsity loss.</li>
 * <li>torchaudio's Conformer: macaron feed-forward halves, MultiheadAttention with a key padding mask from the
 * lengths, the convolution module (pointwise conv, GLU, depthwise conv, BatchNorm1d, SiLU); also in float32.
 * ESPnet's Conformer layer with relative positional self-attention (rel_shift by the view_as of a sliced view).</li>
 * <li>The PyTorch DQN tutorial's optimize_model: terminal next states masked, boolean-mask assignment under no_grad,
 * SmoothL1Loss, AdamW with amsgrad, clip_grad_value_, the soft update through the state dicts and by lerp_.</li>
 * <li>nerf-pytorch: camera rays (pose_spherical, get_rays, ndc_rays), the Embedder, NeRF with its skip connection and
 * view directions, raw2outputs, sample_pdf (det) and a coarse-and-fine training step with the exponential
 * learning-rate decay; its first step in float32 too.</li>
 * <li>The neural style transfer tutorial: content and style loss modules inserted into a Sequential rebuilt from a
 * conv net's children and trimmed by slicing, the image optimized by LBFGS with the tutorial's closure.</li>
 * <li>Spijkervet/SimCLR's NT_Xent (boolean-mask selection of the negatives, diagonals at offsets), open_clip's
 * ClipLoss with the clamped logit scale and its SigLipLoss.</li>
 * </ol>
 */
class OutsiderPrograms16Test {
    private static final OutsiderFixture PT = new OutsiderFixture("outsiderprograms16", "programs16.pt");
    private static final DType F64 = DType.FLOAT64;

    private static Tensor e(String name) {
        return PT.e(name);
    }

    /** The line {@code key} of texts16.txt (key, a tab, PyTorch's text). */
    private static String text(String key) {
        try {
            for (String line : java.nio.file.Files.readAllLines(PT.resource("texts16.txt"))) {
                int tab = line.indexOf('\t');
                if (line.substring(0, tab).equals(key)) {
                    return line.substring(tab + 1);
                }
            }
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
        throw new AssertionError("no " + key + " in texts16.txt");
    }

    private static Tensor at(Tensor t, int... idx) {
        Tensor r = t;
        for (int i : idx) {
            r = r.select(0, i);
        }
        return r;
    }

    private static void assertBuffers(String prefix, Module m, String what) {
        Map<String, Tensor> bufs = m.namedBuffers();
        for (Map.Entry<String, Tensor> b : bufs.entrySet()) {
            Tensor want = e(prefix + b.getKey());
            if (want.dtype() == DType.INT64) {
                assertArrayEquals(want.toLongArray(), b.getValue().toLongArray(), what + " " + b.getKey());
            } else {
                same(want, b.getValue(), what + " " + b.getKey());
            }
        }
        assertEquals(PT.under(prefix).size(), bufs.size(), what + ": PyTorch's and Ember's buffer names");
    }

    // ------------------------------------------------------------------ 1. MAML, first-order MAML, Reptile

    static final int TASKS = 2;
    static final int INNER_STEPS = 2;
    static final double INNER_LR = 0.1;
    static final int META_STEPS = 3;

    static Sequential sineMlp() {
        return new Sequential(new Linear(1, 16), new ReLU(), new Linear(16, 16), new ReLU(), new Linear(16, 1));
    }

    private static void mamlRun(String prefix, boolean firstOrder) {
        Tensor xs = e("maml.xs");
        Tensor ys = e("maml.ys");
        Tensor xq = e("maml.xq");
        Tensor yq = e("maml.yq");
        Sequential model = PT.loaded(sineMlp(), "maml.init.", F64);
        Adam metaOpt = new Adam(model.parameters(), 0.01);
        List<Double> losses = new ArrayList<>();
        List<Double> innerLosses = new ArrayList<>();
        for (int step = 0; step < META_STEPS; step++) {
            Tensor metaLoss = null;
            for (int t = 0; t < TASKS; t++) {
                Map<String, Tensor> fast = new LinkedHashMap<>(model.namedParameters());
                for (int k = 0; k < INNER_STEPS; k++) {
                    Tensor loss = Functional.mseLoss(Stateless.functionalCall(model, fast, at(xs, step, t)),
                            at(ys, step, t));
                    innerLosses.add(loss.item());
                    List<Tensor> grads = Autograd.grad(List.of(loss), new ArrayList<>(fast.values()), null,
                            !firstOrder, !firstOrder, false);
                    if (firstOrder) {
                        List<Tensor> detached = new ArrayList<>();
                        for (Tensor g : grads) {
                            detached.add(g.detach());
                        }
                        grads = detached;
                    }
                    Map<String, Tensor> next = new LinkedHashMap<>();
                    int i = 0;
                    for (Map.Entry<String, Tensor> w : fast.entrySet()) {
                        next.put(w.getKey(), w.getValue().sub(grads.get(i++).mul(INNER_LR)));
                    }
                    fast = next;
                }
                Tensor q = Functional.mseLoss(Stateless.functionalCall(model, fast, at(xq, step, t)), at(yq, step, t));
                metaLoss = metaLoss == null ? q : metaLoss.add(q);
                if (step == 0 && t == 0) {
                    for (Map.Entry<String, Tensor> w : fast.entrySet()) {
                        same(e(prefix + "fast0." + w.getKey()), w.getValue(), prefix + " adapted " + w.getKey());
                    }
                }
            }
            metaLoss = metaLoss.div(TASKS);
            metaOpt.zeroGrad();
            metaLoss.backward();
            if (step == 0) {
                PT.assertNamed(prefix + "grad0.", model, true, 1, prefix + " meta-gradient");
            }
            metaOpt.step();
            losses.add(metaLoss.item());
        }
        close(e(prefix + "loss"), values(losses, F64), prefix + " meta-losses", 10);
        close(e(prefix + "inner"), values(innerLosses, F64), prefix + " inner losses", 10);
        PT.assertNamed(prefix + "final.", model, false, 1, prefix + " parameters after " + META_STEPS + " steps");
    }

    static Tensor learnerForward(Tensor x, List<Tensor> vars) {
        x = Functional.relu(Functional.linear(x, vars.get(0), vars.get(1)));
        x = Functional.relu(Functional.linear(x, vars.get(2), vars.get(3)));
        return Functional.linear(x, vars.get(4), vars.get(5));
    }

    @Test
    void mamlSecondOrderFirstOrderAndReptile() {
        mamlRun("maml.so.", false);
        mamlRun("maml.fo.", true);

        // MAML-Pytorch's Learner: F.linear over a list of tensors; the same meta-gradient as functional_call's
        Sequential lm = PT.loaded(sineMlp(), "maml.init.", F64);
        List<Tensor> vars = lm.parameters();
        List<Tensor> fastW = vars;
        for (int k = 0; k < INNER_STEPS; k++) {
            Tensor loss = Functional.mseLoss(learnerForward(at(e("maml.xs"), 0, 0), fastW), at(e("maml.ys"), 0, 0));
            List<Tensor> grad = Autograd.grad(List.of(loss), fastW, null, true, true, false);
            List<Tensor> next = new ArrayList<>();
            for (int i = 0; i < fastW.size(); i++) {
                next.add(fastW.get(i).sub(grad.get(i).mul(INNER_LR)));
            }
            fastW = next;
        }
        Tensor q = Functional.mseLoss(learnerForward(at(e("maml.xq"), 0, 0), fastW), at(e("maml.yq"), 0, 0));
        q.backward();
        same(e("maml.learner.qloss"), q, "Learner query loss");
        PT.assertNamed("maml.learner.grad.", lm, true, 1, "Learner meta-gradient");

        // functorch's maml-regression example: vmap over the tasks of grad(inner_loss) and functional_call
        Tensor xs = e("maml.xs");
        Tensor ys = e("maml.ys");
        Tensor xq = e("maml.xq");
        Tensor yq = e("maml.yq");
        Sequential fnet = PT.loaded(sineMlp(), "maml.init.", F64);
        Map<String, Tensor> fparams = fnet.namedParameters();
        List<String> names = new ArrayList<>(fparams.keySet());
        Adam fopt = new Adam(new ArrayList<>(fparams.values()), 0.01);
        // inner_loss(params, x1, y1) with the parameters as its first arguments, in named_parameters' order
        Func.TensorFn innerLoss = args -> {
            Map<String, Tensor> params = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                params.put(names.get(i), args[i]);
            }
            return Functional.mseLoss(Stateless.functionalCall(fnet, params, args[names.size()]),
                    args[names.size() + 1]);
        };
        int[] paramArgnums = java.util.stream.IntStream.range(0, names.size()).toArray();
        Func.TensorFn getLossForTask = task -> {
            Tensor[] innerArgs = new Tensor[names.size() + 2];
            for (int i = 0; i < names.size(); i++) {
                innerArgs[i] = fparams.get(names.get(i));
            }
            innerArgs[names.size()] = task[0];
            innerArgs[names.size() + 1] = task[1];
            Tensor[] grads = Func.grad(innerLoss, paramArgnums).apply(innerArgs);
            Map<String, Tensor> newParams = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                newParams.put(names.get(i), fparams.get(names.get(i)).sub(grads[i].mul(INNER_LR)));
            }
            return Functional.mseLoss(Stateless.functionalCall(fnet, newParams, task[2]), task[3]);
        };
        List<Double> flosses = new ArrayList<>();
        for (int step = 0; step < META_STEPS; step++) {
            Tensor taskLosses = Func.vmap(getLossForTask).apply(xs.select(0, step), ys.select(0, step),
                    xq.select(0, step), yq.select(0, step));
            Tensor loss2 = taskLosses.select(0, 0).add(taskLosses.select(0, 1)).div(taskLosses.size(0));
            fopt.zeroGrad();
            loss2.backward();
            if (step == 0) {
                same(e("maml.func.task_losses0"), taskLosses, "vmapped task losses");
                PT.assertNamed("maml.func.grad0.", fnet, true, 1, "torch.func MAML meta-gradient");
            }
            fopt.step();
            flosses.add(loss2.item());
        }
        close(e("maml.func.loss"), values(flosses, F64), "torch.func MAML losses", 10);
        PT.assertNamed("maml.func.final.", fnet, false, 1, "torch.func MAML parameters");

        // Reptile: SGD through the parameters' data on one task, then the weights interpolated and loaded back
        int reptileInner = 3;
        double reptileLr = 0.02;
        double reptileOuter0 = 0.1;
        Sequential rep = PT.loaded(sineMlp(), "maml.init.", F64);
        List<Double> repLosses = new ArrayList<>();
        for (int it = 0; it < META_STEPS; it++) {
            Map<String, Tensor> weightsBefore = new LinkedHashMap<>();
            rep.stateDict().forEach((k, v) -> weightsBefore.put(k, v.clone()));
            for (int k = 0; k < reptileInner; k++) {
                rep.zeroGrad();
                Tensor ypred = rep.apply(at(e("maml.xs"), it, 0));
                Tensor loss = ypred.sub(at(e("maml.ys"), it, 0)).pow(2).mean();
                loss.backward();
                for (Tensor param : rep.parameters()) {
                    param.data().sub_(param.grad().data().mul(reptileLr));
                }
                repLosses.add(loss.item());
            }
            double outerstepsize = reptileOuter0 * (1 - it / (double) META_STEPS);
            Map<String, Tensor> weightsAfter = rep.stateDict();
            Map<String, Tensor> interpolated = new LinkedHashMap<>();
            for (String name : weightsBefore.keySet()) {
                interpolated.put(name, weightsBefore.get(name)
                        .add(weightsAfter.get(name).sub(weightsBefore.get(name)).mul(outerstepsize)));
            }
            rep.loadStateDict(interpolated);
        }
        close(e("maml.reptile.loss"), values(repLosses, F64), "Reptile inner losses", 10);
        PT.assertNamed("maml.reptile.final.", rep, false, 1, "Reptile parameters");
    }

    /** MAML-Pytorch's Learner config: name, then conv2d [out, in, k, k, stride, padding], bn [c], linear [out, in]. */
    static final Object[][] LEARNER_CONFIG = {
        {"conv2d", new int[] {4, 1, 3, 3, 2, 0}}, {"relu", new int[] {1}}, {"bn", new int[] {4}},
        {"conv2d", new int[] {4, 4, 3, 3, 1, 0}}, {"relu", new int[] {1}}, {"bn", new int[] {4}},
        {"flatten", new int[0]}, {"linear", new int[] {3, 4}}};

    /** MAML-Pytorch's Learner.forward: the net run functionally over {@code vars}, batch norm in training mode. */
    static Tensor learnerConvForward(Tensor x, List<Tensor> vars, List<Tensor> varsBn) {
        int idx = 0;
        int bnIdx = 0;
        for (Object[] layer : LEARNER_CONFIG) {
            int[] param = (int[]) layer[1];
            switch ((String) layer[0]) {
                case "conv2d" -> {
                    x = Functional.conv2d(x, vars.get(idx), vars.get(idx + 1), new int[] {param[4], param[4]},
                            new int[] {param[5], param[5]}, new int[] {1, 1}, 1);
                    idx += 2;
                }
                case "linear" -> {
                    x = Functional.linear(x, vars.get(idx), vars.get(idx + 1));
                    idx += 2;
                }
                case "bn" -> {
                    x = Functional.batchNorm(x, varsBn.get(bnIdx), varsBn.get(bnIdx + 1), vars.get(idx),
                            vars.get(idx + 1), true, 0.1, 1e-5);
                    idx += 2;
                    bnIdx += 2;
                }
                case "flatten" -> x = x.view(x.size(0), -1);
                case "relu" -> x = Functional.relu(x, param[0] == 1);
                default -> throw new IllegalStateException(String.valueOf(layer[0]));
            }
        }
        return x;
    }

    private static Tensor flat(List<Tensor> ts) {
        List<Tensor> parts = new ArrayList<>();
        for (Tensor t : ts) {
            parts.add(t.detach().reshape(-1));
        }
        return Tensor.cat(parts, 0);
    }

    @Test
    void mamlPytorchConvLearnerSecondOrderThroughBatchNorm() {
        int[][] shapes = {{4, 1, 3, 3}, {4}, {4}, {4}, {4, 4, 3, 3}, {4}, {4}, {4}, {3, 4}, {3}};
        Tensor init = e("maml.conv.init.vars");
        List<Tensor> vars = new ArrayList<>();
        int off = 0;
        for (int[] shape : shapes) {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            vars.add(init.narrow(0, off, n).reshape(shape).clone().requiresGrad_(true));
            off += n;
        }
        assertEquals(init.size(0), off, "the Learner's parameter count");
        List<Tensor> varsBn = List.of(Tensor.zeros(F64, 4), Tensor.ones(F64, 4), Tensor.zeros(F64, 4),
                Tensor.ones(F64, 4));
        Tensor xSpt = e("maml.conv.x_spt");
        Tensor ySpt = e("maml.conv.y_spt");
        Tensor xQry = e("maml.conv.x_qry");
        Tensor yQry = e("maml.conv.y_qry");
        double updateLr = 0.4;
        int updateStep = 2;
        int tasks = 2;
        Adam metaOptim = new Adam(vars, 0.01);
        List<Double> losses = new ArrayList<>();
        List<Double> allLossesQ = new ArrayList<>();
        for (int step = 0; step < 2; step++) {
            Tensor[] lossesQ = new Tensor[updateStep + 1];
            for (int i = 0; i < tasks; i++) {
                Tensor logits = learnerConvForward(at(xSpt, step, i), vars, varsBn);
                Tensor loss = Functional.crossEntropy(logits, at(ySpt, step, i));
                List<Tensor> grad = Autograd.grad(List.of(loss), vars, null, true, true, false);
                List<Tensor> fastWeights = new ArrayList<>();
                for (int j = 0; j < vars.size(); j++) {
                    fastWeights.add(vars.get(j).sub(grad.get(j).mul(updateLr)));
                }
                try (GradMode off0 = Ember.noGrad()) {
                    Tensor lq = Functional.crossEntropy(learnerConvForward(at(xQry, step, i), vars, varsBn),
                            at(yQry, step, i));
                    lossesQ[0] = lossesQ[0] == null ? lq : lossesQ[0].add(lq);
                }
                try (GradMode off1 = Ember.noGrad()) {
                    Tensor lq = Functional.crossEntropy(learnerConvForward(at(xQry, step, i), fastWeights, varsBn),
                            at(yQry, step, i));
                    lossesQ[1] = lossesQ[1] == null ? lq : lossesQ[1].add(lq);
                }
                for (int k = 1; k < updateStep; k++) {
                    logits = learnerConvForward(at(xSpt, step, i), fastWeights, varsBn);
                    loss = Functional.crossEntropy(logits, at(ySpt, step, i));
                    grad = Autograd.grad(List.of(loss), fastWeights, null, true, true, false);
                    List<Tensor> next = new ArrayList<>();
                    for (int j = 0; j < fastWeights.size(); j++) {
                        next.add(fastWeights.get(j).sub(grad.get(j).mul(updateLr)));
                    }
                    fastWeights = next;
                    Tensor lq = Functional.crossEntropy(learnerConvForward(at(xQry, step, i), fastWeights, varsBn),
                            at(yQry, step, i));
                    lossesQ[k + 1] = lossesQ[k + 1] == null ? lq : lossesQ[k + 1].add(lq);
                }
            }
            Tensor lossQ = lossesQ[updateStep].div(tasks);
            metaOptim.zeroGrad();
            lossQ.backward();
            if (step == 0) {
                List<Tensor> grads = new ArrayList<>();
                for (Tensor v : vars) {
                    grads.add(v.grad());
                }
                same(e("maml.conv.grad0"), flat(grads), "second-order meta-gradient through conv2d and batch_norm");
            }
            metaOptim.step();
            losses.add(lossQ.item());
            for (Tensor l : lossesQ) {
                allLossesQ.add(l.item());
            }
        }
        close(e("maml.conv.loss"), values(losses, F64), "conv MAML meta-losses", 10);
        close(e("maml.conv.losses_q"), values(allLossesQ, F64).view(2, updateStep + 1), "losses_q", 10);
        same(e("maml.conv.final.vars"), flat(vars), "conv Learner parameters after 2 meta-steps");
        same(e("maml.conv.final.vars_bn"), flat(varsBn), "running statistics of every forward");
    }

    @Test
    void functorchMamlOmniglotWithBatchNormReplaced() {
        Sequential net = PT.loaded(new Sequential(new Conv2d(1, 4, 3), new BatchNorm2d(4, 1e-5, 1.0, true, true),
                new ReLU(true), new MaxPool2d(2, 2), new Conv2d(4, 4, 3), new BatchNorm2d(4, 1e-5, 1.0, true, true),
                new ReLU(true), new Flatten(), new Linear(4, 3)), "maml.bn.init.", F64);
        Func.replaceAllBatchNormModules_(net);
        assertTrue(net.namedBuffers().isEmpty(), "no running statistics left to change inside the transforms");
        Map<String, Tensor> params = net.namedParameters();
        List<String> names = new ArrayList<>(params.keySet());
        int np = names.size();
        Adam metaOpt = new Adam(new ArrayList<>(params.values()), 1e-2);
        // compute_loss(new_params, buffers, x, y): functional_call with the parameters and the (empty) buffers
        Func.TensorFn computeLoss = args -> {
            Map<String, Tensor> newParams = new LinkedHashMap<>();
            for (int i = 0; i < np; i++) {
                newParams.put(names.get(i), args[i]);
            }
            Tensor logits = Stateless.functionalCall(net, List.of(newParams, net.namedBuffers()), args[np]);
            return Functional.crossEntropy(logits, args[np + 1]);
        };
        int[] argnums = java.util.stream.IntStream.range(0, np).toArray();
        // loss_for_task(net, n_inner_iter, x_spt, y_spt, x_qry, y_qry): the query loss and accuracy
        Func.TensorsFn lossForTask = t -> {
            Tensor[] newParams = new Tensor[np];
            for (int i = 0; i < np; i++) {
                newParams[i] = params.get(names.get(i));
            }
            int querysz = t[2].size(0);
            for (int k = 0; k < 2; k++) {
                Tensor[] args = java.util.Arrays.copyOf(newParams, np + 2);
                args[np] = t[0];
                args[np + 1] = t[1];
                Tensor[] grads = Func.grad(computeLoss, argnums).apply(args);
                for (int i = 0; i < np; i++) {
                    newParams[i] = newParams[i].sub(grads[i].mul(1e-1));
                }
            }
            Map<String, Tensor> adapted = new LinkedHashMap<>();
            for (int i = 0; i < np; i++) {
                adapted.put(names.get(i), newParams[i]);
            }
            Tensor qryLogits = Stateless.functionalCall(net, List.of(adapted, net.namedBuffers()), t[2]);
            Tensor qryLoss = Functional.crossEntropy(qryLogits, t[3]);
            // (qry_logits.argmax(dim=1) == y_qry).sum() / querysz: true division, of the default type
            Tensor qryAcc = qryLogits.argmax(1).eq(t[3]).sum().to(F64).div(querysz);
            return new Tensor[] {qryLoss, qryAcc};
        };
        Tensor xSpt = e("maml.conv.x_spt");
        Tensor ySpt = e("maml.conv.y_spt");
        Tensor xQry = e("maml.conv.x_qry");
        Tensor yQry = e("maml.conv.y_qry");
        List<Tensor> losses = new ArrayList<>();
        List<Tensor> accs = new ArrayList<>();
        for (int step = 0; step < 2; step++) {
            metaOpt.zeroGrad();
            Tensor[] out = Func.vmapMulti(lossForTask, new Integer[] {0, 0, 0, 0}, new int[] {0, 0},
                    Func.Randomness.ERROR).apply(xSpt.select(0, step), ySpt.select(0, step), xQry.select(0, step),
                    yQry.select(0, step));
            out[0].sum().backward();
            if (step == 0) {
                PT.assertNamed("maml.bn.grad0.", net, true, 1, "functorch MAML meta-gradient");
            }
            metaOpt.step();
            losses.add(out[0].detach());
            accs.add(out[1]);
        }
        same(e("maml.bn.qry_losses"), Tensor.stack(losses, 0), "query losses");
        same(e("maml.bn.qry_accs"), Tensor.stack(accs, 0), "query accuracies");
        // Entries whose first meta-gradient is zero but for rounding (PyTorch's below 1e-14): the convolutions' biases
        // before the batch norms, and a batch norm channel the ReLU after it shuts off in the first step. Adam turns
        // that noise into a first step of at most lr * |g| / eps, so those entries carry noise in both programs: each
        // is allowed an absolute 2 * lr * 1e-14 / 1e-8 (Ember's and PyTorch's differ by up to 5.3e-10). That noise
        // feeds the second step's forward, so every other entry is held to 10 times the base tolerance (Ember's worst
        // measured 1.23 times it, the next 0.5)
        Map<String, Tensor> named = net.namedParameters();
        for (Map.Entry<String, Tensor> p : named.entrySet()) {
            double[] want = e("maml.bn.final." + p.getKey()).toDoubleArray();
            double[] got = p.getValue().detach().toDoubleArray();
            double[] g0 = e("maml.bn.grad0." + p.getKey()).toDoubleArray();
            double scale = 0;
            for (double v : want) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < want.length; i++) {
                double tol = Math.abs(g0[i]) < 1e-14 ? 2 * 1e-2 * 1e-14 / 1e-8
                        : 10 * (1e-12 * Math.max(Math.abs(want[i]), scale) + 1e-15);
                assertEquals(want[i], got[i], tol, "functorch MAML parameter " + p.getKey() + "[" + i + "]");
            }
        }
        assertEquals(PT.under("maml.bn.final.").size(), named.size(), "functorch MAML parameter names");
    }

    // ------------------------------------------------------------------ 2. TabNet's sparsemax and entmax15

    /** _make_ix_like: 1..d along {@code dim}, broadcastable against the input. */
    static Tensor makeIxLike(Tensor input, int dim) {
        int d = input.size(dim);
        Tensor rho = Tensor.arange(1, d + 1).to(input.dtype());
        int[] view = new int[input.dim()];
        java.util.Arrays.fill(view, 1);
        view[0] = -1;
        return rho.view(view).transpose(0, dim);
    }

    /** pytorch_tabnet's SparsemaxFunction, its forward's in-place shift of the input kept. */
    static final class SparsemaxFunction extends AutogradFunction {
        final int dim;

        SparsemaxFunction(int dim) {
            this.dim = dim;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... inputs) {
            Tensor input = inputs[0];
            Tensor maxVal = input.max(dim, true).values();
            input.sub_(maxVal); // same numerical stability trick as for softmax
            Tensor[] ts = thresholdAndSupport(input, dim);
            Tensor output = input.sub(ts[0]).clampMin(0.0);
            ctx.saveForBackward(ts[1], output);
            return new Tensor[] {output};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... gradOutputs) {
            Tensor suppSize = ctx.savedTensors()[0];
            Tensor output = ctx.savedTensors()[1];
            Tensor gradInput = gradOutputs[0].clone();
            gradInput.indexPut_(new Index[] {Index.of(output.eq(0))}, 0.0, false);
            Tensor vHat = gradInput.sum(dim).div(suppSize.to(output.dtype()).squeeze());
            vHat = vHat.unsqueeze(dim);
            gradInput = Tensor.where(output.ne(0), gradInput.sub(vHat), gradInput);
            return new Tensor[] {gradInput};
        }

        static Tensor[] thresholdAndSupport(Tensor input, int dim) {
            Tensor inputSrt = input.sort(dim, true).values();
            Tensor inputCumsum = inputSrt.cumsum(dim).sub(1);
            Tensor rhos = makeIxLike(input, dim);
            Tensor support = rhos.mul(inputSrt).gt(inputCumsum);
            Tensor supportSize = support.sum(dim).unsqueeze(dim);
            Tensor tau = inputCumsum.gather(dim, supportSize.sub(1));
            tau.div_(supportSize.to(input.dtype()));
            return new Tensor[] {tau, supportSize};
        }
    }

    /** pytorch_tabnet's Entmax15Function. */
    static final class Entmax15Function extends AutogradFunction {
        final int dim;

        Entmax15Function(int dim) {
            this.dim = dim;
        }

        @Override
        protected Tensor[] forward(Context ctx, Tensor... inputs) {
            Tensor input = inputs[0];
            Tensor maxVal = input.max(dim, true).values();
            input = input.sub(maxVal); // same numerical stability trick as for softmax
            input = input.div(2); // divide by 2 to solve actual Entmax
            Tensor tauStar = thresholdAndSupport(input, dim)[0];
            Tensor output = input.sub(tauStar).clampMin(0.0).pow(2);
            ctx.saveForBackward(output);
            return new Tensor[] {output};
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor... gradOutputs) {
            Tensor y = ctx.savedTensors()[0];
            Tensor gppr = y.sqrt(); // = 1 / g'' (Y)
            Tensor dX = gradOutputs[0].mul(gppr);
            Tensor q = dX.sum(dim).div(gppr.sum(dim));
            q = q.unsqueeze(dim);
            dX.sub_(q.mul(gppr));
            return new Tensor[] {dX};
        }

        static Tensor[] thresholdAndSupport(Tensor input, int dim) {
            Tensor xsrt = input.sort(dim, true).values();
            Tensor rho = makeIxLike(input, dim);
            Tensor mean = xsrt.cumsum(dim).div(rho);
            Tensor meanSq = xsrt.pow(2).cumsum(dim).div(rho);
            Tensor ss = rho.mul(meanSq.sub(mean.pow(2)));
            Tensor delta = ss.rsub(1).div(rho);
            Tensor deltaNz = delta.clampMin(0.0);
            Tensor tau = mean.sub(deltaNz.sqrt());
            Tensor supportSize = tau.le(xsrt).sum(dim).unsqueeze(dim);
            Tensor tauStar = tau.gather(dim, supportSize.sub(1));
            return new Tensor[] {tauStar, supportSize};
        }
    }

    static AutogradFunction selector(String maskType) {
        return maskType.equals("sparsemax") ? new SparsemaxFunction(-1) : new Entmax15Function(-1);
    }

    /** Ghost batch norm: one BatchNorm1d over each virtual batch. */
    static final class Gbn extends Module {
        final int virtualBatchSize;
        final BatchNorm1d bn;

        Gbn(int inputDim, int virtualBatchSize, double momentum) {
            this.virtualBatchSize = virtualBatchSize;
            bn = registerModule("bn", new BatchNorm1d(inputDim, 1e-5, momentum, true, true));
        }

        @Override
        public Tensor forward(Tensor x) {
            List<Tensor> chunks = x.chunk((int) Math.ceil(x.size(0) / (double) virtualBatchSize), 0);
            List<Tensor> res = new ArrayList<>();
            for (Tensor c : chunks) {
                res.add(bn.apply(c));
            }
            return Tensor.cat(res, 0);
        }
    }

    static final class GluBlock extends Module {
        final int outputDim;
        final Linear fc;
        final Gbn bn;

        GluBlock(int inputDim, int outputDim, int vbs) {
            this.outputDim = outputDim;
            fc = registerModule("fc", new Linear(inputDim, 2 * outputDim, false));
            bn = registerModule("bn", new Gbn(2 * outputDim, vbs, 0.02));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = fc.apply(x);
            x = bn.apply(x);
            return x.narrow(1, 0, outputDim).mul(Functional.sigmoid(x.narrow(1, outputDim, x.size(1) - outputDim)));
        }
    }

    static final class AttentiveTransformer extends Container {
        final Linear fc;
        final Gbn bn;
        final String maskType;

        AttentiveTransformer(int inputDim, int groupDim, int vbs, String maskType) {
            fc = registerModule("fc", new Linear(inputDim, groupDim, false));
            bn = registerModule("bn", new Gbn(groupDim, vbs, 0.02));
            this.maskType = maskType;
        }

        Tensor forward(Tensor priors, Tensor processedFeat) {
            Tensor x = fc.apply(processedFeat);
            x = bn.apply(x);
            x = x.mul(priors);
            return selector(maskType).apply(x);
        }
    }

    static final int N_FEAT = 6;
    static final int N_D = 4;
    static final int N_A = 4;
    static final int N_STEPS = 2;
    static final double GAMMA_T = 1.3;
    static final int VBS = 4;
    static final double EPS = 1e-15;

    static final class TabNetEncoder extends Container {
        final BatchNorm1d initialBn = registerModule("initial_bn", new BatchNorm1d(N_FEAT, 1e-5, 0.01, true, true));
        final GluBlock initialSplitter = registerModule("initial_splitter", new GluBlock(N_FEAT, N_D + N_A, VBS));
        final ModuleList<GluBlock> featTransformers = registerModule("feat_transformers", new ModuleList<>());
        final ModuleList<AttentiveTransformer> attTransformers = registerModule("att_transformers",
                new ModuleList<>());
        final Linear finalMapping;

        TabNetEncoder(String maskType) {
            for (int i = 0; i < N_STEPS; i++) {
                featTransformers.add(new GluBlock(N_FEAT, N_D + N_A, VBS));
            }
            for (int i = 0; i < N_STEPS; i++) {
                attTransformers.add(new AttentiveTransformer(N_A, N_FEAT, VBS, maskType));
            }
            finalMapping = registerModule("final_mapping", new Linear(N_D, 3, false));
        }

        Tensor[] encode(Tensor x) {
            x = initialBn.apply(x);
            Tensor prior = Tensor.ones(F64, x.shape());
            Tensor mLoss = null;
            Tensor att = initialSplitter.apply(x).narrow(1, N_D, N_A);
            List<Tensor> stepsOutput = new ArrayList<>();
            for (int step = 0; step < N_STEPS; step++) {
                Tensor m = attTransformers.get(step).forward(prior, att);
                Tensor term = m.mul(m.add(EPS).log()).sum(1).mean();
                mLoss = mLoss == null ? term : mLoss.add(term);
                prior = m.rsub(GAMMA_T).mul(prior);
                Tensor maskedX = m.mul(x);
                Tensor out = featTransformers.get(step).apply(maskedX);
                Tensor d = Functional.relu(out.narrow(1, 0, N_D));
                stepsOutput.add(d);
                att = out.narrow(1, N_D, out.size(1) - N_D);
            }
            mLoss = mLoss.div(N_STEPS);
            Tensor res = Tensor.stack(stepsOutput, 0).sum(0);
            return new Tensor[] {finalMapping.apply(res), mLoss};
        }
    }

    @Test
    void tabnetSparsemaxAndEntmax15AsAutogradFunctions() {
        Tensor x = e("tabnet.fn.x");
        Tensor g = e("tabnet.fn.g");
        for (String name : List.of("sparsemax", "entmax15")) {
            Tensor leaf = x.clone().requiresGrad_(true);
            Tensor tmp = leaf.mul(1.0);
            Tensor y = selector(name).apply(tmp);
            y.backward(g);
            same(e("tabnet.fn." + name + ".y"), y, name + " output");
            same(e("tabnet.fn." + name + ".dx"), leaf.grad(), name + " input gradient");
            // sparsemax's forward shifts its input by the row maxima in place; entmax15's leaves it
            same(e("tabnet.fn." + name + ".tmp_after"), tmp, name + " input after the call");
        }

        // along dimensions 0 and 1 of a 3-d input
        Tensor x3 = e("tabnet.fn3.x");
        Tensor g3 = e("tabnet.fn3.g");
        for (String name : List.of("sparsemax", "entmax15")) {
            for (int dim = 0; dim < 2; dim++) {
                Tensor leaf = x3.clone().requiresGrad_(true);
                AutogradFunction fn = name.equals("sparsemax") ? new SparsemaxFunction(dim) : new Entmax15Function(dim);
                Tensor y = fn.apply(leaf.mul(1.0));
                y.backward(g3);
                String key = "tabnet.fn3." + name + ".dim" + dim;
                same(e(key + ".y"), y, key + " output");
                same(e(key + ".dx"), leaf.grad(), key + " input gradient");
            }
        }

        // a Hessian-vector product through Entmax15Function's backward (its saved output carries the function's
        // history)
        Tensor hx = x3.select(1, 0).mul(0.1).requiresGrad_(true);
        Tensor hy = new Entmax15Function(-1).apply(hx.mul(1.0));
        Tensor hg = Autograd.grad(List.of(hy.mul(g3.select(1, 0)).sum()), List.of(hx), null, true, true, false).get(0);
        hg.mul(g3.select(1, 1)).sum().backward();
        same(e("tabnet.hvp.g"), hg, "entmax15 gradient under create_graph");
        same(e("tabnet.hvp.dx"), hx.grad(), "entmax15 Hessian-vector product");

        // sparsemax's in-place shift: on a leaf that requires grad (the forward runs without grad, so it is allowed),
        // on a view (its base changes), on a tensor exp saved (the backward refuses, in PyTorch's words)
        Tensor sl = x.clone().requiresGrad_(true);
        Tensor sy = new SparsemaxFunction(-1).apply(sl);
        sy.backward(g);
        same(e("tabnet.inplace.leaf_after"), sl, "a leaf shifted by sparsemax's forward");
        same(e("tabnet.inplace.leaf_y"), sy, "sparsemax of a leaf");
        same(e("tabnet.inplace.leaf_dx"), sl.grad(), "the leaf's gradient");
        Tensor base = x.mul(1.0);
        new SparsemaxFunction(-1).apply(base.narrow(1, 1, 3));
        same(e("tabnet.inplace.base_after"), base, "the base of a view shifted by sparsemax's forward");
        Tensor ea = x.clone().requiresGrad_(true);
        Tensor ey = new SparsemaxFunction(-1).apply(ea.exp());
        IllegalStateException ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ey.backward(g));
        assertEquals(text("sparsemax.saved_by_exp"), ex.getMessage(), "a tensor saved by exp, shifted in place");
        assertTrue(ea.grad() == null, "no gradient reached the input");

        Tensor tx = e("tabnet.x");
        Tensor ty = e("tabnet.y");
        for (String maskType : List.of("sparsemax", "entmax15")) {
            String pre = "tabnet." + maskType + ".";
            TabNetEncoder enc = PT.loaded(new TabNetEncoder(maskType), pre + "init.", F64);
            Adam opt = new Adam(enc.parameters(), 0.02);
            new OutsiderTraining(PT, pre, enc, opt, 3, step -> {
                Tensor[] lm = enc.encode(tx.select(0, step));
                Tensor loss = Functional.crossEntropy(lm[0], ty.select(0, step)).sub(lm[1].mul(1e-3));
                return new Object[] {lm, loss};
            }).first(o -> {
                Tensor[] lm = (Tensor[]) o;
                same(e(pre + "logits0"), lm[0], maskType + " logits");
                same(e(pre + "mloss0"), lm[1], maskType + " M_loss");
            }).run();
            assertBuffers(pre + "buffers.", enc, maskType + " running statistics");
            enc.eval();
            try (GradMode off = Ember.noGrad()) {
                same(e(pre + "eval"), enc.encode(tx.select(0, 0))[0], maskType + " eval forward (running statistics)");
            }
        }
    }

    // ------------------------------------------------------------------ 3. torchaudio's Conformer

    static Tensor lengthsToPaddingMask(Tensor lengths) {
        int batchSize = lengths.size(0);
        int maxLength = (int) lengths.max().item();
        return Tensor.arange(maxLength).to(lengths.dtype()).expand(batchSize, maxLength).ge(lengths.unsqueeze(1));
    }

    static final class ConvolutionModule extends Module {
        final LayerNorm layerNorm;
        final Sequential sequential;

        ConvolutionModule(int inputDim, int numChannels, int kernel) {
            layerNorm = registerModule("layer_norm", new LayerNorm(inputDim));
            sequential = registerModule("sequential", new Sequential(
                    new Conv1d(inputDim, 2 * numChannels, 1, 1, 0, false),
                    new GLU(1),
                    new Conv1d(numChannels, numChannels, kernel, 1, (kernel - 1) / 2, 1, numChannels, false),
                    new BatchNorm1d(numChannels),
                    new SiLU(),
                    new Conv1d(numChannels, inputDim, 1, 1, 0, false),
                    new Dropout(0.0)));
        }

        @Override
        public Tensor forward(Tensor input) {
            Tensor x = layerNorm.apply(input);
            x = x.transpose(1, 2);
            x = sequential.apply(x);
            return x.transpose(1, 2);
        }
    }

    static Sequential feedForward(int inputDim, int hiddenDim) {
        return new Sequential(new LayerNorm(inputDim), new Linear(inputDim, hiddenDim, true), new SiLU(),
                new Dropout(0.0), new Linear(hiddenDim, inputDim, true), new Dropout(0.0));
    }

    /** A module holding one Sequential as {@code sequential}, as torchaudio's _FeedForwardModule. */
    static final class FeedForwardModule extends Module {
        final Sequential sequential;

        FeedForwardModule(int inputDim, int hiddenDim) {
            sequential = registerModule("sequential", feedForward(inputDim, hiddenDim));
        }

        @Override
        public Tensor forward(Tensor input) {
            return sequential.apply(input);
        }
    }

    static final class ConformerLayer extends Container {
        final FeedForwardModule ffn1;
        final LayerNorm selfAttnLayerNorm;
        final MultiheadAttention selfAttn;
        final Dropout selfAttnDropout;
        final ConvolutionModule convModule;
        final FeedForwardModule ffn2;
        final LayerNorm finalLayerNorm;

        ConformerLayer(int inputDim, int ffnDim, int heads, int kernel) {
            ffn1 = registerModule("ffn1", new FeedForwardModule(inputDim, ffnDim));
            selfAttnLayerNorm = registerModule("self_attn_layer_norm", new LayerNorm(inputDim));
            selfAttn = registerModule("self_attn", new MultiheadAttention(inputDim, heads));
            selfAttnDropout = registerModule("self_attn_dropout", new Dropout(0.0));
            convModule = registerModule("conv_module", new ConvolutionModule(inputDim, inputDim, kernel));
            ffn2 = registerModule("ffn2", new FeedForwardModule(inputDim, ffnDim));
            finalLayerNorm = registerModule("final_layer_norm", new LayerNorm(inputDim));
        }

        Tensor applyConvolution(Tensor input) {
            Tensor residual = input;
            input = input.transpose(0, 1);
            input = convModule.apply(input);
            input = input.transpose(0, 1);
            return residual.add(input);
        }

        Tensor forward(Tensor input, Tensor keyPaddingMask) {
            Tensor residual = input;
            Tensor x = ffn1.apply(input);
            x = x.mul(0.5).add(residual);
            residual = x;
            x = selfAttnLayerNorm.apply(x);
            x = selfAttn.forward(x, x, x, keyPaddingMask, false, null, true, false).output();
            x = selfAttnDropout.apply(x);
            x = x.add(residual);
            x = applyConvolution(x);
            residual = x;
            x = ffn2.apply(x);
            x = x.mul(0.5).add(residual);
            return finalLayerNorm.apply(x);
        }
    }

    /** torchaudio's Conformer: the layers over the time-first input with the padding mask of the lengths. */
    static final class Conformer extends Container {
        final ModuleList<ConformerLayer> conformerLayers = registerModule("conformer_layers", new ModuleList<>());

        Conformer(int inputDim, int numHeads, int ffnDim, int numLayers, int kernel) {
            for (int i = 0; i < numLayers; i++) {
                conformerLayers.add(new ConformerLayer(inputDim, ffnDim, numHeads, kernel));
            }
        }

        Tensor forward(Tensor input, Tensor lengths) {
            Tensor encoderPaddingMask = lengthsToPaddingMask(lengths);
            Tensor x = input.transpose(0, 1);
            for (ConformerLayer layer : conformerLayers) {
                x = layer.forward(x, encoderPaddingMask);
            }
            return x.transpose(0, 1);
        }
    }

    static final class ConformerClassifier extends Container {
        final Conformer conformer = registerModule("conformer", new Conformer(8, 2, 16, 1, 3));
        final Linear head = registerModule("head", new Linear(8, 5));

        Tensor forward(Tensor input, Tensor lengths) {
            return head.apply(conformer.forward(input, lengths));
        }
    }

    @Test
    void conformerBlocksTrainedWithPaddingMask() {
        Tensor x = e("conf.x");
        Tensor len = e("conf.len");
        Tensor y = e("conf.y");
        assertArrayEquals(e("conf.mask").toBooleanArray(), lengthsToPaddingMask(len).toBooleanArray(), "padding mask");
        ConformerClassifier cm = PT.loaded(new ConformerClassifier(), "conf.init.", F64);
        Adam opt = new Adam(cm.parameters(), 0.01);
        new OutsiderTraining(PT, "conf.", cm, opt, 3, step -> {
            Tensor logits = cm.forward(x.select(0, step), len);
            Tensor loss = Functional.crossEntropy(logits.reshape(-1, 5), y.select(0, step).reshape(-1), -100);
            return new Object[] {logits, loss};
        }).first(o -> same(e("conf.logits0"), (Tensor) o, "Conformer logits")).checkFinal(false).run();
        // the attention's key bias gets a gradient that is zero but for rounding (softmax is invariant to a constant
        // added to every score): Adam turns that noise (|g| ~ 1e-17, sqrt(v) below eps 1e-8) into steps of at most
        // lr * |g| / eps ~ 1e-11, so those entries are held to an absolute 1e-10 and every other entry as usual
        Map<String, Tensor> named = cm.namedParameters();
        for (Map.Entry<String, Tensor> p : named.entrySet()) {
            Tensor want = e("conf.final." + p.getKey());
            if (p.getKey().endsWith("self_attn.in_proj_bias")) {
                same(want.narrow(0, 0, 8), p.getValue().narrow(0, 0, 8), p.getKey() + " (query)");
                same(want.narrow(0, 16, 8), p.getValue().narrow(0, 16, 8), p.getKey() + " (value)");
                double worst = want.narrow(0, 8, 8).sub(p.getValue().detach().narrow(0, 8, 8)).abs().max().item();
                assertTrue(worst < 1e-10, p.getKey() + " (key): " + worst);
            } else {
                same(want, p.getValue(), "Conformer parameter " + p.getKey() + " after 3 steps");
            }
        }
        assertEquals(PT.under("conf.final.").size(), named.size(), "Conformer parameter names");
        assertBuffers("conf.buffers.", cm, "Conformer running statistics");
        cm.eval();
        try (GradMode off = Ember.noGrad()) {
            same(e("conf.eval"), cm.forward(x.select(0, 0), len), "Conformer eval forward");
        }

        // the first forward and backward again in float32 from the same weights
        ConformerClassifier cm32 = PT.loaded(new ConformerClassifier(), "conf.init.", DType.FLOAT32);
        Tensor logits = cm32.forward(x.select(0, 0).to(DType.FLOAT32), len);
        Tensor loss = Functional.crossEntropy(logits.reshape(-1, 5), y.select(0, 0).reshape(-1), -100);
        loss.backward();
        same(e("conf.f32.loss"), loss, "Conformer float32 loss");
        PT.assertNamed("conf.f32.grad.", cm32, true, 1, "Conformer float32 gradient");
    }

    /** ESPnet's LayerNorm: torch.nn.LayerNorm with eps 1e-12. */
    static LayerNorm espLayerNorm(int nout) {
        return new LayerNorm(new int[] {nout}, 1e-12, true, true);
    }

    static Tensor swish(Tensor x) {
        return x.mul(Functional.sigmoid(x));
    }

    /** ESPnet's RelPositionalEncoding (latest): the table of extend_pe for max_len positions, built once. */
    static final class RelPositionalEncoding {
        final double xscale;
        final Tensor pe;

        RelPositionalEncoding(int dModel, int maxLen) {
            xscale = Math.sqrt(dModel);
            Tensor pePositive = Tensor.zeros(F64, maxLen, dModel);
            Tensor peNegative = Tensor.zeros(F64, maxLen, dModel);
            Tensor position = Tensor.arange(0, maxLen).unsqueeze(1);
            // an int64 arange times a Python float is of the default type: float64 in the program
            Tensor divTerm = Tensor.arange(0, dModel, 2).to(F64).mul(-(Math.log(10000.0) / dModel)).exp();
            Index[] even = {Index.all(), Index.slice(0, null, 2)};
            Index[] odd = {Index.all(), Index.slice(1, null, 2)};
            pePositive.indexPut_(even, position.mul(divTerm).sin(), false);
            pePositive.indexPut_(odd, position.mul(divTerm).cos(), false);
            peNegative.indexPut_(even, position.mul(-1).mul(divTerm).sin(), false);
            peNegative.indexPut_(odd, position.mul(-1).mul(divTerm).cos(), false);
            pePositive = pePositive.flip(0).unsqueeze(0);
            peNegative = peNegative.index(Index.slice(1, null, null)).unsqueeze(0);
            pe = Tensor.cat(List.of(pePositive, peNegative), 1);
        }

        Tensor[] forward(Tensor x) {
            x = x.mul(xscale);
            int half = pe.size(1) / 2;
            Tensor posEmb = pe.index(Index.all(), Index.slice(half - x.size(1) + 1, half + x.size(1), null));
            return new Tensor[] {x, posEmb};
        }
    }

    static final class RelPositionMultiHeadedAttention extends Container {
        final int dK;
        final int h;
        final Linear linearQ;
        final Linear linearK;
        final Linear linearV;
        final Linear linearOut;
        final Linear linearPos;

        RelPositionMultiHeadedAttention(int nHead, int nFeat) {
            dK = nFeat / nHead;
            h = nHead;
            linearQ = registerModule("linear_q", new Linear(nFeat, nFeat));
            linearK = registerModule("linear_k", new Linear(nFeat, nFeat));
            linearV = registerModule("linear_v", new Linear(nFeat, nFeat));
            linearOut = registerModule("linear_out", new Linear(nFeat, nFeat));
            linearPos = registerModule("linear_pos", new Linear(nFeat, nFeat, false));
            registerParameter("pos_bias_u", Tensor.zeros(F64, h, dK));
            registerParameter("pos_bias_v", Tensor.zeros(F64, h, dK));
        }

        Tensor forwardAttention(Tensor value, Tensor scores, Tensor mask) {
            int nBatch = value.size(0);
            mask = mask.unsqueeze(1).eq(0);
            double minValue = -Double.MAX_VALUE; // torch.finfo(float64).min
            scores = scores.maskedFill(mask, minValue);
            Tensor attn = Functional.softmax(scores, -1).maskedFill(mask, 0.0);
            Tensor x = attn.matmul(value);
            x = x.transpose(1, 2).contiguous().view(nBatch, -1, h * dK);
            return linearOut.apply(x);
        }

        static Tensor relShift(Tensor x) {
            int[] size = x.shape();
            Tensor zeroPad = Tensor.zeros(x.dtype(), size[0], size[1], size[2], 1);
            Tensor xPadded = Tensor.cat(List.of(zeroPad, x), -1);
            xPadded = xPadded.view(size[0], size[1], size[3] + 1, size[2]);
            return xPadded.index(Index.all(), Index.all(), Index.slice(1, null, null)).viewAs(x)
                    .index(Index.all(), Index.all(), Index.all(), Index.slice(null, size[3] / 2 + 1, null));
        }

        Tensor forward(Tensor query, Tensor key, Tensor value, Tensor posEmb, Tensor mask) {
            int nBatch = query.size(0);
            Tensor q = linearQ.apply(query).view(nBatch, -1, h, dK).transpose(1, 2);
            Tensor k = linearK.apply(key).view(nBatch, -1, h, dK).transpose(1, 2);
            Tensor v = linearV.apply(value).view(nBatch, -1, h, dK).transpose(1, 2);
            q = q.transpose(1, 2);
            int nBatchPos = posEmb.size(0);
            Tensor p = linearPos.apply(posEmb).view(nBatchPos, -1, h, dK);
            p = p.transpose(1, 2);
            Tensor qWithBiasU = q.add(param("pos_bias_u")).transpose(1, 2);
            Tensor qWithBiasV = q.add(param("pos_bias_v")).transpose(1, 2);
            Tensor matrixAc = qWithBiasU.matmul(k.transpose(-2, -1));
            Tensor matrixBd = qWithBiasV.matmul(p.transpose(-2, -1));
            matrixBd = relShift(matrixBd);
            Tensor scores = matrixAc.add(matrixBd).div(Math.sqrt(dK));
            return forwardAttention(v, scores, mask);
        }
    }

    /** ESPnet's PositionwiseFeedForward with Swish. */
    static final class PositionwiseFeedForward extends Module {
        final Linear w1;
        final Linear w2;

        PositionwiseFeedForward(int idim, int hiddenUnits) {
            w1 = registerModule("w_1", new Linear(idim, hiddenUnits));
            w2 = registerModule("w_2", new Linear(hiddenUnits, idim));
        }

        @Override
        public Tensor forward(Tensor x) {
            return w2.apply(swish(w1.apply(x)));
        }
    }

    /** ESPnet's conformer ConvolutionModule with Swish. */
    static final class EspConvolutionModule extends Module {
        final Conv1d pointwiseConv1;
        final Conv1d depthwiseConv;
        final BatchNorm1d norm;
        final Conv1d pointwiseConv2;

        EspConvolutionModule(int channels, int kernelSize) {
            pointwiseConv1 = registerModule("pointwise_conv1", new Conv1d(channels, 2 * channels, 1, 1, 0, true));
            depthwiseConv = registerModule("depthwise_conv", new Conv1d(channels, channels, kernelSize, 1,
                    (kernelSize - 1) / 2, 1, channels, true));
            norm = registerModule("norm", new BatchNorm1d(channels));
            pointwiseConv2 = registerModule("pointwise_conv2", new Conv1d(channels, channels, 1, 1, 0, true));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = x.transpose(1, 2);
            x = pointwiseConv1.apply(x);
            x = Functional.glu(x, 1);
            x = depthwiseConv.apply(x);
            x = swish(norm.apply(x));
            x = pointwiseConv2.apply(x);
            return x.transpose(1, 2);
        }
    }

    /** ESPnet's conformer EncoderLayer (macaron, normalize_before, no concat_after). */
    static final class EncoderLayer extends Container {
        final RelPositionMultiHeadedAttention selfAttn;
        final PositionwiseFeedForward feedForward;
        final PositionwiseFeedForward feedForwardMacaron;
        final EspConvolutionModule convModule;
        final LayerNorm normFf;
        final LayerNorm normMha;
        final LayerNorm normFfMacaron;
        final LayerNorm normConv;
        final LayerNorm normFinal;
        final double ffScale = 0.5;

        EncoderLayer(int size, int heads, int units, int kernel) {
            selfAttn = registerModule("self_attn", new RelPositionMultiHeadedAttention(heads, size));
            feedForward = registerModule("feed_forward", new PositionwiseFeedForward(size, units));
            feedForwardMacaron = registerModule("feed_forward_macaron", new PositionwiseFeedForward(size, units));
            convModule = registerModule("conv_module", new EspConvolutionModule(size, kernel));
            normFf = registerModule("norm_ff", espLayerNorm(size));
            normMha = registerModule("norm_mha", espLayerNorm(size));
            normFfMacaron = registerModule("norm_ff_macaron", espLayerNorm(size));
            normConv = registerModule("norm_conv", espLayerNorm(size));
            normFinal = registerModule("norm_final", espLayerNorm(size));
        }

        Tensor forward(Tensor x, Tensor posEmb, Tensor mask) {
            Tensor residual = x;
            x = normFfMacaron.apply(x);
            x = residual.add(feedForwardMacaron.apply(x).mul(ffScale));
            residual = x;
            x = normMha.apply(x);
            Tensor xAtt = selfAttn.forward(x, x, x, posEmb, mask);
            x = residual.add(xAtt);
            residual = x;
            x = normConv.apply(x);
            x = residual.add(convModule.apply(x));
            residual = x;
            x = normFf.apply(x);
            x = residual.add(feedForward.apply(x).mul(ffScale));
            return normFinal.apply(x);
        }
    }

    static Tensor makeNonPadMask(long[] lengths) {
        int bs = lengths.length;
        long maxlen = 0;
        for (long l : lengths) {
            maxlen = Math.max(maxlen, l);
        }
        Tensor seqRangeExpand = Tensor.arange(0, maxlen).unsqueeze(0).expand(bs, (int) maxlen);
        Tensor seqLengthExpand = Tensor.tensor(lengths).unsqueeze(-1);
        return seqRangeExpand.ge(seqLengthExpand).logicalNot();
    }

    static final class EspConformer extends Container {
        final Sequential embed = registerModule("embed", new Sequential(new Linear(6, 8), espLayerNorm(8),
                new Dropout(0.0), new ReLU()));
        final RelPositionalEncoding posEnc = new RelPositionalEncoding(8, 5000);
        final ModuleList<EncoderLayer> encoders = registerModule("encoders", new ModuleList<>());
        final LayerNorm afterNorm;
        final Linear head;

        EspConformer() {
            for (int i = 0; i < 1; i++) {
                encoders.add(new EncoderLayer(8, 2, 16, 3));
            }
            afterNorm = registerModule("after_norm", espLayerNorm(8));
            head = registerModule("head", new Linear(8, 5));
        }

        Tensor forward(Tensor xs, Tensor ilens) {
            Tensor masks = makeNonPadMask(ilens.toLongArray()).unsqueeze(-2);
            Tensor[] xp = posEnc.forward(embed.apply(xs));
            Tensor x = xp[0];
            for (EncoderLayer enc : encoders) {
                x = enc.forward(x, xp[1], masks);
            }
            return head.apply(afterNorm.apply(x));
        }
    }

    @Test
    void espnetConformerWithRelativePositionalAttention() {
        Tensor x = e("rel.x");
        Tensor len = e("rel.len");
        Tensor y = e("conf.y");
        EspConformer model = PT.loaded(new EspConformer(), "rel.init.", F64);
        same(e("rel.pe"), model.posEnc.pe.select(0, 0).narrow(0, 4995, 11), "the relative positional table's middle");
        Adam opt = new Adam(model.parameters(), 0.01);
        new OutsiderTraining(PT, "rel.", model, opt, 3, step -> {
            Tensor logits = model.forward(x.select(0, step), len);
            Tensor loss = Functional.crossEntropy(logits.reshape(-1, 5), y.select(0, step).reshape(-1), -100);
            return new Object[] {logits, loss};
        }).first(o -> same(e("rel.logits0"), (Tensor) o, "ESPnet Conformer logits")).checkFinal(false).run();
        // Two kinds of parameters get a gradient that is zero but for rounding (PyTorch's first one below 1e-14
        // everywhere): linear_k's bias (a constant added to a query's every score) and the depthwise conv's bias
        // (removed again by the batch norm after it). Adam turns that noise into steps of at most lr * |g| / eps,
        // so their values after the steps are noise in both programs: held to an absolute 3 * lr * 1e-14 / 1e-8.
        // linear_pos's weight: its last input column meets the table's lowest frequency, cos(k / 1000), nearly the
        // same for every relative position, so its gradient is a difference of nearly equal terms (5.8e-9 against
        // the matrix's 3.4e-3 in PyTorch's first one) that Adam scales up to a full step: held to 30 times the
        // tolerance (Ember's worst measured 6.7 times it). Every other parameter at the base tolerance.
        Map<String, Tensor> named = model.namedParameters();
        for (Map.Entry<String, Tensor> p : named.entrySet()) {
            Tensor want = e("rel.final." + p.getKey());
            String what = "ESPnet Conformer parameter " + p.getKey() + " after 3 steps";
            if (e("rel.grad0." + p.getKey()).abs().max().item() < 1e-14) {
                double worst = want.sub(p.getValue().detach()).abs().max().item();
                assertTrue(worst < 3 * 0.01 * 1e-14 / 1e-8, what + ": " + worst);
            } else if (p.getKey().endsWith("self_attn.linear_pos.weight")) {
                close(want, p.getValue(), what, 30);
            } else {
                same(want, p.getValue(), what);
            }
        }
        assertEquals(PT.under("rel.final.").size(), named.size(), "ESPnet Conformer parameter names");
        // the batch norms' running means hold the depthwise conv's bias (noise, above) in their batch means:
        // held to the same absolute bound; the rest at the base tolerance
        Map<String, Tensor> bufs = model.namedBuffers();
        for (Map.Entry<String, Tensor> buf : bufs.entrySet()) {
            Tensor want = e("rel.buffers." + buf.getKey());
            String what = "ESPnet Conformer running statistic " + buf.getKey();
            if (want.dtype() == DType.INT64) {
                assertArrayEquals(want.toLongArray(), buf.getValue().toLongArray(), what);
            } else if (buf.getKey().endsWith("running_mean")) {
                double worst = want.sub(buf.getValue()).abs().max().item();
                assertTrue(worst < 3 * 0.01 * 1e-14 / 1e-8, what + ": " + worst);
            } else {
                same(want, buf.getValue(), what);
            }
        }
        assertEquals(PT.under("rel.buffers.").size(), bufs.size(), "ESPnet Conformer buffer names");
    }

    // ------------------------------------------------------------------ 4. the DQN tutorial

    static final class Dqn extends Module {
        final Linear layer1;
        final Linear layer2;
        final Linear layer3;

        Dqn(int nObservations, int nActions) {
            layer1 = registerModule("layer1", new Linear(nObservations, 16));
            layer2 = registerModule("layer2", new Linear(16, 16));
            layer3 = registerModule("layer3", new Linear(16, nActions));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = Functional.relu(layer1.apply(x));
            x = Functional.relu(layer2.apply(x));
            return layer3.apply(x);
        }
    }

    /** The tutorial's Transition: next state null for a terminal one. */
    record Transition(Tensor state, Tensor action, Tensor nextState, Tensor reward) {
    }

    @Test
    void dqnTutorialOptimizeModelWithSoftUpdate() {
        int batchSize = 6;
        double gamma = 0.99;
        double tau = 0.005;
        Dqn policyNet = PT.loaded(new Dqn(4, 2), "dqn.init.", F64);
        Dqn targetNet = new Dqn(4, 2);
        targetNet.to(F64);
        targetNet.loadStateDict(policyNet.stateDict());
        AdamW optimizer = new AdamW(policyNet.parameters(), 1e-2, 0.9, 0.999, 1e-8, 0.01, true);
        Tensor states = e("dqn.states");
        Tensor actions = e("dqn.actions");
        Tensor next = e("dqn.next");
        Tensor rewards = e("dqn.rewards");
        Tensor done = e("dqn.done");
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            List<Transition> batch = new ArrayList<>();
            for (int i = 0; i < batchSize; i++) {
                boolean terminal = at(done, step, i).item() != 0;
                batch.add(new Transition(states.select(0, step).narrow(0, i, 1), at(actions, step, i).view(1, 1),
                        terminal ? null : next.select(0, step).narrow(0, i, 1), at(rewards, step, i).view(1)));
            }
            boolean[] nonFinal = new boolean[batchSize];
            List<Tensor> nonFinalNext = new ArrayList<>();
            List<Tensor> stateList = new ArrayList<>();
            List<Tensor> actionList = new ArrayList<>();
            List<Tensor> rewardList = new ArrayList<>();
            for (int i = 0; i < batchSize; i++) {
                Transition tr = batch.get(i);
                nonFinal[i] = tr.nextState() != null;
                if (tr.nextState() != null) {
                    nonFinalNext.add(tr.nextState());
                }
                stateList.add(tr.state());
                actionList.add(tr.action());
                rewardList.add(tr.reward());
            }
            Tensor nonFinalMask = Tensor.tensor(nonFinal);
            Tensor nonFinalNextStates = Tensor.cat(nonFinalNext, 0);
            Tensor stateBatch = Tensor.cat(stateList, 0);
            Tensor actionBatch = Tensor.cat(actionList, 0);
            Tensor rewardBatch = Tensor.cat(rewardList, 0);
            Tensor stateActionValues = policyNet.apply(stateBatch).gather(1, actionBatch);
            Tensor nextStateValues = Tensor.zeros(F64, batchSize);
            try (GradMode off = Ember.noGrad()) {
                nextStateValues.indexPut_(new Index[] {Index.of(nonFinalMask)},
                        targetNet.apply(nonFinalNextStates).max(1).values(), false);
            }
            Tensor expected = nextStateValues.mul(gamma).add(rewardBatch);
            SmoothL1Loss criterion = new SmoothL1Loss();
            Tensor loss = criterion.forward(stateActionValues, expected.unsqueeze(1));
            optimizer.zeroGrad();
            loss.backward();
            if (step == 0) {
                same(e("dqn.sav0"), stateActionValues, "Q(s, a)");
                same(e("dqn.expected0"), expected, "expected Q");
                PT.assertNamed("dqn.grad0.", policyNet, true, 1, "DQN gradient");
            }
            ClipGrad.clipGradValue_(policyNet.parameters(), 100);
            optimizer.step();
            losses.add(loss.item());
            Map<String, Tensor> targetNetStateDict = targetNet.stateDict();
            Map<String, Tensor> policyNetStateDict = policyNet.stateDict();
            for (String key : policyNetStateDict.keySet()) {
                targetNetStateDict.put(key, policyNetStateDict.get(key).mul(tau)
                        .add(targetNetStateDict.get(key).mul(1 - tau)));
            }
            targetNet.loadStateDict(targetNetStateDict);
        }
        close(e("dqn.loss"), values(losses, F64), "DQN losses", 10);
        // the other soft update: lerp_ of each target parameter toward the policy's under no_grad
        Dqn lerpTarget = new Dqn(4, 2);
        lerpTarget.to(F64);
        lerpTarget.loadStateDict(targetNet.stateDict());
        try (GradMode off = Ember.noGrad()) {
            List<Tensor> tps = lerpTarget.parameters();
            List<Tensor> pps = policyNet.parameters();
            for (int i = 0; i < tps.size(); i++) {
                tps.get(i).lerp_(pps.get(i), tau);
            }
        }
        PT.assertNamed("dqn.lerp.", lerpTarget, false, 1, "target net after lerp_");
        PT.assertNamed("dqn.final.", policyNet, false, 1, "policy net");
        PT.assertNamed("dqn.target.", targetNet, false, 1, "target net after the soft updates");
        try (GradMode off = Ember.noGrad()) {
            Tensor action = policyNet.apply(states.select(0, 0).narrow(0, 0, 1)).max(1).indices().view(1, 1);
            assertArrayEquals(e("dqn.action").toLongArray(), action.toLongArray(), "greedy action");
            assertArrayEquals(new int[] {1, 1}, action.shape(), "action shape");
        }
    }

    // ------------------------------------------------------------------ 5. nerf-pytorch

    /** nerf-pytorch's Embedder: the input, then sin and cos of it at log-sampled frequencies. */
    static final class Embedder {
        final Tensor freqBands;
        final int outDim;

        Embedder(int multires) {
            this(multires, F64);
        }

        Embedder(int multires, DType dt) {
            int maxFreq = multires - 1;
            freqBands = Tensor.full(dt, 2.0, multires).pow(Tensor.linspace(0., maxFreq, multires, dt));
            outDim = 3 + 3 * 2 * multires;
        }

        Tensor embed(Tensor inputs) {
            List<Tensor> parts = new ArrayList<>();
            parts.add(inputs);
            for (int i = 0; i < freqBands.size(0); i++) {
                Tensor freq = freqBands.select(0, i);
                parts.add(inputs.mul(freq).sin());
                parts.add(inputs.mul(freq).cos());
            }
            return Tensor.cat(parts, -1);
        }
    }

    static final class NeRF extends Module {
        final int inputCh;
        final int inputChViews;
        final List<Integer> skips;
        final ModuleList<Linear> ptsLinears = registerModule("pts_linears", new ModuleList<>());
        final ModuleList<Linear> viewsLinears = registerModule("views_linears", new ModuleList<>());
        final Linear featureLinear;
        final Linear alphaLinear;
        final Linear rgbLinear;

        NeRF(int depth, int width, int inputCh, int inputChViews, List<Integer> skips) {
            this.inputCh = inputCh;
            this.inputChViews = inputChViews;
            this.skips = skips;
            ptsLinears.add(new Linear(inputCh, width));
            for (int i = 0; i < depth - 1; i++) {
                ptsLinears.add(skips.contains(i) ? new Linear(width + inputCh, width) : new Linear(width, width));
            }
            viewsLinears.add(new Linear(inputChViews + width, width / 2));
            featureLinear = registerModule("feature_linear", new Linear(width, width));
            alphaLinear = registerModule("alpha_linear", new Linear(width, 1));
            rgbLinear = registerModule("rgb_linear", new Linear(width / 2, 3));
        }

        @Override
        public Tensor forward(Tensor x) {
            List<Tensor> split = x.split(new int[] {inputCh, inputChViews}, -1);
            Tensor inputPts = split.get(0);
            Tensor inputViews = split.get(1);
            Tensor h = inputPts;
            for (int i = 0; i < ptsLinears.size(); i++) {
                h = ptsLinears.get(i).apply(h);
                h = Functional.relu(h);
                if (skips.contains(i)) {
                    h = Tensor.cat(List.of(inputPts, h), -1);
                }
            }
            Tensor alpha = alphaLinear.apply(h);
            Tensor feature = featureLinear.apply(h);
            h = Tensor.cat(List.of(feature, inputViews), -1);
            for (int i = 0; i < viewsLinears.size(); i++) {
                h = viewsLinears.get(i).apply(h);
                h = Functional.relu(h);
            }
            Tensor rgb = rgbLinear.apply(h);
            return Tensor.cat(List.of(rgb, alpha), -1);
        }
    }

    static Tensor runNetwork(Tensor inputs, Tensor viewdirs, Module fn, Embedder embed, Embedder embedDirs) {
        Tensor inputsFlat = inputs.reshape(-1, inputs.size(-1));
        Tensor embedded = embed.embed(inputsFlat);
        Tensor inputDirs = viewdirs.unsqueeze(1).expand(inputs.shape());
        Tensor inputDirsFlat = inputDirs.reshape(-1, inputDirs.size(-1));
        embedded = Tensor.cat(List.of(embedded, embedDirs.embed(inputDirsFlat)), -1);
        Tensor outputsFlat = fn.apply(embedded);
        int[] shape = inputs.shape();
        return outputsFlat.reshape(shape[0], shape[1], outputsFlat.size(-1));
    }

    /** raw2outputs with raw_noise_std 0: rgb_map, disp_map, acc_map, weights, depth_map. */
    static Tensor[] raw2outputs(Tensor raw, Tensor zVals, Tensor raysD, boolean whiteBkgd) {
        int n = zVals.size(-1);
        Tensor dists = zVals.narrow(-1, 1, n - 1).sub(zVals.narrow(-1, 0, n - 1));
        dists = Tensor.cat(List.of(dists, Tensor.full(zVals.dtype(), 1e10, 1).expand(dists.narrow(-1, 0, 1).shape())),
                -1);
        dists = dists.mul(raysD.unsqueeze(-2).norm(2, new int[] {-1}, false));
        Tensor rgb = Functional.sigmoid(raw.narrow(-1, 0, 3));
        Tensor alpha = Functional.relu(raw.select(-1, 3)).neg().mul(dists).exp().rsub(1.0);
        Tensor weights = alpha.mul(Tensor.cat(List.of(Tensor.ones(alpha.dtype(), alpha.size(0), 1),
                alpha.rsub(1.0).add(1e-10)),
                -1).cumprod(-1).narrow(1, 0, n));
        Tensor rgbMap = weights.unsqueeze(-1).mul(rgb).sum(-2);
        Tensor depthMap = weights.mul(zVals).sum(-1);
        Tensor dispMap = depthMap.onesLike().mul(1e-10).maximum(depthMap.div(weights.sum(-1))).reciprocal();
        Tensor accMap = weights.sum(-1);
        if (whiteBkgd) {
            rgbMap = rgbMap.add(accMap.unsqueeze(-1).rsub(1.0));
        }
        return new Tensor[] {rgbMap, dispMap, accMap, weights, depthMap};
    }

    /** sample_pdf with det=True. */
    static Tensor samplePdf(Tensor bins, Tensor weights, int nSamples) {
        weights = weights.add(1e-5); // prevent nans
        Tensor pdf = weights.div(weights.sum(-1, true));
        Tensor cdf = pdf.cumsum(-1);
        cdf = Tensor.cat(List.of(cdf.narrow(-1, 0, 1).zerosLike(), cdf), -1);
        Tensor u = Tensor.linspace(0., 1., nSamples, cdf.dtype());
        u = u.expand(cdf.size(0), nSamples);
        u = u.contiguous();
        Tensor inds = Tensor.searchsorted(cdf, u, true);
        Tensor below = inds.sub(1).zerosLike().maximum(inds.sub(1));
        Tensor above = inds.onesLike().mul(cdf.size(-1) - 1).minimum(inds);
        Tensor indsG = Tensor.stack(List.of(below, above), -1);
        int[] matchedShape = {indsG.size(0), indsG.size(1), cdf.size(-1)};
        Tensor cdfG = cdf.unsqueeze(1).expand(matchedShape).gather(2, indsG);
        Tensor binsG = bins.unsqueeze(1).expand(matchedShape).gather(2, indsG);
        Tensor denom = cdfG.select(-1, 1).sub(cdfG.select(-1, 0));
        denom = Tensor.where(denom.lt(1e-5), denom.onesLike(), denom);
        Tensor t = u.sub(cdfG.select(-1, 0)).div(denom);
        return binsG.select(-1, 0).add(t.mul(binsG.select(-1, 1).sub(binsG.select(-1, 0))));
    }

    static Tensor matrix(double[][] rows) {
        return Tensor.tensor(rows, F64);
    }

    /** load_blender.py's pose_spherical (its float32 casts dropped). */
    static Tensor poseSpherical(double theta, double phi, double radius) {
        double ph = phi / 180. * Math.PI;
        double th = theta / 180. * Math.PI;
        Tensor c2w = matrix(new double[][] {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, radius}, {0, 0, 0, 1}});
        c2w = matrix(new double[][] {{1, 0, 0, 0}, {0, Math.cos(ph), -Math.sin(ph), 0},
            {0, Math.sin(ph), Math.cos(ph), 0}, {0, 0, 0, 1}}).matmul(c2w);
        c2w = matrix(new double[][] {{Math.cos(th), 0, -Math.sin(th), 0}, {0, 1, 0, 0},
            {Math.sin(th), 0, Math.cos(th), 0}, {0, 0, 0, 1}}).matmul(c2w);
        return matrix(new double[][] {{-1, 0, 0, 0}, {0, 0, 1, 0}, {0, 1, 0, 0}, {0, 0, 0, 1}}).matmul(c2w);
    }

    /** run_nerf_helpers.py's get_rays. */
    static Tensor[] getRays(int h, int w, double[][] k, Tensor c2w) {
        List<Tensor> ij = Tensor.meshgrid(List.of(Tensor.linspace(0, w - 1, w, F64), Tensor.linspace(0, h - 1, h, F64)),
                "ij");
        Tensor i = ij.get(0).t();
        Tensor j = ij.get(1).t();
        Tensor dirs = Tensor.stack(List.of(i.sub(k[0][2]).div(k[0][0]), j.sub(k[1][2]).div(k[1][1]).neg(),
                i.onesLike().neg()), -1);
        Tensor raysD = dirs.unsqueeze(-2).mul(c2w.narrow(0, 0, 3).narrow(1, 0, 3)).sum(-1);
        Tensor raysO = c2w.narrow(0, 0, 3).select(1, c2w.size(1) - 1).expand(raysD.shape());
        return new Tensor[] {raysO, raysD};
    }

    /** run_nerf_helpers.py's ndc_rays. */
    static Tensor[] ndcRays(int h, int w, double focal, double near, Tensor raysO, Tensor raysD) {
        Tensor t = raysO.select(-1, 2).add(near).neg().div(raysD.select(-1, 2));
        raysO = raysO.add(t.unsqueeze(-1).mul(raysD));
        Tensor o0 = raysO.select(-1, 0).mul(-1. / (w / (2. * focal))).div(raysO.select(-1, 2));
        Tensor o1 = raysO.select(-1, 1).mul(-1. / (h / (2. * focal))).div(raysO.select(-1, 2));
        Tensor o2 = raysO.select(-1, 2).reciprocal().mul(2. * near).add(1.);
        Tensor d0 = raysD.select(-1, 0).div(raysD.select(-1, 2)).sub(raysO.select(-1, 0).div(raysO.select(-1, 2)))
                .mul(-1. / (w / (2. * focal)));
        Tensor d1 = raysD.select(-1, 1).div(raysD.select(-1, 2)).sub(raysO.select(-1, 1).div(raysO.select(-1, 2)))
                .mul(-1. / (h / (2. * focal)));
        Tensor d2 = raysO.select(-1, 2).reciprocal().mul(-2. * near);
        return new Tensor[] {Tensor.stack(List.of(o0, o1, o2), -1), Tensor.stack(List.of(d0, d1, d2), -1)};
    }

    @Test
    void nerfCameraRaysAndNdc() {
        Tensor c2w = poseSpherical(-30.0, -30.0, 4.0);
        same(e("nerf.c2w"), c2w, "pose_spherical");
        double focal = 6.0;
        double[][] k = {{focal, 0, 0.5 * 5}, {0, focal, 0.5 * 4}, {0, 0, 1}};
        Tensor[] rays = getRays(4, 5, k, c2w);
        same(e("nerf.get_rays.o"), rays[0], "get_rays origins");
        same(e("nerf.get_rays.d"), rays[1], "get_rays directions");
        Tensor[] ndc = ndcRays(4, 5, focal, 1.0, rays[0], rays[1]);
        same(e("nerf.ndc.o"), ndc[0], "ndc_rays origins");
        same(e("nerf.ndc.d"), ndc[1], "ndc_rays directions");
    }

    /**
     * nerf-pytorch's render() and render_rays() (coarse and fine, det sampling, white background) in {@code dt}:
     * rgb_map, disp_map, acc_map, depth_map, the fine raw, rgb0, disp0, acc0, z_samples and the sorted z_vals.
     */
    static Tensor[] render(NeRF model, NeRF modelFine, Embedder embed, Embedder embedDirs, Tensor raysOIn,
                           Tensor raysDIn, DType dt) {
        int nSamples = 8;
        int nImportance = 8;
        double near = 2.0;
        double far = 6.0;
        // render(): view directions, near and far, the ray batch
        Tensor raysO = raysOIn.reshape(-1, 3);
        Tensor viewdirs = raysDIn.div(raysDIn.norm(2, new int[] {-1}, true)).reshape(-1, 3);
        Tensor raysD = raysDIn.reshape(-1, 3);
        Tensor nearT = raysD.narrow(-1, 0, 1).onesLike().mul(near);
        Tensor farT = raysD.narrow(-1, 0, 1).onesLike().mul(far);
        Tensor rays = Tensor.cat(List.of(raysO, raysD, nearT, farT), -1);
        rays = Tensor.cat(List.of(rays, viewdirs), -1);
        // render_rays
        int nRays = rays.size(0);
        Tensor rO = rays.narrow(1, 0, 3);
        Tensor rD = rays.narrow(1, 3, 3);
        Tensor vd = rays.narrow(1, rays.size(1) - 3, 3);
        Tensor bounds = rays.narrow(-1, 6, 2).reshape(-1, 1, 2);
        Tensor nearB = bounds.select(-1, 0);
        Tensor farB = bounds.select(-1, 1);
        Tensor tVals = Tensor.linspace(0., 1., nSamples, dt);
        Tensor zVals = nearB.mul(tVals.rsub(1.0)).add(farB.mul(tVals));
        zVals = zVals.expand(nRays, nSamples);
        Tensor pts = rO.unsqueeze(-2).add(rD.unsqueeze(-2).mul(zVals.unsqueeze(-1)));
        Tensor raw = runNetwork(pts, vd, model, embed, embedDirs);
        Tensor[] coarse = raw2outputs(raw, zVals, rD, true);
        Tensor zValsMid = zVals.narrow(-1, 1, nSamples - 1).add(zVals.narrow(-1, 0, nSamples - 1)).mul(.5);
        Tensor zSamples = samplePdf(zValsMid, coarse[3].narrow(-1, 1, nSamples - 2), nImportance);
        zSamples = zSamples.detach();
        zVals = Tensor.cat(List.of(zVals, zSamples), -1).sort(-1, false).values();
        pts = rO.unsqueeze(-2).add(rD.unsqueeze(-2).mul(zVals.unsqueeze(-1)));
        Tensor rawFine = runNetwork(pts, vd, modelFine, embed, embedDirs);
        Tensor[] fine = raw2outputs(rawFine, zVals, rD, true);
        return new Tensor[] {fine[0], fine[1], fine[2], fine[4], rawFine, coarse[0], coarse[1], coarse[2], zSamples,
            zVals};
    }

    @Test
    void nerfCoarseAndFineTrainingStep() {
        Embedder embed = new Embedder(3);
        Embedder embedDirs = new Embedder(2);
        NeRF model = PT.loaded(new NeRF(4, 16, embed.outDim, embedDirs.outDim, List.of(2)), "nerf.coarse.init.", F64);
        NeRF modelFine = PT.loaded(new NeRF(4, 16, embed.outDim, embedDirs.outDim, List.of(2)), "nerf.fine.init.", F64);
        List<Tensor> gradVars = new ArrayList<>(model.parameters());
        gradVars.addAll(modelFine.parameters());
        double lrate = 5e-3;
        double lrateDecay = 0.002;
        Adam optimizer = new Adam(gradVars, lrate);
        Tensor raysOAll = e("nerf.rays_o");
        Tensor raysDAll = e("nerf.rays_d");
        Tensor targetAll = e("nerf.target");
        List<Double> losses = new ArrayList<>();
        List<Double> psnrs = new ArrayList<>();
        List<Double> lrs = new ArrayList<>();
        for (int globalStep = 0; globalStep < 3; globalStep++) {
            Tensor[] r = render(model, modelFine, embed, embedDirs, raysOAll.select(0, globalStep),
                    raysDAll.select(0, globalStep), F64);
            Tensor[] fine = {r[0], r[1], r[2], null, r[3]};
            Tensor rawFine = r[4];
            Tensor[] coarse = {r[5], r[6], r[7]};
            Tensor zSamples = r[8];
            Tensor zVals = r[9];
            // the training step
            optimizer.zeroGrad();
            Tensor target = targetAll.select(0, globalStep);
            Tensor imgLoss = fine[0].sub(target).pow(2).mean();
            Tensor loss = imgLoss;
            Tensor psnr = imgLoss.log().mul(-10.).div(Tensor.tensor(new double[] {10.}, F64).log());
            Tensor imgLoss0 = coarse[0].sub(target).pow(2).mean();
            loss = loss.add(imgLoss0);
            loss.backward();
            if (globalStep == 0) {
                same(e("nerf.first.rgb_map"), fine[0], "rgb_map");
                same(e("nerf.first.disp_map"), fine[1], "disp_map");
                same(e("nerf.first.acc_map"), fine[2], "acc_map");
                same(e("nerf.first.depth_map"), fine[4], "depth_map");
                same(e("nerf.first.raw"), rawFine, "fine raw");
                same(e("nerf.first.rgb0"), coarse[0], "rgb0");
                same(e("nerf.first.disp0"), coarse[1], "disp0");
                same(e("nerf.first.acc0"), coarse[2], "acc0");
                same(e("nerf.first.z_samples"), zSamples, "z_samples");
                same(e("nerf.first.z_vals"), zVals, "sorted z_vals");
                PT.assertNamed("nerf.coarse.grad0.", model, true, 1, "coarse gradient");
                PT.assertNamed("nerf.fine.grad0.", modelFine, true, 1, "fine gradient");
            }
            optimizer.step();
            double decayRate = 0.1;
            double decaySteps = lrateDecay * 1000;
            double newLrate = lrate * Math.pow(decayRate, (globalStep + 1) / decaySteps);
            for (ParamGroup paramGroup : optimizer.paramGroups()) {
                paramGroup.setLr(newLrate);
            }
            losses.add(loss.item());
            psnrs.add(psnr.item());
            lrs.add(newLrate);
        }
        close(e("nerf.loss"), values(losses, F64), "NeRF losses", 10);
        close(e("nerf.psnr"), values(psnrs, F64), "NeRF PSNR", 10);
        close(e("nerf.lr"), values(lrs, F64), "NeRF learning rates", 10);
        PT.assertNamed("nerf.coarse.final.", model, false, 1, "coarse parameters");
        PT.assertNamed("nerf.fine.final.", modelFine, false, 1, "fine parameters");

        // nerf-pytorch's own type: the first step again in float32 from the same weights and rays
        DType f32 = DType.FLOAT32;
        Embedder embed32 = new Embedder(3, f32);
        Embedder embedDirs32 = new Embedder(2, f32);
        NeRF model32 = PT.loaded(new NeRF(4, 16, embed32.outDim, embedDirs32.outDim, List.of(2)),
                "nerf.coarse.init.", f32);
        NeRF fine32 = PT.loaded(new NeRF(4, 16, embed32.outDim, embedDirs32.outDim, List.of(2)),
                "nerf.fine.init.", f32);
        Tensor[] r = render(model32, fine32, embed32, embedDirs32, raysOAll.select(0, 0).to(f32),
                raysDAll.select(0, 0).to(f32), f32);
        Tensor target = targetAll.select(0, 0).to(f32);
        Tensor loss = r[0].sub(target).pow(2).mean().add(r[5].sub(target).pow(2).mean());
        loss.backward();
        same(e("nerf.f32.loss"), loss, "float32 loss");
        same(e("nerf.f32.z_samples"), r[8], "float32 z_samples");
        PT.assertNamed("nerf.f32.coarse.grad.", model32, true, 1, "float32 coarse gradient");
        PT.assertNamed("nerf.f32.fine.grad.", fine32, true, 1, "float32 fine gradient");
    }

    // ------------------------------------------------------------------ 6. the neural style transfer tutorial

    static final class ContentLoss extends Module {
        final Tensor target;
        Tensor loss;

        ContentLoss(Tensor target) {
            this.target = target.detach();
        }

        @Override
        public Tensor forward(Tensor input) {
            loss = Functional.mseLoss(input, target);
            return input;
        }
    }

    static Tensor gramMatrix(Tensor input) {
        int a = input.size(0);
        int b = input.size(1);
        int c = input.size(2);
        int d = input.size(3);
        Tensor features = input.view(a * b, c * d);
        Tensor g = features.mm(features.t());
        return g.div(a * b * c * d);
    }

    static final class StyleLoss extends Module {
        final Tensor target;
        Tensor loss;

        StyleLoss(Tensor targetFeature) {
            target = gramMatrix(targetFeature).detach();
        }

        @Override
        public Tensor forward(Tensor input) {
            Tensor g = gramMatrix(input);
            loss = Functional.mseLoss(g, target);
            return input;
        }
    }

    static final class Normalization extends Module {
        final Tensor mean;
        final Tensor std;

        Normalization(double[] mean, double[] std) {
            this.mean = Tensor.tensor(mean, F64).view(-1, 1, 1);
            this.std = Tensor.tensor(std, F64).view(-1, 1, 1);
        }

        @Override
        public Tensor forward(Tensor img) {
            return img.sub(mean).div(std);
        }
    }

    @Test
    void styleTransferTutorialWithLossModulesAndLbfgs() {
        Sequential cnn = PT.loaded(new Sequential(new Conv2d(3, 4, 3, 1, 1), new ReLU(true),
                new Conv2d(4, 4, 3, 1, 1), new ReLU(true), new MaxPool2d(2, 2), new Conv2d(4, 6, 3, 1, 1),
                new ReLU(true), new Conv2d(6, 6, 3, 1, 1), new ReLU(true)), "style.cnn.", F64);
        cnn.eval();
        Tensor contentImg = e("style.content");
        Tensor styleImg = e("style.style");
        List<String> contentLayers = List.of("conv_3");
        List<String> styleLayers = List.of("conv_1", "conv_2", "conv_3");

        // get_style_model_and_losses
        Normalization normalization = new Normalization(new double[] {0.485, 0.456, 0.406},
                new double[] {0.229, 0.224, 0.225});
        List<ContentLoss> contentLosses = new ArrayList<>();
        List<StyleLoss> styleLosses = new ArrayList<>();
        Sequential model = new Sequential(normalization);
        int i = 0;
        for (Module layer : cnn.children()) {
            String name;
            if (layer instanceof Conv2d) {
                i += 1;
                name = "conv_" + i;
            } else if (layer instanceof ReLU) {
                name = "relu_" + i;
                layer = new ReLU(false);
            } else if (layer instanceof MaxPool2d) {
                name = "pool_" + i;
            } else {
                throw new IllegalStateException("Unrecognized layer: " + layer.getClass().getSimpleName());
            }
            model.addModule(name, layer);
            if (contentLayers.contains(name)) {
                Tensor target = model.apply(contentImg).detach();
                ContentLoss contentLoss = new ContentLoss(target);
                model.addModule("content_loss_" + i, contentLoss);
                contentLosses.add(contentLoss);
            }
            if (styleLayers.contains(name)) {
                Tensor targetFeature = model.apply(styleImg).detach();
                StyleLoss styleLoss = new StyleLoss(targetFeature);
                model.addModule("style_loss_" + i, styleLoss);
                styleLosses.add(styleLoss);
            }
        }
        for (i = model.size() - 1; i >= 0; i--) {
            if (model.get(i) instanceof ContentLoss || model.get(i) instanceof StyleLoss) {
                break;
            }
        }
        model = model.slice(0, i + 1);
        List<Double> nameLengths = new ArrayList<>();
        model.namedChildren().keySet().forEach(n -> nameLengths.add((double) n.length()));
        assertArrayEquals(e("style.names").toLongArray(), values(nameLengths, F64).to(DType.INT64).toLongArray(),
                "the trimmed model's children");

        // run_style_transfer
        int numSteps = 8;
        double styleWeight = 1000000;
        double contentWeight = 1;
        Tensor inputImg = contentImg.clone();
        inputImg.requiresGrad_(true);
        model.eval();
        model.requiresGrad_(false);
        LBFGS optimizer = new LBFGS(List.of(inputImg));
        int[] run = {0};
        List<Double> scores = new ArrayList<>();
        Sequential finalModel = model;
        while (run[0] <= numSteps) {
            optimizer.step(() -> {
                try (GradMode off = Ember.noGrad()) {
                    inputImg.clamp_(0, 1);
                }
                optimizer.zeroGrad();
                finalModel.apply(inputImg);
                Tensor styleScore = null;
                Tensor contentScore = null;
                for (StyleLoss sl : styleLosses) {
                    styleScore = styleScore == null ? sl.loss : styleScore.add(sl.loss);
                }
                for (ContentLoss cl : contentLosses) {
                    contentScore = contentScore == null ? cl.loss : contentScore.add(cl.loss);
                }
                styleScore = styleScore.mul(styleWeight);
                contentScore = contentScore.mul(contentWeight);
                Tensor loss = styleScore.add(contentScore);
                loss.backward();
                if (run[0] == 0) {
                    same(e("style.grad0"), inputImg.grad(), "the image's first gradient");
                }
                run[0] += 1;
                scores.add(styleScore.item());
                scores.add(contentScore.item());
                return styleScore.add(contentScore);
            });
        }
        try (GradMode off = Ember.noGrad()) {
            inputImg.clamp_(0, 1);
        }
        Tensor want = e("style.scores");
        assertEquals(want.size(0) * 2, scores.size(), "closure evaluations");
        close(want, values(scores, F64).view(-1, 2), "style and content scores", 10);
        // 20 L-BFGS iterations, each direction built from differences of nearly equal gradients kept in its history,
        // carry the programs' last-bit differences into the image: held to 10 times the tolerance (Ember's worst
        // measured 2.5 times it)
        close(e("style.output"), inputImg, "the stylized image", 10);
    }

    // ------------------------------------------------------------------ 7. SimCLR's NT_Xent and open_clip's ClipLoss

    static Tensor maskCorrelatedSamples(int batchSize, int worldSize) {
        int n = 2 * batchSize * worldSize;
        Tensor mask = Tensor.ones(DType.BOOL, n, n);
        mask = mask.fillDiagonal_(0L);
        for (int i = 0; i < batchSize * worldSize; i++) {
            mask.indexPut_(new Index[] {Index.of(i), Index.of(batchSize * worldSize + i)}, 0L, false);
            mask.indexPut_(new Index[] {Index.of(batchSize * worldSize + i), Index.of(i)}, 0L, false);
        }
        return mask;
    }

    static Tensor ntXent(Tensor zI, Tensor zJ, int batchSize, double temperature, Tensor mask) {
        int n = 2 * batchSize;
        Tensor z = Tensor.cat(List.of(zI, zJ), 0);
        Tensor sim = new CosineSimilarity(2, 1e-8).apply(z.unsqueeze(1), z.unsqueeze(0)).div(temperature);
        Tensor simIJ = sim.diag(batchSize);
        Tensor simJI = sim.diag(-batchSize);
        Tensor positiveSamples = Tensor.cat(List.of(simIJ, simJI), 0).reshape(n, 1);
        Tensor negativeSamples = sim.index(Index.of(mask)).reshape(n, -1);
        Tensor labels = Tensor.zeros(F64, n).to(DType.INT64);
        Tensor logits = Tensor.cat(List.of(positiveSamples, negativeSamples), 1);
        Tensor loss = new CrossEntropyLoss(null, -100, "sum", 0.0).forward(logits, labels);
        return loss.div(n);
    }

    static final class SimClr extends Container {
        final Sequential encoder = registerModule("encoder", new Sequential(new Linear(10, 12), new ReLU()));
        final Sequential projector = registerModule("projector", new Sequential(new Linear(12, 12, false),
                new ReLU(), new Linear(12, 6, false)));
    }

    static final class TinyClip extends Container {
        final Sequential visual = registerModule("visual", new Sequential(new Linear(12, 16), new GELU(),
                new Linear(16, 8)));
        final Embedding tokenEmbedding = registerModule("token_embedding", new Embedding(20, 8));

        TinyClip() {
            registerParameter("text_projection", Tensor.zeros(F64, 8, 8));
            registerParameter("logit_scale", Tensor.zeros(F64));
        }

        /** SigLIP's model: a logit bias too. */
        void registerBias() {
            registerParameter("logit_bias", Tensor.zeros(F64));
        }

        Tensor encodeImage(Tensor image) {
            return Functional.normalize(visual.apply(image), 2, -1, 1e-12);
        }

        Tensor encodeText(Tensor text) {
            Tensor x = tokenEmbedding.apply(text);
            x = x.index(Index.of(Tensor.arange(x.size(0))), Index.of(text.argmax(-1))).matmul(param("text_projection"));
            return Functional.normalize(x, 2, -1, 1e-12);
        }
    }

    @Test
    void simclrNtXentAndOpenClipLoss() {
        Tensor mask = maskCorrelatedSamples(5, 1);
        assertArrayEquals(e("clr.mask").toBooleanArray(), mask.toBooleanArray(), "mask_correlated_samples");
        Tensor xi = e("clr.xi");
        Tensor xj = e("clr.xj");
        SimClr simclr = PT.loaded(new SimClr(), "clr.init.", F64);
        Adam opt = new Adam(simclr.parameters(), 3e-3);
        new OutsiderTraining(PT, "clr.", simclr, opt, 3, step -> {
            Tensor hI = simclr.encoder.apply(xi.select(0, step));
            Tensor hJ = simclr.encoder.apply(xj.select(0, step));
            Tensor zI = simclr.projector.apply(hI);
            Tensor zJ = simclr.projector.apply(hJ);
            return new Object[] {zI, ntXent(zI, zJ, 5, 0.5, mask)};
        }).run();

        Tensor img = e("clip.img");
        Tensor txt = e("clip.txt");
        TinyClip clip = PT.loaded(new TinyClip(), "clip.init.", F64);
        AdamW clipOpt = new AdamW(clip.parameters(), 1.0, 0.9, 0.999, 1e-8, 0.2, false);
        List<Double> scales = new ArrayList<>();
        new OutsiderTraining(PT, "clip.", clip, clipOpt, 3, step -> {
            Tensor imageFeatures = clip.encodeImage(img.select(0, step));
            Tensor textFeatures = clip.encodeText(txt.select(0, step));
            Tensor logitScale = clip.param("logit_scale").exp();
            // ClipLoss.get_logits: (logit_scale * image_features) @ text_features.T, as Python groups it
            Tensor logitsPerImage = logitScale.mul(imageFeatures).matmul(textFeatures.t());
            Tensor logitsPerText = logitScale.mul(textFeatures).matmul(imageFeatures.t());
            Tensor labels = Tensor.arange(logitsPerImage.size(0));
            Tensor totalLoss = Functional.crossEntropy(logitsPerImage, labels)
                    .add(Functional.crossEntropy(logitsPerText, labels)).div(2);
            return new Object[] {logitsPerImage, totalLoss};
        }).afterStep(step -> {
            try (GradMode off = Ember.noGrad()) {
                clip.param("logit_scale").clamp_(0, Math.log(100));
            }
            scales.add(clip.param("logit_scale").item());
        }).run();
        close(e("clip.scale"), values(scales, F64), "logit_scale after each clamp", 10);
        assertTrue(scales.get(2) == 0.0, "the last step's logit_scale clamped to 0");

        // open_clip's SigLipLoss: labels 2 * eye - 1, logits += logit_bias in place, -logsigmoid summed over the batch
        TinyClip sig = new TinyClip();
        sig.registerBias();
        PT.loaded(sig, "siglip.init.", F64);
        AdamW sigOpt = new AdamW(sig.parameters(), 0.05, 0.9, 0.999, 1e-8, 0.2, false);
        new OutsiderTraining(PT, "siglip.", sig, sigOpt, 3, step -> {
            Tensor imageFeatures = sig.encodeImage(img.select(0, step));
            Tensor textFeatures = sig.encodeText(txt.select(0, step));
            Tensor logitScale = sig.param("logit_scale").exp();
            Tensor logits = logitScale.mul(imageFeatures).matmul(textFeatures.t());
            logits.add_(sig.param("logit_bias"));
            int n = imageFeatures.size(0);
            Tensor labels = Tensor.ones(F64, n, n).neg();
            labels = Tensor.eye(n, n, F64).mul(2).add(labels);
            Tensor loss = Functional.logsigmoid(labels.mul(logits)).sum().neg().div(n);
            return new Object[] {logits, loss};
        }).run();
    }
}
