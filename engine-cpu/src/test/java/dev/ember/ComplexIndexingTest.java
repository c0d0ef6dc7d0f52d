package dev.ember;

import dev.ember.nn.Functional;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Complex tensors through the ops that only move, select or test elements (session 29): indexing, scatter and gather,
 * masks, views and copies, padding, cumsum, the predicates, and the refusal of the ops PyTorch refuses on complex
 * tensors, against PyTorch 1.13's values, nodes, gradients (PyTorch's convention for complex inputs) and messages from
 * {@code complexindexing/make_expected.py}; numerical gradchecks through the real views.
 */
class ComplexIndexingTest {

    private static final Map<String, Function<Tensor[], Tensor>> OPS = new HashMap<>();

    private static void op(String name, Function<Tensor[], Tensor> f) {
        OPS.put(name, f);
    }

    private static Index[] ix(Tensor... t) {
        Index[] out = new Index[t.length];
        for (int i = 0; i < t.length; i++) {
            out[i] = Index.of(t[i]);
        }
        return out;
    }

    private static Tensor idx(long... v) {
        return Tensor.tensor(v, DType.INT64, Device.CPU);
    }

    static {
        // indexing
        op("index_select", a -> a[0].indexSelect(0, a[1]));
        op("index_select dim -1 complex64", a -> a[0].indexSelect(-1, a[1]));
        op("index_select 0-dim index", a -> a[0].indexSelect(0, a[1]));
        op("gather", a -> a[0].gather(1, a[1]));
        op("gather dim 0 complex64", a -> a[0].gather(0, a[1]));
        op("gather out of range", a -> a[0].gather(1, a[1]));
        op("scatter", a -> a[0].scatter(0, a[1], a[2]));
        op("scatter dim -1 complex64", a -> a[0].scatter(-1, a[1], a[2]));
        op("scatter value", a -> a[0].scatter(1, a[1], 2.5));
        op("scatter complex value", a -> a[0].scatter(1, a[1], Complex.of(0.5, -1.5)));
        op("scatter real src", a -> a[0].scatter(0, a[1], a[2]));
        op("scatter complex src into real", a -> a[0].scatter(0, a[1], a[2]));
        op("scatter_ value", a -> a[0].clone().scatter_(1, Tensor.tensor(new long[] {0, 2, 1, 0}, DType.INT64, Device.CPU)
                .reshape(2, 2), -1.5));
        op("scatter_add", a -> a[0].scatterAdd(0, a[1], a[2]));
        op("scatter_add complex64", a -> a[0].scatterAdd(1, a[1], a[2]));
        op("scatter_add real src", a -> a[0].scatterAdd(0, a[1], a[2]));
        for (String red : new String[] {"sum", "mean", "prod"}) {
            for (boolean inc : new boolean[] {true, false}) {
                op("scatter_reduce " + red + " include_self " + (inc ? "True" : "False"),
                        a -> a[0].detach().scatterReduce(0, a[1], a[2].detach(), red, inc));
            }
        }
        op("scatter_reduce mean complex64", a -> a[0].detach().scatterReduce(0, a[1], a[2].detach(), "mean"));
        op("scatter_reduce prod complex64 with a zero", a -> a[0].detach().scatterReduce(0, a[1], a[2].detach(), "prod"));
        op("scatter_reduce sum requires grad", a -> a[0].scatterReduce(0, a[1], a[2], "sum"));
        op("scatter_reduce amax", a -> a[0].scatterReduce(0, a[1], a[2], "amax"));
        op("scatter_reduce amin", a -> a[0].scatterReduce(0, a[1], a[2], "amin"));
        op("index_add", a -> a[0].indexAdd(0, a[1], a[2]));
        op("index_add alpha dim 1", a -> a[0].indexAdd(1, a[1], a[2], -2.5));
        op("index_add real source", a -> a[0].indexAdd(0, a[1], a[2]));
        op("index_copy", a -> a[0].indexCopy(0, a[1], a[2]));
        op("index_copy complex64 dim 1", a -> a[0].indexCopy(1, a[1], a[2]));
        op("index_copy real source", a -> a[0].indexCopy(0, a[1], a[2]));
        op("index_fill", a -> a[0].indexFill(0, a[1], 1.5));
        op("index_fill complex64 dim 1", a -> a[0].indexFill(1, a[1], -2.0));
        op("index_fill complex value", a -> a[0].indexFill(0, a[1], Complex.of(1, -2)));
        op("index_fill complex tensor value", a -> a[0].indexFill(0, a[1], a[2]));
        op("take", a -> a[0].take(a[1]));
        op("take negative complex64", a -> a[0].take(a[1]));
        op("take_along_dim", a -> a[0].takeAlongDim(a[1], 1));
        op("take_along_dim flat", a -> a[0].takeAlongDim(a[1]));
        op("put", a -> a[0].put(a[1], a[2]));
        op("put accumulate", a -> a[0].put(a[1], a[2], true));
        op("put real source", a -> a[0].put(a[1], a[2]));
        op("index int64", a -> a[0].index(ix(a[1])));
        op("index int64 two dims", a -> a[0].index(ix(a[1], a[2])));
        op("index int64 dim 1 complex64", a -> a[0].index(Index.all(), Index.of(a[1])));
        op("index bool", a -> a[0].index(ix(a[1])));
        op("index bool rows", a -> a[0].index(ix(a[1])));
        op("index_put", a -> a[0].indexPut(ix(a[1]), a[2], false));
        op("index_put accumulate", a -> a[0].indexPut(ix(a[1]), a[2], true));
        op("index_put bool", a -> a[0].indexPut(ix(a[1]), a[2], false));
        op("index_put broadcast value", a -> a[0].indexPut(ix(a[1]), a[2], false));
        op("index_put real values", a -> a[0].indexPut(ix(a[1]), a[2], false));
        op("masked_fill", a -> a[0].maskedFill(a[1], 2.5));
        op("masked_fill broadcast complex64", a -> a[0].maskedFill(a[1], -1.0));
        op("masked_fill complex value", a -> a[0].maskedFill(a[1], Complex.of(1.5, 2)));
        op("masked_fill complex tensor value", a -> a[0].maskedFill(a[1], a[2]));
        op("masked_select", a -> a[0].maskedSelect(a[1]));
        op("masked_select broadcast complex64", a -> a[0].maskedSelect(a[1]));
        op("masked_scatter", a -> a[0].maskedScatter(a[1], a[2]));
        op("masked_scatter complex64 broadcast", a -> a[0].maskedScatter(a[1], a[2]));
        op("masked_scatter real source", a -> a[0].maskedScatter(a[1], a[2]));
        op("nonzero", a -> a[0].nonzero());
        op("argwhere complex64", a -> a[0].argwhere());
        op("count_nonzero", a -> a[0].countNonzero());
        op("count_nonzero dim", a -> a[0].countNonzero(1));
        // views, copies and shapes
        op("narrow", a -> a[0].narrow(1, 1, 2));
        op("narrow_copy", a -> a[0].narrowCopy(0, 1, 2));
        op("unfold", a -> a[0].unfold(0, 2, 2));
        op("unfold 2-D complex64", a -> a[0].unfold(1, 3, 1));
        op("diagonal", a -> a[0].diagonal(1, 0, 1));
        op("diagonal dims", a -> a[0].diagonal(0, 1, 2));
        op("diag of vector", a -> a[0].diag(1));
        op("diag of matrix", a -> a[0].diag(-1));
        op("diag_embed", a -> a[0].diagEmbed());
        op("diag_embed offset dims", a -> a[0].diagEmbed(-1, 0, 2));
        op("diagflat", a -> a[0].diagflat(1));
        op("tril", a -> a[0].tril());
        op("tril -1 complex64", a -> a[0].tril(-1));
        op("triu", a -> a[0].triu(1));
        op("trace", a -> a[0].trace());
        op("trace complex64", a -> a[0].trace());
        op("repeat", a -> a[0].repeat(2, 1, 2));
        op("tile", a -> a[0].tile(3));
        op("repeat_interleave", a -> a[0].repeatInterleave(2, 1));
        op("repeat_interleave flat", a -> a[0].repeatInterleave(2, null));
        op("repeat_interleave tensor", a -> a[0].repeatInterleave(a[1], 0));
        op("expand contiguous", a -> a[0].expand(3, 2).contiguous());
        op("reshape of permute", a -> a[0].permute(2, 1, 0).reshape(3, 4));
        op("flatten of transpose", a -> a[0].t().flatten());
        op("flatten dims", a -> a[0].flatten(1));
        op("unflatten", a -> a[0].unflatten(1, 3, 2));
        op("movedim", a -> a[0].movedim(0, -1));
        op("swapaxes", a -> a[0].swapaxes(0, 1));
        op("chunk", a -> a[0].chunk(2).get(1));
        op("split", a -> a[0].split(2).get(2));
        op("split sizes", a -> a[0].split(new int[] {1, 4}, 1).get(1));
        op("tensor_split", a -> a[0].tensorSplit(3).get(1));
        op("tensor_split indices", a -> a[0].tensorSplit(new int[] {1, 4}, 1).get(2));
        op("unbind", a -> a[0].unbind(1).get(1));
        op("pad", a -> Functional.pad(a[0], new int[] {1, 2}));
        op("pad two dims complex64", a -> Functional.pad(a[0], new int[] {0, 1, 2, 0}));
        op("pad negative", a -> Functional.pad(a[0], new int[] {-1, 1}));
        op("pad reflect", a -> Functional.pad(a[0], new int[] {2, 1}, "reflect"));
        op("pad replicate complex64", a -> Functional.pad(a[0], new int[] {1, 2}, "replicate"));
        op("pad value", a -> Functional.pad(a[0], new int[] {1, 0}, "constant", 1.5));
        op("cumsum", a -> a[0].cumsum(1));
        op("cumsum dim 0 complex64", a -> a[0].cumsum(0));
        op("cumprod", a -> a[0].cumprod(1));
        op("cumprod complex64 with a zero", a -> a[0].cumprod(0));
        op("cumprod 0-dim", a -> a[0].cumprod(0));
        op("rot90", a -> a[0].rot90());
        op("rot90 k 2 complex64", a -> a[0].rot90(2, 0, 1));
        op("rot90 k -1", a -> a[0].rot90(-1, 0, 1));
        op("broadcast_to", a -> a[0].broadcastTo(2, 3, 2));
        op("broadcast_tensors", a -> Tensor.broadcastTensors(List.of(a[0], a[1])).get(1));
        op("meshgrid", a -> Tensor.meshgrid(List.of(a[0], a[1]), "ij").get(0));
        op("meshgrid xy", a -> Tensor.meshgrid(List.of(a[0], a[1]), "xy").get(1));
        op("block_diag", a -> Tensor.blockDiag(List.of(a[0], a[1])));
        op("block_diag mixed", a -> Tensor.blockDiag(List.of(a[0], a[1])));
        op("cartesian_prod", a -> Tensor.cartesianProd(List.of(a[0], a[1])));
        op("combinations", a -> a[0].combinations(2, false));
        op("combinations with replacement complex64", a -> a[0].combinations(2, true));
        // predicates
        op("isnan", a -> a[0].isnan());
        op("isinf", a -> a[0].isinf());
        op("isfinite", a -> a[0].isfinite());
        op("isreal", a -> a[0].isreal());
        op("isposinf", a -> a[0].isposinf());
        op("isneginf", a -> a[0].isneginf());
        op("isclose", a -> a[0].isclose(a[1]));
        op("isclose equal_nan tolerances", a -> a[0].isclose(a[1], 1e-3, 1e-2, true));
        op("isclose complex64", a -> a[0].isclose(a[1]));
        op("isclose complex real", a -> a[0].isclose(a[1]));
        op("any", a -> a[0].any(1));
        op("all", a -> a[0].all(0));
        op("any keepdim complex64", a -> a[0].any(new int[] {0}, true));
        // refusals
        op("sort", a -> a[0].sort().values());
        op("sort complex128", a -> a[0].sort().values());
        op("argsort", a -> a[0].argsort());
        op("topk", a -> a[0].topk(2).values());
        op("max", a -> a[0].max());
        op("max dim", a -> a[0].max(1).values());
        op("min", a -> a[0].min());
        op("min dim", a -> a[0].min(1).values());
        op("amax", a -> a[0].amax());
        op("amin", a -> a[0].amin());
        op("argmax", a -> a[0].argmax());
        op("argmin", a -> a[0].argmin());
        op("maximum", a -> a[0].maximum(a[1]));
        op("minimum", a -> a[0].minimum(a[1]));
        op("max other", a -> a[0].max(a[1]));
        op("min other", a -> a[0].min(a[1]));
        op("clamp", a -> a[0].clamp(0.0, 1.0));
        op("clamp_", a -> a[0].detach().clamp_(0.0, 1.0));
        op("relu", a -> a[0].relu());
        op("lt", a -> a[0].lt(a[1]));
        op("gt", a -> a[0].gt(0L));
        op("le", a -> a[0].le(a[1]));
        op("ge", a -> a[0].ge(0L));
        op("floor", a -> a[0].floor());
        op("ceil", a -> a[0].ceil());
        op("trunc", a -> a[0].trunc());
        op("round", a -> a[0].round());
        op("sign", a -> a[0].sign());
        op("cummax", a -> a[0].cummax(0).values());
        op("cummin", a -> a[0].cummin(0).values());
        op("kthvalue", a -> a[0].kthvalue(1).values());
        op("median", a -> a[0].median());
        op("msort", a -> a[0].msort());
        op("clamp_min", a -> a[0].clampMin(0.5));
        op("clip", a -> a[0].clip(0.0, 1.0));
        op("hardtanh", a -> Functional.hardtanh(a[0]));
        op("leaky_relu", a -> Functional.leakyRelu(a[0]));
        op("frac", a -> a[0].frac());
        op("fix", a -> a[0].fix());
        op("floor_", a -> a[0].detach().floor_());
        op("remainder", a -> a[0].remainder(2.0));
        op("fmod", a -> a[0].fmod(2.0));
        op("floor_divide", a -> a[0].floorDivide(2.0));
        op("fmax", a -> a[0].fmax(a[1]));
        op("heaviside", a -> a[0].heaviside(a[1]));
        op("signbit", a -> a[0].signbit());
        op("nan_to_num", a -> a[0].nanToNum());
        op("nan_to_num values complex64", a -> a[0].nanToNum(0.5, 9.0, -7.0));
        op("aminmax", a -> a[0].aminmax().min());
        op("histc", a -> a[0].histc(100));
        op("mode", a -> a[0].mode().values());
        op("nanmedian", a -> a[0].nanmedian());
        op("unique", a -> a[0].unique());
        op("searchsorted", a -> Tensor.searchsorted(a[0], a[1]));
        op("bucketize", a -> a[0].bucketize(a[1]));
    }

