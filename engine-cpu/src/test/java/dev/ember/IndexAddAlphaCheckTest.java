package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * When index_add / index_add_ converts alpha to self's type, as PyTorch's index_add_cpu_: before its loop for a self of
 * at most one dimension, whatever the index count (an empty index still refuses an alpha the type cannot hold, before
 * any index value is read), and only when there are indices to add for more dimensions. PyTorch's results and messages:
 * {@code indexaddalphacheck/make_expected.py}; a refused in-place call leaves self as it was.
 */
class IndexAddAlphaCheckTest {
    private static final Tensor EMPTY = Tensor.tensor(new long[0]);

    private static Tensor of(DType t, double... v) {
        return Tensor.tensor(v, t);
    }

    private static final Tensor INPLACE_SELF = of(DType.INT16, 1, 2);

    private static Map<String, Supplier<Tensor>> cases() {
        Map<String, Supplier<Tensor>> c = new LinkedHashMap<>();
        c.put("0d one int8 300", () -> Tensor.tensor(5.0, DType.INT8).indexAdd(0, Tensor.tensor(new long[] {0}),
                Tensor.tensor(1.0, DType.INT8), 300));
        c.put("1d empty int16 1e6 inplace", () -> INPLACE_SELF.indexAdd_(0, EMPTY, of(DType.INT16), 1e6));
        c.put("1d empty float16 1e6", () -> of(DType.FLOAT16, 1, 2).indexAdd(0, EMPTY, of(DType.FLOAT16), 1e6));
        c.put("1d empty bool 5", () -> Tensor.tensor(new boolean[] {true, false})
                .indexAdd(0, EMPTY, Tensor.tensor(new boolean[0]), 5));
        c.put("1d empty uint8 -1", () -> of(DType.UINT8, 0, 3, 1).indexAdd(0, EMPTY, of(DType.UINT8), -1));
        c.put("1d out of range int8 300", () -> of(DType.INT8, 1, 2, 3).indexAdd(0, Tensor.tensor(new long[] {7}),
                of(DType.INT8, 1), 300));
        c.put("1d out of range int8 2", () -> of(DType.INT8, 1, 2, 3).indexAdd(0, Tensor.tensor(new long[] {7}),
                of(DType.INT8, 1), 2));
        c.put("2d empty int8 300", () -> Tensor.zeros(DType.INT8, 2, 3).indexAdd(0, EMPTY,
                Tensor.zeros(DType.INT8, 0, 3), 300));
        c.put("2d one int8 300", () -> Tensor.zeros(DType.INT8, 2, 3).indexAdd(0,
                Tensor.tensor(new long[] {1}), Tensor.ones(DType.INT8, 1, 3), 300));
        c.put("2d one int8 3", () -> Tensor.zeros(DType.INT8, 2, 3).indexAdd(0,
                Tensor.tensor(new long[] {1}), Tensor.ones(DType.INT8, 1, 3), 3));
        return c;
    }

    @Test
    void alphaIsConvertedWhenPyTorchConvertsIt() {
        Map<String, String> expected = ReferenceCases.strings("/indexaddalphacheck/expected.txt");
        Map<String, Supplier<Tensor>> cases = cases();
        assertEquals(expected.keySet(), cases.keySet());
        for (Map.Entry<String, Supplier<Tensor>> e : cases.entrySet()) {
            String got;
            try {
                got = Arrays.toString(e.getValue().get().to(DType.FLOAT64).reshape(-1).toDoubleArray());
            } catch (IllegalArgumentException | IndexOutOfBoundsException ex) {
                got = "ERR " + ex.getMessage();
            }
            assertEquals(expected.get(e.getKey()), got, e.getKey());
        }
        assertEquals("[1.0, 2.0]", Arrays.toString(INPLACE_SELF.to(DType.FLOAT64).toDoubleArray()));
    }
}
