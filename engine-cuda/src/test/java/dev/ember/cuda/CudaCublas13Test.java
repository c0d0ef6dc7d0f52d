package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vendor GEMM that loaded (cuBLAS 13 through JavaCPP on the CUDA 13 H200; cuBLAS 12 through JCublas on a CUDA 12
 * machine) against Ember's own kernel ({@code setUseCublas(false)}) and the CPU, on odd, transposed, sliced, batched
 * and broadcast shapes: in FP32 ("highest"), in TF32 ("high", with TF32 tolerances, and a check that TF32 took effect
 * on cuBLAS 13), in float64, and in bfloat16/float16 once half tensors exist on CUDA. Skips without a GPU; with
 * {@code -Dember.cuda.required=true} it fails where {@code libcublas.so.13} is present but no vendor GEMM loaded.
 */
class CudaCublas13Test {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(1813);
    private static CudaBackend backend;

    @BeforeEach
    void vendorGemm() {
        CudaBackend b = CudaTestSupport.requireCuda();
        if (!b.usesCublas()) {
            java.nio.file.Path lib = CudaLibraries.find(CudaLibraries.directories(), CudaLibraries.CUBLAS);
            if (Boolean.getBoolean("ember.cuda.required") && lib != null
                    && !"false".equalsIgnoreCase(System.getProperty(VendorGemm.VENDOR_PROPERTY, "").trim())) {
                Assertions.fail(CudaLibraries.CUBLAS + " is in " + lib + " but no vendor GEMM loaded: " + b.describe());
            }
            Assumptions.abort("no vendor GEMM here: " + b.describe());
        }
        if (backend == null) {
            System.out.println("vendor GEMM under test: " + b.describe());
        }
        backend = b;
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(2).sub(1);
    }

    /** The products, each as a function of CPU or device copies of its inputs. */
    private static Map<String, Supplier<Tensor[]>> cases() {
        Map<String, Supplier<Tensor[]>> c = new LinkedHashMap<>();
        c.put("odd 131x77 @ 77x259", () -> new Tensor[] {r(131, 77), r(77, 259)});
        c.put("A transposed", () -> new Tensor[] {r(77, 131).t(), r(77, 259)});
        c.put("B transposed", () -> new Tensor[] {r(131, 77), r(259, 77).t()});
        c.put("both transposed", () -> new Tensor[] {r(77, 131).t(), r(259, 77).t()});
        c.put("sliced rows (ld > cols)", () -> new Tensor[] {r(131, 100).narrow(1, 5, 77), r(77, 300).narrow(1, 20, 259)});
        c.put("batched 3x70x9 @ 3x9x45", () -> new Tensor[] {r(3, 70, 9), r(3, 9, 45)});
        c.put("batched, B transposed", () -> new Tensor[] {r(3, 70, 9), r(3, 45, 9).transpose(1, 2)});
        c.put("broadcast 4x33x17 @ 17x29", () -> new Tensor[] {r(4, 33, 17), r(17, 29)});
        c.put("matrix @ vector", () -> new Tensor[] {r(65, 40), r(40)});
        c.put("vector @ matrix", () -> new Tensor[] {r(40), r(40, 65)});
        c.put("k = 1", () -> new Tensor[] {r(50, 1), r(1, 70)});
        return c;
    }

    private static Tensor onDevice(Tensor[] in, boolean vendor) {
        backend.setUseCublas(vendor);
        try {
            return in[0].to(GPU).matmul(in[1].to(GPU)).cpu();
        } finally {
            backend.setUseCublas(true);
        }
    }

