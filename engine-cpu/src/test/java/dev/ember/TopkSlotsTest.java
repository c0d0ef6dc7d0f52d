package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * topk's key slots sized per line (session 61: k + 2 where the partial sort loads only the first k, the whole line where
 * it is loaded, growing within a task) give the indices of the whole-line slots ({@code -Dember.topk.fullSlots=true})
 * and of the values path ({@code -Dember.topk.values=true}, the pre-session-48 algorithm that PyTorch-generated tests
 * pinned): rows that take the heap, the forced heap, the heap then the introselect (a tie at the k-th) and the
 * introselect alone, in one tensor so that one task's slots grow between rows; ties, NaN, -0.0 and infinities; float32
 * dense and strided, float64, int32; largest and smallest, sorted or not.
 */
class TopkSlotsTest {
    private static long[] indices(Tensor x, int k, boolean largest, boolean sorted, String property) {
        if (property != null) {
            System.setProperty(property, "true");
        }
        try {
            return x.topk(k, -1, largest, sorted).indices().toLongArray();
        } finally {
            if (property != null) {
                System.clearProperty(property);
            }
        }
    }

    @Test
    void sizedSlotsGiveTheWholeLineSlotsIndices() {
        Random rnd = new Random(61);
        int checked = 0;
        int[][] shapes = {{3, 200}, {5, 64}, {4, 65}, {6, 63}, {3, 1000}, {2, 5000}, {7, 17}, {3, 1}};
        for (int[] nk : new int[][] {{1}, {2}, {3}, {4}, {12}, {50}}) {
            for (int[] shape : shapes) {
                int k = nk[0];
                int n = shape[1];
                if (k > n) {
                    continue;
                }
                int rows = shape[0] * 4;
                double[] v = new double[rows * n];
                for (int r = 0; r < rows; r++) {
                    int kind = r % 4;
                    for (int j = 0; j < n; j++) {
                        double u = rnd.nextDouble();
                        v[r * n + j] = kind == 0 ? rnd.nextGaussian()                      // all different
                                : kind == 1 ? rnd.nextInt(5)                                // many ties
                                : kind == 2 ? (u < 0.05 ? Double.NaN : u < 0.1 ? -0.0 : u < 0.15 ? 0.0
                                        : u < 0.2 ? Double.POSITIVE_INFINITY : u < 0.25 ? Double.NEGATIVE_INFINITY
                                        : rnd.nextGaussian())
                                : j;                                                       // increasing
                    }
                }
                Tensor base = Tensor.fromArray(v).reshape(rows, n);
                Tensor[] forms = {base.to(DType.FLOAT32), base.to(DType.FLOAT32).t().contiguous().t(),
                        base, base.nanToNum(0.0, 1e6, -1e6).to(DType.INT32)};
                for (Tensor x : forms) {
                    for (boolean largest : new boolean[] {true, false}) {
                        for (boolean sorted : new boolean[] {true, false}) {
                            String what = x.dtype() + " strides " + java.util.Arrays.toString(x.stride()) + " rows "
                                    + rows + " n " + n + " k " + k + " largest " + largest + " sorted " + sorted;
                            long[] got = indices(x, k, largest, sorted, null);
                            assertArrayEquals(indices(x, k, largest, sorted, "ember.topk.fullSlots"), got, what);
                            assertArrayEquals(indices(x, k, largest, sorted, "ember.topk.values"), got, what);
                            checked++;
                        }
                    }
                }
            }
        }
        assertEquals(42 * 4 * 4, checked, "cases run");
    }
}
