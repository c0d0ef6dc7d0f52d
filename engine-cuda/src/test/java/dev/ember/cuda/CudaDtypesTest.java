package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Index;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * int32, int16, int8 and uint8 on CUDA against the CPU, exactly: the conversion kernels between every pair of types
 * (contiguous, strided and broadcast, on edge values that wrap), fills, uploads and reads of Java arrays, and the ops
 * that CUDA computes on the narrow types widened to int64 on the device (elementwise, comparisons, where, reductions,
 * random) or on host copies (sorting, indexing), on odd sizes, transposed and broadcast operands and empty tensors.
 */
@ExtendWith(CudaGate.class)
class CudaDtypesTest {
    private static final Device GPU = Device.cuda(0);
    private static final DType[] ALL = {DType.BOOL, DType.UINT8, DType.INT8, DType.INT16, DType.INT32, DType.INT64,
        DType.FLOAT32, DType.FLOAT64};
    private static final DType[] NARROW = {DType.INT32, DType.INT16, DType.INT8, DType.UINT8};

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    /** Edge values of every type, as int64: they wrap differently into each narrow type. */
    private static Tensor edges(int n) {
        long[] base = {0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32769, 65535, 65536, 2147483647,
            2147483648L, -2147483649L, 1099511627781L, Long.MIN_VALUE, Long.MAX_VALUE, 7, -77, 300, 1000};
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = base[i % base.length] + (i / base.length) * 3L;
        }
        return Tensor.tensor(v);
    }

    private static final double[] FLOATS = {0.0, -0.0, 0.5, -0.5, 1.9999, -1.9999, 127.5, -128.9, 255.9, 256.0, -1.0,
        300.7, -129.9, 32767.5, -32768.5, 65535.0, 2147483520.0, -2147483648.0, 3e9, -3e9, 1e20, Double.NaN,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};

    /** CPU and CUDA give the same type, shape and values (integers exactly). */
    private static void exact(String name, Function<Tensor[], Tensor> f, Tensor... cpuInputs) {
        CudaParityTest.parity(name, f, cpuInputs);
        Tensor[] d = new Tensor[cpuInputs.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = cpuInputs[i].to(GPU);
        }
        Tensor want = f.apply(cpuInputs);
        Tensor got = f.apply(d).cpu();
        assertEquals(want.dtype(), got.dtype(), name);
        if (!want.dtype().isFloatingPoint()) {
            assertArrayEquals(want.toLongArray(), got.toLongArray(), name);
        } else {
            assertArrayEquals(want.toDoubleArray(), got.toDoubleArray(), name);
        }
    }

    private static DynamicTest p(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> exact(name, f, in));
    }

    @TestFactory
    List<DynamicTest> conversionsBetweenEveryPair() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType s : ALL) {
            Tensor src = s.isFloatingPoint() ? Tensor.tensor(FLOATS, s) : edges(37).to(s);
            for (DType d : ALL) {
                String n = s + " -> " + d;
                t.add(p(n, x -> x[0].to(d), src));
                t.add(p(n + " strided", x -> x[0].slice(0, 1, (int) x[0].numel(), 3).to(d), src));
                t.add(p(n + " into a transposed view", x -> {
                    Tensor dst = Tensor.zeros(d, 4, 6).to(x[0].device()).t();
                    dst.copy_(x[0].narrow(0, 0, 24).reshape(6, 4));
                    return dst;
                }, src));
                t.add(p(n + " broadcast", x -> x[0].narrow(0, 0, 5).reshape(5, 1).expand(5, 7).to(d), src));
                t.add(p(n + " empty", x -> x[0].narrow(0, 0, 0).to(d), src));
            }
        }
        return t;
    }

    @TestFactory
    List<DynamicTest> narrowOps() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : NARROW) {
            Tensor a = edges(41).to(d);
            Tensor b = edges(41).flip(0).add(3L).to(d);
            Tensor m = edges(35).to(d).reshape(5, 7);
            Tensor c = Tensor.arange(41).remainder(8L * d.itemSize() + 3).to(d);
            t.add(p(d + " add", x -> x[0].add(x[1]), a, b));
            t.add(p(d + " sub", x -> x[0].sub(x[1]), a, b));
            t.add(p(d + " mul", x -> x[0].mul(x[1]), a, b));
            t.add(p(d + " mul transposed", x -> x[0].t().mul(x[0].t()), m));
            t.add(p(d + " add broadcast row", x -> x[0].add(x[0].narrow(0, 1, 1)), m));
            t.add(p(d + " neg abs", x -> x[0].neg().abs(), a));
            t.add(p(d + " bitwise", x -> x[0].bitwiseAnd(x[1]).bitwiseXor(x[0].bitwiseNot()), a, b));
            t.add(p(d + " shifts", x -> x[0].bitwiseLeftShift(x[1]).add(x[0].bitwiseRightShift(x[1])), a, c));
            t.add(p(d + " number", x -> x[0].add(300L).mul(3L).rsub(7L), a));
            t.add(p(d + " maximum", x -> x[0].maximum(x[1]), a, b));
            t.add(p(d + " compare", x -> x[0].lt(x[1]).logicalOr(x[0].eq(5L)), a, b));
            t.add(p(d + " where", x -> Tensor.where(x[0].gt(x[1]), x[0], x[1]), a, b));
            t.add(p(d + " where number first", x -> Tensor.where(x[0].gt(x[1]), 7, x[1]), a, b)); // session 32
            t.add(p(d + " where two numbers", x -> Tensor.where(x[0].gt(x[1]), 1, 0), a, b));
            t.add(p(d + " clamp", x -> x[0].clamp(-5L, 100L), a));
            t.add(p(d + " sum", x -> x[0].sum(), a));
            t.add(p(d + " sum dim", x -> x[0].sum(new int[] {1}, true), m));
            t.add(p(d + " max", x -> x[0].max(), a));
            t.add(p(d + " amin dim", x -> x[0].amin(new int[] {0}, false), m));
            t.add(p(d + " argmax dim", x -> x[0].argmax(1, false), m));
            t.add(p(d + " prod", x -> x[0].narrow(0, 0, 6).prod(), a));
            t.add(p(d + " cumsum", x -> x[0].cumsum(0), a));
            t.add(p(d + " sort", x -> x[0].sort(1, true).values(), m));
            t.add(p(d + " topk indices", x -> x[0].topk(3).indices(), a));
            t.add(p(d + " unique", x -> x[0].unique(), a));
            t.add(p(d + " gather", x -> x[0].gather(1, Tensor.tensor(new long[][] {{6, 0}, {1, 1}, {2, 5}, {0, 0}, {3, 4}})
                    .to(x[0].device())), m));
            t.add(p(d + " index_select int32", x -> x[0].indexSelect(0, Tensor.tensor(new int[] {4, 0, 4}).to(x[0].device())), m));
            t.add(p(d + " advanced int32", x -> x[0].index(Index.all(), Index.of(Tensor.tensor(new int[] {6, 2}).to(x[0].device()))), m));
            t.add(p(d + " masked_fill", x -> x[0].maskedFill(x[0].gt(0L), 9), m));
            t.add(p(d + " matmul", x -> x[0].narrow(1, 0, 5).matmul(x[0].narrow(1, 0, 5).t()), m));
            t.add(p(d + " to float and back", x -> x[0].toFloat().mul(0.5).to(d), a));
            t.add(p(d + " zeros empty", x -> x[0].narrow(0, 0, 0).add(1L), a));
            // an integer number base (Python's 3 ** t): the exponent's integer type, wrapping (session 32)
            t.add(p(d + " integer base pow", x -> Tensor.pow(3, x[0]), c));
        }
        return t;
    }

    @Test
    void uploadsFillsAndRandomNumbers() {
        assertArrayEquals(new long[] {255, 0, 128}, Tensor.tensor(new byte[] {-1, 0, -128}, DType.UINT8, GPU).toLongArray());
        assertArrayEquals(new byte[] {-1, 0, -128}, Tensor.tensor(new byte[] {-1, 0, -128}, DType.UINT8, GPU).toByteArray());
        assertArrayEquals(new int[] {1, -2, Integer.MAX_VALUE}, Tensor.tensor(new int[] {1, -2, Integer.MAX_VALUE}, DType.INT32,
                GPU).toIntArray());
        assertArrayEquals(new short[] {-3, 4}, Tensor.tensor(new short[] {-3, 4}, DType.INT16, GPU).toShortArray());
        // one element arrives as a fill kernel's argument
        assertArrayEquals(new long[] {200}, Tensor.tensor(new byte[] {(byte) 200}, DType.UINT8, GPU).toLongArray());
        assertArrayEquals(new long[] {-7}, Tensor.tensor(new byte[] {-7}, DType.INT8, GPU).toLongArray());
        for (DType d : NARROW) {
            Tensor f = Tensor.zeros(d, 3, 5).to(GPU);
            f.t().fill_(-3);
            assertArrayEquals(Tensor.full(d, -3, 15).toLongArray(), f.cpu().reshape(-1).toLongArray(), d.toString());
            Tensor cpu = Tensor.zeros(d, 1000).randintLike(0, 100);
            Tensor gpu = Tensor.zeros(d, 1000).to(GPU).randintLike(0, 100);
            assertEquals(d, gpu.dtype());
            for (long v : gpu.toLongArray()) {
                org.junit.jupiter.api.Assertions.assertTrue(v >= 0 && v < 100);
            }
            assertEquals(cpu.dtype(), gpu.dtype());
        }
    }
}
