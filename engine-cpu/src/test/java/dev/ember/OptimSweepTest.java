package dev.ember;

import dev.ember.optim.Adagrad;
import dev.ember.optim.Adam;
import dev.ember.optim.Adamax;
import dev.ember.optim.ChainedScheduler;
import dev.ember.optim.ConstantLR;
import dev.ember.optim.CosineAnnealingLR;
import dev.ember.optim.CosineAnnealingWarmRestarts;
import dev.ember.optim.CyclicLR;
import dev.ember.optim.ExponentialLR;
import dev.ember.optim.LRScheduler;
import dev.ember.optim.LambdaLR;
import dev.ember.optim.LinearLR;
import dev.ember.optim.MultiStepLR;
import dev.ember.optim.MultiplicativeLR;
import dev.ember.optim.NAdam;
import dev.ember.optim.OneCycleLR;
import dev.ember.optim.Optimizer;
import dev.ember.optim.ParamGroup;
import dev.ember.optim.PolynomialLR;
import dev.ember.optim.RAdam;
import dev.ember.optim.RMSprop;
import dev.ember.optim.ReduceLROnPlateau;
import dev.ember.optim.SGD;
import dev.ember.optim.SequentialLR;
import dev.ember.optim.StepLR;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A sweep of every optimizer's options and every LR scheduler against PyTorch 2.x ({@code optimsweep/make_expected.py}).
 * Optimizers: two groups of different options, a non-contiguous parameter, one whose gradient is None on some steps, one
 * with requires_grad false, float32 and float64, 5 steps with group 0's lr halved before step 3; the final state dict
 * (state and param_groups), a round trip of the state dict after step 2 into a fresh optimizer, loading PyTorch's layout,
 * PyTorch's errors. Schedulers: 30 steps of get_last_lr() and the groups' rates (and momenta), state after 30 steps, and
 * a state-dict round trip after 10 steps. Tolerances: 1e-6 relative (float32) / 1e-12 relative (float64), with an
 * absolute floor of the same size for values near zero (parameters cross zero; a relative bound alone would be
 * meaningless there).
 */
class OptimSweepTest {
    private static final Map<String, List<String>> CASES = load("/optimsweep/expected.txt");
    private static final double[] SC = {1.0, -0.5, 2.0, 0.3, -1.5};
    private static final int STEPS = 5;

    private static Map<String, List<String>> load(String resource) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        try (InputStream in = OptimSweepTest.class.getResourceAsStream(resource)) {
            List<String> cur = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("=== ")) {
                    cur = new ArrayList<>();
                    m.put(line.substring(4), cur);
                } else if (cur != null && !line.isEmpty()) {
                    cur.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    /**
     * The trajectory after a state-dict round trip at step 2: {@code rtstep<k>} where the load's casts change it
     * (NAdam's float32 mu_product of a float64 parameter becomes float64, as PyTorch's load_state_dict casts it), else
     * {@code step<k>}.
     */
    private static String roundTripStep(String key, int k) {
        for (String l : CASES.get(key)) {
            if (l.startsWith("rtstep" + k + " ")) {
                return l.substring(("rtstep" + k).length() + 1);
            }
        }
        return field(key, "step" + k);
    }

    private static String field(String key, String name) {
        for (String l : CASES.get(key)) {
            if (l.startsWith(name + " ")) {
                return l.substring(name.length() + 1);
            }
        }
        throw new IllegalStateException(key + " has no " + name);
    }

    private static List<String> fields(String key, String prefix) {
        List<String> out = new ArrayList<>();
        for (String l : CASES.get(key)) {
            if (l.startsWith(prefix + " ")) {
                out.add(l.substring(prefix.length() + 1));
            }
        }
        return out;
    }

    static void close(double[] want, double[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * Math.max(Math.abs(want[i]), 1.0), what + "[" + i + "]");
        }
    }

    // ------------------------------------------------------------------ python literals

    /** A Python literal: number, True/False, None, tuple or list of numbers, string. */
    static Object literal(String s) {
        s = s.trim();
        switch (s) {
            case "True": return Boolean.TRUE;
            case "False": return Boolean.FALSE;
            case "None": return null;
            default:
        }
        if (s.startsWith("(") || s.startsWith("[")) {
            List<Object> l = new ArrayList<>();
            String body = s.substring(1, s.length() - 1).trim();
            if (!body.isEmpty()) {
                for (String part : body.split(",")) {
                    if (!part.isBlank()) {
                        l.add(s.startsWith("[") && !part.contains(".") && !part.contains("e")
                                ? (Object) Integer.parseInt(part.trim()) : (Object) Double.parseDouble(part.trim()));
                    }
                }
            }
            return l;
        }
        return Double.parseDouble(s);
    }

