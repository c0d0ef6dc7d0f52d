package dev.ember;

import dev.ember.optim.ASGD;
import dev.ember.optim.Adam;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.CyclicLR;
import dev.ember.optim.LBFGS;
import dev.ember.optim.SparseAdam;
import dev.ember.nn.Embedding;
import dev.ember.optim.NAdam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.RMSprop;
import dev.ember.optim.SGD;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The engine fixes round 13 of the differential fuzz ({@code differentialfuzzr13/make_cases.py}: whole training
 * programs with state) led to, each pinned on its own. PyTorch 2.x's optimizer state dict is live: {@code state_dict()}
 * hands out the state's own tensors, {@code step} (and NAdam's {@code mu_product}, ASGD's {@code eta} and {@code mu})
 * included, which every step updates in place, and {@code load_state_dict} keeps each saved tensor that needs no move
 * or cast ({@code _process_value_according_to_param_policy}'s {@code value.to(...)} is the tensor itself, the step as
 * it is). Ember handed out a new step tensor on each call and copied every loaded tensor, so a state dict kept while
 * training went on held the later moments with the old step, and loading it (PyTorch: a no-op, the dict being the live
 * state) rewound the steps. The expectations follow from those rules: the same tensors, the same counts, and the
 * values of a twin that never loads, bit for bit. The other fixes' values are PyTorch's, from
 * {@code differentialfuzzr13/make_fixes.py} (its output {@code fixes.txt}).
 */
