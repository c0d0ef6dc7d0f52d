package dev.ember;

import dev.ember.nn.Functional;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.TransformerEncoderLayer;
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

/**
 * The attention family's {@code Backend} defaults, which run the CPU's kernels on host copies (what CUDA runs until it
 * has attention kernels of its own): the fused op on a fake device whose attention methods are those defaults gives the
 * CPU's outputs and gradients, with broadcast masks (copied to the host without their broadcast), causal masks, grouped
 * heads, non-contiguous inputs, float32 and float64; dropout there runs inside the fused kernel and drops what the
 * CPU's composition drops; and the attention modules run there.
 */
class AttentionHostFallbackTest {
    private static final Device FAKE = Device.cuda(0);
    private static final Generator GEN = new Generator(8080);

    @BeforeAll
    static void fakeDevice() {
        Backends2.registerFakeCuda(Set.of("attention", "attentionBackward"));
    }

    private static Tensor r(DType t, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(4.0).sub(2.0).to(t);
    }

    /** The function on CPU copies and on device copies of the inputs: same outputs and gradients, same node. */
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
        // the same node, but for the fused one, which PyTorch names after the kernel it picks on each device
        String cpuNode = outA.gradFn().name();
        assertEquals(cpuNode.equals(AttentionOps.FUSED_NODE) ? AttentionOps.FUSED_NODE_CUDA : cpuNode,
                outD.gradFn().name(), name);
        double tol = outA.dtype() == DType.FLOAT32 ? 1e-5 : 1e-12;
        AttentionFusedTest.close(name + " forward", outA, outD.cpu(), tol);
        Tensor g = r(outA.dtype(), outA.shape());
        outA.backward(g);
        outD.backward(g.to(FAKE));
        for (int i = 0; i < a.length; i++) {
            if (a[i].grad() == null) {
                continue;
            }
            assertEquals(FAKE, d[i].grad().device(), name);
            AttentionFusedTest.close(name + " grad of input " + i, a[i].grad(), d[i].grad().cpu(), tol);
        }
    }

    private static DynamicTest p(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        return DynamicTest.dynamicTest(name, () -> parity(name, f, in));
    }

    @TestFactory
    List<DynamicTest> fusedAttentionOnTheHostDefaults() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            String s = " " + d;
            Tensor q = r(d, 2, 3, 70, 8);
            Tensor k = r(d, 2, 3, 90, 8);
            Tensor v = r(d, 2, 3, 90, 8);
            Tensor padding = Tensor.rand(GEN, DType.FLOAT64, 2, 1, 1, 90).ge(0.2);
            t.add(p("plain" + s, x -> Functional.scaledDotProductAttention(x[0], x[1], x[2]), q, k, v));
            t.add(p("causal" + s, x -> Functional.scaledDotProductAttention(x[0], x[1], x[2], null, 0.0, true, null), q, k,
                    v));
            t.add(p("broadcast key padding mask" + s, x -> Functional.scaledDotProductAttention(x[0], x[1], x[2],
                    padding.to(x[0].device()), 0.0, false, null), q, k, v));
            t.add(p("float mask (L, S) and scale" + s, x -> Functional.scaledDotProductAttention(x[0], x[1], x[2],
                    x[3].detach(), 0.0, false, 0.25), q, k, v, r(d, 70, 90)));
            t.add(p("heads layout" + s, x -> Functional.scaledDotProductAttention(AttentionFusedTest.headsView(x[0]),
                    AttentionFusedTest.headsView(x[1]), AttentionFusedTest.headsView(x[2])), q, k, v));
            t.add(p("grouped heads" + s, x -> Functional.scaledDotProductAttention(x[0], x[1], x[2], null, 0.0, true, null,
                    true, null), r(d, 1, 4, 9, 5), r(d, 1, 2, 11, 5), r(d, 1, 2, 11, 5)));
        }
        return t;
    }

    /**
     * Dropout on the (fake) CUDA device runs inside the fused kernel (here Backend's host defaults, the CPU's kernel
     * with the dropout arguments), under PyTorch's CUDA node, and drops what the CPU's composition drops from the same
     * generator state: the same outputs, gradients and generator state after.
     */
    @TestFactory
    List<DynamicTest> dropoutOnTheDeviceRunsInTheFusedKernel() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : new DType[] {DType.FLOAT64, DType.FLOAT32, DType.FLOAT16}) {
            Tensor q = r(d, 2, 4, 33, 8);
            Tensor k = r(d, 2, 4, 47, 8);
            Tensor kg = r(d, 2, 2, 47, 8);
            Tensor padding = Tensor.rand(GEN, DType.FLOAT64, 2, 1, 1, 47).ge(0.2);
            Object[][] cases = {
                {"p 0.2", null, false, false, q, k}, {"p 0.5 causal", null, true, false, q, k},
                {"p 0.3 key padding mask", padding, false, false, q, k}, {"p 0.4 gqa", null, false, true, q, kg}};
            double[] ps = {0.2, 0.5, 0.3, 0.4};
            for (int c = 0; c < cases.length; c++) {
                Object[] cs = cases[c];
                double p = ps[c];
                String name = cs[0] + " " + d;
                if (d == DType.FLOAT16 && (cs[1] != null)) {
                    continue; // a masked half call is the memory-efficient kernel on CUDA: covered by the float types
                }
                t.add(DynamicTest.dynamicTest(name, () -> dropoutParity(name, (Tensor) cs[4], (Tensor) cs[5],
                        (Tensor) cs[1], p, (boolean) cs[2], (boolean) cs[3])));
            }
        }
        return t;
    }

    private static void dropoutParity(String name, Tensor q0, Tensor k0, Tensor mask, double p, boolean causal,
                                      boolean gqa) {
        Tensor[] a = {q0.detach().clone().requiresGrad_(true), k0.detach().clone().requiresGrad_(true),
            k0.mul(0.5).detach().requiresGrad_(true)};
        Tensor[] d = {a[0].detach().to(FAKE).requiresGrad_(true), a[1].detach().to(FAKE).requiresGrad_(true),
            a[2].detach().to(FAKE).requiresGrad_(true)};
        Generator ga = new Generator(21);
        Generator gd = new Generator(21);
        Tensor outA = Tensor.scaledDotProductAttention(a[0], a[1], a[2], mask, p, causal, null, gqa, ga);
        Tensor outD = Tensor.scaledDotProductAttention(d[0], d[1], d[2], mask == null ? null : mask.to(FAKE), p, causal,
                null, gqa, gd);
        assertEquals(true, AttentionTest.nodes(outA).contains("NativeDropoutBackward0"), name);
        // flash attention for half inputs without a mask and not causal with L != S, the memory-efficient kernel else
        boolean flash = q0.dtype() == DType.FLOAT16 && mask == null && !(causal && q0.size(2) != k0.size(2));
        String node = flash ? AttentionOps.FUSED_NODE_CUDA_FLASH : AttentionOps.FUSED_NODE_CUDA;
        assertEquals(node, outD.gradFn().name(), name);
        assertArrayEquals(ga.getState().toByteArray(), gd.getState().toByteArray(), name + ": generator state");
        double tol = q0.dtype() == DType.FLOAT64 ? 1e-10 : q0.dtype() == DType.FLOAT32 ? 1e-5 : 3e-2;
        AttentionFusedTest.close(name + " forward", outA, outD.cpu(), tol);
        Tensor g = r(outA.dtype(), outA.shape());
        outA.backward(g);
        outD.backward(g.to(FAKE));
        for (int i = 0; i < 3; i++) {
            assertEquals(FAKE, d[i].grad().device(), name);
            AttentionFusedTest.close(name + " grad of input " + i, a[i].grad(), d[i].grad().cpu(), tol);
        }
    }

    @Test
    void attentionModulesRunOnTheDevice() {
        MultiheadAttention m = new MultiheadAttention(8, 2, 0.0, true, null, null, true);
        m.to(DType.FLOAT64);
        Tensor x = r(DType.FLOAT64, 2, 5, 8);
        Tensor causal = dev.ember.nn.Transformer.generateSquareSubsequentMask(5, DType.FLOAT64, null);
        Tensor cpu = m.apply(x, x, x, null, false, causal, true, true).output();
        m.to(FAKE);
        Tensor xd = x.to(FAKE);
        Tensor dev = m.apply(xd, xd, xd, null, false, causal.to(FAKE), true, true).output();
        assertEquals(AttentionOps.FUSED_NODE_CUDA, findFused(dev)); // PyTorch's name for its CUDA float kernel
        AttentionFusedTest.close("mha", cpu, dev.cpu(), 1e-12);
        TransformerEncoderLayer layer = new TransformerEncoderLayer(8, 2, 16, 0.0, "gelu", 1e-5, true, true, true);
        layer.to(DType.FLOAT64);
        Tensor lc = layer.apply(x, causal, null, true);
        layer.to(FAKE);
        Tensor ld = layer.apply(xd, causal.to(FAKE), null, true);
        AttentionFusedTest.close("encoder layer", lc, ld.cpu(), 1e-12);
        ld.sum().backward();
        assertArrayEquals(layer.linear1.weight.shape(), layer.linear1.weight.grad().shape());
        assertEquals(FAKE, layer.selfAttn.inProjWeight.grad().device());
    }

    /** The fused node's name if the graph below {@code t} has it. */
    private static String findFused(Tensor t) {
        java.util.Set<String> nodes = AttentionTest.nodes(t);
        return nodes.contains(AttentionOps.FUSED_NODE) ? AttentionOps.FUSED_NODE
                : nodes.contains(AttentionOps.FUSED_NODE_CUDA) ? AttentionOps.FUSED_NODE_CUDA : "none";
    }
}
