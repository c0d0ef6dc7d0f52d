package dev.ember;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Session 57's scatter_add paths against the ones they replaced and against a plain serial loop written here: the
 * float32 sum along the last dimension in a task body of its own ({@code -Dember.scatter.sharedLambda=true} keeps the
 * body shared with the other reductions) and the gradients of gather, index_select, embedding, embedding_bag,
 * adaptive_max_pool2d, upsample_nearest and grid_sample summed in place into their new zeros
 * ({@code -Dember.backward.zerosCopy=true} keeps the out-of-place scatter_add and index_add, which copied the zeros
 * first). Every result is compared bit for bit, on one and two threads: PyTorch's CPU kernel adds each destination's
 * values in the index's row-major order starting from self's value, which is what the serial loop here does. Odd shapes,
 * non-contiguous self, index and src, a src wider than the index, dim 0, 1 and -1, many repeated indices, float32,
 * float64 and int64, an empty index, and an out-of-bounds index whose error is unchanged and leaves self as it was.
 */
class ScatterAddPathsTest {
    private static final String[] OLD_PATHS = {"ember.scatter.sharedLambda", "ember.backward.zerosCopy"};

    private final int threads = Ember.getNumThreads();

    @AfterEach
    void clear() {
        for (String p : OLD_PATHS) {
            System.clearProperty(p);
        }
        Ember.setNumThreads(threads);
    }

    /** Runs {@code body} on 1 and 2 threads, with the new paths and with the old ones. */
    private static void everyPath(java.util.function.Consumer<String> body) {
        for (int t : new int[] {1, 2}) {
            for (String old : new String[] {"false", "true"}) {
                Ember.setNumThreads(t);
                for (String p : OLD_PATHS) {
                    System.setProperty(p, old);
                }
                body.accept(t + " threads, old paths " + old);
            }
        }
    }

    /** The row-major strides of a shape. */
    private static int[] strides(int[] shape) {
        int[] st = new int[shape.length];
        for (int d = shape.length - 1, s = 1; d >= 0; d--) {
            st[d] = s;
            s *= shape[d];
        }
        return st;
    }

    /**
     * scatter_add by a serial loop over the index in row-major order, in self's type: each value added to its
     * destination one at a time (float32 in float arithmetic, float64 in double, int64 in long), as PyTorch's CPU kernel.
     */
    private static Object reference(Tensor self, int dim, Tensor index, Tensor src) {
        int n = index.dim();
        int d = dim < 0 ? dim + n : dim;
        int[] is = index.shape();
        int[] selfStrides = strides(self.shape());
        int[] srcStrides = strides(src.shape());
        long[] idx = index.contiguous().toLongArray();
        int count = idx.length;
        DType t = self.dtype();
        float[] f = t == DType.FLOAT32 ? self.contiguous().toFloatArray() : null;
        double[] g = t == DType.FLOAT64 ? self.contiguous().toDoubleArray() : null;
        long[] l = t == DType.INT64 ? self.contiguous().toLongArray() : null;
        float[] fs = t == DType.FLOAT32 ? src.contiguous().toFloatArray() : null;
        double[] gs = t == DType.FLOAT64 ? src.contiguous().toDoubleArray() : null;
        long[] ls = t == DType.INT64 ? src.contiguous().toLongArray() : null;
        int[] at = new int[n];
        for (int p = 0; p < count; p++) {
            for (int k = n - 1, q = p; k >= 0; k--) {
                at[k] = q % is[k];
                q /= is[k];
            }
            int to = 0;
            int from = 0;
            for (int k = 0; k < n; k++) {
                to += (k == d ? (int) idx[p] : at[k]) * selfStrides[k];
                from += at[k] * srcStrides[k];
            }
            if (f != null) {
                f[to] += fs[from];
            } else if (g != null) {
                g[to] += gs[from];
            } else {
                l[to] += ls[from];
            }
        }
        return f != null ? f : g != null ? g : l;
    }

