package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Float32 column sums over many reduced positions ({@code x.sum(0)} of {@code [2048, 512]}, a bias gradient) add the
 * positions in fixed blocks (ColumnReduce.sumByRowBlocks): each output's blocks of {@code rowsPerBlock(count)}
 * positions summed in double from +0.0 in order, the partials added in block order, rounded once. This test writes
 * that order out and checks the bits on contiguous tensors and views (sliced rows, permuted reduced dims, offsets),
 * at one, two and three threads, for counts either side of the block boundaries and widths either side of the vector
 * width and of the 1024-output blocks; the special values (-0 columns give +0, NaN, infinities, float overflow that
 * the double absorbs); keepdim; mean's division; a cancellation where the blocks and one chain part; and that on
 * random values the old whole-column chain ({@code -Dember.columnReduce.wholeColumns=true}) differs from it by at most
 * one float ulp.
 */
class ColumnSumBlocksTest {
    private static final int[] COUNTS = {511, 512, 513, 1000, 2048, 4096, 4097, 5000};
    private static final int[] WIDTHS = {8, 9, 63, 65, 513, 1100};

    private static float[] values(long seed, int n, boolean specials) {
        Random r = new Random(seed);
        float[] x = new float[n];
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE, 1e-40f};
        for (int i = 0; i < n; i++) {
            x[i] = specials && r.nextInt(3000) == 0 ? special[r.nextInt(special.length)]
                    : (float) (r.nextGaussian() * Math.pow(10, r.nextInt(17) - 8));
        }
        return x;
    }

    /** ColumnReduce.rowsPerBlock, written out: 256, or count / 16 rounded up to a multiple of 4 where larger. */
    private static int rowsPerBlock(int count) {
        int per = (count + 15) / 16;
        per = (per + 3) / 4 * 4;
        return Math.max(256, per);
    }

    /**
     * The documented order for {@code count} reduced positions of column {@code j}, element k of the column at
     * {@code v[at.applyAsInt(k)]}: blocks (from 512 positions on; one chain below), each from +0.0 in order, the
     * partials added first to last.
     */
    private static float documented(float[] v, java.util.function.IntUnaryOperator at, int count) {
        int per = count >= 512 ? rowsPerBlock(count) : count;
        double total = 0;
        for (int b = 0; b * per < count; b++) {
            double s = 0.0;
            for (int k = b * per; k < Math.min(count, (b + 1) * per); k++) {
                s += v[at.applyAsInt(k)];
            }
            total = b == 0 ? s : total + s;
        }
        return (float) total;
    }

    /** The same float bits; any NaN matches any NaN (which one inf - inf gives depends on the instruction). */
    private static void assertBits(float want, float got, String what) {
        if (Float.isNaN(want)) {
            assertTrue(Float.isNaN(got), what + ": want NaN got " + got);
            return;
        }
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got),
                what + ": want " + want + " got " + got);
    }

    private static <T> T onThreads(int threads, java.util.function.Supplier<T> body) {
        int before = Ember.getNumThreads();
        try {
            Ember.setNumThreads(threads);
            return body.get();
        } finally {
            Ember.setNumThreads(before);
        }
    }

    @Test
    void contiguousColumnsInTheDocumentedOrderOnAnyThreadCount() {
        for (int count : COUNTS) {
            for (int width : WIDTHS) {
                float[] v = values(count * 31L + width, count * width, false);
                Tensor x = Tensor.fromArray(v).reshape(count, width);
                for (int threads : new int[] {1, 2, 3}) {
                    float[] got = onThreads(threads, () -> x.sum(new int[] {0}, false).toFloatArray());
                    assertEquals(width, got.length);
                    for (int j = 0; j < width; j++) {
                        int col = j;
                        assertBits(documented(v, k -> k * width + col, count), got[j],
                                "[" + count + ", " + width + "].sum(0)[" + j + "], threads " + threads);
                    }
                }
            }
        }
    }

    /** Rows taken with a step, an offset view, and reduced dims permuted so a block starts inside a dimension. */
    @Test
    void viewsInTheDocumentedOrder() {
        float[] v = values(7, 2 * 1300 * 70, false);
        Tensor base = Tensor.fromArray(v).reshape(2 * 1300, 70);
        // every other row (rows 140 floats apart), 64 columns from column 3: 1300 reduced positions
        Tensor stepped = base.slice(0, 0, 2 * 1300, 2).narrow(1, 3, 64);
        for (int threads : new int[] {1, 2}) {
            float[] got = onThreads(threads, () -> stepped.sum(new int[] {0}, true).toFloatArray());
            for (int j = 0; j < 64; j++) {
                int col = j;
                assertBits(documented(v, k -> 2 * k * 70 + 3 + col, 1300), got[j], "stepped rows [" + j + "]");
            }
        }
        // [7, 150, 40] viewed as [150, 7, 40]: reduced (0, 1) of the view walk 150 outer, 7 inner; 1050 positions in
        // blocks of 256, so the second block starts at view position (36, 4)
        float[] w = values(8, 7 * 150 * 40, false);
        Tensor t = Tensor.fromArray(w).reshape(7, 150, 40).permute(1, 0, 2);
        for (int threads : new int[] {1, 2}) {
            float[] got = onThreads(threads, () -> t.sum(new int[] {0, 1}, false).toFloatArray());
            for (int j = 0; j < 40; j++) {
                int col = j;
                assertBits(documented(w, k -> ((k % 7) * 150 + k / 7) * 40 + col, 1050), got[j], "permuted [" + j + "]");
            }
        }
        // the bias gradient's shape, [16, 128, 512] over (0, 1), keepdim
        float[] u = values(9, 16 * 128 * 512, false);
        Tensor b = Tensor.fromArray(u).reshape(16, 128, 512);
        Tensor kept = b.sum(new int[] {0, 1}, true);
        assertEquals(java.util.List.of(1, 1, 512), java.util.Arrays.stream(kept.shape()).boxed().toList());
        float[] got = kept.toFloatArray();
        for (int j = 0; j < 512; j++) {
            int col = j;
            assertBits(documented(u, k -> k * 512 + col, 2048), got[j], "[16, 128, 512].sum((0, 1))[" + j + "]");
        }
        // mean divides the float32 sum by the count in float
        float[] mean = b.mean(new int[] {0, 1}, false).toFloatArray();
        for (int j = 0; j < 512; j++) {
            assertBits(got[j] / 2048f, mean[j], "mean((0, 1))[" + j + "]");
        }
    }

    @Test
    void specialValues() {
        int count = 1300;
        int width = 16;
        float[] v = new float[count * width];
        java.util.Arrays.fill(v, -0f);
        // column 1: one NaN in the third block; column 2: +inf in the first block, -inf in the last (NaN); column 3:
        // +inf only; column 4: 3e38 + 3e38 - 3e38 - 3e38 + 1 (beyond float in between: the double keeps it); column 5:
        // -0 and one +0 (+0); the others -0 only (+0, as the per-output loop's 0.0 + sum)
        v[600 * width + 1] = Float.NaN;
        v[5 * width + 2] = Float.POSITIVE_INFINITY;
        v[1290 * width + 2] = Float.NEGATIVE_INFINITY;
        v[700 * width + 3] = Float.POSITIVE_INFINITY;
        v[10 * width + 4] = 3e38f;
        v[300 * width + 4] = 3e38f;
        v[900 * width + 4] = -3e38f;
        v[901 * width + 4] = -3e38f;
        v[1299 * width + 4] = 1f;
        v[1000 * width + 5] = 0f;
        Tensor x = Tensor.fromArray(v).reshape(count, width);
        for (int threads : new int[] {1, 2}) {
            float[] got = onThreads(threads, () -> x.sum(new int[] {0}, false).toFloatArray());
            assertTrue(Float.isNaN(got[1]), "NaN column");
            assertTrue(Float.isNaN(got[2]), "+inf and -inf");
            assertBits(Float.POSITIVE_INFINITY, got[3], "+inf column");
            assertBits(1f, got[4], "overflow absorbed by the double");
            assertBits(0f, got[5], "-0 and +0");
            for (int j : new int[] {0, 6, 7, 15}) {
                assertBits(0f, got[j], "-0 column " + j);
            }
        }
    }

    /**
     * Where the order shows: 2^54 at position 0, 256 ones at 256 to 511 (the second block), -2^54 at 600. One chain
     * loses every one to the double's rounding (0); the blocks add the ones among themselves (256). The old path,
     * behind the property, still gives the chain's 0.
     */
    @Test
    void blocksNotOneChain() {
        int count = 1024;
        int width = 8;
        float[] v = new float[count * width];
        for (int j = 0; j < width; j++) {
            v[j] = 0x1p54f;
            for (int k = 256; k < 512; k++) {
                v[k * width + j] = 1f;
            }
            v[600 * width + j] = -0x1p54f;
        }
        Tensor x = Tensor.fromArray(v).reshape(count, width);
        for (int threads : new int[] {1, 2}) {
            float[] got = onThreads(threads, () -> x.sum(new int[] {0}, false).toFloatArray());
            for (int j = 0; j < width; j++) {
                assertBits(256f, got[j], "blocks [" + j + "], threads " + threads);
            }
        }
        System.setProperty("ember.columnReduce.wholeColumns", "true");
        try {
            float[] chain = x.sum(new int[] {0}, false).toFloatArray();
            for (int j = 0; j < width; j++) {
                assertBits(0f, chain[j], "one chain [" + j + "]");
            }
        } finally {
            System.clearProperty("ember.columnReduce.wholeColumns");
        }
    }

    /** The old one-chain path (kept behind the property) rounds to the same float or one ulp away, no further. */
    @Test
    void wholeColumnChainWithinOneUlp() {
        float[] v = values(10, 4097 * 513, true);
        Tensor x = Tensor.fromArray(v).reshape(4097, 513);
        float[] blocks = x.sum(new int[] {0}, false).toFloatArray();
        float[] chain;
        System.setProperty("ember.columnReduce.wholeColumns", "true");
        try {
            chain = x.sum(new int[] {0}, false).toFloatArray();
        } finally {
            System.clearProperty("ember.columnReduce.wholeColumns");
        }
        int differ = 0;
        for (int j = 0; j < 513; j++) {
            int col = j;
            double ref = 0;
            for (int k = 0; k < 4097; k++) {
                ref += v[k * 513 + col];
            }
            float one = (float) ref; // the whole column in order: the old path's order
            assertBits(one, chain[j], "old path [" + j + "]");
            if (Float.isNaN(one) || Float.isInfinite(one)) {
                assertBits(one, blocks[j], "special [" + j + "]");
                continue;
            }
            if (Float.floatToRawIntBits(one) != Float.floatToRawIntBits(blocks[j])) {
                differ++;
                assertEquals(Math.ulp(one), Math.abs(blocks[j] - one), 0f, "one ulp at most [" + j + "]");
            }
        }
        // both round near-exact double sums: they may part at a rare tie, not often
        assertTrue(differ <= 5, differ + " of 513 columns differ");
    }
}
