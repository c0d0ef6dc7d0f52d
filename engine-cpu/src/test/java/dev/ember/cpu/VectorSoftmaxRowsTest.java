package dev.ember.cpu;

import dev.ember.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Softmax and log-softmax over short contiguous rows a block at a time ({@link VectorSoftmaxRows}) give the row
 * kernel's bits ({@link VectorSleef#softmaxRow}, which SoftmaxBitsTest pins to PyTorch's): the kernels called directly
 * on the same rows, and the public ops with {@code -Dember.softmax.rowAtATime} false and true. Rows of 1..20, 33 and
 * 100 (full and short blocks), of 1, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 71, 127, 128, 129, 255, 256, 257, 511, 512
 * and 513 elements (none to seven past the last whole vector; the longest row the blocks take, 128, and longer ones that keep the row kernel), Gaussian
 * and wide values with rows of the special values (all -inf, one -inf, a NaN, +inf, signed zeros, all equal, huge and
 * tiny), at offsets into their arrays, a slice, a transposed input, and enough rows to be split over the threads.
 * Every bit, NaN in the same places (not the NaNs' bits, as SoftmaxBitsTest). The backward's blocks
 * ({@link VectorSoftmaxRows#backwardRows}) likewise against its row kernel ({@link VectorSleef#softmaxBackwardRow}),
 * directly over rows of 8 to 128 and through autograd over rows of 1 to 130 with
 * {@code -Dember.softmax.backwardRowAtATime} false and true, odd counts of rows, cross_entropy's gradient included.
 */
class VectorSoftmaxRowsTest {
    private static final int[] NS = {1, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 71, 127, 128, 129, 255, 256, 257, 511, 512,
        513};
    private static final int[] ROWS = {1, 2, 7, 8, 9, 15, 16, 17, 20, 33, 100};

    @AfterEach
    void clear() {
        System.clearProperty(SoftmaxKernels.ROW_AT_A_TIME_PROPERTY);
        System.clearProperty(SoftmaxKernels.BACKWARD_ROW_AT_A_TIME_PROPERTY);
    }

    /** rows x n values: Gaussian or wide, every fifth row one of the special rows. */
    private static float[] values(int rows, int n, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[rows * n];
        for (int r = 0; r < rows; r++) {
            int at = r * n;
            for (int j = 0; j < n; j++) {
                v[at + j] = (float) (r % 2 == 0 ? rnd.nextGaussian() * 3 : (rnd.nextFloat() * 200 - 100));
            }
            if (r % 5 == 4) {
                int kind = (r / 5) % 8;
                switch (kind) {
                    case 0: java.util.Arrays.fill(v, at, at + n, Float.NEGATIVE_INFINITY); break;
                    case 1: v[at + n / 2] = Float.NEGATIVE_INFINITY; break;
                    case 2: v[at + n / 3] = Float.NaN; break;
                    case 3: v[at + n - 1] = Float.POSITIVE_INFINITY; break;
                    case 4:
                        for (int j = 0; j < n; j++) {
                            v[at + j] = j % 2 == 0 ? 0f : -0f;
                        }
                        break;
                    case 5: java.util.Arrays.fill(v, at, at + n, 1.25f); break;
                    case 6:
                        for (int j = 0; j < n; j++) {
                            v[at + j] *= 1e36f;
                        }
                        break;
                    default:
                        for (int j = 0; j < n; j++) {
                            v[at + j] *= 1e-40f;
                        }
                }
            }
        }
        return v;
    }

    /**
     * Every bit of every number, and NaN in the same places; not the NaNs' bits, which depend on the operand order the
     * compiler (and the JIT tier) chose where two NaNs meet, as SoftmaxBitsTest notes.
     */
    private static void assertSameBits(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])
                    && !(Float.isNaN(want[i]) && Float.isNaN(got[i]))) {
                fail(String.format("%s element %d: got %08x (%s), want %08x (%s)", what, i,
                        Float.floatToRawIntBits(got[i]), got[i], Float.floatToRawIntBits(want[i]), want[i]));
            }
        }
    }

    @Test
    void blocksGiveTheRowKernelsBits() {
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        assertNotNull(loops, "the Vector API loops are not loaded (--add-modules jdk.incubator.vector)");
        int blocked = 0;
        for (int n : NS) {
            if (!loops.softmaxRowsFit(n)) {
                continue;
            }
            blocked++;
            for (int rows : ROWS) {
                for (boolean log : new boolean[] {false, true}) {
                    int xo = 3 + rows % 5;
                    int oo = 1 + rows % 3;
                    float[] v = values(rows, n, 31L * n + rows);
                    float[] x = new float[xo + v.length + 2];
                    System.arraycopy(v, 0, x, xo, v.length);
                    float[] want = new float[oo + v.length + 1];
                    java.util.Arrays.fill(want, 7f); // the elements outside the rows stay as they are
                    float[] lanes = new float[64];
                    for (int r = 0; r < rows; r++) {
                        loops.softmaxRow(x, xo + r * n, want, oo + r * n, n, log, lanes);
                    }
                    float[] got = new float[want.length];
                    java.util.Arrays.fill(got, 7f);
                    loops.softmaxRows(x, xo, got, oo, n, rows, log, new float[256]);
                    assertSameBits(want, got, (log ? "log_softmax" : "softmax") + " [" + rows + ", " + n + "]");
                }
            }
        }
        // with eight float lanes (AVX2) the blocks take rows of 8 to 128; other widths keep the row kernel
        if (loops.softmaxRowsFit(64)) {
            assertEquals(12, blocked);
            assertTrue(!loops.softmaxRowsFit(7) && !loops.softmaxRowsFit(129));
        }
    }

    private static Tensor forward(Tensor x, boolean log, boolean rowAtATime) {
        System.setProperty(SoftmaxKernels.ROW_AT_A_TIME_PROPERTY, Boolean.toString(rowAtATime));
        try {
            return log ? x.logSoftmax(-1) : x.softmax(-1);
        } finally {
            System.clearProperty(SoftmaxKernels.ROW_AT_A_TIME_PROPERTY);
        }
    }

    @Test
    void theOpsGiveTheSameBitsEitherWay() {
        for (int n : NS) {
            for (int rows : new int[] {1, 9, 20, 33}) {
                float[] v = values(rows + 1, n, 7L * n + rows);
                Tensor all = Tensor.fromArray(v).reshape(rows + 1, n);
                Tensor[] inputs = {all.narrow(0, 0, rows).contiguous(), all.narrow(0, 1, rows),
                    all.narrow(0, 0, rows).transpose(0, 1).contiguous().transpose(0, 1)};
                String[] names = {"contiguous", "slice at an offset", "transposed"};
                for (int k = 0; k < inputs.length; k++) {
                    for (boolean log : new boolean[] {false, true}) {
                        String what = (log ? "log_softmax" : "softmax") + " [" + rows + ", " + n + "] " + names[k];
                        assertSameBits(forward(inputs[k], log, true).toFloatArray(),
                                forward(inputs[k], log, false).toFloatArray(), what);
                    }
                }
            }
        }
    }

    @Test
    void rowsSplitOverTheThreadsKeepTheBits() {
        // 4096 rows of 64 and of 65 (a 3-D input): several tasks, each starting a block at its own row
        for (int n : new int[] {64, 65}) {
            Tensor x = Tensor.fromArray(values(4096, n, n)).reshape(16, 256, n);
            for (boolean log : new boolean[] {false, true}) {
                assertSameBits(forward(x, log, true).toFloatArray(), forward(x, log, false).toFloatArray(),
                        (log ? "log_softmax" : "softmax") + " [16, 256, " + n + "]");
            }
        }
        // cross_entropy over 65 classes (a small vocabulary) goes through log_softmax's rows
        Tensor logits = Tensor.fromArray(values(2048, 65, 3)).reshape(2048, 65);
        long[] t = new long[2048];
        for (int i = 0; i < t.length; i++) {
            t[i] = (i * 37L) % 65;
        }
        Tensor target = Tensor.fromArray(t);
        System.setProperty(SoftmaxKernels.ROW_AT_A_TIME_PROPERTY, "true");
        float old = (float) dev.ember.nn.Functional.crossEntropy(logits, target).item();
        System.setProperty(SoftmaxKernels.ROW_AT_A_TIME_PROPERTY, "false");
        float now = (float) dev.ember.nn.Functional.crossEntropy(logits, target).item();
        assertEquals(Float.floatToRawIntBits(old), Float.floatToRawIntBits(now), "cross_entropy [2048, 65]");
    }

    /** Odd and even counts of rows for the backward: short blocks of every size, full ones and both. */
    private static final int[] BACKWARD_ROWS = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 33};

    @Test
    void backwardBlocksGiveTheRowKernelsBits() {
        // the gradient with g and y from values(): rows of -inf, NaN, +inf, signed zeros, huge and tiny in either, so
        // exp(y) overflows and vanishes and the sums take inf - inf; and y as the forward's result (its -inf, NaN rows)
        ElementwiseKernels.FloatLoops loops = ElementwiseKernels.loops();
        assertNotNull(loops, "the Vector API loops are not loaded (--add-modules jdk.incubator.vector)");
        int blocked = 0;
        for (int n = 1; n <= 130; n++) {
            if (!loops.softmaxRowsFit(n)) {
                continue;
            }
            blocked++;
            for (int rows : BACKWARD_ROWS) {
                for (boolean log : new boolean[] {false, true}) {
                    for (boolean forwardY : new boolean[] {false, true}) {
                        int go = 2 + rows % 3;
                        int yo = 1 + rows % 4;
                        int oo = 3 + rows % 2;
                        float[] gv = values(rows, n, 131L * n + rows);
                        float[] yv = values(rows, n, 17L * n + rows + 5);
                        if (forwardY) {
                            float[] f = new float[yv.length];
                            loops.softmaxRows(yv, 0, f, 0, n, rows, log, new float[256]);
                            yv = f;
                        }
                        float[] g = new float[go + gv.length + 3];
                        System.arraycopy(gv, 0, g, go, gv.length);
                        float[] y = new float[yo + yv.length + 1];
                        System.arraycopy(yv, 0, y, yo, yv.length);
                        float[] want = new float[oo + gv.length + 2];
                        java.util.Arrays.fill(want, 7f); // the elements outside the rows stay as they are
                        float[] lanes = new float[64];
                        for (int r = 0; r < rows; r++) {
                            loops.softmaxBackwardRow(g, go + r * n, y, yo + r * n, want, oo + r * n, n, log, lanes);
                        }
                        float[] got = new float[want.length];
                        java.util.Arrays.fill(got, 7f);
                        loops.softmaxBackwardRows(g, go, y, yo, got, oo, n, rows, log, new float[256]);
                        assertSameBits(want, got, (log ? "log_softmax" : "softmax") + " backward [" + rows + ", " + n
                                + "]" + (forwardY ? " of the forward's result" : ""));
                    }
                }
            }
        }
        // with eight float lanes (AVX2) the blocks take rows of 8 to 128
        if (loops.softmaxRowsFit(64)) {
            assertEquals(121, blocked);
        }
    }

    /** x's gradient through softmax or log-softmax over the last dimension from {@code upstream}. */
    private static float[] backward(Tensor x, Tensor upstream, boolean log, boolean rowAtATime) {
        System.setProperty(SoftmaxKernels.BACKWARD_ROW_AT_A_TIME_PROPERTY, Boolean.toString(rowAtATime));
        try {
            Tensor leaf = x.detach().requiresGrad_(true);
            (log ? leaf.logSoftmax(-1) : leaf.softmax(-1)).backward(upstream);
            return leaf.grad().toFloatArray();
        } finally {
            System.clearProperty(SoftmaxKernels.BACKWARD_ROW_AT_A_TIME_PROPERTY);
        }
    }

    @Test
    void theBackwardOpsGiveTheSameBitsEitherWay() {
        // rows of 1 to 130 (those the blocks do not take keep the row kernel either way), odd counts of rows; an
        // upstream gradient at an offset into its storage and a transposed one (the row kernel through its scratch)
        int blocked = 0;
        for (int n = 1; n <= 130; n++) {
            for (int rows : new int[] {1, 9, 20}) {
                Tensor x = Tensor.fromArray(values(rows, n, 5L * n + rows)).reshape(rows, n);
                Tensor gAll = Tensor.fromArray(values(rows + 1, n, 11L * n + rows)).reshape(rows + 1, n);
                Tensor[] ups = {gAll.narrow(0, 0, rows).contiguous(), gAll.narrow(0, 1, rows),
                    gAll.narrow(0, 0, rows).transpose(0, 1).contiguous().transpose(0, 1)};
                String[] names = {"contiguous", "upstream at an offset", "upstream transposed"};
                for (int k = 0; k < ups.length; k++) {
                    for (boolean log : new boolean[] {false, true}) {
                        String what = (log ? "log_softmax" : "softmax") + " backward [" + rows + ", " + n + "] "
                                + names[k];
                        assertSameBits(backward(x, ups[k], log, true), backward(x, ups[k], log, false), what);
                    }
                }
            }
            blocked += ElementwiseKernels.loops() != null && ElementwiseKernels.loops().softmaxRowsFit(n) ? 1 : 0;
        }
        assertTrue(ElementwiseKernels.loops() == null || !ElementwiseKernels.loops().softmaxRowsFit(64)
                || blocked == 121, blocked + " lengths blocked");
    }

    @Test
    void backwardRowsSplitOverTheThreadsKeepTheBits() {
        // 4096 rows of 64, 65 and 128 (a 3-D input): several tasks, each starting a block at its own row
        for (int n : new int[] {64, 65, 128}) {
            Tensor x = Tensor.fromArray(values(4096, n, n + 1)).reshape(16, 256, n);
            Tensor up = Tensor.fromArray(values(4096, n, n + 2)).reshape(16, 256, n);
            for (boolean log : new boolean[] {false, true}) {
                assertSameBits(backward(x, up, log, true), backward(x, up, log, false),
                        (log ? "log_softmax" : "softmax") + " backward [16, 256, " + n + "]");
            }
        }
        // cross_entropy over 65 classes (a small vocabulary): its gradient goes through log_softmax's backward rows
        Tensor logits = Tensor.fromArray(values(2048, 65, 4)).reshape(2048, 65);
        long[] t = new long[2048];
        for (int i = 0; i < t.length; i++) {
            t[i] = (i * 29L) % 65;
        }
        Tensor target = Tensor.fromArray(t);
        float[][] grads = new float[2][];
        for (int k = 0; k < 2; k++) {
            System.setProperty(SoftmaxKernels.BACKWARD_ROW_AT_A_TIME_PROPERTY, Boolean.toString(k == 0));
            Tensor leaf = logits.detach().requiresGrad_(true);
            dev.ember.nn.Functional.crossEntropy(leaf, target).backward();
            grads[k] = leaf.grad().toFloatArray();
        }
        assertSameBits(grads[0], grads[1], "cross_entropy [2048, 65] gradient");
    }

    @Test
    void theBlocksLogIsTheScalarLogOnSums() {
        // the block's sums take Sleef's vector log where the row kernel took the scalar one: every float sum of a row
        // of up to 512 elements from 1 (the maximum's exp) up, sampled, has the same bits both ways
        float[] sums = new float[8 * 4096];
        float[] got = new float[sums.length];
        int checked = 0;
        for (float s = 1f; s <= 512f; ) {
            int k = 0;
            for (; k < sums.length && s <= 512f; k++) {
                sums[k] = s;
                s = Float.intBitsToFloat(Float.floatToRawIntBits(s) + 37);
            }
            VectorSleef.log(sums, 0, got, 0, k);
            for (int i = 0; i < k; i++) {
                if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(SleefFloat.log(sums[i]))) {
                    fail("log(" + sums[i] + "): vector " + got[i] + ", scalar " + SleefFloat.log(sums[i]));
                }
            }
            checked += k;
        }
        assertTrue(checked > 2_000_000, checked + " sums");
    }
}
