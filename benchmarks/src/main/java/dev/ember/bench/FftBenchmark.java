package dev.ember.bench;

import dev.ember.DType;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;
import dev.ember.backend.Layout;
import dev.ember.backend.Storage;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The backend's complex-to-complex FFT kernel on the CPU, called through the SPI ({@code Backend.fft}) on a batch of
 * 256 float32 sequences (the real view of a complex64 [256, n] tensor): n = 1024 and 4096 (powers of two), 1000 (mixed
 * radix 4, 2 and 5) and 4099 (a prime: Bluestein's algorithm). Twin: {@code torch.fft.fft} of a complex64 [256, n]
 * tensor in {@code benchmarks/pytorch/cpu_bench.py}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", BenchSupport.TRAP_LIMIT})
public class FftBenchmark {
    @Param({"1024", "4096", "1000", "4099"})
    public int n;

    @Param({"256"})
    public int batch;

    private Backend cpu;
    private Storage src;
    private Storage dst;
    private Layout layout;

    @Setup(Level.Trial)
    public void setUp() {
        cpu = Backends.find("cpu");
        float[] x = new float[2 * batch * n];
        Random rnd = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        src = cpu.fromArray(x, DType.FLOAT32, 0);
        dst = cpu.allocate(DType.FLOAT32, x.length, 0);
        layout = Layout.contiguous(batch, n, 2);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        src.close();
        dst.close();
    }

    @Benchmark
    public Storage forward() {
        cpu.fft(src, layout, dst, layout, false);
        return dst;
    }
}
