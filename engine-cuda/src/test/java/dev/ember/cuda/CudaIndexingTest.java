package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Index;
import dev.ember.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The indexing ops on CUDA against the CPU reference, forward and backward: odd sizes, views, broadcast operands, repeated
 * indices and empty tensors; then each kernel of index_kernels.cu (CudaIndexKernels) in every dtype, its deterministic
 * path, nonzero over several tiles, and the device-side index checks, which raise at the next synchronization with the
 * CPU's message.
 */
@ExtendWith(CudaGate.class)
class CudaIndexingTest {
    private static final Generator GEN = new Generator(2025);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    @AfterEach
    void restore() {
        Ember.useDeterministicAlgorithms(false);
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 1.0, shape);
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

    // ------------------------------------------------------------------ index_kernels.cu, kernel by kernel

    private static final List<DType> TYPES = List.of(DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT16,
            DType.INT8, DType.UINT8, DType.BOOL);

    /** Values of a type: floats in [-4, 4), integers in [-9, 9] (uint8 in [0, 18]), bool about half true. */
    private static Tensor v(DType t, int... shape) {
        if (t.isFloatingPoint()) {
            return Tensor.rand(GEN, t, shape).mul(8.0).sub(4.0);
        }
        Tensor ints = Tensor.rand(GEN, DType.FLOAT64, shape).mul(19.0).sub(9.0).floor();
        if (t == DType.BOOL) {
            return ints.gt(0.0);
        }
        return (t == DType.UINT8 ? ints.add(9.0) : ints).to(t);
    }

    /**
     * f on the CPU and on CUDA: one device, dtype and shape, and the same values, bit for bit where {@code exact} (and
     * always for integer and bool results), else within CudaParityTest's tolerance (float sums added with atomics).
     */
    private static void same(String name, boolean exact, Function<Tensor[], Tensor> f, Tensor... cpuInputs) {
        Tensor[] onGpu = new Tensor[cpuInputs.length];
        for (int i = 0; i < cpuInputs.length; i++) {
            onGpu[i] = cpuInputs[i].to(GPU);
        }
        Tensor expected = f.apply(cpuInputs);
        Tensor actual = f.apply(onGpu);
        assertEquals(GPU, actual.device(), name);
        Tensor back = actual.cpu();
        assertEquals(expected.dtype(), back.dtype(), name);
        assertArrayEquals(expected.shape(), back.shape(), name);
        if (expected.dtype() == DType.INT64) {
            assertArrayEquals(expected.toLongArray(), back.toLongArray(), name);
        } else if (exact || !expected.dtype().isFloatingPoint()) {
            // without a delta, assertArrayEquals compares the doubles' bits (every NaN alike)
            assertArrayEquals(expected.toDoubleArray(), back.toDoubleArray(), name);
        } else {
            CudaParityTest.assertClose(name, expected, back);
        }
    }

