package dev.ember.nn;

import dev.ember.DType;
import dev.ember.Format;
import dev.ember.Tensor;

import java.util.Arrays;

/** Argument checks shared by the nn package, with PyTorch's messages and its way of printing numbers. */
final class Checks {
    private Checks() {
    }

    /** PyTorch's argument-parser error for a missing tensor: an IllegalArgumentException, never a NullPointerException. */
    static void tensor(Tensor t, String op, String name, int position) {
        if (t == null) {
            throw new IllegalArgumentException(op + "(): argument '" + name + "' (position " + position
                    + ") must be Tensor, not null");
        }
    }

    /** The same for an int-list argument. */
    static void ints(int[] v, String op, String name, int position) {
        if (v == null) {
            throw new IllegalArgumentException(op + "(): argument '" + name + "' (position " + position
                    + ") must be tuple of ints, not null");
        }
    }

    /** PyTorch's error for tensors on different devices (null entries are skipped). */
    static void sameDevice(Tensor... ts) {
        dev.ember.Device d = null;
        for (Tensor t : ts) {
            if (t == null) {
                continue;
            }
            if (d == null) {
                d = t.device();
            } else if (!d.equals(t.device())) {
                dev.ember.Device a = d.isCpu() ? t.device() : d;
                dev.ember.Device b = d.isCpu() ? d : t.device();
                throw new IllegalArgumentException("Expected all tensors to be on the same device, but found at least two "
                        + "devices, " + a + " and " + b + "!");
            }
        }
    }

    /** A constructor argument that may not be null. */
    static <T> T notNull(T value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        return value;
    }

