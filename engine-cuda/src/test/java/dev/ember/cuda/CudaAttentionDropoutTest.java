package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention dropout on the GPU (skipped without one): on CUDA {@code scaledDotProductAttention} with dropout takes the
 * fused kernel (nn.cu's float32/float64 kernels with the mask drawn inside; float16/bfloat16 on the tensor-core
 * kernels where they are on, else widened to nn.cu's with the half types' mask; the host default past a head dimension
 * of 128) under PyTorch's CUDA node, and drops exactly what
 * the CPU's composition drops from the same generator state: outputs and the gradients of query, key and value agree
 * (float64 to 1e-10, float32 to 1e-5, the half types to 3e-2), the generators end in the same state; with masks,
 * causal, grouped-query heads, L != S, sizes off the tiles; the mask read back through an identity value matrix is the
 * composition's bit for bit and drops about p of a large case.
 */
@ExtendWith(CudaGate.class)
class CudaAttentionDropoutTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(3131);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor r(DType t, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(2.0).sub(1.0).to(t);
    }

    private static void close(String what, Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        double scale = 1;
        for (double x : e) {
            scale = Math.max(scale, Math.abs(x));
        }
        for (int i = 0; i < e.length; i++) {
            assertTrue(Math.abs(e[i] - a[i]) <= tol * scale, what + ": element " + i + " expected " + e[i] + " but was "
                    + a[i]);
        }
    }

    private static void parity(String name, Tensor q0, Tensor k0, Tensor v0, Tensor mask, double p, boolean causal,
                               boolean gqa) {
        Tensor[] c = {q0.detach().clone().requiresGrad_(true), k0.detach().clone().requiresGrad_(true),
            v0.detach().clone().requiresGrad_(true)};
        Tensor[] d = {q0.detach().to(GPU).requiresGrad_(true), k0.detach().to(GPU).requiresGrad_(true),
            v0.detach().to(GPU).requiresGrad_(true)};
        Generator gc = new Generator(77);
        Generator gd = new Generator(77);
        Tensor outC = Tensor.scaledDotProductAttention(c[0], c[1], c[2], mask, p, causal, null, gqa, gc);
        Tensor outD = Tensor.scaledDotProductAttention(d[0], d[1], d[2], mask == null ? null : mask.to(GPU), p, causal,
                null, gqa, gd);
        boolean half = q0.dtype() == DType.FLOAT16 || q0.dtype() == DType.BFLOAT16;
        boolean flash = half && mask == null && !(causal && q0.size(2) != k0.size(2));
        assertEquals(flash ? "ScaledDotProductFlashAttentionBackward0" : "ScaledDotProductEfficientAttentionBackward0",
                outD.gradFn().name(), name);
        assertArrayEquals(gc.getState().toByteArray(), gd.getState().toByteArray(), name + ": generator state");
        double tol = q0.dtype() == DType.FLOAT64 ? 1e-10 : q0.dtype() == DType.FLOAT32 ? 1e-5 : 3e-2;
        close(name + " out", outC, outD.cpu(), tol);
        Tensor g = r(outC.dtype(), outC.shape());
        outC.backward(g);
        outD.backward(g.to(GPU));
        String[] what = {"grad q", "grad k", "grad v"};
        for (int i = 0; i < 3; i++) {
            close(name + " " + what[i], c[i].grad(), d[i].grad().cpu(), tol);
        }
    }

    @TestFactory
    List<DynamicTest> fusedDropoutMatchesTheCpuComposition() {
        List<DynamicTest> t = new ArrayList<>();
        for (DType d : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16}) {
            int[][] shapes = {{2, 3, 70, 300, 16}, {1, 2, 129, 64, 5}, {1, 1, 33, 47, 80}, {1, 1, 9, 11, 160}};
            for (int[] s : shapes) {
                String n = Arrays.toString(s) + " " + d;
                Tensor q = r(d, s[0], s[1], s[2], s[4]);
                Tensor k = r(d, s[0], s[1], s[3], s[4]);
                Tensor v = r(d, s[0], s[1], s[3], s[4]);
                Tensor padding = Tensor.rand(GEN, DType.FLOAT64, s[0], 1, 1, s[3]).ge(0.2);
                t.add(DynamicTest.dynamicTest("p 0.2 " + n, () -> parity("p 0.2 " + n, q, k, v, null, 0.2, false, false)));
                t.add(DynamicTest.dynamicTest("p 0.5 causal " + n, () -> parity("p 0.5 causal " + n, q, k, v, null, 0.5,
                        true, false)));
                t.add(DynamicTest.dynamicTest("p 0.3 key padding " + n, () -> parity("p 0.3 key padding " + n, q, k, v,
                        padding, 0.3, false, false)));
            }
            Tensor q = r(d, 2, 6, 40, 8);
            Tensor k = r(d, 2, 2, 50, 8);
            t.add(DynamicTest.dynamicTest("gqa " + d, () -> parity("gqa " + d, q, k, k.mul(0.5), null, 0.4, false, true)));
        }
        return t;
    }

    /** The half types on the tensor-core kernels (switched on for the test; sm_80+), against the CPU composition. */
    @Test
    void tensorCoreKernelsDropWhatTheCompositionDrops() {
        boolean was = CudaTensorCores.enabled();
        CudaTensorCores.setEnabled(true);
        try {
            for (DType d : new DType[] {DType.FLOAT16, DType.BFLOAT16}) {
                Tensor q = r(d, 2, 4, 100, 64);
                Tensor k = r(d, 2, 4, 130, 64);
                parity("tensor cores p 0.2 " + d, q, k, k.mul(0.5), null, 0.2, false, false);
                parity("tensor cores p 0.4 causal " + d, q, k, k.mul(0.5), null, 0.4, true, false);
                parity("tensor cores p 0.3 key padding " + d, q, k, k.mul(0.5),
                        Tensor.rand(GEN, DType.FLOAT64, 2, 1, 1, 130).ge(0.2), 0.3, false, false);
            }
        } finally {
            CudaTensorCores.setEnabled(was);
        }
    }

    @Test
    void theMaskIsTheCompositionsAndDropsAboutP() {
        for (DType d : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16}) {
            int b = 2;
            int h = 4;
            int l = 512;
            int s = 128;
            double p = 0.2;
            Tensor q = Tensor.zeros(d, b, h, l, s).to(GPU);
            Tensor v = Tensor.eye(s, s, d).to(GPU).expand(b, h, s, s);
            Generator g = new Generator(5);
            Tensor out = Tensor.scaledDotProductAttention(q, q.narrow(2, 0, s), v, null, p, false, null, false, g);
            Generator g2 = new Generator(5);
            double[] keep = Tensor.rand(g2, d, b, h, l, s).ge(p).toDoubleArray();
            assertArrayEquals(g2.getState().toByteArray(), g.getState().toByteArray(), d.toString());
            double[] o = out.cpu().toDoubleArray();
            long dropped = 0;
            for (int i = 0; i < o.length; i++) {
                assertEquals(keep[i] != 0, o[i] != 0, d + " element " + i);
                dropped += o[i] == 0 ? 1 : 0;
            }
            double frac = (double) dropped / o.length;
            assertTrue(Math.abs(frac - p) < 0.01, d + " dropped fraction " + frac);
        }
    }
}
