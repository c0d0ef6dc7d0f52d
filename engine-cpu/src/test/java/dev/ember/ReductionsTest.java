package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The reductions of issue 14 against PyTorch (reductions/make_expected.py): prod over a dim, amax/amin, var/std with
 * corrections, varMean/stdMean, logsumexp, vector and matrix norms, any/all, countNonzero, nansum/nanmean, sum with a
 * dtype, and max/min/argmax/argmin with ties and NaN; each on contiguous, permuted (non-contiguous) and broadcast
 * (stride 0) inputs, over lists of dims with and without keepdim, with the input's gradient for a non-uniform upstream
 * gradient, and PyTorch's errors (which leave the input unchanged).
 *
 * <p>Values: float64 within 1e-12 relative, float32 within 4e-6 relative (PyTorch accumulates float32 sums in float,
 * Ember in double; exp, log, sqrt and pow round differently), both with an absolute floor of 1e-30 for zeros; NaN and
 * infinities exact; integers and bools exact.
 */
class ReductionsTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/reductions/expected.txt");
    private static final double INF = Double.POSITIVE_INFINITY;
    private static final double NAN = Double.NaN;
    private static final int[] SHAPE = {2, 3, 4};
    private static final String[] LAYOUTS = {"c", "t", "b"};

    // ------------------------------------------------------------------ inputs, as the script builds them

    interface Maker {
        Tensor make(int[] shape, int seed, String dtype);
    }

    static DType dtype(String name) {
        switch (name) {
            case "float32": return DType.FLOAT32;
            case "float64": return DType.FLOAT64;
            case "int64": return DType.INT64;
            default: return DType.BOOL;
        }
    }

    static int numel(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    /** ((i * 7 + seed) % 11 - 5) / 4 (int64: times 4). */
    static Tensor base(int[] shape, int seed, String dtype) {
        int n = numel(shape);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = ((i * 7 + seed) % 11 - 5) * 0.25;
        }
        Tensor t = Tensor.tensor(v, DType.FLOAT64).reshape(shape);
        return dtype.equals("int64") ? t.mul(4L).to(DType.INT64) : t.to(dtype(dtype));
    }

    static final double[] PROD_VALUES = {0.5, 1.0, -1.0, 2.0, 0.0, -0.5, 1.5, 0.0, 3.0, -2.0, 0.25};

    static Tensor prodValues(int[] shape, int seed, String dtype) {
        int n = numel(shape);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = PROD_VALUES[(i * 5 + seed) % PROD_VALUES.length];
        }
        return Tensor.tensor(v, DType.FLOAT64).reshape(shape).to(dtype(dtype));
    }

    static Tensor withNans(Tensor t) {
        double[] v = t.contiguous().toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            if (i % 5 == 2) {
                v[i] = NAN;
            }
        }
        return Tensor.tensor(v, DType.FLOAT64).to(t.dtype()).reshape(t.shape());
    }

    static Tensor layout(Maker make, int[] shape, int seed, String dtype, String kind) {
        switch (kind) {
            case "c":
                return make.make(shape, seed, dtype);
            case "t": {
                int n = shape.length;
                int[] rev = new int[n];
                int[] perm = new int[n];
                for (int i = 0; i < n; i++) {
                    rev[i] = shape[n - 1 - i];
                    perm[i] = n - 1 - i;
                }
                return make.make(rev, seed, dtype).permute(perm);
            }
            default: {
                int[] one = shape.clone();
                one[0] = 1;
                return make.make(one, seed, dtype).expand(shape);
            }
        }
    }

    static Tensor upLike(Tensor y) {
        int n = (int) y.numel();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * 0.5 + 0.5;
        }
        return Tensor.tensor(v, DType.FLOAT64).reshape(y.shape()).to(y.dtype());
    }

    static String dimsKey(int[] dims) {
        if (dims == null) {
            return "all";
        }
        if (dims.length == 0) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        for (int d : dims) {
            b.append(b.length() == 0 ? "" : ",").append(d);
        }
        return b.toString();
    }

    /** Python's repr of a float (the script's keys): 2.0, inf, -inf, 0.5. */
    static String py(double v) {
        return v == INF ? "inf" : v == -INF ? "-inf" : Double.toString(v);
    }

    static String py(boolean b) {
        return b ? "True" : "False";
    }

    // ------------------------------------------------------------------ the cases, as the script lists them

    record Case(String key, Supplier<Tensor> input, Function<Tensor, Tensor> op, boolean grad) {
    }

    static Case c(String key, Supplier<Tensor> input, Function<Tensor, Tensor> op) {
        return new Case(key, input, op, true);
    }

    static Case noGrad(String key, Supplier<Tensor> input, Function<Tensor, Tensor> op) {
        return new Case(key, input, op, false);
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        String[] floats = {"float32", "float64"};
        for (String dt : floats) {
            for (String kind : LAYOUTS) {
                for (int dim : new int[] {0, 1, -1}) {
                    for (boolean keep : new boolean[] {false, true}) {
                        c.add(c("prod|" + dt + "|" + kind + "|" + dim + "|" + py(keep),
                                () -> layout(ReductionsTest::prodValues, SHAPE, 3, dt, kind), x -> x.prod(dim, keep)));
                    }
                }
            }
        }
        c.add(c("prod|int64", () -> base(new int[] {3, 4}, 1, "int64"), x -> x.prod(1, false)));
        c.add(c("prod|bool", () -> Tensor.tensor(new boolean[][] {{true, false}, {true, true}}), x -> x.prod(0, false)));
        c.add(c("prod|empty", () -> Tensor.zeros(2, 0), x -> x.prod(1, false)));
        c.add(c("prod|scalar", () -> Tensor.scalar(2.5), x -> x.prod(0, false)));
        c.add(c("prod|dim_error", () -> Tensor.zeros(2, 3), x -> x.prod(5, false)));

        int[][] amaxDims = {null, {0}, {1, 2}, {-1}, {2, 0}};
        for (String name : new String[] {"amax", "amin"}) {
            boolean max = name.equals("amax");
            for (String dt : floats) {
                for (String kind : LAYOUTS) {
                    for (int[] dims : amaxDims) {
                        for (boolean keep : new boolean[] {false, true}) {
                            c.add(c(name + "|" + dt + "|" + kind + "|" + dimsKey(dims) + "|" + py(keep),
                                    () -> layout(ReductionsTest::base, SHAPE, 2, dt, kind),
                                    x -> max ? x.amax(dims, keep) : x.amin(dims, keep)));
                        }
                    }
                }
                c.add(c(name + "|" + dt + "|nan", () -> withNans(base(SHAPE, 2, dt)),
                        x -> max ? x.amax(new int[] {1}, false) : x.amin(new int[] {1}, false)));
            }
            c.add(c(name + "|int64", () -> base(SHAPE, 2, "int64"),
                    x -> max ? x.amax(new int[] {0, 2}, false) : x.amin(new int[] {0, 2}, false)));
            c.add(c(name + "|bool", () -> Tensor.tensor(new boolean[][] {{true, false}, {false, false}}),
                    x -> max ? x.amax(new int[] {1}, false) : x.amin(new int[] {1}, false)));
            c.add(c(name + "|empty_error", () -> Tensor.zeros(0, 3),
                    x -> max ? x.amax(new int[] {0}, false) : x.amin(new int[] {0}, false)));
            c.add(c(name + "|empty_ok", () -> Tensor.zeros(0, 3),
                    x -> max ? x.amax(new int[] {1}, false) : x.amin(new int[] {1}, false)));
            c.add(c(name + "|dup_error", () -> Tensor.zeros(2, 3),
                    x -> max ? x.amax(new int[] {0, -2}, false) : x.amin(new int[] {0, -2}, false)));
        }

        int[][] varDims = {null, {0}, {1, 2}, {-1}};
        for (String name : new String[] {"var", "std", "var_mean", "std_mean"}) {
            for (String dt : floats) {
                for (String kind : new String[] {"c", "t"}) {
                    for (int[] dims : varDims) {
                        for (int corr : new int[] {0, 1, 2}) {
                            for (boolean keep : new boolean[] {false, true}) {
                                if (dims == null && keep) {
                                    continue;
                                }
                                int[] d = dims == null && corr != 1 ? new int[] {0, 1, 2} : dims;
                                c.add(c(name + "|" + dt + "|" + kind + "|" + dimsKey(dims) + "|" + corr + "|" + py(keep),
                                        () -> layout(ReductionsTest::base, SHAPE, 5, dt, kind), x -> variance(name, x, d, corr, keep)));
                            }
                        }
                    }
                }
            }
            c.add(c(name + "|int_error", () -> base(new int[] {3}, 1, "int64"), x -> variance(name, x, new int[] {0}, 1, false)));
        }
        c.add(c("var_mean|mean|float64|c|1|False", () -> base(SHAPE, 5, "float64"),
                x -> x.varMean(new int[] {1}, 1, false).mean()));
        c.add(c("var_mean|mean|float64|c|all", () -> base(SHAPE, 5, "float64"), x -> x.varMean().mean()));
        c.add(c("std_mean|mean|float64|c|1|False", () -> base(SHAPE, 5, "float64"),
                x -> x.stdMean(new int[] {1}, 1, false).mean()));
        c.add(c("std_mean|mean|float64|c|all", () -> base(SHAPE, 5, "float64"), x -> x.stdMean().mean()));
        c.add(c("var|dof0", () -> Tensor.tensor(new double[] {0.5, 1.0, 1.5}, DType.FLOAT64), x -> x.var(null, 3, false)));
        c.add(c("var|dims_dof_negative", () -> Tensor.tensor(new float[][] {{1f, 2f}}), x -> x.var(new int[] {1}, 3, false)));

        for (String dt : floats) {
            for (String kind : LAYOUTS) {
                for (int[] dims : new int[][] {{0}, {1, 2}, {-1}, {0, 1, 2}}) {
                    for (boolean keep : new boolean[] {false, true}) {
                        c.add(c("logsumexp|" + dt + "|" + kind + "|" + dimsKey(dims) + "|" + py(keep),
                                () -> layout(ReductionsTest::base, SHAPE, 4, dt, kind), x -> x.mul(8L).logsumexp(dims, keep)));
                    }
                }
            }
        }
        c.add(c("logsumexp|inf", () -> Tensor.tensor(new double[][] {{-INF, -INF}, {INF, 1}, {NAN, 1}}, DType.FLOAT32),
                x -> x.logsumexp(1)));
        c.add(c("logsumexp|int64", () -> Tensor.tensor(new long[][] {{1, 2}, {3, 4}}), x -> x.logsumexp(1)));
        c.add(c("logsumexp|empty", () -> Tensor.zeros(0, 3), x -> x.logsumexp(0)));
        c.add(c("logsumexp|empty1", () -> Tensor.zeros(0, 3), x -> x.logsumexp(1)));
        c.add(c("logsumexp|dim_error", () -> Tensor.zeros(2), x -> x.logsumexp(3)));

        double[] ords = {2.0, 1.0, INF, -INF, 0.0, 3.0, 0.5, -1.0, 1.5};
        for (String dt : floats) {
            for (String kind : LAYOUTS) {
                for (double o : ords) {
                    for (int[] dims : new int[][] {null, {1}, {0, 2}}) {
                        for (boolean keep : new boolean[] {false, true}) {
                            if (dims == null && keep) {
                                continue;
                            }
                            c.add(c("vector_norm|" + dt + "|" + kind + "|" + py(o) + "|" + dimsKey(dims) + "|" + py(keep),
                                    () -> layout(ReductionsTest::base, SHAPE, 6, dt, kind),
                                    // Tensor.norm is linalg.vector_norm in PyTorch 2.x: both spellings, alternately
                                    kind.equals("t") ? x -> x.norm(o, dims, keep) : x -> x.vectorNorm(o, dims, keep)));
                        }
                    }
                }
            }
        }
        for (double o : ords) {
            c.add(c("vector_norm|zeros|" + py(o), () -> Tensor.zeros(2, 3), x -> x.vectorNorm(o, new int[] {1}, false)));
        }
        c.add(c("vector_norm|int_error", () -> Tensor.tensor(new long[] {3, 4}), Tensor::norm));
        c.add(c("vector_norm|empty_inf_error", () -> Tensor.zeros(0, 3), x -> x.norm(INF)));
        c.add(c("vector_norm|empty_neg_error", () -> Tensor.zeros(0, 3), x -> x.norm(-1.0)));
        c.add(c("vector_norm|empty_dim_error", () -> Tensor.zeros(2, 0), x -> x.vectorNorm(INF, new int[] {1}, false)));
        c.add(c("vector_norm|empty_ok", () -> Tensor.zeros(2, 0), x -> x.vectorNorm(INF, new int[] {0}, false)));
        c.add(c("vector_norm|empty_2", () -> Tensor.zeros(0, 3), Tensor::norm));

        for (String dt : floats) {
            for (String kind : new String[] {"c", "t"}) {
                for (Object o : new Object[] {"fro", 1.0, -1.0, INF, -INF}) {
                    for (int[] dims : new int[][] {{-2, -1}, {0, 2}, {2, 0}}) {
                        for (boolean keep : new boolean[] {false, true}) {
                            String ok = o instanceof String ? (String) o : py((Double) o);
                            c.add(c("matrix_norm|" + dt + "|" + kind + "|" + ok + "|" + dimsKey(dims) + "|" + py(keep),
                                    () -> layout(ReductionsTest::base, SHAPE, 7, dt, kind),
                                    o instanceof String ? x -> x.matrixNorm((String) o, dims, keep)
                                            : x -> x.matrixNorm((Double) o, dims, keep)));
                        }
                    }
                }
            }
        }
        c.add(c("matrix_norm|1d_error", () -> Tensor.ones(3), Tensor::matrixNorm));
        c.add(c("matrix_norm|order_error", () -> Tensor.ones(3, 3), x -> x.matrixNorm(3.0, null, false)));
        c.add(c("matrix_norm|order_str_error", () -> Tensor.ones(3, 3), x -> x.matrixNorm("abc", null, false)));
        c.add(c("matrix_norm|same_dims_error", () -> Tensor.ones(3, 3), x -> x.matrixNorm("fro", new int[] {0, -2}, false)));
        c.add(c("matrix_norm|dims_error", () -> Tensor.ones(3, 3, 3), x -> x.matrixNorm("fro", new int[] {0, 1, 2}, false)));
        c.add(c("matrix_norm|int_error", () -> Tensor.ones(DType.INT64, 3, 3), Tensor::matrixNorm));
        c.add(c("matrix_norm|empty_1", () -> Tensor.zeros(0, 3), x -> x.matrixNorm(1.0, null, false)));
        c.add(c("matrix_norm|empty_inf_error", () -> Tensor.zeros(0, 3), x -> x.matrixNorm(INF, null, false)));

        for (String name : new String[] {"any", "all"}) {
            boolean any = name.equals("any");
            for (String dt : new String[] {"float32", "int64", "bool"}) {
                for (int dim : new int[] {0, 1, -1}) {
                    for (boolean keep : new boolean[] {false, true}) {
                        c.add(noGrad(name + "|" + dt + "|" + dim + "|" + py(keep), () -> anyInput(dt),
                                x -> any ? x.any(new int[] {dim}, keep) : x.all(new int[] {dim}, keep)));
                    }
                }
            }
            c.add(noGrad(name + "|nan", () -> Tensor.tensor(new double[][] {{NAN, 0}, {0, 0}}, DType.FLOAT32),
                    x -> any ? x.any(1) : x.all(1)));
            c.add(noGrad(name + "|empty", () -> Tensor.zeros(2, 0), x -> any ? x.any(1) : x.all(1)));
        }
        for (int[] dims : new int[][] {{}, {0}, {1}, {0, 1}}) {
            c.add(noGrad("count_nonzero|" + dimsKey(dims), () -> base(new int[] {3, 4}, 1, "float32")
                    .mul(base(new int[] {3, 4}, 2, "float32").gt(0L)), x -> x.countNonzero(dims)));
        }

        for (String name : new String[] {"nansum", "nanmean"}) {
            boolean sum = name.equals("nansum");
            for (String dt : floats) {
                for (String kind : new String[] {"c", "t"}) {
                    for (int[] dims : new int[][] {null, {0}, {1, 2}}) {
                        for (boolean keep : new boolean[] {false, true}) {
                            if (dims == null && keep) {
                                continue;
                            }
                            c.add(c(name + "|" + dt + "|" + kind + "|" + dimsKey(dims) + "|" + py(keep),
                                    () -> withNans(layout(ReductionsTest::base, SHAPE, 8, dt, kind).contiguous()),
                                    dims == null ? (sum ? Tensor::nansum : Tensor::nanmean)
                                            : x -> sum ? x.nansum(dims, keep) : x.nanmean(dims, keep)));
                        }
                    }
                }
            }
            c.add(c(name + "|all_nan", () -> Tensor.tensor(new double[][] {{NAN, NAN}, {1, NAN}}, DType.FLOAT32),
                    x -> sum ? x.nansum(new int[] {1}, false) : x.nanmean(new int[] {1}, false)));
        }
        c.add(c("nansum|int64", () -> base(new int[] {3, 4}, 1, "int64"), x -> x.nansum(new int[] {1}, false)));
        c.add(c("nanmean|int_error", () -> base(new int[] {3, 4}, 1, "int64"), Tensor::nanmean));

        c.add(noGrad("sum_dtype|int64_f32", () -> base(new int[] {3, 4}, 1, "int64"),
                x -> x.sum(new int[] {1}, false, DType.FLOAT32)));
        c.add(noGrad("sum_dtype|int64_f64_all", () -> base(new int[] {3, 4}, 1, "int64"), x -> x.sum(DType.FLOAT64)));
        c.add(noGrad("sum_dtype|bool_int64", () -> Tensor.tensor(new boolean[][] {{true, false}, {true, true}}),
                x -> x.sum(new int[] {0}, false, DType.INT64)));
        c.add(c("sum_dtype|f32_f64", () -> base(new int[] {3, 4}, 1, "float32"), x -> x.sum(new int[] {0, 1}, true, DType.FLOAT64)));
        c.add(c("sum_dtype|f64_f32", () -> base(new int[] {3, 4}, 1, "float64"), x -> x.sum(DType.FLOAT32)));

        double[][] ties = {{1, 3, 3, 0}, {2, 2, -1, -1}, {NAN, 1, NAN, 5}};
        for (String name : new String[] {"max", "min"}) {
            boolean max = name.equals("max");
            for (int dim : new int[] {0, 1}) {
                c.add(c(name + "_values|" + dim, () -> Tensor.tensor(ties, DType.FLOAT32),
                        x -> (max ? x.max(dim, false) : x.min(dim, false)).values()));
                c.add(noGrad(name + "_indices|" + dim, () -> Tensor.tensor(ties, DType.FLOAT32),
                        x -> (max ? x.max(dim, false) : x.min(dim, false)).indices()));
                c.add(noGrad("arg" + name + "|" + dim, () -> Tensor.tensor(ties, DType.FLOAT32),
                        x -> max ? x.argmax(dim, false) : x.argmin(dim, false)));
            }
            c.add(c(name + "_all|ties", () -> Tensor.tensor(new float[][] {{1, 3}, {3, -2}}), x -> max ? x.max() : x.min()));
        }
        return c;
    }

    static Tensor variance(String name, Tensor x, int[] dims, int corr, boolean keep) {
        switch (name) {
            case "var": return dims == null ? x.var() : x.var(dims, corr, keep);
            case "std": return dims == null ? x.std() : x.std(dims, corr, keep);
            case "var_mean": return dims == null ? x.varMean().var() : x.varMean(dims, corr, keep).var();
            default: return dims == null ? x.stdMean().std() : x.stdMean(dims, corr, keep).std();
        }
    }

    static Tensor anyInput(String dt) {
        if (dt.equals("bool")) {
            return base(new int[] {3, 4}, 1, "float64").abs().gt(0.6);
        }
        return base(new int[] {3, 4}, 1, dt).mul(base(new int[] {3, 4}, 2, dt).gt(0L));
    }

    // ------------------------------------------------------------------ checks

    @TestFactory
    List<DynamicTest> matchPyTorch() {
        List<DynamicTest> t = new ArrayList<>();
        for (Case k : cases()) {
            t.add(DynamicTest.dynamicTest(k.key(), () -> check(k)));
        }
        return t;
    }

    /** Every block of expected.txt is a case here and every case has its block. */
    @Test
    void everyExpectedBlockIsChecked() throws IOException {
        Set<String> keys = new LinkedHashSet<>();
        for (Case k : cases()) {
            assertTrue(keys.add(k.key()), "duplicate case " + k.key());
        }
        Set<String> file = new LinkedHashSet<>();
        try (InputStream in = ReductionsTest.class.getResourceAsStream("/reductions/expected.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("=== ")) {
                    file.add(line.substring(4));
                }
            }
        }
        assertEquals(file, keys);
    }

    private static boolean failsInPyTorch(String key) {
        try {
            TORCH.error(key);
            return true;
        } catch (IllegalStateException notAnError) {
            return false;
        }
    }

    static void check(Case k) {
        Tensor x = k.input().get();
        if (k.grad() && x.dtype().isFloatingPoint()) {
            x = x.detach().clone().requiresGrad_(true);
        }
        Tensor in = x;
        if (failsInPyTorch(k.key())) {
            double[] before = in.numel() > 0 ? in.toDoubleArray() : new double[0];
            Throwable e = assertThrows(TORCH.errorType(k.key()), () -> k.op().apply(in), k.key());
            assertEquals(TORCH.error(k.key()), e.getMessage(), k.key());
            assertArrayEquals(before, in.numel() > 0 ? in.toDoubleArray() : new double[0], k.key() + ": input changed");
            return;
        }
        Tensor y = k.op().apply(in);
        assertEquals(TORCH.field(k.key(), "dtype"), y.dtype().torchName().substring("torch.".length()), k.key() + " dtype");
        assertArrayEquals(PyTorchCases.numbers(TORCH.field(k.key(), "shape")), toDoubles(y.shape()), k.key() + " shape");
        assertClose(k.key() + " values", PyTorchCases.numbers(TORCH.field(k.key(), "values")), y);
        String grad;
        try {
            grad = TORCH.field(k.key(), "grad");
        } catch (IllegalStateException none) {
            return;
        }
        y.backward(upLike(y));
        if (grad.equals("none")) {
            assertNull(in.grad(), k.key() + ": PyTorch gives no gradient");
            return;
        }
        assertTrue(in.grad() != null, k.key() + ": no gradient");
        assertClose(k.key() + " grad", PyTorchCases.numbers(grad), in.grad());
    }

    private static double[] toDoubles(int[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static void assertClose(String what, double[] want, Tensor got) {
        double[] g = got.numel() == 0 ? new double[0] : got.toDoubleArray();
        assertEquals(want.length, g.length, what + " numel");
        double rtol = got.dtype() == DType.FLOAT32 ? 4e-6 : got.dtype() == DType.FLOAT64 ? 1e-12 : 0;
        for (int i = 0; i < want.length; i++) {
            double w = want[i];
            double v = g[i];
            boolean ok = Double.isNaN(w) ? Double.isNaN(v) : Double.isInfinite(w) ? w == v
                    : Math.abs(v - w) <= rtol * Math.abs(w) + (rtol == 0 ? 0 : 1e-30);
            if (!ok) {
                fail(what + " element " + i + ": expected " + w + ", got " + v);
            }
        }
    }
}
