package dev.ember.cpu;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kernel gives the same bits whether or not another Java thread holds the CPU backend's worker pool: the kernels
 * that choose their split (a GEMM's depth split, dot products for few outputs) chose by whether the pool was taken, so
 * a product computed while another thread ran a parallel kernel summed in another order and a training step's weight
 * gradient changed with what the other threads of the service were doing.
 *
 * <p>The pool is provably held while the product is computed: another thread runs a job of two tasks through
 * {@link CpuThreads#invokeAll} that both wait on a latch the test opens only afterwards, and the product starts once
 * both tasks have started (two tasks running at once: the pool's job, not a caller running them one after the other).
 * Before, the contention came from a thread looping over parallel elementwise kernels, which a starved thread could
 * leave idle, and the test could pass on the code it guards against.
 */
class ContendedKernelsTest {
    private final int savedThreads = Ember.getNumThreads();

    @AfterEach
    void restore() {
        Ember.setNumThreads(savedThreads);
    }

    /** Runs {@code work} while another thread's job holds the worker pool, its tasks waiting until {@code work} ends. */
    private static <T> T whilePoolHeld(Supplier<T> work) throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        Runnable waiting = () -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread holder = new Thread(() -> CpuThreads.invokeAll(List.of(waiting, waiting)), "pool-holder");
        holder.start();
        try {
            assertTrue(started.await(60, TimeUnit.SECONDS), "the pool runs the holder's two tasks at once");
            return work.get();
        } finally {
            release.countDown();
            holder.join();
        }
    }

    /** A product computed alone, then while another thread holds the pool: the same bits. */
    private static void assertSameBitsWhilePoolHeld(Supplier<float[]> product) throws Exception {
        float[] alone = product.get();
        assertArrayEquals(alone, whilePoolHeld(product), 0f, "the product while another thread holds the pool");
    }

    @Test
    void depthSplitProductSameBitsWhilePoolTaken() throws Exception {
        Ember.setNumThreads(4);
        Generator g = new Generator(3);
        // a Linear(64, 64) layer's weight gradient over 2048 tokens: [64 x 2048] x [2048 x 64], its depth split
        Tensor gy = Tensor.randn(g, DType.FLOAT32, 2048, 64);
        Tensor x = Tensor.randn(g, DType.FLOAT32, 2048, 64);
        assertTrue(Gemm.splitsDepth(64, 64, 2048), "the product this test is about splits its depth");
        assertSameBitsWhilePoolHeld(() -> gy.t().matmul(x).toFloatArray());
    }

    @Test
    void dotProductsSameBitsWhilePoolTaken() throws Exception {
        Ember.setNumThreads(4);
        Generator g = new Generator(4);
        // 16 x 32 outputs over a depth of 16384, both operands contiguous along it (a convolution's weight gradient
        // through its column matrix): dot products where the pool was taken, the tile kernel where it was free
        Tensor a = Tensor.randn(g, DType.FLOAT32, 16, 16384);
        Tensor b = Tensor.randn(g, DType.FLOAT32, 32, 16384);
        assertSameBitsWhilePoolHeld(() -> a.matmul(b.t()).toFloatArray());
    }
}
