package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float64 / complex128 gradients of session 54's differentiable overloads (Leftovers54Test checks their values):
 * complex pow by a Java complex or double exponent (every shortcut: 2, 3, 0.5, -0.5, -1, -2, 0) and by a tensor, at a
 * zero base too, {@code pow(Complex, Tensor)} of a real and a complex exponent tensor, a Java boolean as the scalar of
 * add / mul / div / where, and {@code dtype=} of vector_norm / matrix_norm / linalg.norm / norm. Each against PyTorch's
 * gradient of {@code sum(view_as_real(y) * w)} (resources {@code leftovers54grad/make_expected.py}; infinities, NaN
 * and zeros by their bits, others within 1e-12 of the gradient's scale: {@link #same}), and where the function is
 * smooth at the point, Ember's numerical gradcheck and gradgradcheck as well.
 */
class Leftovers54GradTest {
    private static final Complex[] Z = {Complex.of(1.5, -0.5), Complex.of(-0.75, 2), Complex.of(0.25, 0.5), Complex.of(3, 1)};
    private static final Complex[] E = {Complex.of(0.5, -1), Complex.of(2, 0.25), Complex.of(-1.5, 0), Complex.of(1, 1)};
    private static final double[] R = {0.25, 1.5, -2.0, 0.75};
    private static final Complex[] ZB = {Complex.of(0, 0), Complex.of(0, 0), Complex.of(0, 0), Complex.of(1, 1)};
    private static final Complex[] EB = {Complex.of(2, 0), Complex.of(0, 0), Complex.of(3, 0), Complex.of(0.5, -1)};
    private static final double[] XR = {1.5, -2.0, 0.25, 3.0};
    private static final double[][] XM = {{1.5, -2.0, 3.0, 0.5}, {0.25, 4.0, -1.0, 2.0}, {-3.0, 1.0, 0.75, -0.5}};

    /** A case: its inputs (fresh leaves) and the function of them. */
    private record Case(Supplier<Tensor[]> inputs, Function<Tensor[], Tensor> f, boolean smooth) {
    }

    private static Supplier<Tensor[]> leaves(Supplier<Tensor>... makers) {
        return () -> {
            Tensor[] t = new Tensor[makers.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = makers[i].get().requiresGrad_(true);
            }
            return t;
        };
    }

    private static Tensor xc() {
        Complex[][] c = new Complex[3][4];
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 4; k++) {
                c[i][k] = Complex.of(XM[i][k], 0.5 * ((3 * k) % 5 - 2));
            }
        }
        return Tensor.stack(List.of(Tensor.tensor(c[0], DType.COMPLEX128), Tensor.tensor(c[1], DType.COMPLEX128),
                Tensor.tensor(c[2], DType.COMPLEX128)), 0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Case> cases() {
        Map<String, Case> m = new LinkedHashMap<>();
        Supplier<Tensor[]> cz = leaves(() -> Tensor.tensor(Z, DType.COMPLEX128));
        double[] ps = {2, 3, 0.5, -0.5, -1, -2, 2.5, 0};
        for (int k = 0; k < ps.length; k++) {
            double p = ps[k];
            m.put("powComplexScalar_" + k, new Case(cz, x -> x[0].pow(Complex.of(p, 0)), true));
            m.put("powDouble_" + k, new Case(cz, x -> x[0].pow(p), true));
        }
        m.put("powComplexScalar_8", new Case(cz, x -> x[0].pow(Complex.of(1.5, -0.5)), true));
        m.put("powComplexTensor", new Case(leaves(() -> Tensor.tensor(Z, DType.COMPLEX128),
                () -> Tensor.tensor(E, DType.COMPLEX128)), x -> x[0].pow(x[1]), true));
        Supplier<Tensor[]> zb = leaves(() -> Tensor.tensor(ZB, DType.COMPLEX128));
        m.put("powZeroBaseTensor", new Case(leaves(() -> Tensor.tensor(ZB, DType.COMPLEX128),
                () -> Tensor.tensor(EB, DType.COMPLEX128)), x -> x[0].pow(x[1]), false));
        m.put("powZeroBaseScalar2", new Case(zb, x -> x[0].pow(Complex.of(2, 0)), false));
        m.put("powZeroBaseScalar3", new Case(zb, x -> x[0].pow(Complex.of(3, 0)), false));
        m.put("powZeroBaseScalar0", new Case(zb, x -> x[0].pow(Complex.of(0, 0)), false));
        Complex[] bases = {Complex.of(1, 2), Complex.of(-0.5, 0.25), Complex.of(0.5, -1)};
        for (int k = 0; k < bases.length; k++) {
            Complex b = bases[k];
            m.put("powComplexBase_" + k, new Case(leaves(() -> Tensor.tensor(R, DType.FLOAT64)),
                    x -> Tensor.pow(b, x[0]), true));
            m.put("powComplexBaseC_" + k, new Case(leaves(() -> Tensor.tensor(E, DType.COMPLEX128)),
                    x -> Tensor.pow(b, x[0]), true));
        }
        Supplier<Tensor[]> xr = leaves(() -> Tensor.tensor(XR, DType.FLOAT64));
        Supplier<Tensor> mask = () -> Tensor.tensor(new boolean[] {true, false, true, false});
        for (boolean b : new boolean[] {true, false}) {
            String s = b ? "T" : "F";
            m.put("add" + s, new Case(xr, x -> x[0].add(b), true));
            m.put("mul" + s, new Case(xr, x -> x[0].mul(b), true));
            m.put("div" + s, new Case(xr, x -> x[0].div(b), b));
            m.put("whereOther" + s, new Case(xr, x -> Tensor.where(mask.get(), x[0], b), true));
            m.put("whereInput" + s, new Case(xr, x -> Tensor.where(mask.get(), b, x[0]), true));
            m.put("addComplex" + s, new Case(cz, x -> x[0].add(b), true));
            m.put("mulComplex" + s, new Case(cz, x -> x[0].mul(b), true));
        }
        Supplier<Tensor[]> xm = leaves(() -> Tensor.tensor(XM, DType.FLOAT64));
        Supplier<Tensor[]> xcs = leaves(Leftovers54GradTest::xc);
        int[] last2 = {-2, -1};
        DType f64 = DType.FLOAT64;
        DType c128 = DType.COMPLEX128;
        m.put("vectorNorm3Real", new Case(xm, x -> x[0].vectorNorm(3.0, new int[] {1}, false, f64), true));
        m.put("vectorNorm3Complex", new Case(xcs, x -> x[0].vectorNorm(3.0, new int[] {1}, false, c128), true));
        m.put("matrixNormFro", new Case(xm, x -> x[0].matrixNorm("fro", last2, false, f64), true));
        m.put("matrixNormNucComplex", new Case(xcs, x -> x[0].matrixNorm("nuc", last2, false, c128), true));
        m.put("matrixNorm1Complex", new Case(xcs, x -> x[0].matrixNorm(1.0, last2, false, c128), true));
        m.put("matrixNorm2", new Case(xm, x -> x[0].matrixNorm(2.0, last2, false, f64), true));
        m.put("linalgNormNoneComplex", new Case(xcs, x -> x[0].linalgNorm((Double) null, null, false, c128), true));
        m.put("normP3Complex", new Case(xcs, x -> x[0].norm(3.0, new int[] {1}, false, c128), true));
        m.put("normFroReal", new Case(xm, x -> x[0].norm("fro", null, false, f64), true));
        return m;
    }

    /** w = 0.5, -0.25, 0.75, ... over the flattened real view of y, as the generator's. */
    private static Tensor loss(Tensor y) {
        Tensor yr = y.dtype().isComplex() ? y.viewAsReal() : y;
        int n = (int) yr.numel();
        double[] w = new double[n];
        for (int k = 0; k < n; k++) {
            w[k] = ((7 * k + 3) % 11 - 5) * 0.25;
        }
        return yr.mul(Tensor.tensor(w, DType.FLOAT64).reshape(yr.shape())).sum();
    }

    private static Map<String, List<String>> expected() throws IOException {
        try (InputStream in = Leftovers54GradTest.class.getResourceAsStream("/leftovers54grad/expected.txt")) {
            assertNotNull(in, "leftovers54grad/expected.txt");
            Map<String, List<String>> m = new LinkedHashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                String id = line.substring(0, line.indexOf(' '));
                m.computeIfAbsent(id, k -> new ArrayList<>()).add(line.substring(id.length() + 1));
            }
            return m;
        }
    }

    private static String format(Tensor g) {
        StringBuilder b = new StringBuilder(g.dtype().name().toLowerCase(java.util.Locale.ROOT));
        if (g.dtype().isComplex()) {
            double[] re = g.real().reshape(-1).toDoubleArray();
            double[] im = g.imag().reshape(-1).toDoubleArray();
            for (int i = 0; i < re.length; i++) {
                b.append(' ').append(hex(re[i])).append(',').append(hex(im[i]));
            }
        } else {
            for (double v : g.reshape(-1).toDoubleArray()) {
                b.append(' ').append(hex(v));
            }
        }
        return b.toString();
    }

    private static String hex(double v) {
        return Leftovers54Test.hex(v);
    }

    private static double parse(String s) {
        return Leftovers54Test.parse(s);
    }

    /**
     * Same dtype and values: infinities and NaN by their bits (NaN as NaN), a zero got for a zero wanted by its bits (the
     * sign), others within 1e-12 of the larger of the value and the gradient's largest finite part (a zero wanted may be
     * a last-bit residue in Ember: PyTorch's vectorized reciprocal {@code (c, -d) / (c^2 + d^2)} is exact where the
     * scalar loop's division, which Ember follows, leaves one).
     */
    static boolean same(String got, String want) {
        String[] g = got.split(" ");
        String[] w = want.split(" ");
        if (g.length != w.length || !g[0].equals(w[0])) {
            return false;
        }
        double scale = 0;
        for (int i = 1; i < w.length; i++) {
            for (String part : w[i].split(",")) {
                double e = parse(part);
                if (Double.isFinite(e)) {
                    scale = Math.max(scale, Math.abs(e));
                }
            }
        }
        for (int i = 1; i < g.length; i++) {
            String[] gp = g[i].split(",");
            String[] wp = w[i].split(",");
            if (gp.length != wp.length) {
                return false;
            }
            for (int k = 0; k < wp.length; k++) {
                double a = parse(gp[k]);
                double e = parse(wp[k]);
                boolean ok = Double.isNaN(e) ? Double.isNaN(a)
                        : Double.isInfinite(e) || (e == 0 && a == 0) ? Double.doubleToLongBits(a) == Double.doubleToLongBits(e)
                        : Math.abs(a - e) <= 1e-12 * Math.max(Math.abs(e), scale);
                if (!ok) {
                    return false;
                }
            }
        }
        return true;
    }

    @Test
    void gradientsMatchPyTorch() throws IOException {
        Map<String, List<String>> want = expected();
        Map<String, Case> cases = cases();
        assertEquals(want.keySet(), cases.keySet(), "the generator's cases and the test's");
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Case> c : cases.entrySet()) {
            Tensor[] x = c.getValue().inputs().get();
            loss(c.getValue().f().apply(x)).backward();
            for (int i = 0; i < x.length; i++) {
                String w = want.get(c.getKey()).get(i);
                assertTrue(w.startsWith(i + " "), c.getKey() + ": " + w);
                String got = format(x[i].grad());
                if (!same(got, w.substring(2))) {
                    failures.add(c.getKey() + " input " + i + "\n   want " + w.substring(2) + "\n   got  " + got);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " differ:\n" + String.join("\n", failures));
    }

    /** Ember's numerical gradcheck and gradgradcheck (complex inputs through their real views) where smooth. */
    @Test
    void numericalGradchecks() {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<String, Case> c : cases().entrySet()) {
            if (!c.getValue().smooth()) {
                continue;
            }
            Tensor[] x = c.getValue().inputs().get();
            boolean[] complex = new boolean[x.length];
            Tensor[] real = new Tensor[x.length];
            for (int i = 0; i < x.length; i++) {
                complex[i] = x[i].dtype().isComplex();
                real[i] = (complex[i] ? x[i].detach().viewAsReal().clone() : x[i].detach().clone()).requiresGrad_(true);
            }
            Function<Tensor[], Tensor> f = r -> {
                Tensor[] in = new Tensor[r.length];
                for (int i = 0; i < r.length; i++) {
                    in[i] = complex[i] ? r[i].clone().viewAsComplex() : r[i];
                }
                Tensor y = c.getValue().f().apply(in);
                return y.dtype().isComplex() ? y.viewAsReal() : y;
            };
            checked++;
            if (!Autograd.gradcheck(f, real) || !Autograd.gradgradcheck(f, real)) {
                failures.add(c.getKey());
            }
        }
        assertEquals(46, checked, "the smooth cases");
        assertTrue(failures.isEmpty(), "gradcheck fails: " + failures);
    }

    /** The comparison sees a changed value, a changed sign of zero and a changed dtype. */
    @Test
    void theComparisonSeesAChange() {
        String w = "complex128 0x1.8p0,0x0.0p0 nan,inf";
        assertTrue(same(w, w));
        assertFalse(same("complex128 0x1.80000001p0,0x0.0p0 nan,inf", w));
        assertTrue(same("complex128 0x1.8p0,0x1.0p-57 nan,inf", w));
        assertFalse(same("complex128 0x1.8p0,0x1.0p-30 nan,inf", w));
        assertFalse(same("complex128 0x1.8p0,-0x0.0p0 nan,inf", w));
        assertFalse(same("complex64 0x1.8p0,0x0.0p0 nan,inf", w));
    }
}
