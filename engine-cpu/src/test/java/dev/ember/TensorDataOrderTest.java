package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code Tensor.tensor(data, realDtype)} of data holding complex numbers against PyTorch's outcome
 * ({@code tensordataorder/make_expected.py}): torch.tensor stores in order, so a row of the wrong length or a real
 * number the type cannot hold before the first complex number is refused first, else Python's message for the complex
 * one. Ember refused the complex data before looking at anything (found by fuzz round 44's seed 445:
 * {@code torch.tensor([[2.7], [inf], [0.5+1j]], dtype=int8)} is the overflow). Every case is a refusal.
 */
class TensorDataOrderTest {
    private static Complex c(double re, double im) {
        return new Complex(re, im);
    }

    @Test
    void refusalsInStoringOrder() throws IOException {
        double inf = Double.POSITIVE_INFINITY;
        Map<String, Object[]> cases = new LinkedHashMap<>(); // data, dtype
        cases.put("overflow_first", new Object[] {List.of(List.of(2.7), List.of(inf), List.of(c(0.5, 1))), DType.INT8});
        cases.put("ragged_first", new Object[] {List.of(List.of(1L, 2L), List.of(3L), List.of(c(0, 1))), DType.INT64});
        cases.put("complex_before_ragged", new Object[] {List.of(List.of(1L, 2L), List.of(c(0, 1), 3L)), DType.INT64});
        cases.put("int_overflow_first", new Object[] {List.of(300L, c(0, 1)), DType.UINT8});
        cases.put("float_no_check", new Object[] {List.of(1e40, c(0, 1)), DType.FLOAT32});
        cases.put("complex_first_row", new Object[] {List.of(List.of(c(0, 1)), List.of(1L, 2L)), DType.INT64});
        cases.put("bool_then_complex", new Object[] {List.of(true, c(0, 1)), DType.INT8});
        cases.put("uint8_wraps_minus_one", new Object[] {List.of(-1L, c(0, 1)), DType.UINT8});
        cases.put("float_overflow_int16", new Object[] {List.of(1.5, -40000.0, c(0, 2)), DType.INT16});
        cases.put("nan_int32", new Object[] {List.of(Double.NaN, c(0, 1)), DType.INT32});

        Map<String, String> want = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                TensorDataOrderTest.class.getResourceAsStream("/tensordataorder/expected.txt")), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] f = line.split("\\|", 3);
                want.put(f[0], f[2]);
            }
        }
        assertEquals(want.keySet(), cases.keySet());
        for (Map.Entry<String, Object[]> e : cases.entrySet()) {
            Object data = e.getValue()[0];
            DType dtype = (DType) e.getValue()[1];
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> Tensor.tensor(data, dtype),
                    e.getKey());
            assertEquals(want.get(e.getKey()), x.getMessage(), e.getKey());
        }
    }
}