class FuzzRound13FixesTest {
    private static Tensor param(double... v) {
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).requiresGrad_(true);
    }

    private static void stepWith(Optimizer opt, Tensor p, double... grad) {
        p.setGrad(Tensor.tensor(grad, DType.FLOAT64, Device.CPU));
        opt.step();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> state0(Map<String, Object> sd) {
        return ((Map<Integer, Map<String, Object>>) sd.get("state")).get(0);
    }

    @Test
    void aKeptStateDictShowsTheLaterStepsOfItsOptimizer() {
        // PyTorch 2.x: sd = opt.state_dict(); opt.step(); sd['state'][0]['step'] is tensor(2.), the tensor the
        // optimizer incremented, and sd's moments are the live ones
        Tensor p = param(1.0, -2.0, 0.5);
        Adam opt = new Adam(List.of(p), 0.1);
        stepWith(opt, p, 0.3, -0.1, 0.7);
        Map<String, Object> kept = opt.stateDict();
        Tensor keptStep = (Tensor) state0(kept).get("step");
        assertEquals(1.0, keptStep.item());
        stepWith(opt, p, -0.2, 0.4, 0.1);
        assertEquals(2.0, keptStep.item());
        Map<String, Object> now = opt.stateDict();
        assertSame(keptStep, state0(now).get("step"));
        assertSame(state0(kept).get("exp_avg"), state0(now).get("exp_avg"));
        // the scalars of NAdam and ASGD too
        Tensor q = param(0.25, 4.0);
        NAdam nadam = new NAdam(List.of(q), 0.01);
        stepWith(nadam, q, 1.0, -1.0);
        Tensor mu = (Tensor) state0(nadam.stateDict()).get("mu_product");
        stepWith(nadam, q, 0.5, 0.5);
        assertSame(mu, state0(nadam.stateDict()).get("mu_product"));
        Tensor r = param(0.25, 4.0);
        ASGD asgd = new ASGD(List.of(r), 0.01, 0.1, 0.75, 1.0, 0);
        stepWith(asgd, r, 1.0, -1.0);
        Map<String, Object> a = state0(asgd.stateDict());
        stepWith(asgd, r, 0.5, 0.5);
        stepWith(asgd, r, -0.5, 0.25);
        Map<String, Object> b = state0(asgd.stateDict());
        assertSame(a.get("eta"), b.get("eta"));
        assertSame(a.get("mu"), b.get("mu"));
        assertEquals(3.0, ((Tensor) a.get("step")).item());
    }

    @Test
    void writingAKeptStepTensorChangesTheOptimizersStep() {
        // PyTorch: the dict's step is the state's: zeroing it and the moments in place makes the next step a first one
        Tensor p = param(1.0, -2.0, 0.5);
        Adam opt = new Adam(List.of(p), 0.1);
        stepWith(opt, p, 0.3, -0.1, 0.7);
        stepWith(opt, p, -0.2, 0.4, 0.1);
        Map<String, Object> st = state0(opt.stateDict());
        try (GradMode off = Ember.noGrad()) {
            ((Tensor) st.get("step")).fill_(0.0);
            ((Tensor) st.get("exp_avg")).zero_();
            ((Tensor) st.get("exp_avg_sq")).zero_();
        }
        Tensor twin = p.detach().clone().requiresGrad_(true);
        Adam fresh = new Adam(List.of(twin), 0.1);
        stepWith(opt, p, 0.6, 0.2, -0.3);
        stepWith(fresh, twin, 0.6, 0.2, -0.3);
        assertArrayEquals(twin.toDoubleArray(), p.toDoubleArray());
        assertEquals(1.0, ((Tensor) st.get("step")).item());
    }

    @Test
    void loadStateDictKeepsTheSavedTensorsThatNeedNoCast() {
        Tensor p = param(1.0, -2.0, 0.5);
        Adam opt = new Adam(List.of(p), 0.1);
        stepWith(opt, p, 0.3, -0.1, 0.7);
        Map<String, Object> sd = opt.stateDict();
        Tensor q = p.detach().clone().requiresGrad_(true);
        Adam other = new Adam(List.of(q), 0.1);
        other.loadStateDict(sd);
        Map<String, Object> loaded = state0(other.stateDict());
        assertSame(state0(sd).get("step"), loaded.get("step"));
        assertSame(state0(sd).get("exp_avg"), loaded.get("exp_avg"));
        assertSame(state0(sd).get("exp_avg_sq"), loaded.get("exp_avg_sq"));
        // a float32 parameter takes a converted copy (2.x's .to(float32) is a new tensor); the step stays as saved
        Tensor f = Tensor.tensor(new double[] {1.0, -2.0, 0.5}, DType.FLOAT64, Device.CPU).to(DType.FLOAT32)
                .requiresGrad_(true);
        Adam single = new Adam(List.of(f), 0.1);
        single.loadStateDict(sd);
        Map<String, Object> cast = state0(single.stateDict());
        assertNotSame(state0(sd).get("exp_avg"), cast.get("exp_avg"));
        assertEquals(DType.FLOAT32, ((Tensor) cast.get("exp_avg")).dtype());
        assertSame(state0(sd).get("step"), cast.get("step"));
    }

    @Test
    void loadingAStateDictKeptFromTheSameOptimizerLeavesItsTrajectory() {
        // the fuzz's osave, step, oload, step, oload, step: in 2.x the kept dict is the live state, so each load is a
        // no-op and the parameters are a twin's that never loads; Ember rewound the step count to the kept one
        Tensor p = param(1.0, -2.0, 0.5);
        Tensor twin = p.detach().clone().requiresGrad_(true);
        Adam opt = new Adam(List.of(p), 0.1);
        Adam plain = new Adam(List.of(twin), 0.1);
        double[][] grads = {{0.3, -0.1, 0.7}, {-0.2, 0.4, 0.1}, {0.6, 0.2, -0.3}, {0.1, 0.1, 0.1}};
        stepWith(opt, p, grads[0]);
        stepWith(plain, twin, grads[0]);
        Map<String, Object> kept = opt.stateDict();
        for (int k = 1; k < grads.length; k++) {
            stepWith(opt, p, grads[k]);
            stepWith(plain, twin, grads[k]);
            opt.loadStateDict(kept);
        }
        assertArrayEquals(twin.toDoubleArray(), p.toDoubleArray());
        assertEquals(4.0, ((Tensor) state0(opt.stateDict()).get("step")).item());
    }

    @Test
    void cosineAnnealingAnnealsAGroupAddedAfterIt() {
        // PyTorch's recursive form reads every group; the forms that zip with base_lrs (the epoch after T_max here)
        // leave the added group; Ember's zipped every form, so the added group kept its own rate (fixes.txt "cosine")
        Tensor w0 = param(0, 0);
        Tensor w1 = param(0, 0, 0);
        SGD opt = new SGD(List.of(w0), 0.1);
        CosineAnnealingLR sched = new CosineAnnealingLR(opt, 5, 0.01);
        for (int k = 0; k < 2; k++) {
            opt.step();
            sched.step();
        }
        opt.addParamGroup(List.of(w1), Map.of("lr", 0.05));
        double[][] want = {{0.04109423525312736, 0.031114561800016823}, {0.018594235253127367, 0.01583592135001262},
            {0.01, 0.01}, {0.018594235253127367, 0.01}, {0.04109423525312739, 0.01}, {0.06890576474687267, 0.01}};
        for (double[] w : want) {
            opt.step();
            sched.step();
            assertArrayEquals(w, new double[] {opt.paramGroups().get(0).lr(), opt.paramGroups().get(1).lr()}, 1e-15);
            assertArrayEquals(w, sched.getLastLr(), 1e-15);
        }
    }

    @Test
    void aStateEntryKeptUnderOtherOptionsLoads() {
        // SGD keeps its momentum_buffer when momentum is set to 0 by hand (so does PyTorch), and its state dict then
        // holds it: Ember refused to load its own state dict ("an entry momentum_buffer that SGD with these options
        // does not keep"); PyTorch loads any entry and uses the buffer again when momentum comes back (fixes.txt "sgd")
        Tensor p = param(1.0, -2.0);
        SGD opt = new SGD(List.of(p), 0.1, 0.9, 0, 0, false);
        stepWith(opt, p, 0.5, 0.25);
        opt.paramGroups().get(0).set("momentum", 0.0);
        stepWith(opt, p, 1.0, -1.0);
        Map<String, Object> sd = opt.stateDict();
        Tensor q = p.detach().clone().requiresGrad_(true);
        SGD twin = new SGD(List.of(q), 0.1, 0.9, 0, 0, false);
        twin.loadStateDict(sd);
        assertEquals(List.of("momentum_buffer"), List.copyOf(state0(twin.stateDict()).keySet()));
        twin.paramGroups().get(0).set("momentum", 0.9);
        stepWith(twin, q, 0.5, 0.5);
        assertArrayEquals(new double[] {0.755, -1.9974999999999998}, q.toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {0.95, 0.725}, ((Tensor) state0(twin.stateDict()).get("momentum_buffer"))
                .toDoubleArray(), 1e-15);
        // Adam's max_exp_avg_sq after amsgrad is turned off, RMSprop's buffers after momentum and centered are: loaded
        Tensor a = param(1.0, -2.0);
        Adam adam = new Adam(List.of(a), 0.1);
        adam.paramGroups().get(0).set("amsgrad", true);
        stepWith(adam, a, 0.5, 0.25);
        adam.paramGroups().get(0).set("amsgrad", false);
        Adam adamTwin = new Adam(List.of(a.detach().clone().requiresGrad_(true)), 0.1);
        adamTwin.loadStateDict(adam.stateDict());
        assertEquals(state0(adam.stateDict()).keySet(), state0(adamTwin.stateDict()).keySet());
        Tensor r = param(1.0, -2.0);
        RMSprop rms = new RMSprop(List.of(r), 0.01);
        rms.paramGroups().get(0).set("momentum", 0.5);
        rms.paramGroups().get(0).set("centered", true);
        stepWith(rms, r, 0.5, 0.25);
        rms.paramGroups().get(0).set("momentum", 0.0);
        rms.paramGroups().get(0).set("centered", false);
        RMSprop rmsTwin = new RMSprop(List.of(r.detach().clone().requiresGrad_(true)), 0.01);
        rmsTwin.loadStateDict(rms.stateDict());
        assertEquals(state0(rms.stateDict()).keySet(), state0(rmsTwin.stateDict()).keySet());
    }

    @Test
    void aCyclicStateSavedBeforeAGroupWasAddedLoads() {
        // PyTorch's load_state_dict takes the saved max_lrs of the two groups the schedule was made over into a
        // CyclicLR over three; its steps zip base_lrs with max_lrs, so the third group keeps its rate. Ember refused
        // ("scheduler state 'max_lrs' must hold 3 rates, got 2"): the lists now pair with the saved base_lrs
        // (fixes.txt "cyclic")
        Tensor w0 = param(0, 0);
        Tensor w1 = param(0, 0, 0);
        Tensor w2 = param(0);
        SGD opt = new SGD(List.of(w0), 0.1);
        opt.addParamGroup(List.of(w1), Map.of("lr", 0.2));
        CyclicLR sched = new CyclicLR(opt, new double[] {0.01, 0.01}, new double[] {0.1, 0.3}, 2, null, "triangular",
                1.0, null, "cycle", false, new double[] {0.8}, new double[] {0.9});
        for (int k = 0; k < 3; k++) {
            opt.step();
            sched.step();
        }
        opt.addParamGroup(List.of(w2), Map.of("lr", 0.05));
        Map<String, Object> so = opt.stateDict();
        Map<String, Object> ss = sched.stateDict();
        SGD opt2 = new SGD(List.of(w0), 0.1);
        opt2.addParamGroup(List.of(w1), Map.of("lr", 0.2));
        opt2.addParamGroup(List.of(w2), Map.of("lr", 0.05));
        CyclicLR sched2 = new CyclicLR(opt2, new double[] {0.01, 0.01, 0.01}, new double[] {0.1, 0.3, 0.3}, 2, null,
                "triangular", 1.0, null, "cycle", false, new double[] {0.8}, new double[] {0.9});
        opt2.loadStateDict(so);
        sched2.loadStateDict(ss);
        double[][] want = {{0.01, 0.01, 0.05}, {0.05500000000000001, 0.155, 0.05}};
        for (double[] w : want) {
            opt2.step();
            sched2.step();
            double[] got = new double[3];
            for (int g = 0; g < 3; g++) {
                got[g] = opt2.paramGroups().get(g).lr();
            }
            assertArrayEquals(w, got, 1e-15);
            assertArrayEquals(w, sched2.getLastLr(), 1e-15);
        }
    }

    @Test
    void aKeptSparseAdamStateDictShowsTheLaterIntegerSteps() {
        // PyTorch's state_dict hands out each parameter's state dict itself: SparseAdam's step, a Python int that the
        // step reassigns in that dict, shows in a dict kept from an earlier call, and loading the kept dict is a
        // no-op; Ember's map held the step as it was, and loading it rewound the count
        Embedding emb = new Embedding(5, 2, null, null, 2.0, false, true);
        Embedding twinEmb = new Embedding(5, 2, null, null, 2.0, false, true);
        try (GradMode off = Ember.noGrad()) {
            twinEmb.weight.copy_(emb.weight);
        }
        SparseAdam opt = new SparseAdam(emb.parameters(), 0.05);
        SparseAdam plain = new SparseAdam(twinEmb.parameters(), 0.05);
        Tensor[] ids = {longs(1, 2, 1), longs(0, 4), longs(2, 3, 3)};
        sparseStep(opt, emb, ids[0]);
        sparseStep(plain, twinEmb, ids[0]);
        Map<String, Object> kept = opt.stateDict();
        Map<String, Object> st = state0(kept);
        sparseStep(opt, emb, ids[1]);
        sparseStep(plain, twinEmb, ids[1]);
        assertEquals(2L, ((Number) st.get("step")).longValue());
        opt.loadStateDict(kept);
        sparseStep(opt, emb, ids[2]);
        sparseStep(plain, twinEmb, ids[2]);
        assertArrayEquals(twinEmb.weight.toDoubleArray(), emb.weight.toDoubleArray());
        assertEquals(3L, ((Number) state0(opt.stateDict()).get("step")).longValue());
    }

    private static Tensor longs(long... v) {
        return Tensor.tensor(v, DType.INT64, Device.CPU);
    }

    private static void sparseStep(SparseAdam opt, Embedding emb, Tensor ids) {
        opt.zeroGrad();
        emb.forward(ids).pow(2L).sum().backward();
        opt.step();
    }

    @Test
    void aKeptLbfgsStateDictFollowsLaterStepsAndLoadsAsANoOp() {
        // the same for L-BFGS, whose state PyTorch keeps in the first parameter's dict: a kept dict shows the later
        // n_iter and func_evals, and 2.x's load shares prev_flat_grad (which each step overwrites in place), so loading
        // a dict kept from this optimizer leaves its trajectory; Ember's map was new on each call and its load copied
        Tensor p = param(1.5, -0.5, 2.0);
        Tensor twin = p.detach().clone().requiresGrad_(true);
        LBFGS opt = new LBFGS(List.of(p), 0.5, 3, null, 1e-7, 1e-9, 5, null);
        LBFGS plain = new LBFGS(List.of(twin), 0.5, 3, null, 1e-7, 1e-9, 5, null);
        opt.step(quadratic(opt, p));
        plain.step(quadratic(plain, twin));
        Map<String, Object> kept = opt.stateDict();
        Map<String, Object> st = state0(kept);
        opt.step(quadratic(opt, p));
        plain.step(quadratic(plain, twin));
        assertSame(st, state0(opt.stateDict()), "the same map while no load replaces it");
        assertEquals(((Number) state0(plain.stateDict()).get("n_iter")).longValue(),
                ((Number) st.get("n_iter")).longValue());
        assertEquals(((Number) state0(plain.stateDict()).get("func_evals")).longValue(),
                ((Number) st.get("func_evals")).longValue());
        opt.loadStateDict(kept);
        assertSame(st.get("prev_flat_grad"), state0(opt.stateDict()).get("prev_flat_grad"));
        opt.step(quadratic(opt, p));
        plain.step(quadratic(plain, twin));
        assertArrayEquals(twin.toDoubleArray(), p.toDoubleArray());
    }

    private static Optimizer.Closure quadratic(Optimizer opt, Tensor p) {
        return () -> {
            opt.zeroGrad(true);
            Tensor loss = p.sub(0.25).pow(2L).mul(Tensor.tensor(new double[] {1.0, 3.0, 0.5}, DType.FLOAT64,
                    Device.CPU)).sum().add(p.prod());
            loss.backward();
            return loss;
        };
    }
}
