package dev.ember;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Session 55's cat in one pass over the output's rows (Backend.copyInto: each output row gets every input's piece
 * before the next row) against the rule computed here element by element and against one copy per input
 * ({@code -Dember.cpu.cat.old=true}): along the last and a middle dimension, strided views with offsets, every storage
 * type, rows enough for the parallel split at one to three threads, inputs of other types or a legacy empty input
 * (the per-input copies), the error for mismatched sizes, and the backward pass.
 */
class CatOnePassTest {
    private static final String OLD = "ember.cpu.cat.old";

    @AfterEach
    void clear() {
        System.clearProperty(OLD);
    }

    private static Tensor values(DType dtype, long start, int... shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        Tensor t = Tensor.arange(start, start + n).remainder(89).sub(30);
        if (dtype == DType.BOOL) {
            t = t.remainder(3).eq(0);
        }
        return t.to(dtype).view(shape);
    }

    /** The rule: cat along {@code dim} of the inputs, through float64 element lists. */
    private static double[] rule(List<Tensor> ts, int dimArg) {
        int[] shape = ts.get(0).shape();
        int dim = dimArg < 0 ? dimArg + shape.length : dimArg;
        long outer = 1;
        for (int k = 0; k < dim; k++) {
            outer *= shape[k];
        }
        List<double[]> parts = new ArrayList<>();
        long[] blocks = new long[ts.size()];
        long total = 0;
        for (int j = 0; j < ts.size(); j++) {
            Tensor t = ts.get(j);
            parts.add(t.contiguous().to(DType.FLOAT64).toDoubleArray());
            blocks[j] = t.numel() / outer;
            total += t.numel();
        }
        double[] out = new double[(int) total];
        int w = 0;
        for (long o = 0; o < outer; o++) {
            for (int j = 0; j < ts.size(); j++) {
                for (long e = 0; e < blocks[j]; e++) {
                    out[w++] = parts.get(j)[(int) (o * blocks[j] + e)];
                }
            }
        }
        return out;
    }

    private static void check(List<Tensor> ts, int dim, String what) {
        double[] want = rule(ts, dim);
        for (String old : new String[] {"false", "true"}) {
            System.setProperty(OLD, old);
            Tensor got = Tensor.cat(ts, dim);
            double[] g = got.to(DType.FLOAT64).toDoubleArray();
            assertEquals(want.length, g.length, what);
            for (int k = 0; k < want.length; k++) {
                assertEquals(0, Double.compare(want[k], g[k]), what + " old=" + old + " at " + k);
            }
        }
        System.clearProperty(OLD);
    }

    @Test
    void lastAndMiddleDimensionsEveryType() {
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT16, DType.INT8,
            DType.UINT8, DType.BOOL, DType.BFLOAT16, DType.FLOAT16}) {
            List<Tensor> last = List.of(values(t, 0, 3, 4, 5), values(t, 100, 3, 4, 1), values(t, 7, 3, 4, 17));
            check(last, 2, t + " dim -1");
            List<Tensor> middle = List.of(values(t, 0, 3, 2, 5), values(t, 50, 3, 6, 5));
            check(middle, 1, t + " dim 1");
        }
    }

    @Test
    void stridedViewsWithOffsets() {
        Tensor x = values(DType.FLOAT32, 0, 6, 8, 4, 16);
        List<Tensor> pieces = new ArrayList<>();
        for (int k = 3; k >= 0; k--) { // out of order: each piece's offset differs from its window's
            pieces.add(x.select(2, k));
        }
        check(pieces, -1, "selected pieces");
        check(List.of(x.select(2, 1).narrow(0, 1, 4), x.select(2, 3).narrow(0, 2, 4).narrow(2, 3, 9)), 2, "narrowed");
        check(List.of(x.select(2, 0).transpose(0, 1), x.select(2, 2).transpose(0, 1)), 2, "transposed");
    }

    @Test
    void parallelRows() {
        int threads = Ember.getNumThreads();
        try {
            for (int t : new int[] {1, 2, 3}) {
                Ember.setNumThreads(t);
                Tensor x = values(DType.FLOAT32, 0, 16, 131, 4, 40);
                List<Tensor> four = List.of(x.select(2, 0), x.select(2, 1), x.select(2, 2), x.select(2, 3));
                check(four, -1, t + " threads");
                Tensor y = values(DType.INT32, 0, 2096, 36);
                check(List.of(y, y.add(1), y.narrow(1, 0, 11)), 1, t + " threads int32");
            }
        } finally {
            Ember.setNumThreads(threads);
        }
    }

    @Test
    void mixedTypesLegacyEmptyAndErrors() {
        Tensor a = values(DType.FLOAT32, 0, 5, 20);
        Tensor b = values(DType.INT64, 9, 5, 20);
        Tensor got = Tensor.cat(List.of(a, b), 1); // promoted: the per-input copies convert
        assertEquals(DType.FLOAT32, got.dtype());
        check(List.of(a, b.to(DType.FLOAT32)), 1, "promoted reference");
        assertArrayEquals(Tensor.cat(List.of(a, b.to(DType.FLOAT32)), 1).toFloatArray(), got.toFloatArray());
        Tensor empty = Tensor.empty(0);
        Tensor withEmpty = Tensor.cat(List.of(a, empty, a), 0);
        assertArrayEquals(Tensor.cat(List.of(a, a), 0).toFloatArray(), withEmpty.toFloatArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.cat(List.of(a, values(DType.FLOAT32, 0, 4, 20)), 1));
        assertEquals("Sizes of tensors must match except in dimension 1. Expected size 5 but got size 4 for tensor "
                + "number 1 in the list.", e.getMessage());
    }

    @Test
    void backward() {
        for (String old : new String[] {"false", "true"}) {
            System.setProperty(OLD, old);
            Tensor a = values(DType.FLOAT64, 0, 4, 20).requiresGrad_(true);
            Tensor b = values(DType.FLOAT64, 3, 4, 24).requiresGrad_(true);
            Tensor out = Tensor.cat(List.of(a, b), -1);
            assertEquals("CatBackward0", out.gradFn().name());
            Tensor g = values(DType.FLOAT64, 11, 4, 44);
            out.backward(g);
            assertArrayEquals(g.narrow(1, 0, 20).contiguous().toDoubleArray(), a.grad().toDoubleArray(), old);
            assertArrayEquals(g.narrow(1, 20, 24).contiguous().toDoubleArray(), b.grad().toDoubleArray(), old);
        }
    }
}
