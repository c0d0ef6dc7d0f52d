package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Copies between layouts where the destination's rows are the source's columns (the CPU backend's tiled transpose)
 * and their neighbours (too small, inner dimension contiguous in both, gapped, broadcast): every element checked
 * against the view's own index arithmetic (offset plus index times stride into the base's row-major values), for
 * every dtype, into a fresh row-major tensor ({@code contiguous()}) and into a transposed one ({@code copy_}).
 */
class TransposeCopyTest {
    private static final DType[] TYPES = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT16,
        DType.INT8, DType.UINT8, DType.FLOAT16, DType.BFLOAT16, DType.BOOL};

    private static double[] base(int n) {
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = (k * 37) % 101; // exact in every type (uint8 and int8 too), and not all equal
        }
        return v;
    }

    /** The view's values in row-major order of its shape, read by its strides from the base's values. */
    private static double[] expected(Tensor view, double[] base, DType dtype) {
        int[] shape = view.shape();
        int[] strides = view.stride();
        int n = (int) view.numel();
        double[] out = new double[n];
        int[] idx = new int[shape.length];
        for (int k = 0; k < n; k++) {
            int pos = view.storageOffset();
            for (int d = 0; d < shape.length; d++) {
                pos += idx[d] * strides[d];
            }
            out[k] = dtype == DType.BOOL ? (base[pos] != 0 ? 1 : 0) : base[pos];
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return out;
    }

    private static void add(List<DynamicTest> tests, String name, int[] baseShape, UnaryOperator<Tensor> view) {
        for (DType dtype : TYPES) {
            tests.add(DynamicTest.dynamicTest(name + " " + dtype.torchName(), () -> {
                int n = 1;
                for (int s : baseShape) {
                    n *= s;
                }
                double[] values = base(n);
                Tensor b = Tensor.tensor(values, DType.FLOAT64, Device.CPU).reshape(baseShape).to(dtype);
                Tensor v = view.apply(b);
                double[] want = expected(v, values, dtype);
                assertArrayEquals(want, v.contiguous().to(DType.FLOAT64).toDoubleArray(), 0.0, "contiguous()");
                // into a destination laid out transposed (last two dimensions swapped), from the view
                int r = v.dim();
                int[] swapped = v.shape().clone();
                int tmp = swapped[r - 1];
                swapped[r - 1] = swapped[r - 2];
                swapped[r - 2] = tmp;
                Tensor dst = Tensor.zeros(swapped).to(dtype).transpose(r - 2, r - 1);
                dst.copy_(v);
                assertArrayEquals(want, dst.contiguous().to(DType.FLOAT64).toDoubleArray(), 0.0, "copy_ into transposed");
            }));
        }
    }

    @TestFactory
    List<DynamicTest> copiesMatchIndexArithmetic() {
        List<DynamicTest> tests = new ArrayList<>();
        add(tests, "t() 67x75", new int[] {67, 75}, Tensor::t);
        add(tests, "t() 64x64 (whole tiles)", new int[] {64, 64}, Tensor::t);
        add(tests, "t() 9x600 (narrow)", new int[] {9, 600}, Tensor::t);
        add(tests, "t() 5x40 (too small to tile)", new int[] {5, 40}, Tensor::t);
        add(tests, "permute(2,0,1) 3x50x41", new int[] {3, 50, 41}, t -> t.permute(2, 0, 1));
        add(tests, "permute(0,2,1) 3x50x41", new int[] {3, 50, 41}, t -> t.permute(0, 2, 1));
        add(tests, "permute(1,2,0) 40x3x50", new int[] {40, 3, 50}, t -> t.permute(1, 2, 0));
        add(tests, "transpose(1,2) 2x8x40x33 (rows contiguous)", new int[] {2, 8, 40, 33}, t -> t.transpose(1, 2));
        add(tests, "permute(0,3,1,2) 2x33x9x40 (channels-last to row-major)", new int[] {2, 33, 9, 40},
            t -> t.permute(0, 3, 1, 2));
        add(tests, "sliced with offset, then t() 70x90", new int[] {70, 90}, t -> t.slice(0, 3, 70, 1).slice(1, 5, 90, 1).t());
        add(tests, "gapped columns, then t() 60x160", new int[] {60, 160}, t -> t.slice(1, 0, 160, 2).t());
        add(tests, "expanded column t() 1x80 -> 80x70", new int[] {1, 80}, t -> t.expand(70, 80).t());
        return tests;
    }
}
