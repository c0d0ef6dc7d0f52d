package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.nn.Functional;
import dev.ember.optim.SGD;

import java.util.function.Supplier;

/**
 * Where the GPU's time goes in a workload: runs it with warm-up, then prints the backend's per-kernel device
 * times for the measured iterations (needs {@code -Dember.cuda.profile=true}) and the wall time per iteration
 * with the profiler's events on. {@code java -Dember.cuda.profile=true ... dev.ember.bench.CudaProfile
 * [lenet|conv|pool] [iterations]}.
 */
public final class CudaProfile {
    private CudaProfile() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "lenet";
        int iters = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        Device gpu = Device.cuda(0);
        Backend backend = Backends.forDevice(gpu);
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
        String ignored = (String) backend.getClass().getMethod("profileReport").invoke(backend);
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
            work.get();
        }
        backend.synchronize(0);
        double ms = (System.nanoTime() - t0) / 1e6 / iters;
        System.out.printf("%s: %d iterations, %.3f ms each (wall, synchronized at the end)%n", what, iters, ms);
        System.out.print(backend.getClass().getMethod("profileReport").invoke(backend));
    }
}
