package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.Safetensors;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * float16 and bfloat16 on the CPU against PyTorch (half/make_expected.py): the bit conversions (every pattern, a sweep
 * of float32 values with ties, boundaries, overflow and subnormals, doubles through float32, int64), conversions to and
 * from every type, the promotion table, printing, creation, checked numbers, elementwise ops (contiguous, transposed,
 * broadcast, with numbers, in place), reductions, the kernel families that run on float32 copies (GEMM, convolution,
 * normalization, pooling, indexing, sorting), gradients in the type, a small bfloat16 MLP forward and backward, and
 * safetensors F16/BF16 (a file written as PyTorch's safetensors writes it, and a round trip).
 */
class HalfTypesTest {
    private static final PyTorchCases CASES = new PyTorchCases("/half/expected.txt");
    private static final DType[] HALVES = {DType.FLOAT16, DType.BFLOAT16};

    private static String name(DType t) {
        return t.torchName().substring("torch.".length());
    }

    private static DType dtype(String n) {
        for (DType t : DType.values()) {
            if (t.torchName().equals("torch." + n)) {
                return t;
            }
        }
        throw new IllegalArgumentException(n);
    }

    /** A case's tensor: dtype, shape, tolerance in ulps of the type and the elements (bits for floating types). */
    private static final class Case {
        DType dtype;
        int[] shape;
        int ulps;
        long[] elems;
    }

    private static Case parse(String key) {
        String[] f = CASES.value(key).split(" ");
        Case c = new Case();
        c.dtype = dtype(f[0]);
        String dims = f[1].substring(1, f[1].length() - 1);
        c.shape = dims.isEmpty() ? new int[0] : Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
        c.ulps = Integer.parseInt(f[2]);
        c.elems = new long[f.length - 3];
        for (int i = 3; i < f.length; i++) {
            c.elems[i - 3] = f[i].startsWith("-") ? Long.parseLong(f[i]) : Long.parseUnsignedLong(f[i]);
        }
        return c;
    }

    /** A tensor built from a case's bits (float16, bfloat16, float32, float64, bool or integers). */
    private static Tensor input(String key) {
        Case c = parse(key);
        int n = c.elems.length;
        switch (c.dtype) {
            case FLOAT16:
            case BFLOAT16: {
                short[] b = new short[n];
                for (int i = 0; i < n; i++) {
                    b[i] = (short) c.elems[i];
                }
                return Tensor.fromHalfBits(b, c.dtype, c.shape);
            }
            case FLOAT32: {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = Float.intBitsToFloat((int) c.elems[i]);
                }
                return Tensor.tensor(v).reshape(c.shape);
            }
            case FLOAT64: {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = Double.longBitsToDouble(c.elems[i]);
                }
                return Tensor.tensor(v, DType.FLOAT64).reshape(c.shape);
            }
            default:
                return Tensor.tensor(c.elems).reshape(c.shape).to(c.dtype);
        }
    }

    /** A float's bits on a line where neighbouring values differ by one (so a difference is a count of ulps). */
    private static long ordered(long bits, int width) {
        long sign = 1L << (width - 1);
        return (bits & sign) != 0 ? -(bits & (sign - 1)) : bits;
    }

    /** The elements of a tensor as the cases hold them. */
    private static long[] elements(Tensor t) {
        switch (t.dtype()) {
            case FLOAT16:
            case BFLOAT16: {
                short[] b = t.toHalfBits();
                long[] r = new long[b.length];
                for (int i = 0; i < b.length; i++) {
                    r[i] = b[i] & 0xFFFF;
                }
                return r;
            }
            case FLOAT32: {
                float[] f = t.toFloatArray();
                long[] r = new long[f.length];
                for (int i = 0; i < f.length; i++) {
                    r[i] = Float.floatToRawIntBits(f[i]) & 0xFFFFFFFFL;
                }
                return r;
            }
            case FLOAT64: {
                double[] d = t.toDoubleArray();
                long[] r = new long[d.length];
                for (int i = 0; i < d.length; i++) {
                    r[i] = Double.doubleToRawLongBits(d[i]);
                }
                return r;
            }
            default:
                return t.toLongArray();
        }
    }

    private static boolean isNaN(long bits, DType t) {
        switch (t) {
            case FLOAT16: return Float.isNaN(Half.toFloat((short) bits));
            case BFLOAT16: return Float.isNaN(BFloat16.toFloat((short) bits));
            case FLOAT32: return Float.isNaN(Float.intBitsToFloat((int) bits));
            case FLOAT64: return Double.isNaN(Double.longBitsToDouble(bits));
            default: return false;
        }
    }

    /** The type, shape and elements of a case: exact, or within its ulps; NaN matches any NaN (see the script). */
    private static void check(String key, Tensor got) {
        check(key, got, -1);
    }

    private static void check(String key, Tensor got, int ulpsOverride) {
        Case c = parse(key);
        assertEquals(c.dtype, got.dtype(), key + " dtype");
        assertArrayEquals(c.shape, got.shape(), key + " shape");
        long[] g = elements(got);
        int ulps = ulpsOverride >= 0 ? ulpsOverride : c.ulps;
        int width = 8 * c.dtype.itemSize();
        for (int i = 0; i < g.length; i++) {
            long w = c.elems[i];
            if (isNaN(w, c.dtype) && isNaN(g[i], c.dtype)) {
                continue;
            }
            boolean ok = c.dtype.isFloatingPoint() && ulps > 0
                    ? Math.abs(ordered(w, width) - ordered(g[i], width)) <= ulps : w == g[i];
            if (!ok) {
                fail(key + " element " + i + ": expected bits " + Long.toHexString(w) + " got " + Long.toHexString(g[i])
                        + " (" + got.to(DType.FLOAT64).reshape(-1).toDoubleArray()[i] + ")");
            }
        }
    }

    // ------------------------------------------------------------------ conversions

    @Test
    void everyBitPatternToFloat32AndBack() {
        for (DType t : HALVES) {
            short[] pats = new short[65536];
            for (int i = 0; i < 65536; i++) {
                pats[i] = (short) (i - 32768);
            }
            Tensor h = Tensor.fromHalfBits(pats, t, 65536);
            float[] f = h.toFloatArray();
            long hash = 0;
            for (int i = 0; i < f.length; i++) {
                long v = Float.floatToRawIntBits(f[i]) & 0xFFFFFFFFL;
                hash = hash * 1000003L + v; // modulo 2^64, as the script
                // the bit class agrees with the kernel's
                float direct = t == DType.FLOAT16 ? Half.toFloat(pats[i]) : BFloat16.toFloat(pats[i]);
                assertEquals(Float.floatToRawIntBits(direct), Float.floatToRawIntBits(f[i]));
            }
            assertEquals(Long.parseUnsignedLong(CASES.value("all." + name(t) + ".to_float32.checksum")), hash, t + " checksum");
            short[] back = Tensor.tensor(f).to(t).toHalfBits();
            for (int i = 0; i < 65536; i++) {
                if (Float.isNaN(f[i])) {
                    assertTrue(Float.isNaN(HalfLoopsView.toFloat(t, back[i])));
                    // c10's NaN: float16 keeps the sign with the quiet NaN 0x7E00; bfloat16 is 0x7FC0
                    assertEquals(t == DType.FLOAT16 ? (short) ((pats[i] & 0x8000) | 0x7E00) : (short) 0x7FC0, back[i]);
                } else {
                    assertEquals(pats[i], back[i], t + " pattern " + Integer.toHexString(pats[i] & 0xFFFF));
                }
            }
            assertEquals("True", CASES.value("all." + name(t) + ".roundtrip"));
        }
    }

    /** The bits' values through the public conversion classes. */
    private static final class HalfLoopsView {
        static float toFloat(DType t, short b) {
            return t == DType.FLOAT16 ? Half.toFloat(b) : BFloat16.toFloat(b);
        }
    }

    @Test
    void float32SweepRoundsToNearestEven() {
        Tensor src = input("sweep.float32");
        float[] f = src.toFloatArray();
        for (DType t : HALVES) {
            check("sweep.to." + name(t), src.to(t));
            // the scalar conversions agree with the kernels
            Case c = parse("sweep.to." + name(t));
            for (int i = 0; i < f.length; i++) {
                short s = t == DType.FLOAT16 ? Half.fromFloat(f[i]) : BFloat16.fromFloat(f[i]);
                if (!Float.isNaN(f[i])) {
                    assertEquals((short) c.elems[i], s, t + " of " + f[i]);
                }
            }
        }
        // IEEE edges by name
        assertEquals((short) 0x3C00, Half.fromFloat(1 + 0x1p-11f)); // a tie goes to even (1.0)
        assertEquals((short) 0x3C02, Half.fromFloat(1 + 3 * 0x1p-11f)); // and up to even
        assertEquals((short) 0x7BFF, Half.fromFloat(65519.99f)); // below the midpoint to infinity: the largest
        assertEquals((short) 0x7C00, Half.fromFloat(65520f)); // the midpoint rounds to infinity
        assertEquals((short) 0x0001, Half.fromFloat(0x1p-24f)); // the smallest subnormal
        assertEquals((short) 0x0000, Half.fromFloat(0x1p-25f)); // half of it ties to zero
        assertEquals((short) 0x8000, Half.fromFloat(-0f));
        assertEquals((short) 0x7E00, Half.fromFloat(Float.NaN));
        assertEquals((short) 0x7FC0, BFloat16.fromFloat(Float.NaN));
        assertEquals((short) 0x7F80, BFloat16.fromFloat(Float.MAX_VALUE)); // rounds up past the largest bfloat16
        assertEquals((short) 0x3F80, BFloat16.fromFloat(1 + 0x1p-8f)); // a tie to even
        assertEquals((short) 0x0001, BFloat16.fromFloat(Float.MIN_VALUE * 65536)); // a bfloat16 subnormal
        assertEquals(65504f, Half.toFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Half.toFloat((short) 0x0001));
        assertEquals(Float.NEGATIVE_INFINITY, Half.toFloat((short) 0xFC00));
    }

    @Test
    void doublesAndLongsConvertThroughFloat32() {
        Tensor d = input("doubles.float64");
        Tensor l = input("ints.int64");
        for (DType t : HALVES) {
            check("doubles.to." + name(t), d.to(t));
            check("ints.to." + name(t), l.to(t));
        }
    }

    @Test
    void conversionsToEveryType() {
        for (DType t : HALVES) {
            Tensor v = input("in.vals." + name(t));
            for (DType to : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32, DType.INT16, DType.UINT8,
                DType.BOOL, DType.FLOAT16, DType.BFLOAT16}) {
                check("vals." + name(t) + ".to." + name(to), v.to(to));
                // a transposed (strided) source converts the same
                check("vals." + name(t) + ".to." + name(to), v.reshape(4, 4).t().to(to).t().reshape(16));
            }
            // and back from every type, through float32
            assertArrayEquals(v.toFloatArray(), v.to(DType.FLOAT64).to(t).toFloatArray());
            assertArrayEquals(new float[] {1, 2, 3}, Tensor.tensor(new long[] {1, 2, 3}).to(t).toFloatArray());
            assertArrayEquals(new float[] {1, 0}, Tensor.tensor(new boolean[] {true, false}).to(t).toFloatArray());
            assertArrayEquals(new float[] {255, 1}, Tensor.tensor(new byte[] {-1, 1}, DType.UINT8).to(t).toFloatArray());
        }
    }

    // ------------------------------------------------------------------ dtype facts, promotion, printing, creation

    @Test
    void dtypeFacts() {
        assertEquals("torch.float16", DType.FLOAT16.toString());
        assertEquals("torch.bfloat16", DType.BFLOAT16.toString());
        assertEquals(2, DType.FLOAT16.itemSize());
        assertEquals(2, DType.BFLOAT16.itemSize());
        assertTrue(DType.FLOAT16.isFloatingPoint() && DType.BFLOAT16.isFloatingPoint());
        assertFalse(DType.FLOAT16.isIntegral() || DType.BFLOAT16.isIntegral());
        assertEquals("Half", Format.scalarType(DType.FLOAT16));
        assertEquals("BFloat16", Format.scalarType(DType.BFLOAT16));
        assertEquals(DType.FLOAT32, DType.promote(DType.FLOAT16, DType.BFLOAT16));
        assertTrue(Tensor.zeros(DType.BFLOAT16, 2).dtype().isFloatingPoint());
    }

    private static final DType[] ALL = {DType.BOOL, DType.UINT8, DType.INT8, DType.INT16, DType.INT32, DType.INT64,
        DType.FLOAT16, DType.BFLOAT16, DType.FLOAT32, DType.FLOAT64};

    @Test
    void promotionTableAgainstResultType() {
        for (DType a : ALL) {
            for (DType b : ALL) {
                Tensor x = Tensor.ones(a, 2);
                assertEquals(CASES.value("promote." + name(a) + "." + name(b)), name(ArithmeticOps.resultType(x, Tensor.ones(b, 2))),
                        a + " with " + b);
                assertEquals(CASES.value("promote0." + name(a) + "." + name(b)),
                        name(ArithmeticOps.resultType(x, Tensor.ones(b, 2).sum().to(b))), a + " with 0-dim " + b);
                assertEquals(CASES.value("promote." + name(a) + "." + name(b)), name(x.add(Tensor.ones(b, 2)).dtype()));
            }
            assertEquals(CASES.value("promote." + name(a) + ".pyfloat"), name(Tensor.ones(a, 2).mul(2.5).dtype()), a + " * 2.5");
            if (a != DType.BOOL) {
                assertEquals(CASES.value("promote." + name(a) + ".pyint"), name(Tensor.ones(a, 2).mul(2L).dtype()), a + " * 2");
            }
        }
    }

    private static void printed(String key, Tensor t) {
        assertEquals(CASES.value(key).replace("\\n", "\n").replace("\\\\", "\\"), t.toString(), key);
    }

    @Test
    void printsAsPyTorch() {
        for (DType t : HALVES) {
            String n = name(t);
            printed("print.small." + n, Tensor.tensor(new double[] {1, 2.5, -3}).to(t));
            printed("print.ints." + n, Tensor.tensor(new double[] {1, 2, 300}).to(t));
            printed("print.sci." + n, Tensor.tensor(new double[] {1e-5, 1, 60000}).to(t));
            printed("print.frac." + n, Tensor.arange(10).reshape(2, 5).to(DType.FLOAT32).div(7).to(t));
            printed("print.special." + n, Tensor.tensor(new double[] {Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, 0.1}).to(t));
            printed("print.scalar." + n, Tensor.scalar(1.0 / 3).to(DType.FLOAT32).to(t));
            printed("print.empty." + n, Tensor.zeros(t, 0, 2));
            printed("print.grad." + n, Tensor.tensor(new double[] {0.5, 1.5}).to(t).requiresGrad_(true));
            printed("print.long." + n, Tensor.linspace(-2, 2, 1200).to(t));
        }
    }

    @Test
    void creationWithTheType() {
        for (DType t : HALVES) {
            String n = name(t);
            check("create.zeros." + n, Tensor.zeros(t, 2, 3));
            check("create.ones." + n, Tensor.ones(t, 3));
            check("create.full." + n, Tensor.full(t, 0.1, 2));
            check("create.arange." + n, Tensor.arange(0, 2, 0.3, DType.FLOAT64).to(t));
            check("create.linspace." + n, Tensor.linspace(0, 1, 7).to(DType.FLOAT64).to(t), 1);
            check("create.tensor." + n, Tensor.tensor(new double[][] {{0.1, 2.0}, {3.3, -4.4}}, t));
            check("create.tensorints." + n, Tensor.tensor(new long[][] {{1, 2049, 70000}}, t).reshape(3));
            assertEquals(Double.parseDouble(CASES.value("item." + n)), Tensor.scalar(0.1).to(t).item());
            // random draws of the type: in range, of the type
            Tensor r = Tensor.rand(t, 1000);
            assertEquals(t, r.dtype());
            assertTrue(r.ge(0.0).all() && r.lt(1.0).all());
            Tensor g = Tensor.randn(t, 1000);
            assertEquals(t, g.dtype());
            assertTrue(Math.abs(g.to(DType.FLOAT32).mean().item()) < 0.2);
            assertEquals(t, Tensor.arange(0, 5, 1, t).dtype());
            assertArrayEquals(new float[] {0, 1, 2, 3, 4}, Tensor.arange(0, 5, 1, t).toFloatArray());
        }
    }

    @Test
    void numbersThatDoNotFitAreRefused() {
        for (DType t : HALVES) {
            String n = name(t);
            Tensor a = Tensor.ones(t, 2);
            double big = t == DType.FLOAT16 ? 65505.0 : 3.4e38;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.full(t, big, 2));
            assertEquals(CASES.error("full.overflow." + n), e.getMessage());
            double alpha = t == DType.FLOAT16 ? 1e6 : 1e39;
            e = assertThrows(IllegalArgumentException.class, () -> a.add(a, alpha));
            assertEquals(CASES.error("alpha.overflow." + n), e.getMessage());
            assertArrayEquals(new float[] {1, 1}, a.toFloatArray()); // unchanged
            // infinities fit
            assertEquals(Float.POSITIVE_INFINITY, Tensor.full(t, Double.POSITIVE_INFINITY, 1).toFloatArray()[0]);
        }
    }

    // ------------------------------------------------------------------ ops against PyTorch

    private static Tensor in(String k, DType t) {
        Tensor x = input("in." + k + "." + name(t));
        return k.equals("xt") ? x.t().contiguous().t() : x; // the transpose of a contiguous 5x4, as the script's
    }

    private static Map<String, Function<Tensor, Tensor>> unary() {
        Map<String, Function<Tensor, Tensor>> u = new LinkedHashMap<>();
        u.put("neg", Tensor::neg);
        u.put("abs", Tensor::abs);
        u.put("exp", Tensor::exp);
        u.put("sin", Tensor::sin);
        u.put("cos", Tensor::cos);
        u.put("tanh", Tensor::tanh);
        u.put("sigmoid", Tensor::sigmoid);
        u.put("relu", Tensor::relu);
        u.put("floor", Tensor::floor);
        u.put("ceil", Tensor::ceil);
        u.put("round", Tensor::round);
        u.put("trunc", Tensor::trunc);
        u.put("reciprocal", Tensor::reciprocal);
        u.put("erf", Tensor::erf);
        u.put("log1p", Tensor::log1p);
        u.put("expm1", Tensor::expm1);
        u.put("gelu", x -> NNFunctions.gelu(x, "none"));
        u.put("silu", NNFunctions::silu);
        return u;
    }

    @TestFactory
    List<DynamicTest> unaryOps() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DType t : HALVES) {
            for (Map.Entry<String, Function<Tensor, Tensor>> e : unary().entrySet()) {
                String k = "unary." + e.getKey();
                tests.add(DynamicTest.dynamicTest(k + " " + t, () -> {
                    check(k + "." + name(t), e.getValue().apply(in("x", t)));
                    check(k + ".t." + name(t), e.getValue().apply(in("xt", t)));
                }));
            }
            tests.add(DynamicTest.dynamicTest("unary.positive " + t, () -> {
                check("unary.log." + name(t), in("p", t).log());
                check("unary.sqrt." + name(t), in("p", t).sqrt());
                check("unary.rsqrt." + name(t), in("p", t).rsqrt());
            }));
        }
        return tests;
    }

    private static Map<String, Function<DType, Tensor>> binary() {
        Map<String, Function<DType, Tensor>> b = new LinkedHashMap<>();
        b.put("add", t -> in("x", t).add(in("y", t)));
        b.put("sub", t -> in("x", t).sub(in("y", t)));
        b.put("mul", t -> in("x", t).mul(in("y", t)));
        b.put("div", t -> in("x", t).div(in("y", t)));
        b.put("maximum", t -> in("x", t).maximum(in("y", t)));
        b.put("minimum", t -> in("x", t).minimum(in("y", t)));
        b.put("pow", t -> in("p", t).pow(in("y", t)));
        b.put("atan2", t -> in("x", t).atan2(in("y", t)));
        b.put("remainder", t -> in("x", t).remainder(in("y", t)));
        b.put("fmod", t -> in("x", t).fmod(in("y", t)));
        b.put("add.t", t -> in("xt", t).add(in("y", t)));
        b.put("mul.bcast", t -> in("x", t).mul(in("b", t)));
        b.put("sub.bcast.t", t -> in("b", t).sub(in("xt", t)));
        b.put("add.alpha", t -> in("x", t).add(in("y", t), 0.3));
        b.put("div.floor", t -> in("x", t).div(in("y", t), "floor"));
        b.put("where", t -> Tensor.where(in("x", t).gt(0L), in("x", t), in("y", t)));
        b.put("clamp", t -> in("x", t).clamp(-0.5, 0.5));
        b.put("gt", t -> in("x", t).gt(in("y", t)));
        b.put("eq", t -> in("x", t).eq(in("x", t).t().t()));
        b.put("le.bcast", t -> in("x", t).le(in("b", t)));
        b.put("add.s", t -> in("x", t).add(0.1));
        b.put("sub.s", t -> in("x", t).sub(0.3));
        b.put("rsub.s", t -> in("x", t).neg().add(0.3));
        b.put("pow.s", t -> in("x", t).pow(2.0));
        b.put("pow.s3", t -> in("x", t).pow(3.0));
        b.put("gt.s", t -> in("x", t).gt(0.1));
        b.put("eq.s", t -> in("x", t).eq(0.1));
        b.put("maximum.s", t -> in("x", t).clampMin(0.1));
        b.put("mul.s", t -> in("x", t).mul(0.1));
        b.put("div.s", t -> in("x", t).div(3.0));
        b.put("mul.int", t -> in("x", t).mul(3L));
        b.put("mixed.f32", t -> in("x", t).add(in("y", t).to(DType.FLOAT32)));
        b.put("mixed.int", t -> in("x", t).add(Tensor.arange(5)));
        b.put("add_", t -> in("x", t).clone().add_(in("y", t)));
        b.put("mul_.s", t -> in("x", t).clone().mul_(2.5));
        return b;
    }

    @TestFactory
    List<DynamicTest> binaryOps() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DType t : HALVES) {
            for (Map.Entry<String, Function<DType, Tensor>> e : binary().entrySet()) {
                String k = "binary." + e.getKey() + "." + name(t);
                tests.add(DynamicTest.dynamicTest(k, () -> check(k, e.getValue().apply(t))));
            }
        }
        return tests;
    }

    private static Map<String, Function<DType, Tensor>> reductions() {
        Map<String, Function<DType, Tensor>> r = new LinkedHashMap<>();
        r.put("sum", t -> in("x", t).sum());
        r.put("sum.dim", t -> in("x", t).sum(0));
        r.put("sum.t", t -> in("xt", t).sum(1));
        r.put("mean", t -> in("x", t).mean());
        r.put("mean.dim", t -> in("x", t).mean(1));
        r.put("prod", t -> in("u", t).prod(1, false));
        r.put("amax", t -> in("x", t).amax(new int[] {1}, false));
        r.put("amin", t -> in("xt", t).amin(new int[] {0}, false));
        r.put("var", t -> in("x", t).var(new int[] {1}, 1, false));
        r.put("std", t -> in("x", t).std());
        r.put("norm", t -> in("x", t).norm());
        r.put("norm.dim", t -> in("x", t).norm(3, new int[] {1}, false));
        r.put("logsumexp", t -> in("x", t).logsumexp(1));
        r.put("softmax", t -> in("x", t).softmax(1));
        r.put("softmax.t", t -> in("xt", t).softmax(0));
        r.put("log_softmax", t -> in("x", t).logSoftmax(1));
        r.put("argmax", t -> in("x", t).argmax(1, false));
        r.put("max.dim", t -> in("x", t).max(0, false).values());
        r.put("cumsum", t -> in("x", t).cumsum(1));
        return r;
    }

    @TestFactory
    List<DynamicTest> reductionsAccumulateInFloat32() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DType t : HALVES) {
            for (Map.Entry<String, Function<DType, Tensor>> e : reductions().entrySet()) {
                String k = "reduce." + e.getKey() + "." + name(t);
                tests.add(DynamicTest.dynamicTest(k, () -> check(k, e.getValue().apply(t))));
            }
        }
        return tests;
    }

    private static Map<String, Function<DType, Tensor>> families() {
        Map<String, Function<DType, Tensor>> f = new LinkedHashMap<>();
        f.put("mm", t -> in("m", t).matmul(in("x", t)));
        f.put("mm.t", t -> in("m", t).t().matmul(in("x", t)));
        f.put("bmm", t -> in("bat", t).bmm(in("bat2", t)));
        f.put("linear", t -> Functional.linear(in("x", t), in("w", t), in("bias", t)));
        f.put("conv2d", t -> Tensor.conv2d(in("img", t), in("k", t), null, new int[] {1, 1}, new int[] {1, 1},
                new int[] {1, 1}, 1));
        f.put("layer_norm", t -> Tensor.layerNorm(in("x", t), new int[] {5}, null, null, 1e-5));
        f.put("max_pool2d", t -> Tensor.maxPool2d(in("img", t), new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0},
                new int[] {1, 1}, false));
        f.put("avg_pool2d", t -> Tensor.avgPool2d(in("img", t), new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, false,
                true));
        f.put("gather", t -> in("x", t).gather(1, Tensor.tensor(new long[][] {{0, 4}, {1, 1}, {2, 0}, {3, 3}})));
        f.put("index", t -> in("x", t).index(Index.of(Tensor.tensor(new long[] {2, 0}))));
        f.put("sort", t -> in("x", t).sort(1, false).values());
        f.put("cat", t -> Tensor.cat(List.of(in("x", t), in("y", t)), 0));
        return f;
    }

    @TestFactory
    List<DynamicTest> kernelFamiliesOnFloat32Copies() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DType t : HALVES) {
            for (Map.Entry<String, Function<DType, Tensor>> e : families().entrySet()) {
                String k = "family." + e.getKey() + "." + name(t);
                tests.add(DynamicTest.dynamicTest(k, () -> check(k, e.getValue().apply(t))));
            }
        }
        return tests;
    }

    @Test
    void unsupportedDecompositionsSayTheType() {
        for (DType t : HALVES) {
            Tensor m = Tensor.eye(3).to(t);
            assertEquals(CASES.error("linalg.cholesky." + name(t)),
                    assertThrows(IllegalArgumentException.class, m::linalgCholesky).getMessage());
            assertEquals(CASES.error("linalg.qr." + name(t)), assertThrows(IllegalArgumentException.class, m::linalgQr).getMessage());
            assertEquals(CASES.error("linalg.det." + name(t)), assertThrows(IllegalArgumentException.class, m::linalgDet).getMessage());
            assertArrayEquals(Tensor.eye(3).toFloatArray(), m.toFloatArray()); // unchanged
        }
    }

    @Test
    void emptyTensorsAndInPlaceOnViews() {
        for (DType t : HALVES) {
            Tensor e = Tensor.zeros(t, 0, 3);
            assertEquals(t, e.sum().dtype());
            assertEquals(0f, e.sum().toFloatArray()[0]);
            assertArrayEquals(new float[] {0, 0, 0}, e.sum(0).toFloatArray());
            assertTrue(Float.isNaN(e.mean().toFloatArray()[0]));
            assertArrayEquals(new int[] {0, 3}, e.add(1L).shape());
            // an in-place op on a view: CopySlices, the number read in float for mul (PyTorch 2.x), gradients in the type
            Tensor x = Tensor.tensor(new double[] {1, 2, 3, 4}).to(t).requiresGrad_(true);
            Tensor y = x.clone();
            y.narrow(0, 1, 2).mul_(0.1);
            assertEquals("CopySlices", y.gradFn().name());
            float tenth = HalfLoopsView.toFloat(t, t == DType.FLOAT16 ? Half.fromFloat(0.1f) : BFloat16.fromFloat(0.1f));
            float two = HalfLoopsView.toFloat(t, t == DType.FLOAT16 ? Half.fromFloat(2 * 0.1f) : BFloat16.fromFloat(2 * 0.1f));
            float three = HalfLoopsView.toFloat(t, t == DType.FLOAT16 ? Half.fromFloat(3 * 0.1f) : BFloat16.fromFloat(3 * 0.1f));
            assertArrayEquals(new float[] {1, two, three, 4}, y.toFloatArray());
            y.sum().backward();
            assertEquals(t, x.grad().dtype());
            assertArrayEquals(new float[] {1, tenth, tenth, 1}, x.grad().toFloatArray());
        }
    }

    // ------------------------------------------------------------------ autograd

    @Test
    void gradientsKeepTheType() {
        for (DType t : HALVES) {
            Tensor x = in("x", t).requiresGrad_(true);
            Tensor y = in("y", t).requiresGrad_(true);
            Tensor loss = x.mul(y).sum().add(x.div(3.0).sum());
            assertEquals(t, loss.dtype());
            loss.backward();
            check("grad.mul.x." + name(t), x.grad(), 1);
            check("grad.mul.y." + name(t), y.grad());
        }
    }

    private static Map<String, java.util.function.BinaryOperator<Tensor>> gradCases() {
        Map<String, java.util.function.BinaryOperator<Tensor>> m = new LinkedHashMap<>();
        m.put("conv2d", (a, c) -> Tensor.conv2d(a, c, null, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1)
                .mul(0.5).sum());
        m.put("layer_norm", (a, c) -> Tensor.layerNorm(a, new int[] {5}, c.select(0, 0), c.select(0, 1), 1e-5).mul(c).sum());
        m.put("softmax", (a, c) -> a.softmax(1).mul(c).sum());
        m.put("log_softmax", (a, c) -> a.logSoftmax(1).mul(c).sum());
        m.put("gelu", (a, c) -> NNFunctions.gelu(a, "none").mul(c).sum());
        m.put("tanh", (a, c) -> a.tanh().mul(c).sum());
        return m;
    }

    @TestFactory
    List<DynamicTest> familyGradientsInTheType() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DType t : HALVES) {
            for (Map.Entry<String, java.util.function.BinaryOperator<Tensor>> e : gradCases().entrySet()) {
                String op = e.getKey();
                tests.add(DynamicTest.dynamicTest("grad " + op + " " + t, () -> {
                    boolean conv = op.equals("conv2d");
                    Tensor a = in(conv ? "img" : "x", t).requiresGrad_(true);
                    Tensor c = in(conv ? "k" : "y", t).requiresGrad_(true);
                    e.getValue().apply(a, c).backward();
                    check("gradf." + op + ".0." + name(t), a.grad());
                    if (!op.equals("layer_norm")) { // c's gradient there sums three terms in an order of PyTorch's
                        check("gradf." + op + ".1." + name(t), c.grad());
                    }
                }));
            }
        }
        return tests;
    }

    @Test
    void bfloat16MlpForwardAndBackwardAgainstPyTorch() {
        Tensor w1 = input("mlp.in.W1").requiresGrad_(true);
        Tensor b1 = input("mlp.in.B1").requiresGrad_(true);
        Tensor w2 = input("mlp.in.W2").requiresGrad_(true);
        Tensor b2 = input("mlp.in.B2").requiresGrad_(true);
        Tensor x = input("mlp.in.X");
        Tensor target = Tensor.tensor(new long[] {0, 3, 1, 2, 2, 0});
        Tensor logits = Functional.linear(Functional.linear(x, w1, b1).tanh(), w2, b2);
        Tensor loss = Functional.crossEntropy(logits, target);
        assertEquals(DType.BFLOAT16, logits.dtype());
        assertEquals(DType.BFLOAT16, loss.dtype());
        // the nodes PyTorch records, whatever the type
        assertEquals("AddmmBackward0", logits.gradFn().name());
        assertEquals("NllLossBackward0", loss.gradFn().name());
        loss.backward();
        // PyTorch's own bfloat16 tolerance (torch.testing: rtol 1.6e-2, atol 1e-5) against PyTorch's bfloat16 run,
        // with an atol of a few bfloat16 steps of the gradients' scale, and within 5e-2 of the float64 reference
        close("mlp.logits", logits, 1.6e-2, 2e-2);
        close("mlp.loss", loss, 1.6e-2, 1e-2);
        String[] names = {"W1", "B1", "W2", "B2"};
        Tensor[] ps = {w1, b1, w2, b2};
        for (int i = 0; i < 4; i++) {
            assertEquals(DType.BFLOAT16, ps[i].grad().dtype());
            close("mlp.grad." + names[i], ps[i].grad(), 1.6e-2, 4e-3);
            close("mlp64.grad." + names[i], ps[i].grad(), 5e-2, 8e-3);
        }
        close("mlp64.loss", loss, 1.6e-2, 1e-2);
    }

    private static void close(String key, Tensor got, double rtol, double atol) {
        double[] want = input(key).toDoubleArray();
        double[] g = got.toDoubleArray();
        assertEquals(want.length, g.length, key);
        for (int i = 0; i < g.length; i++) {
            assertTrue(Math.abs(want[i] - g[i]) <= atol + rtol * Math.abs(want[i]),
                    key + " element " + i + ": expected " + want[i] + " got " + g[i]);
        }
    }

    // ------------------------------------------------------------------ safetensors

    @Test
    void safetensorsFromPyTorchsLayoutAndRoundTrip(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("half.safetensors");
        try (InputStream in = HalfTypesTest.class.getResourceAsStream("/half/half.safetensors")) {
            Files.write(file, in.readAllBytes());
        }
        Map<String, Tensor> got = Safetensors.load(file);
        check("st.h", got.get("h"));
        check("st.g", got.get("g"));
        // written back, the bytes are the reference writer's (BF16 before F16, names in order)
        Path again = dir.resolve("again.safetensors");
        Safetensors.save(got, again);
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(again));
        Map<String, Tensor> back = Safetensors.load(again);
        assertArrayEquals(got.get("h").toHalfBits(), back.get("h").toHalfBits());
        assertArrayEquals(got.get("g").toHalfBits(), back.get("g").toHalfBits());
    }
}
