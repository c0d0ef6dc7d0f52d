package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.cuda.CudaBackend;
import dev.ember.profiler.ProfilingBackend;
import dev.ember.nn.Functional;
import dev.ember.optim.SGD;

import java.util.function.Supplier;

/**
 * Where the GPU's time goes in a workload: runs it with warm-up, then prints the backend's per-kernel device
 * times for the measured iterations (needs {@code -Dember.cuda.profile=true}) and the wall time per iteration
 * with the profiler's events on. {@code java -Dember.cuda.profile=true ... dev.ember.bench.CudaProfile
 * [lenet|conv|pool|ops] [iterations]}.
 */
public final class CudaProfile {
    private CudaProfile() {
    }

    /**
     * Times each float32 GEMM tile on the matmul benchmark's sizes and on the three GEMMs of the 56x56 convolution
     * (batched as the backend runs them), to check the backend's choice of tile.
     */
    private static void tiles() {
        Device gpu = Device.cuda(0);
        CudaBackend backend = (CudaBackend) ProfilingBackend.unwrap(Backends.forDevice(gpu));
        Generator g = new Generator(3);
        int[][] shapes = {{1, 1024, 1024, 1024}, {1, 4096, 4096, 4096}, {1, 2048, 2048, 2048},
            {32, 64, 576, 3136}, {32, 576, 64, 3136}, {32, 64, 3136, 576}, {64, 64, 400, 120}};
        String[] names = {"1024^3", "4096^3", "2048^3", "conv fwd 32x[64x576]@[576x3136]",
            "conv bwd-input 32x[576x64]@[64x3136]", "conv bwd-weight 32x[64x3136]@[3136x576]", "64x[64x400]@[400x120]"};
        int[][] tiles = {null, {128, 128}, {64, 128}, {128, 64}, {64, 64}};
        for (int s = 0; s < shapes.length; s++) {
            int[] d = shapes[s];
            Tensor a = Tensor.randn(g, DType.FLOAT32, d[0], d[1], d[2]).to(gpu);
            Tensor b = Tensor.randn(g, DType.FLOAT32, d[0], d[2], d[3]).to(gpu);
            StringBuilder line = new StringBuilder(String.format("%-42s", names[s]));
            for (int[] t : tiles) {
                backend.forceSgemmTile(t);
                for (int i = 0; i < 3; i++) {
                    a.bmm(b);
                }
                backend.synchronize(0);
                int reps = 20;
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    a.bmm(b);
                }
                backend.synchronize(0);
                double ms = (System.nanoTime() - t0) / 1e6 / reps;
                double tflops = 2.0 * d[0] * d[1] * d[2] * d[3] / ms / 1e9;
                line.append(String.format(" %s %.3f ms %.1f TF |", t == null ? "chosen" : t[0] + "x" + t[1], ms, tflops));
            }
            backend.forceSgemmTile(null);
            System.out.println(line);
        }
    }

    /** Entry point. */
    public static void main(String[] args) {
        String why = Ember.cudaUnavailableReason();
        if (!why.isEmpty()) {
            // a profile of the GPU needs one: one line saying why not, as DeviceMove does, not a stack trace
            System.err.println("CudaProfile needs a usable CUDA device: " + why);
            System.exit(2);
        }
        String what = args.length > 0 ? args[0] : "lenet";
        if (what.equals("tiles")) {
            tiles();
            return;
        }
        int iters = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        Device gpu = Device.cuda(0);
        Backend backend = ProfilingBackend.unwrap(Backends.forDevice(gpu)); // the CUDA backend itself, not the profiler's wrapper
        Generator g = new Generator(1);
        Supplier<Tensor> work;
        switch (what) {
            case "conv": {
                Tensor cx = Tensor.randn(g, DType.FLOAT32, 32, 64, 56, 56).to(gpu).requiresGrad_(true);
                Tensor cw = Tensor.randn(g, DType.FLOAT32, 64, 64, 3, 3).mul(0.05).to(gpu).requiresGrad_(true);
                Tensor cb = Tensor.zeros(64).to(gpu).requiresGrad_(true);
                work = () -> {
                    Tensor out = Tensor.conv2d(cx, cw, cb, new int[] {1}, new int[] {1}, new int[] {1}, 1);
                    out.sum().backward();
                    return out;
                };
                break;
            }
            case "pool": {
                Tensor px = Tensor.randn(g, DType.FLOAT32, 64, 64, 56, 56).to(gpu).requiresGrad_(true);
                work = () -> {
                    Tensor out = Functional.maxPool2d(px, 2);
                    out.backward(out.onesLike());
                    return out;
                };
                break;
            }
            case "ops": {
                // host cost per launch: 1000 scalar ops on a one-element tensor, no autograd
                Tensor one = Tensor.ones(1).to(gpu);
                work = () -> {
                    Tensor y = one;
                    for (int i = 0; i < 500; i++) {
                        y = y.mul(1.0001).add(0.5);
                    }
                    return y;
                };
                break;
            }
            default: {
                TrainLeNet.LeNet net = new TrainLeNet.LeNet();
                net.to(gpu);
                SGD opt = new SGD(net.parameters(), 0.01, 0.9, 0, 0, false);
                Tensor lx = Tensor.randn(g, DType.FLOAT32, 64, 1, 28, 28).to(gpu);
                Tensor ly = Tensor.randint(0, 10, 64).to(gpu);
                work = () -> {
                    opt.zeroGrad();
                    Tensor loss = Functional.crossEntropy(net.forward(lx), ly);
                    loss.backward();
                    opt.step();
                    return loss;
                };
            }
        }
        for (int i = 0; i < 10; i++) {
            work.get();
        }
        ((CudaBackend) backend).profileReport(); // starts the measured span
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
            work.get();
        }
        backend.synchronize(0);
        double ms = (System.nanoTime() - t0) / 1e6 / iters;
        System.out.printf("%s: %d iterations, %.3f ms each (wall, synchronized at the end)%n", what, iters, ms);
        System.out.print(((CudaBackend) backend).profileReport());
    }
}
