package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The integer types int32, int16, int8 and uint8 against PyTorch (dtypes/make_expected.py): promotion of every pair and
 * of 0-dim tensors and Java numbers, printing, conversions on edge values, wrap-around arithmetic, comparisons,
 * reductions' result types, sorting and indexing on them, int32 indices and uint8 masks, the checked conversion of
 * numbers, and safetensors files of them.
 */
class DtypesTest {
    private static final PyTorchCases CASES = new PyTorchCases("/dtypes/expected.txt");

    private static final DType[] ALL = {DType.BOOL, DType.UINT8, DType.INT8, DType.INT16, DType.INT32, DType.INT64,
        DType.FLOAT32, DType.FLOAT64};
    private static final DType[] NARROW = {DType.INT32, DType.INT16, DType.INT8, DType.UINT8};

    private static String name(DType t) {
        return t.torchName().substring("torch.".length());
    }

    /** The result of a case against PyTorch's: type, shape and values (integers exactly, floats to 1e-6 relative). */
    private static void check(String key, Tensor got) {
        assertEquals(CASES.field(key, "dtype"), got.dtype().torchName(), key + " dtype");
        assertEquals(CASES.field(key, "shape"), Arrays.toString(got.shape()), key + " shape");
        double[] want = PyTorchCases.numbers(CASES.field(key, "values"));
        if (got.dtype().isFloatingPoint()) {
            double[] v = got.toDoubleArray();
            assertEquals(want.length, v.length, key);
            for (int i = 0; i < v.length; i++) {
                if (Double.isNaN(want[i]) || Double.isInfinite(want[i])) {
                    assertEquals(want[i], v[i], key + " element " + i);
                } else {
                    assertEquals(want[i], v[i], Math.abs(want[i]) * 1e-6, key + " element " + i);
                }
            }
        } else {
            // exact: integers beyond 2^53 are read from the text, not through doubles
            String text = CASES.field(key, "values").replace("[", "").replace("]", "").replace("True", "1")
                    .replace("False", "0");
            long[] w = text.isBlank() ? new long[0] : Arrays.stream(text.split(",")).map(String::trim)
                    .mapToLong(Long::parseLong).toArray();
            assertArrayEquals(w, got.toLongArray(), key);
        }
    }

