package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sorting-and-scans kernels beyond the PyTorch cases: through the SPI's host defaults (what a device without these
 * kernels runs, here a fake {@code cuda} device), and on large random inputs against a reference (every kernel path:
 * packed and merge sorts, parallel lines, one long line).
 */
class ShapeSortKernelsTest {
    /** The SPI methods of the family: on the fake device they run Backend's host-round-trip defaults. */
    private static final Set<String> FAMILY = Set.of("sort", "rankSelect", "scan", "searchsorted", "histc", "bincount",
            "unique");

    private static final Generator GEN = new Generator(99);

    private static Tensor r(DType t, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(4).sub(2.0).to(t);
    }

    /** f on the CPU and on the fake device: equal outputs, and equal gradients of every floating input. */
    private static void same(String name, Function<Tensor[], Tensor> f, Tensor... cpu) {
        Device gpu = Device.cuda(0);
        Tensor[] a = new Tensor[cpu.length];
        Tensor[] b = new Tensor[cpu.length];
        for (int i = 0; i < cpu.length; i++) {
            boolean grad = cpu[i].dtype().isFloatingPoint();
            a[i] = cpu[i].detach().clone().requiresGrad_(grad);
            b[i] = cpu[i].detach().to(gpu).requiresGrad_(grad);
        }
        Tensor outA = f.apply(a);
        Tensor outB = f.apply(b);
        assertEquals(gpu, outB.device(), name);
        assertArrayEquals(outA.shape(), outB.shape(), name);
        assertEquals(outA.dtype(), outB.dtype(), name);
        assertArrayEquals(outA.toDoubleArray(), outB.cpu().toDoubleArray(), 0, name);
        if (!outA.requiresGrad()) {
            return;
        }
        Tensor g = r(outA.dtype(), outA.shape());
        outA.backward(g);
        outB.backward(g.to(gpu));
        for (int i = 0; i < a.length; i++) {
            if (a[i].grad() != null) {
                assertArrayEquals(a[i].grad().toDoubleArray(), b[i].grad().cpu().toDoubleArray(), 1e-12,
                        name + " grad " + i);
            }
        }
    }

    @Test
    void hostDefaultsMatchTheCpuKernels() {
        Backends2.registerFakeCuda(FAMILY);
        Tensor x = r(DType.FLOAT64, 5, 7);
        Tensor f = r(DType.FLOAT32, 4, 9);
        Tensor ints = Tensor.randint(0, 6, 3, 11);
        same("sort", t -> t[0].sort(1, true).values(), x);
        same("sort indices", t -> t[0].t().sort(1, false).indices(), f);
        same("argsort", t -> t[0].argsort(0, false), ints);
        same("topk", t -> t[0].topk(3, 0, false, true).values(), x);
        same("kthvalue", t -> t[0].kthvalue(2, 1, true).values(), x);
        same("kthvalue indices", t -> t[0].kthvalue(3, 0, false).indices(), f);
        same("median", t -> t[0].median(), x);
        same("median dim", t -> t[0].median(0, false).values(), x);
        same("nanmedian", t -> t[0].nanmedian(1, false).values(), f);
        same("mode", t -> t[0].mode(1, false).values(), ints);
        same("cumsum", t -> t[0].cumsum(1), x);
        same("cumprod", t -> t[0].cumprod(0), x);
        same("cumsum ints", t -> t[0].cumsum(0), ints);
        same("cummax", t -> t[0].cummax(1).values(), x);
        same("cummin indices", t -> t[0].cummin(0).indices(), f);
        same("logcumsumexp", t -> t[0].logcumsumexp(1), x);
        same("searchsorted", t -> Tensor.searchsorted(t[0], t[1], true),
                Tensor.arange(0, 10, 1, DType.FLOAT32), r(DType.FLOAT32, 3, 4).mul(5).add(5.0));
        same("searchsorted sorter", t -> Tensor.searchsorted(t[0], t[1], false, t[2]),
                Tensor.tensor(new float[] {3, 1, 2}), Tensor.tensor(new float[] {2, 0, 5}), Tensor.tensor(new long[] {1, 2, 0}));
        same("bucketize", t -> t[0].bucketize(t[1]), ints, Tensor.tensor(new long[] {1, 3, 5}));
        same("histc", t -> t[0].histc(7, -1, 1), x);
        same("bincount", t -> t[0].flatten().bincount(), ints);
        same("bincount weights", t -> t[0].bincount(t[1], 8), Tensor.tensor(new long[] {1, 4, 1, 0}),
                Tensor.tensor(new double[] {0.5, 1, 2, -1}, DType.FLOAT64));
        same("unique", t -> t[0].unique(true, true, true).counts(), ints);
        same("unique inverse", t -> t[0].unique(true, true, false).inverse(), ints);
        same("unique dim", t -> t[0].unique(true, false, false, 1).values(),
                Tensor.tensor(new long[][] {{1, 2, 1, 3, 2}, {0, 5, 0, 3, 5}}));
        same("uniqueConsecutive", t -> t[0].uniqueConsecutive(false, true).counts(), ints.flatten());
        same("flip", t -> t[0].flip(0, 1), x);
        same("roll", t -> t[0].roll(new int[] {2, -3}, new int[] {0, 1}), x);
        same("repeat", t -> t[0].repeat(2, 1, 3), x);
        same("tril", t -> t[0].tril(1), x);
        same("diagEmbed", t -> t[0].diagEmbed(1, 0, 2), x);
        same("pad reflect", t -> Functional.pad(t[0].unsqueeze(0), new int[] {2, 3, 1, 1}, "reflect"), x);
        same("pad circular", t -> Functional.pad(t[0].unsqueeze(0), new int[] {2, 3, 1, 1}, "circular"), x);
    }

