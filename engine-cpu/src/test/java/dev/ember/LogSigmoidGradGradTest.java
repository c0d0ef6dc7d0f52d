package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * logsigmoid's backward is PyTorch's one LogSigmoidBackwardBackward0 node, whose second derivative is
 * {@code (sigmoid(x) - 1) sigmoid(x)}, including at exactly 0 (-0.25), where a formula through |x| gives 0: values
 * from {@code logsigmoidgradgrad/make_expected.py} (PyTorch 1.13), and gradgradcheck at 0.
 */
class LogSigmoidGradGradTest {
    private static Map<String, String[]> expected() throws IOException {
        Map<String, String[]> m = new HashMap<>();
        try (InputStream in = LogSigmoidGradGradTest.class.getResourceAsStream("/logsigmoidgradgrad/expected.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] parts = line.trim().split(" ");
                m.put(parts[0], Arrays.copyOfRange(parts, 1, parts.length));
            }
        }
        return m;
    }

    private static double[] doubles(String[] s) {
        return Arrays.stream(s).mapToDouble(Double::parseDouble).toArray();
    }

    @Test
    void secondDerivativeMatchesPyTorch() throws IOException {
        Map<String, String[]> e = expected();
        Tensor x = Tensor.tensor(doubles(e.get("x")), DType.FLOAT64, Device.CPU).requiresGrad_(true);
        Tensor g = Autograd.grad(java.util.List.of(Functional.logsigmoid(x).sum()), java.util.List.of(x), null, true).get(0);
        assertEquals(e.get("node")[0], g.gradFn().name());
        assertArrayEquals(doubles(e.get("grad")), g.toDoubleArray(), 1e-15);
        Tensor gg = Autograd.grad(java.util.List.of(g.sum()), java.util.List.of(x), null, false).get(0);
        assertArrayEquals(doubles(e.get("gradgrad")), gg.toDoubleArray(), 1e-15);
    }

    @Test
    void gradgradcheckAtZero() {
        Tensor x = Tensor.tensor(new double[] {0.0, -0.5, 0.5}, DType.FLOAT64, Device.CPU).requiresGrad_(true);
        assertTrue(Autograd.gradgradcheck(in -> Functional.logsigmoid(in[0]), x));
    }
}