    /** A Python dict literal of option names to literals. */
    static Map<String, Object> dict(String s) {
        Map<String, Object> m = new LinkedHashMap<>();
        Matcher x = Pattern.compile("'(\\w+)': (\\([^)]*\\)|[^,}]+)").matcher(s);
        while (x.find()) {
            m.put(x.group(1), literal(x.group(2)));
        }
        return m;
    }

    // ------------------------------------------------------------------ optimizers

    static double d(Map<String, Object> o, String k, double def) {
        return o.containsKey(k) ? ((Number) o.get(k)).doubleValue() : def;
    }

    static boolean b(Map<String, Object> o, String k) {
        return o.containsKey(k) && (Boolean) o.get(k);
    }

    static double beta(Map<String, Object> o, int i, double def) {
        return o.containsKey("betas") ? ((Number) ((List<?>) o.get("betas")).get(i)).doubleValue() : def;
    }

    /** The optimizer with group 0's options as constructor arguments (PyTorch's defaults elsewhere). */
    static Optimizer make(String name, Map<String, Object> o, List<Tensor> ps) {
        switch (name) {
            case "sgd":
                return new SGD(ps, d(o, "lr", 1e-3), d(o, "momentum", 0), d(o, "dampening", 0), d(o, "weight_decay", 0),
                        b(o, "nesterov"));
            case "adam":
                return Adam.adam(ps, d(o, "lr", 1e-3), beta(o, 0, 0.9), beta(o, 1, 0.999), d(o, "eps", 1e-8),
                        d(o, "weight_decay", 0), b(o, "amsgrad"));
            case "adamw":
                return Adam.adamW(ps, d(o, "lr", 1e-3), beta(o, 0, 0.9), beta(o, 1, 0.999), d(o, "eps", 1e-8),
                        d(o, "weight_decay", 0.01), b(o, "amsgrad"));
            case "rmsprop":
                return new RMSprop(ps, d(o, "lr", 0.01), d(o, "alpha", 0.99), d(o, "eps", 1e-8), d(o, "weight_decay", 0),
                        d(o, "momentum", 0), b(o, "centered"));
            case "adagrad":
                return new Adagrad(ps, d(o, "lr", 0.01), d(o, "lr_decay", 0), d(o, "weight_decay", 0),
                        d(o, "initial_accumulator_value", 0), d(o, "eps", 1e-10));
            case "adamax":
                return new Adamax(ps, d(o, "lr", 0.002), beta(o, 0, 0.9), beta(o, 1, 0.999), d(o, "eps", 1e-8),
                        d(o, "weight_decay", 0));
            case "nadam":
                return new NAdam(ps, d(o, "lr", 0.002), beta(o, 0, 0.9), beta(o, 1, 0.999), d(o, "eps", 1e-8),
                        d(o, "weight_decay", 0), d(o, "momentum_decay", 0.004), b(o, "decoupled_weight_decay"));
            case "radam":
                return new RAdam(ps, d(o, "lr", 1e-3), beta(o, 0, 0.9), beta(o, 1, 0.999), d(o, "eps", 1e-8),
                        d(o, "weight_decay", 0), b(o, "decoupled_weight_decay"));
            default:
                throw new IllegalArgumentException(name);
        }
    }

    /** The script's parameters (p1 a transposed, non-contiguous leaf; p3 without requires_grad) and a, b. */
    static final class Setup {
        final Tensor[] p = new Tensor[4];
        final Tensor[] a = new Tensor[3];
        final Tensor[] b = new Tensor[3];

        Setup(DType t) {
            p[0] = Tensor.tensor(new double[][] {{0.5, -1.2, 0.8}, {1.5, -0.3, 0.9}}, t).requiresGrad_(true);
            p[1] = Tensor.tensor(new double[][] {{0.4, -0.6}, {1.1, 0.2}, {-0.9, 1.3}}, t).t().requiresGrad_(true);
            p[2] = Tensor.tensor(new double[] {0.7, -0.4, 1.1, -1.6}, t).requiresGrad_(true);
            p[3] = Tensor.tensor(new double[] {2.0, -3.0, 0.25}, t);
            a[0] = Tensor.tensor(new double[][] {{1.0, 0.5, 2.0}, {0.3, 1.5, 0.8}}, t);
            a[1] = Tensor.tensor(new double[][] {{0.6, 1.2}, {0.9, 0.4}, {2.2, 0.7}}, t).t();
            a[2] = Tensor.tensor(new double[] {0.9, 2.5, 0.4, 1.2}, t);
            b[0] = Tensor.tensor(new double[][] {{0.1, -0.2, 0.05}, {-0.1, 0.3, 0.2}}, t);
            b[1] = Tensor.tensor(new double[][] {{0.15, -0.25}, {0.05, 0.2}, {-0.3, 0.1}}, t).t();
            b[2] = Tensor.tensor(new double[] {-0.3, 0.1, 0.25, -0.05}, t);
            assertFalse(p[1].isContiguous(), "p1 should be non-contiguous");
            assertTrue(p[1].isLeaf(), "p1 should be a leaf");
        }

