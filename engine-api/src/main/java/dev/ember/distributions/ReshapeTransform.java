package dev.ember.distributions;

import dev.ember.Format;
import dev.ember.Tensor;

import java.util.Arrays;

/**
 * The rightmost dims of shape {@code inShape} reshaped to {@code outShape} (the same number of elements), as
 * {@code torch.distributions.transforms.ReshapeTransform}: bijective, its log-det-Jacobian zero over the batch; domain
 * and codomain real of event_dim {@code len(in_shape)} and {@code len(out_shape)}.
 */
public class ReshapeTransform extends Transform {
    private final int[] inShape;
    private final int[] outShape;

    /**
     * ReshapeTransform(in_shape, out_shape).
     *
     * @throws IllegalArgumentException PyTorch's message where the shapes have different numbers of elements
     */
    public ReshapeTransform(int[] inShape, int[] outShape) {
        Dist.require(inShape, "ReshapeTransform", "in_shape");
        Dist.require(outShape, "ReshapeTransform", "out_shape");
        if (!numel(inShape).equals(numel(outShape))) {
            throw new IllegalArgumentException("in_shape, out_shape have different numbers of elements");
        }
        this.inShape = inShape.clone();
        this.outShape = outShape.clone();
    }

    /** The product of the sizes, exact as Python's {@code torch.Size(shape).numel()} (no overflow). */
    private static java.math.BigInteger numel(int[] shape) {
        java.math.BigInteger n = java.math.BigInteger.ONE;
        for (int s : shape) {
            n = n.multiply(java.math.BigInteger.valueOf(s));
        }
        return n;
    }

    /** The event shape of the inputs, as {@code in_shape}. */
    public int[] inShape() {
        return inShape.clone();
    }

    /** The event shape of the outputs, as {@code out_shape}. */
    public int[] outShape() {
        return outShape.clone();
    }

    @Override
    public Constraint domain() {
        return Constraint.independent(Constraint.REAL, inShape.length);
    }

    @Override
    public Constraint codomain() {
        return Constraint.independent(Constraint.REAL, outShape.length);
    }

    @Override
    public boolean bijective() {
        return true;
    }

    private static int[] batch(Tensor x, int[] event) {
        return Arrays.copyOf(x.shape(), x.dim() - event.length);
    }

    @Override
    protected Tensor call(Tensor x) {
        return x.reshape(Dist.concat(batch(x, inShape), outShape));
    }

    @Override
    protected Tensor invCall(Tensor y) {
        return y.reshape(Dist.concat(batch(y, outShape), inShape));
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        return x.newZeros(batch(x, inShape));
    }

    private static int[] reshaped(int[] shape, int[] from, int[] to) {
        if (shape.length < from.length) {
            throw new IllegalArgumentException("Too few dimensions on input");
        }
        int cut = shape.length - from.length;
        int[] tail = Arrays.copyOfRange(shape, cut, shape.length);
        if (!Arrays.equals(tail, from)) {
            // torch.Size both: PyTorch's callers (TransformedDistribution, Compose) pass torch.Size shapes
            throw new IllegalArgumentException("Shape mismatch: expected " + Format.size(tail) + " but got "
                    + Format.size(from));
        }
        return Dist.concat(Arrays.copyOf(shape, cut), to);
    }

    @Override
    public int[] forwardShape(int[] shape) {
        return reshaped(Dist.require(shape, "forward_shape", "shape"), inShape, outShape);
    }

    @Override
    public int[] inverseShape(int[] shape) {
        return reshaped(Dist.require(shape, "inverse_shape", "shape"), outShape, inShape);
    }
}
