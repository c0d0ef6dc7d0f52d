package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.AdaptiveMaxPool3d}: the maxima over the windows that divide the last three dimensions of a
 * 4-D or 5-D input into the output size. A null size keeps the input's size in that dimension (PyTorch's
 * {@code None}).
 */
public class AdaptiveMaxPool3d extends Module {
    private final Integer[] outputSize;
    private final boolean single;

    /** A cubic output of {@code size x size x size}. */
    public AdaptiveMaxPool3d(int size) {
        this.outputSize = new Integer[] {size, size, size};
        this.single = true;
    }

    /** An output of {@code d x h x w}; any may be null for the input's size. */
    public AdaptiveMaxPool3d(Integer d, Integer h, Integer w) {
        this.outputSize = new Integer[] {d, h, w};
        this.single = false;
    }

    @Override
    public Tensor forward(Tensor input) {
        return forwardWithIndices(input).values();
    }

    /** The maxima and their int64 flat indices {@code (d * H + h) * W + w} within each plane. */
    public Tensor.ValuesIndices forwardWithIndices(Tensor input) {
        Checks.tensor(input, "adaptive_max_pool3d", "input", 1);
        int[] size = single ? new int[] {outputSize[0], outputSize[0], outputSize[0]}
                : AdaptiveMaxPool2d.resolve(outputSize, input);
        return Functional.adaptiveMaxPool3dWithIndices(input, size);
    }

    /** PyTorch's {@code extra_repr}: the size as given ({@code 5}, {@code (5, 6, 7)}, {@code (None, 6, 7)}). */
    @Override
    public String extraRepr() {
        if (single) {
            return "output_size=" + outputSize[0];
        }
        StringBuilder s = new StringBuilder("output_size=(");
        for (int i = 0; i < 3; i++) {
            s.append(i > 0 ? ", " : "").append(outputSize[i] == null ? "None" : outputSize[i].toString());
        }
        return s.append(')').toString();
    }
}
