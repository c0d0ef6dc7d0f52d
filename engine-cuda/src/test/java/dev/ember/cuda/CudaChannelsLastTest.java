package dev.ember.cuda;

import dev.ember.Generator;
import dev.ember.MemoryFormat;
import dev.ember.Tensor;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory-format calls and the channels-last convolution and batch norm on CUDA as on the CPU (which
 * OutsiderPrograms6Test holds to PyTorch's strides): a channels-last input and model give the CPU's strides for the
 * output, the batch-norm output and the input and weight gradients, and the CPU's values.
 */
@ExtendWith(CudaGate.class)
class CudaChannelsLastTest {
    private static final Generator GEN = new Generator(2033);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    @Test
    void channelsLastConvolutionAndBatchNormKeepTheCpusLayout() {
        Tensor x = uniform(GEN, 2.0, 4, 3, 10, 10);
        Tensor w = uniform(GEN, 0.5, 4, 3, 3, 3);
        Tensor[] cpu = run(x, w, false);
        Tensor[] gpu = run(x.to(GPU), w.to(GPU), true);
        String[] what = {"conv output", "batch norm output", "input gradient", "weight gradient"};
        for (int i = 0; i < cpu.length; i++) {
            assertArrayEquals(cpu[i].stride(), gpu[i].stride(), what[i] + ": strides");
            assertTrue(cpu[i].allclose(gpu[i].cpu(), 1e-5, 1e-5), what[i] + ": values");
        }
        assertArrayEquals(new int[] {100, 1, 20, 4}, gpu[0].stride(), "channels-last output");
    }

    private static Tensor[] run(Tensor x, Tensor w, boolean onGpu) {
        Tensor xcl = x.contiguous(MemoryFormat.CHANNELS_LAST).detach().requiresGrad_(true);
        Conv2d conv = new Conv2d(3, 4, 3, 2, 1, false);
        BatchNorm2d bn = new BatchNorm2d(4);
        if (onGpu) {
            conv.to(GPU);
            bn.to(GPU);
        }
        conv.weight.data().copy_(w);
        conv.to(MemoryFormat.CHANNELS_LAST);
        Tensor y = conv.apply(xcl);
        Tensor z = bn.apply(y);
        z.mul(z.detach()).sum().backward();
        return new Tensor[] {y.detach(), z.detach(), xcl.grad(), conv.weight.grad()};
    }
}