        static boolean hasGrad(int i, int k) {
            switch (i) {
                case 0: return true;
                case 1: return k != 1;
                case 2: return k == 2 || k == 4;
                default: return false;
            }
        }

        /** Both groups the constructor's, as the script's (PyTorch's list of dicts: Adagrad makes their state). */
        Optimizer make(String name, Map<String, Object> g0, Map<String, Object> g1) {
            Map<String, Object> second = new LinkedHashMap<>(g1);
            second.put("params", List.of(p[2], p[3]));
            return Optimizer.withGroups(List.of(Map.of("params", List.of(p[0], p[1])), second),
                    ps -> OptimSweepTest.make(name, g0, ps));
        }

        /** Step k: group 0's lr halved before step 3, zero_grad, the gradients of step k, one step. */
        void step(Optimizer o, int k) {
            if (k == 3) {
                ParamGroup g = o.paramGroups().get(0);
                g.setLr(g.lr() * 0.5);
            }
            o.zeroGrad();
            for (Tensor x : p) {
                assertNull(x.grad(), "zero_grad sets the gradients to None");
            }
            for (int i = 0; i < 3; i++) {
                if (hasGrad(i, k)) {
                    p[i].setGrad(p[i].detach().mul(a[i]).add(b[i].mul(SC[k])));
                }
            }
            o.step();
        }