    /** Bit-for-bit equality of a tensor with an array from {@link #reference}. */
    private static void assertSame(Object want, Tensor got, String what) {
        if (want instanceof float[] f) {
            float[] h = got.contiguous().toFloatArray();
            assertEquals(f.length, h.length, what);
            for (int i = 0; i < f.length; i++) {
                assertEquals(Float.floatToRawIntBits(f[i]), Float.floatToRawIntBits(h[i]),
                        what + " element " + i + ": want " + f[i] + ", got " + h[i]);
            }
        } else if (want instanceof double[] g) {
            double[] h = got.contiguous().toDoubleArray();
            assertEquals(g.length, h.length, what);
            for (int i = 0; i < g.length; i++) {
                assertEquals(Double.doubleToRawLongBits(g[i]), Double.doubleToRawLongBits(h[i]),
                        what + " element " + i + ": want " + g[i] + ", got " + h[i]);
            }
        } else {
            assertArrayEquals((long[]) want, got.contiguous().toLongArray(), what);
        }
    }

    /** Out of place and in place (on a new self from {@code self} each time) against the serial loop, on every path. */
    private static void check(String name, Supplier<Tensor> self, int dim, Tensor index, Tensor src) {
        Object want = reference(self.get(), dim, index, src);
        everyPath(what -> {
            Tensor s = self.get();
            Tensor before = s.clone();
            assertSame(want, s.scatterAdd(dim, index, src), name + ", " + what);
            assertSame(values(before), s, name + ", " + what + ": self unchanged");
            Tensor inPlace = self.get();
            assertSame(want, inPlace.scatterAdd_(dim, index, src), name + ", " + what + ", in place");
            assertSame(want, inPlace, name + ", " + what + ", in place (self)");
        });
    }

    /** A tensor's values in row-major order, as {@link #reference} returns them. */
    private static Object values(Tensor t) {
        return t.dtype() == DType.FLOAT32 ? t.contiguous().toFloatArray() : t.dtype() == DType.FLOAT64
                ? t.contiguous().toDoubleArray() : t.contiguous().toLongArray();
    }

    @Test
    void float32AlongTheLastDimensionWithManyRepeats() {
        Generator gen = new Generator(57);
        Tensor self = Tensor.randn(gen, DType.FLOAT32, 300, 24);
        Tensor index = Tensor.randint(gen, 0, 24, 300, 40); // about 1.7 values per destination element
        Tensor src = Tensor.randn(gen, DType.FLOAT32, 300, 40).mul(1e4);
        check("[300,24] dim -1", self::clone, -1, index, src);
        check("[300,24] dim 1", self::clone, 1, index, src);
        Tensor wide = Tensor.randn(gen, DType.FLOAT32, 300, 64);
        check("src wider than index", self::clone, -1, index, wide);
        Tensor fewer = Tensor.randint(gen, 0, 24, 299, 7);
        check("index of fewer rows", self::clone, -1, fewer, src);
        Tensor self3 = Tensor.randn(gen, DType.FLOAT32, 5, 37, 11);
        Tensor index3 = Tensor.randint(gen, 0, 11, 5, 37, 29);
        Tensor src3 = Tensor.randn(gen, DType.FLOAT32, 5, 37, 29);
        check("3-D dim -1", self3::clone, -1, index3, src3);
        Tensor index31 = Tensor.randint(gen, 0, 37, 5, 50, 11);
        Tensor src31 = Tensor.randn(gen, DType.FLOAT32, 5, 50, 11);
        check("3-D dim 1", self3::clone, 1, index31, src31);
    }

    @Test
    void float32DimZeroAndNonContiguousOperands() {
        Generator gen = new Generator(58);
        Tensor self = Tensor.randn(gen, DType.FLOAT32, 24, 50);
        Tensor index = Tensor.randint(gen, 0, 24, 70, 50);
        Tensor src = Tensor.randn(gen, DType.FLOAT32, 70, 50);
        check("dim 0", self::clone, 0, index, src);
        // a transposed self, a strided slice of an index, a transposed src
        Tensor selfT = Tensor.randn(gen, DType.FLOAT32, 24, 130); // seen transposed: [130, 24], strides (1, 130)
        Tensor indexS = Tensor.randint(gen, 0, 24, 130, 81).slice(1, 0, 81, 2); // [130, 41], stride 2
        Tensor srcT = Tensor.randn(gen, DType.FLOAT32, 45, 130).t(); // [130, 45]
        check("non-contiguous self, index and src, dim -1", () -> selfT.clone().t(), -1, indexS, srcT);
        Tensor offset = Tensor.randn(gen, DType.FLOAT32, 131, 24); // narrowed: contiguous, at an offset
        Tensor indexO = Tensor.randint(gen, 0, 24, 131, 40).narrow(0, 1, 130);
        Tensor srcO = Tensor.randn(gen, DType.FLOAT32, 131, 40).narrow(0, 1, 130);
        check("offset views, dim -1", () -> offset.clone().narrow(0, 1, 130), -1, indexO, srcO);
    }

