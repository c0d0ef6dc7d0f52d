package dev.ember.cuda;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.data.DataLoader;
import dev.ember.data.TensorDataset;
import dev.ember.optim.SGD;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pinned memory and non-blocking uploads on the copy stream (CudaCopyStream) on a real GPU: the values of every CUDA
 * type, a kernel queued right after an upload sees the data (the compute stream waits for the copy's event), a pinned
 * buffer rewritten and reused while copies from it are in flight and device blocks recycled between the streams keep
 * every value, and a DataLoader with pinMemory(true) and {@code to(cuda, true)} trains exactly as the synchronous
 * run. Skips without a GPU; written without one (it never ran here).
 */
class CudaStreamsTest {
    private static final Device GPU = Device.cuda(0);
    private static final DType[] TYPES = {DType.BOOL, DType.UINT8, DType.INT8, DType.INT16, DType.INT32, DType.INT64,
        DType.FLOAT32, DType.FLOAT64};
    private CudaBackend cuda;

    @BeforeEach
    void gpu() {
        cuda = CudaTestSupport.requireCuda();
    }

    private static double[] values(Tensor t) {
        return t.cpu().to(DType.FLOAT64).toDoubleArray();
    }

    @Test
    void asynchronousUploadsOfEveryType() {
        long before = cuda.copyStreamStats()[0];
        for (DType t : TYPES) {
            Tensor x = Tensor.arange(0, 1000, 1, DType.FLOAT64).remainder(9).sub(4).to(t).reshape(10, 100);
            Tensor p = x.pinMemory();
            assertTrue(p.isPinned());
            Tensor d = p.to(GPU, true);
            assertEquals(GPU, d.device());
            assertEquals(t, d.dtype());
            assertArrayEquals(values(x), values(d), t.toString());
            assertArrayEquals(values(x.narrow(0, 3, 4)), values(p.narrow(0, 3, 4).to(GPU, true)), t.toString());
        }
        assertEquals(before + 2L * TYPES.length, cuda.copyStreamStats()[0], "every upload went through the copy stream");
        // float16 and bfloat16 pin on the host; CUDA refuses them as everywhere
        Tensor h = Tensor.ones(3).to(DType.FLOAT16).pinMemory();
        assertTrue(h.isPinned());
        assertThrows(IllegalArgumentException.class, () -> h.to(GPU, true));
        assertFalse(Tensor.ones(2).to(GPU).isPinned());
    }

    @Test
    void theComputeStreamWaitsForTheCopy() {
        int n = 1 << 24; // 64 MiB: the copy takes milliseconds, the kernels are queued at once
        Tensor x = Tensor.arange(0, n, 1, DType.FLOAT32).remainder(1000);
        Tensor p = x.pinMemory();
        double expected = values(x.to(DType.FLOAT64).sum())[0];
        for (int k = 0; k < 5; k++) {
            // blocks of the size freed just before: the copy must not take one a queued kernel still reads
            Tensor busy = Tensor.ones(n).to(GPU);
            Tensor s = busy.mul(3).to(DType.FLOAT64).sum();
            busy.close();
            Tensor d = p.to(GPU, true);
            Tensor r = d.add(1).sub(1).to(DType.FLOAT64).sum(); // queued right after the upload
            assertEquals(expected, r.item(), 0.0, "iteration " + k);
            assertEquals(3.0 * n, s.item(), 0.0);
            d.close();
        }
    }

    @Test
    void buffersAndBlocksAreReusedOnlyWhenTheCopiesAreDone() {
        int n = 1 << 20;
        // one pinned tensor rewritten between many in-flight uploads: each upload keeps the values of its time
        Tensor p = Tensor.zeros(n).pinMemory();
        List<Tensor> ups = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            p.fill_(i);
            ups.add(p.to(GPU, true));
        }
        for (int i = 0; i < ups.size(); i++) {
            Tensor u = ups.get(i);
            assertEquals((double) i * n, u.to(DType.FLOAT64).sum().item(), 0.0, "upload " + i);
        }
        // pinned tensors closed at once (their blocks go back to the host cache while copies may be in flight), and
        // uploaded tensors closed at once (their device blocks go back to the allocator while being written)
        List<Tensor> kept = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            Tensor q = Tensor.full(new int[] {n}, i).pinMemory();
            Tensor d = q.to(GPU, true);
            q.close();
            Tensor dropped = Tensor.full(new int[] {n}, -1).pinMemory().to(GPU, true);
            dropped.close();
            Tensor z = Tensor.zeros(n).to(GPU).add(7); // may take the dropped block: after its copy
            kept.add(d);
            kept.add(z);
        }
        for (int i = 0; i < 64; i++) {
            assertEquals((double) i * n, kept.get(2 * i).to(DType.FLOAT64).sum().item(), 0.0, "upload " + i);
            assertEquals(7.0 * n, kept.get(2 * i + 1).to(DType.FLOAT64).sum().item(), 0.0, "fill " + i);
        }
        long[] stats = cuda.copyStreamStats();
        assertTrue(stats[2] <= stats[1], "cached pinned bytes within the pinned bytes");
    }

    /** A linear regression trained for a few epochs, its batches moved with {@code to(GPU, nonBlocking)}. */
    private static float[] train(boolean pinned, int workers) {
        Generator g = new Generator(5);
        Tensor x = Tensor.randn(g, DType.FLOAT32, 256, 16);
        Tensor wTrue = Tensor.randn(g, DType.FLOAT32, 16, 1);
        Tensor y = x.matmul(wTrue).add(Tensor.randn(g, DType.FLOAT32, 256, 1).mul(0.01));
        Tensor w = Tensor.zeros(16, 1).to(GPU).requiresGrad_(true);
        SGD opt = new SGD(List.of(w), 0.05);
        DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(x, y)).batchSize(32)
                .shuffle(true).generator(new Generator(9)).numWorkers(workers).pinMemory(pinned).build();
        for (int epoch = 0; epoch < 3; epoch++) {
            for (List<Tensor> b : loader) {
                try (TensorScope step = Ember.scope()) {
                    assertEquals(pinned, b.get(0).isPinned());
                    Tensor xb = b.get(0).to(GPU, true);
                    Tensor yb = b.get(1).to(GPU, true);
                    opt.zeroGrad();
                    Tensor.mseLoss(xb.matmul(w), yb, "mean").backward();
                    opt.step();
                }
            }
        }
        return w.detach().toFloatArray();
    }

    @Test
    void aDataLoaderWithPinnedBatchesTrainsAsTheSynchronousRun() {
        float[] sync = train(false, 0);
        for (int workers : new int[] {0, 2}) {
            assertArrayEquals(sync, train(true, workers), "workers " + workers);
        }
    }
}
