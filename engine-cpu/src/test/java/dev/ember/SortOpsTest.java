package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static dev.ember.ShapeSortCases.check;
import static dev.ember.ShapeSortCases.fails;
import static dev.ember.ShapeSortCases.grad;
import static dev.ember.ShapeSortCases.input;
import static dev.ember.ShapeSortCases.names;
import static dev.ember.ShapeSortCases.weights;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sorting, selection by rank, unique, scans, binary search and counting against PyTorch
 * ({@code shapesort/make_expected.py}): values on odd sizes, every dimension, non-contiguous, empty and 0-dim inputs,
 * ties and NaN; node names; gradients against PyTorch's and float64 gradcheck/gradgradcheck; errors with inputs
 * unchanged.
 */
class SortOpsTest {
    private static final double NAN = Double.NaN;

    private final Tensor a = input("a");
    private final Tensor b = input("b");
    private final Tensor v = input("nanv");
    private final Tensor ties = input("ties");
    private final Tensor zeros = input("zeros");
    private final Tensor bools = input("bools");
    private final Tensor m = input("m");
    private final Tensor e = input("e");
    private final Tensor s0 = input("s0");
    private final Tensor infs = input("infs");
    private final Tensor row = input("row");

    private static Tensor at(Tensor t, long... idx) {
        Tensor index = Tensor.tensor(idx);
        // picks elements of a 1-D tensor (no advanced indexing here): a stack of selects
        List<Tensor> picked = new ArrayList<>();
        for (long i : idx) {
            picked.add(t.select(0, (int) i));
        }
        return Tensor.stack(picked, 0);
    }

    @Test
    void sort() {
        check("sort.nan", v.sort());
        check("sort.nan.desc", v.sort(0, true));
        check("sort.a.dim0", a.sort(0, false));
        check("sort.a.dim1.desc", a.sort(1, true));
        check("sort.at", a.t().sort(-1, false));
        check("sort.b.dim1", b.sort(1, false));
        check("sort.b.dim2.desc", b.slice(1, 0, 4, 2).slice(2, 1, 6, 1).sort(2, true));
        check("sort.ties.desc", ties.sort(1, true, true));
        check("sort.bools", bools.sort());
        check("sort.empty", e.sort(1, false));
        check("sort.scalar", s0.sort());
        check("argsort.ties", ties.argsort(1, false));
        check("argsort.ties.desc", ties.argsort(1, true, true));
        fails("sort.baddim", () -> a.sort(2, false), a);
    }

    @Test
    void topk() {
        check("topk.a", a.topk(3));
        check("topk.a.dim0.small", a.topk(2, 0, false, true));
        check("topk.at", a.t().topk(4, 1, true, true));
        check("topk.nan", at(v, 0, 1, 2, 5, 7).topk(3));
        check("topk.k0", a.topk(0));
        check("topk.b", b.topk(2, 1, false, true));
        // sorted=false: the same elements, in the order PyTorch's nth_element leaves (Leftovers44Test pins it)
        Tensor.ValuesIndices unsorted = a.topk(3, 1, true, false);
        assertArrayEquals(a.topk(3).values().sort(1, false).values().toDoubleArray(),
                unsorted.values().sort(1, false).values().toDoubleArray());
        // ties: PyTorch 1.13's choice (std::nth_element's), not the first two in index order
        assertArrayEquals(new long[] {1, 3}, Tensor.tensor(new double[] {1, 2, 2, 2, 1}).topk(2).indices().toLongArray());
        fails("topk.big", () -> a.topk(8), a);
        fails("topk.neg", () -> a.topk(-1), a);
        fails("topk.bool", () -> bools.topk(1), bools);
    }

