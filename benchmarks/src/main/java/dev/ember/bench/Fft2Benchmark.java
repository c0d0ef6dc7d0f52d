package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Fft;
import dev.ember.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Two-dimensional transforms through the public API, as a Fourier neural operator's spectral layer runs them: {@code
 * Fft.rfft2} of a float32 [32, 16, 64, 64] tensor (the last dim by the real kernel, then dim -2, not the last, by the
 * complex one), {@code Fft.irfft2} of its spectrum back to 64 x 64, and {@code Fft.fft2} of a complex64 [32, 16, 64, 64]
 * tensor. Each result is closed at once. Twins: {@code torch.fft.rfft2}, {@code irfft2}, {@code fft2} in
 * {@code benchmarks/pytorch/cpu_bench.py} (rows named "fft2 ...").
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", BenchSupport.TRAP_LIMIT})
public class Fft2Benchmark {
    private Tensor real;
    private Tensor spectrum;
    private Tensor complex;

    @Setup(Level.Trial)
    public void setUp() {
        real = Tensor.randn(DType.FLOAT32, 32, 16, 64, 64);
        spectrum = Fft.rfft2(real);
        complex = Tensor.randn(DType.COMPLEX64, 32, 16, 64, 64);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        real.close();
        spectrum.close();
        complex.close();
    }

    @Benchmark
    public int rfft2() {
        return closed(Fft.rfft2(real));
    }

    @Benchmark
    public int irfft2() {
        return closed(Fft.irfft2(spectrum));
    }

    @Benchmark
    public int fft2() {
        return closed(Fft.fft2(complex));
    }

    /** The result's rank, the result closed (its memory back at once, as a loop over batches would). */
    private static int closed(Tensor out) {
        int d = out.dim();
        out.close();
        return d;
    }
}
