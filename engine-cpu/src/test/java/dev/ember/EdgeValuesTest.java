package dev.ember;

import dev.ember.backend.CpuCapability;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every elementwise op against PyTorch on IEEE edge values (0, -0, 1, -1, 0.5, 2, 3, +-inf, NaN, the smallest
 * subnormal, the largest finite; int64 extremes; bool), in every dtype, with tensor operands and with Java numbers
 * (doubles and longs) on either side, plus the gradients of the differentiable ones for upstream gradients of ones
 * and of edge values. Expected values and errors come from edgevalues/make_expected.py (PyTorch 1.13, CPU).
 *
 * <p>Comparison ({@link Tolerance}): bit for bit, signed zeros included, NaN as "is NaN" (not by payload), for every
 * op whose PyTorch kernel is exact or correctly rounded. The transcendental functions (exp, log, sin, cos, sigmoid,
 * tanh, erf, and from issue 14 log1p, expm1, log2, log10, exp2, tan, asin, acos, atan, sinh, cosh, asinh, acosh,
 * atanh, erfc, logsigmoid, atan2, hypot, xlogy) and pow of general values, and gradients built from them, may differ
 * by {@link #ULPS} units in the last place (PyTorch's vectorized kernels use SLEEF's 1-ulp functions, Ember Java's
 * Math or its own double and double-double formulas); NaN and infinities must match exactly and zeros in sign (SLEEF's
 * log1p and tan give 0 for the smallest subnormal, one ulp from the exact result Ember gives). The gradients of sigmoid
 * and tanh, {@code (1 - y) y} and {@code 1 - y^2}, cancel, which turns an ulp of y into many ulps of the result: they
 * may differ by {@link #ULPS} ulps of 1. The special functions PyTorch computes with its own algorithms (digamma,
 * polygamma, erfinv: Ember runs the same steps) or takes from the C library (lgamma) have wider bounds, stated at
 * {@link Tolerance#SPECIAL} and {@link Tolerance#ERFINV}. An op PyTorch rejects must throw its message.
 */
class EdgeValuesTest {
    /** The largest difference in units in the last place allowed for the transcendental functions. */
    static final int ULPS = 1;

    /** How a case's floating results must match PyTorch's. */
    enum Tolerance {
        /** Bit for bit (NaN as NaN). */
        EXACT,
        /** Within {@link #ULPS} ulps; NaN, zeros and infinities exact. */
        ULPS,
        /** As ULPS, or within {@link #ULPS} ulps of 1 in absolute terms (gradients that cancel: 1 - y^2). */
        ULPS_OF_ONE,
        /**
         * The special functions (lgamma, digamma, polygamma and what is computed from them): within {@link #SPECIAL_ULPS}
         * ulps, or within {@link #SPECIAL_ULPS} ulps of 1 in absolute terms, since they cancel near their zeros (lgamma's
         * reflection below 0, digamma's recurrences); NaN, zeros and infinities exact.
         */
        SPECIAL,
        /**
         * erfinv: within {@link #SPECIAL_ULPS} ulps, or within {@link #SPECIAL_ULPS} ulps of 1 divided by erf's slope
         * at the result ({@code 2/sqrt(pi) exp(-x^2)}): PyTorch's last Newton step divides the error of the C
         * library's erf (Ember's erf is its own, within an ulp of it) by that slope, which is small near +-1.
         */
        ERFINV,
        /**
         * lerp with a float64 tensor weight, which Ember computes with a multiplication and an addition where PyTorch
         * fuses them: within {@link #ULPS} ulps (a zero result in either sign), and infinite where PyTorch's result
         * exceeds a quarter of the largest double (only a fused multiply-add brings the overflowing product back).
         */
        UNFUSED
    }

    /** The bound of the SPECIAL and ERFINV tolerances. */
    static final int SPECIAL_ULPS = 4;

    private static final double INF = Double.POSITIVE_INFINITY;
    private static final double NAN = Double.NaN;

    static final float[] F32 = {0f, -0f, 1f, -1f, 0.5f, -0.5f, 2f, -2f, 3f, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE};
    static final double[] F64 = {0.0, -0.0, 1, -1, 0.5, -0.5, 2, -2, 3, INF, -INF, NAN, Double.MIN_VALUE,
        -Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE};
    static final long[] I64 = {0, 1, -1, 2, -2, 3, -3, 62, 63, 64, Long.MAX_VALUE, Long.MIN_VALUE};
    static final boolean[] BOOL = {false, true};
    static final String[] DTYPES = {"float32", "float64", "int64", "bool"};

    static final String[] DOUBLE_SCALARS = {"0.0", "-0.0", "1.0", "-1.0", "0.5", "-0.5", "2.0", "3.0", "-2.0", "2.5",
        "inf", "-inf", "nan", "1e40", "1e-320", "-1e40"};
    static final String[] LONG_SCALARS = {"0", "1", "-1", "2", "3", "-2", "63", "9223372036854775807",
        "-9223372036854775808", "9007199791611905"};
    /** Longs that round to float32 differently in one rounding and through a double (2^53 + 2^29 + 1, ...). */
    static final long[] CONVERT = {(1L << 53) + (1L << 29) + 1, -((1L << 53) + (1L << 29) + 1),
        (1L << 62) + (1L << 38) + 1, (1L << 24) + 1, (1L << 53) + 1, Long.MAX_VALUE, Long.MIN_VALUE};
    static final String[][] PAIRS = {{"float32", "float32"}, {"float64", "float64"}, {"int64", "int64"},
        {"bool", "bool"}, {"int64", "float32"}, {"float32", "float64"}, {"bool", "int64"}, {"bool", "float32"}};
    static final String[][] CLAMP_DOUBLE = {{"0.0", "1.0"}, {"-0.5", "0.5"}, {"nan", "1.0"}, {"0.0", "nan"},
        {"1.0", "0.0"}, {"-inf", "inf"}, {"0.0", "-0.0"}, {"-0.0", "0.0"}, {"1e40", "2.0"}, {"nan", "1e40"},
        {"2.5", "3.5"}};
    static final String[][] CLAMP_LONG = {{"0", "1"}, {"-1", "2"}, {"2", "-1"},
        {"-9223372036854775808", "9223372036854775807"}, {"3", "3"}};

    /** Exponents of pow whose PyTorch formula is exact (fill, copy, sqrt, reciprocal, products). */
    private static final Set<Double> EXACT_EXPONENTS = Set.of(0.0, -0.0, 1.0, 2.0, 3.0, 0.5, -0.5, -1.0, -2.0);

    static double parseDouble(String s) {
        switch (s) {
            case "inf": return INF;
            case "-inf": return -INF;
            case "nan": return NAN;
            default: return Double.parseDouble(s);
        }
    }

    static DType dtype(String name) {
        switch (name) {
            case "float32": return DType.FLOAT32;
            case "float64": return DType.FLOAT64;
            case "int64": return DType.INT64;
            default: return DType.BOOL;
        }
    }

    /**
     * How the operands of the forward cases are laid out: each case runs contiguous (the values as the script has
     * them), as every other element of a wider tensor (the strided kernels), and repeated {@link #TILES} times (the
     * vector loops' main bodies and the worker pool's split), always expecting the script's values.
     */
    enum Arrangement { CONTIGUOUS, STRIDED, TILED }

    /** Copies of the operands in the TILED arrangement: enough for the elementwise loops to go parallel. */
    static final int TILES = 300;

    private static Arrangement arrangement = Arrangement.CONTIGUOUS;

    static Tensor arrange(Tensor t) {
        switch (arrangement) {
            case STRIDED:
                return Tensor.stack(List.of(t, t), 1).select(1, 0);
            case TILED: {
                int n = (int) t.numel();
                return t.unsqueeze(0).expand(TILES, n).reshape(TILES * n);
            }
            default:
                return t;
        }
    }

    static Tensor grid(String dtype) {
        switch (dtype) {
            case "float32": return arrange(Tensor.tensor(F32.clone()));
            case "float64": return arrange(Tensor.tensor(F64.clone(), DType.FLOAT64));
            case "int64": return arrange(Tensor.tensor(I64.clone()));
            default: return arrange(Tensor.tensor(BOOL.clone()));
        }
    }

    /** Every pair of the two grids: a repeats each value len(b) times, b runs through its grid len(a) times. */
    static Tensor[] product(String da, String db) {
        Arrangement outer = arrangement;
        arrangement = Arrangement.CONTIGUOUS;
        Tensor a = grid(da);
        Tensor b = grid(db);
        arrangement = outer;
        int n = (int) a.numel();
        int m = (int) b.numel();
        Tensor pa = a.unsqueeze(1).expand(n, m).reshape(n * m);
        Tensor pb = b.unsqueeze(0).expand(n, m).reshape(n * m);
        return new Tensor[] {arrange(pa), arrange(pb)};
    }

    /** True at every third element of the script's layout (a tiled tensor repeats the pattern of one tile). */
    static Tensor whereCond(long n) {
        int len = (int) (arrangement == Arrangement.TILED ? n / TILES : n);
        boolean[] c = new boolean[len];
        for (int i = 0; i < len; i++) {
            c[i] = i % 3 == 0;
        }
        Arrangement outer = arrangement;
        Tensor t = Tensor.tensor(c);
        return outer == Arrangement.CONTIGUOUS ? t : arrange(t);
    }

    static Tensor upstream(String kind, long n, DType dtype) {
        if (kind.equals("ones")) {
            return Tensor.ones(dtype, (int) n);
        }
        double[] cycle = {1.0, NAN, INF, -INF, 0.0, -1.0, 0.5, -0.0, 2.0};
        double[] v = new double[(int) n];
        for (int i = 0; i < n; i++) {
            v[i] = cycle[i % cycle.length];
        }
        return Tensor.tensor(v, DType.FLOAT64).to(dtype);
    }

    // ------------------------------------------------------------------ the ops, by the script's names

    static final Map<String, Function<Tensor, Tensor>> UNARY = new LinkedHashMap<>();
    static final Map<String, BiFunction<Tensor, Tensor, Tensor>> BINARY = new LinkedHashMap<>();
    static final Map<String, BiFunction<Tensor, Double, Tensor>> SCALAR_DOUBLE = new LinkedHashMap<>();
    static final Map<String, BiFunction<Tensor, Long, Tensor>> SCALAR_LONG = new LinkedHashMap<>();
    /** The issue-14 ops with a Java number (a separate table: some take only longs). */
    static final Map<String, BiFunction<Tensor, Double, Tensor>> SCALAR_DOUBLE2 = new LinkedHashMap<>();
    static final Map<String, BiFunction<Tensor, Long, Tensor>> SCALAR_LONG2 = new LinkedHashMap<>();

    static {
        UNARY.put("neg", Tensor::neg);
        UNARY.put("abs", Tensor::abs);
        UNARY.put("sign", Tensor::sign);
        UNARY.put("exp", Tensor::exp);
        UNARY.put("log", Tensor::log);
        UNARY.put("sqrt", Tensor::sqrt);
        UNARY.put("reciprocal", Tensor::reciprocal);
        UNARY.put("sin", Tensor::sin);
        UNARY.put("cos", Tensor::cos);
        UNARY.put("sigmoid", Tensor::sigmoid);
        UNARY.put("tanh", Tensor::tanh);
        UNARY.put("relu", Tensor::relu);
        UNARY.put("floor", Tensor::floor);
        UNARY.put("ceil", Tensor::ceil);
        UNARY.put("round", Tensor::round);
        UNARY.put("erf", Tensor::erf);
        UNARY.put("logical_not", Tensor::logicalNot);
        UNARY.put("isfinite", Tensor::isfinite);

        BINARY.put("add", Tensor::add);
        BINARY.put("sub", Tensor::sub);
        BINARY.put("mul", Tensor::mul);
        BINARY.put("div", Tensor::div);
        BINARY.put("pow", Tensor::pow);
        BINARY.put("maximum", Tensor::maximum);
        BINARY.put("minimum", Tensor::minimum);
        BINARY.put("eq", Tensor::eq);
        BINARY.put("ne", Tensor::ne);
        BINARY.put("lt", Tensor::lt);
        BINARY.put("le", Tensor::le);
        BINARY.put("gt", Tensor::gt);
        BINARY.put("ge", Tensor::ge);
        BINARY.put("logical_and", Tensor::logicalAnd);
        BINARY.put("logical_or", Tensor::logicalOr);
        BINARY.put("add_alpha2", (a, b) -> a.add(b, 2));
        BINARY.put("sub_alpha2", (a, b) -> a.sub(b, 2));
        BINARY.put("add_alpha0.5", (a, b) -> a.add(b, 0.5));

        SCALAR_DOUBLE.put("add", Tensor::add);
        SCALAR_DOUBLE.put("sub", Tensor::sub);
        SCALAR_DOUBLE.put("mul", Tensor::mul);
        SCALAR_DOUBLE.put("div", Tensor::div);
        SCALAR_DOUBLE.put("rsub", Tensor::rsub);
        SCALAR_DOUBLE.put("rdiv", Tensor::rdiv);
        SCALAR_DOUBLE.put("pow", Tensor::pow);
        SCALAR_DOUBLE.put("eq", Tensor::eq);
        SCALAR_DOUBLE.put("ne", Tensor::ne);
        SCALAR_DOUBLE.put("lt", Tensor::lt);
        SCALAR_DOUBLE.put("le", Tensor::le);
        SCALAR_DOUBLE.put("gt", Tensor::gt);
        SCALAR_DOUBLE.put("ge", Tensor::ge);
        SCALAR_DOUBLE.put("clamp_min", Tensor::clampMin);
        SCALAR_DOUBLE.put("clamp_max", Tensor::clampMax);
        SCALAR_DOUBLE.put("where", (x, s) -> Tensor.where(whereCond(x.numel()), x, s));

        SCALAR_LONG.put("add", Tensor::add);
        SCALAR_LONG.put("sub", Tensor::sub);
        SCALAR_LONG.put("mul", Tensor::mul);
        SCALAR_LONG.put("rsub", Tensor::rsub);
        SCALAR_LONG.put("pow", Tensor::pow);
        SCALAR_LONG.put("eq", Tensor::eq);
        SCALAR_LONG.put("ne", Tensor::ne);
        SCALAR_LONG.put("lt", Tensor::lt);
        SCALAR_LONG.put("le", Tensor::le);
        SCALAR_LONG.put("gt", Tensor::gt);
        SCALAR_LONG.put("ge", Tensor::ge);
        SCALAR_LONG.put("clamp_min", Tensor::clampMin);
        SCALAR_LONG.put("clamp_max", Tensor::clampMax);
        SCALAR_LONG.put("where", (x, s) -> Tensor.where(whereCond(x.numel()), x, s));

        // issue 14
        UNARY.put("log1p", Tensor::log1p);
        UNARY.put("expm1", Tensor::expm1);
        UNARY.put("log2", Tensor::log2);
        UNARY.put("log10", Tensor::log10);
        UNARY.put("exp2", Tensor::exp2);
        UNARY.put("tan", Tensor::tan);
        UNARY.put("asin", Tensor::asin);
        UNARY.put("acos", Tensor::acos);
        UNARY.put("atan", Tensor::atan);
        UNARY.put("sinh", Tensor::sinh);
        UNARY.put("cosh", Tensor::cosh);
        UNARY.put("asinh", Tensor::asinh);
        UNARY.put("acosh", Tensor::acosh);
        UNARY.put("atanh", Tensor::atanh);
        UNARY.put("rsqrt", Tensor::rsqrt);
        UNARY.put("square", Tensor::square);
        UNARY.put("trunc", Tensor::trunc);
        UNARY.put("frac", Tensor::frac);
        UNARY.put("sgn", Tensor::sgn);
        UNARY.put("erfc", Tensor::erfc);
        UNARY.put("erfinv", Tensor::erfinv);
        UNARY.put("lgamma", Tensor::lgamma);
        UNARY.put("digamma", Tensor::digamma);
        UNARY.put("polygamma1", x -> x.polygamma(1));
        UNARY.put("polygamma2", x -> x.polygamma(2));
        UNARY.put("logsigmoid", Tensor::logSigmoid);
        UNARY.put("bitwise_not", Tensor::bitwiseNot);
        UNARY.put("isnan", Tensor::isnan);
        UNARY.put("isinf", Tensor::isinf);
        UNARY.put("isposinf", Tensor::isposinf);
        UNARY.put("isneginf", Tensor::isneginf);
        UNARY.put("isreal", Tensor::isreal);
        UNARY.put("nan_to_num", Tensor::nanToNum);
        UNARY.put("nan_to_num_args", x -> x.nanToNum(1.5, 100.0, -1e40));

        BINARY.put("atan2", Tensor::atan2);
        BINARY.put("hypot", Tensor::hypot);
        BINARY.put("fmod", Tensor::fmod);
        BINARY.put("remainder", Tensor::remainder);
        BINARY.put("floor_divide", Tensor::floorDivide);
        BINARY.put("div_trunc", (a, b) -> a.div(b, "trunc"));
        BINARY.put("div_floor", (a, b) -> a.div(b, "floor"));
        BINARY.put("div_none", (a, b) -> a.div(b, (String) null));
        BINARY.put("copysign", Tensor::copysign);
        BINARY.put("fmax", Tensor::fmax);
        BINARY.put("fmin", Tensor::fmin);
        BINARY.put("xlogy", Tensor::xlogy);
        BINARY.put("bitwise_and", Tensor::bitwiseAnd);
        BINARY.put("bitwise_or", Tensor::bitwiseOr);
        BINARY.put("bitwise_xor", Tensor::bitwiseXor);
        BINARY.put("bitwise_left_shift", Tensor::bitwiseLeftShift);
        BINARY.put("bitwise_right_shift", Tensor::bitwiseRightShift);
        BINARY.put("logical_xor", Tensor::logicalXor);
        BINARY.put("lerp_0.25", (a, b) -> a.lerp(b, 0.25));
        BINARY.put("lerp_0.75", (a, b) -> a.lerp(b, 0.75));
        BINARY.put("isclose", Tensor::isclose);
        BINARY.put("isclose_nan", (a, b) -> a.isclose(b, 1e-5, 1e-8, true));
        BINARY.put("isclose_tol", (a, b) -> a.isclose(b, 0.5, 0.25, false));

        SCALAR_DOUBLE2.put("fmod", Tensor::fmod);
        SCALAR_DOUBLE2.put("remainder", Tensor::remainder);
        SCALAR_DOUBLE2.put("floor_divide", Tensor::floorDivide);
        SCALAR_DOUBLE2.put("div_trunc", (x, v) -> x.div(v, "trunc"));
        SCALAR_DOUBLE2.put("div_floor", (x, v) -> x.div(v, "floor"));
        SCALAR_DOUBLE2.put("copysign", Tensor::copysign);
        SCALAR_DOUBLE2.put("xlogy", Tensor::xlogy);
        SCALAR_DOUBLE2.put("xlogy_self", (x, v) -> Tensor.xlogy(v, x));
        SCALAR_LONG2.put("fmod", Tensor::fmod);
        SCALAR_LONG2.put("remainder", Tensor::remainder);
        SCALAR_LONG2.put("floor_divide", Tensor::floorDivide);
        SCALAR_LONG2.put("div_trunc", (x, v) -> x.div(v, "trunc"));
        SCALAR_LONG2.put("div_floor", (x, v) -> x.div(v, "floor"));
        SCALAR_LONG2.put("bitwise_and", Tensor::bitwiseAnd);
        SCALAR_LONG2.put("bitwise_or", Tensor::bitwiseOr);
        SCALAR_LONG2.put("bitwise_xor", Tensor::bitwiseXor);
        SCALAR_LONG2.put("bitwise_left_shift", Tensor::bitwiseLeftShift);
        SCALAR_LONG2.put("bitwise_right_shift", Tensor::bitwiseRightShift);
    }

    /** The integer divisions, which the script leaves out for INT64_MIN / -1 (it traps in C). */
    static final Set<String> INT_DIVISION = Set.of("fmod", "remainder", "floor_divide", "div_trunc", "div_floor");

    private static final Set<String> APPROXIMATE = Set.of("exp", "log", "sin", "cos", "sigmoid", "tanh", "erf", "pow",
            "pow_scalar", "log1p", "expm1", "log2", "log10", "exp2", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh",
            "acosh", "atanh", "erfc", "logsigmoid", "atan2", "hypot", "xlogy", "xlogy_self", "lerpw");
    /** The special functions and what is computed from them (their gradients). */
    private static final Set<String> SPECIAL = Set.of("lgamma", "digamma", "polygamma1", "polygamma2");
    /** Gradients computed with exact operations from the inputs (the function itself may be approximate). */
    private static final Set<String> EXACT_GRADIENT = Set.of("log1p", "log2", "log10", "asin", "acos", "atan", "asinh",
            "acosh", "atanh", "atan2", "rsqrt");

    private static Tolerance forwardTolerance(String op) {
        if (op.startsWith("erfinv")) {
            return Tolerance.ERFINV;
        }
        return SPECIAL.contains(op) ? Tolerance.SPECIAL : APPROXIMATE.contains(op) ? Tolerance.ULPS : Tolerance.EXACT;
    }

    private static Tolerance gradientTolerance(String op) {
        if (op.equals("sigmoid") || op.equals("tanh")) {
            return Tolerance.ULPS_OF_ONE;
        }
        if (EXACT_GRADIENT.contains(op)) {
            return Tolerance.EXACT;
        }
        return op.equals("erfinv") ? Tolerance.ULPS : forwardTolerance(op);
    }

    // ------------------------------------------------------------------ cases

    /**
     * One line (a forward case) or one line per input (a gradient case: key|0, key|1, ...) of expected.txt, and the
     * Ember computation giving the tensor(s) to compare.
     */
    record Case(String key, boolean gradients, Tolerance tolerance, Supplier<Tensor[]> run) {
    }

    static Case forward(String key, Tolerance tolerance, Supplier<Tensor> f) {
        return new Case(key, false, tolerance, () -> new Tensor[] {f.get()});
    }

    /** The gradients of {@code inputs} (made to require grad) for {@code f} and the upstream gradient kind. */
    static Case grads(String key, Tolerance tolerance, Function<Tensor[], Tensor> f, String up, Tensor... inputs) {
        return new Case(key, true, tolerance, () -> {
            Tensor[] xs = new Tensor[inputs.length];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = inputs[i].detach().clone().requiresGrad_(true);
            }
            Tensor y = f.apply(xs);
            y.backward(upstream(up, y.numel(), y.dtype()));
            Tensor[] g = new Tensor[xs.length];
            for (int i = 0; i < xs.length; i++) {
                g[i] = xs[i].grad();
            }
            return g;
        });
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        for (Map.Entry<String, Function<Tensor, Tensor>> op : UNARY.entrySet()) {
            for (String dt : DTYPES) {
                c.add(forward("unary|" + op.getKey() + "|" + dt, forwardTolerance(op.getKey()),
                        () -> op.getValue().apply(grid(dt))));
            }
        }
        for (Map.Entry<String, BiFunction<Tensor, Tensor, Tensor>> op : BINARY.entrySet()) {
            for (String[] p : PAIRS) {
                c.add(forward("binary|" + op.getKey() + "|" + p[0] + "|" + p[1], forwardTolerance(op.getKey()), () -> {
                    Tensor[] ab = product(p[0], p[1]);
                    return op.getValue().apply(ab[0], ab[1]);
                }));
            }
        }
        for (String[] p : PAIRS) {
            c.add(forward("where|" + p[0] + "|" + p[1], Tolerance.EXACT, () -> {
                Tensor[] ab = product(p[0], p[1]);
                return Tensor.where(whereCond(ab[0].numel()), ab[0], ab[1]);
            }));
        }
        for (String op : SCALAR_DOUBLE.keySet()) {
            for (String dt : DTYPES) {
                for (String s : DOUBLE_SCALARS) {
                    double v = parseDouble(s);
                    Tolerance tolerance = op.equals("pow") && !EXACT_EXPONENTS.contains(v) ? Tolerance.ULPS : Tolerance.EXACT;
                    c.add(forward("scalar|" + op + "|" + dt + "|d|" + s, tolerance,
                            () -> SCALAR_DOUBLE.get(op).apply(grid(dt), v)));
                }
                if (SCALAR_LONG.containsKey(op)) {
                    for (String s : LONG_SCALARS) {
                        long v = Long.parseLong(s);
                        Tolerance tolerance = op.equals("pow") && !EXACT_EXPONENTS.contains((double) v) ? Tolerance.ULPS
                                : Tolerance.EXACT;
                        c.add(forward("scalar|" + op + "|" + dt + "|l|" + s, tolerance,
                                () -> SCALAR_LONG.get(op).apply(grid(dt), v)));
                    }
                }
            }
        }
        for (String op : new String[] {"exp", "log", "sin", "cos", "sigmoid", "tanh", "erf"}) {
            for (String dt : new String[] {"float32", "float64"}) {
                c.add(forward("sweep|" + op + "|" + dt, Tolerance.ULPS,
                        () -> UNARY.get(op).apply(arrange(Creation.linspace(-6, 6, 97, dtype(dt))))));
            }
        }
        for (String dt : new String[] {"float32", "float64"}) {
            c.add(forward("sweep|pow|" + dt, Tolerance.ULPS, () -> {
                Tensor base = Creation.linspace(0.25, 4, 16, dtype(dt));
                Tensor exponent = Creation.linspace(-3, 3, 17, dtype(dt));
                Tensor b = base.unsqueeze(1).expand(16, 17).reshape(16 * 17);
                Tensor e = exponent.unsqueeze(0).expand(16, 17).reshape(16 * 17);
                return arrange(b).pow(arrange(e));
            }));
        }
        for (String dt : new String[] {"float32", "float64"}) {
            c.add(forward("convert|int64|" + dt, Tolerance.EXACT, () -> arrange(Tensor.tensor(CONVERT.clone())).to(dtype(dt))));
        }
        for (String dt : DTYPES) {
            for (String[] b : CLAMP_DOUBLE) {
                c.add(forward("clamp|" + dt + "|d|" + b[0] + "," + b[1], Tolerance.EXACT,
                        () -> grid(dt).clamp(parseDouble(b[0]), parseDouble(b[1]))));
            }
            for (String[] b : CLAMP_LONG) {
                c.add(forward("clamp|" + dt + "|l|" + b[0] + "," + b[1], Tolerance.EXACT,
                        () -> grid(dt).clamp(Long.parseLong(b[0]), Long.parseLong(b[1]))));
            }
        }
        addGradientCases(c);
        addIssueCases(c);
        addIssue14Cases(c);
        return c;
    }

    /** Integer divisions without a zero divisor: the script's int_pairs (INT64_MIN / -1 left out). */
    static Tensor[] intPairs() {
        long[] dividends = {0, 1, -1, 2, -2, 3, -3, 7, -7, 62, 63, 64, Long.MAX_VALUE};
        long[] divisors = {1, -1, 2, -2, 3, -3, 7, -7, 64, Long.MAX_VALUE, Long.MIN_VALUE};
        long[] tailB = {1, 2, -2, 7, Long.MIN_VALUE};
        int n = dividends.length * divisors.length + tailB.length;
        long[] a = new long[n];
        long[] b = new long[n];
        int k = 0;
        for (long x : dividends) {
            for (long y : divisors) {
                a[k] = x;
                b[k++] = y;
            }
        }
        for (long y : tailB) {
            a[k] = Long.MIN_VALUE;
            b[k++] = y;
        }
        return new Tensor[] {arrange(Tensor.tensor(a)), arrange(Tensor.tensor(b))};
    }

    static final double[] LERP_WEIGHTS = {0.25, 0.75, -0.5, 1.5, 0.0, 1.0, 0.5, -2.0, NAN};

    static Tensor lerpWeights(long n, String dtype) {
        double[] w = new double[(int) n];
        for (int i = 0; i < n; i++) {
            w[i] = LERP_WEIGHTS[i % LERP_WEIGHTS.length];
        }
        return Tensor.tensor(w, DType.FLOAT64).to(dtype(dtype));
    }

    /** The sweeps' domains: first, last, count (the script's SWEEP2). */
    static final Map<String, double[]> SWEEP2 = new LinkedHashMap<>();

    static {
        SWEEP2.put("log1p", new double[] {-0.75, 6, 55});
        SWEEP2.put("expm1", new double[] {-6, 6, 97});
        SWEEP2.put("log2", new double[] {0.125, 8, 64});
        SWEEP2.put("log10", new double[] {0.125, 8, 64});
        SWEEP2.put("exp2", new double[] {-6, 6, 97});
        SWEEP2.put("tan", new double[] {-6, 6, 97});
        SWEEP2.put("asin", new double[] {-1, 1, 65});
        SWEEP2.put("acos", new double[] {-1, 1, 65});
        SWEEP2.put("atan", new double[] {-6, 6, 97});
        SWEEP2.put("sinh", new double[] {-6, 6, 97});
        SWEEP2.put("cosh", new double[] {-6, 6, 97});
        SWEEP2.put("asinh", new double[] {-6, 6, 97});
        SWEEP2.put("acosh", new double[] {1, 7, 49});
        SWEEP2.put("atanh", new double[] {-1, 1, 65});
        SWEEP2.put("rsqrt", new double[] {0.125, 8, 64});
        SWEEP2.put("erfc", new double[] {-6, 6, 97});
        SWEEP2.put("erfinv", new double[] {-1, 1, 129});
        SWEEP2.put("lgamma", new double[] {-6, 6, 97});
        SWEEP2.put("digamma", new double[] {-6, 6, 97});
        SWEEP2.put("polygamma1", new double[] {-6, 6, 97});
        SWEEP2.put("polygamma2", new double[] {-6, 6, 97});
        SWEEP2.put("logsigmoid", new double[] {-6, 6, 97});
    }

    static final String[] GRAD_UNARY2 = {"log1p", "expm1", "log2", "log10", "exp2", "tan", "asin", "acos", "atan", "sinh",
        "cosh", "asinh", "acosh", "atanh", "rsqrt", "trunc", "frac", "sgn", "erfc", "erfinv", "lgamma", "digamma",
        "polygamma1", "logsigmoid", "nan_to_num"};
    static final String[] GRAD_BINARY2 = {"atan2", "hypot", "fmod", "remainder", "div_trunc", "div_floor", "div_none",
        "copysign", "fmax", "fmin", "lerp_0.25", "lerp_0.75"};
    static final String[][] GRAD_SCALAR2 = {{"fmod", "2.5"}, {"remainder", "-1.5"}, {"copysign", "-0.0"}, {"copysign", "2.0"}};

    /** The functions added for issue 14: the script's second part. */
    private static void addIssue14Cases(List<Case> c) {
        for (String op : INT_DIVISION) {
            c.add(forward("intdiv|" + op, Tolerance.EXACT, () -> {
                Tensor[] ab = intPairs();
                return BINARY.get(op).apply(ab[0], ab[1]);
            }));
        }
        for (String dt : DTYPES) {
            for (Map.Entry<String, BiFunction<Tensor, Double, Tensor>> op : SCALAR_DOUBLE2.entrySet()) {
                for (String s : DOUBLE_SCALARS) {
                    double v = parseDouble(s);
                    c.add(forward("scalar|" + op.getKey() + "|" + dt + "|d|" + s, forwardTolerance(op.getKey()),
                            () -> op.getValue().apply(grid(dt), v)));
                }
            }
            for (Map.Entry<String, BiFunction<Tensor, Long, Tensor>> op : SCALAR_LONG2.entrySet()) {
                for (String s : LONG_SCALARS) {
                    if (dt.equals("int64") && s.equals("-1") && INT_DIVISION.contains(op.getKey())) {
                        continue;
                    }
                    long v = Long.parseLong(s);
                    c.add(forward("scalar|" + op.getKey() + "|" + dt + "|l|" + s, Tolerance.EXACT,
                            () -> op.getValue().apply(grid(dt), v)));
                }
            }
        }
        for (String dt : new String[] {"float32", "float64"}) {
            c.add(forward("lerpw|" + dt, dt.equals("float32") ? Tolerance.EXACT : Tolerance.UNFUSED, () -> {
                Tensor[] ab = product(dt, dt);
                return ab[0].lerp(ab[1], arrangeLike(lerpWeights(ab[0].numel() / tiles(), dt)));
            }));
            for (Map.Entry<String, double[]> op : SWEEP2.entrySet()) {
                double[] r = op.getValue();
                c.add(forward("sweep|" + op.getKey() + "|" + dt, sweepTolerance(op.getKey()),
                        () -> UNARY.get(op.getKey()).apply(arrange(Creation.linspace(r[0], r[1], (int) r[2], DType.FLOAT64)
                                .to(dtype(dt))))));
            }
            c.add(forward("sweep|erfinv_tail|" + dt, Tolerance.ERFINV, () -> arrange(Tensor.tensor(new double[] {0.9, -0.95,
                0.99, -0.995, 0.999, -0.9999, 0.99999, 1 - 0x1p-20, -(1 - 0x1p-24)}, DType.FLOAT64).to(dtype(dt))).erfinv()));
        }
        for (String dt : new String[] {"float32", "float64"}) {
            for (String up : new String[] {"ones", "edge"}) {
                String tail = "|" + dt + "|" + up;
                for (String op : GRAD_UNARY2) {
                    c.add(grads("grad|" + op + tail, gradientTolerance(op), x -> UNARY.get(op).apply(x[0]), up, grid(dt)));
                }
                for (String op : GRAD_BINARY2) {
                    c.add(grads("grad|" + op + tail, gradientTolerance(op), x -> BINARY.get(op).apply(x[0], x[1]), up,
                            product(dt, dt)));
                }
                for (String[] op : GRAD_SCALAR2) {
                    double v = parseDouble(op[1]);
                    c.add(grads("grad|" + op[0] + "_s" + tail + "|" + op[1], Tolerance.EXACT,
                            x -> SCALAR_DOUBLE2.get(op[0]).apply(x[0], v), up, grid(dt)));
                }
                Tensor[] ab = product(dt, dt);
                c.add(grads("grad|lerpw" + tail, Tolerance.EXACT, x -> x[0].lerp(x[1], x[2]), up, ab[0], ab[1],
                        lerpWeights(ab[0].numel(), dt)));
                c.add(grads("grad|xlogy" + tail, Tolerance.ULPS, x -> x[0].xlogy(x[1]), up, ab[0], ab[1]));
                for (String s : new String[] {"2.0", "0.0", "-1.0", "nan"}) {
                    double v = parseDouble(s);
                    c.add(grads("grad|xlogy_s" + tail + "|" + s, Tolerance.ULPS, x -> x[0].xlogy(v), up, grid(dt)));
                    c.add(grads("grad|xlogy_self" + tail + "|" + s, Tolerance.EXACT, x -> Tensor.xlogy(v, x[0]), up, grid(dt)));
                }
            }
        }
    }

    private static Tolerance sweepTolerance(String op) {
        Tolerance t = forwardTolerance(op);
        return t == Tolerance.EXACT ? Tolerance.EXACT : t == Tolerance.ULPS ? Tolerance.ULPS : t;
    }

    /** How many copies of the script's values the current arrangement holds. */
    static long tiles() {
        return arrangement == Arrangement.TILED ? TILES : 1;
    }

    /** An operand built from the script's values, laid out as the current arrangement lays out the others. */
    static Tensor arrangeLike(Tensor t) {
        return arrange(t);
    }

    static final String[] GRAD_UNARY = {"neg", "exp", "log", "sqrt", "abs", "sign", "reciprocal", "sin", "cos", "sigmoid",
        "tanh", "relu", "floor", "ceil", "round", "erf"};
    static final String[][] POW_EXPONENTS = {{"d", "0.0"}, {"d", "1.0"}, {"d", "2.0"}, {"d", "3.0"}, {"d", "0.5"},
        {"d", "-0.5"}, {"d", "-1.0"}, {"d", "-2.0"}, {"d", "2.5"}, {"d", "-1.5"}, {"l", "0"}, {"l", "1"}, {"l", "2"},
        {"l", "3"}, {"l", "-1"}, {"l", "-2"}};
    static final String[][] GRAD_CLAMP = {{"0.0", "1.0"}, {"-0.5", "0.5"}, {"nan", "1.0"}, {"1.0", "0.0"},
        {"-inf", "inf"}, {"0.0", "-0.0"}};
    static final String[] GRAD_CLAMP_ONE = {"0.0", "-0.0", "1.0", "nan"};
    static final String[] GRAD_BINARY = {"add_alpha2", "sub_alpha2", "mul", "div", "pow", "maximum", "minimum"};

    private static void addGradientCases(List<Case> c) {
        for (String dt : new String[] {"float32", "float64"}) {
            for (String up : new String[] {"ones", "edge"}) {
                String tail = "|" + dt + "|" + up;
                for (String op : GRAD_UNARY) {
                    c.add(grads("grad|" + op + tail, gradientTolerance(op), x -> UNARY.get(op).apply(x[0]), up, grid(dt)));
                }
                for (String[] e : POW_EXPONENTS) {
                    Function<Tensor[], Tensor> f = e[0].equals("d") ? x -> x[0].pow(Double.parseDouble(e[1]))
                            : x -> x[0].pow(Long.parseLong(e[1]));
                    c.add(grads("grad|pow_scalar" + tail + "|" + e[0] + ":" + e[1], Tolerance.ULPS, f, up, grid(dt)));
                }
                for (String[] b : GRAD_CLAMP) {
                    c.add(grads("grad|clamp" + tail + "|" + b[0] + "," + b[1], Tolerance.EXACT,
                            x -> x[0].clamp(parseDouble(b[0]), parseDouble(b[1])), up, grid(dt)));
                }
                for (String v : GRAD_CLAMP_ONE) {
                    c.add(grads("grad|clamp_min" + tail + "|" + v, Tolerance.EXACT, x -> x[0].clampMin(parseDouble(v)), up, grid(dt)));
                    c.add(grads("grad|clamp_max" + tail + "|" + v, Tolerance.EXACT, x -> x[0].clampMax(parseDouble(v)), up, grid(dt)));
                }
                for (String op : GRAD_BINARY) {
                    c.add(grads("grad|" + op + tail, gradientTolerance(op), x -> BINARY.get(op).apply(x[0], x[1]), up,
                            product(dt, dt)));
                }
                c.add(grads("grad|where" + tail, Tolerance.EXACT, x -> Tensor.where(whereCond(x[0].numel()), x[0], x[1]), up,
                        product(dt, dt)));
            }
        }
    }

    /** The issue's examples, each under its own name. */
    private static void addIssueCases(List<Case> c) {
        c.add(forward("issue|int_pow_negative", Tolerance.EXACT,
                () -> Tensor.tensor(new long[] {2, 1, -1, 0, -2}).pow(Tensor.tensor(new long[] {-1, -1, -1, -1, -2}))));
        c.add(forward("issue|one_pow_nan", Tolerance.EXACT, () -> Tensor.tensor(new float[] {1f}).pow(Double.NaN)));
        c.add(forward("issue|minus_one_pow_inf", Tolerance.EXACT, () -> Tensor.tensor(new float[] {-1f, -1f})
                .pow(Tensor.tensor(new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}))));
        c.add(forward("issue|int_pow_2.0", Tolerance.EXACT, () -> Tensor.tensor(new long[] {2, 3, -4}).pow(2.0)));
        c.add(forward("issue|bool_pow_2.0", Tolerance.EXACT, () -> Tensor.tensor(new boolean[] {true, false}).pow(2.0)));
        c.add(forward("issue|int_clamp_2.5_3.5", Tolerance.EXACT, () -> Tensor.tensor(new long[] {1, 3, 5}).clamp(2.5, 3.5)));
        c.add(forward("issue|int_pow_-1.0", Tolerance.EXACT, () -> Tensor.tensor(new long[] {2, 1, -1, 0, -2}).pow(-1.0)));
        c.add(forward("issue|clamp_nan_1", Tolerance.EXACT,
                () -> Tensor.tensor(new float[] {0f, 2f, Float.NaN}).clamp(Double.NaN, 1.0)));
        c.add(grads("issue|pow_0_0_grad", Tolerance.EXACT, x -> x[0].pow(0.0), "ones", Tensor.tensor(new float[] {0f})));
        c.add(grads("issue|pow_tensor_0_0_grad", Tolerance.EXACT, x -> x[0].pow(x[1]), "ones",
                Tensor.tensor(new float[] {0f, 0f, 0f}), Tensor.tensor(new float[] {0f, 2f, -1f})));
    }

    // ------------------------------------------------------------------ expected values

    /** An expected line: a dtype and its values, or PyTorch's error message (dtype null). */
    record Expected(String dtype, String[] values, String error) {
    }

    private static Map<String, Expected> expectedCache;

    static synchronized Map<String, Expected> expected() throws IOException {
        if (expectedCache == null) {
            Map<String, Expected> m = new LinkedHashMap<>();
            try (InputStream in = EdgeValuesTest.class.getResourceAsStream("/edgevalues/expected.txt")) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                for (String line : text.split("\n")) {
                    if (line.isEmpty()) {
                        continue;
                    }
                    String[] f = line.split("\t", 3);
                    m.put(f[0], f[1].equals("!") ? new Expected(null, null, f[2])
                            : new Expected(f[1], f[2].split(" "), null));
                }
            }
            expectedCache = m;
        }
        return expectedCache;
    }

    @TestFactory
    List<DynamicTest> matchesPyTorch() throws IOException {
        Map<String, Expected> want = expected();
        List<DynamicTest> tests = new ArrayList<>();
        for (Case k : cases()) {
            tests.add(DynamicTest.dynamicTest(k.key(), () -> {
                // the script's 16 float32 elements are all in PyTorch's scalar part on AVX-512 (passes of 32), all in
                // its vectorized part on AVX2 (passes of 16)
                assumeTrue(!positionDependent(k.key()) || CpuCapability.value().equals("AVX512"),
                        "the script's values are AVX-512's layout for a float32 pow by a number a float cannot hold");
                check(k, want);
            }));
        }
        return tests;
    }

    /** The forward cases again on strided and on repeated operands: every kernel path gives the script's values. */
    @TestFactory
    List<DynamicTest> matchesPyTorchOnEveryLayout() throws IOException {
        Map<String, Expected> want = expected();
        List<DynamicTest> tests = new ArrayList<>();
        for (Arrangement a : new Arrangement[] {Arrangement.STRIDED, Arrangement.TILED}) {
            tests.add(DynamicTest.dynamicTest(a.name(), () -> {
                arrangement = a;
                try {
                    for (Case k : cases()) {
                        if (!k.gradients() && !k.key().startsWith("issue|")
                                && !(a == Arrangement.TILED && positionDependent(k.key()))) {
                            check(k, want);
                        }
                    }
                } finally {
                    arrangement = Arrangement.CONTIGUOUS;
                }
            }));
        }
        return tests;
    }

    /**
     * A float32 pow by a number a float cannot hold (1e-320, 1e40, NaN; the int64 9007199791611905): PyTorch's own
     * result depends on where the element falls (its vectorized part rounds the exponent to float, 0 ** 1e-320 is 1
     * there and 0 in the scalar part, where the script's short tensors lie), so the repeated layout has no single
     * expected value; PowBitsTest holds PyTorch's bits for both parts.
     */
    static boolean positionDependent(String key) {
        String[] f = key.split("\\|");
        if (f.length != 5 || !f[0].equals("scalar") || !f[1].equals("pow") || f[2].equals("float64")) {
            return false;
        }
        double v = f[3].equals("d") ? parseDouble(f[4]) : Long.parseLong(f[4]);
        boolean floatResult = f[2].equals("float32") || f[3].equals("d");
        return floatResult && !((float) v == v);
    }

    /** Every line of expected.txt is some case's, and every case has its line(s): the two lists cannot drift apart. */
    @Test
    void everyExpectedLineIsChecked() throws IOException {
        Set<String> fromCases = new LinkedHashSet<>();
        for (Case k : cases()) {
            fromCases.add(k.key());
        }
        Set<String> fromFile = new LinkedHashSet<>();
        for (String key : expected().keySet()) {
            fromFile.add(key.startsWith("grad|") || key.startsWith("issue|pow") ? key.replaceAll("\\|\\d+$", "") : key);
        }
        assertEquals(fromFile, fromCases);
    }

    static void check(Case k, Map<String, Expected> want) {
        Expected whole = want.get(k.key());
        if (whole != null && whole.error() != null) {
            Throwable e = assertThrows(IllegalArgumentException.class, () -> k.run().get(), k.key());
            assertEquals(whole.error(), e.getMessage(), k.key());
            return;
        }
        Tensor[] got = k.run().get();
        for (int i = 0; i < got.length; i++) {
            String key = k.gradients() ? k.key() + "|" + i : k.key();
            Expected e = want.get(key);
            if (e == null) {
                fail("no expected line " + key);
            }
            assertMatches(key, e, got[i], k.tolerance());
        }
    }

    static void assertMatches(String key, Expected e, Tensor got, Tolerance tolerance) {
        assertTrue(got != null, key + ": no result (a gradient that did not flow)");
        assertEquals(e.dtype(), got.dtype().torchName().substring("torch.".length()), key + " dtype");
        String[] v = e.values();
        int tiles = arrangement == Arrangement.TILED ? TILES : 1;
        assertEquals(v.length * (long) tiles, got.numel(), key + " numel");
        switch (got.dtype()) {
            case FLOAT32: {
                float[] a = got.toFloatArray();
                float[] w = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    w[i] = Float.intBitsToFloat((int) Long.parseLong(v[i], 16));
                }
                for (int i = 0; i < a.length; i++) {
                    float x = w[i % w.length];
                    if (!sameFloat(x, a[i], tolerance)) {
                        fail(key + " " + arrangement + " element " + i + ": expected " + x + ", got " + a[i] + " ("
                                + String.format("%08x", Float.floatToRawIntBits(a[i])) + ")");
                    }
                }
                break;
            }
            case FLOAT64: {
                double[] a = got.toDoubleArray();
                double[] w = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    w[i] = Double.longBitsToDouble(Long.parseUnsignedLong(v[i], 16));
                }
                for (int i = 0; i < a.length; i++) {
                    double x = w[i % w.length];
                    if (!sameDouble(x, a[i], tolerance)) {
                        fail(key + " " + arrangement + " element " + i + ": expected " + x + ", got " + a[i] + " ("
                                + String.format("%016x", Double.doubleToRawLongBits(a[i])) + ")");
                    }
                }
                break;
            }
            case INT64: {
                long[] a = got.toLongArray();
                long[] w = new long[v.length];
                for (int i = 0; i < v.length; i++) {
                    w[i] = Long.parseLong(v[i]);
                }
                for (int i = 0; i < a.length; i++) {
                    if (w[i % w.length] != a[i]) {
                        fail(key + " " + arrangement + " element " + i + ": expected " + w[i % w.length] + ", got " + a[i]);
                    }
                }
                break;
            }
            default: {
                boolean[] a = got.toBooleanArray();
                for (int i = 0; i < a.length; i++) {
                    if (v[i % v.length].equals("1") != a[i]) {
                        fail(key + " " + arrangement + " element " + i + ": expected " + v[i % v.length] + ", got " + a[i]);
                    }
                }
            }
        }
    }

    /**
     * NaN matches NaN; zeros and infinities match bit for bit (the sign of a zero counts); other values bit for bit,
     * or as {@code tolerance} allows with the same sign.
     */
    static boolean sameFloat(float want, float got, Tolerance tolerance) {
        if (Float.isNaN(want)) {
            return Float.isNaN(got);
        }
        int w = Float.floatToRawIntBits(want);
        int g = Float.floatToRawIntBits(got);
        if (w == g) {
            return true;
        }
        if (tolerance == Tolerance.UNFUSED && Float.isInfinite(got) && Math.abs(want) > Float.MAX_VALUE / 4) {
            return Math.signum(got) == Math.signum(want);
        }
        if (tolerance == Tolerance.EXACT || Float.isInfinite(want) || Float.isNaN(got) || Float.isInfinite(got)) {
            return false;
        }
        if (want == 0) {
            // a zero in sign, or a subnormal within the bound (SLEEF's log1p(-MIN_VALUE) is +0)
            return Math.abs(got) <= ULPS * Float.MIN_VALUE && (got != 0 || (w < 0) == (g < 0) || tolerance == Tolerance.UNFUSED);
        }
        if (tolerance == Tolerance.SPECIAL || tolerance == Tolerance.ERFINV) {
            double slack = SPECIAL_ULPS * (double) Math.ulp(1f) * (tolerance == Tolerance.ERFINV
                    ? Math.sqrt(Math.PI) / 2 * Math.exp((double) want * want) : 1);
            if (Math.abs((double) got - want) <= slack) {
                return true;
            }
        }
        if ((w < 0) != (g < 0)) {
            return false;
        }
        // same sign: the bit patterns are ordered like the values
        int ulps = tolerance == Tolerance.SPECIAL || tolerance == Tolerance.ERFINV ? SPECIAL_ULPS : ULPS;
        return Math.abs((long) w - g) <= ulps
                || tolerance == Tolerance.ULPS_OF_ONE && Math.abs(got - want) <= ULPS * Math.ulp(1f);
    }

    /** {@link #sameFloat} for doubles. */
    static boolean sameDouble(double want, double got, Tolerance tolerance) {
        if (Double.isNaN(want)) {
            return Double.isNaN(got);
        }
        long w = Double.doubleToRawLongBits(want);
        long g = Double.doubleToRawLongBits(got);
        if (w == g) {
            return true;
        }
        if (tolerance == Tolerance.UNFUSED && Double.isInfinite(got) && Math.abs(want) > Double.MAX_VALUE / 4) {
            return Math.signum(got) == Math.signum(want);
        }
        if (tolerance == Tolerance.EXACT || Double.isInfinite(want) || Double.isNaN(got) || Double.isInfinite(got)) {
            return false;
        }
        if (want == 0) {
            return Math.abs(got) <= ULPS * Double.MIN_VALUE && (got != 0 || (w < 0) == (g < 0) || tolerance == Tolerance.UNFUSED);
        }
        if (tolerance == Tolerance.SPECIAL || tolerance == Tolerance.ERFINV) {
            double slack = SPECIAL_ULPS * Math.ulp(1.0) * (tolerance == Tolerance.ERFINV
                    ? Math.sqrt(Math.PI) / 2 * Math.exp(want * want) : 1);
            if (Math.abs(got - want) <= slack) {
                return true;
            }
        }
        if ((w < 0) != (g < 0)) {
            return false;
        }
        int ulps = tolerance == Tolerance.SPECIAL || tolerance == Tolerance.ERFINV ? SPECIAL_ULPS : ULPS;
        return Math.abs(w - g) <= ulps || tolerance == Tolerance.ULPS_OF_ONE && Math.abs(got - want) <= ULPS * Math.ulp(1.0);
    }
}
