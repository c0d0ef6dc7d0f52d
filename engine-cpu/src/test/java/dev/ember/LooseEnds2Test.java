package dev.ember;

import dev.ember.optim.ConstantLR;
import dev.ember.optim.CosineAnnealingWarmRestarts;
import dev.ember.optim.ChainedScheduler;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.CyclicLR;
import dev.ember.optim.ExponentialLR;
import dev.ember.optim.LambdaLR;
import dev.ember.optim.MultiStepLR;
import dev.ember.optim.MultiplicativeLR;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.SWALR;
import dev.ember.optim.SequentialLR;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.LinearLR;
import dev.ember.optim.OneCycleLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.PolynomialLR;
import dev.ember.optim.SGD;
import dev.ember.optim.StepLR;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 34's loose ends against PyTorch (resources/looseends2/make_expected.py, PyTorch 1.13; where 2.x differs, the
 * generator turns 1.13's result into 2.x's and says how).
 */
class LooseEnds2Test {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/looseends2/expected.txt");

    // ---- 1. the six schedulers session 33 left resume by lastEpoch (before: no lastEpoch constructor)

    /** The generator's two_groups: SGD over two groups, lr 0.1 and 0.05, with the momentum given (null: none). */
    private static SGD twoGroups(Double momentum) {
        SGD opt = momentum == null ? new SGD(List.of(Tensor.zeros(1).requiresGrad_(true)), 0.1)
            : new SGD(List.of(Tensor.zeros(1).requiresGrad_(true)), 0.1, momentum, 0, 0, false);
        opt.addParamGroup(List.of(Tensor.zeros(1).requiresGrad_(true)), Map.of("lr", 0.05));
        return opt;
    }

    private static void addMomenta(SGD opt, List<String> got) {
        for (var g : opt.paramGroups()) {
            got.add(Double.toString(g.getDouble("momentum")));
        }
    }

    /**
     * The generator's sched_case: {@code epochs} steps of a first scheduler, then one resumed with lastEpoch
     * {@code epochs}, stepped {@code more} times; the rates (and with {@code momentum}, the momenta) compared bit for
     * bit.
     */
    private static void assertResumed(String key, Function<Optimizer, LRScheduler> make,
                                      BiFunction<Optimizer, Long, LRScheduler> resumed, int epochs, int more,
                                      Double momentum) {
        SGD opt = twoGroups(momentum);
        LRScheduler s = make.apply(opt);
        for (int i = 0; i < epochs; i++) {
            opt.step();
            s.step();
        }
        LRScheduler r = resumed.apply(opt, (long) epochs);
        List<String> got = new ArrayList<>();
        List<String> moms = new ArrayList<>();
        for (int i = 0; ; i++) {
            for (double lr : r.getLastLr()) {
                got.add(Double.toString(lr));
            }
            if (momentum != null) {
                addMomenta(opt, moms);
            }
            if (i == more) {
                break;
            }
            opt.step();
            r.step();
        }
        if (momentum != null) {
            got.add("|");
            got.addAll(moms);
        }
        String[] want = EXPECTED.get(key).split(" ");
        assertEquals(want.length, got.size(), key);
        for (int i = 0; i < want.length; i++) {
            if (want[i].equals("|")) {
                assertEquals("|", got.get(i), key);
            } else {
                assertEquals(Double.parseDouble(want[i]), Double.parseDouble(got.get(i)), key + " [" + i + "]");
            }
        }
    }

    private static void assertResumed(String key, Function<Optimizer, LRScheduler> make,
                                      BiFunction<Optimizer, Long, LRScheduler> resumed, int epochs) {
        assertResumed(key, make, resumed, epochs, 20, null);
    }

    @Test
    void constantLinearAndPolynomialResumeAtLastEpoch() {
        // ConstantLR resumed at 5 (total_iters 6): the initial step is epoch 6 and restores the rate (PyTorch 2.x has no
        // initial-mode case in ConstantLR; Ember's had one, which would have kept the factor for good)
        for (int k : new int[] {3, 5, 8}) {
            assertResumed("resume.constant" + k, o -> new ConstantLR(o, 0.5, 6), (o, e) -> new ConstantLR(o, 0.5, 6, e), k);
        }
        // LinearLR and PolynomialLR: 2.x's initial step keeps the rates (see the generator's keep_initial)
        assertResumed("resume.linear", o -> new LinearLR(o, 0.25, 1.0, 8), (o, e) -> new LinearLR(o, 0.25, 1.0, 8, e), 4);
        assertResumed("resume.linearDown", o -> new LinearLR(o, 1.0, 0.1, 10),
            (o, e) -> new LinearLR(o, 1.0, 0.1, 10, e), 7);
        assertResumed("resume.linearPast", o -> new LinearLR(o, 0.25, 1.0, 8),
            (o, e) -> new LinearLR(o, 0.25, 1.0, 8, e), 9);
        assertResumed("resume.polynomial", o -> new PolynomialLR(o, 10, 2.0), (o, e) -> new PolynomialLR(o, 10, 2.0, e), 4);
        assertResumed("resume.polynomialPast", o -> new PolynomialLR(o, 6, 0.5),
            (o, e) -> new PolynomialLR(o, 6, 0.5, e), 6);
    }

