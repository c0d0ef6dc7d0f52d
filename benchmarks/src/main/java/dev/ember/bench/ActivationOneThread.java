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
import java.util.function.Function;

/**
 * OpSweep's activation rows with a backward, on one thread, timed as the calling thread's CPU time (best of 20 calls
 * in a {@link TensorScope}, the leaf's gradient reset after each): sigmoid, tanh and silu forward+backward on
 * {@code [16, 128, 512]}, softmax(-1) forward+backward on {@code [16, 8, 128, 128]}, each round twice, with the system
 * property {@code ember.activationBackward.composed} true (sigmoid's and tanh's backward composed of three elementwise
 * kernels, as before session 51) and false (one kernel), so old and new read the same load. Run with
 * {@code -Dember.cpu.threads=1}: {@code java --add-modules jdk.incubator.vector -Dember.cpu.threads=1 -cp benchmarks.jar
 * dev.ember.bench.ActivationOneThread [rounds]}. The PyTorch twin is {@code benchmarks/pytorch/activation_one_thread.py}.
 */
public final class ActivationOneThread {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final String COMPOSED = "ember.activationBackward.composed";

    private ActivationOneThread() {
    }

    private static double best(Tensor leaf, Tensor grad, Function<Tensor, Tensor> f) {
        long best = Long.MAX_VALUE;
        for (int it = 0; it < 20; it++) {
            try (TensorScope s = Ember.scope()) {
                long t0 = THREADS.getCurrentThreadCpuTime();
                f.apply(leaf).backward(grad);
                best = Math.min(best, THREADS.getCurrentThreadCpuTime() - t0);
                leaf.setGrad(null);
            }
        }
        return best / 1e3;
    }

    /**
     * Runs the rounds.
     *
     * @param args optionally the number of rounds (default 3)
     */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Generator g = new Generator(0);
        Tensor x = Tensor.randn(g, DType.FLOAT32, 16, 128, 512).requiresGrad_(true);
        Tensor dx = Tensor.randn(g, DType.FLOAT32, 16, 128, 512);
        Tensor att = Tensor.randn(g, DType.FLOAT32, 16, 8, 128, 128).requiresGrad_(true);
        Tensor datt = Tensor.randn(g, DType.FLOAT32, 16, 8, 128, 128);
        String saved = System.getProperty(COMPOSED);
        try {
            for (int round = 0; round < rounds; round++) {
                for (String composed : new String[] {"true", "false"}) {
                    System.setProperty(COMPOSED, composed);
                    System.out.printf(Locale.ROOT, "round %d, -D%s=%-5s: sigmoid fwd+bwd %8.1f us, tanh fwd+bwd %8.1f us, "
                            + "silu fwd+bwd %8.1f us, softmax(-1) fwd+bwd %8.1f us%n", round, COMPOSED, composed,
                            best(x, dx, Tensor::sigmoid), best(x, dx, Tensor::tanh), best(x, dx, Functional::silu),
                            best(att, datt, t -> t.softmax(-1)));
                }
            }
        } finally {
            if (saved == null) {
                System.clearProperty(COMPOSED);
            } else {
                System.setProperty(COMPOSED, saved);
            }
        }
    }
}
