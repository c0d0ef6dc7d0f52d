package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Fills with a Java long (PyTorch's Python int) are exact for integer tensors however large: before, they went through
 * a double and lost the low bits of values beyond 2^53 (resources/longfill/make_expected.py; integers compared as
 * text, never through a double).
 */
class LongFillTest {
    private static final ExpectedLines EXPECTED = ExpectedLines.load("/longfill/expected.txt");

    private static void assertInts(String key, Tensor got) {
        String text = got.dtype() == DType.BOOL
            ? Arrays.stream(got.to(DType.INT64).toLongArray()).mapToObj(v -> v != 0 ? "True" : "False")
                .collect(Collectors.joining(","))
            : Arrays.stream(got.to(DType.INT64).toLongArray()).mapToObj(Long::toString).collect(Collectors.joining(","));
        assertEquals(EXPECTED.get(key), text, key);
    }

    private static Tensor zeros(DType t, int n) {
        return Tensor.zeros(t, n);
    }

    @Test
    void integerFillsAreExact() {
        long big = (1L << 62) + 1;
        Tensor m = Tensor.tensor(new boolean[] {true, false, true}, DType.BOOL, Device.CPU);
        assertInts("fill.int64", zeros(DType.INT64, 3).fill_(Long.MAX_VALUE));
        assertInts("fill.int64neg", zeros(DType.INT64, 3).fill_(Long.MIN_VALUE));
        assertInts("masked", zeros(DType.INT64, 3).maskedFill(m, big));
        assertInts("masked_", zeros(DType.INT64, 3).maskedFill_(m, -big));
        Tensor one = Tensor.tensor(new long[] {1}, DType.INT64, Device.CPU);
        assertInts("index", zeros(DType.INT64, 3).indexFill(0, one, -big - 2));
        assertInts("index_", zeros(DType.INT64, 3).indexFill_(0, Tensor.tensor(new long[] {0, 2}, DType.INT64,
            Device.CPU), big + 2));
        assertInts("full", Tensor.full(DType.INT64, big, 2));
        assertInts("full_like", zeros(DType.INT64, 2).fullLike(big));
        assertInts("fill.uint8neg", zeros(DType.UINT8, 2).fill_(-1L));
        assertInts("masked.uint8neg", zeros(DType.UINT8, 3).maskedFill(m, -2L));
        assertInts("fill.bool", zeros(DType.BOOL, 2).fill_(2L));
    }

    @Test
    void floatTensorsRoundTheIntOnce() {
        long big = (1L << 62) + 1;
        double want = Double.parseDouble(EXPECTED.get("fill.float32").split(",")[0]);
        assertEquals(want, zeros(DType.FLOAT32, 2).fill_(big).toDoubleArray()[0]);
        assertEquals(Double.parseDouble(EXPECTED.get("fill.float64").split(",")[0]),
            zeros(DType.FLOAT64, 2).fill_(big).toDoubleArray()[0]);
    }

    @Test
    void narrowTypesCheckTheValue() {
        Tensor m = Tensor.tensor(new boolean[] {true, false, true}, DType.BOOL, Device.CPU);
        Tensor u = zeros(DType.UINT8, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> u.fill_(256L));
        assertEquals(EXPECTED.get("err.uint8"), e.getMessage());
        assertEquals("0,0", Arrays.stream(u.to(DType.INT64).toLongArray()).mapToObj(Long::toString)
            .collect(Collectors.joining(",")), "unchanged");
        e = assertThrows(IllegalArgumentException.class, () -> zeros(DType.INT8, 2).fill_(-129L));
        assertEquals(EXPECTED.get("err.int8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> zeros(DType.INT32, 3).maskedFill(m, 1L << 31));
        assertEquals(EXPECTED.get("err.int32"), e.getMessage());
    }
}
