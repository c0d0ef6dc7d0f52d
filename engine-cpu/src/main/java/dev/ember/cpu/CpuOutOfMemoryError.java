package dev.ember.cpu;

/**
 * The Java heap cannot hold a new tensor's storage, as PyTorch's {@code DefaultCPUAllocator} error. Unlike the JVM's
 * {@link OutOfMemoryError} it leaves the program able to go on: nothing was allocated, every tensor is as it was.
 */
public final class CpuOutOfMemoryError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CpuOutOfMemoryError(String message) {
        super(message);
    }
}
