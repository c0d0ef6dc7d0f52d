package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
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
 * Layer norm at the GPT's CPU size (issue 15: batch 32, block 128, embedding 128, float32, with weight and bias):
 * forward, and forward plus backward into the input, weight and bias (the gradients reset to none after each call,
 * as {@code zero_grad(set_to_none=True)} leaves them). Twin: {@code benchmarks/pytorch/norm_bench.py}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", BenchSupport.TRAP_LIMIT})
public class NormBenchmark {
    private static final int[] NORMALIZED = {128};

    @Param({"cpu"})
    public String backend;

    private Device device;
    private Tensor x;
    private Tensor weight;
    private Tensor bias;
    private Tensor grad;

    @Setup(Level.Trial)
    public void setUp() {
        device = BenchSupport.device(backend);
        Generator g = new Generator(1);
        x = Tensor.randn(g, DType.FLOAT32, 32, 128, 128).to(device).requiresGrad_(true);
        weight = Tensor.randn(g, DType.FLOAT32, 128).to(device).requiresGrad_(true);
        bias = Tensor.randn(g, DType.FLOAT32, 128).to(device).requiresGrad_(true);
        grad = Tensor.randn(g, DType.FLOAT32, 32, 128, 128).to(device);
    }

    @Benchmark
    public Tensor layerNormForward() {
        try (var ng = dev.ember.Ember.noGrad()) {
            Tensor y = Functional.layerNorm(x, NORMALIZED, weight, bias, 1e-5);
            BenchSupport.sync(device);
            return y;
        }
    }

    @Benchmark
    public Tensor layerNormForwardBackward() {
        BenchSupport.releaseGrads(x, weight, bias); // the previous call's
        Functional.layerNorm(x, NORMALIZED, weight, bias, 1e-5).backward(grad);
        Tensor gx = x.grad();
        BenchSupport.sync(device);
        return gx;
    }
}
