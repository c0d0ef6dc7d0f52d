package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.backend.Layout;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tensor-core attention for float16 and bfloat16 (CudaAttentionTc, attn_tc_kernels.cu). Without a GPU: the kernel
 * each head dimension and type selects, the launch geometry and the struct TcAttnGeo arguments (a recording launcher),
 * the backward's three launches and two scratch storages, its refusal under deterministic algorithms (warn-only runs),
 * the refusals (tensor cores unavailable, other types, a float64 mask, a float16 logsumexp, head dimensions over 128,
 * grids past the limits), and that the kernels' C signatures match the Java arguments (g++ -E). With a GPU (skipped
 * here, and until CUDA has half tensors): the fused op of half inputs on CUDA against the CPU's, values and gradients,
 * causal, masked, grouped-query and PyTorch's heads layout, with the node PyTorch records on CUDA. The kernels'
 * arithmetic is TcAttentionEmulationTest's.
 */
class CudaAttentionHalfTest {
    private static final CUdeviceptr P = new CUdeviceptr();

    private static final class Recorder implements CudaAttentionTc.Launcher {
        final List<Object[]> launches = new ArrayList<>();

        final List<Object[]> allocations = new ArrayList<>();

        @Override
        public void launchTc(String kernel, int gx, int gy, int gz, int threads, Object shape, Object... args) {
            launches.add(new Object[] {kernel, gx, gy, gz, threads, args});
        }

        @Override
        public dev.ember.backend.Storage allocate(DType dtype, long numel) {
            allocations.add(new Object[] {dtype, numel});
            return null;
        }
    }

    private static boolean bwd(Recorder r, DType t, Layout q, Layout k, Layout v, boolean causal) {
        Layout o = Layout.contiguous(q.size(0), q.size(1), q.size(2), v.size(3));
        Layout l = Layout.contiguous(q.size(0), q.size(1), q.size(2));
        return CudaAttentionTc.backward(r, t, t, t, null, DType.FLOAT32, o, q, k, v, null, causal, 0.5, o, l, q, k, v, P,
                P, P, P, P, P, P, P, P, P);
    }

    @Test
    void backwardLaunchesAndDeterminism() {
        Recorder r = new Recorder();
        Layout q = Layout.contiguous(2, 6, 130, 100);
        Layout k = Layout.contiguous(2, 3, 70, 100);
        assertTrue(bwd(r, DType.FLOAT16, q, k, k, true));
        assertEquals(3, r.launches.size());
        assertEquals("tcattn_bwd_prep_f16", r.launches.get(0)[0]);
        assertArrayEquals(new Object[] {7, 1, 1, 256}, Arrays.copyOfRange(r.launches.get(0), 1, 5)); // 1560 rows
        assertEquals("tcattn_bwd_f16_d128", r.launches.get(1)[0]);
        assertArrayEquals(new Object[] {2, 3, 2, 128}, Arrays.copyOfRange(r.launches.get(1), 1, 5)); // ceil(70/64), Hk, B
        assertEquals(17, ((Object[]) r.launches.get(1)[5]).length);
        assertEquals("tcattn_bwd_dq_f16", r.launches.get(2)[0]);
        assertArrayEquals(new Object[] {610, 1, 1, 256}, Arrays.copyOfRange(r.launches.get(2), 1, 5)); // 156000 / 256
        int[] g = (int[]) ((Object[]) r.launches.get(1)[5])[0];
        assertArrayEquals(new int[] {6 * 130 * 100, 130 * 100, 100, 1, 0}, Arrays.copyOfRange(g, 44, 49)); // gq
        assertArrayEquals(new Object[] {DType.FLOAT32, 1560L}, r.allocations.get(0));
        assertArrayEquals(new Object[] {DType.FLOAT32, 156000L}, r.allocations.get(1));
        // deterministic algorithms: not used (the caller's deterministic path runs); warn-only: used
        r.launches.clear();
        dev.ember.Ember.useDeterministicAlgorithms(true);
        try {
            assertFalse(bwd(r, DType.BFLOAT16, q, k, k, false));
            assertTrue(r.launches.isEmpty());
        } finally {
            dev.ember.Ember.useDeterministicAlgorithms(false);
        }
        dev.ember.Ember.useDeterministicAlgorithms(true, true);
        try {
            assertTrue(bwd(r, DType.BFLOAT16, q, k, k, false));
            assertEquals("tcattn_bwd_bf16_d128", r.launches.get(1)[0]);
        } finally {
            dev.ember.Ember.useDeterministicAlgorithms(false);
        }
        r.launches.clear();
        assertFalse(bwd(r, DType.FLOAT32, q, k, k, false));
        assertFalse(bwd(r, DType.FLOAT16, Layout.contiguous(1, 2, 4, 130), Layout.contiguous(1, 2, 4, 130),
                Layout.contiguous(1, 2, 4, 130), false));
        assertTrue(r.launches.isEmpty());
    }

