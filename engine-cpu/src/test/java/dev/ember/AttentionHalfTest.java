package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused attention for float16 and bfloat16 inputs, PyTorch 2.x's {@code _scaled_dot_product_flash_attention_for_cpu}
 * for the half types (float32 accumulation, a float32 logsumexp, out and gradients of the input type, rounded once):
 * <ul>
 *   <li>values and gradients against PyTorch's arithmetic (the float32 composition on the widened inputs, rounded once:
 *       resources/attentionhalf/make_expected.py), with torch.testing's default tolerances of each type;</li>
 *   <li>the output equal, bit for bit, to the float32 fused kernel's on the widened inputs rounded once, and the
 *       gradients close to its rounded gradients, on many shapes (odd L and S, blocks crossed), causal, boolean, additive
 *       (float32 and half) and broadcast masks, fully masked rows, grouped-query heads and non-contiguous layouts;</li>
 *   <li>the output close to Ember's math composition run in float32;</li>
 *   <li>the dispatch and the node names: the fused CPU node for half inputs; on a (fake) CUDA device PyTorch's flash
 *       node without a mask, its memory-efficient node with a mask or causal with L != S, the composition for grouped
 *       heads where flash does not apply; the host round trip's values equal to the CPU's; autocast to bfloat16.</li>
 * </ul>
 */
class AttentionHalfTest {
    private static final PyTorchCases TORCH = new PyTorchCases("/attentionhalf/expected.txt");
    private static final DType[] HALF = {DType.FLOAT16, DType.BFLOAT16};
    private static final Generator GEN = new Generator(1818);

    /** torch.testing's default relative tolerance of a type (float16 1e-3, bfloat16 1.6e-2); its atol is 1e-5. */
    static double rtol(DType t) {
        return t == DType.FLOAT16 ? 1e-3 : 1.6e-2;
    }

    private static Tensor r(DType t, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(4.0).sub(2.0).to(t);
    }

    private static DType typeOf(String name) {
        switch (name) {
            case "float16": return DType.FLOAT16;
            case "bfloat16": return DType.BFLOAT16;
            case "float32": return DType.FLOAT32;
            case "bool": return DType.BOOL;
            default: return DType.FLOAT64;
        }
    }