    @Test
    void kthvalueMedianMode() {
        check("kth.a", a.kthvalue(3));
        check("kth.a.dim0.keep", a.kthvalue(2, 0, true));
        check("kth.b", b.slice(1, 1, 4, 1).kthvalue(2, 1, false));
        check("kth.nan", at(v, 0, 1, 2, 7).kthvalue(4));
        check("kth.int", Tensor.tensor(new long[] {3, 1, 2}).kthvalue(1));
        check("kth.scalar", s0.kthvalue(1));
        fails("kth.big", () -> a.kthvalue(8), a);
        fails("kth.zero", () -> a.kthvalue(0), a);
        fails("kth.empty", () -> Tensor.zeros(0).kthvalue(1));
        fails("kth.bool", () -> bools.kthvalue(1), bools);

        check("median.row", row.median());
        check("median.even", row.narrow(0, 0, 8).median());
        check("median.nan", v.median());
        check("median.int", Tensor.tensor(new long[] {3, 1, 2, 8}).median());
        check("median.empty", Tensor.zeros(0).median());
        check("median.a.dim1", a.median(1, false));
        check("median.a.dim0.keep", a.median(0, true));
        check("median.b", b.median(2, false));
        check("median.nanrow", infs.median(1, false));
        fails("median.emptydim", () -> Tensor.zeros(2, 0).median(1, false));
        fails("median.bool", () -> bools.median(), bools);
        fails("median.bool.dim", () -> bools.median(0, false), bools);

        check("nanmedian.nan", v.nanmedian());
        check("nanmedian.allnan", Tensor.tensor(new float[] {Float.NaN, Float.NaN}).nanmedian());
        Tensor.ValuesIndices nm = Tensor.tensor(new float[][] {{1, Float.NaN, 3, 2}, {Float.NaN, Float.NaN, Float.NaN,
            Float.NaN}, {Float.NaN, 5, Float.NaN, 4}}).nanmedian(1, false);
        check("nanmedian.rows.values", nm.values());
        // an all-NaN row: the NaN PyTorch's nth_element leaves first (Ember took the first before session 52)
        long[] expected = Tensor.tensor(PyTorchCases.numbers(ShapeSortCases.TORCH.field("nanmedian.rows.indices",
                "values")), DType.FLOAT64).toLongArray();
        assertArrayEquals(expected, nm.indices().toLongArray());

        check("mode.ties", ties.mode(1, false));
        check("mode.ties.keep", ties.mode(0, true));
        check("mode.row", row.mode());
        check("mode.bools", bools.mode());
        check("mode.float", Tensor.tensor(new float[][] {{5, 1, 1, 5, 2}, {0.5f, 0.5f, -1, 2, -1}}).mode(1, false));
        fails("mode.empty", () -> Tensor.zeros(2, 0).mode(1, false));
    }

    @Test
    void unique() {
        check("unique.int", Tensor.tensor(new long[] {3, 1, 2, 1, 3, 7, 1}).unique(true, true, true), true, true);
        check("unique.zeros", Tensor.tensor(new float[][] {{2, -0f}, {0, 1.5f}}).unique(true, true, true), true, true);
        check("unique.dim0", Tensor.tensor(new long[][] {{1, 2}, {0, 5}, {1, 2}, {0, 1}}).unique(true, true, true, 0),
                true, true);
        check("unique.dim1", Tensor.tensor(new long[][] {{1, 2, 1}, {0, 5, 0}}).unique(true, true, true, 1), true, true);
        check("unique.scalar", s0.unique(true, true, true), true, true);
        check("unique.empty", e.unique(true, true, true), true, true);
        check("unique.empty.dim0", e.unique(true, true, true, 0), true, true);
        check("unique.bools", bools.unique(true, false, true), false, true);
        check("uc.nan", Tensor.tensor(new float[] {1, 1, Float.NaN, Float.NaN, 2, 2, 1}).uniqueConsecutive(true, true),
                true, true);
        check("uc.dim0", Tensor.tensor(new long[][] {{1, 2}, {1, 2}, {3, 4}, {1, 2}}).uniqueConsecutive(true, true, 0),
                true, true);
        UniqueResult only = Tensor.tensor(new long[] {2, 2, 1}).unique(false, false, false);
        assertArrayEquals(new long[] {1, 2}, only.values().toLongArray());
        assertNull(only.inverse());
        assertNull(only.counts());
        // NaN: sorted last, each NaN a value of its own (as unique_consecutive, and as PyTorch 2.x's docs describe)
        UniqueResult withNan = v.unique(true, true, true);
        check2(new double[] {-0.0, 1, 2, 3, NAN, NAN}, withNan.values());
        assertArrayEquals(new long[] {3, 4, 1, 3, 0, 0, 5, 2}, withNan.inverse().toLongArray());
        assertArrayEquals(new long[] {2, 1, 1, 2, 1, 1}, withNan.counts().toLongArray());
        fails("unique.dim.scalar", () -> s0.unique(true, false, false, 0), s0);
        fails("unique.dim.zero", () -> e.unique(true, false, false, 1));
        fails("unique.baddim", () -> a.unique(true, false, false, 2), a);
    }

