package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * addr, inner, vdot, dist, renorm, signbit, gcd, lcm, diagflat, hsplit / vsplit / dsplit, split_with_sizes,
 * unsafe_split / unsafe_chunk, the view scatters, index_reduce, the window functions, the dtype queries, mvlgamma,
 * sum_to_size, histogram and igamma / igammac against PyTorch ({@code tensorfunctions/make_expected.py}): the inputs
 * are read from the expected file ({@link ReferenceCases}), and each case compares the result's type, shape and
 * values, its node, and the gradients of {@code sum(out * w)}, or PyTorch's error message (with every input
 * unchanged); gradcheck and gradgradcheck on float64 where PyTorch's formula is twice differentiable.
 */
class TensorFunctionsTest {
    private static final int END = Integer.MAX_VALUE;

    private static Function<Tensor[], Tensor> op(String name) {
        if (name.startsWith("dist p ")) {
            String w = name.substring(7);
            double p = w.equals("inf") ? Double.POSITIVE_INFINITY : w.equals("-inf") ? Double.NEGATIVE_INFINITY
                    : Double.parseDouble(w);
            return p == 0 ? a -> a[0].detach().dist(a[1].detach(), 0) : a -> a[0].dist(a[1], p);
        }
        if (name.contains("_window")) {
            return window(name);
        }
        if (name.startsWith("finfo ") || name.startsWith("iinfo ")) {
            DType t = DType.valueOf(name.substring(6).toUpperCase(java.util.Locale.ROOT));
            if (name.startsWith("finfo")) {
                return a -> {
                    DTypeInfo.FInfo f = Tensor.finfo(t);
                    assertEquals(t, f.dtype());
                    return Tensor.tensor(new double[] {f.bits(), f.eps(), f.max(), f.min(), f.tiny(), f.smallestNormal(),
                        f.resolution()}, DType.FLOAT64);
                };
            }
            return a -> {
                DTypeInfo.IInfo f = Tensor.iinfo(t);
                assertEquals(t, f.dtype());
                return Tensor.tensor(new long[] {f.bits(), f.max(), f.min()});
            };
        }
        if (name.startsWith("empty_strided")) {
            return emptyStrided(name);
        }
        // the real types, in the generator's order (the complex ones: ComplexTest; the fp8 ones, not in 1.13: Float8Test;
        // uint16/uint32/uint64, not in 1.13: UnsignedDTypeTest)
        DType[] all = java.util.Arrays.stream(DType.values()).filter(t -> !t.isComplex() && !t.isFloat8()
                && !t.isBarebonesUnsigned())
                .toArray(DType[]::new);
        switch (name) {
            case "can_cast": return a -> {
                boolean[][] b = new boolean[all.length][all.length];
                for (int i = 0; i < all.length; i++) {
                    for (int j = 0; j < all.length; j++) {
                        b[i][j] = Tensor.canCast(all[i], all[j]);
                    }
                }
                return Tensor.tensor(b);
            };
            case "promote_types": return a -> {
                long[][] b = new long[all.length][all.length];
                for (int i = 0; i < all.length; i++) {
                    for (int j = 0; j < all.length; j++) {
                        b[i][j] = Tensor.promoteTypes(all[i], all[j]).ordinal();
                    }
                }
                return Tensor.tensor(b);
            };
            case "result_type int32 float": return a -> Tensor.zeros(Tensor.resultType(a[0], 2.5), 0);
            case "result_type int32 int": case "result_type bool int": return a -> Tensor.zeros(Tensor.resultType(a[0], 2L), 0);
            default:
                if (name.startsWith("result_type ")) {
                    return a -> Tensor.zeros(Tensor.resultType(a[0], a[1]), 0);
                }
                break;
        }
        if (name.startsWith("mvlgamma")) {
            switch (name) {
                case "mvlgamma float32": return a -> a[0].mvlgamma(3);
                case "mvlgamma noncontiguous": return a -> a[0].t().mvlgamma(2);
                case "mvlgamma int64": case "mvlgamma empty": return a -> a[0].mvlgamma(2);
                case "mvlgamma bool": return a -> a[0].mvlgamma(1);
                default: return a -> a[0].mvlgamma(Integer.parseInt(name.substring("mvlgamma p ".length())));
            }
        }
        if (name.startsWith("sum_to_size")) {
            switch (name) {
                case "sum_to_size 0-dim": return a -> a[0].sumToSize();
                case "sum_to_size float32 noncontiguous": return a -> a[0].t().sumToSize(3, 1);
                case "sum_to_size int64": return a -> a[0].sumToSize(1, 2);
                case "sum_to_size same": return a -> {
                    Tensor r = a[0].sumToSize(3, 4);
                    assertTrue(r == a[0], "the tensor itself");
                    return r;
                };
                default: {
                    int[] size = java.util.Arrays.stream(name.substring("sum_to_size ".length()).split(" "))
                            .mapToInt(Integer::parseInt).toArray();
                    return a -> a[0].sumToSize(size);
                }
            }
        }
        if (name.startsWith("histogram")) {
            Function<Tensor[], HistogramResult> h;
            switch (name) {
                case "histogram 4": h = a -> a[0].detach().histogram(4); break;
                case "histogram 7 float32": h = a -> a[0].detach().histogram(7); break;
                case "histogram 10 float32 seq": h = a -> a[0].detach().histogram(10); break;
                case "histogram 13 seq": h = a -> a[0].detach().histogram(13); break;
                case "histogram range": h = a -> a[0].detach().histogram(3, new double[] {0, 3}, null, false); break;
                case "histogram weight density":
                    h = a -> a[0].detach().histogram(3, new double[] {0, 3}, a[1].detach(), true);
                    break;
                case "histogram density float32": h = a -> a[0].detach().histogram(5, null, null, true); break;
                case "histogram noncontiguous": h = a -> a[0].detach().t().histogram(5); break;
                case "histogram bins 0": h = a -> a[0].detach().histogram(0); break;
                case "histogram range reversed": h = a -> a[0].detach().histogram(2, new double[] {3, 1}, null, false); break;
                case "histogram range infinite":
                    h = a -> a[0].detach().histogram(2, new double[] {0, Double.POSITIVE_INFINITY}, null, false);
                    break;
                case "histogram weight shape": case "histogram weight dtype":
                    h = a -> a[0].detach().histogram(2, null, a[1].detach(), false);
                    break;
                default: h = a -> a[0].detach().histogram(2); break;
            }
            return a -> {
                HistogramResult r = h.apply(a);
                return Tensor.cat(List.of(r.hist(), r.binEdges()), 0);
            };
        }
        if (name.startsWith("igamma")) {
            boolean upper = name.startsWith("igammac");
            if (name.endsWith(" special")) {
                return a -> upper ? a[0].detach().igammac(a[1].detach()) : a[0].detach().igamma(a[1].detach());
            }
            if (name.endsWith(" noncontiguous")) {
                return a -> upper ? a[0].detach().t().igammac(a[1]) : a[0].detach().t().igamma(a[1]);
            }
            return a -> upper ? a[0].detach().igammac(a[1]) : a[0].detach().igamma(a[1]);
        }
        if (name.startsWith("index_reduce")) {
            return indexReduce(name);
        }
        if (name.contains(" part ")) {
            int k = Integer.parseInt(name.substring(name.lastIndexOf(' ') + 1));
            Function<Tensor, List<Tensor>> split = split(name.substring(0, name.indexOf(" part ")));
            return a -> split.apply(a[0]).get(k);
        }
        switch (name) {
            case "addr beta alpha": return a -> a[0].addr(a[1], a[2], 2.5, -0.5);
            case "addr beta 0 nan": return a -> a[0].addr(a[1], a[2], 0, 2);
            case "addr broadcast self": return a -> a[0].addr(a[1], a[2], 3, 1);
            case "addr float32": return a -> a[0].addr(a[1], a[2], 0.5, 2);
            case "addr mixed types": return a -> a[0].detach().addr(a[1].detach(), a[2].detach());
            case "addr noncontiguous": return a -> a[0].t().addr(a[1].select(1, 1), a[2]);
            case "addr int64": return a -> a[0].addr(a[1], a[2], 2, 3);
            case "addr int beta float": return a -> a[0].addr(a[1], a[2], 2.5, 1);
            case "addr int alpha float": return a -> a[0].addr(a[1], a[2], 1, 0.5);
            case "inner noncontiguous": return a -> a[0].t().inner(a[1].t());
            case "vdot noncontiguous": return a -> a[0].select(1, 1).vdot(a[1].slice(0, 0, 6, 2));
            case "dist mixed types": return a -> a[0].dist(a[1], 3);
            case "dist scalar other": return a -> a[0].dist(a[1], 1.5);
            case "dist noncontiguous": return a -> a[0].t().dist(a[1]);
            case "renorm dim 0": return a -> a[0].renorm(2, 0, 2.0);
            case "renorm dim 1": return a -> a[0].renorm(2, 1, 1.5);
            case "renorm p 1": return a -> a[0].renorm(1, 0, 3.0);
            case "renorm p 3": return a -> a[0].renorm(3, -1, 1.0);
            case "renorm p inf": return a -> a[0].renorm(Double.POSITIVE_INFINITY, 0, 1.5);
            case "renorm none over": return a -> a[0].renorm(2, 0, 100.0);
            case "renorm maxnorm 0": return a -> a[0].renorm(2, 0, 0.0);
            case "renorm 3d": return a -> a[0].renorm(2, 1, 2.0);
            case "renorm float32": return a -> a[0].renorm(2, 0, 2.0);
            case "renorm noncontiguous": return a -> a[0].t().renorm(2, 0, 2.0);
            case "renorm p 0": return a -> a[0].renorm(0, 0, 1.0);
            case "renorm maxnorm negative": return a -> a[0].renorm(2, 0, -1.0);
            case "renorm 1d": return a -> a[0].renorm(2, 0, 1.0);
            case "renorm dim": return a -> a[0].renorm(2, 2, 1.0);
            case "renorm int64": return a -> a[0].renorm(2, 0, 1.0);
            case "gcd noncontiguous": return a -> a[0].t().gcd(a[1]);
            case "diagflat offset": return a -> a[0].diagflat(2);
            case "diagflat negative offset": return a -> a[0].diagflat(-1);
            case "diagflat noncontiguous": return a -> a[0].t().diagflat();
            case "diagflat int64": return a -> a[0].diagflat(1);
            case "hsplit empty piece": return a -> a[0].hsplit(new int[] {4, 2}).get(1);
            case "hsplit not divisible": return a -> a[0].hsplit(4).get(0);
            case "hsplit zero": return a -> a[0].hsplit(0).get(0);
            case "hsplit negative": return a -> a[0].hsplit(-3).get(0);
            case "hsplit 0d": return a -> a[0].hsplit(2).get(0);
            case "hsplit 0d indices": return a -> a[0].hsplit(new int[] {1}).get(0);
            case "vsplit 1d": return a -> a[0].vsplit(2).get(0);
            case "vsplit not divisible": return a -> a[0].vsplit(3).get(0);
            case "dsplit 2d": return a -> a[0].dsplit(2).get(0);
            case "dsplit 2d indices": return a -> a[0].dsplit(new int[] {1}).get(0);
            case "dsplit not divisible": return a -> a[0].dsplit(3).get(0);
            case "split_with_sizes sum": return a -> a[0].splitWithSizes(new int[] {1, 2}).get(0);
            case "unsafe_split 0": return a -> a[0].unsafeSplit(0, 0).get(0);
            case "unsafe_chunk 0": return a -> a[0].unsafeChunk(0, 0).get(0);
            case "select_scatter": case "select_scatter size": case "select_scatter int64":
                return a -> a[0].selectScatter(a[1], 0, 1);
            case "select_scatter dim 1 negative index": return a -> a[0].selectScatter(a[1], 1, -1);
            case "select_scatter 3d": return a -> a[0].selectScatter(a[1], 1, 2);
            case "select_scatter src float32": return a -> a[0].selectScatter(a[1], 0, 2);
            case "select_scatter src int64": return a -> a[0].selectScatter(a[1], 0, 0);
            case "select_scatter float32": return a -> a[0].selectScatter(a[1], 1, 0);
            case "select_scatter noncontiguous": return a -> a[0].t().selectScatter(a[1].select(1, 0), 0, 1);
            case "select_scatter index": return a -> a[0].selectScatter(a[1], 0, 5);
            case "select_scatter dim": return a -> a[0].selectScatter(a[1], 2, 1);
            case "slice_scatter": return a -> a[0].sliceScatter(a[1], 0, 1, END, 1);
            case "slice_scatter step": case "slice_scatter size": return a -> a[0].sliceScatter(a[1], 1, 0, 4, 2);
            case "slice_scatter all": return a -> a[0].sliceScatter(a[1]);
            case "slice_scatter negative": return a -> a[0].sliceScatter(a[1], 1, -3, -1, 1);
            case "slice_scatter end past": return a -> a[0].sliceScatter(a[1], 1, 3, 100, 1);
            case "slice_scatter empty": return a -> a[0].sliceScatter(a[1], 1, 5, 9, 1);
            case "slice_scatter float32": return a -> a[0].sliceScatter(a[1], 0, 2, 3, 1);
            case "slice_scatter noncontiguous": return a -> a[0].t().sliceScatter(a[1].t(), 1, 1, 4, 2);
            case "slice_scatter step 0": return a -> a[0].sliceScatter(a[1], 1, 0, 4, 0);
            case "diagonal_scatter": case "diagonal_scatter float32": return a -> a[0].diagonalScatter(a[1]);
            case "diagonal_scatter offset": case "diagonal_scatter size": return a -> a[0].diagonalScatter(a[1], 1, 0, 1);
            case "diagonal_scatter negative offset": return a -> a[0].diagonalScatter(a[1], -1, 0, 1);
            case "diagonal_scatter 3d dims": return a -> a[0].diagonalScatter(a[1], 0, 0, 1);
            case "diagonal_scatter noncontiguous": return a -> a[0].t().diagonalScatter(a[1]);
            case "diagonal_scatter same dims": return a -> a[0].diagonalScatter(a[1], 0, 0, 0);
            case "as_strided_scatter": case "as_strided_scatter float32": case "as_strided_scatter size":
                return a -> a[0].asStridedScatter(a[1], new int[] {2, 2}, new int[] {4, 1}, 1);
            case "as_strided_scatter offset 0": return a -> a[0].asStridedScatter(a[1], new int[] {3}, new int[] {5});
            case "as_strided_scatter overlapping read":
                return a -> a[0].asStridedScatter(a[1], new int[] {2, 3}, new int[] {1, 2}, 2);
            default:
                break;
        }
        switch (name.split(" ")[0]) {
            case "addr": return a -> a[0].addr(a[1], a[2]);
            case "inner": return a -> a[0].inner(a[1]);
            case "vdot": return a -> a[0].vdot(a[1]);
            case "dist": return a -> a[0].dist(a[1]);
            case "signbit": return a -> a[0].signbit();
            case "gcd": return a -> a[0].gcd(a[1]);
            case "lcm": return a -> a[0].lcm(a[1]);
            case "diagflat": return a -> a[0].diagflat();
            default: throw new IllegalArgumentException("no op for case " + name);
        }
    }

