package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A complex tensor times a real tensor or number: PyTorch promotes the real operand to {@code (r, +0)} and multiplies
 * complex numbers, {@code (a r - b 0, a 0 + b r)}; Ember scaled the two parts, which differs where zeros' signs or
 * infinities meet: {@code (-0.5-0.25j) * 0} was {@code -0-0j}, whose angle is {@code -pi} (PyTorch: {@code 0-0j}, angle
 * {@code -0}), so a phase read through a 0/1 mask flipped by pi, silently; {@code (inf+0j) * 2} was {@code inf+0j}
 * ({@code inf+nanj}). Bit for bit against PyTorch 1.13 ({@code complexrealmul/make_expected.py}), signed zeros and NaNs
 * included.
 */
class ComplexRealProductTest {
    private static final double INF = Double.POSITIVE_INFINITY;
    private static final double NAN = Double.NaN;

    private static Map<String, double[]> expected() throws IOException {
        try (InputStream in = ComplexRealProductTest.class.getResourceAsStream("/complexrealmul/expected.txt")) {
            Map<String, double[]> m = new LinkedHashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] w = line.split(" ");
                m.put(w[0] + " " + w[1], Arrays.stream(w, 2, w.length).mapToDouble(s -> Double.parseDouble(s.replace("inf", "Infinity").replace("nan", "NaN"))).toArray());
            }
            return m;
        }
    }

    private static double[] values(Tensor t) {
        return (t.isComplex() ? t.viewAsReal() : t).toDouble().contiguous().toDoubleArray();
    }

    /** Equal as {@link Double#equals}: -0 is not 0, NaN is NaN. */
    private static void assertSameBits(String what, double[] e, double[] g) {
        assertEquals(e.length, g.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(Double.valueOf(e[i]), Double.valueOf(g[i]), what + "[" + i + "]");
        }
    }

    @Test
    void realOperandsArePromotedToComplex() throws IOException {
        Map<String, double[]> e = expected();
        double[][] z = {{-0.5, -0.25}, {INF, 0}, {1, INF}, {0.5, 0.25}, {-0.0, -1.0}, {-0.0, 1.0}, {NAN, 0.0}};
        double[] r = {0.0, 2.0, 2.0, -0.0, 2.0, 2.0, 1.0};
        double[] re = Arrays.stream(z).mapToDouble(p -> p[0]).toArray();
        double[] im = Arrays.stream(z).mapToDouble(p -> p[1]).toArray();
        for (DType t : new DType[] {DType.COMPLEX64, DType.COMPLEX128}) {
            String tag = t == DType.COMPLEX64 ? "complex64" : "complex128";
            Tensor zz = Tensor.complex(Tensor.tensor(re), Tensor.tensor(im)).to(t);
            Tensor rr = Tensor.tensor(r).to(t == DType.COMPLEX64 ? DType.FLOAT32 : DType.FLOAT64);
            assertSameBits("z*r " + tag, e.get("z*r " + tag), values(zz.mul(rr)));
            assertSameBits("angle(z*r) " + tag, e.get("angle(z*r) " + tag), values(zz.mul(rr).angle()));
            assertSameBits("r*z " + tag, e.get("r*z " + tag), values(rr.mul(zz)));
            assertSameBits("z*2.0 " + tag, e.get("z*2.0 " + tag), values(zz.mul(2.0)));
            assertSameBits("z*0.0 " + tag, e.get("z*0.0 " + tag), values(zz.mul(0.0)));
        }
    }
}
