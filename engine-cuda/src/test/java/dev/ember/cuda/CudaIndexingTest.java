package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Index;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The indexing ops on CUDA against the CPU reference, forward and backward: odd sizes, views, broadcast operands, repeated
 * indices and empty tensors. CUDA runs the indexing family through the {@code Backend} defaults (the CPU's kernels on
 * host copies) until it has kernels of its own; this test holds either way.
 */
class CudaIndexingTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(2025);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(2.0).sub(1.0);
    }

    private static Tensor l(long... v) {
        return Tensor.tensor(v, DType.INT64);
    }

    private static Tensor l2(long[]... rows) {
        return Tensor.tensor(rows, DType.INT64);
    }

    private static Tensor b(boolean... v) {
        return Tensor.tensor(v, DType.BOOL);
    }

    /** Random int64 indices in [0, bound) of a shape. */
    private static Tensor idx(long bound, int... shape) {
        return Tensor.randint(0, bound, shape);
    }

    private static DynamicTest p(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> CudaParityTest.parity(name, f, in));
    }

    @TestFactory
    List<DynamicTest> ops() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor gi = idx(37, 19, 23);
        t.add(p("indexSelect of a transpose, odd sizes", x -> x[0].t().indexSelect(1, x[1]), r(53, 37), idx(53, 101)));
        t.add(p("indexSelect embedding rows", x -> x[0].indexSelect(0, x[1]), r(1000, 17), idx(1000, 333)));
        t.add(p("indexSelect empty index", x -> x[0].indexSelect(0, x[1]), r(3, 2), l()));
        t.add(p("gather with repeats", x -> x[0].gather(1, x[1]), r(19, 37), gi));
        t.add(p("gather of a broadcast input", x -> x[0].expand(19, 37).gather(1, x[1]), r(37), gi));
        t.add(p("scatter src", x -> x[0].scatter(1, x[1], x[2]), r(19, 37), gi, r(19, 23)));
        t.add(p("scatter value", x -> x[0].scatter(1, x[1], -3.0), r(19, 37), gi));
        t.add(p("scatterAdd with repeats", x -> x[0].scatterAdd(1, x[1], x[2]), r(19, 37), gi, r(19, 23)));
        for (String red : List.of("sum", "prod", "mean", "amax", "amin")) {
            t.add(p("scatterReduce " + red, x -> x[0].scatterReduce(1, x[1], x[2], red, false), r(19, 37), gi, r(19, 23)));
            t.add(p("scatterReduce int64 " + red, x -> x[0].scatterReduce(0, x[1], x[2], red, true),
                    Tensor.randint(-9, 9, 11), idx(11, 29), Tensor.randint(-9, 9, 29)));
        }
        t.add(p("indexAdd with alpha", x -> x[0].indexAdd(0, x[1], x[2], 0.5), r(41, 7), idx(41, 59), r(59, 7)));
        t.add(p("indexCopy", x -> x[0].indexCopy(1, x[1], x[2]), r(5, 9), l(8, 0, 3), r(5, 3)));
        t.add(p("indexFill negative", x -> x[0].indexFill(1, x[1], 0.5), r(5, 9), l(-1, 0, 4)));
        t.add(p("take", x -> x[0].take(x[1]), r(13, 11), idx(143, 7, 9)));
        t.add(p("takeAlongDim", x -> x[0].takeAlongDim(x[1], 1), r(13, 11), idx(11, 1, 5)));
        t.add(p("x[idx, :, idx2] separated", x -> x[0].index(Index.of(x[1]), Index.all(), Index.of(x[2])), r(7, 5, 9),
                idx(7, 3, 1), idx(9, 4)));
        t.add(p("x[mask] of a 3-d mask", x -> x[0].index(Index.of(x[0].gt(0.0))), r(7, 5, 9)));
        t.add(p("x[1:, None, idx]", x -> x[0].index(Index.slice(1, null, null), Index.newAxis(), Index.of(x[1])), r(9, 13),
                idx(13, 17)));
        t.add(p("x[empty]", x -> x[0].index(Index.of(x[1])), r(3, 4), l()));
        t.add(p("indexPut accumulate with repeats", x -> x[0].indexPut(new Index[] {Index.of(x[1])}, x[2], true), r(31, 3),
                idx(31, 97), r(97, 3)));
        t.add(p("indexPut_ mask on a non-leaf", x -> {
            Tensor y = x[0].mul(1.0);
            y.indexPut_(new Index[] {Index.all(), Index.of(x[1])}, x[2], false);
            return y;
        }, r(3, 4), b(true, false, false, true), r(3, 1)));
        t.add(p("maskedFill", x -> x[0].maskedFill(x[1], x[2]), r(7, 9), r(9).gt(0.0), r()));
        t.add(p("maskedSelect broadcast", x -> x[0].maskedSelect(x[1]), r(9), r(7, 9).gt(0.0)));
        t.add(p("maskedScatter", x -> x[0].maskedScatter(x[1], x[2]), r(7, 9), r(7, 9).gt(0.0), r(70)));
        t.add(p("nonzero", x -> x[0].gt(0.0).nonzero(), r(7, 5, 9)));
        t.add(p("nonzero empty", x -> x[0].nonzero(), r(0, 3)));
        t.add(p("repeatInterleave", x -> x[0].repeatInterleave(x[1], 0), r(6, 5), l(2, 0, 3, 1, 1, 4)));
        return t;
    }

    @Test
    void indexErrorsAreRaised() {
        Tensor x = r(3, 4).to(GPU);
        Throwable e = assertThrows(IndexOutOfBoundsException.class,
                () -> x.index(Index.all(), Index.of(l(2, 4).to(GPU))).cpu());
        assertEquals("index 4 is out of bounds for dimension 0 with size 4", e.getMessage());
        Tensor y = x.clone();
        assertThrows(RuntimeException.class, () -> y.scatter_(0, l2(new long[] {3}).to(GPU), 1.0).cpu());
        assertArrayEquals(x.cpu().toDoubleArray(), y.cpu().toDoubleArray());
    }
}