    private static Function<Tensor[], Tensor> window(String name) {
        String[] w = name.split(" ");
        String kind = w[0];
        if (w.length == 3 && w[1].matches("\\d+")) {
            int n = Integer.parseInt(w[1]);
            boolean periodic = w[2].equals("periodic");
            return a -> window(kind, n, periodic, DType.FLOAT64);
        }
        switch (name.substring(kind.length() + 1)) {
            case "float32":
                switch (kind) {
                    case "hann_window": return a -> Tensor.hannWindow(16);
                    case "hamming_window": return a -> Tensor.hammingWindow(16);
                    case "blackman_window": return a -> Tensor.blackmanWindow(16);
                    case "bartlett_window": return a -> Tensor.bartlettWindow(16);
                    default: return a -> Tensor.kaiserWindow(16);
                }
            case "dtype": return a -> window(kind, 4, true, DType.INT64);
            case "negative": return a -> window(kind, -1, true, DType.FLOAT32);
            case "alpha beta": return a -> Tensor.hammingWindow(7, false, 0.6, 0.3, DType.FLOAT64, Device.CPU);
            case "beta 5": return a -> Tensor.kaiserWindow(9, true, 5.0, DType.FLOAT64, Device.CPU);
            case "beta 0.5 float32": return a -> Tensor.kaiserWindow(6, false, 0.5, DType.FLOAT32, Device.CPU);
            default: throw new IllegalArgumentException("no op for case " + name);
        }
    }

