package dev.ember;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dropout inside the fused attention (the CPU kernel, {@code AttentionKernels} with its {@code Dropout}, reached through
 * {@code AttentionOps.fusedForTest}, which applies the CUDA rule on the CPU): from the same generator state it drops
 * exactly the elements the composition ({@code dropout(softmax(...))}, {@code rand(...) >= p}) drops, so outputs and
 * the gradients of query, key and value agree with the composition's (float64 to 1e-10, float32 to 1e-5, the half types
 * loosely) and the generator ends at the same offset; on shapes that cross the kernel's query and key blocks, L != S,
 * odd sizes, masks (boolean, additive, broadcast, fully masked rows), causal, grouped-query heads, non-contiguous
 * inputs, the half types. Also: p = 0 is the kernel without dropout and draws nothing; the mask itself (read through an identity
 * value matrix) is the composition's, bit for bit, in all four floating types, and drops about p of the elements;
 * gradcheck and gradgradcheck (the create_graph composite, which materializes the same mask) of the fused node with a
 * fixed seed; PyTorch's CPU routing (dropout takes the composition) and its error for p outside [0, 1] unchanged.
 */
class AttentionDropoutTest {
    private static final Generator GEN = new Generator(1717);

    private static Tensor r(DType t, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(4.0).sub(2.0).to(t);
    }

    /** Output, the three gradients and the generator's state after, through the fused kernel or the composition. */
    private static Object[] run(Tensor q0, Tensor k0, Tensor v0, Tensor mask, double p, boolean causal, Double scale,
                                Function<Tensor, Tensor> layout, long seed, boolean fused) {
        Tensor q = q0.detach().requiresGrad_(true);
        Tensor k = k0.detach().requiresGrad_(true);
        Tensor v = v0.detach().requiresGrad_(true);
        boolean gqa = q.size(-3) != k.size(-3);
        Generator g = new Generator(seed);
        g.advance(12345); // a state that is not the seed's first
        Tensor out = fused
                ? AttentionOps.fusedForTest(layout.apply(q), layout.apply(k), layout.apply(v), mask, p, causal, scale, gqa, g)
                : Tensor.scaledDotProductAttention(layout.apply(q), layout.apply(k), layout.apply(v), mask, p, causal, scale,
                        gqa, g);
        assertEquals(fused ? AttentionOps.FUSED_NODE : "UnsafeViewBackward0", out.gradFn().name());
        Tensor gout = Tensor.rand(new Generator(99), DType.FLOAT64, out.shape()).sub(0.5).to(out.dtype());
        out.backward(gout);
        return new Object[] {out.detach(), q.grad(), k.grad(), v.grad(), g.getState().toByteArray()};
    }

    private static void compare(String name, Tensor q, Tensor k, Tensor v, Tensor mask, double p, boolean causal,
                                Double scale, Function<Tensor, Tensor> layout) {
        DType t = q.dtype();
        double tol = t == DType.FLOAT64 ? 1e-10 : t == DType.FLOAT32 ? 1e-5 : 3e-2;
        Object[] fused = run(q, k, v, mask, p, causal, scale, layout, 31, true);
        Object[] math = run(q, k, v, mask, p, causal, scale, layout, 31, false);
        String[] what = {"out", "grad q", "grad k", "grad v"};
        for (int i = 0; i < 4; i++) {
            AttentionFusedTest.close(name + " " + what[i], (Tensor) math[i], (Tensor) fused[i], tol);
        }
        assertArrayEquals((byte[]) math[4], (byte[]) fused[4], name + ": the generator's state after");
    }

    private static DynamicTest c(String name, Tensor q, Tensor k, Tensor v, Tensor mask, double p, boolean causal,
                                 Double scale, Function<Tensor, Tensor> layout) {
        return DynamicTest.dynamicTest(name, () -> compare(name, q, k, v, mask, p, causal, scale, layout));
    }

    private static DynamicTest c(String name, Tensor q, Tensor k, Tensor v, Tensor mask, double p, boolean causal) {
        return c(name, q, k, v, mask, p, causal, null, x -> x);
    }

