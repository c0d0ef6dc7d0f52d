package dev.ember.bench;

import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;

/** Shared bits of the JMH benchmarks: the backend parameter and device synchronization. */
final class BenchSupport {
    /**
     * The JVM flag every benchmark fork runs with besides {@code --add-modules jdk.incubator.vector}, as the README
     * tells users on JDK 17. C2 there adds up the deoptimization counts of every inlined copy of a method, and the
     * Vector API's shared {@code VectorOperators.opCode} and {@code ImplCache.find} carry a few from their own
     * warm-up compiles: past 25 inlined operations a kernel reaches the default per-method limit of 100, C2 stops
     * speculating on types, and the store and FMA intrinsics that need an exact vector class become calls that box
     * every vector. Whether that happens depends on what warm-up recorded, so one run in two was 1.4x slower in its
     * steady state (README, "JVM options"). JDK 25 keeps its intrinsics without the flag; it is harmless there.
     */
    static final String TRAP_LIMIT = "-XX:PerMethodTrapLimit=100000";

    private BenchSupport() {
    }

    /** {@code cpu}, {@code cuda} or {@code auto}. */
    static Device device(String backend) {
        return Ember.resolve(backend);
    }

    /** Waits for queued device work, so a CUDA timing covers the kernels and not only their launch. */
    static void sync(Device device) {
        Backend b = Backends.forDevice(device);
        b.synchronize(Math.max(device.index(), 0));
    }
}
