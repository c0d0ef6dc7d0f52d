package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.ao.quantization.DynamicQConfig;
import dev.ember.nn.Linear;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * A float32 {@code Linear} against its dynamically quantized forms ({@code DynamicQuantizedLinear}: qint8 weights, the
 * FBGEMM arithmetic, and float16 weights), forward only, for a batch of 1, 4, 16 and 64 rows through 1024 x 1024 and
 * 4096 x 4096 layers, each timed as the calling thread's CPU time, best of 15 calls, in three rounds. Run with
 * {@code -Dember.cpu.threads=1} so the kernels stay on this thread: {@code java --add-modules jdk.incubator.vector
 * -XX:PerMethodTrapLimit=100000 -Dember.cpu.threads=1 -cp benchmarks.jar dev.ember.bench.QuantizedLinearOneThread}.
 * The PyTorch twin is {@code benchmarks/pytorch/quantized_linear_one_thread.py}.
 */
public final class QuantizedLinearOneThread {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private QuantizedLinearOneThread() {
    }

    private static double bestMs(dev.ember.nn.Module layer, Tensor x) {
        long best = Long.MAX_VALUE;
        for (int r = 0; r < 15; r++) {
            long t0 = THREADS.getCurrentThreadCpuTime();
            Tensor out = layer.apply(x);
            best = Math.min(best, THREADS.getCurrentThreadCpuTime() - t0);
            out.close();
        }
        return best / 1e6;
    }

    /** Runs the rounds. */
    public static void main(String[] args) {
        Generator g = new Generator(0);
        int[][] shapes = {{1, 1024, 1024}, {4, 1024, 1024}, {16, 1024, 1024}, {64, 1024, 1024}, {1, 4096, 4096},
            {4, 4096, 4096}};
        for (int round = 0; round < 3; round++) {
            System.out.println("round " + round + ":");
            for (int[] s : shapes) {
                Linear f = new Linear(s[1], s[2]);
                var q8 = dev.ember.ao.nn.quantized.dynamic.Linear.fromFloat(f, DynamicQConfig.DEFAULT);
                var q16 = dev.ember.ao.nn.quantized.dynamic.Linear.fromFloat(f, DynamicQConfig.FLOAT16);
                Tensor x = Tensor.randn(g, DType.FLOAT32, s[0], s[1]);
                double tf;
                try (GradMode off = Ember.noGrad()) {
                    tf = bestMs(f, x);
                }
                double t8 = bestMs(q8, x);
                double t16 = bestMs(q16, x);
                System.out.println(String.format(Locale.ROOT, "  [%d, %d] x [%d, %d]^T: float32 %.3f ms  qint8 %.3f ms "
                        + "(%.2fx)  float16 %.3f ms (%.2fx)", s[0], s[1], s[2], s[1], tf, t8, t8 / tf, t16, t16 / tf));
            }
        }
    }
}
