package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code clone()} keeps PyTorch's {@code preserve_format}: on the views {@code clonestrides/make_expected.py} makes
 * (transposed, permuted, channels-last, expanded, sliced with gaps, with an offset, 0-dim, empty, size-1 dimensions) the
 * clone's strides, values, node ({@code CloneBackward0}) and gradient are PyTorch's, {@code contiguous()} gives
 * PyTorch's row-major strides, and the ops whose copies follow clone's rule ({@code torch.tensor(t)}) or ask for a
 * contiguous one ({@code rot90} by a multiple of 4, {@code matrix_power} 0 and 1,
 * {@code repeat_interleave}) give PyTorch's strides.
 */
class CloneStridesTest {
    private static final String RESOURCE = "/clonestrides/expected.txt";

    /** The seq values of make_expected.py: ((7k mod 19) - 9) / 4, in float64, then cast. */
    private static Tensor seq(DType dtype, int[] shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int k = 0; k < v.length; k++) {
            v[k] = ((7 * k) % 19 - 9) * 0.25;
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape).to(dtype);
    }

    private static int[] ints(String[] w, int from) {
        return Arrays.stream(w, from, w.length).mapToInt(Integer::parseInt).toArray();
    }

    /** make_expected.py's recipe language. */
    private static Tensor apply(Tensor x, String recipe) {
        if (recipe.isEmpty()) {
            return x;
        }
        for (String step : recipe.split("\\|")) {
            String[] w = step.trim().split(" ");
            int[] a = ints(w, 1);
            switch (w[0]) {
                case "t": x = x.t(); break;
                case "transpose": x = x.transpose(a[0], a[1]); break;
                case "permute": x = x.permute(a); break;
                case "slice": x = x.slice(a[0], a[1], a[2], a[3]); break;
                case "expand": x = x.expand(a); break;
                case "select": x = x.select(a[0], a[1]); break;
                case "contig": x = x.contiguous(); break;
                case "cl": {
                    // channels-last (-3d): channels innermost in memory
                    int n = x.dim();
                    int[] toLast = new int[n];
                    int[] back = new int[n];
                    toLast[0] = 0;
                    back[0] = 0;
                    for (int d = 1; d < n - 1; d++) {
                        toLast[d] = d + 1;
                    }
                    toLast[n - 1] = 1;
                    back[1] = n - 1;
                    for (int d = 2; d < n; d++) {
                        back[d] = d - 1;
                    }
                    x = x.permute(toLast).contiguous().permute(back);
                    break;
                }
                default: throw new IllegalArgumentException(step);
            }
        }
        return x;
    }

    /** "[a, b] (s, t)" or "(s, t)": the strides. */
    private static int[] strides(String text) {
        String s = text.substring(text.lastIndexOf('(') + 1, text.lastIndexOf(')')).trim();
        return s.isEmpty() ? new int[0] : Arrays.stream(s.split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
    }

    private static String field(List<String> body, String name) {
        for (String l : body) {
            if (l.startsWith(name + " ") || l.equals(name)) {
                return l.length() > name.length() ? l.substring(name.length() + 1) : "";
            }
        }
        return null;
    }

    private static Tensor op(String name, Tensor v) {
        switch (name) {
            case "tensor": return Tensor.tensor(v);
            case "repeat_interleave": return v.repeatInterleave(2, 0);
            case "rot90_4": return v.rot90(4, 0, 1);
            case "rot90_0": return v.rot90(0, 0, 1);
            case "matrix_power_0": return v.linalgMatrixPower(0);
            case "matrix_power_1": return v.linalgMatrixPower(1);
            default: throw new IllegalArgumentException(name);
        }
    }

    private static void run(String name, List<String> body) {
        String[] base = field(body, "base").split(" ", 2);
        DType dtype = base[0].equals("float32") ? DType.FLOAT32 : DType.FLOAT64;
        String shapeText = base[1].substring(1, base[1].length() - 1).trim();
        int[] shape = shapeText.isEmpty() ? new int[0]
                : Arrays.stream(shapeText.split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
        Tensor x = seq(dtype, shape).requiresGrad_(true);
        Tensor v = apply(x, field(body, "recipe"));
        assertArrayEquals(strides(field(body, "view")), v.stride(), name + ": the view's strides");

        Tensor c = v.clone();
        assertArrayEquals(strides(field(body, "clone")), c.stride(), name + ": clone's strides");
        assertEquals(0, c.storageOffset(), name + ": clone's offset");
        Tensor expected = PyTorchCases.tensor(field(body, "out"));
        assertEquals(expected.dtype(), c.dtype());
        assertArrayEquals(expected.shape(), c.shape());
        assertArrayEquals(expected.toDoubleArray(), c.toDoubleArray(), 0.0, name + ": clone's values");
        assertEquals(field(body, "fn"), c.gradFn().name());
        assertArrayEquals(strides(field(body, "contiguous")), v.contiguous().stride(), name + ": contiguous()'s strides");

        double[] w = new double[(int) c.numel()];
        for (int k = 0; k < w.length; k++) {
            w[k] = 1 + 0.5 * ((3 * k) % 11);
        }
        c.mul(Tensor.tensor(w, DType.FLOAT64, Device.CPU).reshape(c.shape()).to(dtype)).sum().backward();
        Tensor grad = PyTorchCases.tensor(field(body, "grad"));
        assertArrayEquals(grad.shape(), x.grad().shape());
        assertArrayEquals(grad.toDoubleArray(), x.grad().toDoubleArray(), 0.0, name + ": gradient");

        int ops = 0;
        try (GradMode off = Ember.noGrad()) {
            for (String l : body) {
                if (l.startsWith("op ")) {
                    String[] p = l.split(" ", 3);
                    Tensor r = op(p[1], v);
                    assertArrayEquals(strides(p[2]), r.stride(), name + ": " + p[1] + "'s strides");
                    ops++;
                }
            }
        }
        assertTrue(ops > 0 || v.dim() == 0, name + ": no op lines");
    }

    @TestFactory
    List<DynamicTest> pytorchStrides() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, List<String>> c : ReferenceCases.read(RESOURCE).entrySet()) {
            tests.add(DynamicTest.dynamicTest(c.getKey(), () -> run(c.getKey(), c.getValue())));
        }
        assertEquals(22, tests.size());
        return tests;
    }

    @Test
    void contiguousReturnsAContiguousTensorItselfAndRecordsCloneOtherwise() {
        Tensor x = seq(DType.FLOAT64, new int[] {3, 4}).requiresGrad_(true);
        assertSame(x, x.contiguous());
        Tensor c = x.t().contiguous();
        assertNotSame(x, c);
        assertTrue(c.isContiguous());
        assertEquals("CloneBackward0", c.gradFn().name());
        // the transposed clone is not contiguous, and its contiguous() is a row-major copy of the same values
        Tensor kept = x.t().clone();
        assertTrue(!kept.isContiguous());
        assertArrayEquals(x.t().toDoubleArray(), kept.contiguous().toDoubleArray(), 0.0);
        assertArrayEquals(new int[] {3, 1}, kept.contiguous().stride());
    }

    @Test
    void aKeptLayoutReshapesAndViewsAsPyTorch() {
        Tensor x = seq(DType.FLOAT64, new int[] {3, 4});
        Tensor kept = x.t().clone();
        // view needs compatible strides: the transposed clone refuses to flatten as PyTorch's does; reshape copies
        String message = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> kept.view(12))
                .getMessage();
        assertTrue(message.startsWith("view size is not compatible with input tensor's size and stride"), message);
        assertArrayEquals(x.t().reshape(12).toDoubleArray(), kept.reshape(12).toDoubleArray(), 0.0);
    }

    @Test
    void anInt64CloneKeepsTheLayoutToo() {
        // PyTorch: torch.tensor([1, 2, 3, 4, 5, 6]).reshape(2, 3).t().clone().stride() == (1, 3)
        Tensor l = Tensor.tensor(new long[] {1, 2, 3, 4, 5, 6}).reshape(2, 3).t();
        Tensor c = l.clone();
        assertArrayEquals(new int[] {1, 3}, c.stride());
        assertArrayEquals(l.toDoubleArray(), c.toDoubleArray(), 0.0);
        assertEquals(DType.INT64, c.dtype());
    }
}