    /** Dropout's probability, in [0, 1]; nan is refused too (PyTorch's Python check lets it through to its kernel). */
    static void probability(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + Format.repr(p));
        }
    }

    /**
     * Label smoothing, in [0, 1]. PyTorch checks only values above 0 and silently ignores a negative or nan one; here
     * those are refused with the same message, as no smoothing is what they would give.
     */
    static void labelSmoothing(double s) {
        if (!(s >= 0 && s <= 1)) {
            throw new IllegalArgumentException("label_smoothing must be between 0.0 and 1.0. Got: " + Format.cpp(s));
        }
    }

    /** batch_norm's check of a per-channel tensor. */
    static void features(String name, int channels, Tensor t) {
        if (t.numel() != channels) {
            throw new IllegalArgumentException(name + " should contain " + channels + " elements not " + t.numel());
        }
    }

    /** PyTorch's expand check of {@code shape} against sizes computed in long. */
    static void expandable(Tensor t, long[] target) {
        int[] shape = t.shape();
        if (shape.length > target.length) {
            throw new IllegalArgumentException("expand(torch." + Format.scalarType(t.dtype()) + "Tensor{" + Arrays.toString(shape) + "}, size="
                    + Arrays.toString(target) + "): the number of sizes provided (" + target.length + ") must be greater or "
                    + "equal to the number of dimensions in the tensor (" + shape.length + ")");
        }
        for (int i = target.length - 1; i >= 0; i--) {
            int j = i - (target.length - shape.length);
            if (j < 0) {
                break;
            }
            if (shape[j] != target[i] && shape[j] != 1) {
                throw new IllegalArgumentException("The expanded size of the tensor (" + target[i] + ") must match the existing "
                        + "size (" + shape[j] + ") at non-singleton dimension " + i + ".  Target sizes: "
                        + Arrays.toString(target) + ".  Tensor sizes: " + Arrays.toString(shape));
            }
        }
    }

    /**
     * PyTorch's {@code _ConvNd} constructor checks, in its order: the kernel has {@code dims} values (after
     * {@link #pair}ing), groups is positive and divides both channel counts. {@code given} is the kernel as the caller
     * wrote it, for the message.
     */
    static void convModule(int dims, int[] kernel, int[] given, int in, int out, int groups) {
        if (kernel.length != dims) {
            throw new IllegalArgumentException("expected kernel_size to be a single integer value or a list of " + dims
                    + " values to match the convolution dimensions, but got kernel_size=" + java.util.Arrays.toString(given));
        }
        if (groups <= 0) {
            throw new IllegalArgumentException("groups must be a positive integer");
        }
        if (in % groups != 0) {
            throw new IllegalArgumentException("in_channels must be divisible by groups");
        }
        if (out % groups != 0) {
            throw new IllegalArgumentException("out_channels must be divisible by groups");
        }
    }

    /**
     * PyTorch's {@code _ConvTransposeNd._output_padding} with an {@code output_size}: the output padding (each in
     * {@code [0, stride)}) that makes the transposed convolution of {@code x} that size ({@code spatial} values, or the
     * full shape with the leading dimensions), checked in PyTorch's order and words: the count of values, then per
     * dimension the input's size (PyTorch's IndexError for a missing dimension) and the parameters, then the range.
     * Sizes in {@code long}, as Python's ints. A stride, padding or dilation with fewer than {@code spatial} values
     * (PyTorch's own {@code tuple index out of range} here) gets the message the convolution gives it without an
     * output size; more than {@code spatial} values are read as PyTorch reads them (the first ones) and left to the
     * convolution's check.
     */
    static int[] transposedOutputPadding(int spatial, Tensor x, int[] outputSize, int[] kernel, int[] stride, int[] padding,
                                         int[] dilation) {
        boolean batched = x.dim() == spatial + 2;
        int nonSpatial = batched ? 2 : 1;
        int[] size = outputSize;
        if (size.length == nonSpatial + spatial) {
            size = Arrays.copyOfRange(size, nonSpatial, size.length);
        }
        if (size.length != spatial) {
            throw new IllegalArgumentException("ConvTranspose" + spatial + "D: for " + x.dim() + "D input, output_size must have "
                    + spatial + " or " + (nonSpatial + spatial) + " elements (got " + size.length + ")");
        }
        long[] min = new long[spatial];
        long[] max = new long[spatial];
        for (int d = 0; d < spatial; d++) {
            long in = x.size(d + nonSpatial); // PyTorch's IndexError words for a dimension the input lacks
            long s = transposedParam(stride, "stride", d, spatial);
            long p = transposedParam(padding, "padding", d, spatial);
            long dil = transposedParam(dilation, "dilation", d, spatial);
            long k = transposedParam(kernel, "kernel_size", d, spatial);
            min[d] = (in - 1) * s - 2 * p + dil * (k - 1) + 1;
            max[d] = min[d] + s - 1;
        }
        for (int i = 0; i < spatial; i++) {
            if (size[i] < min[i] || size[i] > max[i]) {
                int[] in = Arrays.copyOfRange(x.shape(), Math.min(2, x.dim()), x.dim()); // input.size()[2:], as PyTorch
                throw new IllegalArgumentException("requested an output size of " + Arrays.toString(size) + ", but valid sizes "
                        + "range from " + Arrays.toString(min) + " to " + Arrays.toString(max) + " (for an input of "
                        + dev.ember.Format.size(in) + ")");
            }
        }
        int[] out = new int[spatial];
        for (int d = 0; d < spatial; d++) {
            out[d] = (int) (size[d] - min[d]); // in [0, stride)
        }
        return out;
    }

    private static long transposedParam(int[] v, String name, int d, int spatial) {
        if (d >= v.length) {
            throw new IllegalArgumentException("expected " + name + " to be a single integer value or a list of " + spatial
                    + " values to match the convolution dimensions, but got " + name + "=" + Arrays.toString(v));
        }
        return v[d];
    }

    /** One value for both dimensions, as PyTorch's {@code _pair}; other lengths are kept for the caller to judge. */
    static int[] pair(int[] v) {
        return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    }

    /** {@code v} {@code n} times, as PyTorch's {@code _ntuple(n)} of one int. */
    static int[] repeat(int v, int n) {
        int[] out = new int[n];
        java.util.Arrays.fill(out, v);
        return out;
    }

    /**
     * A weight of {@code rows x cols} float32 elements (an RNN's, an RNN cell's, attention's packed projection), its
     * sizes in long: PyTorch's "Storage size calculation overflowed" where its byte count passes int64 (PyTorch's own
     * allocation fails so), Ember's dimension limit ({@code what} would have size ...) where a size passes an int. A
     * negative size is left to {@code Tensor.empty}'s error, as PyTorch's.
     */
    static void weightSize(long rows, long cols, String what) {
        if (rows < 0 || cols < 0) {
            return;
        }
        if (Math.multiplyHigh(rows, cols * 4) != 0 || rows * cols * 4 < 0) {
            throw new IllegalArgumentException("Storage size calculation overflowed with sizes=[" + rows + ", " + cols + "]");
        }
        long big = Math.max(rows, cols);
        if (big > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " would have size " + big + "; Ember's dimensions are at most "
                    + Integer.MAX_VALUE);
        }
    }
}
