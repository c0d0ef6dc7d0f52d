package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A leaf's {@code .grad} follows PyTorch's "gradient layout contract" (AccumulateGrad): the leaf's strides where the
 * leaf is non-overlapping and dense (transposed, channels-last, permuted), row-major otherwise (expanded, sliced with
 * gaps), for the first gradient (stolen or copied, incoming gradient expanded, given with the right strides or
 * row-major), on accumulation (in place, keeping the layout, also a row-major {@code .grad} the user set) and with
 * {@code create_graph} ({@code CopyBackwards}, then {@code AddBackward0}); strides, node and values as
 * {@code gradlayout/make_expected.py} (PyTorch) wrote them, in float64 and float32.
 */
class GradLayoutTest {
    private static Tensor seq(DType dtype, int... shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int k = 0; k < v.length; k++) {
            v[k] = ((7 * k) % 19 - 9) * 0.25;
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).reshape(shape).to(dtype);
    }

    private static Tensor leaf(String kind, DType dt) {
        Tensor x;
        switch (kind) {
            case "t": x = seq(dt, 3, 4).t(); break;
            case "rowmajor": x = seq(dt, 3, 4); break;
            case "cl": x = seq(dt, 2, 3, 4, 5).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2); break;
            case "expanded": x = seq(dt, 3, 1).expand(3, 4); break;
            case "gaps": x = seq(dt, 4, 6).slice(1, 0, 6, 2); break;
            case "gapst": x = seq(dt, 4, 6).slice(1, 0, 6, 2).t(); break;
            case "permuted3": x = seq(dt, 2, 3, 4).permute(2, 0, 1).contiguous().permute(1, 2, 0); break;
            default: throw new IllegalArgumentException(kind);
        }
        return x.detach().requiresGrad_(true);
    }

    private static void step(Tensor w, String s) {
        switch (s) {
            case "mul2": w.mul(2).sum().backward(); break;
            case "sum": w.sum().backward(); break;
            case "mulw": w.mul(seq(w.dtype(), w.shape())).sum().backward(); break;
            case "tmul2": w.t().mul(2).sum().backward(); break;
            case "given_t": w.backward(seq(w.dtype(), w.shape()[1], w.shape()[0]).t()); break;
            case "given_rowmajor": w.backward(seq(w.dtype(), w.shape())); break;
            case "square_cg": Autograd.backward(List.of(w.mul(w).sum()), null, true, true); break;
            case "user_rowmajor": w.setGrad(Tensor.zeros(w.dtype(), w.shape())); break;
            default: throw new IllegalArgumentException(s);
        }
    }

    @TestFactory
    List<DynamicTest> layouts() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                GradLayoutTest.class.getResourceAsStream("/gradlayout/expected.txt"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\\|", -1);
                tests.add(DynamicTest.dynamicTest(f[0] + " " + f[1] + " " + f[2], () -> {
                    DType dt = f[0].equals("float32") ? DType.FLOAT32 : DType.FLOAT64;
                    Tensor w = leaf(f[1], dt);
                    for (String s : f[2].split(" ")) {
                        step(w, s);
                    }
                    Tensor g = w.grad();
                    assertNotNull(g);
                    int[] strides = Arrays.stream(f[3].split(",")).mapToInt(Integer::parseInt).toArray();
                    assertArrayEquals(strides, g.stride(), "strides");
                    assertEquals(f[4], g.gradFn() == null ? "None" : g.gradFn().name(), "grad_fn");
                    double[] expected = Arrays.stream(f[5].split(" ")).mapToDouble(Double::parseDouble).toArray();
                    assertArrayEquals(expected, g.detach().toDoubleArray(), dt == DType.FLOAT32 ? 1e-6 : 0, "values");
                }));
            }
        }
        return tests;
    }
}
