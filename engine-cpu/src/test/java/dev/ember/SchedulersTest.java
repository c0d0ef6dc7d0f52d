package dev.ember;

import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.CosineAnnealingWarmRestarts;
import dev.ember.optim.ExponentialLR;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.LambdaLR;
import dev.ember.optim.ConstantLR;
import dev.ember.optim.LinearLR;
import dev.ember.optim.MultiplicativeLR;
import dev.ember.optim.PolynomialLR;
import dev.ember.optim.MultiStepLR;
import dev.ember.optim.OneCycleLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.SGD;
import dev.ember.optim.SequentialLR;
import dev.ember.optim.StepLR;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The learning-rate schedulers against PyTorch ({@code training/make_expected.py}): each group's rate (and momentum,
 * where OneCycleLR cycles it) after construction and after each of 20 to 35 steps, for every scheduler, two of them
 * chained, SequentialLR over two and three schedulers, and ReduceLROnPlateau on a metric sequence; state dicts that
 * resume a schedule mid-way; PyTorch's errors with nothing changed.
 */
class SchedulersTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/training/expected.txt");
    private static final double[] CAWR_EPOCHS = {0.5, 1.25, 6.7, 20.0, 3.3, 14.9, 45.0, 2.0, 0.0, 9.99};
    private static final double[] METRICS = {1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.49, 0.495, 0.5, 0.51, 0.52, 0.53, 0.3,
        0.31, 0.32, 0.33, 0.34, 0.35, 0.36, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2};

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

    /** One recorded case: how to make the optimizer and the schedulers, how to step them, how many steps. */
    private record Case(Supplier<Optimizer> optimizer, Function<Optimizer, List<LRScheduler>> schedulers, int steps,
                        boolean momentum, Stepper stepper) {
    }

    private interface Stepper {
        void step(List<LRScheduler> s, int k);
    }

    private static final Stepper EACH = (s, k) -> s.forEach(LRScheduler::step);

    private static Map<String, Case> cases() {
        Map<String, Case> c = new LinkedHashMap<>();
        c.put("steplr", new Case(SchedulersTest::sgd, o -> List.of(new StepLR(o, 4, 0.5)), 35, false, EACH));
        c.put("multisteplr", new Case(SchedulersTest::sgd, o -> List.of(new MultiStepLR(o, List.of(3, 8, 8, 20), 0.3)), 35,
                false, EACH));
        c.put("exponentiallr", new Case(SchedulersTest::sgd, o -> List.of(new ExponentialLR(o, 0.9)), 35, false, EACH));
        c.put("cosine", new Case(SchedulersTest::sgd, o -> List.of(new CosineAnnealingLR(o, 10, 0.001)), 35, false, EACH));
        c.put("cawr", new Case(SchedulersTest::sgd, o -> List.of(new CosineAnnealingWarmRestarts(o, 5, 2, 0.001)), 35, false,
                EACH));
        c.put("cawr_mult1", new Case(SchedulersTest::sgd, o -> List.of(new CosineAnnealingWarmRestarts(o, 7)), 35, false, EACH));
        c.put("cawr_epochs", new Case(SchedulersTest::sgd, o -> List.of(new CosineAnnealingWarmRestarts(o, 5, 2, 0.001)),
                CAWR_EPOCHS.length, false, (s, k) -> ((CosineAnnealingWarmRestarts) s.get(0)).step(CAWR_EPOCHS[k])));
        c.put("onecycle_cos", new Case(SchedulersTest::sgd, o -> List.of(new OneCycleLR(o, new double[] {0.5, 0.2}, 35, 0.3,
                "cos", true, 0.85, 0.95, 25.0, 1e4, false)), 35, true, EACH));
        c.put("onecycle_linear3", new Case(SchedulersTest::adam, o -> List.of(new OneCycleLR(o, new double[] {1.0}, 30, 0.25,
                "linear", true, 0.7, 0.9, 10.0, 100.0, true)), 30, true, EACH));
        c.put("onecycle_nomomentum", new Case(SchedulersTest::adagrad, o -> List.of(new OneCycleLR(o, new double[] {0.3}, 20,
                0.3, "cos", false, 0.85, 0.95, 25.0, 1e4, false)), 20, false, EACH));
        c.put("linearlr", new Case(SchedulersTest::sgd, o -> List.of(new LinearLR(o, 0.25, 0.9, 7)), 35, false, EACH));
        c.put("constantlr", new Case(SchedulersTest::sgd, o -> List.of(new ConstantLR(o, 0.4, 6)), 35, false, EACH));
        c.put("polynomiallr", new Case(SchedulersTest::sgd, o -> List.of(new PolynomialLR(o, 9, 2.0)), 35, false, EACH));
        c.put("chained_constant", new Case(SchedulersTest::sgd, o -> List.of(new ConstantLR(o, 0.5, 4),
                new ExponentialLR(o, 0.9)), 35, false, EACH));
        c.put("multiplicativelr", new Case(SchedulersTest::sgd, o -> List.of(new MultiplicativeLR(o, List.of(e -> 0.95,
                e -> 1.0 - 0.01 * e))), 35, false, EACH));
        c.put("lambdalr", new Case(SchedulersTest::sgd, o -> List.of(new LambdaLR(o, List.of(e -> Math.pow(0.95, e),
                e -> 1.0 / (1 + e)))), 35, false, EACH));
        c.put("sequential", new Case(SchedulersTest::sgd, o -> List.of(new SequentialLR(o, List.of(new LinearLR(o, 0.1, 1.0, 5),
                new CosineAnnealingLR(o, 20)), List.of(5))), 35, false, EACH));
        c.put("sequential3", new Case(SchedulersTest::sgd, o -> List.of(new SequentialLR(o, List.of(new ExponentialLR(o, 0.9),
                new StepLR(o, 3, 0.5), new MultiStepLR(o, List.of(2, 4), 0.1)), List.of(6, 15))), 35, false, EACH));
        c.put("chained", new Case(SchedulersTest::sgd, o -> List.of(new ExponentialLR(o, 0.9), new StepLR(o, 3, 0.5)), 35, false,
                EACH));
        c.put("chained_warmup_cosine", new Case(SchedulersTest::sgd, o -> List.of(new LinearLR(o, 0.2, 1.0, 4),
                new CosineAnnealingLR(o, 30, 0.01)), 35, false, EACH));
        c.put("plateau_min", new Case(SchedulersTest::sgd, o -> List.of(new ReduceLROnPlateau(o, "min", 0.5, 2, 0.01, "rel", 1,
                new double[] {0.01, 0.02}, 1e-8)), METRICS.length, false,
                (s, k) -> ((ReduceLROnPlateau) s.get(0)).step(METRICS[k])));
        c.put("plateau_max_abs", new Case(SchedulersTest::sgd, o -> List.of(new ReduceLROnPlateau(o, "max", 0.3, 1, 0.05, "abs",
                0, new double[] {0.004}, 1e-8)), METRICS.length, false,
                (s, k) -> ((ReduceLROnPlateau) s.get(0)).step(-METRICS[k])));
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

    @Test
    void ratesFollowPyTorch() {
        for (Map.Entry<String, Case> e : cases().entrySet()) {
            String key = "sched_" + e.getKey();
            Case c = e.getValue();
            Optimizer o = c.optimizer().get();
            List<LRScheduler> s = c.schedulers().apply(o);
            assertRates(PyTorchCases.numbers(TORCH.field(key, "epoch0")), snapshot(o, c.momentum()), key + " epoch 0");
            for (int k = 0; k < c.steps(); k++) {
                c.stepper().step(s, k);
                assertRates(PyTorchCases.numbers(TORCH.field(key, "epoch" + (k + 1))), snapshot(o, c.momentum()),
                        key + " epoch " + (k + 1));
                // getLastLr is what the last scheduler stepped set
                double[] lrs = snapshot(o, false);
                assertArrayEquals(lrs, s.get(s.size() - 1).getLastLr(), key);
            }
        }
    }

    /** Halfway, fresh objects loaded with the optimizer's and the schedulers' state dicts continue bit for bit. */
    @Test
    void stateDictsResumeASchedule() {
        for (Map.Entry<String, Case> e : cases().entrySet()) {
            Case c = e.getValue();
            Optimizer o = c.optimizer().get();
            List<LRScheduler> s = c.schedulers().apply(o);
            int half = c.steps() / 2;
            for (int k = 0; k < half; k++) {
                c.stepper().step(s, k);
            }
            Optimizer o2 = c.optimizer().get();
            List<LRScheduler> s2 = c.schedulers().apply(o2);
            o2.loadStateDict(o.stateDict());
            for (int i = 0; i < s.size(); i++) {
                s2.get(i).loadStateDict(s.get(i).stateDict());
                assertEquals(s.get(i).lastEpoch(), s2.get(i).lastEpoch(), e.getKey());
                assertArrayEquals(s.get(i).getLastLr(), s2.get(i).getLastLr(), e.getKey());
            }
            for (int k = half; k < c.steps(); k++) {
                c.stepper().step(s, k);
                c.stepper().step(s2, k);
                assertArrayEquals(snapshot(o, c.momentum()), snapshot(o2, c.momentum()), e.getKey() + " epoch " + (k + 1));
            }
        }
    }

    @Test
    void stateDictsHavePyTorchsNames() {
        Optimizer o = sgd();
        // 2.x's __dict__ order (session 34; the old expectation had _get_lr_called_within_step first): _initial_step
        // assigns _is_initial (_initial_mode) before step() assigns _get_lr_called_within_step (_enable_get_lr_call)
        assertEquals(List.of("T_max", "eta_min", "base_lrs", "last_epoch", "_step_count", "_is_initial",
                "_get_lr_called_within_step", "_last_lr"), new ArrayList<>(new CosineAnnealingLR(o, 10).stateDict().keySet()));
        Map<String, Object> step = new StepLR(o, 3, 0.5).stateDict();
        assertEquals(3L, step.get("step_size"));
        assertEquals(0L, step.get("last_epoch"));
        assertEquals(1L, step.get("_step_count"));
        assertEquals(List.of(0.1, 0.05), step.get("base_lrs"));
        // schedulers store initial_lr in the groups, as PyTorch's
        assertEquals(0.1, o.paramGroups().get(0).getDouble("initial_lr"));
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(o);
        assertEquals(Double.POSITIVE_INFINITY, plateau.stateDict().get("best"));
        assertEquals(10L, plateau.stateDict().get("patience"));
        Optimizer q = sgd();
        SequentialLR seq = new SequentialLR(q, List.of(new LinearLR(q), new ExponentialLR(q, 0.5)), List.of(3));
        Map<String, Object> sd = seq.stateDict();
        assertEquals(List.of("_milestones", "last_epoch", "_last_lr", "_schedulers"), new ArrayList<>(sd.keySet()));
        assertEquals(2, ((List<?>) sd.get("_schedulers")).size());
        Map<String, Object> lambda = new LambdaLR(sgd(), e -> 1.0).stateDict();
        assertEquals(java.util.Arrays.asList(null, null), lambda.get("lr_lambdas"));
    }

    @Test
    void schedulerErrorsArePyTorchs() {
        Map<String, Supplier<Object>> cases = new LinkedHashMap<>();
        cases.put("err_linearlr_start", () -> new LinearLR(sgd(), 0.0, 1.0, 5));
        cases.put("err_linearlr_end", () -> new LinearLR(sgd(), 1.0 / 3, 1.5, 5));
        cases.put("err_constantlr_factor", () -> new ConstantLR(sgd(), 1.5, 5));
        cases.put("err_multiplicativelr_count", () -> new MultiplicativeLR(sgd(), List.of(e -> 0.9)));
        cases.put("err_cawr_t0", () -> new CosineAnnealingWarmRestarts(sgd(), 0));
        cases.put("err_cawr_tmult", () -> new CosineAnnealingWarmRestarts(sgd(), 3, 0, 0));
        cases.put("err_onecycle_total", () -> new OneCycleLR(sgd(), 0.1, 0));
        cases.put("err_onecycle_pct", () -> new OneCycleLR(sgd(), new double[] {0.1}, 10, 1.5, "cos", true, 0.85, 0.95, 25,
                1e4, false));
        cases.put("err_onecycle_anneal", () -> new OneCycleLR(sgd(), new double[] {0.1}, 10, 0.3, "exp", true, 0.85, 0.95, 25,
                1e4, false));
        cases.put("err_onecycle_momentum", () -> new OneCycleLR(adagrad(), 0.1, 10));
        cases.put("err_onecycle_max_lr", () -> new OneCycleLR(sgd(), new double[] {0.1, 0.2, 0.3}, 10, 0.3, "cos", true, 0.85,
                0.95, 25, 1e4, false));
        cases.put("err_lambdalr_count", () -> new LambdaLR(sgd(), List.of(e -> 1.0)));
        cases.put("err_plateau_factor", () -> new ReduceLROnPlateau(sgd(), "min", 1.0, 10, 1e-4, "rel", 0, new double[] {0}, 1e-8));
        cases.put("err_plateau_mode", () -> new ReduceLROnPlateau(sgd(), "avg", 0.1, 10, 1e-4, "rel", 0, new double[] {0}, 1e-8));
        cases.put("err_plateau_threshold_mode", () -> new ReduceLROnPlateau(sgd(), "min", 0.1, 10, 1e-4, "pct", 0,
                new double[] {0}, 1e-8));
        cases.put("err_plateau_min_lrs", () -> new ReduceLROnPlateau(sgd(), "min", 0.1, 10, 1e-4, "rel", 0,
                new double[] {0.1, 0.2, 0.3}, 1e-8));
        cases.put("err_sequential_count", () -> {
            Optimizer o = sgd();
            return new SequentialLR(o, List.of(new StepLR(o, 2, 0.1), new StepLR(o, 3, 0.1)), List.of(2, 4));
        });
        cases.put("err_sequential_plateau", () -> {
            Optimizer o = sgd();
            return new SequentialLR(o, List.of(new StepLR(o, 2, 0.1), new ReduceLROnPlateau(o)), List.of(2));
        });
        cases.put("err_cawr_epoch", () -> {
            new CosineAnnealingWarmRestarts(sgd(), 3).step(-1.0);
            return null;
        });
        for (Map.Entry<String, Supplier<Object>> c : cases.entrySet()) {
            assertEquals(TORCH.error(c.getKey()), assertThrows(IllegalArgumentException.class, c.getValue()::get).getMessage(),
                    c.getKey());
        }
    }

    @Test
    void failedStepsAndConstructionsChangeNothing() {
        // a OneCycleLR that refuses its arguments leaves the groups as they were
        Optimizer o = sgd();
        Map<String, Object> before = o.paramGroups().get(0).options();
        Map<String, Object> copy = new LinkedHashMap<>(before);
        Optimizer a = adam();
        Map<String, Object> adamBefore = new LinkedHashMap<>(a.paramGroups().get(1).options());
        assertEquals("Invalid beta parameter at index 0: 1.5", assertThrows(IllegalArgumentException.class,
                () -> new OneCycleLR(a, new double[] {0.1}, 10, 0.3, "cos", true, 0.85, 1.5, 25, 1e4, false)).getMessage());
        assertEquals(adamBefore, a.paramGroups().get(1).options());
        assertThrows(IllegalArgumentException.class, () -> new OneCycleLR(o, new double[] {0.1}, 10, 0.3, "cos", true, 0.85,
                0.95, -25, 1e4, false));
        assertEquals(copy, o.paramGroups().get(0).options());
        // past its end, OneCycleLR refuses to step, with 2.x's message, and nothing moves
        Optimizer q = sgd();
        OneCycleLR one = new OneCycleLR(q, 0.1, 3);
        for (int k = 0; k < 3; k++) {
            one.step();
        }
        double[] rates = snapshot(q, true);
        assertEquals(TORCH.error("err_onecycle_past"), assertThrows(IllegalArgumentException.class, one::step).getMessage());
        assertEquals(3, one.lastEpoch());
        assertArrayEquals(rates, snapshot(q, true));
        // ReduceLROnPlateau steps with a metric only
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(sgd());
        assertEquals("ReduceLROnPlateau.step() missing 1 required positional argument: 'metrics'",
                assertThrows(IllegalArgumentException.class, plateau::step).getMessage());
        // a rate that is no number (PyTorch would set it); a negative one is set, as PyTorch sets it
        Optimizer r = sgd();
        LambdaLR lambda = new LambdaLR(r, e -> e < 3 ? 1.0 : Double.NaN);
        lambda.step();
        lambda.step();
        assertEquals("Invalid learning rate: nan", assertThrows(IllegalArgumentException.class, lambda::step).getMessage());
        assertEquals(2, lambda.lastEpoch());
        assertArrayEquals(new double[] {0.1, 0.05}, snapshot(r, false));
        assertArrayEquals(new double[] {0.1, 0.05}, lambda.getLastLr());
        LambdaLR negative = new LambdaLR(sgd(), e -> -e);
        negative.step();
        assertArrayEquals(new double[] {-0.1, -0.05}, negative.getLastLr());
        // a state of the wrong type: nothing loaded
        CosineAnnealingLR cos = new CosineAnnealingLR(sgd(), 10);
        Map<String, Object> bad = cos.stateDict();
        bad.put("T_max", 20L);
        bad.put("last_epoch", "five");
        assertEquals("scheduler state 'last_epoch' must be an integer, got String five",
                assertThrows(IllegalArgumentException.class, () -> cos.loadStateDict(bad)).getMessage());
        assertEquals(10L, cos.stateDict().get("T_max"));
    }

    @Test
    void theGetterSetterFormStillDrivesOneRate() {
        double[] lr = {0.2};
        StepLR s = new StepLR(() -> lr[0], v -> lr[0] = v, 2, 0.5);
        assertEquals(null, s.optimizer());
        s.step();
        s.step();
        assertEquals(0.1, lr[0], 1e-15);
        assertEquals(0.1, s.lastLr(), 1e-15);
        // and a StepLR over an optimizer equals the closed form for a gamma that rounds
        Optimizer o = sgd();
        StepLR t = new StepLR(o, 2, 0.3);
        for (int k = 0; k < 10; k++) {
            t.step();
        }
        assertEquals(0.1 * Math.pow(0.3, 5), o.lr(), 1e-16);
    }
}
