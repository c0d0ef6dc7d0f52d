package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A sweep of PyTorch's {@code x[...]} ({@link Tensor#index}) and {@code x[...] = v} ({@link Tensor#indexPut_}) against
 * {@code indexingsweep/make_expected.py}: shapes, types, values, view-or-copy, gradients, grad_fn names and errors. The
 * case key carries the whole case (see the script's header for its grammar). A failure message starts with its kind
 * (VALUES, SHAPE, DTYPE, GRAD, VIEW, MISSING-ERROR, UNEXPECTED-ERROR, ERROR-TYPE, NODE, WORDING).
 */
class IndexingSweepTest {
    private static final String RESOURCE = "/indexingsweep/expected.txt";
    private static final PyTorchCases TORCH = new PyTorchCases(RESOURCE);

    // ------------------------------------------------------------------ parsing the key

    static int[] shapeOf(String s) {
        s = s.trim();
        if (s.isEmpty()) {
            return new int[0];
        }
        return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    static Tensor tensorOf(String tok) {
        char kind = tok.charAt(0);
        String[] parts = tok.substring(2).split("\\)=", -1);
        int[] shape = shapeOf(parts[0]);
        String vals = parts[1];
        DType dt;
        switch (kind) {
            case 'B': dt = DType.BOOL; break;
            case 'L': dt = DType.INT64; break;
            case 'I': dt = DType.INT32; break;
            case 'F': dt = DType.FLOAT32; break;
            case 'D': dt = DType.FLOAT64; break;
            default: throw new IllegalStateException(tok);
        }
        if (numel(shape) == 0) {
            return Tensor.zeros(dt, shape);
        }
        Tensor t;
        if (dt == DType.BOOL) {
            boolean[] b = new boolean[vals.length()];
            for (int i = 0; i < b.length; i++) {
                b[i] = vals.charAt(i) == '1';
            }
            t = shape.length == 0 ? Tensor.tensor(b[0], DType.BOOL) : Tensor.tensor(b, DType.BOOL);
        } else {
            double[] d = Arrays.stream(vals.split(",")).mapToDouble(Double::parseDouble).toArray();
            t = shape.length == 0 ? Tensor.tensor(d[0], DType.FLOAT64) : Tensor.tensor(d, DType.FLOAT64);
            t = t.to(dt);
        }
        return shape.length == 0 ? t : t.reshape(shape);
    }

    static Index entry(String tok) {
        if (tok.equals("N")) {
            return Index.newAxis();
        }
        if (tok.equals("E")) {
            return Index.ellipsis();
        }
        if (tok.charAt(0) == 'i') {
            return Index.of(Integer.parseInt(tok.substring(1)));
        }
        if (tok.charAt(0) == 's') {
            String[] p = tok.substring(1).split(":", -1);
            Integer[] v = new Integer[3];
            for (int i = 0; i < 3; i++) {
                v[i] = p[i].equals("_") ? null : Integer.valueOf(p[i]);
            }
            return Index.slice(v[0], v[1], v[2]);
        }
        return Index.of(tensorOf(tok));
    }

    static Index[] indexOf(String spec) {
        if (spec.equals("()")) {
            return new Index[0];
        }
        return Arrays.stream(spec.split("\\|")).map(IndexingSweepTest::entry).toArray(Index[]::new);
    }

    static Tensor base(String dtype, int[] shape) {
        DType dt = dtype.equals("float64") ? DType.FLOAT64 : DType.INT64;
        Tensor t = Tensor.arange(0, numel(shape), 1, DType.FLOAT64).to(dt);
        return t.reshape(shape);
    }

    static String torchName(DType t) {
        switch (t) {
            case FLOAT64: return "torch.float64";
            case FLOAT32: return "torch.float32";
            case INT64: return "torch.int64";
            case INT32: return "torch.int32";
            case BOOL: return "torch.bool";
            default: return t.toString();
        }
    }

    static String gradName(Tensor t) {
        return t.gradFn() == null ? "None" : t.gradFn().name();
    }

    static Tensor weights(Tensor y) {
        return Tensor.arange(1, y.numel() + 1, 1, DType.FLOAT64).reshape(y.shape());
    }

    // ------------------------------------------------------------------ comparison

    static boolean isError(String key) {
        try {
            TORCH.error(key);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    interface Body {
        void run() throws Throwable;
    }

    /** Runs an expected-to-fail case and compares the exception. */
    static void expectError(String key, Body body) {
        Throwable got = null;
        try {
            body.run();
        } catch (Throwable t) {
            got = t;
        }
        String msg = TORCH.error(key);
        if (got == null) {
            fail("MISSING-ERROR: PyTorch raises \"" + msg + "\", Ember does not");
        }
        Class<? extends Throwable> type = TORCH.errorType(key);
        if (!type.isInstance(got)) {
            fail("ERROR-TYPE: expected " + type.getSimpleName() + " (\"" + msg + "\"), got " + got);
        }
        if (!msg.equals(got.getMessage())) {
            fail("WORDING: expected \"" + msg + "\" got \"" + got.getMessage() + "\"");
        }
    }

    static void check(String kind, String key, String field, double[] actual) {
        double[] want = PyTorchCases.numbers(TORCH.field(key, field));
        if (!Arrays.equals(want, actual)) {
            fail(kind + ": " + field + " expected " + Arrays.toString(want) + " got " + Arrays.toString(actual));
        }
    }

    static void checkStr(String kind, String key, String field, String actual) {
        String want = TORCH.field(key, field);
        if (!want.equals(actual)) {
            fail(kind + ": " + field + " expected " + want + " got " + actual);
        }
    }

    static void unexpected(Body body) {
        try {
            body.run();
        } catch (AssertionError e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("UNEXPECTED-ERROR: " + t, t);
        }
    }

    // ------------------------------------------------------------------ the cases

    static void getCase(String key, String dtype, int[] shape, String spec) {
        if (isError(key)) {
            expectError(key, () -> base(dtype, shape).index(indexOf(spec)));
            return;
        }
        unexpected(() -> {
            Tensor x = base(dtype, shape);
            Tensor y = x.index(indexOf(spec));
            checkStr("SHAPE", key, "shape", Arrays.toString(y.shape()));
            checkStr("DTYPE", key, "dtype", torchName(y.dtype()));
            check("VALUES", key, "values", y.toDoubleArray());
            if (y.numel() > 0) {
                double[] before = x.toDoubleArray();
                y.add_(1000L);
                boolean changed = !Arrays.equals(before, x.toDoubleArray());
                checkStr("VIEW", key, "view", changed ? "True" : "False");
            }
            if (dtype.equals("float64")) {
                Tensor xl = base(dtype, shape).requiresGrad_(true);
                Tensor g = xl.index(indexOf(spec));
                String name = gradName(g);
                g.mul(weights(g)).sum().backward();
                check("GRAD", key, "grad", xl.grad() == null ? new double[0] : xl.grad().toDoubleArray());
                checkStr("NODE", key, "gradfn", name);
            }
        });
    }

    static void put(Tensor target, String pre, String spec, Object value, boolean acc) {
        Tensor t = pre.equals("-") ? target : target.index(indexOf(pre));
        if (value instanceof Tensor) {
            t.indexPut_(indexOf(spec), (Tensor) value, acc);
        } else {
            t.indexPut_(indexOf(spec), (Double) value, acc);
        }
    }

    static Object valueOf(String tok) {
        return tok.charAt(0) == 'S' ? (Object) Double.valueOf(tok.substring(1)) : tensorOf(tok);
    }

    static void setCase(String key, String dtype, int[] shape, String pre, String spec, String value, boolean acc) {
        if (isError(key)) {
            expectError(key, () -> put(base(dtype, shape), pre, spec, valueOf(value), acc));
            return;
        }
        unexpected(() -> {
            Tensor x = base(dtype, shape);
            put(x, pre, spec, valueOf(value), acc);
            check("VALUES", key, "x", x.toDoubleArray());
            if (dtype.equals("float64") && (value.charAt(0) == 'S' || value.charAt(0) == 'D')) {
                Tensor xl = base(dtype, shape).requiresGrad_(true);
                Tensor y = xl.mul(1.0);
                Object v = valueOf(value);
                if (v instanceof Tensor) {
                    ((Tensor) v).requiresGrad_(true);
                }
                put(y, pre, spec, v, acc);
                String name = gradName(y);
                y.mul(weights(y)).sum().backward();
                check("GRAD", key, "gx", xl.grad().toDoubleArray());
                if (v instanceof Tensor) {
                    Tensor gv = ((Tensor) v).grad();
                    String want = TORCH.field(key, "gv");
                    if (want.equals("None") || gv == null) {
                        assertEquals(want, gv == null ? "None" : Arrays.toString(gv.toDoubleArray()), "GRAD: gv");
                    } else {
                        check("GRAD", key, "gv", gv.toDoubleArray());
                    }
                }
                checkStr("NODE", key, "gradfn", name);
            }
        });
    }

    static List<String> keys() throws IOException {
        List<String> keys = new ArrayList<>();
        try (InputStream in = IndexingSweepTest.class.getResourceAsStream(RESOURCE)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("=== ")) {
                    keys.add(line.substring(4));
                }
            }
        }
        return keys;
    }

    @TestFactory
    List<DynamicTest> sweep() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String key : keys()) {
            String[] p = key.split(";", -1);
            if (p[0].equals("get")) {
                tests.add(DynamicTest.dynamicTest(key, () -> getCase(key, p[1], shapeOf(p[2]), p[3])));
            } else {
                tests.add(DynamicTest.dynamicTest(key, () -> setCase(key, p[1], shapeOf(p[2]), p[3], p[4], p[5],
                        Boolean.parseBoolean(p[6].toLowerCase()))));
            }
        }
        return tests;
    }
}
