package dev.ember.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Index;
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
        System.clearProperty("ember.nonzero.serial");
        System.clearProperty("ember.linearIndex.serial");
        System.clearProperty("ember.gather.oneRowSerial");
    }

    private static void serial(boolean on) {
        for (String p : new String[] {"ember.nonzero.serial", "ember.linearIndex.serial", "ember.gather.oneRowSerial"}) {
            System.setProperty(p, Boolean.toString(on));
        }
    }

    /**
     * The split over the pool (session 54: per-range counts, their prefix sums, each range's coordinates from its
     * first row; x[mask]'s linear index and one-row gather in ranges too) at 2 threads: inputs large enough to split
     * (a long single row split inside it, ranges ending mid-row, a strided view, densities from none to all, so a
     * range may hold no nonzero element or end at the array's last row) give the listed coordinates, the same as the
     * calling thread alone ({@code -Dember.nonzero.serial=true} and the two other properties), and x[mask] and
     * masked_select the same values on both paths.
     */
    @Test
    void splitOverThePoolListsTheSameCoordinates() {
        int threads = Ember.getNumThreads();
        Ember.setNumThreads(2);
        try {
            Generator g = new Generator(54);
            int[][] shapes = {{150001}, {3, 70001}, {70001, 3}, {5, 33333, 2}};
            double[] densities = {0, 0.001, 0.5, 1};
            for (int[] shape : shapes) {
                for (double p : densities) {
                    Tensor values = Tensor.rand(g, DType.FLOAT32, shape);
                    Tensor keep = values.lt(p);
                    for (Tensor x : List.of(keep, keep.to(DType.FLOAT32), keep.transpose(0, keep.dim() - 1))) {
                        long[] expected = listed(x);
                        String what = java.util.Arrays.toString(x.shape()) + " p=" + p + " " + x.dtype() + " strides "
                                + java.util.Arrays.toString(x.stride());
                        assertArrayEquals(expected, x.nonzero().toLongArray(), what);
                        serial(true);
                        assertArrayEquals(expected, x.nonzero().toLongArray(), what + " (calling thread)");
                        serial(false);
                    }
                    float[] picked = values.index(Index.of(keep)).toFloatArray();
                    float[] selected = values.maskedSelect(keep).toFloatArray();
                    serial(true);
                    assertArrayEquals(values.index(Index.of(keep)).toFloatArray(), picked, "x[mask] " + p);
                    assertArrayEquals(values.maskedSelect(keep).toFloatArray(), selected, "masked_select " + p);
                    serial(false);
                }
            }
            // two values out of range in different ranges: the first in row-major order is named, on either path
            Tensor x = Tensor.rand(g, DType.FLOAT32, 1000);
            long[] idx = new long[200000];
            idx[150000] = 5000;
            idx[10] = -3000;
            Tensor index = Tensor.fromArray(idx);
            for (boolean on : new boolean[] {false, true}) {
                serial(on);
                IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> x.index(Index.of(index)));
                assertEquals("index -3000 is out of bounds for dimension 0 with size 1000", e.getMessage());
            }
        } finally {
            Ember.setNumThreads(threads);
        }
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