    private static CyclicLR cyclic(Optimizer o, long lastEpoch) {
        return new CyclicLR(o, new double[] {0.01, 0.005}, new double[] {0.1, 0.05}, 3, 5, "triangular2", 1.0, null,
            "cycle", true, new double[] {0.8, 0.7}, new double[] {0.9, 0.95}, lastEpoch);
    }

    private static CyclicLR cyclicExp(Optimizer o, long lastEpoch) {
        return new CyclicLR(o, new double[] {0.01}, new double[] {0.1}, 4, null, "exp_range", 0.9, null, "cycle", false,
            new double[] {0.8}, new double[] {0.9}, lastEpoch);
    }

    private static OneCycleLR oneCycle3(Optimizer o, long lastEpoch) {
        return new OneCycleLR(o, new double[] {0.2}, 40, 0.25, "linear", true, 0.8, 0.9, 10.0, 100.0, true, lastEpoch);
    }

    @Test
    void cyclicAndOneCycleResumeAtLastEpoch() {
        // the momenta too: 2.x takes CyclicLR's base momenta from the argument when resuming (see the generator)
        assertResumed("resume.cyclic", o -> cyclic(o, -1), LooseEnds2Test::cyclic, 5, 20, 0.9);
        assertResumed("resume.cyclicExp", o -> cyclicExp(o, -1), LooseEnds2Test::cyclicExp, 6);
        assertResumed("resume.oneCycle",
            o -> new OneCycleLR(o, new double[] {0.1, 0.05}, 30, 0.3, "cos", true, 0.85, 0.95, 25.0, 1e4, false),
            (o, e) -> new OneCycleLR(o, new double[] {0.1, 0.05}, 30, 0.3, "cos", true, 0.85, 0.95, 25.0, 1e4, false, e),
            6, 20, 0.9);
        assertResumed("resume.oneCycle3", o -> oneCycle3(o, -1), LooseEnds2Test::oneCycle3, 9, 20, 0.9);
    }

    @Test
    void warmRestartsResumeAtLastEpoch() {
        // T_cur = lastEpoch + 1 reduced modulo T_i once, as 2.x's step (1.13 subtracted T_i: see the generator)
        int[][] cases = {{4, 3, 2}, {7, 3, 2}, {7, 3, 1}, {1, 5, 1}};
        String[] names = {"warm", "warm7", "warmMult1", "warmInside"};
        for (int i = 0; i < cases.length; i++) {
            int t0 = cases[i][1];
            int mult = cases[i][2];
            assertResumed("resume." + names[i], o -> new CosineAnnealingWarmRestarts(o, t0, mult, 0.001),
                (o, e) -> new CosineAnnealingWarmRestarts(o, t0, mult, 0.001, e), cases[i][0]);
        }
    }

    @Test
    void cyclicStartsFromAnEarlierInitialLr() {
        // PyTorch's initial step computes from the base constructor's base_lrs (the groups' initial_lr, which the StepLR
        // left at 0.1 and 0.05) before base_lr replaces them (before: Ember started at base_lr, 0.01)
        assertResumed("cyclic.afterStepLR", o -> new StepLR(o, 2, 0.5),
            (o, e) -> new CyclicLR(o, new double[] {0.01}, new double[] {0.1}, 3, null, "triangular", 1.0, null, "cycle",
                false, new double[] {0.8}, new double[] {0.9}), 3, 8, null);
    }

    private static String groupsText(SGD opt) {
        var g = opt.paramGroups();
        return "[" + g.get(0).lr() + ", " + g.get(1).lr() + "] [" + g.get(0).getDouble("momentum") + ", "
            + g.get(1).getDouble("momentum") + "]";
    }

