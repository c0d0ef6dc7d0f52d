package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.ao.quantization.DeQuantStub;
import dev.ember.ao.quantization.QConfig;
import dev.ember.ao.quantization.QuantStub;
import dev.ember.ao.quantization.Quantization;
import dev.ember.nn.Conv2d;
import dev.ember.nn.Flatten;
import dev.ember.nn.Linear;
import dev.ember.nn.MaxPool2d;
import dev.ember.nn.Module;
import dev.ember.nn.ReLU;
import dev.ember.nn.Sequential;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Statically quantized inference (eager mode: QuantStub, {@code default_qconfig}, prepare, calibration, convert)
 * against the float32 model, forward only under no_grad: the small CNN of {@code StaticQuantizationTest.cnn}
 * ([N, 1, 8, 8]), a wide convolution (QuantStub, Conv2d 32 -> 64 3x3 padding 1, ReLU, DeQuantStub on [N, 32, 56, 56])
 * and a Linear stack (1024 -> 1024 -> ReLU -> 1024 -> ReLU -> 10), batch 1 and 32, each timed as the calling thread's
 * CPU time, best of N calls, in three rounds. Run with {@code -Dember.cpu.threads=1}: {@code java --add-modules
 * jdk.incubator.vector -XX:PerMethodTrapLimit=100000 -Dember.cpu.threads=1 -cp benchmarks.jar
 * dev.ember.bench.StaticQuantizedOneThread}. The PyTorch twin is {@code benchmarks/pytorch/static_quantized_one_thread.py}.
 */
public final class StaticQuantizedOneThread {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private StaticQuantizedOneThread() {
    }

    private static double bestMs(Module m, Tensor x, int calls) {
        long best = Long.MAX_VALUE;
        try (GradMode off = Ember.noGrad()) {
            for (int r = 0; r < calls; r++) {
                long t0 = THREADS.getCurrentThreadCpuTime();
                Tensor out = m.apply(x);
                best = Math.min(best, THREADS.getCurrentThreadCpuTime() - t0);
                out.close();
            }
        }
        return best / 1e6;
    }

    private static Sequential smallCnn() {
        return new Sequential(new QuantStub(), new Conv2d(1, 3, 3, 1, 1), new ReLU(), new MaxPool2d(2),
            new Conv2d(3, 6, new int[] {3, 3}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 3, true),
            new ReLU(), new Flatten(), new Linear(24, 10), new ReLU(), new Linear(10, 4), new DeQuantStub());
    }

    private static Sequential wideConv() {
        return new Sequential(new QuantStub(), new Conv2d(32, 64, 3, 1, 1), new ReLU(), new DeQuantStub());
    }

    private static Sequential linearStack() {
        return new Sequential(new QuantStub(), new Linear(1024, 1024), new ReLU(), new Linear(1024, 1024), new ReLU(),
            new Linear(1024, 10), new DeQuantStub());
    }

    private record Case(String name, Supplier<Sequential> model, int[] input, int calls) {
    }

    /** Runs the rounds. */
    public static void main(String[] args) {
        Case[] cases = {
            new Case("small CNN [1, 1, 8, 8]", StaticQuantizedOneThread::smallCnn, new int[] {1, 1, 8, 8}, 200),
            new Case("small CNN [32, 1, 8, 8]", StaticQuantizedOneThread::smallCnn, new int[] {32, 1, 8, 8}, 100),
            new Case("conv 32->64 3x3 [1, 32, 56, 56]", StaticQuantizedOneThread::wideConv, new int[] {1, 32, 56, 56}, 15),
            new Case("conv 32->64 3x3 [32, 32, 56, 56]", StaticQuantizedOneThread::wideConv, new int[] {32, 32, 56, 56},
                5),
            new Case("linear stack [1, 1024]", StaticQuantizedOneThread::linearStack, new int[] {1, 1024}, 50),
            new Case("linear stack [32, 1024]", StaticQuantizedOneThread::linearStack, new int[] {32, 1024}, 20),
        };
        Generator g = new Generator(0);
        Sequential[] floats = new Sequential[cases.length];
        Sequential[] quantized = new Sequential[cases.length];
        Tensor[] inputs = new Tensor[cases.length];
        for (int i = 0; i < cases.length; i++) {
            Case c = cases[i];
            Sequential f = c.model().get();
            f.eval();
            Sequential q = c.model().get();
            q.loadStateDict(f.stateDict());
            q.eval();
            Quantization.setQconfig(q, QConfig.DEFAULT);
            Quantization.prepare(q, true);
            try (GradMode off = Ember.noGrad()) {
                for (int b = 0; b < 4; b++) {
                    q.apply(Tensor.randn(g, DType.FLOAT32, c.input()));
                }
            }
            Quantization.convert(q, true);
            floats[i] = f;
            quantized[i] = q;
            inputs[i] = Tensor.randn(g, DType.FLOAT32, c.input());
        }
        for (int round = 0; round < 3; round++) {
            System.out.println("round " + round + ":");
            for (int i = 0; i < cases.length; i++) {
                double tf = bestMs(floats[i], inputs[i], cases[i].calls());
                double tq = bestMs(quantized[i], inputs[i], cases[i].calls());
                System.out.println(String.format(Locale.ROOT, "  %-34s float32 %9.3f ms  int8 %9.3f ms (%.2fx)",
                    cases[i].name(), tf, tq, tq / tf));
            }
        }
    }
}
