package dev.ember.nn;

import dev.ember.Tensor;

/** {@code torch.nn.AdaptiveAvgPool1d}: the means over the windows that divide the last dimension into the output size. */
public class AdaptiveAvgPool1d extends Module {
    private final int outputSize;

    /** An output of {@code outputSize} along the last dimension. */
    public AdaptiveAvgPool1d(int outputSize) {
        this.outputSize = outputSize;
    }

    @Override
    public Tensor forward(Tensor input) {
        return Functional.adaptiveAvgPool1d(input, outputSize);
    }

    /** PyTorch's {@code extra_repr}. */
    @Override
    public String extraRepr() {
        return "output_size=" + outputSize;
    }
}
