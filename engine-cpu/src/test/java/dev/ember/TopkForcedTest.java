package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * topk where session 53's CPU kernel selects with a heap instead of {@code std::nth_element} (sorted, k above n / 64
 * and at most n / 16, the k greatest keys all different and none left out equal to the k-th: an order every algorithm
 * leaves) and where a tie sends it back to the introselect: PyTorch's indices for lines all different, a tie at the
 * k-th, a tie inside the first k, 0.0 beside -0.0 at the k-th, NaN and infinities; float32 dense and strided, float64,
 * int32, bfloat16; largest and smallest, sorted or not. Each case runs on the default path and with
 * {@code -Dember.topk.introselect=true}. Values from {@code topkforced/make_expected.py} (PyTorch 1.13 CPU, whose topk
 * is 2.x's).
 */
class TopkForcedTest {
    private static final Map<String, String> EXPECTED = ReferenceCases.strings("/topkforced/expected.txt");

    private static String get(String key) {
        String v = EXPECTED.get(key);
        assertTrue(v != null, "missing expected value " + key);
        return v;
    }

    private static double num(String s) {
        switch (s) {
            case "nan": return Double.NaN;
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            default: return Double.parseDouble(s);
        }
    }

    @Test
    void topkIndicesArePyTorchsOnTheHeapAndTheIntroselect() {
        int count = Integer.parseInt(get("count"));
        int checked = 0;
        for (String introselect : new String[] {"false", "true"}) {
            String old = System.setProperty("ember.topk.introselect", introselect);
            try {
                for (int c = 0; c < count; c++) {
                    String[] head = get(c + ".x").split(" ", 5);
                    int n = Integer.parseInt(head[2]);
                    int k = Integer.parseInt(head[3]);
                    double[] vals = Arrays.stream(head[4].split(" ")).mapToDouble(TopkForcedTest::num).toArray();
                    Tensor t = Tensor.fromArray(vals).to(DType.valueOf(head[0].toUpperCase(java.util.Locale.ROOT)));
                    Tensor x = head[1].equals("dense") ? t.reshape(6, n) : t.reshape(n, 6).t();
                    assertEquals(head[1].equals("dense") ? 1 : 6, x.stride()[1]);
                    String[] idx = get(c + ".idx").split(" \\| ", -1);
                    int r = 0;
                    for (boolean largest : new boolean[] {true, false}) {
                        for (boolean sorted : new boolean[] {true, false}) {
                            Tensor.ValuesIndices got = x.topk(k, -1, largest, sorted);
                            String what = "case " + c + " " + head[0] + " " + head[1] + " n " + n + " k " + k
                                    + " largest " + largest + " sorted " + sorted + " introselect " + introselect;
                            long[] want = Arrays.stream(idx[r++].split(" ")).mapToLong(Long::parseLong).toArray();
                            assertArrayEquals(want, got.indices().toLongArray(), what);
                            assertArrayEquals(x.gather(-1, got.indices()).toDoubleArray(),
                                    got.values().toDoubleArray(), 0, what);
                            checked++;
                        }
                    }
                }
            } finally {
                if (old == null) {
                    System.clearProperty("ember.topk.introselect");
                } else {
                    System.setProperty("ember.topk.introselect", old);
                }
            }
        }
        assertEquals(count * 8, checked);
    }
}
