package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.MaxUnpool2d}: the inverse of {@link MaxPool2d} with indices ({@link Functional#maxUnpool2d}). The
 * forward takes the pooled values and their indices ({@link #forward(Tensor, Tensor, int[])}, or
 * {@link #apply(Tensor, Tensor, int[])} with hooks).
 */
public class MaxUnpool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;

    /** Square window, stride = window, no padding. */
    public MaxUnpool2d(int kernel) {
        this(new int[] {kernel}, null, new int[] {0});
    }

    /** Each setting one int (for both dimensions) or a pair; a null or empty stride means the window, as PyTorch. */
    public MaxUnpool2d(int[] kernel, int[] stride, int[] padding) {
        this.kernel = Checks.pair(Checks.notNull(kernel, "kernel_size"));
        this.stride = stride == null || stride.length == 0 ? this.kernel.clone() : Checks.pair(stride);
        this.padding = Checks.pair(Checks.notNull(padding, "padding"));
    }

    /** PyTorch's error: unpooling needs the indices (use {@link #forward(Tensor, Tensor, int[])}). */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("MaxUnpool2d.forward() missing 1 required positional argument: 'indices'");
    }

    /** Unpools to the default output size. */
    public Tensor forward(Tensor input, Tensor indices) {
        return forward(input, indices, null);
    }

    /** Unpools to {@code outputSize} (2 sizes, or 4 whose last 2 are used; null for the default). */
    public Tensor forward(Tensor input, Tensor indices, int[] outputSize) {
        return Functional.maxUnpool2d(input, indices, kernel, stride, padding, outputSize);
    }

    /** {@link #forward(Tensor, Tensor, int[])} called with this module's hooks, which see {@code [input, indices]}. */
    public Tensor apply(Tensor input, Tensor indices, int[] outputSize) {
        return call(Arrays.asList(input, indices), in -> forward(in.get(0), in.get(1), outputSize), List::of, l -> l.get(0));
    }

    @Override
    public String extraRepr() {
        return "kernel_size=" + tuple(kernel) + ", stride=" + tuple(stride) + ", padding=" + tuple(padding);
    }
}
