package dev.ember.nn;

import dev.ember.Tensor;

/**
 * A layer with a {@code weight} and an optional {@code bias}, both read as PyTorch reads them ({@link HasWeight}
 * explains why the accessors, not the final fields, are the ones to use after a weight is replaced or parametrized).
 */
public interface HasBias extends HasWeight {
    /** The bias the forward uses now, as PyTorch's {@code layer.bias}: null for a layer made without one. */
    default Tensor bias() {
        return parametrizedValue("bias");
    }
}
