package dev.ember.cuda;

import dev.ember.Generator;
import dev.ember.MemoryFormat;
import dev.ember.Tensor;
import dev.ember.nn.BatchNorm2d;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /**
     * conv_transpose2d with a channels-last input, and with a channels-last weight: the output and the input and weight
     * gradients channels-last on CUDA as on the CPU (LooseEnds4Test holds the CPU's to PyTorch 2.x's; cuDNN's
     * cudnn_conv_suggest_memory_format takes the input's or the weight's channels-last too), the CPU's values.
     */
    @Test
    void channelsLastConvTranspose2dKeepsTheCpusLayout() {
        Tensor x = uniform(GEN, 2.0, 2, 3, 5, 6);
        Tensor w = uniform(GEN, 0.5, 3, 4, 3, 3);
        for (boolean clInput : new boolean[] {true, false}) {
            Tensor[] cpu = convT(x, w, clInput);
            Tensor[] gpu = convT(x.to(GPU), w.to(GPU), clInput);
            String[] what = {"output", "input gradient", "weight gradient"};
            for (int i = 0; i < cpu.length; i++) {
                assertArrayEquals(cpu[i].stride(), gpu[i].stride(), what[i] + ": strides");
                assertTrue(cpu[i].allclose(gpu[i].cpu(), 1e-5, 1e-5), what[i] + ": values");
                assertTrue(gpu[i].isContiguous(MemoryFormat.CHANNELS_LAST), what[i] + ": channels-last");
            }
        }
    }

    private static Tensor[] convT(Tensor x, Tensor w, boolean clInput) {
        Tensor xc = (clInput ? x.contiguous(MemoryFormat.CHANNELS_LAST) : x).detach().requiresGrad_(true);
        Tensor wc = (clInput ? w : w.contiguous(MemoryFormat.CHANNELS_LAST)).detach().requiresGrad_(true);
        Tensor y = Functional.convTranspose2d(xc, wc, null, new int[] {2}, new int[] {1}, new int[] {1}, 1,
                new int[] {1});
        java.util.List<Tensor> g = dev.ember.Autograd.grad(java.util.List.of(y), java.util.List.of(xc, wc),
                java.util.List.of(y.detach()), false, false, false);
        return new Tensor[] {y.detach(), g.get(0), g.get(1)};
    }

    /**
     * The 2-D pooling ops take input.suggest_memory_format() in their meta functions, so on CUDA as on the CPU
     * (ChannelsLastOpsTest): output, indices and input gradient channels-last for a channels-last input, the CPU's
     * values. Group norm on CUDA stays row-major (2.x's native_group_norm takes the suggested format on the CPU only).
     */
    @Test
    void channelsLastPoolingKeepsTheCpusLayout() {
        Tensor x = uniform(GEN, 2.0, 2, 4, 6, 6);
        Tensor[] cpu = pool(x);
        Tensor[] gpu = pool(x.to(GPU));
        String[] what = {"max_pool2d", "max_pool2d indices", "max_pool2d input gradient", "avg_pool2d",
                "avg_pool2d input gradient", "adaptive_avg_pool2d", "adaptive_avg_pool2d to 1x1", "adaptive_max_pool2d",
                "adaptive_max_pool2d indices"};
        for (int i = 0; i < cpu.length; i++) {
            assertArrayEquals(cpu[i].stride(), gpu[i].stride(), what[i] + ": strides");
            assertTrue(cpu[i].allclose(gpu[i].cpu(), 1e-5, 1e-5), what[i] + ": values");
        }
        assertArrayEquals(new int[] {36, 1, 12, 4}, gpu[0].stride(), "channels-last output");
        Tensor gn = Functional.groupNorm(x.to(GPU).contiguous(MemoryFormat.CHANNELS_LAST), 2);
        assertArrayEquals(new int[] {144, 36, 6, 1}, gn.stride(), "group norm on CUDA: row-major");
        assertEquals(4, gn.dim());
    }

    private static Tensor[] pool(Tensor x) {
        Tensor xcl = x.contiguous(MemoryFormat.CHANNELS_LAST).detach().requiresGrad_(true);
        Tensor.ValuesIndices mp = Functional.maxPool2dWithIndices(xcl, new int[] {3}, new int[] {2}, new int[] {1},
                new int[] {1}, false);
        Tensor gMax = dev.ember.Autograd.grad(java.util.List.of(mp.values()), java.util.List.of(xcl),
                java.util.List.of(mp.values().detach()), true, false, false).get(0);
        Tensor ap = Functional.avgPool2d(xcl, 2);
        Tensor gAvg = dev.ember.Autograd.grad(java.util.List.of(ap), java.util.List.of(xcl),
                java.util.List.of(ap.detach()), true, false, false).get(0);
        Tensor.ValuesIndices amp = dev.ember.ResampleFunctions.adaptiveMaxPool2d(xcl, new int[] {4, 3});
        return new Tensor[] {mp.values().detach(), mp.indices(), gMax, ap.detach(), gAvg,
                Functional.adaptiveAvgPool2d(xcl, new int[] {3, 4}).detach(), Functional.adaptiveAvgPool2d(xcl, 1).detach(),
                amp.values().detach(), amp.indices()};
    }
}
