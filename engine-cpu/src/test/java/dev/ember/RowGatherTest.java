package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 55's whole-row gather of the CPU backend (index_select, embedding, {@code x[idx]}: one copy per output row,
 * the rows split across the pool), against the rule {@code out[.., i, ..] = self[.., index[i], ..]} computed here
 * element by element, and against the path before it ({@code -Dember.cpu.indexSelect.old=true}), for every storage
 * type, int32 and int64 indices, repeated and negative indices, one row, rows that are no multiple of a vector, rows
 * below the row gather's minimum (the general loop), outer dimensions, a source with strided outer dimensions or a
 * storage offset, enough rows for the parallel split with several batches of offsets per task, the bad-index messages
 * (nothing written), and the backward passes of embedding and index_select.
 */
class RowGatherTest {
    private static final String OLD = "ember.cpu.indexSelect.old";
    private static final DType[] TYPES = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT16,
        DType.INT8, DType.UINT8, DType.BOOL, DType.BFLOAT16, DType.FLOAT16};

    @AfterEach
    void clear() {
        System.clearProperty(OLD);
    }

    /** Distinct values of {@code shape} in {@code dtype} (exact in every type; bool alternates). */
    private static Tensor values(DType dtype, int... shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        Tensor t = Tensor.arange(n).remainder(97).sub(40);
        if (dtype == DType.BOOL) {
            t = t.remainder(3).eq(0);
        }
        return t.to(dtype).view(shape);
    }

    /** The rule: index_select along {@code dim} of {@code self} (any layout), indices already wrapped. */
    private static double[] rule(Tensor self, int dim, long[] idx) {
        double[] s = self.contiguous().to(DType.FLOAT64).toDoubleArray();
        int[] shape = self.shape();
        long outer = 1;
        for (int k = 0; k < dim; k++) {
            outer *= shape[k];
        }
        long inner = 1;
        for (int k = dim + 1; k < shape.length; k++) {
            inner *= shape[k];
        }
        int n = shape[dim];
        double[] out = new double[(int) (outer * idx.length * inner)];
        int w = 0;
        for (long o = 0; o < outer; o++) {
            for (long i : idx) {
                long wrapped = i < 0 ? i + n : i;
                for (long j = 0; j < inner; j++) {
                    out[w++] = s[(int) ((o * n + wrapped) * inner + j)];
                }
            }
        }
        return out;
    }

    /** Runs {@code op} on the new and the old path: both must give the rule's values, the same dtype and shape. */
    private static void check(Supplier<Tensor> op, double[] expected, String what) {
        System.setProperty(OLD, "false");
        Tensor fresh = op.get();
        System.setProperty(OLD, "true");
        Tensor old = op.get();
        System.clearProperty(OLD);
        assertEquals(old.dtype(), fresh.dtype(), what);
        assertArrayEquals(old.shape(), fresh.shape(), what);
        double[] got = fresh.to(DType.FLOAT64).toDoubleArray();
        double[] gotOld = old.to(DType.FLOAT64).toDoubleArray();
        assertEquals(expected.length, got.length, what);
        for (int k = 0; k < expected.length; k++) {
            // Double.compare: -0 differs from 0, NaN equals NaN
            assertEquals(0, Double.compare(expected[k], got[k]), what + " at " + k);
            assertEquals(0, Double.compare(expected[k], gotOld[k]), what + " (old) at " + k);
        }
    }

    @Test
    void everyTypeAndIndexType() {
        long[] idx = {3, 0, 3, 4, 1, 4, 4, 2, 0};
        for (DType t : TYPES) {
            for (int inner : new int[] {16, 17, 33, 15, 3}) { // 15 and 3: below the row gather, the general loop
                Tensor self = values(t, 5, inner);
                for (DType it : new DType[] {DType.INT64, DType.INT32}) {
                    Tensor index = Tensor.fromArray(idx).to(it);
                    double[] want = rule(self, 0, idx);
                    check(() -> self.indexSelect(0, index), want, t + " index_select inner " + inner + " " + it);
                    check(() -> self.index(Index.of(index)), want, t + " x[idx] inner " + inner + " " + it);
                }
            }
        }
    }

    @Test
    void oneRowAndOuterDimensions() {
        Tensor self = values(DType.FLOAT32, 4, 6, 20);
        long[] one = {5};
        check(() -> self.indexSelect(1, Tensor.fromArray(one)), rule(self, 1, one), "one index along dim 1");
        long[] idx = {5, 0, 0, 2};
        check(() -> self.indexSelect(1, Tensor.fromArray(idx)), rule(self, 1, idx), "dim 1");
        check(() -> self.indexSelect(-3, Tensor.fromArray(idx).remainder(4)),
                rule(self, 0, new long[] {1, 0, 0, 2}), "dim -3");
        Tensor vec = values(DType.INT32, 40);
        check(() -> vec.indexSelect(0, Tensor.fromArray(idx)), rule(vec, 0, idx), "1-D: single elements");
    }

    @Test
    void stridedAndOffsetSources() {
        Tensor base = values(DType.FLOAT64, 9, 7, 24);
        Tensor everyOther = base.index(Index.slice(0, 9, 2)); // [5, 7, 24], outer stride 2 * 168
        long[] idx = {6, 1, 1, 3};
        check(() -> everyOther.indexSelect(1, Tensor.fromArray(idx)), rule(everyOther, 1, idx), "strided outer");
        Tensor narrowed = base.narrow(0, 2, 6); // a storage offset
        check(() -> narrowed.indexSelect(0, Tensor.fromArray(new long[] {5, 0})), rule(narrowed, 0, new long[] {5, 0}),
                "offset");
        Tensor innerStrided = base.narrow(2, 1, 20); // rows not dense across dim 1: the general loop
        check(() -> innerStrided.indexSelect(1, Tensor.fromArray(idx)), rule(innerStrided, 1, idx), "strided rows");
        Tensor transposed = base.transpose(0, 1); // [7, 9, 24]: blocks of 24 dense, outer strides permuted
        check(() -> transposed.indexSelect(1, Tensor.fromArray(idx)), rule(transposed, 1, idx), "transposed");
    }

    @Test
    void parallelRowsOverSeveralBatches() {
        int threads = Ember.getNumThreads();
        try {
            for (int t : new int[] {1, 2, 3}) {
                Ember.setNumThreads(t);
                Tensor self = values(DType.FLOAT32, 3, 700, 40);
                long[] idx = new long[1100];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = (i * 7919L) % 700;
                }
                check(() -> self.indexSelect(1, Tensor.fromArray(idx)), rule(self, 1, idx), t + " threads, dim 1");
                Tensor flat = self.view(2100, 40);
                check(() -> flat.indexSelect(0, Tensor.fromArray(idx)), rule(flat, 0, idx), t + " threads, dim 0");
                Tensor bf = flat.to(DType.BFLOAT16);
                check(() -> Functional.embedding(Tensor.fromArray(idx).view(25, 44), bf).view(1100, 40),
                        rule(bf, 0, idx), t + " threads, embedding bfloat16");
            }
        } finally {
            Ember.setNumThreads(threads);
        }
    }

    @Test
    void negativeIndicesWhereAllowed() {
        Tensor self = values(DType.INT64, 6, 18);
        long[] idx = {-1, 0, -6, 5, -1};
        check(() -> self.index(Index.of(Tensor.fromArray(idx))), rule(self, 0, idx), "x[idx] negative");
        Tensor saved = self.clone();
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> self.indexSelect(0, Tensor.fromArray(idx)));
        assertEquals("index out of range in self", e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class,
                () -> Functional.embedding(Tensor.fromArray(new long[] {0, 6}), self.to(DType.FLOAT32)));
        assertEquals("index out of range in self", e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class,
                () -> self.index(Index.of(Tensor.fromArray(new long[] {2, 9000}))));
        assertEquals("index 9000 is out of bounds for dimension 0 with size 6", e.getMessage());
        assertTrue(saved.equal(self), "the source is unchanged");
    }

    @Test
    void backwardOfEmbeddingAndIndexSelect() {
        long[] idx = {2, 0, 2, 4, 2};
        for (String old : new String[] {"false", "true"}) {
            System.setProperty(OLD, old);
            Tensor w = values(DType.FLOAT64, 5, 17).requiresGrad_(true);
            Tensor g = values(DType.FLOAT64, 5, 17).mul(0.5);
            Functional.embedding(Tensor.fromArray(idx), w).backward(g);
            Tensor x = values(DType.FLOAT64, 5, 17).requiresGrad_(true);
            x.indexSelect(0, Tensor.fromArray(idx)).backward(g);
            double[] gv = g.toDoubleArray();
            double[] want = new double[5 * 17];
            for (int i = 0; i < idx.length; i++) {
                for (int j = 0; j < 17; j++) {
                    want[(int) idx[i] * 17 + j] += gv[i * 17 + j];
                }
            }
            assertArrayEquals(want, w.grad().toDoubleArray(), "embedding grad, old=" + old);
            assertArrayEquals(want, x.grad().toDoubleArray(), "index_select grad, old=" + old);
            assertEquals("EmbeddingBackward0", Functional.embedding(Tensor.fromArray(idx), w).gradFn().name());
        }
    }
}
