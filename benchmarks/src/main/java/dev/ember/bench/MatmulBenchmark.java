package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.backend.Backends;
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
import org.openjdk.jmh.infra.BenchmarkParams;

import java.util.concurrent.TimeUnit;

/**
 * FP32 square matmul, {@code C = A @ B}. GFLOP/s = 2 n^3 / time. A CUDA run synchronizes the device before
 * the timer stops. Run: {@code java -jar benchmarks/target/benchmarks.jar MatmulBenchmark -p backend=cpu -p n=1024}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", BenchSupport.TRAP_LIMIT})
public class MatmulBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"64", "256", "1024", "2048"})
    public int n;

    private Tensor a;
    private Tensor b;
    private Device device;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        device = Ember.resolve(backend);
        Generator g = new Generator(1);
        a = Tensor.randn(g, DType.FLOAT32, n, n).to(device);
        b = Tensor.randn(g, DType.FLOAT32, n, n).to(device);
        System.out.println("\n" + Backends.forDevice(device).describe());
    }

    @Benchmark
    public Tensor mm() {
        Tensor c = a.mm(b);
        Backends.forDevice(device).synchronize(Math.max(device.index(), 0));
        return c;
    }
}
