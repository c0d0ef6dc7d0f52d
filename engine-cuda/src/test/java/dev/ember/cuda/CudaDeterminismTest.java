package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.amp.GradScaler;
import dev.ember.nn.Functional;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Determinism on CUDA (issue 16): the pooling gradients (gathered, no atomics) are bitwise the same from run to run and
 * bitwise the CPU's; reductions, matmul and the convolution's gradients repeat bitwise; the switches are reported by
 * {@code describe()}; a GradScaler step runs on the device. The GPU tests skip without a GPU
 * ({@link CudaTestSupport#requireCuda()}).
 */
class CudaDeterminismTest {
    private static final Device GPU = Device.cuda(0);

    @AfterEach
    void restore() {
        Ember.useDeterministicAlgorithms(false);
        Ember.setFloat32MatmulPrecision("highest");
        Ember.setAllowTf32Convolution(true);
    }

    @Test
    void describeSaysWhichPrecisionIsRequestedAndWhatRuns() {
        Ember.setAllowTf32Convolution(true);
        boolean on = CudaTensorCores.enabled();
        CudaTensorCores.setEnabled(true);
        try {
            assertEquals("float32 matmul precision 'highest' requested, TF32 convolution allowed (Ember's kernels on "
                    + "sm_80+: float32 matmul in FP32, convolution GEMMs in TF32; FP32 on older GPUs; "
                    + "cuBLAS 13 follows the matmul precision for matmuls and the convolution switch for "
                    + "convolutions' GEMMs, cuBLAS 12 computes in FP32)",
                    CudaBackend.precisionDescription());
            CudaTensorCores.setEnabled(false);
            assertEquals("float32 matmul precision 'highest' requested, TF32 convolution allowed (Ember's kernels on "
                    + "sm_80+: all in FP32 while the tensor-core kernels are off; FP32 on older GPUs; "
                    + "cuBLAS 13 follows the matmul precision for matmuls and the convolution switch for "
                    + "convolutions' GEMMs, cuBLAS 12 computes in FP32)",
                    CudaBackend.precisionDescription());
        } finally {
            CudaTensorCores.setEnabled(on);
        }
        Ember.setFloat32MatmulPrecision("high");
        Ember.setAllowTf32Convolution(false);
        assertTrue(CudaBackend.precisionDescription().startsWith("float32 matmul precision 'high' requested, TF32 "
                + "convolution not allowed"), CudaBackend.precisionDescription());
    }

    /** Input gradients of {@code f} for a fixed output gradient, on a device, as float bits (or double bits). */
    private static double[] inputGrad(Function<Tensor, Tensor> f, Tensor x, Tensor gy, Device d) {
        Tensor xi = x.detach().to(d).requiresGrad_(true);
        f.apply(xi).backward(gy.to(d));
        return xi.grad().cpu().toDoubleArray();
    }

    private static void bitwiseRepeatableAndCpu(String name, Function<Tensor, Tensor> f, Tensor x) {
        Tensor gy = Tensor.rand(new Generator(3), x.dtype(), f.apply(x).shape());
        double[] cpu = inputGrad(f, x, gy, Device.CPU);
        for (int run = 0; run < 3; run++) {
            // assertArrayEquals of doubles without a delta compares bits (0.0 and -0.0 differ)
            assertArrayEquals(cpu, inputGrad(f, x, gy, GPU), name + " run " + run);
        }
    }

    @Test
    void poolingGradientsAreBitwiseRepeatableAndTheCpus() {
        CudaTestSupport.requireCuda();
        Ember.useDeterministicAlgorithms(true);
        Generator gen = new Generator(11);
        for (DType dt : List.of(DType.FLOAT32, DType.FLOAT64)) {
            // integers in [0, 4): ties, so overlapping windows share maxima and add into one input element
            Tensor ties = Tensor.rand(gen, dt, 4, 5, 23, 19).mul(4).floor();
            Tensor x = Tensor.rand(gen, dt, 3, 4, 17, 29);
            bitwiseRepeatableAndCpu("max 3x3 s1 p1 " + dt, t -> Functional.maxPool2d(t, new int[] {3, 3},
                    new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, false), ties);
            bitwiseRepeatableAndCpu("max 3x2 s2x1 dilation 2x3 ceil " + dt, t -> Functional.maxPool2d(t,
                    new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 1}, new int[] {2, 3}, true), ties);
            bitwiseRepeatableAndCpu("max 2x2 s2 disjoint " + dt, t -> Functional.maxPool2d(t, 2), x);
            bitwiseRepeatableAndCpu("avg 3x3 s1 p1 " + dt, t -> Tensor.avgPool2d(t, new int[] {3, 3}, new int[] {1, 1},
                    new int[] {1, 1}, false, true), x);
            bitwiseRepeatableAndCpu("avg 5x3 s2x3 p2x1 ceil exclude pad " + dt, t -> Tensor.avgPool2d(t,
                    new int[] {5, 3}, new int[] {2, 3}, new int[] {2, 1}, true, false), x);
        }
    }

    private static void repeatable(String name, Function<Tensor[], Tensor[]> f, Tensor... in) {
        double[][] first = null;
        for (int run = 0; run < 3; run++) {
            Tensor[] out = f.apply(in);
            double[][] got = new double[out.length][];
            for (int i = 0; i < out.length; i++) {
                got[i] = out[i].cpu().toDoubleArray();
            }
            if (first == null) {
                first = got;
            } else {
                for (int i = 0; i < got.length; i++) {
                    assertArrayEquals(first[i], got[i], name + " output " + i + " run " + run);
                }
            }
        }
    }

    @Test
    void reductionsMatmulAndConvolutionGradientsRepeatBitwise() {
        CudaTestSupport.requireCuda();
        Ember.useDeterministicAlgorithms(true);
        Generator gen = new Generator(5);
        Tensor big = Tensor.rand(gen, DType.FLOAT32, 3, 1 << 20).to(GPU);
        repeatable("two-pass sums", t -> new Tensor[] {t[0].sum(), t[0].sum(1), t[0].mean(0), t[0].amax()}, big);
        Tensor a = Tensor.rand(gen, DType.FLOAT32, 257, 1023).to(GPU);
        Tensor b = Tensor.rand(gen, DType.FLOAT32, 1023, 129).to(GPU);
        repeatable("matmul", t -> new Tensor[] {t[0].matmul(t[1])}, a, b);
        Tensor x = Tensor.rand(gen, DType.FLOAT32, 8, 16, 28, 28);
        Tensor w = Tensor.rand(gen, DType.FLOAT32, 32, 16, 3, 3);
        Tensor gy = Tensor.rand(gen, DType.FLOAT32, 8, 32, 28, 28).to(GPU);
        repeatable("conv2d gradients", t -> {
            Tensor xi = t[0].detach().to(GPU).requiresGrad_(true);
            Tensor wi = t[1].detach().to(GPU).requiresGrad_(true);
            Functional.conv2d(xi, wi, null, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1).backward(gy);
            return new Tensor[] {xi.grad(), wi.grad()};
        }, x, w);
        // scatter sums with duplicate indices (index_add under the switch: the deterministic path)
        Tensor idx = Tensor.randint(0, 7, 4000).to(GPU);
        Tensor src = Tensor.rand(gen, DType.FLOAT32, 4000).to(GPU);
        repeatable("index_add with duplicates", t -> new Tensor[] {Tensor.zeros(7).to(GPU).indexAdd(0, t[0], t[1])},
                idx, src);
    }

    @Test
    void gradScalerStepsOnTheDevice() {
        CudaTestSupport.requireCuda();
        Tensor p = Tensor.ones(1000).to(GPU).requiresGrad_(true);
        SGD opt = new SGD(List.of(p), 0.5);
        GradScaler s = new GradScaler("cuda");
        s.scale(p.mul(2).sum()).backward();
        assertTrue(s.step(opt));
        s.update();
        assertEquals(65536.0, s.getScale());
        assertArrayEquals(Tensor.zeros(1000).toFloatArray(), p.cpu().toFloatArray());
        opt.zeroGrad();
        s.scale(p.mul(Double.POSITIVE_INFINITY).sum()).backward();
        assertFalse(s.step(opt));
        s.update();
        assertEquals(32768.0, s.getScale());
        assertArrayEquals(Tensor.zeros(1000).toFloatArray(), p.cpu().toFloatArray());
    }
}
