package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A complex64 / complex128 tensor to a real power, as PyTorch 2.x's CPU kernel computes it (resources
 * {@code complexpowshortcuts/make_expected.py}: 1.13's values, with 2.x's complex division emulated for -0.5, -1 and
 * -2, as its header says): 0 fills ones, 1 copies, 0.5 is csqrt, -0.5 {@code 1 / csqrt(z)}, -1 {@code 1 / z}, 2 and 3
 * products, -2 {@code 1 / (z * z)}, other exponents glibc's cpow. At a zero base -0.5, -1 and -2 give
 * {@code inf+nanj} (2.x's scalar loop; its vectorized reciprocal gives nan+nanj, 1.13's textbook division nan+nanj for
 * -2). PyTorch's scalar loop and its vectorized body differ in last bits (and at a zero base: nan+nanj there), so an
 * element may equal either path's (the generator's two rows); shortcut exponents by their bits (NaN as NaN), cpow within
 * 4 ulps; for a Java double exponent, a Java complex one with a zero imaginary part, and a stride-2 view.
 */
class ComplexPowShortcutsTest {
    private static final Complex[] Z = {Complex.of(0, 0), Complex.of(-0.0, 0), Complex.of(0, -0.0), Complex.of(-0.0, -0.0),
        Complex.of(1.5, -0.5), Complex.of(-3, 4), Complex.of(-2, 0), Complex.of(-2, -0.0), Complex.of(0, 0.25),
        Complex.of(1e-3, 2e-3), Complex.of(7, -1e-4), Complex.of(1e20, 1e19), Complex.of(1e-25, -3e-25),
        Complex.of(1e200, 1), Complex.of(1e-170, 1e-170), Complex.of(Double.POSITIVE_INFINITY, 1),
        Complex.of(1, Double.POSITIVE_INFINITY), Complex.of(Double.NaN, 0), Complex.of(Double.NEGATIVE_INFINITY, 0.5)};

