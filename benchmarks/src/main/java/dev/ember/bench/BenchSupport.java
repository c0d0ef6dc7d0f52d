package dev.ember.bench;

import dev.ember.Device;
import dev.ember.Ember;
import dev.ember.backend.Backend;
import dev.ember.backend.Backends;

/** Shared bits of the JMH benchmarks: the backend parameter and device synchronization. */
final class BenchSupport {
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
