package dev.ember;

import dev.ember.backend.Backends;

/**
 * A scope in which the factories create tensors on a device, as PyTorch 2.x's {@code with torch.device("meta"):}
 * (made by {@link Ember#deviceScope}): while it is open, {@link Ember#defaultDevice()} is its device on the thread that
 * opened it, so tensors and module parameters made there, in code that names no device, land on it. Scopes nest;
 * closing one restores the device that was in force when it opened (idempotent). Other threads keep their default, as
 * PyTorch's device context is a mode of the thread that enters it.
 */
public final class DeviceScope implements AutoCloseable {
    private static final ThreadLocal<Device> CURRENT = new ThreadLocal<>();

    private final Device device;
    private final Device previous;
    private final Thread owner;
    private boolean closed;

    DeviceScope(Device device) {
        Args.require(device, "device", "device", 1, "torch.device");
        Backends.forDevice(device); // fails now if it cannot run
        this.device = device;
        this.previous = CURRENT.get();
        this.owner = Thread.currentThread();
        CURRENT.set(device);
    }

    /** The device of the innermost open scope of the calling thread, or null outside every scope. */
    static Device current() {
        return CURRENT.get();
    }

    /** The scope's device. */
    public Device device() {
        return device;
    }

    /**
     * Restores the device in force when the scope opened.
     *
     * @throws IllegalStateException when called from another thread than the one that opened it
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        ThreadOwner.check(owner, "A device scope");
        closed = true;
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }
}
