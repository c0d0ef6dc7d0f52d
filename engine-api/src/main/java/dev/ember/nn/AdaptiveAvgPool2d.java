package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.AdaptiveAvgPool2d}: averages over the windows that divide the last two dimensions of a 3-D or 4-D
 * input into the output size. A null size keeps the input's size in that dimension (PyTorch's {@code None}).
 */
public class AdaptiveAvgPool2d extends Module {
    private final Integer[] outputSize;
    private final boolean single;

    /** A square output of {@code size x size}. */
    public AdaptiveAvgPool2d(int size) {
        this.outputSize = new Integer[] {size, size};
        this.single = true;
    }

    /** An output of {@code h x w}; either may be null for the input's size. */
    public AdaptiveAvgPool2d(Integer h, Integer w) {
        this.outputSize = new Integer[] {h, w};
        this.single = false;
    }

    @Override
    public Tensor forward(Tensor input) {
        Checks.tensor(input, "adaptive_avg_pool2d", "input", 1);
        if (single) {
            return Functional.adaptiveAvgPool2d(input, outputSize[0]);
        }
        return Functional.adaptiveAvgPool2d(input, AdaptiveMaxPool2d.resolve(outputSize, input));
    }

    /** PyTorch's {@code extra_repr}: the size as given ({@code 5}, {@code (5, 7)}, {@code (None, 7)}). */
    @Override
    public String extraRepr() {
        return "output_size=" + AdaptiveMaxPool2d.sizeRepr(outputSize, single);
    }
}