    private static Tensor window(String kind, int n, boolean periodic, DType dtype) {
        switch (kind) {
            case "hann_window": return Tensor.hannWindow(n, periodic, dtype, Device.CPU);
            case "hamming_window": return Tensor.hammingWindow(n, periodic, 0.54, 0.46, dtype, Device.CPU);
            case "blackman_window": return Tensor.blackmanWindow(n, periodic, dtype, Device.CPU);
            case "bartlett_window": return Tensor.bartlettWindow(n, periodic, dtype, Device.CPU);
            default: return Tensor.kaiserWindow(n, periodic, 12.0, dtype, Device.CPU);
        }
    }

    /** empty_strided's strides, storage size and whether its type is float64, as the script writes them. */
    private static Function<Tensor[], Tensor> emptyStrided(String name) {
        int[][] sizeStride;
        switch (name) {
            case "empty_strided": sizeStride = new int[][] {{2, 3}, {1, 2}}; break;
            case "empty_strided overlapping": sizeStride = new int[][] {{2, 3}, {0, 1}}; break;
            case "empty_strided gaps": sizeStride = new int[][] {{2, 2}, {5, 2}}; break;
            case "empty_strided empty": sizeStride = new int[][] {{0, 3}, {3, 1}}; break;
            case "empty_strided 0-dim": sizeStride = new int[][] {{}, {}}; break;
            case "empty_strided ranks": sizeStride = new int[][] {{2, 3}, {1}}; break;
            case "empty_strided negative size": sizeStride = new int[][] {{2, -1}, {1, 1}}; break;
            default: sizeStride = new int[][] {{2, 3}, {-1, 1}}; break;
        }
        return a -> {
            Tensor x = Tensor.emptyStrided(sizeStride[0], sizeStride[1], DType.FLOAT64, Device.CPU);
            assertArrayEquals(sizeStride[0], x.shape());
            int[] st = x.stride();
            long[] v = new long[st.length + 2];
            for (int i = 0; i < st.length; i++) {
                v[i] = st[i];
            }
            v[st.length] = x.storage().numel();
            v[st.length + 1] = x.dtype() == DType.FLOAT64 ? 1 : 0;
            return Tensor.tensor(v);
        };
    }

