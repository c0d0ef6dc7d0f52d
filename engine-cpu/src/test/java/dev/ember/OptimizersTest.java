package dev.ember;

import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.Adamax;
import dev.ember.optim.NAdam;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import dev.ember.optim.RAdam;
import dev.ember.optim.RMSprop;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The optimizers against PyTorch 2.x's single-tensor updates ({@code training/make_expected.py}): 25 steps of each, in
 * float32 and float64, with two parameter groups of different options (weight decay, momentum, Nesterov, amsgrad,
 * centered, decoupled weight decay, ...), the second parameter getting its first gradient at step 2; their state dicts
 * against PyTorch's state; parameter groups, state dicts that round-trip, all-or-nothing steps and PyTorch's errors.
 */
class OptimizersTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/training/expected.txt");
    private static final double[] SCALES = {1.0, 0.5, 2.0, 0.1, 1.5, 0.8, 3.0, 0.3};
    private static final int STEPS = 25;
    static final List<String> NAMES = List.of("sgd", "adam", "adamw", "rmsprop", "adagrad", "adamax", "nadam", "radam");

    /** The script's parameters w1 [2, 3], w2 [4] and the gradients' a and b. */
    static Tensor[] params(DType t) {
        return new Tensor[] {
            Tensor.tensor(new double[][] {{0.5, -1.2, 0.8}, {1.5, -0.3, 0.9}}, t).requiresGrad_(true),
            Tensor.tensor(new double[] {0.7, -0.4, 1.1, -1.6}, t).requiresGrad_(true),
            Tensor.tensor(new double[][] {{1.0, 0.5, 2.0}, {0.3, 1.5, 0.8}}, t),
            Tensor.tensor(new double[] {0.9, 2.5, 0.4, 1.2}, t),
            Tensor.tensor(new double[][] {{0.1, -0.2, 0.05}, {-0.1, 0.3, 0.2}}, t),
            Tensor.tensor(new double[] {-0.3, 0.1, 0.25, -0.05}, t),
        };
    }

    /** grad = p * a + b * s_k, as the script sets it; w2 has none before step 2. */
    static void setGrads(Tensor[] p, int k) {
        double s = SCALES[k % SCALES.length];
        p[0].setGrad(p[0].detach().mul(p[2]).add(p[4].mul(s)));
        p[1].setGrad(k < 2 ? null : p[1].detach().mul(p[3]).add(p[5].mul(s)));
    }

    /** The script's optimizer: the defaults for w1, a second group of other options for w2. */
    static Optimizer make(String name, Tensor w1, Tensor w2) {
        List<Tensor> a = List.of(w1);
        List<Tensor> b = List.of(w2);
        switch (name) {
            case "sgd": {
                Optimizer o = new SGD(a, 0.1, 0.9, 0.1, 0.01, false);
                o.addParamGroup(b, Map.of("lr", 0.05, "momentum", 0.5, "dampening", 0.0, "nesterov", true));
                return o;
            }
            case "adam": {
                Optimizer o = Adam.adam(a, 0.05, 0.85, 0.99, 1e-7, 0.02);
                o.addParamGroup(b, Map.of("lr", 0.02, "amsgrad", true, "weight_decay", 0.0));
                return o;
            }
            case "adamw": {
                Optimizer o = Adam.adamW(a, 0.05, 0.9, 0.999, 1e-8, 0.1);
                o.addParamGroup(b, Map.of("betas", List.of(0.8, 0.9), "amsgrad", true));
                return o;
            }
            case "rmsprop": {
                Optimizer o = new RMSprop(a, 0.01, 0.9, 1e-6, 0.01, 0.5, true);
                o.addParamGroup(b, Map.of("lr", 0.02, "momentum", 0, "centered", false));
                return o;
            }
            case "adagrad": {
                // both groups the constructor's (PyTorch's list of dicts): Adagrad makes their state, sums from the
                // constructor's initial_accumulator_value
                return Optimizer.withGroups(List.of(Map.of("params", a), Map.of("params", b, "lr", 0.05, "lr_decay", 0,
                        "initial_accumulator_value", 0.5)), ps -> new Adagrad(ps, 0.1, 0.01, 0.01, 0.1, 1e-10));
            }
            case "adamax": {
                Optimizer o = new Adamax(a, 0.02, 0.9, 0.99, 1e-8, 0.01);
                o.addParamGroup(b, Map.of("lr", 0.01, "betas", new double[] {0.8, 0.999}));
                return o;
            }
            case "nadam": {
                Optimizer o = new NAdam(a, 0.01, 0.9, 0.99, 1e-8, 0.01, 0.004, false);
                o.addParamGroup(b, Map.of("decoupled_weight_decay", true, "weight_decay", 0.1, "momentum_decay", 0.01));
                return o;
            }
            case "radam": {
                Optimizer o = new RAdam(a, 0.01, 0.9, 0.99, 1e-8, 0.01, false);
                o.addParamGroup(b, Map.of("decoupled_weight_decay", true, "weight_decay", 0.05, "betas", List.of(0.9, 0.999)));
                return o;
            }
            default:
                throw new IllegalArgumentException(name);
        }
    }

    private static double[] values(Tensor[] p) {
        double[] a = p[0].toDoubleArray();
        double[] b = p[1].toDoubleArray();
        double[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * PyTorch's tolerance for a trajectory: 1e-12 relative in float64, 1e-6 relative in float32 (both frameworks round
     * each float32 op, in places differently: PyTorch's kernels fuse multiply-adds and use lerp), with an absolute floor
     * of the same size times the parameters' scale (1) for values that cross zero.
     */
    static void assertClose(double[] want, double[] got, DType t, String what) {
        double tol = t == DType.FLOAT64 ? 1e-12 : 1e-6;
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * Math.max(Math.abs(want[i]), 1.0), what + "[" + i + "]");
        }
    }

    @Test
    void trajectoriesFollowPyTorch() {
        for (String name : NAMES) {
            for (DType t : List.of(DType.FLOAT32, DType.FLOAT64)) {
                String key = "opt_" + name + "_" + (t == DType.FLOAT32 ? "float32" : "float64");
                Tensor[] p = params(t);
                Optimizer opt = make(name, p[0], p[1]);
                for (int k = 0; k < STEPS; k++) {
                    setGrads(p, k);
                    opt.step();
                    assertClose(PyTorchCases.numbers(TORCH.field(key, "step" + k)), values(p), t, key + " step " + k);
                }
                // the state dict holds PyTorch's state, key for key
                Map<String, Object> sd = opt.stateDict();
                @SuppressWarnings("unchecked")
                Map<Integer, Map<String, Object>> state = (Map<Integer, Map<String, Object>>) sd.get("state");
                for (int i = 0; i < 2; i++) {
                    Map<String, Object> mine = state.get(i);
                    List<String> want = stateKeys(key, i);
                    assertEquals(want, new ArrayList<>(mine.keySet()), key + " state " + i);
                    for (String k : want) {
                        Tensor v = (Tensor) mine.get(k);
                        double[] expected = PyTorchCases.numbers(TORCH.field(key, "state" + i + "_" + k));
                        if (k.equals("step") || k.equals("mu_product")) {
                            assertEquals(DType.FLOAT32, v.dtype(), key + " " + k);
                            assertEquals(0, v.dim(), key + " " + k);
                            assertEquals(expected[0], v.item(), 1e-6 * Math.abs(expected[0]), key + " " + k);
                        } else {
                            assertClose(expected, v.toDoubleArray(), t, key + " state " + i + " " + k);
                        }
                    }
                }
            }
        }
    }

    /** The state keys of parameter {@code i} in a case's expected state, in PyTorch's order. */
    private static List<String> stateKeys(String key, int i) {
        List<String> keys = new ArrayList<>();
        String prefix = "state" + i + "_";
        for (String line : fieldLines(key)) {
            if (line.startsWith(prefix)) {
                keys.add(line.substring(prefix.length(), line.indexOf(' ')));
            }
        }
        return keys;
    }

    /** The lines of a case in the expected file, as the script wrote them. */
    private static List<String> fieldLines(String key) {
        List<String> out = new ArrayList<>();
        try (java.io.InputStream in = OptimizersTest.class.getResourceAsStream("/training/expected.txt")) {
            boolean inCase = false;
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("=== ")) {
                    inCase = line.equals("=== " + key);
                } else if (inCase) {
                    out.add(line);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    @Test
    void stateDictRoundTripsIntoATwin() {
        for (String name : NAMES) {
            Tensor[] p = params(DType.FLOAT64);
            Tensor[] q = params(DType.FLOAT64);
            Optimizer opt = make(name, p[0], p[1]);
            for (int k = 0; k < 12; k++) {
                setGrads(p, k);
                opt.step();
            }
            // a twin made fresh, loaded with the parameters and the optimizer's state, continues identically
            q[0].detach().copy_(p[0].detach());
            q[1].detach().copy_(p[1].detach());
            Optimizer twin = make(name, q[0], q[1]);
            twin.paramGroups().get(0).setLr(123.0); // replaced by the loaded options
            Map<String, Object> sd = opt.stateDict();
            // PyTorch 2.x's load keeps every saved tensor that needs no cast (the step, and the moments of a parameter
            // of their type): an optimizer loading the live dict shares them with the original
            Tensor[] r = params(DType.FLOAT64);
            Optimizer sharing = make(name, r[0], r[1]);
            sharing.loadStateDict(sd);
            @SuppressWarnings("unchecked")
            Map<String, Object> s0 = ((Map<Integer, Map<String, Object>>) sd.get("state")).get(0);
            @SuppressWarnings("unchecked")
            Map<String, Object> t0 = ((Map<Integer, Map<String, Object>>) sharing.stateDict().get("state")).get(0);
            for (Map.Entry<String, Object> e : s0.entrySet()) {
                Tensor mine = (Tensor) e.getValue();
                boolean cast = !e.getKey().equals("step") && mine.dtype() != DType.FLOAT64;
                assertEquals(!cast, t0.get(e.getKey()) == mine, name + ": " + e.getKey() + " shared where not cast");
            }
            // the twin that goes its own way loads a copy, as from a checkpoint file
            @SuppressWarnings("unchecked")
            Map<String, Object> copy = (Map<String, Object>) FuzzR6Training.snapshot(sd);
            twin.loadStateDict(copy);
            assertEquals(opt.paramGroups().get(0).options(), twin.paramGroups().get(0).options(), name);
            for (int k = 12; k < STEPS; k++) {
                setGrads(p, k);
                opt.step();
                setGrads(q, k);
                twin.step();
                if (name.equals("nadam")) {
                    // PyTorch's load_state_dict casts mu_product to the float64 parameter's type, so the twin's later
                    // products are double where the original's stay float32 (LooseEndsTest): close, not equal
                    assertArrayEquals(values(p), values(q), 1e-9, name + " step " + k);
                } else {
                    assertArrayEquals(values(p), values(q), name + " step " + k);
                }
            }
        }
    }

    @Test
    void stateDictHasPyTorchsStructure() {
        Tensor[] p = params(DType.FLOAT32);
        Optimizer opt = make("adam", p[0], p[1]);
        Map<String, Object> before = opt.stateDict();
        assertEquals(List.of("state", "param_groups"), new ArrayList<>(before.keySet()));
        assertTrue(((Map<?, ?>) before.get("state")).isEmpty(), "no state before the first step");
        setGrads(p, 0);
        opt.step();
        Map<String, Object> sd = opt.stateDict();
        Map<?, ?> state = (Map<?, ?>) sd.get("state");
        assertEquals(List.of(0), new ArrayList<>(state.keySet()), "w2 has no gradient yet, so no state");
        List<?> groups = (List<?>) sd.get("param_groups");
        Map<?, ?> g0 = (Map<?, ?>) groups.get(0);
        Map<?, ?> g1 = (Map<?, ?>) groups.get(1);
        assertEquals(List.of("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach", "capturable",
                "differentiable", "fused", "decoupled_weight_decay", "params"), new ArrayList<>(g0.keySet()));
        assertEquals(List.of(0), g0.get("params"));
        assertEquals(List.of(1), g1.get("params"));
        assertEquals(List.of(0.85, 0.99), g0.get("betas"));
        assertEquals(0.02, g1.get("lr"));
        assertEquals(true, g1.get("amsgrad"));
        // adagrad makes its state for every parameter of the constructor's groups at once, as PyTorch's constructor,
        // every sum from the constructor's initial_accumulator_value (0.1; the group's 0.5 is not read)
        Tensor[] r = params(DType.FLOAT32);
        Map<?, ?> ada = (Map<?, ?>) make("adagrad", r[0], r[1]).stateDict().get("state");
        assertEquals(List.of(0, 1), new ArrayList<>(ada.keySet()));
        assertEquals(0.0, ((Tensor) ((Map<?, ?>) ada.get(1)).get("step")).item());
        assertArrayEquals(new double[] {(float) 0.1, (float) 0.1, (float) 0.1, (float) 0.1}, ((Tensor) ((Map<?, ?>) ada.get(1)).get("sum")).toDoubleArray());
        // SGD without momentum keeps no state, as PyTorch's
        Tensor[] s = params(DType.FLOAT32);
        SGD plain = new SGD(List.of(s[0], s[1]), 0.1);
        setGrads(s, 3);
        plain.step();
        assertTrue(((Map<?, ?>) plain.stateDict().get("state")).isEmpty());
    }

    @Test
    void paramGroupsMergeDefaultsAndCheckOptions() {
        Tensor a = Tensor.zeros(2).requiresGrad_(true);
        Tensor b = Tensor.zeros(3).requiresGrad_(true);
        Tensor c = Tensor.zeros(1).requiresGrad_(true);
        RMSprop opt = new RMSprop(List.of(a), 0.01, 0.9, 1e-6, 0, 0.5, true);
        ParamGroup g = opt.addParamGroup(List.of(b), Map.of("lr", 0.1, "note", "head"));
        assertEquals(2, opt.paramGroups().size());
        assertEquals(0.1, g.lr());
        assertEquals(0.9, g.getDouble("alpha"), "a default the group does not give");
        assertEquals("head", g.get("note"), "a key that is no option is kept");
        assertEquals(opt.defaults().keySet(), new java.util.LinkedHashSet<>(opt.paramGroups().get(0).options().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> opt.paramGroups().clear());
        // PyTorch's messages, and nothing changes
        assertEquals(TORCH.error("err_add_param_group_duplicate"), assertThrows(IllegalArgumentException.class,
                () -> opt.addParamGroup(List.of(c, a), Map.of())).getMessage());
        assertEquals("Invalid alpha value: -0.5", assertThrows(IllegalArgumentException.class,
                () -> opt.addParamGroup(List.of(c), Map.of("alpha", -0.5))).getMessage());
        assertEquals("option 'momentum' must be a number, got String x", assertThrows(IllegalArgumentException.class,
                () -> opt.addParamGroup(List.of(c), Map.of("momentum", "x"))).getMessage());
        assertEquals("can't optimize a non-leaf Tensor", assertThrows(IllegalArgumentException.class,
                () -> opt.addParamGroup(List.of(c.mul(2)), Map.of())).getMessage());
        assertEquals(2, opt.paramGroups().size());
        assertEquals(List.of(a, b), opt.paramGroups().stream().flatMap(x -> x.params().stream()).toList());
        // setting an option checks it with the constructor's message
        assertEquals("Invalid momentum value: -1.0", assertThrows(IllegalArgumentException.class,
                () -> g.set("momentum", -1.0)).getMessage());
        assertEquals("Invalid learning rate: -0.5", assertThrows(IllegalArgumentException.class, () -> opt.setLr(-0.5))
                .getMessage());
        assertEquals(0.01, opt.lr());
        assertEquals(0.1, g.lr());
        opt.setLr(0.3);
        assertEquals(0.3, opt.paramGroups().get(0).lr());
        assertEquals(0.3, g.lr());
        g.set("momentum", 2); // an integer is a number
        assertEquals(2.0, g.get("momentum"));
        assertThrows(IllegalArgumentException.class, () -> g.set("params", List.of()));
        assertEquals("KeyError: 'nothing'", assertThrows(IllegalArgumentException.class, () -> g.get("nothing")).getMessage());
    }

    @Test
    void optimizersPrintAsPyTorch() {
        Optimizer opt = Adam.adam(List.of(Tensor.zeros(1).requiresGrad_(true)), 0.001);
        opt.addParamGroup(List.of(Tensor.zeros(1).requiresGrad_(true)), Map.of("lr", 0.1));
        String group = "    amsgrad: False\n    betas: (0.9, 0.999)\n    capturable: False\n    decoupled_weight_decay: False\n"
                + "    differentiable: False\n    eps: 1e-08\n    foreach: None\n    fused: None\n    lr: %s\n"
                + "    maximize: False\n    weight_decay: 0\n"; // 2.x's default weight_decay is the int 0 (was 0.0 here)
        assertEquals("Adam (\nParameter Group 0\n" + String.format(group, "0.001") + "\nParameter Group 1\n"
                + String.format(group, "0.1") + ")", opt.toString());
    }

    @Test
    void loadStateDictChecksEverythingFirst() {
        Tensor[] p = params(DType.FLOAT64);
        Optimizer opt = make("adam", p[0], p[1]);
        for (int k = 0; k < 3; k++) {
            setGrads(p, k);
            opt.step();
        }
        Map<String, Object> good = opt.stateDict();
        Tensor[] q = params(DType.FLOAT64);
        Optimizer other = make("adam", q[0], q[1]);
        setGrads(q, 5);
        other.step();
        Map<String, Object> before = deepValues(other.stateDict());
        // one group too few, a group of another size
        SGD one = new SGD(List.of(Tensor.zeros(2).requiresGrad_(true)), 0.1);
        assertEquals(TORCH.error("err_load_groups"), assertThrows(IllegalArgumentException.class,
                () -> other.loadStateDict(one.stateDict())).getMessage());
        SGD two = new SGD(List.of(Tensor.zeros(2).requiresGrad_(true), Tensor.zeros(2).requiresGrad_(true)), 0.1);
        two.addParamGroup(List.of(Tensor.zeros(1).requiresGrad_(true)), Map.of());
        assertEquals(TORCH.error("err_load_sizes"), assertThrows(IllegalArgumentException.class,
                () -> other.loadStateDict(two.stateDict())).getMessage());
        // a state tensor of the wrong shape, in the last parameter: nothing of the first is loaded either
        Map<String, Object> bad = copy(good);
        stateOf(bad, 1).put("exp_avg", Tensor.zeros(DType.FLOAT64, 5));
        assertEquals("the saved state of parameter 1: exp_avg has shape [5] but the parameter has shape [4]",
                assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(bad)).getMessage());
        Map<String, Object> missing = copy(good);
        stateOf(missing, 1).remove("max_exp_avg_sq");
        assertEquals("the saved state of parameter 1 has no tensor max_exp_avg_sq", assertThrows(
                IllegalArgumentException.class, () -> other.loadStateDict(missing)).getMessage());
        Map<String, Object> extra = copy(good);
        stateOf(extra, 0).put("momentum_buffer", Tensor.zeros(DType.FLOAT64, 2, 3));
        assertEquals("the saved state of parameter 0 has an entry String momentum_buffer that Adam with these options "
                + "does not keep", assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(extra)).getMessage());
        Map<String, Object> badOption = copy(good);
        ((Map<String, Object>) ((List<Map<String, Object>>) badOption.get("param_groups")).get(1)).put("eps", -1.0);
        assertEquals("Invalid epsilon value: -1.0", assertThrows(IllegalArgumentException.class,
                () -> other.loadStateDict(badOption)).getMessage());
        assertEquals(before, deepValues(other.stateDict()));
        // keys as they come back from JSON: decimal strings, longs, a Number for step
        Map<String, Object> json = copy(good);
        Map<Object, Object> st = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) json.get("state")).entrySet()) {
            Map<String, Object> s = new LinkedHashMap<>((Map<String, Object>) e.getValue());
            s.put("step", ((Tensor) s.get("step")).item());
            st.put(String.valueOf(e.getKey()), s);
        }
        json.put("state", st);
        for (Object g : (List<?>) json.get("param_groups")) {
            List<Object> ids = new ArrayList<>();
            for (Object id : (List<?>) ((Map<?, ?>) g).get("params")) {
                ids.add(((Integer) id).longValue());
            }
            ((Map<String, Object>) g).put("params", ids);
        }
        other.loadStateDict(json);
        assertEquals(deepValues(good), deepValues(other.stateDict()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stateOf(Map<String, Object> sd, int i) {
        return ((Map<Integer, Map<String, Object>>) sd.get("state")).get(i);
    }

    /** A copy of a state dict's maps and lists (the tensors shared). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> copy(Map<String, Object> sd) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<Integer, Object> st = new LinkedHashMap<>();
        for (Map.Entry<Integer, Object> e : ((Map<Integer, Object>) sd.get("state")).entrySet()) {
            st.put(e.getKey(), new LinkedHashMap<>((Map<String, Object>) e.getValue()));
        }
        out.put("state", st);
        List<Object> groups = new ArrayList<>();
        for (Object g : (List<?>) sd.get("param_groups")) {
            groups.add(new LinkedHashMap<>((Map<String, Object>) g));
        }
        out.put("param_groups", groups);
        return out;
    }

    /** A state dict with every tensor replaced by its values, for comparisons. */
    private static Map<String, Object> deepValues(Map<String, Object> sd) {
        return (Map<String, Object>) deep(sd);
    }

    private static Object deep(Object v) {
        if (v instanceof Tensor) {
            return Arrays.toString(((Tensor) v).toDoubleArray());
        }
        if (v instanceof Map) {
            Map<String, Object> m = new LinkedHashMap<>();
            ((Map<?, ?>) v).forEach((k, x) -> m.put(String.valueOf(k), deep(x)));
            return m;
        }
        if (v instanceof List) {
            List<Object> l = new ArrayList<>();
            ((List<?>) v).forEach(x -> l.add(deep(x)));
            return l;
        }
        return v;
    }

    /**
     * A step that fails on the last parameter leaves every parameter and the optimizer's state as they were; repaired,
     * the optimizer continues exactly as a twin that never saw the failed step (StateSafetyTest's check, for every
     * optimizer).
     */
    @Test
    void failedStepsChangeNothing() {
        for (String name : NAMES) {
            Tensor[] p = params(DType.FLOAT64);
            Tensor[] q = params(DType.FLOAT64);
            Optimizer opt = make(name, p[0], p[1]);
            Optimizer twin = make(name, q[0], q[1]);
            for (int k = 0; k < 4; k++) {
                setGrads(p, k);
                opt.step();
                setGrads(q, k);
                twin.step();
            }
            setGrads(p, 4);
            setGrads(q, 4);
            Tensor saved = p[1].grad();
            Tensor data = p[1].detach().clone();
            p[1].setData(Tensor.zeros(DType.FLOAT64, 5));
            double[] first = p[0].toDoubleArray();
            Map<String, Object> state = deepValues(opt.stateDict());
            IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
            assertEquals(opt.getClass().getSimpleName() + ".step: the gradient of parameter 1 has shape [4] but the "
                    + "parameter has shape [5]", e.getMessage());
            assertArrayEquals(first, p[0].toDoubleArray(), name);
            p[1].setData(data);
            assertEquals(state, deepValues(opt.stateDict()), name);
            saved.close();
            assertEquals(opt.getClass().getSimpleName() + ".step: the gradient of parameter 1 has been closed",
                    assertThrows(IllegalStateException.class, opt::step).getMessage());
            assertArrayEquals(first, p[0].toDoubleArray(), name);
            setGrads(p, 4);
            opt.step();
            twin.step();
            for (int k = 5; k < 9; k++) {
                setGrads(p, k);
                opt.step();
                setGrads(q, k);
                twin.step();
            }
            assertArrayEquals(values(q), values(p), name);
        }
    }

    @Test
    void hyperparametersAreCheckedWithPyTorchsMessages() {
        List<Tensor> q = List.of(Tensor.zeros(2).requiresGrad_(true));
        Map<String, Supplier<Optimizer>> cases = new LinkedHashMap<>();
        cases.put("err_rmsprop_alpha", () -> new RMSprop(q, 0.01, -0.1, 1e-8, 0, 0, false));
        cases.put("err_rmsprop_momentum", () -> new RMSprop(q, 0.01, 0.99, 1e-8, 0, -0.5, false));
        cases.put("err_rmsprop_eps", () -> new RMSprop(q, 0.01, 0.99, -1.0, 0, 0, false));
        cases.put("err_adagrad_lr_decay", () -> new Adagrad(q, 0.01, -0.1, 0, 0, 1e-10));
        cases.put("err_adagrad_initial", () -> new Adagrad(q, 0.01, 0, 0, -1.0, 1e-10));
        cases.put("err_adagrad_eps", () -> new Adagrad(q, 0.01, 0, 0, 0, -1e-10));
        cases.put("err_adamax_beta1", () -> new Adamax(q, 0.002, 0.9, 1.0, 1e-8, 0));
        cases.put("err_nadam_momentum_decay", () -> new NAdam(q, 0.002, 0.9, 0.999, 1e-8, 0, -0.004, false));
        cases.put("err_nadam_beta0", () -> new NAdam(q, 0.002, -0.1, 0.999, 1e-8, 0, 0.004, false));
        cases.put("err_radam_weight_decay", () -> new RAdam(q, 0.001, 0.9, 0.999, 1e-8, -0.01, false));
        cases.put("err_radam_lr", () -> new RAdam(q, -0.001));
        for (Map.Entry<String, Supplier<Optimizer>> c : cases.entrySet()) {
            assertEquals(TORCH.error(c.getKey()), assertThrows(IllegalArgumentException.class, c.getValue()::get)
                    .getMessage(), c.getKey());
        }
        // nan and infinity are refused too (PyTorch lets nan through its comparisons)
        assertEquals("Invalid alpha value: nan", assertThrows(IllegalArgumentException.class,
                () -> new RMSprop(q, 0.01, Double.NaN, 1e-8, 0, 0, false)).getMessage());
        assertEquals("Invalid momentum_decay value: inf", assertThrows(IllegalArgumentException.class,
                () -> new NAdam(q, 0.002, 0.9, 0.999, 1e-8, 0, Double.POSITIVE_INFINITY, false)).getMessage());
        // the options are checked before the parameters, as in PyTorch
        assertEquals("Invalid learning rate: -1.0", assertThrows(IllegalArgumentException.class,
                () -> new Adagrad(List.of(), -1.0)).getMessage());
        assertEquals("optimizer got an empty parameter list", assertThrows(IllegalArgumentException.class,
                () -> new NAdam(List.of(), 0.1)).getMessage());
    }

    /** {@code options} with PyTorch 2.x's flags at their defaults (foreach and fused None, the others False). */
    private static Map<String, Object> flags(Map<String, Object> options, String... keys) {
        Map<String, Object> m = new java.util.HashMap<>(options);
        for (String k : keys) {
            m.put(k, k.equals("foreach") || k.equals("fused") ? null : Boolean.FALSE);
        }
        return m;
    }

    @Test
    void defaultsArePyTorchs() {
        List<Tensor> q = List.of(Tensor.zeros(2).requiresGrad_(true));
        assertEquals(flags(Map.of("lr", 0.01, "momentum", 0.0, "alpha", 0.99, "eps", 1e-8, "centered", false,
                "weight_decay", 0.0), "capturable", "foreach", "maximize", "differentiable"), new RMSprop(q, 0.01).defaults());
        assertEquals(flags(Map.of("lr", 0.01, "lr_decay", 0.0, "eps", 1e-10, "weight_decay", 0.0, "initial_accumulator_value",
                0.0), "foreach", "maximize", "differentiable", "fused"), new Adagrad(q, 0.01).defaults());
        assertEquals(flags(Map.of("lr", 0.002, "betas", List.of(0.9, 0.999), "eps", 1e-8, "weight_decay", 0.0),
                "foreach", "maximize", "differentiable", "capturable"), new Adamax(q, 0.002).defaults());
        assertEquals(flags(Map.of("lr", 0.002, "betas", List.of(0.9, 0.999), "eps", 1e-8, "weight_decay", 0.0,
                "momentum_decay", 0.004, "decoupled_weight_decay", false), "maximize", "foreach", "capturable",
                "differentiable"), new NAdam(q, 0.002).defaults());
        assertEquals(flags(Map.of("lr", 0.001, "betas", List.of(0.9, 0.999), "eps", 1e-8, "weight_decay", 0.0,
                "decoupled_weight_decay", false), "maximize", "foreach", "capturable", "differentiable"),
                new RAdam(q, 0.001).defaults());
        assertEquals(0.01, Adam.adamW(q, 0.001).paramGroups().get(0).getDouble("weight_decay"));
    }

    @Test
    void stateOutlivesTheStepsScope() {
        for (String name : NAMES) {
            Tensor[] p = params(DType.FLOAT32);
            Tensor[] q = params(DType.FLOAT32);
            Optimizer opt = make(name, p[0], p[1]);
            Optimizer twin = make(name, q[0], q[1]);
            for (int k = 0; k < 5; k++) {
                try (TensorScope scope = Ember.scope()) {
                    setGrads(p, k);
                    opt.step();
                }
                setGrads(q, k);
                twin.step();
            }
            assertArrayEquals(values(q), values(p), name);
            assertNotSame(p[0], q[0]);
        }
    }
}
