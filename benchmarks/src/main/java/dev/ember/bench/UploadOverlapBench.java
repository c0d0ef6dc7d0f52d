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

import java.util.ArrayList;
import java.util.List;

/**
 * Whether the next batch's upload overlaps the step (issue 16: pin_memory and non_blocking): a LeNet training step whose
 * input batch comes from the host each step, with the upload done four ways:
 * <ul>
 *   <li>{@code resident}: no upload (the batch already on the GPU): the step alone;</li>
 *   <li>{@code sync}: {@code to(gpu)} and then the host waits for the device (a synchronous copy from pageable memory,
 *       as PyTorch's default);</li>
 *   <li>{@code to(gpu)}: Ember's ordinary upload (staged through its pinned buffers on the compute stream);</li>
 *   <li>{@code pinned async}: batches pinned beforehand (as DataLoader pinMemory(true) does on its workers), then
 *       {@code to(gpu, true)}: the copy on the copy stream, overlapping the previous step's kernels.</li>
 * </ul>
 * Also the uploads alone. Every step runs in a scope; each figure synchronizes the device before the clock stops.
 * {@code java -cp ... dev.ember.bench.UploadOverlapBench [steps]}; called from {@link CudaBench}.
 */
public final class UploadOverlapBench {
    private UploadOverlapBench() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        if (!Ember.cudaAvailable()) {
            System.err.println("CUDA not usable: " + Ember.cudaUnavailableReason());
            System.exit(2);
        }
        run(args.length > 0 ? Integer.parseInt(args[0]) : 300);
    }

    private interface Step {
        void run(int k);
    }

    private static double timeMs(Backend backend, int steps, Step step) {
        for (int k = 0; k < 20; k++) {
            step.run(k);
        }
        backend.synchronize(0);
        long t0 = System.nanoTime();
        for (int k = 0; k < steps; k++) {
            step.run(k);
        }
        backend.synchronize(0);
        return (System.nanoTime() - t0) / 1e6 / steps;
    }

    /** The rows: LeNet steps at batch 64 and 1024 with each kind of upload, and the uploads alone. */
    public static void run(int steps) {
        Device gpu = Device.cuda(0);
        Backend backend = ProfilingBackend.unwrap(Backends.forDevice(gpu));
        Generator g = new Generator(3);
        TrainLeNet.LeNet net = new TrainLeNet.LeNet();
        net.to(gpu);
        dev.ember.optim.SGD opt = new dev.ember.optim.SGD(net.parameters(), 0.01, 0.9, 0, 0, false);
        for (int batch : new int[] {64, 1024}) {
            int count = 8;
            List<Tensor> host = new ArrayList<>();
            List<Tensor> pinned = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Tensor x = Tensor.randn(g, DType.FLOAT32, batch, 1, 28, 28);
                host.add(x);
                pinned.add(x.pinMemory());
            }
            Tensor resident = host.get(0).to(gpu);
            Tensor y = Tensor.randint(0, 10, batch).to(gpu);
            java.util.function.Consumer<Tensor> train = x -> {
                opt.zeroGrad();
                dev.ember.nn.Functional.crossEntropy(net.forward(x), y).backward();
                opt.step();
            };
            double residentMs = timeMs(backend, steps, k -> {
                try (TensorScope s = Ember.scope()) {
                    train.accept(resident);
                }
            });
            double syncMs = timeMs(backend, steps, k -> {
                try (TensorScope s = Ember.scope()) {
                    Tensor x = host.get(k % count).to(gpu);
                    backend.synchronize(0);
                    train.accept(x);
                }
            });
            double plainMs = timeMs(backend, steps, k -> {
                try (TensorScope s = Ember.scope()) {
                    train.accept(host.get(k % count).to(gpu));
                }
            });
            double asyncMs = timeMs(backend, steps, k -> {
                try (TensorScope s = Ember.scope()) {
                    train.accept(pinned.get(k % count).to(gpu, true));
                }
            });
            double uploadMs = timeMs(backend, steps, k -> host.get(k % count).to(gpu).close());
            double asyncUploadMs = timeMs(backend, steps, k -> pinned.get(k % count).to(gpu, true).close());
            double mib = batch * 28 * 28 * 4 / 1048576.0;
            System.out.printf("upload overlap, LeNet step batch %d (%.2f MiB input): resident %.3f ms, sync upload %.3f ms, "
                    + "to(gpu) %.3f ms, pinned to(gpu, true) %.3f ms; uploads alone: to(gpu) %.3f ms, pinned async "
                    + "%.3f ms (%.1f GB/s)%n", batch, mib, residentMs, syncMs, plainMs, asyncMs, uploadMs, asyncUploadMs,
                    batch * 28 * 28 * 4 / asyncUploadMs / 1e6);
        }
        if (backend instanceof CudaBackend) {
            long[] s = ((CudaBackend) backend).copyStreamStats();
            System.out.printf("copy stream: %d uploads, %.2f MiB page-locked (%.2f MiB cached free)%n", s[0],
                    s[1] / 1048576.0, s[2] / 1048576.0);
        }
    }
}
