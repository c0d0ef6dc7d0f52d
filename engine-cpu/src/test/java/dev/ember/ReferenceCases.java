package dev.ember;

import org.junit.jupiter.api.DynamicTest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cases a PyTorch script wrote with their inputs (as {@code tensorutils/make_expected.py} and
 * {@code gridsample/make_expected.py} do): {@code === name}, then {@code in<i> dtype [shape] : values} (floating inputs
 * require grad), and either {@code out ...}, {@code fn <node>} and {@code grad<i> ...} (the gradients of
 * {@code sum(out * w)}, {@code w[k] = 1 + 0.5 ((3k) mod 11)}; {@code none} where none reached the input), or
 * {@code error <Type> <message>}. Each case becomes a test that runs Ember's op on the same inputs and compares the
 * result's type, shape and values (NaN where NaN; float64 to 1e-12 relative, float32 to {@code float32Tolerance}), the
 * node, the gradients, or the message with every input unchanged.
 */
final class ReferenceCases {
    private ReferenceCases() {
    }

    static Map<String, List<String>> read(String resource) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        try (InputStream in = ReferenceCases.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            List<String> body = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("=== ")) {
                    body = new ArrayList<>();
                    out.put(line.substring(4), body);
                } else if (!line.isBlank()) {
                    body.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * A generator's {@code strings.txt}: its {@code key<TAB>value} lines, in order, a value's {@code \\n} read back as
     * the newline it stands for.
     */
    static Map<String, String> strings(String resource) {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream in = ReferenceCases.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    out.put(line.substring(0, tab), line.substring(tab + 1).replace("\\n", "\n"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** One case of an expected file: its lines by their first word (the rest of the line as the value). */
    record Case(String key, Map<String, String> lines) {
        String get(String name) {
            return lines.get(name);
        }
    }

    /** The cases of {@code resource}, each line keyed by its first word, in the file's order. */
    static List<Case> byFirstWord(String resource) {
        List<Case> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> c : read(resource).entrySet()) {
            Map<String, String> lines = new LinkedHashMap<>();
            for (String line : c.getValue()) {
                int sp = line.indexOf(' ');
                lines.put(sp < 0 ? line : line.substring(0, sp), sp < 0 ? "" : line.substring(sp + 1));
            }
            out.add(new Case(c.getKey(), lines));
        }
        return out;
    }

    private static String field(List<String> body, String name) {
        for (String l : body) {
            if (l.startsWith(name + " ")) {
                return l.substring(name.length() + 1);
            }
        }
        return null;
    }

    static void assertClose(String what, Tensor expected, Tensor got, double float32Tolerance) {
        assertClose(what, expected, got, float32Tolerance, 1e-12);
    }

    /** {@link #assertClose(String, Tensor, Tensor, double)} with the float64 (and complex128) tolerance given too. */
    static void assertClose(String what, Tensor expected, Tensor got, double float32Tolerance, double float64Tolerance) {
        assertEquals(expected.dtype(), got.dtype(), what + " dtype");
        assertArrayEquals(expected.shape(), got.shape(), what + " shape");
        // a complex tensor: its parts, compared as its real type's values
        double[] e = values(expected);
        double[] g = values(got);
        // half types: one rounding of the result apart (PyTorch computes in float32 and rounds once, as Ember does)
        double rel = got.dtype() == DType.FLOAT32 || got.dtype() == DType.COMPLEX64 ? float32Tolerance : got.dtype() == DType.FLOAT16 ? 1e-3
                : got.dtype() == DType.BFLOAT16 ? 8e-3 : float64Tolerance;
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(g[i])
                    : e[i] == g[i] || Math.abs(e[i] - g[i]) <= rel * Math.max(1, Math.abs(e[i]));
            assertTrue(ok, what + "[" + i + "]: PyTorch " + e[i] + ", Ember " + g[i]);
        }
    }

    /** The elements as doubles; a complex tensor's as its real view's (real, imaginary, real, ...). */
    static double[] values(Tensor t) {
        return t.isComplex() ? t.viewAsReal().toDoubleArray() : t.toDoubleArray();
    }

    static Tensor weights(int[] shape, DType dtype) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] w = new double[(int) n];
        for (int k = 0; k < w.length; k++) {
            w[k] = 1 + 0.5 * ((3 * k) % 11);
        }
        return Tensor.tensor(w, DType.FLOAT64, Device.CPU).reshape(shape).to(dtype);
    }

    /** One test per case of {@code resource}; {@code ops} maps a case name to the Ember call. */
    /** One dynamic test a case of {@code cases}, named by it, running {@code check(name, body)}. */
    static List<DynamicTest> each(Map<String, List<String>> cases, java.util.function.BiConsumer<String, List<String>> check) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, List<String>> c : cases.entrySet()) {
            tests.add(DynamicTest.dynamicTest(c.getKey(), () -> check.accept(c.getKey(), c.getValue())));
        }
        return tests;
    }

    static List<DynamicTest> tests(String resource, Function<String, Function<Tensor[], Tensor>> ops, double float32Tolerance) {
        return tests(resource, ops, float32Tolerance, 1e-12);
    }

    /** {@link #tests(String, Function, double)} with the float64 (and complex128) tolerance given too. */
    static List<DynamicTest> tests(String resource, Function<String, Function<Tensor[], Tensor>> ops, double float32Tolerance,
                                   double float64Tolerance) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, List<String>> c : read(resource).entrySet()) {
            String name = c.getKey();
            List<String> body = c.getValue();
            tests.add(DynamicTest.dynamicTest(name, () -> run(name, body, ops.apply(name), float32Tolerance, float64Tolerance)));
        }
        return tests;
    }

    private static void run(String name, List<String> body, Function<Tensor[], Tensor> op, double float32Tolerance,
                            double float64Tolerance) {
        List<Tensor> ins = new ArrayList<>();
        for (int i = 0; field(body, "in" + i) != null; i++) {
            Tensor t = PyTorchCases.tensor(field(body, "in" + i));
            ins.add(t.dtype().isFloatingPoint() || t.isComplex() ? t.requiresGrad_(true) : t);
        }
        Tensor[] a = ins.toArray(new Tensor[0]);
        String error = field(body, "error");
        if (error != null) {
            double[][] before = ins.stream().map(ReferenceCases::values).toArray(double[][]::new);
            Throwable e = assertThrows(RuntimeException.class, () -> op.apply(a));
            // the generators keep the first line of PyTorch's message; Ember's has PyTorch's further lines, if any
            String message = e.getMessage() == null ? null : e.getMessage().split("\n")[0];
            assertEquals(error.substring(error.indexOf(' ') + 1), message);
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(before[i], values(a[i]), "input " + i + " changed");
            }
            return;
        }
        Tensor out = op.apply(a);
        assertClose("out", PyTorchCases.tensor(field(body, "out")), out, float32Tolerance, float64Tolerance);
        assertEquals(field(body, "fn"), out.gradFn() == null ? "None" : out.gradFn().name());
        if (out.requiresGrad()) {
            // a complex output: the weighted sum of its parts (refcases.run_case's real loss)
            Tensor o = out.isComplex() ? out.viewAsReal() : out;
            o.mul(weights(o.shape(), o.dtype())).sum().backward();
            for (int i = 0; i < a.length; i++) {
                String g = field(body, "grad" + i);
                if ("none".equals(g)) {
                    assertEquals(null, a[i].grad(), "grad" + i);
                } else if (g != null) {
                    assertClose("grad" + i, PyTorchCases.tensor(g), a[i].grad(), float32Tolerance, float64Tolerance);
                }
            }
        }
    }
}
