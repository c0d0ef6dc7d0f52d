package dev.ember.backend;

import dev.ember.DType;
import dev.ember.Device;

/**
 * A flat buffer of elements of one {@link DType} on one {@link Device}, owned by a {@link Backend}.
 * Tensors and their views share a storage. {@link #close()} releases device memory early; a backend
 * must also release it when the storage becomes unreachable.
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