    private static List<String[]> expected() throws IOException {
        try (InputStream in = ComplexPowShortcutsTest.class.getResourceAsStream("/complexpowshortcuts/expected.txt")) {
            assertNotNull(in, "complexpowshortcuts/expected.txt");
            List<String[]> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                rows.add(line.split(" "));
            }
            return rows;
        }
    }

    private static double parse(String s) {
        return s.equals("nan") ? Double.NaN : s.equals("inf") ? Double.POSITIVE_INFINITY
                : s.equals("-inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(s);
    }

    /** The exponents PyTorch computes by a shortcut: their results are compared by their bits. */
    private static boolean shortcut(double p) {
        return p == 0 || p == 1 || p == 0.5 || p == -0.5 || p == -1 || p == 2 || p == -2 || p == 3;
    }

    /**
     * The first element of {@code got} equal to neither PyTorch path's ({@code scalar}, {@code vec}: parts from the
     * fourth field on), or null. Shortcut exponents by bits; glibc's cpow within 4 ulps (ComplexKernels stands in for
     * glibc's double log / atan2 / sin / cos with results that may differ in a last bit).
     */
    private static String differs(Tensor got, double p, String[] scalar, String[] vec) {
        double[] re = got.real().to(DType.FLOAT64).reshape(-1).toDoubleArray();
        double[] im = got.imag().to(DType.FLOAT64).reshape(-1).toDoubleArray();
        if (re.length != scalar.length - 3 || re.length != vec.length - 3) {
            return "length " + re.length;
        }
        boolean f32 = got.dtype() == DType.COMPLEX64;
        int ulps = shortcut(p) ? 0 : 4;
        for (int i = 0; i < re.length; i++) {
            if (!close(re[i], im[i], scalar[i + 3], ulps, f32) && !close(re[i], im[i], vec[i + 3], ulps, f32)) {
                return "element " + i + " (" + Z[i] + "): got " + re[i] + "," + im[i] + " want " + scalar[i + 3]
                        + " (scalar) or " + vec[i + 3] + " (vectorized)";
            }
        }
        return null;
    }

    private static boolean close(double re, double im, String want, int ulps, boolean f32) {
        String[] w = want.split(",");
        return near(re, parse(w[0]), ulps, f32) && near(im, parse(w[1]), ulps, f32);
    }

    /** Equal bits (NaN as NaN), or for a finite non-zero expected value within {@code ulps} of the element's type. */
    static boolean near(double a, double e, int ulps, boolean f32) {
        if (sameBits(a, e)) {
            return true;
        }
        if (ulps == 0 || e == 0 || !Double.isFinite(e) || !Double.isFinite(a)) {
            return false;
        }
        double ulp = f32 ? Math.ulp((float) e) : Math.ulp(e);
        return Math.abs(a - e) <= ulps * ulp;
    }

    private static boolean sameBits(double a, double e) {
        return Double.isNaN(e) ? Double.isNaN(a) : Double.doubleToLongBits(a) == Double.doubleToLongBits(e);
    }

    @Test
    void everyExponentMatchesPyTorch2() throws IOException {
        List<String[]> rows = expected();
        assertEquals(40, rows.size(), "two dtypes times ten exponents times two paths");
        List<String> failures = new ArrayList<>();
        for (int r = 0; r < rows.size(); r += 2) {
            String[] scalar = rows.get(r);
            String[] vec = rows.get(r + 1);
            assertEquals("scalar", scalar[1]);
            assertEquals("vec", vec[1]);
            assertEquals(scalar[2], vec[2]);
            DType dt = scalar[0].equals("complex64") ? DType.COMPLEX64 : DType.COMPLEX128;
            double p = parse(scalar[2]);
            Tensor z = Tensor.tensor(Z, dt);
            Tensor strided = Tensor.stack(List.of(z, z.zerosLike()), 1).reshape(-1).slice(0, 0, 2 * Z.length, 2);
            Tensor[] results = {z.pow(p), z.pow(Complex.of(p, 0)), strided.pow(p)};
            String[] how = {"double", "Complex", "stride 2"};
            for (int k = 0; k < results.length; k++) {
                assertEquals(dt, results[k].dtype());
                String d = differs(results[k], p, scalar, vec);
                if (d != null) {
                    failures.add(scalar[0] + " ** " + p + " (" + how[k] + "): " + d);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " differ:\n" + String.join("\n", failures));
    }

    /** The shortcuts' values at a zero base, spelled out (the file's, by name): inf+nanj for -0.5, -1 and -2. */
    @Test
    void zeroBaseNegativeShortcutsAreInfNan() {
        for (DType dt : new DType[] {DType.COMPLEX64, DType.COMPLEX128}) {
            for (double p : new double[] {-0.5, -1, -2}) {
                Tensor r = Tensor.tensor(new Complex[] {Complex.of(0, 0), Complex.of(-0.0, -0.0)}, dt).pow(p);
                double[] re = r.real().to(DType.FLOAT64).toDoubleArray();
                double[] im = r.imag().to(DType.FLOAT64).toDoubleArray();
                for (int i = 0; i < 2; i++) {
                    assertEquals(Double.POSITIVE_INFINITY, Math.abs(re[i]), dt + " 0 ** " + p);
                    assertTrue(Double.isNaN(im[i]), dt + " 0 ** " + p);
                }
            }
        }
    }

    /** The comparison sees a last-bit change, a sign of zero and NaN against a number. */
    @Test
    void theComparisonSeesAChange() {
        assertTrue(sameBits(Double.NaN, Double.NaN));
        assertFalse(sameBits(0.0, -0.0));
        assertFalse(sameBits(Math.nextUp(1.5), 1.5));
        assertFalse(sameBits(Double.NaN, Double.POSITIVE_INFINITY));
        assertTrue(near(1.5 + 4 * Math.ulp(1.5), 1.5, 4, false));
        assertFalse(near(1.5 + 5 * Math.ulp(1.5), 1.5, 4, false));
        assertFalse(near(Math.nextUp(1.5), 1.5, 0, false));
        assertFalse(near(Double.NaN, 1.5, 4, false));
    }
}
