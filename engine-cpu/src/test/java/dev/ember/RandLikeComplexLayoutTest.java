package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random complex tensors of a strided layout against PyTorch's draws ({@code randlikecomplex/make_expected.py}):
 * {@code rand_like} / {@code randn_like} of a channels-last or permuted complex tensor (or of a real one with a complex
 * {@code dtype}) keep its strides and fill the real view in the order of its memory, as {@code uniform_} /
 * {@code normal_} on such a tensor do; Ember drew them row-major (found by fuzz round 44). complex64 bits compared
 * exactly, complex128 within two ulps (Java's {@code log1p}, {@code sin} and {@code cos} in the float64 normal).
 */
class RandLikeComplexLayoutTest {
    private record Expected(String dtype, int[] shape, int[] strides, List<double[]> values) {
    }

    private static Map<String, Expected> read() throws IOException {
        Map<String, Expected> cases = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                RandLikeComplexLayoutTest.class.getResourceAsStream("/randlikecomplex/expected.txt")),
                StandardCharsets.UTF_8))) {
            String line;
            String name = null;
            String dtype = null;
            int[] shape = null;
            int[] strides = null;
            List<double[]> values = null;
            while ((line = in.readLine()) != null) {
                String[] w = line.trim().split(" ");
                switch (w[0]) {
                    case "case" -> {
                        name = w[1];
                        dtype = w[2];
                        shape = ints(w, 3);
                        values = new ArrayList<>();
                    }
                    case "strides" -> {
                        strides = ints(w, 1);
                        cases.put(name, new Expected(dtype, shape, strides, values));
                    }
                    case "v" -> values.add(new double[] {Double.parseDouble(w[1]), Double.parseDouble(w[2])});
                    default -> throw new IllegalStateException("unexpected line: " + line);
                }
            }
        }
        return cases;
    }

    private static int[] ints(String[] w, int from) {
        int[] r = new int[w.length - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = Integer.parseInt(w[from + i]);
        }
        return r;
    }

    private static Tensor channelsLast(DType dtype, int... shape) {
        return Tensor.empty(dtype, shape).contiguous(MemoryFormat.CHANNELS_LAST);
    }

    private static void check(Expected e, String name, Supplier<Tensor> make) {
        Ember.manualSeed(62);
        Tensor t = make.get();
        assertEquals(e.dtype(), t.dtype().toString().replace("torch.", ""), name + " dtype");
        assertArrayEquals(e.shape(), t.shape(), name + " shape");
        assertArrayEquals(e.strides(), t.stride(), name + " strides");
        double[] got = t.viewAsReal().contiguous().toDoubleArray();
        assertEquals(2 * e.values().size(), got.length, name + " values");
        for (int i = 0; i < e.values().size(); i++) {
            for (int part = 0; part < 2; part++) {
                double want = e.values().get(i)[part];
                double have = got[2 * i + part];
                if (t.dtype() == DType.COMPLEX128) {
                    // a float64 normal goes through Java's log1p / sin / cos, within an ulp of glibc's
                    assertEquals(want, have, 2 * Math.ulp(want), name + " element " + i + " part " + part);
                } else {
                    assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(have),
                            name + " element " + i + " part " + part + ": " + want + " vs " + have);
                }
            }
        }
    }

    @Test
    void stridedComplexDrawsFollowTheirMemoryOrder() throws IOException {
        Map<String, Supplier<Tensor>> ember = new LinkedHashMap<>();
        ember.put("rand_like_c64_cl", () -> channelsLast(DType.COMPLEX64, 2, 3, 4, 5).randLike());
        ember.put("randn_like_c64_cl", () -> channelsLast(DType.COMPLEX64, 2, 3, 4, 5).randnLike());
        ember.put("randn_like_c128_cl", () -> channelsLast(DType.COMPLEX128, 2, 3, 2, 2).randnLike());
        ember.put("randn_like_c64_cl_small", () -> channelsLast(DType.COMPLEX64, 1, 3, 1, 2).randnLike());
        ember.put("rand_like_float_cl_as_c64", () -> channelsLast(DType.FLOAT32, 2, 3, 4, 5).randLike(DType.COMPLEX64));
        ember.put("randn_like_float_cl_as_c128",
                () -> channelsLast(DType.FLOAT32, 2, 4, 3, 2).randnLike(DType.COMPLEX128));
        ember.put("randn_like_c128_permuted", () -> Tensor.empty(DType.COMPLEX128, 4, 3, 5).permute(2, 0, 1).randnLike());
        ember.put("normal__c64_cl", () -> channelsLast(DType.COMPLEX64, 2, 3, 4, 5).normal_(0.5, 2.0));
        ember.put("uniform__c128_cl", () -> channelsLast(DType.COMPLEX128, 2, 3, 2, 3).uniform_(-1.0, 3.0));
        ember.put("randn_like_c64_contiguous", () -> Tensor.empty(DType.COMPLEX64, 2, 3, 4, 5).randnLike());
        ember.put("randn_like_c64_sliced",
                () -> Tensor.empty(DType.COMPLEX64, 4, 6).slice(1, 0, 6, 2).randnLike());
        Map<String, Expected> expected = read();
        assertEquals(expected.keySet(), ember.keySet());
        for (Map.Entry<String, Supplier<Tensor>> c : ember.entrySet()) {
            check(expected.get(c.getKey()), c.getKey(), c.getValue());
        }
    }

    /** The channels-last draw is not the row-major one re-strided: the two differ (the test above tells them apart). */
    @Test
    void memoryOrderDiffersFromRowMajor() {
        Ember.manualSeed(62);
        double[] strided = channelsLast(DType.COMPLEX64, 2, 3, 4, 5).randLike().viewAsReal().contiguous().toDoubleArray();
        Ember.manualSeed(62);
        double[] rowMajor = Tensor.empty(DType.COMPLEX64, 2, 3, 4, 5).randLike().viewAsReal().contiguous().toDoubleArray();
        assertTrue(!java.util.Arrays.equals(strided, rowMajor));
    }
}
