package dev.ember.bench;

import dev.ember.DType;
import dev.ember.Device;
import dev.ember.Generator;
import dev.ember.Tensor;
import dev.ember.TensorScope;
import dev.ember.Ember;
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

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Causal self-attention forward and backward, {@code [batch, heads, L, 32]} float32: the fused kernel (FlashAttention's
 * blocked online softmax; what {@code scaledDotProductAttention} runs for 4-D inputs) against the unfused composition
 * (PyTorch's math path, which Ember runs for the same inputs viewed as 3-D {@code [batch * heads, L, 32]}), whose score
 * and probability matrices are {@code batch * heads * L * L} floats each.
 *
 * <p>JMH measures the time of one forward and backward ({@code java -jar benchmarks.jar AttentionBenchmark}). The
 * memory proof is the {@link #main} of this class, one configuration per JVM under a fixed heap: it runs a forward and
 * backward, samples the heap every millisecond and prints the peak (garbage included) and what the last collection left,
 * or the out-of-memory error:
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -Xmx1g -cp benchmarks/target/benchmarks.jar \
 *     dev.ember.bench.AttentionBenchmark fused 8192 2 4
 * }</pre>
 * (arguments: {@code fused} or {@code composition}, L, batch, heads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", BenchSupport.TRAP_LIMIT})
public class AttentionBenchmark {
    @Param({"cpu"})
    public String backend;

    /** Batch x heads x sequence length ({@code x}, not commas: JMH's {@code -p} splits its values at commas). */
    @Param({"32x4x128", "4x4x1024"})
    public String shape;

    private Tensor q;
    private Tensor k;
    private Tensor v;
    private Tensor gout;
    private Device device;

    @Setup(Level.Trial)
    public void setUp() {
        device = BenchSupport.device(backend);
        String[] s = shape.split("x");
        int[] dims = {Integer.parseInt(s[0]), Integer.parseInt(s[1]), Integer.parseInt(s[2]), 32};
        Generator g = new Generator(1);
        q = Tensor.randn(g, DType.FLOAT32, dims).to(device).requiresGrad_(true);
        k = Tensor.randn(g, DType.FLOAT32, dims).to(device).requiresGrad_(true);
        v = Tensor.randn(g, DType.FLOAT32, dims).to(device).requiresGrad_(true);
        gout = Tensor.randn(g, DType.FLOAT32, dims).to(device);
    }

    /** One causal forward and backward, fused or composed; the gradients are released afterwards. */
    static void step(boolean fused, Tensor q, Tensor k, Tensor v, Tensor gout) {
        try (TensorScope scope = Ember.scope()) {
            Tensor out;
            if (fused) {
                out = Functional.scaledDotProductAttention(q, k, v, null, 0.0, true, null);
            } else {
                int[] s = q.shape();
                int[] flat = {s[0] * s[1], s[2], s[3]};
                out = Functional.scaledDotProductAttention(q.view(flat), k.view(flat), v.view(flat), null, 0.0, true, null);
                out = out.view(s);
            }
            out.backward(gout);
        }
        q.releaseGrad();
        k.releaseGrad();
        v.releaseGrad();
    }

    @Benchmark
    public void fused() {
        step(true, q, k, v, gout);
        BenchSupport.sync(device);
    }

    @Benchmark
    public void composition() {
        step(false, q, k, v, gout);
        BenchSupport.sync(device);
    }

    /**
     * The memory proof: {@code fused|composition L batch heads}; prints the configuration, the peak heap used during a
     * forward and backward (sampled every millisecond, and the heap pools' peak usage), the time, or the error.
     */
    public static void main(String[] args) throws InterruptedException {
        boolean fused = args.length == 0 || args[0].equals("fused");
        int l = args.length > 1 ? Integer.parseInt(args[1]) : 8192;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int heads = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        int e = 32;
        long scoreBytes = 4L * batch * heads * l * l;
        System.out.printf("%s attention, causal, [%d, %d, %d, %d] float32, heap max %d MiB; one score matrix: %d MiB%n",
                fused ? "fused" : "composed", batch, heads, l, e, Runtime.getRuntime().maxMemory() >> 20, scoreBytes >> 20);
        Generator g = new Generator(1);
        Tensor q = Tensor.randn(g, DType.FLOAT32, batch, heads, l, e).requiresGrad_(true);
        Tensor k = Tensor.randn(g, DType.FLOAT32, batch, heads, l, e).requiresGrad_(true);
        Tensor v = Tensor.randn(g, DType.FLOAT32, batch, heads, l, e).requiresGrad_(true);
        Tensor gout = Tensor.randn(g, DType.FLOAT32, batch, heads, l, e);
        System.gc();
        long base = used();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        AtomicLong peak = new AtomicLong(base);
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(used(), Math::max);
                try {
                    Thread.sleep(1);
                } catch (InterruptedException ex) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        long t0 = System.nanoTime();
        String result;
        try {
            step(fused, q, k, v, gout);
            result = "ok";
        } catch (OutOfMemoryError | RuntimeException ex) {
            result = "failed: " + ex;
        }
        long t1 = System.nanoTime();
        sampler.interrupt();
        sampler.join();
        long afterGc = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                afterGc += pool.getCollectionUsage().getUsed();
            }
        }
        System.out.printf("%s in %.1f s; heap used before (inputs): %d MiB; sampled peak heap used (garbage included): %d "
                + "MiB; heap left after the last collection: %d MiB%n", result, (t1 - t0) / 1e9, base >> 20,
                peak.get() >> 20, afterGc >> 20);
    }

    private static long used() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