    /** A boolean mask with about a quarter false, and rows 0 and 3 (where they exist) entirely false. */
    private static Tensor boolMask(int... shape) {
        return AttentionFusedTest.boolMask(GEN, true, shape);
    }

    @TestFactory
    List<DynamicTest> fusedDropoutMatchesTheComposition() {
        List<DynamicTest> t = new ArrayList<>();
        int[][] shapes = { // B, H, L, S, E
            {1, 1, 1, 1, 1}, {2, 3, 5, 7, 4}, {1, 2, 7, 5, 3}, {2, 2, 70, 130, 8}, {1, 1, 65, 300, 16}, {1, 2, 129, 64, 5},
            {3, 1, 1, 257, 6}};
        for (DType d : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            for (int[] s : shapes) {
                String n = Arrays.toString(s) + " " + d;
                Tensor q = r(d, s[0], s[1], s[2], s[4]);
                Tensor k = r(d, s[0], s[1], s[3], s[4]);
                Tensor v = r(d, s[0], s[1], s[3], s[4]);
                t.add(c("p 0.2 " + n, q, k, v, null, 0.2, false));
                t.add(c("p 0.7 causal " + n, q, k, v, null, 0.7, true));
                t.add(c("p 0.1 bool mask with masked rows " + n, q, k, v, boolMask(s[2], s[3]), 0.1, false));
                t.add(c("p 0.5 key padding (B, 1, 1, S) " + n, q, k, v, Tensor.rand(GEN, DType.FLOAT64, s[0], 1, 1, s[3])
                        .ge(0.2), 0.5, false));
                t.add(c("p 0.3 float mask (1, H, L, S), scale " + n, q, k, v, r(d, 1, s[1], s[2], s[3]), 0.3, false, 0.7,
                        x -> x));
                t.add(c("p 0.25 heads layout " + n, q, k, v, null, 0.25, true, null, AttentionFusedTest::headsView));
                t.add(c("p 0.4 batch and heads swapped in memory " + n, q, k, v, null, 0.4, false, null,
                        x -> x.transpose(0, 1).contiguous().transpose(0, 1)));
            }
            // grouped-query attention: 6 query heads over 2 key/value heads
            Tensor q = r(d, 2, 6, 70, 8);
            Tensor k = r(d, 2, 2, 90, 8);
            Tensor v = r(d, 2, 2, 90, 8);
            t.add(c("gqa p 0.2 " + d, q, k, v, null, 0.2, false));
            t.add(c("gqa causal p 0.6 " + d, q, k, v, null, 0.6, true));
            t.add(c("gqa mask p 0.3 " + d, q, k, v, boolMask(2, 6, 70, 90), 0.3, false));
            // a tiny p and one close to 1
            Tensor q2 = r(d, 1, 2, 9, 4);
            t.add(c("p 1e-3 " + d, q2, q2.mul(0.5), q2.add(1.0), null, 1e-3, false));
            t.add(c("p 0.999 " + d, q2, q2.mul(0.5), q2.add(1.0), null, 0.999, false));
        }
        for (DType d : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
            Tensor q = r(DType.FLOAT64, 2, 2, 20, 8).mul(0.3).to(d);
            Tensor k = r(DType.FLOAT64, 2, 2, 33, 8).mul(0.3).to(d);
            Tensor v = r(DType.FLOAT64, 2, 2, 33, 8).mul(0.3).to(d);
            t.add(c("p 0.2 " + d, q, k, v, null, 0.2, false));
            t.add(c("p 0.3 causal " + d, q, k, v, null, 0.3, true));
            t.add(c("p 0.3 bool mask " + d, q, k, v, boolMask(20, 33), 0.3, false));
        }
        return t;
    }

