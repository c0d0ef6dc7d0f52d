package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Convolution through cuDNN 9 (JavaCPP, opt-in: {@code setUseCudnn(true)}) against Ember's im2col kernels and the CPU:
 * forward, input gradient and weight gradient, with bias and without, strided, padded, dilated, grouped, depthwise and
 * 1x1, in FP32 (TF32 convolution off: tight tolerances), in TF32 (PyTorch's default, tolerance 0.01 as PyTorch's
 * tf32 tests) and in float64. Skips without a GPU or without cuDNN; with {@code -Dember.cuda.required=true} it fails
 * where {@code libcudnn.so.9} is present but cuDNN did not load.
 */
class CudaCudnnTest {
    private static final Device GPU = Device.cuda(0);
    private static final Generator GEN = new Generator(909);
    private CudaBackend backend;
    private boolean tf32;

    @BeforeEach
    void cudnn() {
        tf32 = Ember.allowTf32Convolution();
        backend = CudaTestSupport.requireCuda();
        backend.setUseCudnn(true);
        if (!backend.usesCudnn()) {
            backend.setUseCudnn(false);
            java.nio.file.Path lib = CudaLibraries.find(CudaLibraries.directories(), CudnnJavacpp.LIBRARY);
            if (Boolean.getBoolean("ember.cuda.required") && lib != null
                    && !"false".equalsIgnoreCase(System.getProperty(VendorGemm.VENDOR_PROPERTY, "").trim())) {
                Assertions.fail(CudnnJavacpp.LIBRARY + " is in " + lib + " but cuDNN did not load: " + backend.describe());
            }
            Assumptions.abort("no cuDNN here: " + backend.describe());
        }
        System.out.println("cuDNN under test: " + backend.describe());
    }

    @AfterEach
    void restore() {
        if (backend != null) { // null when the test was skipped before it began
            backend.setUseCudnn(false);
            Ember.setAllowTf32Convolution(tf32);
        }
    }

    private static Tensor r(int... shape) {
        return Tensor.rand(GEN, DType.FLOAT32, shape).mul(2).sub(1);
    }

    /** Input, weight, bias (or null), stride, padding, dilation, groups. */
    private static Object[][] cases() {
        return new Object[][] {
            {"3x3 pad 1 with bias", r(2, 4, 9, 11), r(6, 4, 3, 3), r(6), 1, 1, 1, 1},
            {"stride 2, no bias", r(2, 3, 13, 10), r(5, 3, 3, 3), null, 2, 0, 1, 1},
            {"dilation 2 pad 2", r(1, 4, 12, 12), r(4, 4, 3, 3), r(4), 1, 2, 2, 1},
            {"groups 2", r(2, 6, 8, 9), r(4, 3, 3, 3), r(4), 1, 1, 1, 2},
            {"depthwise", r(2, 5, 7, 7), r(5, 1, 3, 3), r(5), 1, 1, 1, 5},
            {"1x1", r(3, 8, 5, 6), r(7, 8, 1, 1), r(7), 1, 0, 1, 1},
            {"5x3 kernel, stride 3", r(2, 2, 17, 14), r(3, 2, 5, 3), r(3), 3, 1, 1, 1},
        };
    }

    /** The output and the gradients of input, weight (and bias) for a fixed output gradient. */
    private Tensor[] run(Object[] c, DType t, Device dev, boolean cudnn) {
        backend.setUseCudnn(cudnn);
        Tensor x = ((Tensor) c[1]).to(t).to(dev).requiresGrad_(true);
        Tensor w = ((Tensor) c[2]).to(t).to(dev).requiresGrad_(true);
        Tensor b = c[3] == null ? null : ((Tensor) c[3]).to(t).to(dev).requiresGrad_(true);
        int s = (Integer) c[4];
        int pad = (Integer) c[5];
        int dil = (Integer) c[6];
        Tensor out = Tensor.conv2d(x, w, b, new int[] {s}, new int[] {pad}, new int[] {dil}, (Integer) c[7]);
        Tensor g = Tensor.rand(new Generator(7), DType.FLOAT32, out.shape()).to(t).to(dev);
        out.backward(g);
        return new Tensor[] {out.cpu(), x.grad().cpu(), w.grad().cpu(), b == null ? null : b.grad().cpu()};
    }

    private static void close(String what, Tensor expected, Tensor actual, double tol) {
        if (expected == null) {
            return;
        }
        assertArrayEquals(expected.shape(), actual.shape(), what);
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

    private void compare(DType t, double tol) {
        String[] parts = {"output", "input gradient", "weight gradient", "bias gradient"};
        for (Object[] c : cases()) {
            Tensor[] cpu = run(c, t, Device.CPU, false);
            Tensor[] own = run(c, t, GPU, false);
            Tensor[] dnn = run(c, t, GPU, true);
            for (int i = 0; i < parts.length; i++) {
                close(c[0] + " " + t + " " + parts[i] + ": cuDNN vs Ember's kernels", own[i], dnn[i], tol);
                close(c[0] + " " + t + " " + parts[i] + ": cuDNN vs CPU", cpu[i], dnn[i], tol);
            }
        }
    }

    @Test
    void fp32WithoutTf32AgreesWithEmbersKernelsAndTheCpu() {
        Ember.setAllowTf32Convolution(false);
        compare(DType.FLOAT32, 2e-5);
    }

    @Test
    void tf32AgreesWithinTf32Tolerances() {
        Ember.setAllowTf32Convolution(true);
        compare(DType.FLOAT32, 1e-2);
    }

    @Test
    void float64AgreesTightly() {
        compare(DType.FLOAT64, 1e-12);
    }
}
