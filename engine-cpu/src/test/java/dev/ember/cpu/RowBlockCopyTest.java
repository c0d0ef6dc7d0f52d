package dev.ember.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Index;
import dev.ember.Tensor;
import dev.ember.backend.Layout;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RowBlockCopy}: copies whose rows are contiguous on both sides, one arraycopy a row. Every dtype's array type
 * through permuted, narrowed and row-strided views, small (one thread) and large (split across the pool), each
 * checked element by element against the source's values read through the view's own strides, and against the
 * general row loop ({@code -Dember.copy.rowLoop=true}); the rows walked in the source's order (session 59) and in the
 * output's ({@code -Dember.copy.dstOrder=true}), broadcast sources among the views; a split whose tasks would write
 * interleaved rows in the source's order walks the output's (session 60), checked against every split in the source's
 * order ({@code -Dember.cpu.copy.oldRows=true}): transposes of the first two dimensions, two batches of heads.
 */
class RowBlockCopyTest {
    private static final DType[] DTYPES = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT16,
        DType.FLOAT16, DType.BFLOAT16, DType.INT8, DType.UINT8, DType.BOOL};

    @AfterEach
    void restore() {
        System.clearProperty("ember.copy.rowLoop");
        System.clearProperty("ember.copy.dstOrder");
        System.clearProperty("ember.cpu.copy.oldRows");
    }

    /** The views: name, shape of the base, the view. */
    private static Object[][] views() {
        return new Object[][] {
            {"permute(0,2,1,3)", new int[] {3, 5, 4, 7}, (UnaryOperator<Tensor>) t -> t.permute(0, 2, 1, 3)},
            {"narrow both", new int[] {3, 5, 4, 7},
                (UnaryOperator<Tensor>) t -> t.narrow(1, 1, 3).narrow(3, 2, 4)},
            {"every other row", new int[] {6, 9, 5},
                (UnaryOperator<Tensor>) t -> t.index(Index.all(), Index.slice(0, 9, 2))},
            {"permute(1,0,2)", new int[] {4, 6, 3}, (UnaryOperator<Tensor>) t -> t.permute(1, 0, 2)},
            {"large permute(0,2,1,3)", new int[] {16, 128, 8, 64},
                (UnaryOperator<Tensor>) t -> t.permute(0, 2, 1, 3)},
            {"large narrow", new int[] {64, 512, 40},
                (UnaryOperator<Tensor>) t -> t.narrow(2, 3, 33).narrow(1, 7, 500)},
            {"permute(2,0,1,3)", new int[] {3, 5, 4, 7}, (UnaryOperator<Tensor>) t -> t.permute(2, 0, 1, 3)},
            {"large permute(2,1,0,3)", new int[] {9, 40, 70, 24},
                (UnaryOperator<Tensor>) t -> t.permute(2, 1, 0, 3)},
            {"broadcast, permuted", new int[] {3, 1, 4, 7},
                (UnaryOperator<Tensor>) t -> t.expand(3, 5, 4, 7).permute(0, 2, 1, 3)},
            {"large broadcast, permuted", new int[] {16, 1, 8, 64},
                (UnaryOperator<Tensor>) t -> t.expand(16, 128, 8, 64).permute(0, 2, 1, 3)},
            {"large transpose(0,1), rows of 513", new int[] {9, 130, 513},
                (UnaryOperator<Tensor>) t -> t.transpose(0, 1)},
            {"large transpose(0,1), three slabs", new int[] {3, 400, 64},
                (UnaryOperator<Tensor>) t -> t.transpose(0, 1)},
            {"large permute(0,2,1,3), two batches", new int[] {2, 128, 8, 64},
                (UnaryOperator<Tensor>) t -> t.permute(0, 2, 1, 3)},
            {"large transpose(0,1), rows of 8", new int[] {8, 1100, 8},
                (UnaryOperator<Tensor>) t -> t.transpose(0, 1)},
        };
    }

    @Test
    @SuppressWarnings("unchecked")
    void viewsCopyTheirElementsInEveryDtype() {
        int before = Ember.getNumThreads();
        Ember.setNumThreads(4); // the large views split across the pool whatever the host's cores
        try {
            copyEveryView();
        } finally {
            Ember.setNumThreads(before);
        }
    }

    @SuppressWarnings("unchecked")
    private static void copyEveryView() {
        for (Object[] v : views()) {
            int[] shape = (int[]) v[1];
            UnaryOperator<Tensor> view = (UnaryOperator<Tensor>) v[2];
            for (DType dtype : DTYPES) {
                long numel = 1;
                for (int s : shape) {
                    numel *= s;
                }
                // values each dtype holds exactly: below 2^7 for the narrow ones, parity for bool
                Tensor base = Tensor.arange(numel, DType.INT64).remainder(dtype == DType.BOOL ? 2 : 97)
                        .to(dtype).reshape(shape);
                Tensor x = view.apply(base);
                Layout layout = x.layout();
                assertFalse(layout.isContiguous(), v[0] + " is a view with gaps");
                Layout dense = Layout.contiguous(layout.shape());
                Layout[] merged = Layout.coalesce(dense, layout);
                int last = merged[0].shape().length - 1;
                assertTrue(merged[1].strides()[last] == 1 && last >= 1, v[0] + ": rows contiguous, several of them");
                double[] flat = base.toDoubleArray();
                double[] expected = readThrough(flat, layout);
                String what = v[0] + " " + dtype;
                Tensor copied = x.contiguous();
                assertEquals(dtype, copied.dtype(), what);
                assertArrayEquals(expected, copied.toDoubleArray(), what);
                System.setProperty("ember.copy.rowLoop", "true");
                assertArrayEquals(expected, x.contiguous().toDoubleArray(), what + " (general loop)");
                System.clearProperty("ember.copy.rowLoop");
                System.setProperty("ember.copy.dstOrder", "true");
                assertArrayEquals(expected, x.contiguous().toDoubleArray(), what + " (rows in the output's order)");
                System.clearProperty("ember.copy.dstOrder");
                System.setProperty("ember.cpu.copy.oldRows", "true");
                assertArrayEquals(expected, x.contiguous().toDoubleArray(), what + " (every split in source order)");
                System.clearProperty("ember.cpu.copy.oldRows");
            }
        }
    }

    @Test
    void copyIntoAStridedDestination() {
        // the destination a view too: a row-major block copied into the transposed-heads layout
        Tensor dst = Tensor.zeros(DType.FLOAT32, 2, 6, 3, 8);
        Tensor src = Tensor.arange(2 * 3 * 6 * 8, DType.FLOAT32).reshape(2, 3, 6, 8);
        Tensor target = dst.permute(0, 2, 1, 3);
        try (var g = Ember.noGrad()) {
            target.copy_(src);
        }
        double[] expected = new double[2 * 6 * 3 * 8];
        double[] s = src.toDoubleArray();
        for (int a = 0; a < 2; a++) {
            for (int h = 0; h < 3; h++) {
                for (int t = 0; t < 6; t++) {
                    for (int c = 0; c < 8; c++) {
                        expected[((a * 6 + t) * 3 + h) * 8 + c] = s[((a * 3 + h) * 6 + t) * 8 + c];
                    }
                }
            }
        }
        assertArrayEquals(expected, dst.toDoubleArray());
    }

    @Test
    void emptyViewsCopyNothing() {
        // a zero-size dimension anywhere: the general loop's business (it writes nothing); no row is copied
        for (int[] shape : new int[][] {{3, 0}, {0, 4, 5}, {2, 0, 3, 4}, {4, 3, 0}}) {
            Tensor x = Tensor.zeros(DType.FLOAT32, shape).transpose(0, 1);
            Tensor y = x.contiguous();
            assertArrayEquals(x.shape(), y.shape());
            assertEquals(0, y.numel());
            assertEquals(0, Tensor.zeros(DType.INT64, shape).clone().numel());
        }
    }

    /** The view's elements in row-major order, read from the base's values through its strides and offset. */
    private static double[] readThrough(double[] flat, Layout layout) {
        int[] shape = layout.shape();
        int[] strides = layout.strides();
        int numel = 1;
        for (int s : shape) {
            numel *= s;
        }
        double[] out = new double[numel];
        int[] idx = new int[shape.length];
        for (int i = 0; i < numel; i++) {
            int at = layout.offset();
            for (int d = 0; d < shape.length; d++) {
                at += idx[d] * strides[d];
            }
            out[i] = flat[at];
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return out;
    }
}
