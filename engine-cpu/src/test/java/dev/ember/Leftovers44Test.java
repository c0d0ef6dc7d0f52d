package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 44's leftovers: small differences from PyTorch 2.x that earlier sessions noted, each now PyTorch's. Values
 * from {@code leftovers44/make_expected.py} (PyTorch 1.13, and 2.x's rules where 1.13 differs, stated there).
 */
class Leftovers44Test {
    private static final Map<String, String> EXPECTED = ReferenceCases.strings("/leftovers44/expected.txt");

    private static double[] nums(String key) {
        String v = EXPECTED.get(key);
        assertTrue(v != null, "missing expected value " + key);
        return Arrays.stream(v.trim().split(" ")).mapToDouble(Leftovers44Test::num).toArray();
    }

    /** One number as Python's repr writes it ({@code nan}, {@code inf} and {@code -inf} included). */
    private static double num(String s) {
        switch (s) {
            case "nan": return Double.NaN;
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            default: return Double.parseDouble(s);
        }
    }

    /** A complex tensor of type {@code dtype} from interleaved parts. */
    private static Tensor complex(double[] parts, DType dtype) {
        Tensor r = Tensor.fromArray(parts).reshape(parts.length / 2, 2);
        return r.to(dtype == DType.COMPLEX64 ? DType.FLOAT32 : DType.FLOAT64).viewAsComplex();
    }

    /** Each complex element's parts within {@code tol} of the larger part's magnitude (NaN where NaN). */
    private static void assertComplexClose(String what, double[] e, Tensor got, double tol) {
        double[] g = got.viewAsReal().toDoubleArray();
        assertEquals(e.length, g.length, what + " size");
        for (int i = 0; i < e.length; i += 2) {
            double scale = Math.max(Math.abs(e[i]), Math.abs(e[i + 1]));
            for (int k = i; k < i + 2; k++) {
                boolean ok = Double.isNaN(e[k]) ? Double.isNaN(g[k]) : Math.abs(e[k] - g[k]) <= tol * scale;
                assertTrue(ok, what + "[" + k + "]: PyTorch " + e[k] + ", Ember " + g[k]);
            }
        }
    }

    // ------------------------------------------------------------------ 1. complex sigmoid

    @Test
    void complexSigmoidValuesAndGradientsArePyTorchs() {
        for (String name : new String[] {"c128", "c64"}) {
            DType dt = name.equals("c64") ? DType.COMPLEX64 : DType.COMPLEX128;
            double tol = name.equals("c64") ? 2e-6 : 1e-13;
            Tensor z = complex(nums("sigmoid." + name + ".in"), dt).requiresGrad_(true);
            Tensor y = z.sigmoid();
            assertEquals(EXPECTED.get("sigmoid." + name + ".fn"), y.gradFn().name());
            assertComplexClose("sigmoid " + name, nums("sigmoid." + name + ".out"), y, tol);
            Tensor w = ReferenceCases.weights(new int[] {(int) z.numel(), 2}, dt == DType.COMPLEX64 ? DType.FLOAT32 : DType.FLOAT64);
            y.viewAsReal().mul(w).sum().backward();
            assertComplexClose("sigmoid grad " + name, nums("sigmoid." + name + ".grad"), z.grad(), tol * 10);
        }
    }

    /**
     * Where {@code e^-x} overflows, PyTorch's {@code 1 / (1 + exp(-z))} is NaN, not the limit 0 (was 0: Ember computed
     * {@code e^z / (1 + e^z)} for negative real parts); complex64 overflows at its own range (x below -88.72). The
     * gradient there, {@code grad * conj((1 - y) y)}, is NaN too.
     */
    @Test
    void complexSigmoidOverflowIsNaNAsPyTorchs() {
        for (String name : new String[] {"c128", "c64"}) {
            DType dt = name.equals("c64") ? DType.COMPLEX64 : DType.COMPLEX128;
            Tensor z = complex(nums("sigmoid." + name + ".ext.in"), dt).requiresGrad_(true);
            Tensor y = z.sigmoid();
            double[] e = nums("sigmoid." + name + ".ext.out");
            assertComplexClose("sigmoid overflow " + name, e, y, 1e-15);
            y.viewAsReal().sum().backward();
            double[] g = z.grad().viewAsReal().toDoubleArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(Double.isNaN(e[i]), Double.isNaN(g[i]), name + " grad[" + i + "] NaN where the value is");
            }
        }
    }
}
