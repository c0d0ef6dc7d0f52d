package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Reductions over several dims that lie in memory as one run (merged into one inner loop by the CPU kernel) give what
 * a plain loop over the elements gives, on contiguous tensors and on views whose reduced dims do and do not form runs.
 */
class ReduceRunsTest {
    private static final Generator G = new Generator(11);

    /** A convolution's bias gradient: [N, C, H, W] summed over N, H and W, against a double loop. */
    @Test
    void biasGradientShapeSumsEveryElement() {
        Tensor x = Tensor.randn(G, DType.FLOAT32, 5, 3, 7, 9);
        float[] v = x.toFloatArray();
        float[] got = x.sum(new int[] {0, 2, 3}, false).toFloatArray();
        for (int c = 0; c < 3; c++) {
            double ref = 0;
            for (int n = 0; n < 5; n++) {
                for (int i = 0; i < 63; i++) {
                    ref += v[(n * 3 + c) * 63 + i];
                }
            }
            assertEquals((float) ref, got[c], 1e-6f * 100, "channel " + c);
        }
    }

    /** The same reductions on a permuted view (runs broken) and on its contiguous copy (runs merged) agree. */
    @Test
    void viewsAndCopiesAgree() {
        Tensor x = Tensor.randn(G, DType.FLOAT32, 4, 6, 5, 3);
        Tensor view = x.permute(2, 0, 3, 1);
        Tensor copy = view.contiguous();
        for (int[] dims : new int[][] {{0, 1}, {1, 2}, {2, 3}, {0, 1, 2, 3}, {1, 2, 3}, {0, 2}}) {
            assertArrayEquals(copy.sum(dims, false).toFloatArray(), view.sum(dims, false).toFloatArray(), 1e-5f,
                    "sum over " + java.util.Arrays.toString(dims));
            assertArrayEquals(copy.amax(dims, false).toFloatArray(), view.amax(dims, false).toFloatArray(), 0f,
                    "amax over " + java.util.Arrays.toString(dims));
        }
        // the flattened position argmax reports is the same whether the dims were merged or not
        assertEquals(copy.argmax().item(), view.argmax().item());
        assertEquals(x.argmax().item(), x.contiguous().argmax().item());
    }
}
