package dev.ember;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The indexing family's {@code Backend} defaults, which run the CPU's kernels on host copies (what CUDA runs until it has
 * its own kernels): every op on a fake device whose indexing methods are those defaults gives the CPU's values and
 * gradients, with views, broadcast operands and empty tensors, and raises the CPU's errors.
 */
class IndexingHostFallbackTest {
    private static final Device FAKE = Device.cuda(0);
    private static final Generator GEN = new Generator(99);

    @BeforeAll
    static void fakeDevice() {
        Backends2.registerFakeCuda(Set.of("gather", "scatter", "scatterAdd", "nonzeroCount", "nonzero", "linearIndex"));
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(2.0).sub(1.0);
    }

    static Tensor l(long... v) {
        return Tensor.tensor(v, DType.INT64);
    }

    static Tensor l2(long[]... rows) {
        return Tensor.tensor(rows, DType.INT64);
    }

    static Tensor b(boolean... v) {
        return Tensor.tensor(v, DType.BOOL);
    }

    /** f on the CPU and on the fake device: the same values, then the same gradients for a random output gradient. */
    static void parity(String name, Function<Tensor[], Tensor> f, Tensor... cpuInputs) {
        Tensor[] a = new Tensor[cpuInputs.length];
        Tensor[] d = new Tensor[cpuInputs.length];
        for (int i = 0; i < cpuInputs.length; i++) {
            boolean grad = cpuInputs[i].dtype().isFloatingPoint();
            a[i] = cpuInputs[i].detach().clone().requiresGrad_(grad);
            d[i] = cpuInputs[i].detach().to(FAKE).requiresGrad_(grad);
        }
        Tensor outA = f.apply(a);
        Tensor outD = f.apply(d);
        assertEquals(FAKE, outD.device(), name);
        assertArrayEquals(outA.shape(), outD.shape(), name);
        assertEquals(outA.dtype(), outD.dtype(), name);
        assertArrayEquals(outA.toDoubleArray(), outD.cpu().toDoubleArray(), name + " forward");
        if (!outA.requiresGrad()) {
            return;
        }
        Tensor g = r(outA.shape()).to(outA.dtype());
        outA.backward(g);
        outD.backward(g.to(FAKE));
        for (int i = 0; i < a.length; i++) {
            if (a[i].grad() == null) {
                continue;
            }
            assertEquals(FAKE, d[i].grad().device(), name);
            assertArrayEquals(a[i].grad().toDoubleArray(), d[i].grad().cpu().toDoubleArray(), name + " grad of input " + i);
        }
    }

