package dev.ember;

import dev.ember.ao.nn.quantized.Quantize;
import dev.ember.ao.quantization.DeQuantStub;
import dev.ember.ao.quantization.HistogramObserver;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QuantStub;
import dev.ember.ao.quantization.Quantization;
import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Embedding;
import dev.ember.nn.Functional;
import dev.ember.nn.GELU;
import dev.ember.nn.GRU;
import dev.ember.nn.LSTM;
import dev.ember.nn.LayerNorm;
import dev.ember.nn.LazyLinear;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleDict;
import dev.ember.nn.ModuleInternals;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Tanh;
import dev.ember.nn.utils.ClipGrad;
import dev.ember.nn.utils.Parametrize;
import dev.ember.nn.utils.Prune;
import dev.ember.optim.Adam;
import dev.ember.optim.AdamW;
import dev.ember.optim.ParamGroup;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.ember.OutsiderFixture.close;
import static dev.ember.OutsiderFixture.same;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 44's outsider round 19b: programs that rely on {@code copy.deepcopy} ({@link DeepCopy#of}), ported line by
 * line from their reference code with Ember's public API, run in float64 from PyTorch's initial weights and fixed data
 * and held to PyTorch's losses, outputs and parameters after the last step ({@code resources/deepcopywild/
 * make_expected.py} wrote {@code deepcopywild.pt} with PyTorch 1.13; the float32 initial values and data are widened to
 * the very same float64 numbers). Every comparison is held to {@link LossesMoreTest#assertClose}'s float64 tolerance
 * (1e-12 relative to the largest magnitude compared), losses to ten times it, integer and boolean facts exactly.
 * <ol>
 * <li>DQN's target network (PyTorch's tutorial: a deep copy, hard-synced by {@code load_state_dict}); DDPG's actor and
 * critic targets (sfujim/TD3) and SAC's Polyak update in place.</li>
 * <li>DINO's teacher: a frozen deep copy of the student, its EMA, centering and sharpening, the multi-crop loss; and
 * main_dino.py as written, whose weight-normed last layer makes the student uncopyable (refused as PyTorch refuses), so
 * its teacher loads the student's state dict.</li>
 * <li>Mean teacher (CuriousAI) with BatchNorm and detached EMA parameters; timm's ModelEmaV2 averaging every state
 * dict value, the integer {@code num_batches_tracked} truncated by {@code copy_} as PyTorch does, and ModelEmaV3's
 * {@code lerp_}; ddim's EMAHelper writing its shadow into a deep copy; Reptile's meta-step from a deep-copied state
 * dict.</li>
 * <li>Best-model checkpointing by a deep-copied state dict, a uniform model soup of deep-copied fine-tunes, and
 * Lookahead's slow weights deep-copied from the parameter groups; population based training's exploit of deep-copied
 * model and optimizer state dicts; the lottery ticket's rewinding from a deep-copied initial state dict.</li>
 * <li>Copies of modules with state (LSTM, GRU, MultiheadAttention, GPT's tied embedding, bfloat16, lazy, hooks, a
 * parametrization, legacy weight norm, pruning) trained or changed apart from their originals; state dicts, buffers,
 * hooks and an optimizer's state dict.</li>
 * <li>The static quantization tutorial's flow with PyTorch's default {@code inplace=False} (fuse, prepare, calibrate,
 * convert each return a copy; the float, fused and prepared models stay usable and unchanged) and
 * {@code quantize_dynamic(model)}; the QAT tutorial's {@code prepare_qat} training a copy and {@code convert}; in
 * float32 against this PyTorch's own quantized outputs (onednn): bit for bit after calibration, to one output quantum
 * after QAT's training.</li>
 * <li>The recipes' misuses fail with PyTorch's messages and leave their tensors as they were.</li>
 * </ol>
 */
class DeepCopyWildTest {
    private static final OutsiderFixture PT = new OutsiderFixture("deepcopywild", "deepcopywild.pt");
    private static final DType F64 = DType.FLOAT64;

    /** The entry {@code name}, a float32 one (data, initial values) widened to float64. */
    private static Tensor e(String name) {
        Tensor t = PT.e(name);
        return t.dtype() == DType.FLOAT32 ? t.to(F64) : t;
    }

    private static boolean fact(String name) {
        return PT.e(name).item() != 0;
    }

    private static Tensor losses(List<Double> xs) {
        return OutsiderFixture.values(xs, F64);
    }

    /** Every state dict entry of {@code m} against {@code prefix + key}; integers exactly. */
    private static void assertState(String prefix, Module m, String what) {
        Map<String, Tensor> want = PT.under(prefix);
        Map<String, Tensor> sd = m.stateDict();
        assertEquals(want.keySet(), sd.keySet(), what + ": state dict keys");
        for (Map.Entry<String, Tensor> en : sd.entrySet()) {
            Tensor w = want.get(en.getKey());
            if (w.dtype().isFloatingPoint()) {
                same(w, en.getValue(), what + " " + en.getKey());
            } else {
                assertArrayEquals(w.toLongArray(), en.getValue().toLongArray(), what + " " + en.getKey());
            }
        }
    }

    // ------------------------------------------------------------------ 1. target networks

    /** The tutorial's DQN. */
    static final class DQN extends Module {
        final Linear layer1;
        final Linear layer2;
        final Linear layer3;

        DQN(int nObservations, int nActions) {
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

    @Test
    void dqnTargetNetworkIsADeepCopyHardSyncedByLoadStateDict() {
        DQN policyNet = PT.loaded(new DQN(4, 2), "dqn.init.", F64);
        DQN targetNet = DeepCopy.of(policyNet);
        DQN loadedNet = new DQN(4, 2);
        loadedNet.to(F64);
        loadedNet.loadStateDict(policyNet.stateDict());
        AdamW optimizer = new AdamW(policyNet.parameters(), 1e-2, 0.9, 0.999, 1e-8, 0.01, true);
        Tensor s = e("dqn.s");
        Tensor a = e("dqn.a");
        Tensor r = e("dqn.r");
        Tensor s2 = e("dqn.s2");
        Tensor done = e("dqn.done");
        int b = 6;
        List<Double> ls = new ArrayList<>();
        for (int step = 0; step < 4; step++) {
            Tensor nonFinalMask = done.select(0, step).logicalNot();
            Tensor nonFinalNextStates = s2.select(0, step).index(Index.of(nonFinalMask));
            Tensor stateActionValues = policyNet.apply(s.select(0, step)).gather(1, a.select(0, step).unsqueeze(1));
            Tensor nextStateValues = Tensor.zeros(F64, b);
            try (GradMode off = Ember.noGrad()) {
                nextStateValues.indexPut_(new Index[] {Index.of(nonFinalMask)},
                    targetNet.apply(nonFinalNextStates).max(1).values(), false);
                assertTrue(targetNet.apply(s2.select(0, step)).equal(loadedNet.apply(s2.select(0, step))),
                    "the deep copy and the loaded network agree");
            }
            Tensor expectedStateActionValues = nextStateValues.mul(0.9).add(r.select(0, step));
            Tensor loss = Functional.smoothL1Loss(stateActionValues, expectedStateActionValues.unsqueeze(1));
            optimizer.zeroGrad();
            loss.backward();
            ClipGrad.clipGradValue_(policyNet.parameters(), 100);
            optimizer.step();
            ls.add(loss.item());
            for (Tensor p : targetNet.parameters()) {
                assertNull(p.grad(), "no gradient reaches the target network");
            }
            if (step == 1) {
                targetNet.loadStateDict(policyNet.stateDict());
                loadedNet.loadStateDict(policyNet.stateDict());
            }
        }
        close(e("dqn.loss"), losses(ls), "DQN losses", 10);
        PT.assertNamed("dqn.final.policy.", policyNet, false, 1, "DQN policy net");
        PT.assertNamed("dqn.final.target.", targetNet, false, 1, "DQN target net");
    }

    /** sfujim/TD3's Actor. */
    static final class Actor extends Module {
        final Linear l1;
        final Linear l2;
        final Linear l3;
        final double maxAction;

        Actor(int stateDim, int actionDim, double maxAction) {
            l1 = registerModule("l1", new Linear(stateDim, 8));
            l2 = registerModule("l2", new Linear(8, 8));
            l3 = registerModule("l3", new Linear(8, actionDim));
            this.maxAction = maxAction;
        }

        @Override
        public Tensor forward(Tensor state) {
            Tensor a = Functional.relu(l1.apply(state));
            a = Functional.relu(l2.apply(a));
            return l3.apply(a).tanh().mul(maxAction);
        }
    }

    /** sfujim/TD3's DDPG Critic. */
    static final class Critic extends Module {
        final Linear l1;
        final Linear l2;
        final Linear l3;

        Critic(int stateDim, int actionDim) {
            l1 = registerModule("l1", new Linear(stateDim + actionDim, 8));
            l2 = registerModule("l2", new Linear(8, 8));
            l3 = registerModule("l3", new Linear(8, 1));
        }

        Tensor forward(Tensor state, Tensor action) {
            Tensor q = Functional.relu(l1.apply(Tensor.cat(List.of(state, action), 1)));
            q = Functional.relu(l2.apply(q));
            return l3.apply(q);
        }

        @Override
        public Tensor forward(Tensor x) {
            throw new UnsupportedOperationException("called with a state and an action");
        }
    }

    @Test
    void ddpgAndSacTargetsFollowTheirOnlineNetworksByPolyakUpdates() {
        Actor actor = PT.loaded(new Actor(3, 2, 2.0), "ddpg.init.actor.", F64);
        Critic critic = PT.loaded(new Critic(3, 2), "ddpg.init.critic.", F64);
        Actor actorTarget = DeepCopy.of(actor);
        Critic criticTarget = DeepCopy.of(critic);
        Critic sacTarget = DeepCopy.of(critic);
        assertEquals(2.0, actorTarget.maxAction);
        for (Tensor p : sacTarget.parameters()) {
            p.requiresGrad_(false);
        }
        Adam actorOptimizer = new Adam(actor.parameters(), 3e-3);
        Adam criticOptimizer = new Adam(critic.parameters(), 3e-3);
        Tensor state = e("ddpg.state");
        Tensor action = e("ddpg.action");
        Tensor nextState = e("ddpg.next_state");
        Tensor reward = e("ddpg.reward");
        Tensor notDone = e("ddpg.not_done");
        double tau = 0.1;
        double discount = 0.99;
        double polyak = 0.8;
        List<Double> closses = new ArrayList<>();
        List<Double> alosses = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            Tensor targetQ = criticTarget.forward(nextState.select(0, step), actorTarget.apply(nextState.select(0, step)));
            targetQ = reward.select(0, step).add(notDone.select(0, step).mul(discount).mul(targetQ).detach());
            Tensor currentQ = critic.forward(state.select(0, step), action.select(0, step));
            Tensor criticLoss = Functional.mseLoss(currentQ, targetQ);
            criticOptimizer.zeroGrad();
            criticLoss.backward();
            criticOptimizer.step();
            Tensor actorLoss = critic.forward(state.select(0, step), actor.apply(state.select(0, step))).mean().neg();
            actorOptimizer.zeroGrad();
            actorLoss.backward();
            actorOptimizer.step();
            polyak(critic, criticTarget, tau);
            polyak(actor, actorTarget, tau);
            try (GradMode off = Ember.noGrad()) {
                List<Tensor> ps = critic.parameters();
                List<Tensor> targ = sacTarget.parameters();
                for (int i = 0; i < ps.size(); i++) {
                    targ.get(i).data().mul_(polyak);
                    targ.get(i).data().add_(ps.get(i).data().mul(1 - polyak));
                }
            }
            closses.add(criticLoss.item());
            alosses.add(actorLoss.item());
        }
        close(e("ddpg.critic_loss"), losses(closses), "DDPG critic losses", 10);
        close(e("ddpg.actor_loss"), losses(alosses), "DDPG actor losses", 10);
        PT.assertNamed("ddpg.final.actor.", actor, false, 1, "actor");
        PT.assertNamed("ddpg.final.critic.", critic, false, 1, "critic");
        PT.assertNamed("ddpg.final.actor_target.", actorTarget, false, 1, "actor target");
        PT.assertNamed("ddpg.final.critic_target.", criticTarget, false, 1, "critic target");
        PT.assertNamed("ddpg.final.sac_target.", sacTarget, false, 1, "SAC target");
    }

