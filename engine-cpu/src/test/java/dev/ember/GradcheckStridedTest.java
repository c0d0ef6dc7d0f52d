package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Autograd#gradcheck} and {@link Autograd#gradgradcheck} accept strided inputs as PyTorch's do (transposed,
 * sliced with gaps, with an offset, channels-last, permuted): the function sees the input with its own strides, each
 * element is perturbed in logical order (a weight per element would fail otherwise), the input comes back unchanged,
 * and an input with a stride-0 dimension gets PyTorch's error; results, strides seen and messages as
 * {@code gradcheckstrided/make_expected.py} (PyTorch) wrote them. A wrong gradient on a strided input still fails.
 */
class GradcheckStridedTest {
    private static Tensor seq(int... shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int k = 0; k < v.length; k++) {
            v[k] = ((7 * k) % 19 - 9) * 0.25 + 0.1 * k;
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape);
    }

    private static Tensor make(String kind) {
        switch (kind) {
            case "t": return seq(3, 4).t();
            case "gaps": return seq(4, 6).slice(1, 0, 6, 2);
            case "offset": return seq(5, 4).slice(0, 1, 4, 1).slice(1, 1, 3, 1);
            case "cl": return seq(2, 3, 2, 2).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            case "permuted3": return seq(2, 3, 4).permute(2, 0, 1);
            case "expanded": return seq(3, 1).expand(3, 4);
            default: throw new IllegalArgumentException(kind);
        }
    }

    private static Function<Tensor, Tensor> fn(String name) {
        switch (name) {
            case "mulw": return x -> x.mul(seq(x.shape()));
            case "matmul": return x -> x.matmul(seq(x.shape()[x.dim() - 1], 2));
            case "sin_sum1": return x -> x.sin().sum(1);
            case "cumprod": return x -> x.cumprod(0);
            case "conv2d": return x -> dev.ember.nn.Functional.conv2d(x, seq(2, 3, 1, 2).mul(0.1), null);
            case "square": return x -> x.mul(x);
            default: throw new IllegalArgumentException(name);
        }
    }

    private static String join(int[] s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length; i++) {
            b.append(i == 0 ? "" : ",").append(s[i]);
        }
        return b.toString();
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                GradcheckStridedTest.class.getResourceAsStream("/gradcheckstrided/expected.txt"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\\|", -1);
                tests.add(DynamicTest.dynamicTest(f[0] + " " + f[1] + " " + f[2], () -> {
                    Tensor x = make(f[1]).detach().requiresGrad_(true);
                    double[] before = x.detach().toDoubleArray();
                    int[] strides = x.stride();
                    TreeSet<String> seen = new TreeSet<>();
                    Function<Tensor, Tensor> op = fn(f[2]);
                    Function<Tensor[], Tensor> g = a -> {
                        seen.add(join(a[0].stride()));
                        return op.apply(a[0]);
                    };
                    String result;
                    try {
                        boolean ok = f[0].equals("gradcheck") ? Autograd.gradcheck(g, x) : Autograd.gradgradcheck(g, x);
                        result = ok ? "True" : "False";
                    } catch (IllegalArgumentException e) {
                        result = e.getMessage();
                    }
                    assertEquals(f[3], result);
                    assertEquals(f[4], String.join(";", seen), "strides the function saw");
                    assertEquals(Boolean.parseBoolean(f[5]), Arrays.equals(before, x.detach().toDoubleArray())
                            && Arrays.equals(strides, x.stride()), "input unchanged");
                }));
            }
        }
        return tests;
    }

    /** A doubled gradient on a transposed input (through a hook on the function's output) fails the check. */
    @Test
    void wrongGradientOnStridedInputFails() {
        Tensor x = make("t").detach().requiresGrad_(true);
        Function<Tensor[], Tensor> f = a -> {
            Tensor y = a[0].mul(seq(a[0].shape()));
            y.registerHook(gr -> gr.mul(2));
            return y;
        };
        assertThrows(Autograd.GradcheckError.class, () -> Autograd.gradcheck(f, x));
        assertArrayEquals(new int[] {1, 4}, x.stride());
    }

    /** An expanded input that does not require grad is only read: accepted, as PyTorch checks inputs requiring grad. */
    @Test
    void expandedInputWithoutGradAccepted() {
        Tensor w = make("expanded").t();
        Tensor x = make("t").detach().requiresGrad_(true);
        assertTrue(Autograd.gradcheck(a -> a[0].mul(a[1]), x, w));
    }
}
