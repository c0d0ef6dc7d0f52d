package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.cuda.CudaBackend;
import dev.ember.profiler.ProfilingBackend;

import java.util.function.Supplier;

/**
 * GPU measurements that JMH is too heavy for on a short device lease: FP32 matmul, 8192^3 GEMMs on the tensor cores
 * (TF32, BF16, FP16: issue 18's targets), the memory-bound
 * broadcast add against the device's own copy bandwidth, and allocator figures over a 10,000-step training
 * loop with no explicit frees. Each timing synchronizes the device before the clock stops.
 * {@code java -cp ... dev.ember.bench.CudaBench [steps]}; the PyTorch twin is benchmarks/pytorch/cuda_bench.py.
 */
public final class CudaBench {
    private CudaBench() {
    }

    private static double timeMs(Backend backend, int reps, Supplier<Tensor> op) {
        return timeMs(backend, 3, reps, op);
    }

    private static double timeMs(Backend backend, int warmup, int reps, Supplier<Tensor> op) {
        for (int i = 0; i < warmup; i++) {
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

    /**
     * The op timed with each call in an {@link Ember#scope()}, so its results go back to the allocator's cache as the
     * scope closes and the next call reuses them (what the kernels cost), then without one, where they go back only
     * once the JVM has collected them (until then each call takes new device memory). Returns both, in that order.
     */
    private static double[] timeBothMs(Backend backend, int reps, Supplier<Tensor> op) {
        double scoped = timeMs(backend, reps, () -> {
            try (TensorScope scope = Ember.scope()) {
                op.get();
                return null;
            }
        });
        return new double[] {scoped, timeMs(backend, reps, op)};
    }

    /** Entry point. */
    public static void main(String[] args) {
        if (!Ember.cudaAvailable()) {
            System.err.println("CUDA not usable: " + Ember.cudaUnavailableReason());
            System.exit(2);
        }
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Device gpu = Device.cuda(0);
        Backend backend = ProfilingBackend.unwrap(Backends.forDevice(gpu)); // the CUDA backend itself, not the profiler's wrapper
        System.out.println(backend.describe());
        Generator g = new Generator(1);

        System.out.println("Each figure: every call in an Ember.scope() (the kernels' cost), then without one (results "
                + "freed only when the JVM collects them)");
        for (int n : new int[] {1024, 4096}) {
            Tensor a = Tensor.randn(g, DType.FLOAT32, n, n).to(gpu);
            Tensor b = Tensor.randn(g, DType.FLOAT32, n, n).to(gpu);
            double[] ms = timeBothMs(backend, n >= 4096 ? 20 : 100, () -> a.mm(b));
            System.out.printf("matmul fp32 %d: %.3f ms, %.1f TFLOP/s; without a scope %.3f ms%n", n, ms[0],
                    2.0 * n * n * n / ms[0] / 1e9, ms[1]);
        }
        vendorGemmRow(backend, g);

        // issue 18's GEMM targets, 8192^3 on the tensor cores: float32 in TF32 (setFloat32MatmulPrecision("high"), as
        // PyTorch's allow_tf32), and bfloat16 / float16 through CudaBackend.tensorCoreGemmMs (operands made in int16
        // storages holding the half bits: half tensors do not live on CUDA yet), output in the input type as torch's
        CudaBackend tcBackend = (CudaBackend) backend;
        int big = 8192;
        double gemmFlops = 2.0 * big * big * big;
        Ember.setFloat32MatmulPrecision("high");
        try {
            Tensor a = Tensor.randn(g, DType.FLOAT32, big, big).to(gpu);
            Tensor b = Tensor.randn(g, DType.FLOAT32, big, big).to(gpu);
            double ms = timeMs(backend, 10, () -> {
                try (TensorScope scope = Ember.scope()) {
                    a.mm(b);
                    return null;
                }
            });
            System.out.printf("matmul tf32 %d (precision 'high'; %s): %.3f ms, %.1f TFLOP/s%n", big,
                    backend.describe().contains("tensor cores (sm_") ? "tensor cores" : "no tensor cores: FP32", ms,
                    gemmFlops / ms / 1e9);
        } finally {
            Ember.setFloat32MatmulPrecision("highest");
        }
        for (DType t : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
            try {
                double ms = tcBackend.tensorCoreGemmMs(t, t, big, 10);
                String name = t == DType.BFLOAT16 ? "bf16" : "fp16";
                System.out.printf("matmul %s %d (tensor cores, %s out): %.3f ms, %.1f TFLOP/s%n", name, big, name, ms,
                        gemmFlops / ms / 1e9);
            } catch (IllegalStateException e) {
                System.out.println("matmul " + t + " " + big + ": " + e.getMessage());
            }
        }

        int rows = 8192;
        int cols = 8192;
        Tensor x = Tensor.randn(g, DType.FLOAT32, rows, cols).to(gpu);
        Tensor bias = Tensor.randn(g, DType.FLOAT32, cols).to(gpu);
        Tensor y = Tensor.randn(g, DType.FLOAT32, rows, cols).to(gpu);
        long bytes = (long) rows * cols * 4;
        double[] copyMs = timeBothMs(backend, 50, x::clone);
        double[] addMs = timeBothMs(backend, 50, () -> x.add(y));
        double[] bcastMs = timeBothMs(backend, 50, () -> x.add(bias));
        double copyRate = 2.0 * bytes / copyMs[0];
        System.out.printf("device copy (clone, cuMemcpyDtoD) %d MiB: %.3f ms, %.0f GB/s (read + write); without a scope "
                + "%.3f ms%n", bytes >> 20, copyMs[0], copyRate / 1e6, copyMs[1]);
        System.out.printf("add same shape: %.3f ms, %.0f GB/s (2 reads + 1 write), %.0f%% of copy bandwidth; without a scope "
                + "%.3f ms%n", addMs[0], 3.0 * bytes / addMs[0] / 1e6, 100 * (3.0 * bytes / addMs[0]) / copyRate, addMs[1]);
        System.out.printf("add broadcast row: %.3f ms, %.0f GB/s (1 read + 1 write), %.0f%% of copy bandwidth; without a "
                + "scope %.3f ms%n", bcastMs[0], 2.0 * bytes / bcastMs[0] / 1e6, 100 * (2.0 * bytes / bcastMs[0]) / copyRate,
                bcastMs[1]);

        // conv2d forward + backward, N=32, 64->64 channels, 56x56, 3x3, padding 1
        Tensor cx = Tensor.randn(g, DType.FLOAT32, 32, 64, 56, 56).to(gpu).requiresGrad_(true);
        Tensor cw = Tensor.randn(g, DType.FLOAT32, 64, 64, 3, 3).mul(0.05).to(gpu).requiresGrad_(true);
        Tensor cb = Tensor.zeros(64).to(gpu).requiresGrad_(true);
        double[] convMs = timeBothMs(backend, 20, () -> {
            Tensor out = Tensor.conv2d(cx, cw, cb, new int[] {1}, new int[] {1}, new int[] {1}, 1);
            out.sum().backward();
            return out;
        });
        double[] convFwdMs = timeBothMs(backend, 20, () -> Tensor.conv2d(cx.detach(), cw.detach(), cb.detach(),
                new int[] {1}, new int[] {1}, new int[] {1}, 1));
        System.out.printf("conv2d forward only: %.3f ms; without a scope %.3f ms%n", convFwdMs[0], convFwdMs[1]);
        double convFlops = 3 * 2.0 * 32 * 64 * 56 * 56 * 64 * 9;
        System.out.printf("conv2d fwd+bwd N=32 64->64 56x56 k3 p1: %.3f ms, %.1f TFLOP/s; without a scope %.3f ms%n",
                convMs[0], convFlops / convMs[0] / 1e9, convMs[1]);
        cudnnConvRow(backend, cx, cw, cb, convFlops);

        // max pooling 2x2 forward + backward, N=64, C=64, 56x56
        Tensor px = Tensor.randn(g, DType.FLOAT32, 64, 64, 56, 56).to(gpu).requiresGrad_(true);
        double[] poolFwdMs = timeBothMs(backend, 50, () -> dev.ember.nn.Functional.maxPool2d(px.detach(), 2));
        double[] poolMs = timeBothMs(backend, 50, () -> {
            Tensor out = dev.ember.nn.Functional.maxPool2d(px, 2);
            out.backward(out.onesLike());
            return out;
        });
        System.out.printf("maxpool2d 2x2 N=64 C=64 56x56: forward %.3f ms, forward+backward %.3f ms; without a scope %.3f "
                + "and %.3f ms%n", poolFwdMs[0], poolMs[0], poolFwdMs[1], poolMs[1]);

        // the LeNet training step at batch 64
        TrainLeNet.LeNet net = new TrainLeNet.LeNet();
        net.to(gpu);
        dev.ember.optim.SGD opt = new dev.ember.optim.SGD(net.parameters(), 0.01, 0.9, 0, 0, false);
        Tensor lx = Tensor.randn(g, DType.FLOAT32, 64, 1, 28, 28).to(gpu);
        Tensor ly = Tensor.randint(0, 10, 64).to(gpu);
        Supplier<Tensor> step = () -> {
            opt.zeroGrad();
            Tensor loss = dev.ember.nn.Functional.crossEntropy(net.forward(lx), ly);
            loss.backward();
            opt.step();
            return loss;
        };
        double stepMs = timeMs(backend, 200, step);
        System.out.printf("LeNet training step, batch 64: %.3f ms, %.0f samples/s (200 steps after 3 warm-up steps)%n",
                stepMs, 64 / stepMs * 1e3);
        // dropped tensors return their memory when the JVM collects them; until the allocator's first collection the
        // cache has no blocks of theirs and each step's tensors take fresh cuMemAlloc calls
        double steadyMs = timeMs(backend, 1000, 500, step);
        System.out.printf("LeNet training step, batch 64: %.3f ms, %.0f samples/s (500 steps after 1000 more warm-up steps)%n",
                steadyMs, 64 / steadyMs * 1e3);

        double scopedStepMs = timeMs(backend, 200, () -> {
            try (TensorScope scope = Ember.scope()) {
                opt.zeroGrad();
                Tensor loss = dev.ember.nn.Functional.crossEntropy(net.forward(lx), ly);
                loss.backward();
                opt.step();
                return scope.keep(loss);
            }
        });
        System.out.printf("LeNet training step, batch 64, each step in Ember.scope(): %.3f ms, %.0f samples/s%n",
                scopedStepMs, 64 / scopedStepMs * 1e3);
        UploadOverlapBench.run(200); // the next batch's upload: synchronous, to(gpu), pinned to(gpu, true)

        // a training loop with no explicit frees: the allocator's collections must keep it flat; then the same loop
        // with each step in a scope, which frees everything a step made when it ends
        CudaBackend cuda = (CudaBackend) backend;
        memoryLoop(cuda, g, steps, 64, false);
        memoryLoop(cuda, g, steps, 64, true);
        // the same with 64 times wider activations (4 MiB a step): the garbage reaches the allocator's growth
        // allowance within the loop, so its collections show
        memoryLoop(cuda, g, steps, 4096, false);
    }

    /**
     * Both matmul paths on one FP32 product, 4096^3: the vendor library that loaded (cuBLAS 12 or 13, see describe())
     * and Ember's own kernel ({@code setUseCublas(false)}), then the vendor library under TF32 (precision "high").
     */
    private static void vendorGemmRow(Backend backend, Generator g) {
        CudaBackend cuda = (CudaBackend) backend;
        if (!cuda.usesCublas()) {
            System.out.println("matmul paths: no vendor GEMM loaded, Ember's kernel only (describe() says why)");
            return;
        }
        int n = 4096;
        double flop = 2.0 * n * n * n;
        Tensor a = Tensor.randn(g, DType.FLOAT32, n, n).to(Device.cuda(0));
        Tensor b = Tensor.randn(g, DType.FLOAT32, n, n).to(Device.cuda(0));
        String precision = Ember.getFloat32MatmulPrecision();
        double vendor;
        double own;
        double tf32;
        try {
            Ember.setFloat32MatmulPrecision("highest");
            vendor = timeBothMs(backend, 20, () -> a.mm(b))[0];
            cuda.setUseCublas(false);
            own = timeBothMs(backend, 20, () -> a.mm(b))[0];
            cuda.setUseCublas(true);
            Ember.setFloat32MatmulPrecision("high");
            tf32 = timeBothMs(backend, 20, () -> a.mm(b))[0];
        } finally {
            cuda.setUseCublas(true);
            Ember.setFloat32MatmulPrecision(precision);
        }
        System.out.printf("matmul fp32 %d, both paths: vendor library %.3f ms (%.1f TFLOP/s), Ember's kernel %.3f ms "
                + "(%.1f TFLOP/s); vendor library under TF32 ('high') %.3f ms (%.1f TFLOP/s)%n", n, vendor,
                flop / vendor / 1e9, own, flop / own / 1e9, tf32, flop / tf32 / 1e9);
    }

    /** The same convolution forward + backward through cuDNN (opt-in), TF32 allowed (PyTorch's default) and not. */
    private static void cudnnConvRow(Backend backend, Tensor cx, Tensor cw, Tensor cb, double flop) {
        CudaBackend cuda = (CudaBackend) backend;
        cuda.setUseCudnn(true);
        boolean tf32 = Ember.allowTf32Convolution();
        try {
            if (!cuda.usesCudnn()) {
                System.out.println("conv2d through cuDNN: not loaded (" + cuda.describe() + ")");
                return;
            }
            Supplier<Tensor> step = () -> {
                Tensor out = Tensor.conv2d(cx, cw, cb, new int[] {1}, new int[] {1}, new int[] {1}, 1);
                out.sum().backward();
                return out;
            };
            Ember.setAllowTf32Convolution(true);
            double tf32Ms = timeBothMs(backend, 20, step)[0];
            Ember.setAllowTf32Convolution(false);
            double fp32Ms = timeBothMs(backend, 20, step)[0];
            System.out.printf("conv2d fwd+bwd N=32 64->64 56x56 k3 p1 through cuDNN: TF32 allowed %.3f ms (%.1f TFLOP/s), "
                    + "FP32 %.3f ms (%.1f TFLOP/s)%n", tf32Ms, flop / tf32Ms / 1e9, fp32Ms, flop / fp32Ms / 1e9);
        } finally {
            cuda.setUseCudnn(false);
            Ember.setAllowTf32Convolution(tf32);
        }
    }

    private static void memoryLoop(CudaBackend cuda, Generator g, int steps, int width, boolean scoped) {
        Device gpu = Device.cuda(0);
        System.gc();
        cuda.emptyCache();
        cuda.resetPeakMemoryStats();
        long[] start = cuda.memoryStats();
        Tensor w1 = Tensor.randn(g, DType.FLOAT32, 256, 512).mul(0.05).to(gpu).requiresGrad_(true);
        Tensor w2 = Tensor.randn(g, DType.FLOAT32, 10, 256).mul(0.05).to(gpu).requiresGrad_(true);
        Tensor in = Tensor.randn(g, DType.FLOAT32, 512, width).to(gpu);
        Tensor target = Tensor.randn(g, DType.FLOAT32, 10, width).to(gpu);
        dev.ember.optim.SGD sgd = new dev.ember.optim.SGD(java.util.List.of(w1, w2), 0.01, 0, 0, 0, false);
        System.out.println((scoped ? "training loop, each step in Ember.scope()" : "training loop with no frees")
                + ", batch " + width + ":");
        long t0 = System.nanoTime();
        for (int step = 1; step <= steps; step++) {
            TensorScope scope = scoped ? Ember.scope() : null;
            Tensor h = w1.mm(in).relu();
            Tensor loss = w2.mm(h).sub(target).pow(2).mean();
            sgd.zeroGrad();
            loss.backward();
            sgd.step();
            if (step == 100 || step == 1000 || step == steps / 2 || step == steps) {
                long[] s = cuda.memoryStats();
                System.out.printf("  step %d: loss %.5f, in use %.2f MiB, cached %.2f MiB, peak in use %.2f MiB (since the "
                        + "loop began), cuMemAlloc calls %d, collections asked by the allocator %d%n",
                        step, loss.item(), s[0] / 1048576.0, s[1] / 1048576.0, s[2] / 1048576.0, s[3] - start[3],
                        s[4] - start[4]);
            }
            if (scope != null) {
                scope.close();
            }
        }
        System.out.printf("  %d steps in %.1f s%n", steps, (System.nanoTime() - t0) / 1e9);
    }
}