    /** {@code target_param.data.copy_(tau * param.data + (1 - tau) * target_param.data)} over the pairs. */
    private static void polyak(Module online, Module target, double tau) {
        List<Tensor> ps = online.parameters();
        List<Tensor> ts = target.parameters();
        for (int i = 0; i < ps.size(); i++) {
            ts.get(i).data().copy_(ps.get(i).data().mul(tau).add(ts.get(i).data().mul(1 - tau)));
        }
    }

    // ------------------------------------------------------------------ 2. DINO

    /** DINO's head with a plain last layer (see the generator for norm_last_layer). */
    static final class DINOHead extends Module {
        final Sequential mlp;
        final Linear lastLayer;

        DINOHead(int inDim, int outDim, int hiddenDim, int bottleneckDim) {
            this(inDim, outDim, hiddenDim, bottleneckDim, false);
        }

        /** With {@code normLastLayer}, main_dino.py's last layer: legacy weight norm, weight_g 1 and frozen. */
        DINOHead(int inDim, int outDim, int hiddenDim, int bottleneckDim, boolean normLastLayer) {
            mlp = registerModule("mlp", new Sequential(new Linear(inDim, hiddenDim), new GELU(),
                new Linear(hiddenDim, hiddenDim), new GELU(), new Linear(hiddenDim, bottleneckDim)));
            Linear last = new Linear(bottleneckDim, outDim, false);
            if (normLastLayer) {
                last = dev.ember.nn.utils.WeightNorm.weightNorm(last);
                last.getParameter("weight_g").data().fill_(1);
                last.getParameter("weight_g").requiresGrad_(false);
            }
            lastLayer = registerModule("last_layer", last);
        }

        @Override
        public Tensor forward(Tensor x) {
            x = mlp.apply(x);
            x = Functional.normalize(x, 2, -1, 1e-12);
            return lastLayer.apply(x);
        }
    }

    /** DINO's MultiCropWrapper over a list of crops of one resolution (one backbone call on their concatenation). */
    static final class MultiCropWrapper extends Module {
        final Sequential backbone;
        final DINOHead head;

        MultiCropWrapper(Sequential backbone, DINOHead head) {
            this.backbone = registerModule("backbone", backbone);
            this.head = registerModule("head", head);
        }

        Tensor forward(List<Tensor> x) {
            return head.apply(backbone.apply(Tensor.cat(x, 0)));
        }

        @Override
        public Tensor forward(Tensor x) {
            return forward(List.of(x));
        }
    }

    /** DINOLoss (single process: the batch center is the mean of the teacher's outputs). */
    static final class DINOLoss {
        final double studentTemp;
        final double centerMomentum;
        final int ncrops;
        final double teacherTemp;
        Tensor center;

        DINOLoss(int outDim, int ncrops, double teacherTemp, double studentTemp, double centerMomentum) {
            this.studentTemp = studentTemp;
            this.centerMomentum = centerMomentum;
            this.ncrops = ncrops;
            this.teacherTemp = teacherTemp;
            this.center = Tensor.zeros(F64, 1, outDim);
        }

        Tensor forward(Tensor studentOutput, Tensor teacherOutput) {
            Tensor studentOut = studentOutput.div(studentTemp);
            List<Tensor> studentChunks = studentOut.chunk(ncrops, 0);
            Tensor teacherOut = Functional.softmax(teacherOutput.sub(center).div(teacherTemp), -1);
            List<Tensor> teacherChunks = teacherOut.detach().chunk(2, 0);
            Tensor totalLoss = null;
            int nLossTerms = 0;
            for (int iq = 0; iq < teacherChunks.size(); iq++) {
                Tensor q = teacherChunks.get(iq);
                for (int v = 0; v < studentChunks.size(); v++) {
                    if (v == iq) {
                        continue;
                    }
                    Tensor loss = q.neg().mul(Functional.logSoftmax(studentChunks.get(v), -1)).sum(-1);
                    totalLoss = totalLoss == null ? loss.mean() : totalLoss.add(loss.mean());
                    nLossTerms++;
                }
            }
            totalLoss = totalLoss.div(nLossTerms);
            updateCenter(teacherOutput);
            return totalLoss;
        }

        void updateCenter(Tensor teacherOutput) {
            try (GradMode off = Ember.noGrad()) {
                Tensor batchCenter = teacherOutput.sum(new int[] {0}, true);
                batchCenter = batchCenter.div(teacherOutput.size(0));
                center = center.mul(centerMomentum).add(batchCenter.mul(1 - centerMomentum));
            }
        }
    }

    @Test
    void dinoTeacherIsAFrozenDeepCopyOfTheStudentFollowingItsEma() {
        MultiCropWrapper student = PT.loaded(new MultiCropWrapper(new Sequential(new Linear(6, 10), new GELU()),
            new DINOHead(10, 5, 12, 4)), "dino.init.", F64);
        MultiCropWrapper teacher = DeepCopy.of(student);
        for (Tensor p : teacher.parameters()) {
            p.requiresGrad_(false);
        }
        for (Tensor p : student.parameters()) {
            assertTrue(p.requiresGrad(), "freezing the teacher leaves the student trainable");
        }
        DINOLoss dinoLoss = new DINOLoss(5, 4, 0.04, 0.1, 0.9);
        AdamW opt = new AdamW(student.parameters(), 5e-3, 0.9, 0.999, 1e-8, 0.04, false);
        Tensor crops = e("dino.crops");
        double[] momentumSchedule = {0.9, 0.95, 0.98};
        List<Double> ls = new ArrayList<>();
        for (int it = 0; it < 3; it++) {
            List<Tensor> images = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                images.add(crops.select(0, it).select(0, c));
            }
            Tensor teacherOutput = teacher.forward(images.subList(0, 2));
            Tensor studentOutput = student.forward(images);
            assertFalse(teacherOutput.requiresGrad(), "the frozen teacher records nothing");
            if (it == 0) {
                same(e("dino.teacher_out0"), teacherOutput, "teacher output");
                same(e("dino.student_out0"), studentOutput, "student output");
            }
            Tensor loss = dinoLoss.forward(studentOutput, teacherOutput);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            try (GradMode off = Ember.noGrad()) {
                double m = momentumSchedule[it];
                List<Tensor> q = student.parameters();
                List<Tensor> k = teacher.parameters();
                for (int i = 0; i < q.size(); i++) {
                    k.get(i).data().mul_(m).add_(q.get(i).detach().data().mul(1 - m));
                }
            }
            ls.add(loss.item());
        }
        close(e("dino.loss"), losses(ls), "DINO losses", 10);
        same(e("dino.center"), dinoLoss.center, "DINO center");
        PT.assertNamed("dino.final.student.", student, false, 1, "DINO student");
        PT.assertNamed("dino.final.teacher.", teacher, false, 1, "DINO teacher");
    }

