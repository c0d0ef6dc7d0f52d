package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.backend.Layout;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BinaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tensor-core GEMMs (CudaTensorCores, tc_kernels.cu). Without a GPU: which kernel each type pair and switch
 * selects, the launch geometry and struct Mat arguments (a recording device), batches past the grid's z limit, the
 * refusals (a GPU older than sm_80, float32 without TF32, unsupported types) and the describe texts. With a GPU (skipped
 * here): float32 matmul and convolution in TF32 against a float64 reference of the TF32-rounded inputs, that TF32 is
 * really used (the result differs from FP32) and that "highest" / a disallowed convolution stay FP32. The kernels'
 * arithmetic on odd sizes and layouts is TcKernelsEmulationTest's.
 */
class CudaTensorCoresTest {
    /** The kernels are off by default until a GPU has run them: these tests turn them on. */
    @BeforeEach
    void enableTensorCores() {
        CudaTensorCores.setEnabled(true);
    }

    @Test
    void offByDefaultUntilRunOnAGpu() {
        CudaTensorCores.setEnabled(false);
        Recorder r = new Recorder(90);
        CudaTensorCores tc = new CudaTensorCores(r);
        Ember.setFloat32MatmulPrecision("high");
        Layout a = Layout.contiguous(1, 8, 8);
        try {
            assertFalse(tc.available());
            assertFalse(tc.gemm(DType.FLOAT32, DType.FLOAT32, a, a, a, P, P, P, false));
            assertFalse(tc.gemm(DType.BFLOAT16, DType.FLOAT32, a, a, a, P, P, P, false));
            assertTrue(r.launches.isEmpty());
            assertEquals("tensor-core GEMMs off (not yet run on a GPU; -Dember.cuda.tensorCores=true turns them on)",
                    tc.describe());
        } finally {
            Ember.setFloat32MatmulPrecision("highest");
        }
    }

    private static final Device GPU = Device.cuda(0);

    @AfterEach
    void restore() {
        Ember.setFloat32MatmulPrecision("highest");
        Ember.setAllowTf32Convolution(true);
        CudaTensorCores.setEnabled(Boolean.getBoolean("ember.cuda.tensorCores"));
    }

    /** A device that records launches instead of running them. */
    private static final class Recorder implements CudaTensorCores.Device {
        final int capability;
        final List<Object[]> launches = new ArrayList<>();

        Recorder(int capability) {
            this.capability = capability;
        }

        @Override
        public void launchTc(String kernel, int gx, int gy, int gz, int threads, Object shape, Object... args) {
            launches.add(new Object[] {kernel, gx, gy, gz, threads, args});
        }

        @Override
        public int computeCapability() {
            return capability;
        }
    }

    private static final CUdeviceptr P = new CUdeviceptr();

    @Test
    void kernelsByTypePair() {
        assertEquals("tcgemm_bf16_f32", CudaTensorCores.kernel(DType.BFLOAT16, DType.FLOAT32));
        assertEquals("tcgemm_bf16_bf16", CudaTensorCores.kernel(DType.BFLOAT16, DType.BFLOAT16));
        assertEquals("tcgemm_f16_f32", CudaTensorCores.kernel(DType.FLOAT16, DType.FLOAT32));
        assertEquals("tcgemm_f16_f16", CudaTensorCores.kernel(DType.FLOAT16, DType.FLOAT16));
        assertEquals("tcgemm_tf32_f32", CudaTensorCores.kernel(DType.FLOAT32, DType.FLOAT32));
        assertNull(CudaTensorCores.kernel(DType.BFLOAT16, DType.FLOAT16));
        assertNull(CudaTensorCores.kernel(DType.FLOAT32, DType.BFLOAT16));
        assertNull(CudaTensorCores.kernel(DType.FLOAT64, DType.FLOAT64));
        assertNull(CudaTensorCores.kernel(DType.INT64, DType.INT64));
    }