    private static boolean fwd(Recorder r, DType t, DType mask, DType lse, Layout q, Layout k, Layout v, Layout m,
                               boolean causal) {
        Layout o = Layout.contiguous(q.size(0), q.size(1), q.size(2), v.size(3));
        Layout l = Layout.contiguous(q.size(0), q.size(1), q.size(2));
        return CudaAttentionTc.forward(r, t, t, t, mask, t, lse, q, k, v, m, causal, 0.125, o, l, P, P, P, P, P, P);
    }

    @Test
    void kernelsAndLaunchGeometry() {
        Recorder r = new Recorder();
        Layout q = Layout.contiguous(2, 6, 130, 64);
        Layout k = Layout.contiguous(2, 2, 70, 64);
        assertTrue(fwd(r, DType.BFLOAT16, null, DType.FLOAT32, q, k, k, null, true));
        Object[] launch = r.launches.get(0);
        assertEquals("tcattn_fwd_bf16_d64", launch[0]);
        assertArrayEquals(new Object[] {3, 6, 2, 128}, Arrays.copyOfRange(launch, 1, 5)); // ceil(130 / 64), H, B
        Object[] args = (Object[]) launch[5];
        int[] g = (int[]) args[0];
        assertEquals(59, g.length);
        assertArrayEquals(new int[] {2, 6, 2, 130, 70, 64, 64, 3}, Arrays.copyOf(g, 8)); // B H Hk L S E Ev group
        assertArrayEquals(new int[] {6 * 130 * 64, 130 * 64, 64, 1, 0}, Arrays.copyOfRange(g, 8, 13)); // q
        assertEquals(0, g[8 + 20 + 4 + 5]); // no mask
        assertEquals(1, g[8 + 20 + 4 + 5 + 1]); // causal
        assertEquals(0.125, args[1]);
        assertEquals(List.of(0.0, 1.0, 0L, 0L, 0), Arrays.asList(args).subList(2, 7)); // no dropout
        assertEquals(13, args.length);
        // with dropout: the half type's threshold (0.3 as bfloat16), 1 / (1 - p) as a float, seed, offset, kind 4
        Layout o0 = Layout.contiguous(2, 6, 130, 64);
        Layout l0 = Layout.contiguous(2, 6, 130);
        assertTrue(CudaAttentionTc.forward(r, DType.BFLOAT16, DType.BFLOAT16, DType.BFLOAT16, null, DType.BFLOAT16,
                DType.FLOAT32, q, k, k, null, true, 0.125, CudaNnKernels.dropArgs(DType.BFLOAT16, 0.3, 9L, 1L << 35), o0,
                l0, P, P, P, P, P, P));
        Object[] dropped = (Object[]) r.launches.get(1)[5];
        assertEquals(List.of((double) dev.ember.BFloat16.toFloat(dev.ember.BFloat16.fromFloat(0.3f)),
                (double) (float) (1 / 0.7), 9L, 1L << 35, 4), Arrays.asList(dropped).subList(2, 7));
        r.launches.remove(1);
        // float16, head dimension 65..128, a float32 mask and one of the inputs' type
        Layout q2 = Layout.contiguous(1, 2, 5, 100);
        Layout v2 = Layout.contiguous(1, 2, 9, 128);
        Layout k2 = Layout.contiguous(1, 2, 9, 100);
        Layout m = new Layout(new int[] {1, 2, 5, 9}, new int[] {0, 0, 9, 1}, 4);
        assertTrue(fwd(r, DType.FLOAT16, DType.FLOAT32, DType.FLOAT32, q2, k2, v2, m, false));
        assertTrue(fwd(r, DType.FLOAT16, DType.FLOAT16, DType.FLOAT32, q2, k2, v2, m, false));
        assertEquals("tcattn_fwd_f16_d128", r.launches.get(1)[0]);
        int[] g1 = (int[]) ((Object[]) r.launches.get(1)[5])[0];
        int[] g2 = (int[]) ((Object[]) r.launches.get(2)[5])[0];
        assertArrayEquals(new int[] {0, 0, 9, 1, 4, 1}, Arrays.copyOfRange(g1, 32, 38)); // mask strides, offset, float32
        assertEquals(2, g2[37]); // the inputs' type
    }

