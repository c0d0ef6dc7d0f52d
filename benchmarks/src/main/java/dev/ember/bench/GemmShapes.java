package dev.ember.bench;

import dev.ember.Tensor;

import java.util.Locale;

/**
 * The GEMMs of a GPT training step at TrainGPT's CPU size (4,096 tokens a step, embedding 128, MLP 512), forward and
 * backward, with the operands' real layouts (a weight's transpose, a gradient's transpose): the best of five rounds of
 * 20 products each, in ms and GFLOP/s. {@code benchmarks/pytorch/gemm_shapes.py} runs the same shapes on PyTorch.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.ember.bench.GemmShapes
 * </pre>
 */
public final class GemmShapes {
    private GemmShapes() {
    }

    /** Runs every shape; no arguments. */
    public static void main(String[] args) {
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