    @Test
    void launchGeometryAndMatArguments() {
        Recorder r = new Recorder(90);
        CudaTensorCores tc = new CudaTensorCores(r);
        // [3, 130, 45] @ [3, 45, 260] with A transposed (column-major) and an offset, B row-major, C padded
        Layout a = new Layout(new int[] {3, 130, 45}, new int[] {45 * 130, 1, 130}, 7);
        Layout b = Layout.contiguous(3, 45, 260);
        Layout c = new Layout(new int[] {3, 130, 260}, new int[] {130 * 264, 264, 1}, 5);
        assertTrue(tc.gemm(DType.BFLOAT16, DType.BFLOAT16, a, b, c, P, P, P, false));
        assertEquals(1, r.launches.size());
        Object[] l = r.launches.get(0);
        assertEquals("tcgemm_bf16_bf16", l[0]);
        assertEquals(3, l[1]); // 260 columns: three 128-wide tiles
        assertEquals(2, l[2]); // 130 rows: two
        assertEquals(3, l[3]);
        assertEquals(256, l[4]);
        Object[] args = (Object[]) l[5];
        assertArrayEquals(new int[] {130, 45, 45 * 130, 1, 130, 7}, (int[]) args[0]);
        assertArrayEquals(new int[] {45, 260, 45 * 260, 260, 1, 0}, (int[]) args[1]);
        assertArrayEquals(new int[] {130, 260, 130 * 264, 264, 1, 5}, (int[]) args[2]);
        assertEquals(6, args.length);
    }

    @Test
    void batchesPastTheGridLimitLaunchInChunks() {
        Recorder r = new Recorder(80);
        CudaTensorCores tc = new CudaTensorCores(r);
        int batch = 2 * CudaTensorCores.MAX_GRID + 3;
        Layout a = new Layout(new int[] {batch, 2, 3}, new int[] {6, 3, 1}, 1);
        Layout b = new Layout(new int[] {batch, 3, 4}, new int[] {0, 4, 1}, 0); // broadcast over the batch
        Layout c = Layout.contiguous(batch, 2, 4);
        assertTrue(tc.gemm(DType.FLOAT16, DType.FLOAT32, a, b, c, P, P, P, false));
        assertEquals(3, r.launches.size());
        int[] sizes = new int[3];
        for (int i = 0; i < 3; i++) {
            Object[] l = r.launches.get(i);
            sizes[i] = (Integer) l[3];
            Object[] args = (Object[]) l[5];
            int b0 = i * CudaTensorCores.MAX_GRID;
            assertEquals(1 + b0 * 6, ((int[]) args[0])[5], "A's offset of chunk " + i);
            assertEquals(0, ((int[]) args[1])[5], "B's offset of chunk " + i);
            assertEquals(b0 * 8, ((int[]) args[2])[5], "C's offset of chunk " + i);
        }
        assertArrayEquals(new int[] {CudaTensorCores.MAX_GRID, CudaTensorCores.MAX_GRID, 3}, sizes);
    }

    @Test
    void float32RunsInTf32OnlyWhereAllowed() {
        Recorder r = new Recorder(90);
        CudaTensorCores tc = new CudaTensorCores(r);
        Layout a = Layout.contiguous(1, 64, 32);
        Layout b = Layout.contiguous(1, 32, 16);
        Layout c = Layout.contiguous(1, 64, 16);
        Ember.setFloat32MatmulPrecision("highest");
        Ember.setAllowTf32Convolution(false);
        assertFalse(tc.gemm(DType.FLOAT32, DType.FLOAT32, a, b, c, P, P, P, false));
        assertFalse(tc.gemm(DType.FLOAT32, DType.FLOAT32, a, b, c, P, P, P, true));
        Ember.setAllowTf32Convolution(true);
        assertFalse(tc.gemm(DType.FLOAT32, DType.FLOAT32, a, b, c, P, P, P, false));
        assertTrue(tc.gemm(DType.FLOAT32, DType.FLOAT32, a, b, c, P, P, P, true));
        for (String p : new String[] {"high", "medium"}) {
            Ember.setFloat32MatmulPrecision(p);
            Ember.setAllowTf32Convolution(false);
            assertTrue(tc.gemm(DType.FLOAT32, DType.FLOAT32, a, b, c, P, P, P, false), p);
            assertFalse(tc.gemm(DType.FLOAT32, DType.FLOAT32, a, b, c, P, P, P, true), p);
        }
        assertEquals(3, r.launches.size());
        for (Object[] l : r.launches) {
            assertEquals("tcgemm_tf32_f32", l[0]);
        }
        // float64 never goes to the tensor cores
        assertFalse(tc.gemm(DType.FLOAT64, DType.FLOAT64, a, b, c, P, P, P, false));
        assertEquals(3, r.launches.size());
    }