    // ------------------------------------------------------------------ large inputs against a reference

    /** A stable reference order of one line: NaN last, -0.0 equal to 0.0. */
    private static Integer[] reference(double[] line, boolean descending) {
        Integer[] idx = new Integer[line.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Comparator<Integer> byValue = (p, q) -> {
            double x = line[p];
            double y = line[q];
            if (Double.isNaN(x) || Double.isNaN(y)) {
                return Boolean.compare(Double.isNaN(x), Double.isNaN(y));
            }
            return Double.compare(x == 0 ? 0 : x, y == 0 ? 0 : y);
        };
        Arrays.sort(idx, descending ? byValue.reversed() : byValue); // Arrays.sort of objects is stable
        return idx;
    }

    private static void checkSorted(Tensor x, int dim, boolean descending) {
        Tensor.ValuesIndices s = x.sort(dim, descending);
        Tensor moved = x.movedim(dim, -1).contiguous();
        int n = x.size(dim);
        double[] all = moved.toDoubleArray();
        long[] idx = s.indices().movedim(dim, -1).contiguous().toLongArray();
        double[] vals = s.values().movedim(dim, -1).contiguous().toDoubleArray();
        for (int line = 0; line < all.length / Math.max(n, 1); line++) {
            double[] l = Arrays.copyOfRange(all, line * n, line * n + n);
            Integer[] want = reference(l, descending);
            for (int j = 0; j < n; j++) {
                assertEquals((long) want[j], idx[line * n + j], x.dtype() + " line " + line + " position " + j);
                assertEquals(Double.doubleToLongBits(l[want[j]]), Double.doubleToLongBits(vals[line * n + j]));
            }
        }
    }

    @Test
    void largeSortsMatchAStableReference() {
        Tensor withTies = Tensor.randint(-50, 50, 300, 137);
        for (DType t : List.of(DType.FLOAT32, DType.FLOAT64, DType.INT64)) {
            Tensor x = withTies.to(t);
            if (t.isFloatingPoint()) {
                // NaN and both zeros among the ties
                x = Tensor.where(withTies.ne(7L), x, Double.NaN);
                x = Tensor.where(withTies.ne(0L), x, -0.0);
            }
            checkSorted(x, 1, false);
            checkSorted(x, 1, true);
            checkSorted(x, 0, true); // lines across the storage's rows: strided
            checkSorted(x.t(), 1, false);
        }
        // one line long enough for the parallel primitive sort, and for the merge sort's many passes
        checkSorted(Tensor.randint(0, 1000, 300_000).toFloat(), 0, false);
        checkSorted(Tensor.randint(0, 1000, 70_000).toDouble(), 0, true);
        checkSorted(Tensor.tensor(new boolean[] {true, false, true, false, false}), 0, true);
    }

    @Test
    void largeScansAndSelectionsMatchReferences() {
        Tensor x = Tensor.randint(-3, 4, 257, 129).toDouble();
        double[] v = x.toDoubleArray();
        double[] cs = x.cumsum(1).toDoubleArray();
        long[] cm = x.cummax(0).indices().toLongArray();
        for (int i = 0; i < 257; i++) {
            double acc = 0;
            for (int j = 0; j < 129; j++) {
                acc += v[i * 129 + j];
                assertEquals(acc, cs[i * 129 + j], 0);
            }
        }
        for (int j = 0; j < 129; j++) {
            double best = v[j];
            int at = 0;
            for (int i = 0; i < 257; i++) {
                if (v[i * 129 + j] >= best) {
                    best = v[i * 129 + j];
                    at = i;
                }
                assertEquals(at, cm[i * 129 + j]);
            }
        }
        // kthvalue and median against the sorted lines
        Tensor sorted = x.sort(1, false).values();
        assertTrue(x.kthvalue(40, 1, false).values().equal(sorted.select(1, 39)));
        assertTrue(x.median(1, false).values().equal(sorted.select(1, 64)));
        Tensor picked = x.kthvalue(40, 1, true).indices();
        assertTrue(x.gather(1, picked).equal(sorted.narrow(1, 39, 1)));
        // unique counts add up, values are sorted and distinct
        UniqueResult u = x.unique(true, true, true);
        assertEquals(x.numel(), (long) u.counts().sum().item());
        double[] uv = u.values().toDoubleArray();
        for (int i = 1; i < uv.length; i++) {
            assertTrue(uv[i - 1] < uv[i]);
        }
        // the inverse indexes the values back into the input
        long[] inv = u.inverse().toLongArray();
        for (int i = 0; i < v.length; i++) {
            assertEquals(v[i], uv[(int) inv[i]], 0);
        }
        List<Tensor> parts = new ArrayList<>(x.split(10, 1));
        assertTrue(Tensor.cat(parts, 1).equal(x));
    }
}
