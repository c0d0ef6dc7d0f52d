package dev.ember;

import dev.ember.distributions.Gamma;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** {@code special.gammainc}/{@code gammaincc} and {@code Gamma.cdf} against PyTorch ({@code gammacdf/make_expected.py}). */
class GammaCdfTest {
    private static final double[] CONC = {0.5, 2.0, 7.5, 1.0};
    private static final double[] RATE = {1.5, 0.3, 2.0, 4.0};
    private static final double[] VALUE = {0.25, 1.5, 4.0, 0.0};

    private static Map<String, double[]> expected() throws IOException {
        try (InputStream in = GammaCdfTest.class.getResourceAsStream("/gammacdf/expected.txt")) {
            assertNotNull(in);
            Map<String, double[]> m = new HashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
                String[] f = line.split(" ");
                m.put(f[0], Arrays.stream(f, 1, f.length).mapToDouble(Double::parseDouble).toArray());
            }
            return m;
        }
    }

    private static void close(double[] want, Tensor got, String what) {
        double[] g = got.toDoubleArray();
        assertEquals(want.length, g.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], g[i], 1e-12 * Math.max(1, Math.abs(want[i])), what + " at " + i);
        }
    }

    @Test
    void incompleteGammaAndTheGammaCdfAsPyTorch() throws IOException {
        Map<String, double[]> e = expected();
        Tensor a = Tensor.tensor(CONC, DType.FLOAT64);
        Tensor x = Tensor.tensor(VALUE, DType.FLOAT64);
        close(e.get("gammainc"), Special.gammainc(a, x), "gammainc");
        close(e.get("gammaincc"), Special.gammaincc(a, x), "gammaincc");
        Gamma g = new Gamma(a, Tensor.tensor(RATE, DType.FLOAT64));
        close(e.get("cdf"), g.cdf(x), "Gamma.cdf");
    }
}