    @Test
    void refusals() {
        Recorder r = new Recorder();
        Layout q = Layout.contiguous(1, 2, 8, 64);
        Layout m = Layout.contiguous(1, 2, 8, 8);
        assertFalse(fwd(r, DType.FLOAT32, null, DType.FLOAT32, q, q, q, null, false));
        assertFalse(fwd(r, DType.FLOAT64, null, DType.FLOAT64, q, q, q, null, false));
        assertFalse(fwd(r, DType.BFLOAT16, null, DType.BFLOAT16, q, q, q, null, false)); // lse must be float32
        assertFalse(fwd(r, DType.BFLOAT16, DType.FLOAT64, DType.FLOAT32, q, q, q, m, false));
        assertFalse(fwd(r, DType.BFLOAT16, DType.FLOAT16, DType.FLOAT32, q, q, q, m, false)); // another half type
        Layout wide = Layout.contiguous(1, 2, 8, 129);
        assertFalse(fwd(r, DType.FLOAT16, null, DType.FLOAT32, wide, wide, wide, null, false));
        Layout manyHeads = Layout.contiguous(1, 70000, 1, 8);
        assertFalse(fwd(r, DType.FLOAT16, null, DType.FLOAT32, manyHeads, manyHeads, manyHeads, null, false));
        assertFalse(CudaAttentionTc.forward(r, DType.FLOAT16, DType.BFLOAT16, DType.FLOAT16, null, DType.FLOAT16,
                DType.FLOAT32, q, q, q, null, false, 1, q, Layout.contiguous(1, 2, 8), P, P, P, P, P, P));
        assertTrue(r.launches.isEmpty());
        // the tensor cores off (or older than sm_80): nothing, before any operand is looked at
        assertFalse(CudaAttentionTc.attention(r, false, null, q, null, q, null, q, null, null, false, 1, null, q, null,
                null));
        assertFalse(CudaAttentionTc.attentionBackward(r, false, null, q, null, q, null, q, null, q, null, null, false, 1,
                null, q, null, null, null, q, null, q, null, q));
        assertTrue(r.launches.isEmpty());
        assertEquals(64, CudaAttentionTc.instance(5, 64));
        assertEquals(128, CudaAttentionTc.instance(64, 65));
        assertEquals(0, CudaAttentionTc.instance(0, 0));
    }

