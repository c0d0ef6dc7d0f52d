package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Type promotion across op families against PyTorch: operands of mixed dtypes (every category crossing, 0-dim tensors
 * against dimensioned ones) and Java numbers (PyTorch's wrapped numbers: a {@code long} is a Python int, a
 * {@code double} a Python float). Expected results come from promotionsweep/make_expected.py (PyTorch 1.13, CPU, with
 * 2.x's results where they differ, see there), which documents the key grammar this test parses.
 *
 * <p>Values: integers and bools exactly; floats within a relative 1e-12 (float64), 1e-6 (float32), 1e-3 (float16) or
 * 2^-7 (bfloat16, one unit in the last place); NaN as NaN, infinities exactly. An error PyTorch raises must be an
 * IllegalArgumentException, IndexOutOfBoundsException or UnsupportedOperationException with PyTorch's message.
 * Failure messages start with a category: [VALUES] [DTYPE] [SHAPE] [UNEXPECTED-ERROR] [JAVA-EXCEPTION] [MISSING-ERROR]
 * [WORDING].
 */
class PromotionSweepTest {

    private static final double[] A_BOOL = {1, 0, 1, 1, 0, 1};
    private static final double[] A_UINT8 = {0, 1, 3, 5, 200, 255};
    private static final double[] A_INT = {-3, -1, 0, 2, 5, 7};
    private static final double[] A_FLOAT = {-2.5, -1.0, 0.0, 1.5, 3.25, 7.0};
    private static final double[] B_BOOL = {1, 0, 1, 1, 1, 1};
    private static final double[] B_UINT8 = {1, 2, 3, 4, 7, 9};
    private static final double[] B_INT = {2, -3, 1, 4, -2, 3};
    private static final double[] B_FLOAT = {2.0, -1.5, 0.5, 4.0, -2.0, 3.0};
    private static final double[] P_VALS = {0, 1, 2, 3, 1, 2};
    private static final boolean[] M_VALS = {true, false, true, false, true, false};

    // ------------------------------------------------------------------ expected file

    private static Map<String, List<String>> load() {
        Map<String, List<String>> cases = new LinkedHashMap<>();
        try (InputStream in = PromotionSweepTest.class.getResourceAsStream("/promotionsweep/expected.txt")) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /promotionsweep/expected.txt");
            }
            List<String> body = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("=== ")) {
                    body = new ArrayList<>();
                    cases.put(line.substring(4), body);
                } else if (body != null && !line.isBlank()) {
                    body.add(line);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return cases;
    }

    private static String field(List<String> body, String name) {
        for (String l : body) {
            if (l.startsWith(name + " ")) {
                return l.substring(name.length() + 1);
            }
        }
        return null;
    }

    @TestFactory
    List<DynamicTest> sweep() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : load().entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> check(e.getKey(), e.getValue())));
        }
        return tests;
    }

    // ------------------------------------------------------------------ operands

    private static DType dtype(String name) {
        for (DType t : DType.values()) {
            if (t.torchName().equals("torch." + name)) {
                return t;
            }
        }
        throw new IllegalStateException("unknown dtype " + name);
    }

    private static String kind(DType t) {
        if (t == DType.BOOL) {
            return "bool";
        }
        if (t == DType.UINT8) {
            return "uint8";
        }
        return t.isFloatingPoint() ? "float" : "int";
    }

    private static Object operand(String spec) {
        if (spec.equals("m")) {
            return Tensor.tensor(M_VALS).reshape(2, 3);
        }
        if (spec.startsWith("L")) {
            return Long.parseLong(spec.substring(1));
        }
        if (spec.startsWith("D")) {
            return Double.parseDouble(spec.substring(1));
        }
        String tag = spec.substring(0, spec.indexOf(':'));
        DType t = dtype(spec.substring(spec.indexOf(':') + 1));
        if (tag.equals("e")) {
            return Tensor.zeros(t, 0);
        }
        String k = kind(t);
        double[] v;
        switch (tag) {
            case "a":
                v = k.equals("bool") ? A_BOOL : k.equals("uint8") ? A_UINT8 : k.equals("int") ? A_INT : A_FLOAT;
                break;
            case "b":
            case "r":
                v = k.equals("bool") ? B_BOOL : k.equals("uint8") ? B_UINT8 : k.equals("int") ? B_INT : B_FLOAT;
                break;
            case "p":
                v = P_VALS;
                break;
            case "z":
                return Tensor.full(DType.FLOAT64, t.isFloatingPoint() ? 2.5 : 2.0).to(t);
            default:
                throw new IllegalStateException("unknown operand " + spec);
        }
        Tensor x = Tensor.tensor(v, DType.FLOAT64).to(t).reshape(2, 3);
        return tag.equals("r") ? x.select(0, 0) : x;
    }

    private static Tensor idx(long... v) {
        return Tensor.tensor(v);
    }

    private static Tensor scatterIndex() {
        return Tensor.tensor(new long[][] {{2, 0, 1}, {0, 1, 2}});
    }

    // ------------------------------------------------------------------ ops

    private static Tensor t(Object o) {
        return (Tensor) o;
    }

    private static boolean isLong(Object o) {
        return o instanceof Long;
    }

    private static double d(Object o) {
        return ((Number) o).doubleValue();
    }

    private static long l(Object o) {
        return (Long) o;
    }

    private static Tensor run(String op, List<Object> a) {
        Object x = a.get(0);
        Object y = a.size() > 1 ? a.get(1) : null;
        switch (op) {
            case "add": return y instanceof Tensor ? t(x).add(t(y)) : isLong(y) ? t(x).add(l(y)) : t(x).add(d(y));
            case "sub": return y instanceof Tensor ? t(x).sub(t(y)) : isLong(y) ? t(x).sub(l(y)) : t(x).sub(d(y));
            case "mul": return y instanceof Tensor ? t(x).mul(t(y)) : isLong(y) ? t(x).mul(l(y)) : t(x).mul(d(y));
            case "div": return y instanceof Tensor ? t(x).div(t(y)) : t(x).div(d(y));
            case "rsub": return isLong(y) ? t(x).rsub(l(y)) : t(x).rsub(d(y));
            case "rdiv": return t(x).rdiv(d(y));
            case "addAlpha": return t(x).add(t(y), d(a.get(2)));
            case "subAlpha": return t(x).sub(t(y), d(a.get(2)));
            case "divTrunc": return y instanceof Tensor ? t(x).div(t(y), "trunc") : isLong(y) ? t(x).div(l(y), "trunc")
                    : t(x).div(d(y), "trunc");
            case "divFloor": return y instanceof Tensor ? t(x).div(t(y), "floor") : isLong(y) ? t(x).div(l(y), "floor")
                    : t(x).div(d(y), "floor");
            case "floorDivide": return y instanceof Tensor ? t(x).floorDivide(t(y)) : isLong(y) ? t(x).floorDivide(l(y))
                    : t(x).floorDivide(d(y));
            case "remainder": return y instanceof Tensor ? t(x).remainder(t(y)) : isLong(y) ? t(x).remainder(l(y))
                    : t(x).remainder(d(y));
            case "fmod": return y instanceof Tensor ? t(x).fmod(t(y)) : isLong(y) ? t(x).fmod(l(y)) : t(x).fmod(d(y));
            case "pow": return y instanceof Tensor ? t(x).pow(t(y)) : isLong(y) ? t(x).pow(l(y)) : t(x).pow(d(y));
            case "atan2": return t(x).atan2(t(y));
            case "hypot": return t(x).hypot(t(y));
            case "copysign": return y instanceof Tensor ? t(x).copysign(t(y)) : t(x).copysign(d(y));
            case "xlogy": return y instanceof Tensor ? t(x).xlogy(t(y)) : t(x).xlogy(d(y));
            case "maximum": return t(x).maximum(t(y));
            case "minimum": return t(x).minimum(t(y));
            case "fmax": return t(x).fmax(t(y));
            case "fmin": return t(x).fmin(t(y));
            case "eq": return y instanceof Tensor ? t(x).eq(t(y)) : isLong(y) ? t(x).eq(l(y)) : t(x).eq(d(y));
            case "ne": return y instanceof Tensor ? t(x).ne(t(y)) : isLong(y) ? t(x).ne(l(y)) : t(x).ne(d(y));
            case "lt": return y instanceof Tensor ? t(x).lt(t(y)) : isLong(y) ? t(x).lt(l(y)) : t(x).lt(d(y));
            case "le": return y instanceof Tensor ? t(x).le(t(y)) : isLong(y) ? t(x).le(l(y)) : t(x).le(d(y));
            case "gt": return y instanceof Tensor ? t(x).gt(t(y)) : isLong(y) ? t(x).gt(l(y)) : t(x).gt(d(y));
            case "ge": return y instanceof Tensor ? t(x).ge(t(y)) : isLong(y) ? t(x).ge(l(y)) : t(x).ge(d(y));
            case "logicalAnd": return t(x).logicalAnd(t(y));
            case "logicalOr": return t(x).logicalOr(t(y));
            case "logicalXor": return t(x).logicalXor(t(y));
            case "bitwiseAnd": return y instanceof Tensor ? t(x).bitwiseAnd(t(y)) : t(x).bitwiseAnd(l(y));
            case "bitwiseOr": return y instanceof Tensor ? t(x).bitwiseOr(t(y)) : t(x).bitwiseOr(l(y));
            case "bitwiseXor": return y instanceof Tensor ? t(x).bitwiseXor(t(y)) : t(x).bitwiseXor(l(y));
            case "shiftLeft": return y instanceof Tensor ? t(x).bitwiseLeftShift(t(y)) : t(x).bitwiseLeftShift(l(y));
            case "shiftRight": return y instanceof Tensor ? t(x).bitwiseRightShift(t(y)) : t(x).bitwiseRightShift(l(y));
            case "isclose": return t(x).isclose(t(y));
            case "clamp": {
                Object hi = a.get(2);
                return isLong(y) && isLong(hi) ? t(x).clamp(l(y), l(hi)) : t(x).clamp(d(y), d(hi));
            }
            case "clampMin": return isLong(y) ? t(x).clampMin(l(y)) : t(x).clampMin(d(y));
            case "clampMax": return isLong(y) ? t(x).clampMax(l(y)) : t(x).clampMax(d(y));
            case "where": {
                Tensor c = t(x);
                Object p = y;
                Object q = a.get(2);
                if (!(p instanceof Tensor)) { // where(c, scalar, tensor) == where(~c, tensor, scalar)
                    c = c.logicalNot();
                    Object s = p;
                    p = q;
                    q = s;
                }
                return q instanceof Tensor ? Tensor.where(c, t(p), t(q)) : isLong(q) ? Tensor.where(c, t(p), l(q))
                        : Tensor.where(c, t(p), d(q));
            }
            case "lerp": return t(x).lerp(t(y), d(a.get(2)));
            case "maskedFill": {
                Object v = a.get(2);
                return v instanceof Tensor ? t(x).maskedFill(t(y), t(v)) : t(x).maskedFill(t(y), d(v));
            }
            case "maskedFill_": {
                Object v = a.get(2);
                return v instanceof Tensor ? t(x).maskedFill_(t(y), t(v)) : t(x).maskedFill_(t(y), d(v));
            }
            case "fill_": t(x).fill_(d(y)); return t(x);
            case "copy_": t(x).copy_(t(y)); return t(x);
            case "add_":
                if (y instanceof Tensor) {
                    t(x).add_(t(y));
                } else if (isLong(y)) {
                    t(x).add_(l(y));
                } else {
                    t(x).add_(d(y));
                }
                return t(x);
            case "sub_": t(x).sub_(t(y)); return t(x);
            case "mul_":
                if (y instanceof Tensor) {
                    t(x).mul_(t(y));
                } else {
                    t(x).mul_(d(y));
                }
                return t(x);
            case "div_": t(x).div_(t(y)); return t(x);
            case "addAlpha_": t(x).add_(t(y), d(a.get(2))); return t(x);
            case "clamp_": t(x).clamp_(d(y), d(a.get(2))); return t(x);
            case "indexPut_": t(x).indexPut_(new Index[] {Index.of(idx(1, 0))}, t(y), false); return t(x);
            case "indexPutScalar_": t(x).indexPut_(new Index[] {Index.of(idx(1, 0))}, d(y), false); return t(x);
            case "scatter_": t(x).scatter_(1, scatterIndex(), t(y)); return t(x);
            case "scatterValue_": t(x).scatter_(1, scatterIndex(), d(y)); return t(x);
            case "scatterAdd_": t(x).scatterAdd_(1, scatterIndex(), t(y)); return t(x);
            case "indexAdd_": t(x).indexAdd_(0, idx(1, 0), t(y)); return t(x);
            case "indexCopy_": t(x).indexCopy_(0, idx(1, 0), t(y)); return t(x);
            case "indexFill_": t(x).indexFill_(1, idx(0, 2), d(y)); return t(x);
            case "maskedScatter_": t(x).maskedScatter_(t(y), t(a.get(2))); return t(x);
            case "cat": case "stack": {
                List<Tensor> ts = new ArrayList<>();
                for (Object o : a) {
                    ts.add(t(o));
                }
                return op.equals("cat") ? Tensor.cat(ts, 0) : Tensor.stack(ts, 0);
            }
            case "dot": return t(x).reshape(-1).dot(t(y).reshape(-1));
            case "mm": return t(x).mm(t(y).t());
            case "matmul": return t(x).matmul(t(y).t());
            case "mv": return t(x).mv(t(y));
            case "outer": return t(x).reshape(-1).outer(t(y).select(0, 0));
            case "sum": return t(x).sum();
            case "sumDim": return t(x).sum(1);
            case "prod": return t(x).prod();
            case "cumsum": return t(x).cumsum(1);
            case "cumprod": return t(x).cumprod(1);
            case "mean": return t(x).mean();
            case "trace": return t(x).narrow(1, 0, 2).trace();
            case "sqrt": return t(x).sqrt();
            case "exp": return t(x).exp();
            case "sigmoid": return t(x).sigmoid();
            case "reciprocal": return t(x).reciprocal();
            case "abs": return t(x).abs();
            case "neg": return t(x).neg();
            case "sign": return t(x).sign();
            case "floor": return t(x).floor();
            case "square": return t(x).square();
            default: throw new IllegalStateException("unknown op " + op);
        }
    }

    // ------------------------------------------------------------------ checking

    private static void check(String key, List<String> body) {
        String[] parts = key.split("\\|");
        String op = parts[0];
        List<Object> args = new ArrayList<>();
        if (op.equals("sumAs")) {
            Tensor x = (Tensor) operand(parts[1]);
            compare(key, body, () -> x.sum(dtype(parts[2])));
            return;
        }
        for (int i = 1; i < parts.length; i++) {
            args.add(operand(parts[i]));
        }
        compare(key, body, () -> run(op, args));
    }

    private interface Call {
        Tensor get();
    }

    private static void compare(String key, List<String> body, Call call) {
        String error = field(body, "error");
        Tensor got;
        try {
            got = call.get();
        } catch (IllegalArgumentException | IndexOutOfBoundsException | UnsupportedOperationException e) {
            if (error == null) {
                fail("[UNEXPECTED-ERROR] " + key + ": PyTorch gives " + field(body, "dtype") + " " + field(body, "values")
                        + " but Ember threw " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            String want = error.substring(error.indexOf(' ') + 1);
            String msg = e.getMessage() == null ? "null" : e.getMessage().split("\n")[0];
            if (!want.equals(msg)) {
                fail("[WORDING] " + key + ": PyTorch says <" + want + "> Ember says <" + msg + ">");
            }
            return;
        } catch (RuntimeException | Error e) {
            fail("[JAVA-EXCEPTION] " + key + ": " + (error == null ? "PyTorch gives " + field(body, "dtype") + " "
                    + field(body, "values") : "PyTorch raises <" + error + ">") + " but Ember threw " + e, e);
            return;
        }
        if (error != null) {
            fail("[MISSING-ERROR] " + key + ": PyTorch raises <" + error + "> but Ember returned " + got.dtype().torchName()
                    + " " + Arrays.toString(got.shape()) + " " + describe(got));
        }
        String wantDtype = field(body, "dtype");
        if (!wantDtype.equals(got.dtype().torchName())) {
            fail("[DTYPE] " + key + ": PyTorch " + wantDtype + " Ember " + got.dtype().torchName() + " (PyTorch values "
                    + field(body, "values") + ", Ember " + describe(got) + ")");
        }
        String wantShape = field(body, "shape");
        if (!wantShape.equals(Arrays.toString(got.shape()))) {
            fail("[SHAPE] " + key + ": PyTorch " + wantShape + " Ember " + Arrays.toString(got.shape()));
        }
        String values = field(body, "values");
        String flat = values.replace("[", "").replace("]", "").trim();
        String[] items = flat.isEmpty() ? new String[0] : flat.split(",\\s*");
        if (got.dtype().isFloatingPoint()) {
            double[] v = got.toDoubleArray();
            double rel = got.dtype() == DType.FLOAT64 ? 1e-12 : got.dtype() == DType.FLOAT32 ? 1e-6
                    : got.dtype() == DType.FLOAT16 ? 1e-3 : 0x1p-7;
            boolean ok = v.length == items.length;
            for (int i = 0; ok && i < v.length; i++) {
                double w = parse(items[i]);
                if (Double.isNaN(w) || Double.isInfinite(w)) {
                    ok = Double.compare(w, v[i]) == 0 || (Double.isNaN(w) && Double.isNaN(v[i]));
                } else {
                    ok = Math.abs(w - v[i]) <= Math.abs(w) * rel;
                }
            }
            if (!ok) {
                fail("[VALUES] " + key + ": PyTorch " + values + " Ember " + Arrays.toString(v));
            }
        } else {
            long[] w = new long[items.length];
            for (int i = 0; i < items.length; i++) {
                w[i] = items[i].equals("True") ? 1 : items[i].equals("False") ? 0 : Long.parseLong(items[i]);
            }
            long[] v = got.toLongArray();
            if (!Arrays.equals(w, v)) {
                fail("[VALUES] " + key + ": PyTorch " + values + " Ember " + Arrays.toString(v));
            }
        }
    }

    private static String describe(Tensor t) {
        return t.dtype().isFloatingPoint() ? Arrays.toString(t.toDoubleArray()) : Arrays.toString(t.toLongArray());
    }

    private static double parse(String s) {
        switch (s) {
            case "nan": return Double.NaN;
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            default: return Double.parseDouble(s);
        }
    }
}