    @Test
    void olderGpusKeepTheFp32Kernels() {
        Recorder r = new Recorder(75);
        CudaTensorCores tc = new CudaTensorCores(r);
        Ember.setFloat32MatmulPrecision("high");
        Layout a = Layout.contiguous(1, 8, 8);
        assertFalse(tc.available());
        assertFalse(tc.gemm(DType.FLOAT32, DType.FLOAT32, a, a, a, P, P, P, false));
        assertFalse(tc.gemm(DType.BFLOAT16, DType.FLOAT32, a, a, a, P, P, P, false));
        assertTrue(r.launches.isEmpty());
        assertEquals("no tensor-core GEMMs (sm_75: Ember's mma.sync kernels need sm_80)", tc.describe());
        assertEquals("tensor cores (sm_90, Ember's mma.sync kernels): bfloat16/float16 GEMMs, float32 matmul and "
                + "convolution GEMMs in TF32", new CudaTensorCores(new Recorder(90)).describe());
        Ember.setAllowTf32Convolution(false);
        assertEquals("tensor cores (sm_86, Ember's mma.sync kernels): bfloat16/float16 GEMMs, float32 matmul in TF32, "
                + "convolution GEMMs in FP32", new CudaTensorCores(new Recorder(86)).describe());
    }

    @Test
    void precisionDescriptionSaysWhatRuns() {
        Ember.setFloat32MatmulPrecision("medium");
        Ember.setAllowTf32Convolution(false);
        assertEquals("float32 matmul precision 'medium' requested, TF32 convolution not allowed (Ember's kernels on "
                + "sm_80+: float32 matmul in TF32, convolution GEMMs in FP32; FP32 on older GPUs; "
                    + "cuBLAS 13 follows the matmul precision for matmuls and the convolution switch for "
                    + "convolutions' GEMMs, cuBLAS 12 computes in FP32)",
                CudaBackend.precisionDescription());
        Ember.setFloat32MatmulPrecision("highest");
        assertTrue(CudaBackend.precisionDescription().contains("float32 matmul and convolution GEMMs in FP32"));
    }

    // ------------------------------------------------------------------ on a GPU

    /** A float32 tensor's values rounded to TF32 (nearest, ties away from zero), as cvt.rna.tf32.f32. */
    private static Tensor tf32(Tensor t) {
        float[] v = t.contiguous().toFloatArray();
        for (int i = 0; i < v.length; i++) {
            int u = Float.floatToRawIntBits(v[i]);
            if ((u & 0x7F800000) != 0x7F800000) {
                v[i] = Float.intBitsToFloat((u + 0x1000) & 0xFFFFE000);
            }
        }
        return Tensor.tensor(v).reshape(t.shape());
    }

