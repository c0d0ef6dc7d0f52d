package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Ember;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.nn.Functional;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Memory-bound kernels. GB/s: {@code copy} (a 64 MiB tensor copied into another, read and write) is the machine's
 * memory bandwidth as Java reaches it, the yardstick for the others; broadcast add of [4096, 4096] + [4096] moves
 * 2 x 64 MiB (read x, write out);
 * max pooling 2x2 of [64, 64, 56, 56] reads 51.4 MB and writes 12.8 MB of values (the input needs no gradient,
 * so no indices); with the backward, the forward also writes 25.7 MB of int64 indices and the backward reads
 * 12.8 + 25.7 MB and writes 51.4 MB. {@code exp}, {@code sigmoid} and {@code erf} of the [4096, 4096] float32 tensor
 * (read and write 64 MiB; erf is GELU's forward, exp its backward) and {@code geluForwardBackward} of a GPT's MLP activation
 * [32, 128, 512] show what the transcendental functions cost next to the copy.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", BenchSupport.TRAP_LIMIT})
public class MemoryBoundBenchmark {
    @Param({"cpu"})
    public String backend;

    private Tensor x;
    private Tensor copyTarget;
    private Tensor row;
    private Tensor pin;
    private Tensor pinGrad;
    private Tensor mlp;
    private Tensor mlpGrad;
    private Device device;

    @Setup(Level.Trial)
    public void setUp() {
        device = BenchSupport.device(backend);
        Generator g = new Generator(1);
        x = Tensor.randn(g, DType.FLOAT32, 4096, 4096).to(device);
        row = Tensor.randn(g, DType.FLOAT32, 4096).to(device);
        copyTarget = Tensor.zeros(4096, 4096).to(device);
        pin = Tensor.randn(g, DType.FLOAT32, 64, 64, 56, 56).to(device).requiresGrad_(true);
        pinGrad = Tensor.ones(64, 64, 28, 28).to(device);
        mlp = Tensor.randn(g, DType.FLOAT32, 32, 128, 512).to(device).requiresGrad_(true);
        mlpGrad = Tensor.randn(g, DType.FLOAT32, 32, 128, 512).to(device);
    }

    @Benchmark
    public Tensor copy() {
        copyTarget.copy_(x);
        BenchSupport.sync(device);
        return copyTarget;
    }

    @Benchmark
    public Tensor broadcastAdd() {
        Tensor y = x.add(row);
        BenchSupport.sync(device);
        return y;
    }

    @Benchmark
    public Tensor maxPoolForward() {
        Tensor y = Functional.maxPool2d(pin.detach(), 2);
        BenchSupport.sync(device);
        return y;
    }

    /** The forward in a scope: its output is closed each time, so the next one reuses its memory. */
    @Benchmark
    public int maxPoolForwardInScope() {
        try (TensorScope scope = Ember.scope()) {
            Tensor y = Functional.maxPool2d(pin.detach(), 2);
            BenchSupport.sync(device);
            return y.dim();
        }
    }

    @Benchmark
    public Tensor maxPoolForwardBackward() {
        BenchSupport.releaseGrads(pin);
        Tensor y = Functional.maxPool2d(pin, 2);
        y.backward(pinGrad);
        BenchSupport.sync(device);
        return pin.grad();
    }

    /**
     * Forward and backward in a scope, the gradient released before each step (as {@code optimizer.zeroGrad()}
     * does): the output, indices and input gradient reuse the previous step's memory.
     */
    @Benchmark
    public int maxPoolForwardBackwardInScope() {
        pin.releaseGrad();
        try (TensorScope scope = Ember.scope()) {
            Tensor y = Functional.maxPool2d(pin, 2);
            y.backward(pinGrad);
            BenchSupport.sync(device);
            return pin.grad().dim();
        }
    }

    @Benchmark
    public Tensor exp() {
        Tensor y = x.exp();
        BenchSupport.sync(device);
        return y;
    }

    @Benchmark
    public Tensor sigmoid() {
        Tensor y = x.sigmoid();
        BenchSupport.sync(device);
        return y;
    }

    @Benchmark
    public Tensor erf() {
        Tensor y = x.erf();
        BenchSupport.sync(device);
        return y;
    }

    /** GELU (the erf form) forward and backward in a scope, as in a GPT's MLP at TrainGPT's CPU size. */
    @Benchmark
    public int geluForwardBackward() {
        mlp.releaseGrad();
        try (TensorScope scope = Ember.scope()) {
            Functional.gelu(mlp).backward(mlpGrad);
            BenchSupport.sync(device);
            return mlp.grad().dim();
        }
    }
}