    @Test
    void float64AndInt64() {
        Generator gen = new Generator(59);
        Tensor self = Tensor.randn(gen, DType.FLOAT64, 200, 17);
        Tensor index = Tensor.randint(gen, 0, 17, 200, 33);
        Tensor src = Tensor.randn(gen, DType.FLOAT64, 200, 33).mul(1e8);
        check("float64 dim -1", self::clone, -1, index, src);
        Tensor index0 = Tensor.randint(gen, 0, 200, 300, 17);
        Tensor src0 = Tensor.randn(gen, DType.FLOAT64, 300, 17);
        check("float64 dim 0", self::clone, 0, index0, src0);
        Tensor selfL = Tensor.randint(gen, -1000, 1000, 200, 17);
        Tensor srcL = Tensor.randint(gen, Long.MIN_VALUE / 4, Long.MAX_VALUE / 4, 200, 33);
        check("int64 dim -1 (wrapping sums)", selfL::clone, -1, index, srcL);
    }

    @Test
    void emptyIndexLeavesSelf() {
        Generator gen = new Generator(60);
        Tensor self = Tensor.randn(gen, DType.FLOAT32, 30, 24);
        Tensor src = Tensor.randn(gen, DType.FLOAT32, 30, 40);
        check("[30, 0] index", self::clone, -1, Tensor.randint(gen, 0, 24, 30, 0), src);
        check("[0, 40] index", self::clone, -1, Tensor.randint(gen, 0, 24, 0, 40), src);
    }