    private static DynamicTest s(String name, boolean exact, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> same(name, exact, f, in));
    }

    @TestFactory
    List<DynamicTest> everyKernelInEveryType() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType dt : TYPES) {
            String n = " " + dt;
            Tensor x = v(dt, 19, 37);
            Tensor gi = idx(37, 19, 23);
            // gather_b*: gather, index_select, take (through linear_index), advanced indexing
            t.add(s("gather" + n, true, a -> a[0].gather(1, a[1]), x, gi));
            t.add(s("gather of a transpose" + n, true, a -> a[0].t().gather(0, a[1]), x, idx(37, 23, 19)));
            t.add(s("indexSelect" + n, true, a -> a[0].indexSelect(0, a[1]), x, idx(19, 41)));
            t.add(s("take with negative indices" + n, true, a -> a[0].take(a[1]), x, Tensor.randint(-703, 703, 5, 7)));
            t.add(s("x[idx]" + n, true, a -> a[0].index(Index.of(a[1])), x, idx(19, 3, 4)));
            t.add(s("x[i, j] broadcast, negative" + n, true, a -> a[0].index(Index.of(a[1]), Index.of(a[2])), x,
                    Tensor.randint(-19, 19, 5, 1), Tensor.randint(-37, 37, 6)));
            t.add(s("x[mask]" + n, true, a -> a[0].index(Index.of(a[1])), x, r(19, 37).gt(0.0)));
            // nonzero_*
            t.add(s("nonzero" + n, true, a -> a[0].nonzero(), x));
            t.add(s("nonzero of a transpose" + n, true, a -> a[0].t().nonzero(), x));
            // scatter_claim*, scatter_assign_b*: the last of repeated indices wins, as on the CPU
            t.add(s("scatter with repeats" + n, true, a -> a[0].scatter(1, a[1], a[2]), x, gi, v(dt, 19, 23)));
            t.add(s("scatter value with repeats" + n, true, a -> a[0].scatter(1, a[1], 1.0), x, gi));
            t.add(s("indexCopy" + n, true, a -> a[0].indexCopy(1, a[1], a[2]), x, l(8, 0, 3, 36), v(dt, 19, 4)));
            t.add(s("indexPut_ mask" + n, true, a -> {
                Tensor y = a[0].clone();
                y.indexPut_(new Index[] {Index.of(a[1])}, a[2], false);
                return y;
            }, x, r(19, 37).gt(0.0), v(dt, 1)));
            // scatter_init_*, scatter_reduce_*, scatter_mean_*
            for (String red : List.of("sum", "prod", "mean", "amax", "amin")) {
                if (dt == DType.BOOL && red.equals("mean")) {
                    continue;
                }
                boolean exact = !dt.isFloatingPoint() || red.startsWith("am");
                for (boolean self : new boolean[] {true, false}) {
                    t.add(s("scatterReduce " + red + (self ? "" : " without self") + n, exact,
                            a -> a[0].scatterReduce(1, a[1], a[2], red, self), x, gi, v(dt, 19, 23)));
                }
            }
            t.add(s("scatterReduce_ sum into a transposed view" + n, !dt.isFloatingPoint(), a -> {
                Tensor y = a[0].clone();
                y.t().scatterReduce_(0, a[1], a[2], "sum", true);
                return y;
            }, x, idx(37, 11, 19), v(dt, 11, 19)));
            if (dt != DType.BOOL) {
                t.add(s("scatterAdd" + n, !dt.isFloatingPoint(), a -> a[0].scatterAdd(1, a[1], a[2]), x, gi, v(dt, 19, 23)));
                t.add(s("indexAdd" + n, !dt.isFloatingPoint(), a -> a[0].indexAdd(0, a[1], a[2]), x, idx(19, 29),
                        v(dt, 29, 37)));
                t.add(s("indexPut accumulate" + n, !dt.isFloatingPoint(),
                        a -> a[0].indexPut(new Index[] {Index.of(a[1])}, a[2], true), x, idx(19, 50), v(dt, 50, 37)));
            }
        }
        return t;
    }

    @TestFactory
    List<DynamicTest> edgeValues() {
        List<DynamicTest> t = new ArrayList<>();
        float nan = Float.NaN;
        Tensor dst = Tensor.tensor(new float[][] {{1, -2, 3, nan}, {0, 5, -6, 7}});
        Tensor src = Tensor.tensor(new float[][] {{nan, 4, -1, 2, 9}, {-3, nan, 8, -8, 1}});
        Tensor index = l2(new long[] {0, 1, 1, 2, 0}, new long[] {3, 3, 0, 2, 2});
        for (String red : List.of("amax", "amin", "sum", "prod", "mean")) {
            for (boolean self : new boolean[] {true, false}) {
                t.add(s("NaN in " + red + (self ? "" : " without self"), true,
                        a -> a[0].scatterReduce(1, a[1], a[2], red, self), dst, index, src));
            }
        }
        // integer mean rounds down (floor division), with and without the element itself
        Tensor ints = l(-7, 5, -1, 0, 3);
        for (boolean self : new boolean[] {true, false}) {
            t.add(s("int64 mean floors negatives" + (self ? "" : " without self"), true,
                    a -> a[0].scatterReduce(0, a[1], a[2], "mean", self), ints, l(0, 0, 2, 2, 2, 3), l(-4, 2, -3, -3, 1, 6)));
            t.add(s("int8 mean and wrapping sum" + (self ? "" : " without self"), true,
                    a -> a[0].to(DType.INT8).scatterReduce(0, a[1], a[2].to(DType.INT8), "mean", self), l(100, -100, 3),
                    l(0, 0, 1, 1, 2), l(100, 90, -100, -90, 7)));
        }
        t.add(s("nonzero of -0.0 and NaN", true, a -> a[0].nonzero(), Tensor.tensor(new float[] {-0f, nan, 0f, 1f, -2f})));
        // nonzero over several tiles of 4096 elements, dense, sparse, non-contiguous and of rank 5
        Tensor big = r(3, 4099);
        t.add(s("nonzero over tiles", true, a -> a[0].gt(-0.5).nonzero(), big));
        t.add(s("nonzero over tiles, sparse", true, a -> a[0].gt(0.999).nonzero(), big));
        t.add(s("nonzero over tiles of a transpose", true, a -> a[0].t().gt(0.0).nonzero(), big));
        t.add(s("nonzero rank 5", true, a -> a[0].gt(0.0).nonzero(), r(2, 3, 1, 5, 7)));
        t.add(s("nonzero of a 0-dim", true, a -> a[0].nonzero(), Tensor.tensor(2.5)));
        t.add(s("maskedSelect over tiles", true, a -> a[0].maskedSelect(a[0].gt(0.25)), r(5, 3001)));
        // linear_index over more than three index tensors (two launches)
        t.add(s("x[i, j, k, l]", true, a -> a[0].index(Index.of(a[1]), Index.of(a[2]), Index.of(a[3]), Index.of(a[4])),
                r(2, 3, 4, 5), idx(2, 7), Tensor.randint(-3, 3, 7), idx(4, 1), Tensor.randint(-5, 5, 7)));
        return t;
    }

    @TestFactory
    List<DynamicTest> deterministicFloatScattersAreTheCpus() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType dt : List.of(DType.FLOAT32, DType.FLOAT64)) {
            String n = " " + dt;
            // 300 lines along dim 0: scatter_line_*; 1-D and 4000 long: the host's kernel; 1-D and 300 long: one line
            for (String red : List.of("sum", "prod", "mean")) {
                t.add(s("deterministic " + red + ", many lines" + n, true, a -> deterministic(
                        () -> a[0].scatterReduce(0, a[1], a[2], red, false)), v(dt, 41, 300), idx(41, 97, 300),
                        v(dt, 97, 300)));
            }
            t.add(s("deterministic indexAdd, one long line" + n, true, a -> deterministic(
                    () -> a[0].indexAdd(0, a[1], a[2])), Tensor.zeros(7).to(dt), idx(7, 4000), v(dt, 4000)));
            t.add(s("deterministic indexAdd, one short line" + n, true, a -> deterministic(
                    () -> a[0].indexAdd(0, a[1], a[2])), Tensor.zeros(7).to(dt), idx(7, 300), v(dt, 300)));
            t.add(s("deterministic embedding backward" + n, true, a -> deterministic(() -> {
                Tensor w = a[0].detach().requiresGrad_(true);
                Tensor.embedding(w, a[1], -1, false).backward(a[2]);
                return w.grad();
            }), v(dt, 50, 16), idx(50, 8, 33), v(dt, 8, 33, 16)));
        }
        return t;
    }

    /** f's result with deterministic algorithms on (turned off again by {@link #restore()}). */
    private static Tensor deterministic(Supplier<Tensor> f) {
        Ember.useDeterministicAlgorithms(true);
        return f.get();
    }

    @Test
    void deterministicScattersRepeatBitwise() {
        Ember.useDeterministicAlgorithms(true);
        Tensor x = r(41, 300).to(GPU);
        Tensor index = idx(41, 97, 300).to(GPU);
        Tensor src = r(97, 300).to(GPU);
        double[] first = x.scatterAdd(0, index, src).cpu().toDoubleArray();
        for (int run = 0; run < 3; run++) {
            assertArrayEquals(first, x.scatterAdd(0, index, src).cpu().toDoubleArray(), "run " + run);
        }
    }

    // ------------------------------------------------------------------ index errors

    /**
     * The message of the exception that f throws on the CPU: IndexOutOfBoundsException (PyTorch's IndexError), or for
     * gather IllegalArgumentException (RuntimeError), which a device-side check raised at a later synchronization
     * cannot tell from the others (it is an IndexOutOfBoundsException there).
     */
    private static String cpuMessage(Supplier<Object> f) {
        return assertThrows(RuntimeException.class, f::get).getMessage();
    }

    /** On CUDA f throws (by the next synchronization, the cpu() call) with the CPU's message; the device works on. */
    private static void raisesAsTheCpu(String expected, Supplier<Tensor> onGpu) {
        Throwable e = assertThrows(RuntimeException.class, () -> onGpu.get().cpu());
        assertTrue(e.getMessage().startsWith(expected), e.getMessage() + " does not start with " + expected);
        assertEquals(6.0, Tensor.ones(2, 3).to(GPU).sum().item(), "the device after the error");
    }

    @Test
    void indexErrorsAreRaised() {
        Tensor c = r(3, 4);
        Tensor x = c.to(GPU);
        // one index tensor: linear_index checks on the device and raises at the next synchronization
        raisesAsTheCpu("index 4 is out of bounds for dimension 0 with size 4",
                () -> x.index(Index.all(), Index.of(l(2, 4).to(GPU))));
        // several offenders: the first in row-major order, as on the CPU
        String first = cpuMessage(() -> c.index(Index.all(), Index.of(l2(new long[] {1, -9}, new long[] {7, 2}))));
        raisesAsTheCpu(first, () -> x.index(Index.all(), Index.of(l2(new long[] {1, -9}, new long[] {7, 2}).to(GPU))));
        String take = cpuMessage(() -> c.take(l(3, 12, 0)));
        raisesAsTheCpu(take, () -> x.take(l(3, 12, 0).to(GPU)));
        // gather and index_select: Backend.checkIndices on the device
        String gather = cpuMessage(() -> c.gather(1, l2(new long[] {0, 4})));
        raisesAsTheCpu(gather, () -> x.gather(1, l2(new long[] {0, 4}).to(GPU)));
        String select = cpuMessage(() -> c.indexSelect(0, l(0, 3)));
        raisesAsTheCpu(select, () -> x.indexSelect(0, l(0, 3).to(GPU)));
        // several index tensors: the message names the tensor, so CUDA synchronizes and raises at once, as the CPU
        String two = cpuMessage(() -> c.index(Index.of(l(0, 2)), Index.of(l(1, 7))));
        assertEquals(two, assertThrows(IndexOutOfBoundsException.class,
                () -> x.index(Index.of(l(0, 2).to(GPU)), Index.of(l(1, 7).to(GPU)))).getMessage());
        Tensor c4 = r(2, 3, 4, 5);
        Tensor x4 = c4.to(GPU);
        String fourth = cpuMessage(() -> c4.index(Index.of(l(1)), Index.of(l(2)), Index.of(l(3)), Index.of(l(5))));
        assertEquals(fourth, assertThrows(IndexOutOfBoundsException.class, () -> x4.index(Index.of(l(1).to(GPU)),
                Index.of(l(2).to(GPU)), Index.of(l(3).to(GPU)), Index.of(l(5).to(GPU)))).getMessage());
        // a scatter with a bad index writes nothing at it (the kernel skips it) and raises at the next synchronization
        Tensor y = x.clone();
        assertThrows(RuntimeException.class, () -> y.scatter_(0, l2(new long[] {3}).to(GPU), 1.0).cpu());
        assertArrayEquals(x.cpu().toDoubleArray(), y.cpu().toDoubleArray());
    }
}

