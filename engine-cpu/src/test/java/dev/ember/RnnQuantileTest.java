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
 * cell and the network; {@code quantile}/{@code nanquantile} in every interpolation (number and tensor q, with and
 * without a dim, keepdim, NaN, 0-dim and 1-D inputs, q's own gradient), {@code aminmax}, {@code msort} and the dtype
 * argument of sum, mean, prod, cumsum, cumprod, softmax and log_softmax (values, nodes, node chains, gradients, errors),
 * with gradcheck/gradgradcheck.
 */
class RnnQuantileTest {
    static final PyTorchCases TORCH = new PyTorchCases("/rnnquantile/expected.txt");

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
        assertClose(what, expected, actual, expected.dtype() == DType.FLOAT32);
    }

    /** Elementwise closeness: to 2e-5 where float32 arithmetic made the value, else to 1e-9; NaN matches NaN. */
    static void assertClose(String what, Tensor expected, Tensor actual, boolean float32) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
        double tol = float32 ? 2e-5 : 1e-9;
        double atol = expected.dtype().isFloatingPoint() ? tol / (float32 ? 1 : 10) : 0;
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


    static String suffix(int k) {
        return k == 0 ? "" : String.valueOf(k);
    }

    /** Outputs, their nodes and chains, and the gradients of the leaves, compared with a case's. */
    static void checkOutputs(String key, String label, Tensor[] outs, Map<String, Tensor> leaves) {
        checkOutputs(key, label, outs, leaves, true);
    }

    static void checkOutputs(String key, String label, Tensor[] outs, Map<String, Tensor> leaves, boolean chains) {
        List<Tensor> gradOuts = new ArrayList<>();
        List<Tensor> gouts = new ArrayList<>();
        for (int k = 0; k < outs.length; k++) {
            String s = suffix(k);
            assertClose(label + " out" + s, TORCH.tensor(key, "out" + s), outs[k]);
            if (TORCH.has(key, "node" + s)) {
                assertEquals(TORCH.field(key, "node" + s), outs[k].gradFn() == null ? "None" : outs[k].gradFn().name(),
                        label + " node" + s);
            }
            if (chains && TORCH.has(key, "chain" + s)) {
                assertEquals(TORCH.field(key, "chain" + s), chain(outs[k]), label + " chain" + s);
            }
            if (TORCH.has(key, "gout" + s)) {
                gradOuts.add(outs[k]);
                gouts.add(TORCH.tensor(key, "gout" + s));
            }
        }
        if (gradOuts.isEmpty()) {
            return;
        }
        Autograd.backward(gradOuts, gouts, false, false);
        // a float32 output's gradient is float32 arithmetic whatever the input's type
        boolean float32 = false;
        for (Tensor o : gradOuts) {
            float32 |= o.dtype() == DType.FLOAT32;
        }
        for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
            String g = "grad_" + e.getKey();
            if (TORCH.has(key, g)) {
                assertTrue(e.getValue().grad() != null, label + " " + g + " missing");
                assertClose(label + " " + g, TORCH.tensor(key, g), e.getValue().grad(),
                        float32 || e.getValue().dtype() == DType.FLOAT32);
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
        return Layers2Cases.moduleCase(TORCH, key, make, fwd, RnnQuantileTest::checkOutputs);
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

    // ------------------------------------------------------------------ quantile, nanquantile, aminmax, msort, dtype=

    /** One case's computation from its named inputs; returns its outputs in the script's order. */
    interface Op {
        Tensor[] apply(Map<String, Tensor> in);
    }

    /**
     * Runs a case: outputs, their nodes (and, on contiguous inputs, their chains), and the gradients of every floating
     * input the script gave one, compared with PyTorch's; again on non-contiguous copies of the floating inputs.
     */
    static void run(String key, Op op) {
        for (int pass = 0; pass < 2; pass++) {
            Map<String, Tensor> leaves = TORCH.named(key, "inputs");
            Map<String, Tensor> used = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> en : leaves.entrySet()) {
                Tensor t = en.getValue();
                boolean grad = TORCH.has(key, "grad_" + en.getKey());
                if (grad) {
                    t.requiresGrad_(true);
                }
                used.put(en.getKey(), pass == 1 && t.dtype().isFloatingPoint() ? Layers2Cases.nonContiguous(t) : t);
            }
            String label = key + (pass == 1 ? " (non-contiguous)" : "");
            Tensor[] outs = op.apply(used);
            // the chain below the op's own node follows the input's layout (flatten copies a non-contiguous input):
            // compared on the contiguous pass
            checkOutputs(key, label, outs, leaves, pass == 0);
        }
    }

    private static DynamicTest c(String key, Op op) {
        return DynamicTest.dynamicTest(key, () -> run(key, op));
    }

    @TestFactory
    List<DynamicTest> quantileAgainstPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        for (String mode : new String[] {"linear", "lower", "higher", "midpoint", "nearest"}) {
            t.add(c("q_" + mode + "_all", in -> new Tensor[] {in.get("x").quantile(0.3, null, false, mode)}));
            t.add(c("q_" + mode + "_all_vec", in -> new Tensor[] {in.get("x").quantile(q(0.0, 0.25, 0.5, 0.9, 1.0), null, false,
                    mode)}));
            t.add(c("q_" + mode + "_dim1", in -> new Tensor[] {in.get("x").quantile(0.4, 1, false, mode)}));
            t.add(c("q_" + mode + "_dim0_keep_vec", in -> new Tensor[] {in.get("x").quantile(q(0.1, 0.5, 0.75), 0, true,
                    mode)}));
            t.add(c("q_" + mode + "_dim-1_vec", in -> new Tensor[] {in.get("x").quantile(q(0.125, 0.625), -1, false, mode)}));
            t.add(c("q_" + mode + "_all_keep", in -> new Tensor[] {in.get("x").quantile(0.5, null, true, mode)}));
            t.add(c("q_" + mode + "_nan", in -> new Tensor[] {in.get("x").quantile(q(0.2, 0.8), 1, false, mode)}));
            t.add(c("nq_" + mode + "_nan", in -> new Tensor[] {in.get("x").nanquantile(q(0.2, 0.8), 1, false, mode)}));
            t.add(c("nq_" + mode + "_nan_all", in -> new Tensor[] {in.get("x").nanquantile(0.35, null, false, mode)}));
            t.add(c("q_" + mode + "_float32", in -> new Tensor[] {in.get("x").quantile(q(0.3, 0.7).to(DType.FLOAT32), 0, false,
                    mode)}));
        }
        t.add(c("q_3d_middle", in -> new Tensor[] {in.get("x").quantile(q(0.2, 0.5, 0.9), 1, false, "linear")}));
        t.add(c("q_3d_middle_keep", in -> new Tensor[] {in.get("x").quantile(0.6, 1, true, "midpoint")}));
        t.add(c("q_1d", in -> new Tensor[] {in.get("x").quantile(0.5)}));
        t.add(c("q_1d_dim0", in -> new Tensor[] {in.get("x").quantile(q(0.5, 0.1), 0, true, "linear")}));
        t.add(c("q_0d", in -> new Tensor[] {in.get("x").quantile(0.3)}));
        t.add(c("q_0d_dim", in -> new Tensor[] {in.get("x").quantile(q(0.3, 0.9), 0, true, "linear")}));
        t.add(c("q_0d_keep", in -> new Tensor[] {in.get("x").quantile(0.3, 0, true, "linear")}));
        t.add(c("q_grad_q", in -> new Tensor[] {in.get("x").quantile(in.get("q"), 1, false, "linear")}));
        t.add(c("nq_grad_q", in -> new Tensor[] {in.get("x").nanquantile(in.get("q"), 1, false, "linear")}));
        t.add(c("q_grad_q_all", in -> new Tensor[] {in.get("x").quantile(in.get("q"))}));
        t.add(c("q_q0d_tensor", in -> new Tensor[] {in.get("x").quantile(in.get("q"), 0, false, "linear")}));
        return t;
    }

    private static Tensor q(double... v) {
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU);
    }

    @TestFactory
    List<DynamicTest> quantileErrors() {
        Tensor x = TORCH.tensor("q_linear_all", "x");
        List<DynamicTest> t = new ArrayList<>();
        t.add(e("q_err_range", () -> x.quantile(1.5), x));
        t.add(e("q_err_range_neg", () -> x.quantile(-0.25), x));
        t.add(e("q_err_nan", () -> x.quantile(Double.NaN), x));
        t.add(e("q_err_interp", () -> x.quantile(0.3, null, false, "cubic"), x));
        t.add(e("q_err_empty", () -> Tensor.zeros(DType.FLOAT64, 0, 3).quantile(0.5)));
        t.add(e("q_err_long", () -> Tensor.arange(4).quantile(0.5)));
        t.add(e("q_err_long_tensor_q", () -> Tensor.arange(4).quantile(q(0.5).to(DType.FLOAT32))));
        t.add(e("q_err_q2d", () -> x.quantile(q(0.5).reshape(1, 1)), x));
        t.add(e("q_err_q_dtype", () -> x.quantile(q(0.5).to(DType.FLOAT32)), x));
        t.add(e("q_err_q_values", () -> x.quantile(q(0.5, 1.25)), x));
        t.add(e("q_err_dim", () -> x.quantile(0.5, 2, false, "linear"), x));
        t.add(e("nq_err_range", () -> x.nanquantile(2.0), x));
        t.add(e("nq_err_interp", () -> x.nanquantile(0.5, null, false, "Linear"), x));
        t.add(e("aminmax_err_empty", () -> Tensor.zeros(DType.FLOAT32, 0, 3).aminmax()));
        t.add(e("aminmax_err_empty_dim", () -> Tensor.zeros(DType.FLOAT32, 0, 3).aminmax(0, false)));
        t.add(e("aminmax_err_dim", () -> Tensor.zeros(DType.FLOAT32, 2, 3).aminmax(2, false)));
        Tensor xi = TORCH.tensor("mean_long_dtype", "x");
        t.add(e("mean_err_long_dtype", () -> xi.mean(DType.INT64)));
        t.add(e("mean_err_float_long_dtype", () -> x.mean(DType.INT64), x));
        return t;
    }

    private static Tensor[] mm(Tensor.MinMax r) {
        return new Tensor[] {r.min(), r.max()};
    }

    @TestFactory
    List<DynamicTest> aminmaxMsortAndDtypeAgainstPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(c("aminmax_all", in -> mm(in.get("x").aminmax())));
        t.add(c("aminmax_all_keep", in -> mm(in.get("x").aminmax(null, true))));
        t.add(c("aminmax_dim1", in -> mm(in.get("x").aminmax(1, false))));
        t.add(c("aminmax_dim0_keep", in -> mm(in.get("x").aminmax(0, true))));
        t.add(c("aminmax_nan", in -> mm(in.get("x").aminmax(1, false))));
        t.add(c("aminmax_float32", in -> mm(in.get("x").aminmax(-1, false))));
        t.add(c("aminmax_0d", in -> mm(in.get("x").aminmax(0, false))));
        t.add(c("aminmax_long", in -> mm(in.get("x").aminmax(1, false))));
        t.add(c("aminmax_empty_dim", in -> mm(in.get("x").aminmax(1, false))));
        t.add(c("msort", in -> new Tensor[] {in.get("x").msort()}));
        t.add(c("msort_1d", in -> new Tensor[] {in.get("x").msort()}));
        t.add(c("msort_3d_float32", in -> new Tensor[] {in.get("x").msort()}));
        DType d = DType.FLOAT64;
        DType f = DType.FLOAT32;
        t.add(c("sum_dtype", in -> new Tensor[] {in.get("x").sum(d)}));
        t.add(c("sum_dim_dtype", in -> new Tensor[] {in.get("x").sum(new int[] {0}, true, d)}));
        t.add(c("mean_dtype", in -> new Tensor[] {in.get("x").mean(d)}));
        t.add(c("mean_dim_dtype", in -> new Tensor[] {in.get("x").mean(new int[] {1}, false, d)}));
        t.add(c("mean_dim_dtype_f32", in -> new Tensor[] {in.get("x").mean(new int[] {0, 1}, true, f)}));
        t.add(c("prod_dtype", in -> new Tensor[] {in.get("x").prod(d)}));
        t.add(c("prod_dim_dtype", in -> new Tensor[] {in.get("x").prod(1, true, d)}));
        t.add(c("prod_dim_dtype_zero", in -> new Tensor[] {in.get("x").prod(0, false, d)}));
        t.add(c("cumsum_dtype", in -> new Tensor[] {in.get("x").cumsum(1, d)}));
        t.add(c("cumprod_dtype", in -> new Tensor[] {in.get("x").cumprod(0, d)}));
        t.add(c("softmax_dtype", in -> new Tensor[] {in.get("x").softmax(1, d)}));
        t.add(c("log_softmax_dtype", in -> new Tensor[] {in.get("x").logSoftmax(0, d)}));
        t.add(c("softmax_dtype", in -> new Tensor[] {dev.ember.nn.Functional.softmax(in.get("x"), 1, d)}));
        t.add(c("log_softmax_dtype", in -> new Tensor[] {dev.ember.nn.Functional.logSoftmax(in.get("x"), 0, d)}));
        t.add(c("softmax_dtype_same", in -> new Tensor[] {in.get("x").softmax(-1, f)}));
        t.add(c("log_softmax_dtype_down", in -> new Tensor[] {in.get("x").logSoftmax(1, f)}));
        t.add(c("sum_long_dtype", in -> new Tensor[] {in.get("x").sum(f)}));
        t.add(c("mean_long_dtype", in -> new Tensor[] {in.get("x").mean(d)}));
        t.add(c("mean_long_dim_dtype", in -> new Tensor[] {in.get("x").mean(new int[] {1}, true, f)}));
        t.add(c("prod_long_dtype", in -> new Tensor[] {in.get("x").prod(d)}));
        t.add(c("prod_long_dim_dtype", in -> new Tensor[] {in.get("x").prod(0, false, f)}));
        t.add(c("cumsum_long_dtype", in -> new Tensor[] {in.get("x").cumsum(1, d)}));
        t.add(c("cumprod_long_dtype", in -> new Tensor[] {in.get("x").cumprod(0, f)}));
        t.add(c("softmax_long_dtype", in -> new Tensor[] {in.get("x").softmax(1, f)}));
        t.add(c("cumsum_float_to_long", in -> new Tensor[] {in.get("x").cumsum(0, DType.INT64)}));
        t.add(c("empty_mean_dtype", in -> new Tensor[] {in.get("x").mean(d)}));
        t.add(c("empty_mean_dim_dtype", in -> new Tensor[] {in.get("x").mean(new int[] {0}, false, d)}));
        t.add(c("empty_prod_dtype", in -> new Tensor[] {in.get("x").prod(d)}));
        t.add(c("empty_prod_dim_dtype", in -> new Tensor[] {in.get("x").prod(0, false, d)}));
        t.add(c("empty_cumsum_dtype", in -> new Tensor[] {in.get("x").cumsum(0, d)}));
        t.add(c("empty_cumprod_dtype", in -> new Tensor[] {in.get("x").cumprod(1, d)}));
        t.add(c("empty_softmax_dtype", in -> new Tensor[] {in.get("x").softmax(0, d)}));
        t.add(c("empty_log_softmax_dtype", in -> new Tensor[] {in.get("x").logSoftmax(1, d)}));
        t.add(c("empty_msort", in -> new Tensor[] {in.get("x").msort()}));
        return t;
    }

    @TestFactory
    List<DynamicTest> reductionGradcheck() {
        Tensor x = Tensor.randn(DType.FLOAT64, 3, 7).requiresGrad_(true);
        Tensor x32 = Tensor.randn(DType.FLOAT32, 3, 4).requiresGrad_(true);
        List<DynamicTest> t = new ArrayList<>();
        // quantile, aminmax and msort pick values: their gradients do not depend on x (no second order)
        for (String mode : new String[] {"linear", "lower", "higher", "midpoint", "nearest"}) {
            Function<Tensor[], Tensor> f = a -> a[0].quantile(q(0.1, 0.4, 0.85), 1, false, mode);
            t.add(DynamicTest.dynamicTest("quantile " + mode, () -> assertTrue(Autograd.gradcheck(f, x))));
        }
        Tensor qv = q(0.23, 0.71).requiresGrad_(true); // ranks off the integers, where the weights' gradient has a kink
        Function<Tensor[], Tensor> fq = a -> a[0].quantile(a[1], null, false, "linear");
        t.add(DynamicTest.dynamicTest("quantile in x and q", () -> assertTrue(Autograd.gradcheck(fq, x, qv))));
        Function<Tensor[], Tensor> fnq = a -> a[0].nanquantile(0.6, 0, true, "linear");
        t.add(DynamicTest.dynamicTest("nanquantile", () -> assertTrue(Autograd.gradcheck(fnq, x))));
        Function<Tensor[], Tensor> famm = a -> {
            Tensor.MinMax r = a[0].aminmax(1, true);
            return r.min().mul(2).add(r.max());
        };
        t.add(DynamicTest.dynamicTest("aminmax", () -> assertTrue(Autograd.gradcheck(famm, x))));
        t.add(DynamicTest.dynamicTest("msort", () -> assertTrue(Autograd.gradcheck(a -> a[0].msort(), x))));
        Function<Tensor[], Tensor> fd = a -> Tensor.cat(List.of(a[0].mean(new int[] {1}, false, DType.FLOAT64),
                a[0].prod(1, false, DType.FLOAT64), a[0].cumsum(1, DType.FLOAT64).reshape(-1),
                a[0].cumprod(0, DType.FLOAT64).reshape(-1), a[0].softmax(0, DType.FLOAT64).reshape(-1),
                a[0].logSoftmax(1, DType.FLOAT64).reshape(-1), a[0].prod(DType.FLOAT64).reshape(1)), 0);
        Tensor x64 = Tensor.randn(DType.FLOAT64, 3, 4).requiresGrad_(true);
        t.add(DynamicTest.dynamicTest("dtype reductions", () -> assertTrue(Autograd.gradcheck(fd, x64))));
        t.add(DynamicTest.dynamicTest("dtype reductions (second order)", () -> assertTrue(Autograd.gradgradcheck(fd, x64))));
        // float32 in, float64 out: the gradient comes back in float32 (the engine casts it to the input's type)
        t.add(DynamicTest.dynamicTest("dtype gradient type", () -> {
            x32.cumprod(1, DType.FLOAT64).sum().backward();
            assertEquals(DType.FLOAT32, x32.grad().dtype());
        }));
        return t;
    }
}
