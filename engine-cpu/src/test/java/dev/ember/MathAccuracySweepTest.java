package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Accuracy sweep of the elementwise math functions (and softmax, log_softmax, logsumexp of rows) in float32 and
 * float64 on dense deterministic grids: logarithmically spaced magnitudes of both signs, linear ranges, and points near
 * each function's special points (zeros, +-1, poles, large arguments). The reference comes from mpmath (128 bits),
 * and PyTorch 1.13's own results on the same inputs, from mathaccuracy/make_expected.py.
 *
 * <p>The error of a value is its distance in representable values of the output type ("ulps") from the reference
 * rounded to that type. A case fails when
 * <ul>
 *   <li>Ember gives NaN or an infinity where the reference is finite (or a finite value where it is NaN or infinite),
 *   at a point where PyTorch agrees with the reference,</li>
 *   <li>Ember gives a zero of the other sign than PyTorch's where the reference is a zero of PyTorch's sign,</li>
 *   <li>Ember's largest error exceeds max({@link #MIN_BOUND}, 2 x PyTorch's largest error) (over the points where
 *   both are finite), or</li>
 *   <li>at some point (contiguous layout) Ember's error exceeds max({@link #LOCAL_MIN_BOUND}, 2 x PyTorch's error at
 *   that point): PyTorch's own large errors in one region (underflow in gelu's tail, erfinv near 1) must not hide a
 *   local bug elsewhere.</li>
 * </ul>
 * The points in the functions' cancellation regions ({@link #cancellation}) count their error as the smaller of ulps
 * and ulps of 1.
 * <ul>
 * </ul>
 * Each case runs contiguous (the vector loops) and as every other element of a wider tensor (the strided loops).
 */
class MathAccuracySweepTest {
    static final long MIN_BOUND = 4;
    /** The floor of the per-point bound (two implementations of 1-3 ulps each may differ by 5 at one point). */
    static final long LOCAL_MIN_BOUND = 8;

    /**
     * Known, bounded differences, with the bound they are held to instead: float64 lgamma just off the negative
     * integers (-9.000001: 14 ulps where glibc's is exact; the reflection formula's cancellation, still to be
     * replaced).
     */
    static final java.util.Map<String, Double> KNOWN_ULPS = java.util.Map.of("lgamma float64", 16.0);

    /**
     * Ops whose sign of a zero result follows PyTorch 2.x rather than the 1.13 that made the expected file: elu and
     * selu of -0 are -0 in 2.x (aten/src/ATen/native/cpu/Elu.h: {@code a >= 0 ? a * poscoef : expm1(...)}), +0 in 1.13
     * ({@code exp(x) - 1}); 1.13's gelu gives -0 on its scalar and float64 paths and +0 on its float32 vector path.
     */
    static final java.util.Set<String> ZERO_SIGN_2X = java.util.Set.of("elu", "selu", "gelu");

    static final Map<String, UnaryOperator<Tensor>> UNARY = new LinkedHashMap<>();
    static final Map<String, BiFunction<Tensor, Tensor, Tensor>> BINARY = new LinkedHashMap<>();
    static final Map<String, UnaryOperator<Tensor>> ROWWISE = new LinkedHashMap<>();
    static final int ROW = 16;

    static {
        UNARY.put("exp", Tensor::exp);
        UNARY.put("expm1", Tensor::expm1);
        UNARY.put("exp2", Tensor::exp2);
        UNARY.put("log", Tensor::log);
        UNARY.put("log1p", Tensor::log1p);
        UNARY.put("log2", Tensor::log2);
        UNARY.put("log10", Tensor::log10);
        UNARY.put("sqrt", Tensor::sqrt);
        UNARY.put("rsqrt", Tensor::rsqrt);
        UNARY.put("reciprocal", Tensor::reciprocal);
        UNARY.put("sin", Tensor::sin);
        UNARY.put("cos", Tensor::cos);
        UNARY.put("tan", Tensor::tan);
        UNARY.put("asin", Tensor::asin);
        UNARY.put("acos", Tensor::acos);
        UNARY.put("atan", Tensor::atan);
        UNARY.put("sinh", Tensor::sinh);
        UNARY.put("cosh", Tensor::cosh);
        UNARY.put("tanh", Tensor::tanh);
        UNARY.put("asinh", Tensor::asinh);
        UNARY.put("acosh", Tensor::acosh);
        UNARY.put("atanh", Tensor::atanh);
        UNARY.put("sigmoid", Tensor::sigmoid);
        UNARY.put("logsigmoid", Tensor::logSigmoid);
        UNARY.put("softplus", Functional::softplus);
        UNARY.put("gelu", Functional::gelu);
        UNARY.put("gelu_tanh", x -> Functional.gelu(x, "tanh"));
        UNARY.put("silu", Functional::silu);
        UNARY.put("mish", Functional::mish);
        UNARY.put("elu", Functional::elu);
        UNARY.put("selu", Functional::selu);
        UNARY.put("erf", Tensor::erf);
        UNARY.put("erfc", Tensor::erfc);
        UNARY.put("erfinv", Tensor::erfinv);
        UNARY.put("lgamma", Tensor::lgamma);
        UNARY.put("digamma", Tensor::digamma);
        UNARY.put("polygamma1", x -> x.polygamma(1));
        UNARY.put("polygamma2", x -> x.polygamma(2));

        BINARY.put("atan2", Tensor::atan2);
        BINARY.put("hypot", Tensor::hypot);
        BINARY.put("pow", Tensor::pow);
        BINARY.put("fmod", Tensor::fmod);
        BINARY.put("remainder", Tensor::remainder);
        BINARY.put("xlogy", Tensor::xlogy);

        ROWWISE.put("softmax", x -> x.reshape(-1, ROW).softmax(-1));
        ROWWISE.put("log_softmax", x -> x.reshape(-1, ROW).logSoftmax(-1));
        ROWWISE.put("logsumexp", x -> x.reshape(-1, ROW).logsumexp(-1));
    }

