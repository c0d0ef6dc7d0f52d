package dev.ember.backend;

import java.util.Arrays;

/**
 * How a tensor's elements sit in its storage: shape, strides (in elements) and the offset of the
 * first element. Views share storage and differ only in layout. Immutable.
 *
 * <p>Sizes, strides and offsets are {@code int}: a storage holds at most {@link #MAX_STORAGE_ELEMENTS} elements, so every
 * element a layout addresses has an {@code int} index. The number of elements is a {@code long}: a broadcast view
 * (stride 0) can have far more elements than its storage, and kernels count them in {@code long} or iterate only the
 * dimensions that address distinct elements.
 */
public final class Layout {
    /**
     * The most elements one storage holds on any backend: the largest Java array, so that the CPU backend can hold what
     * any other backend can, and element indices fit in an {@code int}.
     */
    public static final int MAX_STORAGE_ELEMENTS = Integer.MAX_VALUE - 8;

    private final int[] shape;
    private final int[] strides;
    private final int offset;
    private final long numel;

    /**
     * A layout; the arrays are copied.
     *
     * @throws IllegalArgumentException if the ranks differ, or the number of elements overflows a {@code long}
     */
    public Layout(int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.offset = offset;
        this.numel = numel(this.shape);
    }

    /** The contiguous (row-major) layout of a shape, at offset 0. */
    public static Layout contiguous(int... shape) {
        return new Layout(shape, contiguousStrides(shape), 0);
    }

    /**
     * Row-major strides of a shape. A shape with no elements addresses nothing, so where its strides would pass
     * {@code Integer.MAX_VALUE} they stop at {@code Integer.MAX_VALUE - 1} (even, so that the real view of a complex
     * layout and {@code view_as_complex} of a float one still take them).
     */
    public static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc > Integer.MAX_VALUE ? Integer.MAX_VALUE - 1 : (int) acc;
            acc = Math.min(acc * Math.max(shape[i], 1), 1L << 40);
        }
        return s;
    }

    /**
     * Number of elements of a shape, computed exactly.
     *
     * @throws IllegalArgumentException ({@code "numel: integer multiplication overflow"}, PyTorch's words) if it does not
     *         fit in a {@code long}
     */
    public static long numel(int[] shape) {
        long n = 1;
        boolean overflow = false;
        for (int d : shape) {
            long hi = Math.multiplyHigh(n, d);
            long lo = n * d;
            // exact when the high word is the sign extension of the low word
            overflow |= hi != (lo >> 63);
            n = lo;
        }
        if (overflow) {
            for (int d : shape) {
                if (d == 0) {
                    return 0;
                }
            }
            throw new IllegalArgumentException("numel: integer multiplication overflow");
        }
        return n;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** A copy of the strides. */
    public int[] strides() {
        return strides.clone();
    }

    /** Size of dimension {@code d}. */
    public int size(int d) {
        return shape[d];
    }

    /** Stride of dimension {@code d}. */
    public int stride(int d) {
        return strides[d];
    }

    /** Offset of the first element in the storage. */
    public int offset() {
        return offset;
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Number of elements (a broadcast view can have more than {@link #MAX_STORAGE_ELEMENTS}). */
    public long numel() {
        return numel;
    }

    /**
     * Number of elements of a layout that a backend materializes or iterates element by element (an output, a dense
     * input), which fits its storage.
     *
     * @throws IllegalStateException if it does not fit in an {@code int}: a caller broke the SPI's contract
     */
    public int numelInt() {
        if (numel > Integer.MAX_VALUE) {
            throw new IllegalStateException("a layout of " + numel + " elements reached a kernel that needs at most "
                    + Integer.MAX_VALUE + ": " + this);
        }
        return (int) numel;
    }

    /**
     * Whether the elements are laid out row-major without gaps (size-1 dimensions may have any stride; an empty layout
     * is contiguous, as PyTorch's).
     */
    public boolean isContiguous() {
        for (int s : shape) {
            if (s == 0) {
                return true; // no element to place, as PyTorch's is_contiguous of an empty tensor
            }
        }
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) {
                continue;
            }
            if (strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /**
     * The same iteration over fewer dimensions: drops size-1 dimensions and merges neighbours that are
     * contiguous in every layout (all of one shape), so a kernel walks long rows. Offsets are kept; the result has
     * at least one dimension.
     */
    public static Layout[] coalesce(Layout... layouts) {
        int k = layouts.length;
        int[] s0 = layouts[0].shape;
        int[] shape = new int[Math.max(1, s0.length)];
        int[][] strides = new int[k][shape.length];
        int n = 0;
        for (int d = 0; d < s0.length; d++) {
            if (s0[d] == 1) {
                continue;
            }
            // (a merged size must stay an int: broadcast dimensions of every operand could otherwise merge past it)
            boolean merge = n > 0 && (long) shape[n - 1] * s0[d] <= Integer.MAX_VALUE;
            for (int o = 0; o < k && merge; o++) {
                merge = (long) strides[o][n - 1] == (long) layouts[o].strides[d] * s0[d];
            }
            if (merge) {
                shape[n - 1] *= s0[d];
                for (int o = 0; o < k; o++) {
                    strides[o][n - 1] = layouts[o].strides[d];
                }
            } else {
                shape[n] = s0[d];
                for (int o = 0; o < k; o++) {
                    strides[o][n] = layouts[o].strides[d];
                }
                n++;
            }
        }
        if (n == 0) {
            shape[0] = s0.length == 0 || layouts[0].numel != 0 ? 1 : 0;
            for (int o = 0; o < k; o++) {
                strides[o][0] = 1;
            }
            n = 1;
        }
        Layout[] out = new Layout[k];
        for (int o = 0; o < k; o++) {
            out[o] = new Layout(java.util.Arrays.copyOf(shape, n), java.util.Arrays.copyOf(strides[o], n), layouts[o].offset);
        }
        return out;
    }

    /** The largest storage index this layout touches plus one (0 for an empty layout). */
    public long extent() {
        long max = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) {
                return 0;
            }
            max += (long) (shape[i] - 1) * strides[i];
        }
        return max + 1;
    }

    @Override
    public String toString() {
        return "Layout" + Arrays.toString(shape) + " strides " + Arrays.toString(strides) + " offset " + offset;
    }
}
