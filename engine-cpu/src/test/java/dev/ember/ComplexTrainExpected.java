package dev.ember;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The values of {@code complextrain/make_expected.py} (PyTorch 1.13, 2.x where noted): one array or word list a line. */
public final class ComplexTrainExpected {
    private static Map<String, String[]> lines;

    private ComplexTrainExpected() {
    }

    private static synchronized Map<String, String[]> all() {
        if (lines == null) {
            Map<String, String[]> m = new HashMap<>();
            try (InputStream in = ComplexTrainExpected.class.getResourceAsStream("/complextrain/expected.txt")) {
                assertNotNull(in, "complextrain/expected.txt");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line; (line = r.readLine()) != null; ) {
                    String[] w = line.split(" ");
                    if (w[0].equals("node") || w[0].equals("keys") || w[0].equals("note") || w[0].equals("error")) {
                        m.put(w[0] + " " + w[1], java.util.Arrays.copyOfRange(w, 2, w.length));
                    } else {
                        m.put(w[0], java.util.Arrays.copyOfRange(w, 1, w.length));
                    }
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            lines = m;
        }
        return lines;
    }

    /** The numbers of array {@code name}. */
    public static double[] values(String name) {
        String[] w = all().get(name);
        assertNotNull(w, name);
        double[] v = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            v[i] = Double.parseDouble(w[i]);
        }
        return v;
    }

    /** The words of a {@code node}, {@code keys}, {@code note} or {@code error} line of {@code name}. */
    public static String[] words(String kind, String name) {
        String[] w = all().get(kind + " " + name);
        assertNotNull(w, kind + " " + name);
        return w;
    }

    /** A complex128 tensor of {@code shape} from array {@code name}'s interleaved parts. */
    public static Tensor complex(String name, int... shape) {
        int[] s = java.util.Arrays.copyOf(shape, shape.length + 1);
        s[shape.length] = 2;
        return Tensor.tensor(values(name), DType.FLOAT64).reshape(s).viewAsComplex().clone();
    }

    /** A float64 tensor of {@code shape} from array {@code name}. */
    public static Tensor real(String name, int... shape) {
        return Tensor.tensor(values(name), DType.FLOAT64).reshape(shape);
    }

    /** Asserts {@code t}'s values (a complex tensor's interleaved parts) equal array {@code name}'s within {@code tol}. */
    public static void assertValues(String name, Tensor t, double tol) {
        Tensor r = t.detach();
        if (r.isComplex()) {
            r = r.viewAsReal();
        }
        double[] got = r.toDouble().contiguous().reshape(-1).toDoubleArray();
        double[] want = values(name);
        assertArrayEquals(want, got, tol, name);
    }
}
