package dev.ember;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A kernel gives the same bits whether or not another Java thread holds the CPU backend's worker pool: the kernels
 * that choose their split (a GEMM's depth split, dot products for few outputs, a float32 sum's parts) chose by whether
 * the pool was taken, so a product computed while another thread ran a parallel kernel summed in another order and a
 * training step's weight gradient changed with what the other threads of the service were doing.
 */
class ContendedKernelsTest {
    private final int savedThreads = Ember.getNumThreads();

    @AfterEach
    void restore() {
        Ember.setNumThreads(savedThreads);
    }

    /** Runs {@code work} while another thread keeps the pool busy with large parallel elementwise jobs. */
    private static <T> T whileContended(java.util.function.Supplier<T> work) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Tensor big = Tensor.randn(new Generator(1), DType.FLOAT32, 1 << 21);
        Thread noise = new Thread(() -> {
            while (!stop.get()) {
                try (TensorScope s = Ember.scope()) {
                    big.mul(1.5).exp();
                }
            }
        });
        noise.start();
        try {
            Thread.sleep(20);
            return work.get();
        } finally {
            stop.set(true);
            noise.join();
        }
    }

    @Test
    void depthSplitProductSameBitsWhilePoolTaken() throws Exception {
        Ember.setNumThreads(4);
        Generator g = new Generator(3);
        // a Linear(64, 64) layer's weight gradient over 2048 tokens: [64 x 2048] x [2048 x 64]
        Tensor gy = Tensor.randn(g, DType.FLOAT32, 2048, 64);
        Tensor x = Tensor.randn(g, DType.FLOAT32, 2048, 64);
        float[] alone = gy.t().matmul(x).toFloatArray();
        int differing = whileContended(() -> {
            int bad = 0;
            for (int i = 0; i < 40; i++) {
                float[] now = gy.t().matmul(x).toFloatArray();
                if (!java.util.Arrays.equals(alone, now)) {
                    bad++;
                }
            }
            return bad;
        });
        assertEquals(0, differing, "products that differed from the uncontended one, of 40");
    }

    @Test
    void dotProductsSameBitsWhilePoolTaken() throws Exception {
        Ember.setNumThreads(4);
        Generator g = new Generator(4);
        // 16 x 32 outputs over a depth of 16384, both operands contiguous along it (a convolution's weight gradient
        // through its column matrix): dot products where the pool was taken, the tile kernel where it was free
        Tensor a = Tensor.randn(g, DType.FLOAT32, 16, 16384);
        Tensor b = Tensor.randn(g, DType.FLOAT32, 32, 16384);
        float[] alone = a.matmul(b.t()).toFloatArray();
        int differing = whileContended(() -> {
            int bad = 0;
            for (int i = 0; i < 40; i++) {
                if (!java.util.Arrays.equals(alone, a.matmul(b.t()).toFloatArray())) {
                    bad++;
                }
            }
            return bad;
        });
        assertEquals(0, differing, "products that differed from the uncontended one, of 40");
    }
}