    @Test
    void pZeroIsTheKernelWithoutDropoutAndDrawsNothing() {
        Tensor q = r(DType.FLOAT32, 2, 3, 70, 8).requiresGrad_(true);
        Tensor k = r(DType.FLOAT32, 2, 3, 90, 8).requiresGrad_(true);
        Generator g = new Generator(5);
        byte[] before = g.getState().toByteArray();
        Tensor a = AttentionOps.fusedForTest(q, k, k, null, 0.0, true, null, false, g);
        Tensor b = Tensor.scaledDotProductAttention(q, k, k, null, 0.0, true, null, false, null);
        assertEquals(AttentionOps.FUSED_NODE, a.gradFn().name());
        assertEquals(AttentionOps.FUSED_NODE, b.gradFn().name());
        assertArrayEquals(b.toDoubleArray(), a.toDoubleArray());
        assertArrayEquals(before, g.getState().toByteArray());
    }

    /**
     * The mask read back through the output: q = 0 (every probability 1 / S) and v the identity ([S, S]), so the
     * output is the dropped probability matrix itself, {@code M / ((1 - p) S)}; it must be the composition's mask
     * ({@code rand(B, H, L, S, generator) >= p}, drawn from the same state) element for element.
     */
    @TestFactory
    List<DynamicTest> theMaskIsTheCompositionsBitForBit() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16}) {
            for (double p : new double[] {0.2, 0.5, 0.9}) {
                t.add(DynamicTest.dynamicTest(d + " p " + p, () -> {
                    int b = 2;
                    int h = 3;
                    int l = 150;
                    int s = 64;
                    Tensor q = Tensor.zeros(d, b, h, l, s);
                    Tensor v = Tensor.eye(s, s, d).expand(b, h, s, s);
                    Generator g = new Generator(77);
                    Tensor out = AttentionOps.fusedForTest(q, q.narrow(2, 0, s), v, null, p, false, null, false, g);
                    Generator g2 = new Generator(77);
                    Tensor keep = Tensor.rand(g2, d, b, h, l, s).ge(p);
                    assertArrayEquals(g2.getState().toByteArray(), g.getState().toByteArray());
                    double[] o = out.toDoubleArray();
                    double[] m = keep.toDoubleArray();
                    long dropped = 0;
                    double kept = (double) (float) (1 / (1 - p)) / s;
                    for (int i = 0; i < o.length; i++) {
                        assertEquals(m[i] != 0, o[i] != 0, "element " + i);
                        if (o[i] == 0) {
                            dropped++;
                        } else if (d == DType.FLOAT32 || d == DType.FLOAT64) {
                            assertEquals(kept, o[i], 1e-6 * kept, "element " + i);
                        }
                    }
                    double frac = (double) dropped / o.length;
                    double sigma = Math.sqrt(p * (1 - p) / o.length);
                    // the half types' uniform has 11 or 8 bits: p rounded to the type's grid
                    double grid = d == DType.BFLOAT16 ? 1.0 / 256 : d == DType.FLOAT16 ? 1.0 / 2048 : 0;
                    assertTrue(Math.abs(frac - p) <= 5 * sigma + grid, d + " dropped fraction " + frac + " for p " + p);
                }));
            }
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
        Tensor kg = r64.apply(new int[] {1, 1, 5, 4});
        Tensor vg = r64.apply(new int[] {1, 1, 5, 4});
        Tensor mask = boolMask(3, 5);
        // each evaluation draws from a fresh generator of one seed: the same mask every time
        Function<Tensor[], Tensor> plain = a -> AttentionOps.fusedForTest(a[0], a[1], a[2], null, 0.3, false, null, false,
                new Generator(11));
        Function<Tensor[], Tensor> causal = a -> AttentionOps.fusedForTest(a[0], a[1], a[2], null, 0.5, true, 0.8, false,
                new Generator(12));
        Function<Tensor[], Tensor> masked = a -> AttentionOps.fusedForTest(a[0], a[1], a[2], mask, 0.2, false, null, false,
                new Generator(13));
        Function<Tensor[], Tensor> gqa = a -> AttentionOps.fusedForTest(a[0], a[1], a[2], null, 0.4, true, null, true,
                new Generator(14));
        Object[][] cases = {{"plain", plain, k, v}, {"causal", causal, k, v}, {"masked", masked, k, v}, {"gqa", gqa, kg, vg}};
        for (Object[] cs : cases) {
            @SuppressWarnings("unchecked")
            Function<Tensor[], Tensor> f = (Function<Tensor[], Tensor>) cs[1];
            Tensor kk = (Tensor) cs[2];
            Tensor vv = (Tensor) cs[3];
            t.add(DynamicTest.dynamicTest("gradcheck " + cs[0], () -> {
                Tensor out = f.apply(new Tensor[] {q, kk, vv});
                assertEquals(AttentionOps.FUSED_NODE, out.gradFn().name());
                // some element is dropped and some kept, or the case would not test the mask
                double[] o = out.toDoubleArray();
                assertTrue(Arrays.stream(o).anyMatch(x -> x != 0));
                assertTrue(Autograd.gradcheck(f, new Tensor[] {q, kk, vv}, 1e-6, 1e-5, 1e-3));
            }));
            t.add(DynamicTest.dynamicTest("gradgradcheck " + cs[0], () -> assertTrue(Autograd.gradgradcheck(f, q, kk, vv))));
        }
        return t;
    }

    /** The create_graph backward (the composite) gives the kernel backward's values, the same mask included. */
    @Test
    void theCompositeBackwardAppliesTheSameMask() {
        Tensor q = r(DType.FLOAT64, 2, 2, 9, 4).requiresGrad_(true);
        Tensor k = r(DType.FLOAT64, 2, 2, 11, 4).requiresGrad_(true);
        Tensor v = r(DType.FLOAT64, 2, 2, 11, 4).requiresGrad_(true);
        Tensor out = AttentionOps.fusedForTest(q, k, v, null, 0.4, true, null, false, new Generator(3));
        Tensor gout = r(DType.FLOAT64, 2, 2, 9, 4);
        List<Tensor> kernel = Autograd.grad(List.of(out), List.of(q, k, v), List.of(gout), false);
        Tensor out2 = AttentionOps.fusedForTest(q, k, v, null, 0.4, true, null, false, new Generator(3));
        List<Tensor> composite = Autograd.grad(List.of(out2), List.of(q, k, v), List.of(gout), true);
        for (int i = 0; i < 3; i++) {
            assertTrue(composite.get(i).requiresGrad());
            assertFalse(kernel.get(i).requiresGrad());
            AttentionFusedTest.close("grad " + i, kernel.get(i), composite.get(i).detach(), 1e-12);
        }
    }

    @Test
    void theCpuKeepsPyTorchsRoutingAndErrors() {
        Tensor q = r(DType.FLOAT32, 2, 3, 4, 5).requiresGrad_(true);
        // the CPU: dropout takes the composition, as PyTorch's CPU dispatch
        Tensor out = Tensor.scaledDotProductAttention(q, q, q, null, 0.3, false, null, false, new Generator(1));
        assertFalse(AttentionTest.nodes(out).contains(AttentionOps.FUSED_NODE));
        assertTrue(AttentionTest.nodes(out).contains("NativeDropoutBackward0"));
        for (double p : new double[] {1.5, 2.0}) {
            for (boolean fused : new boolean[] {false, true}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
                    if (fused) {
                        AttentionOps.fusedForTest(q, q, q, null, p, false, null, false, null);
                    } else {
                        Tensor.scaledDotProductAttention(q, q, q, null, p, false, null, false, null);
                    }
                });
                assertEquals("dropout probability has to be between 0 and 1, but got " + Format.repr(p), e.getMessage());
            }
        }
        // p = 1 keeps the composition's x * 0 on the kernel's device too
        Tensor one = AttentionOps.fusedForTest(q, q, q, null, 1.0, false, null, false, null);
        assertFalse(AttentionTest.nodes(one).contains(AttentionOps.FUSED_NODE));
        assertTrue(Arrays.stream(one.toDoubleArray()).allMatch(x -> x == 0));
    }
}
