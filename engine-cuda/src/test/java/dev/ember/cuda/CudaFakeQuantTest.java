package dev.ember.cuda;

import dev.ember.FakeQuant;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.ao.quantization.FakeQuantize;
import dev.ember.ao.quantization.FusedMovingAvgObsFakeQuantize;
import dev.ember.ao.quantization.QuantDType;
import dev.ember.ao.quantization.QuantizedTensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.function.Supplier;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void learnableFormsGiveTheCpusGradients() {
        Tensor x = uniform(GEN, 3.0, 4, 3, 5);
        Tensor[] cpu = run(x, false);
        Tensor[] gpu = run(x, true);
        String[] what = {"output", "input gradient", "scale gradient", "zero-point gradient"};
        for (int i = 0; i < cpu.length; i++) {
            assertTrue(cpu[i].allclose(gpu[i].cpu(), 1e-6, 1e-6), "learnable per tensor: " + what[i]);
        }
    }

    private static Tensor[] run(Tensor x, boolean gpu) {
        dev.ember.Device d = gpu ? GPU : dev.ember.Device.CPU;
        Tensor xr = x.to(d).detach().requiresGrad_(true);
        Tensor s = Tensor.tensor(new float[] {0.07f}, dev.ember.DType.FLOAT32, dev.ember.Device.CPU).to(d)
            .requiresGrad_(true);
        Tensor z = Tensor.tensor(new float[] {2.4f}, dev.ember.DType.FLOAT32, dev.ember.Device.CPU).to(d)
            .requiresGrad_(true);
        Tensor y = FakeQuant.fakeQuantizeLearnablePerTensorAffine(xr, s, z, -8, 7, 0.5);
        y.mul(y.detach()).sum().backward();
        return new Tensor[] {y.detach(), xr.grad(), s.grad(), z.grad()};
    }

    @Test
    void quantizedTensorsAndLongFillsMatchTheCpu() {
        Tensor x = uniform(GEN, 4.0, 3, 7);
        QuantizedTensor qc = QuantizedTensor.quantizePerTensor(x, 0.05, 3, QuantDType.QINT8);
        QuantizedTensor qg = QuantizedTensor.quantizePerTensor(x.to(GPU), 0.05, 3, QuantDType.QINT8);
        assertArrayEquals(qc.intRepr().toDoubleArray(), qg.intRepr().cpu().toDoubleArray(), "int_repr");
        assertArrayEquals(qc.dequantize().toDoubleArray(), qg.dequantize().cpu().toDoubleArray(), "dequantize");
        Tensor scales = Tensor.tensor(new double[] {0.1, 0.02, 0.3}, dev.ember.DType.FLOAT64, dev.ember.Device.CPU);
        Tensor zps = Tensor.tensor(new long[] {0, 5, -3}, dev.ember.DType.INT64, dev.ember.Device.CPU);
        QuantizedTensor pc = QuantizedTensor.quantizePerChannel(x, scales, zps, 0, QuantDType.QINT8);
        QuantizedTensor pg = QuantizedTensor.quantizePerChannel(x.to(GPU), scales, zps, 0, QuantDType.QINT8);
        assertArrayEquals(pc.dequantize().toDoubleArray(), pg.dequantize().cpu().toDoubleArray(), "per channel");
        long big = (1L << 62) + 1;
        Tensor filled = Tensor.zeros(dev.ember.DType.INT64, 3).to(GPU).fill_(big);
        assertArrayEquals(new long[] {big, big, big}, filled.cpu().toLongArray(), "exact int64 fill");
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

    @Test
    void dynamicQuantizedLinearsAreCpuOnlyAsPyTorchs() {
        // PyTorch's quantized::linear_dynamic and linear_dynamic_fp16 are FBGEMM's, CPU kernels: a CUDA input is refused
        for (boolean half : new boolean[] {false, true}) {
            dev.ember.ao.nn.quantized.dynamic.Linear q = dev.ember.ao.nn.quantized.dynamic.Linear.fromFloat(
                new dev.ember.nn.Linear(4, 3), half ? dev.ember.ao.quantization.DynamicQConfig.FLOAT16
                    : dev.ember.ao.quantization.DynamicQConfig.DEFAULT);
            Tensor x = uniform(GEN, 1.0, 2, 4);
            UnsupportedOperationException e = org.junit.jupiter.api.Assertions.assertThrows(
                UnsupportedOperationException.class, () -> q.apply(x.to(GPU)));
            org.junit.jupiter.api.Assertions.assertEquals("Could not run 'quantized::linear_dynamic" + (half ? "_fp16" : "")
                + "' with arguments from the 'CUDA' backend.", e.getMessage());
            assertArrayEquals(new int[] {2, 3}, q.apply(x).shape());
        }
    }
}
