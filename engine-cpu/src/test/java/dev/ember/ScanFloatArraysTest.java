package dev.ember;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * cumsum and cumprod of float32 read and written on the arrays (SortKernels.scan) against the generic element access
 * they replace ({@code -Dember.scan.generic=true}), bit for bit: the generic path is what the PyTorch-generated tests
 * (DtypesTest, GradcheckStridedTest, ...) hold to PyTorch's bits (a double accumulator, each prefix rounded to
 * float), so the exact rule here is equality with it. Both dimensions, strided inputs, large magnitudes
 * (where the double accumulator matters), the specials, and a float64 result from float32 input (generic path);
 * along an inner dimension (row by row; {@code -Dember.scan.columns=true} keeps the line-by-line walk) for 2-d and
 * 3-d tensors, with parallel chunks that cross the outer blocks, an offset view and empty tensors; along the last
 * dimension four lines at a time ({@code -Dember.scan.oneLine=true} keeps one line at a time).
 */
class ScanFloatArraysTest {
    private static final String GENERIC = "ember.scan.generic";

    @AfterEach
    void clear() {
        System.clearProperty(GENERIC);
    }

    private static void assertSameBits(Supplier<Tensor> f) {
        System.clearProperty(GENERIC);
        double[] arrays = f.get().toDoubleArray();
        System.setProperty(GENERIC, "true");
        double[] generic = f.get().toDoubleArray();
        System.clearProperty(GENERIC);
        assertEquals(generic.length, arrays.length);
        for (int i = 0; i < arrays.length; i++) {
            assertEquals(Double.doubleToRawLongBits(generic[i]), Double.doubleToRawLongBits(arrays[i]),
                    "element " + i + ": generic " + generic[i] + ", arrays " + arrays[i]);
        }
    }

    @Test
    void cumsumAndCumprodAlongEachDimension() {
        Ember.manualSeed(21);
        Tensor x = Tensor.randn(300, 257).mul(Tensor.tensor(1e6f));
        Tensor near1 = Tensor.randn(64, 130).mul(Tensor.tensor(0.01f)).add(Tensor.tensor(1.0f));
        for (int dim : new int[] {0, 1, -1}) {
            assertSameBits(() -> x.cumsum(dim));
            assertSameBits(() -> near1.cumprod(dim));
            assertSameBits(() -> x.t().cumsum(dim));
            assertSameBits(() -> x.cumsum(dim, DType.FLOAT64));
        }
    }

    @Test
    void innerDimensionsRowByRow() {
        Ember.manualSeed(22);
        Tensor small = Tensor.randn(5, 7, 9).mul(Tensor.tensor(1e5f));
        Tensor big = Tensor.randn(6, 50, 301).mul(Tensor.tensor(1e5f)); // parallel chunks that cross the outer blocks
        for (int dim : new int[] {0, 1}) {
            assertSameBits(() -> small.cumsum(dim));
            assertSameBits(() -> small.cumprod(dim));
            assertSameBits(() -> big.cumsum(dim));
        }
        assertSameBits(() -> big.narrow(0, 1, 4).cumsum(1)); // an offset contiguous view
        assertSameBits(() -> Tensor.randn(0, 4, 3).cumsum(1));
        assertSameBits(() -> Tensor.randn(3, 4, 0).cumsum(1));
    }

    /**
     * Along the last dimension of a contiguous input, four lines at a time (SortKernels.scanLinesFloat): line counts
     * that leave a tail of 1 to 3 lines, in the parallel chunks and alone, an offset contiguous view, cumprod, the
     * specials spread over five lines, and one-element lines.
     */
    @Test
    void lastDimensionFourLinesAtATime() {
        Ember.manualSeed(23);
        Tensor big = Tensor.randn(6, 50, 301).mul(Tensor.tensor(1e5f));
        for (int lines : new int[] {1, 2, 3, 5, 6, 7, 299}) {
            Tensor x = Tensor.randn(lines, 129).mul(Tensor.tensor(1e6f));
            assertSameBits(() -> x.cumsum(-1));
            Tensor near1 = Tensor.randn(lines, 40).mul(Tensor.tensor(0.01f)).add(Tensor.tensor(1.0f));
            assertSameBits(() -> near1.cumprod(1));
        }
        assertSameBits(() -> big.cumsum(2));
        assertSameBits(() -> big.narrow(0, 1, 3).cumsum(-1)); // an offset contiguous view, 150 lines
        assertSameBits(() -> big.narrow(1, 3, 33).cumprod(-1)); // not contiguous: the line-by-line walk
        Tensor column = Tensor.randn(11, 1);
        assertSameBits(() -> column.cumsum(-1));
        float[] v = {1f, Float.NaN, 2f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, Float.MAX_VALUE,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 1e-40f, 3f, -3f, 0.1f, -0f, -0f, 1e30f, 1e30f, 2f};
        Tensor specials = Tensor.fromArray(v).reshape(5, 4);
        assertSameBits(() -> specials.cumsum(1));
        assertSameBits(() -> specials.cumprod(1));
    }

    @Test
    void specialsAndANarrowedInput() {
        float[] v = {1f, Float.NaN, 2f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, Float.MAX_VALUE,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 1e-40f, 3f, -3f, 0.1f, 0.2f};
        Tensor x = Tensor.fromArray(v).reshape(4, 4);
        assertSameBits(() -> x.cumsum(1));
        assertSameBits(() -> x.cumprod(0));
        assertSameBits(() -> x.narrow(1, 1, 3).cumsum(1));
    }
}
