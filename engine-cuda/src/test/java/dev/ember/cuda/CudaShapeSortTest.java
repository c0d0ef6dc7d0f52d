package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;

/**
 * Shape ops, sorting and scans on CUDA against the CPU reference (forward and backward), on odd sizes, non-contiguous
 * and broadcast operands and empty tensors. Sorting and scans run sort_kernels.cu (CudaSortKernels; unique and weighted
 * bincount the SPI's host defaults; CudaSortKernelsTest compares them exactly); the shape ops are copies (flip through
 * negative strides) and existing kernels.
 */
@ExtendWith(CudaGate.class)
class CudaShapeSortTest {
    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static final Generator GEN = new Generator(314);

    private static Tensor r(int... shape) {
        return uniform(GEN, 1.0, shape);
    }

    private static Tensor sumOf(List<Tensor> parts) {
        Tensor s = null;
        int i = 1;
        for (Tensor part : parts) {
            Tensor term = part.mul((double) i++).sum();
            s = s == null ? term : s.add(term);
        }
        return s;
    }

    @TestFactory
    List<DynamicTest> sortingAndScans() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("sort", x -> x[0].sort(1, false).values(), r(37, 129)));
        t.add(p("sort descending, transposed", x -> x[0].t().sort(1, true).values(), r(37, 19)));
        t.add(p("sort indices", x -> x[0].sort(0, false).indices().toFloat(), r(33, 7)));
        t.add(p("sort broadcast", x -> x[0].expand(5, 17).sort(1, true).values(), r(17)));
        t.add(p("sort empty", x -> x[0].sort(1, false).values(), r(0, 5)));
        t.add(p("argsort int64", x -> x[0].argsort(1, true).toFloat(), Tensor.randint(0, 5, 9, 31)));
        t.add(p("topk", x -> x[0].topk(5, 1, true, true).values(), r(23, 101)));
        t.add(p("topk smallest", x -> x[0].topk(3, 0, false, true).values(), r(29, 3)));
        t.add(p("kthvalue", x -> x[0].kthvalue(7, 1, false).values(), r(11, 41)));
        t.add(p("median", x -> x[0].median(), r(1001)));
        t.add(p("median dim", x -> x[0].median(0, true).values(), r(15, 9)));
        t.add(p("nanmedian", x -> x[0].nanmedian(1, false).values(), r(6, 13)));
        t.add(p("mode", x -> x[0].mode(1, false).values(), Tensor.randint(0, 4, 13, 17).toFloat()));
        t.add(p("cumsum", x -> x[0].cumsum(1), r(17, 257)));
        t.add(p("cumsum transposed", x -> x[0].t().cumsum(0), r(17, 33)));
        t.add(p("cumsum int64", x -> x[0].cumsum(0).toFloat(), Tensor.randint(-9, 9, 31, 5)));
        t.add(p("cumprod", x -> x[0].cumprod(1), r(9, 21).mul(0.5).add(1.0)));
        t.add(p("cummax", x -> x[0].cummax(1).values(), r(9, 77)));
        t.add(p("cummin indices", x -> x[0].cummin(0).indices().toFloat(), r(77, 9)));
        t.add(p("logcumsumexp", x -> x[0].logcumsumexp(1), r(9, 77)));
        t.add(p("unique", x -> x[0].unique(true, true, true).counts().toFloat(), Tensor.randint(0, 20, 301)));
        t.add(p("unique dim", x -> x[0].unique(true, false, false, 0).values().detach(), Tensor.randint(0, 2, 40, 3).toFloat()));
        t.add(p("searchsorted", x -> Tensor.searchsorted(x[0], x[1], true).toFloat(),
                Tensor.arange(0, 101, 1, DType.FLOAT32).div(10.0), r(7, 13).mul(6).add(4.0)));
        t.add(p("histc", x -> x[0].histc(13, -1, 1), r(1001)));
        t.add(p("bincount", x -> x[0].bincount(9).toFloat(), Tensor.randint(0, 7, 1001)));
        return t;
    }

    @TestFactory
    List<DynamicTest> shapeOps() {
        List<DynamicTest> t = new ArrayList<>();
        t.add(p("split", x -> sumOf(x[0].split(3, 1)), r(7, 17)));
        t.add(p("chunk", x -> sumOf(x[0].chunk(4, 0)), r(13, 5)));
        t.add(p("unbind", x -> sumOf(x[0].unbind(1)), r(5, 9)));
        t.add(p("repeat", x -> x[0].repeat(2, 3, 1), r(7, 5)));
        t.add(p("repeat transposed", x -> x[0].t().repeat(3, 2), r(7, 5)));
        t.add(p("repeatInterleave", x -> x[0].repeatInterleave(3, 0), r(7, 5)));
        t.add(p("flip (negative strides)", x -> x[0].flip(0, 2), r(5, 7, 9)));
        t.add(p("flip of a transpose", x -> x[0].t().flip(1), r(13, 6)));
        t.add(p("roll", x -> x[0].roll(new int[] {3, -5}, new int[] {0, 1}), r(11, 17)));
        t.add(p("roll flat", x -> x[0].roll(7), r(11, 17)));
        t.add(p("movedim and unflatten", x -> x[0].movedim(0, 2).unflatten(0, 3, 2).mul(2.0), r(4, 6, 5)));
        t.add(p("tril", x -> x[0].tril(-1), r(3, 17, 13)));
        t.add(p("triu", x -> x[0].triu(2), r(13, 17)));
        t.add(p("diag", x -> x[0].diag(1), r(17, 13)));
        t.add(p("diagEmbed", x -> x[0].diagEmbed(-2, 0, 2), r(5, 7)));
        t.add(p("diagonal", x -> x[0].diagonal(1, 2, 0).mul(3.0), r(5, 4, 7)));
        t.add(p("trace", x -> x[0].trace(), r(17, 13)));
        t.add(p("outer", x -> x[0].outer(x[1]), r(17), r(13)));
        t.add(p("kron", x -> x[0].kron(x[1]), r(3, 5), r(4, 2)));
        t.add(p("meshgrid", x -> sumOf(Tensor.meshgrid(List.of(x[0], x[1]), "xy")), r(7), r(5)));
        t.add(p("broadcastTo", x -> x[0].broadcastTo(3, 5, 7).mul(x[0]), r(5, 1)));
        t.add(p("pad constant", x -> Functional.pad(x[0], new int[] {2, -1, 1, 3}, "constant", 0.5), r(3, 5, 7)));
        t.add(p("pad reflect 2d", x -> Functional.pad(x[0], new int[] {3, 2, 1, 4}, "reflect"), r(2, 3, 7, 9)));
        t.add(p("pad replicate 3d", x -> Functional.pad(x[0], new int[] {1, 2, 3, 0, 1, 1}, "replicate"), r(1, 2, 3, 5, 7)));
        t.add(p("pad circular", x -> Functional.pad(x[0], new int[] {2, 3, -1, 2}, "circular"), r(2, 3, 5, 7)));
        t.add(p("reshape that copies", x -> x[0].t().reshape(-1).mul(2.0), r(13, 7)));
        // session 18's views and stacks (their backward is an index_add on the device)
        t.add(p("unfold overlapping", x -> x[0].unfold(1, 5, 2).mul(x[0].unfold(1, 5, 2)), r(3, 17, 4)));
        t.add(p("unfold transposed", x -> x[0].t().unfold(0, 3, 4).mul(2.0), r(7, 13)));
        t.add(p("asStrided overlapping", x -> x[0].asStrided(new int[] {9, 4}, new int[] {3, 1}, 2).mul(2.0), r(5, 7)));
        t.add(p("asStrided of an expanded input", x -> x[0].expand(5, 6).asStrided(new int[] {3, 3}, new int[] {1, 1}, 1)
                .mul(x[0].expand(5, 6).asStrided(new int[] {3, 3}, new int[] {1, 1}, 1)), r(5, 1)));
        t.add(p("hstack vstack dstack", x -> Tensor.hstack(List.of(x[0], x[1])).sum().add(Tensor.vstack(List.of(x[0], x[1]))
                .mul(2.0).sum()).add(Tensor.dstack(List.of(x[0], x[1])).mul(3.0).sum()), r(3, 5), r(3, 5)));
        t.add(p("columnStack", x -> Tensor.columnStack(List.of(x[0], x[1])), r(7), r(7, 3)));
        t.add(p("squeeze dims", x -> x[0].squeeze(1, 3).mul(2.0), r(5, 1, 3, 1)));
        t.add(p("swapaxes moveaxis", x -> x[0].swapaxes(0, 2).moveaxis(0, 1).mul(2.0), r(3, 4, 5)));
        t.add(p("fliplr flipud", x -> x[0].fliplr().flipud().mul(x[0]), r(5, 7)));
        t.add(p("atleast", x -> x[0].sum().atleast3d().add(x[0].atleast2d().sum()).mul(x[0].atleast1d().sum()), r(6)));
        t.add(p("typeAs newZeros newFull", x -> x[0].typeAs(x[1]).add(x[0].newZeros(3, 4)).add(x[0].newFull(new int[] {4},
                1.5)), r(3, 4), r(2).toDouble()));
        t.add(p("logspace", x -> Tensor.logspace(-1, 2, 9).to(x[0].device()).mul(x[0]), r(9)));
        t.add(p("rot90", x -> x[0].rot90(1, 0, 2).mul(x[0].rot90(1, 0, 2)), r(5, 3, 7)));
        t.add(p("rot90 transposed", x -> x[0].t().rot90(3, 0, 1).mul(2.0), r(9, 4)));
        t.add(p("diff with prepend", x -> x[0].diff(2, 1, x[1], null).mul(3.0), r(4, 9), r(4, 2)));
        t.add(p("blockDiag", x -> Tensor.blockDiag(List.of(x[0], x[1], x[2].sum())).mul(2.0), r(3, 5), r(7), r(2)));
        t.add(p("cartesianProd", x -> Tensor.cartesianProd(List.of(x[0], x[1])).mul(2.0), r(5), r(3)));
        t.add(p("combinations", x -> x[0].combinations(2, false).mul(2.0), r(7)));
        t.add(p("triuIndices", x -> Tensor.triuIndices(5, 7, -1).to(x[0].device()).toFloat().add(x[0]), r(1)));
        t.add(p("cov weighted", x -> x[0].cov(1, Tensor.tensor(new long[] {1, 2, 1, 3, 1, 2, 1}).to(x[0].device()),
                x[1].abs().add(0.5)), r(4, 7), r(7)));
        t.add(p("corrcoef", x -> x[0].corrcoef(), r(5, 9)));
        t.add(p("matrixPower", x -> x[0].mul(0.25).add(Tensor.eye(5, 5, DType.FLOAT32).to(x[0].device()).mul(2.0))
                .linalgMatrixPower(-3), r(2, 5, 5)));
        t.add(p("logdet", x -> x[0].mul(0.25).add(Tensor.eye(4, 4, DType.FLOAT32).to(x[0].device()).mul(2.0)).logdet(),
                r(3, 4, 4)));
        t.add(p("isin", x -> x[0].round().isin(x[1].round()).toFloat().add(x[0]), r(9, 13), r(40)));
        return t;
    }
}
