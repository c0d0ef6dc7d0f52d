package dev.ember.backend;

import java.util.Arrays;

/**
 * How a tensor's elements sit in its storage: shape, strides (in elements) and the offset of the
 * first element. Views share storage and differ only in layout. Immutable.
 */
public final class Layout {
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    /** A layout; the arrays are copied. */
    public Layout(int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.offset = offset;
    }

    /** The contiguous (row-major) layout of a shape, at offset 0. */
    public static Layout contiguous(int... shape) {
        return new Layout(shape, contiguousStrides(shape), 0);
    }

    /** Row-major strides of a shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(shape[i], 1);
        }
        return s;
    }

    /** Number of elements of a shape. */
    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
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

    /** Number of elements. */
    public int numel() {
        return (int) numel(shape);
    }

    /** Whether the elements are laid out row-major without gaps (size-1 dimensions may have any stride). */
    public boolean isContiguous() {
        int expected = 1;
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
