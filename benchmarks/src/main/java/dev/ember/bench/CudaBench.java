package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.GradMode;
import dev.ember.Tensor;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;

import java.lang.reflect.Method;
import java.util.function.Supplier;

/**
 * GPU measurements that JMH is too heavy for on a short device lease: FP32 matmul, the memory-bound
 * broadcast add against the device's own copy bandwidth, and allocator figures over a 10,000-step training
 * loop with no explicit frees. Each timing synchronizes the device before the clock stops.
 * {@code java -cp ... dev.ember.bench.CudaBench [steps]}; the PyTorch twin is benchmarks/pytorch/cuda_bench.py.
 */
public final class CudaBench {
    private CudaBench() {
    }

    private static double timeMs(Backend backend, int reps, Supplier<Tensor> op) {
        for (int i = 0; i < 3; i++) {
            op.get();
        }
        backend.synchronize(0);
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            op.get();
        }
        backend.synchronize(0);
        return (System.nanoTime() - t0) / 1e6 / reps;
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        if (!Ember.cudaAvailable()) {
            System.err.println("CUDA not usable: " + Ember.cudaUnavailableReason());
            System.exit(2);
        }
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Device gpu = Device.cuda(0);
        Backend backend = Backends.forDevice(gpu);
        System.out.println(backend.describe());
        Generator g = new Generator(1);

        for (int n : new int[] {1024, 4096}) {
            Tensor a = Tensor.randn(g, DType.FLOAT32, n, n).to(gpu);
            Tensor b = Tensor.randn(g, DType.FLOAT32, n, n).to(gpu);
            double ms = timeMs(backend, n >= 4096 ? 10 : 50, () -> a.mm(b));
            System.out.printf("matmul fp32 %d: %.3f ms, %.1f TFLOP/s%n", n, ms, 2.0 * n * n * n / ms / 1e9);
        }

        int rows = 8192;
        int cols = 8192;
        Tensor x = Tensor.randn(g, DType.FLOAT32, rows, cols).to(gpu);
        Tensor bias = Tensor.randn(g, DType.FLOAT32, cols).to(gpu);
        Tensor y = Tensor.randn(g, DType.FLOAT32, rows, cols).to(gpu);
        long bytes = (long) rows * cols * 4;
        double copyMs = timeMs(backend, 50, x::clone);
        double addMs = timeMs(backend, 50, () -> x.add(y));
        double bcastMs = timeMs(backend, 50, () -> x.add(bias));
        System.out.printf("device copy (clone, cuMemcpyDtoD) %d MiB: %.3f ms, %.0f GB/s (read + write)%n",
                bytes >> 20, copyMs, 2.0 * bytes / copyMs / 1e6);
        System.out.printf("add same shape: %.3f ms, %.0f GB/s (2 reads + 1 write), %.0f%% of copy bandwidth%n",
                addMs, 3.0 * bytes / addMs / 1e6, 100 * (3.0 * bytes / addMs) / (2.0 * bytes / copyMs));
        System.out.printf("add broadcast row: %.3f ms, %.0f GB/s (1 read + 1 write), %.0f%% of copy bandwidth%n",
                bcastMs, 2.0 * bytes / bcastMs / 1e6, 100 * (2.0 * bytes / bcastMs) / (2.0 * bytes / copyMs));

        // a training loop with no explicit frees: the caching allocator must reach a steady state
        Method stats = backend.getClass().getMethod("memoryStats");
        Tensor w1 = Tensor.randn(g, DType.FLOAT32, 256, 512).mul(0.05).to(gpu).requiresGrad_(true);
        Tensor w2 = Tensor.randn(g, DType.FLOAT32, 10, 256).mul(0.05).to(gpu).requiresGrad_(true);
        Tensor in = Tensor.randn(g, DType.FLOAT32, 512, 64).to(gpu);
        Tensor target = Tensor.randn(g, DType.FLOAT32, 10, 64).to(gpu);
        long t0 = System.nanoTime();
        for (int step = 1; step <= steps; step++) {
            Tensor h = w1.mm(in).relu();
            Tensor loss = w2.mm(h).sub(target).pow(2).mean();
            w1.setGrad(null);
            w2.setGrad(null);
            loss.backward();
            try (GradMode off = Ember.noGrad()) {
                w1.sub_(w1.grad().mul(0.01));
                w2.sub_(w2.grad().mul(0.01));
            }
            if (step % 50 == 0) {
                System.gc(); // let the Cleaner return unreachable blocks, as a long run would
            }
            if (step == 100 || step == steps) {
                long[] s = (long[]) stats.invoke(backend);
                System.out.printf("step %d: loss %.5f, in use %.2f MiB, cached %.2f MiB, peak %.2f MiB, cuMemAlloc calls %d%n",
                        step, loss.item(), s[0] / 1048576.0, s[1] / 1048576.0, s[2] / 1048576.0, s[3]);
            }
        }
        System.out.printf("%d steps in %.1f s%n", steps, (System.nanoTime() - t0) / 1e9);
    }
}
