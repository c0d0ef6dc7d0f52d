package dev.ember.nn;

import dev.ember.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code torch.nn.MaxUnpool3d}: the inverse of {@link MaxPool3d} with indices ({@link Functional#maxUnpool3d}). The
 * forward takes the pooled values and their indices ({@link #forward(Tensor, Tensor, int[])}, or
 * {@link #apply(Tensor, Tensor, int[])} with hooks).
 */
public class MaxUnpool3d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;

    /** Cubic window, stride = window, no padding. */
    public MaxUnpool3d(int kernel) {
        this(new int[] {kernel}, null, new int[] {0});
    }

    /** Each setting one int (for all three dimensions) or three; a null or empty stride means the window, as PyTorch. */
    public MaxUnpool3d(int[] kernel, int[] stride, int[] padding) {
        this.kernel = triple(Checks.notNull(kernel, "kernel_size"));
        this.stride = stride == null || stride.length == 0 ? this.kernel.clone() : triple(stride);
        this.padding = triple(Checks.notNull(padding, "padding"));
    }

    private static int[] triple(int[] v) {
        return v.length == 1 ? new int[] {v[0], v[0], v[0]} : v.clone();
    }

    /** PyTorch's error: unpooling needs the indices (use {@link #forward(Tensor, Tensor, int[])}). */
    @Override
    public Tensor forward(Tensor input) {
        throw new IllegalArgumentException("MaxUnpool3d.forward() missing 1 required positional argument: 'indices'");
    }

    /** Unpools to the default output size. */
    public Tensor forward(Tensor input, Tensor indices) {
        return forward(input, indices, null);
    }

    /** Unpools to {@code outputSize} (3 sizes, or 5 whose last 3 are used; null for the default). */
    public Tensor forward(Tensor input, Tensor indices, int[] outputSize) {
        return Functional.maxUnpool3d(input, indices, kernel, stride, padding, outputSize);
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
