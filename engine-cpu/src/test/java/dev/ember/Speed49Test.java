package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The values that session 49's CPU speed work keeps. Reductions over a contiguous run (amax, amin, sum, argmax, argmin
 * along the last dimension) and the line ops (topk, sort) split their outputs or lines over the worker threads by the
 * work they stand for ({@code StridedLoop.run} with a cost), where they ran on one thread below 65,536 outputs or
 * lines: PyTorch's values from {@code speed49/make_expected.py} (PyTorch 1.13 CPU) on one and two threads, and the same
 * bits as the old split ({@code -Dember.loop.elementsOnly=true}). Zeros come from a pooled array cleared where one is
 * kept ({@code -Dember.zeros.newArray=true} keeps the new array): every bit clear in every type, at lengths around the
 * pool's and the parallel clear's thresholds.
 */
class Speed49Test {
    private static final Map<String, String> EXPECTED = ReferenceCases.strings("/speed49/expected.txt");

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

    private static double[] nums(String key) {
        return Arrays.stream(get(key).split(" ")).mapToDouble(Speed49Test::num).toArray();
    }

    private static long[] longs(String key) {
        return Arrays.stream(get(key).split(" ")).mapToLong(Long::parseLong).toArray();
    }

    /** An input: its shape and one palette index per element (make_expected.py's encoding). */
    private static Tensor input(String key) {
        String alpha = get("alpha");
        double[] palette = nums("palette");
        String[] parts = get(key).split(" ");
        int[] shape = Arrays.stream(parts[0].split(",")).mapToInt(Integer::parseInt).toArray();
        String codes = parts[1];
        float[] v = new float[codes.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) palette[alpha.indexOf(codes.charAt(i))];
        }
        return Tensor.fromArray(v).reshape(shape);
    }

    /**
     * float32 results by raw bits (NaN's canonical bits), but for the sign of a zero: where a line's largest is +0 and
     * -0 alike, PyTorch's vector max returns either, by where they sit (its lanes' order), and Ember's the one
     * {@code Math.max} gives (+0; min: -0) on every path, which {@link #everySplit} holds bit for bit.
     */
    private static void sameValues(double[] want, Tensor got, String what) {
        float[] have = got.toFloatArray();
        assertEquals(want.length, have.length, what);
        for (int i = 0; i < want.length; i++) {
            if (want[i] == 0 && have[i] == 0) {
                continue;
            }
            assertEquals(Float.floatToRawIntBits((float) want[i]), Float.floatToRawIntBits(have[i]),
                    what + " element " + i + ": want " + want[i] + ", got " + have[i]);
        }
    }

    /** Runs {@code body} on 1 and 2 threads, new split and old, and checks each result as {@code check} says. */
    private static void everySplit(Supplier<Tensor> body, java.util.function.BiConsumer<Tensor, String> check) {
        int threads = Ember.getNumThreads();
        try {
            Tensor first = null;
            for (int t : new int[] {1, 2}) {
                Ember.setNumThreads(t);
                for (String old : new String[] {"false", "true"}) {
                    System.setProperty("ember.loop.elementsOnly", old);
                    Tensor got = body.get();
                    String what = t + " threads, elementsOnly " + old;
                    check.accept(got, what);
                    if (first == null) {
                        first = got;
                    } else {
                        assertTrue(bitsEqual(first, got), what + ": the bits of the other splits");
                    }
                }
            }
        } finally {
            System.clearProperty("ember.loop.elementsOnly");
            Ember.setNumThreads(threads);
        }
    }

    private static boolean bitsEqual(Tensor a, Tensor b) {
        if (a.dtype() == DType.INT64) {
            return Arrays.equals(a.toLongArray(), b.toLongArray());
        }
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        if (x.length != y.length) {
            return false;
        }
        for (int i = 0; i < x.length; i++) {
            if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * amax, amin, argmax, argmin and sum along the last dimension of [7, 40, 257] (one row of outputs split), its
     * transpose(0, 1) (rows of outputs read with strides), [130, 515] and [3, 700] (too small to split): lines at most
     * zero with -0 and +0, with NaN (the first for argmax), infinities, ties only. max and min are PyTorch's values
     * ({@link #sameValues}: a zero's sign aside), the positions PyTorch's exactly; the sum is within float32 rounding of the float64 sum of the finite elements (on lines with
     * no infinity or NaN), and the same bits on every split.
     */
    @Test
    void reductionsAlongTheLastDimensionKeepPyTorchsValues() {
        Tensor a = input("red.a");
        Map<String, Tensor> xs = Map.of("a", a, "at", a.transpose(0, 1), "b", input("red.b"), "c", input("red.c"));
        int[] last = {-1};
        for (Map.Entry<String, Tensor> e : xs.entrySet()) {
            String n = e.getKey();
            Tensor x = e.getValue();
            everySplit(() -> x.amax(last, false), (got, what) -> sameValues(nums("red." + n + ".amax"), got, n + " amax " + what));
            everySplit(() -> x.amin(last, false), (got, what) -> sameValues(nums("red." + n + ".amin"), got, n + " amin " + what));
            everySplit(() -> x.argmax(-1, false),
                (got, what) -> assertArrayEquals(longs("red." + n + ".argmax"), got.toLongArray(), n + " argmax " + what));
            everySplit(() -> x.argmin(-1, false),
                (got, what) -> assertArrayEquals(longs("red." + n + ".argmin"), got.toLongArray(), n + " argmin " + what));
            Tensor finite = Tensor.where(x.isfinite(), x, 0.0);
            double[] want = nums("red." + n + ".sumfinite");
            double[] scale = finite.abs().to(DType.FLOAT64).sum(last, false).toDoubleArray();
            everySplit(() -> finite.sum(last, false), (got, what) -> {
                float[] have = got.toFloatArray();
                assertEquals(want.length, have.length);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], have[i], 1e-6 * scale[i], n + " sum " + what + " at " + i);
                }
            });
        }
    }

    /**
     * topk(10) of 300 lines of 33 (nth_element and sort) and topk(3) of 40 lines of 260 (the partial sort), largest
     * and smallest, and the largest along dim 0 of their transposes (strided lines); the stable sort's indices of the
     * lines of 33, ascending and descending: PyTorch's indices (ties, -0 beside +0, infinities, NaN), topk's values
     * the input's at them.
     */
    @Test
    void topkAndSortOfManyLinesKeepPyTorchsOrder() {
        for (String n : new String[] {"t", "u"}) {
            Tensor x = input("line." + n);
            int k = n.equals("t") ? 10 : 3;
            for (boolean largest : new boolean[] {true, false}) {
                long[] want = longs("line." + n + ".topk." + (largest ? "True" : "False"));
                everySplit(() -> {
                    Tensor.ValuesIndices got = x.topk(k, -1, largest, true);
                    assertTrue(bitsEqual(x.gather(-1, got.indices()), got.values()), "values at the indices");
                    return got.indices();
                }, (got, what) -> assertArrayEquals(want, got.toLongArray(), n + " topk largest " + largest + " " + what));
            }
            long[] want0 = longs("line." + n + ".topk0." + k);
            Tensor xt = x.t();
            everySplit(() -> xt.topk(k, 0, true, true).indices(),
                (got, what) -> assertArrayEquals(want0, got.toLongArray(), n + " topk along dim 0 " + what));
        }
        Tensor t = input("line.t");
        for (boolean desc : new boolean[] {false, true}) {
            long[] want = longs("line.t.sort." + (desc ? "True" : "False"));
            everySplit(() -> t.sort(-1, desc, true).indices(),
                (got, what) -> assertArrayEquals(want, got.toLongArray(), "sort descending " + desc + " " + what));
        }
    }

    /**
     * gather and scatter_add check an int64 index where it lies (CpuBackend.checkIndices; {@code
     * -Dember.checkIndices.copy=true} walks a copy, as before): PyTorch's message for the first value out of range of a
     * dense index with two and of a transposed one, and nothing changed by the refused scatter_add; gather's values
     * along the last dimension and along dim 0 of a transpose (a strided index) where every index is in range.
     */
    @Test
    void indexChecksKeepPyTorchsMessagesAndValues() {
        Tensor x = Tensor.arange(12).to(DType.FLOAT32).reshape(3, 4);
        Map<String, Tensor> bad = Map.of("dense", Tensor.fromArray(new long[] {0, 1, 5, 2, 1, -1}).reshape(3, 2),
                "strided", Tensor.fromArray(new long[] {0, 1, 2, 1, 7, 0}).reshape(2, 3).t());
        Tensor line = input("line.t");
        Tensor idx = Tensor.fromArray(longs("check.idx")).reshape(300, 64);
        try {
            for (String old : new String[] {"false", "true"}) {
                System.setProperty("ember.checkIndices.copy", old);
                for (Map.Entry<String, Tensor> e : bad.entrySet()) {
                    Tensor i = e.getValue();
                    String what = e.getKey() + " copy " + old;
                    IllegalArgumentException g = org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class, () -> x.gather(1, i), what);
                    assertEquals(get("check." + e.getKey() + ".gather"), g.getMessage(), what);
                    Tensor base = Tensor.zeros(DType.FLOAT32, 3, 4);
                    Tensor ones = Tensor.ones(DType.FLOAT32, i.shape());
                    IllegalArgumentException sa = org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class, () -> base.scatterAdd_(1, i, ones), what);
                    assertEquals(get("check." + e.getKey() + ".scatter_add"), sa.getMessage(), what);
                    assertEquals(0.0, base.abs().sum().item(), what + ": untouched");
                }
                assertArrayEquals(toFloats(nums("check.gather")), line.gather(-1, idx).toFloatArray(), 0f, "gather " + old);
                assertArrayEquals(toFloats(nums("check.gather_t")), line.t().gather(0, idx.t()).toFloatArray(), 0f,
                        "gather along dim 0 " + old);
            }
        } finally {
            System.clearProperty("ember.checkIndices.copy");
        }
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /**
     * Tensor.zeros and zerosLike (dense and transposed) after the pool holds arrays of that type and length full of
     * ones (NaN for the floating types): every bit clear, in every storage type, at lengths 16,384 (the pool's least),
     * 65,535 to 65,537 (around the parallel clear's threshold) and 200,003 (tasks with a tail), on 1 and 2 threads;
     * and on the old path (a new array).
     */
    @Test
    void zerosFromThePoolAreAllBitsClear() {
        DType[] types = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT16, DType.INT8, DType.UINT8,
            DType.BOOL, DType.FLOAT16, DType.BFLOAT16, DType.COMPLEX64};
        int threads = Ember.getNumThreads();
        try {
            for (int t : new int[] {1, 2}) {
                Ember.setNumThreads(t);
                for (String old : new String[] {"false", "true"}) {
                    System.setProperty("ember.zeros.newArray", old);
                    for (DType type : types) {
                        for (int len : new int[] {16384, 65535, 65536, 65537, 200003}) {
                            int elems = type.isComplex() ? len / 2 : len;
                            int[] shape = {elems};
                            String what = type + " " + len + " threads " + t + " newArray " + old;
                            dirtyPool(type, shape);
                            check(Tensor.zeros(type, shape), what + " zeros");
                            dirtyPool(type, shape);
                            Tensor ones = Tensor.ones(type, shape);
                            check(ones.zerosLike(), what + " zerosLike");
                            if (len == 65536) {
                                int[] two = {256, elems / 256};
                                dirtyPool(type, two);
                                Tensor tr = Tensor.ones(type, two).t();
                                Tensor z = tr.zerosLike();
                                assertArrayEquals(tr.stride(), z.stride(), what + " strides kept");
                                check(z, what + " zerosLike transposed");
                            }
                        }
                    }
                }
            }
        } finally {
            System.clearProperty("ember.zeros.newArray");
            Ember.setNumThreads(threads);
        }
    }

    /** Closes tensors of that type and shape full of ones (NaN where floating) in a scope: their arrays wait in the pool. */
    private static void dirtyPool(DType type, int[] shape) {
        try (TensorScope s = Ember.scope()) {
            for (int i = 0; i < 3; i++) {
                if (type.isFloatingPoint() && !type.isComplex()) {
                    Tensor.full(type, Double.NaN, shape);
                } else {
                    Tensor.ones(type, shape);
                }
            }
        }
    }

    private static void check(Tensor z, String what) {
        Tensor real = z.dtype().isComplex() ? z.viewAsReal() : z;
        if (real.dtype() == DType.FLOAT32 || real.dtype() == DType.FLOAT64) {
            double[] got = real.toDoubleArray();
            for (int i = 0; i < got.length; i++) {
                if (Double.doubleToRawLongBits(got[i]) != 0L) {
                    assertEquals(0L, Double.doubleToRawLongBits(got[i]), what + " at " + i);
                }
            }
            return;
        }
        // the other types: as int64 (float16/bfloat16 bits through their exact float values: 0 only for +0 or -0)
        Tensor asInt = real.dtype() == DType.FLOAT16 || real.dtype() == DType.BFLOAT16 ? real.to(DType.FLOAT32) : real;
        if (asInt.dtype() == DType.FLOAT32) {
            for (float f : asInt.toFloatArray()) {
                if (Float.floatToRawIntBits(f) != 0) {
                    assertEquals(0, Float.floatToRawIntBits(f), what);
                }
            }
            return;
        }
        long[] got = asInt.to(DType.INT64).toLongArray();
        for (int i = 0; i < got.length; i++) {
            if (got[i] != 0) {
                assertEquals(0L, got[i], what + " at " + i);
            }
        }
    }
}
