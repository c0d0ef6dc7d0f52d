package dev.ember;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Max pooling's backward from the uint8 window codes the CPU saves when only autograd needs the maxima
 * ({@code maxPool2d}) gives the same bits as the backward from the int64 indices a caller asks for
 * ({@code maxPool2dWithIndices}), whose gradients PoolFloat32Test and the gradchecks pin to PyTorch: every window shape
 * (the 2x2 fast path with rows wider than a vector and an odd width, overlapping, padded, dilated, ceil mode, windows
 * of 255 and 256 positions), NaN and tied maxima, gradients of -0,
 * float32 and float64, batched and unbatched inputs.
 */
class MaxPoolCodesTest {
    /** kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, ceil (0/1), H, W. */
    private static final int[][] CASES = {
        {2, 2, 2, 2, 0, 0, 1, 1, 0, 12, 40},
        {2, 2, 2, 2, 0, 0, 1, 1, 0, 5, 37},
        {2, 2, 2, 2, 0, 0, 1, 1, 1, 5, 37},
        {2, 2, 2, 2, 0, 0, 1, 1, 0, 7, 9},
        {2, 2, 2, 2, 0, 0, 1, 1, 1, 7, 9},
        {3, 3, 1, 1, 1, 1, 1, 1, 0, 6, 7},
        {3, 2, 2, 1, 1, 0, 2, 2, 0, 9, 8},
        {5, 5, 3, 3, 2, 2, 1, 1, 1, 11, 10},
        {3, 3, 3, 3, 0, 0, 1, 1, 0, 9, 9},
        {15, 17, 1, 1, 0, 0, 1, 1, 0, 16, 18},
        {16, 16, 1, 1, 0, 0, 1, 1, 0, 17, 17},
    };

    @Test
    void codesGiveTheIndicesGradientsBitForBit() {
        assertEquals(true, dev.ember.backend.Backends.forDevice(Device.CPU).maxPoolWindowCodes());
        Generator g = new Generator(5);
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int[] c : CASES) {
                for (boolean batched : new boolean[] {true, false}) {
                    Tensor x = batched ? Tensor.randn(g, dtype, 2, 3, c[9], c[10])
                            : Tensor.randn(g, dtype, 3, c[9], c[10]);
                    // ties (rounded values), and NaNs in some windows of the unbatched inputs (a NaN sends a whole row
                    // of the 2x2 kernel's vector path to the scalar rule: the batched inputs keep that path)
                    x = x.mul(2).round();
                    double[] v = x.toDoubleArray();
                    for (int i = 0; !batched && i < v.length; i += 37) {
                        v[i] = Double.NaN;
                    }
                    x = Tensor.tensor(v, dtype, Device.CPU).reshape(x.shape());
                    int[] k = {c[0], c[1]};
                    int[] s = {c[2], c[3]};
                    int[] p = {c[4], c[5]};
                    int[] d = {c[6], c[7]};
                    boolean ceil = c[8] == 1;
                    Tensor a = x.detach().requiresGrad_(true);
                    Tensor ya = Tensor.maxPool2d(a, k, s, p, d, ceil);
                    // some gradients -0: both backwards sum into zeros, so they come out +0 (as PyTorch's do)
                    double[] gv = Tensor.randn(g, dtype, ya.shape()).toDoubleArray();
                    for (int i = 0; i < gv.length; i += 5) {
                        gv[i] = -0.0;
                    }
                    Tensor gy = Tensor.tensor(gv, dtype, Device.CPU).reshape(ya.shape());
                    ya.backward(gy);
                    Tensor b = x.detach().requiresGrad_(true);
                    Tensor yb = Tensor.maxPool2dWithIndices(b, k, s, p, d, ceil).values();
                    yb.backward(gy);
                    String what = dtype + " " + java.util.Arrays.toString(c) + (batched ? " batched" : "");
                    assertArrayEquals(yb.toDoubleArray(), ya.toDoubleArray(), what + " values");
                    assertArrayEquals(b.grad().toDoubleArray(), a.grad().toDoubleArray(), what + " gradient");
                    if (batched) {
                        assertEquals("MaxPool2DWithIndicesBackward0", ya.gradFn().name(), what);
                    }
                }
            }
        }
    }
}
