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
 * Ops on tensors that are not row-major, where the kernels' loop order decides the speed: a transposed 2048x2048
 * float32 matrix copied into a row-major one ({@code t().contiguous()}'s copy, into a preallocated tensor), the
 * attention heads' {@code [8, 512, 8, 64].transpose(1, 2)} copied row-major (rows of 64), an in-place {@code add_}
 * into a transposed matrix, and sums and maxima over the leading dimension of a row-major matrix
 * ({@code x.sum(0)}: the bias gradient's shape) and of {@code [64, 128, 256]}. Twin:
 * {@code benchmarks/pytorch/layout_bench.py}, the same ops and shapes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", BenchSupport.TRAP_LIMIT})
public class LayoutBenchmark {
    @Param({"cpu"})
    public String backend;

    private Device device;
    private Tensor transposed;
    private Tensor rowMajorTarget;
    private Tensor heads;
    private Tensor headsTarget;
    private Tensor inplaceTarget;
    private Tensor addend;
    private Tensor matrix;
    private Tensor cube;

    @Setup(Level.Trial)
    public void setUp() {
        device = BenchSupport.device(backend);
        Generator g = new Generator(1);
        transposed = Tensor.randn(g, DType.FLOAT32, 2048, 2048).to(device).t();
        rowMajorTarget = Tensor.zeros(2048, 2048).to(device);
        heads = Tensor.randn(g, DType.FLOAT32, 8, 512, 8, 64).to(device).transpose(1, 2);
        headsTarget = Tensor.zeros(8, 8, 512, 64).to(device);
        inplaceTarget = Tensor.randn(g, DType.FLOAT32, 2048, 2048).to(device).t();
        addend = Tensor.randn(g, DType.FLOAT32, 2048, 2048).to(device).t().mul(1e-6);
        matrix = Tensor.randn(g, DType.FLOAT32, 2048, 2048).to(device);
        cube = Tensor.randn(g, DType.FLOAT32, 64, 128, 256).to(device);
    }

    @Benchmark
    public Tensor transposeCopy() {
        rowMajorTarget.copy_(transposed);
        BenchSupport.sync(device);
        return rowMajorTarget;
    }

    @Benchmark
    public Tensor headsCopy() {
        headsTarget.copy_(heads);
        BenchSupport.sync(device);
        return headsTarget;
    }

    @Benchmark
    public Tensor addInPlaceTransposed() {
        inplaceTarget.add_(addend);
        BenchSupport.sync(device);
        return inplaceTarget;
    }

    @Benchmark
    public Tensor sumDim0() {
        Tensor s = matrix.sum(new int[] {0}, false);
        BenchSupport.sync(device);
        return s;
    }

    @Benchmark
    public Tensor amaxDim0() {
        Tensor s = matrix.amax(new int[] {0}, false);
        BenchSupport.sync(device);
        return s;
    }

    @Benchmark
    public Tensor sumDim0Cube() {
        Tensor s = cube.sum(new int[] {0}, false);
        BenchSupport.sync(device);
        return s;
    }
}
