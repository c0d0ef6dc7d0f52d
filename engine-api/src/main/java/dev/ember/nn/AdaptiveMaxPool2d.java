package dev.ember.nn;

import dev.ember.Tensor;

/**
 * {@code torch.nn.AdaptiveMaxPool2d}: the maxima over the windows that divide the last two dimensions of a 3-D or 4-D
 * input into the output size. A null size keeps the input's size in that dimension (PyTorch's {@code None}).
 * {@link #forward} returns the maxima; {@link #forwardWithIndices} also their flat indices within each plane (what
 * PyTorch's module returns with {@code return_indices=True}, which this module records for its printout only).
 */
public class AdaptiveMaxPool2d extends Module {
    private final Integer[] outputSize;
    private final boolean single;
    private final boolean returnIndices;

    /** A square output of {@code size x size}. */
    public AdaptiveMaxPool2d(int size) {
        this.outputSize = new Integer[] {size, size};
        this.single = true;
        this.returnIndices = false;
    }

    /** An output of {@code h x w}; either may be null for the input's size. */
    public AdaptiveMaxPool2d(Integer h, Integer w) {
        this(h, w, false);
    }

    /** An output of {@code h x w} (either may be null), with PyTorch's {@code return_indices} flag. */
    public AdaptiveMaxPool2d(Integer h, Integer w, boolean returnIndices) {
        this.outputSize = new Integer[] {h, w};
        this.single = false;
        this.returnIndices = returnIndices;
    }

    /** Whether the module was made with {@code return_indices=True}. */
    public boolean returnIndices() {
        return returnIndices;
    }

    @Override
    public Tensor forward(Tensor input) {
        return forwardWithIndices(input).values();
    }

    /** The maxima and their int64 flat indices ({@code h * W + w}) within each plane. */
    public Tensor.ValuesIndices forwardWithIndices(Tensor input) {
        Checks.tensor(input, "adaptive_max_pool2d", "input", 1);
        if (single) {
            return dev.ember.ResampleFunctions.adaptiveMaxPool2d(input, new int[] {outputSize[0], outputSize[1]});
        }
        return Functional.adaptiveMaxPool2dWithIndices(input, resolve(outputSize, input));
    }

    /** PyTorch's {@code _list_with_default}: None sizes from the input's last dimensions. */
    static int[] resolve(Integer[] size, Tensor input) {
        if (input.dim() <= size.length) {
            throw new IllegalArgumentException("Input dimension should be at least " + (size.length + 1));
        }
        int[] out = new int[size.length];
        for (int i = 0; i < size.length; i++) {
            out[i] = size[i] != null ? size[i] : input.size(input.dim() - size.length + i);
        }
        return out;
    }

    /** An output size as PyTorch prints it: the int, or the tuple with {@code None}. */
    static String sizeRepr(Integer[] size, boolean single) {
        if (single) {
            return String.valueOf(size[0]);
        }
        return "(" + (size[0] == null ? "None" : size[0]) + ", " + (size[1] == null ? "None" : size[1]) + ")";
    }

    /** PyTorch's {@code extra_repr}: the size as given. */
    @Override
    public String extraRepr() {
        return "output_size=" + sizeRepr(outputSize, single);
    }
}
