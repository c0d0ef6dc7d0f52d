package dev.ember.distributions;

import dev.ember.DType;
import dev.ember.Ember;
import dev.ember.Format;
import dev.ember.GradMode;
import dev.ember.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Shared helpers of the distributions, as {@code torch.distributions.utils}. */
final class Dist {
    private Dist() {
    }

    /** A tensor as an f-string prints it: a 0-dim tensor as its number (Python's repr), others as {@code tensor(...)}. */
    static String fmt(Tensor t) {
        if (t.dim() == 0) {
            double v;
            try (GradMode off = Ember.noGrad()) {
                v = t.detach().item();
            }
            if (t.dtype() == DType.BOOL) {
                return v != 0 ? "True" : "False";
            }
            if (!t.dtype().isFloatingPoint()) {
                return Long.toString((long) v);
            }
            return Format.repr(v);
        }
        return t.toString();
    }

    /** An ordered one-entry map (a distribution's {@code arg_constraints} or parameters by name). */
    static <V> Map<String, V> map(String k1, V v1) {
        Map<String, V> m = new LinkedHashMap<>();
        m.put(k1, v1);
        return m;
    }

    /** An ordered two-entry map. */
    static <V> Map<String, V> map(String k1, V v1, String k2, V v2) {
        Map<String, V> m = map(k1, v1);
        m.put(k2, v2);
        return m;
    }

    /** An ordered three-entry map. */
    static <V> Map<String, V> map(String k1, V v1, String k2, V v2, String k3, V v3) {
        Map<String, V> m = map(k1, v1, k2, v2);
        m.put(k3, v3);
        return m;
    }

    /** {@code torch.distributions.utils.euler_constant}, the Euler-Mascheroni constant. */
    static final double EULER = 0.57721566490153286060;

    /** Python's {@code tuple(shape)}: {@code ()}, {@code (2,)}, {@code (2, 3)}. */
    static String tuple(int[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            b.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return b.append(")").toString();
    }

    /**
     * A size a shape function computed exactly (Python's ints do not overflow) as Ember's {@code int} dimension, or an
     * IllegalArgumentException naming it: Ember's dimensions are at most {@code Integer.MAX_VALUE}.
     */
    static int size(long size, String fn) {
        if (size > Integer.MAX_VALUE || size < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(fn + ": the last dimension would have size " + size + "; Ember's "
                    + "dimensions are at most " + Integer.MAX_VALUE);
        }
        return (int) size;
    }

    static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** The broadcast of two shapes, or null where they do not broadcast. */
    static int[] broadcastOrNull(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int x = i < n - a.length ? 1 : a[i - (n - a.length)];
            int y = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (x != y && x != 1 && y != 1) {
                return null;
            }
            out[i] = x == 1 ? y : x;
        }
        return out;
    }

    /**
     * {@code torch.distributions.utils.broadcast_all}: the tensors expanded to their common shape (views that carry
     * gradient to the originals), PyTorch's error where they do not broadcast.
     */
    static Tensor[] broadcastAll(Tensor... values) {
        int[] shape = new int[0];
        for (Tensor v : values) {
            int[] s = broadcastOrNull(shape, v.shape());
            if (s == null) {
                // torch.broadcast_tensors' message
                int[] vs = v.shape();
                int n = Math.max(shape.length, vs.length);
                for (int i = n - 1; i >= 0; i--) {
                    int x = i < n - shape.length ? 1 : shape[i - (n - shape.length)];
                    int y = i < n - vs.length ? 1 : vs[i - (n - vs.length)];
                    if (x != y && x != 1 && y != 1) {
                        throw new IllegalArgumentException("The size of tensor a (" + x + ") must match the size of tensor b ("
                                + y + ") at non-singleton dimension " + i);
                    }
                }
            }
            shape = s;
        }
        Tensor[] out = new Tensor[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Arrays.equals(values[i].shape(), shape) ? values[i] : values[i].expand(shape);
        }
        return out;
    }