        double[] values() {
            List<Double> l = new ArrayList<>();
            for (Tensor x : p) {
                for (double v : x.toDoubleArray()) {
                    l.add(v);
                }
            }
            return l.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    private static double tol(DType t) {
        return t == DType.FLOAT64 ? 1e-12 : 1e-6;
    }

    private static List<DynamicTest> optimizerCases() {
        List<DynamicTest> tests = new ArrayList<>();
        java.util.Set<String> keysDone = new java.util.HashSet<>();
        for (String key : CASES.keySet()) {
            if (!key.startsWith("opt_")) {
                continue;
            }
            DType t = key.endsWith("float32") ? DType.FLOAT32 : DType.FLOAT64;
            String spec = field(key, "spec");
            String name = spec.substring(0, spec.indexOf(' '));
            int split = spec.indexOf("} {");
            Map<String, Object> g0 = dict(spec.substring(0, split + 1));
            Map<String, Object> g1 = dict(spec.substring(split + 2));
            tests.add(DynamicTest.dynamicTest(key + " trajectory", () -> {
                Setup s = new Setup(t);
                Optimizer o = s.make(name, g0, g1);
                for (int k = 0; k < STEPS; k++) {
                    s.step(o, k);
                    close(PyTorchCases.numbers(field(key, "step" + k)), s.values(), tol(t), key + " step" + k);
                }
            }));
            tests.add(DynamicTest.dynamicTest(key + " state", () -> {
                Setup s = new Setup(t);
                Optimizer o = s.make(name, g0, g1);
                for (int k = 0; k < STEPS; k++) {
                    s.step(o, k);
                }
                @SuppressWarnings("unchecked")
                Map<Integer, Map<String, Object>> st = (Map<Integer, Map<String, Object>>) o.stateDict().get("state");
                List<Integer> want = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    if (!fields(key, "state" + i).isEmpty()) {
                        want.add(i);
                    }
                }
                assertEquals(want, new ArrayList<>(st.keySet()), "indices with state");
                for (int i : want) {
                    List<String> keys = new ArrayList<>();
                    for (Object k : (List<?>) literalStrings(field(key, "state" + i))) {
                        keys.add((String) k);
                    }
                    assertEquals(keys, new ArrayList<>(st.get(i).keySet()), "state " + i + " keys");
                    for (String k : keys) {
                        Tensor v = (Tensor) st.get(i).get(k);
                        double[] exp = PyTorchCases.numbers(field(key, "state" + i + "_" + k));
                        if (k.equals("step") || k.equals("mu_product")) {
                            assertEquals(DType.FLOAT32, v.dtype(), k + " dtype");
                            assertEquals(exp[0], v.item(), 1e-6 * Math.abs(exp[0]), "state " + i + " " + k);
                        } else {
                            assertEquals(t, v.dtype(), k + " dtype");
                            close(exp, v.toDoubleArray(), tol(t), "state " + i + " " + k);
                        }
                    }
                }
            }));
            tests.add(DynamicTest.dynamicTest(key + " param_groups values", () -> {
                Setup s = new Setup(t);
                Optimizer o = s.make(name, g0, g1);
                for (int k = 0; k < STEPS; k++) {
                    s.step(o, k);
                }
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> pgs = (List<Map<String, Object>>) o.stateDict().get("param_groups");
                for (int gi = 0; gi < 2; gi++) {
                    for (String line : CASES.get(key)) {
                        String prefix = "pg" + gi + "_";
                        if (!line.startsWith(prefix)) {
                            continue;
                        }
                        String k = line.substring(prefix.length(), line.indexOf(' '));
                        if (!pgs.get(gi).containsKey(k)) {
                            continue; // missing keys: the "param_groups keys" case
                        }
                        Object want = literal(line.substring(line.indexOf(' ') + 1));
                        Object got = pgs.get(gi).get(k);
                        if (want instanceof Double) {
                            assertEquals((Double) want, ((Number) got).doubleValue(), 1e-15, "group " + gi + " " + k);
                        } else if (want instanceof List && k.equals("betas")) {
                            assertEquals(want, got, "group " + gi + " " + k);
                        } else {
                            assertEquals(want, got, "group " + gi + " " + k);
                        }
                    }
                }
            }));
            if (t == DType.FLOAT64 && keysDone.add(name)) {
                tests.add(DynamicTest.dynamicTest("pgkeys_" + name + " param_groups keys as PyTorch 2.x", () -> {
                    Setup s = new Setup(t);
                    Optimizer o = s.make(name, g0, g1);
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> pgs = (List<Map<String, Object>>) o.stateDict().get("param_groups");
                    List<String> want = new ArrayList<>();
                    for (String line : CASES.get(key)) {
                        if (line.startsWith("pg0_")) {
                            want.add(line.substring(4, line.indexOf(' ')));
                        }
                    }
                    assertEquals(new TreeSet<>(want), new TreeSet<>(pgs.get(0).keySet()), "param_groups[0] keys");
                }));
            }
            tests.add(DynamicTest.dynamicTest(key + " state_dict round trip after step 2", () -> {
                Setup s = new Setup(t);
                Optimizer a = s.make(name, g0, g1);
                s.step(a, 0);
                s.step(a, 1);
                Map<String, Object> sd = a.stateDict();
                Optimizer o = s.make(name, g0, g1);
                o.loadStateDict(sd);
                for (int k = 2; k < STEPS; k++) {
                    s.step(o, k);
                    close(PyTorchCases.numbers(roundTripStep(key, k)), s.values(), tol(t), key + " step" + k);
                }
            }));
            if (t == DType.FLOAT64) {
                tests.add(DynamicTest.dynamicTest(key + " load PyTorch's state_dict layout", () -> {
                    Setup s = new Setup(t);
                    Optimizer a = s.make(name, g0, g1);
                    s.step(a, 0);
                    s.step(a, 1);
                    Optimizer o = s.make(name, g0, g1);
                    o.loadStateDict(torchLayout(key, s));
                    for (int k = 2; k < STEPS; k++) {
                        s.step(o, k);
                        close(PyTorchCases.numbers(roundTripStep(key, k)), s.values(), tol(t), key + " step" + k);
                    }
                }));
            }
        }
        return tests;
    }

    private static List<Object> literalStrings(String s) {
        List<Object> l = new ArrayList<>();
        Matcher m = Pattern.compile("'(\\w+)'").matcher(s);
        while (m.find()) {
            l.add(m.group(1));
        }
        return l;
    }

    /** The script's state dict after step 2, built as PyTorch lays it out (int keys, 0-dim float32 step). */
    private static Map<String, Object> torchLayout(String key, Setup s) {
        Map<Integer, Map<String, Object>> state = new LinkedHashMap<>();
        for (String l : fields(key, "sd2_state")) {
            String[] f = l.split(" ", 4);
            int i = Integer.parseInt(f[0]);
            Object v;
            if (f[2].equals("0d")) {
                v = Tensor.tensor((float) Double.parseDouble(f[3]), DType.FLOAT32, Device.CPU);
            } else {
                v = Tensor.tensor(PyTorchCases.numbers(f[3]), DType.FLOAT64).reshape(toInts(s.p[i].shape()));
            }
            state.computeIfAbsent(i, x -> new LinkedHashMap<>()).put(f[1], v);
        }
        List<Map<String, Object>> groups = new ArrayList<>();
        for (String l : fields(key, "sd2_group")) {
            String[] f = l.split(" ", 3);
            int gi = Integer.parseInt(f[0]);
            while (groups.size() <= gi) {
                groups.add(new LinkedHashMap<>());
            }
            Object v = literal(f[2]);
            groups.get(gi).put(f[1], v);
        }
        Map<String, Object> sd = new LinkedHashMap<>();
        sd.put("state", state);
        sd.put("param_groups", groups);
        return sd;
    }

