package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.AdaptiveMaxPool1d}: the maxima over the windows that divide the last dimension into the output size.
 * {@link #forward} returns the maxima; {@link #forwardWithIndices} also their indices (what PyTorch's module returns
 * with {@code return_indices=True}).
 */
public class AdaptiveMaxPool1d extends Module {
    private final int outputSize;
    private final boolean returnIndices;

    /** An output of {@code outputSize} along the last dimension. */
    public AdaptiveMaxPool1d(int outputSize) {
        this(outputSize, false);
    }

    /** An output of {@code outputSize}, with PyTorch's {@code return_indices} flag. */
    public AdaptiveMaxPool1d(int outputSize, boolean returnIndices) {
        this.outputSize = outputSize;
        this.returnIndices = returnIndices;
    }

    /** Whether the module was made with {@code return_indices=True}. */
    public boolean returnIndices() {
        return returnIndices;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.adaptiveMaxPool1d(input, outputSize);
    }

    /** The maxima and their int64 indices along the last dimension. */
    public Tensor.ValuesIndices forwardWithIndices(Tensor input) {
        return Functional.adaptiveMaxPool1dWithIndices(input, outputSize);
    }

    /** PyTorch's {@code extra_repr}. */
    @Override
    public String extraRepr() {
        return "output_size=" + outputSize;
    }
}
