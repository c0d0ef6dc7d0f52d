package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float32 convolution kernels (run-length im2col, col2im, the GEMM with bias folded in and accumulation
 * across samples) against the float64 path, which {@code GradcheckTest} checks by finite differences: forward and
 * all three gradients, over strides, padding wider than the kernel reach, dilation, groups and odd sizes.
 */
class ConvFloat32Test {

    private static void assertClose(Tensor expected64, Tensor actual32, String what) {
        assertEquals(DType.FLOAT32, actual32.dtype());
        assertTrue(java.util.Arrays.equals(expected64.shape(), actual32.shape()), what + " shape");
        double[] e = expected64.toDoubleArray();
        double[] a = actual32.toDoubleArray();
        double scale = 0;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-5 * Math.max(1, scale), what + " element " + i);
        }
    }

    @TestFactory
    List<DynamicTest> float32MatchesFloat64() {
        // {n, c, h, w, o, kh, kw, strideH, strideW, padH, padW, dilH, dilW, groups, bias}
        int[][] cases = {
            {3, 1, 11, 9, 5, 5, 5, 1, 1, 0, 0, 1, 1, 1, 1},
            {2, 3, 13, 10, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
            {2, 4, 9, 12, 6, 3, 2, 1, 3, 4, 2, 2, 1, 2, 0},
            {1, 6, 7, 7, 6, 3, 3, 3, 2, 2, 3, 2, 2, 3, 1},
            {5, 2, 6, 5, 17, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1},
            {2, 3, 14, 13, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1, 1},
            {2, 2, 30, 29, 3, 3, 2, 1, 1, 1, 0, 1, 1, 1, 0},
            // enough samples that several share one column matrix and GEMM (LeNet's conv2; groups; padding and
            // stride), and a size whose 169-pixel outputs go three to a batch, so a worker's samples end in a short one
            {16, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1, 1},
            {9, 4, 9, 12, 6, 3, 2, 1, 3, 4, 2, 2, 1, 2, 0},
            {11, 3, 13, 10, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},
            {20, 3, 15, 15, 5, 3, 3, 1, 1, 0, 0, 1, 1, 1, 1},
            // stride 1 without padding: whole-vector runs (rows narrower and wider than a vector, kernel as wide as
            // the image, 1-pixel outputs, groups; the last sample's runs end at the array's end)
            {3, 2, 20, 37, 5, 3, 4, 1, 1, 0, 0, 1, 1, 1, 1},
            {7, 4, 10, 9, 6, 3, 3, 1, 1, 0, 0, 1, 1, 2, 1},
            {6, 3, 5, 5, 4, 5, 5, 1, 1, 0, 0, 1, 1, 1, 0},
            {5, 2, 8, 19, 3, 2, 19, 1, 1, 0, 0, 1, 1, 1, 1},
            {13, 1, 17, 16, 2, 4, 1, 1, 1, 0, 0, 1, 1, 1, 1},
        };
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] k : cases) {
            tests.add(DynamicTest.dynamicTest(java.util.Arrays.toString(k), () -> {
                Generator g = new Generator(7);
                Tensor x = Tensor.randn(g, DType.FLOAT64, k[0], k[1], k[2], k[3]);
                Tensor w = Tensor.randn(g, DType.FLOAT64, k[4], k[1] / k[13], k[5], k[6]);
                Tensor b = k[14] == 1 ? Tensor.randn(g, DType.FLOAT64, k[4]) : null;
                int[] stride = {k[7], k[8]};
                int[] pad = {k[9], k[10]};
                int[] dil = {k[11], k[12]};
                Tensor[] r64 = run(x, w, b, stride, pad, dil, k[13]);
                Tensor[] r32 = run(x.to(DType.FLOAT32), w.to(DType.FLOAT32), b == null ? null : b.to(DType.FLOAT32),
                        stride, pad, dil, k[13]);
                String[] names = {"output", "grad input", "grad weight", "grad bias"};
                for (int i = 0; i < r64.length; i++) {
                    if (r64[i] != null) {
                        assertClose(r64[i], r32[i], names[i]);
                    }
                }
            }));
        }
        return tests;
    }

    private static Tensor[] run(Tensor x, Tensor w, Tensor b, int[] stride, int[] pad, int[] dil, int groups) {
        x = x.detach().requiresGrad_(true);
        w = w.detach().requiresGrad_(true);
        if (b != null) {
            b = b.detach().requiresGrad_(true);
        }
        Tensor y = Tensor.conv2d(x, w, b, stride, pad, dil, groups);
        // a non-uniform upstream gradient, so every position of the backward kernels matters
        // (computed in float64 for both runs: sin of a float32 argument near 1000 would differ by its rounding)
        Tensor up = Tensor.arange(y.numel()).to(DType.FLOAT64).reshape(y.shape()).mul(0.01).sin().to(y.dtype());
        y.backward(up);
        return new Tensor[] {y.detach(), x.grad(), w.grad(), b == null ? null : b.grad()};
    }

    /** The kernels take the bias as a bare storage: a bias that is a view at an offset must still be read from its start. */
    @org.junit.jupiter.api.Test
    void aBiasViewAtAnOffset() {
        Generator g = new Generator(5);
        Tensor x = Tensor.randn(g, DType.FLOAT32, 2, 3, 6, 6);
        Tensor w = Tensor.randn(g, DType.FLOAT32, 4, 3, 3, 3);
        Tensor all = Tensor.randn(g, DType.FLOAT32, 10);
        Tensor view = all.narrow(0, 5, 4);
        Tensor expected = Tensor.conv2d(x, w, view.clone(), new int[] {1}, new int[] {1}, new int[] {1}, 1);
        Tensor actual = Tensor.conv2d(x, w, view, new int[] {1}, new int[] {1}, new int[] {1}, 1);
        org.junit.jupiter.api.Assertions.assertTrue(actual.equal(expected));
        Tensor strided = all.slice(0, 1, 9, 2);
        org.junit.jupiter.api.Assertions.assertTrue(Tensor.conv2d(x, w, strided, new int[] {1}, new int[] {1}, new int[] {1}, 1)
                .equal(Tensor.conv2d(x, w, strided.clone(), new int[] {1}, new int[] {1}, new int[] {1}, 1)));
    }
}