    private static int[] toInts(long[] shape) {
        int[] out = new int[shape.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) shape[i];
        }
        return out;
    }

    private static int[] toInts(int[] shape) {
        return shape;
    }

    private static List<DynamicTest> otherOptimizerCases() {
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(DynamicTest.dynamicTest("load_maximize_sgd: maximize=True in a loaded PyTorch state dict", () -> {
            Tensor w = Tensor.tensor(new double[] {1.0, -2.0, 0.5}, DType.FLOAT64).requiresGrad_(true);
            SGD o = new SGD(List.of(w), 0.1, 0.9, 0, 0, false);
            Map<String, Object> g = new LinkedHashMap<>();
            for (Object[] kv : new Object[][] {{"lr", 0.1}, {"momentum", 0.9}, {"dampening", 0.0}, {"weight_decay", 0.0},
                {"nesterov", false}, {"maximize", true}, {"foreach", null}, {"differentiable", false}, {"fused", null}}) {
                g.put((String) kv[0], kv[1]);
            }
            g.put("params", List.of(0));
            Map<String, Object> sd = new LinkedHashMap<>();
            sd.put("state", new LinkedHashMap<>());
            sd.put("param_groups", List.of(g));
            o.loadStateDict(sd);
            w.setGrad(Tensor.tensor(new double[] {0.5, 0.25, -1.0}, DType.FLOAT64));
            o.step();
            w.setGrad(Tensor.tensor(new double[] {0.1, -0.2, 0.3}, DType.FLOAT64));
            o.step();
            close(PyTorchCases.numbers(field("load_maximize_sgd", "value")), w.toDoubleArray(), 1e-12, "w");
        }));
        // maximize set on the group: the step follows the gradient, weight decay included, as PyTorch's
        Map<String, java.util.function.Function<List<Tensor>, Optimizer>> maximizing = new LinkedHashMap<>();
        maximizing.put("sgd", p -> new SGD(p, 0.1, 0.9, 0, 0.01, false));
        maximizing.put("adam", p -> Adam.adam(p, 0.1, 0.9, 0.999, 1e-8, 0.01));
        maximizing.put("adamw", p -> Adam.adamW(p, 0.1, 0.9, 0.999, 1e-8, 0.01));
        maximizing.put("rmsprop", p -> new RMSprop(p, 0.01, 0.99, 1e-8, 0.01, 0.5, false));
        maximizing.put("adagrad", p -> new Adagrad(p, 0.1, 0, 0.01, 0, 1e-10));
        maximizing.put("adamax", p -> new Adamax(p, 0.1, 0.9, 0.999, 1e-8, 0.01));
        for (Map.Entry<String, java.util.function.Function<List<Tensor>, Optimizer>> e : maximizing.entrySet()) {
            tests.add(DynamicTest.dynamicTest("maximize_" + e.getKey() + ": maximize=True on the group", () -> {
                Tensor w = Tensor.tensor(new double[] {1.0, -2.0, 0.5}, DType.FLOAT64).requiresGrad_(true);
                Optimizer o = e.getValue().apply(List.of(w));
                o.paramGroups().get(0).set("maximize", true);
                for (double[] g : new double[][] {{0.5, 0.25, -1.0}, {0.1, -0.2, 0.3}, {-0.4, 0.6, 0.2}}) {
                    w.setGrad(Tensor.tensor(g, DType.FLOAT64));
                    o.step();
                }
                close(PyTorchCases.numbers(field("maximize_" + e.getKey(), "value")), w.toDoubleArray(), 1e-12, "w");
            }));
        }
        Map<String, Runnable> errs = new LinkedHashMap<>();
        Supplier<List<Tensor>> q = () -> List.of(Tensor.zeros(2).requiresGrad_(true));
        errs.put("err_sgd_lr", () -> new SGD(q.get(), -1.0));
        errs.put("err_sgd_momentum", () -> new SGD(q.get(), 0.1, -0.1, 0, 0, false));
        errs.put("err_sgd_wd", () -> new SGD(q.get(), 0.1, 0, 0, -0.1, false));
        errs.put("err_sgd_nesterov_nomomentum", () -> new SGD(q.get(), 0.1, 0, 0, 0, true));
        errs.put("err_sgd_nesterov_dampening", () -> new SGD(q.get(), 0.1, 0.9, 0.1, 0, true));
        errs.put("err_adam_lr", () -> Adam.adam(q.get(), -1.0));
        errs.put("err_adam_eps", () -> Adam.adam(q.get(), 1e-3, 0.9, 0.999, -1e-8, 0));
        errs.put("err_adam_beta0", () -> Adam.adam(q.get(), 1e-3, 1.0, 0.999, 1e-8, 0));
        errs.put("err_adam_beta1", () -> Adam.adam(q.get(), 1e-3, 0.9, -0.1, 1e-8, 0));
        errs.put("err_adam_wd", () -> Adam.adam(q.get(), 1e-3, 0.9, 0.999, 1e-8, -0.1));
        errs.put("err_adamw_wd", () -> Adam.adamW(q.get(), 1e-3, 0.9, 0.999, 1e-8, -0.1));
        errs.put("err_adamw_beta1", () -> Adam.adamW(q.get(), 1e-3, 0.9, 1.0, 1e-8, 0.01));
        errs.put("err_rmsprop_lr", () -> new RMSprop(q.get(), -0.01));
        errs.put("err_rmsprop_wd", () -> new RMSprop(q.get(), 0.01, 0.99, 1e-8, -0.1, 0, false));
        errs.put("err_adagrad_lr", () -> new Adagrad(q.get(), -0.01));
        errs.put("err_adagrad_wd", () -> new Adagrad(q.get(), 0.01, 0, -0.1, 0, 1e-10));
        errs.put("err_adamax_lr", () -> new Adamax(q.get(), -0.01));
        errs.put("err_adamax_eps", () -> new Adamax(q.get(), 0.002, 0.9, 0.999, -1.0, 0));
        errs.put("err_adamax_wd", () -> new Adamax(q.get(), 0.002, 0.9, 0.999, 1e-8, -0.1));
        errs.put("err_nadam_lr", () -> new NAdam(q.get(), -0.01));
        errs.put("err_nadam_eps", () -> new NAdam(q.get(), 0.002, 0.9, 0.999, -1.0, 0, 0.004, false));
        errs.put("err_nadam_wd", () -> new NAdam(q.get(), 0.002, 0.9, 0.999, 1e-8, -0.1, 0.004, false));
        errs.put("err_radam_beta1", () -> new RAdam(q.get(), 1e-3, 0.9, 1.5, 1e-8, 0, false));
        errs.put("err_radam_eps", () -> new RAdam(q.get(), 1e-3, 0.9, 0.999, -1.0, 0, false));
        for (Map.Entry<String, Runnable> e : errs.entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                String line = CASES.get(e.getKey()).get(0);
                String msg = line.substring(line.indexOf(' ', "error ".length()) + 1);
                IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e.getValue()::run);
                assertEquals(msg, ex.getMessage());
            }));
        }
        return tests;
    }

    // ------------------------------------------------------------------ schedulers

    static Optimizer sopt(String kind) {
        Tensor w1 = Tensor.zeros(2).requiresGrad_(true);
        Tensor w2 = Tensor.zeros(3).requiresGrad_(true);
        Optimizer o;
        switch (kind) {
            case "sgd":
                o = new SGD(List.of(w1), 0.1, 0.9, 0, 0, false);
                o.addParamGroup(List.of(w2), Map.of("lr", 0.05, "momentum", 0.8));
                return o;
            case "adam":
                o = Adam.adam(List.of(w1), 0.1);
                o.addParamGroup(List.of(w2), Map.of("lr", 0.05, "betas", List.of(0.8, 0.99)));
                return o;
            default:
                o = new Adagrad(List.of(w1), 0.1);
                o.addParamGroup(List.of(w2), Map.of("lr", 0.2));
                return o;
        }
    }

    private static final double[] METRICS = {1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.49, 0.495, 0.5, 0.51, 0.52, 0.53,
        0.3, 0.31, 0.32, 0.33, 0.34, 0.35, 0.36, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2};

    /** kind, factory (returns the schedulers stepped in order), manual {step, group, lr}, momentum, plateau. */
    record Sched(String kind, Function<Optimizer, List<LRScheduler>> make, double[] manual, boolean momentum,
                 boolean plateau) {
    }

    static Map<String, Sched> scheds() {
        Map<String, Sched> m = new LinkedHashMap<>();
        m.put("steplr_adam", new Sched("adam", o -> List.of(new StepLR(o, 3, 0.7)), null, false, false));
        m.put("multistep_unsorted", new Sched("sgd", o -> List.of(new MultiStepLR(o, List.of(10, 2, 5, 5), 0.5)), null,
                false, false));
        m.put("exponential_manual", new Sched("sgd", o -> List.of(new ExponentialLR(o, 0.9)), new double[] {10, 0, 0.5},
                false, false));
        m.put("cosine_manual", new Sched("sgd", o -> List.of(new CosineAnnealingLR(o, 8, 0.01)), new double[] {5, 0, 0.2},
                false, false));
        m.put("cosine_short", new Sched("adagrad", o -> List.of(new CosineAnnealingLR(o, 3)), null, false, false));
        m.put("cawr_tmult3", new Sched("sgd", o -> List.of(new CosineAnnealingWarmRestarts(o, 2, 3, 0.005)), null, false,
                false));
        m.put("linear_decreasing", new Sched("sgd", o -> List.of(new LinearLR(o, 1.0, 0.1, 10)), null, false, false));
        m.put("linear_manual", new Sched("sgd", o -> List.of(new LinearLR(o, 0.5, 1.0, 6)), new double[] {3, 1, 0.3},
                false, false));
        m.put("constant_defaults", new Sched("adam", o -> List.of(new ConstantLR(o)), null, false, false));
        m.put("constant_manual", new Sched("sgd", o -> List.of(new ConstantLR(o, 0.25, 4)), new double[] {2, 0, 0.4},
                false, false));
        m.put("polynomial_sqrt", new Sched("sgd", o -> List.of(new PolynomialLR(o, 12, 0.5)), null, false, false));
        m.put("polynomial_manual", new Sched("sgd", o -> List.of(new PolynomialLR(o, 10, 1.5)), new double[] {4, 0, 0.3},
                false, false));
        m.put("onecycle_linear", new Sched("sgd", o -> List.of(new OneCycleLR(o, new double[] {0.4, 0.8}, 31, 0.1,
                "linear", true, 0.5, 0.99, 4.0, 50.0, false)), null, true, false));
        m.put("onecycle_three_adam", new Sched("adam", o -> List.of(new OneCycleLR(o, new double[] {0.5}, 40, 0.3, "cos",
                true, 0.85, 0.95, 25.0, 1e4, true)), null, true, false));
        m.put("cyclic_triangular2", new Sched("sgd", o -> List.of(new CyclicLR(o, new double[] {0.01, 0.02},
                new double[] {0.1, 0.2}, 3, 5, "triangular2", 1.0, null, "cycle", true, new double[] {0.8},
                new double[] {0.9})), null, true, false));
        m.put("cyclic_exp_range", new Sched("sgd", o -> List.of(new CyclicLR(o, new double[] {0.001},
                new double[] {0.01}, 4, null, "exp_range", 0.9, null, "cycle", true, new double[] {0.7},
                new double[] {0.9})), null, true, false));
        m.put("cyclic_nomomentum", new Sched("adagrad", o -> List.of(new CyclicLR(o, new double[] {0.01},
                new double[] {0.05}, 2, null, "triangular", 1.0, null, "cycle", false, new double[] {0.8},
                new double[] {0.9})), null, false, false));
        m.put("plateau_max_rel", new Sched("sgd", o -> List.of(new ReduceLROnPlateau(o, "max", 0.5, 0, 0.1, "rel", 2,
                new double[] {0.001}, 1e-8)), null, false, true));
        m.put("plateau_eps", new Sched("sgd", o -> List.of(new ReduceLROnPlateau(o, "min", 0.5, 1, 1e-4, "rel", 0,
                new double[] {0}, 0.02)), null, false, true));
        m.put("lambda_single", new Sched("sgd", o -> List.of(new LambdaLR(o, e -> 1.0 / (e + 1))), null, false, false));
        m.put("multiplicative_single", new Sched("adam", o -> List.of(new MultiplicativeLR(o,
                e -> e % 2 != 0 ? 0.9 : 1.05)), null, false, false));
        m.put("sequential_constant_exp", new Sched("sgd", o -> List.of(new SequentialLR(o,
                List.of(new ConstantLR(o, 0.1, 3), new ExponentialLR(o, 0.9)), List.of(3))), null, false, false));
        m.put("sequential_two_milestones", new Sched("sgd", o -> List.of(new SequentialLR(o,
                List.of(new LinearLR(o, 0.2, 1.0, 4), new StepLR(o, 3, 0.5), new PolynomialLR(o, 8, 2.0)),
                List.of(4, 12))), null, false, false));
        m.put("chained_three", new Sched("sgd", o -> List.of(new ChainedScheduler(List.of(new ConstantLR(o, 0.5, 5),
                new ExponentialLR(o, 0.95), new MultiStepLR(o, List.of(7, 14), 0.5)))), null, false, false));
        m.put("two_schedulers", new Sched("sgd", o -> List.of(new StepLR(o, 5, 0.5), new LinearLR(o, 0.3, 1.0, 6)), null,
                false, false));
        return m;
    }

    static final List<String> ROUNDTRIP = List.of("steplr_adam", "cosine_manual", "cawr_tmult3", "onecycle_linear",
            "cyclic_triangular2", "plateau_max_rel", "sequential_constant_exp", "chained_three", "polynomial_sqrt",
            "linear_decreasing");

    static void lrClose(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-12 * Math.abs(want[i]) + 1e-16, what + "[" + i + "]");
        }
    }

    /** Runs a schedule for 30 steps (split: reload optimizer and schedulers from their state dicts before that step). */
    static List<LRScheduler> runSched(String key, Sched sc, Integer split) {
        String ck = "sched_" + key;
        Optimizer o = sopt(sc.kind());
        List<LRScheduler> ss = sc.make().apply(o);
        List<String> lines = CASES.get(ck);
        for (int k = 0; k <= 30; k++) {
            if (k > 0) {
                int step = k - 1;
                if (split != null && step == split) {
                    Map<String, Object> osd = o.stateDict();
                    List<Map<String, Object>> ssd = new ArrayList<>();
                    for (LRScheduler s : ss) {
                        ssd.add(s.stateDict());
                    }
                    o = sopt(sc.kind());
                    ss = sc.make().apply(o);
                    o.loadStateDict(osd);
                    for (int i = 0; i < ss.size(); i++) {
                        ss.get(i).loadStateDict(ssd.get(i));
                    }
                }
                if (sc.manual() != null && step == (int) sc.manual()[0]) {
                    o.paramGroups().get((int) sc.manual()[1]).setLr(sc.manual()[2]);
                }
                for (LRScheduler s : ss) {
                    if (sc.plateau()) {
                        ((ReduceLROnPlateau) s).step(METRICS[step]);
                    } else {
                        s.step();
                    }
                }
            }
            String line = lines.get(k);
            String rest = line.substring(line.indexOf(' ') + 1);
            List<String> parts = new ArrayList<>();
            Matcher mm = Pattern.compile("\\[[^\\]]*\\]").matcher(rest);
            while (mm.find()) {
                parts.add(mm.group());
            }
            double[] lrs = new double[o.paramGroups().size()];
            double[] mom = new double[lrs.length];
            for (int i = 0; i < lrs.length; i++) {
                ParamGroup g = o.paramGroups().get(i);
                lrs[i] = g.lr();
                if (sc.momentum()) {
                    mom[i] = g.has("betas") ? (Double) ((List<?>) g.get("betas")).get(0) : g.getDouble("momentum");
                }
            }
            lrClose(PyTorchCases.numbers(parts.get(0)), lrs, ck + " epoch" + k + " group lr");
            if (!sc.plateau()) {
                lrClose(PyTorchCases.numbers(parts.get(1)), ss.get(ss.size() - 1).getLastLr(),
                        ck + " epoch" + k + " get_last_lr");
            }
            if (sc.momentum()) {
                lrClose(PyTorchCases.numbers(parts.get(2)), mom, ck + " epoch" + k + " momentum");
            }
        }
        return ss;
    }

    private static List<DynamicTest> schedulerCases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, Sched> e : scheds().entrySet()) {
            String key = e.getKey();
            Sched sc = e.getValue();
            String ck = "sched_" + key;
            tests.add(DynamicTest.dynamicTest(ck, () -> {
                List<LRScheduler> ss = runSched(key, sc, null);
                LRScheduler s = ss.get(ss.size() - 1);
                if (sc.plateau()) {
                    ReduceLROnPlateau p = (ReduceLROnPlateau) s;
                    assertEquals(Double.parseDouble(field(ck, "sd_best")), p.best(), 1e-15, "best");
                    assertEquals(Long.parseLong(field(ck, "sd_num_bad_epochs")), p.numBadEpochs(), "num_bad_epochs");
                    assertEquals(Long.parseLong(field(ck, "sd_cooldown_counter")),
                            ((Number) p.stateDict().get("cooldown_counter")).longValue(), "cooldown_counter");
                    assertEquals(Long.parseLong(field(ck, "sd_last_epoch")), p.lastEpoch(), "last_epoch");
                } else if (!(s instanceof SequentialLR) && !(s instanceof ChainedScheduler)) {
                    assertEquals(Long.parseLong(field(ck, "sd_last_epoch")), s.lastEpoch(), "last_epoch");
                    assertEquals(Long.parseLong(field(ck, "sd_step_count")),
                            ((Number) s.stateDict().get("_step_count")).longValue(), "_step_count");
                    lrClose(PyTorchCases.numbers(field(ck, "sd_base_lrs")), s.baseLrs(), "base_lrs");
                }
            }));
            if (ROUNDTRIP.contains(key)) {
                tests.add(DynamicTest.dynamicTest(ck + " state_dict round trip after 10 steps",
                        () -> runSched(key, sc, 10)));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> sweep() {
        List<DynamicTest> all = new ArrayList<>();
        all.addAll(optimizerCases());
        all.addAll(otherOptimizerCases());
        all.addAll(schedulerCases());
        return all;
    }

    @SuppressWarnings("unused")
    private static void unused() {
        fail();
    }
}