    /** |actual - expected| at most tol * max(1, max |expected|) everywhere. */
    private static void close(String what, Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        assertEquals(expected.dtype(), actual.dtype(), what);
        double[] e = expected.toDoubleArray();
        double[] x = actual.toDoubleArray();
        double scale = 1;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], x[i], tol * scale, what + ": element " + i + " of " + Arrays.toString(expected.shape()));
        }
    }

    private static void withPrecision(String precision, Runnable r) {
        String old = Ember.getFloat32MatmulPrecision();
        Ember.setFloat32MatmulPrecision(precision);
        try {
            r.run();
        } finally {
            Ember.setFloat32MatmulPrecision(old);
        }
    }

    @Test
    void fp32AgreesWithEmbersKernelAndTheCpu() {
        withPrecision("highest", () -> {
            for (Map.Entry<String, Supplier<Tensor[]>> c : cases().entrySet()) {
                Tensor[] in = c.getValue().get();
                Tensor cpu = in[0].matmul(in[1]);
                Tensor own = onDevice(in, false);
                Tensor vendor = onDevice(in, true);
                close(c.getKey() + ": vendor vs Ember's kernel", own, vendor, 2e-5);
                close(c.getKey() + ": vendor vs CPU", cpu, vendor, 2e-5);
            }
        });
    }

    @Test
    void tf32AgreesWithinTf32Tolerances() {
        // PyTorch's tests compare TF32 products with precision 0.01 (tf32_on_and_off(0.01) in test_linalg.py)
        withPrecision("high", () -> {
            for (Map.Entry<String, Supplier<Tensor[]>> c : cases().entrySet()) {
                Tensor[] in = c.getValue().get();
                Tensor cpu = in[0].matmul(in[1]);
                close(c.getKey() + ": TF32 vendor vs Ember's kernel", onDevice(in, false), onDevice(in, true), 1e-2);
                close(c.getKey() + ": TF32 vendor vs CPU FP32", cpu, onDevice(in, true), 1e-2);
            }
        });
    }

    @Test
    void tf32TakesEffectOnCublas13AndHighestStaysFp32() {
        Tensor[] in = {r(512, 512), r(512, 512)};
        Tensor cpu = in[0].matmul(in[1]);
        Tensor[] fp32 = new Tensor[1];
        Tensor[] tf32 = new Tensor[1];
        withPrecision("highest", () -> fp32[0] = onDevice(in, true));
        withPrecision("medium", () -> tf32[0] = onDevice(in, true));
        close("FP32 under 'highest'", cpu, fp32[0], 2e-5);
        close("TF32 under 'medium'", cpu, tf32[0], 1e-2);
        if (backend.describe().contains("cuBLAS 13")) {
            double maxDiff = tf32[0].sub(fp32[0]).abs().max().item();
            assertTrue(maxDiff > 0, "cuBLAS 13 under 'medium' gave bit-identical FP32 results: TF32 did not take effect");
            System.out.println("cuBLAS 13, 512^3: TF32 - FP32 max |difference| " + maxDiff);
        }
    }

    @Test
    void float64AgreesWithEmbersKernel() {
        for (Map.Entry<String, Supplier<Tensor[]>> c : cases().entrySet()) {
            Tensor[] in = c.getValue().get();
            Tensor[] d = {in[0].to(DType.FLOAT64), in[1].to(DType.FLOAT64)};
            close(c.getKey() + ": float64 vendor vs Ember's kernel", onDevice(d, false), onDevice(d, true), 1e-12);
            close(c.getKey() + ": float64 vendor vs CPU", d[0].matmul(d[1]), onDevice(d, true), 1e-12);
        }
    }

    @Test
    void halfTypesAccumulateInFloat32AndRoundOnce() {
        for (DType t : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
            try {
                Tensor.zeros(2).to(t).to(GPU);
            } catch (IllegalArgumentException e) {
                Assumptions.abort("half tensors are not on CUDA yet: " + e.getMessage());
            }
            // one rounding of a float32-accumulated result: within two units in the last place of the type
            double ulp = t == DType.BFLOAT16 ? 0x1p-7 : 0x1p-10;
            for (Map.Entry<String, Supplier<Tensor[]>> c : cases().entrySet()) {
                Tensor[] in = c.getValue().get();
                Tensor[] h = {in[0].to(t), in[1].to(t)};
                Tensor cpu = h[0].matmul(h[1]);
                close(c.getKey() + ": " + t + " vendor vs CPU", cpu, onDevice(h, true), 2 * ulp);
                close(c.getKey() + ": " + t + " Ember's kernel vs CPU", cpu, onDevice(h, false), 2 * ulp);
            }
        }
    }
}
