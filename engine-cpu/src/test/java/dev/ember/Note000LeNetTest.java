package dev.ember;

import dev.ember.nn.Conv2d;
import dev.ember.nn.Functional;
import dev.ember.nn.Linear;
import dev.ember.nn.Module;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Note 000: the LeNet with MSELoss, zero_grad, backward and the conv1 gradients, line for line, with weights from
 * a fixed formula so PyTorch's numbers (note000/make_expected.py) can be compared.
 */
class Note000LeNetTest {

    /** The note's network. */
    static final class Net extends Module {
        final Conv2d conv1 = registerModule("conv1", new Conv2d(1, 6, 5));
        final Conv2d conv2 = registerModule("conv2", new Conv2d(6, 16, 5));
        final Linear fc1 = registerModule("fc1", new Linear(16 * 5 * 5, 120));
        final Linear fc2 = registerModule("fc2", new Linear(120, 84));
        final Linear fc3 = registerModule("fc3", new Linear(84, 10));

        @Override
        public Tensor forward(Tensor x) {
            x = Functional.maxPool2d(Functional.relu(conv1.forward(x)), 2);
            x = Functional.maxPool2d(Functional.relu(conv2.forward(x)), 2);
            x = x.view(-1, numFlatFeatures(x));
            x = Functional.relu(fc1.forward(x));
            x = Functional.relu(fc2.forward(x));
            return fc3.forward(x);
        }

        int numFlatFeatures(Tensor x) {
            int n = 1;
            int[] s = x.shape();
            for (int i = 1; i < s.length; i++) {
                n *= s[i];
            }
            return n;
        }
    }

    static Tensor formula(int[] shape, int k, double scale) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = scale * Math.sin(0.37 * i + k);
        }
        return Tensor.tensor(v).reshape(shape);
    }

    private static Map<String, String> expected() throws IOException {
        Map<String, String> m = new HashMap<>();
        try (InputStream in = Note000LeNetTest.class.getResourceAsStream("/note000/expected.txt")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            String printing = null;
            for (String line : lines) {
                if (line.startsWith("print ")) {
                    printing = line.substring(6);
                } else if (printing != null) {
                    m.merge(printing, line, (a, b) -> a + "\n" + b);
                } else {
                    int sp = line.indexOf(' ');
                    m.put(line.substring(0, sp), line.substring(sp + 1));
                }
            }
        }
        return m;
    }

    private static double[] numbers(String s) {
        String[] parts = s.trim().split(" ");
        double[] v = new double[parts.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Double.parseDouble(parts[i]);
        }
        return v;
    }

    @Test
    void lossAndConv1GradientsMatchPyTorch() throws IOException {
        Net net = new Net();
        int k = 0;
        try (GradMode off = Ember.noGrad()) {
            for (Tensor p : net.parameters()) {
                p.copy_(formula(p.shape(), k++, 0.1));
            }
        }
        Tensor input = formula(new int[] {1, 1, 32, 32}, 11, 1.0);
        Tensor output = net.forward(input);
        Tensor target = formula(new int[] {10}, 12, 0.5).view(1, -1);
        Tensor loss = Functional.mseLoss(output, target);

        net.zeroGrad();
        assertNull(net.conv1.weight.grad());
        assertNull(net.conv1.bias.grad());
        loss.backward();

        Map<String, String> want = expected();
        assertEquals(Double.parseDouble(want.get("loss")), loss.item(), 1e-6 * 0.0934);
        assertClose(numbers(want.get("conv1.weight.grad")), net.conv1.weight.grad().toDoubleArray());
        assertClose(numbers(want.get("conv1.bias.grad")), net.conv1.bias.grad().toDoubleArray());
        assertClose(numbers(want.get("fc3.weight.grad")), net.fc3.weight.grad().toDoubleArray());
        assertEquals(want.get("tensor conv1.bias.grad"), net.conv1.bias.grad().toString());
        assertEquals(want.get("tensor conv1.bias"), net.conv1.bias.toString());
    }

    private static void assertClose(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            // float32 results of sums over hundreds of terms, accumulated in another order than PyTorch's
            assertEquals(expected[i], actual[i], 1e-5 * scale, "element " + i);
        }
    }
}
