package dev.ember;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * gather with the index check inside the CPU kernel (session 59: {@code Backend.gatherChecked}, each row of the index
 * checked just before it is copied) against the pass over the whole index first ({@code
 * -Dember.gather.separateCheck=true}): the same bits for ranks 1 to 3, rows of 1 to 65 indices (vector tails),
 * duplicate indices, a source larger than the index in the other dimensions, transposed sources and indices, a
 * dimension other than the last, six dtypes, one and two threads, large enough to split over the pool; and the same
 * exception and message for a value out of range in the first row, the last, a middle one, the first of two in
 * different tasks, negative, and equal to the size.
 */
class GatherCheckedPathTest {
    private static final String OLD = "ember.gather.separateCheck";

    @AfterEach
    void restore() {
        System.clearProperty(OLD);
    }

    private static long[] bits(Tensor t) {
        if (t.dtype() == DType.FLOAT32) {
            float[] v = t.toFloatArray();
            long[] b = new long[v.length];
            for (int i = 0; i < v.length; i++) {
                b[i] = Float.floatToRawIntBits(v[i]);
            }
            return b;
        }
        if (t.dtype() == DType.INT64) {
            return t.toLongArray();
        }
        double[] v = t.to(DType.FLOAT64).toDoubleArray();
        long[] b = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Double.doubleToRawLongBits(v[i]);
        }
        return b;
    }

    private static Tensor gatherOld(Tensor x, int dim, Tensor index) {
        System.setProperty(OLD, "true");
        try {
            return x.gather(dim, index);
        } finally {
            System.setProperty(OLD, "false");
        }
    }

    @Test
    void rowCheckGivesTheSeparateChecksBits() {
        int threads = Ember.getNumThreads();
        try {
            Generator g = new Generator(591);
            // {source shape, index shape}: the index no larger than the source outside the gathered (last) dimension
            int[][][] cases = {
                {{40}, {7}}, {{5000}, {150000}}, {{9, 13}, {9, 1}}, {{9, 13}, {4, 3}}, {{9, 13}, {9, 17}},
                {{2048, 512}, {2048, 64}}, {{300, 33}, {200, 65}}, {{3, 5, 16}, {3, 4, 9}}, {{6, 7, 31}, {6, 7, 64}}};
            DType[] dtypes = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.BOOL, DType.BFLOAT16};
            int checked = 0;
            for (int t : new int[] {1, 2}) {
                Ember.setNumThreads(t);
                for (int[][] c : cases) {
                    Tensor base = Tensor.randn(g, DType.FLOAT32, c[0]);
                    int last = c[0].length - 1;
                    Tensor index = Tensor.randint(g, 0, c[0][last], c[1]);
                    List<Tensor> sources = c[0].length < 2 ? List.of(base)
                            : List.of(base, base.transpose(0, last).contiguous().transpose(0, last));
                    List<Tensor> indices = c[1].length < 2 ? List.of(index)
                            : List.of(index, index.transpose(0, last).contiguous().transpose(0, last));
                    for (Tensor src : sources) {
                        for (Tensor ix : indices) {
                            for (DType dtype : dtypes) {
                                Tensor x = src.to(dtype);
                                String what = Arrays.toString(c[0]) + " " + Arrays.toString(c[1]) + " " + dtype
                                        + " x strides " + Arrays.toString(x.stride()) + " index strides "
                                        + Arrays.toString(ix.stride()) + " threads " + t;
                                for (int dim : new int[] {-1, 0}) {
                                    if (dim == 0 && (c[0].length < 2 || c[1][last] > c[0][last])) {
                                        continue; // one dimension (the same gather), or an index too wide for dim 0
                                    }
                                    // along dim 0 (the separate check and gather on both paths): values below its size
                                    Tensor i0 = dim == -1 ? ix : ix.remainder(c[0][0]);
                                    Tensor got = x.gather(dim, i0);
                                    Tensor want = gatherOld(x, dim, i0);
                                    assertArrayEquals(want.shape(), got.shape(), what + " dim " + dim);
                                    assertArrayEquals(bits(want), bits(got), what + " dim " + dim);
                                    checked++;
                                }
                            }
                        }
                    }
                }
            }
            // per thread count: 6 + 6 (one dimension), 48 x 4 (two sources, two indices, six dtypes, two dims), 24 x 3
            assertEquals(2 * (12 + 48 * 4 + 24 * 3), checked);
            // float32 along the last dimension against the values read one by one
            Tensor x = Tensor.randn(g, DType.FLOAT32, 300, 33);
            Tensor ix = Tensor.randint(g, 0, 33, 200, 65);
            float[] xv = x.toFloatArray();
            long[] iv = ix.toLongArray();
            float[] expected = new float[iv.length];
            for (int r = 0; r < 200; r++) {
                for (int k = 0; k < 65; k++) {
                    expected[r * 65 + k] = xv[r * 33 + (int) iv[r * 65 + k]];
                }
            }
            assertArrayEquals(expected, x.gather(-1, ix).toFloatArray());
        } finally {
            Ember.setNumThreads(threads);
        }
    }

    @Test
    void valueOutOfRangeKeepsItsMessage() {
        int threads = Ember.getNumThreads();
        try {
            Generator g = new Generator(592);
            Tensor x = Tensor.randn(g, DType.FLOAT32, 2048, 512);
            Tensor x1 = Tensor.randn(g, DType.FLOAT32, 5000);
            for (int t : new int[] {1, 2}) {
                Ember.setNumThreads(t);
                // {row, column, value}..., the message naming the first in row-major order
                long[][][] bad = {{{0, 0, 512}}, {{2047, 63, 600}}, {{1000, 5, -1}}, {{1900, 1, 700}, {30, 60, -7}}};
                String[] named = {"512", "600", "-1", "-7"};
                for (int b = 0; b < bad.length; b++) {
                    long[] iv = Tensor.randint(g, 0, 512, 2048, 64).toLongArray();
                    for (long[] v : bad[b]) {
                        iv[(int) (v[0] * 64 + v[1])] = v[2];
                    }
                    Tensor index = Tensor.fromArray(iv).reshape(2048, 64);
                    for (boolean old : new boolean[] {false, true}) {
                        System.setProperty(OLD, Boolean.toString(old));
                        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                                () -> x.gather(1, index));
                        assertEquals("index " + named[b] + " is out of bounds for dimension 1 with size 512",
                                e.getMessage(), "old " + old + " threads " + t);
                    }
                    System.clearProperty(OLD);
                }
                // one long row (split into ranges over the pool): two bad values in different ranges
                long[] iv = Tensor.randint(g, 0, 5000, 150000).toLongArray();
                iv[140000] = 5000;
                iv[20] = -3;
                Tensor index = Tensor.fromArray(iv);
                for (boolean old : new boolean[] {false, true}) {
                    System.setProperty(OLD, Boolean.toString(old));
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x1.gather(0, index));
                    assertEquals("index -3 is out of bounds for dimension 0 with size 5000", e.getMessage());
                }
            }
        } finally {
            Ember.setNumThreads(threads);
        }
    }
}