    private static DynamicTest p(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> parity(name, f, in));
    }

    @TestFactory
    List<DynamicTest> ops() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor idx = l2(new long[] {0, 4, 1, 4}, new long[] {2, 2, 0, 3});
        t.add(p("indexSelect of a transpose", x -> x[0].t().indexSelect(1, x[1]), r(7, 5), l(3, 0, 3, 4)));
        t.add(p("indexSelect empty index", x -> x[0].indexSelect(0, x[1]), r(3, 2), l()));
        t.add(p("gather", x -> x[0].gather(1, x[1]), r(2, 5), idx));
        t.add(p("gather of a broadcast input", x -> x[0].expand(2, 5).gather(1, x[1]), r(5), idx));
        t.add(p("scatter src", x -> x[0].scatter(1, x[1], x[2]), r(2, 5), idx, r(2, 4)));
        t.add(p("scatter value", x -> x[0].scatter(1, x[1], -3.0), r(2, 5), idx));
        t.add(p("scatter_ on a transpose of a non-leaf", x -> x[0].mul(1.0).t().scatter_(0, x[1].t(), x[2].t()), r(2, 5),
                idx, r(2, 4)));
        t.add(p("scatterAdd", x -> x[0].scatterAdd(1, x[1], x[2]), r(2, 5), idx, r(2, 4)));
        for (String red : List.of("sum", "prod", "mean", "amax", "amin")) {
            t.add(p("scatterReduce " + red, x -> x[0].scatterReduce(1, x[1], x[2], red, false), r(2, 5), idx, r(2, 4)));
            t.add(p("scatterReduce int64 " + red, x -> x[0].scatterReduce(0, x[1], x[2], red, true), l(3, -4, 9),
                    l(2, 2, 0, 1), l(5, -7, 2, 8)));
        }
        t.add(p("indexAdd", x -> x[0].indexAdd(0, x[1], x[2], 2.0), r(3, 4), l(2, 0, 2), r(3, 4)));
        t.add(p("indexCopy", x -> x[0].indexCopy(1, x[1], x[2]), r(3, 4), l(3, 0), r(3, 2)));
        t.add(p("indexFill negative", x -> x[0].indexFill(1, x[1], 0.5), r(3, 4), l(-1, 0)));
        t.add(p("take", x -> x[0].take(x[1]), r(3, 4), l2(new long[] {11, -12}, new long[] {0, 5})));
        t.add(p("takeAlongDim", x -> x[0].takeAlongDim(x[1], 1), r(3, 4), l2(new long[] {1, 3})));
        t.add(p("x[idx, :, idx2]", x -> x[0].index(Index.of(x[1]), Index.all(), Index.of(x[2])), r(3, 4, 5), l(2, -1),
                l2(new long[] {4}, new long[] {0})));
        t.add(p("x[mask] of a 3-d mask", x -> x[0].index(Index.of(x[0].gt(0.0))), r(3, 4, 5)));
        t.add(p("x[1:, None, idx]", x -> x[0].index(Index.slice(1, null, null), Index.newAxis(), Index.of(x[1])), r(3, 4),
                l(3, 3, 0)));
        t.add(p("x[empty]", x -> x[0].index(Index.of(x[1])), r(3, 4), l()));
        t.add(p("indexPut accumulate", x -> x[0].indexPut(new Index[] {Index.of(x[1])}, x[2], true), r(4, 2), l(3, 3, 0),
                r(2)));
        t.add(p("indexPut_ mask on a non-leaf", x -> {
            Tensor y = x[0].mul(1.0);
            y.indexPut_(new Index[] {Index.all(), Index.of(x[1])}, x[2], false);
            return y;
        }, r(3, 4), b(true, false, false, true), r(3, 1)));
        t.add(p("indexPut_ separated through a view", x -> {
            Tensor y = x[0].mul(1.0);
            y.index(Index.slice(1, null, null)).indexPut_(new Index[] {Index.of(x[1]), Index.all(), Index.of(x[1])},
                    x[2], true);
            return y;
        }, r(3, 3, 3), l(0, 1, 1), r(3)));
        t.add(p("maskedFill", x -> x[0].maskedFill(x[1], x[2]), r(2, 3), b(true, false, true), r()));
        t.add(p("maskedFill_ broadcast", x -> x[0].mul(1.0).maskedFill_(x[1], 9.0), r(2, 3), b(false, true, true)));
        t.add(p("maskedSelect broadcast", x -> x[0].maskedSelect(x[1]), r(3), b(true, false, true).expand(2, 3)));
        t.add(p("maskedScatter", x -> x[0].maskedScatter(x[1], x[2]), r(2, 3), b(true, false, true), r(7)));
        t.add(p("maskedScatter_", x -> x[0].mul(1.0).maskedScatter_(x[1], x[2]), r(2, 3), b(true, false, true), r(7)));
        t.add(p("nonzero", x -> x[0].gt(0.0).nonzero(), r(3, 4, 5)));
        t.add(p("nonzero of a transpose", x -> x[0].t().nonzero(), l2(new long[] {0, 2}, new long[] {3, 0})));
        t.add(p("nonzero empty", x -> x[0].nonzero(), r(0, 3)));
        t.add(p("argwhere 0-d", x -> x[0].argwhere(), l(5).reshape()));
        t.add(p("repeatInterleave", x -> x[0].repeatInterleave(x[1], 0), r(3, 2), l(2, 0, 3)));
        return t;
    }

    @Test
    void errorsComeFromTheHostKernels() {
        Tensor x = r(3, 4).to(FAKE);
        Throwable e = assertThrows(IndexOutOfBoundsException.class, () -> x.index(Index.all(), Index.of(l(2, 4).to(FAKE))));
        assertEquals("index 4 is out of bounds for dimension 0 with size 4", e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> x.take(l(-13).to(FAKE)));
        assertEquals("out of range: tried to access index -13 on a tensor of 12 elements.", e.getMessage());
        Tensor y = x.clone();
        e = assertThrows(IllegalArgumentException.class, () -> y.scatter_(0, l2(new long[] {3}).to(FAKE), 1.0));
        assertEquals("index 3 is out of bounds for dimension 0 with size 3", e.getMessage());
        assertArrayEquals(x.cpu().toDoubleArray(), y.cpu().toDoubleArray());
        assertEquals(0, y.version());
    }
}
