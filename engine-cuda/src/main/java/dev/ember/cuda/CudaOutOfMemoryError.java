package dev.ember.cuda;

/** Thrown when device memory runs out even after the allocator's cache was freed. */
public final class CudaOutOfMemoryError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CudaOutOfMemoryError(String message) {
        super(message);
    }
}