    private static Function<Tensor[], Tensor> indexReduce(String name) {
        String[] w = name.split(" ");
        if (w.length == 3 && (w[2].equals("include") || w[2].equals("exclude"))) {
            boolean inc = w[2].equals("include");
            return a -> a[0].indexReduce(0, a[2], a[1], w[1], inc);
        }
        switch (name) {
            case "index_reduce prod zeros include": return a -> a[0].indexReduce(0, a[2], a[1], "prod");
            case "index_reduce prod zeros exclude": return a -> a[0].indexReduce(0, a[2], a[1], "prod", false);
            case "index_reduce amax ties": return a -> a[0].indexReduce(0, a[2], a[1], "amax");
            case "index_reduce amin ties exclude": return a -> a[0].indexReduce(0, a[2], a[1], "amin", false);
            case "index_reduce dim 1": return a -> a[0].indexReduce(1, a[2], a[1], "mean");
            case "index_reduce noncontiguous": return a -> a[0].t().indexReduce(-1, a[2], a[1].t(), "amax", false);
            case "index_reduce int32 index": return a -> a[0].indexReduce(0, a[2], a[1], "amin");
            case "index_reduce empty index": return a -> a[0].indexReduce(0, a[2], a[1], "prod", false);
            case "index_reduce int64 mean": return a -> a[0].indexReduce(0, a[2], a[1], "mean");
            case "index_reduce int64 mean exclude": return a -> a[0].indexReduce(0, a[2], a[1], "mean", false);
            case "index_reduce scalar": return a -> a[0].detach().indexReduce(0, a[2], a[1].detach(), "prod");
            case "index_reduce_ in place": return a -> a[0].clone().indexReduce_(0, a[2], a[1], "amax", false);
            case "index_reduce sum": return a -> a[0].indexReduce(0, a[2], a[1], "sum");
            case "index_reduce dim": return a -> a[0].indexReduce(2, a[2], a[1], "prod");
            case "index_reduce bool": return a -> a[0].indexReduce(0, a[2], a[1], "amax");
            default: return a -> a[0].indexReduce(0, a[2], a[1], "prod");
        }
    }

