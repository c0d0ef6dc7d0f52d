package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The values that session 48's CPU speed work keeps: the faster kernels give PyTorch's results where they read their
 * inputs differently. Values from {@code speed48/make_expected.py} (PyTorch 1.13 CPU).
 */
class Speed48Test {
    private static final Map<String, String> EXPECTED = ReferenceCases.strings("/speed48/expected.txt");

    private static String get(String key) {
        String v = EXPECTED.get(key);
        assertTrue(v != null, "missing expected value " + key);
        return v;
    }

    /** One number as Python's repr writes it ({@code nan}, {@code inf} and {@code -inf} included). */
    private static double num(String s) {
        switch (s) {
            case "nan": return Double.NaN;
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            default: return Double.parseDouble(s);
        }
    }

    private static long[] longs(String s) {
        return s.isBlank() ? new long[0] : Arrays.stream(s.trim().split(" ")).mapToLong(Long::parseLong).toArray();
    }

    /**
     * topk's indices are PyTorch's CPU kernel's (libstdc++'s partial_sort, or nth_element and sort) where the keys are
     * compared as longs and the partial sort reads the line past its first k once: float32 lines dense (their ties,
     * -0.0 beside 0.0, infinities and NaN at the heap's top) and strided (a column), bfloat16, float64, int32 and uint8
     * lines, k on both sides of {@code k * 64 <= n}, largest and smallest, sorted or not. The values are the input's
     * at those indices.
     */
    @Test
    void topkKeepsPyTorchsOrder() {
        int count = Integer.parseInt(get("topk.count"));
        int checked = 0;
        for (int c = 0; c < count; c++) {
            String[] head = get("topk." + c + ".x").split(" ", 3);
            int k = Integer.parseInt(head[1]);
            double[] vals = Arrays.stream(head[2].split(" ")).mapToDouble(Speed48Test::num).toArray();
            Tensor line = Tensor.fromArray(vals);
            Tensor x;
            switch (head[0]) {
                case "float32t": {
                    // column 1 of [n, 3]: the line between its negation and its reverse
                    Tensor f = line.to(DType.FLOAT32);
                    x = Tensor.stack(List.of(f.neg(), f, f.flip(0)), 1).select(1, 1);
                    assertEquals(3, x.stride()[0]);
                    break;
                }
                case "float32": x = line.to(DType.FLOAT32); break;
                case "bfloat16": x = line.to(DType.BFLOAT16); break;
                case "float64": x = line; break;
                case "int32": x = line.to(DType.INT32); break;
                default: x = line.to(DType.UINT8);
            }
            String[] idx = get("topk." + c + ".idx").split(" \\| ", -1);
            int r = 0;
            for (boolean largest : new boolean[] {true, false}) {
                for (boolean sorted : new boolean[] {true, false}) {
                    Tensor.ValuesIndices got = x.topk(k, 0, largest, sorted);
                    String what = "case " + c + " " + head[0] + " n " + vals.length + " k " + k + " largest " + largest
                            + " sorted " + sorted;
                    assertArrayEquals(longs(idx[r++]), got.indices().toLongArray(), what);
                    assertArrayEquals(x.indexSelect(0, got.indices()).toDoubleArray(), got.values().toDoubleArray(), 0, what);
                    checked++;
                }
            }
        }
        assertEquals(count * 4, checked);
    }

    private static Tensor floats(String key, int... shape) {
        return Tensor.fromArray(Arrays.stream(get(key).split(" ")).mapToDouble(Speed48Test::num).toArray())
                .to(DType.FLOAT32).reshape(shape);
    }

    private static Tensor index(String key, int... shape) {
        return Tensor.fromArray(longs(get(key))).reshape(shape);
    }

    /** The float32 bits of {@code got} are those of PyTorch's result at {@code key}. */
    private static void sameBits(String key, Tensor got) {
        float[] want = floats(key, -1).toFloatArray();
        float[] have = got.toFloatArray();
        assertEquals(want.length, have.length, key);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(have[i]),
                    key + " element " + i + ": want " + want[i] + ", got " + have[i]);
        }
    }

    /**
     * float32 gather along the last dimension (its own loop since session 48), scatter_add along the last dimension
     * and index_add along dim 0 (rows added with the vector loops) with many repeated indices and addends of mixed
     * magnitudes: PyTorch's bits, so the sums run in PyTorch's order.
     */
    @Test
    void gatherAndScatterKeepPyTorchsBits() {
        Tensor src = floats("gather.src", 6, 40);
        sameBits("gather.out", src.gather(-1, index("gather.idx", 6, 70)));
        Tensor base = floats("scatter_add.base", 6, 5);
        sameBits("scatter_add.out", base.scatterAdd(-1, index("scatter_add.idx", 6, 70), floats("scatter_add.src", 6, 70)));
        Tensor abase = floats("index_add.base", 4, 37);
        Tensor aidx = index("index_add.idx", 50);
        Tensor aval = floats("index_add.src", 50, 37);
        sameBits("index_add.out", abase.indexAdd(0, aidx, aval));
    }
}
