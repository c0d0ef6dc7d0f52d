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
 * (strided slices), the middle of three dimensions in place, and 1-D, in float32 and float64, with repeated indices.
 */
class IndexAddAlphaBitsTest {
    private static Map<String, double[]> expected() throws IOException {
        try (InputStream in = IndexAddAlphaBitsTest.class.getResourceAsStream("/indexaddalpha/expected.txt")) {
            Map<String, double[]> m = new HashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] w = line.split(" ");
                m.put(w[0] + " " + w[1], Arrays.stream(w, 2, w.length).mapToDouble(Double::parseDouble).toArray());
            }
            return m;
        }
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
}