    private static void check2(double[] expected, Tensor actual) {
        ShapeSortCases.assertValues("values", expected, actual.toDoubleArray(), actual.dtype());
    }

    @Test
    void scans() {
        check("cumsum.a.dim0", a.cumsum(0));
        check("cumsum.a.dim1", a.cumsum(1));
        check("cumsum.at", a.t().cumsum(1));
        check("cumsum.int", m.cumsum(1));
        check("cumsum.bools", bools.cumsum(0));
        check("cumsum.empty", e.cumsum(1));
        check("cumsum.scalar", s0.cumsum(0));
        check("cumprod.zeros", zeros.cumprod(1));
        check("cumprod.int", m.add(1L).cumprod(0));
        check("cumprod.bools", bools.cumprod(0));
        check("cummax.ties", Tensor.tensor(new float[] {1, 3, 2, 3, Float.NaN, 5, Float.NaN}).cummax(0));
        check("cummin.ties", Tensor.tensor(new float[] {1, 0, 2, 0, Float.NaN, -5}).cummin(0));
        check("cummax.b", b.cummax(1));
        check("cummin.at", a.t().cummin(0));
        check("cummax.int", ties.cummax(1));
        check("cummax.bools", bools.cummax(0));
        check("cummax.empty", e.cummax(1));
        check("lcse.infs", infs.logcumsumexp(1));
        check("lcse.b", b.logcumsumexp(2));
        check("lcse.at", a.t().logcumsumexp(0));
        fails("lcse.int", () -> m.logcumsumexp(0), m);
        fails("cumsum.baddim", () -> a.cumsum(2), a);
    }