    private static Function<Tensor[], Tensor> op(String name) {
        Function<Tensor[], Tensor> f = OPS.get(name);
        if (f == null) {
            throw new IllegalArgumentException("no op for case " + name);
        }
        return f;
    }

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        return ReferenceCases.tests("/complexindexing/expected.txt", ComplexIndexingTest::op, 2e-6);
    }

    // ------------------------------------------------------------------ strings.txt, gradchecks, in-place forms

    private static final Map<String, String> S = ReferenceCases.strings("/complexindexing/strings.txt");

    /** complexindexing/make_expected.py's cseq: real parts seq(shift), imaginary parts seq(shift + 5). */
    private static Tensor cseq(DType t, int shift, int... shape) {
        return Tensor.complex(seq(shift, shape), seq(shift + 5, shape)).to(t);
    }

    private static Tensor seq(int shift, int... shape) {
        return ComplexTest.seq(shift, shape);
    }

    private static Tensor c(double[] re, double[] im) {
        return Tensor.complex(Tensor.tensor(re), Tensor.tensor(im));
    }

    private static String py(boolean b) {
        return b ? "True" : "False";
    }

    @Test
    void booleanResults() {
        Tensor a = cseq(DType.COMPLEX128, 0, 2, 3);
        assertEquals(S.get("equal same"), py(a.equal(a.clone())));
        assertEquals(S.get("equal imag differs"), py(a.equal(a.add(Complex.of(0, 0.5)))));
        assertEquals(S.get("equal real"), py(c(new double[] {1}, new double[] {0}).equal(Tensor.tensor(new double[] {1}))));
        double nan = Double.NaN;
        Tensor closeA = c(new double[] {1, 1, nan, 100, 0}, new double[] {1, 1, 0, 0, 1});
        Tensor closeB = c(new double[] {1, 1.1, nan, 100.001, 0}, new double[] {1.00001, 1, 0, 0, 0});
        assertEquals(S.get("allclose"), py(closeA.narrow(0, 0, 2).allclose(closeB.narrow(0, 0, 2), 0.1, 1e-8)));
        assertEquals(S.get("allclose not"), py(closeA.allclose(closeB)));
        assertEquals(S.get("allclose equal_nan"), py(closeA.narrow(0, 2, 1).allclose(closeB.narrow(0, 2, 1), 1e-5, 1e-8, true)));
        assertEquals(S.get("any all-zero"), py(Tensor.zeros(DType.COMPLEX64, 3).any()));
        assertEquals(S.get("any imag only"), py(c(new double[] {0, 0}, new double[] {0, 1e-30}).to(DType.COMPLEX64).any()));
        Tensor zeros = c(new double[] {0, 1, 0, 0, -2, 0}, new double[] {0, 0, 1, 0, -1, 0}).reshape(2, 3);
        assertEquals(S.get("all"), py(zeros.select(0, 0).narrow(0, 1, 2).all()));
        assertEquals(S.get("all with zero"), py(zeros.select(0, 0).all()));
    }

    private static Tensor cz(Tensor pairs) {
        return ComplexTest.cz(pairs);
    }

    @Test
    void gradcheckThroughRealViews() {
        Tensor rows = idx(2, 0, 2);
        Tensor g2 = idx(0, 2, 1, 1, 0, 0).reshape(2, 3);
        Tensor mask = Tensor.tensor(new long[] {1, 0, 1}, DType.INT64, Device.CPU).ne(0L);
        List<Function<Tensor[], Tensor>> fs = List.of(
            x -> cz(x[0]).indexSelect(0, rows).mul(cz(x[1]).gather(0, idx(1, 0, 2))).viewAsReal(),
            x -> cz(x[0]).scatter(0, idx(2, 0), cz(x[1]).narrow(0, 0, 2)).viewAsReal(),
            x -> cz(x[0]).scatterAdd(0, idx(1, 1, 0), cz(x[1])).indexAdd(0, idx(0, 2), cz(x[1]).narrow(0, 1, 2), -1.5)
                .viewAsReal(),
            x -> cz(x[0]).indexCopy(0, idx(2), cz(x[1]).narrow(0, 0, 1)).indexFill(0, idx(0), Complex.of(1, 2))
                .viewAsReal(),
            x -> cz(x[0]).put(idx(2, 0), cz(x[1]).narrow(0, 0, 2), true).take(idx(0, 1, 1)).viewAsReal(),
            x -> cz(x[0]).maskedFill(mask, cz(x[1]).select(0, 1)).maskedScatter(mask.logicalNot(), cz(x[1])).viewAsReal(),
            x -> cz(x[0]).maskedSelect(mask).mul(cz(x[1]).index(Index.of(idx(2, 0)))).viewAsReal(),
            x -> cz(x[0]).indexPut(new Index[] {Index.of(idx(0, 0))}, cz(x[1]).narrow(0, 0, 2), true).viewAsReal(),
            x -> cz(x[0]).repeat(2).unfold(0, 2, 1).diagonal(0, 0, 1).cumsum(0).viewAsReal(),
            x -> Functional.pad(cz(x[0]).reshape(1, 3), new int[] {1, 2}).tril().diagEmbed().select(0, 0).trace().mul(cz(x[1]).sum())
                .viewAsReal(),
            x -> cz(x[0]).reshape(3, 1).expand(3, 2).t().reshape(6).gather(0, g2.reshape(6).add(0L)).viewAsReal(),
            x -> cz(x[0]).cumprod(0).mul(cz(x[1]).reshape(3, 1).expand(3, 2).cumprod(1).sum(1)).viewAsReal(),
            x -> Tensor.blockDiag(List.of(cz(x[0]).reshape(1, 3), x[1].select(-1, 0).reshape(3, 1))).rot90().viewAsReal());
        ComplexTest.gradchecks(fs);
    }

    @Test
    void inPlaceForms() {
        // each in-place form equals its out-of-place form, on a tensor and on a view of one, and records its node
        Tensor base = cseq(DType.COMPLEX128, 0, 3, 2);
        Tensor src = cseq(DType.COMPLEX128, 4, 3, 2);
        Tensor mask = Tensor.tensor(new long[] {1, 0, 0, 1, 1, 0}, DType.INT64, Device.CPU).reshape(3, 2).ne(0L);
        Tensor rows = idx(2, 0);
        List<Function<Tensor, Tensor>> inPlace = List.of(
            t -> t.scatter_(0, idx(1, 2).reshape(1, 2), src.narrow(0, 0, 1)),
            t -> t.scatter_(0, idx(1, 2).reshape(1, 2), 2.5),
            t -> t.scatterAdd_(0, idx(1, 1).reshape(1, 2), src.narrow(0, 0, 1)),
            t -> t.indexAdd_(0, rows, src.narrow(0, 0, 2), 2.0),
            t -> t.indexCopy_(0, rows, src.narrow(0, 1, 2)),
            t -> t.indexFill_(0, rows, -1.0),
            t -> t.maskedFill_(mask, 0.5),
            t -> t.maskedFill_(mask, Tensor.complex(Tensor.scalar(1.0), Tensor.scalar(-3.0))),
            t -> t.maskedScatter_(mask, src),
            t -> t.put_(idx(5, 0), src.reshape(-1).narrow(0, 0, 2), true),
            t -> t.indexPut_(new Index[] {Index.of(rows)}, src.narrow(0, 0, 2), false));
        List<Function<Tensor, Tensor>> outOfPlace = List.of(
            t -> t.scatter(0, idx(1, 2).reshape(1, 2), src.narrow(0, 0, 1)),
            t -> t.scatter(0, idx(1, 2).reshape(1, 2), 2.5),
            t -> t.scatterAdd(0, idx(1, 1).reshape(1, 2), src.narrow(0, 0, 1)),
            t -> t.indexAdd(0, rows, src.narrow(0, 0, 2), 2.0),
            t -> t.indexCopy(0, rows, src.narrow(0, 1, 2)),
            t -> t.indexFill(0, rows, -1.0),
            t -> t.maskedFill(mask, 0.5),
            t -> t.maskedFill(mask, Tensor.complex(Tensor.scalar(1.0), Tensor.scalar(-3.0))),
            t -> t.maskedScatter(mask, src),
            t -> t.put(idx(5, 0), src.reshape(-1).narrow(0, 0, 2), true),
            t -> t.indexPut(new Index[] {Index.of(rows)}, src.narrow(0, 0, 2), false));
        for (int i = 0; i < inPlace.size(); i++) {
            Tensor expected = outOfPlace.get(i).apply(base);
            Tensor t = base.clone();
            assertTrue(inPlace.get(i).apply(t).equal(expected), "in-place form " + i);
            // into a view of a larger tensor, the rest of it untouched
            Tensor big = Tensor.cat(List.of(base, base.mul(2.0)), 1);
            inPlace.get(i).apply(big.narrow(1, 0, 2));
            assertTrue(big.narrow(1, 0, 2).equal(expected), "in-place form into a view " + i);
            assertTrue(big.narrow(1, 2, 2).equal(base.mul(2.0)), "in-place form into a view " + i);
            // recording history: the out-of-place form's node, and a complex gradient (Ember refuses in-place ops on
            // views of complex tensors that require grad)
            Tensor leaf = base.clone().requiresGrad_(true);
            Tensor r = inPlace.get(i).apply(leaf.mul(1.0));
            assertTrue(r.detach().equal(expected));
            assertEquals(outOfPlace.get(i).apply(leaf).gradFn().name(), r.gradFn().name());
            r.viewAsReal().sum().backward();
            assertEquals(DType.COMPLEX128, leaf.grad().dtype());
        }
    }

    @Test
    void inputsChangedAfterTheOpDoNotFailItsBackward() {
        // PyTorch's nodes of these ops save only their indices: a later in-place change of the input is no error
        Tensor leaf = cseq(DType.COMPLEX128, 0, 3, 2).requiresGrad_(true);
        Tensor w = leaf.mul(1.0);
        Tensor y = w.indexSelect(0, idx(2, 0)).add(w.maskedFill(w.isreal(), 1.0).sum());
        w.mul_(2.0);
        y.viewAsReal().sum().backward();
        Tensor expected = Tensor.zeros(DType.COMPLEX128, 3, 2).indexAdd(0, idx(2, 0), Tensor.ones(DType.COMPLEX128, 2, 2)
                .mul(Complex.of(1, 1))).add(Complex.of(4, 4)); // y is [2, 2]: the sum reaches every element 4 times
        assertTrue(leaf.grad().equal(expected), leaf.grad().toString());
    }

    @Test
    void refusedOpsChangeNothing() {
        Tensor z = cseq(DType.COMPLEX64, 0, 4);
        Tensor before = z.viewAsReal().clone();
        List<Runnable> refused = List.of(() -> z.clamp_(0.0, 1.0), () -> z.floor_(), () -> z.relu_(), () -> z.sort(),
            () -> z.scatterReduce_(0, idx(0, 1), z.narrow(0, 0, 2), "amax", true),
            () -> z.scatter_(0, idx(0), Tensor.ones(1)), () -> z.indexAdd_(0, idx(0), Tensor.ones(1)),
            () -> z.maskedScatter_(z.isreal(), Tensor.ones(4)), () -> z.put_(idx(1), Tensor.ones(1)),
            () -> z.indexPut_(new Index[] {Index.of(idx(1))}, Tensor.ones(1), false));
        for (Runnable r : refused) {
            org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, r::run);
            assertTrue(before.equal(z.viewAsReal()));
        }
        // a real tensor takes a complex number only with a zero imaginary part, as PyTorch converts it
        Tensor x = Tensor.ones(3);
        Tensor m = Tensor.tensor(new long[] {1, 0, 1}, DType.INT64, Device.CPU).ne(0L);
        assertEquals("value cannot be converted to type float without overflow", org.junit.jupiter.api.Assertions
                .assertThrows(IllegalArgumentException.class, () -> x.maskedFill(m, Complex.of(1, 2))).getMessage());
        assertTrue(x.maskedFill(m, Complex.of(2, 0)).equal(x.maskedFill(m, 2.0)));
    }
}
