package dev.ember;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What session 51's gather/scatter_add speed work keeps, against PyTorch's values and messages from
 * {@code gatherscatterrows/make_expected.py} (PyTorch 1.13 CPU, one thread) and bit for bit against the paths it
 * replaced: the int64 index check read a vector at a time in parallel ranges (CpuBackend.checkIndices;
 * {@code -Dember.checkIndices.serial=true} keeps the element walk on one thread), float32 gather along the last
 * dimension in rows of its own ({@code -Dember.gather.loopRows=true} keeps the StridedLoop's rows) and the float32
 * scatter_add row as a method of its own ({@code -Dember.scatter.inlineRow=true} keeps the loop in the lambda).
 */
class GatherScatterRowsTest {
    private static final Map<String, String> EXPECTED = ReferenceCases.strings("/gatherscatterrows/expected.txt");
    private static final String[] OLD_PATHS = {"ember.checkIndices.serial", "ember.gather.loopRows",
        "ember.scatter.inlineRow"};

    private final int threads = Ember.getNumThreads();

    @AfterEach
    void clear() {
        for (String p : OLD_PATHS) {
            System.clearProperty(p);
        }
        Ember.setNumThreads(threads);
    }

    private static String get(String key) {
        String v = EXPECTED.get(key);
        assertTrue(v != null, "missing expected value " + key);
        return v;
    }

    private static int[] ints(String s) {
        return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static int[] bits(String key) {
        return Arrays.stream(get(key).split(" ")).mapToInt(Integer::parseInt).toArray();
    }

    private static Tensor floats(int[] shape, int[] raw) {
        float[] v = new float[raw.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.intBitsToFloat(raw[i]);
        }
        return Tensor.fromArray(v).reshape(shape);
    }

    /** A tensor written as "shape values" (float32 bits, or int64 when {@code index}). */
    private static Tensor shaped(String key, boolean index) {
        String[] parts = get(key).split(" ", 2);
        int[] shape = ints(parts[0]);
        if (index) {
            return Tensor.fromArray(Arrays.stream(parts[1].split(" ")).mapToLong(Long::parseLong).toArray()).reshape(shape);
        }
        return floats(shape, Arrays.stream(parts[1].split(" ")).mapToInt(Integer::parseInt).toArray());
    }

    private static void sameBits(int[] want, Tensor got, String what) {
        float[] have = got.toFloatArray();
        assertEquals(want.length, have.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], Float.floatToRawIntBits(have[i]), what + " element " + i + ": got " + have[i]);
        }
    }

    /** Runs {@code body} on 1 and 2 threads with the new path and the old one ({@code property} true). */
    private static void everyPath(String property, java.util.function.Consumer<String> body) {
        for (int threads : new int[] {1, 2}) {
            for (String old : new String[] {"false", "true"}) {
                Ember.setNumThreads(threads);
                System.setProperty(property, old);
                body.accept(threads + " threads, " + property + "=" + old);
            }
        }
    }

    /**
     * PyTorch's message for the first bad value in row-major order of a [4099, 65] index (split over the threads),
     * wherever it lies (the first, the last, a range's tail, the middle; two bad ones: the earlier reported), whatever
     * its size (-1, the bound, the bound + 1, Long.MIN_VALUE, Long.MAX_VALUE: no overflow lets one through), on gather
     * and on scatter_add_, which leaves its tensor as it was.
     */
    @Test
    void indexChecksReportPyTorchsFirstBadValue() {
        int[] s = ints(get("check.shape"));
        int n = s[0];
        int w = s[1];
        int bound = s[2];
        long[] base = new long[n * w];
        for (int p = 0; p < base.length; p++) {
            base[p] = (long) p * 131 % bound;
        }
        Tensor src = Tensor.zeros(DType.FLOAT32, n, bound);
        Tensor ones = Tensor.ones(DType.FLOAT32, n, w);
        // every value in range first: no error on either path
        everyPath("ember.checkIndices.serial", what -> assertEquals(0.0,
                src.gather(-1, Tensor.fromArray(base).reshape(n, w)).abs().sum().item(), what));
        for (String name : new String[] {"last", "first", "middle", "two", "tail"}) {
            long[] idx = base.clone();
            for (String at : get("check." + name + ".where").split(" ")) {
                String[] pv = at.split(":");
                idx[Integer.parseInt(pv[0])] = Long.parseLong(pv[1]);
            }
            Tensor index = Tensor.fromArray(idx).reshape(n, w);
            everyPath("ember.checkIndices.serial", what -> {
                IllegalArgumentException g = assertThrows(IllegalArgumentException.class, () -> src.gather(-1, index),
                        name + ", " + what);
                assertEquals(get("check." + name + ".gather"), g.getMessage(), name + ", " + what);
                Tensor dst = Tensor.zeros(DType.FLOAT32, n, bound);
                IllegalArgumentException sa = assertThrows(IllegalArgumentException.class,
                    () -> dst.scatterAdd_(-1, index, ones), name + ", " + what);
                assertEquals(get("check." + name + ".scatter_add"), sa.getMessage(), name + ", " + what);
                assertEquals(0.0, dst.abs().sum().item(), name + ", " + what + ": untouched");
            });
        }
    }

    /**
     * gather along the last dimension: a 2-D source, a 3-D view with an offset and gaps between its rows (the index
     * smaller than it in the other dimensions), and a transposed source (last-dimension stride 37): PyTorch's bits.
     */
    @Test
    void gatherAlongTheLastDimensionKeepsPyTorchsBits() {
        Map<String, java.util.function.UnaryOperator<Tensor>> views = Map.of("plain", t -> t,
                "view", t -> t.slice(1, 1, 6, 1), "transposed", Tensor::t);
        for (Map.Entry<String, java.util.function.UnaryOperator<Tensor>> e : views.entrySet()) {
            String name = e.getKey();
            Tensor src = e.getValue().apply(shaped("gather." + name + ".src", false));
            Tensor idx = shaped("gather." + name + ".idx", true);
            everyPath("ember.gather.loopRows", what -> sameBits(bits("gather." + name + ".out"), src.gather(-1, idx),
                    name + ", " + what));
        }
    }

    /** scatter_add along the last dimension with many repeated indices per row: PyTorch's sums, in its order. */
    @Test
    void scatterAddAlongTheLastDimensionKeepsPyTorchsBits() {
        Tensor base = floats(new int[] {300, 24}, bits("scatter_add.base"));
        Tensor idx = Tensor.fromArray(Arrays.stream(get("scatter_add.idx").split(" ")).mapToLong(Long::parseLong)
                .toArray()).reshape(300, 96);
        Tensor src = floats(new int[] {300, 96}, bits("scatter_add.src"));
        everyPath("ember.scatter.inlineRow", what -> {
            sameBits(bits("scatter_add.out"), base.scatterAdd(-1, idx, src), what);
            Tensor inPlace = base.clone();
            inPlace.scatterAdd_(-1, idx, src);
            sameBits(bits("scatter_add.out"), inPlace, what + " in place");
        });
    }
}
