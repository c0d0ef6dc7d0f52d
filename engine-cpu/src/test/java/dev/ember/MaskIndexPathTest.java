package dev.ember;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code x[mask]} through the mask's linear positions (session 59: {@code IndexingOps.maskIndex}, and nonzero's
 * one-dimensional bool loop) against the path through nonzero's coordinates and their linear index
 * ({@code -Dember.index.maskCoordinates=true}, with {@code -Dember.nonzero.flags=true}): the same shape and the same
 * bits for masks over every dimension, the leading ones, the trailing ones after a slice, an int or an ellipsis,
 * contiguous and transposed sources and masks, uint8 masks, densities from none to all, six dtypes, one and two
 * threads (the nonzero split over the pool); float32 results also against the elements listed in row-major order.
 * A mask of the wrong shape keeps its message; a source that records history keeps the old path (IndexBackward0).
 */
class MaskIndexPathTest {
    private static final String[] OLD = {"ember.index.maskCoordinates", "ember.nonzero.flags"};

    @AfterEach
    void restore() {
        for (String p : OLD) {
            System.clearProperty(p);
        }
    }

    private static void old(boolean on) {
        for (String p : OLD) {
            System.setProperty(p, Boolean.toString(on));
        }
    }

    /** The values' bits, exactly: float32 and float64 raw bits, the other types' values (exact as doubles here). */
    private static long[] bits(Tensor t) {
        if (t.dtype() == DType.FLOAT32) {
            float[] v = t.toFloatArray();
            long[] b = new long[v.length];
            for (int i = 0; i < v.length; i++) {
                b[i] = Float.floatToRawIntBits(v[i]);
            }
            return b;
        }
        if (t.dtype() == DType.INT64) {
            return t.toLongArray();
        }
        double[] v = t.to(DType.FLOAT64).toDoubleArray();
        long[] b = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Double.doubleToRawLongBits(v[i]);
        }
        return b;
    }

    private record Case(String name, int[] shape, Function<Tensor, int[]> maskShape,
                        java.util.function.BiFunction<Tensor, Tensor, Index[]> indices) {
    }

    @Test
    void linearPositionsGiveTheCoordinatesPathsBits() {
        int threads = Ember.getNumThreads();
        try {
            Generator g = new Generator(59);
            List<Case> cases = List.of(
                    new Case("x[mask] all dims", new int[] {6, 7, 40}, x -> x.shape(), (x, m) -> new Index[] {Index.of(m)}),
                    new Case("x[mask] leading", new int[] {6, 7, 40}, x -> new int[] {6, 7}, (x, m) -> new Index[] {Index.of(m)}),
                    new Case("x[:, mask]", new int[] {6, 7, 40}, x -> new int[] {7, 40},
                            (x, m) -> new Index[] {Index.all(), Index.of(m)}),
                    new Case("x[2, mask]", new int[] {6, 7, 40}, x -> new int[] {7, 40},
                            (x, m) -> new Index[] {Index.of(2), Index.of(m)}),
                    new Case("x[..., mask]", new int[] {6, 7, 40}, x -> new int[] {40},
                            (x, m) -> new Index[] {Index.ellipsis(), Index.of(m)}),
                    new Case("x[1:5, mask]", new int[] {6, 7, 40}, x -> new int[] {7},
                            (x, m) -> new Index[] {Index.slice(1, 5, null), Index.of(m)}),
                    new Case("large x[mask] (split over the pool)", new int[] {4, 64, 601}, x -> x.shape(),
                            (x, m) -> new Index[] {Index.of(m)}),
                    new Case("x[mask] one dim", new int[] {1}, x -> x.shape(), (x, m) -> new Index[] {Index.of(m)}),
                    new Case("x[mask] empty", new int[] {3, 0, 5}, x -> x.shape(), (x, m) -> new Index[] {Index.of(m)}),
                    new Case("x[mask] empty outside", new int[] {0, 5}, x -> new int[] {5},
                            (x, m) -> new Index[] {Index.all(), Index.of(m)}));
            DType[] dtypes = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.BOOL, DType.BFLOAT16};
            double[] densities = {0, 0.01, 0.5, 1};
            int checked = 0;
            for (int t : new int[] {1, 2}) {
                Ember.setNumThreads(t);
                for (Case c : cases) {
                    Tensor base = Tensor.randn(g, DType.FLOAT32, c.shape);
                    // the same values as a transposed (non-contiguous) source where it has two dimensions to swap
                    Tensor trans = base.dim() < 2 ? base
                            : base.transpose(0, base.dim() - 1).contiguous().transpose(0, base.dim() - 1);
                    for (double p : densities) {
                        int[] ms = c.maskShape.apply(base);
                        Tensor keep = Tensor.rand(g, DType.FLOAT32, ms).lt(p);
                        Tensor keepT = keep.dim() < 2 ? keep
                                : keep.transpose(0, keep.dim() - 1).contiguous().transpose(0, keep.dim() - 1);
                        for (Tensor mask : List.of(keep, keepT, keep.to(DType.UINT8))) {
                            for (DType dtype : dtypes) {
                                for (Tensor src : List.of(base, trans)) {
                                    Tensor x = src.to(dtype);
                                    String what = c.name + " p=" + p + " " + dtype + " mask " + mask.dtype() + " strides "
                                            + Arrays.toString(mask.stride()) + " x strides " + Arrays.toString(x.stride())
                                            + " threads " + t;
                                    Tensor got = x.index(c.indices.apply(x, mask));
                                    old(true);
                                    Tensor want = x.index(c.indices.apply(x, mask));
                                    old(false);
                                    assertArrayEquals(want.shape(), got.shape(), what);
                                    assertEquals(want.dtype(), got.dtype(), what);
                                    assertArrayEquals(bits(want), bits(got), what);
                                    checked++;
                                }
                            }
                        }
                    }
                }
            }
            assertEquals(2 * 10 * 4 * 3 * 6 * 2, checked);
            // the float32 values against the elements listed in row-major order (not only old against new)
            Ember.setNumThreads(2);
            Tensor x = Tensor.randn(g, DType.FLOAT32, 5, 300, 70);
            Tensor keep = Tensor.rand(g, DType.FLOAT32, 5, 300, 70).lt(0.4);
            float[] xv = x.toFloatArray();
            boolean[] kv = new boolean[xv.length];
            long[] kl = keep.to(DType.INT64).toLongArray();
            List<Float> listed = new ArrayList<>();
            for (int i = 0; i < xv.length; i++) {
                kv[i] = kl[i] != 0;
                if (kv[i]) {
                    listed.add(xv[i]);
                }
            }
            float[] expected = new float[listed.size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = listed.get(i);
            }
            assertArrayEquals(expected, x.index(Index.of(keep)).toFloatArray());
            assertArrayEquals(expected, x.maskedSelect(keep).toFloatArray());
        } finally {
            Ember.setNumThreads(threads);
        }
    }

    @Test
    void wrongMaskShapeKeepsItsMessage() {
        Tensor x = Tensor.zeros(3, 4);
        Tensor mask = Tensor.ones(3, 5).gt(0.0);
        for (boolean on : new boolean[] {false, true}) {
            old(on);
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> x.index(Index.of(mask)));
            assertEquals("The shape of the mask [3, 5] at index 1 does not match the shape of the indexed tensor [3, 4] "
                    + "at index 1", e.getMessage());
            Tensor m8 = Tensor.ones(DType.UINT8, 5);
            e = assertThrows(IndexOutOfBoundsException.class, () -> x.index(Index.all(), Index.of(m8)));
            assertEquals("The shape of the mask [5] at index 0 does not match the shape of the indexed tensor [3, 4] "
                    + "at index 1", e.getMessage());
        }
    }

    @Test
    void historyKeepsTheCoordinatesPath() {
        Tensor x = Tensor.randn(new Generator(3), DType.FLOAT32, 4, 5).requiresGrad_(true);
        Tensor mask = x.detach().gt(0.0);
        Tensor y = x.index(Index.of(mask));
        assertEquals("IndexBackward0", y.gradFn().name());
        y.sum().backward();
        assertArrayEquals(mask.to(DType.FLOAT32).toFloatArray(), x.grad().toFloatArray());
        try (GradMode off = Ember.noGrad()) {
            Tensor z = x.index(Index.of(mask));
            assertNull(z.gradFn());
            assertArrayEquals(x.detach().maskedSelect(mask).toFloatArray(), z.toFloatArray());
        }
    }
}
