package dev.ember.bench;

import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;

/** Shared bits of the JMH benchmarks: the backend parameter and device synchronization. */
final class BenchSupport {
    /**
     * The JVM flag every benchmark fork runs with besides {@code --add-modules jdk.incubator.vector}, as the README
     * recommends on JDK 17: C2 there adds up the deoptimization counts of every inlined copy of a method, and past the
     * default per-method limit of 100 a kernel's vector stores and FMAs become calls that box every vector. Ember's
     * {@code VectorProfiles} keeps the Vector API's shared operator code from collecting such counts; the flag removes
     * the limit itself. Harmless on JDK 25, which keeps its intrinsics either way.
     */
    static final String TRAP_LIMIT = "-XX:PerMethodTrapLimit=100000";

    private BenchSupport() {
    }

    /** {@code cpu}, {@code cuda} or {@code auto}. */
    static Device device(String backend) {
        return Ember.resolve(backend);
    }

    /**
     * Drops the leaves' gradients before the next backward: each released ({@link dev.ember.Tensor#releaseGrad}, what
     * {@code optimizer.zeroGrad()} does), its memory back to the backend's pool, as a PyTorch twin's
     * {@code leaf.grad = None} frees PyTorch's. Left to the collector, a fresh multi-MiB gradient per call can cost page
     * faults that swamp the kernel (benchmarks/RESULTS.md, "CPU, session 51"). {@code -Dember.bench.setGradNull=true}
     * restores the harness before session 52 ({@code setGrad(null)}).
     *
     * @param leaves the tensors whose gradients go
     */
    static void releaseGrads(dev.ember.Tensor... leaves) {
        boolean old = Boolean.getBoolean("ember.bench.setGradNull");
        for (dev.ember.Tensor l : leaves) {
            if (old) {
                l.setGrad(null);
            } else {
                l.releaseGrad();
            }
        }
    }

    /** Waits for queued device work, so a CUDA timing covers the kernels and not only their launch. */
    static void sync(Device device) {
        Backend b = Backends.forDevice(device);
        b.synchronize(Math.max(device.index(), 0));
    }
}