    private static Function<Tensor, List<Tensor>> split(String name) {
        switch (name) {
            case "hsplit 3": return t -> t.hsplit(3);
            case "hsplit indices": return t -> t.hsplit(new int[] {1, 4});
            case "hsplit 1d": return t -> t.hsplit(2);
            case "hsplit 1d indices": return t -> t.hsplit(new int[] {2, 9});
            case "vsplit 2": return t -> t.vsplit(2);
            case "vsplit indices": return t -> t.vsplit(new int[] {3});
            case "dsplit 4": return t -> t.dsplit(4);
            case "dsplit indices": return t -> t.dsplit(new int[] {-3});
            case "hsplit noncontiguous": return t -> t.t().hsplit(2);
            case "split_with_sizes": return t -> t.splitWithSizes(new int[] {1, 3}, 0);
            case "split_with_sizes dim": return t -> t.splitWithSizes(new int[] {5, 3}, -1);
            case "unsafe_split": return t -> t.unsafeSplit(3, 0);
            case "unsafe_split last": return t -> t.unsafeSplit(3, -1);
            case "unsafe_chunk": return t -> t.unsafeChunk(4, 1);
            case "unsafe_chunk noncontiguous": return t -> t.t().unsafeChunk(2, 1);
            case "unsafe_chunk empty": return t -> t.unsafeChunk(3, 1);
            default: throw new IllegalArgumentException("no split for case " + name);
        }
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/tensorfunctions/expected.txt", TensorFunctionsTest::op, 2e-6);
    }