    /**
     * {@code t} expanded to {@code shape}, or null where {@code t} is: what a distribution's {@code expand} carries over
     * of a parameter or a lazily computed matrix that may be absent (PyTorch's expand copies whichever its
     * {@code __dict__} holds).
     */
    static Tensor expandOrNull(Tensor t, int[] shape) {
        return t == null ? null : t.expand(shape);
    }

    /** A number as a 0-dim tensor of the default type ({@link dev.ember.Ember#getDefaultDtype}), as {@code broadcast_all} makes it. */
    static Tensor scalar(double v) {
        return Tensor.full(dev.ember.Ember.getDefaultDtype(), v);
    }

    /**
     * {@code _sum_rightmost(value, dim)}: the sum over the rightmost {@code dim} dims (over all of them where value has
     * fewer, as PyTorch's {@code value.reshape(value.shape[:-dim] + (-1,)).sum(-1)}).
     */
    static Tensor sumRightmost(Tensor value, int dim) {
        if (dim == 0) {
            return value;
        }
        if (dim > value.dim()) {
            return value.reshape(-1).sum(-1);
        }
        int[] dims = new int[dim];
        for (int i = 0; i < dim; i++) {
            dims[i] = -1 - i;
        }
        return value.sum(dims, false);
    }

    /** {@code clamp_probs}: probabilities clamped to [eps, 1 - eps], eps the type's machine epsilon. */
    static Tensor clampProbs(Tensor probs) {
        double eps = eps(probs.dtype());
        return probs.clamp(eps, 1 - eps);
    }

    static double eps(DType t) {
        switch (t) {
            case FLOAT64:
                return Math.ulp(1.0);
            case FLOAT16:
                return 0.0009765625;
            case BFLOAT16:
                return 0.0078125;
            default:
                return Math.ulp(1.0f);
        }
    }

    /** {@code finfo(dtype).tiny}, the smallest positive normal number. */
    static double tiny(DType t) {
        return Tensor.finfo(t).tiny();
    }

    /** A number as a 0-dim tensor of {@code like}'s type and device, as a Python number meets a tensor. */
    static Tensor number(Tensor like, double v) {
        return like.newFull(new int[0], v);
    }

    /** {@code finfo(dtype).min}. */
    static double finfoMin(DType t) {
        switch (t) {
            case FLOAT64:
                return -Double.MAX_VALUE;
            case FLOAT16:
                return -65504.0;
            case BFLOAT16:
                return -3.3895313892515355e38;
            default:
                return -Float.MAX_VALUE;
        }
    }

    /** {@code probs_to_logits}: {@code log(p) - log1p(-p)} for binary probabilities, else {@code log(p)}, p clamped. */
    static Tensor probsToLogits(Tensor probs, boolean binary) {
        Tensor c = clampProbs(probs);
        return binary ? c.log().sub(c.neg().log1p()) : c.log();
    }

    /** {@code logits_to_probs}: sigmoid for binary logits, else softmax over the last dim. */
    static Tensor logitsToProbs(Tensor logits, boolean binary) {
        return binary ? logits.sigmoid() : logits.softmax(-1);
    }

    /** {@code value}, or PyTorch's argument error naming what was expected ({@code expected}) where it is null. */
    static <T> T require(T value, String op, String name, String expected) {
        if (value == null) {
            throw new IllegalArgumentException(op + "(): argument '" + name + "' must be " + expected + ", not null");
        }
        return value;
    }

    /** A tensor argument: "must be Tensor, not null". */
    static Tensor require(Tensor value, String op, String name) {
        return require(value, op, name, "Tensor");
    }

    /** A shape argument: "must be tuple of ints, not null". */
    static int[] require(int[] value, String op, String name) {
        return require(value, op, name, "tuple of ints");
    }

    /** A generator argument: "must be torch.Generator, not null". */
    static dev.ember.Generator require(dev.ember.Generator value, String op, String name) {
        return require(value, op, name, "torch.Generator");
    }

    /** A distribution argument: "must be Distribution, not null". */
    static <D extends Distribution> D require(D value, String op, String name) {
        return require(value, op, name, "Distribution");
    }

    /** A transform argument: "must be Transform, not null". */
    static <X extends Transform> X require(X value, String op, String name) {
        return require(value, op, name, "Transform");
    }
}
