package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradient through elu_, celu_ and selu_ (EluBackward1, CeluBackward1: elu_backward reading the in-place result)
 * bit for bit against PyTorch 1.13's ({@code elubackwardresult/make_expected.py}): {@code (g * negiptcoef) * (result +
 * negcoef)} in that order (celu with alpha other than 1 tells it apart from {@code (g * (result + negcoef)) *
 * negiptcoef}), a NaN result giving NaN in the vector part of a contiguous run and {@code g * scale} in its tail and in
 * strided runs, float32 and float64.
 */
class EluBackwardResultTest {
    @TestFactory
    List<DynamicTest> againstPyTorch() throws IOException {
        String text;
        try (InputStream in = EluBackwardResultTest.class.getResourceAsStream("/elubackwardresult/expected.txt")) {
            assertNotNull(in, "elubackwardresult/expected.txt on the test class path");
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        List<DynamicTest> tests = new ArrayList<>();
        Map<String, String> block = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.equals("end")) {
                Map<String, String> c = new HashMap<>(block);
                tests.add(DynamicTest.dynamicTest(c.get("case"), () -> check(c)));
                block.clear();
            } else {
                int space = line.indexOf(' ');
                block.put(line.substring(0, space), line.substring(space + 1));
            }
        }
        assertEquals(12, tests.size());
        return tests;
    }

    private static void check(Map<String, String> c) {
        boolean single = c.get("dtype").equals("float32");
        String[] view = c.get("view").split(" ");
        int[] shape = view[0].equals("contiguous") ? new int[] {Integer.parseInt(view[1])}
                : new int[] {Integer.parseInt(view[1]), Integer.parseInt(view[2])};
        Tensor x = tensor(c.get("x"), single, shape);
        if (view[0].equals("transposed")) {
            // PyTorch's input: a [cols, rows] base transposed, strided
            x = x.t().contiguous().t();
        }
        Tensor g = tensor(c.get("g"), single, shape);
        Tensor base = x.clone().requiresGrad_(true);
        String[] op = c.get("op").split(" ");
        Tensor y = switch (op[0]) {
            case "elu" -> Functional.elu_(base.clone(), Double.parseDouble(op[1]));
            case "celu" -> Functional.celu_(base.clone(), Double.parseDouble(op[1]));
            default -> Functional.selu_(base.clone());
        };
        y.backward(g);
        long[] expected = bits(c.get("grad"));
        Tensor grad = base.grad().contiguous();
        float[] gotFloats = single ? grad.toFloatArray() : null;
        double[] gotDoubles = single ? null : grad.toDoubleArray();
        int differ = 0;
        String first = null;
        for (int i = 0; i < expected.length; i++) {
            long got = single ? Float.floatToRawIntBits(gotFloats[i]) & 0xffffffffL
                    : Double.doubleToRawLongBits(gotDoubles[i]);
            boolean nan = single ? Float.isNaN(Float.intBitsToFloat((int) expected[i]))
                    : Double.isNaN(Double.longBitsToDouble(expected[i]));
            boolean gotNaN = single ? Float.isNaN(Float.intBitsToFloat((int) got)) : Double.isNaN(Double.longBitsToDouble(got));
            if (nan ? !gotNaN : got != expected[i]) {
                differ++;
                first = first == null ? "element " + i + ": expected bits " + Long.toHexString(expected[i]) + " got "
                        + Long.toHexString(got) : first;
            }
        }
        assertEquals(0, differ, c.get("case") + ": " + differ + " elements differ, first " + first);
        assertTrue(expected.length > 0);
    }

    private static long[] bits(String s) {
        String[] parts = s.split(" ");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Long.parseUnsignedLong(parts[i], 16);
        }
        return out;
    }

    private static Tensor tensor(String s, boolean single, int[] shape) {
        long[] b = bits(s);
        if (single) {
            float[] v = new float[b.length];
            for (int i = 0; i < b.length; i++) {
                v[i] = Float.intBitsToFloat((int) b[i]);
            }
            return Tensor.fromArray(v).reshape(shape);
        }
        double[] v = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            v[i] = Double.longBitsToDouble(b[i]);
        }
        return Tensor.fromArray(v).reshape(shape);
    }
}
