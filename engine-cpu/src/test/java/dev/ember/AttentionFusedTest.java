package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused attention kernel (FlashAttention's blocked online softmax, {@code AttentionKernels}) against the unfused
 * composition (PyTorch's math path, {@code AttentionOps.math}) on many shapes (blocks of queries and keys crossed, L
 * above and below S, one row, one key), masks (none, boolean, additive, broadcast, fully masked rows), causal settings,
 * grouped-query heads, scales and layouts: outputs and the gradients of query, key and value, in float64 (to 1e-12) and
 * float32; the fused op's gradcheck and gradgradcheck; and which path PyTorch's dispatch rules choose.
 */
class AttentionFusedTest {
    private static final Generator GEN = new Generator(4242);

    private static Tensor r(DType t, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(4.0).sub(2.0).to(t);
    }

    /** The same values laid out as MHA's heads are: [B, L, H, E] in memory, seen as [B, H, L, E]. */
    static Tensor headsView(Tensor t) {
        return t.transpose(1, 2).contiguous().transpose(1, 2);
    }

    /** A layout whose last dimension is not of stride 1 (the kernel takes any strides). */
    static Tensor lastStrided(Tensor t) {
        return t.transpose(-1, -2).contiguous().transpose(-1, -2);
    }

    /** One comparison: the fused op and the composition on the same inputs, values and gradients. */
    private static void compare(String name, Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, Double scale,
                                Function<Tensor, Tensor> layout) {
        DType t = q.dtype();
        double tol = t == DType.FLOAT64 ? 1e-12 : 2e-5;
        Tensor[] fused = run(q, k, v, mask, causal, scale, layout, true);
        Tensor[] math = run(q, k, v, mask, causal, scale, layout, false);
        String[] what = {"out", "grad q", "grad k", "grad v"};
        for (int i = 0; i < 4; i++) {
            close(name + " " + what[i], math[i], fused[i], tol);
        }
    }

    /** Output and gradients (of sum(out * gout), gout fixed by the shapes) through one path. */
    private static Tensor[] run(Tensor q0, Tensor k0, Tensor v0, Tensor mask, boolean causal, Double scale,
                                Function<Tensor, Tensor> layout, boolean fused) {
        Tensor q = q0.detach().requiresGrad_(true);
        Tensor k = k0.detach().requiresGrad_(true);
        Tensor v = v0.detach().requiresGrad_(true);
        Tensor m = AttentionOps.convertBooleanMask(mask, q.dtype());
        boolean gqa = q.size(-3) != k.size(-3);
        Tensor out = fused ? AttentionOps.fused(layout.apply(q), layout.apply(k), layout.apply(v), m, causal, scale)
                : AttentionOps.math(layout.apply(q), layout.apply(k), layout.apply(v), m, 0, causal, scale, gqa, null)[0];
        assertEquals(fused ? AttentionOps.FUSED_NODE : "UnsafeViewBackward0", out.gradFn().name());
        Tensor gout = Tensor.rand(new Generator(99), DType.FLOAT64, out.shape()).sub(0.5).to(out.dtype());
        out.backward(gout);
        return new Tensor[] {out.detach(), q.grad(), k.grad(), v.grad()};
    }

    static void close(String what, Tensor expected, Tensor actual, double tol) {
        assertEquals(Arrays.toString(expected.shape()), Arrays.toString(actual.shape()), what + " shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        double scale = 0;
        for (double x : e) {
            scale = Math.max(scale, Math.abs(x));
        }
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) ? Double.isNaN(a[i]) : Math.abs(e[i] - a[i]) <= tol * Math.max(1, scale);
            if (!ok) {
                throw new AssertionError(what + ": element " + i + " expected " + e[i] + " but was " + a[i]);
            }
        }
    }

    private static DynamicTest c(String name, Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, Double scale) {
        return DynamicTest.dynamicTest(name, () -> compare(name, q, k, v, mask, causal, scale, x -> x));
    }

    private static DynamicTest c(String name, Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, Double scale,
                                 Function<Tensor, Tensor> layout) {
        return DynamicTest.dynamicTest(name, () -> compare(name, q, k, v, mask, causal, scale, layout));
    }

    /** A boolean [rows, cols] mask with about a quarter false, some rows entirely false when {@code emptyRows}. */
    private static Tensor boolMask(boolean emptyRows, int... shape) {
        return boolMask(GEN, emptyRows, shape);
    }

    /**
     * A boolean mask drawn from {@code gen}: about a quarter false, and rows 0 and 3 (where they exist) entirely false
     * when {@code emptyRows} (shared with {@link AttentionDropoutTest}, each class drawing from its own generator).
     */
    static Tensor boolMask(Generator gen, boolean emptyRows, int... shape) {
        Tensor m = Tensor.rand(gen, DType.FLOAT64, shape).ge(0.25);
        if (emptyRows) {
            m = m.clone();
            m.select(-2, 0).fill_(0.0);
            if (shape[shape.length - 2] > 3) {
                m.select(-2, 3).fill_(0.0);
            }
        }
        return m;
    }

    @TestFactory
    List<DynamicTest> fusedMatchesTheComposition() {
        List<DynamicTest> t = new ArrayList<>();
        int[][] shapes = { // B, H, L, S, E
            {1, 1, 1, 1, 1}, {2, 3, 5, 7, 4}, {1, 2, 7, 5, 3}, {2, 2, 70, 130, 8}, {1, 1, 65, 300, 16},
            {1, 2, 129, 64, 5}, {3, 1, 1, 257, 6}, {1, 1, 300, 1, 2}};
        for (DType d : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            for (int[] s : shapes) {
                String n = Arrays.toString(s) + " " + d;
                Tensor q = r(d, s[0], s[1], s[2], s[4]);
                Tensor k = r(d, s[0], s[1], s[3], s[4]);
                Tensor v = r(d, s[0], s[1], s[3], s[4]);
                t.add(c("plain " + n, q, k, v, null, false, null));
                t.add(c("causal " + n, q, k, v, null, true, null));
                t.add(c("bool mask 2-D " + n, q, k, v, boolMask(false, s[2], s[3]), false, null));
                t.add(c("bool mask with masked rows " + n, q, k, v, boolMask(true, s[2], s[3]), false, null));
                t.add(c("key padding (B, 1, 1, S) " + n, q, k, v, boolMask(false, s[0], 1, 1, s[3]), false, null));
                t.add(c("float mask (1, H, L, S) " + n, q, k, v, r(d, 1, s[1], s[2], s[3]), false, 0.7));
                t.add(c("float mask (L, 1) " + n, q, k, v, r(d, s[2], 1), false, null));
                t.add(c("negative scale " + n, q, k, v, null, true, -0.3));
                t.add(c("heads layout " + n, q, k, v, boolMask(false, s[2], s[3]), false, null, AttentionFusedTest::headsView));
                t.add(c("last dim strided " + n, q, k, v, null, true, null, AttentionFusedTest::lastStrided));
            }
            // grouped-query attention: 6 query heads over 2 key/value heads
            Tensor q = r(d, 2, 6, 70, 8);
            Tensor k = r(d, 2, 2, 90, 8);
            Tensor v = r(d, 2, 2, 90, 8);
            t.add(c("gqa " + d, q, k, v, null, false, null));
            t.add(c("gqa causal " + d, q, k, v, null, true, null));
            t.add(c("gqa mask " + d, q, k, v, boolMask(true, 2, 6, 70, 90), false, null));
            // a float32 mask on float64 inputs, as PyTorch allows
            Tensor q2 = r(d, 1, 2, 9, 4);
            t.add(c("float32 mask " + d, q2, q2.mul(0.5), q2.add(1.0), r(DType.FLOAT32, 9, 9), false, null));
            // -inf in an additive mask, a row of them
            Tensor inf = Tensor.zeros(d, 9, 9);
            inf.select(0, 2).fill_(Double.NEGATIVE_INFINITY);
            inf.select(1, 4).fill_(Double.NEGATIVE_INFINITY);
            t.add(c("-inf mask " + d, q2, q2.mul(0.5), q2.add(1.0), inf, false, null));
        }
        return t;
    }

    @Test
    void fullyMaskedRowsAreZeroWithZeroGradients() {
        Tensor q = r(DType.FLOAT64, 1, 1, 4, 3).requiresGrad_(true);
        Tensor k = r(DType.FLOAT64, 1, 1, 5, 3).requiresGrad_(true);
        Tensor v = r(DType.FLOAT64, 1, 1, 5, 3).requiresGrad_(true);
        Tensor mask = Tensor.ones(DType.BOOL, 4, 5).clone();
        mask.select(0, 1).fill_(0.0);
        Tensor out = Tensor.scaledDotProductAttention(q, k, v, mask, 0, false, null, false, null);
        assertEquals(AttentionOps.FUSED_NODE, out.gradFn().name());
        double[] row = out.select(2, 1).toDoubleArray();
        assertTrue(Arrays.stream(row).allMatch(x -> x == 0), Arrays.toString(row));
        out.sum().backward();
        assertTrue(Arrays.stream(q.grad().select(2, 1).toDoubleArray()).allMatch(x -> x == 0));
        // the composition (3-D inputs) gives the same zeros
        Tensor m3 = Tensor.scaledDotProductAttention(q.detach().squeeze(0), k.detach().squeeze(0), v.detach().squeeze(0),
                mask, 0, false, null, false, null);
        assertTrue(Arrays.stream(m3.select(1, 1).toDoubleArray()).allMatch(x -> x == 0));
    }

    @Test
    void theOutputIsLaidOutAsPyTorchs() {
        Tensor q = r(DType.FLOAT32, 2, 3, 4, 5);
        Tensor out = Tensor.scaledDotProductAttention(q, q, q, null, 0, false, null, false, null);
        assertEquals("[60, 5, 15, 1]", Arrays.toString(out.stride()));
        assertFalse(out.isContiguous());
        assertTrue(out.transpose(1, 2).isContiguous());
    }

    @TestFactory
    List<DynamicTest> pyTorchsChoiceOfPath() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor q = r(DType.FLOAT32, 2, 3, 4, 5);
        Tensor k = r(DType.FLOAT32, 2, 3, 6, 5);
        Object[][] cases = {
            {"4-D float", q, k, k, null, 0.0, false, true},
            {"dropout", q, k, k, null, 0.1, false, false},
            {"3-D", q.select(0, 0), k.select(0, 0), k.select(0, 0), null, 0.0, false, false},
            {"value head dim differs", q, k, r(DType.FLOAT32, 2, 3, 6, 4), null, 0.0, false, false},
            {"batch broadcast", q, k.narrow(0, 0, 1), k.narrow(0, 0, 1), null, 0.0, false, false},
            {"gqa without enable_gqa", q, r(DType.FLOAT32, 2, 1, 6, 5), r(DType.FLOAT32, 2, 1, 6, 5), null, 0.0, false, false},
            {"gqa", q, r(DType.FLOAT32, 2, 1, 6, 5), r(DType.FLOAT32, 2, 1, 6, 5), null, 0.0, true, true},
            {"2-D mask", q, k, k, Tensor.ones(DType.BOOL, 4, 6), 0.0, false, true},
            {"3-D mask", q, k, k, Tensor.ones(DType.BOOL, 3, 4, 6), 0.0, false, false},
            {"4-D mask (B, 1, 1, S)", q, k, k, Tensor.ones(DType.BOOL, 2, 1, 1, 6), 0.0, false, true},
            {"4-D mask of heads 2", q, k, k, Tensor.ones(DType.BOOL, 2, 2, 4, 6), 0.0, false, false},
            {"mask requiring grad", q, k, k, Tensor.zeros(DType.FLOAT32, 4, 6).requiresGrad_(true), 0.0, false, false},
            {"mask last dim strided", q, k, k, Tensor.zeros(DType.FLOAT32, 6, 4).t(), 0.0, false, false},
            {"last dim strided", lastStrided(q), k, k, null, 0.0, false, false},
            {"heads layout", headsView(q), headsView(k), headsView(k), null, 0.0, false, true},
            {"empty keys", q, k.narrow(2, 0, 0), k.narrow(2, 0, 0), null, 0.0, false, false},
            {"int64", q.to(DType.INT64), k.to(DType.INT64), k.to(DType.INT64), null, 0.0, false, false},
        };
        for (Object[] cs : cases) {
            t.add(DynamicTest.dynamicTest((String) cs[0], () -> assertEquals(cs[7], AttentionOps.useFused((Tensor) cs[1],
                    (Tensor) cs[2], (Tensor) cs[3], (Tensor) cs[4], (double) cs[5], (boolean) cs[6]), (String) cs[0])));
        }
        return t;
    }

    @TestFactory
    List<DynamicTest> gradchecks() {
        List<DynamicTest> t = new ArrayList<>();
        Generator g = new Generator(7);
        Function<int[], Tensor> r64 = s -> Tensor.rand(g, DType.FLOAT64, s).mul(2.0).sub(1.0).requiresGrad_(true);
        Tensor q = r64.apply(new int[] {1, 2, 3, 4});
        Tensor k = r64.apply(new int[] {1, 2, 5, 4});
        Tensor v = r64.apply(new int[] {1, 2, 5, 4});
        Tensor mask = boolMask(true, 3, 5);
        Function<Tensor[], Tensor> plain = a -> Tensor.scaledDotProductAttention(a[0], a[1], a[2], null, 0, false, null,
                false, null);
        Function<Tensor[], Tensor> causal = a -> Tensor.scaledDotProductAttention(a[0], a[1], a[2], null, 0, true, 0.8,
                false, null);
        Function<Tensor[], Tensor> masked = a -> Tensor.scaledDotProductAttention(a[0], a[1], a[2], mask, 0, false, null,
                false, null);
        Function<Tensor[], Tensor> strided = a -> Tensor.scaledDotProductAttention(headsView(a[0]), headsView(a[1]),
                headsView(a[2]), null, 0, false, null, false, null);
        Tensor kg = r64.apply(new int[] {1, 1, 5, 4});
        Tensor vg = r64.apply(new int[] {1, 1, 5, 4});
        Function<Tensor[], Tensor> gqa = a -> Tensor.scaledDotProductAttention(a[0], a[1], a[2], null, 0, true, null, true,
                null);
        for (Object[] cs : new Object[][] {{"plain", plain}, {"causal", causal}, {"masked", masked}, {"strided", strided}}) {
            @SuppressWarnings("unchecked")
            Function<Tensor[], Tensor> f = (Function<Tensor[], Tensor>) cs[1];
            t.add(DynamicTest.dynamicTest("gradcheck " + cs[0], () -> {
                assertEquals(AttentionOps.FUSED_NODE, f.apply(new Tensor[] {q, k, v}).gradFn().name());
                assertTrue(Autograd.gradcheck(f, new Tensor[] {q, k, v}, 1e-6, 1e-5, 1e-3));
            }));
            t.add(DynamicTest.dynamicTest("gradgradcheck " + cs[0], () -> assertTrue(Autograd.gradgradcheck(f, q, k, v))));
        }
        t.add(DynamicTest.dynamicTest("gradcheck gqa", () -> assertTrue(Autograd.gradcheck(gqa, new Tensor[] {q, kg, vg},
                1e-6, 1e-5, 1e-3))));
        t.add(DynamicTest.dynamicTest("gradgradcheck gqa", () -> assertTrue(Autograd.gradgradcheck(gqa, q, kg, vg))));
        return t;
    }
}
