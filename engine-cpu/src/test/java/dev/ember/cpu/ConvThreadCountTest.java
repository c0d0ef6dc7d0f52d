package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The im2col + GEMM convolution gives the same bits for any thread count in its forward pass and input gradient, as
 * {@link dev.ember.Determinism} promises (only the weight gradient sums per-thread partial results).
 */
class ConvThreadCountTest {

    @Test
    void gemmPathsKeepTheirBitsWhateverTheThreadCount() {
        // session 38 (DifferentialFuzzR10Test): the samples multiplied side by side in one product were taken from each
        // thread's chunk, so one thread and two made other products, whose edge tiles and depth blocks round
        // differently: a stride-2 3x3 convolution of 3 samples changed 348 of 2352 outputs between one and two threads
        int[][] shapes = {
            // n, c, h, w, o, k, stride, dilation
            {3, 5, 13, 14, 16, 3, 2, 1}, {3, 5, 13, 14, 16, 3, 1, 2}, {5, 6, 10, 10, 10, 3, 1, 1},
            {7, 40, 8, 8, 10, 3, 2, 1}, {2, 128, 6, 6, 12, 3, 1, 2}, {9, 3, 18, 18, 10, 3, 1, 1}};
        int before = CpuThreads.threads();
        try {
            for (int[] s : shapes) {
                Generator g = new Generator(38);
                Tensor x = Tensor.randn(g, DType.FLOAT32, s[0], s[1], s[2], s[3]);
                Tensor w = Tensor.randn(g, DType.FLOAT32, s[4], s[1], s[5], s[5]);
                Tensor b = Tensor.randn(g, DType.FLOAT32, s[4]);
                Tensor gy = null;
                double[][] one = null;
                for (int threads : new int[] {1, 2, 3, 4}) {
                    CpuThreads.setThreads(threads);
                    Tensor xg = x.detach().requiresGrad_(true);
                    Tensor y = Functional.conv2d(xg, w, b, new int[] {s[6]}, new int[] {1}, new int[] {s[7]}, 1);
                    gy = gy != null ? gy : Tensor.randn(g, DType.FLOAT32, y.shape());
                    y.backward(gy);
                    double[][] got = {y.detach().toDoubleArray(), xg.grad().toDoubleArray()};
                    if (one == null) {
                        one = got;
                        continue;
                    }
                    for (int r = 0; r < 2; r++) {
                        for (int i = 0; i < one[r].length; i++) {
                            assertEquals(Double.doubleToLongBits(one[r][i]), Double.doubleToLongBits(got[r][i]),
                                    java.util.Arrays.toString(s) + (r == 0 ? " output " : " input gradient ") + i
                                            + " at " + threads + " threads");
                        }
                    }
                }
            }
        } finally {
            CpuThreads.setThreads(before);
        }
    }
}