    @Test
    void resumingWithoutInitialLrIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new ConstantLR(new SGD(List.of(Tensor.zeros(1).requiresGrad_(true)), 0.1), 0.5, 4, 2));
        assertEquals(EXPECTED.get("resume.noInitialLr.constant"), e.getMessage());
        SGD opt = twoGroups(0.9);
        String before = groupsText(opt);
        e = assertThrows(IllegalArgumentException.class, () -> new CyclicLR(opt, new double[] {0.01},
            new double[] {0.1}, 2000, null, "triangular", 1.0, null, "cycle", true, new double[] {0.8},
            new double[] {0.9}, 2));
        assertEquals(EXPECTED.get("resume.noInitialLr.cyclic"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new OneCycleLR(opt, new double[] {0.1}, 10, 0.3, "cos",
            true, 0.85, 0.95, 25.0, 1e4, false, 2));
        assertEquals(EXPECTED.get("resume.noInitialLr.oneCycle"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingWarmRestarts(opt, 3, 1, 0, 2));
        assertEquals(EXPECTED.get("resume.noInitialLr.warm"), e.getMessage());
        assertEquals(before, groupsText(opt), "nothing changed");
        assertEquals(false, opt.paramGroups().get(0).has("initial_lr"));
        assertEquals(false, opt.paramGroups().get(0).has("max_lr"));

        for (var g : opt.paramGroups()) {
            g.set("initial_lr", g.lr());
        }
        e = assertThrows(IllegalArgumentException.class, () -> new OneCycleLR(opt, new double[] {0.1}, 10, 0.3, "cos",
            true, 0.85, 0.95, 25.0, 1e4, false, 2));
        assertEquals(EXPECTED.get("resume.noMaxLr.oneCycle"), e.getMessage());
        assertEquals(EXPECTED.get("resume.noMaxLr.oneCycle.groups"), groupsText(opt), "nothing changed");
    }

    // ---- 2. scheduler state dicts print as PyTorch 2.x prints sched.state_dict() (before: Java's {k=v} map, other key
    // orders; the generator builds 2.x's dict from its __init__ order, see there)

    private static void assertState(String key, Object state) {
        assertEquals(EXPECTED.text("sd." + key), String.valueOf(state), key);
    }

    /** The generator's stepped: the scheduler over twoGroups(momentum), 3 steps (or {@code n}). */
    private static LRScheduler stepped(Function<Optimizer, LRScheduler> make, int n, Double momentum) {
        SGD opt = twoGroups(momentum);
        LRScheduler s = make.apply(opt);
        for (int i = 0; i < n; i++) {
            opt.step();
            s.step();
        }
        return s;
    }

    private static LRScheduler stepped(Function<Optimizer, LRScheduler> make) {
        return stepped(make, 3, null);
    }

    @Test
    void schedulerStateDictsPrintAsPython() {
        assertState("step", stepped(o -> new StepLR(o, 2, 0.5)).stateDict());
        assertState("multiStep", stepped(o -> new MultiStepLR(o, List.of(2, 5, 5, 8), 0.5)).stateDict());
        assertState("constant", stepped(ConstantLR::new).stateDict());
        assertState("linear", stepped(o -> new LinearLR(o, 0.25, 1.0, 8)).stateDict());
        assertState("exponential", stepped(o -> new ExponentialLR(o, 0.9)).stateDict());
        assertState("polynomial", stepped(o -> new PolynomialLR(o, 10, 2.0)).stateDict());
        assertState("cosine", stepped(o -> new CosineAnnealingLR(o, 7, 0.01)).stateDict());
        assertState("cosineDefault", stepped(o -> new CosineAnnealingLR(o, 7)).stateDict());
        assertState("lambda", stepped(o -> new LambdaLR(o, e -> Math.pow(0.9, e))).stateDict());
        assertState("multiplicative", stepped(o -> new MultiplicativeLR(o, e -> 0.9)).stateDict());
        assertState("cyclic", stepped(o -> cyclic(o, -1), 3, 0.9).stateDict());
        assertState("cyclicExp", stepped(o -> cyclicExp(o, -1)).stateDict());
        assertState("oneCycle", stepped(o -> new OneCycleLR(o, new double[] {0.1, 0.05}, 30, 0.3, "cos", true, 0.85,
            0.95, 25.0, 1e4, false), 3, 0.9).stateDict());
        assertState("oneCycle3", stepped(o -> oneCycle3(o, -1), 3, 0.9).stateDict());
        assertState("oneCycleNoMomentum", stepped(o -> new OneCycleLR(o, new double[] {0.1}, 20, 0.3, "cos", false,
            0.85, 0.95, 25.0, 1e4, false)).stateDict());
        // T_cur: an int stepping by step(), a float after step(4.5), as PyTorch's
        assertState("warm", stepped(o -> new CosineAnnealingWarmRestarts(o, 2, 2, 0.001), 4, null).stateDict());
        CosineAnnealingWarmRestarts w = (CosineAnnealingWarmRestarts) stepped(
            o -> new CosineAnnealingWarmRestarts(o, 2, 2, 0.001), 1, null);
        w.step(4.5);
        assertState("warmFractional", w.stateDict());
        assertState("warmDefault", stepped(o -> new CosineAnnealingWarmRestarts(o, 3), 1, null).stateDict());
        assertState("swalr", stepped(o -> new SWALR(o, 0.02, 4, "linear")).stateDict());
    }

    private static ReduceLROnPlateau plateau(ReduceLROnPlateau s, double... metrics) {
        for (double m : metrics) {
            s.optimizer().step();
            s.step(m);
        }
        return s;
    }

    @Test
    void plateauAndWrapperStateDictsPrintAsPython() {
        // PyTorch's default min_lr is the int 0: [0, 0]
        assertState("plateau", plateau(new ReduceLROnPlateau(twoGroups(null))).stateDict());
        assertState("plateauStepped", plateau(new ReduceLROnPlateau(twoGroups(null), "max", 0.5, 1, 1e-4, "rel", 1,
            new double[] {0.01, 0.02}, 1e-8), 1.0, 0.9, 0.8, 0.95, 0.7).stateDict());
        assertState("plateauMinLr", plateau(new ReduceLROnPlateau(twoGroups(null), "min", 0.5, 0, 0.1, "abs", 0,
            new double[] {0.001}, 1e-6), 1.0, 1.5, 0.2, 0.15).stateDict());
        SGD opt = twoGroups(null);
        SequentialLR q = new SequentialLR(opt, List.of(new ConstantLR(opt, 0.5, 4), new ExponentialLR(opt, 0.9)),
            List.of(5));
        for (int i = 0; i < 3; i++) {
            opt.step();
            q.step();
        }
        assertState("sequential", q.stateDict());
        SGD opt2 = twoGroups(null);
        ChainedScheduler c = new ChainedScheduler(List.of(new StepLR(opt2, 2, 0.5), new ExponentialLR(opt2, 0.9)));
        for (int i = 0; i < 3; i++) {
            opt2.step();
            c.step();
        }
        assertState("chained", c.stateDict());
    }

    @Test
    void printedStatesStillLoad() {
        // the Python-printing maps are ordinary maps: a state round-trips, and the int/float kinds survive it
        CosineAnnealingWarmRestarts w = (CosineAnnealingWarmRestarts) stepped(
            o -> new CosineAnnealingWarmRestarts(o, 2, 2, 0.001), 1, null);
        w.step(4.5);
        CosineAnnealingWarmRestarts w2 = new CosineAnnealingWarmRestarts(twoGroups(null), 2, 2, 0.001);
        w2.loadStateDict(w.stateDict());
        assertEquals(w.stateDict().toString(), w2.stateDict().toString());
        LRScheduler one = stepped(o -> oneCycle3(o, -1), 3, 0.9);
        LRScheduler one2 = oneCycle3(twoGroups(0.9), -1);
        one2.loadStateDict(one.stateDict());
        assertEquals(one.stateDict().toString(), one2.stateDict().toString());
        LRScheduler ms = stepped(o -> new MultiStepLR(o, List.of(2, 5, 5, 8), 0.5));
        LRScheduler ms2 = new MultiStepLR(twoGroups(null), List.of(1), 0.1);
        ms2.loadStateDict(ms.stateDict());
        assertEquals(ms.stateDict().toString(), ms2.stateDict().toString());
        ReduceLROnPlateau p = new ReduceLROnPlateau(twoGroups(null));
        ReduceLROnPlateau p2 = new ReduceLROnPlateau(twoGroups(null), "max", 0.5, 2, 1e-4, "rel", 0,
            new double[] {0.5}, 1e-8);
        p2.loadStateDict(p.stateDict());
        assertEquals(p.stateDict().toString(), p2.stateDict().toString());
    }

    // ---- 3. create_graph through gelu, softplus, elu (selu, celu, in place too), log_softmax and softmax: PyTorch's
    // backward-of-backward nodes (before: the gradient's node was the last op of the formula Ember wrote out, e.g.
    // MulBackward0, or for the softmaxes SubBackward0/MulBackward0), with derivatives.yaml's second derivatives

    private static String fnName(Node n) {
        return n == null ? "None" : n.name();
    }

    private static String fnLine(Tensor g) {
        List<String> next = new ArrayList<>();
        for (Node n : g.gradFn().nextFunctions()) {
            next.add(fnName(n));
        }
        return g.gradFn().name() + " " + String.join(",", next);
    }

    /** Float64 values against PyTorch's to a few ulps (the formulas' operations in another order than PyTorch's). */
    private static void assertCloseTo(String key, Tensor got) {
        Tensor want = EXPECTED.tensor(key);
        assertEquals(List.of(want.shape()[0], want.shape()[1]), List.of(got.shape()[0], got.shape()[1]), key);
        double[] e = want.toDoubleArray();
        double[] g = got.detach().toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], g[i], 4e-15 * Math.max(1, Math.abs(e[i])), key + "[" + i + "]");
        }
    }

    @Test
    void doubleBackwardNodesOfSmoothActivationsAndSoftmaxes() {
        Map<String, Function<Tensor, Tensor>> ops = new java.util.LinkedHashMap<>();
        ops.put("gelu", t -> dev.ember.nn.Functional.gelu(t));
        ops.put("geluTanh", t -> dev.ember.nn.Functional.gelu(t, "tanh"));
        ops.put("softplus", t -> dev.ember.nn.Functional.softplus(t, 2.0, 9.0));
        ops.put("softplusDefault", t -> dev.ember.nn.Functional.softplus(t));
        ops.put("elu", t -> dev.ember.nn.Functional.elu(t, 0.7));
        ops.put("selu", t -> dev.ember.nn.Functional.selu(t));
        ops.put("celu", t -> dev.ember.nn.Functional.celu(t, 1.3));
        ops.put("logSoftmax", t -> t.logSoftmax(1));
        ops.put("softmax", t -> t.softmax(1));
        ops.put("logSoftmax0", t -> t.logSoftmax(0));
        ops.put("softmax0", t -> t.softmax(0));
        // in place (is_result): the node over (grad_output, result), the result's node EluBackward1/CeluBackward1
        ops.put("eluInplace", t -> dev.ember.nn.Functional.elu_(t.clone(), 0.7));
        ops.put("seluInplace", t -> dev.ember.nn.Functional.selu_(t.clone()));
        ops.put("celuInplace", t -> dev.ember.nn.Functional.celu_(t.clone(), 1.3));
        double[] xv = {-2.5, -0.7, 0.0, 0.3, 1.9, 4.9};
        double[] vv = {0.5, -1.0, 2.0, 1.5, 0.25, -0.75};
        for (Map.Entry<String, Function<Tensor, Tensor>> op : ops.entrySet()) {
            String k = "gg." + op.getKey();
            Function<Tensor, Tensor> f = op.getValue();
            Tensor x = Tensor.tensor(xv, DType.FLOAT64).reshape(2, 3).requiresGrad_(true);
            Tensor v = Tensor.tensor(vv, DType.FLOAT64).reshape(2, 3).requiresGrad_(true);
            Tensor g = Autograd.grad(List.of(f.apply(x)), List.of(x), List.of(v), true).get(0);
            assertEquals(EXPECTED.get(k + ".fn"), fnLine(g), k);
            Tensor g1 = Autograd.grad(List.of(f.apply(x).sum()), List.of(x), null, true).get(0);
            assertEquals(EXPECTED.get(k + ".fnOnes"), fnLine(g1), k);
            assertCloseTo(k + ".g", g);
            List<Tensor> second = Autograd.grad(List.of(g.mul(g).sum()), List.of(x, v), null, true);
            assertCloseTo(k + ".gx", second.get(0));
            assertCloseTo(k + ".gv", second.get(1));
            assertEquals(EXPECTED.get(k + ".gvFn"), second.get(1).gradFn().name(), k);
            assertCloseTo(k + ".gxx", Autograd.grad(List.of(second.get(0).sum()), List.of(x)).get(0));
        }
    }

    // ---- 4. named_children / named_modules / named_parameters / named_buffers of shared modules (before:
    // namedChildren listed a module registered twice under both names and an absent child as null; no
    // named_modules/named_buffers remove_duplicate=False)

    /** A container registering the given modules under the given names, as attributes of a PyTorch nn.Module. */
    private static dev.ember.nn.Module container(Object... namesAndModules) {
        return new dev.ember.nn.Module() {
            {
                for (int i = 0; i < namesAndModules.length; i += 2) {
                    registerModule((String) namesAndModules[i], (dev.ember.nn.Module) namesAndModules[i + 1]);
                }
            }

            @Override
            public Tensor forward(Tensor x) {
                return x;
            }
        };
    }

    private static String pyList(java.util.Collection<String> names) {
        List<String> q = new ArrayList<>();
        for (String n : names) {
            q.add("'" + n + "'");
        }
        return "[" + String.join(", ", q) + "]";
    }

    private static void assertModuleCase(String key, dev.ember.nn.Module m) {
        String k = "mod." + key + ".";
        assertEquals(EXPECTED.get(k + "children"), pyList(m.namedChildren().keySet()), k + "children");
        assertEquals(EXPECTED.get(k + "childCount"), Integer.toString(m.children().size()), k + "childCount");
        assertEquals(EXPECTED.get(k + "modules"), pyList(m.namedModules().keySet()), k + "modules");
        assertEquals(EXPECTED.get(k + "modulesAll"), pyList(m.namedModules("", false).keySet()), k + "modulesAll");
        assertEquals(EXPECTED.get(k + "modulesAllPrefix"), pyList(m.namedModules("net", false).keySet()),
            k + "modulesAllPrefix");
        assertEquals(pyList(m.namedModules().keySet()), pyList(m.namedModules("", true).keySet()), k + "modules");
        assertEquals(EXPECTED.get(k + "moduleCount"), Integer.toString(m.modules().size()), k + "moduleCount");
        assertEquals(EXPECTED.get(k + "params"), pyList(m.namedParameters().keySet()), k + "params");
        assertEquals(EXPECTED.get(k + "paramsAll"), pyList(m.namedParameters(false).keySet()), k + "paramsAll");
        assertEquals(EXPECTED.get(k + "paramCount"), Integer.toString(m.parameters().size()), k + "paramCount");
        assertEquals(EXPECTED.get(k + "buffers"), pyList(m.namedBuffers().keySet()), k + "buffers");
        assertEquals(EXPECTED.get(k + "buffersAll"), pyList(m.namedBuffers(false).keySet()), k + "buffersAll");
        assertEquals(EXPECTED.get(k + "stateKeys"), pyList(m.stateDict().keySet()), k + "stateKeys");
    }

    @Test
    void namedMembersOfSharedModules() {
        dev.ember.nn.Linear lin = new dev.ember.nn.Linear(2, 2);
        dev.ember.nn.BatchNorm1d bn = new dev.ember.nn.BatchNorm1d(2);
        dev.ember.nn.Module twice = container("a", lin, "n", bn, "b", lin, "m", bn);
        assertModuleCase("twice", twice);
        // the printout keeps both names, as PyTorch's repr (which walks _modules)
        assertTrue(twice.toString().contains("(b): Linear"), twice.toString());

        dev.ember.nn.Sequential shared = new dev.ember.nn.Sequential(new dev.ember.nn.Linear(2, 2),
            new dev.ember.nn.BatchNorm1d(2));
        dev.ember.nn.Sequential p1 = new dev.ember.nn.Sequential(shared, new dev.ember.nn.Linear(2, 3));
        dev.ember.nn.Module root = container("p1", p1,
            "p2", new dev.ember.nn.Sequential(new dev.ember.nn.Linear(3, 2), shared), "gap", null, "p3", p1);
        assertModuleCase("shared", root);

        dev.ember.nn.Linear enc = new dev.ember.nn.Linear(3, 3, false);
        dev.ember.nn.Linear dec = new dev.ember.nn.Linear(3, 3);
        dec.setParameter("weight", enc.weight);
        assertModuleCase("tied", container("enc", enc, "dec", dec));

        // a Sequential holding one module twice still slices by position (it reads the registered names)
        dev.ember.nn.ReLU relu = new dev.ember.nn.ReLU();
        dev.ember.nn.Sequential s = new dev.ember.nn.Sequential(relu, new dev.ember.nn.Linear(2, 2), relu);
        assertEquals(List.of("0", "1"), new ArrayList<>(s.namedChildren().keySet()));
        assertEquals(List.of("1", "2"), new ArrayList<>(s.slice(1, 3).namedModules("", false).keySet()).subList(1, 3));
    }
}
