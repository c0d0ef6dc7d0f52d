package dev.ember;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * index_add with alpha 0.3, bit for bit against PyTorch ({@code indexaddalpha/make_expected.py}): a self of two or more
 * dimensions adds each slice through the add kernel, {@code self + alpha * source} rounded once (a fused multiply-add),
 * where Ember rounded {@code alpha * source} first; a 1-D self keeps PyTorch's two roundings. Along dim 0, dim 1
 * (strided slices), the middle of three dimensions in place, and 1-D, in float32 and float64, with repeated indices;
 * a transposed self and source, complex64 (PyTorch rounds alpha * source first there), and slices large enough for
 * the CPU kernel to run in parallel, with one thread and with four.
 */
class IndexAddAlphaBitsTest {
    private static Map<String, String[]> lines() throws IOException {
        try (InputStream in = IndexAddAlphaBitsTest.class.getResourceAsStream("/indexaddalpha/expected.txt")) {
            Map<String, String[]> m = new HashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] w = line.split(" ");
                m.put(w[0] + " " + w[1], Arrays.copyOfRange(w, 2, w.length));
            }
            return m;
        }
    }

    /** The value lines (names of "bits" lines hold hex bit patterns, read by {@link #bitsLine}). */
    private static Map<String, double[]> expected() throws IOException {
        Map<String, double[]> m = new HashMap<>();
        for (Map.Entry<String, String[]> e : lines().entrySet()) {
            if (!e.getKey().contains(" bits")) {
                m.put(e.getKey(), Arrays.stream(e.getValue()).mapToDouble(Double::parseDouble).toArray());
            }
        }
        return m;
    }

    /** A "bits" line as the values it encodes (float32 or float64 bit patterns in hex). */
    private static double[] bitsLine(String[] hex) {
        return Arrays.stream(hex).mapToDouble(h -> h.length() == 8 ? Float.intBitsToFloat(Integer.parseUnsignedInt(h, 16))
                : Double.longBitsToDouble(Long.parseUnsignedLong(h, 16))).toArray();
    }

    /** make_expected.py's formula: ((k * mul) mod 2003) / 1001 - 1 for k below n, in float64, then cast. */
    private static Tensor formula(int n, int mul, DType t, int... shape) {
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = ((double) k * mul) % 2003.0 / 1001.0 - 1.0;
        }
        return tensor(v, t, shape);
    }

    private static Tensor tensor(double[] v, DType t, int... shape) {
        return Tensor.tensor(v, DType.FLOAT64).to(t).reshape(shape);
    }

    private static Tensor index(double[] v) {
        return Tensor.tensor(Arrays.stream(v).mapToLong(x -> (long) x).toArray());
    }

    private static void assertBits(double[] want, Tensor got, String what) {
        assertArrayEquals(want, got.toDouble().contiguous().toDoubleArray(), 0.0, what);
    }

    @Test
    void indexAddWithAlphaRoundsAsPyTorch() throws IOException {
        Map<String, double[]> e = expected();
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            String tag = t == DType.FLOAT32 ? "float32" : "float64";
            Tensor s0 = tensor(e.get(tag + " self0"), t, 6, 67);
            Tensor src0 = tensor(e.get(tag + " source0"), t, 8, 67);
            assertBits(e.get(tag + " dim0"), s0.indexAdd(0, index(e.get(tag + " index0")), src0, 0.3), tag + " dim 0");
            Tensor s1 = tensor(e.get(tag + " self1"), t, 5, 40);
            Tensor src1 = tensor(e.get(tag + " source1"), t, 5, 12);
            assertBits(e.get(tag + " dim1"), s1.indexAdd(1, index(e.get(tag + " index1")), src1, 0.3), tag + " dim 1");
            Tensor s2 = tensor(e.get(tag + " self2"), t, 3, 4, 9);
            Tensor src2 = tensor(e.get(tag + " source2"), t, 3, 6, 9);
            s2.indexAdd_(1, index(e.get(tag + " index2")), src2, 0.3);
            assertBits(e.get(tag + " dim2"), s2, tag + " 3-D dim 1 in place");
            Tensor s3 = tensor(e.get(tag + " self3"), t, 50);
            Tensor src3 = tensor(e.get(tag + " source3"), t, 40);
            assertBits(e.get(tag + " dim3"), s3.indexAdd(0, index(e.get(tag + " index3")), src3, 0.3), tag + " 1-D");
        }
    }

    @Test
    void stridedOperandsRepeatedIndicesAndComplex() throws IOException {
        Map<String, double[]> e = expected();
        // a transposed self in place, with a transposed source (the lines hold their values in logical order)
        Tensor s4 = tensor(e.get("float32 self4"), DType.FLOAT32, 6, 67).t().contiguous().t();
        Tensor src4 = tensor(e.get("float32 source4"), DType.FLOAT32, 8, 67).t().contiguous().t();
        s4.indexAdd_(0, index(e.get("float32 index4")), src4, 0.3);
        assertBits(e.get("float32 dim4"), s4, "transposed self and source, in place");
        // 100 indices into 20 rows, alpha -1.7
        Tensor s5 = tensor(e.get("float32 self5"), DType.FLOAT32, 20, 16);
        Tensor src5 = tensor(e.get("float32 source5"), DType.FLOAT32, 100, 16);
        assertBits(e.get("float32 dim5"), s5.indexAdd(0, index(e.get("float32 index5")), src5, -1.7), "repeated indices");
        // complex64: alpha * source rounded first, as PyTorch's complex multiply then add
        Tensor s6 = Tensor.complex(tensor(e.get("complex64 self6re"), DType.FLOAT32, 6, 67),
                tensor(e.get("complex64 self6im"), DType.FLOAT32, 6, 67));
        Tensor src6 = Tensor.complex(tensor(e.get("complex64 source6re"), DType.FLOAT32, 8, 67),
                tensor(e.get("complex64 source6im"), DType.FLOAT32, 8, 67));
        Tensor r6 = s6.indexAdd(0, index(e.get("complex64 index6")), src6, 0.3);
        assertBits(e.get("complex64 dim6re"), r6.real(), "complex64 real parts");
        assertBits(e.get("complex64 dim6im"), r6.imag(), "complex64 imaginary parts");
    }

    /**
     * Slices of 1100 elements and 64 indices: enough work for the CPU kernel to split the slices' elements across
     * threads; the bits are PyTorch's with one thread and with several (each element's additions in the index's order).
     */
    @Test
    void largeSlicesSameBitsOnAnyThreadCount() throws IOException {
        Map<String, String[]> l = lines();
        long[] bigIndex = new long[64];
        for (int i = 0; i < 64; i++) {
            bigIndex[i] = (i * 5) % 3;
        }
        Tensor idx = Tensor.tensor(bigIndex);
        int before = Ember.getNumThreads();
        try {
            for (int threads : new int[] {1, 4}) {
                Ember.setNumThreads(threads);
                for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                    String tag = t == DType.FLOAT32 ? "float32" : "float64";
                    Tensor b0 = formula(3 * 1100, 7919, t, 3, 1100);
                    Tensor bs0 = formula(64 * 1100, 104729, t, 64, 1100);
                    assertBits(bitsLine(l.get(tag + " bits7")), b0.indexAdd(0, idx, bs0, 0.3),
                            tag + " dim 0 of [3, 1100], threads " + threads);
                    Tensor b1 = formula(1100 * 3, 7919, t, 1100, 3);
                    Tensor bs1 = formula(1100 * 64, 104729, t, 1100, 64);
                    assertBits(bitsLine(l.get(tag + " bits8")), b1.indexAdd(1, idx, bs1, 0.3),
                            tag + " dim 1 of [1100, 3], threads " + threads);
                }
            }
        } finally {
            Ember.setNumThreads(before);
        }
    }
}
