package dev.ember.bench;

import dev.ember.Device;
import dev.ember.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Autograd overhead: a chain of 1000 multiplications on a one-element tensor, forward then backward
 * (time per op = time / 1000), and note 001's linear-regression loop (10 iterations on 20 points). On CUDA every op
 * is a kernel launch on a one-element tensor, so this measures the host's cost per op; the timing ends with a
 * device synchronization.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", BenchSupport.TRAP_LIMIT})
public class AutogradBenchmark {
    @Param({"cpu"})
    public String backend;

    private Device device;
    private Tensor x20;
    private Tensor y20;

    @Setup
    public void setUp() {
        device = BenchSupport.device(backend);
        Tensor x = Tensor.rand(20, 1).mul(10);
        x20 = x.to(device);
        y20 = x.mul(2).add(Tensor.randn(20, 1).add(5)).to(device);
    }

    @Benchmark
    public Tensor chainOf1000Ops() {
        Tensor w = Tensor.tensor(new double[] {1.0}).to(device).requiresGrad_(true);
        Tensor t = w;
        for (int i = 0; i < 1000; i++) {
            t = t.mul(1.0001);
        }
        t.backward();
        BenchSupport.sync(device);
        return w.grad();
    }

    @Benchmark
    public Tensor linearRegressionLoop() {
        Tensor w = Tensor.tensor(new double[] {0.5}).to(device).requiresGrad_(true);
        Tensor b = Tensor.zeros(1).to(device).requiresGrad_(true);
        for (int iteration = 0; iteration < 10; iteration++) {
            Tensor loss = y20.sub(w.mul(x20).add(b)).pow(2).mul(0.5).mean();
            loss.backward();
            b.data().sub_(b.grad().mul(0.01));
            w.data().sub_(w.grad().mul(0.01));
            w.grad().data().zero_();
            b.grad().data().zero_();
        }
        BenchSupport.sync(device);
        return w;
    }
}
