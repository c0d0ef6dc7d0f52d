package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * One convolution's forward pass, forward + input gradient and forward + weight gradient, timed as the calling
 * thread's CPU time (best of 5 rounds), three times: the one-thread figures of issue 17's convolution rows, less
 * disturbed by a noisy host than wall time. Run with {@code -Dember.cpu.threads=1} so the kernels stay on this thread:
 * {@code java --add-modules jdk.incubator.vector -Dember.cpu.threads=1 -cp benchmarks.jar
 * dev.ember.bench.ConvOneThread lenet2|lenet1|resnet}. The PyTorch twin is
 * {@code benchmarks/pytorch/conv_one_thread.py} (same shapes, its process CPU time at one thread).
 */
public final class ConvOneThread {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ConvOneThread() {
    }

    private static double millis(Runnable r, int reps) {
        for (int i = 0; i < reps; i++) {
            r.run();
        }
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long t0 = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < reps; i++) {
                r.run();
            }
            best = Math.min(best, THREADS.getCurrentThreadCpuTime() - t0);
        }
        return best / 1e6 / reps;
    }

    /**
     * Entry point: the shape as ConvBenchmark names it (lenet1: 64, 1->6, 32x32, k5; lenet2: 64, 6->16, 14x14, k5;
     * resnet: 32, 64->64, 56x56, k3 p1), lenet2 when absent.
     */
    public static void main(String[] args) {
        String shape = args.length > 0 ? args[0] : "lenet2";
        int[] s = switch (shape) {
            case "resnet" -> new int[] {32, 64, 56, 56, 64, 3, 1};
            case "lenet1" -> new int[] {64, 1, 32, 32, 6, 5, 0};
            case "lenet2" -> new int[] {64, 6, 14, 14, 16, 5, 0};
            default -> throw new IllegalArgumentException("shape must be lenet1, lenet2 or resnet, got " + shape);
        };
        int reps = s[0] == 32 ? 3 : 100;
        Generator g = new Generator(1);
        Tensor x = Tensor.randn(g, DType.FLOAT32, s[0], s[1], s[2], s[3]);
        Tensor w = Tensor.randn(g, DType.FLOAT32, s[4], s[1], s[5], s[5]).mul(0.1);
        Tensor b = Tensor.zeros(s[4]);
        int[] one = {1};
        int[] pad = {s[6]};
        for (int k = 0; k < 3; k++) {
            double fwd = millis(() -> {
                try (TensorScope sc = Ember.scope()) {
                    Tensor.conv2d(x, w, b, one, pad, one, 1);
                }
            }, reps);
            Tensor xg = x.detach().requiresGrad_(true);
            Tensor wg = w.detach().requiresGrad_(true);
            double dx = millis(() -> {
                try (TensorScope sc = Ember.scope()) {
                    xg.setGrad(null);
                    Tensor y = Tensor.conv2d(xg, w, null, one, pad, one, 1);
                    y.backward(y.onesLike());
                }
            }, reps);
            double dw = millis(() -> {
                try (TensorScope sc = Ember.scope()) {
                    wg.setGrad(null);
                    Tensor y = Tensor.conv2d(x, wg, null, one, pad, one, 1);
                    y.backward(y.onesLike());
                }
            }, reps);
            System.out.printf("fwd %.3f  fwd+dx %.3f  fwd+dw %.3f ms%n", fwd, dx, dw);
        }
    }
}
