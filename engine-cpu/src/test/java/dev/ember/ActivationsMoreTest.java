package dev.ember;

import dev.ember.nn.CELU;
import dev.ember.nn.ELU;
import dev.ember.nn.Functional;
import dev.ember.nn.GLU;
import dev.ember.nn.Hardshrink;
import dev.ember.nn.Hardsigmoid;
import dev.ember.nn.Hardswish;
import dev.ember.nn.Hardtanh;
import dev.ember.nn.LeakyReLU;
import dev.ember.nn.Linear;
import dev.ember.nn.LogSigmoid;
import dev.ember.nn.Mish;
import dev.ember.nn.Module;
import dev.ember.nn.PReLU;
import dev.ember.nn.RReLU;
import dev.ember.nn.ReLU;
import dev.ember.nn.ReLU6;
import dev.ember.nn.SELU;
import dev.ember.nn.SiLU;
import dev.ember.nn.Sequential;
import dev.ember.nn.Softmax2d;
import dev.ember.nn.Softmin;
import dev.ember.nn.Softshrink;
import dev.ember.nn.Softsign;
import dev.ember.nn.Tanhshrink;
import dev.ember.nn.Threshold;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The activations added in session 18 against PyTorch (activationsmore/make_expected.py): prelu, glu, hardsigmoid,
 * hardshrink, softshrink, threshold, softsign, tanhshrink, softmin, logsigmoid, Softmax2d and rrelu in evaluation
 * (values, gradients for a random upstream gradient, the node chain) in float64 and float32, over random values and
 * the kinks, nan and infinities; the in-place activations and unary ops on a non-leaf (values, gradient through the
 * rebased history, node chain, one version bump) and on a view (CopySlices); integer inputs PyTorch accepts; PyTorch's
 * errors; the modules' printouts, state-dict keys and PReLU's weight gradient. Then properties PyTorch's stream cannot
 * give (rrelu in training), gradcheck and gradgradcheck, empty and non-contiguous inputs, and errors leaving the tensor
 * unchanged.
 */
class ActivationsMoreTest {
    private static final PyTorchCases CASES = new PyTorchCases("/activationsmore/expected.txt");

    private static String field(String key, String name) {
        return CASES.field(key, name);
    }

    private static Tensor tensor(String key, String name) {
        return PyTorchCases.tensor(field(key, name));
    }

