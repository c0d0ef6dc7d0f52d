package dev.ember.distributions;

import dev.ember.Tensor;
import dev.ember.nn.Functional;

import java.util.Arrays;

/**
 * The stick-breaking map from real vectors of length K to the simplex of K + 1 entries, as
 * {@code torch.distributions.transforms.StickBreakingTransform}: bijective, domain {@code real_vector} and codomain
 * {@code simplex} (one event dim each); its repr is PyTorch's {@code StickBreakingTransform()}.
 */
public class StickBreakingTransform extends Transform {
    /** The transform. */
    public StickBreakingTransform() {
    }

    @Override
    public Constraint domain() {
        return Constraint.REAL_VECTOR;
    }

    @Override
    public Constraint codomain() {
        return Constraint.SIMPLEX;
    }

    @Override
    public boolean bijective() {
        return true;
    }

    /** {@code [k, k - 1, ..., 1]}, as PyTorch's {@code n - ones(k).cumsum(-1)} with {@code n = k + 1}. */
    private static Tensor offset(Tensor like, int k) {
        return like.newOnes(k).cumsum(-1).rsub((long) k + 1);
    }

    @Override
    protected Tensor call(Tensor x) {
        int k = x.shape()[x.dim() - 1];
        Tensor z = SigmoidTransform.clipped(x.sub(offset(x, k).log()));
        Tensor zCumprod = z.rsub(1L).cumprod(-1);
        return Functional.pad(z, new int[] {0, 1}, "constant", 1).mul(Functional.pad(zCumprod, new int[] {1, 0}, "constant", 1));
    }

    @Override
    protected Tensor invCall(Tensor y) {
        int k = y.shape()[y.dim() - 1] - 1;
        Tensor yCrop = y.narrow(-1, 0, k);
        Tensor sf = yCrop.cumsum(-1).rsub(1L).clampMin(Dist.tiny(y.dtype()));
        return yCrop.log().sub(sf.log()).add(offset(y, k).log());
    }

    @Override
    protected Tensor ladj(Tensor x, Tensor y) {
        int k = x.shape()[x.dim() - 1];
        Tensor xs = x.sub(offset(x, k).log());
        // the identity 1 - sigmoid(x) = exp(-x) * sigmoid(x)
        return xs.neg().add(Functional.logsigmoid(xs)).add(y.narrow(-1, 0, y.shape()[y.dim() - 1] - 1).log()).sum(-1);
    }

    /**
     * One more entry in the last dim.
     *
     * @throws IllegalArgumentException "Too few dimensions on input" for a 0-dim shape
     */
    @Override
    public int[] forwardShape(int[] shape) {
        Dist.require(shape, "forward_shape", "shape");
        if (shape.length < 1) {
            throw new IllegalArgumentException("Too few dimensions on input");
        }
        int[] out = Arrays.copyOf(shape, shape.length);
        out[shape.length - 1] += 1;
        return out;
    }

    /**
     * One less entry in the last dim.
     *
     * @throws IllegalArgumentException "Too few dimensions on input" for a 0-dim shape
     */
    @Override
    public int[] inverseShape(int[] shape) {
        Dist.require(shape, "inverse_shape", "shape");
        if (shape.length < 1) {
            throw new IllegalArgumentException("Too few dimensions on input");
        }
        int[] out = Arrays.copyOf(shape, shape.length);
        out[shape.length - 1] -= 1;
        return out;
    }

    /** Equal to every {@code StickBreakingTransform}, as PyTorch's {@code __eq__}. */
    @Override
    public boolean equals(Object other) {
        return other instanceof StickBreakingTransform;
    }

    @Override
    public int hashCode() {
        return StickBreakingTransform.class.hashCode();
    }
}
