package dev.ember.ao.quantization;

import dev.ember.DType;

/**
 * {@code torch.ao.quantization.NoopObserver}: an observer that records nothing (its forward returns its input) and
 * only says its module's output type: the activation post-process of {@link QConfig#DEFAULT_EMBEDDING_QAT}
 * ({@code NoopObserver.with_args(dtype=torch.float32)}), whose embeddings keep float outputs. Prints as PyTorch's,
 * {@code NoopObserver()}; {@link #calculateQparams()} is refused in PyTorch's words.
 */
public final class NoopObserver extends PassThroughObserver {
    /** {@code NoopObserver()}: PyTorch's default type, float16. */
    public NoopObserver() {
        this(DType.FLOAT16);
    }

    /**
     * {@code NoopObserver(dtype=dtype)}.
     *
     * @param dtype the output type it names
     * @throws IllegalArgumentException for a null type
     */
    public NoopObserver(DType dtype) {
        super(dtype);
    }
}
