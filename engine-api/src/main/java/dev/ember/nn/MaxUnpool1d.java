package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.MaxUnpool1d}: the partial inverse of {@link MaxPool1d}, each value written at its index in a zero
 * output ({@link Functional#maxUnpool1d}). Its forward takes the indices, and optionally the output size.
 */
public class MaxUnpool1d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;

    /** Stride = window, no padding (PyTorch's defaults). */
    public MaxUnpool1d(int kernel) {
        this(kernel, kernel, 0);
    }

    /** The given stride, the other options PyTorch's defaults. */
    public MaxUnpool1d(int kernel, int stride) {
        this(kernel, stride, 0);
    }

    /** Every option, in PyTorch's order ({@code kernel_size, stride, padding}). */
    public MaxUnpool1d(int kernel, int stride, int padding) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    /** PyTorch's forward needs the indices: a call without them fails as PyTorch's does. */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("MaxUnpool1d.forward() missing 1 required positional argument: 'indices'");
    }

    /** The unpooled values at the default output size. */
    public Tensor forward(Tensor input, Tensor indices) {
        return forward(input, indices, null);
    }

    /** The unpooled values; {@code outputSize} (1 or 3 sizes) may be null for the default. */
    public Tensor forward(Tensor input, Tensor indices, int[] outputSize) {
        return Functional.maxUnpool1d(input, indices, kernel, stride, padding, outputSize);
    }

    /** {@link #forward(Tensor, Tensor, int[])} called with this module's hooks. */
    public Tensor apply(Tensor input, Tensor indices, int[] outputSize) {
        return call(Arrays.asList(input, indices), in -> forward(in.get(0), in.get(1), outputSize), List::of, l -> l.get(0));
    }

    /** PyTorch's {@code extra_repr}: one-element tuples ({@code _single}). */
    @Override
    public String extraRepr() {
        return "kernel_size=(" + kernel + ",), stride=(" + stride + ",), padding=(" + padding + ",)";
    }
}
