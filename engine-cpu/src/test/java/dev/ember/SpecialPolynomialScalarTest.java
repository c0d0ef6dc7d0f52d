package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * torch.special's orthogonal polynomials called with a Java number {@code x} and a tensor {@code n} (PyTorch's
 * {@code (Number x, Tensor n)} overload) against PyTorch 1.13 ({@code polyscalar/make_expected.py}): the result's dtype
 * (n's floating type; float32 for integer n) and values (float64 within 1e-12 relative, float32 within 2 ulp).
 */
class SpecialPolynomialScalarTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/polyscalar/expected.txt");

    private static final Map<String, BiFunction<Double, Tensor, Tensor>> FNS = Map.ofEntries(
            Map.entry("chebyshev_polynomial_t", Special::chebyshevPolynomialT),
            Map.entry("chebyshev_polynomial_u", Special::chebyshevPolynomialU),
            Map.entry("chebyshev_polynomial_v", Special::chebyshevPolynomialV),
            Map.entry("chebyshev_polynomial_w", Special::chebyshevPolynomialW),
            Map.entry("shifted_chebyshev_polynomial_t", Special::shiftedChebyshevPolynomialT),
            Map.entry("shifted_chebyshev_polynomial_u", Special::shiftedChebyshevPolynomialU),
            Map.entry("shifted_chebyshev_polynomial_v", Special::shiftedChebyshevPolynomialV),
            Map.entry("shifted_chebyshev_polynomial_w", Special::shiftedChebyshevPolynomialW),
            Map.entry("hermite_polynomial_h", Special::hermitePolynomialH),
            Map.entry("hermite_polynomial_he", Special::hermitePolynomialHe),
            Map.entry("laguerre_polynomial_l", Special::laguerrePolynomialL),
            Map.entry("legendre_polynomial_p", Special::legendrePolynomialP));

    private static List<String> keys() throws IOException {
        List<String> keys = new ArrayList<>();
        try (InputStream in = SpecialPolynomialScalarTest.class.getResourceAsStream("/polyscalar/expected.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("=== ")) {
                    keys.add(line.substring(4));
                }
            }
        }
        return keys;
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() throws IOException {
        List<DynamicTest> t = new ArrayList<>();
        for (String key : keys()) {
            String[] parts = key.split(" ");
            double x = Double.parseDouble(parts[1]);
            t.add(DynamicTest.dynamicTest(key, () -> {
                Tensor n = TORCH.tensor(key, "n");
                if (parts[2].equals("float32")) {
                    n = n.to(DType.FLOAT32);
                }
                String expectedLine = TORCH.field(key, "out");
                DType expectedType = expectedLine.startsWith("float64") ? DType.FLOAT64 : DType.FLOAT32;
                Tensor out = FNS.get(parts[0]).apply(x, n);
                assertEquals(expectedType, out.dtype(), key);
                assertEquals(n.shape().length, out.shape().length, key);
                double[] exp = PyTorchCases.tensor(expectedLine).toDoubleArray();
                double[] got = out.toDoubleArray();
                assertEquals(exp.length, got.length, key);
                for (int i = 0; i < exp.length; i++) {
                    double tol = expectedType == DType.FLOAT64 ? 1e-12 * Math.abs(exp[i]) + 1e-300
                            : 2 * Math.ulp((float) exp[i]);
                    assertTrue(Math.abs(got[i] - exp[i]) <= tol, key + " at " + i + ": expected " + exp[i] + ", got " + got[i]);
                }
                assertTrue(!out.requiresGrad(), key);
            }));
        }
        return t;
    }

    @Test
    void nullDegreesGivePyTorchsArgumentError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Special.chebyshevPolynomialT(0.5, (Tensor) null));
        assertTrue(e.getMessage().startsWith("special_chebyshev_polynomial_t() received an invalid combination of "
                + "arguments - got (float, NoneType)"), e.getMessage());
    }
}
