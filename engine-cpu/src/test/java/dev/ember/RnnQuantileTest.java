package dev.ember;

import dev.ember.nn.Module;
import dev.ember.nn.RNN;
import dev.ember.nn.RNNCell;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 18's recurrent modules and reductions against PyTorch (rnnquantile/make_expected.py): nn.RNN and nn.RNNCell
 * (tanh and relu) with PyTorch's weights loaded through their state dicts (outputs, final states, their nodes and node
 * chains, the gradients of the input, the initial state and every parameter, on contiguous and non-contiguous inputs),
 * their checks and messages, printouts and state-dict keys, initialization bounds, and gradcheck/gradgradcheck of the
 * cell and the network.
 */
class RnnQuantileTest {
    static final PyTorchCases TORCH = new PyTorchCases("/rnnquantile/expected.txt");

    static boolean has(String key, String name) {
        try {
            TORCH.field(key, name);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** A tensor of a case, from its line {@code name dtype [shape] : values}. */
    static Tensor tensor(String key, String name) {
        String f = TORCH.field(key, name);
        return PyTorchCases.tensor(f.endsWith(" :") ? f.substring(0, f.length() - 2) : f);
    }

    /** The node names from a tensor's grad_fn along the first next function, as the script's {@code chain}. */
    static String chain(Tensor t) {
        List<String> names = new ArrayList<>();
        Node f = t.gradFn();
        while (f != null) {
            names.add(f.name());
            Node next = null;
            for (Node n : f.nextFunctions()) {
                if (n != null) {
                    next = n;
                    break;
                }
            }
            f = next;
        }
        return String.join(" ", names);
    }

    static void assertClose(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
        double tol = expected.dtype() == DType.FLOAT32 ? 2e-5 : 1e-9;
        double atol = expected.dtype().isFloatingPoint() ? tol / (expected.dtype() == DType.FLOAT32 ? 1 : 10) : 0;
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(a[i])
                    : e[i] == a[i] || Math.abs(e[i] - a[i]) <= atol + tol * Math.abs(e[i]);
            if (!ok) {
                throw new AssertionError(what + ": element " + i + " expected " + e[i] + " but was " + a[i] + "\nexpected "
                        + Arrays.toString(e) + "\nactual   " + Arrays.toString(a));
            }
        }
    }

    static Tensor nonContiguous(Tensor t) {
        if (t.dim() >= 2) {
            return t.transpose(-1, -2).contiguous().transpose(-1, -2);
        }
        if (t.dim() == 1) {
            return Tensor.stack(List.of(t, t), 1).select(1, 0);
        }
        return t;
    }

    static Map<String, Tensor> named(String key, String field) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (String n : TORCH.field(key, field).split(" ")) {
            in.put(n, tensor(key, n));
        }
        return in;
    }

    static String suffix(int k) {
        return k == 0 ? "" : String.valueOf(k);
    }

