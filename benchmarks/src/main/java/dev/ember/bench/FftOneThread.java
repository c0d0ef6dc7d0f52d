package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Fft;
import dev.ember.Generator;
import dev.ember.Tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Two-dimensional transforms of a [32, 16, 64, 64] tensor (Fft2Benchmark's shapes) and the one along a dim that is not
 * the last alone, each timed as the calling thread's CPU time, best of 15 calls, in three rounds: rfft2 of a float32
 * tensor, fft along dim -2 of its last-dim rfft (complex64 [32, 16, 64, 33]), irfft2 of that spectrum, fft2 of a
 * complex64 tensor. Less disturbed by a noisy host than wall time. Run with {@code -Dember.cpu.threads=1} so the
 * kernels stay on this thread: {@code java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=100000
 * -Dember.cpu.threads=1 -cp benchmarks.jar dev.ember.bench.FftOneThread}. The PyTorch twin is
 * {@code benchmarks/pytorch/fft_one_thread.py}.
 */
public final class FftOneThread {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private FftOneThread() {
    }

    /** Runs the rounds. */
    public static void main(String[] args) {
        Generator g = new Generator(0);
        Tensor x = Tensor.randn(g, DType.FLOAT32, 32, 16, 64, 64);
        Tensor half = Fft.rfft(x, null, -1, null);
        Tensor z = Tensor.randn(g, DType.COMPLEX64, 32, 16, 64, 64);
        String[] names = {"rfft2 float32 [32,16,64,64]", "fft dim -2 complex64 [32,16,64,33]",
            "irfft2 [32,16,64,33] -> 64x64", "fft2 complex64 [32,16,64,64]"};
        @SuppressWarnings("unchecked")
        Supplier<Tensor>[] ops = new Supplier[] {() -> Fft.rfft2(x), () -> Fft.fft(half, null, -2, null),
            () -> Fft.irfft2(half), () -> Fft.fft2(z)};
        for (int round = 0; round < 3; round++) {
            StringBuilder line = new StringBuilder("round " + round + ":");
            for (int k = 0; k < ops.length; k++) {
                long best = Long.MAX_VALUE;
                for (int r = 0; r < 15; r++) {
                    long t0 = THREADS.getCurrentThreadCpuTime();
                    Tensor out = ops[k].get();
                    best = Math.min(best, THREADS.getCurrentThreadCpuTime() - t0);
                    out.close();
                }
                line.append(String.format(Locale.ROOT, "  %s %.2f ms", names[k], best / 1e6));
            }
            System.out.println(line);
        }
    }
}
