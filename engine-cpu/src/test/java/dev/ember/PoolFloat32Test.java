package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The float32 max-pooling kernels (the unrolled 2x2 one and the general one) give exactly the float64 path's
 * values, indices and input gradients: on data with ties and NaNs, odd sizes, padding, dilation and ceil mode; the
 * input gradient is written whole although it arrives in recycled memory.
 */
class PoolFloat32Test {

    @TestFactory
    List<DynamicTest> float32MatchesFloat64() {
        // {n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ceil}
        int[][] cases = {
            {2, 3, 8, 6, 2, 2, 2, 2, 0, 0, 1, 1, 0},
            {1, 2, 7, 9, 2, 2, 2, 2, 0, 0, 1, 1, 0},
            {1, 2, 7, 9, 2, 2, 2, 2, 0, 0, 1, 1, 1},
            {2, 1, 9, 8, 3, 3, 2, 1, 1, 1, 2, 1, 0},
            {1, 3, 6, 6, 3, 2, 3, 2, 1, 0, 1, 2, 1},
            // windows that do not overlap but leave gaps (stride above the kernel), with padding and ceil mode
            {2, 2, 9, 10, 2, 3, 3, 4, 1, 1, 1, 1, 1},
            {1, 1, 11, 7, 3, 1, 4, 2, 1, 0, 1, 1, 0},
            // rows of 2x2 windows wide enough for the vector kernel: a whole number of vectors, and an overlapping
            // last group; an odd width leaves a column no window reads
            {2, 3, 6, 32, 2, 2, 2, 2, 0, 0, 1, 1, 0},
            {2, 2, 7, 37, 2, 2, 2, 2, 0, 0, 1, 1, 0},
            {1, 2, 4, 70, 2, 2, 2, 2, 0, 0, 1, 1, 1},
        };
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] k : cases) {
            tests.add(DynamicTest.dynamicTest(java.util.Arrays.toString(k), () -> {
                Generator g = new Generator(11);
                // values rounded to a coarse grid so windows hold ties; a few NaNs
                Tensor x = Tensor.randn(g, DType.FLOAT64, k[0], k[1], k[2], k[3]).mul(2).round();
                double[] flat = x.toDoubleArray();
                flat[3] = Double.NaN;
                flat[flat.length / 2] = Double.NaN;
                x = Tensor.tensor(flat, DType.FLOAT64).reshape(x.shape());
                Tensor[] r64 = run(x, k);
                Tensor x32 = x.to(DType.FLOAT32);
                // the input gradient arrives uninitialized: hand the backward a recycled array full of NaNs
                // (engine-cpu's tests pool every closed array), so a position the kernel forgets shows
                Tensor.full(DType.FLOAT32, Double.NaN, k[0], k[1], k[2], k[3]).close();
                Tensor[] r32 = run(x32, k);
                assertArrayEquals(r64[0].toDoubleArray(), r32[0].toDoubleArray(), "values");
                assertArrayEquals(r64[1].toLongArray(), r32[1].toLongArray(), "indices");
                assertArrayEquals(r64[2].toDoubleArray(), r32[2].toDoubleArray(), "input gradient");
                // the values-only path (no gradient needed, no indices written) gives the same values
                for (Tensor in : new Tensor[] {x, x.to(DType.FLOAT32)}) {
                    Tensor values = Tensor.maxPool2d(in, new int[] {k[4], k[5]}, new int[] {k[6], k[7]},
                            new int[] {k[8], k[9]}, new int[] {k[10], k[11]}, k[12] == 1);
                    assertArrayEquals(r64[0].toDoubleArray(), values.toDoubleArray(), "values only, " + in.dtype());
                }
            }));
        }
        return tests;
    }

    @org.junit.jupiter.api.Test
    void aWindowsLastNaNWinsAsInPyTorch() {
        // session 38 (DifferentialFuzzR10Test): PyTorch's kernels take a value when (val > maxval) || isnan(val), so a
        // window holding two NaNs points at the last; the 2-d kernels kept the first. PyTorch 1.13 on this input:
        // max_pool2d(x, 2, 2, return_indices=True) -> indices [[5, 6]], max_pool2d(x, 3, 1, 1) -> [[5, 6, 6, 6]] x 3,
        // max_pool1d([1, nan, nan, 2, nan, 3], 3, 2, 1) -> [1, 2, 4]
        double n = Double.NaN;
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = Tensor.tensor(new double[] {n, 1, 2, n, 3, n, n, 4, 5, 6, 7, 8}, DType.FLOAT64).reshape(1, 1, 3, 4)
                    .to(dtype);
            assertArrayEquals(new long[] {5, 6}, Tensor.maxPool2dWithIndices(x, new int[] {2}, new int[] {2},
                    new int[] {0}, new int[] {1}, false).indices().toLongArray(), "2x2 " + dtype);
            assertArrayEquals(new long[] {5, 6, 6, 6, 5, 6, 6, 6, 5, 6, 6, 6}, Tensor.maxPool2dWithIndices(x,
                    new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, false).indices().toLongArray(),
                    "3x3 " + dtype);
            // the gradient follows the index (the window codes of a gradient-taking call)
            Tensor xg = x.detach().requiresGrad_(true);
            Tensor.maxPool2d(xg, new int[] {2}, new int[] {2}, new int[] {0}, new int[] {1}, false).sum().backward();
            assertArrayEquals(new double[] {0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0}, xg.grad().toDoubleArray(),
                    "2x2 gradient " + dtype);
            Tensor row = Tensor.tensor(new double[] {1, n, n, 2, n, 3}, DType.FLOAT64).reshape(1, 1, 6).to(dtype);
            assertArrayEquals(new long[] {1, 2, 4}, dev.ember.nn.Functional.maxPool1dWithIndices(row, 3, 2, 1, 1,
                    false).indices().toLongArray(), "1-d " + dtype);
        }
    }

    private static Tensor[] run(Tensor x, int[] k) {
        x = x.detach().requiresGrad_(true);
        Tensor.ValuesIndices r = Tensor.maxPool2dWithIndices(x, new int[] {k[4], k[5]}, new int[] {k[6], k[7]},
                new int[] {k[8], k[9]}, new int[] {k[10], k[11]}, k[12] == 1);
        Tensor up = Tensor.arange(r.values().numel()).to(x.dtype()).reshape(r.values().shape()).add(1.0);
        r.values().backward(up);
        return new Tensor[] {r.values().detach(), r.indices(), x.grad()};
    }
}
