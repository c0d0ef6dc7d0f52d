package dev.ember.backend;

import dev.ember.DType;
import dev.ember.Device;

/**
 * A flat buffer of elements of one {@link DType} on one {@link Device}, owned by a {@link Backend}.
 * Tensors and their views share a storage; the engine closes it when the last tensor over it closes
 * ({@code Tensor.close()}). {@link #close()} releases device memory at once; a backend must also release it when
 * the storage becomes unreachable without being closed.
 */
public interface Storage extends AutoCloseable {
    /** The element type. */
    DType dtype();

    /** The number of elements. */
    long numel();

    /** Where the elements live. */
    Device device();

    /** Releases the memory now. Further use of the storage is an error. Idempotent. */
    @Override
    void close();
}
