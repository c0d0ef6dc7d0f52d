package dev.ember;

import dev.ember.nn.Module;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cases of layers2/make_expected.py (convolution, resampling and recurrent layers): tensors read from a case's
 * {@code name dtype [shape] : values} lines, runs of a case (outputs, nodes and gradients against PyTorch's, on
 * contiguous and non-contiguous inputs) and error cases (PyTorch's exception and message, inputs unchanged). The
 * line format is layers/make_expected.py's, with an {@code inputs} line naming the inputs and numbered outputs
 * ({@code out1}, {@code node1}, {@code gout1}) for ops of several results.
 */
final class Layers2Cases {
    static final PyTorchCases TORCH = new PyTorchCases("/layers2/expected.txt");

    private Layers2Cases() {
    }

    /** Elementwise closeness for the type: float64 to 1e-9 relative, float32 to 2e-5, integers exactly; NaN matches NaN. */
    static void assertClose(String what, Tensor expected, Tensor actual) {
        assertClose(what, expected, actual, expected.dtype() == DType.FLOAT32 ? 2e-5 : 1e-9);
    }

    static void assertClose(String what, Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        boolean exact = !expected.dtype().isFloatingPoint();
        double atol = exact ? 0 : expected.dtype() == DType.FLOAT32 ? tol : tol / 10;
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(a[i])
                    : e[i] == a[i] || Math.abs(e[i] - a[i]) <= atol + tol * Math.abs(e[i]);
            if (!ok) {
                throw new AssertionError(what + ": element " + i + " expected " + e[i] + " but was " + a[i] + "\nexpected "
                        + Arrays.toString(e) + "\nactual   " + Arrays.toString(a));
            }
        }
    }

    /** The same values in a non-contiguous layout (a transposed copy transposed back; stride 2 for a vector). */
    static Tensor nonContiguous(Tensor t) {
        if (t.dim() >= 2) {
            return t.transpose(-1, -2).contiguous().transpose(-1, -2);
        }
        if (t.dim() == 1) {
            return Tensor.stack(List.of(t, t), 1).select(1, 0);
        }
        return t;
    }

    /** One case's computation from its named inputs; returns its outputs in the script's order. */
    interface Op {
        Tensor[] apply(Map<String, Tensor> in);
    }

    static String suffix(int k) {
        return k == 0 ? "" : String.valueOf(k);
    }

    /**
     * Runs a case: outputs, their nodes, and the gradients of sum over outputs of sum(out * gout) for every floating
     * input, compared with PyTorch's; with {@code layouts}, again on non-contiguous copies of the floating inputs.
     */
    static void run(String key, Op op, boolean layouts) {
        for (int pass = 0; pass < (layouts ? 2 : 1); pass++) {
            Map<String, Tensor> leaves = TORCH.named(key, "inputs");
            Map<String, Tensor> used = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
                Tensor t = e.getValue();
                if (t.dtype().isFloatingPoint()) {
                    t.requiresGrad_(true);
                }
                used.put(e.getKey(), pass == 1 && t.dtype().isFloatingPoint() ? nonContiguous(t) : t);
            }
            String label = key + (pass == 1 ? " (non-contiguous)" : "");
            Tensor[] outs = op.apply(used);
            checkOutputs(key, label, outs, leaves);
        }
    }

    /** Compares a case's outputs, nodes and gradients of {@code leaves} ({@code label} names the pass). */
    interface OutputCheck {
        void check(String key, String label, Tensor[] outs, Map<String, Tensor> leaves);
    }

    /**
     * A module case of {@code torch}: a fresh module with the case's weights (its {@code params} line), its forward from
     * the case's {@code inputs}, compared by {@code check} (outputs, nodes and the gradients of the inputs and every
     * parameter); again with non-contiguous inputs.
     */
    static DynamicTest moduleCase(PyTorchCases torch, String key, Supplier<Module> make,
                                  BiFunction<Module, Map<String, Tensor>, Tensor[]> fwd, OutputCheck check) {
        return DynamicTest.dynamicTest(key, () -> {
            for (int pass = 0; pass < 2; pass++) {
                Module m = make.get();
                torch.loadState(m, key, "params");
                Map<String, Tensor> leaves = torch.named(key, "inputs");
                Map<String, Tensor> used = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
                    e.getValue().requiresGrad_(true);
                    used.put(e.getKey(), pass == 1 ? nonContiguous(e.getValue()) : e.getValue());
                }
                Tensor[] outs = fwd.apply(m, used);
                Map<String, Tensor> all = new LinkedHashMap<>(leaves);
                all.putAll(m.namedParameters());
                check.check(key, key + (pass == 1 ? " (non-contiguous)" : ""), outs, all);
            }
        });
    }

    /** Compares outputs, nodes and gradients (of the leaves named in {@code leaves}) with a case's. */
    static void checkOutputs(String key, String label, Tensor[] outs, Map<String, Tensor> leaves) {
        List<Tensor> gradOuts = new ArrayList<>();
        List<Tensor> gouts = new ArrayList<>();
        for (int k = 0; k < outs.length; k++) {
            String s = suffix(k);
            assertClose(label + " out" + s, TORCH.tensor(key, "out" + s), outs[k]);
            if (TORCH.has(key, "node" + s)) {
                assertEquals(TORCH.field(key, "node" + s), outs[k].gradFn() == null ? "None" : outs[k].gradFn().name(),
                        label + " node" + s);
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
        for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
            String g = "grad_" + e.getKey();
            if (TORCH.has(key, g)) {
                assertTrue(e.getValue().grad() != null, label + " " + g + " missing");
                assertClose(label + " " + g, TORCH.tensor(key, g), e.getValue().grad());
            } else if (e.getValue().dtype().isFloatingPoint()) {
                Tensor grad = e.getValue().grad();
                assertTrue(grad == null || grad.abs().sum().item() == 0, label + " " + g + " should be absent");
            }
        }
    }

    /** The Java exception type for PyTorch's: IndexError, NotImplementedError, else IllegalArgumentException. */
    static Class<? extends Throwable> errorType(String key) {
        String l = TORCH.field(key, "error");
        String type = l.substring(0, l.indexOf(' '));
        switch (type) {
            case "IndexError": return IndexOutOfBoundsException.class;
            case "NotImplementedError": return UnsupportedOperationException.class;
            default: return IllegalArgumentException.class;
        }
    }

    /** The call fails as PyTorch's did, with its message, and leaves {@code untouched} as they were. */
    static void fails(String key, Executable call, Tensor... untouched) {
        double[][] before = new double[untouched.length][];
        int[] versions = new int[untouched.length];
        for (int i = 0; i < untouched.length; i++) {
            before[i] = untouched[i].toDoubleArray();
            versions[i] = untouched[i].version();
        }
        Throwable e = assertThrows(errorType(key), call, key);
        assertEquals(TORCH.error(key).replace("\\n", "\n"), e.getMessage().strip(), key);
        for (int i = 0; i < untouched.length; i++) {
            assertArrayEquals(before[i], untouched[i].toDoubleArray(), key + ": input " + i + " changed");
            assertEquals(versions[i], untouched[i].version(), key + ": input " + i + " version");
        }
    }
}
