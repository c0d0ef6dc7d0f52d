package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import dev.ember.nn.MultiheadAttention;
import dev.ember.nn.Transformer;
import dev.ember.nn.TransformerEncoderLayer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.assertBitwiseRepeatable;
import static dev.ember.cuda.CudaParity.p;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention on CUDA against the CPU reference, forward and backward: the fused op (the attention family: nn.cu's
 * FlashAttention kernels through CudaNnKernels, the host default beyond a head dimension of 128) with masks, causal
 * masks, grouped heads, non-contiguous inputs, float64, head dimensions around the kernels' instances and sequence
 * lengths that are not multiples of the tiles; a 4096-token sequence within linear memory; bitwise repeatable
 * gradients; the composition; MultiheadAttention and an encoder layer moved to the device.
 */
@ExtendWith(CudaGate.class)
class CudaAttentionTest {
    private static final Generator GEN = new Generator(2027);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(int... shape) {
        return uniform(GEN, 2.0, shape);
    }

    private static Tensor heads(Tensor t) {
        return t.transpose(1, 2).contiguous().transpose(1, 2);
    }

    @TestFactory
    List<DynamicTest> scaledDotProductAttention() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor q = r(2, 3, 70, 16);
        Tensor k = r(2, 3, 300, 16);
        Tensor v = r(2, 3, 300, 16);
        Tensor padding = Tensor.rand(GEN, DType.FLOAT64, 2, 1, 1, 300).ge(0.2);
        t.add(p("fused", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2]), q, k, v));
        t.add(p("fused causal", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], null, 0.0, true, null), q, k, v));
        t.add(p("fused key padding", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2],
                padding.to(a[0].device()), 0.0, false, null), q, k, v));
        t.add(p("fused float mask", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], a[3].detach(), 0.0, false,
                0.3), q, k, v, r(70, 300)));
        t.add(p("fused heads layout", a -> Functional.scaledDotProductAttention(heads(a[0]), heads(a[1]), heads(a[2])), q, k,
                v));
        t.add(p("fused grouped heads", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], null, 0.0, true, null,
                true, null), r(1, 4, 9, 8), r(1, 2, 11, 8), r(1, 2, 11, 8)));
        t.add(p("composition 3-D", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], a[3].detach().ge(0.0), 0.0,
                false, null), r(3, 7, 5), r(3, 9, 5), r(3, 9, 6), r(7, 9)));
        return t;
    }

    private static Tensor d(Tensor t) {
        return t.to(DType.FLOAT64);
    }

    /** An additive float32 [l, s] mask of random values with row {@code dead} all -inf (a fully masked row). */
    private static Tensor maskWithDeadRow(int l, int s, int dead) {
        float[] m = new float[l * s];
        double[] u = Tensor.rand(GEN, DType.FLOAT64, l * s).toDoubleArray();
        for (int i = 0; i < m.length; i++) {
            m[i] = i / s == dead ? Float.NEGATIVE_INFINITY : (float) (u[i] - 0.5);
        }
        return Tensor.tensor(m).view(l, s);
    }

    /** The fused kernels' paths: masks, causal, float64, odd sizes, head dimensions at and past the instances. */
    @TestFactory
    List<DynamicTest> fusedKernelPaths() {
        List<DynamicTest> t = new ArrayList<>();
        Tensor q = r(2, 3, 45, 24);
        Tensor k = r(2, 3, 77, 24);
        Tensor v = r(2, 3, 77, 24);
        t.add(p("odd sizes", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2]), q, k, v));
        t.add(p("causal L < S", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], null, 0.0, true, null), q, k,
                v));
        t.add(p("causal L > S", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], null, 0.0, true, null), k, q,
                q));
        t.add(p("one query, one key", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2]), r(1, 2, 1, 8),
                r(1, 2, 1, 8), r(1, 2, 1, 8)));
        t.add(p("float64", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2]), d(q), d(k), d(v)));
        t.add(p("float64 causal", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], null, 0.0, true, 0.7), d(q),
                d(k), d(v)));
        t.add(p("float64 float64 mask", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], a[3].detach(), 0.0,
                false, null), d(q), d(k), d(v), d(r(45, 77))));
        t.add(p("float64 float32 mask", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], a[3].detach().to(
                DType.FLOAT32), 0.0, false, null), d(q), d(k), d(v), d(r(45, 77))));
        t.add(p("4-D mask broadcast over heads", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2],
                a[3].detach(), 0.0, false, null), q, k, v, r(2, 1, 45, 77)));
        t.add(p("mask broadcast over keys", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], a[3].detach(),
                0.0, false, null), q, k, v, r(45, 1)));
        Tensor dead = maskWithDeadRow(45, 77, 7);
        t.add(p("fully masked row", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], dead.to(a[0].device()),
                0.0, false, null), q, k, v));
        t.add(p("bool mask float64", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2],
                a[3].detach().ge(-1.0), 0.0, false, null), d(q), d(k), d(v), r(1, 3, 45, 77)));
        t.add(p("grouped heads, mask, non-contiguous", a -> Functional.scaledDotProductAttention(heads(a[0]), heads(a[1]),
                heads(a[2]), a[3].detach(), 0.0, false, null, true, null), r(2, 6, 37, 16), r(2, 2, 50, 16),
                r(2, 2, 50, 16), r(37, 50)));
        t.add(p("grouped heads float64 causal", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], null, 0.0,
                true, null, true, null), d(r(1, 4, 33, 8)), d(r(1, 2, 40, 8)), d(r(1, 2, 40, 8))));
        t.add(p("query and key transposed in memory", a -> Functional.scaledDotProductAttention(
                a[0].transpose(0, 1).contiguous().transpose(0, 1), a[1].transpose(0, 2).contiguous().transpose(0, 2),
                a[2]), q, k, v));
        for (int e : new int[] {1, 63, 64, 65, 100, 128, 129}) {
            t.add(p("head dim " + e, a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], null, 0.0, true, null),
                    r(1, 2, 40, e), r(1, 2, 70, e), r(1, 2, 70, e)));
            t.add(p("head dim " + e + " float64", a -> Functional.scaledDotProductAttention(a[0], a[1], a[2], a[3].detach(),
                    0.0, false, null), d(r(1, 2, 19, e)), d(r(1, 2, 21, e)), d(r(1, 2, 21, e)), d(r(19, 21))));
        }
        return t;
    }

    /**
     * A 4096-token causal sequence: values and gradients against the CPU, and the device memory the fused forward and
     * backward add stays far below one [L, S] score matrix (linear in the sequence length).
     */
    @Test
    void longSequenceInLinearMemory() {
        CudaBackend backend = CudaTestSupport.requireCuda();
        int len = 4096;
        Tensor q = r(1, 2, len, 32).mul(0.5);
        Tensor k = r(1, 2, len, 32).mul(0.5);
        Tensor v = r(1, 2, len, 32);
        Tensor g = r(1, 2, len, 32);
        Tensor[] cpu = {q.clone().requiresGrad_(true), k.clone().requiresGrad_(true), v.clone().requiresGrad_(true)};
        Tensor outCpu = Functional.scaledDotProductAttention(cpu[0], cpu[1], cpu[2], null, 0.0, true, null);
        outCpu.backward(g);
        Tensor[] gpu = {q.to(GPU).requiresGrad_(true), k.to(GPU).requiresGrad_(true), v.to(GPU).requiresGrad_(true)};
        Tensor gg = g.to(GPU);
        backend.synchronize(0);
        long before = backend.memoryStats()[0];
        backend.resetPeakMemoryStats();
        Tensor outGpu = Functional.scaledDotProductAttention(gpu[0], gpu[1], gpu[2], null, 0.0, true, null);
        outGpu.backward(gg);
        backend.synchronize(0);
        long added = backend.memoryStats()[2] - before;
        long scores = 4L * 2 * len * len; // the composition's float32 scores, [1, 2, L, S]: 128 MiB
        assertTrue(added < scores / 4, "fused attention on " + len + " tokens added " + added
                + " bytes at its peak; the composition's score matrices take " + scores);
        assertNear("long output", outCpu, outGpu.cpu(), 1e-4);
        for (int i = 0; i < 3; i++) {
            assertNear("long grad of input " + i, cpu[i].grad(), gpu[i].grad().cpu(), 1e-4);
        }
    }

    /** Elementwise within {@code tol} times the largest magnitude of the expected values (at least 1). */
    private static void assertNear(String what, Tensor expected, Tensor actual, double tol) {
        double[] e = expected.toDoubleArray();
        double[] x = actual.toDoubleArray();
        double scale = 1;
        for (double z : e) {
            scale = Math.max(scale, Math.abs(z));
        }
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], x[i], tol * scale, what + " element " + i);
        }
    }

    /** The kernels sum without atomics: the same inputs give the same bits, forward and backward. */
    @Test
    void gradientsAreBitwiseRepeatable() {
        Tensor q = r(2, 4, 100, 64).to(GPU);
        Tensor k = r(2, 2, 130, 64).to(GPU);
        Tensor v = r(2, 2, 130, 64).to(GPU);
        Tensor g = r(2, 4, 100, 64).to(GPU);
        assertBitwiseRepeatable(in -> Functional.scaledDotProductAttention(in[0], in[1], in[2], null, 0.0, true, null, true,
                null), g, q, k, v);
    }

    @Test
    void modulesRunOnTheDevice() {
        MultiheadAttention m = new MultiheadAttention(16, 4, 0.0, true, null, null, true);
        Tensor x = r(2, 33, 16);
        Tensor causal = Transformer.generateSquareSubsequentMask(33);
        Tensor cpu = m.apply(x, x, x, null, false, causal, true, true).output();
        m.to(GPU);
        Tensor xg = x.to(GPU);
        Tensor gpu = m.apply(xg, xg, xg, null, false, causal.to(GPU), true, true).output();
        assertEquals(GPU, gpu.device());
        CudaParityTest.assertClose("mha", cpu, gpu.cpu());
        // add_bias_kv and add_zero_attn: the appended key/value rows and the padded masks on the device
        MultiheadAttention kv = new MultiheadAttention(16, 4, 0.0, true, true, true, null, null, true);
        Tensor kvCpu = kv.apply(x, x, x, null, false, causal, true, true).output();
        kv.to(GPU);
        CudaParityTest.assertClose("mha add_bias_kv add_zero_attn", kvCpu,
                kv.apply(xg, xg, xg, null, false, causal.to(GPU), true, true).output().cpu());
        TransformerEncoderLayer layer = new TransformerEncoderLayer(16, 4, 32, 0.0, "gelu", 1e-5, true, true, true);
        Tensor lc = layer.apply(x, causal, null, true);
        layer.to(GPU);
        CudaParityTest.assertClose("encoder layer", lc, layer.apply(xg, causal.to(GPU), null, true).cpu());
    }
}
