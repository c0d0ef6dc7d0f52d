package dev.ember.nn;

import dev.ember.Tensor;

/**
 * What computes an embedding bag's bags: {@link EmbeddingBag}, and a module that replaces one in its parent
 * ({@link Module#setSubmodule}), such as the weight-only quantized embedding bag that
 * {@link dev.ember.ao.quantization.Quantization#convert} swaps in, to which the replaced bag's
 * {@link EmbeddingBag#forward(Tensor, Tensor, Tensor)} (and so its {@code apply(input, offsets)}, the call a model's
 * {@code forward} makes on its field) then forwards.
 */
public interface EmbeddingBagForward {
    /**
     * The bags of {@code input}, as PyTorch's {@code bag(input, offsets, per_sample_weights)}.
     *
     * @param input the indices: 2-D (a row a bag, {@code offsets} null) or 1-D with {@code offsets}
     * @param offsets the bags' starts, or null
     * @param perSampleWeights a weight an index, or null
     * @return {@code [bags, embedding_dim]}
     */
    Tensor forward(Tensor input, Tensor offsets, Tensor perSampleWeights);
}
