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
 * tensor in {@code benchmarks/pytorch/cpu_bench.py}. {@code rfft}/{@code irfft}: the real transforms ({@code Backend.rfft},
 * {@code Backend.irfft}) of a float32 [256, n] batch and of its one-sided spectrum; twins {@code torch.fft.rfft} and
 * {@code torch.fft.irfft} (whose 1/n scaling is one pass more than the kernel's unnormalized result).
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
    private Storage real;
    private Storage spectrum;
    private Layout realLayout;
    private Layout spectrumLayout;

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
        real = cpu.fromArray(java.util.Arrays.copyOf(x, batch * n), DType.FLOAT32, 0);
        realLayout = Layout.contiguous(batch, n);
        spectrumLayout = Layout.contiguous(batch, n / 2 + 1, 2);
        spectrum = cpu.allocate(DType.FLOAT32, spectrumLayout.numel(), 0);
        cpu.rfft(real, realLayout, spectrum, spectrumLayout);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        src.close();
        dst.close();
        real.close();
        spectrum.close();
    }

    @Benchmark
    public Storage forward() {
        cpu.fft(src, layout, dst, layout, false);
        return dst;
    }

    @Benchmark
    public Storage rfft() {
        cpu.rfft(real, realLayout, dst, spectrumLayout);
        return dst;
    }

    @Benchmark
    public Storage irfft() {
        cpu.irfft(spectrum, spectrumLayout, src, realLayout);
        return src;
    }
}
