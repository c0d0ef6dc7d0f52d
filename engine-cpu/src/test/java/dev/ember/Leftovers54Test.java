package dev.ember;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzz round 32's leftovers and the API gaps it listed, against PyTorch ({@code resources/leftovers54/make_expected.py},
 * 1.13 with 2.x emulated where they differ, as its header says): complex pow with a zero base (glibc's cpow: NaN for
 * {@code 0 ** (bi)} and {@code 0 ** 0} of two tensors, {@code (inf, nan)} for a negative real part, and
 * pow_Tensor_Scalar's shortcuts), {@code pow(Complex, Tensor)}, cumsum / cumprod of a 0-dim complex input with a real
 * {@code dtype=} (the checked conversion refuses a non-zero imaginary part), softmax / log_softmax with a complex
 * {@code dtype=} (refused by the kernel's dispatch), bfloat16 {@code vector_norm} with ord 3 (2.x accumulates in
 * float), {@code dtype=} of norm / linalg.norm / matrix_norm (2.x's torch.norm is linalg's), the {@code *_like} /
 * {@code new_*} factories with a {@code dtype}, and a Java boolean as the scalar of
 * add / mul / div / eq / ne / where. Dtype, shape and grad_fn exactly; values by their bits where a zero, an infinity
 * or NaN is expected (signed zeros included), within a few units of the type's precision otherwise; messages exactly.
 */
class Leftovers54Test {
    private static final Complex[] ZB = {Complex.of(0, 0), Complex.of(-0.0, 0), Complex.of(0, -0.0), Complex.of(1.5, -0.5)};
    private static final Complex[] EXPS = {Complex.of(0, 0), Complex.of(1, 0), Complex.of(0.5, 0), Complex.of(2, 0),
        Complex.of(3, 0), Complex.of(1.5, 0), Complex.of(-1.5, 0), Complex.of(0, 2), Complex.of(-0.0, -2), Complex.of(1, 1),
        Complex.of(1, -2), Complex.of(-1, 1), Complex.of(-1, -2), Complex.of(0.5, 1), Complex.of(0.001, 0),
        Complex.of(0.0, -0.0)};

    @AfterEach
    void restore() {
        Ember.setDefaultDtype(DType.FLOAT32);
    }

    private static Map<String, Supplier<Tensor>> cases() {
        Map<String, Supplier<Tensor>> m = new LinkedHashMap<>();
        // ---- complex pow with a zero base
        for (String dn : new String[] {"c64", "c128"}) {
            DType dt = dn.equals("c64") ? DType.COMPLEX64 : DType.COMPLEX128;
            for (int k = 0; k < EXPS.length; k++) {
                Complex e = EXPS[k];
                m.put("powZeroScalar_" + dn + "_" + k, () -> Tensor.tensor(ZB, dt).pow(e));
            }
            Complex[] all = java.util.Arrays.copyOf(EXPS, EXPS.length + 3);
            all[EXPS.length] = Complex.of(-0.5, 0);
            all[EXPS.length + 1] = Complex.of(-1, 0);
            all[EXPS.length + 2] = Complex.of(-2, 0);
            m.put("powZeroTensor_" + dn, () -> Tensor.tensor(ZB, dt).reshape(4, 1).pow(Tensor.tensor(all, dt)));
            m.put("powZeroTensorExpScalar_" + dn,
                    () -> Tensor.tensor(ZB, dt).pow(Tensor.tensor(Complex.of(0, -2), dt)));
        }
        m.put("powInt32MinusTwoJ", () -> Tensor.tensor(new long[][] {{4, -2, 0}, {0, 3, -1}}, DType.INT32)
                .pow(Complex.of(-0.0, -2)));
        m.put("powInt32MinusTwoJTensor", () -> Tensor.tensor(new long[] {0, 2, -1}, DType.INT32)
                .pow(Tensor.tensor(new Complex[] {Complex.of(0, -2), Complex.of(0, 0), Complex.of(1, 1)})));
        m.put("powFloatZeroComplex", () -> Tensor.tensor(new double[] {0.0, -0.0, 2.0}).pow(Complex.of(0.5, 1)));
        m.put("powFloat64ZeroComplex", () -> Tensor.tensor(new double[] {0.0, -0.0, 2.0}, DType.FLOAT64)
                .pow(Complex.of(-1, 0.5)));
        // ---- pow(Complex, Tensor)
        double[] ev = {0.0, 1.0, -1.5, 2.5};
        m.put("powComplexBaseFloat", () -> Tensor.pow(Complex.of(1, 2), Tensor.tensor(ev)));
        m.put("powComplexBaseFloatGrad", () -> Tensor.pow(Complex.of(1, 2), Tensor.tensor(ev).requiresGrad_(true)));
        m.put("powComplexBaseFloat64", () -> Tensor.pow(Complex.of(-0.5, 0.25), Tensor.tensor(ev, DType.FLOAT64)));
        m.put("powComplexBaseInt64", () -> Tensor.pow(Complex.of(1, 2), Tensor.tensor(new long[] {0, 1, 2, -3})));
        m.put("powComplexBaseBool", () -> Tensor.pow(Complex.of(1, 2), Tensor.tensor(new boolean[] {true, false})));
        m.put("powComplexBaseComplex128", () -> Tensor.pow(Complex.of(1, 2),
                Tensor.tensor(new Complex[] {Complex.of(0.5, -1), Complex.of(2, 0)}, DType.COMPLEX128)));
        m.put("powComplexBaseOne", () -> Tensor.pow(Complex.of(1, 0),
                Tensor.tensor(new double[] {Double.NaN, 2.0, Double.POSITIVE_INFINITY})));
        m.put("powComplexBaseZero", () -> Tensor.pow(Complex.of(0, 0), Tensor.tensor(new double[] {0.0, 1.0, -1.0, 0.5})));
        m.put("powComplexBaseInt64Default64", () -> {
            Ember.setDefaultDtype(DType.FLOAT64);
            try {
                return Tensor.pow(Complex.of(1, 2), Tensor.tensor(new long[] {0, 1, 2, -3}));
            } finally {
                Ember.setDefaultDtype(DType.FLOAT32);
            }
        });
        Supplier<Tensor> nanAnd = () -> Tensor.tensor(new Complex[] {Complex.of(Double.NaN, 0), Complex.of(2, 1)});
        m.put("powRealBaseOneComplex", () -> Tensor.pow(1.0, nanAnd.get()));
        m.put("powIntBaseOneComplex", () -> Tensor.pow(1L, nanAnd.get()));
        m.put("powRealBaseComplex", () -> Tensor.pow(2.0, Tensor.tensor(new Complex[] {Complex.of(0.5, 1), Complex.of(-1, 0)})));
        // ---- the dtype= of norm, linalg.norm and linalg.matrix_norm, and the gradient of each norm's sum
        Supplier<Tensor> xm = () -> Tensor.tensor(new double[][] {{1.5, -2.0, 3.0, 0.5}, {0.25, 4.0, -1.0, 2.0},
            {-3.0, 1.0, 0.75, -0.5}});
        DType f64 = DType.FLOAT64;
        Map<String, java.util.function.UnaryOperator<Tensor>> norms = new LinkedHashMap<>();
        norms.put("normP3", x -> x.norm(3.0, new int[] {1}, false, f64));
        norms.put("normFro", x -> x.norm("fro", null, false, f64));
        norms.put("normNuc", x -> x.norm("nuc", null, true, f64));
        norms.put("linalgNormMatrix1", x -> x.linalgNorm(1.0, null, false, f64));
        norms.put("linalgNormNone", x -> x.linalgNorm((Double) null, null, false, f64));
        norms.put("linalgNormVectorInf", x -> x.linalgNorm(Double.POSITIVE_INFINITY, new int[] {0}, true, f64));
        norms.put("linalgNormFro", x -> x.linalgNorm("fro", null, false, f64));
        norms.put("matrixNorm2", x -> x.matrixNorm(2.0, new int[] {-2, -1}, false, f64));
        norms.put("matrixNormMinusInf", x -> x.matrixNorm(Double.NEGATIVE_INFINITY, new int[] {-2, -1}, false, f64));
        norms.put("matrixNormNuc", x -> x.matrixNorm("nuc", new int[] {-2, -1}, false, f64));
        for (Map.Entry<String, java.util.function.UnaryOperator<Tensor>> e : norms.entrySet()) {
            m.put(e.getKey(), () -> e.getValue().apply(xm.get().requiresGrad_(true)));
            m.put(e.getKey() + "Grad", () -> {
                Tensor x = xm.get().requiresGrad_(true);
                e.getValue().apply(x).sum().backward();
                return x.grad();
            });
        }
        int[] last2 = {-2, -1};
        m.put("matrixNormNucComplexOfReal", () -> xm.get().matrixNorm("nuc", last2, false, DType.COMPLEX128));
        m.put("matrixNorm1ComplexOfReal", () -> xm.get().matrixNorm(1.0, last2, false, DType.COMPLEX128));
        m.put("matrixNorm1Narrowing", () -> xm.get().to(f64).matrixNorm(1.0, last2, false, DType.FLOAT32));
        m.put("matrixNorm1Int", () -> xm.get().matrixNorm(1.0, last2, false, DType.INT32));
        m.put("matrixNormFroInt", () -> xm.get().matrixNorm("fro", last2, false, DType.INT32));
        m.put("matrixNormNucInt", () -> xm.get().matrixNorm("nuc", last2, false, DType.INT32));
        m.put("normP2Int", () -> xm.get().norm(2.0, null, false, DType.INT32));
        m.put("normFroInt", () -> xm.get().norm("fro", null, false, DType.INT32));
        m.put("linalgNormComplex", () -> xm.get().to(DType.COMPLEX64).linalgNorm(2.0, null, false, DType.COMPLEX128));
        // ---- cumsum / cumprod of a 0-dim input with dtype=
        Complex zc = Complex.of(-0.1198162307981179, 1.7724504106051657);
        for (String op : new String[] {"cumsum", "cumprod"}) {
            java.util.function.BiFunction<Tensor, DType, Tensor> f = op.equals("cumsum")
                    ? (x, d) -> x.cumsum(0, d) : (x, d) -> x.cumprod(0, d);
            Supplier<Tensor> z = () -> Tensor.tensor(zc, DType.COMPLEX128);
            m.put(op + "0dComplexToFloat64", () -> f.apply(z.get(), DType.FLOAT64));
            m.put(op + "0dComplexToInt64", () -> f.apply(z.get(), DType.INT64));
            m.put(op + "0dComplexRealToFloat32", () -> f.apply(Tensor.tensor(Complex.of(2.5, 0), DType.COMPLEX64), DType.FLOAT32));
            m.put(op + "0dComplexToBool", () -> f.apply(z.get(), DType.BOOL));
            m.put(op + "0dComplexToComplex64", () -> f.apply(z.get(), DType.COMPLEX64));
            m.put(op + "0dComplexBigToComplex64", () -> f.apply(Tensor.tensor(Complex.of(1e300, 1), DType.COMPLEX128), DType.COMPLEX64));
            m.put(op + "1dComplexToFloat64", () -> f.apply(z.get().reshape(1), DType.FLOAT64));
        }
        // ---- softmax / log_softmax with dtype=complex
        double[][] xs = {{1.0, 2.0, 3.0}, {0.5, -1.0, 2.0}};
        for (String op : new String[] {"softmax", "log_softmax"}) {
            for (String dn : new String[] {"c64", "c128"}) {
                DType dt = dn.equals("c64") ? DType.COMPLEX64 : DType.COMPLEX128;
                java.util.function.BiFunction<Tensor, Integer, Tensor> f = op.equals("softmax")
                        ? (x, d) -> x.softmax(d, dt) : (x, d) -> x.logSoftmax(d, dt);
                m.put(op + "ComplexLeaf_" + dn, () -> f.apply(Tensor.tensor(xs).requiresGrad_(true), -1));
                m.put(op + "ComplexLeafDim0_" + dn, () -> f.apply(Tensor.tensor(xs).requiresGrad_(true), 0));
                m.put(op + "ComplexNoGrad_" + dn, () -> f.apply(Tensor.tensor(xs), 1));
            }
        }
        // ---- bfloat16 vector_norm ord 3, and its gradient for a grad of 0.5
        Supplier<Tensor> xn = () -> Tensor.tensor(new double[] {82.0, 23.0, -75.0, 24.25}, DType.BFLOAT16);
        m.put("vectorNormBf16Ord3", () -> xn.get().vectorNorm(3.0, null, false).detach());
        m.put("vectorNormBf16Ord3Grad", () -> {
            Tensor x = xn.get().requiresGrad_(true);
            x.vectorNorm(3.0, null, false).backward(Tensor.tensor(0.5, DType.BFLOAT16));
            return x.grad();
        });
        // ---- the *_like and new_* factories with a dtype
        Supplier<Tensor> xl = () -> Tensor.tensor(new double[][] {{1.5, -2.0, 3.0}, {0.25, 4.0, -1.0}});
        Supplier<Tensor> xi = () -> Tensor.tensor(new long[] {3, -1, 7}, DType.INT16);
        m.put("zerosLikeDtype", () -> xl.get().zerosLike(DType.INT32));
        m.put("onesLikeDtype", () -> xi.get().onesLike(DType.COMPLEX128));
        m.put("onesLikeBool", () -> xl.get().onesLike(DType.BOOL));
        m.put("fullLikeDoubleDtype", () -> xi.get().fullLike(2.5, DType.FLOAT64));
        m.put("fullLikeDoubleToInt", () -> xl.get().fullLike(2.5, DType.INT64));
        m.put("fullLikeLongDtype", () -> xl.get().fullLike(300L, DType.INT16));
        m.put("fullLikeLongOverflow", () -> xl.get().fullLike(300L, DType.INT8));
        m.put("fullLikeBoolDtype", () -> xi.get().fullLike(true, DType.FLOAT32));
        m.put("fullLikeDoubleOverflowHalf", () -> xi.get().fullLike(1e5, DType.FLOAT16));
        m.put("randLikeDtype", seeded(() -> xl.get().randLike(DType.FLOAT64)));
        m.put("randLikeDtypeInt", seeded(() -> xl.get().randLike(DType.INT32)));
        m.put("randnLikeDtype", seeded(() -> xl.get().randnLike(DType.FLOAT64)));
        m.put("randintLikeDtype", seeded(() -> xl.get().randintLike(0, 10, DType.INT64)));
        m.put("randintLikeDtypeHigh", seeded(() -> xi.get().randintLike(100, DType.FLOAT32)));
        m.put("emptyLikeDtype", () -> xl.get().emptyLike(DType.COMPLEX64).zerosLike());
        m.put("newZerosDtype", () -> xl.get().newZeros(new int[] {2, 2}, DType.INT64));
        m.put("newOnesDtype", () -> xi.get().newOnes(new int[] {3}, DType.FLOAT64));
        m.put("newFullDoubleDtype", () -> xi.get().newFull(new int[] {2}, -2.25, DType.FLOAT32));
        m.put("newFullLongDtype", () -> xl.get().newFull(new int[] {2}, 7L, DType.UINT8));
        m.put("newFullLongOverflow", () -> xl.get().newFull(new int[] {2}, 256L, DType.UINT8));
        m.put("newFullBoolDtype", () -> xl.get().newFull(new int[] {1, 2}, true, DType.INT32));
        m.put("newEmptyDtype", () -> xl.get().newEmpty(new int[] {3, 1}, DType.BFLOAT16).zerosLike());
        m.put("newTensorDtype", () -> xi.get().newTensor(new double[] {1.5, -2.0, 3.0}, DType.FLOAT64));
        m.put("newTensorDtypeInt", () -> xl.get().newTensor(new long[] {1, 2, 3}, DType.INT8));
        // ---- a Java boolean as the scalar operand
        Supplier<Tensor> tb = () -> Tensor.tensor(new boolean[] {true, false, true});
        Map<String, Supplier<Tensor>> ts = new LinkedHashMap<>();
        ts.put("bool", tb);
        ts.put("int8", () -> Tensor.tensor(new long[] {1, -2, 0}, DType.INT8));
        ts.put("float32", () -> Tensor.tensor(new double[] {1.5, -2.0, 0.0}));
        ts.put("complex64", () -> Tensor.tensor(new Complex[] {Complex.of(1, 1), Complex.of(-2, 0), Complex.of(0, 0)}));
        for (Map.Entry<String, Supplier<Tensor>> e : ts.entrySet()) {
            Supplier<Tensor> t = e.getValue();
            for (boolean b : new boolean[] {true, false}) {
                String s = "_" + e.getKey() + "_" + (b ? "T" : "F");
                m.put("add" + s, () -> t.get().add(b));
                m.put("mul" + s, () -> t.get().mul(b));
                m.put("div" + s, () -> t.get().div(b));
                m.put("eq" + s, () -> t.get().eq(b));
                m.put("ne" + s, () -> t.get().ne(b));
                m.put("whereOther" + s, () -> Tensor.where(tb.get(), t.get(), b));
                m.put("whereInput" + s, () -> Tensor.where(tb.get(), b, t.get()));
            }
        }
        m.put("addFloatLeafTrue", () -> Tensor.tensor(new double[] {1.5, -2.0, 0.0}).requiresGrad_(true).add(true));
        m.put("mulFloatLeafFalse", () -> Tensor.tensor(new double[] {1.5, -2.0, 0.0}).requiresGrad_(true).mul(false));
        return m;
    }

    private static Supplier<Tensor> seeded(Supplier<Tensor> f) {
        return () -> {
            Ember.manualSeed(54);
            return f.get();
        };
    }

    private static Map<String, String> expected() throws IOException {
        return expected("leftovers54/expected.txt");
    }

    /** A generator's {@code <id> => <result>} lines (a resource of this format), by id, in order. */
    static Map<String, String> expected(String resource) throws IOException {
        try (InputStream in = Leftovers54Test.class.getResourceAsStream("/" + resource)) {
            assertNotNull(in, resource);
            Map<String, String> m = new LinkedHashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                String[] sides = line.split(" => ", 2);
                m.put(sides[0], sides[1]);
            }
            return m;
        }
    }

    @Test
    void everyCaseMatchesPyTorch() throws IOException {
        Map<String, Supplier<Tensor>> cases = cases();
        List<String> failures = mismatches(expected(), cases);
        assertEquals(DType.FLOAT32, Ember.getDefaultDtype(), "the default dtype is float32 again");
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases.size() + " differ:\n" + String.join("\n", failures));
    }

    /**
     * The cases whose result (formatted as the generator's, or "ERR" and the refusal's message) is not {@link #same}
     * as the wanted line, each as its id, the wanted and the got; the ids must be the generator's.
     */
    static List<String> mismatches(Map<String, String> want, Map<String, Supplier<Tensor>> cases) {
        assertEquals(want.keySet(), cases.keySet(), "the generator's cases and the test's");
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Supplier<Tensor>> c : cases.entrySet()) {
            String got;
            try {
                got = format(c.getValue().get());
            } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
                got = "ERR " + e.getMessage();
            }
            if (!same(got, want.get(c.getKey()))) {
                failures.add(c.getKey() + "\n   want " + want.get(c.getKey()) + "\n   got  " + got);
            }
        }
        return failures;
    }

    /** The comparison sees a changed value, a changed sign of zero, a changed dtype and a changed message. */
    @Test
    void theComparisonSeesAChange() {
        String w = "complex64 2 - 0x1.8p0,0x0.0p+0 nan,nan";
        assertTrue(same(w, w));
        assertFalse(same("complex64 2 - 0x1.8p0,-0x0.0p+0 nan,nan", w));
        assertFalse(same("complex64 2 - 0x1.9p0,0x0.0p+0 nan,nan", w));
        assertFalse(same("complex64 2 - 0x1.8p0,0x0.0p+0 inf,nan", w));
        assertFalse(same("complex128 2 - 0x1.8p0,0x0.0p+0 nan,nan", w));
        assertFalse(same("complex64 2 PowBackward0 0x1.8p0,0x0.0p+0 nan,nan", w));
        assertFalse(same("ERR a", "ERR b"));
    }

    static String format(Tensor t) {
        StringBuilder b = new StringBuilder(t.dtype().name().toLowerCase(Locale.ROOT)).append(' ');
        StringBuilder shape = new StringBuilder();
        for (int i = 0; i < t.dim(); i++) {
            shape.append(i > 0 ? "," : "").append(t.size(i));
        }
        b.append(t.dim() == 0 ? "-" : shape).append(' ').append(t.gradFn() == null ? "-" : t.gradFn().name());
        Tensor d = t.detach();
        if (t.dtype().isComplex()) {
            double[] re = d.real().to(DType.FLOAT64).reshape(-1).toDoubleArray();
            double[] im = d.imag().to(DType.FLOAT64).reshape(-1).toDoubleArray();
            for (int i = 0; i < re.length; i++) {
                b.append(' ').append(hex(re[i])).append(',').append(hex(im[i]));
            }
        } else if (t.dtype().isFloatingPoint()) {
            for (double v : d.to(DType.FLOAT64).reshape(-1).toDoubleArray()) {
                b.append(' ').append(hex(v));
            }
        } else {
            for (long v : d.to(DType.INT64).reshape(-1).toLongArray()) {
                b.append(' ').append(v);
            }
        }
        return b.toString();
    }

    static String hex(double v) {
        return Double.isNaN(v) ? "nan" : v == Double.POSITIVE_INFINITY ? "inf" : v == Double.NEGATIVE_INFINITY ? "-inf"
                : Double.toHexString(v);
    }

    static double parse(String s) {
        return s.equals("nan") ? Double.NaN : s.equals("inf") ? Double.POSITIVE_INFINITY
                : s.equals("-inf") ? Double.NEGATIVE_INFINITY : s.contains("x") ? Double.parseDouble(s) : Long.parseLong(s);
    }

    /** Same dtype, shape, grad_fn and values (zeros, infinities and NaN by their bits, others within the type's ulps). */
    static boolean same(String got, String want) {
        if (want.startsWith("ERR") || got.startsWith("ERR")) {
            return got.equals(want);
        }
        String[] g = got.split(" ");
        String[] w = want.split(" ");
        if (g.length != w.length || !g[0].equals(w[0]) || !g[1].equals(w[1]) || !g[2].equals(w[2])) {
            return false;
        }
        double tol = w[0].equals("bfloat16") ? 1e-2 : w[0].equals("float16") ? 2e-3
                : w[0].equals("float32") || w[0].equals("complex64") ? 4e-6 : 1e-12;
        for (int i = 3; i < g.length; i++) {
            String[] gp = g[i].split(",");
            String[] wp = w[i].split(",");
            if (gp.length != wp.length) {
                return false;
            }
            for (int k = 0; k < wp.length; k++) {
                double a = parse(gp[k]);
                double e = parse(wp[k]);
                boolean exact = e == 0 || Double.isNaN(e) || Double.isInfinite(e);
                if (exact ? Double.doubleToLongBits(a) != Double.doubleToLongBits(e)
                        : !(Math.abs(a - e) <= tol * Math.abs(e))) {
                    return false;
                }
            }
        }
        return true;
    }
}
