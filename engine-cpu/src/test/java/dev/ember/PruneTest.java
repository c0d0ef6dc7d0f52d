package dev.ember;

import dev.ember.nn.BatchNorm1d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import dev.ember.nn.ModuleInternals;
import dev.ember.nn.utils.Prune;
import dev.ember.nn.utils.Prune.BasePruningMethod;
import dev.ember.nn.utils.Prune.L1Unstructured;
import dev.ember.nn.utils.Prune.LnStructured;
import dev.ember.nn.utils.Prune.PruningContainer;
import dev.ember.nn.utils.Prune.Target;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code torch.nn.utils.prune} against PyTorch ({@code prune/make_expected.py}): for each case the state dict (keys in
 * PyTorch's order, masks and originals), the parameters and buffers, {@code module.weight} and its node, the printout,
 * the output of a pruned Linear/Conv2d called through its hooks and the gradients reaching {@code weight_orig} (masked),
 * for l1_unstructured (counts, fractions rounded half to even, importance scores), ln_structured (p = 1, 2, 3, 0.5, inf,
 * -inf, "fro"; dims 0, 1, -1), identity, custom_from_mask, iterative pruning (containers combining masks over what is
 * left, unstructured and structured), remove, global_unstructured across a Linear and a Conv2d, a method's prune(),
 * and every error message, each error leaving the module as it was; then the random methods by their counts and
 * structure.
 */
class PruneTest {
    private static final String RESOURCE = "/prune/expected.txt";

    /** A Conv2d then a Linear, as the script's Net. */
    static final class Net extends Module {
        final Conv2d conv;
        final Linear fc;

        Net() {
            conv = registerModule("conv", new Conv2d(2, 3, 2));
            fc = registerModule("fc", new Linear(3, 2));
        }

        @Override
        public Tensor forward(Tensor x) {
            return fc.apply(conv.apply(x).sum(new int[] {2, 3}, false));
        }
    }

    private static Map<String, Supplier<Module>> modules() {
        Map<String, Supplier<Module>> m = new HashMap<>();
        m.put("lin", () -> new Linear(5, 4));
        m.put("conv", () -> new Conv2d(3, 4, 2));
        m.put("lin32", () -> new Linear(3, 2));
        m.put("gn", () -> new dev.ember.nn.GroupNorm(2, 4, 1e-5, false));
        m.put("lin51", () -> new Linear(5, 1));
        m.put("lin52", () -> new Linear(5, 2));
        m.put("net", Net::new);
        m.put("bn", () -> new BatchNorm1d(3));
        return m;
    }

    private static Tensor seq(int[] shape, int shift) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = ((((long) k * 37 + shift) % 101) - 50.5) / 40.0;
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    /** The module and the pruning of each case, as the script's. */
    private record Op(String module, Consumer<Module> prune, String attr) {
        Op(String module, Consumer<Module> prune) {
            this(module, prune, "weight");
        }
    }

    private static Map<String, Op> ops() {
        Map<String, Op> o = new LinkedHashMap<>();
        for (String tag : new String[] {"f64", "f32"}) {
            o.put("l1_int_" + tag, new Op("lin", m -> Prune.l1Unstructured(m, "weight", 7)));
            o.put("l1_float_" + tag, new Op("lin", m -> Prune.l1Unstructured(m, "weight", 0.35)));
            o.put("l1_bias_" + tag, new Op("lin", m -> Prune.l1Unstructured(m, "bias", 0.5), "bias"));
            o.put("l1_conv_" + tag, new Op("conv", m -> Prune.l1Unstructured(m, "weight", 0.4)));
            double[] ns = {2, 1, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.5, 3};
            String[] nt = {"2", "1", "inf", "ninf", "half", "3"};
            for (int i = 0; i < ns.length; i++) {
                double n = ns[i];
                o.put("ln_conv_" + nt[i] + "_" + tag, new Op("conv", m -> Prune.lnStructured(m, "weight", 2, n, 0)));
            }
            o.put("ln_conv_dim1_" + tag, new Op("conv", m -> Prune.lnStructured(m, "weight", 0.34, 1, 1)));
            o.put("ln_conv_dimneg_" + tag, new Op("conv", m -> Prune.lnStructured(m, "weight", 1, 2, -1)));
            o.put("ln_lin_fro_" + tag, new Op("lin", m -> Prune.lnStructured(m, "weight", 0.5, "fro", 0)));
            o.put("ln_lin_dim1_" + tag, new Op("lin", m -> Prune.lnStructured(m, "weight", 2, 2, 1)));
        }
        o.put("round_6x0.25", new Op("lin32", m -> Prune.l1Unstructured(m, "weight", 0.25)));
        o.put("round_5x0.5", new Op("lin51", m -> Prune.l1Unstructured(m, "weight", 0.5)));
        o.put("round_6x0.75", new Op("lin32", m -> Prune.l1Unstructured(m, "weight", 0.75)));
        o.put("round_10x0.05", new Op("lin52", m -> Prune.l1Unstructured(m, "weight", 0.05)));
        o.put("round_10x0.15", new Op("lin52", m -> Prune.l1Unstructured(m, "weight", 0.15)));
        o.put("zero_amount", new Op("lin", m -> Prune.l1Unstructured(m, "weight", 0)));
        o.put("all_amount", new Op("lin", m -> Prune.l1Unstructured(m, "weight", 1.0)));
        o.put("ln_zero", new Op("conv", m -> Prune.lnStructured(m, "weight", 0, 2, 0)));
        o.put("ln_all", new Op("conv", m -> Prune.lnStructured(m, "weight", 4, 2, 0)));
        o.put("l1_scores", new Op("lin", m -> Prune.l1Unstructured(m, "weight", 6, seq(new int[] {4, 5}, 29))));
        o.put("ln_scores", new Op("conv", m -> Prune.lnStructured(m, "weight", 2, 1, 0, seq(new int[] {4, 3, 2, 2}, 61))));
        for (String tag : new String[] {"f64", "f32"}) {
            o.put("iter_l1_ln_l1_" + tag, new Op("lin", m -> {
                Prune.l1Unstructured(m, "weight", 5);
                Prune.lnStructured(m, "weight", 1, 2, 0);
                Prune.l1Unstructured(m, "weight", 0.25);
            }));
            o.put("iter_ln_l1_" + tag, new Op("lin", m -> {
                Prune.lnStructured(m, "weight", 2, 1, 1);
                Prune.l1Unstructured(m, "weight", 0.5);
            }));
            o.put("iter_conv_" + tag, new Op("conv", m -> {
                Prune.l1Unstructured(m, "weight", 0.3);
                Prune.lnStructured(m, "weight", 1, 2, -1);
            }));
        }
        o.put("iter_ln_ln", new Op("conv", m -> {
            Prune.lnStructured(m, "weight", 1, 2, 0);
            Prune.lnStructured(m, "weight", 0.5, Double.POSITIVE_INFINITY, 0);
        }));
        o.put("iter_identity_custom_l1", new Op("lin", m -> {
            Prune.identity(m, "weight");
            Prune.customFromMask(m, "weight", seq(new int[] {4, 5}, 3).gt(0).to(DType.INT64));
            Prune.l1Unstructured(m, "weight", 3);
        }));
        o.put("iter_bias_1d", new Op("lin", m -> {
            Prune.l1Unstructured(m, "bias", 1);
            Prune.lnStructured(m, "bias", 1, 2, 0);
        }, "bias"));
        o.put("iter_scores_dtype", new Op("lin", m -> {
            Prune.l1Unstructured(m, "weight", 1);
            Prune.l1Unstructured(m, "weight", 2, seq(new int[] {4, 5}, 17));
        }));
        o.put("identity_bias", new Op("lin", m -> Prune.identity(m, "bias"), "bias"));
        o.put("custom_mask", new Op("lin", m -> Prune.customFromMask(m, "weight",
                Tensor.tensor(new long[] {1, 0, 1, 1, 0}, DType.INT64, Device.CPU).expand(4, 5))));
        o.put("custom_mask_bool", new Op("lin", m -> Prune.customFromMask(m, "bias",
                Tensor.tensor(new boolean[] {true, false, false, true}, DType.BOOL, Device.CPU)), "bias"));
        o.put("remove", new Op("lin", m -> {
            Prune.l1Unstructured(m, "weight", 8);
            Prune.lnStructured(m, "weight", 1, 2, 1);
            Prune.remove(m, "weight");
        }));
        o.put("remove_bias", new Op("lin", m -> {
            Prune.l1Unstructured(m, "bias", 1);
            Prune.remove(m, "bias");
        }, "bias"));
        for (String tag : new String[] {"f64", "f32"}) {
            o.put("global_count_" + tag, new Op("net", m -> {
                Net n = (Net) m;
                Prune.globalUnstructured(List.of(new Target(n.conv, "weight"), new Target(n.fc, "weight")),
                        L1Unstructured.class, null, 10L);
            }));
            o.put("global_float_" + tag, new Op("net", m -> {
                Net n = (Net) m;
                Prune.globalUnstructured(List.of(new Target(n.conv, "weight"), new Target(n.fc, "weight"),
                        new Target(n.fc, "bias")), L1Unstructured.class, null, 0.3);
            }));
            o.put("global_scores_" + tag, new Op("net", m -> {
                Net n = (Net) m;
                Prune.l1Unstructured(n.fc, "weight", 2);
                Prune.globalUnstructured(List.of(new Target(n.conv, "weight"), new Target(n.fc, "weight")),
                        L1Unstructured.class, Map.of(new Target(n.fc, "weight"), seq(new int[] {2, 3}, 7).to(n.fc.weight.dtype())),
                        8L);
            }));
            o.put("global_after_ln_" + tag, new Op("net", m -> {
                Net n = (Net) m;
                Prune.lnStructured(n.conv, "weight", 1, 2, 0);
                Prune.globalUnstructured(List.of(new Target(n.conv, "weight"), new Target(n.fc, "weight")),
                        L1Unstructured.class, null, 0.5);
            }));
        }
        return o;
    }

    private static void close(String what, String expected, Tensor got, double tol) {
        Tensor e = PyTorchCases.tensor(expected);
        assertNotNull(got, what);
        assertEquals(e.dtype(), got.dtype(), what + " dtype");
        assertArrayEquals(e.shape(), got.shape(), what + " shape");
        double[] ev = e.toDoubleArray();
        double[] gv = got.toDoubleArray();
        for (int i = 0; i < ev.length; i++) {
            assertTrue(Math.abs(ev[i] - gv[i]) <= tol * Math.max(1, Math.abs(ev[i])),
                    what + "[" + i + "]: PyTorch " + ev[i] + ", Ember " + gv[i]);
        }
    }

    private static Tensor weights(int[] shape, DType dtype) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = 1 + 0.5 * ((3 * k) % 11);
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape).to(dtype);
    }

    private static Module load(ReferenceCases.Case c, Supplier<Module> make) {
        Module m = make.get();
        Map<String, Tensor> init = new LinkedHashMap<>();
        c.lines().forEach((k, v) -> {
            if (k.startsWith("init.")) {
                init.put(k.substring(5), PyTorchCases.tensor(v));
            }
        });
        DType dtype = init.values().iterator().next().dtype();
        m.to(dtype);
        Map<String, Tensor> state = new LinkedHashMap<>(m.stateDict());
        state.putAll(init);
        m.loadStateDict(state);
        return m;
    }

    private static long pruningHooks(Module m) {
        return m.namedModules().values().stream().mapToLong(s -> ModuleInternals.forwardPreHooks(s).size()).sum();
    }

    private static void checkState(ReferenceCases.Case c, Module m, String attr, double tol) {
        assertEquals(c.get("keys"), String.join(" ", m.stateDict().keySet()), "state dict keys");
        assertEquals(c.get("params"), String.join(" ", m.namedParameters().keySet()), "parameters");
        assertEquals(c.get("buffers"), String.join(" ", m.namedBuffers().keySet()), "buffers");
        m.stateDict().forEach((k, v) -> close("sd." + k, c.get("sd." + k), v, tol));
        if (attr != null) {
            Tensor value = ModuleInternals.getAttr(m, attr);
            close("value", c.get("value"), value, tol);
            assertEquals(c.get("fn"), value.gradFn() == null ? "None" : value.gradFn().name(), "grad_fn");
        }
        assertEquals(Long.parseLong(c.get("hooks")), pruningHooks(m), "pruning hooks");
        assertEquals(c.get("repr").replace("\\n", "\n"), m.toString(), "print(module)");
    }

    private static void checkForward(ReferenceCases.Case c, Module m, double tol) {
        Tensor x = PyTorchCases.tensor(c.get("x"));
        Tensor out = m.apply(x);
        close("out", c.get("out"), out, tol);
        out.mul(weights(out.shape(), out.dtype())).sum().backward();
        m.namedParameters().forEach((k, p) -> close("grad." + k, c.get("grad." + k), p.grad(), tol));
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        Map<String, Op> ops = ops();
        Map<String, Supplier<Module>> modules = modules();
        List<DynamicTest> tests = new ArrayList<>();
        for (ReferenceCases.Case c : ReferenceCases.byFirstWord(RESOURCE)) {
            Op op = ops.get(c.key());
            if (op == null) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(c.key(), () -> {
                Module m = load(c, modules.get(op.module()));
                double tol = m.parameters().get(0).dtype() == DType.FLOAT32 ? 1e-5 : 1e-12;
                op.prune().accept(m);
                if (m instanceof Net n) {
                    checkState(c, m, null, tol);
                    close("conv.value", c.get("conv.value"), ModuleInternals.getAttr(n.conv, "weight"), tol);
                    close("fc.value", c.get("fc.value"), ModuleInternals.getAttr(n.fc, "weight"), tol);
                    assertEquals(c.get("pruned"), Prune.isPruned(m) ? "True" : "False");
                    checkForward(c, m, tol);
                    return;
                }
                checkState(c, m, op.attr(), tol);
                if (c.get("x") != null) {
                    checkForward(c, m, tol);
                    close("after", c.get("after"), ModuleInternals.getAttr(m, op.attr()), tol);
                }
            }));
        }
        assertEquals(ops.size(), tests.size(), "every case of the script has its Java op");
        return tests;
    }

    private static Map<String, ReferenceCases.Case> cases() {
        Map<String, ReferenceCases.Case> out = new LinkedHashMap<>();
        ReferenceCases.byFirstWord(RESOURCE).forEach(c -> out.put(c.key(), c));
        return out;
    }

    @Test
    void layerFieldIsTheOriginalAndRemoveKeepsIt() {
        Linear m = new Linear(5, 4);
        Tensor w = m.weight;
        Prune.l1Unstructured(m, "weight", 7);
        assertSame(w, m.getParameter("weight_orig"), "weight_orig is the parameter object weight was");
        assertTrue(w.isParameter());
        Tensor mask = m.getBuffer("weight_mask");
        Tensor pruned = ModuleInternals.getAttr(m, "weight");
        assertNotNull(pruned.gradFn());
        assertEquals("MulBackward0", pruned.gradFn().name());
        assertTrue(Prune.isPruned(m));
        // an in-place change of the original shows in module.weight after the next call (the pre-hook)
        try (GradMode off = Ember.noGrad()) {
            w.mul_(2.0);
        }
        m.apply(Tensor.ones(1, 5));
        assertArrayEquals(w.mul(mask).toDoubleArray(), ModuleInternals.getAttr(m, "weight").toDoubleArray());
        Prune.remove(m, "weight");
        assertSame(w, m.getParameter("weight"));
        assertArrayEquals(pruned.mul(2.0).toDoubleArray(), w.toDoubleArray());
        assertFalse(Prune.isPruned(m));
        assertEquals(List.of("bias", "weight"), new ArrayList<>(m.namedParameters().keySet()));
        assertEquals(0, pruningHooks(m));
    }

    @Test
    void prunedStateLoadsAndMoves() {
        // PyTorch's pruned state dict (weight_orig, weight_mask) loads into a module pruned the same way; the next call
        // recomputes module.weight from it, also after a dtype move of the original and the mask
        ReferenceCases.Case c = cases().get("l1_int_f64");
        Linear m = new Linear(5, 4);
        m.to(DType.FLOAT64);
        Prune.l1Unstructured(m, "weight", 7);
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : c.get("keys").split(" ")) {
            state.put(k, PyTorchCases.tensor(c.get("sd." + k)));
        }
        m.loadStateDict(state);
        Tensor x = PyTorchCases.tensor(c.get("x"));
        close("out", c.get("out"), m.apply(x), 1e-12);
        close("value", c.get("value"), ModuleInternals.getAttr(m, "weight"), 1e-12);
        m.to(DType.FLOAT32);
        Tensor out = m.apply(x.to(DType.FLOAT32));
        assertEquals(DType.FLOAT32, ModuleInternals.getAttr(m, "weight").dtype());
        assertEquals(DType.FLOAT32, m.getBuffer("weight_mask").dtype());
        assertArrayEquals(PyTorchCases.tensor(c.get("out")).toDoubleArray(), out.toDoubleArray(), 1e-5);
    }

    @Test
    void containerHoldsTheMethodsInOrder() {
        Linear m = new Linear(5, 4);
        BasePruningMethod first = Prune.L1Unstructured.apply(m, "weight", 3L, null);
        assertInstanceOf(L1Unstructured.class, first);
        assertEquals("weight", first.tensorName());
        BasePruningMethod second = Prune.LnStructured.apply(m, "weight", 1L, 2.0, 0, null);
        PruningContainer c = assertInstanceOf(PruningContainer.class, second);
        assertEquals(2, c.size());
        assertSame(first, c.get(0));
        assertInstanceOf(LnStructured.class, c.get(1));
        BasePruningMethod third = Prune.RandomUnstructured.apply(m, "weight", 1L);
        assertSame(c, third, "a further method joins the same container");
        assertEquals(3, c.size());
        assertSame(c, Prune.pruningMethod(m, "weight"));
        assertNull(Prune.pruningMethod(m, "bias"));
        assertEquals(1, pruningHooks(m));
        // 3 by l1, then a row (of 5, 3 of them already zero or not), then one more: the mask has the union
        Tensor mask = m.getBuffer("weight_mask");
        assertTrue(mask.eq(0).sum().item() >= 3 + 1);
    }

    @Test
    void tiesFollowTopk() {
        // PyTorch's topk(largest=False) on CPU picks among equal magnitudes in an unspecified order; 1.13 zeroes
        // entries 0, 4 and 6 of [1, -2, 1, 3, -1, 2, 0.5, 1] (|w| = 0.5 and two of the four 1s). Ember's top-k picks the
        // lowest indices among ties (0, 2 after 6): the count and the smallest entry agree, the tie break differs.
        ReferenceCases.Case c = cases().get("ties");
        Linear m = new Linear(4, 2);
        m.to(DType.FLOAT64);
        Map<String, Tensor> state = new LinkedHashMap<>(m.stateDict());
        state.put("weight", PyTorchCases.tensor(c.get("init.weight")));
        m.loadStateDict(state);
        Prune.l1Unstructured(m, "weight", 3);
        Tensor mask = m.getBuffer("weight_mask");
        Tensor expected = PyTorchCases.tensor(c.get("sd.weight_mask"));
        assertEquals(expected.eq(0).sum().item(), mask.eq(0).sum().item(), "number pruned");
        assertEquals(0.0, mask.toDoubleArray()[6], "the unique smallest |w| is pruned");
        double[] mv = mask.toDoubleArray();
        int onesPruned = 0;
        for (int i : new int[] {0, 2, 4, 7}) {
            onesPruned += mv[i] == 0 ? 1 : 0;
        }
        assertEquals(2, onesPruned, "two of the four |w| = 1 entries");
        for (int i : new int[] {1, 3, 5}) {
            assertEquals(1.0, mv[i], "larger magnitudes are kept");
        }
    }

    @Test
    void methodPrune() {
        ReferenceCases.Case c = cases().get("method_prune");
        Tensor t = PyTorchCases.tensor(c.get("t"));
        close("l1", c.get("l1"), new L1Unstructured(4L).prune(t), 1e-12);
        close("ln", c.get("ln"), new LnStructured(1L, 1.0, 1).prune(t), 1e-12);
        close("ln_default", c.get("ln_default"), new LnStructured(2L, 2.0, 0).prune(t, t.gt(-0.8).to(DType.FLOAT64), null),
                1e-12);
        close("l1_scores", c.get("l1_scores"), new L1Unstructured(5L).prune(t, null, seq(new int[] {3, 4}, 2)), 1e-12);
        close("identity", c.get("identity"), new Prune.Identity().prune(t), 1e-12);
    }

    /** The error cases: PyTorch's message and type, and the module exactly as it was before the failing call. */
    @TestFactory
    List<DynamicTest> errors() {
        Map<String, Supplier<Module>> modules = modules();
        Map<String, Object[]> e = new LinkedHashMap<>(); // name -> {module, setup (may be null), failing call}
        Consumer<Module> none = null;
        e.put("err_no_param", new Object[] {"lin32", none, (Consumer<Module>) m -> Prune.l1Unstructured(m, "foo", 1)});
        e.put("err_negative", new Object[] {"lin32", none, (Consumer<Module>) m -> Prune.l1Unstructured(m, "weight", -1)});
        e.put("err_above_one", new Object[] {"lin32", none, (Consumer<Module>) m -> Prune.l1Unstructured(m, "weight", 1.5)});
        e.put("err_negative_float", new Object[] {"lin32", none,
            (Consumer<Module>) m -> Prune.randomUnstructured(m, "weight", -0.1)});
        e.put("err_too_many", new Object[] {"lin32", none, (Consumer<Module>) m -> Prune.l1Unstructured(m, "weight", 7)});
        e.put("err_nan", new Object[] {"lin32", none, (Consumer<Module>) m -> Prune.l1Unstructured(m, "weight", Double.NaN)});
        e.put("err_structured_1d", new Object[] {"lin32", none, (Consumer<Module>) m -> Prune.lnStructured(m, "bias", 1, 2, 0)});
        e.put("err_random_structured_1d", new Object[] {"lin32", none,
            (Consumer<Module>) m -> Prune.randomStructured(m, "bias", 1, 0)});
        e.put("err_dim", new Object[] {"lin32", none, (Consumer<Module>) m -> Prune.lnStructured(m, "weight", 1, 2, 2)});
        e.put("err_dim_negative", new Object[] {"lin32", none, (Consumer<Module>) m -> Prune.lnStructured(m, "weight", 1, 2, -3)});
        e.put("err_structured_too_many", new Object[] {"lin32", none,
            (Consumer<Module>) m -> Prune.randomStructured(m, "weight", 3, 0)});
        e.put("err_scores_shape", new Object[] {"lin32", none,
            (Consumer<Module>) m -> Prune.l1Unstructured(m, "weight", 1, Tensor.ones(3))});
        e.put("err_remove_unpruned", new Object[] {"lin32", none, (Consumer<Module>) m -> Prune.remove(m, "weight")});
        e.put("err_buffer", new Object[] {"bn", none, (Consumer<Module>) m -> Prune.l1Unstructured(m, "running_mean", 1)});
        e.put("err_twice", new Object[] {"lin32", (Consumer<Module>) m -> Prune.l1Unstructured(m, "weight", 4),
            (Consumer<Module>) m -> Prune.l1Unstructured(m, "weight", 3)});
        e.put("err_twice_structured", new Object[] {"lin32", (Consumer<Module>) m -> Prune.lnStructured(m, "weight", 1, 2, 0),
            (Consumer<Module>) m -> Prune.lnStructured(m, "weight", 2, 2, 0)});
        e.put("err_remove_twice", new Object[] {"lin32", (Consumer<Module>) m -> {
            Prune.l1Unstructured(m, "weight", 1);
            Prune.remove(m, "weight");
        }, (Consumer<Module>) m -> Prune.remove(m, "weight")});
        e.put("err_absent", new Object[] {"gn", none, (Consumer<Module>) m -> Prune.l1Unstructured(m, "weight", 1)});
        e.put("err_absent_scores", new Object[] {"gn", none,
            (Consumer<Module>) m -> Prune.l1Unstructured(m, "weight", 1, Tensor.ones(4))});
        e.put("err_global_empty", new Object[] {"lin32", none,
            (Consumer<Module>) m -> Prune.globalUnstructured(List.of(), L1Unstructured.class, null, 1L)});
        e.put("err_global_absent", new Object[] {"gn", none, (Consumer<Module>) m -> Prune.globalUnstructured(
                List.of(new Target(m, "weight")), L1Unstructured.class, null, 1L)});
        e.put("err_bias_dim", new Object[] {"lin32", (Consumer<Module>) m -> Prune.l1Unstructured(m, "bias", 1),
            (Consumer<Module>) m -> Prune.lnStructured(m, "bias", 1, 2, 1)});
        e.put("err_fro_conv", new Object[] {"conv", none, (Consumer<Module>) m -> Prune.lnStructured(m, "weight", 1, "fro", 0)});
        e.put("err_global_structured", new Object[] {"lin32", none, (Consumer<Module>) m -> Prune.globalUnstructured(
                List.of(new Target(m, "weight")), () -> new LnStructured(1L, 2.0, 0), null)});
        e.put("err_global_too_many", new Object[] {"lin32", none, (Consumer<Module>) m -> Prune.globalUnstructured(
                List.of(new Target(m, "weight"), new Target(m, "bias")), L1Unstructured.class, null, 9L)});
        e.put("err_global_no_param", new Object[] {"lin32", none, (Consumer<Module>) m -> Prune.globalUnstructured(
                List.of(new Target(m, "foo")), L1Unstructured.class, null, 1L)});
        e.put("err_global_negative", new Object[] {"lin32", none, (Consumer<Module>) m -> Prune.globalUnstructured(
                List.of(new Target(m, "weight")), L1Unstructured.class, null, -2L)});
        Map<String, ReferenceCases.Case> cases = cases();
        List<DynamicTest> tests = new ArrayList<>();
        e.forEach((name, spec) -> tests.add(DynamicTest.dynamicTest(name, () -> {
            ReferenceCases.Case c = cases.get(name);
            assertNotNull(c, name + " in the script");
            String err = c.get("error");
            assertNotNull(err, name + " failed in PyTorch");
            String type = err.substring(0, err.indexOf(' '));
            String message = err.substring(err.indexOf(' ') + 1);
            Module m = modules.get((String) spec[0]).get();
            m.to(DType.FLOAT64);
            @SuppressWarnings("unchecked") Consumer<Module> setup = (Consumer<Module>) spec[1];
            @SuppressWarnings("unchecked") Consumer<Module> call = (Consumer<Module>) spec[2];
            if (setup != null) {
                setup.accept(m);
            }
            Map<String, double[]> before = new LinkedHashMap<>();
            m.stateDict().forEach((k, v) -> before.put(k, v.toDoubleArray()));
            List<String> params = new ArrayList<>(m.namedParameters().keySet());
            BasePruningMethod method = Prune.pruningMethod(m, "weight");
            int methods = method instanceof PruningContainer pc ? pc.size() : 0;
            Tensor valueBefore = ModuleInternals.getAttr(m, m instanceof BatchNorm1d ? "running_mean" : "weight");
            double[] value = valueBefore == null ? null : valueBefore.toDoubleArray();
            Class<? extends Throwable> expected = type.equals("IndexError") ? IndexOutOfBoundsException.class
                    : IllegalArgumentException.class;
            Throwable t = assertThrows(Throwable.class, () -> call.accept(m));
            assertInstanceOf(expected, t, type);
            assertEquals(message, t.getMessage());
            // nothing changed: PyTorch moves weight to weight_orig and back (reordering the parameters) and, on a
            // second pruning, drops the first one's hook; Ember checks before it changes anything
            assertEquals(new ArrayList<>(before.keySet()), new ArrayList<>(m.stateDict().keySet()));
            m.stateDict().forEach((k, v) -> assertArrayEquals(before.get(k), v.toDoubleArray(), k));
            assertEquals(params, new ArrayList<>(m.namedParameters().keySet()));
            assertSame(method, Prune.pruningMethod(m, "weight"));
            assertEquals(methods, method instanceof PruningContainer pc ? pc.size() : 0);
            Tensor valueAfter = ModuleInternals.getAttr(m, m instanceof BatchNorm1d ? "running_mean" : "weight");
            assertArrayEquals(value, valueAfter == null ? null : valueAfter.toDoubleArray());
        })));
        return tests;
    }

    @Test
    void randomUnstructuredCounts() {
        Ember.manualSeed(3);
        Linear m = new Linear(10, 6);
        Prune.randomUnstructured(m, "weight", 0.25); // round(15.0) = 15 of 60
        Tensor mask = m.getBuffer("weight_mask");
        assertEquals(15.0, mask.eq(0).sum().item());
        assertArrayEquals(m.weight.mul(mask).toDoubleArray(), ModuleInternals.getAttr(m, "weight").toDoubleArray());
        Tensor firstZeros = mask.eq(0);
        Prune.randomUnstructured(m, "weight", 9L); // 9 more of the 45 left
        Tensor mask2 = m.getBuffer("weight_mask");
        assertEquals(24.0, mask2.eq(0).sum().item());
        assertEquals(0.0, mask2.maskedSelect(firstZeros).sum().item(), "the earlier zeros stay");
        assertThrows(IllegalArgumentException.class, () -> Prune.randomUnstructured(m, "weight", 37L));
    }

    @Test
    void randomStructuredChannels() {
        Ember.manualSeed(5);
        Conv2d m = new Conv2d(3, 6, 2);
        Prune.randomStructured(m, "weight", 2, 0);
        Tensor mask = m.getBuffer("weight_mask");
        Tensor perChannel = mask.sum(new int[] {1, 2, 3}, false);
        double[] pc = perChannel.toDoubleArray();
        int zero = 0;
        for (double v : pc) {
            assertTrue(v == 0 || v == 12, "whole channels: " + v);
            zero += v == 0 ? 1 : 0;
        }
        assertEquals(2, zero);
        // a second structured pruning on the same dim acts on the 4 channels left: 0.5 of them
        Prune.randomStructured(m, "weight", 0.5, 0);
        double[] pc2 = m.getBuffer("weight_mask").sum(new int[] {1, 2, 3}, false).toDoubleArray();
        int zero2 = 0;
        for (int i = 0; i < pc2.length; i++) {
            assertTrue(pc2[i] == 0 || pc2[i] == 12);
            if (pc[i] == 0) {
                assertEquals(0.0, pc2[i], "an earlier pruned channel stays pruned");
            }
            zero2 += pc2[i] == 0 ? 1 : 0;
        }
        assertEquals(4, zero2);
        // along dim 1 (input channels) on what is left
        Prune.randomStructured(m, "weight", 1, 1);
        double[] in = m.getBuffer("weight_mask").sum(new int[] {0, 2, 3}, false).toDoubleArray();
        int zeroIn = 0;
        for (double v : in) {
            zeroIn += v == 0 ? 1 : 0;
        }
        assertEquals(1, zeroIn);
        Tensor x = Tensor.randn(1, 3, 4, 4);
        Tensor out = m.apply(x);
        out.sum().backward();
        Tensor g = m.getParameter("weight_orig").grad();
        assertEquals(0.0, g.mul(m.getBuffer("weight_mask").eq(0)).abs().sum().item(), "the pruned entries get no gradient");
    }

    /**
     * Every layer reads its pruned tensors: pruning each own parameter with a random 0/1 mask gives the output of the
     * layer whose parameter was multiplied by that mask by hand (PyTorch's layers read {@code self.weight}, the pruned
     * tensor, in their forward).
     */
    @TestFactory
    List<DynamicTest> layersReadThePrunedTensor() {
        Generator gen = new Generator(11);
        List<Object[]> layers = new ArrayList<>();
        layers.add(new Object[] {(Supplier<Module>) () -> new Linear(4, 3), Tensor.randn(2, 4)});
        layers.add(new Object[] {(Supplier<Module>) () -> new dev.ember.nn.Conv1d(2, 3, 2), Tensor.randn(2, 2, 5)});
        layers.add(new Object[] {(Supplier<Module>) () -> new Conv2d(2, 3, 2), Tensor.randn(2, 2, 4, 4)});
        layers.add(new Object[] {(Supplier<Module>) () -> new dev.ember.nn.Conv3d(2, 3, 2), Tensor.randn(1, 2, 3, 3, 3)});
        layers.add(new Object[] {(Supplier<Module>) () -> new dev.ember.nn.ConvTranspose2d(2, 3, 2), Tensor.randn(2, 2, 3, 3)});
        layers.add(new Object[] {(Supplier<Module>) () -> new dev.ember.nn.Embedding(6, 3),
            Tensor.tensor(new long[] {0, 5, 2, 2}, DType.INT64, Device.CPU)});
        layers.add(new Object[] {(Supplier<Module>) () -> new dev.ember.nn.LayerNorm(4), Tensor.randn(3, 4)});
        layers.add(new Object[] {(Supplier<Module>) () -> new dev.ember.nn.GroupNorm(2, 4), Tensor.randn(2, 4, 3)});
        layers.add(new Object[] {(Supplier<Module>) () -> new dev.ember.nn.BatchNorm2d(3), Tensor.randn(2, 3, 2, 2)});
        layers.add(new Object[] {(Supplier<Module>) () -> new dev.ember.nn.PReLU(3), Tensor.randn(2, 3, 4)});
        layers.add(new Object[] {(Supplier<Module>) () -> new dev.ember.nn.RMSNorm(4), Tensor.randn(3, 4)});
        layers.add(new Object[] {(Supplier<Module>) () -> new dev.ember.nn.LSTM(3, 4), Tensor.randn(5, 2, 3)});
        layers.add(new Object[] {(Supplier<Module>) () -> new dev.ember.nn.GRU(3, 4), Tensor.randn(5, 2, 3)});
        layers.add(new Object[] {(Supplier<Module>) () -> new dev.ember.nn.RNNCell(3, 4), Tensor.randn(2, 3)});
        layers.add(new Object[] {(Supplier<Module>) () -> new dev.ember.nn.MultiheadAttention(4, 2), Tensor.randn(3, 2, 4)});
        List<DynamicTest> tests = new ArrayList<>();
        for (Object[] l : layers) {
            @SuppressWarnings("unchecked") Supplier<Module> make = (Supplier<Module>) l[0];
            Tensor x = (Tensor) l[1];
            for (String name : make.get().namedParameters().keySet()) {
                if (name.contains(".")) {
                    continue; // a submodule's (MultiheadAttention's out_proj): pruned on that submodule
                }
                tests.add(DynamicTest.dynamicTest(make.get().getClass().getSimpleName() + "." + name, () -> {
                    Module m = make.get().eval();
                    Tensor p = m.getParameter(name);
                    Tensor mask = Tensor.rand(gen, DType.FLOAT32, p.shape()).gt(0.5).to(p.dtype());
                    Tensor expected;
                    try (GradMode off = Ember.noGrad()) {
                        Tensor orig = p.clone();
                        p.mul_(mask);
                        expected = call(m, x).detach();
                        p.copy_(orig);
                    }
                    Prune.customFromMask(m, name, mask);
                    Tensor got = call(m, x);
                    assertArrayEquals(expected.toDoubleArray(), got.toDoubleArray(), 1e-6, name);
                }));
            }
        }
        return tests;
    }

    /** Calls a layer with its hooks: self-attention for MultiheadAttention. */
    private static Tensor call(Module m, Tensor x) {
        return m instanceof dev.ember.nn.MultiheadAttention a ? a.apply(x, x, x).output() : m.apply(x);
    }

    @Test
    void nullArguments() {
        Linear m = new Linear(2, 2);
        assertThrows(IllegalArgumentException.class, () -> Prune.l1Unstructured(null, "weight", 1));
        assertThrows(IllegalArgumentException.class, () -> Prune.l1Unstructured(m, null, 1));
        assertThrows(IllegalArgumentException.class, () -> Prune.customFromMask(m, "weight", null));
        assertThrows(IllegalArgumentException.class, () -> Prune.remove(m, null));
        assertThrows(IllegalArgumentException.class, () -> Prune.isPruned(null));
        assertThrows(IllegalArgumentException.class, () -> new Target(null, "weight"));
        assertFalse(Prune.isPruned(m));
        assertEquals(List.of("weight", "bias"), new ArrayList<>(m.namedParameters().keySet()));
    }
}
