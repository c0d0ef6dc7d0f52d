package dev.ember;

import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.ChainedScheduler;
import dev.ember.optim.ConstantLR;
import dev.ember.optim.CyclicLR;
import dev.ember.optim.ExponentialLR;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.LinearLR;
import dev.ember.optim.MultiStepLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.SGD;
import dev.ember.optim.StepLR;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CyclicLR and ChainedScheduler against PyTorch ({@code cyclic/make_expected.py}): each group's rate and momentum (or
 * Adam's beta1) after construction and after each of 30 to 35 steps, in every mode and with custom scale functions;
 * state dicts that resume a schedule mid-way; PyTorch 2.x's errors with nothing changed.
 */
class CyclicChainedTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/cyclic/expected.txt");

    /** The script's SGD: two groups, lr 0.1 and 0.05, momentum 0.9. */
    static Optimizer sgd() {
        SGD o = new SGD(List.of(Tensor.zeros(2).requiresGrad_(true)), 0.1, 0.9, 0, 0, false);
        o.addParamGroup(List.of(Tensor.zeros(3).requiresGrad_(true)), Map.of("lr", 0.05));
        return o;
    }

    static Optimizer adam() {
        Optimizer o = Adam.adam(List.of(Tensor.zeros(2).requiresGrad_(true)), 0.1);
        o.addParamGroup(List.of(Tensor.zeros(3).requiresGrad_(true)), Map.of("lr", 0.05, "betas", List.of(0.8, 0.99)));
        return o;
    }

    static Optimizer adagrad() {
        return new Adagrad(List.of(Tensor.zeros(2).requiresGrad_(true), Tensor.zeros(3).requiresGrad_(true)), 0.1);
    }

    private record Case(Supplier<Optimizer> optimizer, Function<Optimizer, LRScheduler> scheduler, int steps,
                        boolean momentum) {
    }

    private static double[] one(double v) {
        return new double[] {v};
    }

    private static Map<String, Case> cases() {
        Map<String, Case> c = new LinkedHashMap<>();
        c.put("triangular", new Case(CyclicChainedTest::sgd, o -> new CyclicLR(o, new double[] {0.01, 0.005}, one(0.1), 4,
                null, "triangular", 1.0, null, "cycle", true, one(0.8), one(0.9)), 30, true));
        c.put("triangular2", new Case(CyclicChainedTest::sgd, o -> new CyclicLR(o, one(0.01), new double[] {0.1, 0.2}, 3, 5,
                "triangular2", 1.0, null, "cycle", true, one(0.85), new double[] {0.95, 0.9}), 30, true));
        c.put("exp_range", new Case(CyclicChainedTest::sgd, o -> new CyclicLR(o, one(0.02), one(0.3), 5, null, "exp_range",
                0.9, null, "cycle", false, one(0.8), one(0.9)), 30, false));
        c.put("custom_cycle", new Case(CyclicChainedTest::sgd, o -> new CyclicLR(o, one(0.01), one(0.1), 2, 3, "triangular",
                1.0, x -> 1.0 / x, "cycle", true, one(0.8), one(0.9)), 30, true));
        c.put("custom_iterations", new Case(CyclicChainedTest::sgd, o -> new CyclicLR(o, one(0.01), one(0.1), 3, null,
                "not a mode", 1.0, x -> 0.5 * (1 + Math.cos(x / 10.0)), "iterations", true, one(0.8), one(0.9)), 30, true));
        c.put("down_zero", new Case(CyclicChainedTest::sgd, o -> new CyclicLR(o, one(0.01), one(0.1), 3, 0, "triangular",
                1.0, null, "cycle", false, one(0.8), one(0.9)), 30, false));
        c.put("beta1", new Case(CyclicChainedTest::adam, o -> new CyclicLR(o, new double[] {0.01, 0.02}, one(0.1), 3, 2,
                "triangular", 1.0, null, "cycle", true, one(0.7), one(0.95)), 30, true));
        c.put("adagrad", new Case(CyclicChainedTest::adagrad, o -> new CyclicLR(o, one(0.01), one(0.1), 4, null, "triangular",
                1.0, null, "cycle", false, one(0.8), one(0.9)), 30, false));
        c.put("chained", new Case(CyclicChainedTest::sgd, o -> new ChainedScheduler(List.of(new ConstantLR(o, 0.5, 4),
                new ExponentialLR(o, 0.9))), 35, false));
        c.put("chained3", new Case(CyclicChainedTest::sgd, o -> new ChainedScheduler(List.of(new LinearLR(o, 0.2, 1.0, 4),
                new StepLR(o, 3, 0.5), new MultiStepLR(o, List.of(5, 9), 0.3))), 35, false));
        return c;
    }

    private static double[] snapshot(Optimizer o, boolean momentum) {
        List<ParamGroup> groups = o.paramGroups();
        double[] out = new double[groups.size() * (momentum ? 2 : 1)];
        for (int i = 0; i < groups.size(); i++) {
            ParamGroup g = groups.get(i);
            out[i] = g.lr();
            if (momentum) {
                out[groups.size() + i] = g.has("betas") ? (Double) ((List<?>) g.get("betas")).get(0) : g.getDouble("momentum");
            }
        }
        return out;
    }

    private static void assertRates(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-12 * Math.abs(want[i]) + 1e-15, what + "[" + i + "]");
        }
    }

    private static double[] epoch(String key, int k) {
        return PyTorchCases.numbers(TORCH.field(key, "epoch" + k));
    }

    @Test
    void ratesFollowPyTorch() {
        for (Map.Entry<String, Case> e : cases().entrySet()) {
            String key = e.getKey();
            Case c = e.getValue();
            Optimizer o = c.optimizer().get();
            LRScheduler s = c.scheduler().apply(o);
            assertRates(epoch(key, 0), snapshot(o, c.momentum()), key + " epoch 0");
            assertRates(Arrays.copyOf(epoch(key, 0), o.paramGroups().size()), s.getLastLr(), key + " last lr 0");
            for (int k = 0; k < c.steps(); k++) {
                s.step();
                assertRates(epoch(key, k + 1), snapshot(o, c.momentum()), key + " epoch " + (k + 1));
                assertRates(Arrays.copyOf(epoch(key, k + 1), o.paramGroups().size()), s.getLastLr(),
                        key + " last lr " + (k + 1));
            }
        }
    }

    @Test
    void beta1CyclesAndBeta2Stays() {
        Optimizer o = adam();
        CyclicLR s = new CyclicLR(o, one(0.01), one(0.1), 3, null, "triangular", 1.0, null, "cycle", true, one(0.7),
                one(0.95));
        for (int k = 0; k < 5; k++) {
            s.step();
        }
        assertEquals(0.999, (Double) ((List<?>) o.paramGroups().get(0).get("betas")).get(1));
        assertEquals(0.99, (Double) ((List<?>) o.paramGroups().get(1).get("betas")).get(1));
        assertEquals(0.95, o.paramGroups().get(0).getDouble("max_momentum"));
        assertEquals(0.7, o.paramGroups().get(1).getDouble("base_momentum"));
    }

    @Test
    void chainedLastLr() {
        Optimizer o = sgd();
        ChainedScheduler c = new ChainedScheduler(List.of(new ConstantLR(o, 0.5, 4), new ExponentialLR(o, 0.9)));
        for (int k = 0; k <= 6; k++) {
            assertRates(PyTorchCases.numbers(TORCH.field("chained_last_lr", "last" + k)), c.getLastLr(), "last" + k);
            c.step();
        }
        assertEquals(o, c.optimizer());
        assertEquals(2, c.schedulers().size());
    }

    /**
     * PyTorch 2.x's state dict keys of CyclicLR (its __dict__ without optimizer and _scale_fn_ref) and ChainedScheduler.
     * Session 34: in 2.x's order, which the old expectation did not have: CyclicLR.state_dict pops _scale_fn_custom and
     * puts it back last, and the base's _initial_step assigns _is_initial (_initial_mode) before step() assigns
     * _get_lr_called_within_step (_enable_get_lr_call); LooseEnds2Test prints the whole dicts against the generator's.
     */
    @Test
    void stateDictKeys() {
        CyclicLR s = new CyclicLR(sgd(), 0.01, 0.1);
        assertEquals(List.of("max_lrs", "total_size", "step_ratio", "mode", "gamma", "scale_mode",
                "cycle_momentum", "use_beta1", "base_momentums", "max_momentums", "base_lrs", "last_epoch", "_step_count",
                "_is_initial", "_get_lr_called_within_step", "_last_lr", "_scale_fn_custom"),
                new ArrayList<>(s.stateDict().keySet()));
        assertNull(s.stateDict().get("_scale_fn_custom"));
        assertEquals(4000.0, s.stateDict().get("total_size"));
        assertEquals("cycle", s.stateDict().get("scale_mode"));
        CyclicLR e = new CyclicLR(sgd(), one(0.01), one(0.1), 5, null, "exp_range", 0.9, null, "cycle", false, one(0.8),
                one(0.9));
        assertEquals("iterations", e.stateDict().get("scale_mode"));
        assertEquals(false, e.stateDict().containsKey("use_beta1"));
        Optimizer o = sgd();
        ChainedScheduler c = new ChainedScheduler(List.of(new ExponentialLR(o, 0.9)));
        assertEquals(List.of("_last_lr", "_schedulers"), new ArrayList<>(c.stateDict().keySet()));
    }

    /** A state saved mid-way resumes the schedule in a fresh scheduler over a fresh optimizer (given the saved rates). */
    @Test
    void stateDictResumes() {
        for (String key : List.of("triangular2", "custom_cycle", "custom_iterations", "exp_range", "beta1", "chained3")) {
            Case c = cases().get(key);
            Optimizer o = c.optimizer().get();
            LRScheduler s = c.scheduler().apply(o);
            for (int k = 0; k < 7; k++) {
                s.step();
            }
            Map<String, Object> state = s.stateDict();
            Optimizer o2 = c.optimizer().get();
            LRScheduler s2 = c.scheduler().apply(o2);
            for (int i = 0; i < o2.paramGroups().size(); i++) {
                o2.paramGroups().get(i).setLr(o.paramGroups().get(i).lr());
            }
            s2.loadStateDict(state);
            assertEquals(state, s2.stateDict(), key);
            for (int k = 7; k < c.steps(); k++) {
                s2.step();
                assertRates(epoch(key, k + 1), snapshot(o2, c.momentum()), key + " resumed epoch " + (k + 1));
            }
        }
    }

    @Test
    void badStatesChangeNothing() {
        CyclicLR s = new CyclicLR(sgd(), 0.01, 0.1);
        s.step();
        Map<String, Object> before = s.stateDict();
        Map<String, Object> bad = new LinkedHashMap<>(before);
        bad.put("mode", "triangular3");
        bad.put("last_epoch", 99L);
        assertEquals("mode is invalid and scale_fn is None",
                assertThrows(IllegalArgumentException.class, () -> s.loadStateDict(bad)).getMessage());
        assertEquals(before, s.stateDict());
        Map<String, Object> bad2 = new LinkedHashMap<>(before);
        bad2.put("max_lrs", List.of(0.1));
        assertThrows(IllegalArgumentException.class, () -> s.loadStateDict(bad2));
        Map<String, Object> bad3 = new LinkedHashMap<>(before);
        bad3.put("total_size", 0.0);
        assertThrows(IllegalArgumentException.class, () -> s.loadStateDict(bad3));
        Map<String, Object> bad4 = Map.of("milestones", List.of());
        assertThrows(IllegalArgumentException.class, () -> s.loadStateDict(bad4));
        assertEquals(before, s.stateDict());

        Optimizer o = sgd();
        ChainedScheduler c = new ChainedScheduler(List.of(new ExponentialLR(o, 0.9), new StepLR(o, 2, 0.5)));
        Map<String, Object> cs = c.stateDict();
        Map<String, Object> cbad = new LinkedHashMap<>(cs);
        cbad.put("_schedulers", List.of(cs));
        assertEquals("scheduler state '_schedulers' must be a list of 2 scheduler states, got " + List.of(cs),
                assertThrows(IllegalArgumentException.class, () -> c.loadStateDict(cbad)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.loadStateDict(null));
        assertEquals(cs, c.stateDict());
        // SequentialLR reads its schedulers' states through the same check (session 45 moved it into LRScheduler)
        Optimizer o2 = sgd();
        dev.ember.optim.SequentialLR q = new dev.ember.optim.SequentialLR(o2,
                List.of(new ExponentialLR(o2, 0.9), new StepLR(o2, 2, 0.5)), List.of(3));
        q.step();
        Map<String, Object> qs = q.stateDict();
        Map<String, Object> qbad = new LinkedHashMap<>(qs);
        List<Object> notMaps = new ArrayList<>(List.of(((List<?>) qs.get("_schedulers")).get(0), "not a state"));
        qbad.put("_schedulers", notMaps);
        qbad.put("last_epoch", 7L);
        assertEquals("scheduler state '_schedulers' must hold maps, got not a state",
                assertThrows(IllegalArgumentException.class, () -> q.loadStateDict(qbad)).getMessage());
        assertEquals(qs, q.stateDict());
    }

    @Test
    void errorsArePyTorchsWithNothingChanged() {
        Map<String, Supplier<Object>> cases = new LinkedHashMap<>();
        Optimizer[] made = new Optimizer[1];
        Supplier<Optimizer> sgd = () -> made[0] = sgd();
        Supplier<Optimizer> adagrad = () -> made[0] = adagrad();
        cases.put("err_cyclic_base_lr", () -> new CyclicLR(sgd.get(), new double[] {0.1, 0.2, 0.3}, one(1.0), 2000, null,
                "triangular", 1.0, null, "cycle", true, one(0.8), one(0.9)));
        cases.put("err_cyclic_mode", () -> new CyclicLR(sgd.get(), one(0.1), one(1.0), 2000, null, "triangular3", 1.0, null,
                "cycle", true, one(0.8), one(0.9)));
        cases.put("err_cyclic_momentum", () -> new CyclicLR(adagrad.get(), 0.1, 1.0));
        cases.put("err_cyclic_max_momentum", () -> new CyclicLR(sgd.get(), one(0.1), one(1.0), 2000, null, "triangular", 1.0,
                null, "cycle", true, one(0.8), new double[] {0.9, 0.9, 0.9}));
        cases.put("err_cyclic_zero", () -> new CyclicLR(sgd.get(), one(0.1), one(1.0), 0, 0, "triangular", 1.0, null,
                "cycle", true, one(0.8), one(0.9)));
        cases.put("err_cyclic_up_zero", () -> new CyclicLR(sgd.get(), one(0.1), one(1.0), 0, 3, "triangular", 1.0, null,
                "cycle", true, one(0.8), one(0.9)));
        cases.put("err_chained_empty", () -> new ChainedScheduler(List.of()));
        cases.put("err_chained_plateau", () -> {
            Optimizer o = sgd.get();
            return new ChainedScheduler(List.of(new ExponentialLR(o, 0.9), new ReduceLROnPlateau(o)));
        });
        for (Map.Entry<String, Supplier<Object>> c : cases.entrySet()) {
            made[0] = null;
            assertEquals(TORCH.error(c.getKey()), assertThrows(IllegalArgumentException.class, c.getValue()::get).getMessage(),
                    c.getKey());
            if (made[0] != null && !c.getKey().equals("err_chained_plateau")) {
                List<ParamGroup> groups = made[0].paramGroups();
                ParamGroup g = groups.get(groups.size() - 1);
                assertEquals(groups.size() == 2 ? 0.05 : 0.1, g.lr(), c.getKey());
                assertEquals(false, g.has("initial_lr"), c.getKey());
                assertEquals(false, g.has("max_momentum"), c.getKey());
                if (g.has("momentum")) {
                    assertEquals(0.9, g.getDouble("momentum"), c.getKey());
                }
            }
        }
    }

    @Test
    void chainedChecksItsSchedulers() {
        Optimizer o = sgd();
        Optimizer other = sgd();
        String msg = assertThrows(IllegalArgumentException.class, () -> new ChainedScheduler(List.of(
                new ExponentialLR(o, 0.9), new StepLR(other, 2, 0.5)))).getMessage();
        assertTrue(msg.startsWith("ChainedScheduler expects all schedulers to belong to the same optimizer, but got "
                + "scheduler StepLR at index 1 has SGD ("), msg);
        assertTrue(msg.endsWith(", which is different from SGD."), msg);
        assertThrows(IllegalArgumentException.class, () -> new ChainedScheduler(List.of(new ExponentialLR(o, 0.9)), other));
        List<LRScheduler> withNull = new ArrayList<>();
        withNull.add(new ExponentialLR(o, 0.9));
        withNull.add(null);
        assertEquals("ChainedScheduler at index 1 should have `optimizer` as its attribute.",
                assertThrows(IllegalArgumentException.class, () -> new ChainedScheduler(withNull)).getMessage());
        double[] lr = {0.1};
        assertEquals("ChainedScheduler at index 0 should have `optimizer` as its attribute.",
                assertThrows(IllegalArgumentException.class, () -> new ChainedScheduler(List.of(
                        new StepLR(() -> lr[0], v -> lr[0] = v, 2, 0.5)))).getMessage());
        assertEquals("schedulers must not be null",
                assertThrows(IllegalArgumentException.class, () -> new ChainedScheduler(null)).getMessage());
        assertEquals("NoneType is not an Optimizer",
                assertThrows(IllegalArgumentException.class, () -> new CyclicLR(null, 0.1, 1.0)).getMessage());
        assertEquals("base_lr must not be null", assertThrows(IllegalArgumentException.class, () -> new CyclicLR(sgd(), null,
                one(1.0), 4, null, "triangular", 1.0, null, "cycle", true, one(0.8), one(0.9))).getMessage());
    }
}
