package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A Java number that an op converts to a complex64 (or float32) computation type with c10's checked conversion
 * ({@code Scalar::to<c10::complex<float>>()}), against PyTorch's outcome in {@code scalaroverflow/expected.txt}
 * ({@code make_expected.py}): full / fill_ / full_like / new_full / where / masked_fill / index_fill / scatter /
 * fill_diagonal_, linspace's ends, one-step logspace's value, add / sub's alpha, addcmul / addcdiv's value and lerp's
 * weight refuse a finite number past float's range with PyTorch's message naming {@code c10::complex<float>};
 * complex128, an infinity, a number operand of add, pow's exponent and logspace's ends of two or more steps are taken. Ember took them, or named the parts' {@code float} (found by fuzz round 44's seed 444:
 * {@code full((2, 0), 1e40, complex64)}). A refused in-place op leaves its tensor as it was.
 */
class ScalarOverflowTest {
    private static final DType C = DType.COMPLEX64;

    private static Map<String, String> expected() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                ScalarOverflowTest.class.getResourceAsStream("/scalaroverflow/expected.txt")), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                int bar = line.indexOf('|');
                out.put(line.substring(0, bar), line.substring(bar + 1));
            }
        }
        return out;
    }

    private static Tensor z() {
        return Tensor.zeros(C, 2);
    }

    private static Tensor f() {
        return Tensor.zeros(DType.FLOAT32, 2);
    }

    private static Tensor mask() {
        return Tensor.fromArray(new boolean[] {true, false});
    }

    private static Tensor i0() {
        return Tensor.fromArray(new long[] {0});
    }

    @Test
    void checkedConversionsAsPyTorch() throws IOException {
        // each case: the tensor it writes into in place (null for none) and the call on it
        Map<String, Function<Tensor, Tensor>> cases = new LinkedHashMap<>();
        Map<String, Tensor> selves = new LinkedHashMap<>();
        cases.put("full_c64", s -> Tensor.full(C, 1e40, 2));
        cases.put("full_c64_empty", s -> Tensor.full(C, 1e40, 2, 0));
        cases.put("full_c64_neg", s -> Tensor.full(C, -1e39, 2));
        cases.put("full_c64_inf", s -> Tensor.full(C, Double.POSITIVE_INFINITY, 2));
        cases.put("full_c64_max", s -> Tensor.full(C, 3.4028234663852886e38, 2));
        cases.put("full_c128", s -> Tensor.full(DType.COMPLEX128, 1e300, 2));
        selves.put("fill_", z());
        cases.put("fill_", s -> s.fill_(1e40));
        cases.put("full_like", s -> z().fullLike(1e40));
        cases.put("new_full", s -> z().newFull(new int[] {2}, 1e40));
        cases.put("where", s -> Tensor.where(mask(), z(), 1e40));
        cases.put("masked_fill", s -> z().maskedFill(mask(), 1e40));
        selves.put("masked_fill_", z());
        cases.put("masked_fill_", s -> s.maskedFill_(mask(), -1e40));
        cases.put("index_fill", s -> z().indexFill(0, i0(), 1e40));
        cases.put("scatter", s -> z().scatter(0, i0(), 1e40));
        selves.put("fill_diagonal_", Tensor.zeros(C, 2, 2));
        cases.put("fill_diagonal_", s -> s.fillDiagonal_(1e40));
        cases.put("add_alpha", s -> z().add(z(), 1e40));
        selves.put("add__alpha", z());
        cases.put("add__alpha", s -> s.add_(z(), 1e40));
        cases.put("sub_alpha", s -> z().sub(z(), 1e40));
        selves.put("sub__alpha", z());
        cases.put("sub__alpha", s -> s.sub_(z(), 1e40));
        cases.put("add_f32_c64_alpha", s -> f().add(z(), 1e40));
        cases.put("add_c128_alpha", s -> Tensor.zeros(DType.COMPLEX128, 2).add(Tensor.zeros(DType.COMPLEX128, 2), 1e300));
        cases.put("add_number", s -> z().add(1e40));
        cases.put("addcmul", s -> z().addcmul(z(), z(), 1e40));
        selves.put("addcmul_", z());
        cases.put("addcmul_", s -> s.addcmul_(z(), z(), 1e40));
        cases.put("addcdiv", s -> z().addcdiv(z(), z(), 1e40));
        cases.put("lerp", s -> z().lerp(z(), 1e40));
        selves.put("lerp_", z());
        cases.put("lerp_", s -> s.lerp_(z(), 1e40));
        cases.put("lerp_f32", s -> f().lerp(f(), 1e40));
        selves.put("lerp__f32", f());
        cases.put("lerp__f32", s -> s.lerp_(f(), -1e40));
        cases.put("lerp_f64", s -> Tensor.zeros(DType.FLOAT64, 2).lerp(Tensor.zeros(DType.FLOAT64, 2), 1e40));
        cases.put("lerp_bf16", s -> Tensor.zeros(DType.BFLOAT16, 2).lerp(Tensor.ones(DType.BFLOAT16, 2), 1e5));
        cases.put("pow", s -> z().pow(1e40));
        cases.put("linspace_c64", s -> Tensor.linspace(0, 1e40, 3, C));
        cases.put("logspace_c64_one", s -> Tensor.logspace(50, 50, 1, 10.0, C));
        cases.put("logspace_c64_two", s -> Tensor.logspace(0, 50, 2, 10.0, C));
        cases.put("logspace_c128_one", s -> Tensor.logspace(50, 50, 1, 10.0, DType.COMPLEX128));

        Map<String, String> want = expected();
        assertEquals(want.keySet(), cases.keySet());
        for (Map.Entry<String, Function<Tensor, Tensor>> c : cases.entrySet()) {
            String name = c.getKey();
            Tensor self = selves.get(name);
            if (want.get(name).equals("ok")) {
                c.getValue().apply(self).close();
                continue;
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.getValue().apply(self), name);
            assertEquals(want.get(name), e.getMessage(), name);
            if (self != null) {
                assertEquals(0, self.version(), name + ": a refused in-place op writes nothing");
                Tensor parts = self.isComplex() ? self.viewAsReal() : self;
                assertArrayEquals(new double[(int) parts.numel()], parts.contiguous().toDoubleArray(), name);
            }
        }
    }
}
