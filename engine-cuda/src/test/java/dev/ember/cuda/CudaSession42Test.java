package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.nn.Conv1d;
import dev.ember.nn.utils.WeightNorm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session 42's additions on CUDA against the CPU (written without a GPU, so never run yet): {@code unravelIndex}, the
 * factories given a device (made there, the same values as on the CPU, random ones from the same generator state), and
 * the hook-based {@code WeightNorm} (forward and the gradients of bias, weight_g, weight_v).
 */
class CudaSession42Test {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    @Test
    void unravelIndexMatchesTheCpu() {
        Tensor idx = Tensor.tensor(new long[] {-1, 0, 7, 13, 100});
        List<Tensor> cpu = Tensor.unravelIndex(idx, 3, 4);
        List<Tensor> gpu = Tensor.unravelIndex(idx.to(GPU), 3, 4);
        assertEquals(cpu.size(), gpu.size());
        for (int i = 0; i < cpu.size(); i++) {
            assertEquals(GPU, gpu.get(i).device());
            assertArrayEquals(cpu.get(i).toLongArray(), gpu.get(i).cpu().toLongArray());
        }
    }

    @Test
    void factoriesMakeTheirTensorsOnTheGpu() {
        List<Tensor[]> pairs = List.of(
                new Tensor[] {Tensor.zeros(DType.FLOAT32, 2, 3), Tensor.zeros(DType.FLOAT32, GPU, 2, 3)},
                new Tensor[] {Tensor.full(DType.FLOAT64, 1.5, 4), Tensor.full(DType.FLOAT64, GPU, 1.5, 4)},
                new Tensor[] {Tensor.arange(0, 2, 0.25, DType.FLOAT32), Tensor.arange(0, 2, 0.25, DType.FLOAT32, GPU)},
                new Tensor[] {Tensor.eye(3, 2, DType.FLOAT32), Tensor.eye(3, 2, DType.FLOAT32, GPU)},
                new Tensor[] {Tensor.randn(new Generator(3), DType.FLOAT32, 5),
                        Tensor.randn(new Generator(3), DType.FLOAT32, GPU, 5)});
        for (Tensor[] p : pairs) {
            assertEquals(GPU, p[1].device());
            CudaParityTest.assertClose("factory", p[0], p[1].cpu());
        }
    }

    @Test
    void hookBasedWeightNormMatchesTheCpu() {
        Conv1d a = new Conv1d(2, 3, 3);
        Conv1d b = new Conv1d(2, 3, 3);
        b.loadStateDict(a.stateDict());
        WeightNorm.weightNorm(a);
        WeightNorm.weightNorm(b);
        b.to(GPU);
        Tensor x = Tensor.randn(new Generator(9), DType.FLOAT32, 2, 2, 7);
        Tensor ya = a.apply(x);
        Tensor yb = b.apply(x.to(GPU));
        CudaParityTest.assertClose("weight_norm forward", ya, yb.cpu());
        ya.sum().backward();
        yb.sum().backward();
        for (String name : List.of("bias", "weight_g", "weight_v")) {
            Tensor gb = b.namedParameters().get(name).grad();
            assertTrue(gb.device().equals(GPU), name);
            CudaParityTest.assertClose("grad " + name, a.namedParameters().get(name).grad(), gb.cpu());
        }
    }
}