    @Test
    void searchAndCount() {
        Tensor bd = input("bd");
        Tensor vals = input("vals");
        check("ss.left", Tensor.searchsorted(bd, vals));
        check("ss.right", Tensor.searchsorted(bd, vals, true));
        check("ss.nd", Tensor.searchsorted(Tensor.tensor(new float[][] {{1, 3, 5}, {2, 4, 6}}),
                Tensor.tensor(new float[][] {{3, 0}, {6, 4.5f}})));
        check("ss.nd.right", Tensor.searchsorted(Tensor.tensor(new long[][] {{1, 3, 5}, {2, 4, 6}}),
                Tensor.tensor(new long[][] {{3, 0}, {6, 4}}), true));
        check("ss.sorter", Tensor.searchsorted(Tensor.tensor(new float[] {3, 1, 2}), Tensor.tensor(new float[] {2, 0, 5}),
                false, Tensor.tensor(new long[] {1, 2, 0})));
        check("ss.nanseq", Tensor.searchsorted(Tensor.tensor(new float[] {1, 2, 2, 3, Float.NaN}),
                Tensor.tensor(new float[] {2, 0, 5, Float.NaN, 2.5f})));
        check("ss.scalar", Tensor.searchsorted(bd, Tensor.scalar(2)));
        check("ss.empty", Tensor.searchsorted(Tensor.zeros(0), Tensor.tensor(new float[] {1, 2})));
        check("ss.mixed", Tensor.searchsorted(bd, Tensor.tensor(new long[] {2, 4})));
        check("bucketize", Tensor.tensor(new long[][] {{1, 5}, {3, 9}}).bucketize(Tensor.tensor(new long[] {1, 3, 5, 7, 9})));
        check("bucketize.right", Tensor.tensor(new long[] {1, 5}).bucketize(Tensor.tensor(new long[] {1, 3, 5}), true));
        fails("ss.shapes", () -> Tensor.searchsorted(Tensor.zeros(2, 3), Tensor.zeros(3, 1)));
        fails("ss.scalarnd", () -> Tensor.searchsorted(Tensor.zeros(2, 3), Tensor.scalar(1)));
        fails("ss.seq0d", () -> Tensor.searchsorted(Tensor.scalar(1), Tensor.zeros(3)));
        fails("ss.sortershape", () -> Tensor.searchsorted(Tensor.zeros(3), Tensor.zeros(2), false,
                Tensor.zeros(DType.INT64, 2)));
        fails("ss.sortertype", () -> Tensor.searchsorted(Tensor.zeros(3), Tensor.zeros(2), false, Tensor.zeros(3)));
        fails("ss.sorterrange", () -> Tensor.searchsorted(Tensor.zeros(3), Tensor.zeros(2), false,
                Tensor.tensor(new long[] {0, 1, 5})));
        fails("ss.bool", () -> Tensor.searchsorted(Tensor.tensor(new boolean[] {false, true}),
                Tensor.tensor(new boolean[] {true})));
        fails("bucketize.2d", () -> Tensor.zeros(3).bucketize(Tensor.zeros(2, 2)));

        Tensor hx = input("hx");
        check("histc.range", hx.histc(4, 0, 3));
        check("histc.data", hx.histc(5));
        check("histc.one", Tensor.tensor(new float[] {2, 2}).histc(3));
        check("histc.f64", b.histc(7, -1, 1));
        check("histc.a", a.t().histc(6));
        check("histc.empty", Tensor.zeros(0).histc(3));
        check("histc.nan", Tensor.tensor(new float[] {1, 2, 1, 4, Float.NaN}).histc(4, 0, 3));
        fails("histc.bins", () -> hx.histc(0), hx);
        fails("histc.minmax", () -> hx.histc(3, 2, 1), hx);
        fails("histc.nanrange", () -> Tensor.tensor(new float[] {1, Float.NaN}).histc(3));
        fails("histc.infrange", () -> Tensor.tensor(new float[] {1, Float.POSITIVE_INFINITY}).histc(3));
        fails("histc.int", () -> m.histc(3), m);

        check("bincount", Tensor.tensor(new long[] {1, 1, 4, 0, 4, 4}).bincount());
        check("bincount.w32", Tensor.tensor(new long[] {1, 1, 4}).bincount(Tensor.tensor(new float[] {.5f, .25f, 1}), 0));
        check("bincount.w64", Tensor.tensor(new long[] {1, 1, 4}).bincount(Tensor.tensor(new double[] {.5, .25, 1},
                DType.FLOAT64), 0));
        check("bincount.wint", Tensor.tensor(new long[] {1, 1, 4}).bincount(Tensor.tensor(new long[] {1, 2, 3}), 0));
        check("bincount.min", Tensor.tensor(new long[] {1, 2}).bincount(5));
        check("bincount.empty", Tensor.zeros(DType.INT64, 0).bincount(3));
        fails("bincount.2d", () -> Tensor.zeros(DType.INT64, 2, 2).bincount());
        fails("bincount.neg", () -> Tensor.tensor(new long[] {1, -1}).bincount());
        fails("bincount.float", () -> Tensor.tensor(new float[] {1, 2}).bincount());
        fails("bincount.minlength", () -> Tensor.tensor(new long[] {1}).bincount(-1));
        fails("bincount.weights", () -> Tensor.tensor(new long[] {1, 2}).bincount(Tensor.tensor(new float[] {1}), 0));
    }

    @Test
    void nodeNamesAndGradientsAgainstPyTorch() {
        Tensor x = b.detach().clone().requiresGrad_(true);
        names("names.sort", x.sort(1, false).values(), x.sort(1, false, true).values(), x.topk(2).values(),
                x.kthvalue(2).values(), x.median(), x.median(1, false).values(), x.nanmedian(),
                x.nanmedian(1, false).values(), x.mode(1, false).values(), x.unique(), x.unique(true, false, false, 0)
                        .values(), x.uniqueConsecutive(), x.cumsum(1), x.cumprod(1), x.cummax(1).values(),
                x.cummin(1).values(), x.logcumsumexp(1));
        check("grad.sort", grad(b, t -> t.sort(1, true).values(), 3, 4, 6));
        check("grad.topk", grad(b, t -> t.topk(2, 2, true, true).values(), 3, 4, 2));
        check("grad.kth", grad(b, t -> t.kthvalue(2, 0, false).values(), 4, 6));
        check("grad.median", grad(b, t -> t.median(1, true).values(), 3, 1, 6));
        Tensor md = Tensor.tensor(new double[][] {{1, 2, 2}, {3, 2, 0}}, DType.FLOAT64);
        Tensor leaf = md.detach().clone().requiresGrad_(true);
        leaf.median().backward(Tensor.tensor(2.0, DType.FLOAT64));
        check("grad.medianall", leaf.grad());
        leaf = md.detach().clone().requiresGrad_(true);
        leaf.mode(1, false).values().backward(Tensor.tensor(new double[] {1, -2}, DType.FLOAT64));
        check("grad.mode", leaf.grad());
        check("grad.cumsum", grad(b, t -> t.cumsum(2), 3, 4, 6));
        check("grad.cumprod", grad(zeros, t -> t.cumprod(1), 3, 5));
        check("grad.cumprod.nozero", grad(b, t -> t.cumprod(1), 3, 4, 6));
        check("grad.cummax", grad(zeros, t -> t.cummax(1).values(), 3, 5));
        check("grad.cummin", grad(b, t -> t.cummin(0).values(), 3, 4, 6));
        check("grad.lcse", grad(b, t -> t.logcumsumexp(1), 3, 4, 6));
        // unique has no derivative, as PyTorch's not_implemented
        Tensor u = x.unique();
        Throwable err = assertThrows(IllegalStateException.class, () -> u.sum().backward());
        assertEquals("the derivative for '_unique2' is not implemented.", err.getMessage());
    }

