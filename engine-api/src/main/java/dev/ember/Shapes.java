package dev.ember;

import dev.ember.backend.Layout;

import java.util.Arrays;

/** Shape arithmetic shared by the ops: broadcasting, dimension wrapping, view inference. */
final class Shapes {
    private Shapes() {
    }

    /** {@code [2, 3]}. */
    static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    /** The broadcast shape of two shapes, or PyTorch's error. */
    static int[] broadcast(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        // from the last dimension, as PyTorch's infer_size: the error names the last mismatch
        for (int i = n - 1; i >= 0; i--) {
            int ia = a.length - n + i;
            int ib = b.length - n + i;
            int da = ia >= 0 ? a[ia] : 1;
            int db = ib >= 0 ? b[ib] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("The size of tensor a (" + da + ") must match the size of tensor b ("
                        + db + ") at non-singleton dimension " + i);
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Whether {@code from} can be expanded to {@code to}. */
    static boolean expandable(int[] from, int[] to) {
        if (from.length > to.length) {
            return false;
        }
        for (int i = 0; i < from.length; i++) {
            int f = from[from.length - 1 - i];
            int t = to[to.length - 1 - i];
            if (f != t && f != 1) {
                return false;
            }
        }
        return true;
    }

    /** A dimension index in [0, rank), from one in [-rank, rank). Scalars accept -1 and 0. */
    static int wrapDim(int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new IndexOutOfBoundsException("Dimension out of range (expected to be in range of [" + (-r) + ", "
                    + (r - 1) + "], but got " + dim + ")");
        }
        return dim < 0 ? dim + r : dim;
    }

    /** Checks sizes for factories: no negative dimension. */
    static int[] checkSizes(int[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException("size must be an array of ints, not null");
        }
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("Trying to create tensor with negative dimension " + d + ": " + str(shape));
            }
        }
        return shape.clone();
    }

    /**
     * The number of elements of a new storage of {@code shape} and {@code dtype}, checked exactly: PyTorch's error when
     * its byte size overflows a 64-bit integer, and Ember's when it exceeds what one storage holds
     * ({@link Layout#MAX_STORAGE_ELEMENTS}). Sizes must already be non-negative.
     */
    static long storageNumel(int[] shape, DType dtype) {
        return storageNumel(shape, dtype, null);
    }

    /**
     * {@link #storageNumel(int[], DType)} for a storage on {@code device}: a meta storage holds no elements, so only
     * PyTorch's overflow check applies to it, not Ember's limit on a storage with data.
     */
    static long storageNumel(int[] shape, DType dtype, Device device) {
        long numel = 1;
        long bytes = dtype.itemSize();
        boolean overflow = false;
        boolean empty = false;
        for (int d : shape) {
            empty |= d == 0;
            try {
                numel = Math.multiplyExact(numel, d);
                bytes = Math.multiplyExact(bytes, d);
            } catch (ArithmeticException e) {
                overflow = true;
            }
        }
        if (empty) {
            return 0;
        }
        if (overflow) {
            throw new IllegalArgumentException("Storage size calculation overflowed with sizes=" + str(shape));
        }
        if (numel > Layout.MAX_STORAGE_ELEMENTS && device != null && device.isMeta() && numel / shape[0] > Integer.MAX_VALUE) {
            // a meta storage holds any number of elements, but a layout's strides are ints
            throw new IllegalArgumentException("a tensor of sizes=" + str(shape) + " would have stride " + numel / shape[0]
                    + " in dimension 0; Ember's strides are at most " + Integer.MAX_VALUE);
        }
        if (numel > Layout.MAX_STORAGE_ELEMENTS && (device == null || !device.isMeta())) {
            throw new IllegalArgumentException("a tensor of sizes=" + str(shape) + " has " + numel + " elements; one Ember "
                    + "tensor stores at most " + Layout.MAX_STORAGE_ELEMENTS);
        }
        return numel;
    }

    /**
     * The storage offset of a view, computed in {@code long}, as the {@code int} a layout holds. Only a meta tensor,
     * whose storage may hold more elements than an {@code int} indexes, can reach past it.
     *
     * @throws IllegalArgumentException when it does not fit an {@code int}
     */
    static int viewOffset(long offset) {
        if (offset > Integer.MAX_VALUE || offset < 0) {
            throw new IllegalArgumentException("the view would start at element " + offset + " of its storage; Ember's "
                    + "storage offsets are at most " + Integer.MAX_VALUE + " (a meta tensor may be larger, but no view of "
                    + "it can start past that element)");
        }
        return (int) offset;
    }

    /** A size computed in {@code long} as an {@code int} dimension, or an error naming what it was for. */
    static int toSize(long size, String what) {
        if (size > Integer.MAX_VALUE || size < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(what + " would have size " + size + "; Ember's dimensions are at most "
                    + Integer.MAX_VALUE);
        }
        return (int) size;
    }

    /** Resolves one -1 in a requested view shape against a number of elements, or PyTorch's error. */
    static int[] inferSize(int[] shape, long numel) {
        if (shape == null) {
            throw new IllegalArgumentException("shape must be an array of ints, not null");
        }
        int[] out = shape.clone();
        int infer = -1;
        long known = 1;
        boolean overflow = false;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("only one dimension can be inferred");
                }
                infer = i;
            } else if (out[i] < 0) {
                throw new IllegalArgumentException("invalid shape dimension " + out[i]);
            } else {
                long hi = Math.multiplyHigh(known, out[i]);
                known *= out[i];
                overflow |= hi != 0 || known < 0;
            }
        }
        boolean zero = false;
        for (int d : out) {
            zero |= d == 0;
        }
        if (overflow && !zero) {
            throw new IllegalArgumentException("shape '" + str(shape) + "' is invalid for input of size " + numel);
        }
        if (infer >= 0) {
            if (numel == 0 && zero) {
                throw new IllegalArgumentException("cannot reshape tensor of 0 elements into shape " + str(shape)
                        + " because the unspecified dimension size -1 can be any value and is ambiguous");
            }
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("shape '" + str(shape) + "' is invalid for input of size " + numel);
            }
            out[infer] = toSize(numel / known, "the inferred dimension " + infer + " of shape '" + str(shape) + "'");
        } else if (zero ? numel != 0 : known != numel) {
            throw new IllegalArgumentException("shape '" + str(shape) + "' is invalid for input of size " + numel);
        }
        return out;
    }

    /**
     * Strides for viewing a layout under a new shape without copying, or null when impossible
     * (PyTorch's computeStride).
     */
    static int[] viewStrides(int[] oldShape, int[] oldStrides, int[] newShape) {
        int[] newStrides = new int[newShape.length];
        if (Layout.numel(oldShape) == 0 && java.util.Arrays.equals(oldShape, newShape)) {
            // PyTorch's computeStride: an empty tensor viewed as its own shape keeps its strides (as NumPy's)
            return oldStrides.clone();
        }
        if (Layout.numel(oldShape) == 0 || oldShape.length == 0) {
            return Layout.contiguousStrides(newShape);
        }
        int viewD = newShape.length - 1;
        long chunkBaseStride = oldStrides.length > 0 ? oldStrides[oldStrides.length - 1] : 1;
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int tensorD = oldShape.length - 1; tensorD >= 0; tensorD--) {
            tensorNumel *= oldShape[tensorD];
            if (tensorD == 0 || (oldShape[tensorD - 1] != 1 && oldStrides[tensorD - 1] != tensorNumel * chunkBaseStride)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    newStrides[viewD] = (int) (viewNumel * chunkBaseStride);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (tensorD > 0) {
                    chunkBaseStride = oldStrides[tensorD - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (viewD != -1) {
            return null;
        }
        return newStrides;
    }
}