    @TestFactory
    List<DynamicTest> gradchecks() {
        Generator gen = new Generator(20);
        Tensor m = Tensor.rand(gen, DType.FLOAT64, 3, 4).sub(0.5).requiresGrad_(true);
        Tensor u = Tensor.rand(gen, DType.FLOAT64, 3).sub(0.5).requiresGrad_(true);
        Tensor v = Tensor.rand(gen, DType.FLOAT64, 4).sub(0.5).requiresGrad_(true);
        Tensor w = Tensor.rand(gen, DType.FLOAT64, 4).sub(0.5).requiresGrad_(true);
        Tensor big = Tensor.rand(gen, DType.FLOAT64, 3, 4).mul(3).requiresGrad_(true);
        Tensor s3 = Tensor.rand(gen, DType.FLOAT64, 3).requiresGrad_(true);
        Tensor s2 = Tensor.rand(gen, DType.FLOAT64, 2, 2).requiresGrad_(true);
        Tensor s32 = Tensor.rand(gen, DType.FLOAT64, 3, 2).requiresGrad_(true);
        List<DynamicTest> t = new ArrayList<>();
        t.add(gg("addr", p -> p[0].addr(p[1], p[2], 0.5, -2), m, u, v));
        t.add(gg("addr broadcast", p -> p[0].addr(p[1], p[2]), w, u, v));
        t.add(gg("inner", p -> p[0].inner(p[1]), m, v));
        t.add(gg("vdot", p -> p[0].vdot(p[1]), v, w));
        for (double p : new double[] {1, 2, 3, 1.5, Double.POSITIVE_INFINITY}) {
            t.add(g("dist " + p, q -> q[0].dist(q[1], p), m, v));
        }
        t.add(gg("dist 2", q -> q[0].dist(q[1]), m, v));
        t.add(gg("dist 3", q -> q[0].dist(q[1], 3), m, v));
        for (double p : new double[] {1, 2, 3, Double.POSITIVE_INFINITY}) {
            t.add(g("renorm " + p, q -> q[0].renorm(p, 0, 1.0), big));
        }
        t.add(gg("renorm 2 dim 1", q -> q[0].renorm(2, 1, 1.0), big));
        t.add(g("diagflat", q -> q[0].diagflat(1), m));
        t.add(g("select_scatter", q -> q[0].selectScatter(q[1], 1, 2), m, s3));
        t.add(g("slice_scatter", q -> q[0].sliceScatter(q[1], 1, 1, 4, 2), m, s32));
        t.add(g("diagonal_scatter", q -> q[0].diagonalScatter(q[1]), m, s3));
        t.add(g("as_strided_scatter", q -> q[0].asStridedScatter(q[1], new int[] {2, 2}, new int[] {4, 1}, 1), m, s2));
        Tensor big2 = Tensor.rand(gen, DType.FLOAT64, 2, 3).add(2.5).requiresGrad_(true);
        t.add(gg("mvlgamma 3", q -> q[0].mvlgamma(3), big2));
        Tensor ia = Tensor.rand(gen, DType.FLOAT64, 6).mul(4).add(0.2);
        Tensor ix = Tensor.rand(gen, DType.FLOAT64, 6).mul(6).add(0.1).requiresGrad_(true);
        t.add(gg("igamma", q -> ia.igamma(q[0]), ix));
        t.add(gg("igammac", q -> ia.igammac(q[0]), ix));
        Tensor self = Tensor.rand(gen, DType.FLOAT64, 5, 3).add(0.5).requiresGrad_(true);
        Tensor source = Tensor.rand(gen, DType.FLOAT64, 4, 3).add(0.5).requiresGrad_(true);
        Tensor index = Tensor.tensor(new long[] {0, 2, 0, 4});
        for (String red : new String[] {"prod", "mean", "amax", "amin"}) {
            for (boolean inc : new boolean[] {true, false}) {
                // only prod's gradient depends on the inputs differentiably (mean's is constant, amax's and amin's masks)
                Function<Tensor[], Tensor> f = q -> q[0].indexReduce(0, index, q[1], red, inc);
                t.add(red.equals("prod") ? gg("index_reduce prod " + inc, f, self, source)
                        : g("index_reduce " + red + " " + inc, f, self, source));
            }
        }
        return t;
    }

