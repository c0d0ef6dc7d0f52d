package dev.ember.bench;

import dev.ember.Tensor;

import java.util.List;
import java.util.Locale;

/**
 * The GEMMs of a GPT training step at TrainGPT's CPU size (4,096 tokens a step, embedding 128, MLP 512), forward and
 * backward, with the operands' real layouts (a weight's transpose, a gradient's transpose): the best of five rounds of
 * 20 products each, in ms and GFLOP/s. {@code benchmarks/pytorch/gemm_shapes.py} runs the same shapes on PyTorch.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.bench.GemmShapes
 * </pre>
 * {@code --alternate PROPERTY [rounds]} instead times all fifteen products of the step's Linear layers (each layer's
 * {@code x W^T}, input gradient {@code g W} and weight gradient {@code g^T x}, the attention's qkv and output
 * projections, the MLP's two, the tied head over 113 characters) with the boolean system property set to true and
 * to false in turn, in one JVM, as the calling thread's CPU time (run it with {@code -Dember.cpu.threads=1}, so the
 * products stay on that thread): per round and setting the best of three loops of 10 products, and the step's sum of
 * the fifteen.
 */
public final class GemmShapes {
    private GemmShapes() {
    }

    /**
     * Runs every shape; with {@code --alternate PROPERTY [rounds]} the step's products at the property's two settings.
     *
     * @param args none, or {@code --alternate PROPERTY [rounds]}
     */
    public static void main(String[] args) {
        if (args.length >= 2 && args[0].equals("--alternate")) {
            alternate(args[1], args.length > 2 ? Integer.parseInt(args[2]) : 3);
            return;
        }
        Tensor x = Tensor.randn(4096, 128);
        Tensor h = Tensor.randn(4096, 512);
        Tensor g384 = Tensor.randn(4096, 384);
        Tensor g512 = Tensor.randn(4096, 512);
        Tensor g128 = Tensor.randn(4096, 128);
        time("qkv: x @ W^T", x, Tensor.randn(384, 128).t());
        time("qkv input grad: g @ W", g384, Tensor.randn(384, 128));
        time("qkv weight grad: g^T @ x", g384.t(), x);
        time("fc: x @ W^T", x, Tensor.randn(512, 128).t());
        time("fc weight grad: g^T @ x", g512.t(), x);
        time("proj: h @ W^T", h, Tensor.randn(128, 512).t());
        time("proj weight grad: g^T @ h", g128.t(), h);
    }

    private static void alternate(String property, int rounds) {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        int tokens = 4096;
        String[] names = {"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj", "lm_head"};
        int[][] layers = {{128, 384}, {128, 128}, {128, 512}, {512, 128}, {128, 113}};
        List<String> labels = new java.util.ArrayList<>();
        List<Tensor[]> products = new java.util.ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            int in = layers[i][0];
            int out = layers[i][1];
            Tensor x = Tensor.randn(tokens, in);
            Tensor w = Tensor.randn(out, in);
            Tensor g = Tensor.randn(tokens, out);
            labels.add(names[i] + " x W^T");
            products.add(new Tensor[] {x, w.t()});
            labels.add(names[i] + " g W");
            products.add(new Tensor[] {g, w});
            labels.add(names[i] + " g^T x");
            products.add(new Tensor[] {g.t(), x});
        }
        for (int r = 0; r < rounds; r++) {
            for (String setting : new String[] {"true", "false"}) {
                System.setProperty(property, setting);
                double sum = 0;
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < products.size(); i++) {
                    Tensor a = products.get(i)[0];
                    Tensor b = products.get(i)[1];
                    for (int w = 0; w < (r == 0 ? 20 : 3); w++) {
                        a.matmul(b).close();
                    }
                    long best = Long.MAX_VALUE;
                    for (int loop = 0; loop < 3; loop++) {
                        long t0 = threads.getCurrentThreadCpuTime();
                        for (int j = 0; j < 10; j++) {
                            a.matmul(b).close();
                        }
                        best = Math.min(best, threads.getCurrentThreadCpuTime() - t0);
                    }
                    double us = best / 10e3;
                    sum += us;
                    line.append(String.format(Locale.ROOT, "  %-20s %8.1f us%n", labels.get(i), us));
                }
                System.out.printf(Locale.ROOT, "round %d, -D%s=%s: the step's 15 products %.1f us (thread CPU)%n%s", r,
                        property, setting, sum, line);
            }
        }
        System.clearProperty(property);
    }

    private static void time(String name, Tensor a, Tensor b) {
        for (int i = 0; i < 30; i++) {
            a.matmul(b).close();
        }
        long best = Long.MAX_VALUE;
        for (int r = 0; r < 5; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                a.matmul(b).close();
            }
            best = Math.min(best, System.nanoTime() - t0);
        }
        double seconds = best / 20e9;
        long m = a.size(0);
        long k = a.size(1);
        long n = b.size(1);
        System.out.printf(Locale.ROOT, "%-28s %dx%dx%d: %.3f ms, %.1f GFLOP/s%n", name, m, k, n, seconds * 1e3,
                2.0 * m * k * n / seconds / 1e9);
    }
}