    /** A tensor line {@code dtype [shape] : values} (half values are exact in float64). */
    private static Tensor parse(String f) {
        int colon = f.indexOf(" :");
        String head = f.substring(0, colon);
        String shapeText = head.substring(head.indexOf('[') + 1, head.indexOf(']'));
        int[] shape = shapeText.isBlank() ? new int[0]
                : Arrays.stream(shapeText.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        double[] v = PyTorchCases.numbers(colon + 2 < f.length() ? f.substring(colon + 2) : "");
        DType t = typeOf(head.substring(0, head.indexOf(' ')));
        if (t == DType.BOOL) {
            boolean[] b = new boolean[v.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = v[i] != 0;
            }
            return Tensor.tensor(b, DType.BOOL, Device.CPU).reshape(shape);
        }
        return Tensor.tensor(v, DType.FLOAT64, Device.CPU).to(t).reshape(shape);
    }

    private static boolean has(String key, String name) {
        try {
            TORCH.field(key, name);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Elementwise {@code |a - e| <= atol + rtol |e|} (torch.testing.assert_close), and the same type and shape. */
    static void assertClose(String what, Tensor expected, Tensor actual, double rtol, double atol) {
        assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
        assertEquals(Arrays.toString(expected.shape()), Arrays.toString(actual.shape()), what + " shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(e[i] - a[i]) <= atol + rtol * Math.abs(e[i]))) {
                throw new AssertionError(what + ": element " + i + " expected " + e[i] + " but was " + a[i]);
            }
        }
    }

    /** Closeness against the tensor's largest magnitude: {@code |a - e| <= tol max(1, max |e|)}. */
    static void assertCloseScaled(String what, Tensor expected, Tensor actual, double tol) {
        AttentionFusedTest.close(what, expected.to(DType.FLOAT64), actual.to(DType.FLOAT64), tol);
    }

    /** Output and gradients of sum(out * gout) through the public op (or the composition), with the node's name. */
    private static Object[] run(Tensor q0, Tensor k0, Tensor v0, Tensor mask, boolean causal, Double scale, boolean gqa,
                                Tensor gout, Function<Tensor, Tensor> layout, boolean math) {
        Tensor q = q0.detach().clone().requiresGrad_(true);
        Tensor k = k0.detach().clone().requiresGrad_(true);
        Tensor v = v0.detach().clone().requiresGrad_(true);
        Tensor out = math
                ? AttentionOps.math(layout.apply(q), layout.apply(k), layout.apply(v),
                        AttentionOps.convertBooleanMask(mask, q.dtype()), 0, causal, scale, gqa, null)[0]
                : Tensor.scaledDotProductAttention(layout.apply(q), layout.apply(k), layout.apply(v), mask, 0, causal,
                        scale, gqa, null);
        String node = out.gradFn().name();
        out.backward(gout);
        return new Object[] {out.detach(), q.grad(), k.grad(), v.grad(), node};
    }

    private static Tensor[] f32(Tensor... t) {
        Tensor[] o = new Tensor[t.length];
        for (int i = 0; i < t.length; i++) {
            o[i] = t[i] == null ? null : t[i].dtype().isFloatingPoint() ? t[i].to(DType.FLOAT32) : t[i];
        }
        return o;
    }

    // ------------------------------------------------------------------ against PyTorch's arithmetic

    @TestFactory
    List<DynamicTest> againstPyTorch() {
        String[] cases = {"plain", "one row", "causal", "causal L < S", "scale", "bool mask", "key padding mask",
            "additive mask", "float32 mask", "gqa", "gqa causal", "long"};
        List<DynamicTest> t = new ArrayList<>();
        for (String type : new String[] {"float16", "bfloat16"}) {
            for (String c : cases) {
                String key = c + " " + type;
                t.add(DynamicTest.dynamicTest(key, () -> {
                    Tensor q = parse(TORCH.field(key, "q"));
                    Tensor k = parse(TORCH.field(key, "k"));
                    Tensor v = parse(TORCH.field(key, "v"));
                    Tensor m = has(key, "m") ? parse(TORCH.field(key, "m")) : null;
                    boolean causal = Boolean.parseBoolean(TORCH.field(key, "opt causal").trim().toLowerCase());
                    String sc = TORCH.field(key, "opt scale").trim();
                    Double scale = sc.equals("None") ? null : Double.valueOf(sc);
                    boolean gqa = Boolean.parseBoolean(TORCH.field(key, "opt gqa").trim().toLowerCase());
                    Tensor gout = parse(TORCH.field(key, "gout"));
                    DType d = q.dtype();
                    assertEquals(typeOf(type), d);
                    Object[] got = run(q, k, v, m, causal, scale, gqa, gout, x -> x, false);
                    assertEquals(AttentionOps.FUSED_NODE, got[4], key);
                    String[] names = {"out", "grad_q", "grad_k", "grad_v"};
                    for (int i = 0; i < 4; i++) {
                        Tensor expected = parse(TORCH.field(key, names[i]));
                        Tensor actual = (Tensor) got[i];
                        assertEquals(d, actual.dtype(), key + " " + names[i] + " dtype");
                        if (i == 0) {
                            assertClose(key + " out", expected, actual, rtol(d), 1e-5);
                        } else {
                            // the kernel's backward reads the rounded output (rowsum(dO O)), as PyTorch's does
                            assertCloseScaled(key + " " + names[i], expected, actual, 2 * rtol(d));
                        }
                    }
                }));
            }
        }
        return t;
    }

    // ------------------------------------------------------------------ against the float32 kernel and composition

    private static void compare(String name, Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, Double scale,
                                boolean gqa, Function<Tensor, Tensor> layout) {
        DType d = q.dtype();
        int[] outShape = {q.size(0), q.size(1), q.size(2), v.size(3)};
        Tensor gout = r(d, outShape);
        Object[] half = run(q, k, v, mask, causal, scale, gqa, gout, layout, false);
        assertEquals(AttentionOps.FUSED_NODE, half[4], name);
        Tensor[] w = f32(q, k, v, mask, gout);
        Object[] single = run(w[0], w[1], w[2], w[3], causal, scale, gqa, w[4], layout, false);
        assertEquals(AttentionOps.FUSED_NODE, single[4], name);
        Object[] math = run(w[0], w[1], w[2], w[3], causal, scale, gqa, w[4], layout, true);
        // the output: the float32 kernel's on the same (widened) values, rounded once
        Tensor rounded = ((Tensor) single[0]).to(d);
        assertTrue(Arrays.equals(rounded.toDoubleArray(), ((Tensor) half[0]).toDoubleArray()), name + " out");
        assertClose(name + " out vs the float32 composition", ((Tensor) math[0]).to(d), (Tensor) half[0], rtol(d), 1e-5);
        String[] what = {"grad q", "grad k", "grad v"};
        for (int i = 1; i < 4; i++) {
            Tensor g = (Tensor) half[i];
            assertEquals(d, g.dtype(), name + " " + what[i - 1] + " dtype");
            assertCloseScaled(name + " " + what[i - 1], ((Tensor) single[i]).to(d), g, 2 * rtol(d));
            assertCloseScaled(name + " " + what[i - 1] + " vs the composition", ((Tensor) math[i]).to(d), g, 2 * rtol(d));
        }
    }

    private static DynamicTest c(String name, Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, Double scale,
                                 boolean gqa, Function<Tensor, Tensor> layout) {
        return DynamicTest.dynamicTest(name, () -> compare(name, q, k, v, mask, causal, scale, gqa, layout));
    }

    private static Tensor boolMask(boolean emptyRows, int... shape) {
        Tensor m = Tensor.rand(GEN, DType.FLOAT64, shape).ge(0.25);
        if (emptyRows) {
            m = m.clone();
            m.select(-2, 0).fill_(0.0);
        }
        return m;
    }

    @TestFactory
    List<DynamicTest> againstTheFloat32Kernel() {
        List<DynamicTest> t = new ArrayList<>();
        int[][] shapes = { // B, H, L, S, E
            {1, 1, 1, 1, 4}, {2, 3, 5, 7, 8}, {1, 2, 70, 130, 16}, {1, 1, 65, 300, 8}, {2, 1, 129, 64, 5}};
        for (DType d : HALF) {
            for (int[] s : shapes) {
                String n = Arrays.toString(s) + " " + d;
                Tensor q = r(d, s[0], s[1], s[2], s[4]);
                Tensor k = r(d, s[0], s[1], s[3], s[4]);
                Tensor v = r(d, s[0], s[1], s[3], s[4]);
                Function<Tensor, Tensor> same = x -> x;
                t.add(c("plain " + n, q, k, v, null, false, null, false, same));
                t.add(c("causal " + n, q, k, v, null, true, null, false, same));
                t.add(c("bool mask with masked rows " + n, q, k, v, boolMask(true, s[2], s[3]), false, null, false, same));
                t.add(c("key padding (B, 1, 1, S) " + n, q, k, v, boolMask(false, s[0], 1, 1, s[3]), false, null, false,
                        same));
                t.add(c("additive mask of the type (1, H, L, S) " + n, q, k, v, r(d, 1, s[1], s[2], s[3]), false, 0.7,
                        false, same));
                t.add(c("float32 mask " + n, q, k, v, r(DType.FLOAT32, s[2], s[3]), false, null, false, same));
                t.add(c("heads layout " + n, q, k, v, null, true, null, false, AttentionFusedTest::headsView));
            }
            Tensor q = r(d, 2, 6, 33, 8);
            Tensor k = r(d, 2, 2, 47, 8);
            Tensor v = r(d, 2, 2, 47, 8);
            t.add(c("gqa " + d, q, k, v, null, false, null, true, x -> x));
            t.add(c("gqa causal " + d, q, k, v, null, true, null, true, x -> x));
            t.add(c("gqa mask " + d, q, k, v, boolMask(true, 2, 6, 33, 47), false, null, true, x -> x));
        }
        return t;
    }

    @Test
    void fullyMaskedRowsAreZero() {
        for (DType d : HALF) {
            Tensor q = r(d, 1, 1, 4, 8).requiresGrad_(true);
            Tensor k = r(d, 1, 1, 5, 8);
            Tensor mask = Tensor.ones(DType.BOOL, 4, 5).clone();
            mask.select(0, 1).fill_(0.0);
            Tensor out = Tensor.scaledDotProductAttention(q, k, k, mask, 0, false, null, false, null);
            assertEquals(AttentionOps.FUSED_NODE, out.gradFn().name());
            assertEquals(d, out.dtype());
            assertTrue(Arrays.stream(out.select(2, 1).toDoubleArray()).allMatch(x -> x == 0));
            out.sum().backward();
            assertEquals(d, q.grad().dtype());
            assertTrue(Arrays.stream(q.grad().select(2, 1).toDoubleArray()).allMatch(x -> x == 0));
        }
    }

    // ------------------------------------------------------------------ dispatch and node names

    @Test
    void halfInputsTakeTheFusedKernelOnTheCpu() {
        for (DType d : HALF) {
            Tensor q = r(d, 2, 3, 4, 8);
            Tensor k = r(d, 2, 3, 6, 8);
            assertTrue(AttentionOps.useFused(q, k, k, null, 0, false));
            assertTrue(AttentionOps.useFused(q, k, k, Tensor.ones(DType.BOOL, 4, 6), 0, true, false));
            assertTrue(AttentionOps.useFused(q, r(d, 2, 1, 6, 8), r(d, 2, 1, 6, 8), Tensor.ones(DType.BOOL, 4, 6), 0,
                    false, true));
            assertFalse(AttentionOps.useFused(q, k, k, null, 0.1, false)); // dropout: the composition, as for float
            assertFalse(AttentionOps.useFused(AttentionFusedTest.lastStrided(q), k, k, null, 0, false));
            Tensor out = Tensor.scaledDotProductAttention(q.detach().requiresGrad_(true), k, k, null, 0, false, null,
                    false, null);
            assertEquals(AttentionOps.FUSED_NODE, out.gradFn().name());
            assertEquals(d, out.dtype());
            assertEquals("[96, 8, 24, 1]", Arrays.toString(out.stride()));
        }
    }

    @Test
    void autocastToBfloat16TakesTheFusedKernel() {
        Tensor q = r(DType.FLOAT32, 1, 2, 5, 8).requiresGrad_(true);
        Tensor k = r(DType.FLOAT32, 1, 2, 7, 8);
        Tensor out;
        try (AutocastMode ac = Ember.autocast(DeviceType.CPU, DType.BFLOAT16)) {
            out = Tensor.scaledDotProductAttention(q, k, k, null, 0, true, null, false, null);
        }
        assertEquals(DType.BFLOAT16, out.dtype());
        assertEquals(AttentionOps.FUSED_NODE, out.gradFn().name());
        Tensor expected = Tensor.scaledDotProductAttention(q.detach().to(DType.BFLOAT16), k.to(DType.BFLOAT16),
                k.to(DType.BFLOAT16), null, 0, true, null, false, null);
        assertTrue(Arrays.equals(expected.toDoubleArray(), out.toDoubleArray()));
        out.sum().backward();
        assertEquals(DType.FLOAT32, q.grad().dtype());
    }

    /** On a fake CUDA device served by the attention family's defaults (the host round trip CUDA has for half types). */
    @Test
    void cudaNodeNamesAndTheHostRoundTrip() {
        Backends2.registerFakeCuda(Set.of("attention", "attentionBackward"));
        Device dev = Device.cuda(0);
        for (DType d : HALF) {
            Tensor q = r(d, 2, 4, 6, 8);
            Tensor k = r(d, 2, 4, 6, 8);
            Tensor kl = r(d, 2, 4, 9, 8);
            Tensor kg = r(d, 2, 2, 6, 8);
            Tensor mask = boolMask(false, 6, 6);
            Object[][] cases = { // name, q, k, mask, causal, gqa, node
                {"no mask: flash", q, k, null, false, false, AttentionOps.FUSED_NODE_CUDA_FLASH},
                {"causal square: flash", q, k, null, true, false, AttentionOps.FUSED_NODE_CUDA_FLASH},
                {"causal L != S: efficient", q, kl, null, true, false, AttentionOps.FUSED_NODE_CUDA},
                {"mask: efficient", q, k, mask, false, false, AttentionOps.FUSED_NODE_CUDA},
                {"gqa: flash", q, kg, null, false, true, AttentionOps.FUSED_NODE_CUDA_FLASH},
                {"gqa with a mask: the composition", q, kg, mask, false, true, "UnsafeViewBackward0"},
            };
            for (Object[] cs : cases) {
                String name = cs[0] + " " + d;
                Tensor qq = (Tensor) cs[1];
                Tensor kk = (Tensor) cs[2];
                Tensor m = (Tensor) cs[3];
                boolean causal = (boolean) cs[4];
                boolean gqa = (boolean) cs[5];
                Tensor gout = r(d, qq.size(0), qq.size(1), qq.size(2), kk.size(3));
                Object[] cpu = run(qq, kk, kk, m, causal, null, gqa, gout, x -> x, false);
                Object[] cuda = run(qq.to(dev), kk.to(dev), kk.to(dev), m == null ? null : m.to(dev), causal, null, gqa,
                        gout.to(dev), x -> x, false);
                assertEquals(cs[6], cuda[4], name);
                for (int i = 0; i < 4; i++) {
                    Tensor a = (Tensor) cpu[i];
                    Tensor b = ((Tensor) cuda[i]).cpu();
                    assertEquals(d, b.dtype(), name);
                    if (!"UnsafeViewBackward0".equals(cuda[4])) {
                        assertTrue(Arrays.equals(a.toDoubleArray(), b.toDoubleArray()), name + " " + i);
                    } else {
                        assertCloseScaled(name + " " + i, a, b, 2 * rtol(d));
                    }
                }
            }
        }
        // float32 on CUDA keeps the memory-efficient node
        Tensor q = r(DType.FLOAT32, 1, 2, 3, 4).to(dev).requiresGrad_(true);
        assertEquals(AttentionOps.FUSED_NODE_CUDA,
                Tensor.scaledDotProductAttention(q, q, q, null, 0, false, null, false, null).gradFn().name());
    }
}