    private static double maxAbsDiff(Tensor x, Tensor y) {
        double[] a = x.cpu().to(DType.FLOAT64).contiguous().toDoubleArray();
        double[] b = y.cpu().to(DType.FLOAT64).contiguous().toDoubleArray();
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /**
     * f on the GPU in TF32 against f in float64 of the TF32-rounded inputs: within the fp32 accumulation tolerance
     * (1e-4 here, for values of size about sqrt(k)); and against the unrounded inputs' float64 result, off by more
     * than that (TF32's 10-bit mantissa shows), so the tensor cores did run.
     */
    private static void tf32Check(String name, BinaryOperator<Tensor> f, Tensor x, Tensor y) {
        Tensor got = f.apply(x.to(GPU), y.to(GPU));
        Tensor ref = f.apply(tf32(x).to(DType.FLOAT64), tf32(y).to(DType.FLOAT64));
        Tensor exact = f.apply(x.to(DType.FLOAT64), y.to(DType.FLOAT64));
        double err = maxAbsDiff(got, ref);
        assertTrue(err < 1e-4, name + ": TF32 result off the rounded inputs' reference by " + err);
        assertTrue(maxAbsDiff(got, exact) > 1e-4, name + ": the result looks like FP32, not TF32");
    }

    @Test
    void tf32MatmulAndConvolutionOnTheGpu() {
        CudaTestSupport.requireCuda();
        Generator g = new Generator(18);
        Tensor a = Tensor.randn(g, DType.FLOAT32, 3, 130, 200);
        Tensor b = Tensor.randn(g, DType.FLOAT32, 3, 200, 70);
        Ember.setFloat32MatmulPrecision("high");
        tf32Check("bmm", Tensor::matmul, a, b);
        tf32Check("bmm, transposed operands", (x, y) -> x.mT().matmul(y.mT()), a.mT().contiguous(), b.mT().contiguous());
        Ember.setFloat32MatmulPrecision("highest");
        // FP32: the float64 result within float32's accumulation error
        assertTrue(maxAbsDiff(a.to(GPU).matmul(b.to(GPU)), a.to(DType.FLOAT64).matmul(b.to(DType.FLOAT64))) < 1e-4);
        Tensor x = Tensor.randn(g, DType.FLOAT32, 4, 8, 23, 19);
        Tensor w = Tensor.randn(g, DType.FLOAT32, 16, 8, 3, 3);
        BinaryOperator<Tensor> conv = (i, k) -> Tensor.conv2d(i, k, null, new int[] {1}, new int[] {1}, new int[] {1}, 1);
        Ember.setAllowTf32Convolution(true);
        tf32Check("conv2d", conv, x, w);
        Ember.setAllowTf32Convolution(false);
        assertTrue(maxAbsDiff(conv.apply(x.to(GPU), w.to(GPU)), conv.apply(x.to(DType.FLOAT64), w.to(DType.FLOAT64)))
                < 1e-4, Arrays.toString(x.shape()));
    }

    /** The double value of half bits. */
    private static double half(DType t, short h) {
        return t == DType.BFLOAT16 ? dev.ember.BFloat16.toFloat(h) : dev.ember.Half.toFloat(h);
    }

    @Test
    void halfGemmsOnTheGpuWithinPyTorchsTolerances() {
        CudaBackend cuda = CudaTestSupport.requireCuda();
        java.util.Random r = new java.util.Random(18);
        int batch = 2;
        int m = 130;
        int k = 45;
        int n = 70;
        for (DType t : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
            short[] a = new short[batch * m * k];
            short[] b = new short[batch * k * n];
            for (int i = 0; i < a.length; i++) {
                float v = r.nextFloat() * 4 - 2;
                a[i] = t == DType.BFLOAT16 ? dev.ember.BFloat16.fromFloat(v) : dev.ember.Half.fromFloat(v);
            }
            for (int i = 0; i < b.length; i++) {
                float v = r.nextFloat() * 4 - 2;
                b[i] = t == DType.BFLOAT16 ? dev.ember.BFloat16.fromFloat(v) : dev.ember.Half.fromFloat(v);
            }
            float[] f32 = (float[]) cuda.tensorCoreGemm(t, DType.FLOAT32, a, b, batch, m, k, n);
            short[] h = (short[]) cuda.tensorCoreGemm(t, t, a, b, batch, m, k, n);
            // torch.testing's tolerances: bfloat16 rtol 1.6e-2, float16 1e-3; atol 1e-5
            double rtol = t == DType.BFLOAT16 ? 1.6e-2 : 1e-3;
            for (int bi = 0; bi < batch; bi++) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double ref = 0;
                        for (int q = 0; q < k; q++) {
                            ref += half(t, a[(bi * m + i) * k + q]) * half(t, b[(bi * k + q) * n + j]);
                        }
                        int o = (bi * m + i) * n + j;
                        String at = t + " [" + bi + ", " + i + ", " + j + "]";
                        assertTrue(Math.abs(f32[o] - ref) <= 1e-5 + 1.3e-6 * Math.abs(ref) + 1e-5 * k, at + " float32 out "
                                + f32[o] + " want " + ref);
                        assertTrue(Math.abs(half(t, h[o]) - ref) <= 1e-5 + rtol * Math.abs(ref), at + " " + t + " out "
                                + half(t, h[o]) + " want " + ref);
                    }
                }
            }
        }
    }
}