    /** Outputs, their nodes and chains, and the gradients of the leaves, compared with a case's. */
    static void checkOutputs(String key, String label, Tensor[] outs, Map<String, Tensor> leaves) {
        List<Tensor> gradOuts = new ArrayList<>();
        List<Tensor> gouts = new ArrayList<>();
        for (int k = 0; k < outs.length; k++) {
            String s = suffix(k);
            assertClose(label + " out" + s, tensor(key, "out" + s), outs[k]);
            if (has(key, "node" + s)) {
                assertEquals(TORCH.field(key, "node" + s), outs[k].gradFn() == null ? "None" : outs[k].gradFn().name(),
                        label + " node" + s);
            }
            if (has(key, "chain" + s)) {
                assertEquals(TORCH.field(key, "chain" + s), chain(outs[k]), label + " chain" + s);
            }
            if (has(key, "gout" + s)) {
                gradOuts.add(outs[k]);
                gouts.add(tensor(key, "gout" + s));
            }
        }
        if (gradOuts.isEmpty()) {
            return;
        }
        Autograd.backward(gradOuts, gouts, false, false);
        for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
            String g = "grad_" + e.getKey();
            if (has(key, g)) {
                assertTrue(e.getValue().grad() != null, label + " " + g + " missing");
                assertClose(label + " " + g, tensor(key, g), e.getValue().grad());
            } else if (e.getValue().dtype().isFloatingPoint()) {
                Tensor grad = e.getValue().grad();
                assertTrue(grad == null || grad.abs().sum().item() == 0, label + " " + g + " should be absent");
            }
        }
    }

    /** The call fails as PyTorch's did (its message; IndexError as IndexOutOfBounds), leaving {@code untouched} as they were. */
    static void fails(String key, Executable call, Tensor... untouched) {
        double[][] before = new double[untouched.length][];
        int[] versions = new int[untouched.length];
        for (int i = 0; i < untouched.length; i++) {
            before[i] = untouched[i].toDoubleArray();
            versions[i] = untouched[i].version();
        }
        Throwable e = assertThrows(TORCH.errorType(key), call, key);
        assertEquals(TORCH.error(key).replace("\\n", "\n"), e.getMessage().strip(), key);
        for (int i = 0; i < untouched.length; i++) {
            assertArrayEquals(before[i], untouched[i].toDoubleArray(), key + ": input " + i + " changed");
            assertEquals(versions[i], untouched[i].version(), key + ": input " + i + " version");
        }
    }

    static DynamicTest e(String key, Executable call, Tensor... untouched) {
        return DynamicTest.dynamicTest(key, () -> fails(key, call, untouched));
    }

    // ------------------------------------------------------------------ nn.RNN, nn.RNNCell

    private static DynamicTest rnn(String key, Supplier<Module> make, BiFunction<Module, Map<String, Tensor>, Tensor[]> fwd) {
        return DynamicTest.dynamicTest(key, () -> {
            for (int pass = 0; pass < 2; pass++) {
                Module m = make.get();
                Map<String, Tensor> state = named(key, "params");
                m.to(state.values().iterator().next().dtype());
                m.loadStateDict(state);
                Map<String, Tensor> leaves = named(key, "inputs");
                Map<String, Tensor> used = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> en : leaves.entrySet()) {
                    en.getValue().requiresGrad_(true);
                    used.put(en.getKey(), pass == 1 ? nonContiguous(en.getValue()) : en.getValue());
                }
                Tensor[] outs = fwd.apply(m, used);
                Map<String, Tensor> all = new LinkedHashMap<>(leaves);
                all.putAll(m.namedParameters());
                checkOutputs(key, key + (pass == 1 ? " (non-contiguous)" : ""), outs, all);
            }
        });
    }

    private static Tensor[] net(Module m, Map<String, Tensor> in) {
        RnnOutput r = ((RNN) m).apply(in.get("x"), in.get("h0"));
        assertNull(r.c());
        return new Tensor[] {r.output(), r.h()};
    }

    private static Tensor[] cell(Module m, Map<String, Tensor> in) {
        return new Tensor[] {((RNNCell) m).apply(in.get("x"), in.get("h0"))};
    }

    @TestFactory
    List<DynamicTest> rnnAgainstPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(rnn("rnn", () -> new RNN(3, 4), RnnQuantileTest::net));
        t.add(rnn("rnn_zero_state", () -> new RNN(3, 4), RnnQuantileTest::net));
        t.add(rnn("rnn_relu", () -> new RNN(3, 4, 1, "relu", true, false, 0, false), RnnQuantileTest::net));
        t.add(rnn("rnn_2layer_bidir_batch_first", () -> new RNN(3, 4, 2, "tanh", true, true, 0, true), RnnQuantileTest::net));
        t.add(rnn("rnn_relu_3layer_bidir", () -> new RNN(3, 4, 3, "relu", true, false, 0, true), RnnQuantileTest::net));
        t.add(rnn("rnn_nobias", () -> new RNN(3, 4, 1, "tanh", false, false, 0, false), RnnQuantileTest::net));
        t.add(rnn("rnn_unbatched", () -> new RNN(3, 4, 2), RnnQuantileTest::net));
        t.add(rnn("rnn_unbatched_batch_first", () -> new RNN(3, 4, 1, "tanh", true, true, 0, false), RnnQuantileTest::net));
        t.add(rnn("rnn_empty_batch", () -> new RNN(3, 4), RnnQuantileTest::net));
        t.add(rnn("rnn_float32", () -> new RNN(6, 7, 2, "tanh", true, false, 0, true), RnnQuantileTest::net));
        t.add(rnn("rnn_dropout_all", () -> new RNN(3, 4, 3, "tanh", true, false, 1.0, false), RnnQuantileTest::net));
        t.add(rnn("rnn_cell", () -> new RNNCell(3, 4), RnnQuantileTest::cell));
        t.add(rnn("rnn_cell_relu", () -> new RNNCell(3, 4, true, "relu"), RnnQuantileTest::cell));
        t.add(rnn("rnn_cell_nobias_zero_state", () -> new RNNCell(3, 4, false), RnnQuantileTest::cell));
        t.add(rnn("rnn_cell_unbatched", () -> new RNNCell(3, 4), RnnQuantileTest::cell));
        t.add(rnn("rnn_cell_relu_unbatched_zero_state", () -> new RNNCell(3, 4, true, "relu"), RnnQuantileTest::cell));
        t.add(rnn("rnn_cell_empty", () -> new RNNCell(3, 4), RnnQuantileTest::cell));
        t.add(rnn("rnn_cell_float32", () -> new RNNCell(5, 6), RnnQuantileTest::cell));
        return t;
    }

    private static Tensor randn(int... shape) {
        return Tensor.randn(shape);
    }

    @TestFactory
    List<DynamicTest> rnnErrors() {
        List<DynamicTest> t = new ArrayList<>();
        RNN rnn = new RNN(3, 4);
        Tensor x = randn(5, 2, 3);
        t.add(e("rnn_err_nonlinearity", () -> new RNN(3, 4, 1, "sigmoid", true, false, 0, false)));
        t.add(e("rnn_err_1d", () -> rnn.forward(randn(3), null)));
        t.add(e("rnn_err_4d", () -> rnn.forward(randn(1, 2, 3, 3), null)));
        t.add(e("rnn_err_input_size", () -> rnn.forward(randn(5, 2, 2), null)));
        t.add(e("rnn_err_dtype", () -> rnn.forward(x.to(DType.FLOAT64), null), x));
        t.add(e("rnn_err_h_shape", () -> rnn.forward(x, randn(1, 3, 4)), x));
        t.add(e("rnn_err_h_dim", () -> rnn.forward(x, randn(2, 4)), x));
        t.add(e("rnn_err_unbatched_h_dim", () -> rnn.forward(randn(5, 3), randn(1, 2, 4))));
        t.add(e("rnn_err_empty_seq", () -> rnn.forward(randn(0, 2, 3), null)));
        t.add(e("rnn_err_dropout", () -> new RNN(3, 4, 1, "tanh", true, false, 1.5, false)));
        t.add(e("rnn_err_hidden0", () -> new RNN(3, 0)));
        RNNCell cell = new RNNCell(3, 4);
        Tensor c = randn(2, 3);
        t.add(e("rcell_err_3d", () -> cell.forward(randn(1, 2, 3), null)));
        t.add(e("rcell_err_hx3d", () -> cell.forward(c, randn(1, 2, 4)), c));
        t.add(e("rcell_err_input_size", () -> cell.forward(randn(2, 2), null)));
        t.add(e("rcell_err_batch", () -> cell.forward(c, randn(3, 4)), c));
        t.add(e("rcell_err_hidden", () -> cell.forward(c, randn(2, 5)), c));
        t.add(e("rcell_err_dtype", () -> cell.forward(c.to(DType.FLOAT64), null), c));
        t.add(e("rcell_err_nonlinearity", () -> new RNNCell(3, 4, true, "sigmoid").forward(c, null), c));
        return t;
    }

    @TestFactory
    List<DynamicTest> rnnPrintoutsAndStateDictKeys() {
        Map<String, Supplier<Module>> m = new LinkedHashMap<>();
        m.put("rnn", () -> new RNN(3, 4));
        m.put("rnn_all", () -> new RNN(3, 4, 2, "relu", false, true, 0.5, true));
        m.put("rnn_cell", () -> new RNNCell(3, 4));
        m.put("rnn_cell_relu_nobias", () -> new RNNCell(3, 4, false, "relu"));
        List<DynamicTest> t = new ArrayList<>();
        m.forEach((k, make) -> t.add(DynamicTest.dynamicTest(k, () -> {
            Module mod = make.get();
            String key = "module_" + k;
            assertEquals(TORCH.field(key, "repr").replace("\\n", "\n"), mod.toString(), key + " repr");
            StringBuilder keys = new StringBuilder();
            mod.stateDict().forEach((n, v) -> {
                StringBuilder shape = new StringBuilder();
                for (int s : v.shape()) {
                    shape.append(shape.length() > 0 ? "x" : "").append(s);
                }
                keys.append(keys.length() > 0 ? " " : "").append(n).append(':').append(shape);
            });
            assertEquals(TORCH.field(key, "keys"), keys.toString(), key + " keys");
        })));
        return t;
    }

    @Test
    void rnnWeightsAreUniformInPyTorchsBound() {
        for (Module m : new Module[] {new RNN(8, 64, 2, "relu", true, false, 0, true), new RNNCell(8, 64)}) {
            double bound = 1 / Math.sqrt(64);
            for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
                Tensor v = p.getValue();
                assertTrue(v.abs().max().item() <= bound, p.getKey() + " within the bound");
                if (v.numel() >= 512) {
                    assertEquals(bound / Math.sqrt(3), v.std().item(), 0.15 * bound, p.getKey() + " std");
                    assertEquals(0, v.mean().item(), 0.1 * bound, p.getKey() + " mean");
                }
            }
        }
    }

    @TestFactory
    List<DynamicTest> rnnGradcheck() {
        Tensor x = Tensor.randn(DType.FLOAT64, 3, 2, 3);
        Tensor h = Tensor.randn(DType.FLOAT64, 2, 2, 4);
        Tensor wIh = Tensor.randn(DType.FLOAT64, 4, 3);
        Tensor wHh = Tensor.randn(DType.FLOAT64, 4, 4).mul(0.5);
        Tensor bIh = Tensor.randn(DType.FLOAT64, 4);
        Tensor bHh = Tensor.randn(DType.FLOAT64, 4);
        Tensor wIh1 = Tensor.randn(DType.FLOAT64, 4, 4);
        Tensor wHh1 = Tensor.randn(DType.FLOAT64, 4, 4).mul(0.5);
        Tensor[] in = {x, h, wIh, wHh, bIh, bHh, wIh1, wHh1};
        for (Tensor v : in) {
            v.requiresGrad_(true);
        }
        Function<Tensor[], Tensor> net = a -> {
            RnnOutput r = Tensor.rnnTanh(a[0], a[1], List.of(a[2], a[3], a[4], a[5], a[6], a[7], a[4], a[5]), true, 2, 0,
                    false, false, false);
            return r.output().sum().add(r.h().mul(r.h()).sum());
        };
        Tensor cx = Tensor.randn(DType.FLOAT64, 2, 3).requiresGrad_(true);
        Tensor ch = Tensor.randn(DType.FLOAT64, 2, 4).requiresGrad_(true);
        Tensor[] cin = {cx, ch, wIh, wHh, bIh, bHh};
        Function<Tensor[], Tensor> tanhCell = a -> Tensor.rnnTanhCell(a[0], a[1], a[2], a[3], a[4], a[5]);
        // relu's kink: inputs kept away from it by the bias
        Function<Tensor[], Tensor> reluCell = a -> Tensor.rnnReluCell(a[0], a[1], a[2], a[3], a[4].add(5), a[5]);
        return List.of(
                DynamicTest.dynamicTest("rnn_tanh 2 layers", () -> assertTrue(Autograd.gradcheck(net, in))),
                DynamicTest.dynamicTest("rnn_tanh 2 layers (second order)", () -> assertTrue(Autograd.gradgradcheck(net, in))),
                DynamicTest.dynamicTest("rnn_tanh_cell", () -> assertTrue(Autograd.gradcheck(tanhCell, cin))),
                DynamicTest.dynamicTest("rnn_tanh_cell (second order)", () -> assertTrue(Autograd.gradgradcheck(tanhCell, cin))),
                DynamicTest.dynamicTest("rnn_relu_cell", () -> assertTrue(Autograd.gradcheck(reluCell, cin))));
    }
}
