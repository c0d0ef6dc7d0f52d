package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * An in-place op, outside inference mode, on {@code detach()} of an inference tensor with an operand that requires
 * grad, against PyTorch ({@code inferencedetachinplace/make_expected.py}): the node saves a copy of the original self,
 * so mul_, div_, atan2_ and xlogy_ run and the operand's gradient comes from the old values. Ember's mul_ and div_
 * saved self and refused ("Inference tensors cannot be saved for backward"; found by fuzz round 14's hunt, seed 6514).
 * An op whose node saves its result, which would be the inference tensor itself (pow_ and floatPower_ by a tensor,
 * hypot_, copysign_), is refused with PyTorch's message; PyTorch refuses after its kernel wrote self, Ember before,
 * leaving self and its base as they were (Ember ran these ops until session 64).
 */
class InferenceDetachInplaceTest {
    private static final double[][] BASE = {{0.5, -1.25, 2.0}, {1.5, 0.75, -0.5}};
    private static final double[][] OTHER = {{1.25, -0.5, 0.75}, {2.0, -1.5, 0.25}};

    @Test
    void inplaceOpsOnDetachedInferenceTensors() throws IOException {
        Map<String, BiConsumer<Tensor, Tensor>> ops = new LinkedHashMap<>();
        ops.put("mul", Tensor::mul_);
        ops.put("div", Tensor::div_);
        ops.put("atan2", Tensor::atan2_);
        ops.put("xlogy", Tensor::xlogy_);
        ops.put("pow", Tensor::pow_);
        ops.put("floatPower", Tensor::floatPower_);
        ops.put("hypot", Tensor::hypot_);
        ops.put("copysign", Tensor::copysign_);
        int seen = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                InferenceDetachInplaceTest.class.getResourceAsStream("/inferencedetachinplace/expected.txt")),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] f = line.split("\\|");
                boolean view = f[0].endsWith("_t");
                BiConsumer<Tensor, Tensor> op = ops.get(view ? f[0].substring(0, f[0].length() - 2) : f[0]);
                Tensor base;
                try (InferenceMode mode = Ember.inferenceMode()) {
                    base = Tensor.tensor(BASE, DType.FLOAT64);
                }
                Tensor v = (view ? base.t() : base).detach();
                Tensor o = view ? Tensor.tensor(OTHER, DType.FLOAT64).t().contiguous() : Tensor.tensor(OTHER, DType.FLOAT64);
                o.requiresGrad_(true);
                if (f[1].equals("err")) {
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> op.accept(v, o), f[0]);
                    assertEquals(f[2], e.getMessage(), f[0]);
                    assertArrayEquals(values(BASE), base.toDoubleArray(), 0.0, f[0] + ": the base changed");
                    assertEquals(0, v.version(), f[0] + ": the version moved");
                    assertNull(v.gradFn(), f[0]);
                    seen++;
                    continue;
                }
                op.accept(v, o);
                assertEquals(f[1], v.gradFn().name(), f[0]);
                assertArrayEquals(values(f[2]), v.toDoubleArray(), 1e-15, f[0]);
                assertArrayEquals(values(f[3]), base.toDoubleArray(), 1e-15, f[0]);
                Tensor w = Creation.arange(0L, v.numel(), 1L, DType.FLOAT64).reshape(v.shape()).div(4.0).add(1.0);
                v.mul(w).sum().backward();
                assertArrayEquals(values(f[4]), o.grad().toDoubleArray(), 1e-12, f[0]);
                seen++;
            }
        }
        assertEquals(16, seen);
    }

    private static double[] values(String csv) {
        return Arrays.stream(csv.split(",")).mapToDouble(x -> x.equals("nan") ? Double.NaN : Double.parseDouble(x))
                .toArray();
    }

    private static double[] values(double[][] rows) {
        return Arrays.stream(rows).flatMapToDouble(Arrays::stream).toArray();
    }
}
