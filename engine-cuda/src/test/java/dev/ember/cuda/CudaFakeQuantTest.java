package dev.ember.cuda;

import dev.ember.FakeQuant;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.ao.quantization.FakeQuantize;
import dev.ember.ao.quantization.FusedMovingAvgObsFakeQuantize;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.function.Supplier;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fake quantization on CUDA as on the CPU (which FakeQuantTest and ObserverTest hold to PyTorch bit for bit): the ops
 * are elementwise compositions and the qparams host arithmetic, so the values, gradients, scales and zero points are
 * the CPU's exactly.
 */
@ExtendWith(CudaGate.class)
class CudaFakeQuantTest {
    private static final Generator GEN = new Generator(2041);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    @Test
    void opsMatchTheCpu() {
        Tensor x = uniform(GEN, 3.0, 4, 3, 5);
        Tensor scale = Tensor.tensor(new float[] {0.1f, 0.05f, 0.2f}, dev.ember.DType.FLOAT32, dev.ember.Device.CPU);
        Tensor zp = Tensor.tensor(new int[] {0, 3, -2}, dev.ember.DType.INT32, dev.ember.Device.CPU);
        Tensor[] cpu = perChannel(x, scale, zp);
        Tensor[] gpu = perChannel(x.to(GPU), scale.to(GPU), zp.to(GPU));
        for (int i = 0; i < cpu.length; i++) {
            assertArrayEquals(cpu[i].toDoubleArray(), gpu[i].cpu().toDoubleArray(), "per channel " + i);
        }
        Tensor xc = x.detach().requiresGrad_(true);
        Tensor xg = x.to(GPU).detach().requiresGrad_(true);
        Tensor yc = FakeQuant.fakeQuantizePerTensorAffine(xc, 0.07, 4, -8, 7);
        Tensor yg = FakeQuant.fakeQuantizePerTensorAffine(xg, 0.07, 4, -8, 7);
        assertArrayEquals(yc.toDoubleArray(), yg.cpu().toDoubleArray(), "per tensor");
        yc.sum().backward();
        yg.sum().backward();
        assertArrayEquals(xc.grad().toDoubleArray(), xg.grad().cpu().toDoubleArray(), "per tensor gradient");
    }

    private static Tensor[] perChannel(Tensor x, Tensor scale, Tensor zp) {
        Tensor xr = x.detach().requiresGrad_(true);
        Tensor y = FakeQuant.fakeQuantizePerChannelAffine(xr, scale, zp, 1, -128, 127);
        y.mul(y.detach()).sum().backward();
        return new Tensor[] {y.detach(), xr.grad()};
    }

    @Test
    void fakeQuantizersMatchTheCpu() {
        Supplier<?>[] makers = {FakeQuantize::new, FakeQuantize::defaultPerChannelWeightFakeQuant,
            FusedMovingAvgObsFakeQuantize::new, FusedMovingAvgObsFakeQuantize::defaultFusedPerChannelWtFakeQuant};
        for (Supplier<?> make : makers) {
            FakeQuantize cpu = (FakeQuantize) make.get();
            FakeQuantize gpu = (FakeQuantize) make.get();
            gpu.to(GPU);
            for (int step = 0; step < 3; step++) {
                Tensor x = uniform(GEN, 2.0 + step, 3, 4, 5);
                Tensor yc = cpu.apply(x);
                Tensor yg = gpu.apply(x.to(GPU));
                assertArrayEquals(yc.toDoubleArray(), yg.cpu().toDoubleArray(), cpu.getClass() + " step " + step);
                assertArrayEquals(cpu.scale().toDoubleArray(), gpu.scale().cpu().toDoubleArray());
                assertArrayEquals(cpu.zeroPoint().toDoubleArray(), gpu.zeroPoint().cpu().toDoubleArray());
                assertEquals(GPU, gpu.scale().device());
            }
        }
    }
}
