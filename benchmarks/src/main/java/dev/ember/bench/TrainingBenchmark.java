package dev.ember.bench;

import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.DType;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.nn.Functional;
import dev.ember.optim.SGD;
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
 * One LeNet training step (forward, cross entropy, backward, SGD with momentum). samples/s = batch / time. Six warm-up
 * iterations of 2 s: on a 2-core machine the step reaches its steady state only after 10-12 s of JIT compilation
 * (AMD EPYC Zen 5, {@code -wi 0 -i 15 -r 1}: 3,161, 146, 30, 12.5, 7.7 ... 4.3 ms), which three left in the measurement.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 6, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", BenchSupport.TRAP_LIMIT})
public class TrainingBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"1", "64", "1024"})
    public int batch;

    private TrainLeNet.LeNet net;
    private SGD opt;
    private Tensor x;
    private Tensor y;
    private Device device;

    @Setup(Level.Trial)
    public void setUp() {
        device = BenchSupport.device(backend);
        Ember.manualSeed(0);
        net = new TrainLeNet.LeNet();
        net.to(device);
        opt = new SGD(net.parameters(), 0.01, 0.9, 0, 0, false);
        Generator g = new Generator(1);
        x = Tensor.randn(g, DType.FLOAT32, batch, 1, 28, 28).to(device);
        y = Tensor.randint(0, 10, batch).to(device);
    }

    @Benchmark
    public Tensor leNetStep() {
        opt.zeroGrad();
        Tensor loss = Functional.crossEntropy(net.forward(x), y);
        loss.backward();
        opt.step();
        BenchSupport.sync(device);
        return loss;
    }

    /** The same step inside {@code Ember.scope()}, which closes everything the step made when it ends. */
    @Benchmark
    public double leNetStepInScope() {
        try (TensorScope scope = Ember.scope()) {
            opt.zeroGrad();
            Tensor loss = Functional.crossEntropy(net.forward(x), y);
            loss.backward();
            opt.step();
            return loss.item(); // item() synchronizes, as BenchSupport.sync does
        }
    }
}
