package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.nn.Functional;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The cost of the default generator's draws, its two algorithms side by side in one run: Ember's Philox kernel
 * ({@link Generator.Algorithm#PHILOX}) against PyTorch's CPU generator ({@link Generator.Algorithm#MT19937}, drawn
 * serially in Java). Cases: {@code rand} and {@code randn} of 1e4, 1e6 and 1e7 float32 and float64 elements,
 * {@code bernoulli_(0.5)} and training-mode {@code dropout(p=0.2)} of 1e6 float32, {@code randperm(60000)} and
 * {@code randint(0, 1000, 1e6)}. Each case is timed in rounds that alternate the two algorithms (the default generator
 * switched and reseeded before each round), each round the median of its calls in a {@link TensorScope}, as the
 * calling thread's CPU time (both generators draw on the calling thread; less disturbed by a loaded host) and as wall
 * time; the line printed is the median of the rounds' medians for each algorithm, in ms. Run with
 * {@code -Dember.cpu.threads=1} so that the ops around the draws (dropout's product) stay on this thread:
 * {@code java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=100000 -Dember.cpu.threads=1 -cp
 * benchmarks.jar dev.ember.bench.RandomDraws [rounds]}. The PyTorch twin is {@code benchmarks/pytorch/random_draws.py}.
 */
public final class RandomDraws {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private RandomDraws() {
    }

    /** Runs every case; argument: the rounds per algorithm (default 5). */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        List<Object[]> cases = new ArrayList<>();
        for (int n : new int[] {10_000, 1_000_000, 10_000_000}) {
            for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                String ty = t == DType.FLOAT32 ? "float32" : "float64";
                cases.add(new Object[] {"rand " + label(n) + " " + ty, (Supplier<Tensor>) () -> Tensor.rand(t, n)});
                cases.add(new Object[] {"randn " + label(n) + " " + ty, (Supplier<Tensor>) () -> Tensor.randn(t, n)});
            }
        }
        Tensor ones = Tensor.ones(1_000_000);
        cases.add(new Object[] {"bernoulli_(0.5) 1e6 float32",
            (Supplier<Tensor>) () -> Tensor.empty(DType.FLOAT32, 1_000_000).bernoulli_(0.5)});
        cases.add(new Object[] {"dropout(0.2) 1e6 float32", (Supplier<Tensor>) () -> Functional.dropout(ones, 0.2, true)});
        cases.add(new Object[] {"randperm(60000)", (Supplier<Tensor>) () -> Tensor.randperm(60_000)});
        cases.add(new Object[] {"randint(0, 1000) 1e6", (Supplier<Tensor>) () -> Tensor.randint(0, 1000, 1_000_000)});
        System.out.printf(Locale.ROOT, "%-30s %10s %10s %7s %10s %10s%n", "case (ms, median)", "philox cpu", "mt cpu",
                "mt/ph", "philox wall", "mt wall");
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            Supplier<Tensor> body = (Supplier<Tensor>) c[1];
            String name = (String) c[0];
            int calls = name.contains("1e7") ? 5 : name.contains("1e4") ? 400 : 30;
            double[][] cpu = new double[2][rounds];
            double[][] wall = new double[2][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int a = 0; a < 2; a++) {
                    Ember.setDefaultGeneratorAlgorithm(a == 0 ? Generator.Algorithm.PHILOX : Generator.Algorithm.MT19937);
                    Ember.manualSeed(r);
                    double[] m = medians(body, calls);
                    cpu[a][r] = m[0];
                    wall[a][r] = m[1];
                }
            }
            double philox = median(cpu[0]);
            double mt = median(cpu[1]);
            System.out.printf(Locale.ROOT, "%-30s %10.4f %10.4f %7.2f %10.4f %10.4f%n", name, philox, mt, mt / philox,
                    median(wall[0]), median(wall[1]));
        }
        Ember.setDefaultGeneratorAlgorithm(Generator.Algorithm.MT19937);
    }

    private static String label(int n) {
        return n == 10_000 ? "1e4" : n == 1_000_000 ? "1e6" : "1e7";
    }

    /** The median thread CPU time and the median wall time of {@code calls} calls, in ms. */
    private static double[] medians(Supplier<Tensor> body, int calls) {
        double[] cpu = new double[calls];
        double[] wall = new double[calls];
        for (int i = 0; i < calls; i++) {
            try (TensorScope s = Ember.scope(); var ng = Ember.noGrad()) {
                long c0 = THREADS.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                body.get();
                wall[i] = (System.nanoTime() - t0) / 1e6;
                cpu[i] = (THREADS.getCurrentThreadCpuTime() - c0) / 1e6;
            }
        }
        return new double[] {median(cpu), median(wall)};
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