    private static boolean has(String key, String name) {
        try {
            CASES.field(key, name);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** The out-of-place cases: name (without the dtype tag) to the function of the inputs. */
    private static Map<String, Function<Tensor[], Tensor>> ops() {
        Map<String, Function<Tensor[], Tensor>> m = new LinkedHashMap<>();
        for (String p : new String[] {"prelu_c3", "prelu_w1", "prelu_1d", "prelu_0dim", "prelu_2d", "prelu_scalarw",
            "prelu_special"}) {
            m.put(p, t -> Functional.prelu(t[0], t[1]));
        }
        m.put("glu_d1", t -> Functional.glu(t[0], 1));
        m.put("glu_dlast", t -> Functional.glu(t[0]));
        m.put("glu_d0", t -> Functional.glu(t[0], 0));
        m.put("glu_dneg3", t -> Functional.glu(t[0], -3));
        Map<String, UnaryOperator<Tensor>> elementwise = new LinkedHashMap<>();
        elementwise.put("hardsigmoid", Functional::hardsigmoid);
        elementwise.put("hardshrink", Functional::hardshrink);
        elementwise.put("hardshrink_l12", x -> Functional.hardshrink(x, 1.2));
        elementwise.put("hardshrink_lneg", x -> Functional.hardshrink(x, -0.5));
        elementwise.put("softshrink", Functional::softshrink);
        elementwise.put("softshrink_l0", x -> Functional.softshrink(x, 0.0));
        elementwise.put("softshrink_l15", x -> Functional.softshrink(x, 1.5));
        elementwise.put("threshold", x -> Functional.threshold(x, 0.25, 20.0));
        elementwise.put("threshold_neg", x -> Functional.threshold(x, -1.5, -5.0));
        elementwise.put("softsign", Functional::softsign);
        elementwise.put("tanhshrink", Functional::tanhshrink);
        elementwise.put("logsigmoid", x -> new LogSigmoid().forward(x));
        elementwise.put("rrelu_eval", Functional::rrelu);
        elementwise.put("rrelu_eval_b", x -> Functional.rrelu(x, 0.1, 0.6, false));
        for (Map.Entry<String, UnaryOperator<Tensor>> e : elementwise.entrySet()) {
            m.put(e.getKey(), t -> e.getValue().apply(t[0]));
            m.put(e.getKey() + "_special", t -> e.getValue().apply(t[0]));
        }
        m.put("softmin_d1", t -> Functional.softmin(t[0], 1));
        m.put("softmin_d0", t -> new Softmin(0).forward(t[0]));
        m.put("softmin_none", t -> new Softmin().forward(t[0]));
        m.put("softmin_none3", t -> new Softmin().forward(t[0]));
        m.put("softmax2d_3d", t -> new Softmax2d().forward(t[0]));
        m.put("softmax2d_4d", t -> new Softmax2d().forward(t[0]));
        return m;
    }

    /** The in-place cases: name to the op applied to the non-leaf (it must return it). */
    private static Map<String, UnaryOperator<Tensor>> inplaceOps() {
        Map<String, UnaryOperator<Tensor>> m = new LinkedHashMap<>();
        m.put("relu_", Tensor::relu_);
        m.put("sigmoid_", Tensor::sigmoid_);
        m.put("tanh_", Tensor::tanh_);
        m.put("exp_", Tensor::exp_);
        m.put("neg_", Tensor::neg_);
        m.put("abs_", Tensor::abs_);
        m.put("sqrt_", Tensor::sqrt_);
        m.put("log_", Tensor::log_);
        m.put("clamp_min_", y -> y.clampMin_(0.3));
        m.put("clamp_max_", y -> y.clampMax_(0.3));
        m.put("F_relu_", Functional::relu_);
        m.put("leaky_relu_", y -> Functional.leakyRelu_(y, 0.2));
        m.put("elu_", y -> Functional.elu_(y, 1.0));
        m.put("elu_a05_", y -> Functional.elu(y, 0.5, true));
        m.put("selu_", Functional::selu_);
        m.put("celu_", y -> Functional.celu_(y, 0.7));
        m.put("hardtanh_", y -> Functional.hardtanh_(y, -0.5, 0.8));
        m.put("threshold_", y -> Functional.threshold_(y, 0.1, 20.0));
        m.put("threshold_neg_", y -> new Threshold(0.1, -3.0, true).forward(y));
        m.put("rrelu_eval_", y -> new RReLU(1.0 / 8, 1.0 / 3, true).eval().forward(y));
        m.put("hardsigmoid_ip", y -> new Hardsigmoid(true).forward(y));
        m.put("hardswish_ip", y -> Functional.hardswish(y, true));
        m.put("silu_ip", y -> new SiLU(true).forward(y));
        m.put("mish_ip", y -> Functional.mish(y, true));
        m.put("relu6_ip", y -> new ReLU6(true).forward(y));
        return m;
    }

    private static String chain(Tensor t) {
        List<String> names = new ArrayList<>();
        Node f = t.gradFn();
        while (f != null) {
            names.add(f.name());
            List<Node> next = f.nextFunctions();
            f = next.isEmpty() ? null : next.get(0);
        }
        return String.join(" ", names);
    }

    /** float64 tightly; float32 within a few ulps (PyTorch's vectorized kernels may round otherwise). */
    private static void close(String what, Tensor want, Tensor got) {
        assertNotNull(got, what);
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        assertEquals(want.dtype(), got.dtype(), what + " dtype");
        double[] w = want.toDoubleArray();
        double[] g = got.toDoubleArray();
        double tol = want.dtype() == DType.FLOAT32 ? 3e-6 : 1e-13;
        for (int i = 0; i < g.length; i++) {
            if (Double.isNaN(w[i])) {
                assertTrue(Double.isNaN(g[i]), what + "[" + i + "]: expected nan, got " + g[i]);
            } else if (Double.isInfinite(w[i])) {
                assertEquals(w[i], g[i], what + "[" + i + "]");
            } else {
                assertEquals(w[i], g[i], tol * Math.max(1, Math.abs(w[i])), what + "[" + i + "]");
            }
        }
    }

    @TestFactory
    List<DynamicTest> outOfPlaceMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, Function<Tensor[], Tensor>> e : ops().entrySet()) {
            for (String tag : new String[] {"_f64", "_f32"}) {
                String key = e.getKey() + tag;
                tests.add(DynamicTest.dynamicTest(key, () -> runCase(key, e.getValue())));
            }
        }
        return tests;
    }