    /** gradcheck (the linear ops' gradients do not depend on their inputs, so gradgradcheck has nothing to check). */
    private static DynamicTest g(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> assertTrue(Autograd.gradcheck(f, in)));
    }

    private static DynamicTest gg(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> {
            assertTrue(Autograd.gradcheck(f, in));
            assertTrue(Autograd.gradgradcheck(f, in));
        });
    }

    @Test
    void splitsAreViewsOfTheInput() {
        Tensor x = Tensor.arange(0, 24, 1, DType.FLOAT64).reshape(2, 3, 4);
        List<Tensor> parts = x.dsplit(2);
        assertEquals(2, parts.size());
        assertTrue(parts.get(1).isView());
        parts.get(1).fill_(-1);
        assertEquals(-1.0, x.get(0, 0, 3).item());
    }

    @Test
    void asStridedScatterRefusesANonContiguousInputThatRequiresGrad() {
        Tensor x = Tensor.rand(DType.FLOAT64, 4, 3).requiresGrad_(true);
        Throwable e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> x.t().asStridedScatter(Tensor.zeros(DType.FLOAT64, 2), new int[] {2}, new int[] {1}));
        assertEquals("as_strided_scatter is currently only supported for contiguous inputs", e.getMessage());
    }

    @Test
    void finfoAndIinfoPrintAsPyTorch() {
        // as print(torch.finfo(...)) and print(torch.iinfo(torch.int8)) in PyTorch 1.13
        assertEquals("finfo(resolution=1e-06, min=-3.40282e+38, max=3.40282e+38, eps=1.19209e-07, smallest_normal=1.17549e-38, "
                + "tiny=1.17549e-38, dtype=float32)", Tensor.finfo().toString());
        assertEquals("finfo(resolution=0.001, min=-65504, max=65504, eps=0.000976562, smallest_normal=6.10352e-05, "
                + "tiny=6.10352e-05, dtype=float16)", Tensor.finfo(DType.FLOAT16).toString());
        assertEquals("finfo(resolution=1e-15, min=-1.79769e+308, max=1.79769e+308, eps=2.22045e-16, "
                + "smallest_normal=2.22507e-308, tiny=2.22507e-308, dtype=float64)", Tensor.finfo(DType.FLOAT64).toString());
        assertEquals("iinfo(min=-128, max=127, dtype=int8)", Tensor.iinfo(DType.INT8).toString());
    }

    @Test
    void newEmptyStridedTakesTheTensorsTypeAndDevice() {
        Tensor x = Tensor.zeros(DType.INT32, 2).newEmptyStrided(new int[] {3, 2}, new int[] {1, 3});
        assertEquals(DType.INT32, x.dtype());
        assertArrayEquals(new int[] {1, 3}, x.stride());
        assertEquals(DType.FLOAT16, Tensor.zeros(2).newEmptyStrided(new int[] {2}, new int[] {2}, DType.FLOAT16).dtype());
    }

    @Test
    void unsafePiecesShareStorageButAreNotViews() {
        // as PyTorch: y = x.clone(); q = y.unsafe_chunk(2, 1); q[0].mul_(2) is allowed (MulBackward0) and changes y
        Tensor x = Tensor.arange(0, 12, 1, DType.FLOAT64).reshape(4, 3).requiresGrad_(true);
        Tensor y = x.clone();
        List<Tensor> q = y.unsafeChunk(2, 0);
        assertTrue(!q.get(0).isView());
        q.get(0).mul_(2.0);
        assertEquals("MulBackward0", q.get(0).gradFn().name());
        assertEquals(2.0, y.get(0, 1).item());
        q.get(0).sum().add(q.get(1).sum()).backward();
        assertArrayEquals(new double[] {2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void igammaHasNoGradientForItsFirstArgument() {
        // as PyTorch: torch.igamma(a, x).backward() with a requiring grad
        Tensor a = Tensor.tensor(new double[] {2}, DType.FLOAT64).requiresGrad_(true);
        Tensor x = Tensor.tensor(new double[] {1}, DType.FLOAT64).requiresGrad_(true);
        Throwable e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> a.igamma(x).sum().backward());
        assertEquals("the derivative for 'igamma: input' is not implemented.", e.getMessage());
    }
}
