package dev.ember.backend;

import dev.ember.Device;
import dev.ember.profiler.ProfilingBackend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds backends with {@link ServiceLoader} and maps device types to them. A backend whose provider
 * fails to load (a missing native library, say) is recorded with the reason instead of failing the caller.
 */
public final class Backends {
    private static final Map<String, Backend> BY_TYPE = new ConcurrentHashMap<>();
    /** Each backend's profiler decorator, which {@link #forDevice} hands to tensors. */
    private static final Map<String, Backend> PROFILED = new ConcurrentHashMap<>();
    private static final List<String> LOAD_ERRORS = new ArrayList<>();

    static {
        ServiceLoader<Backend> loader = ServiceLoader.load(Backend.class, Backends.class.getClassLoader());
        var it = loader.iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                Backend b = it.next();
                BY_TYPE.putIfAbsent(b.deviceType(), b);
            } catch (ServiceConfigurationError | LinkageError e) {
                LOAD_ERRORS.add(String.valueOf(e));
            }
        }
        BY_TYPE.putIfAbsent("meta", new MetaBackend()); // no native code: always here
    }

    private Backends() {
    }

    /** The backend for a device type, or null when none is installed. */
    public static Backend find(String deviceType) {
        return BY_TYPE.get(deviceType);
    }

    /**
     * The backend serving a device, as tensors use it: wrapped in the profiler's recording decorator
     * ({@link ProfilingBackend}: one volatile read per kernel call while no profiler is open; see
     * {@link dev.ember.profiler.Profiler}). {@link ProfilingBackend#unwrap} (or {@link #find}) gives the backend itself,
     * for code that needs its own class.
     *
     * @throws IllegalStateException when none is installed or it cannot run here, saying why
     */
    public static Backend forDevice(Device device) {
        Backend b = BY_TYPE.get(device.type());
        if (b == null) {
            throw new IllegalStateException("No backend for device type '" + device.type()
                    + "' is on the class path (add engine-" + device.type() + ")"
                    + (LOAD_ERRORS.isEmpty() ? "" : "; load errors: " + LOAD_ERRORS));
        }
        if (!b.isAvailable()) {
            throw new IllegalStateException("The " + device.type() + " backend cannot run here: " + b.unavailableReason());
        }
        if (!device.isCpu() && device.index() >= b.deviceCount()) {
            throw new IllegalArgumentException("Invalid device ordinal " + device + ": " + b.deviceCount()
                    + " " + device.type() + " device(s) present");
        }
        Backend profiled = PROFILED.get(device.type());
        if (profiled == null || ProfilingBackend.unwrap(profiled) != b) {
            profiled = ProfilingBackend.wrap(b);
            PROFILED.put(device.type(), profiled);
        }
        return profiled;
    }

    /** Registers a backend programmatically (tests, embedders); replaces one of the same device type. */
    public static void register(Backend backend) {
        BY_TYPE.put(backend.deviceType(), backend);
    }

    /** Errors met while loading providers, for diagnostics. */
    public static List<String> loadErrors() {
        return List.copyOf(LOAD_ERRORS);
    }
}