    /** The message of the first bad value (the old path's, PyTorch's wording), and self as it was. */
    @Test
    void outOfBoundsIndexKeepsItsErrorAndModifiesNothing() {
        Generator gen = new Generator(61);
        Tensor src = Tensor.randn(gen, DType.FLOAT32, 300, 40);
        for (long bad : new long[] {24, -1, 25, Long.MIN_VALUE, Long.MAX_VALUE}) {
            long[] idx = Tensor.randint(gen, 0, 24, 300, 40).toLongArray();
            idx[299 * 40 + 39] = bad; // the last: every earlier row is in range
            idx[150 * 40 + 3] = bad == 24 ? 26 : 24; // and an earlier one, which the message names
            Tensor index = Tensor.fromArray(idx).reshape(300, 40);
            String want = "index " + (bad == 24 ? 26 : 24) + " is out of bounds for dimension 1 with size 24";
            everyPath(what -> {
                Tensor self = Tensor.zeros(DType.FLOAT32, 300, 24);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> self.scatterAdd(-1, index, src), what);
                assertEquals(want, e.getMessage(), what);
                IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                        () -> self.scatterAdd_(-1, index, src), what);
                assertEquals(want, e2.getMessage(), what);
                assertEquals(0.0, self.abs().sum().item(), what + ": self untouched");
            });
        }
    }

    /**
     * gather's gradient (summed in place into its zeros, or out of place before) against the serial loop into zeros;
     * with create_graph, the same grad_fn and the same second-order gradient on both paths.
     */
    @Test
    void gatherBackwardKeepsItsBits() {
        Generator gen = new Generator(62);
        Tensor x0 = Tensor.randn(gen, DType.FLOAT32, 300, 24);
        Tensor index = Tensor.randint(gen, 0, 24, 300, 40);
        Tensor gOut = Tensor.randn(gen, DType.FLOAT32, 300, 40).mul(1e3);
        Tensor w = Tensor.randn(gen, DType.FLOAT32, 300, 24);
        Object want = reference(Tensor.zeros(DType.FLOAT32, 300, 24), -1, index, gOut);
        Tensor idxT = index.narrow(0, 0, 24).t().narrow(1, 0, 24); // [40, 24], a non-contiguous index for dim 0
        Tensor gT = gOut.narrow(0, 0, 24).t().narrow(1, 0, 24);
        Object wantT = reference(Tensor.zeros(DType.FLOAT32, 300, 24), 0, idxT, gT);
        everyPath(what -> {
            Tensor x = x0.clone().requiresGrad_(true);
            x.gather(-1, index).backward(gOut);
            assertSame(want, x.grad(), what);
            Tensor xt = x0.clone().requiresGrad_(true);
            xt.gather(0, idxT).backward(gT);
            assertSame(wantT, xt.grad(), what + ", dim 0, transposed index and gradient");
            Tensor xg = x0.clone().requiresGrad_(true);
            Tensor g = gOut.clone().requiresGrad_(true);
            Tensor y = xg.gather(-1, index);
            Tensor gx = Autograd.grad(List.of(y), List.of(xg), List.of(g), true).get(0);
            assertSame(want, gx, what + ", create_graph");
            assertNotNull(gx.gradFn(), what);
            assertEquals("ScatterAddBackward0", gx.gradFn().name(), what);
            gx.mul(w).sum().backward();
            assertSame(w.gather(-1, index).toFloatArray(), g.grad(), what + ", second order");
        });
    }

    /** {@code index} (1-D, along {@code dim}) expanded to {@code shape}: index_add as the scatter_add it equals. */
    private static Tensor alongDim(Tensor index, int[] shape, int dim) {
        int[] view = new int[shape.length];
        java.util.Arrays.fill(view, 1);
        view[dim] = shape[dim];
        return index.reshape(view).expand(shape).contiguous();
    }

    /**
     * index_select's and embedding's gradients (index_add into new zeros, in place or out of place before) against the
     * serial loop, with repeated indices; with create_graph, the same grad_fn and second-order gradient on both paths.
     */
    @Test
    void indexSelectAndEmbeddingBackwardKeepTheirBits() {
        Generator gen = new Generator(63);
        Tensor x0 = Tensor.randn(gen, DType.FLOAT32, 40, 33);
        Tensor rows = Tensor.randint(gen, 0, 40, 90); // about 2.2 lookups per row
        Tensor cols = Tensor.randint(gen, 0, 33, 70);
        Tensor gRows = Tensor.randn(gen, DType.FLOAT32, 90, 33).mul(1e3);
        Tensor gCols = Tensor.randn(gen, DType.FLOAT32, 40, 70).mul(1e3);
        Tensor tokens = Tensor.randint(gen, 0, 40, 6, 15);
        Tensor gEmb = Tensor.randn(gen, DType.FLOAT32, 6, 15, 33);
        Tensor w = Tensor.randn(gen, DType.FLOAT32, 40, 33);
        Object wantRows = reference(Tensor.zeros(DType.FLOAT32, 40, 33), 0, alongDim(rows, new int[] {90, 33}, 0), gRows);
        Object wantCols = reference(Tensor.zeros(DType.FLOAT32, 40, 33), 1, alongDim(cols, new int[] {40, 70}, 1), gCols);
        Object wantEmb = reference(Tensor.zeros(DType.FLOAT32, 40, 33), 0,
                alongDim(tokens.reshape(-1), new int[] {90, 33}, 0), gEmb.reshape(90, 33));
        everyPath(what -> {
            Tensor x = x0.clone().requiresGrad_(true);
            x.indexSelect(0, rows).backward(gRows);
            assertSame(wantRows, x.grad(), what + ", index_select(0)");
            Tensor xc = x0.clone().requiresGrad_(true);
            xc.indexSelect(1, cols).backward(gCols);
            assertSame(wantCols, xc.grad(), what + ", index_select(1)");
            Tensor we = x0.clone().requiresGrad_(true);
            Tensor.embedding(we, tokens, -1, false).backward(gEmb);
            assertSame(wantEmb, we.grad(), what + ", embedding");
            Tensor xg = x0.clone().requiresGrad_(true);
            Tensor g = gRows.clone().requiresGrad_(true);
            Tensor gx = Autograd.grad(List.of(xg.indexSelect(0, rows)), List.of(xg), List.of(g), true).get(0);
            assertSame(wantRows, gx, what + ", index_select create_graph");
            assertNotNull(gx.gradFn(), what);
            assertEquals("IndexAddBackward0", gx.gradFn().name(), what);
            gx.mul(w).sum().backward();
            assertSame(w.indexSelect(0, rows).toFloatArray(), g.grad(), what + ", index_select second order");
        });
    }

    /**
     * adaptive_max_pool2d's gradient (scatter_add into zeros) and upsample_nearest's (index_add into zeros, one
     * dimension at a time), with windows and source pixels that receive several values: the same bits on every path
     * as on the old one (whose values the pooling and interpolation tests hold to PyTorch's).
     */
    @Test
    void adaptiveMaxPoolAndUpsampleNearestBackwardKeepTheirBits() {
        Generator gen = new Generator(64);
        Tensor x0 = Tensor.randn(gen, DType.FLOAT32, 2, 3, 13, 11);
        Tensor gPool = Tensor.randn(gen, DType.FLOAT32, 2, 3, 5, 4).mul(1e3);
        Tensor gUp = Tensor.randn(gen, DType.FLOAT32, 2, 3, 9, 25).mul(1e3);
        Object[] want = new Object[2];
        everyPath(what -> {
            Tensor x = x0.clone().requiresGrad_(true);
            dev.ember.nn.Functional.adaptiveMaxPool2d(x, new int[] {5, 4}).backward(gPool);
            Tensor xu = x0.clone().requiresGrad_(true);
            dev.ember.nn.Functional.interpolate(xu, new int[] {9, 25}, "nearest").backward(gUp);
            if (want[0] == null) {
                want[0] = x.grad().toFloatArray();
                want[1] = xu.grad().toFloatArray();
                assertNotEquals(0.0, x.grad().abs().sum().item(), "a gradient that is not all zeros");
                assertNotEquals(0.0, xu.grad().abs().sum().item(), "a gradient that is not all zeros");
            }
            assertSame(want[0], x.grad(), what + ", adaptive_max_pool2d");
            assertSame(want[1], xu.grad(), what + ", upsample_nearest");
        });
    }

    /**
     * embedding_bag's gradients (max: scatter_add into zeros; sum and mean: index_add; the per-sample weights'
     * gradient: index_add) and grid_sample's input gradient (one scatter_add per corner into the same sum): the same
     * bits on every path as on the old one.
     */
    @Test
    void embeddingBagAndGridSampleBackwardKeepTheirBits() {
        Generator gen = new Generator(65);
        Tensor w0 = Tensor.randn(gen, DType.FLOAT32, 20, 9);
        Tensor input = Tensor.randint(gen, 0, 20, 60); // 3 lookups per row
        Tensor offsets = Tensor.fromArray(new long[] {0, 5, 5, 17, 30, 44});
        Tensor psw0 = Tensor.randn(gen, DType.FLOAT32, 60);
        Tensor gBag = Tensor.randn(gen, DType.FLOAT32, 6, 9).mul(1e3);
        Tensor img0 = Tensor.randn(gen, DType.FLOAT32, 2, 3, 7, 8);
        Tensor grid0 = Tensor.rand(gen, DType.FLOAT32, 2, 11, 13, 2).mul(2.4).sub(1.2); // some outside, many shared
        Tensor gImg = Tensor.randn(gen, DType.FLOAT32, 2, 3, 11, 13).mul(1e3);
        java.util.Map<String, Object> want = new java.util.HashMap<>();
        everyPath(what -> {
            java.util.Map<String, Tensor> got = new java.util.LinkedHashMap<>();
            for (String mode : new String[] {"sum", "mean", "max"}) {
                Tensor w = w0.clone().requiresGrad_(true);
                dev.ember.nn.Functional.embeddingBag(input, w, offsets, mode).backward(gBag);
                got.put("embedding_bag " + mode, w.grad());
            }
            Tensor w = w0.clone().requiresGrad_(true);
            Tensor psw = psw0.clone().requiresGrad_(true);
            dev.ember.nn.Functional.embeddingBag(input, w, offsets, null, 2.0, false, "sum", psw, false, null)
                    .backward(gBag);
            got.put("embedding_bag per-sample weights, weight", w.grad());
            got.put("embedding_bag per-sample weights, weights", psw.grad());
            for (String mode : new String[] {"bilinear", "nearest"}) {
                Tensor img = img0.clone().requiresGrad_(true);
                dev.ember.nn.Functional.gridSample(img, grid0, mode, "zeros", false).backward(gImg);
                got.put("grid_sample " + mode, img.grad());
            }
            for (java.util.Map.Entry<String, Tensor> e : got.entrySet()) {
                if (!want.containsKey(e.getKey())) {
                    want.put(e.getKey(), e.getValue().toFloatArray());
                    assertNotEquals(0.0, e.getValue().abs().sum().item(), e.getKey() + ": not all zeros");
                }
                assertSame(want.get(e.getKey()), e.getValue(), what + ", " + e.getKey());
            }
        });
    }
}