    /** main_dino.py's get_params_groups: no weight decay on biases and 1-D parameters, frozen ones left out. */
    private static AdamW dinoAdamW(Module model, double lr, double weightDecay) {
        List<Tensor> regularized = new ArrayList<>();
        List<Tensor> notRegularized = new ArrayList<>();
        model.namedParameters().forEach((name, param) -> {
            if (!param.requiresGrad()) {
                return;
            }
            if (name.endsWith(".bias") || param.dim() == 1) {
                notRegularized.add(param);
            } else {
                regularized.add(param);
            }
        });
        AdamW opt = new AdamW(regularized, lr, 0.9, 0.999, 1e-8, weightDecay, false);
        opt.addParamGroup(notRegularized, Map.of("weight_decay", 0.0));
        return opt;
    }

    @Test
    void mainDinoWithAWeightNormedLastLayerBuildsItsTeacherByLoadStateDict() {
        MultiCropWrapper student = PT.loaded(new MultiCropWrapper(new Sequential(new Linear(6, 10), new GELU()),
            new DINOHead(10, 5, 12, 4, true)), "dinown.init.", F64);
        Tensor crops = e("dino.crops");
        student.forward(crops.select(0, 0).select(0, 0));
        assertTrue(fact("dinown.deepcopy_refused"));
        String msg = assertThrows(IllegalArgumentException.class, () -> DeepCopy.of(student)).getMessage();
        assertTrue(msg.startsWith("Only Tensors created explicitly by the user (graph leaves)"), msg);
        MultiCropWrapper teacher = new MultiCropWrapper(new Sequential(new Linear(6, 10), new GELU()),
            new DINOHead(10, 5, 12, 4, true));
        teacher.to(F64);
        teacher.loadStateDict(student.stateDict());
        for (Tensor p : teacher.parameters()) {
            p.requiresGrad_(false);
        }
        DINOLoss dinoLoss = new DINOLoss(5, 4, 0.04, 0.1, 0.9);
        AdamW opt = dinoAdamW(student, 5e-3, 0.04);
        double[] momentumSchedule = {0.9, 0.95, 0.98};
        List<Double> ls = new ArrayList<>();
        for (int it = 0; it < 3; it++) {
            List<Tensor> images = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                images.add(crops.select(0, it).select(0, c));
            }
            Tensor teacherOutput = teacher.forward(images.subList(0, 2));
            Tensor studentOutput = student.forward(images);
            Tensor loss = dinoLoss.forward(studentOutput, teacherOutput);
            opt.zeroGrad();
            loss.backward();
            if (it < 1) { // cancel_gradients_last_layer
                student.namedParameters().forEach((n, p) -> {
                    if (n.contains("last_layer")) {
                        p.setGrad(null);
                    }
                });
            }
            opt.step();
            try (GradMode off = Ember.noGrad()) {
                double m = momentumSchedule[it];
                List<Tensor> q = student.parameters();
                List<Tensor> k = teacher.parameters();
                for (int i = 0; i < q.size(); i++) {
                    k.get(i).data().mul_(m).add_(q.get(i).detach().data().mul(1 - m));
                }
            }
            ls.add(loss.item());
        }
        close(e("dinown.loss"), losses(ls), "main_dino losses", 10);
        same(e("dinown.center"), dinoLoss.center, "main_dino center");
        PT.assertNamed("dinown.final.student.", student, false, 1, "main_dino student");
        PT.assertNamed("dinown.final.teacher.", teacher, false, 1, "main_dino teacher");
    }

    // ------------------------------------------------------------------ 3. mean teacher, timm's ModelEmaV2

    private static Sequential mtModel() {
        return new Sequential(new Linear(5, 8), new BatchNorm1d(8), new ReLU(), new Linear(8, 3));
    }

    private static Tensor softmaxMseLoss(Tensor inputLogits, Tensor targetLogits) {
        assertArrayEquals(inputLogits.shape(), targetLogits.shape());
        Tensor inputSoftmax = Functional.softmax(inputLogits, 1);
        Tensor targetSoftmax = Functional.softmax(targetLogits, 1);
        int numClasses = (int) inputLogits.size(1);
        return Functional.mseLoss(inputSoftmax, targetSoftmax, "sum").div(numClasses);
    }

    private static Tensor classLoss(Tensor out, Tensor target) {
        return Functional.crossEntropy(out, target, null, "sum", -1, 0.0);
    }

    @Test
    void meanTeacherWithBatchNormKeepsItsOwnRunningStatistics() {
        Sequential model = PT.loaded(mtModel(), "mt.init.", F64);
        Sequential emaModel = DeepCopy.of(model);
        for (Tensor param : emaModel.parameters()) {
            param.detach_();
        }
        for (Tensor param : model.parameters()) {
            assertTrue(param.requiresGrad(), "detaching the copy's parameters leaves the model's");
        }
        SGD optimizer = new SGD(model.parameters(), 0.1, 0.9, 0, 1e-4, true);
        Tensor x = e("mt.x");
        Tensor emaX = e("mt.ema_x");
        Tensor target = e("mt.target");
        List<Double> ls = new ArrayList<>();
        int globalStep = 0;
        for (int i = 0; i < 3; i++) {
            Tensor emaModelOut = emaModel.apply(emaX.select(0, i));
            Tensor modelOut = model.apply(x.select(0, i));
            Tensor emaLogit = emaModelOut.detach().data();
            int minibatchSize = 6;
            Tensor classLoss = classLoss(modelOut, target.select(0, i)).div(minibatchSize);
            Tensor consistencyLoss = softmaxMseLoss(modelOut, emaLogit).mul(10.0).div(minibatchSize);
            Tensor loss = classLoss.add(consistencyLoss);
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            globalStep++;
            double alpha = Math.min(1 - 1.0 / (globalStep + 1), 0.9);
            List<Tensor> emaPs = emaModel.parameters();
            List<Tensor> ps = model.parameters();
            for (int j = 0; j < ps.size(); j++) {
                emaPs.get(j).data().mul_(alpha).add_(ps.get(j).data(), 1 - alpha);
            }
            ls.add(loss.item());
        }
        close(e("mt.loss"), losses(ls), "mean teacher losses", 10);
        assertState("mt.final.model.", model, "mean teacher student");
        assertState("mt.final.ema.", emaModel, "mean teacher EMA model");
    }

    /** timm's ModelEmaV2: a deep copy in eval mode, every state dict value averaged by copy_. */
    static final class ModelEmaV2 extends Module {
        final Module module;
        final double decay;

        ModelEmaV2(Module model, double decay) {
            module = registerModule("module", DeepCopy.of(model));
            module.eval();
            this.decay = decay;
        }

        void update(Module model) {
            try (GradMode off = Ember.noGrad()) {
                List<Tensor> ema = new ArrayList<>(module.stateDict().values());
                List<Tensor> cur = new ArrayList<>(model.stateDict().values());
                for (int i = 0; i < ema.size(); i++) {
                    Tensor e = ema.get(i);
                    e.copy_(e.mul(decay).add(cur.get(i).mul(1. - decay)));
                }
            }
        }

        @Override
        public Tensor forward(Tensor x) {
            return module.apply(x);
        }
    }

    @Test
    void timmModelEmaV2AveragesEveryStateDictValueTruncatingTheCounter() {
        Sequential model = PT.loaded(mtModel(), "mt.init.", F64);
        ModelEmaV2 modelEma = new ModelEmaV2(model, 0.6);
        assertTrue(model.isTraining(), "the EMA's eval() leaves the model training");
        SGD optimizer = new SGD(model.parameters(), 0.1, 0.9, 0, 0, false);
        Tensor x = e("mt.x");
        Tensor target = e("mt.target");
        List<Double> ls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Tensor out = model.apply(x.select(0, i));
            Tensor loss = classLoss(out, target.select(0, i)).div(6);
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            modelEma.update(model);
            ls.add(loss.item());
        }
        close(e("timm.loss"), losses(ls), "ModelEmaV2 losses", 10);
        assertState("timm.final.model.", model, "ModelEmaV2's model");
        assertState("timm.final.ema.", modelEma.module, "ModelEmaV2's average");
        same(e("timm.ema_out"), modelEma.apply(e("mt.ema_x").select(0, 0)), "the average's eval output");
    }

    @Test
    void reptileInterpolatesFromADeepCopiedStateDict() {
        Sequential model = PT.loaded(new Sequential(new Linear(1, 8), new Tanh(), new Linear(8, 8), new Tanh(),
            new Linear(8, 1)), "reptile.init.", F64);
        Tensor xAll = e("reptile.x_all");
        Tensor tasksY = e("reptile.y");
        Tensor perms = e("reptile.perms");
        double innerstepsize = 0.02;
        double outerstepsize0 = 0.1;
        int niterations = 3;
        int ntrain = 4;
        List<Double> ls = new ArrayList<>();
        for (int iteration = 0; iteration < niterations; iteration++) {
            Map<String, Tensor> weightsBefore = DeepCopy.of(model.stateDict());
            Tensor yAll = tasksY.select(0, iteration);
            Tensor inds = perms.select(0, iteration);
            for (int start = 0; start < xAll.size(0); start += ntrain) {
                Tensor mbinds = inds.slice(0, start, start + ntrain, 1);
                // train_on_batch
                model.zeroGrad();
                Tensor ypred = model.apply(xAll.index(Index.of(mbinds)));
                Tensor loss = ypred.sub(yAll.index(Index.of(mbinds))).pow(2).mean();
                loss.backward();
                for (Tensor param : model.parameters()) {
                    param.data().sub_(param.grad().data().mul(innerstepsize));
                }
                ls.add(loss.item());
            }
            Map<String, Tensor> weightsAfter = model.stateDict();
            double outerstepsize = outerstepsize0 * (1 - (double) iteration / niterations);
            Map<String, Tensor> interpolated = new LinkedHashMap<>();
            for (String name : weightsBefore.keySet()) {
                interpolated.put(name, weightsBefore.get(name).add(
                    weightsAfter.get(name).sub(weightsBefore.get(name)).mul(outerstepsize)));
            }
            model.loadStateDict(interpolated);
        }
        close(e("reptile.loss"), losses(ls), "Reptile's inner losses", 10);
        PT.assertNamed("reptile.final.", model, false, 1, "Reptile's meta-parameters");
    }

    @Test
    void timmModelEmaV3LerpsFloatingValuesAndCopiesTheCounter() {
        Sequential model = PT.loaded(mtModel(), "mt.init.", F64);
        Module ema = DeepCopy.of(model);
        ema.eval();
        double decay = 0.6;
        SGD optimizer = new SGD(model.parameters(), 0.1, 0.9, 0, 0, false);
        Tensor x = e("mt.x");
        Tensor target = e("mt.target");
        for (int i = 0; i < 3; i++) {
            Tensor loss = classLoss(model.apply(x.select(0, i)), target.select(0, i)).div(6);
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            try (GradMode off = Ember.noGrad()) {
                List<Tensor> ev = new ArrayList<>(ema.stateDict().values());
                List<Tensor> mv = new ArrayList<>(model.stateDict().values());
                for (int j = 0; j < ev.size(); j++) {
                    if (ev.get(j).dtype().isFloatingPoint()) {
                        ev.get(j).lerp_(mv.get(j), 1. - decay);
                    } else {
                        ev.get(j).copy_(mv.get(j));
                    }
                }
            }
        }
        assertState("timm3.final.ema.", ema, "ModelEmaV3's average");
    }

    /** ermongroup/ddim's EMAHelper. */
    static final class EMAHelper {
        final double mu;
        final Map<String, Tensor> shadow = new LinkedHashMap<>();

        EMAHelper(double mu) {
            this.mu = mu;
        }

        void register(Module module) {
            module.namedParameters().forEach((name, param) -> {
                if (param.requiresGrad()) {
                    shadow.put(name, param.data().clone());
                }
            });
        }

        void update(Module module) {
            module.namedParameters().forEach((name, param) -> {
                if (param.requiresGrad()) {
                    shadow.get(name).setData(param.data().mul(1. - mu).add(shadow.get(name).data().mul(mu)));
                }
            });
        }

        void ema(Module module) {
            module.namedParameters().forEach((name, param) -> {
                if (param.requiresGrad()) {
                    param.data().copy_(shadow.get(name).data());
                }
            });
        }

        <M extends Module> M emaCopy(M module) {
            M moduleCopy = DeepCopy.of(module);
            ema(moduleCopy);
            return moduleCopy;
        }
    }

    @Test
    void ddimEmaHelperWritesItsShadowIntoADeepCopy() {
        Sequential model = PT.loaded(mtModel(), "mt.init.", F64);
        ((Linear) model.get(0)).bias().requiresGrad_(false);
        EMAHelper emaHelper = new EMAHelper(0.7);
        emaHelper.register(model);
        List<Tensor> trainable = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            if (p.requiresGrad()) {
                trainable.add(p);
            }
        }
        Adam optimizer = new Adam(trainable, 0.05);
        Tensor x = e("mt.x");
        Tensor target = e("mt.target");
        for (int i = 0; i < 3; i++) {
            Tensor loss = classLoss(model.apply(x.select(0, i)), target.select(0, i)).div(6);
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            emaHelper.update(model);
        }
        Sequential testModel = emaHelper.emaCopy(model);
        testModel.eval();
        assertTrue(model.isTraining(), "evaluating the copy leaves the model training");
        same(e("ddim.ema_out"), testModel.apply(e("mt.ema_x").select(0, 0)), "the EMA copy's output");
        assertState("ddim.final.ema.", testModel, "the EMA copy");
        assertState("ddim.final.model.", model, "the model after ema_copy");
    }

    // ------------------------------------------------------------------ 4. checkpoints, soups, Lookahead

    private static Sequential regModel() {
        return new Sequential(new Linear(3, 6), new Tanh(), new Linear(6, 1));
    }

    @Test
    void bestModelCheckpointIsADeepCopiedStateDictLoadedAtTheEnd() {
        Sequential model = PT.loaded(regModel(), "best.init.", F64);
        Tensor bx = e("best.x");
        Tensor by = e("best.y");
        Tensor vx = e("best.vx");
        Tensor vy = e("best.vy");
        Adam opt = new Adam(model.parameters(), 0.3);
        double bestLoss = Double.POSITIVE_INFINITY;
        Map<String, Tensor> bestState = null;
        int bestEpoch = -1;
        List<Double> vals = new ArrayList<>();
        for (int epoch = 0; epoch < 6; epoch++) {
            model.train();
            Tensor loss = Functional.mseLoss(model.apply(bx), by);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            model.eval();
            double val;
            try (GradMode off = Ember.noGrad()) {
                val = Functional.mseLoss(model.apply(vx), vy).item();
            }
            vals.add(val);
            if (val < bestLoss) {
                bestLoss = val;
                bestState = DeepCopy.of(model.stateDict());
                bestEpoch = epoch;
            }
        }
        close(e("best.val"), losses(vals), "validation losses", 10);
        assertEquals(PT.e("best.epoch").item(), (double) bestEpoch, "the best epoch");
        PT.assertNamed("best.last.", model, false, 1, "the last epoch's parameters");
        assertTrue(bestState instanceof LinkedHashMap<?, ?>, "a copied state dict is an ordered map");
        model.loadStateDict(bestState);
        PT.assertNamed("best.final.", model, false, 1, "the best epoch's parameters, restored");
    }

    @Test
    void uniformModelSoupAveragesDeepCopiedFineTunes() {
        Sequential base = PT.loaded(regModel(), "soup.init.", F64);
        Map<String, Tensor> baseBefore = DeepCopy.of(base.stateDict());
        Tensor sx = e("soup.x");
        Tensor sy = e("soup.y");
        double[] lrs = {0.05, 0.1, 0.2};
        List<Map<String, Tensor>> sds = new ArrayList<>();
        for (int j = 0; j < 3; j++) {
            Sequential ft = DeepCopy.of(base);
            SGD o = new SGD(ft.parameters(), lrs[j], 0.9, 0, 0, false);
            for (int step = 0; step < 3; step++) {
                Tensor loss = Functional.mseLoss(ft.apply(sx.select(0, j)), sy.select(0, j));
                o.zeroGrad();
                loss.backward();
                o.step();
            }
            sds.add(ft.stateDict());
        }
        base.stateDict().forEach((k, v) -> assertTrue(v.equal(baseBefore.get(k)), "fine-tuning a copy changed " + k));
        Map<String, Tensor> uniformSoup = new LinkedHashMap<>();
        for (String k : sds.get(0).keySet()) {
            Tensor sum = sds.get(0).get(k);
            for (int j = 1; j < sds.size(); j++) {
                sum = sum.add(sds.get(j).get(k));
            }
            uniformSoup.put(k, sum.div(sds.size()));
        }
        base.loadStateDict(uniformSoup);
        PT.assertNamed("soup.final.", base, false, 1, "the uniform soup");
        same(e("soup.out"), base.apply(e("best.vx")), "the soup's output");
    }

    /** Lookahead over a base optimizer, its slow weights {@code copy.deepcopy(group['params'])}. */
    static final class Lookahead {
        final SGD optimizer;
        final double alpha;
        final int k;
        final int[] stepCounter;
        final List<List<Tensor>> slowWeights = new ArrayList<>();

        Lookahead(SGD baseOptimizer, double alpha, int k) {
            optimizer = baseOptimizer;
            this.alpha = alpha;
            this.k = k;
            stepCounter = new int[optimizer.paramGroups().size()];
            for (ParamGroup group : optimizer.paramGroups()) {
                slowWeights.add(DeepCopy.of(group.params()));
            }
            for (List<Tensor> w : slowWeights) {
                for (Tensor p : w) {
                    p.requiresGrad_(false);
                }
            }
        }

        void step() {
            optimizer.step();
            List<ParamGroup> groups = optimizer.paramGroups();
            for (int g = 0; g < groups.size(); g++) {
                stepCounter[g]++;
                if (stepCounter[g] % k != 0) {
                    continue;
                }
                List<Tensor> ps = groups.get(g).params();
                List<Tensor> slow = slowWeights.get(g);
                for (int i = 0; i < ps.size(); i++) {
                    Tensor p = ps.get(i);
                    Tensor q = slow.get(i);
                    if (p.grad() == null) {
                        continue;
                    }
                    q.data().add_(p.data().sub(q.data()), alpha);
                    p.data().copy_(q.data());
                }
            }
        }
    }

    @Test
    void lookaheadSlowWeightsAreDeepCopiedParameters() {
        Sequential model = PT.loaded(regModel(), "la.init.", F64);
        Lookahead opt = new Lookahead(new SGD(model.parameters(), 0.1, 0.5, 0, 0, false), 0.5, 3);
        List<Tensor> slow = opt.slowWeights.get(0);
        List<Tensor> params = model.parameters();
        for (int i = 0; i < params.size(); i++) {
            assertNotSame(params.get(i), slow.get(i));
            assertTrue(slow.get(i).isParameter(), "a deep-copied Parameter is a Parameter");
            assertTrue(slow.get(i).equal(params.get(i)));
            assertTrue(params.get(i).requiresGrad(), "freezing the slow weights leaves the parameters");
        }
        Tensor lx = e("la.x");
        Tensor ly = e("la.y");
        List<Double> ls = new ArrayList<>();
        for (int step = 0; step < 7; step++) {
            Tensor loss = Functional.mseLoss(model.apply(lx.select(0, step)), ly.select(0, step));
            opt.optimizer.zeroGrad();
            loss.backward();
            opt.step();
            ls.add(loss.item());
        }
        close(e("la.loss"), losses(ls), "Lookahead losses", 10);
        PT.assertNamed("la.final.", model, false, 1, "Lookahead's fast weights");
        for (int i = 0; i < slow.size(); i++) {
            same(e("la.slow." + i), slow.get(i), "slow weight " + i);
        }
    }

    @Test
    void populationBasedTrainingExploitsDeepCopiedModelAndOptimizerStateDicts() {
        List<Sequential> models = new ArrayList<>();
        List<Adam> opts = new ArrayList<>();
        double[] lrs = {0.05, 0.01};
        for (int j = 0; j < 2; j++) {
            Sequential mm = PT.loaded(regModel(), "pbt.init" + j + ".", F64);
            models.add(mm);
            opts.add(new Adam(mm.parameters(), lrs[j]));
        }
        Tensor px = e("pbt.x");
        Tensor py = e("pbt.y");
        List<Double> ls = new ArrayList<>();
        double[] scores = new double[2];
        for (int step = 0; step < 4; step++) {
            if (step == 2) {
                int bestI = scores[0] <= scores[1] ? 0 : 1;
                int worstI = 1 - bestI;
                assertEquals((long) PT.e("pbt.best").item(), bestI, "the best member");
                models.get(worstI).loadStateDict(DeepCopy.of(models.get(bestI).stateDict()));
                opts.get(worstI).loadStateDict(DeepCopy.of(opts.get(bestI).stateDict()));
                for (ParamGroup g : opts.get(worstI).paramGroups()) {
                    g.setLr(g.lr() * 1.2);
                }
            }
            for (int j = 0; j < 2; j++) {
                Tensor loss = Functional.mseLoss(models.get(j).apply(px.select(0, step)), py.select(0, step));
                opts.get(j).zeroGrad();
                loss.backward();
                opts.get(j).step();
                ls.add(loss.item());
                scores[j] = loss.item();
            }
        }
        close(e("pbt.loss"), losses(ls), "PBT losses", 10);
        for (int j = 0; j < 2; j++) {
            PT.assertNamed("pbt.final" + j + ".", models.get(j), false, 1, "member " + j);
        }
    }

    @Test
    void lotteryTicketRewindsSurvivorsFromADeepCopiedInitialStateDict() {
        Sequential lt = PT.loaded(new Sequential(new Linear(4, 6), new ReLU(), new Linear(6, 2)), "lth.init.", F64);
        Map<String, Tensor> initialState = DeepCopy.of(lt.stateDict());
        Tensor ltx = e("lth.x");
        Tensor lty = e("lth.y");
        List<Double> ls = new ArrayList<>();
        Adam opt = new Adam(lt.parameters(), 0.05);
        for (int step = 0; step < 3; step++) {
            Tensor loss = Functional.mseLoss(lt.apply(ltx.select(0, step)), lty.select(0, step));
            opt.zeroGrad();
            loss.backward();
            opt.step();
            ls.add(loss.item());
        }
        Prune.globalUnstructured(List.of(new Prune.Target(lt.get(0), "weight"), new Prune.Target(lt.get(2), "weight")),
            Prune.L1Unstructured.class, null, 0.5);
        for (Map.Entry<String, Module> en : lt.namedModules().entrySet()) {
            if (en.getValue() instanceof Linear module) {
                module.getParameter("weight_orig").data().copy_(initialState.get(en.getKey() + ".weight"));
                module.bias().data().copy_(initialState.get(en.getKey() + ".bias"));
            }
        }
        same(e("lth.mask0"), lt.get(0).getBuffer("weight_mask"), "layer 0's mask");
        same(e("lth.mask2"), lt.get(2).getBuffer("weight_mask"), "layer 2's mask");
        opt = new Adam(lt.parameters(), 0.05);
        for (int step = 3; step < 6; step++) {
            Tensor loss = Functional.mseLoss(lt.apply(ltx.select(0, step)), lty.select(0, step));
            opt.zeroGrad();
            loss.backward();
            opt.step();
            ls.add(loss.item());
        }
        close(e("lth.loss"), losses(ls), "lottery ticket losses", 10);
        PT.assertNamed("lth.final.", lt, false, 1, "the rewound ticket after training");
        same(e("lth.final_weight0"), ((Linear) lt.get(0)).weight(), "the masked weight");
    }

    // ------------------------------------------------------------------ 5. modules with state

    /** The copy trained one SGD step on the sum of its squared output; the original's output stays PyTorch's. */
    private static <M extends Module> M trainCopyStep(String prefix, M m, Function<Module, Tensor> fwd) {
        M c = DeepCopy.of(m);
        Tensor y0 = fwd.apply(m);
        Tensor yc = fwd.apply(c);
        assertTrue(y0.equal(yc), prefix + " the copy's output");
        SGD o = new SGD(c.parameters(), 0.5);
        Tensor loss = yc.pow(2).sum();
        o.zeroGrad();
        loss.backward();
        o.step();
        for (Tensor p : m.parameters()) {
            assertNull(p.grad(), prefix + " a gradient reached the original");
        }
        same(e(prefix + "y0"), y0, prefix + " output");
        same(e(prefix + "copy_after"), fwd.apply(c), prefix + " the copy after a step");
        same(e(prefix + "orig_after"), fwd.apply(m), prefix + " the original after the copy's step");
        return c;
    }

    @Test
    void recurrentAndAttentionModulesCopyTheirFlatWeights() {
        LSTM lstm = PT.loaded(new LSTM(3, 4, 2, true, true, 0.0, false), "mod.lstm.init.", F64);
        Tensor lx = e("mod.lstm.x");
        trainCopyStep("mod.lstm.", lstm, m -> m.apply(lx));
        GRU gru = PT.loaded(new GRU(3, 4, false, true), "mod.gru.init.", F64);
        Tensor gx = e("mod.gru.x");
        trainCopyStep("mod.gru.", gru, m -> m.apply(gx));
        MultiheadAttention mha = PT.loaded(new MultiheadAttention(4, 2, true), "mod.mha.init.", F64);
        Tensor mq = e("mod.mha.x");
        trainCopyStep("mod.mha.", mha, m -> ((MultiheadAttention) m).apply(mq, mq, mq).output());
    }

    /** nanoGPT's weight tying reduced to its use: wte's weight is lm_head's. */
    static final class TinyGPT extends Module {
        final ModuleDict transformer;
        final Linear lmHead;

        TinyGPT() {
            Map<String, Module> d = new LinkedHashMap<>();
            d.put("wte", new Embedding(7, 4));
            d.put("ln_f", new LayerNorm(4));
            transformer = registerModule("transformer", new ModuleDict(d));
            lmHead = registerModule("lm_head", new Linear(4, 7, false));
            transformer.get("wte").setParameter("weight", lmHead.weight());
        }

        @Override
        public Tensor forward(Tensor idx) {
            return lmHead.apply(transformer.get("ln_f").apply(transformer.get("wte").apply(idx)));
        }
    }

    @Test
    void tiedEmbeddingAndOutputWeightStayTiedInTheCopy() {
        TinyGPT gpt = PT.loaded(new TinyGPT(), "mod.gpt.init.", F64);
        Tensor idx = e("mod.gpt.idx");
        TinyGPT gc = trainCopyStep("mod.gpt.", gpt, m -> m.apply(idx));
        assertEquals(fact("mod.gpt.copy_tied"),
            gc.lmHead.weight() == gc.transformer.get("wte").getParameter("weight"), "the tie");
        assertEquals((long) PT.e("mod.gpt.copy_params").item(), gc.parameters().size());
        assertEquals((long) PT.e("mod.gpt.copy_state_keys").item(), gc.stateDict().size());
    }

    @Test
    void bfloat16AndLazyModulesCopyAsPyTorchs() {
        Sequential bm = PT.loaded(new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2)), "mod.bf16.init.",
            F64);
        bm.to(DType.BFLOAT16);
        Sequential bc = DeepCopy.of(bm);
        assertEquals(fact("mod.bf16.copy_dtype_is_bf16"), ((Linear) bc.get(0)).weight().dtype() == DType.BFLOAT16);
        Tensor bx = e("mod.bf16.x").to(DType.BFLOAT16);
        Tensor y = bc.apply(bx);
        assertTrue(y.equal(bm.apply(bx)), "the bfloat16 copy computes as its original");
        // bfloat16's products round in their own order: PyTorch's output to one bfloat16 ulp of its largest value
        assertEquals(DType.BFLOAT16, y.dtype());
        double[] want = PT.e("mod.bf16.y").to(F64).toDoubleArray();
        double[] got = y.to(F64).toDoubleArray();
        double scale = 0;
        for (double w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], scale / 128, "bfloat16 output " + i);
        }

        LazyLinear lazy = new LazyLinear(3);
        LazyLinear lc = DeepCopy.of(lazy);
        assertEquals(fact("mod.lazy.copy_still_lazy"), lc.weight().isUninitialized(), "copied before its forward");
        Tensor lz = e("mod.lazy.x").to(DType.FLOAT32);
        lazy.apply(lz);
        LazyLinear lazy2 = DeepCopy.of(lazy);
        assertEquals((long) PT.e("mod.lazy.copy_after_in_features").item(), lazy2.inFeatures());
        assertFalse(lazy2.weight().isUninitialized());
        assertTrue(lazy2.weight().equal(lazy.weight()));
        assertTrue(lc.weight().isUninitialized(), "the earlier copy is still lazy after the original's forward");
        lc.apply(lz);
        assertEquals((long) PT.e("mod.lazy.before_copy_in_features").item(), lc.inFeatures());
    }

    @Test
    void hooksReceivingTheModuleActOnTheCopy() {
        Linear hm = PT.loaded(new Linear(3, 2), "mod.hook.init.", F64);
        ModuleInternals.registerBuffer(hm, "scale", Tensor.tensor(new double[] {2.0, -1.0}, F64, Device.CPU));
        hm.registerForwardHook((mod, in, o) -> List.of(o.get(0).mul(mod.getBuffer("scale"))));
        hm.registerForwardPreHook((mod, in) -> List.of(in.get(0).add(1)));
        Linear hc = DeepCopy.of(hm);
        hc.getBuffer("scale").fill_(3.0);
        Tensor hx = e("mod.hook.x");
        same(e("mod.hook.copy_y"), hc.apply(hx), "the copy's hooks");
        same(e("mod.hook.orig_y"), hm.apply(hx), "the original's hooks");
    }

    /**
     * Ember's one documented departure, pinned: a lambda that closes over the module it is registered on (not the
     * module its hook receives) is rebuilt over the copy ({@link DeepCopy}'s rule for functions that capture what the
     * copy replaces), where Python's {@code copy.deepcopy} shares the closure, which keeps reading the original
     * ({@code mod.hook.closure_copy_y}: PyTorch's copy scales by the original's buffer). Java cannot tell such a lambda
     * from a method reference bound to the module ({@code this::hook}), which Python does rebind (bound methods: the
     * test above), so Ember rebinds both.
     */
    @Test
    void aLambdaClosingOverTheModuleIsRebuiltWherePythonSharesTheClosure() {
        Linear cm = PT.loaded(new Linear(3, 2), "mod.hook.init.", F64);
        ModuleInternals.registerBuffer(cm, "scale", Tensor.tensor(new double[] {2.0, -1.0}, F64, Device.CPU));
        cm.registerForwardHook((mod, in, o) -> List.of(o.get(0).mul(cm.getBuffer("scale"))));
        Linear cc = DeepCopy.of(cm);
        cc.getBuffer("scale").fill_(3.0);
        Tensor hx = e("mod.hook.x");
        Tensor ember = cc.apply(hx);
        assertTrue(ember.equal(cc.forward(hx).mul(3.0)), "Ember's copy reads its own buffer");
        // PyTorch's copy acts as the original's buffer says
        same(e("mod.hook.closure_copy_y"), cc.forward(hx).mul(cm.getBuffer("scale")), "PyTorch's shared closure");
        assertFalse(ember.allclose(e("mod.hook.closure_copy_y")), "the departure is real");
    }

    /** parametrize's tutorial Symmetric. */
    static final class Symmetric extends Module {
        @Override
        public Tensor forward(Tensor x) {
            return x.triu().add(x.triu(1).transpose(-1, -2));
        }
    }

    @Test
    void parametrizedWeightNormedAndPrunedModulesCopyOrAreRefusedAsPyTorchs() {
        Linear pm = PT.loaded(new Linear(3, 3), "mod.param.init.", F64);
        Parametrize.registerParametrization(pm, "weight", new Symmetric());
        Linear pc = DeepCopy.of(pm);
        assertEquals(fact("mod.param.copy_is_parametrized"), Parametrize.isParametrized(pc, "weight"));
        Tensor px = e("mod.param.x");
        same(e("mod.param.y"), pc.apply(px), "the parametrized copy");
        try (GradMode off = Ember.noGrad()) {
            pc.getParameter("parametrizations.weight.original").add_(1.0);
        }
        same(e("mod.param.copy_y_after_change"), pc.apply(px), "the copy after its original changed");
        same(e("mod.param.orig_y_after_change"), pm.apply(px), "the original after the copy's changed");

        // parametrizations.spectral_norm: the copy's training forwards iterate its own _u and _v
        Linear spn = dev.ember.nn.utils.Parametrizations.spectralNorm(new Linear(4, 3));
        PT.loaded(spn, "mod.spn.init.", F64);
        Tensor spx = e("mod.spn.x");
        same(e("mod.spn.y0"), spn.apply(spx), "spectral norm's first forward");
        Linear spc = DeepCopy.of(spn);
        same(e("mod.spn.copy_y1"), spc.apply(spx), "the copy's first forward");
        same(e("mod.spn.copy_y2"), spc.apply(spx), "the copy's second forward");
        same(e("mod.spn.copy_u"), spc.getBuffer("parametrizations.weight.0._u"), "the copy's u");
        same(e("mod.spn.orig_u"), spn.getBuffer("parametrizations.weight.0._u"), "the original's u, left alone");
        spc.eval();
        same(e("mod.spn.copy_eval_y"), spc.apply(spx), "the copy in eval mode");

        // legacy weight_norm: the weight it computes is not a leaf, so the module cannot be copied (before a forward
        // too: weight_norm computes it when applied)
        assertTrue(fact("mod.weight_norm_refused"));
        Linear wn = dev.ember.nn.utils.WeightNorm.weightNorm(new Linear(3, 2));
        String msg = assertThrows(IllegalArgumentException.class, () -> DeepCopy.of(wn)).getMessage();
        assertTrue(msg.startsWith("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
            + "protocol at the moment."), msg);

        Linear pr = PT.loaded(new Linear(4, 3), "mod.prune.init.", F64);
        Linear prc;
        try (GradMode off = Ember.noGrad()) {
            Prune.l1Unstructured(pr, "weight", 0.5);
            prc = DeepCopy.of(pr);
        }
        prc.getParameter("weight_orig").data().add_(1.0);
        Tensor prx = e("mod.prune.x");
        same(e("mod.prune.mask"), pr.getBuffer("weight_mask"), "the pruning mask");
        same(e("mod.prune.copy_y"), prc.apply(prx), "the pruned copy prunes by its own mask");
        same(e("mod.prune.orig_y"), pr.apply(prx), "the pruned original");
        assertSame(pr.getBuffer("weight_mask").dtype(), prc.getBuffer("weight_mask").dtype());
    }

    @Test
    void legacyWeightNormCopiesWhereItsWeightIsALeaf() {
        Tensor wx = e("mod.legacy.x");
        Linear wn;
        try (GradMode off = Ember.noGrad()) {
            wn = dev.ember.nn.utils.WeightNorm.weightNorm(new Linear(3, 2));
        }
        PT.loaded(wn, "mod.legacy.wn.init.", F64);
        Linear wc = DeepCopy.of(wn);
        try (GradMode off = Ember.noGrad()) {
            wc.getParameter("weight_g").mul_(2);
        }
        same(e("mod.legacy.wn_copy_y"), wc.apply(wx), "the copy recomputes its weight from its own g and v");
        same(e("mod.legacy.wn_orig_y"), wn.apply(wx), "the original's weight");
        Linear wn2 = dev.ember.nn.utils.WeightNorm.weightNorm(new Linear(3, 2));
        wn2.to(F64);
        try (GradMode off = Ember.noGrad()) {
            wn2.apply(wx);
        }
        assertTrue(fact("mod.legacy.wn_after_no_grad_forward"));
        Linear wc2 = DeepCopy.of(wn2);
        assertTrue(wc2.apply(wx).equal(wn2.apply(wx)), "copied after a forward under no_grad");
    }

    /** A model whose forward hook is a method of the model: copying rebinds it, as Python's bound methods. */
    static final class BoundHook extends Module {
        final Linear l;

        BoundHook() {
            l = registerModule("l", new Linear(3, 2));
            registerBuffer("scale", Tensor.scalar(2.0).to(F64));
            l.registerForwardHook(this::hook);
        }

        List<Tensor> hook(Module mod, List<Tensor> in, List<Tensor> o) {
            return List.of(o.get(0).mul(getBuffer("scale")));
        }

        @Override
        public Tensor forward(Tensor x) {
            return l.apply(x);
        }
    }

    /** A Linear with a non-persistent buffer. */
    static final class NonPersistent extends Module {
        NonPersistent() {
            registerModule("lin", new Linear(2, 2));
            registerBuffer("np", Tensor.ones(2), false);
        }

        @Override
        public Tensor forward(Tensor x) {
            return x;
        }
    }

    @SuppressWarnings("unchecked")
    @Test
    void stateDictsBuffersAndHooksOfCopiesAsPyTorchs() {
        // a tied model's deep-copied state dict: two entries over one new storage
        TinyGPT g = new TinyGPT();
        Map<String, Tensor> tsd = DeepCopy.of(g.stateDict());
        Tensor head = tsd.get("lm_head.weight");
        Tensor wte = tsd.get("transformer.wte.weight");
        assertEquals(fact("mod.tiedsd.same_object"), head == wte, "one object for both names");
        head.add_(1);
        assertEquals(fact("mod.tiedsd.shared_storage"), head.equal(wte), "the two entries share the new storage");
        assertFalse(head.equal(g.lmHead.weight()), "the copy shares nothing with the model");
        // a non-persistent buffer stays non-persistent
        NonPersistent npc = DeepCopy.of(new NonPersistent());
        assertEquals((long) PT.e("mod.np.state_keys").item(), npc.stateDict().size());
        assertEquals((long) PT.e("mod.np.buffers").item(), npc.buffers().size());
        // a full backward hook fires once, on the copy, with the copy
        List<Module> seen = new ArrayList<>();
        Linear bm = new Linear(2, 2);
        bm.registerFullBackwardHook((mod, gi, go) -> {
            seen.add(mod);
            return null;
        });
        Linear bc = DeepCopy.of(bm);
        bc.apply(Tensor.ones(1, 2).requiresGrad_(true)).sum().backward();
        assertEquals((long) PT.e("mod.bwdhook.calls").item(), seen.size());
        assertEquals(fact("mod.bwdhook.saw_copy"), seen.get(0) == bc);
        // a hook that is a method of the model acts on the copy's buffer
        BoundHook bh = PT.loaded(new BoundHook(), "mod.bound.init.", F64);
        BoundHook bhc = DeepCopy.of(bh);
        bhc.getBuffer("scale").fill_(3.0);
        Tensor hx = e("mod.hook.x");
        same(e("mod.bound.copy_y"), bhc.apply(hx), "the copy's bound hook");
        same(e("mod.bound.orig_y"), bh.apply(hx), "the original's bound hook");
        // an Adam state dict snapshot keeps its step; reloading it redoes the second step
        Tensor qp = Tensor.ones(F64, 2).requiresGrad_(true);
        Adam qo = new Adam(List.of(qp), 0.1);
        qp.setGrad(Tensor.ones(F64, 2));
        qo.step();
        Map<String, Object> snap = DeepCopy.of(qo.stateDict());
        qo.step();
        Map<String, Object> snapState = (Map<String, Object>) ((Map<Object, Object>) snap.get("state")).get(0);
        Map<String, Object> liveState = (Map<String, Object>) ((Map<Object, Object>) qo.stateDict().get("state"))
            .get(0);
        assertEquals(PT.e("mod.optsd.snap_step").item(), number(snapState.get("step")), "the snapshot's step");
        assertEquals(PT.e("mod.optsd.live_step").item(), number(liveState.get("step")), "the live step");
        same(e("mod.optsd.snap_exp_avg"), (Tensor) snapState.get("exp_avg"), "the snapshot's exp_avg");
        qo.loadStateDict(snap);
        qo.step();
        same(e("mod.optsd.after_reload_param"), qp, "the parameter after the reloaded step");
    }

    private static double number(Object o) {
        return o instanceof Tensor t ? t.item() : ((Number) o).doubleValue();
    }

    /** A module keeping the handle of the hook it registers on its child (which zeroes the child's output). */
    static final class HandleHolder extends Module {
        final Linear l = registerModule("l", new Linear(2, 2));
        final RemovableHandle h = l.registerForwardHook((mod, in, o) -> List.of(o.get(0).mul(0)));

        @Override
        public Tensor forward(Tensor x) {
            return l.apply(x);
        }
    }

    /** undo.txt's names for {@code key}. */
    private static List<String> undo(String key) {
        try (java.io.InputStream in = DeepCopyWildTest.class.getResourceAsStream("/deepcopywild/undo.txt")) {
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                String[] kv = line.split("\t", -1);
                if (kv[0].equals(key)) {
                    return kv[1].isEmpty() ? List.of() : List.of(kv[1].split(","));
                }
            }
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
        throw new IllegalStateException("no entry " + key);
    }

    @Test
    void undoingHooksPruningWeightNormAndParametrizationsOnACopyLeavesTheOriginal() {
        Tensor ones = Tensor.ones(1, 2);
        Tensor zeros = Tensor.zeros(1, 2);
        HandleHolder hh = new HandleHolder();
        HandleHolder hhc = DeepCopy.of(hh);
        hhc.h.remove();
        assertEquals(fact("undo.copy_handle_removed"), !hhc.apply(ones).equal(zeros), "the copy's handle removes");
        assertEquals(fact("undo.orig_still_hooked"), hh.apply(ones).equal(zeros), "the original keeps its hook");
        HandleHolder hh2 = new HandleHolder();
        HandleHolder hh2c = DeepCopy.of(hh2);
        hh2.h.remove();
        assertEquals(fact("undo.copy_still_hooked"), hh2c.apply(ones).equal(zeros), "the copy keeps its hook");

        Linear upr;
        Linear uprc;
        try (GradMode off = Ember.noGrad()) {
            upr = Prune.l1Unstructured(new Linear(4, 3), "weight", 0.5);
            uprc = DeepCopy.of(upr);
        }
        Prune.remove(uprc, "weight");
        assertEquals(undo("prune_copy_params"), List.copyOf(uprc.namedParameters().keySet()));
        assertEquals(undo("prune_copy_buffers"), List.copyOf(uprc.namedBuffers().keySet()));
        assertEquals(undo("prune_orig_params"), List.copyOf(upr.namedParameters().keySet()));
        assertEquals(undo("prune_orig_buffers"), List.copyOf(upr.namedBuffers().keySet()));
        Tensor w = upr.weight().clone();
        try (GradMode off = Ember.noGrad()) {
            uprc.weight().add_(1);
        }
        assertTrue(upr.weight().equal(w), "the original's pruned weight is its own");

        Linear uwn;
        try (GradMode off = Ember.noGrad()) {
            uwn = dev.ember.nn.utils.WeightNorm.weightNorm(new Linear(3, 2));
        }
        Linear uwc = DeepCopy.of(uwn);
        dev.ember.nn.utils.WeightNorm.removeWeightNorm(uwc);
        assertEquals(undo("wn_copy_params"), List.copyOf(uwc.namedParameters().keySet()));
        assertEquals(undo("wn_orig_params"), List.copyOf(uwn.namedParameters().keySet()));

        Linear upl = Parametrize.registerParametrization(new Linear(3, 3), "weight", new Symmetric());
        Linear upc = DeepCopy.of(upl);
        Parametrize.removeParametrizations(upc, "weight");
        assertEquals(fact("undo.param_copy_parametrized"), Parametrize.isParametrized(upc));
        assertEquals(fact("undo.param_orig_parametrized"), Parametrize.isParametrized(upl));
        assertEquals(undo("param_copy_params"), List.copyOf(upc.namedParameters().keySet()));
    }

    // ------------------------------------------------------------------ 6. the quantization tutorial, inplace=False

    /** The static quantization tutorial's M, reading its layers from fields. */
    static final class M extends Module {
        final QuantStub quant = registerModule("quant", new QuantStub());
        final Conv2d conv = registerModule("conv", new Conv2d(1, 1, 1));
        final ReLU relu = registerModule("relu", new ReLU());
        final DeQuantStub dequant = registerModule("dequant", new DeQuantStub());

        @Override
        public Tensor forward(Tensor x) {
            x = quant.apply(x);
            x = conv.apply(x);
            x = relu.apply(x);
            x = dequant.apply(x);
            return x;
        }
    }

    @Test
    void quantizationTutorialsCopyingFlowLeavesEachModelUsable() {
        M modelFp32 = PT.loaded(new M(), "quant.init.");
        modelFp32.eval();
        Quantization.setQconfig(modelFp32, QConfig.getDefaultQconfig("x86"));
        String floatPrint = modelFp32.toString();
        Module modelFp32Fused = Quantization.fuseModules(modelFp32, List.of(List.of("conv", "relu")), false);
        Module modelFp32Prepared = Quantization.prepare(modelFp32Fused, false);
        Tensor inputFp32 = PT.e("quant.x");
        modelFp32Prepared.apply(inputFp32);
        Module modelInt8 = Quantization.convert(modelFp32Prepared, false);
        Tensor res = modelInt8.apply(inputFp32);

        Quantize q = (Quantize) modelInt8.getSubmodule("quant");
        assertEquals(PT.e("quant.quant_scale").item(), q.scale(), 4e-6 * q.scale(), "QuantStub's scale");
        assertEquals((long) PT.e("quant.quant_zero_point").item(), q.zeroPoint(), "QuantStub's zero point");
        dev.ember.ao.nn.intrinsic.quantized.ConvReLU2d qc =
            (dev.ember.ao.nn.intrinsic.quantized.ConvReLU2d) modelInt8.getSubmodule("conv");
        double outScale = PT.e("quant.conv_scale").item();
        assertEquals(outScale, qc.scale(), 4e-6 * outScale, "the quantized conv's output scale");
        assertEquals((long) PT.e("quant.conv_zero_point").item(), qc.zeroPoint(), "its zero point");
        assertArrayEquals(PT.e("quant.weight_int").toLongArray(), qc.weight().intRepr().toLongArray(), "weight ints");
        same(PT.e("quant.weight_scale"), qc.weight().qPerChannelScales(), "weight scales");
        // PyTorch's onednn output bit for bit (a 1x1 convolution of one channel: one product and the bias, rounded
        // in no order of the machine's)
        assertArrayEquals(PT.e("quant.res").toFloatArray(), res.toFloatArray(), "the int8 model's output");
        // the float model is unchanged and usable; the fused copy is fused, not prepared; the prepared copy still
        // computes in float and keeps observing
        assertEquals(floatPrint, modelFp32.toString(), "the float model's printout");
        assertTrue(fact("quant.float_still_plain"));
        assertTrue(modelFp32.conv.children().isEmpty() && modelFp32.getSubmodule("relu") instanceof ReLU,
            "the float model has no observer and keeps its ReLU");
        same(PT.e("quant.float_y"), modelFp32.apply(inputFp32), "the float model's output");
        assertEquals(fact("quant.fused_is_conv_relu"),
            modelFp32Fused.getSubmodule("conv") instanceof dev.ember.ao.nn.intrinsic.ConvReLU2d, "fused");
        assertFalse(modelFp32Fused.toString().contains("activation_post_process"), "the fused model is not prepared");
        assertEquals(fact("quant.prepared_still_float"),
            modelFp32Prepared.getSubmodule("conv") instanceof dev.ember.ao.nn.intrinsic.ConvReLU2d, "prepared");
        same(PT.e("quant.prepared_y"), modelFp32Prepared.apply(inputFp32.mul(2)), "the prepared model's output");
        HistogramObserver obs = (HistogramObserver) modelFp32Prepared.getSubmodule("conv.activation_post_process");
        double maxAfter = PT.e("quant.prepared_obs_max_after").item();
        assertEquals(maxAfter, obs.maxVal().item(), 4e-6 * maxAfter, "the prepared model keeps observing");

        // quantize_dynamic(model): a quantized copy, the float model unchanged
        Sequential dyn = PT.loaded(new Sequential(new Linear(6, 8), new ReLU(), new Linear(8, 3)), "quant.dyn.init.");
        Module dq = Quantization.quantizeDynamic(dyn, false);
        Tensor dx = PT.e("quant.dyn.x");
        ReferenceCases.assertClose("quantize_dynamic's output (onednn)", PT.e("quant.dyn.y"), dq.apply(dx), 1e-6);
        assertArrayEquals(PT.e("quant.dyn.weight_int").toLongArray(),
            ((dev.ember.ao.nn.quantized.dynamic.Linear) dq.getSubmodule("0")).weight().intRepr().toLongArray());
        assertEquals(fact("quant.dyn.float_still_linear"), dyn.get(0).getClass() == Linear.class);
        same(PT.e("quant.dyn.float_y"), dyn.apply(dx), "the float model after quantize_dynamic");
    }

    @Test
    void qatTutorialsPrepareQatTrainsACopyAndConvertCopiesIt() {
        M qatFp32 = PT.loaded(new M(), "qat.init.");
        qatFp32.eval();
        Quantization.setQconfig(qatFp32, QConfig.getDefaultQatQconfig("x86"));
        String floatPrint = qatFp32.toString();
        Module qatFused = Quantization.fuseModulesQat(qatFp32, List.of(List.of("conv", "relu")), false);
        qatFused.train();
        Module qatPrepared = Quantization.prepareQat(qatFused, false);
        assertFalse(qatFused.toString().contains("FakeQuantize"), "the fused model is not prepared");
        Tensor qxs = PT.e("qat.xs");
        Tensor qys = PT.e("qat.ys");
        SGD qopt = new SGD(qatPrepared.parameters(), 0.1);
        List<Double> qlosses = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            qopt.zeroGrad();
            Tensor loss = Functional.mseLoss(qatPrepared.apply(qxs.select(0, i)), qys.select(0, i));
            loss.backward();
            qopt.step();
            qlosses.add(loss.item());
        }
        // float32 training through fake quantizers: PyTorch's losses to float32's rounding (as StaticQuantizationTest)
        double[] want = PT.e("qat.loss").toDoubleArray();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], qlosses.get(i), 2e-6 * Math.abs(want[i]), "QAT loss " + i);
        }
        close(PT.e("qat.trained_weight"), qatPrepared.getSubmodule("conv").getParameter("weight"), "trained weight", 1);
        assertEquals(floatPrint, qatFp32.toString(), "the float model's printout");
        same(PT.e("qat.float_y"), qatFp32.apply(qxs.select(0, 0)), "the float model, untrained");
        qatPrepared.eval();
        Module qatInt8 = Quantization.convert(qatPrepared, false);
        double outScale = PT.e("qat.conv_scale").item();
        dev.ember.ao.nn.intrinsic.quantized.ConvReLU2d qc =
            (dev.ember.ao.nn.intrinsic.quantized.ConvReLU2d) qatInt8.getSubmodule("conv");
        assertEquals(outScale, qc.scale(), 4e-6 * outScale, "the converted conv's output scale");
        // to one output quantum (equal on the machine that wrote the file): the float32 training's reductions round in
        // the machine's order, and the fake quantizers' ranges with them
        double[] res = PT.e("qat.res").toDoubleArray();
        double[] got = qatInt8.apply(qxs.select(0, 0)).toDoubleArray();
        for (int i = 0; i < res.length; i++) {
            assertEquals(res[i], got[i], outScale * 1.0001, "the int8 model's output " + i);
        }
        close(PT.e("qat.prepared_eval_y"), qatPrepared.apply(qxs.select(0, 1)), "the prepared model after convert", 1);
    }

    // ------------------------------------------------------------------ 7. the recipes' misuses

    /** PyTorch's message for {@code key} (texts.txt, its escapes undone). */
    private static String text(String key) {
        try (java.io.InputStream in = DeepCopyWildTest.class.getResourceAsStream("/deepcopywild/texts.txt")) {
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                int tab = line.indexOf('\t');
                if (line.substring(0, tab).equals(key)) {
                    StringBuilder b = new StringBuilder();
                    String m = line.substring(tab + 1);
                    for (int i = 0; i < m.length(); i++) {
                        char c = m.charAt(i);
                        if (c == '\\' && i + 1 < m.length()) {
                            char n = m.charAt(++i);
                            b.append(n == 'n' ? '\n' : n == 't' ? '\t' : n);
                        } else {
                            b.append(c);
                        }
                    }
                    return b.toString();
                }
            }
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
        throw new IllegalStateException("no text " + key);
    }

    /** {@code op} fails with PyTorch's message for {@code key}, leaving {@code target} as it was. */
    private static void refused(String key, Tensor target, org.junit.jupiter.api.function.Executable op) {
        Tensor before = target.clone();
        Throwable t = assertThrows(RuntimeException.class, op, key);
        assertEquals(text(key), t.getMessage(), key);
        assertTrue(target.equal(before), key + ": the tensor changed");
    }

    @Test
    void theRecipesMisusesFailWithPyTorchsMessagesChangingNothing() {
        Tensor counter = Tensor.zeros(DType.INT64, 3);
        refused("lerp_long", counter, () -> counter.lerp_(Tensor.ones(DType.INT64, 3), 0.4));
        Tensor p = Tensor.ones(F64, 2, 3).requiresGrad_(true);
        p.setGrad(Tensor.full(new int[] {2, 3}, 5.0).to(F64));
        refused("grad_size", p.grad(), () -> p.setGrad(Tensor.ones(F64, 3, 2)));
        refused("grad_type", p.grad(), () -> p.setGrad(Tensor.ones(DType.FLOAT32, 2, 3)));
        Tensor target = Tensor.ones(F64, 4, 5);
        target.mul_(0.9); // the Polyak update's mul_ runs before its add_ refuses, in PyTorch as here
        refused("polyak", target, () -> target.add_(Tensor.ones(F64, 4, 4).mul(0.1)));
        Tensor ema = Tensor.ones(F64, 4, 5);
        refused("ema_copy", ema, () -> ema.copy_(Tensor.ones(F64, 4, 4)));
        DQN targetNet = new DQN(4, 2);
        Map<String, Tensor> before = DeepCopy.of(targetNet.stateDict());
        Throwable t = assertThrows(RuntimeException.class, () -> targetNet.loadStateDict(new DQN(5, 2).stateDict()));
        assertEquals(text("load"), t.getMessage(), "load_state_dict of another width");
        before.forEach((k, v) -> assertTrue(v.equal(targetNet.stateDict().get(k)), k + " changed"));
    }
}
