package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Session 45's additions on CUDA (written without a GPU, so never run yet): with the default generator in PyTorch's CPU
 * mode, GPU tensors still draw Ember's Philox numbers (the generator's CUDA half) and leave the CPU stream where it
 * was; a CPU generator of one's own refuses a GPU tensor with PyTorch's message; {@code segmentReduce} of a GPU tensor
 * equals the CPU's, values and gradients, and stays on the GPU.
 */
class CudaSession45Test {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    @Test
    void theDefaultGeneratorsCudaHalfIsPhilox() {
        Generator.Algorithm before = Ember.defaultGeneratorAlgorithm();
        try {
            Ember.setDefaultGeneratorAlgorithm(Generator.Algorithm.MT19937);
            Ember.manualSeed(6);
            float[] onGpu = Tensor.rand(Ember.defaultGenerator(), DType.FLOAT32, GPU, 5).cpu().toFloatArray();
            float[] cpuAfter = Tensor.rand(5).toFloatArray();
            Ember.manualSeed(6);
            assertArrayEquals(Tensor.rand(5).toFloatArray(), cpuAfter);
            assertArrayEquals(Tensor.rand(new Generator(6), DType.FLOAT32, GPU, 5).cpu().toFloatArray(), onGpu);
            Generator cpu = new Generator(1, Generator.Algorithm.MT19937);
            assertEquals("Expected a 'cuda' device type for generator but found 'cpu'", assertThrows(
                    IllegalArgumentException.class, () -> Tensor.randn(cpu, DType.FLOAT32, GPU, 2)).getMessage());
        } finally {
            Ember.setDefaultGeneratorAlgorithm(before);
        }
    }

    @Test
    void segmentReduceOfAGpuTensorIsTheCpus() {
        Tensor data = Tensor.randn(new Generator(2), DType.FLOAT64, 2, 5, 3);
        Tensor lengths = Tensor.tensor(new long[][] {{2, 3}, {5, 0}}, DType.INT64, Device.CPU);
        for (String reduce : new String[] {"sum", "mean", "max", "min", "prod"}) {
            Tensor x = data.clone().requiresGrad_(true);
            Tensor out = Tensor.segmentReduce(x, reduce, lengths, null, 1, false, 0.5);
            out.sum().backward();
            Tensor xg = data.to(GPU).detach().requiresGrad_(true);
            Tensor outGpu = Tensor.segmentReduce(xg, reduce, lengths.to(GPU), null, 1, false, 0.5);
            assertEquals(GPU, outGpu.device());
            outGpu.sum().backward();
            assertArrayEquals(out.toDoubleArray(), outGpu.cpu().toDoubleArray(), 0.0, reduce);
            assertArrayEquals(x.grad().toDoubleArray(), xg.grad().cpu().toDoubleArray(), 0.0, reduce);
        }
    }
}