    private static void runCase(String key, Function<Tensor[], Tensor> fn) {
        List<Tensor> ins = new ArrayList<>();
        for (int i = 0; has(key, "in" + i); i++) {
            ins.add(tensor(key, "in" + i).requiresGrad_(true));
        }
        Tensor[] xs = ins.toArray(new Tensor[0]);
        Tensor out = fn.apply(xs);
        close(key + " out", tensor(key, "out"), out);
        assertEquals(field(key, "chain"), chain(out), key + " chain");
        out.backward(tensor(key, "gout"));
        for (int i = 0; i < xs.length; i++) {
            close(key + " grad" + i, tensor(key, "grad" + i), xs[i].grad());
        }
    }

    /** bfloat16: computed in float32 and rounded once, as PyTorch's CPU kernels; within a bfloat16 ulp of PyTorch's. */
    @TestFactory
    List<DynamicTest> bfloat16MatchesPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : new String[] {"prelu_c3", "glu_d1", "hardsigmoid", "hardshrink", "softshrink", "threshold",
            "rrelu_eval", "softsign", "tanhshrink", "softmin_d1"}) {
            String key = name + "_bf16";
            Function<Tensor[], Tensor> fn = ops().get(name);
            tests.add(DynamicTest.dynamicTest(key, () -> {
                List<Tensor> ins = new ArrayList<>();
                for (int i = 0; has(key, "in" + i); i++) {
                    ins.add(tensor(key, "in" + i).to(DType.BFLOAT16).requiresGrad_(true));
                }
                Tensor[] xs = ins.toArray(new Tensor[0]);
                Tensor out = fn.apply(xs);
                assertEquals(DType.BFLOAT16, out.dtype());
                closeBf16(key + " out", tensor(key, "out"), out);
                assertEquals(field(key, "chain"), chain(out), key + " chain");
                out.backward(tensor(key, "gout").to(DType.BFLOAT16));
                for (int i = 0; i < xs.length; i++) {
                    assertEquals(DType.BFLOAT16, xs[i].grad().dtype());
                    closeBf16(key + " grad" + i, tensor(key, "grad" + i), xs[i].grad());
                }
            }));
        }
        return tests;
    }

    private static void closeBf16(String what, Tensor want, Tensor got) {
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        double[] w = want.toDoubleArray();
        double[] g = got.to(DType.FLOAT32).toDoubleArray();
        for (int i = 0; i < g.length; i++) {
            // one bfloat16 ulp (8 significant bits): PyTorch 1.13 rounds some intermediate steps to bfloat16
            assertEquals(w[i], g[i], Math.max(1e-6, Math.abs(w[i]) * (1.0 / 128)), what + "[" + i + "]");
        }
    }

    @TestFactory
    List<DynamicTest> inPlaceMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, UnaryOperator<Tensor>> e : inplaceOps().entrySet()) {
            for (String tag : new String[] {"_f64", "_f32"}) {
                String key = "ip_" + e.getKey() + tag;
                tests.add(DynamicTest.dynamicTest(key, () -> {
                    Tensor x = tensor(key, "in0").requiresGrad_(true);
                    Tensor y = x.mul(1L);
                    int v0 = y.version();
                    assertSame(y, e.getValue().apply(y), "returns the tensor it changed");
                    close(key + " out", tensor(key, "out"), y);
                    assertEquals(field(key, "chain"), chain(y), key + " chain");
                    assertEquals(Integer.parseInt(field(key, "versions")), y.version() - v0, "version bumps");
                    y.backward(tensor(key, "gout"));
                    close(key + " grad", tensor(key, "grad0"), x.grad());
                }));
            }
        }
        return tests;
    }

    @Test
    void inPlaceOnAViewRebasesTheBaseThroughCopySlices() {
        String key = "ip_view_relu_";
        Tensor x = tensor(key, "in0").requiresGrad_(true);
        Tensor y = x.mul(1L);
        y.select(0, 1).relu_();
        close("out", tensor(key, "out"), y);
        assertEquals(field(key, "chain"), y.gradFn().name());
        y.backward(tensor(key, "gout"));
        close("grad", tensor(key, "grad0"), x.grad());
    }

    @TestFactory
    List<DynamicTest> integerInputsPyTorchAccepts() {
        Map<String, UnaryOperator<Tensor>> m = new LinkedHashMap<>();
        m.put("threshold_long", x -> Functional.threshold(x, 1, 5));
        m.put("threshold_long_f", x -> Functional.threshold(x, 0.5, 2.5));
        m.put("softsign_long", Functional::softsign);
        m.put("tanhshrink_long", Functional::tanhshrink);
        m.put("relu__long", x -> x.clone().relu_());
        m.put("neg__long", x -> x.clone().neg_());
        m.put("abs__long", x -> x.clone().abs_());
        m.put("hardtanh__long", x -> Functional.hardtanh_(x.clone(), -1, 1));
        m.put("threshold__long", x -> Functional.threshold_(x.clone(), 1, 2));
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, UnaryOperator<Tensor>> e : m.entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                Tensor want = tensor(e.getKey(), "out");
                Tensor got = e.getValue().apply(tensor(e.getKey(), "in0"));
                assertEquals(want.dtype(), got.dtype());
                close(e.getKey(), want, got);
            }));
        }
        return tests;
    }

    // ------------------------------------------------------------------ errors

    private static void fails(String key, Executable call) {
        Throwable t = assertThrows(Throwable.class, call, key);
        assertEquals(CASES.error(key), t.getMessage(), key);
        assertTrue(t instanceof RuntimeException, key + ": " + t);
        if (CASES.errorType(key) == IndexOutOfBoundsException.class) {
            assertTrue(t instanceof IndexOutOfBoundsException, key + ": " + t);
        }
    }

    @Test
    void errorsAsPyTorch() {
        Tensor xf = Tensor.randn(2, 3);
        Tensor xl = Tensor.tensor(new long[] {-2, 0, 3});
        Tensor xb = Tensor.tensor(new boolean[] {true, false}, DType.BOOL, Device.CPU);
        fails("err_glu_odd", () -> Functional.glu(xf, 1));
        fails("err_glu_scalar", () -> Functional.glu(Tensor.scalar(1.0), 0));
        fails("err_glu_dim", () -> Functional.glu(Tensor.randn(2, 4), 2));
        fails("err_glu_long", () -> Functional.glu(Tensor.tensor(new long[] {1, 2}), 0));
        fails("err_softshrink_neg", () -> Functional.softshrink(xf, -0.5));
        fails("err_prelu_mismatch", () -> Functional.prelu(xf, Tensor.randn(2)));
        fails("err_prelu_1d", () -> Functional.prelu(Tensor.randn(3), Tensor.randn(3)));
        fails("err_prelu_0dim", () -> Functional.prelu(Tensor.scalar(1.0), Tensor.randn(2)));
        fails("err_prelu_long", () -> Functional.prelu(xl, Tensor.tensor(new long[] {1})));
        fails("err_prelu_module", () -> new PReLU(3).forward(Tensor.randn(2, 2)));
        fails("err_prelu_2dw", () -> Functional.prelu(xf, Tensor.randn(1, 1)));
        fails("err_prelu_dtype", () -> Functional.prelu(xf, Tensor.randn(DType.FLOAT64, 1)));
        fails("err_rrelu_bounds", () -> Functional.rrelu(xf, 0.5, 0.1, false));
        fails("err_rrelu_bounds_train", () -> Functional.rrelu(xf, 0.5, 0.1, true));
        fails("err_softmax2d_2d", () -> new Softmax2d().forward(xf));
        fails("err_softmax2d_5d", () -> new Softmax2d().forward(Tensor.randn(1, 1, 1, 1, 1)));
        fails("err_leaf_relu_", () -> Tensor.randn(2).requiresGrad_(true).relu_());
        fails("err_leaf_threshold_", () -> Functional.threshold_(Tensor.randn(2).requiresGrad_(true), 0.0, 1.0));
        fails("err_leaf_leaky_relu_", () -> Functional.leakyRelu_(Tensor.randn(2).requiresGrad_(true), 0.01));
        // the saved result changed in place: PyTorch's message up to its hint (Ember's SavedTensor writes another hint
        // than PyTorch's without anomaly mode, a difference outside this family)
        Throwable changed = assertThrows(IllegalStateException.class, () -> {
            Tensor y = Tensor.randn(3, 4).requiresGrad_(true).sigmoid();
            y.relu_();
            y.sum().backward();
        });
        String want = CASES.error("err_saved_result_changed");
        assertEquals(want.substring(0, want.indexOf(" Hint:")),
                changed.getMessage().substring(0, changed.getMessage().indexOf(" Hint:")));
        // an in-place op that saved its result saved self: changing self again is caught at the backward
        Map<String, UnaryOperator<Tensor>> savers = new LinkedHashMap<>();
        savers.put("exp_", Tensor::exp_);
        savers.put("relu_", Tensor::relu_);
        savers.put("sigmoid_", Tensor::sigmoid_);
        savers.put("leaky_relu_", y -> Functional.leakyRelu_(y, 0.2));
        savers.put("elu_", y -> Functional.elu_(y, 1.0));
        for (Map.Entry<String, UnaryOperator<Tensor>> e : savers.entrySet()) {
            Throwable t = assertThrows(IllegalStateException.class, () -> {
                Tensor y = Tensor.randn(3).requiresGrad_(true).mul(1L);
                e.getValue().apply(y);
                y.mul_(2.0);
                y.sum().backward();
            }, e.getKey());
            String w = CASES.error("err_changed_after_" + e.getKey());
            assertEquals(w.substring(0, w.indexOf(" Hint:")), t.getMessage().substring(0, t.getMessage().indexOf(" Hint:")),
                    e.getKey());
        }
        fails("err_leaky_relu__neg_backward", () -> Functional.leakyRelu_(Tensor.randn(3).requiresGrad_(true).mul(1L), -0.2)
                .sum().backward());
        fails("err_elu__neg_backward", () -> Functional.elu_(Tensor.randn(3).requiresGrad_(true).mul(1L), -0.2)
                .sum().backward());
        Map<String, UnaryOperator<Tensor>> longs = new LinkedHashMap<>();
        longs.put("hardsigmoid", Functional::hardsigmoid);
        longs.put("hardshrink", Functional::hardshrink);
        longs.put("softshrink", Functional::softshrink);
        longs.put("logsigmoid", Functional::logsigmoid);
        longs.put("rrelu", Functional::rrelu);
        longs.put("rrelu_train", t -> Functional.rrelu(t, 1.0 / 8, 1.0 / 3, true));
        longs.put("leaky_relu_", t -> Functional.leakyRelu_(t, 0.01));
        longs.put("elu_", t -> Functional.elu_(t, 1.0));
        longs.put("sigmoid_", Tensor::sigmoid_);
        longs.put("tanh_", Tensor::tanh_);
        longs.put("exp_", Tensor::exp_);
        longs.put("sqrt_", Tensor::sqrt_);
        longs.put("log_", Tensor::log_);
        longs.put("clamp_min_", t -> t.clampMin_(0.5));
        longs.put("clamp_max_", t -> t.clampMax_(0.5));
        for (Map.Entry<String, UnaryOperator<Tensor>> e : longs.entrySet()) {
            Tensor t = xl.clone();
            fails("err_long_" + e.getKey(), () -> e.getValue().apply(t));
            assertArrayEquals(new long[] {-2, 0, 3}, t.toLongArray(), "unchanged after " + e.getKey());
        }
        Map<String, UnaryOperator<Tensor>> bools = new LinkedHashMap<>();
        bools.put("threshold", t -> Functional.threshold(t, 0.5, 1.0));
        bools.put("relu_", Tensor::relu_);
        bools.put("neg_", Tensor::neg_);
        bools.put("abs_", Tensor::abs_);
        bools.put("hardtanh_", t -> Functional.hardtanh_(t, -1, 1));
        for (Map.Entry<String, UnaryOperator<Tensor>> e : bools.entrySet()) {
            Tensor t = xb.clone();
            fails("err_bool_" + e.getKey(), () -> e.getValue().apply(t));
            assertArrayEquals(new double[] {1, 0}, t.toDoubleArray(), "unchanged after " + e.getKey());
        }
    }

    @Test
    void aRefusedInPlaceOpChangesNothing() {
        Tensor leaf = Tensor.tensor(new double[] {-1, 2}, DType.FLOAT64).requiresGrad_(true);
        int v = leaf.version();
        assertThrows(IllegalStateException.class, () -> Functional.elu_(leaf, 1.0));
        assertArrayEquals(new double[] {-1, 2}, leaf.toDoubleArray());
        assertEquals(v, leaf.version());
    }

    // ------------------------------------------------------------------ modules

    private static Map<String, Module> modules() {
        Map<String, Module> m = new LinkedHashMap<>();
        m.put("prelu", new PReLU());
        m.put("prelu_3", new PReLU(3, 0.1));
        m.put("glu", new GLU());
        m.put("glu_0", new GLU(0));
        m.put("hardsigmoid", new Hardsigmoid());
        m.put("hardsigmoid_ip", new Hardsigmoid(true));
        m.put("hardshrink", new Hardshrink());
        m.put("softshrink", new Softshrink(0.3));
        m.put("threshold", new Threshold(0.1, 20.0));
        m.put("threshold_ip", new Threshold(0.1, 20.0, true));
        m.put("softsign", new Softsign());
        m.put("tanhshrink", new Tanhshrink());
        m.put("softmin", new Softmin(1));
        m.put("softmin_none", new Softmin());
        m.put("logsigmoid", new LogSigmoid());
        m.put("softmax2d", new Softmax2d());
        m.put("rrelu", new RReLU());
        m.put("rrelu_ip", new RReLU(0.1, 0.3, true));
        m.put("relu_ip", new ReLU(true));
        m.put("leaky_relu_ip", new LeakyReLU(0.2, true));
        m.put("elu_ip", new ELU(1.0, true));
        m.put("hardtanh_ip", new Hardtanh(-1.0, 1.0, true));
        m.put("relu6_ip", new ReLU6(true));
        m.put("selu_ip", new SELU(true));
        m.put("celu_ip", new CELU(1.0, true));
        m.put("silu_ip", new SiLU(true));
        m.put("mish_ip", new Mish(true));
        m.put("hardswish_ip", new Hardswish(true));
        m.put("relu", new ReLU());
        m.put("leaky_relu", new LeakyReLU());
        m.put("elu", new ELU());
        m.put("hardtanh", new Hardtanh());
        m.put("relu6", new ReLU6());
        m.put("selu", new SELU());
        m.put("celu", new CELU());
        m.put("silu", new SiLU());
        m.put("mish", new Mish());
        m.put("hardswish", new Hardswish());
        m.put("seq", new Sequential(new Linear(4, 3), new PReLU(3), new GLU(), new Softshrink(), new RReLU()));
        return m;
    }

    @TestFactory
    List<DynamicTest> modulesPrintAndNameTheirParametersAsPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, Module> e : modules().entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
                assertEquals(CASES.value("repr_" + e.getKey()).replace("\\n", "\n"), e.getValue().toString());
                List<String> keys = new ArrayList<>();
                for (String k : e.getValue().stateDict().keySet()) {
                    keys.add("'" + k + "'");
                }
                assertEquals(CASES.value("keys_" + e.getKey()), "[" + String.join(", ", keys) + "]");
            }));
        }
        return tests;
    }

    @Test
    void preluModuleWeightAndItsGradient() {
        PReLU m = new PReLU(3, 0.1);
        assertArrayEquals(CASES.values("prelu_3_weight"), m.weight.toDoubleArray(), 0);
        m.to(DType.FLOAT64);
        Tensor x = tensor("module_prelu", "in0");
        Tensor out = m.forward(x);
        close("out", tensor("module_prelu", "out"), out);
        out.backward(tensor("module_prelu", "gout"));
        close("weight grad", tensor("module_prelu", "gradw"), m.weight.grad());
    }

    // ------------------------------------------------------------------ rrelu in training: properties

    @Test
    void rreluTrainingDrawsSlopesInRangeAndItsGradientIsTheSlope() {
        Tensor x = Tensor.randn(DType.FLOAT64, 40, 25).requiresGrad_(true);
        double lower = 0.1;
        double upper = 0.3;
        Tensor out = Functional.rrelu(x, lower, upper, true, new Generator(7));
        assertEquals("RreluWithNoiseBackward0", out.gradFn().name());
        out.backward(out.onesLike());
        double[] xv = x.toDoubleArray();
        double[] ov = out.toDoubleArray();
        double[] gv = x.grad().toDoubleArray();
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (int i = 0; i < xv.length; i++) {
            if (xv[i] > 0) {
                assertEquals(xv[i], ov[i], 0);
                assertEquals(1.0, gv[i], 0);
            } else {
                double slope = gv[i];
                assertTrue(slope >= lower && slope <= upper, "slope " + slope);
                assertEquals(xv[i] * slope, ov[i], 1e-15);
                min = Math.min(min, slope);
                max = Math.max(max, slope);
            }
        }
        assertTrue(max - min > 0.1, "slopes spread over the range: " + min + ".." + max);
        // the same generator state draws the same slopes
        Tensor again = Functional.rrelu(x.detach(), lower, upper, true, new Generator(7));
        assertArrayEquals(ov, again.toDoubleArray(), 0);
        // the module draws in training and is leaky_relu with the mean slope in evaluation
        RReLU m = new RReLU(lower, upper);
        Tensor neg = Tensor.full(DType.FLOAT64, -1.0, 1000);
        double[] drawn = m.forward(neg).toDoubleArray();
        assertTrue(java.util.Arrays.stream(drawn).distinct().count() > 100, "training draws");
        m.eval();
        assertArrayEquals(Functional.leakyRelu(neg, 0.2).toDoubleArray(), m.forward(neg).toDoubleArray(), 1e-15);
    }

    @Test
    void rreluInPlaceTrainingRecordsTheSlopeItWrote() {
        Tensor x = Tensor.randn(DType.FLOAT64, 6, 7).requiresGrad_(true);
        Tensor y = x.mul(1L);
        Functional.rrelu_(y, 0.2, 0.4, true, new Generator(3));
        assertEquals("RreluWithNoiseBackward1", y.gradFn().name());
        y.backward(y.onesLike());
        double[] xv = x.toDoubleArray();
        double[] yv = y.toDoubleArray();
        double[] gv = x.grad().toDoubleArray();
        for (int i = 0; i < xv.length; i++) {
            double slope = xv[i] > 0 ? 1 : gv[i];
            assertTrue(xv[i] > 0 ? gv[i] == 1 : slope >= 0.2 && slope <= 0.4);
            assertEquals(xv[i] * slope, yv[i], 1e-15);
        }
    }

    // ------------------------------------------------------------------ gradcheck, empty, non-contiguous

    private static Tensor wiggle(int... shape) {
        // random values kept away from the kinks at 0, +-0.5, +-3 and the thresholds used below
        Tensor t = Tensor.rand(DType.FLOAT64, shape).mul(0.3).add(0.1);
        Tensor sign = Tensor.rand(DType.FLOAT64, shape).gt(0.5).to(DType.FLOAT64).mul(2.0).sub(1.0);
        Tensor scale = Tensor.rand(DType.FLOAT64, shape).gt(0.5).to(DType.FLOAT64).mul(3.0).add(1.0);
        return t.mul(sign).mul(scale).requiresGrad_(true);
    }

    /** Gradients that do not depend on the input (gradgradcheck's second derivative is zero and not recorded). */
    private static final java.util.Set<String> PIECEWISE_LINEAR = java.util.Set.of("hardsigmoid", "hardshrink", "softshrink",
            "threshold", "rrelu_eval", "rrelu_train", "leaky_relu_", "threshold_", "relu_", "abs_", "hardsigmoid_ip");

    @Test
    void gradcheckAndGradgradcheck() {
        Map<String, Function<Tensor[], Tensor>> fns = new LinkedHashMap<>();
        fns.put("hardsigmoid", t -> Functional.hardsigmoid(t[0]));
        fns.put("hardshrink", t -> Functional.hardshrink(t[0]));
        fns.put("softshrink", t -> Functional.softshrink(t[0], 0.3));
        fns.put("threshold", t -> Functional.threshold(t[0], 0.05, 2.0));
        fns.put("softsign", t -> Functional.softsign(t[0]));
        fns.put("tanhshrink", t -> Functional.tanhshrink(t[0]));
        fns.put("softmin", t -> Functional.softmin(t[0], 1));
        fns.put("glu", t -> Functional.glu(t[0], 1));
        fns.put("rrelu_eval", t -> Functional.rrelu(t[0]));
        fns.put("rrelu_train", t -> Functional.rrelu(t[0], 0.1, 0.3, true, new Generator(5)));
        fns.put("leaky_relu_", t -> Functional.leakyRelu_(t[0].mul(1L), 0.2));
        fns.put("elu_", t -> Functional.elu_(t[0].mul(1L), 0.7));
        fns.put("celu_", t -> Functional.celu_(t[0].mul(1L), 0.7));
        fns.put("selu_", t -> Functional.selu_(t[0].mul(1L)));
        fns.put("threshold_", t -> Functional.threshold_(t[0].mul(1L), 0.05, -2.0));
        fns.put("relu_", t -> t[0].mul(1L).relu_());
        fns.put("sigmoid_", t -> t[0].mul(1L).sigmoid_());
        fns.put("tanh_", t -> t[0].mul(1L).tanh_());
        fns.put("exp_", t -> t[0].mul(1L).exp_());
        fns.put("abs_", t -> t[0].mul(1L).abs_());
        fns.put("hardsigmoid_ip", t -> Functional.hardsigmoid(t[0].mul(1L), true));
        for (Map.Entry<String, Function<Tensor[], Tensor>> e : fns.entrySet()) {
            Tensor x = wiggle(3, 4);
            try {
                assertTrue(Autograd.gradcheck(e.getValue(), x), e.getKey());
                if (!PIECEWISE_LINEAR.contains(e.getKey())) {
                    assertTrue(Autograd.gradgradcheck(e.getValue(), x), e.getKey());
                }
            } catch (RuntimeException | AssertionError ex) {
                throw new AssertionError(e.getKey() + ": " + ex.getMessage(), ex);
            }
        }
        Tensor x = wiggle(2, 3, 4);
        Tensor w = Tensor.rand(DType.FLOAT64, 3).add(0.1).requiresGrad_(true);
        Function<Tensor[], Tensor> prelu = t -> Functional.prelu(t[0], t[1]);
        assertTrue(Autograd.gradcheck(prelu, x, w));
        assertTrue(Autograd.gradgradcheck(prelu, x, w));
        Tensor pos = Tensor.rand(DType.FLOAT64, 3, 4).add(0.5).requiresGrad_(true);
        assertTrue(Autograd.gradgradcheck(t -> t[0].mul(1L).sqrt_(), pos));
        assertTrue(Autograd.gradgradcheck(t -> t[0].mul(1L).log_(), pos));
    }

    @Test
    void emptyAndNonContiguousInputs() {
        Map<String, UnaryOperator<Tensor>> fns = new LinkedHashMap<>();
        fns.put("prelu", t -> Functional.prelu(t, Tensor.tensor(new double[] {0.1, 0.2, 0.3}, DType.FLOAT64)));
        fns.put("glu", t -> Functional.glu(t, 0));
        fns.put("hardsigmoid", Functional::hardsigmoid);
        fns.put("hardshrink", Functional::hardshrink);
        fns.put("softshrink", Functional::softshrink);
        fns.put("threshold", t -> Functional.threshold(t, 0.1, 2.0));
        fns.put("softsign", Functional::softsign);
        fns.put("tanhshrink", Functional::tanhshrink);
        fns.put("softmin", t -> Functional.softmin(t, 1));
        fns.put("rrelu", Functional::rrelu);
        fns.put("relu_", t -> t.clone().relu_());
        fns.put("leaky_relu_", t -> Functional.leakyRelu_(t.clone(), 0.2));
        fns.put("threshold_", t -> Functional.threshold_(t.clone(), 0.1, 2.0));
        for (Map.Entry<String, UnaryOperator<Tensor>> e : fns.entrySet()) {
            // a (4, 3) view of a (3, 4) tensor: not contiguous
            Tensor base = Tensor.randn(DType.FLOAT64, 3, 4);
            Tensor view = base.t();
            assertTrue(!view.isContiguous());
            Tensor want = e.getValue().apply(view.contiguous());
            Tensor got = e.getValue().apply(view);
            assertArrayEquals(want.shape(), got.shape(), e.getKey());
            assertArrayEquals(want.toDoubleArray(), got.toDoubleArray(), 0, e.getKey());
            Tensor empty = Tensor.empty(DType.FLOAT64, 4, 3, 0);
            Tensor out = e.getValue().apply(empty);
            assertEquals(0, out.numel(), e.getKey());
        }
        // in place on a non-contiguous tensor writes through its strides
        Tensor base = Tensor.tensor(new double[] {-1, 2, -3, 4, -5, 6}, DType.FLOAT64).reshape(2, 3);
        base.t().relu_();
        assertArrayEquals(new double[] {0, 2, 0, 4, 0, 6}, base.toDoubleArray(), 0);
    }
}
