package dev.ember;

import org.junit.jupiter.api.function.Executable;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The expected results of {@code shapesort/make_expected.py} for ShapeOpsTest and SortOpsTest: inputs rebuilt from
 * their printed values, results compared in shape, type and values (floats to their precision, NaN to NaN, the sign of
 * zero included), errors in type and message with the inputs unchanged.
 */
final class ShapeSortCases {
    static final PyTorchCases TORCH = new PyTorchCases("/shapesort/expected.txt");

    private ShapeSortCases() {
    }

    private static int[] ints(String repr) {
        return Arrays.stream(PyTorchCases.numbers(repr)).mapToInt(d -> (int) d).toArray();
    }

    static DType dtype(String name) {
        switch (name) {
            case "float32": return DType.FLOAT32;
            case "float64": return DType.FLOAT64;
            case "int64": return DType.INT64;
            case "bool": return DType.BOOL;
            default: throw new IllegalStateException("dtype " + name);
        }
    }

    /** The input {@code in.<name>}, rebuilt exactly. */
    static Tensor input(String name) {
        String key = "in." + name;
        return build(ints(TORCH.field(key, "shape")), dtype(TORCH.field(key, "dtype")),
                PyTorchCases.numbers(TORCH.field(key, "values")));
    }

    static Tensor build(int[] shape, DType t, double[] v) {
        Tensor flat;
        switch (t) {
            case FLOAT32: {
                float[] a = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    a[i] = (float) v[i];
                }
                flat = Tensor.tensor(a);
                break;
            }
            case FLOAT64:
                flat = Tensor.tensor(v.clone(), DType.FLOAT64);
                break;
            case INT64:
                flat = Tensor.tensor(Arrays.stream(v).mapToLong(d -> (long) d).toArray());
                break;
            default: {
                boolean[] a = new boolean[v.length];
                for (int i = 0; i < v.length; i++) {
                    a[i] = v[i] != 0;
                }
                flat = Tensor.tensor(a);
            }
        }
        return flat.reshape(shape);
    }

    /** A tensor case: shape, type and values. */
    static void check(String key, Tensor actual) {
        assertArrayEquals(ints(TORCH.field(key, "shape")), actual.shape(), key + " shape");
        DType t = dtype(TORCH.field(key, "dtype"));
        assertEquals(t, actual.dtype(), key + " dtype");
        assertValues(key, PyTorchCases.numbers(TORCH.field(key, "values")), actual.toDoubleArray(), t);
    }

    static void assertValues(String what, double[] expected, double[] got, DType t) {
        assertEquals(expected.length, got.length, what + " length");
        double rel = t == DType.FLOAT32 ? 2e-6 : t == DType.FLOAT64 ? 1e-12 : 0;
        for (int i = 0; i < got.length; i++) {
            double e = expected[i];
            double g = got[i];
            if (Double.isNaN(e)) {
                assertTrue(Double.isNaN(g), what + "[" + i + "] = " + g + ", expected nan");
            } else if (e == 0 && g == 0) {
                assertEquals(Double.doubleToLongBits(e), Double.doubleToLongBits(g), what + "[" + i + "]: sign of zero");
            } else {
                assertEquals(e, g, rel * Math.max(1, Math.abs(e)), what + "[" + i + "]");
            }
        }
    }

    static void check(String key, Tensor.ValuesIndices r) {
        check(key + ".values", r.values());
        check(key + ".indices", r.indices());
    }

    static void check(String key, List<Tensor> ts) {
        assertEquals(Integer.parseInt(TORCH.field(key, "n")), ts.size(), key + " count");
        for (int i = 0; i < ts.size(); i++) {
            check(key + "." + i, ts.get(i));
        }
    }

    /** A tuple result of unique: values, then inverse and counts when the case has them. */
    static void check(String key, UniqueResult u, boolean inverse, boolean counts) {
        int n = Integer.parseInt(TORCH.field(key, "n"));
        assertEquals(1 + (inverse ? 1 : 0) + (counts ? 1 : 0), n, key + " parts");
        check(key + ".0", u.values());
        int at = 1;
        if (inverse) {
            check(key + "." + at++, u.inverse());
        }
        if (counts) {
            check(key + "." + at, u.counts());
        }
    }

    /** PyTorch's node names of the given tensors, in order. */
    static void names(String key, Tensor... ts) {
        String expected = TORCH.field(key, "names");
        StringBuilder got = new StringBuilder("[");
        for (int i = 0; i < ts.length; i++) {
            Node n = ts[i].gradFn();
            got.append(i > 0 ? ", " : "").append('\'').append(n == null ? "None" : n.name()).append('\'');
        }
        assertEquals(expected, got.append(']').toString(), key);
    }

    /** Fails as PyTorch (Java type for the Python one, the message's first line), leaving {@code untouched} as it was. */
    static void fails(String key, Executable call, Tensor... untouched) {
        double[][] before = new double[untouched.length][];
        int[] versions = new int[untouched.length];
        for (int i = 0; i < untouched.length; i++) {
            before[i] = untouched[i].toDoubleArray();
            versions[i] = untouched[i].version();
        }
        Throwable e = assertThrows(TORCH.errorType(key), call, key);
        assertEquals(TORCH.error(key), e.getMessage().split("\n")[0], key);
        for (int i = 0; i < untouched.length; i++) {
            assertArrayEquals(before[i], untouched[i].toDoubleArray(), key + ": input changed");
            assertEquals(versions[i], untouched[i].version(), key + ": input version changed");
        }
    }

    /** The input's gradient after {@code f(x).backward(weights)}, as the case {@code grad(...)} of the script. */
    static Tensor grad(Tensor x, java.util.function.Function<Tensor, Tensor> f, int... weightShape) {
        Tensor leaf = x.detach().clone().requiresGrad_(true);
        Tensor out = f.apply(leaf);
        out.backward(weights(weightShape));
        return leaf.grad();
    }

    /** The script's weights: {@code (arange(n) % 7 - 3) / 4} in float64, shaped. */
    static Tensor weights(int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = (i % 7 - 3) / 4.0;
        }
        return Tensor.tensor(w, DType.FLOAT64).reshape(shape);
    }
}