    /** Whether PyTorch refused a case. */
    private static boolean refused(String key) {
        try {
            CASES.error(key);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** A case PyTorch refuses: the same exception type and message, and the tensors given left as they were. */
    private static void fails(String key, Executable call, Tensor... untouched) {
        fails(CASES.errorType(key), CASES.error(key), call, untouched);
    }

    private static void fails(Class<? extends Throwable> type, String message, Executable call, Tensor... untouched) {
        long[][] before = new long[untouched.length][];
        int[] versions = new int[untouched.length];
        for (int i = 0; i < untouched.length; i++) {
            before[i] = untouched[i].toLongArray();
            versions[i] = untouched[i].version();
        }
        Throwable e = assertThrows(type, call);
        assertEquals(message, e.getMessage());
        for (int i = 0; i < untouched.length; i++) {
            assertArrayEquals(before[i], untouched[i].toLongArray());
            assertEquals(versions[i], untouched[i].version());
        }
    }

    // ------------------------------------------------------------------ promotion

    @Test
    void promotionOfEveryPairAsTorchPromoteTypes() {
        for (DType a : ALL) {
            for (DType b : ALL) {
                String key = "promote." + name(a) + "." + name(b);
                assertEquals(CASES.value(key), "'" + DType.promote(a, b).torchName() + "'", key);
            }
        }
    }

    @Test
    void resultTypeOfZeroDimTensorsAndJavaNumbersAsTorchResultType() {
        for (DType a : ALL) {
            Tensor dim = Tensor.ones(a, 2);
            Tensor zero = Tensor.ones(a);
            for (DType b : ALL) {
                String key = "result.dim." + name(a) + ".zero." + name(b);
                assertEquals(CASES.value(key), "'" + ArithmeticOps.resultType(dim, Tensor.ones(b)).torchName() + "'", key);
            }
            // a Java long is a Python int: an int32 tensor stays int32
            assertEquals(CASES.value("result.dim." + name(a) + ".int"),
                    "'" + ArithmeticOps.resultType(dim, Creation.wrap(5L)).torchName() + "'");
            assertEquals(CASES.value("result.dim." + name(a) + ".float"),
                    "'" + ArithmeticOps.resultType(dim, Creation.wrap(2.5)).torchName() + "'");
            assertEquals(CASES.value("result.zero." + name(a) + ".int"),
                    "'" + ArithmeticOps.resultType(zero, Creation.wrap(5L)).torchName() + "'");
            assertEquals(CASES.value("result.zero." + name(a) + ".float"),
                    "'" + ArithmeticOps.resultType(zero, Creation.wrap(2.5)).torchName() + "'");
        }
    }

    @Test
    void namesSizesAndRanges() {
        assertEquals("Int", Format.scalarType(DType.INT32));
        assertEquals("Short", Format.scalarType(DType.INT16));
        assertEquals("Char", Format.scalarType(DType.INT8));
        assertEquals("Byte", Format.scalarType(DType.UINT8));
        assertEquals("IntTensor", DType.INT32.legacyTypeName());
        assertEquals(List.of(4, 2, 1, 1), List.of(DType.INT32.itemSize(), DType.INT16.itemSize(), DType.INT8.itemSize(),
                DType.UINT8.itemSize()));
        assertEquals(255, DType.UINT8.maxValue());
        assertEquals(-128, DType.INT8.minValue());
        assertEquals(44, DType.UINT8.wrap(300));
        assertEquals(-128, DType.INT8.wrap(128));
        for (DType t : NARROW) {
            assertTrue(t.isIntegral());
        }
        assertTrue(!DType.BOOL.isIntegral() && !DType.FLOAT32.isIntegral());
    }

    // ------------------------------------------------------------------ printing, factories, item

    @Test
    void printsAsPyTorch() {
        assertPrints("print.int32", Tensor.tensor(new int[] {1, -2, 300, 4}));
        assertPrints("print.uint8", Tensor.tensor(new byte[] {1, (byte) 200, 5}, DType.UINT8));
        assertPrints("print.int8.2d", Tensor.arange(10).to(DType.INT8).reshape(2, 5));
        assertPrints("print.int16.scalar", Tensor.tensor(-5L, DType.INT16));
        assertPrints("print.int32.empty", Tensor.zeros(DType.INT32, 0));
        assertPrints("print.uint8.empty2d", Tensor.zeros(DType.UINT8, 2, 0));
        assertPrints("print.int16.long", Tensor.arange(2000).toShort());
        assertPrints("print.int8.neg", Tensor.tensor(new byte[][] {{-128, 127}, {0, -1}}));
        assertPrints("print.uint8.grid", Tensor.arange(0, 256, 5).toByte().reshape(4, 13));
        assertPrints("print.int32.big", Tensor.tensor(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, 0}));
    }

    private static void assertPrints(String key, Tensor t) {
        String v = CASES.value(key);
        assertEquals(v.substring(1, v.length() - 1).replace("\\n", "\n"), t.toString(), key);
    }

    @Test
    void javaArraysKeepTheirTypeAndComeBack() {
        Tensor i = Tensor.tensor(new int[][] {{1, 2}, {3, 4}});
        assertEquals(DType.INT32, i.dtype());
        assertArrayEquals(new int[] {1, 2, 3, 4}, i.toIntArray());
        assertEquals(DType.INT16, Tensor.tensor(new short[] {1}).dtype());
        assertEquals(DType.INT8, Tensor.tensor(new byte[] {-1}).dtype());
        // a byte[] as uint8 keeps its bits: -1 is 255, and comes back as the same byte
        Tensor u = Tensor.tensor(new byte[] {-1, 0, 127, -128}, DType.UINT8);
        assertArrayEquals(new long[] {255, 0, 127, 128}, u.toLongArray());
        assertArrayEquals(new byte[] {-1, 0, 127, -128}, u.toByteArray());
        assertArrayEquals(new short[] {255, 0, 127, 128}, u.toShortArray());
        // boxed Java numbers are Python ints: int64, converted on request
        assertEquals(DType.INT64, Tensor.tensor(List.of(1, 2)).dtype());
        // each number stored as torch.tensor stores a Python int or float (TensorStoreTest has PyTorch's lines): a
        // negative int wraps into uint8, a float truncates, what the type cannot hold is refused
        assertArrayEquals(new long[] {44, 255}, Tensor.tensor(List.of(44L, -1L), DType.UINT8).toLongArray());
        assertArrayEquals(new long[] {127, -1}, Tensor.tensor(new double[] {127.0, -1.5}, DType.INT8).toLongArray());
        assertThrows(IllegalArgumentException.class, () -> Tensor.tensor(List.of(300L), DType.UINT8));
        assertThrows(IllegalArgumentException.class, () -> Tensor.tensor(new double[] {127.9}, DType.INT8));
        assertEquals(249, Tensor.tensor(new byte[] {-7}, DType.UINT8).longItem());
        assertEquals(249.0, Tensor.tensor(new byte[] {-7}, DType.UINT8).item());
        assertEquals(-7, Tensor.tensor(new int[] {-7}).longItem());
        for (DType t : NARROW) {
            assertEquals(DType.promote(t, t), Tensor.zeros(t, 2, 3).dtype());
            assertArrayEquals(new long[] {1, 1}, Tensor.ones(t, 2).toLongArray());
            assertArrayEquals(new long[] {7, 7}, Tensor.full(t, 7, 2).toLongArray());
            assertArrayEquals(new long[] {2, 4, 6}, Tensor.arange(2, 8, 2).to(t).toLongArray());
            assertEquals(t, Tensor.eye(2, 2, t).dtype());
            Tensor r = Tensor.randint(3, 9, t, 50);
            assertEquals(t, r.dtype());
            for (long v : r.toLongArray()) {
                assertTrue(v >= 3 && v < 9, t + " randint " + v);
            }
            Tensor p = Tensor.randperm(100, t, Generator.DEFAULT);
            long[] sorted = p.toLongArray();
            Arrays.sort(sorted);
            for (int k = 0; k < 100; k++) {
                assertEquals(k, sorted[k]);
            }
            String item = CASES.value("item." + name(t));
            assertEquals(Long.parseLong(item), Tensor.tensor(new long[] {t == DType.UINT8 ? 249 : -7}).to(t).longItem());
        }
        assertEquals(DType.UINT8, Tensor.tensor(new byte[] {1}).toByte().dtype());
        assertEquals(DType.INT8, Tensor.tensor(new int[] {1}).toChar().dtype());
        assertEquals(DType.INT32, Tensor.tensor(new byte[] {1}).toInt().dtype());
    }

    // ------------------------------------------------------------------ conversions

    private static final double[] FLOATS = {0.0, -0.0, 0.5, -0.5, 1.9999, -1.9999, 127.5, -128.9, 255.9, 256.0, -1.0, 300.7,
        -129.9, 32767.5, -32768.5, 65535.0, 2147483520.0, -2147483648.0};
    private static final long[] LONGS = {0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32769, 65535, 65536,
        2147483647, 2147483648L, -2147483649L, 1099511627781L, Long.MIN_VALUE, Long.MAX_VALUE};

    @Test
    void conversionsBetweenEveryPairOnEdgeValues() {
        for (DType t : new DType[] {DType.INT32, DType.INT16, DType.INT8, DType.UINT8, DType.BOOL}) {
            check("convert.float64." + name(t), Tensor.tensor(FLOATS, DType.FLOAT64).to(t));
            check("convert.float32." + name(t), Tensor.tensor(FLOATS, DType.FLOAT32).to(t));
            check("convert.int64." + name(t), Tensor.tensor(LONGS).to(t));
        }
        for (DType s : NARROW) {
            Tensor src = Tensor.tensor(LONGS).to(s);
            for (DType t : ALL) {
                check("convert." + name(s) + "." + name(t), src.to(t));
                // a non-contiguous source and destination take the strided kernels
                Tensor strided = Tensor.stack(List.of(src, src), 1).select(1, 1);
                check("convert." + name(s) + "." + name(t), strided.to(t));
                Tensor dst = Tensor.zeros(t, 2, LONGS.length).select(0, 1);
                dst.copy_(src);
                check("convert." + name(s) + "." + name(t), dst);
            }
        }
        check("convert.bool.uint8", Tensor.tensor(new boolean[] {true, false}).to(DType.UINT8));
        check("convert.int64big.float32", Tensor.tensor(new int[] {Integer.MAX_VALUE, 16777217, -16777217}).toFloat());
    }

    /**
     * Beyond the range of int32 (int64 for uint8 and int64), converting a float to an integer type is undefined in C++,
     * and PyTorch's result depends on the hardware (x86 gives INT_MIN, so 0 in int16 and int8). Ember truncates toward
     * zero to int64 (saturating, NaN to 0: Java's cast, which is also CUDA's) and then wraps to the type.
     */
    @Test
    void outOfRangeFloatsConvertThroughInt64ThenWrap() {
        Tensor x = Tensor.tensor(new double[] {3e9, -3e9, 1e20, -1e20, Double.NaN, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY}, DType.FLOAT64);
        assertArrayEquals(new long[] {3000000000L, -3000000000L, Long.MAX_VALUE, Long.MIN_VALUE, 0, Long.MAX_VALUE,
            Long.MIN_VALUE}, x.toLong().toLongArray());
        assertArrayEquals(new long[] {(int) 3000000000L, (int) -3000000000L, -1, 0, 0, -1, 0}, x.toInt().toLongArray());
        assertArrayEquals(new long[] {(short) 3000000000L, (short) -3000000000L, -1, 0, 0, -1, 0}, x.toShort().toLongArray());
        assertArrayEquals(new long[] {0, 0, 255, 0, 0, 255, 0}, x.toByte().toLongArray());
        assertArrayEquals(x.toInt().toLongArray(), x.toFloat().toInt().toLongArray());
    }

    // ------------------------------------------------------------------ arithmetic and the other ops

    private static final Map<DType, long[][]> INPUTS = Map.of(
            DType.INT32, new long[][] {{2000000000, -2000000000, 2147483647, -2147483648L, 5, -7}, {2000000000, 3, -1, 2, -3, 2},
                {1, 31, 30, 0, 4, 16}},
            DType.INT16, new long[][] {{30000, -30000, 32767, -32768, 5, -7}, {30000, 3, 1, -1, -3, 2}, {1, 15, 14, 0, 4, 8}},
            DType.INT8, new long[][] {{100, -100, 127, -128, 5, -7}, {100, 3, 1, -1, -3, 2}, {1, 7, 6, 0, 4, 2}},
            DType.UINT8, new long[][] {{200, 100, 255, 0, 5, 7}, {100, 3, 1, 255, 253, 2}, {1, 7, 6, 0, 4, 2}});

    private interface Op {
        Tensor apply(Tensor x, Tensor y, Tensor c);
    }

    private static final Map<String, Op> OPS = new LinkedHashMap<>();

    static {
        OPS.put("add", (x, y, c) -> x.add(y));
        OPS.put("sub", (x, y, c) -> x.sub(y));
        OPS.put("mul", (x, y, c) -> x.mul(y));
        OPS.put("neg", (x, y, c) -> x.neg());
        OPS.put("abs", (x, y, c) -> x.abs());
        OPS.put("sign", (x, y, c) -> x.sign());
        OPS.put("relu", (x, y, c) -> x.relu());
        OPS.put("floor_divide", (x, y, c) -> x.floorDivide(y));
        OPS.put("div_trunc", (x, y, c) -> x.div(y, "trunc"));
        OPS.put("remainder", (x, y, c) -> x.remainder(y));
        OPS.put("fmod", (x, y, c) -> x.fmod(y));
        OPS.put("true_div", (x, y, c) -> x.div(y));
        OPS.put("pow2", (x, y, c) -> x.pow(2L));
        OPS.put("pow3", (x, y, c) -> x.pow(3L));
        OPS.put("bitwise_and", (x, y, c) -> x.bitwiseAnd(y));
        OPS.put("bitwise_or", (x, y, c) -> x.bitwiseOr(y));
        OPS.put("bitwise_xor", (x, y, c) -> x.bitwiseXor(y));
        OPS.put("bitwise_not", (x, y, c) -> x.bitwiseNot());
        OPS.put("lshift", (x, y, c) -> x.bitwiseLeftShift(c));
        OPS.put("rshift", (x, y, c) -> x.bitwiseRightShift(c));
        OPS.put("maximum", (x, y, c) -> x.maximum(y));
        OPS.put("minimum", (x, y, c) -> x.minimum(y));
        OPS.put("eq", (x, y, c) -> x.eq(y));
        OPS.put("lt", (x, y, c) -> x.lt(y));
        OPS.put("ge", (x, y, c) -> x.ge(y));
        OPS.put("add_scalar", (x, y, c) -> x.add(300L));
        OPS.put("mul_scalar", (x, y, c) -> x.mul(3L));
        OPS.put("sub_scalar", (x, y, c) -> x.sub(7L));
        OPS.put("rsub_scalar", (x, y, c) -> x.rsub(7L));
        OPS.put("lt_scalar", (x, y, c) -> x.lt(6L));
        OPS.put("add_float", (x, y, c) -> x.add(0.5));
        OPS.put("mul_int64", (x, y, c) -> x.mul(Tensor.tensor(new long[] {2, 3, 4, 5, 6, 7})));
        OPS.put("add_zero_dim_int64", (x, y, c) -> x.add(Tensor.tensor(1000L)));
        OPS.put("add_alpha", (x, y, c) -> x.add(y, 3));
        OPS.put("clamp", (x, y, c) -> x.clamp(0L, 100L));
        OPS.put("clamp_float", (x, y, c) -> x.clamp(0.5, 100.0));
        OPS.put("where", (x, y, c) -> Tensor.where(x.gt(y), x, y));
        OPS.put("exp", (x, y, c) -> x.exp());
        OPS.put("sqrt_abs", (x, y, c) -> x.abs().sqrt());
        OPS.put("sum", (x, y, c) -> x.sum());
        OPS.put("prod", (x, y, c) -> x.prod());
        OPS.put("max", (x, y, c) -> x.max());
        OPS.put("min", (x, y, c) -> x.min());
        OPS.put("amax_dim", (x, y, c) -> x.reshape(2, 3).amax(new int[] {1}, false));
        OPS.put("argmax", (x, y, c) -> x.argmax());
        OPS.put("argmin_dim", (x, y, c) -> x.reshape(2, 3).argmin(0, false));
        OPS.put("sum_dim", (x, y, c) -> x.reshape(2, 3).sum(0));
        OPS.put("sum_dtype", (x, y, c) -> x.sum(x.dtype()));
        OPS.put("cumsum", (x, y, c) -> x.cumsum(0));
        OPS.put("cumprod", (x, y, c) -> x.cumprod(0));
        OPS.put("cummax", (x, y, c) -> x.cummax(0).values());
        OPS.put("any", (x, y, c) -> x.any(new int[] {0}, false));
        OPS.put("all", (x, y, c) -> x.all(new int[] {0}, false));
        OPS.put("count_nonzero", (x, y, c) -> x.countNonzero());
        OPS.put("mean", (x, y, c) -> x.mean());
        OPS.put("sort", (x, y, c) -> x.sort().values());
        OPS.put("argsort", (x, y, c) -> x.sort(0, true).indices());
        OPS.put("topk", (x, y, c) -> x.topk(3).values());
        OPS.put("unique", (x, y, c) -> x.unique());
        OPS.put("flip", (x, y, c) -> x.flip(0));
        OPS.put("matmul", (x, y, c) -> x.reshape(2, 3).matmul(y.reshape(3, 2)));
        OPS.put("dot", (x, y, c) -> x.dot(y));
        OPS.put("cat", (x, y, c) -> Tensor.cat(List.of(x, y), 0));
        OPS.put("transpose_contiguous", (x, y, c) -> x.reshape(2, 3).t().contiguous());
        OPS.put("to_float", (x, y, c) -> x.toFloat());
        OPS.put("fill", (x, y, c) -> x.clone().fill_(7));
        OPS.put("masked_fill", (x, y, c) -> x.maskedFill(x.gt(y), 9));
        OPS.put("index_select_int32", (x, y, c) -> x.indexSelect(0, Tensor.tensor(new int[] {5, 0, 2})));
        OPS.put("gather", (x, y, c) -> x.gather(0, Tensor.tensor(new long[] {5, 0, 2})));
        OPS.put("scatter_add", (x, y, c) -> x.scatterAdd(0, Tensor.tensor(new long[] {0, 1, 0, 1, 0, 1}), y));
        OPS.put("scatter_amax", (x, y, c) -> Tensor.zeros(x.dtype(), 2).scatterReduce(0, Tensor.tensor(new long[] {0, 1, 0,
            1, 0, 1}), x, "amax", false));
        OPS.put("index_add", (x, y, c) -> x.indexAdd(0, Tensor.tensor(new int[] {1, 1, 2}), y.narrow(0, 0, 3)));
        OPS.put("nonzero", (x, y, c) -> x.nonzero());
        OPS.put("bincount", (x, y, c) -> x.abs().remainder(7L).bincount());
    }

    private static Tensor input(DType t, int which) {
        return Tensor.tensor(INPUTS.get(t)[which]).to(t);
    }

    @Test
    void arithmeticWrapsAroundAndEveryOpMatchesPyTorch() {
        for (DType t : NARROW) {
            for (Map.Entry<String, Op> op : OPS.entrySet()) {
                String key = "op." + name(t) + "." + op.getKey();
                Tensor x = input(t, 0);
                Tensor y = input(t, 1);
                Tensor c = input(t, 2);
                if (refused(key)) {
                    fails(key, () -> op.getValue().apply(x, y, c), x, y, c);
                    continue;
                }
                check(key, op.getValue().apply(x, y, c));
                // the inputs are untouched
                assertArrayEquals(Tensor.tensor(INPUTS.get(t)[0]).to(t).toLongArray(), x.toLongArray(), key);
            }
            long[] a = INPUTS.get(t)[0];
            long[] b = INPUTS.get(t)[1];
            long[] aa = new long[12];
            System.arraycopy(a, 0, aa, 0, 6);
            System.arraycopy(a, 0, aa, 6, 6);
            check("op." + name(t) + ".strided_add", Tensor.tensor(aa).to(t).reshape(2, 6).slice(1, 0, 6, 2)
                    .add(Tensor.tensor(b).to(t).reshape(3, 2).t()));
            check("op." + name(t) + ".broadcast_mul", Tensor.tensor(a).to(t).reshape(6, 1)
                    .mul(Tensor.tensor(Arrays.copyOf(b, 2)).to(t)));
        }
        check("mixed.int8.uint8", Tensor.tensor(new byte[] {100, -100}).add(Tensor.tensor(new byte[] {(byte) 200, 100},
                DType.UINT8)));
        check("mixed.int32.int64", Tensor.tensor(new int[] {Integer.MAX_VALUE}).add(Tensor.tensor(new long[] {1})));
        check("mixed.uint8.zero_int8", Tensor.tensor(new byte[] {(byte) 200, 1}, DType.UINT8).add(Tensor.tensor(-1L,
                DType.INT8)));
        check("mixed.int16.zero_float64", Tensor.tensor(new short[] {3, 4}).mul(Tensor.tensor(0.5, DType.FLOAT64)));
        check("mixed.int32.float32", Tensor.tensor(new int[] {3, 4}).mul(Tensor.tensor(new float[] {0.5f, 0.25f})));
        check("mixed.bool.uint8", Tensor.tensor(new boolean[] {true, false}).add(Tensor.tensor(new byte[] {(byte) 200, 7},
                DType.UINT8)));
    }

    @Test
    void inPlaceOpsWrapIntoTheirType() {
        Tensor u = Tensor.tensor(new byte[] {(byte) 250, 3}, DType.UINT8);
        u.add_(Tensor.tensor(new byte[] {10, 1}, DType.UINT8));
        assertArrayEquals(new long[] {4, 4}, u.toLongArray());
        u.mul_(Tensor.tensor(100L));
        assertArrayEquals(new long[] {144, 144}, u.toLongArray());
        Tensor i = Tensor.tensor(new short[] {32767});
        i.add_(1L);
        assertArrayEquals(new long[] {-32768}, i.toLongArray());
        Tensor v = Tensor.zeros(DType.INT8, 2, 3).select(1, 1);
        v.fill_(-5);
        assertArrayEquals(new long[] {-5, -5}, v.toLongArray());
        fails(IllegalArgumentException.class, "result type Float can't be cast to the desired output type Int",
                () -> Tensor.tensor(new int[] {1}).add_(0.5));
    }

    /** PyTorch 2.x's shifts by counts outside [0, bits): 0 to the left, the sign to the right (0 for uint8). */
    @Test
    void shiftsOutsideTheWidthFollowPyTorch2() {
        Tensor counts = Tensor.tensor(new long[] {-1, 8, 9, 31, 32, 40, 63, 64, 200});
        for (DType t : NARROW) {
            int bits = 8 * t.itemSize();
            long[] c = counts.toLongArray();
            Tensor x = Tensor.full(t, t == DType.UINT8 ? 200 : -100, c.length);
            Tensor ct = counts.to(t);
            long[] left = x.bitwiseLeftShift(ct).toLongArray();
            long[] right = x.bitwiseRightShift(ct).toLongArray();
            long[] cw = ct.toLongArray();
            for (int k = 0; k < c.length; k++) {
                long count = t == DType.UINT8 ? (byte) cw[k] : cw[k]; // the count read as the signed type of its width
                long v = t == DType.UINT8 ? 200 : -100;
                long wantLeft = count < 0 || count >= bits ? 0 : t.wrap(v << count);
                int maxRight = t == DType.UINT8 ? bits : bits - 1;
                long wantRight = count < 0 || count >= maxRight ? (t == DType.UINT8 ? 0 : -1) : t.wrap(v >> count);
                assertEquals(wantLeft, left[k], t + " << " + count);
                assertEquals(wantRight, right[k], t + " >> " + count);
            }
        }
    }

    // ------------------------------------------------------------------ checked numbers and refusals

    @Test
    void numbersAreCheckedAsPyTorchChecksThem() {
        for (DType t : NARROW) {
            String n = name(t);
            Tensor z = Tensor.zeros(t, 2);
            for (String[] c : new String[][] {{"300", "300"}, {"127.5", "127.5"}, {"-1", "-1"}, {"nan", "NaN"}}) {
                String key = "fill." + n + "." + c[0];
                Executable call = () -> z.fill_(Double.parseDouble(c[1]));
                if (refused(key)) {
                    fails(key, call, z);
                } else {
                    Tensor w = Tensor.zeros(t, 2);
                    w.fill_(Double.parseDouble(c[1]));
                    check(key, w);
                }
            }
            fails("full." + n + ".3e9", () -> Tensor.full(t, 3e9, 2));
            Tensor one = Tensor.ones(t, 2);
            alphaCase("alpha." + n + ".300", z, one, 300);
            alphaCase("alpha." + n + ".-200", z, one, -200);
            Tensor zc = Tensor.zeros(t, 2);
            if (refused("clamp." + n + ".300")) {
                fails("clamp." + n + ".300", () -> zc.clamp(0L, 300L), zc);
            } else {
                check("clamp." + n + ".300", zc.clamp(0L, 300L));
            }
            randint("randint." + n + ".0.300", 0, 300, t);
            randint("randint." + n + ".-200.0", -200, 0, t);
            randint("randint." + n + ".0.40000", 0, 40000, t);
            if (refused("randperm." + n + ".257")) {
                fails("randperm." + n + ".257", () -> Tensor.randperm(257, t, Generator.DEFAULT));
            } else {
                Tensor p = Tensor.randperm(257, t, Generator.DEFAULT);
                assertEquals(CASES.field("randperm." + n + ".257", "dtype"), p.dtype().torchName());
                assertArrayEquals(Tensor.arange(0L, 257L).toLongArray(), p.to(DType.INT64).sort().values().toLongArray(),
                    "randperm." + n + ".257: a permutation of 0..256");
            }
            fails("mean." + n, () -> Tensor.ones(t, 2).mean());
            fails("var." + n, () -> Tensor.ones(t, 2).var());
        }
        fails("lerp.int32", () -> Tensor.ones(DType.INT32, 2).lerp(Tensor.ones(DType.INT32, 2), 0.5));
        fails("sub.bool.uint8", () -> Tensor.tensor(new boolean[] {true}).sub(Tensor.tensor(new byte[] {1}, DType.UINT8)));
        fails("bitwise.float.int32", () -> Tensor.ones(2).bitwiseAnd(Tensor.ones(DType.INT32, 2)));
    }

    private static void alphaCase(String key, Tensor z, Tensor one, double alpha) {
        if (refused(key)) {
            fails(key, () -> z.add(one, alpha), z, one);
        } else {
            check(key, z.add(one, alpha));
        }
    }

    private static void randint(String key, long low, long high, DType t) {
        if (refused(key)) {
            fails(key, () -> Tensor.randint(low, high, t, 3));
        } else {
            Tensor r = Tensor.randint(low, high, t, 3);
            assertEquals(CASES.field(key, "dtype"), r.dtype().torchName());
            // the values are Ember's generator's (Philox; PyTorch's CPU generator is mt19937): in [low, high)
            for (long v : r.to(DType.INT64).toLongArray()) {
                assertTrue(v >= low && v < high, key + ": " + v);
            }
            Tensor like = Tensor.zeros(t, 3).randintLike(low, high);
            assertEquals(t, like.dtype());
        }
    }

    // ------------------------------------------------------------------ index tensors and masks

    @Test
    void indexTypesAsPyTorchTakesThem() {
        Tensor x = Tensor.ones(3);
        for (DType t : NARROW) {
            String n = name(t);
            Tensor i = Tensor.tensor(new long[] {0, 1}).to(t);
            fails("gather.index." + n, () -> x.gather(0, i), x, i);
            indexCase("index_select.index." + n, () -> x.indexSelect(0, i), x, i);
            indexCase("index_add.index." + n, () -> x.indexAdd(0, i, Tensor.ones(2)), x, i);
            fails("take.index." + n, () -> x.take(i), x, i);
            Tensor logp = Tensor.tensor(new double[][] {{-1, -2}, {-0.5, -3}}, DType.FLOAT32);
            Tensor target = Tensor.tensor(new long[] {1, 0}).to(t);
            indexCase("nll.target." + n, () -> Functional.nllLoss(logp, target, "mean"), logp, target);
            Tensor mask = Tensor.tensor(new long[] {1, 0, 1}).to(t);
            // PyTorch 2.x refuses every mask but bool in masked_fill_ and where (1.13 still took uint8, deprecated)
            fails(IllegalArgumentException.class, "masked_fill_ only supports boolean masks, but got mask with dtype "
                    + ArithmeticOps.cTypeName(t), () -> x.maskedFill(mask, 0.0), x, mask);
            fails(IllegalArgumentException.class, "where expected condition to be a boolean tensor, but got a tensor with "
                    + "dtype " + Format.scalarType(t), () -> Tensor.where(mask, Tensor.ones(3), Tensor.zeros(3)), mask);
            Tensor counts = Tensor.tensor(new long[] {2, 1}).to(t);
            indexCase("repeat_interleave." + n, () -> Tensor.tensor(new long[] {1, 2}).repeatInterleave(counts), counts);
        }
    }

    private static void indexCase(String key, java.util.concurrent.Callable<Tensor> call, Tensor... untouched) {
        if (refused(key)) {
            fails(key, call::call, untouched);
        } else {
            try {
                check(key, call.call());
            } catch (Exception e) {
                throw new AssertionError(key, e);
            }
        }
    }

    @Test
    void advancedIndexingTakesInt32IndicesAndUint8Masks() {
        Tensor x = Tensor.arange(12).toFloat().reshape(3, 4);
        Tensor i32 = Tensor.tensor(new int[] {2, 0, 2});
        check("index.adv.int32", x.index(Index.of(i32)));
        check("index.adv.int32.dim1", x.index(Index.all(), Index.of(i32)));
        check("index.adv.int32.pair", x.index(Index.of(i32), Index.of(Tensor.tensor(new long[] {1, 3, 0}))));
        check("index.adv.uint8.mask", x.index(Index.of(Tensor.tensor(new byte[] {1, 0, 1}, DType.UINT8))));
        check("index.adv.uint8.mask.dim1", x.index(Index.all(), Index.of(Tensor.tensor(new byte[] {1, 0, 0, 1}, DType.UINT8))));
        check("index.put.int32", x.clone().indexPut_(new Index[] {Index.of(i32)}, -1.0, true));
        check("index.put.uint8.mask", x.clone().indexPut_(new Index[] {Index.of(Tensor.tensor(new byte[] {0, 1, 1},
                DType.UINT8))}, 5.0, false));
        Tensor leaf = x.clone().requiresGrad_(true);
        leaf.indexSelect(1, i32).mul(Tensor.arange(9).toFloat().reshape(3, 3)).sum().backward();
        check("index.select.int32.grad", leaf.grad());
        assertEquals(DType.INT32, i32.dtype()); // the caller's indices are not converted
        // 2.x's words (1.13 says "long, byte or bool")
        Tensor i16 = Tensor.tensor(new short[] {0});
        fails(IndexOutOfBoundsException.class, "tensors used as indices must be long, int, byte or bool tensors",
                () -> x.index(Index.of(i16)), x, i16);
        check("index.nll.uint8", Functional.crossEntropy(Tensor.tensor(new double[][] {{1, 2, 0.5}, {0.1, 0.2, 3}},
                DType.FLOAT32), Tensor.tensor(new byte[] {1, 2}, DType.UINT8)));
        // a 2-D uint8 mask covers two dimensions, as the bool mask it stands for
        Tensor mask2 = Tensor.arange(12).remainder(3L).eq(0L).reshape(3, 4);
        assertArrayEquals(x.index(Index.of(mask2)).toFloatArray(), x.index(Index.of(mask2.toByte())).toFloatArray());
        assertArrayEquals(x.clone().indexPut_(new Index[] {Index.of(mask2)}, 0.0, false).toFloatArray(),
                x.clone().indexPut_(new Index[] {Index.of(mask2.toByte())}, 0.0, false).toFloatArray());
        // a 0-dim int32 index selects, as an int64 one
        assertArrayEquals(new float[] {8, 9, 10, 11}, x.index(Index.of(Tensor.tensor(2L, DType.INT32))).toFloatArray());
        // index errors name the value whatever the index type
        Tensor bad = Tensor.tensor(new int[] {0, 5});
        fails(IndexOutOfBoundsException.class, "index out of range in self", () -> x.indexSelect(0, bad), x, bad);
        fails(IndexOutOfBoundsException.class, "index 5 is out of bounds for dimension 0 with size 3",
                () -> x.index(Index.of(bad)), x, bad);
    }

    // ------------------------------------------------------------------ files

    @Test
    void safetensorsOfEveryNarrowTypeLoadAndRoundTrip(@TempDir Path dir) throws Exception {
        Path file = Path.of(DtypesTest.class.getResource("/dtypes/dtypes.safetensors").toURI());
        Map<String, Tensor> loaded = Safetensors.load(file);
        assertEquals(List.of("a_i32", "b_i16", "c_i8", "d_u8"), List.copyOf(loaded.keySet()));
        for (Map.Entry<String, Tensor> e : loaded.entrySet()) {
            check("safetensors." + e.getKey(), e.getValue());
        }
        Path out = dir.resolve("round.safetensors");
        Safetensors.save(loaded, out);
        Map<String, Tensor> again = Safetensors.load(out);
        for (Map.Entry<String, Tensor> e : loaded.entrySet()) {
            Tensor t = again.get(e.getKey());
            assertEquals(e.getValue().dtype(), t.dtype());
            assertArrayEquals(e.getValue().shape(), t.shape());
            assertArrayEquals(e.getValue().toLongArray(), t.toLongArray());
        }
    }
}
