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
 * Layer norm over the last dimension of a float32 {@code [M, N]} matrix with weight and bias (default 8192 x 128): the
 * forward under {@code noGrad}, and the forward plus {@code backward(g)} into input, weight and bias (the gradients
 * reset to none after each call), each timed as the calling thread's CPU time, best of 30 calls in a
 * {@link TensorScope}, in three rounds: the one-thread figures of RESULTS.md's session-23 layer-norm rows, less
 * disturbed by a noisy host than wall time. Run with {@code -Dember.cpu.threads=1} so the kernels stay on this thread:
 * {@code java --add-modules jdk.incubator.vector -Dember.cpu.threads=1 -cp benchmarks.jar dev.ember.bench.NormOneThread
 * [M N]}. The PyTorch twin is {@code benchmarks/pytorch/norm_one_thread.py} (the same, with {@code time.thread_time}).
 */
public final class NormOneThread {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private NormOneThread() {
    }

    /** Runs the rounds; arguments: optional rows and columns. */
    public static void main(String[] args) {
        int m = args.length > 0 ? Integer.parseInt(args[0]) : 8192;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int[] normalized = {n};
        Generator g = new Generator(0);
        Tensor x = Tensor.randn(g, DType.FLOAT32, m, n).requiresGrad_(true);
        Tensor w = Tensor.randn(g, DType.FLOAT32, n).requiresGrad_(true);
        Tensor b = Tensor.randn(g, DType.FLOAT32, n).requiresGrad_(true);
        Tensor dy = Tensor.randn(g, DType.FLOAT32, m, n);
        for (int round = 0; round < 3; round++) {
            long forward = Long.MAX_VALUE;
            long both = Long.MAX_VALUE;
            for (int it = 0; it < 30; it++) {
                try (TensorScope s = Ember.scope(); var ng = Ember.noGrad()) {
                    long t0 = THREADS.getCurrentThreadCpuTime();
                    Functional.layerNorm(x, normalized, w, b, 1e-5);
                    forward = Math.min(forward, THREADS.getCurrentThreadCpuTime() - t0);
                }
                try (TensorScope s = Ember.scope()) {
                    long t0 = THREADS.getCurrentThreadCpuTime();
                    Functional.layerNorm(x, normalized, w, b, 1e-5).backward(dy);
                    both = Math.min(both, THREADS.getCurrentThreadCpuTime() - t0);
                    x.setGrad(null);
                    w.setGrad(null);
                    b.setGrad(null);
                }
            }
            System.out.printf(Locale.ROOT, "layer norm [%d, %d] round %d: forward %.3f ms, forward+backward %.3f ms%n", m,
                    n, round, forward / 1e6, both / 1e6);
        }
    }
}
