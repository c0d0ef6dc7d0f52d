package dev.ember.cuda;

import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.Ember;
import dev.ember.data.DataLoader;
import dev.ember.data.TensorDataset;
import dev.ember.data.transforms.Interpolation;
import dev.ember.data.transforms.Resize;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The data pipeline on a real GPU: pinMemory moves batches (made on worker threads) to CUDA through the pinned
 * staging buffers, in the order and with the values of the CPU batches, and they close with the step's scope; the
 * transforms' index-based ops (pad, nearest resize) on CUDA images match the CPU's.
 */
class CudaDataTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach
    void gpu() {
        CudaTestSupport.requireCuda();
    }

    @Test
    void pinMemoryDeliversBatchesOnTheGpu() {
        Tensor x = Tensor.randn(new Generator(0), dev.ember.DType.FLOAT32, 100, 3, 8, 8);
        Tensor y = Tensor.arange(100).toFloat().div(7).reshape(100, 1);
        for (int workers : new int[] {0, 2}) {
            DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(x, y)).batchSize(16)
                    .numWorkers(workers).pinMemory(GPU).build();
            int k = 0;
            for (List<Tensor> b : loader) {
                try (TensorScope step = Ember.scope()) {
                    assertEquals(GPU, b.get(0).device());
                    assertArrayEquals(x.narrow(0, 16 * k, b.get(0).size(0)).toFloatArray(), b.get(0).toFloatArray());
                    assertArrayEquals(y.narrow(0, 16 * k, b.get(1).size(0)).toFloatArray(), b.get(1).toFloatArray());
                    b.get(0).mul(2).sum().item();
                }
                assertTrue(b.get(0).isClosed(), "closed with the step's scope");
                k++;
            }
            assertEquals(7, k);
        }
    }

    @Test
    void transformsOnGpuImages() {
        Tensor img = Tensor.rand(new Generator(1), dev.ember.DType.FLOAT32, 3, 10, 12);
        CudaParityTest.parity("nearest resize", in -> new Resize(new int[] {7, 5}, Interpolation.NEAREST, null, false)
                .apply(in[0]), img);
        CudaParityTest.parity("bilinear resize", in -> new Resize(6, 9).apply(in[0].detach()), img);
        CudaParityTest.parity("reflect pad", in -> dev.ember.data.transforms.Transforms.pad(in[0], new int[] {2, 1},
                0, dev.ember.data.transforms.Transforms.PaddingMode.REFLECT), img);
    }
}
