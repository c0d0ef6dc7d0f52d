package dev.ember.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Tensor;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code IndexKernels.scatterAdd}'s split by the slice of dst each task owns (session 60): index_add of float32 and
 * float64, with alpha 1 and 0.3, along the first, the last and a middle dimension, dense and transposed operands,
 * repeated indices, indices crowded into one slice (the element split then runs), dst sizes 1, 3, 7, 8, 9, 20, 513
 * and 2048 along the dimension and slices of 2 to 7695 elements (below 128 the element split runs). Each result is compared bit for bit with a plain loop (each
 * value added as one fused multiply-add with alpha in the type, in the index's order), with the element split
 * ({@code -Dember.cpu.indexAdd.elementSplit=true}) and with one thread.
 */
class IndexAddOwnerSplitTest {
    @AfterEach
    void restore() {
        System.clearProperty("ember.cpu.indexAdd.elementSplit");
    }

    /** dst size along dim, index length, slice shape (the other dimensions), the dim's place among them. */
    private static final int[][] CASES = {
        {2048, 600, 130},
        {513, 300, 9, 15},
        {3, 700, 200},
        {9, 500, 130, 2},
        {8, 520, 128},
        {20, 600, 513},
        {7, 4100, 13},
        {1, 40000, 3},
    };

    @Test
    void ownerSplitMatchesThePlainLoopBitForBit() {
        int before = Ember.getNumThreads();
        try {
            for (int threads : new int[] {2, 4}) {
                for (int[] c : CASES) {
                    for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                        for (double alpha : new double[] {1, 0.3}) {
                            for (int dimAt = 0; dimAt < c.length - 1; dimAt++) {
                                for (int indexKind = 0; indexKind < 3; indexKind++) {
                                    check(threads, c, t, alpha, dimAt, indexKind, false);
                                }
                                check(threads, c, t, alpha, dimAt, 0, true);
                            }
                        }
                    }
                }
            }
        } finally {
            Ember.setNumThreads(before);
        }
    }

    /**
     * One case: the dim at {@code dimAt} among the slice's dimensions; indices random (kind 0), sorted runs of
     * repeats (1) or all one value (2); {@code transposed}: self and source transposed views of their last two
     * dimensions (the slices strided).
     */
    private static void check(int threads, int[] c, DType t, double alpha, int dimAt, int indexKind,
                              boolean transposed) {
        int size = c[0];
        int n = c[1];
        int rank = c.length - 1;
        int[] selfShape = new int[rank];
        int[] srcShape = new int[rank];
        for (int d = 0, j = 2; d < rank; d++) {
            if (d == dimAt) {
                selfShape[d] = size;
                srcShape[d] = n;
            } else {
                selfShape[d] = c[j];
                srcShape[d] = c[j++];
            }
        }
        Random r = new Random(size * 31L + n + dimAt * 7L + indexKind);
        long[] index = new long[n];
        for (int i = 0; i < n; i++) {
            index[i] = indexKind == 0 ? r.nextInt(size) : indexKind == 1 ? (long) i * size / n : size / 2;
        }
        Tensor self = values(r, t, selfShape);
        Tensor src = values(r, t, srcShape);
        if (transposed && rank >= 2) {
            self = self.transpose(rank - 2, rank - 1).contiguous().transpose(rank - 2, rank - 1);
            src = src.transpose(rank - 2, rank - 1).contiguous().transpose(rank - 2, rank - 1);
        }
        Tensor idx = Tensor.tensor(index);
        double[] want = plain(self, dimAt, index, src, alpha, t);
        String what = t + " alpha " + alpha + " self " + java.util.Arrays.toString(selfShape) + " dim " + dimAt
                + " index kind " + indexKind + (transposed ? " transposed" : "") + ", threads " + threads;
        Ember.setNumThreads(threads);
        assertBits(want, self.indexAdd(dimAt, idx, src, alpha), what);
        Tensor inPlace = self.clone();
        inPlace.indexAdd_(dimAt, idx, src, alpha);
        assertBits(want, inPlace, what + " (in place)");
        System.setProperty("ember.cpu.indexAdd.elementSplit", "true");
        assertBits(want, self.indexAdd(dimAt, idx, src, alpha), what + " (element split)");
        System.clearProperty("ember.cpu.indexAdd.elementSplit");
        Ember.setNumThreads(1);
        assertBits(want, self.indexAdd(dimAt, idx, src, alpha), what + " (one thread)");
    }

    private static Tensor values(Random r, DType t, int[] shape) {
        int numel = 1;
        for (int s : shape) {
            numel *= s;
        }
        double[] v = new double[numel];
        for (int i = 0; i < numel; i++) {
            v[i] = r.nextGaussian();
        }
        return Tensor.tensor(v).to(t).reshape(shape);
    }

    /** self with {@code fma(alpha, src, self)} in the type for each index in order, row-major values. */
    private static double[] plain(Tensor self, int dim, long[] index, Tensor src, double alpha, DType t) {
        int[] shape = self.shape();
        int[] srcShape = src.shape();
        double[] d = self.contiguous().toDoubleArray();
        double[] s = src.contiguous().toDoubleArray();
        int outer = 1;
        for (int k = 0; k < dim; k++) {
            outer *= shape[k];
        }
        int inner = 1;
        for (int k = dim + 1; k < shape.length; k++) {
            inner *= shape[k];
        }
        float[] df = new float[d.length];
        for (int k = 0; k < d.length; k++) {
            df[k] = (float) d[k];
        }
        float af = (float) alpha;
        for (int i = 0; i < index.length; i++) {
            for (int o = 0; o < outer; o++) {
                for (int e = 0; e < inner; e++) {
                    int p = (o * shape[dim] + (int) index[i]) * inner + e;
                    int q = (o * srcShape[dim] + i) * inner + e;
                    if (t == DType.FLOAT32) {
                        df[p] = Math.fma(af, (float) s[q], df[p]);
                    } else {
                        d[p] = Math.fma(alpha, s[q], d[p]);
                    }
                }
            }
        }
        if (t == DType.FLOAT32) {
            for (int k = 0; k < d.length; k++) {
                d[k] = df[k];
            }
        }
        return d;
    }

    private static void assertBits(double[] want, Tensor got, String what) {
        double[] g = got.contiguous().toDoubleArray();
        assertEquals(want.length, g.length, what);
        for (int k = 0; k < want.length; k++) {
            if (Double.doubleToLongBits(want[k]) != Double.doubleToLongBits(g[k])) {
                throw new AssertionError(what + ": element " + k + " is " + g[k] + ", expected " + want[k]);
            }
        }
    }
}
