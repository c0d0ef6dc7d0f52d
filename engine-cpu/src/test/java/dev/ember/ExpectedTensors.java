package dev.ember;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Test support: expected tensors a generator wrote one per line, {@code key TAB [shape] TAB values} (values as Python's
 * {@code repr} of floats, {@code inf}/{@code -inf}/{@code nan} included), and scalars as {@code key TAB value}; held
 * as float64 tensors, compared with a relative tolerance or exactly.
 */
public final class ExpectedTensors {
    private final Map<String, Tensor> tensors = new HashMap<>();
    private final Map<String, Double> scalars = new HashMap<>();

    private ExpectedTensors() {
    }

    /** Reads the resource (a class-path path such as {@code /flexattention/expected.txt}). */
    public static ExpectedTensors load(String resource) {
        ExpectedTensors e = new ExpectedTensors();
        try (InputStream in = ExpectedTensors.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.split("\t", -1); // -1: an empty tensor's line ends in its empty values
                if (f.length == 2) {
                    e.scalars.put(f[0], pyFloat(f[1]));
                } else if (f.length == 3) {
                    int[] shape = Arrays.stream(f[1].replaceAll("[\\[\\] ]", "").split(",")).filter(s -> !s.isEmpty())
                        .mapToInt(Integer::parseInt).toArray();
                    double[] v = f[2].isEmpty() ? new double[0]
                        : Arrays.stream(f[2].split(" ")).mapToDouble(ExpectedTensors::pyFloat).toArray();
                    e.tensors.put(f[0], Tensor.tensor(v, DType.FLOAT64).reshape(shape));
                }
            }
        } catch (IOException x) {
            throw new IllegalStateException(x);
        }
        return e;
    }

    /** Python's repr of a float: {@code inf}, {@code -inf}, {@code nan} or a decimal. */
    static double pyFloat(String s) {
        switch (s) {
            case "inf":
                return Double.POSITIVE_INFINITY;
            case "-inf":
                return Double.NEGATIVE_INFINITY;
            case "nan":
                return Double.NaN;
            default:
                return Double.parseDouble(s);
        }
    }

    /** The tensor under {@code key} (float64; a copy, so callers may make it require grad). */
    public Tensor get(String key) {
        Tensor t = tensors.get(key);
        if (t == null) {
            throw new IllegalStateException("no expected tensor " + key);
        }
        return t.clone();
    }

    /** The scalar under {@code key}. */
    public double scalar(String key) {
        Double v = scalars.get(key);
        if (v == null) {
            throw new IllegalStateException("no expected scalar " + key);
        }
        return v;
    }

    /** {@code got} equals the tensor under {@code key} within {@code tol * (1 + |expected|)}, infinities exactly. */
    public void assertClose(String key, Tensor got, double tol) {
        Tensor want = get(key);
        assertArrayEquals(want.shape(), got.shape(), key + " shape");
        double[] w = want.toDoubleArray();
        double[] g = got.detach().to(DType.FLOAT64).toDoubleArray();
        for (int i = 0; i < w.length; i++) {
            if (Double.isInfinite(w[i])) {
                assertEquals(w[i], g[i], key + "[" + i + "]");
            } else {
                assertEquals(w[i], g[i], tol * (1 + Math.abs(w[i])), key + "[" + i + "]");
            }
        }
    }

    /** {@code got} equals the tensor under {@code key} exactly (shape and values). */
    public void assertExact(String key, Tensor got) {
        assertArrayEquals(get(key).shape(), got.shape(), key + " shape");
        assertArrayEquals(get(key).toDoubleArray(), got.detach().to(DType.FLOAT64).toDoubleArray(), 0, key);
    }
}