    /** The kernels' parameters as g++ sees them, and struct TcAttnGeo's ints, against what the Java side passes. */
    @Test
    void kernelSignaturesMatchTheLaunch() throws Exception {
        Path src = HostToolchain.CUDA.resolve("attn_tc_kernels.cu");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(src), "not run from the engine-cuda module directory");
        String text = Files.readString(src);
        Matcher st = Pattern.compile("struct TcAttnGeo \\{(.*?)\\};", Pattern.DOTALL).matcher(text);
        assertTrue(st.find());
        int ints = 0;
        for (String decl : st.group(1).replaceAll("//[^\n]*", "").split(";")) {
            Matcher names = Pattern.compile("(\\w+)(?:\\[(\\d+)\\])?").matcher(decl.trim().replaceFirst("^int\\s+", ""));
            if (decl.isBlank()) {
                continue;
            }
            assertTrue(decl.trim().startsWith("int "), decl);
            while (names.find()) {
                ints += names.group(2) == null ? 1 : Integer.parseInt(names.group(2));
            }
        }
        Layout q = Layout.contiguous(1, 1, 1, 8);
        assertEquals(CudaAttentionTc.geo(q, q, q, q, Layout.contiguous(1, 1, 1), null, 0, false, null, null, null,
                null).length, ints);
        Path tmp = Files.createTempFile("ember_tcattn_sig", ".cu");
        Map<String, List<String>> sig;
        try {
            Files.writeString(tmp, "#define __launch_bounds__(...)\n" + text);
            sig = HostToolchain.kernelSignatures(tmp, 3);
        } finally {
            Files.delete(tmp);
        }
        if (sig == null) {
            return; // no g++ here
        }
        for (String t : new String[] {"bf16", "f16"}) {
            for (int d : new int[] {64, 128}) {
                List<String> kinds = sig.get("tcattn_fwd_" + t + "_d" + d);
                // g, scale, the dropout (threshold, scale, seed, offset, kind), then the pointers
                assertEquals(List.of("?TcAttnGeo g", "double", "double", "double", "i64", "i64", "int", "ptr", "ptr",
                        "ptr", "ptr", "ptr", "ptr"), kinds, t + " d" + d);
                assertEquals(List.of("?TcAttnGeo g", "double", "double", "double", "i64", "i64", "int", "ptr", "ptr",
                        "ptr", "ptr", "ptr", "ptr", "ptr", "ptr", "ptr", "ptr"), sig.get("tcattn_bwd_" + t + "_d" + d),
                        t + " d" + d);
            }
            assertEquals(List.of("?TcAttnGeo g", "ptr", "ptr", "ptr", "ptr"), sig.get("tcattn_bwd_prep_" + t));
            assertEquals(List.of("?TcAttnGeo g", "double", "ptr", "ptr"), sig.get("tcattn_bwd_dq_" + t));
        }
    }

    // ------------------------------------------------------------------ on a GPU (skipped here)

    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(1818);

    private static Tensor r(DType t, int... shape) {
        return Tensor.rand(GEN, DType.FLOAT64, shape).mul(4.0).sub(2.0).to(t);
    }

    /** SDPA of half inputs on CUDA against the CPU (the same PyTorch arithmetic within the type's tolerance). */
    private static void halfParity(String name, Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, boolean gqa,
                                   String node) {
        Tensor[] cpu = {q.detach().clone().requiresGrad_(true), k.detach().clone().requiresGrad_(true),
            v.detach().clone().requiresGrad_(true)};
        Tensor[] gpu = {q.detach().to(GPU).requiresGrad_(true), k.detach().to(GPU).requiresGrad_(true),
            v.detach().to(GPU).requiresGrad_(true)};
        Tensor a = Tensor.scaledDotProductAttention(cpu[0], cpu[1], cpu[2], mask, 0, causal, null, gqa, null);
        Tensor b = Tensor.scaledDotProductAttention(gpu[0], gpu[1], gpu[2], mask == null ? null : mask.to(GPU), 0, causal,
                null, gqa, null);
        assertEquals(node, b.gradFn().name(), name);
        assertEquals(q.dtype(), b.dtype(), name);
        double tol = q.dtype() == DType.FLOAT16 ? 4e-3 : 3e-2; // P rounded to the type on the GPU, not on the CPU
        close(name + " out", a, b.cpu(), tol);
        Tensor g = r(q.dtype(), a.shape());
        a.backward(g);
        b.backward(g.to(GPU));
        for (int i = 0; i < 3; i++) {
            close(name + " grad " + i, cpu[i].grad(), gpu[i].grad().cpu(), 2 * tol);
        }
    }

    private static void close(String what, Tensor expected, Tensor actual, double tol) {
        assertEquals(expected.dtype(), actual.dtype(), what);
        double[] e = expected.toDoubleArray();
        double[] x = actual.toDoubleArray();
        double scale = 1;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], x[i], tol * scale, what + " element " + i);
        }
    }

    @Test
    void halfAttentionOnTheGpuMatchesTheCpu() {
        CudaTestSupport.requireCuda();
        boolean was = CudaTensorCores.enabled();
        CudaTensorCores.setEnabled(true);
        try {
            for (DType t : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
                for (int e : new int[] {64, 128, 40}) {
                    Tensor q = r(t, 2, 4, 70, e);
                    Tensor k = r(t, 2, 4, 90, e);
                    Tensor v = r(t, 2, 4, 90, e);
                    String n = t + " e" + e;
                    halfParity("plain " + n, q, k, v, null, false, false, "ScaledDotProductFlashAttentionBackward0");
                    halfParity("causal L != S " + n, q, k, v, null, true, false,
                            "ScaledDotProductEfficientAttentionBackward0");
                    Tensor qs = r(t, 1, 2, 77, e);
                    halfParity("causal " + n, qs, qs.mul(0.5), qs.add(1.0), null, true, false,
                            "ScaledDotProductFlashAttentionBackward0");
                    Tensor mask = Tensor.rand(GEN, DType.FLOAT64, 70, 90).ge(0.2);
                    halfParity("bool mask " + n, q, k, v, mask, false, false, "ScaledDotProductEfficientAttentionBackward0");
                    halfParity("float32 mask " + n, q, k, v, r(DType.FLOAT32, 1, 4, 70, 90), false, false,
                            "ScaledDotProductEfficientAttentionBackward0");
                    Tensor kg = r(t, 2, 2, 90, e);
                    halfParity("gqa " + n, q, kg, kg.mul(-1.0), null, false, true,
                            "ScaledDotProductFlashAttentionBackward0");
                    Tensor heads = r(t, 2, 33, 4, e).transpose(1, 2);
                    halfParity("heads layout " + n, heads, heads.mul(0.3), heads, null, false, false,
                            "ScaledDotProductFlashAttentionBackward0");
                }
            }
        } finally {
            CudaTensorCores.setEnabled(was);
        }
    }
}
