package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
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
 * Reductions, softmax and the elementwise ops around them on a 2048x2048 matrix (float32 unless named): sums over
 * rows, over columns and of everything, float64 sums, max/argmax over rows, softmax and log-softmax over rows, and
 * division and square root (the ops whose loops were scalar before session 22). Twin:
 * {@code benchmarks/pytorch/reduce_bench.py}, the same ops and shapes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", BenchSupport.TRAP_LIMIT})
public class ReduceBenchmark {
    @Param({"cpu"})
    public String backend;

    private Device device;
    private Tensor matrix;
    private Tensor doubles;
    private Tensor positive;
    private Tensor column;

    @Setup(Level.Trial)
    public void setUp() {
        device = BenchSupport.device(backend);
        Generator g = new Generator(1);
        matrix = Tensor.randn(g, DType.FLOAT32, 2048, 2048).to(device);
        doubles = matrix.to(DType.FLOAT64);
        positive = matrix.abs().add(0.5);
        column = positive.sum(new int[] {1}, true);
    }

    private Tensor done(Tensor t) {
        BenchSupport.sync(device);
        return t;
    }

    @Benchmark
    public Tensor sumAll() {
        return done(matrix.sum());
    }

    @Benchmark
    public Tensor sumDim1() {
        return done(matrix.sum(new int[] {1}, false));
    }

    @Benchmark
    public Tensor sumDim1Float64() {
        return done(doubles.sum(new int[] {1}, false));
    }

    @Benchmark
    public Tensor sumDim0Float64() {
        return done(doubles.sum(new int[] {0}, false));
    }

    @Benchmark
    public Tensor amaxDim1() {
        return done(matrix.amax(new int[] {1}, false));
    }

    @Benchmark
    public Tensor argmaxDim1() {
        return done(matrix.argmax(1, false));
    }

    @Benchmark
    public Tensor softmaxDim1() {
        return done(matrix.softmax(1));
    }

    @Benchmark
    public Tensor logSoftmaxDim1() {
        return done(matrix.logSoftmax(1));
    }

    @Benchmark
    public Tensor divByColumn() {
        return done(positive.div(column));
    }

    @Benchmark
    public Tensor sqrt() {
        return done(positive.sqrt());
    }
}