    /**
     * The cancellation regions, where an error is also measured in ulps of 1 (the result is a difference of terms of
     * order 1 that nearly cancel, for every implementation that does not special-case the zero): lgamma and digamma
     * for negative arguments (the reflection formula) and near their positive zeros (lgamma at 1 and 2, digamma at
     * 1.4616), polygamma for negative arguments, log_softmax (x - logsumexp). 0 where none.
     */
    static boolean cancellation(String op, double x) {
        switch (op) {
            case "lgamma": return x < 0 || Math.abs(x - 1) < 0.1 || Math.abs(x - 2) < 0.1;
            case "digamma": return x < 0 || Math.abs(x - 1.4616321449683622) < 0.1;
            case "polygamma1":
            case "polygamma2": return x < 0;
            case "log_softmax": return true;
            default: return false;
        }
    }

    // ------------------------------------------------------------------ ordered bit patterns

    static long ordered(double v, boolean f32) {
        if (f32) {
            int b = Float.floatToRawIntBits((float) v);
            return b >= 0 ? b : -(long) (b & 0x7fffffff) - 1;
        }
        long b = Double.doubleToRawLongBits(v);
        return b >= 0 ? b : -(b & Long.MAX_VALUE) - 1;
    }

    static double fromOrdered(long o, boolean f32) {
        if (f32) {
            int b = o >= 0 ? (int) o : (int) (-(o + 1)) | 0x80000000;
            return Float.intBitsToFloat(b);
        }
        long b = o >= 0 ? o : (-(o + 1)) | Long.MIN_VALUE;
        return Double.longBitsToDouble(b);
    }

    static double fromHex(String h, boolean f32) {
        return f32 ? Float.intBitsToFloat((int) Long.parseLong(h, 16)) : Double.longBitsToDouble(Long.parseUnsignedLong(h, 16));
    }

    // ------------------------------------------------------------------ cases

    static final class Case {
        String op;
        boolean f32;
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        double[] ref;
        double[] torch;

        String name() {
            return op + " " + (f32 ? "float32" : "float64");
        }
    }

