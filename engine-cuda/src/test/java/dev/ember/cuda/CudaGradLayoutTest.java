package dev.ember.cuda;

import dev.ember.Autograd;
import dev.ember.DType;
import dev.ember.Generator;
import dev.ember.Index;
import dev.ember.Tensor;
import dev.ember.nn.Functional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.UnaryOperator;

import static dev.ember.cuda.CudaParity.GPU;
import static dev.ember.cuda.CudaParity.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layouts GradLayoutTest, GradcheckStridedTest and OutputLayoutTest check against PyTorch on the CPU hold on CUDA:
 * a leaf's {@code .grad} takes the leaf's strides (first gradient, accumulation, create_graph) or row-major, gradcheck
 * accepts a strided device input, and index_put and nearest upsampling lay out their outputs as on the CPU, with the
 * CPU's values.
 */
class CudaGradLayoutTest {
    private static final Generator GEN = new Generator(2033);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    private static Tensor channelsLast(Tensor t) {
        return t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }

    private static final List<Object[]> LEAVES = List.of(
            new Object[] {"transposed", (UnaryOperator<Tensor>) Tensor::t, new int[] {3, 4}},
            new Object[] {"channels-last", (UnaryOperator<Tensor>) CudaGradLayoutTest::channelsLast, new int[] {2, 3, 4, 5}},
            new Object[] {"sliced with gaps", (UnaryOperator<Tensor>) t -> t.slice(1, 0, 6, 2), new int[] {4, 6}});

    @Test
    void leafGradientsTakeTheCpuLayout() {
        for (Object[] c : LEAVES) {
            @SuppressWarnings("unchecked")
            UnaryOperator<Tensor> view = (UnaryOperator<Tensor>) c[1];
            Tensor x = uniform(GEN, 2.0, (int[]) c[2]);
            Tensor cpu = view.apply(x).detach().requiresGrad_(true);
            Tensor gpu = view.apply(x.to(GPU)).detach().requiresGrad_(true);
            for (Tensor w : new Tensor[] {cpu, gpu}) {
                w.mul(2).sum().backward();
            }
            assertArrayEquals(cpu.grad().stride(), gpu.grad().stride(), c[0] + ": first");
            for (Tensor w : new Tensor[] {cpu, gpu}) {
                w.sum().backward();
            }
            assertArrayEquals(cpu.grad().stride(), gpu.grad().stride(), c[0] + ": accumulated");
            assertArrayEquals(cpu.grad().toDoubleArray(), gpu.grad().cpu().toDoubleArray(), 1e-6, c[0] + ": values");
            Tensor cpu2 = view.apply(x).detach().requiresGrad_(true);
            Tensor gpu2 = view.apply(x.to(GPU)).detach().requiresGrad_(true);
            for (Tensor w : new Tensor[] {cpu2, gpu2}) {
                Autograd.backward(List.of(w.mul(w).sum()), null, true, true);
                Autograd.backward(List.of(w.mul(w).sum()), null, true, true);
            }
            assertArrayEquals(cpu2.grad().stride(), gpu2.grad().stride(), c[0] + ": create_graph");
            assertEquals(cpu2.grad().gradFn().name(), gpu2.grad().gradFn().name(), c[0] + ": create_graph node");
        }
    }

    @Test
    void gradcheckOnAStridedDeviceInput() {
        Tensor x = uniform(GEN, 2.0, 3, 4).to(DType.FLOAT64).to(GPU).t().detach().requiresGrad_(true);
        assertTrue(Autograd.gradcheck(a -> a[0].sin().cumprod(0), x));
        assertArrayEquals(new int[] {1, 4}, x.stride());
    }

    @Test
    void indexPutAndUpsampleLayouts() {
        Tensor x = uniform(GEN, 2.0, 3, 4);
        Index[] idx = {Index.of(Tensor.tensor(new long[] {0, 2}, DType.INT64))};
        Tensor cpu = x.t().indexPut(idx, Tensor.tensor(new double[] {5}).to(x.dtype()), false);
        Index[] gpuIdx = {Index.of(Tensor.tensor(new long[] {0, 2}, DType.INT64).to(GPU))};
        Tensor gpu = x.to(GPU).t().indexPut(gpuIdx, Tensor.tensor(new double[] {5}).to(x.dtype()).to(GPU), false);
        assertArrayEquals(cpu.stride(), gpu.stride(), "index_put strides");
        assertArrayEquals(cpu.toDoubleArray(), gpu.cpu().toDoubleArray(), 0.0, "index_put values");
        Tensor img = channelsLast(uniform(GEN, 2.0, 2, 3, 4, 4));
        for (int[] size : new int[][] {{4, 4}, {8, 8}}) {
            Tensor c = Functional.interpolate(img, size, "nearest");
            Tensor g = Functional.interpolate(img.to(GPU), size, "nearest");
            assertArrayEquals(c.stride(), g.stride(), "upsample strides");
            assertArrayEquals(c.toDoubleArray(), g.cpu().toDoubleArray(), 0.0, "upsample values");
        }
    }
}
