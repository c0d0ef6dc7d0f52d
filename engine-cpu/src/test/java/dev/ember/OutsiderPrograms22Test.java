package dev.ember;

import dev.ember.FuncTree.TreeFn;
import dev.ember.backend.CpuCapability;
import dev.ember.data.DataLoader;
import dev.ember.data.TensorDataset;
import dev.ember.nn.AdaptiveAvgPool2d;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Dropout;
import dev.ember.nn.Dropout2d;
import dev.ember.nn.Flatten;
import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.LeakyReLU;
import dev.ember.nn.Linear;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Stateless;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.nn.utils.Fusion;
import dev.ember.nn.utils.Parametrization;
import dev.ember.nn.utils.Parametrizations;
import dev.ember.nn.utils.Parametrize;
import dev.ember.nn.utils.Prune;
import dev.ember.optim.Adadelta;
import dev.ember.optim.AdamW;
import dev.ember.optim.AveragedModel;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.LinearLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.SGD;
import dev.ember.optim.SWALR;
import dev.ember.optim.SequentialLR;
import dev.ember.optim.SwaUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Session 46's outsider pass, round 22: the model utilities of the PyTorch tutorials and docs, each program written as
 * the tutorial writes it and ported line by line with Ember's public API, from the seed only (round 21's format: with
 * the default generator PyTorch's, {@link Generator.Algorithm#MT19937}, nothing is copied over but the seed;
 * {@code resources/outsiderprograms22/make_expected.py}, PyTorch 1.13 following 2.x where they differ). Each port must
 * follow PyTorch's batches exactly, its losses within 1e-12 relative (float64), the generator's state after each step
 * (a CRC-32 of {@code torch.get_rng_state()}), and PyTorch's names: the state_dict keys, named_parameters and
 * named_buffers that pruning and parametrizations rename.
 * <ol>
 * <li>The pruning tutorial step by step: random_unstructured (its rand_like draw), l1_unstructured of a bias,
 * iterative ln_structured, remove, pruning every layer of a model, global_unstructured, a custom pruning method,
 * random_structured (its float32 rand of the channels).</li>
 * <li>Training a pruned LeNet: random, structured and global random pruning (a bias among the globals), SGD with
 * momentum on weight_orig through the masks, then remove and evaluate.</li>
 * <li>Parametrizations: user modules (Symmetric with a right inverse, Skew then CayleyMap with a buffer, stacked),
 * orthogonal on a wide Linear (its right inverse's randn completion and QR), assignment through right_inverse,
 * training, cached(), remove_parametrizations with and without leave_parametrized.</li>
 * <li>A spectral-normalized discriminator: spectral_norm's u and v drawn at registration and its power iteration at
 * every training forward (and at a read of the weight), 2.x's parametrizations.weight_norm (original0, original1),
 * eval mode's fixed buffers.</li>
 * <li>The model ensembling tutorial: stack_module_state, functional_call of a meta-device copy under vmap with both
 * in_dims, then the stacked parameters trained by one optimizer and a soft vote.</li>
 * <li>The per-sample gradients tutorial: a loop of autograd.grad against vmap(grad(compute_loss)) with in_dims
 * (None, None, 0, 0), then DP-SGD steps (per-sample clipping, Gaussian noise) with them.</li>
 * <li>FGSM: the tutorial's network with dropout trained by Adadelta, then the attack at four epsilons over a shuffled
 * batch-1 test loader (sign of the input gradient, denorm, clamp, renormalize).</li>
 * <li>The spatial transformer tutorial: the localization net's regressor initialized to zeros and the identity bias,
 * affine_grid + grid_sample, Dropout2d and functional dropout.</li>
 * <li>SWA with BatchNorm (AveragedModel, CosineAnnealingLR then SWALR on one optimizer, update_bn over a shuffled
 * loader) and fuse_conv_bn_eval of the trained model.</li>
 * <li>Gradient accumulation over four micro-batches with clip_grad_norm_ and a warmup SequentialLR (LinearLR then
 * CosineAnnealingLR), AdamW, dropout.</li>
 * <li>The neural tangent kernel tutorial: vmap of jacrev over a functional_call, the full, trace and diagonal
 * contractions by einsum, and the same kernel from nested vmaps of a vjp and a jvp.</li>
 * <li>An EMA of the weights and the buffers: AveragedModel with get_ema_multi_avg_fn and use_buffers (the integer
 * num_batches_tracked averaged and truncated as PyTorch's).</li>
 * <li>An ensemble with dropout trained under vmap(randomness='different') (one bernoulli over the batch-first
 * activations), then 'same' (one mask shared by every model).</li>
 * </ol>
 * The pruned and the parametrized models also go through their state_dict into fresh models prepared the same way.
 * Findings, fixed: Conv1d/2d/3d took no {@code (in, out, kernel, stride)}; the spatial transformer's identity grid
 * fell on the other side of pixel centres than PyTorch's (linspace's bits, affine_grid's scaling, the 2-D CPU
 * grid_sample's unnormalization; see {@link #affineGridBaseGridRoundsAsPyTorch}). Those three programs' expected values
 * depend on PyTorch's CPU capability and come from PyTorch under each (linspace as 2.x computes it, emulated by the
 * generator; affine_grid and the spatial transformer for the FMA builds and DEFAULT, see {@link #fmaSection}); the
 * others are float64 programs whose float32
 * default inits follow the AVX2/AVX512 kernels (round 21's).
 */
class OutsiderPrograms22Test {
    private static final DType F64 = DType.FLOAT64;
    private static final Map<String, Map<String, String[]>> EXPECTED = OutsiderReplay.load("outsiderprograms22");
    private final Generator.Algorithm before = Ember.defaultGeneratorAlgorithm();

    @AfterEach
    void restore() {
        Ember.setDefaultGeneratorAlgorithm(before);
    }

    /** {@link OutsiderReplay.Replay} over this round's records. */
    private static final class Replay extends OutsiderReplay.Replay {
        Replay(String program, long seed) {
            super(EXPECTED, program, seed);
        }
    }

    /** A loss of the model's output and the targets. */
    private interface LossFn {
        Tensor apply(Tensor output, Tensor target);
    }

    /** train_steps: epochs of zero_grad, loss, backward, (a hook), step over a loader of (x, y, index) batches. */
    private static int trainSteps(Replay r, Module model, DataLoader<List<Tensor>, List<Tensor>> loader, Optimizer opt,
                                  int epochs, LossFn lossFn, int step, Runnable afterBackward) {
        for (int epoch = 0; epoch < epochs; epoch++) {
            model.train();
            for (List<Tensor> b : loader) {
                opt.zeroGrad();
                Tensor loss = lossFn.apply(model.apply(b.get(0)), b.get(1));
                loss.backward();
                if (afterBackward != null) {
                    afterBackward.run();
                }
                opt.step();
                r.stepRecords(step++, b.get(2), loss.item());
            }
        }
        return step;
    }

    private static DataLoader<List<Tensor>, List<Tensor>> shuffled(int batchSize, Tensor... columns) {
        return DataLoader.builder(new TensorDataset(columns)).batchSize(batchSize).shuffle(true).build();
    }

    /** {@code int(torch.sum(t == 0))}. */
    private static double zeros(Tensor t) {
        return t.eq(0.0).sum().item();
    }

    private static Tensor t(Object o) {
        return (Tensor) o;
    }

    // ------------------------------------------------------------------ 1. the pruning tutorial

    /** The pruning tutorial's LeNet (32 x 32 inputs); its layers are called through apply, which runs pruning's hook. */
    static final class LeNet extends Module {
        final Conv2d conv1;
        final Conv2d conv2;
        final Linear fc1;
        final Linear fc2;
        final Linear fc3;

        LeNet() {
            conv1 = registerModule("conv1", new Conv2d(1, 6, 5));
            conv2 = registerModule("conv2", new Conv2d(6, 16, 5));
            fc1 = registerModule("fc1", new Linear(16 * 5 * 5, 120));
            fc2 = registerModule("fc2", new Linear(120, 84));
            fc3 = registerModule("fc3", new Linear(84, 10));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = Functional.maxPool2d(conv1.apply(x).relu(), 2);
            x = Functional.maxPool2d(conv2.apply(x).relu(), 2);
            x = x.view(-1, (int) (x.numel() / x.shape()[0]));
            x = fc1.apply(x).relu();
            x = fc2.apply(x).relu();
            return fc3.apply(x);
        }
    }

    /** The tutorial's custom method: prunes every other entry. */
    static final class FooBarPruningMethod extends Prune.BasePruningMethod {
        @Override
        public Prune.PruningType pruningType() {
            return Prune.PruningType.UNSTRUCTURED;
        }

        @Override
        public Tensor computeMask(Tensor t, Tensor defaultMask) {
            Tensor mask = defaultMask.clone();
            Tensor flat = mask.view(-1);
            flat.slice(0, 0, (int) flat.numel(), 2).fill_(0.0);
            return mask;
        }
    }

    @Test
    void pruningTutorialStepByStepFollowsPyTorch() {
        Replay r = new Replay("prune_tutorial", 0);
        LeNet model = new LeNet();
        model.to(F64);
        Conv2d module = model.conv1;
        r.names("params.0", module.namedParameters().keySet());
        Prune.randomUnstructured(module, "weight", 0.3);
        r.rng("rng.random");
        r.names("params.1", module.namedParameters().keySet());
        r.names("buffers.1", module.namedBuffers().keySet());
        r.rec("mask.1", module.getBuffer("weight_mask"));
        r.summary("weight.1", module.weight());
        Prune.l1Unstructured(module, "bias", 3L);
        r.rec("bias_mask", module.getBuffer("bias_mask"));
        r.summary("bias.2", module.bias());
        Prune.lnStructured(module, "weight", 0.5, 2.0, 0);
        r.rec("mask.2", module.getBuffer("weight_mask"));
        r.summary("weight.2", module.weight());
        r.names("sd.2", model.stateDict().keySet());
        Prune.remove(module, "weight");
        r.names("params.3", module.namedParameters().keySet());
        r.names("buffers.3", module.namedBuffers().keySet());
        r.summary("weight.3", module.weight());

        LeNet newModel = new LeNet();
        newModel.to(F64);
        for (Map.Entry<String, Module> e : newModel.namedModules().entrySet()) {
            if (e.getValue() instanceof Conv2d) {
                Prune.l1Unstructured(e.getValue(), "weight", 0.2);
            } else if (e.getValue() instanceof Linear) {
                Prune.l1Unstructured(e.getValue(), "weight", 0.4);
            }
        }
        r.names("buffers.4", newModel.namedBuffers().keySet());
        r.rec("zeros.4", zeros(newModel.conv1.weight()), zeros(newModel.conv2.weight()), zeros(newModel.fc1.weight()),
                zeros(newModel.fc2.weight()), zeros(newModel.fc3.weight()));

        LeNet global = new LeNet();
        global.to(F64);
        List<Prune.Target> parametersToPrune = List.of(new Prune.Target(global.conv1, "weight"),
                new Prune.Target(global.conv2, "weight"), new Prune.Target(global.fc1, "weight"),
                new Prune.Target(global.fc2, "weight"), new Prune.Target(global.fc3, "weight"));
        Prune.globalUnstructured(parametersToPrune, Prune.L1Unstructured.class, null, 0.2);
        double[] z = new double[5];
        for (int i = 0; i < 5; i++) {
            z[i] = zeros(parametersToPrune.get(i).module().parametrizedValue("weight"));
        }
        r.rec("zeros.global", z);
        r.summary("fc1.mask", global.fc1.getBuffer("weight_mask"));
        Prune.BasePruningMethod.apply(global.fc3, "bias", new FooBarPruningMethod(), null);
        r.rec("foobar", global.fc3.getBuffer("bias_mask"));
        r.rng("rng.end");
        Prune.randomStructured(global.fc2, "weight", 0.25, 0);
        r.rec("structured_rows", global.fc2.getBuffer("weight_mask").sum(1));
        r.rng("rng.structured");
        r.done();
    }

    @Test
    void trainingAPrunedLeNetFollowsPyTorch() {
        Replay r = new Replay("prune_train", 1);
        Tensor x = Tensor.randn(F64, 48, 1, 32, 32);
        Tensor y = Tensor.randint(0, 10, 48);
        LeNet model = new LeNet();
        model.to(F64);
        Prune.randomUnstructured(model.conv1, "weight", 0.25);
        Prune.lnStructured(model.conv2, "weight", 4L, 1.0, 0);
        Prune.globalUnstructured(List.of(new Prune.Target(model.fc1, "weight"), new Prune.Target(model.fc2, "weight"),
                new Prune.Target(model.fc1, "bias")), Prune.RandomUnstructured.class, null, 0.3);
        r.rec("zeros.0", zeros(model.conv1.weight()), zeros(model.conv2.weight()), zeros(model.fc1.weight()),
                zeros(model.fc2.weight()), zeros(model.fc1.bias()));
        r.names("params", model.namedParameters().keySet());
        r.names("buffers", model.namedBuffers().keySet());
        Optimizer opt = new SGD(model.parameters(), 0.02, 0.9, 0, 0, false);
        trainSteps(r, model, shuffled(16, x, y, Tensor.arange(48L)), opt, 2, Functional::crossEntropy, 0, null);
        r.rec("zeros.1", zeros(model.conv1.weight()), zeros(model.conv2.weight()), zeros(model.fc1.weight()),
                zeros(model.fc2.weight()));
        r.summaries(model, "p.");
        // serialization: a fresh model pruned by identity on the same tensors takes the state_dict
        LeNet model2 = new LeNet();
        model2.to(F64);
        Prune.identity(model2.conv1, "weight");
        Prune.identity(model2.conv2, "weight");
        Prune.identity(model2.fc1, "weight");
        Prune.identity(model2.fc1, "bias");
        Prune.identity(model2.fc2, "weight");
        model2.loadStateDict(model.stateDict());
        model.eval();
        model2.eval();
        try (GradMode off = Ember.noGrad()) {
            r.rec("reload_same", model.apply(x).equal(model2.apply(x)));
        }
        r.rng("rng.reload");
        Prune.remove(model.conv1, "weight");
        Prune.remove(model.conv2, "weight");
        Prune.remove(model.fc1, "weight");
        Prune.remove(model.fc1, "bias");
        Prune.remove(model.fc2, "weight");
        r.names("sd.removed", model.stateDict().keySet());
        model.eval();
        try (GradMode off = Ember.noGrad()) {
            r.rec("eval", Functional.crossEntropy(model.apply(x), y).item());
        }
        r.summaries(model, "q.");
        r.done();
    }

    // ------------------------------------------------------------------ 2. parametrizations

    /** The tutorial's Symmetric, with its right inverse. */
    static final class Symmetric extends Parametrization {
        @Override
        public Tensor forward(Tensor x) {
            return x.triu().add(x.triu(1).transpose(-1, -2));
        }

        @Override
        public List<Tensor> rightInverse(Tensor a) {
            return List.of(a.triu());
        }
    }

    /** The tutorial's Skew (no right inverse: any module is a parametrization). */
    static final class Skew extends Module {
        @Override
        public Tensor forward(Tensor x) {
            Tensor a = x.triu(1);
            return a.sub(a.transpose(-1, -2));
        }
    }

    /** The tutorial's CayleyMap, {@code (I + X)(I - X)^{-1}} by linalg.solve, with its identity as a buffer. */
    static final class CayleyMap extends Module {
        final Tensor id;

        CayleyMap(int n) {
            id = registerBuffer("Id", Tensor.eye(n));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor eye = getBuffer("Id");
            return eye.sub(x).linalgSolve(eye.add(x));
        }
    }

    static final class ParamNet extends Module {
        final Linear sym;
        final Linear rot;
        final Linear out;

        ParamNet() {
            sym = registerModule("sym", new Linear(6, 6));
            rot = registerModule("rot", new Linear(6, 6));
            out = registerModule("out", new Linear(6, 3));
            Parametrize.registerParametrization(sym, "weight", new Symmetric());
            Parametrize.registerParametrization(rot, "weight", new Skew());
            Parametrize.registerParametrization(rot, "weight", new CayleyMap(6));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = sym.apply(x).tanh();
            h = rot.apply(h).tanh();
            h = rot.apply(h).tanh();
            return out.apply(h);
        }
    }

    @Test
    void parametrizationsTutorialWithOrthogonalFollowsPyTorch() {
        Replay r = new Replay("parametrizations", 2);
        Tensor x = Tensor.randn(F64, 40, 6);
        Tensor y = Tensor.randint(0, 3, 40);
        ParamNet model = new ParamNet();
        model.to(F64);
        Parametrizations.orthogonal(model.out);
        r.rng("rng.orth");
        r.names("sd.0", model.stateDict().keySet());
        r.names("params.0", model.namedParameters().keySet());
        Tensor w = model.sym.weight();
        r.rec("sym_err", w.sub(w.t()).abs().max().item());
        Tensor q = model.out.weight();
        r.rec("orth_err", q.matmul(q.t()).sub(Tensor.eye(3, 3, F64)).abs().max().item() < 1e-12);
        r.summary("out.weight.0", model.out.weight());
        r.summary("rot.weight.0", model.rot.weight());
        // model.sym.weight = ...: through Symmetric's right inverse
        Parametrize.rightInverse(model.sym, "weight", Tensor.ones(F64, 6, 6).mul(0.1).add(Tensor.eye(6, 6, F64).mul(0.2)));
        r.summary("sym.original", Parametrize.parametrizations(model.sym, "weight").original());
        Optimizer opt = new SGD(model.parameters(), 0.1, 0.9, 0, 0, false);
        trainSteps(r, model, shuffled(10, x, y, Tensor.arange(40L)), opt, 2, Functional::crossEntropy, 0, null);
        Tensor plain;
        Tensor cached;
        try (GradMode off = Ember.noGrad()) {
            plain = model.apply(x);
            try (var scope = Parametrize.cached()) {
                cached = model.apply(x);
            }
        }
        r.summary("plain", plain);
        r.rec("cached_diff", plain.sub(cached).abs().max().item());
        r.summaries(model, "p.");
        q = model.out.weight();
        r.rec("orth_err.1", q.matmul(q.t()).sub(Tensor.eye(3, 3, F64)).abs().max().item() < 1e-12);
        // serialization: a fresh model with the same parametrizations takes the state_dict
        ParamNet model2 = new ParamNet();
        model2.to(F64);
        Parametrizations.orthogonal(model2.out);
        model2.loadStateDict(model.stateDict());
        try (GradMode off = Ember.noGrad()) {
            r.rec("reload_same", model.apply(x).equal(model2.apply(x)));
        }
        r.rng("rng.reload");
        Parametrize.removeParametrizations(model.sym, "weight", true);
        Parametrize.removeParametrizations(model.rot, "weight", false);
        Parametrize.removeParametrizations(model.out, "weight");
        r.names("sd.removed", model.stateDict().keySet());
        try (GradMode off = Ember.noGrad()) {
            r.rec("eval.removed", Functional.crossEntropy(model.apply(x), y).item());
        }
        r.summaries(model, "q.");
        r.done();
    }

    @Test
    void spectralNormDiscriminatorWithWeightNormFollowsPyTorch() {
        Replay r = new Replay("spectral", 3);
        Tensor real = Tensor.randn(F64, 64, 20).mul(0.5).add(1.0);
        Tensor fake = Tensor.randn(F64, 64, 20);
        Tensor x = Tensor.cat(List.of(real, fake), 0);
        Tensor y = Tensor.cat(List.of(Tensor.ones(F64, 64, 1), Tensor.zeros(F64, 64, 1)), 0);
        Sequential d = new Sequential(new Linear(20, 40), new LeakyReLU(0.2), new Linear(40, 40), new LeakyReLU(0.2),
                new Linear(40, 1));
        d.to(F64);
        Parametrizations.spectralNorm(d.get(0));
        Parametrizations.spectralNorm(d.get(2));
        Parametrizations.weightNorm(d.get(4), "weight", 0);
        r.rng("rng.reg");
        r.names("sd.0", d.stateDict().keySet());
        r.summary("u0.0", Parametrize.parametrizations(d.get(0), "weight").get(0).getBuffer("_u"));
        r.summary("v2.0", Parametrize.parametrizations(d.get(2), "weight").get(0).getBuffer("_v"));
        try (GradMode off = Ember.noGrad()) {
            // reading the weight in training mode runs one power iteration, as PyTorch's D[0].weight
            r.rec("sigma0.0", d.get(0).parametrizedValue("weight").matrixNorm(2.0, new int[] {-2, -1}, false).item());
        }
        r.summary("g.0", Parametrize.parametrizations(d.get(4), "weight").originals().get(0));
        Optimizer opt = new SGD(d.parameters(), 0.05, 0.5, 0, 0, false);
        trainSteps(r, d, shuffled(32, x, y, Tensor.arange(128L)), opt, 2, Functional::binaryCrossEntropyWithLogits, 0,
                null);
        r.summaries(d, "p.");
        d.eval();
        try (GradMode off = Ember.noGrad()) {
            Tensor a = d.apply(x);
            Tensor b = d.apply(x);
            r.rec("eval", Functional.binaryCrossEntropyWithLogits(a, y).item());
            r.rec("eval_same", a.sub(b).abs().max().item());
        }
        r.summary("u0.1", Parametrize.parametrizations(d.get(0), "weight").get(0).getBuffer("_u"));
        r.done();
    }

    // ------------------------------------------------------------------ 3. ensembling and per-sample gradients

    static final class SimpleMLP extends Module {
        final Linear fc1;
        final Linear fc2;
        final Linear fc3;

        SimpleMLP() {
            fc1 = registerModule("fc1", new Linear(64, 32));
            fc2 = registerModule("fc2", new Linear(32, 32));
            fc3 = registerModule("fc3", new Linear(32, 10));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = x.flatten(1);
            x = fc1.apply(x).relu();
            x = fc2.apply(x).relu();
            return fc3.apply(x);
        }
    }

    @Test
    void modelEnsemblingTutorialFollowsPyTorch() {
        Replay r = new Replay("ensemble", 4);
        int numModels = 5;
        Tensor data = Tensor.randn(F64, 10, 16, 1, 8, 8);
        Tensor targets = Tensor.randint(0, 10, 160);
        List<SimpleMLP> models = new ArrayList<>();
        for (int i = 0; i < numModels; i++) {
            SimpleMLP m = new SimpleMLP();
            m.to(F64);
            models.add(m);
        }
        Tensor minibatches = data.narrow(0, 0, numModels);
        List<Tensor> loop1 = new ArrayList<>();
        List<Tensor> loop2 = new ArrayList<>();
        Tensor minibatch = data.select(0, 0);
        for (int i = 0; i < numModels; i++) {
            loop1.add(models.get(i).apply(minibatches.select(0, i)));
            loop2.add(models.get(i).apply(minibatch));
        }
        List<Map<String, Tensor>> state = Func.stackModuleState(models);
        Map<String, Tensor> params = state.get(0);
        Map<String, Tensor> buffers = state.get(1);
        Module baseModel = DeepCopy.of(models.get(0)).to(Device.META);
        TreeFn fmodel = a -> Stateless.functionalCall(baseModel, List.of(FuncTree.params(a[0]), FuncTree.params(a[1])),
                t(a[2]));
        Tensor predictions1 = t(FuncTree.vmap(fmodel).apply(params, buffers, minibatches));
        Tensor predictions2 = t(FuncTree.vmap(fmodel, new Object[] {0, 0, null}, 0).apply(params, buffers, minibatch));
        r.summary("pred1", predictions1);
        r.summary("pred2", predictions2);
        r.rec("diff1", predictions1.sub(Tensor.stack(loop1, 0)).abs().max().item() < 1e-12);
        r.rec("diff2", predictions2.sub(Tensor.stack(loop2, 0)).abs().max().item() < 1e-12);
        // the stacked parameters are leaves: one optimizer trains the whole ensemble
        Optimizer opt = new SGD(new ArrayList<>(params.values()), 0.05, 0.9, 0, 0, false);
        Tensor tt = targets.view(10, 16);
        for (int step = 0; step < 6; step++) {
            Tensor xb = data.narrow(0, (step % 2) * 5, 5);
            Tensor tb = tt.narrow(0, (step % 2) * 5, 5);
            opt.zeroGrad();
            Tensor out = t(FuncTree.vmap(fmodel).apply(params, buffers, xb));
            List<Tensor> perModel = new ArrayList<>();
            for (int i = 0; i < numModels; i++) {
                perModel.add(Functional.crossEntropy(out.select(0, i), tb.select(0, i)));
            }
            Tensor losses = Tensor.stack(perModel, 0);
            losses.sum().backward();
            opt.step();
            r.rec("loss." + step, losses);
        }
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            r.summary("p." + e.getKey(), e.getValue());
        }
        try (GradMode off = Ember.noGrad()) {
            Tensor out = t(FuncTree.vmap(fmodel, new Object[] {0, 0, null}, 0).apply(params, buffers, data.select(0, 9)));
            Tensor probs = out.softmax(-1).mean(0);
            r.rec("vote", probs.argmax(-1));
            r.summary("probs", probs);
        }
        r.done();
    }

    static final class SimpleCNN extends Module {
        final Conv2d conv1;
        final Conv2d conv2;
        final Linear fc1;
        final Linear fc2;

        SimpleCNN() {
            conv1 = registerModule("conv1", new Conv2d(1, 8, 3, 1));
            conv2 = registerModule("conv2", new Conv2d(8, 16, 3, 1));
            fc1 = registerModule("fc1", new Linear(256, 32));
            fc2 = registerModule("fc2", new Linear(32, 10));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = conv1.apply(x).relu();
            x = conv2.apply(x).relu();
            x = Functional.maxPool2d(x, 2);
            x = x.flatten(1);
            x = fc1.apply(x).relu();
            x = fc2.apply(x);
            // the tutorial computes log_softmax and then returns the logits
            return x;
        }
    }

    @Test
    void perSampleGradientsTutorialAndDpSgdFollowPyTorch() {
        Replay r = new Replay("per_sample", 5);
        int batchSize = 16;
        Tensor data = Tensor.randn(F64, batchSize, 1, 12, 12);
        Tensor targets = Tensor.randint(0, 10, batchSize);
        SimpleCNN model = new SimpleCNN();
        model.to(F64);
        r.rec("loss", Functional.nllLoss(model.apply(data), targets).item());
        // manually process each sample with per sample gradient
        List<List<Tensor>> sampleGrads = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
            Tensor prediction = model.apply(data.select(0, i).unsqueeze(0));
            Tensor loss = Functional.nllLoss(prediction, targets.select(0, i).unsqueeze(0));
            sampleGrads.add(Autograd.grad(List.of(loss), model.parameters()));
        }
        List<String> names = new ArrayList<>(model.namedParameters().keySet());
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            params.put(e.getKey(), e.getValue().detach());
        }
        Map<String, Tensor> buffers = new LinkedHashMap<>();
        TreeFn computeLoss = a -> {
            Tensor batch = t(a[2]).unsqueeze(0);
            Tensor tg = t(a[3]).unsqueeze(0);
            Tensor predictions = Stateless.functionalCall(model, List.of(FuncTree.params(a[0]), FuncTree.params(a[1])),
                    batch);
            return Functional.nllLoss(predictions, tg);
        };
        TreeFn ftComputeSampleGrad = FuncTree.vmap(FuncTree.grad(computeLoss), new Object[] {null, null, 0, 0}, 0);
        Map<String, Tensor> ft = FuncTree.params(ftComputeSampleGrad.apply(params, buffers, data, targets));
        for (int k = 0; k < names.size(); k++) {
            String name = names.get(k);
            List<Tensor> shards = new ArrayList<>();
            for (List<Tensor> g : sampleGrads) {
                shards.add(g.get(k));
            }
            r.summary("g." + name, ft.get(name));
            r.rec("diff." + name, ft.get(name).sub(Tensor.stack(shards, 0)).abs().max().item() < 1e-12);
        }
        r.rec("g.fc2.bias.rows", ft.get("fc2.bias"));
        // DP-SGD: clip each sample's gradient to norm C, Gaussian noise drawn as one vector, average, step
        double c = 1.0;
        double sigma = 0.5;
        double lr = 0.5;
        for (int step = 0; step < 4; step++) {
            params = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
                params.put(e.getKey(), e.getValue().detach());
            }
            Map<String, Tensor> g = FuncTree.params(ftComputeSampleGrad.apply(params, buffers, data, targets));
            List<Tensor> perParam = new ArrayList<>();
            for (String k : names) {
                perParam.add(g.get(k).flatten(1).norm(2.0, new int[] {1}, false));
            }
            Tensor norms = Tensor.stack(perParam, 0).norm(2.0, new int[] {0}, false);
            // C / (norms + 1e-6) with C = 1: the reciprocal, exactly
            Tensor factor = norms.add(1e-6).reciprocal().mul(c).clampMax(1.0);
            long total = 0;
            for (Tensor p : model.parameters()) {
                total += p.numel();
            }
            Tensor noise = Tensor.randn(F64, (int) total);
            int offset = 0;
            try (GradMode off = Ember.noGrad()) {
                for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
                    Tensor p = e.getValue();
                    Tensor gk = g.get(e.getKey());
                    int[] shape = new int[gk.dim()];
                    java.util.Arrays.fill(shape, 1);
                    shape[0] = -1;
                    Tensor clipped = gk.mul(factor.view(shape)).sum(0);
                    Tensor n = noise.narrow(0, offset, (int) p.numel()).viewAs(p);
                    offset += (int) p.numel();
                    p.sub_(clipped.add(n.mul(sigma * c)).mul(lr).div(batchSize));
                }
            }
            r.rec("norms." + step, norms);
            try (GradMode off = Ember.noGrad()) {
                r.rec("loss." + step, Functional.nllLoss(model.apply(data), targets).item());
            }
            r.rng("rng." + step);
        }
        r.summaries(model, "p.");
        r.done();
    }

    // ------------------------------------------------------------------ 4. FGSM

    static final class FgsmNet extends Module {
        final Conv2d conv1;
        final Conv2d conv2;
        final Dropout dropout1;
        final Dropout dropout2;
        final Linear fc1;
        final Linear fc2;

        FgsmNet() {
            conv1 = registerModule("conv1", new Conv2d(1, 8, 3, 1));
            conv2 = registerModule("conv2", new Conv2d(8, 16, 3, 1));
            dropout1 = registerModule("dropout1", new Dropout(0.25));
            dropout2 = registerModule("dropout2", new Dropout(0.5));
            fc1 = registerModule("fc1", new Linear(256, 32));
            fc2 = registerModule("fc2", new Linear(32, 10));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = conv1.apply(x).relu();
            x = conv2.apply(x).relu();
            x = Functional.maxPool2d(x, 2);
            x = dropout1.apply(x);
            x = x.flatten(1);
            x = fc1.apply(x).relu();
            x = dropout2.apply(x);
            x = fc2.apply(x);
            return Functional.logSoftmax(x, 1);
        }
    }

    private static Tensor fgsmAttack(Tensor image, double epsilon, Tensor dataGrad) {
        Tensor signDataGrad = dataGrad.sign();
        Tensor perturbedImage = image.add(signDataGrad.mul(epsilon));
        return perturbedImage.clamp(0.0, 1.0);
    }

    private static Tensor denorm(Tensor batch) {
        Tensor mean = Tensor.tensor(new double[] {0.1307}, F64);
        Tensor std = Tensor.tensor(new double[] {0.3081}, F64);
        return batch.mul(std.view(1, -1, 1, 1)).add(mean.view(1, -1, 1, 1));
    }

    /** transforms.Normalize((0.1307,), (0.3081,)) on a batch. */
    private static Tensor normalize(Tensor batch) {
        return batch.sub(0.1307).div(0.3081);
    }

    @Test
    void fgsmTutorialFollowsPyTorch() {
        Replay r = new Replay("fgsm", 6);
        Tensor images = Tensor.rand(F64, 64, 1, 12, 12);
        Tensor teacher = Tensor.randn(F64, 144, 10);
        Tensor labels = images.flatten(1).matmul(teacher).argmax(1);
        Tensor x = normalize(images);
        FgsmNet model = new FgsmNet();
        model.to(F64);
        Optimizer opt = new Adadelta(model.parameters(), 1.0, 0.9, 1e-6, 0);
        trainSteps(r, model, shuffled(16, x.narrow(0, 0, 48), labels.narrow(0, 0, 48), Tensor.arange(48L)), opt, 3,
                Functional::nllLoss, 0, null);
        model.eval();
        DataLoader<List<Tensor>, List<Tensor>> testLoader = shuffled(1, x.narrow(0, 48, 16), labels.narrow(0, 48, 16));
        String[] keys = {"0", "0.05", "0.1", "0.3"};
        double[] epsilons = {0, .05, .1, .3};
        for (int e = 0; e < epsilons.length; e++) {
            int correct = 0;
            double advSum = 0;
            List<Integer> order = new ArrayList<>();
            for (List<Tensor> b : testLoader) {
                Tensor data = b.get(0);
                Tensor target = b.get(1);
                data.requiresGrad_(true);
                Tensor output = model.apply(data);
                Tensor initPred = output.argmax(1);
                order.add((int) target.item());
                if (initPred.item() != target.item()) {
                    continue;
                }
                Tensor loss = Functional.nllLoss(output, target);
                model.zeroGrad();
                loss.backward();
                Tensor dataGrad = data.grad();
                Tensor dataDenorm = denorm(data);
                Tensor perturbedData = fgsmAttack(dataDenorm, epsilons[e], dataGrad);
                output = model.apply(normalize(perturbedData));
                Tensor finalPred = output.argmax(1);
                advSum += output.sum().item();
                if (finalPred.item() == target.item()) {
                    correct++;
                }
            }
            r.rec("eps." + keys[e] + ".targets", order);
            r.rec("eps." + keys[e] + ".correct", correct);
            r.rec("eps." + keys[e] + ".adv", advSum);
            r.rng("eps." + keys[e] + ".rng");
        }
        r.summary("fc2.grad", model.fc2.weight.grad());
        r.done();
    }

    // ------------------------------------------------------------------ 5. spatial transformer network

    static final class StnNet extends Module {
        final Conv2d conv1;
        final Conv2d conv2;
        final Dropout2d conv2Drop;
        final Linear fc1;
        final Linear fc2;
        final Sequential localization;
        final Sequential fcLoc;

        StnNet() {
            conv1 = registerModule("conv1", new Conv2d(1, 10, 5));
            conv2 = registerModule("conv2", new Conv2d(10, 20, 5));
            conv2Drop = registerModule("conv2_drop", new Dropout2d());
            fc1 = registerModule("fc1", new Linear(320, 50));
            fc2 = registerModule("fc2", new Linear(50, 10));
            localization = registerModule("localization", new Sequential(new Conv2d(1, 8, 7), new MaxPool2d(2, 2),
                    new ReLU(true), new Conv2d(8, 10, 5), new MaxPool2d(2, 2), new ReLU(true)));
            fcLoc = registerModule("fc_loc", new Sequential(new Linear(10 * 3 * 3, 32), new ReLU(true),
                    new Linear(32, 3 * 2)));
            // Initialize the weights/bias with identity transformation
            try (GradMode off = Ember.noGrad()) {
                Linear last = fcLoc.get(2, Linear.class);
                last.weight.zero_();
                last.bias.copy_(Tensor.tensor(new float[] {1, 0, 0, 0, 1, 0}, DType.FLOAT32));
            }
        }

        Tensor theta(Tensor x) {
            Tensor xs = localization.apply(x);
            xs = xs.view(-1, 10 * 3 * 3);
            return fcLoc.apply(xs).view(-1, 2, 3);
        }

        Tensor stn(Tensor x) {
            Tensor grid = Functional.affineGrid(theta(x), x.shape(), false);
            return Functional.gridSample(x, grid, "bilinear", "zeros", false);
        }

        @Override
        public Tensor forward(Tensor x) {
            x = stn(x);
            x = Functional.maxPool2d(conv1.apply(x), 2).relu();
            x = Functional.maxPool2d(conv2Drop.apply(conv2.apply(x)), 2).relu();
            x = x.view(-1, 320);
            x = fc1.apply(x).relu();
            x = Functional.dropout(x, 0.5, isTraining());
            x = fc2.apply(x);
            return Functional.logSoftmax(x, 1);
        }
    }

    @Test
    void spatialTransformerTutorialFollowsPyTorch() {
        // the identity grid's side of each pixel centre follows linspace's bits, which follow PyTorch's CPU capability
        Replay r = new Replay("stn." + fmaSection(), 7);
        Tensor x = Tensor.randn(F64, 48, 1, 28, 28);
        Tensor y = Tensor.randint(0, 10, 48);
        StnNet model = new StnNet();
        model.to(F64);
        Optimizer optimizer = new SGD(model.parameters(), 0.01);
        List<Tensor> thetas = new ArrayList<>();
        Linear last = model.fcLoc.get(2, Linear.class);
        trainSteps(r, model, shuffled(16, x, y, Tensor.arange(48L)), optimizer, 2, Functional::nllLoss, 0,
                () -> thetas.add(last.bias.grad().clone()));
        r.rec("theta_grad.0", thetas.get(0));
        r.summaries(model, "p.");
        model.eval();
        try (GradMode off = Ember.noGrad()) {
            r.rec("eval", Functional.nllLoss(model.apply(x), y).item());
            r.summary("transformed", model.stn(x.narrow(0, 0, 4)));
            r.rec("theta", model.theta(x.narrow(0, 0, 4)));
        }
        r.done();
    }

    // ------------------------------------------------------------------ 6. fusion, SWA, gradient accumulation

    @Test
    void swaWithUpdateBnAndConvBnFusionFollowPyTorch() {
        Replay r = new Replay("fusion_swa", 8);
        Tensor x = Tensor.randn(F64, 64, 3, 8, 8);
        Tensor y = Tensor.randint(0, 4, 64);
        Sequential model = new Sequential(new Conv2d(3, 8, 3, 1, 1), new BatchNorm2d(8), new ReLU(), new Conv2d(8, 8, 3),
                new BatchNorm2d(8), new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(8, 4));
        model.to(F64);
        DataLoader<List<Tensor>, List<Tensor>> loader = shuffled(16, x, y, Tensor.arange(64L));
        Optimizer optimizer = new SGD(model.parameters(), 0.05, 0.9, 0, 0, false);
        AveragedModel swaModel = new AveragedModel(model);
        CosineAnnealingLR scheduler = new CosineAnnealingLR(optimizer, 4);
        int swaStart = 2;
        SWALR swaScheduler = new SWALR(optimizer, 0.02, 2, "cos");
        int step = 0;
        for (int epoch = 0; epoch < 4; epoch++) {
            step = trainSteps(r, model, loader, optimizer, 1, Functional::crossEntropy, step, null);
            if (epoch >= swaStart) {
                swaModel.updateParameters(model);
                swaScheduler.step();
            } else {
                scheduler.step();
            }
            r.rec("lr." + epoch, optimizer.lr());
        }
        r.rec("n_averaged", swaModel.nAveraged());
        // Update bn statistics for the swa_model at the end
        SwaUtils.updateBn(loader, swaModel);
        r.rng("rng.update_bn");
        r.names("swa.sd", swaModel.stateDict().keySet());
        r.summaries(swaModel, "swa.");
        swaModel.eval();
        model.eval();
        try (GradMode off = Ember.noGrad()) {
            r.rec("swa.eval", Functional.crossEntropy(swaModel.apply(x), y).item());
            r.rec("model.eval", Functional.crossEntropy(model.apply(x), y).item());
            Module fused1 = Fusion.fuseConvBnEval(model.get(0), model.get(1));
            Module fused2 = Fusion.fuseConvBnEval(model.get(3), model.get(4));
            Sequential fused = new Sequential(fused1, new ReLU(), fused2, new ReLU(), new AdaptiveAvgPool2d(1),
                    new Flatten(), model.get(8));
            Tensor a = model.apply(x);
            Tensor b = fused.apply(x);
            r.summary("fused.out", b);
            r.rec("fused.diff_small", a.sub(b).abs().max().item() < 1e-12);
            r.summary("fused1.weight", ((Conv2d) fused1).weight);
            r.summary("fused2.bias", ((Conv2d) fused2).bias);
        }
        r.done();
    }

    @Test
    void gradientAccumulationWithClippingAndWarmupSchedulerFollowsPyTorch() {
        Replay r = new Replay("accumulation", 9);
        Tensor x = Tensor.randn(F64, 96, 12);
        Tensor y = x.narrow(1, 0, 4).sum(1).gt(0.0).to(DType.INT64).add(x.narrow(1, 4, 4).sum(1).gt(0.0).to(DType.INT64));
        Sequential model = new Sequential(new Linear(12, 24), new GELU(), new Dropout(0.1), new Linear(24, 3));
        model.to(F64);
        Optimizer optimizer = new AdamW(model.parameters(), 0.01, 0.9, 0.999, 1e-8, 0.01, false);
        LRScheduler warmup = new LinearLR(optimizer, 0.25, 1.0, 2);
        LRScheduler cosine = new CosineAnnealingLR(optimizer, 4, 0.001);
        SequentialLR scheduler = new SequentialLR(optimizer, List.of(warmup, cosine), List.of(2));
        DataLoader<List<Tensor>, List<Tensor>> loader = shuffled(8, x, y, Tensor.arange(96L));
        int accumulationSteps = 4;
        model.train();
        optimizer.zeroGrad();
        int step = 0;
        for (int epoch = 0; epoch < 2; epoch++) {
            int i = 0;
            for (List<Tensor> b : loader) {
                Tensor loss = Functional.crossEntropy(model.apply(b.get(0)), b.get(1)).div(accumulationSteps);
                loss.backward();
                r.rec("idx." + epoch + "." + i, b.get(2));
                r.rec("loss." + epoch + "." + i, loss.item());
                if ((i + 1) % accumulationSteps == 0) {
                    Tensor norm = ClipGrad.clipGradNorm_(model.parameters(), 0.5);
                    optimizer.step();
                    optimizer.zeroGrad();
                    scheduler.step();
                    r.rec("norm." + step, norm.item());
                    r.rec("lr." + step, optimizer.lr());
                    r.rng("rng." + step);
                    step++;
                }
                i++;
            }
        }
        r.summaries(model, "p.");
        r.done();
    }

    // ------------------------------------------------------------------ 7. neural tangent kernels

    static final class NtkCNN extends Module {
        final Conv2d conv1;
        final Conv2d conv2;
        final Conv2d conv3;
        final Linear fc;

        NtkCNN() {
            conv1 = registerModule("conv1", new Conv2d(3, 8, 3));
            conv2 = registerModule("conv2", new Conv2d(8, 8, 3));
            conv3 = registerModule("conv3", new Conv2d(8, 8, 3));
            fc = registerModule("fc", new Linear(32, 10));
        }

        @Override
        public Tensor forward(Tensor x) {
            x = conv1.apply(x).relu();
            x = conv2.apply(x).relu();
            x = conv3.apply(x);
            x = x.flatten(1);
            return fc.apply(x);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Tensor> flatJacobians(TreeFn fnetSingle, Map<String, Tensor> params, Tensor x) {
        Map<String, Object> jac = (Map<String, Object>) FuncTree.vmap(FuncTree.jacrev(fnetSingle, 0, false),
                new Object[] {null, 0}, 0).apply(params, x);
        List<Tensor> out = new ArrayList<>();
        for (Object j : jac.values()) {
            out.add(t(j).flatten(2));
        }
        return out;
    }

    /** empirical_ntk_jacobian_contraction: J(x1) J(x2)^T by einsum per parameter, summed. */
    private static Tensor ntkJacobianContraction(TreeFn fnetSingle, Map<String, Tensor> params, Tensor x1, Tensor x2,
                                                 String compute) {
        List<Tensor> jac1 = flatJacobians(fnetSingle, params, x1);
        List<Tensor> jac2 = flatJacobians(fnetSingle, params, x2);
        String expr = compute.equals("full") ? "Naf,Mbf->NMab" : compute.equals("trace") ? "Naf,Maf->NM" : "Naf,Maf->NMa";
        List<Tensor> per = new ArrayList<>();
        for (int i = 0; i < jac1.size(); i++) {
            per.add(Tensor.einsum(expr, jac1.get(i), jac2.get(i)));
        }
        return Tensor.stack(per, 0).sum(0);
    }

    /** empirical_ntk_ntk_vps: for every pair, vmap over the identity's rows of a vjp at x1 then a jvp at x2. */
    private static Tensor ntkVps(TreeFn func, Map<String, Tensor> params, Tensor x1, Tensor x2, String compute) {
        TreeFn getNtk = a -> {
            Tensor p1 = t(a[0]);
            Tensor p2 = t(a[1]);
            TreeFn funcX1 = b -> func.apply(b[0], p1);
            TreeFn funcX2 = b -> func.apply(b[0], p2);
            FuncTree.VjpResult vr = FuncTree.vjp(funcX1, false, params);
            Tensor output = t(vr.output());
            TreeFn getNtkSlice = c -> {
                // vec @ J(x2)^T, then J(x1) @ vjps
                List<Object> vjps = vr.vjpFn().apply(c[0]);
                return FuncTree.jvp(funcX2, new Object[] {params}, vjps.toArray(), false).get(1);
            };
            int n = (int) output.numel();
            Tensor basis = Tensor.eye(n, n, output.dtype()).view(n, -1);
            return FuncTree.vmap(getNtkSlice).apply(basis);
        };
        Tensor result = t(FuncTree.vmap(FuncTree.vmap(getNtk, new Object[] {null, 0}, 0), new Object[] {0, null}, 0)
                .apply(x1, x2));
        return compute.equals("full") ? result : Tensor.einsum("NMKK->NM", result);
    }

    @Test
    void neuralTangentKernelTutorialFollowsPyTorch() {
        Replay r = new Replay("ntk", 12);
        Tensor xTrain = Tensor.randn(F64, 6, 3, 8, 8);
        Tensor xTest = Tensor.randn(F64, 4, 3, 8, 8);
        NtkCNN net = new NtkCNN();
        net.to(F64);
        net.eval();
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : net.namedParameters().entrySet()) {
            params.put(e.getKey(), e.getValue().detach());
        }
        TreeFn fnetSingle = a -> Stateless.functionalCall(net, FuncTree.params(a[0]), t(a[1]).unsqueeze(0)).squeeze(0);
        Tensor full = ntkJacobianContraction(fnetSingle, params, xTrain, xTest, "full");
        r.summary("full", full);
        r.rec("full.0.0", full.select(0, 0).select(0, 0));
        Tensor trace = ntkJacobianContraction(fnetSingle, params, xTrain, xTest, "trace");
        r.rec("trace", trace);
        r.summary("diagonal", ntkJacobianContraction(fnetSingle, params, xTrain, xTest, "diagonal"));
        Tensor vps = ntkVps(fnetSingle, params, xTrain, xTest, "full");
        r.rec("vps_close", full.allclose(vps, 1e-10, 1e-12));
        r.rec("vps_trace", trace.allclose(ntkVps(fnetSingle, params, xTrain, xTest, "trace"), 1e-10, 1e-12));
        r.done();
    }

    // ------------------------------------------------------------------ 8. an EMA of the weights and the buffers

    @Test
    void emaOfWeightsAndBuffersFollowsPyTorch() {
        Replay r = new Replay("ema", 13);
        Tensor x = Tensor.randn(F64, 80, 8);
        Tensor y = x.select(1, 0).mul(x.select(1, 1)).gt(0.0).to(DType.INT64);
        Sequential model = new Sequential(new Linear(8, 16), new BatchNorm1d(16), new ReLU(), new Dropout(0.2),
                new Linear(16, 2));
        model.to(F64);
        // AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9), use_buffers=True)
        AveragedModel emaModel = new AveragedModel(model, null, null, SwaUtils.getEmaMultiAvgFn(0.9), true);
        Optimizer opt = new SGD(model.parameters(), 0.1, 0.9, 0, 0, false);
        DataLoader<List<Tensor>, List<Tensor>> loader = shuffled(16, x, y, Tensor.arange(80L));
        int step = 0;
        for (int epoch = 0; epoch < 2; epoch++) {
            model.train();
            for (List<Tensor> b : loader) {
                opt.zeroGrad();
                Tensor loss = Functional.crossEntropy(model.apply(b.get(0)), b.get(1));
                loss.backward();
                opt.step();
                emaModel.updateParameters(model);
                r.stepRecords(step++, b.get(2), loss.item());
            }
        }
        r.rec("n_averaged", emaModel.nAveraged());
        r.rec("num_batches_tracked", ((Sequential) emaModel.module()).get(1).getBuffer("num_batches_tracked").item());
        r.summaries(emaModel, "ema.");
        emaModel.eval();
        model.eval();
        try (GradMode off = Ember.noGrad()) {
            r.rec("ema.eval", Functional.crossEntropy(emaModel.apply(x), y).item());
            r.rec("model.eval", Functional.crossEntropy(model.apply(x), y).item());
        }
        r.done();
    }

    // ------------------------------------------------------------------ 9. an ensemble with dropout under vmap

    static final class DropMLP extends Module {
        final Linear fc1;
        final Dropout drop;
        final Linear fc2;

        DropMLP() {
            fc1 = registerModule("fc1", new Linear(12, 24));
            drop = registerModule("drop", new Dropout(0.3));
            fc2 = registerModule("fc2", new Linear(24, 3));
        }

        @Override
        public Tensor forward(Tensor x) {
            return fc2.apply(drop.apply(fc1.apply(x).relu()));
        }
    }

    @Test
    void ensembleWithDropoutUnderVmapRandomnessFollowsPyTorch() {
        Replay r = new Replay("ensemble_dropout", 14);
        int numModels = 4;
        Tensor data = Tensor.randn(F64, numModels, 20, 12);
        Tensor targets = Tensor.randint(0, 3, numModels, 20);
        List<DropMLP> models = new ArrayList<>();
        for (int i = 0; i < numModels; i++) {
            DropMLP m = new DropMLP();
            m.to(F64);
            models.add(m);
        }
        List<Map<String, Tensor>> state = Func.stackModuleState(models);
        Map<String, Tensor> params = state.get(0);
        Map<String, Tensor> buffers = state.get(1);
        Module baseModel = DeepCopy.of(models.get(0)).to(Device.META);
        TreeFn fmodel = a -> Stateless.functionalCall(baseModel, List.of(FuncTree.params(a[0]), FuncTree.params(a[1])),
                t(a[2]));
        Optimizer opt = new SGD(new ArrayList<>(params.values()), 0.1);
        for (int step = 0; step < 3; step++) {
            opt.zeroGrad();
            Tensor out = t(FuncTree.vmap(fmodel, 0, 0, Func.Randomness.DIFFERENT).apply(params, buffers, data));
            List<Tensor> perModel = new ArrayList<>();
            for (int i = 0; i < numModels; i++) {
                perModel.add(Functional.crossEntropy(out.select(0, i), targets.select(0, i)));
            }
            Tensor losses = Tensor.stack(perModel, 0);
            losses.sum().backward();
            opt.step();
            r.rec("loss." + step, losses);
            r.rng("rng." + step);
        }
        try (GradMode off = Ember.noGrad()) {
            Object[] inDims = {0, 0, null};
            r.summary("same", t(FuncTree.vmap(fmodel, inDims, 0, Func.Randomness.SAME).apply(params, buffers,
                    data.select(0, 0))));
            r.rng("rng.same");
            r.summary("different", t(FuncTree.vmap(fmodel, inDims, 0, Func.Randomness.DIFFERENT).apply(params, buffers,
                    data.select(0, 0))));
            r.rng("rng.different");
        }
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            r.summary("p." + e.getKey(), e.getValue());
        }
        r.done();
    }

    // ------------------------------------------------------------------ a regression: affine_grid's base grid

    /**
     * Regressions (the spatial transformer's first step): affine_grid without align_corners scales linspace(-1, 1, n)
     * as ATen's linspace_from_neg_one, {@code range * (n - 1) / n} with two roundings (Ember multiplied by the rounded
     * ratio), and float32 / float64 linspace is PyTorch's CPU kernel's bit for bit (vector passes of
     * Vectorized::arange, the scalar formula fused by FMA; Ember evaluated the scalar formula everywhere, float32 in
     * double). Either puts some of the identity grid's points a rounding to the other side of a pixel centre, where
     * grid_sample's gradient with respect to the grid jumps: the gradient of theta came out 20% off PyTorch's. The
     * expected bits are 2.x's linspace (emulated on 1.13 by the generator) through ATen's base grid, for the machine's
     * {@code CpuCapability} ({@link #fmaSection}).
     */
    @Test
    void affineGridBaseGridRoundsAsPyTorch() {
        Replay r = new Replay("affine_grid." + fmaSection(), 10);
        for (DType dtype : new DType[] {F64, DType.FLOAT32}) {
            String name = dtype == F64 ? "f64" : "f32";
            Tensor th = Tensor.tensor(new double[][] {{1, 0, 0}, {0, 1, 0}}, dtype).unsqueeze(0);
            r.exact("grid2d." + name, Functional.affineGrid(th, new int[] {1, 1, 7, 28}, false));
            Tensor th3 = Tensor.tensor(new double[][] {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}}, dtype).unsqueeze(0);
            r.exact("grid3d." + name, Functional.affineGrid(th3, new int[] {1, 1, 2, 3, 28}, false));
        }
        Tensor inp = Tensor.randn(F64, 1, 1, 7, 28);
        Tensor th = Tensor.tensor(new double[][] {{1, 0, 0}, {0, 1, 0}}, F64).unsqueeze(0).requiresGrad_(true);
        Functional.gridSample(inp, Functional.affineGrid(th, new int[] {1, 1, 7, 28}, false), "bilinear", "zeros", false)
                .sum().backward();
        r.rec("theta_grad", th.grad());
        int w = 100;
        for (DType dtype : new DType[] {F64, DType.FLOAT32}) {
            for (boolean align : new boolean[] {false, true}) {
                Tensor id = Tensor.tensor(new double[][] {{1, 0, 0}, {0, 1, 0}}, dtype).unsqueeze(0);
                Tensor g = Functional.affineGrid(id, new int[] {1, 1, 3, w}, align).requiresGrad_(true);
                Tensor sq = Tensor.arange(0, w, 1, dtype).pow(2.0).expand(1, 1, 3, w);
                Functional.gridSample(sq, g, "bilinear", "zeros", align).sum().backward();
                double scale = align ? (w - 1) / 2.0 : w / 2.0;
                r.rec("left." + (dtype == F64 ? "f64." : "f32.") + (align ? 1 : 0),
                        g.grad().select(-1, 0).div(scale).sub(1.0).div(2.0).round().to(DType.INT64));
            }
        }
        r.done();
    }

    /**
     * The section of the capability-dependent programs that use linspace (affine_grid, the spatial transformer) for
     * this machine: "DEFAULT" there, else "AVX2". 2.x's linspace is the scalar formula fused on both FMA builds, and
     * the rest these programs take from the capability (the 2-D grid_sample's unnormalization) is fused on both as
     * well, so an AVX512 machine computes the AVX2 values; the generator writes those two (it cannot run PyTorch's
     * AVX512 kernels on a CPU without AVX-512, and the committed AVX512 sections were 1.13's 16-lane linspace passes).
     */
    private static String fmaSection() {
        return CpuCapability.fusesMultiplyAdd(CpuCapability.value()) ? "AVX2" : "DEFAULT";
    }

    /**
     * Regressions: float32 / float64 linspace and arange bit for bit as PyTorch's CPU kernels of each capability
     * (AVX512, AVX2, DEFAULT): linspace as 2.x computes it (every value the scalar formula, fused in the AVX2 and
     * AVX512 builds; the generator emulates it), arange as 1.13 and 2.x do (PyTorch 1.13 run under
     * ATEN_CPU_CAPABILITY; passes of Vectorized::arange, FMA in the AVX2 and AVX512 builds), and {@link
     * Tensor#linspace} / {@link Tensor#arange} as the machine's. Ember computed {@code start + i * step} (arange) and
     * the symmetric scalar formula (linspace) in double for every element, then 1.13's vector passes for linspace.
     */
    @Test
    void linspaceAndArangeFollowPyTorchsKernelsOnEveryCapability() {
        double[][] ranges = {{-1, 1, 28}, {-3.7, 11.3, 37}, {0.1, 0.7, 100}};
        double[][] aranges = {{0, 1, 0.1}, {-3.7, 11.3, 0.37}, {0.1, 2.3, 0.013}};
        String[] arangeKeys = {"0.1", "0.37", "0.013"};
        for (String cap : new String[] {"AVX512", "AVX2", "DEFAULT"}) {
            Replay r = new Replay("linspace." + cap, 0);
            for (DType dtype : new DType[] {F64, DType.FLOAT32}) {
                String name = dtype == F64 ? "f64" : "f32";
                for (double[] g : ranges) {
                    double[] v = Creation.kernelLinspace(g[0], g[1], (int) g[2], dtype, cap);
                    r.exact(name + "." + (int) g[2], v);
                    if (cap.equals(CpuCapability.value())) {
                        assertArrayEquals(v, Tensor.linspace(g[0], g[1], (int) g[2], dtype).to(F64).toDoubleArray(),
                                0.0, "Tensor.linspace on this machine");
                    }
                }
                for (int k = 0; k < aranges.length; k++) {
                    double[] g = aranges[k];
                    Tensor t = Tensor.arange(g[0], g[1], g[2], dtype);
                    double[] v = Creation.kernelArange(g[0], g[2], (int) t.numel(), dtype, cap);
                    r.exact("arange." + name + "." + arangeKeys[k], v);
                    if (cap.equals(CpuCapability.value())) {
                        assertArrayEquals(v, t.to(F64).toDoubleArray(), 0.0, "Tensor.arange on this machine");
                    }
                }
            }
            r.done();
        }
    }
}