    static List<Case> load() throws IOException {
        InputStream in = MathAccuracySweepTest.class.getResourceAsStream("/mathaccuracy/expected.txt");
        assertNotNull(in, "mathaccuracy/expected.txt");
        List<Case> cases = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            Case c = null;
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "case":
                        c = new Case();
                        c.op = f[1];
                        c.f32 = f[2].equals("float32");
                        break;
                    case "seg": {
                        long lo = Long.parseLong(f[1]);
                        long hi = Long.parseLong(f[2]);
                        int n = Integer.parseInt(f[3]);
                        long step = (hi - lo) / (n - 1); // non-negative: the same as Python's floor division
                        for (int i = 0; i < n; i++) {
                            c.a.add(fromOrdered(lo + step * i, c.f32));
                        }
                        break;
                    }
                    case "pts":
                        for (int i = 1; i < f.length; i++) {
                            int comma = f[i].indexOf(',');
                            if (comma < 0) {
                                c.a.add(fromHex(f[i], c.f32));
                            } else {
                                c.a.add(fromHex(f[i].substring(0, comma), c.f32));
                                c.b.add(fromHex(f[i].substring(comma + 1), c.f32));
                            }
                        }
                        break;
                    case "vals": {
                        int n = f.length - 1;
                        c.ref = new double[n];
                        c.torch = new double[n];
                        for (int i = 0; i < n; i++) {
                            String[] p = f[i + 1].split(":");
                            c.ref[i] = fromHex(p[0], c.f32);
                            if (p[1].equals("n")) {
                                c.torch[i] = Double.NaN;
                            } else if (p[1].startsWith("r") || p[1].startsWith("x")) {
                                c.torch[i] = fromHex(p[1].substring(1), c.f32);
                            } else {
                                c.torch[i] = fromOrdered(ordered(c.ref[i], c.f32) + Long.parseLong(p[1]), c.f32);
                            }
                        }
                        break;
                    }
                    case "end":
                        cases.add(c);
                        c = null;
                        break;
                    default:
                        throw new IllegalStateException("bad line " + line.substring(0, Math.min(40, line.length())));
                }
            }
        }
        return cases;
    }

    static Tensor tensor(List<Double> v, boolean f32) {
        if (f32) {
            float[] a = new float[v.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (double) v.get(i);
            }
            return Tensor.tensor(a);
        }
        double[] a = new double[v.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = v.get(i);
        }
        return Tensor.tensor(a, DType.FLOAT64);
    }

    static Tensor strided(Tensor t) {
        return Tensor.stack(List.of(t, t.neg()), 1).select(1, 0);
    }

    static double[] values(Tensor t) {
        return t.toDoubleArray(); // float32 -> float64 is exact
    }

    /** Ember's results, contiguous and strided (null where the op has no strided form). */
    static double[][] run(Case c) {
        Tensor a = tensor(c.a, c.f32);
        if (UNARY.containsKey(c.op)) {
            Function<Tensor, Tensor> f = UNARY.get(c.op);
            return new double[][] {values(f.apply(a)), values(f.apply(strided(a)))};
        }
        if (BINARY.containsKey(c.op)) {
            Tensor b = tensor(c.b, c.f32);
            BiFunction<Tensor, Tensor, Tensor> f = BINARY.get(c.op);
            return new double[][] {values(f.apply(a, b)), values(f.apply(strided(a), strided(b)))};
        }
        return new double[][] {values(ROWWISE.get(c.op).apply(a))};
    }

    /** The input (or pair, or row) of result i. */
    static String input(Case c, int i) {
        if (!c.b.isEmpty()) {
            return "(" + c.a.get(i) + ", " + c.b.get(i) + ")";
        }
        if (c.op.equals("logsumexp")) {
            return "row " + i + " " + c.a.subList(i * ROW, Math.min((i + 1) * ROW, i * ROW + 4)) + "...";
        }
        if (ROWWISE.containsKey(c.op)) {
            int r = i / ROW;
            return "element " + (i % ROW) + " (" + c.a.get(i) + ") of row " + r;
        }
        return String.valueOf(c.a.get(i));
    }

    static double inputValue(Case c, int i) {
        return ROWWISE.containsKey(c.op) ? Double.NaN : c.a.get(i);
    }

    static boolean finite(double v) {
        return !Double.isNaN(v) && !Double.isInfinite(v);
    }

    /** The error of v: distance in ulps of the dtype, or in the cancellation region the smaller of that and ulps of 1. */
    static double error(Case c, int i, double v) {
        double r = c.ref[i];
        double ulps = Math.abs((double) (ordered(v, c.f32) - ordered(r, c.f32)));
        if (!Double.isNaN(inputValue(c, i)) && cancellation(c.op, inputValue(c, i))
                || c.op.equals("log_softmax")) {
            double one = c.f32 ? Math.ulp(1f) : Math.ulp(1.0);
            ulps = Math.min(ulps, Math.abs(v - r) / one);
        }
        return ulps;
    }

    static boolean sameNonFinite(double v, double r) {
        return Double.isNaN(v) ? Double.isNaN(r) : v == r;
    }

    static String describe(Case c, int i, double ember) {
        return input(c, i) + ": Ember " + ember + ", reference " + c.ref[i] + ", PyTorch " + c.torch[i];
    }

    static void check(Case c) {
        double[][] results = run(c);
        StringBuilder problems = new StringBuilder();
        // PyTorch's error at each point and its largest
        double[] torchErr = new double[c.ref.length];
        double torchMax = 0;
        int torchWorst = -1;
        for (int i = 0; i < c.ref.length; i++) {
            if (finite(c.ref[i]) && finite(c.torch[i])) {
                torchErr[i] = error(c, i, c.torch[i]);
                if (torchErr[i] > torchMax) {
                    torchMax = torchErr[i];
                    torchWorst = i;
                }
            } else {
                torchErr[i] = Double.POSITIVE_INFINITY;
            }
        }
        double bound = Math.max(KNOWN_ULPS.getOrDefault(c.name(), (double) MIN_BOUND), 2 * torchMax);
        double localMin = Math.max(LOCAL_MIN_BOUND, KNOWN_ULPS.getOrDefault(c.name(), 0.0));
        double emberMax = 0;
        int emberWorst = -1;
        double emberWorstValue = 0;
        String layoutWorst = "";
        int nonFinite = 0;
        int zeroSign = 0;
        int over = 0;
        int overLocal = 0;
        String firstNonFinite = null;
        String firstZero = null;
        // the points where Ember is over max(MIN_BOUND, 2 x PyTorch's error at that point), worst first
        List<double[]> local = new ArrayList<>(); // {error, index, value}
        for (int k = 0; k < results.length; k++) {
            double[] e = results[k];
            String layout = k == 0 ? "contiguous" : "strided";
            if (e.length != c.ref.length) {
                fail(c.name() + ": " + e.length + " results for " + c.ref.length + " references");
            }
            for (int i = 0; i < e.length; i++) {
                double v = e[i];
                double r = c.ref[i];
                if (!finite(v) || !finite(r)) {
                    boolean torchOk = sameNonFinite(c.torch[i], r) || finite(c.torch[i]) && finite(r);
                    boolean emberOk = finite(v) && finite(r) || sameNonFinite(v, r);
                    if (!emberOk && torchOk) {
                        nonFinite++;
                        if (firstNonFinite == null) {
                            firstNonFinite = layout + " " + describe(c, i, v);
                        }
                    }
                    continue;
                }
                // a zero of the other sign than PyTorch's where PyTorch's has the reference's sign (a reference -0 is a
                // negative value rounded to zero; a +0 an exact zero (mpmath has no signed zeros) or a positive value)
                if (v == 0 && r == 0 && c.torch[i] == 0 && Double.compare(v, c.torch[i]) != 0
                        && Double.compare(c.torch[i], r) == 0 && !ZERO_SIGN_2X.contains(c.op)) {
                    zeroSign++;
                    if (firstZero == null) {
                        firstZero = layout + " " + describe(c, i, v);
                    }
                }
                double err = error(c, i, v);
                if (err > bound) {
                    over++;
                }
                if (k == 0 && err > Math.max(localMin, 2 * torchErr[i])) {
                    overLocal++;
                    local.add(new double[] {err, i, v});
                }
                if (err > emberMax) {
                    emberMax = err;
                    emberWorst = i;
                    emberWorstValue = v;
                    layoutWorst = layout;
                }
            }
        }
        String summary = String.format("%s: %d points; Ember max %.4g ulps%s, PyTorch max %.4g ulps%s; bound %.4g",
                c.name(), c.ref.length, emberMax,
                emberWorst < 0 ? "" : " (" + layoutWorst + " at " + describe(c, emberWorst, emberWorstValue) + ")",
                torchMax, torchWorst < 0 ? "" : " (at " + input(c, torchWorst) + ": PyTorch " + c.torch[torchWorst]
                        + ", reference " + c.ref[torchWorst] + ")", bound);
        if (nonFinite > 0) {
            problems.append("; ").append(nonFinite).append(" NaN/inf mismatches where PyTorch matches the reference, first: ")
                    .append(firstNonFinite);
        }
        if (zeroSign > 0) {
            problems.append("; ").append(zeroSign).append(" zeros of the other sign than PyTorch's, first: ").append(firstZero);
        }
        if (emberMax > bound) {
            problems.append("; ").append(over).append(" results over the bound");
        }
        if (overLocal > 0) {
            local.sort((x, y) -> Double.compare(y[0], x[0]));
            problems.append("; ").append(overLocal).append(" results over max(").append(LOCAL_MIN_BOUND)
                    .append(", 2 x PyTorch's error at the same point), worst:");
            for (int j = 0; j < Math.min(5, local.size()); j++) {
                int i = (int) local.get(j)[1];
                problems.append(String.format(" [%.4g ulps (PyTorch %.4g) at %s]", local.get(j)[0], torchErr[i],
                        describe(c, i, local.get(j)[2])));
            }
        }
        System.out.println("[math-accuracy] " + (problems.length() > 0 ? "FAIL " : "ok   ") + summary + problems);
        if (problems.length() > 0) {
            fail(summary + problems);
        }
    }

    @TestFactory
    List<DynamicTest> sweep() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : load()) {
            if (!UNARY.containsKey(c.op) && !BINARY.containsKey(c.op) && !ROWWISE.containsKey(c.op)) {
                throw new IllegalStateException("no Ember op for " + c.op);
            }
            tests.add(DynamicTest.dynamicTest(c.name(), () -> check(c)));
        }
        return tests;
    }
}
