package dev.ember;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Backward passes on several threads into one shared leaf lose no update, as PyTorch's locked AccumulateGrad. */
class ConcurrentBackwardTest {

    @Test
    void fourThreadsAccumulateEveryPass() throws Exception {
        int threads = 4;
        int passes = 2000;
        Tensor w = Tensor.ones(10).requiresGrad_(true);
        Tensor b = Tensor.zeros(10).requiresGrad_(true);
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                double scale = t + 1;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < passes; i++) {
                        try (TensorScope step = Ember.scope()) {
                            // d/dw = 2 * scale * w = 2 * scale, d/db = scale: integers, so every sum is exact
                            w.mul(w).mul(scale).add(b.mul(scale)).sum().backward();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        // scales 1..4 sum to 10: w gets 2 * 10 * 2000, b gets 10 * 2000
        float[] gw = new float[10];
        float[] gb = new float[10];
        java.util.Arrays.fill(gw, 2f * 10 * passes);
        java.util.Arrays.fill(gb, 10f * passes);
        assertArrayEquals(gw, w.grad().toFloatArray());
        assertArrayEquals(gb, b.grad().toFloatArray());
    }
}