    // ------------------------------------------------------------------ gradcheck

    private static final Generator GEN = new Generator(7);

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(2).sub(1.0).detach().requiresGrad_(true);
    }

    private static DynamicTest check1(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> assertTrue(Autograd.gradcheck(f, in)));
    }

    private static DynamicTest check2(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name + " (second order)", () -> assertTrue(Autograd.gradgradcheck(f, in)));
    }

    @TestFactory
    List<DynamicTest> gradcheck() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor withZeros = Tensor.tensor(new double[][] {{1.5, 0, 2, 0, 3}, {0.5, -2, 3, 1, 0}, {2, 0.5, 4, -1, 1.5}},
                DType.FLOAT64).requiresGrad_(true);
        Object[][] cases = {
            {"sort", (Function<Tensor[], Tensor>) x -> x[0].sort(1, true).values(), r(3, 5)},
            {"sort non-contiguous", (Function<Tensor[], Tensor>) x -> x[0].t().sort(0, false).values(), r(4, 3)},
            {"topk", (Function<Tensor[], Tensor>) x -> x[0].topk(2, 0, false, true).values(), r(5, 3)},
            {"kthvalue", (Function<Tensor[], Tensor>) x -> x[0].kthvalue(2, 1, false).values(), r(3, 4)},
            {"median", (Function<Tensor[], Tensor>) x -> x[0].median(), r(7)},
            {"median dim keepdim", (Function<Tensor[], Tensor>) x -> x[0].median(0, true).values(), r(5, 2)},
            {"nanmedian", (Function<Tensor[], Tensor>) x -> x[0].nanmedian(1, false).values(), r(2, 6)},
            {"mode", (Function<Tensor[], Tensor>) x -> x[0].mode(1, false).values(), r(3, 4)},
            {"cumsum", (Function<Tensor[], Tensor>) x -> x[0].cumsum(1), r(3, 5)},
            {"cumsum dim 0", (Function<Tensor[], Tensor>) x -> x[0].cumsum(0), r(4, 2, 3)},
            {"cumprod", (Function<Tensor[], Tensor>) x -> x[0].cumprod(1), r(3, 5)},
            {"cumprod with zeros", (Function<Tensor[], Tensor>) x -> x[0].cumprod(1), withZeros},
            {"cummax", (Function<Tensor[], Tensor>) x -> x[0].cummax(1).values(), r(3, 5)},
            {"cummin", (Function<Tensor[], Tensor>) x -> x[0].cummin(0).values(), r(4, 3)},
            {"logcumsumexp", (Function<Tensor[], Tensor>) x -> x[0].logcumsumexp(1), r(3, 5)},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Function<Tensor[], Tensor> f = (Function<Tensor[], Tensor>) c[1];
            t.add(check1((String) c[0], f, (Tensor) c[2]));
            // the second order: these ops' gradients are linear in the incoming gradient, so a square after them
            // makes the first gradient depend on the input (through the scatter's and gather's own backwards)
            t.add(check2(c[0] + " squared", x -> f.apply(x).pow(2), (Tensor) c[2]));
        }
        return t;
    }
}
