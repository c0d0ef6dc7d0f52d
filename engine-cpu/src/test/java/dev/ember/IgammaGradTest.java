package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradient of {@code sum(igamma(a, x) * w)} (and igammac's) with respect to x, above all for an integer {@code a}:
 * derivatives.yaml's {@code exp((self - 1) * log(other) - other - lgamma(self))} subtracts an integer 1, so an integer a
 * stays integral (uint8's 0 - 1 wraps, bool is refused with PyTorch's message) and the product with log(x) takes x's
 * floating type. Expected values: {@code igammagrad/make_expected.py} (PyTorch 1.13; the rows are 2.x's too). Float64
 * gradients within 4e-15 relative (libm's log, exp), float32 within 2 ulps; before the fix an int64 a gave 1e-7.
 */
class IgammaGradTest {
    private static Tensor parse(String spec) {
        // "<dtype> [s0, s1] [v0, v1, ...]"
        String[] p = spec.trim().split(" ", 2);
        DType dtype = DType.valueOf(p[0].toUpperCase(Locale.ROOT));
        String rest = p[1];
        int close = rest.indexOf(']');
        String shapeText = rest.substring(1, close).trim();
        int[] shape = shapeText.isEmpty() ? new int[0]
                : Arrays.stream(shapeText.split(", ")).mapToInt(Integer::parseInt).toArray();
        String valuesText = rest.substring(close + 1).trim();
        double[] values = Arrays.stream(valuesText.substring(1, valuesText.length() - 1).split(", "))
                .mapToDouble(Double::parseDouble).toArray();
        return Tensor.tensor(values, dtype).reshape(shape);
    }

    private static List<String[]> cases() throws IOException {
        List<String[]> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                IgammaGradTest.class.getResourceAsStream("/igammagrad/expected.txt"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                out.add(line.split(" \\| "));
            }
        }
        return out;
    }

    @Test
    void gradientsOfXMatchPyTorchForEveryTypeOfA() throws IOException {
        List<String[]> cases = cases();
        assertEquals(9, cases.size());
        int checked = 0;
        for (String[] c : cases) {
            String what = String.join(" | ", c);
            Tensor a = parse(c[1]);
            Tensor x = parse(c[2]).requiresGrad_(true);
            Tensor out = c[0].equals("igamma") ? a.igamma(x) : a.igammac(x);
            int n = (int) out.numel();
            double[] w = new double[n];
            for (int k = 0; k < n; k++) {
                w[k] = 1 + 0.5 * ((3 * k) % 11);
            }
            Tensor loss = out.mul(Tensor.tensor(w, out.dtype()).reshape(out.shape())).sum();
            if (c[3].startsWith("ERR ")) {
                double[] before = x.toDoubleArray();
                RuntimeException e = assertThrows(RuntimeException.class,
                        () -> Autograd.grad(List.of(loss), List.of(x)), what);
                assertEquals(c[3].substring(4), e.getMessage(), what);
                assertArrayEquals(before, x.toDoubleArray(), what);
                checked++;
                continue;
            }
            Tensor want = parse(c[3]);
            Tensor got = Autograd.grad(List.of(loss), List.of(x)).get(0);
            assertEquals(want.dtype(), got.dtype(), what);
            assertArrayEquals(want.shape(), got.shape(), what);
            double[] wv = want.toDoubleArray();
            double[] gv = got.toDoubleArray();
            for (int i = 0; i < wv.length; i++) {
                double tol = got.dtype() == DType.FLOAT64 ? 4e-15 * Math.abs(wv[i])
                        : 2 * Math.ulp((float) wv[i]);
                assertTrue(Math.abs(gv[i] - wv[i]) <= tol, what + ": [" + i + "] got " + gv[i] + ", want " + wv[i]);
            }
            checked++;
        }
        assertEquals(9, checked);
    }
}
