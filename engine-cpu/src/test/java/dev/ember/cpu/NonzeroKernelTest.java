package dev.ember.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code nonzero}'s branch-free loop (every element's coordinates written at the next free row, which advances past
 * a nonzero one only): densities from none to all, so the last row written is the array's last and the writes past
 * it are skipped, contiguous and strided inputs of the dtypes with their own loops and one through doubles, ranks 1
 * to 4, against the coordinates listed from the values in row-major order and against the old loop
 * ({@code -Dember.nonzero.branch=true}). PyTorch's own values for nonzero are IndexingTest's.
 */
class NonzeroKernelTest {
    @AfterEach
    void restore() {
        System.clearProperty("ember.nonzero.branch");
    }

    @Test
    void coordinatesOfEveryDensityLayoutAndDtype() {
        Generator g = new Generator(49);
        int[][] shapes = {{37}, {5, 9}, {3, 4, 6}, {2, 3, 4, 5}, {16, 128, 40}};
        double[] densities = {0, 0.02, 0.5, 0.97, 1};
        DType[] dtypes = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.BOOL, DType.INT32, DType.FLOAT16};
        List<UnaryOperator<Tensor>> views = List.of(t -> t, t -> t.transpose(0, t.dim() - 1),
                t -> t.narrow(t.dim() - 1, 1, t.size(t.dim() - 1) - 2));
        for (int[] shape : shapes) {
            for (double p : densities) {
                Tensor keep = Tensor.rand(g, DType.FLOAT64, shape).lt(p);
                for (DType dtype : dtypes) {
                    for (UnaryOperator<Tensor> view : views) {
                        Tensor x = view.apply(keep.to(dtype));
                        long[] expected = listed(x);
                        String what = java.util.Arrays.toString(shape) + " p=" + p + " " + dtype + " strides "
                                + java.util.Arrays.toString(x.stride());
                        assertArrayEquals(expected, x.nonzero().toLongArray(), what);
                        System.setProperty("ember.nonzero.branch", "true");
                        assertArrayEquals(expected, x.nonzero().toLongArray(), what + " (old loop)");
                        System.clearProperty("ember.nonzero.branch");
                    }
                }
            }
        }
    }

    /** The coordinates of the nonzero values of x, row-major, flattened. */
    private static long[] listed(Tensor x) {
        double[] v = x.contiguous().toDoubleArray();
        int[] shape = x.shape();
        List<Long> out = new ArrayList<>();
        int[] idx = new int[shape.length];
        for (double e : v) {
            if (e != 0) {
                for (int c : idx) {
                    out.add((long) c);
                }
            }
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }
}
