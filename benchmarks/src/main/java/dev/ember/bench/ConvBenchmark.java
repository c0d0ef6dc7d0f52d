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
 * conv2d forward, and forward + backward (input, weight and bias gradients), on the LeNet layers and a ResNet-style
 * 56x56 layer. GFLOP/s = 2 N O OH OW C KH KW / time for the forward, three times that with the backward.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", BenchSupport.TRAP_LIMIT})
public class ConvBenchmark {
    @Param({"cpu"})
    public String backend;

    /** lenet1: N=64, 1->6, 32x32, k5; lenet2: N=64, 6->16, 14x14, k5; resnet: N=32, 64->64, 56x56, k3 pad 1. */
    @Param({"lenet1", "lenet2", "resnet"})
    public String shape;

    private Tensor x;
    private Tensor w;
    private Tensor b;
    private int pad;
    private Device device;

    @Setup(Level.Trial)
    public void setUp() {
        device = BenchSupport.device(backend);
        Generator g = new Generator(1);
        int[] s;
        switch (shape) {
            case "lenet1": s = new int[] {64, 1, 32, 32, 6, 5, 0}; break;
            case "lenet2": s = new int[] {64, 6, 14, 14, 16, 5, 0}; break;
            default: s = new int[] {32, 64, 56, 56, 64, 3, 1};
        }
        x = Tensor.randn(g, DType.FLOAT32, s[0], s[1], s[2], s[3]).to(device).requiresGrad_(true);
        w = Tensor.randn(g, DType.FLOAT32, s[4], s[1], s[5], s[5]).mul(0.1).to(device).requiresGrad_(true);
        b = Tensor.zeros(s[4]).to(device).requiresGrad_(true);
        pad = s[6];
    }

    @Benchmark
    public Tensor forward() {
        Tensor y = Tensor.conv2d(x.detach(), w.detach(), b.detach(), new int[] {1}, new int[] {pad}, new int[] {1}, 1);
        BenchSupport.sync(device);
        return y;
    }

    @Benchmark
    public Tensor forwardBackward() {
        BenchSupport.releaseGrads(x, w, b);
        Tensor y = Tensor.conv2d(x, w, b, new int[] {1}, new int[] {pad}, new int[] {1}, 1);
        y.backward(y.onesLike());
        BenchSupport.sync(device);
        return w.grad();
    }
}
