package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.nn.Functional;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * A float32 Linear layer, {@code y = x W^T + b}, at the batch sizes of training and serving (8 to 128 rows) through
 * a 1024 x 1024 and a 1024 -> 4096 layer: the forward under {@code noGrad}, and the forward plus {@code backward(g)}
 * into x, W and b (the gradients reset after each call), each timed as the calling thread's CPU time, best of 15 calls
 * in a {@link TensorScope}, in three rounds. Run with {@code -Dember.cpu.threads=1} so the kernels stay on this thread:
 * {@code java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=100000 -Dember.cpu.threads=1 -cp benchmarks.jar
 * dev.ember.bench.LinearOneThread}. The PyTorch twin is {@code benchmarks/pytorch/linear_one_thread.py}.
 */
public final class LinearOneThread {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private LinearOneThread() {
    }

    /** Runs the rounds. */
    public static void main(String[] args) {
        Generator g = new Generator(0);
        int[] rows = {8, 16, 32, 64, 128};
        int[][] layers = {{1024, 1024}, {1024, 4096}};
        for (int round = 0; round < 3; round++) {
            System.out.println("round " + round + ":");
            for (int[] layer : layers) {
                int in = layer[0];
                int out = layer[1];
                Tensor w = Tensor.randn(g, DType.FLOAT32, out, in).mul(0.03).detach().requiresGrad_(true);
                Tensor b = Tensor.randn(g, DType.FLOAT32, out).requiresGrad_(true);
                for (int m : rows) {
                    Tensor x = Tensor.randn(g, DType.FLOAT32, m, in).requiresGrad_(true);
                    Tensor dy = Tensor.randn(g, DType.FLOAT32, m, out);
                    long forward = Long.MAX_VALUE;
                    long both = Long.MAX_VALUE;
                    for (int it = 0; it < 15; it++) {
                        try (TensorScope s = Ember.scope(); var ng = Ember.noGrad()) {
                            long t0 = THREADS.getCurrentThreadCpuTime();
                            Functional.linear(x, w, b);
                            forward = Math.min(forward, THREADS.getCurrentThreadCpuTime() - t0);
                        }
                        try (TensorScope s = Ember.scope()) {
                            long t0 = THREADS.getCurrentThreadCpuTime();
                            Functional.linear(x, w, b).backward(dy);
                            both = Math.min(both, THREADS.getCurrentThreadCpuTime() - t0);
                            x.setGrad(null);
                            w.setGrad(null);
                            b.setGrad(null);
                        }
                    }
                    double gflop = 2.0 * m * in * out / 1e9;
                    System.out.printf(Locale.ROOT, "  [%d, %d] x [%d, %d]^T: forward %.3f ms (%.0f GFLOP/s), "
                            + "forward+backward %.3f ms (%.0f GFLOP/s)%n", m, in, out, in, forward / 1e6,
                            gflop / (forward / 1e9), both / 1e6, 3 * gflop / (both / 1e9));
                    x.close();
                    dy.close();
                }
            }
        }
    }
}
